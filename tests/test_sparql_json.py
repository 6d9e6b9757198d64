"""SPARQL JSON written as text gives the very bytes json.dumps gives for the same document."""

from __future__ import annotations

import json
import random

import pytest

from kgraph.capped import Answer, Term
from kgraph.results import sparql_json

AWKWARD = [
    'a "quoted" word',
    "back\\slash",
    "lines\nand\r\ttabs\b\f",
    "\x00\x01\x1f\x7f",
    "é ü 中文 😀",
    "\u2028\u2029",
    "</script>",
    "",
    "plain",
]


def reference(found: Answer, max_rows: int) -> bytes:
    """The document built as dicts and written by json.dumps, as the endpoint once did."""
    doc: dict[str, object] = {"head": {}}
    if found.form == "ASK":
        doc["boolean"] = found.boolean
    else:
        doc["head"] = {"vars": list(found.names)}
        doc["results"] = {
            "bindings": [
                {
                    n: reference_term(t)
                    for n, t in zip(found.names, row, strict=True)
                    if t is not None
                }
                for row in found.rows
            ]
        }
    if found.truncated:
        doc["truncated"] = True
        doc["max_rows"] = max_rows
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def reference_term(term: tuple[str, ...]) -> dict[str, str]:
    if term[0] == "u":
        return {"type": "uri", "value": term[1]}
    if term[0] == "b":
        return {"type": "bnode", "value": term[1]}
    _, text, datatype, language = term
    if language:
        return {"type": "literal", "value": text, "xml:lang": language}
    if datatype:
        return {"type": "literal", "value": text, "datatype": datatype}
    return {"type": "literal", "value": text}


def some_term(rnd: random.Random) -> Term:
    kind = rnd.choice("ubln")
    if kind == "n":
        return None
    if kind in "ub":
        return (kind, rnd.choice(AWKWARD))
    datatype = rnd.choice([None, "http://www.w3.org/2001/XMLSchema#integer", rnd.choice(AWKWARD)])
    language = rnd.choice([None, None, "en", "en-GB", rnd.choice(AWKWARD)])
    return ("l", rnd.choice(AWKWARD), datatype, language)


@pytest.mark.parametrize("seed", range(40))
def test_select_answers_are_written_as_json_dumps_writes_them(seed: int) -> None:
    rnd = random.Random(seed)
    names = tuple(f"{rnd.choice(AWKWARD)}{i}" for i in range(rnd.randint(0, 5)))
    rows = tuple(tuple(some_term(rnd) for _ in names) for _ in range(rnd.randint(0, 6)))
    found = Answer("SELECT", names=names, rows=rows, truncated=rnd.random() < 0.4)
    written = sparql_json(found, 7)
    assert written == reference(found, 7)
    assert json.loads(written)["head"]["vars"] == list(names)


@pytest.mark.parametrize(
    "found",
    [
        Answer("ASK", boolean=True),
        Answer("ASK", boolean=False),
        Answer("ASK", boolean=True, truncated=True),
        Answer("SELECT"),
        Answer("SELECT", names=("a", "b"), rows=((None, None),)),
    ],
)
def test_ask_and_empty_answers_are_written_as_json_dumps_writes_them(found: Answer) -> None:
    assert sparql_json(found, 10_000) == reference(found, 10_000)


def test_a_row_of_the_wrong_width_is_refused() -> None:
    with pytest.raises(ValueError):
        sparql_json(Answer("SELECT", names=("a",), rows=((("u", "x"), ("u", "y")),)))


OX_DATA = """
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a ex:name "Alice"@en , "Alicia"@es-ES , "plain" , "typed"^^xsd:string , "7"^^xsd:integer .
ex:a ex:knows _:b .
_:b ex:name "Bob \\"the\\" builder\\n\\u00e9 \\u2028 😀" .
ex:c ex:name "2013"^^xsd:gYear ; ex:odd "x"^^<http://example.org/dt> .
"""


@pytest.mark.parametrize("max_rows", [0, 1, 3, 10_000])
@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o",
        "SELECT ?s ?n ?k WHERE { ?s ex:name ?n OPTIONAL { ?s ex:knows ?k } } ORDER BY ?n",
        "SELECT ?nothing ?s WHERE { ?s ex:odd ?o }",
        'SELECT ?x WHERE { VALUES ?x { "é"@fr ex:z 1.5 } }',
        "SELECT * WHERE { ?s ex:missing ?o }",
    ],
)
def test_oxigraph_answers_written_from_its_own_terms_match_the_plain_path(
    query: str, max_rows: int
) -> None:
    import pyoxigraph as ox

    from kgraph.capped import _solutions, _solutions_json

    store = ox.Store()
    store.load(OX_DATA.encode(), ox.RdfFormat.TURTLE)

    def run() -> ox.QuerySolutions:
        found = store.query(query, prefixes={"ex": "http://example.org/"})
        assert isinstance(found, ox.QuerySolutions)
        return found

    plain = _solutions(run(), max_rows)
    written = _solutions_json(run(), max_rows)
    assert written.json == sparql_json(plain, max_rows)
    assert (written.names, written.truncated, written.rows) == (plain.names, plain.truncated, ())
