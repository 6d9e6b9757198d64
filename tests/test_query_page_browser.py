"""The query page in headless Chromium against a real `kgraph serve`: type, run, read the table."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
from browser import ARTIFACTS, chromium
from browser import wait as _wait

AUTHORITIES = """PREFIX kg: <https://w3id.org/kgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?authority ?name WHERE {
?authority a kg:LocalAuthority ;
rdfs:label ?name .
}
ORDER BY ?name
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Headless Chromium driven through the system chromedriver; skipped only outside CI."""
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        yield driver


def _open_query_page(driver, url: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(url + "/query")
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".CodeMirror textarea"))


def _type_query(driver, text: str) -> None:
    """Replace the editor's text by typing it, key by key, as a person would."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.find_element(By.CSS_SELECTOR, ".CodeMirror").click()
    area = driver.find_element(By.CSS_SELECTOR, ".CodeMirror textarea")
    area.send_keys(Keys.CONTROL, "a")
    area.send_keys(Keys.DELETE)
    for line in text.splitlines():
        area.send_keys(line)
        area.send_keys(Keys.ESCAPE)  # close any completion list before the new line
        area.send_keys(Keys.ENTER)


def _editor_text(driver) -> str:
    return driver.execute_script("return window.kgraphEditor.getValue();")


def _run_and_wait(driver) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.ID, "run").click()
    _wait(
        driver,
        lambda d: (
            d.find_elements(By.CSS_SELECTOR, "#results table, #results p, #results pre")
            or d.find_element(By.ID, "error").is_displayed()
        ),
    )


