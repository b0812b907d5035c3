"""check() through the warm checking process: the same verdicts as a fresh process, one process kept
warm between checks, and a process that dies or hangs replaced without a word lost."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from emulator.platform import file_access
from grader import sandbox, warm
from grader.check import make_check
from attack_tools import TOKENS_IN_MEMORY, alive

LABS = Path(__file__).parent / "fixtures" / "course" / "labs"
ECHO = "def lambda_handler(event, context):\n    return event['key1']\n"
WRONG = "def lambda_handler(event, context):\n    return 'nope'\n"
KILLS_ITS_PARENTS = """
import os, signal
def parent(pid):
    return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])

def warm(pid):
    return b"grader.warm" in open(f"/proc/{pid}/cmdline", "rb").read()

def lambda_handler(event, context):
    pid = os.getppid()   # the function's process descends from the test process, forked from the checking process
    while pid > 1 and not (warm(pid) and not warm(parent(pid))):
        pid = parent(pid)
    os.kill(pid, signal.SIGKILL)
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


KIT = Path(__file__).resolve().parents[1]  # where the token test runs its script
READS_A_SECRET = """
def lambda_handler(event, context):
    try:
        open({secret!r}).read()
    except PermissionError:
        return event['key1']
    return 'read the secret'
"""
LEAVES_A_CHILD = """
import os, time
def lambda_handler(event, context):
    if os.fork() == 0:
        open({pid_file!r}, 'w').write(str(os.getpid()))
        time.sleep(600)
        os._exit(0)
    return event['key1']
"""


def test_a_checks_functions_cannot_read_the_graders_files(tmp_path, checking):
    """The spare fork server was made before any Landlock rule: each function's process applies the
    test process's rules itself, so it cannot read the grader's own folder (where batch grading keeps
    the solutions), which is outside /tmp wherever the kit lives."""
    assert file_access.abi_version(), "this test needs Landlock (Linux 5.13 or newer)"
    secret = sandbox.private_root() / f"secret-{os.getpid()}.txt"
    secret.write_text("the answers")
    try:
        assert check_with(tmp_path, checking, READS_A_SECRET.format(secret=str(secret))).passed
    finally:
        secret.unlink()


def test_what_a_checks_function_forks_ends_with_the_check(tmp_path, checking):
    pid_file = tmp_path / "child.pid"
    assert check_with(tmp_path, checking, LEAVES_A_CHILD.format(pid_file=str(pid_file))).passed
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and alive(child):
        time.sleep(0.1)
    assert not alive(child)


SPARE_HOLDS_NO_TOKEN = """
import json, secrets, sys
from pathlib import Path
from grader import sandbox
from emulator.runtime import forkserver

work, out = Path(sys.argv[1]), sys.argv[2]
sandbox.preload()
forkserver.prepare_spare()
tokens, token_hex = [], secrets.token_hex
secrets.token_hex = lambda size: tokens.append(token_hex(size)) or tokens[-1]  # the check's token, seen here
tests = f"import json\\ndef test_a(cloud):\\n    open({out!r}, 'w').write(json.dumps(cloud.invoke('echo', {{}}).payload))\\n"
result = sandbox.run(sandbox.Job("01-token", tests, ("test_a",), str(work), [{"name": "echo", "timeout": 60}],
                                 timeout=120), fork=True)
forkserver.discard_spare()
found = json.loads(Path(out).read_text())
print(json.dumps([result.kind, len(found) > 0, tokens[0] in found]))
"""
SCANS_ITS_MEMORY = TOKENS_IN_MEMORY + """
def lambda_handler(event, context):
    return sorted(token.decode() for token in tokens_in_memory())
"""


def test_a_checks_functions_hold_nothing_of_the_check(tmp_path):
    """The spare is forked before the check arrives: of all the token-like strings in a function's
    memory, none is the check's token."""
    (tmp_path / "echo").mkdir()
    (tmp_path / "echo" / "lambda_function.py").write_text(SCANS_ITS_MEMORY)
    completed = subprocess.run([sys.executable, "-c", SPARE_HOLDS_NO_TOKEN, str(tmp_path), str(tmp_path / "found.json")],
                               capture_output=True, text=True, cwd=KIT, timeout=120)
    assert completed.stdout.splitlines()[-1:] == ['["ok", true, false]'], completed.stderr[-2000:]

