"""SAM templates: build what a ``template.yaml`` declares in a local cloud.

A SAM template is a CloudFormation template with a ``Transform: AWS::Serverless-2016-10-31`` line
that allows shorthand resource types. ``AWS::Serverless::Function`` is a Lambda function *and* its
triggers (its ``Events``); ``AWS::Serverless::Api`` and ``AWS::Serverless::HttpApi`` are API
Gateway APIs. On AWS, ``sam deploy`` expands the shorthand into plain CloudFormation resources and
CloudFormation creates them. Here :func:`load_template` does the same job directly against a
:class:`~emulator.cloud.LocalCloud`, in the order CloudFormation would use:

1. read the YAML, with CloudFormation's short tags (``!Ref X`` is ``{"Ref": "X"}``);
2. work out parameters (their ``Default`` unless given), conditions and the ``Globals`` section;
3. create the resources in *dependency order*: a resource that mentions another one (``!Ref``,
   ``!GetAtt``, ``!Sub "${X}"``, ``DependsOn``) is created after it, so a dead-letter queue exists
   before the queue whose redrive policy names it, and a queue exists before the function whose
   environment holds its URL;
4. then wire each function's asynchronous configuration and its events, as SAM does with separate
   resources (event source mappings, rules, routes) that depend on the function.

Anything the local cloud cannot build (another resource type, a non-Python runtime, a destination
that is not a queue) becomes a warning in the :class:`TemplateReport`, never a crash. Mistakes in the
template raise :class:`TemplateError`, whose message names the resource and property at fault.

Where this differs from AWS:

- functions and queues are named after their logical id unless the template names them
  (CloudFormation would add the stack name and a random suffix);
- the local gateway has one REST and one HTTP API, so routes, authorizer names and CORS settings of
  several APIs of one kind share them; API Gateway features beyond routes, Lambda and JWT
  authorizers and CORS are ignored;
- a ``ScheduleV2`` event without ``Input`` delivers EventBridge's scheduled event, not Scheduler's
  own default notification; ``ScheduleExpressionTimezone`` is ignored (schedules run in UTC);
- only the intrinsic functions listed in :data:`INTRINSICS` are evaluated, and ``Outputs`` are not.

Why this module is longer than 600 lines: it is SAM's semantics written by hand (globals, implicit
APIs, events, intrinsic functions), in one place so that it can be replaced in one piece by SAM's own
translator (aws-sam-translator) feeding a CloudFormation model; splitting it first would only move
code that is about to go.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

from ..arns import function_name_from, queue_name_from
from ..gateway.authorizers import DEFAULT_RESULT_TTL

SERVERLESS_TRANSFORM = "AWS::Serverless-2016-10-31"
FUNCTION, API, HTTP_API, QUEUE = ("AWS::Serverless::Function", "AWS::Serverless::Api",
                                  "AWS::Serverless::HttpApi", "AWS::SQS::Queue")
DEFAULT_STACK_NAME = "local"  # what `sam local` answers for AWS::StackName
# SAM creates these APIs when an Api / HttpApi event names no RestApiId / ApiId.
IMPLICIT_APIS = {"Api": ("ServerlessRestApi", API), "HttpApi": ("ServerlessHttpApi", HTTP_API)}
GLOBAL_SECTIONS = {"Function": FUNCTION, "Api": API, "HttpApi": HTTP_API}
# Function properties that belong to resources SAM generates *after* the function (wired in pass 2).
WIRED_LATER = ("Events", "EventInvokeConfig")
NO_VALUE = object()  # what !Ref AWS::NoValue gives: the property is removed


class CloudBuilder(Protocol):
    """What a template is built into: a LocalCloud, or deploy's recorder that stands in for one."""

    region: str
    account_id: str
    api_gateway: Any  # routes, authorizers and CORS (the gateway's ApiGateway, or a recorder of it)
    template: "TemplateReport | None"

    def create_function(self, name: str, **options: Any) -> Any: ...

    def create_queue(self, name: str, **options: Any) -> str: ...

    def queue_arn(self, queue: str) -> str: ...

    def create_event_source_mapping(self, queue: str, function: str, **options: Any) -> Any: ...

    def schedule(self, rule_name: str, expression: str, function: str, **options: Any) -> Any: ...

    def add_route(self, method: str, path: str, function: str, **options: Any) -> None: ...

    def configure_async(self, name: str, **options: Any) -> None: ...


class TemplateError(ValueError):
    """The template is wrong: the message names the file, the resource and the property."""


@dataclass(frozen=True)
class ScheduleInfo:
    """A schedule rule the template declares (``Schedule`` or ``ScheduleV2`` event): what the local cloud
    plays, and what ``deploy`` creates (an EventBridge rule invoking ``function``, with ``input``)."""

    rule: str
    expression: str
    function: str
    enabled: bool = True
    input: Any = None

    def describe(self) -> str:
        return f"{self.expression} -> {self.function}" + ("" if self.enabled else " (disabled)")


@dataclass(frozen=True)
class MappingInfo:
    """An SQS event source mapping the template created (``SQS`` event)."""

    queue: str
    function: str
    batch_size: int = 10
    enabled: bool = True


@dataclass(frozen=True)
class RouteInfo:
    """An API route the template created (``Api`` event: REST, ``HttpApi`` event: HTTP API)."""

    api: str
    kind: str
    method: str
    path: str
    function: str
    authorizer: str | None = None


@dataclass
class TemplateReport:
    """What :func:`load_template` built, and the warnings about what it could not build.

    ``resources`` maps each logical id (the name in the template) to its physical id (the name or
    URL the resource got in the cloud), as CloudFormation's stack resource list does.
    """

    path: Path
    stack_name: str = DEFAULT_STACK_NAME
    resources: dict[str, str] = field(default_factory=dict)
    functions: list[str] = field(default_factory=list)
    queues: dict[str, str] = field(default_factory=dict)
    dead_letter_queues: dict[str, str] = field(default_factory=dict)
    schedules: list[ScheduleInfo] = field(default_factory=list)
    mappings: list[MappingInfo] = field(default_factory=list)
    routes: list[RouteInfo] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"{self.path} (stack {self.stack_name})",
                 f"  functions: {', '.join(self.functions) or 'none'}"]
        lines += [f"  queue {name}" + (f" -> dead-letter queue {self.dead_letter_queues[name]}"
                                       if name in self.dead_letter_queues else "") for name in self.queues]
        lines += [f"  schedule {s.rule}: {s.expression} -> {s.function}" + ("" if s.enabled else " (disabled)")
                  for s in self.schedules]
        lines += [f"  SQS {m.queue} -> {m.function} (batch {m.batch_size})" for m in self.mappings]
        lines += [f"  {r.kind} API {r.api}: {r.method} {r.path} -> {r.function}" for r in self.routes]
        lines += [f"  warning: {warning}" for warning in self.warnings]
        return "\n".join(lines)


