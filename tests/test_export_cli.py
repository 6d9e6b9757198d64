"""`kgraph export` and `kgraph query`: formats, stable bytes, an independent parser, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from data_files import same_values
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from kgraph.cli import main
from kgraph.settings import Settings
from kgraph.store import load_store

RDFLIB_FORMAT = {
    "turtle": "turtle",
    "nt": "nt",
    "nquads": "nquads",
    "trig": "trig",
    "jsonld": "json-ld",
}


@pytest.fixture(scope="module")
def cli() -> CliRunner:
    return CliRunner()


def run(cli: CliRunner, *args: str):
    return cli.invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def loaded(articles_data_dir: Path) -> Graph:
    """The export tests run on the articles' graph: exporting is the same code at any size."""
    # The reference store holds the files' triples exactly as written.
    settings = replace(Settings.from_env(), data_dir=articles_data_dir)
    return load_store(settings, kind="rdflib").default_graph


@pytest.fixture(scope="module")
def data_args(articles_data_dir: Path) -> list[str]:
    return ["--data", str(articles_data_dir)]


@pytest.mark.parametrize("fmt", list(RDFLIB_FORMAT))
def test_export_round_trips_every_format(
    cli: CliRunner, loaded: Graph, data_args: list[str], fmt: str
) -> None:
    result = run(cli, "export", "--format", fmt, *data_args)
    assert result.exit_code == 0
    if fmt in ("nquads", "trig"):
        ds = Dataset()
        ds.parse(data=result.stdout_bytes, format=RDFLIB_FORMAT[fmt])
        back = Graph()
        for s, p, o, _ in ds.quads():
            back.add((s, p, o))
    else:
        back = Graph().parse(data=result.stdout_bytes, format=RDFLIB_FORMAT[fmt])
    assert len(back) == len(loaded) > 700
    assert isomorphic(same_values(back), same_values(loaded))


@pytest.mark.parametrize("fmt", list(RDFLIB_FORMAT))
def test_export_is_byte_identical_across_processes(
    tmp_path: Path, data_args: list[str], fmt: str
) -> None:
    """Two separate processes (different hash seeds) write the same bytes."""
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"{seed}.{fmt}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [
                sys.executable,
                "-m",
                "kgraph",
                "export",
                "--format",
                fmt,
                "--output",
                str(out),
                *data_args,
            ],
            check=True,
            env=env,
            capture_output=True,
        )
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) > 1000


def test_export_turtle_parses_with_rapper(
    cli: CliRunner, tmp_path: Path, loaded: Graph, data_args: list[str], rapper: str
) -> None:
    """An independent parser (raptor's rapper) reads our Turtle and counts the same triples."""
    out = tmp_path / "graph.ttl"
    assert run(cli, "export", "--output", str(out), *data_args).exit_code == 0
    proc = subprocess.run(
        [rapper, "-i", "turtle", "-o", "ntriples", "-q", str(out)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert len(lines) == len(loaded)
    back = Graph().parse(data=proc.stdout, format="nt")
    assert isomorphic(same_values(back), same_values(loaded))


def test_export_to_unwritable_file_is_one_line(cli: CliRunner, tmp_path: Path) -> None:
    result = cli.invoke(main, ["export", "--output", str(tmp_path / "no" / "such" / "dir.ttl")])
    assert result.exit_code == 1
    assert result.stderr.startswith("kgraph: cannot write") and result.stderr.count("\n") == 1


def test_export_unknown_format_is_rejected(cli: CliRunner) -> None:
    result = cli.invoke(main, ["export", "--format", "yaml"])
    assert result.exit_code == 2
    assert "Invalid value for '--format'" in result.stderr


GRADES = "SELECT ?grade ?rank WHERE { ?grade a kg:Grade ; kg:rank ?rank } ORDER BY ?rank ?grade"


def test_query_json(cli: CliRunner) -> None:
    result = run(cli, "query", GRADES, "--format", "json")
    data = json.loads(result.stdout)
    assert [b["rank"]["value"] for b in data["results"]["bindings"]] == ["1", "2", "3", "3", "4"]


def test_query_csv_and_tsv(cli: CliRunner) -> None:
    csv = run(cli, "query", GRADES, "--format", "csv").stdout.splitlines()
    assert csv[0] == "grade,rank" and csv[1] == "https://w3id.org/kgraph/id/grade/outstanding,1"
    tsv = run(cli, "query", GRADES, "--format", "tsv").stdout.splitlines()
    assert tsv[0] == "?grade\t?rank" and tsv[1].startswith(
        "<https://w3id.org/kgraph/id/grade/outstanding>\t"
    )


def test_query_table(cli: CliRunner) -> None:
    out = run(cli, "query", GRADES, "--format", "table").stdout.splitlines()
    assert out[0].split() == ["grade", "rank"]
    assert out[2].split() == ["kgr:grade/outstanding", "1"]
    assert out[-1] == "(5 rows)"


def test_query_from_rq_file_and_construct(cli: CliRunner, tmp_path: Path) -> None:
    rq = tmp_path / "q.rq"
    rq.write_text(
        "CONSTRUCT { ?g kg:rank ?r } WHERE { ?g a kg:Grade ; kg:rank ?r }", encoding="utf-8"
    )
    result = run(cli, "query", str(rq))
    assert len(Graph().parse(data=result.stdout, format="turtle")) == 5


@pytest.mark.parametrize(
    ("args", "code", "start"),
    [
        (["query", "SELEC ?x WHERE {}"], 2, "kgraph: Expected"),
        (["query", "missing.rq"], 1, "kgraph: cannot read query file missing.rq"),
        (["query", "ASK {}", "--add", "nowhere.ttl"], 2, "kgraph: nowhere.ttl: no such file"),
    ],
)
def test_query_errors_are_one_line(cli: CliRunner, args: list[str], code: int, start: str) -> None:
    result = cli.invoke(main, args)
    assert result.exit_code == code
    assert result.stderr.startswith(start), result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_query_broken_turtle_names_file_and_line(cli: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e .\n", encoding="utf-8"
    )
    result = cli.invoke(main, ["query", "ASK {}", "--add", str(bad)])
    assert result.exit_code == 2
    assert str(bad) in result.stderr and "line 3" in result.stderr
