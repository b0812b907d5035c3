"""The local API Gateway through Flask's test client: routes, events, responses, errors and CORS."""

from __future__ import annotations

import base64
import json
import logging

import pytest
from test_events import sample, shape_differences

from emulator.runtime import ResourceNotFoundException

ECHO = """
import json

def lambda_handler(event, context):
    return {"statusCode": 200, "headers": {"X-Function": context.function_name,
                                           "Access-Control-Allow-Origin": "https://function.example"},
            "body": json.dumps(event)}
"""
# Returns whatever the request's body says: the test writes the function's return value.
MIRROR = """
import json

def lambda_handler(event, context):
    return json.loads(event["body"])
"""
BOOM = """
def lambda_handler(event, context):
    raise ValueError("the database is on fire")
"""
SLOW = """
import time

def lambda_handler(event, context):
    time.sleep(float(event["queryStringParameters"]["seconds"]))
    return {"statusCode": 200, "body": "done"}
"""
CLOCK_MS = 1767614400000  # 2026-01-05 12:00 UTC, the conftest cloud's virtual time


@pytest.fixture
def gateway(cloud, write_handler):
    """The conftest cloud with functions echo, echo_any (same code), mirror, boom, slow and slow_api."""
    cloud.create_function("echo", code=write_handler(ECHO, "echo"))
    cloud.create_function("echo_any", code=write_handler(ECHO, "echo"))
    cloud.create_function("mirror", code=write_handler(MIRROR, "mirror"))
    cloud.create_function("boom", code=write_handler(BOOM, "boom"))
    cloud.create_function("slow", code=write_handler(SLOW, "slow"), timeout=3)
    cloud.create_function("slow_api", code=write_handler(SLOW, "slow"), timeout=60)
    return cloud


def client(cloud):
    return cloud.http_app().test_client()


def event_of(response) -> dict:
    assert response.status_code == 200, response.data
    return json.loads(response.data)


def returning(client_, path: str, value) -> object:
    """Ask the mirror function at ``path`` to return ``value``."""
    return client_.post(path, data=json.dumps(value), content_type="application/json")


# -- routes ------------------------------------------------------------------------------------

def test_path_parameter_and_greedy_parameter_reach_the_function(gateway):
    gateway.add_route("GET", "/items/{id}", "echo")
    gateway.add_route("GET", "/files/{proxy+}", "echo")
    api = client(gateway)
    item = event_of(api.get("/items/42"))
    assert (item["resource"], item["pathParameters"]) == ("/items/{id}", {"id": "42"})
    file = event_of(api.get("/files/docs/2026/report.pdf"))
    assert (file["resource"], file["pathParameters"]) == ("/files/{proxy+}", {"proxy": "docs/2026/report.pdf"})


def test_most_specific_route_wins_whatever_order_routes_were_added_in(gateway):
    gateway.add_route("ANY", "/{proxy+}", "echo_any")
    gateway.add_route("ANY", "/items/{id}", "echo_any")
    gateway.add_route("GET", "/items/{id}", "echo")
    gateway.add_route("GET", "/items/special", "echo")
    api = client(gateway)
    assert event_of(api.get("/items/special"))["resource"] == "/items/special"
    assert api.get("/items/7").headers["X-Function"] == "echo"  # an exact method beats ANY
    assert api.delete("/items/7").headers["X-Function"] == "echo_any"
    assert event_of(api.delete("/items/7"))["resource"] == "/items/{id}"  # {id} beats {proxy+}
    assert event_of(api.get("/items/7/parts"))["resource"] == "/{proxy+}"


def test_rest_greedy_parameter_does_not_match_the_root_path(gateway):
    gateway.add_route("ANY", "/{proxy+}", "echo")
    assert client(gateway).get("/").status_code == 403


