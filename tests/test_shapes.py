"""Each SHACL rule in shapes/ catches the fault it is for, and no other; the real data conforms."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import NamedTuple

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from kgraph.namespaces import KG, SH
from kgraph.settings import Settings
from kgraph.store import Store, rdf_files
from kgraph.validation import ValidationReport, copy_graph, load_graph, load_shapes, validate

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
KGSH = "https://w3id.org/kgraph/shapes#"
SETTINGS = Settings()  # the project's own ontology/, data/ and shapes/, whatever the environment


class Case(NamedTuple):
    """A case fixture: a graph with one fault, the rules it breaks, the edits that fix it."""

    name: str
    expect: list[URIRef]
    fixes: list[tuple[str, str]]
    body: str

    def fixed(self) -> str:
        body = self.body
        for old, new in self.fixes:
            assert old in body, f"{self.name}: fix {old!r} is not in the fixture"
            body = body.replace(old, new)
        return body


def read_case(path: Path) -> Case:
    """Header lines `# expect: kgsh:Rule ...` and `# fix: 'old' => 'new'`, then the Turtle."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = [line for line in lines if line.startswith("# ")]
    expect: list[URIRef] = []
    fixes: list[tuple[str, str]] = []
    for line in header:
        if line.startswith("# expect:"):
            expect += [URIRef(KGSH + name.removeprefix("kgsh:")) for name in line.split()[2:]]
        elif line.startswith("# fix:"):
            old, new = line.removeprefix("# fix:").strip().split(" => ", 1)
            fixes.append((ast.literal_eval(old), ast.literal_eval(new)))
    body = "".join(lines[len(header) :])
    return Case(path.stem, expect, fixes, body)


CASES = [read_case(path) for path in sorted((FIXTURES / "cases").glob("*.ttl"))]


def rule(result) -> URIRef:
    """The named rule a result comes from: its SPARQL constraint, or else its shape."""
    constraint = result.constraint
    return constraint if str(constraint).startswith(KGSH) else result.shape


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes(SETTINGS.shapes_dir)


@pytest.fixture(scope="module")
def context() -> Graph:
    """The ontology and base.ttl, parsed once; each case adds its fixture to a copy."""
    return load_graph([*rdf_files(SETTINGS.ontology_dir), FIXTURES / "base.ttl"])


def with_fixture(context: Graph, turtle: str) -> Graph:
    graph = copy_graph(context)
    graph.parse(data=turtle, format="turtle")
    return graph


def test_base_fixture_conforms(context: Graph, shapes: Graph) -> None:
    report = validate(context, shapes, settings=SETTINGS)
    assert report.conforms, report.text()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_rule_catches_its_fault_and_the_fix_conforms(
    case: Case, context: Graph, shapes: Graph
) -> None:
    broken = validate(with_fixture(context, case.body), shapes, settings=SETTINGS)
    assert not broken.conforms
    assert sorted(rule(r) for r in broken.results) == sorted(case.expect), broken.text()
    fixed = validate(with_fixture(context, case.fixed()), shapes, settings=SETTINGS)
    assert fixed.conforms, fixed.text()


def named_rules(shapes: Graph) -> set[URIRef]:
    """Every kgsh: property shape, SPARQL constraint, and targeted node shape with a constraint."""
    rules = set(shapes.subjects(RDF.type, SH.PropertyShape))
    rules |= set(shapes.subjects(RDF.type, SH.SPARQLConstraint))
    targeted = {
        s
        for p in (SH.targetClass, SH.targetSubjectsOf, SH.target, SH.targetNode)
        for s in shapes.subjects(p, None)
    }
    for shape in targeted:
        if any((shape, p, None) in shapes for p in (SH["or"], SH.xone, SH.nodeKind)):
            rules.add(shape)
    return {r for r in rules if str(r).startswith(KGSH)}


