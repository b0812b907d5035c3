"""One exercise's tests, run in a separate process with limits: the grader's sandbox.

For each exercise the grader starts a *child process* that runs the exercise's test cell with pytest
against the student's handler files, and reports one record per test through a socket. The child:

- has a time limit: when it runs out, it is killed with everything it started, and the exercise
  scores 0 with "timed out after S s" (the other exercises are graded as usual);
- has a memory limit (``RLIMIT_AS``), a CPU-time limit and a file-size limit;
- has no AWS credentials and no configuration files: its environment is rebuilt from a short list of
  harmless variables, ``HOME`` is its own empty folder, and the instance-metadata lookup is off;
- has no network: connecting to anything but the loopback interface raises ConnectionRefusedError;
- reports only pass/fail and the first line of each failure's message; the parent decides the points
  (from the instructor's test cell) and never shows a hidden test's code.

Handler code does not run in the test process: the tests' local cloud hosts every function in a
process of its own behind the Lambda Runtime API (``LocalCloud(isolation="process")``, see
``emulator/runtime/process_host.py``), a grandchild that holds the handler's folder and what AWS gives
a function, not the tests, the recorder or the token. A module a test reads with ``load_module`` (an
answer that is a constant or a plain function) runs the same way (:mod:`grader.module_call`). What the
student's code does to its process (exits, patches of json, botocore, pytest or the grader, forks)
stays there. The test process still guards itself, for the tests' own code:

- results go through a socket (no other process can open it through /proc), one record per test as soon as it ends, each carrying a random token
  the parent passed on stdin (or in memory, when forked) before any student code ran; records
  already sent cannot be taken back, and a record without the token is rejected;
- the parent accepts exactly the tests it expected (their names come from its own reading of the
  test cell): a test it does not know about voids the exercise, one that never reported fails;
- after every test the child checks that no module of ``sys.modules`` was replaced or removed, and
  that no function or class of pytest, pluggy, the grader, the emulator or the builtins was
  rebound, and that no pytest plugin appeared; any such change voids the exercise ("tampering").

Files: on Linux (5.13 or newer) the child gives up, through Landlock, every file access but reading
Python, its packages, the kit's code, the system folders, its own job folder and its own submission,
and writing its job folder and /tmp (which AWS gives every function). So handler code cannot read the
kit's ``solutions/``, other exercises' hidden tests or other students' submissions, which the grader
keeps in a folder of its own outside /tmp (:func:`private_root`), nor change them. The child reports
what it got, and the gradebook's ``isolation`` column says so for every submission; where Landlock is
missing (macOS, Windows, an older kernel) it says that there was none.

Limits, honestly: this is still a process with limits, run as the grader's user, not a container.
A handler's process can signal other processes of the same user (ending its own test process costs
that exercise only). For untrusted work, grade with the autograder zip in a container, as
Gradescope does: it carries the tests but no solution code. The network guard stops accidental connections, not deliberate raw
sockets.

Two ways to start the child, with the same child code:

- *fork* (batch grading): the grader imports pytest, moto, boto3 and the emulator once, then forks a
  child per exercise, which starts in milliseconds instead of seconds;
- *spawn* (``check()`` in a notebook): a fresh ``python`` process, since forking a Jupyter kernel
  (which has threads) is unsafe. Its limits are set by the child itself as its first action rather
  than in ``preexec_fn``, which Python documents as unsafe in a process with threads.

The sandbox needs a POSIX system (Linux, macOS, or WSL on Windows).
"""

from __future__ import annotations

import functools
import gc
import json
import os
import secrets
import select
import shutil
import socket
import site
import subprocess
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from emulator.platform import file_access, network, processes

