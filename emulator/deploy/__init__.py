"""Deploy a SAM template to a real AWS account, and remove it again.

The handler files you ran in the local cloud are real Lambda code. This module sends them, and the
queues and triggers around them, to an AWS account with plain boto3 calls, so you can read exactly
what a deployment is:

1. :func:`connect` checks your credentials and region (``sts:GetCallerIdentity``);
2. :func:`plan` reads the template **with the emulator's own template loader** (so it deploys exactly
   what ``LocalCloud.from_template`` runs), looks at what already exists in the account (read-only
   calls only) and lists the changes: ``+`` create, ``~`` update in place, ``-`` delete;
3. :func:`apply` makes those changes, in dependency order: queues (dead-letter queues first), IAM
   roles, log groups, functions (the ``CodeUri`` folder zipped), SQS triggers (event source mappings),
   schedule rules with their targets and invoke permissions, and one HTTP API for the routes.

Every resource carries the tag ``lambda-lab:stack = <stack name>``. That tag is the stack: a second
deploy updates what carries it, deletes what carries it but left the template, and refuses to touch
a resource of the same name that does not carry it. :func:`plan_destroy` lists everything that
carries the tag, and :func:`apply` of that plan deletes exactly that.

Permissions: with ``role_arn`` (on AWS Academy, ``arn:aws:iam::<account>:role/LabRole``) every
function uses that role and no IAM call is made. Without it, each function gets its own role that
allows only its logs and exactly the SQS actions on the queues it reads (its triggers) and writes (the
queues its environment names, and its asynchronous destinations).

Where this differs from AWS (``sam deploy`` goes through CloudFormation; this does not):

- there is no CloudFormation stack: the tag plays its part, and a failed deploy is not rolled back
  (run it again: it picks up where it stopped);
- functions, queues and rules keep the names they have in the local cloud (CloudFormation would add
  the stack name and a random suffix), so two stacks of one template cannot share a region;
- ``Api`` (REST) and ``HttpApi`` events both become routes of one HTTP API per stack, ``Api`` routes
  with payload format 1.0; routes that use an authorizer are refused rather than deployed open;
- ``Schedule`` and ``ScheduleV2`` events both become EventBridge rules; ``at()`` one-time schedules
  are refused; a template's ``Policies`` are not read (the generated role follows the rule above);
- a function's ``Runtime`` is read as written in the template (default python3.12); ``Layers`` are
  not deployed.

Why this module is longer than 600 lines: it is a deployer written by hand, resource by resource
(queues, roles, log groups, functions, triggers, schedules, HTTP APIs), kept in one piece until
CloudFormation change sets (which plan, apply, roll back and delete a stack themselves) replace the
planning and applying parts.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import boto3
from botocore.exceptions import (BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError,
                                 PartialCredentialsError, WaiterError)

from ..arns import function_name_from, queue_name_from
from ..aws.endpoint import PLACEHOLDER_CREDENTIALS, EndpointError, endpoint_url as configured_endpoint
from ..triggers.event_source_mapping import queue_attributes
from ..runtime import make_config
from ..runtime.function import FunctionConfig
from ..triggers.schedules import AtSchedule, parse_schedule
from ..templates.sam import FUNCTION, ScheduleInfo, read_template, load_template

STACK_TAG = "lambda-lab:stack"
ROLE_PATH = "/lambda-lab/"  # the generated roles live under their own path, easy to list and to spot
POLICY_NAME = "lambda-lab-execution"
TARGET_ID = "lambda-lab"
DEFAULT_RUNTIME = "python3.12"
LOG_RETENTION_DAYS = 7  # logs of a lab deployment are kept a week, so old ones cost nothing
STACK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,31}$")
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
# CreateFunction accepts a zipped package of at most 50 MB sent in the request (Lambda quotas page).
MAX_PACKAGE_BYTES = 50 * 1024 * 1024
SKIPPED_IN_PACKAGE = {"__pycache__", ".ipynb_checkpoints", ".aws-sam", ".git"}
# Kinds of resource, in the order they are created (and deleted in reverse).
KINDS = ("queue", "role", "log group", "function", "SQS trigger", "schedule", "HTTP API")
MARKS = {"create": "+", "update": "~", "delete": "-"}
TRUST_POLICY = {  # who may use an execution role: the Lambda service, and nobody else
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
# What Lambda's SQS poller calls on a queue that triggers a function (AWSLambdaSQSQueueExecutionRole).
QUEUE_READ_ACTIONS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
QUEUE_WRITE_ACTIONS = ["sqs:SendMessage"]  # SendMessageBatch is authorised as sqs:SendMessage
LOG_ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents"]
TRACE_ACTIONS = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]  # what AWSXRayDaemonWriteAccess grants

# us-east-1 prices, as published on the AWS pricing pages named below, read on PRICES_READ.
PRICES_READ = "2026-11-23"
PRICES = {
    "lambda": ("https://aws.amazon.com/lambda/pricing/",
               "Lambda: $0.20 per million requests and $0.0000166667 per GB-second (x86); free every month: "
               "1 million requests and 400,000 GB-seconds"),
    "sqs": ("https://aws.amazon.com/sqs/pricing/",
            "SQS: $0.40 per million requests (standard queues), the first million each month free. An SQS "
            "trigger keeps polling its queue even when no message comes: an idle stack still makes requests"),
    "events": ("https://aws.amazon.com/eventbridge/pricing/",
               "EventBridge schedule rules: the scheduled events are AWS events, not charged; the invocations "
               "they cause are Lambda requests"),
    "apigateway": ("https://aws.amazon.com/api-gateway/pricing/",
                   "HTTP API: $1.00 per million requests; free tier 1 million per month for 12 months "
                   "after sign-up"),
    "logs": ("https://aws.amazon.com/cloudwatch/pricing/",
             f"CloudWatch Logs: $0.50 per GB ingested (Lambda's logs are priced in tiers since May 2025; "
             f"$0.50 is the first tier), 5 GB per month free; kept {LOG_RETENTION_DAYS} days here"),
}
LAMBDA_REQUEST_PRICE, LAMBDA_GB_SECOND_PRICE = 0.20 / 1_000_000, 0.0000166667


class DeployError(Exception):
    """Deployment cannot go on: the message says what was wrong and what to do."""


# -- the account -----------------------------------------------------------------------------------


class Account:
    """One AWS account and region, reached with boto3 (or through another endpoint).

    Every client it makes reports each call to :meth:`_before_call`, which remembers the IAM action
    (for error messages) and, when ``read_only``, refuses any call that is not Get*, List* or Describe*:
    that is what makes a dry run unable to change anything.
    """

    def __init__(self, session: boto3.Session, region: str, *, endpoint_url: str | None = None,
                 read_only: bool = False, sleep: Callable[[float], None] = time.sleep) -> None:
        self.session = session
        self.region = region
        self.endpoint_url = endpoint_url
        self.read_only = read_only
        self.sleep = sleep
        self.last_action = "sts:GetCallerIdentity"
        self._clients: dict[str, Any] = {}
        self._id: str | None = None

    def client(self, service: str):
        """A boto3 client for ``service`` in this account's region (cached)."""
        if service not in self._clients:
            client = self.session.client(service, region_name=self.region, endpoint_url=self.endpoint_url)
            client.meta.events.register("before-parameter-build", self._before_call)
            self._clients[service] = client
        return self._clients[service]

    def _before_call(self, model, **kwargs) -> None:
        self.last_action = f"{model.service_model.signing_name}:{model.name}"
        if self.read_only and not is_read_only(model.name):
            raise DeployError(f"dry run: {self.last_action} would change the account, so it was not called")

    @property
    def id(self) -> str:
        """The 12-digit account id (asked once, from STS)."""
        if self._id is None:
            self._id = self.client("sts").get_caller_identity()["Account"]
        return self._id

    def __str__(self) -> str:
        where = f" through {self.endpoint_url}" if self.endpoint_url else ""
        return f"account {self.id}, region {self.region}{where}"


