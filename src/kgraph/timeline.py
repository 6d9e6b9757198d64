"""Timelines as SVG text, drawn from canned query rows: roles held over time, inspection grades.

No JavaScript: every bar and mark is a link to the source that states it, with a tooltip
(<title>) saying what it shows. A known beginning or end is drawn solid, what the sources do not
say is dashed, and an attestation is a dot with a band over the day, month or year it may mean:
nothing is widened into an interval the sources do not state. The drawing scales to its width
(viewBox), so it prints and reads on a phone. Classes and data-* attributes name what is drawn:
.bar, .mark (.attested, .former), .inspection, .judgement.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape

from kgraph.asof import Period, Placed, order_inspections, parse_period, year_span

Row = Mapping[str, object]
Href = Callable[[str], str]

WIDTH = 400
PAD = 8
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
INK, MUTED, LINE, TINT, ACCENT = "#1d2125", "#5b636b", "#d9dde1", "#f4f6f8", "#0f6e5a"
LABEL_SIZE = 12
SMALL_SIZE = 10.5
ROW = 14  # height of the row a lane draws its bars and marks in
UNDATED_SLOT = 26
CELL = 20  # width of an inspection's grade cell
OVERALL = "https://w3id.org/kgraph/id/judgement-area/overall-effectiveness"
# grade (last part of its IRI) -> (fill, text colour, short letter)
GRADES: dict[str, tuple[str, str, str]] = {
    "outstanding": ("#1b7837", "#ffffff", "O"),
    "good": ("#7fbf7b", "#10240f", "G"),
    "requires-improvement": ("#f1a340", "#2b1a00", "RI"),
    "adequate": ("#f1a340", "#2b1a00", "A"),
    "inadequate": ("#b2182b", "#ffffff", "I"),
}
UNKNOWN_GRADE = ("#9aa1a8", "#ffffff", "?")


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _esc(value: object) -> str:
    return escape(_text(value), quote=True)


def wrap(text: str, size: float, lines: int = 2, width: float = WIDTH - 2 * PAD) -> list[str]:
    """Words in at most lines lines that fit width at font size; the rest cut with an ellipsis."""
    limit = max(8, int(width / (size * 0.56)))
    out: list[str] = []
    current = ""
    words = text.split()
    for index, word in enumerate(words):
        candidate = f"{current} {word}".strip()
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            out.append(current)
        current = word
        if len(out) == lines - 1 and index < len(words):
            rest = " ".join(words[index:])
            current = rest if len(rest) <= limit else rest[: limit - 1].rstrip() + "…"
            break
    if current:
        out.append(current if len(current) <= limit else current[: limit - 1] + "…")
    return out[:lines]


@dataclass
class Item:
    """One bar or mark in a lane: what it shows, its link and tooltip."""

    kind: str  # bar | attested | former
    href: str
    title: str
    beginning: Period | None = None
    end: Period | None = None
    period: Period | None = None
    data: dict[str, str] = field(default_factory=dict)

    def periods(self) -> list[Period]:
        return [p for p in (self.beginning, self.end, self.period) if p is not None]


@dataclass
class Lane:
    """A row of the timeline: a label and what is drawn beside it."""

    label: str
    items: list[Item] = field(default_factory=list)
    key: str = ""


@dataclass
class Judgement:
    """One grade of one inspection, in a judgement area."""

    area: str
    grade: str
    grade_label: str
    sources: str
    href: str


@dataclass
class Inspection:
    """An inspection's place in time and its grades by judgement area."""

    iri: str
    label: str
    placed: Placed
    dates: str
    href: str
    judgements: list[Judgement] = field(default_factory=list)


@dataclass
class Grid:
    """The inspections of an authority: judgement areas down, inspections across in time."""

    areas: list[tuple[str, str]]
    inspections: list[Inspection]


@dataclass
class Section:
    """A heading and its lanes, or its inspection grid."""

    title: str
    lanes: list[Lane] = field(default_factory=list)
    grid: Grid | None = None


# ---- building lanes from query rows ----------------------------------------------------------