KIT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MEMORY_MB = 2048
MESSAGE_LIMIT = 300  # characters of a failure message kept for feedback
FILE_SIZE_LIMIT = 64 * 2**20
# The only variables a child inherits (plus the ones set below): nothing that could hold a secret.
INHERITED_VARIABLES = ("PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "SYSTEMROOT", "VIRTUAL_ENV")
TRUSTED_PACKAGES = ("builtins", "pytest", "_pytest", "pluggy", "grader", "emulator")
# What a test process may read besides Python, the kit's code, its job folder and its own submission.
SYSTEM_FOLDERS = ("/usr", "/lib", "/lib64", "/bin", "/etc", "/dev", "/proc", "/sys")
PYTEST_INI = "[pytest]\npython_files = test_*.py\npython_classes =\npython_functions = test*\n"


@dataclass
class Job:
    """One exercise to run: the test module's text, the tests expected, and the student's files."""

    exercise_id: str
    test_source: str
    expected: tuple[str, ...]
    work_dir: str
    functions: list[dict]
    timeout: float = 60
    memory_mb: int = DEFAULT_MEMORY_MB
    tag: Any = field(default=None, compare=False)  # the caller's own reference, never sent to the child


@dataclass
class Outcome:
    passed: bool
    message: str = ""


@dataclass
class RunResult:
    """What a run established: every expected test's outcome, and what went wrong with the run itself.

    ``kind`` is ``"ok"``, ``"timeout"``, ``"tampering"`` or ``"crash"``; ``problem`` explains it.
    """

    outcomes: dict[str, Outcome]
    kind: str = "ok"
    problem: str | None = None
    seconds: float = 0.0
    isolation: str = ""  # how the test process's file access was limited (see emulator.platform.file_access)


# -- the parent side --------------------------------------------------------------------------------

def run(job: Job, fork: bool = False) -> RunResult:
    """Run one job and return its result."""
    return next(run_all([job], workers=1, fork=fork))[1]


def run_all(jobs: Iterable[Job], workers: int, fork: bool) -> Iterator[tuple[Job, RunResult]]:
    """Run jobs, ``workers`` at a time, yielding ``(job, result)`` as each finishes.

    With ``fork=True`` the calling process must be single-threaded (call :func:`preload` first so the
    children start warm).
    """
    pending = deque(jobs)
    running: dict[int, _Child] = {}
    try:
        while pending or running:
            while pending and len(running) < workers:
                child = _Child(pending.popleft(), fork)
                running[child.fd] = child
            wait = max(0.0, min(child.deadline for child in running.values()) - time.monotonic())
            readable, _, _ = select.select(list(running), [], [], wait)
            for fd in readable:
                if running[fd].read_available():
                    child = running.pop(fd)
                    yield child.job, child.finish(timed_out=False)
            now = time.monotonic()
            for fd in [fd for fd, child in running.items() if now >= child.deadline]:
                child = running.pop(fd)
                yield child.job, child.finish(timed_out=True)
    finally:  # interrupted (Ctrl-C, an error, the caller stopped early): leave no child behind
        for child in running.values():
            child.finish(timed_out=True)


def preload() -> None:
    """Import and warm up what every child needs, so forked children start in milliseconds."""
    import importlib

    import _pytest.config
    import boto3

    from emulator import LocalCloud, events  # noqa: F401

    from . import testing  # noqa: F401

    for plugin in _pytest.config.default_plugins:  # pytest imports these on every run otherwise
        importlib.import_module(f"_pytest.{plugin}")
    with LocalCloud():  # the first cloud imports moto's backends and botocore's data lazily
        boto3.client("sqs").list_queues()
    # Keep what is loaded now out of every later garbage collection: a child's collections (pytest
    # forces one per run) then skip the big preloaded heap, and its memory pages stay shared.
    gc.freeze()


class _Child:
    """A running child process and what it has reported so far."""

    def __init__(self, job: Job, fork: bool) -> None:
        self.job = job
        self.token = secrets.token_hex(16)
        self.folder = Path(tempfile.mkdtemp(prefix="grader-", dir=private_root()))
        write_tests(job.exercise_id, job.test_source, self.folder)
        self.started = time.monotonic()
        self.deadline = self.started + job.timeout
        self.buffer = bytearray()
        # A socket pair rather than a pipe: /proc/PID/fd/N of a pipe can be opened by any process that may
        # look into PID (root may look into all), a socket's cannot, so no other process can write here.
        reader, writer = socket.socketpair()
        self.fd, write_fd = reader.detach(), writer.detach()
        request = {"job": _job_fields(job), "folder": str(self.folder), "token": self.token}
        self.process = None
        if fork:
            sys.stdout.flush()
            sys.stderr.flush()
            self.pid = os.fork()
            if self.pid == 0:  # the child: never returns
                try:
                    os.close(self.fd)
                    _child_main(request, write_fd, forked=True)
                finally:
                    os._exit(70)
        else:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "from grader.sandbox import _spawned_main; _spawned_main()", str(write_fd)],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                pass_fds=(write_fd,), start_new_session=True, cwd=self.folder,
                env=sandbox_environment(self.folder))
            self.pid = self.process.pid
            self.process.stdin.write(json.dumps(request).encode())
            self.process.stdin.close()
        os.close(write_fd)

    def read_available(self) -> bool:
        """Read what the child wrote; True at end of file."""
        data = os.read(self.fd, 65536)
        self.buffer.extend(data)
        return not data

    def finish(self, timed_out: bool) -> RunResult:
        """Stop the child and everything it started, collect its records and judge them."""
        processes.kill_group(self.pid)
        if self.process is not None:
            self.process.wait()
        else:
            os.waitpid(self.pid, 0)
        os.close(self.fd)
        shutil.rmtree(self.folder, ignore_errors=True)
        result = judge(self.job, self.token, bytes(self.buffer), timed_out)
        result.seconds = time.monotonic() - self.started
        return result


