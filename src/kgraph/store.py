"""One interface to the loaded graph, whichever kind of store holds it, and how to open one.

Kinds: embedded Oxigraph in memory (the default) or in a folder, rdflib's in-memory dataset (the
reference implementation), and a remote SPARQL 1.1 server. Every kind answers queries with an
rdflib Result, so the rest of kgraph never sees which one it talks to.
"""

from __future__ import annotations

import bisect
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, URIRef
from rdflib.query import Result
from rdflib.term import Node
from rdflib.util import guess_format

from kgraph.errors import BadParameter, ParseError
from kgraph.settings import Settings

if TYPE_CHECKING:
    from kgraph.protocol import ParsedQuery

RDF_SUFFIXES = (".ttl", ".nt", ".nq", ".trig", ".jsonld", ".rdf", ".owl", ".xml", ".n3")
MEMORY_KINDS = ("oxigraph", "rdflib")
# Subjects that are hash IRIs, for hash_parts: found once per store by SPARQL, then bisected.
_HASH_SUBJECTS = """
SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s) && CONTAINS(STR(?s), "#")) }"""
Triple = tuple[Node, Node, Node]


def rdf_files(folder: Path) -> list[Path]:
    """Every RDF file below folder, in a stable order so loads are reproducible."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in RDF_SUFFIXES)


def parse_file(graph: Graph, path: Path) -> None:
    """Parse one file into graph, turning any parser failure into a ParseError naming the file."""
    fmt = guess_format(str(path)) or "turtle"
    if fmt == "xml" and path.suffix == ".jsonld":
        fmt = "json-ld"
    if not path.is_file():
        raise ParseError(f"{path}: no such file")
    try:
        graph.parse(path, format=fmt)
    except Exception as exc:  # rdflib's parsers raise many unrelated exception types
        raise ParseError(f"{path}: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:500]


class Store(ABC):
    """The loaded graph: a default graph and named graphs, queried by SPARQL.

    Read-only once loaded. `lock` guards what is not thread-safe in a kind (rdflib's query engine
    and SPARQL parser); kinds that are safe for concurrent reads do not take it to query.
    """

    kind: str = ""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._hash_subjects: list[str] | None = None

    @property
    def lock(self) -> threading.RLock:
        """Held by the rdflib kind around every read; kept on every kind for older callers."""
        return self._lock

    @abstractmethod
    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> Result:
        """Run a read-only SPARQL query over the default graph, parameters bound, never pasted.

        The project's prefixes and the base https://w3id.org/kgraph/id/ need no declaring.
        """

    @abstractmethod
    def parse(self, text: str) -> ParsedQuery:
        """Check a protocol query before it runs: its form; Forbidden for updates, 400 for
        SERVICE and bad syntax."""

    @abstractmethod
    def run(
        self,
        parsed: ParsedQuery,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
    ) -> Result:
        """Answer a parsed query over a dataset chosen among loaded graphs only.

        The dataset is default_graphs / named_graphs when either is given (the SPARQL Protocol's
        default-graph-uri / named-graph-uri win over the query's own), else the query's FROM /
        FROM NAMED, else the store's default graph and named graphs. A graph is never fetched:
        an IRI that names no loaded graph is an empty graph.
        """

    @abstractmethod
    def graph_names(self) -> list[str]:
        """The IRIs of the named graphs that hold any triple, sorted."""

    @abstractmethod
    def __len__(self) -> int:
        """Triples in all graphs."""

    @abstractmethod
    def graph_size(self, name: str | None = None) -> int:
        """Triples in the default graph, or in the named graph name."""

    @abstractmethod
    def load(self, path: Path, graph_name: str | None = None) -> int:
        """Add one RDF file to the default or a named graph, all or nothing; its triple count."""

    @abstractmethod
    def triples(
        self,
        pattern: tuple[Node | None, Node | None, Node | None] = (None, None, None),
        graph_name: str | None = None,
    ) -> list[Triple]:
        """The triples of a graph matching a pattern (None matches anything)."""

    @abstractmethod
    def rdflib_graph(self, name: str | None = None) -> Graph:
        """The default or a named graph as an rdflib Graph, for export, validation and downloads.

        Safe to read without the lock: a copy, or a graph over a store safe for concurrent reads.
        """

    def close(self) -> None:  # noqa: B027 - most kinds hold nothing to release
        """Release files and connections; the store reopens them when next used."""

    def prepare_for_fork(self) -> None:  # noqa: B027 - most kinds keep nothing to share
        """Find now, once, what serving asks of the loaded graph (its size, its graphs), so
        that the processes a server forks share it instead of each finding it again."""

    @property
    def default_graph(self) -> Graph:
        """The graph the project's own data lives in, as an rdflib Graph."""
        return self.rdflib_graph()

    def graph(self, name: str | None = None) -> Graph:
        """The default graph, or the named graph name, as an rdflib Graph."""
        return self.rdflib_graph(name)

    def hash_parts(self, iri: URIRef) -> list[URIRef]:
        """The hash IRIs <iri#...> that are subjects in the default graph, sorted.

        The hash subjects are found once per store and then bisected: a STRSTARTS filter over
        every triple costs a full scan on every page.
        """
        subjects = self._hash_index()
        prefix = f"{iri}#"
        start = bisect.bisect_left(subjects, prefix)
        out = []
        for text in subjects[start:]:
            if not text.startswith(prefix):
                break
            out.append(URIRef(text))
        return out

    def _hash_index(self) -> list[str]:
        """The hash subjects, sorted: found on first use, then kept."""
        if self._hash_subjects is None:
            self._hash_subjects = sorted(self._find_hash_subjects())
        return self._hash_subjects

    def _find_hash_subjects(self) -> set[str]:
        """Every subject IRI with a '#' in the default graph."""
        return {str(row[0]) for row in self.query(_HASH_SUBJECTS)}

    def _loaded(self) -> None:
        """Forget what was derived from the data: a load changed it."""
        self._hash_subjects = None


def open_store(spec: str | None = None, settings: Settings | None = None) -> Store:
    """An empty store of the kind spec names (the KGRAPH_STORE setting by default).

    'oxigraph' (in memory), 'rdflib', a folder (a persistent Oxigraph store, opened or created
    as it is) or an http(s) URL (a remote SPARQL 1.1 server).
    """
    settings = settings or Settings.from_env()
    spec = settings.store if spec is None else spec
    kind = store_kind(spec)
    if kind == "rdflib":
        from kgraph.stores.rdflib_store import RdflibStore

        return RdflibStore()
    if kind == "oxigraph":
        from kgraph.stores.oxigraph_store import OxigraphStore

        return OxigraphStore()
    if kind == "remote":
        from kgraph.stores.remote_store import RemoteStore

        return RemoteStore(spec, settings.graph_store_url or None)
    from kgraph.stores.persistent import open_folder

    return open_folder(Path(spec))


def store_kind(spec: str) -> str:
    """oxigraph, rdflib, remote or folder: what a --store / KGRAPH_STORE value names."""
    text = spec.strip()
    if not text:
        raise BadParameter("--store is empty: give oxigraph, rdflib, a folder or an http(s) URL")
    if text.lower() in MEMORY_KINDS:
        return text.lower()
    if text.lower() == "memory":
        return "oxigraph"
    if text.startswith(("http://", "https://")):
        return "remote"
    if "://" in text:
        raise BadParameter(f"--store {text}: only http:// and https:// servers are supported")
    return "folder"


def project_files(settings: Settings) -> list[Path]:
    """The ontology's and the data folder's RDF files, in load order."""
    return [*rdf_files(settings.ontology_dir), *rdf_files(settings.data_dir)]


def fill(store: Store, settings: Settings, extra: Iterable[tuple[str | None, Path]] = ()) -> Store:
    """Load the ontology, the data and any extra (graph name or None, file) pairs into store."""
    for path in project_files(settings):
        store.load(path)
    for name, path in extra:
        store.load(Path(path), name)
    return store


def load_store(
    settings: Settings | None = None,
    extra: Iterable[tuple[str | None, Path]] = (),
    kind: str | None = None,
) -> Store:
    """The project's ontology and data, plus any extra (graph name or None, file) pairs, in a
    new in-memory store of kind ('oxigraph' or 'rdflib'; KGRAPH_STORE when it names one)."""
    settings = settings or Settings.from_env()
    if kind is None:
        kind = settings.store.lower() if settings.store.lower() in MEMORY_KINDS else "oxigraph"
    if kind not in MEMORY_KINDS:
        raise BadParameter(f"load_store makes in-memory stores: oxigraph or rdflib, not {kind}")
    return fill(open_store(kind, settings), settings, extra)


def open_configured(
    settings: Settings,
    extra: Iterable[tuple[str | None, Path]] = (),
    *,
    rebuild: bool = True,
) -> tuple[Store, str | None]:
    """The store KGRAPH_STORE / --store names, holding the project's graph, and a line saying
    how it was opened (None for in-memory stores, loaded afresh every time).

    In memory: loaded now. A folder: opened as built when its files have not changed, else
    rebuilt (or refused, with rebuild=False). A remote server: used as it is; `kgraph load --to`
    fills it.
    """
    kind = store_kind(settings.store)
    extra = list(extra)
    if kind in MEMORY_KINDS:
        return fill(open_store(kind, settings), settings, extra), None
    if kind == "remote":
        if extra:
            raise BadParameter(
                "--add loads files into a local store; load a remote one with kgraph load --to URL"
            )
        return open_store(settings.store, settings), None
    from kgraph.stores.persistent import sync_folder

    opened = sync_folder(Path(settings.store), settings, extra, rebuild=rebuild)
    return opened.store, opened.line
