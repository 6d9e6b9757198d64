"""The kgraph command line: validate, export, query and serve the knowledge graph."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import NoReturn

import click

from kgraph.errors import BadParameter, KgraphError
from kgraph.settings import Settings
from kgraph.store import Store


class KgraphGroup(click.Group):
    """Turns a KgraphError or a command's usage error into one line on stderr and its exit code,
    never a trace."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KgraphError as exc:
            click.echo(f"kgraph: {exc.reason}", err=True)
            sys.exit(exc.exit_code)
        except click.UsageError as exc:  # a command's bad option or argument: one line too
            _usage_error(exc, ctx.invoked_subcommand)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: object,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:  # kgraph's own options
            _usage_error(exc, None)


def _usage_error(exc: click.UsageError, command: str | None) -> NoReturn:
    message = " ".join(exc.format_message().split())
    where = " ".join(filter(None, ("kgraph", command)))
    click.echo(f"kgraph: {message} (see {where} --help)", err=True)
    sys.exit(exc.exit_code)


@click.group(cls=KgraphGroup)
@click.version_option(package_name="kgraph")
def main() -> None:
    """kgraph: a knowledge graph of English children's services and their Ofsted inspections."""
    # rdflib logs what it makes of odd input (ill-typed literals, with a trace) as warnings; a
    # command says what went wrong in its own one line instead.
    logging.getLogger("rdflib").setLevel(logging.ERROR)


def settings_from(data: Path | None, store: str | None = None) -> Settings:
    """Settings from the environment, with --data and --store overriding theirs."""
    from dataclasses import replace

    settings = Settings.from_env()
    if data:
        if not data.is_dir():  # else the graph would silently be the ontology alone
            raise BadParameter(f"{data}: no such folder")
        settings = replace(settings, data_dir=data)
    if store is not None:  # an empty --store is refused when the store opens, not ignored
        settings = replace(settings, store=store)
    return settings


def open_store(
    data: Path | None,
    extra: tuple[str, ...] = (),
    store: str | None = None,
    *,
    rebuild: bool = True,
) -> tuple[Settings, Store]:
    """Open the graph once for a command, in the store --store / KGRAPH_STORE names."""
    from kgraph.store import open_configured

    settings = settings_from(data, store)
    opened, line = open_configured(settings, [parse_add(spec) for spec in extra], rebuild=rebuild)
    if line:
        click.echo(line, err=True)
    return settings, opened


def parse_add(spec: str) -> tuple[str | None, Path]:
    """`FILE` or `IRI=FILE` -> (graph name or None, path)."""
    name, sep, path = spec.rpartition("=")
    if sep and "://" in name:
        return name, Path(path)
    return None, Path(spec)


STORE_OPTION = click.option(
    "--store",
    "store_spec",
    default=None,
    metavar="KIND|DIR|URL",
    help="Where the graph lives (KGRAPH_STORE): oxigraph (in memory, the default), rdflib, "
    "a folder (a persistent Oxigraph store, built on first use and rebuilt when data/ or "
    "ontology/ change) or the URL of a SPARQL 1.1 server.",
)
GRAPH_STORE_OPTION = click.option(
    "--graph-store",
    "graph_store",
    default=None,
    metavar="URL",
    help="The remote server's Graph Store Protocol endpoint (KGRAPH_GRAPH_STORE_URL); "
    "by default Oxigraph server's /store.",
)

DATA_OPTION = click.option(
    "--data",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder of RDF data to load instead of the project's data/ (KGRAPH_DATA_DIR).",
)


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["turtle", "nt", "nquads", "trig", "jsonld"]),
    default="turtle",
    show_default=True,
    help="RDF syntax to write.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="File to write; standard output when absent.",
)
@DATA_OPTION
@STORE_OPTION
def export(fmt: str, output: Path | None, data: Path | None, store_spec: str | None) -> None:
    """Write the whole graph (ontology and data); the same input gives byte-identical output."""
    from kgraph.export import store_bytes

    _, store = open_store(data, store=store_spec)
    payload = store_bytes(store, fmt)
    if output is None:
        sys.stdout.buffer.write(payload)
        sys.stdout.buffer.flush()
    else:
        try:
            output.write_bytes(payload)
        except OSError as exc:
            raise KgraphError(f"cannot write {output}: {exc.strerror}") from exc
        click.echo(f"kgraph: wrote {len(payload)} bytes of {fmt} to {output}", err=True)


