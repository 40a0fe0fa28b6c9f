"""Text made safe for XML documents (the Atom feed and the SVG badges)."""

from __future__ import annotations

import re
from html import escape

# Characters XML 1.0 forbids even as references (most control characters and
# lone surrogates). Stored text is kept verbatim; only the XML rendering
# replaces them, so one odd incident title cannot make the whole feed invalid.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_chars(text: str) -> str:
    """``text`` with characters XML cannot carry replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def xml_escape(text: str) -> str:
    """``text`` escaped for XML character data and quoted attribute values."""
    return escape(xml_chars(text), quote=True)
