"""`make labs`: student copies generated from the solutions, and the check that they are in sync."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from grader.exercises import ExerciseFormatError
from grader.strip import STUB, differences, strip_notebook, write_labs

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "tests" / "fixtures" / "course"


def solution(*cells) -> dict:
    notebook = new_notebook(cells=list(cells), metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python", "version": "3.11.7", "mimetype": "text/x-python"},
        "widgets": {"state": "lots"}})
    return json.loads(json.dumps(notebook))


def sources(notebook: dict) -> list[str]:
    return ["".join(cell["source"]) for cell in notebook["cells"]]


def test_solution_regions_become_a_stub_at_the_same_indentation():
    lab = strip_notebook(solution(new_code_cell(
        "%%lambda echo\nimport os\n\ndef lambda_handler(event, context):\n"
        "    ### BEGIN SOLUTION\n    return event['key1']\n    ### END SOLUTION\n")), "01_echo")

    assert sources(lab) == [f"%%lambda echo\nimport os\n\ndef lambda_handler(event, context):\n    {STUB}"]


def test_hidden_tests_disappear_and_public_tests_stay():
    lab = strip_notebook(solution(new_code_cell(
        "%%tests 01-echo\ndef test_public():\n    pass\n\n"
        "### BEGIN HIDDEN TESTS\ndef test_hidden():\n    assert 'secret'\n### END HIDDEN TESTS\n")), "01_echo")

    assert sources(lab) == ["%%tests 01-echo\ndef test_public():\n    pass"]


def test_outputs_counts_and_metadata_are_reset():
    cell = new_code_cell("x = 1", execution_count=7, outputs=[new_output("stream", text="hi")],
                         metadata={"tags": ["setup"], "collapsed": True, "scrolled": False})
    lab = strip_notebook(solution(cell, new_markdown_cell("text", metadata={"jupyter": {"x": 1}})), "01_echo")

    code, markdown = lab["cells"]
    assert (code["outputs"], code["execution_count"], code["metadata"]) == ([], None, {"tags": ["setup"]})
    assert markdown["metadata"] == {}
    assert lab["metadata"] == {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                               "language_info": {"name": "python"}}


def test_cell_ids_are_kept_so_labs_stay_stable():
    notebook = solution(new_code_cell("x = 1"))

    assert strip_notebook(notebook, "01_echo")["cells"][0]["id"] == notebook["cells"][0]["id"]


def test_markers_in_a_markdown_cell_are_an_error():
    with pytest.raises(ExerciseFormatError, match="cell 1 is a markdown cell with a ### BEGIN/END marker"):
        strip_notebook(solution(new_markdown_cell("### BEGIN SOLUTION\nanswer\n### END SOLUTION")), "01_echo")


def test_an_unclosed_marker_names_the_notebook_and_cell():
    with pytest.raises(ExerciseFormatError, match=r"solutions/01_echo.ipynb, cell 2, line 2: ### BEGIN SOLUTION is never closed"):
        strip_notebook(solution(new_markdown_cell("intro"), new_code_cell("x = 1\n### BEGIN SOLUTION\n")), "01_echo")


def test_the_fixture_labs_are_what_the_fixture_solutions_generate():
    assert differences(COURSE / "solutions", COURSE / "labs") == []


def test_the_kits_labs_are_what_its_solutions_generate():
    assert differences(ROOT / "solutions", ROOT / "labs") == []


def test_generated_labs_carry_no_solution_and_no_hidden_test(tmp_path):
    write_labs(COURSE / "solutions", tmp_path)

    for path in tmp_path.glob("*.ipynb"):
        text = path.read_text()
        assert "BEGIN SOLUTION" not in text and "HIDDEN" not in text
        assert "test_returns_nested_values" not in text and 'return event[\\"key1\\"]' not in text
        nbformat.validate(nbformat.reads(text, as_version=4))


def run_labs(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", "labs", *arguments], capture_output=True, text=True, cwd=ROOT)


def test_labs_check_lists_every_difference_and_exits_1(tmp_path):
    labs = tmp_path / "labs"
    shutil.copytree(COURSE / "labs", labs)
    (labs / "02_timetable.ipynb").unlink()
    edited = json.loads((labs / "01_echo.ipynb").read_text())
    edited["cells"][3]["source"] = ["%%lambda echo\n", "answer = 42"]
    (labs / "01_echo.ipynb").write_text(json.dumps(edited))
    shutil.copy(COURSE / "labs" / "01_echo.ipynb", labs / "03_orphan.ipynb")

    result = run_labs("--check", str(COURSE / "solutions"), str(labs))

    assert result.returncode == 1
    assert result.stdout.splitlines()[:3] == [
        f"{labs / '01_echo.ipynb'} differs from what {COURSE / 'solutions' / '01_echo.ipynb'} generates (first at cell 4)",
        f"{labs / '02_timetable.ipynb'} is missing",
        f"{labs / '03_orphan.ipynb'} has no {COURSE / 'solutions' / '03_orphan.ipynb'}",
    ]


def test_labs_regenerates_then_check_passes(tmp_path):
    assert run_labs(str(COURSE / "solutions"), str(tmp_path / "labs")).returncode == 0

    result = run_labs("--check", str(COURSE / "solutions"), str(tmp_path / "labs"))
    assert result.returncode == 0 and result.stdout == ""
    assert (tmp_path / "labs" / "01_echo.ipynb").read_text() == (COURSE / "labs" / "01_echo.ipynb").read_text()


def test_labs_on_a_missing_folder_exits_2_with_the_reason(tmp_path):
    result = run_labs(str(tmp_path / "nowhere"), str(tmp_path / "labs"))

    assert result.returncode == 2
    assert "no folder" in result.stderr and "nowhere" in result.stderr
