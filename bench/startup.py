"""Load time, start-up time and peak memory of kgraph's stores against rdflib and pyoxigraph.

    python bench/startup.py [--sizes 10k,100k,1M] [--rounds 2] [--seed 1]

Each contender runs in a fresh child process, one after another in rounds (A B C D, A B C D:
alternating, never all A then all B), and loads the same files: the bench graph (common.py).
Per contender: `load` is the in-process time to load (or open) the store and count its triples;
`prepare` (kgraph's stores) is what `kgraph serve` does next, before it forks its workers, so
that they share the answers (Store.prepare_for_fork: graph sizes and, in memory, hash subjects);
`start-up` is from spawning the process to the store being loaded (interpreter, imports, load,
prepare);
`first answer` is from spawning to its first answer; `first query` is that first canned query
alone (inspection-history with its example parameters, on a cold store); `peak RSS` is the
child's maximum resident set size.

Contenders: kgraph's in-memory Oxigraph store (load_store, the default kind), kgraph's rdflib
store, kgraph's folder store (opened as `kgraph serve --store DIR` opens it: checking the files'
fingerprint, without parsing; built first by `kgraph load --store DIR`), plain rdflib
(Graph.parse) and plain pyoxigraph (Store.load). Builds of the on-disk stores are timed once:
`kgraph load --store DIR` against `oxigraph load --location DIR`.
"""

from __future__ import annotations

import _syspath  # noqa: F401  (first: bench/http.py must not shadow the standard library)

# isort: split
import argparse
import json
import math
import resource
import shutil
import subprocess
import sys
import time

import common

CONTENDERS = ("kgraph-oxigraph", "kgraph-folder", "kgraph-rdflib", "pyoxigraph", "rdflib")
REFERENCE = "kgraph-oxigraph"
FIRST_QUERY = "inspection-history"


def child(kind: str, triples: int, seed: int) -> dict[str, object]:
    """Load the bench graph into one kind of store, in this process, and say how it went."""
    graph = common.BenchGraph(triples, seed, common.DATA_ROOT / f"seed{seed}-{triples}")
    query = next(
        q for q in common.bench_queries(graph, ("canned",), ("example",)) if q.name == FIRST_QUERY
    )
    started = time.perf_counter()
    prepare_s = float("nan")
    if kind in ("kgraph-oxigraph", "kgraph-rdflib", "kgraph-folder"):
        from kgraph.queries.answers import answer

        if kind == "kgraph-folder":
            store = open_folder_store(graph)
        else:
            from kgraph.store import load_store

            store = load_store(graph.settings(), kind=kind.removeprefix("kgraph-"))
        count = len(store)
        loaded = time.perf_counter()
        store.prepare_for_fork()
        prepare_s = time.perf_counter() - loaded
        rows = len(answer(store, query.canned, query.values).rows)
    elif kind == "rdflib":
        from rdflib import Graph

        g = Graph()
        for path in graph.files():
            g.parse(path, format="nt" if path.suffix == ".nt" else "turtle")
        count = len(g)
        loaded = time.perf_counter()
        rows = len(list(g.query(query.sparql_with_values())))
    elif kind == "pyoxigraph":
        import pyoxigraph as ox

        s = ox.Store()
        for path in graph.files():
            s.load(path=str(path), format=common.rdf_format(path), base_iri=path.resolve().as_uri())
        count = len(s)
        loaded = time.perf_counter()
        rows = len(list(s.query(query.sparql_with_values())))
    else:
        raise SystemExit(f"unknown contender {kind}")
    answered = time.perf_counter()
    ready = loaded if math.isnan(prepare_s) else loaded + prepare_s  # NaN: nothing to prepare
    now = time.time()
    return {
        "kind": kind,
        "triples": count,
        "load_s": loaded - started,
        "prepare_s": prepare_s,
        "first_query_ms": (answered - ready) * 1000,
        "rows": rows,
        "loaded_at": now - (answered - ready),
        "answered_at": now,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def open_folder_store(graph: common.BenchGraph):
    """kgraph's folder store, opened as `kgraph serve --store DIR` opens it."""
    from kgraph.stores import persistent

    folder = graph.derived / "kgraph-store"
    settings = graph.settings(store=str(folder))
    if hasattr(persistent, "sync_folder"):
        return persistent.sync_folder(folder, settings, rebuild=False).store
    from kgraph.store import open_store

    return open_store(str(folder), settings)


def build_kgraph_folder(graph: common.BenchGraph) -> float:
    """Build kgraph's folder store with `kgraph load --store DIR --data DIR`; seconds taken."""
    folder = graph.derived / "kgraph-store"
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "kgraph",
            "load",
            "--store",
            str(folder),
            "--data",
            str(graph.data_dir),
        ],
        check=True,
        capture_output=True,
        timeout=1800,
    )
    return time.perf_counter() - started


