"""What an exercise's tests can use: the fixtures of test cells, and helpers that explain failures.

This module is the pytest plugin the sandbox loads (``-p grader.testing``) before it runs a test
cell. The sandbox (or :mod:`grader.in_kernel`) first calls :func:`configure` with the folder of the
student's handler files, the lab's function options and how functions are hosted. Fixtures:

- ``cloud``: a fresh, started :class:`~emulator.LocalCloud` holding every function of the lab, created
  from the student's files with the options of the instructor's ``%%lambda`` cells, each function
  hosted in a process of its own (``isolation="process"``; in-process for an in-kernel check). It
  starts from an empty moto even when another cloud runs in the process (the notebook's), and
  leaves that cloud's queues, rules and tables as they were;
- ``work_dir``: the folder holding the ``NAME/`` folders;
- ``load_module``: ``load_module("NAME")`` reads NAME's module from a process of its own (attributes, calls);
- ``events``: the :mod:`emulator.events` module (sample events of every trigger).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterator

import pytest

from .exercises import LambdaOptions

_settings: dict[str, Any] = {}
# Where Python's libraries and the kit live: frames there are not the student's code.
_LIBRARY_PATHS = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix,
                        str(Path(__file__).resolve().parents[1] / "emulator"), str(Path(__file__).resolve().parent)})
# A frame of a stack trace as the emulator's error envelope writes it, e.g.
# '  File "/work/echo/lambda_function.py", line 3, in lambda_handler' or a syntax error's 'File "..." Line 3'.
_FRAME = re.compile(r'File "([^"]+)",? [Ll]ine (\d+)')


def configure(work_dir: str | Path, functions: list[dict], isolation: str = "process") -> None:
    """Tell the fixtures where the handler files are, which functions the lab defines and how the
    clouds host them (``"process"``, or ``"in-process"`` for a check in the notebook's own process).

    With ``"process"``, the fork server that starts the functions' processes starts now, while pytest collects.
    """
    _settings["work_dir"] = Path(work_dir)
    _settings["functions"] = [LambdaOptions(**options) for options in functions]
    _settings["isolation"] = isolation
    if isolation == "process":
        from emulator.runtime.forkserver import fork_server

        fork_server().start()


def _setting(name: str) -> Any:
    if name not in _settings:
        raise RuntimeError("the grader.testing fixtures work inside the grader's sandbox: run the tests "
                           "with check('EXERCISE_ID') in the notebook, or python -m grader grade")
    return _settings[name]


@pytest.fixture
def work_dir() -> Path:
    """The folder holding one ``NAME/`` folder per function."""
    return _setting("work_dir")


@pytest.fixture
def cloud(work_dir: Path) -> Iterator[Any]:
    """A fresh local cloud with the lab's functions created from the student's files.

    Each function's code runs in a process of its own behind the Lambda Runtime API, as in AWS: the
    student's handler never shares a process with the tests, the results recorder or its token
    (except in an in-kernel check, where everything runs in the notebook's process).
    """
    from emulator import LocalCloud
    from emulator.aws.moto_state import set_aside

    with set_aside(), LocalCloud(isolation=_setting("isolation")) as local_cloud:
        for options in _setting("functions"):
            code = work_dir / options.name
            if code.is_dir():  # a function the student never wrote: invoking it says it does not exist
                options.create_in(local_cloud, code)
        yield local_cloud


@pytest.fixture
def load_module(work_dir: Path) -> Iterator[Callable[[str], "StudentModule"]]:
    """``load_module(NAME)``: NAME's module, read from a process of its own (see :mod:`grader.module_call`).

    ``load_module("standup").SCHEDULE`` is the value the student's file gives it, and
    ``load_module("iam_check").allows(policy, action, resource)`` what calling that function returns,
    both as JSON brings them back; the student's code never runs in the test process (but in an
    in-kernel check).
    """
    from emulator import LocalCloud

    options = {function.name: function for function in _setting("functions")}
    with LocalCloud(isolation=_setting("isolation")) as module_cloud:
        created: set[str] = set()

        def load(name: str) -> StudentModule:
            if name not in options:
                raise AssertionError(f"the lab defines no function {name!r} (it defines: {', '.join(options)})")
            path = work_dir / name / options[name].module_file
            if not path.is_file():
                raise AssertionError(f"there is no file {path.name} for {name}: run its %%lambda {name} cell")
            if name not in created:
                module_cloud.create_function(name, handler="grader.module_call.handle", code=path.parent, timeout=30)
                created.add(name)
            return StudentModule(module_cloud, name, path.name)

        yield load


class StudentModule:
    """A student's module seen from the tests: each attribute read is a question to its own process."""

    def __init__(self, cloud: Any, name: str, file: str) -> None:
        self._ask = lambda **question: _answer(name, cloud.invoke(name, {"file": file, **question}))

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):  # Python's and pytest's own look-ups (__wrapped__, ...) are not questions
            raise AttributeError(attribute)
        answer = self._ask(attribute=attribute)
        if answer.get("callable"):
            return lambda *args, **kwargs: self._ask(attribute=attribute, args=list(args), kwargs=kwargs)["value"]
        return answer["value"]


