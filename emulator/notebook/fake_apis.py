"""A fake third-party web API that a handler's ``requests`` calls reach in-process, with no socket.

Real functions call other companies' APIs over HTTP (weather, payments, a to-do list); a lab needs
one that is slow on purpose and answers the same way on a laptop and in a browser (Pyodide, where no
server can listen). ::

    from emulator.notebook.fake_apis import fake_api

    todos = fake_api("https://api.example.com", {"/todos/1": {"id": 1, "title": "buy milk"}}, delay=0.15)
    todos.url("/todos/1")    # 'https://api.example.com/todos/1': give it to a function, e.g. in --env

A function's ``requests.get(...)`` of that URL then gets the answer from this process, through a
``requests`` transport adapter (:class:`FakeApiAdapter`, a ``requests.adapters.BaseAdapter``), the
part of ``requests`` that would otherwise open a connection. Everything above it runs as for a real
call, so the X-Ray SDK's ``requests`` patch records a ``remote`` subsegment named after the host,
with the URL and the status. The answer waits ``delay`` seconds with ``time.sleep``, which inside an
invocation is simulated work: the wait adds to the invocation's duration (and its bill, and the
subsegment's width) without making anyone wait.

An answer is a dict or list (sent as JSON, status 200), a ``(status, body)`` pair, or a function of
the ``requests.PreparedRequest`` that returns one of those. A key is a path (``"/todos/1"``, answered
to GET) or a method and a path (``"POST /users"``). A path the API does not have is a 404 whose body
names the paths it has.

Only reserved names are accepted as base URLs: ``example.com``, ``example.net``, ``example.org`` and
the ``.example``, ``.invalid`` and ``.test`` domains (RFC 2606), which are never a real company's API.
Once a fake API was created, a request to any reserved name that no open fake API answers (a typo, a
closed API) fails here with ``requests.ConnectionError`` instead of leaving the machine.

A fake API answers the functions that run in this process (a notebook's, a browser's, the default
``LocalCloud()``). A function in a process of its own (``LocalCloud(isolation="process")``) does not
see them: its call goes to the network, which the grader's processes are refused
(``emulator/platform/network.py``).
"""

from __future__ import annotations

import io
import json
import time
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

RESERVED_DOMAINS = ("example.com", "example.net", "example.org", "example", "invalid", "test")

Answer = Any  # a JSON-able body, a (status, body) pair, or a function of the request returning one
_open: dict[str, "FakeApi"] = {}  # base URL -> the fake API answering it, while open
_real_get_adapter = requests.Session.get_adapter


def is_reserved(host: str) -> bool:
    """Whether ``host`` is a name reserved for examples, which no real API on the internet can have."""
    host = host.lower().rstrip(".")
    return any(host == domain or host.endswith("." + domain) for domain in RESERVED_DOMAINS)


