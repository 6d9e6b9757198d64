"""Turtle and N-Triples of the whole graph as Oxigraph writes them: the store's triples, stable."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from kgraph.export import store_bytes
from kgraph.settings import Settings
from kgraph.store import Store, open_store, project_files
from kgraph.stores.oxigraph_store import OxigraphStore

NATIVE = ("turtle", "nt")
XSD_STRING = URIRef("http://www.w3.org/2001/XMLSchema#string")


def filled(store: Store, files: list[Path]) -> Store:
    for path in files:
        store.load(path)
    return store


@pytest.fixture(scope="module")
def expected(default_store: Store) -> Graph:
    """The project's graph as rdflib reads the store, copied into a plain rdflib Graph."""
    out = Graph()
    for triple in default_store.rdflib_graph():
        out.add(triple)
    return out


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


def test_project_graph_turtle_counts_with_rapper(
    default_store: Store, tmp_path: Path, rapper: str
) -> None:
    out = tmp_path / "kgraph.ttl"
    out.write_bytes(store_bytes(default_store, "turtle"))
    proc = subprocess.run([rapper, "-i", "turtle", "-c", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert f"returned {len(default_store)} triples" in proc.stderr


def test_load_order_does_not_change_the_bytes() -> None:
    """The project's files loaded forwards and backwards (other blank node labels, other insertion
    order) give the same Turtle and N-Triples."""
    files = project_files(Settings.from_env())
    forwards = filled(open_store("oxigraph"), files)
    backwards = filled(open_store("oxigraph"), files[::-1])
    for fmt in NATIVE:
        assert store_bytes(forwards, fmt) == store_bytes(backwards, fmt), fmt


def test_folder_store_writes_the_memory_stores_bytes(
    articles_data_dir: Path, tmp_path: Path
) -> None:
    """A folder store loaded backwards writes the bytes an in-memory store loaded forwards does."""
    settings = replace(Settings.from_env(), data_dir=articles_data_dir)
    files = project_files(settings)
    memory = filled(open_store("oxigraph"), files)
    folder = filled(OxigraphStore(tmp_path / "store", writable=True), files[::-1])
    for fmt in NATIVE:
        assert store_bytes(folder, fmt) == store_bytes(memory, fmt), fmt


def test_turtle_groups_subjects_under_sorted_prefixes(articles_data_dir: Path) -> None:
    """Each subject's triples come together (one statement, joined by ';'), subjects in the order
    of their N-Triples text, after the project's prefixes sorted by name."""
    settings = replace(Settings.from_env(), data_dir=articles_data_dir)
    store = filled(open_store("oxigraph"), project_files(settings))
    text = store_bytes(store, "turtle").decode("utf-8")
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
