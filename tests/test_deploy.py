"""Deploy and destroy through CloudFormation, against a moto server on 127.0.0.1 (never a real endpoint).

A test plans a template (code uploaded, change set created), checks that nothing exists before the
change set is executed, applies it, checks in the server what CloudFormation made, plans again to
update in place, and destroys. Where moto's CloudFormation falls short of AWS's, the test asserts
what moto does and its docstring says what AWS does instead: nothing is skipped silently.
"""

from __future__ import annotations

import datetime
import io
import json
import textwrap
import zipfile
from pathlib import Path

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber
from moto import mock_aws

from emulator import deploy
from emulator.__main__ import main
from moto_server import endpoint, moto_endpoint  # noqa: F401  (fixtures)

TEMPLATES = Path(__file__).parent / "fixtures" / "templates"
CALCULATOR = TEMPLATES / "calculator" / "template.yaml"
CLOCK = TEMPLATES / "clock" / "template.yaml"
SECURED = TEMPLATES / "secured" / "template.yaml"
ACCOUNT = "123456789012"
LAB_ROLE = f"arn:aws:iam::{ACCOUNT}:role/LabRole"


def client(endpoint: str, service: str):
    return boto3.client(service, region_name="us-east-1", endpoint_url=endpoint)


@pytest.fixture
def account(endpoint) -> deploy.Account:
    return deploy.connect("us-east-1", endpoint_url=endpoint)


def deploy_stack(template: Path, account: deploy.Account, stack: str = "calc", **options) -> deploy.Deployment:
    return deploy.apply(deploy.plan(template, stack, account, **options), log=lambda line: None)


def copy_calculator(folder: Path, memory: int = 128, code: str | None = None) -> Path:
    """The course's calculator template in ``folder``, with another MemorySize or handler code if asked."""
    (folder / "calculator").mkdir(parents=True, exist_ok=True)
    handler = TEMPLATES / "calculator" / "calculator" / "lambda_function.py"
    (folder / "calculator" / "lambda_function.py").write_text(code or handler.read_text())
    template = folder / "template.yaml"
    template.write_text(CALCULATOR.read_text().replace("MemorySize: 128", f"MemorySize: {memory}"))
    return template


def queue_names(endpoint: str) -> set[str]:
    return {url.rsplit("/", 1)[1] for url in client(endpoint, "sqs").list_queues().get("QueueUrls", [])}


def function_names(endpoint: str) -> set[str]:
    return {f["FunctionName"] for f in client(endpoint, "lambda").list_functions()["Functions"]}


def actions(plan: deploy.Plan) -> set[tuple[str, str]]:
    return {(change.action, change.logical_id) for change in plan.changes}


# -- deploy: the plan first, then CloudFormation makes the stack -------------------------------------------


def test_the_plan_is_a_change_set_and_nothing_exists_before_it_is_executed(endpoint, account):
    plan = deploy.plan(CALCULATOR, "calc", account)

    assert actions(plan) == {("Add", "InputDeadLetterQueue"), ("Add", "InputQueue"), ("Add", "OutputQueue"),
                             ("Add", "Calculator"), ("Add", "CalculatorRole"), ("Add", "CalculatorOperations")}
    text = str(plan)
    assert "+ Add    Calculator" in text and "AWS::Lambda::EventSourceMapping" in text
    assert "calculator/ (" in text and "KB zipped) uploaded to s3://lambda-lab-deploy-123456789012-us-east-1/" in text
    assert "$0.20 per million requests" in text and "https://aws.amazon.com/sqs/pricing/" in text
    cfn = client(endpoint, "cloudformation")
    assert cfn.describe_stacks(StackName="calc")["Stacks"][0]["StackStatus"] == "REVIEW_IN_PROGRESS"
    assert queue_names(endpoint) == set() and function_names(endpoint) == set()

    deploy.discard(plan)  # a plan not executed leaves nothing behind: no change set, no empty stack
    assert cfn.list_stacks()["StackSummaries"] == [] or all(
        s["StackStatus"] == "DELETE_COMPLETE" for s in cfn.list_stacks()["StackSummaries"])


