"""The official data in the graph: the import is repeatable to the byte, and every authority,
inspection, judgement and figure of the files is in the graph as the files give it (read here
directly, tests/official_files.py), citing its file; Kingston from the articles and from the files
is one node."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import official_files as files
import pytest
from click.testing import CliRunner
from rdflib import Literal, URIRef

from kgraph.cli import main
from kgraph.namespaces import ID
from kgraph.official.build import Layout, build
from kgraph.settings import Settings
from kgraph.store import Store

SETTINGS = Settings()  # the project's own folders, whatever the environment
OFFICIAL = SETTINGS.data_dir / "official"
KINGSTON = ID["authority/kingston-upon-thames"]
OUTSTANDING = ID["inspection/kingston-upon-thames-outstanding"]
ODS_SOURCE = ID["source/la-inspection-outcomes-as-at-31-march-2025"]
AREA_COLUMNS = ("Local authority area code", "Local authority name")


def select(store: Store, sparql: str, **bindings: object) -> list[dict[str, object]]:
    """Rows of a query as dicts of Python values (IRIs as strings)."""
    terms = {k: v if isinstance(v, URIRef | Literal) else Literal(v) for k, v in bindings.items()}
    out = []
    for row in store.query(sparql, terms):
        out.append(
            {
                str(var): (value.toPython() if isinstance(value, Literal) else str(value))
                for var, value in zip(row.labels, row, strict=True)
                if value is not None
            }
        )
    return out


@pytest.fixture
def store(default_store: Store) -> Store:
    """These tests check the data, not the kinds of store: the session's default store."""
    return default_store


# --- the import --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built() -> dict[str, bytes]:
    return build(Layout.of(SETTINGS))


def test_importing_again_gives_the_committed_bytes(built: dict[str, bytes]) -> None:
    generated = {p.name for p in OFFICIAL.glob("*.ttl")} - {"vocabulary.ttl"}
    assert set(built) == generated
    for name, data in built.items():
        assert (OFFICIAL / name).read_bytes() == data, f"{name} is stale: run kgraph import"


def test_import_is_byte_identical_across_processes(tmp_path: Path) -> None:
    """Two processes with different hash seeds write the same bytes as the committed files."""
    for seed in ("1", "2"):
        out = tmp_path / seed
        subprocess.run(
            [sys.executable, "-m", "kgraph", "import", "--out", str(out)],
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
        )
        for path in sorted(out.glob("*.ttl")):
            assert path.read_bytes() == (OFFICIAL / path.name).read_bytes(), path.name


def test_import_check_says_whether_the_committed_files_are_current(tmp_path: Path) -> None:
    cli = CliRunner()
    current = cli.invoke(main, ["import", "--check"])
    assert current.exit_code == 0, current.output
    stale = cli.invoke(main, ["import", "--check", "--out", str(tmp_path)])
    assert stale.exit_code == 1
    assert "out of date" in stale.output


