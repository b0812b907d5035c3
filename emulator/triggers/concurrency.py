"""Concurrency: how many invocations of a function may run at the same time.

In AWS every invocation occupies one *execution environment* for as long as it runs. An account
has a concurrency limit (1,000 by default) shared by all its functions, and a function can reserve
part of it (``reserved_concurrency``), which also caps that function. An invocation that would go
over a limit is *throttled*: a synchronous caller gets ``TooManyRequestsException`` (HTTP 429), while
asynchronous events and SQS messages wait and are retried.

The local cloud runs handlers one at a time, in this process, while the virtual clock stands still.
So concurrency is modelled on the virtual clock: an invocation that starts at virtual time *t* and
lasts *d* (its real run time plus any ``time.sleep``) occupies one slot of its function from *t* to
*t + d*. A function whose handler "works" for one second can therefore run at most N invocations per
virtual second with N slots, exactly the arithmetic of the real service.
"""

from __future__ import annotations

import bisect
from datetime import datetime, timedelta

DEFAULT_ACCOUNT_LIMIT = 1000  # Lambda's default concurrent executions quota per Region


class ConcurrencyModel:
    """Slots in use per function, as (end time) lists on the virtual clock."""

    def __init__(self, account_limit: int = DEFAULT_ACCOUNT_LIMIT) -> None:
        self.account_limit = account_limit
        self._ends: dict[str, list[datetime]] = {}
        self.throttles: dict[str, int] = {}

    def _prune(self, now: datetime) -> None:
        for name, ends in self._ends.items():
            del ends[:bisect.bisect_right(ends, now)]

    def has_room(self, function: str, reserved: int | None, now: datetime) -> bool:
        """Whether one more invocation of ``function`` may start at ``now``."""
        self._prune(now)
        if reserved is not None:
            return len(self._ends.get(function, ())) < reserved
        return sum(len(ends) for ends in self._ends.values()) < self.account_limit

    def next_free(self, function: str, reserved: int | None, now: datetime) -> datetime | None:
        """When a slot that would let ``function`` run frees up (None if nothing is running)."""
        if reserved == 0:
            return None  # a reserved concurrency of 0 stops the function until it is changed
        pool = self._ends.get(function, []) if reserved is not None else sorted(
            end for ends in self._ends.values() for end in ends)
        later = [end for end in pool if end > now]
        return min(later) if later else None

    def occupy(self, function: str, start: datetime, duration_ms: float) -> None:
        """Record that an invocation of ``function`` ran from ``start`` for ``duration_ms``."""
        bisect.insort(self._ends.setdefault(function, []), start + timedelta(milliseconds=duration_ms))

    def record_throttle(self, function: str) -> None:
        self.throttles[function] = self.throttles.get(function, 0) + 1
