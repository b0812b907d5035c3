"""Deploy and destroy, end to end against moto: nothing here reaches AWS (conftest guards every socket).

A test deploys a template, checks in moto that every resource exists, carries the stack tag and is
wired (SQS trigger, schedule rule target and invoke permission, HTTP API routes), deploys again to
update in place, and destroys. botocore's ``before-call`` event lets a test see (or refuse) every
operation a command makes: that is how the dry run is proved to change nothing.
"""

from __future__ import annotations

import io
import json
import textwrap
import zipfile
from pathlib import Path

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws

from emulator import deploy
from emulator.__main__ import main
from emulator.templates.sam import TemplateError

TEMPLATES = Path(__file__).parent / "fixtures" / "templates"
CALCULATOR = TEMPLATES / "calculator" / "template.yaml"
TAG = deploy.STACK_TAG
ACCOUNT = "123456789012"

SHOP = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Timeout: {timeout}
Resources:
  OrdersDeadLetterQueue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: orders_dlq
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: orders
      VisibilityTimeout: 60
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt OrdersDeadLetterQueue.Arn
        maxReceiveCount: 3
  Receipts:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: receipts
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: worker
      CodeUri: worker/
      Handler: lambda_function.lambda_handler
      Environment:
        Variables:
          RECEIPTS_URL: !Ref Receipts
      Events:
        Orders:
          Type: SQS
          Properties:
            Queue: !GetAtt Orders.Arn
            BatchSize: {batch_size}
            FunctionResponseTypes: [ReportBatchItemFailures]
{extra}"""

CLOCK_AND_API = """\
  Clock:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: clock
      CodeUri: clock/
      Handler: lambda_function.lambda_handler
      Events:
        Tick:
          Type: Schedule
          Properties:
            Name: shop-tick
            Schedule: rate(5 minutes)
            Input: '{"source": "tick"}'
  Items:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: items
      CodeUri: items/
      Handler: lambda_function.lambda_handler
      Events:
        GetItem:
          Type: HttpApi
          Properties:
            Path: /items/{id}
            Method: GET
        Legacy:
          Type: Api
          Properties:
            Path: /legacy
            Method: post
"""


def write_shop(folder: Path, *, timeout: int = 10, batch_size: int = 5, with_clock_and_api: bool = True,
               worker_code: str = "def lambda_handler(event, context):\n    return 'v1'\n") -> Path:
    """The test template: queues with a DLQ, an SQS-triggered worker, and optionally a schedule and routes."""
    for name, code in (("worker", worker_code), ("clock", "def lambda_handler(e, c):\n    return 'tick'\n"),
                       ("items", "def lambda_handler(e, c):\n    return {'statusCode': 200}\n")):
        (folder / name).mkdir(parents=True, exist_ok=True)
        (folder / name / "lambda_function.py").write_text(code)
    template = folder / "template.yaml"
    template.write_text(SHOP.format(timeout=timeout, batch_size=batch_size,
                                    extra=CLOCK_AND_API if with_clock_and_api else ""))
    return template


class Calls:
    """Every AWS operation a session's clients make, as ``service:Operation``; can refuse changes."""

    def __init__(self, refuse_changes: bool = False) -> None:
        self.made: list[str] = []
        self.refuse_changes = refuse_changes

    def __call__(self, model, **kwargs) -> None:
        action = f"{model.service_model.signing_name}:{model.name}"
        self.made.append(action)
        if self.refuse_changes and not model.name.startswith(("Get", "List", "Describe")):
            raise AssertionError(f"{action} changes the account, during a dry run")

    def session(self) -> boto3.Session:
        session = boto3.Session(region_name="us-east-1")
        session.events.register("before-call", self)
        return session

    def changes(self) -> list[str]:
        return [a for a in self.made if not a.split(":")[1].startswith(("Get", "List", "Describe"))]


@pytest.fixture
def aws():
    with mock_aws():
        yield


@pytest.fixture
def account(aws) -> deploy.Account:
    return deploy.connect("us-east-1")


@pytest.fixture
def calls(monkeypatch) -> Calls:
    """Record the operations of every boto3 session the code under test opens."""
    recorder = Calls()

    class RecordedSession(boto3.Session):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.events.register("before-call", recorder)

    monkeypatch.setattr(boto3, "Session", RecordedSession)
    return recorder