def test_http_api_prefers_a_full_match_then_a_greedy_match_then_default(gateway):
    gateway.add_route("GET", "/{kind}/{name}/{part}", "echo", api="http")
    gateway.add_route("GET", "/pets/{proxy+}", "echo", api="http")
    gateway.add_route("ANY", "$default", "echo_any", api="http")
    api = client(gateway)
    assert event_of(api.get("/pets/dog/ears"))["routeKey"] == "GET /{kind}/{name}/{part}"
    assert event_of(api.get("/pets/dog"))["routeKey"] == "GET /pets/{proxy+}"
    fallback = event_of(api.post("/anything/else"))
    assert (fallback["routeKey"], fallback.get("pathParameters")) == ("$default", None)


def test_path_parameters_are_url_decoded_and_an_encoded_slash_stays_inside_one(gateway):
    gateway.add_route("GET", "/items/{id}", "echo")
    assert event_of(client(gateway).get("/items/a%20b%2Fc"))["pathParameters"] == {"id": "a b/c"}


@pytest.mark.parametrize("method, path, function, api, words", [
    ("GET", "items", "echo", "rest", "must start with '/'"),
    ("GET", "/{proxy+}/more", "echo", "rest", "must be the last segment"),
    ("GET", "/items/{id}x", "echo", "rest", "not a parameter"),
    ("FETCH", "/items", "echo", "rest", "is not one of GET"),
    ("GET", "/items", "echo", "graphql", "is not one of 'rest'"),
    ("ANY", "$default", "echo", "rest", "only in HTTP APIs"),
])
def test_bad_routes_are_refused_with_a_message_naming_the_problem(gateway, method, path, function, api, words):
    with pytest.raises(ValueError, match=words):
        gateway.add_route(method, path, function, api=api)


def test_a_route_to_an_unknown_function_is_refused_at_once(gateway):
    with pytest.raises(ResourceNotFoundException, match="nope"):
        gateway.add_route("GET", "/items", "nope")


# -- REST API events (payload 1.0) -------------------------------------------------------------

def test_rest_event_has_the_shape_of_the_aws_sample(gateway):
    gateway.add_route("POST", "/{proxy+}", "echo")
    event = event_of(client(gateway).post("/path/to/resource?foo=bar", json={"test": "body"}))
    # A stage without stage variables sends null, where the sample has some.
    assert shape_differences(event, sample("apigateway-rest-proxy-v1.json")) == [
        "$.stageVariables: expected object, got null"]


def test_rest_event_carries_query_headers_and_request_context(gateway):
    gateway.add_route("GET", "/items/{id}", "echo")
    event = event_of(client(gateway).get("/items/42?color=red&size=s&size=m",
                                         headers={"X-Trace": "abc", "User-Agent": "lab-test"}))
    assert event["queryStringParameters"] == {"color": "red", "size": "m"}
    assert event["multiValueQueryStringParameters"] == {"color": ["red"], "size": ["s", "m"]}
    assert event["headers"]["X-Trace"] == "abc" and event["multiValueHeaders"]["X-Trace"] == ["abc"]
    context = event["requestContext"]
    assert context["stage"] == "Prod" and context["path"] == "/Prod/items/42"
    assert (context["resourcePath"], context["httpMethod"]) == ("/items/{id}", "GET")
    assert context["accountId"] == gateway.account_id
    assert context["apiId"] == gateway.api_gateway.api_ids["rest"]
    assert context["identity"]["sourceIp"] == "127.0.0.1" and context["identity"]["userAgent"] == "lab-test"
    assert context["requestTimeEpoch"] == CLOCK_MS  # the virtual clock, not the wall clock
    assert event["body"] is None and event["isBase64Encoded"] is False


def test_rest_event_without_query_sends_null_parameters(gateway):
    gateway.add_route("GET", "/items", "echo")
    event = event_of(client(gateway).get("/items"))
    assert event["queryStringParameters"] is None and event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None


