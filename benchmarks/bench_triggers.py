"""Triggers on the virtual clock, against the plain calls the same work needs.

1. **A day of a schedule.** ``cloud.advance(days=1)`` with a ``rate(1 minute)`` rule fires 1,440
   invocations. Baseline: 1,440 warm ``cloud.invoke`` calls of the same handler with the same event,
   so the ratio is what the schedule, the asynchronous queue and the timeline add.
2. **The two-queue calculator.** 1,000 messages go input queue -> event source mapping -> function ->
   output queue (``send_message_batch``, then ``cloud.run_until_idle()``). Baseline: the raw boto3
   calls that work needs, on moto without the emulator (send in batches of 10, receive and delete in
   batches of 10, the same handler called as a plain function sends the 1,000 results); and the same
   raw calls inside a local cloud, on the same patched moto as the mapping.
3. **moto's SQS cost by queue depth.** Send and receive latency with 0, 200, 1,000 and 5,000 messages
   waiting, on plain moto and inside a local cloud (whose moto patches remove part of that cost).
   Part 2 keeps its queues shallow because of it: each batch of 10 is processed, and its results
   collected, before the next is sent (and one run sends all 1,000 first, as a lab does).

    .venv/bin/python benchmarks/bench_triggers.py       # prints the tables, writes results/triggers.md
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import boto3
from moto import mock_aws
from moto.sqs.models import Message, sqs_backends

from emulator import LocalCloud, events
from emulator.cloud import ACCOUNT_ID, FAKE_CREDENTIALS, HIDDEN_VARIABLES
from run import Stats, duration, interleave, load_module, publish, ratio, table, write_function

REGION = "us-east-1"
START = datetime(2026, 1, 5, tzinfo=timezone.utc)  # every run starts its virtual day at the same time

ECHO = "def lambda_handler(event, context):\n    return event\n"
CALCULATOR = '''\
import json
import operator
import os

import boto3

sqs = boto3.client("sqs")
OPERATIONS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


def lambda_handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            message = json.loads(record["body"])
            result = OPERATIONS[message["operation"]](message["number1"], message["number2"])
        except (ValueError, KeyError, TypeError, ZeroDivisionError):
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        sqs.send_message(QueueUrl=os.environ["OUTPUT_QUEUE_URL"], MessageBody=json.dumps({**message, "result": result}))
    return {"batchItemFailures": failures}
'''

FIRINGS_PER_DAY = 24 * 60
DAY_RUNS = 7
MESSAGES, BATCH = 1000, 10  # SQS batches hold at most 10 messages
PIPELINE_RUNS = 5
DEPTHS = (0, 10, 100, 1000, 10_000)
BACKLOG, BACKLOG_RUNS = 10_000, 2  # a class demo's backlog: all sent first, then drained
DEPTH_ROUNDS, DEPTH_BUDGET = (3, 25), 2.0  # 3 to 25 rounds of every figure, ~2 s per kind of moto

DAY = "one virtual day of `rate(1 minute)`: `cloud.advance(days=1)`"
INVOKES = f"{FIRINGS_PER_DAY:,} warm `cloud.invoke` calls, same handler and event (baseline)"
RAW = "raw boto3 calls on plain moto (baseline)"
RAW_PATCHED = "raw boto3 calls inside a local cloud (same moto, no mapping)"
MAPPING = f"event source mapping: `send_message_batch` of {BATCH}, then `cloud.run_until_idle()`"
MAPPING_AT_ONCE = f"event source mapping: all {MESSAGES:,} sent, then one `cloud.run_until_idle()`"
BACKLOG_RAW = f"{BACKLOG:,} sent, then raw boto3 receive, handler call and delete, same moto (baseline)"
BACKLOG_MAPPING = f"{BACKLOG:,} sent, then one `cloud.run_until_idle()` through the event source mapping"


# -- 1. a day of a schedule ---------------------------------------------------------------------


def day_of_schedule(code_dir: Path) -> float:
    """Seconds for ``cloud.advance(days=1)`` with a rate(1 minute) rule (checks the 1,440 firings)."""
    with LocalCloud(start_time=START) as cloud:
        cloud.create_function("tick", code=code_dir)
        cloud.invoke("tick", {})  # the cold start, outside the timing
        cloud.schedule("every-minute", "rate(1 minute)", "tick")
        started = time.perf_counter()
        cloud.advance(days=1)
        seconds = time.perf_counter() - started
        fired = [i for i in cloud.invocations if i.trigger != "invoke"]
        if len(fired) != FIRINGS_PER_DAY or not all(i.ok for i in fired):
            raise RuntimeError(f"a day of rate(1 minute) gave {len(fired)} invocations, "
                               f"{sum(not i.ok for i in fired)} failed; expected {FIRINGS_PER_DAY} successes")
    return seconds


def warm_invokes(code_dir: Path) -> float:
    """Seconds for 1,440 warm synchronous invokes of the same handler with a scheduled event."""
    # A limit above the count: synchronous calls made at one virtual instant are never throttled.
    with LocalCloud(start_time=START, account_concurrency=FIRINGS_PER_DAY + 1) as cloud:
        cloud.create_function("tick", code=code_dir)
        event = events.scheduled(rule="every-minute", time=START)
        cloud.invoke("tick", event)  # the cold start, outside the timing
        started = time.perf_counter()
        for _ in range(FIRINGS_PER_DAY):
            cloud.invoke("tick", event)
        return time.perf_counter() - started


def schedule_report(stats: dict[str, Stats]) -> str:
    day, invokes = stats[DAY], stats[INVOKES]
    rows = [[INVOKES, duration(invokes.median), duration(invokes.p90), "1.00×", str(len(invokes))],
            [DAY, duration(day.median), duration(day.p90), ratio(day.median, invokes.median), str(len(day))]]
    return f"""\
