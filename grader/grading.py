"""Grading: one student's notebook, or a folder of them in parallel.

For each notebook (one student, named by the file's stem) the grader:

1. reads the JSON (a file that is not a notebook gets a row of zeros and a note; the batch goes on);
2. finds the lab: ``--lab``, else the notebook's own ``start_lab("NN_topic")`` call, else the one lab
   every other notebook of the batch names;
3. writes the student's handler cells (the last cell of each ``%%lambda NAME``) to a fresh folder;
4. for each exercise of the lab: a missing handler cell or a syntax error scores 0 with a note;
   otherwise the exercise's public and hidden tests (from ``solutions/``) run in the sandbox;
5. scores each test with the points of the instructor's test cell.

Every exercise of every student is one sandbox job; ``--workers`` jobs run at a time. The grading
process imports pytest, moto, boto3 and the emulator once and forks each job from itself (see
:mod:`grader.sandbox`), so a job starts in milliseconds.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from emulator.platform.processes import FORK_AVAILABLE

from . import sandbox
from .exercises import LAB_NOTEBOOKS, Course, Exercise, Lab
from .extract import NotebookError, handler_bodies, lab_of, load_notebook, write_handlers

# What went wrong with an exercise, in the words of the summary table.
KINDS = {
    "passed": "full marks",
    "failed": "failed tests",
    "missing": "missing handler cell",
    "syntax": "syntax error",
    "timeout": "timed out",
    "tampering": "tampering",
    "crash": "test process crashed",
    "unreadable": "unreadable notebook",
}
HIDDEN_WITHOUT_MESSAGE = "a hidden test failed (it gives no details)"


class GradingError(Exception):
    """The batch cannot be graded at all (no such folder, no solutions): the message says why."""


@dataclass
class Settings:
    timeout: float = 60
    memory_mb: int = sandbox.DEFAULT_MEMORY_MB
    lab: str | None = None


@dataclass
class GradedTest:
    exercise: str
    name: str
    hidden: bool
    passed: bool
    score: float
    max_score: float
    message: str = ""


@dataclass
class ExerciseResult:
    id: str
    tests: list[GradedTest]
    kind: str
    problem: str | None = None
    isolation: str = ""  # how the test process's file access was limited

    @property
    def score(self) -> float:
        return sum(test.score for test in self.tests)

    @property
    def max_score(self) -> float:
        return sum(test.max_score for test in self.tests)


@dataclass
class SubmissionResult:
    student: str
    lab: str | None
    exercises: list[ExerciseResult] = field(default_factory=list)
    note: str | None = None
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return sum(exercise.score for exercise in self.exercises)

    @property
    def max_score(self) -> float:
        return sum(exercise.max_score for exercise in self.exercises)

    @property
    def isolation(self) -> str:
        """How this submission's test processes were isolated (each distinct description once)."""
        return "; ".join(dict.fromkeys(exercise.isolation for exercise in self.exercises if exercise.isolation))


# -- scoring -------------------------------------------------------------------------------------------

def score_exercise(exercise: Exercise, run: sandbox.RunResult, hidden: bool = True) -> ExerciseResult:
    """Points per test from the instructor's test cell; hidden tests never show an assert's code."""
    tests = []
    for spec in exercise.tests:
        if spec.hidden and not hidden:
            continue
        outcome = run.outcomes.get(spec.name, sandbox.Outcome(False, "this test did not run"))
        message = outcome.message
        if spec.hidden and (message.startswith("assert ") or message == "an assertion failed"):
            message = HIDDEN_WITHOUT_MESSAGE  # pytest's rewritten assert would show the test's code
        tests.append(GradedTest(exercise.id, spec.name, spec.hidden, outcome.passed,
                                spec.points if outcome.passed else 0, spec.points, "" if outcome.passed else message))
    kind = run.kind if run.kind != "ok" else ("passed" if all(test.passed for test in tests) else "failed")
    return ExerciseResult(exercise.id, tests, kind, run.problem, run.isolation)


def zero_exercise(exercise: Exercise, kind: str, problem: str, hidden: bool = True) -> ExerciseResult:
    """An exercise whose tests could not run: every test scores 0 with the same explanation."""
    return score_exercise(exercise, sandbox.RunResult(
        {spec.name: sandbox.Outcome(False, problem) for spec in exercise.tests}, kind, problem), hidden)


