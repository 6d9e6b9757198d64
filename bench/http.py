"""HTTP requests per second and latency of `kgraph serve` against Oxigraph server and
rdflib-endpoint, serving the same graph and the same canned-query mix.

    python bench/http.py [--sizes 100k] [--clients 1,4,16] [--duration 6] [--rounds 2]

Servers, each started here on 127.0.0.1 and stopped here: `kgraph serve` (gunicorn, its default
2 workers x 4 threads, the in-memory Oxigraph store loaded from the files), `kgraph serve --store
DIR` (its folder store, built first by `kgraph load --store DIR`), Oxigraph server (PyPI package
oxigraph) in memory as `oxigraph` (`oxigraph serve`, the graph POSTed to its /store: start-up
counts the load) and on disk as `oxigraph-disk` (`oxigraph serve-read-only` on the database
`oxigraph load` built), and `rdflib-endpoint serve`
(rdflib in memory, under uvicorn). Every server answers the same texts: each canned query with its
example and its synthetic parameters bound by a VALUES block, POSTed as a SPARQL protocol form
with Accept: application/sparql-results+json. kgraph's own API (GET /queries/NAME?params) is
measured too, on the in-memory server, as `kgraph-api`.

For each number of concurrent clients, bursts alternate between targets (A B C D, A B C D...),
--duration seconds per target and round. A client is a thread with one keep-alive connection,
walking the mix from its own offset. Bursts stop by themselves: no new request after the
duration, at most --max-requests per burst, a --timeout per request; after each burst the
server is left to finish what it still works on (CPU idle) before the next one starts.
The clients share the machine's cores with the servers, as they would on one machine.

Start-up is from spawning the server to its first answer; memory is the server's process tree
(gunicorn's master and workers), sampled through the bursts: RSS, and PSS, which shares the pages
the forked workers share (what the tree really costs).
"""

from __future__ import annotations

import _syspath  # noqa: F401  (first: this file must not shadow the standard library's http)

# isort: split
import argparse
import http.client
import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import common

SERVERS = ("kgraph", "kgraph-folder", "oxigraph", "oxigraph-disk", "rdflib-endpoint")
REFERENCE = "kgraph-sparql"
READY = re.compile(r"serving (\d+) triples at (http://[^/\s]+)/sparql")
SPARQL_JSON = "application/sparql-results+json"


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    host: str
    port: int
    startup_s: float
    log: Path
    peak_rss: float = 0.0
    peak_pss: float = 0.0
    idle_pss: float = 0.0

    def sample_memory(self) -> None:
        rss, pss = common.tree_memory_mb(self.process.pid)
        self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)

    def cpu_seconds(self) -> float:
        total = 0
        for pid in common.descendants(self.process.pid):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
            except (OSError, IndexError, ValueError):
                continue
        return total / 100


@dataclass
class Target:
    """One way of asking one server the mix: its SPARQL endpoint, or kgraph's /queries API."""

    name: str
    server: Server
    requests: list[tuple[str, str, bytes | None, dict[str, str]]]  # method, path, body, headers
    latencies: dict[int, list[float]] = field(default_factory=dict)
    errors: dict[int, int] = field(default_factory=dict)
    wall: dict[int, float] = field(default_factory=dict)
    first_error: str = ""


def start(
    name: str,
    command: list[str],
    log_dir: Path,
    url_of: Callable[[str], str | None],
    timeout: float,
    after_ready: Callable[[str], None] | None = None,
) -> Server:
    """Start a server and wait for its first answer; url_of reads its URL from its stdout."""
    spawned = time.monotonic()
    process, url = common.start_process(name, command, log_dir, url_of, timeout)
    try:
        if after_ready is not None:
            after_ready(url)
    except BaseException:
        common.stop(process)
        raise
    startup = time.monotonic() - spawned
    host, port = url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
    server = Server(name, process, host, int(port), startup, log_dir / f"{name}.err")
    server.sample_memory()
    server.idle_pss = server.peak_pss
    return server


