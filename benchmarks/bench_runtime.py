"""What one invocation costs: the Lambda runtime against a bare call and against python-lambda-local.

One trivial handler (``return event``) and the console's hello-world test event, four ways:

1. a bare Python call of the handler function, ``lambda_handler(event, None)``: the baseline;
2. a warm ``cloud.invoke``: everything the runtime adds (environment variables, log capture, the
   timeout timer, JSON round trips, the REPORT line...);
3. a cold ``cloud.invoke``: a new function each time, so its module is imported in a fresh, isolated
   execution environment (the Init phase);
4. python-lambda-local's ``call()`` on the same handler, the peer tool. It is installed in this
   benchmark's own virtualenv, ``benchmarks/.venv-peers`` (git-ignored, created on the first run),
   and measured in a process of that virtualenv, next to its own bare call.

Then warm invokes are run again with timers around the runtime's own functions (``PHASES``: the
environment variables, the log capture, the timeout timer, the JSON round trips...), to show where
the time above the bare call goes. The timers find those functions by name, so a phase whose
functions were renamed is reported as not found rather than timed wrongly: update ``PHASES`` then.

    .venv/bin/python benchmarks/bench_runtime.py        # prints the tables, writes results/runtime.md
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import tempfile
import time
import venv
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from run import Stats, duration, interleave, load_module, publish, ratio, table, time_calls, write_function

HERE = Path(__file__).resolve().parent
PEERS = HERE / ".venv-peers"
PEER_PACKAGE = "python-lambda-local"

HANDLER = "def lambda_handler(event, context):\n    return event\n"
EVENT = {"key1": "value1", "key2": "value2", "key3": "value3"}  # the console's hello-world test event
TARGET_OVERHEAD = 10e-6  # issue 2: a warm invoke at most 10 µs above the bare call, at the median

ROUNDS = 200  # samples of everything measured in this process
BARE_CALLS, INVOKE_CALLS = 2000, 20  # calls per sample
PEER_ROUNDS = 100

BARE = "bare Python call `lambda_handler(event, None)`"
WARM = "warm `cloud.invoke(name, event)`"
COLD = "cold `cloud.invoke`: a new function, its module imported in a fresh environment"
BATCHED = "warm `cloud.invoke` inside `cloud.runtime.batch()`, as `advance()` and `run_until_idle()` invoke"
PROBED = "warm `cloud.invoke` with the phase timers in place"
PEER_BARE = "bare Python call, in the peer's own process"
PEER_CALL = "python-lambda-local `call(handler, event, context)` (peer)"


# -- in this process: the bare call, warm and cold invokes, the phases ---------------------------


@dataclass
class Measurements:
    stats: dict[str, Stats]  # bare call, warm, cold and probed invokes: seconds per call
    phases: dict[str, Stats]  # seconds per warm invoke spent in each phase
    missing: list[str]  # probe targets the runtime does not have (any more)
    init_ms: list[float]  # the Init Duration of each cold start


def measure_in_process(code_dir: Path) -> Measurements:
    """Interleaved samples of the bare call, warm, cold and probed invokes; Init Durations."""
    from emulator import LocalCloud  # here, not at the top: the peer's process has no emulator

    handler = load_module(code_dir / "lambda_function.py").lambda_handler
    probes = Probes(PHASES)
    phase_samples: dict[str, list[float]] = {label: [] for label in probes.totals}
    init_ms: list[float] = []
    with LocalCloud() as cloud:
        cloud.create_function("warm", code=code_dir)
        cloud.invoke("warm", EVENT)  # its cold start: every timed call of "warm" is warm
        stats = interleave({
            BARE: lambda: time_calls(handler, EVENT, None, calls=BARE_CALLS),
            WARM: settled(cloud, lambda: time_calls(cloud.invoke, "warm", EVENT, calls=INVOKE_CALLS)),
            BATCHED: settled(cloud, lambda: batched_invokes(cloud)),
            COLD: settled(cloud, lambda: cold_invoke(cloud, code_dir, init_ms)),
            PROBED: settled(cloud, lambda: probed_invokes(cloud, probes, phase_samples)),
        }, ROUNDS)
        check_warm_invocations(cloud.invocations)
    return Measurements(stats, {label: Stats(v) for label, v in phase_samples.items()}, probes.missing, init_ms)


def settled(cloud, sample: Callable[[], float]) -> Callable[[], float]:
    """``sample``, then a virtual second, so that every invocation it started has ended.

    The virtual clock stands still while invocations run; the concurrency model and the execution
    environments book each invocation on it, so without this the next sample would find them busy.
    """
    def run() -> float:
        seconds = sample()
        cloud.advance(seconds=1)
        return seconds
    return run


def batched_invokes(cloud) -> float:
    """Seconds per warm invoke in a batch: the function's variables stay set, its files are read once."""
    with cloud.runtime.batch():
        return time_calls(cloud.invoke, "warm", EVENT, calls=INVOKE_CALLS)


