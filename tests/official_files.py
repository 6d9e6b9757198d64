"""The official files read directly, without kgraph: what the tests of the import expect.

A few lines of zipfile and ElementTree for the spreadsheet and the csv module for the tables, so
that an error in kgraph.official cannot hide itself by being repeated here.
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from xml.etree import ElementTree

RAW = Path(__file__).resolve().parents[1] / "data" / "official" / "raw"
ODS = RAW / "LA_Inspection_Outcomes_as_at_31_March_2025.ods"
CPP = RAW / "d5_cpps_at31march_by_duration_2013_to_2025.csv"
CIN = RAW / "b1_children_in_need_2013_to_2025.csv"
CLA = RAW / "cla_number_and_rate_per_10k_children.csv"
CSWW = RAW / "csww_indicators_2017_to_2025.csv"
SUPPRESSED = {"c", "x", "z", "u", "low"}
RANK = {"Outstanding": 1, "Good": 2, "Requires improvement to be good": 3, "Inadequate": 4}

T = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
X = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


@cache
def sheet(name: str) -> list[dict[str, str]]:
    """The table of one sheet as dicts by the header in its third row, 'link' the first column's
    link target, dates as written (dd/mm/yyyy); each dict has its sheet row number as 'row'."""
    with zipfile.ZipFile(ODS) as archive:
        root = ElementTree.fromstring(archive.read("content.xml"))
    table = next(t for t in root.iter(T + "table") if t.get(T + "name") == name)
    rows: list[list[tuple[str, str]]] = []
    for row in table.iter(T + "table-row"):
        cells: list[tuple[str, str]] = []
        for cell in row:
            repeat = int(cell.get(T + "number-columns-repeated", "1"))
            if repeat > 100:  # the empty rest of the row
                break
            text = "\n".join("".join(p.itertext()) for p in cell.iter(X + "p"))
            found = re.search(r'HYPERLINK\("([^"]*)"', cell.get(T + "formula", ""))
            cells += [(text.strip(), found.group(1) if found else "")] * repeat
        rows.append(cells)
    header = [text for text, _ in rows[2]]
    out = []
    for number, cells in enumerate(rows[3:], start=4):
        if not any(text for text, _ in cells):
            continue
        record = {h: (cells[i][0] if i < len(cells) else "") for i, h in enumerate(header)}
        record["link"] = cells[0][1]
        record["row"] = str(number)
        out.append(record)
    return out


def iso(day: str) -> str:
    """dd/mm/yyyy as yyyy-mm-dd."""
    d, m, y = day.split("/")
    return f"{y}-{m}-{d}"


def inspections() -> dict[tuple[str, str], dict[str, str]]:
    """Every inspection and visit of the history and in-year sheets, by (GSS code, visit date)."""
    out: dict[tuple[str, str], dict[str, str]] = {}
    for record in sheet("ILACS_inspection_history"):
        out[(record["Local authority area code"], iso(record["Inspection date"]))] = {
            **record,
            "type": record["Inspection type"],
            "visited": iso(record["Inspection date"]),
        }
    for record in sheet("In-year_inspections"):
        key = (record["Local authority area code"], iso(record["Inspection/Visit date"]))
        out.setdefault(key, {**record, "type": record["Inspection/Visit type"]})
        out[key]["visited"] = key[1]
        out[key]["theme"] = record["Visit Theme"]
    return out


def rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) of a DfE table."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            yield reader.line_num, row


def dfe_codes() -> dict[str, str]:
    """GSS code -> DfE code, as the DfE tables pair them for single authorities."""
    out = {}
    for path in (CPP, CIN, CLA, CSWW):
        for _, row in rows(path):
            if row["geographic_level"] == "Local authority" and "/" not in row["old_la_code"]:
                out[row["new_la_code"]] = row["old_la_code"]
    return out
