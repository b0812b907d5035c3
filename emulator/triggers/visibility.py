"""Visibility timeouts on the virtual clock, for queues that live in another server.

When a consumer receives an SQS message, SQS hides it for the queue's *visibility timeout*. If the
consumer deletes it in time, it is gone; if not, it becomes visible again, the next receive gets it,
and that receive counts toward the queue's ``maxReceiveCount`` (after which the redrive policy moves
the message to the dead-letter queue). That is how a failed message is retried.

With the in-process moto, moto's clock is the virtual clock, so none of this needs help. A server
such as LocalStack (``LAMBDA_LAB_ENDPOINT_URL``) counts the timeout in *real* seconds instead, and
``cloud.advance(seconds=30)`` would not bring a message back. So, in endpoint mode, a
:class:`VisibilityLedger` watches every SQS call made in this process (the Lambda pollers', your
notebook's and your handlers') through botocore's event hooks:

- ``ReceiveMessage``: each message received is hidden until *virtual now* + its visibility timeout;
- ``ChangeMessageVisibility`` (and ``...Batch``): its new timeout counts from virtual now;
- ``DeleteMessage`` (and ``...Batch``): the message is forgotten.

The ledger is a trigger on the timeline: when the virtual clock reaches a message's time, it makes
the message visible on the server with ``ChangeMessageVisibility(VisibilityTimeout=0)``.

Where we cannot be faithful: a receive made by another process (another notebook on the same
server, the AWS CLI) is not seen, and its messages come back on the server's real-time clock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from botocore.exceptions import ClientError
from botocore.handlers import BUILTIN_HANDLERS

# What a server answers when a receipt handle no longer holds the message: its own clock ended the
# timeout first and the message was received again, or it was deleted. Nothing is left to release.
STALE_RECEIPT_ERRORS = ("ReceiptHandleIsInvalid", "MessageNotInflight", "InvalidParameterValue")
PARAMS_KEY = "lambda_lab_params"  # where remember_params keeps a call's parameters

_active: list["VisibilityLedger"] = []


@dataclass
class HiddenMessage:
    queue_url: str
    receipt_handle: str
    until: datetime  # virtual time at which it becomes visible again


def queue_name(queue_url: str) -> str:
    """A queue's name from any form of its URL (servers write the host in several ways)."""
    return queue_url.rstrip("/").rsplit("/", 1)[-1]


class VisibilityLedger:
    """The messages this process received from an endpoint's queues and has not deleted yet."""

    pending_work = False  # it only gives messages back: the pollers' own next_due waits for them

    def __init__(self, sqs, now: Callable[[], datetime]) -> None:
        self.sqs = sqs
        self.now = now
        self._hidden: dict[str, dict[str, HiddenMessage]] = {}  # queue name -> message id -> message
        self._lock = threading.RLock()

    def __str__(self) -> str:
        return f"visibility timeouts of {sum(map(len, self._hidden.values()))} received messages"

    def activate(self) -> None:
        _active.append(self)

    def deactivate(self) -> None:
        if self in _active:
            _active.remove(self)

    # -- what the hooks report ---------------------------------------------------------------------

    def received(self, queue_url: str, messages: list[dict], visibility: int | None) -> None:
        if not messages:
            return
        if visibility is None:  # the receive did not set one: the queue's own timeout applies (SQS)
            visibility = int(self.sqs.get_queue_attributes(
                QueueUrl=queue_url, AttributeNames=["VisibilityTimeout"])["Attributes"]["VisibilityTimeout"])
        until = self.now() + timedelta(seconds=visibility)
        with self._lock:
            hidden = self._hidden.setdefault(queue_name(queue_url), {})
            for message in messages:  # a message received again replaces its old, now void, receipt
                hidden[message["MessageId"]] = HiddenMessage(queue_url, message["ReceiptHandle"], until)

    def visibility_changed(self, queue_url: str, receipt_handle: str, seconds: int) -> None:
        with self._lock:
            for message_id, message in self._messages_with(queue_url, {receipt_handle}):
                if seconds == 0:  # visible at once, on the server too
                    del self._hidden[queue_name(queue_url)][message_id]
                else:
                    message.until = self.now() + timedelta(seconds=seconds)

    def deleted(self, queue_url: str, receipt_handles: set[str]) -> None:
        with self._lock:
            for message_id, _ in self._messages_with(queue_url, receipt_handles):
                del self._hidden[queue_name(queue_url)][message_id]

    def _messages_with(self, queue_url: str, receipt_handles: set[str]) -> list[tuple[str, HiddenMessage]]:
        hidden = self._hidden.get(queue_name(queue_url), {})
        return [(message_id, message) for message_id, message in hidden.items()
                if message.receipt_handle in receipt_handles]

    # -- time ----------------------------------------------------------------------------------------

    def hidden_until(self, queue: str) -> list[datetime]:
        """When each hidden message of queue ``queue`` (a name) becomes visible again."""
        with self._lock:
            return [message.until for message in self._hidden.get(queue, {}).values()]

    def next_due(self, now: datetime) -> datetime | None:
        with self._lock:
            times = [message.until for hidden in self._hidden.values() for message in hidden.values()]
        return min(times) if times else None

    def fire(self, now: datetime) -> None:
        self.release(now)

    def release(self, now: datetime, queue: str | None = None) -> None:
        """Make visible every hidden message (of ``queue``, if given) whose timeout has ended at ``now``."""
        with self._lock:
            due = [(name, message_id, message) for name, hidden in self._hidden.items()
                   if queue is None or name == queue
                   for message_id, message in hidden.items() if message.until <= now]
            for name, message_id, _ in due:
                del self._hidden[name][message_id]
        for _, _, message in due:
            try:
                self.sqs.change_message_visibility(QueueUrl=message.queue_url, ReceiptHandle=message.receipt_handle,
                                                   VisibilityTimeout=0)
            except ClientError as error:
                if error.response["Error"]["Code"] not in STALE_RECEIPT_ERRORS:
                    raise


