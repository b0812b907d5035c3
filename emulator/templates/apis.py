"""API Gateway in CloudFormation: routes, authorizers and CORS, read into the local gateway.

An API is written in one of two ways. SAM (and many hand-written templates) put an OpenAPI document
in the API's ``Body``: swagger 2.0 for a REST API (``AWS::ApiGateway::RestApi``), OpenAPI 3 for an
HTTP API (``AWS::ApiGatewayV2::Api``). Each path and method carries an
``x-amazon-apigateway-integration`` whose ``uri`` names the function, ``security`` names its
authorizer, and the authorizers themselves live under ``securityDefinitions`` (REST) or
``components.securitySchemes`` (HTTP). Other templates declare one resource per piece:
``AWS::ApiGateway::Resource`` (a path segment) and ``Method``, or ``AWS::ApiGatewayV2::Route`` and
``Integration``, with ``Authorizer`` resources. Both become the same routes here.

Where this differs from AWS: the local gateway has one REST and one HTTP API, so the routes,
authorizer names and CORS settings of several APIs of one kind share them; a REST API's Cognito and IAM
authorizers, and HTTP API Lambda authorizers of payload format 1.0, are not emulated (routes that use
them are served without them, with a warning); integrations other than Lambda proxy (mock, HTTP, AWS
service) are not served. An HTTP API's JWT authorizer whose issuer is a user pool of the template
(:mod:`.user_pools`) checks that pool's tokens.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from ..gateway.authorizers import DEFAULT_RESULT_TTL
from .intrinsics import boolean, integer, text
from .report import RouteInfo

INVOCATION_URI = re.compile(r"functions/(.+)/invocations")
ANY_METHOD = "x-amazon-apigateway-any-method"
# CORS settings: the CloudFormation key (OpenAPI writes it with a lower-case first letter) -> set_cors keyword.
CORS_KEYS = {"AllowOrigins": "allow_origins", "AllowMethods": "allow_methods", "AllowHeaders": "allow_headers",
             "ExposeHeaders": "expose_headers", "MaxAge": "max_age", "AllowCredentials": "allow_credentials"}
# REST CORS: the mock OPTIONS method's response header -> set_cors keyword (values quoted, as API Gateway writes them).
REST_CORS_HEADERS = {"Access-Control-Allow-Origin": "allow_origins", "Access-Control-Allow-Methods": "allow_methods",
                     "Access-Control-Allow-Headers": "allow_headers", "Access-Control-Max-Age": "max_age",
                     "Access-Control-Allow-Credentials": "allow_credentials"}
NOT_EMULATED = ("JWT and Lambda authorizers of HTTP APIs, the latter with payload format 2.0, and Lambda "
                "authorizers of REST APIs are")


class Apis:
    """The APIs of one template: what the authorizers are called, which are not emulated, the integrations."""

    def __init__(self, stack: Any) -> None:
        self.stack = stack  # the cloudformation.Stack being built
        self.unsupported: set[str] = set()
        self.integrations: dict[str, str | None] = {}  # AWS::ApiGatewayV2::Integration id -> its URI
        self.rest_cors_read: set[str] = set()

    @property
    def gateway(self) -> Any:
        return self.stack.cloud.api_gateway

    def function_of(self, uri: Any, label: str) -> str | None:
        """The function an integration or authorizer URI names (the invocation URI, or a function ARN)."""
        found = INVOCATION_URI.search(text(uri))
        return self.stack.target_function(found.group(1) if found else text(uri), label)

    # -- OpenAPI bodies ----------------------------------------------------------------------------

    def read_body(self, api_id: str, kind: str, body: dict, where: str) -> None:
        """Authorizers, CORS and routes of an OpenAPI document (the ``Body`` SAM writes)."""
        schemes = body.get("securityDefinitions") if kind == "rest" else (body.get("components") or {}).get(
            "securitySchemes")
        for name, scheme in (schemes or {}).items():
            self.body_authorizer(api_id, kind, name, scheme, f"{where}.securityDefinitions.{name}")
        if kind == "http" and body.get("x-amazon-apigateway-cors"):
            cors = body["x-amazon-apigateway-cors"]
            self.set_cors(api_id, kind, {option: cors[key[0].lower() + key[1:]] for key, option in CORS_KEYS.items()
                                         if key[0].lower() + key[1:] in cors}, f"{where}.x-amazon-apigateway-cors")
        for path, operations in (body.get("paths") or {}).items():
            for method, operation in (operations or {}).items():
                if isinstance(operation, dict) and method != "parameters":
                    self.body_route(api_id, kind, path, method, operation, body.get("security"), f"{where}.paths.{path}")

    def body_authorizer(self, api_id: str, kind: str, name: str, scheme: dict, where: str) -> None:
        """A REST Lambda authorizer (``token`` / ``request``) or an HTTP API ``jwt`` authorizer."""
        config = scheme.get("x-amazon-apigateway-authorizer") or {}
        style = str(config.get("type", "")).lower()
        if kind == "rest" and style in ("token", "request"):
            sources = (f"method.request.header.{scheme.get('name', 'Authorization')}",) if style == "token" else tuple(
                source.strip() for source in text(config.get("identitySource", "")).split(",") if source.strip())
            ttl = integer(self.stack.scope, config.get("authorizerResultTtlInSeconds", DEFAULT_RESULT_TTL),
                          f"{where}.authorizerResultTtlInSeconds")
            self.lambda_authorizer(api_id, name, config.get("authorizerUri"), style.upper(), sources, ttl,
                                   config.get("identityValidationExpression"), where)
        elif kind == "http" and style == "request":
            self.http_lambda_authorizer(api_id, name, config.get("authorizerUri"),
                                        config.get("authorizerPayloadFormatVersion"),
                                        config.get("enableSimpleResponses", False), config.get("identitySource", []),
                                        config.get("authorizerResultTtlInSeconds"), where)
        elif kind == "http" and style == "jwt":
            jwt = config.get("jwtConfiguration") or {}
            self.jwt_authorizer(api_id, name, jwt.get("issuer"), jwt.get("audience") or [],
                                config.get("identitySource", "$request.header.Authorization"), where)
        else:
            self.not_emulated(api_id, name, style or scheme.get("x-amazon-apigateway-authtype") or scheme.get("type"))

    def body_route(self, api_id: str, kind: str, path: str, method: str, operation: dict, default_security: Any,
                   where: str) -> None:
        integration = operation.get("x-amazon-apigateway-integration") or {}
        style = str(integration.get("type", "")).lower()
        if style == "mock" and kind == "rest" and method == "options":  # SAM's Cors: a mock OPTIONS answer
            parameters = (integration.get("responses") or {}).get("default", {}).get("responseParameters") or {}
            self.rest_cors(api_id, parameters, f"{where}.options")
            return
        security = operation.get("security", default_security) or [{}]
        requirement = security[0] if isinstance(security, list) and security else {}
        authorizer, scopes = next(iter(requirement.items()), (None, []))
        self.route(api_id, kind, "ANY" if method == ANY_METHOD else method.upper(), path, style,
                   integration.get("uri"), authorizer, scopes or [], integration.get("payloadFormatVersion"), where)

    # -- what both ways of writing an API end in ---------------------------------------------------

    def route(self, api_id: str, kind: str, method: str, path: str, style: str, uri: Any, authorizer: str | None,
              scopes: list, payload_version: Any, where: str) -> None:
        """One route to a Lambda proxy integration (anything else is warned about, not served)."""
        key = f"{method} {path}"
        if style not in ("aws_proxy",):
            self.stack.warn(f"{api_id}: {key} has a {style or 'missing'} integration, which is not emulated "
                            f"(Lambda proxy integrations are)")
            return
        function = self.function_of(uri, f"{api_id}: {key}")
        if function is None:
            return
        if kind == "http" and payload_version is not None and text(payload_version) != "2.0":
            self.stack.warn(f"{api_id}: {key} asks for payload format {payload_version}; it is served with 2.0")
        if authorizer in ("NONE", None) or authorizer in self.unsupported:
            authorizer = None
        options = {"authorizer": authorizer, **({"authorization_scopes": tuple(scopes)} if scopes else {})} \
            if authorizer else {}
        self.stack.call(where, self.stack.cloud.add_route, method, path, function, api=kind, **options)
        self.stack.report.routes.append(RouteInfo(api_id, kind, method, path, function, authorizer))

    def lambda_authorizer(self, api_id: str, name: str, uri: Any, style: str, sources: tuple[str, ...], ttl: int,
                          validation: Any, where: str) -> None:
        function = self.function_of(uri, f"{api_id}: authorizer {name}")
        if function is None:
            self.unsupported.add(name)
            return
        self.replacing(api_id, name)
        self.stack.call(where, self.gateway.add_lambda_authorizer, name, function, type=style,
                        identity_source=sources, validation_expression=validation,
                        result_ttl=ttl)

    def http_lambda_authorizer(self, api_id: str, name: str, uri: Any, payload_version: Any, simple_responses: Any,
                               sources: Any, ttl: Any, where: str) -> None:
        """An HTTP API Lambda authorizer: ``sources`` a list (or comma-separated text) of ``$request...`` values;
        ``ttl`` None when the template sets none."""
        function = self.function_of(uri, f"{api_id}: authorizer {name}")
        if function is None:
            self.unsupported.add(name)
            return
        if payload_version is None:  # API Gateway requires it of a REQUEST authorizer of an HTTP API
            raise self.stack.error(where, f"authorizer {name} needs AuthorizerPayloadFormatVersion: write \"2.0\" "
                                          f"(the event the local gateway sends its function)")
        if text(payload_version) != "2.0":
            self.not_emulated(api_id, name, f"Lambda, payload format {payload_version}")
            return
        if isinstance(sources, str):
            sources = [source.strip() for source in sources.split(",") if source.strip()]
        if ttl is None:  # API Gateway caches by identity source: with none (SAM without Identity), it cannot
            ttl = DEFAULT_RESULT_TTL if sources else 0
        self.replacing(api_id, name)
        self.stack.call(where, self.gateway.add_http_lambda_authorizer, name, function, identity_source=tuple(sources),
                        simple_responses=boolean(self.stack.scope, simple_responses, f"{where}.EnableSimpleResponses"),
                        result_ttl=integer(self.stack.scope, ttl, f"{where}.AuthorizerResultTtlInSeconds"))

    def jwt_authorizer(self, api_id: str, name: str, issuer: Any, audience: Any, source: Any, where: str) -> None:
        self.replacing(api_id, name)
        source = source[0] if isinstance(source, list) and source else source
        self.stack.call(where, self.gateway.add_jwt_authorizer, name, issuer=issuer, audience=audience,
                        identity_source=source)

    def replacing(self, api_id: str, name: str) -> None:
        if name in self.gateway.authorizers:
            self.stack.warn(f"{api_id}: authorizer {name} replaces another of the same name (the local gateway "
                            f"names authorizers per cloud, not per API)")

    def not_emulated(self, api_id: str, name: str, kind: Any) -> None:
        self.unsupported.add(name)
        self.stack.warn(f"{api_id}: authorizer {name} ({kind}) is not emulated ({NOT_EMULATED}); routes that use it "
                        f"are served without it")

    def set_cors(self, api_id: str, kind: str, options: dict[str, Any], where: str) -> None:
        if kind in self.gateway.cors:
            self.stack.warn(f"{api_id}: its CORS settings replace those of another {kind} API (the local gateway "
                            f"has one CORS configuration per kind of API)")
        self.stack.call(where, self.gateway.set_cors, kind, **options)

    def rest_cors(self, api_id: str, parameters: dict, where: str) -> None:
        """A REST API's CORS, read from the response headers its mock OPTIONS methods answer with (once per API)."""
        options = {option: parameters[f"method.response.header.{header}"] for header, option in REST_CORS_HEADERS.items()
                   if f"method.response.header.{header}" in parameters}
        if "allow_origins" in options and api_id not in self.rest_cors_read:
            self.rest_cors_read.add(api_id)
            self.set_cors(api_id, "rest", options, where)


