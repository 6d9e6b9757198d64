"""What a SPARQL query's text says, read without a parser: its form, SERVICE, where VALUES go.

Oxigraph parses in Rust and needs no lock, but it fetches SERVICE graphs itself and exposes no
parse tree; these token-level checks let the Oxigraph and remote stores refuse SERVICE before a
query runs, and bind parameters through a VALUES block on a remote server.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from rdflib import Literal, URIRef
from rdflib.term import Node

from kgraph.errors import BadParameter, KgraphError

# Strings (long forms first), IRIs and comments: the parts of a query whose words are not keywords.
_OPAQUE = re.compile(
    r"'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|<[^<>\"{}|^`\\\x00-\x20]*>"
    r"|#[^\n\r]*",
    re.DOTALL,
)
# A keyword is not part of a variable (?x $x), prefixed name (p:x x:), or longer word.
_KEYWORD = r"(?<![\w:?$\-]){word}(?![\w:\-])"
_SERVICE = re.compile(_KEYWORD.format(word="SERVICE"), re.IGNORECASE)
_FORM = re.compile(_KEYWORD.format(word="(SELECT|ASK|CONSTRUCT|DESCRIBE)"), re.IGNORECASE)
_MODIFIER = re.compile(r"\s+(?:DISTINCT|REDUCED)(?![\w:\-])", re.IGNORECASE)
_SILENT = re.compile(r"SILENT(?![\w:\-])", re.IGNORECASE)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_BRACKET = re.compile(r"[(){]")
_IRI_SAFE = re.compile(r"^[^<>\"{}|^`\\\x00-\x20]*$")


def masked(text: str) -> str:
    """The query with strings, IRIs and comments blanked out, same length, so offsets still hold."""
    return _OPAQUE.sub(_blank, text)


def _blank(match: re.Match[str]) -> str:
    return " " * (match.end() - match.start())


def unescaped(text: str) -> str:
    """The query with \\uXXXX and \\UXXXXXXXX escapes decoded, as SPARQL parsers do before
    parsing, so an escaped keyword or IRI cannot slip past the checks here."""

    def decode(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group(0)

    return _ESCAPE.sub(decode, text)


def uses_service(text: str) -> bool:
    """True when the query has a SERVICE clause (or is too odd to tell, erring on refusal)."""
    if "\\" not in text and not _SERVICE.search(text):
        # No such word, nor an escape that could spell it: the common case, cheap. Blanking
        # strings, IRIs and comments cannot make a match the raw text lacks: their ends are
        # no word characters either.
        return False
    return any(_SERVICE.search(masked(t)) for t in (text, unescaped(text)))


def service_targets(text: str) -> list[str]:
    """What each SERVICE clause calls: '<iri>', or the variable or prefixed name written there."""
    plain_text = unescaped(text)
    plain = masked(plain_text)
    targets = []
    for match in _SERVICE.finditer(plain):
        at = _skip_space(plain, plain_text, match.end())
        silent = _SILENT.match(plain, at)
        if silent:
            at = _skip_space(plain, plain_text, silent.end())
        if plain_text.startswith("<", at) and ">" in plain_text[at:]:
            targets.append(plain_text[at : plain_text.index(">", at) + 1])
        else:
            targets.append((plain_text[at:].split("{")[0].split() or [""])[0])
    return targets


def refuse_service(text: str, allowed: Sequence[str] = ()) -> None:
    """Raise the endpoint's SERVICE refusal unless every SERVICE clause calls an IRI that starts
    with an allowed prefix (KGRAPH_SERVICE_ALLOW)."""
    if not uses_service(text):
        return
    if not allowed:
        raise KgraphError(
            "SERVICE (federated query) is not supported: this endpoint queries only its own "
            "graphs (KGRAPH_SERVICE_ALLOW is empty)"
        )
    targets = service_targets(text)
    if not targets:
        raise KgraphError("SERVICE is refused: the clause's target cannot be read")
    for target in targets:
        refuse_service_target(target, allowed)


def refuse_service_target(target: str, allowed: Sequence[str]) -> None:
    """Raise unless target ('<iri>') is an absolute http(s) IRI under an allowed prefix."""
    iri = target[1:-1] if target.startswith("<") and target.endswith(">") else None
    if iri is None or not iri.lower().startswith(("http://", "https://")):
        raise KgraphError(
            f"SERVICE {target or '(nothing)'} is refused: SERVICE needs an absolute http(s) "
            "IRI written in full, <...>"
        )
    if not any(iri.startswith(prefix) for prefix in allowed):
        raise KgraphError(
            f"SERVICE <{iri}> is refused: it is not under a prefix in KGRAPH_SERVICE_ALLOW"
        )


def _skip_space(plain: str, text: str, at: int) -> int:
    """The offset of the next token: past white space and comments, stopping at an IRI."""
    while at < len(plain) and plain[at].isspace() and text[at] != "<":
        at += 1
    return at


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the query's first form keyword (SELECT if none)."""
    match = _FORM.search(masked(text))
    return match.group(1).upper() if match else "SELECT"