def load_template(path: str | Path, cloud: CloudBuilder, *, parameters: dict[str, Any] | None = None,
                  stack_name: str = DEFAULT_STACK_NAME) -> TemplateReport:
    """Create in ``cloud`` the functions, queues, triggers and routes that the SAM template declares.

    ``parameters`` overrides the template's parameter defaults, as ``sam deploy
    --parameter-overrides`` does. The report is returned and also kept as ``cloud.template``.
    """
    path = Path(path)
    report = _Stack(path, read_template(path), cloud, parameters or {}, stack_name).build()
    cloud.template = report
    return report


# -- reading the YAML -------------------------------------------------------------------------------


class TemplateLoader(yaml.SafeLoader):
    """PyYAML's safe loader that also reads CloudFormation's short tags (``!Ref``, ``!Sub``, ...)."""


def _short_tag(loader: TemplateLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    """``!Ref X`` -> ``{"Ref": "X"}``, ``!GetAtt X.Arn`` -> ``{"Fn::GetAtt": ["X", "Arn"]}``, ``!Sub s`` ->
    ``{"Fn::Sub": s}``: CloudFormation reads a short tag as the long form of the same function."""
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}": value}


TemplateLoader.add_multi_constructor("!", _short_tag)


def read_template(path: str | Path) -> dict[str, Any]:
    """The template at ``path`` as plain Python data, intrinsic functions in their long form."""
    path = Path(path)
    if path.is_dir():
        raise TemplateError(f"{path} is a folder: give the template file in it, e.g. {path / 'template.yaml'}")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise TemplateError(f"{path}: cannot read the template ({error.strerror})") from None
    try:
        template = yaml.load(text, Loader=TemplateLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise TemplateError(f"{path}: not valid YAML{where}: {getattr(error, 'problem', None) or error}") from None
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        raise TemplateError(f"{path}: a template is a mapping with a 'Resources' section (found none)")
    return template


# -- the stack: one template being built into one cloud ---------------------------------------------


@dataclass
class _Api:
    """An API of the template: REST or HTTP, its authorizers (name -> default scopes) and default."""

    kind: str
    default_authorizer: str | None = None
    authorizers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unsupported: set[str] = field(default_factory=set)


class _Stack:
    """The state of one load: parameters, conditions, and what each created resource is called."""

    def __init__(self, path: Path, template: dict, cloud: CloudBuilder, overrides: dict[str, Any],
                 stack_name: str) -> None:
        self.path = path
        self.folder = path.parent
        self.template = template
        self.cloud = cloud
        self.report = TemplateReport(path, stack_name)
        self.pseudo = {
            "AWS::Region": cloud.region, "AWS::AccountId": cloud.account_id, "AWS::StackName": stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{cloud.region}:{cloud.account_id}:stack/{stack_name}/local",
            "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }
        self.mappings = self.mapping(template.get("Mappings"), "Mappings")
        self.conditions = self.mapping(template.get("Conditions"), "Conditions")
        self.globals = self.mapping(template.get("Globals"), "Globals")
        self._condition_values: dict[str, bool] = {}
        self.parameters = self._parameter_values(overrides)
        self.resources = self._declared_resources()
        self.skipped: dict[str, str] = {}  # logical id -> why it was not created (a false Condition)
        self.refs: dict[str, Any] = {}  # logical id -> what !Ref gives
        self.attributes: dict[str, dict[str, str]] = {}  # logical id -> what !GetAtt gives
        self.to_wire: list[tuple[str, str, dict]] = []  # (logical id, function name, properties)
        self.apis: dict[str, _Api] = {}  # logical id -> the API's kind and authorizers

    def error(self, where: str, problem: str) -> TemplateError:
        return TemplateError(f"{self.path}: {where}: {problem}")

    def warn(self, message: str) -> None:
        self.report.warnings.append(message)

    def mapping(self, value: Any, where: str) -> dict:
        """``value`` when it is a mapping (absent reads as an empty one), else the error naming ``where``."""
        if value is None or value is NO_VALUE:
            return {}
        if not isinstance(value, dict):
            shown = f"{value!r}"[:60]
            raise self.error(where, f"must be a mapping of names to values (indented 'Name: value' lines), "
                                    f"not a {_yaml_kind(value)}: {shown}")
        return value

    def section(self, properties: dict, key: str, where: str) -> dict:
        """A property that is a mapping, resolved: ``{}`` when absent."""
        return self.mapping(self.value(properties, key, where), f"{where}.{key}")

    def function_events(self, properties: dict, where: str) -> Iterator[tuple[str, str, dict, str]]:
        """A function's Events: ``(event id, Type, Properties, where)``, each checked to be a mapping."""
        for event_id, event in self.mapping(properties.get("Events"), f"{where}.Events").items():
            event_where = f"{where}.Events.{event_id}"
            event = self.mapping(event, event_where)
            yield (event_id, event.get("Type"), self.mapping(event.get("Properties"), f"{event_where}.Properties"),
                   f"{event_where}.Properties")

    def value(self, properties: dict, key: str, where: str, default: Any = None) -> Any:
        """One property, resolved; ``default`` when it is absent (or ``!Ref AWS::NoValue``)."""
        resolved = self.resolve(properties[key], f"{where}.{key}") if key in properties else NO_VALUE
        return default if resolved is NO_VALUE else resolved

    def number(self, properties: dict, key: str, where: str, default: Any = None) -> int:
        return _integer(self.value(properties, key, where, default), f"{where}.{key}", self)

    def flag(self, properties: dict, key: str, where: str, default: bool) -> bool:
        return _boolean(self.value(properties, key, where, default), f"{where}.{key}", self)

    def required(self, properties: dict, key: str, where: str) -> Any:
        value = self.value(properties, key, where)
        if value in (None, ""):
            raise self.error(f"{where}.{key}", "is missing")
        return value

    def numbers(self, properties: dict, names: dict[str, str], where: str) -> dict[str, int]:
        """The numeric properties in ``names`` that are set, as the cloud method's keyword arguments."""
        return {option: self.number(properties, key, where) for key, option in names.items() if key in properties}

    def build(self) -> TemplateReport:
        if self.template.get("Transform") != SERVERLESS_TRANSFORM and any(
                r.get("Type", "").startswith("AWS::Serverless::") for r in self.resources.values()):
            self.warn(f"the template has no 'Transform: {SERVERLESS_TRANSFORM}' line: AWS would reject "
                      f"its AWS::Serverless::* resources")
        for section in self.globals:
            if section not in GLOBAL_SECTIONS:
                self.warn(f"Globals.{section} is not used here (only {', '.join(GLOBAL_SECTIONS)} are)")
        for logical_id in self._creation_order():
            self._create(logical_id)
        for logical_id, name, properties in self.to_wire:
            self._wire_function(logical_id, name, properties)
        return self.report

    # -- parameters, conditions and resources as declared ------------------------------------------

    def _parameter_values(self, overrides: dict[str, Any]) -> dict[str, Any]:
        """Each parameter's value: the override, else its Default (CloudFormation's rules)."""
        declared = self.mapping(self.template.get("Parameters"), "Parameters")
        for name in overrides:
            if name not in declared:
                raise self.error("Parameters", f"no parameter is called {name!r} "
                                               f"(declared: {', '.join(declared) or 'none'})")
        values = {}
        for name, spec in declared.items():
            spec = self.mapping(spec, f"Parameters.{name}")
            if name not in overrides and "Default" not in spec:
                raise self.error(f"Parameters.{name}", "has no Default: give it a value with "
                                                       f"parameters={{{name!r}: ...}}")
            value = _text(overrides.get(name, spec.get("Default")))
            allowed = [_text(v) for v in spec.get("AllowedValues") or []]
            if allowed and value not in allowed:
                raise self.error(f"Parameters.{name}", f"{value!r} is not one of AllowedValues {allowed}")
            # CloudFormation hands list-typed parameters to !Ref as lists of strings.
            is_list = spec.get("Type") == "CommaDelimitedList" or str(spec.get("Type", "")).startswith("List<")
            values[name] = [item.strip() for item in value.split(",")] if is_list else value
        return values

    def _declared_resources(self) -> dict[str, dict]:
        """Every resource, plus the implicit APIs SAM adds for events that name no API."""
        resources = {}
        for logical_id, resource in self.template["Resources"].items():
            if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
                raise self.error(f"Resources.{logical_id}", "a resource is a mapping with a 'Type'")
            self.mapping(resource.get("Properties"), f"Resources.{logical_id}.Properties")
            resources[logical_id] = resource
        for logical_id, resource in list(resources.items()):
            if resource["Type"] != FUNCTION:
                continue
            for _, kind, event_properties, _ in self.function_events(resource.get("Properties") or {},
                                                                     f"Resources.{logical_id}.Properties"):
                if kind in IMPLICIT_APIS and not event_properties.get(_api_id_property(kind)):
                    implicit_id, api_type = IMPLICIT_APIS[kind]
                    resources.setdefault(implicit_id, {"Type": api_type, "Properties": {}})
        return resources

    def properties(self, logical_id: str) -> dict[str, Any]:
        """A resource's properties with its Globals section merged under them."""
        resource = self.resources[logical_id]
        own = resource.get("Properties") or {}
        section = next((s for s, t in GLOBAL_SECTIONS.items() if t == resource["Type"]), None)
        defaults = self.mapping(self.globals.get(section), f"Globals.{section}") if section else {}
        return _merge_globals(defaults, own)

    def condition(self, name: str, where: str) -> bool:
        if name not in self.conditions:
            raise self.error(where, f"no condition is called {name!r} "
                                    f"(Conditions: {', '.join(self.conditions) or 'none'})")
        if name not in self._condition_values:
            value = self.resolve(self.conditions[name], f"Conditions.{name}")
            if not isinstance(value, bool):
                raise self.error(f"Conditions.{name}", "a condition must be Fn::Equals, Fn::And, Fn::Or, "
                                                       "Fn::Not or Condition")
            self._condition_values[name] = value
        return self._condition_values[name]

    # -- creation order ----------------------------------------------------------------------------

    def _creation_order(self) -> list[str]:
        """Resources to create, each after those it refers to (CloudFormation's dependency order)."""
        active = []
        for logical_id, resource in self.resources.items():
            name = resource.get("Condition")
            if name is not None and not self.condition(name, f"Resources.{logical_id}.Condition"):
                self.skipped[logical_id] = f"its Condition {name} is false"
            else:
                active.append(logical_id)
        dependencies = {logical_id: self._dependencies(logical_id) for logical_id in active}
        order: list[str] = []
        visiting: list[str] = []

        def visit(logical_id: str) -> None:
            if logical_id in order:
                return
            if logical_id in visiting:
                cycle = " -> ".join(visiting[visiting.index(logical_id):] + [logical_id])
                raise self.error("Resources", f"circular dependency: {cycle}")
            visiting.append(logical_id)
            for dependency in dependencies[logical_id]:
                visit(dependency)
            visiting.pop()
            order.append(logical_id)

        for logical_id in active:
            visit(logical_id)
        return order

    def _dependencies(self, logical_id: str) -> list[str]:
        """The resources that ``logical_id`` mentions, which must be created first."""
        resource = self.resources[logical_id]
        properties = self.properties(logical_id)
        if resource["Type"] == FUNCTION:
            properties = {k: v for k, v in properties.items() if k not in WIRED_LATER}
        depends_on = resource.get("DependsOn") or []
        found = [(name, f"Resources.{logical_id}.DependsOn")
                 for name in ([depends_on] if isinstance(depends_on, str) else depends_on)]
        found += list(_references(properties, f"Resources.{logical_id}.Properties"))
        dependencies = []
        for name, where in found:
            if name in self.skipped:
                continue  # fine inside an !If branch that is not taken; resolving it would fail
            self._check_known(name, where)
            if name in self.resources and name not in dependencies:
                dependencies.append(name)
        return dependencies

    def _check_known(self, name: str, where: str) -> None:
        if name in self.skipped:
            raise self.error(where, f"{name} is not created ({self.skipped[name]})")
        if name not in self.pseudo and name not in self.parameters and name not in self.resources:
            raise self.error(where, f"{name!r} is not a parameter or resource of this template (parameters: "
                                    f"{', '.join(self.parameters) or 'none'}; resources: {', '.join(self.resources)})")

    # -- intrinsic functions -----------------------------------------------------------------------

    def resolve(self, value: Any, where: str) -> Any:
        """``value`` with every intrinsic function evaluated (``where`` names it in error messages)."""
        if isinstance(value, dict):
            intrinsic = _intrinsic_name(value)
            if intrinsic is not None:
                function = INTRINSICS.get(intrinsic)
                if function is None:
                    raise self.error(where, f"{intrinsic} cannot be evaluated locally "
                                            f"(supported: {', '.join(INTRINSICS)})")
                return function(self, value[intrinsic], where)
            resolved = {key: self.resolve(item, f"{where}.{key}") for key, item in value.items()}
            return {key: item for key, item in resolved.items() if item is not NO_VALUE}
        if isinstance(value, list):
            items = [self.resolve(item, f"{where}[{index}]") for index, item in enumerate(value)]
            return [item for item in items if item is not NO_VALUE]
        return value

    def ref(self, name: Any, where: str) -> Any:
        if not isinstance(name, str):
            raise self.error(where, f"!Ref takes a name (got {name!r})")
        self._check_known(name, where)
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name not in self.refs:
            raise self.error(where, f"!Ref {name}: {name} is not created yet (is there a circular reference?)")
        return self.refs[name]

    def get_att(self, argument: Any, where: str) -> str:
        if not (isinstance(argument, list) and len(argument) == 2 and all(isinstance(a, str) for a in argument)):
            raise self.error(where, f"!GetAtt takes Resource.Attribute (got {argument!r})")
        name, attribute = argument
        self._check_known(name, where)
        if name not in self.resources:
            raise self.error(where, f"!GetAtt {name}.{attribute}: {name} is a parameter, not a resource")
        available = self.attributes.get(name)
        if available is None:
            raise self.error(where, f"!GetAtt {name}.{attribute}: {name} ({self.resources[name]['Type']}) "
                                    f"is not created locally, so it has no attributes")
        if attribute not in available:
            raise self.error(where, f"!GetAtt {name}.{attribute}: {name} has no attribute {attribute!r} "
                                    f"(available: {', '.join(available)})")
        return available[attribute]

    def sub(self, argument: Any, where: str) -> str:
        if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], dict):
            text, variables = argument[0], self.resolve(argument[1], f"{where}[1]")
        else:
            text, variables = argument, {}
        if not isinstance(text, str):
            raise self.error(where, f"!Sub takes a string, or [string, {{variables}}] (got {argument!r})")

        def replace(match: re.Match) -> str:
            name = match.group(1)
            if name.startswith("!"):  # ${!Literal} is written out as ${Literal}
                return "${" + name[1:] + "}"
            if name in variables:
                return _text(variables[name])
            if "." in name and not name.startswith("AWS::"):
                return _text(self.get_att(name.split(".", 1), where))
            return _text(self.ref(name, where))

        return SUB_VARIABLE.sub(replace, text)

    # -- creating resources ------------------------------------------------------------------------

    def _create(self, logical_id: str) -> None:
        kind = self.resources[logical_id]["Type"]
        creator = CREATORS.get(kind)
        if creator is None:
            self.refs[logical_id] = logical_id  # so a !Ref to it still reads as a name
            self.warn(f"{logical_id}: resource type {kind} is not emulated, so it was not created "
                      f"(supported: {', '.join(CREATORS)})")
            return
        creator(self, logical_id, self.properties(logical_id), f"Resources.{logical_id}.Properties")

    def call(self, where: str, method: Callable, *args: Any, **kwargs: Any) -> Any:
        """Call a cloud method, naming the template property when the cloud rejects a value."""
        try:
            return method(*args, **kwargs)
        except TemplateError:
            raise
        except Exception as error:
            raise self.error(where, str(error)) from error

    def create_queue(self, logical_id: str, properties: dict, where: str) -> None:
        """``AWS::SQS::Queue``: Ref gives the queue URL; attributes Arn, QueueName and QueueUrl."""
        fifo = self.flag(properties, "FifoQueue", where, False)
        # CloudFormation names an unnamed FIFO queue with a ".fifo" suffix.
        name = self.value(properties, "QueueName", where) or (f"{logical_id}.fifo" if fifo else logical_id)
        dead_letter_queue = max_receive_count = None
        redrive = self.value(properties, "RedrivePolicy", where)
        if redrive is not None:
            dead_letter_queue, max_receive_count = self._redrive(redrive, f"{where}.RedrivePolicy")
            self.report.dead_letter_queues[name] = dead_letter_queue
        url = self.call(where, self.cloud.create_queue, name, dead_letter_queue=dead_letter_queue,
                        max_receive_count=max_receive_count, fifo=fifo,
                        **self.numbers(properties, QUEUE_NUMBERS, where))
        self._remember(logical_id, url, Arn=self.cloud.queue_arn(name), QueueName=name, QueueUrl=url)
        self.report.queues[name] = url

    def _redrive(self, redrive: Any, where: str) -> tuple[str, int]:
        """RedrivePolicy {deadLetterTargetArn, maxReceiveCount} (an object, or the same as JSON text)."""
        if isinstance(redrive, str):
            try:
                redrive = json.loads(redrive)
            except ValueError:
                raise self.error(where, f"is not valid JSON: {redrive!r}") from None
        if not isinstance(redrive, dict) or "deadLetterTargetArn" not in redrive:
            raise self.error(where, "needs deadLetterTargetArn (e.g. !GetAtt MyDeadLetterQueue.Arn) "
                                    "and maxReceiveCount")
        count = _integer(redrive.get("maxReceiveCount"), f"{where}.maxReceiveCount", self)
        return queue_name_from(str(redrive["deadLetterTargetArn"])), count

    def create_function(self, logical_id: str, properties: dict, where: str) -> None:
        """``AWS::Serverless::Function``: Ref gives the function name; attribute Arn."""
        name = self.value(properties, "FunctionName", where, logical_id)
        self._remember(logical_id, name, Arn=_function_arn(self.cloud, name))
        runtime = self.value(properties, "Runtime", where)
        if self.value(properties, "PackageType", where) == "Image" or (runtime and not str(runtime).startswith("python3")):
            self.warn(f"{logical_id}: {'a container image' if runtime is None else f'Runtime {runtime}'} cannot "
                      f"run here (only python3.x handlers do), so the function and its events were not created")
            return
        if "Layers" in properties:
            self.warn(f"{logical_id}: Layers are not loaded locally; put the modules they provide in CodeUri")
        handler = self.value(properties, "Handler", where)
        if not handler:
            raise self.error(f"{where}.Handler", "is missing: give the handler as module.function "
                                                 "(here or in Globals.Function)")
        tracing = self.value(properties, "Tracing", where)  # SAM's Tracing: Active | PassThrough
        self.call(where, self.cloud.create_function, name, handler=handler,
                  code=self._code_path(properties, where), **({"tracing": tracing} if tracing else {}),
                  environment=self._environment(self.value(properties, "Environment", where, {}),
                                                f"{where}.Environment"),
                  **self.numbers(properties, FUNCTION_NUMBERS, where))
        self.report.functions.append(name)
        self.to_wire.append((logical_id, name, properties))

    def _code_path(self, properties: dict, where: str) -> Path:
        """CodeUri, a folder (or .py file) relative to the template's folder, as ``sam build`` reads it."""
        if "InlineCode" in properties:
            raise self.error(f"{where}.InlineCode", "inline code is not supported here: save the code in a "
                                                    "folder and point CodeUri at it")
        uri = self.value(properties, "CodeUri", where)
        if uri is None:
            raise self.error(f"{where}.CodeUri", "is missing: name the folder that holds the handler "
                                                 "(relative to the template), here or in Globals.Function")
        if not isinstance(uri, str) or uri.startswith("s3://"):
            raise self.error(f"{where}.CodeUri", f"{uri!r} is an S3 location: point CodeUri at the local folder "
                                                 f"that holds the code")
        code = (self.folder / uri).resolve()
        if not code.exists():
            raise self.error(f"{where}.CodeUri", f"{uri!r} does not exist (looked for {code}); CodeUri is "
                                                 f"relative to the template's folder")
        return code

    def _environment(self, environment: Any, where: str) -> dict[str, str]:
        """Environment.Variables as strings (a !Ref to a queue gives its URL, as in CloudFormation)."""
        variables = self.mapping(self.mapping(environment, where).get("Variables"), f"{where}.Variables")
        for key, value in variables.items():
            if isinstance(value, (dict, list)):
                raise self.error(f"{where}.Variables.{key}", f"an environment variable is a string (got {value!r})")
        return {key: _text(value) for key, value in variables.items()}

    def create_api(self, logical_id: str, properties: dict, where: str) -> None:
        """``AWS::Serverless::Api`` (REST) / ``HttpApi``: authorizers and CORS; routes come from events."""
        kind = "rest" if self.resources[logical_id]["Type"] == API else "http"
        gateway = self.cloud.api_gateway
        self._remember(logical_id, gateway.api_ids[kind])  # Ref of an API is its id
        auth = self.section(properties, "Auth", where)
        api = self.apis[logical_id] = _Api(kind, auth.get("DefaultAuthorizer"))
        for name, spec in self.mapping(auth.get("Authorizers"), f"{where}.Auth.Authorizers").items():
            spec_where = f"{where}.Auth.Authorizers.{name}"
            self._authorizer(logical_id, api, name, self.mapping(spec, spec_where), spec_where)
        cors_key = "Cors" if kind == "rest" else "CorsConfiguration"
        cors = self.value(properties, cors_key, where)
        if not isinstance(cors, (str, bool, dict, type(None))):
            self.mapping(cors, f"{where}.{cors_key}")  # SAM takes a quoted origin, true, or a mapping
        if cors:
            if kind in gateway.cors:
                self.warn(f"{logical_id}: its {cors_key} replaces that of another {kind} API (the local "
                          f"gateway has one CORS configuration per kind of API)")
            self.call(f"{where}.{cors_key}", gateway.set_cors, kind, **_cors_options(kind, cors))

    def _authorizer(self, api_id: str, api: "_Api", name: str, spec: dict, where: str) -> None:
        """A JWT authorizer (HTTP API) or a Lambda TOKEN/REQUEST authorizer (REST API)."""
        gateway = self.cloud.api_gateway
        if name in gateway.authorizers:
            self.warn(f"{api_id}: authorizer {name} replaces another of the same name (the local gateway "
                      f"names authorizers per cloud, not per API)")
        if api.kind == "http" and "JwtConfiguration" in spec:
            # SAM reads issuer and audience in either case (OpenAPI's or AWS::ApiGatewayV2::Authorizer's).
            jwt = {key.lower(): value for key, value in
                   self.mapping(spec["JwtConfiguration"], f"{where}.JwtConfiguration").items()}
            self.call(where, gateway.add_jwt_authorizer, name, issuer=jwt.get("issuer"),
                      audience=jwt.get("audience") or [],
                      identity_source=spec.get("IdentitySource", "$request.header.Authorization"))
        elif api.kind == "rest" and "FunctionArn" in spec:
            kind = str(spec.get("FunctionPayloadType", "TOKEN")).upper()
            identity = self.mapping(spec.get("Identity"), f"{where}.Identity")
            self.call(where, gateway.add_lambda_authorizer, name, function_name_from(str(spec["FunctionArn"])), type=kind,
                      identity_source=_rest_identity_sources(kind, identity),
                      validation_expression=identity.get("ValidationExpression"),
                      result_ttl=self.number(identity, "ReauthorizeEvery", f"{where}.Identity", DEFAULT_RESULT_TTL))
        else:
            api.unsupported.add(name)
            self.warn(f"{api_id}: authorizer {name} is not emulated (only JWT authorizers of HTTP APIs and "
                      f"Lambda authorizers of REST APIs are); routes that use it are served without it")
            return
        api.authorizers[name] = tuple(spec.get("AuthorizationScopes") or ())

    def _remember(self, logical_id: str, physical: Any, **attributes: str) -> None:
        self.refs[logical_id] = physical
        self.attributes[logical_id] = attributes
        self.report.resources[logical_id] = physical

    # -- wiring a function's async configuration and events ----------------------------------------

    def _wire_function(self, logical_id: str, name: str, properties: dict) -> None:
        where = f"Resources.{logical_id}.Properties"
        if properties.get("EventInvokeConfig") is not None:
            self._async_config(logical_id, name, self.section(properties, "EventInvokeConfig", where),
                               f"{where}.EventInvokeConfig")
        for event_id, kind, event_properties, event_where in self.function_events(properties, where):
            wire = EVENT_WIRING.get(kind)
            if wire is None:
                self.warn(f"{logical_id}: event {event_id} has Type {kind}, which is not emulated "
                          f"(supported: {', '.join(EVENT_WIRING)})")
                continue
            wire(self, logical_id, event_id, name, event_properties, event_where)

    def _async_config(self, logical_id: str, name: str, config: Any, where: str) -> None:
        """EventInvokeConfig: retries, maximum event age, and SQS destinations for async invocations."""
        options: dict[str, Any] = self.numbers(config, ASYNC_NUMBERS, where)
        destinations = self.section(config, "DestinationConfig", where)
        for condition, option in (("OnFailure", "on_failure"), ("OnSuccess", "on_success")):
            if destinations.get(condition) is not None:
                options[option] = self._destination(logical_id, condition, self.section(
                    destinations, condition, f"{where}.DestinationConfig"), f"{where}.DestinationConfig.{condition}")
        self.call(where, self.cloud.configure_async, name, **options)

    def _destination(self, logical_id: str, condition: str, destination: dict, where: str) -> str | None:
        kind = self.value(destination, "Type", where)
        if kind != "SQS":
            self.warn(f"{logical_id}: the {condition} destination of Type {kind} is not emulated "
                      f"(only SQS destinations are)")
            return None
        if destination.get("Destination"):
            return self.value(destination, "Destination", where)
        # Without a Destination, SAM creates the queue itself (here named after the function and condition).
        name = f"{logical_id}EventInvokeConfig{condition}Queue"
        self.report.queues[name] = self.call(where, self.cloud.create_queue, name)
        return name

    def schedule_event(self, logical_id: str, event_id: str, function: str, props: dict, where: str,
                       expression_key: str = "Schedule") -> None:
        """Schedule (an EventBridge rule) and ScheduleV2 (an EventBridge Scheduler schedule)."""
        expression = self.required(props, expression_key, where)
        zone = self.value(props, "ScheduleExpressionTimezone", where, "UTC")
        if zone != "UTC":
            self.warn(f"{logical_id}: event {event_id} runs in UTC here, not in {zone}")
        # SAM names the generated rule after the function and event ids unless Name is given.
        rule = self.value(props, "Name", where) or f"{logical_id}{event_id}"
        # A rule is switched off with Enabled: false or State: DISABLED (AWS accepts either).
        enabled = (self.flag(props, "Enabled", where, True) if "Enabled" in props
                   else str(self.value(props, "State", where, "ENABLED")).upper() != "DISABLED")
        event_input = self.value(props, "Input", where)
        if isinstance(event_input, str):
            try:
                event_input = json.loads(event_input)
            except ValueError:
                raise self.error(f"{where}.Input", f"is not valid JSON: {event_input!r}") from None
        self.call(where, self.cloud.schedule, rule, expression, function, input=event_input, enabled=enabled)
        self.report.schedules.append(ScheduleInfo(rule, expression, function, enabled, event_input))

    def schedule_v2_event(self, logical_id: str, event_id: str, function: str, props: dict, where: str) -> None:
        self.schedule_event(logical_id, event_id, function, props, where, expression_key="ScheduleExpression")

    def api_event(self, logical_id: str, event_id: str, function: str, props: dict, where: str,
                  kind: str = "Api") -> None:
        """Api (a REST API route, payload 1.0) and HttpApi (an HTTP API route, payload 2.0)."""
        api_id = self._api_of(kind, props, where)
        api = self.apis[api_id]
        path, method = self.value(props, "Path", where), self.value(props, "Method", where)
        if kind == "HttpApi" and path is None and method is None:
            path, method = "$default", "ANY"  # an HttpApi event without Path and Method is the catch-all route
        elif path is None or method is None:
            raise self.error(f"{where}.{'Path' if path is None else 'Method'}", "is missing")
        # SAM writes "any" for API Gateway's x-amazon-apigateway-any-method.
        method = "ANY" if str(method).lower() in ("any", "x-amazon-apigateway-any-method") else str(method).upper()
        if kind == "HttpApi" and str(self.value(props, "PayloadFormatVersion", where, "2.0")) != "2.0":
            self.warn(f"{logical_id}: event {event_id} asks for payload format 1.0; it is served with 2.0")
        auth = self.section(props, "Auth", where)
        authorizer = self._route_authorizer(api_id, api, auth.get("Authorizer", api.default_authorizer),
                                            f"{where}.Auth.Authorizer")
        options: dict[str, Any] = {}
        if authorizer is not None:
            options["authorizer"] = authorizer
            scopes = auth.get("AuthorizationScopes") or api.authorizers[authorizer]
            if scopes:
                options["authorization_scopes"] = tuple(scopes)
        self.call(where, self.cloud.add_route, method, path, function, api=api.kind, **options)
        self.report.routes.append(RouteInfo(api_id, api.kind, method, path, function, authorizer))

    def http_api_event(self, logical_id: str, event_id: str, function: str, props: dict, where: str) -> None:
        self.api_event(logical_id, event_id, function, props, where, kind="HttpApi")

    def _api_of(self, kind: str, props: dict, where: str) -> str:
        """The logical id of the event's API: RestApiId / ApiId (a !Ref), or SAM's implicit API."""
        key = _api_id_property(kind)
        if key not in props:
            return IMPLICIT_APIS[kind][0]
        reference = props[key]
        api_id = str(reference.get("Ref") if isinstance(reference, dict) else reference)
        if self.resources.get(api_id, {}).get("Type") != IMPLICIT_APIS[kind][1] or api_id not in self.apis:
            raise self.error(f"{where}.{key}", f"must be !Ref to an {IMPLICIT_APIS[kind][1]} of this template "
                                               f"(got {reference!r})")
        return api_id

    def _route_authorizer(self, api_id: str, api: "_Api", name: str | None, where: str) -> str | None:
        """The authorizer a route uses: its own, else the API's DefaultAuthorizer; NONE means none."""
        if name in (None, "NONE"):
            return None
        if name in api.authorizers:
            return name
        if name in api.unsupported or name == "AWS_IAM":
            self.warn(f"{where}: authorizer {name} is not emulated, so this route is open to every caller here")
            return None
        raise self.error(where, f"{name!r} is not an authorizer of {api_id} "
                                f"(its authorizers: {', '.join(api.authorizers) or 'none'}; or NONE)")

    def sqs_event(self, logical_id: str, event_id: str, function: str, props: dict, where: str) -> None:
        """SQS: an event source mapping that polls the queue and invokes the function with batches."""
        queue = queue_name_from(str(self.required(props, "Queue", where)))
        response_types = self.value(props, "FunctionResponseTypes", where, [])
        if not isinstance(response_types, list):
            raise self.error(f"{where}.FunctionResponseTypes", f"must be a list (got {response_types!r}): write "
                                                               f"FunctionResponseTypes: [ReportBatchItemFailures]")
        unknown = [t for t in response_types if t != "ReportBatchItemFailures"]
        if unknown:
            raise self.error(f"{where}.FunctionResponseTypes", f"{unknown} not allowed: the only "
                                                               f"response type is ReportBatchItemFailures")
        batch_size = self.number(props, "BatchSize", where, 10)
        enabled = self.flag(props, "Enabled", where, True)
        self.call(where, self.cloud.create_event_source_mapping, queue, function, batch_size=batch_size,
                  maximum_batching_window=self.number(props, "MaximumBatchingWindowInSeconds", where, 0),
                  report_batch_item_failures=bool(response_types), enabled=enabled)
        self.report.mappings.append(MappingInfo(queue, function, batch_size, enabled))