def cold_invoke(cloud, code_dir: Path, init_ms: list[float]) -> float:
    """Seconds of one cold invoke: a function created anew (outside the timing) has no environment yet."""
    cloud.create_function("cold", code=code_dir)
    started = time.perf_counter()
    result = cloud.invoke("cold", EVENT)
    seconds = time.perf_counter() - started
    if not (result.ok and result.cold_start):
        raise RuntimeError(f"the cold invoke was not a successful cold start: {result!r}")
    init_ms.append(result.init_duration_ms)
    return seconds


def probed_invokes(cloud, probes: "Probes", phase_samples: dict[str, list[float]]) -> float:
    """Seconds per warm invoke with the probes in place; each phase's time per invoke goes to ``phase_samples``."""
    probes.totals = dict.fromkeys(probes.totals, 0.0)
    probes.install()
    try:
        seconds = time_calls(cloud.invoke, "warm", EVENT, calls=INVOKE_CALLS)
    finally:
        probes.uninstall()
    for label, total in probes.totals.items():
        phase_samples[label].append(total / INVOKE_CALLS)
    return seconds


def check_warm_invocations(invocations: list) -> None:
    """Fail loudly unless every timed invocation of "warm" was warm and returned the event."""
    timed = [i for i in invocations if i.function == "warm" and i.trigger == "invoke"][1:]
    wrong = [i for i in timed if i.cold_start or not i.ok or i.payload != EVENT]
    if len(timed) != 3 * ROUNDS * INVOKE_CALLS or wrong:  # warm, batched, probed
        raise RuntimeError(f"{len(timed)} warm invocations, {len(wrong)} not warm or wrong: {wrong[:3]}")


class Probes:
    """Timers put around named functions of the emulator while warm invokes run: a tiny profiler.

    Each target is ``"module:attribute"`` or ``"module:Class.method"``. A probed call's time counts
    for its phase, minus the time of probed calls inside it; a probed call that returns a context
    manager (``with ...:``) also counts its ``__enter__`` and ``__exit__``. A target the runtime no
    longer has is listed in ``missing`` instead of being timed.
    """

    def __init__(self, phases: list[tuple[str, list[str]]]) -> None:
        self.totals = {label: 0.0 for label, _ in phases}
        self.targets = [(label, target, _resolve(target)) for label, targets in phases for target in targets]
        self.missing = [target for _, target, found in self.targets if found is None]
        self._children = [0.0]  # time spent in probed calls, per open probed call (outermost first)
        self._patches: list[tuple[object, str, object, bool]] = []

    def timed(self, label: str, function: Callable, /, *args, **kwargs):
        self._children.append(0.0)
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            elapsed = time.perf_counter() - started
            self.totals[label] += elapsed - self._children.pop()
            self._children[-1] += elapsed

    def install(self) -> None:
        for label, _, found in self.targets:
            if found is not None:
                owner, attribute = found
                original = getattr(owner, attribute)
                self._patches.append((owner, attribute, original, attribute in vars(owner)))
                setattr(owner, attribute, self._probe(label, original))

    def uninstall(self) -> None:
        for owner, attribute, original, own in reversed(self._patches):
            if own:
                setattr(owner, attribute, original)
            else:
                delattr(owner, attribute)
        self._patches.clear()

    def _probe(self, label: str, original: Callable) -> Callable:
        probes = self

        def probe(*args, **kwargs):
            result = probes.timed(label, original, *args, **kwargs)
            if hasattr(result, "__enter__") and hasattr(result, "__exit__"):
                return _TimedContext(probes, label, result)
            return result
        return probe


class _TimedContext:
    """A context manager whose ``__enter__`` and ``__exit__`` count for a phase."""

    def __init__(self, probes: Probes, label: str, inner) -> None:
        self.probes, self.label, self.inner = probes, label, inner

    def __enter__(self):
        return self.probes.timed(self.label, self.inner.__enter__)

    def __exit__(self, *exc_info):
        return self.probes.timed(self.label, self.inner.__exit__, *exc_info)


def _resolve(target: str) -> tuple[object, str] | None:
    """``"package.module:Name.attribute"`` -> (the object holding the attribute, its name), or None."""
    module_name, _, path = target.partition(":")
    try:
        owner = importlib.import_module(module_name)
    except ImportError:
        return None
    *parents, attribute = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent, None)
    return (owner, attribute) if owner is not None and callable(getattr(owner, attribute, None)) else None


