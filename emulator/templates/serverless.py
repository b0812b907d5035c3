"""Serverless Framework: a ``serverless.yml`` compiled to CloudFormation, as ``serverless deploy`` does.

The Serverless Framework deploys through CloudFormation: it resolves the file's variables
(``${self:custom.x}``, ``${opt:stage, 'dev'}``, ``${env:NAME}``), then writes each function as an
``AWS::Lambda::Function`` named ``<service>-<stage>-<function>`` (logical id ``<Name>LambdaFunction``),
each ``http`` event as API Gateway ``Resource`` and ``Method`` resources, each ``httpApi`` event as an
HTTP API route, each ``schedule`` as an EventBridge rule and each ``sqs`` event as an event source
mapping, and adds the file's own ``resources`` (plain CloudFormation). This module does the same and
hands the result to :mod:`.cloudformation`.

Where this differs from the Serverless Framework: ``provider.httpApi`` authorizers are JWT ones only;
``http`` authorizers are Lambda TOKEN authorizers named after a function of the file; variable sources
other than ``self``, ``opt``, ``env`` and ``sls`` (``ssm``, ``cf``, ``file``...) are refused.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from .cloudformation import build, read_yaml
from .report import CloudBuilder, TemplateError, TemplateReport

VARIABLE = re.compile(r"\$\{(\w+):([^,}]*)(?:,\s*([^}]*))?\}")
# What `serverless deploy` gives a function that does not say (Serverless Framework v3/v4 defaults).
DEFAULT_MEMORY, DEFAULT_TIMEOUT, DEFAULT_RUNTIME = 1024, 6, "python3.12"
INVOCATION = "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${%s.Arn}/invocations"


def load_serverless(path: str | Path, cloud: CloudBuilder, *, stage: str | None = None,
                    options: dict[str, Any] | None = None) -> TemplateReport:
    """Create in ``cloud`` what ``serverless.yml`` declares; ``stage`` and ``options`` are ``--stage`` and ``--opt``s."""
    path = Path(path)
    document = read_yaml(path, "serverless.yml")
    if not isinstance(document, dict) or "service" not in document:
        raise TemplateError(f"{path}: a serverless.yml is a mapping with a 'service' (found none)")
    options = {**(options or {}), **({"stage": stage} if stage else {})}
    resolved = Variables(path, document, options).resolve(document, "")
    compiler = Compiler(path, resolved)
    return build(compiler.template(), cloud, path, stack_name=f"{compiler.service}-{compiler.stage}",
                 source="Serverless Framework")


class Variables:
    """``${self:a.b}``, ``${opt:stage, 'dev'}``, ``${env:NAME, default}``, ``${sls:stage}``, resolved."""

    def __init__(self, path: Path, document: dict, options: dict[str, Any]) -> None:
        self.path, self.document, self.options = path, document, options

    def resolve(self, value: Any, where: str) -> Any:
        if isinstance(value, dict):
            return {key: self.resolve(item, f"{where}.{key}".lstrip(".")) for key, item in value.items()}
        if isinstance(value, list):
            return [self.resolve(item, f"{where}[{index}]") for index, item in enumerate(value)]
        for _ in range(10):  # a default may itself be a variable: resolve inside out
            if not isinstance(value, str) or not VARIABLE.search(value):
                return value
            whole = VARIABLE.fullmatch(value)
            if whole:
                value = self.variable(*whole.groups(), where)
            else:
                value = VARIABLE.sub(lambda found: str(self.variable(*found.groups(), where)), value)
        raise TemplateError(f"{self.path}: {where}: variables nest too deeply (or refer to themselves)")

    def variable(self, source: str, name: str, default: str | None, where: str) -> Any:
        name = name.strip()
        if source == "self":
            value: Any = self.document
            for key in name.split(".") if name else []:
                value = value.get(key) if isinstance(value, dict) else None
        elif source == "opt":
            value = self.options.get(name)
        elif source == "env":
            value = os.environ.get(name)
        elif source == "sls" and name == "stage":
            value = self.options.get("stage") or (self.document.get("provider") or {}).get("stage")
        else:
            raise TemplateError(f"{self.path}: {where}: ${{{source}:{name}}} cannot be resolved locally (self, opt, "
                                f"env and sls:stage can); write the value, or use ${{opt:...}} and pass it")
        if value is None and default is not None:
            value = default.strip().strip("'\"")
        if value is None:
            if source == "opt" and name == "stage":
                return "dev"  # the framework's default stage
            raise TemplateError(f"{self.path}: {where}: ${{{source}:{name}}} has no value and no default")
        return value


def logical_name(name: str) -> str:
    """The Serverless Framework's normalised name: first letter upper case, '-' as Dash, '_' as Underscore."""
    name = name.replace("-", "Dash").replace("_", "Underscore")
    return name[:1].upper() + name[1:]