def membership_item(row: Row, href: Href, subject: str) -> Item | None:
    """A bar for a stated beginning or end, a dot for an attestation, a diamond for "former"."""
    source = _text(row.get("source"))
    link = href(source) if source else href(_text(row.get("membership")))
    title = f"{subject}: {_text(row.get('basis'))}"
    data = {"membership": _text(row.get("membership")), "source": _text(row.get("sourceId"))}
    beginning, end = parse_period(row.get("beginning")), parse_period(row.get("end"))
    if beginning or end:
        return Item("bar", link, title, beginning=beginning, end=end, data=data)
    attested = parse_period(row.get("attested"))
    if attested:
        return Item("attested", link, title, period=attested, data=data)
    former = parse_period(row.get("endedBefore"))
    if former:
        return Item("former", link, title, period=former, data=data)
    return None


def _lanes(
    rows: Iterable[Row],
    key: Callable[[Row], tuple[str, ...]],
    label: Callable[[Row], str],
    href: Href,
) -> list[Lane]:
    lanes: dict[tuple[str, ...], Lane] = {}
    for row in rows:
        lane = lanes.setdefault(key(row), Lane(label(row), key="|".join(key(row))))
        item = membership_item(row, href, lane.label)
        if item is not None:
            lane.items.append(item)
    ordered = [lane for lane in lanes.values() if lane.items]
    return sorted(ordered, key=lambda lane: (_earliest(lane), lane.label.lower()))


def _earliest(lane: Lane) -> date:
    days = [p.first for item in lane.items for p in item.periods()]
    return min(days) if days else date.max


def _role_at(row: Row) -> str:
    return f"{_text(row.get('roleLabel'))} · {_text(row.get('organisationLabel'))}"


def _person_role(row: Row) -> str:
    return f"{_text(row.get('personLabel'))} · {_text(row.get('roleLabel'))}"


def role_lanes(rows: Iterable[Row], href: Href) -> list[Lane]:
    """A lane per role and organisation of a person (roles-of-person rows)."""
    return _lanes(
        rows, lambda r: (_text(r.get("role")), _text(r.get("organisation"))), _role_at, href
    )


def people_lanes(rows: Iterable[Row], href: Href) -> list[Lane]:
    """A lane per person and role at an organisation (people-of-organisation rows)."""
    lanes = _lanes(
        rows, lambda r: (_text(r.get("person")), _text(r.get("role"))), _person_role, href
    )
    return sorted(lanes, key=lambda lane: (lane.label.lower(), _earliest(lane)))


def arrangement_lanes(rows: Iterable[Row], href: Href) -> list[Lane]:
    """A lane per organisation that ran the services: one bar per arrangement, all its sources
    in the tooltip, linked to the first (service-arrangements rows)."""
    by_arrangement: dict[str, list[Row]] = {}
    for row in rows:
        by_arrangement.setdefault(_text(row.get("arrangement")), []).append(row)
    lanes: dict[str, Lane] = {}
    for arrangement, group in by_arrangement.items():
        first = group[0]
        provider = _text(first.get("providerLabel")) or _text(first.get("provider"))
        beginning, end = parse_period(first.get("beginning")), parse_period(first.get("end"))
        if not (beginning or end):
            continue
        sources = ", ".join(sorted({_text(r.get("sourceId")) for r in group}))
        when = f"from {beginning.text if beginning else '…'} to {end.text if end else '…'}"
        item = Item(
            "bar",
            href(_text(first.get("source")) or arrangement),
            f"{provider} ran the children's services {when} according to {sources}",
            beginning=beginning,
            end=end,
            data={"arrangement": arrangement, "source": sources},
        )
        lanes.setdefault(provider, Lane(f"Run by {provider}", key=provider)).items.append(item)
    return list(lanes.values())


