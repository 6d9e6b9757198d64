"""What the graph holds at a glance: how many things of each class, and the things of one class."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef

from kgraph.describe import LabelCollector, Term, label_block
from kgraph.store import Store

CLASS_COUNTS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {
    ?s a ?class .
} GROUP BY ?class"""

CLASS_LABELS = f"""
SELECT ?class ?class_lp ?class_label WHERE {{
    {{ SELECT DISTINCT ?class WHERE {{ ?s a ?class }} }}
    {label_block("class")}
}}"""

INSTANCES = f"""
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?s ?s_lp ?s_label WHERE {{
    ?s a/rdfs:subClassOf* ?class .
    FILTER(isIRI(?s))
    {label_block("s")}
}}"""


@dataclass(frozen=True)
class ClassCount:
    """A class and how many distinct things the graph says are of it."""

    term: Term
    count: int


def class_counts(store: Store) -> list[ClassCount]:
    """Every class in use with its number of instances, most first."""
    labels = LabelCollector()
    for row in store.query(CLASS_LABELS):
        labels.add(row["class"], row.class_lp, row.class_label)
    counts = [
        ClassCount(labels.term(row["class"]), int(row.n)) for row in store.query(CLASS_COUNTS)
    ]
    return sorted(counts, key=lambda c: (-c.count, c.term.label.lower(), str(c.term.node)))


def instances(store: Store, class_iri: URIRef) -> list[Term]:
    """The named things of a class or its subclasses, by label."""
    labels = LabelCollector()
    nodes: list[URIRef] = []
    for row in store.query(INSTANCES, {"class": class_iri}):
        labels.add(row.s, row.s_lp, row.s_label)
        if row.s not in nodes:
            nodes.append(row.s)
    terms = [labels.term(n) for n in nodes]
    return sorted(terms, key=lambda t: (t.label.lower(), str(t.node)))
