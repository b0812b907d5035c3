"""Child processes: their limits, their own group, and ending them with everything they started.

The grader runs each exercise's tests in a child process. On POSIX systems (Linux, macOS) the child
gets resource limits (``setrlimit``: address space, CPU seconds, written file size, no core dump)
and a process group of its own, so one signal ends it and every process it started. Windows has
neither: there a child runs without those limits and is ended alone. Pyodide has no processes at
all (a browser tab runs one interpreter), so nothing here is used there.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

try:
    import resource
except ImportError:  # Windows, Pyodide
    resource = None

FORK_AVAILABLE = hasattr(os, "fork")  # fork is POSIX only (and unsafe in a process with threads)
PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process receives when its parent dies
PR_GET_DUMPABLE, PR_SET_DUMPABLE = 3, 4  # prctl(2): may other processes of the user read this one's memory


def limit_resources(memory_mb: int, cpu_seconds: int, file_size_bytes: int) -> list[str]:
    """Limit this process; returns the names of the limits that took (a platform may refuse some)."""
    if resource is None:
        return []
    limits = [("RLIMIT_AS", memory_mb * 2**20), ("RLIMIT_CPU", cpu_seconds), ("RLIMIT_FSIZE", file_size_bytes),
              ("RLIMIT_CORE", 0)]
    applied = []
    for name, value in limits:
        try:
            resource.setrlimit(getattr(resource, name), (value, value))
            applied.append(name)
        except (AttributeError, ValueError, OSError):
            pass  # e.g. macOS refuses RLIMIT_AS: the time limit still applies
    return applied


def start_own_group() -> None:
    """Make this (forked) process the leader of a new process group and session."""
    os.setsid()


def die_with_parent() -> None:
    """Linux: have the kernel end this process when its parent ends (elsewhere, nothing to do)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def keep_memory_private() -> bool:
    """Linux: forbid other processes of this user to read this one's memory, open files and environment
    (``/proc/PID/mem``, ``fd/``, ``environ``, ptrace). Returns whether it took (root is never refused)."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(PR_SET_DUMPABLE, 0) == 0 and libc.prctl(PR_GET_DUMPABLE) == 0


def kill_group(pid: int) -> None:
    """End the process ``pid`` and, where process groups exist, everything it started."""
    try:
        if hasattr(os, "killpg"):
            os.killpg(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGTERM)  # Windows: TerminateProcess, for that process alone
    except (ProcessLookupError, PermissionError, OSError):
        pass  # it has ended already
