"""A warm checking process: ``check()`` answers in the time its tests take, not the time Python starts.

A check must not run the student's code in the notebook's process, and starting a fresh Python that
imports pytest, moto, boto3 and the emulator costs more than a second before the first test runs.
So a notebook keeps one *checking process* of its own, started in the background when the lab's first
cell runs. It imports all of that once (:func:`grader.sandbox.preload`) and then, for each check,
forks a spare fork server for the check's functions (:func:`emulator.runtime.forkserver.prepare_spare`,
made before the check arrives, so it holds nothing of it) and a child that runs the exercise's tests
exactly as batch grading does: its own process group,
an environment rebuilt without credentials, resource limits, no network, the time limit, results
through a pipe with a token. The checking process itself never runs student code, so every check
starts from the same clean state.

If the checking process dies (a handler that killed its parent, a machine that ran out of memory) or
stops answering, that check is reported as a crash or a timeout and the next check starts a new one.
Where there is no ``fork`` (Windows, the browser), checks run in the kernel instead
(:mod:`emulator.platform.checks` chooses, :mod:`grader.in_kernel` runs them).
"""

from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path

from emulator.platform.processes import kill_group
from emulator.runtime import forkserver

from . import sandbox

STARTUP_ALLOWANCE = 60.0  # seconds a new checking process may take to import everything, on top of a job's limit


class CheckingProcess:
    """The notebook's side: one warm process, started when needed, replaced when it fails."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self.home = Path(tempfile.mkdtemp(prefix="lambda-lab-checks-"))
        self._lock = threading.Lock()
        self._answered = False  # has the current process answered once (so it is warm)?

    @property
    def pid(self) -> int | None:
        return self._process.pid if self.alive else None

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start the checking process if none runs (it warms up in the background)."""
        if self.alive:
            return
        self._process = subprocess.Popen(
            [sys.executable, "-c", "from grader.warm import serve; serve()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=self.home,
            env=sandbox.sandbox_environment(self.home), start_new_session=True)
        self._answered = False

    def run(self, job: sandbox.Job) -> sandbox.RunResult:
        """Run one job in a child of the checking process; a failed process is replaced next time."""
        with self._lock:
            self.start()
            deadline = time.monotonic() + job.timeout + (5.0 if self._answered else STARTUP_ALLOWANCE)
            try:
                self._process.stdin.write(json.dumps(asdict(job) | {"tag": None}).encode() + b"\n")
                self._process.stdin.flush()
                answer = self._read_line(deadline)
            except (OSError, ValueError):
                answer = None
            if answer is None:
                self.stop()
                return sandbox.RunResult({name: sandbox.Outcome(False, PROCESS_LOST) for name in job.expected},
                                         "crash", PROCESS_LOST)
            self._answered = True
            return _result_from(answer)

    def _read_line(self, deadline: float) -> dict | None:
        """The next line the checking process writes, parsed; None if it ends, or says nothing in time."""
        stream, line = self._process.stdout, b""
        while not line.endswith(b"\n"):
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([stream], [], [], wait)[0]:
                return None
            chunk = os.read(stream.fileno(), 1 << 20)
            if not chunk:
                return None
            line += chunk
        return json.loads(line)

    def stop(self) -> None:
        """End the checking process and anything it started."""
        if self._process is not None:
            kill_group(self._process.pid)
            self._process.wait()
            self._process = None


PROCESS_LOST = ("the checking process stopped or stopped answering (did your code end its parent process, or "
                "use up the memory?): run the check again, a new one starts")


def _result_from(answer: dict) -> sandbox.RunResult:
    outcomes = {name: sandbox.Outcome(**outcome) for name, outcome in answer["outcomes"].items()}
    return sandbox.RunResult(outcomes, answer["kind"], answer["problem"], answer["seconds"], answer["isolation"])


# -- the checking process ---------------------------------------------------------------------------

def serve() -> None:
    """The checking process: import everything once, then run each job it is sent in a forked child."""
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # nothing printed while importing can garble an answer
    sandbox.preload()
    while True:
        forkserver.prepare_spare()  # before the check arrives: the spare holds nothing of it
        line = sys.stdin.buffer.readline()
        if not line:
            return
        result = sandbox.run(sandbox.Job(**json.loads(line)), fork=True)
        forkserver.discard_spare()  # it served that check's functions only
        answers.write(json.dumps(asdict(result)).encode() + b"\n")
        answers.flush()


_shared: CheckingProcess | None = None


def warm_up() -> None:
    """Start this kernel's checking process now, so that the first check finds it warm."""
    checking_process().start()


@atexit.register
def _stop_shared() -> None:
    if _shared is not None:
        _shared.stop()
        shutil.rmtree(_shared.home, ignore_errors=True)


def checking_process() -> CheckingProcess:
    """This kernel's checking process (it forks each check, so it needs a platform with ``fork``)."""
    global _shared
    if _shared is None:
        _shared = CheckingProcess()
    return _shared


def run(job: sandbox.Job) -> sandbox.RunResult:
    """Run a check's job in a child of the warm checking process."""
    return checking_process().run(job)
