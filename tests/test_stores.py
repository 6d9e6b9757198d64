"""The kinds of store: a persistent folder built once and served without parsing, refused or
rebuilt when data changed; a remote Oxigraph server loaded by `kgraph load --to` and served;
errors as one line; and what every kind must agree on beyond the shared query tests."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from kgraph.errors import KgraphError
from kgraph.settings import Settings
from kgraph.sparql_text import CheckedTexts, uses_service, where_brace, with_values
from kgraph.store import Store, load_store
from kgraph.stores.loading import load_remote
from kgraph.stores.persistent import META
from kgraph.stores.remote_store import RemoteStore

FIXTURES = Path(__file__).parent / "fixtures" / "sparql_protocol"
EX = "https://example.org/kgraph-test/"
ALPHA = EX + "graph/alpha"
THINGS = f"PREFIX ex: <{EX}>\nSELECT ?label WHERE {{ ?t a ex:Thing ; rdfs:label ?label }}"
UP_TO_DATE = "is up to date"
THINGS_TTL = f"""@prefix ex: <{EX}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:thing-one a ex:Thing ; rdfs:label "Thing one" .
ex:thing-two a ex:Thing ; rdfs:label "Thing two" .
<https://example.org/kgraph-test/thing-one#part> ex:partOf ex:thing-one .
<https://example.org/kgraph-test/thing-one-more#part> ex:partOf ex:thing-one .
"""


def kgraph(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the kgraph command line in a new process, as a person would."""
    return subprocess.run(
        [sys.executable, "-m", "kgraph", *map(str, args)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    """The single `kgraph: ...` line a failed command printed, no trace."""
    assert done.returncode != 0, done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kgraph: "), done.stderr
    return lines[0]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A small data folder of our own, so a test can change it."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "things.ttl").write_text(THINGS_TTL, encoding="utf-8")
    return folder


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def labels(store: Store) -> set[str]:
    return {str(row.label) for row in store.query(THINGS)}


# --- a persistent folder store ------------------------------------------------------------------


def test_load_store_then_serve_store_opens_without_parsing(
    data: Path, tmp_path: Path, start_server: Callable[..., object]
) -> None:
    folder = tmp_path / "store"
    built = kgraph("load", "--store", folder, "--data", data)
    assert built.returncode == 0, built.stderr
    assert built.stderr.startswith(f"kgraph: built store {folder} from "), built.stderr
    meta = json.loads((folder / META).read_text(encoding="utf-8"))
    assert "data/things.ttl" in {f["name"] for f in meta["files"]}
    server = start_server("--store", folder, "--data", data)
    log = server.log.read_text(encoding="utf-8")
    assert f"kgraph: store {folder} {UP_TO_DATE} ({meta['triples']} triples)" in log
    assert "opened without parsing" in log
    assert server.triples == meta["triples"]
    query = urllib.parse.urlencode({"query": THINGS})
    request = urllib.request.Request(
        f"{server.sparql}?{query}", headers={"Accept": "application/sparql-results+json"}
    )
    with urllib.request.urlopen(request, timeout=60) as resp:
        rows = json.load(resp)["results"]["bindings"]
    assert {r["label"]["value"] for r in rows} == {"Thing one", "Thing two"}


def test_a_changed_data_file_is_refused_with_no_rebuild_and_rebuilt_without(
    data: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "store"
    assert kgraph("load", "--store", folder, "--data", data).returncode == 0
    with (data / "things.ttl").open("a", encoding="utf-8") as f:
        f.write('\nex:thing-three a ex:Thing ; rdfs:label "Thing three" .\n')
    refused = kgraph("serve", "--store", folder, "--data", data, "--no-rebuild", "--port", "0")
    line = one_error_line(refused)
    assert "is stale: data/things.ttl changed since it was built" in line
    rebuilt = kgraph("query", "--store", folder, "--data", data, "--format", "json", THINGS)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert f"kgraph: store {folder} was stale (data/things.ttl changed); rebuilt" in rebuilt.stderr
    rows = json.loads(rebuilt.stdout)["results"]["bindings"]
    assert "Thing three" in {r["label"]["value"] for r in rows}
    again = kgraph("query", "--store", folder, "--data", data, THINGS)
    assert UP_TO_DATE in again.stderr and "rebuilt" not in again.stderr


def test_an_added_or_removed_file_makes_the_store_stale(data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "store"
    assert kgraph("load", "--store", folder, "--data", data).returncode == 0
    shutil.copy(FIXTURES / "alpha.ttl", data / "alpha.ttl")
    line = one_error_line(kgraph("serve", "--store", folder, "--data", data, "--no-rebuild"))
    assert "data/alpha.ttl added" in line
    (data / "things.ttl").unlink()
    line = one_error_line(kgraph("serve", "--store", folder, "--data", data, "--no-rebuild"))
    assert "data/alpha.ttl added" in line and "data/things.ttl removed" in line


def test_a_folder_store_answers_like_a_memory_store(data: Path, tmp_path: Path) -> None:
    from kgraph.stores.persistent import sync_folder

    settings = replace(Settings.from_env(), data_dir=data)
    opened = sync_folder(tmp_path / "store", settings, [(ALPHA, FIXTURES / "alpha.ttl")])
    memory = load_store(settings, [(ALPHA, FIXTURES / "alpha.ttl")])
    assert opened.rebuilt
    assert len(opened.store) == len(memory)
    assert opened.store.graph_names() == memory.graph_names() == [ALPHA]
    assert labels(opened.store) == labels(memory) == {"Thing one", "Thing two"}


def test_a_file_or_a_foreign_folder_is_no_store(data: Path, tmp_path: Path) -> None:
    a_file = tmp_path / "file.txt"
    a_file.write_text("not a store\n", encoding="utf-8")
    line = one_error_line(kgraph("serve", "--store", a_file, "--data", data))
    assert "is a file, not a store folder" in line
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "cat.jpg").write_bytes(b"\xff\xd8")
    line = one_error_line(kgraph("load", "--store", foreign, "--data", data))
    assert "not a kgraph store (it holds cat.jpg)" in line
    assert (foreign / "cat.jpg").exists()


def test_a_data_file_that_does_not_parse_names_itself(data: Path, tmp_path: Path) -> None:
    (data / "broken.ttl").write_text("ex:a ex:b .\n", encoding="utf-8")
    line = one_error_line(kgraph("load", "--store", tmp_path / "store", "--data", data))
    assert "broken.ttl" in line


# --- a remote server ----------------------------------------------------------------------------


def test_load_to_url_then_query_and_serve_the_remote_store(
    data: Path, start_oxigraph: Callable[[], object], start_server: Callable[..., object]
) -> None:
    server = start_oxigraph()
    loaded = kgraph(
        "load", "--to", server.url, "--data", data, "--add", f"{ALPHA}={FIXTURES / 'alpha.ttl'}"
    )
    assert loaded.returncode == 0, loaded.stderr
    assert f"into {server.url} (default graph and 1 named graph)" in loaded.stderr
    remote = RemoteStore(server.url)
    assert labels(remote) == {"Thing one", "Thing two"}
    assert remote.graph_names() == [ALPHA]
    answered = kgraph("query", "--store", server.url, "--format", "json", THINGS)
    assert answered.returncode == 0, answered.stderr
    rows = json.loads(answered.stdout)["results"]["bindings"]
    assert {r["label"]["value"] for r in rows} == {"Thing one", "Thing two"}
    served = start_server("--store", server.url)
    assert served.triples == len(remote)
    with urllib.request.urlopen(served.url + "/downloads", timeout=60) as resp:
        assert ALPHA in resp.read().decode("utf-8")


def test_loading_again_replaces_what_the_server_held(
    data: Path, start_oxigraph: Callable[[], object]
) -> None:
    server = start_oxigraph()
    assert kgraph("load", "--to", server.url, "--data", data).returncode == 0
    only = THINGS_TTL.split("ex:thing-one")[0] + 'ex:only a ex:Thing ; rdfs:label "Only" .\n'
    (data / "things.ttl").write_text(only, encoding="utf-8")
    assert kgraph("load", "--to", server.url, "--data", data).returncode == 0
    assert labels(RemoteStore(server.url)) == {"Only"}


def test_an_unreachable_server_is_one_line(data: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    line = one_error_line(kgraph("load", "--to", url, "--data", data))
    assert f"cannot reach the SPARQL server at {url}/query" in line
    line = one_error_line(kgraph("query", "--store", url, "ASK {}"))
    assert "cannot reach the SPARQL server" in line


def test_store_values_that_name_no_kind_are_refused(data: Path) -> None:
    line = one_error_line(kgraph("query", "--store", "ftp://example.org/", "ASK {}"))
    assert "only http:// and https:// servers" in line
    line = one_error_line(kgraph("load", "--data", data))
    assert "give one of --store DIR or --to URL" in line


def test_a_remote_store_takes_no_files_to_add(oxigraph_server: object) -> None:
    line = one_error_line(
        kgraph("serve", "--store", oxigraph_server.url, "--add", FIXTURES / "alpha.ttl")
    )
    assert "kgraph load --to URL" in line


# --- what every kind agrees on ------------------------------------------------------------------


@pytest.fixture(scope="module", params=("oxigraph", "rdflib", "remote"))
def small_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The ontology, the protocol fixtures' default graph and graph alpha, in each kind."""
    data = tmp_path_factory.mktemp("small-data")
    (data / "things.ttl").write_text(THINGS_TTL, encoding="utf-8")
    settings = replace(Settings.from_env(), data_dir=data)
    extra = [(ALPHA, FIXTURES / "alpha.ttl")]
    if request.param != "remote":
        return load_store(settings, extra, kind=request.param)
    server = request.getfixturevalue("start_oxigraph")()
    load_remote(server.url, settings, extra)
    return RemoteStore(server.url)


def test_every_kind_counts_and_names_the_same_graphs(small_store: Store) -> None:
    assert small_store.graph_names() == [ALPHA]
    assert small_store.graph_size(ALPHA) == 1
    assert len(small_store) == small_store.graph_size() + 1
    assert len(small_store.rdflib_graph()) == small_store.graph_size()


def test_every_kind_binds_parameters_without_pasting_them(small_store: Store) -> None:
    query = "SELECT ?thing WHERE { ?thing rdfs:label ?label }"
    got = small_store.query(query, {"label": Literal("Thing one")})
    assert [str(r.thing) for r in got] == [EX + "thing-one"]
    hostile = Literal('Thing one" } ?thing ?p ?o . FILTER("1')
    assert list(small_store.query(query, {"label": hostile})) == []


def test_every_kind_finds_triples_by_pattern(small_store: Store) -> None:
    thing = URIRef(EX + "thing-one")
    found = small_store.triples((thing, None, None))
    assert found and all(s == thing for s, _, _ in found)
    assert small_store.triples((None, None, None), ALPHA) == [
        (URIRef(EX + "alpha-item"), URIRef(EX + "inGraph"), Literal("alpha"))
    ]


def test_every_kind_finds_the_hash_parts_of_a_resource(small_store: Store) -> None:
    assert small_store.hash_parts(URIRef(EX + "thing-one")) == [URIRef(EX + "thing-one#part")]
    assert small_store.hash_parts(URIRef(EX + "thing-two")) == []


def test_every_kind_lets_the_base_and_prefixes_go_undeclared(small_store: Store) -> None:
    assert small_store.query("ASK { <thing/none> ?p ?o }").askAnswer is False
    assert small_store.query("ASK { ?s a owl:Ontology }").askAnswer is True


def test_every_kind_refuses_service_before_it_runs(small_store: Store) -> None:
    with pytest.raises(KgraphError, match="SERVICE"):
        small_store.query("SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }")


# --- reading query text without a parser --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }",
        "select * { ?s ?p ?o .SERVICE<http://x/>{ ?s ?p ?o } }",
        "SELECT * { ?s ?p ?o FILTER(?s<?o) SERVICE ?svc { ?s ?p ?o } }",
        "SELECT * { # a comment\n Service SILENT <http://x/> { } }",
        "SELECT * { \\u0053ERVICE <http://x/> { ?s ?p ?o } }",
        'SELECT * { ?s ?p "x"}SERVICE<http://x/>{ }',
    ],
)
def test_service_is_found_wherever_it_hides(text: str) -> None:
    assert uses_service(text)


@pytest.mark.parametrize(
    "text",
    [
        'SELECT ?service WHERE { ?s kg:service ?service ; rdfs:label "SERVICE" }',
        "SELECT * WHERE { <http://example.org/SERVICE> ?p ?o } # SERVICE in a comment",
        "PREFIX service: <http://x/>\nSELECT * { ?s service:p $service }",
    ],
)
def test_service_in_names_strings_and_comments_is_no_service(text: str) -> None:
    assert not uses_service(text)


def test_checked_texts_refuse_service_every_time_and_find_where_values_go() -> None:
    texts = CheckedTexts(limit=2)
    refused = "SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }"
    for _ in range(2):
        with pytest.raises(KgraphError, match="SERVICE"):
            texts.check(refused)
    queries = [
        "SELECT ?s WHERE { ?s ?p ?o }",
        'SELECT (CONCAT("{", ?o) AS ?x) { ?s ?p ?o }',
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ]
    for text in queries * 2:  # the third is past the limit: read each time, the same answer
        assert texts.check(text) == where_brace(text) == text.rindex("{ ?s ?p ?o }")
    assert texts.check("DESCRIBE <http://x/>") == -1


def test_values_open_the_where_group_after_a_construct_template() -> None:
    text = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    bound = with_values(text, {"s": URIRef("http://example.org/a")})
    assert bound == (
        "CONSTRUCT { ?s ?p ?o } WHERE { VALUES (?s) { (<http://example.org/a>) } ?s ?p ?o }"
    )


def test_an_iri_that_would_end_itself_is_not_bound() -> None:
    with pytest.raises(KgraphError, match="not an IRI"):
        with_values("SELECT * { ?s ?p ?o }", {"s": URIRef("http://x/> } ; <http://y/")})
