"""Handlers written the way the Powertools for AWS Lambda (Python) documentation shows run unchanged."""

from __future__ import annotations

import json

import boto3
import pytest

from emulator import events

LOGGER = """
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger(service="payment")

@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext) -> str:
    logger.info("Collecting payment", extra={"amount": event["amount"]})
    return "hello world"
"""

METRICS = """
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

metrics = Metrics(namespace="ServerlessAirline", service="booking")

@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event, context):
    metrics.add_metric(name="SuccessfulBooking", unit=MetricUnit.Count, value=1)
"""

TRACER = """
from aws_lambda_powertools import Tracer

tracer = Tracer(service="payment")

@tracer.capture_method
def collect_payment(charge_id: str) -> str:
    tracer.put_annotation(key="PaymentId", value=charge_id)
    return f"dummy payment collected for charge: {charge_id}"

@tracer.capture_lambda_handler
def lambda_handler(event, context):
    return collect_payment(charge_id=event["charge_id"])
"""

BATCH = """
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

processor = BatchProcessor(event_type=EventType.SQS)
tracer = Tracer()
logger = Logger()

@tracer.capture_method
def record_handler(record: SQSRecord):
    item = record.json_body
    if item["number"] == 3:
        raise ValueError("three is not allowed")
    logger.info("processed", extra={"number": item["number"]})

@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event, context):
    return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                    context=context)
"""

DATA_CLASSES = """
import json

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent, SQSEvent, event_source

@event_source(data_class=SQSEvent)
def sqs_handler(event: SQSEvent, context):
    return [{"body": record.json_body, "queue": record.queue_url, "receives": record.attributes.approximate_receive_count}
            for record in event.records]

@event_source(data_class=APIGatewayProxyEvent)
def api_handler(event: APIGatewayProxyEvent, context):
    seen = {"method": event.http_method, "path": event.path, "id": event.path_parameters.get("id"),
            "page": event.get_query_string_value("page"), "agent": event.request_context.identity.user_agent}
    return {"statusCode": 200, "body": json.dumps(seen)}
"""

