"""Tracing: the picture AWS X-Ray draws of your invocations, recorded by the local cloud.

A *trace* follows one request through every service it touches. Each service records *segments*
(one per unit of work) and segments hold *subsegments* (the steps inside: a call to DynamoDB, an
HTTP request, the cold start). All of them carry the same *trace id*; a service passes it on in the
*trace header* ``Root=1-...;Parent=...;Sampled=1``, so the pieces can be put back together.

What Lambda does, and what the local cloud does the same way:

- **Sampling.** A function with active tracing (``tracing="Active"``, SAM's ``Tracing: Active``)
  starts a trace for every invocation that arrives without a decision. Any function continues a
  trace whose header says ``Sampled=1`` (the default mode, ``PassThrough``): that is how a chain of
  functions shares one trace id.
- **The runtime's own segments.** For each traced invocation Lambda records two segments, both named
  after the function: the service's (origin ``AWS::Lambda``) and the function's (origin
  ``AWS::Lambda::Function``), whose subsegments are ``Initialization`` (cold starts only),
  ``Invocation`` and ``Overhead``. A function that never imports the X-Ray SDK still gets them.
- **The X-Ray SDK.** Lambda tells the SDK where it stands through environment variables:
  ``_X_AMZN_TRACE_ID`` (the header; its ``Parent`` is the function segment), ``AWS_XRAY_DAEMON_ADDRESS``
  (the daemon that forwards segments to X-Ray; here a collector on 127.0.0.1) and
  ``AWS_XRAY_CONTEXT_MISSING``. After ``patch_all()`` the SDK sends a subsegment over UDP for every
  boto3 call and every ``requests`` call, attached to the function segment.
- **Propagation.** boto3 sends the header with every request (``X-Amzn-Trace-Id``). Lambda's Invoke
  continues the caller's trace; SQS keeps the header with the message (the ``AWSTraceHeader`` system
  attribute) and the event source mapping continues it when the message reaches the next function.

``cloud.traces()`` returns :class:`Trace` objects; ``trace.waterfall()`` draws one as the X-Ray
console's timeline does, and a trace displays as that chart in a notebook.

Where we cannot be faithful:

- X-Ray samples (by default 1 request a second and 5% of the rest); here every traced invocation is
  recorded, so a lab always has a picture.
- Handlers share one Python process here, so the SDK's process-wide recorder is re-pointed at this
  cloud's collector and given each invocation's own context, and its clock reads the invocation's
  elapsed time (real time plus simulated ``time.sleep``) from the virtual start, so bars have widths.
  Its patches are process-wide too: once one handler has called ``patch_all()``, the boto3 and
  ``requests`` calls of every traced function are recorded, even of those that never import the SDK.
- An SQS batch continues the trace of its first traced message; AWS links the consumer's trace to
  every producer's trace instead.
"""

from __future__ import annotations

import itertools
import json
import logging
import socket
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import urlsplit

from botocore.handlers import BUILTIN_HANDLERS

from ..platform import network
from ..runtime.ids import entity_id as new_entity_id, trace_id as new_trace_id
from .xray import NO_HEADER, Trace, TraceHeader, assemble
from ..runtime.timeouts import current_budget

if TYPE_CHECKING:
    from ..runtime.function import FunctionConfig
    from ..runtime.invoke import Invocation
    from ..runtime.timeouts import TimeBudget

MODES = ("PassThrough", "Active")  # Lambda's TracingConfig modes
CONTEXT_MISSING = "LOG_ERROR"  # the value Lambda gives AWS_XRAY_CONTEXT_MISSING
DEFAULT_DAEMON = "127.0.0.1:2000"  # where the SDK looks when nobody says (the X-Ray daemon's default)
PROTOCOL_HEADER = b'{"format": "json", "version": 1}'  # first line of every datagram an X-Ray SDK sends
MAX_DATAGRAM = 65_535
FLUSH_TIMEOUT = 5.0  # seconds to wait for our own datagrams to come back through the loopback


# -- the collector: the X-Ray daemon of the local cloud ---------------------------------------------