# Where a warm invoke's time may go: the phases the lead asked about, and the functions doing each.
PHASES = [
    ("find the function by name or ARN", ["emulator.cloud:LocalCloud.function"]),
    ("JSON: event to bytes and back, result to bytes (`payload` is decoded when read, here after the timing)",
     ["json:dumps", "json:loads", "emulator.runtime.invoke:_decode_json"]),
    ("concurrency model: room check, slot booking",
     ["emulator.triggers.concurrency:ConcurrencyModel.has_room", "emulator.triggers.concurrency:ConcurrencyModel.occupy"]),
    ("random ids: the request id, X-Ray trace and segment ids",
     ["emulator.runtime.ids:request_id", "emulator.observability.tracing:new_trace_id", "emulator.observability.tracing:new_entity_id"]),
    ("take a warm environment: code-changed check (`os.stat`)", ["emulator.runtime.invoke:Function.take_environment"]),
    ("X-Ray tracing: begin, end", ["emulator.observability.tracing:Tracer.begin", "emulator.observability.tracing:Tracer.end"]),
    ("environment variables: encode, `putenv`, restore",
     ["emulator.runtime.variables:function_variables", "emulator.runtime.variables:encode"]),
    ("print/logging capture: swap stdout/stderr, add/remove log handler", ["emulator.runtime.logs:capture_output"]),
    ("module isolation: swap `sys.modules`, `sys.path`",
     ["emulator.runtime.environment:ExecutionEnvironment.activated"]),
    ("timeout: time budget, SIGALRM timer set and cleared",
     ["emulator.runtime.invoke:TimeBudget", "emulator.runtime.invoke:time_limit"]),
    ("`LambdaContext` object", ["emulator.runtime.invoke:LambdaContext"]),
    ("Max Memory Used: `getrusage` × 2", ["emulator.runtime.invoke:peak_rss_mb"]),
    ("START / END / REPORT lines",
     ["emulator.runtime.logs:start_line", "emulator.runtime.logs:end_line", "emulator.runtime.logs:report_line"]),
    ("record: `Invocation` object, history, listeners",
     ["emulator.runtime.invoke:Invocation", "emulator.runtime.invoke:Runtime._record"]),
]


# -- the peer, in its own virtualenv -------------------------------------------------------------


def peer_python() -> Path:
    """The peers' virtualenv's python, with python-lambda-local installed on first use."""
    python = PEERS / "bin" / "python"
    if not python.exists():
        print(f"Installing {PEER_PACKAGE} into {PEERS} ...", file=sys.stderr)
        venv.create(PEERS, with_pip=True)
    installed = subprocess.run([str(python), "-c", "import lambda_local"], capture_output=True)
    if installed.returncode != 0:
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", PEER_PACKAGE], check=True)
    return python


def measure_peer(code_dir: Path) -> dict[str, Stats]:
    """Run this file with ``--peer`` in the peers' virtualenv; its samples come back through a file."""
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as folder:
        out = Path(folder) / "samples.json"
        # python-lambda-local logs every call to stdout: thrown away, not part of any table.
        subprocess.run([str(peer_python()), __file__, "--peer", str(code_dir / "lambda_function.py"), str(out)],
                       stdout=subprocess.DEVNULL, check=True)
        return {label: Stats(samples) for label, samples in json.loads(out.read_text()).items()}


def peer_main(handler_path: str, out_path: str) -> int:
    """In the peers' virtualenv: sample a bare call and python-lambda-local's ``call()``."""
    from lambda_local.context import Context
    from lambda_local.main import call

    handler = load_module(Path(handler_path)).lambda_handler
    context = Context(3)
    result, error = call(handler, EVENT, context)
    if error is not None or result != EVENT:
        raise RuntimeError(f"python-lambda-local returned {result!r} (error type {error})")
    stats = interleave({PEER_BARE: lambda: time_calls(handler, EVENT, None, calls=BARE_CALLS),
                        PEER_CALL: lambda: time_calls(call, handler, EVENT, context)}, PEER_ROUNDS)
    Path(out_path).write_text(json.dumps({label: s.samples for label, s in stats.items()}))
    return 0


# -- the report ---------------------------------------------------------------------------------


