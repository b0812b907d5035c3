"""The browser suite's fixtures: one headless Chromium and one JupyterLab server for the whole session.

See ``browser_kit`` (the offline browser, screenshots) and ``lab_server`` (JupyterLab on a throw-away
copy of the course). Screenshots go to ``test-artifacts/screenshots/``, which the run keeps.
"""

from __future__ import annotations

import os
from typing import Iterator

import pytest
from browser_kit import CHROMIUM, CHROMIUM_FLAGS
from lab_server import LabServer, LabServerError, running_lab_server
from playwright.sync_api import Browser, sync_playwright


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium, one for the session (tests open their own offline contexts in it)."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"no browser at {CHROMIUM}: run `make chromium` (it installs Debian's chromium package), "
                    f"or set CHROMIUM to a Chromium executable")
    with sync_playwright() as playwright:
        # Playwright gives the browser a new, empty profile (--user-data-dir) and deletes it on close.
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def lab_server() -> Iterator[LabServer]:
    """JupyterLab from the kit's .venv on 127.0.0.1, serving a temporary copy of labs/ and solutions/."""
    try:
        with running_lab_server() as server:
            yield server
    except LabServerError as error:
        pytest.fail(str(error), pytrace=False)
