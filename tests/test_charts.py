"""The kit's charts: SVG a notebook shows natively and in a browser, with no plotting library.

Each picture is parsed as XML (a broken one would not parse) and read back: one bar per job with its
name and duration, one line per series, a clear sentence when there is nothing to draw.
"""

from __future__ import annotations

import subprocess
import sys
from xml.etree import ElementTree

import pytest

from emulator.observability.charts import Bar, Line, line_chart, row, timeline

SVG = "{http://www.w3.org/2000/svg}"


def parsed(chart) -> ElementTree.Element:
    return ElementTree.fromstring(chart._repr_svg_())


def texts(element: ElementTree.Element) -> list[str]:
    return [text.text or "" for text in element.iter(f"{SVG}text")]


def test_a_timeline_has_one_bar_per_job_with_its_name_and_duration():
    chart = timeline([Bar("checkout", 0, 350, "350 ms"), Bar("validate_cart", 2, 20, "20 ms", indent=1),
                      Bar("price_cart", 25, 250, "250 ms <slow> & \"costly\"", indent=1)],
                     title="one request", axis_label="milliseconds since the request started")
    svg = parsed(chart)
    rows = svg.findall(f"{SVG}g")
    assert [texts(group) for group in rows] == [
        ["checkout", "350 ms"], ["  validate_cart", "20 ms"], ["  price_cart", "250 ms <slow> & \"costly\""]]
    widths = [float(group.find(f"{SVG}rect").get("width")) for group in rows]
    starts = [float(group.find(f"{SVG}rect").get("x")) for group in rows]
    assert widths[0] == pytest.approx(widths[2] * 350 / 250) and starts[1] > starts[0]  # bars to scale
    assert "one request" in texts(svg) and "milliseconds since the request started" in texts(svg)
    assert float(svg.get("width")) >= max(start + width for start, width in zip(starts, widths))


def test_an_instant_still_shows_as_a_sliver():
    [group] = parsed(timeline([Bar("instant", 5, 0, "0.0 ms")], title="t", axis_label="ms")).findall(f"{SVG}g")
    assert float(group.find(f"{SVG}rect").get("width")) >= 1


def test_a_line_chart_draws_each_series_and_names_it_in_a_legend():
    seconds = list(range(1, 11))
    chart = line_chart(seconds, [Line("direct", [10 - s for s in seconds]), Line("queue", seconds, dashed=True)],
                       title="backlog", x_label="virtual time (s)", y_label="jobs waiting", marks={5: "maximum age"})
    svg = parsed(chart)
    lines = svg.findall(f"{SVG}polyline")
    assert [line.find(f"{SVG}title").text for line in lines] == ["direct", "queue"]
    assert [len(line.get("points").split()) for line in lines] == [10, 10]
    assert lines[1].get("stroke-dasharray") and not lines[0].get("stroke-dasharray")
    assert {"direct", "queue", "maximum age", "virtual time (s)", "jobs waiting", "backlog"} <= set(texts(svg))
    first_direct, first_queue = (line.get("points").split()[0].split(",") for line in lines)
    assert float(first_direct[1]) < float(first_queue[1])  # 9 jobs drawn higher than 1 (y grows downwards)


def test_a_line_with_a_missing_value_is_refused():
    with pytest.raises(ValueError, match="'short' has 2 values for 3 x values"):
        line_chart([1, 2, 3], [Line("short", [1, 2])], title="t", x_label="x", y_label="y")


@pytest.mark.parametrize("chart", [
    timeline([], title="one request", axis_label="ms", empty="no invocation yet: invoke checkout first"),
    line_chart([], [], title="one request", x_label="s", y_label="jobs", empty="no invocation yet: invoke checkout first"),
], ids=["timeline", "line chart"])
def test_nothing_to_draw_is_said_in_a_sentence(chart):
    svg = parsed(chart)
    assert texts(svg) == ["one request", "no invocation yet: invoke checkout first"]
    assert svg.find(f"{SVG}g") is None and svg.find(f"{SVG}polyline") is None


def test_charts_side_by_side_are_one_picture():
    left = timeline([Bar("a", 0, 1, "1 ms")], title="left", axis_label="ms")
    right = line_chart([1, 2], [Line("b", [1, 2])], title="right", x_label="s", y_label="n")
    svg = parsed(row(left, right))
    inner = svg.findall(f"{SVG}svg")
    assert [float(picture.get("x")) for picture in inner] == [0, left.width]
    assert float(svg.get("width")) == pytest.approx(left.width + right.width)
    assert float(svg.get("height")) == max(left.height, right.height)


def test_the_kit_draws_without_matplotlib():
    """In a browser (Pyodide) there is no matplotlib: drawing a trace and a chart must not need it."""
    code = ("import sys\n"
            "class NoMatplotlib:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.split('.')[0] == 'matplotlib': raise ModuleNotFoundError(name, name=name)\n"
            "sys.meta_path.insert(0, NoMatplotlib())\n"
            "from emulator.observability.xray import assemble\n"
            "from emulator.observability.charts import Bar, timeline\n"
            "[trace] = assemble([{'name': 'f', 'id': '1', 'trace_id': 'T', 'start_time': 1.0, 'end_time': 2.0}])\n"
            "print(len(trace._repr_svg_()) > 0, len(timeline([Bar('a', 0, 1)], title='t', axis_label='ms').svg) > 0)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]
