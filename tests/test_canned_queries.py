"""Each canned query against the project's graph, its answers checked against the data files read
independently with rdflib and counted in Python."""

from __future__ import annotations

from datetime import date

import pytest
from data_files import DATE_PROPERTIES, TIME, is_dated, memberships, read_data
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV

from kgraph.asof import Period
from kgraph.namespaces import ID, KG
from kgraph.queries import load_queries
from kgraph.queries.answers import answer, run_named
from kgraph.store import Store

NICK = ID["person/nick-whitfield"]
LIZ = ID["person/liz-green"]
KINGSTON = ID["authority/kingston-upon-thames"]
AFC = ID["organisation/achieving-for-children"]
COUNCIL_LEADER = ID["role/council-leader"]
INSPECTION_2013 = ID["inspection/kingston-upon-thames-2013"]
OUTSTANDING = ID["inspection/kingston-upon-thames-outstanding"]
CANNED = (
    "roles-of-person",
    "holders-of-role",
    "people-of-organisation",
    "holders-on-date",
    "inspection-history",
    "inspection-judgements",
    "sources-of",
    "service-arrangements",
)


@pytest.fixture(scope="module")
def data() -> Graph:
    """The data files about memberships, inspections and sources, parsed without kgraph."""
    return read_data()


def source_id(graph: Graph, source: URIRef) -> str:
    return str(graph.value(source, DCTERMS.identifier)).removesuffix(".txt")


def instant_value(graph: Graph, interval: URIRef, link: URIRef) -> str | None:
    for instant in graph.objects(interval, link):
        for prop in DATE_PROPERTIES:
            value = graph.value(instant, prop)
            if value is not None:
                return str(value)
    return None


def timing(graph: Graph, m: URIRef) -> dict[str, str | None]:
    interval = graph.value(m, ORG.memberDuring)
    return {
        "beginning": instant_value(graph, interval, TIME.hasBeginning),
        "end": instant_value(graph, interval, TIME.hasEnd),
        "attested": instant_value(graph, interval, TIME.inside),
        "endedBefore": instant_value(graph, interval, TIME.before),
    }


def test_every_canned_query_says_what_it_answers_and_runs_its_example(store: Store) -> None:
    queries = load_queries()
    assert set(CANNED) <= set(queries)
    for name in CANNED:
        query = queries[name]
        assert query.title.endswith("?"), name
        assert len(query.description) > 40, name
        assert query.params, name
        for param in query.params:
            assert param.help and param.example, (name, param.name)
            # bound, never pasted: the query names the variable, not the value
            assert f"?{param.name}" in query.text
            assert param.example not in query.text
        assert answer(store, query, {p.name: p.example for p in query.params}).rows, name


def test_roles_of_person_is_every_membership_of_nick_whitfield(store: Store, data: Graph) -> None:
    rows = run_named(store, "roles-of-person", {"person": str(NICK)}).rows
    expected = {
        (
            str(data.value(m, ORG.role)),
            str(data.value(m, ORG.organization)),
            source_id(data, data.value(m, PROV.wasDerivedFrom)),
            timing(data, m)["attested"],
        )
        for m in memberships(data, person=NICK)
    }
    got = {(r["role"], r["organisation"], r["sourceId"], r["attested"]) for r in rows}
    assert len(rows) == len(expected) == 7
    assert got == expected
    starts = [str(r["beginning"] or r["attested"] or r["endedBefore"] or r["end"]) for r in rows]
    assert starts == sorted(starts)  # earliest first


def test_roles_of_person_says_when_without_widening(store: Store, data: Graph) -> None:
    rows = run_named(store, "roles-of-person", {"person": str(LIZ)}).rows
    assert len(rows) == len(list(memberships(data, person=LIZ)))
    basis = {r["roleLabel"]: r["basis"] for r in rows}
    assert basis["Lead member for children's services"] == (
        "held from 2013-05 to … according to 002_bb58156e29377348"
    )
    assert basis["Council leader"] == "held in 2013 according to 002_bb58156e29377348"
    assert all(r["end"] is None for r in rows)  # no source states an end: none is invented


