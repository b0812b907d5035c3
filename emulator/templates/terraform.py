"""Terraform: a folder of ``*.tf`` files (HCL) or ``*.tf.json`` (what ``cdktf synth`` writes), built locally.

Terraform describes the same AWS resources as CloudFormation, in its own words: ``aws_lambda_function``
is ``AWS::Lambda::Function``, ``aws_sqs_queue.input_queue.arn`` is ``!GetAtt Queue.Arn``. This module
reads the folder (HCL with python-hcl2, JSON with ``json``), writes each resource as the
CloudFormation resource it stands for, with references as ``Ref`` / ``Fn::GetAtt``, and hands the
result to :mod:`.cloudformation`, which creates everything in dependency order as ``terraform apply``
does. ``var.`` takes the ``variables`` given, else the ``variable`` block's ``default``; ``local.``
the ``locals`` block; ``data.archive_file.X.output_path`` the folder or file it zips (the local cloud
runs the source itself, so ``source_code_hash`` does not matter).

Where this differs from Terraform: logical ids are ``type.name`` (``aws_sqs_queue.input_queue``);
expressions are references, literals, objects, lists and ``jsonencode``/``tostring``; conditionals,
``for`` expressions, ``count``/``for_each`` and modules are not evaluated (an error names them).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .cloudformation import build
from .report import CloudBuilder, TemplateError, TemplateReport
from .terraform_resources import CONVERTERS, attribute

TOKEN = re.compile(r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<number>-?\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][\w-]*)'
                   r'|(?P<punct>[{}\[\](),=:.*]))')
INTERPOLATION = re.compile(r"\$\{((?:[^{}]|\{[^{}]*\})*)\}")
IGNORED_CALLS = ("filebase64sha256", "filesha256", "filemd5", "base64sha256", "md5", "timestamp", "uuid")


def is_terraform(path: Path) -> bool:
    """A folder holding ``*.tf`` / ``*.tf.json`` files, or one such file."""
    if path.is_dir():
        return any(path.glob("*.tf")) or any(path.glob("*.tf.json"))
    return path.name.endswith((".tf", ".tf.json"))


def load_terraform(folder: str | Path, cloud: CloudBuilder, *, variables: dict[str, Any] | None = None) -> TemplateReport:
    """Create in ``cloud`` what the Terraform configuration in ``folder`` declares."""
    folder = Path(folder)
    folder = folder.parent if folder.is_file() else folder
    configuration = read_configuration(folder)
    module = Module(folder, configuration, variables or {})
    template = {"Resources": module.resources()}
    report = build(template, cloud, folder, source="Terraform")
    report.warnings[:0] = module.warnings
    return report


def read_configuration(folder: Path) -> dict[str, Any]:
    """Every block of the folder's files, merged: ``{"resource": {type: {name: body}}, "variable": ...}``."""
    files = sorted(folder.glob("*.tf")) + sorted(folder.glob("*.tf.json"))
    if not files:
        raise TemplateError(f"{folder}: no *.tf or *.tf.json file here")
    merged: dict[str, Any] = {}
    for path in files:
        for kind, blocks in _read(path).items():
            for block in blocks if isinstance(blocks, list) else [blocks]:
                _merge(merged.setdefault(kind, {}), block, depth=2 if kind in ("resource", "data") else 1)
    return merged


def _read(path: Path) -> dict[str, Any]:
    try:
        if path.name.endswith(".tf.json"):
            return json.loads(path.read_text(encoding="utf-8"))
        import hcl2
        return hcl2.loads(path.read_text(encoding="utf-8"), serialization_options=hcl2.SerializationOptions(
            strip_string_quotes=True, explicit_blocks=False, with_comments=False))
    except Exception as error:  # hcl2's parser and json raise their own types
        raise TemplateError(f"{path}: not valid {'JSON' if path.suffix == '.json' else 'HCL'}: {error}") from None


