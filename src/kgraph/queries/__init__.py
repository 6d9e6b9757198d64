"""Canned SPARQL queries: `.rq` files whose header says what they answer and what they take."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.term import Node

from kgraph.errors import BadParameter, NotFound
from kgraph.namespaces import sparql_prologue

QUERY_DIR = Path(__file__).parent


@dataclass(frozen=True)
class Param:
    """A named parameter: the SPARQL variable it binds and what it expects."""

    name: str
    help: str
    kind: str = "iri"  # iri | string | date
    example: str = ""


@dataclass(frozen=True)
class CannedQuery:
    """A query with a name, a title saying what it answers, and its parameters."""

    name: str
    title: str
    description: str
    text: str
    group: str = "canned"
    params: tuple[Param, ...] = field(default_factory=tuple)

    @property
    def sparql(self) -> str:
        """The query with the project's prefixes declared, ready to run."""
        return sparql_prologue() + self.text

    def bindings(self, values: dict[str, str]) -> dict[str, Node]:
        """Typed SPARQL bindings for the given parameter values; names missing or unknown ones."""
        known = {p.name for p in self.params}
        unknown = sorted(set(values) - known)
        if unknown:
            raise BadParameter(f"unknown parameter(s) for {self.name}: {', '.join(unknown)}")
        missing = [p.name for p in self.params if not values.get(p.name)]
        if missing:
            raise BadParameter(f"missing parameter(s) for {self.name}: {', '.join(missing)}")
        return {p.name: to_term(p, values[p.name]) for p in self.params}


def to_term(param: Param, raw: str) -> Node:
    """One parameter value as an RDF term of the kind the query expects."""
    raw = raw.strip()
    if param.kind == "iri":
        iri = raw[1:-1] if raw.startswith("<") and raw.endswith(">") else raw
        if not iri.startswith(("http://", "https://", "urn:")) or any(
            c in iri for c in ' <>"{}|^`\\'
        ):
            raise BadParameter(f"parameter {param.name} must be an IRI, got {raw!r}")
        return URIRef(iri)
    if param.kind == "date":
        from datetime import date

        try:
            return Literal(date.fromisoformat(raw))
        except ValueError:
            raise BadParameter(
                f"parameter {param.name} must be a date YYYY-MM-DD, got {raw!r}"
            ) from None
    return Literal(raw)


def parse_rq(text: str, name: str, group: str = "canned") -> CannedQuery:
    """A CannedQuery from an .rq file's text: `# key: value` header lines, then the query."""
    title, description, params, body = "", [], [], []
    examples: dict[str, str] = {}
    kinds: dict[str, str] = {}
    header = True
    for line in text.splitlines():
        if header and line.startswith("#"):
            key, _, value = line.lstrip("# ").partition(":")
            value = value.strip()
            if key == "title":
                title = value
            elif key == "description":
                description.append(value)
            elif key.startswith("param "):
                pname, _, kind = key.removeprefix("param ").partition(" ")
                params.append((pname, value))
                kinds[pname] = kind.strip("()") or "iri"
            elif key.startswith("example "):
                examples[key.removeprefix("example ")] = value
            continue
        header = False
        body.append(line)
    return CannedQuery(
        name=name,
        title=title or name,
        description=" ".join(description),
        text="\n".join(body).strip() + "\n",
        group=group,
        params=tuple(Param(n, h, kinds[n], examples.get(n, "")) for n, h in params),
    )


def load_queries(group: str = "canned") -> dict[str, CannedQuery]:
    """Every canned query of a group (canned, competency), by name, in file order."""
    folder = (
        resources.files("kgraph.queries") / group
        if group != "canned"
        else resources.files("kgraph.queries")
    )
    out: dict[str, CannedQuery] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".rq"):
            name = entry.name[:-3]
            out[name] = parse_rq(entry.read_text(encoding="utf-8"), name, group)
    return out


def get_query(
    name: str, group: str = "canned", queries: Mapping[str, CannedQuery] | None = None
) -> CannedQuery:
    """One canned query by name (among queries, else the group's files), or NotFound listing
    what exists."""
    queries = load_queries(group) if queries is None else queries
    if name not in queries:
        raise NotFound(f"no query named {name!r}; known: {', '.join(queries)}")
    return queries[name]
