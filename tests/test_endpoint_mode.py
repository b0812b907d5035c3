"""The kit pointed at another endpoint (``LAMBDA_LAB_ENDPOINT_URL``): here a moto server in a subprocess.

With the variable set, the queues, rules and every boto3 call of a notebook or a handler live in
the server, while the functions, triggers and virtual clock stay the kit's. Each test checks what
the server holds with a boto3 client built explicitly for it, so it cannot be fooled by the
in-process moto. One server runs for the whole file and is emptied before each test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import boto3
import pytest
from moto.sqs.models import sqs_backends

from emulator import LocalCloud
from emulator.aws.endpoint import ENDPOINT_VARIABLE, EndpointError
from emulator.notebook.widgets import queue_depths
from moto_server import endpoint, free_port, moto_endpoint  # noqa: F401 (fixtures)
from test_notebooks import errors, execute, text_of

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = Path(__file__).parent / "fixtures" / "templates"
START = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)

CALCULATOR = """\
import json
import os

import boto3

OPERATIONS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b}
sqs = boto3.client("sqs")


def lambda_handler(event, context):
    print("batch:", json.dumps([record["body"] for record in event["Records"]]))
    failures = []
    for record in event["Records"]:
        try:
            message = json.loads(record["body"])
            result = OPERATIONS[message["operation"]](message["number1"], message["number2"])
        except (ValueError, KeyError, TypeError, ZeroDivisionError):
            if not os.environ.get("REPORT_FAILURES"):
                raise
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        sqs.send_message(QueueUrl=os.environ["OUTPUT_QUEUE_URL"], MessageBody=json.dumps({"result": result}))
    return {"batchItemFailures": failures}
"""

FAILS_ONCE_ON_BOB_0 = """\
failed = False  # module state: survives between warm invocations


def lambda_handler(event, context):
    global failed
    bodies = [record["body"] for record in event["Records"]]
    if "bob-0" in bodies and not failed:
        failed = True
        raise RuntimeError("the first try of bob-0 fails")
    return bodies
"""


@pytest.fixture
def server_sqs(endpoint):
    """An SQS client of the moto server itself, made without the kit."""
    return boto3.client("sqs", region_name="us-east-1", endpoint_url=endpoint)


@pytest.fixture
def cloud(endpoint, monkeypatch):
    """A running LocalCloud pointed at the moto server through the variable, as an instructor sets it."""
    monkeypatch.setenv(ENDPOINT_VARIABLE, endpoint)
    with LocalCloud(start_time=START) as running:
        yield running


def server_queue_names(sqs) -> set[str]:
    return {url.rsplit("/", 1)[-1] for url in sqs.list_queues().get("QueueUrls", [])}


def in_process_queue_names() -> set[str]:
    """The queues of the in-process moto, in every account and region (other tests may have left some)."""
    return {name for account in sqs_backends.values() for region in account.values() for name in region.queues}


def drain(sqs, name: str) -> list[str]:
    """Every body in the server's queue ``name`` (received and deleted)."""
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    bodies = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        bodies += [message["Body"] for message in messages]
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]} for index, message in enumerate(messages)])
    return bodies


def calculator(cloud, write_handler, *, max_receive_count: int = 3, report_failures: bool = False) -> str:
    """The two-queue calculator on the server: returns the input queue's URL."""
    input_url = cloud.create_queue("input_queue", dead_letter_queue="input_dlq", max_receive_count=max_receive_count,
                                   visibility_timeout=30)
    output_url = cloud.create_queue("output_queue")
    environment = {"OUTPUT_QUEUE_URL": output_url, **({"REPORT_FAILURES": "1"} if report_failures else {})}
    cloud.create_function("calculator", code=write_handler(CALCULATOR), environment=environment)
    cloud.create_event_source_mapping("input_queue", "calculator", batch_size=10,
                                      report_batch_item_failures=report_failures)
    return input_url


def batch_of(invocation) -> list[str]:
    """The message bodies the calculator received in one invocation (it prints them), sorted."""
    line = next(line for line in invocation.logs.splitlines() if line.startswith("batch: "))
    return sorted(json.loads(line.removeprefix("batch: ")))


# -- the notebook's cloud ------------------------------------------------------------------------------

