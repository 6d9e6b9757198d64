"""The Flask application: the SPARQL endpoint, linked-data pages and the query page."""

from __future__ import annotations

from flask import Flask

from kgraph.executor import GuardedStore
from kgraph.queries import CannedQuery, load_queries
from kgraph.settings import Settings
from kgraph.store import Store, open_configured
from kgraph.web.errors import register_error_handlers
from kgraph.web.limits import register_limits


def create_app(store: Store | None = None, settings: Settings | None = None) -> Flask:
    """Build the app around a store; opens the configured one (KGRAPH_STORE) when none is given."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["KGRAPH_SETTINGS"] = settings
    if store is None:
        store, _ = open_configured(settings)
    if not isinstance(store, GuardedStore):
        store = GuardedStore(store, settings)  # protocol queries capped; killable once started
    app.extensions["kgraph_store"] = store
    # The .rq files are read once, here, not on every request that runs or lists them.
    app.extensions["kgraph_queries"] = {g: load_queries(g) for g in ("canned", "competency")}
    register_error_handlers(app)
    register_limits(app, settings)

    from kgraph.web import sparql

    app.register_blueprint(sparql.bp)
    from kgraph.web import pages

    app.register_blueprint(pages.bp)
    from kgraph.web import queries

    app.register_blueprint(queries.bp)
    from kgraph.web import health

    app.register_blueprint(health.bp)
    return app


def get_store() -> Store:
    """The store of the app handling this request."""
    from flask import current_app

    return current_app.extensions["kgraph_store"]


def get_queries(group: str = "canned") -> dict[str, CannedQuery]:
    """The app's canned queries of a group (canned, competency), by name, in file order."""
    from flask import current_app

    return current_app.extensions["kgraph_queries"][group]
