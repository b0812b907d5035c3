"""``python -m emulator deploy template.yaml --stack NAME``: a SAM or CloudFormation template deployed
through CloudFormation, in a real AWS account (or another endpoint), like ``sam deploy``.

It uploads the code, asks CloudFormation for a change set and prints it as the plan (``+ Add``,
``~ Modify``, ``- Remove``, and what that may cost), asks before executing it unless ``--yes`` is
given, then waits for the stack and prints its outputs, resources and the HTTP API's address.
``--dry-run`` prints the plan, deletes the change set and stops: no resource is created, changed or
deleted. Run it again after editing a handler or the template: CloudFormation updates the stack.

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
        "deploy", help="deploy a SAM or CloudFormation template through CloudFormation (a change set)",
        description=__doc__.split("\n\n")[0].replace("``", ""))
    parser.add_argument("template", help="the SAM or CloudFormation template (template.yaml)")
    parser.add_argument("--stack", required=True, help="the CloudFormation stack's name")
    parser.add_argument("--role-arn", help="the role every function uses (AWS Academy: arn:aws:iam::ACCOUNT:role/LabRole); "
                                           "without it, SAM's generated roles are created")
    parser.add_argument("--parameter", action="append", default=[], type=pair("KEY=VALUE", "Stage=prod"), metavar="KEY=VALUE",
                        help="a template parameter's value, as sam deploy --parameter-overrides (repeatable)")
    add_account_arguments(parser)
    parser.set_defaults(run=run)


def add_account_arguments(parser: argparse.ArgumentParser) -> None:
    """The options deploy and destroy share: where to go, and whether to ask first."""
    parser.add_argument("--region", help="the AWS region (default: your AWS configuration's; AWS Academy: us-east-1)")
    parser.add_argument("--endpoint-url", help=f"send every AWS call here instead, e.g. a moto server's "
                                               f"http://127.0.0.1:5000 (default: ${ENDPOINT_VARIABLE})")
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
        if args.dry_run or not plan.changes:  # the plan says when there is nothing to do
            deploy.discard(plan)
            print("Dry run: nothing was created, changed or deleted." if args.dry_run else "", end="\n" * args.dry_run)
            return 0
        try:
            agreed = deploy.confirm(f"Make these changes in {account}?", yes=args.yes)
        except deploy.DeployError:
            deploy.discard(plan)  # nobody could be asked: leave no change set behind
            raise
        if not agreed:
            deploy.discard(plan)
            print("Cancelled: nothing was changed.")
            return 1
        print(deploy.apply(plan))
    except (deploy.DeployError, TemplateError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0
