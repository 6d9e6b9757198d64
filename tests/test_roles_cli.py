"""`kgraph roles`, `kgraph holders` and `kgraph history`: names resolved, tables, JSON, CSV.

Each command loads the graph itself; to keep that quick these run on the founding articles'
data (--data: data/articles and the shared vocabulary), where every membership is stated.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kgraph.cli import main

KINGSTON = "https://w3id.org/kgraph/id/authority/kingston-upon-thames"
DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder of the articles' files and the shared vocabulary, linked, not copied."""
    folder = tmp_path_factory.mktemp("articles-data")
    for path in [*DATA.glob("*.ttl"), *DATA.glob("articles/*.ttl")]:
        (folder / path.name).symlink_to(path)
    return folder


Kgraph = Callable[..., Result]


@pytest.fixture
def kgraph(runner: CliRunner, articles: Path) -> Kgraph:
    """Run `kgraph ARGS --data articles` through the app's CLI runner."""

    def run(*args: str) -> Result:
        return runner.invoke(main, [*args, "--data", str(articles)], catch_exceptions=False)

    return run


def table_rows(text: str) -> list[str]:
    """The rows of a kgraph table: after the header and its rule, before the count."""
    lines = text.splitlines()
    assert set(lines[1].replace(" ", "")) == {"-"}
    return lines[2:-1]


def test_roles_of_a_person_as_a_table(kgraph: Kgraph) -> None:
    result = kgraph("roles", "Nick Whitfield", "--format", "table")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["role", "organisation", "when"]
    rows = table_rows(result.stdout)
    assert lines[-1] == f"({len(rows)} rows)" == "(7 rows)"
    assert rows[0].startswith("Director of children's services")
    assert "held on 2012-07-10 according to 004_f91ed88330c63e40" in rows[0]
    assert any("Chief executive" in r and "Achieving for Children" in r for r in rows)


def test_roles_resolves_any_case_and_part_of_a_name(kgraph: Kgraph) -> None:
    exact = kgraph("roles", "nick whitfield", "--format", "json")
    part = kgraph("roles", "Whitfield", "--format", "json")
    iri = kgraph("roles", "https://w3id.org/kgraph/id/person/nick-whitfield", "--format", "json")
    assert exact.exit_code == part.exit_code == iri.exit_code == 0
    assert json.loads(exact.stdout) == json.loads(part.stdout) == json.loads(iri.stdout)


def test_roles_as_json_is_the_api_document(kgraph: Kgraph, client) -> None:
    result = kgraph("roles", "Liz Green", "--format", "json")
    assert result.exit_code == 0
    body = json.loads(result.stdout)
    api = client.get(
        "/queries/roles-of-person",
        query_string={"person": "https://w3id.org/kgraph/id/person/liz-green"},
    ).get_json()
    assert body == api
    assert len(body["rows"]) == 3


def test_holders_on_a_date_as_a_table_with_certainty(kgraph: Kgraph) -> None:
    result = kgraph("holders", "Kingston upon Thames", "--on", "2013-07-01", "--format", "table")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0].split() == ["person", "role", "certainty", "when"]
    rows = table_rows(result.stdout)
    assert len(rows) == 10
    green = [r for r in rows if r.startswith("Liz Green") and "Lead member" in r]
    assert len(green) == 1 and "after stated beginning; end not stated" in green[0]
    assert any(
        r.startswith("Derek Osbourne") and "not evidence: last attested before the date" in r
        for r in rows
    )
    assert not any(r.startswith("Patricia Bamford") for r in rows)


def test_holders_as_csv(kgraph: Kgraph) -> None:
    result = kgraph("holders", "Kingston upon Thames", "--on", "2013-07-01", "--format", "csv")
    assert result.exit_code == 0
    table = list(csv.reader(io.StringIO(result.stdout)))
    assert table[0][:2] == ["person", "personLabel"]
    assert len(table) == 11
    assert {row[table[0].index("organisation")] for row in table[1:]} == {KINGSTON}


def test_holders_without_a_date_and_of_one_role(kgraph: Kgraph) -> None:
    everyone = json.loads(kgraph("holders", "Kingston upon Thames", "--format", "json").stdout)
    assert everyone["query"] == "people-of-organisation"
    leaders = kgraph(
        "holders", "Kingston upon Thames", "--role", "council leader", "--format", "table"
    )
    assert leaders.exit_code == 0
    rows = table_rows(leaders.stdout)
    assert [r.split("  ")[0] for r in rows] == ["Derek Osbourne", "Derek Osbourne", "Liz Green"]
    both = kgraph("holders", "Kingston upon Thames", "--on", "2013-07-01", "--role", "x")
    assert both.exit_code == 2
    assert "--on or --role" in both.stderr


def test_history_of_an_authority_in_time_order(kgraph: Kgraph) -> None:
    result = kgraph("history", "Kingston upon Thames", "--format", "table")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0].split() == [
        "date",
        "inspection",
        "area",
        "grade",
        "sources",
    ]
    rows = table_rows(result.stdout)
    assert len(rows) == 10
    assert [r.split()[0] for r in rows] == ["2012-06"] + ["2013-06"] * 4 + ["2015"] + [
        "undated"
    ] * 4
    assert "Inadequate" in rows[0] and "Good" in rows[5] and "Outstanding" in rows[6]


def test_a_name_that_matches_several_lists_them_one_a_line(kgraph: Kgraph) -> None:
    result = kgraph("holders", "Kingston")
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == "kgraph: 'Kingston' names 4 organisations; give one of these names or IRIs:"
    assert len(lines) == 5
    assert all(
        line.rstrip().split()[-1].startswith("https://w3id.org/kgraph/id/") for line in lines[1:]
    )
    assert any(line.rstrip().endswith(KINGSTON) for line in lines[1:])


def test_a_name_that_matches_nothing_says_so_in_one_line(kgraph: Kgraph) -> None:
    result = kgraph("roles", "Nobody Atall")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "kgraph: no person is named 'Nobody Atall'\n"


def test_a_name_of_the_wrong_kind_says_what_it_names(kgraph: Kgraph) -> None:
    result = kgraph("roles", "Kingston upon Thames")
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1
    assert "no person is named 'Kingston upon Thames'" in result.stderr
    assert "area/kingston-upon-thames" in result.stderr


def test_a_bad_date_is_named(kgraph: Kgraph) -> None:
    result = kgraph("holders", "Kingston upon Thames", "--on", "1 July 2013")
    assert result.exit_code == 2
    assert result.stderr.startswith("kgraph: parameter date must be a date YYYY-MM-DD")
