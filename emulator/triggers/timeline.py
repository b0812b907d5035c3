"""The timeline: how virtual time moves and what fires on the way.

Every trigger of the local cloud (a schedule, an SQS event source mapping, the queue of asynchronous
invocations) is a :class:`Trigger`: it can say when it next has work (``next_due``) and do the work
that is due (``fire``). ``Timeline.advance_to`` repeatedly picks the earliest due trigger, moves the
clock to that moment and fires it, so everything happens in time order, deterministically.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from ..timestamps import as_utc
from .clock import VirtualClock


class Trigger(Protocol):
    #: False for work that never ends by itself (a schedule): run_until_idle does not wait for it.
    pending_work: bool

    def next_due(self, now: datetime) -> datetime | None:
        """When this trigger next has something to do (``<= now`` means now), or None."""

    def fire(self, now: datetime) -> None:
        """Do what is due at ``now``."""


class IdleTimeout(RuntimeError):
    """run_until_idle gave up: work was still pending after the longest wait it allows."""


class Timeline:
    """Moves a virtual clock forward, firing the triggers that fall due, in time order."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.triggers: list[Trigger] = []
        self.firing = False  # True while a trigger fires: what it starts begins at the clock's instant

    def add(self, trigger: Trigger) -> Trigger:
        self.triggers.append(trigger)
        return trigger

    def remove(self, trigger: Trigger) -> None:
        if trigger in self.triggers:
            self.triggers.remove(trigger)

    def next_event(self, only_pending: bool = False) -> tuple[datetime, Trigger] | None:
        """The earliest (time, trigger) pair; ties go to the trigger added first."""
        now = self.clock.now()
        best: tuple[datetime, Trigger] | None = None
        for trigger in list(self.triggers):
            if only_pending and not trigger.pending_work:
                continue
            due = trigger.next_due(now)
            if due is not None and (best is None or due < best[0]):
                best = (max(due, now), trigger)
        return best

    def advance_to(self, target: datetime) -> None:
        """Fire everything due up to and including ``target``, then leave the clock at ``target``."""
        target = as_utc(target)
        while (event := self.next_event()) is not None and event[0] <= target:
            self.clock.move_to(event[0])
            self._fire(*event)
        if target > self.clock.now():
            self.clock.move_to(target)

    def _fire(self, moment: datetime, trigger: Trigger) -> None:
        outer, self.firing = self.firing, True
        try:
            trigger.fire(moment)
        finally:
            self.firing = outer

    def run_until_idle(self, limit: timedelta) -> timedelta:
        """Advance until no trigger has pending work (schedules do not count). Returns the time taken.

        Raises IdleTimeout, naming what is still pending, when that takes longer than ``limit``.
        """
        started = self.clock.now()
        deadline = started + limit
        while (event := self.next_event(only_pending=True)) is not None:
            if event[0] > deadline:
                self.advance_to(deadline)
                pending = ", ".join(sorted({str(t) for t in self.triggers if t.pending_work and t.next_due(deadline)}))
                raise IdleTimeout(
                    f"still busy after {limit} of virtual time: {pending}. Is a message failing forever "
                    f"without a dead-letter queue? Add one (max_receive_count) or pass a longer limit.")
            self.advance_to(event[0])
        return self.clock.now() - started
