"""SAM templates: translated into CloudFormation by SAM's own translator, then built like any template.

A SAM template is a CloudFormation template with a ``Transform: AWS::Serverless-2016-10-31`` line
that allows shorthand resource types: ``AWS::Serverless::Function`` is a Lambda function *and* its
triggers (its ``Events``), ``AWS::Serverless::Api`` / ``HttpApi`` are API Gateway APIs, ``Globals``
sets defaults. On AWS, CloudFormation runs that transform (the library ``aws-sam-translator``, which
SAM CLI and cfn-lint use too) and creates the plain resources it writes. :func:`load_template` runs
the same library, offline, then hands its output to :mod:`.cloudformation`:

1. read the YAML, with CloudFormation's short tags (``!Ref X`` is ``{"Ref": "X"}``);
2. check that what must be a mapping is one, so a mistake names its property path (the translator
   only says "Type of property 'Events' is invalid");
3. point each local ``CodeUri`` at a made-up S3 location the translator accepts, remembering the
   folder it stands for, as ``sam build`` and ``sam package`` would upload it (``deploy`` uploads it
   for real, and passes the real location); inline local
   ``DefinitionUri`` files and ``AWS::Include`` transforms;
4. translate, with SAM's bundled table of managed-policy ARNs for ``Policies:`` (no IAM call);
5. build the CloudFormation resources it wrote: ``Echo`` stays ``Echo``, its ``Tick`` event becomes
   ``EchoTick``, the implicit REST API ``ServerlessRestApi``. An error or warning about a generated
   resource also names the SAM property it came from.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .cloudformation import build, read_template, read_yaml
from .intrinsics import not_a_mapping, yaml_kind
from .report import (DEFAULT_STACK_NAME, CloudBuilder, MappingInfo, RouteInfo, ScheduleInfo, TemplateError,
                     TemplateReport)

SERVERLESS_TRANSFORM = "AWS::Serverless-2016-10-31"
FUNCTION = "AWS::Serverless::Function"
LOCAL_BUCKET = "lambda-lab-local"  # the made-up bucket local code "is uploaded to" for the translator
LOCAL_URIS = {FUNCTION: "CodeUri", "AWS::Serverless::LayerVersion": "ContentUri",
              "AWS::Serverless::StateMachine": "DefinitionUri"}
DEFINITION_URIS = {"AWS::Serverless::Api": "DefinitionBody", "AWS::Serverless::HttpApi": "DefinitionBody"}
TRANSLATOR_CAUSE = re.compile(r"^Resource with id \[(\w+)\] is invalid\. (?:Event with id \[(\w+)\] is invalid\. )?")

# Where SAM needs a mapping (or a list, or a reference), so that a mistake names its path. Keys are
# property paths under a resource's Properties (or under Globals.<section>); "*" is any name.
MAPPING, LIST, REFERENCE, CORS = "mapping", "list", "reference", "cors"
FUNCTION_SHAPES = {
    ("Environment",): MAPPING, ("Environment", "Variables"): MAPPING,
    ("Events",): MAPPING, ("Events", "*"): MAPPING, ("Events", "*", "Properties"): MAPPING,
    ("Events", "*", "Properties", "Auth"): MAPPING, ("Events", "*", "Properties", "FunctionResponseTypes"): LIST,
    ("Events", "*", "Properties", "RestApiId"): REFERENCE, ("Events", "*", "Properties", "ApiId"): REFERENCE,
    ("EventInvokeConfig",): MAPPING, ("EventInvokeConfig", "DestinationConfig"): MAPPING,
    ("EventInvokeConfig", "DestinationConfig", "*"): MAPPING,
}
API_SHAPES = {("Auth",): MAPPING, ("Auth", "Authorizers"): MAPPING, ("Auth", "Authorizers", "*"): MAPPING,
              ("Cors",): CORS}
SHAPES = {FUNCTION: FUNCTION_SHAPES, "AWS::Serverless::Api": API_SHAPES, "AWS::Serverless::HttpApi": API_SHAPES}
GLOBAL_SECTIONS = {"Function": FUNCTION, "Api": "AWS::Serverless::Api", "HttpApi": "AWS::Serverless::HttpApi"}

__all__ = ["FUNCTION", "CloudBuilder", "MappingInfo", "RouteInfo", "ScheduleInfo", "TemplateError", "TemplateReport",
           "is_sam", "load_template", "uses_sam_types", "read_template", "translate"]


def is_sam(template: dict) -> bool:
    """Whether the template asks for SAM's transform (``Transform`` may be one name or a list)."""
    transform = template.get("Transform")
    return SERVERLESS_TRANSFORM in (transform if isinstance(transform, list) else [transform])


def uses_sam_types(template: dict) -> bool:
    return any(isinstance(r, dict) and str(r.get("Type", "")).startswith("AWS::Serverless::")
               for r in template["Resources"].values())


