"""Lambda Lab's autograder: ``check()`` in the notebook, ``python -m grader`` for a folder of notebooks.

The exercise format, for instructors
====================================

A lab is one notebook, ``solutions/NN_topic.ipynb``: the single source of the lab, of its solutions
and of its tests. ``python -m grader labs solutions labs`` (``make labs``) turns it into the student
copy ``labs/NN_topic.ipynb``. Four kinds of code cell matter to the grader:

1. **The setup cell** (the first code cell)::

       from emulator.notebook import start_lab
       cloud, check = start_lab("NN_topic")

2. **Handler cells**, whose first line is
   ``%%lambda NAME [--handler lambda_function.lambda_handler] [--timeout 3] [--memory 128] [--env KEY=VALUE ...]``.
   The body is real Lambda code: the magic saves it as ``work/NAME/lambda_function.py`` and deploys
   function ``NAME`` to the notebook's local cloud. Put the answer between ``### BEGIN SOLUTION`` and
   ``### END SOLUTION`` lines; the student copy holds ``raise NotImplementedError("Write your code
   here")`` there instead, indented like the ``### BEGIN SOLUTION`` line. The options line is part of
   the question, not of the answer: tests always run the function with the options of *your* cell.

3. **Test cells**, whose first line is ``%%tests EXERCISE_ID`` (``LAB-NAME``, e.g. ``01-echo``,
   unique across the course, starting with the lab's number). The body is plain pytest: each
   ``test_*`` function is worth 1 point, or N with ``@points(N)`` (``points`` needs no import).
   Fixtures: ``cloud`` (a fresh, started LocalCloud holding every function of the lab's handler
   cells), ``work_dir`` (the folder of the ``NAME/`` folders), ``load_module(NAME)`` (NAME's module,
   read from a process of its own, for answers that are constants or plain functions) and ``events`` (``emulator.events``).
   Tests between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS`` are hidden: they are
   removed from the student copy, run only when grading, and their code is never shown.
   An exercise's handler cells are the ``%%lambda`` cells between the previous test cell and its own.

4. **Check cells**: ``check("EXERCISE_ID")`` runs the exercise's public tests, read from
   ``labs/``, against the student's saved files, in a separate process (in the notebook's own process
   where there is no fork: Windows, the browser; see :mod:`emulator.platform.checks`).

Write every assert with a message that is one plain sentence on what was expected, what happened
and where to look: that first line is all the student sees of a failing test. Hidden tests without
a message show only "a hidden test failed". ``grader.testing.expect_success(invocation)`` turns a
failed invocation into such a sentence.

Grading (``python -m grader grade SUBMISSIONS --out OUT``) takes the tests from ``solutions/`` and
the handler code from each student notebook's JSON (the last cell of each ``%%lambda NAME`` wins); it
never runs the notebook nor reads its outputs.

This package stays light on import (no Jupyter, no moto): the command line and the sandbox start fast.
"""

from __future__ import annotations

from typing import Callable, TypeVar

Test = TypeVar("Test", bound=Callable)

__all__ = ["points"]


def points(value: float) -> Callable[[Test], Test]:
    """Decorate a test function to make it worth ``value`` points instead of 1.

    The grader reads the number from the test cell's source (it must be a number literal, e.g.
    ``@points(2)``), so a running test cannot change what it is worth.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(f"points({value!r}): a test is worth a positive number of points, e.g. @points(2)")

    def mark(test: Test) -> Test:
        test.grader_points = value
        return test

    return mark
