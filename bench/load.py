"""Held load: N concurrent clients on loopback for T seconds against `kgraph serve`, mixing the
competency queries, exports and resource pages; requests per second, p50 and p99 latency per
kind of request, and the error count, which must be zero (exit 1 otherwise).

    python bench/load.py [--clients 16] [--duration 30] [--url URL] [--data DIR] [--no-peer]

Without --url it starts `kgraph serve` on the project's graph (or --data DIR) on 127.0.0.1 and
stops it at the end. A client is a thread with one keep-alive connection, walking the mix from
its own offset; no new request starts after the duration (bounded: at most 600 s), and each
request has a --timeout. Kinds of request: `query` (each competency query POSTed to /sparql as a
form, SPARQL JSON results), `export` (GET /data.ttl, the whole graph), `page` (GET /id/... as
HTML, for authorities, inspections and people found in the graph). An error is any answer other
than 200, or no answer.

The named peer, in the same run: Oxigraph server (`oxigraph serve`, PyPI package oxigraph) in
memory, filled by `kgraph load --to`, held under the same load with the query part of the mix
(it has no exports or pages), right after kgraph is held under the query part alone; ratios are
kgraph's figure over Oxigraph's. The clients share the machine's cores with the server.
"""

from __future__ import annotations

import _syspath  # noqa: F401  (first: bench/http.py must not shadow the standard library's http)

# isort: split
import argparse
import http.client
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import common

MAX_DURATION = 600
MAX_CLIENTS = 256
READY = re.compile(r"serving (\d+) triples at (http://[^/\s]+)/sparql")
SPARQL_JSON = "application/sparql-results+json"
FORM = "application/x-www-form-urlencoded"
ID = "https://w3id.org/kgraph/id/"
PAGE_CLASSES = ("LocalAuthority", "Inspection", "Person")
PAGES_PER_CLASS = 8
KINDS = ("query", "export", "page")


@dataclass(frozen=True)
class Request:
    kind: str
    label: str
    method: str
    path: str
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Tally:
    """What one held run measured."""

    target: str
    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    errors: dict[str, int] = field(default_factory=lambda: {k: 0 for k in KINDS})
    first_errors: list[str] = field(default_factory=list)

    def total(self) -> int:
        return sum(len(v) for v in self.latencies.values()) + sum(self.errors.values())

    def error_count(self) -> int:
        return sum(self.errors.values())


# ---------------------------------------------------------------- the mix


def query_requests(path: str) -> list[Request]:
    """Each competency query, POSTed as a SPARQL protocol form, asking for SPARQL JSON."""
    from kgraph.queries import load_queries

    out = []
    for name, query in load_queries("competency").items():
        body = urlencode({"query": query.sparql}).encode()
        headers = (("Content-Type", FORM), ("Accept", SPARQL_JSON))
        out.append(Request("query", name, "POST", path, body, headers))
    return out


def page_requests(host: str, port: int, timeout: float) -> list[Request]:
    """Resource pages of things in the graph: a few authorities, inspections and people."""
    out = []
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        for cls in PAGE_CLASSES:
            query = (
                f"SELECT ?s WHERE {{ ?s a kg:{cls} FILTER(STRSTARTS(STR(?s), '{ID}')) }} "
                f"ORDER BY ?s LIMIT {PAGES_PER_CLASS}"
            )
            conn.request("GET", "/sparql?" + urlencode({"query": query, "format": "csv"}))
            resp = conn.getresponse()
            rows = resp.read().decode("utf-8").splitlines()[1:]
            if resp.status != 200:
                raise RuntimeError(f"finding {cls} pages: HTTP {resp.status}")
            for iri in rows:
                local = quote(iri.strip().removeprefix(ID), safe="/:@!$&'()*+,;=-._~")
                headers = (("Accept", "text/html"),)
                out.append(Request("page", cls, "GET", "/id/" + local, None, headers))
    finally:
        conn.close()
    return out


def kgraph_mix(host: str, port: int, timeout: float) -> list[Request]:
    """Queries, exports and pages, interleaved so every stretch of the mix holds each kind."""
    queries = query_requests("/sparql")
    pages = page_requests(host, port, timeout)
    exports = [Request("export", "data.ttl", "GET", "/data.ttl")]
    mix: list[Request] = []
    for i in range(max(len(queries), len(pages))):
        if i < len(queries):
            mix.append(queries[i])
        if i < len(pages):
            mix.append(pages[i])
        if i % 8 == 7:
            mix.extend(exports)
    return mix


# ---------------------------------------------------------------- holding the load


