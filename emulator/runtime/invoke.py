"""Running one invocation, the way the Lambda service and its Python runtime do.

The steps of :meth:`Runtime.invoke`, in the order AWS takes them:

1. The caller's event is serialised to JSON (the payload, at most 6 MB synchronously) and parsed
   again, so the handler gets plain dicts and lists, never the caller's own objects.
2. An execution environment is chosen: a warm idle one, or a new one (a *cold start*).
3. The function's environment variables, and the ones Lambda always sets, are put in ``os.environ``
   for the duration of the invocation only.
4. A cold environment runs the Init phase (importing the module); then the handler is called with
   the event and a :class:`~emulator.runtime.context.LambdaContext`, under the function's timeout.
5. The return value is serialised to JSON (``Runtime.MarshalError`` if it cannot be), and the log
   gets its END and REPORT lines.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import sys
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Iterator, Protocol

from . import errors, exits, ids, logs, variables
from .context import LambdaContext
from .environment import ExecutionEnvironment, reading_code_once
from .function import FunctionConfig
from .responses import RESPONSE_LIMIT, marshal_response
from ..platform.memory import peak_rss_mb
from .timeouts import TimeBudget, current_budget, time_limit

# Payload quotas (Lambda quotas page): 6 MB each way synchronously, 1 MB for an asynchronous event.
SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024
ASYNC_PAYLOAD_LIMIT = 1024 * 1024
# A Python function that does nothing reports about this much "Max Memory Used" in AWS.
RUNTIME_BASELINE_MB = 38
RUNTIME_NAME = "python3.11"

# Handlers run one at a time in this process. Re-entrant, so a handler can invoke another function.
RUNTIME_LOCK = threading.RLock()
# Powertools remembers "cold start?" in module globals, which in AWS live exactly as long as one
# execution environment. Here environments share one process, so every invocation sets them afresh.
POWERTOOLS_COLD_START_FLAGS = ("aws_lambda_powertools.logging.logger", "aws_lambda_powertools.tracing.tracer",
                               "aws_lambda_powertools.metrics.provider.cold_start")


@dataclass
class Invocation:
    """One invocation: what the caller gets back, and what the history keeps."""

    function: str
    request_id: str
    trigger: str
    time: datetime
    error: dict | None = None
    logs: str = ""
    duration_ms: float = 0.0
    billed_duration_ms: int = 0
    init_duration_ms: float | None = None
    max_memory_used_mb: int = 0
    cold_start: bool = False
    response_bytes: bytes = b"null"  # what Lambda sends back: the result's JSON, or the error envelope's
    trace_id: str | None = None  # the X-Ray trace that recorded it, when it was traced

    @functools.cached_property
    def payload(self) -> Any:
        """The return value after a JSON round trip (None when it failed); decoded when first read.

        A handler that returned bytes gets them back as they were when they are not JSON.
        """
        if self.error is not None:
            return None
        try:
            return _decode_json(self.response_bytes)
        except ValueError:  # bytes returned as they are (awslambdaric sends them untouched)
            return self.response_bytes

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def timed_out(self) -> bool:
        return self.error is not None and self.error["errorType"] == errors.TIMEOUT

    def __repr__(self) -> str:
        outcome = f"error={self.error['errorType']}" if self.error else f"payload={self.payload!r}"[:80]
        return (f"<Invocation {self.function} {self.trigger} {self.request_id[:8]} "
                f"{'cold' if self.cold_start else 'warm'} {self.duration_ms:.2f} ms {outcome}>")


def encode_payload(event: Any, limit: int = SYNC_PAYLOAD_LIMIT) -> bytes:
    """The event as the JSON bytes Lambda carries, with Lambda's errors for bad or oversize payloads."""
    if isinstance(event, (bytes, bytearray)):
        raw = bytes(event)
        try:
            json.loads(raw or b"null")
        except ValueError as error:
            raise errors.InvalidParameterValueException(
                f"the payload is not valid JSON ({error}): Lambda only accepts JSON events") from None
    else:
        try:
            raw = json.dumps(event).encode()
        except (TypeError, ValueError) as error:
            raise errors.InvalidParameterValueException(
                f"the event cannot be sent to Lambda: {error}. Events are JSON: use dicts, lists, str, "
                f"numbers, bools and None") from None
    if len(raw) > limit:
        raise errors.RequestTooLargeException(
            f"the payload is {len(raw):,} bytes but Lambda accepts at most {limit:,} bytes for this "
            f"invocation type: send a reference (an S3 key, a queue message id) instead of the data")
    return raw


_JSON_DECODER = json.JSONDecoder()


