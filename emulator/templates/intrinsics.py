"""CloudFormation's intrinsic functions, parameters and conditions, evaluated in one place.

A template's values are not all literal: ``!Ref Jobs`` is the queue's URL once it exists,
``!GetAtt Jobs.Arn`` its ARN, ``!Sub "${AWS::Region}"`` the region, ``!If [IsProd, a, b]`` depends on
a condition, itself computed from parameters. CloudFormation evaluates them while it creates the
stack, each resource after the ones it mentions; :class:`Scope` does the same for the local cloud.
SAM, Terraform and serverless.yml are first turned into CloudFormation resources, so every value of
every kind of template passes through :meth:`Scope.resolve`.

Where this differs from AWS: ``Fn::ImportValue`` (another stack's output), ``Fn::Cidr``,
``Fn::Transform`` and ``Fn::GetAZs`` beyond three made-up zones are not evaluated.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .report import TemplateError

NO_VALUE = object()  # what !Ref AWS::NoValue gives: the property is removed
SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class Scope:
    """What an intrinsic function can read: parameters, pseudo parameters, conditions, mappings, and the
    Ref and GetAtt of each resource created so far."""

    def __init__(self, path: Path, template: dict, *, region: str, account_id: str, stack_name: str,
                 overrides: dict[str, Any], warnings: list[str]) -> None:
        self.path = path
        self.warnings = warnings
        self.origins: dict[str, str] = {}  # logical id -> where the template's author wrote it (SAM's Events...)
        self.pseudo = {
            "AWS::Region": region, "AWS::AccountId": account_id, "AWS::StackName": stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{region}:{account_id}:stack/{stack_name}/local",
            "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }
        self.mappings = self.mapping(template.get("Mappings"), "Mappings")
        self.conditions = self.mapping(template.get("Conditions"), "Conditions")
        self._condition_values: dict[str, bool] = {}
        self.parameters = self._parameter_values(self.mapping(template.get("Parameters"), "Parameters"), overrides)
        self.declared: dict[str, str] = {}  # logical id -> resource type
        self.skipped: dict[str, str] = {}  # logical id -> why it was not created (a false Condition)
        self.refs: dict[str, Any] = {}  # logical id -> what !Ref gives
        self.attributes: dict[str, dict[str, str] | None] = {}  # None: a resource kept as data, any attribute

    def error(self, where: str, problem: str) -> TemplateError:
        """The error naming the file, the property path and, for a generated resource, what generated it."""
        parts = where.split(".")
        origin = self.origins.get(parts[1]) if len(parts) > 1 and parts[0] == "Resources" else None
        return TemplateError(f"{self.path}: {where}{f' (from {origin})' if origin else ''}: {problem}")

    def mapping(self, value: Any, where: str) -> dict:
        """``value`` when it is a mapping (absent reads as an empty one), else the error naming ``where``."""
        if value is None or value is NO_VALUE:
            return {}
        if not isinstance(value, dict):
            raise self.error(where, not_a_mapping(value))
        return value

    # -- parameters and conditions ---------------------------------------------------------------

    def _parameter_values(self, declared: dict, overrides: dict[str, Any]) -> dict[str, Any]:
        """Each parameter's value: the override, else its Default, else a placeholder named after it."""
        for name in overrides:
            if name not in declared:
                raise self.error("Parameters", f"no parameter is called {name!r} "
                                               f"(declared: {', '.join(declared) or 'none'})")
        values, placeholders = {}, []
        for name, spec in declared.items():
            spec = self.mapping(spec, f"Parameters.{name}")
            if name in overrides or "Default" in spec:
                value = text(overrides.get(name, spec.get("Default")))
                allowed = [text(v) for v in spec.get("AllowedValues") or []]
                if allowed and value not in allowed:
                    raise self.error(f"Parameters.{name}", f"{value!r} is not one of AllowedValues {allowed}")
            else:  # `sam local` too runs a template whose parameter has no value; ours reads as its name
                value = name
                placeholders.append(name)
            # CloudFormation hands list-typed parameters to !Ref as lists of strings.
            is_list = spec.get("Type") == "CommaDelimitedList" or str(spec.get("Type", "")).startswith("List<")
            values[name] = [item.strip() for item in value.split(",")] if is_list else value
        if placeholders:
            self.warnings.append(f"Parameters {', '.join(placeholders)} have no Default: each reads as its own name "
                                 f"here; give values with parameters={{{placeholders[0]!r}: ...}}")
        return values

    def condition(self, name: Any, where: str) -> bool:
        if not isinstance(name, str) or name not in self.conditions:
            raise self.error(where, f"no condition is called {name!r} "
                                    f"(Conditions: {', '.join(self.conditions) or 'none'})")
        if name not in self._condition_values:
            value = self.resolve(self.conditions[name], f"Conditions.{name}")
            if not isinstance(value, bool):
                raise self.error(f"Conditions.{name}", "a condition must be Fn::Equals, Fn::And, Fn::Or, "
                                                       "Fn::Not or Condition")
            self._condition_values[name] = value
        return self._condition_values[name]

    # -- evaluation ------------------------------------------------------------------------------

    def resolve(self, value: Any, where: str) -> Any:
        """``value`` with every intrinsic function evaluated (``where`` names it in error messages)."""
        if isinstance(value, dict):
            intrinsic = intrinsic_name(value)
            if intrinsic is not None:
                function = INTRINSICS.get(intrinsic)
                if function is None:
                    raise self.error(where, f"{intrinsic} cannot be evaluated locally "
                                            f"(supported: {', '.join(INTRINSICS)})")
                return function(self, value[intrinsic], where)
            resolved = {key: self.resolve(item, f"{where}.{key}") for key, item in value.items()}
            return {key: item for key, item in resolved.items() if item is not NO_VALUE}
        if isinstance(value, list):
            items = [self.resolve(item, f"{where}[{index}]") for index, item in enumerate(value)]
            return [item for item in items if item is not NO_VALUE]
        return value

    def check_known(self, name: str, where: str) -> None:
        if name in self.skipped:
            raise self.error(where, f"{name} is not created ({self.skipped[name]})")
        if name not in self.pseudo and name not in self.parameters and name not in self.declared:
            raise self.error(where, f"{name!r} is not a parameter or resource of this template (parameters: "
                                    f"{', '.join(self.parameters) or 'none'}; resources: {', '.join(self.declared)})")

    def ref(self, name: Any, where: str) -> Any:
        if not isinstance(name, str):
            raise self.error(where, f"!Ref takes a name (got {name!r})")
        self.check_known(name, where)
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name not in self.refs:
            raise self.error(where, f"!Ref {name}: {name} is not created yet (is there a circular reference?)")
        return self.refs[name]

    def get_att(self, argument: Any, where: str) -> str:
        if isinstance(argument, str):  # Fn::GetAtt: "X.Arn", as JSON templates may write it
            argument = argument.split(".", 1)
        if not (isinstance(argument, list) and len(argument) == 2 and all(isinstance(a, str) for a in argument)):
            raise self.error(where, f"!GetAtt takes Resource.Attribute (got {argument!r})")
        name, attribute = argument
        self.check_known(name, where)
        if name not in self.declared:
            raise self.error(where, f"!GetAtt {name}.{attribute}: {name} is a parameter, not a resource")
        if name not in self.attributes:
            raise self.error(where, f"!GetAtt {name}.{attribute}: {name} is not created yet")
        available = self.attributes[name]
        if available is None:  # a resource kept as data: an ARN-shaped stand-in, so nothing downstream breaks
            service = self.declared[name].split("::")[1].lower()
            return (f"arn:aws:{service}:{self.pseudo['AWS::Region']}:{self.pseudo['AWS::AccountId']}:{name}"
                    if attribute.endswith("Arn") else f"{name}.{attribute}")
        if attribute not in available:
            raise self.error(where, f"!GetAtt {name}.{attribute}: {name} has no attribute {attribute!r} "
                                    f"(available: {', '.join(available)})")
        return available[attribute]

    def sub(self, argument: Any, where: str) -> str:
        if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], dict):
            template, variables = argument[0], self.resolve(argument[1], f"{where}[1]")
        else:
            template, variables = argument, {}
        if not isinstance(template, str):
            raise self.error(where, f"!Sub takes a string, or [string, {{variables}}] (got {argument!r})")

        def replace(match: re.Match) -> str:
            name = match.group(1)
            if name.startswith("!"):  # ${!Literal} is written out as ${Literal}
                return "${" + name[1:] + "}"
            if name in variables:
                return text(variables[name])
            if "." in name and not name.startswith("AWS::"):
                return text(self.get_att(name.split(".", 1), where))
            return text(self.ref(name, where))

        return SUB_VARIABLE.sub(replace, template)


