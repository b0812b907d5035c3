"""Reading the exercise format: magic lines, hidden tests, points, labs and courses."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader import points
from grader.exercises import (ExerciseFormatError, code_cells, parse_lab, parse_lambda_line, read_course,
                              remove_regions, split_magic, exercise_tests)

COURSE = Path(__file__).parent / "fixtures" / "course"


def lab_notebook(*sources: str) -> dict:
    return new_notebook(cells=[new_markdown_cell("# A lab"), *(new_code_cell(source) for source in sources)])


def test_lambda_line_defaults_are_the_consoles():
    options = parse_lambda_line("echo")

    assert (options.name, options.handler, options.timeout, options.memory, options.environment) == (
        "echo", "lambda_function.lambda_handler", 3, 128, {})
    assert options.module_file == "lambda_function.py"


def test_lambda_line_reads_every_option():
    options = parse_lambda_line("calc --handler pkg.app.main --timeout 10 --memory 512 --tracing Active "
                                "--env A=1 URL='http://x/?a=b c'")

    assert options.handler == "pkg.app.main" and options.module_file == "pkg/app.py"
    assert (options.timeout, options.memory) == (10, 512)
    assert options.environment == {"A": "1", "URL": "http://x/?a=b c"}
    assert options.tracing == "Active" and parse_lambda_line("calc").tracing == "PassThrough"
    logged = parse_lambda_line("calc --log-format JSON --log-level DEBUG --system-log-level WARN")
    assert logged.logging == {"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG", "SystemLogLevel": "WARN"}
    assert parse_lambda_line("calc").logging == {}


def test_lambda_line_log_options_are_checked_as_create_function_checks_them(tmp_path):
    """The %%lambda line passes LoggingConfig through; Lambda's own rules refuse a level without JSON."""
    from emulator import LocalCloud
    from emulator.runtime.errors import InvalidParameterValueException

    (tmp_path / "lambda_function.py").write_text("def lambda_handler(event, context):\n    return 1\n")
    with LocalCloud() as cloud:
        parse_lambda_line("calc --log-format JSON --log-level DEBUG").create_in(cloud, tmp_path)
        assert cloud.function("calc").config.logging.application_log_level == "DEBUG"
        with pytest.raises(InvalidParameterValueException, match="need LogFormat 'JSON'"):
            parse_lambda_line("calc --log-level DEBUG").create_in(cloud, tmp_path)