def _label(stack: Any, properties: dict, key: str) -> str:
    """The logical id an ``ApiId`` / ``RestApiId`` property refers to (for the report), else its value."""
    reference = properties.get(key)
    return reference["Ref"] if isinstance(reference, dict) and "Ref" in reference else text(reference)


# -- one resource per piece ---------------------------------------------------------------------------


def create_rest_api(stack: Any, logical_id: str, properties: dict, where: str) -> None:
    """``AWS::ApiGateway::RestApi``: Ref gives the API id; attribute RootResourceId (the path ``/`` here)."""
    stack.remember(logical_id, stack.cloud.api_gateway.api_ids["rest"], RootResourceId="/")
    body = stack.value(properties, "Body", where)
    if body is not None:
        stack.apis.read_body(logical_id, "rest", stack.mapping(body, f"{where}.Body"), f"{where}.Body")


def create_http_api(stack: Any, logical_id: str, properties: dict, where: str) -> None:
    """``AWS::ApiGatewayV2::Api``: an OpenAPI Body, CorsConfiguration, or quick create's ``Target``."""
    api_id = stack.cloud.api_gateway.api_ids["http"]
    stack.remember(logical_id, api_id, ApiId=api_id,
                   ApiEndpoint=f"https://{api_id}.execute-api.{stack.cloud.region}.amazonaws.com")
    if str(stack.value(properties, "ProtocolType", where, "HTTP")).upper() == "WEBSOCKET":
        stack.warn(f"{logical_id}: WebSocket APIs are not emulated")
        return
    body = stack.value(properties, "Body", where)
    if body is not None:
        stack.apis.read_body(logical_id, "http", stack.mapping(body, f"{where}.Body"), f"{where}.Body")
    cors = stack.section(properties, "CorsConfiguration", where)
    if cors:
        stack.apis.set_cors(logical_id, "http", {option: cors[key] for key, option in CORS_KEYS.items() if key in cors},
                            f"{where}.CorsConfiguration")
    if "Target" in properties:  # quick create: one $default route to the function
        stack.apis.route(logical_id, "http", "ANY", stack.value(properties, "RouteKey", where, "$default"), "aws_proxy",
                         stack.value(properties, "Target", where), None, [], None, where)


