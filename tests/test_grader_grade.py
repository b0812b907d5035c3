"""`python -m grader grade`: a folder of synthetic submissions, one per failure mode, in one batch.

The fixture course (tests/fixtures/course) has lab 01_echo (exercises 01-echo: 2 public tests and a
hidden one worth 2; 01-greeting: 1 public, 1 hidden without a message) and lab 02_timetable.
"""

from __future__ import annotations

import copy
import csv
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_output

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "tests" / "fixtures" / "course"
TIMEOUT = 15  # seconds per exercise
ECHO = 'def lambda_handler(event, context):\n    return event["key1"]\n'


def load(kind: str, lab: str = "01_echo") -> nbformat.NotebookNode:
    return nbformat.read(COURSE / kind / f"{lab}.ipynb", as_version=4)


def with_cell(notebook, name: str, body: str | None):
    """``notebook`` with the ``%%lambda name`` cell's body replaced (or the cell deleted if None)."""
    notebook = copy.deepcopy(notebook)
    index = next(i for i, cell in enumerate(notebook.cells) if cell.source.startswith(f"%%lambda {name}"))
    if body is None:
        del notebook.cells[index]
    else:
        first_line = notebook.cells[index].source.splitlines()[0]
        notebook.cells[index].source = f"{first_line}\n{body}"
    return notebook


def submissions() -> dict[str, object]:
    """Every synthetic submission: a notebook, or raw text for a file that is not one."""
    solution, blank = load("solutions"), load("labs")
    moved = copy.deepcopy(solution)
    moved.cells.append(moved.cells.pop(3))  # the echo handler cell, moved to the end
    duplicated_wrong_first = copy.deepcopy(solution)
    duplicated_wrong_first.cells.insert(1, new_code_cell("%%lambda echo\ndef lambda_handler(event, context):\n    return 0"))
    split = with_cell(solution, "echo", "def lambda_handler(event, context):")
    split.cells.insert(4, new_code_cell('    return event["key1"]'))
    redefine_check = copy.deepcopy(blank)
    redefine_check.cells.insert(2, new_code_cell("def check(exercise_id):\n    print('All tests passed')"))
    prints_passed = copy.deepcopy(blank)
    for cell in prints_passed.cells:
        if cell.source.startswith("check("):
            cell.outputs = [new_output("stream", text="All tests passed: 2/2 points\n")]
            cell.execution_count = 3
    edits_tests = with_cell(solution, "echo", "def lambda_handler(event, context):\n    return None")
    for cell in edits_tests.cells:
        if cell.source.startswith("%%tests 01-echo"):
            cell.source = "%%tests 01-echo\ndef test_returns_key1():\n    pass\n"
    inserts_tests = with_cell(solution, "echo", "def lambda_handler(event, context):\n    return None")
    inserts_tests.cells.append(new_code_cell("%%tests 01-echo\ndef test_bonus():\n    pass\n"))
    careless = with_cell(solution, "echo", 'def lambda_handler(event, context):\n'
                                           '    value = event["key1"]\n    return None if isinstance(value, dict) else value\n')
    careless = with_cell(careless, "greeting", "def lambda_handler(event, context):\n"
                                               "    return f\"Bonjour, {event['name']}!\"\n")
    return {
        "solution": solution,
        "blank": blank,
        "timetable_solution": load("solutions", "02_timetable"),
        "timetable_blank": load("labs", "02_timetable"),
        "careless": careless,
        "hang": with_cell(solution, "echo", "def lambda_handler(event, context):\n    while True:\n        try:\n"
                                            "            while True:\n                pass\n"
                                            "        except BaseException:\n            pass\n"),
        "syntax": with_cell(solution, "echo", "def lambda_handler(event, context)\n    return event['key1']\n"),
        "corrupt": '{"cells": [{"cell_type": "code", "source": "%%lambda echo',
        "deleted": with_cell(solution, "echo", None),
        "moved": moved,
        "duplicated_wrong_first": duplicated_wrong_first,
        "duplicated_wrong_last": solution_with_appended_cell(solution, "%%lambda echo\ndef lambda_handler(e, c):\n    return 0"),
        "split": split,
        "redefine_check": redefine_check,
        "prints_passed": prints_passed,
        "edits_tests": edits_tests,
        "inserts_tests": inserts_tests,
        "poisons_modules": with_cell(solution, "echo", "import sys, types\nsys.modules['json'] = types.ModuleType('json')\n"
                                                       + ECHO),
        "patches_pytest": with_cell(solution, "echo", "import _pytest.python\n"
                                                      "_pytest.python.Function.runtest = lambda self: None\n" + ECHO),
    }


def solution_with_appended_cell(notebook, source: str):
    notebook = copy.deepcopy(notebook)
    notebook.cells.append(new_code_cell(source))
    return notebook


