"""Authorizers: who may call a route, decided by API Gateway before your function runs.

Two kinds are emulated, the two a Cognito-backed course API uses:

**JWT authorizer (HTTP APIs).** The caller sends a token, usually ``Authorization: Bearer <jwt>``.
API Gateway checks its signature, issuer, audience and expiry (see :mod:`emulator.tokens`) and, if the
route lists scopes, that the token has one of them. A missing or invalid token gets ``401
{"message":"Unauthorized"}``, a missing scope ``403 {"message":"Forbidden"}``. A valid token's claims
reach the function in ``requestContext.authorizer.jwt.claims`` (every value as a string, as API
Gateway sends them) and its scopes in ``requestContext.authorizer.jwt.scopes``.

**Lambda authorizer (REST APIs).** API Gateway calls *your* authorizer function first:

- a ``TOKEN`` authorizer gets ``{"type": "TOKEN", "authorizationToken": ..., "methodArn": ...}``
  with the value of one header (``Authorization`` by default);
- a ``REQUEST`` authorizer gets the request itself (headers, query string, path, ...) plus
  ``"type": "REQUEST"`` and ``"methodArn"``.

It answers with an IAM policy: ``{"principalId": "user-1", "policyDocument": {"Version":
"2012-10-17", "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource":
"arn:aws:execute-api:us-east-1:123456789012:abc123/Prod/GET/items/*"}]}, "context": {...}}``.
API Gateway evaluates the policy for ``execute-api:Invoke`` on the request's *method ARN*
(``arn:aws:execute-api:REGION:ACCOUNT:API_ID/STAGE/METHOD/PATH``, wildcards ``*`` and ``?``
allowed): an explicit ``Deny`` wins, then an ``Allow``; no match is an implicit deny. The outcomes:

- identity source missing or empty: ``401 {"message":"Unauthorized"}`` (the function is not called);
- the authorizer raised ``Exception("Unauthorized")``: ``401 {"message":"Unauthorized"}``;
- the policy denies explicitly: ``403 {"Message":"User is not authorized to access this resource
  with an explicit deny"}``;
- the policy does not allow: ``403 {"Message":"User is not authorized to access this resource"}``;
- the authorizer failed, or returned a bad answer: ``500 {"message": null}``;
- the policy allows: your function runs.

When the request is allowed, ``principalId`` and the ``context`` values (as strings) reach the
function in ``requestContext.authorizer``.

Not faithful: API Gateway caches a Lambda authorizer's policy for 300 seconds by default (per
identity source value); here the authorizer runs on every request.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable

from .runtime import Invocation, LambdaServiceError
from .tokens import InvalidToken, verify_token

POLICY_ACTION = "execute-api:Invoke"
EXPLICIT_DENY = "User is not authorized to access this resource with an explicit deny"
IMPLICIT_DENY = "User is not authorized to access this resource"
# The parts of a REST request that a REQUEST authorizer receives (with "type" and "methodArn").
REQUEST_AUTHORIZER_KEYS = ("resource", "path", "httpMethod", "headers", "multiValueHeaders",
                           "queryStringParameters", "multiValueQueryStringParameters", "pathParameters",
                           "stageVariables", "requestContext")


class Rejected(Exception):
    """API Gateway refuses the request itself: ``status`` and JSON ``body`` for the client,
    ``error_type`` for the ``x-amzn-ErrorType`` header, and ``reason`` for the server log."""

    def __init__(self, status: int, body: dict, error_type: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.body = body
        self.error_type = error_type
        self.reason = reason


def unauthorized(reason: str) -> Rejected:
    return Rejected(401, {"message": "Unauthorized"}, "UnauthorizedException", reason)


def configuration_error(reason: str) -> Rejected:
    return Rejected(500, {"message": None}, "AuthorizerConfigurationException", reason)


# -- identity sources ------------------------------------------------------------------------------

def _lookup(mapping: dict | None, name: str, case_insensitive: bool = False) -> str | None:
    if not mapping:
        return None
    if case_insensitive:
        return next((value for key, value in mapping.items() if key.lower() == name.lower()), None)
    return mapping.get(name)


def http_identity(source: str, event: dict) -> str | None:
    """The value of an HTTP API identity source (``$request.header.X``, ``$request.querystring.X``)."""
    kind, _, name = source.removeprefix("$request.").partition(".")
    if kind == "header":
        return _lookup(event.get("headers"), name.lower())
    return _lookup(event.get("queryStringParameters"), name)


def rest_identity(source: str, event: dict) -> str | None:
    """The value of a REST identity source (``method.request.header.X``, ``...querystring.X``,
    ``stageVariables.X``, ``context.X``) in a payload 1.0 event."""
    if source.startswith("method.request.header."):
        return _lookup(event.get("headers"), source.removeprefix("method.request.header."), case_insensitive=True)
    if source.startswith("method.request.querystring."):
        return _lookup(event.get("queryStringParameters"), source.removeprefix("method.request.querystring."))
    if source.startswith("stageVariables."):
        return _lookup(event.get("stageVariables"), source.removeprefix("stageVariables."))
    value = _lookup(event.get("requestContext"), source.removeprefix("context."))
    return value if isinstance(value, str) else None


def _check_sources(sources: Iterable[str], prefixes: tuple[str, ...], example: str) -> tuple[str, ...]:
    sources = (sources,) if isinstance(sources, str) else tuple(sources)
    if not sources:
        raise ValueError(f"an authorizer needs at least one identity source, such as {example!r}")
    for source in sources:
        if not source.startswith(prefixes) or source.endswith("."):
            raise ValueError(f"identity source {source!r} is not supported: use one starting with "
                             f"{' or '.join(prefixes)}, such as {example!r}")
    return sources


# -- JWT authorizers (HTTP APIs) -------------------------------------------------------------------

@dataclass(frozen=True)
class JwtAuthorizer:
    """An HTTP API JWT authorizer: tokens from ``issuer`` for one of the ``audience`` values."""

    name: str
    issuer: str
    audience: tuple[str, ...]
    identity_source: str = "$request.header.Authorization"
    api = "http"

    def __post_init__(self) -> None:
        audience = (self.audience,) if isinstance(self.audience, str) else tuple(self.audience)
        if not self.issuer or not audience:
            raise ValueError(f"JWT authorizer {self.name!r} needs an issuer and at least one audience "
                             f"(SAM: JwtConfiguration.issuer and JwtConfiguration.audience)")
        object.__setattr__(self, "audience", audience)
        (source,) = _check_sources(self.identity_source, ("$request.header.", "$request.querystring."),
                                   "$request.header.Authorization")
        object.__setattr__(self, "identity_source", source)

    def authorize(self, event: dict, scopes: tuple[str, ...], now: datetime) -> dict:
        """The ``requestContext.authorizer`` of an allowed request; raises :class:`Rejected` otherwise."""
        token = http_identity(self.identity_source, event)
        if not token:
            raise unauthorized(f"JWT authorizer {self.name}: no token in {self.identity_source}")
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()  # the identity source may hold the token or "Bearer <token>"
        try:
            claims = verify_token(token, issuer=self.issuer, audience=self.audience, now=now)
        except InvalidToken as error:
            raise unauthorized(f"JWT authorizer {self.name}: {error}") from None
        granted = token_scopes(claims)
        if scopes and not set(scopes) & set(granted):
            raise Rejected(403, {"message": "Forbidden"}, "AccessDeniedException",
                           f"JWT authorizer {self.name}: the token's scopes {granted} include none of "
                           f"the route's {list(scopes)}")
        return {"jwt": {"claims": {name: claim_text(value) for name, value in claims.items()},
                        "scopes": granted or None}}


def token_scopes(claims: dict) -> list[str]:
    """The scopes of a token: ``scope`` (space-separated, OAuth 2.0) or ``scp`` (a list or a string)."""
    value = claims.get("scope", claims.get("scp", []))
    return value.split() if isinstance(value, str) else [str(item) for item in value]


def claim_text(value: Any) -> str:
    """A claim as HTTP APIs pass it: always text; a list is written ``[a b c]``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(claim_text(item) for item in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


# -- Lambda authorizers (REST APIs) ----------------------------------------------------------------

@dataclass(frozen=True)
class LambdaAuthorizer:
    """A REST API Lambda authorizer: ``function`` decides, given a token (TOKEN) or the request (REQUEST)."""

    name: str
    function: str
    type: str = "TOKEN"
    identity_source: str | tuple[str, ...] = "method.request.header.Authorization"
    validation_expression: str | None = None
    api = "rest"

    def __post_init__(self) -> None:
        kind = str(self.type).upper()
        if kind not in ("TOKEN", "REQUEST"):
            raise ValueError(f"Lambda authorizer {self.name!r}: type {self.type!r} is not 'TOKEN' or 'REQUEST'")
        object.__setattr__(self, "type", kind)
        prefixes = ("method.request.header.",) if kind == "TOKEN" else (
            "method.request.header.", "method.request.querystring.", "stageVariables.", "context.")
        sources = _check_sources(self.identity_source, prefixes, "method.request.header.Authorization")
        if kind == "TOKEN" and len(sources) != 1:
            raise ValueError(f"TOKEN authorizer {self.name!r} reads exactly one header, got {list(sources)}")
        object.__setattr__(self, "identity_source", sources)

    def authorize(self, event: dict, method_arn: str, invoke: Callable[[str, dict], Invocation]) -> dict:
        """The ``requestContext.authorizer`` of an allowed request; raises :class:`Rejected` otherwise.

        ``event`` is the request's payload 1.0 event; ``invoke(function, event)`` runs the authorizer.
        """
        values = [rest_identity(source, event) for source in self.identity_source]
        missing = [source for source, value in zip(self.identity_source, values) if not value]
        if missing:
            raise unauthorized(f"Lambda authorizer {self.name}: missing identity source {', '.join(missing)}")
        if self.type == "TOKEN":
            token = values[0]
            if self.validation_expression and not re.fullmatch(self.validation_expression, token):
                raise unauthorized(f"Lambda authorizer {self.name}: the token does not match "
                                   f"the validation expression {self.validation_expression!r}")
            request = {"type": "TOKEN", "authorizationToken": token, "methodArn": method_arn}
        else:
            request = {"type": "REQUEST", "methodArn": method_arn,
                       **{key: event.get(key) for key in REQUEST_AUTHORIZER_KEYS}}
        output, latency_ms = self._call(request, invoke)
        principal, policy, context = read_authorizer_output(output, self.name)
        outcome = evaluate_policy(policy, method_arn)
        if outcome != "Allow":
            message = EXPLICIT_DENY if outcome == "Deny" else IMPLICIT_DENY
            # API Gateway really spells this key "Message", unlike its other error bodies.
            raise Rejected(403, {"Message": message}, "AccessDeniedException",
                           f"Lambda authorizer {self.name}: the policy for {principal!r} "
                           f"{'denies' if outcome == 'Deny' else 'does not allow'} {method_arn}")
        return {"principalId": principal, "integrationLatency": latency_ms, **context}

    def _call(self, request: dict, invoke: Callable[[str, dict], Invocation]) -> tuple[Any, int]:
        try:
            invocation = invoke(self.function, request)
        except LambdaServiceError as error:
            raise configuration_error(
                f"Lambda authorizer {self.name}: cannot invoke {self.function}: {error}") from None
        if invocation.error is not None:
            if invocation.error["errorMessage"] == "Unauthorized":
                # The one error message API Gateway understands: the caller is not authenticated.
                raise unauthorized(f"Lambda authorizer {self.name}: the function raised 'Unauthorized'")
            raise configuration_error(
                f"Lambda authorizer {self.name}: function {self.function} failed with "
                f"{invocation.error['errorType']}: {invocation.error['errorMessage']} (see its logs)")
        return invocation.payload, round(invocation.duration_ms)


def read_authorizer_output(output: Any, name: str) -> tuple[str, dict, dict[str, str]]:
    """``principalId``, ``policyDocument`` and ``context`` (values as strings) of an authorizer's answer."""
    def bad(problem: str) -> Rejected:
        return configuration_error(f"Lambda authorizer {name} returned an invalid answer: {problem}")

    if not isinstance(output, dict):
        raise bad(f"expected a dict with principalId and policyDocument, got {type(output).__name__}")
    principal = output.get("principalId")
    if not isinstance(principal, str) or not principal:
        raise bad("principalId is missing or not a string")
    policy = output.get("policyDocument")
    if not isinstance(policy, dict) or not isinstance(policy.get("Statement"), (list, dict)):
        raise bad("policyDocument must be a dict with a Statement list")
    context = output.get("context") or {}
    if not isinstance(context, dict):
        raise bad("context must be a dict")
    text: dict[str, str] = {}
    for key, value in context.items():
        if isinstance(value, (dict, list)) or value is None:
            raise bad(f"context value {key!r} must be a string, number or boolean, not {json.dumps(value)}")
        text[key] = claim_text(value)  # API Gateway passes context values as strings
    for statement in _statements(policy):
        if not isinstance(statement, dict) or statement.get("Effect") not in ("Allow", "Deny"):
            raise bad(f"each Statement needs Effect 'Allow' or 'Deny': {json.dumps(statement)}")
        if "Action" not in statement or "Resource" not in statement:
            raise bad(f"each Statement needs Action and Resource: {json.dumps(statement)}")
    return principal, policy, text


def _statements(policy: dict) -> list:
    statements = policy["Statement"]
    return [statements] if isinstance(statements, dict) else statements


def evaluate_policy(policy: dict, method_arn: str) -> str | None:
    """``"Deny"`` if a statement denies ``execute-api:Invoke`` on ``method_arn``, else ``"Allow"`` if
    one allows it, else None (an implicit deny), as IAM evaluates policies."""
    effects = set()
    for statement in _statements(policy):
        actions = _listed(statement["Action"])
        resources = _listed(statement["Resource"])
        # IAM: action names ignore case, resource ARNs do not; both accept * and ? wildcards.
        if any(_wildcard(action, POLICY_ACTION, ignore_case=True) for action in actions) and \
                any(_wildcard(resource, method_arn) for resource in resources):
            effects.add(statement["Effect"])
    if "Deny" in effects:
        return "Deny"
    return "Allow" if "Allow" in effects else None


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [str(item) for item in value]


def _wildcard(pattern: str, text: str, ignore_case: bool = False) -> bool:
    """IAM wildcard matching: ``*`` any run of characters (slashes included), ``?`` one character."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.fullmatch(regex, text, flags) is not None


def method_arn(region: str, account_id: str, api_id: str, stage: str, method: str, path: str) -> str:
    """The ARN a Lambda authorizer's policy is evaluated against: ``.../STAGE/METHOD/path/without/slash``."""
    return f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}/{method}/{path.lstrip('/')}"
