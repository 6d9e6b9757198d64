"""Protocol queries in worker processes that are killed when a query runs over time.

pyoxigraph cannot cancel a query and Rust code cannot be interrupted from Python, so a query that
may run away runs in a process of its own. A single-threaded "zygote", forked from the process
that holds the loaded store before that process starts threads, forks the workers on request and
hands back each one's socket (socket.send_fds): no process with threads ever forks. Workers share
the loaded store copy-on-write. A request thread sends a job to an idle worker and waits up to
the limit; past it, the worker is killed (SIGKILL), a new one takes its place, and the client gets
QueryTimeout. A worker may allocate a bounded amount of memory beyond what it shares (RLIMIT_AS):
a query that needs more makes it abort, and the client gets QueryOutOfMemory rather than the
machine running out. Each child dies with its parent (PR_SET_PDEATHSIG on Linux, and end of file
on its socket), so no query process outlives the server.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import pickle
import queue
import resource
import select
import signal
import socket
import struct
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NoReturn

from rdflib import Graph, URIRef
from rdflib.query import Result
from rdflib.term import Node

from kgraph.capped import (
    Answer,
    CappedResult,
    answer,
    parse_allowing,
    parse_to_run,
    to_result,
)
from kgraph.errors import (
    BadParameter,
    KgraphError,
    QueryOutOfMemory,
    QueryTimeout,
    StoreUnavailable,
)
from kgraph.protocol import ParsedQuery
from kgraph.results import sparql_json
from kgraph.settings import Settings
from kgraph.store import Store, Triple

_PR_SET_PDEATHSIG = 1
_PID = struct.Struct("!q")
# A message between a server process and a query worker: its length, then a pickle of plain
# tuples (no dataclass instance, no multiprocessing machinery: about a tenth of the CPU).
_LENGTH = struct.Struct("!Q")
_FIRST_READ = 1 << 16  # most answers arrive whole in the first read
# Signals a server process handles that its query processes must not: they die with it instead.
_RESET = ("SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH", "SIGTTIN", "SIGTTOU")


@dataclass(frozen=True)
class Job:
    """One request to a worker: parse a query ("parse"), or parse and answer it ("answer"): one
    round trip, a worker's round trip being most of a small query's cost."""

    kind: str
    text: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    max_rows: int = 0
    allowed: tuple[str, ...] = ()
    json_forms: tuple[str, ...] = ()  # forms (SELECT, ASK) whose answer to write as SPARQL JSON


def perform(store: Store, job: Job) -> object:
    """What a job asks of the store: a parse's form, or the capped Answer."""
    if job.kind == "parse":
        return parse_allowing(store, job.text, job.allowed).form
    parsed = parse_to_run(store, job.text, job.allowed)
    found = answer(
        store,
        parsed,
        job.default_graphs,
        job.named_graphs,
        job.max_rows,
        job.allowed,
        select_json="SELECT" in job.json_forms,
    )
    if found.form in job.json_forms and not found.json:
        return replace(found, rows=(), json=sparql_json(found, job.max_rows))
    return found


def plain(record: object) -> tuple[object, ...]:
    """A dataclass's fields in order, as they are (dataclasses.astuple copies them deeply)."""
    return tuple(vars(record).values())


def send_message(sock: socket.socket, message: object) -> None:
    """Write one message: its length, then its pickle, in one write when it is small."""
    data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    if len(data) < _FIRST_READ:
        sock.sendall(_LENGTH.pack(len(data)) + data)
    else:  # not copied to prepend the length
        sock.sendall(_LENGTH.pack(len(data)))
        sock.sendall(data)


def receive_message(sock: socket.socket) -> object:
    """Read one message (EOFError when the socket closes first): one read for most."""
    head = sock.recv(_FIRST_READ)
    while len(head) < _LENGTH.size:
        more = sock.recv(_FIRST_READ)
        if not more:
            raise EOFError("the socket closed before a whole message")
        head += more
    size = _LENGTH.unpack_from(head)[0]
    body: bytes | bytearray = head[_LENGTH.size :]
    if len(body) > size:
        raise EOFError("more than one message where one was expected")
    if len(body) < size:
        buffer = bytearray(size)
        buffer[: len(body)] = body
        view, got = memoryview(buffer), len(body)
        while got < size:
            read = sock.recv_into(view[got:])
            if not read:
                raise EOFError("the socket closed before a whole message")
            got += read
        body = buffer
    return pickle.loads(body)


