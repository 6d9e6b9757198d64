"""Time and size limits: runaway queries are stopped while the server keeps answering, answers are
capped in rows, oversized bodies get 413 and URLs 414, and no query process outlives the server.

The time limit is tested on real `kgraph serve` processes (gunicorn, worker processes); the caps
and size limits through the Flask client, where a real server adds nothing, and once on a real
server where gunicorn itself reads the request.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from flask.testing import FlaskClient

from kgraph.queries import get_query
from kgraph.settings import Settings
from kgraph.store import Store
from kgraph.web import create_app

if TYPE_CHECKING:
    from conftest import LiveServer

LIMIT = "2"
# Room enough that the time limit, not the memory limit, stops these queries within LIMIT.
MEMORY = "6144"
# A guard against a hung test, never a timing check.
GUARD_SECONDS = 60
SIMPLE = "SELECT ?label WHERE { kg:Inspection rdfs:label ?label }"
PATHOLOGICAL = {
    "five-way cross product": (
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o }"
    ),
    "catastrophic regular expression": (
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?x ?y ?z "
        'FILTER(REGEX(CONCAT(STR(?o), STR(?z), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"), "^(a+)+$")) }'
    ),
    "deep property path": (
        "SELECT (COUNT(*) AS ?n) WHERE { ?a (<urn:kgraph:none>|!<urn:kgraph:none>)* ?b }"
    ),
    # Needs no data: pyoxigraph evaluates it even when only asked to parse it (on an empty store).
    "cross product of VALUES": "SELECT (COUNT(*) AS ?n) WHERE { "
    + " ".join(f"VALUES ?v{i} {{ {' '.join(map(str, range(300)))} }}" for i in range(4))
    + " }",
}


# --- helpers ---------------------------------------------------------------------------------


def ask(server: LiveServer, query: str, accept: str = "application/json") -> tuple[int, bytes]:
    """POST a query to a real server: its status and body, errors included."""
    body = urllib.parse.urlencode({"query": query}).encode()
    request = urllib.request.Request(server.sparql, data=body, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=GUARD_SECONDS) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def descendants(pid: int, depth: int = 0) -> dict[int, str]:
    """Every process below pid (only those depth levels down, if given): process id -> its start
    time (to tell a reused id apart)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = _stat(int(entry.name))
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found: dict[int, str] = {}
    todo = [(pid, 0)]
    while todo:
        parent, level = todo.pop()
        for child in parents.get(parent, []):
            try:
                started = _stat(child)[19]
            except OSError:
                continue
            if not depth or level + 1 == depth:
                found[child] = started
            todo.append((child, level + 1))
    return found


def _stat(pid: int) -> list[str]:
    """/proc/PID/stat after the command name: state, ppid, ... (field 3 onwards)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def running(pid: int, started: str) -> bool:
    """True while the process that started at started still runs (a zombie does not)."""
    try:
        fields = _stat(pid)
    except OSError:
        return False
    return fields[19] == started and fields[0] not in ("Z", "X")


def state(pid: int) -> str:
    try:
        return _stat(pid)[0]
    except OSError:
        return "gone"


def wait_until(check: Callable[[], bool], what: str) -> None:
    """Wait for check to hold; the guard only stops a hung test."""
    deadline = time.monotonic() + GUARD_SECONDS
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"still waiting for {what}")
        time.sleep(0.1)


# --- time limit, on a real server ------------------------------------------------------------


# `kgraph serve` runs 2 gunicorn workers; below each, a zygote and its query workers.
SERVER_PROCESSES = 2 * (2 + Settings().query_workers)


def start_limited(start_server: Callable[..., LiveServer]) -> LiveServer:
    """`kgraph serve` on the project's graph with a 2 s query time limit, all processes up."""
    server = start_server(env={"KGRAPH_QUERY_TIMEOUT": LIMIT, "KGRAPH_QUERY_MEMORY": MEMORY})
    wait_until(
        lambda: len(descendants(server.process.pid)) == SERVER_PROCESSES,
        "the server's worker processes to start",
    )
    return server