class TraceCollector:
    """Keeps every segment document that X-Ray SDKs and the Lambda service record.

    In Lambda the daemon runs beside your function and forwards segments to the X-Ray service in
    batches. Each datagram is a header line (``{"format": "json", "version": 1}``) and one JSON
    segment or subsegment. The Lambda service records its own segments directly (:meth:`add`).
    Where a socket can be bound, the collector is that daemon on 127.0.0.1 (:attr:`address`), so a
    function in a process of its own sends to it as in Lambda; where none can (Pyodide in a browser),
    the SDK in the same process hands its segments over directly (``address`` is then ``None``).
    """

    def __init__(self) -> None:
        self._documents: list[dict] = []
        self.rejected: list[bytes] = []  # datagrams that were not segment documents: never silently lost
        self._lock = threading.Condition()
        self._daemon = _UdpDaemon(self._receive) if network.SOCKETS_AVAILABLE else None
        self.address = self._daemon.address if self._daemon is not None else None

    def add(self, document: dict) -> None:
        with self._lock:
            self._documents.append(document)

    def documents(self) -> list[dict]:
        """Every document received so far (after waiting for the datagrams already sent)."""
        if self._daemon is not None:
            self._daemon.flush()
        with self._lock:
            return list(self._documents)

    def close(self) -> None:
        if self._daemon is not None:
            self._daemon.close()

    def _receive(self, data: bytes) -> None:
        header, _, body = data.partition(b"\n")
        try:
            if json.loads(header) != json.loads(PROTOCOL_HEADER):
                raise ValueError("unknown protocol header")
            self.add(json.loads(body))
        except ValueError:
            with self._lock:
                self.rejected.append(data)


class _UdpDaemon:
    """The X-Ray daemon's socket: a thread hands each datagram on 127.0.0.1 to ``receive``."""

    def __init__(self, receive: Callable[[bytes], None]) -> None:
        self._receive = receive
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self.address = "%s:%d" % self._socket.getsockname()
        self._flushes = itertools.count(1)
        self._flushed = 0
        self._condition = threading.Condition()
        self._thread = threading.Thread(target=self._serve, name="lambda-lab-xray-daemon", daemon=True)
        self._thread.start()

    def flush(self) -> None:
        """Send ourselves a marker and wait until it arrives: the datagrams sent before it have too."""
        number = next(self._flushes)
        self._send(b"flush %d" % number)
        with self._condition:
            if not self._condition.wait_for(lambda: self._flushed >= number, FLUSH_TIMEOUT):
                raise TimeoutError(f"the trace collector on {self.address} stopped receiving segments")

    def close(self) -> None:
        self._send(b"close")
        self._thread.join(FLUSH_TIMEOUT)
        self._socket.close()

    def _send(self, data: bytes) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.sendto(data, self._socket.getsockname())

    def _serve(self) -> None:
        while True:
            data = self._socket.recv(MAX_DATAGRAM)
            if data == b"close":
                return
            if data.startswith(b"flush "):
                with self._condition:
                    self._flushed = int(data.split()[1])
                    self._condition.notify_all()
            else:
                self._receive(data)


class _DirectEmitter:
    """The SDK's emitter where no datagram can be sent: each finished entity goes to the collector."""

    def __init__(self, collector: TraceCollector) -> None:
        self._collector = collector

    def send_entity(self, entity: Any) -> None:
        self._collector.add(json.loads(entity.serialize()))

    def set_daemon_address(self, address: str | None) -> None:
        pass  # there is no daemon to point at


# -- the X-Ray SDK in a shared process ---------------------------------------------------------------

_active = threading.local()  # this thread's stack of running invocations (Lambda calling Lambda nests them)

# The SDK modules that stamp start and end times on segments with time.time().
_SDK_CLOCK_MODULES = ("aws_xray_sdk.core.models.entity", "aws_xray_sdk.core.recorder",
                      "aws_xray_sdk.core.async_recorder")


def _current() -> "InvocationTrace | None":
    """The invocation running in this thread right now (the innermost, when one invokes another)."""
    budget = current_budget()
    for frame in reversed(getattr(_active, "stack", ())):
        if frame.budget is budget:
            return frame
    return None


class _InvocationClock:
    """``time`` for the SDK: inside an invocation, its virtual start plus the time it has run so far."""

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    def time(self) -> float:
        frame = _current()
        return frame.now() if frame is not None else time.time()


_INVOCATION_CLOCK = _InvocationClock()


def _xray_recorder() -> Any:
    """The SDK's process-wide recorder, if a handler (or anyone) imported the SDK."""
    core = sys.modules.get("aws_xray_sdk.core")
    return getattr(core, "xray_recorder", None)


def _import_xray_sdk() -> None:
    """Import the SDK before a traced handler does, so its clock is ours from its first segment."""
    try:
        import aws_xray_sdk.core  # noqa: F401  (the import is the point)
    except ImportError:
        pass  # the SDK is optional for handlers: the runtime's own segments are recorded anyway


