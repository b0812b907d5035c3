"""``check("EXERCISE_ID")`` in a lab notebook: the exercise's public tests, run on the spot.

The tests come from the kit's own copy of the lab (``labs/NN_topic.ipynb``), never from the
student's notebook, so editing a test cell changes nothing. They run against the files the
``%%lambda`` cells saved in the work folder, in a process of their own with a time limit, forked
from the notebook's warm checking process (see :mod:`grader.warm` and :mod:`grader.sandbox`), with the
function options of the kit's copy. The result shows a line per test,
the points, and for each failure the test's one-sentence message, never a traceback.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import sandbox, warm
from .exercises import ExerciseFormatError, read_lab
from .grading import ExerciseResult, Settings, GradedTest, handler_problem, job_for, score_exercise, zero_exercise
from .report import STYLE, exercise_html, exercise_text

CHECK_TIMEOUT = 60


def kit_labs_dir() -> Path:
    """``labs/`` of the kit this package belongs to."""
    return Path(__file__).resolve().parents[1] / "labs"


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


def make_check(lab_id: str, work_dir: str | Path, labs_dir: str | Path | None = None,
               timeout: float = CHECK_TIMEOUT,
               runner: Callable[[sandbox.Job], sandbox.RunResult] = warm.run) -> Callable[[str], CheckResult]:
    """The ``check`` function of one lab, bound to its work folder (the checking process starts warming up).

    ``runner`` runs one check's job: by default in the warm checking process (:mod:`grader.warm`).
    """
    warm.warm_up()
    work_dir = Path(work_dir).resolve()
    lab_path = Path(labs_dir or kit_labs_dir()) / f"{lab_id}.ipynb"

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