def build_oxigraph_folder(graph: common.BenchGraph) -> float:
    """Build Oxigraph server's database with `oxigraph load`; seconds taken."""
    folder = graph.derived / "oxigraph-server"
    cli = common.oxigraph_cli()
    if cli is None:
        return float("nan")
    nt = graph.combined_nt()
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(
        [cli, "load", "--location", str(folder), "--file", str(nt)],
        check=True,
        capture_output=True,
        timeout=1800,
    )
    return time.perf_counter() - started


def run_size(triples: int, seed: int, rounds: int, contenders: list[str], rdflib_max: int) -> None:
    graph = common.prepare(triples, seed)
    if triples > rdflib_max and "kgraph-rdflib" in contenders:
        print(f"# kgraph-rdflib left out above {common.size_label(rdflib_max)}", flush=True)
        contenders = [c for c in contenders if c != "kgraph-rdflib"]
    total = graph.total_triples()
    if "kgraph-folder" in contenders and not common.kgraph_folder_store_available():
        print("# kgraph has no folder store yet (kgraph.stores.persistent): skipped", flush=True)
        contenders = [c for c in contenders if c != "kgraph-folder"]

    builds = []
    if "kgraph-folder" in contenders:
        builds.append(("kgraph load --store DIR", build_kgraph_folder(graph)))
    if common.oxigraph_cli():
        builds.append(
            ("oxigraph load --location DIR (one N-Triples file)", build_oxigraph_folder(graph))
        )
    if builds:
        common.emit(
            f"Building an on-disk store, {graph.label} synthetic ({total:,} triples)",
            ["build", "seconds"],
            [(name, common.fmt(s, 2)) for name, s in builds],
        )

    results: dict[str, list[dict]] = {c: [] for c in contenders}
    for _ in range(rounds):
        for kind in contenders:  # A B C ..., then again: alternating
            spawned = time.time()
            out = common.child_json(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    kind,
                    "--triples",
                    str(triples),
                    "--seed",
                    str(seed),
                ],
                timeout=1800,
            )
            out["startup_s"] = out["loaded_at"] - spawned
            out["answer_s"] = out["answered_at"] - spawned
            results[kind].append(out)

    def best(kind: str, key: str) -> float:
        runs = results[kind]
        return min(float(r[key]) for r in runs) if runs else float("nan")

    reference = {key: best(REFERENCE, key) for key in ("load_s", "startup_s", "peak_rss_mb")}
    rows = []
    for kind in contenders:
        runs = results[kind]
        triples_seen = {r["triples"] for r in runs}
        rows.append(
            (
                kind,
                ", ".join(f"{t:,}" for t in sorted(triples_seen)),
                common.fmt(best(kind, "load_s"), 2),
                common.ratio(best(kind, "load_s"), reference["load_s"]),
                common.fmt(best(kind, "prepare_s"), 2),
                common.fmt(best(kind, "startup_s"), 2),
                common.ratio(best(kind, "startup_s"), reference["startup_s"]),
                common.fmt(best(kind, "answer_s"), 2),
                common.fmt(best(kind, "first_query_ms")),
                common.fmt(max(float(r["peak_rss_mb"]) for r in runs)),
                common.ratio(max(float(r["peak_rss_mb"]) for r in runs), reference["peak_rss_mb"]),
            )
        )
    common.emit(
        f"Load and start-up, {graph.label} synthetic ({total:,} triples), "
        f"best of {rounds} alternating rounds; ratios against {REFERENCE}",
        [
            "contender",
            "triples",
            "load s",
            "vs ref",
            "prepare s",
            "start-up s",
            "vs ref",
            "first answer s",
            "first query ms",
            "peak RSS MiB",
            "vs ref",
        ],
        rows,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="10k,100k,1M", help="synthetic sizes, default 10k,100k,1M"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (default 2)")
    parser.add_argument(
        "--contenders",
        default=",".join(CONTENDERS),
        help=f"comma-separated subset of {','.join(CONTENDERS)}",
    )
    parser.add_argument(
        "--rdflib-max",
        default="100k",
        help="largest size kgraph's rdflib store is loaded at (default 100k; plain rdflib: all)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--triples", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.triples, args.seed)), flush=True)
        return 0
    contenders = common.names_arg(parser, args.contenders, CONTENDERS, "contenders")
    common.print_machine()
    for triples in common.sizes_arg(args.sizes):
        run_size(
            triples, args.seed, max(1, args.rounds), contenders, common.parse_size(args.rdflib_max)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
