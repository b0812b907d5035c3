"""The front door on a real socket: an HTTP server that hands each request to the local API Gateway.

``python -m emulator serve`` answers on http://127.0.0.1:3000 as API Gateway would. The server is
Python's own ``http.server``: one thread per connection (so a handler that calls the API it is
served by does not wait for itself), HTTP/1.1 keep-alive, and no WSGI layer in between: the request
line, headers and body go straight into a :class:`~emulator.gateway.api_gateway.GatewayRequest`,
as API Gateway receives them, repeated headers kept apart (API Gateway's ``multiValueHeaders``).
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

from .api_gateway import GatewayRequest
from .proxy_responses import ProxyResponse

MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload quota: 10 MB


class GatewayServer(ThreadingHTTPServer):
    """An HTTP server whose every request is answered by ``handle`` (an ApiGateway's)."""

    daemon_threads = True  # a connection left open never keeps the process alive

    def __init__(self, host: str, port: int, handle: Callable[[GatewayRequest], ProxyResponse]) -> None:
        self.handle_request_of_gateway = handle
        super().__init__((host, port), _RequestHandler)

    @property
    def port(self) -> int:
        return self.server_address[1]


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as API Gateway's endpoints allow
    server: GatewayServer

    def handle_one_request(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if not self.raw_requestline:
            self.close_connection = True
            return
        if not self.parse_request():  # a malformed request line: http.server has answered 400
            return
        body = self._body()
        if body is None:
            return
        path, _, query = self.path.partition("?")
        answer = self.server.handle_request_of_gateway(GatewayRequest(
            method=self.command, raw_path=path, query_string=query, headers=list(self.headers.items()),
            body=body, source_ip=self.client_address[0], protocol=self.request_version))
        self._send(answer)

    def _body(self) -> bytes | None:
        """The request's body, sent with a Content-Length or in chunks; None after answering 413 for one
        over API Gateway's quota."""
        chunked = "chunked" in (self.headers.get("Transfer-Encoding") or "").lower()
        body = self._chunks() if chunked else self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if len(body) > MAX_BODY:
            self.send_error(413, "Request Entity Too Large")  # API Gateway's answer over its 10 MB quota
            self.close_connection = True
            return None
        return body

    def _chunks(self) -> bytes:
        body = bytearray()
        while (size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)) and len(body) <= MAX_BODY:
            body += self.rfile.read(size)
            self.rfile.readline()  # the CRLF after each chunk
        self.rfile.readline()  # the CRLF after the last, empty chunk
        return bytes(body)

    def _send(self, answer: ProxyResponse) -> None:
        self.send_response_only(answer.status)
        for name, value in answer.headers:
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)
        self.wfile.flush()

    def log_message(self, format: str, *args) -> None:
        """Silent: the gateway logs one more useful line per request itself."""