def _decode_json(data: bytes) -> Any:
    """``json.loads(data)``, faster for the UTF-8 JSON the runtime carries (it skips guessing the encoding).

    Anything else (a byte order mark, UTF-16 or UTF-32, bad JSON) goes to ``json.loads``, which
    decodes it, or raises, as it always does.
    """
    try:
        return _JSON_DECODER.decode(data.decode())
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are both ValueErrors
        return json.loads(data)


class Function:
    """A created function: its configuration and its execution environments."""

    def __init__(self, config: FunctionConfig, host: Callable[[FunctionConfig], Any] = ExecutionEnvironment) -> None:
        self.config = config
        self.host = host  # makes its execution environments: in this process, or in one of their own
        self.environments: list[ExecutionEnvironment] = []
        self._encoded_variables: tuple[FunctionConfig, list] | None = None

    @property
    def encoded_variables(self) -> list[tuple[bytes, bytes]]:
        """The function's variables encoded for the process environment, computed once per config."""
        if self._encoded_variables is None or self._encoded_variables[0] is not self.config:
            self._encoded_variables = (self.config, variables.encode(self._static_variables()))
        return self._encoded_variables[1]

    def take_environment(self, at: datetime) -> ExecutionEnvironment:
        """A warm environment idle at virtual time ``at``, or a new one (a cold start).

        An environment serves one invocation at a time: while an earlier invocation still runs on the
        virtual clock (or, re-entrantly, in this very process), another one needs its own environment,
        as concurrent invocations do in AWS. Stale environments (code edited on disk) are dropped.
        """
        for environment in list(self.environments):
            if environment.busy or environment.busy_until > at:
                continue
            if environment.is_stale():
                self.discard(environment)
                continue
            return environment
        environment = self.host(self.config)
        self.environments.append(environment)
        return environment

    def discard(self, environment: ExecutionEnvironment) -> None:
        if environment in self.environments:
            self.environments.remove(environment)
        environment.close()

    def close(self) -> None:
        """End all its execution environments (a deleted or replaced function)."""
        for environment in list(self.environments):
            self.discard(environment)

    def _static_variables(self) -> dict[str, str]:
        """The variables Lambda sets in every environment of this function, plus the user's own."""
        config = self.config
        return {
            **config.environment,
            "AWS_LAMBDA_FUNCTION_NAME": config.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_size),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": config.log_group_name,
            **config.logging.variables,  # AWS_LAMBDA_LOG_FORMAT, and AWS_LAMBDA_LOG_LEVEL with JSON
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": config.region,
            "AWS_DEFAULT_REGION": config.region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{RUNTIME_NAME}",
            "_HANDLER": config.handler,
            "LAMBDA_TASK_ROOT": str(config.code_dir),
            "LAMBDA_RUNTIME_DIR": "/var/runtime",
            "TZ": ":UTC",
        }


class _Outcome:
    """What happened inside the environment, before it is turned into an Invocation."""

    def __init__(self) -> None:
        self.response: bytes = b"null"
        self.error: dict | None = None
        self.init_ms: float | None = None

    @property
    def timed_out(self) -> bool:
        return self.error is not None and self.error["errorType"] == errors.TIMEOUT

    @property
    def exited(self) -> bool:
        return self.error is not None and self.error["errorType"] == errors.EXIT_ERROR


class Observation(Protocol):
    """What an observer keeps about one running invocation."""

    variables: dict[str, str]  # added to the function's environment for this invocation
    budget: TimeBudget | None  # set by the runtime: the invocation's clock


class InvocationObserver(Protocol):
    """Told when an invocation starts and when it ends.

    In AWS the Lambda service, not your runtime, records X-Ray segments and sets the trace header
    every invocation sees in ``_X_AMZN_TRACE_ID``. Here too the runtime knows nothing of tracing: it
    is given one observer (the local cloud passes its X-Ray tracer), calls ``begin`` before the
    handler runs and ``end`` after. What ``begin`` returns carries the environment variables the
    observer wants the function to see, and is handed back to ``end``.
    """

    def begin(self, config: FunctionConfig, request_id: str, started_at: datetime,
              header: str | None = None) -> Observation: ...

    def end(self, observation: Observation, invocation: Invocation, config: FunctionConfig) -> None: ...


