"""Read an OpenDocument spreadsheet with the standard library: cell text, typed values and links."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_XLINK = "http://www.w3.org/1999/xlink"

# Trailing empty rows and columns are written as one element repeated up to the sheet's limit.
_MAX_REPEAT = 1000
# A link written as a formula: of:=HYPERLINK("target";"text"); a quote inside is doubled.
_HYPERLINK = re.compile(r'^(?:of:)?=HYPERLINK\("((?:[^"]|"")*)"', re.IGNORECASE)


def _t(name: str) -> str:
    return f"{{{_TABLE}}}{name}"


@dataclass(frozen=True)
class Cell:
    """One cell: its text as shown, its typed value (date or number as written), and its link."""

    text: str = ""
    value: str | None = None
    value_type: str | None = None
    href: str | None = None

    def __bool__(self) -> bool:
        return bool(self.text.strip())


EMPTY = Cell()


@dataclass(frozen=True)
class Sheet:
    """A sheet's name and its rows of cells (row 1 is rows[0]), trailing blanks dropped."""

    name: str
    rows: tuple[tuple[Cell, ...], ...]

    def cell(self, row: int, column: int) -> Cell:
        """The cell at 1-based row and column, EMPTY beyond the written area."""
        if row - 1 >= len(self.rows) or column - 1 >= len(self.rows[row - 1]):
            return EMPTY
        return self.rows[row - 1][column - 1]


def read_sheets(path: Path) -> dict[str, Sheet]:
    """Every sheet of an .ods file, by name, in document order."""
    with zipfile.ZipFile(path) as archive, archive.open("content.xml") as content:
        root = ET.parse(content).getroot()
    sheets: dict[str, Sheet] = {}
    for table in root.iter(_t("table")):
        name = table.get(_t("name"), "")
        sheets[name] = Sheet(name, tuple(_rows(table)))
    return sheets


def _rows(table: ET.Element) -> list[tuple[Cell, ...]]:
    rows: list[tuple[Cell, ...]] = []
    for row in table.iter(_t("table-row")):
        cells: list[Cell] = []
        for cell in row:
            if cell.tag not in (_t("table-cell"), _t("covered-table-cell")):
                continue
            repeat = min(int(cell.get(_t("number-columns-repeated"), "1")), _MAX_REPEAT)
            cells.extend([_cell(cell)] * repeat)
        while cells and not cells[-1] and cells[-1].href is None:
            cells.pop()
        repeat = min(int(row.get(_t("number-rows-repeated"), "1")), _MAX_REPEAT)
        rows.extend([tuple(cells)] * repeat)
    while rows and not any(rows[-1]):
        rows.pop()
    return rows


def _cell(element: ET.Element) -> Cell:
    paragraphs = [_text(p) for p in element.iter(f"{{{_TEXT}}}p")]
    href = next((a.get(f"{{{_XLINK}}}href") for a in element.iter(f"{{{_TEXT}}}a")), None)
    formula = _HYPERLINK.match(element.get(_t("formula"), ""))
    if href is None and formula:
        href = formula.group(1).replace('""', '"')
    value_type = element.get(f"{{{_OFFICE}}}value-type")
    value = (
        element.get(f"{{{_OFFICE}}}date-value")
        or element.get(f"{{{_OFFICE}}}value")
        or element.get(f"{{{_OFFICE}}}boolean-value")
    )
    return Cell("\n".join(paragraphs), value, value_type, href)


def _text(element: ET.Element) -> str:
    """A paragraph's text, with ODF's encoded spaces, tabs and line breaks expanded."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == f"{{{_TEXT}}}s":
            parts.append(" " * int(child.get(f"{{{_TEXT}}}c", "1")))
        elif child.tag == f"{{{_TEXT}}}tab":
            parts.append("\t")
        elif child.tag == f"{{{_TEXT}}}line-break":
            parts.append("\n")
        else:
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)
