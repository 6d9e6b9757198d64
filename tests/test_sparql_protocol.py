"""The /sparql endpoint against the SPARQL 1.1 Protocol, through the Flask test client.

The store here is the ontology plus small synthetic fixtures (tests/fixtures/sparql_protocol):
default.ttl in the default graph, alpha.ttl and beta.ttl as named graphs.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, VOID, XSD
from rdflib.query import Result

from kgraph.namespaces import SD
from kgraph.settings import Settings
from kgraph.store import Store, load_store
from kgraph.stores.loading import load_remote
from kgraph.stores.remote_store import RemoteStore
from kgraph.web import create_app

FIXTURES = Path(__file__).parent / "fixtures" / "sparql_protocol"
EX = "https://example.org/kgraph-test/"
ALPHA = EX + "graph/alpha"
BETA = EX + "graph/beta"
PREFIX = f"PREFIX ex: <{EX}>\n"
STORE_KINDS = ("oxigraph", "rdflib", "remote")

JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
NT = "application/n-triples"
JSONLD = "application/ld+json"
RDFXML = "application/rdf+xml"

LABELS = (
    PREFIX + "SELECT ?thing ?label WHERE { ?thing a ex:Thing ; rdfs:label ?label } ORDER BY ?thing"
)
IN_GRAPH = PREFIX + "SELECT ?item WHERE { ?item ex:inGraph ?which } ORDER BY ?item"
GRAPHS = PREFIX + "SELECT ?g ?item WHERE { GRAPH ?g { ?item ex:inGraph ?which } } ORDER BY ?g"
CONSTRUCT = PREFIX + "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s a ex:Thing ; rdfs:label ?l }"


@pytest.fixture(scope="module", params=STORE_KINDS)
def protocol_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Store:
    """The ontology (no data/, so other work in progress cannot break these tests) and fixtures,
    in each kind of store: every protocol test runs on Oxigraph, rdflib and a remote server."""
    settings = replace(Settings.from_env(), data_dir=tmp_path_factory.mktemp("no-data"))
    extra = [(None, FIXTURES / "default.ttl"), (ALPHA, FIXTURES / "alpha.ttl")]
    extra.append((BETA, FIXTURES / "beta.ttl"))
    if request.param != "remote":
        return load_store(settings, extra, kind=request.param)
    server = request.getfixturevalue("start_oxigraph")()
    load_remote(server.url, settings, extra)
    return RemoteStore(server.url)


@pytest.fixture
def protocol_app(protocol_store: Store) -> Flask:
    app = create_app(store=protocol_store, settings=Settings.from_env())
    app.config.update(TESTING=True)
    return app


@pytest.fixture
def sparql(protocol_app: Flask) -> FlaskClient:
    return protocol_app.test_client()


def parse_results(body: bytes, fmt: str) -> Result:
    return Result.parse(io.BytesIO(body), format=fmt)


def rows(result: Result) -> list[tuple[str, ...]]:
    return [tuple(str(row[v]) if row[v] is not None else "" for v in result.vars) for row in result]


EXPECTED_LABELS = [
    (EX + "lines", "line one\nline two"),
    (EX + "tricky", 'tab\there, "quoted", comma'),
    (EX + "zoe", "Zoë"),
]


# --- the three ways to send a query ---------------------------------------------------------


def test_get_answers_select_in_sparql_json_by_default(sparql: FlaskClient) -> None:
    resp = sparql.get("/sparql", query_string={"query": LABELS})
    assert resp.status_code == 200
    assert resp.mimetype == JSON
    body = resp.get_json(force=True)
    assert body["head"]["vars"] == ["thing", "label"]
    assert [(b["thing"]["value"], b["label"]["value"]) for b in body["results"]["bindings"]] == (
        EXPECTED_LABELS
    )
    assert body["results"]["bindings"][0]["label"]["xml:lang"] == "en"


def test_post_form_and_post_direct_answer_like_get(sparql: FlaskClient) -> None:
    get = sparql.get("/sparql", query_string={"query": LABELS})
    form = sparql.post("/sparql", data={"query": LABELS})
    direct = sparql.post(
        "/sparql", data=LABELS.encode("utf-8"), content_type="application/sparql-query"
    )
    assert form.status_code == direct.status_code == 200
    assert form.data == direct.data == get.data


def test_post_direct_honours_the_declared_charset(sparql: FlaskClient) -> None:
    query = PREFIX + 'SELECT ?thing WHERE { ?thing rdfs:label "Zoë" }'
    resp = sparql.post(
        "/sparql",
        data=query.encode("iso-8859-1"),
        content_type="application/sparql-query; charset=ISO-8859-1",
    )
    assert resp.status_code == 200
    assert rows(parse_results(resp.data, "json")) == [(EX + "zoe",)]


def test_post_form_honours_the_declared_charset(sparql: FlaskClient) -> None:
    query = PREFIX + 'SELECT ?thing WHERE { ?thing rdfs:label "Zoë" }'
    body = "query=" + quote(query, encoding="iso-8859-1")
    resp = sparql.post(
        "/sparql",
        data=body,
        content_type="application/x-www-form-urlencoded; charset=ISO-8859-1",
    )
    assert resp.status_code == 200
    assert rows(parse_results(resp.data, "json")) == [(EX + "zoe",)]


def test_post_direct_body_not_in_its_charset_is_400(sparql: FlaskClient) -> None:
    resp = sparql.post(
        "/sparql", data=b"SELECT * { ?s ?p \xff }", content_type="application/sparql-query"
    )
    assert resp.status_code == 400
    assert "utf-8" in resp.get_data(as_text=True)


def test_unknown_charset_is_415(sparql: FlaskClient) -> None:
    resp = sparql.post(
        "/sparql", data=b"ASK {}", content_type="application/sparql-query; charset=x-klingon"
    )
    assert resp.status_code == 415


def test_head_answers_like_get_without_a_body(sparql: FlaskClient) -> None:
    resp = sparql.head("/sparql", query_string={"query": LABELS})
    assert resp.status_code == 200
    assert resp.mimetype == JSON
    assert resp.data == b""


# --- result formats -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "media_type", "parser"),
    [
        (JSON, JSON, "json"),
        (XML, XML, "xml"),
        (CSV, CSV, "csv"),
        (TSV, TSV, "tsv"),
        ("application/json", JSON, "json"),
        ("application/xml", XML, "xml"),
    ],
)
def test_select_in_each_result_format_by_accept(
    sparql: FlaskClient, accept: str, media_type: str, parser: str
) -> None:
    resp = sparql.get("/sparql", query_string={"query": LABELS}, headers={"Accept": accept})
    assert resp.status_code == 200
    assert resp.mimetype == media_type
    assert rows(parse_results(resp.data, parser)) == EXPECTED_LABELS


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        ("json", JSON),
        ("xml", XML),
        ("csv", CSV),
        ("tsv", TSV),
        (JSON, JSON),
        (TSV, TSV),
        ("CSV", CSV),
    ],
)
def test_format_parameter_overrides_accept(sparql: FlaskClient, fmt: str, media_type: str) -> None:
    resp = sparql.get(
        "/sparql",
        query_string={"query": LABELS, "format": fmt},
        headers={"Accept": "application/sparql-results+xml;q=0.1, image/png"},
    )
    assert resp.status_code == 200
    assert resp.mimetype == media_type


def test_repeated_format_parameter_takes_the_first_known_value(sparql: FlaskClient) -> None:
    # SPARQLWrapper sends format=tsv&format=text/tab-separated-values, and a name we may not know
    query = [("query", LABELS), ("format", "rdf+tsv"), ("format", TSV)]
    resp = sparql.get("/sparql", query_string=query)
    assert resp.mimetype == TSV


def test_csv_is_the_sparql_csv_format(sparql: FlaskClient) -> None:
    resp = sparql.get("/sparql", query_string={"query": LABELS, "format": "csv"})
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert resp.data.decode("utf-8") == (
        "thing,label\r\n"
        f'{EX}lines,"line one\nline two"\r\n'
        f'{EX}tricky,"tab\there, ""quoted"", comma"\r\n'
        f"{EX}zoe,Zoë\r\n"
    )


def test_tsv_is_the_sparql_tsv_format(sparql: FlaskClient) -> None:
    query = PREFIX + "SELECT ?thing ?label ?value WHERE { ?thing a ex:Thing "
    query += "OPTIONAL { ?thing rdfs:label ?label } OPTIONAL { ?thing ex:value ?value } } "
    query += "ORDER BY ?thing"
    resp = sparql.get("/sparql", query_string={"query": query, "format": "tsv"})
    assert resp.data.decode("utf-8") == (
        "?thing\t?label\t?value\n"
        f'<{EX}counted>\t\t"42"^^<{XSD.integer}>\n'
        f'<{EX}lines>\t"line one\\nline two"@en\t\n'
        f'<{EX}tricky>\t"tab\\there, \\"quoted\\", comma"\t\n'
        f'<{EX}zoe>\t"Zoë"\t\n'
    )


@pytest.mark.parametrize(("accept", "media_type"), [(JSON, JSON), (XML, XML), ("*/*", JSON)])
def test_ask_answers_a_boolean(sparql: FlaskClient, accept: str, media_type: str) -> None:
    yes = sparql.get(
        "/sparql",
        query_string={"query": PREFIX + "ASK { ex:zoe a ex:Thing }"},
        headers={"Accept": accept},
    )
    no = sparql.get(
        "/sparql",
        query_string={"query": PREFIX + "ASK { ex:nobody a ex:Thing }"},
        headers={"Accept": accept},
    )
    assert yes.mimetype == no.mimetype == media_type
    parser = "json" if media_type == JSON else "xml"
    assert parse_results(yes.data, parser).askAnswer is True
    assert parse_results(no.data, parser).askAnswer is False


def test_ask_has_no_csv_form_so_csv_alone_is_406(sparql: FlaskClient) -> None:
    resp = sparql.get("/sparql", query_string={"query": "ASK {}"}, headers={"Accept": CSV})
    assert resp.status_code == 406
    text = resp.get_data(as_text=True)
    assert text.count("\n") == 1
    assert JSON in text and XML in text


def expected_construct() -> Graph:
    g = Graph()
    g.add((URIRef(EX + "zoe"), RDFS.label, Literal("Zoë")))
    g.add((URIRef(EX + "tricky"), RDFS.label, Literal('tab\there, "quoted", comma')))
    g.add((URIRef(EX + "lines"), RDFS.label, Literal("line one\nline two", lang="en")))
    return g


@pytest.mark.parametrize(
    ("accept", "media_type", "parser"),
    [
        (TURTLE, TURTLE, "turtle"),
        (NT, NT, "nt"),
        (JSONLD, JSONLD, "json-ld"),
        (RDFXML, RDFXML, "xml"),
        ("*/*", TURTLE, "turtle"),
        ("application/x-turtle", TURTLE, "turtle"),
    ],
)
def test_construct_in_each_rdf_format(
    sparql: FlaskClient, accept: str, media_type: str, parser: str
) -> None:
    resp = sparql.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": accept})
    assert resp.status_code == 200
    assert resp.mimetype == media_type
    assert isomorphic(Graph().parse(data=resp.data, format=parser), expected_construct())


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [("turtle", TURTLE), ("nt", NT), ("jsonld", JSONLD), ("rdfxml", RDFXML), (NT, NT)],
)
def test_construct_format_parameter(sparql: FlaskClient, fmt: str, media_type: str) -> None:
    resp = sparql.get("/sparql", query_string={"query": CONSTRUCT, "format": fmt})
    assert resp.mimetype == media_type


def test_describe_answers_with_rdf(sparql: FlaskClient) -> None:
    resp = sparql.get("/sparql", query_string={"query": PREFIX + "DESCRIBE ex:zoe"})
    assert resp.mimetype == TURTLE
    graph = Graph().parse(data=resp.data, format="turtle")
    assert (URIRef(EX + "zoe"), RDFS.label, Literal("Zoë")) in graph


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (f"{XML};q=0.5, {CSV}", CSV),
        (f"{CSV};q=0.2, {TSV};q=0.9", TSV),
        (f"{JSON};q=0, */*;q=0.5", XML),  # an explicit q=0 excludes JSON despite */*
        ("text/*", CSV),
        ("text/*;q=0.3, application/*;q=0.4", JSON),
        ("text/html, */*;q=0.1", JSON),
        ("", JSON),
    ],
)
def test_accept_q_values_pick_the_format(sparql: FlaskClient, accept: str, media_type: str) -> None:
    resp = sparql.get("/sparql", query_string={"query": LABELS}, headers={"Accept": accept})
    assert resp.status_code == 200
    assert resp.mimetype == media_type


def test_no_accept_header_gives_the_default(sparql: FlaskClient) -> None:
    resp = sparql.get("/sparql", query_string={"query": CONSTRUCT}, headers={})
    assert resp.mimetype == TURTLE


@pytest.mark.parametrize(
    ("params", "accept"),
    [
        ({"query": LABELS}, "image/png"),
        ({"query": LABELS}, f"{JSON};q=0, {XML};q=0, text/*;q=0"),
        ({"query": LABELS, "format": "turtle"}, "*/*"),
        ({"query": CONSTRUCT, "format": "csv"}, "*/*"),
        ({"query": CONSTRUCT, "format": "nonsense"}, "*/*"),
    ],
)
def test_nothing_acceptable_is_406_naming_what_is(
    sparql: FlaskClient, params: dict[str, str], accept: str
) -> None:
    resp = sparql.get("/sparql", query_string=params, headers={"Accept": accept})
    assert resp.status_code == 406
    line = resp.get_data(as_text=True)
    assert line.count("\n") == 1 and line.endswith("\n")
    assert "available:" in line
    assert resp.headers["Vary"] == "Accept"


# --- the dataset ----------------------------------------------------------------------------


def select(sparql: FlaskClient, query: str, **params: str | list[str]) -> list[tuple[str, ...]]:
    resp = sparql.get("/sparql", query_string={"query": query, **params})
    assert resp.status_code == 200, resp.data
    return rows(parse_results(resp.data, "json"))


def test_default_dataset_is_the_default_graph_and_the_named_graphs(sparql: FlaskClient) -> None:
    assert select(sparql, IN_GRAPH) == []
    assert select(sparql, GRAPHS) == [(ALPHA, EX + "alpha-item"), (BETA, EX + "beta-item")]


def test_default_graph_uri_makes_the_default_graph(sparql: FlaskClient) -> None:
    assert select(sparql, IN_GRAPH, **{"default-graph-uri": ALPHA}) == [(EX + "alpha-item",)]
    both = select(sparql, IN_GRAPH, **{"default-graph-uri": [ALPHA, BETA]})
    assert both == [(EX + "alpha-item",), (EX + "beta-item",)]
    # a dataset given without named graphs has none
    assert select(sparql, GRAPHS, **{"default-graph-uri": ALPHA}) == []


def test_named_graph_uri_chooses_the_named_graphs(sparql: FlaskClient) -> None:
    assert select(sparql, GRAPHS, **{"named-graph-uri": BETA}) == [(BETA, EX + "beta-item")]
    # the default graph of a dataset given only named graphs is empty
    assert select(sparql, LABELS, **{"named-graph-uri": BETA}) == []


def test_dataset_parameters_in_a_form_post(sparql: FlaskClient) -> None:
    resp = sparql.post("/sparql", data={"query": IN_GRAPH, "default-graph-uri": BETA})
    assert rows(parse_results(resp.data, "json")) == [(EX + "beta-item",)]


def test_dataset_parameters_in_the_url_of_a_direct_post(sparql: FlaskClient) -> None:
    resp = sparql.post(
        "/sparql?" + "named-graph-uri=" + quote(ALPHA, safe=""),
        data=GRAPHS,
        content_type="application/sparql-query",
    )
    assert rows(parse_results(resp.data, "json")) == [(ALPHA, EX + "alpha-item")]


def test_from_and_from_named_select_among_loaded_graphs(sparql: FlaskClient) -> None:
    from_alpha = IN_GRAPH.replace("WHERE", f"FROM <{ALPHA}> WHERE")
    assert select(sparql, from_alpha) == [(EX + "alpha-item",)]
    named_beta = GRAPHS.replace("WHERE", f"FROM NAMED <{BETA}> WHERE")
    assert select(sparql, named_beta) == [(BETA, EX + "beta-item")]


def test_protocol_dataset_wins_over_from(sparql: FlaskClient) -> None:
    from_alpha = IN_GRAPH.replace("WHERE", f"FROM <{ALPHA}> WHERE")
    assert select(sparql, from_alpha, **{"default-graph-uri": BETA}) == [(EX + "beta-item",)]


def test_an_unloaded_graph_is_empty(sparql: FlaskClient) -> None:
    unknown = EX + "graph/never-loaded"
    assert select(sparql, LABELS, **{"default-graph-uri": unknown}) == []
    assert select(sparql, LABELS.replace("WHERE", f"FROM <{unknown}> WHERE")) == []


class _TurtleServer(BaseHTTPRequestHandler):
    """Serves a triple at any path, and counts the requests it gets."""

    requests: list[str] = []  # noqa: RUF012 - one list per test via subclassing below

    def do_GET(self) -> None:
        self.requests.append(self.path)
        body = f'<{EX}fetched> <{RDFS.label}> "fetched from the web" .\n'.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/turtle")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def web_graph() -> Iterator[tuple[str, list[str]]]:
    """A loopback web server holding a graph, and the list of requests it received."""
    handler = type("Handler", (_TurtleServer,), {"requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/graph.ttl", handler.requests
    finally:
        server.shutdown()
        server.server_close()


def test_graphs_are_never_fetched_from_the_web(
    sparql: FlaskClient, web_graph: tuple[str, list[str]]
) -> None:
    url, requests = web_graph
    anything = "SELECT ?s ?o WHERE { ?s ?p ?o }"
    assert select(sparql, anything.replace("WHERE", f"FROM <{url}> WHERE")) == []
    assert select(sparql, anything, **{"default-graph-uri": url}) == []
    named = "SELECT ?g ?s WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert select(sparql, named.replace("WHERE", f"FROM NAMED <{url}> WHERE")) == []
    assert select(sparql, named, **{"named-graph-uri": url}) == []
    assert requests == []


def test_graphs_are_never_read_from_disk(sparql: FlaskClient) -> None:
    on_disk = (FIXTURES / "alpha.ttl").resolve().as_uri()
    assert select(sparql, IN_GRAPH.replace("WHERE", f"FROM <{on_disk}> WHERE")) == []
    assert select(sparql, IN_GRAPH, **{"default-graph-uri": on_disk}) == []


def test_project_prefixes_and_base_need_no_declaration(sparql: FlaskClient) -> None:
    query = "ASK { kg:LocalAuthority a owl:Class . FILTER(<x> = kgr:x) }"
    resp = sparql.get("/sparql", query_string={"query": query})
    assert resp.get_json(force=True)["boolean"] is True


# --- errors ---------------------------------------------------------------------------------


def assert_error(resp, status: int, *words: str) -> str:
    assert resp.status_code == status
    text = resp.get_data(as_text=True)
    assert text.endswith("\n") and text.count("\n") == 1, text
    assert text.startswith(f"{status} ")
    for word in words:
        assert word in text, text
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    return text


def test_malformed_query_is_400_with_the_parsers_message(sparql: FlaskClient) -> None:
    resp = sparql.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s ?p "})
    assert_error(resp, 400, "Malformed query", "Expected", "line:1")


def test_undeclared_prefix_is_400(sparql: FlaskClient) -> None:
    resp = sparql.get("/sparql", query_string={"query": "SELECT * { ?s nope:p ?o }"})
    assert_error(resp, 400, "nope")


@pytest.mark.parametrize(
    "accept",
    ["application/json", "application/sparql-results+json", "application/ld+json, */*;q=0.1"],
)
def test_error_shape_for_api_clients(sparql: FlaskClient, accept: str) -> None:
    resp = sparql.get("/sparql", query_string={"query": "SELEC"}, headers={"Accept": accept})
    assert resp.status_code == 400
    assert resp.mimetype == "application/json"
    text = resp.get_data(as_text=True)
    assert text.count("\n") == 1
    body = json.loads(text)
    assert set(body) == {"error", "status", "reason"}
    assert body["status"] == 400
    assert body["error"] == "Malformed query"
    assert "Expected" in body["reason"] and "\n" not in body["reason"]


@pytest.mark.parametrize("accept", ["text/plain", "text/html", "*/*", "text/csv"])
def test_error_shape_for_people(sparql: FlaskClient, accept: str) -> None:
    resp = sparql.get("/sparql", query_string={"query": "SELEC"}, headers={"Accept": accept})
    assert resp.status_code == 400
    assert resp.mimetype == "text/plain"
    text = resp.get_data(as_text=True)
    assert text.startswith("400 Malformed query: Expected") and text.count("\n") == 1


@pytest.mark.parametrize(
    "send",
    [
        lambda c: c.post("/sparql", data={"format": "json"}),
        lambda c: c.post("/sparql", data=b"", content_type="application/sparql-query"),
        lambda c: c.post("/sparql", data=b"  \n", content_type="application/sparql-query"),
        lambda c: c.get("/sparql", query_string={"query": ""}),
    ],
    ids=["form-without-query", "empty-direct-body", "blank-direct-body", "empty-get-query"],
)
def test_missing_query_is_400(sparql: FlaskClient, send) -> None:
    assert_error(send(sparql), 400, "query")


def test_query_twice_is_400(sparql: FlaskClient) -> None:
    twice = [("query", "ASK {}"), ("query", "ASK {}")]
    assert_error(sparql.get("/sparql", query_string=twice), 400, "exactly one query")
    resp = sparql.post(
        "/sparql?query=ASK%20%7B%7D", data="ASK {}", content_type="application/sparql-query"
    )
    assert_error(resp, 400, "exactly one query")
    resp = sparql.post("/sparql?query=ASK%20%7B%7D", data={"query": "ASK {}"})
    assert_error(resp, 400, "exactly one query")


def test_query_and_update_together_is_400(sparql: FlaskClient) -> None:
    resp = sparql.post("/sparql", data={"query": "ASK {}", "update": "CLEAR ALL"})
    assert_error(resp, 400, "not both")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", b"ASK {}"),
        ("application/json", b'{"query": "ASK {}"}'),
        (None, b"ASK {}"),
        ("multipart/form-data; boundary=x", b"--x--"),
    ],
)
def test_unsupported_body_type_is_415(
    sparql: FlaskClient, content_type: str | None, body: bytes
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    resp = sparql.post("/sparql", data=body, headers=headers)
    assert_error(resp, 415, "application/sparql-query", "application/x-www-form-urlencoded")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405_with_allow(sparql: FlaskClient, method: str) -> None:
    resp = sparql.open("/sparql", method=method, data=b"ASK {}")
    assert_error(resp, 405)
    allowed = {m.strip() for m in resp.headers["Allow"].split(",")}
    assert {"GET", "POST", "OPTIONS"} <= allowed
    assert method not in allowed


UPDATES = [
    "INSERT DATA { <https://example.org/a> <https://example.org/b> 1 }",
    "DELETE WHERE { ?s ?p ?o }",
    "LOAD <https://example.org/graph.ttl>",
    "CLEAR ALL",
    "DROP GRAPH <https://example.org/g>",
    "PREFIX ex: <https://example.org/> WITH ex:g DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
]


@pytest.mark.parametrize("update", UPDATES)
def test_updates_are_forbidden_however_sent(sparql: FlaskClient, update: str) -> None:
    sent = [
        sparql.post("/sparql", data={"update": update}),
        sparql.post("/sparql", data=update, content_type="application/sparql-update"),
        sparql.get("/sparql", query_string={"update": update}),
        sparql.get("/sparql", query_string={"query": update}),
        sparql.post("/sparql", data={"query": update}),
        sparql.post("/sparql", data=update, content_type="application/sparql-query"),
    ]
    for resp in sent:
        assert_error(resp, 403, "read-only")
    assert select(sparql, "SELECT * WHERE { <https://example.org/a> ?p ?o }") == []


def test_service_is_refused(sparql: FlaskClient) -> None:
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    assert_error(sparql.get("/sparql", query_string={"query": query}), 400, "SERVICE")


def test_a_graph_named_by_a_relative_iri_is_400(sparql: FlaskClient) -> None:
    resp = sparql.get("/sparql", query_string={"query": IN_GRAPH, "default-graph-uri": "alpha"})
    assert_error(resp, 400, "absolute IRI")


# --- the service description and the query page ------------------------------------------


def service_graph(sparql: FlaskClient, accept: str = TURTLE, parser: str = "turtle") -> Graph:
    resp = sparql.get("/sparql", headers={"Accept": accept})
    assert resp.status_code == 200
    assert resp.mimetype == accept
    return Graph().parse(data=resp.data, format=parser)


def test_get_without_query_is_the_service_description(
    sparql: FlaskClient, protocol_store: Store
) -> None:
    g = service_graph(sparql)
    endpoint = URIRef("http://localhost/sparql")
    service = g.value(predicate=SD.endpoint, object=endpoint)
    assert (service, RDF.type, SD.Service) in g
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
    formats = {str(f).rsplit("/", 1)[1] for f in g.objects(service, SD.resultFormat)}
    assert formats == {
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "JSON-LD",
        "RDF_XML",
    }
    features = list(g.objects(service, SD.feature))
    assert features and all((f, RDF.type, SD.Feature) in g for f in features)
    dataset = g.value(service, SD.defaultDataset)
    default_graph = g.value(dataset, SD.defaultGraph)
    assert g.value(default_graph, VOID.triples).toPython() == len(protocol_store.default_graph)
    named = {
        str(g.value(n, SD.name)): g.value(g.value(n, SD.graph), VOID.triples).toPython()
        for n in g.objects(dataset, SD.namedGraph)
    }
    assert named == {ALPHA: 1, BETA: 1}


@pytest.mark.parametrize(
    ("accept", "parser"), [(JSONLD, "json-ld"), (NT, "nt"), (RDFXML, "xml"), ("*/*", "turtle")]
)
def test_service_description_in_other_rdf_formats(
    sparql: FlaskClient, accept: str, parser: str
) -> None:
    resp = sparql.get("/sparql", headers={"Accept": accept})
    assert resp.status_code == 200
    other = Graph().parse(data=resp.data, format=parser)
    assert isomorphic(other, service_graph(sparql))


def test_browsers_get_the_query_page(sparql: FlaskClient, protocol_app: Flask) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    resp = sparql.get("/sparql", headers={"Accept": browser})
    assert resp.status_code == 200
    assert resp.mimetype == "text/html"
    if "pages.query_page" in protocol_app.view_functions:
        assert resp.data == sparql.get("/query", headers={"Accept": browser}).data
    else:
        assert b"<form" in resp.data and b'name="query"' in resp.data


def test_html_must_be_preferred_not_merely_accepted(sparql: FlaskClient) -> None:
    resp = sparql.get("/sparql", headers={"Accept": "text/html, text/turtle"})
    assert resp.mimetype == TURTLE


# --- CORS and caching headers -------------------------------------------------------------


def test_cors_preflight(sparql: FlaskClient) -> None:
    resp = sparql.options(
        "/sparql",
        headers={
            "Origin": "https://elsewhere.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert resp.status_code == 204
    assert resp.data == b""
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert resp.headers["Access-Control-Allow-Methods"] == "GET, POST, OPTIONS"
    assert resp.headers["Access-Control-Allow-Headers"] == "Content-Type, Accept"
    assert "Access-Control-Allow-Credentials" not in resp.headers


@pytest.mark.parametrize(
    "send",
    [
        lambda c: c.get("/sparql", query_string={"query": LABELS}),
        lambda c: c.post("/sparql", data={"query": CONSTRUCT}),
        lambda c: c.get("/sparql"),
        lambda c: c.get("/sparql", query_string={"query": "SELEC"}),
        lambda c: c.get("/sparql", query_string={"query": LABELS}, headers={"Accept": "a/b"}),
        lambda c: c.post("/sparql", data={"update": "CLEAR ALL"}),
        lambda c: c.post("/sparql", data=b"x", content_type="text/plain"),
    ],
    ids=["select", "construct", "description", "400", "406", "403", "415"],
)
def test_every_answer_allows_any_origin_and_varies_by_accept(sparql: FlaskClient, send) -> None:
    resp = send(sparql)
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "Accept" in resp.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in resp.headers


def test_one_app_chooses_each_accept_and_format_afresh_and_again(sparql: FlaskClient) -> None:
    # The SELECT format chosen for an Accept header and format parameters is remembered per
    # app: each combination, asked twice and interleaved with others, still gets its own.
    cases = [
        ({}, JSON, JSON),
        ({}, f"{CSV};q=0.2, {TSV};q=0.9", TSV),
        ({"format": "csv"}, JSON, CSV),
        ({}, XML, XML),
        ({}, "", JSON),
        ({"format": "xml"}, "", XML),
    ]
    for _ in range(2):
        for extra, accept, media_type in cases:
            query = {"query": LABELS, **extra}
            resp = sparql.get("/sparql", query_string=query, headers={"Accept": accept})
            assert (resp.status_code, resp.mimetype) == (200, media_type), (extra, accept)
    resp = sparql.get("/sparql", query_string={"query": LABELS}, headers={"Accept": "image/png"})
    assert resp.status_code == 406
    ask = "ASK { ?s ?p ?o }"
    resp = sparql.get("/sparql", query_string={"query": ask}, headers={"Accept": "image/png"})
    assert resp.status_code == 406
    resp = sparql.get("/sparql", query_string={"query": ask}, headers={"Accept": XML})
    assert (resp.status_code, resp.mimetype) == (200, XML)
