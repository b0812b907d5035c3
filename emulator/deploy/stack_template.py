"""The template CloudFormation receives: plain resources, code in S3, and the role you chose.

A SAM template is translated here, by the same SAM translator the local cloud uses
(:func:`emulator.templates.sam.translate`), with each local ``CodeUri`` uploaded first so the
translation points at real S3 objects. A plain CloudFormation template may name a function's code
by a local path (``Code: calculator/``), as ``aws cloudformation package`` accepts: that path is
uploaded and replaced by its S3 location.

With a role ARN (on AWS Academy, ``arn:aws:iam::<account>:role/LabRole``, because Learner Lab users
may not create roles), every ``AWS::Lambda::Function`` runs with that role, and the IAM roles SAM
generated (``<Function>Role``, a schedule's ``<Function><Event>Role``) are removed: every reference
to one now names your role.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..templates.cloudformation import read_template
from ..templates.sam import SERVERLESS_TRANSFORM, is_sam, translate, uses_sam_types
from ..templates.sources import kind_of
from .account import DeployError
from .packaging import Uploader

FUNCTION, ROLE = "AWS::Lambda::Function", "AWS::IAM::Role"
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/(?:[\w+=,.@-]+/)*([\w+=,.@-]{1,64})$")
OTHER_TOOLS = {"terraform": "a Terraform configuration: deploy it with `terraform apply` (set each function's "
                            "role = \"arn:aws:iam::<account>:role/LabRole\" on AWS Academy)",
               "serverless": "a serverless.yml: deploy it with `serverless deploy`"}


@dataclass
class StackTemplate:
    """What a deployment sends: the CloudFormation template, and what preparing it did."""

    body: dict[str, Any]
    source: str  # "SAM" or "CloudFormation"
    dropped_roles: list[str] = field(default_factory=list)


def prepare(path: str | Path, upload: Uploader, region: str, *, role_arn: str | None = None,
            parameters: dict[str, Any] | None = None) -> StackTemplate:
    """The template at ``path`` ready for CloudFormation: translated if SAM, code uploaded, role applied."""
    path = Path(path)
    if kind_of(path) in OTHER_TOOLS:
        raise DeployError(f"{path} is {OTHER_TOOLS[kind_of(path)]}. deploy takes a SAM or CloudFormation template")
    if role_arn is not None and not ROLE_ARN.match(role_arn):
        raise DeployError(f"--role-arn {role_arn!r} is not an IAM role ARN: write it as "
                          f"arn:aws:iam::123456789012:role/LabRole (your account id; AWS Details shows it)")
    template = read_template(path)
    generated: set[str] = set()  # logical ids SAM wrote that the author did not
    if is_sam(template) or uses_sam_types(template):
        body, _, _ = translate({**template, "Transform": SERVERLESS_TRANSFORM}, path, region, parameters or {},
                               upload=upload)
        generated, source = set(body["Resources"]) - set(template["Resources"]), "SAM"
    else:
        body, source = template, "CloudFormation"
        _upload_local_code(body, path, upload)
    dropped = _use_role(body, role_arn, generated) if role_arn else []
    return StackTemplate(body, source, dropped)


def _upload_local_code(template: dict, path: Path, upload: Uploader) -> None:
    """``Code: folder/`` of each function replaced by the S3 location it was uploaded to."""
    for logical_id, resource in template["Resources"].items():
        properties = resource.get("Properties") or {}
        if resource.get("Type") != FUNCTION or not isinstance(properties.get("Code"), str):
            continue
        local = (path.parent / properties["Code"]).resolve()
        if not local.exists():
            raise DeployError(f"{path}: Resources.{logical_id}.Properties.Code: {properties['Code']!r} does not "
                              f"exist (looked for {local}); Code is relative to the template's folder")
        bucket, _, key = upload(local).removeprefix("s3://").partition("/")
        properties["Code"] = {"S3Bucket": bucket, "S3Key": key}


def _use_role(body: dict, role_arn: str, generated: set[str]) -> list[str]:
    """Every function runs with ``role_arn``; the IAM roles SAM generated go. Returns their logical ids."""
    resources = body["Resources"]
    dropped = sorted(logical_id for logical_id in generated if resources[logical_id].get("Type") == ROLE)
    for logical_id in dropped:
        del resources[logical_id]
    role_name = ROLE_ARN.match(role_arn).group(1)
    body["Resources"] = _without_references(resources, set(dropped), role_arn, role_name)
    for resource in body["Resources"].values():
        if resource.get("Type") == FUNCTION:
            resource.setdefault("Properties", {})["Role"] = role_arn
    return dropped


def _without_references(value: Any, roles: set[str], role_arn: str, role_name: str) -> Any:
    """``value`` with ``!GetAtt R.Arn`` of a dropped role ``R`` as ``role_arn``, ``!Ref R`` as its name,
    and ``R`` gone from every ``DependsOn``."""
    if isinstance(value, list):
        return [_without_references(item, roles, role_arn, role_name) for item in value]
    if not isinstance(value, dict):
        return value
    if value.get("Ref") in roles:
        return role_name
    attribute = value.get("Fn::GetAtt")
    if isinstance(attribute, list) and attribute and attribute[0] in roles:
        return role_arn
    result = {key: _without_references(item, roles, role_arn, role_name) for key, item in value.items()}
    depends = result.get("DependsOn")
    if isinstance(depends, (str, list)):
        kept = [d for d in ([depends] if isinstance(depends, str) else depends) if d not in roles]
        if kept:
            result["DependsOn"] = kept
        else:
            del result["DependsOn"]
    return result
