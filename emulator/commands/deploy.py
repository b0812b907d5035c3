"""``python -m emulator deploy template.yaml --stack NAME``: the template's functions, queues and
triggers in a real AWS account (or another endpoint), like ``sam deploy``.

It prints the plan (what it creates ``+``, updates ``~`` and deletes ``-``, and what that may cost),
asks before changing anything unless ``--yes`` is given, then makes the changes and prints the
queue URLs and the HTTP API's address. ``--dry-run`` prints the plan and stops: it makes read-only
calls only. Run it again after editing a handler or the template: it updates the stack in place.

    python -m emulator deploy template.yaml --stack calc-alice --role-arn arn:aws:iam::123456789012:role/LabRole
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable

from .. import deploy
from ..aws.endpoint import ENDPOINT_VARIABLE
from ..templates.sam import TemplateError
from . import pair


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "deploy", help="deploy a SAM template's functions, queues and triggers to an AWS account",
        description=__doc__.split("\n\n")[0].replace("``", ""))
    parser.add_argument("template", help="the SAM template (template.yaml)")
    parser.add_argument("--stack", required=True, help="the stack's name: every resource is tagged with it")
    parser.add_argument("--role-arn", help="the role every function uses (AWS Academy: arn:aws:iam::ACCOUNT:role/LabRole); "
                                           "without it, one least-privilege role per function is created")
    parser.add_argument("--parameter", action="append", default=[], type=pair("KEY=VALUE", "Stage=prod"), metavar="KEY=VALUE",
                        help="a template parameter's value, as sam deploy --parameter-overrides (repeatable)")
    add_account_arguments(parser)
    parser.set_defaults(run=run)


def add_account_arguments(parser: argparse.ArgumentParser) -> None:
    """The options deploy and destroy share: where to go, and whether to ask first."""
    parser.add_argument("--region", help="the AWS region (default: your AWS configuration's; AWS Academy: us-east-1)")
    parser.add_argument("--endpoint-url", help=f"send every AWS call here instead, e.g. LocalStack's "
                                               f"http://localhost:4566 (default: ${ENDPOINT_VARIABLE})")
    parser.add_argument("--dry-run", action="store_true", help="print the plan and stop: change nothing")
    parser.add_argument("--yes", action="store_true", help="do not ask before changing the account")


def run(args: argparse.Namespace) -> int:
    return carry_out(args, lambda account: deploy.plan(args.template, args.stack, account, role_arn=args.role_arn,
                                                       parameters=dict(args.parameter)))


def carry_out(args: argparse.Namespace, make_plan: Callable[[deploy.Account], deploy.Plan]) -> int:
    """Connect, print the plan, stop there for --dry-run, ask unless --yes, then apply it."""
    try:
        account = deploy.connect(args.region, endpoint_url=args.endpoint_url, read_only=args.dry_run)
        plan = make_plan(account)
        print(plan, flush=True)
        if args.dry_run:
            print("Dry run: nothing was created, changed or deleted.")
            return 0
        if not plan.changes:
            return 0
        if not deploy.confirm(f"Make these changes in {account}?", yes=args.yes):
            print("Cancelled: nothing was changed.")
            return 1
        result = deploy.apply(plan)
    except (deploy.DeployError, TemplateError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if plan.spec is not None:
        print(result)
    return 0
