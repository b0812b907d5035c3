"""The browser edition as a student meets it: the static site of ``make lite``, Python in the tab.

The test build (``make lite-test``: the same site with the solutions as its notebooks) is served from
``dist/lite-test`` on 127.0.0.1 by a plain static file server, as an instructor would serve the folder.
The page's every request that would leave the machine is refused. Labs 00, 04, 06 and 08 open in
JupyterLab-in-the-browser (``LAMBDA_LAB_LITE_LABS=all``: labs 00 to 08), the kernel being Pyodide
with the kit preloaded; each runs top to bottom,
and on those pages:

- every cell ran and none shows an error;
- every ``check()`` passes (they are the solutions) and says so;
- the clock widget answers a click; lab 08's charts are drawn;
- a wrong handler, saved by a ``%%lambda`` cell typed into the page, fails its check with the sentence
  that says what to fix.

Screenshots go to ``test-artifacts/screenshots/lite-*.png``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Callable, Iterator

import pytest
from browser_kit import REPO, StaticSite, offline_context, screenshot_path, serving
from notebook_page import NotebookPage
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.slow

SITE = REPO / "dist" / "lite-test"
# make test opens four labs (each costs a kernel start, ~15 s); LAMBDA_LAB_LITE_LABS=all opens 00 to 08,
# every lab the browser edition holds that needs neither AWS credentials (09) nor cryptography (10).
LABS = (sorted(path.stem for path in (REPO / "labs").glob("0[0-8]_*.ipynb"))
        if os.environ.get("LAMBDA_LAB_LITE_LABS") == "all"
        else ["00_welcome", "04_periodic_triggers", "06_calculator", "08_cold_starts_logs_cost"])
REACTION_MS = 60_000
STDERR_OUTPUT = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
CHECK_RESULT = ".lambda-lab-check"
PASSED = "All public tests passed."


@dataclass
class OpenLab:
    """A lab after Run All in the browser edition: its page and the errors it shows."""

    name: str
    view: NotebookPage
    errors: list[str]


def is_exception(stderr_text: str) -> bool:
    """Whether a stderr output is an exception (IPython draws one under a dashed rule, with its traceback);
    a warning or a log line a lab prints on purpose (lab 03's failing route) is not."""
    return stderr_text.lstrip().startswith("-" * 20) or "Traceback (most recent call last)" in stderr_text


@pytest.fixture(scope="module")
def site() -> Iterator[StaticSite]:
    if not (SITE / ".built").is_file():
        pytest.fail(f"no test build in {SITE}: run `make lite-test`", pytrace=False)
    with serving(SITE) as served:
        yield served


@pytest.fixture(scope="module")
def open_lab(browser: Browser, site: StaticSite) -> Iterator[Callable[[str], OpenLab]]:
    """``open_lab("04_periodic_triggers")``: the lab opened once (in its own browser context) and run."""
    opened: dict[str, OpenLab] = {}
    contexts = []

    def open_once(name: str) -> OpenLab:
        if name not in opened:
            context = offline_context(browser)
            contexts.append(context)
            view = NotebookPage(context.new_page(), site, f"{name}.ipynb")
            view.open()
            view.run_all()
            view.screenshot(screenshot_path(f"lite-{name}"))
            opened[name] = OpenLab(name, view, [text for text in view.page.locator(STDERR_OUTPUT).all_inner_texts()
                                                if is_exception(text)])
        return opened[name]

    yield open_once
    for context in contexts:
        context.close()


@pytest.mark.parametrize("name", LABS)
def test_a_lab_runs_top_to_bottom_in_the_browser_and_its_checks_pass(open_lab, name):
    lab = open_lab(name)
    assert not lab.errors, f"{name} shows errors in the browser:\n" + "\n---\n".join(e[-1500:] for e in lab.errors)
    prompts = lab.view.page.locator(".jp-CodeCell .jp-InputArea-prompt").all_inner_texts()
    assert prompts and all(re.fullmatch(r"\[\d+\]:", prompt.strip()) for prompt in prompts), \
        f"{name}: not every code cell ran: {prompts}"
    checks = lab.view.page.locator(CHECK_RESULT)
    assert checks.count() >= 1, f"{name} shows no check() result"
    for index in range(checks.count()):
        expect(checks.nth(index)).to_contain_text(PASSED)


def test_the_clock_widget_answers_a_click_in_the_browser(open_lab):
    page = open_lab("04_periodic_triggers").view.page
    clock = page.locator(".jp-OutputArea-output").filter(has=page.get_by_role("button", name="+1 minute")).first
    shown = clock.locator(".widget-html-content").filter(has_text="Virtual time")
    before = shown.inner_text()
    clock.get_by_role("button", name="+1 minute").click()
    expect(shown).not_to_have_text(before, timeout=REACTION_MS)
    expect(clock.locator(".widget-label").filter(has_text="moved to")).to_be_visible()


def test_lab_08_draws_its_charts_without_matplotlib(open_lab):
    page = open_lab("08_cold_starts_logs_cost").view.page
    charts = page.locator(".jp-OutputArea-output[data-mime-type='image/svg+xml'] img")
    assert charts.count() >= 1, "lab 08 shows no chart in the browser"
    for index in range(charts.count()):
        expect(charts.nth(index)).to_be_visible()
        assert charts.nth(index).evaluate("image => image.complete && image.naturalWidth > 0"), "a chart did not load"


def test_a_wrong_handler_fails_its_check_with_feedback_in_the_browser(open_lab):
    view = open_lab("00_welcome").view
    view.run_new_cell('%%lambda hello\ndef lambda_handler(event, context):\n    return "Hello!"\n')
    printed = view.run_new_cell('check("00-hello")')
    assert PASSED not in printed
    result = view.page.locator(CHECK_RESULT).last  # the lab's own checks come before it
    expect(result).to_contain_text("Not yet")
    expect(result).to_contain_text("""expected "Hello, Ada!" for the event {"name": "Ada"}, got 'Hello!'""")
    view.screenshot(screenshot_path("lite-00_welcome-failing-check"))


def test_the_landing_page_says_what_this_is_and_opens_the_labs(browser: Browser, site: StaticSite):
    context = offline_context(browser)
    page = context.new_page()
    page.goto(site.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Lambda Lab in your browser")
    expect(page.get_by_text("The first visit downloads")).to_be_visible()
    assert page.get_by_role("link", name="Open the labs").get_attribute("href") == "lab/index.html?path=00_welcome.ipynb"
    page.screenshot(path=screenshot_path("lite-landing"))
    context.close()
