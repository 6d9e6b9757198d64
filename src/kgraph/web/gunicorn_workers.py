"""gunicorn workers that refuse an over-long request line in the endpoint's own error shape.

gunicorn reads the request line before the app sees anything, up to limit_request_line (8190
bytes at most; 0 would lift it and let one request line grow without bound in memory). Past it,
gunicorn answers 414 in HTML; these workers answer the endpoint's plain-text error line instead.
"""

from __future__ import annotations

import contextlib

from gunicorn.http.errors import LimitRequestLine
from gunicorn.util import write_nonblock
from gunicorn.workers.gthread import ThreadWorker
from gunicorn.workers.sync import SyncWorker

from kgraph.errors import UriTooLong

# gunicorn's ceiling on limit_request_line; the request line adds the method and the version.
GUNICORN_MAX_LINE = 8190
LINE_OVERHEAD = len("OPTIONS  HTTP/1.1")


def request_line_limit(max_url_bytes: int) -> int:
    """The limit_request_line that lets the app itself refuse URLs over max_url_bytes."""
    return min(GUNICORN_MAX_LINE, max_url_bytes + LINE_OVERHEAD)


def write_uri_too_long(sock: object, line_limit: int) -> None:
    """Write the 414 answer, one plain line, and close the connection."""
    reason = (
        f"the URL is over the {line_limit - LINE_OVERHEAD} byte limit (KGRAPH_MAX_URL_BYTES); "
        "POST long queries as a form or application/sparql-query"
    )
    body = f"{UriTooLong.status} {UriTooLong.title}: {reason}\n".encode()
    head = (
        f"HTTP/1.1 {UriTooLong.status} URI Too Long\r\nConnection: close\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nAccess-Control-Allow-Origin: *\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode("latin-1")
    write_nonblock(sock, head + body)


class _LineLimit:
    def handle_error(self, req, client, addr, exc):  # type: ignore[no-untyped-def]
        """gunicorn's error answers, except an over-long request line, which is ours."""
        if isinstance(exc, LimitRequestLine):
            limit = self.cfg.limit_request_line  # type: ignore[attr-defined]
            with contextlib.suppress(OSError):
                write_uri_too_long(client, limit)
            return
        super().handle_error(req, client, addr, exc)  # type: ignore[misc]


class KgraphThreadWorker(_LineLimit, ThreadWorker):
    """gunicorn's gthread worker with the endpoint's 414."""


class KgraphSyncWorker(_LineLimit, SyncWorker):
    """gunicorn's sync worker with the endpoint's 414."""
