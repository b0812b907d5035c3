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

    def __repr__(self) -> str:  # awslambdaric's Client.__repr__
        return "Client([" + ",".join(f"{name}={getattr(self, name)}" for name in self.__slots__) + "])"


class ClientContext:
    """``context.client_context``: set only when the caller passed a ClientContext (else None)."""

    __slots__ = ("custom", "env", "client")

    def __init__(self, values: dict) -> None:
        self.custom = values.get("custom")
        self.env = values.get("env")
        self.client = Client(values["client"]) if values.get("client") is not None else None

    def __repr__(self) -> str:  # awslambdaric's ClientContext.__repr__
        return f"ClientContext([custom={self.custom},env={self.env},client={self.client}])"


# The W3C trace-context fields a caller may pass in ClientContext's "w3c" member (awslambdaric's allowlist).
W3C_FIELDS = ("traceparent", "tracestate", "baggage")


def _take_w3c(client_context: dict | None) -> tuple[dict | None, dict[str, str]]:
    """Split ClientContext's ``w3c`` member off, as awslambdaric does: ``context.w3c()`` gets its
    string fields, ``context.client_context`` never sees it."""
    if not isinstance(client_context, dict) or "w3c" not in client_context:
        return client_context, {}
    rest = {key: value for key, value in client_context.items() if key != "w3c"}
    raw = client_context["w3c"]
    if not isinstance(raw, dict):
        return rest, {}
    return rest, {key: raw[key] for key in W3C_FIELDS if isinstance(raw.get(key), str)}


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
        self.tenant_id = tenant_id  # the tenant a multi-tenant function was invoked for (TenantId), else None
        client_context, self._w3c_fields = _take_w3c(client_context)
        self.client_context = ClientContext(client_context) if client_context is not None else None
        identity = identity or {}
        self.identity = CognitoIdentity(identity.get("cognitoIdentityId"), identity.get("cognitoIdentityPoolId"))
        self._budget = budget
        self._log_writer = log_writer

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function times out (never negative)."""
        return max(0, int(self._budget.remaining() * 1000))

    def w3c(self) -> dict[str, str]:
        """The W3C trace context (traceparent, tracestate, baggage) the caller passed, as a new dict."""
        return dict(self._w3c_fields)

    def log(self, message: str) -> None:
        """Write ``message`` to the function's log as one CloudWatch event (one line), like awslambdaric."""
        if self._log_writer is not None:
            self._log_writer(str(message))

    def __repr__(self) -> str:
        return (f"LambdaContext([aws_request_id={self.aws_request_id},log_group_name={self.log_group_name},"
                f"log_stream_name={self.log_stream_name},function_name={self.function_name},"
                f"memory_limit_in_mb={self.memory_limit_in_mb},function_version={self.function_version},"
                f"invoked_function_arn={self.invoked_function_arn},client_context={self.client_context},"
                f"identity={self.identity},tenant_id={self.tenant_id}])")  # awslambdaric 4.2's repr
