"""The command line: ``python -m emulator <command>``, in the spirit of ``sam local``.

Each module of :mod:`emulator.commands` is one command: it provides ``register(subparsers)``, which
adds its sub-parser and sets ``run``, and ``run(args) -> int``, the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from . import commands
from .aws.endpoint import EndpointError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m emulator",
        description="Lambda Lab's local cloud: run Lambda handlers and their triggers on this machine.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        importlib.import_module(f"{commands.__name__}.{module_info.name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except EndpointError as error:  # LAMBDA_LAB_ENDPOINT_URL is malformed, is AWS, or nothing answers there
        print(f"error: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `python -m emulator generate-event sqs | head` closed the pipe early
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
