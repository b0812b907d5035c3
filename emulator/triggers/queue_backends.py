"""Where the local cloud's SQS queues live, and how its pollers see them.

By default the queues are moto's, in this process: the poller reads moto's queue state directly (not
through boto3), so it knows to the millisecond when the next message becomes visible and the
timeline can jump straight to that moment. With ``LAMBDA_LAB_ENDPOINT_URL`` set (see
``endpoint.py``) the queues live in another server, LocalStack or a moto server, and the poller does
what Lambda's own poller does: it calls ``ReceiveMessage`` and ``DeleteMessageBatch`` through the
SQS API, and ``visibility.py`` keeps the visibility timeouts on the virtual clock.

Both kinds of queue answer the same questions (:class:`PolledQueue`), so the event source mapping in
``queues.py`` is the same code for both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

from moto.sqs.models import sqs_backends

from .. import events
from .visibility import VisibilityLedger, queue_name

RECEIVE_CHUNK = 10  # ReceiveMessage returns at most 10 messages per call
DEPTH_ATTRIBUTES = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                    "ApproximateNumberOfMessagesDelayed")


@dataclass
class ReceivedMessage:
    """One message a poller received: what it needs to delete it, and its record in the Lambda event."""

    id: str
    receipt_handle: str
    record: dict[str, Any]


class PolledQueue(Protocol):
    """One queue, as the event source mapping polling it sees it."""

    def catch_up(self, now: datetime) -> None:
        """Bring the queue to virtual time ``now``: received messages whose visibility timeout ended come back."""

    def visibility_timeout(self) -> int:
        """The queue's VisibilityTimeout, in seconds."""

    def first_ready(self, now: datetime) -> datetime | None:
        """When a message can next be received (``<= now`` means now), or None if none is known to come."""

    def next_ready_after(self, now: datetime) -> datetime | None:
        """When a message can next be received, strictly after ``now``."""

    def visible_count(self) -> int:
        """How many messages can be received now."""

    def receive(self, count: int, visibility: int) -> list[ReceivedMessage]:
        """ReceiveMessage: up to ``count`` (at most 10) messages, hidden for ``visibility`` seconds."""

    def delete(self, messages: list[ReceivedMessage]) -> int:
        """Delete processed messages; returns the number of SQS requests that took."""


class QueueBackend(Protocol):
    """Every queue of one account: moto's in this process (:class:`MotoQueues`) or an endpoint's."""

    def names(self) -> list[str]: ...

    def url(self, name: str) -> str: ...

    def depths(self) -> dict[str, dict[str, int]]: ...

    def dead_letter_sources(self) -> dict[str, list[str]]: ...

    def queue(self, name: str) -> PolledQueue: ...


# -- moto, in this process ----------------------------------------------------------------------------