@main.command()
@click.argument("query")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "tsv", "turtle", "nt", "jsonld"]),
    default=None,
    help="Output format: a table on a terminal, JSON otherwise (Turtle for CONSTRUCT/DESCRIBE).",
)
@click.option(
    "--add",
    "extra",
    multiple=True,
    metavar="[IRI=]FILE",
    help="Also load FILE, into named graph IRI if given.",
)
@DATA_OPTION
@STORE_OPTION
def query(
    query: str, fmt: str | None, extra: tuple[str, ...], data: Path | None, store_spec: str | None
) -> None:
    """Run a SPARQL query, given as text or as a path to a .rq file, on the graph.

    It runs as the endpoint runs it: in a process stopped after KGRAPH_QUERY_TIMEOUT seconds,
    capped at KGRAPH_MAX_ROWS rows, over loaded graphs only (no file or network access).
    """
    from kgraph.executor import GuardedStore
    from kgraph.queryrun import format_result

    text = read_query_arg(query)
    settings, store = open_store(data, extra, store_spec)
    guarded = GuardedStore(store, settings).start(workers=1)
    try:
        result = guarded.parse_and_run(text)
    finally:
        guarded.stop()
    fmt = fmt or ("table" if sys.stdout.isatty() else None)
    sys.stdout.buffer.write(format_result(result, fmt))
    sys.stdout.buffer.flush()
    if result.truncated:
        click.echo(
            f"kgraph: the answer was cut off at {result.max_rows} rows (KGRAPH_MAX_ROWS)", err=True
        )


def read_query_arg(arg: str) -> str:
    """The query text: the argument itself, or the file it names when it ends in .rq/.sparql."""
    if arg.endswith((".rq", ".sparql")):
        path = Path(arg)
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise KgraphError(f"cannot read query file {arg}: {exc.strerror}") from exc
        except UnicodeDecodeError:
            raise KgraphError(f"query file {arg} is not UTF-8 text") from None
    return arg


@main.command()
@click.option("--host", default=None, help="Address to listen on (KGRAPH_HOST; 127.0.0.1).")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Port (KGRAPH_PORT; 8710); 0 picks a free one.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="gunicorn worker processes.",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="Threads per worker.",
)
@click.option(
    "--debug", is_flag=True, help="Flask's development server in debug mode instead of gunicorn."
)
@click.option(
    "--access-log/--no-access-log",
    default=True,
    show_default=True,
    help="One line per request on standard output: time, client, method, path, status, bytes, "
    "seconds.",
)
@click.option(
    "--add",
    "extra",
    multiple=True,
    metavar="[IRI=]FILE",
    help="Also load FILE, into named graph IRI if given; may be repeated.",
)
@DATA_OPTION
@STORE_OPTION
@click.option(
    "--no-rebuild",
    is_flag=True,
    help="With --store DIR: refuse to start when data/ or ontology/ changed since DIR was built.",
)
def serve(
    host: str | None,
    port: int | None,
    workers: int,
    threads: int,
    debug: bool,
    access_log: bool,
    extra: tuple[str, ...],
    data: Path | None,
    store_spec: str | None,
    no_rebuild: bool,
) -> None:
    """Serve the graph: the SPARQL endpoint at /sparql, the query page at /query, /health.

    SIGTERM stops the server gracefully: requests in flight are answered first.
    """
    from kgraph.web import create_app
    from kgraph.web.server import serve_debug, serve_gunicorn

    settings, store = open_store(data, extra, store_spec, rebuild=not no_rebuild)
    host = host or settings.host
    port = settings.port if port is None else port
    app = create_app(store=store, settings=settings)
    if debug:
        serve_debug(app, host, port)
    else:
        serve_gunicorn(app, host, port, workers=workers, threads=threads, access_log=access_log)


