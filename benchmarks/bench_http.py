"""Requests per second through the HTTP front door, side by side with ``chalice local``.

Figures for one trivial handler (it answers ``{"hello": "world"}``):

1. ``cloud.invoke()`` called directly, no HTTP at all: the cost of the Lambda runtime alone;
2. ``cloud.http_app().test_client()``: the API Gateway emulation (routing, a payload 1.0 event, the
   response) inside one process, as the kit's tests and notebooks use it; and ``api_gateway.handle()``
   called back to back, then each call after a short sleep (a server's thread sleeps between
   requests, and a processor just woken runs the same code slower);
3. ``python -m emulator serve`` in its own process, called over loopback TCP; the same command with a
   clock around each ``api_gateway.handle()`` (how long the gateway and the runtime take where a
   server runs them); and the serve command's server class answering a fixed response (HTTP alone);
4. ``chalice local`` serving the same handler in its own process, over loopback TCP: the peer tool.
   It is installed in this benchmark's own environment, ``benchmarks/.venv-chalice`` (git-ignored),
   created with ``python -m venv`` and ``pip install chalice`` on the first run.

Requests are sequential, from one client, and bounded: nothing leaves 127.0.0.1. Each server is called
two ways: a new connection for every request (what ``curl`` in a loop does), and one connection kept
open (what a browser or a ``requests.Session`` does; a server that closes it after each answer gets a
new one). The contenders take turns, block after block (each after 0.3 s of untimed calls), and each
figure is the median block.
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
PAUSED = "api_gateway.handle() directly, 0.3 ms of sleep before each call, not counted (as a server's thread wakes for each request)"
PAUSE = 0.0003
CLIENT = "http_app().test_client() GET, REST route, in process"
FIXED = "the serve command's http.server answering a fixed response, GET over loopback (server and client alone)"
SERVE = "python -m emulator serve, GET over loopback"
TIMED = "python -m emulator serve with each api_gateway.handle() timed inside it, GET over loopback"
CHALICE = "chalice local, GET over loopback (the peer)"
NEW, KEPT = "a new connection per request", "one connection kept open"
# Each contender answers ROUNDS blocks of BLOCK requests, taking turns with the others, and its
# figure is the median block: a machine shared with other work slows every contender alike.
ROUNDS = 5
BLOCK = 200
WARMUP = 50
# Seconds of untimed calls before each block: after chalice's kept-open block (8 s of a mostly idle
# processor, 40 ms per request) the next block ran a quarter slower, whichever server it was.
BLOCK_WARMUP = 0.3

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
# The serve command itself, with a clock around each gateway call: how long handle() takes where the
# server runs it. The median goes to the file named in argv[1] when the benchmark stops it (SIGTERM,
# which the serve command turns into a clean stop).
TIMED_SERVER = """
import statistics, sys, time
from emulator.__main__ import main
from emulator.gateway.api_gateway import ApiGateway
seconds, handle = [], ApiGateway.handle
def timed(self, request):
    started = time.perf_counter()
    answer = handle(self, request)
    seconds.append(time.perf_counter() - started)
    return answer
