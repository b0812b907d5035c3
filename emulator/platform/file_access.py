"""Limiting which files a process may read and write, without root.

The grader runs a student's code in a process of its own. Its limits (time, memory, no network,
no credentials) do not stop it from *reading* what the grader's user can read: the instructor's
solutions, other students' submissions, the hidden tests of other exercises. On Linux, Landlock (a
security module since 5.13, usable by any process) lets a process give up access for itself and
everything it starts: after :func:`restrict`, it may read only beneath the folders it listed, write
only beneath the ones it listed as writable, and nothing it does afterwards can widen that.

Elsewhere (macOS, Windows, an older Linux kernel, Pyodide) there is no such call for an ordinary
process: :func:`restrict` changes nothing and says so, and the caller reports it.
"""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path
from typing import Iterable

# Linux's Landlock system calls and constants (include/uapi/linux/landlock.h).
CREATE_RULESET, ADD_RULE, RESTRICT_SELF = 444, 445, 446
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
READ_ACCESS = EXECUTE | READ_FILE | READ_DIR
TRUNCATE, IOCTL_DEV = 1 << 14, 1 << 15
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # all a rule on one file may grant
# Every filesystem right each ABI version knows: 13 rights in version 1, REFER in 2, TRUNCATE in 3,
# IOCTL_DEV in 5. A ruleset handles all the rights of the running kernel's version.
RIGHTS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}


class _PathBeneath(ctypes.Structure):
    _pack_ = 1  # the kernel's struct landlock_path_beneath_attr is packed
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def abi_version() -> int:
    """The kernel's Landlock ABI version, 0 where there is none."""
    if not sys.platform.startswith("linux"):
        return 0
    version = _syscall(CREATE_RULESET, None, 0, CREATE_RULESET_VERSION)
    return max(version, 0)


def restrict(readable: Iterable[Path], writable: Iterable[Path]) -> str:
    """Let this process read only beneath ``readable`` and write only beneath ``writable``.

    Returns what was done, in words for a gradebook: ``"Landlock (ABI 7): ..."`` or why nothing was.
    """
    version = abi_version()
    if version == 0:
        return "no file isolation: this system has no Landlock (the process can read what its user can)"
    handled = RIGHTS_BY_ABI[max(v for v in RIGHTS_BY_ABI if v <= version)]
    ruleset = _syscall(CREATE_RULESET, ctypes.byref(ctypes.c_uint64(handled)), 8, 0)
    if ruleset < 0:
        return f"no file isolation: Landlock refused a ruleset ({os.strerror(ctypes.get_errno())})"
    try:
        readable, writable = _existing(readable), _existing(writable)
        for path in readable:
            _allow(ruleset, path, handled & (READ_ACCESS if path.is_dir() else EXECUTE | READ_FILE))
        for path in writable:
            _allow(ruleset, path, handled & (~0 if path.is_dir() else FILE_RIGHTS))
        if _libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or _syscall(RESTRICT_SELF, ruleset, 0) != 0:
            return f"no file isolation: Landlock could not be applied ({os.strerror(ctypes.get_errno())})"
    finally:
        os.close(ruleset)
    return (f"Landlock (ABI {version}): reads limited to {len(readable)} folders (Python, the kit's code, "
            f"this submission), writes to {len(writable)}")


def _existing(paths: Iterable[Path]) -> list[Path]:
    return sorted({Path(path).resolve() for path in paths if Path(path).exists()})


def _allow(ruleset: int, path: Path, access: int) -> None:
    descriptor = os.open(path, os.O_PATH | os.O_CLOEXEC)
    try:
        rule = _PathBeneath(access, descriptor)
        if _syscall(ADD_RULE, ruleset, RULE_PATH_BENEATH, ctypes.byref(rule), 0) != 0:
            raise OSError(ctypes.get_errno(), f"Landlock would not add a rule for {path}")
    finally:
        os.close(descriptor)


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _syscall(number: int, *arguments) -> int:
    function = _libc().syscall
    function.restype = ctypes.c_long
    return function(number, *arguments)
