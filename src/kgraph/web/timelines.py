"""What a resource page shows over time: a person's roles, an organisation's people, an
authority's inspections beside who ran its services; each a timeline (SVG) and a table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from markupsafe import Markup
from rdflib import URIRef

from kgraph.namespaces import sparql_prologue
from kgraph.queries.answers import Value, run_named
from kgraph.store import Store
from kgraph.timeline import authority_timeline, organisation_timeline, person_timeline

KINDS = """
SELECT ?person ?organisation ?authority ?r WHERE {
  BIND (EXISTS { ?r a/rdfs:subClassOf* kg:Person } AS ?person)
  BIND (EXISTS { ?r a/rdfs:subClassOf* org:Organization } AS ?organisation)
  BIND (EXISTS { ?r a/rdfs:subClassOf* kg:LocalAuthority } AS ?authority)
}"""


@dataclass(frozen=True)
class Column:
    """A table column: its heading, the row value shown, and the row value it links to."""

    heading: str
    label: str
    link: str = ""


@dataclass
class Panel:
    """A picture and, below it, the same facts as a table."""

    title: str
    svg: Markup
    kind: str
    columns: list[Column] = field(default_factory=list)
    rows: list[dict[str, Value]] = field(default_factory=list)


ROLE_COLUMNS = [
    Column("Role", "roleLabel", "role"),
    Column("Organisation", "organisationLabel", "organisation"),
    Column("When", "basis"),
    Column("Source", "sourceId", "source"),
]
PEOPLE_COLUMNS = [
    Column("Person", "personLabel", "person"),
    Column("Role", "roleLabel", "role"),
    Column("When", "basis"),
    Column("Source", "sourceId", "source"),
]


def kinds_of(store: Store, iri: URIRef) -> set[str]:
    """Which of person, organisation, authority the resource is."""
    rows = list(store.query(sparql_prologue() + KINDS, {"r": iri}))
    if not rows:
        return set()
    row = rows[0]
    return {k for k in ("person", "organisation", "authority") if row[k].toPython() is True}


def timeline_panels(
    store: Store, iri: URIRef, name: str, href: Callable[[str], str]
) -> list[Panel]:
    """The panels for a person, an organisation or an authority; none for anything else."""
    kinds = kinds_of(store, iri)
    panels: list[Panel] = []
    if "person" in kinds:
        rows = run_named(store, "roles-of-person", {"person": str(iri)}).rows
        if rows:
            svg = person_timeline(rows, href, name)
            panels.append(Panel("Roles over time", Markup(svg), "person", ROLE_COLUMNS, rows))
    if "authority" in kinds:
        inspections = run_named(store, "inspection-history", {"authority": str(iri)}).rows
        arrangements = run_named(store, "service-arrangements", {"authority": str(iri)}).rows
        providers: list[dict[str, Value]] = []
        for provider in sorted({str(r["provider"]) for r in arrangements}):
            providers += run_named(store, "people-of-organisation", {"organisation": provider}).rows
        people = run_named(store, "people-of-organisation", {"organisation": str(iri)}).rows
        if inspections or arrangements or people:
            svg = authority_timeline(inspections, arrangements, providers, people, href, name)
            panels.append(
                Panel(
                    "Inspections, services and people over time",
                    Markup(svg),
                    "authority",
                    PEOPLE_COLUMNS,
                    people,
                )
            )
    elif "organisation" in kinds:
        rows = run_named(store, "people-of-organisation", {"organisation": str(iri)}).rows
        if rows:
            svg = organisation_timeline(rows, href, name)
            panels.append(
                Panel("People over time", Markup(svg), "organisation", PEOPLE_COLUMNS, rows)
            )
    return panels
