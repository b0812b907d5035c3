"""The browser edition: how big the site is, how long it takes to start, and how fast the kit runs in it.

Measured on the test build (``make lite-test``, the site with the solutions as notebooks), served on
127.0.0.1 and opened in headless Chromium (Debian's, as the browser tests use), against the same work
done natively in the same run:

1. **size** of ``dist/lite-test``, by part, and what botocore's full service data would add;
2. **first output**: from opening lab 00's page to the output of its first cell (``start_lab``), with
   an empty browser cache (a first visit) and with a warm one (a second visit in the same browser);
   baseline: the same notebook's first cell in a native kernel (nbclient, the kit's .venv);
3. **run all** of lab 06 (the calculator, with its checks): in the browser, and natively with nbclient;
4. **a virtual day** of ``rate(1 minute)`` (1,440 invocations), timed inside a cell: in the browser's
   Python, and natively.

    .venv/bin/python benchmarks/bench_lite.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from run import duration, publish, ratio, table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from browser_kit import CHROMIUM, CHROMIUM_FLAGS, offline_context, serving  # noqa: E402
from notebook_page import KERNEL_IDLE, NotebookPage  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

SITE = ROOT / "dist" / "lite-test"
ROUNDS = 2
MB = 1024 * 1024
DAY_CELL = """\
import time
from pathlib import Path
folder = Path("work/bench_tick")
folder.mkdir(parents=True, exist_ok=True)
(folder / "lambda_function.py").write_text("def lambda_handler(event, context):\\n    return event['time']\\n")
cloud.create_function("bench_tick", code=folder)
cloud.schedule("bench-every-minute", "rate(1 minute)", "bench_tick")
started = time.perf_counter()
cloud.advance(days=1)
print(f"DAY {time.perf_counter() - started:.4f}")
"""


def folder_size(path: Path) -> int:
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file())


def size_rows() -> list[list[str]]:
    total = folder_size(SITE)
    pyodide = SITE / "static" / "pyodide"
    core = sum((pyodide / name).stat().st_size for name in ("pyodide.asm.wasm", "python_stdlib.zip", "pyodide.asm.mjs"))
    wheels = sorted(pyodide.glob("*.whl"), key=lambda wheel: wheel.stat().st_size, reverse=True)
    botocore = next(wheel for wheel in wheels if wheel.name.startswith("botocore-"))
    full_botocore = Path.home() / ".cache" / "lambda-lab-lite" / "wheels" / botocore.name
    rows = [["the whole site", f"{total / MB:.1f} MB", "100 %"],
            ["JupyterLab (the static app and its extensions)", f"{(total - folder_size(pyodide)) / MB:.1f} MB",
             f"{(total - folder_size(pyodide)) / total:.0%}"],
            ["Pyodide's core (interpreter, standard library)", f"{core / MB:.1f} MB", f"{core / total:.0%}"],
            [f"{len(wheels)} wheels (the kit and everything it imports)",
             f"{sum(w.stat().st_size for w in wheels) / MB:.1f} MB", f"{sum(w.stat().st_size for w in wheels) / total:.0%}"]]
    rows += [[f"  of which {wheel.name.split('-')[0]}", f"{wheel.stat().st_size / MB:.1f} MB",
              f"{wheel.stat().st_size / total:.0%}"] for wheel in wheels[:4]]
    if full_botocore.is_file():
        with zipfile.ZipFile(full_botocore) as archive:
            services = {name.split("/")[2] for name in archive.namelist() if name.startswith("botocore/data/")
                        and name.count("/") > 3}
        rows.append([f"botocore with all {len(services)} services' models (not shipped)",
                     f"{full_botocore.stat().st_size / MB:.1f} MB",
                     f"+{(full_botocore.stat().st_size - botocore.stat().st_size) / total:.0%}"])
    return rows


def browser_first_output(page, site, relative: str) -> float:
    """Seconds from opening ``relative`` to its first cell's output."""
    started = time.perf_counter()
    page.goto(site.notebook_url(relative))
    page.wait_for_function(KERNEL_IDLE, timeout=180_000, polling=100)
    page.locator(".jp-CodeCell .jp-InputPrompt").first.click()
    page.keyboard.press("Shift+Enter")
    page.wait_for_function("() => document.querySelector('.jp-CodeCell .jp-InputArea-prompt')"
                           ".textContent.trim() === '[1]:'", timeout=180_000, polling=100)
    return time.perf_counter() - started