def create_resource(stack: Any, logical_id: str, properties: dict, where: str) -> None:
    """``AWS::ApiGateway::Resource``: one path segment under its parent; Ref gives the whole path here."""
    parent = text(stack.required(properties, "ParentId", where))
    path = f"{parent.rstrip('/')}/{stack.required(properties, 'PathPart', where)}"
    stack.remember(logical_id, path, ResourceId=path)


def create_rest_authorizer(stack: Any, logical_id: str, properties: dict, where: str) -> None:
    """``AWS::ApiGateway::Authorizer``: TOKEN or REQUEST (Lambda); Ref gives its name here."""
    name = stack.value(properties, "Name", where, logical_id)
    stack.remember(logical_id, name, AuthorizerId=name)
    style = str(stack.value(properties, "Type", where, "TOKEN")).upper()
    if style not in ("TOKEN", "REQUEST"):
        stack.apis.not_emulated(logical_id, name, style)
        return
    sources = tuple(s.strip() for s in text(stack.value(properties, "IdentitySource", where, "")).split(",") if s.strip())
    stack.apis.lambda_authorizer(logical_id, name, stack.value(properties, "AuthorizerUri", where), style, sources,
                                 stack.number(properties, "AuthorizerResultTtlInSeconds", where, DEFAULT_RESULT_TTL),
                                 stack.value(properties, "IdentityValidationExpression", where), where)