def test_a_notebook_cloud_creates_its_queues_on_the_server_and_plain_boto3_goes_there(endpoint, server_sqs,
                                                                                      monkeypatch):
    monkeypatch.setenv(ENDPOINT_VARIABLE, endpoint)
    cloud = LocalCloud()
    cloud.start()
    try:
        url = cloud.create_queue("endpoint_orders")
        assert url.startswith(endpoint)
        assert server_queue_names(server_sqs) == {"endpoint_orders"}
        assert "endpoint_orders" not in in_process_queue_names()

        plain = boto3.client("sqs")
        plain.send_message(QueueUrl=url, MessageBody="hello")
        assert [message["Body"] for message in server_sqs.receive_message(QueueUrl=url)["Messages"]] == ["hello"]
    finally:
        cloud.stop()
    assert "AWS_ENDPOINT_URL" not in os.environ


def test_the_two_queue_calculator_writes_its_results_to_the_servers_output_queue(cloud, server_sqs, write_handler):
    input_url = calculator(cloud, write_handler)
    for number1, number2, operation in ((1, 5, "+"), (6, 7, "*"), (1, 4, "/"), (9, 2, "-")):
        server_sqs.send_message(QueueUrl=input_url, MessageBody=json.dumps(
            {"number1": number1, "number2": number2, "operation": operation}))
    cloud.run_until_idle()

    assert sorted(json.loads(body)["result"] for body in drain(server_sqs, "output_queue")) == [0.25, 6, 7, 42]
    assert all(invocation.ok for invocation in cloud.invocations)


def test_a_poison_message_reaches_the_servers_dead_letter_queue_in_virtual_time(cloud, server_sqs, write_handler):
    input_url = calculator(cloud, write_handler, max_receive_count=2)
    server_sqs.send_message(QueueUrl=input_url, MessageBody="not JSON")
    took = cloud.run_until_idle()

    assert [invocation.error["errorType"] for invocation in cloud.invocations] == ["JSONDecodeError"] * 2
    assert drain(server_sqs, "input_dlq") == ["not JSON"]
    assert drain(server_sqs, "input_queue") == []
    # Two receives, each followed by a 30 s visibility timeout on the virtual clock.
    assert timedelta(seconds=60) <= took < timedelta(seconds=65)


def test_with_report_batch_item_failures_only_the_reported_message_comes_back(cloud, server_sqs, write_handler):
    input_url = calculator(cloud, write_handler, max_receive_count=2, report_failures=True)
    bodies = [json.dumps({"number1": 1, "number2": 2, "operation": "+"}), "oops",
              json.dumps({"number1": 3, "number2": 4, "operation": "+"})]
    server_sqs.send_message_batch(QueueUrl=input_url, Entries=[
        {"Id": str(index), "MessageBody": body} for index, body in enumerate(bodies)])
    cloud.run_until_idle()

    assert [batch_of(invocation) for invocation in cloud.invocations] == [sorted(bodies), ["oops"]]
    assert sorted(json.loads(body)["result"] for body in drain(server_sqs, "output_queue")) == [3, 7]
    assert drain(server_sqs, "input_dlq") == ["oops"]
    assert drain(server_sqs, "input_queue") == []


def test_a_fifo_queue_on_the_server_keeps_the_order_within_each_message_group(cloud, server_sqs, write_handler):
    url = cloud.create_queue("orders.fifo", fifo=True, visibility_timeout=30)
    cloud.create_function("ship", code=write_handler(FAILS_ONCE_ON_BOB_0))
    cloud.create_event_source_mapping("orders.fifo", "ship", batch_size=3)
    sent = [f"{'alice' if number % 2 else 'bob'}-{number}" for number in range(8)]
    for body in sent:
        server_sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=body.split("-")[0])
    cloud.run_until_idle()

    assert not cloud.invocations[0].ok  # the first batch failed and came back after its visibility timeout
    shipped = [body for invocation in cloud.invocations if invocation.ok for body in invocation.payload]
    assert sorted(shipped) == sorted(sent)  # each exactly once
    for group in ("alice", "bob"):
        numbers = [int(body.split("-")[1]) for body in shipped if body.startswith(group)]
        assert numbers == sorted(numbers), f"group {group} was shipped out of order: {shipped}"


def test_an_eventbridge_rule_made_with_boto3_on_the_server_fires_in_virtual_time(cloud, endpoint, write_handler):
    cloud.create_function("tick", code=write_handler("def lambda_handler(event, context):\n    return event['time']\n"))
    rules = boto3.client("events", region_name="us-east-1", endpoint_url=endpoint)
    rules.put_rule(Name="every-minute", ScheduleExpression="rate(1 minute)")
    rules.put_targets(Rule="every-minute", Targets=[{"Id": "tick", "Arn": cloud.function_arn("tick")}])
    cloud.advance(minutes=5)

    assert [invocation.trigger for invocation in cloud.invocations] == ["schedule:every-minute"] * 5
    assert [invocation.payload for invocation in cloud.invocations] == [
        f"2026-01-05T12:0{minute}:00Z" for minute in range(1, 6)]

    rules.remove_targets(Rule="every-minute", Ids=["tick"])  # as in AWS, targets go before the rule
    rules.delete_rule(Name="every-minute")  # deleted on the server: it stops here too
    cloud.advance(minutes=5)
    assert len(cloud.invocations) == 5


