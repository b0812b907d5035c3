"""Small patches to moto, active only while a LocalCloud runs.

The first two keep moto's behaviour and remove costs that grow with queue depth (``sqs_depth.py``,
installed with them, removes the others); the third keeps
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
5. ``CreateQueue`` for an existing queue with another value of an attribute fails in moto with "The
   specified queue already exists.", naming neither. The patch keeps the error (QueueAlreadyExists) and
   gives it SQS's own wording, which names the attribute, plus the queue and both values.
6. Cognito's ``GetUser`` refuses an expired access token (``NotAuthorizedException: Access Token has
   expired``); moto's accepts it for ever. The patch checks the token's ``exp`` on the virtual clock.
   It is installed at the first Cognito request, when moto loads its Cognito: that needs the
   ``cryptography`` package, which a browser lacks, and a cloud that never uses Cognito never loads it.
7. moto's CloudFormation says twice on stderr (a log line and a ``UserWarning``), at every change set,
   that it skips a resource type it does not support (Cognito, API Gateway v2...). README's Deploying
   table lists what it skips, and lab 09 says so; the patch keeps those notices out of the notebook.
"""

from __future__ import annotations

import logging
import threading
import warnings
from contextlib import contextmanager
from typing import Iterator

from moto.core import utils as moto_utils
from moto.core.botocore_stubber import BotocoreStubber
from moto.sqs import models as sqs_models
from moto.sqs.exceptions import QueueAlreadyExists

from . import sessions, sqs_depth
from .interception import answered_here
from ..triggers.clock import VirtualClock

_originals: dict[str, object] = {}
_running = 0  # how many running clouds use the patches: a cloud may start while another runs
_cognito_lock = threading.Lock()
COGNITO_REQUEST = "before-send.cognito-identity-provider."  # botocore's event for every Cognito user pool call
_installed_clock: VirtualClock | None = None  # the clock the patches read: the outermost running cloud's
SKIPPED_TYPE = r"Tried to parse .* but it's not supported by moto's CloudFormation implementation"


def _not_a_skipped_type(record: logging.LogRecord) -> bool:
    """False for moto's log line about a resource type its CloudFormation skips."""
    return not str(record.msg).startswith("No Moto CloudFormation support for")


def install(clock: VirtualClock) -> None:
    global _running, _installed_clock
    sessions.renew_if_dropped()  # moto dropped boto3's default session as its first mock started
    _running += 1
    if _originals:  # installed by the cloud this one runs inside (its clock is the process's time)
        return
    _installed_clock = clock
    _originals.update(unix_time=sqs_models.unix_time, unix_time_millis=sqs_models.unix_time_millis,
                      retention=sqs_models.SQSBackend.is_message_valid_based_on_retention_period,
                      receive=sqs_models.SQSBackend.receive_message, stubber=BotocoreStubber.__call__,
                      create_queue=sqs_models.SQSBackend.create_queue)
    logging.getLogger("moto").addFilter(_not_a_skipped_type)
    warnings.filterwarnings("ignore", message=SKIPPED_TYPE, category=UserWarning)
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
    sqs_models.SQSBackend.create_queue = _naming_the_attribute(sqs_models.SQSBackend.create_queue)

    def stand_aside_for_the_emulator(self, event_name: str, request, **kwargs):
        if answered_here(event_name, request):
            return None
        if event_name.startswith(COGNITO_REQUEST) and "get_user" not in _originals:
            _patch_cognito(clock)  # moto loads its Cognito to answer this request: patch it first
        return stubber(self, event_name, request, **kwargs)

    BotocoreStubber.__call__ = stand_aside_for_the_emulator
    sqs_depth.install()


def uninstall() -> None:
    global _running, _installed_clock
    _running = max(_running - 1, 0)
    if not _originals or _running:  # not installed, or still in use by the cloud this one ran inside
        return
    sqs_depth.uninstall()
    sqs_models.unix_time = _originals["unix_time"]
    sqs_models.unix_time_millis = _originals["unix_time_millis"]
    sqs_models.SQSBackend.is_message_valid_based_on_retention_period = _originals["retention"]
    sqs_models.SQSBackend.receive_message = _originals["receive"]
    BotocoreStubber.__call__ = _originals["stubber"]
    sqs_models.SQSBackend.create_queue = _originals["create_queue"]
    if "get_user" in _originals:
        from moto.cognitoidp import models as cognito_models
        cognito_models.CognitoIdpBackend.get_user = _originals["get_user"]
    logging.getLogger("moto").removeFilter(_not_a_skipped_type)
    warnings.filters[:] = [kept for kept in warnings.filters if getattr(kept[1], "pattern", None) != SKIPPED_TYPE]
    _originals.clear()
    _installed_clock = None


@contextmanager
def set_aside() -> Iterator[None]:
    """A block in which moto is unpatched, as if no cloud ran: the first cloud started in it patches moto
    with its own clock (a check's cloud inside a notebook's). The running clouds' patches come back after."""
    global _running
    running, clock = _running, _installed_clock
    if running:
        _running = 1
        uninstall()
    try:
        yield
    finally:
        if running:
            install(clock)
            _running = running


def _naming_the_attribute(create_queue):
    """moto's CreateQueue, whose QueueAlreadyExists names the queue and the attribute that differs."""

    def create_queue_naming_the_attribute(backend, name: str, tags=None, **attributes):
        try:
            return create_queue(backend, name, tags, **attributes)
        except QueueAlreadyExists:
            # Compared as moto compares them: the attributes sent, against a queue made with them.
            existing = backend.queues[name].attributes
            asked = sqs_models.Queue(name, region=backend.region_name, account_id=backend.account_id,
                                     **{key: value for key, value in attributes.items() if key != "region"}).attributes
            key = next(key for key in attributes if existing.get(key) != asked.get(key))
            raise QueueAlreadyExists(  # SQS's sentence first, then the queue and the two values
                f"A queue already exists with the same name and a different value for attribute {key}: queue "
                f"{name!r} has {key} {existing.get(key)}, this request asks for {asked.get(key)}. Ask for the same "
                f"value, change it with set_queue_attributes, or delete the queue first") from None

    return create_queue_naming_the_attribute


def _patch_cognito(clock: VirtualClock) -> None:
    """Patch 6, once: moto's GetUser refuses expired access tokens."""
    from moto.cognitoidp import models as cognito_models
    with _cognito_lock:
        if "get_user" not in _originals:
            _originals["get_user"] = cognito_models.CognitoIdpBackend.get_user
            cognito_models.CognitoIdpBackend.get_user = _refusing_expired_tokens(_originals["get_user"], clock)


def _refusing_expired_tokens(get_user, clock: VirtualClock):
    """moto's GetUser, which refuses an access token whose ``exp`` has passed, as Cognito does."""
    import jwt
    from moto.cognitoidp.exceptions import NotAuthorizedError

    def get_user_unless_expired(backend, access_token: str):
        user = get_user(backend, access_token)  # an unknown or signed-out token fails here first
        claims = jwt.decode(access_token, options={"verify_signature": False})
        if claims.get("exp", 0) <= clock.timestamp():
            raise NotAuthorizedError("Access Token has expired")  # Cognito's words for it
        return user

    return get_user_unless_expired
