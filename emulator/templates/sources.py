"""Which kind of infrastructure code a path holds, and the reader for it.

``python -m emulator run PATH`` and ``LocalCloud.from_template(PATH)`` take any of them:

- a folder with ``*.tf`` or ``*.tf.json`` files (or one such file): Terraform, :mod:`.terraform`;
- ``serverless.yml`` (any file with top-level ``service`` and ``provider``): :mod:`.serverless`;
- any other file: a SAM template (``Transform: AWS::Serverless-2016-10-31``) or plain CloudFormation,
  :mod:`.sam`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .cloudformation import read_yaml
from .report import CloudBuilder, TemplateReport
from .sam import load_template
from .serverless import load_serverless
from .terraform import is_terraform, load_terraform

SERVERLESS_NAMES = ("serverless.yml", "serverless.yaml", "serverless.json")


def kind_of(path: str | Path) -> str:
    """``"terraform"``, ``"serverless"`` or ``"template"`` (SAM or CloudFormation)."""
    path = Path(path)
    if is_terraform(path):
        return "terraform"
    if path.name in SERVERLESS_NAMES:
        return "serverless"
    if path.is_file() and path.suffix in (".yml", ".yaml", ".json"):
        document = read_yaml(path)
        if isinstance(document, dict) and "service" in document and "provider" in document:
            return "serverless"
    return "template"


def load(path: str | Path, cloud: CloudBuilder, *, parameters: dict[str, Any] | None = None) -> TemplateReport:
    """Build what ``path`` declares into ``cloud`` with the reader its kind needs."""
    kind = kind_of(path)
    if kind == "terraform":
        return load_terraform(Path(path), cloud, variables=parameters)
    if kind == "serverless":
        return load_serverless(path, cloud, options=parameters)
    return load_template(path, cloud, parameters=parameters)
