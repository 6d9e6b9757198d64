"""`kgraph serve` as a real process, queried by real clients: SPARQLWrapper and curl.

Most tests use a server holding the ontology and the endpoint's own fixtures
(tests/fixtures/sparql_protocol), so they do not depend on the project's data in progress.
"""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import subprocess
import sys
import urllib.error
import warnings
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS
from SPARQLWrapper import (
    CSV,
    JSON,
    JSONLD,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    XML,
    SPARQLWrapper,
)
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from kgraph.settings import Settings
from kgraph.store import load_store

if TYPE_CHECKING:
    from conftest import LiveServer

FIXTURES = Path(__file__).parent / "fixtures" / "sparql_protocol"
EX = "https://example.org/kgraph-test/"
ALPHA = EX + "graph/alpha"
BETA = EX + "graph/beta"
PREFIX = f"PREFIX ex: <{EX}>\n"
LABELS = (
    PREFIX + "SELECT ?thing ?label WHERE { ?thing a ex:Thing ; rdfs:label ?label } ORDER BY ?thing"
)
CONSTRUCT = PREFIX + "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s a ex:Thing ; rdfs:label ?l }"
EXPECTED_LABELS = [
    (EX + "lines", "line one\nline two"),
    (EX + "tricky", 'tab\there, "quoted", comma'),
    (EX + "zoe", "Zoë"),
]


@pytest.fixture(scope="module")
def no_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty data folder, so these servers hold the ontology and the fixtures only."""
    return tmp_path_factory.mktemp("no-data")


@pytest.fixture(scope="module")
def server(start_server: Callable[..., LiveServer], no_data: Path) -> LiveServer:
    return start_server(
        "--data",
        no_data,
        "--add",
        FIXTURES / "default.ttl",
        "--add",
        f"{ALPHA}={FIXTURES / 'alpha.ttl'}",
        "--add",
        f"{BETA}={FIXTURES / 'beta.ttl'}",
    )


# --- kgraph serve itself ------------------------------------------------------------------


def test_ready_line_says_how_many_triples_and_where(server: LiveServer, no_data: Path) -> None:
    settings = replace(Settings.from_env(), data_dir=no_data)
    extra = [(None, FIXTURES / "default.ttl"), (ALPHA, FIXTURES / "alpha.ttl")]
    expected = len(load_store(settings, [*extra, (BETA, FIXTURES / "beta.ttl")]))
    base = server.url
    assert base.startswith("http://127.0.0.1:")
    assert server.ready_line == (
        f"kgraph: serving {expected} triples at {base}/sparql (query page {base}/query)"
    )


def test_serves_under_gunicorn(server: LiveServer) -> None:
    status, headers, _ = curl(server.sparql, "-G", "--data-urlencode", "query=ASK {}")
    assert status == 200
    assert headers["server"].startswith("gunicorn")


def test_add_iri_equals_file_loads_a_named_graph(server: LiveServer) -> None:
    sw = wrapper(server, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    sw.setReturnFormat(JSON)
    bindings = convert(sw)["results"]["bindings"]
    assert {(b["g"]["value"], b["n"]["value"]) for b in bindings} == {(ALPHA, "1"), (BETA, "1")}


def test_live_server_serves_the_project_graph(live_server: LiveServer) -> None:
    sw = wrapper(live_server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    sw.setReturnFormat(JSON)
    count = int(convert(sw)["results"]["bindings"][0]["n"]["value"])
    assert count == live_server.triples > 0
    sw = wrapper(live_server, "ASK { kg:LocalAuthority a owl:Class }")
    sw.setReturnFormat(JSON)
    assert convert(sw)["boolean"] is True


def run_serve(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """`kgraph serve` that is expected to stop by itself before serving."""
    command = [sys.executable, "-m", "kgraph", "serve", "--port", "0", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_a_port_in_use_is_one_line_and_exit_1(no_data: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = run_serve("--data", no_data, "--host", "127.0.0.1", "--port", str(port))
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr == f"kgraph: cannot listen on 127.0.0.1:{port}: Address already in use\n"


def sockets_by_process(port: int) -> dict[str, list[int]]:
    """Processes holding TCP sockets on a local port, by state ('listen' or 'established'),
    read from /proc/net/tcp and each process's open files."""
    states = {"0A": "listen", "01": "established"}
    inodes: dict[str, str] = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] in states:
            inodes[fields[9]] = states[fields[3]]
    found: dict[str, list[int]] = {"listen": [], "established": []}
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            links = [str(fd.readlink()) for fd in fd_dir.iterdir()]
        except OSError:
            continue  # gone, or not ours to read
        for link in links:
            inode = link.removeprefix("socket:[").removesuffix("]")
            if link.startswith("socket:[") and inode in inodes:
                found[inodes[inode]].append(int(fd_dir.parent.name))
    return found


