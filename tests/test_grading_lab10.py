"""Lab 10's exercise graded as an instructor grades it: ``python -m grader grade`` on students' notebooks.

The notebook tests (``test_notebooks.py``) run only the public tests, through ``check()``. Here the
hidden tests run too, against the real solutions/: the solution scores full marks, the student copy
zero, and an authorizer that trusts a token's decoded claims without asking the pool passes the
public tests but loses the hidden ones, each with a sentence that says what to do.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
LAB = "10_securing_apis"
# Reads the groups from the token itself: a forged, expired or signed-out token gets in.
TRUSTS_THE_CLAIMS = '''def lambda_handler(event, context):
    token = event["identitySource"][0].removeprefix("Bearer ")
    claims = claims_of(token)
    groups = claims.get("cognito:groups", [])
    return {"isAuthorized": "teachers" in groups, "context": {"username": claims.get("username"), "groups": groups}}
'''


def careless_copy() -> nbformat.NotebookNode:
    notebook = nbformat.read(REPO / "solutions" / f"{LAB}.ipynb", as_version=4)
    cell = next(cell for cell in notebook.cells if cell.source.startswith("%%lambda teachers_only"))
    cell.source = cell.source.split("def lambda_handler")[0] + TRUSTS_THE_CLAIMS
    return notebook


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    submissions = tmp_path_factory.mktemp("submissions")
    (submissions / "solution.ipynb").write_bytes((REPO / "solutions" / f"{LAB}.ipynb").read_bytes())
    (submissions / "blank.ipynb").write_bytes((REPO / "labs" / f"{LAB}.ipynb").read_bytes())
    nbformat.write(careless_copy(), submissions / "careless.ipynb")
    out = tmp_path_factory.mktemp("grades")
    completed = subprocess.run([sys.executable, "-m", "grader", "grade", str(submissions), "--out", str(out),
                                "--solutions", str(REPO / "solutions"), "--workers", "1"],
                               capture_output=True, text=True, cwd=REPO, timeout=600)
    assert completed.returncode == 0, completed.stderr
    return out


def outputs(graded: Path, student: str) -> dict[str, tuple[float, str]]:
    tests = json.loads((graded / student / "results.json").read_text())["tests"]
    return {test["name"].split(": ")[1]: (test["score"], test.get("output", "")) for test in tests
            if test["name"].startswith("10-teachers-only:")}


@pytest.mark.slow
def test_the_solution_scores_full_marks_and_the_student_copy_zero(graded):
    solution, blank = outputs(graded, "solution"), outputs(graded, "blank")
    assert solution and all(output == "passed" for _, output in solution.values()), solution
    assert all(score == 0 for score, _ in blank.values())
    assert all("raised NotImplementedError" in output for _, output in blank.values())


@pytest.mark.slow
def test_an_authorizer_that_trusts_decoded_claims_loses_the_hidden_points_and_is_told_why(graded):
    careless = outputs(graded, "careless")
    passed = {name for name, (_, output) in careless.items() if output == "passed"}
    assert {"test_a_teacher_gets_in_with_her_name_and_groups_in_the_context", "test_a_student_is_forbidden"} <= passed
    assert "cognito.get_user(AccessToken=token)" in careless["test_a_forged_token_is_forbidden"][1]
    assert "after she signed out, got 200" in careless["test_a_signed_out_teacher_is_forbidden"][1]
    assert "raised IndexError" in careless["test_something_that_is_not_a_token_is_forbidden"][1]