class MotoQueue:
    """A queue of the in-process moto, read directly. moto's clock is the virtual clock (``clock.py``),
    so visibility timeouts, delays and redrive to the DLQ all happen on virtual time by themselves."""

    def __init__(self, account_id: str, region: str, name: str) -> None:
        self.account_id, self.region, self.name = account_id, region, name

    @property
    def _backend(self):
        return sqs_backends[self.account_id][self.region]

    @property
    def _queue(self):
        return self._backend.get_queue(self.name)

    def catch_up(self, now: datetime) -> None:
        """Nothing to do: moto's clock *is* the virtual clock, so its visibility timeouts end by themselves."""

    def visibility_timeout(self) -> int:
        return int(self._queue.visibility_timeout)

    def first_ready(self, now: datetime) -> datetime | None:
        """When the first message is ready; a backlog answers at its first ready message, not after a full pass."""
        now_millis, earliest = now.timestamp() * 1000, None
        for message in list(self._queue._messages):
            ready = _ready_millis(message)
            if ready <= now_millis:
                return _as_datetime(ready)
            earliest = ready if earliest is None else min(earliest, ready)
        return None if earliest is None else _as_datetime(earliest)

    def next_ready_after(self, now: datetime) -> datetime | None:
        now_millis = now.timestamp() * 1000
        later = [millis for millis in map(_ready_millis, self._queue._messages) if millis > now_millis]
        return _as_datetime(min(later)) if later else None

    def visible_count(self) -> int:
        return len(self._queue.messages)

    def receive(self, count: int, visibility: int) -> list[ReceivedMessage]:
        chunk = self._backend.receive_message(self.name, count, 0, visibility, message_attribute_names=["All"])
        return [ReceivedMessage(message.id, message.receipt_handle, self._record(message)) for message in chunk]

    def delete(self, messages: list[ReceivedMessage]) -> int:
        for message in messages:
            self._backend.delete_message(self.name, message.receipt_handle)
        return -(-len(messages) // RECEIVE_CHUNK)  # what Lambda's DeleteMessageBatch calls would be

    def _record(self, message) -> dict[str, Any]:
        queue = self._queue
        attributes = {
            "ApproximateReceiveCount": str(message.approximate_receive_count),
            "SentTimestamp": str(message.sent_timestamp),
            "SenderId": message.sender_id,
            "ApproximateFirstReceiveTimestamp": str(message.approximate_first_receive_timestamp),
        }
        if queue.fifo_queue:
            attributes.update(SequenceNumber=str(message.sequence_number), MessageGroupId=message.group_id,
                              MessageDeduplicationId=message.deduplication_id)
        trace_header = (message.system_attributes or {}).get("AWSTraceHeader")
        if trace_header:  # the X-Ray header the sender's request carried (SQS keeps it with the message)
            attributes["AWSTraceHeader"] = trace_header["StringValue"]
        return events.sqs_record(
            message_id=message.id, receipt_handle=message.receipt_handle, body=message.body,
            attributes=attributes, message_attributes=message.message_attributes,
            queue_arn=queue.queue_arn, region=self.region, md5=message.body_md5)


class MotoQueues:
    """Every queue of the in-process moto account."""

    def __init__(self, account_id: str, region: str) -> None:
        self.account_id, self.region = account_id, region

    def _queues(self) -> dict:
        return sqs_backends[self.account_id][self.region].queues

    def names(self) -> list[str]:
        return list(self._queues())

    def url(self, name: str) -> str:
        return f"https://sqs.{self.region}.amazonaws.com/{self.account_id}/{name}"

    def depths(self) -> dict[str, dict[str, int]]:
        depths = {}
        for name, queue in sorted(self._queues().items()):
            delayed = sum(1 for m in queue._messages if m.delayed)
            visible = len(queue.messages)
            depths[name] = {"visible": visible, "in_flight": len(queue._messages) - visible - delayed,
                            "delayed": delayed}
        return depths

    def dead_letter_sources(self) -> dict[str, list[str]]:
        sources: dict[str, list[str]] = {}
        for name, queue in self._queues().items():
            if queue.dead_letter_queue is not None:  # moto links a queue to its DLQ from the RedrivePolicy
                sources.setdefault(queue.dead_letter_queue.name, []).append(name)
        return sources

    def queue(self, name: str) -> MotoQueue:
        return MotoQueue(self.account_id, self.region, name)


def _ready_millis(message) -> float:
    """When moto will hand out ``message`` (ms): visible strictly after visible_at, not before delayed_until."""
    return max(message.visible_at + 1, message.delayed_until)


def _as_datetime(millis: float) -> datetime:
    return datetime.fromtimestamp(millis / 1000, tz=timezone.utc)


# -- another server, through the SQS API --------------------------------------------------------------

class EndpointQueue:
    """A queue in another server (LocalStack, a moto server), polled through the SQS API.

    The server keeps its own clock, the wall clock, while the local cloud's triggers run on the
    virtual one. A message a function failed stays invisible on the server for the visibility timeout
    in *real* seconds; the :class:`~emulator.triggers.visibility.VisibilityLedger` makes it visible again when
    the timeout has passed on the *virtual* clock, so ``cloud.advance(seconds=30)`` brings failed
    messages back, and the server's redrive policy moves them to the DLQ on the receive that exceeds
    ``maxReceiveCount``, as SQS does. A message sent with ``DelaySeconds`` becomes visible on the
    server's clock: the poller finds it on its first poll after that, but cannot know in advance.
    """

    def __init__(self, sqs, ledger: VisibilityLedger, name: str, url: str, arn: str, region: str) -> None:
        self.sqs, self.ledger, self.name, self.url, self.arn, self.region = sqs, ledger, name, url, arn, region
        self._visibility: int | None = None  # read with the message count, at each poll

    def catch_up(self, now: datetime) -> None:
        self.ledger.release(now, self.name)

    def visibility_timeout(self) -> int:
        if self._visibility is None:
            self.visible_count()
        return self._visibility

    def first_ready(self, now: datetime) -> datetime | None:
        if self.visible_count():
            return now
        return self.next_ready_after(now)

    def next_ready_after(self, now: datetime) -> datetime | None:
        later = [until for until in self.ledger.hidden_until(self.name) if until > now]
        return min(later) if later else None

    def visible_count(self) -> int:
        attributes = queue_attributes(self.sqs, self.url, "ApproximateNumberOfMessages", "VisibilityTimeout")
        self._visibility = int(attributes["VisibilityTimeout"])
        return int(attributes["ApproximateNumberOfMessages"])

    def receive(self, count: int, visibility: int) -> list[ReceivedMessage]:
        answer = self.sqs.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=count, VisibilityTimeout=visibility, WaitTimeSeconds=0,
            AttributeNames=["All"], MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"])
        return [ReceivedMessage(message["MessageId"], message["ReceiptHandle"], self._record(message))
                for message in answer.get("Messages", [])]

    def delete(self, messages: list[ReceivedMessage]) -> int:
        requests = 0
        for start in range(0, len(messages), RECEIVE_CHUNK):
            chunk = messages[start:start + RECEIVE_CHUNK]
            answer = self.sqs.delete_message_batch(QueueUrl=self.url, Entries=[
                {"Id": str(index), "ReceiptHandle": message.receipt_handle} for index, message in enumerate(chunk)])
            requests += 1
            if answer.get("Failed"):
                raise RuntimeError(f"the server at {self.sqs.meta.endpoint_url} refused to delete processed "
                                   f"messages of queue {self.name!r}: {answer['Failed']}")
        return requests

    def _record(self, message: dict) -> dict[str, Any]:
        return events.sqs_record(
            message_id=message["MessageId"], receipt_handle=message["ReceiptHandle"], body=message["Body"],
            attributes=message.get("Attributes", {}), message_attributes=message.get("MessageAttributes"),
            queue_arn=self.arn, region=self.region, md5=message.get("MD5OfBody"))


class EndpointQueues:
    """Every queue of the account behind an endpoint, through the SQS API."""

    def __init__(self, sqs, ledger: VisibilityLedger, account_id: str, region: str) -> None:
        self.sqs, self.ledger, self.account_id, self.region = sqs, ledger, account_id, region
        self._urls: dict[str, str] = {}

    def names(self) -> list[str]:
        urls = [url for page in self.sqs.get_paginator("list_queues").paginate() for url in page.get("QueueUrls", [])]
        self._urls = {queue_name(url): url for url in urls}
        return list(self._urls)

    def url(self, name: str) -> str:
        if name not in self._urls:
            self._urls[name] = self.sqs.get_queue_url(QueueName=name)["QueueUrl"]
        return self._urls[name]

    def depths(self) -> dict[str, dict[str, int]]:
        depths = {}
        for name in sorted(self.names()):
            counts = queue_attributes(self.sqs, self.url(name), *DEPTH_ATTRIBUTES)
            depths[name] = {"visible": int(counts.get("ApproximateNumberOfMessages", 0)),
                            "in_flight": int(counts.get("ApproximateNumberOfMessagesNotVisible", 0)),
                            "delayed": int(counts.get("ApproximateNumberOfMessagesDelayed", 0))}
        return depths

    def dead_letter_sources(self) -> dict[str, list[str]]:
        sources: dict[str, list[str]] = {}
        for name in self.names():
            policy = queue_attributes(self.sqs, self.url(name), "RedrivePolicy").get("RedrivePolicy")
            if policy:
                dead_letter_arn = json.loads(policy)["deadLetterTargetArn"]  # arn:aws:sqs:REGION:ACCOUNT:NAME
                sources.setdefault(dead_letter_arn.rsplit(":", 1)[-1], []).append(name)
        return sources

    def queue(self, name: str) -> EndpointQueue:
        arn = f"arn:aws:sqs:{self.region}:{self.account_id}:{name}"
        return EndpointQueue(self.sqs, self.ledger, name, self.url(name), arn, self.region)


def queue_attributes(sqs, url: str, *names: str) -> dict[str, str]:
    """GetQueueAttributes; a server may leave ``Attributes`` out when the queue has none of ``names``."""
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(names)).get("Attributes", {})