def create_method(stack: Any, logical_id: str, properties: dict, where: str) -> None:
    """``AWS::ApiGateway::Method``: a method on a Resource (or the root), integrated with a function."""
    stack.remember(logical_id, logical_id)
    api_id = _label(stack, properties, "RestApiId")
    method = str(stack.required(properties, "HttpMethod", where)).upper()
    path = text(stack.required(properties, "ResourceId", where))
    integration = stack.section(properties, "Integration", where)
    style = str(integration.get("Type", "")).lower()
    if style == "mock" and method == "OPTIONS":
        for response in integration.get("IntegrationResponses") or []:
            stack.apis.rest_cors(api_id, response.get("ResponseParameters") or {}, f"{where}.Integration")
        return
    authorization = str(stack.value(properties, "AuthorizationType", where, "NONE")).upper()
    authorizer = stack.value(properties, "AuthorizerId", where) if authorization == "CUSTOM" else None
    if authorization not in ("NONE", "CUSTOM"):
        stack.warn(f"{api_id}: {method} {path} uses {authorization} authorization, which is not emulated; it is "
                   f"served without it")
    stack.apis.route(api_id, "rest", method, path, style, integration.get("Uri"), authorizer,
                     stack.value(properties, "AuthorizationScopes", where, []), None, where)


