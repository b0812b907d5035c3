"""X-Ray's picture of a request: the trace header, segments, traces, and the waterfall drawn from them.

A *trace* follows one request through every service it touches. Each service records *segments*
(one per unit of work) and segments hold *subsegments* (the steps inside: a call to DynamoDB, an
HTTP request, the cold start). All of them carry the same *trace id*; a service passes it on in the
*trace header* ``Root=1-...;Parent=...;Sampled=1``, so the pieces can be put back together
(:func:`assemble`). :mod:`emulator.observability.tracing` records them; this module is what they are.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

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
    def failed(self) -> bool:
        """True when X-Ray would paint it red or orange: a fault (5xx), an error (4xx) or a throttle."""
        return any(self.document.get(flag) for flag in ("fault", "error", "throttle"))

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
        return min(segment.start_time for segment in self.segments)

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

    def waterfall(self, title: str | None = None):
        """The trace as a matplotlib Figure, drawn like the X-Ray console's timeline (see :func:`waterfall`)."""
        return waterfall(self, title)

    def save_waterfall(self, path: str | Path, title: str | None = None) -> Path:
        """Draw the waterfall into a PNG file; returns its path."""
        path = Path(path)
        self.waterfall(title).savefig(path, format="png", dpi=100, bbox_inches="tight")
        return path

    def _repr_png_(self) -> bytes:
        """A trace shown in a notebook is its waterfall."""
        buffer = io.BytesIO()
        self.waterfall().savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        return buffer.getvalue()


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

_COLOURS = {"service": "#8fb3d9", "function": "#f5a45d", "Initialization": "#d9534f", "Invocation": "#f5c28c",
            "Overhead": "#c7c7c7", "aws": "#5cb85c", "remote": "#9b59b6", "local": "#5bc0de"}


def _colour(entity: Segment) -> str:
    if entity.origin == "AWS::Lambda":
        return _COLOURS["service"]
    if entity.kind == "segment":
        return _COLOURS["function"]
    return _COLOURS.get(entity.name) or _COLOURS.get(entity.namespace or "local", _COLOURS["local"])


def waterfall(trace: Trace, title: str | None = None):
    """Draw ``trace`` as a timeline: one bar per segment and subsegment, indented under its parent.

    The x axis is milliseconds since the trace started; each bar is labelled with its duration.
    Uses matplotlib's object API (no pyplot), so it works in threads and headless runs.
    """
    from matplotlib.figure import Figure

    rows = trace.entities()
    figure = Figure(figsize=(10, 0.4 * len(rows) + 1.2))
    axes = figure.add_subplot()
    total = max(trace.duration_ms, 1e-3)
    for row, (depth, entity) in enumerate(rows):
        offset = (entity.start_time - trace.start_time) * 1000
        width = max(entity.duration_ms, total / 400)  # an instant still shows as a sliver
        axes.barh(row, width, left=offset, height=0.6, color=_colour(entity),
                  edgecolor="#c9302c" if entity.failed else "none", linewidth=2)
        axes.text(offset + width + total * 0.01, row, f"{entity.duration_ms:.1f} ms", va="center", fontsize=8)
    labels = [f"{'  ' * depth}{entity.label}" for depth, entity in rows]
    axes.set_yticks(range(len(rows)), labels, fontsize=9, family="monospace")
    # Left-aligned names, indented under their parent, as the X-Ray console lists them.
    axes.tick_params(axis="y", length=0, pad=5.5 * max(map(len, labels)) + 14)
    for label in axes.get_yticklabels():
        label.set_horizontalalignment("left")
    axes.invert_yaxis()
    axes.set_xlim(0, total * 1.15)
    axes.set_xlabel("milliseconds since the trace started")
    axes.set_title(title or f"Trace {trace.id}  ({trace.duration_ms:.1f} ms)", fontsize=10)
    axes.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    return figure