def start_servers(
    graph: common.BenchGraph, names: list[str], log_dir: Path, timeout: float
) -> list[Server]:
    """Start each server in turn (one at a time, so start-up times do not compete)."""
    servers = []
    python = sys.executable
    for name in names:
        if name in ("kgraph", "kgraph-folder"):
            command = [
                python,
                "-m",
                "kgraph",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--data",
                str(graph.data_dir),
            ]
            if name == "kgraph-folder":
                folder = graph.derived / "kgraph-store"
                if not (folder / "kgraph-store.json").is_file():
                    import startup as load_bench

                    load_bench.build_kgraph_folder(graph)
                command += ["--store", str(folder), "--no-rebuild"]
            else:
                command += ["--store", "oxigraph"]

            def kgraph_url(text: str) -> str | None:
                match = READY.search(text)
                return match.group(2) + "/sparql" if match else None

            servers.append(start(name, command, log_dir, kgraph_url, timeout))
        elif name == "oxigraph":  # in memory, loaded through its Graph Store endpoint
            cli = common.oxigraph_cli()
            if cli is None:
                print("# no oxigraph server binary (pip install oxigraph): skipped", flush=True)
                continue
            port = common.free_port()
            command = [cli, "serve", "--bind", f"127.0.0.1:{port}"]
            url = f"http://127.0.0.1:{port}/query"
            nt = graph.combined_nt()
            servers.append(
                start(
                    name,
                    command,
                    log_dir,
                    lambda _t, u=url: u,
                    timeout,
                    after_ready=lambda u, f=nt: post_ntriples(u, f, timeout),
                )
            )
        elif name == "oxigraph-disk":  # read-only, on the database `oxigraph load` built
            cli = common.oxigraph_cli()
            if cli is None:
                print("# no oxigraph server binary (pip install oxigraph): skipped", flush=True)
                continue
            folder = graph.derived / "oxigraph-server"
            if not folder.is_dir():
                import startup as load_bench

                load_bench.build_oxigraph_folder(graph)
            port = common.free_port()
            command = [
                cli,
                "serve-read-only",
                "--location",
                str(folder),
                "--bind",
                f"127.0.0.1:{port}",
            ]
            url = f"http://127.0.0.1:{port}/query"
            servers.append(start(name, command, log_dir, lambda _t, u=url: u, timeout))
        elif name == "rdflib-endpoint":
            cli = Path(python).parent / "rdflib-endpoint"
            if not cli.is_file():
                print(
                    "# no rdflib-endpoint (pip install rdflib-endpoint[cli]): skipped", flush=True
                )
                continue
            port = common.free_port()
            command = [
                str(cli),
                "serve",
                str(graph.combined_nt()),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ]
            url = f"http://127.0.0.1:{port}/"  # its SPARQL endpoint is at /
            servers.append(start(name, command, log_dir, lambda _t, u=url: u, timeout))
    return servers


def post_ntriples(query_url: str, path: Path, timeout: float) -> None:
    """Load an N-Triples file into an Oxigraph server's default graph (POST /store?default)."""
    host, port = query_url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        with path.open("rb") as body:
            conn.request(
                "POST",
                "/store?default",
                body=body,
                headers={
                    "Content-Type": "application/n-triples",
                    "Content-Length": str(path.stat().st_size),
                },
            )
            resp = conn.getresponse()
            resp.read()
            if resp.status >= 300:
                raise RuntimeError(f"loading {path} into Oxigraph server: HTTP {resp.status}")
    finally:
        conn.close()


