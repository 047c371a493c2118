"""The portal's search page (issues 20 item 9 and 21): multi-select facets (checkboxes; OR within a facet, AND across),
a province that includes its regencies/cities, the server's sort orders across pages, the whole search in a
shareable address, and no serious or critical axe-core issue — on a phone and on a desktop viewport."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from chalicelib.catalog.search.text import tokenize
from tests.browser.test_portal_a11y import ready, serious, violations

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def hash_query(url: str) -> dict[str, str]:
    frag = urlsplit(url).fragment  # "/cari?q=...&type=a,b"
    return {k: v[0] for k, v in parse_qs(frag.partition("?")[2]).items()}


def shown_ids(page: Any) -> list[str]:
    return page.eval_on_selector_all(".result", "els => els.map(e => e.dataset.id)")


def shown_titles(page: Any) -> list[str]:
    return page.eval_on_selector_all(".result h2", "els => els.map(e => e.textContent)")


def results_ready(page: Any) -> None:
    page.wait_for_selector("#result-count")
    expect(page.locator("#results .loading")).to_have_count(0)


def tick(page: Any, facet: str, value: str) -> None:
    """Tick one facet checkbox and wait for the page of the new address."""
    before = page.url
    page.evaluate("() => { document.querySelector('#filters').open = true; }")  # folded on a phone
    page.locator(f'details[data-facet="{facet}"]').evaluate("d => d.open = true")
    page.check(f'input[name="{facet}"][value="{value}"]')
    expect(page).not_to_have_url(before)
    results_ready(page)


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_multi_select_facets_sort_and_shareable_address(portal: Any, http: Any, viewport: str) -> None:
    st, base = http.call("GET", "/catalog/search?q=penduduk&page_size=1")
    assert st == 200 and base["total"] > 20, base
    types = [t for t, n in base["facets"]["type"].items() if n > 0][:2]
    assert len(types) == 2, base["facets"]["type"]
    st, both = http.call("GET", f"/catalog/search?q=penduduk&type={','.join(types)}&sort=title&page_size=10")
    assert both["total"] == sum(base["facets"]["type"][t] for t in types)

    s = portal(viewport, bypass_csp=True)  # axe is injected as a script; the flow tests check the CSP
    page = s.page
    page.goto(f"{s.portal}/#/cari?q=penduduk")
    results_ready(page)
    if viewport == "phone":  # the filters fold into one toggle on a phone
        assert not page.locator("#filters").evaluate("d => d.open")
    tick(page, "type", types[0])
    tick(page, "type", types[1])
    assert sorted(hash_query(page.url)["type"].split(",")) == sorted(types)
    assert page.is_checked(f'input[name="type"][value="{types[0]}"]')
    assert page.is_checked(f'input[name="type"][value="{types[1]}"]')
    assert f"{both['total']:,}".replace(",", ".") in page.inner_text("#result-count")
    # the server's title order, across pages
    page.select_option("#sort", "judul")
    expect(page).to_have_url(re.compile(r"urut=judul"))
    results_ready(page)
    assert shown_ids(page) == [i["id"] for i in both["items"]]
    keys = [" ".join(tokenize(t)) for t in shown_titles(page)]
    assert keys == sorted(keys)
    page.click('a[rel="next"]')
    expect(page).to_have_url(re.compile(r"page=2"))
    results_ready(page)
    st, second = http.call("GET", f"/catalog/search?q=penduduk&type={','.join(types)}&sort=title&page=2&page_size=10")
    assert shown_ids(page) == [i["id"] for i in second["items"]]
    assert " ".join(tokenize(shown_titles(page)[0])) >= keys[-1]
    assert not serious({"search, two types, title order": violations(page)})

    # the address is the whole search: opened in a fresh context it shows the same page
    shared = page.url
    other = portal(viewport)
    other.page.goto(shared)
    results_ready(other.page)
    assert shown_ids(other.page) == [i["id"] for i in second["items"]]
    assert other.page.input_value("#sort") == "judul"
    assert other.page.is_checked(f'input[name="type"][value="{types[1]}"]')

    # unticking a value (its chip) widens the result again
    page.locator(".chips a").first.click()  # the chips follow the address: the first type ticked first
    expect(page).not_to_have_url(re.compile("#.*" + re.escape(types[0])))
    results_ready(page)
    assert hash_query(page.url)["type"] == types[1]


def test_province_includes_its_regencies_and_the_regency_facet(portal: Any, http: Any) -> None:
    st, res = http.call("GET", "/catalog/search?page_size=1")
    province, count = next((p, n) for p, n in res["facets"]["province"].items() if n > 1)
    st, in_prov = http.call("GET", f"/catalog/search?province={province.replace(' ', '+')}&page_size=1")
    assert in_prov["total"] == count
    regencies = in_prov["facets"]["regency"]
    s = portal("desktop", bypass_csp=True)
    page = s.page
    page.goto(f"{s.portal}/#/cari")
    results_ready(page)
    tick(page, "province", province)
    assert hash_query(page.url)["province"] == province
    assert f"{count:,}".replace(",", ".") in page.inner_text("#result-count")
    listed = page.eval_on_selector_all('input[name="regency"]', "els => els.map(e => e.value)")
    assert set(listed) == set(regencies)  # only the regencies/cities of the chosen province
    if regencies:
        regency = next(iter(regencies))
        tick(page, "regency", regency)
        assert f"{regencies[regency]:,}".replace(",", ".") in page.inner_text("#result-count")
        assert hash_query(page.url) == {"province": province, "regency": regency}
    ready(page)
    assert not serious({"search, province and regency": violations(page)})
