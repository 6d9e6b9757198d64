"""Ofsted's local authority inspection outcomes as RDF: authorities, inspections, judgements."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rdflib.namespace import FOAF, RDF, RDFS, SKOS, TIME

from kgraph.namespaces import KG
from kgraph.official.links import ArticleLinks, ImportProblem
from kgraph.official.ods import Cell, Sheet, read_sheets
from kgraph.official.sources import OFSTED, OFSTED_OUTCOMES, describe_source
from kgraph.official.turtle import Lit, Triples, english, node, typed

HEADER_ROW = 3  # the sheets' tables begin in cell A3 (their own second row says so)
SHEETS = ("Inspections_as_at_31_March", "ILACS_inspection_history", "In-year_inspections")
SPLIT = "2023-01-01"  # the care leavers judgement from here; before, one with children in care

GRADES = {
    "Outstanding": "grade/outstanding",
    "Good": "grade/good",
    "Requires improvement to be good": "grade/requires-improvement",
    "Inadequate": "grade/inadequate",
}
TYPES = {
    "ILACS Standard Inspection": "inspection-type/standard",
    "ILACS Short Inspection": "inspection-type/short",
    "ILACS Focused Visit": "inspection-type/focused-visit",
    "LA Monitoring visit": "inspection-type/monitoring-visit",
}
GRADED_TYPES = ("ILACS Standard Inspection", "ILACS Short Inspection")
REGIONS = {
    "East Midlands": "ofsted-region/east-midlands",
    "East of England": "ofsted-region/east-of-england",
    "London": "ofsted-region/london",
    "North East, Yorkshire and the Humber": "ofsted-region/north-east-yorkshire-and-the-humber",
    "North West": "ofsted-region/north-west",
    "South East": "ofsted-region/south-east",
    "South West": "ofsted-region/south-west",
    "West Midlands": "ofsted-region/west-midlands",
}
THEMES = {
    "Achieving permanence": "visit-theme/achieving-permanence",
    "Care leavers": "visit-theme/care-leavers",
    "Children in care": "visit-theme/children-in-care",
    "Children in need/subject to a plan": "visit-theme/children-in-need-or-subject-to-a-plan",
    "Front door": "visit-theme/front-door",
    "Vulnerable adolescents": "visit-theme/vulnerable-adolescents",
}
STATUSES = {
    "Current": "authority-status/current",
    "No longer exists": "authority-status/no-longer-exists",
}
CHILDREN_IN_CARE = "The experiences and progress of children in care"
CARE_LEAVERS = "The experiences and progress of care leavers"
JUDGEMENTS = {
    "Overall effectiveness": "overall-effectiveness",
    "The impact of leaders on social work practice with children and families": "impact-of-leaders",
    "The experiences and progress of children who need help and protection": (
        "children-who-need-help-and-protection"
    ),
    CHILDREN_IN_CARE: "children-in-care",
    CARE_LEAVERS: "care-leavers",
}
# Each field and the headers the three sheets give it.
HEADERS = {
    "link": ("Web link",),
    "gss": ("Local authority area code",),
    "name": ("Local authority name",),
    "region": ("Ofsted region", "Region"),
    "status": ("Local authority status",),
    "visited": ("Inspection date", "Inspection/Visit date"),
    "published": ("Publication date",),
    "type": ("Inspection type", "Inspection/Visit type"),
    "theme": ("Visit Theme",),
}
REQUIRED = ("link", "gss", "name", "region", "visited", "published")
_PAGE = re.compile(r"^https://reports\.ofsted\.gov\.uk/provider/44/(\d+)$")


@dataclass(frozen=True)
class SheetRow:
    """One row of one of the three tables, read and checked."""

    sheet: str
    row: int
    gss: str
    name: str
    region: str
    link: str
    visited: str
    published: str
    status: str | None
    type: str | None
    theme: str | None
    grades: Mapping[str, str]  # judgement column -> grade, blank ones left out

    @property
    def where(self) -> str:
        return f"{self.sheet} row {self.row}"


@dataclass
class Inspection:
    """One inspection or visit, gathered from every sheet row that shows it."""

    gss: str
    visited: str
    published: str
    type: str
    theme: str | None
    grades: Mapping[str, str]
    rows: list[SheetRow] = field(default_factory=list)

    @property
    def locator(self) -> str:
        return "; ".join(r.where for r in sorted(self.rows, key=_sheet_order))

    def judgements(self) -> list[tuple[str, str]]:
        """(judgement area, grade) pairs; before 1 January 2023 children in care and care leavers
        were judged as one, which the sheets print under the children in care column."""
        out = []
        for column, grade in self.grades.items():
            area = JUDGEMENTS[column]
            if self.visited < SPLIT and column == CHILDREN_IN_CARE:
                area = "children-in-care-and-care-leavers"
            out.append((area, grade))
        return sorted(out)


@dataclass
class Authority:
    """An authority as the sheets give it."""

    gss: str
    name: str
    region: str
    link: str
    status: str | None
    rows: list[SheetRow] = field(default_factory=list)

    @property
    def page_code(self) -> str:
        """The code the Ofsted page's path ends in."""
        return _PAGE.match(self.link)[1]

    @property
    def locator(self) -> str:
        first = min(self.rows, key=_sheet_order)
        return first.where


