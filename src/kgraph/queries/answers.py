"""A canned query's answer as plain rows: what the /queries API, the CLI and the pages share."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rdflib import BNode, Literal, Variable
from rdflib.namespace import XSD
from rdflib.query import Result
from rdflib.term import Node

from kgraph.queries import CannedQuery, get_query
from kgraph.queryrun import table
from kgraph.store import Store

MAX_ROWS = 5000
Value = str | int | float | bool | None
_NUMBERS = {XSD.integer, XSD.int, XSD.long, XSD.nonNegativeInteger, XSD.positiveInteger}
_DECIMALS = {XSD.decimal, XSD.double, XSD.float}


@dataclass(frozen=True)
class Answer:
    """Rows of a canned query for given parameters, each value plain (text, number, true/false)."""

    query: CannedQuery
    params: dict[str, str]
    columns: list[str]
    rows: list[dict[str, Value]]
    terms: list[dict[str, Node | None]]
    truncated: bool

    def to_dict(self) -> dict[str, object]:
        """The API's JSON document: query, params, columns, rows, truncated."""
        return {
            "query": self.query.name,
            "params": self.params,
            "columns": self.columns,
            "rows": self.rows,
            "truncated": self.truncated,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1) + "\n"

    def to_csv(self) -> str:
        """A header of column names, then one line per row; absent values are empty."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow([csv_cell(row[c]) for c in self.columns])
        return out.getvalue()

    def table(
        self, columns: Sequence[tuple[str, Callable[[dict[str, Node | None]], object]]]
    ) -> str:
        """An aligned text table of chosen columns: (heading, value of a row's terms) pairs."""
        result = Result("SELECT")
        result.vars = [Variable(heading) for heading, _ in columns]
        result.bindings = [
            {Variable(h): as_term(pick(terms)) for h, pick in columns if pick(terms) is not None}
            for terms in self.terms
        ]
        return table(result)


def as_term(value: object) -> Node:
    return value if isinstance(value, Node) else Literal(str(value))


def plain(term: Node | None) -> Value:
    """A term as JSON takes it: IRIs and text as strings, numbers and booleans as themselves."""
    if term is None:
        return None
    if isinstance(term, Literal):
        if term.datatype == XSD.boolean:
            return str(term).lower() in ("true", "1")
        if term.datatype in _NUMBERS:
            try:
                return int(str(term))
            except ValueError:
                return str(term)
        if term.datatype in _DECIMALS:
            try:
                return float(str(term))
            except ValueError:
                return str(term)
        return str(term)
    if isinstance(term, BNode):
        return "_:" + str(term)
    return str(term)


def csv_cell(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def answer(
    store: Store, query: CannedQuery, values: Mapping[str, str], limit: int = MAX_ROWS
) -> Answer:
    """Run the query with its parameters bound (never pasted into the text); BadParameter names
    a missing, unknown or malformed one."""
    bindings = query.bindings(dict(values))
    result = store.query(query.sparql, bindings)
    columns = [str(v) for v in result.vars or []]
    terms: list[dict[str, Node | None]] = []
    truncated = False
    for row in result:
        if len(terms) >= limit:
            truncated = True
            break
        terms.append({c: row[i] for i, c in enumerate(columns)})
    return Answer(
        query=query,
        params={p.name: values[p.name].strip() for p in query.params},
        columns=columns,
        rows=[{c: plain(t[c]) for c in columns} for t in terms],
        terms=terms,
        truncated=truncated,
    )


def run_named(store: Store, name: str, values: Mapping[str, str]) -> Answer:
    """The answer of the canned query called name; NotFound when there is none."""
    return answer(store, get_query(name), values)
