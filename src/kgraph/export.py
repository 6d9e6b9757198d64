"""Serialise graphs so that the same triples always give the same bytes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from itertools import groupby

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
# Formats written from an Oxigraph store without an rdflib term per value: by Oxigraph's own
# writers, and JSON-LD by json_ld below (Oxigraph's writes rdf:type as a property, not @type).
NATIVE_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
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


def serialize(graph: Graph, fmt: str = "turtle", graph_name: str | None = None) -> bytes:
    """Bytes of graph in fmt; quad formats put it in graph_name, or the default graph."""
    if fmt not in FORMATS:
        raise BadParameter(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    rdflib_format = FORMATS[fmt][0]
    ordered = canonical(graph)
    if fmt == "jsonld":  # one JSON-LD writer, whatever the store
        triples = (ox.Triple(*(to_oxigraph(term) for term in triple)) for triple in ordered)
        return json_ld(sorted(triples, key=str))
    if fmt in QUAD_FORMATS:
        ds = Dataset()
        bind_prefixes(ds)
        target = ds.graph(graph_name) if graph_name else ds.default_graph
        for triple in ordered:
            target.add(triple)
        data = ds.serialize(format=rdflib_format, encoding="utf-8")
    else:
        data = ordered.serialize(format=rdflib_format, encoding="utf-8")
    if fmt in ("nt", "nquads"):
        lines = sorted(line for line in data.decode("utf-8").splitlines() if line.strip())
        data = ("\n".join(lines) + "\n").encode("utf-8")
    return data


def store_bytes(store: Store, fmt: str, names: Sequence[str | None] = (None,)) -> bytes:
    """Bytes of the triples in the store's graphs names (None: the default graph), merged; a quad
    format puts them in the one graph named, or the default graph.

    From an Oxigraph store they are written without rdflib (seconds for the project's graph,
    where rdflib takes half a minute and over a gigabyte); the same triples give the same bytes.
    """
    if fmt not in FORMATS:
        raise BadParameter(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    handle = oxigraph_of(store)
    if handle is not None:
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
    """The graphs names of a pyoxigraph store in fmt, blank nodes relabelled canonically, triples
    sorted by their N-Triples text (so a subject's are together), with the project's prefixes
    (TURTLE_PREFIXES) where the syntax has them; a quad format puts them in the one graph
    named, or the default graph."""
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
    if fmt == "jsonld":
        return json_ld(ordered)
    if fmt in QUAD_FORMATS and len(names) == 1 and names[0] is not None:
        target = ox.NamedNode(names[0])  # triples alone are written in the default graph
        ordered = [ox.Quad(t.subject, t.predicate, t.object, target) for t in ordered]
    if fmt in ("nt", "nquads"):
        return ox.serialize(ordered, format=NATIVE_FORMATS[fmt])
    written = ox.serialize(ordered, format=NATIVE_FORMATS[fmt], prefixes=TURTLE_PREFIXES)
    return _sorted_prefixes(written) if fmt != "rdfxml" else written


def json_ld(triples: Sequence[ox.Triple]) -> bytes:
    """Expanded JSON-LD (as JSON-LD's fromRdf gives it): a node object per subject, one to a
    line, types under @type, every literal a string (no JSON numbers, which readers may round)
    with its datatype or language. triples must be sorted so that a subject's are together."""
    lines = []
    for subject, group in groupby(triples, key=lambda t: t.subject):
        node: dict[str, list] = {}
        for triple in group:
            if triple.predicate == _RDF_TYPE and not isinstance(triple.object, ox.Literal):
                node.setdefault("@type", []).append(_node_id(triple.object))
            else:
                node.setdefault(triple.predicate.value, []).append(_json_value(triple.object))
        lines.append(
            json.dumps({"@id": _node_id(subject), **node}, ensure_ascii=False, sort_keys=True)
        )
    return ("[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n").encode("utf-8")


def _node_id(term: ox.NamedNode | ox.BlankNode) -> str:
    return term.value if isinstance(term, ox.NamedNode) else f"_:{term.value}"


def _json_value(term: object) -> dict[str, str]:
    if not isinstance(term, ox.Literal):
        return {"@id": _node_id(term)}  # type: ignore[arg-type]
    if term.language:
        return {"@value": term.value, "@language": term.language}
    if term.datatype.value == _XSD_STRING:
        return {"@value": term.value}
    return {"@value": term.value, "@type": term.datatype.value}


def _sorted_prefixes(turtle: bytes) -> bytes:
    """The @prefix lines sorted by prefix: Oxigraph's order is its own, kept out of the bytes."""
    end = 0
    while turtle.startswith(b"@prefix ", end):
        end = turtle.index(b"\n", end) + 1
    lines = sorted(turtle[:end].splitlines(keepends=True))
    return b"".join(lines) + turtle[end:]
