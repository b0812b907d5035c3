"""How long grading takes: one notebook, and a class of 100, on 2 workers.

The notebooks are synthetic submissions of the fixture course's lab 01 (tests/fixtures/course: two
exercises, five tests, two of them hidden): a third full solutions, a third blank labs, a third
careless answers that fail the hidden tests. Figures:

1. ``python -m grader grade`` on 1 and on 100 notebooks, timed from outside, so Python's start-up,
   the imports and the writing of every report are included: what an instructor waits for. The
   grader imports pytest, moto, boto3 and the emulator once and forks a test process per exercise.
2. The baseline, in the same script: the same grading with a fresh ``python`` process per exercise
   (``grade_notebooks(..., fork=False)``, what a plain "run pytest in a subprocess" grader does).
   For 100 notebooks it is projected from a sample of ``BASELINE_SAMPLE`` notebooks (it would take
   minutes); the row says so.

The rows are printed as a markdown table and written to ``benchmarks/results/grader.md``.

    .venv/bin/python benchmarks/bench_grader.py
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
COURSE = ROOT / "tests" / "fixtures" / "course"
RESULTS = HERE / "results" / "grader.md"
WORKERS = 2
CLASS_SIZE = 100
BASELINE_SAMPLE = 10
CARELESS = 'def lambda_handler(event, context):\n    return f"Bonjour, {event[\'name\']}!"\n'


def synthetic_class(folder: Path, size: int) -> list[Path]:
    """``size`` notebooks: solutions, blank labs and careless answers, in turn."""
    solution = json.loads((COURSE / "solutions" / "01_echo.ipynb").read_text())
    blank = json.loads((COURSE / "labs" / "01_echo.ipynb").read_text())
    careless = copy.deepcopy(solution)
    for cell in careless["cells"]:
        if "".join(cell["source"]).startswith("%%lambda greeting"):
            cell["source"] = "%%lambda greeting --env GREETING=Bonjour\n" + CARELESS
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(size):
        path = folder / f"student{index:03d}.ipynb"
        path.write_text(json.dumps((solution, blank, careless)[index % 3]))
        paths.append(path)
    return paths


def time_cli(folder: Path, out: Path) -> float:
    """Seconds for ``python -m grader grade folder`` in a new process."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "grader", "grade", str(folder), "--out", str(out),
                    "--solutions", str(COURSE / "solutions"), "--workers", str(WORKERS)],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def time_fresh_processes(notebooks: list[Path]) -> float:
    """Seconds to grade ``notebooks`` with a fresh Python process per exercise (the baseline)."""
    from grader.exercises import read_course
    from grader.grading import Settings, grade_notebooks

    course = read_course(COURSE / "solutions")
    started = time.perf_counter()
    grade_notebooks(notebooks, course, Settings(), WORKERS, progress=False, fork=False)
    return time.perf_counter() - started


def row(label: str, seconds: float, notebooks: int, baseline: float) -> str:
    return f"| {label} | {seconds:.1f} s | {seconds / notebooks:.2f} s | {baseline / seconds:.1f}x |"


def main() -> None:
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="bench-grader-") as scratch:
        scratch = Path(scratch)
        one = synthetic_class(scratch / "one", 1)
        many = synthetic_class(scratch / "class", CLASS_SIZE)
        time_cli(scratch / "one", scratch / "warm-up")  # fill the disk cache for every contender
        grade_one = time_cli(scratch / "one", scratch / "out-one")
        grade_many = time_cli(scratch / "class", scratch / "out-class")
        fresh_one = time_fresh_processes(one)
        fresh_sample = time_fresh_processes(many[:BASELINE_SAMPLE])
    fresh_many = fresh_sample * CLASS_SIZE / BASELINE_SAMPLE
    lines = [
        f"| Grading lab 01 of the fixture course (2 exercises, 5 tests per notebook), {WORKERS} workers, "
        f"{os.cpu_count()} CPUs | wall time | per notebook | speed-up vs a fresh process per exercise |",
        "|---|---:|---:|---:|",
        row("python -m grader grade, 1 notebook", grade_one, 1, fresh_one),
        row(f"python -m grader grade, {CLASS_SIZE} notebooks", grade_many, CLASS_SIZE, fresh_many),
        row("baseline: a fresh python process per exercise, 1 notebook", fresh_one, 1, fresh_one),
        row(f"baseline: a fresh python process per exercise, {CLASS_SIZE} notebooks "
            f"(projected from {BASELINE_SAMPLE})", fresh_many, CLASS_SIZE, fresh_many),
    ]
    table = "\n".join(lines) + "\n"
    print(table, end="")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(table)


if __name__ == "__main__":
    main()
