"""``python -m emulator invoke FILE[:HANDLER] --event EVENT.json``: run a handler once, like ``sam local invoke``.

    python -m emulator invoke work/sum_two/lambda_function.py --event event.json
    python -m emulator generate-event sqs --body '{"a": 1}' | python -m emulator invoke handler.py:main --event -

The handler's return value is printed on stdout as JSON (the error envelope when it fails), its log
lines (START, your output, END, REPORT) go to stderr, and the exit code is 1 when the function errors,
so the command composes in shell scripts.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..runtime import LambdaServiceError
from . import pair


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "invoke", help="run a handler once with an event",
        description="Run a Python Lambda handler once in the local cloud. Payload on stdout, logs on stderr.")
    parser.add_argument("target", metavar="FILE[:HANDLER]",
                        help="the handler's .py file, optionally with the function name (default lambda_handler)")
    parser.add_argument("--event", "-e", default=None,
                        help="a JSON file holding the event, or - to read it from stdin (default: {})")
    parser.add_argument("--env", action="append", type=pair("KEY=VALUE", "GREETING=hello"), default=[], metavar="KEY=VALUE",
                        help="an environment variable for the function (repeatable)")
    parser.add_argument("--timeout", type=float, default=3, help="timeout in seconds (default: 3)")
    parser.add_argument("--memory", type=int, default=128, help="memory size in MB (default: 128)")
    parser.set_defaults(run=run)


def read_event(source: str | None) -> object:
    """The event from a file, from stdin (``-``), or ``{}``; a clear message for what is not JSON."""
    if source is None:
        return {}
    text = sys.stdin.read() if source == "-" else _read_file(source)
    where = "stdin" if source == "-" else source
    if not text.strip():
        raise SystemExit(f"error: the event in {where} is empty: write a JSON event there, e.g. {{}}, or generate "
                         f"one with: python -m emulator generate-event sqs > event.json")
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        problem = error if isinstance(error, ValueError) else "it is nested too deeply for JSON"
        raise SystemExit(f"error: the event in {where} is not valid JSON: {problem}. "
                         f"Generate one with: python -m emulator generate-event sqs > event.json")


def _read_file(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError as error:
        raise SystemExit(f"error: cannot read the event file {path!r}: {error.strerror}")


def run(args: argparse.Namespace) -> int:
    from ..cloud import LocalCloud
    from ..aws.endpoint import notice

    file, _, function = args.target.partition(":")
    path = Path(file)
    event = read_event(args.event)
    name = path.stem.replace(".", "_")
    with LocalCloud() as cloud:
        if cloud.endpoint_url:
            print(notice(cloud.endpoint_url), file=sys.stderr)
        try:
            cloud.create_function(name, handler=f"{path.stem}.{function or 'lambda_handler'}", code=path,
                                  timeout=args.timeout, memory_size=args.memory, environment=dict(args.env))
            invocation = cloud.invoke(name, event)
        except LambdaServiceError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    sys.stderr.write(invocation.logs)
    print(json.dumps(invocation.error if invocation.error else invocation.payload, indent=2))
    return 1 if invocation.error else 0
