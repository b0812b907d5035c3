"""Terraform and the Serverless Framework: LocalCloud.from_terraform reads *.tf (HCL) and the *.tf.json
that cdktf synth writes, LocalCloud.from_serverless a serverless.yml; both are written as CloudFormation
resources and built like a SAM template. The seed course's Terraform stack runs lab 06's sum exercise."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from emulator import LocalCloud
from emulator.templates.report import TemplateError

TEMPLATES = Path(__file__).parent / "fixtures" / "templates"
ECHO = "def lambda_handler(event, context):\n    return event\n"


def sums(cloud: LocalCloud, *pairs: tuple[float, float]) -> list[float]:
    """Lab 06's sum exercise: send each pair to input_queue, return the results in output_queue."""
    for number1, number2 in pairs:
        cloud.sqs.send_message(QueueUrl=cloud.template.queues["input_queue"],
                               MessageBody=json.dumps({"number1": number1, "number2": number2}))
    cloud.run_until_idle()
    assert [i.error for i in cloud.invocations] == [None] * len(cloud.invocations)
    messages = cloud.sqs.receive_message(QueueUrl=cloud.template.queues["output_queue"], MaxNumberOfMessages=10)
    return sorted(json.loads(m["Body"])["result"] for m in messages["Messages"])


@pytest.mark.parametrize("folder", ["terraform_seed", "cdktf_seed"])
def test_the_seed_stack_runs_the_two_queue_sum(load, folder):
    cloud = load(TEMPLATES / folder)
    config = cloud.function("first_lambda").config
    assert (config.memory_size, config.timeout) == (128, 60)
    assert config.environment["foo"] == "bar"
    assert cloud.sqs.get_queue_attributes(QueueUrl=cloud.template.queues["input_queue"], AttributeNames=[
        "VisibilityTimeout"])["Attributes"]["VisibilityTimeout"] == "60"
    assert [(m.queue, m.function) for m in cloud.template.mappings] == [("input_queue", "first_lambda")]
    assert cloud.template.source == "Terraform"
    assert sums(cloud, (2, 3), (0.5, 0.25)) == [0.75, 5]


def write_tf(tmp_path: Path, text: str) -> Path:
    (tmp_path / "src").mkdir(exist_ok=True)
    (tmp_path / "src" / "lambda_function.py").write_text(ECHO)
    (tmp_path / "main.tf").write_text(textwrap.dedent(text))
    return tmp_path


