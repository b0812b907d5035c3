"""check() in the notebook's own process (Windows, the browser, or LAMBDA_LAB_CHECK=in-kernel): the same
verdicts as the sandbox, nothing printed into the cell, the notebook's cloud untouched, edits seen."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from emulator import LocalCloud
from emulator.platform import checks
from emulator.runtime.timeouts import simulated_sleep
from grader import in_kernel
from grader.check import make_check, platform_runner
from grader.exercises import read_lab
from grader.extract import handler_bodies, load_notebook, write_handlers

KIT = Path(__file__).resolve().parents[1]
LABS = Path(__file__).parent / "fixtures" / "course" / "labs"
ECHO = "def lambda_handler(event, context):\n    return event['key1']\n"
WRONG = "def lambda_handler(event, context):\n    return 'nope'\n"
HANGS = "def lambda_handler(event, context):\n    while True:\n        pass\n"
CHATTY = "def lambda_handler(event, context):\n    print('HANDLER OUTPUT')\n    return event['key1']\n"


@pytest.fixture(autouse=True)
def in_kernel_mode(monkeypatch):
    monkeypatch.setenv(checks.VARIABLE, "in-kernel")


@pytest.fixture
def notebook_cloud():
    """The student's own cloud, running in the same process as the check, as in a notebook."""
    with LocalCloud() as cloud:
        yield cloud


def check_echo(tmp_path: Path, handler: str):
    (tmp_path / "echo").mkdir(exist_ok=True)
    (tmp_path / "echo" / "lambda_function.py").write_text(handler)
    return make_check("01_echo", tmp_path, LABS)("01-echo")


def lab_notebook(folder: Path, lab_id: str, cells: list[str]) -> Path:
    """A lab notebook of code cells, written in ``folder``."""
    path = folder / f"{lab_id}.ipynb"
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": source}
        for source in cells]}))
    return path


def test_the_forced_mechanism_is_the_in_kernel_runner():
    assert platform_runner() is in_kernel.run


def test_lab_06_solutions_get_full_points_and_a_broken_calculator_its_message(tmp_path, notebook_cloud):
    solutions = KIT / "solutions" / "06_calculator.ipynb"
    lab = read_lab(solutions)
    write_handlers(lab, handler_bodies(load_notebook(solutions)), tmp_path)
    check = make_check("06_calculator", tmp_path, KIT / "labs")
    for exercise in lab.exercises:
        result = check(exercise)
        assert result.passed and result.score == result.max_score > 0, str(result)
    calculator = next(path for path in tmp_path.glob("*/lambda_function.py") if "operation" in path.read_text())
    calculator.write_text("def lambda_handler(event, context):\n    raise ValueError('broken calculator')\n")
    broken = check("06-calculator")
    assert not broken.passed and broken.score < broken.max_score
    messages = [test.message for test in broken.tests if not test.passed]
    assert messages and all(message and "Traceback" not in message and "\n" not in message for message in messages)
    assert any("broken calculator" in message for message in messages), messages


@pytest.mark.parametrize("lab_id", sorted(path.stem for path in (KIT / "solutions").glob("[0-9][0-9]_*.ipynb")))
def test_every_labs_solutions_pass_their_checks_in_the_kernel(lab_id, tmp_path, notebook_cloud):
    solutions = KIT / "solutions" / f"{lab_id}.ipynb"
    lab = read_lab(solutions)
    write_handlers(lab, handler_bodies(load_notebook(solutions)), tmp_path)
    check = make_check(lab_id, tmp_path, KIT / "labs")
    failed = [str(result) for result in map(check, lab.exercises) if not result.passed]
    assert not failed, "\n".join(failed)


def test_what_tests_and_handlers_print_stays_out_of_the_cell(tmp_path, notebook_cloud, capfd):
    labs = tmp_path / "labs"
    labs.mkdir()
    lab_notebook(labs, "01_chatty", [
        "%%lambda echo\ndef lambda_handler(event, context):\n    raise NotImplementedError\n",
        "%%tests 01-chatty\nimport os, sys\n\ndef test_prints(cloud):\n    print('TEST OUTPUT')\n"
        "    print('TEST ERROR', file=sys.stderr)\n    os.write(1, b'FD OUTPUT')\n"
        "    assert cloud.invoke('echo', {'key1': 1}).payload == 1\n"])
    (tmp_path / "work" / "echo").mkdir(parents=True)
    (tmp_path / "work" / "echo" / "lambda_function.py").write_text(CHATTY)
    capfd.readouterr()
    result = make_check("01_chatty", tmp_path / "work", labs)("01-chatty")
    assert result.passed, str(result)
    out, err = capfd.readouterr()
    for text in ("TEST OUTPUT", "TEST ERROR", "FD OUTPUT", "HANDLER OUTPUT", "passed"):
        assert text not in out + err


