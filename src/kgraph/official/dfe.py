"""The DfE tables as RDF Data Cube observations: one data set per file, one citation per row."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, TIME

from kgraph.namespaces import KG, QB, SCHEMA
from kgraph.official.links import ArticleLinks, ImportProblem
from kgraph.official.sources import DFE_CIN, DFE_CLA, DFE_CPP, DFE_CSWW, RawFile
from kgraph.official.turtle import Lit, Triples, english, node, typed

# A suppressed value is a status, never a number and never 0 (shared/data/README.md).
STATUS = {
    "c": "observation-status/confidential",
    "x": "observation-status/not-available",
    "z": "observation-status/not-applicable",
    "u": "observation-status/low-reliability",
    "low": "observation-status/rounds-to-zero",
}
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)$")


@dataclass(frozen=True)
class Column:
    """One numeric column: what it counts, in which unit, and whether at 31 March or over a year."""

    name: str
    measure: str
    unit: str
    breakdown: str | None = None
    at_31_march: bool = False

    @property
    def datatype(self) -> str:
        """Counts are integers; rates, full-time equivalents and averages decimals."""
        return "integer" if self.unit == "unit/count" else "decimal"


@dataclass(frozen=True)
class Table:
    """A DfE file: the columns to import, chosen per row by `selector` where rows differ."""

    raw: RawFile
    label: str
    columns: Mapping[str, tuple[Column, ...]]
    selector: str | None = None  # the column whose value picks the row's columns
    slug_of: Mapping[str, str] = field(default_factory=dict)  # selector value -> IRI part

    @property
    def dataset(self) -> str:
        """The qb:DataSet node of this file."""
        return node(f"dataset/{self.raw.slug}")

    def columns_for(self, row: Mapping[str, str]) -> tuple[Column, ...]:
        """The columns of one row."""
        key = row[self.selector] if self.selector else ""
        if key not in self.columns:
            raise ImportProblem(f"{self.raw.file_name}: unexpected {self.selector} {key!r}")
        return self.columns[key]


CPP = "measure/children-on-child-protection-plans"
CPP_TABLE = Table(
    DFE_CPP,
    "Children on child protection plans at 31 March, by length of plan (DfE)",
    {
        "": (
            Column("CPP_At31", CPP, "unit/count", at_31_march=True),
            Column(
                "3_months_or_less",
                CPP,
                "unit/count",
                "breakdown/plan-length-3-months-or-less",
                at_31_march=True,
            ),
            Column(
                "more_than_3_months_6_months",
                CPP,
                "unit/count",
                "breakdown/plan-length-3-to-6-months",
                at_31_march=True,
            ),
            Column(
                "more_than_6_months_less_than_1_year",
                CPP,
                "unit/count",
                "breakdown/plan-length-6-months-to-1-year",
                at_31_march=True,
            ),
            Column(
                "1_year_less_than_2_years",
                CPP,
                "unit/count",
                "breakdown/plan-length-1-to-2-years",
                at_31_march=True,
            ),
            Column(
                "2_years_or_more",
                CPP,
                "unit/count",
                "breakdown/plan-length-2-years-or-more",
                at_31_march=True,
            ),
        )
    },
)
CIN_TABLE = Table(
    DFE_CIN,
    "Children in need (DfE)",
    {
        "": (
            Column("Anypoint_child", "measure/children-in-need-during-year", "unit/count"),
            Column("Started_child", "measure/children-starting-episode-of-need", "unit/count"),
            Column("Ended_child", "measure/children-ending-episode-of-need", "unit/count"),
            Column(
                "At31_episodes",
                "measure/episodes-of-need-at-31-march",
                "unit/count",
                at_31_march=True,
            ),
        )
    },
)


def _looked_after(measure: str, at_31_march: bool) -> tuple[Column, ...]:
    return (
        Column("children_count", measure, "unit/count", at_31_march=at_31_march),
        Column("rate_per_10000", measure, "unit/rate-per-10000-children", at_31_march=at_31_march),
    )


CLA_TABLE = Table(
    DFE_CLA,
    "Children looked after, number and rate per 10,000 children (DfE)",
    {
        "Children looked after on 31 March each year": _looked_after(
            "measure/children-looked-after", True
        ),
        "Children starting to be looked after each year": _looked_after(
            "measure/children-starting-to-be-looked-after", False
        ),
        "Children ceasing to be looked after each year": _looked_after(
            "measure/children-ceasing-to-be-looked-after", False
        ),
    },
    selector="population_type",
    slug_of={
        "Children looked after on 31 March each year": "looked-after",
        "Children starting to be looked after each year": "starting",
        "Children ceasing to be looked after each year": "ceasing",
    },
)
FTE = "unit/full-time-equivalent"
PERCENT = "unit/percent"
CSWW_TABLE = Table(
    DFE_CSWW,
    "Children's social work workforce (DfE)",
    {
        "": (
            Column("inpost_fte", "measure/social-workers-in-post", FTE),
            Column("turnover_rate_fte", "measure/social-worker-turnover-rate", PERCENT),
            Column("agency_fte", "measure/agency-social-workers", FTE),
            Column("agency_rate_fte", "measure/agency-worker-rate", PERCENT),
            Column("vacancy_fte", "measure/social-worker-vacancies", FTE),
            Column("vacancy_rate_fte", "measure/social-worker-vacancy-rate", PERCENT),
            Column(
                "caseload_fte",
                "measure/social-worker-caseload",
                "unit/cases-per-full-time-equivalent",
            ),
            Column("absence_rate_fte", "measure/social-worker-absence-rate", PERCENT),
        )
    },
)
TABLES = (CPP_TABLE, CIN_TABLE, CLA_TABLE, CSWW_TABLE)


@dataclass(frozen=True)
class Row:
    """One CSV row and where it stands in its file."""

    table: Table
    line: int
    values: Mapping[str, str]

    @property
    def year(self) -> str:
        return self.values["time_period"]

    @property
    def level(self) -> str:
        return self.values["geographic_level"]

    @property
    def area_code(self) -> str:
        """The GSS code(s) of the row's area: the country, the region, or the authority."""
        if self.level == "National":
            return self.values["country_code"]
        if self.level == "Regional":
            return self.values["region_code"]
        return self.values["new_la_code"]

    @property
    def area_name(self) -> str:
        if self.level == "National":
            return self.values["country_name"]
        if self.level == "Regional":
            return self.values["region_name"]
        return self.values["la_name"]


