"""Answering an AWS request in this process, before it would leave it.

Just before botocore sends an HTTP request it emits ``before-send.SERVICE.OPERATION``; a handler
that returns a response there stands in for the network (moto's own stubber works this way). The
kit's hooks use it to serve the Lambda API from the local runtime and to refuse requests AWS would
refuse. They answer only while a local cloud runs: :func:`activate` and :func:`deactivate` keep the
stack of running clouds, and the most recently started one answers.
"""

from __future__ import annotations

from typing import Any, Callable

from botocore.awsrequest import AWSResponse

_active: list[Any] = []


def activate(cloud: Any) -> None:
    """Let ``cloud`` answer this process's intercepted requests (the most recently started wins)."""
    _active.append(cloud)


def deactivate(cloud: Any) -> None:
    if cloud in _active:
        _active.remove(cloud)


def active_cloud() -> Any | None:
    """The local cloud that answers this process's boto3 calls now, if one runs."""
    return _active[-1] if _active else None


class _RawBody:
    """The minimal file-like body botocore's response parser reads."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **kwargs):
        yield self._data

    def read(self, *args) -> bytes:
        data, self._data = self._data, b""
        return data


def stub_response(request, status: int, body: bytes = b"", headers: dict | None = None) -> AWSResponse:
    """The HTTP response a ``before-send`` hook gives botocore instead of sending ``request``."""
    all_headers = {"Content-Type": "application/json", "x-amzn-RequestId": "local", **(headers or {})}
    response = AWSResponse(request.url, status, all_headers, _RawBody(body))
    response._content = body
    return response


# -- who answers: moto's stubber stands aside for these --------------------------------------------

_answerers: list[Callable[[str], bool]] = []


def answers(predicate: Callable[[str], bool]) -> None:
    """Declare that the kit answers the ``before-send`` events for which ``predicate(event_name)`` is true."""
    _answerers.append(predicate)


def refuse(request) -> None:
    """Mark ``request`` as refused by the kit: its error response stands, nobody else answers it."""
    request.refused_by_the_local_cloud = True


def answered_here(event_name: str, request) -> bool:
    """Whether the kit answers (or refused) this request, so that moto need not compute an answer."""
    return getattr(request, "refused_by_the_local_cloud", False) or any(answer(event_name) for answer in _answerers)
