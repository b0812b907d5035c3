"""Every lab as a student sees it: opened in JupyterLab, Run All, then read off the page.

Each lab runs once (one kernel at a time, on one JupyterLab server for the session) and leaves a picture
of the whole notebook in ``test-artifacts/screenshots/lab-NN_topic.png``. Then, on that page:

- every cell ran, and none shows an exception (an unsolved exercise shows a failing *check*, which is
  a result, not an error);
- every widget the lab displays is drawn as a widget (not as the text twin a plain console gets),
  and the widgets react to a click: the clock's "+1 minute" moves the time shown by the clock and by
  every queue monitor, the event builder's "Invoke" shows the invocation's log, the log viewer shows
  the invocation you pick;
- every chart (the kit's SVG charts of ``emulator/observability/charts.py``) is an image that loaded;
- every ``check()`` result shows its tests with readable pass and fail marks and, for each failure,
  the sentence that says what to fix.

The solution of the first lab runs too, to see the passing state of ``check()``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterator

import emulator.notebook.widgets
import nbformat
import pytest
from browser_kit import REPO, offline_context, screenshot_path
from lab_server import LabServer
from notebook_page import NotebookPage
from playwright.sync_api import Browser, Locator, expect

pytestmark = pytest.mark.slow

LABS = sorted(path.name for path in (REPO / "labs").glob("[0-9][0-9]_*.ipynb"))
WIDGET_FACTORIES = tuple(emulator.notebook.widgets.__all__)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
IMAGE_TYPES = ("image/png", "image/svg+xml", "image/jpeg")
REACTION_MS = 60_000  # a click runs cloud code in the kernel (the event builder invokes a function)
MIN_CONTRAST = 4.5  # WCAG AA for normal text: what "readable" means here
MOMENT = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC")
FACTORY_CALL = re.compile(r"\b(%s)\(" % "|".join(WIDGET_FACTORIES))
# Printed by a cell the test adds at the end of a lab: what the widgets should show.
CLOUD_NOW = ('import json; print(json.dumps({"time": f"{cloud.clock.now():%Y-%m-%d %H:%M:%S} UTC", '
             '"queues": cloud.queue_depths()}))')
PLOTTING = re.compile(r"\b(timeline|line_chart|row|waterfall)\(")  # the kit's charts: SVG

# Contrast ratio (WCAG 2) between an element's text colour and the first opaque background behind it.
CONTRAST = """element => {
    const rgb = colour => colour.match(/[\\d.]+/g).map(Number);
    const channel = value => {
        value /= 255;
        return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
    };
    const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    let node = element, background = [255, 255, 255];
    for (; node; node = node.parentElement) {
        const colour = rgb(getComputedStyle(node).backgroundColor);
        if (colour.length < 4 || colour[3] > 0) { background = colour; break; }
    }
    const text = luminance(rgb(getComputedStyle(element).color)), behind = luminance(background);
    const [light, dark] = text > behind ? [text, behind] : [behind, text];
    return (light + 0.05) / (dark + 0.05);
}"""


@dataclass
class RanLab:
    """A lab after Run All: its page, and the notebook as JupyterLab saved it (what each output is)."""

    name: str
    view: NotebookPage
    notebook: nbformat.NotebookNode

    def code_cells(self) -> Iterator[tuple[int, nbformat.NotebookNode]]:
        return ((index, cell) for index, cell in enumerate(self.notebook.cells) if cell.cell_type == "code")

    def where(self, index: int) -> str:
        """How a report names a cell: its number and first line."""
        first = (self.notebook.cells[index].source.strip().splitlines() or [""])[0]
        return f"{self.name}, cell {index} ({first!r})"


def run_notebook(browser: Browser, server: LabServer, relative: str, screenshot: str) -> Iterator[RanLab]:
    """Open ``relative`` in JupyterLab, run all its cells, save it, take its picture; clean up after."""
    context = offline_context(browser)
    try:
        view = NotebookPage(context.new_page(), server, relative)
        view.open()
        view.run_all()
        notebook = view.save()
        view.screenshot(screenshot_path(screenshot))
        yield RanLab(relative, view, notebook)
    finally:
        context.close()
        server.shut_down_kernels()


@pytest.fixture(scope="module", params=LABS)
def lab(request, browser: Browser, lab_server: LabServer) -> Iterator[RanLab]:
    """One lab after Run All, shared by this module's tests (labs run one after another)."""
    yield from run_notebook(browser, lab_server, f"labs/{request.param}", f"lab-{request.param.removesuffix('.ipynb')}")


