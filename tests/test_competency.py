"""Each competency question of shared/competency-questions.md, answered by SPARQL on every kind
of store (the session's `store` fixture runs each test on Oxigraph, rdflib and a remote server)."""

from __future__ import annotations

from kgraph.queries import load_queries
from kgraph.store import Store


def rows(store: Store, name: str) -> list[dict[str, str]]:
    """The answer of a competency query as dicts of plain strings."""
    query = load_queries("competency")[name]
    result = store.query(query.sparql)
    names = [str(v) for v in result.vars]
    return [{n: ("" if r[i] is None else str(r[i])) for i, n in enumerate(names)} for r in result]


def src(row: dict[str, str]) -> str:
    """The three-digit article number of a source file name."""
    return row["source"][:3]


def test_every_competency_question_has_a_query() -> None:
    assert len(load_queries("competency")) == 10


def test_cq01_roles_of_nick_whitfield(store: Store) -> None:
    got = {
        (r["roleLabel"], r["organisationLabel"], r["attested"] or r["beginning"], src(r))
        for r in rows(store, "cq01-roles-of-nick-whitfield")
    }
    dcs = "Director of children's services"
    kingston = "Royal Borough of Kingston upon Thames"
    richmond = "London Borough of Richmond upon Thames"
    expected = {
        (dcs, richmond, "2012-07-10", "004"),
        ("Drafted in (role not stated)", kingston, "2012-07-10", "004"),
        (dcs, kingston, "2013", "002"),
        ("Chief executive", "Achieving for Children", "2015", "001"),
        (dcs, kingston, "2015", "001"),
        (dcs, richmond, "2015", "001"),
        (dcs, kingston, "2015", "000"),
    }
    assert expected <= got
    assert {g[3] for g in got} == {"000", "001", "002", "004"}


def test_cq01_semi_retirement_announced_in_2015(store: Store) -> None:
    result = store.query(
        """SELECT ?when ?source WHERE {
            ?e a kg:Announcement ; kg:agent <https://w3id.org/kgraph/id/person/nick-whitfield> ;
               prov:qualifiedDerivation [ prov:entity/dcterms:identifier ?source ; kg:quote ?q ] .
            FILTER (CONTAINS(LCASE(?q), "semi-retirement"))
            OPTIONAL { ?e kg:atTime/(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear) ?when }
        }"""
    )
    answers = {(str(r.when)[:4], str(r.source)[:3]) for r in result}
    assert answers == {("2015", "000")}


def test_cq02_roles_of_andrea_craig_in_order(store: Store) -> None:
    got = [
        (r["roleLabel"], r["attested"], src(r))
        for r in rows(store, "cq02-roles-of-andrea-craig")
        if r["roleLabel"] != "Councillor"
    ]
    assert got == [
        ("Opposition lead member for children and young people", "2013", "002"),
        ("Cabinet member for education and skills", "2015", "000"),
    ]


def test_cq03_kingston_council_leaders(store: Store) -> None:
    got = {
        (r["name"], r["attested"], r["endedBefore"], src(r))
        for r in rows(store, "cq03-kingston-council-leaders")
    }
    assert got == {
        ("Derek Osbourne", "2012-07-10", "", "004"),
        ("Liz Green", "2013", "", "002"),
        ("Derek Osbourne", "", "2013", "002"),
    }


def test_cq04_overall_judgements_in_order(store: Store) -> None:
    got = [
        (r["inspection"].rsplit("/", 1)[-1], r["gradeLabel"], set(r["sources"].split()))
        for r in rows(store, "cq04-kingston-overall-judgements")
    ]
    # The articles' four inspections come first, in order; official data adds later ones.
    assert [(i, g) for i, g, _ in got[:4]] == [
        ("kingston-upon-thames-2012", "Inadequate"),
        ("kingston-upon-thames-2013", "Inadequate"),
        ("kingston-upon-thames-2015", "Good"),
        ("kingston-upon-thames-outstanding", "Outstanding"),
    ]
    sources = [{s[:3] for s in srcs} for _, _, srcs in got]
    assert sources[0] >= {"004", "000"}
    assert sources[1] >= {"002", "000"}
    assert sources[2] >= {"001", "000"}
    # The outstanding inspection is one node: the article and Ofsted's official file.
    assert sources[3] == {"003", "LA_"}
    assert all(srcs == {"LA_"} for srcs in sources[4:])


