"""The ontology's documentation: classes, properties and concept schemes, read from its files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from kgraph.describe import Term, fallback_label, pick_label
from kgraph.namespaces import DCTERMS, KG, ONTOLOGY_IRI, QB, bind_prefixes
from kgraph.store import parse_file, rdf_files

PROPERTY_TYPES = (
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    RDF.Property,
    QB.DimensionProperty,
    QB.MeasureProperty,
    QB.AttributeProperty,
)
LABEL_PREDICATES = (RDFS.label, SKOS.prefLabel)


@dataclass
class TermDoc:
    """One class or property: what it is called, what it means, how it relates to others."""

    iri: URIRef
    name: str
    label: str
    definition: str
    comment: str = ""
    kinds: list[Term] = field(default_factory=list)
    parents: list[Term] = field(default_factory=list)
    children: list[Term] = field(default_factory=list)
    domain: list[Term] = field(default_factory=list)
    range: list[Term] = field(default_factory=list)
    used_by: list[Term] = field(default_factory=list)


@dataclass
class ConceptDoc:
    """A concept of a scheme with its label and definition."""

    term: Term
    definition: str
    notes: list[str] = field(default_factory=list)


@dataclass
class SchemeDoc:
    """A concept scheme and its concepts."""

    term: Term
    definition: str
    concepts: list[ConceptDoc] = field(default_factory=list)


@dataclass
class OntologyDoc:
    """The whole documentation page."""

    iri: URIRef
    title: str
    definition: str
    comment: str
    version: str
    license: str
    classes: list[TermDoc]
    properties: list[TermDoc]
    schemes: list[SchemeDoc]


def load_ontology(folder: Path) -> Graph:
    """Every file of the ontology folder in one graph."""
    graph = Graph()
    bind_prefixes(graph)
    for path in rdf_files(folder):
        parse_file(graph, path)
    return graph


def _text(graph: Graph, node: Node, *predicates: URIRef) -> str:
    for predicate in predicates:
        label = pick_label((str(RDFS.label), o) for o in graph.objects(node, predicate))
        if label:
            return label
    return ""


def _term(graph: Graph, node: Node) -> Term:
    label = _text(graph, node, *LABEL_PREDICATES)
    return Term(node, label or fallback_label(node))


def _terms(graph: Graph, nodes) -> list[Term]:
    out = {_term(graph, n) for n in nodes if not isinstance(n, Literal)}
    return sorted(out, key=lambda t: (t.label.lower(), str(t.node)))


def _is_own(node: Node) -> bool:
    return isinstance(node, URIRef) and str(node).startswith(str(KG))


def _term_doc(graph: Graph, iri: URIRef, kind_of: URIRef) -> TermDoc:
    parent = RDFS.subClassOf if kind_of == RDFS.Class else RDFS.subPropertyOf
    doc = TermDoc(
        iri=iri,
        name=str(iri)[len(str(KG)) :],
        label=_text(graph, iri, *LABEL_PREDICATES) or fallback_label(iri),
        definition=_text(graph, iri, SKOS.definition),
        comment=_text(graph, iri, RDFS.comment),
        kinds=_terms(graph, graph.objects(iri, RDF.type)),
        parents=_terms(graph, graph.objects(iri, parent)),
        children=_terms(graph, graph.subjects(parent, iri)),
    )
    if kind_of == RDFS.Class:
        doc.used_by = _terms(graph, graph.subjects(RDFS.domain, iri))
    else:
        doc.domain = _terms(graph, graph.objects(iri, RDFS.domain))
        doc.range = _terms(graph, graph.objects(iri, RDFS.range))
    return doc


def _scheme_doc(graph: Graph, scheme: Node) -> SchemeDoc:
    members = set(graph.subjects(SKOS.inScheme, scheme)) | set(
        graph.objects(scheme, SKOS.hasTopConcept)
    )
    concepts = [
        ConceptDoc(
            term=_term(graph, c),
            definition=_text(graph, c, SKOS.definition),
            notes=sorted(str(o) for o in graph.objects(c, SKOS.altLabel)),
        )
        for c in members
    ]
    concepts.sort(key=lambda c: (c.term.label.lower(), str(c.term.node)))
    return SchemeDoc(_term(graph, scheme), _text(graph, scheme, SKOS.definition), concepts)


def document(graph: Graph) -> OntologyDoc:
    """The documentation of the ontology graph: classes, properties, then concept schemes."""
    iri = URIRef(ONTOLOGY_IRI)
    classes = sorted(
        {s for s in graph.subjects(RDF.type, OWL.Class) if _is_own(s)}
        | {s for s in graph.subjects(RDF.type, RDFS.Class) if _is_own(s)},
        key=str,
    )
    properties = sorted(
        {s for t in PROPERTY_TYPES for s in graph.subjects(RDF.type, t) if _is_own(s)}, key=str
    )
    schemes = sorted(graph.subjects(RDF.type, SKOS.ConceptScheme), key=str)
    scheme_docs = [_scheme_doc(graph, s) for s in schemes]
    return OntologyDoc(
        iri=iri,
        title=_text(graph, iri, DCTERMS.title, RDFS.label) or "kgraph ontology",
        definition=_text(graph, iri, SKOS.definition),
        comment=_text(graph, iri, RDFS.comment),
        version=_text(graph, iri, OWL.versionInfo),
        license=str(next(graph.objects(iri, DCTERMS.license), "")),
        classes=[_term_doc(graph, c, RDFS.Class) for c in classes],
        properties=[_term_doc(graph, p, RDF.Property) for p in properties],
        schemes=sorted(scheme_docs, key=lambda s: s.term.label.lower()),
    )
