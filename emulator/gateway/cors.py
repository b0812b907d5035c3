"""CORS: which web pages may call the API from a browser.

A page served from ``https://shop.example.com`` that calls ``fetch()`` on your API at another
origin is stopped by the browser unless the API's responses say that origin is allowed, in
``Access-Control-*`` headers. For anything but the simplest requests the browser first sends a
*preflight*: an ``OPTIONS`` request with ``Origin`` and ``Access-Control-Request-Method`` headers,
and it sends the real request only if the answer allows it.

The two kinds of API do this differently, and so does this module:

- An **HTTP API** with a CORS configuration answers every preflight itself (no route needed, no
  authorizer runs; ``204 No Content``), and adds the CORS headers to every response of a request
  that has an allowed ``Origin``, replacing any CORS headers the function set.
- A **REST API** built by SAM with ``Cors`` gets an ``OPTIONS`` method on each path, a mock that
  answers ``200`` with fixed CORS headers. Normal responses get nothing: a function behind a REST
  API must return ``Access-Control-Allow-Origin`` itself, or the browser refuses the response.

Not faithful: SAM also runs the default authorizer on REST preflights
(``AddDefaultAuthorizerToCorsPreflight``); here preflights are never authorized.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

Headers = list[tuple[str, str]]
ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def _values(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """A list from a list, or from SAM's comma-separated string (quoted as in ``"'GET,POST'"``)."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.strip().strip("'").split(",")
    return tuple(item.strip().strip("'") for item in value if item.strip().strip("'"))


@dataclass(frozen=True)
class CorsConfig:
    """One API's CORS configuration (SAM ``Cors`` for REST, ``CorsConfiguration`` for HTTP APIs)."""

    api: str
    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False

    @classmethod
    def build(cls, api: str, allow_origins: str | Iterable[str], allow_methods: str | Iterable[str] | None = None,
              allow_headers: str | Iterable[str] | None = None, expose_headers: str | Iterable[str] | None = None,
              max_age: int | str | None = None, allow_credentials: bool | str = False) -> "CorsConfig":
        """Check and normalise the settings; lists may also be comma-separated strings, quoted or not."""
        if api not in ("rest", "http"):
            raise ValueError(f"api {api!r} is not one of 'rest' or 'http'")
        origins = _values(allow_origins)
        if not origins:
            raise ValueError("allow_origins needs at least one origin, such as 'https://shop.example.com' or '*'")
        methods = tuple(method.upper() for method in _values(allow_methods))
        unknown = [m for m in methods if m not in ALL_METHODS + ("*",)]
        if unknown:
            raise ValueError(f"allow_methods {unknown} are not HTTP methods: use {', '.join(ALL_METHODS)} or '*'")
        if isinstance(max_age, str):
            max_age = int(max_age.strip("'"))
        if isinstance(allow_credentials, str):
            allow_credentials = allow_credentials.strip("'").lower() == "true"
        if allow_credentials and "*" in origins:
            # Browsers refuse credentials with a wildcard origin; API Gateway refuses the configuration.
            raise ValueError("allow_credentials=True cannot be used with allow_origins '*': list the origins")
        return cls(api, origins, methods, _values(allow_headers), _values(expose_headers), max_age,
                   bool(allow_credentials))

    def is_preflight(self, method: str, headers: dict[str, str]) -> bool:
        """True for a browser's preflight: OPTIONS with Origin and Access-Control-Request-Method."""
        if method != "OPTIONS":
            return False
        if self.api == "rest":
            return True  # the mock OPTIONS method answers any OPTIONS request on the path
        return "origin" in headers and "access-control-request-method" in headers

    def preflight(self, origin: str | None, route_methods: Iterable[str]) -> tuple[int, Headers]:
        """The status and headers API Gateway answers a preflight with."""
        if self.api == "rest":
            # SAM's mock integration: fixed values; the methods default to those of the path.
            methods = self.allow_methods or tuple(sorted(set(route_methods) | {"OPTIONS"}))
            headers = [("Access-Control-Allow-Origin", ",".join(self.allow_origins)),
                       ("Access-Control-Allow-Methods", ",".join(methods))]
            return 200, headers + self._shared_headers()
        allowed = self._allowed_origin(origin)
        if allowed is None:
            return 204, []
        headers = [("Access-Control-Allow-Origin", allowed)]
        if self.allow_methods:
            headers.append(("Access-Control-Allow-Methods", ",".join(self.allow_methods)))
        return 204, headers + self._shared_headers()

    def response_headers(self, origin: str | None) -> Headers:
        """Headers an HTTP API adds to a normal response (REST APIs add none)."""
        allowed = self._allowed_origin(origin) if self.api == "http" else None
        if allowed is None:
            return []
        headers = [("Access-Control-Allow-Origin", allowed)]
        if self.expose_headers:
            headers.append(("Access-Control-Expose-Headers", ",".join(self.expose_headers)))
        if self.allow_credentials:
            headers.append(("Access-Control-Allow-Credentials", "true"))
        return headers

    def _shared_headers(self) -> Headers:
        headers = []
        if self.allow_headers:
            headers.append(("Access-Control-Allow-Headers", ",".join(self.allow_headers)))
        if self.max_age is not None:
            headers.append(("Access-Control-Max-Age", str(self.max_age)))
        if self.allow_credentials:
            headers.append(("Access-Control-Allow-Credentials", "true"))
        return headers

    def _allowed_origin(self, origin: str | None) -> str | None:
        """The Access-Control-Allow-Origin value for ``origin``: ``*``, the origin itself, or None."""
        if "*" in self.allow_origins:
            return "*"
        if origin is not None and origin.lower() in {o.lower() for o in self.allow_origins}:
            return origin
        return None
