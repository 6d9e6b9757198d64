"""The loaded graph is shared by the processes that serve it: what serving asks of the store as a
whole (its size, its graphs' sizes, its hash subjects) is found once, before gunicorn forks, so a
worker answering /health, the service description or a resource page does not walk the in-memory
store, and so does not copy the pages it would read. Counts follow loads; a folder store takes
its size from its build record."""

from __future__ import annotations

import json
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from rdflib import Graph
from rdflib.namespace import VOID

from kgraph.errors import ParseError
from kgraph.settings import Settings
from kgraph.store import load_store
from kgraph.stores.oxigraph_store import OxigraphStore
from kgraph.stores.persistent import open_folder, sync_folder

if TYPE_CHECKING:
    from conftest import LiveServer

EX = "https://example.org/kgraph-shared/"
ID = "https://w3id.org/kgraph/id/shared-test/"
NAMED = EX + "graph/extra"
SYNTHETIC_TRIPLES = 200_000


def write_triples(path: Path, count: int, stem: str = "thing") -> Path:
    """count distinct triples as N-Triples, a few per subject, like the bench graph's shape."""
    lines = (f'<{EX}{stem}/{n // 4}> <{EX}p{n % 4}> "{stem} {n} value" .\n' for n in range(count))
    path.write_text("".join(lines), encoding="utf-8")
    return path


def write_resources(path: Path, count: int) -> Path:
    """count triples about resources with pages, each with a hash part (#part) of its own."""
    lines = (
        f'<{ID}thing/{n // 4}#part> <{EX}p> "part {n}" .\n'
        if n % 4 == 3
        else f'<{ID}thing/{n // 4}> <{EX}p{n % 4}> "thing {n}" .\n'
        for n in range(count)
    )
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    write_triples(folder / "things.nt", 1_000)
    return folder


def test_counts_follow_each_load_and_a_failed_one(data: Path, tmp_path: Path) -> None:
    settings = replace(Settings.from_env(), data_dir=data)
    store = load_store(settings, kind="oxigraph")
    assert isinstance(store, OxigraphStore)
    before, default_before = len(store), store.graph_size()
    assert before == len(store.oxigraph) and default_before == before
    assert store.load(write_triples(tmp_path / "more.nt", 10, "more")) == 10
    assert len(store) == before + 10 == len(store.oxigraph)
    assert store.graph_size() == default_before + 10
    assert store.load(write_triples(tmp_path / "named.nt", 3, "named"), NAMED) == 3
    assert store.graph_names() == [NAMED]
    assert store.graph_size(NAMED) == 3
    assert store.graph_size() == default_before + 10
    assert len(store) == before + 13 == len(store.oxigraph)
    broken = tmp_path / "broken.nt"
    broken.write_text(f"<{EX}a> <{EX}b> <{EX}c> .\n<{EX}a> <{EX}b> .\n", encoding="utf-8")
    with pytest.raises(ParseError, match=r"broken\.nt"):
        store.load(broken)
    assert len(store) == len(store.oxigraph)
    assert store.graph_size() + store.graph_size(NAMED) == len(store)


def test_a_folder_store_counts_as_the_memory_store_does(data: Path, tmp_path: Path) -> None:
    settings = replace(Settings.from_env(), data_dir=data)
    extra = [(NAMED, write_triples(tmp_path / "named.nt", 7, "named"))]
    memory = load_store(settings, extra, kind="oxigraph")
    built = sync_folder(tmp_path / "store", settings, extra).store
    built.close()
    reopened = open_folder(tmp_path / "store")
    for store in (built, reopened):
        assert len(store) == len(memory) == len(store.oxigraph)
        assert store.graph_names() == memory.graph_names() == [NAMED]
        assert store.graph_size(NAMED) == memory.graph_size(NAMED) == 7
        assert store.graph_size() == memory.graph_size() == len(memory) - 7


def private_dirty_kib(pid: int) -> int:
    """Memory a process has written to since it was forked, or allocated itself (Linux)."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Private_Dirty:"):
            return int(line.split()[1])
    raise AssertionError(f"no Private_Dirty for {pid}")


def children(pid: int) -> list[int]:
    tasks = Path(f"/proc/{pid}/task")
    return sorted(
        int(child) for task in tasks.iterdir() for child in (task / "children").read_text().split()
    )


def anonymous_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Anonymous:"):
            return int(line.split()[1])
    raise AssertionError(f"no Anonymous for {pid}")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_answer_counts_and_pages_without_copying_the_store(
    tmp_path: Path, start_server: Callable[..., LiveServer]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    write_resources(data / "synthetic.nt", SYNTHETIC_TRIPLES)
    server = start_server("--data", data, "--workers", "2", "--no-access-log")
    master = server.process.pid
    deadline = time.monotonic() + 60  # a guard, not a measure: gunicorn forks as it pleases
    while len(workers := children(master)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(workers) == 2
    shared = anonymous_kib(master)
    for n in range(8):  # fresh connections, spread over both workers
        with urllib.request.urlopen(server.url + "/health", timeout=60) as resp:
            assert json.loads(resp.read())["triples"] == server.triples
        request = urllib.request.Request(
            server.sparql,
            headers={"Accept": "text/turtle"},
        )
        with urllib.request.urlopen(request, timeout=60) as resp:
            described = Graph().parse(data=resp.read(), format="turtle")
        sizes = {int(o) for o in described.objects(None, VOID.triples)}
        assert sizes == {server.triples}
        with urllib.request.urlopen(f"{server.url}/id/shared-test/thing/{n}", timeout=60) as resp:
            assert f"part {4 * n + 3}" in resp.read().decode("utf-8")  # its hash part, shown
    # A walk over the store in a worker would copy most of what the master holds in memory.
    for pid in workers:
        own = private_dirty_kib(pid)
        assert own < shared // 3, (pid, own, shared)
