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
    is not the emulator's own.
    """
    frames = traceback.extract_tb(tb)
    for index, frame in enumerate(frames):
        if not frame.filename.startswith(EMULATOR_DIR):
            frames = frames[index:]
            break
    return traceback.format_list(frames)


def error_log_lines(envelope: dict) -> str:
    """How the Python runtime writes a function error to the log: ``[ERROR] Type: message`` + trace."""
    lines = [f"[ERROR] {envelope['errorType']}: {envelope['errorMessage']}"]
    if envelope["stackTrace"]:
        lines.append("Traceback (most recent call last):")
        lines.extend(line.rstrip("\n") for line in envelope["stackTrace"])
    return "\n".join(lines) + "\n"


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
