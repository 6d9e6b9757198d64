"""Whole-graph downloads and the read-only Graph Store Protocol: Flask app and a real server."""

from __future__ import annotations

import gzip
import re
import urllib.error
import urllib.request
from dataclasses import replace
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner
from data_files import same_values
from flask.testing import FlaskClient
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from kgraph.cli import main
from kgraph.export import store_bytes
from kgraph.settings import Settings
from kgraph.store import Store, load_store
from kgraph.web import create_app

SAMPLE = Path(__file__).parent / "fixtures" / "pages"
NAMED = "https://example.org/graph/extra"
NAMED_TTL = """
@prefix ex: <https://example.org/> .
ex:thing ex:says "only in the named graph" .
ex:thing ex:count 3 .
"""
# path -> (media type, rdflib parser, file name)
DOWNLOADS = {
    "/data.ttl": ("text/turtle", "turtle", "kgraph.ttl"),
    "/data.nt": ("application/n-triples", "nt", "kgraph.nt"),
    "/data.nq": ("application/n-quads", "nquads", "kgraph.nq"),
    "/data.trig": ("application/trig", "trig", "kgraph.trig"),
    "/data.jsonld": ("application/ld+json", "json-ld", "kgraph.jsonld"),
}
QUADS = ("nquads", "trig")


def parse(data: bytes, fmt: str) -> Graph:
    """All triples of a document, whatever graphs a quad format puts them in."""
    if fmt in QUADS:
        ds = Dataset()
        ds.parse(data=data, format=fmt)
        out = Graph()
        for s, p, o, _ in ds.quads((None, None, None, None)):
            out.add((s, p, o))
        return out
    return Graph().parse(data=data, format=fmt)


@pytest.fixture(scope="module")
def default_store(articles_data_dir: Path) -> Store:
    """The whole graph is serialised for every format here: the articles' graph keeps it quick."""
    return load_store(replace(Settings.from_env(), data_dir=articles_data_dir))


