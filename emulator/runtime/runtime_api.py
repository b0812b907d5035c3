"""The Lambda Runtime API: how the Lambda service and the runtime inside an execution environment talk.

In AWS your function's code does not run inside the Lambda service. Each execution environment is a
small virtual machine whose ``bootstrap`` process (for Python, the runtime interface client
``awslambdaric``) *asks* the service for work over HTTP, at the address in ``AWS_LAMBDA_RUNTIME_API``:

- ``GET /2018-06-01/runtime/invocation/next`` blocks until there is an event. Its body is the event's
  JSON; its headers carry the rest of the context: ``Lambda-Runtime-Aws-Request-Id``,
  ``Lambda-Runtime-Deadline-Ms`` (the epoch millisecond at which the function times out),
  ``Lambda-Runtime-Invoked-Function-Arn``, ``Lambda-Runtime-Trace-Id`` and, when the caller gave them,
  ``Lambda-Runtime-Client-Context`` and ``Lambda-Runtime-Cognito-Identity``;
- ``POST /2018-06-01/runtime/invocation/{id}/response`` gives back the handler's result;
- ``POST /2018-06-01/runtime/invocation/{id}/error`` reports a function error: the body is the error
  envelope, the header ``Lambda-Runtime-Function-Error-Type`` its type;
- ``POST /2018-06-01/runtime/init/error`` reports that the function could not even be loaded.

The service never calls the runtime: everything starts with the runtime's request. That is why the
service can freeze an environment between invocations, and kill it when its time is up.

:class:`RuntimeApi` is the service's end, one per process-hosted execution environment, on
127.0.0.1 and a free port. Besides AWS's paths it serves the kit's own, under ``/lambda-lab/``, which
AWS does not have: the virtual time at which an invocation starts and the variables set for it, a
report of what the runtime saw (log text, simulated sleep, init time), and the AWS bridge, which
hands a boto3 request made by the handler to the local cloud that answers it.
"""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API = "/2018-06-01/runtime"
PRIVATE = "/lambda-lab"
MAX_BODY = 64 * 2**20  # a request larger than this is refused (413), whatever it carries


@dataclass
class QueuedInvocation:
    """An event waiting for the runtime's next ``GET .../invocation/next``."""

    request_id: str
    payload: bytes
    deadline_ms: int  # epoch milliseconds on the virtual clock
    function_arn: str
    trace_id: str | None = None
    client_context: dict | None = None
    identity: dict | None = None
    # The kit's own (served at /lambda-lab/invocation/{id}): when it starts, the variables it changes.
    virtual_time_ms: int = 0
    variables: dict[str, str] = field(default_factory=dict)


@dataclass
class Message:
    """What the runtime said, for the service to act on: ``kind`` is ``response``, ``error``,
    ``init_error``, ``timeout``, ``aws`` (a bridged request, to answer with :meth:`answer`) or
    ``exit`` (the process ended, put there by whoever watches it)."""

    kind: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    request_id: str | None = None
    _answered: threading.Event = field(default_factory=threading.Event, repr=False)
    _answer: tuple[int, dict[str, str], bytes] = (500, {}, b"")

    def answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self._answer = (status, headers, body)
        self._answered.set()


class RuntimeApi:
    """The Lambda service's end of one execution environment's Runtime API."""

    def __init__(self) -> None:
        self.invocations: queue.Queue[QueuedInvocation | None] = queue.Queue()
        self.inbox: queue.Queue[Message] = queue.Queue()
        self.current: QueuedInvocation | None = None  # handed out by /next, not answered yet
        self.report: dict[str, Any] = {}  # the runtime's last report on the current invocation
        self.handed_out_at = 0.0  # perf_counter() when the runtime last took an invocation
        self._waiting: list[Message] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.api = self
        threading.Thread(target=self._server.serve_forever, name="lambda-runtime-api", daemon=True).start()

    @property
    def address(self) -> str:
        """``host:port``, what ``AWS_LAMBDA_RUNTIME_API`` holds."""
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def queue(self, invocation: QueuedInvocation) -> None:
        """Hand ``invocation`` to the runtime's next ``/invocation/next``."""
        self.report = {}
        self.invocations.put(invocation)

    def close(self) -> None:
        """Stop serving: a blocked ``/next`` and any bridged request waiting for an answer are released."""
        self.invocations.put(None)
        for message in self._waiting:
            message.answer(503, {}, b"the execution environment was shut down")
        threading.Thread(target=self._stop_serving, name="lambda-runtime-api-stop", daemon=True).start()

    def _stop_serving(self) -> None:
        self._server.shutdown()  # waits for the serving loop's next poll: not on the invocation's path
        self._server.server_close()

    def ask(self, message: Message) -> tuple[int, dict[str, str], bytes]:
        """Put a bridged request in the inbox and wait until the service answers it."""
        self._waiting.append(message)
        self.inbox.put(message)
        message._answered.wait()
        self._waiting.remove(message)
        return message._answer