def _merge(into: dict, block: Any, depth: int) -> None:
    """Add ``block`` ({type: {name: body}} for resources) to ``into``, skipping cdktf's "//" notes."""
    for key, value in (block or {}).items():
        if key.startswith("//"):
            continue
        if depth > 1 and isinstance(value, (dict, list)):
            for item in value if isinstance(value, list) else [value]:
                _merge(into.setdefault(key, {}), item, depth - 1)
        else:
            into[key] = value


class Module:
    """One folder's configuration: its variables and locals, and its resources as CloudFormation."""

    def __init__(self, folder: Path, configuration: dict[str, Any], variables: dict[str, Any]) -> None:
        self.folder = folder.resolve()
        self.configuration = configuration
        self.warnings: list[str] = []
        declared = configuration.get("variable", {})
        unknown = sorted(set(variables) - set(declared))
        if unknown:
            raise TemplateError(f"{folder}: no variable is called {', '.join(unknown)} (declared: "
                                f"{', '.join(declared) or 'none'})")
        self.variables = {name: variables.get(name, (spec or {}).get("default", name)) for name, spec in declared.items()}
        missing = [name for name, spec in declared.items() if name not in variables and "default" not in (spec or {})]
        if missing:  # terraform would prompt; the local cloud reads each as its own name
            self.warnings.append(f"variables {', '.join(missing)} have no default: each reads as its own name here; "
                                 f"give values with variables={{{missing[0]!r}: ...}}")
        self.locals = configuration.get("locals", {})
        self.archives = configuration.get("data", {}).get("archive_file", {})

    def resources(self) -> dict[str, dict]:
        """Each Terraform resource as the CloudFormation resource it stands for (logical id ``type.name``)."""
        resources: dict[str, dict] = {}
        for kind, named in self.configuration.get("resource", {}).items():
            for name, body in named.items():
                where = f"resource.{kind}.{name}"
                if body.get("count") is not None or body.get("for_each") is not None:
                    raise TemplateError(f"{self.folder}: {where}: count and for_each are not evaluated locally")
                converter = CONVERTERS.get(kind)
                properties = self.value(body, where)
                if converter is None:
                    resources[f"{kind}.{name}"] = {"Type": f"Terraform::{kind}", "Properties": {}}
                    continue
                for logical_id, resource in converter(self, kind, name, properties).items():
                    resources[logical_id] = resource
        return resources

    # -- expressions ---------------------------------------------------------------------------

    def value(self, value: Any, where: str) -> Any:
        """A Terraform value with every ``${...}`` written as the CloudFormation value it stands for."""
        if isinstance(value, dict):
            return {key: self.value(item, f"{where}.{key}") for key, item in value.items() if not key.startswith("//")}
        if isinstance(value, list):
            return [self.value(item, f"{where}[{index}]") for index, item in enumerate(value)]
        if not isinstance(value, str) or "${" not in value:
            return value
        whole = INTERPOLATION.fullmatch(value)
        if whole:
            return self.expression(whole.group(1), where)
        parts, position = [], 0
        for found in INTERPOLATION.finditer(value):
            parts += [value[position:found.start()], self.expression(found.group(1), where)]
            position = found.end()
        parts.append(value[position:])
        parts = [part for part in parts if part != ""]
        if all(isinstance(part, str) for part in parts):
            return "".join(parts)
        return {"Fn::Join": ["", parts]}

    def expression(self, text: str, where: str) -> Any:
        parser = _Parser(text, self, where)
        value = parser.parse()
        if parser.rest():
            raise TemplateError(f"{self.folder}: {where}: the expression {text!r} is not evaluated locally "
                                f"(references, literals, objects, lists and jsonencode are)")
        return value

    def reference(self, path: list[str], where: str) -> Any:
        """``var.x``, ``local.x``, ``path.module``, ``data.archive_file.x.output_path``, ``aws_sqs_queue.q.arn``."""
        head = path[0]
        if head == "var" and len(path) > 1:
            if path[1] not in self.variables:
                raise TemplateError(f"{self.folder}: {where}: no variable is called {path[1]!r}")
            return self.variables[path[1]]
        if head == "local" and len(path) > 1:
            if path[1] not in self.locals:
                raise TemplateError(f"{self.folder}: {where}: no local is called {path[1]!r}")
            return self.value(self.locals[path[1]], f"locals.{path[1]}")
        if head == "path":
            return str(self.folder)
        if head == "data" and len(path) > 3 and path[1] == "archive_file":
            return self.archive(path[2], path[3], where)
        if head == "data":  # another data source reads the real account: a stand-in names what it reads
            return ".".join(path)
        if len(path) < 2 or path[1] not in self.configuration.get("resource", {}).get(head, {}):
            raise TemplateError(f"{self.folder}: {where}: {'.'.join(path)} is not a resource, variable or local "
                                f"of this configuration")
        return attribute(head, path[1], path[2] if len(path) > 2 else "id")

    def archive(self, name: str, attribute_name: str, where: str) -> Any:
        """An ``archive_file`` data source: its output is the folder or file it zips, run as it is."""
        if name not in self.archives:
            raise TemplateError(f"{self.folder}: {where}: no data.archive_file is called {name!r}")
        if attribute_name != "output_path":
            return ""  # output_base64sha256 and the like: only the cloud's deployer cares
        return self.archive_source(name)

    def archive_source(self, name: str) -> str:
        spec = self.value(self.archives[name], f"data.archive_file.{name}")
        source = spec.get("source_dir") or spec.get("source_file")
        return str((self.folder / str(source)).resolve())

    def code_path(self, filename: Any) -> Any:
        """A function's ``filename``: absolute; a zip that an ``archive_file`` makes stands for its source."""
        if not isinstance(filename, str):
            return filename
        path = (self.folder / filename).resolve()
        for name, spec in self.archives.items():
            output = self.value(spec, f"data.archive_file.{name}").get("output_path")
            if output and (self.folder / str(output)).resolve() == path and not path.exists():
                return self.archive_source(name)
        return str(path)


