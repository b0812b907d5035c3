"""A moto server in a subprocess, for the tests of the kit's endpoint mode (``LAMBDA_LAB_ENDPOINT_URL``).

``moto_endpoint`` (one server per test module, so one per xdist worker with ``--dist loadfile``)
yields the server's URL; ``endpoint`` (per test) empties the server first and yields the same URL.
Import both into a test module: ``from moto_server import endpoint, moto_endpoint``.

The server is a separate process on purpose: its state is not the in-process moto's, so a test can
tell which of the two answered.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from typing import Iterator, NoReturn

import pytest

HOST = "127.0.0.1"  # servers bind the loopback address only
START_TIMEOUT = 30.0  # seconds: moto imports every service's models before it answers
STOP_TIMEOUT = 10.0
LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # straight to 127.0.0.1, whatever *_proxy says


class MotoServerError(RuntimeError):
    """The moto server did not start."""


class MotoServer:
    """``python -m moto.server`` on a free port of 127.0.0.1: ``start()``, ``url``, ``stop()``."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self._log = tempfile.TemporaryFile()  # a file, not a pipe: a full pipe would block the server
        self._process: subprocess.Popen | None = None

    def start(self) -> "MotoServer":
        """Start the server and wait until it answers; raises :class:`MotoServerError` with what it printed if not."""
        self._process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(self.port)],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._fail(f"exited with code {self._process.returncode} before answering on {self.url}")
            if f"Running on {self.url}" in self.output() and self._answers():  # our server, not another on the port
                return self
            time.sleep(0.1)
        self._fail(f"did not answer on {self.url} within {START_TIMEOUT:.0f} s")

    def _fail(self, what: str) -> NoReturn:
        output = self.output()
        self.stop()
        raise MotoServerError(f"the moto server {what}; it printed:\n{output}")

    def stop(self) -> None:
        """Terminate the server, and kill it if it does not exit in time."""
        if self._process is None:
            return
        process, self._process = self._process, None
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self._log.close()

    def output(self) -> str:
        """What the server printed so far (its log and errors)."""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def _answers(self) -> bool:
        try:
            with LOCAL.open(f"{self.url}/moto-api/data.json", timeout=2) as answer:
                return answer.status == 200
        except OSError:
            return False


def reset(url: str) -> None:
    """Make the moto server at ``url`` forget every resource it holds (moto's ``POST /moto-api/reset``)."""
    with LOCAL.open(urllib.request.Request(f"{url}/moto-api/reset", method="POST", data=b""), timeout=10) as answer:
        answer.read()


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """The URL of a moto server that runs for the whole test module."""
    server = MotoServer().start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def endpoint(moto_endpoint: str) -> str:
    """The module's moto server, emptied before the test: no queue, rule or function of another test."""
    reset(moto_endpoint)
    return moto_endpoint