def write_tests(exercise_id: str, test_source: str, folder: Path) -> Path:
    """Write an exercise's test module and its pytest.ini into ``folder``; return the module's path."""
    test_file = Path(folder) / f"test_{exercise_id.replace('-', '_')}.py"
    test_file.write_text("from grader import points\n" + test_source, encoding="utf-8")
    (Path(folder) / "pytest.ini").write_text(PYTEST_INI, encoding="utf-8")
    return test_file


def pytest_arguments(test_file: Path) -> list[str]:
    """How a test process runs an exercise's tests with pytest (the folder of ``test_file`` is the root)."""
    folder = str(Path(test_file).parent)
    # --tb=native: pytest's own traceback rendering re-parses source files and nobody reads it here.
    return [str(test_file), "-c", str(Path(folder) / "pytest.ini"), "--rootdir", folder, "-q", "--tb=native",
            "-p", "no:cacheprovider", "-p", "no:stepwise", "-p", "no:unraisableexception"]


def _job_fields(job: Job) -> dict:
    """What the child needs of a job (everything but the caller's tag)."""
    return {item.name: getattr(job, item.name) for item in fields(job) if item.name != "tag"}


def judge(job: Job, token: str, output: bytes, timed_out: bool) -> RunResult:
    """Turn a child's records into a RunResult, trusting only records with the token and expected names."""
    outcomes: dict[str, Outcome] = {}
    interference: list[str] = []
    error = None
    finished = False
    isolation = ""
    for line in output.decode("utf-8", "replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if not isinstance(record, dict) or record.get("token") != token:
            interference.append("something other than the grader wrote to its results channel")
            continue
        kind = record.get("kind")
        if kind == "test":
            name = record.get("name")
            if name not in job.expected:
                interference.append(f"a test the exercise does not have ({name!r}) reported a result")
                continue
            outcome = Outcome(record.get("passed") is True, str(record.get("message", ""))[:MESSAGE_LIMIT])
            earlier = outcomes.get(name)
            if earlier is not None and not earlier.passed:  # parametrized cases: all must pass
                outcome = earlier
            outcomes[name] = outcome
        elif kind == "tampered":
            interference.append(str(record.get("message")))
        elif kind == "error":
            error = str(record.get("message"))[:MESSAGE_LIMIT]
        elif kind == "done":
            finished = True
        elif kind == "isolation":
            isolation = str(record.get("message"))[:MESSAGE_LIMIT]
    return replace(_verdict(job, outcomes, interference, error, finished, timed_out), isolation=isolation)


def _verdict(job: Job, outcomes: dict[str, Outcome], interference: list[str], error: str | None, finished: bool,
             timed_out: bool) -> RunResult:
    """What the records establish: a timeout, tampering or a crash first, then each test's outcome."""
    if timed_out:
        return _all_failed(job, "timeout", f"timed out after {job.timeout:g} s")
    if interference:
        return _all_failed(job, "tampering", f"the test run was tampered with ({interference[0]}), "
                                            "so this exercise scores 0")
    if error:
        return _all_failed(job, "crash", error)
    missing = [name for name in job.expected if name not in outcomes]
    for name in missing:
        outcomes[name] = Outcome(False, "this test never finished: the test process stopped early "
                                        "(did your code call exit(), or crash Python?)")
    if missing or not finished:
        return RunResult(outcomes, "crash", "the test process stopped before all tests had run")
    return RunResult(outcomes)


def _all_failed(job: Job, kind: str, problem: str) -> RunResult:
    return RunResult({name: Outcome(False, problem) for name in job.expected}, kind, problem)


def sandbox_environment(folder: Path) -> dict[str, str]:
    """The child's whole environment: a few harmless variables, no credentials, its own HOME."""
    environment = {name: os.environ[name] for name in INHERITED_VARIABLES if name in os.environ}
    environment.update({
        "HOME": str(folder),  # no ~/.aws/credentials, no ~/.aws/config
        "AWS_EC2_METADATA_DISABLED": "true",  # no credential lookup on an instance-metadata endpoint
        "AWS_DEFAULT_REGION": "us-east-1",  # a region is no credential: module-level boto3 clients can be built
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": os.pathsep.join([str(KIT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
    })
    return environment


# -- the child side ---------------------------------------------------------------------------------

def _spawned_main() -> None:
    """Entry point of a spawned child: the request arrives on stdin, the results socket is argv[1]."""
    request = json.loads(sys.stdin.buffer.read())
    _child_main(request, int(sys.argv[1]), forked=False)


def _child_main(request: dict, results_fd: int, forked: bool) -> None:
    """Set up the limits and the guards, run pytest on the exercise's tests, report, exit."""
    from emulator.runtime import forkserver

    folder = request["folder"]
    if forked:
        processes.start_own_group()  # so the parent can kill all it starts
        processes.die_with_parent()  # and a parent that dies (a killed checking process) takes it along
        _close_all_but({results_fd, *forkserver.spare_fds()})  # a spare fork server is this child's to use
        os.chdir(folder)
        os.environ.clear()
        os.environ.update(sandbox_environment(Path(folder)))
        devnull = os.open(os.devnull, os.O_RDWR)
        for stream in (0, 1, 2):
            os.dup2(devnull, stream)
    limits = (request["job"]["memory_mb"], int(request["job"]["timeout"]) + 5, FILE_SIZE_LIMIT)
    processes.limit_resources(*limits)
    processes.keep_memory_private()  # a handler's process cannot read the token from /proc
    readable, writable = readable_folders(request), [folder, tempfile.gettempdir(), "/dev/null", "/dev/shm"]
    isolation = file_access.restrict(readable, writable)
    forkserver.fork_server().confine(readable, writable, limits)  # the functions' processes, limited alike
    install_network_guard()
    import pytest

    from . import testing

    job = request["job"]
    testing.configure(job["work_dir"], job["functions"])
    recorder = Recorder(functools.partial(os.write, results_fd), request["token"])
    recorder.send({"kind": "isolation", "message": isolation})
    test_file = Path(folder) / f"test_{job['exercise_id'].replace('-', '_')}.py"
    pytest.main(pytest_arguments(test_file), plugins=[recorder, testing])
    recorder.send({"kind": "done"})
    os._exit(0)


def private_root() -> Path:
    """Where the grader keeps submissions and tests while it grades: outside the shared /tmp, which a
    test process may write (AWS gives a function /tmp), and readable by this user only."""
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lambda-lab-grader"
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


def readable_folders(request: dict) -> list[str]:
    """Python, its packages, the kit's code (not its solutions), the system, this job and this submission."""
    python = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix, *site.getsitepackages(),
              site.getusersitepackages()}
    kit = [str(KIT_ROOT / "emulator"), str(KIT_ROOT / "grader")]
    return [*SYSTEM_FOLDERS, *python, *kit, request["folder"], request["job"]["work_dir"]]


