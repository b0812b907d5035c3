"""``python -m emulator run PATH --for 1h``: play a template's triggers in virtual time.

PATH is a SAM or CloudFormation template, a Terraform folder or a serverless.yml; the first line of
the output says which it read. Its functions, queues and triggers are built in a local cloud (as
``LocalCloud.from_template`` does), the messages given with ``--send`` are put in their queues, and
the virtual clock moves forward by ``--for``. On the way every schedule fires, every queue is polled
and every retry happens, in time order, in a fraction of the time they stand for. A summary follows:
invocations and errors per function, and the messages left in each queue and dead-letter queue.

    python -m emulator run template.yaml --for 1h30m --start 2026-01-01T00:00:00 \\
        --send input_queue='{"number1": 1, "number2": 5, "operation": "+"}'
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from datetime import datetime, timedelta

from ..cloud import LocalCloud
from ..aws.endpoint import notice
from ..templates.report import TemplateError, TemplateReport
from . import pair

DURATION = re.compile(r"(?:\d+(?:\.\d+)?[smhd])+")
DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
QUEUE_COUNTS = {  # SQS queue attribute -> column of the summary
    "ApproximateNumberOfMessages": "waiting",
    "ApproximateNumberOfMessagesNotVisible": "in flight",
    "ApproximateNumberOfMessagesDelayed": "delayed",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run", help="play a template's triggers in virtual time and summarise what happened",
        description=__doc__.split("\n\n")[0].replace("``", ""))
    parser.add_argument("template", help="a SAM/CloudFormation template, a Terraform folder or a serverless.yml")
    parser.add_argument("--for", dest="duration", type=parse_duration, required=True, metavar="DURATION",
                        help="virtual time to play: 90s, 30m, 1h, 2d or a combination such as 1h30m")
    parser.add_argument("--start", type=parse_start, default=None, metavar="TIME",
                        help="virtual start time in UTC, such as 2026-01-01T00:00:00 (default: now)")
    parser.add_argument("--send", type=pair("QUEUE=BODY", "input_queue='{\"number1\": 1}'"), action="append", default=[], metavar="QUEUE=BODY",
                        help="send a message (usually JSON) to a queue of the template before playing; repeatable")
    parser.set_defaults(run=run)


def parse_duration(text: str) -> timedelta:
    """``90s``, ``30m``, ``1h``, ``2d``, or a combination such as ``1h30m``, as a timedelta."""
    if not DURATION.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration: write a number and a unit (s, m, h or d), such as 90s, 30m, 1h or 1h30m")
    return timedelta(seconds=sum(float(number) * UNIT_SECONDS[unit] for number, unit in DURATION_PART.findall(text)))


def parse_start(text: str) -> datetime:
    """An ISO 8601 date and time; without a time zone it is taken as UTC."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date and time: write it as 2026-01-01T00:00:00 (UTC)") from None


def run(args: argparse.Namespace) -> int:
    try:
        cloud = LocalCloud.from_template(args.template, start_time=args.start)
    except TemplateError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    try:
        report: TemplateReport = cloud.template
        print(report.summary())
        for warning in report.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        if cloud.endpoint_url:
            print(notice(cloud.endpoint_url), file=sys.stderr)
        try:
            urls = [(queue_url(report, queue), body) for queue, body in args.send]
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        for url, body in urls:
            cloud.sqs.send_message(QueueUrl=url, MessageBody=body)
        started, wall_clock = cloud.clock.now(), time.perf_counter()
        cloud.advance(seconds=args.duration.total_seconds())
        print(summary(cloud, report, started, time.perf_counter() - wall_clock))
    finally:
        cloud.stop()
    return 0


def queue_url(report: TemplateReport, queue: str) -> str:
    """The URL of a template queue named by its queue name or its logical id."""
    url = report.queues.get(queue) or report.resources.get(queue)
    if url not in report.queues.values():
        known = ", ".join(report.queues) or "none"
        raise ValueError(f"--send {queue}=...: the template has no queue {queue!r} (its queues: {known})")
    return url


def summary(cloud: LocalCloud, report: TemplateReport, started: datetime, wall_seconds: float) -> str:
    """What happened: the time played, then invocations per function and messages per queue."""
    ended = cloud.clock.now()
    lines = [f"Played {ended - started} of virtual time, {started:%Y-%m-%d %H:%M:%S} to "
             f"{ended:%Y-%m-%d %H:%M:%S} UTC, in {wall_seconds:.2f} s.", ""]
    lines += _function_table(cloud, report)
    lines.append("")
    lines += _queue_table(cloud, report)
    return "\n".join(lines)


def _function_table(cloud: LocalCloud, report: TemplateReport) -> list[str]:
    invocations, errors, triggers = Counter(), Counter(), Counter()
    for invocation in cloud.invocations:
        invocations[invocation.function] += 1
        errors[invocation.function] += invocation.error is not None
        triggers[invocation.function, invocation.trigger.split(":")[0]] += 1
    names = list(dict.fromkeys([*report.functions, *invocations]))
    width = max([len("Function"), *map(len, names)])
    rows = [f"{'Function':<{width}}  {'invocations':>11}  {'errors':>6}  triggers"]
    for name in names:
        by_trigger = ", ".join(f"{kind} {count}" for (function, kind), count in sorted(triggers.items())
                               if function == name)
        rows.append(f"{name:<{width}}  {invocations[name]:>11}  {errors[name]:>6}  {by_trigger or '-'}")
    return rows


def _queue_table(cloud: LocalCloud, report: TemplateReport) -> list[str]:
    if not report.queues:
        return ["No queues."]
    dead_letter_queues = set(report.dead_letter_queues.values())
    labels = {name: f"{name} (dead-letter)" if name in dead_letter_queues else name for name in report.queues}
    width = max(len("Queue"), *map(len, labels.values()))
    rows = [f"{'Queue':<{width}}  " + "  ".join(f"{column:>9}" for column in QUEUE_COUNTS.values())]
    for name, url in report.queues.items():
        attributes = cloud.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(QUEUE_COUNTS))["Attributes"]
        rows.append(f"{labels[name]:<{width}}  " + "  ".join(f"{attributes.get(key, '0'):>9}" for key in QUEUE_COUNTS))
    return rows
