"""Operating the endpoint: /health on every kind of store, the access log of a real `kgraph serve`,
and a clean stop on SIGTERM (the request in flight answered in full, no process left behind)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
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

from kgraph.settings import Settings
from kgraph.store import open_configured
from kgraph.stores.loading import load_remote
from kgraph.stores.remote_store import RemoteStore
from kgraph.web import create_app

if TYPE_CHECKING:
    from conftest import LiveServer, OxigraphServer

ROOT = Path(__file__).resolve().parents[1]
# Guards so a broken server fails the test instead of hanging it; not timing checks.
GUARD_SECONDS = 120
ACCESS_LINE = re.compile(
    r"^\[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] (\S+) ([A-Z]+) (\S+) (\d{3}) (\S+) "
    r"(\d+\.\d{6})s$"
)
# A legitimate query that keeps a worker busy for seconds on the articles' graph (~4,000
# triples): every pair of triples, twice, counted.
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . VALUES ?k { 1 2 } }"
# The same for rdflib's engine on the ontology alone (~700 triples).
SLOW_QUERY_RDFLIB = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d a ?f . VALUES ?k { 1 2 } }"


def articles_settings(data: Path, store: str) -> Settings:
    return replace(Settings.from_env(), data_dir=data, store=store)


# --- /health ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["oxigraph", "rdflib", "folder", "remote"])
def test_health_says_the_store_answers_and_its_size_on_every_kind(
    kind: str,
    articles_data_dir: Path,
    tmp_path: Path,
    start_oxigraph: Callable[[], OxigraphServer],
) -> None:
    spec = {"folder": str(tmp_path / "store")}.get(kind, kind)
    if kind == "remote":
        server = start_oxigraph()
        load_remote(server.url, articles_settings(articles_data_dir, kind))
        spec = server.url
    settings = articles_settings(articles_data_dir, spec)
    store, _ = open_configured(settings)
    client = create_app(store=store, settings=settings).test_client()
    for _ in range(2):  # the count is remembered after the first answer; it must not change
        resp = client.get("/health")
        assert resp.status_code == 200
        assert resp.mimetype == "application/json"
        assert resp.headers["Cache-Control"] == "no-store"
        assert resp.get_json() == {"status": "ok", "triples": len(store), "store": kind}
    assert len(store) > 1000


def test_health_is_503_in_the_one_error_shape_when_the_store_cannot_answer(
    articles_data_dir: Path, start_oxigraph: Callable[[], OxigraphServer]
) -> None:
    server = start_oxigraph()
    load_remote(server.url, articles_settings(articles_data_dir, server.url))
    client = create_app(store=RemoteStore(server.url)).test_client()
    assert client.get("/health").status_code == 200
    server.process.terminate()
    server.process.wait(GUARD_SECONDS)

    resp = client.get("/health", headers={"Accept": "application/json"})
    assert resp.status_code == 503
    doc = resp.get_json()
    assert set(doc) == {"error", "status", "reason"}
    assert doc["status"] == 503 and doc["error"] == "Store unavailable"
    assert "cannot reach the SPARQL server" in doc["reason"]
    text = client.get("/health").get_data(as_text=True)
    assert text.startswith("503 Store unavailable: the store does not answer: ")
    assert text.count("\n") == 1 and "Traceback" not in text


def test_health_over_http_from_a_real_server(live_server: LiveServer) -> None:
    with urllib.request.urlopen(live_server.url + "/health", timeout=GUARD_SECONDS) as resp:
        assert resp.status == 200
        doc = json.loads(resp.read())
    assert doc == {"status": "ok", "triples": live_server.triples, "store": "oxigraph"}


def test_health_is_listed_with_the_routes() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"^\| `/health` \|", readme, re.MULTILINE)


# --- the access log -----------------------------------------------------------------------


def stdout_of(server: LiveServer) -> Path:
    return server.log.parent / "stdout.txt"


def access_lines(server: LiveServer, count: int) -> list[str]:
    """The server's access-log lines, once there are count of them (bounded wait)."""
    deadline = time.monotonic() + GUARD_SECONDS
    while True:
        lines = stdout_of(server).read_text(encoding="utf-8").splitlines()[1:]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


def request(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> int:
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=GUARD_SECONDS) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        exc.read()
        return exc.code


def test_one_access_log_line_per_request(
    start_server: Callable[..., LiveServer], articles_data_dir: Path
) -> None:
    server = start_server("--data", articles_data_dir, "--workers", "2", "--threads", "2")
    ask = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    sent = [
        ("GET", "/health", request(server.url + "/health")),
        ("GET", "/sparql", request(server.sparql + "?" + ask)),
        ("POST", "/sparql", request(server.sparql, ask.encode(), form)),
        ("POST", "/sparql", request(server.sparql, b"update=CLEAR+ALL", form)),
        ("GET", "/sparql", request(server.sparql + "?query=SELEC")),
        # A newline and a space in the path stay percent-encoded: still one line.
        ("GET", "/id/no%0Asuch%20thing", request(server.url + "/id/no%0Asuch%20thing?x=1")),
        ("GET", "/data.nt", request(server.url + "/data.nt")),
    ]
    assert [status for *_, status in sent] == [200, 200, 200, 403, 400, 404, 200]

    lines = access_lines(server, len(sent))
    assert len(lines) == len(sent), lines
    parsed = [ACCESS_LINE.match(line) for line in lines]
    assert all(parsed), lines
    # Threads and workers may log in any order; each request is there once.
    got = sorted((m.group(2), m.group(3), int(m.group(4))) for m in parsed if m)
    assert got == sorted(sent)
    for m in parsed:
        assert m is not None and m.group(1) == "127.0.0.1"
        assert float(m.group(6)) >= 0
    nt = next(m for m in parsed if m and m.group(3) == "/data.nt")
    assert int(nt.group(5)) > 100_000  # the bytes sent: the whole graph