def _point_xray_sdk_at(collector: TraceCollector) -> None:
    """Make the SDK behave as it does inside Lambda, sending to ``collector`` (cheap when already done)."""
    recorder = _xray_recorder()
    if recorder is None or getattr(recorder, "_lambda_lab_daemon", None) is collector:
        return
    from aws_xray_sdk.core.lambda_launcher import LambdaContext
    from aws_xray_sdk.core.sampling.local.sampler import LocalSampler
    if not isinstance(recorder.context, LambdaContext):  # imported outside a handler: switch to Lambda mode
        recorder.context = LambdaContext()
        recorder.sampler = LocalSampler()
        recorder.streaming_threshold = 0  # in Lambda the SDK sends each subsegment as soon as it ends
    if collector.address is None:
        recorder.emitter = _DirectEmitter(collector)
    else:
        if isinstance(recorder.emitter, _DirectEmitter):  # a cloud without sockets ran before this one
            from aws_xray_sdk.core.emitters.udp_emitter import UDPEmitter
            recorder.emitter = UDPEmitter()
        recorder.emitter.set_daemon_address(collector.address)
    logging.getLogger("aws_xray_sdk.core.lambda_launcher").addFilter(_inside_invocations_only)
    for name in _SDK_CLOCK_MODULES:
        if name in sys.modules:
            sys.modules[name].time = _INVOCATION_CLOCK
    recorder._lambda_lab_daemon = collector


def _inside_invocations_only(record: logging.LogRecord) -> bool:
    """Drop the SDK's "no trace context" warnings about boto3 calls a notebook makes between invocations
    (in Lambda there is no code outside an invocation; inside one, the warning stays)."""
    return _current() is not None


def _swap_xray_state(state: tuple | None) -> tuple | None:
    """Give the SDK the state a fresh Lambda process has (or ``state``); returns the state it had.

    Its per-thread context (the facade segment and open subsegments) and its "enabled" switch are
    process-wide here: a caller's open Invoke subsegment must not adopt the callee's subsegments, and
    a handler imported outside the cloud (where Powertools turns the SDK, and its own Tracer, off) must
    not silence the next invocation. In Lambda the switch starts unset and is read from
    AWS_XRAY_SDK_ENABLED, and Powertools' Tracer starts enabled.
    """
    recorder = _xray_recorder()
    if recorder is None:  # no handler imported the SDK: nothing to swap
        return None
    local = getattr(getattr(recorder, "context", None), "_local", None)
    config = getattr(sys.modules.get("aws_xray_sdk.sdk_config"), "SDKConfig", None)
    if local is None or config is None:
        return None
    # Powertools' Tracer keeps a class-wide "disabled" flag that, once set, stays set for the process.
    tracer_config = getattr(getattr(sys.modules.get("aws_lambda_powertools.tracing.tracer"), "Tracer", None),
                            "_config", {})
    saved = (dict(vars(local)), config._SDKConfig__SDK_ENABLED, tracer_config.get("disabled", False))
    context, enabled, tracer_disabled = state or ({}, None, False)
    vars(local).clear()
    vars(local).update(context)
    config._SDKConfig__SDK_ENABLED = enabled
    if tracer_config:
        tracer_config["disabled"] = tracer_disabled
    return saved


# -- the tracer: what the Lambda service records ------------------------------------------------------

@dataclass
class InvocationTrace:
    """One invocation as tracing sees it: its header, its clock, and the variables Lambda sets for it."""

    function: str
    header: TraceHeader  # the one the handler sees: Root is the trace, Parent the function segment
    sampled: bool
    origin: float  # when it started, in epoch seconds on the trace clock
    variables: dict[str, str]
    budget: "TimeBudget | None" = None  # set by the runtime as the invocation starts
    upstream_parent: str | None = None
    saved_sdk_state: tuple | None = None

    def now(self) -> float:
        """The trace clock: the virtual start plus the invocation's elapsed (real and slept) time."""
        return self.origin + (self.budget.elapsed() if self.budget is not None else 0.0)