def _api_id_property(kind: str) -> str:
    return "RestApiId" if kind == "Api" else "ApiId"


CREATORS: dict[str, Callable[[_Stack, str, dict, str], None]] = {
    FUNCTION: _Stack.create_function,
    QUEUE: _Stack.create_queue,
    API: _Stack.create_api,
    HTTP_API: _Stack.create_api,
}
EVENT_WIRING: dict[str, Callable[[_Stack, str, str, str, dict, str], None]] = {
    "Schedule": _Stack.schedule_event,
    "ScheduleV2": _Stack.schedule_v2_event,
    "SQS": _Stack.sqs_event,
    "Api": _Stack.api_event,
    "HttpApi": _Stack.http_api_event,
}
# Template property -> keyword of the cloud method.
QUEUE_NUMBERS = {"VisibilityTimeout": "visibility_timeout", "DelaySeconds": "delay_seconds",
                 "MessageRetentionPeriod": "message_retention_period"}
FUNCTION_NUMBERS = {"Timeout": "timeout", "MemorySize": "memory_size",
                    "ReservedConcurrentExecutions": "reserved_concurrency"}
CORS_OPTIONS_REST = {"AllowOrigin": "allow_origins", "AllowMethods": "allow_methods",
                     "AllowHeaders": "allow_headers", "MaxAge": "max_age", "AllowCredentials": "allow_credentials"}