def grade(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", "grade", *arguments], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The whole batch, graded once: (completed process, output folder)."""
    folder = tmp_path_factory.mktemp("submissions")
    for student, notebook in submissions().items():
        path = folder / f"{student}.ipynb"
        if isinstance(notebook, str):
            path.write_text(notebook)
        else:
            nbformat.write(notebook, path)
    out = tmp_path_factory.mktemp("grades")
    completed = grade(str(folder), "--out", str(out), "--solutions", str(COURSE / "solutions"),
                      "--workers", "2", "--timeout", str(TIMEOUT))
    return completed, out


@pytest.fixture(scope="module")
def gradebook(batch):
    completed, out = batch
    assert completed.returncode == 0, completed.stderr
    with (out / "gradebook.csv").open() as file:
        return {row["student"]: row for row in csv.DictReader(file)}


def results(batch, student: str) -> dict:
    return json.loads((batch[1] / student / "results.json").read_text())


def outputs(batch, student: str, exercise: str) -> dict[str, str]:
    return {test["name"].split(": ")[1]: test["output"] for test in results(batch, student)["tests"]
            if test["name"].startswith(exercise + ":")}


def scores(gradebook, student: str) -> tuple[str, ...]:
    row = gradebook[student]
    return row["01-echo"], row["01-greeting"], row["02-timetable"], row["total"], row["max_total"]


def test_the_gradebook_has_a_column_per_exercise(batch):
    header = (batch[1] / "gradebook.csv").read_text().splitlines()[0]

    assert header == "student,01-echo,01-greeting,02-timetable,total,max_total,notes,isolation"


def test_every_notebook_gets_a_row(gradebook):
    assert set(gradebook) == set(submissions())


def test_solutions_score_full_marks_and_blank_labs_score_zero(gradebook):
    assert scores(gradebook, "solution") == ("4", "2", "", "6", "6")
    assert scores(gradebook, "blank") == ("0", "0", "", "0", "6")
    assert scores(gradebook, "timetable_solution") == ("", "", "2", "2", "2")
    assert scores(gradebook, "timetable_blank") == ("", "", "0", "0", "2")


def test_a_blank_lab_says_what_is_left_to_do(batch):
    assert set(outputs(batch, "blank", "01-echo").values()) == {
        "your handler raised NotImplementedError: Write your code here (lambda_function.py, line 2)"}
    assert set(outputs(batch, "timetable_blank", "02-timetable").values()) == {
        "importing timetable's code raised NotImplementedError: Write your code here (lambda_function.py, line 1)",
        "your handler raised NotImplementedError: Write your code here (lambda_function.py, line 1)"}


def test_hidden_tests_catch_a_careless_solution_without_showing_their_code(batch, gradebook):
    assert scores(gradebook, "careless") == ("2", "1", "", "3", "6")
    assert outputs(batch, "careless", "01-echo")["test_returns_nested_values"] == (
        "expected a nested value of key1 to come back unchanged")
    assert outputs(batch, "careless", "01-greeting")["test_follows_a_changed_setting"] == (
        "a hidden test failed (it gives no details)")
    feedback = (batch[1] / "careless" / "feedback.html").read_text()
    assert "Hola" not in feedback and "assert " not in feedback and "[1, 2]" not in feedback


def test_a_hang_costs_only_its_exercise(batch, gradebook):
    """A handler that swallows even the timeout is stopped from outside, as Lambda stops it: its
    function's process is killed at the timeout, each test fails with Lambda's timeout, and the test
    process (which used to hang until the exercise's own limit) goes on."""
    assert scores(gradebook, "hang") == ("0", "2", "", "2", "6")
    assert set(outputs(batch, "hang", "01-echo").values()) == {
        "your handler timed out after 3.00 s (function echo): look for a loop that never ends or a slow call"}


def test_a_syntax_error_gets_clear_feedback(batch, gradebook):
    assert scores(gradebook, "syntax") == ("0", "2", "", "2", "6")
    assert set(outputs(batch, "syntax", "01-echo").values()) == {
        "your %%lambda echo cell has a syntax error: expected ':' (lambda_function.py, line 1); "
        "fix it, run the cell and check again"}


def test_a_corrupt_file_gets_a_row_of_zeros_and_a_note(batch, gradebook):
    row = gradebook["corrupt"]
    assert (row["total"], row["max_total"]) == ("0", "0")
    assert row["notes"].startswith("corrupt.ipynb is not valid JSON (line 1, column")
    assert results(batch, "corrupt")["score"] == 0 and "not valid JSON" in results(batch, "corrupt")["output"]


def test_a_deleted_handler_cell_scores_zero_with_a_note(batch, gradebook):
    assert scores(gradebook, "deleted") == ("0", "2", "", "2", "6")
    assert set(outputs(batch, "deleted", "01-echo").values()) == {
        "no %%lambda echo cell in your notebook: this exercise needs one (did you delete or rename it?)"}


def test_moved_and_duplicated_cells_are_found_and_the_last_one_wins(gradebook):
    assert scores(gradebook, "moved") == ("4", "2", "", "6", "6")
    assert scores(gradebook, "duplicated_wrong_first") == ("4", "2", "", "6", "6")
    assert scores(gradebook, "duplicated_wrong_last") == ("0", "2", "", "2", "6")


def test_a_split_handler_cell_is_graded_as_the_student_left_it(batch, gradebook):
    assert scores(gradebook, "split") == ("0", "2", "", "2", "6")
    assert "expected an indented block" in outputs(batch, "split", "01-echo")["test_returns_key1"]


@pytest.mark.parametrize("student", ["redefine_check", "prints_passed", "edits_tests", "inserts_tests"])
def test_notebook_side_tampering_gains_nothing(gradebook, student):
    assert gradebook[student]["01-echo"] == "0"


def test_edited_test_cells_are_ignored_the_solutions_tests_run(batch):
    assert list(outputs(batch, "edits_tests", "01-echo")) == [
        "test_returns_key1", "test_returns_other_values_unchanged", "test_returns_nested_values"]


@pytest.mark.parametrize("student", ["poisons_modules", "patches_pytest"])
def test_handler_side_tampering_stays_in_the_functions_process(batch, gradebook, student):
    """The handler's module replaces sys.modules['json'] or pytest's runtest, but in the process of its
    own function, which holds no test: the tests run unchanged and its (correct) echo scores as it is."""
    assert scores(gradebook, student) == ("4", "2", "", "6", "6")
    assert not any("tamper" in output for output in outputs(batch, student, "01-echo").values())


def test_results_json_follows_gradescopes_format(batch):
    for student in submissions():
        validate_gradescope_results(results(batch, student))


def validate_gradescope_results(document: dict) -> None:
    """The fields and types of Gradescope's "Autograder specifications" (results.json)."""
    allowed = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
               "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
    assert set(document) <= allowed
    assert isinstance(document["score"], (int, float)) and isinstance(document["execution_time"], (int, float))
    assert isinstance(document["output"], str)
    assert document.get("stdout_visibility", "hidden") in {"hidden", "visible"}
    test_fields = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format",
                   "tags", "visibility", "extra_data"}
    for test in document["tests"]:
        assert set(test) <= test_fields and {"name", "score", "max_score", "output", "visibility"} <= set(test)
        assert isinstance(test["score"], (int, float)) and isinstance(test["max_score"], (int, float))
        assert 0 <= test["score"] <= test["max_score"]
        assert test["status"] in {"passed", "failed"}
        assert test["visibility"] in {"visible", "hidden", "after_due_date", "after_published"}
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
    assert document["score"] == sum(test["score"] for test in document["tests"])


