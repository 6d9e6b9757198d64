"""The health endpoint at /health: whether the store answers, and how many triples it holds."""

from __future__ import annotations

import threading

from flask import Blueprint, Flask, Response, current_app, json

from kgraph.errors import KgraphError, StoreUnavailable
from kgraph.store import Store
from kgraph.web import get_store

bp = Blueprint("health", __name__)

# The cheapest question every kind of store must answer: it touches no triple.
PROBE = "ASK {}"
_COUNT_KEY = "kgraph_health_triples"


@bp.route("/health", methods=["GET", "HEAD"])
def health() -> Response:
    """Say the graph is loaded and answering; 503 in the one error shape when it is not."""
    store = get_store()
    try:
        store.query(PROBE)
        triples = triple_count(current_app, store)
    except KgraphError as exc:
        raise StoreUnavailable(f"the store does not answer: {exc.reason}") from exc
    except Exception as exc:  # a health check reports any failure of the store as 503
        current_app.logger.warning("health check failed: %s", exc)
        reason = " ".join(str(exc).split())[:300] or type(exc).__name__
        raise StoreUnavailable(f"the store does not answer: {reason}") from exc
    body = {"status": "ok", "triples": triples, "store": store_description(store)}
    resp = Response(json.dumps(body) + "\n", mimetype="application/json")
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


def triple_count(app: Flask, store: Store) -> int:
    """The store's size, counted once per process: a loaded store does not change, and counting
    costs a scan on the embedded kinds (tens of ms at 400k triples). A remote store's own count
    expires, since `kgraph load --to` may refill its server."""
    if store.kind == "remote":
        return len(store)
    cached = app.extensions.get(_COUNT_KEY)
    if cached is not None and cached[0] is store:
        return cached[1]
    with _lock_of(app):
        cached = app.extensions.get(_COUNT_KEY)
        if cached is None or cached[0] is not store:
            cached = (store, len(store))
            app.extensions[_COUNT_KEY] = cached
    return cached[1]


def _lock_of(app: Flask) -> threading.Lock:
    return app.extensions.setdefault(_COUNT_KEY + "_lock", threading.Lock())


def store_description(store: Store) -> str:
    """The kind of store: oxigraph (in memory), folder, rdflib or remote."""
    if store.kind == "oxigraph" and getattr(store, "path", None) is not None:
        return "folder"
    return store.kind
