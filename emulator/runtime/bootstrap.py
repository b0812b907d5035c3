"""The runtime client inside a function's own process: what ``awslambdaric`` does in AWS.

In AWS, an execution environment starts a ``bootstrap`` program. For Python it is the runtime
interface client: it reads ``_HANDLER`` and ``LAMBDA_TASK_ROOT``, imports your module, then loops
forever: ``GET /invocation/next`` (waiting for an event), call the handler, ``POST`` the result or
the error envelope, and ask again. Everything it knows about an invocation comes from the Runtime
API's headers (see ``runtime_api.py``); everything it knows about the function, from its environment.

This module is that loop, run as ``python -m emulator.runtime.bootstrap`` in the function's code
folder, with the function's environment. It calls your handler through the very steps of the
in-process mode (``invoke.py``, ``environment.py``, ``context.py``, ``logs.py``, ``errors.py``), so
both modes give the same results, logs and errors. What the Lambda service does (START/END/REPORT,
durations, killing a function past its timeout, noticing that the process exited) stays in the
service, as in AWS.

Two things AWS does not need, and the kit does, travel on the kit's private paths:

- **time**: the process sees the local cloud's virtual clock, moved to each invocation's start, and
  ``time.sleep`` is simulated work that the service adds to the duration (``timeouts.py``);
- **the AWS bridge**: boto3 calls made by the handler are answered by the local cloud of the service
  (moto's state, the local Lambda API), so before botocore would send a request, a hook hands it to
  the service and returns its answer. No request leaves the machine.

One deliberate difference from ``awslambdaric``: the module is imported when the first event has
arrived rather than before asking for it, so that what it prints belongs to the first invocation's log
with its request id, exactly as in the in-process mode.
"""

from __future__ import annotations

import codecs
import http.client
import importlib.abc
import importlib.util
import io
import json
import os
import socket
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from . import exits, logs
from ..aws import sessions
from ..platform import network
from .environment import ExecutionEnvironment
from .function import FunctionConfig, LoggingConfig, make_logging_config
from .invoke import Runtime, _Outcome
from .runtime_api import API, PRIVATE
from .timeouts import TimeBudget, current_budget, install_simulated_sleep


