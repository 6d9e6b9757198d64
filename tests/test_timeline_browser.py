"""The timelines in headless Chromium against a real `kgraph serve`: a person's roles, an
authority's inspections beside its people, an organisation's people. Bars, marks and inspections
are counted in the rendered SVG and checked against the data files read with rdflib; the picture
must fit a phone's 375px-wide screen; screenshots go to tests/artifacts/."""

from __future__ import annotations

import base64
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from browser import ARTIFACTS, chromium, set_viewport, wait
from data_files import KG, has_stated_bounds, is_dated, memberships, read_data
from rdflib import Graph, URIRef
from rdflib.namespace import ORG, RDFS

from kgraph.namespaces import ID

LIZ = ID["person/liz-green"]
NICK = ID["person/nick-whitfield"]
KINGSTON = ID["authority/kingston-upon-thames"]
OFSTED = ID["organisation/ofsted"]
PHONE = 375
# The pictures' user units are 400 wide; labels are 12 units, so at this scale or more they stay
# at least 9.6 CSS pixels on a phone.
MIN_SCALE = 0.8

COUNT = """
const svg = document.querySelector(arguments[0] + ' svg.timeline');
if (!svg) { return null; }
const q = (s) => Array.from(svg.querySelectorAll(s));
const marked = q('.bar, .mark');
return {
  bars: q('.bar').length,
  marks: q('.mark').length,
  inspections: q('.inspection').length,
  undated: q('.inspection[data-undated="true"]').length,
  judgements: q('.judgement').length,
  hrefs: marked.map((e) => {
    const a = e.closest('a');
    return a ? new URL(a.getAttribute('href'), document.baseURI).href : null;
  }),
  titles: marked.map((e) => {
    const a = e.closest('a');
    const t = a ? a.querySelector('title') : null;
    return t ? t.textContent : '';
  }),
  cellHrefs: q('.judgement').map((e) => {
    const a = e.closest('a');
    return a ? new URL(a.getAttribute('href'), document.baseURI).href : null;
  }),
  viewBox: svg.getAttribute('viewBox'),
  left: svg.getBoundingClientRect().left,
  right: svg.getBoundingClientRect().right,
  width: svg.getBoundingClientRect().width,
  inner: window.innerWidth,
  scroll: document.documentElement.scrollWidth,
};
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        yield driver


@pytest.fixture(scope="module")
def data() -> Graph:
    return read_data()


def open_page(driver: Any, url: str, width: int) -> None:
    from selenium.webdriver.common.by import By

    set_viewport(driver, width)
    driver.get(url)
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "h1"))


def drawn(driver: Any, kind: str) -> dict[str, Any]:
    counts = driver.execute_script(COUNT, f'figure[data-kind="{kind}"]')
    assert counts is not None, f"no {kind} timeline on the page"
    return counts


def page_url(server: Any, iri: URIRef) -> str:
    return server.url + "/id/" + str(iri).removeprefix(str(ID))


def save(driver: Any, kind: str, name: str) -> None:
    """A screenshot of the picture itself, whatever its height."""
    from selenium.webdriver.common.by import By

    ARTIFACTS.mkdir(exist_ok=True)
    figure = driver.find_element(By.CSS_SELECTOR, f'figure[data-kind="{kind}"]')
    figure.screenshot(str(ARTIFACTS / f"{name}.png"))


def assert_linked_to_sources(server: Any, counts: dict[str, Any]) -> None:
    assert counts["hrefs"], "nothing drawn"
    assert all(h and h.startswith(server.url + "/id/source/") for h in counts["hrefs"])
    assert all(counts["titles"])
    for href in sorted(set(counts["hrefs"]))[:2]:
        with urllib.request.urlopen(href) as response:
            assert response.status == 200


def assert_fits(counts: dict[str, Any], width: int) -> None:
    assert counts["viewBox"].split()[:3] == ["0", "0", "400"]
    assert counts["left"] >= 0
    assert counts["right"] <= width
    assert counts["width"] / 400 >= MIN_SCALE
    assert counts["scroll"] <= width  # nothing on the page scrolls sideways


@pytest.mark.parametrize("person", [LIZ, NICK], ids=["liz-green", "nick-whitfield"])
def test_a_persons_roles_over_time(browser: Any, live_server: Any, data: Graph, person) -> None:
    held = memberships(data, person=person)
    bars = sum(1 for m in held if has_stated_bounds(data, m))
    open_page(browser, page_url(live_server, person), 1200)
    counts = drawn(browser, "person")
    assert (counts["bars"], counts["marks"]) == (bars, len(held) - bars)
    assert counts["inspections"] == 0
    assert_linked_to_sources(live_server, counts)
    save(browser, "person", f"timeline-{str(person).rsplit('/', 1)[-1]}")
    # the same facts as a table below the picture
    rows = browser.execute_script(
        "return document.querySelectorAll('table.timeline-table tbody tr').length"
    )
    assert rows == len(held)


def test_an_authoritys_inspections_beside_its_people(
    browser: Any, live_server: Any, data: Graph
) -> None:
    inspections = set(data.subjects(KG.inspected, KINGSTON))
    judgements = [
        j for i in inspections for j in data.subjects(KG.ofInspection, i) if data.value(j, KG.grade)
    ]
    providers = set(data.objects(None, KG.provider))
    arrangements = [
        a for a in data.subjects(KG.client, KINGSTON) if data.value(a, KG.provider) in providers
    ]
    held = memberships(data, organisation=KINGSTON) + [
        m for a in arrangements for m in memberships(data, organisation=data.value(a, KG.provider))
    ]
    bars = sum(1 for m in held if has_stated_bounds(data, m)) + len(arrangements)

    open_page(browser, page_url(live_server, KINGSTON), 1200)
    counts = drawn(browser, "authority")
    assert counts["inspections"] == len(inspections) >= 4
    assert counts["judgements"] == len(judgements)
    assert counts["undated"] == sum(1 for i in inspections if not is_dated(data, i))
    assert counts["bars"] == bars
    assert counts["marks"] == len(held) - (bars - len(arrangements))
    assert_linked_to_sources(live_server, counts)
    # each grade links to a source that states it
    assert all(h and h.startswith(live_server.url + "/id/source/") for h in counts["cellHrefs"])
    for href in sorted(set(counts["cellHrefs"])):
        with urllib.request.urlopen(href) as response:
            assert response.status == 200
    save(browser, "authority", "timeline-authority")
    legend = browser.execute_script(
        "return Array.from(document.querySelectorAll('svg.timeline .legend-entry'))"
        ".map((e) => Array.from(e.querySelectorAll('text')).pop().textContent)"
    )
    assert {"Inadequate", "Good", "Outstanding"} <= set(legend)

    # prints: Chromium makes a PDF of the page with the picture in it
    pdf = base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", {})["data"])
    assert pdf.startswith(b"%PDF")
    (ARTIFACTS / "timeline-authority.pdf").write_bytes(pdf)


def test_an_organisations_people_over_time(browser: Any, live_server: Any, data: Graph) -> None:
    held = memberships(data, organisation=OFSTED)
    open_page(browser, page_url(live_server, OFSTED), 1200)
    counts = drawn(browser, "organisation")
    bars = sum(1 for m in held if has_stated_bounds(data, m))
    assert (counts["bars"], counts["marks"]) == (bars, len(held) - bars)
    assert_linked_to_sources(live_server, counts)
    rows = browser.execute_script(
        "return Array.from(document.querySelectorAll('table.timeline-table tbody tr'))"
        ".map((tr) => tr.cells[0].textContent.trim())"
    )
    people = [data.value(data.value(m, ORG.member), RDFS.label) for m in held]
    assert sorted(rows) == sorted(str(p) for p in people)
    save(browser, "organisation", "timeline-organisation")


@pytest.mark.parametrize(
    ("iri", "kind"),
    [(KINGSTON, "authority"), (NICK, "person"), (OFSTED, "organisation")],
    ids=["authority", "person", "organisation"],
)
def test_the_pictures_fit_a_phone(browser: Any, live_server: Any, iri: URIRef, kind: str) -> None:
    open_page(browser, page_url(live_server, iri), PHONE)
    counts = drawn(browser, kind)
    assert counts["inner"] == PHONE
    assert_fits(counts, PHONE)
    save(browser, kind, f"timeline-{kind}-{PHONE}px")