def _close_all_but(kept: set[int]) -> None:
    """Close every file descriptor from 3 up except ``kept``."""
    low = 3
    for fd in sorted(kept):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 1 << 16)


install_network_guard = network.install_guard  # refuse connections to anything but loopback, in this process
_is_loopback = network.is_loopback


class Recorder:
    """The pytest plugin that reports each test's outcome to the parent as soon as the test ends.

    ``write`` takes each record's bytes: a write to the results socket (bound before any student code
    ran), or, in an in-kernel check, a buffer's ``extend``.
    """

    def __init__(self, write: Callable[[bytes], object], token: str) -> None:
        self._token, self._write, self._dumps = token, write, json.dumps
        self._tests: dict[str, dict] = {}
        self._guard: IntegrityGuard | None = None

    def send(self, record: dict) -> None:
        self._write((self._dumps({**record, "token": self._token}) + "\n").encode())

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            lines = str(report.longrepr).strip().splitlines()
            self.send({"kind": "error", "message": f"the tests could not be loaded: {lines[-1] if lines else '?'}"})

    def pytest_collection_finish(self, session) -> None:
        self._guard = IntegrityGuard(session.config.pluginmanager)  # before any student code has run

    def pytest_runtest_makereport(self, item, call) -> None:
        """Called after each phase (setup, call, teardown): any exception, even a skip, fails the test."""
        test = self._tests.setdefault(item.nodeid, {"name": getattr(item, "originalname", item.name),
                                                    "passed": True, "message": ""})
        if call.excinfo is not None and test["passed"]:
            test["passed"] = False
            test["message"] = failure_line(call.excinfo)
        if call.when == "teardown":
            self.send({"kind": "test", **test})
            change = self._guard.first_change() if self._guard else None
            if change:
                self.send({"kind": "tampered", "message": change})