def inspection_grid(rows: Iterable[Row], href: Href) -> Grid:
    """Inspections across, judgement areas down, from inspection-history rows."""
    rows = list(rows)
    areas: dict[str, str] = {}
    info: dict[str, Row] = {}
    judgements: dict[str, list[Judgement]] = {}
    for row in rows:
        iri = _text(row.get("inspection"))
        info.setdefault(iri, row)
        area = _text(row.get("area"))
        if not area:
            continue
        areas.setdefault(area, _text(row.get("areaLabel")) or area)
        sources = " ".join(sorted(_text(row.get("sources")).split()))
        source = _text(row.get("source"))
        judgements.setdefault(iri, []).append(
            Judgement(
                area=area,
                grade=_text(row.get("grade")),
                grade_label=_text(row.get("gradeLabel")),
                sources=sources,
                href=href(source or iri),
            )
        )
    placed = order_inspections(
        [
            (iri, parse_period(row.get("date")), _text(row.get("previous")) or None)
            for iri, row in info.items()
        ]
    )
    inspections = [
        Inspection(
            iri=p.iri,
            label=_text(info[p.iri].get("inspectionLabel")) or p.iri,
            placed=p,
            dates=_text(info[p.iri].get("dates")),
            href=href(p.iri),
            judgements=judgements.get(p.iri, []),
        )
        for p in placed
    ]
    ordered_areas = sorted(areas.items(), key=lambda a: (a[0] != OVERALL, a[1].lower()))
    return Grid(ordered_areas, inspections)


# ---- drawing ---------------------------------------------------------------------------------


class Scale:
    """Days to x across the axis; undated inspections in slots to its right."""

    def __init__(self, start: date, stop: date, left: float, right: float) -> None:
        self.start, self.stop, self.left, self.right = start, stop, left, right
        self._days = max(1, (stop - start).days)

    def x(self, day: date) -> float:
        return self.left + (self.right - self.left) * (day - self.start).days / self._days

    def span(self, period: Period) -> tuple[float, float]:
        return self.x(period.first), self.x(period.last + timedelta(days=1))


def _svg_open(ident: str, title: str, desc: str, height: float, counts: dict[str, int]) -> str:
    data = " ".join(f'data-{k}="{v}"' for k, v in counts.items())
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" id="{_esc(ident)}" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'style="width:100%;height:auto;max-width:36rem;display:block" '
        f'font-family="{_esc(FONT)}" aria-labelledby="{_esc(ident)}-title {_esc(ident)}-desc" '
        f"{data}>"
        f'<title id="{_esc(ident)}-title">{_esc(title)}</title>'
        f'<desc id="{_esc(ident)}-desc">{_esc(desc)}</desc>'
    )


def _label_lines(x: float, y: float, lines: Sequence[str], size: float, fill: str = INK) -> str:
    out = []
    for i, line in enumerate(lines):
        out.append(
            f'<text x="{x:.1f}" y="{y + i * (size + 2):.1f}" font-size="{size}" '
            f'fill="{fill}">{_esc(line)}</text>'
        )
    return "".join(out)


def _draw_item(item: Item, scale: Scale, cy: float, dodge: float) -> str:
    data = "".join(f' data-{k}="{_esc(v)}"' for k, v in item.data.items() if v)
    head = f'<a href="{_esc(item.href)}"><title>{_esc(item.title)}</title>'
    if item.kind == "bar":
        return head + _draw_bar(item, scale, cy, data) + "</a>"
    assert item.period is not None
    x0, x1 = scale.span(item.period)
    mid = scale.x(item.period.middle) + dodge
    precision = item.period.precision
    band = ""
    if precision != "day":
        band = (
            f'<rect class="precision" x="{x0:.1f}" y="{cy - 3:.1f}" '
            f'width="{max(1.0, x1 - x0):.1f}" height="6" rx="3" fill="{ACCENT}" '
            f'fill-opacity="0.22"/>'
        )
    if item.kind == "attested":
        mark = (
            f'<circle class="mark attested" data-precision="{precision}"{data} cx="{mid:.1f}" '
            f'cy="{cy:.1f}" r="5" fill="{ACCENT}" stroke="#ffffff" stroke-width="1.2"/>'
        )
        return head + band + mark + "</a>"
    # former: held at some time before the date; a dashed lead-in says "before, not known when"
    tip = x0 + dodge
    lead = max(scale.left, tip - 36)
    return (
        head
        + f'<line x1="{lead:.1f}" y1="{cy:.1f}" x2="{tip - 6:.1f}" y2="{cy:.1f}" stroke="{MUTED}" '
        f'stroke-width="1.5" stroke-dasharray="3 3"/>'
        + f'<path class="mark former" data-precision="{precision}"{data} '
        f'd="M{tip - 6:.1f},{cy:.1f} L{tip:.1f},{cy - 6:.1f} L{tip + 6:.1f},{cy:.1f} '
        f'L{tip:.1f},{cy + 6:.1f} Z" fill="#ffffff" stroke="{ACCENT}" stroke-width="2"/>' + "</a>"
    )