def deploy_stack(template: Path, account: deploy.Account, stack: str = "shop", **options) -> deploy.Deployment:
    return deploy.apply(deploy.plan(template, stack, account, **options), log=lambda line: None)


def tags_of_queue(name: str) -> dict:
    sqs = boto3.client("sqs", region_name="us-east-1")
    return sqs.list_queue_tags(QueueUrl=sqs.get_queue_url(QueueName=name)["QueueUrl"]).get("Tags", {})


def queue_names() -> set[str]:
    return {url.rsplit("/", 1)[1] for url in boto3.client("sqs", region_name="us-east-1").list_queues().get("QueueUrls", [])}


def function_names() -> set[str]:
    return {f["FunctionName"] for f in boto3.client("lambda", region_name="us-east-1").list_functions()["Functions"]}


def policy_statements(function: str) -> list[dict]:
    return json.loads(boto3.client("lambda", region_name="us-east-1").get_policy(FunctionName=function)["Policy"])["Statement"]


# -- deploy: everything created, tagged and wired -------------------------------------------------------


def test_deploy_creates_every_resource_tagged_with_the_stack(tmp_path, account):
    result = deploy_stack(write_shop(tmp_path), account)

    assert queue_names() == {"orders", "orders_dlq", "receipts"}
    for queue in ("orders", "orders_dlq", "receipts"):
        assert tags_of_queue(queue) == {TAG: "shop"}, f"queue {queue} is not tagged with the stack"
    lam = boto3.client("lambda", region_name="us-east-1")
    for function in ("worker", "clock", "items"):
        arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{function}"
        assert lam.list_tags(Resource=arn)["Tags"] == {TAG: "shop"}
    roles = boto3.client("iam").list_roles(PathPrefix=deploy.ROLE_PATH)["Roles"]
    assert {r["RoleName"] for r in roles} == {"shop-worker", "shop-clock", "shop-items"}
    assert all({"Key": TAG, "Value": "shop"} in boto3.client("iam").list_role_tags(RoleName=r["RoleName"])["Tags"]
               for r in roles)
    rule = boto3.client("events", region_name="us-east-1").describe_rule(Name="shop-tick")
    assert boto3.client("events", region_name="us-east-1").list_tags_for_resource(ResourceARN=rule["Arn"])["Tags"] == [
        {"Key": TAG, "Value": "shop"}]
    api = boto3.client("apigatewayv2", region_name="us-east-1").get_apis()["Items"][0]
    assert api["Name"] == "shop" and api["Tags"] == {TAG: "shop"}
    logs = boto3.client("logs", region_name="us-east-1")
    group = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/worker")["logGroups"][0]
    assert logs.list_tags_for_resource(resourceArn=group["logGroupArn"])["tags"] == {TAG: "shop"}
    assert group["retentionInDays"] == deploy.LOG_RETENTION_DAYS
    assert result.api_url == api["ApiEndpoint"]
    assert result.queue_urls["receipts"].endswith(f"/{ACCOUNT}/receipts")


def test_functions_run_the_template_code_and_configuration(tmp_path, account):
    deploy_stack(write_shop(tmp_path), account)
    lam = boto3.client("lambda", region_name="us-east-1")
    worker = lam.get_function(FunctionName="worker")["Configuration"]

    assert (worker["Runtime"], worker["Handler"], worker["Timeout"], worker["MemorySize"]) == (
        "python3.12", "lambda_function.lambda_handler", 10, 128)
    receipts_url = boto3.client("sqs", region_name="us-east-1").get_queue_url(QueueName="receipts")["QueueUrl"]
    assert worker["Environment"]["Variables"] == {"RECEIPTS_URL": receipts_url}
    assert worker["Role"] == f"arn:aws:iam::{ACCOUNT}:role/lambda-lab/shop-worker"
    assert worker["CodeSha256"] == deploy.code_sha256(deploy.package(tmp_path / "worker"))


