"""The benchmarks in bench/ work: the generator is deterministic and writes the domain's classes,
and every benchmark script runs end to end at a tiny size and prints its table. No timings are
asserted: the scripts measure, these tests only check that they can.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
KG = "https://w3id.org/kgraph/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
# A guard so a hung script fails the test instead of hanging it; not a timing check.
GUARD_SECONDS = 900

CLASSES = [
    KG + "Article",
    KG + "LocalAuthority",
    KG + "Area",
    KG + "Person",
    "http://www.w3.org/ns/org#Membership",
    "http://www.w3.org/2006/time#Interval",
    "http://www.w3.org/2006/time#Instant",
    KG + "Inspection",
    KG + "Judgement",
    KG + "Finding",
    KG + "Recommendation",
    KG + "Citation",
    KG + "Statistic",
    "http://purl.org/linked-data/cube#Observation",
    KG + "ServiceArrangement",
    KG + "CommunityInterestCompany",
]


def generate(*args: str) -> bytes:
    done = subprocess.run(
        [sys.executable, str(BENCH / "generate.py"), *args],
        capture_output=True,
        timeout=GUARD_SECONDS,
        check=True,
    )
    return done.stdout


@pytest.fixture(scope="module")
def ten_thousand() -> bytes:
    return generate("--triples", "10000")


def test_same_seed_and_size_give_the_same_bytes(ten_thousand: bytes) -> None:
    assert generate("--triples", "10000") == ten_thousand
    assert generate("--triples", "10000", "--seed", "2") != ten_thousand


def test_a_smaller_graph_is_a_prefix_of_a_larger_one(ten_thousand: bytes) -> None:
    smaller = generate("--triples", "4000")
    assert ten_thousand.startswith(smaller)
    assert len(smaller) < len(ten_thousand)


def test_the_graph_parses_with_whole_facts_and_every_class(ten_thousand: bytes) -> None:
    graph = Graph()
    graph.parse(data=ten_thousand.decode("utf-8"), format="nt")
    lines = ten_thousand.decode("utf-8").splitlines()
    assert len(graph) == len(lines)  # no triple written twice
    # At least the size asked for, stopping at the first fact boundary past it.
    assert 10_000 <= len(graph) < 10_100
    for cls in CLASSES:
        assert next(graph.subjects(TYPE, URIRef(cls)), None) is not None, cls
    datatypes = {o.datatype for o in graph.objects() if isinstance(o, Literal)}
    wanted = {URIRef(XSD + t) for t in ("gYear", "gYearMonth", "date", "integer")}
    assert wanted <= datatypes
    time = "http://www.w3.org/2006/time#"
    for link in ("hasBeginning", "hasEnd", "inside", "before"):
        assert next(graph.subjects(URIRef(time + link), None), None) is not None, link


def test_every_citation_names_its_source_and_quote(ten_thousand: bytes) -> None:
    graph = Graph()
    graph.parse(data=ten_thousand.decode("utf-8"), format="nt")
    prov = "http://www.w3.org/ns/prov#"
    citations = set(graph.subjects(TYPE, URIRef(KG + "Citation")))
    assert citations
    for citation in citations:
        assert graph.value(citation, URIRef(prov + "entity")) is not None
        assert graph.value(citation, URIRef(KG + "quote")) is not None
        assert "#cite-" in str(citation) and str(citation).count("#") == 1


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str]:
    """bench/run_all.py --quick at a tiny size: every benchmark script, end to end."""
    folder = tmp_path_factory.mktemp("bench")
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH / "run_all.py"),
            "--quick",
            "--sizes",
            "2000",
            "--output",
            str(folder / "report.md"),
        ],
        capture_output=True,
        text=True,
        timeout=GUARD_SECONDS,
        env={**os.environ, "KGRAPH_BENCH_DIR": str(folder)},
        cwd=folder,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("script", "table"),
    [
        ("startup.py", "### Load and start-up, 2k synthetic"),
        ("queries.py", "### Query latency (ms), 2k synthetic"),
        ("http.py", "### Canned-query mix over HTTP, 2k synthetic"),
        ("validate.py", "### SHACL validation, 2k synthetic"),
    ],
)
def test_each_benchmark_runs_and_prints_its_table(
    quick_run: tuple[int, str], script: str, table: str
) -> None:
    code, output = quick_run
    assert f"`python bench/{script} " in output
    assert table in output, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert code == 0, output[-3000:]


def test_the_query_benchmark_runs_every_canned_query_on_every_store(
    quick_run: tuple[int, str],
) -> None:
    from kgraph.queries import load_queries

    _, output = quick_run
    table = output.split("### Query latency")[1].split("\n\n")[1]
    header = table.splitlines()[0]
    for kind in ("kgraph-oxigraph", "kgraph-rdflib", "pyoxigraph"):
        assert kind in header
    for name in [*load_queries("canned"), *load_queries("competency")]:
        assert f"| {name} " in table, name
    assert "| error" not in table


def test_the_http_benchmark_asks_every_server(quick_run: tuple[int, str]) -> None:
    """kgraph always; Oxigraph server and rdflib-endpoint where installed (pip install
    '.[bench]'), else the script says it skipped them."""
    _, output = quick_run
    table = output.split("### Canned-query mix over HTTP")[1]
    for target in ("kgraph-sparql", "kgraph-api", "kgraph-folder-sparql"):
        assert f"| {target} " in table, target
    oxigraph = (Path(sys.executable).parent / "oxigraph").is_file() or shutil.which("oxigraph")
    if oxigraph:
        assert "| oxigraph " in table
    else:
        assert "no oxigraph server binary" in output
    if importlib.util.find_spec("rdflib_endpoint"):
        assert "| rdflib-endpoint " in table
    else:
        assert "no rdflib-endpoint" in output


def test_the_held_load_benchmark_runs_without_errors(articles_data_dir: Path) -> None:
    """bench/load.py for two seconds, four clients, on the articles' graph: its table, every
    kind of request in it, no errors, and Oxigraph server beside it where installed."""
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH / "load.py"),
            "--duration",
            "2",
            "--clients",
            "4",
            "--data",
            str(articles_data_dir),
        ],
        capture_output=True,
        text=True,
        timeout=GUARD_SECONDS,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "Traceback" not in output
    table = output.split("### Held load, 4 clients, 2 s each")[1]
    for kind in ("query", "export", "page", "all"):
        assert re.search(rf"^\| kgraph +\| {kind} +\| [1-9]\d* ", table, re.MULTILINE), kind
    assert "\n# errors: 0\n" in output
    if (Path(sys.executable).parent / "oxigraph").is_file() or shutil.which("oxigraph"):
        assert "| oxigraph-queries | query " in table
        assert "### The query part against Oxigraph server" in table
