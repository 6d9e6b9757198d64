"""Terms and query results between pyoxigraph and rdflib, so every store answers in rdflib terms."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.namespace import RDF, XSD
from rdflib.query import Result
from rdflib.term import Node

from kgraph.errors import BadParameter
from kgraph.namespaces import bind_prefixes

_XSD_STRING = str(XSD.string)
_LANG_STRING = str(RDF.langString)


def to_rdflib(term: object) -> Node | None:
    """An rdflib term for a pyoxigraph one; a plain string literal has no datatype, as in rdflib."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype in (_XSD_STRING, _LANG_STRING):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    raise TypeError(f"no rdflib term for {term!r}")


def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """A pyoxigraph term for an rdflib one; BadParameter for a value Oxigraph refuses (an IRI
    with a space or a quote in it, from a URL), as the remote kind refuses to bind it."""
    try:
        return _to_oxigraph(term)
    except ValueError as exc:
        raise BadParameter(f"not a term that can be bound: {str(term)!r}: {exc}") from None


def _to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"no Oxigraph term for {term!r}")


def graph_name(name: str | None) -> ox.NamedNode | ox.DefaultGraph:
    """The pyoxigraph graph name of the default graph (None) or a named graph."""
    return ox.DefaultGraph() if name is None else ox.NamedNode(name)


def substitutions(bindings: Mapping[str, Node] | None) -> dict[ox.Variable, object]:
    """initBindings as Oxigraph substitutions: the values replace the variables, unpasted."""
    return {ox.Variable(str(k)): to_oxigraph(v) for k, v in (bindings or {}).items()}


def triples_graph(triples: Iterable[ox.Triple]) -> Graph:
    """An rdflib graph of pyoxigraph triples, with the project's prefixes bound."""
    graph = Graph()
    bind_prefixes(graph)
    for t in triples:
        graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return graph


def to_result(answer: object, form: str | None = None) -> Result:
    """A materialised rdflib Result (vars, bindings, askAnswer or graph) of a pyoxigraph answer."""
    if isinstance(answer, ox.QueryBoolean):
        result = Result("ASK")
        result.askAnswer = bool(answer)
        return result
    if isinstance(answer, ox.QuerySolutions):
        result = Result("SELECT")
        names = [Variable(v.value) for v in answer.variables]
        result.vars = names
        result.bindings = [
            {
                name: to_rdflib(value)
                for name, value in zip(names, solution, strict=True)
                if value is not None
            }
            for solution in answer
        ]
        return result
    if isinstance(answer, ox.QueryTriples):
        result = Result(form if form in ("CONSTRUCT", "DESCRIBE") else "CONSTRUCT")
        result.graph = triples_graph(answer)
        return result
    raise TypeError(f"unexpected query answer {answer!r}")
