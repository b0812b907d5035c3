"""moto's SQS queues at depth: the cost of one message kept the same whatever the queue holds.

A class demonstrating a producer that outruns its consumer piles up thousands of messages. moto
keeps a queue's messages in one list and, per message, walks it:

- every ``SendMessage`` reads ``queue.attributes``, which counts the visible, in-flight and delayed
  messages to build attributes the send never looks at (it only wants ContentBasedDeduplication);
- every ``ReceiveMessage`` first lists *all* visible messages, then takes the first few;
- every ``DeleteMessage`` walks the list twice to find the receipt handle, then copies the list.

So N messages cost O(N²). These patches keep moto's data and behaviour (its list, its visibility,
its redrive to the dead-letter queue, FIFO groups, delays and retention) and remove the walks:

1. ``Queue.attributes`` becomes a mapping whose values are computed when read, so ``.get(name)``
   costs one attribute, not all of them (GetQueueAttributes still reads every one it returns);
2. ``Queue.messages`` becomes a view that yields the visible messages one by one, so a receive stops
   as soon as it has its batch (``len()`` and truth still count them, as before);
3. a receipt handle is indexed when a message is received, so ``DeleteMessage`` and
   ``ChangeMessageVisibility`` find their message at once; an unknown handle still gets moto's
   ReceiptHandleIsInvalid through moto's own code.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping
from typing import Any

from moto.sqs import models as sqs_models

_originals: dict[str, Any] = {}
_by_receipt: "weakref.WeakValueDictionary[str, Any]" = weakref.WeakValueDictionary()  # handle -> message


class LazyAttributes(Mapping):
    """A queue's attributes, each computed when it is read (moto's ``Queue.attributes``, key for key)."""

    def __init__(self, queue: Any) -> None:
        self._queue = queue

    def _names(self) -> list[str]:
        queue = self._queue
        names = list(queue.BASE_ATTRIBUTES)
        if queue.fifo_queue:
            names += queue.FIFO_ATTRIBUTES
        if queue.kms_master_key_id:
            names += queue.KMS_ATTRIBUTES
        names += [name for name in ("Policy", "RedrivePolicy") if self._overrides(name) and name not in names]
        return names

    def _overrides(self, name: str) -> bool:
        """moto sets Policy and RedrivePolicy last, when the queue has one."""
        return bool(self._queue.policy if name == "Policy" else self._queue.redrive_policy)

    def __getitem__(self, name: str) -> Any:
        if name not in self._names():
            raise KeyError(name)
        if name in ("Policy", "RedrivePolicy") and self._overrides(name):
            return self._queue.policy if name == "Policy" else sqs_models.json.dumps(self._queue.redrive_policy)
        value = getattr(self._queue, sqs_models.camelcase_to_underscores(name))
        return str(value).lower() if isinstance(value, bool) else value  # moto writes booleans as "true"

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())


class VisibleMessages:
    """The messages a receive may hand out (visible, not delayed), found one by one, in queue order."""

    def __init__(self, queue: Any) -> None:
        self._queue = queue

    def __iter__(self) -> Iterator[Any]:
        for message in list(self._queue._messages):  # a snapshot: the queue may change while we hand out
            if message.visible and not message.delayed:
                yield message

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __bool__(self) -> bool:
        return next(iter(self), None) is not None


def install() -> None:
    if _originals:
        return
    queue, backend, message = sqs_models.Queue, sqs_models.SQSBackend, sqs_models.Message
    _originals.update(attributes=queue.__dict__["attributes"], messages=queue.__dict__["messages"],
                      delete=queue.delete_message, received=message.mark_received,
                      visibility=backend.change_message_visibility)
    queue.attributes = property(LazyAttributes)
    queue.messages = property(VisibleMessages)
    message.mark_received = _indexing_mark_received
    queue.delete_message = _indexed_delete
    backend.change_message_visibility = _indexed_change_visibility


def uninstall() -> None:
    if not _originals:
        return
    queue, backend, message = sqs_models.Queue, sqs_models.SQSBackend, sqs_models.Message
    queue.attributes = _originals["attributes"]
    queue.messages = _originals["messages"]
    queue.delete_message = _originals["delete"]
    message.mark_received = _originals["received"]
    backend.change_message_visibility = _originals["visibility"]
    _originals.clear()
    _by_receipt.clear()


def _indexing_mark_received(message: Any, visibility_timeout: int | None = None) -> None:
    _originals["received"](message, visibility_timeout)
    _by_receipt[message.receipt_handle] = message


def _owned(queue: Any, receipt_handle: str) -> Any | None:
    """The message of ``queue`` that was handed out with ``receipt_handle``, if it is still there."""
    message = _by_receipt.get(receipt_handle)
    if message is None or message not in queue._messages:  # identity first: a C-speed scan
        return None
    return message


def _indexed_delete(queue: Any, receipt_handle: str) -> None:
    """moto's Queue.delete_message, finding the message through the index (same effects, same errors)."""
    if receipt_handle in queue.deleted_messages:
        return  # SQS: deleting a message twice is not an error
    message = _owned(queue, receipt_handle)
    if message is None:
        _originals["delete"](queue, receipt_handle)  # an old handle of a kept message, or invalid: moto decides
        return
    queue.pending_messages.discard(message)
    queue.deleted_messages.update(message.all_receipt_handles)
    queue._messages.remove(message)


def _indexed_change_visibility(backend: Any, queue_name: str, receipt_handle: str, visibility_timeout: int) -> None:
    """moto's ChangeMessageVisibility for a message found through the index; anything else goes to moto's."""
    queue = backend.get_queue(queue_name)
    message = _owned(queue, receipt_handle)
    if message is None or receipt_handle != message.receipt_handle:
        return _originals["visibility"](backend, queue_name, receipt_handle, visibility_timeout)
    # SQS: a message's total visibility timeout may not pass 12 hours after it was sent.
    if sqs_models.unix_time_millis() + int(visibility_timeout) * 1000 - message.sent_timestamp > 43200 * 1000:
        raise sqs_models.InvalidParameterValue(
            f"Value {visibility_timeout} for parameter VisibilityTimeout is invalid. Reason: Total "
            "VisibilityTimeout for the message is beyond the limit [43200 seconds]")
    message.change_visibility(visibility_timeout)
    if int(visibility_timeout) == 0:  # SQS: visible again at once (moto waits for the clock to move on)
        message.visible_at = sqs_models.unix_time_millis() - 1
    if message.visible:
        queue.pending_messages.discard(message)  # visible again: no longer in flight
    return None
