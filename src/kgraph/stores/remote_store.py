"""A remote SPARQL 1.1 server (Oxigraph server, Fuseki, Virtuoso, Neptune) as a store: queries by
the SPARQL 1.1 Protocol, loads by the Graph Store HTTP Protocol, for data that outgrows one host."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from io import BytesIO
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlencode, urlsplit, urlunsplit

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.query import Result
from rdflib.term import Node

from kgraph.errors import (
    BadParameter,
    KgraphError,
    QuerySyntaxError,
    QueryTimeout,
    StoreUnavailable,
)
from kgraph.namespaces import sparql_prologue
from kgraph.protocol import QUERY_BASE, ParsedQuery, parse_query
from kgraph.sparql_text import query_form, refuse_service, with_values
from kgraph.store import Store, Triple
from kgraph.stores.oxigraph_store import read_quads
from kgraph.stores.terms import to_oxigraph, triples_graph

ACCEPT = (
    "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8, "
    "application/sparql-results+xml;q=0.1"
)
# Bound to a blank node, which a remote server cannot be asked about: an IRI matching nothing.
NOTHING = URIRef("urn:kgraph:remote-blank-node")
# Stands for a graph IRI the server holds no graph for, so it is never fetched.
NO_GRAPH = "urn:kgraph:no-such-graph"
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
COUNT_DEFAULT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
COUNT_NAMED = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
TRIPLES = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
TRIPLES_NAMED = "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
CACHE_SECONDS = 30.0
T = TypeVar("T")


def endpoints(url: str, graph_store_url: str | None = None) -> tuple[str, str | None]:
    """The query endpoint and Graph Store endpoint of a server given by its root or query URL.

    A root URL (http://host:port) or one ending in /query is read as Oxigraph server's layout
    (/query and /store); other servers name their Graph Store endpoint with --graph-store.
    """
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if not path:
        query, store = path + "/query", path + "/store"
    elif path.endswith("/query"):
        query, store = path, path[: -len("/query")] + "/store"
    else:
        query, store = path, None
    join = lambda p: urlunsplit((parts.scheme, parts.netloc, p, parts.query, ""))  # noqa: E731
    return join(query), graph_store_url or (join(store) if store else None)


class RemoteStore(Store):
    """A SPARQL 1.1 server; queries go out with the project's prologue, bound values as VALUES."""

    kind = "remote"

    def __init__(self, url: str, graph_store_url: str | None = None, timeout: float = 120) -> None:
        super().__init__()
        self.url = url
        self.query_url, self.graph_store_url = endpoints(url, graph_store_url)
        self.timeout = timeout
        self._cache: dict[str, tuple[float, object]] = {}
        self._cache_lock = threading.Lock()

    # --- HTTP -------------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: Mapping[str, str] = {},
        timeout: float | None = None,
    ) -> tuple[str, bytes]:
        request = urllib.request.Request(url, data=body, method=method, headers=dict(headers))
        limit = timeout or self.timeout
        try:
            with urllib.request.urlopen(request, timeout=limit) as response:
                return response.headers.get_content_type(), response.read()
        except TimeoutError as exc:
            raise _timed_out(limit, timeout is not None) from exc
        except urllib.error.HTTPError as exc:
            detail = " ".join(exc.read(2000).decode("utf-8", "replace").split())[:300]
            if exc.code == 400 and url == self.query_url:
                raise QuerySyntaxError(f"the SPARQL server refused the query: {detail}") from exc
            raise StoreUnavailable(
                f"the SPARQL server at {url} answered {exc.code} {exc.reason}: {detail}"
            ) from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            if isinstance(reason, TimeoutError):
                raise _timed_out(limit, timeout is not None) from exc
            raise StoreUnavailable(f"cannot reach the SPARQL server at {url}: {reason}") from exc

    def _ask_server(
        self,
        text: str,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        timeout: float | None = None,
    ) -> Result:
        fields = [("query", sparql_prologue() + f"BASE <{QUERY_BASE}>\n" + text)]
        fields += [("default-graph-uri", g) for g in default_graphs]
        fields += [("named-graph-uri", g) for g in named_graphs]
        kind, data = self._send(
            "POST",
            self.query_url,
            urlencode(fields).encode("utf-8"),
            {"Content-Type": "application/x-www-form-urlencoded", "Accept": ACCEPT},
            timeout,
        )
        return read_answer(kind, data, query_form(text))

    def _cached(self, key: str, make: Callable[[], T]) -> T:
        now = time.monotonic()
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None and now - hit[0] < CACHE_SECONDS:
                return hit[1]  # type: ignore[return-value]
        value = make()
        with self._cache_lock:
            self._cache[key] = (now, value)
        return value

    def _loaded(self) -> None:
        super()._loaded()
        with self._cache_lock:
            self._cache.clear()

    # --- queries ----------------------------------------------------------------------------

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> Result:
        refuse_service(sparql)
        values = {k: (NOTHING if isinstance(v, BNode) else v) for k, v in (bindings or {}).items()}
        return self._ask_server(with_values(sparql, values))

    def parse(self, text: str) -> ParsedQuery:
        refuse_service(text)
        with self._lock:  # rdflib's SPARQL parser is not thread-safe
            return parse_query(text)

    def run(
        self,
        parsed: ParsedQuery,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
    ) -> Result:
        return self.run_within(parsed, default_graphs, named_graphs, None)

    def run_within(
        self,
        parsed: ParsedQuery,
        default_graphs: Sequence[str],
        named_graphs: Sequence[str],
        timeout: float | None,
    ) -> Result:
        """run, QueryTimeout when the server has not answered within timeout seconds (None: the
        store's own timeout, a StoreUnavailable then)."""
        if not default_graphs and not named_graphs and parsed.query is not None:
            clauses = parsed.query.algebra.get("datasetClause") or []
            default_graphs = [str(c.default) for c in clauses if c.get("default") is not None]
            named_graphs = [str(c.named) for c in clauses if c.get("named") is not None]
        if default_graphs or named_graphs:
            # Only loaded graphs: the server must never be asked to fetch one.
            known = set(self.graph_names())
            default_graphs = [g if g in known else NO_GRAPH for g in default_graphs] or [NO_GRAPH]
            named_graphs = [g if g in known else NO_GRAPH for g in named_graphs] or [NO_GRAPH]
        return self._ask_server(parsed.text, default_graphs, named_graphs, timeout)

    def graph_names(self) -> list[str]:
        def names() -> list[str]:
            return sorted(str(row[0]) for row in self._ask_server(GRAPHS) if row[0] is not None)

        return list(self._cached("graph_names", names))

    def __len__(self) -> int:
        return self._cached("len", lambda: _count(self._ask_server(COUNT_ALL)))

    def graph_size(self, name: str | None = None) -> int:
        if name is None:
            return self._cached("size", lambda: _count(self._ask_server(COUNT_DEFAULT)))
        return _count(self.query(COUNT_NAMED, {"g": URIRef(name)}))

    def triples(
        self,
        pattern: tuple[Node | None, Node | None, Node | None] = (None, None, None),
        graph_name: str | None = None,
    ) -> list[Triple]:
        bound = {n: t for n, t in zip("spo", pattern, strict=True) if t is not None}
        if graph_name is not None:
            bound["g"] = URIRef(graph_name)
        rows = self.query(TRIPLES if graph_name is None else TRIPLES_NAMED, bound)
        return [
            (
                row.get(Variable("s"), bound.get("s")),
                row.get(Variable("p"), bound.get("p")),
                row.get(Variable("o"), bound.get("o")),
            )
            for row in rows.bindings
        ]

    def rdflib_graph(self, name: str | None = None) -> Graph:
        """A copy of the server's default or named graph."""
        return triples_graph(
            ox.Triple(*(to_oxigraph(t) for t in triple)) for triple in self.triples(graph_name=name)
        )

    # --- loading ----------------------------------------------------------------------------

    def load(self, path: Path, graph_name: str | None = None) -> int:
        """POST one file's triples to the graph (the Graph Store Protocol's merge)."""
        quads = read_quads(Path(path))
        self.send_graph([ox.Triple(q.subject, q.predicate, q.object) for q in quads], graph_name)
        self._loaded()
        return len(quads)

    def send_graph(
        self, triples: list[ox.Triple], graph_name: str | None, replace: bool = False
    ) -> None:
        """PUT (replace) or POST (add) triples to the default or a named graph."""
        if self.graph_store_url is None:
            raise BadParameter(
                f"{self.url}: which URL takes Graph Store Protocol writes? "
                "give --graph-store URL (KGRAPH_GRAPH_STORE_URL)"
            )
        target = {"default": ""} if graph_name is None else {"graph": graph_name}
        url = self.graph_store_url + "?" + urlencode(target).replace("default=", "default")
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        self._send(
            "PUT" if replace else "POST", url, body, {"Content-Type": "application/n-triples"}
        )
        self._loaded()


