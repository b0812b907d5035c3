"""EventBridge schedule rules: the periodic triggers.

A rule with a schedule expression (``rate(1 minute)``, ``cron(30 8 ? * MON-FRI *)``, or a one-time
``at(2026-12-01T09:00:00)`` schedule) fires at the times its expression gives and sends its target
function either the *scheduled event* (``"detail-type": "Scheduled Event"``, with the rule's ARN and
the firing time) or the constant ``Input`` configured on the target. EventBridge invokes Lambda
asynchronously, so a failing target is retried by Lambda's asynchronous invocation (see
``invocations.py``).

Rules come from ``cloud.schedule(...)`` or from plain boto3: ``events.put_rule`` with a
``ScheduleExpression`` and ``events.put_targets`` naming a function of this cloud, or an EventBridge
Scheduler schedule (``scheduler.create_schedule``, which AWS now recommends over scheduled rules) whose
target is such a function. moto (or the endpoint, asked through the APIs) stores those, and
:meth:`RuleBook.sync` turns them into triggers before the clock moves; deleting them with boto3
stops them.

Where we cannot be faithful: a Scheduler schedule runs in UTC (its time zone, StartDate, EndDate and
flexible time window are not modelled), is retried as Lambda retries asynchronous events (not with
Scheduler's own retry policy), and without an ``Input`` its function receives EventBridge's scheduled
event rather than Scheduler's own default payload.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from moto.events.models import events_backends
from moto.scheduler.models import scheduler_backends

from .. import events
from .schedules import InvalidScheduleExpression, ValidationException, parse_schedule
from .service import LambdaService
from .timeline import Timeline


# EventBridge's PutRule Name (and Scheduler's CreateSchedule Name): 1 to 64 of these characters.
RULE_NAME = re.compile(r"[.\-_A-Za-z0-9]{1,64}")


def check_rule_name(name: Any, field: str = "name") -> str:
    """``name`` when EventBridge accepts it as a rule name, else ValidationException with AWS's message."""
    if not isinstance(name, str):
        raise ValidationException(f"the rule name must be a string (got {name!r}, a {type(name).__name__})")
    if RULE_NAME.fullmatch(name):
        return name
    # AWS's own sentence comes first; the kit adds what to write instead.
    constraint = ("Member must have length less than or equal to 64" if len(name) > 64 else
                  "Member must have length greater than or equal to 1" if not name else
                  "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+")
    suggestion = re.sub(r"[^.\-_A-Za-z0-9]+", "-", name).strip("-")[:64] or "every-minute"
    raise ValidationException(f"1 validation error detected: Value '{name}' at '{field}' failed to satisfy "
                              f"constraint: {constraint}. A rule name is 1 to 64 letters, digits, '.', '-' or '_': "
                              f"write e.g. {suggestion!r}")


def check_input(value: Any, rule: str) -> Any:
    """A target's constant input must be JSON (PutTargets' Input is a JSON text): refused now, not when it fires."""
    try:
        json.dumps(value)
    except (TypeError, ValueError, RecursionError) as error:
        raise ValidationException(f"the input of rule {rule!r} cannot be sent as JSON ({error}): "
                                  f"use dicts, lists, str, numbers, bools and None") from None
    return value


class ScheduleService(LambdaService, Protocol):
    """The Lambda service, the timeline rules fire on, and where boto3's rules are kept."""

    timeline: Timeline
    endpoint_url: str | None  # None: moto in this process holds the rules


