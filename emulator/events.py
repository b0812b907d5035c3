"""Sample events: the dictionaries AWS services hand to a Lambda handler as its first argument.

A Lambda function never sees a "request" or a "message" directly: each trigger wraps what happened
in an *event*, a JSON document whose shape is fixed by the service that sent it. Every builder here
returns a fresh plain ``dict`` (JSON-serialisable) with the keys, nesting and value types that AWS
sends, and every argument has an AWS-like default, so ``events.sqs()`` alone is a valid SQS event:

    from emulator import events
    event = events.sqs(body={"number1": 1, "number2": 5, "operation": "+"})
    event["Records"][0]["body"]          # '{"number1": 1, "number2": 5, "operation": "+"}'

The same builders are what the local cloud uses when a trigger fires (an SQS poll, a schedule, an
HTTP request), so a handler tested with these events behaves the same when the trigger is real.
Times default to ``datetime.now(timezone.utc)``, which is the virtual clock while a LocalCloud runs.
Copies of the AWS samples these shapes follow are in ``tests/fixtures/aws-events/``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode

from .timestamps import epoch_millis, iso_millis, iso_seconds, moment_or_now, request_time

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "123456789012"  # the placeholder account of AWS's own samples (and moto's)

Body = str | bytes | bytearray | dict | list | None
Pairs = Mapping[str, Any] | Iterable[tuple[str, str]] | None
Query = Pairs | str

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
SQS_MESSAGE_LIMIT = 1024 * 1024  # SQS rejects a message body over 1 MiB
SQS_QUEUE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$|^[A-Za-z0-9_-]{1,75}\.fifo$")
SNS_TOPIC_NAME = re.compile(r"^[A-Za-z0-9_-]{1,256}$|^[A-Za-z0-9_-]{1,251}\.fifo$")
EVENTBRIDGE_RULE_NAME = re.compile(r"^[.\-_A-Za-z0-9]{1,64}$")
S3_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
ACCOUNT_ID = re.compile(r"^\d{12}$")


# --- shared helpers: names, text -----------------------------------------------------------------

def _check(value: str, pattern: re.Pattern[str], what: str, rule: str) -> str:
    """Return ``value`` if it matches ``pattern``, else raise a ValueError that states AWS's naming rule."""
    if not isinstance(value, str) or not pattern.match(value):
        raise ValueError(f"{what} {value!r} is not valid: {rule}")
    return value


def _region(region: str) -> str:
    """Validate a region name, the part of an ARN that says where a resource lives."""
    return _check(region, REGION, "region", "use a region name such as 'us-east-1'")


def _account(account_id: str) -> str:
    """Validate an account id, the part of an ARN that says whose a resource is."""
    return _check(account_id, ACCOUNT_ID, "account_id", "an AWS account id is 12 digits, such as '123456789012'")


def _text(value: str | dict | list, what: str) -> str:
    """A message as the service carries it: text, with a dict or list JSON-encoded for you."""
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    raise TypeError(f"{what} must be a str, or a dict/list to send as JSON, got {type(value).__name__}")


def _md5(text: str) -> str:
    """Hex MD5 of the UTF-8 text: the checksum SQS reports as ``md5OfBody``."""
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def _b64(value: str | bytes | bytearray) -> str:
    """Binary data as JSON carries it: base64 text (already-encoded text is kept as it is)."""
    return value if isinstance(value, str) else base64.b64encode(value).decode("ascii")


def _random_text(size: int) -> str:
    """Random base64 text, the look of AWS's opaque tokens (receipt handles, request ids)."""
    return base64.b64encode(os.urandom(size)).decode("ascii")


# --- SQS ---------------------------------------------------------------------------------------

