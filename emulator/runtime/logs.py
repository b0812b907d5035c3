"""Logs: what your handler prints becomes CloudWatch-style log lines.

In AWS, everything a function writes to stdout or stderr, and every record of the ``logging`` module,
goes to the CloudWatch log group ``/aws/lambda/<function>``. The runtime frames each invocation with
three lines of its own::

    START RequestId: 6f1c... Version: $LATEST
    ... your output ...
    END RequestId: 6f1c...
    REPORT RequestId: 6f1c...  Duration: 1.52 ms  Billed Duration: 2 ms  Memory Size: 128 MB  Max Memory Used: 41 MB

Here the output is captured per invocation: from the thread that runs it and from the threads its
code starts (a ThreadPoolExecutor's workers), never from the process's other threads (a notebook's
output, a web server).

A function's ``LoggingConfig`` chooses the format. ``Text`` is the above. ``JSON`` makes every
``logging`` record one JSON object (``{"timestamp", "level", "message", "logger", "requestId"}``
plus any ``extra`` fields), and the runtime's own lines become ``platform.start`` and
``platform.report`` records; ``print`` output stays plain text. Records below the function's
``ApplicationLogLevel`` never reach the log.
"""

from __future__ import annotations

import io
import json
import logging
import math
import sys
import threading
import weakref
import time
import traceback
from dataclasses import dataclass

_capture = threading.local()
_active: list[list] = []  # every open capture of the process, innermost last (handlers run one at a time)
# The threads alive when the outermost capture began: not the handler's. Thread objects, not idents:
# an ident is reused as soon as its thread ends, so a handler's new worker could inherit an old one's.
_threads_before: "weakref.WeakSet[threading.Thread]" = weakref.WeakSet()
# The threads a handler's code started, in this invocation or an earlier one (a module-level pool's workers).
_handler_threads: "weakref.WeakSet[threading.Thread]" = weakref.WeakSet()


@dataclass(frozen=True)
class LogSettings:
    """What the runtime needs of a function's LoggingConfig: the format and the application level."""

    json: bool = False
    application_level: int = 0  # records below this Python level are dropped (0: keep all)
    system_level: int = 20  # INFO: platform.start and platform.report are written
    root_level: int | None = None  # the level awslambdaric gives the root logger (AWS_LAMBDA_LOG_LEVEL)


TEXT = LogSettings()


def _stack() -> list[list]:
    """This thread's open captures, innermost last (Lambda calling Lambda nests them).

    Each is ``[request_id, sink, settings, tenant_id, unfinished line]``; the request id is "" during
    Init, as in AWS.
    """
    if not hasattr(_capture, "stack"):
        _capture.stack = []
    return _capture.stack


def _entry() -> list | None:
    """The capture this thread writes to: its own, or, for a thread the handler started, the running one."""
    stack = getattr(_capture, "stack", None)
    if stack:
        return stack[-1]
    if _active and threading.current_thread() not in _threads_before:  # the handler's (AWS: same stdout)
        return _active[-1]
    return None


class _ThreadCapturingStream(io.TextIOBase):
    """A stand-in for sys.stdout / sys.stderr: a thread inside an invocation writes to its log,
    every other thread writes where it always did."""

    def __init__(self, fallback) -> None:
        self._fallback = fallback

    def write(self, text: str) -> int:
        entry = _entry()
        if entry is None:
            self._fallback.write(text)
        elif entry[2].json:
            _write_filtered_lines(entry, text)
        else:
            entry[1].append(text)
        return len(text)

    def flush(self) -> None:
        if _entry() is None:
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

    Its text format is the runtime's: ``[LEVEL]\\t<UTC time>Z\\t<request id>\\t<message>``; its JSON
    format is :func:`json_record`'s. Records from threads that are not running an invocation (nor
    started by one) are ignored.
    """

    def emit(self, record: logging.LogRecord) -> None:
        entry = _entry()
        if entry is None:
            return
        request_id, sink, settings, tenant_id, _ = entry
        # Lambda drops a record below ApplicationLogLevel (awslambdaric tags each with its level).
        if _frame_level(record.levelno) < settings.application_level:
            return
        try:
            if settings.json:
                line = json_record(record, request_id, tenant_id)
            else:
                stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
                line = f"[{record.levelname}]\t{stamp}.{int(record.msecs):03d}Z\t{request_id}\t{self.format(record)}\n"
            sink.append(line)
        except Exception:
            self.handleError(record)


# The levels Lambda reads in a JSON line's "level" field (any other value, or none, counts as INFO).
_LINE_LEVELS = {"TRACE": 0, "DEBUG": 10, "INFO": 20, "WARN": 30, "WARNING": 30, "ERROR": 40, "FATAL": 50,
                "CRITICAL": 50}


def _write_filtered_lines(entry: list, text: str) -> None:
    """stdout/stderr in the JSON format: Lambda filters each line by level (docs: log-level filtering).

    A line that is a JSON object with a ``"level"`` (what Powertools prints) has that level; any
    other line counts as INFO. Lines below ApplicationLogLevel are dropped.
    """
    pending = entry[4] + text
    *lines, entry[4] = pending.split("\n")
    minimum = entry[2].application_level
    for line in lines:
        if line_level(line) >= minimum:
            entry[1].append(line + "\n")


def line_level(line: str) -> int:
    """The level Lambda gives a line of output: its JSON "level" field, else INFO."""
    if line.startswith("{") and '"level"' in line:
        try:
            value = json.loads(line)
        except ValueError:
            return 20
        if isinstance(value, dict) and isinstance(value.get("level"), str):
            return _LINE_LEVELS.get(value["level"].upper(), 20)
    return 20


def _frame_level(levelno: int) -> int:
    """awslambdaric's level of a record: its number rounded down to a multiple of 10, 0 to 50."""
    return min(50, max(0, levelno)) // 10 * 10