def _draw_bar(item: Item, scale: Scale, cy: float, data: str) -> str:
    """Solid from a stated beginning to a stated end; dashed where a side is not stated."""
    classes = ["bar"]
    parts: list[str] = []
    dash = f'stroke="{ACCENT}" stroke-width="2" stroke-dasharray="4 3"'
    if item.beginning and item.end:
        x0, x1 = scale.x(item.beginning.first), scale.span(item.end)[1]
        solid = [(x0, x1)]
    elif item.beginning:
        classes.append("open-end")
        x0, x1 = scale.span(item.beginning)
        solid = [(x0, x1)]
        parts.append(
            f'<line x1="{x1:.1f}" y1="{cy:.1f}" x2="{scale.right:.1f}" y2="{cy:.1f}" {dash}/>'
            f'<path d="M{scale.right - 5:.1f},{cy - 4:.1f} L{scale.right:.1f},{cy:.1f} '
            f'L{scale.right - 5:.1f},{cy + 4:.1f}" fill="none" stroke="{ACCENT}" stroke-width="2"/>'
        )
    else:
        assert item.end is not None
        classes.append("open-start")
        x0, x1 = scale.span(item.end)
        solid = [(x0, x1)]
        parts.append(
            f'<line x1="{scale.left:.1f}" y1="{cy:.1f}" x2="{x0:.1f}" y2="{cy:.1f}" {dash}/>'
        )
    rects = "".join(
        f'<rect x="{a:.1f}" y="{cy - 5:.1f}" width="{max(3.0, b - a):.1f}" height="10" rx="2" '
        f'fill="{ACCENT}"/>'
        for a, b in solid
    )
    return f'<g class="{" ".join(classes)}"{data}>{rects}{"".join(parts)}</g>'


def _dodges(items: Sequence[Item], scale: Scale) -> list[float]:
    """Small sideways shifts so marks at the same place stay apart."""
    shifts = [0.0] * len(items)
    groups: dict[int, list[int]] = {}
    for i, item in enumerate(items):
        if item.kind != "bar" and item.period is not None:
            anchor = item.period.middle if item.kind == "attested" else item.period.first
            groups.setdefault(round(scale.x(anchor) / 6), []).append(i)
    for members in groups.values():
        for n, i in enumerate(members):
            shifts[i] = (n - (len(members) - 1) / 2) * 8
    return shifts


def _axis(scale: Scale, top: float, bottom: float, undated_x: float | None) -> str:
    out = []
    years = list(range(scale.start.year, scale.stop.year))
    step = 1 if len(years) <= 8 else 2 if len(years) <= 16 else 5
    for year in years:
        x0, x1 = scale.x(date(year, 1, 1)), scale.x(date(year + 1, 1, 1))
        if year % 2:
            out.append(
                f'<rect x="{x0:.1f}" y="{top:.1f}" width="{x1 - x0:.1f}" '
                f'height="{bottom - top:.1f}" fill="{TINT}"/>'
            )
        out.append(
            f'<line x1="{x0:.1f}" y1="{top:.1f}" x2="{x0:.1f}" y2="{bottom:.1f}" '
            f'stroke="{LINE}" stroke-width="1"/>'
        )
        if (year - years[0]) % step == 0:
            out.append(
                f'<text class="year" x="{(x0 + x1) / 2:.1f}" y="{top - 5:.1f}" '
                f'font-size="{SMALL_SIZE}" fill="{MUTED}" text-anchor="middle">{year}</text>'
            )
    out.append(
        f'<line x1="{scale.right:.1f}" y1="{top:.1f}" x2="{scale.right:.1f}" y2="{bottom:.1f}" '
        f'stroke="{LINE}" stroke-width="1"/>'
    )
    if undated_x is not None:
        out.append(
            f'<line x1="{undated_x:.1f}" y1="{top:.1f}" x2="{undated_x:.1f}" y2="{bottom:.1f}" '
            f'stroke="{MUTED}" stroke-width="1" stroke-dasharray="2 3"/>'
            f'<text x="{(undated_x + WIDTH - PAD) / 2:.1f}" y="{top - 5:.1f}" '
            f'font-size="{SMALL_SIZE}" fill="{MUTED}" text-anchor="middle">undated</text>'
        )
    return "".join(out)


