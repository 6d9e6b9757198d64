"""The questions the official data answers, as canned queries: each answer is checked against
one computed here from the published files themselves (tests/official_files.py)."""

from __future__ import annotations

from collections import defaultdict

import official_files as files
import pytest

from kgraph.namespaces import ID
from kgraph.queries import load_queries
from kgraph.queries.answers import answer
from kgraph.store import Store

OFFICIAL_QUERIES = (
    "ilacs-improved",
    "rated-in-region",
    "ofsted-inspections",
    "child-protection-plans-and-grades",
    "graded-while-agency-rate-above-national",
)
GRADED = ("ILACS Standard Inspection", "ILACS Short Inspection")


def run(store: Store, name: str, **params: str) -> list[dict[str, object]]:
    query = load_queries()[name]
    values = {p.name: p.example for p in query.params} | params
    return answer(store, query, values).rows


def graded() -> dict[str, list[dict[str, str]]]:
    """Each authority's graded inspections from Ofsted's sheets, oldest first, by GSS code."""
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for (gss, _), record in sorted(files.inspections().items()):
        if record["type"] in GRADED:
            out[gss].append(record)
    return out


def test_each_query_says_what_it_answers_and_binds_its_parameters() -> None:
    queries = load_queries()
    for name in OFFICIAL_QUERIES:
        query = queries[name]
        assert query.title.endswith("?"), name
        assert query.params, name
        for param in query.params:
            assert param.help and param.example, (name, param.name)
            assert f"?{param.name}" in query.text
            assert param.example not in query.text


def test_authorities_whose_grade_improved_from_first_to_latest_ilacs(store: Store) -> None:
    expected = {}
    for gss, records in graded().items():
        first, latest = records[0], records[-1]
        if files.RANK[latest["Overall effectiveness"]] < files.RANK[first["Overall effectiveness"]]:
            expected[gss] = (
                first["visited"],
                first["Overall effectiveness"],
                latest["visited"],
                latest["Overall effectiveness"],
            )
    rows = run(store, "ilacs-improved")
    got = {
        r["gssCode"]: (r["firstVisited"], r["firstGrade"], r["latestVisited"], r["latestGrade"])
        for r in rows
    }
    assert len(rows) == len(got) == len(expected) > 10
    assert got == expected


def test_london_authorities_rated_outstanding(store: Store) -> None:
    expected = {
        r["Local authority area code"]
        for r in files.sheet("Inspections_as_at_31_March")
        if r["Ofsted region"] == "London" and r["Overall effectiveness"] == "Outstanding"
    }
    rows = run(store, "rated-in-region")
    assert {r["gssCode"] for r in rows} == expected
    assert str(ID["authority/kingston-upon-thames"]) in {r["authority"] for r in rows}


def test_another_region_and_grade(store: Store) -> None:
    expected = {
        r["Local authority area code"]
        for r in files.sheet("Inspections_as_at_31_March")
        if r["Ofsted region"] == "North West" and r["Overall effectiveness"] == "Inadequate"
    }
    rows = run(
        store,
        "rated-in-region",
        region=str(ID["ofsted-region/north-west"]),
        grade=str(ID["grade/inadequate"]),
    )
    assert expected and {r["gssCode"] for r in rows} == expected


TYPE = {
    "ILACS Standard Inspection": "Standard inspection",
    "ILACS Short Inspection": "Short inspection",
    "ILACS Focused Visit": "Focused visit",
    "LA Monitoring visit": "Monitoring visit",
}
AREAS = (
    "Overall effectiveness",
    "The impact of leaders on social work practice with children and families",
    "The experiences and progress of children who need help and protection",
    "The experiences and progress of children in care",
    "The experiences and progress of care leavers",
)


