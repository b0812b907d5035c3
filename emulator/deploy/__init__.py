"""Deploy a template to an AWS account through CloudFormation, as ``sam deploy`` does, and remove it again.

CloudFormation is AWS's deployment engine: you give it a template and a stack name, and it works out
what to create, change or delete, does it in dependency order, rolls back when a resource fails and
deletes the whole stack when asked. A deployment here is the ``sam deploy`` sequence, step by step:

1. :func:`connect` checks your credentials and region (``sts:GetCallerIdentity``);
2. :func:`plan` packages each function's code folder, uploads it to the deployment bucket
   (:mod:`.packaging`), translates a SAM template with SAM's own translator and applies your role
   (:mod:`.stack_template`), then asks CloudFormation for a **change set**: the list of what it would
   do (``Add``, ``Modify`` and whether that replaces the resource, ``Remove``). Nothing is created
   yet: the change set *is* the plan, and a dry run stops there;
3. :func:`apply` executes the change set and waits for the stack; a stack that fails reports the
   failed resources with CloudFormation's reasons (on AWS, CloudFormation has rolled the stack back);
   then it reports the stack's outputs and the HTTP API's address;
4. :func:`plan_destroy` lists what the stack holds; :func:`apply` of that plan deletes the stack.

A second deploy of the same stack makes an UPDATE change set: CloudFormation updates resources in
place where it can and says which ones it must replace. A change set with no change is "nothing to
do". :func:`discard` deletes a change set that will not be executed.

Where this differs from ``sam deploy``: the SAM transform runs here (the same library CloudFormation
runs), so the change set lists the resources SAM generates; the deployment bucket is a plain bucket
(``sam deploy --resolve-s3`` makes it through a stack of its own); the template goes inline unless it
is over CloudFormation's 51,200-byte limit (``sam deploy`` always uploads it).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError, WaiterError

from .account import Account, DeployError, confirm, connect, explained
from .packaging import Uploader, package
from .prices import cost_notes
from .stack_template import StackTemplate, prepare

__all__ = ["Account", "Change", "DeployError", "Deployment", "Plan", "apply", "confirm", "connect", "discard",
           "package", "plan", "plan_destroy"]

STACK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")  # CloudFormation's rule for a stack name
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]  # consent to IAM resources, as sam deploy gives
MAX_TEMPLATE_BODY = 51_200  # bytes: CloudFormation's limit for a template sent inline
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")  # CloudFormation's words for it
WAIT = {"Delay": 5, "MaxAttempts": 720}  # poll every 5 s for up to an hour, as sam deploy does
MARKS = {"Add": "+", "Modify": "~", "Remove": "-", "Import": "<", "Dynamic": "?"}


@dataclass(frozen=True)
class Change:
    """One line of a plan: what CloudFormation will do to one resource."""

    action: str  # Add, Modify or Remove
    logical_id: str
    resource_type: str
    replacement: str | None = None  # for Modify: True (replaced), False (in place) or Conditional

    def __str__(self) -> str:
        replaced = {"True": " (replaced: a new resource, then the old one deleted)", "False": " (in place)",
                    "Conditional": " (may be replaced)"}.get(str(self.replacement), "")
        return f"  {MARKS.get(self.action, '?')} {self.action:<6} {self.logical_id:<36} {self.resource_type}{replaced}"


@dataclass
class Plan:
    """What :func:`apply` will do: a change set to execute, or (``change_set`` None) the stack to delete."""

    account: Account
    stack: str
    changes: list[Change]
    change_set: str | None = None
    kind: str = "DELETE"  # CREATE or UPDATE (the change set's type), or DELETE
    template: Path | None = None
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        verb = {"CREATE": f"Deploy {self.template} as new stack", "UPDATE": "Update stack",
                "DELETE": "Destroy stack"}[self.kind]
        lines = [f"{verb} {self.stack!r} in {self.account}:"]
        if not self.changes:
            return "\n".join(lines + [f"  nothing to do: {self._nothing()}"])
        return "\n".join(lines + [str(change) for change in self.changes] + self.notes)

    def _nothing(self) -> str:
        return (f"there is no stack {self.stack!r}" if self.kind == "DELETE"
                else "the stack already matches the template")


@dataclass
class Deployment:
    """What a deploy left behind: the stack's outputs, its resources and the HTTP API's address."""

    stack: str
    status: str
    outputs: dict[str, str] = field(default_factory=dict)
    resources: dict[str, tuple[str, str]] = field(default_factory=dict)  # logical id -> (type, physical id)
    api_url: str | None = None

    def __str__(self) -> str:
        if self.status == "DELETE_COMPLETE":
            return f"Stack {self.stack!r} is deleted, with every resource it held."
        lines = [f"Stack {self.stack!r}: {self.status}."]
        lines += [f"  output {key}: {value}" for key, value in self.outputs.items()]
        lines += [f"  {logical_id} ({kind}): {physical}" for logical_id, (kind, physical) in self.resources.items()]
        lines += [f"  HTTP API: {self.api_url}"] if self.api_url else []
        return "\n".join(lines)


# -- planning --------------------------------------------------------------------------------------


def plan(template: str | Path, stack: str, account: Account, *, role_arn: str | None = None,
         parameters: dict[str, Any] | None = None) -> Plan:
    """Upload the code, then ask CloudFormation for a change set: what deploying ``template`` would do.

    Raises :class:`DeployError` for a stack CloudFormation cannot update now, or a change set it refuses.
    """
    _check_stack_name(stack)
    with explained(account):
        status = stack_status(account, stack)
        if status is not None and status.endswith("_IN_PROGRESS") and status != "REVIEW_IN_PROGRESS":
            raise DeployError(f"stack {stack!r} is busy ({status}): wait until it finishes, then deploy again")
        if status == "ROLLBACK_COMPLETE":  # CloudFormation can only delete a stack whose creation failed
            raise DeployError(f"stack {stack!r} failed its first creation and was rolled back (ROLLBACK_COMPLETE): "
                              f"run `python -m emulator destroy --stack {stack}`, then deploy again")
        uploader = Uploader(account)
        prepared = prepare(template, uploader, account.region, role_arn=role_arn, parameters=parameters)
        kind = "CREATE" if status in (None, "REVIEW_IN_PROGRESS") else "UPDATE"
        change_set, changes = _create_change_set(account, stack, kind, prepared, uploader, parameters or {})
    notes = _notes(prepared, uploader, role_arn)
    return Plan(account, stack, changes, change_set, kind, Path(template), notes)


def _check_stack_name(stack: str) -> None:
    if not STACK_NAME.match(stack or ""):
        raise DeployError(f"stack name {stack!r} is invalid: 1 to 128 letters, digits or hyphens, starting with a "
                          f"letter (for example calc-alice)")


def stack_status(account: Account, stack: str) -> str | None:
    """The stack's status (``CREATE_COMPLETE``...), or None when there is no such stack."""
    try:
        return account.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
    except ClientError as error:
        if "does not exist" in error.response["Error"].get("Message", ""):  # CloudFormation's ValidationError
            return None
        raise


