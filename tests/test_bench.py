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
ID = "https://w3id.org/kgraph/id/"
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
    wanted = {URIRef(XSD + t) for t in ("gYear", "gYearMonth", "date", "integer", "decimal")}
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


def test_what_the_graph_copies_from_the_official_data_is_as_the_official_data_has_it(
    ten_thousand: bytes,
) -> None:
    """The concepts, shared period nodes and England's area the generator writes (the bench graph
    leaves data/official/ out) say what data/official/ says of them, and nothing else but their
    citations; synthetic codes are codes no real authority or area has."""
    graph = Graph()
    graph.parse(data=ten_thousand.decode("utf-8"), format="nt")
    official = Graph()
    for name in ("vocabulary.ttl", "sources.ttl", "areas.ttl"):
        official.parse(ROOT / "data" / "official" / name)
    copied = ("ofsted-region/", "scheme/", "measure/", "authority-status/", "period/", "area/e92")
    prov = "http://www.w3.org/ns/prov#"
    subjects = {
        s
        for s in graph.subjects()
        if str(s).startswith(tuple(ID + c for c in copied)) and "#cite-" not in str(s)
    }
    assert {URIRef(ID + "area/e92000001"), URIRef(ID + "measure/agency-worker-rate")} <= subjects
    assert URIRef(ID + "ofsted-region/london") in subjects
    assert URIRef(ID + "period/reporting-year-2017") in subjects
    for subject in subjects:
        for triple in graph.triples((subject, None, None)):
            if not str(triple[1]).startswith(prov):
                assert triple in official, triple
    real_gss = {str(o) for o in official.objects(None, URIRef(KG + "gssCode"))}
    real_dfe = {str(o) for o in official.objects(None, URIRef(KG + "dfeCode"))}
    gss = {str(o) for o in graph.objects(None, URIRef(KG + "gssCode"))}
    dfe = {str(o) for o in graph.objects(None, URIRef(KG + "dfeCode"))}
    assert gss & real_gss == {"E92000001"}  # England, and no other real code
    assert dfe and not dfe & real_dfe


# Example parameters no bench graph can answer: Kingston's inspections have a visit day
# (kg:visitTime/time:inXSDDate) only in Ofsted's table, data/official/, which the bench graph
# leaves out (the founding articles give months and years).
UNANSWERABLE = {"ofsted-inspections [example]"}


def test_every_canned_query_finds_something_on_a_small_bench_graph(tmp_path: Path) -> None:
    """bench/queries.py on a graph of a few thousand triples: every canned query answers at
    least one row, with a synthetic node's parameters and with its own examples (but those the
    bench graph cannot answer), so the benchmark times queries that find what they look for."""
    from kgraph.queries import load_queries

    done = subprocess.run(
        [
            sys.executable,
            str(BENCH / "queries.py"),
            "--sizes",
            "3000",
            "--reps",
            "1",
            "--kinds",
            "kgraph-oxigraph",
        ],
        capture_output=True,
        text=True,
        timeout=GUARD_SECONDS,
        env={**os.environ, "KGRAPH_BENCH_DIR": str(tmp_path)},
        check=False,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    table = done.stdout.split("### Query latency")[1].split("\n\n")[1]
    rows = {}
    for line in table.splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        rows[cells[0]] = cells[-1]
    for name in load_queries("canned"):
        for variant in ("example", "synthetic"):
            label = f"{name} [{variant}]"
            if label not in UNANSWERABLE:
                assert int(rows[label]) >= 1, (label, table)


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
        ("export.py", "### Whole-graph export, 2k synthetic"),
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


def test_the_export_benchmark_writes_every_syntax_with_every_contender(
    quick_run: tuple[int, str],
) -> None:
    """bench/export.py: a row per syntax and contender with bytes written, none failed or
    skipped at a tiny size, and kgraph's exports the same bytes in every round."""
    _, output = quick_run
    table = output.split("### Whole-graph export")[1].split("\n\n")[1]
    rows = {}
    for line in table.splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        rows[(cells[0], cells[1])] = cells
    for syntax in ("turtle", "nt", "nquads", "trig", "jsonld"):
        for contender in ("kgraph (oxigraph)", "kgraph (rdflib store)", "rdflib", "pyoxigraph"):
            cells = rows[(syntax, contender)]
            assert int(cells[8].split(" - ")[0].replace(",", "")) > 0, cells
            if contender.startswith("kgraph"):
                assert cells[9] in ("yes", "1 round"), cells
    assert "failed" not in output.split("### Whole-graph export")[1]


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