def sparql_requests(path: str, queries: list[common.BenchQuery]):
    out = []
    for q in queries:
        body = urlencode({"query": q.sparql_with_values()}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": SPARQL_JSON}
        out.append(("POST", path, body, headers))
    return out


def api_requests(queries: list[common.BenchQuery]):
    return [("GET", q.api_path(), None, {"Accept": "application/json"}) for q in queries]


def targets_for(servers: list[Server], queries: list[common.BenchQuery]) -> list[Target]:
    out = []
    for s in servers:
        if s.name == "kgraph":
            out.append(Target("kgraph-sparql", s, sparql_requests("/sparql", queries)))
            out.append(Target("kgraph-api", s, api_requests(queries)))
        elif s.name == "kgraph-folder":
            out.append(Target("kgraph-folder-sparql", s, sparql_requests("/sparql", queries)))
        elif s.name in ("oxigraph", "oxigraph-disk"):
            out.append(Target(s.name, s, sparql_requests("/query", queries)))
        else:
            out.append(Target(s.name, s, sparql_requests("/", queries)))
    return out


def rows_of(body: bytes) -> int | None:
    """Rows in a SPARQL JSON result or a /queries answer."""
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    if "results" in doc:
        return len(doc["results"]["bindings"])
    if "rows" in doc:
        return len(doc["rows"])
    return None


def check_answers(targets: list[Target], queries: list[common.BenchQuery], timeout: float) -> None:
    """Ask every target each query once (warm-up) and show where row counts differ."""
    counts: dict[str, list[str]] = {}
    for t in targets:
        conn = http.client.HTTPConnection(t.server.host, t.server.port, timeout=timeout)
        col = []
        for method, path, body, headers in t.requests:
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                n = rows_of(data) if resp.status == 200 else None
                took = (time.perf_counter() - started) * 1000
                col.append(
                    f"{n} ({common.fmt(took)} ms)" if n is not None else f"HTTP {resp.status}"
                )
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection(t.server.host, t.server.port, timeout=timeout)
                col.append(type(exc).__name__)
        conn.close()
        counts[t.name] = col
    rows = []
    for i, q in enumerate(queries):
        cells = [counts[t.name][i] for t in targets]
        answers = {c.split(" (")[0] for c in cells}
        rows.append([q.label, *cells, "" if len(answers) == 1 else "differ"])
    common.emit(
        "Rows each target answered, and how long it took (warm-up, one request each)",
        ["query", *[t.name for t in targets], ""],
        rows,
    )


def burst(target: Target, clients: int, duration: float, max_requests: int, timeout: float) -> None:
    """clients threads asking target the mix for duration seconds (bounded), then stop."""
    lock = threading.Lock()
    issued = [0]
    latencies: list[float] = []
    errors = [0]
    stop_at = time.monotonic() + duration
    mix = target.requests

    def client(offset: int) -> None:
        conn = http.client.HTTPConnection(target.server.host, target.server.port, timeout=timeout)
        i = offset
        try:
            while time.monotonic() < stop_at:
                with lock:
                    if issued[0] >= max_requests:
                        return
                    issued[0] += 1
                method, path, body, headers = mix[i % len(mix)]
                i += 1
                started = time.perf_counter()
                try:
                    conn.request(method, path, body=body, headers=headers)
                    resp = conn.getresponse()
                    resp.read()
                    ok = resp.status == 200
                    if not ok and not target.first_error:
                        target.first_error = f"HTTP {resp.status} for {path}"
                except (OSError, http.client.HTTPException) as exc:
                    ok = False
                    if not target.first_error:
                        target.first_error = f"{type(exc).__name__}: {exc}"[:200]
                    conn.close()
                    conn = http.client.HTTPConnection(
                        target.server.host, target.server.port, timeout=timeout
                    )
                took = time.perf_counter() - started
                with lock:
                    if ok:
                        latencies.append(took)
                    else:
                        errors[0] += 1
        finally:
            conn.close()

    sampling = threading.Event()

    def sampler() -> None:
        while not sampling.wait(0.25):
            target.server.sample_memory()

    watcher = threading.Thread(target=sampler, daemon=True)
    watcher.start()
    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n * 5,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + timeout + 5)
    wall = time.monotonic() - started
    sampling.set()
    watcher.join()
    target.server.sample_memory()
    target.latencies.setdefault(clients, []).extend(latencies)
    target.errors[clients] = target.errors.get(clients, 0) + errors[0]
    target.wall[clients] = target.wall.get(clients, 0.0) + wall


def settle(server: Server, limit: float = 30.0) -> None:
    """Wait (bounded) until the server stops working on requests its clients gave up on."""
    deadline = time.monotonic() + limit
    last = server.cpu_seconds()
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = server.cpu_seconds()
        if now - last < 0.05:
            return
        last = now


