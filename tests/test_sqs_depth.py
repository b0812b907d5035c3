"""SQS at depth: with thousands of messages waiting, each one still costs what it costs in an empty
queue, and moto answers exactly what it answered before (attributes, errors, visibility, redrive)."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.sqs import models as sqs_models

DEPTH = 3000


def fill(sqs, url: str, count: int) -> None:
    for start in range(0, count, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": json.dumps({"n": i})} for i in range(start, min(start + 10, count))])


def attributes_of(sqs) -> dict:
    url = sqs.create_queue(QueueName="jobs.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    plain = sqs.create_queue(QueueName="plain", Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": "3"})})["QueueUrl"]
    sqs.send_message(QueueUrl=plain, MessageBody="a")
    sqs.send_message(QueueUrl=url["QueueUrl"], MessageBody="b", MessageGroupId="g")
    found = {}
    for queue_url in (url["QueueUrl"], plain):
        attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
        found[queue_url.rsplit("/", 1)[1]] = {k: v for k, v in attributes.items()
                                             if k not in ("CreatedTimestamp", "LastModifiedTimestamp")}
    return found


def test_queue_attributes_are_the_same_as_moto_alone(cloud):
    inside = attributes_of(cloud.sqs)
    cloud.stop()
    with mock_aws():
        alone = attributes_of(boto3.client("sqs", region_name="us-east-1"))
    assert inside == alone
    assert inside["plain"]["ApproximateNumberOfMessages"] == "1" and "RedrivePolicy" in inside["plain"]


def test_a_receive_at_depth_looks_only_at_the_messages_it_hands_out(cloud, monkeypatch):
    url = cloud.create_queue("deep")
    fill(cloud.sqs, url, DEPTH)
    looked = []
    visible = sqs_models.Message.visible
    monkeypatch.setattr(sqs_models.Message, "visible", property(lambda m: looked.append(m) or visible.fget(m)))
    received = cloud.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"])["n"] for m in received] == list(range(10))  # oldest first, as moto gives them
    assert len(looked) < 100  # not one look per waiting message
    looked.clear()
    cloud.sqs.send_message(QueueUrl=url, MessageBody="one more")
    assert looked == []  # a send counts nothing


def test_deleting_and_changing_visibility_at_depth_behave_as_before(cloud):
    url = cloud.create_queue("deep", visibility_timeout=30)
    fill(cloud.sqs, url, DEPTH)
    first = cloud.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    cloud.sqs.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(first[:5])])
    cloud.sqs.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])  # twice: no error, as in SQS
    cloud.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=first[5]["ReceiptHandle"], VisibilityTimeout=0)
    again = cloud.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"][0]
    assert again["MessageId"] == first[5]["MessageId"]  # visible again at once, and first in line
    assert cloud.queue_depths()["deep"] == {"visible": DEPTH - 10, "in_flight": 5, "delayed": 0}
    with pytest.raises(ClientError) as raised:
        cloud.sqs.delete_message(QueueUrl=url, ReceiptHandle="not-a-handle")
    assert raised.value.response["Error"]["Code"] == "ReceiptHandleIsInvalid"
    cloud.advance(seconds=31)  # the other four come back after their visibility timeout
    assert cloud.queue_depths()["deep"]["visible"] == DEPTH - 5


def test_thousands_of_messages_flow_through_a_mapping_and_poison_ones_reach_the_dlq(cloud, write_handler):
    handler = """
import json
def lambda_handler(event, context):
    for record in event["Records"]:
        if json.loads(record["body"])["n"] % 500 == 0:
            raise ValueError("poison")
"""
    cloud.create_function("worker", code=write_handler(handler))
    url = cloud.create_queue("input_queue", dead_letter_queue="input_dlq", max_receive_count=2)
    cloud.create_event_source_mapping("input_queue", "worker", batch_size=1)
    fill(cloud.sqs, url, DEPTH)
    cloud.run_until_idle()
    depths = cloud.queue_depths()
    assert depths["input_queue"] == {"visible": 0, "in_flight": 0, "delayed": 0}
    assert depths["input_dlq"]["visible"] == DEPTH // 500
