"""Canned queries as a JSON and CSV API (Datasette-style) at /queries, listed at /queries."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, render_template, request, url_for

from kgraph.errors import BadParameter
from kgraph.queries import CannedQuery, get_query
from kgraph.queries.answers import answer
from kgraph.web import get_queries, get_store
from kgraph.web.limits import TRUNCATED_HEADER

bp = Blueprint("queries", __name__, template_folder="../templates")

FORMATS = ("json", "csv")
JSON_TYPE = "application/json"
HTML_TYPE = "text/html"


def _send(body: str, mimetype: str, vary: bool = False) -> Response:
    resp = Response(body, mimetype=mimetype)
    resp.headers["Access-Control-Allow-Origin"] = "*"
    if vary:
        resp.headers["Vary"] = "Accept"
    return resp


def describe_query(query: CannedQuery) -> dict[str, object]:
    """What a client needs to call a query: its URL, what it answers, its parameters."""
    example = {p.name: p.example for p in query.params}
    url = url_for("queries.run", name=query.name)
    return {
        "name": query.name,
        "title": query.title,
        "description": query.description,
        "url": url,
        "params": [
            {"name": p.name, "kind": p.kind, "help": p.help, "example": p.example}
            for p in query.params
        ],
        "example": url + "?" + urlencode(example),
        "example_csv": url_for("queries.run", name=query.name + ".csv") + "?" + urlencode(example),
    }


@bp.get("/queries")
def listing() -> Response:
    """Every canned query: JSON for API clients, an HTML page with forms for browsers."""
    asked = request.args.get("_format", "").lower()
    if asked and asked not in ("json", "html"):
        raise BadParameter(f"_format {asked!r} is not served here; choose json or html")
    best = request.accept_mimetypes.best_match([JSON_TYPE, HTML_TYPE], default=JSON_TYPE)
    queries = [describe_query(q) for q in get_queries().values()]
    if asked == "html" or (not asked and best == HTML_TYPE):
        return _send(render_template("queries.html", queries=queries), HTML_TYPE, vary=True)
    body = json.dumps({"queries": queries}, ensure_ascii=False, indent=1) + "\n"
    return _send(body, JSON_TYPE, vary=True)


@bp.get("/queries/<name>")
def run(name: str) -> Response:
    """One canned query's answer for the parameters in the query string, as JSON or CSV."""
    fmt = "json"
    for suffix in FORMATS:
        if name.endswith("." + suffix):
            name, fmt = name[: -len(suffix) - 1], suffix
    asked = request.args.get("_format")
    if asked is not None:
        if asked.lower() not in FORMATS:
            raise BadParameter(f"_format {asked!r} is not served here; choose json or csv")
        fmt = asked.lower()
    query = get_query(name, queries=get_queries())
    values: dict[str, str] = {}
    for key in request.args:
        if key.startswith("_"):
            continue
        given = request.args.getlist(key)
        if len(given) > 1:
            raise BadParameter(f"parameter {key} is given {len(given)} times; give it once")
        values[key] = given[0]
    max_rows = current_app.config["KGRAPH_SETTINGS"].max_rows
    result = answer(get_store(), query, values, limit=max_rows)
    if fmt == "csv":
        resp = _send(result.to_csv(), "text/csv")
    else:
        resp = _send(result.to_json(), JSON_TYPE)
    if result.truncated:
        resp.headers[TRUNCATED_HEADER] = str(max_rows)
        resp.headers["Access-Control-Expose-Headers"] = TRUNCATED_HEADER
    return resp