def run_size(triples: int, args: argparse.Namespace, names: list[str]) -> None:
    graph = common.prepare(triples, args.seed)
    total = graph.total_triples()
    excluded = [x.strip() for x in args.exclude.split(",") if x.strip()]
    queries = [q for q in common.bench_queries(graph, ("canned",)) if q.name not in excluded]
    if excluded:
        print(f"# left out of the mix at {graph.label}: {', '.join(excluded)}", flush=True)
    log_dir = graph.derived / "http-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    size_names = [
        n for n in names if n != "rdflib-endpoint" or triples <= common.parse_size(args.rdflib_max)
    ]
    if "kgraph-folder" in size_names and not common.kgraph_folder_store_available():
        size_names.remove("kgraph-folder")
    for name in (
        "oxigraph",
        "oxigraph-disk",
        "rdflib-endpoint",
    ):  # build what they load before timing start-ups
        if name in size_names:
            graph.combined_nt()
    servers = start_servers(graph, size_names, log_dir, args.start_timeout)
    try:
        targets = targets_for(servers, queries)
        check_answers(targets, queries, args.timeout)
        for clients in common.sizes_arg(args.clients):
            for _ in range(args.rounds):
                for t in targets:  # alternating: A B C, A B C
                    burst(t, clients, args.duration / args.rounds, args.max_requests, args.timeout)
                    settle(t.server)
        report(graph, total, servers, targets, common.sizes_arg(args.clients), args)
    finally:
        for s in servers:
            common.stop(s.process)


def report(
    graph: common.BenchGraph,
    total: int,
    servers: list[Server],
    targets: list[Target],
    levels: list[int],
    args: argparse.Namespace,
) -> None:
    common.emit(
        f"Servers, {graph.label} synthetic ({total:,} triples)",
        ["server", "start-up s", "idle PSS MiB", "peak RSS MiB", "peak PSS MiB"],
        [
            (
                s.name,
                common.fmt(s.startup_s, 2),
                common.fmt(s.idle_pss),
                common.fmt(s.peak_rss),
                common.fmt(s.peak_pss),
            )
            for s in servers
        ],
    )
    ref = next((t for t in targets if t.name == REFERENCE), targets[0])
    rows = []
    for clients in levels:
        ref_rps = len(ref.latencies.get(clients, [])) / max(ref.wall.get(clients, 1e-9), 1e-9)
        for t in targets:
            done = t.latencies.get(clients, [])
            rps = len(done) / max(t.wall.get(clients, 1e-9), 1e-9)
            rows.append(
                (
                    clients,
                    t.name,
                    len(done),
                    t.errors.get(clients, 0),
                    common.fmt(rps),
                    common.ratio(ref_rps, rps) if t is not ref else "-",
                    common.fmt(common.percentile_ms(done, 50)),
                    common.fmt(common.percentile_ms(done, 99)),
                )
            )
    common.emit(
        f"Canned-query mix over HTTP, {graph.label} synthetic ({total:,} triples): "
        f"{len(ref.requests)} requests in the mix, {args.duration:g} s per target and level in "
        f"{args.rounds} alternating rounds; `{REFERENCE} / this` is how many times "
        f"{REFERENCE}'s requests/s this target's is",
        [
            "clients",
            "target",
            "requests",
            "errors",
            "req/s",
            f"{REFERENCE} / this",
            "p50 ms",
            "p99 ms",
        ],
        rows,
    )
    for t in targets:
        if t.first_error:
            print(f"# {t.name}: first error: {t.first_error}")
    print(flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100k")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--servers",
        default=",".join(SERVERS),
        help=f"comma-separated subset of {','.join(SERVERS)}",
    )
    parser.add_argument("--clients", default="1,4,16", help="concurrency levels (default 1,4,16)")
    parser.add_argument(
        "--duration",
        type=float,
        default=6.0,
        help="seconds per target and level, split over the rounds (default 6)",
    )
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (default 2)")
    parser.add_argument(
        "--max-requests", type=int, default=20000, help="requests per burst at most (default 20000)"
    )
    parser.add_argument(
        "--exclude",
        default="",
        help="canned queries (comma-separated names) to leave out of the mix",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=20.0,
        help="seconds a request may take before it counts as an error",
    )
    parser.add_argument(
        "--start-timeout", type=float, default=600.0, help="seconds a server may take to start"
    )
    parser.add_argument(
        "--rdflib-max",
        default="100k",
        help="largest size rdflib-endpoint is started at (default 100k)",
    )
    args = parser.parse_args(argv)
    names = common.names_arg(parser, args.servers, SERVERS, "servers")
    args.rounds = max(1, args.rounds)
    common.print_machine()
    for triples in common.sizes_arg(args.sizes):
        run_size(triples, args, names)
    return 0


if __name__ == "__main__":
    sys.exit(main())
