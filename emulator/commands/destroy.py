"""``python -m emulator destroy --stack NAME``: delete a CloudFormation stack and every resource it holds.

It lists the stack's resources, asks before deleting unless ``--yes`` is given, then deletes the
stack and waits: CloudFormation deletes the resources in the reverse order of their creation, and
nothing outside the stack is touched. ``--dry-run`` only lists.

    python -m emulator destroy --stack calc-alice
"""

from __future__ import annotations

import argparse

from .. import deploy
from .deploy import add_account_arguments, carry_out


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "destroy", help="delete a CloudFormation stack made by deploy, with everything it holds",
        description=__doc__.split("\n\n")[0].replace("``", ""))
    parser.add_argument("--stack", required=True, help="the stack's name, as given to deploy")
    add_account_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return carry_out(args, lambda account: deploy.plan_destroy(args.stack, account))
