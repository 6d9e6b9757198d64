"""The loaded RDF dataset behind a lock, so one store can serve many threads safely."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.plugins.sparql.evaluate import evalQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.processor import SPARQLResult
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Result
from rdflib.term import Node
from rdflib.util import guess_format

from kgraph.errors import ParseError, QuerySyntaxError
from kgraph.namespaces import bind_prefixes
from kgraph.settings import Settings

RDF_SUFFIXES = (".ttl", ".nt", ".nq", ".trig", ".jsonld", ".rdf", ".owl", ".xml", ".n3")


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


class Store:
    """An RDF dataset and the lock that guards it: rdflib's query engine is not thread-safe."""

    def __init__(self, dataset: Dataset | None = None) -> None:
        self._dataset = dataset if dataset is not None else Dataset()
        bind_prefixes(self._dataset)
        self._lock = threading.RLock()

    @property
    def lock(self) -> threading.RLock:
        """Hold this while reading the dataset directly."""
        return self._lock

    @property
    def dataset(self) -> Dataset:
        """The dataset itself; read it only while holding lock."""
        return self._dataset

    @property
    def default_graph(self) -> Graph:
        """The graph the project's own data lives in."""
        return self._dataset.default_graph

    def graph(self, name: str | None = None) -> Graph:
        """The default graph, or the named graph name."""
        if name is None:
            return self.default_graph
        return self._dataset.graph(URIRef(name))

    def graph_names(self) -> list[str]:
        """The IRIs of the named graphs that hold any triple, sorted."""
        with self._lock:
            return sorted(
                str(g.identifier)
                for g in self._dataset.graphs()
                if g.identifier != self._dataset.default_graph.identifier and len(g)
            )

    def __len__(self) -> int:
        with self._lock:
            return sum(len(g) for g in self._dataset.graphs())

    def load(self, path: Path, graph_name: str | None = None) -> int:
        """Add one RDF file to the default or a named graph; all or nothing."""
        scratch = Graph()
        parse_file(scratch, path)
        with self._lock:
            target = self.graph(graph_name)
            for triple in scratch:
                target.add(triple)
        return len(scratch)

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        graph: Graph | None = None,
    ) -> Result:
        """Run a read-only SPARQL query with bound parameters, over the default graph by default."""
        target = graph if graph is not None else self.default_graph
        with self._lock:
            try:
                result = target.query(sparql, initBindings=dict(bindings or {}))
                # Materialise under the lock: rdflib evaluates SELECT results lazily.
                if result.type == "SELECT":
                    result.bindings = list(result.bindings)
                return result
            except QuerySyntaxError:
                raise
            except Exception as exc:
                if type(exc).__name__ == "ParseException" or "Expected" in str(exc):
                    raise QuerySyntaxError(_first_line(exc)) from exc
                raise

    def run(
        self,
        query: Query,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
    ) -> Result:
        """Evaluate a parsed query, read whole under the lock, over loaded graphs only.

        The dataset is default_graphs / named_graphs when either is given (the SPARQL Protocol's
        default-graph-uri / named-graph-uri win over the query's own), else the query's FROM /
        FROM NAMED, else the store's default graph and named graphs. A graph is never fetched:
        an IRI that names no loaded graph is an empty graph.
        """
        clauses = query.algebra.get("datasetClause") or []
        if not default_graphs and not named_graphs:
            default_graphs = [str(c.default) for c in clauses if c.get("default") is not None]
            named_graphs = [str(c.named) for c in clauses if c.get("named") is not None]
        # rdflib would load FROM graphs from the web or disk itself: evaluate without the clause.
        algebra = CompValue(query.algebra.name, **dict(query.algebra))
        algebra["datasetClause"] = None
        query = Query(query.prologue, algebra)
        with self._lock:
            if default_graphs or named_graphs:
                target = self.select_graphs(default_graphs, named_graphs)
            else:
                target = self._dataset
            result = SPARQLResult(evalQuery(target, query))
            if result.type == "SELECT":
                result.bindings = list(result.bindings)
            return result

    def select_graphs(self, default_graphs: Sequence[str], named_graphs: Sequence[str]) -> Dataset:
        """A new dataset copied from loaded graphs: default_graphs merged, named_graphs by name."""
        selection = Dataset()
        with self._lock:
            for name in default_graphs:
                selection.default_graph += self._dataset.get_context(URIRef(name))
            for name in named_graphs:
                named = selection.graph(URIRef(name))
                named += self._dataset.get_context(URIRef(name))
        return selection


def load_store(
    settings: Settings | None = None, extra: Iterable[tuple[str | None, Path]] = ()
) -> Store:
    """The project's ontology and data, plus any extra (graph name or None, file) pairs."""
    settings = settings or Settings.from_env()
    store = Store()
    for folder in (settings.ontology_dir, settings.data_dir):
        for path in rdf_files(folder):
            store.load(path)
    for name, path in extra:
        store.load(Path(path), name)
    return store
