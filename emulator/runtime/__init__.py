"""The Lambda runtime of the local cloud: functions, execution environments, invocations."""

from .errors import (FunctionFault, InvalidParameterValueException, LambdaServiceError, ResourceConflictException,
                     RequestTooLargeException, ResourceNotFoundException, TooManyRequestsException)
from .function import FunctionConfig, make_config
from .invoke import ASYNC_PAYLOAD_LIMIT, SYNC_PAYLOAD_LIMIT, Function, Invocation, Runtime, encode_payload

__all__ = [
    "ASYNC_PAYLOAD_LIMIT", "SYNC_PAYLOAD_LIMIT", "Function", "FunctionConfig", "FunctionFault",
    "InvalidParameterValueException", "Invocation", "LambdaServiceError", "RequestTooLargeException",
    "ResourceConflictException",
    "ResourceNotFoundException", "Runtime", "TooManyRequestsException", "encode_payload", "make_config",
]
