"""The IRIs kgraph mints and the W3C vocabularies it aligns with, declared once."""

from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, TIME, XSD

BASE = "https://w3id.org/kgraph/"
KG = Namespace(BASE + "ontology#")
ID = Namespace(BASE + "id/")
ONTOLOGY_IRI = BASE + "ontology"
SCHEMA = Namespace("https://schema.org/")
QB = Namespace("http://purl.org/linked-data/cube#")
SH = Namespace("http://www.w3.org/ns/shacl#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

PREFIXES: dict[str, str] = {
    "kg": str(KG),
    "kgr": str(ID),
    "org": str(ORG),
    "time": str(TIME),
    "prov": str(PROV),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "schema": str(SCHEMA),
    "foaf": str(FOAF),
    "qb": str(QB),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "sh": str(SH),
}


def sparql_prologue() -> str:
    """PREFIX lines for every prefix kgraph knows, so users and canned queries can omit them."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def bind_prefixes(graph) -> None:
    """Give serialisations the project's short prefixes instead of ns1, ns2."""
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