### A virtual day of a schedule

A `rate(1 minute)` rule invoking `return event`, played for one virtual day: {FIRINGS_PER_DAY:,} scheduled
(asynchronous) invocations. {DAY_RUNS} runs of each, alternating, each in a fresh local cloud.

{table(["work", "median", "p90", f"vs {FIRINGS_PER_DAY:,} invokes", "runs"], rows)}

- Per firing, the schedule machinery (rule, asynchronous event queue, timeline) adds \
{duration((day.median - invokes.median) / FIRINGS_PER_DAY)} to a warm invoke's {duration(invokes.median / FIRINGS_PER_DAY)}.
- A virtual day plays {86400 / day.median:,.0f}× faster than real time (median).
"""


# -- 2. the two-queue calculator ----------------------------------------------------------------


OPERATIONS = [{"number1": n, "number2": n % 7 + 1, "operation": "+-*/"[n % 4]} for n in range(BACKLOG)]


def send_batches(sqs, queue_url: str, messages: list[dict]) -> None:
    for first in range(0, len(messages), BATCH):
        entries = [{"Id": str(i), "MessageBody": json.dumps(m)} for i, m in enumerate(messages[first:first + BATCH])]
        sent = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        if sent.get("Failed"):
            raise RuntimeError(f"send_message_batch failed: {sent['Failed']}")


def receive_batch(sqs, queue_url: str) -> list[dict]:
    return sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=BATCH).get("Messages", [])


def delete_batch(sqs, queue_url: str, messages: list[dict]) -> None:
    sqs.delete_message_batch(QueueUrl=queue_url, Entries=[
        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])


def collect(sqs, queue_url: str) -> list[dict]:
    """Receive and delete every message of a queue; their bodies, parsed."""
    bodies = []
    while messages := receive_batch(sqs, queue_url):
        bodies += [json.loads(m["Body"]) for m in messages]
        delete_batch(sqs, queue_url, messages)
    return bodies


def timed_pipeline(sqs, input_url: str, output_url: str, process: Callable[[], None], chunk: int,
                   messages: int = MESSAGES) -> float:
    """Send ``messages`` operations ``chunk`` at a time and ``process`` each chunk; seconds of that work.

    Collecting the results from the output queue after each chunk is not timed: it checks that every
    operation got its result, and keeps that queue as shallow as the input queue (see part 3).
    """
    seconds, results = 0.0, []
    for first in range(0, messages, chunk):
        started = time.perf_counter()
        send_batches(sqs, input_url, OPERATIONS[first:first + chunk])
        process()
        seconds += time.perf_counter() - started
        results += collect(sqs, output_url)
    if sorted(r["number1"] for r in results) != list(range(messages)) or collect(sqs, input_url):
        raise RuntimeError(f"{len(results)} results for {messages} operations, or messages left in the input queue")
    return seconds


def mapping_pipeline(code_dir: Path, chunk: int, cold_starts: list[int], endpoint_url: str | None = None,
                     messages: int = MESSAGES) -> float:
    """Seconds of the calculator's work through an event source mapping in a local cloud.

    A virtual second passes after each chunk is done, as it would between a producer's sends, so the
    last invocation has ended and its environment is free. The run's cold starts go to ``cold_starts``.
    With ``endpoint_url`` the cloud's queues are that server's (``bench_endpoint.py``).
    """
    with LocalCloud(start_time=START, endpoint_url=endpoint_url) as cloud:
        input_url = cloud.create_queue("input_queue")
        output_url = cloud.create_queue("output_queue")
        cloud.create_function("calculator", code=code_dir, environment={"OUTPUT_QUEUE_URL": output_url})
        cloud.invoke("calculator", {"Records": []})  # the first cold start, outside the timing
        cloud.create_event_source_mapping("input_queue", "calculator", batch_size=BATCH)

        def process() -> None:
            cloud.run_until_idle()
            cloud.advance(seconds=1)

        seconds = timed_pipeline(cloud.sqs, input_url, output_url, process, chunk, messages)
        cold_starts.append(sum(i.cold_start for i in cloud.invocations[1:]))
    return seconds


def raw_pipeline(sqs, code_dir: Path, chunk: int = BATCH, messages: int = MESSAGES) -> float:
    """Seconds of the same work with raw boto3 calls, the handler called as a plain function."""
    input_url = sqs.create_queue(QueueName="input_queue")["QueueUrl"]
    output_url = sqs.create_queue(QueueName="output_queue")["QueueUrl"]
    os.environ["OUTPUT_QUEUE_URL"] = output_url
    try:
        handler = load_module(code_dir / "lambda_function.py").lambda_handler  # creates its client: not timed

        def process() -> None:
            while messages := receive_batch(sqs, input_url):
                response = handler({"Records": [{"messageId": m["MessageId"], "body": m["Body"]}
                                                for m in messages]}, None)
                if response["batchItemFailures"]:
                    raise RuntimeError(f"the calculator failed on {response['batchItemFailures']}")
                delete_batch(sqs, input_url, messages)

        return timed_pipeline(sqs, input_url, output_url, process, chunk, messages)
    finally:
        del os.environ["OUTPUT_QUEUE_URL"]


def raw_on_plain_moto(code_dir: Path) -> float:
    with mock_aws():
        return raw_pipeline(boto3.client("sqs", region_name=REGION), code_dir)


def raw_in_local_cloud(code_dir: Path, chunk: int = BATCH, messages: int = MESSAGES) -> float:
    with LocalCloud(start_time=START) as cloud:
        return raw_pipeline(cloud.sqs, code_dir, chunk, messages)


def backlog_report(stats: dict[str, Stats]) -> str:
    raw = stats[BACKLOG_RAW]
    rows = [[label, duration(stats[label].median), duration(stats[label].p90), ratio(stats[label].median, raw.median),
             duration(stats[label].median / BACKLOG), str(len(stats[label]))] for label in (BACKLOG_RAW, BACKLOG_MAPPING)]
    header = [f"{BACKLOG:,} messages, all waiting", "median", "p90", "vs raw calls", "per message", "runs"]
    return f"""\