def wait_until_ready(lam, waiter: str, function: str) -> None:
    """Wait, as boto3's waiter does, until Lambda has made or updated the function; if it fails, say why."""
    try:
        lam.get_waiter(waiter).wait(FunctionName=function)
    except WaiterError:
        config = lam.get_function_configuration(FunctionName=function)
        # Lambda explains a failed creation in StateReason, a failed update in LastUpdateStatusReason.
        state, reason = ((config.get("State"), config.get("StateReason")) if waiter == "function_active_v2"
                         else (config.get("LastUpdateStatus"), config.get("LastUpdateStatusReason")))
        raise DeployError(f"Lambda could not make function {function} ready (state {state}): {reason}") from None


def is_read_only(operation: str) -> bool:
    """Get*, List* and Describe* operations only read: the calls a dry run may make."""
    return operation.startswith(("Get", "List", "Describe"))


def connect(region: str | None = None, *, endpoint_url: str | None = None, session: boto3.Session | None = None,
            read_only: bool = False) -> Account:
    """The account your credentials open, in ``region``; raises :class:`DeployError` with what to fix.

    Credentials come from where boto3 finds them: environment variables, or ``~/.aws/credentials``
    (on AWS Academy: the block shown under "AWS Details", "AWS CLI"). ``endpoint_url`` (or
    ``$LAMBDA_LAB_ENDPOINT_URL``) sends every call to another endpoint, such as LocalStack.
    """
    try:
        endpoint = configured_endpoint(endpoint_url)
    except EndpointError as error:
        raise DeployError(str(error)) from None
    session = session or boto3.Session()
    region = region or session.region_name
    if not region:
        raise DeployError("no AWS region given: pass --region us-east-1 (AWS Academy Learner Labs use us-east-1) "
                          "or set AWS_DEFAULT_REGION")
    if endpoint is None and region not in session.get_available_regions("lambda"):
        raise DeployError(f"{region!r} is not an AWS region where Lambda runs: check the spelling "
                          f"(for example us-east-1; AWS Academy Learner Labs use us-east-1)")
    if session.get_credentials() is None:
        if endpoint is None:
            raise DeployError(NO_CREDENTIALS)
        session = boto3.Session(region_name=region, **PLACEHOLDER_CREDENTIALS)
    account = Account(session, region, endpoint_url=endpoint, read_only=read_only)
    with explained(account):
        account.id  # the first call: it proves the credentials work
    return account


NO_CREDENTIALS = ("no AWS credentials found. On AWS Academy: start the lab, open \"AWS Details\", click \"Show\" "
                  "next to \"AWS CLI\" and copy the three lines into ~/.aws/credentials under [default]. "
                  "Elsewhere: run `aws configure`, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
EXPIRED = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
INVALID = {"InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId", "SignatureDoesNotMatch",
           "AuthFailure", "InvalidSignatureException"}
UNAVAILABLE_SERVICE = {"InternalFailure", "NotImplemented", "NotImplementedError"}  # what endpoints answer for a missing service
DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError",
          "AuthorizationErrorException"}


@contextmanager
def explained(account: Account) -> Iterator[None]:
    """Turn boto3's errors into a :class:`DeployError` that names the call and says what to do."""
    try:
        yield
    except ClientError as error:
        raise DeployError(_explain(error, account.last_action, account.endpoint_url)) from None
    except (NoCredentialsError, PartialCredentialsError):
        raise DeployError(NO_CREDENTIALS) from None
    except EndpointConnectionError as error:
        raise DeployError(f"cannot reach {error.kwargs.get('endpoint_url', 'AWS')} ({account.last_action}): check "
                          f"your network connection, the region {account.region!r} and any endpoint URL") from None
    except BotoCoreError as error:
        raise DeployError(f"{account.last_action} failed: {error}") from None


def _explain(error: ClientError, action: str, endpoint_url: str | None = None) -> str:
    code = error.response.get("Error", {}).get("Code", "")
    message = error.response.get("Error", {}).get("Message", "")
    if code in EXPIRED:
        return (f"your AWS credentials have expired ({code} on {action}). AWS Academy credentials last until the "
                f"lab session ends (about 4 hours): start the lab again and copy the new ones from \"AWS Details\"")
    if code in INVALID:
        return (f"AWS does not recognise your credentials ({code} on {action}): copy them again, all three lines "
                f"including aws_session_token for AWS Academy")
    if code in DENIED or code.endswith("NotAuthorized"):
        hint = (" On AWS Academy you cannot create IAM roles: deploy with --role-arn "
                "arn:aws:iam::<account>:role/LabRole." if action.startswith("iam:") else
                " On AWS Academy, check the region: Learner Labs allow us-east-1 and us-west-2 only.")
        return f"you are not allowed to call {action} ({code}): {message}.{hint}"
    return f"{f'the endpoint {endpoint_url}' if endpoint_url else 'AWS'} refused {action}: {code}: {message}"


# -- what the template asks for ----------------------------------------------------------------------


@dataclass(frozen=True)
class QueueSpec:
    """An SQS queue: its name and CreateQueue attributes (a redrive policy names the DLQ's ARN)."""

    name: str
    attributes: dict[str, str]
    url: str
    arn: str

    def describe(self) -> str:
        redrive = self.attributes.get("RedrivePolicy")
        if not redrive:
            return ""
        policy = json.loads(redrive)
        return (f"dead-letter queue {queue_name_from(policy['deadLetterTargetArn'])} after "
                f"{policy['maxReceiveCount']} receives")