# -- the other functions ---------------------------------------------------------------------------


def _pair(scope: Scope, argument: Any, where: str, function: str) -> list:
    if not isinstance(argument, list) or len(argument) != 2:
        raise scope.error(where, f"{function} takes a list of two items (got {argument!r})")
    return argument


def _join(scope: Scope, argument: Any, where: str) -> str:
    delimiter, items = _pair(scope, argument, where, "Fn::Join")
    items = scope.resolve(items, f"{where}[1]")
    if not isinstance(items, list):
        raise scope.error(where, f"Fn::Join needs a list of values to join (got {items!r})")
    return str(delimiter).join(text(item) for item in items)


def _select(scope: Scope, argument: Any, where: str) -> Any:
    index, items = _pair(scope, argument, where, "Fn::Select")
    index = integer(scope, scope.resolve(index, f"{where}[0]"), f"{where}[0]")
    items = scope.resolve(items, f"{where}[1]")
    if not isinstance(items, list) or not 0 <= index < len(items):
        raise scope.error(where, f"Fn::Select index {index} is outside the list {items!r}")
    return items[index]


def _split(scope: Scope, argument: Any, where: str) -> list[str]:
    delimiter, value = _pair(scope, argument, where, "Fn::Split")
    return text(scope.resolve(value, f"{where}[1]")).split(str(delimiter))


