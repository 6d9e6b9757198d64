"""Serialise graphs so that the same triples always give the same bytes."""

from __future__ import annotations

import json

from rdflib import BNode, Dataset, Graph
from rdflib.compare import to_canonical_graph

from kgraph.errors import BadParameter
from kgraph.namespaces import bind_prefixes

# format name -> (rdflib serializer, media type, file suffix)
FORMATS: dict[str, tuple[str, str, str]] = {
    "turtle": ("turtle", "text/turtle", ".ttl"),
    "nt": ("nt", "application/n-triples", ".nt"),
    "nquads": ("nquads", "application/n-quads", ".nq"),
    "trig": ("trig", "application/trig", ".trig"),
    "jsonld": ("json-ld", "application/ld+json", ".jsonld"),
    "rdfxml": ("xml", "application/rdf+xml", ".rdf"),
}
EXPORT_FORMATS = ("turtle", "nt", "nquads", "trig", "jsonld")
QUAD_FORMATS = ("nquads", "trig")


def canonical(graph: Graph) -> Graph:
    """A copy with blank nodes relabelled canonically and triples inserted in sorted order."""
    # Only triples with a blank node need relabelling, and their labels depend only on those
    # triples: canonicalising that part alone is the same and far quicker on a large graph.
    plain = [t for t in graph if not any(isinstance(term, BNode) for term in t)]
    with_bnodes = Graph()
    for triple in graph:
        if any(isinstance(term, BNode) for term in triple):
            with_bnodes.add(triple)
    relabelled = list(to_canonical_graph(with_bnodes)) if len(with_bnodes) else []
    out = Graph()
    bind_prefixes(out)
    for triple in sorted(plain + relabelled):
        out.add(triple)
    return out


def _sorted_json(data: bytes) -> bytes:
    """rdflib's JSON-LD writer orders nodes and values by hash; sort them for stable bytes."""

    def norm(value: object, ordered: bool = False) -> object:
        if isinstance(value, dict):
            return {k: norm(v, ordered=k == "@list") for k, v in value.items()}
        if isinstance(value, list) and ordered:
            return [norm(v) for v in value]
        if isinstance(value, list):
            items = [norm(v) for v in value]
            return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
        return value

    doc = json.loads(data)
    return (json.dumps(norm(doc), sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def serialize(graph: Graph, fmt: str = "turtle", graph_name: str | None = None) -> bytes:
    """Bytes of graph in fmt; quad formats put it in graph_name, or the default graph."""
    if fmt not in FORMATS:
        raise BadParameter(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    rdflib_format = FORMATS[fmt][0]
    ordered = canonical(graph)
    if fmt in QUAD_FORMATS:
        ds = Dataset()
        bind_prefixes(ds)
        target = ds.graph(graph_name) if graph_name else ds.default_graph
        for triple in ordered:
            target.add(triple)
        data = ds.serialize(format=rdflib_format, encoding="utf-8")
    else:
        data = ordered.serialize(format=rdflib_format, encoding="utf-8")
    if fmt == "jsonld":
        data = _sorted_json(data)
    if fmt in ("nt", "nquads"):
        lines = sorted(line for line in data.decode("utf-8").splitlines() if line.strip())
        data = ("\n".join(lines) + "\n").encode("utf-8")
    return data
