"""SAM templates: LocalCloud.from_template builds the functions, queues, triggers and routes a
template declares, evaluates its intrinsic functions, warns about what it cannot build, and names the
resource and property at fault when the template is wrong."""

from __future__ import annotations

import json
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import boto3
import pytest

from emulator import LocalCloud
from emulator.templates.sam import TemplateError, read_template

TEMPLATES = Path(__file__).parent / "fixtures" / "templates"
START = datetime(2026, 1, 5, 0, 0, tzinfo=timezone.utc)
HANDLER = "def lambda_handler(event, context):\n    return event\n"


@pytest.fixture
def template(tmp_path):
    """template(yaml_text) -> the path of a template file, next to a folder src/ with a handler."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "lambda_function.py").write_text(HANDLER)

    def write(text: str) -> Path:
        path = tmp_path / "template.yaml"
        path.write_text(textwrap.dedent(text))
        return path

    return write


def function_template(environment: str = "", extra: str = "", parameters: str = "") -> str:
    """A template with one function Echo (code in src/), its environment, and extra resources."""
    return f"""
    Transform: AWS::Serverless-2016-10-31
    {parameters}
    Resources:
      Echo:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: src/
          Handler: lambda_function.lambda_handler
          Runtime: python3.12
          Environment:
            Variables:
              {environment or "PLACEHOLDER: x"}
    {extra}
    """


def depths(cloud: LocalCloud) -> dict[str, int]:
    """Messages waiting in each queue, read as a user would, with boto3."""
    sqs = boto3.client("sqs", region_name=cloud.region)
    return {name: int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
                      ["Attributes"]["ApproximateNumberOfMessages"])
            for name, url in cloud.template.queues.items()}


# -- the two-queue calculator ---------------------------------------------------------------------


def test_calculator_template_builds_both_queues_the_dead_letter_queue_and_the_trigger(load):
    cloud = load(TEMPLATES / "calculator" / "template.yaml")
    report = cloud.template
    assert report.functions == ["calculator"]
    assert set(report.queues) == {"input_queue", "input_dlq", "output_queue"}
    assert report.dead_letter_queues == {"input_queue": "input_dlq"}
    assert [(m.queue, m.function, m.batch_size) for m in report.mappings] == [("input_queue", "calculator", 10)]
    # !Ref OutputQueue gives the queue's URL, as CloudFormation does for AWS::SQS::Queue.
    assert cloud.function("calculator").config.environment["OUTPUT_QUEUE_URL"] == report.queues["output_queue"]
    assert report.warnings == []


def test_calculator_answers_good_messages_and_sends_a_poison_message_to_the_dead_letter_queue(load):
    cloud = load(TEMPLATES / "calculator" / "template.yaml")
    sqs = boto3.client("sqs", region_name="us-east-1")
    operations = [{"number1": 1, "number2": 5, "operation": "+"}, {"number1": 6, "number2": 7, "operation": "*"},
                  {"number1": 1, "number2": 0, "operation": "/"}]
    for operation in operations:
        sqs.send_message(QueueUrl=cloud.template.queues["input_queue"], MessageBody=json.dumps(operation))
    cloud.run_until_idle()
    assert depths(cloud) == {"input_queue": 0, "input_dlq": 1, "output_queue": 2}
    results = sqs.receive_message(QueueUrl=cloud.template.queues["output_queue"], MaxNumberOfMessages=10)
    assert sorted(json.loads(m["Body"])["result"] for m in results["Messages"]) == [6, 42]


# -- every supported resource and event type ------------------------------------------------------


@pytest.fixture
def everything(load):
    return load(TEMPLATES / "everything" / "template.yaml")


def test_everything_creates_functions_queues_and_triggers(everything):
    report = everything.template
    assert set(report.functions) == {"Worker", "reporter", "Authorizer", "Items", "Orders"}
    assert set(report.queues) == {"Jobs", "jobs-dlq", "Failures", "ReporterEventInvokeConfigOnSuccessQueue"}
    assert report.dead_letter_queues == {"Jobs": "jobs-dlq"}
    assert {(s.rule, s.expression, s.function, s.enabled) for s in report.schedules} == {
        ("job-report", "rate(5 minutes)", "reporter", True),
        ("ReporterPaused", "rate(1 minute)", "reporter", False),
        ("ReporterNoon", "cron(0 12 * * ? *)", "reporter", True),
    }
    assert [(m.queue, m.function, m.batch_size) for m in report.mappings] == [("Jobs", "Worker", 5)]
    assert report.resources["Jobs"] == report.queues["Jobs"]
    assert report.resources["Reporter"] == "reporter"
    assert report.resources["ItemsApi"] == everything.api_gateway.api_ids["rest"]  # Ref of an API is its id
    assert "ProdOnly" not in report.resources  # its Condition IsProd is false


def test_everything_warns_about_what_it_cannot_build(everything):
    warnings = "\n".join(everything.template.warnings)
    assert "not emulated, so not created (!Ref gives the logical id): Table (AWS::DynamoDB::Table), " \
           "Uploads (AWS::S3::Bucket)" in warnings
    assert "Legacy: Runtime nodejs20.x cannot run here" in warnings
    # SAM writes an S3 event as the bucket's notification and an invoke permission, which says it.
    assert "WorkerUploadsPermission (Resources.Worker.Properties.Events.Uploads): lets s3.amazonaws.com invoke " \
           "Worker, but that service's events are not emulated here" in warnings
    assert "Legacy" not in everything.functions


def test_globals_are_merged_under_each_function(everything):
    worker = everything.function("Worker").config
    reporter = everything.function("reporter").config
    assert (worker.timeout, worker.memory_size) == (10, 256)  # its own Timeout wins, MemorySize from Globals
    assert (worker.reserved_concurrency, reporter.reserved_concurrency) == (2, None)
    assert (reporter.timeout, reporter.memory_size) == (5, 256)
    # Environment variables merge key by key: the global ones are kept next to the function's own.
    assert worker.environment["STAGE"] == reporter.environment["STAGE"] == "dev"
    assert "JOBS_URL" in worker.environment and "JOBS_URL" not in reporter.environment


def test_intrinsic_functions_in_the_environment(everything):
    environment = everything.function("Worker").config.environment
    queues = everything.template.queues
    assert environment["JOBS_URL"] == queues["Jobs"]
    assert environment["JOBS_NAME"] == "Jobs"
    assert environment["JOBS_ARN"] == "arn:aws:sqs:us-east-1:123456789012:Jobs"
    assert environment["DLQ_URL"] == queues["jobs-dlq"]
    assert environment["GREETING"] == "hello from local in us-east-1 (123456789012)"
    assert environment["REPORTER"] == "reporter is arn:aws:lambda:us-east-1:123456789012:function:reporter"
    assert environment["QUEUES"] == "Jobs,jobs-dlq"
    assert environment["MODE"] == "development"
    assert environment["TABLE_NAME"] == "Table"  # a resource that is not created keeps its logical id


def test_dead_letter_queue_is_created_first_with_its_own_properties(everything):
    sqs = boto3.client("sqs", region_name="us-east-1")
    attributes = sqs.get_queue_attributes(QueueUrl=everything.template.queues["jobs-dlq"],
                                          AttributeNames=["MessageRetentionPeriod"])["Attributes"]
    assert attributes["MessageRetentionPeriod"] == "86400"
    redrive = json.loads(sqs.get_queue_attributes(QueueUrl=everything.template.queues["Jobs"],
                                                  AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(":jobs-dlq") and int(redrive["maxReceiveCount"]) == 2


def test_schedules_fire_with_their_input_and_disabled_ones_do_not(everything):
    everything.advance(hours=13)
    reports = [i for i in everything.invocations if i.trigger == "schedule:job-report"]
    assert len(reports) == 13 * 12
    assert reports[0].payload == {"report": "jobs"}  # Input replaces the scheduled event
    noon = [i for i in everything.invocations if i.trigger == "schedule:ReporterNoon"]
    assert [i.time.hour for i in noon] == [12]
    assert noon[0].payload["detail-type"] == "Scheduled Event"
    assert not [i for i in everything.invocations if i.trigger == "schedule:ReporterPaused"]
    # EventInvokeConfig OnSuccess of Type SQS without a Destination: SAM creates the queue.
    assert depths(everything)["ReporterEventInvokeConfigOnSuccessQueue"] == len(reports) + len(noon)


def test_sqs_event_feeds_batches_and_redrives_failures(everything):
    sqs = boto3.client("sqs", region_name="us-east-1")
    for body in ["a", "fail", "b"]:
        sqs.send_message(QueueUrl=everything.template.queues["Jobs"], MessageBody=body)
    everything.run_until_idle()
    assert depths(everything)["Jobs"] == 0 and depths(everything)["jobs-dlq"] == 1


def test_event_invoke_config_retries_once_then_sends_to_the_on_failure_queue(everything):
    everything.invoke("Worker", {"not": "sqs"}, invocation_type="Event")
    everything.run_until_idle()
    attempts = [i for i in everything.invocations if i.function == "Worker"]
    assert len(attempts) == 2  # MaximumRetryAttempts: 1
    assert depths(everything)["Failures"] == 1


def test_api_and_http_api_events_become_routes(everything):
    routes = {(r.api, r.kind, r.method, r.path, r.function, r.authorizer) for r in everything.template.routes}
    assert routes == {
        ("ItemsApi", "rest", "GET", "/items/{id}", "Items", "TokenAuthorizer"),
        ("ItemsApi", "rest", "GET", "/health", "Items", None),
        ("ServerlessRestApi", "rest", "ANY", "/ping", "Items", None),
        ("OrdersApi", "http", "GET", "/orders", "Orders", "OrdersJwt"),
        ("OrdersApi", "http", "GET", "/orders/public", "Orders", None),
    }


def test_rest_routes_are_served_behind_the_lambda_authorizer(everything):
    client = everything.http_app().test_client()
    assert client.get("/health").status_code == 200
    assert client.get("/ping").get_json() == {"resource": "/ping", "pathParameters": None}
    assert client.get("/items/7").status_code == 401
    allowed = client.get("/items/7", headers={"Authorization": "allow"})
    assert allowed.status_code == 200
    assert allowed.get_json() == {"resource": "/items/{id}", "pathParameters": {"id": "7"}}
    assert client.get("/items/7", headers={"Authorization": "nope"}).status_code == 401


def test_http_api_routes_are_served_behind_the_jwt_authorizer(everything):
    from emulator.gateway.tokens import mint_token
    client = everything.http_app().test_client()
    assert client.get("/orders/public").get_json() == {"routeKey": "GET /orders/public"}
    assert client.get("/orders").status_code == 401
    wrong_audience = mint_token(issuer="https://auth.example.com", audience="billing")
    assert client.get("/orders", headers={"Authorization": f"Bearer {wrong_audience}"}).status_code == 401
    token = mint_token(issuer="https://auth.example.com", audience="orders")
    answer = client.get("/orders", headers={"Authorization": f"Bearer {token}"})
    assert (answer.status_code, answer.get_json()) == (200, {"routeKey": "GET /orders"})


def test_cors_from_the_template_answers_preflights(everything):
    client = everything.http_app().test_client()
    preflight = {"Origin": "https://shop.example.com", "Access-Control-Request-Method": "GET"}
    http_answer = client.options("/orders", headers=preflight)
    assert http_answer.status_code == 204
    assert http_answer.headers["Access-Control-Allow-Origin"] == "https://shop.example.com"
    # A REST API's CORS is a mock OPTIONS method on each of its paths, with fixed headers.
    rest_answer = client.options("/items/7", headers=preflight)
    assert rest_answer.status_code == 200
    assert rest_answer.headers["Access-Control-Allow-Origin"] == "https://shop.example.com"
    assert rest_answer.headers["Access-Control-Allow-Methods"] == "GET,POST"


def test_tracing_active_reaches_the_function(everything):
    worker = next(name for name in everything.functions if "orker" in name)
    assert everything.tracer.modes[worker] == "Active"


def test_the_report_is_kept_on_the_cloud_and_reads_as_text(everything):
    text = str(everything.template)
    assert "queue Jobs -> dead-letter queue jobs-dlq" in text
    assert "schedule job-report: rate(5 minutes) -> reporter" in text
    assert "warning: not emulated, so not created (!Ref gives the logical id): Table (AWS::DynamoDB::Table)" in text


# -- intrinsic functions, parameters and conditions -----------------------------------------------


def test_every_short_tag_parses_to_its_long_form(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_text(textwrap.dedent("""
        Resources:
          Thing:
            Type: AWS::Some::Thing
            Properties:
              A: !Ref X
              B: !GetAtt X.Endpoint.Address
              C: !Sub "${X}"
              D: !Join [",", [a, b]]
              E: !If [Cond, a, b]
              F: !Select [0, !GetAZs ""]
              G: !ImportValue Shared
              H: !Cidr [!GetAtt Vpc.CidrBlock, 6, 5]
              I: !Base64 text
              J: !FindInMap [Map, Key, Value]
              K: !Split [",", "a,b"]
              L: !Equals [a, b]
              M: !Condition Cond
              N: !Transform {Name: AWS::Include}
    """))
    properties = read_template(path)["Resources"]["Thing"]["Properties"]
    assert properties["A"] == {"Ref": "X"}
    assert properties["B"] == {"Fn::GetAtt": ["X", "Endpoint.Address"]}
    assert properties["C"] == {"Fn::Sub": "${X}"}
    assert properties["F"] == {"Fn::Select": [0, {"Fn::GetAZs": ""}]}
    assert properties["H"] == {"Fn::Cidr": [{"Fn::GetAtt": ["Vpc", "CidrBlock"]}, 6, 5]}
    assert properties["M"] == {"Condition": "Cond"}
    assert properties["N"] == {"Fn::Transform": {"Name": "AWS::Include"}}


def test_parameters_conditions_mappings_and_the_other_intrinsics(template, load):
    path = template(function_template(
        parameters="""
    Parameters:
      Stage: {Type: String, Default: dev}
      Sizes: {Type: CommaDelimitedList, Default: "small,large"}
    Conditions:
      IsProd: !Equals [!Ref Stage, prod]
      IsDev: !Not [!Condition IsProd]
      Either: !Or [!Condition IsProd, !Equals [a, a]]
      Both: !And [!Condition IsDev, !Condition Either]
    Mappings:
      Limits:
        dev: {Size: "10"}
        prod: {Size: "99"}""",
        environment="""SIZE: !FindInMap [Limits, !Ref Stage, Size]
              SECOND: !Select [1, !Ref Sizes]
              SPLIT: !Select [0, !Split ["-", "a-b-c"]]
              BOTH: !If [Both, "yes", "no"]
              LITERAL: !Sub "${!NotAVariable} and ${Stage}"
              LONG_SUB:
                Fn::Sub: ["${Stage}-${Suffix}", {Suffix: !Ref AWS::Region}]
              ENCODED: !Base64 hi
              DROPPED: !If [IsProd, kept, !Ref AWS::NoValue]"""
    ))
    environment = load(path).function("Echo").config.environment
    assert environment == {"SIZE": "10", "SECOND": "large", "SPLIT": "a", "BOTH": "yes",
                           "LITERAL": "${NotAVariable} and dev", "LONG_SUB": "dev-us-east-1", "ENCODED": "aGk="}


def test_parameter_overrides_replace_defaults(template, tmp_path):
    path = template(function_template(parameters="Parameters:\n      Stage: {Type: String, Default: dev}",
                                      environment="STAGE: !Ref Stage"))
    with LocalCloud(start_time=START) as cloud:
        from emulator.templates.sam import load_template
        report = load_template(path, cloud, parameters={"Stage": "prod"}, stack_name="course")
        assert cloud.function("Echo").config.environment == {"STAGE": "prod"}
        assert cloud.template is report and report.stack_name == "course"


def test_a_parameter_without_default_reads_as_its_name_with_one_warning(template, load):
    path = template(function_template(parameters="Parameters:\n      Stage: {Type: String}\n      Owner: {Type: String}",
                                      environment="STAGE: !Ref Stage\n              OWNER: !Ref Owner"))
    cloud = load(path)
    assert cloud.function("Echo").config.environment == {"STAGE": "Stage", "OWNER": "Owner"}
    assert cloud.template.warnings == ["Parameters Stage, Owner have no Default: each reads as its own name here; "
                                       "give values with parameters={'Stage': ...}"]
    overridden = load(path, parameters={"Stage": "prod", "Owner": "me"})
    assert overridden.function("Echo").config.environment == {"STAGE": "prod", "OWNER": "me"}


def test_function_name_and_queue_name_default_to_logical_ids(template, load):
    path = template(function_template(extra="""
      Plain:
        Type: AWS::SQS::Queue
      Ordered:
        Type: AWS::SQS::Queue
        Properties:
          FifoQueue: true"""))
    report = load(path).template
    assert report.functions == ["Echo"]
    assert set(report.queues) == {"Plain", "Ordered.fifo"}  # an unnamed FIFO queue gets ".fifo"


def test_schedule_v2_and_implicit_http_api_default_route(template, load):
    text = function_template().replace("          Environment:", """          Events:
            Tick:
              Type: ScheduleV2
              Properties:
                ScheduleExpression: rate(10 minutes)
                ScheduleExpressionTimezone: Europe/Paris
                Input: '{"tick": true}'
            Everything:
              Type: HttpApi
          Environment:""")
    cloud = load(template(text))
    assert [(r.api, r.method, r.path) for r in cloud.template.routes] == [("ServerlessHttpApi", "ANY", "$default")]
    assert "EchoTick (Resources.Echo.Properties.Events.Tick): runs in UTC here, not in Europe/Paris" \
        in cloud.template.warnings
    cloud.advance(minutes=30)
    assert [i.payload for i in cloud.invocations] == [{"tick": True}] * 3


# -- errors name the resource and the property ----------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    (function_template().replace("CodeUri: src/", "CodeUri: missing/"),
     ["Resources.Echo.Properties.CodeUri", "'missing/' does not exist", "relative to the template's folder"]),
    (function_template(environment="URL: !Ref Nowhere"),
     ["Resources.Echo.Properties.Environment.Variables.URL", "'Nowhere' is not a parameter or resource"]),
    (function_template(environment="URL: !Sub 'https://${Nowhere.Arn}'"),
     ["Resources.Echo.Properties.Environment.Variables.URL", "'Nowhere'"]),
    (function_template(environment="URL: !GetAtt Q.Colour", extra="  Q:\n        Type: AWS::SQS::Queue"),
     ["Resources.Echo.Properties.Environment.Variables.URL", "Q has no attribute 'Colour'",
      "Arn, QueueName, QueueUrl"]),
    (function_template().replace("Runtime: python3.12", "Runtime: python3.12\n          Timeout: soon"),
     ["Resources.Echo.Properties.Timeout", "must be a whole number (got 'soon')"]),
    (function_template().replace("Runtime: python3.12", "Runtime: python3.12\n          Timeout: 901"),
     ["Resources.Echo.Properties", "timeout"]),
    (function_template().replace("Handler: lambda_function.lambda_handler", ""),  # SAM's own words
     ["Resources.Echo", "Runtime and Handler needs to be present"]),
    (function_template(environment="A: !Ref A1", extra="""
      A1:
        Type: AWS::SQS::Queue
        Properties:
          QueueName: !GetAtt A2.QueueName
      A2:
        Type: AWS::SQS::Queue
        Properties:
          QueueName: !GetAtt A1.QueueName"""),
     ["circular dependency", "A1 -> A2 -> A1"]),
    (function_template(parameters="Conditions:\n      Never: !Equals [a, b]", environment="Q: !Ref Extra",
                       extra="  Extra:\n        Type: AWS::SQS::Queue\n        Condition: Never"),
     ["Resources.Echo.Properties.Environment.Variables.Q", "Extra is not created (its Condition Never is false)"]),
    (function_template(environment="A: !ImportValue Shared"),
     ["Resources.Echo.Properties.Environment.Variables.A", "Fn::ImportValue cannot be evaluated locally"]),
    (function_template(extra="""
      Q:
        Type: AWS::SQS::Queue
        Properties:
          RedrivePolicy: {maxReceiveCount: 3}"""),
     ["Resources.Q.Properties.RedrivePolicy", "needs deadLetterTargetArn"]),
    (function_template().replace("          Environment:", """          Events:
            Api:
              Type: Api
              Properties:
                Path: /x
                Method: get
                RestApiId: NotAnApi
          Environment:"""),
     ["Resources.Echo.Properties.Events.Api", "RestApiId must be a valid reference to an 'AWS::Serverless::Api'"]),
    ("Resources:\n  Echo: [unclosed\n", ["not valid YAML at line"]),
    ("Description: no resources\n", ["'Resources' section"]),
])
def test_template_errors_name_the_resource_and_property(template, text, expected):
    path = template(text)
    with pytest.raises(TemplateError) as caught:
        LocalCloud.from_template(path, start_time=START)
    for fragment in expected:
        assert fragment in str(caught.value)
    assert "template.yaml: " in str(caught.value)  # the file comes first


def test_a_missing_template_file_is_a_clear_error(tmp_path):
    with pytest.raises(TemplateError, match="cannot read the template"):
        LocalCloud.from_template(tmp_path / "nowhere.yaml")



def test_globals_api_configures_the_implicit_api_with_a_request_authorizer(template, load, tmp_path):
    (tmp_path / "src" / "auth.py").write_text(textwrap.dedent("""
        def handler(event, context):
            effect = "Allow" if event["queryStringParameters"].get("key") == "open-sesame" else "Deny"
            return {"principalId": "student", "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]}}
    """))
    text = function_template(extra="""
      Guard:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: src/
          Handler: auth.handler
          Runtime: python3.12""").replace("          Environment:", """          Events:
            Secret:
              Type: Api
              Properties: {Path: /secret, Method: post}
            Pool:
              Type: Api
              Properties: {Path: /pool, Method: get, Auth: {Authorizer: Cognito}}
          Environment:""").replace("Resources:", """Globals:
      Api:
        Cors: "'*'"
        Auth:
          DefaultAuthorizer: KeyCheck
          Authorizers:
            KeyCheck:
              FunctionArn: !GetAtt Guard.Arn
              FunctionPayloadType: REQUEST
              Identity: {QueryStrings: [key]}
            Cognito:
              UserPoolArn: arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc
    Resources:""")
    cloud = load(template(text))
    client = cloud.http_app().test_client()
    assert client.post("/secret").status_code == 401  # the identity source is missing
    assert client.post("/secret?key=wrong").status_code == 403
    client.post("/secret?key=open-sesame")
    echoed = cloud.invocations[-1]  # Echo returns its event, so the payload shows what reached it
    assert (echoed.function, echoed.payload["requestContext"]["authorizer"]["principalId"]) == ("Echo", "student")
    assert client.options("/secret").headers["Access-Control-Allow-Origin"] == "*"
    warnings = "\n".join(cloud.template.warnings)
    assert "ServerlessRestApi: authorizer Cognito (cognito_user_pools) is not emulated" in warnings
    assert "routes that use it are served without it" in warnings
    client.get("/pool")
    assert cloud.invocations[-1].payload["resource"] == "/pool"  # served, without the authorizer


def reauthorize_template(cached_identity: str, fresh_identity: str = "{ReauthorizeEvery: 0}") -> str:
    """Echo behind GET /cached (TOKEN authorizer Cached) and GET /fresh (REQUEST authorizer Fresh)."""
    guard = """
      Guard:
        Type: AWS::Serverless::Function
        Properties: {CodeUri: src/, Handler: auth.handler, Runtime: python3.12}"""
    return function_template(extra=guard).replace("          Environment:", """          Events:
            Cached:
              Type: Api
              Properties: {Path: /cached, Method: get}
            Fresh:
              Type: Api
              Properties: {Path: /fresh, Method: get, Auth: {Authorizer: Fresh}}
          Environment:""").replace("Resources:", f"""Globals:
      Api:
        Auth:
          DefaultAuthorizer: Cached
          Authorizers:
            Cached:
              FunctionArn: !GetAtt Guard.Arn
              Identity: {cached_identity}
            Fresh:
              FunctionArn: !GetAtt Guard.Arn
              FunctionPayloadType: REQUEST
              Identity: {fresh_identity}
    Resources:""")


def test_reauthorize_every_sets_how_long_an_authorizer_answer_is_reused(template, load, tmp_path):
    (tmp_path / "src" / "auth.py").write_text(textwrap.dedent("""
        def handler(event, context):
            every_route = event["methodArn"].split("/")[0] + "/*"
            return {"principalId": "student", "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": every_route}]}}
    """))
    (tmp_path / "src" / "lambda_function.py").write_text(
        "def lambda_handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n")
    cloud = load(template(reauthorize_template("{ReauthorizeEvery: 60}")))
    client = cloud.http_app().test_client()

    def guard_calls() -> int:
        return sum(invocation.function == "Guard" for invocation in cloud.invocations)

    for _ in range(2):
        assert client.get("/cached", headers={"Authorization": "t"}).status_code == 200
    assert guard_calls() == 1
    cloud.advance(seconds=60)
    assert client.get("/cached", headers={"Authorization": "t"}).status_code == 200
    assert guard_calls() == 2
    # ReauthorizeEvery: 0 turns caching off, so this REQUEST authorizer needs no identity source.
    for _ in range(2):
        assert client.get("/fresh").status_code == 200
    assert guard_calls() == 4


@pytest.mark.parametrize("cached_identity, fresh_identity, expected", [
    # SAM writes Identity.ReauthorizeEvery as the swagger authorizer's authorizerResultTtlInSeconds.
    ("{ReauthorizeEvery: 7200}", "{ReauthorizeEvery: 0}", ["securityDefinitions.Cached", "to 3600, got 7200"]),
    ("{ReauthorizeEvery: soon}", "{ReauthorizeEvery: 0}", ["Cached.authorizerResultTtlInSeconds", "whole number"]),
    ("{Header: Authorization}", "{ReauthorizeEvery: 300}",  # SAM's own check
     ["Resources.ServerlessRestApi", "Fresh Authorizer must specify Identity with at least one of"]),
])
def test_a_bad_reauthorize_every_names_the_authorizer(template, cached_identity, fresh_identity, expected):
    with pytest.raises(TemplateError) as caught:
        LocalCloud.from_template(template(reauthorize_template(cached_identity, fresh_identity)), start_time=START)
    for fragment in expected:
        assert fragment in str(caught.value)


def test_a_conditional_resource_may_be_named_in_an_if_branch_that_is_not_taken(template, load):
    path = template(function_template(
        parameters="Conditions:\n      Never: !Equals [a, b]",
        environment="QUEUE: !If [Never, !Ref Extra, none]",
        extra="  Extra:\n        Type: AWS::SQS::Queue\n        Condition: Never"))
    cloud = load(path)
    assert cloud.function("Echo").config.environment == {"QUEUE": "none"}
    assert "Extra" not in cloud.template.queues


def test_logging_config_from_globals_and_the_function_reaches_the_runtime(load, template):
    """SAM's Globals take LoggingConfig; the function's own members win (SAM merges maps key by key)."""
    path = template(function_template(extra="""
      Verbose:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: src/
          Handler: lambda_function.lambda_handler
          Runtime: python3.12
          LoggingConfig:
            ApplicationLogLevel: DEBUG
    """).replace("Resources:", """Globals:
      Function:
        LoggingConfig:
          LogFormat: JSON
          ApplicationLogLevel: WARN
    Resources:"""))
    cloud = load(path)
    assert repr(cloud.function("Echo").config.logging) == "{'LogFormat': 'JSON', 'ApplicationLogLevel': 'WARN', " \
                                                          "'SystemLogLevel': 'INFO'}"
    assert cloud.function("Verbose").config.logging.application_log_level == "DEBUG"
    start = json.loads(cloud.invoke("Echo", {"a": 1}).logs.splitlines()[0])
    assert start["type"] == "platform.start"  # JSON system records, as CloudWatch shows them