def _create_change_set(account: Account, stack: str, kind: str, prepared: StackTemplate, uploader: Uploader,
                       parameters: dict[str, Any]) -> tuple[str | None, list[Change]]:
    """Create the change set and wait for it; its changes (none, and no change set, when nothing changes)."""
    body = json.dumps(prepared.body)
    # CloudFormation takes a template inline up to 51,200 bytes; a larger one must be read from S3.
    source = {"TemplateBody": body} if len(body.encode()) <= MAX_TEMPLATE_BODY else {
        "TemplateURL": uploader.template_url(body)}
    cfn = account.client("cloudformation")
    declared = prepared.body.get("Parameters") or {}
    name = f"lambda-lab-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}"
    cfn.create_change_set(StackName=stack, ChangeSetName=name, ChangeSetType=kind, **source,
                          Capabilities=CAPABILITIES, Description="made by python -m emulator deploy",
                          Parameters=[{"ParameterKey": key, "ParameterValue": str(value)}
                                      for key, value in parameters.items() if key in declared])
    described = _wait_for_change_set(account, stack, name)
    if described["Status"] == "FAILED":
        reason = described.get("StatusReason", "")
        if any(words in reason for words in NO_CHANGES):  # an empty change set: nothing to do, not an error
            _delete_change_set(account, stack, name, kind)
            return None, []
        raise DeployError(f"CloudFormation refused the change set for stack {stack!r}: {reason}")
    return name, [_change(c["ResourceChange"]) for c in _change_pages(cfn, stack, name, described)]


