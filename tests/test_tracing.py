"""X-Ray in the local cloud: what Lambda sets, the segments it records, the SDK's subsegments, chains."""

from __future__ import annotations

import json
import socket
import threading
from xml.etree import ElementTree
from http.server import BaseHTTPRequestHandler, HTTPServer

import boto3
import pytest

from emulator import LocalCloud
from emulator.platform import network
from emulator.observability.tracing import TraceHeader, assemble
from emulator.observability.xray import Trace

SVG = "{http://www.w3.org/2000/svg}"  # the namespace of every element of an SVG picture

ENVIRONMENT = """
import os

def lambda_handler(event, context):
    return {name: os.environ.get(name) for name in
            ("_X_AMZN_TRACE_ID", "AWS_XRAY_DAEMON_ADDRESS", "AWS_XRAY_CONTEXT_MISSING", "LAMBDA_TASK_ROOT")}
"""

PLAIN = """
import time

def lambda_handler(event, context):
    time.sleep(event.get("sleep", 0))
    if event.get("fail"):
        raise ValueError("no such order")
    return {"ok": True}
"""

# The seed article's handler, second version: a DynamoDB write, then a slow third-party HTTP call.
INSTRUMENTED = """
import json
import os

import boto3
import requests
from aws_xray_sdk.core import patch_all, xray_recorder

patch_all()
dynamodb = boto3.resource("dynamodb")

def register(event, context):
    user = json.loads(event["body"])
    dynamodb.Table(os.environ["TABLE_NAME"]).put_item(Item=user)
    with xray_recorder.in_subsegment("format_user") as subsegment:
        subsegment.put_annotation("user", user["id"])
    todo = requests.get(os.environ["API"] + "/todos/1").json()
    return {"statusCode": 200, "body": json.dumps(todo)}
"""

CALLER = """
import json

import boto3
from aws_xray_sdk.core import patch_all

patch_all()
client = boto3.client("lambda")

def lambda_handler(event, context):
    response = client.invoke(FunctionName="callee", Payload=json.dumps({"sleep": 0.25}))
    client.invoke(FunctionName="callee", InvocationType="Event", Payload=b"{}")
    return json.loads(response["Payload"].read())
"""

FORWARD = """
import json
import os

import boto3

sqs = boto3.client("sqs")

def lambda_handler(event, context):
    for record in event.get("Records", [{"body": json.dumps(event)}]):
        sqs.send_message(QueueUrl=os.environ["NEXT"], MessageBody=record["body"])
    return [record["attributes"].get("AWSTraceHeader") for record in event.get("Records", [])]
"""

LAST = """
def lambda_handler(event, context):
    return [record["attributes"].get("AWSTraceHeader") for record in event["Records"]]
"""