def test_holders_of_role_is_every_kingston_council_leader(store: Store, data: Graph) -> None:
    values = {"organisation": str(KINGSTON), "role": str(COUNCIL_LEADER)}
    rows = run_named(store, "holders-of-role", values).rows
    expected = {
        (str(data.value(m, ORG.member)), str(m))
        for m in memberships(data, organisation=KINGSTON, role=COUNCIL_LEADER)
    }
    assert {(r["person"], r["membership"]) for r in rows} == expected
    former = [r for r in rows if r["endedBefore"]]
    assert [(r["personLabel"], r["basis"]) for r in former] == [
        ("Derek Osbourne", "held before 2013 (former, according to 002_bb58156e29377348)")
    ]


def test_people_of_organisation_is_every_membership_there(store: Store, data: Graph) -> None:
    for org in (KINGSTON, AFC, ID["organisation/ofsted"]):
        rows = run_named(store, "people-of-organisation", {"organisation": str(org)}).rows
        assert {r["membership"] for r in rows} == {
            str(m) for m in memberships(data, organisation=org)
        }


def expected_on(data: Graph, organisation: URIRef, day: date) -> tuple[set[str], set[str]]:
    """(memberships the sources show held on day, last attestations before it), in Python."""
    evidence: set[str] = set()
    earlier: dict[tuple[str, str], list[tuple[date, str]]] = {}
    for m in memberships(data, organisation=organisation):
        t = {k: Period.parse(v) if v else None for k, v in timing(data, m).items()}
        if t["beginning"] or t["end"]:
            after_start = t["beginning"] is None or t["beginning"].first <= day
            before_end = t["end"] is None or day <= t["end"].last
            if after_start and before_end:
                evidence.add(str(m))
        elif t["attested"]:
            if t["attested"].contains(day):
                evidence.add(str(m))
            elif t["attested"].last < day:
                key = (str(data.value(m, ORG.member)), str(data.value(m, ORG.role)))
                earlier.setdefault(key, []).append((t["attested"].last, str(m)))
        elif t["endedBefore"] and day <= t["endedBefore"].last:
            evidence.add(str(m))
    held = {
        (str(data.value(URIRef(m), ORG.member)), str(data.value(URIRef(m), ORG.role)))
        for m in evidence
        if timing(data, URIRef(m))["endedBefore"] is None
    }
    last: set[str] = set()
    for key, dated in earlier.items():
        if key not in held:
            latest = max(d for d, _ in dated)
            last |= {m for d, m in dated if d == latest}
    return evidence, last


@pytest.mark.parametrize(
    "day", ["2012-07-10", "2013-05-15", "2013-07-01", "2015-06-01", "2016-01-01"]
)
def test_holders_on_date_agrees_with_the_data(store: Store, data: Graph, day: str) -> None:
    rows = run_named(store, "holders-on-date", {"organisation": str(KINGSTON), "date": day}).rows
    evidence, last = expected_on(data, KINGSTON, date.fromisoformat(day))
    assert {r["membership"] for r in rows if r["evidence"]} == evidence
    assert {r["membership"] for r in rows if not r["evidence"]} == last
    assert all(r["certainty"] and r["basis"] for r in rows)


def test_holders_on_2013_07_01_reads_precision_right(store: Store) -> None:
    rows = run_named(
        store, "holders-on-date", {"organisation": str(KINGSTON), "date": "2013-07-01"}
    ).rows
    by = {
        (r["personLabel"], r["roleLabel"], r["attested"] or r["beginning"] or r["endedBefore"]): r
        for r in rows
    }
    # an attestation in the year 2013 is evidence "in the same year"
    assert by[("Liz Green", "Council leader", "2013")]["certainty"] == "attested in the same year"
    # one on 2012-07-10 is not evidence for 2013-07-01: listed apart as the last attestation
    osbourne = by[("Derek Osbourne", "Council leader", "2012-07-10")]
    assert (osbourne["evidence"], osbourne["certainty"]) == (
        False,
        "not evidence: last attested before the date",
    )
    # a stated beginning, no end
    lead = by[("Liz Green", "Lead member for children's services", "2013-05")]
    assert lead["certainty"] == "after stated beginning; end not stated"
    # Patricia Bamford's role ended in May 2013: not held on 1 July
    assert "Patricia Bamford" not in {r["personLabel"] for r in rows}
    # Nick Whitfield's 2015 attestations say nothing of 2013
    assert all(r["attested"] != "2015" for r in rows)