def create_integration(stack: Any, logical_id: str, properties: dict, where: str) -> None:
    """``AWS::ApiGatewayV2::Integration``: which function a route's ``integrations/<id>`` target calls."""
    stack.remember(logical_id, logical_id)
    if str(stack.value(properties, "IntegrationType", where, "AWS_PROXY")).upper() != "AWS_PROXY":
        stack.apis.integrations[logical_id] = None
        return
    stack.apis.integrations[logical_id] = text(stack.value(properties, "IntegrationUri", where, ""))


def create_http_authorizer(stack: Any, logical_id: str, properties: dict, where: str) -> None:
    """``AWS::ApiGatewayV2::Authorizer``: JWT (issuer, audience) or REQUEST (a Lambda function) of an HTTP API."""
    name = stack.value(properties, "Name", where, logical_id)
    stack.remember(logical_id, name, AuthorizerId=name)
    api_id = _label(stack, properties, "ApiId")
    style = str(stack.value(properties, "AuthorizerType", where, "")).upper()
    if style == "REQUEST":
        stack.apis.http_lambda_authorizer(
            api_id, name, stack.value(properties, "AuthorizerUri", where),
            stack.value(properties, "AuthorizerPayloadFormatVersion", where),
            stack.value(properties, "EnableSimpleResponses", where, False),
            stack.value(properties, "IdentitySource", where, []),
            stack.value(properties, "AuthorizerResultTtlInSeconds", where), where)
        return
    if style != "JWT":
        stack.apis.not_emulated(api_id, name, stack.value(properties, "AuthorizerType", where))
        return
    jwt = stack.section(properties, "JwtConfiguration", where)
    stack.apis.jwt_authorizer(api_id, name, jwt.get("Issuer"), jwt.get("Audience") or [],
                              stack.value(properties, "IdentitySource", where, "$request.header.Authorization"), where)


def create_http_route(stack: Any, logical_id: str, properties: dict, where: str) -> None:
    """``AWS::ApiGatewayV2::Route``: ``RouteKey`` (``GET /items`` or ``$default``) to ``integrations/<id>``."""
    stack.remember(logical_id, logical_id)
    api_id = _label(stack, properties, "ApiId")
    key = text(stack.required(properties, "RouteKey", where))
    method, _, path = key.partition(" ") if key != "$default" else ("ANY", "", "$default")
    target = text(stack.value(properties, "Target", where, "")).removeprefix("integrations/")
    uri = stack.apis.integrations.get(target)
    authorization = str(stack.value(properties, "AuthorizationType", where, "NONE")).upper()
    # HTTP APIs: JWT for a JWT authorizer, CUSTOM for a Lambda authorizer.
    authorizer = stack.value(properties, "AuthorizerId", where) if authorization in ("JWT", "CUSTOM") else None
    if authorization not in ("NONE", "JWT", "CUSTOM"):
        stack.warn(f"{api_id}: {key} uses {authorization} authorization, which is not emulated; it is served without it")
    stack.apis.route(api_id, "http", method, path, "aws_proxy" if uri else "", uri, authorizer,
                     stack.value(properties, "AuthorizationScopes", where, []), None, where)


CREATORS: dict[str, Callable[[Any, str, dict, str], None]] = {
    "AWS::ApiGateway::RestApi": create_rest_api,
    "AWS::ApiGateway::Resource": create_resource,
    "AWS::ApiGateway::Method": create_method,
    "AWS::ApiGateway::Authorizer": create_rest_authorizer,
    "AWS::ApiGatewayV2::Api": create_http_api,
    "AWS::ApiGatewayV2::Integration": create_integration,
    "AWS::ApiGatewayV2::Authorizer": create_http_authorizer,
    "AWS::ApiGatewayV2::Route": create_http_route,
}
