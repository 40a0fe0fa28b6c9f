"""SVG badges: the overall indicator, one component's status and one route's or
component's uptime.

The layout follows shields' flat two-part badge (grey label, coloured value)
and its widths: the text is measured with the 11px Verdana advance widths
shields' badge-maker uses, so both draw the same text equally wide.
"""

from __future__ import annotations

import math

from .xmltext import xml_chars, xml_escape

INDICATOR_COLOURS = {
    "operational": "#2ea44f",
    "degraded": "#dbab09",
    "partial_outage": "#e36209",
    "major_outage": "#cb2431",
    "maintenance": "#0366d6",
    "no_data": "#9f9f9f",
}

#: A component's (or route's) status, coloured as the indicator it corresponds to.
STATUS_COLOURS = {
    "operational": INDICATOR_COLOURS["operational"],
    "degraded": INDICATOR_COLOURS["degraded"],
    "outage": INDICATOR_COLOURS["major_outage"],
    "maintenance": INDICATOR_COLOURS["maintenance"],
    "no_traffic": INDICATOR_COLOURS["no_data"],
    "no_data": INDICATOR_COLOURS["no_data"],
}

_MAX_TEXT = 40
_ELLIPSIS = "\u2026"
#: Advance widths of 11px Verdana (printable ASCII and Latin-1), as
#: ``(first code point, last code point, width)``: the table shields'
#: badge-maker measures with (anafanafo, MIT licence), cut to these ranges.
_VERDANA_11: tuple[tuple[int, int, float], ...] = (
    (32, 32, 3.87), (33, 33, 4.33), (34, 34, 5.05), (35, 35, 9), (36, 36, 6.99),
    (37, 37, 11.84), (38, 38, 7.99), (39, 39, 2.95), (40, 41, 5), (42, 42, 6.99),
    (43, 43, 9), (44, 44, 4), (45, 45, 5), (46, 46, 4), (47, 47, 5), (48, 57, 6.99),
    (58, 59, 5), (60, 62, 9), (63, 63, 6), (64, 64, 11), (65, 65, 7.52), (66, 66, 7.54),
    (67, 67, 7.68), (68, 68, 8.48), (69, 69, 6.96), (70, 70, 6.32), (71, 71, 8.53),
    (72, 72, 8.27), (73, 73, 4.63), (74, 74, 5), (75, 75, 7.62), (76, 76, 6.12),
    (77, 77, 9.27), (78, 78, 8.23), (79, 79, 8.66), (80, 80, 6.63), (81, 81, 8.66),
    (82, 82, 7.65), (83, 83, 7.52), (84, 84, 6.78), (85, 85, 8.05), (86, 86, 7.52),
    (87, 87, 10.88), (88, 88, 7.54), (89, 89, 6.77), (90, 90, 7.54), (91, 93, 5),
    (94, 94, 9), (95, 96, 6.99), (97, 97, 6.61), (98, 98, 6.85), (99, 99, 5.73),
    (100, 100, 6.85), (101, 101, 6.55), (102, 102, 3.87), (103, 103, 6.85),
    (104, 104, 6.96), (105, 105, 3.02), (106, 106, 3.79), (107, 107, 6.51),
    (108, 108, 3.02), (109, 109, 10.7), (110, 110, 6.96), (111, 111, 6.68),
    (112, 113, 6.85), (114, 114, 4.69), (115, 115, 5.73), (116, 116, 4.33),
    (117, 117, 6.96), (118, 118, 6.51), (119, 119, 9), (120, 121, 6.51),
    (122, 122, 5.78), (123, 123, 6.98), (124, 124, 5), (125, 125, 6.98), (126, 126, 9),
    (160, 160, 3.87), (161, 161, 4.33), (162, 165, 6.99), (166, 166, 5),
    (167, 168, 6.99), (169, 169, 11), (170, 170, 6), (171, 171, 7.09), (172, 172, 9),
    (173, 173, 0), (174, 174, 11), (175, 175, 6.99), (176, 176, 5.96), (177, 177, 9),
    (178, 179, 5.96), (180, 180, 6.99), (181, 181, 7.06), (182, 182, 6.99),
    (183, 183, 4), (184, 184, 6.99), (185, 185, 5.96), (186, 186, 6), (187, 187, 7.09),
    (188, 190, 11), (191, 191, 6), (192, 197, 7.52), (198, 198, 10.83),
    (199, 199, 7.68), (200, 203, 6.96), (204, 207, 4.63), (208, 208, 8.53),
    (209, 209, 8.23), (210, 214, 8.66), (215, 215, 9), (216, 216, 8.66),
    (217, 220, 8.05), (221, 221, 6.77), (222, 222, 6.66), (223, 223, 6.82),
    (224, 229, 6.61), (230, 230, 10.51), (231, 231, 5.73), (232, 235, 6.55),
    (236, 239, 3.02), (240, 240, 6.73), (241, 241, 6.96), (242, 246, 6.68),
    (247, 247, 9), (248, 248, 6.68), (249, 252, 6.96), (253, 253, 6.51),
    (254, 254, 6.85), (8230, 8230, 9),
)  # fmt: skip
#: CJK ideographs (the common block and extension A) are all 11 px wide there.
_CJK = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF))
_CJK_WIDTH = 11.0
_WIDTHS = {code: width for first, last, width in _VERDANA_11 for code in range(first, last + 1)}
#: What badge-maker assumes for a character outside its table: the width of "m".
_UNKNOWN_WIDTH = _WIDTHS[ord("m")]
_PADDING = 5


