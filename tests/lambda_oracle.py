"""AWS's own Python runtime client (awslambdaric) run behind a small Lambda Runtime API: the oracle.

In AWS, a Python function runs in a process started as ``python -m awslambdaric module.handler``.
That process asks the *Runtime API* (an HTTP server the Lambda service runs inside the execution
environment, its address in ``AWS_LAMBDA_RUNTIME_API``) for the next event, calls the handler, and
posts the result back::

    GET  /2018-06-01/runtime/invocation/next               -> the event, and Lambda-Runtime-* headers
    POST /2018-06-01/runtime/invocation/<request id>/response   the handler's result
    POST /2018-06-01/runtime/invocation/<request id>/error      an error envelope
    POST /2018-06-01/runtime/init/error                          the module could not be loaded

Its log lines go to a file descriptor named in ``_LAMBDA_TELEMETRY_LOG_FD`` as *frames* (a type that
carries the level, a length, a timestamp, the message: one CloudWatch event each), and whatever the
handler prints goes to stdout. :func:`run_oracle` plays the Lambda service: it serves that API on
127.0.0.1, starts awslambdaric from the test virtualenv ``.venv-oracle`` (``make oracle``) with the
environment Lambda sets, hands it events one by one, and records what it posts and what it logs,
cut into the Init phase and each invocation.
"""

from __future__ import annotations

import http.client
import http.server
import json
import os
import select
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ORACLE_PYTHON = ROOT / ".venv-oracle" / "bin" / "python"
ORACLE_STAMP = ROOT / ".venv-oracle" / ".installed"  # written by `make oracle` once awslambdaric is in
ACCOUNT = "123456789012"
REGION = "us-east-1"

# Frame types awslambdaric writes (lambda_runtime_log_utils): 0xA55A00XX, the low byte says text or
# JSON and the level. Lambda drops frames below the function's ApplicationLogLevel.
_FRAME_LEVELS = {0x02: 0, 0x03: 0, 0x0A: 10, 0x0B: 10, 0x0E: 20, 0x0F: 20, 0x12: 30, 0x13: 30,
                 0x16: 40, 0x17: 40, 0x1A: 50, 0x1B: 50}
_FRAME_MAGIC = b"\xa5\x5a\x00"
# ApplicationLogLevel names (Lambda API) -> the lowest Python level Lambda keeps.
APPLICATION_LEVELS = {"TRACE": 0, "DEBUG": 10, "INFO": 20, "WARN": 30, "ERROR": 40, "FATAL": 50}


# awslambdaric sends an error's X-Ray cause in a header of up to 1 MB (Lambda accepts it); http.server
# reads header lines with http.client's limit of 64 KiB, so that limit is raised for this server.
http.client._MAXLINE = max(http.client._MAXLINE, 2 * 1024 * 1024)


class OracleMissing(AssertionError):
    """The oracle's virtualenv is not there."""


def require_oracle() -> Path:
    """The oracle's python, or a failure that says how to create it (never a silent skip)."""
    if not ORACLE_STAMP.exists():
        raise OracleMissing(
            f"{ORACLE_PYTHON} is missing: run `make oracle` (it creates .venv-oracle with awslambdaric "
            f"4.2.x from PyPI; `make test` does it first)")
    return ORACLE_PYTHON


@dataclass
class Event:
    """One invocation to hand out, with the headers Lambda sends for it."""

    payload: bytes = b"{}"
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    timeout: float = 3.0
    client_context: dict | None = None
    identity: dict | None = None
    trace_id: str = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    tenant_id: str | None = None


@dataclass
class Outcome:
    """What the runtime did with one event."""

    request_id: str
    kind: str = "none"  # "response", "error", or "none" (the process exited first)
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    log: list = field(default_factory=list)  # (python level or None for stdout, text) in order


@dataclass
class OracleRun:
    init_log: list
    init_error: bytes | None
    outcomes: list[Outcome]
    exit_code: int | None

    def text(self, entries: list, minimum: int | None = None) -> str:
        """Log entries as CloudWatch shows them, one event a line, minus frames Lambda would drop."""
        pieces = []
        for level, text in entries:
            if level is None:  # a line of stdout: Lambda reads a JSON "level" field, else counts it INFO
                level = _line_level(text) if minimum is not None else None
            if level is not None and minimum is not None and 0 < level < minimum:
                continue
            pieces.append(text if text.endswith("\n") else text + "\n")
        return "".join(pieces)


def _line_level(line: str) -> int:
    """The level Lambda's docs (log-level filtering) give a line of output: its "level", else INFO."""
    try:
        value = json.loads(line)
    except ValueError:
        return 20
    if isinstance(value, dict) and isinstance(value.get("level"), str):
        return {"TRACE": 1, "DEBUG": 10, "INFO": 20, "WARN": 30, "WARNING": 30, "ERROR": 40, "FATAL": 50,
                "CRITICAL": 50}.get(value["level"].upper(), 20)
    return 20


class _LogPipe:
    """One pipe for stdout, stderr and the telemetry frames, so their order is the order written."""

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.read_fd, False)
        self.data = bytearray()
        self.lock = threading.Lock()

    def drain(self, wait: float = 0.0) -> None:
        with self.lock:
            while True:
                ready, _, _ = select.select([self.read_fd], [], [], wait)
                if not ready:
                    return
                try:
                    chunk = os.read(self.read_fd, 65536)
                except BlockingIOError:
                    return
                if not chunk:
                    return
                self.data.extend(chunk)
                wait = 0.0

    def mark(self) -> int:
        self.drain()
        return len(self.data)


