"""gunicorn's own error answers (a malformed request line or header, before the app sees the
request) in the endpoint's one error shape: one plain-text line, not an HTML page."""

from __future__ import annotations

import contextlib
import html
import re

from gunicorn.util import write_nonblock

_STATUS = re.compile(rb"^HTTP/1\.[01] (\d{3}) ([^\r\n]*)")
_HTML_MESSAGE = re.compile(r"</h1>\s*(.*?)\s*</body>", re.DOTALL)


class _Capture:
    """Stands in for the client socket while gunicorn writes its error answer."""

    def __init__(self) -> None:
        self.data = bytearray()

    def gettimeout(self) -> float:
        return 0.0

    def setblocking(self, flag: bool) -> None:
        pass

    def sendall(self, data: bytes) -> None:
        self.data += data

    def send(self, data: bytes) -> int:
        self.data += data
        return len(data)


def plain_error(answer: bytes) -> bytes:
    """gunicorn's HTML error answer as `<status> <title>: <reason>`; other answers unchanged."""
    head, _, body = answer.partition(b"\r\n\r\n")
    status = _STATUS.match(head)
    if status is None or b"text/html" not in head.lower():
        return answer
    code, title = int(status.group(1)), status.group(2).decode("latin-1")
    found = _HTML_MESSAGE.search(body.decode("utf-8", "replace"))
    reason = html.unescape(found.group(1)) if found else ""
    if code >= 500:
        reason = "the server failed; see its log"
    reason = " ".join("".join(c if c.isprintable() else "?" for c in reason).split()) or title
    line = f"{code} {title}: {reason[:500]}\n".encode()
    return (
        f"HTTP/1.1 {code} {title}\r\nConnection: close\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nAccess-Control-Allow-Origin: *\r\n"
        f"Content-Length: {len(line)}\r\n\r\n"
    ).encode("latin-1") + line


class PlainErrors:
    """A gunicorn worker mixin: its error answers in the one error shape."""

    def handle_error(self, req, client, addr, exc):  # type: ignore[no-untyped-def]
        """gunicorn's answer, written to a stand-in, then sent in the one error shape."""
        capture = _Capture()
        super().handle_error(req, capture, addr, exc)  # type: ignore[misc]
        if capture.data:
            with contextlib.suppress(OSError):  # the client may have gone
                write_nonblock(client, plain_error(bytes(capture.data)))
