"""A Lambda function's configuration, validated the way the Lambda API validates it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InvalidParameterValueException

# Lambda's limits (Lambda quotas page): timeout 1-900 s, memory 128-10240 MB.
MIN_TIMEOUT, MAX_TIMEOUT = 1, 900
MIN_MEMORY, MAX_MEMORY = 128, 10240
# Function names: letters, digits, hyphens and underscores, 1-64 characters (CreateFunction API).
FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
HANDLER = re.compile(r"^[^\s]{1,128}$")
# Environment variable names: a letter first, then letters, digits and underscores (CreateFunction API).
ENV_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# Lambda sets these itself; CreateFunction rejects them as user variables.
RESERVED_ENV = {
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
}
DEFAULT_MODULE = "lambda_function"  # the console's default handler is lambda_function.lambda_handler
# The total size of all environment variables may not exceed 4 KB (Lambda quotas page).
MAX_ENVIRONMENT_BYTES = 4096


@dataclass(frozen=True)
class FunctionConfig:
    """Everything CreateFunction needs, checked on construction.

    ``code`` is a folder (the unzipped deployment package, Lambda's /var/task) or a single ``.py``
    file, which stands for a folder holding just that file.
    """

    name: str
    handler: str
    code_dir: Path
    timeout: float = 3
    memory_size: int = 128
    environment: dict[str, str] = field(default_factory=dict)
    region: str = "us-east-1"
    account_id: str = "123456789012"
    reserved_concurrency: int | None = None

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{self.name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.name}"

    @property
    def module_name(self) -> str:
        return self.handler.rpartition(".")[0].replace("/", ".")

    @property
    def function_attribute(self) -> str:
        return self.handler.rpartition(".")[2]


def make_config(
    name: str,
    handler: str,
    code: str | Path,
    timeout: float = 3,
    memory_size: int = 128,
    environment: dict[str, str] | None = None,
    region: str = "us-east-1",
    account_id: str = "123456789012",
    reserved_concurrency: int | None = None,
) -> FunctionConfig:
    """Validate CreateFunction's arguments and return the configuration (raise with a clear message)."""
    _check(FUNCTION_NAME.match(name or ""),
           f"function name {name!r} is invalid: use 1 to 64 letters, digits, hyphens or underscores")
    _check(isinstance(timeout, (int, float)) and MIN_TIMEOUT <= timeout <= MAX_TIMEOUT,
           f"timeout {timeout!r} is out of range: Lambda allows {MIN_TIMEOUT} to {MAX_TIMEOUT} seconds")
    _check(isinstance(memory_size, int) and MIN_MEMORY <= memory_size <= MAX_MEMORY,
           f"memory_size {memory_size!r} is out of range: Lambda allows {MIN_MEMORY} to {MAX_MEMORY} MB")
    # CreateFunction only checks the handler's characters (no spaces, at most 128); a handler that is
    # not module.function is accepted and fails at invocation with Runtime.MalformedHandlerName.
    _check(isinstance(handler, str) and HANDLER.match(handler),
           f"handler {handler!r} is invalid: write it as module.function, e.g. lambda_function.lambda_handler")
    code_dir, handler = _resolve_code(Path(code), handler)
    env = _check_environment(environment or {})
    _check(reserved_concurrency is None or (isinstance(reserved_concurrency, int) and reserved_concurrency >= 0),
           f"reserved_concurrency {reserved_concurrency!r} is invalid: use a whole number, 0 or more")
    return FunctionConfig(name, handler, code_dir, timeout, memory_size, env, region, account_id,
                          reserved_concurrency)


def _resolve_code(code: Path, handler: str) -> tuple[Path, str]:
    """A folder stays as is; a ``.py`` file becomes its folder (and names the handler's module)."""
    if not code.exists():
        raise InvalidParameterValueException(
            f"code path {str(code)!r} does not exist: give the folder holding your handler module, or its .py file")
    if code.is_file():
        _check(code.suffix == ".py", f"code file {str(code)!r} is not a .py file")
        module, _, function = handler.rpartition(".")
        if module == DEFAULT_MODULE:  # the default handler names whatever file was given
            handler = f"{code.stem}.{function}"
        _check(handler.rsplit(".", 1)[0] == code.stem,
               f"handler {handler!r} names module {module!r} but the code file is {code.name!r}: "
               f"use handler='{code.stem}.{function}'")
        return code.resolve().parent, handler
    return code.resolve(), handler


def _check_environment(environment: dict) -> dict[str, str]:
    for key, value in environment.items():
        _check(isinstance(key, str) and ENV_NAME.match(key),
               f"environment variable name {key!r} is invalid: start with a letter, then letters, digits or _")
        _check(key not in RESERVED_ENV, f"environment variable {key!r} is reserved by Lambda: choose another name")
        _check(isinstance(value, str),
               f"environment variable {key} must be a string (got {type(value).__name__}): Lambda stores text only")
    size = sum(len(k.encode()) + len(v.encode()) for k, v in environment.items())
    _check(size <= MAX_ENVIRONMENT_BYTES,
           f"environment variables take {size} bytes: Lambda allows {MAX_ENVIRONMENT_BYTES} in total")
    return dict(environment)


def _check(condition, message: str) -> None:
    if not condition:
        raise InvalidParameterValueException(message)
