"""Execution environments in a process of their own, behind the Lambda Runtime API, as in AWS.

In AWS the Lambda service and your code never share a process: each execution environment runs a
runtime (``bootstrap.py`` here) that fetches events from the service's Runtime API
(``runtime_api.py``) and posts back results. What your code does to its process (``sys.exit``,
``os._exit``, ``os.chdir``, changing ``os.environ``, a thread that never ends, a crash) stays in that
process; the service only sees that it answered, failed, ran out of time or exited.

A :class:`ProcessEnvironment` is the service's side of one such environment. Its first invocation
starts the process (a cold start: it is forked from the fork server, ``forkserver.py``, and that
start counts in the Init Duration, as the runtime's start does in AWS); later ones hand it the
event through the Runtime API (warm). The service keeps
its own duties: it writes START/END/REPORT (``invoke.py``), stops a function past its timeout by
killing the process, and reports a process that exited during an invocation as ``Runtime.ExitError``.
An environment that timed out, failed its Init or exited is gone: the next invocation is cold.

While a function runs, a boto3 call it makes comes back through the Runtime API's private bridge
and is answered here, in the service's process, by whatever ``answer_aws`` the local cloud gave (its
moto, its Lambda API): the same answers as for code running in-process.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable

from . import exits
from ..platform import network
from .environment import code_fingerprint
from .forkserver import PYTHON_VARIABLES, fork_server
from .function import FunctionConfig
from .runtime_api import Message, QueuedInvocation, RuntimeApi
from .timeouts import TimeBudget, counting

if TYPE_CHECKING:
    from .invoke import _Outcome

GRACE_SECONDS = 1.0  # past the deadline, how long the runtime may take to say it noticed, before it is killed

# answer_aws(event_name, method, url, headers, body) -> (status, headers, body): the local cloud's answer.
AwsAnswerer = Callable[[str, str, str, dict, bytes], tuple[int, dict, bytes]]


class ProcessHost:
    """Makes process-hosted execution environments: what ``LocalCloud(isolation="process")`` uses."""

    def __init__(self, answer_aws: AwsAnswerer, credential_variables: tuple[str, ...]) -> None:
        self.answer_aws = answer_aws
        self.credential_variables = credential_variables  # the service's, which a function's process gets

    def credentials(self) -> dict[str, str]:
        """AWS gives a function its role's credentials in its environment; here, the service's (fake) ones."""
        return {name: os.environ[name] for name in self.credential_variables if name in os.environ}

    def __call__(self, config: FunctionConfig) -> "ProcessEnvironment":
        return ProcessEnvironment(config, self)


class ProcessEnvironment:
    """One execution environment hosted in a child process (started at its first invocation)."""

    in_process = False

    def __init__(self, config: FunctionConfig, host: ProcessHost) -> None:
        self.config = config
        self.host = host
        self.busy = False
        self.busy_until = datetime.min.replace(tzinfo=timezone.utc)
        self.log_stream = f"{datetime.now(timezone.utc):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        self.pid: int | None = None  # the runtime's process, once started
        self.exited = False
        self.api: RuntimeApi | None = None
        self.files: list[str] | None = None  # the code's files the runtime loaded, once its Init succeeded
        self.fingerprint: tuple = ()
        self._started_with: dict[str, str] = {}

    @property
    def initialized(self) -> bool:
        return self.files is not None and self.pid is not None

    def is_stale(self) -> bool:
        """True when its process has ended, or the code on disk changed since it was loaded (hot reload)."""
        if self.exited:
            self.close()
            return True
        return self.initialized and code_fingerprint(self.config.code_dir, self.files) != self.fingerprint

    def close(self) -> None:
        """End the process and its Runtime API (what the handler forked ends with the service's process group)."""
        pid, self.pid, self.files = self.pid, None, None
        if pid is not None and not self.exited:
            try:
                os.kill(pid, signal.SIGKILL)  # the fork server reaps it
            except ProcessLookupError:
                pass  # it ended a moment ago (an init error's exit), and the news is on its way
        if self.api is not None:
            self.api.close()
            self.api = None

    def execute(self, payload: bytes, request_id: str, client_context: dict | None, identity: dict | None,
                started_at: datetime, variables: list[tuple], outcome: "_Outcome", budget: TimeBudget,
                sink: list[str]) -> None:
        """Run one invocation in the process (starting it when cold) and fill ``outcome`` and ``sink``.

        ``variables`` are the invocation's environment, encoded as ``os.environ`` stores them.
        """
        variables = {os.fsdecode(name): os.fsdecode(value) for name, value in variables}
        cold = self.pid is None
        if cold:
            self._start(variables)
        start_ms = int(started_at.timestamp() * 1000)
        self.api.queue(QueuedInvocation(
            request_id=request_id, payload=payload, function_arn=self.config.arn,
            deadline_ms=start_ms + int(self.config.timeout * 1000), trace_id=variables.get("_X_AMZN_TRACE_ID"),
            client_context=client_context, identity=identity, virtual_time_ms=start_ms,
            variables={name: value for name, value in variables.items() if self._started_with.get(name) != value}))
        with counting(budget):  # a function it calls meanwhile starts when this one reached the call
            message = self._wait(budget)
        self._settle(message, request_id, cold, outcome, budget, sink)

    def _start(self, variables: dict[str, str]) -> None:
        """A cold start: the Runtime API, then the runtime's process in the code folder (the task root)."""
        self.api = api = RuntimeApi()
        self._started_with = dict(variables)
        environment = {name: os.environ[name] for name in PYTHON_VARIABLES if name in os.environ}
        environment.update({**variables, **self.host.credentials(), "AWS_LAMBDA_RUNTIME_API": api.address})
        # A service without network (the grader's test process) starts functions without network too.
        argv = ["--loopback-only"] if network.guarded() else []
        self.exited = False
        self.pid = fork_server().spawn(self.config.code_dir, environment, argv, lambda code: self._ended(api, code))

    def _ended(self, api: RuntimeApi, returncode: int) -> None:
        """The process ended (the fork server says so): it matters to an invocation in progress."""
        self.exited = True
        api.inbox.put(Message("exit", headers={"returncode": str(returncode)}))

    def _wait(self, budget: TimeBudget) -> Message:
        """The runtime's next word on this invocation, answering its AWS requests meanwhile."""
        while True:
            try:
                message = self.api.inbox.get(timeout=max(budget.remaining(), 0.0) + GRACE_SECONDS)
            except queue.Empty:
                return Message("timeout")  # the runtime did not answer in time: the service stops it
            if message.kind != "aws":
                return message
            self._answer(message, budget)

    def _answer(self, message: Message, budget: TimeBudget) -> None:
        """A boto3 request of the handler, answered by the local cloud (with the caller's time kept in step)."""
        headers = {name.lower(): value for name, value in message.headers.items()}
        budget.slept = float(headers.get("lambda-lab-slept", budget.slept))
        try:
            status, answer_headers, body = self.host.answer_aws(
                headers["lambda-lab-event"], headers["lambda-lab-method"], headers["lambda-lab-url"],
                json.loads(headers["lambda-lab-headers"]), message.body)
        except Exception as error:  # a refused or broken request fails in the handler, never in the service
            status, answer_headers, body = 400, {}, json.dumps({"message": f"{type(error).__name__}: {error}"}).encode()
        message.answer(200, {"Lambda-Lab-Status": str(status), "Lambda-Lab-Headers": json.dumps(answer_headers),
                             "Lambda-Lab-Slept": repr(budget.slept)}, body)

    def _settle(self, message: Message, request_id: str, cold: bool, outcome: "_Outcome", budget: TimeBudget,
                sink: list[str]) -> None:
        """Turn the runtime's last word, and its report, into the invocation's outcome and log."""
        report = self.api.report if self.api is not None else {}
        sink.insert(0, report.get("init_log", ""))  # what Init wrote comes before START, as in CloudWatch
        sink.append(report.get("log", ""))
        budget.slept = max(budget.slept, report.get("slept", 0.0))
        if cold and report.get("init_ms") is not None:  # the process's start-up is part of Init, as in AWS
            outcome.init_ms = (self.api.handed_out_at - budget.started) * 1000 + report["init_ms"]
        if message.kind == "response":
            outcome.response = message.body
            self._loaded(report)
        elif message.kind == "error":
            outcome.error = json.loads(message.body)
            self._loaded(report)
        elif message.kind == "init_error":
            outcome.error = json.loads(message.body)
            self.close()
        elif message.kind == "timeout":
            from .invoke import _timeout_envelope
            outcome.error = _timeout_envelope(request_id, self.config.timeout)
            self.close()  # Lambda stops a function whose time is up: its environment is not reused
        else:  # "exit": the process ended before it answered
            outcome.error = exits.exit_envelope(request_id, int(message.headers["returncode"]))
            self.close()

    def _loaded(self, report: dict) -> None:
        """After the first answer: remember the files the runtime loaded, to notice when they are edited."""
        if self.files is None and "files" in report:
            self.files = report["files"]
            self.fingerprint = code_fingerprint(self.config.code_dir, self.files)
