"""Linked-data pages through the real Flask app: HTML, conneg, 404, index, ontology, query page."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kgraph.namespaces import ID, KG, PREFIXES
from kgraph.queries import load_queries
from kgraph.settings import Settings
from kgraph.store import Store, load_store
from kgraph.web import create_app

SAMPLE = Path(__file__).parent / "fixtures" / "pages"
PROJECT_ONTOLOGY = Path(__file__).resolve().parents[1] / "ontology"
INSPECTION = "inspection/kingston-upon-thames-2013"
MEMBERSHIP = "membership/liz-green-council-leader-kingston-002"
SOURCE = "source/002_bb58156e29377348"
RDF_ACCEPTS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}


class Page(HTMLParser):
    """The links, element ids, headings and text of an HTML page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.ids: set[str] = set()
        self.scripts: list[str] = []
        self.stylesheets: list[str] = []
        self.h1 = ""
        self._href: str | None = None
        self._text: list[str] = []
        self._in_h1 = False
        self.text_parts: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        if tag == "a" and a.get("href") is not None:
            self._href, self._text = a["href"], []
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"] or "")
        if tag == "link" and a.get("rel") == "stylesheet":
            self.stylesheets.append(a.get("href") or "")
        if tag == "h1":
            self._in_h1 = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)
        if self._in_h1:
            self.h1 += data.strip()
        self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def hrefs(self) -> set[str]:
        return {href for href, _ in self.links}

    def link_text(self, href: str) -> list[str]:
        return [text for h, text in self.links if h == href]


@pytest.fixture(scope="module")
def sample_store() -> Store:
    """The ontology and a small graph written to the data conventions, with known citations."""
    return load_store(replace(Settings.from_env(), data_dir=SAMPLE))


@pytest.fixture
def sample(sample_store: Store) -> FlaskClient:
    app = create_app(store=sample_store, settings=replace(Settings.from_env(), data_dir=SAMPLE))
    app.config.update(TESTING=True)
    return app.test_client()


