"""Small patches to moto, active only while a LocalCloud runs.

The first two keep moto's behaviour and remove costs that grow with queue depth; the third keeps
long polling from hanging on a clock that stands still; the fourth saves work moto would throw away:

1. moto's SQS reads the time through ``unix_time()`` / ``unix_time_millis()``, which go through
   ``datetime.now()``. Under the virtual clock that call is comparatively slow, and moto makes it
   twice per message every time it lists a queue's visible messages. The patch answers from the
   virtual clock directly (the same value, without the detour).
2. ``is_message_valid_based_on_retention_period`` recomputes *all* of a queue's attributes (a pass
   over every message) for each message it receives, making a receive cost O(depth²). The patch
   reads the retention period from the queue itself: the same test, in O(1).
3. A long poll (``ReceiveMessage`` with ``WaitTimeSeconds`` > 0) waits, in moto, until a message
   arrives or the wait has passed *on the clock*. The virtual clock does not move while you wait, so
   the call would never return. The patch answers at once with what the queue holds, as a long poll
   does when messages are already there (an empty queue answers empty instead of after the wait).
4. botocore asks *every* ``before-send`` handler for an answer and keeps the first one, so moto's
   stubber also computes (and discards) its own answer to the Lambda calls the emulator serves
   (``emulator/lambda_api.py``), and would store a message the emulator refused (``sqs_checks.py``). The
   patch makes moto's stubber stand aside for those calls.
"""

from __future__ import annotations

from moto.core import utils as moto_utils
from moto.core.botocore_stubber import BotocoreStubber
from moto.sqs import models as sqs_models

from .interception import answered_here
from ..triggers.clock import VirtualClock

_originals: dict[str, object] = {}


def install(clock: VirtualClock) -> None:
    if _originals:
        return
    _originals.update(unix_time=sqs_models.unix_time, unix_time_millis=sqs_models.unix_time_millis,
                      retention=sqs_models.SQSBackend.is_message_valid_based_on_retention_period,
                      receive=sqs_models.SQSBackend.receive_message, stubber=BotocoreStubber.__call__)
    stubber = BotocoreStubber.__call__
    receive = sqs_models.SQSBackend.receive_message

    def unix_time(dt=None) -> float:
        return clock.timestamp() if dt is None else moto_utils.unix_time(dt)

    def unix_time_millis(dt=None) -> float:
        return clock.timestamp() * 1000.0 if dt is None else moto_utils.unix_time(dt) * 1000.0

    def is_message_valid_based_on_retention_period(backend, queue_name: str, message) -> bool:
        queue = backend.get_queue(queue_name)
        return int(queue.message_retention_period) + message.sent_timestamp / 1000 > clock.timestamp()

    def receive_message(backend, queue_name: str, count: int, wait_seconds_timeout: int, *args, **kwargs):
        return receive(backend, queue_name, count, 0, *args, **kwargs)

    sqs_models.unix_time = unix_time
    sqs_models.unix_time_millis = unix_time_millis
    sqs_models.SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period
    sqs_models.SQSBackend.receive_message = receive_message

    def stand_aside_for_the_emulator(self, event_name: str, request, **kwargs):
        return None if answered_here(event_name, request) else stubber(self, event_name, request, **kwargs)

    BotocoreStubber.__call__ = stand_aside_for_the_emulator


def uninstall() -> None:
    if not _originals:
        return
    sqs_models.unix_time = _originals["unix_time"]
    sqs_models.unix_time_millis = _originals["unix_time_millis"]
    sqs_models.SQSBackend.is_message_valid_based_on_retention_period = _originals["retention"]
    sqs_models.SQSBackend.receive_message = _originals["receive"]
    BotocoreStubber.__call__ = _originals["stubber"]
    _originals.clear()
