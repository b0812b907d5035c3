"""Gradescope: the autograder.zip, and `python -m grader gradescope` run from the zip's own kit."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "tests" / "fixtures" / "course" / "solutions"


def grader(*arguments: str, cwd: Path = ROOT, **environment: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *arguments], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **environment}, timeout=600)


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist") / "autograder.zip"
    completed = grader("autograder-zip", "--lab", "01_echo", "--out", str(out), "--solutions", str(SOLUTIONS))
    assert completed.returncode == 0, completed.stderr
    return out


def test_the_zip_holds_the_two_scripts_the_kit_and_the_labs_solution(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as archive:
        names = archive.namelist()
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        run_autograder = archive.read("run_autograder").decode()

    assert names[:2] == ["setup.sh", "run_autograder"]
    assert {"kit/pyproject.toml", "kit/grader/__main__.py", "kit/grader/sandbox.py", "kit/emulator/cloud.py",
            "solutions/01_echo.ipynb"} <= set(names)
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in names)
    assert [name for name in names if name.startswith("solutions/")] == ["solutions/01_echo.ipynb"]
    assert modes["setup.sh"] & stat.S_IXUSR and modes["run_autograder"] & stat.S_IXUSR
    assert "python -m grader gradescope --lab 01_echo" in run_autograder
    assert "--results /autograder/results/results.json" in run_autograder


def test_the_zip_carries_every_test_but_no_solution_code(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as archive:
        notebook = archive.read("solutions/01_echo.ipynb").decode()

    assert "test_returns_nested_values" in notebook and "BEGIN HIDDEN TESTS" in notebook
    assert "BEGIN SOLUTION" not in notebook and 'return event[\\"key1\\"]' not in notebook
    assert 'raise NotImplementedError(\\"Write your code here\\")' in notebook


def test_the_zip_is_reproducible(tmp_path):
    for name in ("first.zip", "second.zip"):
        completed = grader("autograder-zip", "--lab", "01_echo", "--out", str(tmp_path / name), "--solutions", str(SOLUTIONS))
        assert completed.returncode == 0, completed.stderr

    assert (tmp_path / "first.zip").read_bytes() == (tmp_path / "second.zip").read_bytes()


def test_a_zip_for_an_unknown_lab_is_refused(tmp_path):
    completed = grader("autograder-zip", "--lab", "09_nothing", "--out", str(tmp_path / "a.zip"),
                       "--solutions", str(SOLUTIONS))

    assert completed.returncode == 2 and "no lab notebook" in completed.stderr
    assert not (tmp_path / "a.zip").exists()


def test_the_zips_kit_grades_a_submission(autograder_zip, tmp_path):
    source = tmp_path / "autograder" / "source"
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(source)
    submission = tmp_path / "autograder" / "submission" / "nested"
    submission.mkdir(parents=True)
    shutil.copy(SOLUTIONS / "01_echo.ipynb", submission / "my_lab.ipynb")
    (submission / ".ipynb_checkpoints").mkdir()
    (submission / ".ipynb_checkpoints" / "a-checkpoint.ipynb").write_text("{")
    results = tmp_path / "autograder" / "results" / "results.json"

    kit = source / "kit"
    completed = grader("gradescope", "--lab", "01_echo", "--solutions", str(source / "solutions"),
                       "--submission", str(submission.parent), "--results", str(results), cwd=kit, PYTHONPATH=str(kit))

    assert completed.returncode == 0, completed.stderr
    document = json.loads(results.read_text())
    assert document["score"] == 6 and len(document["tests"]) == 5
    assert all(test["status"] == "passed" for test in document["tests"])
    assert "Lab 01_echo: 6/6 points." in completed.stdout
    where = subprocess.run([sys.executable, "-c", "import grader; print(grader.__file__)"], capture_output=True,
                           text=True, cwd=kit, env={**os.environ, "PYTHONPATH": str(kit)})
    assert where.stdout.strip() == str(kit / "grader" / "__init__.py")


def test_a_submission_without_a_notebook_scores_zero_with_a_note(tmp_path):
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "answers.py").write_text("print('hi')")
    results = tmp_path / "results" / "results.json"

    completed = grader("gradescope", "--lab", "01_echo", "--solutions", str(SOLUTIONS),
                       "--submission", str(tmp_path / "submission"), "--results", str(results))

    assert completed.returncode == 0, completed.stderr
    document = json.loads(results.read_text())
    assert document["score"] == 0 and len(document["tests"]) == 5
    assert "no .ipynb file in the submission: upload your lab notebook" in document["output"]