def path_name(path: str) -> str:
    """``/items/{id}`` as ``ItemsIdVar``, the way the framework names API Gateway resources."""
    parts = [part for part in path.strip("/").split("/") if part]
    return "".join(logical_name(re.sub(r"\W", "", part)) + ("Var" if part.startswith("{") else "") for part in parts)


class Compiler:
    """The CloudFormation template ``serverless deploy`` would create for the resolved document."""

    def __init__(self, path: Path, document: dict) -> None:
        self.path, self.document = path, document
        self.provider = document.get("provider") or {}
        self.stage = str(self.provider.get("stage", "dev"))
        self.service = str(document["service"])
        self.resources: dict[str, dict] = {}

    def template(self) -> dict:
        functions = self.document.get("functions") or {}
        if not isinstance(functions, dict):
            raise TemplateError(f"{self.path}: functions: must be a mapping of function names to settings")
        for name, spec in functions.items():
            self.function(name, spec or {})
        own = (self.document.get("resources") or {}).get("Resources") or {}
        return {"Resources": {**self.resources, **own}}

    def function(self, name: str, spec: dict) -> None:
        logical_id = f"{logical_name(name)}LambdaFunction"
        handler = str(spec.get("handler", ""))
        folder, _, module = handler.rpartition("/")
        tracing = spec.get("tracing", (self.provider.get("tracing") or {}).get("lambda"))
        self.resources[logical_id] = {"Type": "AWS::Lambda::Function", "Properties": {
            "FunctionName": spec.get("name", f"{self.service}-{self.stage}-{name}"),
            "Handler": module, "Code": str((self.path.parent / folder).resolve()),
            "Runtime": spec.get("runtime", self.provider.get("runtime", DEFAULT_RUNTIME)),
            "MemorySize": spec.get("memorySize", self.provider.get("memorySize", DEFAULT_MEMORY)),
            "Timeout": spec.get("timeout", self.provider.get("timeout", DEFAULT_TIMEOUT)),
            "Environment": {"Variables": {**(self.provider.get("environment") or {}), **(spec.get("environment") or {})}},
            **({"TracingConfig": {"Mode": "Active"}} if tracing in (True, "Active", "true") else {}),
            **({"ReservedConcurrentExecutions": spec["reservedConcurrency"]} if "reservedConcurrency" in spec else {}),
        }}
        for index, event in enumerate(spec.get("events") or []):
            (kind, settings), = event.items() if isinstance(event, dict) and len(event) == 1 else [(None, None)]
            compile_event = EVENTS.get(kind)
            if compile_event is None:
                raise TemplateError(f"{self.path}: functions.{name}.events[{index}]: {kind or event!r} is not an event "
                                    f"the local cloud builds (http, httpApi, schedule, sqs)")
            compile_event(self, name, logical_id, settings, index + 1)

    def schedule(self, name: str, function_id: str, settings: Any, number: int) -> None:
        settings = settings if isinstance(settings, dict) else {"rate": settings}
        rates = settings.get("rate") if isinstance(settings.get("rate"), list) else [settings.get("rate")]
        for offset, rate in enumerate(rates):
            target = {"Id": f"{name}Schedule", "Arn": {"Fn::GetAtt": [function_id, "Arn"]}}
            if "input" in settings:
                target["Input"] = settings["input"]
            self.resources[f"{logical_name(name)}EventsRuleSchedule{number + offset}"] = {
                "Type": "AWS::Events::Rule", "Properties": {
                    **({"Name": settings["name"]} if settings.get("name") else {}), "ScheduleExpression": rate,
                    "State": "ENABLED" if settings.get("enabled", True) else "DISABLED", "Targets": [target]}}

    def sqs(self, name: str, function_id: str, settings: Any, number: int) -> None:
        settings = settings if isinstance(settings, dict) else {"arn": settings}
        arn = settings.get("arn")
        queue = re.sub(r"\W", "", arn.split(":")[-1]) if isinstance(arn, str) else f"{number}"
        self.resources[f"{logical_name(name)}EventSourceMappingSQS{logical_name(queue)}"] = {
            "Type": "AWS::Lambda::EventSourceMapping", "Properties": {
                "EventSourceArn": arn, "FunctionName": {"Ref": function_id},
                "BatchSize": settings.get("batchSize", 10),
                "MaximumBatchingWindowInSeconds": settings.get("maximumBatchingWindow", 0),
                "Enabled": settings.get("enabled", True),
                **({"FunctionResponseTypes": [settings["functionResponseType"]]}
                   if settings.get("functionResponseType") else {})}}

    def http(self, name: str, function_id: str, settings: Any, number: int) -> None:
        """A REST API route: one Resource per path segment and a Method, as the framework compiles it."""
        if isinstance(settings, str):
            method, _, path = settings.partition(" ")
            settings = {"method": method, "path": path}
        self.resources.setdefault("ApiGatewayRestApi", {"Type": "AWS::ApiGateway::RestApi", "Properties": {
            "Name": f"{self.stage}-{self.service}"}})
        parent: Any = {"Fn::GetAtt": ["ApiGatewayRestApi", "RootResourceId"]}
        segments = [part for part in str(settings.get("path", "")).strip("/").split("/") if part]
        for depth in range(len(segments)):
            resource_id = f"ApiGatewayResource{path_name('/'.join(segments[:depth + 1]))}"
            self.resources[resource_id] = {"Type": "AWS::ApiGateway::Resource", "Properties": {
                "ParentId": parent, "PathPart": segments[depth], "RestApiId": {"Ref": "ApiGatewayRestApi"}}}
            parent = {"Ref": resource_id}
        method = str(settings.get("method", "ANY")).upper()
        properties: dict[str, Any] = {
            "HttpMethod": method, "ResourceId": parent, "RestApiId": {"Ref": "ApiGatewayRestApi"},
            "AuthorizationType": "NONE",
            "Integration": {"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST",
                            "Uri": {"Fn::Sub": INVOCATION % function_id}}}
        authorizer = settings.get("authorizer")
        if authorizer:
            properties.update(self.rest_authorizer(authorizer if isinstance(authorizer, str) else authorizer["name"]))
        self.resources[f"ApiGatewayMethod{path_name('/'.join(segments))}{logical_name(method.lower())}"] = {
            "Type": "AWS::ApiGateway::Method", "Properties": properties}
        if settings.get("cors"):
            self.resources[f"ApiGatewayMethod{path_name('/'.join(segments))}Options"] = {
                "Type": "AWS::ApiGateway::Method", "Properties": {
                    "HttpMethod": "OPTIONS", "ResourceId": parent, "RestApiId": {"Ref": "ApiGatewayRestApi"},
                    "Integration": {"Type": "MOCK", "IntegrationResponses": [{"ResponseParameters": {
                        "method.response.header.Access-Control-Allow-Origin": "'*'",
                        "method.response.header.Access-Control-Allow-Methods": f"'OPTIONS,{method}'"}}]}}}

    def rest_authorizer(self, function: str) -> dict[str, Any]:
        """A TOKEN authorizer that is another function of the file."""
        authorizer_id = f"{logical_name(function)}ApiGatewayAuthorizer"
        self.resources[authorizer_id] = {"Type": "AWS::ApiGateway::Authorizer", "Properties": {
            "Name": function, "Type": "TOKEN", "RestApiId": {"Ref": "ApiGatewayRestApi"},
            "IdentitySource": "method.request.header.Authorization",
            "AuthorizerUri": {"Fn::Sub": INVOCATION % f"{logical_name(function)}LambdaFunction"}}}
        return {"AuthorizationType": "CUSTOM", "AuthorizerId": {"Ref": authorizer_id}}

    def http_api(self, name: str, function_id: str, settings: Any, number: int) -> None:
        """An HTTP API route (``'GET /items'``, ``'*'`` or ``{method, path, authorizer}``) to the function."""
        if isinstance(settings, str):
            method, _, path = settings.partition(" ") if settings != "*" else ("*", "", "")
            settings = {"method": method, "path": path}
        self.http_api_resource()
        method = str(settings.get("method", "*")).upper()
        key = "$default" if method == "*" and not settings.get("path") else f"{'ANY' if method == '*' else method} {settings['path']}"
        integration_id = f"HttpApiIntegration{logical_name(name)}"
        self.resources[integration_id] = {"Type": "AWS::ApiGatewayV2::Integration", "Properties": {
            "ApiId": {"Ref": "HttpApi"}, "IntegrationType": "AWS_PROXY", "PayloadFormatVersion": "2.0",
            "IntegrationUri": {"Fn::GetAtt": [function_id, "Arn"]}}}
        route: dict[str, Any] = {"ApiId": {"Ref": "HttpApi"}, "RouteKey": key,
                                 "Target": {"Fn::Join": ["/", ["integrations", {"Ref": integration_id}]]}}
        authorizer = settings.get("authorizer")
        if authorizer:
            authorizer = authorizer if isinstance(authorizer, dict) else {"name": authorizer}
            route.update(AuthorizationType="JWT", AuthorizerId={"Ref": f"HttpApiAuthorizer{logical_name(authorizer['name'])}"},
                         AuthorizationScopes=authorizer.get("scopes", []))
        self.resources[f"HttpApiRoute{path_name(key.replace('$', '').replace(' ', '/'))}{number}"] = {
            "Type": "AWS::ApiGatewayV2::Route", "Properties": route}

    def http_api_resource(self) -> None:
        """The service's one HTTP API, with ``provider.httpApi`` CORS and JWT authorizers."""
        if "HttpApi" in self.resources:
            return
        settings = self.provider.get("httpApi") or {}
        cors = settings.get("cors")
        properties: dict[str, Any] = {"Name": f"{self.stage}-{self.service}", "ProtocolType": "HTTP"}
        if cors:
            cors = {} if cors is True else cors
            properties["CorsConfiguration"] = {"AllowOrigins": cors.get("allowedOrigins", ["*"]),
                                               "AllowMethods": cors.get("allowedMethods", ["*"]),
                                               "AllowHeaders": cors.get("allowedHeaders", ["*"])}
        self.resources["HttpApi"] = {"Type": "AWS::ApiGatewayV2::Api", "Properties": properties}
        for name, spec in (settings.get("authorizers") or {}).items():
            self.resources[f"HttpApiAuthorizer{logical_name(name)}"] = {"Type": "AWS::ApiGatewayV2::Authorizer",
                                                                        "Properties": {
                "ApiId": {"Ref": "HttpApi"}, "Name": name, "AuthorizerType": "JWT",
                "IdentitySource": [spec.get("identitySource", "$request.header.Authorization")],
                "JwtConfiguration": {"Issuer": spec.get("issuerUrl"), "Audience": spec.get("audience", [])}}}


EVENTS = {"schedule": Compiler.schedule, "sqs": Compiler.sqs, "http": Compiler.http, "httpApi": Compiler.http_api}