# -- botocore hooks: registered for every client, acting only while a ledger is active ---------------

def remember_params(params: dict, context: dict, **kwargs: Any) -> None:
    """``before-parameter-build``: keep the call's parameters where its ``after-call`` hooks find them."""
    context[PARAMS_KEY] = params


def _after_receive(parsed: dict, context: dict, **kwargs: Any) -> None:
    params = context.get(PARAMS_KEY)
    if _active and params is not None and isinstance(parsed, dict):
        _active[-1].received(params["QueueUrl"], parsed.get("Messages", []), params.get("VisibilityTimeout"))


def _after_change_visibility(parsed: dict, context: dict, **kwargs: Any) -> None:
    params = context.get(PARAMS_KEY)
    if _active and params is not None and "Error" not in parsed:
        _active[-1].visibility_changed(params["QueueUrl"], params["ReceiptHandle"], int(params["VisibilityTimeout"]))


def _after_change_visibility_batch(parsed: dict, context: dict, **kwargs: Any) -> None:
    params = context.get(PARAMS_KEY)
    if _active and params is not None:
        for entry in _successful_entries(params, parsed):
            _active[-1].visibility_changed(params["QueueUrl"], entry["ReceiptHandle"], int(entry["VisibilityTimeout"]))


def _after_delete(parsed: dict, context: dict, **kwargs: Any) -> None:
    params = context.get(PARAMS_KEY)
    if _active and params is not None and "Error" not in parsed:
        _active[-1].deleted(params["QueueUrl"], {params["ReceiptHandle"]})


def _after_delete_batch(parsed: dict, context: dict, **kwargs: Any) -> None:
    params = context.get(PARAMS_KEY)
    if _active and params is not None:
        _active[-1].deleted(params["QueueUrl"], {entry["ReceiptHandle"] for entry in _successful_entries(params, parsed)})


def _successful_entries(params: dict, parsed: dict) -> list[dict]:
    """The request entries of a batch call that the server reports as done."""
    done = {entry.get("Id") for entry in parsed.get("Successful", [])}
    return [entry for entry in params.get("Entries", []) if entry.get("Id") in done]


BUILTIN_HANDLERS.extend([
    ("before-parameter-build.sqs", remember_params),
    ("after-call.sqs.ReceiveMessage", _after_receive),
    ("after-call.sqs.ChangeMessageVisibility", _after_change_visibility),
    ("after-call.sqs.ChangeMessageVisibilityBatch", _after_change_visibility_batch),
    ("after-call.sqs.DeleteMessage", _after_delete),
    ("after-call.sqs.DeleteMessageBatch", _after_delete_batch),
])