class _Parser:
    """A small reader of the HCL expressions templates use: references, literals, objects, lists, calls."""

    def __init__(self, text: str, module: Module, where: str) -> None:
        self.tokens = [(m.lastgroup, m.group(m.lastgroup)) for m in TOKEN.finditer(text)]
        self.consumed = sum(len(m.group(0)) for m in TOKEN.finditer(text))
        self.complete = self.consumed == len(text.rstrip())
        self.position = 0
        self.module, self.where = module, where

    def rest(self) -> bool:
        return not self.complete or self.position < len(self.tokens)

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.position] if self.position < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.position += 1
        return token

    def parse(self) -> Any:
        kind, text = self.take()
        if kind == "string":
            return self.module.value(json.loads(text), self.where)
        if kind == "number":
            return json.loads(text)
        if text == "{":
            return self.collection("}", keyed=True)
        if text == "[":
            return self.collection("]", keyed=False)
        if kind == "name" and text in ("true", "false", "null"):
            return json.loads(text)
        if kind == "name" and self.peek()[1] == "(":
            self.take()
            arguments = self.collection(")", keyed=False)
            return None if text in IGNORED_CALLS else arguments[0] if arguments else None
        if kind == "name":
            path = [text]
            while self.peek()[1] in (".", "["):
                if self.take()[1] == ".":
                    path.append(self.take()[1])
                else:
                    path.append(str(self.parse()))
                    self.take()
            return self.module.reference(path, self.where)
        self.position = len(self.tokens) + 1  # not understood: rest() reports it
        return None

    def collection(self, closing: str, keyed: bool) -> Any:
        items: Any = {} if keyed else []
        while self.peek()[1] not in (closing, ""):
            if keyed:
                key = self.take()[1].strip('"')
                self.take()  # = or :
                items[key] = self.parse()
            else:
                items.append(self.parse())
            if self.peek()[1] == ",":
                self.take()
        self.take()
        return items
