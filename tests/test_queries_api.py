"""The canned queries as a JSON and CSV API at /queries, through the real Flask app."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from kgraph.queries import load_queries
from kgraph.queries.answers import run_named
from kgraph.store import Store

KINGSTON = "https://w3id.org/kgraph/id/authority/kingston-upon-thames"
NICK = "https://w3id.org/kgraph/id/person/nick-whitfield"


def test_listing_is_json_for_api_clients(client: FlaskClient) -> None:
    resp = client.get("/queries")
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    listed = {q["name"]: q for q in resp.get_json()["queries"]}
    assert set(listed) == set(load_queries())
    roles = listed["roles-of-person"]
    assert roles["title"] and roles["description"]
    assert roles["url"] == "/queries/roles-of-person"
    assert roles["params"] == [
        {
            "name": "person",
            "kind": "iri",
            "help": roles["params"][0]["help"],
            "example": NICK,
        }
    ]
    on_date = {p["name"]: p for p in listed["holders-on-date"]["params"]}
    assert on_date["date"]["kind"] == "date"
    assert on_date["date"]["example"] == "2013-07-01"
    # every listed example runs
    for q in listed.values():
        answer = client.get(q["example"])
        assert answer.status_code == 200, q["example"]
        assert answer.get_json()["rows"], q["example"]


class Forms(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.actions: list[str] = []
        self.inputs: list[dict[str, str | None]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "form":
            self.actions.append(dict(attrs).get("action") or "")
        if tag == "input":
            self.inputs.append(dict(attrs))


def test_listing_is_an_html_page_of_forms_for_browsers(client: FlaskClient) -> None:
    resp = client.get("/queries", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert resp.status_code == 200
    assert resp.mimetype == "text/html"
    assert "Accept" in resp.headers["Vary"]
    page = Forms(resp.get_data(as_text=True))
    assert sorted(page.actions) == sorted(f"/queries/{n}" for n in load_queries())
    by_name = {(i.get("id") or ""): i for i in page.inputs}
    assert by_name["holders-on-date-date"]["type"] == "date"
    assert by_name["holders-on-date-date"]["value"] == "2013-07-01"
    assert by_name["roles-of-person-person"]["value"] == NICK
    assert client.get("/queries?_format=json").mimetype == "application/json"
    assert client.get("/queries?_format=html").mimetype == "text/html"


def test_answer_is_datasette_style_json(client: FlaskClient) -> None:
    store: Store = client.application.extensions["kgraph_store"]
    resp = client.get("/queries/roles-of-person", query_string={"person": NICK})
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    body = resp.get_json()
    assert set(body) == {"query", "params", "columns", "rows", "truncated"}
    assert body["query"] == "roles-of-person"
    assert body["params"] == {"person": NICK}
    assert body["truncated"] is False
    assert body["columns"][:2] == ["person", "personLabel"]
    assert all(list(row) == body["columns"] for row in body["rows"])
    assert body["rows"] == run_named(store, "roles-of-person", {"person": NICK}).rows
    assert len(body["rows"]) == 7
    assert {r["personLabel"] for r in body["rows"]} == {"Nick Whitfield"}


def test_json_values_are_typed(client: FlaskClient) -> None:
    body = client.get(
        "/queries/holders-on-date", query_string={"organisation": KINGSTON, "date": "2013-07-01"}
    ).get_json()
    assert {type(r["evidence"]) for r in body["rows"]} == {bool}
    assert {r["evidence"] for r in body["rows"]} == {True, False}
    assert any(r["end"] is None for r in body["rows"])
    history = client.get(
        "/queries/inspection-history", query_string={"authority": KINGSTON}
    ).get_json()
    assert {type(r["gradeRank"]) for r in history["rows"]} == {int}


@pytest.mark.parametrize("how", ["suffix", "format"])
def test_answer_as_csv(client: FlaskClient, how: str) -> None:
    params = {"organisation": KINGSTON, "date": "2013-07-01"}
    if how == "suffix":
        resp = client.get("/queries/holders-on-date.csv", query_string=params)
    else:
        resp = client.get("/queries/holders-on-date", query_string={**params, "_format": "csv"})
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    body = client.get("/queries/holders-on-date", query_string=params).get_json()
    assert table[0] == body["columns"]
    assert len(table) - 1 == len(body["rows"])
    first = dict(zip(table[0], table[1], strict=True))
    assert first["personLabel"] == body["rows"][0]["personLabel"]
    assert first["evidence"] == "true"
    assert first["end"] == ""


def test_json_suffix_is_the_default(client: FlaskClient) -> None:
    resp = client.get("/queries/roles-of-person.json", query_string={"person": NICK})
    assert resp.status_code == 200
    assert resp.get_json()["query"] == "roles-of-person"


@pytest.mark.parametrize(
    ("url", "params", "named"),
    [
        ("/queries/roles-of-person", {}, "person"),
        ("/queries/holders-on-date", {"organisation": KINGSTON}, "date"),
        ("/queries/holders-on-date", {"date": "2013-07-01"}, "organisation"),
        ("/queries/roles-of-person", {"person": "Nick Whitfield"}, "person"),
        ("/queries/roles-of-person", {"person": 'https://x/"> } ; DROP'}, "person"),
        ("/queries/holders-on-date", {"organisation": KINGSTON, "date": "2013"}, "date"),
        ("/queries/holders-on-date", {"organisation": KINGSTON, "date": "2013-02-30"}, "date"),
        ("/queries/roles-of-person", {"person": NICK, "persn": NICK}, "persn"),
        ("/queries/roles-of-person", {"person": NICK, "_format": "xml"}, "_format"),
    ],
)
def test_bad_or_missing_parameters_are_400_naming_them(
    client: FlaskClient, url: str, params: dict[str, str], named: str
) -> None:
    resp = client.get(url, query_string=params)
    assert resp.status_code == 400
    assert resp.mimetype == "application/json"
    body = resp.get_json()
    assert body["status"] == 400
    assert body["error"] == "Bad parameter"
    assert named in body["reason"]
    assert "\n" not in body["reason"] and "Traceback" not in body["reason"]


def test_a_parameter_given_twice_is_400(client: FlaskClient) -> None:
    resp = client.get(f"/queries/roles-of-person?person={NICK}&person={NICK}")
    assert resp.status_code == 400
    assert "person" in resp.get_json()["reason"]


def test_unknown_query_is_404_json_even_for_browsers(client: FlaskClient) -> None:
    resp = client.get("/queries/who-is-mayor", headers={"Accept": "text/html"})
    assert resp.status_code == 404
    body = resp.get_json()
    assert body["status"] == 404
    assert "who-is-mayor" in body["reason"]
    assert "roles-of-person" in body["reason"]  # says what exists
    assert client.get("/queries/who-is-mayor.csv").status_code == 404


def test_examples_link_json_and_csv(client: FlaskClient) -> None:
    listed = client.get("/queries").get_json()["queries"]
    q = next(q for q in listed if q["name"] == "holders-on-date")
    assert parse_qs(urlsplit(q["example"]).query) == {
        "organisation": [KINGSTON],
        "date": ["2013-07-01"],
    }
    assert urlsplit(q["example_csv"]).path == "/queries/holders-on-date.csv"
    assert client.get(q["example_csv"]).mimetype == "text/csv"


def test_every_page_links_to_the_listing(client: FlaskClient) -> None:
    page = client.get("/", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'href="/queries"' in page
