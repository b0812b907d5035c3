"""Charts as SVG, drawn with the standard library alone: timelines (bars on a time axis) and line charts.

SVG is a picture written as text: an ``<svg>`` element holding ``<rect>``, ``<line>``, ``<polyline>``
and ``<text>`` elements placed in pixels, (0, 0) at the top left. Jupyter shows any object with a
``_repr_svg_`` method as the picture that method returns, so a :class:`Chart` appears in a notebook
the same way natively and in a browser (JupyterLite), where no plotting library is installed.

- :func:`timeline`: one horizontal bar per piece of work, from its start for its duration, labelled
  with its name on the left and a note (its duration) on the right. The X-Ray waterfall
  (:func:`emulator.observability.xray.waterfall`) and lab 08's chain of functions are timelines.
- :func:`line_chart`: values sampled over time, one line each, with marked moments (lab 07).
- :func:`row`: charts side by side, as one picture.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence
from xml.sax.saxutils import escape, quoteattr

FONT = "font-family='Helvetica, Arial, sans-serif' font-size='12'"
MONOSPACE = "font-family='Menlo, Consolas, monospace' font-size='12'"
CHAR_WIDTH = 7.3  # pixels per character of MONOSPACE: SVG cannot measure text, so labels are monospace
LINE_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b")
BAR_COLOUR = "#4c78a8"
AXIS_COLOUR = "#555555"


class Chart:
    """A picture as SVG text: a notebook shows it (``_repr_svg_``), :meth:`save` writes a ``.svg`` file."""

    def __init__(self, svg: str, width: int, height: int) -> None:
        self.svg, self.width, self.height = svg, width, height

    def _repr_svg_(self) -> str:
        return self.svg

    def __repr__(self) -> str:  # what a console without pictures prints
        return f"<Chart: SVG picture of {self.width}x{self.height} pixels; .save('chart.svg') to open it in a browser>"

    def save(self, path: str | Path) -> Path:
        """Write the picture to ``path`` (open it in any browser); returns the path."""
        path = Path(path)
        path.write_text(self.svg, encoding="utf-8")
        return path


@dataclass(frozen=True)
class Bar:
    """One bar of a :func:`timeline`: ``label`` on the left, drawn from ``start`` for ``length``.

    ``start`` and ``length`` are in the axis's unit (milliseconds, say). ``note`` is written after the
    bar (its duration); ``indent`` shifts the label right, under its parent's (a subsegment's depth).
    """

    label: str
    start: float
    length: float
    note: str = ""
    colour: str = BAR_COLOUR
    indent: int = 0


@dataclass(frozen=True)
class Line:
    """One line of a :func:`line_chart`: a value for each x, drawn solid or dashed."""

    label: str
    values: Sequence[float]
    dashed: bool = False


def timeline(bars: Sequence[Bar], *, title: str, axis_label: str,
             empty: str = "nothing to draw: there are no bars") -> Chart:
    """Bars on a time axis, one row each, in the order given: where the time of a request goes.

    A bar too short to see is drawn one pixel wide. With no bars, the chart says ``empty`` instead.
    """
    if not bars:
        return _message(title, empty)
    labels = [f"{'  ' * bar.indent}{bar.label}" for bar in bars]
    left = _text_width(max(labels, key=len)) + 20
    right = _text_width(max((bar.note for bar in bars), key=len)) + 16
    plot_width, row_height, top = 560, 22, 34
    end = max(bar.start + max(bar.length, 0) for bar in bars)
    ticks = _ticks(0, end)
    scale = plot_width / ticks[-1]
    height = top + row_height * len(bars) + 46
    parts = [_title(title, left)]
    parts += _x_axis(ticks, left, scale, top, top + row_height * len(bars), axis_label)
    for row, (bar, label) in enumerate(zip(bars, labels)):
        y = top + row * row_height
        x = left + bar.start * scale
        width = max(bar.length * scale, 1)
        parts.append(f"<g><title>{escape(bar.label)} {escape(bar.note)}</title>"
                     f"<text x='8' y='{y + 15}' {MONOSPACE} xml:space='preserve'>{escape(label)}</text>"
                     f"<rect x='{x:.1f}' y='{y + 4}' width='{width:.1f}' height='14' fill={quoteattr(bar.colour)}/>"
                     f"<text x='{x + width + 5:.1f}' y='{y + 15}' {FONT}>{escape(bar.note)}</text></g>")
    return _svg(parts, left + plot_width + right, height)


def line_chart(x: Sequence[float], lines: Sequence[Line], *, title: str, x_label: str, y_label: str,
               marks: dict[float, str] | None = None, empty: str = "nothing to draw: there are no values") -> Chart:
    """Lines of values over ``x`` (one value of each line per x), with a legend below the axis.

    ``marks`` are moments drawn as dotted vertical lines, named in the legend (``{60: "maximum age"}``).
    The y axis starts at 0. With no x or no line, the chart says ``empty`` instead.
    """
    if not x or not lines:
        return _message(title, empty)
    for line in lines:
        if len(line.values) != len(x):
            raise ValueError(f"line {line.label!r} has {len(line.values)} values for {len(x)} x values")
    marks = marks or {}
    left, top, plot_width, plot_height = 64, 34, 400, 180
    x_ticks = _ticks(min(x), max(x), start_at_zero=False)
    y_ticks = _ticks(0, max(max(line.values) for line in lines))
    x_scale = plot_width / (x_ticks[-1] - x_ticks[0])
    y_scale = plot_height / y_ticks[-1]
    bottom = top + plot_height

    def point(u: float, v: float) -> str:
        return f"{left + (u - x_ticks[0]) * x_scale:.1f},{bottom - v * y_scale:.1f}"

    parts = [_title(title, left)]
    parts += _x_axis(x_ticks, left, x_scale, top, bottom, x_label, origin=x_ticks[0])
    for value in y_ticks:
        y = bottom - value * y_scale
        parts.append(f"<line x1='{left}' y1='{y:.1f}' x2='{left + plot_width}' y2='{y:.1f}' stroke='#e5e5e5'/>"
                     f"<text x='{left - 6}' y='{y + 4:.1f}' text-anchor='end' {FONT}>{_number(value)}</text>")
    middle = top + plot_height / 2
    parts.append(f"<text x='14' y='{middle}' text-anchor='middle' transform='rotate(-90 14 {middle})' {FONT}>"
                 f"{escape(y_label)}</text>")
    legend = []
    for index, line in enumerate(lines):
        colour = LINE_COLOURS[index % len(LINE_COLOURS)]
        style = f"stroke={quoteattr(colour)} stroke-width='2' fill='none'" + (" stroke-dasharray='6 4'" if line.dashed else "")
        points = " ".join(point(u, v) for u, v in zip(x, line.values))
        parts.append(f"<polyline points='{points}' {style}><title>{escape(line.label)}</title></polyline>")
        legend.append((line.label, style))
    for moment, label in marks.items():
        u = left + (moment - x_ticks[0]) * x_scale
        style = "stroke='#888888' stroke-width='1.5' stroke-dasharray='2 3'"
        parts.append(f"<line x1='{u:.1f}' y1='{top}' x2='{u:.1f}' y2='{bottom}' {style}/>")
        legend.append((label, style))
    for index, (label, style) in enumerate(legend):
        y = bottom + 52 + 18 * index
        parts.append(f"<line x1='{left}' y1='{y - 4}' x2='{left + 28}' y2='{y - 4}' {style}/>"
                     f"<text x='{left + 36}' y='{y}' {FONT}>{escape(label)}</text>")
    return _svg(parts, left + plot_width + 24, bottom + 44 + 18 * len(legend))


def row(*charts: Chart) -> Chart:
    """``charts`` side by side, as one picture (an ``<svg>`` may hold other ``<svg>`` elements)."""
    parts, x = [], 0.0
    for chart in charts:
        parts.append(chart.svg.replace("<svg ", f"<svg x='{x:.1f}' ", 1))
        x += chart.width
    return _svg(parts, x, max((chart.height for chart in charts), default=0))


# -- the pieces every chart is made of --------------------------------------------------------------

def _svg(parts: list[str], width: float, height: float) -> Chart:
    width, height = math.ceil(width), math.ceil(height)  # whole pixels, so that charts put in a row abut
    svg = (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
           f"viewBox='0 0 {width} {height}'><rect width='100%' height='100%' fill='white'/>"
           + "".join(parts) + "</svg>")
    return Chart(svg, width, height)


def _title(text: str, x: float) -> str:
    return f"<text x='{x:.1f}' y='20' {FONT} font-weight='bold'>{escape(text)}</text>"


def _message(title: str, message: str) -> Chart:
    """A chart with nothing to draw: its title and a sentence saying why, instead of empty axes."""
    width = max(_text_width(title), _text_width(message)) + 40
    return _svg([_title(title, 16), f"<text x='16' y='50' {FONT} fill='{AXIS_COLOUR}'>{escape(message)}</text>"],
                width, 70)


def _x_axis(ticks: list[float], left: float, scale: float, top: float, bottom: float, label: str,
            origin: float = 0.0) -> list[str]:
    """The x axis under the plot: a tick label and a faint grid line at each tick, then the axis's name."""
    parts = [f"<line x1='{left}' y1='{bottom}' x2='{left + (ticks[-1] - origin) * scale:.1f}' y2='{bottom}' "
             f"stroke='{AXIS_COLOUR}'/>"]
    for value in ticks:
        x = left + (value - origin) * scale
        parts.append(f"<line x1='{x:.1f}' y1='{top}' x2='{x:.1f}' y2='{bottom}' stroke='#e5e5e5'/>"
                     f"<text x='{x:.1f}' y='{bottom + 16}' text-anchor='middle' {FONT}>{_number(value)}</text>")
    middle = left + (ticks[-1] - origin) * scale / 2
    parts.append(f"<text x='{middle:.1f}' y='{bottom + 34}' text-anchor='middle' {FONT}>{escape(label)}</text>")
    return parts


def _ticks(low: float, high: float, start_at_zero: bool = True) -> list[float]:
    """About five round values (steps of 1, 2 or 5 times a power of ten) covering ``low`` to ``high``."""
    low = 0.0 if start_at_zero else low
    span = high - low if high > low else max(abs(high), 1.0)
    step = 10 ** math.floor(math.log10(span / 5))
    step *= next(factor for factor in (1, 2, 5, 10) if span / (step * factor) <= 6)
    first = math.floor(low / step) * step
    count = math.ceil((max(high, low + span) - first) / step - 1e-9)
    return [first + step * index for index in range(count + 1)]


def _number(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:g}"


def _text_width(text: str) -> float:
    return len(text) * CHAR_WIDTH