def _if(scope: Scope, argument: Any, where: str) -> Any:
    if not isinstance(argument, list) or len(argument) != 3:
        raise scope.error(where, f"Fn::If takes [condition, value if true, value if false] (got {argument!r})")
    chosen = 1 if scope.condition(argument[0], where) else 2
    return scope.resolve(argument[chosen], f"{where}[{chosen}]")


def _equals(scope: Scope, argument: Any, where: str) -> bool:
    left, right = _pair(scope, argument, where, "Fn::Equals")
    return text(scope.resolve(left, f"{where}[0]")) == text(scope.resolve(right, f"{where}[1]"))


def _conditions(scope: Scope, argument: Any, where: str, function: str) -> list[bool]:
    if not isinstance(argument, list) or not argument:
        raise scope.error(where, f"{function} takes a list of conditions (got {argument!r})")
    values = [scope.resolve(item, f"{where}[{index}]") for index, item in enumerate(argument)]
    if not all(isinstance(value, bool) for value in values):
        raise scope.error(where, f"{function} combines conditions (Fn::Equals, Condition, ...), not values")
    return values


def _find_in_map(scope: Scope, argument: Any, where: str) -> Any:
    keys = scope.resolve(argument, where)
    if not isinstance(keys, list) or len(keys) != 3:
        raise scope.error(where, f"Fn::FindInMap takes [map, top-level key, second-level key] (got {keys!r})")
    value: Any = scope.mappings
    for depth, key in enumerate(keys):
        if not isinstance(value, dict) or key not in value:
            raise scope.error(where, f"Fn::FindInMap: Mappings has no {'.'.join(map(str, keys[:depth + 1]))}")
        value = value[key]
    return value


