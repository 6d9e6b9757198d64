"""The SPARQL 1.1 Protocol endpoint at /sparql: read-only queries, service description, CORS."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from flask import Blueprint, Response, current_app, make_response, request

from kgraph.capped import to_result
from kgraph.errors import BadParameter, Forbidden, NotAcceptable, UnsupportedMediaType
from kgraph.executor import GuardedStore
from kgraph.results import (
    FORMATS_BY_FORM,
    GRAPH_FORMATS,
    SPARQL_JSON,
    ResultFormat,
    serialize_graph,
    serialize_result,
    sparql_json,
)
from kgraph.service_description import service_description
from kgraph.web import get_store
from kgraph.web.limits import TRUNCATED_HEADER, request_body
from kgraph.web.negotiation import negotiate

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
ALLOW = "GET, HEAD, POST, OPTIONS"
HTML = ResultFormat("html", "text/html", ("application/xhtml+xml",))
# The SELECT formats chosen for the Accept headers and format parameters seen (app.extensions).
_CHOSEN = "kgraph_select_formats"
_REMEMBERED = 256
_LONGEST = 1024
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")

QUERY_PAGE_STUB = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kgraph SPARQL endpoint</title></head>
<body><h1>kgraph SPARQL endpoint</h1>
<form action="" method="get"><textarea name="query" rows="12" cols="80">
SELECT ?class ?label WHERE { ?class a owl:Class ; rdfs:label ?label } LIMIT 20</textarea>
<p><button>Run query</button></p></form></body></html>
"""


@dataclass
class ProtocolRequest:
    """The protocol parameters of one request, wherever the method put them."""

    queries: list[str] = field(default_factory=list)
    updates: list[str] = field(default_factory=list)
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"], provide_automatic_options=False)
def endpoint() -> Response:
    """Answer a SPARQL query, or describe the service when there is none."""
    if request.method == "OPTIONS":
        return preflight()
    params = read_protocol_request()
    if params.queries and params.updates:
        raise BadParameter("give a query or an update, not both")
    if params.updates:
        raise Forbidden("this endpoint is read-only: SPARQL Update is refused")
    if len(params.queries) > 1:
        raise BadParameter(f"give exactly one query; this request has {len(params.queries)}")
    if not params.queries:
        if request.method in ("GET", "HEAD"):
            return describe_service(params.formats)
        raise BadParameter(
            "no query: POST query=... as a form, or the query as application/sparql-query"
        )
    text = params.queries[0]
    if not text.strip():
        raise BadParameter("the query is empty")
    # Parsed and run in one step (one round trip to a query worker); a query that does not
    # parse is a 400 before any format is chosen, an answer no format serves a 406 after. The
    # worker writes SPARQL JSON itself when that is what the answer's form will be sent as.
    store = get_store()
    assert isinstance(store, GuardedStore)
    select_format = _select_format(params.formats)
    json_forms = ("SELECT",) if select_format is SPARQL_JSON else ()
    found = store.protocol_answer(text, params.default_graphs, params.named_graphs, json_forms)
    if found.form == "SELECT" and select_format is not None:
        fmt = select_format
    else:
        fmt = negotiate(
            FORMATS_BY_FORM[found.form],
            request.accept_mimetypes,
            params.formats,
            what=f"{found.form} results",
        )
    if fmt is SPARQL_JSON:
        body = found.json or sparql_json(found, store.max_rows)
    else:
        body = serialize_result(to_result(found, store.max_rows), fmt)
    resp = Response(body, content_type=fmt.content_type)
    if found.truncated:
        resp.headers[TRUNCATED_HEADER] = str(store.max_rows)
    return resp


def _select_format(formats: list[str]) -> ResultFormat | None:
    """The format a SELECT answer goes out in for this request, or None (406, said once the
    answer's form is known): chosen before the query runs, so that the query worker writes it
    when it is SPARQL JSON. Remembered per Accept header and format parameters (a client sends
    the same ones again and again; parsing and weighing them costs more than a small answer's
    JSON), for at most _REMEMBERED of them."""
    key = (request.environ.get("HTTP_ACCEPT", ""), *formats)
    chosen = current_app.extensions.setdefault(_CHOSEN, {})
    try:
        return chosen[key]
    except KeyError:
        pass
    try:
        fmt: ResultFormat | None = negotiate(
            FORMATS_BY_FORM["SELECT"], request.accept_mimetypes, formats
        )
    except NotAcceptable:
        fmt = None
    if len(chosen) < _REMEMBERED and sum(map(len, key)) <= _LONGEST:
        chosen[key] = fmt
    return fmt