class ScheduledRule:
    """One rule and one target function: a trigger on the timeline."""

    pending_work = False  # a schedule never finishes: run_until_idle does not wait for it

    def __init__(self, cloud: ScheduleService, name: str, expression: str, function: str,
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

    def __init__(self, cloud: ScheduleService) -> None:
        self.cloud = cloud
        self.rules: dict[str, ScheduledRule] = {}
        self._seen: dict[str, tuple] = {}  # what sync() last saw of each schedule made with boto3 (its name first)

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
        """Pick up schedules created, changed or deleted with boto3: EventBridge rules (``events.put_rule``
        / ``put_targets``) and EventBridge Scheduler schedules (``scheduler.create_schedule``)."""
        current: set[str] = set()
        for found in self._found():
            function = self._local_function(found.target_arn)
            if function is None:
                continue
            current.add(found.key)
            seen = (found.name, found.expression, function, found.input, found.enabled)
            if self._seen.get(found.key) == seen:
                continue
            self._seen[found.key] = seen
            if found.zone != "UTC":
                warnings.warn(f"{found.service} {found.name!r} runs in UTC here, not in {found.zone}", stacklevel=2)
            try:
                self.add(found.name, found.expression, function, _parse_input(found.input), found.enabled)
            except InvalidScheduleExpression as error:
                raise InvalidScheduleExpression(f"{found.service} {found.name!r}: {error}") from None
        for key in set(self._seen) - current:  # deleted with boto3 (delete_rule, remove_targets, delete_schedule)
            self.remove(self._seen.pop(key)[0])

    def _found(self) -> list["FoundSchedule"]:
        if self.cloud.endpoint_url:
            return _rules_through_api(self.cloud.client("events")) + _schedules_through_api(self.cloud.client("scheduler"))
        return _rules_in_moto(self.cloud.account_id, self.cloud.region) + _schedules_in_moto(self.cloud.account_id,
                                                                                             self.cloud.region)

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
class FoundSchedule:
    """One schedule made with boto3, as its service describes it: an EventBridge rule's target, or an
    EventBridge Scheduler schedule (whose one target is the function)."""

    key: str  # what identifies it from one sync to the next
    name: str  # the name of the local rule that plays it
    service: str  # for messages: "EventBridge rule" or "EventBridge Scheduler schedule"
    expression: str
    enabled: bool
    target_arn: str
    input: str | None  # the target's Input, a JSON text
    zone: str = "UTC"


def _rule_targets(name: str, expression: str, state: str, targets: list[dict]) -> list[FoundSchedule]:
    """A rule's targets; a rule with several targets becomes one local rule per target."""
    return [FoundSchedule(f"rule/{name}/{target.get('Id')}", name if len(targets) == 1 else f"{name}/{target.get('Id')}",
                          "EventBridge rule", expression, state == "ENABLED", target.get("Arn", ""), target.get("Input"))
            for target in targets]


def _scheduler_schedule(group: str, name: str, expression: str, state: str | None, target: dict, zone: str | None
                        ) -> FoundSchedule:
    # UpdateSchedule replaces every value; one left out takes its default (ENABLED, UTC), as in Scheduler.
    return FoundSchedule(f"scheduler/{group}/{name}", name, "EventBridge Scheduler schedule", expression,
                         (state or "ENABLED") == "ENABLED", target.get("Arn", ""), target.get("Input"), zone or "UTC")


# Read from the in-process moto directly: a boto3 round trip per rule would cost milliseconds at every
# move of the clock (and the real-time mode moves it ten times a second).

def _rules_in_moto(account_id: str, region: str) -> list[FoundSchedule]:
    bus = events_backends[account_id][region].event_buses.get("default")
    return [found for rule in (bus.rules.values() if bus else []) if rule.scheduled_expression
            for found in _rule_targets(rule.name, rule.scheduled_expression, rule.state, list(rule.targets))]


def _schedules_in_moto(account_id: str, region: str) -> list[FoundSchedule]:
    return [_scheduler_schedule(group.name, schedule.name, schedule.schedule_expression, schedule.state,
                                schedule.target, schedule.schedule_expression_timezone)
            for group in scheduler_backends[account_id][region].schedule_groups.values()
            for schedule in group.schedules.values()]


# An endpoint's services are asked through their APIs.

def _rules_through_api(events_api) -> list[FoundSchedule]:
    """ListRules, then ListTargetsByRule for each schedule rule."""
    return [found for page in events_api.get_paginator("list_rules").paginate()
            for rule in page.get("Rules", []) if rule.get("ScheduleExpression")
            for found in _rule_targets(rule["Name"], rule["ScheduleExpression"], rule.get("State", "ENABLED"),
                                       [target for targets in events_api.get_paginator("list_targets_by_rule")
                                        .paginate(Rule=rule["Name"]) for target in targets.get("Targets", [])])]


def _schedules_through_api(scheduler_api) -> list[FoundSchedule]:
    """ListSchedules, then GetSchedule for each (the list leaves out the expression and the input)."""
    found = []
    for page in scheduler_api.get_paginator("list_schedules").paginate():
        for summary in page.get("Schedules", []):
            schedule = scheduler_api.get_schedule(Name=summary["Name"], GroupName=summary["GroupName"])
            found.append(_scheduler_schedule(summary["GroupName"], schedule["Name"], schedule["ScheduleExpression"],
                                             schedule.get("State", "ENABLED"), schedule["Target"],
                                             schedule.get("ScheduleExpressionTimezone")))
    return found
