"""Every quote occurs verbatim in the article it cites; every fact-bearing node cites a source:
an article by a quote, official statistics by a locator (sheet and row)."""

from __future__ import annotations

import pytest

from kgraph.settings import Settings
from kgraph.store import Store

# Audits of the whole graph: rdflib, the reference kind, takes many minutes over the official data.
pytestmark = pytest.mark.store_kinds("oxigraph", "remote")

QUOTE_MARKS = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "′": "'", "«": '"', "»": '"'})


def fold(text: str) -> str:
    """White space and the kind of quotation marks do not matter when matching a quote."""
    return " ".join(text.translate(QUOTE_MARKS).split())


@pytest.fixture(scope="module")
def seeds() -> dict[str, str]:
    folder = Settings.from_env().seeds_dir  # KGRAPH_SEEDS_DIR moves it
    texts = {p.name: fold(p.read_text(encoding="utf-8")) for p in folder.glob("*.txt")}
    assert texts, f"no seed articles found in {folder}; set KGRAPH_SEEDS_DIR"
    return texts


def citations(store: Store) -> list[tuple[str, str, str]]:
    result = store.query(
        """SELECT ?citation ?file ?quote WHERE {
            ?citation a kg:Citation ; prov:entity ?source ; kg:quote ?quote .
            ?source dcterms:identifier ?file .
        } ORDER BY ?citation"""
    )
    return [(str(r.citation), str(r.file), str(r.quote)) for r in result]


def test_there_are_quotes_from_every_article(store: Store, seeds: dict[str, str]) -> None:
    cited = {file for _, file, _ in citations(store)}
    assert cited == set(seeds)


def test_every_quote_is_verbatim_in_its_source(store: Store, seeds: dict[str, str]) -> None:
    missing = [
        f"{citation}: {quote!r} not in {file}"
        for citation, file, quote in citations(store)
        if file in seeds and fold(quote) not in seeds[file]
    ]
    unknown = [f"{c}: cites unknown file {f}" for c, f, _ in citations(store) if f not in seeds]
    assert not missing + unknown, "\n".join(missing + unknown)


def test_the_quote_check_catches_a_changed_quote(seeds: dict[str, str]) -> None:
    """The folding is not so loose that an altered quote passes."""
    text = seeds["004_f91ed88330c63e40.txt"]
    assert fold("has been drafted in while the council’s director") in text
    assert fold("has been drafted in after the council’s director") not in text
    assert fold("has beendrafted in while the council’s director") not in text


FACT_CLASSES = (
    "kg:Person kg:Organisation kg:LocalAuthority kg:Area org:Membership kg:ServiceArrangement"
    " kg:Inspection kg:Judgement kg:Finding kg:Recommendation kg:Event kg:Statistic kg:Claim"
    " kg:Report"
)


def test_every_fact_bearing_node_cites_a_source_with_a_quote_or_locator(store: Store) -> None:
    # Two plain joins and a set difference: one query with FILTER NOT EXISTS over every node of
    # the official statistics is far slower on every engine.
    facts = store.query(
        f"""SELECT DISTINCT ?node WHERE {{
            VALUES ?class {{ {FACT_CLASSES} }}
            ?kind rdfs:subClassOf* ?class .
            ?node a ?kind .
            FILTER (STRSTARTS(STR(?node), "https://w3id.org/kgraph/id/"))
        }}"""
    )
    cited = store.query(
        """SELECT DISTINCT ?node WHERE {
            ?node prov:qualifiedDerivation ?citation ; prov:wasDerivedFrom ?source .
            ?citation prov:entity ?source .
            { ?citation kg:quote ?quote . ?source a kg:Article }
            UNION { ?citation kg:locator ?where . ?source a kg:OfficialStatistics }
        }"""
    )
    sources = store.query("SELECT DISTINCT ?node WHERE { ?node a/rdfs:subClassOf* kg:Source }")
    uncited = {r.node for r in facts} - {r.node for r in cited} - {r.node for r in sources}
    assert len({r.node for r in facts}) > 1000
    assert not uncited, "no source, or no quote or locator: " + ", ".join(sorted(uncited))


def test_article_citations_quote_and_official_ones_locate(store: Store) -> None:
    """A citation of an article has a quote and no locator; of official data, the reverse."""
    result = store.query(
        """SELECT ?citation WHERE {
            ?citation a kg:Citation ; prov:entity ?source .
            { ?source a kg:Article . FILTER NOT EXISTS { ?citation kg:quote ?q } }
            UNION { ?source a kg:Article . ?citation kg:locator ?l }
            UNION {
                ?source a kg:OfficialStatistics . FILTER NOT EXISTS { ?citation kg:locator ?l }
            }
            UNION { ?source a kg:OfficialStatistics . ?citation kg:quote ?q }
        } LIMIT 20"""
    )
    assert not [str(r.citation) for r in result]


def test_no_fact_from_a_source_that_is_not_cited(store: Store) -> None:
    """prov:wasDerivedFrom and the qualified citations name the same sources."""
    derived = store.query("SELECT ?node ?source WHERE { ?node prov:wasDerivedFrom ?source }")
    cited = store.query(
        "SELECT ?node ?source WHERE { ?node prov:qualifiedDerivation/prov:entity ?source }"
    )
    pairs = {(r.node, r.source) for r in derived}
    assert len(pairs) > 1000
    assert not sorted(pairs - {(r.node, r.source) for r in cited})


def test_no_blank_nodes_in_data() -> None:
    """Read with pyoxigraph's parser, which is fast on the large official files."""
    from pyoxigraph import BlankNode, RdfFormat, parse

    paths = sorted(Settings.from_env().data_dir.rglob("*.ttl"))
    assert paths
    for path in paths:
        for triple in parse(path=str(path), format=RdfFormat.TURTLE):
            terms = (triple.subject, triple.predicate, triple.object)
            assert not any(isinstance(t, BlankNode) for t in terms), path


def test_fold_handles_curly_quotes() -> None:
    assert fold("Kingston’s  “success”\n") == 'Kingston\'s "success"'
