"""Exits: what happens when a handler ends the runtime's process instead of returning.

AWS's runtime (awslambdaric) catches only ``Exception`` around your handler. ``sys.exit()``,
``raise SystemExit``, ``KeyboardInterrupt`` (or any other ``BaseException``) go past it, and the
Python process of the execution environment ends, as any Python program does: ``sys.exit("text")``
prints the text, an uncaught ``KeyboardInterrupt`` prints its traceback. The Lambda service notices
that its runtime is gone and answers the caller with a ``Runtime.ExitError`` naming the exit status,
writes ``Status: error  Error Type: Runtime.ExitError`` on the REPORT line, and throws the execution
environment away: the next invocation is a cold start.

Here the handler shares the notebook's process, so the exception is caught instead of ending it;
the caller gets what AWS's caller gets. (``os._exit()`` cannot be caught: it ends this process too.)
"""

from __future__ import annotations

import signal
import threading
import traceback

from . import errors


def exit_status(exception: BaseException) -> int:
    """The exit status Python's process would end with (negative: killed by that signal)."""
    if isinstance(exception, KeyboardInterrupt):
        return -signal.SIGINT  # since Python 3.8 an uncaught KeyboardInterrupt ends the process by SIGINT
    if not isinstance(exception, SystemExit):
        return 1
    code = exception.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF  # the operating system keeps the low byte
    return 1  # sys.exit("a message"): the message is printed, the status is 1


def exit_output(exception: BaseException) -> str:
    """What Python prints on stderr as the process ends (it reaches the log, as stderr does in AWS)."""
    if isinstance(exception, SystemExit):
        code = exception.code
        return "" if code is None or isinstance(code, int) else f"{code}\n"
    frames = traceback.extract_tb(exception.__traceback__)
    for index, frame in enumerate(frames):  # from the first frame of your code on
        if not frame.filename.startswith(errors.EMULATOR_DIR):
            frames = frames[index:]
            break
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames)]
    return "".join(lines + traceback.format_exception_only(type(exception), exception))


def exit_envelope(request_id: str, status: int) -> dict:
    """The Lambda service's error for a runtime that exited: only errorType and errorMessage."""
    if status == 0:
        reason = "Runtime exited without providing a reason"
    elif status > 0:
        reason = f"Runtime exited with error: exit status {status}"
    else:  # Go's wording for a process ended by a signal, e.g. "signal: interrupt"
        reason = f"Runtime exited with error: signal: {_signal_name(-status)}"
    return {"errorType": errors.EXIT_ERROR, "errorMessage": f"RequestId: {request_id} Error: {reason}"}


def _signal_name(number: int) -> str:
    names = {signal.SIGINT: "interrupt", signal.SIGKILL: "killed", signal.SIGTERM: "terminated"}
    return names.get(number, (signal.strsignal(number) or f"signal {number}").lower())


def is_exit(exception: BaseException) -> bool:
    """A BaseException that is not an Exception ends awslambdaric's process (the timeout is ours, not one)."""
    return not isinstance(exception, (Exception, errors.InvocationTimeout))


# A KeyboardInterrupt raised by your code is an exit, as in AWS; one raised because you interrupted
# the notebook's kernel (SIGINT) must still stop the cell. A small SIGINT handler tells them apart.
_interrupted: list[bool] = []


def _note_interrupt(previous):
    def handler(signum, frame):
        _interrupted.append(True)
        if callable(previous):
            return previous(signum, frame)
        raise KeyboardInterrupt
    handler.lambda_lab = True
    return handler


def watch_interrupts() -> None:
    """Install the SIGINT note-taker once (main thread only: signals are delivered there)."""
    if threading.current_thread() is not threading.main_thread():
        return
    current = signal.getsignal(signal.SIGINT)
    if not getattr(current, "lambda_lab", False):
        signal.signal(signal.SIGINT, _note_interrupt(current))


def interrupted_by_user() -> bool:
    """True (once) when the last KeyboardInterrupt came from a SIGINT, not from code."""
    if _interrupted:
        _interrupted.clear()
        return True
    return False
