"""Check a graph against the project's SHACL shapes, with a report that reads one line per fault."""

from __future__ import annotations

import json
import re
import xml.sax
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF
from rdflib.term import Node

from kgraph.errors import ParseError
from kgraph.namespaces import ONTOLOGY_IRI, PREFIXES, SH
from kgraph.settings import Settings
from kgraph.store import parse_file, rdf_files

_IRI_IN_TEXT = re.compile(r"https?://[^\s<>\"{}|\\^`(),]+")
_LINE_IN_TEXT = re.compile(r"\bline (\d+)\b")
_LINE_FORMATS = (".nt", ".nq")


class ValidationResult(NamedTuple):
    """One thing wrong: the node, the property (an IRI, or a SPARQL path), why, and which shape."""

    focus: Node
    path: str | None
    message: str
    severity: URIRef
    shape: Node
    value: Node | None = None
    # The SHACL-SPARQL constraint that failed, or the core constraint component (sh:MinCount...).
    constraint: Node | None = None
    # How the line names a blank focus node, whose label means nothing to a reader: where it hangs.
    where: str | None = None

    def line(self) -> str:
        """`<focus node> <path>: <message>`, IRIs prefixed, the offending value added if unsaid."""
        focus = self.where or short(self.focus)
        where = focus + (f" {self.path_text()}" if self.path is not None else "")
        message = shorten_iris(self.message)
        if self.value is not None and self.value != self.focus:
            value = short(self.value)
            if value not in message:
                message = f"{message} (value: {value})"
        return f"{where}: {message}"

    def path_text(self) -> str:
        """The path with prefixed IRIs."""
        if self.path is None:
            return ""
        if isinstance(self.path, URIRef):
            return short(self.path)
        return shorten_iris(self.path)


class ValidationReport(NamedTuple):
    """What pySHACL found, in plain Python: conforms, and the results sorted by their line."""

    conforms: bool
    results: list[ValidationResult]
    triples: int
    shapes: int

    def lines(self) -> list[str]:
        """One sorted line per result."""
        return sorted(result.line() for result in self.results)

    def text(self) -> str:
        """The report as the CLI prints it."""
        if self.conforms:
            return f"conforms: {self.triples} triples, {self.shapes} shapes"
        return "\n".join(self.lines())


def validate(
    data_graph: Graph, shapes_graph: Graph | None = None, *, settings: Settings | None = None
) -> ValidationReport:
    """Check data_graph (ontology included) against shapes_graph or the shapes in settings."""
    import pyshacl  # slow to import; only validation needs it

    settings = settings or Settings.from_env()
    # pySHACL adds triples to the shapes graph it is given (pySHACL#314): a fresh graph every call.
    shapes = load_shapes(settings.shapes_dir) if shapes_graph is None else copy_graph(shapes_graph)
    shape_count = count_shapes(shapes)
    # sh:class and sh:targetClass follow rdfs:subClassOf through the data graph, so the data graph
    # must hold the ontology; a store's graph does, a bare graph gets it added to a copy. (Not
    # through pySHACL's ont_graph: pySHACL 0.40 mixed in only part of it, and sh:class failed.)
    if not has_ontology(data_graph):
        data_graph = copy_graph(data_graph)
        for path in rdf_files(settings.ontology_dir):
            parse_with_line(data_graph, path)
    conforms, report_graph, _ = pyshacl.validate(
        data_graph,
        shacl_graph=shapes,
        # No inference: the subclass axioms in the data graph are all sh:class needs, and RDFS
        # inference would type every value by its property's rdfs:range, so a kg:grade that is
        # not a kg:Grade would be inferred to be one and sh:class could never fail.
        inference="none",
        # SHACL-AF for the SPARQL targets of shapes/graph.ttl (no blank nodes anywhere in data).
        # pySHACL then validates a copy of the data graph, so the caller's graph stays untouched.
        advanced=True,
        # Every result, not just the first: the report is a to-do list.
        abort_on_first=False,
        allow_warnings=False,
        allow_infos=False,
    )
    results = [
        r._replace(where=describe_blank(data_graph, r.focus)) if isinstance(r.focus, BNode) else r
        for r in read_results(report_graph)
    ]
    results.sort(key=ValidationResult.line)
    return ValidationReport(bool(conforms), results, len(data_graph), shape_count)