def _sqs_message_attribute(name: str, value: Any) -> dict[str, Any]:
    """One message attribute in the shape Lambda puts in SQS events (camelCase, list fields present).

    ``value`` is a str (String), an int or float (Number), bytes (Binary), or an attribute as the
    SQS API returns it (``{"DataType": ..., "StringValue" | "BinaryValue": ...}``, e.g. from moto).
    """
    if isinstance(value, Mapping):
        field = {key[0].lower() + key[1:]: item for key, item in value.items()}
        if "dataType" not in field:
            raise ValueError(f"message attribute {name!r} needs a DataType ('String', 'Number' or 'Binary')")
        attribute = {"stringListValues": list(field.get("stringListValues") or []),
                     "binaryListValues": [_b64(item) for item in field.get("binaryListValues") or []],
                     "dataType": field["dataType"]}
        if field.get("binaryValue") is not None:
            return {"binaryValue": _b64(field["binaryValue"]), **attribute}
        return {"stringValue": field.get("stringValue"), **attribute}
    if isinstance(value, bool) or not isinstance(value, (str, int, float, bytes, bytearray)):
        raise TypeError(f"message attribute {name!r} must be a str, a number or bytes "
                        f"(SQS has no {type(value).__name__} type), got {value!r}")
    # Lambda always sends both list fields, empty: SQS reserves them and never fills them.
    lists = {"stringListValues": [], "binaryListValues": []}
    if isinstance(value, (bytes, bytearray)):
        return {"binaryValue": _b64(value), **lists, "dataType": "Binary"}
    data_type = "String" if isinstance(value, str) else "Number"
    return {"stringValue": str(value), **lists, "dataType": data_type}


def sqs_record(*, message_id: str, receipt_handle: str, body: str, queue_arn: str,
               attributes: Mapping[str, Any], message_attributes: Mapping[str, Any] | None = None,
               region: str | None = None, md5: str | None = None) -> dict[str, Any]:
    """One record of an SQS event, built from the fields of a received message.

    This is what Lambda's SQS poller does with each message of a ``ReceiveMessage`` batch, and what
    the local event source mapping calls with real moto messages:

    - ``message_id``, ``receipt_handle``, ``body``: as received (the receipt handle is what your
      handler, or the poller, must pass to ``DeleteMessage``).
    - ``queue_arn``: ``arn:aws:sqs:REGION:ACCOUNT:QUEUE``; the record's ``awsRegion`` is read from it
      unless ``region`` is given.
    - ``attributes``: the message's system attributes (``ApproximateReceiveCount``, ``SentTimestamp``,
      ``SenderId``, ``ApproximateFirstReceiveTimestamp``, and for FIFO queues ``MessageGroupId`` ...);
      values are written as strings, as SQS does.
    - ``message_attributes``: name -> str, number, bytes, or the SQS API shape
      (``{"DataType": "String", "StringValue": "x"}``); converted to the event's camelCase shape.
    - ``md5``: the body's MD5 as SQS reported it (``MD5OfBody``); computed from ``body`` if omitted.
    """
    if not isinstance(body, str):
        raise TypeError(f"body must be the message text (a str), got {type(body).__name__}")
    arn_parts = queue_arn.split(":") if isinstance(queue_arn, str) else []
    if len(arn_parts) != 6 or arn_parts[:3] != ["arn", "aws", "sqs"]:
        raise ValueError(f"queue_arn {queue_arn!r} is not an SQS queue ARN: "
                         "expected 'arn:aws:sqs:REGION:ACCOUNT:QUEUE'")
    return {
        "messageId": message_id,
        "receiptHandle": receipt_handle,
        "body": body,
        "attributes": {name: str(value) for name, value in attributes.items()},  # SQS sends every attribute as text
        "messageAttributes": {name: _sqs_message_attribute(name, value)
                              for name, value in (message_attributes or {}).items()},
        "md5OfBody": md5 if md5 is not None else _md5(body),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region if region is not None else arn_parts[3],
    }


def _sqs_body(body: str | dict | list) -> str:
    """A message body as SQS accepts it: non-empty text of at most 1 MiB."""
    text = _text(body, "body")
    if not text:
        raise ValueError("body is empty: SQS rejects an empty message body; send at least one character")
    if len(text.encode("utf-8")) > SQS_MESSAGE_LIMIT:
        raise ValueError(f"body is {len(text.encode('utf-8'))} bytes: SQS accepts at most 1 MiB "
                         f"({SQS_MESSAGE_LIMIT} bytes) per message")
    return text


