"""Errors, in the two shapes Lambda has.

1. *Function errors* happen inside the execution environment: your handler raised, the module could
   not be imported, the result could not be turned into JSON, the time ran out. Lambda does not raise
   them at the caller: the invocation "succeeds" and its payload is an error envelope,
   ``{"errorMessage", "errorType", "requestId", "stackTrace"}``, with the ``X-Amz-Function-Error``
   header set. Here they become ``Invocation.error``.
2. *Service errors* happen before your code runs: no such function, a payload that is too big, a
   throttled request. Lambda's API answers them with an HTTP error; here they are raised as Python
   exceptions (subclasses of :class:`LambdaServiceError`), named after the AWS error codes.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from types import TracebackType

# Runtime.* error types, exactly as the Python runtime interface client names them.
HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
MARSHAL_ERROR = "Runtime.MarshalError"
BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"  # a handler module named like sys or time
EXIT_ERROR = "Runtime.ExitError"  # the Lambda service's, when the runtime process exits
UNMARSHAL_ERROR = "Runtime.UnmarshalError"  # the event cannot be decoded from JSON
TIMEOUT = "Sandbox.Timedout"
RESPONSE_TOO_LARGE = "Function.ResponseSizeTooLarge"
EMULATOR_DIR = str(Path(__file__).resolve().parents[1])  # frames from here on are the runtime's, not yours


class FunctionFault(Exception):
    """An error the runtime itself reports (not one your code raised), with its AWS error type."""

    def __init__(self, error_type: str, message: str, stack_trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack_trace = stack_trace or []


class InvocationTimeout(BaseException):
    """Raised inside a handler when its time is up.

    A BaseException, like KeyboardInterrupt, so that a handler's ``except Exception:`` cannot swallow
    it: in AWS the runtime is frozen from outside when the timeout hits, whatever the code is doing.
    """


def error_envelope(error_type: str, message: str, request_id: str, stack_trace: list[str]) -> dict:
    """The JSON body Lambda returns for a function error."""
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": stack_trace,
    }


def user_stack_trace(tb: TracebackType | None) -> list[str]:
    """The traceback of an exception raised by user code, without the emulator's own frames.

    Like the AWS runtime, which drops its bootstrap frames, the trace starts at the first frame that
    is not the emulator's own. Each frame is two lines, ``  File "...", line N, in name`` and the
    code: awslambdaric formats plain (file, line, name, code) tuples, so Python 3.11's ``^^^^``
    column markers never appear in a Lambda stack trace.
    """
    frames = traceback.extract_tb(tb)
    for index, frame in enumerate(frames):
        if not frame.filename.startswith(EMULATOR_DIR):
            frames = frames[index:]
            break
    return traceback.format_list([(frame.filename, frame.lineno, frame.name, frame.line) for frame in frames])


NO_BREAK_SPACE = "\u00a0"  # awslambdaric indents a logged stack trace with these, so CloudWatch keeps the indent


def error_log_lines(envelope: dict) -> str:
    """How the Python runtime writes a function error to a text log: ``[ERROR] Type: message`` + trace.

    As awslambdaric writes it: the ``Traceback`` line always (even for an empty trace), each frame's
    leading spaces turned into no-break spaces, all in one CloudWatch event.
    """
    description = "[ERROR]"
    if envelope.get("errorType"):
        description += " " + envelope["errorType"]
    if envelope.get("errorMessage"):
        description += (":" if envelope.get("errorType") else "") + " " + envelope["errorMessage"]
    lines = [description, "Traceback (most recent call last):"]
    for element in envelope.get("stackTrace") or []:
        if element == "":
            lines.append("")
        lines.extend(_indent_with_no_break_spaces(line) for line in element.splitlines())
    return "\n".join(lines) + "\n"


def _indent_with_no_break_spaces(line: str) -> str:
    stripped = line.lstrip(" ")
    return NO_BREAK_SPACE * (len(line) - len(stripped)) + stripped


class LambdaServiceError(Exception):
    """An error answered by the Lambda service before any code runs (AWS error ``code``, HTTP ``status``)."""

    code = "ServiceException"
    status = 500


class ResourceNotFoundException(LambdaServiceError):
    code = "ResourceNotFoundException"
    status = 404


class InvalidParameterValueException(LambdaServiceError):
    code = "InvalidParameterValueException"
    status = 400


class RequestTooLargeException(LambdaServiceError):
    code = "RequestTooLargeException"
    status = 413


class TooManyRequestsException(LambdaServiceError):
    code = "TooManyRequestsException"
    status = 429


class ResourceConflictException(LambdaServiceError):
    code = "ResourceConflictException"
    status = 409