def test_the_course_has_labs():
    assert LABS, f"no lab notebooks (NN_topic.ipynb) in {REPO / 'labs'}: run `make labs`"


# --- every cell ran, no error --------------------------------------------------------------------

def test_every_cell_ran(lab: RanLab):
    not_run = [lab.where(index) for index, cell in lab.code_cells() if cell.execution_count is None]
    assert not not_run, f"Run All stopped before these cells (look for an error above them): {not_run}"


def test_no_cell_shows_an_error(lab: RanLab):
    errors = [f"{lab.where(index)}: {output.ename}: {output.evalue}"
              for index, cell in lab.code_cells() for output in cell.outputs if output.output_type == "error"]
    assert not errors, "cells show an exception in the browser:\n" + "\n".join(errors)


# --- widgets -------------------------------------------------------------------------------------

def displays_a_widget(cell: nbformat.NotebookNode) -> bool:
    """Whether the cell ends by showing a widget: ``factory(cloud)`` or a name it bound to one."""
    lines = [line.strip() for line in cell.source.splitlines() if line.strip()]
    if not lines:
        return False
    if FACTORY_CALL.match(lines[-1]):
        return True
    return re.fullmatch(r"\w+", lines[-1]) is not None and re.search(
        rf"^{lines[-1]}\s*=\s*{FACTORY_CALL.pattern}", cell.source, re.MULTILINE) is not None


def widget_cells(lab: RanLab) -> dict[int, str]:
    """Cell index -> the widget factory it calls, for every cell that displays a widget."""
    cells = {}
    for index, cell in lab.code_cells():
        shown = any(WIDGET_VIEW in output.get("data", {}) for output in cell.outputs)
        if shown or displays_a_widget(cell):
            called = FACTORY_CALL.search(cell.source)
            cells[index] = called.group(1) if called else "widget"
    return cells


def test_every_widget_renders(lab: RanLab):
    for index, kind in widget_cells(lab).items():
        views = [output for output in lab.notebook.cells[index].outputs if WIDGET_VIEW in output.get("data", {})]
        assert views, f"{lab.where(index)} should display a {kind} widget, but its output holds no widget view"
        drawn = lab.view.outputs(index).locator(".jupyter-widgets.widget-box").first
        expect(drawn, f"{lab.where(index)}: the {kind} widget is not drawn").to_be_visible()
        text = lab.view.outputs(index).first.inner_text()
        assert "Error displaying widget" not in text, f"{lab.where(index)}: JupyterLab shows {text!r}"


def moment_in(locator: Locator) -> str:
    """The first ``YYYY-MM-DD HH:MM:SS UTC`` time shown in ``locator``."""
    text = locator.inner_text()
    found = MOMENT.search(text)
    assert found, f"no time shown in {text!r}"
    return found.group(0)


def cloud_now(lab: RanLab) -> dict:
    """The lab's cloud as the kernel sees it: ``{"time": ..., "queues": {name: depths}}``, from a new cell."""
    return json.loads(lab.view.run_new_cell(CLOUD_NOW))


def shown_depths(lab: RanLab, index: int) -> dict[str, dict[str, int]]:
    """The queue monitor's table in cell ``index``, as ``cloud.queue_depths()`` writes it."""
    texts = lab.view.outputs(index).first.locator(".widget-gridbox > .lm-Widget").all_inner_texts()
    columns = [text.strip().replace(" ", "_") for text in texts[:4]]  # queue, visible, in_flight, delayed
    rows = [texts[start:start + 4] for start in range(4, len(texts), 4)]
    return {row[0].split(" (DLQ of ")[0]: {column: int(value) for column, value in zip(columns[1:], row[1:])}
            for row in rows}


