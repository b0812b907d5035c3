"""Execution environments: where a function's code is loaded and kept warm.

In AWS, the first invocation of a function starts an *execution environment*: a fresh runtime that
imports your module (the Init phase, reported as ``Init Duration``) and then calls the handler.
Later invocations reuse the environment while it is *warm*: the module is not imported again, so
anything at module level (a boto3 client, a cache, a counter) survives from one invocation to the
next. A new environment (after a timeout, a code change, or when another invocation is already
running in the first) starts cold again.

Here an environment is an isolated import of the function's code folder: the modules it loads are
kept in the environment, not in the process-wide ``sys.modules``, so two functions whose modules
share a name (every console function is ``lambda_function``!) never see each other's code or
globals. While an invocation runs, the environment's modules and its code folder are put back on
``sys.modules`` / ``sys.path`` so imports inside the handler behave as they do in Lambda.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import threading
import uuid
import weakref
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Callable, Iterator

from . import errors
from .function import FunctionConfig


# Fingerprints already read in this notebook cell (None outside a notebook: read at every invocation).
# A notebook looks at the handler files once per cell: reading them is a system call per file per
# invocation, and on the browser's drive each one is slow (a virtual day of rate(1 minute) spent 25 s
# in them there). Code edited in a cell is seen from the next cell on; %%lambda looks again at once.
_read_this_cell: dict[tuple, tuple] | None = None
# The same, per thread, while the local cloud's own loops run (advance(), run_until_idle()): a day of
# rate(1 minute) reads the handler once, not 1,440 times; an edit is seen at the next call.
_read_this_batch = threading.local()


def code_fingerprint(code_dir: Path, files: list[str]) -> tuple:
    """What changes when a loaded file is edited, or a file is added to or removed from the folder."""
    read = _read_this_cell if _read_this_cell is not None else getattr(_read_this_batch, "fingerprints", None)
    if read is None:
        return _read_fingerprint(code_dir, files)
    key = (code_dir, tuple(files))
    if key not in read:
        read[key] = _read_fingerprint(code_dir, files)
    return read[key]


@contextlib.contextmanager
def reading_code_once() -> Iterator[None]:
    """``with reading_code_once():`` this thread reads each function's files once in the block."""
    outermost = getattr(_read_this_batch, "fingerprints", None) is None
    if outermost:
        _read_this_batch.fingerprints = {}
    try:
        yield
    finally:
        if outermost:
            _read_this_batch.fingerprints = None


def look_again_at_code() -> None:
    """A notebook cell starts (or a cell saved a handler): read the handler files afresh, then once a cell."""
    global _read_this_cell
    _read_this_cell = {}


def look_at_code_every_time() -> None:
    """No notebook cell is running (the lab stopped): read the handler files at every invocation again."""
    global _read_this_cell
    _read_this_cell = None


def _read_fingerprint(code_dir: Path, files: list[str]) -> tuple:
    stamps = [os.stat(code_dir).st_mtime_ns]
    for path in files:
        try:
            status = os.stat(path)
            stamps.append((status.st_mtime_ns, status.st_size))
        except OSError:
            stamps.append(None)
    return tuple(stamps)