def test_inspection_history_is_every_judgement_of_kingston(store: Store, data: Graph) -> None:
    rows = run_named(store, "inspection-history", {"authority": str(KINGSTON)}).rows
    inspections = set(data.subjects(KG.inspected, KINGSTON))
    expected = {
        (str(i), str(data.value(j, KG.judgementArea)), str(data.value(j, KG.grade)))
        for i in inspections
        for j in data.subjects(KG.ofInspection, i)
        if (j, KG.grade, None) in data
    }
    assert {(r["inspection"], r["area"], r["grade"]) for r in rows} == expected
    assert len(rows) == len(expected) >= 10
    dates = {r["inspection"]: r["date"] for r in rows}
    # of the dates sources give, the one that ends first: June 2012 (000) before 2012 or 10 July
    assert dates[str(ID["inspection/kingston-upon-thames-2012"])] == "2012-06"
    assert dates[str(INSPECTION_2013)] == "2013-06"  # visited June 2013 (002)
    undated = {str(i) for i in inspections if not is_dated(data, i)}
    assert {i for i, d in dates.items() if d is None} == undated
    previous = {r["inspection"]: r["previous"] for r in rows}
    assert previous[str(OUTSTANDING)] == str(ID["inspection/kingston-upon-thames-2015"])
    order = list(dict.fromkeys(r["inspection"] for r in rows))
    ends = [Period.parse(str(dates[i])).last for i in order if dates[i] is not None]
    assert ends == sorted(ends)  # in time order, the undated ones last
    assert all(dates[i] is None for i in order[len(ends) :])
    for r in rows:
        stated = {
            source_id(data, s)
            for j in data.subjects(KG.ofInspection, URIRef(r["inspection"]))
            if (j, KG.judgementArea, URIRef(r["area"])) in data
            for s in data.objects(j, PROV.wasDerivedFrom)
        }
        assert set(str(r["sources"]).split()) == stated


def test_inspection_judgements_of_2013_with_sources_and_quotes(store: Store, data: Graph) -> None:
    rows = run_named(store, "inspection-judgements", {"inspection": str(INSPECTION_2013)}).rows
    judgements = {
        j for j in data.subjects(KG.ofInspection, INSPECTION_2013) if data.value(j, KG.grade)
    }
    expected = {
        (
            str(data.value(j, KG.judgementArea)),
            source_id(data, data.value(c, PROV.entity)),
            str(data.value(c, KG.quote)),
        )
        for j in judgements
        for c in data.objects(j, PROV.qualifiedDerivation)
    }
    assert {(r["area"], r["sourceId"], r["quote"]) for r in rows} == expected
    assert rows[0]["areaLabel"] == "Overall effectiveness"
    assert {r["gradeLabel"] for r in rows} == {"Inadequate"}


def test_sources_of_covers_the_resource_and_its_parts(store: Store, data: Graph) -> None:
    rows = run_named(store, "sources-of", {"resource": str(INSPECTION_2013)}).rows
    prefix = str(INSPECTION_2013) + "#"
    expected = {
        (str(fact), str(data.value(c, PROV.entity)), str(data.value(c, KG.quote)))
        for fact, c in data.subject_objects(PROV.qualifiedDerivation)
        if fact == INSPECTION_2013 or str(fact).startswith(prefix)
    }
    assert {(r["fact"], r["source"], r["quote"]) for r in rows} == expected
    assert rows[0]["fact"] == str(INSPECTION_2013)
    assert any(str(r["fact"]).endswith("#visit-002") for r in rows)  # a time node cites too


def test_service_arrangements_of_kingston(store: Store, data: Graph) -> None:
    rows = run_named(store, "service-arrangements", {"authority": str(KINGSTON)}).rows
    arrangements = set(data.subjects(KG.client, KINGSTON))
    expected = {
        (str(a), source_id(data, s))
        for a in arrangements
        for s in data.objects(a, PROV.wasDerivedFrom)
    }
    assert {(r["arrangement"], r["sourceId"]) for r in rows} == expected
    assert {(r["providerLabel"], r["beginning"], r["end"]) for r in rows} == {
        ("Achieving for Children", "2014-04", None)
    }
