"""Labs 05 to 08, executed top to bottom as a student would run them.

The rules are the same as for labs 00 to 04, so the checks are the ones of ``test_notebooks_00_04``,
run here for these labs:

- a solution notebook is stored without outputs, runs without an error in any cell, and every
  ``check(...)`` in it says that all public tests passed;
- a lab notebook (exercises unsolved) runs to the end without an error, and every ``check(...)`` in it
  reports failure ("Not yet: ...") instead of raising.

Each notebook runs from a copy in a temporary folder, so its ``work/`` folder stays out of the
repository. How long each notebook takes is printed (pytest ``-s``), never asserted.
"""

from __future__ import annotations

import pytest

import test_notebooks_00_04 as shared

LABS = ["05_queues", "06_calculator", "07_lambda_calling_lambda", "08_cold_starts_logs_cost"]


@pytest.mark.parametrize("lab", LABS)
def test_solutions_are_stored_without_outputs(lab):
    shared.test_solutions_are_stored_without_outputs(lab)


@pytest.mark.slow
@pytest.mark.parametrize("lab", LABS)
def test_solution_runs_and_every_check_passes(lab, tmp_path):
    shared.test_solution_runs_and_every_check_passes(lab, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("lab", LABS)
def test_lab_runs_and_its_checks_report_failure(lab, tmp_path):
    shared.test_lab_runs_and_its_checks_report_failure(lab, tmp_path)
