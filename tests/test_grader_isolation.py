"""A submission's code cannot read the solutions or rewrite them: the test process's file access is
limited (Landlock on Linux), and the gradebook says which isolation each submission had."""

from __future__ import annotations

import copy
import csv
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from emulator.platform import file_access
from grader import sandbox

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "tests" / "fixtures" / "course"

pytestmark = pytest.mark.skipif(file_access.abi_version() == 0, reason="file isolation needs Linux 5.13+ with Landlock; elsewhere the gradebook says there was none")

# Each attack answers correctly only if it could read (or change) what it must not.
STEALS_THE_SOLUTION = """
import json, pathlib
SOLUTION = pathlib.Path({solutions!r}) / "01_echo.ipynb"

def lambda_handler(event, context):
    cells = json.loads(SOLUTION.read_text())["cells"]
    source = next("".join(c["source"]) for c in cells if "".join(c["source"]).startswith("%%lambda echo"))
    namespace = {{}}
    exec(source.split("\\n", 1)[1].replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", ""), namespace)
    return namespace["lambda_handler"](event, context)
"""
REWRITES_THE_TESTS = """
import pathlib
SOLUTION = pathlib.Path({solutions!r}) / "01_echo.ipynb"

def lambda_handler(event, context):
    SOLUTION.write_text(SOLUTION.read_text().replace("value1", "nope"))
    return "nope"
"""
READS_THE_KIT_SOLUTIONS = """
import pathlib

def lambda_handler(event, context):
    return pathlib.Path({kit!r}, "solutions", "06_calculator.ipynb").read_text()[:10]
"""


@pytest.fixture
def solutions():
    """A copy of the fixture course's solutions outside /tmp (which a test process may write, as in AWS)."""
    folder = Path(tempfile.mkdtemp(prefix="isolation-solutions-", dir=sandbox.private_root()))
    shutil.copytree(COURSE / "solutions", folder, dirs_exist_ok=True)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def submission(body: str) -> nbformat.NotebookNode:
    notebook = copy.deepcopy(nbformat.read(COURSE / "labs" / "01_echo.ipynb", as_version=4))
    cell = next(cell for cell in notebook.cells if cell.source.startswith("%%lambda echo"))
    cell.source = "%%lambda echo\n" + body
    return notebook


def test_no_attack_on_the_files_gains_a_point(tmp_path, solutions):
    attacks = {"thief": STEALS_THE_SOLUTION, "vandal": REWRITES_THE_TESTS, "snoop": READS_THE_KIT_SOLUTIONS}
    folder = tmp_path / "submissions"
    folder.mkdir()
    for student, attack in attacks.items():
        nbformat.write(submission(attack.format(solutions=str(solutions), kit=str(ROOT))), folder / f"{student}.ipynb")
    before = (solutions / "01_echo.ipynb").read_bytes()
    out = tmp_path / "grades"
    completed = subprocess.run([sys.executable, "-m", "grader", "grade", str(folder), "--out", str(out),
                                "--solutions", str(solutions), "--workers", "2", "--timeout", "60"],
                               capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert completed.returncode == 0, completed.stderr
    assert (solutions / "01_echo.ipynb").read_bytes() == before  # the vandal could not write
    with (out / "gradebook.csv").open() as file:
        rows = {row["student"]: row for row in csv.DictReader(file)}
    for student in attacks:
        assert rows[student]["01-echo"] == "0", (student, rows[student])
        assert rows[student]["isolation"].startswith("Landlock (ABI"), rows[student]["isolation"]


def test_a_fair_submission_still_passes_under_isolation(tmp_path, solutions):
    job = sandbox.Job("01-echo", "from grader.testing import expect_success\n\n"
                      "def test_returns_key1(cloud):\n    assert expect_success(cloud.invoke('echo', {'key1': 'v'})) == 'v'\n",
                      ("test_returns_key1",), str(tmp_path), [{"name": "echo"}])
    (tmp_path / "echo").mkdir()
    (tmp_path / "echo" / "lambda_function.py").write_text(
        "import tempfile\n\ndef lambda_handler(event, context):\n"
        "    open('/tmp/lambda-lab-isolation-probe', 'w').write('AWS gives a function /tmp')\n"
        "    return event['key1']\n")
    result = sandbox.run(job, fork=False)
    assert result.kind == "ok" and result.outcomes["test_returns_key1"].passed, result
    assert result.isolation.startswith("Landlock")


def test_the_test_process_keeps_its_memory_from_other_processes(tmp_path):
    """Linux's PR_SET_DUMPABLE=0: a handler's process (same user) cannot open the test process's
    /proc/PID/mem, fd/ or environ, where the token and the results pipe live."""
    job = sandbox.Job("01-echo", "import ctypes\n\ndef test_not_dumpable():\n"
                      "    assert ctypes.CDLL(None).prctl(3) == 0  # PR_GET_DUMPABLE\n",
                      ("test_not_dumpable",), str(tmp_path), [{"name": "echo"}])
    result = sandbox.run(job, fork=False)
    assert result.kind == "ok" and result.outcomes["test_not_dumpable"].passed, result
