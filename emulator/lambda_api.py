"""The Lambda API, served by the local runtime to plain boto3 code.

moto answers most AWS APIs in-process, but its Lambda cannot run Python code without Docker. So the
local cloud answers the Lambda operations that matter for running code itself: botocore emits a
``before-send`` event just before it would send an HTTP request, and a handler that returns a
response there short-circuits the network (moto works the same way). The handlers below are
registered ahead of moto's for every boto3 client created after ``import emulator``:

- ``Invoke``: ``RequestResponse`` (200, the payload, ``FunctionError: Unhandled`` on error,
  ``LogType="Tail"`` gives the last 4 KB of the log, base64-encoded), ``Event`` (202, queued) and
  ``DryRun`` (204). This is what makes Lambda calling Lambda work from inside a handler.
- ``CreateFunction`` (a .zip in the request or in S3, unzipped into a folder the runtime runs),
  ``GetFunction``, ``GetFunctionConfiguration``, ``ListFunctions``, ``UpdateFunctionCode`` and
  ``UpdateFunctionConfiguration`` (the next invocation is cold, as in AWS), ``DeleteFunction``,
  tags: the functions boto3 sees are the ones the local cloud runs, however they were made;
- ``CreateEventSourceMapping`` / ``DeleteEventSourceMapping`` / ``ListEventSourceMappings`` for SQS
  queues, ``Put/Get/DeleteFunctionConcurrency`` and ``PutFunctionEventInvokeConfig``.

Any other Lambda operation (versions, aliases, permissions, layers) goes on to moto, which does not
know the local cloud's functions.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import tempfile
import uuid
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from botocore.awsrequest import AWSResponse
from botocore.handlers import BUILTIN_HANDLERS

from .aws.interception import active_cloud, answers, stub_response
from .arns import function_name_from
from .runtime import (Function, InvalidParameterValueException, Invocation, LambdaServiceError,
                      ResourceConflictException, packages)
from .runtime.invoke import RUNTIME_NAME
from .triggers.clock import VirtualClock
from .triggers.event_source_mapping import EventSourceMapping

LOG_TAIL_BYTES = 4096  # Invoke's LogType=Tail returns the last 4 KB of the log


class PreconditionFailedException(LambdaServiceError):
    code = "PreconditionFailedException"
    status = 412


class LambdaService(Protocol):
    """What the Lambda API calls on the local cloud that answers it."""

    clock: VirtualClock
    tracer: Any  # its .modes: each function's TracingConfig mode
    functions: dict[str, Function]
    event_source_mappings: dict[str, EventSourceMapping]

    def function(self, name_or_arn: str) -> Function: ...

    def create_function(self, name: str, **settings: Any) -> Any: ...

    def delete_function(self, name: str) -> None: ...

    def client(self, service: str) -> Any: ...

    def function_arn(self, name: str) -> str: ...

    def queue_arn(self, queue: str) -> str: ...

    def invoke_raw(self, name: str, payload: bytes, invocation_type: str = "RequestResponse", *,
                   trigger: str = "invoke", client_context: dict | None = None,
                   trace_header: str | None = None) -> Invocation | None: ...

    def create_event_source_mapping(self, queue: str, function: str, batch_size: int = 10,
                                    maximum_batching_window: int = 0, report_batch_item_failures: bool = False,
                                    enabled: bool = True) -> EventSourceMapping: ...

    def delete_event_source_mapping(self, mapping_id: str) -> EventSourceMapping: ...

    def set_reserved_concurrency(self, name: str, reserved: int | None) -> None: ...

    def configure_async(self, name: str, maximum_retry_attempts: int = 2, maximum_event_age: int = 21600,
                        on_failure: str | None = None, on_success: str | None = None) -> None: ...

def _error(request, error: LambdaServiceError) -> AWSResponse:
    body = json.dumps({"Type": "User", "message": str(error)}).encode()
    return stub_response(request, error.status, body, {"x-amzn-ErrorType": error.code})


def _path_function(request) -> str:
    return unquote(re.search(r"/functions/([^/]+)", urlsplit(request.url).path).group(1))


def _invoke(cloud: LambdaService, request) -> AWSResponse:
    headers = request.headers
    invocation_type = _header(headers, "X-Amz-Invocation-Type") or "RequestResponse"
    function = _path_function(request)
    body = request.body or b"{}"
    body = body.encode() if isinstance(body, str) else bytes(body)
    if invocation_type == "DryRun":
        cloud.function(function)
        return stub_response(request, 204)
    client_context = _header(headers, "X-Amz-Client-Context")
    context = json.loads(base64.b64decode(client_context)) if client_context else None
    trace_header = _header(headers, "X-Amzn-Trace-Id")  # Lambda continues the caller's X-Ray trace
    if invocation_type == "Event":
        cloud.invoke_raw(function, body, "Event", trigger="boto3", trace_header=trace_header)
        return stub_response(request, 202)
    invocation = cloud.invoke_raw(function, body, invocation_type, trigger="boto3", client_context=context,
                                  trace_header=trace_header)
    extra = {"X-Amz-Executed-Version": "$LATEST"}
    if invocation.error is not None:
        extra["X-Amz-Function-Error"] = "Unhandled"
    if _header(headers, "X-Amz-Log-Type") == "Tail":
        extra["X-Amz-Log-Result"] = base64.b64encode(invocation.logs.encode()[-LOG_TAIL_BYTES:]).decode()
    return stub_response(request, 200, invocation.response_bytes, extra)


def _create_mapping(cloud: LambdaService, request) -> AWSResponse:
    spec = json.loads(request.body)
    mapping = cloud.create_event_source_mapping(
        spec["EventSourceArn"], spec["FunctionName"], batch_size=spec.get("BatchSize", 10),
        maximum_batching_window=spec.get("MaximumBatchingWindowInSeconds", 0),
        report_batch_item_failures="ReportBatchItemFailures" in spec.get("FunctionResponseTypes", []),
        enabled=spec.get("Enabled", True))
    return stub_response(request, 202, json.dumps(_describe_mapping(cloud, mapping)).encode())


def _describe_mapping(cloud: LambdaService, mapping) -> dict:
    return {
        "UUID": mapping.uuid,
        "BatchSize": mapping.batch_size,
        "MaximumBatchingWindowInSeconds": mapping.maximum_batching_window,
        "EventSourceArn": cloud.queue_arn(mapping.queue_name),
        "FunctionArn": cloud.function_arn(mapping.function),
        "State": "Enabled" if mapping.enabled else "Disabled",
        "FunctionResponseTypes": ["ReportBatchItemFailures"] if mapping.report_batch_item_failures else [],
    }


def _list_mappings(cloud: LambdaService, request) -> AWSResponse:
    mappings = [_describe_mapping(cloud, m) for m in cloud.event_source_mappings.values()]
    return stub_response(request, 200, json.dumps({"EventSourceMappings": mappings}).encode())


def _delete_mapping(cloud: LambdaService, request) -> AWSResponse:
    mapping_id = unquote(urlsplit(request.url).path.rstrip("/").rsplit("/", 1)[1])
    mapping = cloud.delete_event_source_mapping(mapping_id)
    return stub_response(request, 202, json.dumps({**_describe_mapping(cloud, mapping), "State": "Deleting"}).encode())


def _put_concurrency(cloud: LambdaService, request) -> AWSResponse:
    value = json.loads(request.body)["ReservedConcurrentExecutions"]
    cloud.set_reserved_concurrency(_path_function(request), value)
    return stub_response(request, 200, json.dumps({"ReservedConcurrentExecutions": value}).encode())


def _put_event_invoke_config(cloud: LambdaService, request) -> AWSResponse:
    spec = json.loads(request.body)
    name = _path_function(request)
    destinations = spec.get("DestinationConfig", {})
    cloud.configure_async(
        name, maximum_retry_attempts=spec.get("MaximumRetryAttempts", 2),
        maximum_event_age=spec.get("MaximumEventAgeInSeconds", 21600),
        on_failure=destinations.get("OnFailure", {}).get("Destination"),
        on_success=destinations.get("OnSuccess", {}).get("Destination"))
    return stub_response(request, 200, json.dumps({"FunctionArn": cloud.function_arn(name), **spec}).encode())



# -- functions: CreateFunction, Get, List, Update, Delete, tags ---------------------------------------

PYTHON_RUNTIMES = re.compile(r"^python3\.\d+$")  # the runtimes the local cloud can run
PLACEHOLDER_ROLE = "arn:aws:iam::{account}:role/lambda-lab-local"  # a function made with cloud.create_function has none
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.{millis:03d}+0000"  # LastModified, as Lambda writes it


@dataclass
class FunctionRecord:
    """What the Lambda API reports about a function beyond what the runtime needs to run it."""

    runtime: str
    role: str
    description: str
    package: packages.Package
    last_modified: datetime
    tags: dict[str, str] = field(default_factory=dict)
    revision_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    code_folder: Path | None = None  # the unzipped package, owned by the local cloud


_records: "weakref.WeakKeyDictionary[Any, dict[str, FunctionRecord]]" = weakref.WeakKeyDictionary()


def _record(cloud: LambdaService, name: str) -> FunctionRecord:
    """The function's record; one made with ``cloud.create_function`` gets one on first sight."""
    function = cloud.function(name)
    records = _records.setdefault(cloud, {})
    if function.config.name not in records:
        records[function.config.name] = FunctionRecord(
            RUNTIME_NAME, PLACEHOLDER_ROLE.format(account=function.config.account_id), "",
            packages.describe_folder(function.config.code_dir), cloud.clock.now())
    return records[function.config.name]


