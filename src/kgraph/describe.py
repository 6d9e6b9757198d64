"""What to show about one resource: its triples, hash parts, what links to it, and its sources."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kgraph.errors import NotFound
from kgraph.namespaces import ID, KG, ONTOLOGY_IRI, PREFIXES, bind_prefixes
from kgraph.sparql_text import with_value_rows
from kgraph.store import Store

# Predicates that name a thing, best first; a label in English or with no language wins.
LABEL_PREDICATES = (
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://xmlns.com/foaf/0.1/name",
    "http://purl.org/dc/terms/title",
)
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
# Shown first on a page, in this order; every other property follows by its label.
LEADING_PREDICATES = (*LABEL_PREDICATES, "http://www.w3.org/2004/02/skos/core#definition")
# Shown last: where the facts come from.
TRAILING_PREDICATES = (
    "http://www.w3.org/ns/prov#wasDerivedFrom",
    "http://www.w3.org/ns/prov#qualifiedDerivation",
)
CITATION = URIRef(str(KG) + "Citation")
MAX_BNODE_DEPTH = 4
# A page lists at most this many links in (and facts a source states); a DfE table's source is
# cited by some hundred thousand observations. The page says how many there are in all.
PAGE_LIMIT = 500

_LABEL_IRIS = " ".join(f"<{p}>" for p in LABEL_PREDICATES)
_LABELS = """
    OPTIONAL {
        VALUES ?{v}_lp { LABEL_IRIS }
        ?{v} ?{v}_lp ?{v}_label .
    }
""".replace("LABEL_IRIS", _LABEL_IRIS)


def label_block(var: str) -> str:
    """An OPTIONAL block finding ?var's label candidates: ?var_lp (predicate), ?var_label."""
    return _LABELS.replace("{v}", var)


OUTGOING = f"""
SELECT ?p ?o ?p_lp ?p_label ?o_lp ?o_label WHERE {{
    ?r ?p ?o .
    {label_block("p")}
    {label_block("o")}
}}"""

INCOMING = f"""
SELECT ?s ?p ?s_lp ?s_label ?p_lp ?p_label WHERE {{
    ?s ?p ?r .
    {label_block("s")}
    {label_block("p")}
}}"""

# ?r is grouped by and projected: every store kind can then bind it.
INCOMING_COUNT = "SELECT ?r (COUNT(*) AS ?n) WHERE { ?s ?p ?r } GROUP BY ?r"

INCOMING_FIRST = f"""
SELECT ?s ?p WHERE {{ ?s ?p ?r }} ORDER BY ?s ?p LIMIT {PAGE_LIMIT}"""

# A FILTER, not a second VALUES block: Oxigraph would join two VALUES blocks by a label scan.
LABELS = f"""
SELECT ?n ?n_lp ?n_label WHERE {{
    ?n ?n_lp ?n_label .
    FILTER(?n_lp IN ({", ".join(f"<{p}>" for p in LABEL_PREDICATES)}))
}}"""

CITATIONS = f"""
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX kg: <{KG}>
SELECT ?fact ?cite ?source ?quote ?locator ?source_lp ?source_label WHERE {{
    ?fact prov:qualifiedDerivation ?cite .
    ?cite prov:entity ?source .
    OPTIONAL {{ ?cite kg:quote ?quote }}
    OPTIONAL {{ ?cite kg:locator ?locator }}
    {label_block("source")}
}}"""

DERIVED_FROM = f"""
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?source ?source_lp ?source_label WHERE {{
    ?r prov:wasDerivedFrom ?source .
    {label_block("source")}
}}"""

CITED_BY = f"""
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX kg: <{KG}>
SELECT ?fact ?cite ?quote ?locator WHERE {{
    ?cite prov:entity ?r .
    ?fact prov:qualifiedDerivation ?cite .
    OPTIONAL {{ ?cite kg:quote ?quote }}
    OPTIONAL {{ ?cite kg:locator ?locator }}
}} ORDER BY ?fact ?cite LIMIT {PAGE_LIMIT}"""

CITED_BY_COUNT = """
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?r (COUNT(*) AS ?n) WHERE { ?cite prov:entity ?r . ?fact prov:qualifiedDerivation ?cite }
GROUP BY ?r"""