@pytest.fixture(scope="module")
def limited_server(start_server: Callable[..., LiveServer]) -> LiveServer:
    """`kgraph serve` with a 2 s query time limit, for the module."""
    return start_limited(start_server)


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_a_runaway_query_is_stopped_while_others_answer(
    limited_server: LiveServer, name: str
) -> None:
    before_status, before_body = ask(limited_server, SIMPLE)
    assert before_status == 200
    processes_before = descendants(limited_server.process.pid)
    assert len(processes_before) == SERVER_PROCESSES

    events: list[str] = []
    slow: dict[str, object] = {}

    def run_slow() -> None:
        slow["status"], slow["body"] = ask(limited_server, PATHOLOGICAL[name])
        events.append("slow finished")

    thread = threading.Thread(target=run_slow)
    thread.start()
    simple_answers = []
    while thread.is_alive():
        status, body = ask(limited_server, SIMPLE)
        simple_answers.append((status, body))
        events.append("simple answered")
    thread.join()

    # The simple query answered, the same as before, and before the slow one finished.
    assert simple_answers
    assert all(answer == (before_status, before_body) for answer in simple_answers)
    assert events[0] == "simple answered"
    # The slow one was stopped with the limit and its setting in the message.
    assert slow["status"] == 503
    error = json.loads(slow["body"])  # type: ignore[arg-type]
    assert error["status"] == 503
    assert error["error"] == "Query timeout"
    assert f"{LIMIT} s limit" in error["reason"]
    assert "KGRAPH_QUERY_TIMEOUT" in error["reason"]

    # Afterwards: the same answers, as many query processes as before, none of them running.
    assert ask(limited_server, SIMPLE) == (before_status, before_body)
    wait_until(
        lambda: len(descendants(limited_server.process.pid)) == SERVER_PROCESSES,
        "the stopped worker to be replaced",
    )
    wait_until(
        lambda: all(state(p) == "S" for p in descendants(limited_server.process.pid)),
        "every server process to be idle",
    )
    stopped = set(processes_before) - set(descendants(limited_server.process.pid))
    assert len(stopped) == 1  # the runaway query's worker, and only it
    assert not any(running(pid, processes_before[pid]) for pid in stopped)


def test_plain_text_clients_get_the_timeout_as_one_line(limited_server: LiveServer) -> None:
    status, body = ask(limited_server, PATHOLOGICAL["five-way cross product"], accept="text/csv")
    assert status == 503
    assert body.decode() == (
        f"503 Query timeout: the query ran past the {LIMIT} s limit (KGRAPH_QUERY_TIMEOUT) "
        "and was stopped\n"
    )


def test_no_query_process_outlives_the_server(start_server: Callable[..., LiveServer]) -> None:
    server = start_limited(start_server)
    assert ask(server, PATHOLOGICAL["deep property path"])[0] == 503
    assert ask(server, SIMPLE)[0] == 200
    processes = descendants(server.process.pid)
    # A query still running when the server is asked to stop must not keep a process alive.
    answers: list[object] = []

    def run_slow() -> None:
        try:
            answers.append(ask(server, PATHOLOGICAL["five-way cross product"]))
        except OSError as exc:  # the server may close the connection as it stops
            answers.append(exc)

    slow = threading.Thread(target=run_slow)
    slow.start()
    # Query workers are three levels down: gunicorn master, worker, zygote, query worker.
    wait_until(
        lambda: any(state(p) == "R" for p in descendants(server.process.pid, depth=3)),
        "the slow query to run",
    )
    server.process.send_signal(signal.SIGTERM)
    server.process.wait(timeout=GUARD_SECONDS)
    slow.join()
    processes.update(descendants(server.process.pid))
    wait_until(
        lambda: not any(running(pid, started) for pid, started in processes.items()),
        "every query process to end",
    )


# Sorting a cross product of the graph with itself: every row is held at once.
MEMORY_HUNGRY = "SELECT * WHERE { ?s ?p ?o . ?a ?b ?c } ORDER BY ?o ?c LIMIT 1"


def test_a_query_past_the_memory_limit_is_stopped_and_the_server_carries_on(
    start_server: Callable[..., LiveServer],
) -> None:
    # A long time limit: the memory limit, not the clock, must stop this query.
    server = start_server(env={"KGRAPH_QUERY_TIMEOUT": "60", "KGRAPH_QUERY_MEMORY": "200"})
    wait_until(
        lambda: len(descendants(server.process.pid)) == SERVER_PROCESSES,
        "the server's worker processes to start",
    )
    before = ask(server, SIMPLE)
    assert before[0] == 200
    status, body = ask(server, MEMORY_HUNGRY)
    assert status == 503
    error = json.loads(body)
    assert error["error"] == "Query out of memory"
    assert "200 MiB memory limit (KGRAPH_QUERY_MEMORY)" in error["reason"]
    assert ask(server, SIMPLE) == before
    wait_until(
        lambda: len(descendants(server.process.pid)) == SERVER_PROCESSES,
        "the stopped worker to be replaced",
    )