def read_table(table: Table, raw_dir: Path) -> list[Row]:
    """Every row of the table's file, checked: a known level, a year, and the columns it needs."""
    path = raw_dir / table.raw.file_name
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise ImportProblem(f"cannot read {path}: {exc.strerror}") from exc
    rows = []
    with handle:
        reader = csv.DictReader(handle)
        for values in reader:
            row = Row(table, reader.line_num, values)
            if row.level not in ("National", "Regional", "Local authority"):
                raise ImportProblem(f"{path}:{row.line}: unknown geographic_level {row.level!r}")
            if not (row.year.isdigit() and len(row.year) == 4) or not row.area_code:
                raise ImportProblem(f"{path}:{row.line}: no year or no area code")
            missing = [c.name for c in table.columns_for(values) if c.name not in values]
            if missing:
                raise ImportProblem(f"{path}: no column {', '.join(missing)}")
            rows.append(row)
    return rows


@dataclass
class Area:
    """An area the tables count in: England, a region, an authority's area, or a shared service."""

    code: str
    level: str
    names: dict[tuple[str, int], str] = field(default_factory=dict)  # (year, file order) -> name
    dfe_codes: set[str] = field(default_factory=set)
    regions: set[str] = field(default_factory=set)
    first_line: dict[RawFile, int] = field(default_factory=dict)

    @property
    def parts(self) -> tuple[str, ...]:
        """The GSS codes of a shared service's areas; empty for a single area."""
        return tuple(c.strip() for c in self.code.split("/")) if "/" in self.code else ()

    @property
    def name(self) -> str:
        """The name the latest year gives, the first file in import order winning a tie."""
        latest = max(self.names, key=lambda k: (k[0], -k[1]))
        return self.names[latest]


def collect_areas(rows: list[Row]) -> dict[str, Area]:
    """Every area the rows count in, with its names, DfE codes and regions, by code."""
    order = {table.raw: i for i, table in enumerate(TABLES)}
    areas: dict[str, Area] = {}
    for row in rows:
        code = row.area_code
        level = row.level if "/" not in code else "Shared"
        area = areas.setdefault(code, Area(code, level))
        if area.level != level:
            raise ImportProblem(f"{code} is both {area.level} and {level}")
        area.names[(row.year, order[row.table.raw])] = row.area_name
        area.first_line.setdefault(row.table.raw, row.line)
        if row.level == "Local authority":
            area.dfe_codes.add(row.values["old_la_code"])
            area.regions.add(row.values["region_code"])
    # Every region an authority's row names is an area of its own, named by a regional row.
    for area in list(areas.values()):
        for region in area.regions:
            if region not in areas:
                raise ImportProblem(f"region {region} of {area.code} has no regional row")
    return areas


class AreaIris:
    """The IRI of each area: the article's where article-links.csv names it, else by GSS code."""

    def __init__(self, links: ArticleLinks) -> None:
        self._links = links

    def __call__(self, code: str) -> str:
        if "/" in code:
            parts = [c.strip().lower() for c in code.split("/")]
            return node("area/" + "-".join(parts))
        return self._links.area(code) or node(f"area/{code.lower()}")


