"""Whole-graph export: time to write and peak memory of kgraph's exports against rdflib's
serializers and pyoxigraph's writers, in every syntax kgraph exports.

    python bench/export.py [--sizes 10k,100k] [--rounds 2] [--cap 60] [--no-project] [--seed 1]

What `kgraph export --format F` and the web downloads (/data.ttl, /data.nt, /data.nq, /data.trig,
/data.jsonld) do: kgraph.export.store_bytes(store, F), on the project's graph (the files
kgraph.store.project_files(Settings.from_env()) loads: ontology, articles, official data) and on
the bench graphs of --sizes (common.py), in Turtle, N-Triples, N-Quads, TriG and JSON-LD.

Contenders, each measurement in a fresh child process, alternating within each round (A B C D,
A B C D: never all of one and then the other), every syntax in turn:

- `kgraph (oxigraph)`: store_bytes on load_store(settings, kind="oxigraph"), kgraph's default
  store: triples sorted, blank nodes relabelled canonically, written by Oxigraph's writers
  (JSON-LD by kgraph's own writer);
- `kgraph (rdflib store)`: store_bytes on the rdflib kind, written by rdflib's serializers after
  the same canonical sort (kgraph.export.serialize);
- `rdflib` (the reference): a plain rdflib Graph (a Dataset for N-Quads and TriG) parsed from
  the same files, then .serialize(format=...) and nothing else;
- `pyoxigraph`: a plain pyoxigraph Store loaded from the same files, then pyoxigraph.serialize of
  its default graph's triples (quads for the quad syntaxes) as they come, without prefixes: no
  sorting, no canonical blank nodes. The floor: what kgraph's determinism costs above it.

`write s` is the median over rounds of the in-process time from the loaded store to the bytes
(load excluded: it is `load s`, which includes importing the library); `peak RSS` the median of
the child's peak resident set size (VmHWM), the load's or the write's, whichever is higher
(`load peak` is the peak after the load alone); `bytes` what was written (every child checks it
is not empty). `same bytes` says whether every round wrote the same bytes (by SHA-256): kgraph's
exports must, or the script exits 1; the peers' is shown for comparison. On the bench graphs, a
contender whose write time at the previous size, grown linearly, would pass --cap seconds is
skipped at that size and every larger one, and the table says so. The project's graph, what the
figures are about, is exported by every contender, after the bench graphs (rdflib's Turtle and
TriG writers grow faster than linearly on the bench graphs, and the project's graph is of
another shape: no size predicts it).
"""

from __future__ import annotations

import _syspath  # noqa: F401  (first: bench/http.py must not shadow the standard library)

# isort: split
import argparse
import hashlib
import json
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import common

SYNTAXES = ("turtle", "nt", "nquads", "trig", "jsonld")
QUAD_SYNTAXES = ("nquads", "trig")
CONTENDERS = ("kgraph (oxigraph)", "kgraph (rdflib store)", "rdflib", "pyoxigraph")
KGRAPH = ("kgraph (oxigraph)", "kgraph (rdflib store)")
REFERENCE = "rdflib"
RDFLIB_FORMATS = {
    "turtle": "turtle",
    "nt": "nt",
    "nquads": "nquads",
    "trig": "trig",
    "jsonld": "json-ld",
}
PROJECT = "project"