def test_hidden_tests_are_published_after_grading(batch):
    visibility = {test["name"]: test["visibility"] for test in results(batch, "solution")["tests"]}

    assert visibility == {"01-echo: test_returns_key1": "visible",
                          "01-echo: test_returns_other_values_unchanged": "visible",
                          "01-echo: test_returns_nested_values": "after_published",
                          "01-greeting: test_uses_the_greeting_setting": "visible",
                          "01-greeting: test_follows_a_changed_setting": "after_published"}


def test_feedback_pages_say_what_passed_and_failed(batch):
    page = (batch[1] / "syntax" / "feedback.html").read_text()

    assert page.startswith("<!DOCTYPE html>") and "Lambda Lab feedback: syntax, lab 01_echo" in page
    assert "01-echo: 0/4 points" in page and "01-greeting: 2/2 points" in page
    assert "your %%lambda echo cell has a syntax error" in page


def test_the_summary_table_and_progress_bar(batch):
    completed, out = batch
    lines = completed.stdout.splitlines()

    assert lines[0].split() == ["exercise", "average", "full", "marks", "notebooks"]
    assert [line.split()[0] for line in lines[1:4]] == ["01-echo", "01-greeting", "02-timetable"]
    outcome = next(line for line in lines if line.startswith("exercises by outcome"))
    assert "syntax error 2" in outcome and "missing handler cell 1" in outcome
    assert "timed out 0" in outcome and "tampering 0" in outcome  # a handler cannot hang or tamper with a test
    assert "notebooks graded: 18, not graded: 1" in completed.stdout
    assert "grading" in completed.stderr and "100%" in completed.stderr


def test_a_missing_folder_exits_2_and_says_so(tmp_path):
    completed = grade(str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"),
                      "--solutions", str(COURSE / "solutions"))

    assert completed.returncode == 2
    assert "no folder" in completed.stderr and "nowhere" in completed.stderr


def test_an_unwritable_output_exits_2_before_grading(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    completed = grade(str(COURSE / "solutions"), "--out", str(tmp_path / "file" / "out"),
                      "--solutions", str(COURSE / "solutions"))

    assert completed.returncode == 2 and "file/out" in completed.stderr and "grading" not in completed.stderr


def test_importing_the_grader_stays_light():
    code = ("import sys, grader, grader.__main__, grader.exercises, grader.extract, grader.report\n"
            "heavy = {'IPython', 'jupyter_client', 'jupyter_core', 'ipykernel', 'nbformat', 'moto', 'boto3'}\n"
            "print(sorted(heavy & {name.split('.')[0] for name in sys.modules}))")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)

    assert completed.stdout.strip() == "[]", completed.stderr
