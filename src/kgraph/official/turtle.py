"""Collect triples as strings and write them as sorted Turtle: the same triples, the same bytes."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

from kgraph.namespaces import ID, PREFIXES

XSD = PREFIXES["xsd"]
RDF_TYPE = PREFIXES["rdf"] + "type"
_PREFIXES = ("kg", "org", "time", "prov", "skos", "dcterms", "schema", "foaf", "qb", "rdfs", "xsd")
_LOCAL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_RELATIVE = re.compile(r"^[a-z0-9][a-z0-9/#._-]*$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?[0-9]*\.[0-9]+$")


class IRI(NamedTuple):
    """An IRI, absolute."""

    value: str


class Lit(NamedTuple):
    """A literal: its lexical form, and a language tag or a datatype IRI (xsd:string if neither)."""

    text: str
    lang: str | None = None
    datatype: str | None = None


def node(local: str) -> str:
    """A node IRI minted under the project's id/ namespace from its path, such as authority/x."""
    return str(ID) + local


def english(text: str) -> Lit:
    """An @en string."""
    return Lit(text, lang="en")


def typed(text: str, xsd_name: str) -> Lit:
    """A literal typed xsd:<xsd_name>, with its lexical form as given."""
    return Lit(text, datatype=XSD + xsd_name)


class Triples:
    """A set of triples, subjects and predicates IRIs, objects IRI or Lit; written sorted."""

    def __init__(self) -> None:
        self._triples: dict[str, dict[str, set[IRI | Lit]]] = defaultdict(lambda: defaultdict(set))

    def add(self, subject: str, predicate: str, obj: IRI | Lit | str) -> None:
        """Add one triple; a str object is an IRI."""
        value = IRI(obj) if isinstance(obj, str) else obj
        self._triples[subject][predicate].add(value)

    def __len__(self) -> int:
        return sum(len(objects) for preds in self._triples.values() for objects in preds.values())

    def subjects(self) -> list[str]:
        """Every subject, sorted."""
        return sorted(self._triples)

    def objects(self, subject: str, predicate: str) -> set[IRI | Lit]:
        """The objects of one subject and predicate."""
        return set(self._triples.get(subject, {}).get(predicate, ()))

    def update(self, other: Triples) -> None:
        """Add every triple of other."""
        for subject, preds in other._triples.items():
            for predicate, objects in preds.items():
                self._triples[subject][predicate] |= objects

    def turtle(self, header: str = "") -> bytes:
        """Turtle with the project's base and prefixes; subjects, predicates, objects sorted."""
        out = [f"# {line}".rstrip() + "\n" for line in header.splitlines()]
        out.append(f"@base <{ID}> .\n")
        out += [f"@prefix {p}: <{PREFIXES[p]}> .\n" for p in _PREFIXES]
        for subject in sorted(self._triples):
            preds = self._triples[subject]
            out.append("\n" + _iri(subject))
            ordered = sorted(preds, key=lambda p: (p != RDF_TYPE, _iri(p)))
            parts = []
            for predicate in ordered:
                name = "a" if predicate == RDF_TYPE else _iri(predicate)
                objects = sorted(_term(o) for o in preds[predicate])
                parts.append(f" {name} " + " ,\n        ".join(objects))
            out.append(" ;\n   ".join(parts) + " .\n")
        return "".join(out).encode("utf-8")

    def write(self, path: Path, header: str = "") -> int:
        """Write the Turtle to path; the number of bytes."""
        data = self.turtle(header)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return len(data)


def _iri(value: str) -> str:
    base = str(ID)
    if value.startswith(base) and _RELATIVE.match(value[len(base) :]):
        return f"<{value[len(base) :]}>"
    for prefix in _PREFIXES:
        namespace = PREFIXES[prefix]
        if value.startswith(namespace) and _LOCAL_NAME.match(value[len(namespace) :]):
            return f"{prefix}:{value[len(namespace) :]}"
    return f"<{value}>"


def _term(value: IRI | Lit) -> str:
    if isinstance(value, IRI):
        return _iri(value.value)
    if value.datatype == XSD + "integer" and _INTEGER.match(value.text):
        return value.text
    if value.datatype == XSD + "decimal" and _DECIMAL.match(value.text):
        return value.text
    text = (
        value.text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )
    if value.lang:
        return f'"{text}"@{value.lang}'
    if value.datatype and value.datatype != XSD + "string":
        return f'"{text}"^^{_iri(value.datatype)}'
    return f'"{text}"'