def rss_mb() -> float:
    """This process's peak resident set size so far, in MiB: VmHWM, which starts afresh at exec
    (getrusage's ru_maxrss keeps the parent's peak when it is higher, Linux carries it over)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------- in the child


def graph_settings(graph: str, seed: int):
    """kgraph Settings loading the project's graph or the bench graph of graph's size."""
    if graph == PROJECT:
        from kgraph.settings import Settings

        return Settings.from_env()
    triples = int(graph)
    return common.BenchGraph(triples, seed, common.DATA_ROOT / f"seed{seed}-{triples}").settings()


def child(
    contender: str, syntax: str, graph: str, seed: int, files: list[Path]
) -> dict[str, object]:
    """Load the graph one contender's way, write it whole in syntax, and say how it went.

    files are the graph's (project_files), found by the parent: the peers import nothing of
    kgraph, so their memory is theirs."""
    started = time.perf_counter()
    if contender in KGRAPH:
        settings = graph_settings(graph, seed)
        from kgraph.export import store_bytes
        from kgraph.store import load_store

        store = load_store(settings, kind="oxigraph" if contender == KGRAPH[0] else "rdflib")
        count = len(store)
        loaded = time.perf_counter()
        load_peak = rss_mb()
        data = store_bytes(store, syntax)
    elif contender == "rdflib":
        from rdflib import Dataset, Graph

        g = Dataset() if syntax in QUAD_SYNTAXES else Graph()
        for path in files:  # a Dataset parses a triple syntax into its default graph
            g.parse(path, format="nt" if path.suffix == ".nt" else "turtle")
        count = len(g)
        loaded = time.perf_counter()
        load_peak = rss_mb()
        data = g.serialize(format=RDFLIB_FORMATS[syntax], encoding="utf-8")
    elif contender == "pyoxigraph":
        import pyoxigraph as ox

        formats = {
            "turtle": ox.RdfFormat.TURTLE,
            "nt": ox.RdfFormat.N_TRIPLES,
            "nquads": ox.RdfFormat.N_QUADS,
            "trig": ox.RdfFormat.TRIG,
            "jsonld": ox.RdfFormat.JSON_LD,
        }
        s = ox.Store()
        for path in files:
            s.load(path=str(path), format=common.rdf_format(path), base_iri=path.resolve().as_uri())
        count = len(s)
        loaded = time.perf_counter()
        load_peak = rss_mb()
        quads = s.quads_for_pattern(None, None, None, ox.DefaultGraph())
        if not formats[syntax].supports_datasets:
            quads = (quad.triple for quad in quads)
        data = ox.serialize(quads, format=formats[syntax])
    else:
        raise SystemExit(f"unknown contender {contender}")
    written = time.perf_counter()
    if not data:
        raise SystemExit(f"{contender} wrote nothing in {syntax}")
    return {
        "contender": contender,
        "syntax": syntax,
        "triples": count,
        "load_s": loaded - started,
        "write_s": written - loaded,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "load_peak_mb": load_peak,
        "peak_rss_mb": rss_mb(),
    }


# ---------------------------------------------------------------- in the parent


@dataclass(frozen=True)
class Target:
    """A graph to export: the project's, or a bench graph at a size."""

    arg: str  # PROJECT, or the bench graph's triples as text
    title: str
    triples: int
    files: tuple[Path, ...]  # what kgraph loads: project_files(settings)


def count_triples(files: list[Path]) -> int:
    """Triples in the graph of files, counted in a throwaway pyoxigraph store."""
    import pyoxigraph as ox

    store = ox.Store()
    for path in files:
        store.load(path=str(path), format=common.rdf_format(path), base_iri=path.resolve().as_uri())
    return len(store)


def targets(sizes: list[int], seed: int, project: bool) -> list[Target]:
    """The graphs to export: the bench graphs, smallest first (so the cap judges each from a
    smaller one), then the project's."""
    out = []
    for triples in sorted(sizes):
        graph = common.prepare(triples, seed)
        total = graph.total_triples()
        title = f"{graph.label} synthetic ({total:,} triples)"
        out.append(Target(str(triples), title, total, tuple(graph.files())))
    if project:
        from kgraph.settings import Settings
        from kgraph.store import project_files

        files = project_files(Settings.from_env())
        total = count_triples(files)
        title = f"the project's graph ({total:,} triples)"
        out.append(Target(PROJECT, title, total, tuple(files)))
    return out


