"""The process's peak memory, which REPORT's "Max Memory Used" is estimated from.

POSIX's ``getrusage`` reports the peak resident set size: in KiB on Linux, in bytes on macOS.
Windows has no ``resource`` module, and Pyodide's has no ``getrusage``; there the estimate stays at the
runtime's baseline.
"""

from __future__ import annotations

import sys

try:
    from resource import RUSAGE_SELF, getrusage
except ImportError:  # Windows; Pyodide's resource module has no getrusage
    getrusage = None

_UNITS_PER_MB = 1024 * 1024 if sys.platform == "darwin" else 1024  # macOS reports bytes, Linux KiB


def peak_rss_mb() -> int:
    """The largest resident memory this process has used so far, in MB (0 where nobody can tell)."""
    if getrusage is None:
        return 0
    return getrusage(RUSAGE_SELF).ru_maxrss // _UNITS_PER_MB
