"""`kgraph validate`: exit 0 and a summary when the graph conforms, 1 and a line per fault when it
does not, 2 and file:line when a file does not parse."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kgraph.cli import main
from kgraph.settings import Settings
from kgraph.store import rdf_files
from kgraph.validation import load_graph

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
BASE = FIXTURES / "base.ttl"
CASES = FIXTURES / "cases"


def run(runner: CliRunner, *args: str | Path) -> Result:
    return runner.invoke(main, ["validate", *map(str, args)], catch_exceptions=False)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A data folder holding the conforming base fixture."""
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(BASE, folder / "base.ttl")
    return folder


def case_body(name: str) -> str:
    """A case fixture's Turtle, without the header comments that say how to fix it."""
    lines = (CASES / f"{name}.ttl").read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(line for line in lines if not line.startswith("# "))


def test_conforming_graph_exits_0_with_its_size(runner: CliRunner, data: Path) -> None:
    result = run(runner, "--data", data)
    assert result.exit_code == 0, result.output
    ontology = load_graph(rdf_files(Settings().ontology_dir))
    expected = len(ontology + load_graph([BASE]))
    assert re.fullmatch(rf"conforms: {expected} triples, \d+ shapes\n", result.stdout)
    assert result.stderr == ""


def test_faults_exit_1_with_one_sorted_line_each(runner: CliRunner, data: Path) -> None:
    (data / "uncited.ttl").write_text(case_body("cited-fact-uncited"), encoding="utf-8")
    (data / "role.ttl").write_text(case_body("membership-role-class"), encoding="utf-8")
    result = run(runner, "--data", data)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "kgr:area/elsewhere prov:qualifiedDerivation: a fact-bearing node needs a kg:Citation "
        "(prov:qualifiedDerivation) quoting its source",
        "kgr:area/elsewhere prov:wasDerivedFrom: a fact-bearing node needs prov:wasDerivedFrom "
        "its sources",
        "kgr:membership/alice-example-chair-testshire-004 org:role: org:role must be a kg:Role "
        "(see data/roles.ttl) (value: kgr:judgement-area/overall-effectiveness)",
    ]
    assert result.stderr == "kgraph: does not conform: 3 results\n"


def test_files_are_validated_with_the_data(runner: CliRunner, data: Path) -> None:
    result = run(runner, "--data", data, CASES / "person-name-is-label.ttl")
    assert result.exit_code == 1
    assert result.stdout == (
        'kgr:person/bob-example foaf:name: foaf:name "Bobby Example" differs from the rdfs:label\n'
    )
    fixed = run(runner, "--data", data, BASE)
    assert fixed.exit_code == 0, fixed.output


@pytest.mark.parametrize(
    ("name", "text", "line", "message"),
    [
        (
            "bad.ttl",
            '@prefix ex: <http://example.org/> .\n\nex:a ex:b ex:c .\n\nex:a ex:b "open .\n',
            5,
            "newline found in string literal",
        ),
        (
            "bad.nt",
            "<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n"
            "<http://example.org/a> <http://example.org/b> .\n",
            2,
            "Invalid line",
        ),
        ("bad.jsonld", '{"@id": "http://example.org/a",\n  "http://example.org/b": \n', 3, ""),
    ],
)
def test_a_file_that_does_not_parse_exits_2_with_file_and_line(
    runner: CliRunner, data: Path, tmp_path: Path, name: str, text: str, line: int, message: str
) -> None:
    bad = tmp_path / name
    bad.write_text(text, encoding="utf-8")
    result = run(runner, "--data", data, bad)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"kgraph: {bad}:{line}: {message}")
    assert result.stderr.count("\n") == 1


def test_a_data_file_that_does_not_parse_names_itself(runner: CliRunner, data: Path) -> None:
    bad = data / "articles" / "999.ttl"
    bad.parent.mkdir()
    bad.write_text(case_body("label-count").replace('"Elsewhere"@en ,', '"Elsewhere"@en ,,'))
    result = run(runner, "--data", data)
    assert result.exit_code == 2
    line = next(n for n, text in enumerate(bad.read_text().splitlines(), start=1) if ",," in text)
    assert result.stderr.startswith(f"kgraph: {bad}:{line}: ")


def test_shapes_option_uses_that_folder(runner: CliRunner, data: Path, tmp_path: Path) -> None:
    shapes = tmp_path / "shapes"
    shapes.mkdir()
    (shapes / "honorific.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix kg: <https://w3id.org/kgraph/ontology#> .\n"
        "<urn:test:Honorific> a sh:NodeShape ; sh:targetClass kg:Person ;\n"
        "    sh:property [ sh:path kg:honorific ; sh:minCount 1 ;\n"
        '        sh:message "every person needs an honorific here" ] .\n',
        encoding="utf-8",
    )
    result = run(runner, "--data", data, "--shapes", shapes)
    assert result.exit_code == 1
    assert (
        result.stdout
        == "kgr:person/alice-example kg:honorific: every person needs an honorific here\n"
    )
    (shapes / "broken.ttl").write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\nsh:a sh:b\n")
    broken = run(runner, "--data", data, "--shapes", shapes)
    assert broken.exit_code == 2
    assert broken.stderr.startswith(f"kgraph: {shapes / 'broken.ttl'}:")


def test_missing_folders_and_files_exit_2(runner: CliRunner, data: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    result = run(runner, "--data", missing)
    assert (result.exit_code, result.stderr) == (2, f"kgraph: {missing}: no such folder\n")
    result = run(runner, "--data", data, "--shapes", data)
    assert (result.exit_code, result.stderr) == (2, f"kgraph: {data}: no SHACL shapes\n")
    result = run(runner, "--data", data, missing / "a.ttl")
    assert (result.exit_code, result.stderr) == (2, f"kgraph: {missing / 'a.ttl'}: no such file\n")


def test_help_documents_the_exit_codes(runner: CliRunner) -> None:
    result = runner.invoke(main, ["validate", "--help"])
    assert result.exit_code == 0
    assert re.search(r"Exit codes:\s+0\s+the graph conforms", result.stdout)
    assert re.search(r"\n\s+1\s+it does not", result.stdout)
    assert re.search(r"\n\s+2\s+a file does not parse", result.stdout)
