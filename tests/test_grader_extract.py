"""Reading a student's notebook without running it: tolerant of what students do to cells."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from grader.exercises import read_lab
from grader.extract import NotebookError, handler_bodies, lab_of, load_notebook, write_handlers

LAB = read_lab(Path(__file__).parent / "fixtures" / "course" / "solutions" / "01_echo.ipynb")
SETUP = "from emulator.notebook import start_lab\ncloud, check = start_lab('01_echo')"


def notebook(*cells) -> dict:
    return new_notebook(cells=[cell if isinstance(cell, dict) else new_code_cell(cell) for cell in cells])


def test_the_last_cell_of_each_name_wins_wherever_it_was_moved():
    bodies = handler_bodies(notebook(
        "%%lambda echo\nfirst = 1",
        "%%lambda greeting\ngreet = 1",
        new_markdown_cell("%%lambda echo\nnot code"),
        "%%lambda echo\nsecond = 2",
    ))

    assert bodies == {"echo": "second = 2", "greeting": "greet = 1"}


def test_only_the_name_is_read_from_a_students_magic_line():
    assert handler_bodies(notebook("%%lambda echo --timeout 900 --env X=1\nbody")) == {"echo": "body"}


def test_a_split_cell_keeps_its_first_part_as_the_handler():
    bodies = handler_bodies(notebook("%%lambda echo\ndef lambda_handler(event, context):",
                                     "    return event['key1']"))

    assert bodies == {"echo": "def lambda_handler(event, context):"}


def test_outputs_are_never_read():
    cell = new_code_cell("%%lambda echo\nreal = 1", outputs=[new_output("stream", text="All tests passed")])

    assert handler_bodies(notebook(cell)) == {"echo": "real = 1"}


def test_write_handlers_uses_the_labs_module_names_and_skips_unknown_functions(tmp_path):
    written = write_handlers(LAB, {"echo": "x = 1", "extra": "y = 2"}, tmp_path)

    assert written == {"echo": tmp_path / "echo" / "lambda_function.py"}
    assert written["echo"].read_text() == "x = 1\n"
    assert not (tmp_path / "extra").exists() and not (tmp_path / "greeting").exists()


def test_lab_of_reads_the_setup_cell():
    assert lab_of(notebook(SETUP)) == "01_echo"
    assert lab_of(notebook('cloud, check = start_lab(lab_id="02_timetable", work_dir="w")')) == "02_timetable"
    assert lab_of(notebook("print('no setup')")) is None


def write(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


@pytest.mark.parametrize("content, message", [
    ('{"cells": [', r"alice.ipynb is not valid JSON \(line 1, column 12: Expecting value\); was it saved completely\?"),
    (b"\xff\xfe\x00garbage", r"alice.ipynb is not a text file \(byte 0 is not UTF-8\)"),
    ('["a", "list"]', "alice.ipynb is JSON but not a Jupyter notebook"),
    ("", r"alice.ipynb is empty: was it saved completely\?"),
])
def test_unreadable_notebooks_raise_a_clear_error(tmp_path, content, message):
    with pytest.raises(NotebookError, match=message):
        load_notebook(write(tmp_path / "alice.ipynb", content))


def test_a_notebook_with_a_byte_order_mark_loads(tmp_path):
    path = write(tmp_path / "bob.ipynb", b"\xef\xbb\xbf" + json.dumps(notebook(SETUP)).encode())

    assert lab_of(load_notebook(path)) == "01_echo"


def test_a_notebook_saved_by_jupyter_loads(tmp_path):
    nbformat.write(notebook(SETUP, "%%lambda echo\nx = 1"), tmp_path / "carol.ipynb")

    assert handler_bodies(load_notebook(tmp_path / "carol.ipynb")) == {"echo": "x = 1"}
