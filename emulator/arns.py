"""Names, URLs and ARNs: the three ways AWS lets you point at the same resource.

An SQS queue is ``input_queue``, ``https://sqs.us-east-1.amazonaws.com/123456789012/input_queue`` or
``arn:aws:sqs:us-east-1:123456789012:input_queue``; a function is ``my-fn``, its ARN (optionally
with a version or alias after one more colon) or the partial ``123456789012:function:my-fn``. Every
API that takes one accepts the others, and so does the local cloud.
"""

from __future__ import annotations


def queue_name_from(queue: str) -> str:
    """``name``, ``https://sqs.REGION.amazonaws.com/ACCOUNT/name`` or ``arn:aws:sqs:REGION:ACCOUNT:name``."""
    return queue.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def function_name_from(name_or_arn: str) -> str:
    """``my-fn``, ``arn:aws:lambda:REGION:ACCOUNT:function:my-fn[:qualifier]`` or ``ACCOUNT:function:my-fn``."""
    parts = name_or_arn.split(":")
    if "function" in parts:
        return parts[parts.index("function") + 1]
    return parts[0]
