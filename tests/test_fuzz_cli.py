"""Property-based fuzzing of the command line (hypothesis): broken Turtle and other RDF, missing
files and folders, unknown formats, odd options and arguments. A failure is one clear line on
standard error and a non-zero exit, never a traceback. Derandomized, with no example database.

Most runs go through click's CliRunner (the `runner` fixture); a few through real processes.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner, Result
from fuzzing import FUZZ
from hypothesis import given, settings
from hypothesis import strategies as st

from kgraph.cli import main

SAMPLE = Path(__file__).parent / "fixtures" / "pages" / "sample.ttl"
SAMPLE_TEXT = SAMPLE.read_bytes()
GUARD_SECONDS = 120

# --- what to give it ----------------------------------------------------------------------

SUFFIXES = [".ttl", ".nt", ".nq", ".trig", ".jsonld", ".rdf", ".owl", ".xml", ".n3"]
broken_rdf = st.one_of(
    st.integers(0, len(SAMPLE_TEXT)).map(lambda cut: SAMPLE_TEXT[:cut]),  # cut short
    st.tuples(st.integers(0, len(SAMPLE_TEXT)), st.binary(min_size=1, max_size=8)).map(
        lambda ib: SAMPLE_TEXT[: ib[0]] + ib[1] + SAMPLE_TEXT[ib[0] :]
    ),  # garbage inserted
    st.binary(max_size=200),
    st.sampled_from(
        [
            b"",
            b"\xff\xfe\x00",
            b"\x00" * 50,
            b"@prefix : <http://example.org/> .\n:a :b :c",
            b"<a> <b> <c> .",
            b'{"@context": 1}',
            b"<rdf:RDF>",
            b"@base <%%%> . <x> <y> <z> .",
            b'<http://e.org/a> <http://e.org/b> "x"^^<http://www.w3.org/2001/XMLSchema#int> .',
            b'<http://e.org/a> <http://e.org/b> "x"@not-a-language-tag-at-all .',
            b"<http://e.org/a b> <http://e.org/b> <http://e.org/c> .",
        ]
    ),
)
text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40)
odd = st.one_of(
    text,
    st.sampled_from(
        [
            "",
            "-",
            "--",
            "x.rq",
            "missing.rq",
            "https://w3id.org/kgraph/id/person/nobody",
            "Kingston",
            "kingston-upon-thames",
            "2013-02-30",
            "2013-07-01",
            "-1",
            "1e999",
            "../../etc/passwd",
        ]
    ),
)
QUERIES = [
    "ASK {}",
    "SELECT * WHERE { ?s ?p ?o } LIMIT 2",
    "SELEC",
    "CLEAR ALL",
    "LOAD <http://127.0.0.1:9/x>",
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    "CONSTRUCT WHERE { ?s a kg:LocalAuthority }",
]
FORMAT_NAMES = ["table", "json", "csv", "tsv", "turtle", "nt", "jsonld", "nquads", "trig", "yaml"]
STORES = ["oxigraph", "rdflib", "", "memory", "ftp://x", "http://127.0.0.1:9/query", "store"]


@st.composite
def invocations(draw: st.DrawFn) -> tuple[list[str], dict[str, bytes]]:
    """Arguments for one kgraph command, with {name: bytes} of files in its folder; the names
    DATA/ (a data folder holding the files) and FILE (the first file) stand for their paths."""
    files = {
        f"data/f{n}{draw(st.sampled_from(SUFFIXES))}": draw(broken_rdf)
        for n in range(draw(st.integers(0, 2)))
    }
    first = next(iter(files), "data/missing.ttl")
    data = ["--data", draw(st.sampled_from(["DATA", "DATA", "nowhere", "FILE"]))]
    command = draw(
        st.sampled_from(
            [
                *("validate", "query", "export", "roles", "holders", "history", "load"),
                *("import", "reconcile", "serve", "nosuch"),
            ]
        )
    )
    args: list[str] = [command]
    if command == "validate":
        args += data + draw(st.lists(st.sampled_from([first, "missing.ttl", "DATA"]), max_size=2))
        if draw(st.booleans()):
            args += ["--shapes", draw(st.sampled_from(["nowhere", "DATA", "FILE"]))]
    elif command == "query":
        query = draw(st.sampled_from(QUERIES) | odd)
        if draw(st.booleans()):
            files["q.rq"] = draw(st.sampled_from(QUERIES).map(str.encode) | st.binary(max_size=50))
            query = draw(st.sampled_from(["q.rq", "missing.rq", "q.sparql"]))
        args += [query, *data]
        if draw(st.booleans()):
            args += ["--format", draw(st.sampled_from(FORMAT_NAMES) | text)]
        if draw(st.booleans()):
            args += ["--add", draw(st.sampled_from([first, "missing.ttl", f"x:y={first}"]) | odd)]
        if draw(st.booleans()):
            args += ["--store", draw(st.sampled_from(STORES) | text)]
    elif command == "export":
        args += [*data, "--format", draw(st.sampled_from(FORMAT_NAMES) | text)]
        if draw(st.booleans()):
            args += ["--output", draw(st.sampled_from(["DATA", "no/such/dir/x.ttl", "out.ttl"]))]
    elif command in ("roles", "holders", "history"):
        args += [draw(odd), *data]
        if command == "holders" and draw(st.booleans()):
            args += ["--on", draw(odd)]
        if command == "holders" and draw(st.booleans()):
            args += ["--role", draw(odd)]
        if draw(st.booleans()):
            args += ["--format", draw(st.sampled_from(FORMAT_NAMES) | text)]
    elif command == "load":
        args += draw(
            st.sampled_from(
                [[], ["--store", "FILE"], ["--to", "ftp://x"], ["--store", "s", "--to", "http://x"]]
            )
        )
        args += ["--add", "missing.ttl"] if draw(st.booleans()) else []
    elif command == "import":
        args += ["--raw", "nowhere", "--out", "out", *draw(st.sampled_from([[], ["--check"]]))]
    elif command == "reconcile":
        args += [*data, "--format", draw(st.sampled_from(["table", "json", "csv", "yaml"]) | text)]
    elif command == "serve":  # only options that must stop it before it serves
        args += draw(
            st.sampled_from(
                [
                    ["--port", "-1"],
                    ["--port", "70000"],
                    ["--workers", "0"],
                    ["--threads", "x"],
                    ["--store", "ftp://x"],
                    ["--store", ""],
                    ["--add", "missing.ttl"],
                    ["--data", "nowhere"],
                    ["--no-such-option"],
                ]
            )
        )
    else:
        args += draw(st.lists(odd, max_size=2))
    return args, files


def materialise(folder: Path, args: list[str], files: dict[str, bytes]) -> list[str]:
    """Write the files under folder and turn DATA, FILE and relative paths into real paths."""
    (folder / "data").mkdir()
    for name, content in files.items():
        (folder / name).write_bytes(content)
    first = next(iter(files), "data/missing.ttl")
    names = {"DATA": folder / "data", "FILE": folder / first}
    out = []
    for arg in args:
        if arg in names:
            out.append(str(names[arg]))
        elif arg in files or arg.startswith(("missing", "nowhere", "no/", "out", "q.")):
            out.append(str(folder / arg))
        else:
            out.append(arg)
    return out


# --- what must come back ------------------------------------------------------------------


def check_outcome(exit_code: int, stdout: str, stderr: str, args: list[str]) -> None:
    """Success, or a non-zero exit with one clear line on stderr; never a traceback."""
    assert "Traceback" not in stdout + stderr, (args, stderr[-2000:])
    if exit_code == 0:
        return
    lines = stderr.splitlines()
    assert lines, (args, exit_code, stdout[-500:])
    # A name that means several things lists them, indented, under its one line.
    reported = [line for line in lines if not line.startswith(" ")]
    assert len(reported) == 1 and reported[0].startswith("kgraph: "), (args, stderr[-2000:])
    assert len(reported[0]) > len("kgraph: ") + 3


def invoke(runner: CliRunner, args: list[str]) -> Result:
    result = runner.invoke(main, args)
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), (args, result.exc_info)
    return result


@settings(FUZZ, max_examples=100)
@given(call=invocations())
def test_any_command_line_fails_cleanly_or_succeeds(
    runner: CliRunner, call: tuple[list[str], dict[str, bytes]]
) -> None:
    with tempfile.TemporaryDirectory() as folder, contextlib.chdir(folder):
        # In a folder of its own: a --store name it makes up is built there.
        args = materialise(Path(folder), *call)
        result = invoke(runner, args)
        check_outcome(result.exit_code, result.stdout, result.stderr, args)


@settings(FUZZ, max_examples=30)
@given(content=broken_rdf, suffix=st.sampled_from(SUFFIXES))
def test_a_broken_data_file_is_one_line_naming_it(
    runner: CliRunner, content: bytes, suffix: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        data.mkdir()
        (data / f"broken{suffix}").write_bytes(content)
        for command in (["validate"], ["query", "ASK {}"], ["export", "--format", "nt"]):
            args = [*command, "--data", str(data)]
            result = invoke(runner, args)
            check_outcome(result.exit_code, result.stdout, result.stderr, args)
            if result.exit_code == 2:  # it did not parse: the line names the file
                assert f"broken{suffix}" in result.stderr, (args, result.stderr)


def test_real_processes_fail_with_one_line() -> None:
    """A few through the installed entry point, as a shell would run them."""
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        data.mkdir()
        (data / "broken.ttl").write_bytes(SAMPLE_TEXT[:500] + b"\xff <<<")
        cases = [
            ["validate", "--data", str(data)],
            ["query", "SELEC", "--data", str(data)],
            ["query", str(Path(folder) / "missing.rq")],
            ["export", "--format", "yaml"],
            ["serve", "--store", "ftp://example.org/x"],
            ["--bogus"],
            ["nosuch"],
        ]
        for args in cases:
            done = subprocess.run(
                [sys.executable, "-m", "kgraph", *args],
                capture_output=True,
                text=True,
                timeout=GUARD_SECONDS,
                check=False,
            )
            assert done.returncode != 0, args
            check_outcome(done.returncode, done.stdout, done.stderr, args)
            assert done.stderr.count("\n") == 1, (args, done.stderr)