def test_every_rule_has_a_case(shapes: Graph) -> None:
    tested = {rule for case in CASES for rule in case.expect}
    assert named_rules(shapes) - tested == set()
    assert tested - named_rules(shapes) == set(), "a case expects a rule that does not exist"


def test_every_rule_has_a_message(shapes: Graph) -> None:
    helpers = {URIRef(KGSH + n) for n in ("TemporalEntity", "AgentNode")}
    silent = {r for r in named_rules(shapes) | helpers if (r, SH.message, None) not in shapes}
    assert silent == set()


def test_validate_changes_neither_graph(context: Graph, shapes: Graph) -> None:
    data = with_fixture(context, read_case(FIXTURES / "cases" / "label-count.ttl").body)
    data_before, shapes_before = copy_graph(data), copy_graph(shapes)
    validate(data, shapes, settings=SETTINGS)
    validate(data, shapes, settings=SETTINGS)
    assert isomorphic(data, data_before)
    assert isomorphic(shapes, shapes_before)


def test_a_graph_without_the_ontology_gets_it_for_subclass_reasoning() -> None:
    """base.ttl alone: Ofsted is a kg:Regulator, a kg:Organisation only by the ontology's axioms."""
    bare = load_graph([FIXTURES / "base.ttl"])
    assert (
        URIRef("https://w3id.org/kgraph/id/organisation/ofsted"),
        RDF.type,
        KG.Regulator,
    ) in bare
    report = validate(bare, settings=SETTINGS)
    assert report.conforms, report.text()
    assert report.triples > len(bare)


def test_report_lines_name_node_path_and_message(context: Graph, shapes: Graph) -> None:
    case = read_case(FIXTURES / "cases" / "membership-role-class.ttl")
    report = validate(with_fixture(context, case.body), shapes, settings=SETTINGS)
    [result] = report.results
    assert result.focus == URIRef(
        "https://w3id.org/kgraph/id/membership/alice-example-chair-testshire-004"
    )
    assert result.path == URIRef("http://www.w3.org/ns/org#role")
    assert result.severity == SH.Violation
    assert report.text() == (
        "kgr:membership/alice-example-chair-testshire-004 org:role: "
        "org:role must be a kg:Role (see data/roles.ttl) "
        "(value: kgr:judgement-area/overall-effectiveness)"
    )


def test_report_lines_are_sorted_and_prefixed(context: Graph, shapes: Graph) -> None:
    case = read_case(FIXTURES / "cases" / "cited-fact-uncited.ttl")
    report = validate(with_fixture(context, case.body), shapes, settings=SETTINGS)
    assert report.lines() == [
        "kgr:area/elsewhere prov:qualifiedDerivation: a fact-bearing node needs a kg:Citation "
        "(prov:qualifiedDerivation) quoting its source",
        "kgr:area/elsewhere prov:wasDerivedFrom: a fact-bearing node needs prov:wasDerivedFrom "
        "its sources",
    ]


@pytest.fixture(scope="module")
def project_report(default_store: Store) -> ValidationReport:
    """The session's graph of the project (ontology and data/, conftest.py), validated once."""
    return validate(default_store.rdflib_graph(), settings=SETTINGS)


def test_the_project_data_conforms(project_report: ValidationReport) -> None:
    assert project_report.conforms, "\n" + project_report.text()


def test_the_project_data_has_facts_to_check(project_report: ValidationReport) -> None:
    assert project_report.triples > 1000


def test_report_names_a_blank_node_by_where_it_hangs(context: Graph, shapes: Graph) -> None:
    for name, line in (
        (
            "no-blank-value",
            "kgr:membership/alice-example-chair-testshire-004 org:memberDuring []: is a blank node",
        ),
        ("no-blank-subject", '[ rdfs:comment "A stray remark."@en ]: is a blank node'),
    ):
        case = read_case(FIXTURES / "cases" / f"{name}.ttl")
        report = validate(with_fixture(context, case.body), shapes, settings=SETTINGS)
        [text] = report.lines()
        assert text.startswith(line + ": give it an IRI"), text
