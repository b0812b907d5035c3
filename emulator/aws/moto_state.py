"""moto's data set aside: a block that sees an empty AWS account and leaves nothing behind.

moto keeps every resource in module-level *backends*: for each service a ``BackendDict``, keyed by
account id, whose values hold one backend per region. Two local clouds running in one process (a
notebook's, and the one a check's tests start in the notebook's own process) would therefore share
every queue, rule and table. A separate account would not do: the labs write the account id into
their queue URLs (``https://sqs.us-east-1.amazonaws.com/123456789012/output_queue``), as AWS does.

So :func:`set_aside` takes the backends' data out of moto for the duration of a block (the objects
themselves, untouched, so a running cloud's references stay valid), lets the block start from an empty
moto with moto's patches read from the block's own clock (:func:`emulator.aws.moto_patches.set_aside`),
then resets what the block made and puts the data back.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from moto.core.base_backend import BackendDict

from . import moto_patches


@contextmanager
def set_aside() -> Iterator[None]:
    """Run the block against an empty moto; afterwards, moto holds exactly what it held before."""
    saved = [(backends, dict(backends)) for backends in BackendDict._instances]
    for backends, _ in saved:
        dict.clear(backends)
    BackendDict._instances.clear()
    try:
        with moto_patches.set_aside():
            yield
    finally:
        BackendDict.reset()  # what the block made
        for backends, data in saved:
            dict.update(backends, data)
        BackendDict._instances[:] = [backends for backends, _ in saved]
