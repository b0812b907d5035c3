"""Labs 00 to 04, executed top to bottom as a student would run them.

Each notebook runs in a real Jupyter kernel (nbclient), from a copy in a temporary folder so that its
``work/`` folder (the handler files its ``%%lambda`` cells save) stays out of the repository and
apart from other tests running at the same time. ``check()`` still reads the kit's own ``labs/``.

- A solution notebook must run without an error in any cell, and every ``check(...)`` in it must say
  that all public tests passed.
- A lab notebook (exercises unsolved) must run to the end without an error either: its exercise
  cells only raise ``NotImplementedError`` when the *tests* invoke them, so every ``check(...)``
  reports failure, as it should, and nothing else fails.

How long each notebook takes is printed (run pytest with ``-s`` to see it), never asserted.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LABS = ["00_welcome", "01_first_handler", "02_events_and_context", "03_http_api", "04_periodic_triggers"]
PASSED = "All public tests passed."
NOT_YET = "Not yet:"


def execute(notebook_path: Path, folder: Path):
    """Run a copy of the notebook in ``folder`` with a python3 kernel; return the executed notebook."""
    import nbformat
    from nbclient import NotebookClient

    copy = folder / notebook_path.name
    shutil.copy(notebook_path, copy)
    notebook = nbformat.read(copy, as_version=4)
    started = time.perf_counter()
    NotebookClient(notebook, timeout=60, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    print(f"{notebook_path.relative_to(REPO)} ran in {time.perf_counter() - started:.1f} s")
    return notebook


def code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def errors(cell) -> list[str]:
    """``Type: message`` for each error output of a cell."""
    return [f"{output.ename}: {output.evalue}" for output in cell.get("outputs", []) if output.output_type == "error"]


def text_of(cell) -> str:
    """Everything a cell printed or displayed, as plain text."""
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        parts.append(output.get("data", {}).get("text/plain", ""))
    return "".join(parts)


def is_check(cell) -> bool:
    return cell.source.lstrip().startswith("check(")


def first_line(cell) -> str:
    return cell.source.strip().splitlines()[0]


@pytest.mark.parametrize("lab", LABS)
def test_solutions_are_stored_without_outputs(lab):
    notebook = json.loads((REPO / "solutions" / f"{lab}.ipynb").read_text(encoding="utf-8"))
    executed = [cell["source"][:1] for cell in notebook["cells"]
                if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not executed, f"solutions/{lab}.ipynb is stored with outputs in the cells starting {executed}: clear them"


@pytest.mark.slow
@pytest.mark.parametrize("lab", LABS)
def test_solution_runs_and_every_check_passes(lab, tmp_path):
    notebook = execute(REPO / "solutions" / f"{lab}.ipynb", tmp_path)

    failed_cells = {first_line(cell): errors(cell) for cell in code_cells(notebook) if errors(cell)}
    assert not failed_cells, f"solutions/{lab}.ipynb: cells raised errors: {failed_cells}"
    checks = [cell for cell in code_cells(notebook) if is_check(cell)]
    assert checks, f"solutions/{lab}.ipynb has no check(...) cell"
    not_passed = {first_line(cell): text_of(cell) for cell in checks if PASSED not in text_of(cell)}
    assert not not_passed, f"solutions/{lab}.ipynb: these checks did not pass: {not_passed}"


@pytest.mark.slow
@pytest.mark.parametrize("lab", LABS)
def test_lab_runs_and_its_checks_report_failure(lab, tmp_path):
    notebook = execute(REPO / "labs" / f"{lab}.ipynb", tmp_path)

    failed_cells = {first_line(cell): errors(cell) for cell in code_cells(notebook) if errors(cell)}
    assert not failed_cells, f"labs/{lab}.ipynb: cells raised errors (only checks may fail, without raising): {failed_cells}"
    checks = [cell for cell in code_cells(notebook) if is_check(cell)]
    assert checks, f"labs/{lab}.ipynb has no check(...) cell"
    not_failing = {first_line(cell): text_of(cell) for cell in checks if NOT_YET not in text_of(cell)}
    assert not not_failing, f"labs/{lab}.ipynb: these checks of unsolved exercises did not report failure: {not_failing}"
