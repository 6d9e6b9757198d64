"""Latency of every canned and competency query on each kind of kgraph store, at each size.

    python bench/queries.py [--sizes 10k,100k,1M] [--reps 30] [--budget 2] [--seed 1]

Every canned query (src/kgraph/queries/*.rq) runs twice over: with the parameters of its
`# example` header (nodes of the founding articles, which the bench graph holds) and with a
typical synthetic node of the same kind (the first synthetic authority, its first person, its
first inspection, its first membership). Then every competency query. Each runs through
kgraph.queries.answers.answer, the code path of the /queries API and the CLI (parameters bound,
rows made plain), on each store kind: kgraph's in-memory Oxigraph (the default), its folder
store (when kgraph has one), its rdflib store; and on plain pyoxigraph, rows only listed: with
the parameters as Oxigraph substitutions (`pyoxigraph`: how kgraph bound them until it moved to
VALUES; Oxigraph applies substitutions after planning, so the plan cannot start from them), and
bound by a VALUES block opening the WHERE group (`pyoxigraph-values`: what kgraph's Oxigraph
store does now, and what the HTTP servers get): the difference between the two is what binding
by VALUES buys, the difference between kgraph and `pyoxigraph-values` what kgraph adds.

Contenders alternate query by query and repetition by repetition (A B C, A B C...). The first
run is untimed warm-up, unless it alone takes longer than --budget, when it is the only sample;
a contender stops repeating a query once it has spent --budget seconds on it (at least 3 runs).
Median and p99 (nearest rank: with few runs, the slowest) are in milliseconds; `rows` is what
the query returned (the same on every kind, or the table says so).
"""

from __future__ import annotations

import _syspath  # noqa: F401  (first: bench/http.py must not shadow the standard library)

# isort: split
import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import common

KINDS = ("kgraph-oxigraph", "kgraph-folder", "kgraph-rdflib", "pyoxigraph", "pyoxigraph-values")
REFERENCE = "kgraph-oxigraph"
TARGET_MS = 10.0  # the target: each canned query under 10 ms median at 1M triples


