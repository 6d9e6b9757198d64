"""What the benchmark scripts share: the bench graph at a size, its queries, statistics, tables,
machine facts and the memory of a process tree.

The bench graph at size N is the project's ontology, its shared vocabulary (data/roles.ttl,
data/measures.ttl), the founding articles (data/articles/*.ttl, so the canned queries' own
examples find what they find in the real graph) and N synthetic triples from generate.py. It is
built under bench/.data/ (KGRAPH_BENCH_DIR) once per size and seed; derived files (one N-Triples
file of everything, Oxigraph server's database, kgraph's folder store) are rebuilt when the
project's files change.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from urllib.parse import urlencode

import generate

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA_ROOT = Path(os.environ.get("KGRAPH_BENCH_DIR") or BENCH / ".data")
ID = generate.ID
VOCABULARY = ("roles.ttl", "measures.ttl")
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000, "1M": 1_000_000, "10m": 10_000_000}
PACKAGES = (
    "rdflib",
    "pyoxigraph",
    "oxigraph",
    "oxrdflib",
    "pyshacl",
    "flask",
    "gunicorn",
    "rdflib-endpoint",
    "uvicorn",
    "fastapi",
)


def parse_size(text: str) -> int:
    """10k, 100k, 1M, or a number of triples."""
    text = text.strip()
    if text in SIZES:
        return SIZES[text]
    if text.lower().endswith("k"):
        return int(float(text[:-1]) * 1_000)
    if text.lower().endswith("m"):
        return int(float(text[:-1]) * 1_000_000)
    return int(text)


def size_label(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def sizes_arg(text: str) -> list[int]:
    return [parse_size(part) for part in text.split(",") if part.strip()]


def names_arg(
    parser: argparse.ArgumentParser, text: str, known: Sequence[str], what: str
) -> list[str]:
    """A comma-separated subset of known, in the order given; a name not in it is a usage error."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = sorted(set(names) - set(known))
    if unknown:
        parser.error(f"unknown {what}: {', '.join(unknown)}")
    return names


# ---------------------------------------------------------------- the bench graph


