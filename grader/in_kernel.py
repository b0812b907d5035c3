"""A check run in the notebook's own process: for Windows and the browser, where there is no fork.

:func:`run` takes the same job as :func:`grader.sandbox.run` (the exercise's public tests, from the
kit's copy of the lab) and returns the same :class:`~grader.sandbox.RunResult`, judged by the same
:func:`~grader.sandbox.judge` from the same records of the same :class:`~grader.sandbox.Recorder`,
so ``check()`` shows the same points and one-sentence messages. The differences:

- pytest runs in this process (``pytest.main`` with the recorder as a plugin); what it prints, and what
  the tests print, is kept out of the cell; the modules it imported from the tests' folder are
  forgotten afterwards, so the next check imports them afresh;
- the tests' clouds host functions in this process (``isolation="in-process"``); a handler that runs
  past its timeout is stopped by :mod:`emulator.platform.interrupts`. Each function's timeout bounds
  the student's code; the check as a whole has no time limit of its own;
- moto's data is set aside for the check (:mod:`emulator.aws.moto_state`): the notebook's cloud keeps
  its queues, functions and rules, and the check sees none of them;
- no resource limits, network guard or file isolation: the student's code shares the notebook's
  process, so a determined student can fool their own check. Batch grading is what counts.
"""

from __future__ import annotations

import io
import os
import secrets
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import replace
from pathlib import Path
from typing import Iterator

from . import sandbox

ISOLATION = "in the notebook's process: no limits, no file isolation (a check for practice; grading isolates)"
# pytest settings of the kernel's environment that would change how the check's tests run.
PYTEST_VARIABLES = {"PYTEST_ADDOPTS": None, "PYTEST_PLUGINS": None, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def run(job: sandbox.Job) -> sandbox.RunResult:
    """Run one check's job in this process and judge its records as the sandbox's are judged."""
    import pytest

    from emulator.aws.moto_state import set_aside

    from . import testing

    started = time.monotonic()
    token = secrets.token_hex(16)
    records = bytearray()
    recorder = sandbox.Recorder(records.extend, token)
    folder = Path(tempfile.mkdtemp(prefix="lambda-lab-check-"))
    try:
        test_file = sandbox.write_tests(job.exercise_id, job.test_source, folder)
        testing.configure(job.work_dir, job.functions, isolation="in-process")
        recorder.send({"kind": "isolation", "message": ISOLATION})
        with _fresh_imports(folder), _pytest_environment(), set_aside(), \
                redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            pytest.main(sandbox.pytest_arguments(test_file), plugins=[recorder, testing])
        recorder.send({"kind": "done"})
    except Exception as error:  # pytest itself failed: the check says so, as a crashed test process does
        recorder.send({"kind": "error", "message": f"the tests could not run: {type(error).__name__}: {error}"})
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    result = sandbox.judge(job, token, bytes(records), timed_out=False)
    return replace(result, seconds=time.monotonic() - started)


@contextmanager
def _fresh_imports(folder: Path) -> Iterator[None]:
    """Forget, afterwards, the modules imported from ``folder`` and the paths pytest added."""
    path = list(sys.path)
    try:
        yield
    finally:
        sys.path[:] = path
        inside = str(folder.resolve())
        for name, module in list(sys.modules.items()):
            if str(getattr(module, "__file__", None) or "").startswith(inside):
                del sys.modules[name]


@contextmanager
def _pytest_environment() -> Iterator[None]:
    """The environment variables pytest reads, as the sandbox sets them, for the block only."""
    saved = {name: os.environ.get(name) for name in PYTEST_VARIABLES}
    for name, value in PYTEST_VARIABLES.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
