"""A handler cannot raise its score: it runs in a process of its own, which holds no test, no results
recorder and no token. Nor can a module a test reads with ``load_module``: it runs in one too.

Each attack is the module text of a handler that answers wrongly ("wrong") and tries to make the
grader pass it anyway. They all ran, before, inside the test process (the local cloud ran handlers
in-process), and several gained points there. Each is graded through the sandbox exactly as a
submission is: the exercise's two tests must both fail, with nothing reported as passed.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from grader import sandbox
from attack_tools import TOKENS_IN_MEMORY, alive

TESTS = """from grader.testing import expect_success
import boto3, json


def test_returns_key1(cloud):
    assert expect_success(cloud.invoke("echo", {"key1": "v"})) == "v"


def test_through_the_lambda_api(cloud):
    answer = boto3.client("lambda").invoke(FunctionName="echo", Payload=json.dumps({"key1": "w"}))
    assert json.loads(answer["Payload"].read()) == "w"
"""
EXPECTED = ("test_returns_key1", "test_through_the_lambda_api")
# Exercises whose answer is a module, not a handler (lab 04's SCHEDULE, lab 09's allows): load_module.
MODULE_TESTS = """
def test_the_constant(load_module):
    assert load_module("echo").ANSWER == "v"


def test_the_function(load_module):
    assert load_module("echo").doubled(21) == 42
"""
MODULE_EXPECTED = ("test_the_constant", "test_the_function")
WRONG = "\ndef lambda_handler(event, context):\n    return 'wrong'\n"

ATTACKS = {
    # Rebind what judges the run: the integrity guard, the failure check, pytest's own reporting.
    "rebinds_the_guard": """
import grader.sandbox, grader.testing, _pytest.python
grader.sandbox.IntegrityGuard.first_change = lambda self: None
grader.testing.expect_success = lambda invocation: "v"
_pytest.python.Function.runtest = lambda self: None
""" + WRONG,
    # Find the recorder in memory and send passing records with its token, then leave.
    "forges_records": """
import gc, os

def lambda_handler(event, context):
    for thing in gc.get_objects():
        if type(thing).__name__ == "Recorder":
            for name in ("test_returns_key1", "test_through_the_lambda_api"):
                thing.send({"kind": "test", "name": name, "passed": True, "message": ""})
            thing.send({"kind": "done"})
            os._exit(0)
    return "wrong"
""",
    # Make every JSON decoding in the process read "v" / "w", and every boto3 call answer "w".
    "patches_json_and_botocore": """
import io, json, botocore.client
json.JSONDecoder.decode = lambda self, text, *args, **kwargs: "v"
botocore.client.BaseClient._make_api_call = lambda self, operation, params: {"Payload": io.BytesIO(b'"w"')}
""" + WRONG,
    # End the test process, hoping a partial report counts.
    "kills_the_test_process": """
import os, signal

def lambda_handler(event, context):
    os.kill(os.getppid(), signal.SIGKILL)
    return "wrong"
""",
    # Fork a process that outlives the invocation and writes records into every file the test process has open.
    "forks_a_forger": """
import json, os, pathlib, time

def lambda_handler(event, context):
    if os.fork() == 0:
        pathlib.Path({pid_file!r}).write_text(str(os.getpid()))
        parent = os.getppid()
        for _ in range(20):
            for fd in pathlib.Path(f"/proc/{{parent}}/fd").glob("*"):
                try:
                    with open(fd, "w") as channel:
                        channel.write(json.dumps({{"kind": "test", "name": "test_returns_key1", "passed": True}}) + "\\n")
                except OSError:
                    pass
            time.sleep(0.5)
        os._exit(0)
    return "wrong"
""",
    # Find every token-like string in its own memory (a process may always read itself) and write
    # records with each into every file of its ancestors it can open for writing through /proc.
    "forges_with_tokens_from_memory": TOKENS_IN_MEMORY + """
import json, os

def ancestors():
    pid = os.getpid()
    while pid > 1:
        pid = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
        yield pid

RECORDS = b"".join(json.dumps({"kind": "test", "name": name, "passed": True, "message": "",
                               "token": token.decode()}).encode() + b"\\n"
                   for token in tokens_in_memory() for name in ("test_returns_key1", "test_through_the_lambda_api"))

