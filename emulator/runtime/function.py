"""A Lambda function's configuration, validated the way the Lambda API validates it."""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InvalidParameterValueException
from .logs import LogSettings

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
# LoggingConfig (Lambda API): the values each member accepts, and what each level keeps.
LOG_FORMATS = ("Text", "JSON")
APPLICATION_LOG_LEVELS = {"TRACE": 0, "DEBUG": 10, "INFO": 20, "WARN": 30, "ERROR": 40, "FATAL": 50}
SYSTEM_LOG_LEVELS = {"DEBUG": 10, "INFO": 20, "WARN": 30}
# awslambdaric sets the root logger to AWS_LAMBDA_LOG_LEVEL (TRACE as DEBUG, Python has no TRACE).
ROOT_LEVELS = {"TRACE": 10, "DEBUG": 10, "INFO": 20, "WARN": 30, "ERROR": 40, "FATAL": 50}
LOG_GROUP = re.compile(r"^[.\-_/#A-Za-z0-9]{1,512}$")


@dataclass(frozen=True)
class LoggingConfig:
    """A function's ``LoggingConfig``: where its logs go and in which format, at which levels.

    ``Text`` (the default) is the classic format. ``JSON`` makes the runtime write each ``logging``
    record as a JSON object and lets Lambda drop records below ``application_log_level`` (and its
    own lines below ``system_log_level``); both levels are INFO unless you say otherwise.
    """

    log_format: str = "Text"
    application_log_level: str | None = None
    system_log_level: str | None = None
    log_group: str | None = None

    def __repr__(self) -> str:  # as the Lambda API spells it
        shown = {"LogFormat": self.log_format, "ApplicationLogLevel": self.application_log_level,
                 "SystemLogLevel": self.system_log_level, "LogGroup": self.log_group}
        return repr({key: value for key, value in shown.items() if value is not None})

    @functools.cached_property
    def settings(self) -> LogSettings:
        """What the runtime needs to write the log (computed once)."""
        if self.log_format != "JSON":
            return LogSettings()
        return LogSettings(json=True, application_level=APPLICATION_LOG_LEVELS[self.application_log_level],
                           system_level=SYSTEM_LOG_LEVELS[self.system_log_level],
                           root_level=ROOT_LEVELS[self.application_log_level])

    @property
    def variables(self) -> dict[str, str]:
        """What Lambda tells the runtime: AWS_LAMBDA_LOG_FORMAT always, AWS_LAMBDA_LOG_LEVEL with JSON."""
        if self.log_format != "JSON":
            return {"AWS_LAMBDA_LOG_FORMAT": "Text"}
        return {"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": self.application_log_level}

    def as_api(self, function_name: str) -> dict[str, str]:
        """As GetFunctionConfiguration shows it."""
        shown = {"LogFormat": self.log_format, "LogGroup": self.log_group or f"/aws/lambda/{function_name}"}
        if self.log_format == "JSON":
            shown.update(ApplicationLogLevel=self.application_log_level, SystemLogLevel=self.system_log_level)
        return shown


TEXT_LOGGING = LoggingConfig()


def make_logging_config(value: dict | LoggingConfig | None) -> LoggingConfig:
    """Validate a LoggingConfig given as the Lambda API spells it (``{"LogFormat": "JSON", ...}``)."""
    if value is None:
        return TEXT_LOGGING
    if isinstance(value, LoggingConfig):
        value = {"LogFormat": value.log_format, "ApplicationLogLevel": value.application_log_level,
                 "SystemLogLevel": value.system_log_level, "LogGroup": value.log_group}
        value = {key: item for key, item in value.items() if item is not None}
    _check(isinstance(value, dict), f"logging_config {value!r} is invalid: give a dict such as "
                                    f"{{'LogFormat': 'JSON', 'ApplicationLogLevel': 'DEBUG'}}")
    known = ("LogFormat", "ApplicationLogLevel", "SystemLogLevel", "LogGroup")
    unknown = sorted(set(value) - set(known))
    _check(not unknown, f"logging_config has unknown member(s) {', '.join(map(repr, unknown))}: "
                        f"LoggingConfig has {', '.join(known)}")
    log_format = value.get("LogFormat", "Text")
    _check(log_format in LOG_FORMATS, f"LogFormat {log_format!r} is invalid: use 'Text' or 'JSON'")
    application, system = value.get("ApplicationLogLevel"), value.get("SystemLogLevel")
    _check(application is None or application in APPLICATION_LOG_LEVELS,
           f"ApplicationLogLevel {application!r} is invalid: use one of {', '.join(APPLICATION_LOG_LEVELS)}")
    _check(system is None or system in SYSTEM_LOG_LEVELS,
           f"SystemLogLevel {system!r} is invalid: use one of {', '.join(SYSTEM_LOG_LEVELS)}")
    # Lambda filters by level only for JSON logs: with Text it refuses a level.
    _check(log_format == "JSON" or (application is None and system is None),
           "ApplicationLogLevel and SystemLogLevel need LogFormat 'JSON': Lambda filters by level only in "
           "JSON logs")
    group = value.get("LogGroup")
    _check(group is None or (isinstance(group, str) and LOG_GROUP.match(group)),
           f"LogGroup {group!r} is invalid: 1 to 512 letters, digits or . - _ / #")
    if log_format == "JSON":  # Lambda's defaults when JSON is chosen
        application, system = application or "INFO", system or "INFO"
    return LoggingConfig(log_format, application, system, group)


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
    logging: LoggingConfig = TEXT_LOGGING

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{self.name}"

    @property
    def log_group_name(self) -> str:
        return self.logging.log_group or f"/aws/lambda/{self.name}"

    @property
    def module_name(self) -> str:
        return self.handler.rpartition(".")[0].replace("/", ".")

    @property
    def function_attribute(self) -> str:
        return self.handler.rpartition(".")[2]

    def code_digest(self) -> str:
        """A digest of the function's Python files: the folder's own and the handler's module (not subfolders)."""
        digest = hashlib.sha256()
        handler_file = self.code_dir / (self.module_name.replace(".", "/") + ".py")
        for path in sorted({*self.code_dir.glob("*.py"), handler_file}):
            if path.is_file():
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()


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
    logging_config: dict | LoggingConfig | None = None,
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
                          reserved_concurrency, make_logging_config(logging_config))


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