def test_rest_json_body_is_text_and_binary_body_is_base64(gateway):
    gateway.add_route("POST", "/upload", "echo")
    api = client(gateway)
    text = event_of(api.post("/upload", json={"a": 1}))
    assert (json.loads(text["body"]), text["isBase64Encoded"]) == ({"a": 1}, False)
    image = bytes(range(256))
    binary = event_of(api.post("/upload", data=image, content_type="image/png"))
    assert binary["isBase64Encoded"] is True and base64.b64decode(binary["body"]) == image


# -- HTTP API events (payload 2.0) -------------------------------------------------------------

def test_http_api_event_has_the_shape_of_the_aws_sample(gateway):
    gateway.add_route("POST", "/items/{id}", "echo", api="http")
    api = client(gateway)
    api.set_cookie("cookie1", "a")
    event = event_of(api.post("/items/1?parameter1=value1&parameter1=value2", json={"test": "body"}))
    # What a plain request has no reason to carry: a client certificate, an authorizer, stage variables.
    assert sorted(shape_differences(event, sample("apigateway-http-api-v2.json"))) == [
        "$.requestContext.authentication: missing", "$.requestContext.authorizer: missing",
        "$.stageVariables: missing"]


def test_http_api_event_carries_raw_request_cookies_and_lowercase_headers(gateway):
    gateway.add_route("GET", "/items/{id}", "echo", api="http")
    api = client(gateway)
    api.set_cookie("theme", "dark")
    api.set_cookie("lang", "fr")
    event = event_of(api.get("/items/a%20b?size=s&size=m&q=", headers={"X-Trace": "abc", "User-Agent": "lab"}))
    assert (event["version"], event["routeKey"]) == ("2.0", "GET /items/{id}")
    assert (event["rawPath"], event["rawQueryString"]) == ("/items/a%20b", "size=s&size=m&q=")
    assert event["queryStringParameters"] == {"size": "s,m", "q": ""}
    assert sorted(event["cookies"]) == ["lang=fr", "theme=dark"] and "cookie" not in event["headers"]
    assert event["headers"]["x-trace"] == "abc" and "X-Trace" not in event["headers"]
    assert event["pathParameters"] == {"id": "a b"}
    http = event["requestContext"]["http"]
    assert http == {"method": "GET", "path": "/items/a b", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                    "userAgent": "lab"}
    assert event["requestContext"]["timeEpoch"] == CLOCK_MS
    assert event["requestContext"]["stage"] == "$default"
    assert "body" not in event and event["isBase64Encoded"] is False


def test_http_api_binary_body_is_base64(gateway):
    gateway.add_route("PUT", "/blob", "echo", api="http")
    event = event_of(client(gateway).put("/blob", data=b"\x89PNG\x00\xff", content_type="application/octet-stream"))
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\x89PNG\x00\xff"


# -- responses -------------------------------------------------------------------------------

def test_rest_response_status_headers_multi_value_headers_and_body(gateway):
    gateway.add_route("POST", "/r", "mirror")
    response = returning(client(gateway), "/r", {
        "statusCode": 201, "headers": {"Content-Type": "text/plain", "X-Count": 3},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}, "body": "created"})
    assert response.status_code == 201 and response.data == b"created"
    assert response.headers["Content-Type"] == "text/plain" and response.headers["X-Count"] == "3"
    assert response.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    assert response.headers["x-amzn-RequestId"]


def test_rest_response_merges_headers_and_multi_value_headers(gateway):
    gateway.add_route("POST", "/r", "mirror")
    response = returning(client(gateway), "/r", {
        "statusCode": 200, "headers": {"X-Tag": "a", "X-Other": "1"},
        "multiValueHeaders": {"X-Tag": ["a", "b"], "X-Other": ["2"]}, "body": ""})
    assert response.headers.getlist("X-Tag") == ["a", "b"]  # "a" in both maps appears once
    assert sorted(response.headers.getlist("X-Other")) == ["1", "2"]


