"""Nothing outside the loaded graph is reached by a query: no file is read, no request goes out.

A real HTTP server on a loopback port counts every request it receives, and a temporary file
holds a secret string. Hostile queries name both, through every way SPARQL has to name a graph or
a service (FROM, FROM NAMED, SERVICE, LOAD, the protocol's default-graph-uri and named-graph-uri),
on /sparql (Flask client on every kind of store, and a real `kgraph serve`) and `kgraph query`:
the counter stays at 0 and the secret never appears. With the server on the SERVICE allow-list,
SERVICE reaches it, and only it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from flask.testing import FlaskClient

from kgraph.settings import Settings
from kgraph.store import Store
from kgraph.web import create_app

if TYPE_CHECKING:
    from conftest import LiveServer

SECRET = "kgraph-isolation-secret-7f3a91"
FROM_SERVICE = "answered-by-the-counting-server"
GUARD_SECONDS = 60
FORM = "application/x-www-form-urlencoded"


@dataclass
class CountingServer:
    """A loopback HTTP server that counts the requests it gets and answers SPARQL JSON."""

    port: int
    paths: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


@pytest.fixture(scope="module")
def counting_server() -> Iterator[CountingServer]:
    """The counting server, for the module; each test sees the count from its own start."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.answer()

        def do_POST(self) -> None:
            self.answer()

        def answer(self) -> None:
            seen.append(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            body = json.dumps(
                {
                    "head": {"vars": ["x"]},
                    "results": {"bindings": [{"x": {"type": "literal", "value": FROM_SERVICE}}]},
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    counting = CountingServer(port=server.server_address[1], paths=seen)
    yield counting
    server.shutdown()
    server.server_close()


@pytest.fixture
def counter(counting_server: CountingServer) -> Iterator[CountingServer]:
    """The counting server with its count reset."""
    counting_server.paths.clear()
    yield counting_server


@pytest.fixture(scope="module")
def secret_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Turtle file whose one literal must never appear in an answer."""
    path = tmp_path_factory.mktemp("secret") / "secret.ttl"
    path.write_text(f'<https://example.org/secret> <https://example.org/says> "{SECRET}" .\n')
    return path


@dataclass(frozen=True)
class Hostile:
    """A request that names something outside the graph, and the status it must get."""

    name: str
    params: tuple[tuple[str, str], ...]
    status: int


def hostile_requests(server: CountingServer, secret: Path) -> list[Hostile]:
    """Every way a request can name a graph or service outside the loaded ones."""
    web = server.url + "graph.ttl"
    file = secret.as_uri()
    spo = "SELECT * WHERE { ?s ?p ?o }"
    graph = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"
    cases = []
    for where, iri in (("web", web), ("file", file)):

        def case(name: str, status: int, *params: tuple[str, str], where: str = where) -> Hostile:
            return Hostile(f"{name} {where}", params, status)

        cases += [
            case("FROM", 200, ("query", f"SELECT * FROM <{iri}> WHERE {{ ?s ?p ?o }}")),
            case(
                "FROM NAMED",
                200,
                ("query", f"SELECT * FROM NAMED <{iri}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"),
            ),
            case("GRAPH", 200, ("query", f"SELECT * WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")),
            case("default-graph-uri", 200, ("query", spo), ("default-graph-uri", iri)),
            case("named-graph-uri", 200, ("query", graph), ("named-graph-uri", iri)),
            case("SERVICE", 400, ("query", f"SELECT * WHERE {{ SERVICE <{iri}> {{ ?s ?p ?o }} }}")),
            case(
                "SERVICE SILENT",
                400,
                ("query", f"SELECT * WHERE {{ SERVICE SILENT <{iri}> {{ ?s ?p ?o }} }}"),
            ),
            case("LOAD as update", 403, ("update", f"LOAD <{iri}>")),
            case("LOAD as query", 403, ("query", f"LOAD <{iri}>")),
            case("LOAD INTO GRAPH", 403, ("update", f"LOAD SILENT <{iri}> INTO GRAPH <urn:x>")),
            case("DESCRIBE", 200, ("query", f"DESCRIBE <{iri}>")),
        ]
    escaped = web.replace("graph", "\\u0067raph")
    cases += [
        Hostile(
            "SERVICE by escapes",
            (("query", f"SELECT * WHERE {{ SERVIC\\u0045 <{escaped}> {{ ?s ?p ?o }} }}"),),
            400,
        ),
        Hostile(
            "SERVICE by variable",
            (("query", f"SELECT * WHERE {{ BIND(<{web}> AS ?u) SERVICE ?u {{ ?s ?p ?o }} }}"),),
            400,
        ),
        Hostile(
            "FROM web and file, protocol dataset too",
            (
                ("query", f"SELECT * FROM <{web}> FROM NAMED <{file}> WHERE {{ ?s ?p ?o }}"),
                ("default-graph-uri", file),
                ("named-graph-uri", web),
            ),
            200,
        ),
    ]
    return cases


def assert_isolated(server: CountingServer, status: int, body: str, case: Hostile) -> None:
    assert status == case.status, f"{case.name}: {body[:300]}"
    assert SECRET not in body, case.name
    assert FROM_SERVICE not in body, case.name
    assert server.paths == [], case.name


def app_client(store: Store, **changes: object) -> FlaskClient:
    app = create_app(store=store, settings=replace(Settings.from_env(), **changes))
    app.config.update(TESTING=True)
    return app.test_client()


# --- /sparql through the Flask client, on every kind of store ---------------------------------


def test_no_file_or_network_access_through_sparql(
    store: Store, counter: CountingServer, secret_file: Path
) -> None:
    client = app_client(store)
    for case in hostile_requests(counter, secret_file):
        for method in ("GET", "POST"):
            encoded = urllib.parse.urlencode(list(case.params))
            if method == "GET":
                resp = client.get("/sparql", query_string=encoded)
            else:
                resp = client.post("/sparql", data=encoded, content_type=FORM)
            assert_isolated(counter, resp.status_code, resp.get_data(as_text=True), case)


def test_service_to_an_allowed_server_reaches_it(store: Store, counter: CountingServer) -> None:
    client = app_client(store, service_allow=counter.url)
    query = f"SELECT ?x WHERE {{ SERVICE <{counter.url}sparql> {{ ?x ?p ?o }} }}"
    resp = client.get("/sparql", query_string={"query": query})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    values = [b["x"]["value"] for b in resp.get_json(force=True)["results"]["bindings"]]
    assert values == [FROM_SERVICE]
    assert counter.paths and all(p.startswith("/sparql") for p in counter.paths)


def test_the_allow_list_admits_only_its_prefixes(
    default_store: Store, counter: CountingServer, secret_file: Path
) -> None:
    client = app_client(default_store, service_allow=counter.url + "allowed/")
    for target in (counter.url + "sparql", secret_file.as_uri(), "http://127.0.0.2/allowed/"):
        query = f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"
        resp = client.get("/sparql", query_string={"query": query, "format": "json"})
        assert resp.status_code == 400
        assert resp.get_json()["reason"].startswith(f"SERVICE <{target}> is refused")
    assert counter.paths == []


def test_an_allow_list_entry_must_be_http(default_store: Store) -> None:
    with pytest.raises(Exception, match="not an http"):
        app_client(default_store, service_allow="file:///")


# --- a real `kgraph serve` --------------------------------------------------------------------


def fetch(url: str, params: tuple[tuple[str, str], ...], post: bool) -> tuple[int, str]:
    encoded = urllib.parse.urlencode(list(params))
    if post:
        request = urllib.request.Request(url, data=encoded.encode())
    else:
        request = urllib.request.Request(url + "?" + encoded)
    try:
        with urllib.request.urlopen(request, timeout=GUARD_SECONDS) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def allowing_server(
    start_server: Callable[..., LiveServer],
    articles_data_dir: Path,
    counting_server: CountingServer,
) -> LiveServer:
    """`kgraph serve` (query workers on, the default) that may call the counting server."""
    return start_server(
        "--data", articles_data_dir, env={"KGRAPH_SERVICE_ALLOW": counting_server.url + "allowed/"}
    )


def test_no_file_or_network_access_through_a_real_server(
    start_server: Callable[..., LiveServer],
    articles_data_dir: Path,
    counter: CountingServer,
    secret_file: Path,
) -> None:
    server = start_server("--data", articles_data_dir)
    for case in hostile_requests(counter, secret_file):
        for post in (False, True):
            status, body = fetch(server.sparql, case.params, post)
            assert_isolated(counter, status, body, case)


def test_a_real_server_calls_only_allowed_services(
    allowing_server: LiveServer, counter: CountingServer
) -> None:
    denied = f"SELECT ?x WHERE {{ SERVICE <{counter.url}sparql> {{ ?x ?p ?o }} }}"
    status, body = fetch(allowing_server.sparql, (("query", denied),), post=False)
    assert status == 400
    assert "KGRAPH_SERVICE_ALLOW" in body
    assert counter.paths == []
    allowed = f"SELECT ?x WHERE {{ SERVICE <{counter.url}allowed/sparql> {{ ?x ?p ?o }} }}"
    status, body = fetch(allowing_server.sparql, (("query", allowed),), post=True)
    assert status == 200
    assert FROM_SERVICE in body
    assert counter.paths and all(p.startswith("/allowed/sparql") for p in counter.paths)


# --- `kgraph query` ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["oxigraph", "rdflib"])
def test_no_file_or_network_access_through_kgraph_query(
    kind: str, articles_data_dir: Path, counter: CountingServer, secret_file: Path
) -> None:
    web = counter.url + "graph.ttl"
    file = secret_file.as_uri()
    queries = {
        f"SELECT * FROM <{web}> FROM <{file}> WHERE {{ ?s ?p ?o }}": 0,
        f"SELECT * FROM NAMED <{web}> FROM NAMED <{file}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}": 0,
        f"SELECT * WHERE {{ SERVICE <{web}> {{ ?s ?p ?o }} }}": 1,
        f"SELECT * WHERE {{ SERVICE <{file}> {{ ?s ?p ?o }} }}": 1,
        f"LOAD <{web}>": 1,
        f"LOAD <{file}>": 1,
    }
    for query, exit_code in queries.items():
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "kgraph",
                "query",
                "--store",
                kind,
                "--format",
                "json",
                "--data",
                str(articles_data_dir),
                query,
            ],
            capture_output=True,
            text=True,
            timeout=GUARD_SECONDS * 5,
            env={**os.environ, "KGRAPH_SERVICE_ALLOW": ""},
        )
        assert done.returncode == exit_code, done.stderr
        assert SECRET not in done.stdout + done.stderr
        assert counter.paths == [], query
        if exit_code:
            assert done.stdout == ""
            assert len(done.stderr.splitlines()) == 1
            assert done.stderr.startswith("kgraph: ")
