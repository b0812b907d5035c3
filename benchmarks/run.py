"""Run every benchmark, then assemble ``benchmarks/README.md`` from their results.

    make bench                                  # every benchmarks/bench_*.py, then the README
    .venv/bin/python benchmarks/run.py runtime  # only bench_runtime.py (the README is still rebuilt)

Each ``bench_NAME.py`` runs in its own process (a local cloud changes process-wide state: the clock,
``os.environ``, ``sys.stdout``), prints its markdown tables and writes ``results/NAME.md``. The README
is a short introduction followed by every ``results/*.md``.

This module also holds the timing helpers the benchmarks share. It imports only the standard
library, so a benchmark can use it from a peer tool's own virtualenv too.

How a figure is measured here: one *sample* is the time of a batch of calls divided by the number of
calls (so a call of 0.1 µs is not lost in the timer's own cost); the things being compared are
sampled in *rounds*, each round taking one sample of each in a shuffled order, so that the noise of a
shared machine falls on all of them alike; tables show the median and the 90th percentile of the
samples, and every figure is a ratio against a baseline measured in the same run.
"""

from __future__ import annotations

import importlib.util
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Callable, Sequence

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
README = HERE / "README.md"
# Sections appear in this order; a results file not listed here comes after them, by name.
SECTIONS = {"runtime": "Runtime", "triggers": "Triggers on the virtual clock",
            "hosts": "Execution environments in a process of their own", "endpoint": "The kit against a moto server",
            "http": "HTTP front door", "check": "check() in a notebook",
            "grader": "Grader", "lite": "The browser edition"}

INTRO = """\
# Benchmarks

How fast the local cloud is, always stated against a baseline measured in the same run: a bare call
of the same function, the raw boto3 calls the same work needs, or a peer tool doing the same thing.

## How to run

    make bench                                          # every benchmark, then this README
    .venv/bin/python benchmarks/run.py runtime triggers # some of them (the README is rebuilt)
    .venv/bin/python benchmarks/bench_runtime.py        # one, printing its tables

Each `benchmarks/bench_NAME.py` writes `benchmarks/results/NAME.md`; this file is assembled from those.
Peer tools (python-lambda-local, chalice) are installed on first use into the benchmarks' own
git-ignored virtualenvs `benchmarks/.venv-*`, never into the kit's `.venv`. Nothing leaves 127.0.0.1.

## Reading the numbers

- **A ratio** is a figure divided by its baseline from the same run (and the same process, except
  for a peer tool, which runs in its own process next to its own baseline), so it survives a slower
  or busier machine better than the raw figure does. For a time, 3.0× means three times as long as
  the baseline (so less is better); for a rate, three times as many per second.
- **Median and p90.** Each figure is sampled many times, interleaved with its baseline. The median is
  the typical value; p90 (nearest rank: 90 % of samples were at most this) shows the noise. Where only
  a few runs are affordable (a virtual day, 1,000 messages), p90 is close to the slowest run.
- **The machine is shared and noisy**: {machine}.
  Other work runs at the same time, so absolute times move from run to run by tens of percent;
  ratios move much less. No figure here is asserted by a test.
- **Last run**: {ran} (load average {load} when it started, on {date}).{others}
"""


@dataclass
class Stats:
    """Samples of one measured thing, in seconds (per call, or per run)."""

    samples: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p90(self) -> float:
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]

    def __len__(self) -> int:
        return len(self.samples)


def time_calls(function: Callable, *args, calls: int = 1) -> float:
    """Seconds per call of ``function(*args)``, over ``calls`` calls in a row: one sample."""
    started = time.perf_counter()
    for _ in range(calls):
        function(*args)
    return (time.perf_counter() - started) / calls


def interleave(samplers: dict[str, Callable[[], float]], rounds: int, seed: int = 1) -> dict[str, Stats]:
    """Take ``rounds`` samples of every sampler, one of each per round, in a shuffled order."""
    order = list(samplers)
    samples: dict[str, list[float]] = {name: [] for name in order}
    shuffler = random.Random(seed)
    for _ in range(rounds):
        shuffler.shuffle(order)
        for name in order:
            samples[name].append(samplers[name]())
    return {name: Stats(values) for name, values in samples.items()}