def failure_line(excinfo) -> str:
    """The first line of a failure: an assertion's message, or ``Type: message`` for other errors."""
    from _pytest.outcomes import OutcomeException

    error = excinfo.value
    lines = str(error).strip().splitlines()
    first = lines[0] if lines else ""
    if isinstance(error, (AssertionError, OutcomeException)):
        return (first or "an assertion failed")[:MESSAGE_LIMIT]
    return (f"{type(error).__name__}: {first}" if first else type(error).__name__)[:MESSAGE_LIMIT]


class IntegrityGuard:
    """A snapshot of what the tests rely on, and the first change to it since."""

    def __init__(self, plugin_manager) -> None:
        self.plugin_manager = plugin_manager
        self.plugins = set(map(id, plugin_manager.get_plugins()))
        self.modules = dict(sys.modules)
        self.bindings = list(self._trusted_bindings())

    def _trusted_bindings(self) -> Iterator[tuple[str, Any, str, Any]]:
        """``(label, namespace, name, value)`` for each function and class of the trusted modules."""
        for module_name, module in list(sys.modules.items()):
            if module is None or module_name.split(".")[0] not in TRUSTED_PACKAGES:
                continue
            namespace = vars(module)
            for name, value in list(namespace.items()):
                if getattr(value, "__module__", None) != module_name or not callable(value):
                    continue
                yield f"{module_name}.{name}", namespace, name, value
                if isinstance(value, type):
                    for member, inner in list(vars(value).items()):
                        if callable(inner) or isinstance(inner, (classmethod, staticmethod, property)):
                            yield f"{module_name}.{name}.{member}", vars(value), member, inner

    def first_change(self) -> str | None:
        for name, module in self.modules.items():
            if sys.modules.get(name) is not module:
                return f"sys.modules[{name!r}] was replaced or removed"
        for label, namespace, name, value in self.bindings:
            if namespace.get(name) is not value:
                return f"{label} was replaced"
        if set(map(id, self.plugin_manager.get_plugins())) != self.plugins:
            return "a pytest plugin was registered or removed"
        return None
