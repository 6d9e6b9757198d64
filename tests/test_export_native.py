"""The whole graph in every RDF syntax, written from an Oxigraph store without rdflib: the store's
triples, stable bytes."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from kgraph.export import FORMATS, native_bytes, store_bytes
from kgraph.settings import Settings
from kgraph.store import Store, open_store, project_files
from kgraph.stores.oxigraph_store import OxigraphStore

NATIVE = ("turtle", "nt")
EVERY = tuple(FORMATS)  # turtle, nt, nquads, trig, jsonld, rdfxml
OX_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
RAPPER_SYNTAX = {"turtle": "turtle", "nquads": "nquads", "trig": "trig", "rdfxml": "rdfxml"}
XSD_STRING = URIRef("http://www.w3.org/2001/XMLSchema#string")


def filled(store: Store, files: list[Path]) -> Store:
    for path in files:
        store.load(path)
    return store


def as_graph(store: Store) -> Graph:
    """The store's graph as rdflib reads it, copied into a plain rdflib Graph."""
    out = Graph()
    for triple in store.rdflib_graph():
        out.add(triple)
    return out


@pytest.fixture(scope="module")
def expected(default_store: Store) -> Graph:
    return as_graph(default_store)


@pytest.fixture(scope="module")
def articles_files(articles_data_dir: Path) -> list[Path]:
    """The files of the articles' graph (the project's without the official data)."""
    return project_files(replace(Settings.from_env(), data_dir=articles_data_dir))


@pytest.fixture(scope="module")
def articles_store(articles_files: list[Path]) -> Store:
    return filled(open_store("oxigraph"), articles_files)


@pytest.mark.parametrize("fmt", NATIVE)
def test_project_graph_parses_back_isomorphic(
    default_store: Store, expected: Graph, fmt: str
) -> None:
    """rdflib's parser reads Oxigraph's writing of the real graph back to the store's triples:
    the same IRIs, literals (plain strings untyped, language tags, datatypes) and blank nodes."""
    assert isinstance(default_store, OxigraphStore)
    back = Graph().parse(data=store_bytes(default_store, fmt), format=fmt)
    assert len(back) == len(expected) > 400_000
    assert any(isinstance(o, Literal) and o.language == "en" for o in back.objects())
    assert not any(isinstance(o, Literal) and o.datatype == XSD_STRING for o in back.objects())
    assert any(isinstance(s, BNode) for s in back.subjects())
    assert isomorphic(back, expected)


@pytest.fixture(scope="module")
def store_nt(default_store: Store) -> bytes:
    assert isinstance(default_store, OxigraphStore)
    return native_bytes(default_store.oxigraph, "nt")


@pytest.mark.parametrize("fmt", EVERY)
def test_every_syntax_reads_back_to_the_stores_triples(
    default_store: Store, store_nt: bytes, fmt: str
) -> None:
    """The real graph written in fmt and read back by Oxigraph's parser is the store's graph: its
    N-Triples (blank nodes relabelled canonically) are the store's, byte for byte."""
    assert isinstance(default_store, OxigraphStore)
    back = ox.Store()
    back.load(store_bytes(default_store, fmt), format=OX_FORMATS[fmt])
    assert len(back) == len(default_store) > 400_000
    assert native_bytes(back, "nt") == store_nt


@pytest.mark.parametrize("fmt", EVERY)
def test_rdflib_reads_every_syntax_back_isomorphic(articles_store: Store, fmt: str) -> None:
    """Another parser, rdflib's, reads the articles' graph in fmt back to the same graph."""
    expected = as_graph(articles_store)
    data = store_bytes(articles_store, fmt)
    if fmt in ("nquads", "trig"):
        dataset = Dataset()
        dataset.parse(data=data, format=FORMATS[fmt][0])
        back = dataset.default_graph
    else:
        back = Graph().parse(data=data, format=FORMATS[fmt][0])
    assert len(back) == len(expected) > 1000
    assert isomorphic(back, expected)


