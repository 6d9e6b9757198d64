"""Request size limits: a body over KGRAPH_MAX_BODY_BYTES is 413, a URL over KGRAPH_MAX_URL_BYTES
is 414, both said through the one error renderer before any work is done."""

from __future__ import annotations

from urllib.parse import quote

from flask import Flask, Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from kgraph.errors import PayloadTooLarge, UriTooLong
from kgraph.settings import Settings
from kgraph.web.errors import render_error

TRUNCATED_HEADER = "Kgraph-Truncated"


def request_target() -> str:
    """The request's path and query string as the client sent them."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        return str(raw)
    query = request.environ.get("QUERY_STRING", "")
    path = quote(request.environ.get("SCRIPT_NAME", "") + request.environ.get("PATH_INFO", ""))
    return path + ("?" + query if query else "")


def register_limits(app: Flask, settings: Settings) -> None:
    """Refuse oversized URLs and bodies before a view reads them."""
    max_body, max_url = settings.max_body_bytes, settings.max_url_bytes
    app.config["MAX_CONTENT_LENGTH"] = max_body  # bodies sent without a Content-Length

    def body_reason() -> str:
        return f"the request body is over the {max_body} byte limit (KGRAPH_MAX_BODY_BYTES)"

    @app.before_request
    def _check_sizes() -> None:
        length = len(request_target().encode("utf-8", "surrogateescape"))
        if length > max_url:
            raise UriTooLong(
                f"the URL is {length} bytes, over the {max_url} byte limit "
                "(KGRAPH_MAX_URL_BYTES); POST long queries as a form or application/sparql-query"
            )
        if request.content_length is not None and request.content_length > max_body:
            raise PayloadTooLarge(body_reason())

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(exc: RequestEntityTooLarge) -> Response:
        return render_error(PayloadTooLarge.status, PayloadTooLarge.title, body_reason())