def term_text(term: Node) -> str:
    """A term as SPARQL syntax, refusing an IRI that could end the IRI early."""
    if isinstance(term, URIRef):
        if not _IRI_SAFE.match(str(term)):
            raise BadParameter(f"not an IRI that can be bound: {str(term)!r}")
        return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3()
    raise BadParameter(f"cannot bind {type(term).__name__} {term!r} on a remote store")


def with_values(text: str, bindings: Mapping[str, Node], at: int | None = None) -> str:
    """The query with a VALUES block opening its WHERE group: bound values, never pasted inline.

    The block joins the pattern from its start, as rdflib's initBindings and Oxigraph's
    substitutions do for the queries kgraph runs.
    """
    if not bindings:
        return text
    names = list(bindings)
    return with_value_rows(text, names, [[bindings[n] for n in names]], at)


def with_value_rows(
    text: str, names: Sequence[str], rows: Sequence[Sequence[Node]], at: int | None = None
) -> str:
    """The query with a VALUES block of several rows opening its WHERE group (whose '{' is at
    offset at, when known: see where_brace)."""
    lines = " ".join("(" + " ".join(term_text(term) for term in row) + ")" for row in rows)
    block = f" VALUES ({' '.join('?' + n for n in names)}) {{ {lines} }}"
    at = where_brace(text) if at is None else at
    return text[: at + 1] + block + text[at + 1 :]


def where_brace(text: str) -> int:
    """Offset of the '{' opening the query's WHERE group; BadParameter when it has none."""
    return _where_brace(masked(text))


class CheckedTexts:
    """Query texts already read: free of SERVICE, and where their WHERE group opens (-1: no
    WHERE group). A store answers the same canned and page queries again and again, and clients
    repeat theirs, while reading a long text costs more than answering a small query. Bounded
    in texts and in their length (at most 8 MiB of text); threads may share it (a race only
    repeats a reading)."""

    def __init__(self, limit: int = 512, longest: int = 16_384) -> None:
        self.limit = limit
        self.longest = longest
        self._free: dict[str, None] = {}
        self._where: dict[str, int] = {}

    def refuse_service(self, text: str) -> None:
        """refuse_service(text) (no SERVICE allowed), once per text."""
        if text not in self._free:
            refuse_service(text)
            if len(self._free) < self.limit and len(text) <= self.longest:
                self._free[text] = None

    def check(self, text: str) -> int:
        """refuse_service(text), then the offset of its WHERE group's '{', or -1."""
        self.refuse_service(text)
        at = self._where.get(text)
        if at is None:
            try:
                at = where_brace(text)
            except BadParameter:
                at = -1
            if len(self._where) < self.limit and len(text) <= self.longest:
                self._where[text] = at
        return at


def with_projected(text: str, names: list[str]) -> str:
    """The query with variables added to its outermost SELECT list (Oxigraph substitutes only
    projected variables); unchanged when it selects * or is not a SELECT."""
    plain = masked(text)
    form = _FORM.search(plain)
    if form is None or form.group(1).upper() != "SELECT":
        return text
    rest = _MODIFIER.match(plain, form.end())
    at = rest.end() if rest else form.end()
    if plain[at:].lstrip().startswith("*"):
        return text
    return text[:at] + " " + " ".join("?" + n for n in names) + " " + text[at:]


def _where_brace(plain: str) -> int:
    """Offset of the '{' opening the WHERE group of a masked query."""
    form = _FORM.search(plain)
    if form is None:
        raise BadParameter(
            "cannot bind parameters: the query has no SELECT, ASK, CONSTRUCT or DESCRIBE"
        )
    i = form.end()
    if form.group(1).upper() == "CONSTRUCT":
        rest = plain[i:].lstrip()
        if rest.startswith("{"):  # the template; WHERE comes after it
            i = _matching_brace(plain, plain.index("{", i)) + 1
    depth = 0
    for match in _BRACKET.finditer(plain, i):  # bracket to bracket, not character by character
        c = match.group()
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif depth == 0:
            return match.start()
    raise BadParameter("cannot bind parameters: the query has no WHERE group")


def _matching_brace(plain: str, start: int) -> int:
    depth = 0
    for j in range(start, len(plain)):
        if plain[j] == "{":
            depth += 1
        elif plain[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    raise BadParameter("cannot bind parameters: unbalanced braces in the query")