@main.command()
@DATA_OPTION
@click.option(
    "--shapes",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder of SHACL shapes to use instead of the project's shapes/ (KGRAPH_SHAPES_DIR).",
)
@STORE_OPTION
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
def validate(
    data: Path | None, shapes: Path | None, store_spec: str | None, files: tuple[Path, ...]
) -> None:
    """Check the ontology, the data and any FILES against the SHACL shapes.

    \b
    Exit codes:
      0  the graph conforms; prints "conforms: N triples, M shapes"
      1  it does not; prints one line per result, sorted:
         "<focus node> <path>: <message>"
      2  a file does not parse, or a folder is missing; prints
         "kgraph: file:line: message" on standard error
    """
    from dataclasses import replace

    from kgraph.validation import project_data_graph
    from kgraph.validation import validate as validate_graph

    settings = settings_from(data, store_spec)
    if shapes is not None:
        settings = replace(settings, shapes_dir=shapes)
    for folder in (settings.ontology_dir, settings.data_dir, settings.shapes_dir):
        if not folder.is_dir():
            raise BadParameter(f"{folder}: no such folder")
    report = validate_graph(project_data_graph(settings, files), settings=settings)
    if report.shapes == 0:
        raise BadParameter(f"{settings.shapes_dir}: no SHACL shapes")
    click.echo(report.text())
    if not report.conforms:
        click.echo(f"kgraph: does not conform: {len(report.results)} results", err=True)
        sys.exit(1)


# Who held which role when, and what Ofsted judged: canned queries with names resolved.

ANSWER_FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default=None,
    help="table on a terminal, JSON otherwise (the /queries API's JSON); or CSV.",
)


def _label(column: str, fallback: str = ""):
    """A table column showing a row's label, or the fallback column's short IRI without one."""
    return lambda terms: terms.get(column) or (terms.get(fallback) if fallback else None)


def _show_answer(name: str, values: dict[str, str], fmt: str | None, store: Store, columns) -> None:
    """Run a canned query and write its answer as a table, the API's JSON, or CSV."""
    from kgraph.queries.answers import run_named

    result = run_named(store, name, values)
    fmt = fmt or ("table" if sys.stdout.isatty() else "json")
    if fmt == "table":
        text = result.table(columns)
    elif fmt == "csv":
        text = result.to_csv()
    else:
        text = result.to_json()
    sys.stdout.write(text)
    sys.stdout.flush()


def _resolve(store: Store, name: str, kind: str) -> str:
    """The IRI a typed name means; several candidates are listed one a line, exit 1."""
    from kgraph.resolve import AmbiguousName, resolve

    try:
        return str(resolve(store, name, kind))
    except AmbiguousName as exc:
        for line in exc.lines():
            click.echo(f"kgraph: {line}" if not line.startswith(" ") else line, err=True)
        sys.exit(exc.exit_code)


@main.command()
@click.argument("person")
@ANSWER_FORMAT
@DATA_OPTION
def roles(person: str, fmt: str | None, data: Path | None) -> None:
    """Every role PERSON (a name or IRI) has held, where, and when, as each source states it."""
    _, store = open_store(data)
    iri = _resolve(store, person, "person")
    columns = [
        ("role", _label("roleLabel", "role")),
        ("organisation", _label("organisationLabel", "organisation")),
        ("when", _label("basis")),
    ]
    _show_answer("roles-of-person", {"person": iri}, fmt, store, columns)


@main.command()
@click.argument("organisation")
@click.option(
    "--on",
    "day",
    metavar="YYYY-MM-DD",
    default=None,
    help="Only who held a role on this date, with how certain that is.",
)
@click.option("--role", default=None, help="Only holders of this role (a name or IRI).")
@ANSWER_FORMAT
@DATA_OPTION
def holders(
    organisation: str, day: str | None, role: str | None, fmt: str | None, data: Path | None
) -> None:
    """Who held which role at ORGANISATION (a name or IRI), and when, as the sources state it."""

    if day is not None and role is not None:
        raise BadParameter("give --on or --role, not both")
    _, store = open_store(data)
    org = _resolve(store, organisation, "organisation")
    person = ("person", _label("personLabel", "person"))
    role_column = ("role", _label("roleLabel", "role"))
    when = ("when", _label("basis"))
    if day is not None:
        columns = [person, role_column, ("certainty", _label("certainty")), when]
        _show_answer("holders-on-date", {"organisation": org, "date": day}, fmt, store, columns)
    elif role is not None:
        role_iri = _resolve(store, role, "role")
        values = {"organisation": org, "role": role_iri}
        _show_answer("holders-of-role", values, fmt, store, [person, when])
    else:
        columns = [person, role_column, when]
        _show_answer("people-of-organisation", {"organisation": org}, fmt, store, columns)


