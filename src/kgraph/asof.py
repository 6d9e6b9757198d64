"""Dates as sources give them (a day, a month or a year), and the order of undated inspections.

The canned queries decide in SPARQL what a date can and cannot say about a role held on a day.
What SPARQL cannot do well lives here: real calendar periods for drawing them to scale, and
placing an inspection that no source dates after the inspection it followed.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

DAY, MONTH, YEAR = "day", "month", "year"
_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class Period:
    """The days a source's date may mean: one day, a whole month or a whole year."""

    first: date
    last: date
    precision: str
    text: str

    @classmethod
    def parse(cls, text: str) -> Period:
        """A period from an xsd:date, gYearMonth or gYear lexical form; ValueError if not one."""
        match = _PATTERN.match(text.strip())
        if not match:
            raise ValueError(f"not a date, month or year: {text!r}")
        year, month, day = match.groups()
        y = int(year)
        if day is not None:
            try:
                d = date(y, int(month), int(day))
            except ValueError:
                raise ValueError(f"not a date: {text!r}") from None
            return cls(d, d, DAY, text.strip())
        if month is not None:
            m = int(month)
            if not 1 <= m <= 12:
                raise ValueError(f"not a month: {text!r}")
            return cls(date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1]), MONTH, text.strip())
        return cls(date(y, 1, 1), date(y, 12, 31), YEAR, text.strip())

    def contains(self, day: date) -> bool:
        """True when the day is one the period may mean."""
        return self.first <= day <= self.last

    @property
    def middle(self) -> date:
        """The day halfway through: where a mark for the whole period is drawn."""
        return date.fromordinal((self.first.toordinal() + self.last.toordinal()) // 2)


def parse_period(text: object) -> Period | None:
    """A period from a query value, or None when the value is absent."""
    if text is None or str(text).strip() == "":
        return None
    return Period.parse(str(text))


def year_span(periods: Iterable[Period | None], minimum_years: int = 1) -> tuple[date, date]:
    """Whole years covering the periods: 1 January of the first to 1 January after the last."""
    present = [p for p in periods if p is not None]
    if not present:
        raise ValueError("no dated period to span")
    first = min(p.first for p in present).year
    last = max(p.last for p in present).year
    last = max(last, first + minimum_years - 1)
    return date(first, 1, 1), date(last + 1, 1, 1)


@dataclass(frozen=True)
class Placed:
    """An inspection in order: its date, or the dated inspections it falls between when undated."""

    iri: str
    date: Period | None
    after: Period | None = None
    before: Period | None = None

    @property
    def undated(self) -> bool:
        return self.date is None


def order_inspections(items: Sequence[tuple[str, Period | None, str | None]]) -> list[Placed]:
    """(iri, date or None, previous iri or None) in time order, each undated one after the one it
    followed (kg:previousInspection), chains of undated ones in turn; an undated inspection whose
    predecessor is unknown, undated without a dated ancestor, or in a cycle goes last.
    """
    by_iri = {iri: (when, previous) for iri, when, previous in items}
    dated = sorted(
        (iri for iri, (when, _) in by_iri.items() if when is not None),
        key=lambda iri: (by_iri[iri][0].last, by_iri[iri][0].first, iri),  # type: ignore[union-attr]
    )
    followers: dict[str, list[str]] = {}
    for iri, (when, previous) in sorted(by_iri.items()):
        if when is None and previous in by_iri and previous != iri:
            followers.setdefault(previous, []).append(iri)
    order: list[str] = []
    seen: set[str] = set()

    def visit(iri: str) -> None:
        if iri in seen:
            return
        seen.add(iri)
        order.append(iri)
        for follower in followers.get(iri, []):
            visit(follower)

    for iri in dated:
        visit(iri)
    order += sorted(iri for iri in by_iri if iri not in seen)

    placed: list[Placed] = []
    for index, iri in enumerate(order):
        when = by_iri[iri][0]
        if when is not None:
            placed.append(Placed(iri, when))
            continue
        earlier = [by_iri[o][0] for o in order[:index] if by_iri[o][0] is not None]
        later = [by_iri[o][0] for o in order[index + 1 :] if by_iri[o][0] is not None]
        reached = _has_dated_ancestor(iri, by_iri)
        placed.append(
            Placed(
                iri,
                None,
                after=earlier[-1] if earlier and reached else None,
                before=later[0] if later and reached else None,
            )
        )
    return placed


def _has_dated_ancestor(iri: str, by_iri: dict[str, tuple[Period | None, str | None]]) -> bool:
    """True when following kg:previousInspection from iri reaches a dated inspection."""
    seen = {iri}
    current = by_iri[iri][1]
    while current in by_iri and current not in seen:
        if by_iri[current][0] is not None:
            return True
        seen.add(current)
        current = by_iri[current][1]
    return False