CORS_OPTIONS_HTTP = {"AllowOrigins": "allow_origins", "AllowMethods": "allow_methods",
                     "AllowHeaders": "allow_headers", "ExposeHeaders": "expose_headers", "MaxAge": "max_age",
                     "AllowCredentials": "allow_credentials"}
# SAM's REQUEST authorizer Identity keys -> API Gateway identity source prefixes.
REQUEST_IDENTITY = {"Headers": "method.request.header.", "QueryStrings": "method.request.querystring.",
                    "StageVariables": "stageVariables.", "Context": "context."}
ASYNC_NUMBERS = {"MaximumRetryAttempts": "maximum_retry_attempts",
                 "MaximumEventAgeInSeconds": "maximum_event_age"}


# -- intrinsic functions ----------------------------------------------------------------------------

SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def _intrinsic_name(value: dict) -> str | None:
    """``"Ref"``, ``"Condition"`` or ``"Fn::X"`` when ``value`` is a call of an intrinsic function."""
    if len(value) != 1:
        return None
    key = next(iter(value))
    return key if key in ("Ref", "Condition") or str(key).startswith("Fn::") else None


def _pair(stack: _Stack, argument: Any, where: str, function: str) -> list:
    if not isinstance(argument, list) or len(argument) != 2:
        raise stack.error(where, f"{function} takes a list of two items (got {argument!r})")
    return argument


