"""holders-on-date: how certain a role held on a day is, for every way the sources give its time.

Each case is a membership of its own person in a small graph, so what one case says cannot leak
into another; the query runs through Store.query with its parameters bound.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import replace
from pathlib import Path

import pytest

from kgraph.queries import get_query
from kgraph.queries.answers import answer
from kgraph.settings import Settings
from kgraph.store import Store, load_store

ORG = "https://w3id.org/kgraph/id/organisation/test-council"
PREFIXES = """@base <https://w3id.org/kgraph/id/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<source/900_test> dcterms:identifier "900_test.txt" .
"""


def membership(name: str, *timing: str, role: str = "leader") -> str:
    """A membership of person `name`; timing: (predicate, instant property, literal) triples."""
    slug = re.sub(r"[^0-9a-z]+", "-", " ".join(timing).lower()).strip("-")
    m = f"<membership/{name}-{role}-{slug}>"
    lines = [
        f"{m} a org:Membership ; org:member <person/{name}> ; org:role <role/{role}> ;",
        f"  org:organization <organisation/test-council> ; org:memberDuring {m[:-1]}#during> ;",
        "  prov:wasDerivedFrom <source/900_test> .",
        f'<person/{name}> rdfs:label "{name}" .',
    ]
    for n, spec in enumerate(timing):
        link, prop, value = spec.split(" ")
        instant = f"{m[:-1]}#t{n}>"
        lines.append(f"{m[:-1]}#during> {link} {instant} .")
        lines.append(f"{instant} {prop} {value} .")
    return "\n".join(lines)


CASES = [
    membership(
        "interval",
        'time:hasBeginning time:inXSDgYearMonth "2014-04"^^xsd:gYearMonth',
        'time:hasEnd time:inXSDgYearMonth "2016-03"^^xsd:gYearMonth',
    ),
    membership("from-day", 'time:hasBeginning time:inXSDDate "2013-05-01"^^xsd:date'),
    membership("until-year", 'time:hasEnd time:inXSDgYear "2013"^^xsd:gYear'),
    membership("in-year", 'time:inside time:inXSDgYear "2013"^^xsd:gYear'),
    membership("in-month", 'time:inside time:inXSDgYearMonth "2013-07"^^xsd:gYearMonth'),
    membership("in-february", 'time:inside time:inXSDgYearMonth "2015-02"^^xsd:gYearMonth'),
    membership("on-day", 'time:inside time:inXSDDate "2012-07-10"^^xsd:date'),
    membership("former", 'time:before time:inXSDgYear "2013"^^xsd:gYear'),
    # the same person in the same role, attested twice: the later attestation is the evidence
    membership("twice", 'time:inside time:inXSDDate "2012-07-10"^^xsd:date'),
    membership("twice", 'time:inside time:inXSDgYear "2013"^^xsd:gYear'),
    # attested twice before the day: only the last attestation is listed
    membership("earlier", 'time:inside time:inXSDgYear "2011"^^xsd:gYear'),
    membership("earlier", 'time:inside time:inXSDDate "2012-07-10"^^xsd:date'),
    # attested before the day, and an interval covering it: the interval is the evidence
    membership("covered", 'time:inside time:inXSDDate "2012-07-10"^^xsd:date'),
    membership("covered", 'time:hasBeginning time:inXSDgYear "2012"^^xsd:gYear'),
]


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings that load only the cases: an empty ontology folder, a data folder of one file."""
    data: Path = tmp_path_factory.mktemp("asof-data")
    (data / "cases.ttl").write_text(PREFIXES + "\n".join(CASES) + "\n", encoding="utf-8")
    return replace(Settings.from_env(), data_dir=data, ontology_dir=tmp_path_factory.mktemp("none"))


@pytest.fixture(scope="module")
def small(cases: Settings) -> Store:
    """The cases in the default kind of store."""
    return load_store(cases)


def on(store: Store, day: str) -> dict[str, list[tuple[str, bool]]]:
    """person -> [(certainty, evidence)] on the day."""
    result = answer(store, get_query("holders-on-date"), {"organisation": ORG, "date": day})
    out: dict[str, list[tuple[str, bool]]] = {}
    for row in result.rows:
        out.setdefault(str(row["personLabel"]), []).append(
            (str(row["certainty"]), bool(row["evidence"]))
        )
    return {k: sorted(v) for k, v in out.items()}


LAST = ("not evidence: last attested before the date", False)


