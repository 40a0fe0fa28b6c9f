"""Public answers sent cheaply: gzip when accepted, a strong ``ETag``, ``304``.

During an outage many readers poll the same answers; most of them already
hold the current one. :func:`public_answer` finishes every public ``GET``
answer of the status blueprint:

- ``Cache-Control: no-cache``: caches keep the answer but revalidate it,
  since it changes with every flush;
- the body is gzip-compressed when the request's ``Accept-Encoding`` takes
  gzip and the body is at least :data:`MIN_GZIP_BYTES` long (shorter bodies
  gain nothing); ``Vary: Accept-Encoding`` either way, so shared caches keep
  the two representations apart;
- a strong ``ETag`` is the hash of the bytes sent, so the gzip and the plain
  representation have different tags, as RFC 9110 asks of strong validators;
  compression is deterministic (no timestamp in the gzip header), so equal
  answers always get equal tags;
- a request whose ``If-None-Match`` names that tag gets ``304 Not Modified``
  without a body.

Error answers (``no-store``) never pass through here.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass

from flask import Request, Response

#: Bodies shorter than this are sent as they are: gzip's header would eat the gain.
MIN_GZIP_BYTES = 512
#: zlib level 6 (gzip's default) costs about a third of level 9's time for
#: nearly the same size on JSON.
GZIP_LEVEL = 6


def accepts_gzip(request: Request) -> bool:
    """Whether the client takes gzip (``q=0`` refuses it, RFC 9110 section 12.5.3)."""
    return request.accept_encodings["gzip"] > 0


@dataclass(frozen=True)
class Prepared:
    """An answer's bytes as they are sent: plain and, when worth it, gzipped, each tagged.

    Built once (:meth:`of`) and sent to any number of readers (:meth:`apply`):
    a summary kept by :class:`~.shared_answers.SharedAnswers` is compressed and
    hashed once per build, not once per reader.
    """

    plain: bytes
    plain_tag: str
    gzipped: bytes | None
    gzipped_tag: str | None

    @classmethod
    def of(cls, body: bytes) -> Prepared:
        gzipped = (
            gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
            if len(body) >= MIN_GZIP_BYTES
            else None
        )
        return cls(body, _tag(body), gzipped, None if gzipped is None else _tag(gzipped))

    def apply(self, response: Response, request: Request) -> Response:
        """Fill ``response`` with the representation ``request`` takes; 304 when it has it."""
        response.headers["Cache-Control"] = "no-cache"
        response.vary.add("Accept-Encoding")
        if self.gzipped is not None and self.gzipped_tag is not None and accepts_gzip(request):
            response.set_data(self.gzipped)
            response.headers["Content-Encoding"] = "gzip"
            response.set_etag(self.gzipped_tag)
        else:
            response.set_data(self.plain)
            response.set_etag(self.plain_tag)
        response.make_conditional(request)  # turns it into a 304 in place when tags match
        return response


def _tag(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=16).hexdigest()


def public_answer(response: Response, request: Request) -> Response:
    """Compress, tag and, when the client has this answer already, shorten ``response``."""
    if response.direct_passthrough or response.status_code != 200:
        response.headers["Cache-Control"] = "no-cache"
        response.vary.add("Accept-Encoding")
        return response  # files sent as streams keep Werkzeug's own conditional handling
    return Prepared.of(response.get_data()).apply(response, request)
