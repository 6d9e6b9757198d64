"""The project's data files read with rdflib alone, to check kgraph's answers independently."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from rdflib import XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import ORG

DATA = Path(__file__).resolve().parents[1] / "data"
# The time vocabulary as a plain namespace (rdflib's closed one warns when pytest inspects it).
TIME = Namespace("http://www.w3.org/2006/time#")
KG = Namespace("https://w3id.org/kgraph/ontology#")
DATE_PROPERTIES = (TIME.inXSDDate, TIME.inXSDgYearMonth, TIME.inXSDgYear)
# A file is read when it states any of these; the large statistics files state none.
ABOUT = ("org:Membership", "kg:Inspection", "kg:ServiceArrangement")


def read_data(about: tuple[str, ...] = ABOUT) -> Graph:
    """The data files that state memberships, inspections or service arrangements."""
    graph = Graph()
    for path in sorted(DATA.rglob("*.ttl")):
        text = path.read_text(encoding="utf-8")
        if any(word in text for word in about):
            graph.parse(data=text, format="turtle", publicID=path.as_uri())
    return graph


def memberships(graph: Graph, **where: URIRef) -> list[URIRef]:
    """Memberships whose person / organisation / role are as given."""
    predicates = {"person": ORG.member, "organisation": ORG.organization, "role": ORG.role}
    return sorted(
        m
        for m in set(graph.subjects(ORG.member, None))
        if all((m, predicates[k], v) in graph for k, v in where.items())
    )


def has_stated_bounds(graph: Graph, membership: URIRef) -> bool:
    """True when a source states its beginning or end: drawn as a bar, not a mark."""
    interval = graph.value(membership, ORG.memberDuring)
    return any((interval, link, None) in graph for link in (TIME.hasBeginning, TIME.hasEnd))


def is_dated(graph: Graph, inspection: URIRef) -> bool:
    """True when any source gives the inspection a visit, publication or reported date."""
    return any(
        graph.value(t, p) is not None
        for link in (KG.visitTime, KG.publicationTime, KG.reportedTime)
        for t in graph.objects(inspection, link)
        for p in DATE_PROPERTIES
    )


def same_values(graph: Graph) -> Graph:
    """Decimals compared by value: a store may write 49.0 as "49" (the same xsd:decimal)."""
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == XSD.decimal:
            o = Literal(str(Decimal(str(o)).normalize()), datatype=XSD.decimal)
        out.add((s, p, o))
    return out