# What awslambdaric's JSON formatter leaves out of a record's extra fields.
_RECORD_FIELDS = {
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info", "exc_text",
    "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated", "thread", "threadName",
    "processName", "process", "aws_request_id", "tenant_id", "_frame_type",
    "asctime", "taskName",  # set on a record by other handlers of this shared process, never by the runtime
}
_JSON_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)  # awslambdaric: unknown values as str()


def json_record(record: logging.LogRecord, request_id: str, tenant_id: str | None = None) -> str:
    """One ``logging`` record as awslambdaric's JSON format writes it (the timestamp to the second)."""
    level = _frame_level(record.levelno)
    exc_info = record.exc_info
    fields = {
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
        "level": logging.getLevelName(level),
        "message": record.msg if isinstance(record.msg, dict) and not record.args else record.getMessage(),
        "logger": record.name,
        "stackTrace": traceback.format_tb(exc_info[2]) if exc_info else None,
        "errorType": exc_info[0].__name__ if exc_info else None,
        "errorMessage": str(exc_info[1]) if exc_info else None,
        "requestId": request_id,
        "location": f"{record.pathname}:{record.funcName}:{record.lineno}" if exc_info else None,
    }
    if tenant_id is not None:
        fields["tenantId"] = tenant_id
    fields.update((key, value) for key, value in record.__dict__.items()
                  if key not in _RECORD_FIELDS and key not in fields)
    return _JSON_ENCODER.encode({key: value for key, value in fields.items() if value is not None}) + "\n"

# One handler for every invocation, as the runtime installs one for the life of the process: filters
# that libraries attach to it (Powertools' duplicate suppression) stay attached between invocations.
_ROOT_HANDLER = LambdaLogHandler()


class capture_output:
    """``with capture_output(request_id, sink):`` appends this thread's print/logging output to ``sink``.

    The outermost capture puts stand-ins on sys.stdout / sys.stderr (made once per stream and reused)
    and the runtime's handler on the root logger; it takes both away again at the end.
    """

    def __init__(self, request_id: str, sink: list[str], settings: LogSettings = TEXT,
                 tenant_id: str | None = None) -> None:
        self.entry = [request_id, sink, settings, tenant_id, ""]  # "": a line printed in part (JSON format)
        self._saved_streams: tuple | None = None

    def __enter__(self) -> None:
        _stack().append(self.entry)
        if not _active:
            _threads_before.clear()
            _threads_before.update(thread for thread in threading.enumerate() if thread not in _handler_threads)
        _active.append(self.entry)
        if not isinstance(sys.stdout, _ThreadCapturingStream):  # the outermost capture
            self._saved_streams = sys.stdout, sys.stderr
            sys.stdout, sys.stderr = _stand_in(sys.stdout), _stand_in(sys.stderr)
            logging.getLogger().addHandler(_ROOT_HANDLER)

    def __exit__(self, *exc_info) -> None:
        if self.entry[4]:  # the last line printed without its newline
            _write_filtered_lines(self.entry, "\n")
        _capture.stack.pop()
        _active.pop()
        if not _active:  # what started during the invocation was started by its code
            _handler_threads.update(thread for thread in threading.enumerate() if thread not in _threads_before)
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
    entry = _entry()
    if entry is not None:
        entry[1].append(text)


def write_event(text: str) -> None:
    """One log event (``context.log``): awslambdaric sends it as one CloudWatch event, so one line."""
    write_to_current_log(text if text.endswith("\n") else text + "\n")


def write_error(envelope: dict, text: str) -> None:
    """The runtime's log line for a function error: ``text`` (the Text format), or a JSON record.

    Lambda drops it, like any ERROR record, when ApplicationLogLevel is FATAL.
    """
    entry = _entry()
    if entry is None or entry[2].application_level > 40:
        return
    if entry[2].json:  # awslambdaric: {"timestamp", "level": "ERROR", ...the envelope}
        from .responses import to_json
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        text = to_json({"timestamp": stamp, "level": "ERROR", **envelope}) + "\n"
    entry[1].append(text)


