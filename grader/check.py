"""``check("EXERCISE_ID")`` in a lab notebook: the exercise's public tests, run on the spot.

The tests come from the kit's own copy of the lab (``NN_topic.ipynb`` in :func:`labs_dir`), never from
the student's notebook, so editing a test cell changes nothing. They run against the files the
``%%lambda`` cells saved in the work folder, with the function options of the kit's copy, in one of two
ways that :mod:`emulator.platform.checks` chooses for the platform: in a process of their own with a
time limit, forked from the notebook's warm checking process (see :mod:`grader.warm` and
:mod:`grader.sandbox`), or in the notebook's own process where there is no fork (Windows, the browser:
:mod:`grader.in_kernel`). The result shows a line per test, the points, and for each failure the test's
one-sentence message, never a traceback.

Where the kit's copy of the labs is: ``start_lab(labs_dir=...)``, else ``$LAMBDA_LAB_LABS``, else the
``labs/`` folder next to the installed ``grader`` package (a clone of the kit, or an editable install).
A wheel in site-packages (the browser edition's) has no such folder: whoever builds the site sets
``LAMBDA_LAB_LABS`` to a pristine copy of the lab notebooks (in JupyterLite, a folder of the drive
the students do not edit). The notebook's own folder is never used: the student's notebook there is
the one whose test cells they may have edited.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from emulator.platform import checks

from . import in_kernel, sandbox, warm
from .exercises import ExerciseFormatError, read_lab
from .grading import ExerciseResult, Settings, GradedTest, handler_problem, job_for, score_exercise, zero_exercise
from .report import STYLE, exercise_html, exercise_text

CHECK_TIMEOUT = 60


LABS_VARIABLE = "LAMBDA_LAB_LABS"


def kit_labs_dir() -> Path:
    """``labs/`` of the kit this package belongs to."""
    return Path(__file__).resolve().parents[1] / "labs"


def labs_dir() -> Path:
    """Where the kit's copy of the lab notebooks is: ``$LAMBDA_LAB_LABS``, else :func:`kit_labs_dir`."""
    return Path(os.environ.get(LABS_VARIABLE) or kit_labs_dir())


def platform_runner() -> Callable[[sandbox.Job], sandbox.RunResult]:
    """How this platform runs a check's job (see :mod:`emulator.platform.checks`); the warm checking
    process starts warming up when it is the one."""
    if checks.mechanism() == "in-kernel":
        return in_kernel.run
    warm.warm_up()
    return warm.run


@dataclass
class CheckResult:
    """What ``check()`` found: ``passed``, ``score``, ``max_score``, ``tests`` (and ``problem``)."""

    exercise: ExerciseResult

    @property
    def passed(self) -> bool:
        return self.exercise.problem is None and all(test.passed for test in self.exercise.tests)

    @property
    def score(self) -> float:
        return self.exercise.score

    @property
    def max_score(self) -> float:
        return self.exercise.max_score

    @property
    def tests(self) -> list[GradedTest]:
        return self.exercise.tests

    @property
    def problem(self) -> str | None:
        return self.exercise.problem

    def _verdict(self) -> str:
        return "All public tests passed." if self.passed else "Not yet: read the messages above, fix, run the cell, check again."

    def __str__(self) -> str:
        return f"{exercise_text(self.exercise)}\n{self._verdict()}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return (f'<div class="lambda-lab-check"><style>{STYLE}</style>{exercise_html(self.exercise)}'
                f"<p><strong>{html.escape(self._verdict())}</strong></p></div>")


def make_check(lab_id: str, work_dir: str | Path, labs: str | Path | None = None,
               timeout: float = CHECK_TIMEOUT,
               runner: Callable[[sandbox.Job], sandbox.RunResult] | None = None) -> Callable[[str], CheckResult]:
    """The ``check`` function of one lab, bound to its work folder, reading its tests from ``labs``
    (default: :func:`labs_dir`).

    ``runner`` runs one check's job: by default the platform's (:func:`platform_runner`).
    """
    runner = runner or platform_runner()
    work_dir = Path(work_dir).resolve()
    lab_path = Path(labs or labs_dir()) / f"{lab_id}.ipynb"

    def check(exercise_id: str) -> CheckResult:
        """Run the public tests of ``exercise_id`` against your saved handler files."""
        lab = read_lab(lab_path)
        if exercise_id not in lab.exercises:
            raise ExerciseFormatError(f"lab {lab_id} has no exercise {exercise_id!r}; "
                                      f"its exercises are: {', '.join(lab.exercises) or 'none'}")
        exercise = lab.exercises[exercise_id]
        files = {name: work_dir / name / options.module_file for name, options in lab.functions.items()}
        problem = handler_problem(exercise, lab, {name: path for name, path in files.items() if path.is_file()},
                                  lambda name: f"there is no {files[name].relative_to(work_dir.parent)} yet: "
                                               f"run the %%lambda {name} cell first")
        if problem:
            return CheckResult(zero_exercise(exercise, *problem, hidden=False))
        job = job_for(exercise, lab, work_dir, Settings(timeout=timeout), hidden=False, tag=None)
        return CheckResult(score_exercise(exercise, runner(job), hidden=False))

    return check
