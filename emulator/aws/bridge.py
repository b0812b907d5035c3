"""The AWS bridge: a boto3 request made in a function's own process, answered in the local cloud's.

A handler hosted in a process of its own (``runtime/process_host.py``) still calls AWS with plain
boto3. Its process holds no moto and no local Lambda API, so its runtime hands each request, just
before botocore would send it, to the service over the Runtime API's private path. Here the request
is rebuilt as botocore's ``AWSPreparedRequest`` and offered to the very ``before-send`` handlers
that answer an in-process call: the kit's checks and Lambda API (``interception.py``), then moto's
stubber. The answer (status, headers, body) goes back to the function's botocore, which parses it as
if it had come from AWS.

Nothing leaves the machine: a request nobody here answers fails (unless it is for a local endpoint,
such as LocalStack's, which is then asked).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from botocore.awsrequest import AWSPreparedRequest

from ..platform.network import is_loopback

# What a runtime may ask: botocore's before-send event of one operation, nothing else.
EVENT_NAME = re.compile(r"before-send\.[a-z0-9-]+\.[A-Za-z0-9]+")
_emitter: list[Any] = []


def answer(event_name: str, method: str, url: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, bytes]:
    """The local cloud's answer to one request: ``(status, headers, body)``."""
    if not EVENT_NAME.fullmatch(event_name):
        raise ValueError(f"{event_name!r} is not a botocore before-send event")
    request = AWSPreparedRequest(method, url, headers, body or b"", stream_output=False)
    _, response = _events().emit_until_response(event_name, request=request)
    if response is None and is_loopback(urlsplit(url).hostname):
        response = _send_locally(request)
    if response is None:
        message = (f"the local cloud does not answer {event_name.split('.', 1)[1]} (moto has no such operation) "
                   f"and requests never leave this machine")
        return 501, {"x-amzn-ErrorType": "NotImplemented", "Content-Type": "application/json"}, \
            f'{{"__type": "NotImplemented", "message": "{message}"}}'.encode()
    return response.status_code, dict(response.headers.items()), response.content


def _events() -> Any:
    """botocore's event emitter with every built-in handler (the kit's, moto's), made once."""
    if not _emitter:
        import botocore.session
        _emitter.append(botocore.session.Session().get_component("event_emitter"))
    return _emitter[0]


def _send_locally(request: AWSPreparedRequest) -> Any:
    """Endpoint mode: a request for a server on this machine (LocalStack, a moto server) is sent to it."""
    from botocore.httpsession import URLLib3Session
    return URLLib3Session().send(request)
