"""A student's notebook → the handler files to grade, read from the JSON, never by running it.

Students move, duplicate, split and delete cells; some notebooks arrive truncated. The rules:

- only code cells count, in notebook order; for each ``%%lambda NAME`` the *last* such cell wins
  (what a student who re-ran an edited copy further down expects);
- only NAME is read from the magic line: the function's options (handler, timeout, memory,
  environment) are the instructor's, from ``solutions/``, so they cannot be changed to pass a test;
- a cell split in two keeps only its first part as the handler, exactly as in the student's own
  notebook, where the second part runs as ordinary notebook code;
- outputs and execution counts are never read;
- a file that is not a notebook raises :class:`NotebookError` with the reason, and grading goes on
  with the next student.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .exercises import Lab, code_cells, lambda_name, split_magic

# The setup cell names its lab: start_lab("01_handlers").
START_LAB = re.compile(r"""start_lab\(\s*(?:lab_id\s*=\s*)?["']([^"']+)["']""")


class NotebookError(ValueError):
    """A submission that cannot be read as a notebook; the message says why."""


def load_notebook(path: str | Path) -> dict:
    """The notebook's JSON, or NotebookError naming the problem (not UTF-8, not JSON, not a notebook)."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NotebookError(f"{path.name} is not a text file (byte {error.start} is not UTF-8)") from None
    except OSError as error:
        raise NotebookError(f"{path.name} cannot be read ({error.strerror})") from None
    if not text.strip():
        raise NotebookError(f"{path.name} is empty: was it saved completely? Ask for the notebook again")
    try:
        notebook = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        where = f"line {error.lineno}, column {error.colno}: {error.msg}" if isinstance(error, ValueError) else error
        raise NotebookError(f"{path.name} is not valid JSON ({where}); was it saved completely?") from None
    problem = shape_problem(notebook)
    if problem:
        raise NotebookError(f"{path.name} is JSON but not a Jupyter notebook: {problem}")
    return notebook


def shape_problem(notebook: object) -> str | None:
    """What stops ``notebook`` from being read as nbformat 4 (``cells``) or 3 (``worksheets``), or None."""
    if not isinstance(notebook, dict):
        return f"it is a {type(notebook).__name__}, not an object with 'cells'"
    if "cells" in notebook:
        return _cells_problem(notebook["cells"], "'cells'")
    if "worksheets" not in notebook:
        return "it has no 'cells'"
    sheets = notebook["worksheets"]
    if not isinstance(sheets, list):
        return f"'worksheets' is a {type(sheets).__name__}, not a list of worksheets"
    for number, sheet in enumerate(sheets, start=1):
        problem = (_cells_problem(sheet.get("cells", []), f"worksheet {number}'s 'cells'") if isinstance(sheet, dict)
                   else f"worksheet {number} is a {type(sheet).__name__}, not an object with 'cells'")
        if problem:
            return problem
    return None


def _cells_problem(cells: object, what: str) -> str | None:
    if not isinstance(cells, list):
        return f"{what} is a {type(cells).__name__}, not a list of cells"
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            return f"cell {number} is a {type(cell).__name__}, not an object with 'cell_type' and 'source'"
        source = cell.get("source", cell.get("input", ""))
        lines = source if isinstance(source, list) else [source]
        odd = next((line for line in lines if not isinstance(line, str)), None)
        if odd is not None:
            return f"cell {number}'s source holds {odd!r} (a {type(odd).__name__}), where only text belongs"
    return None


def lab_of(notebook: dict) -> str | None:
    """The lab id named by the notebook's ``start_lab("NN_topic")`` call, if there is one."""
    for source in code_cells(notebook):
        match = START_LAB.search(source)
        if match:
            return match.group(1)
    return None


def handler_bodies(notebook: dict) -> dict[str, str]:
    """The code of the student's handler cells by function NAME, the last cell of each NAME winning."""
    bodies: dict[str, str] = {}
    for source in code_cells(notebook):
        magic = split_magic(source)
        if magic is not None and magic[0] == "lambda" and lambda_name(magic[1]):
            bodies[lambda_name(magic[1])] = magic[2]
    return bodies


def write_handlers(lab: Lab, bodies: dict[str, str], destination: Path) -> dict[str, Path]:
    """Write ``destination/NAME/<module>.py`` for each of the lab's functions the student wrote.

    Returns the written file of each NAME. Functions of the student's that the lab does not define
    are left out: no test can use them.
    """
    written = {}
    for name, options in lab.functions.items():
        if name not in bodies:
            continue
        path = destination / name / options.module_file
        path.parent.mkdir(parents=True, exist_ok=True)
        body = bodies[name]
        path.write_text(body if body.endswith("\n") else body + "\n", encoding="utf-8")
        written[name] = path
    return written