### A backlog: {BACKLOG:,} messages waiting at once

The producer/consumer demonstration of a class: {BACKLOG:,} operations sent first (`send_message_batch`
of {BATCH}), so the input queue holds all of them, then drained: by the event source mapping
(`cloud.run_until_idle()`), or by raw boto3 receives, the handler called as a plain function, and
deletes, on the same patched moto. Sending is timed too; collecting the results is not. {BACKLOG_RUNS} runs of
each, interleaved.

{table(header, rows)}

Compare "per message" with the 1,000-message rows above: at ten times the depth, a message costs
about the same.
"""


def pipeline_report(stats: dict[str, Stats], cold_starts: dict[str, list[int]]) -> str:
    raw, same_moto = stats[RAW], stats[RAW_PATCHED]
    rows = [[label, duration(stats[label].median), duration(stats[label].p90), ratio(stats[label].median, raw.median),
             ratio(stats[label].median, same_moto.median), duration(stats[label].median / MESSAGES),
             _spread(cold_starts[label]) if label in cold_starts else "–", str(len(stats[label]))]
            for label in (RAW, RAW_PATCHED, MAPPING, MAPPING_AT_ONCE)]
    header = ["1,000 messages, input queue → calculator → output queue", "median", "p90", "vs raw, plain moto",
              "vs raw, same moto", "per message", "cold starts", "runs"]
    return f"""\
