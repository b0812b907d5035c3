"""What a stack may cost: the published prices of the services its resources use.

A plan shows these lines below its changes, so you read the price before you say yes. The figures
are us-east-1's, as published on the pricing pages named below, read on :data:`PRICES_READ`.
"""

from __future__ import annotations

from typing import Any

PRICES_READ = "2026-11-23"
PRICES = {
    "lambda": ("https://aws.amazon.com/lambda/pricing/",
               "Lambda: $0.20 per million requests and $0.0000166667 per GB-second (x86); free every month: "
               "1 million requests and 400,000 GB-seconds"),
    "sqs": ("https://aws.amazon.com/sqs/pricing/",
            "SQS: $0.40 per million requests (standard queues), the first million each month free. An SQS "
            "trigger keeps polling its queue even when no message comes: an idle stack still makes requests"),
    "events": ("https://aws.amazon.com/eventbridge/pricing/",
               "EventBridge schedules: scheduled rule events are not charged, Scheduler's first 14 million "
               "invocations a month are free; the invocations they cause are Lambda requests"),
    "apigateway": ("https://aws.amazon.com/api-gateway/pricing/",
                   "API Gateway: HTTP API $1.00 and REST API $3.50 per million requests; free tier 1 million "
                   "per month for 12 months after sign-up"),
    "logs": ("https://aws.amazon.com/cloudwatch/pricing/",
             "CloudWatch Logs: $0.50 per GB ingested (Lambda's logs are priced in tiers since May 2025; $0.50 "
             "is the first tier), 5 GB per month free"),
}
SERVICE_OF = {"AWS::Lambda::Function": "lambda", "AWS::SQS::Queue": "sqs", "AWS::Events::Rule": "events",
              "AWS::Scheduler::Schedule": "events", "AWS::ApiGatewayV2::Api": "apigateway",
              "AWS::ApiGateway::RestApi": "apigateway", "AWS::Logs::LogGroup": "logs"}
LAMBDA_REQUEST_PRICE, LAMBDA_GB_SECOND_PRICE = 0.20 / 1_000_000, 0.0000166667
DEFAULT_MEMORY_MB = 128  # a function's MemorySize when the template sets none


def cost_notes(resources: dict[str, Any]) -> list[str]:
    """The prices of the services ``resources`` (a template's Resources) use, and a worked Lambda example."""
    types = {resource.get("Type") for resource in resources.values()}
    services = dict.fromkeys(SERVICE_OF[t] for t in SERVICE_OF if t in types)
    if "lambda" in services:
        services["logs"] = None  # every function writes its logs to CloudWatch Logs
    lines = [f"What it may cost (us-east-1 prices read on {PRICES_READ}; check the pages before you rely on them):"]
    lines += [f"  {PRICES[service][1]} ({PRICES[service][0]})" for service in services]
    for logical_id, resource in resources.items():
        if resource.get("Type") == "AWS::Lambda::Function":
            memory = (resource.get("Properties") or {}).get("MemorySize", DEFAULT_MEMORY_MB)
            lines.append(_example(logical_id, memory if isinstance(memory, int) else DEFAULT_MEMORY_MB))
    lines.append("  On AWS Academy, usage comes out of the Learner Lab's credit. Destroy the stack when you are done.")
    return lines


def _example(function: str, memory_mb: int) -> str:
    gb_seconds = 1_000_000 * 0.1 * memory_mb / 1024
    dollars = 1_000_000 * LAMBDA_REQUEST_PRICE + gb_seconds * LAMBDA_GB_SECOND_PRICE
    return (f"  For example, 1 million invocations of {function} lasting 100 ms at {memory_mb} MB use "
            f"{gb_seconds:,.0f} GB-seconds: ${dollars:.2f} past the free tier, $0.00 within it")
