"""Errors that carry their HTTP status and CLI exit code, so one renderer can show any of them."""


class KgraphError(Exception):
    """A user-facing failure with a one-line reason; never a stack trace."""

    status: int = 400
    exit_code: int = 1
    title: str = "Bad request"

    def __init__(self, reason: str, *, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = " ".join(str(reason).split())
        if status is not None:
            self.status = status

    def to_dict(self) -> dict[str, object]:
        """The one error shape of the JSON API."""
        return {"error": self.title, "status": self.status, "reason": self.reason}


class ParseError(KgraphError):
    """An RDF file that does not parse; the reason names file and line."""

    status = 400
    exit_code = 2
    title = "Parse error"


class QuerySyntaxError(KgraphError):
    status = 400
    exit_code = 2
    title = "Malformed query"


class BadParameter(KgraphError):
    status = 400
    exit_code = 2
    title = "Bad parameter"


class NotFound(KgraphError):
    status = 404
    exit_code = 1
    title = "Not found"


class MethodNotAllowed(KgraphError):
    status = 405
    title = "Method not allowed"


class NotAcceptable(KgraphError):
    status = 406
    title = "Not acceptable"


class UnsupportedMediaType(KgraphError):
    status = 415
    title = "Unsupported media type"


class Forbidden(KgraphError):
    status = 403
    title = "Forbidden"


class StoreUnavailable(KgraphError):
    """The store cannot be reached or opened: a remote server down, a folder that is no store."""

    status = 503
    exit_code = 1
    title = "Store unavailable"


class QueryTimeout(KgraphError):
    """A query ran past its time limit and its worker was stopped."""

    status = 503
    exit_code = 3
    title = "Query timeout"


class QueryOutOfMemory(KgraphError):
    """A query's worker process died before answering, most likely past its memory limit."""

    status = 503
    exit_code = 3
    title = "Query out of memory"


class PayloadTooLarge(KgraphError):
    status = 413
    exit_code = 2
    title = "Payload too large"


class UriTooLong(KgraphError):
    status = 414
    exit_code = 2
    title = "URI too long"


class CannotListen(KgraphError):
    """The server cannot listen where it was asked to: the port is taken, or not allowed."""

    exit_code = 1
    title = "Cannot listen"
