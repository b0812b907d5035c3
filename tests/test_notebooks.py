"""Every lab, executed top to bottom as a student would run it.

Each notebook runs in a real Jupyter kernel (nbclient), from a copy in a temporary folder so that its
``work/`` folder (the handler files its ``%%lambda`` cells save) stays out of the repository and
apart from other tests running at the same time. ``check()`` still reads the kit's own ``labs/``.

- A solution notebook must run without an error in any cell, and every ``check(...)`` in it must say
  that all public tests passed.
- A lab notebook (exercises unsolved) must run to the end without an error either: its exercise
  cells only raise ``NotImplementedError`` when the *tests* invoke them, so every ``check(...)``
  reports failure, as it should, and nothing else fails.

How long each notebook takes is printed (run pytest with ``-s`` to see it), never asserted. That they
are stored without outputs is tested in ``test_course_files.py``.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LABS = sorted(path.stem for path in (REPO / "solutions").glob("*.ipynb"))
PASSED = "All public tests passed."
NOT_YET = "Not yet:"
# What a lab must also show, in whichever copy: that lab 07's producer/consumer demonstration, at the
# seed article's 5,000 jobs, loses all but 65 invoked asynchronously and none through a queue; that
# lab 09 runs end to end without credentials.
ALSO_SHOWN = {
    "07_lambda_calling_lambda": ["jobs handed out: 5,000, done: 65, dropped: 4,935",
                                 "jobs handed out: 5,000, done: 180, still in the queue: 4,820, lost: 0"],
    "09_deploy": ["deploying to this notebook's local cloud", "Nothing leaves your computer.",
                  "+ Add    Calculator", "~ Modify Calculator", "Stack 'calculator-lab': UPDATE_COMPLETE.",
                  "results: [{'result': 42.0}, {'result': 0.25}]",
                  "nothing to do: there is no stack 'calculator-lab'",
                  "without a token: 401 {'message': 'Unauthorized'}",
                  "with ada's ID token: 200 {'user': 'ada', 'groups': '[teachers]'}",
                  "+ Add    UserPool", "Stack 'secured-lab': CREATE_COMPLETE.",
                  "Stack 'secured-lab' is deleted"],
}


def execute(notebook_path: Path, folder: Path, last_cell: str | None = None):
    """Run a copy of the notebook in ``folder`` with a python3 kernel; return the executed notebook.

    ``last_cell``, if given, is code run after the notebook's own cells, in the same kernel.
    """
    import nbformat
    from nbclient import NotebookClient

    copy = folder / notebook_path.name
    shutil.copy(notebook_path, copy)
    notebook = nbformat.read(copy, as_version=4)
    if last_cell is not None:
        notebook.cells.append(nbformat.v4.new_code_cell(last_cell))
    started = time.perf_counter()
    NotebookClient(notebook, timeout=60, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    print(f"{notebook_path.relative_to(REPO)} ran in {time.perf_counter() - started:.1f} s")
    return notebook


def errors(cell) -> list[str]:
    """``Type: message`` for each error output of a cell."""
    return [f"{output.ename}: {output.evalue}" for output in cell.get("outputs", []) if output.output_type == "error"]


def text_of(cell) -> str:
    """Everything a cell printed or displayed, as plain text."""
    return "".join(output.get("text", "") + output.get("data", {}).get("text/plain", "")
                   for output in cell.get("outputs", []))


def first_line(cell) -> str:
    return cell.source.strip().splitlines()[0]


@pytest.mark.slow
@pytest.mark.parametrize("folder, check_says", [("solutions", PASSED), ("labs", NOT_YET)])
@pytest.mark.parametrize("lab", LABS)
def test_the_notebook_runs_and_its_checks_say_what_they_should(lab, folder, check_says, tmp_path):
    notebook = execute(REPO / folder / f"{lab}.ipynb", tmp_path)
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]

    failed_cells = {first_line(cell): errors(cell) for cell in cells if errors(cell)}
    assert not failed_cells, f"{folder}/{lab}.ipynb: cells raised errors (only checks may fail, without raising): {failed_cells}"
    checks = [cell for cell in cells if cell.source.lstrip().startswith("check(")]
    assert checks, f"{folder}/{lab}.ipynb has no check(...) cell"
    wrong = {first_line(cell): text_of(cell) for cell in checks if check_says not in text_of(cell)}
    assert not wrong, f"{folder}/{lab}.ipynb: these checks did not say {check_says!r}: {wrong}"
    shown = "\n".join(text_of(cell) for cell in cells)
    missing = [text for text in ALSO_SHOWN.get(lab, []) if text not in shown]
    assert not missing, f"{folder}/{lab}.ipynb did not show {missing}"
