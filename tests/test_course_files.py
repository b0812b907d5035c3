"""The course's files as committed: labs/ is exactly what `make labs` makes, no notebook stores outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.strip import differences

REPO = Path(__file__).resolve().parents[1]
STUDENT_COPIES = sorted((REPO / "labs").glob("*.ipynb")) + sorted((REPO / "labs" / "fr").glob("*.ipynb"))
NOTEBOOKS = sorted((REPO / "solutions").glob("*.ipynb")) + STUDENT_COPIES


def test_labs_are_what_make_labs_produces():
    assert differences(REPO / "solutions", REPO / "labs") == [], "run `make labs` and commit labs/"


def test_every_solution_has_its_lab():
    solutions = {p.name for p in (REPO / "solutions").glob("*.ipynb")}
    labs = {p.name for p in (REPO / "labs").glob("*.ipynb")}
    assert solutions and solutions == labs


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebooks_are_stored_without_outputs(path):
    notebook = json.loads(path.read_text())
    dirty = [index for index, cell in enumerate(notebook["cells"]) if cell["cell_type"] == "code"
             and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert dirty == [], f"{path.name}: cells {dirty} store outputs; clear them before committing"


def test_labs_carry_no_solution_or_hidden_test():
    for path in STUDENT_COPIES:
        text = path.read_text()
        for marker in ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"):
            assert marker not in text, f"{path.name} still contains {marker!r}"
