"""Logs: what your handler prints becomes CloudWatch-style log lines.

In AWS, everything a function writes to stdout or stderr, and every record of the ``logging`` module,
goes to the CloudWatch log group ``/aws/lambda/<function>``. The runtime frames each invocation with
three lines of its own::

    START RequestId: 6f1c... Version: $LATEST
    ... your output ...
    END RequestId: 6f1c...
    REPORT RequestId: 6f1c...  Duration: 1.52 ms  Billed Duration: 2 ms  Memory Size: 128 MB  Max Memory Used: 41 MB

Here the output is captured per invocation, only from the thread that runs it, so other threads of
the process (a notebook's output, a web server) are never mixed in.
"""

from __future__ import annotations

import io
import logging
import math
import sys
import threading
import time

_capture = threading.local()


def _stack() -> list[tuple[str, list[str]]]:
    """This thread's open captures, innermost last (Lambda calling Lambda nests them)."""
    if not hasattr(_capture, "stack"):
        _capture.stack = []
    return _capture.stack


class _ThreadCapturingStream(io.TextIOBase):
    """A stand-in for sys.stdout / sys.stderr: a thread inside an invocation writes to its log,
    every other thread writes where it always did."""

    def __init__(self, fallback) -> None:
        self._fallback = fallback

    def write(self, text: str) -> int:
        stack = getattr(_capture, "stack", None)
        if stack:
            stack[-1][1].append(text)
        else:
            self._fallback.write(text)
        return len(text)

    def flush(self) -> None:
        if not getattr(_capture, "stack", None):
            self._fallback.flush()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:
        return "utf-8"


class LambdaLogHandler(logging.Handler):
    """The handler the Lambda Python runtime puts on the root logger.

    Its format is the runtime's: ``[LEVEL]\\t<UTC time>Z\\t<request id>\\t<message>``. Records from
    threads that are not running an invocation are ignored.
    """

    def emit(self, record: logging.LogRecord) -> None:
        stack = getattr(_capture, "stack", None)
        if not stack:
            return
        request_id, sink = stack[-1]
        try:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            sink.append(f"[{record.levelname}]\t{stamp}.{int(record.msecs):03d}Z\t{request_id}\t{self.format(record)}\n")
        except Exception:
            self.handleError(record)


# One handler for every invocation, as the runtime installs one for the life of the process: filters
# that libraries attach to it (Powertools' duplicate suppression) stay attached between invocations.
_ROOT_HANDLER = LambdaLogHandler()


class capture_output:
    """``with capture_output(request_id, sink):`` appends this thread's print/logging output to ``sink``.

    The outermost capture puts stand-ins on sys.stdout / sys.stderr (made once per stream and reused)
    and the runtime's handler on the root logger; it takes both away again at the end.
    """

    def __init__(self, request_id: str, sink: list[str]) -> None:
        self.entry = (request_id, sink)
        self._saved_streams: tuple | None = None

    def __enter__(self) -> None:
        _stack().append(self.entry)
        if not isinstance(sys.stdout, _ThreadCapturingStream):  # the outermost capture
            self._saved_streams = sys.stdout, sys.stderr
            sys.stdout, sys.stderr = _stand_in(sys.stdout), _stand_in(sys.stderr)
            logging.getLogger().addHandler(_ROOT_HANDLER)

    def __exit__(self, *exc_info) -> None:
        _capture.stack.pop()
        if self._saved_streams is not None:
            logging.getLogger().removeHandler(_ROOT_HANDLER)
            sys.stdout, sys.stderr = self._saved_streams


_stand_ins: dict[int, tuple[object, _ThreadCapturingStream]] = {}  # id(stream) -> (stream, its stand-in)


def _stand_in(stream) -> _ThreadCapturingStream:
    """The stand-in for ``stream``: made on first use, then the same one for every invocation."""
    known = _stand_ins.get(id(stream))
    if known is None or known[0] is not stream:
        if len(_stand_ins) >= 8:  # streams come and go (each test's capture): keep only recent ones
            _stand_ins.clear()
        known = _stand_ins[id(stream)] = (stream, _ThreadCapturingStream(stream))
    return known[1]


def write_to_current_log(text: str) -> None:
    """Append ``text`` to the log of the invocation this thread is running (``context.log``)."""
    stack = _stack()
    if stack:
        stack[-1][1].append(text)


def start_line(request_id: str, version: str = "$LATEST") -> str:
    return f"START RequestId: {request_id} Version: {version}\n"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}\n"


def billed_duration_ms(duration_ms: float) -> int:
    """Lambda bills in 1 ms increments, rounding up (since December 2020)."""
    return max(1, math.ceil(duration_ms))


def report_line(
    request_id: str,
    duration_ms: float,
    billed_ms: int,
    memory_size: int,
    max_memory_used: int,
    init_duration_ms: float | None,
) -> str:
    """The REPORT line that closes every invocation's log, tab-separated as in CloudWatch."""
    line = (f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\tBilled Duration: {billed_ms} ms\t"
            f"Memory Size: {memory_size} MB\tMax Memory Used: {max_memory_used} MB\t")
    if init_duration_ms is not None:
        line += f"Init Duration: {init_duration_ms:.2f} ms\t"
    return line + "\n"


def timeout_line(request_id: str, timeout_seconds: float) -> str:
    """The line Lambda writes when it stops a function that ran out of time."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    return f"{stamp}.000Z {request_id} Task timed out after {timeout_seconds:.2f} seconds\n"