@dataclass(frozen=True)
class FunctionSpec:
    """A function: its configuration as the emulator runs it, its zipped code, and the queues it uses."""

    config: FunctionConfig
    runtime: str
    package: bytes
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    async_config: dict[str, Any] | None = None
    tracing: str = "PassThrough"  # Lambda's TracingConfig mode

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def code_sha256(self) -> str:
        return code_sha256(self.package)

    def describe(self) -> str:
        c = self.config
        return (f"{self.runtime}, {c.handler}, {c.timeout:g} s, {c.memory_size} MB, "
                f"code {c.code_dir.name}/ {len(self.package) / 1024:.1f} KB zipped")


@dataclass(frozen=True)
class MappingSpec:
    """An SQS trigger: Lambda polls ``queue`` and invokes ``function`` with batches."""

    queue: str
    function: str
    batch_size: int
    batching_window: int
    report_failures: bool
    enabled: bool

    @property
    def name(self) -> str:
        return f"{self.queue} -> {self.function}"

    def describe(self) -> str:
        return f"batch {self.batch_size}" + (", ReportBatchItemFailures" if self.report_failures else "") + (
            "" if self.enabled else ", disabled")


@dataclass(frozen=True)
class RouteSpec:
    """A route of the stack's HTTP API: ``GET /items/{id}`` (or ``$default``) to a function."""

    key: str
    function: str
    payload_version: str


@dataclass
class StackSpec:
    """Everything one template asks for, ready to deploy to one account and region."""

    name: str
    template: Path
    region: str
    account_id: str
    role_arn: str | None
    queues: list[QueueSpec] = field(default_factory=list)
    functions: list[FunctionSpec] = field(default_factory=list)
    mappings: list[MappingSpec] = field(default_factory=list)
    schedules: list[ScheduleInfo] = field(default_factory=list)
    routes: list[RouteSpec] = field(default_factory=list)
    cors: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)

    def role_name(self, function: str) -> str:
        """The generated role of ``function``: ``STACK-FUNCTION``, shortened with a hash past IAM's 64 characters."""
        name = f"{self.name}-{function}"
        return name if len(name) <= 64 else f"{name[:55]}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"

    def role_for(self, function: str) -> str:
        return self.role_arn or f"arn:aws:iam::{self.account_id}:role{ROLE_PATH}{self.role_name(function)}"

    def function_arn(self, function: str) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{function}"

    def queue(self, name: str) -> QueueSpec:
        return next(queue for queue in self.queues if queue.name == name)

    def resources(self) -> list[tuple[str, str, str]]:
        """(kind, name, detail) of every resource the stack needs, in creation order."""
        found = [("queue", q.name, q.describe()) for q in self.queues]
        if self.role_arn is None:
            found += [("role", self.role_name(f.name), _policy_summary(f)) for f in self.functions]
        found += [("log group", f.config.log_group_name, f"kept {LOG_RETENTION_DAYS} days") for f in self.functions]
        found += [("function", f.name, f.describe()) for f in self.functions]
        found += [("SQS trigger", m.name, m.describe()) for m in self.mappings]
        found += [("schedule", s.rule, s.describe()) for s in self.schedules]
        if self.routes:
            found.append(("HTTP API", self.name, "; ".join(f"{r.key} -> {r.function}" for r in self.routes)))
        return found


def execution_policy(function: str, region: str, account_id: str, reads: tuple[str, ...] = (),
                     writes: tuple[str, ...] = (), traced: bool = False) -> dict[str, Any]:
    """The least-privilege policy of a function's role: its own logs, and exactly the SQS actions it needs.

    ``reads`` are the queues that trigger it (Lambda's poller receives and deletes their messages with
    the function's role); ``writes`` the queues it sends to.
    """
    log_group = f"arn:aws:logs:{region}:{account_id}:log-group:/aws/lambda/{function}"
    statements = [{"Sid": "WriteOwnLogs", "Effect": "Allow", "Action": LOG_ACTIONS, "Resource": f"{log_group}:*"}]
    for sid, actions, queues in (("ReadTriggerQueues", QUEUE_READ_ACTIONS, reads),
                                 ("SendToQueues", QUEUE_WRITE_ACTIONS, writes)):
        if queues:
            statements.append({"Sid": sid, "Effect": "Allow", "Action": actions,
                               "Resource": [f"arn:aws:sqs:{region}:{account_id}:{queue}" for queue in queues]})
    if traced:  # Tracing: Active sends segments to X-Ray, which takes no resource ARN
        statements.append({"Sid": "SendTraces", "Effect": "Allow", "Action": TRACE_ACTIONS, "Resource": "*"})
    return {"Version": "2012-10-17", "Statement": statements}


def _policy_summary(function: FunctionSpec) -> str:
    parts = ["its logs"]
    if function.reads:
        parts.append(f"read {', '.join(function.reads)}")
    if function.writes:
        parts.append(f"send to {', '.join(function.writes)}")
    return "; ".join(parts)


def package(code_dir: Path) -> bytes:
    """The deployment package: every file of ``code_dir`` in a zip, the handler module at its root.

    Entries get a fixed date, so the same code always gives the same zip (and the same CodeSha256:
    a second deploy skips the upload when nothing changed).
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(code_dir.rglob("*")):
            relative = path.relative_to(code_dir)
            if not path.is_file() or path.suffix == ".pyc" or any(
                    part in SKIPPED_IN_PACKAGE or part.startswith(".") for part in relative.parts):
                continue
            entry = zipfile.ZipInfo(relative.as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
            entry.external_attr = 0o644 << 16  # readable by the runtime's user, as Lambda requires
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, path.read_bytes())
    data = buffer.getvalue()
    if len(data) > MAX_PACKAGE_BYTES:
        raise DeployError(f"the code of {code_dir} is {len(data) / 2**20:.0f} MB zipped: Lambda takes at most 50 MB "
                          f"in a direct upload. Remove data files from the folder, or use a layer")
    return data


def code_sha256(package_bytes: bytes) -> str:
    """What Lambda reports as a function's CodeSha256: the base64 SHA-256 of its zip (equal zips: no upload)."""
    return base64.b64encode(hashlib.sha256(package_bytes).digest()).decode()


class _GatewayRecorder:
    """What the template loader sets on the local API Gateway: CORS and authorizers, recorded."""

    def __init__(self) -> None:
        # !Ref of an API gives its id, which only exists after deploy; a template that puts it in an
        # environment variable gets this text instead.
        self.api_ids = {"rest": "(HTTP API id, known after deploy)", "http": "(HTTP API id, known after deploy)"}
        self.cors: dict[str, dict[str, Any]] = {}
        self.authorizers: dict[str, str] = {}

    def set_cors(self, kind: str, **options: Any) -> None:
        self.cors[kind] = options

    def add_jwt_authorizer(self, name: str, **options: Any) -> None:
        self.authorizers[name] = "JWT"

    def add_lambda_authorizer(self, name: str, *args: Any, **options: Any) -> None:
        self.authorizers[name] = "Lambda"