def syntax_problem(source: str, filename: str, name: str) -> str | None:
    """A one-sentence description of the syntax error in a handler's code, or None."""
    try:
        compile(source, filename, "exec")
    except SyntaxError as error:
        return (f"your %%lambda {name} cell has a syntax error: {error.msg} ({filename}, line {error.lineno}); "
                f"fix it, run the cell and check again")
    except ValueError as error:  # e.g. a NUL byte in the source
        return f"your %%lambda {name} cell cannot be compiled: {error}"
    return None


def job_for(exercise: Exercise, lab: Lab, work_dir: Path, settings: Settings, hidden: bool, tag: object) -> sandbox.Job:
    """The sandbox job running ``exercise``'s tests (with or without the hidden ones) on ``work_dir``."""
    tests = exercise.tests if hidden else exercise.public_tests
    return sandbox.Job(
        exercise_id=exercise.id, test_source=exercise.source if hidden else exercise.public_source,
        expected=tuple(test.name for test in tests), work_dir=str(work_dir),
        functions=[options.to_dict() for options in lab.functions.values()],
        timeout=settings.timeout, memory_mb=settings.memory_mb, tag=tag)


# -- one submission --------------------------------------------------------------------------------------

def prepare(student: str, notebook: dict | NotebookError, course: Course, settings: Settings, scratch: Path,
            batch_lab: str | None) -> tuple[SubmissionResult, list[sandbox.Job]]:
    """Write one student's handlers; return the result so far and the sandbox jobs still to run."""
    if isinstance(notebook, NotebookError):
        return unreadable(student, course.labs.get(batch_lab or ""), str(notebook)), []
    lab_id = settings.lab or lab_of(notebook) or batch_lab
    if lab_id not in course.labs:
        named = f"lab {lab_id!r}" if lab_id else "no lab (its start_lab(...) setup cell is missing)"
        return unreadable(student, course.labs.get(batch_lab or ""),
                          f"this notebook names {named}, which is not in the solutions folder "
                          f"(labs: {', '.join(course.labs) or 'none'}); pass --lab to choose"), []
    lab = course.labs[lab_id]
    work_dir = scratch / student
    written = write_handlers(lab, handler_bodies(notebook), work_dir)
    result = SubmissionResult(student, lab.id)
    jobs = []
    for index, exercise in enumerate(lab.exercises.values()):
        problem = handler_problem(exercise, lab, written, _missing_cell)
        if problem:
            result.exercises.append(zero_exercise(exercise, *problem))
            continue
        result.exercises.append(zero_exercise(exercise, "crash", "this exercise was not graded"))  # until its job ends
        jobs.append(job_for(exercise, lab, work_dir, settings, True, (result, index, exercise)))
    return result, jobs


def handler_problem(exercise: Exercise, lab: Lab, files: dict[str, Path],
                    missing: Callable[[str], str]) -> tuple[str, str] | None:
    """``(kind, problem)`` when a handler file the exercise needs is missing (``missing(NAME)`` says
    what to do) or does not compile; None when the tests can run."""
    for name in exercise.functions:
        if name not in files:
            return "missing", missing(name)
        problem = syntax_problem(files[name].read_text(encoding="utf-8"), lab.functions[name].module_file, name)
        if problem:
            return "syntax", problem
    return None


def _missing_cell(name: str) -> str:
    return f"no %%lambda {name} cell in your notebook: this exercise needs one (did you delete or rename it?)"


def unreadable(student: str, lab: Lab | None, note: str) -> SubmissionResult:
    """A submission that could not be graded: zero on every exercise of its lab (if known), and why."""
    exercises = [zero_exercise(exercise, "unreadable", note) for exercise in lab.exercises.values()] if lab else []
    return SubmissionResult(student, lab.id if lab else None, exercises, note)


# -- many submissions --------------------------------------------------------------------------------------

def grade_folder(submissions: Path, course: Course, settings: Settings, workers: int,
                 progress: bool = True) -> list[SubmissionResult]:
    """Grade every ``*.ipynb`` of ``submissions``, ``workers`` exercises at a time, with a progress bar."""
    if not submissions.is_dir():
        raise GradingError(f"no folder {submissions}: give the folder holding the students' .ipynb files")
    notebooks = sorted(path for path in submissions.glob("*.ipynb") if path.is_file())
    if not notebooks:
        raise GradingError(_nothing_to_grade(submissions))
    return grade_notebooks(notebooks, course, settings, workers, progress)