@dataclass
class _Worker:
    pid: int
    sock: socket.socket
    readable: select.poll  # waits for the worker's answer up to the time limit

    @classmethod
    def on(cls, pid: int, fd: int) -> _Worker:
        """The worker pid, reached through its socket fd."""
        sock = socket.socket(fileno=fd)
        readable = select.poll()
        readable.register(sock, select.POLLIN)
        return cls(pid, sock, readable)

    def close(self) -> None:
        """Close this side of its socket."""
        self.sock.close()


class QueryPool:
    """Worker processes around one loaded store; start it before the process starts threads."""

    def __init__(
        self,
        store: Store,
        size: int,
        timeout: float,
        memory_mib: int = 0,
        recycle_mib: int = 0,
    ) -> None:
        self.store = store
        self.size = max(1, size)
        self.timeout = timeout
        self.memory_mib = memory_mib
        self.recycle_mib = recycle_mib
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._zygote_pid = 0
        self._control: socket.socket | None = None
        self._spawn_lock = threading.Lock()
        self._workers: dict[int, _Worker] = {}
        self._owner = 0

    def start(self) -> QueryPool:
        """Fork the zygote and the workers."""
        ours, theirs = socket.socketpair()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            ours.close()
            _zygote(self.store, theirs, parent, self.memory_mib, self.recycle_mib)
        theirs.close()
        self._zygote_pid, self._control, self._owner = pid, ours, parent
        for _ in range(self.size):
            self._idle.put(self._spawn())
        return self

    def pids(self) -> list[int]:
        """The zygote's and the workers' process ids."""
        return [self._zygote_pid, *self._workers]

    def _spawn(self) -> _Worker:
        with self._spawn_lock:
            if self._control is None:
                raise StoreUnavailable("the query workers have been stopped")
            try:
                self._control.sendall(b"s")
                message, fds, _, _ = socket.recv_fds(self._control, _PID.size, 1)
            except OSError as exc:
                raise StoreUnavailable(f"cannot start a query worker: {exc}") from exc
            if len(message) != _PID.size or len(fds) != 1:
                raise StoreUnavailable("cannot start a query worker: the zygote has stopped")
            worker = _Worker.on(_PID.unpack(message)[0], fds[0])
            self._workers[worker.pid] = worker
            return worker

    def _retire(self, worker: _Worker, kill: bool = True) -> None:
        """Kill a worker (or let it end by itself) and put a new one in its place."""
        self._workers.pop(worker.pid, None)
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.pid, signal.SIGKILL)
        worker.close()
        self._idle.put(self._spawn())

    def call(self, job: Job) -> object:
        """Send a job to an idle worker and wait for its answer, up to the time limit."""
        limit = self.timeout
        try:
            worker = self._idle.get(timeout=limit)
        except queue.Empty:
            raise QueryTimeout(
                f"all {self.size} query workers stayed busy for the {limit:g} s limit "
                "(KGRAPH_QUERY_TIMEOUT); try again"
            ) from None
        try:
            send_message(worker.sock, plain(job))
            if not worker.readable.poll(limit * 1000):
                self._retire(worker)
                raise QueryTimeout(
                    f"the query ran past the {limit:g} s limit (KGRAPH_QUERY_TIMEOUT) "
                    "and was stopped"
                )
            status, spent, *reply = receive_message(worker.sock)  # type: ignore[misc]
        except (EOFError, OSError) as exc:
            self._retire(worker)
            if self.memory_mib:
                raise QueryOutOfMemory(
                    "the query's worker process stopped before it answered, most likely past "
                    f"the {self.memory_mib} MiB memory limit (KGRAPH_QUERY_MEMORY)"
                ) from exc
            raise StoreUnavailable("the query worker stopped before it answered") from exc
        if spent:  # it copied its share of the store's pages, and ends: a fresh one takes over
            self._retire(worker, kill=False)
        else:
            self._idle.put(worker)
        if status == "ok":
            return reply[0]
        if status == "answer":
            return Answer(*reply)
        if status == "error":
            cls, reason, status_code = reply
            error = cls(reason)
            error.status = status_code
            raise error
        raise RuntimeError(f"query worker failed: {reply[0]}")

    def stop(self) -> None:
        """Kill the workers and the zygote; idempotent, and a no-op in a forked child."""
        if self._control is None or os.getpid() != self._owner:
            return
        for worker in list(self._workers.values()):
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.pid, signal.SIGKILL)
            worker.close()
        self._workers.clear()
        self._control.close()
        self._control = None
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._zygote_pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self._zygote_pid, 0)


