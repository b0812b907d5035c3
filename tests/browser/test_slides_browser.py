"""Every lecture deck as the class sees it: built fresh, opened from its HTML file, with no network.

Each deck (``slides/NN_topic.md``) is built by ``slides/build.py`` into a temporary folder and opened
in headless Chromium from the file, with every request that would leave the machine refused. Then:

- the deck starts without a script error and asks for nothing but its own file (it is self-contained);
- every slide of the source is a slide of the deck, and each one, shown, has content that fits in the
  slide (nothing cut off at the bottom or the right), diagrams with a size, images that loaded;
- the right arrow moves to the next slide, and the slide number follows.

Pictures: ``test-artifacts/screenshots/deck-NN_topic.png`` (every slide, one under the other, in
reveal.js's print layout) and ``deck-NN_topic-first.png`` (the first slide as projected).
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest
from browser_kit import REPO, offline_context, screenshot_path
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.slow

SLIDES = REPO / "slides"
DECKS = sorted(path.stem for path in SLIDES.glob("[0-9][0-9]_*.md"))
READY_MS = 30_000
FIT_TOLERANCE_PX = 1  # rounding in the browser's layout

# What the slide on screen shows, measured in reveal.js's own slide box (before it scales to the window).
PRESENT_SLIDE = """() => {
    const slide = Reveal.getCurrentSlide(), config = Reveal.getConfig();
    const clipped = Array.from(slide.querySelectorAll('pre, code, table'))
        .filter(box => box.scrollHeight > box.clientHeight + 1 || box.scrollWidth > box.clientWidth + 1)
        .map(box => box.textContent.trim().slice(0, 60));
    return {
        title: (slide.querySelector('h1, h2, h3') || slide).textContent.trim().slice(0, 80),
        text: slide.textContent.trim().length,
        media: slide.querySelectorAll('svg, img').length,
        height: slide.scrollHeight, width: slide.scrollWidth,
        maxHeight: config.height, maxWidth: config.width,
        visible: slide.classList.contains('present') && getComputedStyle(slide).display !== 'none',
        emptyDiagrams: Array.from(slide.querySelectorAll('svg'))
            .filter(svg => svg.getBoundingClientRect().width === 0 || svg.getBoundingClientRect().height === 0)
            .length,
        brokenImages: Array.from(slide.querySelectorAll('img'))
            .filter(image => !image.complete || image.naturalWidth === 0)
            .map(image => image.alt || image.src.slice(0, 60)),
        clipped,
    };
}"""


def load_builder():
    """``slides/build.py`` as a module: the test counts slides the way the builder splits them."""
    spec = importlib.util.spec_from_file_location("slides_build", SLIDES / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@dataclass
class OpenDeck:
    """A deck open in the browser, with what happened while it loaded."""

    name: str
    url: str
    expected_slides: int
    page: Page | None = None
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def indices(self) -> dict:
        return self.page.evaluate("() => Reveal.getIndices()")


@pytest.fixture(scope="module")
def built_decks() -> Iterator[Path]:
    """Every deck, built now from its source into a temporary folder (deleted afterwards)."""
    with tempfile.TemporaryDirectory(prefix="lambda-lab-decks-") as out:
        built = subprocess.run([sys.executable, str(SLIDES / "build.py"), "--out", out],
                               capture_output=True, text=True, timeout=300)
        if built.returncode != 0:
            pytest.fail(f"slides/build.py failed (exit {built.returncode}):\n{built.stdout}{built.stderr}",
                        pytrace=False)
        yield Path(out)


def open_deck(browser: Browser, url: str, deck: OpenDeck | None = None) -> Page:
    """A new offline page showing ``url`` once reveal.js is ready; loading events go to ``deck``."""
    page = offline_context(browser).new_page()
    if deck is not None:
        page.on("request", lambda request: deck.requests.append(request.url))
        page.on("requestfailed", lambda request: deck.failed.append(f"{request.url}: {request.failure}"))
        page.on("pageerror", lambda error: deck.errors.append(str(error)))
    page.goto(url)
    page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=READY_MS)
    return page


@pytest.fixture(scope="module", params=DECKS)
def deck(request, browser: Browser, built_decks: Path) -> Iterator[OpenDeck]:
    """One deck open at its first slide; its pictures are taken on the way."""
    name = request.param
    source = (SLIDES / f"{name}.md").read_text(encoding="utf-8")
    url = (built_decks / f"{name}.html").as_uri()
    opened = OpenDeck(name, url, expected_slides=len(load_builder().split_slides(source)))
    opened.page = open_deck(browser, url, opened)
    opened.page.screenshot(path=screenshot_path(f"deck-{name}-first"))
    # reveal.js's print layout puts every slide one under the other: the whole deck in one picture.
    printed = open_deck(browser, url + "?print-pdf")
    printed.screenshot(path=screenshot_path(f"deck-{name}"), full_page=True)
    printed.context.close()
    yield opened
    opened.page.context.close()


def test_the_course_has_decks():
    assert DECKS, f"no lecture decks (NN_topic.md) in {SLIDES}"


def test_deck_opens_offline_from_its_file(deck: OpenDeck):
    others = [url for url in deck.requests if url != deck.url and not url.startswith("data:")]
    assert not deck.errors, f"{deck.name}: script errors while opening: {deck.errors}"
    assert not others, f"{deck.name} is not self-contained: it asked for {others}"
    assert not deck.failed, f"{deck.name}: requests failed: {deck.failed}"


def test_every_slide_renders(deck: OpenDeck):
    total = deck.page.evaluate("() => Reveal.getTotalSlides()")
    assert total == deck.expected_slides, (
        f"{deck.name}.md has {deck.expected_slides} slides but the deck shows {total}")
    problems = []
    for number in range(total):
        deck.page.evaluate(f"() => Reveal.slide({number})")
        shown = deck.page.evaluate(PRESENT_SLIDE)
        where = f"slide {number + 1} ({shown['title']!r})"
        if not shown["visible"] or not (shown["text"] or shown["media"]):
            problems.append(f"{where} is not shown, or shows nothing")
        too_tall = shown["height"] > shown["maxHeight"] + FIT_TOLERANCE_PX
        if too_tall or shown["width"] > shown["maxWidth"] + FIT_TOLERANCE_PX:
            problems.append(f"{where} is {shown['width']}x{shown['height']} px, larger than the "
                            f"{shown['maxWidth']}x{shown['maxHeight']} slide: its end is cut off")
        if shown["emptyDiagrams"]:
            problems.append(f"{where}: {shown['emptyDiagrams']} diagram(s) drawn with no size")
        if shown["brokenImages"]:
            problems.append(f"{where}: images that did not load: {shown['brokenImages']}")
        if shown["clipped"]:
            problems.append(f"{where}: blocks too big for their box (scroll bars on screen): {shown['clipped']}")
    assert not problems, f"{deck.name}:\n" + "\n".join(problems)


def test_right_arrow_moves_to_the_next_slide(deck: OpenDeck):
    deck.page.evaluate("() => Reveal.slide(0)")
    total = deck.page.evaluate("() => Reveal.getHorizontalSlides().length")
    number = deck.page.locator(".slide-number")
    for expected in range(1, total):
        deck.page.keyboard.press("ArrowRight")
        expect(number, f"{deck.name}: the right arrow from slide {expected}").to_have_text(
            re.compile(rf"^\s*{expected + 1}\s*/\s*{total}\s*$"))
        assert deck.indices()["h"] == expected
    deck.page.keyboard.press("ArrowRight")
    assert deck.indices()["h"] == total - 1, f"{deck.name}: the right arrow on the last slide should stay there"
