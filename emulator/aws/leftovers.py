"""What a local cloud created on another server, removed again when the cloud stops.

The in-process moto forgets everything when a local cloud stops, so running a notebook again starts
from an empty account. A server such as LocalStack (``LAMBDA_LAB_ENDPOINT_URL``) keeps its state: the
queues of the previous run, with their messages, and its schedule rules would still be there, and a
rule naming a function would fire in any notebook that has a function of that name. So, in endpoint
mode, the cloud notes what this process creates on the server (through botocore's hooks, whoever
calls: the cloud itself, a notebook cell, a handler):

- SQS queues (``CreateQueue``),
- EventBridge rules (``PutRule``) and EventBridge Scheduler schedules (``CreateSchedule``),
- Cognito user pools (``CreateUserPool``; deleting a pool deletes its app clients, groups and users),

and deletes them in ``stop()``. What other processes created is left alone. A queue that already
existed when this process "created" it (``CreateQueue`` on an existing name returns it) is deleted too.
"""

from __future__ import annotations

import warnings
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.handlers import BUILTIN_HANDLERS

from ..triggers.visibility import PARAMS_KEY, remember_params

# What a server answers when the resource is already gone: nothing left to delete.
ALREADY_GONE = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "ResourceNotFoundException")

_active: list["Leftovers"] = []


class Leftovers:
    """Resources created on the server by this process while the cloud runs."""

    def __init__(self, client) -> None:
        self.client = client  # LocalCloud.client: a boto3 client per service
        self.queues: list[str] = []  # queue URLs
        self.rules: list[str] = []  # rule names, on the default event bus
        self.schedules: list[tuple[str, str]] = []  # (group, name)
        self.user_pools: list[str] = []  # user pool ids

    def activate(self) -> None:
        _active.append(self)

    def remove(self) -> None:
        """Delete everything noted (schedules and rules first: they may point at queues), then stop noting."""
        if self in _active:
            _active.remove(self)
        for group, name in self.schedules:
            self._call("scheduler", "delete_schedule", Name=name, GroupName=group)
        for name in self.rules:
            targets = self._call("events", "list_targets_by_rule", Rule=name)  # a rule has at most 5
            if targets is None:
                continue
            if targets["Targets"]:  # a rule with targets cannot be deleted (EventBridge): they go first
                self._call("events", "remove_targets", Rule=name, Ids=[target["Id"] for target in targets["Targets"]])
            self._call("events", "delete_rule", Name=name)
        for url in self.queues:
            self._call("sqs", "delete_queue", QueueUrl=url)
        for pool in self.user_pools:
            self._call("cognito-idp", "delete_user_pool", UserPoolId=pool)
        self.queues, self.rules, self.schedules, self.user_pools = [], [], [], []

    def _call(self, service: str, operation: str, **params: Any) -> dict | None:
        """One clean-up call; None when the resource is gone already or the call failed (with a warning)."""
        try:
            return getattr(self.client(service), operation)(**params)
        except ClientError as error:
            if error.response["Error"]["Code"] not in ALREADY_GONE:
                warnings.warn(f"could not clean up {params} on the endpoint ({service} {operation}): {error}. "
                              f"Delete it there by hand", stacklevel=3)
        except BotoCoreError as error:  # the server went away first: nothing can be removed
            warnings.warn(f"could not clean up {params} on the endpoint ({service} {operation}): {error}",
                          stacklevel=3)
        return None


# -- botocore hooks: registered for every client, acting only while a cloud runs against an endpoint ---

def _created_queue(parsed: dict, **kwargs: Any) -> None:
    if _active and "QueueUrl" in parsed and parsed["QueueUrl"] not in _active[-1].queues:
        _active[-1].queues.append(parsed["QueueUrl"])


def _put_rule(parsed: dict, context: dict, **kwargs: Any) -> None:
    name = context.get(PARAMS_KEY, {}).get("Name")
    if _active and "RuleArn" in parsed and name not in _active[-1].rules:
        _active[-1].rules.append(name)


def _created_schedule(parsed: dict, context: dict, **kwargs: Any) -> None:
    params = context.get(PARAMS_KEY, {})
    schedule = (params.get("GroupName") or "default", params.get("Name"))
    if _active and "ScheduleArn" in parsed and schedule not in _active[-1].schedules:
        _active[-1].schedules.append(schedule)


def _created_user_pool(parsed: dict, **kwargs: Any) -> None:
    pool = parsed.get("UserPool", {}).get("Id")
    if _active and pool and pool not in _active[-1].user_pools:
        _active[-1].user_pools.append(pool)


BUILTIN_HANDLERS.extend([
    ("before-parameter-build.events.PutRule", remember_params),
    ("before-parameter-build.scheduler.CreateSchedule", remember_params),
    ("after-call.sqs.CreateQueue", _created_queue),
    ("after-call.events.PutRule", _put_rule),
    ("after-call.scheduler.CreateSchedule", _created_schedule),
    ("after-call.cognito-idp.CreateUserPool", _created_user_pool),
])
