"""What a template is built into, and what building it reports.

Every reader of infrastructure code (SAM, CloudFormation, Terraform, serverless.yml) ends in the same
place: calls on a :class:`CloudBuilder` (a LocalCloud) and a :class:`TemplateReport` that lists what
was built, as CloudFormation's stack resource list does, with a warning for everything the local cloud could not build. A template that is wrong raises
:class:`TemplateError`, whose message names the file, the resource and the property at fault.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

DEFAULT_STACK_NAME = "local"  # what `sam local` answers for AWS::StackName


class CloudBuilder(Protocol):
    """What a template is built into: a LocalCloud, or anything with the same methods."""

    region: str
    account_id: str
    api_gateway: Any  # routes, authorizers and CORS (the gateway's ApiGateway)
    template: "TemplateReport | None"

    def create_function(self, name: str, **options: Any) -> Any: ...

    def create_queue(self, name: str, **options: Any) -> str: ...

    def queue_arn(self, queue: str) -> str: ...

    def create_event_source_mapping(self, queue: str, function: str, **options: Any) -> Any: ...

    def schedule(self, rule_name: str, expression: str, function: str, **options: Any) -> Any: ...

    def add_route(self, method: str, path: str, function: str, **options: Any) -> None: ...

    def configure_async(self, name: str, **options: Any) -> None: ...

    def client(self, service: str) -> Any: ...


class TemplateError(ValueError):
    """The template is wrong: the message names the file, the resource and the property."""


@dataclass(frozen=True)
class ScheduleInfo:
    """A schedule the template declares (an EventBridge rule or a Scheduler schedule): what the local
    cloud plays, invoking ``function`` with ``input``."""

    rule: str
    expression: str
    function: str
    enabled: bool = True
    input: Any = None

    def describe(self) -> str:
        return f"{self.expression} -> {self.function}" + ("" if self.enabled else " (disabled)")


@dataclass(frozen=True)
class MappingInfo:
    """An SQS event source mapping the template created."""

    queue: str
    function: str
    batch_size: int = 10
    enabled: bool = True


@dataclass(frozen=True)
class RouteInfo:
    """An API route the template created (``rest``: API Gateway REST API, ``http``: HTTP API)."""

    api: str
    kind: str
    method: str
    path: str
    function: str
    authorizer: str | None = None


@dataclass
class TemplateReport:
    """What a template built, and the warnings about what it could not build.

    ``resources`` maps each logical id (the name in the template) to its physical id (the name or
    URL the resource got in the cloud), as CloudFormation's stack resource list does. ``source``
    says which reader read it: SAM, CloudFormation, Terraform or Serverless Framework.
    """

    path: Path
    stack_name: str = DEFAULT_STACK_NAME
    source: str = "CloudFormation"
    resources: dict[str, str] = field(default_factory=dict)
    functions: list[str] = field(default_factory=list)
    queues: dict[str, str] = field(default_factory=dict)
    dead_letter_queues: dict[str, str] = field(default_factory=dict)
    schedules: list[ScheduleInfo] = field(default_factory=list)
    mappings: list[MappingInfo] = field(default_factory=list)
    routes: list[RouteInfo] = field(default_factory=list)
    user_pools: dict[str, str] = field(default_factory=dict)  # logical id -> user pool id or app client id
    warnings: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"{self.path} ({self.source}, stack {self.stack_name})",
                 f"  functions: {', '.join(self.functions) or 'none'}"]
        lines += [f"  queue {name}" + (f" -> dead-letter queue {self.dead_letter_queues[name]}"
                                       if name in self.dead_letter_queues else "") for name in self.queues]
        lines += [f"  schedule {s.rule}: {s.describe()}" for s in self.schedules]
        lines += [f"  SQS {m.queue} -> {m.function} (batch {m.batch_size})" for m in self.mappings]
        lines += [f"  {r.kind} API {r.api}: {r.method} {r.path} -> {r.function}" for r in self.routes]
        lines += [f"  Cognito {logical_id}: {physical}" for logical_id, physical in self.user_pools.items()]
        lines += [f"  warning: {warning}" for warning in self.warnings]
        return "\n".join(lines)

    def summary(self) -> str:
        """One line: which kind of file was read, and how much it declares."""
        return (f"Read {self.path} as {self.source}: {len(self.functions)} function(s), {len(self.queues)} "
                f"queue(s), {len(self.schedules)} schedule(s), {len(self.mappings)} SQS trigger(s), "
                f"{len(self.routes)} route(s).")
