"""One error renderer: every failure is JSON for API clients and one plain line otherwise."""

from __future__ import annotations

import json

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from kgraph.errors import KgraphError


def wants_json() -> bool:
    """True when the client prefers JSON (API clients) over plain text."""
    if "json" in (request.args.get("format") or "") or request.path.startswith("/queries"):
        return True
    # The client's most preferred concrete type decides: application/json and any +json type
    # (SPARQL results JSON, JSON-LD) get JSON errors.
    ranked = sorted(request.accept_mimetypes, key=lambda item: -item[1])
    for mimetype, quality in ranked:
        if quality > 0 and mimetype not in ("*/*", "*"):
            return mimetype.endswith(("/json", "+json"))
    return False


def render_error(status: int, title: str, reason: str) -> Response:
    """The one error shape: {"error", "status", "reason"} or "<status> <title>: <reason>"."""
    reason = " ".join(reason.split())
    if wants_json():
        body = json.dumps({"error": title, "status": status, "reason": reason})
        resp = Response(body + "\n", status=status, mimetype="application/json")
    else:
        resp = Response(f"{status} {title}: {reason}\n", status=status, mimetype="text/plain")
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


def register_error_handlers(app: Flask) -> None:
    """Route kgraph errors, HTTP errors and anything unexpected through render_error."""

    @app.errorhandler(KgraphError)
    def _kgraph(exc: KgraphError) -> Response:
        return render_error(exc.status, exc.title, exc.reason)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        resp = render_error(exc.code or 500, exc.name, exc.description or exc.name)
        if exc.code == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            resp.headers["Allow"] = ", ".join(exc.valid_methods)
        return resp

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        app.logger.exception("unexpected error")
        return render_error(500, "Internal server error", "the server failed; see its log")