@pytest.fixture(scope="module")
def named_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The sample graph plus one named graph, as `kgraph serve --add IRI=FILE` would load it."""
    path = tmp_path_factory.mktemp("named") / "extra.ttl"
    path.write_text(NAMED_TTL, encoding="utf-8")
    return load_store(replace(Settings.from_env(), data_dir=SAMPLE), extra=[(NAMED, path)])


@pytest.fixture
def named(named_store: Store) -> FlaskClient:
    app = create_app(store=named_store, settings=replace(Settings.from_env(), data_dir=SAMPLE))
    app.config.update(TESTING=True)
    return app.test_client()


# --- /data.* -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(DOWNLOADS))
def test_download_is_the_whole_graph(client: FlaskClient, default_store: Store, path: str) -> None:
    media, fmt, filename = DOWNLOADS[path]
    resp = client.get(path)
    assert resp.status_code == 200
    assert resp.mimetype == media
    assert resp.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert resp.headers["ETag"].startswith('"') and len(resp.headers["ETag"]) > 10
    assert "Accept-Encoding" in resp.headers["Vary"]
    with default_store.lock:
        expected = Graph()
        for triple in default_store.default_graph:
            expected.add(triple)
    assert isomorphic(same_values(parse(resp.data, fmt)), same_values(expected))


@pytest.mark.parametrize("path", sorted(DOWNLOADS))
def test_download_bytes_are_identical_across_requests_and_apps(
    client: FlaskClient, articles_data_dir: Path, path: str
) -> None:
    first = client.get(path).data
    assert client.get(path).data == first
    # a second app around a freshly loaded graph gives the same bytes
    settings = replace(Settings.from_env(), data_dir=articles_data_dir)
    fresh = create_app(store=load_store(settings), settings=settings)
    assert fresh.test_client().get(path).data == first


@pytest.mark.parametrize(("path", "fmt"), [("/data.ttl", "turtle"), ("/data.nq", "nquads")])
def test_download_matches_kgraph_export(
    client: FlaskClient, articles_data_dir: Path, path: str, fmt: str
) -> None:
    result = CliRunner().invoke(main, ["export", "--format", fmt, "--data", str(articles_data_dir)])
    assert result.exit_code == 0, result.output
    assert client.get(path).data == result.stdout_bytes


@pytest.mark.parametrize(
    ("path", "fmt"),
    [("/data.ttl", "turtle"), ("/data.nt", "nt"), ("/rdf-graphs?default", "turtle")],
)
def test_triple_downloads_are_written_by_oxigraph(
    client: FlaskClient, default_store: Store, path: str, fmt: str
) -> None:
    """Through the app's guarded store too, the Oxigraph store's Turtle and N-Triples come from
    Oxigraph's writers (rdflib's Turtle differs in layout, so a fallback would show)."""
    assert client.get(path).data == store_bytes(default_store, fmt)


def test_etag_and_if_none_match(client: FlaskClient) -> None:
    resp = client.get("/data.ttl")
    etag = resp.headers["ETag"]
    again = client.get("/data.ttl", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert client.get("/data.ttl", headers={"If-None-Match": "*"}).status_code == 304
    stale = client.get("/data.ttl", headers={"If-None-Match": '"not-this-one"'})
    assert stale.status_code == 200
    assert stale.data == resp.data
    # each format has its own validator
    assert client.get("/data.nt").headers["ETag"] != etag


def test_gzip_when_the_client_accepts_it(client: FlaskClient) -> None:
    plain = client.get("/data.ttl")
    assert "Content-Encoding" not in plain.headers
    zipped = client.get("/data.ttl", headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert len(zipped.data) < len(plain.data)
    assert gzip.decompress(zipped.data) == plain.data
    assert client.get("/data.ttl", headers={"Accept-Encoding": "gzip"}).data == zipped.data
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    revalidated = client.get(
        "/data.ttl",
        headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]},
    )
    assert revalidated.status_code == 304
    refused = client.get("/data.ttl", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers


def test_head_gives_headers_without_body(client: FlaskClient) -> None:
    get = client.get("/data.nt")
    head = client.head("/data.nt")
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["ETag"] == get.headers["ETag"]
    assert int(head.headers["Content-Length"]) == len(get.data)


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("text/turtle", "text/turtle"),
        ("application/n-triples", "application/n-triples"),
        ("application/n-quads", "application/n-quads"),
        ("application/trig", "application/trig"),
        ("application/ld+json", "application/ld+json"),
        ("*/*", "text/turtle"),
        ("text/html", "text/html"),
    ],
)
def test_data_by_accept(client: FlaskClient, accept: str, media: str) -> None:
    resp = client.get("/data", headers={"Accept": accept})
    assert resp.status_code == 200
    assert resp.mimetype == media
    if media != "text/html":
        assert "Accept" in resp.headers["Vary"]
        suffix = {v[0]: k for k, v in DOWNLOADS.items()}[media]
        assert resp.data == client.get(suffix).data
    else:
        assert "/data.ttl" in resp.get_data(as_text=True)


def test_downloads_page_links_every_download_and_graph(named: FlaskClient) -> None:
    resp = named.get("/downloads")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    hrefs = re.findall(r'href="([^"]+)"', html)
    for path in DOWNLOADS:
        assert path in hrefs
    graph_links = [unescape(h) for h in hrefs if h.startswith("/rdf-graphs")]
    assert "/rdf-graphs?default" in graph_links
    assert len(graph_links) == 2
    for href in graph_links:
        assert named.get(href).status_code == 200, href


def test_data_refuses_what_it_cannot_serve(client: FlaskClient) -> None:
    resp = client.get("/data", headers={"Accept": "image/png"})
    assert resp.status_code == 406
    assert client.get("/data.xls").status_code == 404


def test_quad_downloads_carry_named_graphs(named: FlaskClient) -> None:
    ds = Dataset()
    ds.parse(data=named.get("/data.nq").data, format="nquads")
    graph = ds.graph(URIRef(NAMED))
    assert len(graph) == 2
    trig = Dataset()
    trig.parse(data=named.get("/data.trig").data, format="trig")
    assert isomorphic(trig.graph(URIRef(NAMED)), graph)
    assert named.get("/data.trig").data == named.get("/data.trig").data
    # triple formats merge every graph
    ttl = Graph().parse(data=named.get("/data.ttl").data, format="turtle")
    assert (URIRef("https://example.org/thing"), None, None) in ttl


# --- Graph Store Protocol, read side ------------------------------------------------------------


def test_gsp_default_graph(named: FlaskClient, named_store: Store) -> None:
    resp = named.get("/rdf-graphs?default", headers={"Accept": "application/n-triples"})
    assert resp.status_code == 200
    assert resp.mimetype == "application/n-triples"
    served = Graph().parse(data=resp.data, format="nt")
    with named_store.lock:
        assert len(served) == len(named_store.default_graph)
    assert (URIRef("https://example.org/thing"), None, None) not in served
    assert named.get("/rdf-graphs?default").mimetype == "text/turtle"


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [("text/turtle", "turtle"), ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")],
)
def test_gsp_named_graph(named: FlaskClient, accept: str, fmt: str) -> None:
    resp = named.get("/rdf-graphs", query_string={"graph": NAMED}, headers={"Accept": accept})
    assert resp.status_code == 200
    assert resp.mimetype == accept
    graph = Graph().parse(data=resp.data, format=fmt)
    expected = Graph().parse(data=NAMED_TTL, format="turtle")
    assert isomorphic(graph, expected)


def test_gsp_named_graph_as_quads_keeps_its_name(named: FlaskClient) -> None:
    resp = named.get(
        "/rdf-graphs", query_string={"graph": NAMED}, headers={"Accept": "application/n-quads"}
    )
    assert resp.status_code == 200
    lines = resp.get_data(as_text=True).splitlines()
    assert len(lines) == 2
    assert all(line.endswith(f"<{NAMED}> .") for line in lines)


def test_gsp_head_and_etag(named: FlaskClient) -> None:
    get = named.get("/rdf-graphs", query_string={"graph": NAMED})
    head = named.head("/rdf-graphs", query_string={"graph": NAMED})
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["ETag"] == get.headers["ETag"]
    again = named.get(
        "/rdf-graphs", query_string={"graph": NAMED}, headers={"If-None-Match": get.headers["ETag"]}
    )
    assert again.status_code == 304


def test_gsp_unknown_graph_is_404(named: FlaskClient) -> None:
    resp = named.get("/rdf-graphs", query_string={"graph": "https://example.org/graph/none"})
    assert resp.status_code == 404
    body = resp.get_data(as_text=True)
    assert body.startswith("404 Not found: ") and body.count("\n") == 1
    # asking must not create the graph
    assert (
        named.get(
            "/rdf-graphs", query_string={"graph": "https://example.org/graph/none"}
        ).status_code
        == 404
    )


def test_gsp_needs_exactly_one_target(named: FlaskClient) -> None:
    assert named.get("/rdf-graphs").status_code == 400
    resp = named.get("/rdf-graphs", query_string={"default": "", "graph": NAMED})
    assert resp.status_code == 400


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE", "PATCH"])
def test_gsp_is_read_only(named: FlaskClient, method: str) -> None:
    resp = named.open(
        "/rdf-graphs",
        method=method,
        query_string={"graph": NAMED},
        data="<https://example.org/a> <https://example.org/b> <https://example.org/c> .",
        content_type="application/n-triples",
    )
    assert resp.status_code == 405
    allowed = {m.strip() for m in resp.headers["Allow"].split(",")}
    assert {"GET", "HEAD"} <= allowed
    assert not allowed & {"PUT", "POST", "DELETE", "PATCH"}
    assert resp.get_data(as_text=True).startswith("405 ")
    # nothing changed
    graph = Graph().parse(data=named.get("/rdf-graphs", query_string={"graph": NAMED}).data)
    assert len(graph) == 2


# --- over a real server --------------------------------------------------------------------------


def test_downloads_over_a_real_server(live_server) -> None:
    url = live_server.url + "/data.ttl"
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request) as resp:
        assert resp.headers["Content-Encoding"] == "gzip"
        etag = resp.headers["ETag"]
        first = gzip.decompress(resp.read())
    with urllib.request.urlopen(url) as resp:
        assert resp.read() == first
    request = urllib.request.Request(
        url, headers={"Accept-Encoding": "gzip", "If-None-Match": etag}
    )
    with pytest.raises(urllib.error.HTTPError) as not_modified:
        urllib.request.urlopen(request)
    assert not_modified.value.code == 304
    graph = Graph().parse(data=first, format="turtle")
    assert len(graph) == live_server.triples