class FakeApi:
    """A web API at ``base_url`` answered by this process: its paths, its answers and its delay."""

    def __init__(self, base_url: str, answers: dict[str, Answer] | None = None, *, delay: float = 0.0) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
            raise ValueError(f"base_url {base_url!r} must look like 'https://api.example.com' (a scheme and a "
                             f"host, no path)")
        if not is_reserved(parts.hostname):
            raise ValueError(f"base_url {base_url!r}: a fake API needs a host that cannot be a real one on the "
                             f"internet, under {', '.join(RESERVED_DOMAINS)} (e.g. 'https://api.example.com')")
        if not isinstance(delay, (int, float)) or delay < 0:
            raise ValueError(f"delay {delay!r} must be a number of seconds, 0 or more")
        self.base_url = f"{parts.scheme}://{parts.netloc}".lower()
        self.delay = float(delay)
        self.routes: dict[tuple[str, str], Answer] = {}
        self.requests: list[requests.PreparedRequest] = []  # every request it answered, in order
        for key, answer in (answers or {}).items():
            self.add(key, answer)

    def add(self, key: str, answer: Answer) -> None:
        """Answer ``key`` (``"/path"`` for GET, or ``"METHOD /path"``) with ``answer``."""
        method, _, path = key.strip().rpartition(" ")
        if not path.startswith("/"):
            raise ValueError(f"route {key!r} must be a path starting with '/' (e.g. '/todos/1' or 'POST /users')")
        self.routes[(method.upper() or "GET", path)] = answer

    def url(self, path: str = "/") -> str:
        """The full URL of ``path`` on this API."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def open(self) -> "FakeApi":
        """Start answering (replacing an open fake API of the same base URL); returns the API."""
        requests.Session.get_adapter = _get_adapter  # once installed, it stays: it guards reserved names
        _open[self.base_url] = self
        return self

    def close(self) -> None:
        """Stop answering: requests to its URLs now fail with ``requests.ConnectionError``."""
        if _open.get(self.base_url) is self:
            del _open[self.base_url]

    def __enter__(self) -> "FakeApi":
        return self.open()

    def __exit__(self, *exc_info) -> None:
        self.close()

    def answer(self, request: requests.PreparedRequest) -> tuple[int, Any]:
        """The status and body of the answer to ``request``, after the API's delay."""
        self.requests.append(request)
        if self.delay:
            time.sleep(self.delay)  # looked up now: inside an invocation, the runtime's simulated sleep
        path = urlsplit(request.url).path or "/"
        answer = self.routes.get((request.method.upper(), path))
        if answer is None:
            known = ", ".join(f"{method} {route}" for method, route in self.routes) or "nothing"
            return 404, {"message": f"the fake API {self.base_url} has no {request.method} {path}; it answers {known}"}
        if callable(answer):
            answer = answer(request)
        if isinstance(answer, tuple):
            return answer
        return 200, answer

    def __repr__(self) -> str:
        routes = ", ".join(f"{method} {path}" for method, path in self.routes)
        return f"FakeApi({self.base_url}, {routes or 'no routes'}, delay {self.delay:g} s)"


class FakeApiAdapter(BaseAdapter):
    """The transport adapter of fake APIs: where ``requests`` would connect, it asks the fake API."""

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        parts = urlsplit(request.url)
        api = _open.get(f"{parts.scheme}://{parts.netloc}".lower())
        if api is None:
            open_apis = ", ".join(_open) or "none"
            raise requests.ConnectionError(
                f"no fake API answers {request.url} (open fake APIs: {open_apis}); create it with "
                f"fake_api(...) in this process. Nothing was sent to the internet.", request=request)
        status, body = api.answer(request)
        return _response(request, status, body)

    def close(self) -> None:
        pass


_adapter = FakeApiAdapter()


def _get_adapter(session: requests.Session, url: str) -> BaseAdapter:
    """``Session.get_adapter`` with fake APIs first: every session, old or new, reaches them."""
    host = urlsplit(url).hostname
    if host is not None and is_reserved(host):
        return _adapter
    return _real_get_adapter(session, url)


def _response(request: requests.PreparedRequest, status: int, body: Any) -> requests.Response:
    """A ``requests.Response`` as an HTTP answer with this status and body would give it."""
    if isinstance(body, bytes):
        content, content_type = body, "application/octet-stream"
    elif isinstance(body, str):
        content, content_type = body.encode("utf-8"), "text/plain; charset=utf-8"
    else:
        content, content_type = json.dumps(body).encode("utf-8"), "application/json"
    response = requests.Response()
    response.status_code = int(status)
    try:
        response.reason = HTTPStatus(int(status)).phrase
    except ValueError:  # a status HTTP does not name
        response.reason = ""
    response.headers = CaseInsensitiveDict({"Content-Type": content_type, "Content-Length": str(len(content))})
    response._content = content
    response.raw = io.BytesIO(content)
    response.encoding = "utf-8"
    response.url = request.url
    response.request = request
    return response


def fake_api(base_url: str, answers: dict[str, Answer] | None = None, *, delay: float = 0.0) -> FakeApi:
    """Open a fake web API at ``base_url`` (a reserved name, e.g. ``https://api.example.com``) and return it.

    ``answers`` maps a path (or ``"METHOD /path"``) to its answer; ``delay`` is how long, in seconds, each
    answer takes. Running the same cell again replaces the API of that base URL.
    """
    return FakeApi(base_url, answers, delay=delay).open()
