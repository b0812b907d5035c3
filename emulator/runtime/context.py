"""The ``context`` object, the second argument of every handler.

It mirrors ``LambdaContext`` of the AWS Python runtime (awslambdaric): the same attributes, the same
``get_remaining_time_in_millis()`` and ``log()``, and the same ``identity`` / ``client_context``
objects. The remaining time counts the real time your code ran plus the time it slept (see
``timeouts.py``), because the virtual clock stands still while your code runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from .timeouts import TimeBudget


class CognitoIdentity:
    """``context.identity``: who called, when the caller used Amazon Cognito (else both None)."""

    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, cognito_identity_id: str | None = None, cognito_identity_pool_id: str | None = None) -> None:
        self.cognito_identity_id = cognito_identity_id
        self.cognito_identity_pool_id = cognito_identity_pool_id

    def __repr__(self) -> str:
        return (f"CognitoIdentity([cognito_identity_id={self.cognito_identity_id},"
                f"cognito_identity_pool_id={self.cognito_identity_pool_id}])")


class Client:
    """``context.client_context.client``: the mobile app that called, if it said so."""

    __slots__ = ("installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name")

    def __init__(self, values: dict | None = None) -> None:
        for name in self.__slots__:
            setattr(self, name, (values or {}).get(name))


class ClientContext:
    """``context.client_context``: set only when the caller passed a ClientContext (else None)."""

    __slots__ = ("custom", "env", "client")

    def __init__(self, values: dict) -> None:
        self.custom = values.get("custom")
        self.env = values.get("env")
        self.client = Client(values["client"]) if values.get("client") is not None else None


class LambdaContext:
    """What the runtime tells a handler about the invocation and the function."""

    def __init__(
        self,
        *,
        aws_request_id: str,
        function_name: str,
        function_version: str,
        invoked_function_arn: str,
        memory_limit_in_mb: int,
        log_group_name: str,
        log_stream_name: str,
        budget: "TimeBudget",
        client_context: dict | None = None,
        identity: dict | None = None,
        log_writer: Callable[[str], Any] | None = None,
        tenant_id: str | None = None,
    ) -> None:
        self.aws_request_id = aws_request_id
        self.function_name = function_name
        self.function_version = function_version
        self.invoked_function_arn = invoked_function_arn
        # The AWS runtime reads this from AWS_LAMBDA_FUNCTION_MEMORY_SIZE, so it is a string there too.
        self.memory_limit_in_mb = str(memory_limit_in_mb)
        self.log_group_name = log_group_name
        self.log_stream_name = log_stream_name
        self.tenant_id = tenant_id
        self.client_context = ClientContext(client_context) if client_context is not None else None
        identity = identity or {}
        self.identity = CognitoIdentity(identity.get("cognitoIdentityId"), identity.get("cognitoIdentityPoolId"))
        self._budget = budget
        self._log_writer = log_writer

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function times out (never negative)."""
        return max(0, int(self._budget.remaining() * 1000))

    def log(self, message: str) -> None:
        """Write ``message`` to the function's log as is (no newline added), like the AWS runtime."""
        if self._log_writer is not None:
            self._log_writer(str(message))

    def __repr__(self) -> str:
        return (f"LambdaContext([aws_request_id={self.aws_request_id},log_group_name={self.log_group_name},"
                f"log_stream_name={self.log_stream_name},function_name={self.function_name},"
                f"memory_limit_in_mb={self.memory_limit_in_mb},function_version={self.function_version},"
                f"invoked_function_arn={self.invoked_function_arn},client_context={self.client_context},"
                f"identity={self.identity}])")