def hold(
    target: str, host: str, port: int, mix: list[Request], clients: int, seconds: float,
    timeout: float,
) -> Tally:  # fmt: skip
    """clients threads, each on one keep-alive connection, asking the mix for seconds."""
    tally = Tally(target)
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(offset: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        i = offset
        start.wait()
        try:
            while time.monotonic() < stop_at[0]:
                req = mix[i % len(mix)]
                i += 1
                began = time.perf_counter()
                problem = ""
                try:
                    conn.request(req.method, req.path, body=req.body, headers=dict(req.headers))
                    resp = conn.getresponse()
                    resp.read()
                    if resp.status != 200:
                        problem = f"HTTP {resp.status} for {req.kind} {req.label}"
                except (OSError, http.client.HTTPException) as exc:
                    problem = f"{type(exc).__name__} for {req.kind} {req.label}: {exc}"[:200]
                    conn.close()
                    conn = http.client.HTTPConnection(host, port, timeout=timeout)
                took = time.perf_counter() - began
                with lock:
                    if problem:
                        tally.errors[req.kind] += 1
                        if len(tally.first_errors) < 5:
                            tally.first_errors.append(problem)
                    else:
                        tally.latencies[req.kind].append(took)
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(n * 7,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    began = time.monotonic()
    stop_at[0] = began + seconds
    start.wait()
    for t in threads:
        t.join(seconds + timeout + 10)
    tally.seconds = time.monotonic() - began
    return tally


def warm_up(host: str, port: int, mix: list[Request], workers: int, limit: float) -> str:
    """Ask everything once, and the exports until every worker has its copy cached (a round of
    concurrent requests all answered quickly): kgraph serialises the whole graph once per
    worker process, which takes half a minute for Turtle of the project's graph."""
    began = time.monotonic()
    conn = http.client.HTTPConnection(host, port, timeout=limit)
    for req in mix:
        if req.kind != "export":
            conn.request(req.method, req.path, body=req.body, headers=dict(req.headers))
            conn.getresponse().read()
    conn.close()
    exports = sorted({r.path for r in mix if r.kind == "export"})
    rounds = 0
    while exports and time.monotonic() - began < limit:
        rounds += 1
        took: list[float] = []
        threads = [
            threading.Thread(target=_timed_get, args=(host, port, p, limit, took))
            for p in exports
            for _ in range(4 * workers)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(limit)
        if len(took) == len(threads) and max(took) < 5:
            break
    return f"# warm-up: {time.monotonic() - began:.0f} s, {rounds} rounds of concurrent exports"


def _timed_get(host: str, port: int, path: str, timeout: float, took: list[float]) -> None:
    """GET path on a connection of its own; how long it took goes into took."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    began = time.perf_counter()
    try:
        conn.request("GET", path)
        conn.getresponse().read()
        took.append(time.perf_counter() - began)
    except (OSError, http.client.HTTPException):
        pass  # the next round asks again
    finally:
        conn.close()


# ---------------------------------------------------------------- servers


def start_kgraph(args: argparse.Namespace, log_dir: Path):
    command = [sys.executable, "-m", "kgraph", "serve", "--host", "127.0.0.1", "--port", "0"]
    command += ["--workers", str(args.workers), "--threads", str(args.threads), "--no-access-log"]
    if args.data:
        command += ["--data", str(args.data)]

    def url_of(text: str) -> str | None:
        match = READY.search(text)
        return match.group(2) if match else None

    return common.start_process("kgraph", command, log_dir, url_of, args.start_timeout)


def start_oxigraph(args: argparse.Namespace, log_dir: Path):
    """Oxigraph server in memory, filled with the same graph by `kgraph load --to`."""
    cli = common.oxigraph_cli()
    if cli is None:
        return None, None
    port = common.free_port()
    url = f"http://127.0.0.1:{port}"
    process, _ = common.start_process(
        "oxigraph",
        [cli, "serve", "--bind", f"127.0.0.1:{port}"],
        log_dir,
        lambda _text: url + "/query",
        args.start_timeout,
    )
    command = [sys.executable, "-m", "kgraph", "load", "--to", url + "/query"]
    if args.data:
        command += ["--data", str(args.data)]
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=args.start_timeout)
    except (subprocess.SubprocessError, OSError):
        common.stop(process)
        raise
    return process, url


# ---------------------------------------------------------------- report


def rows_for(tally: Tally) -> list[list[str]]:
    rows = []
    for kind in (*KINDS, "all"):
        samples = (
            [x for v in tally.latencies.values() for x in v]
            if kind == "all"
            else tally.latencies[kind]
        )
        errors = tally.error_count() if kind == "all" else tally.errors[kind]
        if not samples and not errors:
            continue
        rows.append(
            [
                tally.target,
                kind,
                str(len(samples) + errors),
                common.fmt((len(samples) + errors) / tally.seconds),
                common.fmt(common.percentile_ms(samples, 50)),
                common.fmt(common.percentile_ms(samples, 99)),
                str(errors),
            ]
        )
    return rows


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (16)")
    parser.add_argument(
        "--duration", type=float, default=30, help=f"seconds to hold (30; at most {MAX_DURATION})"
    )
    parser.add_argument("--url", default=None, help="an already running kgraph serve's base URL")
    parser.add_argument("--data", type=Path, default=None, help="data folder (the project's)")
    parser.add_argument("--workers", type=int, default=2, help="kgraph serve --workers (2)")
    parser.add_argument("--threads", type=int, default=4, help="kgraph serve --threads (4)")
    parser.add_argument("--no-peer", action="store_true", help="skip Oxigraph server")
    parser.add_argument("--timeout", type=float, default=60, help="seconds per request (60)")
    parser.add_argument("--start-timeout", type=float, default=300, help="server start-up limit")
    args = parser.parse_args(argv)
    if not 0 < args.duration <= MAX_DURATION:
        parser.error(f"--duration must be between 0 and {MAX_DURATION} seconds")
    if not 0 < args.clients <= MAX_CLIENTS:
        parser.error(f"--clients must be between 1 and {MAX_CLIENTS}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    given = " ".join(argv if argv is not None else sys.argv[1:])
    print(f"`python bench/load.py{' ' + given if given else ''}`")
    common.print_machine()
    processes: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="kgraph-load-") as scratch:
        log_dir = Path(scratch)
        try:
            if args.url:
                base = args.url.rstrip("/")
            else:
                process, base = start_kgraph(args, log_dir)
                processes.append(process)
            where = urlsplit(base)
            host, port = where.hostname or "127.0.0.1", where.port or 80
            mix = kgraph_mix(host, port, args.timeout)
            counts = {k: sum(1 for r in mix if r.kind == k) for k in KINDS}
            print(
                f"# mix of {len(mix)} requests: "
                + ", ".join(f"{n} {k}" for k, n in counts.items())
                + f"; {args.clients} clients, {args.duration:g} s per held run",
                flush=True,
            )
            print(warm_up(host, port, mix, args.workers, args.start_timeout), flush=True)
            tallies = [hold("kgraph", host, port, mix, args.clients, args.duration, args.timeout)]
            peer_rows: list[list[str]] = []
            if not args.no_peer:
                oxigraph, oxi_url = start_oxigraph(args, log_dir)
                if oxigraph is None:
                    print("# no oxigraph server binary (pip install oxigraph): peer skipped")
                else:
                    processes.append(oxigraph)
                    queries = [r for r in mix if r.kind == "query"]
                    ours = hold(
                        "kgraph-queries", host, port, queries, args.clients, args.duration,
                        args.timeout,
                    )  # fmt: skip
                    where = urlsplit(oxi_url)
                    theirs = hold(
                        "oxigraph-queries",
                        where.hostname or "127.0.0.1",
                        where.port or 80,
                        query_requests("/query"),
                        args.clients,
                        args.duration,
                        args.timeout,
                    )
                    tallies += [ours, theirs]
                    peer_rows = ratio_rows(ours, theirs)
        finally:
            for process in processes:
                common.stop(process)
    common.emit(
        f"Held load, {args.clients} clients, {args.duration:g} s each",
        ["target", "kind", "requests", "req/s", "p50 ms", "p99 ms", "errors"],
        [row for tally in tallies for row in rows_for(tally)],
    )
    if peer_rows:
        common.emit(
            "The query part against Oxigraph server (kgraph / Oxigraph)",
            ["figure", "kgraph", "oxigraph", "ratio"],
            peer_rows,
        )
    errors = sum(t.error_count() for t in tallies)
    for tally in tallies:
        for problem in tally.first_errors:
            print(f"# {tally.target}: {problem}")
    print(f"\n# errors: {errors}", flush=True)
    return 1 if errors else 0


def ratio_rows(ours: Tally, theirs: Tally) -> list[list[str]]:
    def figures(t: Tally) -> tuple[float, float, float]:
        samples = t.latencies["query"]
        rate = (len(samples) + t.errors["query"]) / t.seconds
        return rate, common.percentile_ms(samples, 50), common.percentile_ms(samples, 99)

    a, b = figures(ours), figures(theirs)
    names = ("req/s", "p50 ms", "p99 ms")
    return [
        [n, common.fmt(x), common.fmt(y), common.ratio(x, y)]
        for n, x, y in zip(names, a, b, strict=True)
    ]


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