FEATURES = """
    variable "prefix" { default = "lab" }
    variable "owner" {}
    locals { dlq_name = "${var.prefix}-dlq" }

    data "archive_file" "code" {
      type        = "zip"
      source_dir  = "${path.module}/src"
      output_path = "${path.module}/build/code.zip"
    }
    resource "aws_iam_role" "role" { name = "worker-role" }
    resource "aws_sqs_queue" "dlq" { name = local.dlq_name }
    resource "aws_sqs_queue" "jobs" {
      name                       = "${var.prefix}-jobs"
      visibility_timeout_seconds = 30
      redrive_policy = jsonencode({
        deadLetterTargetArn = aws_sqs_queue.dlq.arn
        maxReceiveCount     = 2
      })
    }
    resource "aws_lambda_function" "echo" {
      function_name = "echo"
      filename      = data.archive_file.code.output_path
      handler       = "lambda_function.lambda_handler"
      runtime       = "python3.12"
      role          = aws_iam_role.role.arn
      environment { variables = { OWNER = var.owner, DLQ = aws_sqs_queue.dlq.url } }
    }
    resource "aws_cloudwatch_event_rule" "tick" {
      name                = "tick"
      schedule_expression = "rate(5 minutes)"
    }
    resource "aws_cloudwatch_event_target" "tick_echo" {
      rule  = aws_cloudwatch_event_rule.tick.name
      arn   = aws_lambda_function.echo.arn
      input = jsonencode({ tick = true })
    }
    resource "aws_scheduler_schedule" "noon" {
      name                = "noon"
      schedule_expression = "cron(0 12 * * ? *)"
      flexible_time_window { mode = "OFF" }
      target {
        arn      = aws_lambda_function.echo.arn
        role_arn = aws_iam_role.role.arn
      }
    }
    resource "aws_lambda_permission" "events" {
      function_name = aws_lambda_function.echo.function_name
      principal     = "events.amazonaws.com"
    }
    resource "aws_apigatewayv2_api" "api" {
      name          = "api"
      protocol_type = "HTTP"
    }
    resource "aws_apigatewayv2_integration" "echo" {
      api_id           = aws_apigatewayv2_api.api.id
      integration_type = "AWS_PROXY"
      integration_uri  = aws_lambda_function.echo.invoke_arn
    }
    resource "aws_apigatewayv2_authorizer" "jwt" {
      api_id           = aws_apigatewayv2_api.api.id
      authorizer_type  = "JWT"
      identity_sources = ["$request.header.Authorization"]
      name             = "jwt"
      jwt_configuration {
        issuer   = "https://auth.example.com"
        audience = ["shop"]
      }
    }
    resource "aws_apigatewayv2_route" "open" {
      api_id    = aws_apigatewayv2_api.api.id
      route_key = "GET /open"
      target    = "integrations/${aws_apigatewayv2_integration.echo.id}"
    }
    resource "aws_apigatewayv2_route" "closed" {
      api_id             = aws_apigatewayv2_api.api.id
      route_key          = "GET /closed"
      target             = "integrations/${aws_apigatewayv2_integration.echo.id}"
      authorization_type = "JWT"
      authorizer_id      = aws_apigatewayv2_authorizer.jwt.id
    }
    resource "aws_dynamodb_table" "table" { name = "orders" }
"""


def test_terraform_features_become_the_same_cloud(load, tmp_path):
    cloud = load(write_tf(tmp_path, FEATURES))
    report = cloud.template
    assert report.dead_letter_queues == {"lab-jobs": "lab-dlq"}
    assert cloud.function("echo").config.environment == {"OWNER": "owner", "DLQ": report.queues["lab-dlq"]}
    assert sorted((s.rule, s.expression, json.dumps(s.input)) for s in report.schedules) == [
        ("noon", "cron(0 12 * * ? *)", "null"), ("tick", "rate(5 minutes)", '{"tick": true}')]
    assert {(r.method, r.path, r.authorizer) for r in report.routes} == {("GET", "/open", None),
                                                                        ("GET", "/closed", "jwt")}
    warnings = "\n".join(report.warnings)
    assert "variables owner have no default" in warnings
    assert "aws_dynamodb_table.table (Terraform::aws_dynamodb_table)" in warnings
    client = cloud.http_app().test_client()
    assert client.get("/open").status_code == 200 and client.get("/closed").status_code == 401
    cloud.advance(minutes=10)
    assert [i.payload for i in cloud.invocations if i.trigger == "schedule:tick"] == [{"tick": True}] * 2


def test_terraform_variables_are_given_as_parameters(load, tmp_path):
    cloud = load(write_tf(tmp_path, FEATURES), parameters={"owner": "alice", "prefix": "prod"})
    assert cloud.function("echo").config.environment["OWNER"] == "alice"
    assert "prod-jobs" in cloud.template.queues


@pytest.mark.parametrize("text, words", [
    ('resource "aws_sqs_queue" "q" {\n  name = var.nope\n}\n', "resource.aws_sqs_queue.q.name: no variable is called 'nope'"),
    ('resource "aws_sqs_queue" "q" {\n  count = 2\n}\n', "count and for_each are not evaluated locally"),
    ('resource "aws_sqs_queue" "q" {\n  name = var.a == "x" ? "y" : "z"\n}\nvariable "a" {}\n',
     "is not evaluated locally"),
    ('resource "aws_sqs_queue" "q" {\n', "not valid HCL"),
])
def test_terraform_mistakes_name_the_block(tmp_path, text, words):
    with pytest.raises(TemplateError, match=words.replace("(", r"\(").replace("?", r"\?")):
        LocalCloud.from_terraform(write_tf(tmp_path, text)).stop()