def run_target(
    target: Target,
    args: argparse.Namespace,
    contenders: list[str],
    syntaxes: list[str],
    history: dict,
) -> bool:
    """Measure and print one graph's table; False when a child failed or kgraph's bytes varied.

    history holds each contender and syntax's (triples, write seconds, why it is skipped) at the
    last bench size (seconds projected when it was skipped there): the cap judges a bench graph
    from it; the project's graph is neither judged nor kept.
    """
    capped = target.arg != PROJECT
    skipped: dict[tuple[str, str], str] = {}
    for contender in contenders:
        for syntax in syntaxes:
            before = history.get((contender, syntax))
            if before is None or not capped:
                continue
            grown = before[1] * target.triples / before[0]
            if grown > args.cap:
                skipped[(contender, syntax)] = before[2]
                history[(contender, syntax)] = (target.triples, grown, before[2])
    runs: dict[tuple[str, str], list[dict]] = {}
    errors: dict[tuple[str, str], str] = {}
    for _ in range(args.rounds):
        for syntax in syntaxes:
            for contender in contenders:  # A B C D, then again next round: alternating
                key = (contender, syntax)
                if key in skipped or key in errors:
                    continue
                command = [
                    sys.executable,
                    __file__,
                    "--child",
                    contender,
                    "--syntax",
                    syntax,
                    "--graph",
                    target.arg,
                    "--seed",
                    str(args.seed),
                    "--files",
                    json.dumps([str(f) for f in target.files]),
                ]
                try:
                    out = common.child_json(command, timeout=args.timeout)
                except (RuntimeError, subprocess.TimeoutExpired) as exc:
                    errors[key] = " ".join(str(exc).split())[-300:]
                    continue
                runs.setdefault(key, []).append(out)

    def median(key: tuple[str, str], field: str) -> float:
        values = [float(r[field]) for r in runs.get(key, [])]
        return statistics.median(values) if values else float("nan")

    ok = not errors
    rows = []
    for syntax in syntaxes:
        ref = (REFERENCE, syntax)
        for contender in contenders:
            key = (contender, syntax)
            if key in skipped or key in errors:
                cell = skipped.get(key) or "error"
                rows.append((syntax, contender, "", cell, "", "", "", "", "", ""))
                continue
            done = runs[key]
            sizes = sorted({int(r["bytes"]) for r in done})
            digests = {r["sha256"] for r in done}
            same = "yes" if len(digests) == 1 else "NO"
            if len(done) == 1:
                same = "1 round"
            if contender in KGRAPH and len(digests) > 1:
                ok = False
            if capped:
                write_s = median(key, "write_s")
                where = target.title.split(" (")[0]
                why = f"skipped: {common.fmt(write_s, 2)} s at {where}"
                history[key] = (target.triples, write_s, why)
            rows.append(
                (
                    syntax,
                    contender,
                    common.fmt(median(key, "load_s"), 2),
                    common.fmt(median(key, "write_s"), 2),
                    common.ratio(median(key, "write_s"), median(ref, "write_s")),
                    common.fmt(median(key, "load_peak_mb")),
                    common.fmt(median(key, "peak_rss_mb")),
                    common.ratio(median(key, "peak_rss_mb"), median(ref, "peak_rss_mb")),
                    " - ".join(f"{n:,}" for n in sizes),
                    same,
                )
            )
    common.emit(
        f"Whole-graph export, {target.title}, median of {args.rounds} alternating rounds; "
        f"ratios against {REFERENCE}",
        [
            "syntax",
            "contender",
            "load s",
            "write s",
            "vs rdflib",
            "load peak MiB",
            "peak RSS MiB",
            "vs rdflib",
            "bytes",
            "same bytes",
        ],
        rows,
    )
    for (contender, syntax), error in errors.items():
        print(f"# {contender} failed {syntax} on {target.title}: {error}", flush=True)
    loaded = {(r["contender"], int(r["triples"])) for done in runs.values() for r in done}
    if len({count for _, count in loaded}) > 1:
        counts = ", ".join(f"{c}: {n:,}" for c, n in sorted(loaded))
        print(f"# the contenders loaded different numbers of triples: {counts}", flush=True)
    for contender in KGRAPH:
        for syntax in syntaxes:
            digests = {r["sha256"] for r in runs.get((contender, syntax), [])}
            if len(digests) > 1:
                print(f"# {contender} wrote different bytes across rounds in {syntax}", flush=True)
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k", help="bench graph sizes (default 10k,100k)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (default 2)")
    parser.add_argument(
        "--project",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="export the project's graph too (default: yes)",
    )
    parser.add_argument(
        "--contenders",
        default=",".join(CONTENDERS),
        help=f"comma-separated subset of {','.join(CONTENDERS)}",
    )
    parser.add_argument(
        "--syntaxes",
        default=",".join(SYNTAXES),
        help=f"comma-separated subset of {','.join(SYNTAXES)}",
    )
    parser.add_argument(
        "--cap",
        type=float,
        default=60.0,
        help="skip a contender and syntax at a bench size where its write time at the previous "
        "size, grown linearly with the triples, would pass this many seconds (default 60; the "
        "project's graph is never skipped)",
    )
    parser.add_argument(
        "--timeout", type=float, default=1800, help="seconds one child may take (default 1800)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--syntax", help=argparse.SUPPRESS)
    parser.add_argument("--graph", help=argparse.SUPPRESS)
    parser.add_argument("--files", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        files = [Path(f) for f in json.loads(args.files)]
        print(json.dumps(child(args.child, args.syntax, args.graph, args.seed, files)), flush=True)
        return 0
    args.rounds = max(1, args.rounds)
    contenders = common.names_arg(parser, args.contenders, CONTENDERS, "contenders")
    syntaxes = common.names_arg(parser, args.syntaxes, SYNTAXES, "syntaxes")
    common.print_machine()
    history: dict = {}
    ok = True
    for target in targets(common.sizes_arg(args.sizes), args.seed, args.project):
        ok = run_target(target, args, contenders, syntaxes, history) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
