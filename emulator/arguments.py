"""Checks of the arguments a notebook passes to the local cloud, made before anything is created.

AWS's APIs refuse a value of the wrong type or outside its range with ``InvalidParameterValueException``
(Lambda) or ``InvalidParameterValue`` (SQS) at the call that sent it. The local cloud does the same for
its Python methods, so ``create_queue("jobs", visibility_timeout="30")`` fails on that line, naming the
argument, what it got and what to write instead, rather than with a ``TypeError`` from deep inside.
"""

from __future__ import annotations

import math
from typing import Any

from .runtime import encode_payload
from .runtime.errors import (UNMARSHAL_ERROR, FunctionFault, InvalidParameterValueException,
                             RequestTooLargeException)

__all__ = ["event_payload", "finite_number", "whole_number", "flag", "text", "mapping", "of_type"]


def of_type(value: Any, name: str, kinds: type | tuple[type, ...], what: str) -> Any:
    """``value`` when it is one of ``kinds`` (a bool never passes for a number), else the error naming ``name``."""
    kinds = kinds if isinstance(kinds, tuple) else (kinds,)
    if isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds):
        return value
    raise InvalidParameterValueException(
        f"{name} must be {what} (got {value!r}, a {type(value).__name__}){_suggestion(value, name)}")


def whole_number(value: Any, name: str, low: int, high: int, unit: str, service: str = "Lambda") -> int:
    """An int between ``low`` and ``high``: the type first, then the range, as the AWS service checks it."""
    of_type(value, name, int, f"a whole number of {unit}")
    if not low <= value <= high:
        raise InvalidParameterValueException(
            f"{name} {value} is out of range: {service} allows {low} to {high} {unit}")
    return value


def finite_number(value: Any, name: str) -> float:
    """An int or float that is neither infinite nor NaN."""
    of_type(value, name, (int, float), "a number")
    if not math.isfinite(value):
        raise InvalidParameterValueException(f"{name} must be a finite number (got {value!r})")
    return value


def flag(value: Any, name: str) -> bool:
    return of_type(value, name, bool, "True or False")


def text(value: Any, name: str, optional: bool = False) -> str | None:
    if optional and value is None:
        return None
    return of_type(value, name, str, "a string" + (" (or None)" if optional else ""))


def mapping(value: Any, name: str) -> dict:
    """A dict (None reads as an empty one)."""
    return {} if value is None else of_type(value, name, dict, 'a dict, such as {"KEY": "value"}')


def event_payload(event: Any, limit: int) -> bytes:
    """The event as the JSON bytes Lambda carries (:func:`encode_payload`), also when it is nested too deeply.

    A Python value too deep for JSON is refused here, naming the problem. Bytes that deep are what a boto3
    ``Invoke`` may send: Lambda accepts them and its runtime fails to decode them, so they go on to run
    as an :class:`UnmarshalablePayload`.
    """
    try:
        return encode_payload(event, limit)
    except RecursionError as error:
        if not isinstance(event, (bytes, bytearray)):
            raise InvalidParameterValueException(
                f"the event is nested too deeply to be turned into JSON ({error}): Python's JSON encoder "
                f"stops at about 1,000 levels of lists and dicts inside one another; send a flatter event") from None
        if len(event) > limit:
            raise RequestTooLargeException(f"the payload is {len(event):,} bytes but Lambda accepts at most "
                                           f"{limit:,} bytes for this invocation type") from None
        return UnmarshalablePayload(event, str(error))


class UnmarshalablePayload(bytes):
    """JSON bytes the runtime cannot decode (nested too deeply): decoding them raises the fault the Python
    runtime raises, so the invocation fails with ``Runtime.UnmarshalError``, as in AWS."""

    def __new__(cls, data: bytes, reason: str) -> "UnmarshalablePayload":
        payload = super().__new__(cls, data)
        payload.reason = reason
        return payload

    def decode(self, *args: Any, **kwargs: Any) -> str:
        # awslambdaric's message: "Unable to unmarshal input: " and the JSON decoder's error.
        raise FunctionFault(UNMARSHAL_ERROR, f"Unable to unmarshal input: {self.reason}")


def _suggestion(value: Any, name: str) -> str:
    """What to write instead, when the value is a number written as text (``"30"``) or a whole float."""
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return ""
        return f": write {name}={int(number) if number.is_integer() else number} (a number, without quotes)"
    if isinstance(value, float) and value.is_integer():
        return f": write {name}={int(value)}"
    return ""