def _nothing_to_grade(folder: Path) -> str:
    """Why a folder gave nothing to grade: what it holds instead of notebooks at its top level."""
    deeper = sorted(str(path.relative_to(folder)) for path in folder.rglob("*.ipynb")
                    if ".ipynb_checkpoints" not in path.parts)
    entries = list(folder.iterdir())
    found = (f"{len(deeper)} notebook(s) in sub-folders, such as {deeper[0]}" if deeper else
             f"{sum(e.is_dir() for e in entries)} folder(s) and {sum(e.is_file() for e in entries)} other file(s)")
    return (f"no .ipynb file at the top of {folder} (found {found}): put each student's notebook directly in "
            f"the folder, named after the student (alice.ipynb)")


def solution_digests(folder: Path) -> dict[str, str]:
    """The SHA-256 of every lab notebook of the solutions folder: the source of every test, hidden ones too."""
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(Path(folder).glob(LAB_NOTEBOOKS))}


def check_solutions_unchanged(folder: Path, before: dict[str, str]) -> None:
    """Refuse to go on when a solution notebook changed since ``before`` (a submission may have rewritten it)."""
    after = solution_digests(folder)
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    if changed:
        raise GradingError(f"the solutions changed while grading ({', '.join(changed)} in {folder}), so no grade "
                           f"was written: restore them (e.g. git checkout -- {folder}) and grade the batch again")


def grade_notebooks(notebooks: list[Path], course: Course, settings: Settings, workers: int,
                    progress: bool = True, fork: bool = FORK_AVAILABLE) -> list[SubmissionResult]:
    """Grade the given notebooks (see :func:`grade_folder`).

    ``fork=False`` starts a fresh Python process per exercise instead (what the benchmark compares
    with, what to use where forking is unsafe, and the default where there is no fork: Windows).
    """
    from tqdm import tqdm

    if fork:
        sandbox.preload()  # before any fork, and before the progress bar exists
    scratch = Path(tempfile.mkdtemp(prefix="grader-submissions-", dir=sandbox.private_root()))
    try:
        loaded = [(path.stem, _load(path)) for path in notebooks]
        batch_lab = settings.lab or _common_lab([notebook for _, notebook in loaded if isinstance(notebook, dict)])
        prepared = [_prepare_or_note(student, notebook, course, settings, scratch, batch_lab)
                    for student, notebook in loaded]
        waiting = Counter(id(result) for result, jobs in prepared for _ in jobs)
        tqdm.monitor_interval = 0  # no monitor thread: the grader forks, and forking must see one thread
        with tqdm(total=len(prepared), unit="notebook", desc="grading", file=sys.stderr, disable=not progress) as bar:
            bar.update(sum(1 for _, jobs in prepared if not jobs))
            all_jobs = [job for _, jobs in prepared for job in jobs]
            for job, run in sandbox.run_all(all_jobs, workers, fork=fork):
                result, index, exercise = job.tag
                result.exercises[index] = score_exercise(exercise, run)
                result.seconds += run.seconds
                waiting[id(result)] -= 1
                if not waiting[id(result)]:
                    bar.update(1)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return [result for result, _ in prepared]


def _prepare_or_note(student: str, notebook: dict | NotebookError, course: Course, settings: Settings,
                     scratch: Path, batch_lab: str | None) -> tuple[SubmissionResult, list[sandbox.Job]]:
    """:func:`prepare`, except that a notebook it cannot read is noted in its row, and the batch goes on."""
    try:
        return prepare(student, notebook, course, settings, scratch, batch_lab)
    except Exception as error:  # one odd notebook never stops the batch
        return unreadable(student, course.labs.get(batch_lab or ""),
                          f"this notebook could not be graded ({type(error).__name__}: {error})"), []


def _load(path: Path) -> dict | NotebookError:
    try:
        return load_notebook(path)
    except NotebookError as error:
        return error


def _common_lab(notebooks: list[dict]) -> str | None:
    """The lab the readable notebooks of a batch name, when they all agree on one."""
    named = {lab_of(notebook) for notebook in notebooks} - {None}
    return named.pop() if len(named) == 1 else None


def find_submission(folder: Path) -> Path | None:
    """The notebook of a Gradescope submission folder (the first ``*.ipynb``, checkpoints excluded)."""
    found = sorted(path for path in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in path.parts)
    return found[0] if found else None