def expected_history(gss: str) -> set[tuple[object, ...]]:
    out = set()
    for (code, visited), record in files.inspections().items():
        if code != gss:
            continue
        head = (visited, files.iso(record["Publication date"]), TYPE[record["type"]])
        theme = record.get("theme") or None
        judged = [(a, record[a]) for a in AREAS if record.get(a)]
        if not judged:
            out.add((*head, theme, None, None))
        for area, grade in judged:
            if area.endswith("children in care") and visited < "2023-01-01":
                area = "The experiences and progress of children in care and care leavers"
            out.add((*head, theme, area, grade))
    return out


@pytest.mark.parametrize(
    ("authority", "gss"),
    [("authority/kingston-upon-thames", "E09000021"), ("authority/e06000010", "E06000010")],
)
def test_an_authoritys_inspection_history_with_every_judgement(
    store: Store, authority: str, gss: str
) -> None:
    rows = run(store, "ofsted-inspections", authority=str(ID[authority]))
    got = {
        (
            r["visited"],
            r["published"],
            r["typeLabel"],
            r.get("themeLabel"),
            r.get("areaLabel"),
            r.get("gradeLabel"),
        )
        for r in rows
    }
    assert len(got) == len(rows)
    assert got == expected_history(gss)
    assert [r["visited"] for r in rows] == sorted(r["visited"] for r in rows)


def test_children_on_plans_per_year_next_to_grades(store: Store) -> None:
    """Barnet, which no article names: every figure and grade comes from the files."""
    code = files.dfe_codes()["E09000003"]
    expected_children = {
        row["time_period"]: row["CPP_At31"]
        for _, row in files.rows(files.CPP)
        if row["old_la_code"] == code
    }
    expected_grades: dict[str, list[str]] = defaultdict(list)
    for record in graded()["E09000003"]:
        expected_grades[record["visited"][:4]].append(record["Overall effectiveness"])
    rows = run(store, "child-protection-plans-and-grades", authority=str(ID["authority/e09000003"]))
    assert not set(expected_children.values()) & files.SUPPRESSED
    assert {r["year"]: str(r["children"]) for r in rows} == expected_children
    assert {r["date"] for r in rows} == {f"{y}-03-31" for y in expected_children}
    got_grades = {
        r["year"]: sorted(g.split(" (")[0] for g in r["grades"].split("; ") if g) for r in rows
    }
    for year in expected_children:
        assert got_grades[year] == sorted(expected_grades.get(year, [])), year


def test_kingstons_plans_in_2013_give_both_figures(store: Store) -> None:
    rows = run(store, "child-protection-plans-and-grades")
    in_2013 = {(r["date"], r["children"], r["source"]) for r in rows if r["year"] == "2013"}
    assert in_2013 == {
        ("2013-03-31", 163, files.CPP.name),
        ("2013-06", 161, "002_bb58156e29377348.txt"),
    }


def test_inadequate_while_agency_rate_above_national(store: Store) -> None:
    codes = files.dfe_codes()
    rates: dict[tuple[str, str], str] = {}
    national: dict[str, str] = {}
    for _, row in files.rows(files.CSWW):
        if row["geographic_level"] == "National":
            national[row["time_period"]] = row["agency_rate_fte"]
        elif row["geographic_level"] == "Local authority":
            rates[(row["old_la_code"], row["time_period"])] = row["agency_rate_fte"]
    expected = set()
    for gss, records in graded().items():
        for record in records:
            year = record["visited"][:4]
            rate = rates.get((codes.get(gss, ""), year), "x")
            if record["Overall effectiveness"] != "Inadequate" or rate in files.SUPPRESSED:
                continue
            if national.get(year, "x") not in files.SUPPRESSED and float(rate) > float(
                national[year]
            ):
                expected.add((record["visited"], float(rate), float(national[year])))
    rows = run(store, "graded-while-agency-rate-above-national")
    got = {(r["visited"], r["rate"], r["nationalRate"]) for r in rows}
    assert len(got) == len(rows)
    assert got == expected and len(expected) > 10
