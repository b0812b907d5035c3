"""Requests per second through the HTTP front door, side by side with ``chalice local``.

Figures for one trivial handler (it answers ``{"hello": "world"}``):

1. ``cloud.invoke()`` called directly, no HTTP at all: the cost of the Lambda runtime alone;
2. ``cloud.http_app().test_client()``: the API Gateway emulation (routing, a payload 1.0 event, the
   response) inside one process, as the kit's tests and notebooks use it;
3. ``python -m emulator serve`` in its own process, called over loopback TCP;
4. ``chalice local`` serving the same handler in its own process, over loopback TCP: the peer tool.
   It is installed in this benchmark's own environment, ``benchmarks/.venv-chalice`` (git-ignored),
   created with ``python -m venv`` and ``pip install chalice`` on the first run.

Requests are sequential, from one client, a new connection each (both servers are called the same
way, though the kit's keeps a connection open when asked), and bounded: nothing leaves 127.0.0.1. The
contenders take turns, block after block, and each figure is the median block.
The rows are printed as a markdown table and written to ``benchmarks/results/http.md``.

    .venv/bin/python benchmarks/bench_http.py
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path
from typing import Callable, Iterator

HERE = Path(__file__).resolve().parent
CHALICE_VENV = HERE / ".venv-chalice"
RESULTS = HERE / "results" / "http.md"
INVOKE = "cloud.invoke() directly, no HTTP (the runtime alone)"
HANDLE = "api_gateway.handle() directly, no socket (the gateway and the runtime)"
CLIENT = "http_app().test_client() GET, REST route, in process"
FIXED = "the serve command's http.server answering a fixed response, GET over loopback (server and client alone)"
SERVE = "python -m emulator serve, GET over loopback"
CHALICE = "chalice local, GET over loopback (the peer)"
# Each contender answers ROUNDS blocks of BLOCK requests, taking turns with the others, and its
# figure is the median block: a machine shared with other work slows every contender alike.
ROUNDS = 5
BLOCK = 200
WARMUP = 50

HANDLER = """
import json

def lambda_handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"hello": "world"})}
"""
TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: hello/
      Handler: lambda_function.lambda_handler
      Runtime: python3.11
      Events:
        Hello:
          Type: Api
          Properties:
            Path: /hello
            Method: get
"""
CHALICE_APP = """
from chalice import Chalice

app = Chalice(app_name="bench")


@app.route("/hello")
def hello():
    return {"hello": "world"}
"""
# The serve command's server class with a gateway that answers at once: what HTTP itself costs.
FIXED_SERVER = """
from emulator.gateway.proxy_responses import ProxyResponse
from emulator.gateway.server import GatewayServer
answer = ProxyResponse(200, [("Content-Type", "application/json")], b'{{"hello": "world"}}')
GatewayServer("127.0.0.1", {port}, lambda request: answer).serve_forever()
"""
CHALICE_CONFIG = '{"version": "2.0", "app_name": "bench", "stages": {"dev": {"api_gateway_stage": "api"}}}'