def test_the_calculator_deploys_with_its_queues_redrive_trigger_and_role(endpoint, account):
    result = deploy_stack(CALCULATOR, account)

    assert result.status == "CREATE_COMPLETE"
    assert queue_names(endpoint) == {"input_queue", "input_dlq", "output_queue"}
    sqs = client(endpoint, "sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=sqs.get_queue_url(QueueName="input_queue")["QueueUrl"],
                                          AttributeNames=["All"])["Attributes"]
    assert json.loads(attributes["RedrivePolicy"]) == {
        "deadLetterTargetArn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:input_dlq", "maxReceiveCount": 3}
    function = client(endpoint, "lambda").get_function(FunctionName="calculator")["Configuration"]
    assert (function["Runtime"], function["Handler"], function["Timeout"], function["MemorySize"]) == (
        "python3.12", "lambda_function.lambda_handler", 10, 128)
    assert function["Environment"]["Variables"]["OUTPUT_QUEUE_URL"].endswith(f"/{ACCOUNT}/output_queue")
    [mapping] = client(endpoint, "lambda").list_event_source_mappings(FunctionName="calculator")["EventSourceMappings"]
    assert (mapping["EventSourceArn"], mapping["BatchSize"]) == (attributes["QueueArn"], 10)
    role = result.resources["CalculatorRole"][1]  # SAM's generated execution role, named by CloudFormation
    assert function["Role"] == f"arn:aws:iam::{ACCOUNT}:role/{role}" and role.startswith("calc-CalculatorRole-")
    assert result.resources["Calculator"] == ("AWS::Lambda::Function", "calculator")


def test_the_code_comes_from_the_deployment_bucket(endpoint, account):
    deploy_stack(CALCULATOR, account)
    s3 = client(endpoint, "s3")
    [uploaded] = s3.list_objects_v2(Bucket=f"lambda-lab-deploy-{ACCOUNT}-us-east-1")["Contents"]
    archive = zipfile.ZipFile(io.BytesIO(s3.get_object(Bucket=f"lambda-lab-deploy-{ACCOUNT}-us-east-1",
                                                       Key=uploaded["Key"])["Body"].read()))
    assert archive.namelist() == ["lambda_function.py"]
    assert archive.read("lambda_function.py") == (TEMPLATES / "calculator" / "calculator" / "lambda_function.py").read_bytes()


def test_a_schedule_becomes_an_events_rule_that_may_invoke_its_function(endpoint, account):
    result = deploy_stack(CLOCK, account, stack="clock")
    events = client(endpoint, "events")
    rule = result.resources["ClockEveryMinute"][1]
    function = result.resources["Clock"][1]  # no FunctionName: CloudFormation names it stack-logical id-suffix

    assert function.startswith("clock-Clock-")
    assert events.describe_rule(Name=rule)["ScheduleExpression"] == "rate(1 minute)"
    [target] = events.list_targets_by_rule(Rule=rule)["Targets"]
    assert target["Arn"] == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{function}"
    assert result.resources["ClockEveryMinutePermission"][0] == "AWS::Lambda::Permission"


def http_api_schedule_and_async(folder: Path) -> Path:
    (folder / "fn").mkdir(exist_ok=True)
    (folder / "fn" / "lambda_function.py").write_text("def lambda_handler(event, context):\n    return 1\n")
    template = folder / "template.yaml"
    template.write_text(textwrap.dedent("""\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Failures:
            Type: AWS::SQS::Queue
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: fn/
              Handler: lambda_function.lambda_handler
              Runtime: python3.12
              EventInvokeConfig:
                MaximumRetryAttempts: 1
                DestinationConfig:
                  OnFailure: {Type: SQS, Destination: !GetAtt Failures.Arn}
              Events:
                Get:
                  Type: HttpApi
                  Properties: {Path: /items, Method: GET}
                Noon:
                  Type: ScheduleV2
                  Properties: {ScheduleExpression: "cron(0 12 * * ? *)"}
          FnLogs:
            Type: AWS::Logs::LogGroup
            Properties:
              LogGroupName: !Sub /aws/lambda/${Fn}
              RetentionInDays: 7
        """))
    return template


