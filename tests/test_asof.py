"""kgraph.asof: what a day, a month or a year covers, and where undated inspections go."""

from __future__ import annotations

from datetime import date

import pytest

from kgraph.asof import DAY, MONTH, YEAR, Period, order_inspections, year_span


@pytest.mark.parametrize(
    ("text", "first", "last", "precision"),
    [
        ("2013", date(2013, 1, 1), date(2013, 12, 31), YEAR),
        ("2014-04", date(2014, 4, 1), date(2014, 4, 30), MONTH),
        ("2013-05", date(2013, 5, 1), date(2013, 5, 31), MONTH),
        ("2016-02", date(2016, 2, 1), date(2016, 2, 29), MONTH),  # a leap year's February
        ("2015-02", date(2015, 2, 1), date(2015, 2, 28), MONTH),
        ("2012-07-10", date(2012, 7, 10), date(2012, 7, 10), DAY),
        (" 2012-07-10 ", date(2012, 7, 10), date(2012, 7, 10), DAY),
    ],
)
def test_a_date_covers_the_days_of_its_precision(
    text: str, first: date, last: date, precision: str
) -> None:
    period = Period.parse(text)
    assert (period.first, period.last, period.precision) == (first, last, precision)
    assert period.text == text.strip()


@pytest.mark.parametrize("text", ["", "13", "2013-13", "2013-00", "2015-02-29", "2013/07/01", "x"])
def test_what_is_not_a_date_month_or_year_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a"):
        Period.parse(text)


def test_a_year_contains_every_day_of_it_and_no_other() -> None:
    year = Period.parse("2013")
    assert year.contains(date(2013, 1, 1))
    assert year.contains(date(2013, 7, 1))
    assert year.contains(date(2013, 12, 31))
    assert not year.contains(date(2012, 12, 31))
    assert not year.contains(date(2014, 1, 1))


def test_a_day_is_no_evidence_for_the_next_year() -> None:
    assert not Period.parse("2012-07-10").contains(date(2013, 7, 1))
    assert Period.parse("2012-07-10").contains(date(2012, 7, 10))


def test_marks_sit_in_the_middle_of_what_they_may_mean() -> None:
    assert Period.parse("2012-07-10").middle == date(2012, 7, 10)
    assert Period.parse("2013-05").middle == date(2013, 5, 16)
    assert Period.parse("2015").middle == date(2015, 7, 2)


def test_year_span_covers_whole_years_and_a_minimum() -> None:
    periods = [Period.parse("2013-05"), None, Period.parse("2015")]
    assert year_span(periods) == (date(2013, 1, 1), date(2016, 1, 1))
    assert year_span([Period.parse("2013")], minimum_years=2) == (
        date(2013, 1, 1),
        date(2015, 1, 1),
    )
    with pytest.raises(ValueError):
        year_span([None])


def p(text: str) -> Period:
    return Period.parse(text)


def test_dated_inspections_go_in_time_order() -> None:
    placed = order_inspections(
        [("c", p("2015"), "b"), ("a", p("2012-06"), None), ("b", p("2013-06"), "a")]
    )
    assert [x.iri for x in placed] == ["a", "b", "c"]
    assert not any(x.undated for x in placed)


def test_an_undated_inspection_goes_after_the_one_it_followed() -> None:
    placed = order_inspections(
        [
            ("outstanding", None, "2015"),
            ("2012", p("2012-06"), None),
            ("2015", p("2015"), "2012"),
        ]
    )
    assert [x.iri for x in placed] == ["2012", "2015", "outstanding"]
    last = placed[-1]
    assert last.undated
    assert last.after == p("2015")
    assert last.before is None  # nothing dated follows it: it is drawn apart, as undated


def test_an_undated_inspection_between_dated_ones_knows_both() -> None:
    placed = order_inspections([("a", p("2010"), None), ("u", None, "a"), ("b", p("2014"), "u")])
    assert [x.iri for x in placed] == ["a", "u", "b"]
    assert (placed[1].after, placed[1].before) == (p("2010"), p("2014"))


def test_a_chain_of_undated_inspections_keeps_its_order() -> None:
    placed = order_inspections([("u2", None, "u1"), ("u1", None, "a"), ("a", p("2015"), None)])
    assert [x.iri for x in placed] == ["a", "u1", "u2"]
    assert placed[2].after == p("2015")


def test_undated_inspections_with_no_dated_ancestor_go_last_and_unplaced() -> None:
    placed = order_inspections(
        [
            ("lost", None, "missing"),
            ("loop1", None, "loop2"),
            ("loop2", None, "loop1"),
            ("a", p("2015"), None),
        ]
    )
    assert placed[0].iri == "a"
    assert {x.iri for x in placed[1:]} == {"lost", "loop1", "loop2"}
    assert all(x.after is None and x.before is None for x in placed[1:])
