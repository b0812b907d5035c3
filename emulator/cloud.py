"""LocalCloud: one object that is the whole local AWS account of a notebook or a test.

It owns moto's lifetime (while it runs, plain boto3 calls to SQS, S3, DynamoDB, SNS, IAM and
EventBridge are answered in-process by moto, with fake credentials and no network), the Lambda
runtime that runs your handlers, and the virtual clock on which every trigger fires.

With ``LAMBDA_LAB_ENDPOINT_URL`` set (or ``endpoint_url=...``), the AWS APIs are another server's
instead of moto's (LocalStack, a moto server: see ``endpoint.py``); the runtime and the triggers are
still this cloud's.

    with LocalCloud() as cloud:
        cloud.create_function("hello", code="work/hello")
        print(cloud.invoke("hello", {"key1": "value1"}).payload)

In a notebook, where one ``with`` block cannot span cells, use ``cloud = LocalCloud(); cloud.start()``
and ``cloud.stop()`` at the end.
"""

from __future__ import annotations

import dataclasses
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable

from moto import mock_aws

from . import arguments, lambda_api  # noqa: F401 (registers the Lambda API's botocore hook)
from .aws import bridge, cognito, eventbridge_checks, interception, moto_patches, sqs_checks  # noqa: F401 (the checks register hooks)
from .aws.endpoint import local_endpoint_url, reach_endpoint
from .observability.cost import CostEstimate, estimate
from .triggers.clock import RealTimePlayer, VirtualClock
from .triggers.concurrency import DEFAULT_ACCOUNT_LIMIT, ConcurrencyModel
from .triggers.asynchronous import AsyncInvoker
from .triggers.queue_backends import EndpointQueues, MotoQueues
from .triggers.event_source_mapping import (MAX_BATCH_FIFO, MAX_BATCH_STANDARD, MAX_BATCHING_WINDOW, EventSourceMapping,
                                            queue_attributes)
from .triggers.rules import RuleBook, ScheduledRule, check_input, check_rule_name
from .runtime import (ASYNC_PAYLOAD_LIMIT, Function, FunctionConfig, InvalidParameterValueException, Invocation,
                      ResourceNotFoundException, Runtime, SYNC_PAYLOAD_LIMIT, TooManyRequestsException, make_config)
from .runtime.environment import ExecutionEnvironment
from .runtime.process_host import ProcessHost
from .runtime.timeouts import current_budget, install_simulated_sleep, uninstall_simulated_sleep
from .triggers.timeline import Timeline
from .observability.tracing import Trace, Tracer
from .aws.leftovers import Leftovers
from .arns import function_name_from, queue_name_from
from .triggers.visibility import VisibilityLedger

ACCOUNT_ID = "123456789012"  # moto's default account: ARNs built here and by moto agree
# Credentials that cannot work anywhere but in moto, so nothing can ever reach a real account.
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
}
# Settings that would point boto3 at a real profile or endpoint; hidden while the cloud runs.
HIDDEN_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE",
                    "AWS_SHARED_CREDENTIALS_FILE")


