"""Where a notebook's ``check()`` runs an exercise's tests: in a process of their own, or in the kernel.

The platform's choice is made once, at import (:data:`DEFAULT`), from what the platform offers:

- **Linux**: ``"process"``: each check runs in a sandboxed child forked from the notebook's warm
  checking process (``grader/warm.py``), and the check's functions each in a process of their own,
  with the limits, the network guard and Landlock of batch grading.
- **macOS**: ``"process"`` too. The hazard of ``fork`` on macOS is a child that uses Apple's frameworks
  after forking a process with threads; the checking process is a fresh, single-threaded Python
  started with ``subprocess`` (the Jupyter kernel, which has threads, is never forked), so a check
  forks safely there, with the same resource limits (macOS has no Landlock; the gradebook says so).
- **Windows**: ``"in-kernel"``. There is no ``fork``, and the check's functions are hosted by a fork
  server (``emulator/runtime/forkserver.py``); the sandbox's results socket is read with ``os.read``
  and handed over with ``pass_fds``, and the warm checking process is waited for with ``select`` on a
  pipe, none of which Windows does. A spawned process per check cannot run today, so the tests run in
  the kernel's own process. (What the check path imports loads on Windows: ``resource`` is optional,
  ``fcntl`` unused, ``prctl`` and Landlock called only on Linux.)
- **Pyodide** (``sys.platform == "emscripten"``, JupyterLite): ``"in-kernel"``: a browser tab has one
  interpreter and no processes at all.

``LAMBDA_LAB_CHECK=in-kernel`` or ``LAMBDA_LAB_CHECK=process``, read when a lab starts, forces one (an
instructor, a test); ``process`` where there is no ``fork`` is refused with a sentence saying why.

What in-kernel means for trust: the student's code runs in the notebook's process, next to the tests,
so a determined student can fool their own check. That is fine for practice; batch grading
(``python -m grader grade``) always runs in processes of their own, and it is what counts.
"""

from __future__ import annotations

import os
import sys

from . import IN_PYODIDE
from .processes import FORK_AVAILABLE

MECHANISMS = ("process", "in-kernel")
VARIABLE = "LAMBDA_LAB_CHECK"
# This platform's choice, made once at import: a process where fork exists, else the kernel.
DEFAULT = "process" if FORK_AVAILABLE and not IN_PYODIDE else "in-kernel"


def mechanism() -> str:
    """The mechanism a new lab's ``check`` uses: ``$LAMBDA_LAB_CHECK`` if set, else :data:`DEFAULT`.

    An unknown value, or ``process`` where there is no ``fork``, raises ValueError saying what to write.
    """
    forced = os.environ.get(VARIABLE)
    if not forced:
        return DEFAULT
    if forced not in MECHANISMS:
        raise ValueError(f"{VARIABLE}={forced!r} is not one of {', '.join(MECHANISMS)}: "
                         f"write {VARIABLE}=in-kernel or {VARIABLE}=process, or leave it unset")
    if forced == "process" and not FORK_AVAILABLE:
        raise ValueError(f"{VARIABLE}=process needs fork, which {sys.platform} does not have: "
                         f"use {VARIABLE}=in-kernel, or leave it unset")
    return forced
