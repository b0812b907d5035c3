"""SQS queues, event source mappings and the two-queue calculator, on the virtual clock."""

from __future__ import annotations

import json
import random

import boto3
import pytest

from emulator.runtime import InvalidParameterValueException, ResourceNotFoundException

CALCULATOR = """
import json
import os

import boto3

sqs = boto3.client("sqs")
OPERATIONS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b}


def lambda_handler(event, context):
    for record in event["Records"]:
        message = json.loads(record["body"])
        result = OPERATIONS[message["operation"]](float(message["number1"]), float(message["number2"]))
        sqs.send_message(QueueUrl=os.environ["OUTPUT_QUEUE_URL"], MessageBody=json.dumps({"result": result}))
"""

PARTIAL = """
import json

def lambda_handler(event, context):
    failures = [{"itemIdentifier": r["messageId"]} for r in event["Records"] if json.loads(r["body"]).get("bad")]
    return {"batchItemFailures": failures}
"""


def drain(url: str) -> list[dict]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    bodies = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


@pytest.fixture
def calculator(cloud, write_handler):
    input_url = cloud.create_queue("input_queue", dead_letter_queue="input_dlq", max_receive_count=3)
    output_url = cloud.create_queue("output_queue")
    cloud.create_function("calculator", code=write_handler(CALCULATOR), environment={"OUTPUT_QUEUE_URL": output_url})
    cloud.create_event_source_mapping("input_queue", "calculator", batch_size=10)
    return input_url, output_url


def send(url: str, *bodies) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body if isinstance(body, str) else json.dumps(body))


def test_the_calculator_processes_every_record_of_a_batch(cloud, calculator):
    input_url, output_url = calculator
    send(input_url, *({"number1": i, "number2": 2, "operation": op} for i, op in enumerate("+-*/")))
    cloud.advance(seconds=1)
    assert len(cloud.invocations) == 1 and cloud.invocations[0].trigger == "sqs:input_queue"
    assert sorted(m["result"] for m in drain(output_url)) == [-1.0, 1.5, 2.0, 4.0]
    assert cloud.queue_depths()["input_queue"] == {"visible": 0, "in_flight": 0, "delayed": 0}


def test_sqs_event_records_carry_the_real_message(cloud, write_handler):
    url = cloud.create_queue("q")
    cloud.create_function("look", code=write_handler("def lambda_handler(e, c):\n    print(e)\n    return e\n"))
    sent = boto3.client("sqs", region_name="us-east-1").send_message(QueueUrl=url, MessageBody="hello")
    cloud.create_event_source_mapping("q", "look")
    cloud.advance(seconds=1)
    [record] = json.loads(cloud.invocations[0].response_bytes)["Records"]
    assert record["messageId"] == sent["MessageId"]
    assert record["md5OfBody"] == sent["MD5OfMessageBody"] == "5d41402abc4b2a76b9719d911017c592"
    assert record["eventSourceARN"] == "arn:aws:sqs:us-east-1:123456789012:q"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["eventSource"] == "aws:sqs" and record["body"] == "hello"


def test_a_poison_message_reaches_the_dlq_while_good_ones_flow(cloud, calculator):
    input_url, output_url = calculator
    send(input_url, {"number1": 1, "number2": 2, "operation": "+"})
    cloud.run_until_idle()
    send(input_url, "not json at all")
    cloud.advance(seconds=1)
    send(input_url, {"number1": 3, "number2": 4, "operation": "*"})
    cloud.run_until_idle()
    dlq = cloud.queue_url("input_dlq")
    assert drain(output_url) == [{"result": 3.0}, {"result": 12.0}]
    poison = boto3.client("sqs", region_name="us-east-1").receive_message(
        QueueUrl=dlq, AttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in poison] == ["not json at all"]
    failures = [i for i in cloud.invocations if i.error]
    assert len(failures) == 3  # received maxReceiveCount times, then moved by the redrive policy
    gaps = [(b.time - a.time).total_seconds() for a, b in zip(failures, failures[1:])]
    assert all(gap >= 30 for gap in gaps)  # each retry waited for the visibility timeout


def test_partial_batch_responses_return_only_the_failed_messages(cloud, write_handler):
    url = cloud.create_queue("jobs", dead_letter_queue="jobs_dlq", max_receive_count=2)
    cloud.create_function("partial", code=write_handler(PARTIAL))
    cloud.create_event_source_mapping("jobs", "partial", report_batch_item_failures=True)
    send(url, {"n": 1}, {"n": 2, "bad": True}, {"n": 3})
    cloud.run_until_idle()
    assert drain(cloud.queue_url("jobs_dlq")) == [{"n": 2, "bad": True}]
    assert cloud.event_source_mappings and next(iter(cloud.event_source_mappings.values())).stats.messages_deleted == 2


