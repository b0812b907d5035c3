"""Sample events: same shape as AWS's published samples, and the details a handler relies on."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import time_machine

from emulator import events

SAMPLES = Path(__file__).resolve().parent / "fixtures" / "aws-events"  # AWS samples (fixtures/aws-events/README.md)
# Maps whose keys are the caller's data (header names, query names...): only their values have a shape.
FREE_MAPS = {"headers", "multiValueHeaders", "queryStringParameters", "multiValueQueryStringParameters",
             "pathParameters", "stageVariables", "messageAttributes", "MessageAttributes", "claims"}
APRIL_9_2015 = datetime(2015, 4, 9, 12, 34, 56)  # the moment of AWS's REST API sample


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text())


def json_type(value: Any) -> str:
    for python_type, name in ((bool, "boolean"), (str, "string"), (dict, "object"), (list, "array"),
                              (type(None), "null"), ((int, float), "number")):
        if isinstance(value, python_type):
            return name
    return f"not JSON ({type(value).__name__})"


def shape_differences(built: Any, reference: Any, path: str = "$") -> list[str]:
    """Every place where ``built`` differs from ``reference`` in keys, nesting or JSON value type."""
    built_type, reference_type = json_type(built), json_type(reference)
    allowed = {"null", "string"} if reference_type == "null" else {reference_type}
    if built_type not in allowed:
        return [f"{path}: expected {reference_type}, got {built_type}"]
    differences: list[str] = []
    if reference_type == "object" and path.rsplit(".", 1)[-1] in FREE_MAPS:
        if reference:
            first = next(iter(reference.values()))
            for key, value in built.items():
                differences += shape_differences(value, first, f"{path}.{key}")
    elif reference_type == "object":
        differences += [f"{path}.{key}: missing" for key in reference if key not in built]
        differences += [f"{path}.{key}: unexpected key" for key in built if key not in reference]
        for key in reference.keys() & built.keys():
            differences += shape_differences(built[key], reference[key], f"{path}.{key}")
    elif reference_type == "array" and reference:
        for index, item in enumerate(built):
            differences += shape_differences(item, reference[0], f"{path}[{index}]")
    return differences


def full_rest_event() -> dict:
    return events.api_gateway(
        "POST", "/path/to/resource", {"foo": "bar"},
        {"Accept": "text/html", "Host": "1234567890.execute-api.us-east-1.amazonaws.com",
         "User-Agent": "Custom User Agent String", "X-Forwarded-For": "127.0.0.1, 127.0.0.2"},
        '{"test":"body"}', path_parameters={"proxy": "/path/to/resource"}, resource="/{proxy+}",
        stage_variables={"baz": "qux"})


def full_http_event() -> dict:
    return events.http_api(
        "POST", "/path/to/resource", {"parameter1": ["value1", "value2"], "parameter2": "value"},
        {"Header1": "value1", "Header2": ["value1", "value2"], "User-Agent": "agent"}, {"test": "body"},
        cookies=["cookie1", "cookie2"], path_parameters={"parameter1": "value1"},
        stage_variables={"stageVariable1": "value1"},
        authorizer={"jwt": {"claims": {"claim1": "value1"}, "scopes": ["scope1", "scope2"]}},
        authentication={"clientCert": {
            "clientCertPem": "CERT_CONTENT", "subjectDN": "www.example.com", "issuerDN": "Example issuer",
            "serialNumber": "a1:a1", "validity": {"notBefore": "May 28 12:30:02 2019 GMT",
                                                  "notAfter": "Aug  5 09:36:04 2021 GMT"}}})


BUILT_AND_SAMPLE = [
    (lambda: events.sqs(), "sqs-receive-message.json"),
    (lambda: events.sqs(records=["one", {"n": 2}, [3]]), "sqs-receive-message.json"),
    (lambda: events.scheduled(), "eventbridge-scheduled-event.json"),
    (full_rest_event, "apigateway-rest-proxy-v1.json"),
    (full_http_event, "apigateway-http-api-v2.json"),
    (lambda: events.s3_put(), "s3-put.json"),
    (lambda: events.sns(subject="example subject",
                        message_attributes={"Test": "TestString", "TestBinary": b"TestBinary"}),
     "sns-notification.json"),
]


# --- the walker itself -----------------------------------------------------------------------------

def test_the_shape_walker_names_the_path_of_each_difference():
    reference = {"a": {"b": 1, "c": None, "d": [{"e": "x"}]}, "headers": {"H": "v"}}
    built = {"a": {"b": "1", "c": "text", "d": [{"e": "x"}, {"e": 2}], "z": 0}, "headers": {"other": ["v"]}}
    assert sorted(shape_differences(built, reference)) == [
        "$.a.b: expected number, got string",
        "$.a.d[1].e: expected string, got number",
        "$.a.z: unexpected key",
        "$.headers.other: expected string, got array",
    ]
    assert shape_differences({}, reference) == ["$.a: missing", "$.headers: missing"]
    assert shape_differences({"a": {"b": True, "c": None, "d": []}, "headers": {}}, reference) == [
        "$.a.b: expected number, got boolean"]


# --- shape against AWS's samples -------------------------------------------------------------------

@pytest.mark.parametrize("build, sample_name", BUILT_AND_SAMPLE,
                         ids=[name for _, name in BUILT_AND_SAMPLE[:1]] + ["sqs-batch"]
                         + [name for _, name in BUILT_AND_SAMPLE[2:]])
def test_event_has_the_keys_nesting_and_types_of_the_aws_sample(build, sample_name):
    event = build()
    assert shape_differences(event, sample(sample_name)) == []
    assert json.loads(json.dumps(event)) == event  # plain JSON, nothing Python-specific inside


def test_default_events_carry_the_values_of_the_aws_samples():
    record = events.sqs()["Records"][0]
    reference = sample("sqs-receive-message.json")["Records"][0]
    for key in ("body", "md5OfBody", "eventSource", "eventSourceARN", "awsRegion"):
        assert record[key] == reference[key]
    scheduled = events.scheduled()
    assert scheduled["resources"] == sample("eventbridge-scheduled-event.json")["resources"]
    s3_object = events.s3_put()["Records"][0]["s3"]
    assert s3_object["bucket"] == sample("s3-put.json")["Records"][0]["s3"]["bucket"] | {
        "ownerIdentity": {"principalId": "EXAMPLE"}}
    assert s3_object["object"]["key"] == "test/key" and s3_object["object"]["size"] == 1024
    assert events.sns()["Records"][0]["Sns"]["TopicArn"] == "arn:aws:sns:us-east-1:123456789012:ExampleTopic"


# --- what AWS leaves out or sends as null ---------------------------------------------------------

def test_minimal_rest_event_sends_null_for_what_the_request_did_not_have():
    event = events.api_gateway()
    for key in ("body", "queryStringParameters", "multiValueQueryStringParameters", "pathParameters",
                "stageVariables", "headers", "multiValueHeaders"):
        assert event[key] is None, key
    assert event["isBase64Encoded"] is False
    assert event["httpMethod"] == "GET" and event["path"] == "/" and event["resource"] == "/"
    assert "authorizer" not in event["requestContext"]
    assert event["requestContext"]["identity"]["userAgent"] is None


def test_minimal_http_api_event_leaves_out_the_keys_aws_omits():
    event = events.http_api()
    assert set(event) == {"version", "routeKey", "rawPath", "rawQueryString", "headers", "requestContext",
                          "isBase64Encoded"}
    assert event["rawQueryString"] == "" and event["headers"] == {} and event["isBase64Encoded"] is False
    assert "authorizer" not in event["requestContext"] and "authentication" not in event["requestContext"]
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "$default"
    assert event["requestContext"]["stage"] == "$default"


def test_sns_subject_is_null_without_a_subject():
    assert events.sns()["Records"][0]["Sns"]["Subject"] is None


# --- SQS ---------------------------------------------------------------------------------------

def test_sqs_md5_of_body_is_the_md5_of_the_utf8_body():
    assert events.sqs()["Records"][0]["md5OfBody"] == "7b270e59b47ff90a553787216d55d91d"  # AWS's sample value
    record = events.sqs(body="héllo ✓")["Records"][0]
    assert record["md5OfBody"] == hashlib.md5("héllo ✓".encode("utf-8")).hexdigest()


def test_sqs_dict_body_is_sent_as_json_text():
    body = {"number1": 1, "number2": 5, "operation": "+"}
    record = events.sqs(body=body)["Records"][0]
    assert isinstance(record["body"], str) and json.loads(record["body"]) == body
    assert record["md5OfBody"] == hashlib.md5(record["body"].encode()).hexdigest()


def test_sqs_batch_has_one_record_per_body_in_order_with_distinct_ids():
    event = events.sqs(records=["a", {"b": 2}, "c"], queue="input_queue", region="eu-west-3")
    records = event["Records"]
    assert [r["body"] for r in records] == ["a", '{"b": 2}', "c"]
    assert len({r["messageId"] for r in records}) == 3 and len({r["receiptHandle"] for r in records}) == 3
    assert {r["eventSourceARN"] for r in records} == {"arn:aws:sqs:eu-west-3:123456789012:input_queue"}
    assert {r["awsRegion"] for r in records} == {"eu-west-3"}


def test_sqs_attributes_are_strings_and_timestamps_follow_the_clock():
    with time_machine.travel(datetime(2018, 4, 9, tzinfo=timezone.utc), tick=False):
        attributes = events.sqs()["Records"][0]["attributes"]
    assert attributes == {"ApproximateReceiveCount": "1", "SentTimestamp": "1523232000000",
                          "SenderId": "123456789012", "ApproximateFirstReceiveTimestamp": "1523232000000"}


def test_sqs_message_attributes_use_the_lambda_event_shape():
    attributes = events.sqs(message_attributes={
        "text": "hello", "count": 3, "blob": b"\x00\x01",
        "from_api": {"DataType": "Number.int", "StringValue": "7"},
        "binary_from_api": {"DataType": "Binary", "BinaryValue": b"hi"},
    })["Records"][0]["messageAttributes"]
    assert attributes == {
        "text": {"stringValue": "hello", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
        "count": {"stringValue": "3", "stringListValues": [], "binaryListValues": [], "dataType": "Number"},
        "blob": {"binaryValue": "AAE=", "stringListValues": [], "binaryListValues": [], "dataType": "Binary"},
        "from_api": {"stringValue": "7", "stringListValues": [], "binaryListValues": [], "dataType": "Number.int"},
        "binary_from_api": {"binaryValue": "aGk=", "stringListValues": [], "binaryListValues": [],
                            "dataType": "Binary"},
    }


def test_sqs_record_builds_a_record_from_a_received_message():
    record = events.sqs_record(
        message_id="m-1", receipt_handle="handle-1", body='{"a": 1}',
        queue_arn="arn:aws:sqs:eu-west-1:123456789012:input_queue",
        attributes={"ApproximateReceiveCount": 2, "SentTimestamp": "1", "SenderId": "AIDA",
                    "ApproximateFirstReceiveTimestamp": "2"},
        message_attributes={"kind": {"DataType": "String", "StringValue": "order"}},
        md5="as-reported-by-sqs")
    assert shape_differences({"Records": [record]}, sample("sqs-receive-message.json")) == []
    assert record["messageId"] == "m-1" and record["receiptHandle"] == "handle-1"
    assert record["awsRegion"] == "eu-west-1"  # read from the queue ARN
    assert record["attributes"]["ApproximateReceiveCount"] == "2"
    assert record["md5OfBody"] == "as-reported-by-sqs"
    assert record["messageAttributes"]["kind"]["stringValue"] == "order"
    computed = events.sqs_record(message_id="m", receipt_handle="h", body="Hello from SQS!", attributes={},
                                 queue_arn="arn:aws:sqs:us-east-1:123456789012:q")
    assert computed["md5OfBody"] == "7b270e59b47ff90a553787216d55d91d"


@pytest.mark.parametrize("call, error, words", [
    (lambda: events.sqs(queue="my queue"), ValueError, "queue 'my queue'"),
    (lambda: events.sqs(queue="x" * 81), ValueError, "1-80"),
    (lambda: events.sqs(body=""), ValueError, "empty"),
    (lambda: events.sqs(body="x" * (1024 * 1024 + 1)), ValueError, "1 MiB"),
    (lambda: events.sqs(body=42), TypeError, "body must be a str"),
    (lambda: events.sqs(records=[]), ValueError, "records"),
    (lambda: events.sqs(region="Paris"), ValueError, "region 'Paris'"),
    (lambda: events.sqs(account_id="12"), ValueError, "account_id '12'"),
    (lambda: events.sqs(message_attributes={"flag": True}), TypeError, "message attribute 'flag'"),
    (lambda: events.sqs(message_attributes={"x": {"StringValue": "1"}}), ValueError, "DataType"),
    (lambda: events.sqs_record(message_id="m", receipt_handle="h", body="b", attributes={},
                               queue_arn="input_queue"), ValueError, "queue_arn 'input_queue'"),
])
def test_sqs_bad_input_names_what_is_wrong(call, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(")):
        call()


def test_sqs_accepts_a_fifo_queue_name():
    assert events.sqs(queue="orders.fifo")["Records"][0]["eventSourceARN"].endswith(":orders.fifo")


# --- EventBridge schedule ------------------------------------------------------------------------

def test_scheduled_time_is_utc_to_the_second():
    assert events.scheduled(time=datetime(2015, 10, 8, 16, 53, 6, 999999))["time"] == "2015-10-08T16:53:06Z"
    paris = timezone(timedelta(hours=2))
    assert events.scheduled(time=datetime(2015, 10, 8, 18, 53, 6, tzinfo=paris))["time"] == "2015-10-08T16:53:06Z"


def test_scheduled_time_defaults_to_now_as_the_virtual_clock_sees_it():
    with time_machine.travel(datetime(2031, 1, 2, 3, 4, 5, tzinfo=timezone.utc), tick=False):
        assert events.scheduled()["time"] == "2031-01-02T03:04:05Z"


def test_scheduled_rule_region_and_account_make_the_resource_arn():
    event = events.scheduled("minuteur", region="eu-west-3", account_id="111122223333")
    assert event["resources"] == ["arn:aws:events:eu-west-3:111122223333:rule/minuteur"]
    assert (event["region"], event["account"], event["detail"]) == ("eu-west-3", "111122223333", {})


@pytest.mark.parametrize("call, error, words", [
    (lambda: events.scheduled(rule="no spaces"), ValueError, "rule 'no spaces'"),
    (lambda: events.scheduled(time="2020-01-01"), TypeError, "time must be a datetime"),
])
def test_scheduled_bad_input_names_what_is_wrong(call, error, words):
    with pytest.raises(error, match=words):
        call()


# --- API Gateway REST (payload 1.0) ---------------------------------------------------------------

def test_rest_query_keeps_the_last_value_and_every_value():
    event = events.api_gateway(query={"tag": ["a", "b"], "page": "2"})
    assert event["queryStringParameters"] == {"tag": "b", "page": "2"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "page": ["2"]}
    raw = events.api_gateway(query="?tag=a&tag=b&name=J%C3%A9r%C3%B4me+B")
    assert raw["queryStringParameters"] == {"tag": "b", "name": "Jérôme B"}
    assert raw["multiValueQueryStringParameters"]["tag"] == ["a", "b"]


def test_rest_headers_keep_their_case_the_last_value_and_every_value():
    event = events.api_gateway(headers=[("Accept", "text/html"), ("X-Tag", "a"), ("X-Tag", "b"),
                                        ("User-Agent", "curl/8.0")])
    assert event["headers"] == {"Accept": "text/html", "X-Tag": "b", "User-Agent": "curl/8.0"}
    assert event["multiValueHeaders"]["X-Tag"] == ["a", "b"]
    assert event["requestContext"]["identity"]["userAgent"] == "curl/8.0"


def test_rest_request_context_describes_the_call():
    event = events.api_gateway("delete", "/items/42", path_parameters={"id": "42"}, resource="/items/{id}",
                               stage="dev", time=APRIL_9_2015, request_id="req-1", source_ip="10.0.0.9",
                               authorizer={"claims": {"sub": "alice"}})
    context = event["requestContext"]
    assert event["httpMethod"] == context["httpMethod"] == "DELETE"
    assert (event["resource"], event["path"], event["pathParameters"]) == ("/items/{id}", "/items/42", {"id": "42"})
    assert context["path"] == "/dev/items/42" and context["resourcePath"] == "/items/{id}"
    assert context["requestTime"] == "09/Apr/2015:12:34:56 +0000"
    assert context["requestTimeEpoch"] == 1428582896000  # both as in AWS's sample for that moment
    assert (context["requestId"], context["stage"]) == ("req-1", "dev")
    assert context["identity"]["sourceIp"] == "10.0.0.9"
    assert context["authorizer"] == {"claims": {"sub": "alice"}}


def test_rest_request_id_is_a_new_uuid_each_time():
    first, second = (events.api_gateway()["requestContext"]["requestId"] for _ in range(2))
    assert first != second and len(first) == 36 and first.count("-") == 4


@pytest.mark.parametrize("build", [events.api_gateway, events.http_api])
def test_binary_body_is_base64_encoded_and_flagged(build):
    event = build("POST", "/upload", body=b"\x89PNG\r\n")
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x89PNG\r\n"
    already = build("POST", "/upload", body="iVBORw==", is_base64_encoded=True)
    assert (already["body"], already["isBase64Encoded"]) == ("iVBORw==", True)


@pytest.mark.parametrize("build", [events.api_gateway, events.http_api])
def test_json_body_is_sent_as_text(build):
    event = build("POST", "/items", body={"name": "pen"})
    assert json.loads(event["body"]) == {"name": "pen"} and event["isBase64Encoded"] is False


@pytest.mark.parametrize("build", [events.api_gateway, events.http_api])
@pytest.mark.parametrize("kwargs, error, words", [
    ({"method": "FETCH"}, ValueError, "method 'FETCH'"),
    ({"path": "items"}, ValueError, "path 'items' must start with '/'"),
    ({"query": {"page": 2}}, TypeError, "query parameter 'page' must be a string"),
    ({"headers": {"X-Count": None}}, TypeError, "header 'X-Count' must be a string"),
    ({"headers": ["Accept"]}, TypeError, "headers must be a dict"),
    ({"body": 3.5}, TypeError, "body must be a str"),
    ({"body": {"a": 1}, "is_base64_encoded": True}, ValueError, "is_base64_encoded=True"),
    ({"path_parameters": {"id": 42}}, TypeError, "path_parameters 'id' must be a string"),
    ({"authorizer": "alice"}, TypeError, "authorizer must be a dict"),
    ({"time": 0}, TypeError, "time must be a datetime"),
])
def test_api_bad_input_names_what_is_wrong(build, kwargs, error, words):
    with pytest.raises(error, match=words):
        build(**kwargs)


# --- API Gateway HTTP API (payload 2.0) -----------------------------------------------------------

def test_http_api_headers_are_lower_case_and_repeated_values_comma_joined():
    event = events.http_api(headers=[("Content-Type", "application/json"), ("X-Tag", "a"), ("x-tag", "b")])
    assert event["headers"] == {"content-type": "application/json", "x-tag": "a,b"}


def test_http_api_cookies_become_a_list_and_leave_the_headers():
    event = events.http_api(headers={"Cookie": "theme=dark; lang=fr", "Accept": "*/*"}, cookies=["session=1"])
    assert event["cookies"] == ["theme=dark", "lang=fr", "session=1"]
    assert event["headers"] == {"accept": "*/*"}


def test_http_api_query_is_raw_and_comma_joined():
    event = events.http_api(query={"tag": ["a", "b"], "q": "x y"})
    assert event["rawQueryString"] == "tag=a&tag=b&q=x%20y"
    assert event["queryStringParameters"] == {"tag": "a,b", "q": "x y"}
    raw = events.http_api(query="tag=a&tag=b")
    assert raw["rawQueryString"] == "tag=a&tag=b" and raw["queryStringParameters"] == {"tag": "a,b"}


def test_http_api_request_context_describes_the_call():
    event = events.http_api("put", "/items/42", path_parameters={"id": "42"}, route_key="PUT /items/{id}",
                            headers={"User-Agent": "curl/8.0"}, source_ip="10.0.0.9",
                            time=datetime(2020, 3, 12, 19, 3, 58, 390000), api_id="abc123defg",
                            region="eu-west-3", authorizer={"lambda": {"user": "alice"}})
    context = event["requestContext"]
    assert context["http"] == {"method": "PUT", "path": "/items/42", "protocol": "HTTP/1.1",
                               "sourceIp": "10.0.0.9", "userAgent": "curl/8.0"}
    assert event["routeKey"] == context["routeKey"] == "PUT /items/{id}"
    assert event["pathParameters"] == {"id": "42"} and event["rawPath"] == "/items/42"
    assert context["time"] == "12/Mar/2020:19:03:58 +0000" and context["timeEpoch"] == 1584039838390
    assert context["domainName"] == "abc123defg.execute-api.eu-west-3.amazonaws.com"
    assert context["domainPrefix"] == "abc123defg"
    assert context["authorizer"] == {"lambda": {"user": "alice"}}
    assert "authentication" not in context


def test_http_api_optional_keys_appear_when_the_request_has_them():
    event = full_http_event()
    for key in ("cookies", "queryStringParameters", "body", "pathParameters", "stageVariables"):
        assert key in event, key
    assert event["requestContext"]["authorizer"]["jwt"]["claims"] == {"claim1": "value1"}
    assert event["requestContext"]["authentication"]["clientCert"]["subjectDN"] == "www.example.com"


# --- S3 and SNS -------------------------------------------------------------------------------------

def test_s3_key_is_url_encoded_as_s3_does():
    assert events.s3_put(key="photos/my file (1).jpg")["Records"][0]["s3"]["object"]["key"] == \
        "photos/my+file+%281%29.jpg"


def test_s3_and_sns_times_have_milliseconds_and_a_z():
    moment = datetime(1970, 1, 1, 0, 0, 0, 123999)
    assert events.s3_put(time=moment)["Records"][0]["eventTime"] == "1970-01-01T00:00:00.123Z"
    assert events.sns(time=moment)["Records"][0]["Sns"]["Timestamp"] == "1970-01-01T00:00:00.123Z"


def test_s3_object_fields():
    record = events.s3_put("photos-bucket", "a.jpg", size=2048, etag="abc", region="eu-west-3")["Records"][0]
    assert record["s3"]["bucket"]["arn"] == "arn:aws:s3:::photos-bucket"
    assert record["s3"]["object"]["size"] == 2048 and record["s3"]["object"]["eTag"] == "abc"
    assert record["awsRegion"] == "eu-west-3" and record["eventName"] == "ObjectCreated:Put"


@pytest.mark.parametrize("call, error, words", [
    (lambda: events.s3_put(bucket="My_Bucket"), ValueError, "bucket 'My_Bucket'"),
    (lambda: events.s3_put(key=""), ValueError, "key ''"),
    (lambda: events.s3_put(size=-1), ValueError, "size -1"),
    (lambda: events.sns(topic="my topic"), ValueError, "topic 'my topic'"),
    (lambda: events.sns(message=None), TypeError, "message must be a str"),
    (lambda: events.sns(message_attributes={"x": None}), TypeError, "message attribute 'x'"),
])
def test_s3_and_sns_bad_input_names_what_is_wrong(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_sns_message_and_attributes():
    sns = events.sns({"order": 7}, topic="orders", subject="New order", message_attributes={
        "kind": "order", "count": 2, "raw": b"\x00", "tags": ["a", "b"]})["Records"][0]["Sns"]
    assert json.loads(sns["Message"]) == {"order": 7} and sns["Subject"] == "New order"
    assert sns["MessageAttributes"] == {
        "kind": {"Type": "String", "Value": "order"}, "count": {"Type": "Number", "Value": "2"},
        "raw": {"Type": "Binary", "Value": "AA=="}, "tags": {"Type": "String.Array", "Value": '["a", "b"]'}}
    record = events.sns(topic="orders")["Records"][0]
    assert record["EventSubscriptionArn"].startswith("arn:aws:sns:us-east-1:123456789012:orders:")


# --- every call builds a new event -----------------------------------------------------------------

def clear_everything(value: Any) -> None:
    """Empty every dict and list inside ``value``, however deep."""
    if isinstance(value, (dict, list)):
        for item in list(value.values() if isinstance(value, dict) else value):
            clear_everything(item)
        value.clear()


@pytest.mark.parametrize("build", [builder for builder, _ in BUILT_AND_SAMPLE])
def test_every_call_returns_a_new_event_that_shares_nothing(build):
    first, second = build(), build()
    snapshot = json.loads(json.dumps(second))
    clear_everything(first)
    assert second == snapshot and second


def test_an_event_does_not_share_the_dicts_passed_in():
    authorizer = {"jwt": {"claims": {"sub": "alice"}, "scopes": []}}
    path_parameters = {"id": "1"}
    event = events.http_api(authorizer=authorizer, path_parameters=path_parameters)
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = "mallory"
    event["pathParameters"]["id"] = "2"
    assert authorizer["jwt"]["claims"]["sub"] == "alice" and path_parameters == {"id": "1"}
