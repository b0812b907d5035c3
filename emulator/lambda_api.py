"""The Lambda API, served by the local runtime to plain boto3 code.

moto answers most AWS APIs in-process, but its Lambda cannot run Python code without Docker. So the
local cloud answers the Lambda operations that matter for running code itself: botocore emits a
``before-send`` event just before it would send an HTTP request, and a handler that returns a
response there short-circuits the network (moto works the same way). The handlers below are
registered ahead of moto's for every boto3 client created after ``import emulator``:

- ``Invoke``: ``RequestResponse`` (200, the payload, ``FunctionError: Unhandled`` on error,
  ``LogType="Tail"`` gives the last 4 KB of the log, base64-encoded), ``Event`` (202, queued) and
  ``DryRun`` (204). This is what makes Lambda calling Lambda work from inside a handler.
- ``CreateEventSourceMapping`` / ``DeleteEventSourceMapping`` / ``ListEventSourceMappings`` for SQS
  queues, ``PutFunctionConcurrency`` and ``PutFunctionEventInvokeConfig``.

Any other Lambda operation (for functions created with boto3 rather than ``cloud.create_function``)
goes on to moto, which stores it but never runs it.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any, Callable, Protocol
from urllib.parse import unquote, urlsplit

from botocore.awsrequest import AWSResponse
from botocore.handlers import BUILTIN_HANDLERS

from .aws.interception import active_cloud, answers, stub_response
from .runtime import Invocation, LambdaServiceError
from .triggers.event_source_mapping import EventSourceMapping

LOG_TAIL_BYTES = 4096  # Invoke's LogType=Tail returns the last 4 KB of the log


class LambdaService(Protocol):
    """What the Lambda API calls on the local cloud that answers it."""

    event_source_mappings: dict[str, EventSourceMapping]

    def function(self, name_or_arn: str) -> Any: ...

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
    invocation = cloud.invoke_raw(function, body, "RequestResponse", trigger="boto3", client_context=context,
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


OPERATIONS: dict[str, Callable] = {
    "Invoke": _invoke,
    "CreateEventSourceMapping": _create_mapping,
    "ListEventSourceMappings": _list_mappings,
    "DeleteEventSourceMapping": _delete_mapping,
    "PutFunctionConcurrency": _put_concurrency,
    "PutFunctionEventInvokeConfig": _put_event_invoke_config,
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
