"""The kit pointed at a moto server (``LAMBDA_LAB_ENDPOINT_URL``), against raw boto3 calls to the same server.

The two-queue calculator of ``bench_triggers.py``, part 2, with its queues in a moto server on
127.0.0.1 (a separate process, started here) instead of the in-process moto: messages go in batches
of 10 to the input queue, the calculator sends each result to the output queue, and every result is
checked. Baseline: the raw boto3 calls the same work needs against the same server (receive and
delete in batches of 10, the handler called as a plain function, its own boto3 client sending the
results there). The local cloud's event source mapping polls the queue through the SQS API, as
Lambda's poller does, and keeps visibility timeouts on the virtual clock.

    .venv/bin/python benchmarks/bench_endpoint.py       # prints the table, writes results/endpoint.md
"""

from __future__ import annotations

import os
import sys
import tempfile
import urllib.request
from pathlib import Path

import boto3

from bench_triggers import BATCH, CALCULATOR, REGION, mapping_pipeline, raw_pipeline
from emulator.cloud import FAKE_CREDENTIALS, HIDDEN_VARIABLES
from run import HERE, Stats, duration, interleave, publish, ratio, table, write_function

sys.path.insert(0, str(HERE.parent / "tests"))
from moto_server import MotoServer  # noqa: E402  (the test suite's server helper: one way to start it)

MESSAGES = 1000  # the same work as bench_triggers' part 2 (its timed_pipeline checks all of them)
RUNS = 3
RAW = "raw boto3 calls to the moto server (baseline)"
MAPPING = f"event source mapping through the SQS API: `send_message_batch` of {BATCH}, then `run_until_idle()`"


def reset(server: MotoServer) -> None:
    """Empty the server between runs, so each starts from the same state."""
    urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
        urllib.request.Request(f"{server.url}/moto-api/reset", method="POST"), timeout=10).close()


def raw_on_server(server: MotoServer, code_dir: Path) -> float:
    reset(server)
    os.environ["AWS_ENDPOINT_URL"] = server.url  # the handler's own client goes to the server too
    try:
        return raw_pipeline(boto3.client("sqs", region_name=REGION), code_dir)
    finally:
        del os.environ["AWS_ENDPOINT_URL"]


def mapping_on_server(server: MotoServer, code_dir: Path, cold_starts: list[int]) -> float:
    reset(server)
    return mapping_pipeline(code_dir, BATCH, cold_starts, endpoint_url=server.url)


def report(stats: dict[str, Stats]) -> str:
    raw = stats[RAW]
    rows = [[label, duration(stats[label].median), duration(stats[label].p90), ratio(stats[label].median, raw.median),
             duration(stats[label].median / MESSAGES), str(len(stats[label]))] for label in (RAW, MAPPING)]
    header = [f"{MESSAGES:,} messages through the calculator, queues in a moto server", "median", "p90",
              "vs raw", "per message", "runs"]
    return f"""\
### 1,000 messages through the calculator, queues in a moto server

The two-queue calculator of the previous section, with `LAMBDA_LAB_ENDPOINT_URL` pointing the local
cloud at a moto server on 127.0.0.1 (a separate process). The baseline makes the raw boto3 calls the
same work needs against the same server; the event source mapping polls through the SQS API
(`GetQueueAttributes` to see what is visible, `ReceiveMessage`, `DeleteMessageBatch`), as Lambda's
poller does. {RUNS} runs of each, interleaved; the server is emptied before each run.

{table(header, rows)}

Every call is an HTTP request to another process here (the moto server closes the connection after
each answer), so this mode is much slower than the in-process moto of the previous section. The
mapping makes more requests than the raw loop: it asks `GetQueueAttributes` before each poll, where the
raw loop just receives until the queue answers empty.
"""


def main() -> int:
    for name in HIDDEN_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(FAKE_CREDENTIALS, AWS_DEFAULT_REGION=REGION)
    server = MotoServer().start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-endpoint-") as folder:
            calculator = write_function(Path(folder), "calculator", CALCULATOR)
            cold_starts: list[int] = []
            stats = interleave({RAW: lambda: raw_on_server(server, calculator),
                                MAPPING: lambda: mapping_on_server(server, calculator, cold_starts)}, RUNS)
    finally:
        server.stop()
    publish("endpoint", report(stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
