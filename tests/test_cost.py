"""cloud.cost(): the bill for what ran, by AWS's price list, and its monthly projection."""

from __future__ import annotations

import json
import math

import boto3
import pytest

from emulator.observability.cost import (LAMBDA_PER_GB_SECOND, LAMBDA_PER_REQUEST, PRICES_SOURCE, CostEstimate, FunctionCost)
from emulator.runtime import TooManyRequestsException

WORK = """
import time

def lambda_handler(event, context):
    time.sleep(event.get("sleep", 0))
    if event.get("fail"):
        raise RuntimeError("failed on purpose")
    return "done"
"""

NOTHING = """
def lambda_handler(event, context):
    return None
"""


def billed(invocation) -> int:
    """What AWS bills since August 2025: Init (on a cold start) plus Duration, rounded up to 1 ms."""
    return max(1, math.ceil((invocation.init_duration_ms or 0) + invocation.duration_ms))


def test_the_pricing_pages_worked_example():
    """3 million requests a month at 120 ms and 1536 MB: $2.33 of compute + $0.40 of requests = $2.73."""
    one = CostEstimate({"app": FunctionCost("app", 1536, requests=1, billed_ms=120, gb_seconds=0.12 * 1.5)})
    month = one.monthly(3_000_000, free_tier=True)
    assert month.gb_seconds == pytest.approx(540_000)
    assert month.lambda_cost == pytest.approx(0.40 + 140_000 * 0.0000166667)
    assert round(month.total, 2) == 2.73
    assert round(one.monthly(3_000_000).total, 2) == 9.60  # without the free tier: 0.60 + 9.00
    assert PRICES_SOURCE in str(month)


def test_a_known_workload(cloud, write_handler):
    cloud.create_function("worker", code=write_handler(WORK), memory_size=512)
    runs = [cloud.invoke("worker", {"sleep": 0.25}) for _ in range(3)]

    estimate = cloud.cost()
    worker = estimate.functions["worker"]
    assert (worker.requests, worker.memory_mb) == (3, 512)
    assert worker.billed_ms == sum(billed(run) for run in runs)
    assert worker.billed_ms >= 750 + runs[0].init_duration_ms  # the simulated sleeps and the cold start's Init
    assert worker.gb_seconds == pytest.approx(worker.billed_ms / 1000 * 0.5)
    assert estimate.total == pytest.approx(3 * LAMBDA_PER_REQUEST + worker.gb_seconds * LAMBDA_PER_GB_SECOND)
    assert estimate.sqs_requests == {}
    assert "worker" in str(estimate) and "512 MB" in str(estimate)


def test_memory_is_the_price_of_a_millisecond(cloud, write_handler):
    code = write_handler(WORK)
    cloud.create_function("small", code=code, memory_size=128)
    cloud.create_function("large", code=code, memory_size=1024)
    cloud.invoke("small", {"sleep": 1})
    cloud.invoke("large", {"sleep": 1})
    functions = cloud.cost().functions
    per_ms = {name: f.duration_cost / f.billed_ms for name, f in functions.items()}
    assert per_ms["large"] == pytest.approx(8 * per_ms["small"])


def test_failures_and_retries_are_billed_throttles_are_not(cloud, write_handler):
    cloud.create_function("flaky", code=write_handler(WORK), reserved_concurrency=0)
    with pytest.raises(TooManyRequestsException):
        cloud.invoke("flaky", {})
    cloud.set_reserved_concurrency("flaky", None)
    cloud.invoke("flaky", {"fail": True}, invocation_type="Event")
    cloud.run_until_idle()  # the first attempt and Lambda's two retries
    assert len(cloud.invocations) == 3
    assert cloud.cost().functions["flaky"].requests == 3


def test_sqs_requests_include_the_pollers(cloud, write_handler):
    url = cloud.create_queue("jobs")
    fifo_url = cloud.create_queue("jobs.fifo", fifo=True)
    cloud.create_function("consumer", code=write_handler(NOTHING))
    jobs = cloud.create_event_source_mapping("jobs", "consumer", batch_size=10)
    sqs = boto3.client("sqs", region_name="us-east-1")
    for number in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"job": number}))
    sqs.send_message(QueueUrl=url, MessageBody="x" * 100_000)  # two 64 KB chunks: two requests
    sqs.send_message(QueueUrl=fifo_url, MessageBody="one", MessageGroupId="g")
    cloud.run_until_idle()

    assert jobs.stats.messages_deleted == 4 and jobs.stats.sqs_requests >= 2  # receives, one DeleteMessageBatch
    estimate = cloud.cost()
    assert estimate.sqs_requests == {"standard": 3 + 2 + jobs.stats.sqs_requests, "fifo": 1}
    assert estimate.sqs_cost == pytest.approx((5 + jobs.stats.sqs_requests) * 0.40e-6 + 0.50e-6)
    # Creating queues and mappings happens once, not per message: it stays out of the bill.


def test_monthly_projection(cloud, write_handler):
    url = cloud.create_queue("jobs")
    cloud.create_function("consumer", code=write_handler(NOTHING))
    cloud.create_event_source_mapping("jobs", "consumer")
    boto3.client("sqs", region_name="us-east-1").send_message(QueueUrl=url, MessageBody="{}")
    cloud.run_until_idle()

    once = cloud.cost()
    month = once.monthly(1_000_000)
    assert month.lambda_requests == 1_000_000
    assert month.gb_seconds == pytest.approx(once.gb_seconds * 1_000_000)
    assert month.total == pytest.approx(once.total * 1_000_000)
    assert once.monthly(1_000_000, runs=4).total == pytest.approx(once.total * 250_000)
    free = once.monthly(1_000_000, free_tier=True)
    assert free.lambda_cost == pytest.approx(0)  # a million requests and little compute: inside the free tier
    assert free.sqs_cost == pytest.approx(max(month.sqs_requests["standard"] - 1_000_000, 0) * 0.40e-6)
    with pytest.raises(ValueError, match="runs"):
        once.monthly(1_000_000, runs=0)