def test_what_moto_skips_an_http_api_a_scheduler_schedule_and_an_event_invoke_config(endpoint, account, tmp_path):
    """moto's CloudFormation skips AWS::ApiGatewayV2::Api/Stage, AWS::Scheduler::Schedule and
    AWS::Lambda::EventInvokeConfig: the stack completes without them. AWS creates all three; the
    deployment then reports the API's URL from its id."""
    plan = deploy.plan(http_api_schedule_and_async(tmp_path), "web", account)
    assert {("Add", "ServerlessHttpApi"), ("Add", "FnNoon"), ("Add", "FnEventInvokeConfig"), ("Add", "FnLogs")} <= actions(plan)
    result = deploy.apply(plan, log=lambda line: None)

    assert result.status == "CREATE_COMPLETE"
    assert {"Fn", "FnRole", "FnGetPermission", "FnNoonRole", "FnLogs", "Failures"} <= set(result.resources)
    assert not {"ServerlessHttpApi", "FnNoon", "FnEventInvokeConfig"} & set(result.resources)  # moto: skipped
    assert client(endpoint, "apigatewayv2").get_apis()["Items"] == []
    assert client(endpoint, "scheduler").list_schedules()["Schedules"] == []
    assert result.api_url is None  # on AWS: https://<api id>.execute-api.us-east-1.amazonaws.com
    [group] = client(endpoint, "logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/")["logGroups"]
    assert (group["logGroupName"], group["retentionInDays"]) == (f"/aws/lambda/{result.resources['Fn'][1]}", 7)


def test_what_moto_skips_a_cognito_user_pool_its_client_and_group(endpoint, account):
    """moto's CloudFormation skips AWS::Cognito::UserPool, UserPoolClient and UserPoolGroup (and the HTTP
    API): the stack completes with the function only, no user pool exists, and a Ref to the pool reads as
    nothing, so the Outputs naming them are dropped. AWS creates the pool, its client and group, and the
    JWT authorizer checks that pool's tokens."""
    plan = deploy.plan(SECURED, "secured", account)
    assert {("Add", "UserPool"), ("Add", "WebClient"), ("Add", "Teachers"), ("Add", "GradesApi"),
            ("Add", "Grades")} <= actions(plan)
    result = deploy.apply(plan, log=lambda line: None)

    assert result.status == "CREATE_COMPLETE"
    assert set(result.resources) == {"Grades", "GradesRole", "GradesMyGradesPermission"}  # and no empty ids
    assert client(endpoint, "cognito-idp").list_user_pools(MaxResults=10)["UserPools"] == []
    assert "UserPoolId" not in result.outputs and "   (" not in str(result)


def test_what_moto_cannot_build_a_sam_rest_api(endpoint, account, tmp_path):
    """moto's CloudFormation needs a Name on AWS::ApiGateway::RestApi, which SAM does not write, and
    fails inside (an HTTP 500 page). AWS creates the REST API from its Body and deploys its stage."""
    template = http_api_schedule_and_async(tmp_path)
    template.write_text(template.read_text().replace("Type: HttpApi", "Type: Api"))
    plan = deploy.plan(template, "rest", account)
    assert ("Add", "ServerlessRestApi") in actions(plan)

    with pytest.raises(deploy.DeployError, match=r"failed on cloudformation:ExecuteChangeSet and answered"):
        deploy.apply(plan, log=lambda line: None)


def test_the_stack_reports_its_outputs_as_moto_keeps_them(endpoint, account):
    """AWS reports the calculator's Outputs (InputQueueUrl, OutputQueueUrl) once the stack completes;
    moto's change sets leave a stack without Outputs, so the queue URLs come from its resources."""
    result = deploy_stack(CALCULATOR, account)
    assert result.outputs == {}
    assert result.resources["InputQueue"][1].endswith(f"/{ACCOUNT}/input_queue")
    assert "InputQueue (AWS::SQS::Queue): " in str(result)


def test_a_template_too_large_to_send_inline_is_read_from_the_bucket(endpoint, account, tmp_path):
    template = tmp_path / "template.json"  # CloudFormation takes at most 51,200 bytes inline
    template.write_text(json.dumps({"Metadata": {"Notes": "x" * 60_000},
                                    "Resources": {"Jobs": {"Type": "AWS::SQS::Queue"}}}))
    result = deploy_stack(template, account, stack="big")

    assert result.status == "CREATE_COMPLETE" and result.resources["Jobs"][0] == "AWS::SQS::Queue"
    keys = [o["Key"] for o in client(endpoint, "s3").list_objects_v2(
        Bucket=f"lambda-lab-deploy-{ACCOUNT}-us-east-1")["Contents"]]
    assert [key for key in keys if key.endswith(".template.json")] == keys and len(keys) == 1


