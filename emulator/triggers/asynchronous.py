"""Asynchronous invocation: the internal queue in front of a function.

When you invoke a function with ``InvocationType="Event"`` (or when S3, SNS or EventBridge invoke
it), Lambda answers at once with 202 and puts the event on an internal queue. A poller takes events
from that queue and runs the function. What happens next is the part the labs teach:

- on a function error Lambda retries the event twice, about one minute and then two minutes later
  (``MaximumRetryAttempts``, 0 to 2);
- while the function is throttled (no concurrency left) the event waits and is tried again, for up to
  ``MaximumEventAgeInSeconds`` (6 hours by default);
- an event that runs out of retries or of age is discarded, unless an *on-failure destination* (here:
  an SQS queue) receives a record describing it. An *on-success destination* receives the result of
  each successful event.

The same request id is kept across the retries of one event, as in AWS.
"""

from __future__ import annotations

import heapq
import itertools
import json
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..runtime import Function, FunctionFault, Invocation
from .service import LambdaService

# Lambda's documented retry delays for asynchronous invocation: at least 1 minute, then 2 minutes.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=2))
# If the function has no concurrency, an event is tried again when a slot frees, or after this long.
THROTTLE_RETRY = timedelta(minutes=5)
MAX_EVENT_AGE = timedelta(hours=6)  # default and maximum MaximumEventAgeInSeconds (21,600 s)
MIN_EVENT_AGE = timedelta(seconds=60)


@dataclass
class AsyncConfig:
    """A function's EventInvokeConfig."""

    maximum_retry_attempts: int = 2
    maximum_event_age: timedelta = MAX_EVENT_AGE
    on_failure: str | None = None  # an SQS queue URL
    on_success: str | None = None


@dataclass(order=True)
class QueuedEvent:
    due: datetime
    sequence: int
    function: str = field(compare=False)
    payload: bytes = field(compare=False)
    trigger: str = field(compare=False)
    request_id: str = field(compare=False)
    received: datetime = field(compare=False)
    attempts: int = field(default=0, compare=False)


class AsyncInvoker:
    """The internal event queue and its poller, a trigger on the timeline."""

    pending_work = True

    def __init__(self, cloud: LambdaService) -> None:
        self.cloud = cloud
        self.configs: dict[str, AsyncConfig] = {}
        self._queue: list[QueuedEvent] = []
        self._sequence = itertools.count()
        self.dropped: list[dict] = []  # events discarded without a destination: never lost silently
        # Throttled events wait per function, in arrival order, until a concurrency slot frees up.
        self._parked: dict[str, deque[QueuedEvent]] = {}
        self._wake: dict[str, datetime] = {}

    def __str__(self) -> str:
        return f"{self.pending} asynchronous event(s)"

    def config(self, function: str) -> AsyncConfig:
        return self.configs.setdefault(function, AsyncConfig())

    def submit(self, function: Function, payload: bytes, trigger: str, at: datetime) -> str:
        """Queue an event for ``function``, received at the caller's instant ``at``; returns its request id
        (what the 202 response carries)."""
        request_id = str(uuid.uuid4())
        heapq.heappush(self._queue, QueuedEvent(at, next(self._sequence), function.config.name, payload,
                                                trigger, request_id, at))
        return request_id

    @property
    def pending(self) -> int:
        """Events queued, waiting for a retry, or waiting for a concurrency slot."""
        return len(self._queue) + sum(len(waiting) for waiting in self._parked.values())

    def next_due(self, now: datetime) -> datetime | None:
        times = list(self._wake.values()) + ([self._queue[0].due] if self._queue else [])
        return min(times) if times else None

    def fire(self, now: datetime) -> None:
        woken = next((name for name, wake in self._wake.items() if wake <= now), None)
        if woken is not None:
            self._drain(woken, now)
            return
        event = heapq.heappop(self._queue)
        if event.function in self._parked:  # behind the events already waiting for a slot
            self._parked[event.function].append(event)
            return
        self._process(event, now)

    def _drain(self, name: str, now: datetime) -> None:
        """A slot freed up: run the waiting events of ``name`` in order, while there is room."""
        waiting = self._parked.pop(name)
        del self._wake[name]
        while waiting:
            self._process(waiting.popleft(), now)
            if name in self._parked:  # throttled again: the others keep waiting behind it
                self._parked[name].extend(waiting)
                return

    def _process(self, event: QueuedEvent, now: datetime) -> None:
        config = self.config(event.function)
        if now - event.received > config.maximum_event_age:
            self._give_up(event, "EventAgeExceeded", None)
            return
        function = self.cloud.functions.get(event.function)
        if function is None:
            self._give_up(event, "FunctionNotFound", None)  # deleted while its event waited
            return
        if not self.cloud.concurrency.has_room(event.function, function.config.reserved_concurrency, now):
            self.cloud.concurrency.record_throttle(event.function)
            free = self.cloud.concurrency.next_free(event.function, function.config.reserved_concurrency, now)
            self._parked.setdefault(event.function, deque()).append(event)
            self._wake[event.function] = free or now + THROTTLE_RETRY
            return
        event.attempts += 1
        invocation = self.cloud.run(function, event.payload, event.trigger, request_id=event.request_id)
        if invocation.ok:
            if config.on_success:
                self._send_record(config.on_success, event, "Success", invocation)
        elif event.attempts > config.maximum_retry_attempts:
            self._give_up(event, "RetriesExhausted", invocation)
        else:
            self._requeue(event, now + RETRY_DELAYS[min(event.attempts, len(RETRY_DELAYS)) - 1])

    def _requeue(self, event: QueuedEvent, due: datetime) -> None:
        event.due = due
        event.sequence = next(self._sequence)
        heapq.heappush(self._queue, event)

    def _give_up(self, event: QueuedEvent, condition: str, invocation: Invocation | None) -> None:
        destination = self.config(event.function).on_failure
        if destination:
            self._send_record(destination, event, condition, invocation)
        else:
            self.dropped.append(self._record(event, condition, invocation))

    def _send_record(self, queue_url: str, event: QueuedEvent, condition: str,
                     invocation: Invocation | None) -> None:
        self.cloud.client("sqs").send_message(QueueUrl=queue_url,
                                    MessageBody=json.dumps(self._record(event, condition, invocation)))

    def _record(self, event: QueuedEvent, condition: str, invocation: Invocation | None) -> dict[str, Any]:
        """The invocation record Lambda sends to a destination (same fields and names as AWS)."""
        function_arn = f"{self.cloud.function_arn(event.function)}:$LATEST"
        record: dict[str, Any] = {
            "version": "1.0",
            "timestamp": self.cloud.clock.now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "requestContext": {
                "requestId": event.request_id,
                "functionArn": function_arn,
                "condition": condition,
                "approximateInvokeCount": event.attempts,
            },
            "requestPayload": _request_payload(event.payload),
        }
        if invocation is not None:
            record["responseContext"] = {"statusCode": 200, "executedVersion": "$LATEST"}
            if invocation.error is not None:
                record["responseContext"]["functionError"] = "Unhandled"
                record["responsePayload"] = invocation.error
            else:
                record["responsePayload"] = invocation.payload
        return record


def _request_payload(payload: bytes) -> Any:
    """The event, decoded; one the runtime could not decode (Runtime.UnmarshalError) is kept as its text."""
    try:
        return json.loads(payload)
    except (FunctionFault, RecursionError):
        return bytes(payload).decode("utf-8", "replace")
