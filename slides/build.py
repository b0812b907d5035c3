"""Build the lecture decks: ``slides/NN_topic.md`` -> ``slides/build/NN_topic.html``.

    .venv/bin/python slides/build.py                  # every deck into slides/build/, its French edition into slides/build/fr/
    .venv/bin/python slides/build.py --out /tmp/decks 01_serverless_and_lambda.md
    .venv/bin/python slides/build.py --fetch          # only download reveal.js (the one network step)

Each HTML file is self-contained: reveal.js's CSS and JavaScript, the theme, the code colours and
every diagram are inlined, so the file works offline, from a USB stick or an e-mail attachment.

How a deck is written (see the .md files):

- slides are separated by a line holding only ``---``; the first slide is the title slide;
- ordinary Markdown (headings, lists, tables, fenced code, which is coloured at build time);
- ``![what it shows](diagrams/NAME.svg)`` inlines a diagram from ``slides/diagrams/``;
- a line ``Note:`` starts the speaker notes of its slide (press ``s`` in the deck to see them).

Each edition in ``i18n/`` (``i18n/fr/slides/NN_topic.json``: the French text of each slide, with the hash of
the English slide it was made from, see :mod:`grader.translate`) is built next to the English decks, into
``build/fr/``; a slide whose translation is missing or stale is built in English, with a warning.

reveal.js comes from the npm registry (``npm pack reveal.js@VERSION``), pinned to one version and
checked against its published sha512 integrity, and is cached in ``slides/.npm/``: only the first
build needs the network. Links to web pages are refused: a deck must not depend on the network.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import re
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import mistune
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

SLIDES = Path(__file__).resolve().parent
I18N = SLIDES.parent / "i18n"
DIAGRAMS = SLIDES / "diagrams"
CACHE = SLIDES / ".npm"
REVEAL_VERSION = "5.2.1"
# The "integrity" npm publishes for reveal.js 5.2.1: the build refuses any other tarball.
REVEAL_INTEGRITY = "sha512-r7//6mIM5p34hFiDMvYfXgyjXqGRta+/psd9YtytsgRlrpRzFv4RbH76TXd2qD+7ZPZEbpBDhdRhJaFgfQ7zNQ=="
REVEAL_FILES = {"core_css": "package/dist/reveal.css", "theme_css": "package/dist/theme/white.css",
                "core_js": "package/dist/reveal.js", "notes_js": "package/plugin/notes/notes.js"}
SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)
NOTES = re.compile(r"^Note:[ \t]*$", re.MULTILINE)
WEB_ADDRESS = re.compile(r"^(https?:)?//", re.IGNORECASE)
# The arrowhead every diagram's arrows use, defined once per page (not display:none, or it would not draw).
SHARED_SVG = ('<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
              '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
              'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#444"/></marker></defs></svg>')


class DeckError(Exception):
    """A deck or a diagram that cannot be built as written; the message says what to change."""


# --- reveal.js from the npm registry -------------------------------------------------------------

def tarball_path(cache: Path = CACHE) -> Path:
    return cache / f"reveal.js-{REVEAL_VERSION}.tgz"


def integrity_of(path: Path) -> str:
    """The npm-style integrity string of a file: ``sha512-`` and the base64 digest."""
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def fetch_reveal(cache: Path = CACHE) -> Path:
    """The reveal.js tarball, downloaded with ``npm pack`` on first use and verified every time."""
    path = tarball_path(cache)
    if not path.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise DeckError(f"npm was not found: install Node.js (it includes npm), or put "
                            f"reveal.js-{REVEAL_VERSION}.tgz from the npm registry in {cache}")
        cache.mkdir(parents=True, exist_ok=True)
        try:
            done = subprocess.run([npm, "pack", f"reveal.js@{REVEAL_VERSION}", "--pack-destination", str(cache)],
                                  capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            raise DeckError(f"npm pack reveal.js@{REVEAL_VERSION} gave no answer in 10 minutes: "
                            "is the npm registry reachable?") from None
        if done.returncode != 0 or not path.exists():
            raise DeckError(f"npm pack reveal.js@{REVEAL_VERSION} failed (is the npm registry reachable?):\n"
                            f"{done.stderr.strip()}")
    found = integrity_of(path)
    if found != REVEAL_INTEGRITY:
        raise DeckError(f"{path} is not reveal.js {REVEAL_VERSION} as published (integrity {found}); "
                        f"delete it and build again to download it afresh")
    return path


@dataclass(frozen=True)
class Reveal:
    """The four reveal.js files a deck inlines."""

    core_css: str
    theme_css: str
    core_js: str
    notes_js: str


def load_reveal(tarball: Path) -> Reveal:
    with tarfile.open(tarball) as archive:
        texts = {name: archive.extractfile(member).read().decode("utf-8")
                 for name, member in REVEAL_FILES.items()}
    # The white theme imports its web font from a file next to it; the deck uses system fonts instead.
    texts["theme_css"] = re.sub(r"@import url\(\./fonts/[^)]*\);", "", texts["theme_css"])
    return Reveal(**texts)


# --- Markdown to slides ----------------------------------------------------------------------------

def inline_diagram(name: str, description: str) -> str:
    """The SVG of ``diagrams/NAME.svg``, ready to sit in the page (labelled for screen readers)."""
    path = DIAGRAMS / f"{name}.svg"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in DIAGRAMS.glob("*.svg"))) or "none"
        raise DeckError(f"diagram {name!r} does not exist: expected {path} (diagrams: {known})")
    svg = re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", path.read_text(encoding="utf-8"))
    if not svg.startswith("<svg") or re.search(r"<script|(?:href|src)\s*=\s*[\"']?(?:https?:)?//", svg):
        raise DeckError(f"{path} must be one <svg> element with no script and no web address in it")
    label = html.escape(description, quote=True)
    return svg.replace("<svg", f'<svg class="diagram" data-diagram="{name}" role="img" aria-label="{label}"', 1)


class SlideRenderer(mistune.HTMLRenderer):
    """Markdown's HTML, plus inlined diagrams, code coloured by Pygments, and no web links."""

    def image(self, text: str, url: str, title: str | None = None) -> str:
        match = re.fullmatch(r"diagrams/([\w-]+)\.svg", url)
        if match is None:
            raise DeckError(f"image {url!r}: only diagrams/NAME.svg can be shown (they are inlined into the page)")
        return inline_diagram(match.group(1), text)

    def link(self, text: str, url: str, title: str | None = None) -> str:
        if WEB_ADDRESS.match(url):
            raise DeckError(f"link to {url!r}: decks work offline, so write the address as text (`{url}`)")
        return super().link(text, url, title)

    def block_code(self, code: str, info: str | None = None) -> str:
        language = (info or "text").split()[0]
        try:
            lexer = get_lexer_by_name(language)
        except ClassNotFound:
            raise DeckError(f"code block language {language!r} is unknown to Pygments: use python, json, "
                            f"yaml, bash or text") from None
        return highlight(code, lexer, HtmlFormatter(cssclass="highlight"))