def _table(driver) -> tuple[list[str], list[list[str]]]:
    from selenium.webdriver.common.by import By

    head = [th.text for th in driver.find_elements(By.CSS_SELECTOR, "#results-table thead th")]
    rows = [
        [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
        for tr in driver.find_elements(By.CSS_SELECTOR, "#results-table tbody tr")
    ]
    return head, rows


def _endpoint_rows(url: str, query: str) -> list[dict[str, dict[str, str]]]:
    """The same query through the endpoint directly, as JSON, to compare the table against."""
    body = urllib.parse.urlencode({"query": query}).encode()
    request = urllib.request.Request(
        url + "/sparql",
        data=body,
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)["results"]["bindings"]


def test_typed_query_runs_and_fills_the_table(browser, live_server) -> None:
    from selenium.webdriver.common.by import By

    _open_query_page(browser, live_server.url)
    _type_query(browser, AUTHORITIES)
    assert "kg:LocalAuthority" in _editor_text(browser)
    _run_and_wait(browser)

    assert not browser.find_element(By.ID, "error").is_displayed()
    head, rows = _table(browser)
    assert head == ["authority", "name"]
    expected = _endpoint_rows(live_server.url, AUTHORITIES)
    assert len(rows) == len(expected) >= 1
    shown = [(r[0], r[1]) for r in rows]
    wanted = [
        (
            b["authority"]["value"].removeprefix("https://w3id.org/kgraph/id/"),
            b["name"]["value"] + (" @" + b["name"]["xml:lang"] if "xml:lang" in b["name"] else ""),
        )
        for b in expected
    ]
    assert shown == wanted
    assert any(r[1].startswith("Royal Borough of Kingston upon Thames") for r in rows)
    assert any(r[0] == "authority/kingston-upon-thames" for r in rows)

    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "query-page.png"))

    # A kgraph IRI in the table links to its page on this server.
    link = browser.find_element(By.LINK_TEXT, "authority/kingston-upon-thames")
    assert link.get_attribute("href") == live_server.url + "/id/authority/kingston-upon-thames"
    link.click()
    _wait(browser, lambda d: d.find_elements(By.TAG_NAME, "h1"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Royal Borough of Kingston upon Thames"


def test_download_links_follow_the_typed_query(browser, live_server) -> None:
    from selenium.webdriver.common.by import By

    _open_query_page(browser, live_server.url)
    _type_query(browser, AUTHORITIES)
    links = [
        a for a in browser.find_elements(By.CSS_SELECTOR, "a.result-download") if a.is_displayed()
    ]
    formats = [a.get_attribute("data-format") for a in links]
    assert formats == ["json", "xml", "csv", "tsv"]
    csv_href = next(
        a.get_attribute("href") for a in links if a.get_attribute("data-format") == "csv"
    )
    params = urllib.parse.parse_qs(urllib.parse.urlsplit(csv_href).query)
    assert params["format"] == ["csv"]
    assert "kg:LocalAuthority" in params["query"][0]
    with urllib.request.urlopen(csv_href) as response:
        text = response.read().decode("utf-8")
    assert text.splitlines()[0].strip() == "authority,name"
    assert "Royal Borough of Kingston upon Thames" in text

    # A CONSTRUCT query offers graph formats instead, and they download.
    _type_query(
        browser, "CONSTRUCT { ?a rdfs:label ?l } WHERE { ?a a kg:LocalAuthority ; rdfs:label ?l }"
    )
    links = [
        a for a in browser.find_elements(By.CSS_SELECTOR, "a.result-download") if a.is_displayed()
    ]
    assert [a.get_attribute("data-format") for a in links] == ["turtle", "nt", "jsonld", "rdfxml"]
    with urllib.request.urlopen(links[0].get_attribute("href")) as response:
        assert response.headers.get_content_type() == "text/turtle"
        assert b"Royal Borough of Kingston upon Thames" in response.read()


def test_malformed_query_shows_one_error_line(browser, live_server) -> None:
    from selenium.webdriver.common.by import By

    _open_query_page(browser, live_server.url)
    _type_query(browser, "SELECT ?x WHERE { ?x")
    _run_and_wait(browser)
    error = browser.find_element(By.ID, "error")
    assert error.is_displayed()
    assert "\n" not in error.text
    assert error.text.startswith("400 ")
    assert not browser.find_elements(By.CSS_SELECTOR, "#results-table")


def test_prefix_completion_offers_project_prefixes_and_terms(browser, live_server) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _open_query_page(browser, live_server.url)
    browser.find_element(By.CSS_SELECTOR, ".CodeMirror").click()
    area = browser.find_element(By.CSS_SELECTOR, ".CodeMirror textarea")
    area.send_keys(Keys.CONTROL, "a")
    area.send_keys(Keys.DELETE)

    area.send_keys("PREFIX k")
    hints = _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".CodeMirror-hint"))
    offered = [h.text for h in hints]
    assert "kg: <https://w3id.org/kgraph/ontology#>" in offered
    assert all(text.startswith("k") for text in offered)
    area.send_keys(Keys.ENTER)  # take the first offer
    assert _editor_text(browser).startswith("PREFIX kg: <https://w3id.org/kgraph/ontology#>")

    area.send_keys(Keys.ENTER, "SELECT * WHERE { ?m a org:")
    hints = _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".CodeMirror-hint"))
    offered = [h.text for h in hints]
    assert "org:Membership" in offered
    assert all(text.startswith("org:") for text in offered)
    area.send_keys("Members")
    _wait(
        browser,
        lambda d: (
            [h.text for h in d.find_elements(By.CSS_SELECTOR, ".CodeMirror-hint")]
            == ["org:Membership"]
        ),
    )
    area.send_keys(Keys.ENTER)
    assert _editor_text(browser).endswith("?m a org:Membership")


def test_example_queries_can_be_picked_and_run(browser, live_server) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    _open_query_page(browser, live_server.url)
    select = Select(browser.find_element(By.ID, "example"))
    names = [o.get_attribute("value") for o in select.options if o.get_attribute("value")]
    if not names:
        pytest.skip("no competency queries yet")
    select.select_by_value(names[0])
    text = _editor_text(browser)
    assert text.startswith("PREFIX ")
    _run_and_wait(browser)
    assert not browser.find_element(By.ID, "error").is_displayed()
    assert browser.find_elements(By.CSS_SELECTOR, "#results-table, #results-boolean")