def _sheet_order(row: SheetRow) -> tuple[int, int]:
    return (SHEETS.index(row.sheet), row.row)


@dataclass(frozen=True)
class Outcomes:
    """What the file says: its title and date, authorities by GSS code, inspections."""

    title: str
    published: str
    authorities: dict[str, Authority]
    inspections: list[Inspection]


def read_outcomes(path: Path) -> Outcomes:
    """Read and cross-check the three tables of Ofsted's inspection outcomes."""
    try:
        sheets = read_sheets(path)
    except (OSError, KeyError, ValueError) as exc:
        raise ImportProblem(f"cannot read {path}: {exc}") from exc
    for name in (*SHEETS, "Cover"):
        if name not in sheets:
            raise ImportProblem(f"{path.name}: no sheet {name!r}")
    rows = [row for name in SHEETS for row in read_rows(sheets[name])]
    title, published = read_cover(sheets["Cover"])
    return Outcomes(title, published, gather_authorities(rows), gather_inspections(rows))


def read_cover(cover: Sheet) -> tuple[str, str]:
    """The publication's title (cell A1) and the date of its 'Published on:' line."""
    title = cover.cell(1, 1).text.strip()
    for number in range(1, len(cover.rows) + 1):
        if cover.cell(number, 1).text.strip() == "Published on:":
            return title, cell_date(cover.cell(number, 2), f"Cover row {number}")
    raise ImportProblem("Cover: no 'Published on:' line")


def read_rows(sheet: Sheet) -> list[SheetRow]:
    """The table of one sheet: the header in row 3, one record a row after it."""
    header = [c.text.strip() for c in sheet.rows[HEADER_ROW - 1]]
    index: dict[str, int] = {}
    for key, names in HEADERS.items():
        found = [header.index(n) for n in names if n in header]
        if found:
            index[key] = found[0]
        elif key in REQUIRED:
            raise ImportProblem(f"{sheet.name}: no column {' or '.join(names)} in row 3")
    judged = {h: header.index(h) for h in JUDGEMENTS if h in header}
    unknown = set(header) - {n for names in HEADERS.values() for n in names} - set(judged)
    if unknown:
        raise ImportProblem(f"{sheet.name}: unexpected columns {sorted(unknown)}")
    out = []
    for number in range(HEADER_ROW + 1, len(sheet.rows) + 1):
        where = f"{sheet.name} row {number}"

        def text(key: str, number: int = number) -> str | None:
            if key not in index:
                return None
            return sheet.cell(number, index[key] + 1).text.strip() or None

        link = sheet.cell(number, index["link"] + 1).href or ""
        if not _PAGE.match(link):
            raise ImportProblem(f"{where}: the first column links to {link!r}, no Ofsted page")
        grades = {}
        for column, position in judged.items():
            grade = sheet.cell(number, position + 1).text.strip()
            if grade and grade not in GRADES:
                raise ImportProblem(f"{where}: unknown grade {grade!r}")
            if grade:
                grades[column] = grade
        record = SheetRow(
            sheet=sheet.name,
            row=number,
            gss=text("gss") or "",
            name=text("name") or "",
            region=text("region") or "",
            link=link,
            visited=cell_date(sheet.cell(number, index["visited"] + 1), where),
            published=cell_date(sheet.cell(number, index["published"] + 1), where),
            status=text("status"),
            type=text("type"),
            theme=text("theme"),
            grades=grades,
        )
        check_row(record)
        out.append(record)
    return out


