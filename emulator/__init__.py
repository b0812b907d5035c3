"""Lambda Lab's local cloud: run AWS Lambda handlers and fire their triggers on your laptop.

    from emulator import LocalCloud, events
"""

from . import events
from .cloud import LocalCloud
from .runtime import Invocation

__all__ = ["Invocation", "LocalCloud", "events"]