ApiGateway.handle = timed
code = main(["serve", "template.yaml", "--port", "{port}"])
open(sys.argv[1], "w").write(str(statistics.median(seconds[{warmup}:])))
sys.exit(code)
"""
SERVER_NOTES = """\
The serve command's server is Python's `http.server` speaking HTTP/1.1 with keep-alive, one thread per
open connection taken from a pool (threads that finished with a connection wait for the next), the
request parsed by the kit itself (http.server's header parsing goes through the email package) and
each answer sent in one write with TCP_NODELAY. chalice local is `http.server` with a new thread per
connection; on a connection kept open each of its answers waits about 40 ms, its headers and body
leaving in two writes that the client's delayed acknowledgement holds apart (the kit's server did the
same, 23 requests/s, until it sent each answer in one write). The gateway's handle() costs more inside
a serving process than back to back here: it runs in a connection thread, where the time limit is a
watchdog thread's (signals reach only the main thread), on a processor that waited for the request.
The two serve rows run the same command, one with a clock around handle(); that they agree shows
the clock costs little. Where serve loses to chalice on new connections is handle() itself: the Lambda
runtime and API Gateway's event and response, which chalice does not emulate, cost more in a server's
connection thread than back to back. Each block follows 0.3 s of untimed calls to the same server:
without them the block after chalice's kept-open one (8 s of a mostly idle processor) ran a quarter
slower, whichever server came next."""
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
            warm_until = time.perf_counter() + BLOCK_WARMUP
            while time.perf_counter() < warm_until:
                call()
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


def get(connection: http.client.HTTPConnection, path: str = "/hello") -> None:
    """One GET on ``connection`` (reopened if the server closed it); fails loudly unless the answer is 200."""
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"GET {path} on port {connection.port} answered {response.status}: {body[:200]!r}")


def getters(port: int) -> dict[str, Callable[[], None]]:
    """One GET on a new connection, and one on a connection kept open, for the server on ``port``."""
    kept = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def on_a_new_connection() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            get(connection)
        finally:
            connection.close()

    return {NEW: on_a_new_connection, KEPT: lambda: get(kept)}


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
def running(command: list[str], cwd: Path, port: int, what: str) -> Iterator[dict[str, Callable[[], None]]]:
    """A server started with ``command`` in its own process; yields its :func:`getters`."""
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process, what)
        yield getters(port)
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
        rates = interleaved({INVOKE: lambda: cloud.invoke("hello", {}),
                             HANDLE: lambda: cloud.api_gateway.handle(request), CLIENT: through_gateway},
                            between=lambda: cloud.advance(seconds=1))
        return {**rates, PAUSED: rate_after_pauses(lambda: cloud.api_gateway.handle(request),
                                                   between=lambda: cloud.advance(seconds=1))}


def rate_after_pauses(call: Callable[[], None], between: Callable[[], None]) -> float:
    """Calls per second of ``call`` when each comes after a short sleep, counting the calls only: a
    processor that has just been idle runs the same code slower than one running it back to back."""
    blocks = []
    for _ in range(ROUNDS):
        spent = 0.0
        for _ in range(BLOCK):
            time.sleep(PAUSE)
            started = time.perf_counter()
            call()
            spent += time.perf_counter() - started
        blocks.append(BLOCK / spent)
        between()
    return statistics.median(blocks)


def served(server: str, mode: str) -> str:
    return f"{server}, {mode}"


def server_rates(work: Path) -> dict[str, float]:
    """Requests per second of ``python -m emulator serve``, of the fixed-answer server, of the timed
    one and of ``chalice local`` (if installed), each on new connections and on one kept open; and
    (as TIMED) the median seconds of one handle() inside the timed server."""
    handle_seconds = work / "handle-seconds.txt"
    commands = {SERVE: ([sys.executable, "-m", "emulator", "serve", "template.yaml", "--port", "{port}"], work),
                FIXED: ([sys.executable, "-c", FIXED_SERVER], HERE.parent),
                TIMED: ([sys.executable, "-c", TIMED_SERVER.replace("{warmup}", str(WARMUP)), str(handle_seconds)], work)}
    chalice = chalice_command()
    if chalice is not None:
        commands[CHALICE] = (chalice + ["local", "--host", "127.0.0.1", "--port", "{port}", "--no-autoreload"],
                             work / "chalice")
    contenders = {}
    with contextlib.ExitStack() as stack:
        for server, (command, cwd) in commands.items():
            port = free_port()
            calls = stack.enter_context(running([part.format(port=port) for part in command], cwd, port, server))
            contenders.update({served(server, mode): call for mode, call in calls.items()})
        rates = interleaved(contenders)
    return {**rates, TIMED: float(handle_seconds.read_text())}


def phases(rates: dict[str, float]) -> str:
    """Where one served request's time goes, from the medians above (each phase is a difference of two)."""
    per = {name: 1e6 / rate for name, rate in rates.items() if name != TIMED}  # microseconds per request
    inside = rates[TIMED] * 1e6  # one handle() as the serving process runs it, timed there (both modes)
    lines = ["", "Where one served request goes (µs per request, from the medians above and the handle() time "
             "measured inside the timed serve command; the gateway, the third row and the rest are differences):", "",
             f"| phase | {NEW} | {KEPT} |", "|---|---:|---:|"]
    rows = [("the runtime: one warm invoke, back to back in this process", lambda mode: per[INVOKE]),
            ("the gateway: route, payload 1.0 event, proxy response", lambda mode: per[HANDLE] - per[INVOKE]),
            (f"the same handle() inside a serving process ({inside:,.0f} µs, timed there), minus back to "
             "back here: what a connection thread, on a processor that waited for the request, adds",
             lambda mode: inside - per[HANDLE]),
            ("HTTP: connection, thread, http.server's parsing, the client's own work (the fixed-answer server)",
             lambda mode: per[served(FIXED, mode)]),
            ("rest: the client waiting while the server's threads wake and hand over, not split further",
             lambda mode: per[served(TIMED, mode)] - per[served(FIXED, mode)] - inside),
            ("**python -m emulator serve, timed, whole request** (the sum of the rows above)",
             lambda mode: per[served(TIMED, mode)]),
            ("python -m emulator serve, whole request (not timed)", lambda mode: per[served(SERVE, mode)])]
    if served(CHALICE, NEW) in per:
        rows.append(("chalice local, whole request", lambda mode: per[served(CHALICE, mode)]))
    lines += [f"| {name} | {value(NEW):,.0f} | {value(KEPT):,.0f} |" for name, value in rows]
    return "\n".join(lines)


def versus_chalice(name: str, value: float, rates: dict[str, float]) -> str:
    """The ratio to chalice local on the same kind of connection (a new one, for the in-process rows)."""
    mode = KEPT if name.endswith(KEPT) else NEW
    baseline = rates.get(served(CHALICE, mode))
    return f"{value / baseline:.2f}x" if baseline else "n/a (chalice not installed)"


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

    lines = [f"| HTTP front door, trivial handler ({ROUNDS} x {BLOCK} requests, median) | requests/s "
             f"| vs chalice local (same connections) |", "|---|---:|---:|"]
    lines += [f"| {name} | {value:,.0f} | {versus_chalice(name, value, rates)} |"
              for name, value in rates.items() if name != TIMED]
    table = "\n".join(lines) + "\n" + phases(rates) + "\n\n" + SERVER_NOTES
    print(table)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