def check_row(row: SheetRow) -> None:
    """A row names a known region, type, theme and status, and judges what its type judges."""
    where = row.where
    if not re.match(r"^E\d{8}$", row.gss) or not row.name:
        raise ImportProblem(f"{where}: no GSS code or no name")
    for value, known, what in (
        (row.region, REGIONS, "region"),
        (row.type, TYPES, "inspection type"),
        (row.theme, THEMES, "visit theme"),
        (row.status, STATUSES, "authority status"),
    ):
        if value is not None and value not in known:
            raise ImportProblem(f"{where}: unknown {what} {value!r}")
    if row.type is not None and row.type not in GRADED_TYPES and row.grades:
        raise ImportProblem(f"{where}: an ungraded {row.type} with grades")
    if (row.type is None or row.type in GRADED_TYPES) and "Overall effectiveness" not in row.grades:
        raise ImportProblem(f"{where}: a graded inspection without its overall effectiveness")
    if row.visited < SPLIT and CARE_LEAVERS in row.grades:
        raise ImportProblem(f"{where}: a care leavers judgement before {SPLIT}")
    if row.published < row.visited:
        raise ImportProblem(f"{where}: published before the visit")


def cell_date(cell: Cell, where: str) -> str:
    """An ISO date from a date cell, or from text written dd/mm/yyyy."""
    if cell.value_type == "date" and cell.value:
        return cell.value[:10]
    found = re.match(r"^(\d{2})/(\d{2})/(\d{4})$", cell.text.strip())
    if found:
        return f"{found[3]}-{found[2]}-{found[1]}"
    raise ImportProblem(f"{where}: {cell.text!r} is not a date")


def gather_authorities(rows: list[SheetRow]) -> dict[str, Authority]:
    """One authority per GSS code; the sheets must agree on its name, region and page."""
    out: dict[str, Authority] = {}
    for row in sorted(rows, key=_sheet_order):
        authority = out.setdefault(
            row.gss, Authority(row.gss, row.name, row.region, row.link, row.status)
        )
        for attribute in ("name", "region", "link"):
            if getattr(authority, attribute) != getattr(row, attribute):
                raise ImportProblem(
                    f"{row.where}: {attribute} {getattr(row, attribute)!r} differs from"
                    f" {authority.locator}'s {getattr(authority, attribute)!r}"
                )
        if row.status is not None:
            if authority.status not in (None, row.status):
                raise ImportProblem(f"{row.where}: status differs from an earlier row")
            authority.status = row.status
        authority.rows.append(row)
    return out


def gather_inspections(rows: list[SheetRow]) -> list[Inspection]:
    """One inspection per authority and visit date, whichever sheets show it, checked alike."""
    found: dict[tuple[str, str], Inspection] = {}
    # Rows that say their type first, so the latest-inspection sheet's untyped rows find theirs.
    for row in sorted(rows, key=lambda r: (r.type is None, _sheet_order(r))):
        key = (row.gss, row.visited)
        inspection = found.get(key)
        if inspection is None:
            if row.type is None:
                raise ImportProblem(f"{row.where}: no other sheet gives this inspection's type")
            inspection = found[key] = Inspection(
                row.gss, row.visited, row.published, row.type, row.theme, row.grades
            )
        else:
            for attribute in ("published", "grades", "theme"):
                if getattr(inspection, attribute) != getattr(row, attribute):
                    raise ImportProblem(
                        f"{row.where}: {attribute} differs from {inspection.locator}"
                    )
            if row.type not in (None, inspection.type):
                raise ImportProblem(f"{row.where}: a second visit on the same day")
        inspection.rows.append(row)
    return [found[key] for key in sorted(found)]


def long_date(iso: str) -> str:
    """21 October 2019."""
    day = date.fromisoformat(iso)
    return f"{day.day} {day.strftime('%B')} {day.year}"


@dataclass(frozen=True)
class Names:
    """How the import names what it adds: IRIs, and labels of the concepts it points to."""

    links: ArticleLinks
    area_iri: Callable[[str], str]
    label_of: Callable[[str], str]

    def authority(self, gss: str) -> str:
        return self.links.authority(gss) or node(f"authority/{gss.lower()}")

    def inspection(self, inspection: Inspection) -> str:
        mapped = self.links.inspection(inspection.gss, inspection.visited)
        if mapped:
            return mapped
        local = self.authority(inspection.gss).rsplit("/", 1)[1]
        return node(f"inspection/{local}-{inspection.visited}")


def describe_outcomes(
    triples: Triples,
    outcomes: Outcomes,
    names: Names,
    dfe_codes: Mapping[str, tuple[str, int, str]],
) -> None:
    """Source, authorities, inspections and judgements of the file, each citing its rows.

    dfe_codes maps a GSS code to (DfE code, row, DfE file name) from the DfE tables."""
    raw = OFSTED_OUTCOMES
    describe_source(triples, raw, title=outcomes.title, date=typed(outcomes.published, "date"))
    raw.cite(triples, OFSTED, "Cover row 9 (Issued by)")
    article_nodes = {link.iri for link in names.links.links}
    for gss in sorted(outcomes.authorities):
        describe_authority(triples, outcomes.authorities[gss], names, dfe_codes, article_nodes)
    for inspection in outcomes.inspections:
        describe_inspection(triples, inspection, outcomes.authorities, names, article_nodes)