@dataclass(frozen=True)
class Term:
    """An RDF term with the words to show for it."""

    node: Node
    label: str

    @property
    def is_iri(self) -> bool:
        return isinstance(self.node, URIRef)

    @property
    def is_literal(self) -> bool:
        return isinstance(self.node, Literal)

    @property
    def datatype(self) -> str:
        """The literal's datatype as a prefixed name, or empty."""
        if isinstance(self.node, Literal) and self.node.datatype is not None:
            return curie(self.node.datatype)
        return ""

    @property
    def language(self) -> str:
        return self.node.language or "" if isinstance(self.node, Literal) else ""


@dataclass
class Property:
    """One predicate of a node and all its values."""

    predicate: Term
    values: list[Term] = field(default_factory=list)
    nested: dict[Node, NodeView] = field(default_factory=dict)


@dataclass
class NodeView:
    """A node's label, types and properties: the page's main block, or one hash part of it."""

    node: Node
    label: str
    types: list[Term] = field(default_factory=list)
    properties: list[Property] = field(default_factory=list)

    @property
    def is_citation(self) -> bool:
        """True for a kg:Citation node, which the page shows under Sources."""
        return any(t.node == CITATION for t in self.types)

    @property
    def fragment(self) -> str:
        """The part after '#' of a hash IRI, for the page anchor."""
        text = str(self.node)
        return text.split("#", 1)[1] if "#" in text else ""


@dataclass(frozen=True)
class Citation:
    """A source behind a fact, with the verbatim words that state it."""

    fact: Term
    source: Term
    quote: str
    citation: Node | None = None
    locator: str = ""

    @property
    def anchor(self) -> str:
        """The fragment of the citation's hash IRI, so links to it land on its entry."""
        text = str(self.citation or "")
        return text.split("#", 1)[1] if "#" in text else ""


@dataclass(frozen=True)
class Incoming:
    """A triple pointing at the resource: subject and predicate."""

    subject: Term
    predicate: Term


@dataclass
class Description:
    """Everything the resource page shows."""

    main: NodeView
    parts: list[NodeView]
    incoming: list[Incoming]
    sources: list[Citation]
    cited_by: list[Citation]
    incoming_total: int = 0
    cited_by_total: int = 0

    @property
    def iri(self) -> Node:
        return self.main.node

    @property
    def label(self) -> str:
        return self.main.label


def id_iri(path: str) -> URIRef:
    """The minted IRI that the local request path /id/<path> stands for."""
    return URIRef(str(ID) + path)


def curie(iri: Node) -> str:
    """A short prefixed name for an IRI when a project prefix covers it, else the IRI."""
    text = str(iri)
    best = ""
    for prefix, ns in PREFIXES.items():
        if text.startswith(ns) and len(ns) > len(PREFIXES.get(best, "")):
            best = prefix
    if best:
        return f"{best}:{text[len(PREFIXES[best]) :]}"
    return text


def fallback_label(node: Node) -> str:
    """Words for a node that has no label: its path under the project's IRIs, or a prefixed name."""
    text = str(node)
    if isinstance(node, BNode):
        return "(unnamed node)"
    if text.startswith(str(ID)):
        return text[len(str(ID)) :]
    if text.startswith(ONTOLOGY_IRI + "#"):
        return "kg:" + text[len(ONTOLOGY_IRI) + 1 :]
    return curie(node)


def pick_label(candidates: Iterable[tuple[object, object]]) -> str | None:
    """The best label among (label predicate, literal) pairs: predicate order, then English."""
    best: tuple[int, int, str] | None = None
    for lp, label in candidates:
        if lp is None or label is None:
            continue
        rank = LABEL_PREDICATES.index(str(lp)) if str(lp) in LABEL_PREDICATES else 99
        lang = getattr(label, "language", None)
        lang_rank = 0 if lang in (None, "", "en") or str(lang).startswith("en-") else 1
        key = (rank, lang_rank, str(label))
        if best is None or key < best:
            best = key
    return best[2] if best else None