WIDE = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.mark.parametrize(("recycle", "replaced"), [("1", True), ("0", False)])
def test_a_query_process_that_copied_its_share_of_the_store_is_replaced(
    start_server: Callable[..., LiveServer], recycle: str, replaced: bool
) -> None:
    """Oxigraph's in-memory store is written to as it is read: a query process copies the
    pages its queries read. Past KGRAPH_QUERY_RECYCLE MiB it answers, ends, and a fresh one
    takes its place; with 0 it stays."""
    server = start_server(env={"KGRAPH_QUERY_RECYCLE": recycle})
    wait_until(
        lambda: len(descendants(server.process.pid)) == SERVER_PROCESSES,
        "the server's worker processes to start",
    )
    before = set(descendants(server.process.pid))
    answers = [ask(server, WIDE) for _ in range(4)]
    assert {status for status, _ in answers} == {200}
    counts = {json.loads(body)["results"]["bindings"][0]["n"]["value"] for _, body in answers}
    assert counts == {str(server.triples)}
    wait_until(
        lambda: len(descendants(server.process.pid)) == SERVER_PROCESSES,
        "as many processes as before",
    )
    assert (set(descendants(server.process.pid)) != before) is replaced


def test_kgraph_query_stops_a_runaway_query(articles_data_dir: Path) -> None:
    query = PATHOLOGICAL["five-way cross product"]
    done = subprocess.run(
        [sys.executable, "-m", "kgraph", "query", "--data", str(articles_data_dir), query],
        capture_output=True,
        text=True,
        env={**os.environ, "KGRAPH_QUERY_TIMEOUT": "1"},
        timeout=GUARD_SECONDS,
    )
    assert done.returncode == 3
    assert done.stdout == ""
    assert done.stderr == (
        "kgraph: the query ran past the 1 s limit (KGRAPH_QUERY_TIMEOUT) and was stopped\n"
    )


# --- row cap, body and URL limits, through the Flask client -----------------------------------


def client_with(store: Store, **changes: object) -> FlaskClient:
    """A test client of the app around store with settings changed."""
    app = create_app(store=store, settings=replace(Settings.from_env(), **changes))
    app.config.update(TESTING=True)
    return app.test_client()


def test_rows_are_capped_at_the_default_limit(client: FlaskClient) -> None:
    resp = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert resp.status_code == 200
    assert resp.headers["Kgraph-Truncated"] == "10000"
    body = resp.get_json(force=True)
    assert len(body["results"]["bindings"]) == 10000
    assert body["truncated"] is True
    assert body["max_rows"] == 10000


def test_an_answer_within_the_cap_says_nothing(default_store: Store) -> None:
    client = client_with(default_store, max_rows=5)
    resp = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 5"})
    assert "Kgraph-Truncated" not in resp.headers
    body = resp.get_json(force=True)
    assert len(body["results"]["bindings"]) == 5
    assert set(body) == {"head", "results"}


@pytest.mark.store_kinds("oxigraph", "rdflib", "remote")
def test_row_cap_applies_to_every_format_and_kind(store: Store) -> None:
    client = client_with(store, max_rows=3)
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 50"
    csv = client.get("/sparql", query_string={"query": query, "format": "csv"})
    assert csv.headers["Kgraph-Truncated"] == "3"
    assert len(csv.get_data(as_text=True).splitlines()) == 1 + 3
    xml = client.get("/sparql", query_string={"query": query, "format": "xml"})
    assert xml.headers["Kgraph-Truncated"] == "3"
    assert xml.get_data(as_text=True).count("<result>") == 3
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 50"
    graph = client.get("/sparql", query_string={"query": construct, "format": "nt"})
    assert graph.headers["Kgraph-Truncated"] == "3"
    assert len(graph.get_data(as_text=True).splitlines()) == 3
    ask_resp = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert "Kgraph-Truncated" not in ask_resp.headers


def test_canned_query_api_is_capped_too(default_store: Store) -> None:
    client = client_with(default_store, max_rows=2)
    query = get_query("inspection-history")
    resp = client.get(
        f"/queries/{query.name}", query_string={p.name: p.example for p in query.params}
    )
    assert resp.status_code == 200
    assert resp.headers["Kgraph-Truncated"] == "2"
    body = resp.get_json()
    assert body["truncated"] is True
    assert len(body["rows"]) == 2


def test_kgraph_query_says_when_it_cut_rows_off(articles_data_dir: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kgraph",
            "query",
            "--data",
            str(articles_data_dir),
            "--format",
            "csv",
            "SELECT ?s WHERE { ?s ?p ?o }",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "KGRAPH_MAX_ROWS": "4"},
        timeout=GUARD_SECONDS,
    )
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 1 + 4
    assert done.stderr == "kgraph: the answer was cut off at 4 rows (KGRAPH_MAX_ROWS)\n"