def test_an_eventbridge_scheduler_schedule_on_the_server_fires_in_virtual_time(cloud, endpoint, write_handler):
    cloud.create_function("tick", code=write_handler("def lambda_handler(event, context):\n    return event\n"))
    boto3.client("scheduler", region_name="us-east-1", endpoint_url=endpoint).create_schedule(
        Name="every-5", ScheduleExpression="rate(5 minutes)", FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": cloud.function_arn("tick"), "RoleArn": "arn:aws:iam::123456789012:role/scheduler",
                "Input": '{"from": "scheduler"}'})
    cloud.advance(minutes=15)

    assert [(invocation.trigger, invocation.payload) for invocation in cloud.invocations] == [
        ("schedule:every-5", {"from": "scheduler"})] * 3


def test_an_async_failure_record_lands_in_the_servers_on_failure_queue(cloud, server_sqs, write_handler):
    cloud.create_queue("failures")
    cloud.create_function("fragile", code=write_handler(
        "def lambda_handler(event, context):\n    raise RuntimeError('no luck')\n"))
    cloud.configure_async("fragile", maximum_retry_attempts=1, on_failure="failures")
    cloud.invoke("fragile", {"order": 7}, invocation_type="Event")
    cloud.run_until_idle()

    [body] = drain(server_sqs, "failures")
    record = json.loads(body)
    assert record["requestPayload"] == {"order": 7}
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["responsePayload"]["errorMessage"] == "no luck"


def test_queue_depths_and_the_queue_monitor_show_the_servers_queues(cloud, server_sqs):
    url = cloud.create_queue("jobs", dead_letter_queue="jobs_dlq", max_receive_count=3)
    for body in ("a", "b", "c"):
        server_sqs.send_message(QueueUrl=url, MessageBody=body)
    server_sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)

    assert cloud.queue_depths() == {"jobs": {"visible": 2, "in_flight": 1, "delayed": 0},
                                    "jobs_dlq": {"visible": 0, "in_flight": 0, "delayed": 0}}
    assert [(depth.label, depth.visible, depth.in_flight) for depth in queue_depths(cloud)] == [
        ("jobs", 2, 1), ("jobs_dlq (DLQ of jobs)", 0, 0)]


def test_a_message_the_notebook_received_itself_comes_back_after_its_timeout_in_virtual_time(cloud, server_sqs):
    url = cloud.create_queue("orders", visibility_timeout=30)
    server_sqs.send_message(QueueUrl=url, MessageBody="order 1")
    notebook_sqs = boto3.client("sqs")  # what a notebook cell writes: no endpoint, the setting routes it
    [first] = notebook_sqs.receive_message(QueueUrl=url)["Messages"]

    cloud.advance(seconds=29)
    assert "Messages" not in notebook_sqs.receive_message(QueueUrl=url)  # still hidden
    cloud.advance(seconds=1)  # 30 virtual seconds after the receive, not 30 real ones
    [again] = notebook_sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])["Messages"]
    assert again["MessageId"] == first["MessageId"]
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"

    notebook_sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"], VisibilityTimeout=120)
    cloud.advance(seconds=119)
    assert "Messages" not in notebook_sqs.receive_message(QueueUrl=url)
    cloud.advance(seconds=1)
    [third] = notebook_sqs.receive_message(QueueUrl=url)["Messages"]
    notebook_sqs.delete_message(QueueUrl=url, ReceiptHandle=third["ReceiptHandle"])
    cloud.advance(minutes=5)  # a deleted message is gone for good
    assert cloud.queue_depths()["orders"] == {"visible": 0, "in_flight": 0, "delayed": 0}


