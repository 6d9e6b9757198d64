"""The messages between a server process and its query workers, over a real socket pair."""

from __future__ import annotations

import socket
import threading

import pytest

from kgraph.capped import Answer
from kgraph.executor import Job, plain, receive_message, send_message


def test_a_job_and_an_answer_cross_as_plain_tuples_and_come_back_equal() -> None:
    job = Job("answer", "SELECT * { ?s ?p ?o }", ("http://a/",), (), 10, (), ("SELECT",))
    found = Answer("SELECT", names=("s",), rows=((("u", "http://x/"),),), truncated=True)
    ours, theirs = socket.socketpair()
    with ours, theirs:
        send_message(ours, plain(job))
        assert Job(*receive_message(theirs)) == job
        send_message(theirs, plain(found))
        assert Answer(*receive_message(ours)) == found


def test_a_message_larger_than_one_read_arrives_whole() -> None:
    big = ("answer", b"x" * 3_000_000, "é" * 100_000)
    ours, theirs = socket.socketpair()
    with ours, theirs:
        # The writer blocks until the reader drains the socket, so it writes from a thread.
        writer = threading.Thread(target=send_message, args=(ours, big))
        writer.start()
        assert receive_message(theirs) == big
        writer.join()


def test_a_socket_closed_before_or_within_a_message_is_end_of_file() -> None:
    ours, theirs = socket.socketpair()
    with theirs:
        ours.close()
        with pytest.raises(EOFError):
            receive_message(theirs)
    ours, theirs = socket.socketpair()
    with theirs:
        ours.sendall(b"\x00\x00\x00\x00\x00\x00\x10\x00" + b"partial")
        ours.close()
        with pytest.raises(EOFError):
            receive_message(theirs)
