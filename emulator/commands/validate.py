"""``python -m emulator validate template.yaml``: a template's mistakes found before deploying, by cfn-lint.

cfn-lint is AWS's own linter for CloudFormation and SAM templates (the one the SAM CLI's
``sam validate --lint`` runs). It reads the template offline against the resource specifications it
ships: a misspelt property ("Did you mean 'Handler'?"), a runtime that does not exist, a ``!Ref`` to
nothing. Each finding is printed as ``file:line:column: E3002 message``; errors make the exit code 1,
warnings alone leave it 0. Terraform folders and serverless.yml files are not CloudFormation, so
cfn-lint cannot read them (use ``terraform validate`` and ``serverless print``).

    python -m emulator validate template.yaml
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate", help="check a SAM or CloudFormation template with cfn-lint (offline)",
        description=__doc__.split("\n\n")[0].replace("``", ""))
    parser.add_argument("template", help="the SAM or CloudFormation template (template.yaml)")
    parser.add_argument("--region", default="us-east-1", help="the region to check against (default us-east-1)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..templates.sources import kind_of
    from ..templates.report import TemplateError

    path = Path(args.template)
    try:
        kind = kind_of(path)
        text = path.read_text(encoding="utf-8") if kind == "template" else None
    except (TemplateError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if text is None:
        print(f"error: {path} is a {'Terraform configuration' if kind == 'terraform' else 'serverless.yml'}: "
              f"cfn-lint reads SAM and CloudFormation templates only", file=sys.stderr)
        return 2
    findings = lint(text, args.region)
    for rule, severity, line, column, message in findings:
        print(f"{path}:{line}:{column}: {rule} {severity}: {message}")
    errors = sum(severity == "error" for _, severity, *_ in findings)
    print(f"{path}: {errors} error(s), {len(findings) - errors} warning(s) or note(s)"
          if findings else f"{path}: no problems found")
    return 1 if errors else 0


def lint(text: str, region: str) -> list[tuple[str, str, int, int, str]]:
    """cfn-lint's findings for a template's text: (rule id, severity, line, column, message)."""
    from cfnlint.api import lint as cfn_lint
    from cfnlint.config import ManualArgs

    return [(match.rule.id, match.rule.severity, match.linenumber, match.columnnumber, match.message)
            for match in cfn_lint(text, config=ManualArgs(regions=[region]))]
