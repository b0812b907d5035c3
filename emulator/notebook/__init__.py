"""A lab notebook's local cloud, and the two cell magics of the exercise format.

The first code cell of every lab is::

    from emulator.notebook import start_lab
    cloud, check = start_lab("01_handlers")

It starts a :class:`~emulator.LocalCloud` for the notebook (stopping the one a previous run of the cell
started, and stopped for good when the kernel exits), returns it with the lab's ``check`` function,
and registers two cell magics when the notebook runs in IPython:

``%%lambda NAME [--handler lambda_function.lambda_handler] [--timeout 3] [--memory 128] [--env KEY=VALUE ...] [--tracing Active]
[--log-format JSON] [--log-level DEBUG] [--system-log-level WARN]``
    saves the cell as ``work/NAME/lambda_function.py`` (the module --handler names) and creates, or
    replaces, function NAME in the lab's cloud with those options. The file is real Lambda code: the
    same file deploys to AWS. The three log options are the function's LoggingConfig (``LogFormat``,
    ``ApplicationLogLevel``, ``SystemLogLevel``). The cell is not run in the notebook; the cloud runs it when invoked.

``%%tests EXERCISE_ID``
    holds an exercise's tests. Running the cell does not run them; it tells you how to:
    ``check("EXERCISE_ID")``.

Where we cannot be faithful: Lambda receives a deployment package, not a notebook cell; the magic
stands in for "save the file, zip it, call CreateFunction or UpdateFunctionCode".
"""

from __future__ import annotations

import atexit
import sys
from pathlib import Path
from typing import Callable

from ..cloud import LocalCloud
from ..aws.endpoint import notice
from ..runtime.environment import look_again_at_code, look_at_code_every_time

_lab: dict = {}  # the running lab of this kernel: "cloud", "work_dir", "labs_dir"


def start_lab(lab_id: str, work_dir: str | Path = "work", *, labs_dir: str | Path | None = None,
              edition: str | None = None) -> tuple[LocalCloud, Callable]:
    """Start the lab's local cloud and register the magics; return ``(cloud, check)``.

    ``labs_dir`` is where ``check`` reads the lab's tests (default: the kit's ``labs/``, see
    :func:`grader.check.labs_dir`, or its ``EDITION/`` folder for a translated edition: the French notebooks
    call ``start_lab(..., edition="fr")``, so their checks print the French messages of the same tests).
    """
    from grader.check import labs_dir as kit_labs, make_check

    if labs_dir is None and edition is not None:
        labs_dir = kit_labs() / edition

    stop_lab()
    cloud = LocalCloud().start()
    if cloud.endpoint_url:
        print(notice(cloud.endpoint_url))
    _lab.update(cloud=cloud, work_dir=Path(work_dir).resolve())
    _register_magics()
    return cloud, make_check(lab_id, work_dir, labs_dir)


@atexit.register
def stop_lab() -> None:
    """Stop the running lab's cloud, if any (re-running the setup cell calls this first)."""
    cloud = _lab.pop("cloud", None)
    if cloud is not None:
        cloud.stop()
    look_at_code_every_time()


def deploy_cell(arguments: str, body: str) -> tuple[str, Path]:
    """What ``%%lambda`` does: save ``body`` as NAME's handler module and (re)create function NAME.

    Returns NAME and the file written. A syntax error does not stop the deployment (Lambda, too, accepts
    the code and fails on invocation with Runtime.UserCodeSyntaxError); it is reported at once.
    """
    from grader.exercises import parse_lambda_line

    if "cloud" not in _lab:
        raise RuntimeError("no lab is running: run the notebook's first cell, cloud, check = start_lab(...)")
    options = parse_lambda_line(arguments)
    folder = _lab["work_dir"] / options.name
    path = folder / options.module_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body if body.endswith("\n") else body + "\n", encoding="utf-8")
    look_again_at_code()
    options.create_in(_lab["cloud"], folder)
    try:
        compile(body, str(path), "exec")
    except SyntaxError as error:
        print(f"SyntaxError in {path.name}, line {error.lineno}: {error.msg}. Fix the cell and run it again "
              f"(invoking {options.name} now fails with Runtime.UserCodeSyntaxError, as in AWS).", file=sys.stderr)
    return options.name, path


def lambda_magic(line: str, cell: str) -> None:
    """The ``%%lambda`` cell magic."""
    name, path = deploy_cell(line, cell)
    config = _lab["cloud"].function(name).config
    print(f"Saved {path.relative_to(_lab['work_dir'].parent)} and deployed function {name} "
          f"(handler {config.handler}, timeout {config.timeout:g} s, {config.memory_size} MB).")


def tests_magic(line: str, cell: str) -> None:
    """The ``%%tests`` cell magic: count the public tests and say how to run them."""
    from grader.exercises import HIDDEN_MARKERS, exercise_tests, parse_tests_line, remove_regions

    exercise_id = parse_tests_line(line)
    public = exercise_tests(remove_regions(cell, HIDDEN_MARKERS, f"%%tests {exercise_id}"), f"%%tests {exercise_id}")
    print(f"{len(public)} public tests for {exercise_id}: run check({exercise_id!r})")


def _register_magics() -> None:
    """Register %%lambda and %%tests in the running IPython, if there is one."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    shell.register_magic_function(lambda_magic, magic_kind="cell", magic_name="lambda")
    shell.register_magic_function(tests_magic, magic_kind="cell", magic_name="tests")
    if _new_cell not in shell.events.callbacks["pre_run_cell"]:
        shell.events.register("pre_run_cell", _new_cell)


def _new_cell(info=None) -> None:
    """Before each cell: the handler files are read again, once (see ``look_again_at_code``)."""
    look_again_at_code()
