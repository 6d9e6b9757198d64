"""The SPARQL 1.1 Service Description of the endpoint, so clients can discover what it offers."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, VOID, XSD

from kgraph.namespaces import PREFIXES, SD, bind_prefixes
from kgraph.protocol import QUERY_BASE
from kgraph.results import FORMATS_BY_FORM
from kgraph.store import Store

SIMPLE_ENTAILMENT = URIRef("http://www.w3.org/ns/entailment/Simple")

# Features of this service that SPARQL 1.1 Service Description has no term for, described here.
FEATURES: tuple[tuple[str, str, str], ...] = (
    (
        "loaded-graphs-only",
        "Datasets from loaded graphs only",
        "FROM, FROM NAMED, default-graph-uri and named-graph-uri choose among the graphs this "
        "service has loaded; an IRI naming no loaded graph is an empty graph, never fetched.",
    ),
    (
        "read-only",
        "Read-only",
        "SPARQL Update is refused with 403 Forbidden, and SERVICE with 400.",
    ),
    (
        "predeclared-prefixes",
        "Predeclared prefixes and base",
        f"Queries may use the prefixes {', '.join(p + ':' for p in PREFIXES)} undeclared; "
        f"relative IRIs resolve against {QUERY_BASE}.",
    ),
)


def service_description(endpoint: str, store: Store) -> Graph:
    """The endpoint as an sd:Service: languages, result formats, features, default dataset."""
    g = Graph()
    bind_prefixes(g)
    g.bind("sd", SD)
    g.bind("void", VOID)
    service = URIRef(endpoint + "#service")
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, URIRef(endpoint)))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((service, SD.defaultEntailmentRegime, SIMPLE_ENTAILMENT))
    formats = {f.w3c_iri for forms in FORMATS_BY_FORM.values() for f in forms}
    for iri in sorted(formats):
        g.add((service, SD.resultFormat, URIRef(iri)))
    for slug, label, comment in FEATURES:
        feature = URIRef(f"{endpoint}#{slug}")
        g.add((service, SD.feature, feature))
        g.add((feature, RDF.type, SD.Feature))
        g.add((feature, RDFS.label, Literal(label, lang="en")))
        g.add((feature, RDFS.comment, Literal(comment, lang="en")))

    dataset = URIRef(endpoint + "#dataset")
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    default_graph = URIRef(endpoint + "#default-graph")
    g.add((dataset, SD.defaultGraph, default_graph))
    g.add((default_graph, RDF.type, SD.Graph))
    g.add((default_graph, VOID.triples, _count(store.graph_size())))
    names = store.graph_names()
    sizes = [store.graph_size(name) for name in names]
    for number, (name, size) in enumerate(zip(names, sizes, strict=True), start=1):
        named = URIRef(f"{endpoint}#named-graph-{number}")
        graph = URIRef(f"{endpoint}#named-graph-{number}-graph")
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(name)))
        g.add((named, SD.graph, graph))
        g.add((graph, RDF.type, SD.Graph))
        g.add((graph, VOID.triples, _count(size)))
    return g


def _count(n: int) -> Literal:
    return Literal(n, datatype=XSD.integer)