def _wait_for_change_set(account: Account, stack: str, name: str) -> dict:
    cfn = account.client("cloudformation")
    try:
        cfn.get_waiter("change_set_create_complete").wait(StackName=stack, ChangeSetName=name, WaiterConfig=WAIT)
    except WaiterError:
        pass  # a FAILED change set ends the waiter too: its StatusReason says why
    return cfn.describe_change_set(StackName=stack, ChangeSetName=name)


def _change_pages(cfn, stack: str, name: str, first: dict) -> list[dict]:
    """Every change of the change set (DescribeChangeSet pages them)."""
    changes, page = list(first.get("Changes", [])), first
    while page.get("NextToken"):
        page = cfn.describe_change_set(StackName=stack, ChangeSetName=name, NextToken=page["NextToken"])
        changes += page.get("Changes", [])
    return changes


def _change(change: dict) -> Change:
    return Change(change["Action"], change["LogicalResourceId"], change["ResourceType"], change.get("Replacement"))


def _notes(prepared: StackTemplate, uploader: Uploader, role_arn: str | None) -> list[str]:
    """What the plan says below its changes: the code uploaded, the role, and the prices."""
    lines = [f"  code {code.name}/ ({size / 1024:.1f} KB zipped) uploaded to {location}"
             for location, (code, size) in uploader.uploaded.items()]
    if role_arn:
        dropped = f"; SAM's generated roles are not created: {', '.join(prepared.dropped_roles)}" \
            if prepared.dropped_roles else ""
        lines.append(f"  every function uses the role {role_arn}{dropped}")
    return lines + [""] + cost_notes(prepared.body["Resources"])


def plan_destroy(stack: str, account: Account) -> Plan:
    """List what the stack holds: what :func:`apply` of this plan deletes (nothing when there is no stack)."""
    _check_stack_name(stack)
    with explained(account):
        if stack_status(account, stack) is None:
            return Plan(account, stack, [])
        resources = stack_resources(account, stack)
    changes = [Change("Remove", logical_id, kind) for logical_id, (kind, _) in resources.items()]
    return Plan(account, stack, changes, notes=["  CloudFormation deletes them in the reverse order of their creation"])


def discard(plan: Plan) -> None:
    """Delete the plan's change set (and the empty stack a first change set created): nothing is left."""
    if plan.change_set is not None:
        with explained(plan.account):
            _delete_change_set(plan.account, plan.stack, plan.change_set, plan.kind)


def _delete_change_set(account: Account, stack: str, name: str, kind: str) -> None:
    cfn = account.client("cloudformation")
    cfn.delete_change_set(StackName=stack, ChangeSetName=name)
    if kind == "CREATE" and stack_status(account, stack) == "REVIEW_IN_PROGRESS":
        cfn.delete_stack(StackName=stack)  # the stack only held this change set


# -- applying ----------------------------------------------------------------------------------------


def apply(plan: Plan, *, log: Callable[[str], None] = print) -> Deployment:
    """Execute the plan's change set (or delete the stack) and wait; raises :class:`DeployError` if it fails."""
    if plan.account.read_only:
        raise DeployError("this account was opened read-only (a dry run): connect again without read_only to deploy")
    cfn = plan.account.client("cloudformation")
    with explained(plan.account):
        if plan.kind == "DELETE":
            if not plan.changes and stack_status(plan.account, plan.stack) is None:
                return Deployment(plan.stack, "DELETE_COMPLETE")
            cfn.delete_stack(StackName=plan.stack)
            log(f"deleting stack {plan.stack} ...")
            _wait_for_stack(plan, "stack_delete_complete")
            return Deployment(plan.stack, "DELETE_COMPLETE")
        if plan.change_set is None:
            return describe(plan.account, plan.stack)
        cfn.execute_change_set(StackName=plan.stack, ChangeSetName=plan.change_set)
        log(f"executing change set {plan.change_set} on stack {plan.stack} ...")
        _wait_for_stack(plan, "stack_create_complete" if plan.kind == "CREATE" else "stack_update_complete")
        return describe(plan.account, plan.stack)


