"""A protocol query's answer cut off at a number of rows, in plain tuples that cross a process
boundary cheaply: worker processes answer in this form and the serving process reads it back."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring as quote_json  # json's C encoder, ensure_ascii=False
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.namespace import RDF, XSD
from rdflib.query import Result
from rdflib.term import Node

from kgraph.errors import BadParameter
from kgraph.namespaces import PREFIXES, bind_prefixes
from kgraph.protocol import QUERY_BASE, ParsedQuery, parse_query
from kgraph.sparql_text import query_form, refuse_service, uses_service
from kgraph.store import Store

if TYPE_CHECKING:
    from kgraph.stores.oxigraph_store import OxigraphStore

# A term as plain data: ("u", iri), ("b", id) or ("l", text, datatype or None, language or None).
Term = tuple[str, ...] | None
_PLAIN = {str(XSD.string), str(RDF.langString)}


@dataclass(frozen=True)
class Answer:
    """A query's answer as plain data: ASK's boolean, SELECT's rows or a graph's triples."""

    form: str
    boolean: bool = False
    names: tuple[str, ...] = ()
    rows: tuple[tuple[Term, ...], ...] = ()
    truncated: bool = False
    # The answer already written as SPARQL JSON by a query worker (rows then left out): bytes
    # cross a process boundary far more cheaply than tuples of terms.
    json: bytes = b""


class CappedResult(Result):
    """An rdflib Result that says whether rows were cut off at max_rows."""

    truncated: bool = False
    max_rows: int = 0


def parse_allowing(store: Store, text: str, allowed: Sequence[str]) -> ParsedQuery:
    """store.parse, except that SERVICE to an allowed IRI passes (rdflib reads the query then)."""
    if allowed and uses_service(text):
        refuse_service(text, allowed)
        with store.lock:  # rdflib's SPARQL parser is not thread-safe
            return parse_query(text, allowed)
    return store.parse(text)


def parse_to_run(store: Store, text: str, allowed: Sequence[str]) -> ParsedQuery:
    """What parse_allowing checks, for a query about to run: on Oxigraph without its trial run
    on an empty store (as long again as a small query's answer), since the run finds bad syntax
    itself and tells an update from a broken query the same way."""
    from kgraph.stores.oxigraph_store import OxigraphStore

    if isinstance(store, OxigraphStore) and not (allowed and uses_service(text)):
        store.refuse_service(text)
        # The form is read from the answer; the text is scanned for it only for a graph answer
        # (CONSTRUCT or DESCRIBE), in _oxigraph_answer.
        return ParsedQuery(text=text, form="")
    return parse_allowing(store, text, allowed)


def answer(
    store: Store,
    parsed: ParsedQuery,
    default_graphs: Sequence[str],
    named_graphs: Sequence[str],
    max_rows: int,
    allowed: Sequence[str] = (),
    timeout: float | None = None,
    select_json: bool = False,
) -> Answer:
    """Run a parsed query, stopping once max_rows rows (or distinct triples) are passed; a
    remote store's server gets timeout seconds (None: the store's own). With select_json, an
    Oxigraph SELECT answer may come written as SPARQL JSON (json, no rows)."""
    from kgraph.stores.oxigraph_store import OxigraphStore
    from kgraph.stores.rdflib_store import RdflibStore
    from kgraph.stores.remote_store import RemoteStore

    if isinstance(store, OxigraphStore):
        return _oxigraph_answer(store, parsed, default_graphs, named_graphs, max_rows, select_json)
    if isinstance(store, RdflibStore):
        if parsed.query is None and allowed and uses_service(parsed.text):
            parsed = parse_allowing(store, parsed.text, allowed)
        result, truncated = store.run_capped(parsed, default_graphs, named_graphs, max_rows)
    elif isinstance(store, RemoteStore):
        result = store.run_within(parsed, default_graphs, named_graphs, timeout)
        truncated = False
    else:
        result, truncated = store.run(parsed, default_graphs, named_graphs), False
    return _from_result(result, parsed.form, max_rows, truncated)


def _oxigraph_answer(
    store: OxigraphStore,
    parsed: ParsedQuery,
    default_graphs: Sequence[str],
    named_graphs: Sequence[str],
    max_rows: int,
    select_json: bool = False,
) -> Answer:
    """Oxigraph's answer read lazily: rows past the cap are never computed."""
    dataset: dict[str, object] = {}
    try:
        if default_graphs or named_graphs:
            # The protocol's dataset replaces the query's FROM / FROM NAMED, both of them.
            dataset["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
            dataset["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
    except ValueError as exc:
        raise BadParameter(f"a graph IRI is not valid: {exc}") from exc
    try:
        found = store.oxigraph.query(parsed.text, base_iri=QUERY_BASE, prefixes=PREFIXES, **dataset)
    except SyntaxError as exc:
        raise store.syntax_error(parsed.text, exc) from exc
    if isinstance(found, ox.QueryBoolean):
        return Answer("ASK", boolean=bool(found))
    if isinstance(found, ox.QuerySolutions):
        return _solutions_json(found, max_rows) if select_json else _solutions(found, max_rows)
    triples = _distinct(
        ((_ox_term(t.subject), _ox_term(t.predicate), _ox_term(t.object)) for t in found),
        max_rows,
    )
    form = parsed.form or query_form(parsed.text)
    form = form if form in ("CONSTRUCT", "DESCRIBE") else "CONSTRUCT"
    return Answer(form, rows=tuple(triples[:max_rows]), truncated=_over(triples, max_rows))


def plain_answer(store: Store, sparql: str, bindings: Mapping[str, Node], max_rows: int) -> Answer:
    """A query's answer with its parameters bound, as plain data cut off at max_rows: on
    Oxigraph read from its own terms, without an rdflib term per value (the /queries API's
    path); on the other kinds from the rdflib Result."""
    evaluate = getattr(store, "evaluate", None)  # Oxigraph's, also through a GuardedStore
    if evaluate is not None:
        found, added = evaluate(sparql, bindings)
        if isinstance(found, ox.QuerySolutions):
            return _solutions(found, max_rows, drop=added)
    result = store.query(sparql, bindings)
    return _from_result(result, str(result.type), max_rows, False)


def _solutions(found: ox.QuerySolutions, max_rows: int, drop: Sequence[str] = ()) -> Answer:
    """Oxigraph's SELECT answer read lazily, without the columns in drop: rows past the cap are
    never computed."""
    names = [v.value for v in found.variables]
    keep = [i for i, n in enumerate(names) if n not in drop]
    rows = [tuple(_ox_term(s[i]) for i in keep) for s in itertools.islice(found, max_rows + 1)]
    return Answer(
        "SELECT",
        names=tuple(names[i] for i in keep),
        rows=tuple(rows[:max_rows]),
        truncated=_over(rows, max_rows),
    )


def _solutions_json(found: ox.QuerySolutions, max_rows: int) -> Answer:
    """Oxigraph's SELECT answer read lazily and written as SPARQL JSON from its own terms,
    without a plain term per value: the endpoint's commonest answer."""
    names = [v.value for v in found.variables]
    keys = [quote_json(name) + ":" for name in names]
    rows = [
        "{"
        + ",".join([k + _ox_json(t) for k, t in zip(keys, s, strict=True) if t is not None])
        + "}"
        for s in itertools.islice(found, max_rows + 1)
    ]
    truncated = _over(rows, max_rows)
    written = select_json_text(keys, rows[:max_rows], truncated, max_rows)
    return Answer("SELECT", names=tuple(names), truncated=truncated, json=written)


def select_json_text(
    keys: Sequence[str], rows: Sequence[str], truncated: bool, max_rows: int
) -> bytes:
    """A SELECT answer's SPARQL JSON from its quoted names (each followed by a colon) and its
    rows, each already a JSON object: the bytes json.dumps would give for the document."""
    head = ",".join(key[:-1] for key in keys)
    text = '{"head":{"vars":[' + head + ']},"results":{"bindings":[' + ",".join(rows) + "]}"
    return (text + cut_off_json(truncated, max_rows) + "}").encode("utf-8")


def cut_off_json(truncated: bool, max_rows: int) -> str:
    """The members that say an answer was cut off, and where; none when it was not."""
    return ',"truncated":true,"max_rows":' + json.dumps(max_rows) if truncated else ""


def _ox_json(term: object) -> str:
    """An Oxigraph term as a SPARQL JSON term: plain_json(_ox_term(term)), faster."""
    kind = type(term)
    if kind is ox.NamedNode:
        return '{"type":"uri","value":' + quote_json(term.value) + "}"  # type: ignore[attr-defined]
    if kind is ox.Literal:
        value = '{"type":"literal","value":' + quote_json(term.value)  # type: ignore[attr-defined]
        language = term.language  # type: ignore[attr-defined]
        if language:
            return value + ',"xml:lang":' + quote_json(language) + "}"
        datatype = term.datatype.value  # type: ignore[attr-defined]
        return value + ("}" if datatype in _PLAIN else ',"datatype":' + quote_json(datatype) + "}")
    if kind is ox.BlankNode:
        return '{"type":"bnode","value":' + quote_json(term.value) + "}"  # type: ignore[attr-defined]
    return plain_json(_ox_term(term))  # a subclass; anything else is a TypeError there


def plain_json(term: Term) -> str:
    """A plain term as a SPARQL JSON term."""
    assert term is not None
    kind = term[0]
    if kind == "u":
        return '{"type":"uri","value":' + quote_json(term[1]) + "}"
    if kind == "b":
        return '{"type":"bnode","value":' + quote_json(term[1]) + "}"
    _, text, datatype, language = term
    value = '{"type":"literal","value":' + quote_json(text)
    if language:
        return value + ',"xml:lang":' + quote_json(language) + "}"
    if datatype:
        return value + ',"datatype":' + quote_json(datatype) + "}"
    return value + "}"


def _from_result(result: Result, form: str, max_rows: int, truncated: bool) -> Answer:
    if result.type == "ASK":
        return Answer("ASK", boolean=bool(result.askAnswer))
    if result.type == "SELECT":
        names = tuple(str(v) for v in result.vars or [])
        rows = []
        for row in itertools.islice(result.bindings, max_rows + 1):
            rows.append(tuple(_rdflib_term(row.get(Variable(n))) for n in names))
        return Answer(
            "SELECT",
            names=names,
            rows=tuple(rows[:max_rows]),
            truncated=truncated or _over(rows, max_rows),
        )
    assert result.graph is not None
    triples = _distinct(
        (tuple(_rdflib_term(t) for t in triple) for triple in result.graph), max_rows
    )
    kind = result.type if result.type in ("CONSTRUCT", "DESCRIBE") else form
    return Answer(kind, rows=tuple(triples[:max_rows]), truncated=_over(triples, max_rows))


def _distinct(triples: Iterable[tuple[Term, ...]], max_rows: int) -> list[tuple[Term, ...]]:
    """Distinct triples in order, stopping at the first past max_rows."""
    seen: dict[tuple[Term, ...], None] = {}
    for triple in triples:
        seen[triple] = None
        if len(seen) > max_rows:
            break
    return list(seen)


def _over(rows: Sequence[object], max_rows: int) -> bool:
    return len(rows) > max_rows


def _ox_term(term: object) -> Term:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("u", term.value)
    if isinstance(term, ox.BlankNode):
        return ("b", term.value)
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        plain = term.language or datatype in _PLAIN
        return ("l", term.value, None if plain else datatype, term.language)
    raise TypeError(f"no plain form for {term!r}")


def _rdflib_term(term: Node | None) -> Term:
    if term is None:
        return None
    if isinstance(term, URIRef):
        return ("u", str(term))
    if isinstance(term, BNode):
        return ("b", str(term))
    if isinstance(term, Literal):
        datatype = str(term.datatype) if term.datatype is not None else None
        return ("l", str(term), datatype, term.language)
    raise TypeError(f"no plain form for {term!r}")


def to_term(term: Term) -> Node | None:
    """The rdflib term of a plain one."""
    if term is None:
        return None
    if term[0] == "u":
        return URIRef(term[1])
    if term[0] == "b":
        return BNode(term[1])
    _, text, datatype, language = term
    if language:
        return Literal(text, lang=language)
    return Literal(text, datatype=URIRef(datatype) if datatype else None)


def to_result(found: Answer, max_rows: int) -> CappedResult:
    """The rdflib Result of an Answer, saying whether it was cut off at max_rows."""
    result = CappedResult(found.form)
    result.truncated = found.truncated
    result.max_rows = max_rows
    if found.form == "ASK":
        result.askAnswer = found.boolean
        return result
    if found.form == "SELECT":
        names = [Variable(n) for n in found.names]
        result.vars = names
        result.bindings = [
            {n: to_term(t) for n, t in zip(names, row, strict=True) if t is not None}
            for row in found.rows
        ]
        return result
    graph = Graph()
    bind_prefixes(graph)
    for s, p, o in found.rows:
        graph.add((to_term(s), to_term(p), to_term(o)))
    result.graph = graph
    return result
