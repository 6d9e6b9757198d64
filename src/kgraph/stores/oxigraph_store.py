"""Embedded Oxigraph (pyoxigraph), in memory or in a folder: the default kind, fast to load and
query, and safe for concurrent reads without a lock."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyoxigraph as ox
from oxrdflib import OxigraphStore as OxrdflibStore
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import XSD
from rdflib.query import Result
from rdflib.term import Node

from kgraph.errors import BadParameter, KgraphError, ParseError, QuerySyntaxError
from kgraph.namespaces import PREFIXES, bind_prefixes
from kgraph.protocol import QUERY_BASE, ParsedQuery, parse_query
from kgraph.sparql_text import (
    CheckedTexts,
    query_form,
    with_projected,
    with_values,
)
from kgraph.store import Store, Triple, parse_file
from kgraph.stores.terms import graph_name as ox_graph
from kgraph.stores.terms import substitutions, to_oxigraph, to_rdflib, to_result

# File suffixes whose syntax pyoxigraph does not guess from the suffix alone.
_FORMATS = {".owl": ox.RdfFormat.RDF_XML, ".xml": ox.RdfFormat.RDF_XML}
_FORM_OF = {ox.QuerySolutions: "SELECT", ox.QueryBoolean: "ASK"}
_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
_SUBJECTS = "SELECT DISTINCT ?s WHERE { ?s ?p ?o }"


class OxigraphStore(Store):
    """A pyoxigraph store: in memory, or a folder opened read-only (read-write while built)."""

    kind = "oxigraph"

    def __init__(
        self, path: Path | None = None, *, writable: bool = False, size: int | None = None
    ) -> None:
        """size: the triples a folder holds, when its build recorded them (counting walks them)."""
        super().__init__()
        self._path = path
        self._writable = writable
        self._handle: ox.Store | None = ox.Store() if path is None else None
        self._pid = os.getpid()
        # Handles a forked worker inherited: never dropped there, RocksDB's threads did not fork.
        self._inherited: list[ox.Store] = []
        self._scratch = ox.Store()  # an empty store that parses protocol queries
        self._texts = CheckedTexts()  # query texts already read: SERVICE, where VALUES go
        # Counts and names, kept once found: the store changes only through load().
        self._size: int | None = size
        self._names: list[str] | None = None
        self._sizes: dict[str | None, int] = {}

    @property
    def path(self) -> Path | None:
        """The folder of a persistent store; None in memory."""
        return self._path

    @property
    def oxigraph(self) -> ox.Store:
        """The pyoxigraph store, opened in this process on first use."""
        if self._path is None:
            assert self._handle is not None
            return self._handle
        pid = os.getpid()
        if self._handle is None or self._pid != pid:
            with self._lock:
                if self._handle is not None and self._pid != pid:
                    self._inherited.append(self._handle)
                    self._handle = None
                if self._handle is None:
                    location = str(self._path)
                    self._handle = (
                        ox.Store(location) if self._writable else ox.Store.read_only(location)
                    )
                    self._pid = pid
        return self._handle

    def close(self) -> None:
        """Close a folder's database (reopened on next use); before gunicorn forks its workers."""
        if self._path is not None and self._handle is not None and self._pid == os.getpid():
            if self._writable:
                self._handle.flush()
            self._handle = None

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> Result:
        answer, added = self.evaluate(sparql, bindings)
        result = to_result(answer, _form_of(answer, sparql))
        return _without(result, added) if added else result

    def evaluate(
        self, sparql: str, bindings: Mapping[str, Node] | None = None
    ) -> tuple[object, list[str]]:
        """Oxigraph's own answer with the parameters bound, and the variables added to the SELECT
        list to bind them (Oxigraph substitutes only projected variables), to be left out."""
        at = self._texts.check(sparql)
        text, rest = bound_by_values(sparql, bindings or {}, at)
        try:
            answer = self._evaluate(text, rest)
            if answer is None:
                names = [str(n) for n in rest]
                return self._evaluate(with_projected(text, names), rest), names
        except SyntaxError as exc:
            raise self.syntax_error(sparql, exc) from exc
        return answer, []

    def refuse_service(self, text: str) -> None:
        """Refuse SERVICE (Oxigraph would call it), reading each text once."""
        self._texts.refuse_service(text)

    def syntax_error(self, text: str, exc: SyntaxError) -> KgraphError:
        """The error for text Oxigraph will not parse: rdflib's reading of it when rdflib also
        refuses it (it names the token and the line, and tells an update from a broken query),
        else Oxigraph's own first words. Only failing queries pay for rdflib's parser."""
        try:
            with self._lock:  # rdflib's SPARQL parser is not thread-safe
                parse_query(text)
        except KgraphError as err:
            return err
        return QuerySyntaxError(_one_line(exc)[:300])

    def _evaluate(self, sparql: str, bindings: Mapping[str, Node]) -> object | None:
        """Oxigraph's answer, or None when a bound variable is not in the SELECT list."""
        try:
            return self.oxigraph.query(
                sparql,
                base_iri=QUERY_BASE,
                prefixes=PREFIXES,
                substitutions=substitutions(bindings),
            )
        except RuntimeError as exc:
            if bindings and "projection" in str(exc):
                return None
            raise

    def parse(self, text: str) -> ParsedQuery:
        self.refuse_service(text)
        try:
            answer = self._scratch.query(text, base_iri=QUERY_BASE, prefixes=PREFIXES)
        except SyntaxError as exc:
            raise self.syntax_error(text, exc) from exc
        return ParsedQuery(text=text, form=_form_of(answer, text))

    def run(
        self,
        parsed: ParsedQuery,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
    ) -> Result:
        dataset: dict[str, object] = {}
        if default_graphs or named_graphs:
            # The protocol's dataset replaces the query's FROM / FROM NAMED, both of them.
            dataset["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
            dataset["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        try:
            answer = self.oxigraph.query(
                parsed.text, base_iri=QUERY_BASE, prefixes=PREFIXES, **dataset
            )
        except SyntaxError as exc:
            raise self.syntax_error(parsed.text, exc) from exc
        return to_result(answer, parsed.form)

    def graph_names(self) -> list[str]:
        if self._names is None:
            store = self.oxigraph
            self._names = sorted(
                g.value
                for g in store.named_graphs()
                if isinstance(g, ox.NamedNode)
                and next(iter(store.quads_for_pattern(None, None, None, g)), None) is not None
            )
        return list(self._names)

    def __len__(self) -> int:
        """Triples in all graphs, counted once: a count walks every triple, and in a forked
        server process the walk copies the pages it reads from the in-memory store."""
        if self._size is None:
            self._size = len(self.oxigraph)
        return self._size

    def graph_size(self, name: str | None = None) -> int:
        if name not in self._sizes:
            if name is None:  # all triples but the named graphs': no walk over the default graph
                named = self.oxigraph.named_graphs()
                self._sizes[None] = len(self) - sum(self._count(g) for g in named)
            else:
                self._sizes[name] = self._count(ox_graph(name))
        return self._sizes[name]

    def _count(self, graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> int:
        (row,) = self.oxigraph.query(_COUNT, default_graph=graph)
        return int(row[0].value)

    def prepare_for_fork(self) -> None:
        """Count the graphs and name them now, once, in the process that forks the server's
        workers: each worker then shares the answers instead of walking the store for them.

        In memory, the hash subjects too (0.4 s at 1M triples): walking the store in a worker
        writes to every triple's reference count and so copies the pages they are on, most of
        the store (300 MiB at 1M), into each worker that serves a resource page. A folder's
        database is read, not written, by a walk: its workers find them when first asked."""
        len(self)
        for name in (None, *self.graph_names()):
            self.graph_size(name)
        if self._path is None:
            self._hash_index()

    def _find_hash_subjects(self) -> set[str]:
        """The distinct subjects, tested for a '#' here: Oxigraph then spells each subject once,
        not once per triple, and no rdflib term is made (at 1M triples: in memory 1.0 to 0.4 s,
        in a folder 3.2 to 0.8 s)."""
        return {
            text
            for row in self.oxigraph.query(_SUBJECTS)
            if isinstance(row[0], ox.NamedNode) and "#" in (text := row[0].value)
        }

    def _loaded(self) -> None:
        super()._loaded()
        self._size, self._names, self._sizes = None, None, {}

    def load(self, path: Path, graph_name: str | None = None, *, bulk: bool = False) -> int:
        """Add one file; bulk loads skip the transaction (building a new folder store only)."""
        store = self.oxigraph
        before = len(self)
        target = ox_graph(graph_name)
        fmt = rdf_format(path)
        try:
            if fmt is None or fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
                quads = [
                    ox.Quad(q.subject, q.predicate, q.object, target) for q in read_quads(path)
                ]
                store.bulk_extend(quads) if bulk else store.extend(quads)
            else:
                options = {"path": str(path), "format": fmt, "base_iri": path.resolve().as_uri()}
                try:
                    if bulk:
                        store.bulk_load(**options, to_graph=target)
                    else:
                        store.load(**options, to_graph=target)
                except (SyntaxError, ValueError) as exc:
                    raise ParseError(f"{path}: {_one_line(exc)}") from exc
                except OSError as exc:
                    raise ParseError(f"{path}: {exc.strerror or _one_line(exc)}") from exc
        finally:
            self._loaded()  # a failed bulk load may have added part of the file
        return len(self) - before

    def triples(
        self,
        pattern: tuple[Node | None, Node | None, Node | None] = (None, None, None),
        graph_name: str | None = None,
    ) -> list[Triple]:
        s, p, o = (None if t is None else to_oxigraph(t) for t in pattern)
        return [
            (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object))
            for q in self.oxigraph.quads_for_pattern(s, p, o, ox_graph(graph_name))
        ]

    def rdflib_graph(self, name: str | None = None) -> Graph:
        """An rdflib Graph over this store (oxrdflib): nothing copied, reads go to Oxigraph."""
        identifier = DATASET_DEFAULT_GRAPH_ID if name is None else URIRef(name)
        graph = Graph(store=PlainStrings(store=self.oxigraph), identifier=identifier)
        bind_prefixes(graph)
        return graph


class PlainStrings(OxrdflibStore):
    """oxrdflib's rdflib Store over a pyoxigraph store, whose literals typed xsd:string come
    out untyped, equal to the ones rdflib parses."""

    def triples(self, triple_pattern, context=None):  # type: ignore[no-untyped-def]
        for (s, p, o), contexts in super().triples(triple_pattern, context):
            if isinstance(o, Literal) and o.datatype == XSD.string:
                o = Literal(str(o))
            yield (s, p, o), contexts


def bound_by_values(
    sparql: str, bindings: Mapping[str, Node], at: int | None = None
) -> tuple[str, dict[str, Node]]:
    """The query with its IRI and literal parameters in a VALUES block opening the WHERE group,
    and the parameters left to bind as Oxigraph substitutions.

    Oxigraph plans a query before it applies substitutions, so a substituted parameter is a
    filter on every match of the pattern it plans from (a type triple, say); in a VALUES block
    the planner starts from the bound node. Blank nodes cannot be written in a query, and a
    query with no WHERE group (DESCRIBE <x>) or an IRI that cannot be written takes no VALUES
    block: those stay substitutions, which bind a variable whether or not it is projected.
    at is where the WHERE group's '{' is, when known (-1: there is none).
    """
    values = {k: v for k, v in bindings.items() if not isinstance(v, BNode)}
    rest = {k: v for k, v in bindings.items() if isinstance(v, BNode)}
    if not values:
        return sparql, rest
    if at == -1:
        return sparql, dict(bindings)
    try:
        return with_values(sparql, values, at), rest
    except BadParameter:
        return sparql, dict(bindings)


def _without(result: Result, names: list[str]) -> Result:
    """A SELECT result without the columns added to bind variables the query did not select."""
    if result.type != "SELECT":
        return result
    drop = {Variable(n) for n in names}
    result.vars = [v for v in result.vars or [] if v not in drop]
    result.bindings = [{k: v for k, v in row.items() if k not in drop} for row in result.bindings]
    return result


def rdf_format(path: Path) -> ox.RdfFormat | None:
    """The syntax of an RDF file by its suffix; None when Oxigraph does not read it."""
    if not path.is_file():
        raise ParseError(f"{path}: no such file")
    return _FORMATS.get(path.suffix) or ox.RdfFormat.from_extension(path.suffix.lstrip("."))


def read_quads(path: Path) -> list[ox.Quad]:
    """The quads of one RDF file, parsed by Oxigraph (rdflib for syntaxes it does not read)."""
    fmt = rdf_format(path)
    if fmt is None:
        scratch = Graph()
        parse_file(scratch, path)
        return [
            ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), ox.DefaultGraph())
            for s, p, o in scratch
        ]
    try:
        return list(ox.parse(path=str(path), format=fmt, base_iri=path.resolve().as_uri()))
    except (SyntaxError, ValueError) as exc:
        raise ParseError(f"{path}: {_one_line(exc)}") from exc


def _one_line(exc: BaseException) -> str:
    text = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
    return " ".join(text.split())[:500] or type(exc).__name__


def _form_of(answer: object, text: str) -> str:
    """A query's form from its answer's type; only a graph's needs the text read (CONSTRUCT or
    DESCRIBE)."""
    return _FORM_OF.get(type(answer)) or query_form(text)
