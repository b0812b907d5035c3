"""EventBridge and EventBridge Scheduler requests that moto accepts but AWS refuses: refused here, at once.

moto stores a rule called ``"every minute"`` and a schedule of ``rate(0 minutes)``; AWS refuses both
when the rule is created. Stored, they would fail far from the line that made them, when the clock
next moves. So while a local cloud runs, a botocore ``before-send`` hook checks these requests first
and answers as AWS does (HTTP 400, ``ValidationException``, AWS's message first, then what the kit
adds: why, and what to write instead):

- ``events.PutRule``: the rule name (1 to 64 of ``[.-_A-Za-z0-9]``) and the schedule expression
  (``rate()`` or ``cron()``: a rule takes no ``at()``): "Parameter ScheduleExpression is not valid.";
- ``scheduler.CreateSchedule`` / ``UpdateSchedule``: the schedule name, and the expression
  (``rate()``, ``cron()`` or ``at()``): "Invalid Schedule Expression ...".

The expressions are checked by :func:`emulator.triggers.schedules.parse_schedule`, the parser the
local cloud's triggers use, so what is accepted here is what fires later.
"""

from __future__ import annotations

import json
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

from botocore.awsrequest import AWSResponse
from botocore.handlers import BUILTIN_HANDLERS

from ..triggers.rules import check_rule_name
from ..triggers.schedules import InvalidScheduleExpression, ValidationException, parse_schedule
from .interception import active_cloud, refuse, stub_response


def check_put_rule(request, body: dict[str, Any]) -> None:
    """PutRule: raise ValidationException as EventBridge would."""
    check_rule_name(body.get("Name"))
    expression = body.get("ScheduleExpression")
    if expression is None:
        return
    try:
        if str(expression).strip().startswith("at("):  # one-time at() schedules are Scheduler's, not rules'
            raise InvalidScheduleExpression(f'"{expression}": a rule takes rate() or cron(); at() is for '
                                            f"EventBridge Scheduler (scheduler.create_schedule)")
        parse_schedule(expression)
    except InvalidScheduleExpression as error:
        raise ValidationException(f"Parameter ScheduleExpression is not valid. {error}") from None


def check_schedule(request, body: dict[str, Any]) -> None:
    """CreateSchedule / UpdateSchedule (the name is the last part of the URL): raise as Scheduler would."""
    check_rule_name(unquote(urlsplit(request.url).path.rstrip("/").rsplit("/", 1)[-1]))
    expression = body.get("ScheduleExpression")
    try:
        parse_schedule(expression)
    except InvalidScheduleExpression as error:
        raise ValidationException(f"Invalid Schedule Expression {expression}. {error}") from None


def _events_error(request, message: str) -> AWSResponse:
    """EventBridge speaks JSON 1.1: the error type and the message in the body."""
    body = json.dumps({"__type": "ValidationException", "message": message}).encode()
    return stub_response(request, 400, body, {"Content-Type": "application/x-amz-json-1.1"})


def _scheduler_error(request, message: str) -> AWSResponse:
    """Scheduler speaks REST-JSON: the error type in a header, the message in the body."""
    return stub_response(request, 400, json.dumps({"Message": message}).encode(),
                         {"x-amzn-ErrorType": "ValidationException"})


CHECKS: dict[str, tuple[Callable[[Any, dict], None], Callable[[Any, str], AWSResponse]]] = {
    "eventbridge.PutRule": (check_put_rule, _events_error),
    "scheduler.CreateSchedule": (check_schedule, _scheduler_error),
    "scheduler.UpdateSchedule": (check_schedule, _scheduler_error),
}


def _answer_refused(request, event_name: str, **kwargs: Any) -> AWSResponse | None:
    """botocore ``before-send``: AWS's error response for a refused request, else None (send it)."""
    service_operation = ".".join(event_name.split(".")[1:3])
    if service_operation not in CHECKS or active_cloud() is None:
        return None
    check, error_response = CHECKS[service_operation]
    try:
        check(request, json.loads(request.body or b"{}"))
    except ValidationException as refused:
        refuse(request)  # moto's stubber, which botocore asks too, then stands aside
        return error_response(request, str(refused))
    return None


# Ahead of moto's stubber, which would accept the request.
for _service in ("eventbridge", "scheduler"):
    BUILTIN_HANDLERS.insert(0, (f"before-send.{_service}", _answer_refused))