def html_page(client: FlaskClient, path: str) -> Page:
    resp = client.get(path, headers={"Accept": "text/html"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.mimetype == "text/html"
    return Page(resp.get_data(as_text=True))


# --- resource pages --------------------------------------------------------------------------


def test_resource_page_shows_label_types_properties_and_links(sample: FlaskClient) -> None:
    page = html_page(sample, "/id/" + INSPECTION)
    assert page.h1 == "Ofsted inspection of Kingston upon Thames children's services, 2013"
    assert "https://w3id.org/kgraph/id/" + INSPECTION in page.text
    # types and ontology terms link to the ontology page's anchors
    assert page.link_text("/ontology#Inspection") == ["Inspection"]
    assert "inspected" in page.link_text("/ontology#inspected")
    # kgraph IRIs link to local /id/ paths, with their labels
    assert page.link_text("/id/authority/kingston-upon-thames") == [
        "Royal Borough of Kingston upon Thames"
    ]
    assert "Ofsted" in page.link_text("/id/organisation/ofsted")
    # other IRIs link to themselves
    assert "http://www.w3.org/ns/prov#wasDerivedFrom" in page.hrefs()
    # literals show their datatype or language
    assert re.search(r"false\s*xsd:boolean", page.text)
    assert "2013-06 xsd:gYearMonth" in page.text


def test_hash_parts_are_on_the_same_page(sample: FlaskClient) -> None:
    page = html_page(sample, "/id/" + MEMBERSHIP)
    assert {"during", "attested", "cite-002"} <= page.ids
    assert "/id/" + MEMBERSHIP + "#during" in page.hrefs()
    assert "2013 xsd:gYear" in page.text
    # the person, role and organisation link to their pages
    assert page.link_text("/id/person/liz-green") == ["Liz Green"]
    assert "/id/role/council-leader" in page.hrefs()


def test_escaped_hash_iri_redirects_to_its_page(sample: FlaskClient) -> None:
    resp = sample.get("/id/" + MEMBERSHIP + "%23during")
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/id/" + MEMBERSHIP + "#during"


def test_sources_show_each_source_and_its_verbatim_quotes(sample: FlaskClient) -> None:
    page = html_page(sample, "/id/" + INSPECTION)
    sources = page.text.split("Sources", 1)[1]
    assert "following a surprise inspection by Ofsted" in sources
    # a hash part's own citation is shown too, saying which part it is for
    assert re.search(r"followed a June 2013 surprise visit\W+for #visit-002", sources)
    assert "/id/" + SOURCE in page.hrefs()
    assert "cite-002" in page.ids  # links to the citation's hash IRI land on its entry


def test_what_links_here_lists_incoming_links(sample: FlaskClient) -> None:
    page = html_page(sample, "/id/" + INSPECTION)
    incoming = page.text.split("What links here", 1)[1]
    assert "judgement/kingston-upon-thames-2013-overall-effectiveness" in incoming
    assert "of inspection" in incoming


def test_source_page_lists_the_facts_it_states(sample: FlaskClient) -> None:
    page = html_page(sample, "/id/" + SOURCE)
    facts = page.text.split("Facts this source states", 1)[1]
    assert "Council leader Councillor Liz Green" in facts
    assert "have been rated “inadequate” for the second year in a row" in facts
    assert "/id/person/liz-green" in page.hrefs()


@pytest.mark.parametrize("accept", sorted(RDF_ACCEPTS))
def test_resource_description_as_rdf_by_accept(sample: FlaskClient, accept: str) -> None:
    resp = sample.get("/id/" + INSPECTION, headers={"Accept": accept})
    assert resp.status_code == 200
    assert resp.mimetype == accept
    assert "Accept" in resp.headers["Vary"]
    graph = Graph().parse(data=resp.data, format=RDF_ACCEPTS[accept])
    iri = ID[INSPECTION]
    assert (iri, RDF.type, KG.Inspection) in graph
    assert (iri, KG.inspected, ID["authority/kingston-upon-thames"]) in graph
    # its hash parts' triples
    assert (
        URIRef(f"{iri}#cite-002"),
        KG.quote,
        Literal("following a surprise inspection by Ofsted"),
    ) in graph
    assert (
        URIRef(f"{iri}#visit-002"),
        RDF.type,
        URIRef(str(PREFIXES["time"]) + "Instant"),
    ) in graph
    # incoming triples
    judgement = ID["judgement/kingston-upon-thames-2013-overall-effectiveness"]
    assert (judgement, KG.ofInspection, iri) in graph
    # and nothing about unrelated nodes
    assert not list(graph.triples((ID["person/liz-green"], None, None)))


def test_every_rdf_format_carries_the_same_description(sample: FlaskClient) -> None:
    graphs = [
        Graph().parse(data=sample.get("/id/" + MEMBERSHIP, headers={"Accept": a}).data, format=fmt)
        for a, fmt in RDF_ACCEPTS.items()
    ]
    assert len(graphs[0]) > 10
    assert all(isomorphic(graphs[0], g) for g in graphs[1:])


def test_format_parameter_and_browser_default(sample: FlaskClient) -> None:
    resp = sample.get("/id/" + INSPECTION + "?format=turtle")
    assert resp.mimetype == "text/turtle"
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert sample.get("/id/" + INSPECTION, headers={"Accept": browser}).mimetype == "text/html"
    assert sample.get("/id/" + INSPECTION, headers={"Accept": "*/*"}).mimetype == "text/html"


def test_unknown_iri_is_one_line_404(sample: FlaskClient) -> None:
    for accept in ("text/html", "text/turtle", "*/*"):
        resp = sample.get("/id/authority/nowhere", headers={"Accept": accept})
        assert resp.status_code == 404
        assert resp.mimetype == "text/plain"
        body = resp.get_data(as_text=True)
        assert body.count("\n") == 1
        assert body.startswith("404 Not found: ")
        assert "https://w3id.org/kgraph/id/authority/nowhere" in body
    resp = sample.get("/id/authority/nowhere", headers={"Accept": "application/json"})
    assert resp.status_code == 404
    assert resp.get_json()["status"] == 404


def test_unservable_accept_is_406(sample: FlaskClient) -> None:
    resp = sample.get("/id/" + INSPECTION, headers={"Accept": "image/png"})
    assert resp.status_code == 406
    assert resp.get_data(as_text=True).startswith("406 ")


def test_blank_nodes_are_shown_inline(client: FlaskClient) -> None:
    # dsd:statistic's components are blank nodes in ontology/concepts.ttl
    page = html_page(client, "/id/dsd/statistic")
    assert "/ontology#refArea" in page.hrefs()
    assert "/ontology#value" in page.hrefs()


# --- every minted IRI of the project dereferences -------------------------------------------


def test_links_on_project_pages_dereference(client: FlaskClient, default_store: Store) -> None:
    """Every /id/ link on the index and on every inspection page answers 200 with its label."""
    index = html_page(client, "/")
    todo = {h.split("#")[0] for h in index.hrefs() if h.startswith("/id/")}
    for href in [h for h in todo if h.startswith("/id/inspection/")]:
        todo |= {h.split("#")[0] for h in html_page(client, href).hrefs() if h.startswith("/id/")}
    assert len(todo) > 20
    for href in sorted(todo):
        resp = client.get(href, headers={"Accept": "text/turtle"})
        assert resp.status_code == 200, href
        graph = Graph().parse(data=resp.data, format="turtle")
        assert len(graph), href


def test_authority_pages_show_their_labels(client: FlaskClient, default_store: Store) -> None:
    rows = list(
        default_store.query(
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "SELECT ?a ?label WHERE { ?a a ?cls ; rdfs:label ?label }",
            {"cls": KG.LocalAuthority},
        )
    )
    assert rows
    for row in rows:
        page = html_page(client, "/id/" + str(row.a).removeprefix(str(ID)))
        assert page.h1 == str(row.label)


# --- index -------------------------------------------------------------------------------------


def test_index_counts_classes_and_links_onward(client: FlaskClient, default_store: Store) -> None:
    page = html_page(client, "/")
    for href in ("/query", "/downloads", "/ontology"):
        assert href in page.hrefs()
    assert page.link_text("/id/authority/kingston-upon-thames") == [
        "Royal Borough of Kingston upon Thames"
    ]
    assert "/id/person/nick-whitfield" in page.hrefs()
    assert "/id/source/004_f91ed88330c63e40" in page.hrefs()
    assert any(h.startswith("/id/inspection/") for h in page.hrefs())
    rows = default_store.query("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a kg:Citation }")
    count = int(next(iter(rows)).n)
    assert re.search(rf"Citation kg:Citation {count}\b", page.text)


def test_class_list_page(sample: FlaskClient) -> None:
    page = html_page(sample, "/list?class=" + str(KG.Person).replace("#", "%23"))
    assert page.h1 == "Person"
    assert page.link_text("/id/person/liz-green") == ["Liz Green"]
    resp = sample.get("/list?class=nonsense")
    assert resp.status_code == 400


# --- ontology ----------------------------------------------------------------------------------


def test_ontology_page_documents_every_class_and_property(client: FlaskClient) -> None:
    page = html_page(client, "/ontology")
    ontology = Graph().parse(PROJECT_ONTOLOGY / "kgraph.ttl")
    own = [
        s
        for t in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for s in ontology.subjects(RDF.type, t)
        if str(s).startswith(str(KG))
    ]
    assert len(own) > 40
    for term in own:
        name = str(term).removeprefix(str(KG))
        assert name in page.ids, name
        assert str(ontology.value(term, RDFS.label)) in page.text, name
        definition = ontology.value(term, SKOS.definition)
        if definition is not None:
            assert " ".join(str(definition).split()) in page.text, name
    section = page.text.split("inspected kg:inspected", 1)[1].split("kg:", 1)[0]
    assert "Domain Inspection" in section
    assert "Range Local authority" in section
    assert "Subclass of" in page.text
    assert "http://www.w3.org/ns/org#Organization" in page.hrefs()


def test_ontology_page_lists_concept_schemes(client: FlaskClient) -> None:
    page = html_page(client, "/ontology")
    concepts = Graph().parse(PROJECT_ONTOLOGY / "concepts.ttl")
    schemes = list(concepts.subjects(RDF.type, SKOS.ConceptScheme))
    assert schemes
    for scheme in schemes:
        assert str(concepts.value(scheme, RDFS.label)) in page.text
    assert page.link_text("/id/grade/requires-improvement") == ["Requires improvement to be good"]


@pytest.mark.parametrize(
    ("accept", "fmt"), [("text/turtle", "turtle"), ("application/ld+json", "json-ld")]
)
def test_ontology_as_rdf_by_accept(client: FlaskClient, accept: str, fmt: str) -> None:
    resp = client.get("/ontology", headers={"Accept": accept})
    assert resp.status_code == 200
    assert resp.mimetype == accept
    served = Graph().parse(data=resp.data, format=fmt)
    files = Graph()
    for path in sorted(PROJECT_ONTOLOGY.glob("*.ttl")):
        files.parse(path)
    assert isomorphic(served, files)


# --- query page --------------------------------------------------------------------------------


def test_query_page_has_editor_examples_and_local_assets(client: FlaskClient) -> None:
    resp = client.get("/query")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    page = Page(html)
    assert {"query-form", "query", "example", "run", "results", "error"} <= page.ids
    for query in load_queries("competency").values():
        assert query.title in page.text
    # editor code is vendored and served here, never from another host
    assert any("codemirror.js" in s for s in page.scripts)
    assert any("sparql.js" in s for s in page.scripts)
    for url in page.scripts + page.stylesheets:
        assert url.startswith("/"), url
        assert client.get(url).status_code == 200, url
    # completion data: the project's prefixes and the terms the graph uses
    data = re.search(
        r'<script type="application/json" id="completion-data">(.*?)</script>', html, re.S
    )
    assert data
    completion = json.loads(data.group(1))
    assert completion["prefixes"] == PREFIXES
    assert "Membership" in completion["terms"]["org"]
    assert "LocalAuthority" in completion["terms"]["kg"]
    # download links for the default SELECT query: the row formats shown, graph formats hidden
    links = re.findall(
        r'<a class="result-download" data-kind="(\w+)" data-format="(\w+)"[^>]*>', html
    )
    shown = [f for kind, f in links if kind == "select"]
    assert shown == ["json", "xml", "csv", "tsv"]
    for anchor in re.findall(r'<a class="result-download"[^>]*>', html):
        assert (" hidden" in anchor) == ('data-kind="select"' not in anchor)


def test_query_page_loads_an_example_without_javascript(client: FlaskClient) -> None:
    query = next(iter(load_queries("competency").values()))
    resp = client.get("/query?example=" + query.name)
    html = resp.get_data(as_text=True)
    textarea = re.search(r'<textarea id="query"[^>]*>(.*?)</textarea>', html, re.S)
    assert textarea
    from html import unescape

    assert unescape(textarea.group(1)).strip() == query.sparql.strip()


def test_sparql_endpoint_serves_the_query_page_to_browsers(client: FlaskClient) -> None:
    resp = client.get("/sparql", headers={"Accept": "text/html"})
    assert resp.status_code == 200
    assert "query-form" in Page(resp.get_data(as_text=True)).ids


def test_a_source_cited_by_many_facts_lists_the_first_and_counts_them_all(
    client: FlaskClient, default_store: Store
) -> None:
    """A DfE table's source is cited by tens of thousands of observations: the page lists the
    first PAGE_LIMIT facts and links in, says how many there are, and links queries for them all."""
    from kgraph.describe import PAGE_LIMIT

    source = URIRef(str(ID) + "source/b1-children-in-need-2013-to-2025")
    links = default_store.triples((None, None, source))
    assert len(links) > PAGE_LIMIT  # the case this test is about
    page = html_page(client, "/id/source/b1-children-in-need-2013-to-2025")
    stated = page.text.split("Facts this source states", 1)[1].split("What links here", 1)[0]
    assert len(re.findall(r"\brow \d+", stated)) == PAGE_LIMIT  # a locator per fact, no quote
    assert f"The first {PAGE_LIMIT} of {len(links):,}, by IRI" in page.text
    queries = [href for href in page.hrefs() if href.startswith("/query?")]
    assert len(queries) == 2
    for href in queries:
        query = parse_qs(urlsplit(href).query)["query"][0]
        rows = list(default_store.query(query))  # the store: /sparql caps rows
        assert f"The first {PAGE_LIMIT} of {len(rows):,}, by IRI" in page.text