def sqs(body: str | dict | list = "Hello from SQS!", queue: str = "MyQueue", *,
        message_attributes: Mapping[str, Any] | None = None, region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID, records: list[str | dict | list] | None = None) -> dict[str, Any]:
    """An SQS event, as an event source mapping delivers a batch of messages: ``{"Records": [...]}``.

    ``body`` is the message text (a dict or list is JSON-encoded, as you would before
    ``send_message``). ``records`` builds a batch instead: one record per body in the list (``body``
    is then not used). Every message was sent and first received "now" and received once.
    ``message_attributes`` maps names to a str, a number or bytes (see ``sqs_record``).

    Not faithful: the receipt handle is random, so it cannot delete a message from a real queue;
    use ``sqs_record`` with a received message for that.
    """
    _check(queue, SQS_QUEUE_NAME, "queue",
           "SQS queue names are 1-80 letters, digits, '-' or '_' (a FIFO queue name ends in '.fifo')")
    _region(region), _account(account_id)
    bodies = [body] if records is None else list(records)
    if not 1 <= len(bodies) <= 10_000:
        raise ValueError(f"records has {len(bodies)} bodies: an SQS event carries 1 to 10,000 messages")
    sent = str(epoch_millis(moment_or_now(None)))
    attributes = {"ApproximateReceiveCount": "1", "SentTimestamp": sent,
                  "SenderId": account_id, "ApproximateFirstReceiveTimestamp": sent}
    queue_arn = f"arn:aws:sqs:{region}:{account_id}:{queue}"
    return {"Records": [
        sqs_record(message_id=str(uuid.uuid4()), receipt_handle="AQEB" + _random_text(96),  # SQS handles start AQEB
                   body=_sqs_body(item), queue_arn=queue_arn, attributes=attributes,
                   message_attributes=message_attributes, region=region)
        for item in bodies
    ]}


# --- EventBridge -------------------------------------------------------------------------------

def scheduled(rule: str = "my-scheduled-rule", time: datetime | None = None, *,
              region: str = DEFAULT_REGION, account_id: str = DEFAULT_ACCOUNT_ID) -> dict[str, Any]:
    """The event an EventBridge schedule rule (``rate(...)`` / ``cron(...)``) sends at each firing.

    ``time`` is when the rule fired (a naive datetime is taken as UTC; None is now). The event says
    nothing else: ``detail`` is always empty, so a scheduled handler usually reads only ``time``.
    """
    _check(rule, EVENTBRIDGE_RULE_NAME, "rule",
           "EventBridge rule names are 1-64 letters, digits, '.', '-' or '_'")
    _region(region), _account(account_id)
    return {
        "version": "0",  # every EventBridge event carries version "0"
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account_id,
        "time": iso_seconds(moment_or_now(time)),  # EventBridge times have no fraction of a second
        "region": region,
        "resources": [f"arn:aws:events:{region}:{account_id}:rule/{rule}"],
        "detail": {},
    }


# --- API Gateway: what both payload versions share --------------------------------------------

def _pairs(items: Pairs, what: str) -> list[tuple[str, str]]:
    """(name, value) pairs from a dict of str or list-of-str values, or from a list of pairs.

    HTTP carries only text, so a number or None is refused rather than converted behind your back.
    """
    if items is None:
        return []
    if isinstance(items, (str, bytes)) or not isinstance(items, Iterable):
        raise TypeError(f"{what}s must be a dict of strings or a list of (name, value) pairs, got {items!r}")
    pairs = []
    for entry in items.items() if isinstance(items, Mapping) else items:
        if not isinstance(entry, (tuple, list)) or len(entry) != 2:
            raise TypeError(f"{what}s must be a dict of strings or a list of (name, value) pairs, got {entry!r}")
        name, value = entry
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if not isinstance(item, str):
                raise TypeError(f"{what} {name!r} must be a string or a list of strings "
                                f"(HTTP carries text: write {str(item)!r}), got {type(item).__name__}")
            pairs.append((name, item))
    return pairs


def _query_pairs(query: Query) -> list[tuple[str, str]]:
    """Query parameters as (name, value) pairs; a str is a raw query string such as ``a=1&a=2``."""
    if isinstance(query, str):
        return parse_qsl(query.lstrip("?"), keep_blank_values=True)
    return _pairs(query, "query parameter")