EMPTY_ACCOUNT = """
def test_{name}_sees_an_empty_account(cloud):
    assert cloud.client('sqs').list_queues().get('QueueUrls') is None, 'the check saw a queue'
    functions = [f['FunctionName'] for f in cloud.client('lambda').list_functions()['Functions']]
    assert functions == ['echo'], f'the check saw the functions {{functions}}'
    cloud.create_queue('input_queue')
"""


def test_the_notebooks_cloud_is_the_same_after_a_check_and_the_check_sees_none_of_it(tmp_path, notebook_cloud):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "lambda_function.py").write_text(ECHO)
    notebook_cloud.create_function("mine", code=tmp_path / "mine")
    url = notebook_cloud.create_queue("my_queue")
    notebook_cloud.client("sqs").send_message(QueueUrl=url, MessageBody="kept")
    labs = tmp_path / "labs"
    labs.mkdir()
    lab_notebook(labs, "01_blind", [
        "%%lambda echo\ndef lambda_handler(event, context):\n    raise NotImplementedError\n",
        "%%tests 01-blind\n" + "".join(EMPTY_ACCOUNT.format(name=name) for name in ("first", "second"))])
    (tmp_path / "work" / "echo").mkdir(parents=True)
    (tmp_path / "work" / "echo" / "lambda_function.py").write_text(ECHO)
    queues_before, functions_before = notebook_cloud.queue_names(), sorted(notebook_cloud.functions)
    result = make_check("01_blind", tmp_path / "work", labs)("01-blind")
    assert result.passed, str(result)
    assert notebook_cloud.queue_names() == queues_before == ["my_queue"]
    assert sorted(notebook_cloud.functions) == functions_before == ["mine"]
    messages = notebook_cloud.client("sqs").receive_message(QueueUrl=url).get("Messages", [])
    assert [message["Body"] for message in messages] == ["kept"]
    assert notebook_cloud.invoke("mine", {"key1": "still here"}).payload == "still here"
    assert time.sleep is simulated_sleep  # the notebook's handlers still sleep on the virtual clock


def test_a_second_check_after_an_edit_runs_the_new_code(tmp_path, notebook_cloud):
    assert check_echo(tmp_path, ECHO).passed
    assert not check_echo(tmp_path, WRONG).passed
    assert check_echo(tmp_path, ECHO).passed


def test_an_endless_loop_is_stopped_by_its_timeout_and_reported(tmp_path, notebook_cloud):
    result = check_echo(tmp_path, HANGS)
    assert not result.passed and result.problem is None
    assert all("timed out after 3" in test.message for test in result.tests), str(result)
    assert check_echo(tmp_path, ECHO).passed  # the notebook's process goes on


WITHOUT_POSIX = """
import builtins, json, os, sys
for name in ("fcntl", "resource", "termios", "pty", "grp"):
    sys.modules[name] = None  # an import of it raises ImportError, as on Windows
for name in ("fork", "setsid", "killpg", "fchdir"):
    if hasattr(os, name):
        delattr(os, name)
import grader, grader.check
from emulator.platform import checks
from emulator.runtime.timeouts import simulated_sleep
from grader import in_kernel
print(json.dumps([checks.DEFAULT, grader.check.platform_runner() is in_kernel.run]))
"""


def test_without_fork_resource_and_fcntl_the_grader_imports_and_checks_in_the_kernel():
    environment = {name: value for name, value in os.environ.items() if name != checks.VARIABLE}
    completed = subprocess.run([sys.executable, "-c", WITHOUT_POSIX], capture_output=True, text=True, cwd=KIT,
                               env=environment, timeout=120)
    assert completed.stdout.splitlines()[-1:] == ['["in-kernel", true]'], completed.stderr[-2000:]


def test_forcing_an_unknown_mechanism_says_what_to_write(monkeypatch):
    monkeypatch.setenv(checks.VARIABLE, "docker")
    with pytest.raises(ValueError, match="LAMBDA_LAB_CHECK=in-kernel or LAMBDA_LAB_CHECK=process"):
        checks.mechanism()
