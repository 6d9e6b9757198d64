"""Ties the founding articles' nodes to official codes: the table article-links.csv."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from kgraph.errors import KgraphError
from kgraph.official.turtle import node

_CITED = re.compile(r"^(?P<file>\S+)\s+(?:(?P<sheet>\S+)\s+)?row (?P<row>\d+)$")


class ImportProblem(KgraphError):
    """An official file, or the table tying articles to it, is not what the import expects."""

    exit_code = 1
    title = "Import problem"


@dataclass(frozen=True)
class Citing:
    """Where the table says a code stands: a file, a sheet (spreadsheets only), a row."""

    file: str
    sheet: str | None
    row: int


@dataclass(frozen=True)
class ArticleLink:
    """One article node and the codes that identify it."""

    kind: str  # authority | area | inspection
    iri: str
    gss_code: str
    dfe_code: str
    visit_date: str
    cited_in: tuple[Citing, ...]


@dataclass(frozen=True)
class ArticleLinks:
    """The table, looked up by code."""

    links: tuple[ArticleLink, ...]

    def authority(self, gss_code: str) -> str | None:
        """The article IRI of the authority with this GSS code, if the articles name it."""
        return self._find("authority", gss_code)

    def area(self, gss_code: str) -> str | None:
        """The article IRI of the area with this GSS code, if the articles name it."""
        return self._find("area", gss_code)

    def inspection(self, gss_code: str, visit_date: str) -> str | None:
        """The article IRI of the inspection of this authority on this visit date, if any."""
        return self._find("inspection", gss_code, visit_date)

    def _find(self, kind: str, gss_code: str, visit_date: str = "") -> str | None:
        for link in self.links:
            if (link.kind, link.gss_code, link.visit_date) == (kind, gss_code, visit_date):
                return link.iri
        return None


def read_links(path: Path) -> ArticleLinks:
    """The table at path; `#` lines are comments."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ImportProblem(f"cannot read {path}: {exc.strerror}") from exc
    body = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))
    links = []
    for number, row in enumerate(csv.DictReader(io.StringIO(body)), start=1):
        if row["kind"] not in ("authority", "area", "inspection"):
            raise ImportProblem(f"{path}: entry {number}: unknown kind {row['kind']!r}")
        cited = []
        for part in row["cited_in"].split(";"):
            found = _CITED.match(part.strip())
            if not found:
                raise ImportProblem(f"{path}: entry {number}: cannot read cited_in {part!r}")
            cited.append(Citing(found["file"], found["sheet"], int(found["row"])))
        links.append(
            ArticleLink(
                row["kind"],
                node(row["article_iri"]),
                row["gss_code"],
                row["dfe_code"],
                row["visit_date"],
                tuple(cited),
            )
        )
    return ArticleLinks(tuple(links))