class _TemplateRecorder:
    """Stands in for a LocalCloud while :func:`~emulator.templates.sam.load_template` reads the template.

    The loader calls the methods it calls on a LocalCloud (create_queue, create_function, schedule,
    ...). Here each call checks its arguments with the emulator's own validation and writes down what
    to deploy, so a template deploys exactly as it runs locally.
    """

    def __init__(self, region: str, account_id: str) -> None:
        self.region = region
        self.account_id = account_id
        self.queues: dict[str, QueueSpec] = {}
        self.functions: dict[str, FunctionConfig] = {}
        self.tracing: dict[str, str] = {}
        self.async_configs: dict[str, dict[str, Any]] = {}
        self.mappings: list[MappingSpec] = []
        self.schedules: list[ScheduleInfo] = []
        self.routes: dict[str, RouteSpec] = {}
        self.api_gateway = _GatewayRecorder()
        self.template = None  # load_template stores its report here, as on a LocalCloud

    def queue_arn(self, name: str) -> str:
        return f"arn:aws:sqs:{self.region}:{self.account_id}:{queue_name_from(name)}"

    def create_queue(self, name: str, dead_letter_queue: str | None = None, max_receive_count: int | None = None,
                     visibility_timeout: int = 30, delay_seconds: int = 0, fifo: bool = False,
                     message_retention_period: int | None = None) -> str:
        dead_letter_arn = None
        if dead_letter_queue is not None:
            dead_letter = queue_name_from(dead_letter_queue)
            if dead_letter not in self.queues:  # as LocalCloud.create_queue does
                self.create_queue(dead_letter, fifo=fifo)
            dead_letter_arn = self.queue_arn(dead_letter)
        attributes = queue_attributes(name, dead_letter_arn, max_receive_count, visibility_timeout, delay_seconds,
                                      fifo, message_retention_period)
        # SQS's own URL form, which CreateQueue returns; the real URL replaces it at deploy time.
        url = f"https://sqs.{self.region}.amazonaws.com/{self.account_id}/{name}"
        self.queues[name] = QueueSpec(name, attributes, url, self.queue_arn(name))
        return url

    def create_function(self, name: str, handler: str = "lambda_function.lambda_handler", code: str | Path = ".",
                        timeout: float = 3, memory_size: int = 128, environment: dict[str, str] | None = None,
                        reserved_concurrency: int | None = None, tracing: str | None = None) -> FunctionConfig:
        config = make_config(name, handler, code, timeout, memory_size, environment, self.region, self.account_id,
                             reserved_concurrency)
        self.functions[name] = config
        self.tracing[name] = tracing or "PassThrough"
        return config

    def configure_async(self, name: str, maximum_retry_attempts: int = 2, maximum_event_age: int = 21600,
                        on_failure: str | None = None, on_success: str | None = None) -> None:
        destinations = {}
        for condition, queue in (("OnFailure", on_failure), ("OnSuccess", on_success)):
            if queue is not None:
                destinations[condition] = {"Destination": self.queue_arn(self._known_queue(queue))}
        self.async_configs[name] = {"MaximumRetryAttempts": maximum_retry_attempts,
                                    "MaximumEventAgeInSeconds": maximum_event_age, "DestinationConfig": destinations}

    def create_event_source_mapping(self, queue: str, function: str, batch_size: int = 10,
                                    maximum_batching_window: int = 0, report_batch_item_failures: bool = False,
                                    enabled: bool = True) -> MappingSpec:
        name = self._known_queue(queue)
        visibility = int(self.queues[name].attributes["VisibilityTimeout"])
        timeout = self.functions[function].timeout
        if visibility < timeout:  # CreateEventSourceMapping refuses a queue that hides messages for less
            raise ValueError(f"queue {name}'s visibility timeout ({visibility} s) is less than {function}'s timeout "
                             f"({timeout:g} s), which Lambda refuses: raise the queue's VisibilityTimeout")
        mapping = MappingSpec(name, function, batch_size, maximum_batching_window, report_batch_item_failures, enabled)
        self.mappings.append(mapping)
        return mapping

    def schedule(self, rule_name: str, expression: str, function: str, input: Any = None, enabled: bool = True) -> None:
        if isinstance(parse_schedule(expression), AtSchedule):
            raise ValueError(f"{expression} is a one-time schedule, which needs EventBridge Scheduler: deploy "
                             f"creates EventBridge rules, which take rate() and cron() only")
        self.schedules.append(ScheduleInfo(rule_name, expression, function, enabled, input))

    def add_route(self, method: str, path: str, function: str, api: str = "rest", authorizer: str | None = None,
                  **options: Any) -> None:
        key = "$default" if path == "$default" else f"{method} {path}"
        if authorizer is not None:
            raise ValueError(f"route {key} uses authorizer {authorizer}: deploy does not create authorizers, and "
                             f"deploying the route without one would open it to everyone. Remove its Auth to "
                             f"deploy it open on purpose")
        if key in self.routes:
            raise ValueError(f"route {key} is declared twice (deploy puts REST and HTTP API routes on one HTTP API)")
        # An HTTP API integration with payload format 1.0 sends the REST API's event shape.
        self.routes[key] = RouteSpec(key, function, "1.0" if api == "rest" else "2.0")

    def _known_queue(self, queue: str) -> str:
        name = queue_name_from(queue)
        if name not in self.queues:
            raise ValueError(f"queue {queue!r} is not declared in the template: deploy only wires queues it creates")
        return name


