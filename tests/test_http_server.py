"""The front door over real HTTP on 127.0.0.1: the Flask app in a server, and ``python -m emulator serve``."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import urllib.error
import urllib.request

import pytest
from werkzeug.serving import make_server

HELLO = """
import json

def lambda_handler(event, context):
    name = {**(event.get("queryStringParameters") or {}), **(event.get("pathParameters") or {})}.get("name", "?")
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"greeting": "%s, " + name, "path": event.get("rawPath", event.get("path"))})}
"""
TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: hello/
      Handler: lambda_function.lambda_handler
      Runtime: python3.11
      Events:
        Greet:
          Type: HttpApi
          Properties:
            Path: /hello/{name}
            Method: GET
        Items:
          Type: Api
          Properties:
            Path: /items
            Method: get
"""


def hello(greeting: str) -> str:
    return HELLO.replace("%s", greeting)


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def server(cloud, write_handler):
    """The cloud's Flask app served by Werkzeug on a free port of 127.0.0.1, in a thread."""
    cloud.create_function("hello", code=write_handler(hello("Hello"), "hello"))
    cloud.add_route("GET", "/items", "hello")
    cloud.add_route("GET", "/hello/{name}", "hello", api="http")
    running = make_server("127.0.0.1", 0, cloud.http_app(), threaded=True)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{running.server_port}"
    running.shutdown()
    thread.join()
    running.server_close()


@pytest.mark.slow
def test_real_http_requests_on_loopback_reach_the_function(server):
    status, body = fetch(f"{server}/items?name=Ada")
    assert (status, json.loads(body)["greeting"]) == (200, "Hello, Ada")
    status, body = fetch(f"{server}/hello/caf%C3%A9")
    assert (status, json.loads(body)["path"]) == (200, "/hello/caf%C3%A9")  # rawPath: as sent
    assert fetch(f"{server}/missing") == (403, b'{"message":"Missing Authentication Token"}')


@pytest.mark.slow
def test_serve_command_prints_routes_answers_requests_and_reloads_edited_code(tmp_path):
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "hello").mkdir()
    handler = tmp_path / "hello" / "lambda_function.py"
    handler.write_text(hello("Hello"))
    log = tmp_path / "server.log"
    with log.open("w") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "emulator", "serve", "template.yaml", "--port", "0"],
                                   cwd=tmp_path, stdout=subprocess.PIPE, stderr=stderr, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    try:
        printed = []
        while not printed or not printed[-1].startswith("Serving on "):
            printed.append(lines.get(timeout=60))
        base_url = printed[-1].split()[2]
        assert base_url.startswith("http://127.0.0.1:")
        table = "".join(printed)
        assert f"GET     {base_url}/hello/{{name}}" in table and "HTTP API" in table
        assert f"GET     {base_url}/items" in table and "REST API" in table

        status, body = fetch(f"{base_url}/hello/Ada")
        assert (status, json.loads(body)["greeting"]) == (200, "Hello, Ada")
        handler.write_text(hello("Bonjour, bonjour"))  # a longer file: a different size and mtime
        status, body = fetch(f"{base_url}/hello/Ada")
        assert (status, json.loads(body)["greeting"]) == (200, "Bonjour, bonjour, Ada")
        assert fetch(f"{base_url}/items?name=Bob")[0] == 200
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0
    request_lines = [line for line in log.read_text().splitlines() if " -> " in line]
    assert len(request_lines) == 3
    assert "GET /hello/Ada -> Hello 200" in request_lines[0] and "GET /items -> Hello 200" in request_lines[2]


