"""SQS queues and the event source mappings that feed them to functions.

A queue decouples a producer from a consumer: messages wait in the queue until a consumer receives
them. When a queue triggers a Lambda function, Lambda runs a *poller* for it (the event source
mapping): it receives messages in batches, invokes the function once per batch, and then

- deletes the whole batch when the function succeeds;
- leaves the batch alone when the function fails: the messages stay invisible until the queue's
  visibility timeout passes, then come back and are received again. Each receive increments their
  ``ApproximateReceiveCount``; once it reaches the queue's ``maxReceiveCount`` the queue's redrive
  policy moves the message to the dead-letter queue (moto does that part, as SQS does);
- with ``ReportBatchItemFailures``, deletes every message except those the function lists in
  ``{"batchItemFailures": [{"itemIdentifier": "<messageId>"}]}``.

So a message is never lost: it is deleted after success, still in its queue, or in the DLQ.
The queues themselves are moto's (or another server's): ``queue_backends.py`` is how the poller sees
them.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from .. import arguments
from ..runtime import InvalidParameterValueException, Invocation
from .queue_backends import RECEIVE_CHUNK, PolledQueue, QueueBackend, ReceivedMessage
from .service import LambdaService

# SQS quotas (SQS developer guide): names of 1-80 characters [A-Za-z0-9_-], ".fifo" for FIFO queues.
QUEUE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,75}(\.fifo)?$|^[A-Za-z0-9_-]{1,80}$")
MAX_VISIBILITY_TIMEOUT = 43_200  # 12 hours
MAX_DELAY = 900  # 15 minutes
MAX_RECEIVE_COUNT = 1000
RETENTION_RANGE = (60, 1_209_600)  # 1 minute to 14 days
# Event source mapping limits (Lambda developer guide, "Using Lambda with Amazon SQS").
MAX_BATCH_STANDARD, MAX_BATCH_FIFO = 10_000, 10
MAX_BATCHING_WINDOW = 300
INITIAL_POLLERS, POLLERS_PER_MINUTE = 5, 300  # SQS event source mapping scaling (see EventSourceMapping.pollers)


def _check(condition: Any, message: str) -> None:
    if not condition:
        raise InvalidParameterValueException(message)


def queue_attributes(name: str, dead_letter_arn: str | None, max_receive_count: int | None,
                     visibility_timeout: int, delay_seconds: int, fifo: bool,
                     message_retention_period: int | None) -> dict[str, str]:
    """CreateQueue's attributes, validated with SQS's limits (moto accepts some values SQS rejects)."""
    arguments.text(name, "the queue name")
    arguments.flag(fifo, "fifo")
    _check(QUEUE_NAME.match(name) and (name.endswith(".fifo") == fifo or not fifo),
           f"queue name {name!r} is invalid: 1 to 80 letters, digits, - or _; a FIFO queue's name ends in .fifo")
    _check(not name.endswith(".fifo") or fifo, f"queue name {name!r} ends in .fifo: pass fifo=True")
    arguments.whole_number(visibility_timeout, "visibility_timeout", 0, MAX_VISIBILITY_TIMEOUT, "seconds", "SQS")
    arguments.whole_number(delay_seconds, "delay_seconds", 0, MAX_DELAY, "seconds", "SQS")
    attributes = {"VisibilityTimeout": str(visibility_timeout), "DelaySeconds": str(delay_seconds)}
    if fifo:
        attributes.update(FifoQueue="true", ContentBasedDeduplication="true")
    if message_retention_period is not None:
        arguments.whole_number(message_retention_period, "message_retention_period", *RETENTION_RANGE, "seconds", "SQS")
        attributes["MessageRetentionPeriod"] = str(message_retention_period)
    if dead_letter_arn is not None:
        _check(max_receive_count is not None,
               "a dead-letter queue needs max_receive_count: how many receives before a message moves there (e.g. 3)")
        arguments.whole_number(max_receive_count, "max_receive_count", 1, MAX_RECEIVE_COUNT, "receives", "SQS")
        attributes["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": dead_letter_arn,
                                                  "maxReceiveCount": max_receive_count})
    else:
        _check(max_receive_count is None, "max_receive_count only makes sense with dead_letter_queue=...")
    return attributes


@dataclass
class MappingStats:
    batches: int = 0
    messages_deleted: int = 0
    failed_batches: int = 0
    throttled_polls: int = 0
    sqs_requests: int = 0  # the poller's ReceiveMessage and DeleteMessageBatch calls, which SQS bills


class PollingService(LambdaService, Protocol):
    """The Lambda service, and the queues its pollers read (moto's, or an endpoint's)."""

    queue_backend: QueueBackend


@dataclass
class EventSourceMapping:
    """A poller that feeds one queue to one function: a trigger on the timeline."""

    cloud: PollingService
    queue_name: str
    function: str
    batch_size: int = 10
    maximum_batching_window: int = 0
    report_batch_item_failures: bool = False
    enabled: bool = True
    uuid: str = field(default_factory=lambda: str(uuid.uuid4()))
    stats: MappingStats = field(default_factory=MappingStats)
    pending_work = True

    def __post_init__(self) -> None:
        self._window_opened: datetime | None = None
        self._stalled_at: datetime | None = None
        self._batch_ends: list[datetime] = []  # when the batches this poller started finish (virtual)
        self._busy_since: datetime | None = None  # since when messages have kept the poller busy
        self._queue: PolledQueue | None = None

    def pollers(self, now: datetime) -> int:
        """How many batches may run at once: Lambda starts with 5 and adds up to 300 a minute while a
        backlog lasts (Lambda developer guide, "Scaling behavior" for SQS), up to the account limit."""
        if self._busy_since is None:
            self._busy_since = now
        minutes = int((now - self._busy_since).total_seconds() // 60)
        return INITIAL_POLLERS + POLLERS_PER_MINUTE * minutes

    def __str__(self) -> str:
        return f"queue {self.queue_name!r} -> {self.function!r}"

    @property
    def queue(self) -> PolledQueue:
        if self._queue is None:
            self._queue = self.cloud.queue_backend.queue(self.queue_name)
        return self._queue

    # -- when --------------------------------------------------------------------------------------

    def next_due(self, now: datetime) -> datetime | None:
        if not self.enabled:
            return None
        ready = self.queue.first_ready(now)
        self._batch_ends = [end for end in self._batch_ends if end > now]
        if ready is None:
            self._window_opened = None
            self._busy_since = None if not self._batch_ends else self._busy_since
            return None
        function = self.cloud.functions.get(self.function)
        if function is None:
            return None
        reserved = function.config.reserved_concurrency
        if not self.cloud.concurrency.has_room(self.function, reserved, now):
            return self.cloud.concurrency.next_free(self.function, reserved, now)
        if len(self._batch_ends) >= self.pollers(now):
            return max(min(self._batch_ends), ready)  # every poller is busy: the first to finish polls again
        if ready <= now and self._stalled_at == now:
            return self.queue.next_ready_after(now)
        if self.maximum_batching_window and ready <= now:
            # Lambda waits up to the batching window to fill a batch (unless it is full already).
            if self._window_opened is None:
                self._window_opened = now
            if self.queue.visible_count() < self.batch_size:
                return self._window_opened + timedelta(seconds=self.maximum_batching_window)
        return ready

    # -- what ------------------------------------------------------------------------------------

    def fire(self, now: datetime) -> None:
        function = self.cloud.functions[self.function]
        if not self.cloud.concurrency.has_room(self.function, function.config.reserved_concurrency, now):
            self.stats.throttled_polls += 1
            return
        self._window_opened = None
        self.queue.catch_up(now)  # whichever trigger the timeline fires first at ``now``, due messages are back
        visibility = self.queue.visibility_timeout()
        messages = self._receive_batch(visibility)
        if not messages:
            self._stalled_at = now  # e.g. a FIFO group is locked: wait until something changes
            return
        self._stalled_at = None
        records = [message.record for message in messages]
        invocation = self.cloud.run(function, json.dumps({"Records": records}).encode(),
                                    trigger=f"sqs:{self.queue_name}", trace_header=_batch_trace_header(records))
        self.stats.batches += 1
        self._batch_ends.append(invocation.time + timedelta(
            milliseconds=invocation.duration_ms + (invocation.init_duration_ms or 0)))
        failed_ids = self._failed_message_ids(invocation, messages)
        if len(failed_ids) == len(messages):
            self.stats.failed_batches += 1
        deleted = [message for message in messages if message.id not in failed_ids]
        self.stats.sqs_requests += self.queue.delete(deleted)  # Lambda deletes with DeleteMessageBatch
        self.stats.messages_deleted += len(deleted)

    def _receive_batch(self, visibility: int) -> list[ReceivedMessage]:
        messages: list[ReceivedMessage] = []
        while len(messages) < self.batch_size:
            chunk = self.queue.receive(min(RECEIVE_CHUNK, self.batch_size - len(messages)), visibility)
            self.stats.sqs_requests += 1
            if not chunk:
                break
            messages.extend(chunk)
        return messages

    def _failed_message_ids(self, invocation: Invocation, messages: list[ReceivedMessage]) -> set[str]:
        """Which messages go back to the queue, by the rules Lambda applies to the function's response."""
        every_id = {message.id for message in messages}
        if not invocation.ok:
            return every_id
        if not self.report_batch_item_failures:
            return set()
        return _reported_failures(invocation.payload, every_id)


def _batch_trace_header(records: list[dict]) -> str | None:
    """The trace a batch continues: its first message's AWSTraceHeader (AWS links the others instead)."""
    return next((record["attributes"]["AWSTraceHeader"] for record in records
                 if "AWSTraceHeader" in record["attributes"]), None)


def _reported_failures(response: Any, every_id: set[str]) -> set[str]:
    """Parse a partial batch response; anything malformed fails the whole batch, as Lambda does."""
    if response is None or response == {}:
        return set()
    if not isinstance(response, dict):
        return every_id
    failures = response.get("batchItemFailures")
    if not failures:
        return set()
    reported = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in every_id:
            return every_id
        reported.add(identifier)
    return reported
