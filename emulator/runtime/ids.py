"""Random identifiers: the request id of an invocation, the ids of an X-Ray trace and its segments.

Lambda gives every invocation a *request id*, a random UUID (version 4) such as
``6f1c2a9e-3b4d-4c5e-9f60-7a8b9c0d1e2f``; X-Ray names a trace ``1-<8 hex digits of the start time>-<24
random hex digits>`` and each segment with 16 random hex digits.

They are drawn from one random generator, seeded from the operating system when the process starts
(and again in a child process after ``fork``), rather than asking the operating system for fresh
bytes for every id, which costs a system call each time. Where we cannot be faithful: the ids are as
unique as AWS's, but not cryptographically unpredictable; nothing in a local cloud relies on that.
"""

from __future__ import annotations

import os
import random
from datetime import datetime

_generator = random.Random()  # seeded from os.urandom; private, so random.seed() in a handler cannot repeat ids
if hasattr(os, "register_at_fork"):  # a forked child would otherwise draw the same ids as its parent
    os.register_at_fork(after_in_child=_generator.seed)

# A version 4 UUID is 122 random bits: the version nibble is 4 and the variant bits are 10 (RFC 4122).
_UUID_FIXED_BITS = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_VERSION_4 = (0x4000 << 64) | (0x8000 << 48)


def request_id() -> str:
    """A new request id: a random UUID, the way Lambda's look (``str(uuid.uuid4())``, only cheaper)."""
    digits = f"{_generator.getrandbits(128) & _UUID_FIXED_BITS | _UUID_VERSION_4:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def trace_id(moment: datetime) -> str:
    """``1-<start time, 8 hex digits of epoch seconds>-<96 random bits>``: X-Ray's trace id format."""
    return f"1-{int(moment.timestamp()):08x}-{_generator.getrandbits(96):024x}"


def entity_id() -> str:
    """A segment or subsegment id: 64 random bits as 16 hex digits."""
    return f"{_generator.getrandbits(64):016x}"