class Tracer:
    """The Lambda service's side of X-Ray: decides who is traced, sets the variables, records segments."""

    def __init__(self) -> None:
        self.collector: TraceCollector | None = None
        self.modes: dict[str, str] = {}
        self._carried: dict[str, str] = {}  # request id -> trace header of a queued asynchronous event
        self._trace_ends: dict[str, float] = {}  # trace id -> when its last recorded invocation ended

    # -- lifetime and configuration --

    def start(self) -> None:
        if self.collector is None:
            self.collector = TraceCollector()
            _clouds_tracing.append(self)

    def stop(self) -> None:
        if self.collector is not None:
            self.collector.close()
            self.collector = None
            _clouds_tracing.remove(self)

    def set_mode(self, function: str, mode: str) -> None:
        """``Active`` or ``PassThrough`` (Lambda's TracingConfig); raises naming the valid modes."""
        if mode not in MODES:
            raise ValueError(f"tracing mode {mode!r} is not one of {', '.join(MODES)}: "
                             f"use tracing='Active' to trace every invocation (SAM: Tracing: Active)")
        self.modes[function] = mode

    def carry(self, request_id: str, header: str | None) -> None:
        """Keep an asynchronous event's trace header until the event runs (and for its retries)."""
        if header:
            self._carried[request_id] = header

    # -- one invocation --

    def begin(self, config: "FunctionConfig", request_id: str, started_at: datetime,
              header: str | None = None) -> InvocationTrace:
        """Decide whether this invocation is traced; returns its trace and the variables Lambda sets.

        Its trace clock starts where the caller's stands (a nested call), or at the virtual time, but
        never before the trace it continues last ended: the local cloud runs a queue's consumer after
        its producer returned, and the picture says so.
        """
        header = header or self._carried.get(request_id)
        incoming = TraceHeader.parse(header) if header else NO_HEADER
        if incoming.decided:
            sampled = incoming.sampled == "1"  # an upstream decision is always respected
        else:
            sampled = self.collector is not None and self.modes.get(config.name) == "Active"
        outer = _current()
        root = incoming.root or new_trace_id(started_at)
        origin = outer.now() if outer is not None else max(started_at.timestamp(), self._trace_ends.get(root, 0.0))
        # Lambda sets the header for every invocation, traced or not (then it says Sampled=0).
        own = TraceHeader(root, new_entity_id(), "1" if sampled else "0")
        frame = InvocationTrace(config.name, own, sampled, origin,
                                {"_X_AMZN_TRACE_ID": str(own), **self._sdk_variables(config)},
                                upstream_parent=incoming.parent if incoming.root else None)
        if sampled:
            _import_xray_sdk()
        if self.collector is not None:
            _point_xray_sdk_at(self.collector)
        frame.saved_sdk_state = _swap_xray_state(None)
        stack = getattr(_active, "stack", None)
        if stack is None:
            stack = _active.stack = []
        stack.append(frame)
        return frame

    def end(self, frame: InvocationTrace, invocation: "Invocation", config: "FunctionConfig") -> None:
        """Record the invocation's segments (when sampled) and give the SDK the caller's context back."""
        stack = _active.stack
        if stack[-1] is frame:
            stack.pop()
        else:  # invocations in one thread end in reverse order, but be safe: remove this very frame
            stack[:] = [other for other in stack if other is not frame]
        _swap_xray_state(frame.saved_sdk_state)
        if not frame.sampled or self.collector is None:
            return
        trace_id = invocation.trace_id = frame.header.root
        for document in _lambda_segments(frame, invocation, config):
            self.collector.add(document)
            self._trace_ends[trace_id] = max(self._trace_ends.get(trace_id, 0.0), document["end_time"])

    def _sdk_variables(self, config: "FunctionConfig") -> dict[str, str]:
        """Where the X-Ray SDK sends segments, and what it does outside a trace (unless the user set them)."""
        variables = {"AWS_XRAY_DAEMON_ADDRESS": getattr(self.collector, "address", None) or DEFAULT_DAEMON,
                     "AWS_XRAY_CONTEXT_MISSING": CONTEXT_MISSING}
        if config.environment:  # users may override these two: Lambda does not reserve them
            for name in variables.keys() & config.environment.keys():
                del variables[name]
        return variables

    # -- reading --

    def traces(self, function: str | None = None) -> list[Trace]:
        """Every trace recorded so far, oldest first; only those that went through ``function`` if given."""
        documents = self.collector.documents() if self.collector is not None else []
        traces = assemble(documents)
        return [trace for trace in traces if function is None or function in trace.functions]


