"""Names people type, resolved to the one entity of the kind a command needs, or told apart."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.namespace import ORG

from kgraph.errors import KgraphError, NotFound
from kgraph.namespaces import KG, sparql_prologue
from kgraph.store import Store

# kind -> (class an entity must be an instance of, what to call one)
KINDS: dict[str, tuple[URIRef, str]] = {
    "person": (KG.Person, "person"),
    "organisation": (URIRef(str(ORG.Organization)), "organisation"),
    "authority": (KG.LocalAuthority, "local authority"),
    "role": (URIRef(str(ORG.Role)), "role"),
}

# Entities whose label, alternative label or name contains the name (any case), or that govern an
# area so named; ofKind says whether each is of the wanted kind. The bound ?name and ?kind are
# projected: Oxigraph substitutes only projected variables.
MATCHES = """
SELECT DISTINCT ?entity ?label ?text ?via ?ofKind ?name ?kind WHERE {
  {
    VALUES ?p { rdfs:label skos:altLabel foaf:name skos:prefLabel }
    ?entity ?p ?text .
    BIND ("name" AS ?via)
  } UNION {
    VALUES ?p { rdfs:label skos:altLabel foaf:name }
    ?entity kg:governs ?area .
    ?area ?p ?text .
    BIND ("area" AS ?via)
  }
  FILTER (isIRI(?entity) && CONTAINS(LCASE(STR(?text)), LCASE(STR(?name))))
  BIND (EXISTS { ?entity a/rdfs:subClassOf* ?kind } AS ?ofKind)
  OPTIONAL { ?entity rdfs:label ?label }
}
"""


@dataclass(frozen=True)
class Candidate:
    """An entity a name may mean, with its label."""

    iri: str
    label: str


class AmbiguousName(KgraphError):
    """A name that several entities of the wanted kind answer to; lists them, one a line."""

    exit_code = 1
    title = "Ambiguous name"

    def __init__(self, name: str, kind: str, candidates: list[Candidate]) -> None:
        super().__init__(f"{name!r} names {len(candidates)} {KINDS[kind][1]}s")
        self.candidates = candidates

    def lines(self) -> list[str]:
        """A heading line, then one line per candidate: its label and IRI."""
        width = max(len(c.label) for c in self.candidates)
        return [f"{self.reason}; give one of these names or IRIs:"] + [
            f"  {c.label.ljust(width)}  {c.iri}" for c in self.candidates
        ]


def resolve(store: Store, name: str, kind: str) -> URIRef:
    """The entity of kind that name means: an IRI as given, else one whose label, alternative
    label or name is the name (any case), else one that governs an area so named, else one whose
    label contains it. NotFound when none does; AmbiguousName when several tie."""
    text = name.strip()
    if text.startswith(("http://", "https://")):
        return URIRef(text)
    if not text:
        raise NotFound(f"no {KINDS[kind][1]} has an empty name")
    cls, called = KINDS[kind]
    rows = store.query(sparql_prologue() + MATCHES, {"name": Literal(text), "kind": cls})
    tiers: list[dict[str, str]] = [{}, {}, {}]
    others: dict[str, str] = {}
    for row in rows:
        iri = str(row.entity)
        label = str(row.label) if row.label is not None else iri
        exact = str(row.text).casefold() == text.casefold()
        if not bool(row.ofKind.toPython()):
            if exact and row.via == Literal("name"):
                others[iri] = label
            continue
        if row.via == Literal("name"):
            tiers[0 if exact else 2].setdefault(iri, label)
        elif exact:
            tiers[1].setdefault(iri, label)
    for tier in tiers:
        if len(tier) == 1:
            return URIRef(next(iter(tier)))
        if tier:
            found = [Candidate(iri, label) for iri, label in tier.items()]
            raise AmbiguousName(text, kind, sorted(found, key=lambda c: (c.label.lower(), c.iri)))
    hint = ""
    if others:
        hint = "; it names " + ", ".join(
            f"{label} <{iri}>" for iri, label in sorted(others.items())
        )
    raise NotFound(f"no {called} is named {text!r}{hint}")