@pytest.mark.slow
def test_serve_command_reports_a_missing_template(tmp_path):
    result = subprocess.run([sys.executable, "-m", "emulator", "serve", str(tmp_path / "nope.yaml")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "nope.yaml" in result.stderr


def test_the_server_keeps_connections_open_and_repeated_headers_apart(tmp_path):
    """HTTP/1.1 keep-alive on one connection, and a repeated header reaches multiValueHeaders as two
    values, as API Gateway delivers it."""
    import http.client
    import json
    import threading

    from emulator import LocalCloud
    from emulator.gateway.server import GatewayServer

    (tmp_path / "fn").mkdir()
    (tmp_path / "fn" / "lambda_function.py").write_text(
        "import json\ndef lambda_handler(event, context):\n"
        "    return {'statusCode': 200, 'body': json.dumps(event['multiValueHeaders'].get('X-Tag'))}\n")
    with LocalCloud() as cloud:
        cloud.create_function("tags", code=tmp_path / "fn")
        cloud.add_route("POST", "/tags", "tags")
        server = GatewayServer("127.0.0.1", 0, cloud.api_gateway.handle)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            for _ in range(3):  # three requests, one connection
                connection.putrequest("POST", "/tags")
                connection.putheader("X-Tag", "a")
                connection.putheader("X-Tag", "b")
                connection.putheader("Content-Length", "2")
                connection.endheaders(b"{}")
                response = connection.getresponse()
                assert response.status == 200 and json.loads(response.read()) == ["a", "b"]
            connection.close()
        finally:
            server.shutdown()
            server.server_close()


ECHO = """
import json

def lambda_handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"body": event["body"], "headers": event["multiValueHeaders"]})}
"""


@pytest.fixture
def gateway_server(cloud, write_handler):
    """The serve command's server (GatewayServer) in a thread, in front of an echoing function."""
    from emulator.gateway.server import GatewayServer

    server = GatewayServer("127.0.0.1", 0, cloud.api_gateway.handle)
    cloud.create_function("echo", code=write_handler(ECHO, "echo"))
    cloud.add_route("ANY", "/echo", "echo")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    thread.join()
    server.server_close()


def exchange(server, raw: bytes) -> bytes:
    """Send ``raw`` bytes on a new connection; everything the server sends until it closes it."""
    import socket

    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(raw)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def test_a_kept_open_connection_gets_each_answer_in_one_piece(gateway_server):
    """Status line, headers and body leave in one write: a response in two small writes would wait for
    the client's delayed acknowledgement, 40 ms a request on a kept-open connection."""
    import socket

    with socket.create_connection(("127.0.0.1", gateway_server.port), timeout=10) as connection:
        for attempt in range(3):
            connection.sendall(b"GET /echo HTTP/1.1\r\nHost: x\r\n\r\n")
            first_read = connection.recv(65536)
            head, _, body = first_read.partition(b"\r\n\r\n")
            length = int(next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
                         .split(b":")[1])
            assert head.startswith(b"HTTP/1.1 200 OK") and len(body) == length > 0, attempt


def test_connections_left_open_do_not_hold_up_others(gateway_server):
    """Each open connection has a thread of its own (a browser keeps idle ones open); threads that
    finished with theirs serve the next ones."""
    import socket

    idle = [socket.create_connection(("127.0.0.1", gateway_server.port), timeout=10) for _ in range(3)]
    try:
        for _ in range(5):
            assert fetch(f"http://127.0.0.1:{gateway_server.port}/echo")[0] == 200
    finally:
        for connection in idle:
            connection.close()
    threads = [thread for thread in threading.enumerate() if thread.name == "lambda-lab-http"]
    assert 4 <= len(threads) <= 8  # one per connection open at once, not one per request


@pytest.mark.parametrize("raw, status, reason", [
    (b"GET /echo HTTP/1.1\r\nHost x\r\n\r\n", 400, b"Bad header line"),
    (b"GET /echo HTTP/1.1\r\n Host: x\r\n\r\n", 400, b"Bad header line"),
    (b"POST /echo HTTP/1.1\r\nContent-Length: ten\r\n\r\n", 400, b"Bad Content-Length"),
    (b"POST /echo HTTP/1.1\r\nContent-Length: 10485761\r\n\r\n", 413, b"Request Entity Too Large"),
    (b"POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, b"Bad chunk size"),
    (b"GET /echo HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % n for n in range(101)) + b"\r\n", 431, b"Too many headers"),
    (b"GET /echo HTTP/1.1\r\nX: " + b"y" * 70000 + b"\r\n\r\n", 431, b"Line too long"),
    (b"GET /echo HTTP/2.0\r\n\r\n", 505, b"Invalid HTTP version"),
    (b"GET /echo\r\n\r\n", 400, b"Bad request line"),
])
def test_a_malformed_request_is_answered_with_what_was_wrong(gateway_server, raw, status, reason):
    """http.server's answers to a malformed request, each naming what was wrong; an oversize body is
    refused from its Content-Length, before it is read (API Gateway's 10 MB quota)."""
    answer = exchange(gateway_server, raw)
    assert answer.startswith(b"HTTP/1.1 %d " % status) and reason in answer, answer[:300]


def test_bodies_in_chunks_folded_headers_and_connection_close(gateway_server):
    answer = exchange(gateway_server, b"POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\nX-Note: one\r\n two\r\n"
                                      b"Connection: close\r\n\r\n4\r\nWiki\r\n6;ext=1\r\npedia \r\n0\r\nTrailer: t\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")  # the server closed the connection after one answer
    event = json.loads(body)
    assert head.startswith(b"HTTP/1.1 200") and event["body"] == "Wikipedia "
    assert event["headers"]["X-Note"] == ["one two"]


def test_http_1_0_closes_unless_kept_alive_and_expect_100_continue_is_answered(gateway_server):
    assert exchange(gateway_server, b"GET /echo HTTP/1.0\r\n\r\n").startswith(b"HTTP/1.1 200")  # then closed
    answer = exchange(gateway_server, b"POST /echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n"
                                      b"Connection: close\r\n\r\nhi")
    assert answer.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200") and b'"body": "hi"' in answer