def load_template(path: str | Path, cloud: CloudBuilder, *, parameters: dict[str, Any] | None = None,
                  stack_name: str = DEFAULT_STACK_NAME) -> TemplateReport:
    """Create in ``cloud`` what a SAM or CloudFormation template declares; the report is also ``cloud.template``.

    ``parameters`` overrides the template's parameter defaults, as ``sam deploy --parameter-overrides`` does.
    """
    path = Path(path)
    template = read_template(path)
    if not is_sam(template) and not uses_sam_types(template):
        return build(template, cloud, path, parameters=parameters, stack_name=stack_name)
    warning = None if is_sam(template) else (f"the template has no 'Transform: {SERVERLESS_TRANSFORM}' line: "
                                             f"CloudFormation would reject its AWS::Serverless::* resources")
    translated, code, origins = translate({**template, "Transform": SERVERLESS_TRANSFORM}, path, cloud.region,
                                          parameters or {})
    report = build(translated, cloud, path, parameters=parameters, stack_name=stack_name, source="SAM", code=code,
                   origins=origins)
    report.warnings[:0] = [warning] if warning else []
    return report


def translate(template: dict, path: Path, region: str, parameters: dict[str, Any], *,
              upload: Callable[[Path], str] | None = None) -> tuple[dict, dict[str, Path], dict[str, str]]:
    """SAM's translation of ``template``; the local code each S3 location stands for; the generated ids' origins.

    ``upload`` puts a local code folder in S3 and returns its ``s3://`` location, as ``sam package``
    does (deploy passes one); without it the locations are made up, for the local cloud.
    """
    import boto3
    from samtranslator.internal.managed_policies import get_bundled_managed_policy_map
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    check_shapes(template, path)
    document = _inline_includes(copy.deepcopy(template), path.parent)
    code = _localise_code(document, path, upload)
    _without_repository_calls(document)
    logging.getLogger("samtranslator").setLevel(logging.ERROR)  # its own notices would reach stderr
    # The translator needs a region; a session fixes it without reading any credentials or config.
    translator = Translator(get_bundled_managed_policy_map("aws") or {}, Parser(),
                            boto_session=boto3.session.Session(region_name=region))
    try:
        translated = translator.translate(document, parameter_values=dict(parameters))
    except InvalidDocumentException as error:
        raise TemplateError(f"{path}: " + "; ".join(_cause(cause.message) for cause in error.causes)) from None
    return translated, code, _origins(template, translated)


def _cause(message: str) -> str:
    """A translator message with the resource (and event) it names written as a property path."""
    found = TRANSLATOR_CAUSE.match(message)
    if not found:
        return message
    resource, event = found.groups()
    where = f"Resources.{resource}" + (f".Properties.Events.{event}" if event else "")
    return f"{where}: {message[found.end():]}"


def _origins(template: dict, translated: dict) -> dict[str, str]:
    """For each resource SAM generated from a function (``EchoTick``), the SAM property it came from."""
    origins = {}
    functions = {logical_id: resource for logical_id, resource in template["Resources"].items()
                 if isinstance(resource, dict) and resource.get("Type") == FUNCTION}
    for generated in translated.get("Resources", {}):
        if generated in template["Resources"]:
            continue
        owner = max((f for f in functions if generated.startswith(f)), key=len, default=None)
        if owner is None:
            continue
        rest, properties = generated[len(owner):], functions[owner].get("Properties") or {}
        event = max((e for e in properties.get("Events") or {} if rest.startswith(e)), key=len, default=None)
        if event is not None:
            origins[generated] = f"Resources.{owner}.Properties.Events.{event}"
        elif rest.startswith("EventInvokeConfig"):
            origins[generated] = f"Resources.{owner}.Properties.EventInvokeConfig"
    return origins


# -- shapes ------------------------------------------------------------------------------------------


def check_shapes(template: dict, path: Path) -> None:
    """Raise TemplateError naming the property path where a list or a string stands for a mapping."""
    for section in ("Globals", "Parameters", "Conditions", "Mappings"):
        _expect(template.get(section), MAPPING, section, path)
    for name, spec in (template.get("Parameters") or {}).items():
        _expect(spec, MAPPING, f"Parameters.{name}", path)
    for name, section in (template.get("Globals") or {}).items():
        _expect(section, MAPPING, f"Globals.{name}", path)
        _check_properties(section, SHAPES.get(GLOBAL_SECTIONS.get(name), {}), f"Globals.{name}", path)
    for logical_id, resource in template["Resources"].items():
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            raise TemplateError(f"{path}: Resources.{logical_id}: a resource is a mapping with a 'Type'")
        where = f"Resources.{logical_id}.Properties"
        _expect(resource.get("Properties"), MAPPING, where, path)
        _check_properties(resource.get("Properties") or {}, SHAPES.get(resource["Type"], {}), where, path)


