"""Authorizers: who may call a route, decided by API Gateway before your function runs.

Three kinds are emulated:

**JWT authorizer (HTTP APIs).** The caller sends a token, usually ``Authorization: Bearer <jwt>``.
API Gateway checks its signature, issuer, audience and expiry (see :mod:`emulator.gateway.tokens`) and, if the
route lists scopes, that the token has one of them. A missing or invalid token gets ``401
{"message":"Unauthorized"}``, a missing scope ``403 {"message":"Forbidden"}``. A valid token's claims
reach the function in ``requestContext.authorizer.jwt.claims`` (every value as a string, as API
Gateway sends them) and its scopes in ``requestContext.authorizer.jwt.scopes``.

The issuer's key set is the kit's local key (:func:`emulator.gateway.tokens.mint_token`) plus, for
the issuer of a local Cognito user pool (moto's), that pool's keys: its tokens pass unchanged.

**Lambda authorizer (HTTP APIs)**, :class:`HttpLambdaAuthorizer`: your function gets the request
(payload format 2.0) and answers ``{"isAuthorized": true, "context": {...}}`` (a *simple response*)
or an IAM policy. Not authorized is ``403 {"message":"Forbidden"}``; the context reaches the function
in ``requestContext.authorizer.lambda``. Answers are cached by identity source values, as below.

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

**The authorizer's answer is cached.** API Gateway keeps a Lambda authorizer's answer for
``result_ttl`` seconds (``authorizerResultTtlInSeconds``, SAM ``Identity.ReauthorizeEvery``: 300 by
default, 3600 at most, 0 turns caching off), keyed by the identity source values: the token for a
``TOKEN`` authorizer, all the identity sources together for a ``REQUEST`` authorizer (which therefore
needs at least one while caching is on). Within that time, a request with the same values does not
call your function at all: API Gateway evaluates the *cached* policy against the *new* request's
method ARN. Time is the cloud's virtual clock, so ``cloud.advance(seconds=300)`` expires every answer.

This is the classic Lambda authorizer surprise. An authorizer that allows exactly the ``methodArn``
it was asked about works for the first request, and then, for five minutes, the same token gets
``403 User is not authorized to access this resource`` on every *other* route: the cached policy
names only the first one, and your function is not even called (its log shows nothing). Return a
policy that covers every method the caller may use (``.../Prod/*`` or ``.../Prod/GET/items/*``), or
set ``result_ttl=0``. A cached ``Deny`` is just as sticky; only a policy is cached, so a token the
authorizer rejected with ``Unauthorized``, or a failure, is tried again on the next request. With
caching off, a ``REQUEST`` authorizer may have no identity source at all: it then sees every request.

Not faithful, as far as we know: on a cache hit, ``requestContext.authorizer.integrationLatency``
repeats the latency of the call that filled the cache (we found no AWS statement of what it is then).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable

from ..runtime import Invocation, LambdaServiceError
from .tokens import InvalidToken, verify_token

POLICY_ACTION = "execute-api:Invoke"
EXPLICIT_DENY = "User is not authorized to access this resource with an explicit deny"
IMPLICIT_DENY = "User is not authorized to access this resource"
# API Gateway's authorizerResultTtlInSeconds: 300 s unless set (SAM's ReauthorizeEvery too), 3600 s at most.
DEFAULT_RESULT_TTL = 300
MAX_RESULT_TTL = 3600
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

    def authorize(self, event: dict, scopes: tuple[str, ...], now: datetime,
                  issuer_keys: Iterable[dict] = ()) -> dict:
        """The ``requestContext.authorizer`` of an allowed request; raises :class:`Rejected` otherwise.

        ``issuer_keys`` are the public keys the issuer publishes (a local user pool's), besides the kit's own.
        """
        token = http_identity(self.identity_source, event)
        if not token:
            raise unauthorized(f"JWT authorizer {self.name}: no token in {self.identity_source}")
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()  # the identity source may hold the token or "Bearer <token>"
        try:
            claims = verify_token(token, issuer=self.issuer, audience=self.audience, now=now, issuer_keys=issuer_keys)
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
class AuthorizerAnswer:
    """What a Lambda authorizer function answered: the principal, its policy and its context.

    ``latency_ms`` is how long the function ran; ``cached`` says whether this request got the answer
    from the cache instead of calling the function.
    """

    principal: str
    policy: dict
    context: dict[str, str]
    latency_ms: int
    cached: bool = False


class AuthorizerCache:
    """A Lambda authorizer's answers, by identity source values, each kept for ``ttl`` seconds.

    With ``ttl`` 0 nothing is kept, as API Gateway does when caching is turned off.
    """

    def __init__(self, ttl: int) -> None:
        self.ttl = timedelta(seconds=ttl)
        self._entries: dict[tuple[str, ...], tuple[Any, datetime]] = {}

    def get(self, key: tuple[str, ...], now: datetime) -> Any:
        """The answer kept for ``key``, if it has not expired by ``now``."""
        entry = self._entries.get(key)
        if entry is None or now >= entry[1]:
            return None
        return entry[0]

    def put(self, key: tuple[str, ...], answer: Any, now: datetime) -> None:
        """Keep ``answer`` (an :class:`AuthorizerAnswer` or a :class:`SimpleAnswer`) for ``key`` until
        ``now + ttl``, dropping answers that have expired."""
        if not self.ttl:
            return
        self._entries = {kept: entry for kept, entry in self._entries.items() if now < entry[1]}
        self._entries[key] = (replace(answer, cached=True), now + self.ttl)


@dataclass(frozen=True)
class LambdaAuthorizer:
    """A REST API Lambda authorizer: ``function`` decides, given a token (TOKEN) or the request (REQUEST).

    Its answers are cached for ``result_ttl`` seconds (0 to 3600, 0 turns caching off) by identity
    source values.
    """

    name: str
    function: str
    type: str = "TOKEN"
    identity_source: str | tuple[str, ...] = "method.request.header.Authorization"
    validation_expression: str | None = None
    result_ttl: int = DEFAULT_RESULT_TTL
    cache: AuthorizerCache = field(init=False, repr=False, compare=False)
    api = "rest"

    def __post_init__(self) -> None:
        kind = str(self.type).upper()
        if kind not in ("TOKEN", "REQUEST"):
            raise ValueError(f"Lambda authorizer {self.name!r}: type {self.type!r} is not 'TOKEN' or 'REQUEST'")
        object.__setattr__(self, "type", kind)
        ttl = self.result_ttl
        if isinstance(ttl, bool) or not isinstance(ttl, int) or not 0 <= ttl <= MAX_RESULT_TTL:
            raise ValueError(f"Lambda authorizer {self.name!r}: result_ttl (SAM: Identity.ReauthorizeEvery) must be "
                             f"a whole number of seconds from 0 (no caching) to {MAX_RESULT_TTL}, got {ttl!r}")
        object.__setattr__(self, "identity_source", self._sources(kind))
        object.__setattr__(self, "cache", AuthorizerCache(ttl))

    def _sources(self, kind: str) -> tuple[str, ...]:
        sources = self.identity_source
        if kind == "REQUEST" and not sources:
            # API Gateway: a REQUEST authorizer needs identity sources only when caching is on (its cache key).
            if self.result_ttl:
                raise ValueError(f"REQUEST authorizer {self.name!r} caches its answers for {self.result_ttl} s by "
                                 f"its identity sources, so it needs at least one, such as "
                                 f"'method.request.header.Authorization' (SAM: Identity.Headers); or set "
                                 f"result_ttl=0 (SAM: Identity.ReauthorizeEvery: 0) to call it on every request")
            return ()
        prefixes = ("method.request.header.",) if kind == "TOKEN" else (
            "method.request.header.", "method.request.querystring.", "stageVariables.", "context.")
        sources = _check_sources(sources, prefixes, "method.request.header.Authorization")
        if kind == "TOKEN" and len(sources) != 1:
            raise ValueError(f"TOKEN authorizer {self.name!r} reads exactly one header, got {list(sources)}")
        return sources

    def authorize(self, event: dict, method_arn: str, invoke: Callable[[str, dict], Invocation],
                  now: datetime) -> dict:
        """The ``requestContext.authorizer`` of an allowed request; raises :class:`Rejected` otherwise.

        ``event`` is the request's payload 1.0 event; ``invoke(function, event)`` runs the authorizer
        (unless an answer for the same identity is cached); ``now`` is the time on the cloud's clock.
        """
        values = self._identity(event)
        answer = self.cache.get(values, now)  # API Gateway keys the cache by the identity source values
        if answer is None:
            answer = self._call(self._request(event, values, method_arn), invoke)
            # AWS caches "a valid policy", Allow or Deny alike. An "Unauthorized" or a failure has raised
            # by now and is not cached: we found no AWS statement that those are cached.
            self.cache.put(values, answer, now)
        # A cached policy is evaluated against this request's method ARN, as API Gateway does.
        outcome = evaluate_policy(answer.policy, method_arn)
        if outcome != "Allow":
            message = EXPLICIT_DENY if outcome == "Deny" else IMPLICIT_DENY
            hint = (f" (a cached answer: {self.function} was not called; return a policy for every route "
                    f"the caller may use, or set result_ttl=0)") if answer.cached else ""
            # API Gateway really spells this key "Message", unlike its other error bodies.
            raise Rejected(403, {"Message": message}, "AccessDeniedException",
                           f"Lambda authorizer {self.name}: the policy for {answer.principal!r} "
                           f"{'denies' if outcome == 'Deny' else 'does not allow'} {method_arn}{hint}")
        # On a cache hit this is the latency of the call that filled the cache: we found no AWS
        # statement of what API Gateway sends then.
        return {"principalId": answer.principal, "integrationLatency": answer.latency_ms, **answer.context}

    def _identity(self, event: dict) -> tuple[str, ...]:
        """The identity source values (the cache key); 401 if one is missing or the token is malformed."""
        values = tuple(rest_identity(source, event) or "" for source in self.identity_source)
        missing = [source for source, value in zip(self.identity_source, values) if not value]
        if missing:
            raise unauthorized(f"Lambda authorizer {self.name}: missing identity source {', '.join(missing)}")
        if self.type == "TOKEN" and self.validation_expression and \
                not re.fullmatch(self.validation_expression, values[0]):
            raise unauthorized(f"Lambda authorizer {self.name}: the token does not match "
                               f"the validation expression {self.validation_expression!r}")
        return values

    def _request(self, event: dict, values: tuple[str, ...], method_arn: str) -> dict:
        """The event the authorizer function gets."""
        if self.type == "TOKEN":
            return {"type": "TOKEN", "authorizationToken": values[0], "methodArn": method_arn}
        return {"type": "REQUEST", "methodArn": method_arn, **{key: event.get(key) for key in REQUEST_AUTHORIZER_KEYS}}

    def _call(self, request: dict, invoke: Callable[[str, dict], Invocation]) -> AuthorizerAnswer:
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
        principal, policy, context = read_authorizer_output(invocation.payload, self.name)
        return AuthorizerAnswer(principal, policy, context, round(invocation.duration_ms))


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


# -- Lambda authorizers (HTTP APIs) ----------------------------------------------------------------

def http_failure(reason: str) -> Rejected:
    """An HTTP API authorizer that failed: the client sees only the HTTP API's generic 500."""
    return Rejected(500, {"message": "Internal Server Error"}, "AuthorizerConfigurationException", reason)


@dataclass(frozen=True)
class SimpleAnswer:
    """A simple response of an HTTP API Lambda authorizer: ``isAuthorized`` and its ``context``."""

    authorized: bool
    context: dict[str, Any]
    cached: bool = False


@dataclass(frozen=True)
class HttpLambdaAuthorizer:
    """An HTTP API Lambda authorizer (payload format 2.0): ``function`` decides, given the request.

    It gets ``{"version": "2.0", "type": "REQUEST", "routeArn": ..., "identitySource": [values],
    "routeKey", "rawPath", "headers", "queryStringParameters", "requestContext", ...}``. With
    ``simple_responses`` it answers ``{"isAuthorized": True or False, "context": {...}}``; without, an
    IAM policy as a REST authorizer does, evaluated against the ``routeArn``. Allowed, the ``context``
    reaches the function in ``requestContext.authorizer.lambda``; not allowed, the client gets ``403
    {"message":"Forbidden"}``; an identity source missing or empty, ``401 {"message":"Unauthorized"}``
    without calling ``function``; an authorizer that fails or answers something else, ``500
    {"message":"Internal Server Error"}``.

    Answers are cached for ``result_ttl`` seconds (0 to 3600, 0 turns caching off; 300 unless set, the
    default of the API Gateway console and of the CDK) by identity source values. A cached simple response
    holds for every route the authorizer protects; a cached policy is evaluated against each new route ARN.
    """

    name: str
    function: str
    identity_source: tuple[str, ...] = ("$request.header.Authorization",)
    simple_responses: bool = False
    result_ttl: int = DEFAULT_RESULT_TTL
    cache: AuthorizerCache = field(init=False, repr=False, compare=False)
    api = "http"

    def __post_init__(self) -> None:
        ttl = self.result_ttl
        if isinstance(ttl, bool) or not isinstance(ttl, int) or not 0 <= ttl <= MAX_RESULT_TTL:
            raise ValueError(f"Lambda authorizer {self.name!r}: result_ttl (SAM: Identity.ReauthorizeEvery) must be "
                             f"a whole number of seconds from 0 (no caching) to {MAX_RESULT_TTL}, got {ttl!r}")
        sources = (self.identity_source,) if isinstance(self.identity_source, str) else tuple(self.identity_source)
        # API Gateway: identity sources are optional for a Lambda authorizer, but with caching on they are its cache key.
        if sources or ttl:
            sources = _check_sources(sources, ("$request.header.", "$request.querystring."),
                                     "$request.header.Authorization")
        object.__setattr__(self, "identity_source", sources)
        object.__setattr__(self, "cache", AuthorizerCache(ttl))

    def authorize(self, event: dict, route_arn: str, invoke: Callable[[str, dict], Invocation],
                  now: datetime) -> dict:
        """The ``requestContext.authorizer`` of an allowed request; raises :class:`Rejected` otherwise.

        ``event`` is the request's payload 2.0 event; ``invoke(function, event)`` runs the authorizer
        (unless an answer for the same identity is cached); ``now`` is the time on the cloud's clock.
        """
        values = tuple(http_identity(source, event) or "" for source in self.identity_source)
        missing = [source for source, value in zip(self.identity_source, values) if not value]
        if missing:
            raise unauthorized(f"Lambda authorizer {self.name}: missing identity source {', '.join(missing)}")
        answer = self.cache.get(values, now)
        if answer is None:
            answer = self._call(self._request(event, values, route_arn), invoke)
            self.cache.put(values, answer, now)
        if isinstance(answer, SimpleAnswer):  # AWS: a cached simple response applies to every route of the authorizer
            allowed, context = answer.authorized, answer.context
        else:
            allowed, context = evaluate_policy(answer.policy, route_arn) == "Allow", answer.context
        if not allowed:  # HTTP APIs refuse with 403 Forbidden, for a simple response and a policy alike
            hint = f" (a cached answer: {self.function} was not called)" if answer.cached else ""
            raise Rejected(403, {"message": "Forbidden"}, "AccessDeniedException",
                           f"Lambda authorizer {self.name}: {self.function} did not authorize {route_arn}{hint}")
        return {"lambda": context}

    def _request(self, event: dict, values: tuple[str, ...], route_arn: str) -> dict:
        """The payload 2.0 event the authorizer function gets: the request, its route ARN and identity."""
        # AWS's payload format 2.0 for Lambda authorizers: the request's own keys, plus these four.
        request = {"version": "2.0", "type": "REQUEST", "routeArn": route_arn, "identitySource": list(values)}
        keys = ("routeKey", "rawPath", "rawQueryString", "cookies", "headers", "queryStringParameters",
                "requestContext", "pathParameters", "stageVariables")
        return {**request, **{key: event[key] for key in keys if key in event}}

    def _call(self, request: dict, invoke: Callable[[str, dict], Invocation]) -> SimpleAnswer | AuthorizerAnswer:
        try:
            invocation = invoke(self.function, request)
        except LambdaServiceError as error:
            raise http_failure(f"Lambda authorizer {self.name}: cannot invoke {self.function}: {error}") from None
        if invocation.error is not None:
            # HTTP APIs have no "Unauthorized" exception to raise: any failure is a 500 (deny with isAuthorized).
            raise http_failure(f"Lambda authorizer {self.name}: function {self.function} failed with "
                               f"{invocation.error['errorType']}: {invocation.error['errorMessage']} (see its logs)")
        if not self.simple_responses:
            try:
                principal, policy, context = read_authorizer_output(invocation.payload, self.name)
            except Rejected as error:
                raise http_failure(error.reason) from None
            return AuthorizerAnswer(principal, policy, context, round(invocation.duration_ms))
        return read_simple_response(invocation.payload, self.name)


def read_simple_response(output: Any, name: str) -> SimpleAnswer:
    """``isAuthorized`` (a boolean) and ``context`` (a dict, optional) of a simple response, or a 500."""
    if not isinstance(output, dict) or not isinstance(output.get("isAuthorized"), bool):
        raise http_failure(f"Lambda authorizer {name} returned an invalid simple response: expected "
                           f"{{'isAuthorized': True or False, 'context': {{...}}}}, got {json.dumps(output)[:200]}")
    context = output.get("context") or {}
    if not isinstance(context, dict):
        raise http_failure(f"Lambda authorizer {name} returned an invalid simple response: context must be a dict")
    return SimpleAnswer(output["isAuthorized"], json.loads(json.dumps(context)))
