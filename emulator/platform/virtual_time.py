"""Making the whole process see the virtual clock.

While a local cloud runs, ``datetime.now()``, ``time.time()`` and everything built on them (moto's
message timestamps and visibility, a handler's own clock) return virtual time. Natively this is
``time-machine``, which replaces the C-level clock functions of CPython. ``time.perf_counter``
stays real, so durations in REPORT lines are still measured.
"""

from __future__ import annotations

from datetime import datetime

import time_machine


class ProcessTime:
    """The process's wall clock, held at one moment until it is moved."""

    def __init__(self, moment: datetime) -> None:
        self._traveller = time_machine.travel(moment, tick=False)
        self._coordinates = self._traveller.start()

    def move_to(self, moment: datetime) -> None:
        self._coordinates.move_to(moment)

    def stop(self) -> None:
        """Give the process its real clock back."""
        self._traveller.stop()
