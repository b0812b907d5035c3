"""SQS requests that moto accepts but SQS refuses: refused here, as SQS refuses them.

moto stores a message whose body is empty or holds control characters, and takes visibility
timeouts SQS rejects (see shared/MOTO-NOTES.md). Code that does that works on a laptop and fails on
AWS, so while a local cloud runs, a botocore ``before-send`` hook checks these requests first and
answers as SQS does (HTTP 400, the same error code and, where SQS's text is known, its message):

- ``SendMessage`` with an empty body: ``MissingParameter``;
- a body with a character outside XML 1.0's set (NUL, most control characters, U+FFFE, U+FFFF):
  ``InvalidMessageContents``;
- a message attribute with an empty value: ``InvalidParameterValue``;
- ``ReceiveMessage`` / ``ChangeMessageVisibility`` with a ``VisibilityTimeout`` outside 0 to 43,200
  seconds: ``InvalidParameterValue``.

Where we cannot be faithful: ``SendMessageBatch`` entries are not checked (SQS reports a bad entry
among the batch's failures, in a shape not modelled here).
"""

from __future__ import annotations

import json
import re
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.handlers import BUILTIN_HANDLERS

from .interception import active_cloud, refuse, stub_response
from ..triggers.event_source_mapping import MAX_VISIBILITY_TIMEOUT

# Characters SQS accepts in a body (XML 1.0): #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
FORBIDDEN_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
ALLOWED_CHARACTERS = "#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]"

class Refused(Exception):
    """What SQS answers to a request it refuses: an error code and its message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def check_send(request: dict[str, Any]) -> None:
    """Refuse a SendMessage request as SQS would (raises :class:`Refused`)."""
    body = request.get("MessageBody")
    if not body:
        raise Refused("MissingParameter", "The request must contain the parameter MessageBody.")
    forbidden = FORBIDDEN_CHARACTER.search(body)
    if forbidden:
        raise Refused("InvalidMessageContents", f"Invalid binary character '#x{ord(forbidden.group()):X}' was found "
                                                f"in the message body, the set of allowed characters is {ALLOWED_CHARACTERS}.")
    for name, attribute in (request.get("MessageAttributes") or {}).items():
        data_type = str(attribute.get("DataType", "String"))
        if not attribute.get("StringValue") and not attribute.get("BinaryValue"):
            raise Refused("InvalidParameterValue",
                          f"Message (user) attribute '{name}' must contain a non-empty value of type '{data_type}'.")


def check_visibility(request: dict[str, Any]) -> None:
    """Refuse a VisibilityTimeout outside what SQS allows (raises :class:`Refused`)."""
    timeout = request.get("VisibilityTimeout")
    if timeout is not None and not 0 <= int(timeout) <= MAX_VISIBILITY_TIMEOUT:
        raise Refused("InvalidParameterValue", f"Value {timeout} for parameter VisibilityTimeout is invalid. "
                                               f"Reason: it must be between 0 and {MAX_VISIBILITY_TIMEOUT} seconds.")


CHECKS = {"SendMessage": check_send, "ReceiveMessage": check_visibility, "ChangeMessageVisibility": check_visibility}


def _answer_refused(request, event_name: str, **kwargs: Any) -> AWSResponse | None:
    """botocore ``before-send.sqs``: an SQS error response for a refused request, else None (send it)."""
    check = CHECKS.get(event_name.rsplit(".", 1)[-1])
    if check is None or active_cloud() is None:
        return None
    try:
        check(json.loads(request.body or b"{}"))
    except Refused as refused:
        refuse(request)  # moto's stubber, which botocore asks too, then stands aside
        # SQS's JSON protocol: the error type in the body, the query-compatible code in a header.
        body = json.dumps({"__type": f"com.amazonaws.sqs#{refused.code}", "message": str(refused)}).encode()
        return stub_response(request, 400, body, {"x-amzn-query-error": f"{refused.code};Sender",
                                                             "Content-Type": "application/x-amz-json-1.0"})
    return None


# Ahead of moto's stubber, which would accept the request.
BUILTIN_HANDLERS.insert(0, ("before-send.sqs", _answer_refused))