def markdown_to_html() -> mistune.Markdown:
    return mistune.create_markdown(escape=True, renderer=SlideRenderer(escape=True), plugins=["table"])


def split_slides(text: str) -> list[str]:
    """The Markdown of each slide: the text between lines that hold only ``---``."""
    slides = [part.strip() for part in SEPARATOR.split(text)]
    if any(not slide for slide in slides):
        raise DeckError("a slide is empty: two '---' lines follow each other, or one starts or ends the file")
    return slides


def render_slide(source: str, convert: mistune.Markdown) -> str:
    """One <section>: the slide, then its speaker notes (what follows a ``Note:`` line) in an <aside>."""
    body, *notes = NOTES.split(source, maxsplit=1)
    aside = f'\n<aside class="notes">{convert(notes[0])}</aside>' if notes and notes[0].strip() else ""
    return f"<section>\n{convert(body)}{aside}\n</section>"


def deck_title(slides: list[str], source: Path) -> str:
    match = re.match(r"#\s+(.+)", slides[0])
    if match is None:
        raise DeckError(f"{source.name}: the first slide must start with the deck's title, '# Title'")
    return match.group(1).strip()


# --- one self-contained page -------------------------------------------------------------------

def _inline(text: str, tag: str) -> str:
    """Text that is safe inside <script> or <style>: it cannot close the element early."""
    return text.replace(f"</{tag}", f"<\\/{tag}")