def _configuration(cloud: LambdaService, name: str, **state: str) -> dict:
    """A FunctionConfiguration, shaped as botocore's service model describes it."""
    config = cloud.function(name).config
    record = _record(cloud, name)
    moment = record.last_modified
    return {
        "FunctionName": config.name, "FunctionArn": config.arn, "Runtime": record.runtime, "Role": record.role,
        "Handler": config.handler, "CodeSize": record.package.size, "Description": record.description,
        "Timeout": config.timeout, "MemorySize": config.memory_size,
        "LastModified": moment.strftime(TIME_FORMAT.format(millis=moment.microsecond // 1000)),
        "CodeSha256": record.package.sha256, "Version": "$LATEST",
        "Environment": {"Variables": dict(config.environment)},
        "TracingConfig": {"Mode": cloud.tracer.modes.get(config.name, "PassThrough")},
        "RevisionId": record.revision_id, "State": "Active", "LastUpdateStatus": "Successful",
        "PackageType": "Zip", "Architectures": ["x86_64"], "EphemeralStorage": {"Size": 512},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": config.log_group_name}, **state,
    }


def _json(request) -> dict:
    return json.loads(request.body or b"{}")


def _code_bytes(cloud: LambdaService, spec: dict) -> tuple[bytes, bool]:
    """The .zip of a Code (or UpdateFunctionCode) request: inline, or an S3 object; and whether it was inline."""
    if spec.get("ZipFile"):
        return base64.b64decode(spec["ZipFile"]), True
    if spec.get("S3Bucket") and spec.get("S3Key"):
        try:
            body = cloud.client("s3").get_object(Bucket=spec["S3Bucket"], Key=spec["S3Key"])["Body"].read()
        except Exception as error:  # NoSuchBucket, NoSuchKey: Lambda names the object it could not read
            raise InvalidParameterValueException(
                f"Error occurred while GetObject. S3 Error Code: {getattr(error, 'response', {}).get('Error', {}).get('Code', 'Unknown')}. "
                f"S3 Error Message: could not read s3://{spec['S3Bucket']}/{spec['S3Key']}") from None
        return body, False
    raise InvalidParameterValueException(
        "Please provide a source for function code: ZipFile (the .zip bytes) or S3Bucket and S3Key "
        "(container images, ImageUri, cannot run in the local cloud)")


def _unpacked(cloud: LambdaService, name: str, archive: bytes, inline: bool) -> tuple[Path, packages.Package]:
    """Unzip a package into a folder of its own, removed with the local cloud that runs it."""
    folder = Path(tempfile.mkdtemp(prefix=f"lambda-lab-{name}-"))
    weakref.finalize(cloud, shutil.rmtree, str(folder), True)
    return folder, packages.unpack(archive, folder, direct=inline)


def _check_runtime(runtime: Any) -> str:
    if not isinstance(runtime, str) or not PYTHON_RUNTIMES.match(runtime):
        raise InvalidParameterValueException(
            f"The runtime parameter of {runtime} is not supported here: the local cloud runs Python "
            f"functions only (python3.x), and a .zip package needs Runtime and Handler")
    return runtime


def _create_function(cloud: LambdaService, request) -> AWSResponse:
    spec = _json(request)
    name = function_name_from(spec["FunctionName"])
    if name in cloud.functions:  # as AWS: CreateFunction never replaces; UpdateFunctionCode does
        raise ResourceConflictException(f"Function already exist: {name}")
    runtime = _check_runtime(spec.get("Runtime"))
    if not spec.get("Handler"):
        raise InvalidParameterValueException("Runtime and Handler are mandatory parameters for functions "
                                             "created with deployment packages.")
    archive, inline = _code_bytes(cloud, spec.get("Code") or {})
    folder, package = _unpacked(cloud, name, archive, inline)
    cloud.create_function(name, handler=spec["Handler"], code=folder, timeout=spec.get("Timeout", 3),
                          memory_size=spec.get("MemorySize", 128),
                          environment=(spec.get("Environment") or {}).get("Variables"),
                          tracing=(spec.get("TracingConfig") or {}).get("Mode", "PassThrough"))
    _records.setdefault(cloud, {})[name] = FunctionRecord(runtime, spec["Role"], spec.get("Description", ""),
                                                          package, cloud.clock.now(), dict(spec.get("Tags") or {}),
                                                          code_folder=folder)
    # CreateFunction answers while the function is still being created; GetFunction then says Active.
    body = _configuration(cloud, name, State="Pending", StateReason="The function is being created.",
                          StateReasonCode="Creating")
    return stub_response(request, 201, json.dumps(body).encode())


def _get_function(cloud: LambdaService, request) -> AWSResponse:
    name = _path_function(request)
    config = cloud.function(name).config
    record = _record(cloud, name)
    body = {"Configuration": _configuration(cloud, name), "Tags": dict(record.tags),
            "Code": {"RepositoryType": "S3", "Location": config.code_dir.as_uri()}}
    if config.reserved_concurrency is not None:
        body["Concurrency"] = {"ReservedConcurrentExecutions": config.reserved_concurrency}
    return stub_response(request, 200, json.dumps(body).encode())


def _get_configuration(cloud: LambdaService, request) -> AWSResponse:
    return stub_response(request, 200, json.dumps(_configuration(cloud, _path_function(request))).encode())


def _list_functions(cloud: LambdaService, request) -> AWSResponse:
    query = parse_qs(urlsplit(request.url).query)
    names = sorted(cloud.functions)
    start = int(query.get("Marker", ["0"])[0] or 0)
    size = int(query.get("MaxItems", ["50"])[0])
    body: dict[str, Any] = {"Functions": [_configuration(cloud, name) for name in names[start:start + size]]}
    if start + size < len(names):
        body["NextMarker"] = str(start + size)
    return stub_response(request, 200, json.dumps(body).encode())


def _replace(cloud: LambdaService, name: str, **changes: Any) -> None:
    """Create the function anew with ``changes``: its warm environments go, so the next invocation is cold."""
    config = cloud.function(name).config
    settings = {"handler": config.handler, "code": config.code_dir, "timeout": config.timeout,
                "memory_size": config.memory_size, "environment": config.environment,
                "reserved_concurrency": config.reserved_concurrency,
                "tracing": cloud.tracer.modes.get(config.name, "PassThrough")}
    cloud.create_function(config.name, **{**settings, **changes})
    record = _record(cloud, config.name)
    record.revision_id, record.last_modified = str(uuid.uuid4()), cloud.clock.now()


def _check_revision(record: FunctionRecord, spec: dict) -> None:
    if spec.get("RevisionId") and spec["RevisionId"] != record.revision_id:
        raise PreconditionFailedException("The Revision Id provided does not match the latest Revision Id. "
                                          "Call the GetFunction/GetAlias API to retrieve the latest Revision Id")


def _update_code(cloud: LambdaService, request) -> AWSResponse:
    spec, name = _json(request), _path_function(request)
    record = _record(cloud, name)
    _check_revision(record, spec)
    archive, inline = _code_bytes(cloud, spec)
    folder, package = _unpacked(cloud, cloud.function(name).config.name, archive, inline)
    _replace(cloud, name, code=folder)
    record.package, record.code_folder = package, folder
    return stub_response(request, 200, json.dumps(_configuration(cloud, name, LastUpdateStatus="InProgress")).encode())


def _update_configuration(cloud: LambdaService, request) -> AWSResponse:
    spec, name = _json(request), _path_function(request)
    record = _record(cloud, name)
    _check_revision(record, spec)
    changes = {keyword: spec[key] for key, keyword in CONFIGURATION_KEYWORDS.items() if key in spec}
    if "Environment" in spec:
        changes["environment"] = (spec["Environment"] or {}).get("Variables") or {}
    if "TracingConfig" in spec:
        changes["tracing"] = (spec["TracingConfig"] or {}).get("Mode", "PassThrough")
    if "Runtime" in spec:
        record.runtime = _check_runtime(spec["Runtime"])
    record.role = spec.get("Role", record.role)
    record.description = spec.get("Description", record.description)
    _replace(cloud, name, **changes)
    return stub_response(request, 200, json.dumps(_configuration(cloud, name, LastUpdateStatus="InProgress")).encode())


CONFIGURATION_KEYWORDS = {"Handler": "handler", "Timeout": "timeout", "MemorySize": "memory_size"}


def _delete_function(cloud: LambdaService, request) -> AWSResponse:
    name = cloud.function(_path_function(request)).config.name
    cloud.delete_function(name)
    _records.get(cloud, {}).pop(name, None)
    return stub_response(request, 204)


def _get_concurrency(cloud: LambdaService, request) -> AWSResponse:
    reserved = cloud.function(_path_function(request)).config.reserved_concurrency
    body = {} if reserved is None else {"ReservedConcurrentExecutions": reserved}
    return stub_response(request, 200, json.dumps(body).encode())


def _delete_concurrency(cloud: LambdaService, request) -> AWSResponse:
    cloud.set_reserved_concurrency(_path_function(request), None)
    return stub_response(request, 204)


def _tagged_record(cloud: LambdaService, request) -> FunctionRecord:
    resource = unquote(re.search(r"/tags/([^/?]+)", urlsplit(request.url).path).group(1))
    return _record(cloud, resource)


def _tag(cloud: LambdaService, request) -> AWSResponse:
    _tagged_record(cloud, request).tags.update(_json(request).get("Tags") or {})
    return stub_response(request, 204)


def _untag(cloud: LambdaService, request) -> AWSResponse:
    record = _tagged_record(cloud, request)
    for key in parse_qs(urlsplit(request.url).query).get("tagKeys", []):
        record.tags.pop(key, None)
    return stub_response(request, 204)


def _list_tags(cloud: LambdaService, request) -> AWSResponse:
    return stub_response(request, 200, json.dumps({"Tags": dict(_tagged_record(cloud, request).tags)}).encode())


OPERATIONS: dict[str, Callable] = {
    "Invoke": _invoke,
    "CreateEventSourceMapping": _create_mapping,
    "ListEventSourceMappings": _list_mappings,
    "DeleteEventSourceMapping": _delete_mapping,
    "PutFunctionConcurrency": _put_concurrency,
    "PutFunctionEventInvokeConfig": _put_event_invoke_config,
    "CreateFunction": _create_function,
    "GetFunction": _get_function,
    "GetFunctionConfiguration": _get_configuration,
    "ListFunctions": _list_functions,
    "UpdateFunctionCode": _update_code,
    "UpdateFunctionConfiguration": _update_configuration,
    "DeleteFunction": _delete_function,
    "GetFunctionConcurrency": _get_concurrency,
    "DeleteFunctionConcurrency": _delete_concurrency,
    "TagResource": _tag,
    "UntagResource": _untag,
    "ListTags": _list_tags,
}


def _header(headers, name: str) -> str | None:
    value = headers.get(name)
    return value.decode() if isinstance(value, bytes) else value


def serves(event_name: str) -> bool:
    """Whether the active local cloud answers this botocore event (``before-send.lambda.Invoke``...)."""
    return active_cloud() is not None and event_name.startswith("before-send.lambda.") \
        and event_name.rsplit(".", 1)[-1] in OPERATIONS


def _serve(request, event_name: str, **kwargs) -> AWSResponse | None:
    """botocore ``before-send`` handler: answer Lambda operations from the active local cloud."""
    cloud = active_cloud()
    operation = OPERATIONS.get(event_name.rsplit(".", 1)[-1])
    if cloud is None or operation is None:
        return None
    try:
        return operation(cloud, request)
    except LambdaServiceError as error:
        return _error(request, error)


# Ahead of moto's stubber (which moto appends to the same list when it is imported).
BUILTIN_HANDLERS.insert(0, ("before-send.lambda", _serve))
answers(serves)