def test_without_report_batch_item_failures_the_response_is_ignored(cloud, write_handler):
    url = cloud.create_queue("jobs")
    cloud.create_function("partial", code=write_handler(PARTIAL))
    cloud.create_event_source_mapping("jobs", "partial")
    send(url, {"n": 1, "bad": True})
    cloud.run_until_idle()
    assert cloud.queue_depths()["jobs"]["visible"] + cloud.queue_depths()["jobs"]["in_flight"] == 0


@pytest.mark.parametrize("response", [
    {"batchItemFailures": [{"itemIdentifier": ""}]},
    {"batchItemFailures": [{"itemIdentifier": "not-a-message-id"}]},
    {"batchItemFailures": [{"wrongKey": "x"}]},
    "a string",
])
def test_a_malformed_partial_response_fails_the_whole_batch(cloud, write_handler, response):
    url = cloud.create_queue("jobs", dead_letter_queue="jobs_dlq", max_receive_count=1)
    code = f"def lambda_handler(e, c):\n    return {response!r}\n"
    cloud.create_function("odd", code=write_handler(code))
    cloud.create_event_source_mapping("jobs", "odd", report_batch_item_failures=True)
    send(url, {"n": 1}, {"n": 2})
    cloud.run_until_idle()
    assert len(drain(cloud.queue_url("jobs_dlq"))) == 2


def test_a_fifo_queue_keeps_order_within_a_message_group(cloud, write_handler):
    url = cloud.create_queue("orders.fifo", fifo=True)
    code = "def lambda_handler(e, c):\n    return [r['body'] for r in e['Records']]\n"
    cloud.create_function("ordered", code=write_handler(code))
    cloud.create_event_source_mapping("orders.fifo", "ordered", batch_size=3)
    sqs = boto3.client("sqs", region_name="us-east-1")
    for i in range(7):
        sqs.send_message(QueueUrl=url, MessageBody=str(i), MessageGroupId="customer-1")
    cloud.run_until_idle()
    assert [body for run in cloud.invocations for body in run.payload] == [str(i) for i in range(7)]
    assert json.loads(cloud.invocations[0].response_bytes)  # the batch carried the group attributes


def test_batching_window_waits_to_fill_a_batch(cloud, write_handler):
    url = cloud.create_queue("slowfill")
    cloud.create_function("batch", code=write_handler("def lambda_handler(e, c):\n    return len(e['Records'])\n"))
    cloud.create_event_source_mapping("slowfill", "batch", batch_size=5, maximum_batching_window=20)
    send(url, {"n": 1}, {"n": 2})
    cloud.advance(seconds=10)
    assert cloud.invocations == []
    cloud.advance(seconds=11)
    assert [i.payload for i in cloud.invocations] == [2]


def test_nothing_is_lost_with_thousands_of_messages_and_random_failures(cloud, write_handler):
    code = """
import json
def lambda_handler(event, context):
    failures = []
    for record in event["Records"]:
        body = json.loads(record["body"])
        if body["fail_until"] >= int(record["attributes"]["ApproximateReceiveCount"]):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
"""
    url = cloud.create_queue("work", dead_letter_queue="work_dlq", max_receive_count=3, visibility_timeout=10)
    cloud.create_function("worker", code=write_handler(code))
    mapping = cloud.create_event_source_mapping("work", "worker", report_batch_item_failures=True)
    rng = random.Random(7)
    plans = [rng.choice([0, 0, 0, 1, 2, 5]) for _ in range(2000)]
    sqs = boto3.client("sqs", region_name="us-east-1")
    for start in range(0, len(plans), 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": json.dumps({"i": i, "fail_until": plans[i]})}
            for i in range(start, min(start + 10, len(plans)))])
    cloud.run_until_idle()
    dead = drain(cloud.queue_url("work_dlq"))
    assert sorted(m["i"] for m in dead) == [i for i, plan in enumerate(plans) if plan >= 3]
    assert mapping.stats.messages_deleted + len(dead) == len(plans)
    assert sum(cloud.queue_depths()["work"].values()) == 0


def test_mapping_validation(cloud, write_handler):
    cloud.create_function("fn", code=write_handler("def lambda_handler(e, c):\n    pass\n"), timeout=60)
    cloud.create_queue("short", visibility_timeout=30)
    with pytest.raises(InvalidParameterValueException, match="Queue visibility timeout: 30 seconds is less than Function timeout: 60"):
        cloud.create_event_source_mapping("short", "fn")
    with pytest.raises(ResourceNotFoundException, match="'nope' does not exist.*short"):
        cloud.create_event_source_mapping("nope", "fn")
    cloud.create_queue("long", visibility_timeout=360)
    with pytest.raises(InvalidParameterValueException, match="batch_size 20 .*maximum_batching_window"):
        cloud.create_event_source_mapping("long", "fn", batch_size=20)
    with pytest.raises(InvalidParameterValueException, match="batch_size 0 is out of range"):
        cloud.create_event_source_mapping("long", "fn", batch_size=0)