def test_what_the_clouds_process_created_on_the_server_is_removed_when_it_stops(endpoint, server_sqs, monkeypatch,
                                                                                 write_handler):
    shared = server_sqs.create_queue(QueueName="instructor_shared")["QueueUrl"]  # made before the cloud: kept
    monkeypatch.setenv(ENDPOINT_VARIABLE, endpoint)
    with LocalCloud() as cloud:
        cloud.create_function("fn", code=write_handler("def lambda_handler(event, context):\n    return event\n"))
        cloud.create_queue("made_by_the_cloud")
        boto3.client("sqs").create_queue(QueueName="made_by_a_cell")
        rules = boto3.client("events")
        rules.put_rule(Name="made_by_a_cell", ScheduleExpression="rate(1 hour)")
        rules.put_targets(Rule="made_by_a_cell", Targets=[{"Id": "fn", "Arn": cloud.function_arn("fn")}])
        boto3.client("scheduler").create_schedule(
            Name="made_by_a_cell", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": cloud.function_arn("fn"), "RoleArn": "arn:aws:iam::123456789012:role/scheduler"})
        server_sqs.send_message(QueueUrl=shared, MessageBody="still here")
        assert server_queue_names(server_sqs) == {"instructor_shared", "made_by_the_cloud", "made_by_a_cell"}

    assert server_queue_names(server_sqs) == {"instructor_shared"}
    server = {"region_name": "us-east-1", "endpoint_url": endpoint}
    assert boto3.client("events", **server).list_rules()["Rules"] == []
    assert boto3.client("scheduler", **server).list_schedules()["Schedules"] == []
    assert [message["Body"] for message in server_sqs.receive_message(QueueUrl=shared)["Messages"]] == ["still here"]


def test_a_message_sqs_would_refuse_is_refused_before_it_reaches_the_server(cloud, server_sqs):
    url = cloud.create_queue("orders")
    with pytest.raises(server_sqs.exceptions.ClientError, match="MissingParameter"):
        boto3.client("sqs").send_message(QueueUrl=url, MessageBody="")  # a moto server would store it
    assert cloud.queue_depths()["orders"] == {"visible": 0, "in_flight": 0, "delayed": 0}


# -- errors ---------------------------------------------------------------------------------------------

def test_nothing_listening_at_the_url_says_how_to_start_a_server_and_leaves_the_process_as_it_was(monkeypatch):
    url = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv(ENDPOINT_VARIABLE, url)
    cloud = LocalCloud(start_time=datetime(2001, 1, 1, tzinfo=timezone.utc))
    with pytest.raises(EndpointError) as raised:
        cloud.start()

    message = str(raised.value)
    assert url in message and "moto_server" in message and "localstack start" in message
    assert f"unset {ENDPOINT_VARIABLE}" in message
    assert not cloud.running
    assert "AWS_ENDPOINT_URL" not in os.environ
    assert time.time() > datetime(2020, 1, 1, tzinfo=timezone.utc).timestamp()  # the real clock, not 2001


def test_an_aws_endpoint_is_refused_before_any_request(monkeypatch):
    monkeypatch.setenv(ENDPOINT_VARIABLE, "https://sqs.us-east-1.amazonaws.com")
    # A request would first look the host up, and the test-wide network guard would raise
    # NetworkAccessError instead of EndpointError.
    with pytest.raises(EndpointError, match="which is AWS itself.*python -m emulator deploy"):
        LocalCloud().start()


def test_a_value_that_is_not_a_url_is_refused(monkeypatch):
    monkeypatch.setenv(ENDPOINT_VARIABLE, "not-a-url")
    with pytest.raises(EndpointError, match=f"{ENDPOINT_VARIABLE} is 'not-a-url', which is not an endpoint URL"):
        LocalCloud()


def test_a_jwt_authorizer_checks_tokens_of_a_user_pool_on_the_server(endpoint, monkeypatch):
    """The template's user pool is the server's; the authorizer reads the key set the server publishes;
    the pool is deleted when the cloud stops, as its queues are."""
    monkeypatch.setenv(ENDPOINT_VARIABLE, endpoint)
    with LocalCloud.from_template(TEMPLATES / "secured" / "template.yaml", start_time=START) as cloud:
        idp = boto3.client("cognito-idp", region_name="us-east-1", endpoint_url=endpoint)  # the server's own
        pool, client_id = cloud.template.resources["UserPool"], cloud.template.resources["WebClient"]
        assert [p["Id"] for p in idp.list_user_pools(MaxResults=10)["UserPools"]] == [pool]
        idp.admin_create_user(UserPoolId=pool, Username="ada")
        idp.admin_set_user_password(UserPoolId=pool, Username="ada", Password="Correct-Horse-1", Permanent=True)
        token = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
            "USERNAME": "ada", "PASSWORD": "Correct-Horse-1"})["AuthenticationResult"]["IdToken"]
        client = cloud.http_app().test_client()
        assert client.get("/grades").status_code == 401
        assert client.get("/grades", headers={"Authorization": f"Bearer {token}"}).get_json() == {
            "user": "ada", "groups": "[]"}
    assert idp.list_user_pools(MaxResults=10)["UserPools"] == []  # the cloud's pool is gone with it


