"""The local API Gateway: an HTTP request in, a Lambda event out, and the function's answer back.

In AWS, a function is never reachable over HTTP by itself: API Gateway stands in front of it. For
each request it

1. finds the route (``GET /items/{id}``, see :mod:`emulator.gateway.routes`), or answers an error itself:
   a REST API says ``403 {"message":"Missing Authentication Token"}`` for a path it does not know,
   an HTTP API ``404 {"message":"Not Found"}``;
2. answers CORS preflights, if the API has a CORS configuration (:mod:`emulator.gateway.cors`);
3. runs the route's authorizer, if any (:mod:`emulator.gateway.authorizers`);
4. turns the request into an event: payload format 1.0 for a REST API, 2.0 for an HTTP API
   (:func:`emulator.events.api_gateway`, :func:`emulator.events.http_api`);
5. invokes the function synchronously and turns its return value into the HTTP response
   (:mod:`emulator.gateway.proxy_responses`). If the function fails, times out, or returns something that
   is not a response, the client only sees a generic error: ``502 {"message": "Internal server
   error"}`` from a REST API, ``500 {"message":"Internal Server Error"}`` from an HTTP API. The
   reason is in the function's log, and here also in the server log (logger ``emulator.gateway.api_gateway``).

:class:`ApiGateway` does all this for both kinds of API; :meth:`ApiGateway.app` wraps it in a
Flask app, to call with ``app.test_client()`` or from any WSGI server; ``python -m emulator serve``
hands requests to :meth:`ApiGateway.handle` from a plain HTTP server (:mod:`emulator.gateway.server`).

Not faithful: every route of every API is served from one host, without the stage in the URL (as
``sam local start-api`` does), so a request no route matches gets the REST API's 403 unless the cloud
has HTTP API routes only; authorizers are named per cloud, not per API; a WSGI server (the Flask app's
way in) joins repeated request headers into one comma-separated value, so there ``multiValueHeaders``
holds one value per header name (``serve`` keeps them apart); a request body is base64-encoded when its content type is not text, where a REST API looks at its ``BinaryMediaTypes``.
"""

from __future__ import annotations

import json
import logging
import secrets
import string
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Protocol
from urllib.parse import quote, unquote

from .. import events
from . import tokens
from .authorizers import (DEFAULT_RESULT_TTL, HttpLambdaAuthorizer, JwtAuthorizer, LambdaAuthorizer, Rejected,
                          configuration_error, method_arn)
from .cors import CorsConfig
from .proxy_responses import MalformedResponse, ProxyResponse, read_v1, read_v2
from .routes import METHODS, Route, RouteTable, normalise_method
from ..runtime import Function, Invocation, LambdaServiceError
from ..triggers.clock import VirtualClock

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger("emulator.gateway.api_gateway")

REST_STAGE = "Prod"  # the stage of the REST API that SAM creates for Api events (ServerlessRestApi)
HTTP_STAGE = "$default"  # the auto-deployed stage of an HTTP API
HTTP_METHODS = tuple(method for method in METHODS if method != "ANY")
# API Gateway stops waiting for the function after 29 s (REST API) or 30 s (HTTP API).
INTEGRATION_TIMEOUT_S = {"rest": 29, "http": 30}
API_NAMES = {"rest": "REST API", "http": "HTTP API"}
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript",
              "application/x-www-form-urlencoded", "+json", "+xml")

# The bodies API Gateway itself answers with, byte for byte (spacing included).
REST_MISSING_ROUTE = (403, b'{"message":"Missing Authentication Token"}', "MissingAuthenticationTokenException")
REST_FUNCTION_FAILED = (502, b'{"message": "Internal server error"}', "InternalServerErrorException")
REST_INVOKE_FAILED = (500, b'{"message": "Internal server error"}', "InternalServerErrorException")
REST_TIMED_OUT = (504, b'{"message": "Endpoint request timed out"}', None)
HTTP_MISSING_ROUTE = (404, b'{"message":"Not Found"}', None)
HTTP_FAILED = (500, b'{"message":"Internal Server Error"}', None)
HTTP_TIMED_OUT = (503, b'{"message":"Service Unavailable"}', None)


@dataclass
class GatewayRequest:
    """An HTTP request as API Gateway receives it, independent of any web framework."""

    method: str
    raw_path: str  # as sent, still URL-encoded, without the query string
    query_string: str = ""  # as sent, without the "?"
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"

    @property
    def path(self) -> str:
        return unquote(self.raw_path)

    def header(self, name: str) -> str | None:
        """The last value of header ``name``, whatever its case."""
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        return values[-1] if values else None