def _grouped(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Values of repeated names gathered in order: ``[("a","1"),("a","2")]`` -> ``{"a": ["1","2"]}``."""
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


def _request_line(method: str, path: str) -> tuple[str, str]:
    """Validate an HTTP method (upper-cased) and a path (which must start with '/')."""
    if not isinstance(method, str) or method.upper() not in HTTP_METHODS:
        raise ValueError(f"method {method!r} is not an HTTP method: use one of {', '.join(HTTP_METHODS)}")
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValueError(f"path {path!r} must start with '/', as in '/items/42'")
    return method.upper(), path


def _body(body: Body, is_base64_encoded: bool) -> tuple[str | None, bool]:
    """The body as API Gateway passes it: text, with binary data base64-encoded and flagged so."""
    if isinstance(body, (bytes, bytearray)):
        return _b64(body), True  # API Gateway base64-encodes binary bodies and sets isBase64Encoded
    if body is None:
        return None, False
    if is_base64_encoded and not isinstance(body, str):
        raise ValueError("is_base64_encoded=True needs a str body that is already base64, or pass bytes")
    return _text(body, "body"), is_base64_encoded


def _string_map(values: Mapping[str, str] | None, what: str) -> dict[str, str] | None:
    """A copy of a name -> text mapping (path parameters, stage variables); None when empty."""
    if not values:
        return None
    if not isinstance(values, Mapping):
        raise TypeError(f"{what} must be a dict of strings, got {type(values).__name__}")
    for name, value in values.items():
        if not isinstance(value, str):
            raise TypeError(f"{what} {name!r} must be a string, got {type(value).__name__} {value!r}")
    return dict(values)


def _copied(value: Mapping[str, Any] | None, what: str) -> dict[str, Any] | None:
    """A deep copy of a JSON-like dict (authorizer context, client certificate), or None."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TypeError(f"{what} must be a dict, got {type(value).__name__}")
    return json.loads(json.dumps(value))


def _header(pairs: list[tuple[str, str]], name: str) -> str | None:
    """The last value of a header, whatever the case of its name (HTTP header names are case-insensitive)."""
    values = [value for key, value in pairs if key.lower() == name]
    return values[-1] if values else None


# --- API Gateway REST API, Lambda proxy payload 1.0 -------------------------------------------

def api_gateway(method: str = "GET", path: str = "/", query: Query = None, headers: Pairs = None,
                body: Body = None, *, path_parameters: Mapping[str, str] | None = None,
                resource: str | None = None, stage: str = "prod",
                stage_variables: Mapping[str, str] | None = None, is_base64_encoded: bool = False,
                source_ip: str = "127.0.0.1", user_agent: str | None = None, protocol: str = "HTTP/1.1",
                request_id: str | None = None, time: datetime | None = None, api_id: str = "1234567890",
                resource_id: str = "123456", account_id: str = DEFAULT_ACCOUNT_ID,
                authorizer: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The event of a REST API (API Gateway v1) Lambda proxy integration, payload format 1.0.

    - ``query``: ``{"name": "value" or ["v1", "v2"]}``, a list of pairs, or a raw ``"a=1&a=2"``.
      ``queryStringParameters`` keeps the last value of each name and
      ``multiValueQueryStringParameters`` all of them; both are null when there are none.
    - ``headers``: the same forms; ``headers`` keeps the last value, ``multiValueHeaders`` all;
      names keep their case; both are null when there are none.
    - ``body``: text, a dict/list (sent as JSON), or bytes (sent base64 with
      ``isBase64Encoded: true``); None is a request without a body (``"body": null``).
    - ``resource``: the matched route, such as ``/items/{id}`` (default: ``path``), with
      ``path_parameters`` its values (``{"id": "42"}``).
    - ``authorizer``: what a Lambda or Cognito authorizer put in ``requestContext.authorizer``.

    Not faithful: the event carries only the headers you pass; API Gateway adds its own (Host,
    X-Forwarded-For, X-Amzn-Trace-Id, CloudFront-*), and some requestContext keys (domainName,
    extendedRequestId) are left out, as in AWS's published sample.
    """
    method, path = _request_line(method, path)
    moment = moment_or_now(time)
    query_values = _grouped(_query_pairs(query))
    header_pairs = _pairs(headers, "header")
    header_values = _grouped(header_pairs)
    text, base64_encoded = _body(body, is_base64_encoded)
    resource = path if resource is None else resource
    context: dict[str, Any] = {
        "accountId": _account(account_id),
        "resourceId": resource_id,
        "stage": stage,
        "requestId": request_id or str(uuid.uuid4()),  # REST API request ids are UUIDs
        "requestTime": request_time(moment),
        "requestTimeEpoch": epoch_millis(moment),
        "identity": {
            # Set only for IAM or Cognito callers; API Gateway sends them as null otherwise.
            "cognitoIdentityPoolId": None, "accountId": None, "cognitoIdentityId": None, "caller": None,
            "accessKey": None, "sourceIp": source_ip, "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None, "userArn": None,
            "userAgent": user_agent if user_agent is not None else _header(header_pairs, "user-agent"),
            "user": None,
        },
        "path": f"/{stage}{path}",  # the path as called, with the stage in front
        "resourcePath": resource,
        "httpMethod": method,
        "apiId": api_id,
        "protocol": protocol,
    }
    if authorizer is not None:
        context["authorizer"] = _copied(authorizer, "authorizer")
    return {
        "body": text,
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "isBase64Encoded": base64_encoded,
        # Payload 1.0: the last value in the single-value map, every value in the multi-value one; null when none.
        "queryStringParameters": {name: values[-1] for name, values in query_values.items()} or None,
        "multiValueQueryStringParameters": query_values or None,
        "pathParameters": _string_map(path_parameters, "path_parameters"),
        "stageVariables": _string_map(stage_variables, "stage_variables"),
        "headers": {name: values[-1] for name, values in header_values.items()} or None,
        "multiValueHeaders": header_values or None,
        "requestContext": context,
    }


# --- API Gateway HTTP API, payload 2.0 ---------------------------------------------------------

def _cookies(header_pairs: list[tuple[str, str]], cookies: Iterable[str] | None) -> list[str]:
    """Every cookie of the request, one ``name=value`` per entry, from Cookie headers then ``cookies``."""
    found = [cookie.strip() for name, value in header_pairs if name.lower() == "cookie"
             for cookie in value.split(";") if cookie.strip()]
    extra = [cookies] if isinstance(cookies, str) else list(cookies or [])
    for cookie in extra:
        if not isinstance(cookie, str):
            raise TypeError(f"cookies must be strings such as 'theme=dark', got {cookie!r}")
    return found + extra


def _http_api_request_id() -> str:
    """A request id in the form HTTP APIs use (``LV7fzho-PHcEJPw=``), not a UUID."""
    return base64.urlsafe_b64encode(os.urandom(11)).decode("ascii")


def http_api(method: str = "GET", path: str = "/", query: Query = None, headers: Pairs = None,
             body: Body = None, *, cookies: Iterable[str] | None = None,
             path_parameters: Mapping[str, str] | None = None, route_key: str = "$default",
             stage: str = "$default", stage_variables: Mapping[str, str] | None = None,
             is_base64_encoded: bool = False, source_ip: str = "127.0.0.1", user_agent: str | None = None,
             protocol: str = "HTTP/1.1", request_id: str | None = None, time: datetime | None = None,
             api_id: str = "1234567890", region: str = DEFAULT_REGION, account_id: str = DEFAULT_ACCOUNT_ID,
             authorizer: Mapping[str, Any] | None = None,
             authentication: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The event of an HTTP API (API Gateway v2) Lambda integration, payload format 2.0.

    Compared with the REST API's payload 1.0 it is flatter: header names are lower-case and a
    repeated header or query parameter is one comma-joined value (``"a": "1,2"``); there are no
    multi-value maps; cookies arrive as a list in ``cookies`` (and not as a ``cookie`` header);
    ``rawPath`` and ``rawQueryString`` hold the request as sent. Keys with nothing to say are left
    out: ``cookies``, ``queryStringParameters``, ``pathParameters``, ``stageVariables`` and ``body``.

    - ``query``, ``headers``, ``body``: as for ``api_gateway``; ``cookies``: ``["theme=dark", ...]``.
    - ``route_key``: the matched route, ``"$default"`` or ``"GET /items/{id}"``, with
      ``path_parameters`` its values.
    - ``authorizer``: e.g. ``{"jwt": {"claims": {...}, "scopes": [...]}}`` from a JWT authorizer, or
      ``{"lambda": {...}}`` from a Lambda authorizer; ``authentication``: the mutual-TLS client
      certificate (``{"clientCert": {...}}``). Each appears in ``requestContext`` only when given.

    Not faithful: the event carries only the headers you pass; API Gateway adds its own (host,
    x-forwarded-for, x-amzn-trace-id, content-length).
    """
    method, path = _request_line(method, path)
    moment = moment_or_now(time)
    _region(region), _account(account_id)
    query_pairs = _query_pairs(query)
    header_pairs = _pairs(headers, "header")
    cookie_list = _cookies(header_pairs, cookies)
    # Payload 2.0: lower-case names, repeated values joined with commas, cookies moved to their own list.
    header_values = _grouped([(name.lower(), value) for name, value in header_pairs if name.lower() != "cookie"])
    query_values = _grouped(query_pairs)
    text, base64_encoded = _body(body, is_base64_encoded)
    context: dict[str, Any] = {"accountId": account_id, "apiId": api_id}
    if authentication is not None:
        context["authentication"] = _copied(authentication, "authentication")
    if authorizer is not None:
        context["authorizer"] = _copied(authorizer, "authorizer")
    context.update({
        "domainName": f"{api_id}.execute-api.{region}.amazonaws.com",
        "domainPrefix": api_id,
        "http": {"method": method, "path": path, "protocol": protocol, "sourceIp": source_ip,
                 "userAgent": user_agent if user_agent is not None else _header(header_pairs, "user-agent") or ""},
        "requestId": request_id or _http_api_request_id(),
        "routeKey": route_key,
        "stage": stage,
        "time": request_time(moment),
        "timeEpoch": epoch_millis(moment),
    })
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query.lstrip("?") if isinstance(query, str) else urlencode(query_pairs, quote_via=quote),
        "cookies": cookie_list,
        "headers": {name: ",".join(values) for name, values in header_values.items()},
        "queryStringParameters": {name: ",".join(values) for name, values in query_values.items()},
        "requestContext": context,
        "body": text,
        "pathParameters": _string_map(path_parameters, "path_parameters"),
        "isBase64Encoded": base64_encoded,
        "stageVariables": _string_map(stage_variables, "stage_variables"),
    }
    # HTTP APIs leave these keys out, rather than sending null or {}, when the request has none.
    optional = ("cookies", "queryStringParameters", "body", "pathParameters", "stageVariables")
    return {key: value for key, value in event.items() if key not in optional or value not in (None, [], {})}


# --- S3 ------------------------------------------------------------------------------------------

def s3_put(bucket: str = "example-bucket", key: str = "test/key", *, size: int = 1024, etag: str | None = None,
           region: str = DEFAULT_REGION, time: datetime | None = None, source_ip: str = "127.0.0.1",
           principal_id: str = "EXAMPLE", configuration_id: str = "testConfigRule",
           sequencer: str | None = None) -> dict[str, Any]:
    """The notification S3 sends when an object is created by a PUT (``ObjectCreated:Put``).

    The event names the object but does not contain it: a handler reads ``bucket.name`` and
    ``object.key``, URL-decodes the key (S3 writes ``my file.txt`` as ``my+file.txt``) and calls
    ``get_object``. ``size`` is in bytes; ``etag`` is the object's ETag.

    Not faithful: without an ``etag`` the ETag is random (S3's is the MD5 of the content, which this
    builder never sees); the request ids in ``responseElements`` are random.
    """
    _check(bucket, S3_BUCKET_NAME, "bucket",
           "S3 bucket names are 3-63 lower-case letters, digits, '.' or '-', starting and ending with a letter or digit")
    _region(region)
    if not isinstance(key, str) or not key:
        raise ValueError(f"key {key!r} must be a non-empty str, such as 'uploads/photo.jpg'")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ValueError(f"size {size!r} must be a whole number of bytes, 0 or more")
    moment = moment_or_now(time)
    return {"Records": [{
        "eventVersion": "2.1",  # the version S3 writes in its ObjectCreated notifications
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": iso_millis(moment),
        "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": principal_id},
        "requestParameters": {"sourceIPAddress": source_ip},
        "responseElements": {"x-amz-request-id": os.urandom(8).hex().upper(), "x-amz-id-2": _random_text(48)},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {"name": bucket, "ownerIdentity": {"principalId": principal_id},
                       "arn": f"arn:aws:s3:::{bucket}"},  # bucket ARNs have no region or account
            "object": {
                "key": quote_plus(key, safe="/"),  # S3 URL-encodes keys in events, a space becoming '+'
                "size": size,
                "eTag": etag if etag is not None else uuid.uuid4().hex,
                # The sequencer orders events for one key: later writes have larger hex values.
                "sequencer": sequencer if sequencer is not None else f"{int(moment.timestamp() * 1e9):018X}",
            },
        },
    }]}