@main.command()
@click.argument("authority")
@ANSWER_FORMAT
@DATA_OPTION
def history(authority: str, fmt: str | None, data: Path | None) -> None:
    """Every Ofsted judgement of AUTHORITY's children's services (a name or IRI), in time order."""
    _, store = open_store(data)
    iri = _resolve(store, authority, "authority")
    columns = [
        ("date", lambda t: t.get("date") or "undated"),
        ("inspection", _label("inspection")),
        ("area", _label("areaLabel", "area")),
        ("grade", _label("gradeLabel", "grade")),
        ("sources", lambda t: " ".join(sorted(str(t.get("sources") or "").split()))),
    ]
    _show_answer("inspection-history", {"authority": iri}, fmt, store, columns)


@main.command()
@click.option(
    "--store",
    "folder",
    type=click.Path(path_type=Path),
    default=None,
    help="Build a persistent Oxigraph store in this folder, for kgraph serve --store DIR.",
)
@click.option(
    "--to",
    "url",
    default=None,
    metavar="URL",
    help="Load into the SPARQL 1.1 server at URL (its default graph replaced, --add graphs too).",
)
@GRAPH_STORE_OPTION
@click.option(
    "--add",
    "extra",
    multiple=True,
    metavar="[IRI=]FILE",
    help="Also load FILE, into named graph IRI if given; may be repeated.",
)
@DATA_OPTION
def load(
    folder: Path | None,
    url: str | None,
    graph_store: str | None,
    extra: tuple[str, ...],
    data: Path | None,
) -> None:
    """Load the ontology and data once into a persistent store (--store DIR) or a server (--to URL).

    \b
    kgraph load --store DIR      then  kgraph serve --store DIR    (starts without parsing)
    kgraph load --to URL         then  kgraph serve --store URL
    """
    import time

    if (folder is None) == (url is None):
        raise BadParameter("give one of --store DIR or --to URL")
    settings = settings_from(data)
    added = [parse_add(spec) for spec in extra]
    started = time.monotonic()
    if folder is not None:
        from kgraph.stores.persistent import build_folder

        _, summary = build_folder(folder, settings, added)
        click.echo(f"kgraph: built store {folder} from {summary}", err=True)
        return
    from kgraph.stores.loading import load_remote

    assert url is not None
    triples, graphs = load_remote(url, settings, added, graph_store)
    seconds = time.monotonic() - started
    named = f" and {graphs} named graph{'s' if graphs != 1 else ''}" if graphs else ""
    click.echo(
        f"kgraph: loaded {triples} triples into {url} (default graph{named}) in {seconds:.1f}s",
        err=True,
    )


@main.command(name="import")
@click.option(
    "--raw",
    "raw_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder of the official files (default: data/official/raw).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder to write the Turtle to (default: data/official).",
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 if the committed files differ from what the import would write.",
)
@DATA_OPTION
def import_official(
    raw_dir: Path | None, out_dir: Path | None, check: bool, data: Path | None
) -> None:
    """Turn Ofsted's inspection outcomes and the DfE tables into the graph's Turtle.

    \b
    Reads data/official/raw/ (the published files) and data/official/article-links.csv (which
    article nodes the official codes name) and writes data/official/*.ttl: the same files always
    give the same bytes.
    """
    from kgraph.official.build import Layout, differences, write

    layout = Layout.of(settings_from(data), raw_dir, out_dir)
    if check:
        stale = differences(layout)
        if stale:
            click.echo(f"kgraph: out of date: {', '.join(stale)}", err=True)
            sys.exit(1)
        click.echo("kgraph: data/official is what the import writes")
        return
    for path, size in write(layout):
        click.echo(f"kgraph: wrote {size} bytes to {path}", err=True)


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@DATA_OPTION
def reconcile(fmt: str, data: Path | None) -> None:
    """List every place where the articles and the official data meet, and whether they agree.

    \b
    One row per meeting: the same authority, area, inspection or judgement cited by both, or a
    figure both give for the same area, measure and year (both kept, each with its source).
    """
    from kgraph.official.reconcile import meetings, render

    _, store = open_store(data)
    click.echo(render(meetings(store), fmt), nl=False)