def describe_blank(graph: Graph, node: BNode, depth: int = 0) -> str:
    """A blank node as Turtle reaches it: `kgr:x org:memberDuring []`, or `[ p o ]` if unheld."""
    holders = sorted(graph.subject_predicates(node), key=lambda sp: (str(sp[0]), str(sp[1])))
    if holders and depth < 3:
        holder, predicate = holders[0]
        held = describe_blank(graph, holder, depth + 1) if isinstance(holder, BNode) else None
        return f"{held or short(holder)} {short(predicate)} []"
    facts = sorted(graph.predicate_objects(node), key=lambda po: (str(po[0]), str(po[1])))
    inside = " ; ".join(f"{short(p)} {short(o)}" for p, o in facts[:2])
    return f"[ {inside} ]" if inside else "[]"


def read_results(report_graph: Graph) -> list[ValidationResult]:
    """The sh:ValidationResult nodes of a report graph, once each, sorted as the CLI prints them."""
    results = set()
    # sh:result links the report's own results; results of nested shapes (sh:node) hang off
    # those as sh:detail and are not faults of their own.
    for node in report_graph.objects(None, SH.result):
        path = report_graph.value(node, SH.resultPath)
        messages = sorted(str(m) for m in report_graph.objects(node, SH.resultMessage))
        # A property shape that two node shapes share reports its fault once per node shape.
        results.add(
            ValidationResult(
                focus=report_graph.value(node, SH.focusNode),
                path=None if path is None else path_string(report_graph, path),
                message="; ".join(messages) or "violates its shape",
                severity=report_graph.value(node, SH.resultSeverity),
                shape=report_graph.value(node, SH.sourceShape),
                value=report_graph.value(node, SH.value),
                constraint=report_graph.value(node, SH.sourceConstraint)
                or report_graph.value(node, SH.sourceConstraintComponent),
            )
        )
    return sorted(results, key=ValidationResult.line)


def path_string(graph: Graph, path: Node) -> str:
    """A SHACL path as an IRI, or as a SPARQL property path for inverse, sequence and the rest."""
    if isinstance(path, URIRef):
        return path
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _sparql_path(graph, inverse)
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_sparql_path(graph, p) for p in Collection(graph, alternatives)) + ")"
    for predicate, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+")):
        inner = graph.value(path, predicate)
        if inner is not None:
            return _sparql_path(graph, inner) + suffix
    inner = graph.value(path, SH.zeroOrOnePath)
    if inner is not None:
        return _sparql_path(graph, inner) + "?"
    if graph.value(path, RDF.first) is not None:
        return "/".join(_sparql_path(graph, p) for p in Collection(graph, path))
    return str(path)


def _sparql_path(graph: Graph, path: Node) -> str:
    text = path_string(graph, path)
    return f"<{text}>" if isinstance(text, URIRef) else text


def short(node: Node) -> str:
    """A node as a reader wants it: kgr:person/nick-whitfield, _:b0, "text"@en."""
    if isinstance(node, URIRef):
        iri = str(node)
        best = max(
            (p for p, ns in PREFIXES.items() if iri.startswith(ns) and len(iri) > len(ns)),
            key=lambda p: len(PREFIXES[p]),
            default=None,
        )
        return f"{best}:{iri[len(PREFIXES[best]) :]}" if best else f"<{iri}>"
    if isinstance(node, BNode):
        return f"_:{node}"
    if isinstance(node, Literal):
        return node.n3()
    return str(node)


def shorten_iris(text: str) -> str:
    """Text with every IRI it quotes in its prefixed form."""
    return _IRI_IN_TEXT.sub(lambda m: short(URIRef(m.group(0))), text)


