"""SVG badges: the overall indicator and one route's uptime.

The layout follows the familiar flat two-part badge (grey label, coloured
value). Widths are estimated from character classes of 11px Verdana, which is
close enough for a badge and needs no font metrics.
"""

from __future__ import annotations

import math

from .xmltext import xml_escape

INDICATOR_COLOURS = {
    "operational": "#2ea44f",
    "degraded": "#dbab09",
    "partial_outage": "#e36209",
    "major_outage": "#cb2431",
    "maintenance": "#0366d6",
    "no_data": "#9f9f9f",
}

_MAX_LABEL = 40
_NARROW = set("fijlrtI.,:;'!|()[] ")
_WIDE = set("mwMW@%")


def _text_width(text: str) -> float:
    width = 0.0
    for char in text:
        if char in _NARROW:
            width += 3.8
        elif char in _WIDE:
            width += 10.0
        elif char.isupper() or char.isdigit():
            width += 7.5
        else:
            width += 6.6
    return width


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_LABEL else text[: _MAX_LABEL - 1] + "\u2026"


def render_badge(label: str, value: str, colour: str) -> str:
    """A two-part badge reading ``label | value`` with ``colour`` behind the value."""
    label, value = _shorten(label), _shorten(value)
    left = round(_text_width(label) + 12)
    right = round(_text_width(value) + 12)
    total = left + right
    title = xml_escape(f"{label}: {value}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" '
        f'role="img" aria-label="{title}"><title>{title}</title>'
        '<linearGradient id="s" x2="0" y2="100%">'
        '<stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{xml_escape(colour)}"/>'
        f'<rect width="{total}" height="20" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" '
        'font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{left / 2:g}" y="14">{xml_escape(label)}</text>'
        f'<text x="{left + right / 2:g}" y="14">{xml_escape(value)}</text></g></svg>'
    )


def status_badge(label: str, indicator: str) -> str:
    """The overall indicator, e.g. ``status | operational`` in green."""
    colour = INDICATOR_COLOURS.get(indicator, INDICATOR_COLOURS["no_data"])
    return render_badge(label, indicator.replace("_", " "), colour)


def uptime_colour(uptime: float | None) -> str:
    """Green from 99.9 %, then yellow-green, yellow, red; grey without data."""
    if uptime is None:
        return INDICATOR_COLOURS["no_data"]
    if uptime >= 99.9:
        return "#2ea44f"
    if uptime >= 99.0:
        return "#97ca00"
    if uptime >= 95.0:
        return "#dfb317"
    return "#e05d44"


def uptime_badge(label: str, uptime: float | None) -> str:
    """One route's uptime, e.g. ``Users 30d | 99.95%``."""
    value = "no data" if uptime is None else f"{format_percent(uptime)}%"
    return render_badge(label, value, uptime_colour(uptime))


def format_percent(value: float) -> str:
    """Two decimals without rounding 99.999 up to a misleading 100."""
    truncated = math.floor(value * 100 + 1e-6) / 100
    return f"{truncated:.2f}".rstrip("0").rstrip(".") if truncated != 100 else "100"