def parse_log(data: bytes) -> list:
    """Split the pipe's bytes into (level, text): frames keep their level, stdout text gets None."""
    entries, position = [], 0
    while position < len(data):
        if data.startswith(_FRAME_MAGIC, position) and data[position + 3] in _FRAME_LEVELS:
            level = _FRAME_LEVELS[data[position + 3]]
            length = int.from_bytes(data[position + 4:position + 8], "big")
            start = position + 16
            entries.append((level, data[start:start + length].decode()))
            position = start + length
            continue
        following = data.find(_FRAME_MAGIC, position + 1)
        end = len(data) if following < 0 else following
        entries.extend((None, line) for line in data[position:end].decode().splitlines(keepends=True))
        position = end
    return entries


class _RuntimeAPI(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, events: list[Event], pipe: _LogPipe) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.events = list(events)
        self.pipe = pipe
        self.marks: list[int] = []  # log position at each GET next
        self.outcomes = {event.request_id: Outcome(event.request_id) for event in events}
        self.init_error: bytes | None = None
        self.done = threading.Event()
        self.handed_out = 0


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _RuntimeAPI

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        if not self.path.endswith("/runtime/invocation/next"):
            self.send_error(404)
            return
        server = self.server
        server.marks.append(server.pipe.mark())
        if server.handed_out >= len(server.events):
            server.done.set()
            time.sleep(60)  # the caller stops the process; Lambda would freeze it here
            return
        event = server.events[server.handed_out]
        server.handed_out += 1
        self.send_response(200)
        headers = {
            "Lambda-Runtime-Aws-Request-Id": event.request_id,
            "Lambda-Runtime-Deadline-Ms": str(int((time.time() + event.timeout) * 1000)),
            "Lambda-Runtime-Invoked-Function-Arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:oracle",
            "Lambda-Runtime-Trace-Id": event.trace_id,
            "Content-Type": "application/json",
            "Content-Length": str(len(event.payload)),
        }
        if event.client_context is not None:
            headers["Lambda-Runtime-Client-Context"] = json.dumps(event.client_context)
        if event.identity is not None:
            headers["Lambda-Runtime-Cognito-Identity"] = json.dumps(event.identity)
        if event.tenant_id is not None:
            headers["Lambda-Runtime-Aws-Tenant-Id"] = event.tenant_id
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(event.payload)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        parts = self.path.split("/")
        server = self.server
        if self.path.endswith("/runtime/init/error"):
            server.init_error = body
        elif len(parts) >= 6 and parts[-1] in ("response", "error") and parts[-2] in server.outcomes:
            outcome = server.outcomes[parts[-2]]
            outcome.kind, outcome.body, outcome.headers = parts[-1], body, dict(self.headers)
        else:
            self.send_error(404)
            return
        self.send_response(202)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


def lambda_environment(name: str, handler: str, code_dir: Path, api: str, log_format: str = "Text",
                       log_level: str | None = None, memory: int = 128, variables: dict | None = None,
                       log_fd: int | None = None) -> dict[str, str]:
    """The variables Lambda sets for the runtime process (fake credentials, nothing of this machine's)."""
    environment = {
        "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "en_US.UTF-8", "TZ": ":UTC",
        "AWS_LAMBDA_RUNTIME_API": api, "LAMBDA_TASK_ROOT": str(code_dir), "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "_HANDLER": handler, "AWS_LAMBDA_FUNCTION_NAME": name, "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory), "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/01/05/[$LATEST]0123456789abcdef0123456789abcdef",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand", "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION, "AWS_LAMBDA_LOG_FORMAT": log_format,
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if log_level is not None:
        environment["AWS_LAMBDA_LOG_LEVEL"] = log_level
    if log_fd is not None:
        environment["_LAMBDA_TELEMETRY_LOG_FD"] = str(log_fd)
    return {**environment, **(variables or {})}


def run_oracle(code_dir: Path, handler: str, events: list[Event], *, name: str = "oracle",
               log_format: str = "Text", log_level: str | None = None, variables: dict | None = None,
               wait: float = 20.0) -> OracleRun:
    """Run ``events`` through awslambdaric in one execution environment and record what happened."""
    python = require_oracle()
    pipe = _LogPipe()
    server = _RuntimeAPI(events, pipe)
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    serving.start()
    api = f"127.0.0.1:{server.server_address[1]}"
    environment = lambda_environment(name, handler, code_dir, api, log_format, log_level,
                                     variables=variables, log_fd=pipe.write_fd)
    process = subprocess.Popen([str(python), "-m", "awslambdaric", handler], cwd=code_dir, env=environment,
                               stdin=subprocess.DEVNULL, stdout=pipe.write_fd, stderr=pipe.write_fd,
                               pass_fds=(pipe.write_fd,))
    try:
        deadline = time.monotonic() + wait
        while process.poll() is None and not server.done.is_set() and time.monotonic() < deadline:
            pipe.drain(0.05)
    finally:
        exit_code = process.poll()
        if exit_code is None:
            process.kill()
            process.wait()
        os.close(pipe.write_fd)
        time.sleep(0.01)
        pipe.drain(0.1)
        server.shutdown()
        server.server_close()
        os.close(pipe.read_fd)
    return _split(server, pipe, exit_code)


def _split(server: _RuntimeAPI, pipe: _LogPipe, exit_code: int | None) -> OracleRun:
    data = bytes(pipe.data)
    marks = server.marks + [len(data)]
    init_log = parse_log(data[:marks[0]])
    outcomes = []
    for index, event in enumerate(server.events[:server.handed_out]):
        outcome = server.outcomes[event.request_id]
        outcome.log = parse_log(data[marks[index]:marks[index + 1] if index + 1 < len(marks) else len(data)])
        outcomes.append(outcome)
    return OracleRun(init_log, server.init_error, outcomes, exit_code)
