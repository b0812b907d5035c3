"""A function's environment variables, in the process environment while its code runs.

In AWS each execution environment is a process of its own, started with the function's variables
(``TABLE_NAME`` of its configuration, and those Lambda always sets: ``AWS_REGION``, ``_HANDLER``,
``AWS_LAMBDA_LOG_STREAM_NAME``, ``_X_AMZN_TRACE_ID``...). Here functions share the notebook's process,
so an invocation puts them into ``os.environ`` and the C environment (a subprocess the handler starts
sees them too) and takes them out afterwards: the notebook never sees a function's variables, and what
a handler set, changed or deleted in ``os.environ`` is undone, as it only ever touched its own
environment's process in AWS.

Putting twenty variables in and out is a fifth of a warm invocation. So inside a **batch** (the local
cloud's own loops, ``advance()`` and ``run_until_idle()``, where nothing but the cloud runs between
two invocations) a function's variables stay in place when the next invocation is of the same function
and its handler changed nothing: only the per-invocation ones (the trace header) are written again.
They are taken out when another function runs, when a handler changed ``os.environ``, when the batch
ends, and before an observer (a widget) is called: before the notebook's code runs again.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Any, Iterator

Encoded = list[tuple[Any, Any]]  # (key, value) as os.environ stores them: bytes on POSIX

_batches = threading.local()  # depth: how many batches this thread is inside


_kept: list["function_variables"] = []  # the block whose variables are still set: at most one
_running: list["function_variables"] = []  # blocks open now (a handler invoking a function nests two)
# Both are guarded by the runtime's lock: handlers run one at a time.


def encode(variables: dict[str, str]) -> Encoded:
    """Variables as ``os.environ`` stores them (bytes on POSIX)."""
    environ = os.environ
    return [(environ.encodekey(key), environ.encodevalue(value)) for key, value in variables.items()]


@contextlib.contextmanager
def batch(lock: contextlib.AbstractContextManager) -> Iterator[None]:
    """``with batch(lock):`` invocations made by this thread may leave their variables in place; they are
    taken out (holding ``lock``, the runtime's) when the outermost batch ends."""
    _batches.depth = getattr(_batches, "depth", 0) + 1
    try:
        yield
    finally:
        _batches.depth -= 1
        if not _batches.depth:
            with lock:
                release()


def release() -> None:
    """Take out the variables a batch left in place, if any."""
    if _kept:
        _put_back(_kept.pop().saved)


class function_variables:
    """``with function_variables(function's, invocation's):`` both in the process environment for a block.

    ``function_variables`` is the function's list, the same object for every invocation of one
    configuration; ``invocation_variables`` change with each invocation.
    """

    def __init__(self, function_variables: Encoded, invocation_variables: Encoded) -> None:
        self.function_variables = function_variables
        self.invocation_variables = invocation_variables
        self.saved: Encoded = []  # (key, value before the block, or None)
        self.before: dict = {}  # os.environ's mapping before the block
        self.after: dict | None = None  # what it held once the variables were set (inside a batch only)

    def __enter__(self) -> None:
        data = os.environ._data  # the mapping behind os.environ (CPython's os._Environ)
        kept = _kept[0] if _kept else None
        if kept is not None and self._continues(kept):
            _kept.clear()
            self.saved, self.before, self.after = kept.saved, kept.before, kept.after
            _set(self.invocation_variables, data)
            self.after.update(self.invocation_variables)
        else:
            release()
            self.before = data.copy()
            self.saved = [(key, data.get(key)) for key, _ in self.function_variables + self.invocation_variables]
            _set(self.function_variables + self.invocation_variables, data)
            self.after = data.copy() if _in_batch() else None
        _running.append(self)

    def __exit__(self, *exc_info) -> None:
        _running.pop()
        data = os.environ._data
        if self.after is not None and not _running and _in_batch() and data == self.after:
            _kept.append(self)  # the handler changed nothing: the next invocation may reuse them
            return
        _put_back(self.saved)
        if data != self.before:  # the handler changed os.environ: put every variable back
            _restore_environ(data, self.before)

    def _continues(self, kept: "function_variables") -> bool:
        """Whether this block may take over the variables ``kept`` left: the same function's, the same
        per-invocation names, in a batch of this thread."""
        return (kept.function_variables is self.function_variables and _in_batch()
                and [key for key, _ in kept.invocation_variables] == [key for key, _ in self.invocation_variables])


def _in_batch() -> bool:
    return getattr(_batches, "depth", 0) > 0


def _set(encoded: Encoded, data: dict) -> None:
    """What ``os.environ[key] = value`` does, with keys and values encoded once, not at every call."""
    for key, value in encoded:
        os.putenv(key, value)
        data[key] = value


def _put_back(saved: Encoded) -> None:
    data = os.environ._data
    for key, value in reversed(saved):
        if value is None:
            os.unsetenv(key)
            data.pop(key, None)
        else:
            os.putenv(key, value)
            data[key] = value


def _restore_environ(data: dict, before: dict) -> None:
    """Make ``os.environ`` (and the C environment) ``before`` again."""
    for key in [key for key in data if key not in before]:
        os.unsetenv(key)
        del data[key]
    for key, value in before.items():
        if data.get(key) != value:
            os.putenv(key, value)
            data[key] = value
