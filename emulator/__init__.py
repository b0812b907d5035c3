"""Lambda Lab's local cloud: run AWS Lambda handlers and fire their triggers on your laptop.

    from emulator import LocalCloud, events

The names are loaded when first used, so importing one part (``emulator.platform``, say, as the
grader does) does not import moto and boto3 with the whole cloud.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .platform import absent_packages

absent_packages.install()  # Pyodide: moto imports cryptography, which a browser cannot have

if TYPE_CHECKING:
    from . import events
    from .cloud import LocalCloud
    from .runtime import Invocation

__all__ = ["Invocation", "LocalCloud", "events"]
_HOMES = {"LocalCloud": ".cloud", "Invocation": ".runtime", "events": ".events"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'emulator' has no attribute {name!r}")
    module = importlib.import_module(_HOMES[name], __name__)
    return module if name == "events" else getattr(module, name)