def later(moment: str, **step: float) -> str:
    """``moment`` (as widgets write it) moved forward by ``step`` (``timedelta`` arguments)."""
    return (datetime.strptime(moment, "%Y-%m-%d %H:%M:%S UTC") + timedelta(**step)).strftime("%Y-%m-%d %H:%M:%S UTC")


def test_widgets_show_the_cloud_as_it_is(lab: RanLab):
    """After Run All, the clock and the queue monitors show the cloud's time and depths, not older ones."""
    shown = {index: kind for index, kind in widget_cells(lab).items() if kind in ("clock_control", "queue_monitor")}
    if not shown:
        return
    now, stale = cloud_now(lab), []
    for index, kind in shown.items():
        output = lab.view.outputs(index).first
        if moment_in(output) != now["time"]:
            stale.append(f"{lab.where(index)}: the {kind} shows {moment_in(output)}, the cloud's clock {now['time']}")
        if kind == "queue_monitor" and shown_depths(lab, index) != now["queues"]:
            stale.append(f"{lab.where(index)}: the queue monitor shows {shown_depths(lab, index)}, "
                         f"cloud.queue_depths() is {now['queues']}")
    assert not stale, ("after Run All, widgets show an older state of the cloud (not redrawn after a later cell "
                       "changed it):\n" + "\n".join(stale))


def click_clock(lab: RanLab, index: int) -> None:
    """"+1 minute" moves the cloud's clock by a minute; the clock and every queue monitor show the new time."""
    output = lab.view.outputs(index).first
    after = later(cloud_now(lab)["time"], minutes=1)
    monitors = [lab.view.outputs(other).first.locator(".widget-html-content").first
                for other, kind in widget_cells(lab).items() if kind == "queue_monitor"]
    output.get_by_role("button", name="+1 minute").click()
    shown = output.locator(".widget-html-content").filter(has_text="Virtual time")
    expect(shown, f"{lab.where(index)}: '+1 minute' should show {after}").to_contain_text(after, timeout=REACTION_MS)
    expect(output.locator(".widget-label").filter(has_text="moved to")).to_contain_text(after)
    for monitor in monitors:
        expect(monitor, f"{lab.name}: a queue monitor did not follow the clock").to_contain_text(after)
    assert cloud_now(lab)["time"] == after, f"{lab.where(index)}: the clock shows {after}, the cloud disagrees"


def click_invoke(lab: RanLab, index: int) -> None:
    """The event builder's "Invoke" runs the chosen function and shows what came back and its log."""
    output = lab.view.outputs(index).first
    button = output.get_by_role("button", name="Invoke")
    expect(button, f"{lab.where(index)}: 'Invoke' is disabled (no function to invoke?)").to_be_enabled()
    button.click()
    expect(output, f"{lab.where(index)}: 'Invoke' showed no log").to_contain_text("REPORT RequestId",
                                                                                 timeout=REACTION_MS)


def pick_invocation(lab: RanLab, index: int) -> None:
    """Choosing an older invocation in the log viewer shows that invocation's log."""
    output = lab.view.outputs(index).first
    choice = output.locator(".widget-dropdown").filter(has_text="invocation").locator("select")
    labels = choice.locator("option").all_inner_texts()
    assert len(labels) >= 2, f"{lab.where(index)}: the log viewer lists {len(labels)} invocation(s); expected several"
    request_id = re.search(r"\((\w+)\)\s*$", labels[1]).group(1)
    choice.select_option(index=1)
    expect(output, f"{lab.where(index)}: picking {labels[1]!r} did not show its log").to_contain_text(
        f"RequestId: {request_id}", timeout=REACTION_MS)


CLICKS: dict[str, Callable[[RanLab, int], None]] = {
    "clock_control": click_clock, "event_builder": click_invoke, "log_viewer": pick_invocation}