class RuntimeClient:
    """HTTP to the Runtime API at ``AWS_LAMBDA_RUNTIME_API``, one kept-alive connection per thread."""

    def __init__(self, address: str) -> None:
        self.host, _, port = address.partition(":")
        self.port = int(port)
        self._connections = threading.local()

    def request(self, method: str, path: str, body: bytes = b"",
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        connection = getattr(self._connections, "value", None)
        if connection is None:
            connection = self._connections.value = http.client.HTTPConnection(self.host, self.port)
            connection.connect()
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms Nagle waits
        connection.request(method, path, body, headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()

    def next_invocation(self) -> tuple[dict[str, str], bytes]:
        """``GET /invocation/next``: blocks until the service has an event; its headers and body."""
        _, headers, body = self.request("GET", f"{API}/invocation/next")
        return headers, body

    def post(self, path: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.request("POST", path, body, headers)


class _ProcessLog(io.TextIOBase):
    """This process's stdout and stderr: in AWS everything the process writes goes to its log stream.

    The invocation's own thread writes through :func:`logs.capture_output`; other threads (one your
    handler started) write here, into the same list, so their lines land in the log in order.
    """

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def write(self, text: str) -> int:
        self.lines.append(text)
        return len(text)

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:
        return "utf-8"


class _DescriptorOutput:
    """What reaches file descriptors 1 and 2 (a subprocess's output, ``os.write``, C code), into the log.

    In AWS the runtime process's stdout and stderr go to CloudWatch whoever writes them. Here they
    are one pipe that a thread copies into the log; :meth:`flush` waits until all that was written
    before it is in.
    """

    MARK = b"\x00lambda-lab-flush\x00"

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self._read, write = os.pipe()
        for fd in (1, 2):
            os.dup2(write, fd)
        os.close(write)
        self._flushed = threading.Event()
        threading.Thread(target=self._copy, name="lambda-runtime-output", daemon=True).start()

    def _copy(self) -> None:
        decoder, pending = codecs.getincrementaldecoder("utf-8")("replace"), b""
        while chunk := os.read(self._read, 65536):
            *before_marks, pending = (pending + chunk).split(self.MARK)
            held = next(size for size in range(len(self.MARK) - 1, -1, -1) if pending.endswith(self.MARK[:size]))
            text = decoder.decode(b"".join(before_marks) + pending[:len(pending) - held])
            pending = pending[len(pending) - held:]  # perhaps the start of a mark
            if text:
                self.lines.append(text)
            if before_marks:
                self._flushed.set()

    def flush(self) -> None:
        """Return once everything written to fd 1 and 2 so far is in the log (1 s at most)."""
        self._flushed.clear()
        try:
            os.write(1, self.MARK)
        except OSError:  # the handler closed fd 1: nothing more can reach the log that way
            return
        self._flushed.wait(timeout=1)


def main() -> None:
    """Serve invocations until the service ends this process (or the handler does)."""
    if "--loopback-only" in sys.argv:
        network.install_guard()
    client = RuntimeClient(os.environ["AWS_LAMBDA_RUNTIME_API"])
    log: list[str] = []
    sys.stdout = sys.stderr = _ProcessLog(log)
    output = _DescriptorOutput(log)
    install_simulated_sleep()  # time.sleep inside the handler is simulated work, as in-process
    _service[:] = [client]
    _after_import("botocore.handlers", _bridge_boto3)
    runtime = Runtime(clock_now=lambda: datetime.now(timezone.utc), observer=None)  # only its _execute is used
    clock = _VirtualClock()
    environment: ExecutionEnvironment | None = None
    while True:
        headers, payload = client.next_invocation()
        request_id = headers["Lambda-Runtime-Aws-Request-Id"]
        setup = json.loads(client.request("GET", f"{PRIVATE}/invocation/{request_id}")[2])
        clock.move_to(setup["virtual_time_ms"])
        os.environ.update(setup["variables"])  # e.g. _X_AMZN_TRACE_ID, which awslambdaric sets from the header
        budget = TimeBudget((int(headers["Lambda-Runtime-Deadline-Ms"]) - setup["virtual_time_ms"]) / 1000)
        if environment is None:
            environment = ExecutionEnvironment(_config(headers["Lambda-Runtime-Invoked-Function-Arn"], budget.timeout))
        outcome = _Outcome()
        cold = not environment.initialized
        start = logs.start_line(request_id)  # a stand-in: Init's output is placed before it, as in CloudWatch
        log.insert(0, start)
        try:
            with logs.capture_output(request_id, log, environment.config.logging.settings), environment.activated():
                runtime._execute(environment, environment.config, payload, request_id,
                                 os.environ["AWS_LAMBDA_LOG_STREAM_NAME"], _header_json(headers, "Client-Context"),
                                 _header_json(headers, "Cognito-Identity"), outcome, budget)
        except BaseException as leaving:  # the handler ended the process: its log so far still reaches the service
            if not exits.is_exit(leaving):
                raise
            output.flush()
            log.append(exits.exit_output(leaving))  # what Python prints as it ends (stderr is the log)
            _report(client, request_id, log, start, budget, outcome, None)
            raise
        output.flush()
        _report(client, request_id, log, start, budget, outcome, environment if cold else None)
        _answer(client, request_id, outcome, environment)


def _report(client: RuntimeClient, request_id: str, log: list[str], start: str, budget: TimeBudget,
            outcome: _Outcome, cold_environment: ExecutionEnvironment | None) -> None:
    """The kit's private report: the log text before and after START, the simulated sleep, the Init
    time, the files loaded."""
    place = next((index for index, text in enumerate(log) if text is start), 0)
    report: dict[str, Any] = {"init_log": "".join(log[:place]), "log": "".join(log[place + 1:]),
                              "slept": budget.slept, "init_ms": outcome.init_ms, "timed_out": outcome.timed_out}
    log.clear()
    if cold_environment is not None and cold_environment.initialized:
        report["files"] = cold_environment._files  # the service watches them for edits (a hot reload is cold)
    client.post(f"{PRIVATE}/invocation/{request_id}/report", json.dumps(report).encode())


def _answer(client: RuntimeClient, request_id: str, outcome: _Outcome, environment: ExecutionEnvironment) -> None:
    """``/response``, ``/error`` or, when the module could not be loaded, ``/init/error`` and exit 1."""
    if outcome.timed_out:
        return  # the service stops a function whose time is up; it never answers
    if outcome.error is None:
        client.post(f"{API}/invocation/{request_id}/response", outcome.response)
        return
    body = json.dumps(outcome.error).encode()
    headers = {"Lambda-Runtime-Function-Error-Type": outcome.error["errorType"]}
    if not environment.initialized:
        client.post(f"{API}/init/error", body, headers)
        sys.exit(1)  # awslambdaric exits after reporting an init error; the next invocation starts afresh
    client.post(f"{API}/invocation/{request_id}/error", body, headers)


def _header_json(headers: dict[str, str], name: str) -> dict | None:
    value = headers.get(f"Lambda-Runtime-{name}")
    return json.loads(value) if value else None


def _config(function_arn: str, timeout: float) -> FunctionConfig:
    """The function as its runtime knows it: from the variables Lambda sets and the first event's headers."""
    environ = os.environ
    return FunctionConfig(
        name=environ["AWS_LAMBDA_FUNCTION_NAME"], handler=environ["_HANDLER"],
        code_dir=Path(environ["LAMBDA_TASK_ROOT"]), timeout=timeout,
        memory_size=int(environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]), region=environ["AWS_REGION"],
        account_id=function_arn.split(":")[4], logging=_logging_config(environ))


def _logging_config(environ: os._Environ) -> LoggingConfig:
    """The log format and level, as awslambdaric reads them: AWS_LAMBDA_LOG_FORMAT, AWS_LAMBDA_LOG_LEVEL."""
    if environ.get("AWS_LAMBDA_LOG_FORMAT") != "JSON":
        return make_logging_config(None)
    return make_logging_config({"LogFormat": "JSON", "ApplicationLogLevel": environ.get("AWS_LAMBDA_LOG_LEVEL", "INFO")})


class _VirtualClock:
    """The whole process on the service's virtual clock (``platform/virtual_time.py``), started lazily."""

    def __init__(self) -> None:
        self._time = None

    def move_to(self, epoch_ms: int) -> None:
        moment = datetime.fromtimestamp(epoch_ms / 1000, timezone.utc)
        if self._time is None:
            self._time = _start_process_time(moment)
        else:
            self._time.move_to(moment)


def _start_process_time(moment: datetime):
    """ProcessTime at ``moment``, the process's clock from now on."""
    return _virtual_time().ProcessTime(moment)


def _virtual_time():
    """``platform/virtual_time.py``, imported with time-machine's optional pytest plugin kept out."""
    hidden = "pytest" not in sys.modules
    if hidden:
        sys.modules["pytest"] = None  # an import of pytest now raises ImportError, which time-machine expects
    try:
        from ..platform import virtual_time
        return virtual_time
    finally:
        if hidden:
            del sys.modules["pytest"]


PRELOADED_SERVICES = ("sqs", "lambda")  # the labs' handlers make these clients at import time


def preload() -> None:
    """Import what most runtimes need before any function is known (the fork server calls it once).

    boto3 is imported and its default session reads the models of the labs' services, so that a
    handler's ``boto3.client("sqs")`` finds them read; the session keeps no credentials (these clients
    get explicit dummy ones), so each function's process still finds its own in its environment.
    """
    _virtual_time()
    _after_import("botocore.handlers", _bridge_boto3)  # before the default session copies the handlers
    sessions.renew_if_dropped()
    import boto3
    import botocore.handlers  # noqa: F401
    for service in PRELOADED_SERVICES:
        boto3.client(service, region_name="us-east-1", aws_access_key_id="preload", aws_secret_access_key="preload")


# -- the AWS bridge ---------------------------------------------------------------------------------

_service: list[RuntimeClient] = []  # the Runtime API this process's requests go to (none in the fork server)


def _answer_through_the_service(request: Any, event_name: str, **kwargs: Any) -> Any:
    """botocore ``before-send``: hand the request to the service and return its answer as AWS's."""
    from ..aws.interception import stub_response
    if not _service:  # never let a request leave: there is nobody to answer it
        return stub_response(request, 503, b'{"message": "no Lambda service to answer this request"}')
    budget = current_budget()
    body = request.body
    body = body.read() if hasattr(body, "read") else body.encode() if isinstance(body, str) else body or b""
    headers = {name: value.decode("latin-1") if isinstance(value, bytes) else value
               for name, value in request.headers.items()}
    status, answer_headers, answer_body = _service[0].request("POST", f"{PRIVATE}/aws", body, {
        "Lambda-Lab-Event": event_name, "Lambda-Lab-Method": request.method, "Lambda-Lab-Url": request.url,
        "Lambda-Lab-Headers": json.dumps(headers), "Lambda-Lab-Slept": str(budget.slept if budget else 0.0)})
    if budget is not None and "Lambda-Lab-Slept" in answer_headers:
        budget.slept = float(answer_headers["Lambda-Lab-Slept"])  # a function it called slept too
    if "Lambda-Lab-Status" in answer_headers:
        status = int(answer_headers["Lambda-Lab-Status"])
    return stub_response(request, status, answer_body, json.loads(answer_headers.get("Lambda-Lab-Headers", "{}")))


def _bridge_boto3(handlers: Any) -> None:
    """Answer every botocore request of this process from the service's local cloud, from the first
    session on (a session copies the built-in handlers when it is made)."""
    entry = ("before-send", _answer_through_the_service)
    if entry not in handlers.BUILTIN_HANDLERS:
        handlers.BUILTIN_HANDLERS.insert(0, entry)


class _AfterImport(importlib.abc.MetaPathFinder):
    """Run ``then(module)`` right after ``name`` is first imported (nothing is imported before it is needed)."""

    def __init__(self, name: str, then: Callable[[Any], None]) -> None:
        self.name, self.then = name, then

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        original, then = spec.loader.exec_module, self.then

        def exec_module(module: Any) -> None:
            original(module)
            then(module)

        spec.loader.exec_module = exec_module
        return spec


def _after_import(name: str, then: Callable[[Any], None]) -> None:
    if name in sys.modules:  # preloaded by the fork server
        then(sys.modules[name])
    else:
        sys.meta_path.insert(0, _AfterImport(name, then))


if __name__ == "__main__":
    main()
