"""Deterministic synthetic graphs of kgraph's domain, as N-Triples, for the benchmarks.

    python bench/generate.py --triples 100000 [--seed 1] [--output FILE]

The graph is a stream of whole facts, authority by authority: sources (kg:Article), the local
authority and its area, people, org:Memberships with OWL-Time intervals (a stated beginning or
end, or `time:inside` / `time:before` an attested instant, at xsd:date, gYearMonth or gYear
precision), inspections with visit, publication and reported time nodes, judgements with grades,
findings and recommendations, service arrangements, and Data Cube statistics. Every fact-bearing
node cites its source (prov:wasDerivedFrom and a kg:Citation with a kg:quote), as data/README.md
asks. It uses the project's ontology terms and IRI shapes, and the real concepts (roles, grades,
judgement areas, frameworks, measures, units), so the canned and competency queries run on it.

Authorities, areas and figures also come in the shapes `kgraph import` writes (data/official/):
authorities and areas with a kg:gssCode and a kg:dfeCode, authorities with a kg:ofstedRegion and
a kg:authorityStatus; the DfE's figures as kg:Statistics of children on child protection plans at
31 March (<period/YYYY-03-31>) and of the agency worker rate in a reporting year
(<period/reporting-year-YYYY>), England's (<area/e92000001>, kg:gssCode "E92000001") among them.
The first fact blocks, with the first authority, write what those need once: the shared period
nodes, England's area and figures, and the concepts of data/official/vocabulary.ttl they point
to (Ofsted regions, the measure, the status), copied, as the bench graph leaves data/official/
out. The first authority (the sample whose nodes are the queries' synthetic parameters) has every
kind of fact, and is in London with two ILACS inspections visited on a known day, judged
inadequate and then outstanding, and an agency worker rate above England's: the national canned
queries find it with their own example parameters in a graph of any size.

Everything else is invented: names are made of syllables, quotes are made-up sentences, figures
are random (England's too), GSS codes start E99 and DfE codes are 001-199 (no real code does or
is; DfE codes are three digits, so only the first 199 authorities have one), and no node of the
project's own data (data/) is described but those named above. The stream stops at the first
fact boundary at or past --triples, so a graph holds whole facts and every node it refers to; a
smaller graph of the same seed is a prefix of a larger one. Same seed and size give
byte-identical output.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ID = "https://w3id.org/kgraph/id/"
KG = "https://w3id.org/kgraph/ontology#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
ORG = "http://www.w3.org/ns/org#"
TIME = "http://www.w3.org/2006/time#"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
SCHEMA = "https://schema.org/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
QB = "http://purl.org/linked-data/cube#"

TYPE = RDF + "type"
LABEL = RDFS + "label"
DERIVED = PROV + "wasDerivedFrom"
QUALIFIED = PROV + "qualifiedDerivation"

DEFAULT_SEED = 1
# The concepts the project defines (ontology/concepts.ttl, data/roles.ttl, data/measures.ttl).
AUTHORITY_ROLES = (
    "director-of-childrens-services",
    "council-leader",
    "lead-member-for-childrens-services",
    "chief-executive",
    "councillor",
    "cabinet-member-for-education-and-skills",
)
ROLE_LABELS = {
    "director-of-childrens-services": "director of children's services",
    "council-leader": "council leader",
    "lead-member-for-childrens-services": "lead member for children's services",
    "chief-executive": "chief executive",
    "councillor": "councillor",
    "cabinet-member-for-education-and-skills": "cabinet member for education and skills",
    "director": "director",
}
# (framework, first year, last year, judgement areas, grades)
FRAMEWORKS = (
    (
        "protection-of-children-2012",
        2010,
        2013,
        (
            "overall-effectiveness",
            "help-and-protection",
            "quality-of-practice",
            "leadership-and-governance",
        ),
        ("outstanding", "good", "adequate", "inadequate"),
    ),
    (
        "single-inspection-framework",
        2014,
        2017,
        ("overall-effectiveness",),
        ("outstanding", "good", "requires-improvement", "inadequate"),
    ),
    (
        "ilacs",
        2018,
        2024,
        (
            "overall-effectiveness",
            "children-who-need-help-and-protection",
            "children-in-care",
            "care-leavers",
            "impact-of-leaders",
        ),
        ("outstanding", "good", "requires-improvement", "inadequate"),
    ),
)
AREA_LABELS = {
    "overall-effectiveness": "Overall effectiveness",
    "help-and-protection": "Help and protection",
    "quality-of-practice": "Quality of practice",
    "leadership-and-governance": "Leadership and governance",
    "children-who-need-help-and-protection": "Children who need help and protection",
    "children-in-care": "Children in care",
    "care-leavers": "Care leavers",
    "impact-of-leaders": "Impact of leaders",
}
MEASURES = (
    ("children-on-child-protection-plans", "count", 80, 900),
    ("unallocated-children-in-need-cases", "count", 0, 300),
    ("child-protection-conferences", "count", 50, 700),
    ("population", "count", 60000, 900000),
)
REGIONS = ("london", "south-east", "north-west", "yorkshire", "west-midlands", "east-of-england")
# Each region's Ofsted region (data/official/vocabulary.ttl), as kg:ofstedRegion gives it.
OFSTED_REGIONS = {
    "london": "london",
    "south-east": "south-east",
    "north-west": "north-west",
    "yorkshire": "north-east-yorkshire-and-the-humber",
    "west-midlands": "west-midlands",
    "east-of-england": "east-of-england",
}
# Copied from data/official/vocabulary.ttl (the bench graph does not load data/official/), so the
# concepts authorities and figures point to are in the graph: (concept, types, label, definition,
# scheme), a scheme with no scheme of its own. tests/test_bench.py checks them against the file.
OFFICIAL_CONCEPTS = (
    (
        "scheme/ofsted-regions",
        ("ConceptScheme",),
        "Ofsted regions",
        "The regions Ofsted's local authority inspection outcomes place each authority in.",
        None,
    ),
    *(
        (
            f"ofsted-region/{region}",
            ("Concept",),
            label,
            f"Ofsted's {label} region.",
            "scheme/ofsted-regions",
        )
        for region, label in (
            ("london", "London"),
            ("south-east", "South East"),
            ("north-west", "North West"),
            ("north-east-yorkshire-and-the-humber", "North East, Yorkshire and the Humber"),
            ("west-midlands", "West Midlands"),
            ("east-of-england", "East of England"),
        )
    ),
    (
        "measure/agency-worker-rate",
        ("Concept", "Measure"),
        "Agency worker rate",
        "Agency social workers as a percentage of agency workers and social workers in post, in "
        "full-time equivalents (DfE column agency_rate_fte: agency_fte over agency_fte plus "
        "inpost_fte).",
        "scheme/measures",
    ),
    (
        "scheme/authority-statuses",
        ("ConceptScheme",),
        "Local authority statuses",
        "Whether a local authority still exists, as Ofsted's ILACS inspection history says.",
        None,
    ),
    (
        "authority-status/current",
        ("Concept",),
        "Current",
        "The authority exists.",
        "scheme/authority-statuses",
    ),
)
ENGLAND = "area/e92000001"  # England's area and GSS code, as data/official/areas.ttl has them
ENGLAND_GSS = "E92000001"
# Synthetic codes no real one has: GSS codes under E99 (real English ones are E06-E13 and E92) and
# DfE codes 001-199 (real ones are 201-943), which gives DfE codes to the first 199 authorities
# only (kg:dfeCode is three digits): those after them have none.
SYNTHETIC_GSS = "E99"
DFE_CODES = 199
# The DfE's figures, in the shapes of data/official/statistics-dfe-*.ttl: children on child
# protection plans at 31 March (period/YYYY-03-31) and the workforce's agency worker rate in the
# reporting year (period/reporting-year-YYYY), for England too.
CPP_YEARS = range(2013, 2025)
WORKFORCE_YEARS = range(2017, 2025)
ONSETS = (
    "ash",
    "bram",
    "cal",
    "dun",
    "elm",
    "fen",
    "gar",
    "hal",
    "ing",
    "kel",
    "lang",
    "mar",
    "north",
    "or",
    "pen",
    "ros",
    "stan",
    "thorn",
    "wal",
    "wyn",
)
CODAS = (
    "bury",
    "ford",
    "ley",
    "wick",
    "ton",
    "field",
    "mouth",
    "ham",
    "stead",
    "worth",
    "dale",
    "combe",
)
FIRST_NAMES = (
    "alex",
    "beth",
    "chris",
    "dana",
    "eli",
    "fran",
    "gwen",
    "harry",
    "isla",
    "jon",
    "kate",
    "liam",
    "maya",
    "noel",
    "omar",
    "pia",
    "quinn",
    "rosa",
    "sam",
    "tara",
    "umar",
    "vera",
    "will",
    "yara",
    "zoe",
    "amir",
    "bea",
    "cole",
    "dev",
    "ella",
)
SURNAMES = (
    "archer",
    "baker",
    "carter",
    "dale",
    "ellis",
    "fisher",
    "grant",
    "hughes",
    "irving",
    "jones",
    "khan",
    "lowe",
    "mason",
    "nash",
    "owen",
    "patel",
    "quinn",
    "reid",
    "shaw",
    "turner",
    "usher",
    "vance",
    "walsh",
    "young",
    "ahmed",
    "brook",
    "cross",
    "doyle",
)
VERBS = (
    "said",
    "told the paper",
    "confirmed",
    "announced",
    "wrote in the report",
    "explained at the meeting",
)
THEMES = (
    "early help",
    "the front door",
    "care leavers",
    "placement stability",
    "social work caseloads",
    "management oversight",
    "child protection planning",
    "the quality of assessments",
    "the local safeguarding partnership",
    "recruitment of social workers",
)


def iri(path: str) -> str:
    return f"<{ID}{path}>"


def term(namespace: str, local: str) -> str:
    return f"<{namespace}{local}>"


def text(value: str, lang: str | None = "en") -> str:
    """An N-Triples string literal, escaped."""
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def typed(value: str, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


def when(year: int, month: int | None = None, day: int | None = None) -> tuple[str, str]:
    """(OWL-Time property, literal) for a date at the precision given."""
    if month is None:
        return TIME + "inXSDgYear", typed(f"{year:04d}", "gYear")
    if day is None:
        return TIME + "inXSDgYearMonth", typed(f"{year:04d}-{month:02d}", "gYearMonth")
    return TIME + "inXSDDate", typed(f"{year:04d}-{month:02d}-{day:02d}", "date")


Fact = list[tuple[str, str, str]]


@dataclass
class Source:
    path: str
    number: str
    year: int
    title: str


@dataclass
class Generator:
    """Writes facts as (subject, predicate, object) N-Triples terms; names stay unique."""

    seed: int
    rng: random.Random = field(init=False)
    used: set[str] = field(default_factory=set)
    source_count: int = 0
    # The first authority's nodes: parameters for queries that should find a typical entity.
    sample: dict[str, str] = field(default_factory=dict)

    # The DfE-shaped figures draw from a stream of their own, so that adding them left the
    # article-shaped facts' draws as they were.
    figures: random.Random = field(init=False)
    national: dict[int, float] = field(default_factory=dict)  # England's agency worker rate

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.figures = random.Random(f"dfe-figures-{self.seed}")

    def unique(self, path: str) -> str:
        """path, or path-2, path-3... when already minted."""
        candidate, n = path, 1
        while candidate in self.used:
            n += 1
            candidate = f"{path}-{n}"
        self.used.add(candidate)
        return candidate

    def cite(
        self, fact: Fact, node: str, source: Source, quote: str, part: str = "", holder: str = ""
    ) -> None:
        """prov:wasDerivedFrom and a kg:Citation (a hash IRI of holder, node by default) with its
        quote."""
        citation = f"{holder or node}#cite-{source.number}{part}"
        fact.append((iri(node), DERIVED, iri(source.path)))
        fact.append((iri(node), QUALIFIED, iri(citation)))
        fact.append((iri(citation), TYPE, term(KG, "Citation")))
        fact.append((iri(citation), PROV + "entity", iri(source.path)))
        fact.append((iri(citation), KG + "quote", text(quote, None)))

    def instant(
        self, fact: Fact, node: str, year: int, precision: str, months: tuple[int, int] = (1, 12)
    ) -> None:
        """A time:Instant at node with its date at a precision: year, month or day."""
        month = self.rng.randint(*months) if precision in ("month", "day") else None
        day = self.rng.randint(1, 28) if precision == "day" else None
        prop, literal = when(year, month, day)
        fact.append((iri(node), TYPE, term(TIME, "Instant")))
        fact.append((iri(node), prop, literal))

    def precision(self) -> str:
        return self.rng.choice(("year", "year", "month", "month", "day"))

    # ---- the facts of one authority, in an order where every node referred to comes first ----

    def authority_facts(self, index: int) -> Iterator[Fact]:
        rng = self.rng
        base = rng.choice(ONSETS) + rng.choice(CODAS)
        slug = self.unique(base)
        name = slug.replace("-", " ").title()
        authority, area = f"authority/{slug}", f"area/{slug}"
        sources = [self.new_source(name) for _ in range(rng.randint(3, 5))]
        for s in sources:
            yield self.source_fact(s)
        first = sources[0]
        if index == 0:
            self.sample["authority"] = ID + authority
            yield from self.national_facts(first)

        region = rng.choice(REGIONS)
        if index == 0:  # the sample authority is in London (rated-in-region's example region)
            region = "london"
        gss = f"{SYNTHETIC_GSS}{index + 1:06d}"
        codes = [(KG + "gssCode", text(gss, None))]
        if index < DFE_CODES:
            codes.append((KG + "dfeCode", text(f"{index + 1:03d}", None)))
        fact: Fact = [
            (iri(area), TYPE, term(KG, "Area")),
            (iri(area), LABEL, text(name)),
            (iri(area), SCHEMA + "containedInPlace", iri(f"area/{region}")),
            *((iri(area), p, o) for p, o in codes),
        ]
        self.cite(fact, area, first, f"{name} is a borough in the region")
        yield fact
        fact = [
            (iri(authority), TYPE, term(KG, "LocalAuthority")),
            (iri(authority), LABEL, text(f"{name} Council")),
            (iri(authority), SKOS + "altLabel", text(f"{name} Borough Council")),
            (iri(authority), KG + "governs", iri(area)),
            *((iri(authority), p, o) for p, o in codes),
            (iri(authority), KG + "ofstedRegion", iri(f"ofsted-region/{OFSTED_REGIONS[region]}")),
            (iri(authority), KG + "authorityStatus", iri("authority-status/current")),
        ]
        self.cite(fact, authority, first, f"{name} Council's children's services")
        yield fact

        people = []
        for _ in range(rng.randint(5, 9)):
            person, label = self.new_person()
            people.append((person, label))
            fact = [
                (iri(person), TYPE, term(KG, "Person")),
                (iri(person), LABEL, text(label)),
                (iri(person), FOAF + "name", text(label)),
            ]
            source = rng.choice(sources)
            self.cite(fact, person, source, f"{label}, {rng.choice(VERBS)}")
            yield fact
        if index == 0:
            self.sample["person"] = ID + people[0][0]

        for n, (person, label) in enumerate(people):
            roles = [AUTHORITY_ROLES[n % len(AUTHORITY_ROLES)]]
            if rng.random() < 0.4:
                roles.append(rng.choice([r for r in AUTHORITY_ROLES if r != roles[0]]))
            for role in roles:
                for source in rng.sample(sources, rng.randint(1, 2)):
                    membership = self.unique(
                        f"membership/{person.removeprefix('person/')}-{role}-{slug}-{source.number}"
                    )
                    yield self.membership_fact(
                        membership, person, label, authority, name, role, source
                    )
                    if index == 0 and n == 0 and "membership" not in self.sample:
                        self.sample["membership"] = ID + membership

        yield from self.inspection_facts(slug, name, authority, sources, index)

        if rng.random() < 0.2 or index == 0:  # the sample authority has every kind of fact
            provider_slug = self.unique(f"{slug}-childrens-trust")
            provider = f"organisation/{provider_slug}"
            fact = [
                (iri(provider), TYPE, term(KG, "CommunityInterestCompany")),
                (iri(provider), LABEL, text(f"{name} Children's Trust")),
                (iri(provider), KG + "ownedBy", iri(authority)),
                (iri(provider), KG + "runsServicesOf", iri(authority)),
            ]
            self.cite(fact, provider, first, f"the {name} Children's Trust, owned by the council")
            yield fact
            arrangement = f"arrangement/{provider_slug}-{slug}"
            during = f"{arrangement}#during"
            fact = [
                (iri(arrangement), TYPE, term(KG, "ServiceArrangement")),
                (iri(arrangement), LABEL, text(f"{name} Children's Trust runs {name}'s services")),
                (iri(arrangement), KG + "provider", iri(provider)),
                (iri(arrangement), KG + "client", iri(authority)),
                (iri(arrangement), KG + "during", iri(during)),
                (iri(during), TYPE, term(TIME, "Interval")),
                (iri(during), TIME + "hasBeginning", iri(f"{arrangement}#beginning")),
            ]
            self.instant(fact, f"{arrangement}#beginning", rng.randint(2014, 2020), "month")
            self.cite(fact, arrangement, first, f"the trust took over {name}'s services")
            yield fact

        for measure, unit, low, high in MEASURES:
            for year in range(2013, 2013 + rng.randint(2, 5)):
                yield self.statistic_fact(
                    slug, name, area, measure, unit, low, high, year, rng.choice(sources)
                )
        yield from self.dfe_facts(gss, name, area, sources, index)

    def new_source(self, name: str) -> Source:
        self.source_count += 1
        number = f"{self.source_count:03d}"
        digest = f"{self.rng.getrandbits(64):016x}"
        year = self.rng.randint(2010, 2024)
        title = f"{name}: {self.rng.choice(THEMES)} under scrutiny"
        return Source(f"source/{number}_{digest}", number, year, title)

    def source_fact(self, source: Source) -> Fact:
        node = iri(source.path)
        literal = when(source.year)[1]
        return [
            (node, TYPE, term(KG, "Article")),
            (node, LABEL, text(source.title)),
            (
                node,
                DCTERMS + "identifier",
                text(f"{source.path.removeprefix('source/')}.txt", None),
            ),
            (node, DCTERMS + "title", text(source.title)),
            (node, DCTERMS + "date", literal),
        ]

    def new_person(self) -> tuple[str, str]:
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(SURNAMES)
        return f"person/{self.unique(f'{first}-{last}')}", f"{first.title()} {last.title()}"

    def membership_fact(
        self,
        node: str,
        person: str,
        label: str,
        authority: str,
        name: str,
        role: str,
        source: Source,
    ) -> Fact:
        rng = self.rng
        during = f"{node}#during"
        role_label = ROLE_LABELS[role]
        fact: Fact = [
            (iri(node), TYPE, term(ORG, "Membership")),
            (
                iri(node),
                LABEL,
                text(f"{label}, {role_label}, {name} Council (source {source.number})"),
            ),
            (iri(node), ORG + "member", iri(person)),
            (iri(node), ORG + "organization", iri(authority)),
            (iri(node), ORG + "role", iri(f"role/{role}")),
            (iri(node), ORG + "memberDuring", iri(during)),
            (iri(during), TYPE, term(TIME, "Interval")),
        ]
        kind = rng.random()
        if kind < 0.25:  # a stated beginning, sometimes an end
            start = rng.randint(2005, source.year)
            fact.append((iri(during), TIME + "hasBeginning", iri(f"{node}#beginning")))
            self.instant(fact, f"{node}#beginning", start, self.precision())
            if rng.random() < 0.5 and start < source.year:
                fact.append((iri(during), TIME + "hasEnd", iri(f"{node}#end")))
                self.instant(
                    fact, f"{node}#end", rng.randint(start + 1, source.year), self.precision()
                )
        elif kind < 0.35:  # a stated end only
            fact.append((iri(during), TIME + "hasEnd", iri(f"{node}#end")))
            self.instant(fact, f"{node}#end", source.year, self.precision())
        elif kind < 0.85:  # attested at the source's date
            fact.append((iri(during), TIME + "inside", iri(f"{node}#attested")))
            self.instant(fact, f"{node}#attested", source.year, self.precision())
        else:  # a former holder
            fact.append((iri(during), TIME + "before", iri(f"{node}#attested")))
            self.instant(fact, f"{node}#attested", source.year, self.precision())
        self.cite(fact, node, source, f"{label}, the {role_label}, {rng.choice(VERBS)}")
        return fact

    def inspection_facts(
        self, slug: str, name: str, authority: str, sources: list[Source], index: int
    ) -> Iterator[Fact]:
        """The authority's inspections, their judgements, findings and recommendations.

        The sample authority (index 0) has two ILACS inspections visited on a known day, the
        first judged inadequate and the latest outstanding, so that the national canned queries
        (rated-in-region, ilacs-improved, graded-while-agency-rate-above-national) find it with
        their example parameters in a graph of any size; its other draws stay as they fall.
        """
        rng = self.rng
        previous = None
        for framework, first_year, last_year, areas, grades in FRAMEWORKS:
            scripted = index == 0 and framework == "ilacs"
            count = rng.randint(1, 2) if framework == "ilacs" else 1
            for number in range(2 if scripted else count):
                low = first_year if previous is None else max(first_year, previous[1] + 1)
                if low > last_year:
                    continue
                year = rng.randint(low, last_year - (1 - number if scripted else 0))
                node = self.unique(f"inspection/{slug}-{year}")
                source = rng.choice(sources)
                fact: Fact = [
                    (iri(node), TYPE, term(KG, "Inspection")),
                    (
                        iri(node),
                        LABEL,
                        text(f"Ofsted inspection of {name} children's services, {year}"),
                    ),
                    (iri(node), KG + "inspected", iri(authority)),
                    (iri(node), KG + "inspector", iri("organisation/ofsted")),
                    (iri(node), KG + "framework", iri(f"framework/{framework}")),
                ]
                if previous is not None:
                    fact.append((iri(node), KG + "previousInspection", iri(previous[0])))
                times = [("visitTime", "visit"), ("publicationTime", "published")]
                if rng.random() < 0.3:
                    times.append(("reportedTime", "reported"))
                for prop, part in times:
                    time_source = rng.choice(sources)
                    time_node = f"{node}#{part}-{time_source.number}"
                    fact.append((iri(node), KG + prop, iri(time_node)))
                    # visited in the first half of the year, published (reported) in the second
                    months = (1, 6) if part == "visit" else (7, 12)
                    precision = rng.choice(("month", "day", "year"))
                    if scripted and part == "visit":
                        precision = "day"
                    self.instant(fact, time_node, year, precision, months)
                    self.cite(
                        fact,
                        time_node,
                        time_source,
                        f"the inspection {part} in {year}",
                        f"-{part}",
                        holder=node,
                    )
                overall = rng.choice(grades)
                if scripted:
                    overall = "outstanding" if number else "inadequate"
                fact.append((iri(node), KG + "overallGrade", iri(f"grade/{overall}")))
                self.cite(fact, node, source, f"an Ofsted inspection of {name} in {year}")
                yield fact
                if index == 0 and "inspection" not in self.sample:
                    self.sample["inspection"] = ID + node
                for area in areas:
                    judgement = f"judgement/{node.removeprefix('inspection/')}-{area}"
                    grade = overall if area == "overall-effectiveness" else rng.choice(grades)
                    fact = [
                        (iri(judgement), TYPE, term(KG, "Judgement")),
                        (iri(judgement), LABEL, text(f"{AREA_LABELS[area]}, {name} {year}")),
                        (iri(judgement), KG + "ofInspection", iri(node)),
                        (iri(judgement), KG + "judgementArea", iri(f"judgement-area/{area}")),
                        (iri(judgement), KG + "grade", iri(f"grade/{grade}")),
                    ]
                    self.cite(
                        fact,
                        judgement,
                        source,
                        f"{AREA_LABELS[area].lower()} was rated {grade.replace('-', ' ')}",
                    )
                    yield fact
                for n, cls in enumerate(("Finding", "Recommendation"), start=1):
                    item = f"{cls.lower()}/{node.removeprefix('inspection/')}-{n}"
                    theme = rng.choice(THEMES)
                    fact = [
                        (iri(item), TYPE, term(KG, cls)),
                        (iri(item), LABEL, text(f"{year} inspection of {name}: {theme}")),
                        (iri(item), KG + "ofInspection", iri(node)),
                        (iri(item), KG + "statement", text(f"Inspectors looked at {theme}.")),
                    ]
                    if cls == "Finding":
                        polarity = rng.choice(("strength", "weakness"))
                        fact.append((iri(item), KG + "polarity", iri(f"polarity/{polarity}")))
                    self.cite(fact, item, source, f"inspectors looked at {theme}")
                    yield fact
                previous = (node, year)

    def statistic_fact(
        self,
        slug: str,
        name: str,
        area: str,
        measure: str,
        unit: str,
        low: int,
        high: int,
        year: int,
        source: Source,
    ) -> Fact:
        node = f"statistic/{slug}-{measure}-{year}"
        period = f"{node}#period"
        value = self.rng.randint(low, high)
        fact: Fact = [
            (iri(node), TYPE, term(KG, "Statistic")),
            (iri(node), TYPE, term(QB, "Observation")),
            (iri(node), LABEL, text(f"{measure.replace('-', ' ').capitalize()}, {name} ({year})")),
            (iri(node), QB + "dataSet", iri("dataset/articles")),
            (iri(node), KG + "refArea", iri(area)),
            (iri(node), KG + "refPeriod", iri(period)),
            (iri(node), KG + "measure", iri(f"measure/{measure}")),
            (iri(node), KG + "value", typed(str(value), "integer")),
            (iri(node), KG + "unit", iri(f"unit/{unit}")),
        ]
        self.instant(fact, period, year, "year")
        self.cite(fact, node, source, f"{value} in {year}")
        return fact

    # ---- the DfE's figures, in the shapes `kgraph import` writes them ----

    def national_facts(self, source: Source) -> Iterator[Fact]:
        """What the first authority's figures need once: the official concepts they point to,
        the shared period nodes, England's area and its agency worker rate in each year."""
        fact: Fact = []
        for node, types, label, definition, scheme in OFFICIAL_CONCEPTS:
            for cls in types:
                fact.append((iri(node), TYPE, term(KG if cls == "Measure" else SKOS, cls)))
            fact.append((iri(node), LABEL, text(label)))
            if scheme is not None:
                fact.append((iri(node), SKOS + "prefLabel", text(label)))
                fact.append((iri(node), SKOS + "inScheme", iri(scheme)))
            fact.append((iri(node), SKOS + "definition", text(definition)))
        yield fact
        fact = []
        for year in CPP_YEARS:
            fact.append((iri(f"period/{year}-03-31"), TYPE, term(TIME, "Instant")))
            fact.append((iri(f"period/{year}-03-31"), *when(year, 3, 31)))
        for year in WORKFORCE_YEARS:
            period = iri(f"period/reporting-year-{year}")
            note = f"The DfE tables' reporting year {year} (time_period {year})."
            fact.append((period, TYPE, term(TIME, "Instant")))
            fact.append((period, KG + "note", text(note)))
            fact.append((period, *when(year)))
        yield fact
        fact = [
            (iri(ENGLAND), TYPE, term(KG, "Area")),
            (iri(ENGLAND), LABEL, text("England")),
            (iri(ENGLAND), KG + "gssCode", text(ENGLAND_GSS, None)),
        ]
        self.cite(fact, ENGLAND, source, "across England")
        yield fact
        for year in WORKFORCE_YEARS:
            self.national[year] = self.figures.randint(120, 200) / 10
            yield self.agency_rate_fact(ENGLAND_GSS, "England", ENGLAND, year, source)

    def dfe_facts(
        self,
        gss: str,
        name: str,
        area: str,
        sources: list[Source],
        index: int,
    ) -> Iterator[Fact]:
        """Children on child protection plans at 31 March for a run of years, and the agency
        worker rate in every reporting year: above England's for the sample authority (index
        0), so graded-while-agency-rate-above-national finds its inadequate inspection."""
        figures = self.figures
        for year in range(CPP_YEARS[0], CPP_YEARS[0] + figures.randint(3, 8)):
            node = f"statistic/dfe-cpp-{gss.lower()}-{year}-cpp-at31"
            value = figures.randint(80, 900)
            fact = self.dfe_statistic(
                node,
                f"Children subject to a child protection plan: {name}, 31 March {year}",
                area,
                f"period/{year}-03-31",
                "children-on-child-protection-plans",
                "count",
                typed(str(value), "integer"),
            )
            quote = f"{value} children were on child protection plans on 31 March {year}"
            self.cite(fact, node, figures.choice(sources), quote)
            yield fact
        for year in WORKFORCE_YEARS:
            national = self.national[year]
            if index == 0:
                rate = national + figures.randint(10, 120) / 10
            else:
                rate = figures.randint(int(national * 3), int(national * 20)) / 10
            yield self.agency_rate_fact(gss, name, area, year, figures.choice(sources), rate)

    def agency_rate_fact(
        self, gss: str, name: str, area: str, year: int, source: Source, rate: float | None = None
    ) -> Fact:
        """An agency worker rate in a reporting year (England's when rate is None)."""
        node = f"statistic/dfe-csww-{gss.lower()}-{year}-agency-rate-fte"
        value = f"{self.national[year] if rate is None else rate:.1f}"
        fact = self.dfe_statistic(
            node,
            f"Agency worker rate (percent): {name}, reporting year {year}",
            area,
            f"period/reporting-year-{year}",
            "agency-worker-rate",
            "percent",
            typed(value, "decimal"),
        )
        self.cite(fact, node, source, f"an agency worker rate of {value}% in {year}")
        return fact

    def dfe_statistic(
        self, node: str, label: str, area: str, period: str, measure: str, unit: str, value: str
    ) -> Fact:
        """A kg:Statistic as the DfE import writes it (shared period node, measure, unit, typed
        value), in the articles' data set: its source is an (invented) article."""
        return [
            (iri(node), TYPE, term(KG, "Statistic")),
            (iri(node), TYPE, term(QB, "Observation")),
            (iri(node), LABEL, text(label)),
            (iri(node), QB + "dataSet", iri("dataset/articles")),
            (iri(node), KG + "refArea", iri(area)),
            (iri(node), KG + "refPeriod", iri(period)),
            (iri(node), KG + "measure", iri(f"measure/{measure}")),
            (iri(node), KG + "value", value),
            (iri(node), KG + "unit", iri(f"unit/{unit}")),
        ]

    def facts(self) -> Iterator[Fact]:
        """Every fact, authority after authority, without end."""
        index = 0
        while True:
            yield from self.authority_facts(index)
            index += 1