### 1,000 messages through the two-queue calculator

{MESSAGES:,} operations (`{{"number1": …, "number2": …, "operation": …}}`) go from an input queue to the
calculator function, which sends each result to an output queue with its own boto3 client. The raw
baselines receive with boto3 (batches of {BATCH}), call the handler as a plain function and delete
with `delete_message_batch`: once on plain moto, once inside a local cloud, whose moto runs with the
emulator's SQS patches (part 3) but with no event source mapping. Except in the last row, messages go
in one `send_message_batch` of {BATCH} at a time, each processed before the next (and, with the mapping,
a virtual second passing), so no queue holds more than {BATCH} messages. The last row is what a lab does:
all {MESSAGES:,} sent first, then one `cloud.run_until_idle()`. Collecting the results after each chunk
(to check that all {MESSAGES:,} arrived) is not timed. {PIPELINE_RUNS} runs of each, interleaved.

{table(header, rows)}

The event source mapping reads and deletes messages in moto directly rather than through boto3 (no
request is serialised and parsed); "same moto" compares it with raw calls on the same patched moto.
"Cold starts" counts the mapping's invocations that started a new execution environment (the first
environment is started before the timing). When all the messages wait at once, the mapping starts
{_spread(cold_starts[MAPPING_AT_ONCE])} new environment(s): as in AWS, it begins with five concurrent
batches and adds up to 300 per minute while the backlog lasts (Lambda developer guide, SQS scaling).
"""


def _spread(values: list[int]) -> str:
    low, high = min(values), max(values)
    return f"{low:,}" if low == high else f"{low:,}–{high:,}"


# -- 3. moto's SQS cost by queue depth ----------------------------------------------------------


def fill(queue, depth: int) -> None:
    """Put messages straight into moto's queue until it holds ``depth`` (a send would cost O(depth))."""
    while len(queue._messages) < depth:
        message = Message(str(uuid.uuid4()), '{"number1": 1, "number2": 2, "operation": "+"}')
        message.mark_sent()
        queue.add_message(message)


def depth_latencies(sqs) -> dict[tuple[str, int], Stats]:
    """(operation, depth) -> latency of one send_message / one receive_message at that depth.

    One queue per depth, so that the figures can be sampled in interleaved rounds: as many rounds
    as fit in the time budget (judged from a first, untimed round that also warms the caches).
    """
    backend = sqs_backends[ACCOUNT_ID][REGION]
    samplers = {}
    for depth in DEPTHS:
        url = sqs.create_queue(QueueName=f"depth-{depth}")["QueueUrl"]
        fill(backend.get_queue(f"depth-{depth}"), depth + 1)  # one more: a message to receive at depth 0
        samplers["send_message", depth] = lambda url=url: _timed_send(sqs, url)
        samplers["receive_message", depth] = lambda url=url: _timed_receive(sqs, url)
    started = time.perf_counter()
    for sample in samplers.values():
        sample()
    least, most = DEPTH_ROUNDS
    rounds = int(min(most, max(least, DEPTH_BUDGET / (time.perf_counter() - started))))
    return interleave(samplers, rounds)


def _timed_send(sqs, url: str) -> float:
    started = time.perf_counter()
    sqs.send_message(QueueUrl=url, MessageBody="{}")
    return time.perf_counter() - started