def read_protocol_request() -> ProtocolRequest:
    """Gather query, update, dataset and format parameters from the URL and a POST body."""
    fields = list(request.args.items(multi=True))
    if request.method == "POST":
        mimetype = request.mimetype
        charset = request.mimetype_params.get("charset", "utf-8")
        if mimetype == FORM:
            fields += _parse_form(_decode_body(charset), charset)
        elif mimetype == SPARQL_QUERY:
            fields.append(("query", _decode_body(charset)))
        elif mimetype == SPARQL_UPDATE:
            fields.append(("update", _decode_body(charset)))
        else:
            raise UnsupportedMediaType(
                f"POST a query as {FORM} or {SPARQL_QUERY}, not {mimetype or 'no Content-Type'}"
            )
    params = ProtocolRequest()
    lists = {
        "query": params.queries,
        "update": params.updates,
        "default-graph-uri": params.default_graphs,
        "named-graph-uri": params.named_graphs,
        "format": params.formats,
    }
    for name, value in fields:
        if name in lists:
            lists[name].append(value)
    for iri in params.default_graphs + params.named_graphs:
        if not _ABSOLUTE_IRI.match(iri):
            raise BadParameter(f"a graph must be named by an absolute IRI, not {iri!r}")
    return params


def _parse_form(body: str, charset: str) -> list[tuple[str, str]]:
    try:
        if body.isascii() and codecs.lookup(charset).name == "utf-8":
            try:
                return parse_form_fast(body)
            except (UnicodeError, ValueError):
                pass  # a stray '%', or bytes that are no text: parse_qsl says which
        return parse_qsl(body, keep_blank_values=True, encoding=charset, errors="strict")
    except UnicodeDecodeError:
        raise BadParameter(f"the form's percent-encoded bytes are not valid {charset}") from None


def parse_form_fast(body: str) -> list[tuple[str, str]]:
    """parse_qsl's reading of an ASCII form in UTF-8, its escapes decoded in C: %XX becomes
    \\xXX for the unicode_escape codec (every backslash doubled first, so no other escape
    exists), about four times faster for a query of a few kilobytes. UTF-8 only: its multibyte
    sequences never take in an ASCII byte, so decoding a whole field equals decoding each run
    of escapes. Raises where parse_qsl would keep a stray '%' as it is, or would fail; the
    caller then uses parse_qsl."""
    fields = []
    for pair in body.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            fields.append((_unquote_plus(name), _unquote_plus(value)))
    return fields


def _unquote_plus(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("+", " ").replace("%", "\\x")
    return escaped.encode("ascii").decode("unicode_escape").encode("latin-1").decode("utf-8")


def _decode_body(charset: str) -> str:
    try:
        codecs.lookup(charset)
    except LookupError:
        raise UnsupportedMediaType(f"charset {charset!r} is not supported; send UTF-8") from None
    try:
        return request_body().decode(charset)
    except UnicodeDecodeError:
        raise BadParameter(f"the request body is not valid {charset}") from None
    except (LookupError, UnicodeError):  # a codec that is no text encoding: rot13, base64...
        raise UnsupportedMediaType(f"charset {charset!r} is not supported; send UTF-8") from None


def describe_service(requested: list[str]) -> Response:
    """The SPARQL Service Description as RDF, or the query page for a browser."""
    offered = (*GRAPH_FORMATS, HTML)
    fmt = negotiate(offered, request.accept_mimetypes, requested, what="the service description")
    if fmt is HTML:
        return query_page()
    graph = service_description(request.base_url, get_store())
    return Response(serialize_graph(graph, fmt), content_type=fmt.content_type)


def query_page() -> Response:
    """The HTML query page when the pages blueprint provides one, else a minimal form."""
    view = current_app.view_functions.get("pages.query_page")
    if view is not None:
        return make_response(view())
    return Response(QUERY_PAGE_STUB, content_type="text/html; charset=utf-8")


def preflight() -> Response:
    """Answer OPTIONS and CORS preflight requests: any origin may query."""
    resp = Response(status=204)
    del resp.headers["Content-Type"]
    resp.headers["Allow"] = ALLOW
    resp.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    resp.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
    resp.headers["Access-Control-Max-Age"] = "86400"
    return resp


@bp.after_request
def cors_and_vary(resp: Response) -> Response:
    """Let any origin read every answer, and tell caches the answer depends on Accept."""
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Access-Control-Expose-Headers"] = TRUNCATED_HEADER
    resp.vary.add("Accept")
    return resp
