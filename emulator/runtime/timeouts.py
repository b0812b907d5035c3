"""Enforcing a function's timeout on code that runs in this very process.

In AWS the runtime is a separate process that Lambda freezes from outside when the time is up.
Here the handler runs in-process, so the timeout is delivered *into* it as an
:class:`~emulator.runtime.errors.InvocationTimeout` exception:

- in the main thread (a notebook cell, a script, a test), with a SIGALRM timer: it interrupts even a
  blocking ``time.sleep``;
- in any other thread (the HTTP server, the real-time clock), by a watchdog thread that raises the
  exception asynchronously in the handler's thread. Python delivers it at the next bytecode, so a
  handler blocked in one long C call is stopped when that call returns. Either way the invocation is
  reported as timed out, because the runtime also checks the elapsed time when the handler returns.
"""

from __future__ import annotations

import ctypes
import heapq
import itertools
import signal
import threading
import time
from contextlib import contextmanager
from typing import Iterator

from .errors import InvocationTimeout


def _raise_timeout(signum, frame) -> None:
    raise InvocationTimeout()


@contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    """SIGALRM after ``seconds``; an outer alarm (a nested invocation's caller) is restored after."""
    previous_handler = signal.signal(signal.SIGALRM, _raise_timeout)
    outer_remaining, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = _now()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if outer_remaining > 0:
            signal.setitimer(signal.ITIMER_REAL, max(outer_remaining - (_now() - started), 1e-6))


def _now() -> float:
    return time.perf_counter()


class _Watchdog:
    """One daemon thread that raises InvocationTimeout in threads whose deadline has passed."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._deadlines: list[tuple[float, int, int]] = []  # (deadline, token, thread id)
        self._active: set[int] = set()
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, seconds: float) -> int:
        token = next(self._tokens)
        with self._condition:
            heapq.heappush(self._deadlines, (_now() + seconds, token, threading.get_ident()))
            self._active.add(token)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lambda-lab-timeouts", daemon=True)
                self._thread.start()
            self._condition.notify()
        return token

    def disarm(self, token: int) -> None:
        with self._condition:
            self._active.discard(token)

    def _run(self) -> None:
        with self._condition:
            while True:
                while self._deadlines and self._deadlines[0][1] not in self._active:
                    heapq.heappop(self._deadlines)
                if not self._deadlines:
                    self._condition.wait()
                    continue
                deadline, token, thread_id = self._deadlines[0]
                wait = deadline - _now()
                if wait > 0:
                    self._condition.wait(wait)
                    continue
                heapq.heappop(self._deadlines)
                self._active.discard(token)
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(thread_id), ctypes.py_object(InvocationTimeout))


_watchdog = _Watchdog()


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise InvocationTimeout in the current thread if the block runs longer than ``seconds``."""
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        with _alarm(seconds):
            yield
        return
    token = _watchdog.arm(seconds)
    try:
        yield
    finally:
        _watchdog.disarm(token)