def _answer(name: str, invocation: Any) -> dict:
    """The module process's answer, or an AssertionError naming what went wrong in ``name``'s code."""
    answer = expect_success(invocation)
    if not isinstance(answer, dict) or not ({"value", "callable", "error"} & set(answer)):
        raise AssertionError(f"{name}'s code answered the tests with {answer!r}, which is not an answer")
    if "error" in answer:
        raise AssertionError(MODULE_ERRORS.get(answer["error"], "{name}: {detail}").format(
            name=name, detail=answer.get("detail")))
    return answer


MODULE_ERRORS = {  # the sentences for what grader.module_call reports
    "import": "importing {name}'s code raised {detail}",
    "syntax": "{name}'s code has a syntax error: {detail}",
    "missing": "{name}'s code defines no {detail}: check the spelling of its name in your cell",
    "call": "{name}.{detail}",
    "value": "{name}.{detail}",
}


@pytest.fixture
def events() -> ModuleType:
    """The :mod:`emulator.events` module: ``events.sqs(...)``, ``events.scheduled(...)``, ..."""
    from emulator import events as module

    return module


def expect_success(invocation: Any) -> Any:
    """Return the invocation's payload; fail with one plain sentence when the invocation errored.

    e.g. "your handler raised ValueError: boom (lambda_function.py, line 3)", or
    "your handler timed out after 3.00 s".
    """
    error = invocation.error
    if error is None:
        return invocation.payload
    if invocation.timed_out:
        seconds = re.search(r"after ([\d.]+) seconds", error["errorMessage"])
        raise AssertionError(f"your handler timed out after {seconds.group(1) if seconds else '?'} s "
                             f"(function {invocation.function}): look for a loop that never ends or a slow call")
    what = _type_and_message(error["errorType"], error["errorMessage"]) + _location(error.get("stackTrace") or [])
    if error["errorType"].startswith("Runtime."):
        raise AssertionError(f"Lambda could not run your handler: {what}")
    raise AssertionError(f"your handler raised {what}")


def _location(stack_trace: list[str]) -> str:
    """`` (file.py, line N)`` for the innermost frame of the student's code in a stack trace, or ``""``.

    Frames of Python's libraries, of the kit and of frozen modules (``<frozen importlib...>``) are
    skipped: an error raised inside ``json.loads`` points at the student's line that called it.
    """
    frames = _FRAME.findall("".join(stack_trace))
    own = [frame for frame in frames if not frame[0].startswith(_LIBRARY_PATHS + ("<",))] or frames
    if not own:
        return ""
    path, line = own[-1]
    return f" ({Path(path).name}, line {line})"


def _type_and_message(error_type: str, message: str) -> str:
    """``Type: first line of the message``, or just ``Type`` when the message is empty."""
    lines = message.strip().splitlines()
    return f"{error_type}: {lines[0]}" if lines else error_type
