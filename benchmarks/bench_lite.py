"""The browser edition: how big the site is, how long it takes to start, and how fast the kit runs in it.

Measured on the test build (``make lite-test``, the site with the solutions as notebooks), served on
127.0.0.1 and opened in headless Chromium (Debian's, as the browser tests use), against the same work
done natively in the same run:

1. **size** of ``dist/lite-test``, by part, and what botocore's full service data would add;
2. **first output**: from opening lab 00's page to the output of its first cell (``start_lab``), with
   an empty browser cache (a first visit) and with a warm one (a second visit in the same browser),
   split into JupyterLab's own start, the kernel's and the first cell's; baseline: the same notebook's
   first cell in a native kernel (nbclient, the kit's .venv);
3. **Pyodide alone**, on a bare page beside the site (no JupyterLab): its core, the site's wheels, and
   the first cell's big imports with the bytecode the site ships, against the same imports compiled
   from source (``sys.pycache_prefix`` pointed at an empty folder hides the shipped bytecode);
4. **run all** of lab 06 (the calculator, with its checks) and of lab 07 (its producer/consumer
   demonstration hands out 5,000 jobs): in the browser, and natively with nbclient;
5. **a virtual day** of ``rate(1 minute)`` (1,440 invocations), timed inside a cell: in the browser's
   Python, and natively.

    .venv/bin/python benchmarks/bench_lite.py
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Iterator

import nbformat
from nbclient import NotebookClient
from run import duration, publish, ratio, table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from browser_kit import CHROMIUM, CHROMIUM_FLAGS, StaticSite, offline_context, serving  # noqa: E402
from notebook_page import KERNEL_IDLE, NotebookPage  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

SITE = ROOT / "dist" / "lite-test"
ROUNDS = 2
# Run all, in the browser and natively: lab 06 (the calculator, its checks) and lab 07, whose
# producer/consumer demonstration hands out the seed article's 5,000 jobs (goal: under 20 s).
RUN_ALL_LABS = ["06_calculator.ipynb", "07_lambda_calling_lambda.ipynb"]
DAY_LAB = RUN_ALL_LABS[0]  # the virtual day runs in lab 06's kernel, after its run-all
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


def site_wheels() -> list[Path]:
    """The site's wheels, largest first."""
    return sorted((SITE / "static" / "pyodide").glob("*.whl"), key=lambda wheel: wheel.stat().st_size, reverse=True)


def size_rows() -> list[list[str]]:
    total = folder_size(SITE)
    pyodide = SITE / "static" / "pyodide"
    core = sum((pyodide / name).stat().st_size for name in ("pyodide.asm.wasm", "python_stdlib.zip", "pyodide.asm.mjs"))
    wheels = site_wheels()
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


PYODIDE_PAGE = """<!doctype html><meta charset="utf-8"><script type="module">
const started = performance.now(), seconds = {};
const lap = (name) => { seconds[name] = (performance.now() - started) / 1000; };
const { loadPyodide } = await import("./static/pyodide/pyodide.mjs");
const pyodide = await loadPyodide({ indexURL: "./static/pyodide/" });
lap("core");
const lock = await (await fetch("./static/pyodide/pyodide-lock.json")).json();
await pyodide.loadPackage(Object.keys(lock.packages), { messageCallback: () => {} });
lap("wheels");
if (location.search.includes("source")) pyodide.runPython("import sys; sys.pycache_prefix = '/tmp/no-bytecode'");
await pyodide.runPythonAsync("import botocore.session, boto3, moto.core, emulator.cloud, emulator.notebook");
lap("imports");
window.seconds = seconds;
</script>"""
FIRST_IMPORTS = "`import botocore.session, boto3, moto.core, emulator.cloud, emulator.notebook`"


def browser_first_output(page, site, relative: str) -> dict[str, float]:
    """Seconds from opening ``relative`` to its cells on screen (JupyterLab's start), to the kernel idle
    (Pyodide, the wheels, the kernel), and to the first cell's output; ``total`` is the sum."""
    started = time.perf_counter()
    page.goto(site.notebook_url(relative))
    page.wait_for_selector(".jp-CodeCell", timeout=180_000)
    shown = time.perf_counter()
    page.wait_for_function(KERNEL_IDLE, timeout=180_000, polling=100)
    idle = time.perf_counter()
    page.locator(".jp-CodeCell .jp-InputPrompt").first.click()
    page.keyboard.press("Shift+Enter")
    page.wait_for_function("() => document.querySelector('.jp-CodeCell .jp-InputArea-prompt')"
                           ".textContent.trim() === '[1]:'", timeout=180_000, polling=100)
    done = time.perf_counter()
    return {"app": shown - started, "kernel": idle - shown, "cell": done - idle, "total": done - started}


@contextlib.contextmanager
def pyodide_page() -> Iterator[StaticSite]:
    """The bare Pyodide page served from a scratch folder whose ``static`` is the site's own."""
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / "static").symlink_to(SITE / "static")
        (Path(scratch) / "pyodide.html").write_text(PYODIDE_PAGE)
        with serving(Path(scratch)) as page:
            yield page


def pyodide_alone(browser, page_site: StaticSite, from_source: bool) -> dict[str, float]:
    """Seconds, in a fresh browser context, to Pyodide's core, the wheels loaded, the first imports
    (each from the page's start)."""
    context = offline_context(browser)
    page = context.new_page()
    page.goto(f"{page_site.url}pyodide.html{'?source' if from_source else ''}")
    page.wait_for_function("() => window.seconds !== undefined", timeout=180_000, polling=100)
    seconds = page.evaluate("window.seconds")
    context.close()
    return seconds


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