class LabelCollector:
    """Collects label candidates per node from query rows, then answers the best one."""

    def __init__(self, page: Node | None = None) -> None:
        self._page = f"{page}#" if page is not None else None
        self._candidates: dict[Node, set[tuple[object, object]]] = {}

    def add(self, node: Node, lp: object, label: object) -> None:
        self._candidates.setdefault(node, set()).add((lp, label))

    def term(self, node: Node) -> Term:
        if isinstance(node, Literal):
            return Term(node, str(node))
        label = pick_label(self._candidates.get(node, ()))
        if label is None and self._page and str(node).startswith(self._page):
            label = str(node)[len(self._page) - 1 :]
        return Term(node, label or fallback_label(node))


def _order_key(prop: Property) -> tuple[int, str]:
    text = str(prop.predicate.node)
    lead = LEADING_PREDICATES.index(text) if text in LEADING_PREDICATES else len(LEADING_PREDICATES)
    if text in TRAILING_PREDICATES:
        lead = 100 + TRAILING_PREDICATES.index(text)
    return lead, prop.predicate.label.lower()


def _value_key(term: Term) -> tuple[int, str, str]:
    stable = "" if isinstance(term.node, BNode) else str(term.node)
    return (0 if term.is_iri else 1, term.label.lower(), stable)


def _signature(view: NodeView | None) -> str:
    if view is None:
        return ""
    return "|".join(
        f"{p.predicate.node}={','.join(str(v.node) for v in p.values)}" for p in view.properties
    )


def node_view(store: Store, node: Node, depth: int = 0, page: Node | None = None) -> NodeView:
    """A node's label, types and properties; unnamed (blank) values are described inline."""
    labels = LabelCollector(page if page is not None else node)
    by_predicate: dict[Node, list[Node]] = {}
    for row in store.query(OUTGOING, {"r": node}):
        labels.add(row.p, row.p_lp, row.p_label)
        if row.o_lp is not None:
            labels.add(row.o, row.o_lp, row.o_label)
        values = by_predicate.setdefault(row.p, [])
        if row.o not in values:
            values.append(row.o)
    label_rows = [
        (p, o) for p, values in by_predicate.items() for o in values if str(p) in LABEL_PREDICATES
    ]
    for p, o in label_rows:
        labels.add(node, p, o)
    view = NodeView(node=node, label=labels.term(node).label)
    for predicate, values in by_predicate.items():
        terms = sorted((labels.term(v) for v in values), key=_value_key)
        if predicate == RDF_TYPE:
            view.types = terms
            continue
        prop = Property(predicate=labels.term(predicate), values=terms)
        if depth < MAX_BNODE_DEPTH:
            for value in values:
                if isinstance(value, BNode):
                    prop.nested[value] = node_view(store, value, depth + 1, page)
            # Blank nodes have no stable name: order them by what they say.
            prop.values.sort(key=lambda t: (_value_key(t), _signature(prop.nested.get(t.node))))
        view.properties.append(prop)
    view.properties.sort(key=_order_key)
    return view


def hash_parts(store: Store, iri: URIRef) -> list[URIRef]:
    """The hash IRIs of a resource (its times, citations), sorted."""
    return store.hash_parts(iri)


def incoming(store: Store, iri: URIRef) -> tuple[list[Incoming], int]:
    """What links to the resource, sorted by the linking node's label, and how many links there
    are in all: past PAGE_LIMIT, the first PAGE_LIMIT by IRI."""
    total = count(store, INCOMING_COUNT, iri)
    labels = LabelCollector()
    pairs: list[tuple[Node, Node]] = []
    if total <= PAGE_LIMIT:
        for row in store.query(INCOMING, {"r": iri}):
            labels.add(row.s, row.s_lp, row.s_label)
            labels.add(row.p, row.p_lp, row.p_label)
            if (row.s, row.p) not in pairs:
                pairs.append((row.s, row.p))
    else:
        pairs = [(row.s, row.p) for row in store.query(INCOMING_FIRST, {"r": iri})]
        add_labels(store, labels, {node for pair in pairs for node in pair})
    out = [Incoming(labels.term(s), labels.term(p)) for s, p in pairs]
    return sorted(out, key=lambda i: (i.subject.label.lower(), i.predicate.label.lower())), total


def count(store: Store, query: str, iri: URIRef) -> int:
    """The single COUNT a query answers about the resource ?r."""
    return next((int(row.n) for row in store.query(query, {"r": iri})), 0)