@pytest.mark.parametrize(
    ("day", "person", "expected"),
    [
        # a stated beginning and end, at month precision
        ("2015-01-01", "interval", [("within stated beginning and end", True)]),
        ("2014-04-10", "interval", [("began in the same month", True)]),
        ("2016-03-31", "interval", [("ended in the same month", True)]),
        ("2014-03-31", "interval", None),
        ("2016-04-01", "interval", None),
        # only a beginning, on a day
        ("2013-05-01", "from-day", [("began on the day", True)]),
        ("2020-01-01", "from-day", [("after stated beginning; end not stated", True)]),
        ("2013-04-30", "from-day", None),
        # only an end, in a year
        ("2012-12-31", "until-year", [("before stated end; beginning not stated", True)]),
        ("2013-06-01", "until-year", [("ended in the same year", True)]),
        ("2014-01-01", "until-year", None),
        # attested in a year: the same year only; later it is the last attestation; earlier, nothing
        ("2013-07-01", "in-year", [("attested in the same year", True)]),
        ("2013-01-01", "in-year", [("attested in the same year", True)]),
        ("2014-01-01", "in-year", [LAST]),
        ("2012-12-31", "in-year", None),
        # attested in a month
        ("2013-07-01", "in-month", [("attested in the same month", True)]),
        ("2013-07-31", "in-month", [("attested in the same month", True)]),
        ("2013-08-01", "in-month", [LAST]),
        ("2013-06-30", "in-month", None),
        ("2015-02-28", "in-february", [("attested in the same month", True)]),
        ("2015-03-01", "in-february", [LAST]),
        # attested on a day: no evidence for a day a year later
        ("2012-07-10", "on-day", [("attested on the day", True)]),
        ("2013-07-01", "on-day", [LAST]),
        ("2012-07-09", "on-day", None),
        # former: held at some time before the source's year, not known when
        ("2012-01-01", "former", [("former: not known whether held on the date", True)]),
        ("2013-07-01", "former", [("former: not known whether held on the date", True)]),
        ("2014-01-01", "former", None),
        # the evidence wins over an earlier attestation; of earlier ones, only the last is listed
        ("2013-07-01", "twice", [("attested in the same year", True)]),
        ("2013-07-01", "earlier", [LAST]),
        ("2013-07-01", "covered", [("after stated beginning; end not stated", True)]),
    ],
)
def test_certainty_on_a_day(
    small: Store, day: str, person: str, expected: list[tuple[str, bool]] | None
) -> None:
    assert on(small, day).get(person) == expected


def test_the_last_attestation_is_the_latest_before_the_day(small: Store) -> None:
    result = answer(
        small, get_query("holders-on-date"), {"organisation": ORG, "date": "2013-07-01"}
    )
    earlier = [r for r in result.rows if r["personLabel"] == "earlier"]
    assert [r["attested"] for r in earlier] == ["2012-07-10"]
    assert earlier[0]["basis"] == "held on 2012-07-10 according to 900_test"


def test_evidence_comes_before_the_last_attestations(small: Store) -> None:
    result = answer(
        small, get_query("holders-on-date"), {"organisation": ORG, "date": "2013-07-01"}
    )
    flags = [r["evidence"] for r in result.rows]
    assert flags == sorted(flags, reverse=True)
    assert True in flags and False in flags


def test_basis_says_what_is_known_without_widening_it(small: Store) -> None:
    result = answer(
        small, get_query("holders-on-date"), {"organisation": ORG, "date": "2013-05-15"}
    )
    basis = {r["personLabel"]: r["basis"] for r in result.rows}
    assert basis["from-day"] == "held from 2013-05-01 to … according to 900_test"
    assert basis["until-year"] == "held from … to 2013 according to 900_test"
    assert basis["in-year"] == "held in 2013 according to 900_test"
    assert basis["former"] == "held before 2013 (former, according to 900_test)"


# Days that between them give every certainty the query can answer.
EVERY_CERTAINTY = (
    "2013-07-01",
    "2014-04-10",
    "2016-03-31",
    "2015-01-01",
    "2012-07-10",
    "2013-05-01",
)


@pytest.fixture(scope="module")
def reference(cases: Settings) -> Store:
    """The cases in rdflib's store, the reference implementation, when load_store offers it."""
    if "kind" not in inspect.signature(load_store).parameters:
        pytest.skip("load_store makes one kind of store only")
    return load_store(cases, kind="rdflib")


@pytest.mark.parametrize("day", EVERY_CERTAINTY)
def test_the_reference_engine_gives_the_same_answers(
    small: Store, reference: Store, day: str
) -> None:
    assert on(reference, day) == on(small, day)
