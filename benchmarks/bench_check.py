"""How long ``check()`` takes in a notebook: the warm checking process against a fresh process per check.

A student runs ``check("06-sum")`` dozens of times per lab. The figure is the time from calling
``check`` to having its result, with the solution's handlers saved in a work folder (the public tests
then pass), measured in this process as a notebook would call it:

1. **warm**: the kit's checking process (``grader/warm.py``), started once and already warmed up,
   forks a child per check that runs the tests;
2. **baseline**: a fresh ``python`` process per check, which imports pytest, moto, boto3 and the
   emulator before it runs a test (``sandbox.run(job, fork=False)``, what ``check()`` did before).

Both run the same job with the same limits and isolation, in interleaved rounds. The first warm
check, which waits for the checking process to import everything, is shown on its own row.

    .venv/bin/python benchmarks/bench_check.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from run import duration, interleave, publish, ratio, table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import sandbox, warm  # noqa: E402
from grader.check import make_check  # noqa: E402

LAB, EXERCISES = "06_calculator", ("06-sum", "06-calculator")
ROUNDS = 15


def save_solution_handlers(work: Path) -> None:
    """Write each ``%%lambda NAME`` cell of the lab's solution to ``work/NAME/lambda_function.py``."""
    notebook = json.loads((ROOT / "solutions" / f"{LAB}.ipynb").read_text())
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and source.startswith("%%lambda"):
            first, _, body = source.partition("\n")
            folder = work / first.split()[1]
            folder.mkdir(exist_ok=True)
            (folder / "lambda_function.py").write_text(body)


def timed(function, *args) -> float:
    started = time.perf_counter()
    result = function(*args)
    if not getattr(result, "passed", True):
        raise RuntimeError(f"the check failed: {result}")
    return time.perf_counter() - started


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-check-") as folder:
        work = Path(folder)
        save_solution_handlers(work)
        check = make_check(LAB, work)  # starts the checking process, as start_lab does
        first = timed(check, EXERCISES[0])
        fresh = make_check(LAB, work, runner=lambda job: sandbox.run(job, fork=False))
        samplers = {}
        for exercise in EXERCISES:
            samplers[f"`check({exercise!r})`, warm checking process"] = lambda e=exercise: timed(check, e)
            samplers[f"`check({exercise!r})`, fresh process per check (baseline)"] = lambda e=exercise: timed(fresh, e)
        stats = interleave(samplers, ROUNDS)
        warm.checking_process().stop()
    rows = []
    for exercise in EXERCISES:
        base = stats[f"`check({exercise!r})`, fresh process per check (baseline)"]
        for label in (f"`check({exercise!r})`, fresh process per check (baseline)",
                      f"`check({exercise!r})`, warm checking process"):
            rows.append([label, duration(stats[label].median), duration(stats[label].p90),
                         ratio(stats[label].median, base.median), str(len(stats[label]))])
    rows.append([f"first `check({EXERCISES[0]!r})` of a notebook, checking process just started", duration(first),
                 "–", "–", "1"])
    publish("check", f"""\
The solution's handlers of lab {LAB[:2]} saved in a work folder, each
check run as a notebook runs it; {ROUNDS} interleaved rounds.

{table(["one check", "median", "p90", "vs fresh process", "samples"], rows)}

The warm checking process imports pytest, moto, boto3 and the emulator once, when the lab's first
cell runs; each check then forks a child from it (same limits, same isolation, a new process each
time), and the check's functions run in processes forked from a spare fork server that the checking
process forked before the check arrived, so no check waits for a Python to start. The figures count
all of it: the spare, the child, every function's cold start. The first check of a notebook waits
for that import if it comes at once; a student who reads the lab first finds the process warm.
""")
    return 0


if __name__ == "__main__":
    sys.exit(main())