class SlowApi(BaseHTTPRequestHandler):
    """A third-party API on 127.0.0.1 (jsonplaceholder's /todos/1, without the internet)."""

    def do_GET(self) -> None:
        body = json.dumps({"userId": 1, "id": 1, "title": "delectus aut autem", "completed": False}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def api():
    server = HTTPServer(("127.0.0.1", 0), SlowApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_lambda_sets_the_tracing_variables(cloud, write_handler):
    code = write_handler(ENVIRONMENT)
    cloud.create_function("traced", code=code, tracing="Active")
    cloud.create_function("untraced", code=code)
    traced, untraced = cloud.invoke("traced").payload, cloud.invoke("untraced").payload

    header = TraceHeader.parse(traced["_X_AMZN_TRACE_ID"])
    assert header.sampled == "1" and header.root == cloud.invocations[0].trace_id and len(header.parent) == 16
    assert traced["AWS_XRAY_DAEMON_ADDRESS"] == cloud.tracer.collector.address
    assert traced["AWS_XRAY_DAEMON_ADDRESS"].startswith("127.0.0.1:")
    assert traced["AWS_XRAY_CONTEXT_MISSING"] == "LOG_ERROR"
    assert traced["LAMBDA_TASK_ROOT"] == str(code)
    assert TraceHeader.parse(untraced["_X_AMZN_TRACE_ID"]).sampled == "0"
    assert cloud.invocations[1].trace_id is None
    assert [trace.functions for trace in cloud.traces()] == [["traced"]]


def test_a_function_without_the_sdk_still_gets_lambdas_segments(cloud, write_handler):
    cloud.create_function("plain", code=write_handler(PLAIN), tracing="Active")
    cold = cloud.invoke("plain", {"sleep": 0.2})
    warm = cloud.invoke("plain", {})

    trace = cloud.trace(cold)
    service, function = sorted(trace.segments, key=lambda s: s.origin)
    assert (service.name, service.origin) == ("plain", "AWS::Lambda")
    assert (function.name, function.origin, function.parent_id) == ("plain", "AWS::Lambda::Function", service.id)
    assert [s.name for s in sorted(function.subsegments, key=lambda s: s.start_time)] == [
        "Initialization", "Invocation", "Overhead"]
    initialization, invocation = trace.find("Initialization")[0], trace.find("Invocation")[0]
    assert initialization.duration_ms == pytest.approx(cold.init_duration_ms, abs=0.01)
    assert invocation.duration_ms == pytest.approx(cold.duration_ms, abs=0.01)
    assert invocation.duration_ms >= 200  # the simulated sleep is in the picture
    assert invocation.start_time == pytest.approx(initialization.end_time)
    assert service.aws["request_id"] == cold.request_id
    assert trace.start == cold.time  # traces start on the virtual clock
    assert [s.name for s in cloud.trace(warm).find("Initialization")] == []  # warm: no Init phase


def test_a_failed_invocation_is_a_fault_with_its_cause(cloud, write_handler):
    cloud.create_function("plain", code=write_handler(PLAIN), tracing="Active")
    trace = cloud.trace(cloud.invoke("plain", {"fail": True}))
    function = [s for s in trace.segments if s.origin == "AWS::Lambda::Function"][0]
    assert function.failed and trace.find("Invocation")[0].failed
    assert function.document["cause"]["exceptions"][0] == {
        "id": function.document["cause"]["exceptions"][0]["id"], "message": "no such order", "type": "ValueError"}


def test_the_xray_sdk_records_boto3_and_requests_calls_under_the_function(cloud, write_handler, api):
    boto3.client("dynamodb").create_table(
        TableName="users", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    cloud.create_function("register", handler="lambda_function.register", code=write_handler(INSTRUMENTED),
                          environment={"TABLE_NAME": "users", "API": api}, tracing="Active")
    result = cloud.invoke("register", {"body": json.dumps({"id": "u1", "name": "Ada"})})

    assert result.error is None and json.loads(result.payload["body"])["title"] == "delectus aut autem"
    trace = cloud.trace(result)
    function = [s for s in trace.segments if s.origin == "AWS::Lambda::Function"][0]
    children = {s.name: s for s in function.subsegments}
    assert {"Initialization", "Invocation", "Overhead", "dynamodb", "format_user", "127.0.0.1"} <= set(children)
    dynamodb, http = children["dynamodb"], children["127.0.0.1"]
    assert (dynamodb.namespace, dynamodb.aws["operation"], dynamodb.aws["table_name"]) == ("aws", "PutItem", "users")
    assert http.namespace == "remote" and http.http["request"]["url"] == api + "/todos/1"
    assert http.http["response"]["status"] == 200
    assert children["format_user"].annotations == {"user": "u1"}
    invocation = children["Invocation"]
    for call in (dynamodb, children["format_user"], http):  # the calls happen while the handler runs
        assert invocation.start_time <= call.start_time <= call.end_time <= invocation.end_time + 1e-6
    assert dynamodb.end_time <= children["format_user"].start_time <= http.start_time


def test_lambda_calling_lambda_is_one_trace(cloud, write_handler):
    cloud.create_function("caller", code=write_handler(CALLER, "caller"), tracing="Active")
    cloud.create_function("callee", code=write_handler(PLAIN, "callee"))  # PassThrough: follows the caller
    result = cloud.invoke("caller")
    cloud.run_until_idle()  # the asynchronous call runs too, in the same trace

    assert result.payload == {"ok": True}
    [trace] = cloud.traces()
    assert trace.functions == ["caller", "callee", "callee"]
    assert {invocation.trace_id for invocation in cloud.invocations} == {trace.id}
    invoke_calls = trace.find("lambda")
    callee_services = sorted((s for s in trace.segments if s.origin == "AWS::Lambda" and s.name == "callee"),
                             key=lambda s: s.start_time)
    # The callee's service segment hangs under the caller's Invoke subsegment, and fits inside it.
    assert callee_services[0].parent_id == invoke_calls[0].id
    assert invoke_calls[0].start_time <= callee_services[0].start_time
    assert callee_services[0].end_time <= invoke_calls[0].end_time
    assert invoke_calls[0].duration_ms >= 250  # the caller waited for the callee's (simulated) quarter second


def test_without_sockets_the_sdk_hands_its_segments_straight_to_the_collector(monkeypatch, write_handler):
    monkeypatch.setattr(network, "SOCKETS_AVAILABLE", False)  # as in Pyodide, where no socket can be bound
    with LocalCloud() as cloud:
        assert cloud.tracer.collector.address is None
        cloud.create_function("caller", code=write_handler(CALLER, "caller"), tracing="Active")
        cloud.create_function("callee", code=write_handler(PLAIN, "callee"))
        cloud.invoke("caller")
        [trace] = cloud.traces()
        assert trace.functions == ["caller", "callee"]
        assert trace.find("lambda")[0].aws["operation"] == "Invoke"  # the SDK's subsegment, without UDP


def test_sqs_lambda_sqs_lambda_is_one_trace(cloud, write_handler):
    first = cloud.create_queue("first")
    second = cloud.create_queue("second")
    cloud.create_function("producer", code=write_handler(FORWARD, "producer"), environment={"NEXT": first},
                          tracing="Active")
    cloud.create_function("middle", code=write_handler(FORWARD, "middle"), environment={"NEXT": second})
    cloud.create_function("last", code=write_handler(LAST, "last"))
    cloud.create_event_source_mapping("first", "middle")
    cloud.create_event_source_mapping("second", "last")
    cloud.invoke("producer", {"order": 1})
    cloud.run_until_idle()

    [trace] = cloud.traces()
    assert trace.functions == ["producer", "middle", "last"]
    producer, middle, last = cloud.invocations
    # SQS kept the header with each message, and the records show it as AWSTraceHeader.
    assert TraceHeader.parse(middle.payload[0]).root == trace.id
    assert TraceHeader.parse(last.payload[0]).root == trace.id
    assert TraceHeader.parse(last.payload[0]).sampled == "1"
    functions = {s.name: s for s in trace.segments if s.origin == "AWS::Lambda::Function"}
    services = {s.name: s for s in trace.segments if s.origin == "AWS::Lambda"}
    # Each consumer hangs under the producer's function segment (or its SendMessage subsegment, once
    # some handler of this process has patched boto3 with the X-Ray SDK).
    assert services["middle"].parent_id in {s.id for _, s in functions["producer"].walk()}
    assert services["last"].parent_id in {s.id for _, s in functions["middle"].walk()}
    assert functions["producer"].end_time <= services["middle"].start_time <= services["last"].start_time


def test_an_untraced_chain_records_nothing(cloud, write_handler):
    queue = cloud.create_queue("first")
    cloud.create_function("producer", code=write_handler(FORWARD, "producer"), environment={"NEXT": queue})
    cloud.create_function("last", code=write_handler(LAST, "last"))
    cloud.create_event_source_mapping("first", "last")
    cloud.invoke("producer", {"order": 1})
    cloud.run_until_idle()
    assert cloud.traces() == []
    assert TraceHeader.parse(cloud.invocations[1].payload[0]).sampled == "0"  # the decision travels too


def test_traces_filter_by_function_and_trace_names_untraced_invocations(cloud, write_handler):
    code = write_handler(PLAIN)
    cloud.create_function("a", code=code, tracing="Active")
    cloud.create_function("b", code=code)
    cloud.invoke("a")
    untraced = cloud.invoke("b")
    assert [t.functions for t in cloud.traces("a")] == [["a"]] and cloud.traces("b") == []
    with pytest.raises(LookupError, match="tracing='Active'"):
        cloud.trace(untraced)


def test_tracing_mode_is_validated_and_can_be_changed(cloud, write_handler):
    with pytest.raises(ValueError, match="PassThrough, Active"):
        cloud.create_function("f", code=write_handler(PLAIN), tracing="On")
    cloud.create_function("f", code=write_handler(PLAIN))
    cloud.invoke("f")
    cloud.set_tracing("f", "Active")  # UpdateFunctionConfiguration --tracing-config Mode=Active
    traced = cloud.invoke("f")
    assert [trace.id for trace in cloud.traces()] == [traced.trace_id]


def test_the_waterfall_is_an_svg_timeline_of_every_segment(cloud, write_handler, tmp_path):
    cloud.create_function("caller", code=write_handler(CALLER, "caller"), tracing="Active")
    cloud.create_function("callee", code=write_handler(PLAIN, "callee"))
    trace = cloud.trace(cloud.invoke("caller"))

    svg = ElementTree.fromstring(trace._repr_svg_())  # what a notebook shows for a trace: well-formed SVG
    assert svg.tag == SVG + "svg"
    rows = svg.findall(f"{SVG}g")  # one group per bar: its label, its bar, its duration
    assert len(rows) == len(trace.entities())
    labels = [row.findall(f"{SVG}text")[0].text.strip() for row in rows]
    assert labels[:3] == ["caller (AWS::Lambda)", "caller (AWS::Lambda::Function)", "Initialization"]
    assert "callee (AWS::Lambda::Function)" in labels
    notes = [row.findall(f"{SVG}text")[1].text for row in rows]
    assert notes == [f"{entity.duration_ms:.1f} ms" for _, entity in trace.entities()]
    assert all(len(row.findall(f"{SVG}rect")) == 1 for row in rows)

    path = trace.save_waterfall(tmp_path / "trace.svg")
    assert path.read_text(encoding="utf-8") == trace.waterfall().svg
    text = str(trace)
    assert "Initialization" in text and "callee (AWS::Lambda::Function)" in text


def test_the_waterfall_colours_a_fault_and_says_so(cloud, write_handler):
    cloud.create_function("plain", code=write_handler(PLAIN), tracing="Active")
    fine = cloud.trace(cloud.invoke("plain", {}))
    failed = cloud.trace(cloud.invoke("plain", {"fail": True}))

    def bars(trace):
        rows = ElementTree.fromstring(trace.waterfall().svg).findall(f"{SVG}g")
        return {row.find(f"{SVG}text").text.strip(): (row.find(f"{SVG}rect").get("fill"), row.findall(f"{SVG}text")[1].text)
                for row in rows}

    fine_fill, fine_note = bars(fine)["Invocation"]
    fault_fill, fault_note = bars(failed)["Invocation"]
    assert fault_fill != fine_fill and fault_note.endswith("ms  fault") and fine_note.endswith(" ms")
    assert failed.find("Invocation")[0].status == "fault" and fine.find("Invocation")[0].status is None


def test_an_empty_trace_draws_a_sentence_not_empty_axes():
    svg = ElementTree.fromstring(Trace("1-00000000-000000000000000000000000", []).waterfall().svg)
    texts = [text.text for text in svg.iter(f"{SVG}text")]
    assert any("has no segments" in text for text in texts) and svg.find(f"{SVG}g") is None


def test_the_collector_keeps_what_it_cannot_read(cloud):
    host, port = cloud.tracer.collector.address.split(":")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.sendto(b"not a segment", (host, int(port)))
        sender.sendto(b'{"format": "json", "version": 1}\n' + json.dumps(
            {"name": "x", "id": "1", "trace_id": "1-a-b", "start_time": 1.0, "end_time": 2.0}).encode(), (host, int(port)))
    assert cloud.tracer.collector.documents()[-1]["name"] == "x"
    assert cloud.tracer.collector.rejected == [b"not a segment"]


def test_subsegments_streamed_on_their_own_join_their_parent():
    parent = {"name": "f", "id": "p1", "trace_id": "T", "start_time": 1.0, "end_time": 3.0, "origin": "AWS::Lambda::Function"}
    child = {"name": "outer", "id": "c1", "trace_id": "T", "parent_id": "p1", "type": "subsegment",
             "start_time": 1.5, "end_time": 2.5}
    grandchild = {"name": "inner", "id": "g1", "trace_id": "T", "parent_id": "c1", "type": "subsegment",
                  "start_time": 1.6, "end_time": 1.7}
    [trace] = assemble([grandchild, parent, child])  # in any order, as UDP delivers them
    assert [(depth, s.name) for depth, s in trace.entities()] == [(0, "f"), (1, "outer"), (2, "inner")]
    assert trace.duration_ms == pytest.approx(2000)


def test_a_handler_unit_tested_outside_the_cloud_does_not_silence_the_sdk(cloud, write_handler, api):
    """Outside Lambda, Powertools' Tracer switches the whole X-Ray SDK off; invocations start afresh."""
    import importlib.util

    folder = write_handler("from aws_lambda_powertools import Tracer\ntracer = Tracer(service='x')\n", "outside")
    spec = importlib.util.spec_from_file_location("outside_handler", folder / "lambda_function.py")
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    from aws_xray_sdk import global_sdk_config
    assert not global_sdk_config.sdk_enabled()

    boto3.client("dynamodb").create_table(
        TableName="users", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    cloud.create_function("register", handler="lambda_function.register", code=write_handler(INSTRUMENTED),
                          environment={"TABLE_NAME": "users", "API": api}, tracing="Active")
    trace = cloud.trace(cloud.invoke("register", {"body": json.dumps({"id": "u1"})}))
    assert trace.find("dynamodb") and trace.find("127.0.0.1")
    assert not global_sdk_config.sdk_enabled()  # and the notebook's own setting is given back
    from aws_lambda_powertools import Tracer
    assert Tracer._config["disabled"] is True  # Powertools' too (invocations saw a fresh, enabled Tracer)


def test_the_trace_viewer_widget_shows_a_waterfall(cloud, write_handler):
    from emulator.notebook.widgets import trace_viewer

    cloud.create_function("plain", code=write_handler(PLAIN), tracing="Active")
    first = cloud.invoke("plain")
    viewer = trace_viewer(cloud)
    picker, refresh = viewer.children[0].children
    picture = viewer.children[1]
    assert [trace.id for _, trace in picker.options] == [first.trace_id]
    assert picture.value == picker.value._repr_svg_()  # the first trace is drawn at once
    second = cloud.invoke("plain")
    refresh.click()
    assert [trace.id for _, trace in picker.options] == [first.trace_id, second.trace_id]
    assert picker.value.id == second.trace_id and picture.value == picker.value._repr_svg_()