@pytest.mark.parametrize("accept", ["application/json", "text/plain"])
def test_a_body_over_the_limit_is_413(client: FlaskClient, accept: str) -> None:
    limit = Settings().max_body_bytes
    body = "ASK { ?s ?p ?o }" + " " * limit
    resp = client.post(
        "/sparql",
        data=body,
        headers={"Content-Type": "application/sparql-query", "Accept": accept},
    )
    assert resp.status_code == 413
    reason = f"the request body is over the {limit} byte limit (KGRAPH_MAX_BODY_BYTES)"
    if accept == "text/plain":
        assert resp.get_data(as_text=True) == f"413 Payload too large: {reason}\n"
    else:
        assert resp.get_json() == {"error": "Payload too large", "status": 413, "reason": reason}


def test_a_body_just_within_the_limit_is_answered(default_store: Store) -> None:
    client = client_with(default_store, max_body_bytes=100)
    body = "ASK { ?s ?p ?o }".ljust(100)
    ok = client.post("/sparql", data=body, headers={"Content-Type": "application/sparql-query"})
    assert ok.status_code == 200
    over = client.post(
        "/sparql", data=body + " ", headers={"Content-Type": "application/sparql-query"}
    )
    assert over.status_code == 413


@pytest.mark.parametrize("accept", ["application/json", "text/plain"])
def test_a_url_over_the_limit_is_414(client: FlaskClient, accept: str) -> None:
    limit = Settings().max_url_bytes
    query = "ASK { ?s ?p ?o }" + "#" * limit
    resp = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert resp.status_code == 414
    text = resp.get_data(as_text=True)
    assert f"over the {limit} byte limit (KGRAPH_MAX_URL_BYTES)" in text
    if accept == "text/plain":
        assert text.startswith("414 URI too long: the URL is ")
        assert text.count("\n") == 1
    else:
        assert resp.get_json()["error"] == "URI too long"


def test_real_server_refuses_big_bodies_and_long_urls_in_its_own_shape(
    live_server: LiveServer,
) -> None:
    host, port = urllib.parse.urlsplit(live_server.url).netloc.split(":")
    limit = Settings().max_body_bytes
    # A body sent in chunks, without a Content-Length, is cut off at the limit too.
    conn = http.client.HTTPConnection(host, int(port), timeout=GUARD_SECONDS)
    chunks = [b"ASK { ?s ?p ?o }"] + [b" " * 65536] * (limit // 65536 + 1)
    conn.request(
        "POST",
        "/sparql",
        body=iter(chunks),
        headers={"Content-Type": "application/sparql-query", "Accept": "text/plain"},
        encode_chunked=True,
    )
    resp = conn.getresponse()
    assert resp.status == 413
    assert resp.read().decode().startswith("413 Payload too large: the request body is over")
    conn.close()
    # A URL gunicorn itself refuses to read is answered in the endpoint's shape as well.
    for length in (Settings().max_url_bytes + 1, 100_000):
        conn = http.client.HTTPConnection(host, int(port), timeout=GUARD_SECONDS)
        conn.request("GET", "/sparql?query=" + "A" * length)
        resp = conn.getresponse()
        assert resp.status == 414
        text = resp.read().decode()
        assert text.startswith("414 URI too long: the URL is ")
        assert f"over the {Settings().max_url_bytes} byte limit (KGRAPH_MAX_URL_BYTES)" in text
        assert text.count("\n") == 1
        conn.close()
    # And the server answers as before.
    assert ask(live_server, SIMPLE)[0] == 200


def test_a_remote_store_that_does_not_answer_in_time_is_a_timeout() -> None:
    """The remote kind has no worker processes: its HTTP timeout is the query limit."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from kgraph.stores.remote_store import RemoteStore

    release = threading.Event()

    class Silent(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            release.wait(GUARD_SECONDS)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Silent)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        remote = RemoteStore(f"http://127.0.0.1:{server.server_address[1]}")
        client = client_with(remote, query_timeout=1)
        resp = client.get(
            "/sparql", query_string={"query": SIMPLE}, headers={"Accept": "application/json"}
        )
        assert resp.status_code == 503
        assert resp.get_json() == {
            "error": "Query timeout",
            "status": 503,
            "reason": "the query ran past the 1 s limit (KGRAPH_QUERY_TIMEOUT) and was stopped",
        }
    finally:
        release.set()
        server.shutdown()
        server.server_close()
