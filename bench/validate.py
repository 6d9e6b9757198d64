"""SHACL validation time: kgraph.validation.validate against pySHACL on a plain rdflib graph.

    python bench/validate.py [--sizes 10k,100k] [--rounds 2] [--seed 1]

The same data (the bench graph: ontology, vocabulary, articles, synthetic triples, in one plain
rdflib Graph) and the same shapes (shapes/*.ttl). Contenders, alternating round by round:

- `kgraph validate`: kgraph.validation.validate(graph), which is pySHACL with the project's
  options (no inference, SHACL-AF for SPARQL targets, every result) plus reading the report into
  sorted lines;
- `pySHACL`: pyshacl.validate(graph, shacl_graph=shapes) with the same options, nothing else;
- `kgraph validate (store graph)`: kgraph.validation.validate on the default kind of store's
  rdflib view (Oxigraph through oxrdflib), at sizes up to --store-max.

Each contender gets a fresh copy of the shapes graph (pySHACL adds triples to the one it is
given). `results` is the number of validation results: the same for every contender, or the
table says so.
"""

from __future__ import annotations

import _syspath  # noqa: F401  (first: bench/http.py must not shadow the standard library)

# isort: split
import argparse
import sys
import time
from collections.abc import Callable

import common

REFERENCE = "pySHACL"


def contenders(graph: common.BenchGraph, with_store: bool) -> tuple[list, float]:
    """(name, run) pairs, each run returning (conforms, results); and the seconds to load."""
    import pyshacl

    from kgraph.validation import copy_graph, load_shapes, project_graph, validate

    settings = graph.settings()
    started = time.perf_counter()
    data = project_graph(settings)
    shapes = load_shapes(settings.shapes_dir)
    loaded = time.perf_counter() - started

    def kgraph_run(target) -> Callable[[], tuple[bool, int]]:
        def run() -> tuple[bool, int]:
            report = validate(target, settings=settings)
            return report.conforms, len(report.results)

        return run

    def pyshacl_run() -> tuple[bool, int]:
        conforms, report, _ = pyshacl.validate(
            data,
            shacl_graph=copy_graph(shapes),
            inference="none",
            advanced=True,
            abort_on_first=False,
            allow_warnings=False,
            allow_infos=False,
        )
        from rdflib.namespace import SH

        return bool(conforms), len(set(report.objects(None, SH.result)))

    out = [("kgraph validate", kgraph_run(data)), (REFERENCE, pyshacl_run)]
    if with_store:
        from kgraph.store import load_store

        store = load_store(settings)
        out.append(("kgraph validate (store graph)", kgraph_run(store.default_graph)))
    return out, loaded


def run_size(triples: int, args: argparse.Namespace) -> None:
    graph = common.prepare(triples, args.seed)
    total = graph.total_triples()
    pairs, loaded = contenders(graph, triples <= common.parse_size(args.store_max))
    times: dict[str, list[float]] = {name: [] for name, _ in pairs}
    outcome: dict[str, tuple[bool, int]] = {}
    for _ in range(args.rounds):
        for name, run in pairs:  # alternating: A B C, A B C
            started = time.perf_counter()
            outcome[name] = run()
            times[name].append(time.perf_counter() - started)
    ref = min(times[REFERENCE])
    results = {n for _, n in outcome.values()}
    rows = [
        (
            name,
            common.fmt(min(times[name]), 2),
            common.fmt(max(times[name]), 2),
            common.ratio(min(times[name]), ref),
            "yes" if outcome[name][0] else "no",
            outcome[name][1],
        )
        for name, _ in pairs
    ]
    common.emit(
        f"SHACL validation, {graph.label} synthetic ({total:,} triples; parsed in "
        f"{loaded:.1f} s), {args.rounds} alternating rounds; ratios against {REFERENCE}"
        + ("" if len(results) == 1 else "; RESULT COUNTS DIFFER"),
        ["contender", "best s", "worst s", "vs ref", "conforms", "results"],
        rows,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--store-max",
        default="100k",
        help="largest size to validate the store's graph at (default 100k)",
    )
    args = parser.parse_args(argv)
    args.rounds = max(1, args.rounds)
    common.print_machine()
    for triples in common.sizes_arg(args.sizes):
        run_size(triples, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