def _wait_for_stack(plan: Plan, waiter: str) -> None:
    started = time.time()
    try:
        plan.account.client("cloudformation").get_waiter(waiter).wait(StackName=plan.stack, WaiterConfig=WAIT)
    except WaiterError:
        raise DeployError(failure_report(plan.account, plan.stack, since=started)) from None


def failure_report(account: Account, stack: str, since: float = 0.0) -> str:
    """The stack's status and each resource that failed since ``since``, with CloudFormation's reason."""
    cfn = account.client("cloudformation")
    status = stack_status(account, stack) or "DELETE_COMPLETE"
    events = [e for page in cfn.get_paginator("describe_stack_events").paginate(StackName=stack)
              for e in page["StackEvents"] if e["Timestamp"].timestamp() >= since]
    failed = [e for e in reversed(events) if e.get("ResourceStatus", "").endswith("_FAILED")
              and e.get("LogicalResourceId") != stack]
    lines = [f"stack {stack!r} did not finish: it is {status}."]
    lines += [f"  {e['LogicalResourceId']} ({e.get('ResourceType', '?')}) {e['ResourceStatus']}: "
              f"{e.get('ResourceStatusReason') or 'no reason given'}" for e in failed]
    if not failed:
        lines.append("  CloudFormation named no failed resource: read the stack's events in the CloudFormation console")
    if any("iam:CreateRole" in (e.get("ResourceStatusReason") or "") for e in failed):
        lines.append("  You may not create IAM roles (AWS Academy): deploy with --role-arn "
                     "arn:aws:iam::<account>:role/LabRole")
    if status.startswith(("ROLLBACK", "UPDATE_ROLLBACK")):
        lines.append("  CloudFormation rolled the stack back: fix the template and deploy again "
                     "(after a failed first creation, destroy the stack first)")
    return "\n".join(lines)


def describe(account: Account, stack: str) -> Deployment:
    """The stack as it stands: status, outputs, resources, and the HTTP API's URL if it has one."""
    cfn = account.client("cloudformation")
    found = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in found.get("Outputs", [])}
    resources = stack_resources(account, stack)
    return Deployment(stack, found["StackStatus"], outputs, resources, _api_url(resources, account.region))


def stack_resources(account: Account, stack: str) -> dict[str, tuple[str, str]]:
    """Logical id -> (type, physical id) of every resource the stack holds (ListStackResources pages them)."""
    pages = account.client("cloudformation").get_paginator("list_stack_resources").paginate(StackName=stack)
    return {r["LogicalResourceId"]: (r["ResourceType"], r.get("PhysicalResourceId", ""))
            for page in pages for r in page["StackResourceSummaries"]
            if r.get("LogicalResourceId")}  # moto lists the resources it skipped with an empty id, or none


def _api_url(resources: dict[str, tuple[str, str]], region: str) -> str | None:
    """The invoke URL of the stack's API: HTTP API ``$default`` stage, or a REST API's first stage."""
    apis = {kind: physical for kind, physical in resources.values() if kind.startswith("AWS::ApiGateway")}
    if "AWS::ApiGatewayV2::Api" in apis:
        return f"https://{apis['AWS::ApiGatewayV2::Api']}.execute-api.{region}.amazonaws.com"
    if "AWS::ApiGateway::RestApi" in apis:
        stage = apis.get("AWS::ApiGateway::Stage", "Prod")
        return f"https://{apis['AWS::ApiGateway::RestApi']}.execute-api.{region}.amazonaws.com/{stage}"
    return None