def run_all_in_browser(browser, site: StaticSite, lab: str, day: list[float] | None) -> float:
    """Seconds to run every cell of ``lab`` in a new tab with an empty cache; then, if ``day`` is a list,
    a virtual day of rate(1 minute) in the same kernel, its seconds appended to ``day``."""
    context = offline_context(browser)
    view = NotebookPage(context.new_page(), site, lab)
    view.open()
    started = time.perf_counter()
    view.run_all()
    seconds = time.perf_counter() - started
    if day is not None:
        day.append(float(view.run_new_cell(DAY_CELL).split("DAY ")[1].split()[0]))
    context.close()
    return seconds


def main() -> None:
    if not (SITE / ".built").is_file():
        raise SystemExit(f"no test build in {SITE}: run `make lite-test` first")
    cold, warm, native_first = [], [], []
    browser_run_all = {lab: [] for lab in RUN_ALL_LABS}
    native_all = {lab: [] for lab in RUN_ALL_LABS}
    browser_day, native_days = [], []
    shipped, from_source = [], []
    with serving(SITE) as site, pyodide_page() as bare, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        for _ in range(ROUNDS):
            shipped.append(pyodide_alone(browser, bare, from_source=False))
            from_source.append(pyodide_alone(browser, bare, from_source=True))
            context = offline_context(browser)  # a new context: an empty cache, as on a first visit
            for visits in (cold, warm):  # then a second visit, in the same context: a warm cache
                page = context.new_page()
                visits.append(browser_first_output(page, site, "00_welcome.ipynb"))
                page.close()
            context.close()
            for lab in RUN_ALL_LABS:
                browser_run_all[lab].append(run_all_in_browser(browser, site, lab, browser_day if lab == DAY_LAB else None))
                native_all[lab].append(native_run_all(ROOT / "solutions" / lab))
            native_first.append(native_first_output(ROOT / "solutions" / "00_welcome.ipynb"))
            native_days.append(native_day())
        browser.close()
    median = statistics.median

    def phase(samples: list[dict[str, float]], name: str) -> float:
        return median(sample[name] for sample in samples)

    native = median(native_first)
    start_rows = [["native kernel (nbclient, the kit's .venv): start, first cell (baseline)", duration(native), "1.00×"]]
    for label, visits in (("empty cache (first visit)", cold), ("warm cache (second visit)", warm)):
        start_rows += [[f"browser, {label}: open the page, first cell", duration(phase(visits, "total")),
                        ratio(phase(visits, "total"), native)],
                       ["  of which JupyterLab's start, until the cells show", duration(phase(visits, "app")), ""],
                       [f"  of which the kernel's start: Pyodide, {len(site_wheels())} wheels, the kernel", duration(phase(visits, "kernel")), ""],
                       ["  of which the first cell, `start_lab`", duration(phase(visits, "cell")), ""]]
    core, wheels = phase(shipped, "core"), phase(shipped, "wheels") - phase(shipped, "core")
    imports = phase(shipped, "imports") - phase(shipped, "wheels")
    source_imports = phase(from_source, "imports") - phase(from_source, "wheels")
    alone_rows = [["Pyodide's core: interpreter and standard library", duration(core), ""],
                  [f"the site's {len(site_wheels())} wheels fetched and unpacked", duration(wheels), ""],
                  [f"{FIRST_IMPORTS}, compiled from source (baseline)", duration(source_imports), "1.00×"],
                  ["the same imports with the bytecode the site ships", duration(imports), ratio(imports, source_imports)]]
    work_rows = [row for lab in RUN_ALL_LABS for row in (
        [f"lab {lab[:2]}, run all (with its checks): native (baseline)", duration(median(native_all[lab])), "1.00×"],
        [f"lab {lab[:2]}, run all: in the browser", duration(median(browser_run_all[lab])),
         ratio(median(browser_run_all[lab]), median(native_all[lab]))])] + [
        ["a virtual day of rate(1 minute), 1,440 invocations: native (baseline)", duration(median(native_days)), "1.00×"],
        ["the same day in the browser", duration(median(browser_day)), ratio(median(browser_day), median(native_days))]]
    text = "\n\n".join([
        "### Size of the site\n\nThe test build, file by file as a browser downloads it (goal: under 60 MB).",
        table(["part", "size", "share"], size_rows()),
        f"### Starting\n\nMedians of {ROUNDS} rounds (goals: under 15 s with an empty cache, under 5 s warm). "
        "A warm cache saves only the downloads, which come from 127.0.0.1 here: the rest is JupyterLab's "
        "own start, Pyodide's, unpacking the wheels and the first imports, which no HTTP cache keeps.",
        table(["from opening lab 00 to its first cell's output", "median", "vs native"], start_rows),
        "Pyodide alone, on a bare page beside the site (no JupyterLab), each phase after the one before, "
        f"empty cache, medians of {ROUNDS} rounds:",
        table(["phase", "median", "vs source"], alone_rows),
        "### Running the kit in the browser\n\nThe same notebooks and the same cell, timed in the same run.",
        table(["work", "median", "vs native"], work_rows)])
    print(text)
    publish("lite", text)


if __name__ == "__main__":
    main()