def describe_areas(
    triples: Triples, areas: dict[str, Area], area_iri: AreaIris, article_areas: set[str]
) -> None:
    """Each area: its type, name, codes, the region it lies in, and the rows that show it."""
    for code in sorted(areas):
        area = areas[code]
        iri = area_iri(code)
        triples.add(iri, str(RDF.type), str(KG.Area))
        name = english(area.name)
        # An area the articles name keeps their label; the tables' name is an alternative.
        triples.add(iri, str(SKOS.altLabel if iri in article_areas else RDFS.label), name)
        if area.parts:
            triples.add(iri, str(RDF.type), str(KG.SharedServiceArea))
            triples.add(iri, str(DCTERMS.identifier), Lit(code))
            for part in area.parts:
                triples.add(iri, str(SCHEMA.containsPlace), area_iri(part))
        else:
            triples.add(iri, str(KG.gssCode), Lit(code))
        for dfe_code in sorted(area.dfe_codes):
            if "/" not in dfe_code:
                triples.add(iri, str(KG.dfeCode), Lit(dfe_code))
        for region in sorted(area.regions):
            triples.add(iri, str(SCHEMA.containedInPlace), area_iri(region))
        for raw, line in sorted(area.first_line.items(), key=lambda item: item[0].file_name):
            column = {"National": "country_code", "Regional": "region_code"}.get(
                area.level, "new_la_code"
            )
            raw.cite(triples, iri, f"rows with {column} {code}, first row {line}")


def period(year: str, at_31_march: bool) -> str:
    """The shared time node of a row's figure: 31 March of its year, or its reporting year."""
    return node(f"period/{year}-03-31" if at_31_march else f"period/reporting-year-{year}")


def describe_periods(triples: Triples, years: set[str]) -> None:
    """The time nodes observations share."""
    for year in sorted(years):
        day = period(year, True)
        triples.add(day, str(RDF.type), str(TIME.Instant))
        triples.add(day, str(TIME.inXSDDate), typed(f"{year}-03-31", "date"))
        reporting = period(year, False)
        triples.add(reporting, str(RDF.type), str(TIME.Instant))
        triples.add(reporting, str(TIME.inXSDgYear), typed(year, "gYear"))
        triples.add(
            reporting,
            str(KG.note),
            english(f"The DfE tables' reporting year {year} (time_period {year})."),
        )


def describe_dataset(triples: Triples, table: Table) -> None:
    """The file's qb:DataSet: what every observation in it shares."""
    triples.add(table.dataset, str(RDF.type), str(QB.DataSet))
    triples.add(table.dataset, str(RDFS.label), english(table.label))
    triples.add(table.dataset, str(QB.structure), node("dsd/statistic"))
    triples.add(table.dataset, str(DCTERMS.source), table.raw.iri)


def observations(
    triples: Triples,
    table: Table,
    rows: list[Row],
    area_iri: Callable[[str], str],
    area_name: Callable[[str], str],
    label_of: Callable[[str], str],
) -> int:
    """Each figure of each row as a kg:Statistic citing its row; the number of observations."""
    count = 0
    for row in rows:
        if row.table is not table:
            continue
        citation = table.raw.row(f"row-{row.line}")
        triples.add(citation, str(RDF.type), str(KG.Citation))
        triples.add(citation, str(PROV.entity), table.raw.iri)
        triples.add(citation, str(KG.locator), Lit(f"row {row.line}"))
        area = area_iri(row.area_code)
        area_part = row.area_code.replace(" / ", "-").lower()
        selected = table.slug_of.get(row.values[table.selector], "") if table.selector else ""
        for column in table.columns_for(row.values):
            parts = [table.raw.token, area_part, row.year, selected, column.name]
            stat = node("statistic/" + "-".join(p for p in parts if p).lower().replace("_", "-"))
            when = period(row.year, column.at_31_march)
            triples.add(stat, str(RDF.type), str(KG.Statistic))
            triples.add(stat, str(QB.dataSet), table.dataset)
            triples.add(stat, str(KG.refArea), area)
            triples.add(stat, str(KG.refPeriod), when)
            triples.add(stat, str(KG.measure), node(column.measure))
            if column.breakdown:
                triples.add(stat, str(KG.breakdown), node(column.breakdown))
            triples.add(stat, str(KG.unit), node(column.unit))
            triples.add(stat, str(PROV.wasDerivedFrom), table.raw.iri)
            triples.add(stat, str(PROV.qualifiedDerivation), citation)
            raw_value = row.values[column.name].strip()
            if raw_value in STATUS:
                triples.add(stat, str(KG.obsStatus), node(STATUS[raw_value]))
            else:
                triples.add(stat, str(KG.value), number(raw_value, column, table, row))
            what = label_of(column.measure)
            if column.breakdown:
                what += ", " + label_of(column.breakdown).lower()
            if column.unit != "unit/count":
                what += f" ({label_of(column.unit).lower()})"
            at = f"31 March {row.year}" if column.at_31_march else f"reporting year {row.year}"
            triples.add(stat, str(RDFS.label), english(f"{what}: {area_name(row.area_code)}, {at}"))
            count += 1
    return count


def number(text: str, column: Column, table: Table, row: Row) -> Lit:
    """A figure as an xsd:integer or xsd:decimal in its lexical form; anything else is an error."""
    pattern = _INTEGER if column.datatype == "integer" else _DECIMAL
    if not pattern.match(text):
        raise ImportProblem(
            f"{table.raw.file_name}:{row.line}: {column.name} is {text!r}, neither"
            f" an {column.datatype} nor a status ({', '.join(STATUS)})"
        )
    return typed(text, column.datatype)