# -- deploy again: CloudFormation updates in place -------------------------------------------------------


def test_a_new_memory_size_is_a_modify_in_place(endpoint, account, tmp_path):
    template = copy_calculator(tmp_path)
    deploy_stack(template, account)
    before = client(endpoint, "lambda").get_function(FunctionName="calculator")["Configuration"]

    copy_calculator(tmp_path, memory=256)
    plan = deploy.plan(template, "calc", account)
    assert plan.kind == "UPDATE" and ("Modify", "Calculator") in actions(plan)
    assert "~ Modify Calculator" in str(plan)
    result = deploy.apply(plan, log=lambda line: None)

    after = client(endpoint, "lambda").get_function(FunctionName="calculator")["Configuration"]
    assert result.status == "UPDATE_COMPLETE"
    assert (after["FunctionArn"], after["MemorySize"]) == (before["FunctionArn"], 256)


def test_new_code_is_uploaded_under_a_new_key_and_updates_the_function(endpoint, account, tmp_path):
    template = copy_calculator(tmp_path)
    deploy_stack(template, account)
    before = client(endpoint, "lambda").get_function(FunctionName="calculator")["Configuration"]["CodeSha256"]

    copy_calculator(tmp_path, code="def lambda_handler(event, context):\n    return {'batchItemFailures': []}\n")
    plan = deploy.plan(template, "calc", account)
    assert ("Modify", "Calculator") in actions(plan)
    deploy.apply(plan, log=lambda line: None)

    assert client(endpoint, "lambda").get_function(FunctionName="calculator")["Configuration"]["CodeSha256"] != before
    assert len(client(endpoint, "s3").list_objects_v2(Bucket=f"lambda-lab-deploy-{ACCOUNT}-us-east-1")["Contents"]) == 2


def test_an_unchanged_template_is_nothing_to_do(endpoint, account):
    deploy_stack(CALCULATOR, account)
    plan = deploy.plan(CALCULATOR, "calc", account)

    assert plan.changes == [] and plan.change_set is None
    assert "nothing to do: the stack already matches the template" in str(plan)
    assert deploy.apply(plan, log=lambda line: None).status == "CREATE_COMPLETE"


# -- destroy -----------------------------------------------------------------------------------------------


def test_destroy_lists_the_stack_then_deletes_exactly_it(endpoint, account):
    client(endpoint, "sqs").create_queue(QueueName="bystander")  # not in the stack: never touched
    deploy_stack(CALCULATOR, account)
    plan = deploy.plan_destroy("calc", account)

    assert {change.action for change in plan.changes} == {"Remove"}
    assert ("Remove", "CalculatorOperations") in actions(plan) and "- Remove Calculator" in str(plan)
    assert deploy.apply(plan, log=lambda line: None).status == "DELETE_COMPLETE"

    assert queue_names(endpoint) == {"bystander"}
    assert function_names(endpoint) == set()
    assert client(endpoint, "lambda").list_event_source_mappings()["EventSourceMappings"] == []
    assert "nothing to do: there is no stack 'calc'" in str(deploy.plan_destroy("calc", account))


# -- the LabRole: no IAM role is created ------------------------------------------------------------------


def lab_role(endpoint: str) -> None:
    """AWS Academy's LabRole, which every Learner Lab account holds (Lambda refuses a role that does not exist)."""
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    client(endpoint, "iam").create_role(RoleName="LabRole", AssumeRolePolicyDocument=json.dumps(trust))