class Runtime:
    """Runs invocations of functions and keeps every function's log and the history."""

    def __init__(self, clock_now: Callable[[], datetime], observer: InvocationObserver) -> None:
        self.clock_now = clock_now
        self.observer = observer  # the local cloud's X-Ray tracer
        self.history: list[Invocation] = []
        self.log_text: dict[str, list[str]] = {}
        self.listeners: list[Callable[[Invocation], None]] = []

    def invoke(self, function: Function, payload: bytes, trigger: str = "invoke",
               client_context: dict | None = None, identity: dict | None = None,
               request_id: str | None = None, trace_header: str | None = None,
               at: datetime | None = None) -> Invocation:
        """Run ``function`` on the JSON ``payload`` (already checked by :func:`encode_payload`).

        ``trace_header`` is the caller's X-Ray header (``Root=...;Parent=...;Sampled=1``), if any.
        ``at`` is when the invocation starts on the virtual clock (default: now, or, for a call made
        from inside a handler, the moment the calling handler has reached).
        """
        with RUNTIME_LOCK:
            started_at = at or self.start_time()
            environment = function.take_environment(started_at)
            environment.busy = True
            try:
                return self._run(function, environment, payload, trigger, client_context, identity,
                                 request_id or ids.request_id(), trace_header, started_at)
            finally:
                environment.busy = False

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """``with runtime.batch():`` invocations that follow one another with nothing but the cloud
        running between them (its own loops): each function's files are read once, and its variables
        stay in the process environment from one invocation to the next (see ``variables.py``)."""
        with variables.batch(RUNTIME_LOCK), reading_code_once():
            yield

    def release_variables(self) -> None:
        """Take out of ``os.environ`` the variables a batch left there: the notebook's code runs next."""
        with RUNTIME_LOCK:
            variables.release()

    def start_time(self) -> datetime:
        """When an invocation made now starts: the clock, plus the time the calling handler (if any) has run."""
        caller = current_budget()
        if caller is None:
            return self.clock_now()
        return self.clock_now() + timedelta(seconds=caller.elapsed())

    def _run(self, function: Function, environment: ExecutionEnvironment, payload: bytes, trigger: str,
             client_context: dict | None, identity: dict | None, request_id: str,
             trace_header: str | None, started_at: datetime) -> Invocation:
        config = function.config
        cold = not environment.initialized
        settings = config.logging.settings
        sink: list[str] = [logs.start_line(request_id, settings=settings, function_arn=config.arn)]
        stream = environment.log_stream
        trace = self.observer.begin(config, request_id, started_at, trace_header)
        budget = trace.budget = TimeBudget(config.timeout)  # the invocation's time is also its trace clock
        invocation_variables = variables.encode({"AWS_LAMBDA_LOG_STREAM_NAME": stream, **trace.variables})
        memory_before = peak_rss_mb()
        outcome = _Outcome()
        _set_powertools_cold_start(cold)
        if environment.in_process:
            with variables.function_variables(function.encoded_variables, invocation_variables), \
                    logs.capture_output(request_id, sink, settings), \
                    environment.activated():
                self._execute(environment, config, payload, request_id, stream, client_context, identity, outcome,
                              budget)
        else:  # in a process of its own, behind the Runtime API (process_host.py)
            environment.execute(payload, request_id, client_context, identity, started_at,
                                function.encoded_variables + invocation_variables, outcome, budget, sink)
        duration_ms = budget.elapsed() * 1000
        caller = current_budget()
        if caller is not None:  # Lambda calling Lambda: the caller waited through this call's simulated sleeps too
            caller.slept += budget.slept
        if outcome.init_ms is not None:
            duration_ms = max(duration_ms - outcome.init_ms, 0.0)
        if outcome.error is None and duration_ms > config.timeout * 1000:
            outcome.error = _timeout_envelope(request_id, config.timeout)  # blocked in C past the deadline
        if outcome.timed_out:
            duration_ms = config.timeout * 1000  # Lambda reports a timed-out invocation at exactly its timeout
            sink.append(logs.timeout_line(request_id, config.timeout))
        if outcome.timed_out or not environment.initialized:
            function.discard(environment)  # a timed-out or failed-init environment is not reused
        environment.busy_until = started_at + timedelta(milliseconds=duration_ms + (outcome.init_ms or 0.0))
        memory = min(config.memory_size, RUNTIME_BASELINE_MB + max(0, peak_rss_mb() - memory_before))
        # Since 1 August 2025 Lambda bills the Init phase of on-demand functions too.
        billed = logs.billed_duration_ms(duration_ms + (outcome.init_ms or 0.0))
        sink.append(logs.end_line(request_id, settings))
        sink.append(logs.report_line(request_id, duration_ms, billed, config.memory_size, memory, outcome.init_ms,
                                     settings, errors.EXIT_ERROR if outcome.exited else None))
        invocation = Invocation(
            function=config.name, request_id=request_id, trigger=trigger, time=started_at, error=outcome.error,
            logs="".join(sink), duration_ms=duration_ms, billed_duration_ms=billed,
            init_duration_ms=outcome.init_ms, max_memory_used_mb=memory, cold_start=cold,
            response_bytes=outcome.response if outcome.error is None else json.dumps(outcome.error).encode(),
        )
        self.observer.end(trace, invocation, config)
        self._record(invocation)
        return invocation

    def _execute(self, environment: ExecutionEnvironment, config: FunctionConfig, payload: bytes,
                 request_id: str, stream: str, client_context: dict | None, identity: dict | None,
                 outcome: _Outcome, budget: TimeBudget) -> None:
        """Init (when cold), call the handler, marshal the result; every failure becomes an envelope."""
        exits.watch_interrupts()
        try:
            with time_limit(budget), logs.root_logger_level(environment, config.logging.settings):
                if not environment.initialized:
                    _initialize(environment, budget, outcome)
                context = LambdaContext(
                    aws_request_id=request_id, function_name=config.name, function_version="$LATEST",
                    invoked_function_arn=config.arn, memory_limit_in_mb=config.memory_size,
                    log_group_name=config.log_group_name, log_stream_name=stream,
                    budget=budget, client_context=client_context, identity=identity,
                    log_writer=logs.write_event)
                result = environment.handler(_decode_json(payload), context)
            outcome.response = marshal_response(result)
        except BaseException as failure:  # noqa: B036 - exits included: they end AWS's runtime process
            if self.observer is None and exits.is_exit(failure):
                raise  # inside a runtime process of its own (bootstrap.py): the exit ends it, as in AWS
            _report_failure(failure, environment, config, request_id, outcome)

    def _record(self, invocation: Invocation) -> None:
        self.history.append(invocation)
        self.log_text.setdefault(invocation.function, []).append(invocation.logs)
        for listener in self.listeners:
            listener(invocation)


