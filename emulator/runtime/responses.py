"""The response: how the runtime turns a handler's return value into the bytes the caller receives.

AWS's Python runtime (awslambdaric) does not use ``json.dumps``: it encodes with ``simplejson``,
configured so that what a Python handler naturally returns works:

- ``bytes`` returned as the whole result are sent as they are (content type ``application/unknown``);
  ``bytes`` inside a dict or list, and as dict keys, are decoded as UTF-8 text;
- ``Decimal`` (what DynamoDB's boto3 resource gives you for every number) is written as its digits,
  ``Decimal("1.50")`` as ``1.50``; a NaN Decimal as ``NaN``;
- a namedtuple, or any object with an ``_asdict()`` method, becomes a JSON object;
- ``float("nan")`` and infinities are written ``NaN``, ``Infinity``, ``-Infinity`` (not strict JSON);
- on the python3.11 runtime every non-ASCII character is escaped (``"\\u00e9"``).

Anything else (a set, a datetime, a generator) fails with ``Runtime.MarshalError`` and the
encoder's message. Here the standard library's C encoder writes the common case (plain dicts,
lists, strings and numbers: the same bytes simplejson writes), and a small encoder of our own takes
over for everything else.
"""

from __future__ import annotations

import json
from decimal import Decimal
from json.encoder import encode_basestring_ascii
from typing import Any

from . import errors

# The exact limit Lambda quotes when a response is too large (6 MB plus a small envelope allowance).
RESPONSE_LIMIT = 6291556
CONTENT_JSON = "application/json"
CONTENT_BYTES = "application/unknown"  # what awslambdaric posts for a bytes result
_PLAIN = {dict, list, tuple, str, int, float, bool, type(None)}
_RECURSION_MESSAGE = "maximum recursion depth exceeded while encoding a JSON object"


def marshal_response(result: Any) -> bytes:
    """The handler's return value as Lambda sends it back, or ``Runtime.MarshalError`` /
    ``Function.ResponseSizeTooLarge`` as AWS reports them."""
    if isinstance(result, bytes):  # awslambdaric: bytes go out untouched
        response = result
    else:
        try:
            response = _encode(result).encode()
        except Exception as error:  # awslambdaric catches every encoder failure the same way
            raise errors.FunctionFault(errors.MARSHAL_ERROR, f"Unable to marshal response: {error}") from None
    if len(response) > RESPONSE_LIMIT:
        raise errors.FunctionFault(
            errors.RESPONSE_TOO_LARGE,
            f"Response payload size exceeded maximum allowed payload size ({RESPONSE_LIMIT} bytes).")
    return response


def to_json(value: Any) -> str:
    """``value`` as awslambdaric's encoder writes it (also used for error envelopes and error log lines)."""
    return _encode(value)


def _encode(value: Any) -> str:
    if not _needs_care(value, 0):
        try:
            return json.dumps(value)  # byte for byte what simplejson writes for plain values
        except (TypeError, ValueError, RecursionError):
            pass  # a bytes or odd key, a cycle, great depth: the careful encoder says what simplejson says
    try:
        return _Writer().write(value)
    except RecursionError:
        raise RecursionError(_RECURSION_MESSAGE) from None


def _needs_care(value: Any, depth: int) -> bool:
    """True when ``value`` holds anything but plain dicts, lists, strings and numbers."""
    kind = type(value)
    if kind is dict:
        children = value.values()
    elif kind is list or kind is tuple:
        children = value
    else:
        return kind not in _PLAIN
    kinds = set(map(type, children))
    if not kinds <= _PLAIN or depth > 50:  # very deep values go to the careful encoder too
        return True
    if kinds.isdisjoint((dict, list, tuple)):
        return False
    return any(_needs_care(child, depth + 1) for child in children if type(child) in (dict, list, tuple))


class _Writer:
    """simplejson's encoding rules, as awslambdaric configures them, for the values the fast path skips."""

    def __init__(self) -> None:
        self.seen: set[int] = set()  # containers being written, to report a cycle as simplejson does

    def write(self, value: Any) -> str:
        if isinstance(value, str):
            return encode_basestring_ascii(value)
        if isinstance(value, bytes):  # simplejson's encoding="utf-8"
            return encode_basestring_ascii(value.decode("utf-8"))
        if value is None:
            return "null"
        if value is True:
            return "true"
        if value is False:
            return "false"
        if isinstance(value, int):
            return int.__repr__(value)
        if isinstance(value, float):
            return _float(value)
        as_dict = getattr(value, "_asdict", None)  # simplejson's namedtuple_as_object
        if callable(as_dict) and not isinstance(value, (dict, type)):
            return self._container(value, lambda: self._object(as_dict()))
        if isinstance(value, (list, tuple)):
            return self._container(value, lambda: "[" + ", ".join(self.write(item) for item in value) + "]")
        if isinstance(value, dict):
            return self._container(value, lambda: self._object(value))
        if isinstance(value, Decimal):  # awslambdaric's Encoder.default
            return "NaN" if value.is_nan() else str(value)
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

    def _container(self, value: Any, write) -> str:
        marker = id(value)
        if marker in self.seen:
            raise ValueError("Circular reference detected")
        self.seen.add(marker)
        try:
            return write()
        finally:
            self.seen.discard(marker)

    def _object(self, mapping: dict) -> str:
        return "{" + ", ".join(f"{_key(key)}: {self.write(item)}" for key, item in mapping.items()) + "}"


def _key(key: Any) -> str:
    """A dict key as simplejson writes it: text, or a number, a bool or None turned into text."""
    if isinstance(key, str):
        text = key
    elif isinstance(key, bytes):
        text = key.decode("utf-8")
    elif isinstance(key, float):
        text = _float(key)
    elif key is True or key is False or key is None:
        text = {True: "true", False: "false", None: "null"}[key]
    elif isinstance(key, int):
        text = int.__repr__(key)
    else:
        raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
    return encode_basestring_ascii(text)


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)
