"""One notebook open in JupyterLab, driven the way a student drives it: menus, buttons, the keyboard.

A ``NotebookPage`` opens a notebook, waits for its kernel, runs every cell from the Run menu, saves it
from the File menu (so the test can read what each output *is* from the saved file: JupyterLab draws an
exception and text written to stderr alike), and finds a cell's outputs on the page.
"""

from __future__ import annotations

import re

import nbformat
from browser_kit import screenshot_whole
from lab_server import LabServer
from playwright.sync_api import Locator, Page, expect

KERNEL_START_MS = 90_000
RUN_ALL_MS = 300_000  # a whole lab, on a loaded machine; the slowest lab takes well under a minute alone
SAVE_MS = 30_000
NOTEBOOK_SCROLLER = ".jp-NotebookPanel .jp-WindowedPanel-outer"

# The kernel is connected and idle: the status bar names a kernel (not "No Kernel") and says Idle.
KERNEL_IDLE = """() => Array.from(document.querySelectorAll('.jp-StatusBar-TextItem'))
    .map(item => item.textContent.trim())
    .some(text => / \\| Idle$/.test(text) && !text.startsWith('No Kernel'))"""

# Run All has finished: the kernel is idle, no cell waits ("[*]"), and the first code cell ran ("[1]").
RUN_ALL_FINISHED = """() => {
    const prompts = Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt'))
        .map(prompt => prompt.textContent.trim());
    return (%s)() && prompts.length > 0 && !prompts.some(p => p.includes('*')) && prompts[0] === '[1]:';
}""" % KERNEL_IDLE


class NotebookPage:
    """``relative`` (a path under the server's root) open in ``page``."""

    def __init__(self, page: Page, server: LabServer, relative: str) -> None:
        self.page = page
        self.server = server
        self.relative = relative

    def open(self) -> None:
        """Open the notebook in a fresh workspace, wait for its kernel, and hide the file browser."""
        self.page.goto(self.server.notebook_url(self.relative))
        self.page.wait_for_function(KERNEL_IDLE, timeout=KERNEL_START_MS, polling=200)
        self.page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click()  # fold the sidebar

    def menu(self, menu: str, item: str) -> None:
        """Choose ``menu`` > ``item`` in JupyterLab's menu bar."""
        self.page.locator(".lm-MenuBar-itemLabel").get_by_text(menu, exact=True).click()
        self.page.locator(".lm-Menu-itemLabel").get_by_text(item, exact=True).click()

    def run_all(self) -> None:
        """Run > Run All Cells, and wait until the kernel has run them (or stopped at an error)."""
        self.menu("Run", "Run All Cells")
        self.page.wait_for_function(RUN_ALL_FINISHED, timeout=RUN_ALL_MS, polling=250)

    def save(self) -> nbformat.NotebookNode:
        """File > Save Notebook; return the notebook as saved, outputs included."""
        self.menu("File", "Save Notebook")
        self.page.locator(".lm-TabBar-tab.jp-mod-current:not(.jp-mod-dirty)").wait_for(timeout=SAVE_MS)
        return nbformat.read(self.server.root / self.relative, as_version=4)

    def run_new_cell(self, code: str) -> str:
        """Add a code cell at the end, type ``code`` into it, run it (Shift+Enter) and return what it printed."""
        index = self.cells().count()
        self.cells().last.locator(".jp-InputPrompt").click()  # select the last cell (not a link in it)
        self.page.keyboard.press("Escape")  # command mode
        self.page.keyboard.press("b")  # a new cell below
        self.page.keyboard.press("Enter")  # edit it
        self.page.keyboard.insert_text(code)  # as pasted: no automatic brackets or indentation
        self.page.keyboard.press("Shift+Enter")
        prompt = self.cells().nth(index).locator(".jp-InputArea-prompt")
        expect(prompt, f"the cell added to {self.relative} did not run").to_have_text(
            re.compile(r"\[\d+\]"), timeout=RUN_ALL_MS)
        return "".join(self.outputs(index).all_inner_texts())

    def cells(self) -> Locator:
        """Every cell, markdown and code, in notebook order (the index matches ``notebook.cells``)."""
        return self.page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell")

    def outputs(self, index: int) -> Locator:
        """The outputs of cell ``index``."""
        return self.cells().nth(index).locator(".jp-OutputArea-output")

    def screenshot(self, path) -> None:
        """The whole notebook, top to bottom, as one picture."""
        screenshot_whole(self.page, NOTEBOOK_SCROLLER, path)
