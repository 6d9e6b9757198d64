"""A canned query's answer as plain rows: what the /queries API, the CLI and the pages share."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rdflib import Literal, Variable
from rdflib.namespace import XSD
from rdflib.query import Result
from rdflib.term import Node

from kgraph.capped import Term, plain_answer, to_term
from kgraph.queries import CannedQuery, get_query
from kgraph.queryrun import table
from kgraph.store import Store

MAX_ROWS = 5000
Value = str | int | float | bool | None
_BOOLEAN = str(XSD.boolean)
_NUMBERS = {
    str(t) for t in (XSD.integer, XSD.int, XSD.long, XSD.nonNegativeInteger, XSD.positiveInteger)
}
_DECIMALS = {str(XSD.decimal), str(XSD.double), str(XSD.float)}


@dataclass(frozen=True)
class Answer:
    """Rows of a canned query for given parameters, each value plain (text, number, true/false)."""

    query: CannedQuery
    params: dict[str, str]
    columns: list[str]
    rows: list[dict[str, Value]]
    cells: tuple[tuple[Term, ...], ...]  # each row's terms as plain data, in column order
    truncated: bool

    @property
    def terms(self) -> list[dict[str, Node | None]]:
        """Each row's values as rdflib terms, by column (None where unbound)."""
        return [
            {c: to_term(t) for c, t in zip(self.columns, row, strict=True)} for row in self.cells
        ]

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
        """to_dict as JSON, a row to a line: json's C encoder writes each part (an indented
        dump goes through its pure-Python encoder, several times slower)."""
        parts = [
            f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}"
            for key, value in self.to_dict().items()
            if key != "rows"
        ]
        rows = ",\n  ".join(json.dumps(row, ensure_ascii=False) for row in self.rows)
        parts.insert(3, f'"rows": [\n  {rows}\n ]' if rows else '"rows": []')
        return "{\n " + ",\n ".join(parts) + "\n}\n"

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


def plain(term: Term) -> Value:
    """A term as JSON takes it: IRIs and text as strings, numbers and booleans as themselves."""
    if term is None:
        return None
    kind = term[0]
    if kind == "u":
        return term[1]
    if kind == "b":
        return "_:" + term[1]
    text, datatype = term[1], term[2]
    if datatype == _BOOLEAN:
        return text.lower() in ("true", "1")
    if datatype in _NUMBERS:
        try:
            return int(text)
        except ValueError:
            return text
    if datatype in _DECIMALS:
        try:
            return float(text)
        except ValueError:
            return text
    return text


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
    found = plain_answer(store, query.sparql, bindings, limit)
    columns = list(found.names)
    return Answer(
        query=query,
        params={p.name: values[p.name].strip() for p in query.params},
        columns=columns,
        rows=[{c: plain(t) for c, t in zip(columns, row, strict=True)} for row in found.rows],
        cells=found.rows,
        truncated=found.truncated,
    )


def run_named(store: Store, name: str, values: Mapping[str, str]) -> Answer:
    """The answer of the canned query called name; NotFound when there is none."""
    return answer(store, get_query(name), values)