def _text_width(text: str) -> int:
    """The pixel width badge-maker gives ``text``: summed, truncated, rounded up to odd."""
    width = 0.0
    for char in text:
        code = ord(char)
        if code < 32 or code == 127:
            continue  # control characters take no room
        if any(first <= code <= last for first, last in _CJK):
            width += _CJK_WIDTH
        else:
            width += _WIDTHS.get(code, _UNKNOWN_WIDTH)
    whole = int(width)
    # Odd widths centre the text on the pixel grid, as badge-maker does.
    return whole if whole % 2 else whole + 1


def _shorten(text: str, limit: int = _MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + _ELLIPSIS


def render_badge(label: str, value: str, colour: str) -> str:
    """A two-part badge reading ``label | value`` with ``colour`` behind the value.

    Texts longer than 40 characters end in an ellipsis. Each part is its text's
    width plus 5 px on either side, the layout of shields' badge-maker.
    """
    # Measured as drawn: characters XML cannot carry become U+FFFD first.
    label, value = xml_chars(_shorten(label)), xml_chars(_shorten(value))
    label_width, value_width = _text_width(label), _text_width(value)
    left = label_width + 2 * _PADDING
    right = value_width + 2 * _PADDING
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
        f'<text x="{left / 2:g}" y="14" textLength="{label_width}">{xml_escape(label)}</text>'
        f'<text x="{left + right / 2:g}" y="14" textLength="{value_width}">'
        f"{xml_escape(value)}</text></g></svg>"
    )


def status_badge(label: str, indicator: str) -> str:
    """The overall indicator, e.g. ``status | operational`` in green."""
    colour = INDICATOR_COLOURS.get(indicator, INDICATOR_COLOURS["no_data"])
    return render_badge(label, indicator.replace("_", " "), colour)


def component_status_badge(name: str, status: str) -> str:
    """A component's status, e.g. ``Checkout | outage`` in red (``no traffic`` grey)."""
    return render_badge(name, status.replace("_", " "), STATUS_COLOURS[status])


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


def uptime_badge(route_name: str, window: str, uptime: float | None) -> str:
    """One route's uptime, e.g. ``Users 30d | 99.95%``.

    A long route name is shortened, never the window after it.
    """
    value = "no data" if uptime is None else f"{format_percent(uptime)}%"
    label = f"{_shorten(route_name, _MAX_TEXT - len(window) - 1)} {window}"
    return render_badge(label, value, uptime_colour(uptime))


def format_percent(value: float) -> str:
    """Two decimals without rounding 99.999 up to a misleading 100."""
    truncated = math.floor(value * 100 + 1e-6) / 100
    return f"{truncated:.2f}".rstrip("0").rstrip(".") if truncated != 100 else "100"
