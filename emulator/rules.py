"""EventBridge schedule rules: the periodic triggers.

A rule with a schedule expression (``rate(1 minute)``, ``cron(30 8 ? * MON-FRI *)``, or a one-time
``at(2026-12-01T09:00:00)`` schedule) fires at the times its expression gives and sends its target
function either the *scheduled event* (``"detail-type": "Scheduled Event"``, with the rule's ARN and
the firing time) or the constant ``Input`` configured on the target. EventBridge invokes Lambda
asynchronously, so a failing target is retried by Lambda's asynchronous invocation (see
``invocations.py``).

Rules come from ``cloud.schedule(...)`` or from plain boto3 (``events.put_rule`` with a
``ScheduleExpression`` and ``events.put_targets`` naming a function of this cloud): moto (or the
endpoint, asked through the EventBridge API) stores those, and :meth:`RuleBook.sync` turns them into
triggers before the clock moves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from moto.events.models import events_backends

from . import events
from .schedules import InvalidScheduleExpression, parse_schedule

if TYPE_CHECKING:
    from .cloud import LocalCloud


class ScheduledRule:
    """One rule and one target function: a trigger on the timeline."""

    pending_work = False  # a schedule never finishes: run_until_idle does not wait for it

    def __init__(self, cloud: "LocalCloud", name: str, expression: str, function: str,
                 input: Any = None, enabled: bool = True) -> None:
        self.cloud = cloud
        self.name = name
        self.function = function
        self.input = input
        self.enabled = enabled
        self.schedule = parse_schedule(expression, created_at=cloud.clock.now())
        self._next = self.schedule.next_after(cloud.clock.now())
        self.fired = 0

    @property
    def expression(self) -> str:
        return self.schedule.expression

    @property
    def arn(self) -> str:
        return f"arn:aws:events:{self.cloud.region}:{self.cloud.account_id}:rule/{self.name}"

    def __str__(self) -> str:
        return f"rule {self.name!r} {self.expression} -> {self.function!r}"

    def next_due(self, now: datetime) -> datetime | None:
        return self._next if self.enabled else None

    def fire(self, now: datetime) -> None:
        self._next = self.schedule.next_after(now)
        self.fired += 1
        payload = self.input if self.input is not None else events.scheduled(
            rule=self.name, time=now, region=self.cloud.region, account_id=self.cloud.account_id)
        self.cloud.invoke(self.function, payload, invocation_type="Event", trigger=f"schedule:{self.name}")


class RuleBook:
    """Every schedule rule of the cloud, whether made with cloud.schedule or with boto3."""

    def __init__(self, cloud: "LocalCloud") -> None:
        self.cloud = cloud
        self.rules: dict[str, ScheduledRule] = {}
        self._seen: dict[str, tuple] = {}  # what sync() last saw of each rule target

    def add(self, name: str, expression: str, function: str, input: Any = None,
            enabled: bool = True) -> ScheduledRule:
        """Create or replace rule ``name`` (the expression is checked: InvalidScheduleExpression)."""
        self.cloud.function(function)  # an unknown target fails now, with the function's name
        rule = ScheduledRule(self.cloud, name, expression, function, input, enabled)
        self.remove(name)
        self.rules[name] = rule
        self.cloud.timeline.add(rule)
        return rule

    def remove(self, name: str) -> None:
        old = self.rules.pop(name, None)
        if old is not None:
            self.cloud.timeline.remove(old)

    def sync(self) -> None:
        """Pick up rules created or changed with boto3 (``events.put_rule`` / ``put_targets``)."""
        found = (_rules_through_api(self.cloud.client("events")) if self.cloud.endpoint_url
                 else _rules_in_moto(self.cloud.account_id, self.cloud.region))
        for rule in found:
            for target in rule.targets:
                function = self._local_function(target.get("Arn", ""))
                if function is None:
                    continue
                key = f"{rule.name}/{target.get('Id')}"
                signature = (rule.expression, function, target.get("Input"), rule.state)
                if self._seen.get(key) == signature:
                    continue
                self._seen[key] = signature
                try:
                    self.add(rule.name if len(rule.targets) == 1 else key, rule.expression, function,
                             _parse_input(target.get("Input")), rule.state == "ENABLED")
                except InvalidScheduleExpression as error:
                    raise InvalidScheduleExpression(f"EventBridge rule {rule.name!r}: {error}") from None

    def _local_function(self, arn: str) -> str | None:
        prefix = f"arn:aws:lambda:{self.cloud.region}:{self.cloud.account_id}:function:"
        if not arn.startswith(prefix):
            return None
        name = arn[len(prefix):].split(":")[0]
        return name if name in self.cloud.functions else None


def _parse_input(text: str | None) -> Any:
    """A target's Input is a JSON text; the function receives it parsed."""
    return None if text is None else json.loads(text)


@dataclass
class FoundRule:
    """A schedule rule of the default event bus, as EventBridge describes it, with its targets."""

    name: str
    expression: str
    state: str
    targets: list[dict]  # {"Id", "Arn", "Input"?}, as ListTargetsByRule returns them


def _rules_in_moto(account_id: str, region: str) -> list[FoundRule]:
    """Read from the in-process moto directly: a boto3 round trip per rule would cost milliseconds at
    every move of the clock (and the real-time mode moves it ten times a second)."""
    bus = events_backends[account_id][region].event_buses.get("default")
    return [FoundRule(rule.name, rule.scheduled_expression, rule.state, list(rule.targets))
            for rule in (bus.rules.values() if bus else []) if rule.scheduled_expression]


def _rules_through_api(events_api) -> list[FoundRule]:
    """Ask an endpoint's EventBridge: ListRules, then ListTargetsByRule for each schedule rule."""
    return [FoundRule(rule["Name"], rule["ScheduleExpression"], rule.get("State", "ENABLED"),
                      [target for page in events_api.get_paginator("list_targets_by_rule").paginate(Rule=rule["Name"])
                       for target in page.get("Targets", [])])
            for page in events_api.get_paginator("list_rules").paginate()
            for rule in page.get("Rules", []) if rule.get("ScheduleExpression")]
