"""The handler that lets a test read a student's module without importing it into the test process.

Some exercises are not handlers: lab 04 asks for a schedule expression (``SCHEDULE``), lab 09 for a
function ``allows(policy, action, resource)``. Their tests use ``load_module("NAME")``. Importing
the student's file into the test process would hand it the tests, the results recorder and its
token, so instead the grader runs it as a Lambda function of its own whose handler is this
module's :func:`handle`, in a process of its own (``LocalCloud(isolation="process")``), and asks it
questions as events:

- ``{"file": "lambda_function.py", "attribute": "SCHEDULE"}``: the attribute's value, or word that it
  is a function;
- ``{"file": ..., "attribute": "allows", "args": [...], "kwargs": {...}}``: what calling it returns.

Answers travel as JSON, the only thing the test process reads from that process.
"""

from __future__ import annotations

import importlib.util
import json
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

# The student's module stays imported while the environment is warm, and while its file is unchanged: in an
# in-kernel check this module is the notebook's own, so an edited file must be imported again.
_loaded: dict[Path, tuple[tuple[int, int], ModuleType]] = {}


def handle(event: dict, context: Any) -> dict:
    """Answer one question about the student's module: ``{"value": ...}``, ``{"callable": True}``, or
    ``{"error": WHAT, "detail": ...}`` where WHAT is ``import``, ``syntax``, ``missing``, ``call`` or ``value``."""
    path = Path(event["file"]).resolve()
    stamp, module = _loaded.get(path, (None, None))
    if stamp != _stamp(path):
        module = _import(path)
    if isinstance(module, dict):
        return module
    name = event["attribute"]
    if not hasattr(module, name):
        return {"error": "missing", "detail": name}
    value = getattr(module, name)
    if "args" in event:
        try:
            value = value(*event["args"], **event["kwargs"])
        except Exception as error:
            return {"error": "call", "detail": f"{name}(...) raised {_described(error, path)}"}
    elif callable(value):
        return {"callable": True}
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return {"error": "value", "detail": f"{name} is a {type(value).__name__}, which the tests cannot read: "
                                            "use a str, a number, a bool, None, or lists and dicts of them"}
    return {"value": value}


def _import(path: Path) -> ModuleType | dict:
    """The module in ``path``, or the error saying why it cannot be imported."""
    spec = importlib.util.spec_from_file_location(f"_lab_module_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        return {"error": "syntax", "detail": f"{error.msg} ({path.name}, line {error.lineno})"}
    except Exception as error:
        return {"error": "import", "detail": _described(error, path)}
    _loaded[path] = (_stamp(path), module)
    return module


def _stamp(path: Path) -> tuple[int, int]:
    """What changes when the file is edited: its modification time and size."""
    status = path.stat()
    return status.st_mtime_ns, status.st_size


def _described(error: Exception, path: Path) -> str:
    """``Type: first line of the message (file.py, line N)``, N being the innermost line of ``path``."""
    lines = str(error).strip().splitlines()
    what = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    own = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == str(path)]
    return what + (f" ({path.name}, line {own[-1].lineno})" if own else "")
