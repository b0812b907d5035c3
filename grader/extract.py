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
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookError(f"{path.name} is not valid JSON (line {error.lineno}, column {error.colno}: "
                            f"{error.msg}); was it saved completely?") from None
    if not isinstance(notebook, dict) or not ("cells" in notebook or "worksheets" in notebook):
        raise NotebookError(f"{path.name} is JSON but not a Jupyter notebook (it has no cells)")
    return notebook


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
