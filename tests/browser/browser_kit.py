"""Headless Chromium for the browser suite: Debian's browser, offline pages, screenshots.

The browser is Debian's ``chromium`` (``make chromium`` installs it), driven by Playwright, which never
downloads a browser of its own here. Every page refuses requests that would leave the machine, the way
a student's laptop without internet would: a lab or a slide deck that needs the network fails the test.
"""

from __future__ import annotations

import functools
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

from playwright.sync_api import Browser, BrowserContext, Page, Route

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking flags Chromium phones home at start; a closed network refuses it.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 900}
MAX_SCREENSHOT_HEIGHT = 16000  # Chromium cannot paint a taller page in one piece


def is_local_url(url: str) -> bool:
    """Whether a page request stays on this machine: loopback, a file, or data the page made itself."""
    if url.startswith(("file:", "data:", "blob:", "about:")):
        return True
    host = url.split("://", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1]
    return host.rsplit(":", 1)[0] in ("127.0.0.1", "localhost", "[::1]")


def refuse_remote(route: Route) -> None:
    """Let a local request through; abort one that would leave the machine, as if offline."""
    if is_local_url(route.request.url):
        route.continue_()
    else:
        route.abort("internetdisconnected")


def offline_context(browser: Browser) -> BrowserContext:
    """A fresh browser context (its own cookies and storage) whose pages cannot reach the network."""
    context = browser.new_context(viewport=VIEWPORT)
    context.route("**/*", refuse_remote)
    return context


def screenshot_path(name: str) -> Path:
    """``test-artifacts/screenshots/NAME.png``, its folder created. The run keeps these files."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"


def screenshot_whole(page: Page, scroller: str, path: Path) -> None:
    """Screenshot all of a page whose content scrolls inside the element ``scroller`` (as JupyterLab's does).

    The window is made as tall as the content (up to MAX_SCREENSHOT_HEIGHT), the content scrolled to
    its top, the picture taken, and the window given back its usual size.
    """
    content, visible = page.locator(scroller).evaluate("node => [node.scrollHeight, node.clientHeight]")
    height = min(VIEWPORT["height"] + max(content - visible, 0), MAX_SCREENSHOT_HEIGHT)
    page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
    try:
        page.locator(scroller).evaluate("node => { node.scrollTop = 0; }")
        page.screenshot(path=path)
    finally:
        page.set_viewport_size(VIEWPORT)


class _QuietFiles(SimpleHTTPRequestHandler):
    """Static files, as any web server gives them; no log line per request."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm",
                      ".mjs": "text/javascript", ".json": "application/json"}

    def log_message(self, *arguments) -> None:
        pass


@dataclass
class StaticSite:
    """A folder served on 127.0.0.1 (what ``python -m http.server -b 127.0.0.1`` does): the browser edition."""

    url: str

    def notebook_url(self, relative: str) -> str:
        return f"{self.url}lab/index.html?path={relative}"


@contextmanager
def serving(folder: Path) -> Iterator[StaticSite]:
    """Serve ``folder``'s files on a free port of 127.0.0.1 while the block runs."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietFiles, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield StaticSite(f"http://127.0.0.1:{server.server_port}/")
    finally:
        server.shutdown()
        server.server_close()