def test_no_access_log_when_asked(
    start_server: Callable[..., LiveServer], articles_data_dir: Path
) -> None:
    server = start_server("--data", articles_data_dir, "--no-access-log")
    assert request(server.url + "/health") == 200
    assert request(server.url + "/no-such-page") == 404
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(GUARD_SECONDS) == 0
    assert stdout_of(server).read_text(encoding="utf-8").splitlines() == [server.ready_line]


# --- SIGTERM ------------------------------------------------------------------------------


def process_tree(pid: int) -> dict[int, str]:
    """pid and every process below it, each with its start time (so a reused pid is not it)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        p = todo.pop()
        start = start_time(p)
        if start is not None:
            found[p] = start
        todo.extend(children.get(p, []))
    return found


def start_time(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] == "Z" else fields[19]


def try_connect(port: int) -> str:
    """What a new client gets: 'refused', 'reset', 'closed' (no answer) or 'answered'."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=GUARD_SECONDS) as sock:
            sock.sendall(b"GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n")
            data = sock.recv(100)
    except ConnectionRefusedError:
        return "refused"
    except ConnectionResetError:
        return "reset"
    return "answered" if data.startswith(b"HTTP/1.") else f"got {data!r}"


@pytest.mark.parametrize("kind", ["oxigraph", "rdflib"])
def test_sigterm_answers_the_request_in_flight_then_exits_cleanly(
    kind: str, start_server: Callable[..., LiveServer], articles_data_dir: Path, tmp_path: Path
) -> None:
    """Oxigraph on the articles' graph, rdflib on the ontology alone: each busy for seconds."""
    if kind == "oxigraph":
        data, query = articles_data_dir, SLOW_QUERY
    else:
        (data := tmp_path / "no-data").mkdir()
        query = SLOW_QUERY_RDFLIB
    server = start_server(
        "--data", data, "--store", kind, "--workers", "2", "--threads", "2", "--no-access-log"
    )
    port = int(server.url.rsplit(":", 1)[1])
    url = server.sparql + "?" + urllib.parse.urlencode({"query": query, "format": "csv"})
    with urllib.request.urlopen(url, timeout=GUARD_SECONDS) as resp:
        expected = resp.read()  # the answer the request gets alone
    assert re.fullmatch(rb"n\r\n[1-9]\d{4,}\r\n", expected)
    answer: dict[str, object] = {}

    def slow_client() -> None:
        try:
            with urllib.request.urlopen(url, timeout=GUARD_SECONDS) as resp:
                answer["status"], answer["body"] = resp.status, resp.read()
        except Exception as exc:  # reported by the assertions below
            answer["error"] = repr(exc)
        answer["done"] = time.monotonic()

    client = threading.Thread(target=slow_client)
    client.start()
    # Wait until the server has the request: its workers start spending CPU on it.
    tree = process_tree(server.process.pid)
    assert len(tree) >= 3  # gunicorn's master and two workers
    busy_since = cpu_ticks(tree)
    deadline = time.monotonic() + GUARD_SECONDS
    while cpu_ticks(tree) < busy_since + 20 and "done" not in answer:
        assert time.monotonic() < deadline, "the server never started on the slow query"
        time.sleep(0.02)
    tree = process_tree(server.process.pid)  # including any query worker started by now
    signalled = time.monotonic()
    server.process.send_signal(signal.SIGTERM)

    # New clients are refused before the server exits. One that connects in the instant before
    # the workers hear of the signal may still be answered in full, or reset; none hangs.
    outcomes = []
    while server.process.poll() is None and len(outcomes) < 1000:
        outcomes.append(try_connect(port))
        if outcomes[-1] == "refused":
            refused_in_flight = "done" not in answer
            break
        time.sleep(0.05)
    assert outcomes[-1] == "refused", outcomes
    assert set(outcomes[:-1]) <= {"answered", "reset"}, outcomes
    # The workers stop listening at once (and the query processes never held the port open):
    # refused while the request in flight is still being answered.
    assert refused_in_flight, outcomes

    client.join(GUARD_SECONDS)
    assert "error" not in answer, answer
    assert answer["status"] == 200 and answer["body"] == expected
    assert answer["done"] > signalled  # it really was in flight when SIGTERM arrived
    assert server.process.wait(GUARD_SECONDS) == 0
    left = {pid for pid, started in tree.items() if start_time(pid) == started}
    assert not left, f"processes left running after the server exited: {sorted(left)}"
    assert "Traceback" not in server.log.read_text(encoding="utf-8")


def cpu_ticks(tree: dict[int, str]) -> int:
    """User and system CPU time of a process tree, in clock ticks."""
    total = 0
    for pid in tree:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total


def test_sigterm_on_an_idle_server_exits_zero(
    start_server: Callable[..., LiveServer], articles_data_dir: Path
) -> None:
    server = start_server("--data", articles_data_dir)
    tree = process_tree(server.process.pid)
    assert request(server.url + "/health") == 200
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(GUARD_SECONDS) == 0
    assert not {pid for pid, started in tree.items() if start_time(pid) == started}
    assert os.path.exists(server.log)
