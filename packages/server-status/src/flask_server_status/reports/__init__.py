"""The read side: what the status page, the public API and the admin API show.

- :mod:`.statistics`: time windows, summed counters, uptime and percentiles.
- :mod:`.status_rules`: a route's or component's status and the page's banner.
- :mod:`.objects`: the rows behind an answer and their API objects.
- :mod:`.answers`: the public answers, each one consistent read.
- :mod:`.admin`: the admin API's reads.
"""

from ..latency import percentile
from .answers import (
    component_detail,
    component_list,
    feed_incidents,
    incident_detail,
    incident_overview,
    maintenance_overview,
    overall_status,
    route_detail,
    route_list,
    summary,
)
from .statistics import MAX_HISTORY_DAYS, WINDOWS, uptime_percent

__all__ = [
    "MAX_HISTORY_DAYS",
    "WINDOWS",
    "component_detail",
    "component_list",
    "feed_incidents",
    "incident_detail",
    "incident_overview",
    "maintenance_overview",
    "overall_status",
    "percentile",
    "route_detail",
    "route_list",
    "summary",
    "uptime_percent",
]
