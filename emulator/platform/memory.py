"""The process's peak memory, which REPORT's "Max Memory Used" is estimated from.

POSIX's ``getrusage`` reports the peak resident set size: in KiB on Linux, in bytes on macOS.
Windows and Pyodide have no ``resource`` module; there the estimate stays at the runtime's baseline.
"""

from __future__ import annotations

import sys

try:
    import resource
except ImportError:  # Windows, Pyodide
    resource = None

_UNITS_PER_MB = 1024 * 1024 if sys.platform == "darwin" else 1024  # macOS reports bytes, Linux KiB


def peak_rss_mb() -> int:
    """The largest resident memory this process has used so far, in MB (0 where nobody can tell)."""
    if resource is None:
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // _UNITS_PER_MB
