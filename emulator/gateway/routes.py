"""Routes: which function answers ``METHOD /path``, chosen the way API Gateway chooses.

A route is a method and a path template. The template is made of segments:

- a literal segment, ``/items``, matches exactly that text;
- a path parameter, ``/{id}``, matches any one segment and hands its value to the function in
  ``pathParameters`` (``{"id": "42"}``);
- a *greedy* parameter, ``/{proxy+}``, matches one or more segments and must come last
  (``/files/{proxy+}`` catches ``/files/a/b.txt`` with ``{"proxy": "a/b.txt"}``).

The method ``ANY`` matches every method, and an HTTP API may also have the ``$default`` route, which
catches whatever no other route matches.

When several routes match one request, the most specific wins, whatever order they were added in:
a literal segment beats a parameter, a parameter beats a greedy parameter (comparing from the left),
an exact method beats ``ANY``, and ``$default`` comes last. REST APIs apply this segment by segment
down their resource tree; HTTP APIs first prefer any route without a greedy parameter (a "full
match"), then the greedy ones, then ``$default``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")
APIS = ("rest", "http")
DEFAULT_ROUTE = "$default"  # HTTP APIs' catch-all route key
PARAMETER = re.compile(r"^\{([A-Za-z0-9_.-]+)(\+?)\}$")

# How specific a segment is: lower wins (a literal beats {id}, which beats {proxy+}).
LITERAL, VARIABLE, GREEDY = 0, 1, 2


@dataclass(frozen=True)
class Segment:
    kind: int
    text: str  # the literal text, or the parameter's name


@dataclass(frozen=True)
class Route:
    """One route of an API: ``method`` + ``path`` -> ``function``, with its options."""

    method: str
    path: str
    function: str
    api: str = "rest"
    authorizer: str | None = None
    authorization_scopes: tuple[str, ...] = ()
    segments: tuple[Segment, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", parse_path(self.path, self.api))

    @property
    def key(self) -> str:
        """The route key, as HTTP APIs name routes: ``GET /items/{id}`` or ``$default``."""
        return DEFAULT_ROUTE if self.path == DEFAULT_ROUTE else f"{self.method} {self.path}"

    @property
    def greedy(self) -> bool:
        return bool(self.segments) and self.segments[-1].kind == GREEDY

    def match(self, method: str, parts: list[str]) -> dict[str, str] | None:
        """The path parameters if this route matches ``method`` and the path's ``parts``, else None."""
        if self.method not in (method, "ANY"):
            return None
        if self.path == DEFAULT_ROUTE:
            return {}
        values: dict[str, str] = {}
        for index, segment in enumerate(self.segments):
            if segment.kind == GREEDY:
                rest = parts[index:]
                if not rest:
                    return None  # {proxy+} needs at least one segment: "/" is not under "/{proxy+}"
                values[segment.text] = "/".join(rest)
                return values
            if index >= len(parts):
                return None
            if segment.kind == LITERAL and unquote(parts[index]) != segment.text:
                return None
            if segment.kind == VARIABLE:
                values[segment.text] = parts[index]
        return values if len(parts) == len(self.segments) else None

    def rank(self) -> tuple:
        """Sort key: the most specific route sorts first."""
        kinds = tuple(segment.kind for segment in self.segments)
        exact_method = 0 if self.method != "ANY" else 1
        if self.path == DEFAULT_ROUTE:
            return (2, (), exact_method)
        if self.api == "http":  # HTTP APIs: full matches, then greedy matches, then $default
            return (1 if self.greedy else 0, kinds, exact_method)
        return (0, kinds, exact_method)  # REST APIs: walk the resource tree, literal children first


def parse_path(path: str, api: str = "rest") -> tuple[Segment, ...]:
    """The segments of a route's path template, with a clear error for a template API Gateway refuses."""
    if api not in APIS:
        raise ValueError(f"api {api!r} is not one of 'rest' (REST API, payload 1.0) or 'http' (HTTP API, payload 2.0)")
    if path == DEFAULT_ROUTE:
        if api != "http":
            raise ValueError("the $default route exists only in HTTP APIs: use api='http', or a path such "
                             "as '/{proxy+}' for a REST API")
        return ()
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValueError(f"route path {path!r} must start with '/', as in '/items/{{id}}'")
    segments = []
    parts = split_path(path)
    for index, part in enumerate(parts):
        found = PARAMETER.match(part)
        if found is None:
            if "{" in part or "}" in part:
                raise ValueError(f"route path {path!r}: segment {part!r} is not a parameter; write a whole "
                                 f"segment as {{name}} or {{name+}}")
            segments.append(Segment(LITERAL, part))
        elif found.group(2):
            if index != len(parts) - 1:
                raise ValueError(f"route path {path!r}: the greedy parameter {part} must be the last segment")
            segments.append(Segment(GREEDY, found.group(1)))
        else:
            segments.append(Segment(VARIABLE, found.group(1)))
    names = [segment.text for segment in segments if segment.kind != LITERAL]
    if len(names) != len(set(names)):
        raise ValueError(f"route path {path!r} uses a parameter name twice")
    return tuple(segments)


def split_path(path: str) -> list[str]:
    """``/items/42/`` -> ``["items", "42"]``; ``/`` -> ``[]`` (a trailing slash is not a segment)."""
    trimmed = path.strip("/")
    return trimmed.split("/") if trimmed else []


def normalise_method(method: str) -> str:
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise ValueError(f"method {method!r} is not one of {', '.join(METHODS)}")
    return method.upper()


class RouteTable:
    """Every route of the local API Gateway, REST and HTTP, and the matching of requests to them."""

    def __init__(self) -> None:
        self._routes: dict[tuple[str, str, str], Route] = {}

    def add(self, route: Route) -> None:
        """Add a route; adding the same api + method + path again replaces it (like a redeployment)."""
        self._routes[(route.api, route.method, route.path)] = route

    def __iter__(self):
        return iter(sorted(self._routes.values(), key=lambda r: (r.api, r.path, r.method)))

    def __len__(self) -> int:
        return len(self._routes)

    def apis(self) -> set[str]:
        return {route.api for route in self._routes.values()}

    def match(self, method: str, raw_path: str) -> tuple[Route, dict[str, str]] | None:
        """The most specific route for ``method`` and ``raw_path``, and its decoded path parameters.

        ``raw_path`` is the path as sent, still URL-encoded, so that an encoded slash (``%2F``) inside
        a parameter's value does not split it into two segments.
        """
        parts = split_path(raw_path)
        best: tuple[tuple, Route, dict[str, str]] | None = None
        for route in self._routes.values():
            values = route.match(method, parts)
            if values is None:
                continue
            rank = route.rank() + (route.api != "rest",)  # one server for both kinds: ties go to REST
            if best is None or rank < best[0]:
                best = (rank, route, values)
        if best is None:
            return None
        # API Gateway decodes URL-encoded path parameters before passing them to the function.
        return best[1], {name: unquote(value) for name, value in best[2].items()}

    def methods_for(self, path: str, api: str) -> set[str]:
        """The methods that ``path`` has routes for in ``api`` (what a CORS preflight may allow)."""
        parts = split_path(path)
        found = set()
        for route in self._routes.values():
            if route.api == api and route.path != DEFAULT_ROUTE and route.match(route.method, parts) is not None:
                found.update(METHODS[:-1] if route.method == "ANY" else {route.method})
        return found
