"""Linked-data pages: the index, a page per minted IRI, the ontology, and the SPARQL query page."""

from __future__ import annotations

import json
import re
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, current_app, redirect, render_template, request
from rdflib import URIRef
from rdflib.term import Node

from kgraph.describe import Term, describe, description_graph, fallback_label, id_iri
from kgraph.errors import BadParameter
from kgraph.export import serialize
from kgraph.namespaces import ID, KG, ONTOLOGY_IRI, PREFIXES
from kgraph.ontology_docs import document, load_ontology
from kgraph.overview import class_counts, instances
from kgraph.vocabulary import terms_by_prefix
from kgraph.web import downloads, get_queries, get_store
from kgraph.web.rdf_response import HTML, negotiate, send_bytes
from kgraph.web.timelines import timeline_panels

bp = Blueprint(
    "pages",
    __name__,
    template_folder="../templates",
    static_folder="../static",
    static_url_path="/assets",
)
bp.register_blueprint(downloads.bp)

RESOURCE_FORMATS = (HTML, "turtle", "jsonld", "nt", "rdfxml")
ONTOLOGY_FORMATS = (HTML, "turtle", "jsonld", "nt", "rdfxml")
# Shown on the index: (heading, class)
INDEX_LISTS = (
    ("Local authorities", KG.LocalAuthority),
    ("People", KG.Person),
    ("Inspections", KG.Inspection),
    ("Sources", KG.Source),
)
# Download formats per query form: rows (SELECT), a boolean (ASK), a graph (CONSTRUCT, DESCRIBE).
RESULT_FORMATS = {
    "select": ("json", "xml", "csv", "tsv"),
    "ask": ("json", "xml"),
    "graph": ("turtle", "nt", "jsonld", "rdfxml"),
}
QUERY_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)


def query_form(text: str) -> str:
    """select, ask or graph: which download formats a query's results have."""
    body = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    body = re.sub(r"<[^>]*>", "", body)  # IRIs can contain the keywords
    match = QUERY_FORM.search(body)
    word = match.group(1).lower() if match else "select"
    return {"construct": "graph", "describe": "graph"}.get(word, word)


def local_href(iri: Node | str) -> str:
    """Where a link goes: minted IRIs and the ontology to this server, others to themselves."""
    text = str(iri)
    root = request.script_root if request else ""
    if text.startswith(str(ID)):
        return root + "/id/" + quote(text[len(str(ID)) :], safe="/#:@!$&'()*+,;=-._~%")
    if text == ONTOLOGY_IRI or text.startswith(ONTOLOGY_IRI + "#"):
        return root + "/ontology" + text[len(ONTOLOGY_IRI) :]
    return text


@bp.app_template_filter("href")
def _href_filter(iri: Node | str) -> str:
    return local_href(iri)


@bp.app_template_filter("short")
def _short_filter(iri: Node | str) -> str:
    return fallback_label(URIRef(str(iri)))


@bp.get("/")
def index() -> str:
    """What the graph holds: counts per class and the main things, with links onward."""
    store = get_store()
    lists = [(title, cls, instances(store, cls)) for title, cls in INDEX_LISTS]
    return render_template(
        "index.html",
        counts=class_counts(store),
        lists=lists,
        triples=len(store),
    )


@bp.get("/list")
def instance_list() -> str:
    """The named things of one class (and its subclasses)."""
    raw = request.args.get("class", "")
    if not raw.startswith(("http://", "https://")):
        raise BadParameter("give ?class=IRI, the full IRI of a class")
    store = get_store()
    cls = URIRef(raw)
    items = instances(store, cls)
    counts = {c.term.node: c.term for c in class_counts(store)}
    term = counts.get(cls, Term(cls, fallback_label(cls)))
    return render_template("list.html", cls=term, items=items)


@bp.get("/id/<path:path>")
def resource(path: str) -> Response:
    """The page of a minted IRI: HTML for browsers, its description as RDF by Accept."""
    if "#" in path:
        # An escaped hash IRI: its description lives on the page of the IRI before the '#'.
        base, _, fragment = path.partition("#")
        return redirect(local_href(id_iri(base)) + "#" + quote(fragment, safe="-._~"), 303)
    iri = id_iri(path)
    fmt = negotiate(RESOURCE_FORMATS)
    store = get_store()
    if fmt != HTML:
        data = serialize(description_graph(store, iri), fmt)
        return send_bytes(data, fmt, vary=("Accept",))
    description = describe(store, iri)
    alternates = _alternates(RESOURCE_FORMATS)
    panels = timeline_panels(store, iri, description.label, local_href)
    resp = Response(
        render_template("resource.html", d=description, alternates=alternates, panels=panels)
    )
    resp.headers["Vary"] = "Accept"
    return resp


def _alternates(formats: tuple[str, ...]) -> list[tuple[str, str]]:
    names = {"turtle": "Turtle", "jsonld": "JSON-LD", "nt": "N-Triples", "rdfxml": "RDF/XML"}
    return [(names[f], "?" + urlencode({"format": f})) for f in formats if f in names]


def _ontology():
    """The ontology graph and its documentation, read once per app."""
    cached = current_app.extensions.get("kgraph_ontology")
    if cached is None:
        settings = current_app.config["KGRAPH_SETTINGS"]
        graph = load_ontology(settings.ontology_dir)
        cached = (graph, document(graph))
        current_app.extensions["kgraph_ontology"] = cached
    return cached


@bp.get("/ontology")
def ontology() -> Response | str:
    """The ontology at its own IRI: documentation for browsers, Turtle or JSON-LD by Accept."""
    fmt = negotiate(ONTOLOGY_FORMATS)
    graph, doc = _ontology()
    if fmt != HTML:
        return send_bytes(serialize(graph, fmt), fmt, vary=("Accept",))
    resp = Response(
        render_template("ontology.html", doc=doc, alternates=_alternates(ONTOLOGY_FORMATS))
    )
    resp.headers["Vary"] = "Accept"
    return resp


def _prefix_terms() -> dict[str, list[str]]:
    store = get_store()
    key = len(store)
    cached = current_app.extensions.get("kgraph_prefix_terms")
    if cached is None or cached[0] != key:
        cached = (key, terms_by_prefix(store))
        current_app.extensions["kgraph_prefix_terms"] = cached
    return cached[1]


@bp.get("/query")
def query_page() -> str:
    """The SPARQL editor: examples, a Run button, results with links, downloads per format."""
    examples = list(get_queries("competency").values())
    chosen = request.args.get("example", "")
    example = next((q for q in examples if q.name == chosen), None)
    text = example.sparql if example else request.args.get("query", "") or _default_query()
    completion = {"prefixes": PREFIXES, "terms": _prefix_terms()}
    form = query_form(text)
    downloads_for = [
        (kind, f, "/sparql?" + urlencode({"query": text, "format": f}), kind == form)
        for kind, formats in RESULT_FORMATS.items()
        for f in formats
    ]
    return render_template(
        "query.html",
        examples=examples,
        chosen=chosen,
        query_text=text,
        completion_json=script_json(completion),
        examples_json=script_json({q.name: q.sparql for q in examples}),
        result_downloads=downloads_for,
    )


def script_json(value: object) -> str:
    """JSON safe to put inside a <script> element: no '<', '>' or '&' to end it early."""
    text = json.dumps(value, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _default_query() -> str:
    return (
        "PREFIX kg: <https://w3id.org/kgraph/ontology#>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n\n"
        "SELECT ?authority ?label WHERE {\n"
        "  ?authority a kg:LocalAuthority ;\n"
        "             rdfs:label ?label .\n"
        "}\nORDER BY ?label\n"
    )