SECURED = """
    resource "aws_cognito_user_pool" "pool" {
      name = "lab-users"
      password_policy { minimum_length = 8 }
    }
    resource "aws_cognito_user_pool_client" "web" {
      name                = "web"
      user_pool_id        = aws_cognito_user_pool.pool.id
      explicit_auth_flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    }
    resource "aws_cognito_user_group" "teachers" {
      name         = "teachers"
      user_pool_id = aws_cognito_user_pool.pool.id
    }
    resource "aws_lambda_function" "echo" {
      function_name = "echo"
      filename      = "src"
      handler       = "lambda_function.lambda_handler"
      runtime       = "python3.12"
      role          = "arn:aws:iam::123456789012:role/lab"
      environment { variables = { CLIENT_NAME = aws_cognito_user_pool_client.web.name } }
    }
    resource "aws_lambda_function" "gate" {
      function_name = "gate"
      filename      = "src"
      handler       = "gate.handler"
      runtime       = "python3.12"
      role          = "arn:aws:iam::123456789012:role/lab"
    }
    resource "aws_apigatewayv2_api" "api" {
      name          = "api"
      protocol_type = "HTTP"
    }
    resource "aws_apigatewayv2_integration" "echo" {
      api_id           = aws_apigatewayv2_api.api.id
      integration_type = "AWS_PROXY"
      integration_uri  = aws_lambda_function.echo.invoke_arn
    }
    resource "aws_apigatewayv2_authorizer" "pool" {
      api_id           = aws_apigatewayv2_api.api.id
      authorizer_type  = "JWT"
      identity_sources = ["$request.header.Authorization"]
      name             = "pool"
      jwt_configuration {
        issuer   = "https://${aws_cognito_user_pool.pool.endpoint}"
        audience = [aws_cognito_user_pool_client.web.id]
      }
    }
    resource "aws_apigatewayv2_authorizer" "gate" {
      api_id                            = aws_apigatewayv2_api.api.id
      authorizer_type                   = "REQUEST"
      name                              = "gate"
      authorizer_uri                    = aws_lambda_function.gate.invoke_arn
      authorizer_payload_format_version = "2.0"
      enable_simple_responses           = true
      identity_sources                  = ["$request.header.Authorization"]
    }
    resource "aws_apigatewayv2_route" "grades" {
      api_id             = aws_apigatewayv2_api.api.id
      route_key          = "GET /grades"
      target             = "integrations/${aws_apigatewayv2_integration.echo.id}"
      authorization_type = "JWT"
      authorizer_id      = aws_apigatewayv2_authorizer.pool.id
    }
    resource "aws_apigatewayv2_route" "gated" {
      api_id             = aws_apigatewayv2_api.api.id
      route_key          = "GET /gated"
      target             = "integrations/${aws_apigatewayv2_integration.echo.id}"
      authorization_type = "CUSTOM"
      authorizer_id      = aws_apigatewayv2_authorizer.gate.id
    }
"""
GATE = "def handler(event, context):\n    return {'isAuthorized': event['headers'].get('authorization') == 'open-sesame'}\n"


def test_terraform_cognito_user_pool_behind_a_jwt_authorizer_and_a_request_authorizer(load, tmp_path):
    folder = write_tf(tmp_path, SECURED)
    (folder / "src" / "gate.py").write_text(GATE)
    cloud = load(folder)
    idp = cloud.client("cognito-idp")
    pool, client_id = cloud.template.resources["aws_cognito_user_pool.pool"], cloud.template.resources[
        "aws_cognito_user_pool_client.web"]
    assert idp.describe_user_pool(UserPoolId=pool)["UserPool"]["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    assert cloud.function("echo").config.environment == {"CLIENT_NAME": "web"}
    idp.admin_create_user(UserPoolId=pool, Username="ada")
    idp.admin_set_user_password(UserPoolId=pool, Username="ada", Password="Correct-Horse-1", Permanent=True)
    idp.admin_add_user_to_group(UserPoolId=pool, Username="ada", GroupName="teachers")
    token = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
        "USERNAME": "ada", "PASSWORD": "Correct-Horse-1"})["AuthenticationResult"]["IdToken"]
    client = cloud.http_app().test_client()
    assert client.get("/grades").status_code == 401
    allowed = client.get("/grades", headers={"Authorization": f"Bearer {token}"})
    assert allowed.status_code == 200
    assert allowed.get_json()["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:groups"] == "[teachers]"
    assert client.get("/gated", headers={"Authorization": "wrong"}).status_code == 403
    assert client.get("/gated", headers={"Authorization": "open-sesame"}).status_code == 200
    assert not any("not emulated" in warning for warning in cloud.template.warnings), cloud.template.warnings