def has_ontology(graph: Graph) -> bool:
    """True when graph holds the kgraph ontology (its owl:Ontology node)."""
    return (URIRef(ONTOLOGY_IRI), RDF.type, OWL.Ontology) in graph


def count_shapes(shapes: Graph) -> int:
    """Node and property shapes in a shapes graph, named or not."""
    nodes = set(shapes.subjects(RDF.type, SH.NodeShape))
    nodes |= set(shapes.subjects(RDF.type, SH.PropertyShape))
    nodes |= set(shapes.objects(None, SH.property))
    return len(nodes)


def copy_graph(graph: Graph) -> Graph:
    """A new in-memory graph with the same triples and prefixes."""
    out = Graph()
    for prefix, namespace in graph.namespaces():
        out.bind(prefix, namespace, override=True)
    for triple in graph:
        out.add(triple)
    return out


def load_shapes(shapes_dir: Path) -> Graph:
    """Every shapes file of shapes_dir, freshly parsed."""
    return load_graph(rdf_files(shapes_dir))


def load_graph(paths: Iterable[Path]) -> Graph:
    """One graph of the given RDF files; a file that does not parse raises file:line: message."""
    graph = Graph()
    for path in paths:
        parse_with_line(graph, Path(path))
    return graph


def project_graph(settings: Settings, files: Iterable[Path] = ()) -> Graph:
    """The ontology, the data folder and any extra files in one graph, as kgraph validates it."""
    paths = [*rdf_files(settings.ontology_dir), *rdf_files(settings.data_dir), *files]
    return load_graph(paths)


def project_data_graph(settings: Settings, files: Iterable[Path] = ()) -> Graph:
    """The graph project_graph reads, held in the store KGRAPH_STORE names (Oxigraph unless
    told otherwise: it parses several times faster than rdflib, and pySHACL reads it faster).

    A file that does not parse raises `file:line: message`, as rdflib's parsers locate it.
    """
    from kgraph.store import open_configured

    files = list(files)
    try:
        store, _ = open_configured(settings, [(None, Path(f)) for f in files])
    except ParseError:
        project_graph(settings, files)  # rdflib's parsers say on which line; raises that
        raise
    return store.rdflib_graph()


def parse_with_line(graph: Graph, path: Path) -> None:
    """Parse path into graph; on failure a ParseError whose reason is `file:line: message`."""
    try:
        parse_file(graph, path)
    except ParseError as err:
        raise ParseError(located_reason(path, err)) from err


def located_reason(path: Path, err: ParseError) -> str:
    """`file:line: message` for a parse failure, `file: message` when no line can be found."""
    cause = err.__cause__
    line, why = None, None
    if isinstance(cause, SyntaxError) and hasattr(cause, "lines"):  # rdflib's Turtle/N3 BadSyntax
        line, why = cause.lines + 1, getattr(cause, "_why", None)
    elif isinstance(cause, json.JSONDecodeError):
        line, why = cause.lineno, cause.msg
    elif isinstance(cause, xml.sax.SAXParseException):
        line, why = cause.getLineNumber(), cause.getMessage()
    prefix = f"{path}: "
    why = why or (err.reason[len(prefix) :] if err.reason.startswith(prefix) else err.reason)
    if line is None:
        found = _LINE_IN_TEXT.search(why)
        line = int(found.group(1)) if found else _first_bad_line(path)
    return f"{path}:{line}: {why}" if line is not None else f"{path}: {why}"


def _first_bad_line(path: Path) -> int | None:
    """For line-based formats, whose parsers do not say where they failed: the first bad line."""
    if path.suffix not in _LINE_FORMATS or not path.is_file():
        return None
    fmt = "nt" if path.suffix == ".nt" else "nquads"
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    for number, text in enumerate(lines, start=1):
        try:
            (Graph() if fmt == "nt" else Dataset()).parse(data=text, format=fmt)
        except Exception:  # rdflib's parsers raise many unrelated exception types
            return number
    return None
