"""What a function behind API Gateway returns, and how API Gateway turns it into an HTTP response.

With a Lambda *proxy* integration, the function's return value is the HTTP response, written as a
dict. For a REST API (payload format 1.0) it must be exactly this shape::

    {"statusCode": 200,
     "headers": {"Content-Type": "text/plain"},            # one value per name
     "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},  # several values per name
     "body": "Hello",                                      # always a string: json.dumps() a dict first
     "isBase64Encoded": False}                             # True: body is base64 of binary data

Any other key, a body that is not a string, or a return value that is not a dict, is a *malformed
proxy response*: the client gets an error and the function's log shows nothing wrong, which is why
``log_reason`` explains it in the server log. An HTTP API (payload format 2.0) accepts the same
shape with ``cookies`` (a list, each becoming a ``Set-Cookie`` header) instead of
``multiValueHeaders``, and is lenient: a return value without ``statusCode`` (a dict, a list, a
string, a number) becomes a ``200`` JSON response whose body is that value.

Not faithful: a REST API returns a base64 body as binary only when its ``BinaryMediaTypes`` list the
response's content type; here ``isBase64Encoded: true`` is always decoded, as HTTP APIs do.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

V1_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}
V2_KEYS = {"statusCode", "headers", "cookies", "body", "isBase64Encoded"}
JSON_TYPE = "application/json"


class MalformedResponse(ValueError):
    """The function's return value is not a response API Gateway can send; the message says why."""


@dataclass
class ProxyResponse:
    """An HTTP response: status, headers in order (a name may repeat), and the body's bytes."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def read_v1(result: Any) -> ProxyResponse:
    """The HTTP response for a REST API function's return value (payload format 1.0)."""
    if not isinstance(result, dict):
        raise MalformedResponse(f"a REST API function must return a dict with statusCode and body, "
                                f"not {type(result).__name__} {_preview(result)}")
    _refuse_unknown_keys(result, V1_KEYS, "REST API (payload 1.0)")
    headers = _single_headers(result.get("headers"))
    multi = _multi_headers(result.get("multiValueHeaders"))
    # API Gateway merges both maps; a name and value given in both appears once, from multiValueHeaders.
    repeated = {(name.lower(), value) for name, value in multi}
    return _response(result, [(n, v) for n, v in headers if (n.lower(), v) not in repeated] + multi)


def read_v2(result: Any) -> ProxyResponse:
    """The HTTP response for an HTTP API function's return value (payload format 2.0)."""
    if not (isinstance(result, dict) and "statusCode" in result):
        # Payload 2.0 response inference: no statusCode means 200, JSON, and the value is the body.
        body = result if isinstance(result, str) else json.dumps(result)
        return ProxyResponse(200, [("Content-Type", JSON_TYPE)], body.encode())
    _refuse_unknown_keys(result, V2_KEYS, "HTTP API (payload 2.0)")
    cookies = result.get("cookies") or []
    if not isinstance(cookies, list) or not all(isinstance(cookie, str) for cookie in cookies):
        raise MalformedResponse(f"cookies must be a list of strings such as ['theme=dark'], got {_preview(cookies)}")
    return _response(result, _single_headers(result.get("headers")) + [("Set-Cookie", c) for c in cookies])


def _response(result: dict, headers: list[tuple[str, str]]) -> ProxyResponse:
    status = _status(result.get("statusCode", 200))
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", JSON_TYPE))  # API Gateway's default content type
    return ProxyResponse(status, headers, _body(result.get("body"), result.get("isBase64Encoded", False)))


def _refuse_unknown_keys(result: dict, allowed: set[str], api: str) -> None:
    unknown = sorted(set(result) - allowed)
    if unknown:
        raise MalformedResponse(
            f"the {api} response has unexpected keys {unknown}; allowed keys are {sorted(allowed)}. "
            f"To send data, put it in body as a string: body=json.dumps(...)")


def _status(value: Any) -> int:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 100 <= value <= 599:
        raise MalformedResponse(f"statusCode must be an HTTP status between 100 and 599, got {_preview(value)}")
    return value


def _header_text(name: Any, value: Any) -> str:
    if not isinstance(name, str):
        raise MalformedResponse(f"header names must be strings, got {_preview(name)}")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise MalformedResponse(f"header {name!r} must be a string, got {_preview(value)}")


def _single_headers(headers: Any) -> list[tuple[str, str]]:
    if headers is None:
        return []
    if not isinstance(headers, dict):
        raise MalformedResponse(f"headers must be a dict of strings, got {_preview(headers)}")
    return [(name, _header_text(name, value)) for name, value in headers.items()]


def _multi_headers(headers: Any) -> list[tuple[str, str]]:
    if headers is None:
        return []
    if not isinstance(headers, dict) or not all(isinstance(v, list) for v in headers.values()):
        raise MalformedResponse(f"multiValueHeaders must be a dict of lists of strings, got {_preview(headers)}")
    return [(name, _header_text(name, value)) for name, values in headers.items() for value in values]


def _body(body: Any, is_base64_encoded: Any) -> bytes:
    if body is None:
        return b""
    if not isinstance(body, str):
        raise MalformedResponse(f"body must be a string, got {type(body).__name__} {_preview(body)}: "
                                f"return body=json.dumps(...) to send JSON")
    if not isinstance(is_base64_encoded, bool):
        raise MalformedResponse(f"isBase64Encoded must be true or false, got {_preview(is_base64_encoded)}")
    if not is_base64_encoded:
        return body.encode()
    try:
        return base64.b64decode(body, validate=True)
    except binascii.Error:
        raise MalformedResponse("isBase64Encoded is true but body is not valid base64") from None


def _preview(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."
