"""Making the whole process see the virtual clock.

While a local cloud runs, ``datetime.now()``, ``time.time()`` and everything built on them (moto's
message timestamps and visibility, a handler's own clock) return virtual time. ``time.perf_counter``
and ``time.monotonic`` stay real, so durations in REPORT lines are still measured. One backend per
platform, chosen when this module is imported, with the same behaviour:

- natively, ``time-machine``, which replaces the C-level clock functions of CPython;
- in Pyodide (a browser tab, or Node.js), the C library's wall clock reads JavaScript's ``Date.now``
  (emscripten's ``clock_gettime(CLOCK_REALTIME)``), so replacing ``Date.now`` in the interpreter's
  JavaScript realm moves every Python clock that reads the wall time, and nothing else.
"""

from __future__ import annotations

from datetime import datetime

from . import IN_PYODIDE



class _TimeMachineTime:
    """The process's wall clock, held at one moment until it is moved (natively: time-machine)."""

    def __init__(self, moment: datetime) -> None:
        import time_machine

        self._traveller = time_machine.travel(moment, tick=False)
        self._coordinates = self._traveller.start()

    def move_to(self, moment: datetime) -> None:
        self._coordinates.move_to(moment)

    def stop(self) -> None:
        """Give the process its real clock back."""
        self._traveller.stop()


# Date.now replaced by one that answers the held moment, and the real one kept to give back.
_JS_CLOCK = """(() => {
  const realNow = Date.now;
  const clock = { heldMs: null, restore() { Date.now = realNow; } };
  Date.now = () => (clock.heldMs == null ? realNow() : clock.heldMs);
  return clock;
})()"""


class _JavaScriptTime:
    """The process's wall clock, held at one moment until it is moved (Pyodide: JavaScript's ``Date.now``)."""

    def __init__(self, moment: datetime) -> None:
        import js

        self._clock = js.eval(_JS_CLOCK)
        self.move_to(moment)

    def move_to(self, moment: datetime) -> None:
        self._clock.heldMs = moment.timestamp() * 1000  # a naive moment is local time, as time-machine reads it

    def stop(self) -> None:
        """Give the process its real clock back."""
        self._clock.restore()


ProcessTime = _JavaScriptTime if IN_PYODIDE else _TimeMachineTime
