"""Interrupting a handler that runs past its timeout.

In AWS, Lambda stops the runtime process from outside. Here a handler runs in a process that must
survive it, so the timeout is delivered *into* the handler as an exception. Two mechanisms exist:

- an **alarm**: POSIX's ``setitimer(ITIMER_REAL)`` sends SIGALRM to the main thread, whose handler
  raises at once, even inside a blocking call. Only the main thread can receive it, and Windows and
  Pyodide have none (``ALARM_AVAILABLE`` says whether this platform has it);
- an **asynchronous exception** raised in another thread through CPython's
  ``PyThreadState_SetAsyncExc``: delivered at the thread's next bytecode, so a handler blocked in one
  long C call is stopped when that call returns;
- a **deadline check** run by the interpreter itself, where there is neither (Pyodide has no threads
  and no timer signal): on every loop iteration and every call, Python asks whether the deadline
  has passed, and the check raises in the handler's own frame. ``sys.monitoring`` (Python 3.12 and
  later) calls it only on backward jumps and function starts, so straight-line code costs nothing;
  older Pythons use ``sys.settrace``, which is slower. A handler blocked in one C call is stopped
  when that call returns (``THREADS_AVAILABLE`` says whether the second mechanism exists).
"""

from __future__ import annotations

import ctypes
import signal
import sys
import threading
from typing import Callable
from . import IN_PYODIDE

ALARM_AVAILABLE = hasattr(signal, "setitimer") and hasattr(signal, "SIGALRM") and not IN_PYODIDE
THREADS_AVAILABLE = not IN_PYODIDE  # Pyodide's threading module cannot start a thread
CHECK_EVERY = 64  # loop iterations and calls between two looks at the clock (a look is a JavaScript call in Pyodide)


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


class DeadlineCheck:
    """Run ``check()`` from inside the running code, on loop iterations and calls, until :meth:`stop`.

    ``check`` raises to stop the code (the exception surfaces in the frame that was running). One
    check at a time per process: starting a new one replaces the previous one.
    """

    TOOL_NAME = "lambda-lab timeouts"

    def __init__(self, check: Callable[[], None]) -> None:
        self._check = check
        self._count = 0
        self._running = True
        self._previous_trace = None
        self._tool = _monitoring_tool() if hasattr(sys, "monitoring") else None
        if self._tool is not None:
            events = sys.monitoring.events
            for event in (events.JUMP, events.PY_START):
                sys.monitoring.register_callback(self._tool, event, self._on_event)
            sys.monitoring.set_events(self._tool, events.JUMP | events.PY_START)
        else:
            self._previous_trace = sys.gettrace()
            sys.settrace(self._on_trace)

    def stop(self) -> None:
        """Stop checking (a second call does nothing)."""
        if not self._running:
            return
        self._running = False
        if self._tool is not None:
            sys.monitoring.set_events(self._tool, 0)
            sys.monitoring.free_tool_id(self._tool)
        else:
            sys.settrace(self._previous_trace)

    def _on_event(self, *arguments) -> None:
        self._count += 1
        if self._count % CHECK_EVERY == 0:
            self._check()

    def _on_trace(self, frame, event, argument):
        self._on_event()
        return self._on_trace


def _monitoring_tool() -> int:
    """A free ``sys.monitoring`` tool id (ids 0 to 2 belong to debuggers, coverage and profilers)."""
    for tool in range(3, 6):
        if sys.monitoring.get_tool(tool) is None:
            sys.monitoring.use_tool_id(tool, DeadlineCheck.TOOL_NAME)
            return tool
    raise RuntimeError("every sys.monitoring tool id is taken: no deadline check can be installed")