def test_rest_response_defaults_to_json_and_decodes_base64_bodies(gateway):
    gateway.add_route("POST", "/r", "mirror")
    api = client(gateway)
    plain = returning(api, "/r", {"statusCode": 200, "body": '{"ok": true}'})
    assert plain.headers["Content-Type"] == "application/json" and plain.get_json() == {"ok": True}
    image = bytes(range(256))
    binary = returning(api, "/r", {"statusCode": 200, "headers": {"Content-Type": "image/png"},
                                   "body": base64.b64encode(image).decode(), "isBase64Encoded": True})
    assert binary.data == image


@pytest.mark.parametrize("value, body", [
    ({"message": "hi"}, b'{"message": "hi"}'),
    ([1, 2, 3], b"[1, 2, 3]"),
    ("Hello from Lambda!", b"Hello from Lambda!"),
    (42, b"42"),
])
def test_http_api_infers_a_json_200_from_a_bare_return_value(gateway, value, body):
    gateway.add_route("POST", "/r", "mirror", api="http")
    response = returning(client(gateway), "/r", value)
    assert (response.status_code, response.data) == (200, body)
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["apigw-requestid"]


def test_http_api_response_cookies_become_set_cookie_headers(gateway):
    gateway.add_route("POST", "/r", "mirror", api="http")
    response = returning(client(gateway), "/r", {"statusCode": 200, "cookies": ["a=1; Path=/", "b=2"],
                                                 "headers": {"content-type": "text/plain"}, "body": "ok"})
    assert response.headers.getlist("Set-Cookie") == ["a=1; Path=/", "b=2"]
    assert (response.headers["Content-Type"], response.data) == ("text/plain", b"ok")


def test_http_api_decodes_a_base64_response_body(gateway):
    gateway.add_route("POST", "/r", "mirror", api="http")
    response = returning(client(gateway), "/r", {"statusCode": 200, "isBase64Encoded": True,
                                                 "body": base64.b64encode(b"\x00\x01\x02").decode()})
    assert response.data == b"\x00\x01\x02"


# -- errors, exactly as API Gateway answers them ---------------------------------------------------

def test_unknown_rest_route_is_403_missing_authentication_token(gateway):
    gateway.add_route("GET", "/items", "echo")
    api = client(gateway)
    for response in (api.get("/nothing/here"), api.post("/items")):
        assert response.status_code == 403
        assert response.data == b'{"message":"Missing Authentication Token"}'
        assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_unknown_http_api_route_is_404_not_found(gateway):
    gateway.add_route("GET", "/items", "echo", api="http")
    response = client(gateway).get("/nothing/here")
    assert (response.status_code, response.data) == (404, b'{"message":"Not Found"}')


def test_rest_function_error_is_502_and_the_logs_say_why(gateway, caplog):
    gateway.add_route("GET", "/boom", "boom")
    with caplog.at_level(logging.INFO, logger="emulator.gateway.api_gateway"):
        response = client(gateway).get("/boom")
    assert (response.status_code, response.data) == (502, b'{"message": "Internal server error"}')
    assert "ValueError: the database is on fire" in gateway.logs("boom")
    assert any("502" in line and "the database is on fire" in line for line in caplog.messages)


def test_rest_function_timeout_is_502(gateway):
    gateway.add_route("GET", "/slow", "slow")
    response = client(gateway).get("/slow?seconds=10")
    assert (response.status_code, response.data) == (502, b'{"message": "Internal server error"}')
    assert "Task timed out after 3.00 seconds" in gateway.logs("slow")


@pytest.mark.parametrize("value", [
    {"Hello": "World"},  # not a proxy response at all
    {"statusCode": 200, "body": {"not": "a string"}},
    {"statusCode": "OK", "body": ""},
    ["a", "list"],
])
def test_rest_malformed_response_is_502_and_the_server_log_says_why(gateway, caplog, value):
    gateway.add_route("POST", "/r", "mirror")
    with caplog.at_level(logging.INFO, logger="emulator.gateway.api_gateway"):
        response = returning(client(gateway), "/r", value)
    assert (response.status_code, response.data) == (502, b'{"message": "Internal server error"}')
    assert any("malformed Lambda proxy response" in line for line in caplog.messages)