def test_with_a_role_arn_every_function_uses_it_and_no_role_is_created(endpoint, account):
    lab_role(endpoint)
    plan = deploy.plan(CALCULATOR, "calc", account, role_arn=LAB_ROLE)
    assert ("Add", "CalculatorRole") not in actions(plan)
    assert f"every function uses the role {LAB_ROLE}; SAM's generated roles are not created: CalculatorRole" in str(plan)
    result = deploy.apply(plan, log=lambda line: None)

    assert client(endpoint, "lambda").get_function(FunctionName="calculator")["Configuration"]["Role"] == LAB_ROLE
    assert [role["Arn"] for role in client(endpoint, "iam").list_roles()["Roles"]] == [LAB_ROLE]
    assert all(kind != "AWS::IAM::Role" for kind, _ in result.resources.values())


def test_the_role_arn_replaces_a_schedules_generated_role_too(tmp_path):
    from emulator.deploy.stack_template import prepare

    prepared = prepare(http_api_schedule_and_async(tmp_path), lambda code: "s3://bucket/key.zip", "us-east-1",
                       role_arn=LAB_ROLE)
    resources = prepared.body["Resources"]
    assert prepared.dropped_roles == ["FnNoonRole", "FnRole"]
    assert resources["Fn"]["Properties"]["Role"] == LAB_ROLE
    assert resources["FnNoon"]["Properties"]["Target"]["RoleArn"] == LAB_ROLE
    assert "FnRole" not in json.dumps(resources) and "FnNoonRole" not in json.dumps(resources)


# -- nothing happens without a yes ------------------------------------------------------------------------


class Terminal(io.StringIO):
    """Standard input that is a terminal, with the user's answer already typed."""

    def isatty(self) -> bool:
        return True


def cli(endpoint: str, *arguments: str) -> int:
    return main([*arguments, "--endpoint-url", endpoint])


def test_without_yes_and_without_a_terminal_nothing_is_created(endpoint, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))  # piped input is not an answer
    assert cli(endpoint, "deploy", str(CALCULATOR), "--stack", "calc") == 1

    output = capsys.readouterr()
    assert "+ Add    Calculator" in output.out  # the plan was shown
    assert "refusing to go on without a yes" in output.err
    assert queue_names(endpoint) == set() and function_names(endpoint) == set()
    assert client(endpoint, "cloudformation").list_stacks()["StackSummaries"] == [] or all(
        s["StackStatus"] == "DELETE_COMPLETE" for s in client(endpoint, "cloudformation").list_stacks()["StackSummaries"])


@pytest.mark.parametrize("answer, code, created", [("no\n", 1, set()), ("yes\n", 0, {"calculator"})])
def test_the_answer_on_the_terminal_decides(endpoint, monkeypatch, capsys, answer, code, created):
    monkeypatch.setattr("sys.stdin", Terminal(answer))
    assert cli(endpoint, "deploy", str(CALCULATOR), "--stack", "calc") == code
    assert function_names(endpoint) == created
    assert "Type yes to go on" in capsys.readouterr().out


def test_destroy_asks_too(endpoint, monkeypatch):
    assert cli(endpoint, "deploy", str(CALCULATOR), "--stack", "calc", "--yes") == 0
    monkeypatch.setattr("sys.stdin", Terminal("no\n"))
    assert cli(endpoint, "destroy", "--stack", "calc") == 1
    assert function_names(endpoint) == {"calculator"}
    monkeypatch.setattr("sys.stdin", Terminal("yes\n"))
    assert cli(endpoint, "destroy", "--stack", "calc") == 0
    assert function_names(endpoint) == set() and queue_names(endpoint) == set()


def test_a_dry_run_shows_the_plan_and_leaves_nothing(endpoint, capsys):
    assert cli(endpoint, "deploy", str(CALCULATOR), "--stack", "calc", "--dry-run") == 0
    assert cli(endpoint, "destroy", "--stack", "calc", "--dry-run") == 0

    output = capsys.readouterr().out
    assert "+ Add    CalculatorOperations" in output and "nothing to do: there is no stack 'calc'" in output
    assert output.count("Dry run: nothing was created, changed or deleted.") == 2
    assert queue_names(endpoint) == set() and function_names(endpoint) == set()