def read_stack(template: str | Path, stack: str, region: str, account_id: str, *, role_arn: str | None = None,
               parameters: dict[str, Any] | None = None) -> StackSpec:
    """What ``template`` asks for, as deployable specs (no AWS call: the template loader does the reading).

    Raises :class:`~emulator.templates.sam.TemplateError` for a template the local cloud would refuse, and
    :class:`DeployError` for what cannot be deployed.
    """
    if not STACK_NAME.match(stack or ""):
        raise DeployError(f"stack name {stack!r} is invalid: 1 to 32 letters, digits or hyphens, starting with a "
                          f"letter (for example calc-alice)")
    if role_arn is not None and not ROLE_ARN.match(role_arn):
        raise DeployError(f"--role-arn {role_arn!r} is not an IAM role ARN: write it as "
                          f"arn:aws:iam::123456789012:role/LabRole (your account id; AWS Details shows it)")
    path = Path(template)
    recorder = _TemplateRecorder(region, account_id)
    report = load_template(path, recorder, parameters=parameters, stack_name=stack)
    unprotected = [w for w in report.warnings if "open to every caller" in w or "served without it" in w]
    if unprotected:
        raise DeployError(f"{path}: a route's authorizer cannot be deployed, and the route would be open to "
                          f"everyone: {unprotected[0]}")
    spec = StackSpec(stack, path, region, account_id, role_arn, list(recorder.queues.values()),
                     warnings=list(report.warnings))
    runtimes = _runtimes(read_template(path), report.resources)
    for name, config in recorder.functions.items():
        reads = tuple(m.queue for m in recorder.mappings if m.function == name)
        async_config = recorder.async_configs.get(name)
        destinations = [queue_name_from(d["Destination"]) for d in (async_config or {}).get("DestinationConfig", {}).values()]
        writes = tuple(dict.fromkeys(_queues_named(config.environment, recorder.queues) + destinations))
        spec.functions.append(FunctionSpec(config, runtimes.get(name, DEFAULT_RUNTIME), package(config.code_dir),
                                           reads, writes, async_config, recorder.tracing[name]))
    spec.mappings, spec.schedules, spec.routes = recorder.mappings, recorder.schedules, list(recorder.routes.values())
    spec.cors = _cors_configuration(recorder.api_gateway.cors)
    return spec


def _runtimes(template: dict, resources: dict[str, str]) -> dict[str, str]:
    """Each function's Runtime as written in the template (its own, else Globals.Function's)."""
    default = ((template.get("Globals") or {}).get("Function") or {}).get("Runtime")
    runtimes = {}
    for logical_id, physical in resources.items():
        resource = template["Resources"].get(logical_id) or {}
        if resource.get("Type") == FUNCTION:
            runtime = (resource.get("Properties") or {}).get("Runtime", default)
            runtimes[physical] = runtime if isinstance(runtime, str) else DEFAULT_RUNTIME
    return runtimes


def _queues_named(environment: dict[str, str], queues: dict[str, QueueSpec]) -> list[str]:
    """The template queues whose URL, ARN or name is the value of an environment variable."""
    return [q.name for q in queues.values() if {q.url, q.arn, q.name} & set(environment.values())]


def _cors_configuration(cors: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The template's CORS settings as an HTTP API CorsConfiguration (REST's quoted strings become lists)."""
    options = cors.get("http") or cors.get("rest")
    if not options:
        return None
    keys = {"allow_origins": "AllowOrigins", "allow_methods": "AllowMethods", "allow_headers": "AllowHeaders",
            "expose_headers": "ExposeHeaders", "max_age": "MaxAge", "allow_credentials": "AllowCredentials"}
    configuration = {}
    for option, key in keys.items():
        value = options.get(option)
        if isinstance(value, str):  # REST's Cors writes "'GET,POST'": a quoted, comma-separated header value
            value = [item.strip() for item in value.strip("'").split(",")]
        if value is not None:
            configuration[key] = int(value) if key == "MaxAge" else value
    return configuration


# -- what exists in the account ----------------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    """A resource found in the account: its kind, its name, what the delete call needs, its stack tag."""

    kind: str
    name: str
    id: str
    stack: str | None


def inventory(account: Account) -> list[Resource]:
    """Every resource of the kinds deploy makes, in the account's region, with its stack tag (read-only)."""
    found: list[Resource] = []
    for lister in (_queues, _roles, _log_groups, _functions, _schedules, _apis):
        found += lister(account)
    functions = {r.name: r.stack for r in found if r.kind == "function"}
    found += _mappings(account, functions)
    return found


def _pages(client, operation: str, key: str, **kwargs: Any) -> Iterator[dict]:
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key, [])


def _queues(account: Account) -> list[Resource]:
    sqs = account.client("sqs")
    return [Resource("queue", queue_name_from(url), url, sqs.list_queue_tags(QueueUrl=url).get("Tags", {}).get(STACK_TAG))
            for url in _pages(sqs, "list_queues", "QueueUrls")]


def _roles(account: Account) -> list[Resource]:
    iam = account.client("iam")
    found = []
    try:
        for role in _pages(iam, "list_roles", "Roles", PathPrefix=ROLE_PATH):
            tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=role["RoleName"])["Tags"]}
            found.append(Resource("role", role["RoleName"], role["RoleName"], tags.get(STACK_TAG)))
    except ClientError as error:
        if error.response["Error"]["Code"] not in DENIED:
            raise
        # AWS Academy's users may not list roles: the stack's roles (there are none with --role-arn) go unseen.
    return found


def _log_groups(account: Account) -> list[Resource]:
    logs = account.client("logs")
    found = []
    for group in _pages(logs, "describe_log_groups", "logGroups", logGroupNamePrefix="/aws/lambda/"):
        arn = group.get("logGroupArn") or group["arn"].removesuffix(":*")
        tags = logs.list_tags_for_resource(resourceArn=arn).get("tags", {})
        found.append(Resource("log group", group["logGroupName"], arn, tags.get(STACK_TAG)))
    return found


def _functions(account: Account) -> list[Resource]:
    lam = account.client("lambda")
    return [Resource("function", f["FunctionName"], f["FunctionArn"],
                     lam.list_tags(Resource=f["FunctionArn"]).get("Tags", {}).get(STACK_TAG))
            for f in _pages(lam, "list_functions", "Functions")]


def _mappings(account: Account, functions: dict[str, str | None]) -> list[Resource]:
    """SQS triggers; one whose tags cannot be read (a local cloud serves mappings itself) goes with its function."""
    lam = account.client("lambda")
    found = []
    for mapping in _pages(lam, "list_event_source_mappings", "EventSourceMappings"):
        function = function_name_from(mapping["FunctionArn"])
        arn = mapping.get("EventSourceMappingArn") or (
            f"arn:aws:lambda:{account.region}:{account.id}:event-source-mapping:{mapping['UUID']}")
        try:
            stack = lam.list_tags(Resource=arn).get("Tags", {}).get(STACK_TAG)
        except ClientError:
            stack = functions.get(function)
        name = f"{queue_name_from(mapping.get('EventSourceArn', '?'))} -> {function}"
        found.append(Resource("SQS trigger", name, mapping["UUID"], stack))
    return found


def _schedules(account: Account) -> list[Resource]:
    events = account.client("events")
    return [Resource("schedule", rule["Name"], rule["Arn"], {t["Key"]: t["Value"] for t in events.list_tags_for_resource(
                ResourceARN=rule["Arn"])["Tags"]}.get(STACK_TAG))
            for rule in _pages(events, "list_rules", "Rules")]