def _join(stack: _Stack, argument: Any, where: str) -> str:
    delimiter, items = _pair(stack, argument, where, "Fn::Join")
    items = stack.resolve(items, f"{where}[1]")
    if not isinstance(items, list):
        raise stack.error(where, f"Fn::Join needs a list of values to join (got {items!r})")
    return str(delimiter).join(_text(item) for item in items)


def _select(stack: _Stack, argument: Any, where: str) -> Any:
    index, items = _pair(stack, argument, where, "Fn::Select")
    index = _integer(stack.resolve(index, f"{where}[0]"), f"{where}[0]", stack)
    items = stack.resolve(items, f"{where}[1]")
    if not isinstance(items, list) or not 0 <= index < len(items):
        raise stack.error(where, f"Fn::Select index {index} is outside the list {items!r}")
    return items[index]


def _split(stack: _Stack, argument: Any, where: str) -> list[str]:
    delimiter, text = _pair(stack, argument, where, "Fn::Split")
    return _text(stack.resolve(text, f"{where}[1]")).split(str(delimiter))


def _if(stack: _Stack, argument: Any, where: str) -> Any:
    if not isinstance(argument, list) or len(argument) != 3:
        raise stack.error(where, f"Fn::If takes [condition, value if true, value if false] (got {argument!r})")
    chosen = 1 if stack.condition(argument[0], where) else 2
    return stack.resolve(argument[chosen], f"{where}[{chosen}]")