def _inspection_x(inspection: Inspection, scale: Scale, slots: dict[str, float]) -> float:
    placed = inspection.placed
    if placed.date is not None:
        return scale.x(placed.date.middle)
    if placed.iri in slots:
        return slots[placed.iri]
    assert placed.before is not None
    before = scale.x(placed.before.first)
    after = scale.x(placed.after.last) if placed.after is not None else scale.left
    return (after + before) / 2


def _draw_grid(grid: Grid, scale: Scale, y: float, slots: dict[str, float]) -> tuple[str, float]:
    """Judgement-area rows, a cell per inspection's grade, a date label per inspection."""
    labels = [wrap(label, SMALL_SIZE + 0.5) for _, label in grid.areas]
    out: list[str] = []
    rows: dict[str, float] = {}
    for (area, _), lines in zip(grid.areas, labels, strict=True):
        out.append(_label_lines(PAD, y + SMALL_SIZE, lines, SMALL_SIZE + 0.5, MUTED))
        y += len(lines) * (SMALL_SIZE + 2.5)
        rows[area] = y + ROW / 2 + 1
        y += ROW + 6
    xs = _spread([_inspection_x(i, scale, slots) for i in grid.inspections], CELL + 2)
    label_rows = _label_rows(xs, 44)
    for inspection, x, label_row in zip(grid.inspections, xs, label_rows, strict=True):
        placed = inspection.placed
        when = placed.date.text if placed.date else "undated"
        after = f", after the inspection of {placed.after.text}" if placed.after else ""
        cells = []
        for j in inspection.judgements:
            fill, ink, letter = GRADES.get(j.grade.rsplit("/", 1)[-1], UNKNOWN_GRADE)
            cy = rows[j.area]
            area_label = dict(grid.areas)[j.area]
            tip = (
                f"{area_label}: {j.grade_label} — {inspection.label} ({when}); sources {j.sources}"
            )
            dashed = ' stroke-dasharray="2 2"' if placed.undated else ""
            cells.append(
                f'<a href="{_esc(j.href)}"><title>{_esc(tip)}</title>'
                f'<rect class="judgement" data-area="{_esc(j.area)}" data-grade="{_esc(j.grade)}" '
                f'x="{x - CELL / 2:.1f}" y="{cy - 7:.1f}" width="{CELL}" height="14" rx="2" '
                f'fill="{fill}" '
                f'stroke="{INK}" stroke-width="{1 if placed.undated else 0}"{dashed}/>'
                f'<text x="{x:.1f}" y="{cy + 3.5:.1f}" font-size="9.5" font-weight="700" '
                f'fill="{ink}" text-anchor="middle">{letter}</text></a>'
            )
        tip = f"{inspection.label}: {inspection.dates or 'no source dates it' + after}"
        out.append(
            f'<g class="inspection" data-inspection="{_esc(inspection.iri)}" '
            f'data-date="{_esc(placed.date.text if placed.date else "")}" '
            f'data-undated="{"true" if placed.undated else "false"}">'
            + "".join(cells)
            + f'<a href="{_esc(inspection.href)}"><title>{_esc(tip)}</title>'
            f'<text x="{_inside(x, len(_short_date(placed)) * 9 * 0.6):.1f}" '
            f'y="{y + 8 + 10 * label_row:.1f}" font-size="9" fill="{MUTED}" '
            f'text-anchor="middle">{_esc(_short_date(placed))}</text></a></g>'
        )
    return "".join(out), y + 14 + 10 * max(label_rows, default=0)


def _inside(x: float, width: float) -> float:
    """The middle of a centred text of width moved so the text stays inside the picture."""
    return min(max(x, PAD / 2 + width / 2), WIDTH - PAD / 2 - width / 2)


