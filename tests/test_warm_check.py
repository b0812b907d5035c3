"""check() through the warm checking process: the same verdicts as a fresh process, one process kept
warm between checks, and a process that dies or hangs replaced without a word lost."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader import sandbox, warm
from grader.check import make_check

LABS = Path(__file__).parent / "fixtures" / "course" / "labs"
ECHO = "def lambda_handler(event, context):\n    return event['key1']\n"
WRONG = "def lambda_handler(event, context):\n    return 'nope'\n"
KILLS_ITS_PARENTS = """
import os, signal
def lambda_handler(event, context):
    test_process = os.getppid()   # the function's own process is a child of the test process
    checking_process = int(open(f"/proc/{test_process}/stat").read().rsplit(")", 1)[1].split()[1])
    os.kill(checking_process, signal.SIGKILL)
    return event['key1']
"""
HANGS = "def lambda_handler(event, context):\n    while True:\n        pass\n"


@pytest.fixture
def checking():
    process = warm.CheckingProcess()
    yield process
    process.stop()
    shutil.rmtree(process.home, ignore_errors=True)


def check_with(tmp_path: Path, process: warm.CheckingProcess, handler: str, timeout: float = 30):
    (tmp_path / "echo").mkdir(exist_ok=True)
    (tmp_path / "echo" / "lambda_function.py").write_text(handler)
    return make_check("01_echo", tmp_path, LABS, timeout=timeout, runner=process.run)("01-echo")


def test_checks_reuse_one_warm_process_and_give_the_fresh_process_verdicts(tmp_path, checking):
    passed = check_with(tmp_path, checking, ECHO)
    pid = checking.pid
    failed = check_with(tmp_path, checking, WRONG)
    assert passed.passed and not failed.passed
    assert checking.pid == pid  # the same warm process answered both
    fresh = make_check("01_echo", tmp_path, LABS, runner=lambda job: sandbox.run(job, fork=False))("01-echo")
    assert [(t.name, t.passed, t.message) for t in fresh.tests] == [(t.name, t.passed, t.message) for t in failed.tests]


def test_a_handler_that_kills_the_checking_process_costs_that_check_only(tmp_path, checking):
    check_with(tmp_path, checking, ECHO)
    killed = check_with(tmp_path, checking, KILLS_ITS_PARENTS)
    assert not killed.passed and "checking process stopped" in killed.problem
    assert not checking.alive
    again = check_with(tmp_path, checking, ECHO)
    assert again.passed and checking.alive  # a new checking process answered


def test_a_hanging_handler_times_out_and_the_process_stays_warm(tmp_path, checking):
    check_with(tmp_path, checking, ECHO)
    pid = checking.pid
    hung = check_with(tmp_path, checking, HANGS, timeout=3)
    assert not hung.passed and "timed out" in hung.problem
    assert check_with(tmp_path, checking, ECHO).passed and checking.pid == pid