def _import_value(scope: Scope, argument: Any, where: str) -> Any:
    raise scope.error(where, f"Fn::ImportValue cannot be evaluated locally: it reads an output exported by "
                             f"another stack ({argument!r}); put the value in a parameter instead")


def _get_azs(scope: Scope, argument: Any, where: str) -> list[str]:
    region = text(scope.resolve(argument, where)) or scope.pseudo["AWS::Region"]
    return [f"{region}{zone}" for zone in "abc"]  # a region's zones are its name and a letter


INTRINSICS: dict[str, Callable[[Scope, Any, str], Any]] = {
    "Ref": Scope.ref,
    "Fn::GetAtt": Scope.get_att,
    "Fn::Sub": Scope.sub,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::If": _if,
    "Fn::Equals": _equals,
    "Fn::And": lambda scope, argument, where: all(_conditions(scope, argument, where, "Fn::And")),
    "Fn::Or": lambda scope, argument, where: any(_conditions(scope, argument, where, "Fn::Or")),
    "Fn::Not": lambda scope, argument, where: not _conditions(scope, argument, where, "Fn::Not")[0],
    "Condition": lambda scope, argument, where: scope.condition(argument, where),
    "Fn::FindInMap": _find_in_map,
    "Fn::Base64": lambda scope, argument, where: base64.b64encode(
        text(scope.resolve(argument, where)).encode()).decode(),
    "Fn::GetAZs": _get_azs,
    "Fn::ImportValue": _import_value,
}


def intrinsic_name(value: dict) -> str | None:
    """``"Ref"``, ``"Condition"`` or ``"Fn::X"`` when ``value`` is a call of an intrinsic function."""
    if len(value) != 1:
        return None
    key = next(iter(value))
    if key == "Condition":  # a policy statement's Condition mapping is data; the function takes a name
        return key if isinstance(value[key], str) else None
    return key if key == "Ref" or str(key).startswith("Fn::") else None


def references(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every (name, where) that ``value`` mentions through Ref, Fn::GetAtt or Fn::Sub."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from references(item, f"{where}[{index}]")
        return
    if not isinstance(value, dict):
        return
    intrinsic = intrinsic_name(value)
    argument = value.get(intrinsic) if intrinsic else None
    if intrinsic == "Ref" and isinstance(argument, str):
        yield argument, where
    elif intrinsic == "Fn::GetAtt" and isinstance(argument, (list, str)) and argument:
        yield str(argument[0] if isinstance(argument, list) else argument.split(".")[0]), where
    elif intrinsic == "Fn::Sub":
        template, variables = (argument if isinstance(argument, list) and len(argument) == 2 else (argument, {}))
        for name in SUB_VARIABLE.findall(template if isinstance(template, str) else ""):
            if not name.startswith("!") and name not in (variables or {}):
                yield (name if name.startswith("AWS::") else name.split(".", 1)[0]), where
        yield from references(variables, where)
    else:
        for key, item in value.items():
            yield from references(item, f"{where}.{key}")


# -- values as CloudFormation reads them -----------------------------------------------------------


def text(value: Any) -> str:
    """A template value as CloudFormation writes it in a string (booleans in lower case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def integer(scope: Scope, value: Any, where: str) -> int:
    if isinstance(value, bool) or not re.fullmatch(r"-?\d+", str(value).strip()):
        raise scope.error(where, f"must be a whole number (got {value!r})")
    return int(value)


def boolean(scope: Scope, value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "false"):
        return str(value).lower() == "true"
    raise scope.error(where, f"must be true or false (got {value!r})")


def not_a_mapping(value: Any) -> str:
    """The problem with ``value`` where a mapping belongs, in words a template's author can act on."""
    return (f"must be a mapping of names to values (indented 'Name: value' lines), "
            f"not a {yaml_kind(value)}: {f'{value!r}'[:60]}")


def yaml_kind(value: Any) -> str:
    """What YAML calls a value: a list, a string, a number..."""
    return {list: "list", str: "string", bool: "boolean", int: "number", float: "number"}.get(
        type(value), type(value).__name__)