@dataclass
class _Outcome:
    """What one request came to: the response, who answered it, and why (for the server log)."""

    api: str
    response: ProxyResponse
    target: str  # the function, or what API Gateway answered by itself
    reason: str = ""
    request_id: str | None = None
    preflight: bool = False


class LambdaService(Protocol):
    """What API Gateway needs of the Lambda service behind it: the account, its clock, its functions."""

    region: str
    account_id: str
    clock: VirtualClock

    def function(self, name_or_arn: str) -> Function: ...

    def invoke(self, name: str, event: Any = None, invocation_type: str = "RequestResponse", *,
               trigger: str = "invoke", client_context: dict | None = None) -> Invocation | None: ...

    def logs(self, name: str) -> str: ...


class ApiGateway:
    """The local API Gateway of one LocalCloud: routes, authorizers and CORS for a REST and an HTTP API."""

    def __init__(self, cloud: LambdaService, issuer_keys: Callable[[str], list[dict]] = lambda issuer: []) -> None:
        """``issuer_keys(issuer)``: the public keys an issuer publishes at its ``jwks_uri`` (a local user pool's)."""
        self.cloud = cloud
        self.issuer_keys = issuer_keys
        self.routes = RouteTable()
        self.authorizers: dict[str, JwtAuthorizer | LambdaAuthorizer | HttpLambdaAuthorizer] = {}
        self.cors: dict[str, CorsConfig] = {}
        # API ids are 10 random lower-case letters and digits, as in https://abc123defg.execute-api...
        self.api_ids = {api: "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(10))
                        for api in ("rest", "http")}

    # -- configuration ---------------------------------------------------------------------------

    def add_route(self, method: str, path: str, function: str, api: str = "rest", *,
                  authorizer: str | None = None, authorization_scopes: Iterable[str] = ()) -> Route:
        """Route ``METHOD /path`` of the ``api`` ("rest" or "http") to ``function``.

        ``authorizer`` names an authorizer added with :meth:`add_jwt_authorizer` or
        :meth:`add_http_lambda_authorizer` (HTTP APIs), or :meth:`add_lambda_authorizer` (REST APIs);
        ``"NONE"`` means none, as in SAM.
        ``authorization_scopes``: a JWT-authorized route also needs a token with one of these scopes.
        """
        self.cloud.function(function)  # an unknown function is an error now, not at the first request
        if authorizer == "NONE":
            authorizer = None
        route = Route(normalise_method(method), path, function, api, authorizer, tuple(authorization_scopes))
        if authorizer in self.authorizers:
            self._check_authorizer(route)
        self.routes.add(route)
        return route

    def add_jwt_authorizer(self, name: str, issuer: str, audience: str | Iterable[str],
                           identity_source: str = "$request.header.Authorization") -> JwtAuthorizer:
        """An HTTP API JWT authorizer accepting tokens from ``issuer`` for one of ``audience``.

        Make tokens it accepts with :meth:`mint_token`.
        """
        authorizer = JwtAuthorizer(name, issuer, audience, identity_source)
        self.authorizers[name] = authorizer
        return authorizer

    def add_lambda_authorizer(self, name: str, function: str, type: str = "TOKEN",
                              identity_source: str | Iterable[str] = "method.request.header.Authorization",
                              validation_expression: str | None = None,
                              result_ttl: int = DEFAULT_RESULT_TTL) -> LambdaAuthorizer:
        """A REST API Lambda authorizer: ``function`` returns a policy for each request.

        ``type`` is "TOKEN" (the function gets one header's value) or "REQUEST" (the whole
        request); ``identity_source`` names what must be present, e.g.
        ``["method.request.header.X-User", "method.request.querystring.key"]``.
        ``result_ttl``: for how many seconds (0 to 3600) an answer is reused for requests with the same
        identity source values, without calling ``function``; 0 calls it on every request.
        """
        self.cloud.function(function)
        sources = identity_source if isinstance(identity_source, str) else tuple(identity_source)
        authorizer = LambdaAuthorizer(name, function, type, sources, validation_expression, result_ttl)
        self.authorizers[name] = authorizer
        return authorizer

    def add_http_lambda_authorizer(self, name: str, function: str,
                                   identity_source: str | Iterable[str] = "$request.header.Authorization",
                                   simple_responses: bool = False,
                                   result_ttl: int = DEFAULT_RESULT_TTL) -> HttpLambdaAuthorizer:
        """An HTTP API Lambda authorizer (payload format 2.0): ``function`` decides for each request.

        ``simple_responses`` (SAM: ``EnableSimpleResponses``): the function answers
        ``{"isAuthorized": bool, "context": {...}}`` instead of an IAM policy. ``identity_source``
        names what must be present (``$request.header.X``, ``$request.querystring.X``) and keys the
        cache; ``result_ttl``: for how many seconds (0 to 3600) an answer is reused for requests with
        the same identity source values, without calling ``function``; 0 calls it on every request.
        """
        self.cloud.function(function)
        sources = (identity_source,) if isinstance(identity_source, str) else tuple(identity_source)
        authorizer = HttpLambdaAuthorizer(name, function, sources, simple_responses, result_ttl)
        self.authorizers[name] = authorizer
        return authorizer

    def set_cors(self, api: str, allow_origins: str | Iterable[str], allow_methods: str | Iterable[str] | None = None,
                 allow_headers: str | Iterable[str] | None = None, expose_headers: str | Iterable[str] | None = None,
                 max_age: int | str | None = None, allow_credentials: bool | str = False) -> CorsConfig:
        """Let browser pages from ``allow_origins`` call the ``api`` ("rest" or "http"); see :mod:`emulator.gateway.cors`."""
        config = CorsConfig.build(api, allow_origins, allow_methods, allow_headers, expose_headers, max_age,
                                  allow_credentials)
        self.cors[api] = config
        return config

    def mint_token(self, claims: dict[str, Any] | None = None, *, authorizer: str | None = None,
                   issuer: str | None = None, audience: str | None = None, expires_in: float = 3600,
                   scopes: Iterable[str] = (), subject: str = "student") -> str:
        """A JWT signed with the kit's local key, valid for ``expires_in`` seconds of the cloud's clock.

        ``issuer`` and ``audience`` default to those of the JWT authorizer named ``authorizer`` (or
        of the only one). Pass another audience, or a negative ``expires_in``, to make a token the
        authorizer refuses.
        """
        if issuer is None or audience is None:
            configured = self._jwt_authorizer(authorizer)
            issuer = configured.issuer if issuer is None else issuer
            audience = configured.audience[0] if audience is None else audience
        return tokens.mint_token(claims, issuer=issuer, audience=audience, expires_in=expires_in, scopes=scopes,
                                 subject=subject, now=self.cloud.clock.now())

    def _jwt_authorizer(self, name: str | None) -> JwtAuthorizer:
        found = {key: a for key, a in self.authorizers.items() if isinstance(a, JwtAuthorizer)}
        if name is not None and name in found:
            return found[name]
        if name is None and len(found) == 1:
            return next(iter(found.values()))
        raise ValueError(f"no JWT authorizer {'named ' + repr(name) if name else 'to take issuer and audience from'} "
                         f"(JWT authorizers: {', '.join(found) or 'none'}); pass issuer= and audience=, "
                         f"or add one with add_jwt_authorizer()")

    def _check_authorizer(self, route: Route) -> None:
        authorizer = self.authorizers.get(route.authorizer)
        if authorizer is None:
            raise ValueError(f"route {route.key} ({API_NAMES[route.api]}) names authorizer {route.authorizer!r}, "
                             f"which does not exist (authorizers: {', '.join(self.authorizers) or 'none'})")
        if authorizer.api != route.api:
            kind = {JwtAuthorizer: "a JWT authorizer", LambdaAuthorizer: "a REST API Lambda authorizer",
                    HttpLambdaAuthorizer: "an HTTP API Lambda authorizer"}[type(authorizer)]
            raise ValueError(f"route {route.key} is on the {API_NAMES[route.api]}, but {route.authorizer!r} is "
                             f"{kind}, which serves the {API_NAMES[authorizer.api]} only")

    def check(self) -> None:
        """Raise ValueError if a route names an authorizer that is missing or of the wrong kind."""
        for route in self.routes:
            if route.authorizer is not None:
                self._check_authorizer(route)

    # -- serving ---------------------------------------------------------------------------------

    def app(self) -> "Flask":
        """A Flask app that serves every route (it sees routes added later too).

        API Gateway routes every request itself, so the app hands each one straight to :meth:`handle`
        (its WSGI callable is replaced): no Flask route, request context or hook runs per request.
        """
        from flask import Flask
        from werkzeug.wrappers import Request, Response

        self.check()
        app = Flask("lambda_lab_api")

        def serve(environ: dict, start_response: Callable) -> Iterable[bytes]:
            answer = self.handle(_from_flask(Request(environ)))
            response = Response(answer.body, status=answer.status, headers=answer.headers)
            if not any(name.lower() == "content-type" for name, _ in answer.headers):
                del response.headers["Content-Type"]  # werkzeug's default text/plain: API Gateway adds none
            return response(environ, start_response)

        app.wsgi_app = serve
        return app

    def describe(self, base_url: str = "") -> str:
        """The route table, one line per route: method, URL, function, API and authorizer."""
        if not self.routes:
            return "No routes."
        lines = []
        for route in self.routes:
            where = f"{API_NAMES[route.api]}" + (f", authorizer {route.authorizer}" if route.authorizer else "")
            lines.append(f"  {route.method:<7} {base_url}{route.path:<30} -> {route.function}  ({where})")
        return "\n".join(lines)

    def handle(self, request: GatewayRequest) -> ProxyResponse:
        """Answer one request as API Gateway would, and log one line about it."""
        started = time.perf_counter()
        headers = {name.lower(): value for name, value in request.headers}
        outcome = self._answer(request, headers)
        response = self._decorate(outcome, headers.get("origin"))
        elapsed_ms = (time.perf_counter() - started) * 1000
        line = f"{request.method} {request.path} -> {outcome.target} {response.status} ({elapsed_ms:.1f} ms)"
        if outcome.reason:
            line += f": {outcome.reason}"
        log.log(logging.WARNING if response.status >= 500 else logging.INFO, line)
        return response

    def _answer(self, request: GatewayRequest, headers: dict[str, str]) -> _Outcome:
        found = self.routes.match(request.method, request.raw_path) if request.method in HTTP_METHODS else None
        preflight = self._preflight(found, request, headers)
        if preflight is not None:
            return preflight
        api = found[0].api if found else ("http" if self.routes.apis() == {"http"} else "rest")
        if found is None:
            error = HTTP_MISSING_ROUTE if api == "http" else REST_MISSING_ROUTE
            return _error(api, error, "no route", f"no {API_NAMES[api]} route for this method and path")
        route, parameters = found
        event = self._event(route, parameters, request)
        request_id = event["requestContext"]["requestId"]
        try:
            authorizer = self._authorize(route, event)
        except Rejected as rejection:
            body = json.dumps(rejection.body, separators=(",", ":")).encode()
            return _error(api, (rejection.status, body, rejection.error_type), f"authorizer {route.authorizer}",
                          rejection.reason, request_id)
        if authorizer is not None:
            event["requestContext"]["authorizer"] = authorizer
        return self._integrate(route, event, request_id)

    def _preflight(self, found: tuple[Route, dict] | None, request: GatewayRequest,
                   headers: dict[str, str]) -> _Outcome | None:
        """The answer to a CORS preflight, if the API it is for has a CORS configuration."""
        # The API that serves this path answers; an HTTP API with CORS answers any path (AWS behaviour).
        candidates = [found[0].api] if found else (
            [api for api in ("rest", "http") if self.routes.methods_for(request.path, api)] or ["http"])
        for api in candidates:
            cors = self.cors.get(api)
            if cors is None or not cors.is_preflight(request.method, headers):
                continue
            methods = self.routes.methods_for(request.path, api)
            if api == "rest" and (not methods or (found is not None and found[0].method == "OPTIONS")):
                continue  # a REST API answers OPTIONS only on its paths, and an OPTIONS route of yours wins
            status, cors_headers = cors.preflight(headers.get("origin"), methods)
            return _Outcome(api, ProxyResponse(status, cors_headers), "CORS preflight", preflight=True)
        return None

    def _event(self, route: Route, parameters: dict[str, str], request: GatewayRequest) -> dict:
        common: dict[str, Any] = dict(
            method=request.method, path=request.path, query=request.query_string, headers=request.headers,
            body=_event_body(request), path_parameters=parameters or None, source_ip=request.source_ip,
            protocol=request.protocol, time=self.cloud.clock.now(), api_id=self.api_ids[route.api],
            account_id=self.cloud.account_id)
        if route.api == "rest":
            return events.api_gateway(**common, resource=route.path, stage=REST_STAGE)
        event = events.http_api(**common, route_key=route.key, stage=HTTP_STAGE, region=self.cloud.region)
        event["rawPath"] = request.raw_path  # rawPath is the path as sent, still URL-encoded
        return event

    def _authorize(self, route: Route, event: dict) -> dict | None:
        if route.authorizer is None:
            return None
        authorizer = self.authorizers.get(route.authorizer)
        if authorizer is None:
            raise configuration_error(f"route {route.key} names authorizer {route.authorizer!r}, which does not exist")
        if isinstance(authorizer, JwtAuthorizer):
            return authorizer.authorize(event, route.authorization_scopes, self.cloud.clock.now(),
                                        self.issuer_keys(authorizer.issuer))
        if isinstance(authorizer, HttpLambdaAuthorizer):
            http = event["requestContext"]["http"]
            arn = method_arn(self.cloud.region, self.cloud.account_id, self.api_ids["http"], HTTP_STAGE,
                             http["method"], http["path"])
            return authorizer.authorize(event, arn, self._invoke, self.cloud.clock.now())
        arn = method_arn(self.cloud.region, self.cloud.account_id, self.api_ids["rest"], REST_STAGE,
                         event["httpMethod"], event["path"])
        return authorizer.authorize(event, arn, self._invoke, self.cloud.clock.now())

    def _invoke(self, function: str, event: dict) -> Invocation:
        return self.cloud.invoke(function, event, trigger="api")

    def _integrate(self, route: Route, event: dict, request_id: str) -> _Outcome:
        """Invoke the route's function and turn its result into the response (or the generic error)."""
        api, function = route.api, route.function
        try:
            invocation = self._invoke(function, event)
        except LambdaServiceError as error:
            failed = REST_INVOKE_FAILED if api == "rest" else HTTP_FAILED
            return _error(api, failed, function, f"Lambda refused the invocation: {error}", request_id)
        failed = REST_FUNCTION_FAILED if api == "rest" else HTTP_FAILED
        if invocation.error is not None:
            error = invocation.error
            return _error(api, failed, function, f"the function failed with {error['errorType']}: "
                          f"{error['errorMessage']} (see cloud.logs({function!r}))", request_id)
        if invocation.duration_ms > INTEGRATION_TIMEOUT_S[api] * 1000:
            return _error(api, REST_TIMED_OUT if api == "rest" else HTTP_TIMED_OUT, function,
                          f"the function ran {invocation.duration_ms / 1000:.1f} s; API Gateway waits "
                          f"{INTEGRATION_TIMEOUT_S[api]} s at most", request_id)
        try:
            response = read_v1(invocation.payload) if api == "rest" else read_v2(invocation.payload)
        except MalformedResponse as error:
            return _error(api, failed, function, f"malformed Lambda proxy response: {error}", request_id)
        return _Outcome(api, response, function, request_id=request_id)

    def _decorate(self, outcome: _Outcome, origin: str | None) -> ProxyResponse:
        """Add the request id header and, for an HTTP API with CORS, the CORS headers."""
        response = outcome.response
        if outcome.request_id is not None:
            # REST APIs send x-amzn-RequestId; HTTP APIs send apigw-requestid.
            name = "x-amzn-RequestId" if outcome.api == "rest" else "apigw-requestid"
            response.headers.append((name, outcome.request_id))
        cors = self.cors.get(outcome.api)
        if cors is not None and outcome.api == "http" and not outcome.preflight:
            # An HTTP API with CORS replaces the function's own CORS headers with its configuration.
            response.headers = [(k, v) for k, v in response.headers if not k.lower().startswith("access-control-")]
            response.headers.extend(cors.response_headers(origin))
        return response


