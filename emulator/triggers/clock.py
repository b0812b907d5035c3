"""The one clock of the local cloud.

Everything in Lambda that depends on time (a schedule firing, a message becoming visible again after
its visibility timeout, a retry one minute later, a message's age) reads this clock. In AWS that is
the wall clock; here it is a *virtual* clock that only moves when you ask it to, so a notebook can
play a day of a ``rate(1 minute)`` schedule in well under a second, and the same script always gives
the same result.

While the local cloud runs, the clock is installed process-wide (:mod:`emulator.platform.virtual_time`): handlers that
call ``datetime.now()`` or ``time.time()`` and moto (which reads ``datetime.now(UTC)`` for message
visibility and delays) all see virtual time. Durations are measured with ``time.perf_counter``, which
is not virtual, so the REPORT line still shows how long your code really took.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

from ..platform import background
from ..platform.virtual_time import ProcessTime
from ..timestamps import as_utc


def default_start() -> datetime:
    """The wall-clock time, rounded down to the minute: where a new clock starts by default."""
    return datetime.now(timezone.utc).replace(second=0, microsecond=0)


class VirtualClock:
    """A clock that stands still until it is moved.

    ``now()`` is the virtual time. ``move_to()`` and ``advance()`` move it forward (never back: AWS
    time does not run backwards, and the local cloud's queues would misbehave if it did). While
    ``installed``, ``datetime.now()`` and ``time.time()`` everywhere in the process return the
    virtual time too.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = as_utc(start) if start is not None else default_start()
        self._timestamp = self._now.timestamp()
        self._process_time: ProcessTime | None = None
        self._lock = threading.RLock()

    def now(self) -> datetime:
        """The current virtual time, an aware UTC datetime."""
        return self._now

    def timestamp(self) -> float:
        """The current virtual time in seconds since the epoch."""
        return self._timestamp

    def move_to(self, moment: datetime) -> None:
        """Set the virtual time to ``moment`` (which must not be in the virtual past)."""
        moment = as_utc(moment)
        with self._lock:
            if moment < self._now:
                raise ValueError(
                    f"the clock cannot go back from {self._now.isoformat()} to {moment.isoformat()}"
                )
            self._now = moment
            self._timestamp = moment.timestamp()
            if self._process_time is not None:
                self._process_time.move_to(moment)

    def install(self) -> None:
        """Make the whole process see virtual time (``datetime.now()``, ``time.time()``, moto)."""
        if self._process_time is None:
            self._process_time = ProcessTime(self._now)

    def uninstall(self) -> None:
        """Give the process its real clock back."""
        if self._process_time is not None:
            self._process_time.stop()
            self._process_time = None


class RealTimePlayer:
    """Moves a virtual clock with the wall clock, ``speed`` times faster, in the background.

    This is the clock's real-time mode, for live demonstrations: ``cloud.play(speed=60)`` makes one
    real second one virtual minute, so a ``rate(1 minute)`` schedule fires every second on screen.
    ``step`` is called with each new virtual time and does the firing (LocalCloud passes its own
    ``advance_to``). The ticks come from a thread natively and from the event loop in a browser
    (:mod:`emulator.platform.background`).
    """

    def __init__(self, clock: VirtualClock, step, speed: float = 1.0, tick_seconds: float = 0.1) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be positive (got {speed}): 1 is real time, 60 is a minute per second")
        self.clock = clock
        self.step = step
        self.speed = speed
        self.tick_seconds = tick_seconds
        self._ticker: background.Ticker | None = None
        self._last = 0.0
        self.error: BaseException | None = None

    def start(self) -> None:
        self._last = time.perf_counter()
        self._ticker = background.every(self.tick_seconds, self._tick)

    def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.stop()

    def _tick(self) -> bool:
        now = time.perf_counter()
        virtual_elapsed = timedelta(seconds=(now - self._last) * self.speed)
        self._last = now
        try:
            self.step(self.clock.now() + virtual_elapsed)
        except BaseException as error:  # surfaced by LocalCloud.pause(), never lost
            self.error = error
            return False
        return True