def test_http_api_function_error_timeout_and_malformed_response_are_500(gateway):
    gateway.add_route("GET", "/boom", "boom", api="http")
    gateway.add_route("GET", "/slow", "slow", api="http")
    gateway.add_route("POST", "/r", "mirror", api="http")
    api = client(gateway)
    internal = (500, b'{"message":"Internal Server Error"}')
    assert (api.get("/boom").status_code, api.get("/boom").data) == internal
    assert (api.get("/slow?seconds=10").status_code, api.get("/slow?seconds=10").data) == internal
    malformed = returning(api, "/r", {"statusCode": 200, "body": ["x"]})
    assert (malformed.status_code, malformed.data) == internal


def test_function_slower_than_the_integration_timeout_gets_a_gateway_timeout(gateway):
    gateway.add_route("GET", "/rest", "slow_api")
    gateway.add_route("GET", "/http", "slow_api", api="http")
    api = client(gateway)
    rest = api.get("/rest?seconds=35")
    assert (rest.status_code, rest.data) == (504, b'{"message": "Endpoint request timed out"}')
    http = api.get("/http?seconds=35")
    assert (http.status_code, http.data) == (503, b'{"message":"Service Unavailable"}')
    assert api.get("/rest?seconds=5").status_code == 200


# -- CORS --------------------------------------------------------------------------------------

def test_http_api_answers_preflight_and_adds_cors_headers_to_responses(gateway):
    gateway.add_route("GET", "/items", "echo", api="http")
    gateway.api_gateway.set_cors("http", ["https://shop.example.com"], ["GET", "POST"], ["Authorization"],
                                 expose_headers=["X-Function"], max_age=300)
    api = client(gateway)
    preflight = api.options("/items", headers={"Origin": "https://shop.example.com",
                                               "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204 and preflight.data == b""
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://shop.example.com"
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET,POST"
    assert preflight.headers["Access-Control-Allow-Headers"] == "Authorization"
    assert preflight.headers["Access-Control-Max-Age"] == "300"
    response = api.get("/items", headers={"Origin": "https://shop.example.com"})
    # The function's own Access-Control-Allow-Origin is replaced by the API's configuration.
    assert response.headers.getlist("Access-Control-Allow-Origin") == ["https://shop.example.com"]
    assert response.headers["Access-Control-Expose-Headers"] == "X-Function"
    stranger = api.get("/items", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in stranger.headers


def test_http_api_answers_preflight_even_without_a_route(gateway):
    gateway.add_route("GET", "/items", "echo", api="http")
    gateway.api_gateway.set_cors("http", "*")
    preflight = client(gateway).options("/elsewhere", headers={"Origin": "https://a.example",
                                                               "Access-Control-Request-Method": "GET"})
    assert (preflight.status_code, preflight.headers["Access-Control-Allow-Origin"]) == (204, "*")


def test_rest_api_preflight_is_a_mock_and_normal_responses_keep_the_functions_headers(gateway):
    gateway.add_route("GET", "/items/{id}", "echo")
    gateway.add_route("DELETE", "/items/{id}", "echo")
    gateway.api_gateway.set_cors("rest", "'https://shop.example.com'", allow_headers="'Content-Type,X-Api-Key'")
    api = client(gateway)
    preflight = api.options("/items/3", headers={"Origin": "https://shop.example.com",
                                                 "Access-Control-Request-Method": "DELETE"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://shop.example.com"
    assert preflight.headers["Access-Control-Allow-Methods"] == "DELETE,GET,OPTIONS"
    assert preflight.headers["Access-Control-Allow-Headers"] == "Content-Type,X-Api-Key"
    response = api.get("/items/3", headers={"Origin": "https://shop.example.com"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://function.example"
    assert api.options("/unknown").status_code == 403


def test_cors_with_credentials_needs_named_origins(gateway):
    with pytest.raises(ValueError, match="cannot be used with allow_origins"):
        gateway.api_gateway.set_cors("http", "*", allow_credentials=True)
