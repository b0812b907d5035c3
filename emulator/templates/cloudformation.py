"""CloudFormation: the one model every template is built from.

A CloudFormation template lists resources (``AWS::Lambda::Function``, ``AWS::SQS::Queue``,
``AWS::Lambda::EventSourceMapping``...), each with a type and properties. CloudFormation creates each
resource after the ones it mentions (``!Ref``, ``!GetAtt``, ``!Sub "${X}"``, ``DependsOn``), so a
dead-letter queue exists before the queue whose redrive policy names it. :func:`build` does the
same against a :class:`~.report.CloudBuilder`: SAM templates arrive here after SAM's own translator
(:mod:`.sam`), Terraform (:mod:`.terraform`) and serverless.yml (:mod:`.serverless`) after being
written as the CloudFormation resources they stand for.

Where this differs from AWS:

- functions, queues and rules are named after their logical id unless the template names them
  (CloudFormation would add the stack name and a random suffix);
- resource types the local cloud does not emulate (DynamoDB tables, buckets...) are not created: one
  warning lists them, ``!Ref`` gives their logical id and ``!GetAtt`` an ARN-shaped stand-in (Cognito
  user pools, clients and groups are created, in moto: :mod:`.user_pools`);
- IAM roles and policies, permissions, versions, aliases, log groups and API stages are kept as data:
  every function may call every other resource here;
- a Scheduler schedule without ``Input`` delivers EventBridge's scheduled event, and schedules run in
  UTC whatever their ``ScheduleExpressionTimezone``; ``Outputs`` are not evaluated.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ..arns import function_name_from, queue_name_from
from ..runtime.packages import unpack
from . import apis, user_pools
from .intrinsics import NO_VALUE, Scope, boolean, integer, references, text
from .report import DEFAULT_STACK_NAME, CloudBuilder, MappingInfo, ScheduleInfo, TemplateError, TemplateReport

FUNCTION, QUEUE = "AWS::Lambda::Function", "AWS::SQS::Queue"
CODE_CACHE = Path(tempfile.gettempdir()) / "lambda-lab-code"  # inline and zipped code, unpacked once
# Services whose invoke permissions the local cloud honours by firing their events.
EMULATED_PRINCIPALS = ("events.amazonaws.com", "scheduler.amazonaws.com", "apigateway.amazonaws.com")
# Types kept as data: Ref and GetAtt work, nothing runs. Value: the attributes GetAtt gives.
DATA_TYPES = {
    "AWS::IAM::Role": ("Arn", "RoleId"), "AWS::IAM::Policy": (), "AWS::IAM::ManagedPolicy": ("PolicyArn",),
    "AWS::SQS::QueuePolicy": (), "AWS::Logs::LogGroup": ("Arn",), "AWS::Lambda::Permission": (),
    "AWS::Lambda::Version": ("Version",), "AWS::Lambda::Alias": ("AliasArn",), "AWS::Lambda::LayerVersion": (),
    "AWS::ApiGateway::Deployment": ("DeploymentId",), "AWS::ApiGateway::Stage": (),
    "AWS::ApiGatewayV2::Stage": (), "AWS::ApiGatewayV2::Deployment": (),
}
# Template property -> keyword of the cloud method.
QUEUE_NUMBERS = {"VisibilityTimeout": "visibility_timeout", "DelaySeconds": "delay_seconds",
                 "MessageRetentionPeriod": "message_retention_period"}
FUNCTION_NUMBERS = {"Timeout": "timeout", "MemorySize": "memory_size",
                    "ReservedConcurrentExecutions": "reserved_concurrency"}
ASYNC_NUMBERS = {"MaximumRetryAttempts": "maximum_retry_attempts",
                 "MaximumEventAgeInSeconds": "maximum_event_age"}


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


def read_yaml(path: str | Path, what: str = "template") -> Any:
    """The YAML (or JSON) file at ``path`` as plain data, intrinsic functions in their long form."""
    path = Path(path)
    if path.is_dir():
        raise TemplateError(f"{path} is a folder: give the template file in it, e.g. {path / 'template.yaml'}")
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as error:
        raise TemplateError(f"{path}: cannot read the {what} ({error.strerror})") from None
    try:
        return yaml.load(source, Loader=TemplateLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise TemplateError(f"{path}: not valid YAML{where}: {getattr(error, 'problem', None) or error}") from None


def read_template(path: str | Path) -> dict[str, Any]:
    """The template at ``path`` as plain Python data, intrinsic functions in their long form."""
    template = read_yaml(path)
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        raise TemplateError(f"{path}: a template is a mapping with a 'Resources' section (found none)")
    return template


# -- building ---------------------------------------------------------------------------------------


def build(template: dict, cloud: CloudBuilder, path: Path, *, parameters: dict[str, Any] | None = None,
          stack_name: str = DEFAULT_STACK_NAME, source: str = "CloudFormation",
          code: dict[str, Path] | None = None, origins: dict[str, str] | None = None) -> TemplateReport:
    """Create in ``cloud`` what the CloudFormation ``template`` declares; the report is also ``cloud.template``.

    ``code`` maps ``s3://bucket/key`` locations to the local files they stand for (SAM's ``CodeUri``);
    ``origins`` names, for a generated resource, what the author wrote (``Resources.Fn.Properties.Events.X``).
    """
    report = TemplateReport(path, stack_name, source)
    stack = Stack(template, cloud, report, parameters or {}, code or {})
    stack.scope.origins.update(origins or {})
    stack.build()
    cloud.template = report
    return report


class Stack:
    """One template being built into one cloud: its scope of values and what each resource became."""

    def __init__(self, template: dict, cloud: CloudBuilder, report: TemplateReport, overrides: dict[str, Any],
                 code: dict[str, Path]) -> None:
        self.cloud = cloud
        self.report = report
        self.folder = report.path.parent
        self.code = code
        self.scope = Scope(report.path, template, region=cloud.region, account_id=cloud.account_id,
                           stack_name=report.stack_name, overrides=overrides, warnings=report.warnings)
        self.resources = self._declared(template["Resources"])
        self.not_built: set[str] = set()  # functions declared but not runnable here (another runtime)
        self.not_emulated: list[str] = []
        self.apis = apis.Apis(self)

    def _declared(self, resources: dict) -> dict[str, dict]:
        for logical_id, resource in resources.items():
            if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
                raise self.error(f"Resources.{logical_id}", "a resource is a mapping with a 'Type'")
            self.mapping(resource.get("Properties"), f"Resources.{logical_id}.Properties")
            self.scope.declared[logical_id] = resource["Type"]
        return resources

    # -- helpers the creators share ----------------------------------------------------------------

    def error(self, where: str, problem: str) -> TemplateError:
        return self.scope.error(where, problem)

    def warn(self, message: str) -> None:
        self.report.warnings.append(message)

    def label(self, logical_id: str) -> str:
        """A resource as a warning names it: its logical id, and what generated it if it was generated."""
        origin = self.scope.origins.get(logical_id)
        return f"{logical_id} ({origin})" if origin else logical_id

    def mapping(self, value: Any, where: str) -> dict:
        return self.scope.mapping(value, where)

    def value(self, properties: dict, key: str, where: str, default: Any = None) -> Any:
        """One property, resolved; ``default`` when it is absent (or ``!Ref AWS::NoValue``)."""
        resolved = self.scope.resolve(properties[key], f"{where}.{key}") if key in properties else NO_VALUE
        return default if resolved is NO_VALUE else resolved

    def section(self, properties: dict, key: str, where: str) -> dict:
        """A property that is a mapping, resolved: ``{}`` when absent."""
        return self.mapping(self.value(properties, key, where), f"{where}.{key}")

    def number(self, properties: dict, key: str, where: str, default: Any = None) -> int:
        return integer(self.scope, self.value(properties, key, where, default), f"{where}.{key}")

    def flag(self, properties: dict, key: str, where: str, default: bool) -> bool:
        return boolean(self.scope, self.value(properties, key, where, default), f"{where}.{key}")

    def required(self, properties: dict, key: str, where: str) -> Any:
        value = self.value(properties, key, where)
        if value in (None, ""):
            raise self.error(f"{where}.{key}", "is missing")
        return value

    def numbers(self, properties: dict, names: dict[str, str], where: str) -> dict[str, int]:
        """The numeric properties in ``names`` that are set, as the cloud method's keyword arguments."""
        return {option: self.number(properties, key, where) for key, option in names.items() if key in properties}

    def call(self, where: str, method: Callable, *args: Any, **kwargs: Any) -> Any:
        """Call a cloud method, naming the template property when the cloud rejects a value."""
        try:
            return method(*args, **kwargs)
        except TemplateError:
            raise
        except Exception as error:
            raise self.error(where, str(error)) from error

    def remember(self, logical_id: str, physical: Any, **attributes: str) -> None:
        self.scope.refs[logical_id] = physical
        self.scope.attributes[logical_id] = attributes
        self.report.resources[logical_id] = physical

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.cloud.region}:{self.cloud.account_id}:{resource}"

    def target_function(self, reference: Any, where: str) -> str | None:
        """The function a trigger invokes (a name or ARN); None, with a warning, if it is not built here."""
        name = function_name_from(text(reference))
        if name in self.not_built:
            self.warn(f"{where}: its function {name} is not built here, so neither is this trigger")
            return None
        if name not in self.report.functions:  # another stack's function, or no function at all
            self.warn(f"{where}: {text(reference)} is not a function of this template, so this is not built here")
            return None
        return name

    # -- order -------------------------------------------------------------------------------------

    def build(self) -> None:
        for logical_id in self._creation_order():
            self._create(logical_id)
        if self.not_emulated:
            self.warn(f"not emulated, so not created (!Ref gives the logical id): {', '.join(self.not_emulated)}")

    def _creation_order(self) -> list[str]:
        """Resources to create, each after those it refers to (CloudFormation's dependency order)."""
        active = []
        for logical_id, resource in self.resources.items():
            name = resource.get("Condition")
            if name is not None and not self.scope.condition(name, f"Resources.{logical_id}.Condition"):
                self.scope.skipped[logical_id] = f"its Condition {name} is false"
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
        depends_on = resource.get("DependsOn") or []
        found = [(name, f"Resources.{logical_id}.DependsOn")
                 for name in ([depends_on] if isinstance(depends_on, str) else depends_on)]
        found += list(references(resource.get("Properties") or {}, f"Resources.{logical_id}.Properties"))
        dependencies = []
        for name, where in found:
            if name in self.scope.skipped:
                continue  # fine inside an !If branch that is not taken; resolving it would fail
            self.scope.check_known(name, where)
            if name in self.resources and name not in dependencies:
                dependencies.append(name)
        return dependencies

    def _create(self, logical_id: str) -> None:
        kind = self.resources[logical_id]["Type"]
        properties = self.resources[logical_id].get("Properties") or {}
        where = f"Resources.{logical_id}.Properties"
        creator = CREATORS.get(kind) or apis.CREATORS.get(kind) or user_pools.CREATORS.get(kind)
        if creator is not None:
            creator(self, logical_id, properties, where)
        elif kind in DATA_TYPES:
            self._keep_as_data(logical_id, kind, properties, where)
        else:
            self.scope.refs[logical_id] = logical_id  # so a !Ref to it still reads as a name
            self.scope.attributes[logical_id] = None
            self.not_emulated.append(f"{logical_id} ({kind})")

    def _keep_as_data(self, logical_id: str, kind: str, properties: dict, where: str) -> None:
        """IAM roles, permissions, versions...: Ref and GetAtt work as in CloudFormation, nothing runs."""
        if kind == "AWS::IAM::Role":
            name = self.value(properties, "RoleName", where, logical_id)
            self.remember(logical_id, name, Arn=f"arn:aws:iam::{self.cloud.account_id}:role/{name}",
                          RoleId=f"AROA{hashlib.sha1(name.encode()).hexdigest()[:17].upper()}")
            return
        if kind == "AWS::Lambda::Permission":
            self._permission(logical_id, properties, where)
        physical = self._data_ref(kind, logical_id, properties, where)
        self.remember(logical_id, physical, **{attribute: physical for attribute in DATA_TYPES[kind]})

    def _data_ref(self, kind: str, logical_id: str, properties: dict, where: str) -> str:
        """What !Ref gives for a resource kept as data (an ARN where CloudFormation gives one)."""
        if kind == "AWS::Lambda::Version":
            return f"{self._function_arn(properties, where)}:1"
        if kind == "AWS::Lambda::Alias":
            return f"{self._function_arn(properties, where)}:{self.value(properties, 'Name', where, logical_id)}"
        if kind == "AWS::Logs::LogGroup":
            return self.value(properties, "LogGroupName", where, logical_id)
        if kind == "AWS::Lambda::LayerVersion":
            return self.arn("lambda", f"layer:{self.value(properties, 'LayerName', where, logical_id)}:1")
        return logical_id

    def _function_arn(self, properties: dict, where: str) -> str:
        return self.arn("lambda", f"function:{function_name_from(text(self.value(properties, 'FunctionName', where)))}")

    def _permission(self, logical_id: str, properties: dict, where: str) -> None:
        principal = text(self.value(properties, "Principal", where, ""))
        if principal.endswith(".amazonaws.com") and principal not in EMULATED_PRINCIPALS:
            function = function_name_from(text(self.value(properties, "FunctionName", where, "")))
            self.warn(f"{self.label(logical_id)}: lets {principal} invoke {function}, but that service's events "
                      f"are not emulated here")

    # -- queues ------------------------------------------------------------------------------------

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
        self.remember(logical_id, url, Arn=self.cloud.queue_arn(name), QueueName=name, QueueUrl=url)
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
        count = integer(self.scope, redrive.get("maxReceiveCount"), f"{where}.maxReceiveCount")
        return queue_name_from(str(redrive["deadLetterTargetArn"])), count

    # -- functions ---------------------------------------------------------------------------------

    def create_function(self, logical_id: str, properties: dict, where: str) -> None:
        """``AWS::Lambda::Function``: Ref gives the function name; attribute Arn."""
        name = self.value(properties, "FunctionName", where, logical_id)
        self.remember(logical_id, name, Arn=self.arn("lambda", f"function:{name}"))
        runtime = self.value(properties, "Runtime", where)
        if self.value(properties, "PackageType", where) == "Image" or not str(runtime).startswith("python3"):
            self.not_built.add(name)
            self.warn(f"{self.label(logical_id)}: {'a container image' if runtime is None else f'Runtime {runtime}'} "
                      f"cannot run here (only python3.x handlers do), so the function and its triggers were not created")
            return
        if properties.get("Layers"):
            self.warn(f"{self.label(logical_id)}: Layers are not loaded locally; put the modules they provide "
                      f"in the function's code folder")
        handler = self.value(properties, "Handler", where)
        if not handler:
            raise self.error(f"{where}.Handler", "is missing: give the handler as module.function")
        tracing = self.section(properties, "TracingConfig", where).get("Mode")
        logging_config = self.section(properties, "LoggingConfig", where) or None  # LogFormat, levels, LogGroup
        self.call(where, self.cloud.create_function, name, handler=handler,
                  code=self._code_path(properties, where), **({"tracing": tracing} if tracing else {}),
                  environment=self._environment(properties, where), logging_config=logging_config,
                  **self.numbers(properties, FUNCTION_NUMBERS, where))
        self.report.functions.append(name)

    def _code_path(self, properties: dict, where: str) -> Path:
        """Code: a local folder, .py or .zip file (as `aws cloudformation package` reads it), ZipFile
        (inline source, which CloudFormation saves as index.py), or an S3 location standing for a local file."""
        code = self.value(properties, "Code", where)
        if isinstance(code, dict) and "ZipFile" in code:
            return _cached(text(code["ZipFile"]).encode(), lambda folder: (folder / "index.py").write_text(
                text(code["ZipFile"]), encoding="utf-8"))
        if isinstance(code, dict) and "S3Bucket" in code:
            location = f"s3://{code['S3Bucket']}/{code.get('S3Key', '')}"
            if location not in self.code:
                raise self.error(f"{where}.Code", f"{location} is an S3 location: point the code at the local "
                                                  f"folder that holds it")
            local = self.code[location]
        elif isinstance(code, str):
            local = (self.folder / code).resolve()
        else:
            raise self.error(f"{where}.Code", f"must be a local path, ZipFile or S3Bucket/S3Key (got {code!r})")
        if not local.exists():
            raise self.error(f"{where}.Code", f"{local} does not exist")
        return _unzipped(local) if local.suffix == ".zip" else local

    def _environment(self, properties: dict, where: str) -> dict[str, str]:
        """Environment.Variables as strings (a !Ref to a queue gives its URL, as in CloudFormation)."""
        environment = self.section(properties, "Environment", where)
        variables = self.mapping(environment.get("Variables"), f"{where}.Environment.Variables")
        for key, value in variables.items():
            if isinstance(value, (dict, list)):
                raise self.error(f"{where}.Environment.Variables.{key}",
                                 f"an environment variable is a string (got {value!r})")
        return {key: text(value) for key, value in variables.items()}

    # -- triggers ----------------------------------------------------------------------------------

    def create_event_source_mapping(self, logical_id: str, properties: dict, where: str) -> None:
        """``AWS::Lambda::EventSourceMapping``: Lambda polls the queue and invokes the function with batches."""
        source = text(self.required(properties, "EventSourceArn", where))
        if ":sqs:" not in source:
            self.warn(f"{self.label(logical_id)}: event source {source} is not emulated (only SQS queues are)")
            self.remember(logical_id, logical_id)
            return
        function = self.target_function(self.required(properties, "FunctionName", where), self.label(logical_id))
        response_types = self.value(properties, "FunctionResponseTypes", where, [])
        if not isinstance(response_types, list):
            raise self.error(f"{where}.FunctionResponseTypes", f"must be a list (got {response_types!r}): write "
                                                               f"FunctionResponseTypes: [ReportBatchItemFailures]")
        unknown = [t for t in response_types if t != "ReportBatchItemFailures"]
        if unknown:
            raise self.error(f"{where}.FunctionResponseTypes", f"{unknown} not allowed: the only "
                                                               f"response type is ReportBatchItemFailures")
        if function is None:
            return
        queue, batch_size = queue_name_from(source), self.number(properties, "BatchSize", where, 10)
        enabled = self.flag(properties, "Enabled", where, True)
        mapping = self.call(where, self.cloud.create_event_source_mapping, queue, function, batch_size=batch_size,
                            maximum_batching_window=self.number(properties, "MaximumBatchingWindowInSeconds", where, 0),
                            report_batch_item_failures=bool(response_types), enabled=enabled)
        self.remember(logical_id, getattr(mapping, "uuid", logical_id))  # Ref of a mapping is its UUID
        self.report.mappings.append(MappingInfo(queue, function, batch_size, enabled))

    def create_rule(self, logical_id: str, properties: dict, where: str) -> None:
        """``AWS::Events::Rule`` with a ScheduleExpression and Lambda targets (event patterns are not emulated)."""
        name = self.value(properties, "Name", where, logical_id)
        self.remember(logical_id, name, Arn=self.arn("events", f"rule/{name}"))
        expression = self.value(properties, "ScheduleExpression", where)
        if expression is None:
            self.warn(f"{self.label(logical_id)}: rules matching an EventPattern are not emulated (schedules are)")
            return
        enabled = str(self.value(properties, "State", where, "ENABLED")).upper() != "DISABLED"
        targets = self.value(properties, "Targets", where, [])
        for index, target in enumerate(targets if isinstance(targets, list) else []):
            target = self.mapping(target, f"{where}.Targets[{index}]")
            rule = name if index == 0 else f"{name}-{target.get('Id', index)}"
            self._schedule(logical_id, rule, expression, target, enabled, f"{where}.Targets[{index}]")

    def create_schedule(self, logical_id: str, properties: dict, where: str) -> None:
        """``AWS::Scheduler::Schedule``: EventBridge Scheduler invoking one Lambda target."""
        name = self.value(properties, "Name", where, logical_id)
        self.remember(logical_id, name, Arn=self.arn("scheduler", f"schedule/default/{name}"))
        zone = self.value(properties, "ScheduleExpressionTimezone", where, "UTC")
        if zone != "UTC":
            self.warn(f"{self.label(logical_id)}: runs in UTC here, not in {zone}")
        enabled = str(self.value(properties, "State", where, "ENABLED")).upper() != "DISABLED"
        self._schedule(logical_id, name, self.required(properties, "ScheduleExpression", where),
                       self.section(properties, "Target", where), enabled, f"{where}.Target")

    def _schedule(self, logical_id: str, rule: str, expression: str, target: dict, enabled: bool, where: str) -> None:
        arn = text(target.get("Arn", ""))
        if ":lambda:" not in arn and ":function:" not in arn:
            self.warn(f"{self.label(logical_id)}: target {arn} is not emulated (only Lambda functions are)")
            return
        function = self.target_function(arn, self.label(logical_id))
        event_input = target.get("Input")
        if isinstance(event_input, str):
            try:
                event_input = json.loads(event_input)
            except ValueError:
                raise self.error(f"{where}.Input", f"is not valid JSON: {event_input!r}") from None
        if function is not None:
            self.call(where, self.cloud.schedule, rule, expression, function, input=event_input, enabled=enabled)
            self.report.schedules.append(ScheduleInfo(rule, expression, function, enabled, event_input))

    def create_event_invoke_config(self, logical_id: str, properties: dict, where: str) -> None:
        """``AWS::Lambda::EventInvokeConfig``: retries, maximum event age and SQS destinations."""
        self.remember(logical_id, logical_id)
        function = self.target_function(self.required(properties, "FunctionName", where), self.label(logical_id))
        options: dict[str, Any] = self.numbers(properties, ASYNC_NUMBERS, where)
        destinations = self.section(properties, "DestinationConfig", where)
        for condition, option in (("OnFailure", "on_failure"), ("OnSuccess", "on_success")):
            destination = text(self.section(destinations, condition, f"{where}.DestinationConfig").get("Destination", ""))
            if ":sqs:" in destination:
                options[option] = queue_name_from(destination)
            elif destination:
                self.warn(f"{self.label(logical_id)}: the {condition} destination {destination} is not emulated "
                          f"(only SQS queues are)")
        if function is not None:
            self.call(where, self.cloud.configure_async, function, **options)


CREATORS: dict[str, Callable[[Stack, str, dict, str], None]] = {
    FUNCTION: Stack.create_function,
    QUEUE: Stack.create_queue,
    "AWS::Lambda::EventSourceMapping": Stack.create_event_source_mapping,
    "AWS::Events::Rule": Stack.create_rule,
    "AWS::Scheduler::Schedule": Stack.create_schedule,
    "AWS::Lambda::EventInvokeConfig": Stack.create_event_invoke_config,
}


def _cached(content: bytes, write: Callable[[Path], Any]) -> Path:
    """A folder under the code cache named by ``content``'s digest, filled by ``write`` the first time."""
    folder = CODE_CACHE / hashlib.sha256(content).hexdigest()[:24]
    if not folder.exists():
        CODE_CACHE.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="staging-", dir=CODE_CACHE))
        write(staging)
        try:
            staging.replace(folder)
        except OSError:  # another process unpacked the same code first
            shutil.rmtree(staging, ignore_errors=True)
    return folder


def _unzipped(archive: Path) -> Path:
    """A .zip deployment package unpacked as Lambda unpacks it (into its task root)."""
    data = archive.read_bytes()
    return _cached(data, lambda folder: unpack(data, folder, direct=False))