@pytest.mark.parametrize("line, message", [
    ("", "the following arguments are required: name"),
    ("echo --timeout soon", "argument --timeout: invalid float value: 'soon'"),
    ("echo --env A", "--env 'A': write each variable as KEY=VALUE"),
    ("echo --handler nodot", "--handler 'nodot': write it as module.function"),
    ("echo --colour red", "unrecognized arguments: --colour red"),
    ("echo --tracing On", "argument --tracing: invalid choice: 'On'"),
    ("echo --env 'A=1", "No closing quotation (check the quotes)"),
])
def test_bad_lambda_lines_say_what_is_wrong(line, message):
    with pytest.raises(ExerciseFormatError, match=message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        parse_lambda_line(line)


def test_split_magic_ignores_leading_blank_lines_as_ipython_does():
    assert split_magic("\n\n%%lambda echo --timeout 3\nbody\n") == ("lambda", "echo --timeout 3", "body\n")
    assert split_magic("%%tests 01-echo\ndef test_x(): pass") == ("tests", "01-echo", "def test_x(): pass")
    assert split_magic("# %%lambda echo\nbody") is None
    assert split_magic("%%lambdas echo\nbody") is None


def test_code_cells_read_list_and_string_sources_and_skip_markdown():
    notebook = {"cells": [{"cell_type": "code", "source": ["a\n", "b"]}, {"cell_type": "markdown", "source": "m"},
                          {"cell_type": "code", "source": "c"}, "not a cell"]}

    assert code_cells(notebook) == ["a\nb", "c"]


def test_code_cells_read_nbformat_3_worksheets():
    notebook = {"worksheets": [{"cells": [{"cell_type": "code", "input": ["%%lambda echo\n", "x = 1"]}]}]}

    assert code_cells(notebook) == ["%%lambda echo\nx = 1"]


def test_remove_regions_keeps_the_indentation_of_the_begin_marker():
    source = "def f():\n    x = 1\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n    # after\n"

    assert remove_regions(source, ("### BEGIN SOLUTION", "### END SOLUTION"), "cell", "raise NotImplementedError()") == (
        "def f():\n    x = 1\n    raise NotImplementedError()\n    # after\n")


@pytest.mark.parametrize("source, message", [
    ("### BEGIN SOLUTION\nx = 1\n", "cell, line 1: ### BEGIN SOLUTION is never closed; add ### END SOLUTION"),
    ("x = 1\n### END SOLUTION\n", "cell, line 2: ### END SOLUTION without a ### BEGIN SOLUTION above it"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n", "cell, line 2: ### BEGIN SOLUTION inside another one"),
])
def test_unbalanced_markers_name_the_line(source, message):
    with pytest.raises(ExerciseFormatError, match=message):
        remove_regions(source, ("### BEGIN SOLUTION", "### END SOLUTION"), "cell")


def test_test_specs_find_points_and_hidden_tests():
    source = ("import json\n\n"
              "def test_public(cloud):\n    pass\n\n"
              "@points(2.5)\ndef test_weighted(cloud):\n    pass\n\n"
              "def helper():\n    pass\n\n"
              "### BEGIN HIDDEN TESTS\n@grader.points(3)\ndef test_secret(cloud):\n    pass\n### END HIDDEN TESTS\n")

    assert [(s.name, s.points, s.hidden) for s in exercise_tests(source, "cell")] == [
        ("test_public", 1, False), ("test_weighted", 2.5, False), ("test_secret", 3, True)]


@pytest.mark.parametrize("decorator", ["@points(0)", "@points(n)", "@points('2')", "@points(True)", "@points()"])
def test_points_must_be_a_positive_number_literal(decorator):
    with pytest.raises(ExerciseFormatError, match="test_x: write its points as a positive number literal"):
        exercise_tests(f"{decorator}\ndef test_x():\n    pass\n", "cell")


def test_a_test_defined_twice_is_an_error():
    with pytest.raises(ExerciseFormatError, match="test test_x is defined twice"):
        exercise_tests("def test_x():\n    pass\n\ndef test_x():\n    pass\n", "cell")


def test_points_decorator_keeps_the_test_and_refuses_bad_values():
    @points(2)
    def test_something():
        return "ran"

    assert test_something() == "ran" and test_something.grader_points == 2
    with pytest.raises(ValueError, match=r"points\(-1\): a test is worth a positive number of points"):
        points(-1)


def test_a_lab_maps_each_exercise_to_the_handler_cells_before_it():
    lab = parse_lab(lab_notebook(
        "from emulator.notebook import start_lab\ncloud, check = start_lab('03_api')",
        "%%lambda items --timeout 5\ndef lambda_handler(e, c): pass",
        "%%lambda auth\ndef lambda_handler(e, c): pass",
        "%%tests 03-items\ndef test_a(cloud): pass\n### BEGIN HIDDEN TESTS\ndef test_b(cloud): pass\n### END HIDDEN TESTS",
        "check('03-items')",
        "%%tests 03-more\ndef test_c(cloud): pass",
    ), "03_api")

    assert list(lab.functions) == ["items", "auth"] and lab.functions["items"].timeout == 5
    items, more = lab.exercises["03-items"], lab.exercises["03-more"]
    assert items.functions == ("items", "auth") and more.functions == ()
    assert (items.max_score(), items.max_score(hidden=False)) == (2, 1)
    assert "test_b" not in items.public_source and "test_a" in items.public_source


@pytest.mark.parametrize("cells, message", [
    (["%%tests 04-x\ndef test_a(): pass"], "exercise ids of lab 03_api start with 03-"),
    (["%%tests 03-x\ndef test_a(): pass", "%%tests 03-x\ndef test_b(): pass"], "exercise 03-x has two test cells"),
    (["%%tests 03-x\nx = 1"], r"no test function \(def test_...\) in this cell"),
    (["%%tests 03-x\ndef test_a(:"], "code cell 1 \\(%%tests 03-x\\), line 1"),
    (["%%tests 03 x"], "give exactly one exercise id written LAB-NAME"),
    (["%%lambda --timeout 3"], "code cell 1 \\(%%lambda --timeout 3\\): %%lambda the following arguments are required"),
])
def test_a_malformed_lab_names_the_cell_and_the_problem(cells, message):
    with pytest.raises(ExerciseFormatError, match=message):
        parse_lab(new_notebook(cells=[new_code_cell(source) for source in cells]), "03_api")


def test_the_fixture_course_reads_as_two_labs():
    course = read_course(COURSE / "solutions")

    assert list(course.labs) == ["01_echo", "02_timetable"]
    assert list(course.labs["01_echo"].exercises) == ["01-echo", "01-greeting"]
    echo = course.exercise("01-echo")
    assert [(t.name, t.points, t.hidden) for t in echo.tests] == [
        ("test_returns_key1", 1, False), ("test_returns_other_values_unchanged", 1, False),
        ("test_returns_nested_values", 2, True)]
    assert course.labs["01_echo"].functions["greeting"].environment == {"GREETING": "Bonjour"}


def test_exercise_ids_are_unique_across_the_course(tmp_path):
    for lab in ("01_a", "01_b"):
        nbformat.write(new_notebook(cells=[new_code_cell("%%tests 01-same\ndef test_a(): pass")]),
                       tmp_path / f"{lab}.ipynb")

    with pytest.raises(ExerciseFormatError, match="exercise 01-same is in both 01_a and 01_b"):
        read_course(tmp_path)


def test_reading_a_missing_course_or_exercise_says_what_to_do(tmp_path):
    with pytest.raises(ExerciseFormatError, match="give the folder holding the lab notebooks"):
        read_course(tmp_path / "nowhere")
    with pytest.raises(ExerciseFormatError, match=r"no exercise '09-x' in this course \(exercises: 01-echo"):
        read_course(COURSE / "solutions").exercise("09-x")


def test_an_exercise_needs_only_the_handler_cells_its_tests_name():
    lab = parse_lab(lab_notebook(
        "%%lambda ping\ndef lambda_handler(e, c):\n    return 'pong'\n",
        "%%lambda hello\ndef lambda_handler(e, c):\n    return 'hi'\n",
        "%%tests 00-hello\ndef test_hi(cloud):\n    assert cloud.invoke('hello', {}).payload == 'hi'\n",
        "%%lambda a\ndef lambda_handler(e, c):\n    return 1\n",
        "%%lambda b\ndef lambda_handler(e, c):\n    return 2\n",
        "%%tests 00-dynamic\ndef test_both(cloud):\n    for name in 'ab':\n        cloud.invoke(name, {})\n",
    ), "00_welcome")
    assert lab.exercises["00-hello"].functions == ("hello",)  # deleting the demo cell costs nothing
    assert lab.exercises["00-dynamic"].functions == ("a", "b")  # names built at run time: every cell counts