def test_each_worker_listens_for_itself_and_connections_spread(server: LiveServer) -> None:
    """With one listening socket shared by the workers, the first to wake took a burst of
    keep-alive connections and kept them while the other idled."""
    port = int(server.url.rsplit(":", 1)[1])
    listening = sockets_by_process(port)["listen"]
    assert len(listening) == 2 and len(set(listening)) == 2  # kgraph serve's 2 workers
    clients = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(16)]
    try:
        for client in clients:
            client.request("GET", "/health")
            assert client.getresponse().read()
        serving = set(sockets_by_process(port)["established"]) & set(listening)
    finally:
        for client in clients:
            client.close()
    # The kernel spreads connections over the sockets by their addresses' hash: all 16 on one
    # worker would happen about once in 30,000 runs.
    assert serving == set(listening)


def test_a_file_that_does_not_parse_exits_2_before_serving(tmp_path: Path, no_data: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text(f'<{EX}a> <{EX}b> "unterminated .\n', encoding="utf-8")
    proc = run_serve("--data", no_data, "--add", broken)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith(f"kgraph: {broken}")


def test_a_missing_file_exits_2(tmp_path: Path, no_data: Path) -> None:
    proc = run_serve("--data", no_data, "--add", f"{ALPHA}={tmp_path / 'absent.ttl'}")
    assert proc.returncode == 2
    assert proc.stderr == f"kgraph: {tmp_path / 'absent.ttl'}: no such file\n"


def test_debug_runs_flasks_development_server(
    start_server: Callable[..., LiveServer], no_data: Path
) -> None:
    debug = start_server("--debug", "--data", no_data, "--add", FIXTURES / "default.ttl")
    assert debug.ready_line.startswith("kgraph: serving ")
    status, headers, body = curl(
        debug.sparql, "-G", "--data-urlencode", f"query={LABELS}", "-H", "Accept: text/csv"
    )
    assert status == 200
    assert headers["server"].startswith("Werkzeug")
    assert body.decode("utf-8").startswith("thing,label\r\n")


# --- SPARQLWrapper ------------------------------------------------------------------------


def wrapper(server: LiveServer, query: str) -> SPARQLWrapper:
    sw = SPARQLWrapper(server.sparql)
    sw.setQuery(query)
    return sw


def convert(sw: SPARQLWrapper) -> Any:
    """The converted result; SPARQLWrapper warns when the media type is not the one asked for."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        return sw.query().convert()


def label_rows_from_json(doc: dict[str, Any]) -> list[tuple[str, str]]:
    return [(b["thing"]["value"], b["label"]["value"]) for b in doc["results"]["bindings"]]


@pytest.mark.parametrize(
    ("method", "request_method"),
    [(None, None), (POST, None), (POST, POSTDIRECTLY)],
    ids=["get", "post-form", "post-direct"],
)
@pytest.mark.parametrize("only_conneg", [False, True], ids=["format-param", "accept-only"])
def test_sparqlwrapper_select_json(
    server: LiveServer, method: str | None, request_method: str | None, only_conneg: bool
) -> None:
    sw = wrapper(server, LABELS)
    sw.setReturnFormat(JSON)
    sw.setOnlyConneg(only_conneg)
    if method:
        sw.setMethod(method)
    if request_method:
        sw.setRequestMethod(request_method)
    assert label_rows_from_json(convert(sw)) == EXPECTED_LABELS


def test_sparqlwrapper_select_xml(server: LiveServer) -> None:
    sw = wrapper(server, LABELS)
    sw.setReturnFormat(XML)
    doc = convert(sw)
    results = doc.getElementsByTagName("result")
    things = [r.getElementsByTagName("uri")[0].firstChild.data for r in results]
    labels = [r.getElementsByTagName("literal")[0].firstChild.data for r in results]
    assert list(zip(things, labels, strict=True)) == EXPECTED_LABELS


def test_sparqlwrapper_select_csv(server: LiveServer) -> None:
    sw = wrapper(server, LABELS)
    sw.setReturnFormat(CSV)
    text = convert(sw).decode("utf-8")
    assert text.startswith("thing,label\r\n")
    assert f"{EX}zoe,Zoë\r\n" in text


def test_sparqlwrapper_select_tsv(server: LiveServer) -> None:
    sw = wrapper(server, LABELS)
    sw.setReturnFormat(TSV)
    lines = convert(sw).decode("utf-8").splitlines()
    assert lines[0] == "?thing\t?label"
    assert f'<{EX}zoe>\t"Zoë"' in lines


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_sparqlwrapper_ask(server: LiveServer, fmt: str) -> None:
    answers = []
    for query in ("ASK { ex:zoe a ex:Thing }", "ASK { ex:nobody a ex:Thing }"):
        sw = wrapper(server, PREFIX + query)
        sw.setReturnFormat(fmt)
        doc = convert(sw)
        if fmt == JSON:
            answers.append(doc["boolean"])
        else:
            answers.append(doc.getElementsByTagName("boolean")[0].firstChild.data == "true")
    assert answers == [True, False]


def expected_construct() -> set[tuple[URIRef, URIRef, Literal]]:
    return {
        (URIRef(EX + "zoe"), RDFS.label, Literal("Zoë")),
        (URIRef(EX + "tricky"), RDFS.label, Literal('tab\there, "quoted", comma')),
        (URIRef(EX + "lines"), RDFS.label, Literal("line one\nline two", lang="en")),
    }


@pytest.mark.parametrize("method", [None, POST], ids=["get", "post"])
@pytest.mark.parametrize("fmt", [TURTLE, JSONLD, RDFXML])
def test_sparqlwrapper_construct(server: LiveServer, fmt: str, method: str | None) -> None:
    sw = wrapper(server, CONSTRUCT)
    sw.setReturnFormat(fmt)
    if method:
        sw.setMethod(method)
    result = convert(sw)
    graph = Graph().parse(data=result, format="turtle") if fmt == TURTLE else result
    assert set(graph) == expected_construct()


def test_sparqlwrapper_sees_a_malformed_query(server: LiveServer) -> None:
    sw = wrapper(server, "SELECT ?s WHERE { ?s ?p ")
    sw.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed) as caught:
        sw.query()
    assert "Expected" in str(caught.value)


def test_sparqlwrapper_update_is_forbidden(server: LiveServer) -> None:
    sw = wrapper(server, f"INSERT DATA {{ <{EX}new> <{EX}p> 1 }}")
    sw.setMethod(POST)
    with pytest.raises(urllib.error.HTTPError) as caught:
        sw.query()
    assert caught.value.code == 403
    check = wrapper(server, f"ASK {{ <{EX}new> ?p ?o }}")
    check.setReturnFormat(JSON)
    assert convert(check)["boolean"] is False


# --- curl ---------------------------------------------------------------------------------

CURL = shutil.which("curl")


def curl(url: str, *args: str) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case names) and body of one curl request."""
    if CURL is None:
        pytest.skip("curl is not installed")
    proc = subprocess.run(
        [CURL, "-sS", "-i", "--max-time", "60", *args, url], capture_output=True, check=True
    )
    head, _, body = proc.stdout.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


def test_curl_get(server: LiveServer) -> None:
    status, headers, body = curl(server.sparql, "-G", "--data-urlencode", f"query={LABELS}")
    assert status == 200
    assert headers["content-type"] == "application/sparql-results+json"
    assert headers["access-control-allow-origin"] == "*"
    assert headers["vary"] == "Accept"
    assert label_rows_from_json(json.loads(body)) == EXPECTED_LABELS


def test_curl_post_form(server: LiveServer) -> None:
    status, headers, body = curl(
        server.sparql,
        "--data-urlencode",
        f"query={LABELS}",
        "--data-urlencode",
        f"default-graph-uri={ALPHA}",
        "--data-urlencode",
        f"default-graph-uri={BETA}",
        "-H",
        "Accept: text/csv",
    )
    assert status == 200
    assert headers["content-type"] == "text/csv; charset=utf-8"
    assert body == b"thing,label\r\n"  # the dataset given holds alpha and beta only
    status, _, body = curl(
        server.sparql,
        "--data-urlencode",
        f"query={PREFIX}SELECT ?i WHERE {{ ?i ex:inGraph ?w }} ORDER BY ?i",
        "--data-urlencode",
        f"default-graph-uri={ALPHA}",
        "--data-urlencode",
        f"default-graph-uri={BETA}",
        "-H",
        "Accept: text/csv",
    )
    assert body == f"i\r\n{EX}alpha-item\r\n{EX}beta-item\r\n".encode()


def test_curl_post_sparql_query(server: LiveServer) -> None:
    status, headers, body = curl(
        server.sparql,
        "-H",
        "Content-Type: application/sparql-query",
        "-H",
        "Accept: application/sparql-results+xml",
        "--data-binary",
        LABELS,
    )
    assert status == 200
    assert headers["content-type"].startswith("application/sparql-results+xml")
    assert b"<literal>Zo\xc3\xab</literal>" in body


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
        ("text/csv;q=0.4, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("application/sparql-results+json;q=0, */*;q=0.1", "application/sparql-results+xml"),
        ("*/*", "application/sparql-results+json"),
    ],
)
def test_curl_accept_variants(server: LiveServer, accept: str, content_type: str) -> None:
    status, headers, _ = curl(
        server.sparql, "-G", "--data-urlencode", f"query={LABELS}", "-H", f"Accept: {accept}"
    )
    assert status == 200
    assert headers["content-type"].startswith(content_type)


