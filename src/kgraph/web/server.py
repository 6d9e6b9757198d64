"""Run the app under gunicorn (or Flask's development server when debugging) and say where."""

from __future__ import annotations

import gc
import multiprocessing
import os
import socket
import sys
from datetime import timedelta
from multiprocessing.sharedctypes import Synchronized
from typing import Any
from urllib.parse import quote

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from kgraph.errors import CannotListen
from kgraph.web.gunicorn_workers import KgraphSyncWorker, KgraphThreadWorker, request_line_limit
from kgraph.web.plain_errors import PlainErrors

# One line per request on standard output (after the ready line), e.g.
# [24/Nov/2026:15:40:00 +0000] 127.0.0.1 GET /sparql 200 512 0.003214s
# time, client, method, path (percent-encoded, without the query string), status, bytes sent,
# seconds taken. Warnings and errors go to standard error.
ACCESS_LOG_FORMAT = "%(t)s %(h)s %(m)s %(U)s %(s)s %(b)s %(L)ss"


def ready_line(triples: int, host: str, port: int) -> str:
    """What serve prints once it accepts connections: where the endpoint and query page are."""
    base = f"http://{host}:{port}"
    return f"kgraph: serving {triples} triples at {base}/sparql (query page {base}/query)"


class GunicornServer(BaseApplication):
    """gunicorn around an app that is already built, so the store is loaded once, before forking."""

    def __init__(self, app: Flask, options: dict[str, object]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        """Apply the options; nothing is read from the command line or a gunicorn.conf.py."""
        assert self.cfg is not None
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        """The app, built by the caller."""
        return self.application


def reserve_port(host: str, port: int) -> socket.socket:
    """A socket bound to host:port, not listening, with SO_REUSEPORT: it settles the port when
    port is 0 and keeps other programs off it, while each worker listens on a socket of its own
    beside it and the kernel spreads new connections over them. (With one listening socket
    shared by every worker, the first worker to wake takes a burst of connections and keeps
    them while the others idle.) CannotListen when the address is taken or not ours."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise CannotListen(f"cannot listen on {_url_host(host)}:{port}: {exc.strerror}") from None
    return sock


def announce_when_all_listen(started: Synchronized, workers: int, line: str) -> None:
    """Count this worker as listening; the last of the first workers to do so prints line: the
    server says it is ready once every worker takes connections (a worker that took none would
    never get the ones opened before it listened), and a worker started later says nothing."""
    with started.get_lock():
        started.value += 1
        last = started.value == workers
    if last:
        os.write(sys.stdout.fileno(), (line + "\n").encode())


class AccessLogger(Logger):
    """gunicorn's logger with the path percent-encoded, so a request is always one log line."""

    def atoms(
        self, resp: Any, req: object, environ: dict[str, str], request_time: timedelta
    ) -> dict[str, object]:
        """The atoms ACCESS_LOG_FORMAT uses, %(U)s made safe to print (gunicorn's own method
        also copies every request and response header, on every request)."""
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        sent = getattr(resp, "sent", None)
        path = environ.get("PATH_INFO") or "/"
        return {
            "t": self.now(),
            "h": environ.get("REMOTE_ADDR", "-"),
            "m": environ.get("REQUEST_METHOD"),
            "U": quote(path, safe="/:@!$&'()*+,;=-._~", encoding="latin-1", errors="replace"),
            "s": status,
            "b": "-" if sent is None else str(sent),
            "L": f"{request_time.seconds}.{request_time.microseconds:06d}",
        }


class PlainSyncWorker(PlainErrors, KgraphSyncWorker):
    """The sync worker (--threads 1), its own error answers in the one error shape."""


class GracefulThreadWorker(PlainErrors, KgraphThreadWorker):
    """gunicorn's gthread worker, closing its listening sockets as soon as SIGTERM stops it
    accepting: new clients are refused at once instead of waiting in the backlog, unanswered,
    until the requests in flight are done and then being reset."""

    def set_accept_enabled(self, enabled: bool) -> None:
        """Stop or start accepting; when stopping for good, stop listening too."""
        super().set_accept_enabled(enabled)
        if not enabled and not self.alive:
            for listener in self.sockets:
                listener.close()


def serve_gunicorn(
    app: Flask, host: str, port: int, workers: int, threads: int, access_log: bool = True
) -> None:
    """Serve app with gunicorn workers (threaded when threads > 1) until stopped; SIGTERM stops
    it gracefully (requests in flight are answered, for up to gunicorn's graceful timeout)."""
    store = app.extensions["kgraph_store"]
    getattr(store, "inner", store).prepare_for_fork()  # counted once, shared by the workers
    triples = len(store)
    store.close()  # a folder store's database reopens in each worker: RocksDB does not fork
    reserved = reserve_port(host, port)
    bound_host, bound_port = reserved.getsockname()[:2]
    started = multiprocessing.Value("i", 0)  # shared with the workers: how many listen
    line = ready_line(triples, _url_host(bound_host), bound_port)
    options: dict[str, object] = {
        "bind": f"[{bound_host}]:{bound_port}" if ":" in host else f"{bound_host}:{bound_port}",
        "reuse_port": True,  # a listening socket per worker: see reserve_port
        "workers": workers,
        "threads": threads,
        "worker_class": GracefulThreadWorker if threads > 1 else PlainSyncWorker,
        "preload_app": True,
        "accesslog": "-" if access_log else None,
        "access_log_format": ACCESS_LOG_FORMAT,
        "logger_class": AccessLogger,
        "errorlog": "-",
        "loglevel": "warning",
        # The app answers an over-long URL 414 (KGRAPH_MAX_URL_BYTES); past gunicorn's own
        # ceiling the workers answer it, in the same shape.
        "limit_request_line": request_line_limit(app.config["KGRAPH_SETTINGS"].max_url_bytes),
        # Each worker starts its query processes before it starts threads, and stops them.
        "post_fork": lambda arbiter, worker: store.start(),
        "worker_exit": lambda arbiter, worker: store.stop(),
        # The ready line comes once every worker listens (the master itself does not listen).
        "post_worker_init": lambda worker: announce_when_all_listen(started, workers, line),
    }

    # Objects made so far move out of the collector's reach: a collection in a forked worker
    # would write to each of them and so copy every page that holds one.
    gc.freeze()
    try:
        GunicornServer(app, options).run()
    finally:
        reserved.close()


def serve_debug(app: Flask, host: str, port: int) -> None:
    """Serve app with Flask's (werkzeug's) development server in debug mode, one process."""
    from werkzeug.serving import make_server

    app.debug = True
    app.extensions["kgraph_store"].start()  # query processes fork before the server's threads
    server = make_server(host, port, app, threaded=True)
    print(ready_line(len(app.extensions["kgraph_store"]), _url_host(host), server.port), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)
    finally:
        server.server_close()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