@dataclass
class Contender:
    name: str
    run: Callable[[common.BenchQuery], int]
    samples: dict[str, list[float]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def kgraph_runner(store) -> Callable[[common.BenchQuery], int]:
    from kgraph.queries.answers import answer

    def run(query: common.BenchQuery) -> int:
        return len(answer(store, query.canned, query.values).rows)

    return run


def pyoxigraph_runner(
    graph: common.BenchGraph, values: bool, cache: dict
) -> Callable[[common.BenchQuery], int]:
    """Plain pyoxigraph, parameters bound as substitutions or, with values, by a VALUES block in
    the text (what kgraph's Oxigraph store and the HTTP servers do)."""
    import pyoxigraph as ox
    from rdflib import Literal, URIRef

    if "store" not in cache:
        cache["store"] = ox.Store()
        for path in graph.files():
            cache["store"].load(
                path=str(path), format=common.rdf_format(path), base_iri=path.resolve().as_uri()
            )
    store = cache["store"]

    def term(node):
        if isinstance(node, URIRef):
            return ox.NamedNode(str(node))
        if isinstance(node, Literal) and node.datatype is not None:
            return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
        return ox.Literal(str(node))

    def run(query: common.BenchQuery) -> int:
        substitutions = {ox.Variable(k): term(v) for k, v in query.bindings().items()}
        return len(list(store.query(query.sparql, base_iri=common.ID, substitutions=substitutions)))

    def run_values(query: common.BenchQuery) -> int:
        return len(list(store.query(query.sparql_with_values(), base_iri=common.ID)))

    return run_values if values else run


def open_contenders(graph: common.BenchGraph, kinds: list[str]) -> tuple[list[Contender], list]:
    """Load every kind of store; also (kind, seconds to load) for the record."""
    out, loads = [], []
    shared: dict = {}  # the plain pyoxigraph store both pyoxigraph contenders query
    for kind in kinds:
        started = time.perf_counter()
        if kind in ("pyoxigraph", "pyoxigraph-values"):
            runner = pyoxigraph_runner(graph, kind == "pyoxigraph-values", shared)
        elif kind == "kgraph-folder":
            if not common.kgraph_folder_store_available():
                print("# kgraph has no folder store yet: kgraph-folder skipped", flush=True)
                continue
            import startup as load_bench

            folder = graph.derived / "kgraph-store"
            if not (folder / "kgraph-store.json").is_file():
                load_bench.build_kgraph_folder(graph)
            started = time.perf_counter()
            runner = kgraph_runner(load_bench.open_folder_store(graph))
        else:
            from kgraph.store import load_store

            runner = kgraph_runner(load_store(graph.settings(), kind=kind.removeprefix("kgraph-")))
        loads.append((kind, time.perf_counter() - started))
        out.append(Contender(kind, runner))
    return out, loads


def measure(
    contenders: list[Contender],
    queries: list[common.BenchQuery],
    reps: int,
    budget: float,
    triples: int,
    history: dict,
    cap: float,
) -> None:
    """Each query on every contender, alternating, within the repetition and time budget.

    history holds (triples, median seconds) of each contender and query at the last size; a
    query whose time there, grown with the square of the size, would pass cap is skipped.
    """
    for query in queries:
        label = query.label
        spent = {c.name: 0.0 for c in contenders}
        active = []
        for c in contenders:  # warm-up, alternating
            c.samples[label] = []
            before = history.get((c.name, label))
            grown = None if before is None else before[1] * (triples / before[0]) ** 2
            if grown is not None and grown > cap:
                c.errors[label] = (
                    f"skipped: {common.fmt(before[1], 2)} s at {common.size_label(before[0])}"
                )
                history[(c.name, label)] = (triples, grown)
                continue
            try:
                started = time.perf_counter()
                c.rows[label] = c.run(query)
                took = time.perf_counter() - started
            except Exception as exc:  # a store that cannot run a query is a finding, not a crash
                c.errors[label] = f"{type(exc).__name__}: {' '.join(str(exc).split())[:120]}"
                continue
            if took > budget:
                c.samples[label].append(took)
            else:
                active.append(c)
        for _ in range(reps):
            active = [c for c in active if spent[c.name] < budget or len(c.samples[label]) < 3]
            if not active:
                break
            for c in active:
                started = time.perf_counter()
                c.run(query)
                took = time.perf_counter() - started
                c.samples[label].append(took)
                spent[c.name] += took


def report(
    graph: common.BenchGraph,
    total: int,
    contenders: list[Contender],
    queries: list[common.BenchQuery],
    reps: int,
    budget: float,
) -> None:
    names = [c.name for c in contenders]
    ref = next((c for c in contenders if c.name == REFERENCE), contenders[0])
    headers = ["query"]
    for c in contenders:
        headers += [f"{c.name} median / p99 (n)"] + ([] if c is ref else ["vs ref"])
    headers.append("rows")
    rows = []
    for query in queries:
        label = query.label
        row: list[object] = [label]
        ref_median = common.median_ms(ref.samples.get(label, []))
        for c in contenders:
            samples = c.samples.get(label, [])
            if label in c.errors:
                cell = c.errors[label] if c.errors[label].startswith("skipped") else "error"
                row += [cell] + ([] if c is ref else [""])
                continue
            med = common.median_ms(samples)
            p99 = common.percentile_ms(samples, 99)
            row.append(f"{common.fmt(med, 2)} / {common.fmt(p99, 2)} ({len(samples)})")
            if c is not ref:
                row.append(common.ratio(med, ref_median))
        counts = {c.rows[label] for c in contenders if label in c.rows}
        row.append(
            str(counts.pop())
            if len(counts) == 1
            else " / ".join(f"{c.name}: {c.rows.get(label, '-')}" for c in contenders)
        )
        rows.append(row)
    common.emit(
        f"Query latency (ms), {graph.label} synthetic ({total:,} triples); "
        f"contenders {', '.join(names)}; up to {reps} runs or {budget:g} s each; "
        f"ratios against {ref.name}",
        headers,
        rows,
    )
    for c in contenders:
        for label, error in c.errors.items():
            if not error.startswith("skipped"):
                print(f"# {c.name} failed {label}: {error}")
    slow = [
        (q.label, common.median_ms(ref.samples.get(q.label, [])))
        for q in queries
        if q.group == "canned" and common.median_ms(ref.samples.get(q.label, [])) > TARGET_MS
    ]
    verdict = ", ".join(f"{n} {common.fmt(ms, 1)} ms" for n, ms in slow) or "none"
    print(f"\n# canned queries over {TARGET_MS:g} ms median on {ref.name}: {verdict}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k,1M")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reps", type=int, default=30, help="timed runs at most (default 30)")
    parser.add_argument(
        "--budget",
        type=float,
        default=2.0,
        help="seconds a contender may spend on one query (default 2)",
    )
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help=f"comma-separated subset of {','.join(KINDS)}"
    )
    parser.add_argument(
        "--rdflib-max",
        default="100k",
        help="largest size the rdflib store is loaded at (default 100k)",
    )
    parser.add_argument("--only", default="", help="run only queries whose name contains this")
    parser.add_argument(
        "--cap",
        type=float,
        default=20.0,
        help="skip a query at a size where its time at the last size, grown with the square "
        "of the size, would pass this many seconds (default 20)",
    )
    args = parser.parse_args(argv)
    kinds = common.names_arg(parser, args.kinds, KINDS, "kinds")
    common.print_machine()
    history: dict = {}
    for triples in common.sizes_arg(args.sizes):
        graph = common.prepare(triples, args.seed)
        total = graph.total_triples()
        size_kinds = [
            k
            for k in kinds
            if k != "kgraph-rdflib" or triples <= common.parse_size(args.rdflib_max)
        ]
        contenders, loads = open_contenders(graph, size_kinds)
        print(
            f"# {graph.label}: loaded " + ", ".join(f"{k} in {s:.1f} s" for k, s in loads),
            flush=True,
        )
        queries = [q for q in common.bench_queries(graph) if args.only in q.name]
        measure(contenders, queries, max(1, args.reps), args.budget, triples, history, args.cap)
        for c in contenders:
            for label, samples in c.samples.items():
                if samples:
                    history[(c.name, label)] = (triples, common.median_ms(samples) / 1000)
        report(graph, total, contenders, queries, args.reps, args.budget)
        del contenders
    return 0


if __name__ == "__main__":
    sys.exit(main())