class LocalCloud:
    """A local AWS account: moto for the APIs, a Lambda runtime for your code, one virtual clock.

    ``endpoint_url`` (default: ``$LAMBDA_LAB_ENDPOINT_URL``) answers the AWS APIs from another server,
    such as LocalStack, instead of moto in this process.

    ``isolation="process"`` runs each execution environment in a process of its own behind the Lambda
    Runtime API, as in AWS (the grader's choice); the default, ``"in-process"``, is faster and debuggable.
    """

    def __init__(self, region: str = "us-east-1", *, start_time: datetime | None = None,
                 account_concurrency: int = DEFAULT_ACCOUNT_LIMIT, endpoint_url: str | None = None,
                 isolation: str = "in-process") -> None:
        if isolation not in ("in-process", "process"):
            raise InvalidParameterValueException(f"isolation {isolation!r} is not one of 'in-process', 'process'")
        self.region = region
        self.isolation = isolation
        # Who hosts execution environments: this process, or a process of their own per environment.
        self.host = ExecutionEnvironment if isolation == "in-process" else ProcessHost(
            bridge.answer, (*FAKE_CREDENTIALS, "AWS_ENDPOINT_URL"))  # a function's own process gets these too
        self.endpoint_url = local_endpoint_url(endpoint_url)
        self.account_id = ACCOUNT_ID
        self.queue_backend: MotoQueues | EndpointQueues = MotoQueues(self.account_id, region)
        self.clock = VirtualClock(start_time)
        self.timeline = Timeline(self.clock)
        self.tracer = Tracer()  # X-Ray: who is traced, the collector, the segments Lambda records
        self.runtime = Runtime(self.clock.now, self.tracer)
        self.functions: dict[str, Function] = {}
        self.concurrency = ConcurrencyModel(account_concurrency)
        self.async_queue = self.timeline.add(AsyncInvoker(self))
        self.rules = RuleBook(self)
        self.event_source_mappings: dict[str, EventSourceMapping] = {}
        self._clients: dict[str, Any] = {}
        self._observers: list[Callable[[], None]] = []
        self._sync_caller_free = self.clock.now()  # when the outside caller's last synchronous call ended
        self.template = None  # the TemplateReport, when built with from_template
        self.runtime.listeners.append(lambda invocation: self._notify())
        self._started = False
        self._mock = None
        self._visibility: VisibilityLedger | None = None  # endpoint mode: visibility timeouts on the virtual clock
        self._leftovers: Leftovers | None = None  # endpoint mode: what this process created on the server
        self._saved_environment: dict[str, str | None] = {}
        self._player: RealTimePlayer | None = None
        self._api_gateway = None
        self._definitions: dict[str, dict[str, Any]] = {}  # what each create_function last asked for

    @classmethod
    def from_template(cls, path: str | Path, region: str = "us-east-1", *, parameters: dict[str, Any] | None = None,
                      **options: Any) -> "LocalCloud":
        """A started cloud holding what a SAM or CloudFormation template, a Terraform folder or a serverless.yml
        declares (``parameters``: the template's parameters, Terraform's variables, serverless.yml's ``opt:``).

        Call ``stop()`` when done (or use it in a ``with`` block: ``with LocalCloud.from_template(p) as cloud``).
        """
        from .templates.sources import load
        cloud = cls(region, **options).start()
        try:
            load(path, cloud, parameters=parameters)
        except BaseException:
            cloud.stop()
            raise
        return cloud

    from_terraform = from_serverless = from_template  # one entry: the path says which reader it needs

    # -- lifetime -------------------------------------------------------------------------------

    def start(self) -> "LocalCloud":
        """Start moto (or connect to the endpoint), install fake credentials and the virtual clock."""
        if self._started:
            return self
        self._set_process_environment()
        self.clock.install()
        try:
            if self.endpoint_url is None:
                self._mock = mock_aws()
                self._mock.start()
                moto_patches.install(self.clock)
            else:
                self._connect_endpoint()
        except BaseException:
            self.clock.uninstall()
            self._restore_process_environment()
            raise
        install_simulated_sleep()
        interception.activate(self)
        self.tracer.start()
        self._started = True
        return self

    def stop(self) -> None:
        """Stop everything and give the process its environment and real clock back."""
        if not self._started:
            return
        self.pause()
        if self.endpoint_url is not None:
            self._disconnect_endpoint()
        self.tracer.stop()
        for function in self.functions.values():
            function.close()
        interception.deactivate(self)
        self._clients.clear()
        if self._mock is not None:
            moto_patches.uninstall()
            self._mock.stop()
            self._mock = None
        uninstall_simulated_sleep()
        self.clock.uninstall()
        self._restore_process_environment()
        self._started = False

    def _connect_endpoint(self) -> None:
        """Endpoint mode: the server's account, and the two helpers a server that keeps real time needs."""
        self.account_id = reach_endpoint(self.endpoint_url, self.region)
        self._visibility = VisibilityLedger(self.client("sqs"), self.clock.now)
        self._visibility.activate()
        self.timeline.add(self._visibility)
        self._leftovers = Leftovers(self.client)
        self._leftovers.activate()
        self.queue_backend = EndpointQueues(self.client("sqs"), self._visibility, self.account_id, self.region)

    def _disconnect_endpoint(self) -> None:
        self._leftovers.remove()  # the server keeps what we made: remove it, as moto forgets it
        self._visibility.deactivate()
        self.timeline.remove(self._visibility)

    def __enter__(self) -> "LocalCloud":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._started

    def _set_process_environment(self) -> None:
        changes: dict[str, str | None] = {**FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": self.region}
        changes.update({name: None for name in HIDDEN_VARIABLES})
        if self.endpoint_url is not None:  # every boto3 client of the process, handlers' included, goes there
            changes["AWS_ENDPOINT_URL"] = self.endpoint_url
            # LocalStack takes a 12-digit access key id as the account id: moto's account, so the queue URLs
            # and ARNs written in the labs name the same account on either server.
            changes["AWS_ACCESS_KEY_ID"] = ACCOUNT_ID
        for name, value in changes.items():
            self._saved_environment[name] = os.environ.get(name)
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    def _restore_process_environment(self) -> None:
        for name, value in self._saved_environment.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_environment.clear()

    # -- functions ------------------------------------------------------------------------------

    def create_function(
        self,
        name: str,
        handler: str = "lambda_function.lambda_handler",
        code: str | Path = ".",
        timeout: float = 3,
        memory_size: int = 128,
        environment: dict[str, str] | None = None,
        reserved_concurrency: int | None = None,
        tracing: str = "PassThrough",
        logging_config: dict[str, str] | None = None,
    ) -> FunctionConfig:
        """Create (or replace) a function whose code is the folder or .py file ``code``.

        Validated as the Lambda API validates CreateFunction: timeout 1-900 s, memory 128-10240 MB,
        handler written ``module.function``, the code path must exist. ``tracing="Active"`` (SAM's
        ``Tracing: Active``) records an X-Ray trace of every invocation: see ``cloud.traces()``.
        ``logging_config`` is Lambda's LoggingConfig, e.g. ``{"LogFormat": "JSON", "ApplicationLogLevel":
        "DEBUG", "SystemLogLevel": "INFO", "LogGroup": "/my/group"}`` (default: the Text format).
        """
        arguments.text(name, "the function name")
        arguments.of_type(code, "code", (str, Path), "the path of a folder or .py file, such as 'work/hello'")
        arguments.of_type(timeout, "timeout", (int, float), "a number of seconds")
        arguments.of_type(memory_size, "memory_size", int, "a whole number of MB")
        config = make_config(name, handler, code, timeout, memory_size, arguments.mapping(environment, "environment"),
                             self.region, self.account_id, reserved_concurrency, logging_config=logging_config)
        self.tracer.set_mode(name, tracing)
        definition = _definition(config, tracing)
        previous, self._definitions[name] = self._definitions.get(name), definition
        if previous is not None and previous != definition:  # a re-run cell with the same code says nothing
            print(f"Replaced function {name!r} (changed: {', '.join(_changes(previous, definition))}).")
        replaced, self.functions[name] = self.functions.get(name), Function(config, self.host)
        if replaced is not None:
            replaced.close()
        return config

    def function(self, name_or_arn: str) -> Function:
        """The function called ``name_or_arn`` (a name, or a function ARN, optionally with :$LATEST)."""
        name = function_name_from(arguments.text(name_or_arn, "the function name"))
        try:
            return self.functions[name]
        except KeyError:
            known = ", ".join(sorted(self.functions)) or "none yet"
            raise ResourceNotFoundException(
                f"Function not found: {name!r} (functions in this cloud: {known}). "
                f"Create it first with cloud.create_function({name!r}, ...)") from None

    def invoke(self, name: str, event: Any = None, invocation_type: str = "RequestResponse", *,
               trigger: str = "invoke", client_context: dict | None = None) -> Invocation | None:
        """Invoke a function with ``event`` (any JSON-serialisable value).

        ``RequestResponse`` (the default) runs it now and returns the :class:`Invocation`, with
        ``payload``, ``error``, ``logs``, durations and ``request_id``. ``Event`` queues it, as
        asynchronous invocation does, and returns None: it runs when the clock next moves
        (``cloud.advance(...)`` or ``cloud.run_until_idle()``).
        """
        return self._dispatch(name, event, invocation_type, trigger, client_context)

    def invoke_raw(self, name: str, payload: bytes, invocation_type: str = "RequestResponse", *,
                   trigger: str = "invoke", client_context: dict | None = None,
                   trace_header: str | None = None) -> Invocation | None:
        """Invoke with a payload that is already JSON bytes (what the Lambda API receives).

        ``trace_header`` is the request's ``X-Amzn-Trace-Id``: the invocation continues that trace.
        """
        return self._dispatch(name, payload, invocation_type, trigger, client_context, trace_header)

    def _dispatch(self, name: str, event: Any, invocation_type: str, trigger: str,
                  client_context: dict | None, trace_header: str | None = None) -> Invocation | None:
        function = self.function(name)
        start, outside = self._caller_instant()
        if invocation_type == "Event":
            request_id = self.async_queue.submit(function, arguments.event_payload(event, ASYNC_PAYLOAD_LIMIT), trigger, start)
            self.tracer.carry(request_id, trace_header)  # an asynchronous event keeps its caller's trace
            return None
        if invocation_type != "RequestResponse":
            raise InvalidParameterValueException(
                f"invocation_type {invocation_type!r} is not one of 'RequestResponse', 'Event'")
        payload = arguments.event_payload(event, SYNC_PAYLOAD_LIMIT)
        if not self.concurrency.has_room(function.config.name, function.config.reserved_concurrency, start):
            self.concurrency.record_throttle(function.config.name)
            raise TooManyRequestsException(
                f"Rate Exceeded: {function.config.name!r} already runs as many invocations as its concurrency "
                f"allows at {start:%H:%M:%S} (reserved: {function.config.reserved_concurrency}, account: "
                f"{self.concurrency.account_limit}). Retry later, or put a queue in front of it.")
        invocation = self.run(function, payload, trigger, client_context=client_context, start=start,
                              trace_header=trace_header)
        if outside:
            self._sync_caller_free = start + timedelta(milliseconds=invocation.duration_ms + (invocation.init_duration_ms or 0))
        return invocation

    def _caller_instant(self) -> tuple[datetime, bool]:
        """When a call made now starts on the virtual clock, and whether its caller is outside the cloud.

        A caller outside any handler (a notebook, a test, an HTTP client) waits for each synchronous
        call to return before making the next, so its calls never overlap one another: each call, and
        each event it queues, starts when its previous synchronous call ended. A call made from inside
        a handler starts at the instant that handler has reached; one made by a firing trigger (a
        schedule) at the trigger's instant.
        """
        if current_budget() is not None:
            return self.runtime.start_time(), False
        if self.timeline.firing:
            return self.clock.now(), False
        return max(self.clock.now(), self._sync_caller_free), True

    def run(self, function: Function, payload: bytes, trigger: str, *, request_id: str | None = None,
            client_context: dict | None = None, start: datetime | None = None,
            trace_header: str | None = None) -> Invocation:
        """Run one invocation now and book its concurrency from ``start`` (callers checked there is room)."""
        invocation = self.runtime.invoke(function, payload, trigger, client_context, request_id=request_id,
                                         trace_header=trace_header, at=start)
        self.concurrency.occupy(function.config.name, invocation.time,
                                invocation.duration_ms + (invocation.init_duration_ms or 0))
        return invocation

    def delete_function(self, name: str) -> None:
        """Delete a function with its environments and settings (Lambda's DeleteFunction).

        As in AWS, its event source mappings stay (delete them with delete_event_source_mapping): they
        invoke nothing, and their queue's messages wait.
        """
        config = self.function(name).config
        self.functions.pop(config.name).close()
        self._definitions.pop(config.name, None)
        self.tracer.modes.pop(config.name, None)
        self.async_queue.configs.pop(config.name, None)

    def function_arn(self, name: str) -> str:
        return self.function(name).config.arn

    def set_reserved_concurrency(self, name: str, reserved: int | None) -> None:
        """Reserve (and cap) concurrency for a function; None removes the reservation."""
        if reserved is not None and (not isinstance(reserved, int) or reserved < 0):
            raise InvalidParameterValueException(f"reserved concurrency {reserved!r} is invalid: use a whole number, 0 or more")
        function = self.function(name)
        function.config = dataclasses.replace(function.config, reserved_concurrency=reserved)

    def set_tracing(self, name: str, mode: str = "Active") -> None:
        """A function's X-Ray tracing mode, ``Active`` or ``PassThrough`` (Lambda's TracingConfig)."""
        self.tracer.set_mode(self.function(name).config.name, mode)

    def configure_async(self, name: str, maximum_retry_attempts: int = 2, maximum_event_age: int = 21600,
                        on_failure: str | None = None, on_success: str | None = None) -> None:
        """A function's asynchronous invocation settings (Lambda's EventInvokeConfig).

        ``on_failure`` / ``on_success`` name an SQS queue (name, URL or ARN) that receives a record of
        each event that failed for good / succeeded.
        """
        from .triggers.asynchronous import AsyncConfig
        self.function(name)
        arguments.whole_number(maximum_retry_attempts, "maximum_retry_attempts", 0, 2, "retries")
        arguments.whole_number(maximum_event_age, "maximum_event_age", 60, 21600, "seconds")
        self.async_queue.configs[name] = AsyncConfig(
            maximum_retry_attempts, timedelta(seconds=maximum_event_age),
            self.queue_url(on_failure) if on_failure else None, self.queue_url(on_success) if on_success else None)

    @property
    def invocations(self) -> list[Invocation]:
        """Every invocation so far, oldest first."""
        return self.runtime.history

    def logs(self, name: str) -> str:
        """All the log text of one function (what CloudWatch shows in /aws/lambda/NAME)."""
        self.function(name)
        return "".join(self.runtime.log_text.get(name, []))

    def traces(self, function: str | None = None) -> list[Trace]:
        """The X-Ray traces recorded so far, oldest first (only those through ``function``, if given)."""
        return self.tracer.traces(function)

    def trace(self, invocation: Invocation) -> Trace:
        """The trace that recorded ``invocation`` (its function needs tracing="Active", or a traced caller)."""
        for trace in self.traces():
            if trace.id == invocation.trace_id:
                return trace
        raise LookupError(f"{invocation!r} was not traced: create its function with tracing='Active', "
                          f"or invoke it from a traced function")

    def cost(self) -> CostEstimate:
        """What everything that ran so far would cost on AWS (``.monthly(1_000_000)`` projects it)."""
        return estimate(self.invocations, self.functions, self.event_source_mappings, self)

    # -- queues and their triggers --------------------------------------------------------------

    def client(self, service: str):
        """A boto3 client for ``service`` in this cloud's region (answered by moto or the endpoint), cached."""
        if service not in self._clients:
            import boto3
            self._clients[service] = boto3.client(service, region_name=self.region, endpoint_url=self.endpoint_url)
        return self._clients[service]

    @property
    def sqs(self):
        return self.client("sqs")

    def create_queue(self, name: str, dead_letter_queue: str | None = None, max_receive_count: int | None = None,
                     visibility_timeout: int = 30, delay_seconds: int = 0, fifo: bool = False,
                     message_retention_period: int | None = None) -> str:
        """Create an SQS queue (and its dead-letter queue, if it does not exist yet); returns its URL.

        ``dead_letter_queue`` names the queue that receives messages after ``max_receive_count``
        receives without being deleted (the queue's redrive policy).
        """
        dead_letter_arn = None
        if arguments.text(dead_letter_queue, "dead_letter_queue", optional=True) is not None:
            dlq_name = queue_name_from(dead_letter_queue)
            if dlq_name not in self.queue_names():
                self.create_queue(dlq_name, fifo=fifo)
            dead_letter_arn = self.queue_arn(dlq_name)
        attributes = queue_attributes(name, dead_letter_arn, max_receive_count, visibility_timeout, delay_seconds,
                                      fifo, message_retention_period)
        return self.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]

    def queue_names(self) -> list[str]:
        return self.queue_backend.names()

    def queue_name(self, queue: str) -> str:
        """A queue's name from its name, URL or ARN (raises naming the queue if it does not exist)."""
        name = queue_name_from(arguments.text(queue, "the queue"))
        if name not in self.queue_names():
            known = ", ".join(sorted(self.queue_names())) or "none yet"
            raise ResourceNotFoundException(
                f"queue {queue!r} does not exist (queues in this cloud: {known}). Create it with cloud.create_queue")
        return name

    def queue_url(self, queue: str) -> str:
        return self.queue_backend.url(self.queue_name(queue))

    def queue_arn(self, queue: str) -> str:
        return f"arn:aws:sqs:{self.region}:{self.account_id}:{self.queue_name(queue)}"

    def queue_depths(self) -> dict[str, dict[str, int]]:
        """For every queue: messages ``visible``, ``in_flight`` (received, not deleted) and ``delayed``."""
        return self.queue_backend.depths()

    def create_event_source_mapping(self, queue: str, function: str, batch_size: int = 10,
                                    maximum_batching_window: int = 0, report_batch_item_failures: bool = False,
                                    enabled: bool = True) -> EventSourceMapping:
        """Make ``queue`` trigger ``function``: Lambda polls it and invokes the function with batches."""
        name = self.queue_name(queue)
        target = self.function(function)
        fifo = name.endswith(".fifo")
        arguments.whole_number(batch_size, "batch_size", 1, MAX_BATCH_FIFO if fifo else MAX_BATCH_STANDARD,
                               f"records for {'FIFO' if fifo else 'standard'} queues")
        arguments.whole_number(maximum_batching_window, "maximum_batching_window", 0, MAX_BATCHING_WINDOW, "seconds")
        arguments.flag(report_batch_item_failures, "report_batch_item_failures")
        arguments.flag(enabled, "enabled")
        if batch_size > 10 and maximum_batching_window < 1:
            raise InvalidParameterValueException(
                f"batch_size {batch_size} is above 10: Lambda then needs maximum_batching_window of at least 1 second")
        visibility = int(self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url(name), AttributeNames=["VisibilityTimeout"])["Attributes"]["VisibilityTimeout"])
        if visibility < target.config.timeout:
            raise InvalidParameterValueException(
                f"Queue visibility timeout: {visibility} seconds is less than Function timeout: "
                f"{target.config.timeout:g} seconds. Raise the queue's visibility_timeout (AWS recommends 6 times the "
                f"function timeout) or lower the function's timeout")
        mapping = EventSourceMapping(self, name, target.config.name, batch_size, maximum_batching_window,
                                     report_batch_item_failures, enabled)
        self.event_source_mappings[mapping.uuid] = mapping
        self.timeline.add(mapping)
        return mapping

    def delete_event_source_mapping(self, mapping_id: str) -> EventSourceMapping:
        mapping = self.event_source_mappings.pop(mapping_id, None)
        if mapping is None:
            raise ResourceNotFoundException(f"event source mapping {mapping_id!r} does not exist")
        self.timeline.remove(mapping)
        return mapping

    def schedule(self, rule_name: str, expression: str, function: str, input: Any = None,
                 enabled: bool = True) -> ScheduledRule:
        """An EventBridge rule that invokes ``function`` on a schedule: ``rate(1 minute)``, ``cron(...)``, ``at(...)``.

        The function receives the scheduled event, or ``input`` when given.
        """
        check_input(input, check_rule_name(rule_name))  # refused here, as EventBridge's PutRule / PutTargets refuse them
        return self.rules.add(rule_name, expression, function, input, arguments.flag(enabled, "enabled"))

    # -- HTTP APIs (API Gateway) -----------------------------------------------------------------

    @property
    def api_gateway(self):
        """The local API Gateway (REST and HTTP APIs) that turns HTTP requests into events."""
        if self._api_gateway is None:
            from .gateway.api_gateway import ApiGateway  # Flask is imported only when an API is used
            self._api_gateway = ApiGateway(self, lambda issuer: cognito.issuer_keys(issuer, self.account_id, self.endpoint_url))
        return self._api_gateway

    def add_route(self, method: str, path: str, function: str, api: str = "rest", **options: Any) -> None:
        """Route ``METHOD /path`` (``{id}`` and ``{proxy+}`` parameters, method ``ANY``) to a function.

        ``api="rest"`` sends API Gateway REST events (payload 1.0), ``api="http"`` HTTP API events (2.0).
        """
        self.api_gateway.add_route(method, path, function, api=api, **options)

    def http_app(self):
        """A Flask app serving every route: use ``.test_client()`` or run it as a server."""
        return self.api_gateway.app()

    # -- observers -------------------------------------------------------------------------------

    def subscribe(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` after every invocation and every move of the clock (for widgets)."""
        self._observers.append(callback)

    def unsubscribe(self, callback: Callable[[], None]) -> None:
        if callback in self._observers:
            self._observers.remove(callback)

    def _notify(self) -> None:
        if self._observers:  # an observer is the notebook's code: it never sees a function's variables
            self.runtime.release_variables()
        for callback in list(self._observers):
            callback()

    # -- time -----------------------------------------------------------------------------------

    def advance(self, *, seconds: float = 0, minutes: float = 0, hours: float = 0, days: float = 0) -> None:
        """Move virtual time forward, firing everything that falls due on the way, in time order."""
        amounts = {"seconds": seconds, "minutes": minutes, "hours": hours, "days": days}
        delta = timedelta(**{unit: arguments.finite_number(amount, unit) for unit, amount in amounts.items()})
        if delta < timedelta(0):  # the clock never goes back, as time in AWS does not
            raise ValueError(f"advance() moves time forward only (got {delta.total_seconds():g} seconds): "
                             f"pass a positive amount, e.g. cloud.advance(minutes=5)")
        self.advance_to(self.clock.now() + delta)

    def advance_to(self, moment: datetime) -> None:
        """Move virtual time to ``moment``, firing everything due on the way."""
        self.rules.sync()
        with self.runtime.batch():
            self.timeline.advance_to(moment)
        self._notify()

    def run_until_idle(self, limit: timedelta = timedelta(days=1)) -> timedelta:
        """Advance until no message, retry or invocation is pending; returns the virtual time it took."""
        arguments.of_type(limit, "limit", timedelta, "a timedelta, such as timedelta(hours=2)")
        self.rules.sync()
        try:
            with self.runtime.batch():
                return self.timeline.run_until_idle(limit)
        finally:
            self._notify()

    def play(self, speed: float = 1.0) -> None:
        """Real-time mode: the clock follows the wall clock, ``speed`` times faster, until pause()."""
        self.pause()
        self._player = RealTimePlayer(self.clock, self.advance_to, speed)
        self._player.start()

    def pause(self) -> None:
        """Stop real-time mode (re-raising any error a trigger met while playing)."""
        if self._player is None:
            return
        player, self._player = self._player, None
        player.stop()
        if player.error is not None:
            raise player.error


def _definition(config: FunctionConfig, tracing: str) -> dict[str, Any]:
    """What a create_function call asked for: the configuration, the tracing mode and a digest of the code."""
    return {**{field.name: getattr(config, field.name) for field in dataclasses.fields(config)},
            "tracing": tracing, "code": config.code_digest()}


def _changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return [key if key == "code" else f"{key} {old[key]} -> {new[key]}" for key in new if old[key] != new[key]]
