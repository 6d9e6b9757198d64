"""Choose a response format from a format parameter or the Accept header's q-values (RFC 9110)."""

from __future__ import annotations

from collections.abc import Sequence

from werkzeug.datastructures import MIMEAccept

from kgraph.errors import NotAcceptable
from kgraph.results import ResultFormat


def negotiate(
    offered: Sequence[ResultFormat],
    accept: MIMEAccept,
    requested: Sequence[str] = (),
    what: str = "this response",
) -> ResultFormat:
    """The format to answer in: the first requested one offered, else the best by Accept.

    offered[0] answers an absent Accept or */*; ties go to the earlier offered format.
    Raises NotAcceptable, naming what is offered, when nothing requested or acceptable is.
    """
    if requested:
        for value in requested:
            for fmt in offered:
                if fmt.selected_by(value):
                    return fmt
        raise NotAcceptable(
            f"format {', '.join(requested)!s} is not available for {what}; {available(offered)}"
        )
    if not accept:
        return offered[0]
    best, best_q = None, 0.0
    for fmt in offered:
        q = quality(fmt, accept)
        if q > best_q:
            best, best_q = fmt, q
    if best is None:
        raise NotAcceptable(
            f"nothing in Accept: {accept.to_header()} is available for {what}; {available(offered)}"
        )
    return best


def available(offered: Sequence[ResultFormat]) -> str:
    """One line listing what can be asked for, by media type and format name."""
    return "available: " + ", ".join(f"{f.media_type} (format={f.name})" for f in offered)


def quality(fmt: ResultFormat, accept: MIMEAccept) -> float:
    """The q-value Accept gives fmt: the most specific range matching its media type decides.

    An alias media type (application/json for SPARQL JSON) counts only when named exactly.
    """
    qualities = [_quality_of(fmt.media_type, accept)]
    qualities += [_quality_of(a, accept, exact=True) for a in fmt.aliases if "/" in a]
    return max(qualities)


def _quality_of(media_type: str, accept: MIMEAccept, exact: bool = False) -> float:
    main, _, sub = media_type.partition("/")
    best_specificity, best_q = 0, 0.0
    for value, q in accept:
        rng = value.split(";")[0].strip().lower()
        r_main, _, r_sub = rng.partition("/")
        if rng in ("*", "*/*"):
            specificity = 1
        elif r_main == main and r_sub == "*":
            specificity = 2
        elif r_main == main and r_sub == sub:
            specificity = 3
        else:
            continue
        if exact and specificity < 3:
            continue
        if specificity > best_specificity or (specificity == best_specificity and q > best_q):
            best_specificity, best_q = specificity, q
    return best_q
