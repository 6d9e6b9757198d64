"""The official files the graph imports: what each is, who published it, and how facts cite it."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib.namespace import DCTERMS, PROV, RDF, RDFS

from kgraph.namespaces import KG
from kgraph.official.turtle import Lit, Triples, english, node, typed

LICENCE = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
OFSTED = node("organisation/ofsted")
DFE = node("organisation/department-for-education")
COPIED_FROM = (
    "The copy comes from the public repository dfe-analytical-services/CSC_outcomes_and_enablers"
    " (folder data-raw/, commit 2f5d11a)."
)


@dataclass(frozen=True)
class RawFile:
    """One published file: its name, the token its citations carry, and what it is."""

    file_name: str
    token: str
    publisher: str
    title: str

    @property
    def slug(self) -> str:
        """The source's IRI path part: the file name, lower case, words joined by '-'."""
        stem = self.file_name.rsplit(".", 1)[0]
        return stem.lower().replace("_", "-")

    @property
    def iri(self) -> str:
        """The source node."""
        return node(f"source/{self.slug}")

    def row(self, locator: str) -> str:
        """The citation node of one row (or place) of the file, such as row-57."""
        return node(f"source/{self.slug}/{locator}")

    def cite(self, triples: Triples, fact: str, locator: str, citation: str | None = None) -> str:
        """Say that fact comes from this file at locator, through citation (fact#cite-TOKEN)."""
        citation = citation or f"{fact}#cite-{self.token}"
        triples.add(fact, str(PROV.wasDerivedFrom), self.iri)
        triples.add(fact, str(PROV.qualifiedDerivation), citation)
        triples.add(citation, str(RDF.type), str(KG.Citation))
        triples.add(citation, str(PROV.entity), self.iri)
        triples.add(citation, str(KG.locator), Lit(locator))
        return citation


OFSTED_OUTCOMES = RawFile(
    "LA_Inspection_Outcomes_as_at_31_March_2025.ods",
    "ofsted-2025",
    OFSTED,
    "",  # read from the file's cover sheet
)
DFE_CPP = RawFile(
    "d5_cpps_at31march_by_duration_2013_to_2025.csv",
    "dfe-cpp",
    DFE,
    "Children on child protection plans at 31 March, by length of plan, 2013 to 2025",
)
DFE_CIN = RawFile(
    "b1_children_in_need_2013_to_2025.csv",
    "dfe-cin",
    DFE,
    "Children in need: episodes and children, 2013 to 2025",
)
DFE_CLA = RawFile(
    "cla_number_and_rate_per_10k_children.csv",
    "dfe-cla",
    DFE,
    "Children looked after: number and rate per 10,000 children",
)
DFE_CSWW = RawFile(
    "csww_indicators_2017_to_2025.csv",
    "dfe-csww",
    DFE,
    "Children's social work workforce indicators, 2017 to 2025",
)
DFE_FILES = (DFE_CPP, DFE_CIN, DFE_CLA, DFE_CSWW)
RAW_FILES = (OFSTED_OUTCOMES, *DFE_FILES)


def describe_source(
    triples: Triples, raw: RawFile, *, title: str, date: Lit, date_note: str | None = None
) -> None:
    """The source node: a kg:OfficialStatistics with title, publisher, date, licence, file name."""
    s = raw.iri
    triples.add(s, str(RDF.type), str(KG.OfficialStatistics))
    triples.add(s, str(RDFS.label), english(title))
    triples.add(s, str(DCTERMS.title), english(title))
    triples.add(s, str(DCTERMS.identifier), Lit(raw.file_name))
    triples.add(s, str(DCTERMS.publisher), raw.publisher)
    triples.add(s, str(DCTERMS.license), LICENCE)
    triples.add(s, str(DCTERMS.date), date)
    if date_note:
        triples.add(s, str(KG.dateNote), english(date_note))


def year(text: str) -> Lit:
    """An xsd:gYear."""
    return typed(text, "gYear")