def test_the_redrive_policy_and_the_sqs_trigger_are_wired(tmp_path, account):
    deploy_stack(write_shop(tmp_path), account)
    sqs = boto3.client("sqs", region_name="us-east-1")
    orders = sqs.get_queue_url(QueueName="orders")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=orders, AttributeNames=["All"])["Attributes"]

    assert json.loads(attributes["RedrivePolicy"]) == {
        "deadLetterTargetArn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:orders_dlq", "maxReceiveCount": 3}
    assert attributes["VisibilityTimeout"] == "60"
    mappings = boto3.client("lambda", region_name="us-east-1").list_event_source_mappings()["EventSourceMappings"]
    assert len(mappings) == 1
    assert mappings[0]["EventSourceArn"] == attributes["QueueArn"]
    assert mappings[0]["FunctionArn"].endswith(":function:worker")
    assert mappings[0]["BatchSize"] == 5
    assert boto3.client("lambda", region_name="us-east-1").list_tags(
        Resource=mappings[0]["EventSourceMappingArn"])["Tags"] == {TAG: "shop"}


def test_the_schedule_rule_targets_its_function_which_lets_it_invoke(tmp_path, account):
    deploy_stack(write_shop(tmp_path), account)
    events = boto3.client("events", region_name="us-east-1")
    rule = events.describe_rule(Name="shop-tick")
    targets = events.list_targets_by_rule(Rule="shop-tick")["Targets"]

    assert rule["ScheduleExpression"] == "rate(5 minutes)" and rule["State"] == "ENABLED"
    assert [(t["Arn"], json.loads(t["Input"])) for t in targets] == [
        (f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:clock", {"source": "tick"})]
    [statement] = policy_statements("clock")
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"] == rule["Arn"]


def test_routes_of_both_kinds_land_on_one_http_api_that_may_invoke_the_function(tmp_path, account):
    deploy_stack(write_shop(tmp_path), account)
    apis = boto3.client("apigatewayv2", region_name="us-east-1")
    api_id = apis.get_apis()["Items"][0]["ApiId"]
    integrations = {i["IntegrationId"]: i for i in apis.get_integrations(ApiId=api_id)["Items"]}
    routes = {r["RouteKey"]: integrations[r["Target"].split("/")[1]] for r in apis.get_routes(ApiId=api_id)["Items"]}

    assert set(routes) == {"GET /items/{id}", "POST /legacy"}
    assert {r["IntegrationUri"] for r in routes.values()} == {f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:items"}
    assert routes["GET /items/{id}"]["PayloadFormatVersion"] == "2.0"
    assert routes["POST /legacy"]["PayloadFormatVersion"] == "1.0"  # the REST API event shape
    assert [s["StageName"] for s in apis.get_stages(ApiId=api_id)["Items"]] == ["$default"]
    [statement] = policy_statements("items")
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"] == f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{api_id}/*/*"


def test_each_generated_role_allows_exactly_its_logs_and_queues(tmp_path, account):
    deploy_stack(write_shop(tmp_path), account)
    iam = boto3.client("iam")
    worker = iam.get_role_policy(RoleName="shop-worker", PolicyName=deploy.POLICY_NAME)["PolicyDocument"]
    clock = iam.get_role_policy(RoleName="shop-clock", PolicyName=deploy.POLICY_NAME)["PolicyDocument"]
    trust = iam.get_role(RoleName="shop-worker")["Role"]["AssumeRolePolicyDocument"]

    by_sid = {s["Sid"]: s for s in worker["Statement"]}
    assert by_sid["WriteOwnLogs"]["Resource"] == f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/worker:*"
    assert by_sid["ReadTriggerQueues"]["Resource"] == [f"arn:aws:sqs:us-east-1:{ACCOUNT}:orders"]
    assert by_sid["ReadTriggerQueues"]["Action"] == ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
    assert by_sid["SendToQueues"] == {"Sid": "SendToQueues", "Effect": "Allow", "Action": ["sqs:SendMessage"],
                                      "Resource": [f"arn:aws:sqs:us-east-1:{ACCOUNT}:receipts"]}
    assert [s["Sid"] for s in clock["Statement"]] == ["WriteOwnLogs"]  # no queue: no SQS permission at all
    assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}


# -- deploy again: update in place ------------------------------------------------------------------------


def test_a_second_deploy_updates_in_place_and_removes_what_left_the_template(tmp_path, account):
    template = write_shop(tmp_path)
    deploy_stack(template, account)
    lam = boto3.client("lambda", region_name="us-east-1")
    before = lam.get_function(FunctionName="worker")["Configuration"]
    mapping_before = lam.list_event_source_mappings(FunctionName="worker")["EventSourceMappings"][0]["UUID"]

    write_shop(tmp_path, timeout=20, batch_size=8, with_clock_and_api=False,
               worker_code="def lambda_handler(event, context):\n    return 'v2'\n")
    second = deploy.plan(template, "shop", account)
    assert {(c.action, c.kind, c.name) for c in second.changes} >= {
        ("update", "function", "worker"), ("update", "SQS trigger", "orders -> worker"),
        ("delete", "function", "clock"), ("delete", "schedule", "shop-tick"), ("delete", "HTTP API", "shop"),
        ("delete", "role", "shop-clock")}
    deploy.apply(second, log=lambda line: None)

    after = lam.get_function(FunctionName="worker")["Configuration"]
    assert after["FunctionArn"] == before["FunctionArn"] and after["Timeout"] == 20
    assert after["CodeSha256"] != before["CodeSha256"]
    [mapping] = lam.list_event_source_mappings()["EventSourceMappings"]
    assert (mapping["UUID"], mapping["BatchSize"]) == (mapping_before, 8)
    assert function_names() == {"worker"}
    assert boto3.client("events", region_name="us-east-1").list_rules()["Rules"] == []
    assert boto3.client("apigatewayv2", region_name="us-east-1").get_apis()["Items"] == []
    assert [r["RoleName"] for r in boto3.client("iam").list_roles(PathPrefix=deploy.ROLE_PATH)["Roles"]] == ["shop-worker"]
    assert queue_names() == {"orders", "orders_dlq", "receipts"}


def test_unchanged_code_is_not_uploaded_again(tmp_path, aws):
    template = write_shop(tmp_path, with_clock_and_api=False)
    calls = Calls()
    account = deploy.connect("us-east-1", session=calls.session())
    deploy_stack(template, account)
    assert "lambda:CreateFunction" in calls.made
    calls.made.clear()
    deploy_stack(template, account)
    assert "lambda:UpdateFunctionConfiguration" in calls.made
    assert "lambda:UpdateFunctionCode" not in calls.made
    assert "lambda:CreateFunction" not in calls.made and "sqs:CreateQueue" not in calls.made


# -- destroy ----------------------------------------------------------------------------------------------


def test_destroy_deletes_exactly_what_carries_the_stack_tag(tmp_path, account):
    sqs = boto3.client("sqs", region_name="us-east-1")
    sqs.create_queue(QueueName="bystander")  # no tag: never touched
    other_template = tmp_path / "other"
    other_template.mkdir()
    (other_template / "fn").mkdir()
    (other_template / "fn" / "lambda_function.py").write_text("def lambda_handler(e, c):\n    return 1\n")
    (other_template / "template.yaml").write_text(textwrap.dedent("""\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Lonely:
            Type: AWS::Serverless::Function
            Properties:
              FunctionName: lonely
              CodeUri: fn/
              Handler: lambda_function.lambda_handler
              Runtime: python3.12
        """))
    deploy_stack(other_template / "template.yaml", account, stack="other")
    deploy_stack(write_shop(tmp_path), account)

    plan = deploy.plan_destroy("shop", account)
    assert {c.action for c in plan.changes} == {"delete"}
    assert ("function", "lonely") not in {(c.kind, c.name) for c in plan.changes}
    deploy.apply(plan, log=lambda line: None)

    assert queue_names() == {"bystander"}
    assert function_names() == {"lonely"}
    assert [r["RoleName"] for r in boto3.client("iam").list_roles(PathPrefix=deploy.ROLE_PATH)["Roles"]] == ["other-lonely"]
    assert boto3.client("events", region_name="us-east-1").list_rules()["Rules"] == []
    assert boto3.client("apigatewayv2", region_name="us-east-1").get_apis()["Items"] == []
    assert boto3.client("lambda", region_name="us-east-1").list_event_source_mappings()["EventSourceMappings"] == []
    groups = boto3.client("logs", region_name="us-east-1").describe_log_groups()["logGroups"]
    assert [g["logGroupName"] for g in groups] == ["/aws/lambda/lonely"]


def test_deploy_refuses_to_take_over_a_resource_outside_the_stack(tmp_path, account):
    boto3.client("sqs", region_name="us-east-1").create_queue(QueueName="orders")
    with pytest.raises(deploy.DeployError, match=r"queue orders \(not made by deploy\)"):
        deploy.plan(write_shop(tmp_path), "shop", account)
    assert function_names() == set() and queue_names() == {"orders"}


def test_a_resource_of_another_stack_is_named_with_its_stack(tmp_path, account):
    deploy_stack(write_shop(tmp_path, with_clock_and_api=False), account, stack="alice")
    with pytest.raises(deploy.DeployError, match=r"function worker \(tagged lambda-lab:stack=alice\)"):
        deploy.plan(tmp_path / "template.yaml", "bob", account)


# -- the command line: dry run, asking first --------------------------------------------------------------


def test_dry_run_prints_the_plan_and_makes_no_call_that_changes_anything(tmp_path, aws, monkeypatch, capsys):
    template = write_shop(tmp_path)
    assert main(["deploy", str(template), "--stack", "shop", "--yes"]) == 0  # so the plans have updates and deletes
    write_shop(tmp_path, with_clock_and_api=False, timeout=20)
    guard = Calls(refuse_changes=True)

    class GuardedSession(boto3.Session):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.events.register("before-call", guard)

    monkeypatch.setattr(boto3, "Session", GuardedSession)
    capsys.readouterr()
    assert main(["deploy", str(template), "--stack", "shop", "--dry-run"]) == 0
    assert main(["destroy", "--stack", "shop", "--dry-run"]) == 0

    output = capsys.readouterr().out
    assert "~ function worker" in output and "- schedule shop-tick" in output and "- queue receipts" in output
    assert output.count("Dry run: nothing was created, changed or deleted.") == 2
    assert guard.made and guard.changes() == []
    with pytest.raises(AssertionError, match="changes the account"):  # the guard does catch a real deploy
        main(["deploy", str(template), "--stack", "shop", "--yes"])


def test_the_plan_says_what_it_may_cost(tmp_path, account):
    text = str(deploy.plan(write_shop(tmp_path), "shop", account))
    assert "$0.20 per million requests and $0.0000166667 per GB-second" in text
    assert "1 million requests and 400,000 GB-seconds" in text
    assert "https://aws.amazon.com/lambda/pricing/" in text and deploy.PRICES_READ in text
    assert "HTTP API: $1.00 per million requests" in text and "SQS: $0.40 per million requests" in text


class Terminal(io.StringIO):
    """Standard input that is a terminal, with the user's answer already typed."""

    def isatty(self) -> bool:
        return True


def test_without_yes_and_without_a_terminal_nothing_is_created(aws, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))  # piped input is not an answer
    assert main(["deploy", str(CALCULATOR), "--stack", "calc"]) == 1
    assert "refusing to go on without a yes" in capsys.readouterr().err
    assert queue_names() == set() and function_names() == set()


@pytest.mark.parametrize("answer, code, created", [("no\n", 1, set()), ("yes\n", 0, {"calculator"})])
def test_the_answer_on_the_terminal_decides(aws, monkeypatch, capsys, answer, code, created):
    monkeypatch.setattr("sys.stdin", Terminal(answer))
    assert main(["deploy", str(CALCULATOR), "--stack", "calc"]) == code
    assert function_names() == created
    assert "Type yes to go on" in capsys.readouterr().out


def test_destroy_asks_too(aws, monkeypatch, capsys):
    assert main(["deploy", str(CALCULATOR), "--stack", "calc", "--yes"]) == 0
    monkeypatch.setattr("sys.stdin", Terminal("no\n"))
    assert main(["destroy", "--stack", "calc"]) == 1
    assert function_names() == {"calculator"}
    monkeypatch.setattr("sys.stdin", Terminal("yes\n"))
    assert main(["destroy", "--stack", "calc"]) == 0
    assert function_names() == set() and queue_names() == set()


def test_with_a_role_arn_every_function_uses_it_and_iam_is_only_read(aws, calls, capsys):
    role = boto3.client("iam").create_role(RoleName="LabRole", AssumeRolePolicyDocument=json.dumps(deploy.TRUST_POLICY))
    calls.made.clear()
    assert main(["deploy", str(CALCULATOR), "--stack", "calc", "--yes", "--role-arn", role["Role"]["Arn"]]) == 0

    assert boto3.client("lambda", region_name="us-east-1").get_function(
        FunctionName="calculator")["Configuration"]["Role"] == role["Role"]["Arn"]
    assert [action for action in calls.changes() if action.startswith("iam:")] == []
    assert f"every function uses the role {role['Role']['Arn']}" in capsys.readouterr().out


# -- clear errors ---------------------------------------------------------------------------------------


def failing(operation: str, code: str, message: str, status: int = 403):
    """A before-call handler that answers ``operation`` with an AWS error, as AWS would."""
    def answer(model, **kwargs):
        if model.name == operation:
            return AWSResponse("https://aws.example", status, {}, None), {"Error": {"Code": code, "Message": message}}
        return None
    return answer


def test_no_credentials_says_where_to_get_them(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance metadata lookup either
    with pytest.raises(deploy.DeployError, match="no AWS credentials found.*AWS Details"):
        deploy.connect("us-east-1")


def test_expired_credentials_say_to_copy_new_ones(aws):
    session = boto3.Session(region_name="us-east-1")
    session.events.register("before-call", failing("GetCallerIdentity", "ExpiredToken",
                                                   "The security token included in the request is expired"))
    with pytest.raises(deploy.DeployError, match=r"credentials have expired \(ExpiredToken on sts:GetCallerIdentity\)"):
        deploy.connect(session=session)


def test_access_denied_names_the_action_and_the_academy_way_out(tmp_path, aws):
    session = boto3.Session(region_name="us-east-1")
    session.events.register("before-call", failing(
        "CreateRole", "AccessDenied", "User: arn:aws:sts::123456789012:assumed-role/voclabs/user is not authorized "
                                      "to perform: iam:CreateRole"))
    account = deploy.connect(session=session)
    plan = deploy.plan(write_shop(tmp_path, with_clock_and_api=False), "shop", account)
    with pytest.raises(deploy.DeployError) as raised:
        deploy.apply(plan, log=lambda line: None)
    assert "not allowed to call iam:CreateRole (AccessDenied)" in str(raised.value)
    assert "--role-arn arn:aws:iam::<account>:role/LabRole" in str(raised.value)


def test_a_misspelt_region_is_named(aws):
    with pytest.raises(deploy.DeployError, match="'us-east1' is not an AWS region where Lambda runs"):
        deploy.connect("us-east1")


def test_the_cli_prints_errors_without_a_traceback(aws, capsys):
    assert main(["deploy", str(CALCULATOR), "--stack", "calc", "--region", "eu-nowhere-1", "--yes"]) == 1
    assert capsys.readouterr().err.startswith("error: 'eu-nowhere-1' is not an AWS region")


# -- another endpoint -----------------------------------------------------------------------------------


def test_an_endpoint_that_does_not_answer_is_named(monkeypatch):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with pytest.raises(deploy.DeployError, match=r"cannot reach http://127\.0\.0\.1:9"):
        deploy.connect("us-east-1", endpoint_url="http://127.0.0.1:9")


def test_the_endpoint_variable_points_every_client_there(monkeypatch):
    monkeypatch.setenv("LAMBDA_LAB_ENDPOINT_URL", "http://127.0.0.1:4566")
    account = deploy.Account(boto3.Session(region_name="us-east-1"), "us-east-1",
                             endpoint_url=deploy.configured_endpoint())
    assert account.client("lambda").meta.endpoint_url == "http://127.0.0.1:4566"
    monkeypatch.setenv("LAMBDA_LAB_ENDPOINT_URL", "localhost:4566")
    with pytest.raises(deploy.DeployError, match="LAMBDA_LAB_ENDPOINT_URL is 'localhost:4566'.*http://HOST:PORT"):
        deploy.connect("us-east-1")


# -- what cannot be deployed (found before any call) ----------------------------------------------------


def template_with(tmp_path: Path, events: str) -> Path:
    (tmp_path / "fn").mkdir(exist_ok=True)
    (tmp_path / "fn" / "lambda_function.py").write_text("def lambda_handler(e, c):\n    return 1\n")
    template = tmp_path / "template.yaml"
    template.write_text(textwrap.dedent("""\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              FunctionName: fn
              CodeUri: fn/
              Handler: lambda_function.lambda_handler
              Runtime: python3.12
              Events:
        """) + textwrap.indent(textwrap.dedent(events), " " * 8))
    return template


def test_a_one_time_schedule_is_refused(tmp_path):
    template = template_with(tmp_path, """\
        Once:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: at(2030-01-01T08:00:00)
        """)
    with pytest.raises(TemplateError, match="Events.Once.*one-time schedule.*rate\\(\\) and cron\\(\\) only"):
        deploy.read_stack(template, "s", "us-east-1", ACCOUNT)


def test_a_route_with_an_authorizer_is_refused_rather_than_deployed_open(tmp_path):
    template = template_with(tmp_path, """\
        Orders:
          Type: HttpApi
          Properties:
            ApiId: !Ref OrdersApi
            Path: /orders
            Method: GET
        """)
    template.write_text(template.read_text() + textwrap.indent(textwrap.dedent("""\
        OrdersApi:
          Type: AWS::Serverless::HttpApi
          Properties:
            Auth:
              DefaultAuthorizer: Jwt
              Authorizers:
                Jwt:  # SAM requires an IdentitySource on an HTTP API's JWT authorizer
                  IdentitySource: $request.header.Authorization
                  JwtConfiguration: {issuer: "https://auth.example.com", audience: [orders]}
        """), "  "))
    with pytest.raises(TemplateError, match="uses authorizer Jwt.*open it to everyone"):
        deploy.read_stack(template, "s", "us-east-1", ACCOUNT)


def test_a_trigger_queue_that_hides_messages_for_less_than_the_timeout_is_refused(tmp_path):
    template = write_shop(tmp_path, timeout=90, with_clock_and_api=False)
    with pytest.raises(TemplateError, match=r"visibility timeout \(60 s\) is less than worker's timeout \(90 s\)"):
        deploy.read_stack(template, "shop", "us-east-1", ACCOUNT)


@pytest.mark.parametrize("stack", ["", "9lives", "with space", "x" * 33])
def test_a_bad_stack_name_is_refused(tmp_path, stack):
    with pytest.raises(deploy.DeployError, match="stack name .* is invalid"):
        deploy.read_stack(write_shop(tmp_path), stack, "us-east-1", ACCOUNT)


def test_a_bad_role_arn_is_refused(tmp_path):
    with pytest.raises(deploy.DeployError, match="is not an IAM role ARN.*role/LabRole"):
        deploy.read_stack(write_shop(tmp_path), "shop", "us-east-1", ACCOUNT, role_arn="LabRole")


def test_the_package_is_the_code_folder_only_and_always_the_same(tmp_path):
    code = tmp_path / "fn"
    (code / "__pycache__").mkdir(parents=True)
    (code / "__pycache__" / "lambda_function.cpython-311.pyc").write_bytes(b"compiled")
    (code / "lambda_function.py").write_text("def lambda_handler(e, c):\n    return 1\n")
    (code / "helpers").mkdir()
    (code / "helpers" / "money.py").write_text("RATE = 2\n")
    first = deploy.package(code)
    assert sorted(zipfile.ZipFile(io.BytesIO(first)).namelist()) == ["helpers/money.py", "lambda_function.py"]
    (code / "lambda_function.py").touch()  # a new modification time, the same content
    assert deploy.package(code) == first


class FailingWaiterLambda:
    """A Lambda client whose function never becomes Active: what LocalStack without Docker answers."""

    def get_waiter(self, name):
        from botocore.exceptions import WaiterError

        class Waiter:
            def wait(self, **kwargs):
                raise WaiterError(name, "terminal failure state", {})
        return Waiter()

    def get_function_configuration(self, FunctionName):
        return {"State": "Failed", "StateReason": "Error while creating lambda: runtime installation failed"}


def test_a_function_that_never_becomes_active_says_why():
    with pytest.raises(deploy.DeployError, match="could not make function calculator ready "
                                                 r"\(state Failed\): Error while creating lambda"):
        deploy.wait_until_ready(FailingWaiterLambda(), "function_active_v2", "calculator")


def test_an_endpoint_without_api_gateway_v2_holds_no_http_api(monkeypatch):
    """LocalStack's free edition has no API Gateway v2: planning a stack there must still work."""
    from botocore.exceptions import ClientError

    class NoApiGateway:
        def get_paginator(self, operation):
            raise ClientError({"Error": {"Code": "InternalFailure", "Message": "not included in your license"}},
                              "GetApis")

    class EndpointAccount:
        endpoint_url = "http://127.0.0.1:4566"

        def client(self, service):
            return NoApiGateway()

    assert deploy._apis(EndpointAccount()) == []
    EndpointAccount.endpoint_url = None  # on AWS itself the same answer is an error
    with pytest.raises(ClientError):
        deploy._apis(EndpointAccount())
