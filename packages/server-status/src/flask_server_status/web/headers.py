"""Security headers of the package's own answers.

The page is static HTML that loads its script and style sheet from the
package's static folder and reads the JSON API of the same origin: no inline
script or style, no eval, no third-party resource. :data:`PAGE_POLICY` allows
exactly that. Every answer of the package's blueprints is sent with
``X-Content-Type-Options: nosniff`` so a browser never reads a JSON, SVG or
Atom answer (which may contain text typed into an incident) as anything but
its declared type.
"""

from __future__ import annotations

from flask import Response

#: ``Content-Security-Policy`` of the status page.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:"
)


def no_sniff(response: Response) -> Response:
    """Forbid MIME sniffing (an ``after_request`` function of both blueprints)."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def any_origin(response: Response) -> Response:
    """Public data, no credentials involved: readable from any origin, errors included."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
