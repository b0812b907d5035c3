"""Fake third-party APIs: a handler's ``requests`` calls answered in-process, on the virtual clock, traced."""

from __future__ import annotations

import json
import socket

import pytest
import requests

from emulator.notebook.fake_apis import FakeApi, fake_api

TODO = {"userId": 1, "id": 1, "title": "delectus aut autem", "completed": False}

CALLER = """
import os

import requests

def lambda_handler(event, context):
    answer = requests.request(event.get("method", "GET"), os.environ["API"] + event["path"])
    return {"status": answer.status_code, "body": answer.json(), "type": answer.headers["Content-Type"]}
"""

TRACED = """
import os

import requests
from aws_xray_sdk.core import patch_all

patch_all()

def lambda_handler(event, context):
    return requests.get(os.environ["API"] + "/todos/1").json()
"""


class SocketOpened(AssertionError):
    pass


@pytest.fixture
def no_sockets(monkeypatch):
    """Any connection, even to 127.0.0.1, or any name lookup fails the test: a fake API needs no socket."""
    def refuse(*args, **kwargs):
        raise SocketOpened(f"a socket was used: {args[1:]!r}")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def todos():
    with FakeApi("https://api.example.com", {"/todos/1": TODO}, delay=0.15) as api:
        yield api


def test_a_handlers_requests_call_gets_the_fake_answer(cloud, write_handler, todos, no_sockets):
    cloud.create_function("caller", code=write_handler(CALLER), environment={"API": todos.base_url})
    result = cloud.invoke("caller", {"path": "/todos/1"})
    assert result.error is None, result.error
    assert result.payload == {"status": 200, "body": TODO, "type": "application/json"}
    assert [request.url for request in todos.requests] == ["https://api.example.com/todos/1"]


def test_the_delay_is_the_handlers_time_on_the_virtual_clock(cloud, write_handler, todos, no_sockets):
    todos.delay = 5  # five seconds of waiting, simulated: the test does not wait for them
    cloud.create_function("caller", code=write_handler(CALLER), environment={"API": todos.base_url}, timeout=10)
    result = cloud.invoke("caller", {"path": "/todos/1"})
    assert result.error is None
    assert 5000 <= result.duration_ms < 5900 and result.billed_duration_ms >= 5000


def test_the_delay_counts_towards_the_timeout(cloud, write_handler, todos):
    todos.delay = 5
    cloud.create_function("caller", code=write_handler(CALLER), environment={"API": todos.base_url}, timeout=3)
    result = cloud.invoke("caller", {"path": "/todos/1"})
    assert result.error["errorType"] == "Sandbox.Timedout" or "Task timed out" in result.error["errorMessage"]


def test_the_xray_sdk_records_the_call_as_a_remote_subsegment_as_wide_as_the_delay(
        cloud, write_handler, todos, no_sockets):
    cloud.create_function("traced", code=write_handler(TRACED), environment={"API": todos.base_url},
                          tracing="Active")
    result = cloud.invoke("traced")
    assert result.payload == TODO
    [http] = cloud.trace(result).find("api.example.com")
    assert http.namespace == "remote"
    assert http.http["request"]["url"] == "https://api.example.com/todos/1"
    assert http.http["response"]["status"] == 200
    assert 150 <= http.duration_ms < 400  # the delay, on the trace's clock
    assert http.duration_ms <= result.duration_ms


def test_an_unknown_path_is_a_404_naming_the_paths_there_are(cloud, write_handler, todos, no_sockets):
    cloud.create_function("caller", code=write_handler(CALLER), environment={"API": todos.base_url})
    answer = cloud.invoke("caller", {"path": "/todos/2"}).payload
    assert answer["status"] == 404
    assert answer["body"]["message"] == (
        "the fake API https://api.example.com has no GET /todos/2; it answers GET /todos/1")
    assert cloud.invoke("caller", {"path": "/todos/1", "method": "DELETE"}).payload["status"] == 404


def test_routes_can_name_a_method_a_status_or_compute_the_answer(no_sockets):
    with fake_api("https://shop.example", {
            "POST /orders": lambda request: (201, {"received": json.loads(request.body)}),
            "/health": "ok", "/teapot": (418, {"short": "and stout"})}):
        created = requests.post("https://shop.example/orders", json={"item": "book"})
        assert (created.status_code, created.json(), created.reason) == (201, {"received": {"item": "book"}}, "Created")
        health = requests.get("https://shop.example/health")
        assert (health.text, health.headers["content-type"]) == ("ok", "text/plain; charset=utf-8")
        assert requests.get("https://shop.example/teapot").status_code == 418
        session = requests.Session()  # a session of its own reaches it too
        assert session.get("https://shop.example/health").ok


def test_a_closed_or_missing_fake_api_fails_here_and_sends_nothing(no_sockets):
    api = fake_api("https://api.example.com", {"/todos/1": TODO})
    assert requests.get(api.url("/todos/1")).json() == TODO
    api.close()
    with pytest.raises(requests.ConnectionError, match="no fake API answers https://api.example.com/todos/1"):
        requests.get("https://api.example.com/todos/1")
    with pytest.raises(requests.ConnectionError, match="Nothing was sent to the internet"):
        requests.get("http://weather.example.org/today")  # a reserved name, never the internet


def test_running_the_cell_again_replaces_the_api_of_that_url(no_sockets):
    first = fake_api("https://api.example.com", {"/a": {"v": 1}})
    second = fake_api("https://api.example.com", {"/a": {"v": 2}})
    try:
        assert requests.get("https://api.example.com/a").json() == {"v": 2}
        first.close()  # closing the replaced one leaves the new one open
        assert requests.get("https://api.example.com/a").json() == {"v": 2}
    finally:
        second.close()


@pytest.mark.parametrize("base_url, message", [
    ("https://jsonplaceholder.typicode.com", "cannot be a real one"),
    ("https://api.example.com/v1", "no path"),
    ("api.example.com", "a scheme and a host"),
])
def test_a_base_url_must_be_a_reserved_host_without_a_path(base_url, message):
    with pytest.raises(ValueError, match=message):
        FakeApi(base_url)


def test_a_bad_route_or_delay_is_named():
    with pytest.raises(ValueError, match="route 'todos/1' must be a path"):
        FakeApi("https://api.example.com", {"todos/1": {}})
    with pytest.raises(ValueError, match="delay -1"):
        FakeApi("https://api.example.com", delay=-1)


def test_other_hosts_still_go_through_requests_own_adapter(cloud):
    """moto's own ``responses`` mock (active in the cloud) and real adapters are left as they were."""
    with fake_api("https://api.example.com"):
        adapter = requests.Session().get_adapter("http://127.0.0.1:9/")
        assert isinstance(adapter, requests.adapters.HTTPAdapter)


def test_it_coexists_with_motos_own_requests_mock(no_sockets):
    """moto's ``mock_aws`` patches ``requests`` with ``responses`` (passing unknown URLs through to the
    network): a fake API answers before it, whichever starts or stops first, and nothing passes through."""
    from emulator import LocalCloud

    api = fake_api("https://api.example.com", {"/todos/1": TODO})
    try:
        with LocalCloud():
            assert requests.get(api.url("/todos/1")).json() == TODO
            with pytest.raises(requests.ConnectionError, match="no fake API answers"):
                requests.get("https://other.example.com/")
        assert requests.get(api.url("/todos/1")).json() == TODO  # moto stopped, the fake API still answers
    finally:
        api.close()
