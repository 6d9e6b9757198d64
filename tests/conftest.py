"""Shared fixtures: the app around the project's graph, its client and CLI runner, real servers.

- ``store``: the project's graph (ontology and data/) in each kind of store, once per session
  each: embedded Oxigraph (the default), rdflib (the reference) and a remote Oxigraph server;
  a test that takes it runs once per kind and must get the same answers. Read, don't change.
- ``default_store``: the project's graph in the default kind only, for tests above the store.
- ``oxigraph_server``: a real ``oxigraph serve`` process on a free loopback port (session);
  ``start_oxigraph()`` starts more, each empty.
- ``app``, ``client``, ``runner``: the Flask app around ``default_store``, its test client, its
  CLI runner.
- ``live_server``: a real ``kgraph serve`` process (gunicorn) on a free loopback port, for the
  whole session; ``live_server.url`` is ``http://127.0.0.1:PORT``, ``.sparql`` the endpoint.
- ``start_server``: starts more such processes with extra arguments,
  e.g. ``start_server("--data", folder, "--add", "https://example.org/g=file.ttl")``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from kgraph.settings import Settings
from kgraph.store import Store, load_store
from kgraph.stores.loading import load_remote
from kgraph.stores.remote_store import RemoteStore
from kgraph.web import create_app

READY = re.compile(r"^kgraph: serving (\d+) triples at (http://[^/\s]+)/sparql ")
# A guard so a server that never starts fails the test instead of hanging it; not a timing check.
START_GUARD_SECONDS = 120


STORE_KINDS = ("oxigraph", "rdflib", "remote")


@pytest.fixture(scope="session")
def articles_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data folder without the official statistics: the articles' facts and vocabulary.

    Tests that serialise the whole graph many times (exports, downloads) use it to stay quick.
    """
    data = Settings.from_env().data_dir
    out = tmp_path_factory.mktemp("articles-data")
    for path in [*data.glob("*.ttl"), *data.glob("articles/*.ttl")]:
        target = out / path.relative_to(data)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return out


@pytest.fixture(scope="session")
def rapper() -> str:
    """raptor's rapper, an independent RDF parser: CI installs it, elsewhere tests skip."""
    path = shutil.which("rapper")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("rapper (raptor2-utils) must be installed in CI")
        pytest.skip("rapper not installed (apt-get install raptor2-utils)")
    return path


@pytest.fixture(scope="session")
def default_store() -> Store:
    """The project's ontology and data in the default kind of store, loaded once."""
    return load_store(Settings.from_env())


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "store_kinds(*kinds): the kinds of store a test taking `store` runs on (default: all)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each test that takes `store` once per kind (or the kinds its store_kinds mark names)."""
    if "store" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("store_kinds")
        kinds = marker.args if marker else STORE_KINDS
        metafunc.parametrize("store", kinds, indirect=True, scope="session")


@pytest.fixture(scope="session")
def store(request: pytest.FixtureRequest) -> Store:
    """The project's ontology and data in one kind of store: each test runs once per kind."""
    kind = request.param
    if kind == "oxigraph":
        return request.getfixturevalue("default_store")
    if kind == "rdflib":
        return load_store(Settings.from_env(), kind="rdflib")
    server: OxigraphServer = request.getfixturevalue("oxigraph_server")
    load_remote(server.url, Settings.from_env())
    return RemoteStore(server.url)


@dataclass
class OxigraphServer:
    """A running `oxigraph serve` and its root URL (queries at /query, graph store at /store)."""

    url: str
    process: subprocess.Popen[bytes]
    location: Path


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def oxigraph_command() -> str:
    """The oxigraph server binary that the test extras install beside this Python."""
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if found is None:
        pytest.fail("oxigraph is not installed: pip install -e '.[test]'")
    return found


@pytest.fixture(scope="session")
def start_oxigraph(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[], OxigraphServer]]:
    """Starts real, empty Oxigraph SPARQL servers on free loopback ports; all stop at the end."""
    started: list[OxigraphServer] = []

    def start() -> OxigraphServer:
        location = tmp_path_factory.mktemp("oxigraph-server")
        port = free_port()
        command = [oxigraph_command(), "serve", "--location", str(location)]
        with (location.parent / f"{location.name}.log").open("wb") as log:
            process = subprocess.Popen(
                [*command, "--bind", f"127.0.0.1:{port}"],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_GUARD_SECONDS
        while True:
            try:
                with urllib.request.urlopen(url + "/query?query=ASK%7B%7D", timeout=5) as resp:
                    resp.read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    _stop(process)
                    pytest.fail(f"oxigraph serve did not start (exit {process.returncode})")
                time.sleep(0.05)
        server = OxigraphServer(url=url, process=process, location=location)
        started.append(server)
        return server

    yield start
    for server in started:
        _stop(server.process)


@pytest.fixture(scope="session")
def oxigraph_server(start_oxigraph: Callable[[], OxigraphServer]) -> OxigraphServer:
    """A real Oxigraph SPARQL server for the whole session: the remote kind's `store`."""
    return start_oxigraph()


@pytest.fixture
def app(default_store: Store) -> Iterator[Flask]:
    """The Flask app serving the session's default store."""
    app = create_app(store=default_store, settings=Settings.from_env())
    app.config.update(TESTING=True)
    yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@dataclass
class LiveServer:
    """A running `kgraph serve` process and where it listens."""

    url: str
    triples: int
    ready_line: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def sparql(self) -> str:
        """The SPARQL endpoint's URL."""
        return self.url + "/sparql"

    def __str__(self) -> str:
        return self.url


@pytest.fixture(scope="session")
def start_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., LiveServer]]:
    """Starts `kgraph serve --port 0 ARGS` processes; all stop when the session ends."""
    started: list[LiveServer] = []

    def start(*args: str | Path, env: dict[str, str] | None = None) -> LiveServer:
        folder = tmp_path_factory.mktemp("server")
        out, err = folder / "stdout.txt", folder / "stderr.txt"
        command = [sys.executable, "-m", "kgraph", "serve", "--host", "127.0.0.1", "--port", "0"]
        with out.open("wb") as stdout, err.open("wb") as stderr:
            process = subprocess.Popen(
                [*command, *map(str, args)],
                stdout=stdout,
                stderr=stderr,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **(env or {})},
            )
        deadline = time.monotonic() + START_GUARD_SECONDS
        while True:
            match = READY.match(out.read_text(encoding="utf-8"))
            if match:
                break
            if process.poll() is not None or time.monotonic() > deadline:
                _stop(process)
                pytest.fail(
                    f"kgraph serve did not start (exit {process.returncode}): "
                    + err.read_text(encoding="utf-8", errors="replace")[-2000:]
                )
            time.sleep(0.05)
        server = LiveServer(
            url=match.group(2),
            triples=int(match.group(1)),
            ready_line=out.read_text(encoding="utf-8").splitlines()[0],
            process=process,
            log=err,
        )
        started.append(server)
        return server

    yield start
    for server in started:
        _stop(server.process)


@pytest.fixture(scope="session")
def live_server(start_server: Callable[..., LiveServer]) -> LiveServer:
    """`kgraph serve` on the project's graph, running for the whole session."""
    return start_server()


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server we started: SIGTERM (gunicorn's graceful stop), then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