def _apis(account: Account) -> list[Resource]:
    try:
        return [Resource("HTTP API", api["Name"], api["ApiId"], (api.get("Tags") or {}).get(STACK_TAG))
                for api in _pages(account.client("apigatewayv2"), "get_apis", "Items")]
    except ClientError as error:
        # An endpoint may not offer API Gateway v2 at all (LocalStack's free edition answers InternalFailure):
        # it then holds no HTTP API. A stack that needs one still fails, on CreateApi, with that message.
        if account.endpoint_url is None or error.response["Error"]["Code"] not in UNAVAILABLE_SERVICE:
            raise
        return []


# -- the plan ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One line of a plan: create, update or delete one resource."""

    action: str
    kind: str
    name: str
    detail: str = ""

    def __str__(self) -> str:
        return f"  {MARKS[self.action]} {self.kind} {self.name}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class Plan:
    """What :func:`apply` will do to one account: the changes, and the resources they start from."""

    account: Account
    stack: str
    spec: StackSpec | None  # None: destroy the stack
    owned: dict[tuple[str, str], Resource]  # what carries the stack's tag, by (kind, name)
    changes: list[Change]
    others: dict[tuple[str, str], Resource] = field(default_factory=dict)  # same kinds, not in the stack

    @property
    def deletions(self) -> list[Resource]:
        return [self.owned[c.kind, c.name] for c in self.changes if c.action == "delete"]

    def __str__(self) -> str:
        verb = f"Deploy {self.spec.template} as stack" if self.spec else "Destroy stack"
        lines = [f"{verb} {self.stack!r} in {self.account}:"]
        lines += [str(change) for change in self.changes] or ["  nothing carries the tag "
                                                              f"{STACK_TAG}={self.stack}: nothing to do"]
        if self.spec:
            if self.spec.role_arn:
                lines.append(f"  every function uses the role {self.spec.role_arn} (not created, not deleted)")
            lines += [f"  not deployed: {warning}" for warning in self.spec.warnings]
            lines += ["", *cost_notes(self.spec)]
        return "\n".join(lines)


def plan(template: str | Path, stack: str, account: Account, *, role_arn: str | None = None,
         parameters: dict[str, Any] | None = None) -> Plan:
    """Read the template and the account (read-only calls only) and list the changes a deploy makes.

    Raises :class:`DeployError` when a resource the template needs already exists outside the stack.
    """
    with explained(account):
        spec = read_stack(template, stack, account.region, account.id, role_arn=role_arn, parameters=parameters)
        resources = inventory(account)
    owned = {(r.kind, r.name): r for r in resources if r.stack == stack}
    others = {(r.kind, r.name): r for r in resources if r.stack != stack}
    wanted = spec.resources()
    taken = [_owner_of(others[kind, name]) for kind, name, _ in wanted
             if (kind, name) in others and kind != "log group"]  # a function's log group is adopted
    if taken:
        raise DeployError(f"these already exist in {account} and are not part of stack {stack!r}: "
                          f"{'; '.join(taken)}. Delete them, rename them in the template, or deploy with the "
                          f"--stack they belong to")
    changes = [Change("update" if (kind, name) in owned else "create", kind, name, detail)
               for kind, name, detail in wanted]
    kept = {(kind, name) for kind, name, _ in wanted}
    changes += _deletions([r for key, r in owned.items() if key not in kept])
    return Plan(account, stack, spec, owned, changes, others)


def _owner_of(resource: Resource) -> str:
    owner = f"tagged {STACK_TAG}={resource.stack}" if resource.stack else "not made by deploy"
    return f"{resource.kind} {resource.name} ({owner})"


def plan_destroy(stack: str, account: Account) -> Plan:
    """List everything that carries the tag ``lambda-lab:stack=STACK``: what :func:`apply` will delete."""
    with explained(account):
        owned = {(r.kind, r.name): r for r in inventory(account) if r.stack == stack}
    return Plan(account, stack, None, owned, _deletions(list(owned.values())))


def _deletions(resources: list[Resource]) -> list[Change]:
    """Delete changes, in the reverse of creation order (an API before its functions, queues last)."""
    ordered = sorted(resources, key=lambda r: -KINDS.index(r.kind))
    return [Change("delete", r.kind, r.name) for r in ordered]


def cost_notes(spec: StackSpec) -> list[str]:
    """What the stack may cost: the prices of the services it uses, and a worked Lambda example."""
    services = ["lambda", "logs"]
    services += ["sqs"] if spec.queues else []
    services += ["events"] if spec.schedules else []
    services += ["apigateway"] if spec.routes else []
    lines = [f"What it may cost (us-east-1 prices read on {PRICES_READ}; check the pages before you rely on them):"]
    lines += [f"  {PRICES[service][1]} ({PRICES[service][0]})" for service in services]
    for function in spec.functions:
        memory_gb = function.config.memory_size / 1024
        gb_seconds = 1_000_000 * 0.1 * memory_gb
        dollars = 1_000_000 * LAMBDA_REQUEST_PRICE + gb_seconds * LAMBDA_GB_SECOND_PRICE
        lines.append(f"  For example, 1 million invocations of {function.name} lasting 100 ms at "
                     f"{function.config.memory_size} MB use {gb_seconds:,.0f} GB-seconds: ${dollars:.2f} past the "
                     f"free tier, $0.00 within it")
    lines.append("  On AWS Academy, usage comes out of the Learner Lab's credit. Destroy the stack when you are done.")
    return lines


# -- applying a plan ---------------------------------------------------------------------------------


@dataclass
class Deployment:
    """What a deploy left behind: the addresses you use to reach the stack."""

    stack: str
    queue_urls: dict[str, str] = field(default_factory=dict)
    functions: list[str] = field(default_factory=list)
    api_url: str | None = None

    def __str__(self) -> str:
        lines = [f"Stack {self.stack!r} is deployed."]
        lines += [f"  queue {name}: {url}" for name, url in self.queue_urls.items()]
        lines += [f"  function {name}" for name in self.functions]
        if self.api_url:
            lines.append(f"  HTTP API: {self.api_url}")
        return "\n".join(lines)


def apply(plan: Plan, *, log: Callable[[str], None] = print) -> Deployment:
    """Make the plan's changes: create and update what the template needs, then delete what left it."""
    if plan.account.read_only:
        raise DeployError("this account was opened read-only (a dry run): connect again without read_only to deploy")
    deployment = Deployment(plan.stack)
    with explained(plan.account):
        if plan.spec is not None:
            _Deployer(plan, deployment, log).run()
        for resource in plan.deletions:
            DELETERS[resource.kind](plan.account, resource)
            log(f"deleted {resource.kind} {resource.name}")
    return deployment