def _timed_receive(sqs, url: str) -> float:
    started = time.perf_counter()
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
    seconds = time.perf_counter() - started
    delete_batch(sqs, url, messages)  # a send and a receive per round: the depth stays as it was
    return seconds


def plain_moto_depths() -> dict[tuple[str, int], Stats]:
    with mock_aws():
        return depth_latencies(boto3.client("sqs", region_name=REGION))


def local_cloud_depths() -> dict[tuple[str, int], Stats]:
    with LocalCloud(start_time=START) as cloud:
        return depth_latencies(cloud.sqs)


def depth_report(plain: dict[tuple[str, int], Stats], patched: dict[tuple[str, int], Stats]) -> str:
    rows = []
    for where, latencies in (("plain moto", plain), ("in a local cloud", patched)):
        for operation in ("send_message", "receive_message"):
            empty = latencies[operation, 0]
            for depth in DEPTHS:
                stats = latencies[operation, depth]
                rows.append([f"{operation}, {where}", f"{depth:,}", duration(stats.median), duration(stats.p90),
                             ratio(stats.median, empty.median), str(len(stats))])
    plain_deep, patched_deep = (latencies["send_message", DEPTHS[-1]].median / latencies["send_message", 0].median
                                for latencies in (plain, patched))
    return f"""\
### moto's SQS cost by queue depth

One `send_message` and one `receive_message` (1 message) through boto3 while the queue already holds
0 to {DEPTHS[-1]:,} messages, on plain moto and inside a local cloud. On plain moto a send
recomputes the queue's attributes (a pass over every message), a receive lists every visible message
before taking one, and a delete copies the whole queue. Inside a local cloud
(`emulator/aws/sqs_depth.py`) attributes are computed when read, visible messages are found one by
one, and receipt handles are indexed, so each call costs about the same at any depth. One queue per depth; the figures
are sampled in interleaved rounds, {DEPTH_ROUNDS[0]} to {DEPTH_ROUNDS[1]} of them, as many as about {DEPTH_BUDGET:g} s allow.

{table(["call", "messages waiting", "median", "p90", "vs empty queue", "samples"], rows)}

A send into a queue holding {DEPTHS[-1]:,} messages costs {plain_deep:.1f}× a send into an empty one on plain
moto, {patched_deep:.1f}× in a local cloud.
"""


def main() -> int:
    for name in HIDDEN_VARIABLES:  # plain moto (the baselines) needs the same fake credentials
        os.environ.pop(name, None)
    os.environ.update(FAKE_CREDENTIALS, AWS_DEFAULT_REGION=REGION)
    with tempfile.TemporaryDirectory(prefix="bench-triggers-") as folder:
        echo = write_function(Path(folder), "tick", ECHO)
        calculator = write_function(Path(folder), "calculator", CALCULATOR)
        schedule = interleave({DAY: lambda: day_of_schedule(echo), INVOKES: lambda: warm_invokes(echo)}, DAY_RUNS)
        cold_starts: dict[str, list[int]] = {MAPPING: [], MAPPING_AT_ONCE: []}
        pipelines = interleave({RAW: lambda: raw_on_plain_moto(calculator),
                                RAW_PATCHED: lambda: raw_in_local_cloud(calculator),
                                MAPPING: lambda: mapping_pipeline(calculator, BATCH, cold_starts[MAPPING]),
                                MAPPING_AT_ONCE: lambda: mapping_pipeline(calculator, MESSAGES,
                                                                          cold_starts[MAPPING_AT_ONCE])},
                               PIPELINE_RUNS)
        backlog = interleave({BACKLOG_RAW: lambda: raw_in_local_cloud(calculator, BACKLOG, BACKLOG),
                              BACKLOG_MAPPING: lambda: mapping_pipeline(calculator, BACKLOG, [], messages=BACKLOG)},
                             BACKLOG_RUNS)
    depths = depth_report(plain_moto_depths(), local_cloud_depths())
    publish("triggers", "\n".join([schedule_report(schedule), pipeline_report(pipelines, cold_starts),
                                   backlog_report(backlog), depths]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