def write_function(root: Path, name: str, source: str) -> Path:
    """A code folder ``root/name`` holding ``lambda_function.py`` with ``source``; returns the folder."""
    folder = root / name
    folder.mkdir()
    (folder / "lambda_function.py").write_text(source)
    return folder


def load_module(path: Path) -> ModuleType:
    """Import the file at ``path`` as a plain module (not through the local cloud)."""
    spec = importlib.util.spec_from_file_location(f"bench_{path.parent.name}_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def duration(seconds: float) -> str:
    """A time in the unit that reads best: ns, µs, ms or s."""
    if seconds < 1e-6:
        return f"{seconds * 1e9:.0f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs" if seconds < 1e-4 else f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms" if seconds < 1e-2 else f"{seconds * 1e3:.0f} ms"
    return f"{seconds:.2f} s"


def ratio(value: float, baseline: float) -> str:
    """``value / baseline`` written as 1.00×, 12.3× or 1,520×."""
    factor = value / baseline
    if factor >= 100:
        return f"{factor:,.0f}×"
    return f"{factor:.1f}×" if factor >= 10 else f"{factor:.2f}×"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A markdown table: the first column left-aligned, the others right-aligned."""
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def publish(name: str, text: str) -> None:
    """Print a benchmark's results and write them to ``results/NAME.md``."""
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.md").write_text(text.rstrip() + "\n")


# -- running the benchmarks and assembling the README ------------------------------------------


def benchmark_names() -> list[str]:
    return [path.stem.removeprefix("bench_") for path in sorted(HERE.glob("bench_*.py"))]


def run_benchmark(name: str) -> bool:
    """Run ``bench_NAME.py`` in its own process; True when it succeeded."""
    print(f"\n== bench_{name}.py", flush=True)
    started = time.perf_counter()
    finished = subprocess.run([sys.executable, str(HERE / f"bench_{name}.py")], cwd=HERE.parent)
    print(f"== bench_{name}.py: exit code {finished.returncode} after {time.perf_counter() - started:.0f} s",
          flush=True)
    return finished.returncode == 0


def machine_description() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        models = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                  if line.startswith("model name")]
        cpu = models[0] if models else cpu
    versions = ", ".join(f"{package} {_version(package)}" for package in ("moto", "boto3"))
    return f"{os.cpu_count()} cores ({cpu}), {platform.system()}, Python {platform.python_version()}, {versions}"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def assemble_readme(ran: Sequence[str], load: str, failed: Sequence[str]) -> None:
    """README.md: the introduction, then one section per ``results/NAME.md``."""
    names = sorted({path.stem for path in RESULTS.glob("*.md")} | set(failed),
                   key=lambda name: (list(SECTIONS).index(name) if name in SECTIONS else len(SECTIONS), name))
    others = " The other sections keep the figures of their own last run." if set(names) - set(ran) else ""
    parts = [INTRO.format(machine=machine_description(), ran=", ".join(f"`bench_{name}.py`" for name in ran),
                          load=load, date=f"{datetime.now(timezone.utc):%Y-%m-%d}", others=others)]
    for name in names:
        parts.append(f"## {SECTIONS.get(name, name.capitalize())}\n\n`benchmarks/bench_{name}.py`\n")
        results = RESULTS / f"{name}.md"
        if name in failed:
            parts.append(f"**bench_{name}.py failed in the last run**: "
                         f"{'these figures are from an earlier run.' if results.exists() else 'no figures yet.'}\n")
        if results.exists():
            parts.append(results.read_text())
    README.write_text("\n".join(parts))


def main(argv: Sequence[str]) -> int:
    known = benchmark_names()
    unknown = [name for name in argv if name not in known]
    if unknown:
        print(f"no benchmark called {', '.join(unknown)}: choose among {', '.join(known)}", file=sys.stderr)
        return 2
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "unknown"
    ran = list(argv or known)
    failed = [name for name in ran if not run_benchmark(name)]
    assemble_readme(ran, load, failed)
    print(f"\nwrote {README.relative_to(HERE.parent)}")
    if failed:
        print(f"failed: {', '.join(f'bench_{name}.py' for name in failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
