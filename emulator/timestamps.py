"""How AWS writes a moment: the time formats of events, and UTC everywhere.

Every AWS event carries its times in UTC, but not in one format: EventBridge writes
``2015-10-08T16:53:06Z``, S3 and SNS add milliseconds, SQS attributes and API Gateway contexts count
milliseconds since 1970, and API Gateway's access-log time reads ``09/Apr/2015:12:34:56 +0000``.
"""

from __future__ import annotations

from datetime import datetime, timezone

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def as_utc(moment: datetime) -> datetime:
    """Return ``moment`` as an aware UTC datetime (a naive datetime is taken to be UTC already)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def moment_or_now(time: datetime | None) -> datetime:
    """``time`` as an aware UTC datetime; ``None`` means now (virtual time inside a LocalCloud)."""
    if time is None:
        return datetime.now(timezone.utc)
    if not isinstance(time, datetime):
        raise TypeError(f"time must be a datetime (naive means UTC) or None for now, got {type(time).__name__}")
    return as_utc(time)


def iso_seconds(moment: datetime) -> str:
    """``2015-10-08T16:53:06Z``: the time format of EventBridge events."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_millis(moment: datetime) -> str:
    """``1970-01-01T00:00:00.000Z``: the time format of S3 and SNS events."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def request_time(moment: datetime) -> str:
    """``09/Apr/2015:12:34:56 +0000``: API Gateway's access-log time (English month, whatever the locale)."""
    return (f"{moment.day:02d}/{MONTHS[moment.month - 1]}/{moment.year}:{moment.hour:02d}:{moment.minute:02d}:"
            f"{moment.second:02d} +0000")


def epoch_millis(moment: datetime) -> int:
    """Milliseconds since 1970, as AWS writes timestamps in SQS attributes and API Gateway contexts."""
    return int(moment.timestamp() * 1000)