def test_a_dry_run_account_refuses_every_call_that_changes_a_resource(endpoint):
    account = deploy.connect("us-east-1", endpoint_url=endpoint, read_only=True)
    with pytest.raises(deploy.DeployError, match="dry run: sqs:CreateQueue would change the account"):
        account.client("sqs").create_queue(QueueName="nope")
    with pytest.raises(deploy.DeployError, match="dry run: cloudformation:DeleteStack would change"):
        account.client("cloudformation").delete_stack(StackName="someone-elses")
    plan = deploy.plan(CALCULATOR, "calc", account)  # uploading and a change set are planning
    with pytest.raises(deploy.DeployError, match="opened read-only"):
        deploy.apply(plan)
    deploy.discard(plan)  # and the empty stack its change set made may go
    assert queue_names(endpoint) == set()


# -- a failing resource -----------------------------------------------------------------------------------


def test_a_resource_moto_cannot_create_fails_with_its_reason(endpoint, account, tmp_path):
    """A trigger on a queue that does not exist: moto's CloudFormation fails the ExecuteChangeSet call
    itself with Lambda's reason, and keeps what it made before (no rollback). AWS fails the resource
    (CREATE_FAILED, with the same reason in ResourceStatusReason), rolls the stack back to
    ROLLBACK_COMPLETE, and deploy reports each failed resource (next test)."""
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn" / "lambda_function.py").write_text("def lambda_handler(event, context):\n    return 1\n")
    template = tmp_path / "template.yaml"
    template.write_text(textwrap.dedent("""\
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Code: fn/
              Handler: lambda_function.lambda_handler
              Runtime: python3.12
              Role: arn:aws:iam::123456789012:role/LabRole
          Trigger:
            Type: AWS::Lambda::EventSourceMapping
            Properties:
              EventSourceArn: arn:aws:sqs:us-east-1:123456789012:no_such_queue
              FunctionName: !Ref Fn
        """))
    lab_role(endpoint)
    plan = deploy.plan(template, "broken", account)
    with pytest.raises(deploy.DeployError, match=r"ExecuteChangeSet and answered .*Invalid EventSourceArn"):
        deploy.apply(plan, log=lambda line: None)


def test_a_failed_stack_names_each_failed_resource_and_its_reason():
    """The report deploy gives when AWS's CloudFormation fails a stack (the events AWS returns)."""
    account = deploy.Account(boto3.Session(region_name="us-east-1"), "us-east-1")
    cfn = account.client("cloudformation")
    now = datetime.datetime.now(datetime.timezone.utc)
    event = {"StackId": "id", "StackName": "calc", "EventId": "e", "Timestamp": now}
    with Stubber(cfn) as stub:
        stub.add_response("describe_stacks", {"Stacks": [{"StackName": "calc", "StackStatus": "ROLLBACK_COMPLETE",
                                                          "CreationTime": now}]})
        stub.add_response("describe_stack_events", {"StackEvents": [
            {**event, "LogicalResourceId": "calc", "ResourceType": "AWS::CloudFormation::Stack",
             "ResourceStatus": "ROLLBACK_COMPLETE"},
            {**event, "LogicalResourceId": "CalculatorOperations", "ResourceType": "AWS::Lambda::EventSourceMapping",
             "ResourceStatus": "CREATE_FAILED",
             "ResourceStatusReason": "Resource handler returned message: \"Invalid request provided: The provided "
                                     "execution role does not have permissions to call ReceiveMessage on SQS\""},
            {**event, "LogicalResourceId": "CalculatorRole", "ResourceType": "AWS::IAM::Role",
             "ResourceStatus": "CREATE_FAILED", "ResourceStatusReason": "User: arn:aws:sts::123456789012:assumed-role/"
                                                                        "voclabs/user is not authorized to perform: "
                                                                        "iam:CreateRole"}]})
        report = deploy.failure_report(account, "calc")

    assert report.splitlines()[0] == "stack 'calc' did not finish: it is ROLLBACK_COMPLETE."
    assert ("  CalculatorOperations (AWS::Lambda::EventSourceMapping) CREATE_FAILED: Resource handler returned "
            "message: \"Invalid request provided: The provided execution role does not have permissions") in report
    assert "  CalculatorRole (AWS::IAM::Role) CREATE_FAILED: User: arn:aws:sts::" in report
    assert "rolled the stack back" in report
    assert "deploy with --role-arn arn:aws:iam::<account>:role/LabRole" in report  # Academy users may not make roles


