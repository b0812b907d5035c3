"""X-Ray's picture of a request: the trace header, segments, traces, and the waterfall drawn from them.

A *trace* follows one request through every service it touches. Each service records *segments*
(one per unit of work) and segments hold *subsegments* (the steps inside: a call to DynamoDB, an
HTTP request, the cold start). All of them carry the same *trace id*; a service passes it on in the
*trace header* ``Root=1-...;Parent=...;Sampled=1``, so the pieces can be put back together
(:func:`assemble`). :mod:`emulator.observability.tracing` records them; this module is what they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from .charts import Bar, Chart, timeline

# -- the trace header -------------------------------------------------------------------------------

@dataclass(frozen=True)
class TraceHeader:
    """``Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1``.

    ``root`` is the trace id, ``parent`` the segment (or subsegment) that made the call, ``sampled``
    the decision: ``"1"`` record, ``"0"`` do not, ``"?"`` or ``None`` let the receiver decide.
    """

    root: str | None = None
    parent: str | None = None
    sampled: str | None = None

    @classmethod
    def parse(cls, text: str | None) -> "TraceHeader":
        """Read a header (unknown fields such as ``Lineage`` are ignored, as X-Ray does)."""
        fields = {}
        for part in (text or "").split(";"):
            key, _, value = part.strip().partition("=")
            fields[key.strip().lower()] = value.strip()
        return cls(fields.get("root") or None, fields.get("parent") or None, fields.get("sampled") or None)

    @property
    def decided(self) -> bool:
        return self.sampled in ("0", "1")

    def __str__(self) -> str:
        text = f"Root={self.root}"
        if self.parent:
            text += f";Parent={self.parent}"
        if self.sampled:
            text += f";Sampled={self.sampled}"
        return text


NO_HEADER = TraceHeader()  # what an invocation that arrives without a trace header carries

# -- segments and traces ----------------------------------------------------------------------------

@dataclass
class Segment:
    """One segment or subsegment of a trace, read from the JSON document X-Ray stores.

    ``kind`` is ``"segment"`` (a service's unit of work: ``origin`` says which, e.g. ``AWS::Lambda``)
    or ``"subsegment"`` (a step inside it: ``namespace`` is ``"aws"`` for AWS calls, ``"remote"``
    for other HTTP calls, None for your own). Times are epoch seconds on the cloud's virtual clock.
    """

    name: str
    id: str
    trace_id: str | None
    start_time: float
    end_time: float | None
    parent_id: str | None = None
    kind: str = "segment"
    origin: str | None = None
    namespace: str | None = None
    subsegments: list["Segment"] = field(default_factory=list)
    document: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_document(cls, document: dict, trace_id: str | None = None, parent_id: str | None = None) -> "Segment":
        kind = "subsegment" if document.get("type") == "subsegment" or parent_id else "segment"
        node = cls(
            name=document.get("name", "?"), id=document.get("id", ""),
            trace_id=document.get("trace_id", trace_id), start_time=float(document.get("start_time", 0.0)),
            end_time=document.get("end_time"), parent_id=document.get("parent_id", parent_id), kind=kind,
            origin=document.get("origin"), namespace=document.get("namespace"), document=document)
        node.subsegments = [cls.from_document(child, node.trace_id, node.id)
                            for child in document.get("subsegments", [])]
        return node

    @property
    def duration_ms(self) -> float:
        """How long it took (0 for a subsegment still in progress when it was sent)."""
        return 0.0 if self.end_time is None else (self.end_time - self.start_time) * 1000

    @property
    def status(self) -> str | None:
        """``"fault"`` (a 5xx: the service failed), ``"throttle"`` (a 429), ``"error"`` (another 4xx: the
        caller's mistake), or None when it went well. X-Ray paints them red, purple and orange."""
        return next((flag for flag in ("fault", "throttle", "error") if self.document.get(flag)), None)

    @property
    def failed(self) -> bool:
        """True for a fault, an error or a throttle."""
        return self.status is not None

    @property
    def annotations(self) -> dict:
        return self.document.get("annotations", {})

    @property
    def metadata(self) -> dict:
        return self.document.get("metadata", {})

    @property
    def http(self) -> dict:
        return self.document.get("http", {})

    @property
    def aws(self) -> dict:
        return self.document.get("aws", {})

    @property
    def label(self) -> str:
        """The name as the X-Ray timeline shows it, with the origin of a segment."""
        return f"{self.name} ({self.origin})" if self.origin else self.name

    def walk(self, depth: int = 0) -> Iterator[tuple[int, "Segment"]]:
        """This entity and everything under it, depth first, children in time order."""
        yield depth, self
        for child in sorted(self.subsegments, key=lambda s: s.start_time):
            yield from child.walk(depth + 1)


@dataclass
class Trace:
    """Every segment recorded under one trace id: what the X-Ray console shows for one request."""

    id: str
    segments: list[Segment]

    @property
    def start_time(self) -> float:
        return min((segment.start_time for segment in self.segments), default=0.0)

    @property
    def end_time(self) -> float:
        return max((end for _, entity in self.entities() if (end := entity.end_time) is not None),
                   default=self.start_time)

    @property
    def duration_ms(self) -> float:
        return (self.end_time - self.start_time) * 1000

    @property
    def start(self) -> datetime:
        return datetime.fromtimestamp(self.start_time, tz=timezone.utc)

    def entities(self) -> list[tuple[int, Segment]]:
        """(depth, segment or subsegment) in the order the timeline lists them."""
        return [pair for segment in sorted(self.segments, key=lambda s: s.start_time) for pair in segment.walk()]

    def find(self, name: str) -> list[Segment]:
        """Every segment and subsegment called ``name`` (e.g. ``"Initialization"``, ``"DynamoDB"``)."""
        return [entity for _, entity in self.entities() if entity.name == name]

    @property
    def functions(self) -> list[str]:
        """The functions this request went through, in the order they started."""
        return [entity.name for _, entity in self.entities() if entity.origin == "AWS::Lambda::Function"]

    def __str__(self) -> str:
        lines = [f"Trace {self.id}  {self.duration_ms:.1f} ms"]
        for depth, entity in self.entities():
            offset = (entity.start_time - self.start_time) * 1000
            flag = "  !" if entity.failed else ""
            lines.append(f"{'  ' * depth}{entity.label:<{48 - 2 * depth}} +{offset:9.1f} ms {entity.duration_ms:9.1f} ms{flag}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Trace {self.id} {' -> '.join(self.functions) or 'no function'} {self.duration_ms:.1f} ms>"

    def waterfall(self, title: str | None = None) -> Chart:
        """The trace drawn like the X-Ray console's timeline, as SVG (see :func:`waterfall`)."""
        return waterfall(self, title)

    def save_waterfall(self, path: str | Path, title: str | None = None) -> Path:
        """Draw the waterfall into an SVG file (any browser opens it); returns its path."""
        return self.waterfall(title).save(path)

    def _repr_svg_(self) -> str:
        """A trace shown in a notebook is its waterfall."""
        return self.waterfall().svg


def assemble(documents: list[dict]) -> list[Trace]:
    """Put segment documents back together: subsegments sent on their own join their parent by id."""
    nodes: dict[str, Segment] = {}
    roots: list[Segment] = []
    for document in documents:
        node = Segment.from_document(document)
        roots.append(node)
        for _, entity in node.walk():
            nodes[entity.id] = entity
    tops: dict[str, list[Segment]] = {}
    for node in roots:
        parent = nodes.get(node.parent_id) if node.kind == "subsegment" else None
        if parent is not None:
            parent.subsegments.append(node)
        else:
            tops.setdefault(node.trace_id or "?", []).append(node)
    traces = [Trace(trace_id, segments) for trace_id, segments in tops.items()]
    return sorted(traces, key=lambda trace: trace.start_time)


# -- the waterfall ----------------------------------------------------------------------------------

_COLOURS = {"service": "#9ecae9", "function": "#4c78a8", "Initialization": "#72b7b2", "Invocation": "#a0cbe8",
            "Overhead": "#c7c7c7", "aws": "#59a14f", "remote": "#edc948", "local": "#86bcb6",
            # what went wrong, in the X-Ray console's colours
            "fault": "#d62728", "throttle": "#9467bd", "error": "#f28e2b"}


def _colour(entity: Segment) -> str:
    if entity.status:
        return _COLOURS[entity.status]
    if entity.origin == "AWS::Lambda":
        return _COLOURS["service"]
    if entity.kind == "segment":
        return _COLOURS["function"]
    return _COLOURS.get(entity.name) or _COLOURS.get(entity.namespace or "local", _COLOURS["local"])


def waterfall(trace: Trace, title: str | None = None) -> Chart:
    """Draw ``trace`` as a timeline: one bar per segment and subsegment, indented under its parent.

    The axis is milliseconds since the trace started; each bar's note is its duration, followed by
    what went wrong (``fault``, ``throttle``, ``error``), if anything, and its bar is coloured so.
    """
    bars = [Bar(entity.label, (entity.start_time - trace.start_time) * 1000, entity.duration_ms,
                note=f"{entity.duration_ms:.1f} ms" + (f"  {entity.status}" if entity.status else ""),
                colour=_colour(entity), indent=depth)
            for depth, entity in trace.entities()]
    return timeline(bars, title=title or f"Trace {trace.id}  ({trace.duration_ms:.1f} ms)",
                    axis_label="milliseconds since the trace started",
                    empty=f"trace {trace.id} has no segments: nothing was recorded under this trace id")