def _timed_out(limit: float, is_query_limit: bool) -> KgraphError:
    """The error for a server that did not answer within limit seconds."""
    if is_query_limit:
        return QueryTimeout(
            f"the query ran past the {limit:g} s limit (KGRAPH_QUERY_TIMEOUT) and was stopped"
        )
    return StoreUnavailable(f"the SPARQL server did not answer within {limit:g} s")


def _count(result: Result) -> int:
    rows = list(result)
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def read_answer(kind: str, data: bytes, form: str) -> Result:
    """An rdflib Result of a server's answer: SPARQL JSON results, or N-Triples / Turtle."""
    if kind in ("application/sparql-results+json", "application/json"):
        return _json_result(json.loads(data))
    if kind in ("application/n-triples", "text/turtle", "text/plain"):
        fmt = ox.RdfFormat.TURTLE if kind == "text/turtle" else ox.RdfFormat.N_TRIPLES
        result = Result(form if form in ("CONSTRUCT", "DESCRIBE") else "CONSTRUCT")
        result.graph = triples_graph(q.triple for q in ox.parse(data, format=fmt))
        return result
    if kind in ("application/sparql-results+xml", "application/xml"):
        return Result.parse(source=BytesIO(data), format="xml")
    raise StoreUnavailable(f"the SPARQL server answered in {kind}, which kgraph does not read")


def _json_result(doc: dict) -> Result:
    if "boolean" in doc:
        result = Result("ASK")
        result.askAnswer = bool(doc["boolean"])
        return result
    result = Result("SELECT")
    names = [Variable(v) for v in doc.get("head", {}).get("vars", [])]
    result.vars = names
    result.bindings = [
        {Variable(k): _json_term(v) for k, v in row.items()}
        for row in doc.get("results", {}).get("bindings", [])
    ]
    return result


def _json_term(value: dict) -> Node:
    kind, text = value.get("type"), value.get("value", "")
    if kind == "uri":
        return URIRef(text)
    if kind == "bnode":
        return BNode(text)
    language = value.get("xml:lang")
    if language:
        return Literal(text, lang=language)
    datatype = value.get("datatype")
    if datatype and datatype != "http://www.w3.org/2001/XMLSchema#string":
        return Literal(text, datatype=URIRef(datatype))
    return Literal(text)
