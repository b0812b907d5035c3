"""``python -m emulator generate-event TYPE``: print a sample event as JSON, like ``sam local generate-event``.

Save the output to a file and pass it to ``invoke --event`` to run a handler with the event a real
trigger would send:

    python -m emulator generate-event sqs --body '{"number1": 1, "number2": 5, "operation": "+"}' > event.json
    python -m emulator generate-event http-api --method POST --path /items --header 'Content-Type=application/json'

Each TYPE's options map onto the keyword arguments of the matching builder in :mod:`emulator.events`.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any, Callable

from .. import events
from . import pair


key_value = pair("NAME=VALUE", "page=2")


def moment(text: str) -> datetime:
    """Parse an ISO 8601 time such as ``2024-01-31T09:00:00Z`` (without an offset it is UTC)."""
    try:
        return datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO 8601 time such as 2024-01-31T09:00:00Z, got {text!r}") from None


def _option(parser: argparse.ArgumentParser, name: str, help: str, **settings: Any) -> None:
    """Add ``--name`` to ``parser``, showing its default in the help when it has one."""
    if settings.get("default") is not None:
        help = f"{help} (default: {settings['default']})"
    parser.add_argument(name, help=help, **settings)


def _where(parser: argparse.ArgumentParser, *, account: bool = True) -> None:
    """The options saying where the event comes from: --region, and --account-id."""
    _option(parser, "--region", "AWS region", default=events.DEFAULT_REGION)
    if account:
        _option(parser, "--account-id", "12-digit AWS account id", default=events.DEFAULT_ACCOUNT_ID)


def _time(parser: argparse.ArgumentParser, what: str) -> None:
    """A --time option, for when the event happened."""
    _option(parser, "--time", f"{what}, ISO 8601 such as 2024-01-31T09:00:00Z (default: now)", type=moment)


def _http_request(parser: argparse.ArgumentParser) -> None:
    """The options both API Gateway payload versions share: the parts of an HTTP request."""
    _option(parser, "--method", "HTTP method", default="GET", type=str.upper, choices=events.HTTP_METHODS)
    _option(parser, "--path", "request path", default="/")
    _option(parser, "--query", "query parameter; repeat it for more, or for several values of one name",
            action="append", type=key_value, metavar="NAME=VALUE")
    _option(parser, "--header", "request header; repeatable", action="append", type=key_value,
            metavar="NAME=VALUE")
    _option(parser, "--body", "request body, as text (JSON stays text, as HTTP carries it)")
    _option(parser, "--path-param", "path parameter of the matched route; repeatable", action="append",
            type=key_value, metavar="NAME=VALUE")
    _option(parser, "--source-ip", "caller's IP address", default="127.0.0.1")
    _time(parser, "request time")


def _request_arguments(args: argparse.Namespace) -> dict[str, Any]:
    """The builder arguments of an HTTP request, from the options of ``_http_request``."""
    return {"method": args.method, "path": args.path, "query": args.query, "headers": args.header,
            "body": args.body, "path_parameters": dict(args.path_param or []), "source_ip": args.source_ip,
            "time": args.time}


def _sqs(args: argparse.Namespace) -> dict:
    return events.sqs(queue=args.queue, records=args.body,
                      message_attributes=dict(args.attribute or []), region=args.region,
                      account_id=args.account_id)


def _schedule(args: argparse.Namespace) -> dict:
    return events.scheduled(args.rule, args.time, region=args.region, account_id=args.account_id)


def _api(args: argparse.Namespace) -> dict:
    return events.api_gateway(**_request_arguments(args), resource=args.resource, stage=args.stage,
                              account_id=args.account_id)


def _http_api(args: argparse.Namespace) -> dict:
    return events.http_api(**_request_arguments(args), cookies=args.cookie, route_key=args.route_key,
                           region=args.region, account_id=args.account_id)


def _s3(args: argparse.Namespace) -> dict:
    return events.s3_put(args.bucket, args.key, size=args.size, etag=args.etag, region=args.region,
                         time=args.time)


def _sns(args: argparse.Namespace) -> dict:
    return events.sns(args.message, topic=args.topic, subject=args.subject,
                      message_attributes=dict(args.attribute or []), region=args.region,
                      account_id=args.account_id, time=args.time)


def _event_type(kinds: Any, name: str, help: str, build: Callable[[argparse.Namespace], dict]
                ) -> argparse.ArgumentParser:
    parser = kinds.add_parser(name, help=help, description=help)
    parser.set_defaults(build=build)
    return parser


def register(subparsers: Any) -> None:
    """Add ``generate-event`` and its event types to the command line."""
    command = subparsers.add_parser(
        "generate-event", help="print a sample event (SQS, schedule, API Gateway, S3, SNS) as JSON",
        description="Print the event a trigger sends to a Lambda function, as indented JSON.")
    command.set_defaults(run=run)
    kinds = command.add_subparsers(dest="event_type", metavar="TYPE", required=True)

    sqs = _event_type(kinds, "sqs", "a batch of SQS messages, as an event source mapping delivers it", _sqs)
    _option(sqs, "--body", "message body, as text (default: 'Hello from SQS!'); repeat it for a batch",
            action="append")
    _option(sqs, "--queue", "queue name", default="MyQueue")
    _option(sqs, "--attribute", "String message attribute; repeatable", action="append", type=key_value,
            metavar="NAME=VALUE")
    _where(sqs)

    schedule = _event_type(kinds, "schedule", "the event of an EventBridge schedule rule firing", _schedule)
    _option(schedule, "--rule", "rule name", default="my-scheduled-rule")
    _time(schedule, "firing time")
    _where(schedule)

    api = _event_type(kinds, "api", "an API Gateway REST API request (Lambda proxy, payload 1.0)", _api)
    _http_request(api)
    _option(api, "--resource", "matched resource, such as /items/{id} (default: the path)")
    _option(api, "--stage", "deployment stage", default="prod")
    _option(api, "--account-id", "12-digit AWS account id", default=events.DEFAULT_ACCOUNT_ID)

    http_api = _event_type(kinds, "http-api", "an API Gateway HTTP API request (payload 2.0)", _http_api)
    _http_request(http_api)
    _option(http_api, "--cookie", "cookie sent with the request, NAME=VALUE; repeatable", action="append")
    _option(http_api, "--route-key", "matched route, such as 'GET /items/{id}'", default="$default")
    _where(http_api)

    s3 = _event_type(kinds, "s3", "the notification of an object created by a PUT in S3", _s3)
    _option(s3, "--bucket", "bucket name", default="example-bucket")
    _option(s3, "--key", "object key", default="test/key")
    _option(s3, "--size", "object size in bytes", default=1024, type=int)
    _option(s3, "--etag", "object ETag (default: random)")
    _time(s3, "event time")
    _where(s3, account=False)

    sns = _event_type(kinds, "sns", "a message published to an SNS topic the function subscribes to", _sns)
    _option(sns, "--message", "message text", default="example message")
    _option(sns, "--topic", "topic name", default="ExampleTopic")
    _option(sns, "--subject", "message subject (default: none)")
    _option(sns, "--attribute", "String message attribute; repeatable", action="append", type=key_value,
            metavar="NAME=VALUE")
    _time(sns, "publication time")
    _where(sns)


def run(args: argparse.Namespace) -> int:
    """Build the event and print it; a value the builder rejects is a usage error (exit code 2)."""
    try:
        event = args.build(args)
    except ValueError as error:
        print(f"python -m emulator generate-event {args.event_type}: error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(event, indent=2, ensure_ascii=False))
    return 0
