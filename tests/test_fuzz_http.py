"""Property-based fuzzing of every route (hypothesis): malformed and hostile queries, parameters,
headers, content types, charsets and encodings (invalid UTF-8, NUL bytes, percent-encoded garbage)
and very large inputs. The answer is never a 500 and never a stack trace: a 4xx with one line in
the one error shape (or a 2xx/3xx where the input happens to be valid), and the server stays up.

Many examples through Flask's test client; fewer, as raw bytes on a socket, against a real
`kgraph serve`. Derandomized, with no example database: every run tries the same inputs.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote

import pytest
from flask.testing import FlaskClient
from fuzzing import FUZZ
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kgraph.settings import Settings
from kgraph.store import load_store
from kgraph.web import create_app
from kgraph.web.sparql import parse_form_fast

if TYPE_CHECKING:
    from conftest import LiveServer

SAMPLE = Path(__file__).parent / "fixtures" / "pages"
GUARD_SECONDS = 120
FUZZ_POSTS = settings(FUZZ, max_examples=300)
ERROR_LINE = re.compile(r"^(\d{3}) [^\n:]+: [^\n]*\n$")

# --- what to send -------------------------------------------------------------------------

# Query pieces. Three variable names only, so no join is a cross product that runs for minutes.
SPARQL_TOKENS = [
    "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "{", "}", ".", ";", ",", "*", "(", ")",
    "?s", "?p", "?o", "a", "rdfs:label", "kg:LocalAuthority", "owl:Class", "kg:noSuch",
    "<https://w3id.org/kgraph/id/authority/kingston-upon-thames>", "<authority/x>", "<>",
    "<bad iri>", "<file:///etc/passwd>", "<http://127.0.0.1:9/sparql>", "_:b", "[]", "()",
    "FILTER", "REGEX(?o, '(a+)+$')", "STR(?s)", "LANG(?o)", "'x'", '"\\u0000"', "'''", '"',
    "1", "-1", "1e999999", "9" * 40, '"1"^^xsd:integer', "@en", "LIMIT", "OFFSET", "ORDER BY",
    "GROUP BY", "HAVING", "COUNT(*)", "AS", "DISTINCT", "VALUES", "OPTIONAL", "UNION", "MINUS",
    "NOT EXISTS", "BIND", "SERVICE", "SERVICE SILENT", "FROM", "FROM NAMED", "GRAPH", "LOAD",
    "INSERT DATA", "DELETE WHERE", "CLEAR ALL", "DROP", "PREFIX", "ex:", "BASE", "undeclared:x",
    "rdfs:subClassOf*", "^", "|", "/", "+", "!", "#", "\n", "\x00", "\\", "%", "é", "\u202e",
]  # fmt: skip
VALID_QUERIES = [
    "SELECT * WHERE { ?s ?p ?o } LIMIT 3",
    "ASK { ?s a kg:LocalAuthority }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s a kg:Inspection ; ?p ?o }",
    "DESCRIBE <authority/kingston-upon-thames>",
]
HOSTILE_TEXT = [
    "",
    " ",
    "\x00",
    "\x00" * 100,
    "%",
    "%ff%fe",
    "%00",
    "%%%",
    "a" * 20_000,
    "\u202e\ufeff",
    "{{7*7}}",
    "<script>alert(1)</script>",
    "../../../etc/passwd",
    "file:///etc/passwd",
    "http://127.0.0.1:9/",
    "'; DROP TABLE x; --",
]

text = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
queries = st.one_of(
    st.sampled_from(VALID_QUERIES),
    st.lists(st.sampled_from(SPARQL_TOKENS), max_size=30).map(" ".join),
    st.sampled_from(VALID_QUERIES).flatmap(
        lambda q: st.integers(0, len(q)).map(lambda cut: q[:cut])
    ),
    text,
    st.sampled_from(HOSTILE_TEXT),
)
values = st.one_of(queries, st.sampled_from(HOSTILE_TEXT), text)
PARAM_NAMES = [
    "query", "update", "format", "default-graph-uri", "named-graph-uri", "graph", "default",
    "authority", "person", "organisation", "role", "date", "inspection", "resource", "region",
    "grade", "framework", "measure", "_shape", "page", "limit", "q", "", "class", "as-of",
]  # fmt: skip
params = st.lists(st.tuples(st.sampled_from(PARAM_NAMES) | text, values), max_size=4)
FORMATS = ["json", "xml", "csv", "tsv", "turtle", "nt", "jsonld", "rdfxml", "html", "nq", "x"]
PATHS = [
    "/", "/sparql", "/query", "/queries", "/queries/roles-of-person", "/queries/holders-on-date",
    "/queries/inspection-history", "/queries/no-such-query", "/queries/../sparql", "/ontology",
    "/ontology.ttl", "/data.ttl", "/data.nt", "/data.nq", "/data.trig", "/data.jsonld",
    "/data.xml", "/rdf-graphs", "/health", "/id/", "/id/authority/kingston-upon-thames",
    "/id/inspection/kingston-upon-thames-2013", "/id/authority/kingston-upon-thames/timeline",
    "/id/source/002_bb58156e29377348", "/id/no/such/thing", "/assets/", "/assets/nothing.js",
    "/sparql/", "//sparql", "/id/%00", "/id/%ff%fe", "/id/a%0Ab", "/list", "/data",
    "/downloads",
]  # fmt: skip
paths = st.one_of(
    st.sampled_from(PATHS),
    st.tuples(st.sampled_from(PATHS), text).map(lambda pt: pt[0] + quote(pt[1], safe="/%")),
)
ACCEPTS = [
    "*/*", "text/html", "application/json", "application/sparql-results+json",
    "application/sparql-results+xml", "text/csv", "text/tab-separated-values", "text/turtle",
    "application/n-triples", "application/ld+json", "application/rdf+xml", "image/png",
    "text/*;q=0", "*/*;q=0", "application/json;q=abc", "text/html;q=0.5, */*;q=0.1", ";;;",
    "a" * 5000, "",
]  # fmt: skip
CHARSETS = [
    "utf-8", "UTF-8", "latin-1", "utf-16", "utf-32", "utf-7", "ascii", "cp037", "idna",
    "punycode", "undefined", "rot13", "base64", "hex", "zlib", "bz2", "uu", "quopri",
    "unicode_escape", "raw_unicode_escape", "nonsense", "", "utf-8\x00", '"utf-8"',
]  # fmt: skip
CONTENT_TYPES = st.one_of(
    st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "application/sparql-query",
            "application/sparql-update",
            "multipart/form-data",
            "multipart/form-data; boundary=x",
            "text/plain",
            "application/json",
            "",
        ]
    ).flatmap(
        lambda ct: st.one_of(
            st.just(ct), st.sampled_from(CHARSETS).map(lambda cs: f"{ct}; charset={cs}")
        )
    ),
    st.sampled_from(["x/y; charset=", "; charset=utf-8", "application/sparql-query;;;"]),
)
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=60)
bodies = st.one_of(
    st.none(),
    queries.map(lambda q: q.encode("utf-8")),
    st.binary(max_size=300),
    params.map(lambda ps: "&".join(f"{quote(k)}={quote(v)}" for k, v in ps).encode()),
    st.sampled_from(
        [
            b"query=%ff%fe%00",
            b"query=ASK+%7B%7D&query=ASK+%7B%7D",
            b"\xff\xfe\x00\x00",
            b"query=" + b"a" * 300_000,
            b"ASK {}" + b" " * 300_000,
            b"\x00" * 1000,
        ]
    ),
)
METHODS = ["GET", "GET", "GET", "POST", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"]


@st.composite
def requests(draw: st.DrawFn) -> dict[str, object]:
    """One request: method, path, query string (encoded or raw), headers, body."""
    path = draw(paths)
    pairs = draw(params)
    if draw(st.booleans()):
        query_string = "&".join(f"{quote(k)}={quote(v)}" for k, v in pairs)
    else:  # raw: percent-encoded garbage, stray % and invalid UTF-8 survive as sent
        query_string = "&".join(f"{k}={v}" for k, v in pairs)
        query_string = quote(query_string, safe="%&=+;/?:@$,")
    headers: dict[str, str] = {}
    if draw(st.booleans()):
        headers["Accept"] = draw(st.sampled_from(ACCEPTS) | header_text)
    method = draw(st.sampled_from(METHODS))
    body = draw(bodies) if method in ("POST", "PUT", "PATCH") else None
    if body is not None or draw(st.booleans()):
        headers["Content-Type"] = draw(CONTENT_TYPES)
    if draw(st.booleans()):
        name = draw(st.sampled_from(["Accept-Encoding", "If-None-Match", "Origin", "X-Junk"]))
        headers[name] = draw(header_text)
    return {
        "method": method,
        "path": path,
        "query_string": query_string,
        "headers": headers,
        "body": body,
    }


# --- what must come back ------------------------------------------------------------------


def check_answer(method: str, status: int, content_type: str, body: bytes) -> None:
    """Never a 500 or a trace; an error is one line in the one error shape."""
    assert status < 500, (status, body[:300])
    assert b"Traceback" not in body
    if status < 400 or method == "HEAD":
        return
    if content_type.startswith("application/json"):
        doc = json.loads(body)
        assert set(doc) == {"error", "status", "reason"}, doc
        assert doc["status"] == status
        assert doc["reason"] and "\n" not in doc["reason"]
    else:
        assert content_type.startswith("text/plain"), (status, content_type, body[:300])
        line = body.decode("utf-8")
        match = ERROR_LINE.match(line)
        assert match and int(match.group(1)) == status, line[:300]


# --- through Flask's test client ----------------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_client() -> FlaskClient:
    """The app around the ontology and a small sample graph, so no query runs for long."""
    settings_ = replace(Settings.from_env(), data_dir=SAMPLE)
    app = create_app(store=load_store(settings_), settings=settings_)
    return app.test_client()


@settings(FUZZ, max_examples=1500)
@given(req=requests())
def test_any_request_gets_a_clean_answer(fuzz_client: FlaskClient, req: dict) -> None:
    assume(not req["path"].startswith("//"))  # the test client reads //x as a host (raw: below)
    resp = fuzz_client.open(
        req["path"],
        method=req["method"],
        query_string=req["query_string"],
        headers=req["headers"],
        data=req["body"],
    )
    check_answer(req["method"], resp.status_code, resp.content_type or "", resp.get_data())


@settings(FUZZ, max_examples=300)
@given(query=queries, accept=st.sampled_from(ACCEPTS), fmt=st.sampled_from([None, *FORMATS]))
def test_any_query_gets_a_clean_answer(
    fuzz_client: FlaskClient, query: str, accept: str, fmt: str | None
) -> None:
    fields = {"query": query, **({"format": fmt} if fmt else {})}
    for resp in (
        fuzz_client.get("/sparql", query_string=fields, headers={"Accept": accept}),
        fuzz_client.post("/sparql", data=fields, headers={"Accept": accept}),
    ):
        check_answer("GET", resp.status_code, resp.content_type or "", resp.get_data())


@settings(FUZZ, max_examples=200)
@given(
    name=st.sampled_from(["roles-of-person", "holders-on-date", "sources-of", "nope", ""]),
    pairs=params,
    fmt=st.sampled_from([None, "json", "csv", "html", "x"]),
)
def test_any_canned_query_parameters_get_a_clean_answer(
    fuzz_client: FlaskClient, name: str, pairs: list[tuple[str, str]], fmt: str | None
) -> None:
    query_string = [*pairs, *([("_format", fmt)] if fmt else [])]
    resp = fuzz_client.get(f"/queries/{name}", query_string=query_string)
    check_answer("GET", resp.status_code, resp.content_type or "", resp.get_data())


@FUZZ_POSTS
@given(content_type=CONTENT_TYPES, body=bodies, accept=st.sampled_from(ACCEPTS))
def test_any_post_body_and_content_type_gets_a_clean_answer(
    fuzz_client: FlaskClient, content_type: str, body: bytes | None, accept: str
) -> None:
    resp = fuzz_client.post(
        "/sparql", data=body, headers={"Content-Type": content_type, "Accept": accept}
    )
    check_answer("POST", resp.status_code, resp.content_type or "", resp.get_data())


@pytest.mark.parametrize("charset", CHARSETS)
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", b"query=ASK+%7B%7D"),
        ("application/sparql-query", b"ASK {}"),
        ("application/sparql-update", b"CLEAR ALL"),
    ],
)
def test_every_charset_gets_a_clean_answer(
    fuzz_client: FlaskClient, content_type: str, body: bytes, charset: str
) -> None:
    """Each charset once: codecs that are no text encoding (rot13, base64) included."""
    resp = fuzz_client.post(
        "/sparql", data=body, headers={"Content-Type": f"{content_type}; charset={charset}"}
    )
    check_answer("POST", resp.status_code, resp.content_type or "", resp.get_data())


# --- against a real server, as raw bytes --------------------------------------------------


def raw_request(port: int, data: bytes) -> tuple[int, str, bytes]:
    """Send bytes, read the answer to the end: (status, content type, body); 0 if none."""
    with socket.create_connection(("127.0.0.1", port), timeout=GUARD_SECONDS) as sock:
        # The server may answer (413, 414) and close before reading everything.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw:
        return 0, "", b""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    fields = dict(line.split(":", 1) for line in lines[1:] if ":" in line)
    fields = {k.strip().lower(): v.strip() for k, v in fields.items()}
    if fields.get("transfer-encoding") == "chunked":
        body = dechunk(body)
    return status, fields.get("content-type", ""), body


def dechunk(body: bytes) -> bytes:
    out = b""
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out, body = out + rest[:size], rest[size + 2 :]
    return out


@st.composite
def raw_requests(draw: st.DrawFn) -> tuple[str, bytes]:
    """An HTTP/1.1 request as bytes, path and headers included, sometimes malformed."""
    req = draw(requests())
    target = req["path"] + ("?" + req["query_string"] if req["query_string"] else "")
    target_bytes = target.encode("utf-8")
    if draw(st.integers(0, 9)) == 0:  # raw bytes the client would never send unescaped
        target_bytes += draw(st.sampled_from([b"\xff", b"\x00", b" x", b"%", b"\t"]))
    head = [req["method"].encode() + b" " + target_bytes + b" HTTP/1.1", b"Host: localhost"]
    for name, value in req["headers"].items():
        head.append(name.encode() + b": " + value.encode("latin-1"))
    body = req["body"] or b""
    if body or req["method"] in ("POST", "PUT", "PATCH"):
        head.append(b"Content-Length: " + str(len(body)).encode())
    head.append(b"Connection: close")
    return req["method"], b"\r\n".join(head) + b"\r\n\r\n" + body


@pytest.fixture(scope="module")
def fuzz_server(start_server: Callable[..., LiveServer]) -> LiveServer:
    return start_server("--data", SAMPLE, "--workers", "2", "--threads", "4")


@settings(FUZZ, max_examples=120)
@given(sent=raw_requests())
def test_a_real_server_answers_raw_requests_cleanly(
    fuzz_server: LiveServer, sent: tuple[str, bytes]
) -> None:
    method, data = sent
    port = int(fuzz_server.url.rsplit(":", 1)[1])
    status, content_type, body = raw_request(port, data)
    assert status != 0, data[:300]
    check_answer(method, status, content_type, body)


def test_the_real_server_is_still_up_and_logged_no_trace(fuzz_server: LiveServer) -> None:
    port = int(fuzz_server.url.rsplit(":", 1)[1])
    status, _, body = raw_request(
        port, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert status == 200 and json.loads(body)["status"] == "ok"
    assert fuzz_server.process.poll() is None
    assert "Traceback" not in fuzz_server.log.read_text(encoding="utf-8")


# --- the form reader's fast path ------------------------------------------------------------

FORM_TEXT = st.text(alphabet="ab z%+&=;\\\x00\x7f0123456789ACEFacefgG.", max_size=60)


@settings(FUZZ, max_examples=400)
@given(body=FORM_TEXT)
def test_the_fast_form_reader_reads_as_parse_qsl_or_steps_aside(body: str) -> None:
    """parse_form_fast gives parse_qsl's fields, or raises so that parse_qsl is used."""
    try:
        fast = parse_form_fast(body)
    except (UnicodeError, ValueError):
        return
    assert fast == parse_qsl(body, keep_blank_values=True, encoding="utf-8", errors="strict")


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ("query=ASK+%7B%7D&format=json", [("query", "ASK {}"), ("format", "json")]),
        ("query=%E2%80%9C%5C%25", [("query", "\u201c\\%")]),
        ("query=a\\%41&&x", [("query", "a\\A"), ("x", "")]),
    ],
)
def test_the_fast_form_reader_on_known_forms(body: str, fields: list[tuple[str, str]]) -> None:
    assert parse_form_fast(body) == fields