def _spread(xs: Sequence[float], gap: float) -> list[float]:
    """Positions moved right just enough that neighbours are gap apart, in their order."""
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    out = list(xs)
    for previous, current in itertools.pairwise(order):
        out[current] = max(out[current], out[previous] + gap)
    return out


def _label_rows(xs: Sequence[float], width: float) -> list[int]:
    """0 or 1 for each label: the second row when the first is taken there."""
    rows = [0] * len(xs)
    last = [-1e9, -1e9]
    for i in sorted(range(len(xs)), key=lambda i: xs[i]):
        row = 0 if xs[i] - last[0] >= width else 1
        rows[i], last[row] = row, xs[i]
    return rows


def _short_date(placed: Placed) -> str:
    if placed.date is not None:
        return placed.date.text
    return "undated"


def _legend(y: float, entries: Sequence[tuple[str, str]]) -> tuple[str, float]:
    """Swatches in a row that wraps: (svg of the swatch at 0,0, words)."""
    out, x = [], PAD
    for swatch, words in entries:
        width = 16 + len(words) * SMALL_SIZE * 0.56 + 12
        if x + width > WIDTH - PAD and x > PAD:
            x, y = PAD, y + 18
        out.append(
            f'<g class="legend-entry" transform="translate({x:.1f},{y:.1f})">{swatch}'
            f'<text x="16" y="4" font-size="{SMALL_SIZE}" fill="{MUTED}">{_esc(words)}</text></g>'
        )
        x += width
    return "".join(out), y + 14


def _grade_legend(grid: Grid) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for inspection in grid.inspections:
        for j in inspection.judgements:
            seen.setdefault(j.grade.rsplit("/", 1)[-1], j.grade_label)
    order = list(GRADES)
    out = []
    for key in sorted(seen, key=lambda k: order.index(k) if k in order else 99):
        fill, ink, letter = GRADES.get(key, UNKNOWN_GRADE)
        out.append(
            (
                f'<rect x="0" y="-6" width="13" height="12" rx="2" fill="{fill}"/>'
                f'<text x="6.5" y="3" font-size="8" font-weight="700" fill="{ink}" '
                f'text-anchor="middle">{letter}</text>',
                seen[key],
            )
        )
    if any(i.placed.undated for i in grid.inspections):
        out.append(
            (
                f'<rect x="0" y="-6" width="13" height="12" rx="2" fill="#ffffff" stroke="{INK}" '
                f'stroke-dasharray="2 2"/>',
                "undated: after the one it followed",
            )
        )
    return out


def _kind_legend(sections: Sequence[Section]) -> list[tuple[str, str]]:
    kinds = {item.kind for s in sections for lane in s.lanes for item in lane.items}
    out = []
    if "bar" in kinds:
        out.append(
            (
                f'<rect x="0" y="-4" width="12" height="8" rx="2" fill="{ACCENT}"/>',
                "stated start or end (dashed: not stated)",
            )
        )
    if "attested" in kinds:
        out.append(
            (
                f'<rect x="0" y="-3" width="13" height="6" rx="3" fill="{ACCENT}" '
                f'fill-opacity="0.22"/><circle cx="6.5" cy="0" r="4.5" fill="{ACCENT}"/>',
                "attested by a source (band: its month or year)",
            )
        )
    if "former" in kinds:
        out.append(
            (
                f'<path d="M1,0 L6.5,-5.5 L12,0 L6.5,5.5 Z" fill="#ffffff" stroke="{ACCENT}" '
                f'stroke-width="2"/>',
                "former: held at some time before",
            )
        )
    return out


