"""Query results as text for people and programs: a table, JSON, CSV, TSV or RDF."""

from __future__ import annotations

import json

from rdflib import BNode, Literal, URIRef
from rdflib.query import Result

from kgraph.errors import BadParameter
from kgraph.export import serialize
from kgraph.namespaces import PREFIXES

RDF_FORMATS = {"turtle", "nt", "jsonld"}


def short(term: object) -> str:
    """A term as people read it: prefixed IRIs, plain literal text."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        iri = str(term)
        for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
            if iri.startswith(ns):
                local = iri[len(ns) :]
                if local and all(c.isalnum() or c in "-_/" for c in local):
                    return f"{prefix}:{local}"
        return f"<{iri}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        return str(term)
    return str(term)


def table(result: Result) -> str:
    """SELECT rows as an aligned text table, ASK as yes/no."""
    if result.type == "ASK":
        return ("yes" if result.askAnswer else "no") + "\n"
    names = [str(v) for v in result.vars or []]
    rows = [[short(row[i]) for i in range(len(names))] for row in result]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def tsv(result: Result) -> str:
    """SPARQL 1.1 TSV: a ?var header, then terms in Turtle syntax."""
    names = [str(v) for v in result.vars or []]
    lines = ["\t".join("?" + n for n in names)]
    for row in result:
        lines.append("\t".join("" if row[i] is None else row[i].n3() for i in range(len(names))))
    return "\n".join(lines) + "\n"


def format_result(result: Result, fmt: str | None) -> bytes:
    """Bytes of a query result in fmt; None picks JSON for rows and Turtle for graphs."""
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        fmt = fmt if fmt in RDF_FORMATS else "turtle"
        return serialize(result.graph, fmt)
    fmt = fmt or "json"
    if fmt == "table":
        return table(result).encode("utf-8")
    if fmt == "json":
        return json.dumps(json.loads(result.serialize(format="json")), indent=1).encode() + b"\n"
    if fmt == "csv":
        return result.serialize(format="csv")
    if fmt == "tsv":
        return tsv(result).encode("utf-8")
    raise BadParameter(f"format {fmt} does not apply to {result.type} results")