def test_serverless_yml_functions_events_and_resources(load, monkeypatch):
    monkeypatch.delenv("LAMBDA_LAB_TEST_UNSET", raising=False)
    cloud = load(TEMPLATES / "serverless" / "serverless.yml")
    report = cloud.template
    assert report.source == "Serverless Framework" and report.stack_name == "shop-dev"
    assert set(report.functions) == {"shop-dev-hello", "shop-dev-worker"}
    hello = cloud.function("shop-dev-hello").config
    assert (hello.memory_size, hello.timeout, hello.handler) == (256, 10, "handler.hello")
    assert hello.environment == {"STAGE": "dev", "GREETING": "hello from shop", "HOME_DIR": "nowhere"}
    assert cloud.tracer.modes["shop-dev-hello"] == "Active"
    assert [(m.queue, m.function, m.batch_size) for m in report.mappings] == [("shop-dev-jobs", "shop-dev-worker", 5)]
    assert [s.expression for s in report.schedules] == ["rate(10 minutes)"]
    assert {(r.kind, r.method, r.path, r.authorizer) for r in report.routes} == {
        ("rest", "GET", "/hello/{name}", None), ("http", "GET", "/hi", None), ("http", "GET", "/private", "shopJwt")}
    client = cloud.http_app().test_client()
    assert client.get("/hi").get_data(as_text=True) == "/hi"
    assert client.get("/hello/ada").get_data(as_text=True) == "/hello/ada"
    assert client.get("/private").status_code == 401


SERVERLESS_SECURED = """
    service: grades
    provider:
      name: aws
      runtime: python3.12
      httpApi:
        authorizers:
          pool:
            identitySource: $request.header.Authorization
            issuerUrl: !GetAtt UserPool.ProviderURL
            audience: [!Ref WebClient]
    functions:
      echo:
        handler: src/lambda_function.lambda_handler
        events:
          - httpApi: {method: GET, path: /grades, authorizer: {name: pool}}
    resources:
      Resources:
        UserPool:
          Type: AWS::Cognito::UserPool
        WebClient:
          Type: AWS::Cognito::UserPoolClient
          Properties:
            UserPoolId: !Ref UserPool
            ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH]
"""


def test_serverless_resources_make_a_user_pool_whose_tokens_its_jwt_authorizer_checks(load, tmp_path):
    write_tf(tmp_path, "")
    (tmp_path / "serverless.yml").write_text(textwrap.dedent(SERVERLESS_SECURED))
    cloud = load(tmp_path / "serverless.yml")
    idp = cloud.client("cognito-idp")
    pool, client_id = cloud.template.resources["UserPool"], cloud.template.resources["WebClient"]
    idp.admin_create_user(UserPoolId=pool, Username="ada")
    idp.admin_set_user_password(UserPoolId=pool, Username="ada", Password="Correct-Horse-1", Permanent=True)
    token = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
        "USERNAME": "ada", "PASSWORD": "Correct-Horse-1"})["AuthenticationResult"]["IdToken"]
    client = cloud.http_app().test_client()
    assert client.get("/grades").status_code == 401
    assert client.get("/grades", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_serverless_stage_comes_from_the_options(load):
    cloud = load(TEMPLATES / "serverless" / "serverless.yml", parameters={"stage": "prod"})
    assert "shop-prod-hello" in cloud.template.functions and "shop-prod-jobs" in cloud.template.queues
