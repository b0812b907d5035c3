"""``python -m emulator destroy --stack NAME``: delete every resource that carries the stack's tag.

It lists what carries ``lambda-lab:stack=NAME`` in the region (and nothing else: a resource without
the tag is never touched), asks before deleting unless ``--yes`` is given, then deletes it, the HTTP
API and triggers first and the queues last. ``--dry-run`` only lists.

    python -m emulator destroy --stack calc-alice
"""

from __future__ import annotations

import argparse

from .. import deploy
from .deploy import add_account_arguments, carry_out


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "destroy", help="delete every resource of a stack made by deploy (what carries its tag)",
        description=__doc__.split("\n\n")[0].replace("``", ""))
    parser.add_argument("--stack", required=True, help="the stack's name, as given to deploy")
    add_account_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return carry_out(args, lambda account: deploy.plan_destroy(args.stack, account))