def page(title: str, sections: list[str], reveal: Reveal, language: str = "en") -> str:
    styles = [reveal.core_css, reveal.theme_css, HtmlFormatter(cssclass="highlight").get_style_defs(".highlight"),
              (SLIDES / "theme.css").read_text(encoding="utf-8")]
    style = "\n".join(f"<style>\n{_inline(css, 'style')}\n</style>" for css in styles)
    scripts = "\n".join(f"<script>\n{_inline(js, 'script')}\n</script>" for js in (reveal.core_js, reveal.notes_js))
    slides = "\n".join(sections)
    return f"""<!doctype html>
<html lang="{language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
{style}
</head>
<body>
{SHARED_SVG}
<div class="reveal"><div class="slides">
{slides}
</div></div>
{scripts}
<script>Reveal.initialize({{hash: true, slideNumber: "c/t", plugins: [RevealNotes]}});</script>
</body>
</html>
"""


def edition_slides(source: Path, edition: str) -> tuple[list[str], list[str]]:
    """The slides of ``source`` in ``edition`` (e.g. ``fr``), and what is missing or stale in its translation."""
    from grader.translate import load_deck_translation, translate_slides

    path = I18N / edition / "slides" / f"{source.stem}.json"
    translation = load_deck_translation(path) if path.is_file() else []
    return translate_slides(split_slides(source.read_text(encoding="utf-8")), translation, str(path))


def build_deck(source: Path, out_dir: Path, reveal: Reveal, edition: str | None = None) -> Path:
    """Build one deck into ``out_dir/NAME.html`` (or its ``edition`` into ``out_dir/EDITION/NAME.html``);
    returns the file written."""
    if edition is None:
        slides = split_slides(source.read_text(encoding="utf-8"))
    else:
        slides, problems = edition_slides(source, edition)
        for problem in problems:
            print(f"slides/build.py: warning: {problem} (built in English)", file=sys.stderr)
        out_dir = out_dir / edition
    convert = markdown_to_html()
    try:
        sections = [render_slide(slide, convert) for slide in slides]
    except DeckError as error:
        raise DeckError(f"{source.name}: {error}") from None
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{source.stem}.html"
    target.write_text(page(deck_title(slides, source), sections, reveal, edition or "en"), encoding="utf-8")
    return target


def decks() -> list[Path]:
    """Every deck source, in lecture order."""
    return sorted(SLIDES.glob("[0-9][0-9]_*.md"))


def editions() -> list[str]:
    """The languages the decks are translated into: the folders of ``i18n/`` that hold a ``slides/`` folder."""
    return sorted(path.parent.name for path in I18N.glob("*/slides") if path.is_dir())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the lecture decks into self-contained HTML files.")
    parser.add_argument("decks", nargs="*", help="deck sources (default: every slides/NN_*.md)")
    parser.add_argument("--out", type=Path, default=SLIDES / "build", help="output folder (default: slides/build)")
    parser.add_argument("--fetch", action="store_true", help="only download and verify reveal.js")
    args = parser.parse_args(argv)
    try:
        tarball = fetch_reveal()
        if args.fetch:
            print(f"reveal.js {REVEAL_VERSION}: {tarball}")
            return 0
        reveal = load_reveal(tarball)
        sources = [Path(name) if Path(name).exists() else SLIDES / name for name in args.decks] or decks()
        for source in sources:
            for edition in (None, *editions()):
                print(build_deck(source, args.out, reveal, edition))
    except (DeckError, OSError) as error:
        print(f"slides/build.py: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
