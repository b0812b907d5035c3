"""The lecture decks: each builds into one self-contained HTML file, with every slide and diagram.

The build needs reveal.js from the npm registry, downloaded once into slides/.npm/ by
``.venv/bin/python slides/build.py --fetch`` (``make slides`` does it). Tests never download it.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tarfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

SLIDES = REPO / "slides"
DECKS = sorted(SLIDES.glob("[0-9][0-9]_*.md"))
WEB = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)


def load_build_module():
    spec = importlib.util.spec_from_file_location("slides_build", SLIDES / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


build = load_build_module()


@pytest.fixture(scope="module")
def reveal():
    tarball = build.tarball_path()
    if not tarball.exists():
        pytest.fail(f"reveal.js is not downloaded yet: run `.venv/bin/python slides/build.py --fetch` "
                    f"(or `make slides`) once, with the npm registry reachable; expected {tarball}")
    return build.load_reveal(build.fetch_reveal())


class Page(HTMLParser):
    """What a browser would fetch or run from a page: tags with their attributes, and inline text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self.scripts: list[str] = []
        self._inside: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._inside = tag if tag in ("style", "script") else None

    def handle_data(self, data):
        if self._inside == "style":
            self.styles.append(data)
        elif self._inside == "script":
            self.scripts.append(data)

    def handle_endtag(self, tag):
        self._inside = None

    def all(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.tags if tag == name]


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def slide_sources(deck: Path) -> list[str]:
    return [part for part in re.split(r"^---[ \t]*$", deck.read_text(encoding="utf-8"), flags=re.M)]


def test_there_is_one_deck_per_lecture():
    assert [deck.name for deck in DECKS] == ["01_serverless_and_lambda.md", "02_events_triggers_queues.md",
                                            "03_orchestration_observability_deployment.md"]