class _Deployer:
    """Creates or updates each resource of a stack, in dependency order."""

    def __init__(self, plan: Plan, deployment: Deployment, log: Callable[[str], None]) -> None:
        self.plan, self.spec, self.account, self.deployment, self.log = plan, plan.spec, plan.account, deployment, log
        self.tags = {STACK_TAG: plan.stack}
        self.urls: dict[str, str] = {}  # a queue's URL in the spec -> its real URL

    def run(self) -> None:
        self.queues()
        self.roles()
        self.log_groups()
        for function in self.spec.functions:
            self.function(function)
        self.mappings()
        self.schedules()
        if self.spec.routes:
            self.http_api()

    def owned(self, kind: str, name: str) -> Resource | None:
        return self.plan.owned.get((kind, name))

    def done(self, kind: str, name: str) -> None:
        self.log(f"{'updated' if self.owned(kind, name) else 'created'} {kind} {name}")

    def queues(self) -> None:
        sqs = self.account.client("sqs")
        for queue in self.spec.queues:
            existing = self.owned("queue", queue.name)
            if existing:
                # Attributes the template no longer sets go back to SQS's defaults; FifoQueue cannot change.
                attributes = {"MessageRetentionPeriod": "345600", "RedrivePolicy": "", **queue.attributes}
                attributes.pop("FifoQueue", None)
                sqs.set_queue_attributes(QueueUrl=existing.id, Attributes=attributes)
                url = existing.id
            else:
                url = sqs.create_queue(QueueName=queue.name, Attributes=queue.attributes, tags=self.tags)["QueueUrl"]
            self.urls[queue.url] = self.deployment.queue_urls[queue.name] = url
            self.done("queue", queue.name)

    def roles(self) -> None:
        if self.spec.role_arn:
            return
        iam = self.account.client("iam")
        for function in self.spec.functions:
            name = self.spec.role_name(function.name)
            if not self.owned("role", name):
                iam.create_role(RoleName=name, Path=ROLE_PATH, AssumeRolePolicyDocument=json.dumps(TRUST_POLICY),
                                Description=f"Execution role of {function.name} (Lambda Lab stack {self.plan.stack})",
                                Tags=[{"Key": STACK_TAG, "Value": self.plan.stack}])
            policy = execution_policy(function.name, self.spec.region, self.spec.account_id, function.reads,
                                      function.writes, traced=function.tracing == "Active")
            iam.put_role_policy(RoleName=name, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(policy))
            self.done("role", name)

    def log_groups(self) -> None:
        logs = self.account.client("logs")
        for function in self.spec.functions:
            name = function.config.log_group_name
            unowned = self.plan.others.get(("log group", name))
            if unowned:  # Lambda made it on an earlier run: the stack adopts it
                logs.tag_resource(resourceArn=unowned.id, tags=self.tags)
            elif not self.owned("log group", name):
                logs.create_log_group(logGroupName=name, tags=self.tags)
            logs.put_retention_policy(logGroupName=name, retentionInDays=LOG_RETENTION_DAYS)
            self.done("log group", name)

    def function(self, function: FunctionSpec) -> None:
        lam = self.account.client("lambda")
        c = function.config
        environment = {key: self.urls.get(value, value) for key, value in c.environment.items()}
        settings = dict(Role=self.spec.role_for(c.name), Handler=c.handler, Runtime=function.runtime,
                        Timeout=int(c.timeout), MemorySize=c.memory_size, Environment={"Variables": environment},
                        TracingConfig={"Mode": function.tracing},
                        Description=f"Lambda Lab stack {self.plan.stack}")
        if self.owned("function", c.name):
            if lam.get_function(FunctionName=c.name)["Configuration"]["CodeSha256"] != function.code_sha256:
                lam.update_function_code(FunctionName=c.name, ZipFile=function.package)
                wait_until_ready(lam, "function_updated_v2", c.name)
            lam.update_function_configuration(FunctionName=c.name, **settings)
            wait_until_ready(lam, "function_updated_v2", c.name)
        else:
            self.retry_while_role_propagates(lambda: lam.create_function(
                FunctionName=c.name, Code={"ZipFile": function.package}, Tags=self.tags, **settings))
            wait_until_ready(lam, "function_active_v2", c.name)
        self.function_options(function)
        self.deployment.functions.append(c.name)
        self.done("function", c.name)

    def function_options(self, function: FunctionSpec) -> None:
        """Reserved concurrency and asynchronous invocation settings (set, or removed when dropped)."""
        lam, name, existed = self.account.client("lambda"), function.name, self.owned("function", function.name)
        if function.config.reserved_concurrency is not None:
            lam.put_function_concurrency(FunctionName=name,
                                         ReservedConcurrentExecutions=function.config.reserved_concurrency)
        elif existed:
            lam.delete_function_concurrency(FunctionName=name)
        if function.async_config is not None:
            lam.put_function_event_invoke_config(FunctionName=name, **function.async_config)
        elif existed:
            _ignore_missing(lambda: lam.delete_function_event_invoke_config(FunctionName=name))

    def retry_while_role_propagates(self, call: Callable[[], Any]) -> Any:
        """A role IAM just created takes a few seconds to reach Lambda, which refuses it until then."""
        for attempt in range(10):
            try:
                return call()
            except ClientError as error:
                message = error.response["Error"].get("Message", "")
                if error.response["Error"]["Code"] != "InvalidParameterValueException" or "role" not in message \
                        or self.spec.role_arn or attempt == 9:
                    raise
                self.account.sleep(3)

    def mappings(self) -> None:
        lam = self.account.client("lambda")
        for mapping in self.spec.mappings:
            settings = dict(BatchSize=mapping.batch_size, MaximumBatchingWindowInSeconds=mapping.batching_window,
                            FunctionResponseTypes=["ReportBatchItemFailures"] if mapping.report_failures else [],
                            Enabled=mapping.enabled)
            existing = self.owned("SQS trigger", mapping.name)
            if existing:
                lam.update_event_source_mapping(UUID=existing.id, **settings)
            else:
                self.retry_while_role_propagates(lambda: lam.create_event_source_mapping(
                    EventSourceArn=self.spec.queue(mapping.queue).arn, FunctionName=mapping.function,
                    Tags=self.tags, **settings))
            self.done("SQS trigger", mapping.name)

    def schedules(self) -> None:
        events = self.account.client("events")
        for schedule in self.spec.schedules:
            tags = {} if self.owned("schedule", schedule.rule) else {
                "Tags": [{"Key": STACK_TAG, "Value": self.plan.stack}]}  # PutRule applies tags on creation only
            rule_arn = events.put_rule(Name=schedule.rule, ScheduleExpression=schedule.expression,
                                       State="ENABLED" if schedule.enabled else "DISABLED",
                                       Description=f"Lambda Lab stack {self.plan.stack}", **tags)["RuleArn"]
            target = {"Id": TARGET_ID, "Arn": self.spec.function_arn(schedule.function)}
            if schedule.input is not None:
                target["Input"] = json.dumps(schedule.input)  # the function receives this instead of the event
            events.put_targets(Rule=schedule.rule, Targets=[target])
            self.allow_invoke(schedule.function, f"lambda-lab-rule-{schedule.rule}", "events.amazonaws.com", rule_arn)
            self.done("schedule", schedule.rule)

    def http_api(self) -> None:
        """One HTTP API for every route: an AWS_PROXY integration per function, a route per key, stage $default."""
        apis = self.account.client("apigatewayv2")
        existing = self.owned("HTTP API", self.plan.stack)
        cors = {"CorsConfiguration": self.spec.cors} if self.spec.cors else {}
        if existing:
            api = apis.update_api(ApiId=existing.id, **cors)
            if not cors and "CorsConfiguration" in api:
                apis.delete_cors_configuration(ApiId=existing.id)
        else:
            api = apis.create_api(Name=self.plan.stack, ProtocolType="HTTP", Tags=self.tags, **cors)
        api_id = api["ApiId"]
        targets = self.integrations(api_id)
        self.routes(api_id, targets)
        if not any(s["StageName"] == "$default" for s in _pages(apis, "get_stages", "Items", ApiId=api_id)):
            apis.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)  # deploys each change at once
        source = f"arn:aws:execute-api:{self.spec.region}:{self.spec.account_id}:{api_id}/*/*"
        for function in dict.fromkeys(route.function for route in self.spec.routes):
            self.allow_invoke(function, f"lambda-lab-api-{api_id}", "apigateway.amazonaws.com", source)
        self.deployment.api_url = api["ApiEndpoint"]
        self.done("HTTP API", self.plan.stack)

    def integrations(self, api_id: str) -> dict[tuple[str, str], str]:
        """(function ARN, payload version) -> integration id, creating the missing ones."""
        apis = self.account.client("apigatewayv2")
        found = {(i["IntegrationUri"], i.get("PayloadFormatVersion", "2.0")): i["IntegrationId"]
                 for i in _pages(apis, "get_integrations", "Items", ApiId=api_id)}
        for route in self.spec.routes:
            key = (self.spec.function_arn(route.function), route.payload_version)
            if key not in found:
                found[key] = apis.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=key[0],
                                                     PayloadFormatVersion=route.payload_version)["IntegrationId"]
        return found

    def routes(self, api_id: str, integrations: dict[tuple[str, str], str]) -> None:
        """Each route points at its integration; routes and integrations the template dropped go."""
        apis = self.account.client("apigatewayv2")
        current = {r["RouteKey"]: r for r in _pages(apis, "get_routes", "Items", ApiId=api_id)}
        used = set()
        for route in self.spec.routes:
            integration = integrations[self.spec.function_arn(route.function), route.payload_version]
            used.add(integration)
            target = f"integrations/{integration}"
            if route.key not in current:
                apis.create_route(ApiId=api_id, RouteKey=route.key, Target=target)
            elif current[route.key].get("Target") != target:
                apis.update_route(ApiId=api_id, RouteId=current[route.key]["RouteId"], Target=target)
        for key, route in current.items():
            if key not in {r.key for r in self.spec.routes}:
                apis.delete_route(ApiId=api_id, RouteId=route["RouteId"])
        for integration in set(integrations.values()) - used:
            apis.delete_integration(ApiId=api_id, IntegrationId=integration)

    def allow_invoke(self, function: str, statement_id: str, principal: str, source_arn: str) -> None:
        """Let ``principal`` (EventBridge, API Gateway) invoke ``function`` from ``source_arn`` only."""
        lam = self.account.client("lambda")
        try:
            statements = json.loads(lam.get_policy(FunctionName=function)["Policy"])["Statement"]
        except ClientError as error:
            if error.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
            statements = []
        if not any(s.get("Sid") == statement_id for s in statements):
            lam.add_permission(FunctionName=function, StatementId=statement_id, Action="lambda:InvokeFunction",
                               Principal=principal, SourceArn=source_arn)