def _lambda_segments(frame: InvocationTrace, invocation: "Invocation", config: "FunctionConfig") -> list[dict]:
    """The two segments Lambda records for one traced invocation, as X-Ray documents."""
    start = frame.origin
    handler_start = start + (invocation.init_duration_ms or 0.0) / 1000
    handler_end = handler_start + invocation.duration_ms / 1000
    end = max(frame.now(), handler_end)
    trace_id = frame.header.root
    service_id = new_entity_id()
    resource = {"function_arn": config.arn, "resource_names": [config.name], "account_id": config.account_id}
    service = {"name": config.name, "id": service_id, "trace_id": trace_id, "start_time": start,
               "end_time": end, "origin": "AWS::Lambda", "http": {"response": {"status": 200}},
               "aws": {"request_id": invocation.request_id, **resource}}
    if frame.upstream_parent:
        service["parent_id"] = frame.upstream_parent
    steps = []
    if invocation.init_duration_ms is not None:
        steps.append(_subsegment("Initialization", start, handler_start, resource))
    invocation_step = _subsegment("Invocation", handler_start, handler_end, resource)
    steps += [invocation_step, _subsegment("Overhead", handler_end, end, resource)]
    function = {"name": config.name, "id": frame.header.parent, "trace_id": trace_id, "parent_id": service_id,
                "start_time": start, "end_time": end, "origin": "AWS::Lambda::Function", "aws": resource,
                "subsegments": steps}
    if invocation.error is not None:  # an unhandled error is a fault of the function, as X-Ray shows it
        cause = {"exceptions": [{"id": new_entity_id(), "message": invocation.error["errorMessage"],
                                 "type": invocation.error["errorType"]}]}
        for document in (function, invocation_step):
            document.update(fault=True, cause=cause)
    return [service, function]


def _subsegment(name: str, start: float, end: float, aws: dict) -> dict:
    return {"name": name, "id": new_entity_id(), "start_time": start, "end_time": end, "aws": dict(aws)}


# -- SQS keeps the trace header with the message ------------------------------------------------------

_clouds_tracing: list[Tracer] = []
_pending_sqs_header = threading.local()


def _remember_sqs_trace_header(request, **kwargs) -> None:
    """botocore ``before-send.sqs``: note the ``X-Amzn-Trace-Id`` header a SendMessage(Batch) carries."""
    if not _clouds_tracing:
        return
    value = request.headers.get("X-Amzn-Trace-Id")
    _pending_sqs_header.value = value.decode() if isinstance(value, bytes) else value


def _capture_queue_url(params: dict, context: dict, **kwargs) -> None:
    """botocore ``before-call.sqs``: note which queue a send goes to, for :func:`_store_sqs_trace_header`."""
    if not _clouds_tracing:
        return
    body = params.get("body")
    try:
        request = body if isinstance(body, dict) else json.loads(body or b"{}")
    except ValueError:
        return
    context["lambda_lab_queue_url"] = request.get("QueueUrl")


def _store_sqs_trace_header(parsed: dict, model, context: dict, **kwargs) -> None:
    """botocore ``after-call.sqs``: SQS stores the request's trace header as each new message's
    ``AWSTraceHeader`` system attribute (unless the sender set that attribute itself, which wins).

    moto ignores the header (and drops system attributes sent with SendMessageBatch), so the local
    cloud writes the attribute onto moto's message itself.
    """
    header, _pending_sqs_header.value = getattr(_pending_sqs_header, "value", None), None
    queue = _moto_queue(context.get("lambda_lab_queue_url"))
    if not header or queue is None or not isinstance(parsed, dict):
        return
    ids = {parsed.get("MessageId")} | {entry.get("MessageId") for entry in parsed.get("Successful", [])}
    ids.discard(None)
    for message in reversed(queue._messages):  # the messages just sent are the newest: stop once all are found
        if not ids:
            break
        if message.id in ids:
            ids.discard(message.id)
            if "AWSTraceHeader" not in (message.system_attributes or {}):
                message.system_attributes = {**(message.system_attributes or {}),
                                             "AWSTraceHeader": {"StringValue": header, "DataType": "String"}}


def _moto_queue(queue_url: str | None):
    """The moto queue behind ``https://sqs.REGION.amazonaws.com/ACCOUNT/NAME``, if there is one."""
    if not queue_url:
        return None
    from moto.sqs.models import sqs_backends
    parts = urlsplit(queue_url)
    account, _, name = parts.path.strip("/").partition("/")
    host = (parts.hostname or "").split(".")
    region = host[1] if len(host) > 2 and host[0] == "sqs" else "us-east-1"
    queue = sqs_backends[account][region].queues.get(name) if account.isdigit() else None
    return queue


BUILTIN_HANDLERS.extend([
    ("before-call.sqs.SendMessage", _capture_queue_url),
    ("before-call.sqs.SendMessageBatch", _capture_queue_url),
    ("before-send.sqs.SendMessage", _remember_sqs_trace_header),
    ("before-send.sqs.SendMessageBatch", _remember_sqs_trace_header),
    ("after-call.sqs.SendMessage", _store_sqs_trace_header),
    ("after-call.sqs.SendMessageBatch", _store_sqs_trace_header),
])
