"""Interrupting a handler that runs past its timeout.

In AWS, Lambda stops the runtime process from outside. Here a handler runs in a process that must
survive it, so the timeout is delivered *into* the handler as an exception. Two mechanisms exist:

- an **alarm**: POSIX's ``setitimer(ITIMER_REAL)`` sends SIGALRM to the main thread, whose handler
  raises at once, even inside a blocking call. Only the main thread can receive it, and Windows and
  Pyodide have none (``ALARM_AVAILABLE`` says whether this platform has it);
- an **asynchronous exception** raised in another thread through CPython's
  ``PyThreadState_SetAsyncExc``: delivered at the thread's next bytecode, so a handler blocked in one
  long C call is stopped when that call returns.
"""

from __future__ import annotations

import ctypes
import signal
import threading
from typing import Callable

ALARM_AVAILABLE = hasattr(signal, "setitimer") and hasattr(signal, "SIGALRM")


def alarm_usable() -> bool:
    """Whether this thread can be interrupted by the alarm (a POSIX platform, in the main thread)."""
    return ALARM_AVAILABLE and threading.current_thread() is threading.main_thread()


def set_alarm(seconds: float) -> float:
    """Arm the alarm to ring in ``seconds`` (0 disarms it); returns what was left of the previous one."""
    return signal.setitimer(signal.ITIMER_REAL, seconds)[0]


def on_alarm(handler: Callable) -> Callable:
    """Make ``handler(signum, frame)`` answer the alarm; returns the handler it replaces."""
    return signal.signal(signal.SIGALRM, handler)


def raise_in_thread(thread_id: int, exception: type[BaseException]) -> None:
    """Raise ``exception`` in the thread ``thread_id`` at its next bytecode."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(exception))
