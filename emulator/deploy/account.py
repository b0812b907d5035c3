"""The AWS account a deployment goes to, the errors it answers, and asking before changing it.

:func:`connect` checks your credentials and region with ``sts:GetCallerIdentity``, the one call
that needs no permission. Every client an :class:`Account` makes reports each call first, so that

- an error names the IAM action that failed (``cloudformation:ExecuteChangeSet``) and what to do;
- a dry run (``read_only``) refuses every call that could change a resource. It may read, and it may
  do what planning needs: upload the code (as ``sam deploy`` does before it plans), create and delete
  a change set, and delete the empty stack its own first change set put under review.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

import boto3
from botocore.exceptions import (BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError,
                                 PartialCredentialsError)
from botocore.parsers import ResponseParserError

from ..aws.endpoint import PLACEHOLDER_CREDENTIALS, EndpointError, endpoint_url as configured_endpoint

# What a dry run may call besides reads: uploading the code and asking CloudFormation for a change set.
PLANNING_ACTIONS = {"s3:CreateBucket", "s3:PutObject", "cloudformation:CreateChangeSet",
                    "cloudformation:DeleteChangeSet"}


class DeployError(Exception):
    """Deployment cannot go on: the message says what was wrong and what to do."""


class Account:
    """One AWS account and region, reached with boto3 (or through another endpoint)."""

    def __init__(self, session: boto3.Session, region: str, *, endpoint_url: str | None = None,
                 read_only: bool = False, sleep: Callable[[float], None] = time.sleep) -> None:
        self.session = session
        self.region = region
        self.endpoint_url = endpoint_url
        self.read_only = read_only
        self.sleep = sleep
        self.last_action = "sts:GetCallerIdentity"
        self.reviewing: set[str] = set()  # stacks this account's CREATE change sets put under review
        self._clients: dict[str, Any] = {}
        self._id: str | None = None

    def client(self, service: str):
        """A boto3 client for ``service`` in this account's region (cached)."""
        if service not in self._clients:
            client = self.session.client(service, region_name=self.region, endpoint_url=self.endpoint_url)
            client.meta.events.register("before-parameter-build", self._before_call)
            self._clients[service] = client
        return self._clients[service]

    def _before_call(self, model, params: dict, **kwargs) -> None:
        self.last_action = f"{model.service_model.signing_name}:{model.name}"
        if self.last_action == "cloudformation:CreateChangeSet" and params.get("ChangeSetType") == "CREATE":
            self.reviewing.add(params["StackName"])
        if self.read_only and not self._may_plan(model.name, params):
            raise DeployError(f"dry run: {self.last_action} would change the account, so it was not called")

    def _may_plan(self, operation: str, params: dict) -> bool:
        if operation.startswith(("Get", "List", "Describe", "Head")) or self.last_action in PLANNING_ACTIONS:
            return True
        return self.last_action == "cloudformation:DeleteStack" and params.get("StackName") in self.reviewing

    @property
    def id(self) -> str:
        """The 12-digit account id (asked once, from STS)."""
        if self._id is None:
            self._id = self.client("sts").get_caller_identity()["Account"]
        return self._id

    def __str__(self) -> str:
        where = f" through {self.endpoint_url}" if self.endpoint_url else ""
        return f"account {self.id}, region {self.region}{where}"


def connect(region: str | None = None, *, endpoint_url: str | None = None, session: boto3.Session | None = None,
            read_only: bool = False) -> Account:
    """The account your credentials open, in ``region``; raises :class:`DeployError` with what to fix.

    Credentials come from where boto3 finds them: environment variables, or ``~/.aws/credentials``
    (on AWS Academy: the block shown under "AWS Details", "AWS CLI"). ``endpoint_url`` (or
    ``$LAMBDA_LAB_ENDPOINT_URL``) sends every call to another endpoint, such as a moto server.
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
    if endpoint is None and region not in session.get_available_regions("cloudformation"):
        raise DeployError(f"{region!r} is not an AWS region: check the spelling "
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
    except ResponseParserError as error:
        # An endpoint that fails inside answers with an error page, or another service's error body.
        body = str(error).rpartition("invalid XML received. Further retries may succeed:")[2].strip()
        raise DeployError(f"{account.endpoint_url or 'AWS'} failed on {account.last_action} and answered "
                          f"{body[:300] or 'nothing an AWS client can read'}") from None
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
                "arn:aws:iam::<account>:role/LabRole." if "iam:" in f"{action} {message}" else
                " On AWS Academy, check the region: Learner Labs allow us-east-1 and us-west-2 only.")
        return f"you are not allowed to call {action} ({code}): {message}.{hint}"
    return f"{f'the endpoint {endpoint_url}' if endpoint_url else 'AWS'} refused {action}: {code}: {message}"


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