def add_labels(store: Store, labels: LabelCollector, nodes: Iterable[Node]) -> None:
    """Label candidates for many nodes at once, each node bound by a VALUES row."""
    iris = sorted(n for n in nodes if isinstance(n, URIRef))
    for start in range(0, len(iris), PAGE_LIMIT):
        rows = [[iri] for iri in iris[start : start + PAGE_LIMIT]]
        for row in store.query(with_value_rows(LABELS, ["n"], rows)):
            labels.add(row.n, row.n_lp, row.n_label)


def citations(store: Store, nodes: list[URIRef]) -> list[Citation]:
    """The sources behind the nodes and their verbatim quotes; plain prov:wasDerivedFrom too."""
    out: list[Citation] = []
    seen_sources: set[tuple[Node, Node]] = set()
    for node in nodes:
        labels = LabelCollector(nodes[0])
        rows = list(store.query(CITATIONS, {"fact": node}))
        for row in rows:
            labels.add(row.source, row.source_lp, row.source_label)
        for row in rows:
            fact, src = labels.term(node), labels.term(row.source)
            cite = Citation(fact, src, _text(row.quote), row.cite, _text(row.locator))
            if cite not in out:
                out.append(cite)
            seen_sources.add((node, row.source))
        derived = list(store.query(DERIVED_FROM, {"r": node}))
        for row in derived:
            labels.add(row.source, row.source_lp, row.source_label)
        for row in derived:
            if (node, row.source) not in seen_sources:
                seen_sources.add((node, row.source))
                out.append(Citation(labels.term(node), labels.term(row.source), ""))
    return sorted(out, key=lambda c: (nodes.index(c.fact.node), c.source.label, c.quote))


def cited_by(store: Store, source: URIRef) -> tuple[list[Citation], int]:
    """The facts that cite this node as their source, with the quotes or locators they rest on,
    and how many there are in all: past PAGE_LIMIT, the first PAGE_LIMIT by IRI."""
    total = count(store, CITED_BY_COUNT, source)
    if not total:
        return [], 0
    rows = list(store.query(CITED_BY, {"r": source}))
    labels = LabelCollector()
    add_labels(store, labels, {row.fact for row in rows})
    src = Term(source, "")
    out = {
        Citation(labels.term(row.fact), src, _text(row.quote), row.cite, _text(row.locator))
        for row in rows
    }
    return sorted(out, key=_by_fact), total


def _by_fact(c: Citation) -> tuple[str, str, str, str]:
    return (c.fact.label.lower(), str(c.fact.node), c.quote, c.locator)


def _text(value: Node | None) -> str:
    return "" if value is None else str(value)


def describe(store: Store, iri: URIRef) -> Description:
    """The page of a resource; NotFound when the graph says nothing about it."""
    main = node_view(store, iri)
    parts = [node_view(store, part, page=iri) for part in hash_parts(store, iri)]
    links, links_total = incoming(store, iri)
    if not main.properties and not main.types and not parts and not links:
        raise NotFound(f"the graph has nothing about <{iri}>")
    facts, facts_total = cited_by(store, iri)
    return Description(
        main=main,
        parts=parts,
        incoming=links,
        sources=citations(store, [iri, *(p.node for p in parts)]),
        cited_by=facts,
        incoming_total=links_total,
        cited_by_total=facts_total,
    )


DESCRIBE_TRIPLES = """
SELECT ?s ?p ?o WHERE {
    { ?r ?p ?o BIND(?r AS ?s) }
    UNION
    { ?s ?p ?r BIND(?r AS ?o) }
}"""


def description_graph(store: Store, iri: URIRef) -> Graph:
    """The triples of the resource, its hash parts and blank nodes, and the triples into them."""
    graph = Graph()
    bind_prefixes(graph)
    todo: list[Node] = [iri, *hash_parts(store, iri)]
    done: set[Node] = set()
    while todo:
        node = todo.pop()
        if node in done:
            continue
        done.add(node)
        for row in store.query(DESCRIBE_TRIPLES, {"r": node}):
            graph.add((row.s, row.p, row.o))
            if row.s == node and isinstance(row.o, BNode):
                todo.append(row.o)
    if not len(graph):
        raise NotFound(f"the graph has nothing about <{iri}>")
    return graph