def _check_properties(properties: dict, shapes: dict[tuple[str, ...], str], where: str, path: Path) -> None:
    for pattern, shape in shapes.items():
        for found_where, value in _matches(properties, pattern, where):
            _expect(value, shape, found_where, path)


def _matches(value: Any, pattern: tuple[str, ...], where: str):
    """Every (where, value) at ``pattern`` below ``value`` (only through mappings; "*" is any key)."""
    if not pattern:
        yield where, value
        return
    if not isinstance(value, dict):
        return
    head, rest = pattern[0], pattern[1:]
    for key in (value if head == "*" else [head] if head in value else []):
        yield from _matches(value[key], rest, f"{where}.{key}")


def _expect(value: Any, shape: str, where: str, path: Path) -> None:
    if value is None or isinstance(value, dict):  # absent, a mapping, or an intrinsic function standing for one
        return
    problem = {
        MAPPING: not_a_mapping(value),
        LIST: f"must be a list (got {value!r})",
        REFERENCE: f"must be !Ref to an API of this template (got {value!r})",
        CORS: f"must be a mapping (AllowOrigin, AllowMethods...) or a quoted origin such as \"'*'\", "
              f"not a {yaml_kind(value)}",
    }[shape]
    if (shape == LIST and isinstance(value, list)) or (shape in (REFERENCE, CORS) and isinstance(value, str)):
        return
    raise TemplateError(f"{path}: {where}: {problem}")


# -- local files -------------------------------------------------------------------------------------


def _localise_code(document: dict, path: Path, upload: Callable[[Path], str] | None) -> dict[str, Path]:
    """Replace each local CodeUri (and ContentUri...) with an S3 location; return what each stands for."""
    code: dict[str, Path] = {}
    targets = [("Globals.Function", (document.get("Globals") or {}).get("Function"), "CodeUri")]
    for logical_id, resource in document["Resources"].items():
        properties = resource.get("Properties")
        if isinstance(properties, dict) and resource["Type"] in LOCAL_URIS:
            targets.append((f"Resources.{logical_id}.Properties", properties, LOCAL_URIS[resource["Type"]]))
        if isinstance(properties, dict) and resource["Type"] in DEFINITION_URIS:
            _inline_definition(properties, path, f"Resources.{logical_id}.Properties")
    for where, properties, key in targets:
        uri = properties.get(key) if isinstance(properties, dict) else None
        if not isinstance(uri, str) or uri.startswith("s3://") or "InlineCode" in properties:
            continue
        local = (path.parent / uri).resolve()
        if not local.exists():
            raise TemplateError(f"{path}: {where}.{key}: {uri!r} does not exist (looked for {local}); {key} is "
                                f"relative to the template's folder")
        location = upload(local) if upload else f"s3://{LOCAL_BUCKET}/code{len(code)}"
        code[location] = local
        properties[key] = location
    return code


def _inline_definition(properties: dict, path: Path, where: str) -> None:
    """A local DefinitionUri (an OpenAPI file) read into DefinitionBody, as ``sam package`` would upload it."""
    uri = properties.get("DefinitionUri")
    if isinstance(uri, str) and not uri.startswith("s3://"):
        properties["DefinitionBody"] = read_yaml(path.parent / uri, f"OpenAPI file of {where}.DefinitionUri")
        del properties["DefinitionUri"]


def _inline_includes(value: Any, folder: Path) -> Any:
    """``Fn::Transform: {Name: AWS::Include, Parameters: {Location: local file}}`` replaced by that file."""
    if isinstance(value, list):
        return [_inline_includes(item, folder) for item in value]
    if not isinstance(value, dict):
        return value
    transform = value.get("Fn::Transform")
    if len(value) == 1 and isinstance(transform, dict) and transform.get("Name") == "AWS::Include":
        location = str((transform.get("Parameters") or {}).get("Location", ""))
        if location and not location.startswith("s3://"):
            return _inline_includes(read_yaml(folder / location, "included file"), folder)
    return {key: _inline_includes(item, folder) for key, item in value.items()}


def _without_repository_calls(document: dict) -> None:
    """An application from the Serverless Application Repository (Location: {ApplicationId, SemanticVersion})
    gets a made-up template URL: the translator would otherwise ask the repository for it over the network.
    It becomes a nested stack (AWS::CloudFormation::Stack), which is listed as not emulated."""
    for resource in document["Resources"].values():
        properties = resource.get("Properties") if resource.get("Type") == "AWS::Serverless::Application" else None
        location = properties.get("Location") if isinstance(properties, dict) else None
        if isinstance(location, dict):
            properties["Location"] = (f"https://serverlessrepo.local/{location.get('ApplicationId')}/"
                                      f"{location.get('SemanticVersion')}/template.yaml")
