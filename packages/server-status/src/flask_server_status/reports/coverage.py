"""Who reported when: instances reporting now, and heartbeat coverage per day.

Reads what :mod:`..instances` writes. A minute is *covered* when at least one
instance of the app was running and counting during it; days and windows
without requests are "no traffic" when covered and "no data" when not.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import models
from ..clock import bucket_start, day_bounds, local_date
from ..config import Settings

#: Slack on top of two flush intervals before an instance stops counting as reporting.
REPORTING_MARGIN = timedelta(seconds=10)


def reporting_window(settings: Settings) -> timedelta:
    """How recently an instance must have flushed to count as reporting now."""
    return 2 * timedelta(seconds=settings.flush_interval_seconds) + REPORTING_MARGIN


def instances_reporting(conn: Connection, now: datetime, settings: Settings) -> int:
    """Processes that flushed within :func:`reporting_window` of ``now``."""
    table = models.instances
    query = sa.select(sa.func.count()).where(table.c.last_seen >= now - reporting_window(settings))
    return int(conn.execute(query).scalar_one())


def load_coverage(conn: Connection, since: datetime) -> dict[datetime, int]:
    """The coverage masks of the hours starting at or after ``since``'s hour."""
    table = models.coverage
    rows = conn.execute(
        sa.select(table.c.hour_start, table.c.minutes).where(
            table.c.hour_start >= bucket_start(since, "hour")
        )
    )
    return {hour: int(mask) for hour, mask in rows}


def first_heartbeat(conn: Connection) -> datetime | None:
    """The first minute any instance reported, ``None`` before the first flush."""
    table = models.coverage
    row = conn.execute(
        sa.select(table.c.hour_start, table.c.minutes).order_by(table.c.hour_start).limit(1)
    ).first()
    if row is None:
        return None
    hour: datetime = row.hour_start
    mask = int(row.minutes)
    return hour + timedelta(minutes=max(0, (mask & -mask).bit_length() - 1))


def first_request_day(conn: Connection) -> date | None:
    """The first day with requests, as the daily buckets label it (the zone's date)."""
    first = conn.execute(sa.select(sa.func.min(models.daily_buckets.c.bucket_start))).scalar()
    return None if first is None else first.date()


def covered_minutes(masks: Mapping[datetime, int], start: datetime, end: datetime) -> int:
    """Covered minutes in ``[start, end)`` (both on minute boundaries)."""
    total = 0
    for hour, mask in masks.items():
        if hour + timedelta(hours=1) <= start or hour >= end:
            continue
        first = max(0, int((start - hour).total_seconds()) // 60)
        last = min(60, int((end - hour).total_seconds()) // 60)
        window = ((1 << last) - 1) ^ ((1 << first) - 1)
        total += (mask & window).bit_count()
    return total


def covered_minutes_by_day(masks: Mapping[datetime, int], zone: tzinfo = UTC) -> dict[date, int]:
    """Covered minutes per day of ``zone``, to the minute (an hour can straddle midnight
    in zones whose offset is not a whole number of hours)."""
    days: dict[date, int] = {}
    for hour, mask in masks.items():
        first, last = local_date(hour, zone), local_date(hour + timedelta(minutes=59), zone)
        if first == last:
            days[first] = days.get(first, 0) + mask.bit_count()
            continue
        split = int((day_bounds(last, zone)[0] - hour).total_seconds()) // 60
        before = mask & ((1 << split) - 1)
        days[first] = days.get(first, 0) + before.bit_count()
        days[last] = days.get(last, 0) + (mask ^ before).bit_count()
    return days