def native_first_output(notebook: Path) -> float:
    """Seconds from starting a native kernel to the output of the notebook's first code cell."""
    source = nbformat.read(notebook, as_version=4)
    first = next(cell for cell in source.cells if cell.cell_type == "code")
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        NotebookClient(nbformat.v4.new_notebook(cells=[first]), timeout=180,
                       resources={"metadata": {"path": scratch}}).execute()
        return time.perf_counter() - started


def native_run_all(notebook: Path) -> float:
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        NotebookClient(nbformat.read(notebook, as_version=4), timeout=600,
                       resources={"metadata": {"path": scratch}}).execute()
        return time.perf_counter() - started


def native_day() -> float:
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("from emulator.notebook import start_lab\ncloud, check = start_lab('04_periodic_triggers')"),
        nbformat.v4.new_code_cell(DAY_CELL)])
    with tempfile.TemporaryDirectory() as scratch:
        NotebookClient(notebook, timeout=600, resources={"metadata": {"path": scratch}}).execute()
    return float(notebook.cells[1].outputs[0]["text"].split("DAY ")[1].split()[0])


def main() -> None:
    if not (SITE / ".built").is_file():
        raise SystemExit(f"no test build in {SITE}: run `make lite-test` first")
    cold, warm, native_first = [], [], []
    browser_run_all, native_all, browser_day, native_days = [], [], [], []
    with serving(SITE) as site, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        for _ in range(ROUNDS):
            context = offline_context(browser)  # a new context: an empty cache, as on a first visit
            for visits in (cold, warm):  # then a second visit, in the same context: a warm cache
                page = context.new_page()
                visits.append(browser_first_output(page, site, "00_welcome.ipynb"))
                page.close()
            context.close()
            context = offline_context(browser)
            view = NotebookPage(context.new_page(), site, "06_calculator.ipynb")
            view.open()
            started = time.perf_counter()
            view.run_all()
            browser_run_all.append(time.perf_counter() - started)
            printed = view.run_new_cell(DAY_CELL)
            browser_day.append(float(printed.split("DAY ")[1].split()[0]))
            context.close()
            native_first.append(native_first_output(ROOT / "solutions" / "00_welcome.ipynb"))
            native_all.append(native_run_all(ROOT / "solutions" / "06_calculator.ipynb"))
            native_days.append(native_day())
        browser.close()
    median = statistics.median
    start_rows = [
        ["native kernel (nbclient, the kit's .venv): start, first cell (baseline)", duration(median(native_first)), "1.00×"],
        ["browser, empty cache (first visit): open the page, first cell", duration(median(cold)),
         ratio(median(cold), median(native_first))],
        ["browser, warm cache (second visit): open the page, first cell", duration(median(warm)),
         ratio(median(warm), median(native_first))]]
    work_rows = [
        ["lab 06, run all (with its checks): native (baseline)", duration(median(native_all)), "1.00×"],
        ["lab 06, run all: in the browser", duration(median(browser_run_all)), ratio(median(browser_run_all), median(native_all))],
        ["a virtual day of rate(1 minute), 1,440 invocations: native (baseline)", duration(median(native_days)), "1.00×"],
        ["the same day in the browser", duration(median(browser_day)), ratio(median(browser_day), median(native_days))]]
    text = "\n\n".join([
        "### Size of the site\n\nThe test build, file by file as a browser downloads it (goal: under 60 MB).",
        table(["part", "size", "share"], size_rows()),
        f"### Starting\n\nMedians of {ROUNDS} rounds (goals: under 15 s with an empty cache, under 5 s warm). "
        "A warm cache saves only the downloads, which come from 127.0.0.1 here: the rest is Pyodide unpacking "
        "every wheel and the first cell importing moto, boto3 and the kit in WebAssembly, which no cache keeps.",
        table(["from opening lab 00 to its first cell's output", "median", "vs native"], start_rows),
        "### Running the kit in the browser\n\nThe same notebooks and the same cell, timed in the same run.",
        table(["work", "median", "vs native"], work_rows)])
    print(text)
    publish("lite", text)


if __name__ == "__main__":
    main()
