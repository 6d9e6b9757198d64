"""Whole-graph downloads and the read side of the SPARQL 1.1 Graph Store HTTP Protocol."""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Blueprint, Response, current_app, render_template, request, url_for

from kgraph.errors import BadParameter, NotFound
from kgraph.export import FORMATS, QUAD_FORMATS, store_bytes
from kgraph.store import Store
from kgraph.web import get_store
from kgraph.web.rdf_response import HTML, negotiate, send_bytes

bp = Blueprint("downloads", __name__)

DOWNLOAD_FORMATS = ("turtle", "nt", "nquads", "trig", "jsonld")
GRAPH_FORMATS = ("turtle", "nt", "nquads", "trig", "jsonld", "rdfxml")
SUFFIXES = {FORMATS[f][2]: f for f in DOWNLOAD_FORMATS}
FILE_STEM = "kgraph"
READ_METHODS = ("GET", "HEAD", "OPTIONS")


def merge_documents(docs: list[bytes]) -> bytes:
    """TriG documents joined into one: their prefix lines once, at the top, then their bodies."""
    prefixes: set[str] = set()
    bodies: list[str] = []
    for doc in docs:
        body = []
        for line in doc.decode("utf-8").splitlines():
            if line.startswith("@prefix "):
                prefixes.add(line)
            else:
                body.append(line)
        bodies.append("\n".join(body).strip("\n"))
    head = "\n".join(sorted(prefixes))
    return (head + "\n\n" + "\n\n".join(b for b in bodies if b) + "\n").encode("utf-8")


def whole_graph_bytes(store: Store, fmt: str) -> bytes:
    """The whole graph in fmt; quad formats carry the named graphs too, each by its name."""
    names = store.graph_names()
    if fmt not in QUAD_FORMATS or not names:
        return store_bytes(store, fmt, (None, *names))
    docs = [store_bytes(store, fmt)] + [store_bytes(store, fmt, (n,)) for n in names]
    if fmt == "nquads":
        lines = sorted({line for doc in docs for line in doc.decode("utf-8").splitlines() if line})
        return ("\n".join(lines) + "\n").encode("utf-8")
    return merge_documents(docs)


def cached_bytes(key: tuple[str, ...], make: Callable[[], bytes]) -> bytes:
    """Bytes computed once per app and version of the graph: serialising it whole takes seconds,
    far longer in the formats rdflib writes, so requests arriving meanwhile wait for the one
    computation instead of each starting their own."""
    store = get_store()
    version = (len(store), tuple(store.graph_names()))
    guard: threading.Lock = current_app.extensions.setdefault(
        "kgraph_download_guard", threading.Lock()
    )
    with guard:
        cache: dict = current_app.extensions.setdefault("kgraph_download_cache", {})
        if cache.get("version") != version:
            cache.clear()
            cache["version"] = version
            cache["items"] = {}
            cache["locks"] = {}
        items: dict[tuple[str, ...], bytes] = cache["items"]
        lock = cache["locks"].setdefault(key, threading.Lock())
    with lock:
        if key not in items:
            items[key] = make()
        return items[key]


def send_whole_graph(fmt: str, vary: tuple[str, ...] = ()) -> Response:
    store = get_store()
    data = cached_bytes(("data", fmt), lambda: whole_graph_bytes(store, fmt))
    return send_bytes(data, fmt, filename=FILE_STEM + FORMATS[fmt][2], vary=vary)


@bp.get("/data")
def data() -> Response:
    """The whole graph in the format Accept asks for; the list of downloads for browsers."""
    fmt = negotiate((*DOWNLOAD_FORMATS, HTML))
    if fmt == HTML:
        return Response(downloads_page(), headers={"Vary": "Accept"}, mimetype="text/html")
    return send_whole_graph(fmt, vary=("Accept",))


@bp.get("/data<suffix>")
def data_file(suffix: str) -> Response:
    """The whole graph as a file: /data.ttl, /data.nt, /data.nq, /data.trig, /data.jsonld."""
    fmt = SUFFIXES.get(suffix)
    if fmt is None:
        raise NotFound(f"no download /data{suffix}; try {', '.join('/data' + s for s in SUFFIXES)}")
    return send_whole_graph(fmt)


@bp.get("/downloads")
def downloads_page() -> str:
    """An HTML list of the downloads and the graph store's graphs."""
    store = get_store()
    files = [
        {
            "href": url_for(".data_file", suffix=FORMATS[f][2]),
            "name": FILE_STEM + FORMATS[f][2],
            "media": FORMATS[f][1],
        }
        for f in DOWNLOAD_FORMATS
    ]
    return render_template(
        "downloads.html", files=files, graph_names=store.graph_names(), triples=len(store)
    )


@bp.route("/rdf-graphs", methods=["GET"])
def graph_store() -> Response:
    """GET/HEAD one graph: ?default or ?graph=IRI, in the format the Accept header asks for."""
    store = get_store()
    has_default = "default" in request.args
    name = request.args.get("graph")
    if has_default and name is not None:
        raise BadParameter("give either ?default or ?graph=IRI, not both")
    if not has_default and name is None:
        raise BadParameter("give ?default for the default graph or ?graph=IRI for a named graph")
    if name is not None and name not in store.graph_names():
        raise NotFound(f"no graph named <{name}> in the graph store")
    fmt = negotiate(GRAPH_FORMATS)

    def make() -> bytes:
        return store_bytes(store, fmt, (name,))

    data = cached_bytes(("graph", name or "", fmt), make)
    return send_bytes(data, fmt, vary=("Accept",))


@bp.route("/rdf-graphs", methods=["PUT", "POST", "DELETE", "PATCH"])
def graph_store_write() -> Response:
    """The graph store is read-only: every write method is refused, naming the allowed ones."""
    from werkzeug.exceptions import MethodNotAllowed

    raise MethodNotAllowed(
        valid_methods=list(READ_METHODS), description="the graph store is read-only"
    )