PARSER = """
from pydantic import BaseModel

from aws_lambda_powertools.utilities.parser import envelopes, event_parser

class Order(BaseModel):
    id: int
    description: str

@event_parser(model=Order, envelope=envelopes.SqsEnvelope)
def lambda_handler(event: list[Order], context):
    return [order.description for order in event]
"""


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_logger_writes_structured_lines_with_the_context(cloud, write_handler):
    cloud.create_function("payment", code=write_handler(LOGGER, "payment"), memory_size=256)
    cloud.create_function("other", code=write_handler(LOGGER, "other"))
    first, second = cloud.invoke("payment", {"amount": 3}), cloud.invoke("payment", {"amount": 4})
    other = cloud.invoke("other", {"amount": 5})

    assert first.payload == "hello world"
    [line] = json_lines(first.logs)
    assert line["level"] == "INFO" and line["message"] == "Collecting payment" and line["amount"] == 3
    assert line["service"] == "payment" and line["cold_start"] is True
    assert line["function_name"] == "payment" and line["function_memory_size"] == "256"
    assert line["function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:payment"
    assert line["function_request_id"] == first.request_id
    assert line["xray_trace_id"].startswith("1-")
    assert line["timestamp"] == "2026-01-05 12:00:00,000+0000"  # the virtual clock
    assert json_lines(second.logs)[0]["cold_start"] is False
    assert "Collecting payment" not in "".join(l for l in second.logs.splitlines() if l.startswith("[INFO]"))
    assert json_lines(other.logs)[0]["cold_start"] is True  # another function: its own execution environment
    assert first.logs.startswith("START RequestId: ") and "REPORT RequestId: " in first.logs


def test_metrics_are_embedded_metric_format_lines(cloud, write_handler):
    cloud.create_function("booking", code=write_handler(METRICS))
    first, second = cloud.invoke("booking"), cloud.invoke("booking")

    cold_start, booking = json_lines(first.logs)
    assert cold_start["_aws"]["CloudWatchMetrics"] == [{
        "Namespace": "ServerlessAirline", "Dimensions": [["function_name", "service"]],
        "Metrics": [{"Name": "ColdStart", "Unit": "Count"}]}]
    assert cold_start["function_name"] == "booking" and cold_start["ColdStart"] == [1.0]
    assert booking["_aws"]["CloudWatchMetrics"][0]["Metrics"] == [{"Name": "SuccessfulBooking", "Unit": "Count"}]
    assert booking["service"] == "booking" and booking["SuccessfulBooking"] == [1.0]
    assert booking["_aws"]["Timestamp"] == int(cloud.clock.now().timestamp() * 1000)
    assert [m["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"] for m in json_lines(second.logs)] == [
        "SuccessfulBooking"]  # a warm start has no ColdStart metric


def test_tracer_subsegments_appear_in_the_trace(cloud, write_handler):
    cloud.create_function("payment", code=write_handler(TRACER), tracing="Active")
    first, second = cloud.invoke("payment", {"charge_id": "ch_1"}), cloud.invoke("payment", {"charge_id": "ch_2"})

    assert first.payload == "dummy payment collected for charge: ch_1"
    trace = cloud.trace(first)
    [handler] = trace.find("## lambda_handler")
    assert handler.annotations == {"ColdStart": True, "Service": "payment"}
    assert handler.metadata["payment"]["lambda_handler response"] == first.payload
    [method] = handler.subsegments
    assert method.name == "## lambda_function.collect_payment" and method.annotations == {"PaymentId": "ch_1"}
    function = [s for s in trace.segments if s.origin == "AWS::Lambda::Function"][0]
    assert handler in function.subsegments
    assert cloud.trace(second).find("## lambda_handler")[0].annotations["ColdStart"] is False


def test_tracer_in_an_untraced_function_records_nothing(cloud, write_handler):
    cloud.create_function("payment", code=write_handler(TRACER))
    assert cloud.invoke("payment", {"charge_id": "ch_1"}).payload.endswith("ch_1")
    assert cloud.traces() == []


def test_batch_processing_reports_partial_failures_to_the_mapping(cloud, write_handler):
    url = cloud.create_queue("orders", dead_letter_queue="orders_dlq", max_receive_count=2)
    cloud.create_function("worker", code=write_handler(BATCH))
    cloud.create_event_source_mapping("orders", "worker", batch_size=10, report_batch_item_failures=True)
    sqs = boto3.client("sqs", region_name="us-east-1")
    sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": str(n), "MessageBody": json.dumps({"number": n})} for n in range(1, 6)])
    cloud.run_until_idle()

    first = cloud.invocations[0]
    [failure] = first.payload["batchItemFailures"]
    processed = [line["number"] for line in json_lines(cloud.logs("worker")) if line.get("message") == "processed"]
    assert sorted(processed) == [1, 2, 4, 5]  # each good record once: the mapping deleted them
    dlq = sqs.receive_message(QueueUrl=cloud.queue_url("orders_dlq"), MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"]) for m in dlq] == [{"number": 3}]
    assert dlq[0]["MessageId"] == failure["itemIdentifier"]
    assert len(cloud.invocations) == 2  # the failed record came back once, then went to the DLQ
    assert cloud.queue_depths()["orders"] == {"visible": 0, "in_flight": 0, "delayed": 0}


def test_event_source_data_classes(cloud, write_handler):
    code = write_handler(DATA_CLASSES)
    cloud.create_function("sqs", handler="lambda_function.sqs_handler", code=code)
    cloud.create_function("api", handler="lambda_function.api_handler", code=code)
    records = cloud.invoke("sqs", events.sqs(records=[{"a": 1}, {"b": 2}], queue="orders")).payload
    assert records == [{"body": {"a": 1}, "queue": "https://sqs.us-east-1.amazonaws.com/123456789012/orders",
                        "receives": "1"}, {"body": {"b": 2}, "queue": records[1]["queue"], "receives": "1"}]
    cloud.add_route("GET", "/items/{id}", "api")
    response = cloud.http_app().test_client().get("/items/42?page=2", headers={"User-Agent": "pytest"})
    assert response.get_json() == {"method": "GET", "path": "/items/42", "id": "42", "page": "2", "agent": "pytest"}


def test_parser_validates_events_with_an_envelope(cloud, write_handler):
    cloud.create_function("orders", code=write_handler(PARSER))
    good = cloud.invoke("orders", events.sqs(records=[{"id": 1, "description": "pen"}, {"id": 2, "description": "ink"}]))
    bad = cloud.invoke("orders", events.sqs(body={"id": "not a number"}))
    assert good.payload == ["pen", "ink"]
    assert bad.error["errorType"] == "ValidationError"
    assert "id" in bad.error["errorMessage"] and "description" in bad.error["errorMessage"]


@pytest.mark.parametrize("code", [LOGGER, TRACER])
def test_powertools_outside_the_cloud_is_left_alone(code, write_handler):
    """Importing a handler module in plain Python (a unit test of the handler) still works."""
    import importlib.util

    folder = write_handler(code, "plain")
    spec = importlib.util.spec_from_file_location("plain_handler", folder / "lambda_function.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert callable(module.lambda_handler)
