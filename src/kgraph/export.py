"""Serialise graphs so that the same triples always give the same bytes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph
from rdflib.compare import to_canonical_graph

from kgraph.errors import BadParameter
from kgraph.namespaces import PREFIXES, bind_prefixes
from kgraph.store import Store, Triple
from kgraph.stores.terms import graph_name, to_oxigraph, to_rdflib

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
# Formats Oxigraph's own writers produce from an Oxigraph store, without an rdflib term per value.
NATIVE_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES}
# Oxigraph's Turtle prefixes: not kgr, whose local names all hold a '/' that Turtle can write only
# escaped (kgr:area\/e06000001): kgraph's IRIs stay whole, as rdflib writes them, and greppable.
TURTLE_PREFIXES = {prefix: iri for prefix, iri in PREFIXES.items() if prefix != "kgr"}


def relabelled(with_bnodes: Iterable[Triple]) -> list[Triple]:
    """Triples with blank nodes, relabelled canonically: isomorphic graphs get the same labels."""
    graph = Graph()
    for triple in with_bnodes:
        graph.add(triple)
    return list(to_canonical_graph(graph)) if len(graph) else []


def canonical(graph: Graph) -> Graph:
    """A copy with blank nodes relabelled canonically and triples inserted in sorted order."""
    # Only triples with a blank node need relabelling, and their labels depend only on those
    # triples: canonicalising that part alone is the same and far quicker on a large graph.
    plain = [t for t in graph if not any(isinstance(term, BNode) for term in t)]
    with_bnodes = [t for t in graph if any(isinstance(term, BNode) for term in t)]
    out = Graph()
    bind_prefixes(out)
    for triple in sorted(plain + relabelled(with_bnodes)):
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


def store_bytes(store: Store, fmt: str, names: Sequence[str | None] = (None,)) -> bytes:
    """Bytes of the triples in the store's graphs names (None: the default graph), merged; a quad
    format puts them in the one graph named, or the default graph.

    Turtle and N-Triples from an Oxigraph store are written by Oxigraph (seconds for the
    project's graph where rdflib takes half a minute); the same triples give the same bytes.
    """
    handle = oxigraph_of(store)
    if fmt in NATIVE_FORMATS and handle is not None:
        return native_bytes(handle, fmt, names)
    graphs = [store.rdflib_graph(name) for name in names]
    merged = graphs[0]
    if len(graphs) > 1:
        merged = Graph()
        for graph in graphs:
            for triple in graph:
                merged.add(triple)
    return serialize(merged, fmt, names[0] if len(names) == 1 else None)


def oxigraph_of(store: Store) -> ox.Store | None:
    """The pyoxigraph store behind store, also through a wrapper that passes attributes on (the
    web app's GuardedStore); None for the rdflib and remote kinds."""
    handle = getattr(store, "oxigraph", None)
    return handle if isinstance(handle, ox.Store) else None


def native_bytes(store: ox.Store, fmt: str, names: Sequence[str | None] = (None,)) -> bytes:
    """Turtle or N-Triples of the graphs names in a pyoxigraph store, blank nodes relabelled
    canonically, triples sorted by their N-Triples text (so a subject's are together), written
    by Oxigraph with the project's prefixes (TURTLE_PREFIXES)."""
    by_text: dict[str, ox.Triple] = {}
    with_bnodes: list[ox.Triple] = []
    for name in names:
        for quad in store.quads_for_pattern(None, None, None, graph_name(name)):
            triple = quad.triple
            if isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode):
                with_bnodes.append(triple)
            else:
                by_text[str(triple)] = triple
    as_rdflib = (
        (to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)) for t in with_bnodes
    )
    for s, p, o in relabelled(as_rdflib):
        triple = ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))
        by_text[str(triple)] = triple
    ordered = [by_text[text] for text in sorted(by_text)]
    if fmt == "nt":
        return ox.serialize(ordered, format=NATIVE_FORMATS[fmt])
    return _sorted_prefixes(
        ox.serialize(ordered, format=NATIVE_FORMATS[fmt], prefixes=TURTLE_PREFIXES)
    )


def _sorted_prefixes(turtle: bytes) -> bytes:
    """The @prefix lines sorted by prefix: Oxigraph's order is its own, kept out of the bytes."""
    end = 0
    while turtle.startswith(b"@prefix ", end):
        end = turtle.index(b"\n", end) + 1
    lines = sorted(turtle[:end].splitlines(keepends=True))
    return b"".join(lines) + turtle[end:]
