"""rdflib's in-memory dataset behind a lock: the reference implementation every kind must match."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.plugins.sparql.evaluate import evalQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.processor import SPARQLResult
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Result
from rdflib.term import Node

from kgraph.errors import QuerySyntaxError
from kgraph.namespaces import bind_prefixes
from kgraph.protocol import QUERY_BASE, ParsedQuery, parse_query
from kgraph.sparql_text import refuse_service
from kgraph.store import Store, Triple, parse_file


class RdflibStore(Store):
    """An rdflib Dataset and the lock that guards it: rdflib's query engine is not thread-safe."""

    kind = "rdflib"

    def __init__(self, dataset: Dataset | None = None) -> None:
        super().__init__()
        self._dataset = dataset if dataset is not None else Dataset()
        bind_prefixes(self._dataset)

    @property
    def dataset(self) -> Dataset:
        """The dataset itself; read it only while holding lock."""
        return self._dataset

    @property
    def default_graph(self) -> Graph:
        """The live default graph; read it only while holding lock."""
        return self._dataset.default_graph

    def graph(self, name: str | None = None) -> Graph:
        """The live default or named graph; read it only while holding lock."""
        if name is None:
            return self._dataset.default_graph
        return self._dataset.graph(URIRef(name))

    def rdflib_graph(self, name: str | None = None) -> Graph:
        """A copy of the default or a named graph, safe to read without the lock."""
        out = Graph()
        bind_prefixes(out)
        with self._lock:
            for triple in self.graph(name):
                out.add(triple)
        return out

    def graph_names(self) -> list[str]:
        with self._lock:
            return sorted(
                str(g.identifier)
                for g in self._dataset.graphs()
                if g.identifier != self._dataset.default_graph.identifier and len(g)
            )

    def __len__(self) -> int:
        with self._lock:
            return sum(len(g) for g in self._dataset.graphs())

    def graph_size(self, name: str | None = None) -> int:
        with self._lock:
            return len(self.graph(name))

    def load(self, path: Path, graph_name: str | None = None) -> int:
        scratch = Graph()
        parse_file(scratch, path)
        with self._lock:
            target = self.graph(graph_name)
            for triple in scratch:
                target.add(triple)
            self._loaded()
        return len(scratch)

    def triples(
        self,
        pattern: tuple[Node | None, Node | None, Node | None] = (None, None, None),
        graph_name: str | None = None,
    ) -> list[Triple]:
        with self._lock:
            return list(self.graph(graph_name).triples(pattern))

    def _find_hash_subjects(self) -> set[str]:
        """A scan of the subjects: rdflib's SPARQL filter over every triple is far slower."""
        with self._lock:
            subjects = self._dataset.default_graph.subjects(unique=True)
            return {str(s) for s in subjects if isinstance(s, URIRef) and "#" in str(s)}

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> Result:
        refuse_service(sparql)  # rdflib would call the service over HTTP
        target = self._dataset.default_graph
        with self._lock:
            try:
                result = target.query(sparql, initBindings=dict(bindings or {}), base=QUERY_BASE)
                # Materialise under the lock: rdflib evaluates SELECT results lazily.
                if result.type == "SELECT":
                    result.bindings = list(result.bindings)
                return result
            except QuerySyntaxError:
                raise
            except Exception as exc:
                if type(exc).__name__ == "ParseException" or "Expected" in str(exc):
                    raise QuerySyntaxError(" ".join(str(exc).split())[:500]) from exc
                raise

    def parse(self, text: str) -> ParsedQuery:
        with self._lock:  # rdflib's SPARQL parser (pyparsing) breaks when two threads parse at once
            return parse_query(text)

    def run(
        self,
        parsed: ParsedQuery,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
    ) -> Result:
        return self.run_capped(parsed, default_graphs, named_graphs)[0]

    def run_capped(
        self,
        parsed: ParsedQuery,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        max_rows: int | None = None,
    ) -> tuple[Result, bool]:
        """run, stopping after max_rows rows (SELECT), and whether rows were cut off: rdflib
        evaluates lazily, so a capped huge answer is never built whole."""
        query = parsed.query
        if query is None:
            with self._lock:
                query = parse_query(parsed.text).query
        assert query is not None
        clauses = query.algebra.get("datasetClause") or []
        if not default_graphs and not named_graphs:
            default_graphs = [str(c.default) for c in clauses if c.get("default") is not None]
            named_graphs = [str(c.named) for c in clauses if c.get("named") is not None]
        # rdflib would load FROM graphs from the web or disk itself: evaluate without the clause.
        algebra = CompValue(query.algebra.name, **dict(query.algebra))
        algebra["datasetClause"] = None
        query = Query(query.prologue, algebra)
        truncated = False
        with self._lock:
            if default_graphs or named_graphs:
                target = self.select_graphs(default_graphs, named_graphs)
            else:
                target = self._dataset
            answer = evalQuery(target, query)
            if answer.get("type_") == "SELECT":
                solutions = iter(answer["bindings"])  # lazy: Result.bindings would build them all
                rows = list(itertools.islice(solutions, max_rows))
                if max_rows is not None and len(rows) == max_rows:
                    truncated = next(solutions, None) is not None
                answer["bindings"] = rows
            result = SPARQLResult(answer)
            if result.type == "SELECT":
                result.bindings = list(result.bindings)
            return result, truncated

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
