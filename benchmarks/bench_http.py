"""Requests per second through the HTTP front door, side by side with ``chalice local``.

Four figures for one trivial handler (it answers ``{"hello": "world"}``):

1. ``cloud.invoke()`` called directly, no HTTP at all: the cost of the Lambda runtime alone;
2. ``cloud.http_app().test_client()``: the API Gateway emulation (routing, a payload 1.0 event, the
   response) inside one process, as the kit's tests and notebooks use it;
3. ``python -m emulator serve`` in its own process, called over loopback TCP;
4. ``chalice local`` serving the same handler in its own process, over loopback TCP: the peer tool.
   It is installed in this benchmark's own environment, ``benchmarks/.venv-chalice`` (git-ignored),
   created with ``python -m venv`` and ``pip install chalice`` on the first run.

Requests are sequential, from one client, a new connection each (Werkzeug's server closes every
connection, so both servers are called the same way), and bounded: nothing leaves 127.0.0.1.
The rows are printed as a markdown table and written to ``benchmarks/results/http.md``.

    .venv/bin/python benchmarks/bench_http.py
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
CHALICE_VENV = HERE / ".venv-chalice"
RESULTS = HERE / "results" / "http.md"
# In process the virtual clock stands still, and the cloud's concurrency model counts every
# invocation started at one virtual instant as running at once: stay under the account's 1,000.
IN_PROCESS_REQUESTS = 900
SERVER_REQUESTS = 1000
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
CHALICE_CONFIG = '{"version": "2.0", "app_name": "bench", "stages": {"dev": {"api_gateway_stage": "api"}}}'


def rate(call: Callable[[], None], count: int) -> float:
    """Calls per second of ``call``, after a short warm-up."""
    for _ in range(WARMUP):
        call()
    started = time.perf_counter()
    for _ in range(count):
        call()
    return count / (time.perf_counter() - started)


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


def serve_rate(command: list[str], cwd: Path, port: int, what: str) -> float:
    """Requests per second of a server started with ``command`` (stopped afterwards)."""
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process, what)
        return rate(lambda: get(port), SERVER_REQUESTS)
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


def in_process_rates(work: Path) -> tuple[float, float]:
    """(cloud.invoke per second, test_client GETs per second) for the trivial handler."""
    sys.path.insert(0, str(HERE.parent))
    from emulator import LocalCloud

    with LocalCloud() as cloud:
        cloud.create_function("hello", code=work / "hello")
        cloud.add_route("GET", "/hello", "hello")
        client = cloud.http_app().test_client()

        def through_gateway() -> None:
            response = client.get("/hello")
            if response.status_code != 200:
                raise RuntimeError(f"test client answered {response.status_code}: {response.data[:200]!r}")

        invoke_rate = rate(lambda: cloud.invoke("hello", {}), IN_PROCESS_REQUESTS)
        cloud.advance(seconds=1)  # let the first run's invocations end on the virtual clock
        return invoke_rate, rate(through_gateway, IN_PROCESS_REQUESTS)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-http-") as folder:
        work = Path(folder)
        (work / "hello").mkdir()
        (work / "hello" / "lambda_function.py").write_text(HANDLER)
        (work / "template.yaml").write_text(TEMPLATE)
        (work / "chalice" / ".chalice").mkdir(parents=True)
        (work / "chalice" / "app.py").write_text(CHALICE_APP)
        (work / "chalice" / ".chalice" / "config.json").write_text(CHALICE_CONFIG)

        invoke_rate, client_rate = in_process_rates(work)
        port = free_port()
        serve_rate_ = serve_rate([sys.executable, "-m", "emulator", "serve", "template.yaml", "--port", str(port)],
                                 work, port, "python -m emulator serve")
        chalice = chalice_command()
        chalice_rate = None
        if chalice is not None:
            port = free_port()
            chalice_rate = serve_rate(chalice + ["local", "--host", "127.0.0.1", "--port", str(port),
                                                 "--no-autoreload"], work / "chalice", port, "chalice local")

    rows = [
        ("cloud.invoke() directly, no HTTP (runtime only)", IN_PROCESS_REQUESTS, invoke_rate),
        ("http_app().test_client() GET, REST route (in process)", IN_PROCESS_REQUESTS, client_rate),
        ("python -m emulator serve, GET over loopback", SERVER_REQUESTS, serve_rate_),
    ]
    if chalice_rate is not None:
        rows.append(("chalice local, GET over loopback (peer)", SERVER_REQUESTS, chalice_rate))
    lines = ["| HTTP front door, trivial handler | requests | requests/s | vs chalice local |",
             "|---|---:|---:|---:|"]
    for name, count, value in rows:
        ratio = f"{value / chalice_rate:.2f}x" if chalice_rate else "n/a"
        lines.append(f"| {name} | {count} | {value:,.0f} | {ratio} |")
    table = "\n".join(lines)
    print(table)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