def lambda_handler(event, context):
    for pid in list(ancestors())[:4]:
        for fd in os.listdir(f"/proc/{pid}/fd") if os.access(f"/proc/{pid}/fd", os.R_OK) else []:
            try:
                with open(f"/proc/{pid}/fd/{fd}", "wb") as channel:
                    channel.write(RECORDS)
            except OSError:
                pass
    return "wrong"
""",
}
WRONG_MODULE = "\nANSWER = 'wrong'\n\ndef doubled(number):\n    return 0\n"
MODULE_ATTACKS = {  # the same attacks, made as the module is imported
    "module_rebinds_the_guard": ATTACKS["rebinds_the_guard"].replace(WRONG, WRONG_MODULE),
    "module_forges_records": """
import gc, os
for thing in gc.get_objects():
    if type(thing).__name__ == "Recorder":
        for name in ("test_the_constant", "test_the_function"):
            thing.send({"kind": "test", "name": name, "passed": True, "message": ""})
        thing.send({"kind": "done"})
        os._exit(0)
""" + WRONG_MODULE,
    "module_patches_comparisons": """
import builtins, pytest
builtins.AssertionError = type("Harmless", (Exception,), {})
pytest.fail = lambda *args, **kwargs: None
""" + WRONG_MODULE,
}


def job(work: Path, name: str, module: str) -> sandbox.Job:
    (work / name / "echo").mkdir(parents=True)
    (work / name / "echo" / "lambda_function.py").write_text(module)
    tests, expected = (MODULE_TESTS, MODULE_EXPECTED) if name.startswith("module") else (TESTS, EXPECTED)
    return sandbox.Job(f"01-{name}", tests, expected, str(work / name), [{"name": "echo"}], timeout=60)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    work = tmp_path_factory.mktemp("attacks")
    pid_file = work / "forger.pid"
    jobs = [job(work, name, module.format(pid_file=str(pid_file)) if name == "forks_a_forger" else module)
            for name, module in ATTACKS.items()]
    jobs += [job(work, name, module) for name, module in MODULE_ATTACKS.items()]
    jobs.append(job(work, "honest", "\ndef lambda_handler(event, context):\n    return event['key1']\n"))
    jobs.append(job(work, "module_honest", "\nANSWER = 'v'\n\ndef doubled(number):\n    return 2 * number\n"))
    results = {job.exercise_id.removeprefix("01-"): result for job, result in sandbox.run_all(jobs, workers=2, fork=False)}
    return results, pid_file


@pytest.mark.parametrize("honest", ["honest", "module_honest"])
def test_an_honest_answer_passes_in_its_own_process(graded, honest):
    results, _ = graded
    assert results[honest].kind == "ok" and all(outcome.passed for outcome in results[honest].outcomes.values())


@pytest.mark.parametrize("attack", sorted(ATTACKS | MODULE_ATTACKS))
def test_no_attack_gains_a_point(graded, attack):
    results, _ = graded
    result = results[attack]
    assert not any(outcome.passed for outcome in result.outcomes.values()), (attack, result)


def test_a_forked_process_does_not_outlive_its_test_process(graded):
    _, pid_file = graded
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and alive(pid):
        time.sleep(0.1)
    assert not alive(pid)



def test_load_module_failures_are_one_plain_sentence(tmp_path):
    tests = "\n\n".join([
        "def test_missing(load_module):\n    load_module('echo').SCHEDULE",
        "def test_call(load_module):\n    load_module('echo').doubled(1)",
        "def test_value(load_module):\n    load_module('echo').ANSWER",
    ])
    module = "ANSWER = {1, 2}\n\ndef doubled(number):\n    return number / 0\n"
    (tmp_path / "echo").mkdir()
    (tmp_path / "echo" / "lambda_function.py").write_text(module)
    result = sandbox.run(sandbox.Job("01-module", tests, ("test_missing", "test_call", "test_value"), str(tmp_path),
                                     [{"name": "echo"}], timeout=60), fork=False)
    messages = {name: outcome.message for name, outcome in result.outcomes.items()}
    assert messages == {
        "test_missing": "echo's code defines no SCHEDULE: check the spelling of its name in your cell",
        "test_call": "echo.doubled(...) raised ZeroDivisionError: division by zero (lambda_function.py, line 4)",
        "test_value": "echo.ANSWER is a set, which the tests cannot read: use a str, a number, a bool, None, "
                      "or lists and dicts of them",
    }
