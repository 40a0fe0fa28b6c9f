"""The one UTC clock and the time-bucket arithmetic every layer shares.

Every table stores naive UTC datetimes; :func:`utcnow` is the only place the
current time is read, :func:`bucket_start` the only place a time is rounded
down to its minute, hour or day, and :func:`isoformat` the only way a stored
time is shown in an answer.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1)


def utcnow() -> datetime:
    """The current time as the naive UTC datetime every table stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def minute_start(minute: int) -> datetime:
    """The naive UTC start of minute number ``minute`` since the Unix epoch."""
    return EPOCH + timedelta(minutes=minute)


def minute_of(moment: datetime) -> int:
    """The minute number (``int(unix_time) // 60``) of a naive UTC datetime."""
    return int((moment - EPOCH).total_seconds()) // 60


def bucket_start(moment: datetime, granularity: str) -> datetime:
    """Truncate a naive UTC datetime to its ``minute``, ``hour`` or ``day`` bucket."""
    if granularity == "minute":
        return moment.replace(second=0, microsecond=0)
    if granularity == "hour":
        return moment.replace(minute=0, second=0, microsecond=0)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def isoformat(moment: datetime | None) -> str | None:
    """A stored naive UTC datetime as ISO 8601 with ``Z`` (``None`` stays ``None``)."""
    if moment is None:
        return None
    # isoformat() pads the year to four digits (0999-...), strftime's %Y does not.
    return moment.replace(microsecond=0, tzinfo=None).isoformat() + "Z"
