"""Where the local cloud's SQS queues live, and how its pollers see them.

By default the queues are moto's, in this process: the poller reads moto's queue state directly (not
through boto3), so it knows to the millisecond when the next message becomes visible and the
timeline can jump straight to that moment. With ``LAMBDA_LAB_ENDPOINT_URL`` set (see
``endpoint.py``) the queues live in another server, LocalStack or a moto server, and the poller does
what Lambda's own poller does: it calls ``ReceiveMessage``, ``DeleteMessageBatch`` and
``ChangeMessageVisibility`` through the SQS API.

Both kinds of queue answer the same questions (:class:`PolledQueue`), so the event source mapping in
``queues.py`` is the same code for both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

from botocore.exceptions import ClientError
from moto.sqs.models import sqs_backends

from . import events

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
        """Bring the queue to virtual time ``now``: failed messages whose visibility timeout ended come back."""

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

    def keep_invisible(self, messages: list[ReceivedMessage], until: datetime) -> None:
        """Failed messages: they come back when their visibility timeout ends, at ``until``."""


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
        messages = self._queue._messages
        return _as_datetime(min(map(_ready_millis, messages))) if messages else None

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

    def keep_invisible(self, messages: list[ReceivedMessage], until: datetime) -> None:
        """Nothing to do: moto hides them until the visibility timeout passes on the virtual clock."""

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
    virtual one. Two consequences, handled here:

    - A message a function failed stays invisible on the server for the visibility timeout in *real*
      seconds. The poller remembers it and, once the timeout has passed on the *virtual* clock, makes
      it visible with ``ChangeMessageVisibility(0)``: so ``cloud.advance(seconds=30)`` brings failed
      messages back, and the server's redrive policy moves them to the DLQ on the receive that
      exceeds ``maxReceiveCount``, as SQS does.
    - A message sent with ``DelaySeconds``, or received by another consumer, becomes visible on the
      server's clock; the poller finds it on the first poll after that, but cannot know in advance.
    """

    def __init__(self, sqs, name: str, url: str, arn: str, region: str) -> None:
        self.sqs, self.name, self.url, self.arn, self.region = sqs, name, url, arn, region
        self._held: dict[str, tuple[str, datetime]] = {}  # failed message id -> (receipt handle, visible again at)

    def visibility_timeout(self) -> int:
        return int(self._attributes("VisibilityTimeout")["VisibilityTimeout"])

    def first_ready(self, now: datetime) -> datetime | None:
        if self.visible_count():
            return now
        return self.next_ready_after(now)

    def next_ready_after(self, now: datetime) -> datetime | None:
        later = [until for _, until in self._held.values() if until > now]
        return min(later) if later else None

    def visible_count(self) -> int:
        return int(self._attributes("ApproximateNumberOfMessages")["ApproximateNumberOfMessages"])

    def receive(self, count: int, visibility: int) -> list[ReceivedMessage]:
        answer = self.sqs.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=count, VisibilityTimeout=visibility, WaitTimeSeconds=0,
            AttributeNames=["All"], MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"])
        received = []
        for message in answer.get("Messages", []):
            self._held.pop(message["MessageId"], None)  # received again: its old receipt handle is void
            received.append(ReceivedMessage(message["MessageId"], message["ReceiptHandle"], self._record(message)))
        return received

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

    def keep_invisible(self, messages: list[ReceivedMessage], until: datetime) -> None:
        for message in messages:
            self._held[message.id] = (message.receipt_handle, until)

    def catch_up(self, now: datetime) -> None:
        for message_id, (receipt_handle, until) in list(self._held.items()):
            if until > now:
                continue
            del self._held[message_id]
            try:
                self.sqs.change_message_visibility(QueueUrl=self.url, ReceiptHandle=receipt_handle,
                                                   VisibilityTimeout=0)
            except ClientError as error:
                # The server's own (real-time) clock ended the timeout first and the message was received
                # again, or deleted: its receipt handle is no longer valid, and nothing is left to release.
                if error.response["Error"]["Code"] not in ("ReceiptHandleIsInvalid", "MessageNotInflight",
                                                           "InvalidParameterValue"):
                    raise

    def _attributes(self, *names: str) -> dict[str, str]:
        return self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=list(names))["Attributes"]

    def _record(self, message: dict) -> dict[str, Any]:
        return events.sqs_record(
            message_id=message["MessageId"], receipt_handle=message["ReceiptHandle"], body=message["Body"],
            attributes=message.get("Attributes", {}), message_attributes=message.get("MessageAttributes"),
            queue_arn=self.arn, region=self.region, md5=message.get("MD5OfBody"))


class EndpointQueues:
    """Every queue of the account behind an endpoint, through the SQS API."""

    def __init__(self, sqs, account_id: str, region: str) -> None:
        self.sqs, self.account_id, self.region = sqs, account_id, region
        self._urls: dict[str, str] = {}

    def names(self) -> list[str]:
        urls = [url for page in self.sqs.get_paginator("list_queues").paginate() for url in page.get("QueueUrls", [])]
        self._urls = {url.rstrip("/").rsplit("/", 1)[-1]: url for url in urls}
        return list(self._urls)

    def url(self, name: str) -> str:
        if name not in self._urls:
            self._urls[name] = self.sqs.get_queue_url(QueueName=name)["QueueUrl"]
        return self._urls[name]

    def depths(self) -> dict[str, dict[str, int]]:
        depths = {}
        for name in sorted(self.names()):
            counts = self._attributes(name, *DEPTH_ATTRIBUTES)
            depths[name] = {"visible": int(counts.get("ApproximateNumberOfMessages", 0)),
                            "in_flight": int(counts.get("ApproximateNumberOfMessagesNotVisible", 0)),
                            "delayed": int(counts.get("ApproximateNumberOfMessagesDelayed", 0))}
        return depths

    def dead_letter_sources(self) -> dict[str, list[str]]:
        sources: dict[str, list[str]] = {}
        for name in self.names():
            policy = self._attributes(name, "RedrivePolicy").get("RedrivePolicy")
            if policy:
                target = json.loads(policy)["deadLetterTargetArn"].rsplit(":", 1)[-1]
                sources.setdefault(target, []).append(name)
        return sources

    def queue(self, name: str) -> EndpointQueue:
        arn = f"arn:aws:sqs:{self.region}:{self.account_id}:{name}"
        return EndpointQueue(self.sqs, name, self.url(name), arn, self.region)

    def _attributes(self, name: str, *attributes: str) -> dict[str, str]:
        return self.sqs.get_queue_attributes(QueueUrl=self.url(name), AttributeNames=list(attributes))["Attributes"]
