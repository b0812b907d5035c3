"""Exercises, read from a lab notebook's cells without running it.

A lab notebook (see :mod:`grader` for the format) holds ``%%lambda NAME ...`` handler cells and
``%%tests EXERCISE_ID`` test cells. This module turns a notebook's JSON into a :class:`Lab`: its
functions (with their options) and its exercises (their tests, public or hidden, and their points).
It reads the JSON with the standard library only: importing ``nbformat`` costs seconds (its schema
validator compiles a grammar on import), which would dominate a check or a grading run.

The same rules serve the notebook magics (:mod:`emulator.notebook`), ``check()``, the grader and
``make labs``, so the four always agree on what a cell means.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_HANDLER = "lambda_function.lambda_handler"  # the Lambda console's default handler
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN_MARKERS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
# Lambda's function names (CreateFunction): what %%lambda NAME may be, checked before NAME names a folder.
FUNCTION_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
LAB_NOTEBOOKS = "[0-9][0-9]_*.ipynb"  # the lab notebooks of a course folder: NN_topic.ipynb
LAB_ID = re.compile(r"^(\d\d)_[A-Za-z0-9_-]+$")
EXERCISE_ID = re.compile(r"^(\d\d)-[A-Za-z0-9_-]+$")


class ExerciseFormatError(ValueError):
    """A cell does not follow the exercise format; the message names the cell and the fix."""


@dataclass(frozen=True)
class LambdaOptions:
    """The options of a ``%%lambda`` line: what ``cloud.create_function`` gets."""

    name: str
    handler: str = DEFAULT_HANDLER
    timeout: float = 3
    memory: int = 128
    environment: dict[str, str] = field(default_factory=dict)
    tracing: str = "PassThrough"
    logging: dict[str, str] = field(default_factory=dict)  # LoggingConfig as the Lambda API spells it

    def create_in(self, cloud, code: Path) -> None:
        """Create (or replace) this function in ``cloud`` from the folder ``code``."""
        cloud.create_function(self.name, handler=self.handler, code=code, timeout=self.timeout,
                              memory_size=self.memory, environment=dict(self.environment), tracing=self.tracing,
                              logging_config=dict(self.logging) or None)

    @property
    def module_file(self) -> str:
        """The handler module's path inside the function's folder, e.g. ``lambda_function.py``."""
        return self.handler.rsplit(".", 1)[0].replace(".", "/") + ".py"

    def to_dict(self) -> dict:
        return {"name": self.name, "handler": self.handler, "timeout": self.timeout, "memory": self.memory,
                "environment": dict(self.environment), "tracing": self.tracing, "logging": dict(self.logging)}


@dataclass(frozen=True)
class ExerciseTest:
    """One test function of an exercise."""

    name: str
    points: float
    hidden: bool


@dataclass(frozen=True)
class Exercise:
    """One exercise: its tests (the test cell's body, hidden part included) and its handler cells."""

    id: str
    lab: str
    source: str
    tests: tuple[ExerciseTest, ...]
    functions: tuple[str, ...]

    @property
    def public_source(self) -> str:
        """The test cell's body without its hidden tests: what the student copy holds."""
        return remove_regions(self.source, HIDDEN_MARKERS, f"the %%tests {self.id} cell")

    @property
    def public_tests(self) -> tuple[ExerciseTest, ...]:
        return tuple(test for test in self.tests if not test.hidden)

    def max_score(self, hidden: bool = True) -> float:
        return sum(test.points for test in self.tests if hidden or not test.hidden)


@dataclass(frozen=True)
class Lab:
    """A lab notebook, read: its functions (options of the last cell of each name) and exercises."""

    id: str
    functions: dict[str, LambdaOptions]
    exercises: dict[str, Exercise]


# -- cells -----------------------------------------------------------------------------------------

def code_cells(notebook: dict) -> list[str]:
    """The source of every code cell, in order (nbformat 4, and the ``worksheets`` of nbformat 3)."""
    cells = notebook.get("cells")
    if cells is None:
        cells = [cell for sheet in notebook.get("worksheets") or [] for cell in sheet.get("cells") or []]
    sources = []
    for cell in cells if isinstance(cells, list) else []:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", cell.get("input", ""))
            sources.append("".join(source) if isinstance(source, list) else str(source))
    return sources


def split_magic(source: str) -> tuple[str, str, str] | None:
    """``(magic, arguments, body)`` of a ``%%lambda`` / ``%%tests`` cell, or None for any other cell.

    Leading blank lines are ignored, as IPython ignores them before a cell magic.
    """
    text = source.lstrip("\r\n\t ")
    first, _, body = text.partition("\n")
    for magic in ("lambda", "tests"):
        prefix = f"%%{magic}"
        if first == prefix or first.startswith(prefix + " ") or first.startswith(prefix + "\t"):
            return magic, first[len(prefix):].strip(), body
    return None


class _OptionParser(argparse.ArgumentParser):
    """argparse that raises ExerciseFormatError instead of printing usage and exiting."""

    def error(self, message: str) -> None:
        raise ExerciseFormatError(f"%%lambda {message}. Usage: {self.format_usage().strip()}")


def _lambda_parser() -> _OptionParser:
    parser = _OptionParser(prog="%%lambda", add_help=False)
    parser.add_argument("name")
    parser.add_argument("--handler", default=DEFAULT_HANDLER)
    parser.add_argument("--timeout", type=float, default=3)
    parser.add_argument("--memory", type=int, default=128)
    parser.add_argument("--env", nargs="+", default=[], metavar="KEY=VALUE")
    parser.add_argument("--tracing", choices=("Active", "PassThrough"), default="PassThrough")
    for option in ("--log-format", "--log-level", "--system-log-level"):  # checked by create_function, as Lambda does
        parser.add_argument(option)
    return parser


def parse_lambda_line(arguments: str) -> LambdaOptions:
    """Parse what follows ``%%lambda`` on its line; raise ExerciseFormatError saying what is wrong."""
    try:
        words = shlex.split(arguments)
    except ValueError as error:
        raise ExerciseFormatError(f"%%lambda {arguments}: {error} (check the quotes)") from None
    parsed = _lambda_parser().parse_args(words)
    environment = {}
    for pair in parsed.env:
        key, equals, value = pair.partition("=")
        if not equals or not key:
            raise ExerciseFormatError(f"%%lambda --env {pair!r}: write each variable as KEY=VALUE")
        environment[key] = value
    if not FUNCTION_NAME.match(parsed.name):  # ../x as a folder would be outside work/
        raise ExerciseFormatError(f"%%lambda {parsed.name}: a function name is 1 to 64 letters, digits, - or _, "
                                  f"e.g. %%lambda sum_two")
    handler = parsed.handler
    module, _, function = handler.rpartition(".")
    if not (module and function.isidentifier() and all(part.isidentifier() for part in module.split("."))):
        raise ExerciseFormatError(
            f"%%lambda --handler {handler!r}: write it as module.function, e.g. {DEFAULT_HANDLER}")
    logging = {key: value for key, value in (("LogFormat", parsed.log_format), ("ApplicationLogLevel", parsed.log_level),
                                             ("SystemLogLevel", parsed.system_log_level)) if value}
    return LambdaOptions(parsed.name, handler, parsed.timeout, parsed.memory, environment, parsed.tracing, logging)


def lambda_name(arguments: str) -> str:
    """Just the NAME of a ``%%lambda`` line (the grader reads nothing else from a student's line)."""
    words = arguments.split()
    return words[0] if words else ""


def parse_tests_line(arguments: str) -> str:
    """The exercise id of a ``%%tests`` line."""
    words = arguments.split()
    if len(words) != 1 or not EXERCISE_ID.match(words[0]):
        raise ExerciseFormatError(
            f"%%tests {arguments}: give exactly one exercise id written LAB-NAME, e.g. %%tests 01-echo")
    return words[0]


# -- marked regions ----------------------------------------------------------------------------------

def marked_regions(lines: list[str], markers: tuple[str, str], where: str) -> list[tuple[int, int]]:
    """``(begin, end)`` line indexes of each region between the two marker lines (inclusive).

    Raises ExerciseFormatError for a region that is not closed, nested, or an end without a begin.
    """
    begin_marker, end_marker = markers
    regions, start = [], None
    for index, line in enumerate(lines):
        text = line.strip()
        if text == begin_marker:
            if start is not None:
                raise ExerciseFormatError(
                    f"{where}, line {index + 1}: {begin_marker} inside another one; close the first with {end_marker}")
            start = index
        elif text == end_marker:
            if start is None:
                raise ExerciseFormatError(f"{where}, line {index + 1}: {end_marker} without a {begin_marker} above it")
            regions.append((start, index))
            start = None
    if start is not None:
        raise ExerciseFormatError(f"{where}, line {start + 1}: {begin_marker} is never closed; add {end_marker}")
    return regions


def remove_regions(text: str, markers: tuple[str, str], where: str, replacement: str | None = None) -> str:
    """``text`` with each marked region removed, or replaced by ``replacement`` (indented like its begin line)."""
    lines = text.splitlines(keepends=True)
    kept, position = [], 0
    for begin, end in marked_regions(lines, markers, where):
        kept.extend(lines[position:begin])
        if replacement is not None:
            indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
            kept.append(f"{indent}{replacement}" + ("\n" if lines[end].endswith("\n") else ""))
        position = end + 1
    kept.extend(lines[position:])
    return "".join(kept)


# -- tests -------------------------------------------------------------------------------------------

def exercise_tests(source: str, where: str) -> tuple[ExerciseTest, ...]:
    """The test functions of a test cell's body, with their points and whether they are hidden."""
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise ExerciseFormatError(f"{where}, line {error.lineno}: {error.msg}") from None
    hidden_lines = marked_regions(source.splitlines(), HIDDEN_MARKERS, where)
    specs = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            hidden = any(begin < node.lineno - 1 < end for begin, end in hidden_lines)
            specs.append(ExerciseTest(node.name, _points_of(node, where), hidden))
    names = [spec.name for spec in specs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ExerciseFormatError(f"{where}: test {duplicates[0]} is defined twice; give each test its own name")
    return tuple(specs)


def _points_of(node: ast.FunctionDef | ast.AsyncFunctionDef, where: str) -> float:
    """The N of an ``@points(N)`` decorator (1 without one). N must be a number literal."""
    for decorator in node.decorator_list:
        if not isinstance(decorator, ast.Call):
            continue
        function = decorator.func
        name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
        if name != "points":
            continue
        argument = decorator.args[0] if len(decorator.args) == 1 and not decorator.keywords else None
        value = argument.value if isinstance(argument, ast.Constant) else None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ExerciseFormatError(
                f"{where}, test {node.name}: write its points as a positive number literal, e.g. @points(2)")
        return value
    return 1


# -- notebooks ---------------------------------------------------------------------------------------

def parse_lab(notebook: dict, lab_id: str) -> Lab:
    """Read a lab notebook (an instructor's copy: strict, every problem is an ExerciseFormatError)."""
    number = _lab_number(lab_id)
    functions: dict[str, LambdaOptions] = {}
    exercises: dict[str, Exercise] = {}
    pending: list[str] = []  # handler cells since the previous test cell
    for index, source in enumerate(code_cells(notebook)):
        magic = split_magic(source)
        if magic is None:
            continue
        kind, arguments, body = magic
        where = f"lab {lab_id}, code cell {index + 1} (%%{kind} {arguments})"
        if kind == "lambda":
            options = _with_where(parse_lambda_line, arguments, where)
            functions[options.name] = options
            pending.append(options.name)
            continue
        exercise_id = _with_where(parse_tests_line, arguments, where)
        if not exercise_id.startswith(number + "-"):
            raise ExerciseFormatError(f"{where}: exercise ids of lab {lab_id} start with {number}-")
        if exercise_id in exercises:
            raise ExerciseFormatError(f"{where}: exercise {exercise_id} has two test cells; merge them")
        tests = exercise_tests(body, where)
        if not tests:
            raise ExerciseFormatError(f"{where}: no test function (def test_...) in this cell")
        exercises[exercise_id] = Exercise(exercise_id, lab_id, body, tests, _functions_used(pending, body))
        pending = []
    return Lab(lab_id, functions, exercises)


def _functions_used(pending: list[str], tests: str) -> tuple[str, ...]:
    """The handler cells an exercise needs: those its tests name (a demo cell above it is not required).

    When the tests name none of them (they build the name at run time), every cell since the
    previous test cell counts.
    """
    candidates = tuple(dict.fromkeys(pending))
    named = tuple(name for name in candidates if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", tests))
    return named or candidates


def _with_where(parse, arguments: str, where: str):
    try:
        return parse(arguments)
    except ExerciseFormatError as error:
        raise ExerciseFormatError(f"{where}: {error}") from None


def _lab_number(lab_id: str) -> str:
    match = LAB_ID.match(lab_id)
    if not match:
        raise ExerciseFormatError(f"lab id {lab_id!r} is not of the form NN_topic (e.g. 01_handlers)")
    return match.group(1)


def read_lab(path: str | Path) -> Lab:
    """Read ``NN_topic.ipynb`` (a solutions/ or labs/ copy); the file name is the lab id."""
    path = Path(path)
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExerciseFormatError(f"no lab notebook {path}: check the lab id and the folder") from None
    except ValueError as error:
        raise ExerciseFormatError(f"{path} is not a valid notebook (JSON error: {error})") from None
    return parse_lab(notebook, path.stem)


@dataclass(frozen=True)
class Course:
    """Every lab of a folder of lab notebooks, by id."""

    labs: dict[str, Lab]

    def exercise(self, exercise_id: str) -> Exercise:
        for lab in self.labs.values():
            if exercise_id in lab.exercises:
                return lab.exercises[exercise_id]
        known = ", ".join(e for lab in self.labs.values() for e in lab.exercises) or "none"
        raise ExerciseFormatError(f"no exercise {exercise_id!r} in this course (exercises: {known})")


def read_course(folder: str | Path) -> Course:
    """Read every ``NN_topic.ipynb`` of ``folder``; exercise ids must be unique across the course."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ExerciseFormatError(f"no folder {folder}: give the folder holding the lab notebooks (solutions/)")
    labs = {path.stem: read_lab(path) for path in sorted(folder.glob(LAB_NOTEBOOKS))}
    seen: dict[str, str] = {}
    for lab in labs.values():
        for exercise_id in lab.exercises:
            if exercise_id in seen:
                raise ExerciseFormatError(f"exercise {exercise_id} is in both {seen[exercise_id]} and {lab.id}")
            seen[exercise_id] = lab.id
    return Course(labs)