def _equals(stack: _Stack, argument: Any, where: str) -> bool:
    left, right = _pair(stack, argument, where, "Fn::Equals")
    return _text(stack.resolve(left, f"{where}[0]")) == _text(stack.resolve(right, f"{where}[1]"))


def _conditions(stack: _Stack, argument: Any, where: str, function: str) -> list[bool]:
    if not isinstance(argument, list) or not argument:
        raise stack.error(where, f"{function} takes a list of conditions (got {argument!r})")
    values = [stack.resolve(item, f"{where}[{index}]") for index, item in enumerate(argument)]
    if not all(isinstance(value, bool) for value in values):
        raise stack.error(where, f"{function} combines conditions (Fn::Equals, Condition, ...), not values")
    return values


def _find_in_map(stack: _Stack, argument: Any, where: str) -> Any:
    keys = stack.resolve(argument, where)
    if not isinstance(keys, list) or len(keys) != 3:
        raise stack.error(where, f"Fn::FindInMap takes [map, top-level key, second-level key] (got {keys!r})")
    value: Any = stack.mappings
    for depth, key in enumerate(keys):
        if not isinstance(value, dict) or key not in value:
            raise stack.error(where, f"Fn::FindInMap: Mappings has no {'.'.join(map(str, keys[:depth + 1]))}")
        value = value[key]
    return value


