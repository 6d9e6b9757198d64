"""Request size limits: a body over KGRAPH_MAX_BODY_BYTES is 413, a URL over KGRAPH_MAX_URL_BYTES
is 414, both said through the one error renderer before any work is done."""

from __future__ import annotations

from urllib.parse import quote

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from kgraph.errors import PayloadTooLarge, UriTooLong
from kgraph.settings import Settings
from kgraph.web.errors import render_error

TRUNCATED_HEADER = "Kgraph-Truncated"


def request_target() -> str:
    """The request's path and query string as the client sent them (as near as WSGI tells)."""
    query = request.environ.get("QUERY_STRING", "")
    path = quote(request.environ.get("SCRIPT_NAME", "") + request.environ.get("PATH_INFO", ""))
    rebuilt = path + ("?" + query if query else "")
    raw = str(request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or "")
    return raw if len(raw) >= len(rebuilt) else rebuilt


def request_body() -> bytes:
    """The request body, PayloadTooLarge when it is over the limit however it was sent."""
    max_body = current_app.config["KGRAPH_SETTINGS"].max_body_bytes
    data = request.get_data()
    if len(data) > max_body:
        raise PayloadTooLarge(_body_reason(max_body))
    return data


def _body_reason(max_body: int) -> str:
    return f"the request body is over the {max_body} byte limit (KGRAPH_MAX_BODY_BYTES)"


def register_limits(app: Flask, settings: Settings) -> None:
    """Refuse oversized URLs and bodies before a view reads them."""
    max_body, max_url = settings.max_body_bytes, settings.max_url_bytes
    # A body sent without a Content-Length (chunked) is read to one byte past the limit, and
    # request_body() refuses it then: werkzeug cuts such a body off silently at the limit.
    app.config["MAX_CONTENT_LENGTH"] = max_body + 1

    @app.before_request
    def _check_sizes() -> None:
        length = len(request_target().encode("utf-8", "surrogateescape"))
        if length > max_url:
            raise UriTooLong(
                f"the URL is {length} bytes, over the {max_url} byte limit "
                "(KGRAPH_MAX_URL_BYTES); POST long queries as a form or application/sparql-query"
            )
        if request.content_length is not None and request.content_length > max_body:
            raise PayloadTooLarge(_body_reason(max_body))

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(exc: RequestEntityTooLarge) -> Response:
        return render_error(PayloadTooLarge.status, PayloadTooLarge.title, _body_reason(max_body))
