"""The AWS bridge: a boto3 request made in a function's own process, answered in the local cloud's.

A handler hosted in a process of its own (``runtime/process_host.py``) still calls AWS with plain
boto3. Its process holds no moto and no local Lambda API, so its runtime hands each request, just
before botocore would send it, to the service over the Runtime API's private path. Here the request
is rebuilt as botocore's ``AWSPreparedRequest`` and offered to the very ``before-send`` handlers
that answer an in-process call: the kit's checks and Lambda API (``interception.py``), then moto's
stubber. The answer (status, headers, body) goes back to the function's botocore, which parses it as
if it had come from AWS.

The kit also follows calls from the client's side: the virtual visibility timeout of a message a
handler received, the SQS requests a cost estimate counts, the trace header SQS keeps with a message.
Those hooks listen to botocore's ``before-parameter-build``, ``before-call`` and ``after-call``, which
fire in the caller's process. For a service whose protocol is JSON (SQS, EventBridge, DynamoDB) the
request body *is* the call's parameters and the response body its parsed answer, so the bridge fires
those three events here too, around ``before-send``, exactly as the caller's botocore would.

Nothing leaves the machine: a request nobody here answers fails (unless it is for a local endpoint,
such as LocalStack's, which is then asked).
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any
from urllib.parse import urlsplit

from botocore.awsrequest import AWSPreparedRequest

from ..platform.network import is_loopback

# What a runtime may ask: botocore's before-send event of one operation, nothing else.
EVENT_NAME = re.compile(r"before-send\.[a-z0-9-]+\.[A-Za-z0-9]+")
_emitter: list[Any] = []
FOLLOWED_SERVICES = ("sqs", "events", "dynamodb")  # JSON services whose client-side hooks the kit registers


def answer(event_name: str, method: str, url: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, bytes]:
    """The local cloud's answer to one request: ``(status, headers, body)``."""
    if not EVENT_NAME.fullmatch(event_name):
        raise ValueError(f"{event_name!r} is not a botocore before-send event")
    request = AWSPreparedRequest(method, url, headers, body or b"", stream_output=False)
    call = _JsonCall.of(event_name, request)
    if call is not None:
        call.before()
    _, response = _events().emit_until_response(event_name, request=request)
    if response is None and is_loopback(urlsplit(url).hostname):
        response = _send_locally(request)
    if call is not None and response is not None:
        call.after(response)
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


class _JsonCall:
    """One bridged call of a JSON-protocol operation, replayed through botocore's client-side events."""

    def __init__(self, service: str, operation: Any, request: AWSPreparedRequest, params: dict) -> None:
        self.event = f"{service}.{operation.name}"
        self.operation, self.request, self.params = operation, request, params
        self.context: dict[str, Any] = {}

    @classmethod
    def of(cls, event_name: str, request: AWSPreparedRequest) -> "_JsonCall | None":
        """The call behind ``before-send.SERVICE.OPERATION``, if its service speaks JSON."""
        _, service, operation_name = event_name.split(".")
        model = _json_services().get(service)
        try:
            params = json.loads(request.body or b"{}")
        except ValueError:
            return None
        if model is None or operation_name not in model.operation_names or not isinstance(params, dict):
            return None
        return cls(service, model.operation_model(operation_name), request, params)

    def before(self) -> None:
        events = _events()
        events.emit(f"before-parameter-build.{self.event}", params=dict(self.params), model=self.operation,
                    context=self.context)
        events.emit(f"before-call.{self.event}", model=self.operation, context=self.context, request_signer=None,
                    params={"body": self.request.body, "headers": dict(self.request.headers),
                            "url": self.request.url, "method": self.request.method, "context": self.context})

    def after(self, response: Any) -> None:
        try:
            parsed = json.loads(response.content or b"{}")
        except ValueError:
            return
        if response.status_code >= 300 and isinstance(parsed, dict):  # as botocore's parser shapes an error
            parsed = {"Error": {"Code": str(parsed.get("__type", "")).rsplit("#", 1)[-1],
                                "Message": parsed.get("message", parsed.get("Message", ""))}}
        _events().emit(f"after-call.{self.event}", http_response=response, parsed=parsed, model=self.operation,
                       context=self.context)


@functools.cache
def _json_services() -> dict[str, Any]:
    """botocore's service models of the JSON-protocol services the kit follows, by event name (``sqs``)."""
    import botocore.session
    session = botocore.session.get_session()
    models = (session.get_service_model(name) for name in FOLLOWED_SERVICES)
    return {model.service_id.hyphenize(): model for model in models if model.protocol == "json"}


def _send_locally(request: AWSPreparedRequest) -> Any:
    """Endpoint mode: a request for a server on this machine (LocalStack, a moto server) is sent to it."""
    from botocore.httpsession import URLLib3Session
    return URLLib3Session().send(request)