@pytest.mark.parametrize(
    ("accept", "content_type", "parser"),
    [
        ("text/turtle", "text/turtle; charset=utf-8", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
    ],
)
def test_curl_construct(server: LiveServer, accept: str, content_type: str, parser: str) -> None:
    status, headers, body = curl(
        server.sparql, "-G", "--data-urlencode", f"query={CONSTRUCT}", "-H", f"Accept: {accept}"
    )
    assert status == 200
    assert headers["content-type"] == content_type
    assert set(Graph().parse(data=body, format=parser)) == expected_construct()


@pytest.mark.parametrize(
    ("args", "status", "words"),
    [
        (["-G", "--data-urlencode", "query=SELECT ?s WHERE { ?s ?p "], 400, "Malformed query"),
        (["-X", "POST"], 415, "no Content-Type"),
        (["--data-urlencode", "format=json"], 400, "no query"),
        (
            ["-G", "--data-urlencode", "query=ASK {}", "--data-urlencode", "query=ASK {}"],
            400,
            "one",
        ),
        (["--data-urlencode", "update=CLEAR ALL"], 403, "read-only"),
        (["-H", "Content-Type: application/sparql-update", "--data-binary", "CLEAR ALL"], 403, ""),
        (["-G", "--data-urlencode", "query=LOAD <https://example.org/g>"], 403, "read-only"),
        (["-H", "Content-Type: text/plain", "--data-binary", "ASK {}"], 415, "text/plain"),
        (["-X", "PUT", "--data-binary", "ASK {}"], 405, ""),
        (["-X", "DELETE"], 405, ""),
        (["-G", "--data-urlencode", "query=ASK {}", "-H", "Accept: text/csv"], 406, "available"),
    ],
)
def test_curl_error_codes(server: LiveServer, args: list[str], status: int, words: str) -> None:
    got, headers, body = curl(server.sparql, *args)
    assert got == status
    text = body.decode("utf-8")
    assert text.startswith(f"{status} ") and text.count("\n") == 1
    assert words in text
    assert headers["access-control-allow-origin"] == "*"
    if status == 405:
        assert {"GET", "POST"} <= {m.strip() for m in headers["allow"].split(",")}


def test_curl_error_as_json_for_api_clients(server: LiveServer) -> None:
    status, headers, body = curl(
        server.sparql, "-G", "--data-urlencode", "query=SELEC", "-H", "Accept: application/json"
    )
    assert status == 400
    assert headers["content-type"] == "application/json"
    doc = json.loads(body)
    assert set(doc) == {"error", "status", "reason"} and doc["status"] == 400


def test_curl_cors_preflight(server: LiveServer) -> None:
    status, headers, body = curl(
        server.sparql,
        "-X",
        "OPTIONS",
        "-H",
        "Origin: https://elsewhere.example",
        "-H",
        "Access-Control-Request-Method: POST",
        "-H",
        "Access-Control-Request-Headers: Content-Type",
    )
    assert status == 204
    assert body == b""
    assert headers["access-control-allow-origin"] == "*"
    assert headers["access-control-allow-methods"] == "GET, POST, OPTIONS"
    assert headers["access-control-allow-headers"] == "Content-Type, Accept"
    assert "access-control-allow-credentials" not in headers


def test_curl_service_description(server: LiveServer) -> None:
    status, headers, body = curl(server.sparql)
    assert status == 200
    assert headers["content-type"] == "text/turtle; charset=utf-8"
    graph = Graph().parse(data=body, format="turtle")
    assert (None, URIRef("http://www.w3.org/ns/sparql-service-description#endpoint"), None) in graph
    assert URIRef(server.sparql) in set(graph.objects())


def test_concurrent_queries_all_get_whole_answers(server: LiveServer) -> None:
    """Forty requests over eight threads against gthread workers: each answer is complete."""
    import urllib.parse
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    def fetch(query: str) -> bytes:
        url = server.sparql + "?" + urllib.parse.urlencode({"query": query, "format": "csv"})
        with urllib.request.urlopen(url, timeout=60) as resp:
            return resp.read()

    queries = [LABELS, PREFIX + "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"] * 20
    expected = {q: fetch(q) for q in set(queries)}
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(fetch, queries))
    assert answers == [expected[q] for q in queries]
