"""Cost: what the work the local cloud just did would cost on AWS.

Lambda bills two things, and SQS one:

- **requests**: every invocation Lambda starts counts, whoever triggered it (a test call, a queue,
  a schedule, a retry), whether it succeeded or failed; a throttled call never started, so it is free;
- **duration in GB-seconds**: the billed milliseconds (rounded up to the next 1 ms) times the memory
  you configured, in GB. Since 1 August 2025 a cold start's Init phase is billed as well, so an
  invocation bills ``Init Duration + Duration``. More memory costs more per millisecond, so the memory
  you choose (and the time your code and its imports take) is the bill;
- **SQS requests**: every API call to a queue (SendMessage, ReceiveMessage, DeleteMessageBatch ...),
  each 64 KB of payload counting as one request (here: the calls that move messages, see
  ``SQS_MESSAGE_OPERATIONS``). A queue that triggers a function is polled by
  Lambda, and those receives and deletes are billed to you too.

``cloud.cost()`` adds up everything that ran; ``.monthly(1_000_000)`` answers "what would a million of
these cost per month?", where "these" is the workload the cloud ran.

Where we cannot be faithful: the prices are one region's (US East, N. Virginia) list prices for x86
functions, without volume tiers (cheaper beyond 6 billion GB-seconds a month) or savings plans; a
real event source mapping also long-polls an empty queue (about 1,300 billed receives an hour per
queue) and those idle polls are not counted here.
"""

from __future__ import annotations

import json
import math
import weakref
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from botocore.handlers import BUILTIN_HANDLERS

from ..aws.interception import active_cloud
from ..runtime import Function, Invocation

# The price table. Source: aws.amazon.com/lambda/pricing and aws.amazon.com/sqs/pricing, US East
# (N. Virginia), on-demand list prices in USD as published in 2025 (Lambda's request and x86 duration
# prices are unchanged since 1 ms billing began in December 2020).
PRICES_SOURCE = "AWS Lambda and Amazon SQS pricing pages, US East (N. Virginia), x86, 2025 list prices"
LAMBDA_PER_REQUEST = 0.20 / 1_000_000  # $0.20 per million requests
LAMBDA_PER_GB_SECOND = 0.0000166667  # x86, first 6 billion GB-seconds of a month
SQS_PER_REQUEST = {"standard": 0.40 / 1_000_000, "fifo": 0.50 / 1_000_000}
SQS_CHUNK_BYTES = 64 * 1024  # each 64 KB chunk of a request's payload is billed as one request
# The monthly free tier, for monthly(free_tier=True).
FREE_LAMBDA_REQUESTS = 1_000_000
FREE_GB_SECONDS = 400_000
FREE_SQS_REQUESTS = 1_000_000
# The SQS calls that grow with traffic. Creating and configuring queues is billed too, but it happens
# once, not once per request, so it stays out of a "per month" projection.
SQS_MESSAGE_OPERATIONS = {"SendMessage", "SendMessageBatch", "ReceiveMessage", "DeleteMessage",
                          "DeleteMessageBatch", "ChangeMessageVisibility", "ChangeMessageVisibilityBatch"}


@dataclass(frozen=True)
class FunctionCost:
    """One function's share of the bill."""

    name: str
    memory_mb: int
    requests: float
    billed_ms: float  # Init (on cold starts) plus Duration, each invocation rounded up to 1 ms
    gb_seconds: float

    @property
    def request_cost(self) -> float:
        return self.requests * LAMBDA_PER_REQUEST

    @property
    def duration_cost(self) -> float:
        return self.gb_seconds * LAMBDA_PER_GB_SECOND

    @property
    def total(self) -> float:
        return self.request_cost + self.duration_cost


