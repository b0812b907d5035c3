"""The sandbox: one exercise's tests in a separate process, limited, and hard to fool.

The tests below put the hostile code straight into a test function: it runs in the test process
exactly as handler code does (the local cloud runs handlers in-process).
"""

from __future__ import annotations

import json

import pytest

from grader import sandbox

SETUP_ENVIRONMENT = """
import os, socket

def test_no_credentials_and_a_private_home():
    leaked = sorted(name for name in os.environ if name.startswith("AWS_") and name not in ("AWS_EC2_METADATA_DISABLED", "AWS_DEFAULT_REGION"))
    assert leaked == [], f"AWS variables reached the sandbox: {leaked}"
    assert os.environ["HOME"] == os.getcwd(), "HOME should be the sandbox's own folder"
    assert "SECRET_OF_THE_INSTRUCTOR" not in os.environ, "an unlisted variable reached the sandbox"

def test_no_network():
    try:
        socket.create_connection(("93.184.216.34", 80), timeout=1)
    except OSError as error:
        assert "no network in the grader's sandbox" in str(error), str(error)
    else:
        raise AssertionError("a connection left the machine")

def test_loopback_is_allowed():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    socket.create_connection(server.getsockname(), timeout=1).close()

def test_memory_is_limited():
    try:
        bytearray(6 * 1024 ** 3)
    except MemoryError:
        return
    raise AssertionError("6 GB were allocated in spite of the memory limit")
"""

HOSTILE = {
    "patch-pytest": "import _pytest.python\n_pytest.python.Function.runtest = lambda self: None\n",
    "poison-modules": "import sys, types\nsys.modules['json'] = types.ModuleType('json')\n",
    "register-plugin": ("import gc\nclass Plugin:\n    def pytest_pyfunc_call(self, pyfuncitem):\n        return True\n"
                        "[o.register(Plugin()) for o in gc.get_objects() if type(o).__name__ == 'PytestPluginManager']\n"),
    "forge-records": ("import json, os\nfor fd in range(3, 40):\n    try:\n"
                      "        os.write(fd, (json.dumps({'kind': 'test', 'name': 'test_b', 'passed': True}) + '\\n').encode())\n"
                      "    except OSError:\n        pass\n"),
    "exit-early": "import os\nos._exit(0)\n",
}


def hostile_job(exercise_id: str, code: str) -> sandbox.Job:
    """An exercise whose first test runs ``code``; the second would fail honestly."""
    indented = "".join(f"    {line}\n" for line in code.splitlines())
    source = f"def test_a():\n{indented}\ndef test_b():\n    assert False, 'test_b fails'\n"
    return sandbox.Job(exercise_id, source, ("test_a", "test_b"), "/nonexistent", [], timeout=30, memory_mb=1024)


