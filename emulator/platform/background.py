"""Work repeated in the background while the notebook stays free: the clock's real-time mode.

``cloud.play()`` moves the virtual clock with the wall clock, a little every tenth of a second,
while the student goes on running cells. Two ways exist to be called back like that:

- natively, a **daemon thread** that wakes every ``seconds``;
- in Pyodide (a browser tab has one thread), the **event loop** the kernel already runs: a callback
  scheduled with ``call_later`` runs whenever the tab is idle between cells, then schedules the next.

:func:`every` picks the one this platform has, once, at import.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Callable
from . import IN_PYODIDE



class _ThreadTicker:
    """Calls ``tick()`` every ``seconds`` from a daemon thread until it returns False or is stopped."""

    def __init__(self, seconds: float, tick: Callable[[], bool]) -> None:
        self._seconds, self._tick = seconds, tick
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lambda-lab-clock", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self) -> None:
        while not self._stopped.wait(self._seconds):
            if not self._tick():
                return


class _EventLoopTicker:
    """Calls ``tick()`` every ``seconds`` from the running asyncio event loop (Pyodide's, in a browser)."""

    def __init__(self, seconds: float, tick: Callable[[], bool]) -> None:
        self._seconds, self._tick = seconds, tick
        self._loop = asyncio.get_event_loop()
        self._handle = self._loop.call_later(seconds, self._run)

    def stop(self) -> None:
        self._handle.cancel()

    def _run(self) -> None:
        if self._tick():
            self._handle = self._loop.call_later(self._seconds, self._run)


Ticker = _EventLoopTicker if IN_PYODIDE else _ThreadTicker


def every(seconds: float, tick: Callable[[], bool]) -> "Ticker":
    """Call ``tick()`` every ``seconds`` in the background until it returns False or ``.stop()`` is called."""
    return Ticker(seconds, tick)