@dataclass(frozen=True)
class CostEstimate:
    """The bill for a workload: per function, and for SQS. Amounts in USD."""

    functions: dict[str, FunctionCost]
    sqs_requests: dict[str, float] = field(default_factory=dict)  # "standard" / "fifo" -> billed requests
    free_tier: bool = False  # whether the monthly free tier was taken off (monthly(free_tier=True))

    @property
    def lambda_requests(self) -> float:
        return sum(function.requests for function in self.functions.values())

    @property
    def gb_seconds(self) -> float:
        return sum(function.gb_seconds for function in self.functions.values())

    @property
    def lambda_cost(self) -> float:
        requests = max(self.lambda_requests - (FREE_LAMBDA_REQUESTS if self.free_tier else 0), 0)
        gb_seconds = max(self.gb_seconds - (FREE_GB_SECONDS if self.free_tier else 0), 0)
        return requests * LAMBDA_PER_REQUEST + gb_seconds * LAMBDA_PER_GB_SECOND

    @property
    def sqs_cost(self) -> float:
        free = FREE_SQS_REQUESTS if self.free_tier else 0
        cost = 0.0
        for kind in ("standard", "fifo"):  # the free requests cover standard queues first
            billed = max(self.sqs_requests.get(kind, 0) - free, 0)
            free = max(free - self.sqs_requests.get(kind, 0), 0)
            cost += billed * SQS_PER_REQUEST[kind]
        return cost

    @property
    def total(self) -> float:
        return self.lambda_cost + self.sqs_cost

    def monthly(self, runs_per_month: float, runs: float = 1, free_tier: bool = False) -> "CostEstimate":
        """The bill if the workload that ran (``runs`` times) ran ``runs_per_month`` times a month.

        ``cloud.cost().monthly(1_000_000)``: a million of these per month. ``free_tier=True`` takes off
        what AWS gives every account each month (1 million Lambda requests, 400,000 GB-seconds and
        1 million SQS requests).
        """
        if runs <= 0 or runs_per_month < 0:
            raise ValueError(f"runs ({runs}) must be positive and runs_per_month ({runs_per_month}) not negative")
        factor = runs_per_month / runs
        functions = {name: FunctionCost(f.name, f.memory_mb, f.requests * factor, f.billed_ms * factor,
                                        f.gb_seconds * factor) for name, f in self.functions.items()}
        sqs = {kind: count * factor for kind, count in self.sqs_requests.items()}
        return CostEstimate(functions, sqs, free_tier)

    def __str__(self) -> str:
        lines = [f"{'function':<24}{'memory':>8}{'requests':>14}{'GB-seconds':>14}{'USD':>14}"]
        for function in self.functions.values():
            lines.append(f"{function.name:<24}{function.memory_mb:>6} MB{function.requests:>14,.0f}"
                         f"{function.gb_seconds:>14,.3f}{function.total:>14,.6f}")
        for kind, count in self.sqs_requests.items():
            lines.append(f"{'SQS ' + kind + ' requests':<46}{count:>14,.0f}{'':>14}"
                         f"{count * SQS_PER_REQUEST[kind]:>14,.6f}")
        if self.free_tier:
            lines.append(f"{'free tier':<74}{self.total - self._without_free_tier():>14,.6f}")
        lines.append(f"{'total':<74}{self.total:>14,.6f}")
        lines.append(f"(prices: {PRICES_SOURCE})")
        return "\n".join(lines)

    def _without_free_tier(self) -> float:
        return CostEstimate(self.functions, self.sqs_requests, False).total


def estimate(invocations: Iterable[Invocation], functions_by_name: Mapping[str, Function],
             mappings: Mapping[str, Any], cloud: Any) -> CostEstimate:
    """The bill for ``invocations`` and for the SQS requests made while ``cloud`` ran and by its ``mappings``."""
    functions: dict[str, FunctionCost] = {}
    usage: dict[str, list[float]] = {}
    for invocation in invocations:
        billed = max(1, math.ceil((invocation.init_duration_ms or 0.0) + invocation.duration_ms))
        usage.setdefault(invocation.function, []).append(billed)
    for name, billed in usage.items():
        memory = functions_by_name[name].config.memory_size if name in functions_by_name else 128
        functions[name] = FunctionCost(name, memory, len(billed), sum(billed),
                                       sum(billed) / 1000 * memory / 1024)
    return CostEstimate(functions, sqs_requests(cloud, mappings))


def sqs_requests(cloud: Any, mappings: Mapping[str, Any]) -> dict[str, float]:
    """Billed SQS requests by queue type: the API calls made while ``cloud`` ran, and its pollers'."""
    counts = Counter(_requests.get(cloud, Counter()))
    for mapping in mappings.values():  # each event source mapping counts its own polls
        counts["fifo" if mapping.queue_name.endswith(".fifo") else "standard"] += mapping.stats.sqs_requests
    return {kind: float(count) for kind, count in counts.items() if count}


# -- counting SQS API requests ------------------------------------------------------------------------

_requests: "weakref.WeakKeyDictionary[Any, Counter]" = weakref.WeakKeyDictionary()  # by local cloud


def _count_sqs_request(params: dict, model, **kwargs) -> None:
    """botocore ``before-call.sqs``: bill one request per 64 KB of payload to the running cloud."""
    cloud = active_cloud()
    if cloud is None or model.name not in SQS_MESSAGE_OPERATIONS:
        return
    body = params.get("body") or b""
    try:
        request = json.loads(body) if isinstance(body, (bytes, str)) else {}
    except ValueError:
        request = {}
    queue = str(request.get("QueueUrl") or request.get("QueueName") or "")
    kind = "fifo" if queue.endswith(".fifo") else "standard"
    _requests.setdefault(cloud, Counter())[kind] += max(1, math.ceil(len(body) / SQS_CHUNK_BYTES))


BUILTIN_HANDLERS.append(("before-call.sqs", _count_sqs_request))
