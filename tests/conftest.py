"""Shared fixtures: the app around the project's graph, its client and CLI runner, real servers.

- ``store``: the project's graph (ontology and data/), loaded once per session; read, don't change.
- ``app``, ``client``, ``runner``: the Flask app around ``store``, its test client, its CLI runner.
- ``live_server``: a real ``kgraph serve`` process (gunicorn) on a free loopback port, for the
  whole session; ``live_server.url`` is ``http://127.0.0.1:PORT``, ``.sparql`` the endpoint.
- ``start_server``: starts more such processes with extra arguments,
  e.g. ``start_server("--data", folder, "--add", "https://example.org/g=file.ttl")``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from kgraph.settings import Settings
from kgraph.store import Store, load_store
from kgraph.web import create_app

READY = re.compile(r"^kgraph: serving (\d+) triples at (http://[^/\s]+)/sparql ")
# A guard so a server that never starts fails the test instead of hanging it; not a timing check.
START_GUARD_SECONDS = 120


@pytest.fixture(scope="session")
def store() -> Store:
    """The project's ontology and data, loaded once for the session."""
    return load_store(Settings.from_env())


@pytest.fixture
def app(store: Store) -> Iterator[Flask]:
    """The Flask app serving the session's store."""
    app = create_app(store=store, settings=Settings.from_env())
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
