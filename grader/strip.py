"""``make labs``: the student copies in ``labs/``, generated from ``solutions/``.

For each ``solutions/NN_topic.ipynb``, ``labs/NN_topic.ipynb`` is the same notebook with:

- each ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region (markers included) replaced by
  ``raise NotImplementedError("Write your code here")``, indented like the ``### BEGIN SOLUTION`` line;
- each ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` region removed;
- outputs cleared, execution counts ``null``, cell metadata reduced to ``tags`` and notebook metadata
  to the kernel and the language's name, so the file depends only on the source and diffs stay small.

Markers work in code cells only: a markdown cell holding one is an error (it would leak the answer).
Each solution is also read as a lab (:func:`grader.exercises.parse_lab`), so a malformed ``%%lambda``
or ``%%tests`` cell stops ``make labs`` with a message naming the cell.

``python -m grader labs --check solutions labs`` regenerates in memory and lists every difference
(a test of the kit runs it, so labs/ cannot drift from solutions/).
"""

from __future__ import annotations

import json
from pathlib import Path

from .exercises import HIDDEN_MARKERS, SOLUTION_MARKERS, ExerciseFormatError, parse_lab, remove_regions

STUB = 'raise NotImplementedError("Write your code here")'
LAB_FILES = "[0-9][0-9]_*.ipynb"


def strip_notebook(notebook: dict, lab_id: str, keep_hidden_tests: bool = False) -> dict:
    """The student copy of one solution notebook (or, with ``keep_hidden_tests``, the grader's copy:
    every test, no solution code)."""
    parse_lab(notebook, lab_id)  # validates every %%lambda and %%tests cell
    cells = []
    for index, cell in enumerate(notebook.get("cells", [])):
        where = f"solutions/{lab_id}.ipynb, cell {index + 1}"
        source = _text(cell.get("source", ""))
        stripped = {"cell_type": cell["cell_type"], "metadata": _cell_metadata(cell), "source": source}
        if "id" in cell:
            stripped["id"] = cell["id"]
        if cell["cell_type"] == "code":
            source = remove_regions(source, SOLUTION_MARKERS, where, STUB)
            if not keep_hidden_tests:
                source = remove_regions(source, HIDDEN_MARKERS, where)
            source = source.rstrip()  # no blank lines left at the end
            stripped.update(source=source, outputs=[], execution_count=None)
        elif any(marker in source for marker in (*SOLUTION_MARKERS, *HIDDEN_MARKERS)):
            raise ExerciseFormatError(f"{where} is a {cell['cell_type']} cell with a ### BEGIN/END marker: "
                                      f"markers work in code cells only")
        elif "attachments" in cell:
            stripped["attachments"] = cell["attachments"]
        stripped["source"] = stripped["source"].splitlines(keepends=True)
        cells.append(stripped)
    return {"cells": cells, "metadata": _notebook_metadata(notebook), "nbformat": 4,
            "nbformat_minor": notebook.get("nbformat_minor", 5)}


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


def _cell_metadata(cell: dict) -> dict:
    tags = cell.get("metadata", {}).get("tags")
    return {"tags": tags} if tags else {}


def _notebook_metadata(notebook: dict) -> dict:
    metadata = notebook.get("metadata", {})
    kept = {}
    if "kernelspec" in metadata:
        kept["kernelspec"] = metadata["kernelspec"]
    if "name" in metadata.get("language_info", {}):
        kept["language_info"] = {"name": metadata["language_info"]["name"]}
    return kept


def dumps(notebook: dict) -> str:
    """A notebook as Jupyter writes it (one-space indent, sorted keys, UTF-8 text, final newline)."""
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def expected_labs(solutions: Path) -> dict[str, str]:
    """The text of every lab notebook ``solutions`` generates, by file name."""
    if not solutions.is_dir():
        raise ExerciseFormatError(f"no folder {solutions}: give the folder of the solution notebooks")
    generated = {}
    for path in sorted(solutions.glob(LAB_FILES)):
        try:
            notebook = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as error:
            raise ExerciseFormatError(f"{path} is not a valid notebook (JSON error: {error})") from None
        generated[path.name] = dumps(strip_notebook(notebook, path.stem))
    return generated


def write_labs(solutions: Path, labs: Path) -> list[Path]:
    """Regenerate ``labs`` from ``solutions``; returns the files written."""
    labs.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in expected_labs(solutions).items():
        (labs / name).write_text(text, encoding="utf-8")
        written.append(labs / name)
    return written


def differences(solutions: Path, labs: Path) -> list[str]:
    """Every way ``labs`` differs from what ``solutions`` generates, one sentence each."""
    expected = expected_labs(solutions)
    found = {path.name: path for path in sorted(labs.glob(LAB_FILES))} if labs.is_dir() else {}
    problems = []
    for name, text in expected.items():
        if name not in found:
            problems.append(f"{labs / name} is missing")
            continue
        actual = found[name].read_text(encoding="utf-8")
        if actual != text:
            problems.append(f"{labs / name} differs from what {solutions / name} generates ({_first_difference(actual, text)})")
    problems.extend(f"{found[name]} has no {solutions / name}" for name in found if name not in expected)
    return problems


def _first_difference(actual: str, expected: str) -> str:
    try:
        actual_cells = json.loads(actual).get("cells", [])
    except ValueError:
        return "it is not valid JSON"
    expected_cells = json.loads(expected)["cells"]
    for index, (mine, theirs) in enumerate(zip(actual_cells, expected_cells)):
        if mine != theirs:
            return f"first at cell {index + 1}"
    if len(actual_cells) != len(expected_cells):
        return f"it has {len(actual_cells)} cells instead of {len(expected_cells)}"
    return "same cells, different metadata or formatting"