@pytest.fixture(scope="module")
def results():
    """Every job of this module, run two at a time in spawned processes, by exercise id."""
    jobs = [
        sandbox.Job("01-environment", SETUP_ENVIRONMENT, ("test_no_credentials_and_a_private_home", "test_no_network",
                                                           "test_loopback_is_allowed", "test_memory_is_limited"),
                    "/nonexistent", [], timeout=60, memory_mb=1024),
        sandbox.Job("01-hang", "import time\n\ndef test_hangs():\n    time.sleep(600)\n", ("test_hangs",), "/nonexistent",
                    [], timeout=2),
        sandbox.Job("01-unexpected", "def test_a():\n    pass\n\ndef test_extra():\n    pass\n", ("test_a",),
                    "/nonexistent", [], timeout=30),
        sandbox.Job("01-parametrized", "import pytest\n\n@pytest.mark.parametrize('n', [1, 2, 3])\n"
                                       "def test_small(n):\n    assert n < 3, f'{n} is too big'\n",
                    ("test_small",), "/nonexistent", [], timeout=30),
        *(hostile_job(f"01-{name}", code) for name, code in HOSTILE.items()),
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SECRET_OF_THE_INSTRUCTOR", "x")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "AKIA-looks-real")
        return {job.exercise_id: result for job, result in sandbox.run_all(jobs, workers=2, fork=False)}


def test_the_sandbox_has_no_credentials_no_network_and_limited_memory(results):
    result = results["01-environment"]

    assert result.kind == "ok"
    assert {name: (o.passed, o.message) for name, o in result.outcomes.items()} == {
        "test_no_credentials_and_a_private_home": (True, ""), "test_no_network": (True, ""),
        "test_loopback_is_allowed": (True, ""), "test_memory_is_limited": (True, "")}


def test_a_hang_is_stopped_at_the_time_limit(results):
    result = results["01-hang"]

    assert (result.kind, result.problem) == ("timeout", "timed out after 2 s")
    assert result.outcomes["test_hangs"] == sandbox.Outcome(False, "timed out after 2 s")


def test_a_test_the_exercise_does_not_have_voids_the_run(results):
    result = results["01-unexpected"]

    assert result.kind == "tampering" and "('test_extra')" in result.problem
    assert not any(outcome.passed for outcome in result.outcomes.values())


def test_a_parametrized_test_passes_only_if_every_case_passes(results):
    assert results["01-parametrized"].outcomes == {"test_small": sandbox.Outcome(False, "3 is too big")}


@pytest.mark.parametrize("exercise, reason", [
    ("01-patch-pytest", "_pytest.python.Function.runtest was replaced"),
    ("01-poison-modules", "sys.modules['json'] was replaced or removed"),
    ("01-register-plugin", "a pytest plugin was registered or removed"),
    ("01-forge-records", "something other than the grader wrote to its results channel"),
])
def test_tampering_scores_nothing(results, exercise, reason):
    result = results[exercise]

    assert result.kind == "tampering" and reason in result.problem
    assert not any(outcome.passed for outcome in result.outcomes.values())


def test_exiting_early_fails_the_tests_that_did_not_report(results):
    result = results["01-exit-early"]

    assert result.kind == "crash"
    assert not result.outcomes["test_a"].passed and not result.outcomes["test_b"].passed
    assert "the test process stopped early" in result.outcomes["test_b"].message


# -- judging a child's records ----------------------------------------------------------------------------

JOB = sandbox.Job("01-x", "", ("test_a", "test_b"), "/nonexistent", [])


def records(*entries: dict, token: str = "t0k3n") -> bytes:
    return b"".join(json.dumps({**entry, "token": token}).encode() + b"\n" for entry in entries)


def test_judge_accepts_the_expected_tests_with_the_token():
    result = sandbox.judge(JOB, "t0k3n", records({"kind": "test", "name": "test_a", "passed": True},
                                                 {"kind": "test", "name": "test_b", "passed": False, "message": "why"},
                                                 {"kind": "done"}), timed_out=False)

    assert result.kind == "ok"
    assert result.outcomes == {"test_a": sandbox.Outcome(True, ""), "test_b": sandbox.Outcome(False, "why")}


def test_judge_rejects_records_without_the_token():
    output = records({"kind": "test", "name": "test_a", "passed": True}, token="guess")
    result = sandbox.judge(JOB, "t0k3n", output + records({"kind": "done"}), timed_out=False)

    assert result.kind == "tampering"


def test_judge_rejects_lines_that_are_not_records():
    result = sandbox.judge(JOB, "t0k3n", b"All tests passed\n" + records({"kind": "done"}), timed_out=False)

    assert result.kind == "tampering"


def test_judge_fails_tests_that_never_reported():
    result = sandbox.judge(JOB, "t0k3n", records({"kind": "test", "name": "test_a", "passed": True}), timed_out=False)

    assert result.kind == "crash" and result.outcomes["test_a"].passed and not result.outcomes["test_b"].passed


def test_judge_reports_tests_that_could_not_be_loaded():
    result = sandbox.judge(JOB, "t0k3n", records({"kind": "error", "message": "the tests could not be loaded: E"}),
                           timed_out=False)

    assert (result.kind, result.problem) == ("crash", "the tests could not be loaded: E")


def test_failure_messages_are_cut_to_a_readable_length():
    long = records({"kind": "test", "name": "test_a", "passed": False, "message": "x" * 5000},
                   {"kind": "test", "name": "test_b", "passed": True}, {"kind": "done"})

    assert len(sandbox.judge(JOB, "t0k3n", long, timed_out=False).outcomes["test_a"].message) == sandbox.MESSAGE_LIMIT


@pytest.mark.parametrize("host, allowed", [("127.0.0.1", True), ("::1", True), ("localhost", True),
                                           ("10.0.0.1", False), ("example.com", False), (b"127.0.0.2", True)])
def test_only_loopback_addresses_count_as_local(host, allowed):
    assert sandbox._is_loopback(host) is allowed


def test_the_sandbox_environment_is_built_from_a_short_list(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREAL")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret")
    environment = sandbox.sandbox_environment(tmp_path)

    assert "AWS_ACCESS_KEY_ID" not in environment and "GITHUB_TOKEN" not in environment
    assert environment["HOME"] == str(tmp_path) and environment["AWS_EC2_METADATA_DISABLED"] == "true"