def interleaved(contenders: dict[str, Callable[[], None]], between: Callable[[], None] = lambda: None
                ) -> dict[str, float]:
    """Calls per second of each contender: the median of ROUNDS blocks, the contenders taking turns."""
    for call in contenders.values():
        for _ in range(WARMUP):
            call()
        between()
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(ROUNDS):
        for name, call in contenders.items():
            started = time.perf_counter()
            for _ in range(BLOCK):
                call()
            rates[name].append(BLOCK / (time.perf_counter() - started))
            between()
    return {name: statistics.median(values) for name, values in rates.items()}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str = "/hello") -> None:
    """One GET on a new loopback connection; fails loudly unless the answer is 200."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path} on port {port} answered {response.status}: {body[:200]!r}")
    finally:
        connection.close()


def wait_for_port(port: int, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within 60 s")


@contextlib.contextmanager
def running(command: list[str], cwd: Path, port: int, what: str) -> Iterator[Callable[[], None]]:
    """A server started with ``command`` in its own process; yields a function doing one GET on it."""
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process, what)
        yield lambda: get(port)
    finally:
        process.terminate()
        process.wait(timeout=30)


def chalice_command() -> list[str] | None:
    """``chalice`` of the benchmark's own environment, installed on first use; None if that fails."""
    executable = CHALICE_VENV / "bin" / "chalice"
    if not executable.exists():
        print(f"Installing chalice into {CHALICE_VENV} ...", file=sys.stderr)
        venv.create(CHALICE_VENV, with_pip=True)
        installed = subprocess.run([str(CHALICE_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet",
                                    "chalice"], check=False)
        if installed.returncode != 0 or not executable.exists():
            print("could not install chalice: its row is left out", file=sys.stderr)
            return None
    return [str(executable)]


def in_process_rates(work: Path) -> dict[str, float]:
    """Calls per second of cloud.invoke() and of test-client GETs, for the trivial handler."""
    sys.path.insert(0, str(HERE.parent))
    from emulator import LocalCloud
    from emulator.gateway.api_gateway import GatewayRequest

    with LocalCloud() as cloud:
        cloud.create_function("hello", code=work / "hello")
        cloud.add_route("GET", "/hello", "hello")
        client = cloud.http_app().test_client()
        request = GatewayRequest(method="GET", raw_path="/hello", query_string="", body=b"", source_ip="127.0.0.1",
                                 headers=[("Host", "127.0.0.1"), ("Accept", "*/*")], protocol="HTTP/1.1")

        def through_gateway() -> None:
            response = client.get("/hello")
            if response.status_code != 200:
                raise RuntimeError(f"test client answered {response.status_code}: {response.data[:200]!r}")

        # The virtual clock stands still in process, and the cloud's concurrency model counts every
        # invocation started at one virtual instant as running at once: move it on between blocks.
        return interleaved({INVOKE: lambda: cloud.invoke("hello", {}),
                            HANDLE: lambda: cloud.api_gateway.handle(request), CLIENT: through_gateway},
                           between=lambda: cloud.advance(seconds=1))


def server_rates(work: Path) -> dict[str, float]:
    """Requests per second of ``python -m emulator serve`` and of ``chalice local`` (if installed)."""
    with contextlib.ExitStack() as stack:
        port = free_port()
        contenders = {SERVE: stack.enter_context(running(
            [sys.executable, "-m", "emulator", "serve", "template.yaml", "--port", str(port)], work, port,
            "python -m emulator serve"))}
        port = free_port()
        contenders[FIXED] = stack.enter_context(running(
            [sys.executable, "-c", FIXED_SERVER.format(port=port)], HERE.parent, port, "the fixed-answer server"))
        chalice = chalice_command()
        if chalice is not None:
            port = free_port()
            contenders[CHALICE] = stack.enter_context(running(
                chalice + ["local", "--host", "127.0.0.1", "--port", str(port), "--no-autoreload"],
                work / "chalice", port, "chalice local"))
        return interleaved(contenders)


def phases(rates: dict[str, float]) -> str:
    """Where one served request's time goes, from the medians above (each phase is a difference of two)."""
    if not all(name in rates for name in (INVOKE, HANDLE, FIXED, SERVE)):
        return ""
    per = {name: 1e6 / rate for name, rate in rates.items()}  # microseconds per request
    rows = [("the runtime: one warm invoke", per[INVOKE]),
            ("the gateway: route, payload 1.0 event, proxy response", per[HANDLE] - per[INVOKE]),
            ("HTTP: connection, thread, http.server's parsing, the client's own work", per[FIXED]),
            ("rest: the same work inside the serving process (a new thread per connection, the GIL shared "
             "with the server; not split further)",
             per[SERVE] - per[FIXED] - per[HANDLE])]
    lines = ["", "Where one request to `serve` goes (µs, from the medians above):", "",
             "| phase | µs per request |", "|---|---:|"]
    lines += [f"| {name} | {value:,.0f} |" for name, value in rows]
    lines.append(f"| **python -m emulator serve, whole request** | **{per[SERVE]:,.0f}** |")
    if CHALICE in per:
        lines.append(f"| chalice local, whole request | {per[CHALICE]:,.0f} |")
    return "\n".join(lines)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-http-") as folder:
        work = Path(folder)
        (work / "hello").mkdir()
        (work / "hello" / "lambda_function.py").write_text(HANDLER)
        (work / "template.yaml").write_text(TEMPLATE)
        (work / "chalice" / ".chalice").mkdir(parents=True)
        (work / "chalice" / "app.py").write_text(CHALICE_APP)
        (work / "chalice" / ".chalice" / "config.json").write_text(CHALICE_CONFIG)
        rates = {**in_process_rates(work), **server_rates(work)}

    baseline = rates.get(CHALICE)
    lines = [f"| HTTP front door, trivial handler ({ROUNDS} x {BLOCK} requests, median) | requests/s "
             f"| vs chalice local |", "|---|---:|---:|"]
    for name, value in rates.items():
        ratio = f"{value / baseline:.2f}x" if baseline else "n/a (chalice not installed)"
        lines.append(f"| {name} | {value:,.0f} | {ratio} |")
    table = "\n".join(lines) + "\n" + phases(rates)
    print(table)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
