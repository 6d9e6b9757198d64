"""`kgraph reconcile`: every place where the articles and the official files meet, and whether
they agree, as a table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json

import official_files as files
import pytest
from click.testing import CliRunner

from kgraph.cli import main
from kgraph.official.reconcile import Meeting, meetings, render
from kgraph.store import Store


@pytest.fixture(scope="module")
def found(default_store: Store) -> list[Meeting]:
    return meetings(default_store)


def by_subject(found: list[Meeting]) -> dict[str, list[Meeting]]:
    out: dict[str, list[Meeting]] = {}
    for meeting in found:
        out.setdefault(meeting.subject, []).append(meeting)
    return out


def test_the_article_authorities_meet_their_official_selves(found: list[Meeting]) -> None:
    authorities = {m.subject: m for m in found if m.kind == "authority"}
    assert set(authorities) == {
        f"authority/{name}"
        for name in ("kingston-upon-thames", "richmond-upon-thames", "slough", "cambridgeshire")
    } | {"authority/doncaster"}
    kingston = authorities["authority/kingston-upon-thames"]
    assert kingston.article == "Royal Borough of Kingston upon Thames"
    assert "GSS E09000021" in kingston.official and "DfE 314" in kingston.official
    assert "Inspections_as_at_31_March row 68" in kingston.official_source
    assert all(m.verdict.startswith("agree") for m in authorities.values())


def test_the_outstanding_inspection_and_its_judgements_agree(found: list[Meeting]) -> None:
    subjects = by_subject(found)
    [inspection] = subjects["inspection/kingston-upon-thames-outstanding"]
    assert "visited 2019-10-21" in inspection.official
    assert "published 2019-12-19" in inspection.official
    assert "003_22a3360c6486f13a.txt" in inspection.article_source
    assert inspection.verdict.startswith("agree")
    judgements = [m for m in found if m.kind == "judgement"]
    assert len(judgements) == 4
    [record] = [
        r
        for r in files.sheet("ILACS_inspection_history")
        if r["Local authority area code"] == "E09000021" and r["Inspection date"] == "21/10/2019"
    ]
    grades = sorted(
        record[c]
        for c in (
            "Overall effectiveness",
            "The impact of leaders on social work practice with children and families",
            "The experiences and progress of children who need help and protection",
            "The experiences and progress of children in care",
        )
    )
    assert sorted(m.official for m in judgements) == grades
    assert all(m.article == m.official and m.verdict == "agree" for m in judgements)


def test_figures_that_differ_both_stay_with_their_dates(found: list[Meeting]) -> None:
    [figure] = [m for m in found if m.kind == "statistic"]
    [dfe_2013] = [
        row["CPP_At31"]
        for _, row in files.rows(files.CPP)
        if row["new_la_code"] == "E09000021" and row["time_period"] == "2013"
    ]
    assert figure.article == "161 at 2013-06"
    assert figure.official == f"{dfe_2013} at 2013-03-31"
    assert figure.official_source.startswith(files.CPP.name + ": row ")
    assert figure.verdict.startswith("differ")


def test_a_disagreeing_grade_would_be_reported() -> None:
    """The verdict reads the grades a node has: two grades on one judgement is a disagreement."""
    from kgraph.official.reconcile import describe

    fact = {"gradeLabel": {"Good", "Outstanding"}, "label": set()}
    assert describe("judgement", fact)[2] == "disagree: Good vs Outstanding"


def test_cli_formats(found: list[Meeting]) -> None:
    result = CliRunner().invoke(main, ["reconcile", "--format", "json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    assert [Meeting(**r) for r in records] == found
    rows = list(csv.DictReader(io.StringIO(render(found, "csv"))))
    assert len(rows) == len(found)
    assert rows[0].keys() == {
        "kind",
        "subject",
        "article",
        "article_source",
        "official",
        "official_source",
        "verdict",
    }
    table = render(found, "table").splitlines()
    assert table[0].split() == list(rows[0].keys())
    assert len(table) == len(found) + 2
