"""kgraph.timeline: query rows in, SVG text out; what is drawn, where, and what it links to."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from kgraph.timeline import authority_timeline, organisation_timeline, person_timeline, wrap

SVG = "{http://www.w3.org/2000/svg}"
SRC = "https://w3id.org/kgraph/id/source/"


def href(iri: str) -> str:
    return iri.replace("https://w3id.org/kgraph/id/", "/id/")


def role(label: str, org: str, source: str = "900_test", **when: str) -> dict[str, object]:
    """A roles-of-person row."""
    m = f"https://w3id.org/kgraph/id/membership/{label}-{source}-{'-'.join(when.values())}"
    return {
        "role": f"https://w3id.org/kgraph/id/role/{label}",
        "roleLabel": label,
        "organisation": f"https://w3id.org/kgraph/id/organisation/{org}",
        "organisationLabel": org,
        "person": "https://w3id.org/kgraph/id/person/p",
        "personLabel": "P",
        "basis": f"held {when} according to {source}",
        "beginning": when.get("beginning"),
        "end": when.get("end"),
        "attested": when.get("attested"),
        "endedBefore": when.get("endedBefore"),
        "sourceId": source,
        "source": SRC + source,
        "membership": m,
    }


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg"
    return root


def with_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if name in (e.get("class") or "").split()]


def links(root: ET.Element) -> list[ET.Element]:
    return list(root.iter(SVG + "a"))


ROWS = [
    role("chair", "Board", beginning="2014-04", end="2016-03"),
    role("leader", "Council", beginning="2013-05"),
    role("member", "Council", end="2013-05"),
    role("director", "Council", "000_a", attested="2015"),
    role("director", "Council", "001_b", attested="2015"),
    role("director", "Council", "004_c", attested="2012-07-10"),
    role("mayor", "Council", endedBefore="2013"),
]


def test_bars_for_stated_times_marks_for_attestations_and_former_roles() -> None:
    root = parse(person_timeline(ROWS, href, "P"))
    bars = with_class(root, "bar")
    marks = with_class(root, "mark")
    assert len(bars) == 3
    assert len(marks) == 4
    assert len(with_class(root, "attested")) == 3
    assert len(with_class(root, "former")) == 1
    assert {tuple(sorted(b.get("class", "").split())) for b in bars} == {
        ("bar",),
        ("bar", "open-end"),
        ("bar", "open-start"),
    }
    assert root.get("data-bars") == "3" and root.get("data-marks") == "4"


def test_every_bar_and_mark_links_to_its_source_with_a_tooltip() -> None:
    root = parse(person_timeline(ROWS, href))
    anchors = links(root)
    assert len(anchors) == len(ROWS)
    for a in anchors:
        assert a.get("href", "").startswith("/id/source/")
        title = a.find(SVG + "title")
        assert title is not None and "according to" in (title.text or "")
        assert with_class(a, "bar") or with_class(a, "mark")
    assert {a.get("href") for a in anchors} >= {"/id/source/000_a", "/id/source/004_c"}


def test_precision_is_drawn_not_widened() -> None:
    root = parse(person_timeline(ROWS, href))
    bands = {e.get("data-precision") or "": e for e in with_class(root, "attested")}
    assert set(bands) == {"year", "day"}
    widths = [float(b.get("width", "0")) for b in with_class(root, "precision")]
    assert len(widths) == 2  # the two 2015 attestations: a year each; the day has none
    # a year's band is a year wide: the axis spans 2012 to 2016, five years over 384 units
    assert all(abs(w - 384 / 5) < 1 for w in widths)


def test_marks_at_the_same_place_are_set_apart() -> None:
    root = parse(person_timeline(ROWS, href))
    xs = [float(c.get("cx", "0")) for c in with_class(root, "attested")]
    assert len(set(xs)) == len(xs)


def test_it_fits_a_viewbox_400_wide_and_scales_to_its_width() -> None:
    root = parse(person_timeline(ROWS, href))
    x, y, width, height = map(float, (root.get("viewBox") or "").split())
    assert (x, y, width) == (0, 0, 400)
    assert height > 100
    assert root.get("width") == "100%"
    assert "height:auto" in (root.get("style") or "")
    for e in root.iter():
        for attr in ("x", "x1", "x2", "cx"):
            if e.get(attr) is not None:
                assert -1 <= float(e.get(attr, "0")) <= 401, (e.tag, attr, e.get(attr))
    assert not list(root.iter(SVG + "script"))


def test_text_is_escaped() -> None:
    rows = [role('<b>&"chair"', "A & B <Ltd>", attested="2013")]
    root = parse(organisation_timeline(rows, href))
    texts = " ".join(t.text or "" for t in root.iter(SVG + "text"))
    assert 'P · <b>&"chair"' in texts  # parsed back from escaped text


def test_nothing_dated_draws_nothing() -> None:
    assert person_timeline([], href) == ""
    assert person_timeline([role("x", "Y")], href) == ""


def test_long_labels_wrap_in_two_lines_at_most() -> None:
    lines = wrap("The experiences and progress of children who need help and protection " * 3, 12)
    assert len(lines) == 2
    assert lines[1].endswith("…")
    assert all(len(line) <= 57 for line in lines)


AREA = "https://w3id.org/kgraph/id/judgement-area/"
GRADE = "https://w3id.org/kgraph/id/grade/"


def judgement(inspection: str, date: str | None, previous: str | None, area: str, grade: str):
    return {
        "inspection": f"https://w3id.org/kgraph/id/inspection/{inspection}",
        "inspectionLabel": f"Inspection {inspection}",
        "date": date,
        "dates": f"reported {date} (900_test)" if date else None,
        "previous": f"https://w3id.org/kgraph/id/inspection/{previous}" if previous else None,
        "area": AREA + area,
        "areaLabel": area.replace("-", " ").capitalize(),
        "grade": GRADE + grade,
        "gradeLabel": grade.capitalize(),
        "gradeRank": 1,
        "sources": "901_test 900_test",
        "source": SRC + "900_test",
    }


INSPECTIONS = [
    judgement("a", "2012-06", None, "overall-effectiveness", "inadequate"),
    judgement("b", "2013-06", "a", "overall-effectiveness", "inadequate"),
    judgement("b", "2013-06", "a", "help-and-protection", "inadequate"),
    judgement("between", None, "b", "overall-effectiveness", "adequate"),
    judgement("c", "2015", "between", "overall-effectiveness", "good"),
    judgement("last", None, "c", "overall-effectiveness", "outstanding"),
    judgement("last", None, "c", "impact-of-leaders", "outstanding"),
]
ARRANGEMENTS = [
    {
        "provider": "https://w3id.org/kgraph/id/organisation/afc",
        "providerLabel": "AfC",
        "beginning": "2014-04",
        "end": None,
        "sourceId": source,
        "source": SRC + source,
        "arrangement": "https://w3id.org/kgraph/id/arrangement/afc-x",
    }
    for source in ("000_a", "001_b")
]


def cells_x(group: ET.Element) -> list[float]:
    return [float(r.get("x", "0")) + 10 for r in with_class(group, "judgement")]


def test_inspections_in_time_with_undated_ones_after_the_one_they_followed() -> None:
    root = parse(authority_timeline(INSPECTIONS, ARRANGEMENTS, [], ROWS, href, "X"))
    groups = with_class(root, "inspection")
    assert [g.get("data-inspection", "").rsplit("/", 1)[-1] for g in groups] == [
        "a",
        "b",
        "between",
        "c",
        "last",
    ]
    assert [g.get("data-undated") for g in groups] == ["false", "false", "true", "false", "true"]
    assert len(with_class(root, "judgement")) == len(INSPECTIONS)
    x = {g.get("data-inspection", "").rsplit("/", 1)[-1]: cells_x(g)[0] for g in groups}
    assert x["a"] < x["b"] < x["between"] < x["c"] < x["last"]
    # an undated inspection that nothing dated follows is drawn apart, past the time axis
    undated_label = [t for t in root.iter(SVG + "text") if t.text == "undated"]
    assert undated_label
    axis_end = max(float(line.get("x1", "0")) for line in root.iter(SVG + "line"))
    assert x["last"] > axis_end - 20


def test_grades_are_coloured_and_explained() -> None:
    root = parse(authority_timeline(INSPECTIONS, ARRANGEMENTS, [], ROWS, href))
    fills = {
        r.get("data-grade", "").rsplit("/", 1)[-1]: r.get("fill")
        for r in with_class(root, "judgement")
    }
    assert len(set(fills.values())) == 4
    legend = " ".join(
        t.text or "" for e in with_class(root, "legend-entry") for t in e.iter(SVG + "text")
    )
    for words in ("Inadequate", "Adequate", "Good", "Outstanding", "undated"):
        assert words in legend
    cell_links = [a for a in links(root) if with_class(a, "judgement")]
    assert {a.get("href") for a in cell_links} == {"/id/source/900_test"}


def test_one_bar_per_arrangement_naming_all_its_sources() -> None:
    root = parse(authority_timeline(INSPECTIONS, ARRANGEMENTS, [], [], href))
    bars = with_class(root, "bar")
    assert len(bars) == 1
    assert bars[0].get("data-arrangement", "").endswith("afc-x")
    title = next(a for a in links(root) if with_class(a, "bar")).find(SVG + "title")
    assert title is not None and "000_a, 001_b" in (title.text or "")
    assert "from 2014-04 to …" in (title.text or "")