def describe_authority(
    triples: Triples,
    authority: Authority,
    names: Names,
    dfe_codes: Mapping[str, tuple[str, int, str]],
    article_nodes: set[str],
) -> None:
    """One authority: name, codes, region, status, Ofsted page, the area it governs."""
    from kgraph.official.sources import DFE_FILES

    iri = names.authority(authority.gss)
    triples.add(iri, str(RDF.type), str(KG.LocalAuthority))
    # The articles' label stays the label; Ofsted's name is an alternative one.
    label = SKOS.altLabel if iri in article_nodes else RDFS.label
    triples.add(iri, str(label), english(authority.name))
    triples.add(iri, str(KG.gssCode), Lit(authority.gss))
    triples.add(iri, str(KG.ofstedRegion), node(REGIONS[authority.region]))
    if authority.status:
        triples.add(iri, str(KG.authorityStatus), node(STATUSES[authority.status]))
    triples.add(iri, str(FOAF.page), authority.link)
    triples.add(iri, str(KG.governs), names.area_iri(authority.gss))
    OFSTED_OUTCOMES.cite(triples, iri, authority.locator)
    if authority.gss in dfe_codes:
        code, line, file_name = dfe_codes[authority.gss]
        triples.add(iri, str(KG.dfeCode), Lit(code))
        dfe_file = next(f for f in DFE_FILES if f.file_name == file_name)
        dfe_file.cite(triples, iri, f"row {line} (old_la_code {code}, new_la_code {authority.gss})")
        if code != authority.page_code:
            triples.add(
                iri,
                str(KG.note),
                english(
                    f"Ofsted's table links this authority to the page {authority.link}, whose"
                    f" path ends in {authority.page_code}; the DfE tables give it the code {code}."
                ),
            )


def describe_inspection(
    triples: Triples,
    inspection: Inspection,
    authorities: Mapping[str, Authority],
    names: Names,
    article_nodes: set[str],
) -> None:
    """One inspection or visit with its dates, type, theme and judgements."""
    raw = OFSTED_OUTCOMES
    iri = names.inspection(inspection)
    authority = authorities[inspection.gss]
    label = f"{inspection.type} of {authority.name}, {long_date(inspection.visited)}"
    triples.add(iri, str(RDF.type), str(KG.Inspection))
    if iri not in article_nodes:
        triples.add(iri, str(RDFS.label), english(label))
    triples.add(iri, str(KG.inspected), names.authority(inspection.gss))
    triples.add(iri, str(KG.inspector), OFSTED)
    triples.add(iri, str(KG.framework), node("framework/ilacs"))
    triples.add(iri, str(KG.inspectionType), node(TYPES[inspection.type]))
    if inspection.theme:
        triples.add(iri, str(KG.visitTheme), node(THEMES[inspection.theme]))
    citation = raw.cite(triples, iri, inspection.locator)
    for prop, part, day in (
        (KG.visitTime, "visit", inspection.visited),
        (KG.publicationTime, "published", inspection.published),
    ):
        time_node = f"{iri}#{part}-{raw.token}"
        triples.add(iri, str(prop), time_node)
        triples.add(time_node, str(RDF.type), str(TIME.Instant))
        triples.add(time_node, str(TIME.inXSDDate), typed(day, "date"))
        raw.cite(triples, time_node, inspection.locator, citation)
    local = iri.rsplit("/", 1)[1]
    for area, grade in inspection.judgements():
        judgement = node(f"judgement/{local}-{area}")
        triples.add(judgement, str(RDF.type), str(KG.Judgement))
        if iri not in article_nodes:
            area_label = names.label_of(f"judgement-area/{area}")
            triples.add(judgement, str(RDFS.label), english(f"{area_label}, {label}"))
        triples.add(judgement, str(KG.ofInspection), iri)
        triples.add(judgement, str(KG.judgementArea), node(f"judgement-area/{area}"))
        triples.add(judgement, str(KG.grade), node(GRADES[grade]))
        raw.cite(triples, judgement, inspection.locator)
        if area == "overall-effectiveness":
            triples.add(iri, str(KG.overallGrade), node(GRADES[grade]))