@pytest.mark.parametrize("options, message", [
    ({"visibility_timeout": 99999}, "visibility_timeout 99999 is out of range"),
    ({"delay_seconds": 901}, "delay_seconds 901 is out of range"),
    ({"dead_letter_queue": "dlq"}, "needs max_receive_count"),
    ({"dead_letter_queue": "dlq", "max_receive_count": 0}, "max_receive_count 0 is out of range"),
    ({"name": "bad name!"}, "queue name 'bad name!' is invalid"),
])
def test_create_queue_validates_what_moto_lets_through(cloud, options, message):
    with pytest.raises(InvalidParameterValueException, match=message):
        cloud.create_queue(**{"name": "q", **options})


def test_boto3_create_event_source_mapping_works_too(cloud, write_handler):
    url = cloud.create_queue("q")
    cloud.create_function("fn", code=write_handler("def lambda_handler(e, c):\n    return len(e['Records'])\n"))
    client = boto3.client("lambda", region_name="us-east-1")
    created = client.create_event_source_mapping(
        EventSourceArn="arn:aws:sqs:us-east-1:123456789012:q", FunctionName="fn", BatchSize=5)
    assert created["State"] == "Enabled" and created["BatchSize"] == 5
    send(url, *({"n": i} for i in range(7)))
    cloud.run_until_idle()
    assert [i.payload for i in cloud.invocations] == [5, 2]
    assert [m["UUID"] for m in client.list_event_source_mappings()["EventSourceMappings"]] == [created["UUID"]]
    client.delete_event_source_mapping(UUID=created["UUID"])
    assert client.list_event_source_mappings()["EventSourceMappings"] == []


def test_long_polling_answers_at_once_on_the_virtual_clock(cloud):
    url = cloud.create_queue("polled")
    sqs = boto3.client("sqs", region_name="us-east-1")
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20).get("Messages", []) == []
    sqs.send_message(QueueUrl=url, MessageBody="here")
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)["Messages"]] == ["here"]


def test_the_poller_starts_with_five_concurrent_batches(cloud, write_handler):
    url = cloud.create_queue("burst")
    slow = "import time\ndef lambda_handler(e, c):\n    time.sleep(1)\n    return len(e['Records'])\n"
    cloud.create_function("worker", code=write_handler(slow))
    sqs = boto3.client("sqs", region_name="us-east-1")
    for start in range(0, 200, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)}
                                                      for i in range(start, start + 10)])
    cloud.create_event_source_mapping("burst", "worker")
    cloud.run_until_idle()
    runs = cloud.invocations
    assert sum(run.payload for run in runs) == 200 and len(runs) == 20
    assert sum(run.cold_start for run in runs) == 5  # five pollers, five execution environments
    starts = sorted({run.time.replace(microsecond=0) for run in runs})
    assert len(starts) == 4  # four rounds of five one-second batches


# What moto would accept but SQS refuses: refused as SQS refuses it, and nothing is stored.
REFUSED_REQUESTS = [
    ("send_message", {"MessageBody": ""}, "MissingParameter", "The request must contain the parameter MessageBody."),
    ("send_message", {"MessageBody": "bell\x07"}, "InvalidMessageContents", "Invalid binary character '#x7'"),
    ("send_message", {"MessageBody": "x", "MessageAttributes": {"kind": {"DataType": "String", "StringValue": ""}}},
     "InvalidParameterValue", "Message (user) attribute 'kind' must contain a non-empty value of type 'String'."),
    ("receive_message", {"VisibilityTimeout": 99999}, "InvalidParameterValue", "VisibilityTimeout is invalid"),
    ("receive_message", {"VisibilityTimeout": -1}, "InvalidParameterValue", "VisibilityTimeout is invalid"),
]


@pytest.mark.parametrize("operation, arguments, code, message", REFUSED_REQUESTS)
def test_requests_sqs_refuses_are_refused_with_its_error(cloud, operation, arguments, code, message):
    url = cloud.create_queue("orders")
    sqs = boto3.client("sqs", region_name="us-east-1")
    with pytest.raises(sqs.exceptions.ClientError) as refused:
        getattr(sqs, operation)(QueueUrl=url, **arguments)
    assert refused.value.response["Error"]["Code"] == code
    assert message in refused.value.response["Error"]["Message"]
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert cloud.queue_depths()["orders"] == {"visible": 0, "in_flight": 0, "delayed": 0}


def test_tabs_newlines_and_any_unicode_text_are_accepted(cloud):
    url = cloud.create_queue("orders")
    sqs = boto3.client("sqs", region_name="us-east-1")
    sqs.send_message(QueueUrl=url, MessageBody="line 1\n\tline 2\r\n😀 é")
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "line 1\n\tline 2\r\n😀 é"
