"""A warm template for execution environments: one process imports the runtime once, then forks each new one.

Starting Python and importing the runtime, its clock and boto3 takes a few hundred milliseconds; a
grader's tests make a fresh cloud, so a cold start, for every test. In AWS, Lambda keeps runtimes
ready too (a cold start there restores a prepared environment rather than booting a machine). So the
service keeps one *fork server* per process: a child that has imported everything a runtime needs
and that forks a new execution environment on request, in milliseconds. Each environment then
becomes the function's own: its code folder as working directory, the function's environment
variables and nothing else, and the runtime client's loop (``bootstrap.main``).

The fork server itself holds nothing of any function or test; it is started after the service's
process limited itself (the grader's file isolation applies to it and to every environment), and it
reaps the environments that end and tells the service their exit status.

    service ── {"cwd", "env", "argv"} ──▶ fork server ── fork ──▶ execution environment
            ◀── {"pid"} / {"exited", "status"} ──
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Callable

KIT_ROOT = Path(__file__).resolve().parents[2]
# What a runtime's process keeps of the service's environment: enough to start Python (AWS sets PATH and LANG too).
PYTHON_VARIABLES = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "SYSTEMROOT", "VIRTUAL_ENV")


class ForkServer:
    """The service's handle on its fork server: start it once, ask it for environments, hear of their exits."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._pids: queue.Queue[int] = queue.Queue()
        self._on_exit: dict[int, Callable[[int], None]] = {}
        self._early_exits: dict[int, int] = {}  # environments that ended before their spawner heard of them
        self._news_lock = threading.Lock()
        self._confinement: dict | None = None

    def confine(self, readable: list[str], writable: list[str], limits: tuple[int, int, int]) -> None:
        """Have every environment limit itself as the grader's test process did: these files only
        (Landlock), and ``limits`` (memory MB, CPU seconds, file size bytes)."""
        self._confinement = {"readable": readable, "writable": writable, "limits": list(limits)}

    def start(self) -> None:
        """Start the fork server if none runs (it imports in the background)."""
        with self._lock:
            self._start()

    def spawn(self, cwd: Path, env: dict[str, str], argv: list[str], on_exit: Callable[[int], None]) -> int:
        """A new execution environment's process id; ``on_exit(returncode)`` is called when it ends."""
        with self._lock:
            self._start()
            request = {"cwd": str(cwd), "env": env, "argv": argv, "confine": self._confinement}
            self._process.stdin.write(json.dumps(request).encode() + b"\n")
            self._process.stdin.flush()
            pid = self._pids.get()
        with self._news_lock:
            ended = self._early_exits.pop(pid, None)
            if ended is None:
                self._on_exit[pid] = on_exit
        if ended is not None:
            on_exit(ended)
        return pid

    def _start(self) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        if self._process is None and _spares:  # forked ahead of time by the process this one was forked from
            self._process = _spares.pop()
            threading.Thread(target=self._listen, args=(self._process,), name="lambda-fork-server", daemon=True).start()
            return
        environment = {name: os.environ[name] for name in PYTHON_VARIABLES if name in os.environ}
        environment.update(PYTHONPATH=str(KIT_ROOT), PYTHONDONTWRITEBYTECODE="1")
        self._process = subprocess.Popen([sys.executable, "-m", "emulator.runtime.forkserver"], env=environment,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        threading.Thread(target=self._listen, args=(self._process,), name="lambda-fork-server", daemon=True).start()

    def _listen(self, process: subprocess.Popen) -> None:
        """Read the fork server's news: the pid of each environment it made, the exit of each that ended."""
        for line in process.stdout:
            news = json.loads(line)
            if "pid" in news:
                self._pids.put(news["pid"])
                continue
            with self._news_lock:
                callback = self._on_exit.pop(news["exited"], None)
                if callback is None:
                    self._early_exits[news["exited"]] = news["status"]
            if callback is not None:
                callback(news["status"])


_shared: list[ForkServer] = []


def fork_server() -> ForkServer:
    """This process's fork server (one for all its local clouds)."""
    if not _shared:
        _shared.append(ForkServer())
    return _shared[0]


# -- a spare, forked ahead of time --------------------------------------------------------------------

_spares: list["_ForkedServer"] = []


def prepare_spare() -> None:
    """Fork a fork server now, for the next process forked from this one to adopt as its own.

    ``check()``'s warm checking process calls it before it reads a check: this process has imported
    the runtime already and holds nothing of the next check (its token, its files), so the spare
    starts in milliseconds where a new Python takes a few hundred, and what it forks holds nothing
    a handler may not see. Single-threaded callers only.
    """
    _spares.append(_ForkedServer())


def discard_spare() -> None:
    """End the spare (adopted or not) and every environment it forked: they belonged to one check."""
    while _spares:
        spare = _spares.pop()
        try:
            os.killpg(spare.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        spare.stdin.close()
        spare.stdout.close()
        os.waitpid(spare.pid, 0)


def spare_fds() -> set[int]:
    """The spare's pipes, which a child that adopts it keeps open."""
    return {fd for spare in _spares for fd in (spare.stdin.fileno(), spare.stdout.fileno())}


class _ForkedServer:
    """A fork server forked from this process, in a process group of its own: what a Popen offers."""

    def __init__(self) -> None:
        requests_read, requests_write = os.pipe()
        news_read, news_write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.setsid()  # one signal to its group ends it and every environment it forked
            _serve_forked(requests_read, news_write)
        os.close(requests_read)
        os.close(news_write)
        self.stdin, self.stdout = os.fdopen(requests_write, "wb"), os.fdopen(news_read, "rb")

    def poll(self) -> int | None:
        """None while it runs (it is this process's child only in the process that forked it)."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return -1
        return None


def _serve_forked(requests: int, news: int) -> None:
    """In a spare just forked: keep only its two pipes and a runtime's variables, then serve."""
    keep = sorted({requests, news})
    os.closerange(3, keep[0])
    os.closerange(keep[0] + 1, keep[1])
    os.closerange(keep[1] + 1, 1 << 16)
    kept = {name: os.environ[name] for name in PYTHON_VARIABLES if name in os.environ}
    os.environ.clear()
    os.environ.update(kept, PYTHONPATH=str(KIT_ROOT), PYTHONDONTWRITEBYTECODE="1")
    if "boto3" in sys.modules:  # its default session was made before the bridge was among botocore's handlers
        sys.modules["boto3"].DEFAULT_SESSION = None
    try:
        _serve(os.fdopen(requests, "rb"), news)
    finally:
        os._exit(0)


# -- the fork server's own process ------------------------------------------------------------------

def serve() -> None:
    """Import what every runtime needs, then fork an environment for each request until stdin closes."""
    _serve(os.fdopen(os.dup(0), "rb"), os.dup(1))


def _serve(requests, news: int) -> None:
    devnull = os.open(os.devnull, os.O_RDWR)
    for stream in (0, 1, 2):
        os.dup2(devnull, stream)
    from . import bootstrap
    bootstrap.preload()

    def reap(signum: int, frame: object) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            _tell(news, {"exited": pid, "status": os.waitstatus_to_exitcode(status)})

    signal.signal(signal.SIGCHLD, reap)
    for line in requests:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _become_environment(request, [requests.fileno(), news])
        _tell(news, {"pid": pid})


def _tell(fd: int, news: dict) -> None:
    os.write(fd, json.dumps(news).encode() + b"\n")  # one short write: lines never interleave


def _become_environment(request: dict, server_fds: list[int]) -> None:
    """In the forked child: take the function's folder and environment, and run the runtime client."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for fd in server_fds:
        os.close(fd)
    os.chdir(request["cwd"])
    sys.path[0] = request["cwd"]  # the task root is on the path, as `python -m` in that folder puts it
    sys.argv = [sys.argv[0], *request["argv"]]
    os.environ.clear()
    os.environ.update(request["env"])
    if request.get("confine"):
        _confine(request["confine"])
    from . import bootstrap, exits
    try:
        bootstrap.main()
    except BaseException as leaving:  # end as Python would have ended (a KeyboardInterrupt: by SIGINT)
        status = exits.exit_status(leaving)
        if status < 0:
            signal.signal(-status, signal.SIG_DFL)
            os.kill(os.getpid(), -status)
        os._exit(max(status, 0))
    os._exit(0)


def _confine(confinement: dict) -> None:
    """The grader's limits, applied by the environment itself (a spare fork server was never limited)."""
    from ..platform import file_access, processes
    processes.limit_resources(*confinement["limits"])
    file_access.restrict(confinement["readable"], confinement["writable"])


if __name__ == "__main__":
    serve()