@pytest.mark.parametrize("fmt", sorted(RAPPER_SYNTAX))
def test_project_graph_counts_with_rapper_in_every_syntax(
    default_store: Store, tmp_path: Path, rapper: str, fmt: str
) -> None:
    """An independent parser, raptor's, counts the store's triples in each syntax it reads."""
    out = tmp_path / f"kgraph{FORMATS[fmt][2]}"
    out.write_bytes(store_bytes(default_store, fmt))
    syntax = RAPPER_SYNTAX[fmt]
    proc = subprocess.run([rapper, "-i", syntax, "-c", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert f"returned {len(default_store)} triples" in proc.stderr


def test_json_ld_is_a_node_object_per_line_with_lexical_forms() -> None:
    """Expanded JSON-LD: one node object to a line, in subject order, classes under @type, every
    literal a string (a decimal is not a JSON number, which a reader may round) with its
    datatype or language; plain strings carry neither."""
    store = open_store("oxigraph")
    store.oxigraph.add(
        ox.Quad(
            ox.NamedNode("http://example.org/b"),
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode("http://example.org/C"),
        )
    )
    for value in (
        ox.Literal("8.4", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")),
        ox.Literal("Kingston", language="en"),
        ox.Literal("plain"),
    ):
        store.oxigraph.add(
            ox.Quad(
                ox.NamedNode("http://example.org/b"), ox.NamedNode("http://example.org/p"), value
            )
        )
    store.oxigraph.add(
        ox.Quad(
            ox.NamedNode("http://example.org/a"),
            ox.NamedNode("http://example.org/p"),
            ox.BlankNode("x"),
        )
    )
    lines = store_bytes(store, "jsonld").decode("utf-8").splitlines()
    assert lines[0] == "[" and lines[-1] == "]"
    nodes = [json.loads(line.rstrip(",")) for line in lines[1:-1]]
    assert [node["@id"] for node in nodes] == ["http://example.org/a", "http://example.org/b"]
    assert nodes[0]["http://example.org/p"][0]["@id"].startswith("_:")
    assert nodes[1]["@type"] == ["http://example.org/C"]
    assert sorted(nodes[1]["http://example.org/p"], key=json.dumps) == [
        {"@language": "en", "@value": "Kingston"},
        {"@type": "http://www.w3.org/2001/XMLSchema#decimal", "@value": "8.4"},
        {"@value": "plain"},
    ]
    assert store_bytes(open_store("oxigraph"), "jsonld") == b"[]\n"


def test_load_order_does_not_change_the_bytes() -> None:
    """The project's files loaded forwards and backwards (other blank node labels, other insertion
    order) give the same Turtle and N-Triples (and so the same order for every syntax: the
    folder store's test below writes them all)."""
    files = project_files(Settings.from_env())
    forwards = filled(open_store("oxigraph"), files)
    backwards = filled(open_store("oxigraph"), files[::-1])
    for fmt in NATIVE:
        assert store_bytes(forwards, fmt) == store_bytes(backwards, fmt), fmt


def test_folder_store_writes_the_memory_stores_bytes(
    articles_files: list[Path], articles_store: Store, tmp_path: Path
) -> None:
    """A folder store loaded backwards writes the bytes an in-memory store loaded forwards does,
    in every syntax."""
    folder = filled(OxigraphStore(tmp_path / "store", writable=True), articles_files[::-1])
    for fmt in EVERY:
        assert store_bytes(folder, fmt) == store_bytes(articles_store, fmt), fmt


def test_turtle_groups_subjects_under_sorted_prefixes(articles_store: Store) -> None:
    """Each subject's triples come together (one statement, joined by ';'), subjects in the order
    of their N-Triples text, after the project's prefixes sorted by name."""
    text = store_bytes(articles_store, "turtle").decode("utf-8")
    lines = text.splitlines()
    prefixes = [line for line in lines if line.startswith("@prefix ")]
    assert prefixes == sorted(prefixes) and "@prefix kg: " in text
    assert lines[: len(prefixes)] == prefixes
    starts = [line for line in lines[len(prefixes) :] if line and not line.startswith("\t")]
    subjects = [line.split(" ", 1)[0] for line in starts]
    assert len(subjects) == len(set(subjects)) > 100
    named = [s for s in subjects if s.startswith("<")]
    assert named == sorted(named)
    authority = "<https://w3id.org/kgraph/id/authority/kingston-upon-thames>"
    assert authority in subjects
    assert (URIRef(authority[1:-1]), None, None) in Graph().parse(data=text, format="turtle")
