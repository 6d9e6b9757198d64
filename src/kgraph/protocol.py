"""Parse a query for the read-only endpoint, refusing what it will not run before it runs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rdflib import URIRef
from rdflib.plugins.sparql.algebra import translateQuery, traverse
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Query

from kgraph.errors import Forbidden, QuerySyntaxError
from kgraph.namespaces import ID, PREFIXES
from kgraph.sparql_text import refuse_service, refuse_service_target

# Relative IRIs in a query resolve against the graph's own IRIs (SPARQL 1.1 Protocol 2.3 lets
# a service choose its base), and the project's prefixes need no PREFIX line.
QUERY_BASE = str(ID)

_FORMS = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}


@dataclass(frozen=True)
class ParsedQuery:
    """A query ready for Store.run: its text, its form (SELECT, ASK, CONSTRUCT or DESCRIBE),
    and rdflib's parse of it when the store's kind parsed with rdflib."""

    text: str
    form: str
    query: Query | None = None


def parse_query(text: str, allowed_services: Sequence[str] = ()) -> ParsedQuery:
    """Parse and translate a query; updates are Forbidden, bad syntax and SERVICE to an IRI not
    under an allowed prefix are 400s.

    Call it holding the store's lock: rdflib's pyparsing grammar is not thread-safe.
    """
    try:
        parsed = parseQuery(text)
    except Exception as exc:
        refuse_update(text)
        raise QuerySyntaxError(_one_line(exc)) from exc
    try:
        query = translateQuery(parsed, base=QUERY_BASE, initNs=PREFIXES)
    except Exception as exc:
        raise QuerySyntaxError(_one_line(exc)) from exc
    refuse_service(text, allowed_services)
    traverse(query.algebra, visitPre=lambda node: _refuse_service(node, allowed_services))
    return ParsedQuery(text=text, form=_FORMS[query.algebra.name], query=query)


def refuse_update(text: str) -> None:
    """Raise Forbidden when text is a SPARQL Update request rather than a broken query."""
    try:
        update = parseUpdate(text)
    except Exception:
        return
    operations = [op.name for op in (update.request or [])]
    if operations:
        raise Forbidden(
            f"this endpoint is read-only: SPARQL Update ({', '.join(operations)}) is refused"
        )


def _refuse_service(node: object, allowed: Sequence[str]) -> None:
    if isinstance(node, CompValue) and node.name == "ServiceGraphPattern":
        term = node.get("term")
        target = f"<{term}>" if isinstance(term, URIRef) else str(term)
        if not allowed:
            refuse_service("SERVICE", allowed)
        refuse_service_target(target, allowed)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:500] or type(exc).__name__
