"""Where the articles and the official data meet: the nodes both cite, and figures both give."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import asdict, dataclass

from rdflib import Literal

from kgraph.store import Store

# Nodes that cite both an article (by a quote) and official statistics (by a locator).
SHARED_NODES = """
SELECT ?node ?type ?articleFile ?quote ?officialFile ?locator WHERE {
  VALUES ?type { kg:LocalAuthority kg:Area kg:Inspection kg:Judgement kg:Regulator }
  ?node a ?type ;
      prov:qualifiedDerivation ?articleCitation , ?officialCitation .
  ?articleCitation prov:entity ?article ; kg:quote ?quote .
  ?article a kg:Article ; dcterms:identifier ?articleFile .
  ?officialCitation prov:entity ?official ; kg:locator ?locator .
  ?official a kg:OfficialStatistics ; dcterms:identifier ?officialFile .
}"""

# What each side says of a shared node: its labels, codes, grades and dates, with their sources.
NODE_FACTS = """
SELECT ?node ?label ?altLabel ?gss ?dfe ?grade ?gradeLabel ?when ?whenKind ?whenFile WHERE {
  VALUES ?node { %s }
  OPTIONAL { ?node rdfs:label ?label }
  OPTIONAL { ?node skos:altLabel ?altLabel }
  OPTIONAL { ?node kg:gssCode ?gss }
  OPTIONAL { ?node kg:dfeCode ?dfe }
  OPTIONAL { ?node kg:grade ?grade . ?grade rdfs:label ?gradeLabel }
  OPTIONAL {
    VALUES (?timeProperty ?whenKind) {
      (kg:visitTime "visited") (kg:publicationTime "published") (kg:reportedTime "reported")
    }
    ?node ?timeProperty ?time .
    ?time time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear ?when ;
        prov:wasDerivedFrom/dcterms:identifier ?whenFile .
  }
}"""

# Judgement areas one side judges and the other does not, for inspections both cite.
ONE_SIDED_JUDGEMENTS = """
SELECT ?inspection ?judgement ?area ?gradeLabel ?file WHERE {
  ?inspection a kg:Inspection ;
      prov:wasDerivedFrom ?anArticle , ?anOfficial .
  ?anArticle a kg:Article . ?anOfficial a kg:OfficialStatistics .
  ?judgement kg:ofInspection ?inspection ; kg:judgementArea/rdfs:label ?area ;
      kg:grade/rdfs:label ?gradeLabel ; prov:wasDerivedFrom ?source .
  ?source dcterms:identifier ?file .
  FILTER NOT EXISTS {
    ?judgement prov:wasDerivedFrom ?other .
    ?other a ?otherKind .
    ?source a ?kind .
    VALUES (?kind ?otherKind) {
      (kg:Article kg:OfficialStatistics) (kg:OfficialStatistics kg:Article)
    }
  }
}"""

# Figures the articles give, and then, for each, the official figures for the same area, measure,
# breakdown and unit in the same year (two small queries: one join over every figure is slow).
ARTICLE_FIGURES = """
SELECT ?stat ?area ?measure ?unit ?breakdown ?measureLabel ?breakdownLabel ?value ?when ?file
       ?quote WHERE {
  ?stat a kg:Statistic ; kg:refArea ?area ; kg:measure ?measure ; kg:unit ?unit ;
      kg:refPeriod/(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear) ?when ;
      kg:value ?value ;
      prov:qualifiedDerivation ?citation .
  ?citation prov:entity ?article ; kg:quote ?quote .
  ?article a kg:Article ; dcterms:identifier ?file .
  ?measure rdfs:label ?measureLabel .
  OPTIONAL { ?stat kg:breakdown ?breakdown . ?breakdown rdfs:label ?breakdownLabel }
}"""

OFFICIAL_FIGURES = """
SELECT ?stat ?breakdown ?value ?status ?when ?file ?locator WHERE {
  ?stat kg:refArea ?area ; kg:measure ?measure ; kg:unit ?unit ;
      kg:refPeriod/(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear) ?when ;
      prov:qualifiedDerivation ?citation .
  FILTER (SUBSTR(STR(?when), 1, 4) = ?year)
  ?citation prov:entity ?official ; kg:locator ?locator .
  ?official a kg:OfficialStatistics ; dcterms:identifier ?file .
  OPTIONAL { ?stat kg:breakdown ?breakdown }
  OPTIONAL { ?stat kg:value ?value }
  OPTIONAL { ?stat kg:obsStatus/rdfs:label ?status }
}"""

KINDS = {
    "LocalAuthority": "authority",
    "Area": "area",
    "Inspection": "inspection",
    "Judgement": "judgement",
    "Regulator": "organisation",
}
COLUMNS = ("kind", "subject", "article", "article_source", "official", "official_source", "verdict")


@dataclass(frozen=True)
class Meeting:
    """One place where an article and the official data meet, and whether they agree."""

    kind: str
    subject: str
    article: str
    article_source: str
    official: str
    official_source: str
    verdict: str  # agree | disagree | one side only


def short(iri: object) -> str:
    """An IRI under the project's id/ namespace as its path."""
    text = str(iri)
    base = "https://w3id.org/kgraph/id/"
    return text[len(base) :] if text.startswith(base) else text


def meetings(store: Store) -> list[Meeting]:
    """Every meeting point, sorted by kind and subject."""
    out = shared_nodes(store) + one_sided_judgements(store) + matching_figures(store)
    return sorted(out, key=lambda m: (m.kind, m.subject, m.article_source, m.official_source))