def test_widgets_react_to_clicks(lab: RanLab):
    for index, kind in widget_cells(lab).items():
        if kind in CLICKS:  # a queue monitor has nothing to click: it follows the clock (see click_clock)
            CLICKS[kind](lab, index)
    errors = [text for text in lab.view.page.locator(".jupyter-widgets").all_inner_texts() if "Error while" in text]
    assert not errors, f"{lab.name}: a widget reports an error after the clicks: {errors}"


# --- plots ---------------------------------------------------------------------------------------

def test_plots_appear_as_images(lab: RanLab):
    for index, cell in lab.code_cells():
        images = [output for output in cell.outputs if any(kind in output.get("data", {}) for kind in IMAGE_TYPES)]
        if PLOTTING.search(cell.source):
            shown = [output.get("data", {}).get("text/plain", output.get("text", "")) for output in cell.outputs]
            assert images, f"{lab.where(index)} draws a chart but shows no image, only {shown}"
        for number in range(len(images)):
            picture = lab.view.outputs(index).locator("img").nth(number)
            expect(picture, f"{lab.where(index)}: figure {number + 1} is not on the page").to_be_visible()
            loaded = picture.evaluate("image => image.complete && image.naturalWidth > 0")
            assert loaded, f"{lab.where(index)}: figure {number + 1} did not load (a broken image)"


# --- check() -------------------------------------------------------------------------------------

def check_cells(lab: RanLab) -> list[int]:
    return [index for index, cell in lab.code_cells() if cell.source.lstrip().startswith("check(")]


def assert_readable(element: Locator, what: str) -> None:
    """``element`` is on screen and its text stands out from its background."""
    expect(element, f"{what} is not visible").to_be_visible()
    contrast = element.evaluate(CONTRAST)
    assert contrast >= MIN_CONTRAST, (f"{what} has a contrast of {contrast:.1f}:1 with its background "
                                      f"(want {MIN_CONTRAST}:1)")


def assert_check_result_readable(lab: RanLab, index: int) -> Locator:
    """Cell ``index`` shows a check() result: each test with its mark, each failure with its reason."""
    where = lab.where(index)
    result = lab.view.outputs(index).locator(".lambda-lab-check")
    expect(result, f"{where}: no check() result on the page").to_be_visible()
    assert_readable(result.locator("h3"), f"{where}: the heading (exercise and points)")
    tests = result.locator("li")
    assert tests.count() > 0, f"{where}: the result lists no test"
    problem = result.locator(".problem")
    for number in range(tests.count()):
        test = tests.nth(number)
        name = test.locator("code").inner_text()
        mark = test.locator(".pass, .fail")
        assert_readable(mark, f"{where}: the pass/fail mark of {name}")
        if "fail" in mark.get_attribute("class"):
            reason = test.locator(".why") if test.locator(".why").count() else problem
            assert_readable(reason, f"{where}: the reason {name} failed")
            assert reason.inner_text().strip(), f"{where}: {name} failed with an empty reason"
    verdict = result.locator("p > strong").last
    assert_readable(verdict, f"{where}: the verdict sentence")
    return result


def test_check_results_are_readable(lab: RanLab):
    for index in check_cells(lab):
        assert_check_result_readable(lab, index)


@pytest.fixture(scope="module")
def solved_lab(browser: Browser, lab_server: LabServer) -> Iterator[RanLab]:
    """The solution of the first lab, after Run All: every check passes."""
    yield from run_notebook(browser, lab_server, f"solutions/{LABS[0]}", f"solution-{LABS[0].removesuffix('.ipynb')}")


def test_passing_checks_read_as_passed(solved_lab: RanLab):
    checks = check_cells(solved_lab)
    assert checks, f"{solved_lab.name} has no check() cell"
    for index in checks:
        result = assert_check_result_readable(solved_lab, index)
        expect(result.locator(".fail"), f"{solved_lab.where(index)}: the solution fails a test").to_have_count(0)
        expect(result.locator("p > strong").last).to_have_text("All public tests passed.")
