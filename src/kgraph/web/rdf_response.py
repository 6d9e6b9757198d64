"""Content negotiation and cache-friendly responses for RDF bytes: ETag, 304, gzip."""

from __future__ import annotations

import gzip
import hashlib

from flask import Response, request

from kgraph.errors import BadParameter, NotAcceptable
from kgraph.export import FORMATS

HTML = "html"
# media type -> export format name; the first of a format is the one it is served as
MEDIA_TYPES: dict[str, str] = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "jsonld",
    "application/json": "jsonld",
    "application/rdf+xml": "rdfxml",
    "application/n-quads": "nquads",
    "application/trig": "trig",
    "text/html": HTML,
    "application/xhtml+xml": HTML,
}
# ?format= values and file suffixes people type -> export format name
FORMAT_ALIASES: dict[str, str] = {
    "turtle": "turtle",
    "ttl": "turtle",
    "nt": "nt",
    "ntriples": "nt",
    "n-triples": "nt",
    "jsonld": "jsonld",
    "json-ld": "jsonld",
    "rdfxml": "rdfxml",
    "rdf": "rdfxml",
    "xml": "rdfxml",
    "nquads": "nquads",
    "nq": "nquads",
    "trig": "trig",
    "html": HTML,
}


def negotiate(offers: tuple[str, ...]) -> str:
    """The format among offers (format names, best default first) that the request asks for."""
    asked = request.args.get("format")
    if asked:
        fmt = FORMAT_ALIASES.get(asked.lower())
        if fmt not in offers:
            raise BadParameter(
                f"format {asked!r} is not served here; choose one of {', '.join(offers)}"
            )
        return fmt
    media = [m for o in offers for m, f in MEDIA_TYPES.items() if f == o]
    if not request.headers.get("Accept"):
        return offers[0]
    best = request.accept_mimetypes.best_match(media)
    if best is None:
        served = ", ".join(media_type(o) for o in offers)
        raise NotAcceptable(f"cannot serve {request.headers.get('Accept')}; this serves {served}")
    return MEDIA_TYPES[best]


def media_type(fmt: str) -> str:
    """The media type a format is served as."""
    if fmt == HTML:
        return "text/html"
    return FORMATS[fmt][1]


def content_type(fmt: str) -> str:
    """The Content-Type header of a format, with charset where the type takes one."""
    media = media_type(fmt)
    return f"{media}; charset=utf-8" if media.startswith("text/") else media


def etag_of(data: bytes) -> str:
    """A strong validator: the hash of the bytes."""
    return hashlib.sha256(data).hexdigest()[:40]


def wants_gzip() -> bool:
    """True when the client accepts gzip content coding."""
    return request.accept_encodings["gzip"] > 0


def send_bytes(
    data: bytes,
    fmt: str,
    *,
    filename: str | None = None,
    vary: tuple[str, ...] = (),
) -> Response:
    """The bytes with ETag, 304 on a matching If-None-Match, and gzip when the client accepts it."""
    tag = etag_of(data)
    compress = wants_gzip()
    etag = f"{tag}-gzip" if compress else tag
    headers = {
        "ETag": f'"{etag}"',
        "Vary": ", ".join((*vary, "Accept-Encoding")),
        "Cache-Control": "no-cache",
        "Access-Control-Allow-Origin": "*",
    }
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if request.if_none_match and (
        request.if_none_match.contains_weak(tag)
        or request.if_none_match.contains_weak(f"{tag}-gzip")
    ):
        return Response(status=304, headers=headers)
    body = data
    if compress:
        body = gzip.compress(data, compresslevel=6, mtime=0)
        headers["Content-Encoding"] = "gzip"
    return Response(body, status=200, headers=headers, content_type=content_type(fmt))