def test_a_broken_raw_file_is_one_line_and_exit_1(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    for path in files.RAW.iterdir():
        (raw / path.name).write_bytes(path.read_bytes())
    text = (raw / files.CPP.name).read_text(encoding="utf-8")
    (raw / files.CPP.name).write_text(text.replace(",163,46,", ",16x,46,", 1), encoding="utf-8")
    result = CliRunner().invoke(main, ["import", "--raw", str(raw), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "CPP_At31 is '16x', neither an integer nor a status" in result.output


def test_raw_files_are_the_published_copies() -> None:
    shared = SETTINGS.data_dir.parents[1] / "shared" / "data" / "official"
    if not shared.is_dir():
        pytest.skip("no shared copy of the official files to compare with")
    for path in shared.iterdir():
        assert (files.RAW / path.name).read_bytes() == path.read_bytes(), path.name


# --- sources -----------------------------------------------------------------------------------


def test_each_file_is_a_source_with_publisher_title_date_and_licence(store: Store) -> None:
    found = select(
        store,
        """SELECT ?source ?file ?publisher ?title ?date ?licence WHERE {
            ?source a kg:OfficialStatistics ; dcterms:identifier ?file ;
                dcterms:publisher/rdfs:label ?publisher ; dcterms:title ?title ;
                dcterms:date ?date ; dcterms:license ?licence .
        }""",
    )
    assert {r["file"] for r in found} == {p.name for p in files.RAW.iterdir()}
    assert {r["licence"] for r in found} == {
        "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
    }
    ods = next(r for r in found if r["file"] == files.ODS.name)
    assert ods["publisher"] == "Ofsted"
    assert ods["title"] == "Local authority inspection outcomes as at 31 March 2025"
    assert str(ods["date"]) == "2025-09-25"
    assert {r["publisher"] for r in found if r is not ods} == {"Department for Education"}


# --- authorities -------------------------------------------------------------------------------


def test_all_153_authorities_with_codes_name_region_and_page(store: Store) -> None:
    latest = files.sheet("Inspections_as_at_31_March")
    assert len(latest) == 153
    codes = files.dfe_codes()
    got = {
        r["gss"]: r
        for r in select(
            store,
            """SELECT ?authority ?gss ?dfe ?name ?region ?page WHERE {
                ?authority a kg:LocalAuthority ; kg:gssCode ?gss ; foaf:page ?page ;
                    kg:ofstedRegion/rdfs:label ?region .
                OPTIONAL { ?authority kg:dfeCode ?dfe }
                ?authority rdfs:label|skos:altLabel ?name .
                FILTER NOT EXISTS { ?authority kg:authorityStatus ?s .
                                    ?s rdfs:label "No longer exists"@en }
            }""",
        )
        if r["name"] in {rec["Local authority name"] for rec in latest}
    }
    assert len(got) == 153
    for record in latest:
        row = got[record["Local authority area code"]]
        assert row["name"] == record["Local authority name"]
        assert row["region"] == record["Ofsted region"]
        assert row["page"] == record["link"]
        assert row["dfe"] == codes[record["Local authority area code"]]


def test_a_page_that_ends_in_another_code_is_noted(store: Store) -> None:
    """Ofsted links North Northamptonshire to .../941, West Northamptonshire's DfE code."""
    [row] = select(
        store,
        "SELECT ?dfe ?note WHERE { ?a kg:gssCode 'E06000061' ; kg:dfeCode ?dfe ; kg:note ?note }",
    )
    assert row["dfe"] == "940"
    assert "941" in row["note"]


def test_kingston_is_matched_by_code_not_by_name(store: Store) -> None:
    found = select(
        store,
        """SELECT ?authority ?gss WHERE {
            ?authority a kg:LocalAuthority ; kg:gssCode ?gss .
            FILTER (CONTAINS(STR(?authority), "kingston") || ?gss IN ("E09000021", "E06000010"))
        }""",
    )
    assert {(r["authority"], r["gss"]) for r in found} == {
        (str(KINGSTON), "E09000021"),
        (str(ID["authority/e06000010"]), "E06000010"),  # Kingston upon Hull
    }


def test_article_authorities_keep_their_label_and_gain_official_facts(store: Store) -> None:
    [row] = select(
        store,
        """SELECT ?label ?alt ?dfe ?region (COUNT(DISTINCT ?source) AS ?sources) WHERE {
            VALUES ?authority { <https://w3id.org/kgraph/id/authority/kingston-upon-thames> }
            ?authority rdfs:label ?label ; skos:altLabel ?alt ; kg:dfeCode ?dfe ;
                kg:ofstedRegion/rdfs:label ?region ; prov:wasDerivedFrom ?source .
            FILTER (?alt = "Kingston upon Thames"@en)
        } GROUP BY ?label ?alt ?dfe ?region""",
    )
    assert row["label"] == "Royal Borough of Kingston upon Thames"
    assert (row["dfe"], row["region"]) == ("314", "London")
    assert row["sources"] == 5 + 2  # five articles, Ofsted's table and the DfE table of its code


# --- inspections -------------------------------------------------------------------------------

GRADE_QUERY = """
SELECT ?gss ?visited ?published ?type ?theme ?area ?grade ?inspection WHERE {
    ?inspection a kg:Inspection ; kg:inspected/kg:gssCode ?gss ;
        kg:visitTime/time:inXSDDate ?visited ; kg:publicationTime/time:inXSDDate ?published ;
        kg:inspectionType/rdfs:label ?type ; prov:wasDerivedFrom ?ods .
    OPTIONAL { ?inspection kg:visitTheme/rdfs:label ?theme }
    OPTIONAL { ?j kg:ofInspection ?inspection ; kg:judgementArea/rdfs:label ?area ;
                  kg:grade/rdfs:label ?grade }
}"""
TYPE_LABEL = {
    "ILACS Standard Inspection": "Standard inspection",
    "ILACS Short Inspection": "Short inspection",
    "ILACS Focused Visit": "Focused visit",
    "LA Monitoring visit": "Monitoring visit",
}
JUDGEMENTS = (
    "Overall effectiveness",
    "The impact of leaders on social work practice with children and families",
    "The experiences and progress of children who need help and protection",
    "The experiences and progress of children in care",
    "The experiences and progress of care leavers",
)


def expected_judgements(record: dict[str, str]) -> set[tuple[str, str]]:
    """(area, grade) of a sheet row; before 2023 the children in care column is the judgement
    on children in care and care leavers together."""
    out = set()
    for column in JUDGEMENTS:
        if record.get(column):
            area = column
            if column.endswith("children in care") and record["visited"] < "2023-01-01":
                area = "The experiences and progress of children in care and care leavers"
            out.add((area, record[column]))
    return out


def test_every_inspection_and_visit_with_type_dates_theme_and_judgements(
    store: Store,
) -> None:
    expected = files.inspections()
    got: dict[tuple[str, str], dict[str, object]] = {}
    for row in select(store, GRADE_QUERY, ods=ODS_SOURCE):
        entry = got.setdefault((row["gss"], str(row["visited"])), {**row, "judged": set()})
        if "area" in row:
            entry["judged"].add((row["area"], row["grade"]))
    assert set(got) == set(expected)
    assert len(got) == 271 + 60  # every ILACS inspection, and the in-year ungraded visits
    for key, record in expected.items():
        entry = got[key]
        assert entry["type"] == TYPE_LABEL[record["type"]], key
        assert str(entry["published"]) == files.iso(record["Publication date"]), key
        assert entry.get("theme", "") == (record.get("theme") or ""), key
        assert entry["judged"] == expected_judgements(record), key


def test_each_authoritys_latest_graded_inspection_is_the_one_ofsted_lists(store: Store) -> None:
    latest = {
        r["gss"]: (str(r["visited"]), r["grade"])
        for r in select(
            store,
            """SELECT ?gss ?visited ?grade WHERE {
                ?inspection kg:inspected/kg:gssCode ?gss ; kg:visitTime/time:inXSDDate ?visited .
                [] kg:ofInspection ?inspection ;
                   kg:judgementArea/rdfs:label "Overall effectiveness"@en ;
                   kg:grade/rdfs:label ?grade .
                FILTER NOT EXISTS {
                    ?later kg:inspected/kg:gssCode ?gss ; kg:visitTime/time:inXSDDate ?after .
                    [] kg:ofInspection ?later ; kg:grade ?any .
                    FILTER (?after > ?visited)
                }
            }""",
        )
    }
    for record in files.sheet("Inspections_as_at_31_March"):
        assert latest[record["Local authority area code"]] == (
            files.iso(record["Inspection date"]),
            record["Overall effectiveness"],
        )


def test_kingstons_outstanding_inspection_is_one_node_with_both_sources(
    store: Store,
) -> None:
    [row] = select(
        store,
        """SELECT ?visited ?published ?type (COUNT(DISTINCT ?source) AS ?sources) WHERE {
            VALUES ?inspection {
                <https://w3id.org/kgraph/id/inspection/kingston-upon-thames-outstanding> }
            ?inspection kg:visitTime/time:inXSDDate ?visited ;
                kg:publicationTime/time:inXSDDate ?published ;
                kg:inspectionType/rdfs:label ?type ; prov:wasDerivedFrom ?source .
        } GROUP BY ?visited ?published ?type""",
    )
    assert (str(row["visited"]), str(row["published"])) == ("2019-10-21", "2019-12-19")
    assert (row["type"], row["sources"]) == ("Short inspection", 2)
    others = select(
        store,
        """SELECT ?other WHERE {
            ?other kg:inspected ?authority ; kg:visitTime/time:inXSDDate "2019-10-21"^^xsd:date .
            FILTER (?other != ?inspection)
        }""",
        authority=KINGSTON,
        inspection=OUTSTANDING,
    )
    assert others == []


def test_kingstons_outstanding_judgements_agree_and_cite_both(store: Store) -> None:
    rows = select(
        store,
        """SELECT ?area (COUNT(DISTINCT ?grade) AS ?grades) (SAMPLE(?label) AS ?grade1)
                  (COUNT(DISTINCT ?kind) AS ?kinds) WHERE {
            BIND (<https://w3id.org/kgraph/id/inspection/kingston-upon-thames-outstanding> AS ?i)
            ?j kg:ofInspection ?i ;
                kg:judgementArea/rdfs:label ?area ;
                kg:grade ?grade ; prov:wasDerivedFrom/a ?kind .
            ?grade rdfs:label ?label .
            FILTER (?kind IN (kg:Article, kg:OfficialStatistics))
        } GROUP BY ?area""",
    )
    [record] = [
        r
        for r in files.sheet("ILACS_inspection_history")
        if r["Local authority area code"] == "E09000021" and r["Inspection date"] == "21/10/2019"
    ]
    record["visited"] = "2019-10-21"
    assert {(r["area"], r["grade1"]) for r in rows} == expected_judgements(record)
    assert {(r["grades"], r["kinds"]) for r in rows} == {(1, 2)}


# --- statistics --------------------------------------------------------------------------------

COLUMNS = {
    files.CPP: {
        "CPP_At31": "measure/children-on-child-protection-plans",
        "3_months_or_less": "measure/children-on-child-protection-plans",
        "more_than_3_months_6_months": "measure/children-on-child-protection-plans",
        "more_than_6_months_less_than_1_year": "measure/children-on-child-protection-plans",
        "1_year_less_than_2_years": "measure/children-on-child-protection-plans",
        "2_years_or_more": "measure/children-on-child-protection-plans",
    },
    files.CIN: {
        "Anypoint_child": "measure/children-in-need-during-year",
        "Started_child": "measure/children-starting-episode-of-need",
        "Ended_child": "measure/children-ending-episode-of-need",
        "At31_episodes": "measure/episodes-of-need-at-31-march",
    },
    files.CLA: {"children_count": None, "rate_per_10000": None},
    files.CSWW: {
        "inpost_fte": "measure/social-workers-in-post",
        "turnover_rate_fte": "measure/social-worker-turnover-rate",
        "agency_fte": "measure/agency-social-workers",
        "agency_rate_fte": "measure/agency-worker-rate",
        "vacancy_fte": "measure/social-worker-vacancies",
        "vacancy_rate_fte": "measure/social-worker-vacancy-rate",
        "caseload_fte": "measure/social-worker-caseload",
        "absence_rate_fte": "measure/social-worker-absence-rate",
    },
}


def test_one_observation_per_figure_and_suppressed_ones_are_a_status(store: Store) -> None:
    expected_values, expected_status = Counter(), Counter()
    for path, columns in COLUMNS.items():
        for _, row in files.rows(path):
            for column in columns:
                counter = expected_status if row[column] in files.SUPPRESSED else expected_values
                counter[path.name] += 1
    got = select(
        store,
        """SELECT ?file (COUNT(?value) AS ?values) (COUNT(?status) AS ?statuses) WHERE {
            ?stat a kg:Statistic ; qb:dataSet/dcterms:source/dcterms:identifier ?file .
            OPTIONAL { ?stat kg:value ?value }
            OPTIONAL { ?stat kg:obsStatus ?status }
        } GROUP BY ?file""",
    )
    assert {r["file"]: r["values"] for r in got} == dict(expected_values)
    assert {r["file"]: r["statuses"] for r in got} == dict(expected_status)
    both = select(
        store, "ASK { ?s kg:value ?v ; kg:obsStatus ?o }".replace("ASK", "SELECT ?s WHERE")
    )
    assert both == []


def test_kingstons_figures_are_the_files_figures(store: Store) -> None:
    """Every CPP, CIN and CLA figure of Kingston, value or status, with its row's citation."""
    got = {
        (r["file"], r["locator"], r["measure"], r.get("breakdown", ""), r["unit"]): r
        for r in select(
            store,
            """SELECT ?file ?locator ?measure ?breakdown ?unit ?value ?status ?when WHERE {
                ?stat kg:refArea ?area ; kg:measure ?measure ; kg:unit ?unit ;
                    kg:refPeriod/(time:inXSDDate|time:inXSDgYear) ?when ;
                    prov:qualifiedDerivation [ kg:locator ?locator ; prov:entity ?source ] .
                ?source a kg:OfficialStatistics ; dcterms:identifier ?file .
                OPTIONAL { ?stat kg:breakdown ?breakdown }
                OPTIONAL { ?stat kg:value ?value }
                OPTIONAL { ?stat kg:obsStatus/skos:notation ?status }
            }""",
            area=ID["area/kingston-upon-thames"],
        )
    }
    count = 0
    for path in (files.CPP, files.CIN, files.CLA):
        for line, row in files.rows(path):
            if row["new_la_code"] != "E09000021":
                continue
            matches = [v for k, v in got.items() if k[0] == path.name and k[1] == f"row {line}"]
            assert len(matches) == (6 if path == files.CPP else 4 if path == files.CIN else 2)
            for match in matches:
                assert str(match["when"]).startswith(row["time_period"])
            wanted = sorted(
                row[c] for c in (COLUMNS[path] if path != files.CLA else COLUMNS[files.CLA])
            )
            seen = sorted(
                str(m.get("status", m.get("value"))) if "status" in m else _text(m["value"])
                for m in matches
            )
            assert seen == wanted, (path.name, line)
            count += len(matches)
    assert count == len(got)


def _text(value: object) -> str:
    """A number as the tables write it: 163, 28, 13.5."""
    text = str(value)
    return text[:-2] if text.endswith(".0") else text


def test_kingston_and_richmond_shared_row_is_one_observation_about_both(
    store: Store,
) -> None:
    shared = [
        (line, row)
        for line, row in files.rows(files.CSWW)
        if row["old_la_code"] == "314 / 318" and row["new_la_code"] == "E09000021 / E09000027"
    ]
    assert shared
    [area] = select(
        store,
        """SELECT ?area (GROUP_CONCAT(STR(?part); separator=" ") AS ?parts) WHERE {
            ?area a kg:SharedServiceArea ; schema:containsPlace ?part ;
                dcterms:identifier "E09000021 / E09000027" .
        } GROUP BY ?area""",
    )
    assert sorted(area["parts"].split()) == [
        str(ID["area/kingston-upon-thames"]),
        str(ID["area/richmond-upon-thames"]),
    ]
    rows = select(
        store,
        """SELECT ?locator ?measure ?value ?status WHERE {
            ?stat kg:refArea ?area ; kg:measure ?measure ;
                prov:qualifiedDerivation/kg:locator ?locator .
            OPTIONAL { ?stat kg:value ?value } OPTIONAL { ?stat kg:obsStatus ?status }
        }""",
        area=URIRef(area["area"]),
    )
    assert len(rows) == len(shared) * len(COLUMNS[files.CSWW])
    assert {r["locator"] for r in rows} == {f"row {line}" for line, _ in shared}
    agency = {
        r["locator"]: r.get("value", r.get("status"))
        for r in rows
        if r["measure"].endswith("agency-worker-rate")
    }
    for line, row in shared:
        value = agency[f"row {line}"]
        assert _text(value) == row["agency_rate_fte"] or row["agency_rate_fte"] in files.SUPPRESSED
    # and no workforce figure of Kingston or Richmond alone in the years of the shared rows
    alone = select(
        store,
        """SELECT ?stat WHERE {
            VALUES ?area { <https://w3id.org/kgraph/id/area/kingston-upon-thames>
                           <https://w3id.org/kgraph/id/area/richmond-upon-thames> }
            ?stat kg:refArea ?area ;
                kg:measure <https://w3id.org/kgraph/id/measure/agency-worker-rate> .
        }""",
    )
    assert alone == []


def test_the_articles_161_and_the_dfe_count_both_stay(store: Store) -> None:
    found = select(
        store,
        """SELECT ?value ?when ?file WHERE {
            ?stat kg:refArea ?area ;
                kg:measure <https://w3id.org/kgraph/id/measure/children-on-child-protection-plans> ;
                kg:unit <https://w3id.org/kgraph/id/unit/count> ; kg:value ?value ;
                kg:refPeriod/(time:inXSDDate|time:inXSDgYearMonth) ?when ;
                prov:wasDerivedFrom/dcterms:identifier ?file .
            FILTER NOT EXISTS { ?stat kg:breakdown ?b }
            FILTER (STRSTARTS(STR(?when), "2013"))
        }""",
        area=ID["area/kingston-upon-thames"],
    )
    [dfe_2013] = [
        row["CPP_At31"]
        for _, row in files.rows(files.CPP)
        if row["new_la_code"] == "E09000021" and row["time_period"] == "2013"
    ]
    assert {(r["value"], str(r["when"]), r["file"]) for r in found} == {
        (161, "2013-06", "002_bb58156e29377348.txt"),
        (int(dfe_2013), "2013-03-31", files.CPP.name),
    }
