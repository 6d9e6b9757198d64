"""Query results as bytes in each format the SPARQL endpoint offers, declared once."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.query import Result
from rdflib.term import Node

from kgraph.capped import Answer, cut_off_json, plain_json, quote_json, select_json_text
from kgraph.namespaces import bind_prefixes

W3C_FORMATS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class ResultFormat:
    """A serialisation: its format-parameter name, media type, and what else selects it."""

    name: str
    media_type: str
    aliases: tuple[str, ...] = ()
    w3c_iri: str = ""

    @property
    def content_type(self) -> str:
        """The Content-Type header: text types say they are UTF-8."""
        if self.media_type.startswith("text/"):
            return self.media_type + "; charset=utf-8"
        return self.media_type

    def selected_by(self, value: str) -> bool:
        """True when a format parameter value (a name or a media type) means this format."""
        value = value.split(";")[0].strip().lower()
        return value in (self.name, self.media_type, *self.aliases)


SPARQL_JSON = ResultFormat(
    "json",
    "application/sparql-results+json",
    ("srj", "application/json"),
    W3C_FORMATS + "SPARQL_Results_JSON",
)
SPARQL_XML = ResultFormat(
    "xml",
    "application/sparql-results+xml",
    ("srx", "application/xml", "text/xml"),
    W3C_FORMATS + "SPARQL_Results_XML",
)
SPARQL_CSV = ResultFormat("csv", "text/csv", (), W3C_FORMATS + "SPARQL_Results_CSV")
SPARQL_TSV = ResultFormat(
    "tsv", "text/tab-separated-values", ("text/tsv",), W3C_FORMATS + "SPARQL_Results_TSV"
)
TURTLE = ResultFormat(
    "turtle",
    "text/turtle",
    ("ttl", "application/turtle", "application/x-turtle"),
    W3C_FORMATS + "Turtle",
)
NTRIPLES = ResultFormat(
    "nt", "application/n-triples", ("ntriples", "n-triples"), W3C_FORMATS + "N-Triples"
)
JSONLD = ResultFormat(
    "jsonld",
    "application/ld+json",
    ("json-ld", "json", "application/json"),
    W3C_FORMATS + "JSON-LD",
)
RDFXML = ResultFormat(
    "rdfxml",
    "application/rdf+xml",
    ("rdf+xml", "rdf", "xml", "application/xml", "text/xml"),
    W3C_FORMATS + "RDF_XML",
)

# What each query form can be answered in; the first is the default for Accept */* or none.
# The CSV/TSV recommendation defines only SELECT results, so ASK is JSON or XML.
FORMATS_BY_FORM: dict[str, tuple[ResultFormat, ...]] = {
    "SELECT": (SPARQL_JSON, SPARQL_XML, SPARQL_CSV, SPARQL_TSV),
    "ASK": (SPARQL_JSON, SPARQL_XML),
    "CONSTRUCT": (TURTLE, NTRIPLES, JSONLD, RDFXML),
    "DESCRIBE": (TURTLE, NTRIPLES, JSONLD, RDFXML),
}
GRAPH_FORMATS = FORMATS_BY_FORM["CONSTRUCT"]
RESULT_FORMATS = FORMATS_BY_FORM["SELECT"]

_RDFLIB_GRAPH_FORMAT = {"turtle": "turtle", "nt": "nt", "jsonld": "json-ld", "rdfxml": "xml"}


def serialize_result(result: Result, fmt: ResultFormat) -> bytes:
    """The bytes of a query result (SELECT, ASK, CONSTRUCT or DESCRIBE) in fmt."""
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        assert result.graph is not None
        return serialize_graph(result.graph, fmt)
    if fmt is SPARQL_CSV and result.type == "SELECT":
        return _csv(result)
    if fmt is SPARQL_TSV and result.type == "SELECT":
        return _tsv(result)
    if fmt in (SPARQL_JSON, SPARQL_XML):
        return result.serialize(format=fmt.name, encoding="utf-8") or b""
    raise ValueError(f"{result.type} results have no {fmt.name} serialisation")


def sparql_json(found: Answer, max_rows: int = 0) -> bytes:
    """SPARQL JSON written straight from an answer's plain terms: the endpoint's commonest
    answer, without building an rdflib term per value; a cut-off answer says so and where.
    Written as text (each string quoted by json's own C encoder), the very bytes json.dumps
    would give for the same document, in half the time."""
    if found.form == "ASK":
        text = '{"head":{},"boolean":' + ("true" if found.boolean else "false")
        return (text + cut_off_json(found.truncated, max_rows) + "}").encode("utf-8")
    keys = [quote_json(name) + ":" for name in found.names]
    rows = [
        "{"
        + ",".join([k + plain_json(t) for k, t in zip(keys, row, strict=True) if t is not None])
        + "}"
        for row in found.rows
    ]
    return select_json_text(keys, rows, found.truncated, max_rows)


def serialize_graph(graph: Graph, fmt: ResultFormat) -> bytes:
    """The bytes of an RDF graph in one of the graph formats, with the project's prefixes."""
    bind_prefixes(graph)
    return graph.serialize(format=_RDFLIB_GRAPH_FORMAT[fmt.name], encoding="utf-8")


def _csv(result: Result) -> bytes:
    """SPARQL 1.1 CSV: plain names in the header, bare values, CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([str(v) for v in result.vars or []])
    for row in result.bindings:
        writer.writerow([_csv_term(row.get(v)) for v in result.vars or []])
    return out.getvalue().encode("utf-8")


def _csv_term(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _tsv(result: Result) -> bytes:
    """SPARQL 1.1 TSV: ?names in the header, terms in SPARQL syntax, LF line ends."""
    names = list(result.vars or [])
    lines = ["\t".join(f"?{v}" for v in names)]
    for row in result.bindings:
        lines.append("\t".join(_tsv_term(row.get(v)) for v in names))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _tsv_term(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        text = (
            str(term)
            .replace("\\", "\\\\")
            .replace('"', '\\"')
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
        if term.language:
            return f'"{text}"@{term.language}'
        if term.datatype:
            return f'"{text}"^^<{term.datatype}>'
        return f'"{text}"'
    return str(term)