@dataclass(frozen=True)
class BenchGraph:
    """The files of the bench graph at one size and seed, and what is derived from them."""

    triples: int
    seed: int
    folder: Path

    @property
    def label(self) -> str:
        return size_label(self.triples)

    @property
    def data_dir(self) -> Path:
        """A data folder for kgraph's --data / KGRAPH_DATA_DIR: vocabulary, articles, synthetic."""
        return self.folder / "data"

    @property
    def synthetic(self) -> Path:
        return self.data_dir / "synthetic.nt"

    @property
    def derived(self) -> Path:
        """Files built from the whole graph; their folder is named by the inputs' digest."""
        return self.folder / f"derived-{inputs_digest(self)[:12]}"

    def settings(self, store: str = "oxigraph"):
        """kgraph Settings loading this graph (the project's ontology and shapes)."""
        from kgraph.settings import Settings

        return replace(Settings.from_env(), data_dir=self.data_dir, store=store)

    def files(self) -> list[Path]:
        """Every file of the graph in kgraph's load order: ontology, then data."""
        from kgraph.store import project_files

        return project_files(self.settings())

    def combined_nt(self) -> Path:
        """The whole graph as one N-Triples file (for servers that load one file)."""
        path = self.derived / "all.nt"
        if not path.is_file():
            import pyoxigraph as ox

            self.derived.mkdir(parents=True, exist_ok=True)
            store = ox.Store()
            for f in self.files():
                store.load(path=str(f), format=rdf_format(f), base_iri=f.resolve().as_uri())
            scratch = path.with_suffix(".tmp")
            store.dump(str(scratch), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
            scratch.replace(path)
        return path

    def total_triples(self) -> int:
        """Triples in the whole graph (ontology and data), counted once and remembered."""
        path = self.derived / "count.txt"
        if not path.is_file():
            with self.combined_nt().open("rb") as f:
                count = sum(1 for line in f if line.strip() and not line.startswith(b"#"))
            path.write_text(str(count))
        return int(path.read_text())

    def params(self) -> dict[str, str]:
        """IRIs of typical synthetic nodes (the first synthetic authority's)."""
        return generate.sample_parameters(self.seed)


def rdf_format(path: Path):
    import pyoxigraph as ox

    return ox.RdfFormat.N_TRIPLES if path.suffix == ".nt" else ox.RdfFormat.TURTLE


def inputs_digest(graph: BenchGraph) -> str:
    """A digest of what the bench graph is made of: the generator and the project files the
    graph copies or reads."""
    digest = hashlib.sha256(f"{graph.triples}/{graph.seed}".encode())
    digest.update(generator_digest().encode())
    for path in sorted((ROOT / "ontology").glob("*.ttl")) + project_data_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def generator_digest() -> str:
    """A digest of bench/generate.py: a changed generator makes a different synthetic graph."""
    return hashlib.sha256(Path(generate.__file__).read_bytes()).hexdigest()


def project_data_files() -> list[Path]:
    data = ROOT / "data"
    return [data / name for name in VOCABULARY] + sorted((data / "articles").glob("*.ttl"))


def prepare(triples: int, seed: int = generate.DEFAULT_SEED, quiet: bool = False) -> BenchGraph:
    """The bench graph at a size, generated and copied as needed."""
    graph = BenchGraph(triples, seed, DATA_ROOT / f"seed{seed}-{triples}")
    data = graph.data_dir
    (data / "articles").mkdir(parents=True, exist_ok=True)
    for path in project_data_files():
        target = data / path.relative_to(ROOT / "data")
        if not target.is_file() or target.read_bytes() != path.read_bytes():
            shutil.copyfile(path, target)
    stamp = graph.folder / "synthetic.generator"
    made_by = stamp.read_text() if stamp.is_file() else ""
    if not graph.synthetic.is_file() or made_by != generator_digest():
        if not quiet:
            print(
                f"# generating {size_label(triples)} synthetic triples (seed {seed})",
                file=sys.stderr,
                flush=True,
            )
        scratch = graph.synthetic.with_suffix(".tmp")
        generate.write(scratch, triples, seed)
        scratch.replace(graph.synthetic)
        stamp.write_text(generator_digest())
    for old in graph.folder.glob("derived-*"):
        if old != graph.derived:
            shutil.rmtree(old, ignore_errors=True)
    graph.derived.mkdir(parents=True, exist_ok=True)
    return graph


# ---------------------------------------------------------------- queries


@dataclass(frozen=True)
class BenchQuery:
    """A canned or competency query with the parameter values it runs with."""

    name: str
    group: str
    variant: str  # example (the .rq header's), synthetic (a typical synthetic node), or -
    canned: object  # kgraph.queries.CannedQuery
    values: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.name if self.variant == "-" else f"{self.name} [{self.variant}]"

    def bindings(self) -> dict:
        return self.canned.bindings(dict(self.values))  # type: ignore[attr-defined]

    @property
    def sparql(self) -> str:
        """The query with the project's prefixes; parameters to be bound separately."""
        return self.canned.sparql  # type: ignore[attr-defined]

    def sparql_with_values(self) -> str:
        """The query with its parameters bound by a VALUES block (for SPARQL servers)."""
        from kgraph.sparql_text import with_values

        return with_values(self.sparql, self.bindings())

    def api_path(self) -> str:
        """kgraph's /queries API URL path for this query and its parameters."""
        return f"/queries/{self.name}" + (f"?{urlencode(self.values)}" if self.values else "")


def bench_queries(
    graph: BenchGraph,
    groups: Sequence[str] = ("canned", "competency"),
    variants: Sequence[str] = ("example", "synthetic"),
) -> list[BenchQuery]:
    """Every canned query with its header's example parameters and with a typical synthetic
    node's, then every competency query (which take none)."""
    from kgraph.queries import load_queries

    sample = graph.params()
    out: list[BenchQuery] = []
    if "canned" in groups:
        for name, query in load_queries("canned").items():
            example = {p.name: p.example for p in query.params}
            if "example" in variants:
                out.append(BenchQuery(name, "canned", "example", query, example))
            if "synthetic" in variants:
                synthetic = {
                    p.name: synthetic_value(p.kind, v, sample)
                    for p, v in zip(query.params, example.values(), strict=True)
                }
                out.append(BenchQuery(name, "canned", "synthetic", query, synthetic))
    if "competency" in groups:
        for name, query in load_queries("competency").items():
            out.append(BenchQuery(name, "competency", "-", query, {}))
    return out


def synthetic_value(kind: str, example: str, sample: dict[str, str]) -> str:
    """The synthetic counterpart of an example value: a node of the same kind (the IRI's first
    path segment: authority, person, inspection, membership); roles and dates stay."""
    if kind != "iri" or not example.startswith(ID):
        return example
    segment = example.removeprefix(ID).split("/", 1)[0]
    return sample.get(segment, example)


# ---------------------------------------------------------------- statistics and tables


def median_ms(samples: Sequence[float]) -> float:
    return statistics.median(samples) * 1000 if samples else float("nan")


def percentile_ms(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile, in milliseconds (with few samples, p99 is the slowest)."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1] * 1000


def fmt(value: float, digits: int = 1) -> str:
    if value != value:  # NaN
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def ratio(value: float, reference: float) -> str:
    """value / reference as '2.5x', or '-' when either is missing."""
    if value != value or reference != reference or reference == 0:
        return "-"
    r = value / reference
    return f"{r:.2f}x" if r < 10 else f"{r:.0f}x"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table, columns padded so it reads in a terminal too."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def emit(title: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    print(f"\n### {title}\n")
    print(table(headers, rows), flush=True)


# ---------------------------------------------------------------- machine and processes


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    versions = []
    for package in PACKAGES:
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            continue
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "load average": load,
        "nproc": str(os.cpu_count()),
        "memory": memory,
        "cpu": cpu,
        "python": platform.python_version(),
        "packages": ", ".join(versions),
        "kgraph": git_head(),
    }


def git_head() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "log", "-1", "--format=%h %s"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "src"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        return out.stdout.strip()[:80] + (
            " (+ uncommitted changes in src/)" if dirty.stdout.strip() else ""
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def print_machine() -> None:
    info = machine()
    print("# " + "; ".join(f"{k}: {v}" for k, v in info.items()), flush=True)


def descendants(pid: int) -> list[int]:
    """pid and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def tree_memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS) in MiB summed over a process tree; PSS shares pages a fork shares fairly."""
    rss = pss = 0
    for p in descendants(pid):
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            continue
    return rss / 1024, pss / 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, deadline: float, process: subprocess.Popen | None = None) -> None:
    """Wait until url answers at all (any HTTP status), the process dies, or the deadline."""
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer in time")


def stop(process: subprocess.Popen) -> None:
    """Stop a server this script started: SIGTERM, then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def child_json(command: Sequence[str], timeout: float, env: dict[str, str] | None = None) -> dict:
    """Run a child Python process and read the JSON object it prints last."""
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(
            f"{' '.join(command[:4])}... exited {done.returncode}: {done.stderr.strip()[-1500:]}"
        )
    return json.loads(lines[-1])


def kgraph_folder_store_available() -> bool:
    """True once kgraph has an on-disk store (kgraph load --store DIR)."""
    import importlib.util

    return importlib.util.find_spec("kgraph.stores.persistent") is not None


def oxigraph_cli() -> str | None:
    """The `oxigraph` server binary (PyPI package oxigraph), beside this Python or on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file():
        return str(beside)
    return shutil.which("oxigraph")


def start_process(
    name: str, command: list[str], log_dir: Path, url_of, timeout: float
) -> tuple[subprocess.Popen, str]:
    """Start a server and wait for its first answer; url_of reads its URL from its stdout
    (logged to log_dir/NAME.out, stderr to NAME.err). Stopped again if it does not start."""
    out, err = log_dir / f"{name}.out", log_dir / f"{name}.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    try:
        url = None
        while url is None:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"{name} did not start (exit {process.returncode}): "
                    + err.read_text(errors="replace")[-1500:]
                )
            url = url_of(out.read_text(errors="replace"))
            if url is None:
                time.sleep(0.05)
        wait_http(url, deadline, process)
    except BaseException:
        stop(process)
        raise
    return process, url