# --- SNS ------------------------------------------------------------------------------------------

def _sns_message_attribute(name: str, value: Any) -> dict[str, str]:
    """One SNS message attribute as it appears in the Lambda event: ``{"Type": ..., "Value": ...}``."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, bytes, bytearray, list)):
        raise TypeError(f"message attribute {name!r} must be a str, a number, bytes or a list "
                        f"(SNS has no {type(value).__name__} type), got {value!r}")
    if isinstance(value, str):
        return {"Type": "String", "Value": value}
    if isinstance(value, (bytes, bytearray)):
        return {"Type": "Binary", "Value": _b64(value)}
    if isinstance(value, list):
        return {"Type": "String.Array", "Value": json.dumps(value)}  # SNS sends arrays as JSON text
    return {"Type": "Number", "Value": str(value)}


def sns(message: str | dict | list = "example message", *, topic: str = "ExampleTopic",
        subject: str | None = None, message_attributes: Mapping[str, Any] | None = None,
        region: str = DEFAULT_REGION, account_id: str = DEFAULT_ACCOUNT_ID,
        time: datetime | None = None) -> dict[str, Any]:
    """The event SNS sends to a subscribed Lambda function: one record per published message.

    ``message`` is the published text (a dict or list is JSON-encoded); ``subject`` is null unless
    the publisher set one. ``message_attributes`` maps names to a str, a number, bytes or a list.

    Not faithful: the signature is not a real SNS signature and the certificate and unsubscribe
    URLs lead nowhere, so code that verifies SNS signatures will reject this event.
    """
    _check(topic, SNS_TOPIC_NAME, "topic",
           "SNS topic names are 1-256 letters, digits, '-' or '_' (a FIFO topic name ends in '.fifo')")
    _region(region), _account(account_id)
    if subject is not None and not isinstance(subject, str):
        raise TypeError(f"subject must be a str or None, got {type(subject).__name__}")
    topic_arn = f"arn:aws:sns:{region}:{account_id}:{topic}"
    subscription_arn = f"{topic_arn}:{uuid.uuid4()}"  # a subscription ARN is the topic ARN plus an id
    endpoint = f"https://sns.{region}.amazonaws.com"
    return {"Records": [{
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": subscription_arn,
        "Sns": {
            "Type": "Notification",
            "MessageId": str(uuid.uuid4()),
            "TopicArn": topic_arn,
            "Subject": subject,  # SNS sends null when the publisher gave no subject
            "Message": _text(message, "message"),
            "Timestamp": iso_millis(moment_or_now(time)),
            "SignatureVersion": "1",
            "Signature": _random_text(256),
            "SigningCertUrl": f"{endpoint}/SimpleNotificationService-{uuid.uuid4().hex}.pem",
            "UnsubscribeUrl": f"{endpoint}/?Action=Unsubscribe&SubscriptionArn={subscription_arn}",
            "MessageAttributes": {name: _sns_message_attribute(name, value)
                                  for name, value in (message_attributes or {}).items()},
        },
    }]}