@pytest.fixture(scope="module")
def built(reveal, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("decks")
    return {deck.name: build.build_deck(deck, out, reveal) for deck in DECKS}


@pytest.mark.parametrize("deck", DECKS, ids=lambda deck: deck.stem)
def test_a_deck_needs_no_other_file_and_no_network(built, deck):
    page = parse(built[deck.name])
    for tag, attrs in page.tags:
        for name in ("src", "href", "xlink:href", "data-src", "poster", "action"):
            value = attrs.get(name)
            assert value is None or not WEB.match(value), f"<{tag} {name}={value!r}> reaches the network"
            if tag in ("img", "script", "iframe", "link", "source", "video", "audio", "embed", "object"):
                assert value is None or value.startswith("data:"), f"<{tag} {name}={value!r}> needs another file"
    assert page.all("link") == [] and page.all("iframe") == [] and page.all("img") == []
    assert all("src" not in script for script in page.all("script")), "every script must be inline"
    css = "\n".join(page.styles)
    assert "@import" not in css
    urls = [url.strip("'\" ") for url in re.findall(r"url\(([^)]*)\)", css)]
    assert all(url.startswith(("data:", "#")) for url in urls), urls  # inline data, or a part of this page


@pytest.mark.parametrize("deck", DECKS, ids=lambda deck: deck.stem)
def test_reveal_js_is_inlined_and_started(built, deck):
    page = parse(built[deck.name])
    scripts = "\n".join(page.scripts)
    assert f"{build.REVEAL_VERSION}" in scripts and "Reveal.initialize(" in scripts and "RevealNotes" in scripts
    assert any("reveal" in (attrs.get("class") or "").split() for attrs in page.all("div"))
    assert ".reveal .slides section" in "\n".join(page.styles)  # reveal.css itself, not only our theme


@pytest.mark.parametrize("deck", DECKS, ids=lambda deck: deck.stem)
def test_every_slide_of_the_source_is_in_the_deck(built, deck):
    expected = len(slide_sources(deck))
    page = parse(built[deck.name])
    assert len(page.all("section")) == expected
    assert expected >= 15
    title = re.match(r"#\s+(.+)", slide_sources(deck)[0].strip()).group(1)
    assert f"<title>{title}</title>" in built[deck.name].read_text(encoding="utf-8")


@pytest.mark.parametrize("deck", DECKS, ids=lambda deck: deck.stem)
def test_every_diagram_is_drawn_inline(built, deck):
    wanted = re.findall(r"!\[[^\]]+\]\(diagrams/([\w-]+)\.svg\)", deck.read_text(encoding="utf-8"))
    drawn = [attrs["data-diagram"] for attrs in parse(built[deck.name]).all("svg") if "data-diagram" in attrs]
    assert drawn == wanted and len(wanted) >= 2
    for attrs in parse(built[deck.name]).all("svg"):
        if "data-diagram" in attrs:
            assert attrs["role"] == "img" and len(attrs["aria-label"]) > 20


def test_every_diagram_file_is_used_by_a_deck():
    used = {name for deck in DECKS for name in re.findall(r"\(diagrams/([\w-]+)\.svg\)", deck.read_text())}
    assert used == {path.stem for path in (SLIDES / "diagrams").glob("*.svg")}


def test_speaker_notes_and_code_colours(built):
    text = built["01_serverless_and_lambda.md"].read_text(encoding="utf-8")
    assert '<aside class="notes">' in text and "the billing model" in text
    assert '<div class="highlight">' in text and '<span class="k">def</span>' in text


def test_the_command_line_builds_every_deck(reveal, tmp_path):
    done = subprocess.run([sys.executable, str(SLIDES / "build.py"), "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert sorted(path.name for path in tmp_path.glob("*.html")) == [deck.stem + ".html" for deck in DECKS]
    assert sorted(path.name for path in (tmp_path / "fr").glob("*.html")) == [deck.stem + ".html" for deck in DECKS]
    assert "warning" not in done.stderr, done.stderr  # every French slide is current


@pytest.mark.parametrize("deck", DECKS, ids=lambda deck: deck.stem)
def test_the_french_deck_has_every_slide_and_diagram_in_french(reveal, tmp_path, deck):
    english, french = build.build_deck(deck, tmp_path, reveal), build.build_deck(deck, tmp_path, reveal, "fr")
    assert french == tmp_path / "fr" / f"{deck.stem}.html"
    text = french.read_text(encoding="utf-8")
    assert '<html lang="fr">' in text and text != english.read_text(encoding="utf-8")
    english_page, french_page = parse(english), parse(french)
    assert len(french_page.all("section")) == len(english_page.all("section"))
    diagrams = [[attrs["data-diagram"] for attrs in page.all("svg") if "data-diagram" in attrs]
                for page in (english_page, french_page)]
    assert diagrams[0] == diagrams[1]
    assert re.search(r"<title>[^<]*\b(Le|Événements|Orchestration, observabilité)\b", text), "the title is not French"


# --- what the build refuses, and how it says so ----------------------------------------------------

def write_deck(tmp_path: Path, text: str) -> Path:
    deck = tmp_path / "99_test.md"
    deck.write_text(text, encoding="utf-8")
    return deck


@pytest.mark.parametrize("text, message", [
    ("# T\n\n---\n\nSee [the docs](https://docs.aws.amazon.com/lambda/)", "write the address as text"),
    ("# T\n\n---\n\n![x](diagrams/no-such.svg)", "diagram 'no-such' does not exist"),
    ("# T\n\n---\n\n![x](photo.png)", "only diagrams/NAME.svg can be shown"),
    ("# T\n\n---\n\n---\n\nmore", "a slide is empty"),
    ("Just text\n\n---\n\nmore", "the first slide must start with the deck's title"),
    ("# T\n\n```cobolish\nx\n```", "code block language 'cobolish' is unknown"),
])
def test_a_bad_deck_is_refused_with_the_reason(reveal, tmp_path, text, message):
    with pytest.raises(build.DeckError, match=re.escape(message)):
        build.build_deck(write_deck(tmp_path, text), tmp_path / "out", reveal)


def test_a_tarball_that_is_not_the_published_one_is_refused(tmp_path):
    fake = build.tarball_path(tmp_path)
    with tarfile.open(fake, "w:gz"):
        pass
    with pytest.raises(build.DeckError, match="is not reveal.js 5.2.1 as published"):
        build.fetch_reveal(tmp_path)
