"""A linked-data tool that knows only ORG and OWL-Time can answer who held which role when."""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import ORG, TIME
from rdflib.plugins.sparql import prepareQuery

from kgraph.store import load_store

PERSON = "https://w3id.org/kgraph/id/person/nick-whitfield"
DATE = "(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear)"

# Only org: and time: terms: no kgraph term, no rdfs:label, no rdf:type.
QUERY = f"""
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX time: <http://www.w3.org/2006/time#>
SELECT ?membership ?role ?organization ?beginning ?end ?inside ?before WHERE {{
  ?membership org:member <{PERSON}> ;
      org:role ?role ;
      org:organization ?organization ;
      org:memberDuring ?interval .
  OPTIONAL {{ ?interval time:hasBeginning/{DATE} ?beginning }}
  OPTIONAL {{ ?interval time:hasEnd/{DATE} ?end }}
  OPTIONAL {{ ?interval time:inside/{DATE} ?inside }}
  OPTIONAL {{ ?interval time:before/{DATE} ?before }}
}}
"""


def iris_in(node: object) -> set[str]:
    """Every IRI that occurs anywhere in a parsed query's algebra."""
    found: set[str] = set()
    if isinstance(node, URIRef):
        found.add(str(node))
    elif isinstance(node, dict):
        for value in node.values():
            found |= iris_in(value)
    elif isinstance(node, list | tuple | set):
        for value in node:
            found |= iris_in(value)
    elif hasattr(node, "items"):
        for _, value in node.items():
            found |= iris_in(value)
    elif hasattr(node, "__dict__"):
        found |= iris_in(vars(node))
    return found


def test_query_uses_only_org_and_time_terms() -> None:
    iris = iris_in(prepareQuery(QUERY).algebra) - {PERSON}
    assert iris, "the algebra walk found no IRIs"
    assert all(i.startswith((str(ORG), str(TIME))) for i in iris), sorted(iris)


def test_every_role_of_nick_whitfield_has_a_time() -> None:
    store = load_store()
    rows = list(store.query(QUERY))
    roles = {(str(r.role).rsplit("/", 1)[-1], str(r.organization).rsplit("/", 1)[-1]) for r in rows}
    assert roles >= {
        ("director-of-childrens-services", "richmond-upon-thames"),
        ("drafted-in", "kingston-upon-thames"),
        ("director-of-childrens-services", "kingston-upon-thames"),
        ("chief-executive", "achieving-for-children"),
    }
    for r in rows:
        assert any((r.beginning, r.end, r.inside, r.before)), f"{r.membership} has no time"
    years = sorted({str(r.inside or r.beginning)[:4] for r in rows})
    assert years == ["2012", "2013", "2015"]
