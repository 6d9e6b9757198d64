"""Concurrent use gives the answers single use gives: 16 clients against a real `kgraph serve`
(rdflib's SPARQL parser is not thread-safe, rdflib#1282), and SHACL validation from several
threads sharing one shapes graph (pySHACL changes the shapes graph it is given, pySHACL#314)."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

import pytest
from rdflib import Graph

from kgraph.queries import load_queries
from kgraph.settings import Settings
from kgraph.store import rdf_files
from kgraph.validation import copy_graph, load_graph, load_shapes, validate

if TYPE_CHECKING:
    from conftest import LiveServer

CLIENTS = 16
# A guard so a hung server fails the test instead of hanging it; not a timing check.
GUARD_SECONDS = 120
SPARQL_JSON = "application/sparql-results+json"
FORM = "application/x-www-form-urlencoded"
KINGSTON = "https://w3id.org/kgraph/id/authority/kingston-upon-thames"
AD_HOC = [
    (
        "SELECT ?class ?label WHERE { ?class a owl:Class ; rdfs:label ?label } ORDER BY ?class",
        "csv",
    ),
    (
        "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY DESC(?n) ?p",
        SPARQL_JSON,
    ),
    (
        "SELECT ?s ?label WHERE { ?s rdfs:label ?label FILTER(REGEX(?label, 'king', 'i')) } "
        "ORDER BY ?s ?label",
        "application/sparql-results+xml",
    ),
    ("SELECT * WHERE { ?s a kg:LocalAuthority } ORDER BY ?s LIMIT 7 OFFSET 2", "tsv"),
    (f"ASK {{ <{KINGSTON}> a kg:LocalAuthority }}", SPARQL_JSON),
    ("ASK { ?s kg:noSuchProperty ?o }", SPARQL_JSON),
    (f"CONSTRUCT {{ <{KINGSTON}> ?p ?o }} WHERE {{ <{KINGSTON}> ?p ?o }}", "application/n-triples"),
    (f"DESCRIBE <{KINGSTON}>", "text/turtle"),
]

Request = tuple[str, str, bytes | None, tuple[tuple[str, str], ...]]


def mixed_requests() -> list[Request]:
    """Competency and canned queries, ad-hoc SELECT/ASK/CONSTRUCT/DESCRIBE, exports, pages."""
    out: list[Request] = []
    for query in load_queries("competency").values():
        body = urlencode({"query": query.sparql}).encode()
        out.append(("POST", "/sparql", body, (("Content-Type", FORM), ("Accept", SPARQL_JSON))))
    for name, query in load_queries("canned").items():
        params = urlencode({p.name: p.example for p in query.params})
        out.append(("GET", f"/queries/{name}?{params}", None, (("Accept", "application/json"),)))
    for text, accept in AD_HOC:
        if "/" in accept:
            path, headers = "/sparql?" + urlencode({"query": text}), (("Accept", accept),)
        else:
            path, headers = "/sparql?" + urlencode({"query": text, "format": accept}), ()
        out.append(("GET", path, None, headers))
    out.append(
        ("POST", "/sparql", AD_HOC[1][0].encode(), (("Content-Type", "application/sparql-query"),))
    )
    out += [
        ("GET", "/data.ttl", None, ()),
        ("GET", "/data.nt", None, ()),
        ("GET", "/id/authority/kingston-upon-thames", None, (("Accept", "text/html"),)),
        ("GET", "/id/authority/kingston-upon-thames", None, (("Accept", "text/turtle"),)),
        ("GET", "/id/person/nick-whitfield", None, (("Accept", "text/html"),)),
        ("GET", "/ontology", None, (("Accept", "text/turtle"),)),
        ("GET", "/health", None, ()),
    ]
    return out


def fetch(conn: http.client.HTTPConnection, req: Request) -> tuple[int, str, bytes]:
    method, path, body, headers = req
    conn.request(method, path, body=body, headers=dict(headers))
    resp = conn.getresponse()
    return resp.status, resp.getheader("Content-Type") or "", resp.read()


@pytest.mark.parametrize("kind", ["oxigraph", "rdflib"])
def test_sixteen_concurrent_clients_get_the_answers_each_request_gets_alone(
    kind: str, start_server: Callable[..., LiveServer], articles_data_dir: Path
) -> None:
    server = start_server(
        "--data", articles_data_dir, "--store", kind, "--workers", "1", "--threads", "16"
    )
    where = urlsplit(server.url)

    def connect() -> http.client.HTTPConnection:
        return http.client.HTTPConnection(where.hostname, where.port, timeout=GUARD_SECONDS)

    requests = mixed_requests()
    conn = connect()
    alone = [fetch(conn, req) for req in requests]
    conn.close()
    assert [status for status, *_ in alone] == [200] * len(requests), [
        (req[1][:80], status, body[:200])
        for req, (status, _, body) in zip(requests, alone, strict=True)
    ]
    assert all(body for *_, body in alone)

    start = threading.Barrier(CLIENTS)
    # rdflib's engine is slow: there each client sends half the list (together, all of it).
    steps = len(requests) if kind == "oxigraph" else len(requests) // 2

    def client(number: int) -> list[tuple[int, tuple[int, str, bytes]]]:
        """steps requests, each client from its own place in the list, on one connection."""
        conn = connect()
        start.wait(GUARD_SECONDS)
        got = []
        try:
            for step in range(steps):
                index = (number * 3 + step) % len(requests)
                got.append((index, fetch(conn, requests[index])))
        finally:
            conn.close()
        return got

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        answers = [a for part in pool.map(client, range(CLIENTS)) for a in part]
    assert len(answers) == CLIENTS * steps
    assert {index for index, _ in answers} == set(range(len(requests)))
    differ = [
        (requests[index][1][:100], got[0], got[2][:200])
        for index, got in answers
        if got != alone[index]
    ]
    assert not differ, differ


# --- SHACL from several threads -----------------------------------------------------------

SETTINGS = Settings()  # the project's own ontology/ and shapes/
SHAPE_CASES = Path(__file__).parent / "fixtures" / "shapes"
CASE_NAMES = (
    "arrangement-client",
    "article-date",
    "article-identifier-form",
    "article-publisher",
)


def test_validation_from_several_threads_with_one_shapes_graph_gives_equal_reports() -> None:
    shapes = load_shapes(SETTINGS.shapes_dir)
    shapes_before = copy_graph(shapes)
    context = load_graph([*rdf_files(SETTINGS.ontology_dir), SHAPE_CASES / "base.ttl"])
    graphs: list[Graph] = [context]
    for name in CASE_NAMES:
        graph = copy_graph(context)
        graph.parse(SHAPE_CASES / "cases" / f"{name}.ttl", format="turtle")
        graphs.append(graph)

    alone = [validate(graph, shapes, settings=SETTINGS) for graph in graphs]
    assert alone[0].conforms and not any(report.conforms for report in alone[1:])

    jobs = [index for _ in range(2) for index in range(len(graphs))]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        together = list(pool.map(lambda i: validate(graphs[i], shapes, settings=SETTINGS), jobs))
    for index, report in zip(jobs, together, strict=True):
        expected = alone[index]
        assert (report.conforms, report.lines(), report.triples, report.shapes) == (
            expected.conforms,
            expected.lines(),
            expected.triples,
            expected.shapes,
        )
    assert len(shapes) == len(shapes_before)
    assert set(shapes) == set(shapes_before)