class _Server(ThreadingHTTPServer):
    """One thread per connection; a connection the runtime drops (its process was killed) is no error."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class _Handler(BaseHTTPRequestHandler):
    """One connection from the runtime (HTTP/1.1 keep-alive: the runtime client reuses it)."""

    protocol_version = "HTTP/1.1"
    server: Any

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # small requests go out at once

    def log_message(self, format: str, *args: Any) -> None:  # the service's access log is not the function's
        pass

    def do_GET(self) -> None:
        api: RuntimeApi = self.server.api
        if self.path == f"{API}/invocation/next":
            self._next(api)
        elif self.path.startswith(f"{PRIVATE}/invocation/") and api.current is not None \
                and self.path.rsplit("/", 1)[-1] == api.current.request_id:
            self._reply(200, json.dumps({"virtual_time_ms": api.current.virtual_time_ms,
                                         "variables": api.current.variables}).encode())
        else:
            self._reply(404, _error_body("InvalidPath", f"no such path: GET {self.path}"))

    def do_POST(self) -> None:
        api: RuntimeApi = self.server.api
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            self._reply(413, _error_body("RequestEntityTooLarge", f"{length} bytes is more than this API takes"))
            return
        body = self.rfile.read(length)
        parts = self.path.split("/")
        if self.path == f"{API}/init/error":
            self._accept(api, Message("init_error", body, self._error_type()))
        elif self.path.startswith(f"{API}/invocation/") and len(parts) == 6 and parts[5] in ("response", "error"):
            self._answer_invocation(api, parts[4], parts[5], body)
        elif self.path.startswith(f"{PRIVATE}/invocation/") and self.path.endswith("/report"):
            api.report = json.loads(body or b"{}")
            if api.report.get("timed_out"):
                api.inbox.put(Message("timeout", request_id=parts[3]))
            self._reply(202, b'{"status":"OK"}')
        elif self.path == f"{PRIVATE}/aws":
            headers = {name: value for name, value in self.headers.items() if name.lower().startswith("lambda-lab-")}
            status, answer_headers, answer = api.ask(Message("aws", body, headers))
            self._reply(status, answer, answer_headers)
        else:
            self._reply(404, _error_body("InvalidPath", f"no such path: POST {self.path}"))

    def _next(self, api: RuntimeApi) -> None:
        invocation = api.invocations.get()
        if invocation is None:  # the environment is shutting down
            self.close_connection = True
            return
        api.current, api.handed_out_at = invocation, time.perf_counter()
        headers = {
            "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
            "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": invocation.function_arn,
        }
        if invocation.trace_id:
            headers["Lambda-Runtime-Trace-Id"] = invocation.trace_id
        # Sent only when the caller gave them, as JSON text (Invoke's ClientContext is base64 of that JSON).
        if invocation.client_context is not None:
            headers["Lambda-Runtime-Client-Context"] = json.dumps(invocation.client_context)
        if invocation.identity is not None:
            headers["Lambda-Runtime-Cognito-Identity"] = json.dumps(invocation.identity)
        self._reply(200, invocation.payload, headers)

    def _answer_invocation(self, api: RuntimeApi, request_id: str, kind: str, body: bytes) -> None:
        if api.current is None or request_id != api.current.request_id:
            # The Runtime API refuses an answer for a request that is not the one in progress.
            self._reply(400, _error_body("InvalidRequestID", f"Invalid request ID: {request_id!r}"))
            return
        api.current = None
        self._accept(api, Message(kind, body, self._error_type(), request_id))

    def _accept(self, api: RuntimeApi, message: Message) -> None:
        api.inbox.put(message)  # before the reply: a runtime that exits right after (an init error) is heard first
        self._reply(202, b'{"status":"OK"}')  # the Runtime API's answer to a response or an error

    def _error_type(self) -> dict[str, str]:
        error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
        return {"error_type": error_type} if error_type else {}

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _error_body(error_type: str, message: str) -> bytes:
    """The Runtime API's own error shape."""
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()