INTRINSICS: dict[str, Callable[[_Stack, Any, str], Any]] = {
    "Ref": _Stack.ref,
    "Fn::GetAtt": _Stack.get_att,
    "Fn::Sub": _Stack.sub,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::If": _if,
    "Fn::Equals": _equals,
    "Fn::And": lambda stack, argument, where: all(_conditions(stack, argument, where, "Fn::And")),
    "Fn::Or": lambda stack, argument, where: any(_conditions(stack, argument, where, "Fn::Or")),
    "Fn::Not": lambda stack, argument, where: not _conditions(stack, argument, where, "Fn::Not")[0],
    "Condition": lambda stack, argument, where: stack.condition(argument, where),
    "Fn::FindInMap": _find_in_map,
    "Fn::Base64": lambda stack, argument, where: base64.b64encode(
        _text(stack.resolve(argument, where)).encode()).decode(),
}


def _references(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every (name, where) that ``value`` mentions through Ref, Fn::GetAtt or Fn::Sub."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _references(item, f"{where}[{index}]")
        return
    if not isinstance(value, dict):
        return
    intrinsic = _intrinsic_name(value)
    argument = value.get(intrinsic) if intrinsic else None
    if intrinsic == "Ref" and isinstance(argument, str):
        yield argument, where
    elif intrinsic == "Fn::GetAtt" and isinstance(argument, list) and argument:
        yield str(argument[0]), where
    elif intrinsic == "Fn::Sub":
        text, variables = (argument if isinstance(argument, list) and len(argument) == 2 else (argument, {}))
        for name in SUB_VARIABLE.findall(text if isinstance(text, str) else ""):
            if not name.startswith("!") and name not in (variables or {}):
                yield (name if name.startswith("AWS::") else name.split(".", 1)[0]), where
        yield from _references(variables, where)
    else:
        for key, item in value.items():
            yield from _references(item, f"{where}.{key}")


# -- small helpers ----------------------------------------------------------------------------------


def _merge_globals(defaults: dict, own: dict) -> dict:
    """SAM's Globals rule: maps merge key by key, lists are concatenated, any other value is replaced."""
    merged = dict(defaults)
    for key, value in own.items():
        default = merged.get(key)
        if (isinstance(default, dict) and isinstance(value, dict)
                and _intrinsic_name(default) is None and _intrinsic_name(value) is None):
            merged[key] = _merge_globals(default, value)
        elif isinstance(default, list) and isinstance(value, list):
            merged[key] = default + value
        else:
            merged[key] = value
    return merged


def _cors_options(kind: str, cors: Any) -> dict[str, Any]:
    """SAM's Cors (REST: a quoted origin, or AllowOrigin/AllowMethods/...) or CorsConfiguration (HTTP API:
    true, or AllowOrigins/AllowMethods/...) as keyword arguments of ``set_cors``."""
    if cors is True:  # CorsConfiguration: true allows every origin, method and header
        return {"allow_origins": ["*"], "allow_methods": ["*"], "allow_headers": ["*"]}
    if isinstance(cors, str):  # Cors: "'https://example.com'" sets only the origin
        return {"allow_origins": cors}
    names = CORS_OPTIONS_REST if kind == "rest" else CORS_OPTIONS_HTTP
    return {option: cors[key] for key, option in names.items() if key in cors}


def _rest_identity_sources(kind: str, identity: dict) -> tuple[str, ...]:
    """A SAM Lambda authorizer's Identity as API Gateway identity sources (method.request.header.X ...)."""
    if kind == "TOKEN":
        return (f"method.request.header.{identity.get('Header', 'Authorization')}",)
    return tuple(f"{prefix}{name}" for key, prefix in REQUEST_IDENTITY.items() for name in identity.get(key) or ())


def _text(value: Any) -> str:
    """A template value as CloudFormation writes it in a string (booleans in lower case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _integer(value: Any, where: str, stack: _Stack) -> int:
    if isinstance(value, bool) or not re.fullmatch(r"-?\d+", str(value).strip()):
        raise stack.error(where, f"must be a whole number (got {value!r})")
    return int(value)


def _boolean(value: Any, where: str, stack: _Stack) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "false"):
        return str(value).lower() == "true"
    raise stack.error(where, f"must be true or false (got {value!r})")


def _function_arn(cloud: CloudBuilder, name: str) -> str:
    return f"arn:aws:lambda:{cloud.region}:{cloud.account_id}:function:{name}"


def _yaml_kind(value: Any) -> str:
    """What YAML calls a value: a list, a string, a number..."""
    return {list: "list", str: "string", bool: "boolean", int: "number", float: "number"}.get(type(value), type(value).__name__)
