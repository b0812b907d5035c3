"""A function's time budget: enforcing its timeout, and ``time.sleep`` inside handlers.

In AWS the runtime is a separate process that Lambda freezes from outside when the time is up.
Here the handler runs in-process, so the timeout is delivered *into* it as an
:class:`~emulator.runtime.errors.InvocationTimeout` exception:

- in the main thread (a notebook cell, a script, a test), with a SIGALRM timer: it interrupts even a
  blocking call;
- in any other thread (the HTTP server, the real-time clock), by a watchdog thread that raises the
  exception asynchronously in the handler's thread. Python delivers it at the next bytecode, so a
  handler blocked in one long C call is stopped when that call returns;
- where there are neither signals nor threads (Pyodide in a browser), by a deadline check that the
  interpreter runs on the handler's loop iterations and calls.

Whichever stops it, the invocation is reported as timed out, because the runtime also checks the
elapsed time when the handler returns.

``time.sleep`` inside a handler is *simulated work*: it returns at once and adds its seconds to the
invocation's duration (and so to its timeout, its billed duration and the concurrency it occupies).
That is how a lab shows a one-second consumer, or a timeout, without waiting. The clock that
``datetime.now()`` reads does not move during an invocation; outside invocations, and in other
threads, ``time.sleep`` is the real one.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time

from ..platform import interrupts
from .errors import InvocationTimeout

_real_sleep = time.sleep
_budgets = threading.local()


class TimeBudget:
    """One invocation's time: the real seconds it ran plus the seconds its handler slept."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.started = time.perf_counter()
        self.slept = 0.0

    def elapsed(self) -> float:
        return time.perf_counter() - self.started + self.slept

    def remaining(self) -> float:
        return self.timeout - self.elapsed()


def current_budget() -> TimeBudget | None:
    """The budget of the invocation running in this thread (the innermost one), if any."""
    stack = getattr(_budgets, "stack", None)
    return stack[-1] if stack else None


class counting:
    """``with counting(budget):`` makes ``budget`` this thread's current one, without any timer.

    A service that waits for a function running in another process uses it: an invocation made
    meanwhile on the function's behalf (Lambda calling Lambda) then starts when the caller reached it.
    """

    def __init__(self, budget: TimeBudget) -> None:
        self.budget = budget

    def __enter__(self) -> None:
        _push(self.budget)

    def __exit__(self, *exc_info) -> None:
        _budgets.stack.pop()


def _push(budget: TimeBudget) -> None:
    stack = getattr(_budgets, "stack", None)
    if stack is None:
        stack = _budgets.stack = []
    stack.append(budget)


def simulated_sleep(seconds: float) -> None:
    """``time.sleep`` while the local cloud runs: virtual inside an invocation, real elsewhere."""
    budget = current_budget()
    if budget is None:
        _real_sleep(seconds)
        return
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    if seconds >= budget.remaining():
        budget.slept += max(budget.remaining(), 0.0)
        raise InvocationTimeout()
    budget.slept += seconds
    if interrupts.alarm_usable():
        interrupts.set_alarm(max(budget.remaining(), 1e-6))


_saved_alarm_handler: list = []  # the SIGALRM handler to give back, while ours is installed
_installed: list[bool] = []  # one entry per running cloud: a cloud may start while another runs (a check's)


def install_simulated_sleep() -> None:
    """Patch ``time.sleep`` and, from the main thread, install the timeout's SIGALRM handler once."""
    _installed.append(True)
    time.sleep = simulated_sleep
    if interrupts.alarm_usable() and not _saved_alarm_handler:
        _saved_alarm_handler.append(interrupts.on_alarm(_raise_timeout))


def uninstall_simulated_sleep() -> None:
    """Undo :func:`install_simulated_sleep` once the last running cloud that installed it stops."""
    if _installed:
        _installed.pop()
    if _installed:  # the cloud this one ran inside still runs
        return
    time.sleep = _real_sleep
    if _saved_alarm_handler:
        interrupts.on_alarm(_saved_alarm_handler.pop())


def _raise_timeout(signum, frame) -> None:
    raise InvocationTimeout()


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
        deadline = time.perf_counter() + seconds
        with self._condition:
            # The thread is woken only for a deadline earlier than the one it sleeps until: invocations
            # back to back, with the same timeout, each come later, and waking it would cost each one.
            earlier = not self._deadlines or deadline < self._deadlines[0][0]
            heapq.heappush(self._deadlines, (deadline, token, threading.get_ident()))
            self._active.add(token)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lambda-lab-timeouts", daemon=True)
                self._thread.start()
            elif earlier:
                self._condition.notify()
        return token

    def disarm(self, token: int) -> None:
        with self._condition:
            self._active.discard(token)
            if len(self._deadlines) > 64 + 2 * len(self._active):  # the thread pops disarmed ones only when it wakes
                self._deadlines = [entry for entry in self._deadlines if entry[1] in self._active]
                heapq.heapify(self._deadlines)

    def _run(self) -> None:
        with self._condition:
            while True:
                while self._deadlines and self._deadlines[0][1] not in self._active:
                    heapq.heappop(self._deadlines)
                if not self._deadlines:
                    self._condition.wait()
                    continue
                deadline, token, thread_id = self._deadlines[0]
                wait = deadline - time.perf_counter()
                if wait > 0:
                    self._condition.wait(wait)
                    continue
                heapq.heappop(self._deadlines)
                self._active.discard(token)
                interrupts.raise_in_thread(thread_id, InvocationTimeout)


_watchdog = _Watchdog()


class time_limit:
    """``with time_limit(budget):`` raises InvocationTimeout in this thread when ``budget`` runs out.

    In the main thread a SIGALRM timer does it: one ``setitimer`` call arms it, one disarms it, and an
    outer alarm (the caller's, when a handler invokes another function) is set again for what is
    left of it. In any other thread the watchdog does it; without threads, a deadline check.
    """

    def __init__(self, budget: TimeBudget) -> None:
        self.budget = budget
        self._watchdog_token: int | None = None
        self._deadline_check: interrupts.DeadlineCheck | None = None
        self._previous_handler = None  # the SIGALRM handler to give back, if this block installed ours
        self._outer_remaining = 0.0

    def __enter__(self) -> None:
        _push(self.budget)
        if not interrupts.alarm_usable():
            if interrupts.THREADS_AVAILABLE:
                self._watchdog_token = _watchdog.arm(self.budget.timeout)
            else:
                self._deadline_check = interrupts.DeadlineCheck(self._stop_if_late)
            return
        if not _saved_alarm_handler:  # the cloud was started outside the main thread
            self._previous_handler = interrupts.on_alarm(_raise_timeout)
        self._outer_remaining = interrupts.set_alarm(self.budget.timeout)

    def __exit__(self, *exc_info) -> None:
        try:
            if self._watchdog_token is not None:
                _watchdog.disarm(self._watchdog_token)
                return
            if self._deadline_check is not None:
                self._deadline_check.stop()
                return
            interrupts.set_alarm(0)
            if self._previous_handler is not None:
                interrupts.on_alarm(self._previous_handler)
            if self._outer_remaining > 0:
                ran = time.perf_counter() - self.budget.started
                interrupts.set_alarm(max(self._outer_remaining - ran, 1e-6))
        finally:
            _budgets.stack.pop()

    def _stop_if_late(self) -> None:
        """The deadline check's question: raise once, as the alarm rings once, when the budget is spent."""
        if self.budget.remaining() <= 0:
            self._deadline_check.stop()
            raise InvocationTimeout()