class init_phase:
    """``with init_phase():`` the Init phase: log lines carry no request id (awslambdaric's is unset)."""

    def __enter__(self) -> None:
        entry = _entry()
        self.entry, self.request_id = entry, entry[0] if entry else None
        if entry is not None:
            entry[0] = ""

    def __exit__(self, *exc_info) -> None:
        if self.entry is not None:
            self.entry[0] = self.request_id


def place_start_line_after_init() -> None:
    """Move this invocation's START line (the sink's first line) after what Init wrote, as in CloudWatch."""
    entry = _entry()
    if entry is not None and len(entry[1]) > 1 and _is_start_line(entry[1][0]):
        entry[1].append(entry[1].pop(0))


def _is_start_line(text: str) -> bool:
    """A sink that does not begin with START is a runtime process's own (the service writes START there)."""
    return text.startswith("START RequestId: ") or text.startswith('{"time":') and '"platform.start"' in text


def _platform_record(kind: str, record: dict) -> str:
    """A system log line of the JSON format: ``{"time", "type": "platform.…", "record"}``, compact."""
    now = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"
    return json.dumps({"time": stamp, "type": kind, "record": record}, separators=(",", ":")) + "\n"


def start_line(request_id: str, version: str = "$LATEST", settings: LogSettings = TEXT,
               function_arn: str = "") -> str:
    """START, or in the JSON format a ``platform.start`` record (an INFO system log)."""
    if settings.json:
        if settings.system_level > 20:
            return ""
        return _platform_record("platform.start", {"requestId": request_id, "functionArn": function_arn,
                                                   "version": version})
    return f"START RequestId: {request_id} Version: {version}\n"


def end_line(request_id: str, settings: LogSettings = TEXT) -> str:
    """END; the JSON format has no such line."""
    if settings.json:
        return ""
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
    settings: LogSettings = TEXT,
    error_type: str | None = None,
) -> str:
    """The REPORT line that closes every invocation's log, tab-separated as in CloudWatch.

    A crashed runtime's report ends with ``Status: error`` and its ``Error Type`` (CloudWatch's
    current format); in the JSON format the report is a ``platform.report`` record.
    """
    if settings.json:
        return _json_report(request_id, duration_ms, billed_ms, memory_size, max_memory_used, init_duration_ms,
                            settings, error_type)
    line = (f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\tBilled Duration: {billed_ms} ms\t"
            f"Memory Size: {memory_size} MB\tMax Memory Used: {max_memory_used} MB\t")
    if init_duration_ms is not None:
        line += f"Init Duration: {init_duration_ms:.2f} ms\t"
    if error_type is not None:
        line += f"Status: error\tError Type: {error_type}\t"
    return line + "\n"


def _json_report(request_id: str, duration_ms: float, billed_ms: int, memory_size: int, max_memory_used: int,
                 init_duration_ms: float | None, settings: LogSettings, error_type: str | None) -> str:
    """The ``platform.report`` record (an INFO system log), as CloudWatch shows it."""
    if settings.system_level > 20:
        return ""
    metrics = {"durationMs": round(duration_ms, 3), "billedDurationMs": billed_ms, "memorySizeMB": memory_size,
               "maxMemoryUsedMB": max_memory_used}
    if init_duration_ms is not None:
        metrics["initDurationMs"] = round(init_duration_ms, 3)
    record = {"requestId": request_id, "metrics": metrics, "status": "success" if error_type is None else "error"}
    if error_type is not None:
        record["errorType"] = error_type
    return _platform_record("platform.report", record)

def timeout_line(request_id: str, timeout_seconds: float) -> str:
    """The line Lambda writes when it stops a function that ran out of time."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    return f"{stamp}.000Z {request_id} Task timed out after {timeout_seconds:.2f} seconds\n"


class root_logger_level:
    """``with root_logger_level(environment, settings):`` the root logger's level of this environment.

    awslambdaric sets the root logger to ``AWS_LAMBDA_LOG_LEVEL`` when its process starts, and your
    code may change it (``logging.getLogger().setLevel(logging.INFO)`` at module level is common):
    either way it lasts as long as the execution environment. Here the process and its root logger
    are shared, so each environment's level is put in place for its invocations, and the caller's
    given back after.
    """

    def __init__(self, environment, settings: LogSettings) -> None:
        self.environment = environment
        self.settings = settings

    def __enter__(self) -> None:
        root = logging.root
        self.saved = root.level
        wanted = getattr(self.environment, "root_log_level", None)
        if wanted is None:
            wanted = self.settings.root_level
        if wanted is not None and wanted != self.saved:
            root.setLevel(wanted)

    def __exit__(self, *exc_info) -> None:
        root = logging.root
        if root.level != self.saved:
            self.environment.root_log_level = root.level
            root.setLevel(self.saved)
        elif getattr(self.environment, "root_log_level", None) is not None:
            self.environment.root_log_level = root.level