def generate(triples: int, seed: int = DEFAULT_SEED) -> Iterator[str]:
    """N-Triples lines of whole facts, stopping at the first fact boundary at or past triples."""
    written = 0
    for fact in Generator(seed).facts():
        if written >= triples:
            return
        for s, p, o in fact:
            yield f"{s} <{p}> {o} .\n"
        written += len(fact)


def sample_parameters(seed: int = DEFAULT_SEED) -> dict[str, str]:
    """IRIs of typical synthetic nodes (from the first authority, in every graph of the seed)."""
    gen = Generator(seed)
    facts = gen.facts()
    while len(gen.sample) < 4:
        next(facts)
    return dict(gen.sample)


def write(path: Path | None, triples: int, seed: int) -> int:
    """Write the graph to path (standard output when None); the number of triples written."""
    count = 0
    out = sys.stdout.buffer if path is None else path.open("wb")
    try:
        buffer: list[str] = []
        for line in generate(triples, seed):
            buffer.append(line)
            count += 1
            if len(buffer) >= 10000:
                out.write("".join(buffer).encode("utf-8"))
                buffer.clear()
        out.write("".join(buffer).encode("utf-8"))
    finally:
        if path is not None:
            out.close()
        else:
            out.flush()
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--triples",
        type=int,
        required=True,
        help="at least this many triples (whole facts), e.g. 10000, 100000, 1000000",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default 1)")
    parser.add_argument(
        "--output",
        "-o",
        type=Path,
        default=None,
        help="N-Triples file to write; standard output when absent",
    )
    args = parser.parse_args(argv)
    if args.triples < 1:
        parser.error("--triples must be positive")
    count = write(args.output, args.triples, args.seed)
    if args.output is not None:
        print(
            f"generate: wrote {count} triples (seed {args.seed}) to {args.output}", file=sys.stderr
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