def report(measured: Measurements, peer: dict[str, Stats]) -> str:
    stats = measured.stats
    bare, warm, cold, peer_call = stats[BARE], stats[WARM], stats[COLD], peer[PEER_CALL]
    calls = {BARE: BARE_CALLS, WARM: INVOKE_CALLS, BATCHED: INVOKE_CALLS, COLD: 1, PEER_BARE: BARE_CALLS, PEER_CALL: 1}

    def row(label: str, sample: Stats, baseline: Stats) -> list[str]:
        return [label, duration(sample.median), duration(sample.p90), ratio(sample.median, baseline.median),
                f"{len(sample)} × {calls[label]:,}"]

    overhead = warm.median - bare.median
    header = ["one invocation of `return event`", "median", "p90", "vs bare call", "samples × calls"]
    main_table = table(header, [row(BARE, bare, bare), row(WARM, warm, bare), row(BATCHED, stats[BATCHED], bare),
                                row(COLD, cold, bare),
                                row(PEER_BARE, peer[PEER_BARE], peer[PEER_BARE]),
                                row(PEER_CALL, peer_call, peer[PEER_BARE])])
    verdict = "met" if overhead <= TARGET_OVERHEAD else f"not met, {overhead / TARGET_OVERHEAD:.0f}× the target"
    return f"""\
### One invocation

The handler is `def lambda_handler(event, context): return event`; the event is the console's
hello-world test event. Everything in this process was sampled in {ROUNDS} interleaved rounds; the peer
in {PEER_ROUNDS} rounds in its own process, next to its own bare call (its ratio is against that one).

{main_table}

- **Warm invoke overhead: {duration(overhead)} above the bare call** at the median \
(target ≤ {duration(TARGET_OVERHEAD)}: {verdict}). The next table shows where it goes.
- **In the cloud's own loops** (a schedule, a queue's mapping), invocations run back to back with no \
notebook code between them: {duration(stats[BATCHED].median - bare.median)} above the bare call, \
{ratio(stats[BATCHED].median, warm.median)} of a warm `cloud.invoke`. There the function's variables stay \
in `os.environ` from one invocation of it to the next (only the trace header is written again) and its \
files are looked at once per `advance()` call (`emulator/runtime/variables.py`, `environment.py`).
- A cold start takes {ratio(cold.median, warm.median)} as long as a warm invoke; the Init Duration its REPORT \
line shows (the isolated import of the module) has a median of {Stats(measured.init_ms).median:.2f} ms.
- **python-lambda-local's `call()` takes {ratio(peer_call.median, warm.median)} as long as a warm `cloud.invoke`**, \
and {ratio(peer_call.median, cold.median)} as long as a cold one: it starts a new process (`multiprocessing`) for \
every call, so no state survives from one call to the next.

{phase_report(measured, overhead)}"""


def phase_report(measured: Measurements, overhead: float) -> str:
    """The breakdown: each phase's time per warm invoke, biggest first, against the measured overhead."""
    phases = sorted(measured.phases, key=lambda label: measured.phases[label].median, reverse=True)
    total = sum(measured.phases[label].median for label in phases)
    timer_cost = measured.stats[PROBED].median - measured.stats[WARM].median
    rows = [[label, duration(measured.phases[label].median), duration(measured.phases[label].p90),
             f"{100 * measured.phases[label].median / overhead:.0f} %"] for label in phases]
    rows += [["**sum of the phases above**", duration(total), "", f"{100 * total / overhead:.0f} %"],
             ["**rest**: Python glue in `invoke` / `_run` / `_execute` (calls, `with` blocks, look-ups, "
              "the lock, the clock)", _signed(overhead - total), "", f"{100 * (overhead - total) / overhead:.0f} %"],
             ["**measured overhead** (warm invoke − bare call, medians)", duration(overhead), "", "100 %"]]
    missing = (f"\nNot timed, because the runtime has no such function (any more): "
               f"{', '.join(f'`{target}`' for target in measured.missing)}.\n" if measured.missing else "")
    return f"""\
### Where a warm invoke's time goes

Warm invokes run again with a timer around each function that does one phase of the work (see
`PHASES` in the script); a phase's time excludes the timed functions it calls. Per invoke, medians
over {ROUNDS} samples of {INVOKE_CALLS} invokes, interleaved with the samples above. The timers themselves
add {_signed(timer_cost)} per invoke (the timed run's median minus the plain warm invoke's); little of that
(about one clock read per timed call) falls inside the phases.

{table(["phase of a warm invoke", "median", "p90", "share of overhead"], rows)}
{missing}
Much of what is left is work a faithful invoke cannot skip: every variable Lambda sets goes into the C
environment (so that subprocesses see it) with one `setenv` and comes out with one `unsetenv` or
`setenv`; hot reload needs an `os.stat` of the code folder and of each loaded file; Max Memory Used
needs two `getrusage`; the timeout needs two `setitimer`.
"""


def _signed(seconds: float) -> str:
    return duration(seconds) if seconds >= 0 else f"−{duration(-seconds)}"


def main() -> int:
    sys.dont_write_bytecode = True  # every cold start compiles the module, as a first import in Lambda does
    with tempfile.TemporaryDirectory(prefix="bench-runtime-") as folder:
        code_dir = write_function(Path(folder), "echo", HANDLER)
        measured = measure_in_process(code_dir)
        peer = measure_peer(code_dir)
    publish("runtime", report(measured, peer))
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--peer"]:
        sys.exit(peer_main(*sys.argv[2:4]))
    sys.exit(main())
