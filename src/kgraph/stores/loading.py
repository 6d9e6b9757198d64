"""Load the project's graph into a remote SPARQL server through the Graph Store HTTP Protocol."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from kgraph.settings import Settings
from kgraph.store import fill
from kgraph.stores.oxigraph_store import OxigraphStore
from kgraph.stores.remote_store import RemoteStore

ASK_ANYTHING = "ASK { }"


def load_remote(
    url: str,
    settings: Settings,
    extra: Iterable[tuple[str | None, Path]] = (),
    graph_store_url: str | None = None,
) -> tuple[int, int]:
    """Replace the server's default graph (and each --add graph) with the project's files.

    Parsed locally by Oxigraph first, so a file that does not parse changes nothing remotely.
    Returns the triples sent and the number of named graphs.
    """
    remote = RemoteStore(url, graph_store_url or settings.graph_store_url or None)
    remote.query(ASK_ANYTHING)  # unreachable or not a SPARQL endpoint: say so before parsing
    local = fill(OxigraphStore(), settings, extra)
    graphs: list[str | None] = [None, *local.graph_names()]
    for name in graphs:
        graph = ox.DefaultGraph() if name is None else ox.NamedNode(name)
        triples = [q.triple for q in local.oxigraph.quads_for_pattern(None, None, None, graph)]
        remote.send_graph(triples, name, replace=True)
    return len(local), len(graphs) - 1