def render(sections: Sequence[Section], ident: str, title: str, desc: str) -> str:
    """The SVG of sections on one time axis; an empty string when nothing is dated."""
    sections = [s for s in sections if s.lanes or (s.grid and s.grid.inspections)]
    periods: list[Period] = []
    for s in sections:
        periods += [p for lane in s.lanes for item in lane.items for p in item.periods()]
        if s.grid:
            for i in s.grid.inspections:
                periods += [p for p in (i.placed.date, i.placed.after) if p is not None]
    if not periods:
        return ""
    start, stop = year_span(periods, minimum_years=2)
    grids = [s.grid for s in sections if s.grid]
    slotted = [
        i.iri for g in grids for i in g.inspections if i.placed.undated and i.placed.before is None
    ]
    right = WIDTH - PAD - (len(slotted) * UNDATED_SLOT + 10 if slotted else 0)
    scale = Scale(start, stop, PAD, right)
    undated_x = right + 5 if slotted else None
    slots = {iri: right + 10 + UNDATED_SLOT * (n + 0.5) for n, iri in enumerate(slotted)}

    top = 22.0
    y = top + 4
    body: list[str] = []
    for section in sections:
        body.append(
            f'<text class="section" x="{PAD}" y="{y + 13:.1f}" font-size="{LABEL_SIZE + 1}" '
            f'font-weight="700" fill="{INK}">{_esc(section.title)}</text>'
        )
        y += 22
        if section.grid:
            drawn, y = _draw_grid(section.grid, scale, y, slots)
            body.append(drawn)
        for lane in section.lanes:
            lines = wrap(lane.label, LABEL_SIZE)
            body.append(
                f'<g class="lane" data-lane="{_esc(lane.key)}">'
                + _label_lines(PAD, y + LABEL_SIZE, lines, LABEL_SIZE)
            )
            y += len(lines) * (LABEL_SIZE + 2) + 2
            cy = y + ROW / 2
            shifts = _dodges(lane.items, scale)
            body += [
                _draw_item(item, scale, cy, s) for item, s in zip(lane.items, shifts, strict=True)
            ]
            body.append("</g>")
            y += ROW + 6
        y += 4
    bottom = y
    legend: list[tuple[str, str]] = []
    for g in grids:
        legend += _grade_legend(g)
    legend += _kind_legend(sections)
    drawn_legend, y = _legend(y + 12, legend)
    counts = {
        "bars": sum(1 for s in sections for ln in s.lanes for i in ln.items if i.kind == "bar"),
        "marks": sum(1 for s in sections for ln in s.lanes for i in ln.items if i.kind != "bar"),
        "inspections": sum(len(g.inspections) for g in grids),
    }
    return (
        _svg_open(ident, title, desc, y + 6, counts)
        + _axis(scale, top, bottom, undated_x)
        + "".join(body)
        + drawn_legend
        + "</svg>"
    )


# ---- the three pictures the pages show ----------------------------------------------------------


def person_timeline(rows: Sequence[Row], href: Href = str, name: str = "") -> str:
    """A person's roles over time (roles-of-person rows)."""
    lanes = role_lanes(rows, href)
    return render(
        [Section("Roles held", lanes)],
        "timeline-roles",
        f"Roles {name or 'this person'} held, over time",
        "Bars where sources state a beginning or end, dots where a source attests the role at its "
        "date, diamonds for a former role; each links to its source.",
    )


def organisation_timeline(rows: Sequence[Row], href: Href = str, name: str = "") -> str:
    """An organisation's people over time (people-of-organisation rows)."""
    return render(
        [Section("People and their roles", people_lanes(rows, href))],
        "timeline-people",
        f"People of {name or 'this organisation'} over time",
        "Who held which role when, as each source states it; each bar and mark links to its "
        "source.",
    )


def authority_timeline(
    inspections: Sequence[Row],
    arrangements: Sequence[Row],
    providers: Sequence[Row],
    people: Sequence[Row],
    href: Href = str,
    name: str = "",
) -> str:
    """An authority's inspection grades over time beside who ran its children's services and the
    people who held roles there (inspection-history, service-arrangements, people-of-organisation
    rows for its providers and for the authority)."""
    run_by = arrangement_lanes(arrangements, href) + people_lanes(providers, href)
    sections = [
        Section("Ofsted inspections", grid=inspection_grid(inspections, href)),
        Section("Who ran its children's services", run_by),
        Section("People and their roles", people_lanes(people, href)),
    ]
    return render(
        sections,
        "timeline-authority",
        f"Ofsted inspections of {name or 'this authority'} and who ran its services, over time",
        "Each inspection's grade by judgement area, coloured by grade, beside the organisations "
        "that ran the children's services and the people who held roles; each links to a source.",
    )