def _error(api: str, error: tuple[int, bytes, str | None], target: str, reason: str,
           request_id: str | None = None) -> _Outcome:
    """An error API Gateway answers itself, with ``reason`` kept for the server log."""
    status, body, error_type = error
    headers = [("Content-Type", "application/json")]
    if error_type is not None and api == "rest":
        headers.append(("x-amzn-ErrorType", error_type))  # REST APIs name the error in this header
    return _Outcome(api, ProxyResponse(status, headers, body), target, reason, request_id)


def _event_body(request: GatewayRequest) -> str | bytes | None:
    """The body for the event: text when it is text, bytes (sent base64) when it is binary or compressed."""
    if not request.body:
        return None
    content_type = (request.header("content-type") or "").lower()
    encoded = request.header("content-encoding") not in (None, "", "identity")
    if not encoded and (not content_type or any(kind in content_type for kind in TEXT_TYPES)):
        try:
            return request.body.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return request.body


def _from_flask(request) -> GatewayRequest:
    """A GatewayRequest from a werkzeug (or Flask) request; the raw path comes from the server when it gives it."""
    raw_uri = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    raw_path = raw_uri.split("?", 1)[0] if raw_uri else quote(request.path)
    return GatewayRequest(
        method=request.method, raw_path=raw_path,
        query_string=request.query_string.decode("utf-8", "replace"),
        headers=list(request.headers.items()), body=request.get_data(),
        source_ip=request.remote_addr or "127.0.0.1",
        protocol=request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"))
