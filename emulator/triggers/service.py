"""What a trigger needs of the Lambda service it feeds: the functions, their concurrency, and a way to run one.

A trigger (a schedule, a queue's poller, the asynchronous event queue) never holds the local cloud
itself: it is given an object with the few members below, and the local cloud is such an object.
That keeps every trigger readable on its own, and testable with a stand-in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from ..runtime import Function, Invocation
from .clock import VirtualClock
from .concurrency import ConcurrencyModel


class LambdaService(Protocol):
    """The functions of one account, their concurrency, and running an invocation now."""

    region: str
    account_id: str
    clock: VirtualClock
    functions: dict[str, Function]
    concurrency: ConcurrencyModel

    def run(self, function: Function, payload: bytes, trigger: str, *, request_id: str | None = None,
            client_context: dict | None = None, start: datetime | None = None,
            trace_header: str | None = None) -> Invocation: ...

    def function(self, name_or_arn: str) -> Function: ...

    def function_arn(self, name: str) -> str: ...

    def invoke(self, name: str, event: Any = None, invocation_type: str = "RequestResponse", *,
               trigger: str = "invoke", client_context: dict | None = None) -> Invocation | None: ...

    def client(self, service: str) -> Any: ...
