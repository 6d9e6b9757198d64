"""The terms the graph uses, by the project's prefixes, so a query editor can complete them."""

from __future__ import annotations

import re

from kgraph.namespaces import PREFIXES
from kgraph.store import Store

USED_IRIS = """
SELECT DISTINCT ?t WHERE {
    { ?t ?p ?o } UNION { ?s ?t ?o } UNION { ?s ?p ?t }
    FILTER(isIRI(?t))
}"""
# A local name that may follow "prefix:" in SPARQL without escapes.
LOCAL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


def terms_by_prefix(store: Store) -> dict[str, list[str]]:
    """For each project prefix, the sorted local names of the IRIs the graph mentions in it."""
    namespaces = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))
    out: dict[str, set[str]] = {prefix: set() for prefix in PREFIXES}
    for row in store.query(USED_IRIS):
        text = str(row.t)
        for prefix, ns in namespaces:
            if text.startswith(ns):
                local = text[len(ns) :]
                if LOCAL_NAME.match(local):
                    out[prefix].add(local)
                break
    return {prefix: sorted(names, key=lambda n: (n.lower(), n)) for prefix, names in out.items()}
