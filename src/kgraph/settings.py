"""Settings, each declared once with its default and help text; environment variables override."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from kgraph.errors import BadParameter

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _setting(default: object, help: str, maximum: float = 2**31 - 1) -> object:
    return field(default=default, metadata={"help": help, "maximum": maximum})


def _variable(setting: str) -> str:
    """The environment variable that overrides a setting."""
    return "KGRAPH_" + setting.upper()


def _read(name: str, raw: str, default: object, maximum: float) -> object:
    """An environment variable's text as the type of the setting's default; numbers within
    0..maximum."""
    if isinstance(default, Path):
        return Path(raw)
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int | float):
        kind = "a whole number" if isinstance(default, int) else "a number"
        try:
            value = type(default)(raw.strip())
        except ValueError:
            raise BadParameter(f"{name}={raw!r} is not {kind}") from None
        if not 0 <= value <= maximum:  # NaN fails too
            raise BadParameter(f"{name}={raw!r}: give a number from 0 to {maximum:g}")
        return value
    return raw


@dataclass(frozen=True)
class Settings:
    """Where kgraph reads its graph from and how it serves it."""

    data_dir: Path = _setting(PROJECT_ROOT / "data", "Folder of the graph's RDF data files.")
    ontology_dir: Path = _setting(PROJECT_ROOT / "ontology", "Folder of the ontology files.")
    shapes_dir: Path = _setting(PROJECT_ROOT / "shapes", "Folder of the SHACL shapes files.")
    seeds_dir: Path = _setting(
        PROJECT_ROOT.parent / "shared" / "seeds", "Folder of the source articles that quotes cite."
    )
    store: str = _setting(
        "oxigraph",
        "Where the graph lives: oxigraph (in memory), rdflib (in memory, the reference), "
        "a folder (a persistent Oxigraph store) or an http(s) SPARQL 1.1 query endpoint.",
    )
    graph_store_url: str = _setting(
        "",
        "A remote store's Graph Store Protocol endpoint; empty: Oxigraph server's /store beside "
        "its /query.",
    )
    host: str = _setting("127.0.0.1", "Address the endpoint listens on.")
    port: int = _setting(8710, "Port the endpoint listens on.", maximum=65535)
    query_timeout: float = _setting(
        10.0,
        "Seconds a SPARQL query (/sparql, kgraph query) may run before its worker process is "
        "stopped and the client told 503; 0: no limit, queries run in the serving process.",
        maximum=86400,
    )
    query_workers: int = _setting(
        2,
        "Query worker processes per server process (each can be stopped when over time). Each "
        "copies the pages of an in-memory store that its queries read, so more cost memory; "
        "2 per gunicorn worker keep 2 cores busy.",
        maximum=64,
    )
    query_recycle: int = _setting(
        256,
        "MiB of the store's pages a query worker process may copy before it is replaced (after "
        "its answer): an in-memory store is written to as it is read, so a worker copies what "
        "its queries read; 0: never replaced.",
        maximum=2**20,
    )
    query_memory: int = _setting(
        1024,
        "MiB a query worker process may allocate beyond what it shares with the server; a query "
        "that needs more is stopped and the client told 503; 0: no limit.",
        maximum=2**20,
    )
    max_rows: int = _setting(
        10000,
        "Most rows (SELECT) or triples (CONSTRUCT, DESCRIBE) one answer holds; more are cut off "
        'and the answer says so (Kgraph-Truncated header, "truncated" in JSON).',
    )
    max_body_bytes: int = _setting(1048576, "Largest request body accepted; larger gets 413.")
    max_url_bytes: int = _setting(
        8000,
        "Longest request target (path and query string) accepted; longer gets 414. "
        "gunicorn reads at most 8190 bytes of request line, so larger values act as 8170.",
    )
    service_allow: str = _setting(
        "",
        "Comma-separated http(s) IRI prefixes that SERVICE may call; empty: SERVICE is refused.",
    )

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Defaults overridden by KGRAPH_<NAME> environment variables."""
        environ = os.environ if environ is None else environ
        changes: dict[str, object] = {}
        for f in fields(cls):
            name = _variable(f.name)
            raw = environ.get(name)
            if raw is not None:
                changes[f.name] = _read(name, raw, f.default, f.metadata["maximum"])
        return replace(cls(), **changes)

    @property
    def allowed_services(self) -> tuple[str, ...]:
        """The SERVICE allow-list as IRI prefixes."""
        return tuple(p.strip() for p in self.service_allow.split(",") if p.strip())

    @staticmethod
    def describe() -> list[tuple[str, str, str]]:
        """(environment variable, default, help) for every setting, for docs and --help."""
        return [(_variable(f.name), str(f.default), f.metadata["help"]) for f in fields(Settings)]