class _PageCount:
    """The memory this process has made its own since it started counting: its minor page
    faults, each a page copied from what it shares with the server (or first touched)."""

    def __init__(self) -> None:
        self.start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt

    def mib(self) -> float:
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - self.start
        return faults * os.sysconf("SC_PAGE_SIZE") / 2**20


def _die_with_parent(parent: int) -> None:
    """Reset the server's signal handlers and ask Linux to kill this process with its parent."""
    for name in _RESET:
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the server, which stops us
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: end of file on the socket still ends the process
    if os.getppid() != parent:
        os._exit(0)


def _close_listening_sockets() -> None:
    """Close the server's listening sockets that a fork inherited: a query process never
    accepts, and its copy would keep the port open after the server stops listening."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return  # not Linux
    for fd in fds:
        try:
            with socket.fromfd(fd, socket.AF_INET, socket.SOCK_STREAM) as probe:
                listening = probe.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
        except OSError:
            continue  # not a socket, or already closed
        if listening:
            os.close(fd)


def _limit_memory(mib: int) -> None:
    """Let this process allocate mib MiB beyond its present address space, which it shares
    copy-on-write with the server: past that, allocation fails and the process aborts."""
    if not mib:
        return
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return  # not Linux: no limit
    limit = pages * os.sysconf("SC_PAGE_SIZE") + mib * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _zygote(
    store: Store, control: socket.socket, parent: int, memory_mib: int, recycle_mib: int
) -> NoReturn:
    """Fork a worker for each byte received; send back its pid and socket. Never returns."""
    try:
        _die_with_parent(parent)
        _close_listening_sockets()
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped as they die
        me = os.getpid()
        while control.recv(1):
            ours, theirs = socket.socketpair()
            pid = os.fork()
            if pid == 0:
                control.close()
                ours.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                _limit_memory(memory_mib)
                _worker(store, theirs, me, recycle_mib)
            theirs.close()
            socket.send_fds(control, [_PID.pack(pid)], [ours.fileno()])
            ours.close()
    finally:
        os._exit(0)


def _worker(store: Store, sock: socket.socket, parent: int, recycle_mib: int = 0) -> NoReturn:
    """Answer jobs until the socket closes, or until this process has copied recycle_mib MiB of
    pages (then it says so with its answer, and ends). Never returns."""
    try:
        _die_with_parent(parent)
        copied = _PageCount()
        while True:
            try:
                job = Job(*receive_message(sock))  # type: ignore[misc]
            except (EOFError, OSError):
                break
            try:
                found = perform(store, job)
                if isinstance(found, Answer):  # as a plain tuple: see _LENGTH
                    reply: tuple[object, ...] = ("answer", *plain(found))
                else:
                    reply = ("ok", found)
            except KgraphError as exc:
                reply = ("error", type(exc), exc.reason, exc.status)
            except MemoryError:
                reason = "the query needed more memory than its limit (KGRAPH_QUERY_MEMORY)"
                reply = ("error", QueryOutOfMemory, reason, QueryOutOfMemory.status)
            except Exception as exc:  # reported to the server, which logs it and answers 500
                reply = ("crash", f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}")
            spent = bool(recycle_mib) and copied.mib() >= recycle_mib
            try:
                send_message(sock, (reply[0], spent, *reply[1:]))
            except (OSError, ValueError):
                break
            if spent:
                break
    finally:
        os._exit(0)


class GuardedStore(Store):
    """A store whose protocol queries (parse, run) are capped in rows and, once start() has
    run, answered by killable worker processes; everything else goes to the store it wraps."""

    def __init__(self, inner: Store, settings: Settings) -> None:
        super().__init__()
        self.inner = inner
        self.kind = inner.kind
        self.timeout = settings.query_timeout
        self.memory_mib = settings.query_memory
        self.recycle_mib = settings.query_recycle
        self.max_rows = settings.max_rows
        self.workers = settings.query_workers
        self.allowed = settings.allowed_services
        for prefix in self.allowed:
            if not prefix.lower().startswith(("http://", "https://")):
                raise BadParameter(f"KGRAPH_SERVICE_ALLOW: {prefix!r} is not an http(s) IRI prefix")
        self._pool: QueryPool | None = None

    @property
    def pool(self) -> QueryPool | None:
        """The worker processes, once started."""
        return self._pool

    def start(self, workers: int | None = None) -> GuardedStore:
        """Start the worker processes (not for a remote store, nor with no time limit).

        Call it in the process that will serve, before it starts threads.
        """
        if self._pool is None and self.timeout > 0 and self.inner.kind != "remote":
            size = self.workers if workers is None else workers
            self._pool = QueryPool(
                self.inner, size, self.timeout, self.memory_mib, self.recycle_mib
            ).start()
            atexit.register(self._pool.stop)
        return self

    def stop(self) -> None:
        """Stop the worker processes; queries then run in this process."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.stop()

    def parse(self, text: str) -> ParsedQuery:
        if self._pool is None:
            return parse_allowing(self.inner, text, self.allowed)
        form = self._pool.call(Job("parse", text, allowed=self.allowed))
        return ParsedQuery(text=text, form=str(form))

    def run(
        self,
        parsed: ParsedQuery,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
    ) -> CappedResult:
        if self._pool is not None:
            return self.parse_and_run(parsed.text, default_graphs, named_graphs)
        return to_result(self._answer_here(parsed, default_graphs, named_graphs), self.max_rows)

    def parse_and_run(
        self, text: str, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = ()
    ) -> CappedResult:
        """Parse then run; with workers, in one job."""
        return to_result(self.protocol_answer(text, default_graphs, named_graphs), self.max_rows)

    def protocol_answer(
        self,
        text: str,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        json_forms: Sequence[str] = (),
    ) -> Answer:
        """A protocol query's capped answer as plain data, parsed and run in one job; a SELECT
        or ASK answer whose form is in json_forms comes already written as SPARQL JSON."""
        if self._pool is None:
            parsed = parse_allowing(self.inner, text, self.allowed)
            return self._answer_here(parsed, default_graphs, named_graphs)
        job = Job(
            "answer",
            text,
            tuple(default_graphs),
            tuple(named_graphs),
            self.max_rows,
            self.allowed,
            tuple(json_forms),
        )
        found = self._pool.call(job)
        assert isinstance(found, Answer)
        return found

    def _answer_here(
        self, parsed: ParsedQuery, default_graphs: Sequence[str], named_graphs: Sequence[str]
    ) -> Answer:
        """The capped answer computed in this process (no workers started)."""
        return answer(
            self.inner,
            parsed,
            default_graphs,
            named_graphs,
            self.max_rows,
            self.allowed,
            self.timeout or None,
        )

    # Everything else is the wrapped store's: canned and page queries run in this process.

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> Result:
        return self.inner.query(sparql, bindings)

    @property
    def lock(self) -> threading.RLock:
        return self.inner.lock

    def graph_names(self) -> list[str]:
        return self.inner.graph_names()

    def __len__(self) -> int:
        return len(self.inner)

    def graph_size(self, name: str | None = None) -> int:
        return self.inner.graph_size(name)

    def load(self, path: Path, graph_name: str | None = None) -> int:
        return self.inner.load(path, graph_name)

    def triples(
        self,
        pattern: tuple[Node | None, Node | None, Node | None] = (None, None, None),
        graph_name: str | None = None,
    ) -> list[Triple]:
        return self.inner.triples(pattern, graph_name)

    def rdflib_graph(self, name: str | None = None) -> Graph:
        return self.inner.rdflib_graph(name)

    @property
    def default_graph(self) -> Graph:
        return self.inner.default_graph

    def graph(self, name: str | None = None) -> Graph:
        return self.inner.graph(name)

    def hash_parts(self, iri: URIRef) -> list[URIRef]:
        return self.inner.hash_parts(iri)

    def close(self) -> None:
        self.inner.close()

    def __getattr__(self, name: str) -> object:
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)
