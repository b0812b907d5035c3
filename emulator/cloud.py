"""LocalCloud: one object that is the whole local AWS account of a notebook or a test.

It owns moto's lifetime (while it runs, plain boto3 calls to SQS, S3, DynamoDB, SNS, IAM and
EventBridge are answered in-process by moto, with fake credentials and no network), the Lambda
runtime that runs your handlers, and the virtual clock on which every trigger fires.

    with LocalCloud() as cloud:
        cloud.create_function("hello", code="work/hello")
        print(cloud.invoke("hello", {"key1": "value1"}).payload)

In a notebook, where one ``with`` block cannot span cells, use ``cloud = LocalCloud(); cloud.start()``
and ``cloud.stop()`` at the end.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from moto import mock_aws

from .clock import RealTimePlayer, VirtualClock
from .runtime import (ASYNC_PAYLOAD_LIMIT, Function, FunctionConfig, Invocation, ResourceNotFoundException,
                      Runtime, encode_payload, make_config)
from .timeline import Timeline

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
    """A local AWS account: moto for the APIs, a Lambda runtime for your code, one virtual clock."""

    def __init__(self, region: str = "us-east-1", *, start_time: datetime | None = None) -> None:
        self.region = region
        self.account_id = ACCOUNT_ID
        self.clock = VirtualClock(start_time)
        self.timeline = Timeline(self.clock)
        self.runtime = Runtime(self.clock.now)
        self.functions: dict[str, Function] = {}
        self._mock = None
        self._saved_environment: dict[str, str | None] = {}
        self._player: RealTimePlayer | None = None
        self._api_gateway = None

    @classmethod
    def from_template(cls, path: str | Path, region: str = "us-east-1", **options: Any) -> "LocalCloud":
        """A started cloud holding what a SAM ``template.yaml`` declares: functions, queues, triggers, routes.

        Call ``stop()`` when done (or use it in a ``with`` block: ``with LocalCloud.from_template(p) as cloud``).
        """
        from .template import load_template
        cloud = cls(region, **options).start()
        try:
            load_template(path, cloud)
        except BaseException:
            cloud.stop()
            raise
        return cloud

    # -- lifetime -------------------------------------------------------------------------------

    def start(self) -> "LocalCloud":
        """Start moto, install fake credentials and the virtual clock. Returns the cloud."""
        if self._mock is not None:
            return self
        self._set_process_environment()
        self.clock.install()
        self._mock = mock_aws()
        self._mock.start()
        return self

    def stop(self) -> None:
        """Stop everything and give the process its environment and real clock back."""
        if self._mock is None:
            return
        self.pause()
        self._mock.stop()
        self._mock = None
        self.clock.uninstall()
        self._restore_process_environment()

    def __enter__(self) -> "LocalCloud":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._mock is not None

    def _set_process_environment(self) -> None:
        changes: dict[str, str | None] = {**FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": self.region}
        changes.update({name: None for name in HIDDEN_VARIABLES})
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
    ) -> FunctionConfig:
        """Create (or replace) a function whose code is the folder or .py file ``code``.

        Validated as the Lambda API validates CreateFunction: timeout 1-900 s, memory 128-10240 MB,
        handler written ``module.function``, the code path must exist.
        """
        config = make_config(name, handler, code, timeout, memory_size, environment, self.region,
                             self.account_id, reserved_concurrency)
        self.functions[name] = Function(config)
        return config

    def function(self, name_or_arn: str) -> Function:
        """The function called ``name_or_arn`` (a name, or a function ARN, optionally with :$LATEST)."""
        name = function_name_from(name_or_arn)
        try:
            return self.functions[name]
        except KeyError:
            known = ", ".join(sorted(self.functions)) or "none yet"
            raise ResourceNotFoundException(
                f"Function not found: {name!r} (functions in this cloud: {known}). "
                f"Create it first with cloud.create_function({name!r}, ...)") from None

    def invoke(self, name: str, event: Any = None, invocation_type: str = "RequestResponse", *,
               trigger: str = "invoke", client_context: dict | None = None) -> Invocation | None:
        """Invoke a function.

        ``RequestResponse`` (the default) runs it now and returns the :class:`Invocation`, with
        ``payload``, ``error``, ``logs``, durations and ``request_id``. ``Event`` queues it, as
        asynchronous invocation does, and returns None; it runs when the clock next moves.
        """
        function = self.function(name)
        if invocation_type == "Event":
            self.async_queue.submit(function, encode_payload(event, ASYNC_PAYLOAD_LIMIT), trigger)
            return None
        if invocation_type != "RequestResponse":
            raise ValueError(f"invocation_type {invocation_type!r} is not one of 'RequestResponse', 'Event'")
        return self.runtime.invoke(function, encode_payload(event), trigger, client_context)

    @property
    def invocations(self) -> list[Invocation]:
        """Every invocation so far, oldest first."""
        return self.runtime.history

    def logs(self, name: str) -> str:
        """All the log text of one function (what CloudWatch shows in /aws/lambda/NAME)."""
        self.function(name)
        return "".join(self.runtime.log_text.get(name, []))

    # -- HTTP APIs (API Gateway) -----------------------------------------------------------------

    @property
    def api_gateway(self):
        """The local API Gateway (REST and HTTP APIs) that turns HTTP requests into events."""
        if self._api_gateway is None:
            from .http import ApiGateway  # Flask is imported only when an API is used
            self._api_gateway = ApiGateway(self)
        return self._api_gateway

    def add_route(self, method: str, path: str, function: str, api: str = "rest", **options: Any) -> None:
        """Route ``METHOD /path`` (``{id}`` and ``{proxy+}`` parameters, method ``ANY``) to a function.

        ``api="rest"`` sends API Gateway REST events (payload 1.0), ``api="http"`` HTTP API events (2.0).
        """
        self.api_gateway.add_route(method, path, function, api=api, **options)

    def http_app(self):
        """A Flask app serving every route: use ``.test_client()`` or run it as a server."""
        return self.api_gateway.app()

    # -- time -----------------------------------------------------------------------------------

    def advance(self, *, seconds: float = 0, minutes: float = 0, hours: float = 0, days: float = 0) -> None:
        """Move virtual time forward, firing everything that falls due on the way, in time order."""
        delta = timedelta(seconds=seconds, minutes=minutes, hours=hours, days=days)
        if delta < timedelta(0):
            raise ValueError(f"advance() moves time forward only (got {delta})")
        self.timeline.advance_to(self.clock.now() + delta)

    def run_until_idle(self, limit: timedelta = timedelta(days=1)) -> timedelta:
        """Advance until no message, retry or invocation is pending; returns the virtual time it took."""
        return self.timeline.run_until_idle(limit)

    def play(self, speed: float = 1.0) -> None:
        """Real-time mode: the clock follows the wall clock, ``speed`` times faster, until pause()."""
        self.pause()
        self._player = RealTimePlayer(self.clock, self.timeline.advance_to, speed)
        self._player.start()

    def pause(self) -> None:
        """Stop real-time mode (re-raising any error a trigger met while playing)."""
        if self._player is None:
            return
        player, self._player = self._player, None
        player.stop()
        if player.error is not None:
            raise player.error


def function_name_from(name_or_arn: str) -> str:
    """``my-fn``, ``arn:aws:lambda:REGION:ACCOUNT:function:my-fn[:qualifier]`` or ``ACCOUNT:function:my-fn``."""
    parts = name_or_arn.split(":")
    if "function" in parts:
        return parts[parts.index("function") + 1]
    return parts[0]