class ExecutionEnvironment:
    """One warm (or about to be cold-started) copy of a function's code, in this process."""

    in_process = True

    def __init__(self, config: FunctionConfig) -> None:
        self.config = config
        self.modules: dict[str, ModuleType] = {}
        self.handler: Callable | None = None
        self.fingerprint: tuple = ()
        self.busy = False
        self.busy_until = datetime.min.replace(tzinfo=timezone.utc)  # end of its last invocation (virtual)
        # One CloudWatch log stream per environment, named as Lambda names them: date/[version]id.
        self.log_stream = f"{datetime.now(timezone.utc):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        self._top_names = self._top_level_names()

    @property
    def initialized(self) -> bool:
        return self.handler is not None

    def is_stale(self) -> bool:
        """True when the code on disk changed since this environment loaded it (hot reload)."""
        return self.initialized and code_fingerprint(self.config.code_dir, self._files) != self.fingerprint

    def close(self) -> None:
        """Nothing to end: its modules go when it is dropped (a process-hosted one ends its process)."""

    def initialize(self) -> None:
        """The Init phase: import the handler's module in isolation.

        Raises FunctionFault with the runtime's error type when the module cannot be loaded.
        """
        self.fingerprint = code_fingerprint(self.config.code_dir, [])
        self.handler = self._load_handler()
        self._files = sorted(
            path for path in (getattr(m, "__file__", None) for n, m in sys.modules.items() if self._owns(n)) if path)
        self.fingerprint = code_fingerprint(self.config.code_dir, self._files)

    def activated(self) -> "_Activation":
        """``with environment.activated():`` puts its modules and code folder in place while its code runs."""
        return _Activation(self)

    def _top_level_names(self) -> set[str]:
        """The module and package names the code folder provides (what it can shadow)."""
        names = {p.stem for p in self.config.code_dir.glob("*.py")}
        names |= {p.name for p in self.config.code_dir.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
        return names

    def _owns(self, module_name: str) -> bool:
        return module_name.partition(".")[0] in self._top_names

    def _hide_same_named_modules(self) -> dict[str, ModuleType]:
        """Take out of sys.modules whatever another function loaded under one of our names."""
        candidates = self._known_names if self.modules else [n for n in sys.modules if self._owns(n)]
        return {name: sys.modules.pop(name) for name in candidates if name in sys.modules}

    def _collect_own_modules(self, rescan: bool) -> None:
        """Move our modules out of sys.modules again (rescanning only if something was imported)."""
        if self.modules and not rescan:  # the same modules as last time
            for name in self._known_names:
                if name in sys.modules:
                    self.modules[name] = sys.modules.pop(name)
            return
        for name in [n for n in sys.modules if self._owns(n)]:
            self.modules[name] = sys.modules.pop(name)
        self._known_names = list(self._top_names | set(self.modules))

    def _load_handler(self) -> Callable:
        """Import ``module`` and find ``function``, mapping failures to the runtime's error types.

        The checks, messages and order are awslambdaric's (``bootstrap._get_handler``).
        """
        handler_name = self.config.handler
        if "." not in handler_name:  # awslambdaric's handler.rsplit(".", 1) fails
            raise errors.FunctionFault(
                errors.MALFORMED_HANDLER_NAME,
                f"Bad handler '{handler_name}': not enough values to unpack (expected 2, got 1)")
        module_name, function_name = handler_name.rsplit(".", 1)  # messages name the module as written
        if module_name.split(".")[0] in sys.builtin_module_names:  # sys.handler would import Python's sys
            raise errors.FunctionFault(
                errors.BUILT_IN_MODULE_CONFLICT, f"Cannot use built-in module {module_name} as a handler module")
        importlib.invalidate_caches()  # see files written a moment ago (a notebook cell just saved them)
        # No .pyc: an edit within the same second and of the same size would otherwise load stale bytecode.
        writes_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
        try:
            module = importlib.import_module(module_name.replace("/", "."))
        except ImportError as error:
            raise errors.FunctionFault(
                errors.IMPORT_MODULE_ERROR, f"Unable to import module '{module_name}': {error}") from None
        except SyntaxError as error:  # the trace as awslambdaric writes it: the line as read, "Line" capitalised
            raise errors.FunctionFault(
                errors.USER_CODE_SYNTAX_ERROR,
                f"Syntax error in module '{module_name}': {error}",
                ['  File "%s" Line %s\n    %s' % (error.filename, error.lineno, error.text)],
            ) from None
        finally:
            sys.dont_write_bytecode = writes_bytecode
        try:
            handler = getattr(module, function_name)
        except AttributeError:
            raise errors.FunctionFault(
                errors.HANDLER_NOT_FOUND, f"Handler '{function_name}' missing on module '{module_name}'") from None
        return handler if callable(handler) else _not_callable(handler)

# Where awslambdaric calls your handler: the one frame of a trace when the handler cannot be called.
RUNTIME_CALL_FRAME = ('  File "/var/runtime/awslambdaric/bootstrap.py", line 178, in handle_event_request\n'
                      '    response = request_handler(event, lambda_context)\n')


def _not_callable(value: object) -> Callable:
    """A handler name that is not a function: AWS loads it, and each invocation fails with a TypeError."""
    def call(event, context):
        raise errors.FunctionFault("TypeError", f"'{type(value).__name__}' object is not callable",
                                   [RUNTIME_CALL_FRAME])
    return call


class _Activation:
    """The ``with`` block of :meth:`ExecutionEnvironment.activated`.

    It also makes the code folder the working directory, as Lambda starts the runtime in /var/task,
    and gives the caller's back afterwards.
    """

    def __init__(self, environment: ExecutionEnvironment) -> None:
        self.environment = environment
        self.code_path = str(environment.config.code_dir)

    def __enter__(self) -> None:
        environment = self.environment
        self.shadowed = environment._hide_same_named_modules()
        sys.modules.update(environment.modules)
        sys.path.insert(0, self.code_path)
        self.modules_before = len(sys.modules)
        self.working_directory = _enter_directory(environment)

    def __exit__(self, *exc_info) -> None:
        _leave_directory(self.working_directory)
        sys.path.remove(self.code_path)
        self.environment._collect_own_modules(rescan=len(sys.modules) != self.modules_before)
        sys.modules.update(self.shadowed)


def _enter_directory(environment: ExecutionEnvironment) -> str | None:
    """Make the code folder the working directory; return the one to go back to (None: it is gone).

    The folder is opened once per environment and entered with ``fchdir``, which skips resolving
    its path on every invocation.
    """
    try:
        previous = os.getcwd()
    except OSError:  # the caller's directory was deleted: there is nothing to give back
        previous = None
    if not hasattr(os, "fchdir"):  # Windows: by path
        os.chdir(environment.config.code_dir)
        return previous
    folder = environment.__dict__.get("_folder_fd")
    if folder is None:
        folder = environment._folder_fd = os.open(environment.config.code_dir, os.O_RDONLY)
        weakref.finalize(environment, os.close, folder)
    os.fchdir(folder)
    return previous


def _leave_directory(previous: str | None) -> None:
    if previous is not None:
        try:
            os.chdir(previous)
        except OSError:  # it was deleted meanwhile: stay where the handler left us
            pass