def _initialize(environment: ExecutionEnvironment, budget: TimeBudget, outcome: _Outcome) -> None:
    """The Init phase: its log lines carry no request id and come before START, as in CloudWatch."""
    before = budget.elapsed()  # Init time includes any time.sleep at module level
    with logs.init_phase():
        environment.initialize()
    outcome.init_ms = (budget.elapsed() - before) * 1000
    logs.place_start_line_after_init()


def _report_failure(failure: BaseException, environment: ExecutionEnvironment, config: FunctionConfig,
                    request_id: str, outcome: _Outcome) -> None:
    """Turn what stopped the invocation into the envelope and log lines AWS gives for it."""
    if isinstance(failure, errors.InvocationTimeout):
        outcome.error = _timeout_envelope(request_id, config.timeout)
        return
    if exits.is_exit(failure):
        if isinstance(failure, KeyboardInterrupt) and exits.interrupted_by_user():
            raise failure  # you interrupted the kernel: stop the cell, as Python always does
        in_init = not environment.initialized
        logs.write_to_current_log(exits.exit_output(failure))
        outcome.error = exits.exit_envelope(request_id, exits.exit_status(failure))
        environment.handler = None  # the runtime process is gone: the next invocation is cold
        if in_init:
            logs.place_start_line_after_init()
        return
    if not isinstance(failure, Exception):
        raise failure
    in_init = not environment.initialized
    if isinstance(failure, errors.FunctionFault):
        error_type, message, trace = failure.error_type, failure.message, failure.stack_trace
    else:
        error_type, message = type(failure).__name__, str(failure)
        trace = errors.user_stack_trace(failure.__traceback__)
    # A failed Init has no request id yet (awslambdaric posts it to /init/error) and is announced first.
    outcome.error = errors.error_envelope(error_type, message, "" if in_init else request_id, trace)
    if in_init:
        with logs.init_phase():
            logging.getLogger().warning(UNHANDLED_INIT_WARNING)
    logs.write_error(outcome.error, errors.error_log_lines(outcome.error))
    if in_init:
        logs.place_start_line_after_init()  # all of it happened in the Init phase, before START


# awslambdaric logs this warning before a failed Init's error (lambda_literals.py, in its words' gist).
UNHANDLED_INIT_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. However, "
    "in rare cases, a Lambda runtime update can cause unexpected function behavior. For functions using "
    "managed runtimes, runtime updates can be triggered by a function change, or can be applied automatically. "
    "To determine if the runtime has been updated, check the runtime version in the INIT_START log entry. If "
    "this error correlates with a change in the runtime version, you may be able to mitigate this error by "
    "temporarily rolling back to the previous runtime version. For more information, see "
    "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r")


def _timeout_envelope(request_id: str, timeout: float) -> dict:
    return errors.error_envelope(
        errors.TIMEOUT, f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds", request_id, [])


def _set_powertools_cold_start(cold: bool) -> None:
    for name in POWERTOOLS_COLD_START_FLAGS:
        module = sys.modules.get(name)
        if module is not None:
            module.is_cold_start = cold