# -- the command line and the labs -----------------------------------------------------------------------

def run_command(endpoint: str, *arguments: str) -> subprocess.CompletedProcess:
    """``python -m emulator ARGUMENTS`` in a subprocess whose environment points the kit at ``endpoint``."""
    return subprocess.run([sys.executable, "-m", "emulator", *arguments], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, ENDPOINT_VARIABLE: endpoint}, timeout=120)


@pytest.mark.slow
def test_the_run_command_plays_the_template_on_the_server(endpoint, server_sqs):
    done = run_command(endpoint, "run", str(TEMPLATES / "calculator" / "template.yaml"), "--for", "5m",
                       "--send", 'input_queue={"number1": 1, "number2": 5, "operation": "+"}')
    assert done.returncode == 0, done.stderr

    assert f"AWS APIs: answered by {endpoint}" in done.stderr
    assert re.search(r"^output_queue +1 +0 +0$", done.stdout, re.MULTILINE), done.stdout
    assert server_queue_names(server_sqs) == set()  # the run's queues are gone with its cloud


@pytest.mark.slow
def test_deploy_and_destroy_go_to_the_server(endpoint, server_sqs):
    functions = boto3.client("lambda", region_name="us-east-1", endpoint_url=endpoint)
    deployed = run_command(endpoint, "deploy", str(TEMPLATES / "calculator" / "template.yaml"), "--stack", "calc",
                           "--yes")
    assert deployed.returncode == 0, deployed.stderr
    assert f"through {endpoint}" in deployed.stdout

    assert server_queue_names(server_sqs) == {"input_queue", "input_dlq", "output_queue"}
    assert [function["FunctionName"] for function in functions.list_functions()["Functions"]] == ["calculator"]
    [mapping] = functions.list_event_source_mappings(FunctionName="calculator")["EventSourceMappings"]
    assert mapping["EventSourceArn"] == "arn:aws:sqs:us-east-1:123456789012:input_queue"

    destroyed = run_command(endpoint, "destroy", "--stack", "calc", "--yes")
    assert destroyed.returncode == 0, destroyed.stderr
    assert server_queue_names(server_sqs) == set()
    assert functions.list_functions()["Functions"] == []
    assert functions.list_event_source_mappings()["EventSourceMappings"] == []


LAB_QUEUES = {  # what each lab leaves on the server
    "05_queues": {"orders", "payments", "payments_dlq", "shipping", "shipping_dlq"},
    "06_calculator": {"sum_input", "sum_output", "sum_dlq", "input_queue", "output_queue", "input_dlq"},
    # It deploys the calculator's stack to the server and destroys it; the local cloud runs the same template.
    "09_deploy": {"InputDeadLetterQueue", "InputQueue", "OutputQueue"},
}
ALSO_SHOWN = {"09_deploy": ["deploying to the server at {endpoint}", "results: [{{'result': 42.0}}, {{'result': 0.25}}]",
                            "with ada's ID token: 200 {{'user': 'ada', 'groups': '[teachers]'}}"]}


# Run in the notebook's kernel after its last cell, while its cloud still runs: the queues on the server.
LIST_SERVER_QUEUES = "print('server queues:', sorted(url.rsplit('/', 1)[-1] for url in cloud.sqs.list_queues().get('QueueUrls', [])))"


@pytest.mark.slow
@pytest.mark.parametrize("lab", sorted(LAB_QUEUES))
def test_the_queue_labs_run_against_the_server(lab, endpoint, server_sqs, monkeypatch, tmp_path):
    monkeypatch.setenv(ENDPOINT_VARIABLE, endpoint)  # the notebook's kernel inherits it
    notebook = execute(REPO / "solutions" / f"{lab}.ipynb", tmp_path, last_cell=LIST_SERVER_QUEUES)
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]

    assert not [errors(cell) for cell in cells if errors(cell)]
    assert f"AWS APIs: answered by {endpoint}" in text_of(cells[0])
    checks = [text_of(cell) for cell in cells if cell.source.lstrip().startswith("check(")]
    assert checks and all("All public tests passed." in text for text in checks), checks
    assert text_of(cells[-1]).strip() == f"server queues: {sorted(LAB_QUEUES[lab])}"
    shown = "".join(map(text_of, cells))
    for text in ALSO_SHOWN.get(lab, []):
        assert text.format(endpoint=endpoint) in shown
    assert server_queue_names(server_sqs) == set()  # the kernel's cloud removed them when it stopped
