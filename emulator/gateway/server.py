"""The front door on a real socket: an HTTP server that hands each request to the local API Gateway.

``python -m emulator serve`` answers on http://127.0.0.1:3000 as API Gateway would. The server is
Python's own ``http.server``, with HTTP/1.1 keep-alive and no WSGI layer in between: the request
line, headers and body go straight into a :class:`~emulator.gateway.api_gateway.GatewayRequest`,
as API Gateway receives them, repeated headers kept apart (API Gateway's ``multiValueHeaders``).
Each connection is served by a thread of its own (a browser keeps idle connections open, which must
not hold up the others), taken from a pool: a thread that finished with one connection waits for the
next, as starting a thread costs more than the rest of a small request. The runtime still runs one
handler at a time, so a handler that calls the API it is served by over HTTP waits for itself until
its timeout, where AWS would start a second instance: invoke the function with boto3 instead.
"""

from __future__ import annotations

import queue
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Callable

from .api_gateway import GatewayRequest
from .proxy_responses import ProxyResponse

MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload quota: 10 MB
MAX_LINE = 65536  # http.server's limits on a request line or header line, and on the number of headers
MAX_HEADERS = 100
VERSION = re.compile(r"HTTP/\d\.\d")


class BadRequest(Exception):
    """A request the server answers by itself: ``status`` and what was wrong."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class RequestHeaders:
    """A request's headers in the order they came, repeated ones kept apart; ``get`` finds the first
    of a name, whatever its case (what http.server's ``email.message.Message`` answers, for less)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs

    def items(self) -> list[tuple[str, str]]:
        return list(self._pairs)

    def get(self, name: str, default: str | None = None) -> str | None:
        name = name.lower()
        return next((value for key, value in self._pairs if key.lower() == name), default)


def read_headers(rfile) -> RequestHeaders:
    """The header lines up to the blank line, each ``Name: value``; a folded line (obsolete, RFC 9112
    5.2) continues the one before it, joined by a space. http.server hands them to the email package,
    whose parser cost a third of a small request's time here."""
    pairs: list[tuple[str, str]] = []
    while (line := rfile.readline(MAX_LINE + 1)) not in (b"\r\n", b"\n", b""):
        if len(line) > MAX_LINE:
            raise BadRequest(431, "Line too long")
        text = line.decode("iso-8859-1").rstrip("\r\n")
        if text[:1] in (" ", "\t") and pairs:
            pairs[-1] = (pairs[-1][0], f"{pairs[-1][1]} {text.strip()}")
            continue
        name, colon, value = text.partition(":")
        if not colon or not name or name != name.strip():
            raise BadRequest(400, f"Bad header line ({text!r}): each is Name: value")
        if len(pairs) == MAX_HEADERS:
            raise BadRequest(431, f"Too many headers (more than {MAX_HEADERS})")
        pairs.append((name, value.strip(" \t")))
    return RequestHeaders(pairs)


class _ThreadPool:
    """Threads that each serve one connection at a time: a new one starts only when none is free."""

    def __init__(self, serve: Callable[[object, object], None]) -> None:
        self._serve = serve
        self._waiting: queue.SimpleQueue = queue.SimpleQueue()  # connections, then None per thread to stop
        self._lock = threading.Lock()
        self._free = 0  # threads waiting for a connection that no queued connection is meant for
        self._threads = 0

    def hand(self, connection: object, address: object) -> None:
        with self._lock:
            start = self._free == 0
            if start:
                self._threads += 1
            else:
                self._free -= 1
        self._waiting.put((connection, address))
        if start:  # a daemon: a connection left open never keeps the process alive
            threading.Thread(target=self._work, name="lambda-lab-http", daemon=True).start()

    def stop(self) -> None:
        """End every thread once it has finished its connection."""
        with self._lock:
            for _ in range(self._threads):
                self._waiting.put(None)
            self._threads = self._free = 0

    def _work(self) -> None:
        while (job := self._waiting.get()) is not None:
            self._serve(*job)
            with self._lock:
                self._free += 1


class GatewayServer(HTTPServer):
    """An HTTP server whose every request is answered by ``handle`` (an ApiGateway's)."""

    def __init__(self, host: str, port: int, handle: Callable[[GatewayRequest], ProxyResponse]) -> None:
        self.handle_request_of_gateway = handle
        self._pool = _ThreadPool(self._serve_connection)
        super().__init__((host, port), _RequestHandler)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def process_request(self, request, client_address) -> None:
        """Hand an accepted connection to a thread of the pool (socketserver calls this)."""
        self._pool.hand(request, client_address)

    def server_close(self) -> None:
        super().server_close()
        self._pool.stop()

    def _serve_connection(self, request, client_address) -> None:
        """What socketserver's ThreadingMixIn does in its thread: serve, report a failure, close."""
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as API Gateway's endpoints allow
    disable_nagle_algorithm = True  # TCP_NODELAY: each answer leaves at once
    server: GatewayServer

    def handle_one_request(self) -> None:
        self.raw_requestline = self.rfile.readline(MAX_LINE + 1)
        if not self.raw_requestline:
            self.close_connection = True
            return
        try:
            if not self.parse_request():  # a malformed request line: http.server has answered 400
                return
            body = self._body()
        except BadRequest as bad:
            self.send_error(bad.status, str(bad))
            self.close_connection = True  # what follows on the connection cannot be told apart
            return
        path, _, query = self.path.partition("?")
        answer = self.server.handle_request_of_gateway(GatewayRequest(
            method=self.command, raw_path=path, query_string=query, headers=self.headers.items(),
            body=body, source_ip=self.client_address[0], protocol=self.request_version))
        self._send(answer)

    def parse_request(self) -> bool:
        """Read the request line and the headers (http.server's own parsing, through the email package,
        cost more than the gateway itself); False when there is nothing to answer."""
        self.command = None  # what send_error() looks at, should the line be malformed
        self.request_version = "HTTP/1.0"  # send_error() answers with a status line (HTTP/0.9 had none)
        if len(self.raw_requestline) > MAX_LINE:
            raise BadRequest(414, "Request-URI Too Long")
        self.requestline = self.raw_requestline.decode("iso-8859-1").rstrip("\r\n")
        words = self.requestline.split()
        if not words:
            return False
        if len(words) != 3 or not VERSION.fullmatch(words[2]):
            raise BadRequest(400, f"Bad request line ({self.requestline[:200]!r}): METHOD /path HTTP/1.1")
        self.command, self.path, self.request_version = words
        if self.request_version >= "HTTP/2":
            raise BadRequest(505, f"Invalid HTTP version ({self.request_version}): HTTP/1.0 or HTTP/1.1")
        self.headers = read_headers(self.rfile)
        connection = (self.headers.get("Connection") or "").lower()
        # HTTP/1.1 keeps a connection open unless told to close it; HTTP/1.0 closes it unless told not to.
        self.close_connection = connection == "close" or (self.request_version == "HTTP/1.0" and connection != "keep-alive")
        expect = (self.headers.get("Expect") or "").lower()
        return not (expect == "100-continue" and self.request_version == "HTTP/1.1") or self.handle_expect_100()

    def _body(self) -> bytes:
        """The request's body, sent with a Content-Length or in chunks; 413 for one over API Gateway's
        quota (its answer over 10 MB), before reading it."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._chunks()
        length = self.headers.get("Content-Length") or "0"
        if not length.isdigit():
            raise BadRequest(400, f"Bad Content-Length ({length!r}): a number of bytes")
        if int(length) > MAX_BODY:
            raise BadRequest(413, "Request Entity Too Large")
        return self.rfile.read(int(length))

    def _chunks(self) -> bytes:
        body = bytearray()
        while size := self._chunk_size():
            if len(body) + size > MAX_BODY:
                raise BadRequest(413, "Request Entity Too Large")
            body += self.rfile.read(size)
            self.rfile.readline()  # the CRLF after each chunk
        read_headers(self.rfile)  # the trailer, if any, up to the blank line after the last, empty chunk
        return bytes(body)

    def _chunk_size(self) -> int:
        line = self.rfile.readline(MAX_LINE + 1).split(b";")[0].strip()
        try:
            size = int(line, 16)
        except ValueError:
            size = -1
        if size < 0:
            raise BadRequest(400, f"Bad chunk size ({line[:40]!r}): a hexadecimal number")
        return size

    def _send(self, answer: ProxyResponse) -> None:
        """The status line, the headers and the body in one write: on a kept-alive connection, a
        response in two small writes waits for the client's delayed acknowledgement (about 40 ms)."""
        reason = self.responses.get(answer.status, ("",))[0]
        lines = [f"{self.protocol_version} {answer.status} {reason}"]
        lines += [f"{name}: {value}" for name, value in answer.headers if name.lower() not in ("content-length", "connection")]
        lines.append(f"Content-Length: {len(answer.body)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")  # as http.server's send_header encodes
        self.wfile.write(head if self.command == "HEAD" else head + answer.body)

    def log_message(self, format: str, *args) -> None:
        """Silent: the gateway logs one more useful line per request itself."""