def _ignore_missing(call: Callable[[], Any]) -> None:
    try:
        call()
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceNotFoundException":
            raise


# -- deleting ----------------------------------------------------------------------------------------


def _delete_schedule(account: Account, rule: Resource) -> None:
    events, lam = account.client("events"), account.client("lambda")
    targets = list(_pages(events, "list_targets_by_rule", "Targets", Rule=rule.name))
    for target in targets:
        if ":function:" in target["Arn"]:  # take back the permission the rule had on its function
            _ignore_missing(lambda: lam.remove_permission(FunctionName=function_name_from(target["Arn"]),
                                                          StatementId=f"lambda-lab-rule-{rule.name}"))
    if targets:
        events.remove_targets(Rule=rule.name, Ids=[target["Id"] for target in targets])
    events.delete_rule(Name=rule.name)


def _delete_role(account: Account, role: Resource) -> None:
    iam = account.client("iam")
    for policy in _pages(iam, "list_role_policies", "PolicyNames", RoleName=role.name):
        iam.delete_role_policy(RoleName=role.name, PolicyName=policy)
    for policy in _pages(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=role.name):
        iam.detach_role_policy(RoleName=role.name, PolicyArn=policy["PolicyArn"])
    iam.delete_role(RoleName=role.name)


DELETERS: dict[str, Callable[[Account, Resource], None]] = {
    "HTTP API": lambda account, r: account.client("apigatewayv2").delete_api(ApiId=r.id),
    "schedule": _delete_schedule,
    "SQS trigger": lambda account, r: account.client("lambda").delete_event_source_mapping(UUID=r.id),
    "function": lambda account, r: account.client("lambda").delete_function(FunctionName=r.name),
    "log group": lambda account, r: account.client("logs").delete_log_group(logGroupName=r.name),
    "role": _delete_role,
    "queue": lambda account, r: account.client("sqs").delete_queue(QueueUrl=r.id),
}


# -- asking first ------------------------------------------------------------------------------------


def confirm(question: str, *, yes: bool = False, stdin: TextIO | None = None, stdout: TextIO | None = None) -> bool:
    """True when the user agrees (or ``yes`` was given); raises :class:`DeployError` when nobody can be asked."""
    if yes:
        return True
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    if not stdin.isatty():
        raise DeployError("refusing to go on without a yes: standard input is not a terminal, so nobody can be "
                          "asked. Read the plan above, then run the command again with --yes (or --dry-run to "
                          "only print the plan)")
    stdout.write(f"{question} Type yes to go on: ")
    stdout.flush()
    return stdin.readline().strip().lower() in ("yes", "y")
