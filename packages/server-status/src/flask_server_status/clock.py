"""The one clock, the time-bucket arithmetic and the one date formatter every layer shares.

Every table stores naive UTC datetimes; :func:`utcnow` is the only place the
current time is read, :func:`bucket_start` the only place a time is rounded
down to its minute, hour or day, and :func:`isoformat` / :func:`isodate` the
only ways a stored time or day is shown in an answer (RFC 3339, four-digit
years: ``strftime("%Y")`` writes year 999 as ``999`` on glibc, so neither
uses it).

Days are calendar days of the page's zone (``SERVER_STATUS_TIMEZONE``): a day
bucket's ``bucket_start`` is the zone's date at midnight, a naive label of
that date rather than a UTC instant (see
docs/decisions/0010-days-in-the-page-zone.md).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

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


def local_date(moment: datetime, zone: tzinfo) -> date:
    """The calendar date in ``zone`` of a naive UTC datetime."""
    return moment.replace(tzinfo=UTC).astimezone(zone).date()


def day_label(day: date) -> datetime:
    """How a day bucket's ``bucket_start`` stores the zone's date ``day``: its midnight, naive."""
    return datetime.combine(day, time())


def bucket_start(moment: datetime, granularity: str, zone: tzinfo = UTC) -> datetime:
    """The ``minute``, ``hour`` or ``day`` bucket of a naive UTC datetime.

    Minute and hour buckets are UTC instants (every zone's offset is a whole
    number of minutes, and the hour buckets are UTC hours whatever the zone).
    A day bucket is the :func:`day_label` of the moment's date in ``zone``.
    """
    if granularity == "minute":
        return moment.replace(second=0, microsecond=0)
    if granularity == "hour":
        return moment.replace(minute=0, second=0, microsecond=0)
    return day_label(local_date(moment, zone))


def day_bounds(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The naive UTC instants where the zone's date ``day`` starts and the next one starts.

    23 or 25 hours apart on the days daylight saving time changes.
    """
    start = datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    return start.replace(tzinfo=None), end.replace(tzinfo=None)


def isodate(day: date) -> str:
    """A calendar day as RFC 3339 ``full-date``: ``YYYY-MM-DD`` with a four-digit year."""
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


def isoformat(moment: datetime | None) -> str | None:
    """A stored naive UTC datetime as RFC 3339 with ``Z`` (``None`` stays ``None``).

    Whole seconds, four-digit year: year 999 is ``0999-06-01T00:00:00Z``.
    """
    if moment is None:
        return None
    return f"{isodate(moment.date())}T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}Z"