def test_cq04_unannounced_june_2013(store: Store) -> None:
    inspection = "https://w3id.org/kgraph/id/inspection/kingston-upon-thames-2013"
    assert store.query(f"ASK {{ <{inspection}> kg:announced false }}").askAnswer


def test_cq04_outstanding_follows_2015_and_no_article_dates_it(store: Store) -> None:
    base = "https://w3id.org/kgraph/id/inspection/kingston-upon-thames-"
    assert store.query(
        f"ASK {{ <{base}outstanding> kg:previousInspection <{base}2015> }}"
    ).askAnswer
    # Its dates come from Ofsted's official file only; the article gives none.
    dated_by_article = f"""ASK {{
        <{base}outstanding> kg:visitTime|kg:publicationTime|kg:reportedTime ?t .
        ?t prov:wasDerivedFrom ?source . ?source a kg:Article }}"""
    assert not store.query(dated_by_article).askAnswer


def test_cq05_june_2013_areas(store: Store) -> None:
    got = rows(store, "cq05-june-2013-judgements")
    assert {(r["areaLabel"], r["gradeLabel"]) for r in got if src(r) == "002"} == {
        ("Help and protection", "Inadequate"),
        ("Quality of practice", "Inadequate"),
        ("Leadership and governance", "Inadequate"),
        ("Overall effectiveness", "Inadequate"),
    }
    assert {r["gradeLabel"] for r in got} == {"Inadequate"}


def test_cq06_outstanding_areas(store: Store) -> None:
    got = {(r["areaLabel"], r["gradeLabel"]) for r in rows(store, "cq06-outstanding-judgements")}
    assert got == {
        ("The experiences and progress of children who need help and protection", "Good"),
        ("The experiences and progress of children in care and care leavers", "Outstanding"),
        ("The impact of leaders on social work practice with children and families", "Outstanding"),
        ("Overall effectiveness", "Outstanding"),
    }
    # Both the article and Ofsted's official file state these grades.
    assert {src(r) for r in rows(store, "cq06-outstanding-judgements")} == {"003", "LA_"}


def test_cq07_achieving_for_children(store: Store) -> None:
    got = rows(store, "cq07-who-runs-kingston-services")
    assert len(got) == 1
    (row,) = got
    assert row["providerLabel"] == "Achieving for Children"
    assert row["kindLabel"] == "Community interest company"
    assert row["beginning"] == "2014-04"
    assert set(row["owners"].split("; ")) == {
        "Royal Borough of Kingston upon Thames",
        "London Borough of Richmond upon Thames",
    }
    assert set(row["runsServicesOf"].split("; ")) == set(row["owners"].split("; "))


def test_cq08_sources_for_2012_inadequate(store: Store) -> None:
    got = rows(store, "cq08-sources-kingston-inadequate-2012")
    stating = {src(r) for r in got if r["statesGrade"] == "true"}
    referring = {src(r) for r in got if r["statesGrade"] == "false"}
    assert stating == {"004", "000", "001"}
    assert "002" in referring
    assert any("disastrous 2012 inspection" in r["quote"] for r in got if src(r) == "002")


def test_cq09_outstanding_recommendations(store: Store) -> None:
    got = rows(store, "cq09-outstanding-recommendations")
    assert len(got) == 2
    text = " ".join(r["statement"] for r in got).lower()
    assert "child in need plans" in text and "disabled children" in text
    assert "post-16 pathways into employment" in text and "apprenticeships" in text
    assert {src(r) for r in got} == {"003"}


def test_cq10_dates_of_the_inadequate_judgements(store: Store) -> None:
    got = {
        (r["inspection"].rsplit("-", 1)[-1], r["kind"], r["date"], src(r))
        for r in rows(store, "cq10-inadequate-dates")
    }
    assert ("2012", "reported", "2012-07-10", "004") in got
    assert ("2012", "reported", "2012-06", "000") in got
    assert ("2013", "visit", "2013-06", "002") in got
    assert ("2013", "reported", "2013-07", "000") in got