def stubbed_account(status: str) -> tuple[deploy.Account, Stubber]:
    """An account whose CloudFormation answers DescribeStacks with a stack in ``status``, as AWS would."""
    account = deploy.Account(boto3.Session(region_name="us-east-1"), "us-east-1")
    stub = Stubber(account.client("cloudformation"))
    stub.add_response("describe_stacks", {"Stacks": [{"StackName": "calc", "StackStatus": status,
                                                      "CreationTime": datetime.datetime.now(datetime.timezone.utc)}]})
    return account, stub


@pytest.mark.parametrize("status, says", [
    ("ROLLBACK_COMPLETE", r"failed its first creation.*python -m emulator destroy --stack calc"),
    ("UPDATE_IN_PROGRESS", r"busy \(UPDATE_IN_PROGRESS\): wait until it finishes")])
def test_a_stack_cloudformation_cannot_update_now_is_named(status, says):
    """CloudFormation can only delete a stack whose first creation was rolled back, and updates one
    stack at a time: deploy says so before uploading anything."""
    account, stub = stubbed_account(status)
    with stub, pytest.raises(deploy.DeployError, match=says):
        deploy.plan(CALCULATOR, "calc", account)


def test_a_change_in_place_and_a_replacement_read_differently():
    assert str(deploy.Change("Modify", "Calculator", "AWS::Lambda::Function", "False")).endswith("(in place)")
    assert "replaced: a new resource, then the old one deleted" in str(
        deploy.Change("Modify", "Orders", "AWS::SQS::Queue", "True"))


# -- clear errors before anything is sent ------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["", "9lives", "with space", "x" * 129])
def test_a_bad_stack_name_is_refused(endpoint, account, stack):
    with pytest.raises(deploy.DeployError, match="stack name .* is invalid"):
        deploy.plan(CALCULATOR, stack, account)


def test_a_bad_role_arn_is_refused(endpoint, account):
    with pytest.raises(deploy.DeployError, match="is not an IAM role ARN.*role/LabRole"):
        deploy.plan(CALCULATOR, "calc", account, role_arn="LabRole")


def test_terraform_is_deployed_with_terraform_apply(endpoint, account):
    with pytest.raises(deploy.DeployError, match=r"terraform apply.*role = \"arn:aws:iam::<account>:role/LabRole\""):
        deploy.plan(TEMPLATES / "terraform_seed", "tf", account)


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


# -- credentials, regions and endpoints (in-process moto: no server needed) --------------------------------


@pytest.fixture
def aws():
    with mock_aws():
        yield


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


def test_access_denied_names_the_action(aws):
    session = boto3.Session(region_name="us-east-1")
    session.events.register("before-call", failing(
        "DescribeStacks", "AccessDenied", "User: arn:aws:sts::123456789012:assumed-role/voclabs/user is not "
                                          "authorized to perform: cloudformation:DescribeStacks"))
    with pytest.raises(deploy.DeployError, match=r"not allowed to call cloudformation:DescribeStacks \(AccessDenied\)"
                                                 r".*Learner Labs allow us-east-1 and us-west-2"):
        deploy.plan(CALCULATOR, "calc", deploy.connect(session=session))


def test_a_misspelt_region_is_named(aws):
    with pytest.raises(deploy.DeployError, match="'us-east1' is not an AWS region"):
        deploy.connect("us-east1")


def test_the_cli_prints_errors_without_a_traceback(aws, capsys):
    assert main(["deploy", str(CALCULATOR), "--stack", "calc", "--region", "eu-nowhere-1", "--yes"]) == 1
    assert capsys.readouterr().err.startswith("error: 'eu-nowhere-1' is not an AWS region")


def test_an_endpoint_that_does_not_answer_is_named(monkeypatch):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with pytest.raises(deploy.DeployError, match=r"cannot reach http://127\.0\.0\.1:9"):
        deploy.connect("us-east-1", endpoint_url="http://127.0.0.1:9")


def test_the_endpoint_variable_points_every_client_there(monkeypatch):
    monkeypatch.setenv("LAMBDA_LAB_ENDPOINT_URL", "localhost:4566")
    with pytest.raises(deploy.DeployError, match="LAMBDA_LAB_ENDPOINT_URL is 'localhost:4566'.*http://HOST:PORT"):
        deploy.connect("us-east-1")