def shared_nodes(store: Store) -> list[Meeting]:
    """Nodes both sides cite: the same authority, area, inspection or judgement."""
    cited: dict[str, dict[str, object]] = {}
    for row in store.query(SHARED_NODES):
        node = str(row.node)
        entry = cited.setdefault(node, {"types": set(), "article": set(), "official": set()})
        entry["types"].add(str(row.type).rsplit("#", 1)[1])
        entry["article"].add(f"{row.articleFile}: “{row.quote}”")
        entry["official"].add(f"{row.officialFile}: {row.locator}")
    if not cited:
        return []
    facts: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    values = " ".join(f"<{node}>" for node in sorted(cited))
    for row in store.query(NODE_FACTS % values):
        fact = facts[str(row.node)]
        for key in ("label", "altLabel", "gss", "dfe", "gradeLabel"):
            if row[key] is not None:
                fact[key].add(str(row[key]))
        if row.when is not None:
            side = "official" if str(row.whenFile).endswith((".ods", ".csv")) else "article"
            fact[f"{side}-when"].add(f"{row.whenKind} {row.when}")
    out = []
    for node, entry in cited.items():
        kind = next(KINDS[t] for t in KINDS if t in entry["types"])
        fact = facts[node]
        article, official, verdict = describe(kind, fact)
        out.append(
            Meeting(
                kind,
                short(node),
                article,
                "; ".join(sorted(entry["article"])),
                official,
                "; ".join(sorted(entry["official"])),
                verdict,
            )
        )
    return out


def describe(kind: str, fact: dict[str, set[str]]) -> tuple[str, str, str]:
    """What each side says of a shared node, and the verdict."""
    labels = ", ".join(sorted(fact["label"]))
    if kind in ("authority", "area", "organisation"):
        codes = " ".join(
            [f"GSS {c}" for c in sorted(fact["gss"])] + [f"DfE {c}" for c in sorted(fact["dfe"])]
        )
        official = ", ".join(sorted(fact["altLabel"])) or labels
        official = f"{official} ({codes})" if codes else official
        return labels, official, "agree: one node, matched by code" if codes else "agree: one node"
    if kind == "judgement":
        grades = sorted(fact["gradeLabel"])
        verdict = "agree" if len(grades) == 1 else "disagree: " + " vs ".join(grades)
        return " / ".join(grades), " / ".join(grades), verdict
    article_when = "; ".join(sorted(fact["article-when"])) or "no date"
    official_when = "; ".join(sorted(fact["official-when"])) or "no date"
    if not fact["article-when"]:
        verdict = "agree: one node (the article gives no date)"
    else:
        verdict = "agree: one node" if _dates_agree(fact) else "disagree: dates"
    return f"{labels}: {article_when}", official_when, verdict


def _dates_agree(fact: dict[str, set[str]]) -> bool:
    """Each date an article gives is consistent with an official date of the same kind."""
    official = [w.split(" ", 1) for w in fact["official-when"]]
    for said in fact["article-when"]:
        what, when = said.split(" ", 1)
        same = [day for kind, day in official if kind == what or what == "reported"]
        if not any(day.startswith(when) or when.startswith(day) for day in same):
            return False
    return True


def one_sided_judgements(store: Store) -> list[Meeting]:
    """Judgements of a shared inspection that only one side gives."""
    out = []
    for row in store.query(ONE_SIDED_JUDGEMENTS):
        grade = f"{row.area}: {row.gradeLabel}"
        official = str(row.file).endswith((".ods", ".csv"))
        out.append(
            Meeting(
                "judgement",
                short(row.judgement),
                "" if official else grade,
                "" if official else str(row.file),
                grade if official else "",
                str(row.file) if official else "",
                "official only" if official else "article only",
            )
        )
    return out


def matching_figures(store: Store) -> list[Meeting]:
    """Figures both sides give for the same area, measure and breakdown in the same year."""
    out = []
    for fig in store.query(ARTICLE_FIGURES):
        what = str(fig.measureLabel) + (f", {fig.breakdownLabel}" if fig.breakdownLabel else "")
        bindings = {
            "area": fig.area,
            "measure": fig.measure,
            "unit": fig.unit,
            "year": Literal(str(fig.when)[:4]),
        }
        for row in store.query(OFFICIAL_FIGURES, bindings):
            if row.breakdown != fig.breakdown:
                continue
            official_value = row.value if row.value is not None else row.status
            same = row.value is not None and row.value == fig.value
            out.append(
                Meeting(
                    "statistic",
                    f"{short(fig.area)}: {what}",
                    f"{fig.value} at {fig.when}",
                    f"{fig.file}: “{fig.quote}”",
                    f"{official_value} at {row.when}",
                    f"{row.file}: {row.locator}",
                    "agree" if same else "differ: both kept, each with its source and date",
                )
            )
    return out


def render(rows: list[Meeting], fmt: str) -> str:
    """The meetings as an aligned table, JSON or CSV."""
    records = [asdict(row) for row in rows]
    if fmt == "json":
        return json.dumps(records, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
        return buffer.getvalue()
    widths = {c: min(60, max([len(c)] + [len(r[c]) for r in records])) for c in COLUMNS}

    def line(values: dict[str, str]) -> str:
        cells = [_clip(values[c], widths[c]).ljust(widths[c]) for c in COLUMNS]
        return "  ".join(cells).rstrip()

    head = line({c: c for c in COLUMNS})
    rule = "  ".join("-" * widths[c] for c in COLUMNS)
    return "\n".join([head, rule, *(line(r) for r in records)]) + "\n"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
