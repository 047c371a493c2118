"""Accessibility of every portal view (issue 21): axe-core (npm `axe-core`, pinned in tests/browser/package.json,
installed by `make node-deps`) finds no serious or critical issue, on a phone and on a desktop viewport; and the
first load of the home page transfers at most 150 KB (the page is plain ES modules, gzip from the server)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import wait_assigned, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
HOME_BUDGET_BYTES = 150 * 1024


def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make node-deps` (npm ci in tests/browser)")
    return AXE.read_text()


def ready(page: Any, selector: str = "#page-title") -> None:
    page.wait_for_selector(selector)
    expect(page.locator("main .loading")).to_have_count(0)


def violations(page: Any) -> list[dict[str, Any]]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    return page.evaluate("""async () => {
        const r = await axe.run(document, { resultTypes: ["violations"] });
        return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")) }));
    }""")


def audit(page: Any, view: str, found: dict[str, list[dict[str, Any]]]) -> None:
    found[view] = violations(page)


def serious(found: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    return {v: [x for x in vs if x["impact"] in ("serious", "critical")] for v, vs in found.items()
            if any(x["impact"] in ("serious", "critical") for x in vs)}


@pytest.fixture(scope="module")
def requests_for_views(http: Any) -> dict[str, str]:
    """A delivered consultation (conversation, rating form) and an unpaid order (billing page) of consumer1."""
    st, c = http.call("POST", "/requests", "consumer1", {"kind": "consultation", "topic": "metadata",
                                                        "subject": "Definisi rumah tangga",
                                                        "question": "Apa definisi rumah tangga di Susenas?"})
    assert st == 201, c
    rid = c["request_id"]
    op = wait_assigned(http, rid)["assignee"]
    assert http.call("POST", f"/ops/requests/{rid}/start", op, {})[0] == 200
    assert http.call("POST", f"/ops/requests/{rid}/messages", op, {"body": "Rumah tangga: sekelompok orang "
                                                                          "yang tinggal satu bangunan."})[0] == 201
    assert http.call("POST", f"/ops/requests/{rid}/complete", op, {"note": "terjawab"})[0] == 200
    st, res = http.call("GET", "/catalog/search?q=&page_size=100")
    paid = next(i for i in res["items"] if i["price_idr"] > 0 and i["type"] != "microdata")
    st, o = http.call("POST", "/requests", "consumer1", {"kind": "data_order", "items": [{"catalog_id": paid["id"]}],
                                                        "purpose": "Penelitian"})
    assert st == 201, o
    wait_for(lambda: http.call("GET", f"/requests/{o['request_id']}/billing", "consumer1")[0] == 200,
             timeout_s=40, what="the billing")
    micro = next((i for i in res["items"] if i["type"] == "microdata"), paid)
    # a delivered data order with a file, for the deliverables list
    st, d = http.call("POST", "/requests", "consumer1", {"kind": "data_order", "purpose": "Penelitian",
                                                        "custom_request": "Tabulasi khusus upah menurut provinsi"})
    assert st == 201, d
    did = d["request_id"]
    op = wait_assigned(http, did)["assignee"]
    assert http.call("POST", f"/ops/requests/{did}/start", op, {})[0] == 200
    data = b"provinsi,upah\nAceh,1\n"
    st, up = http.call("POST", f"/ops/requests/{did}/deliverables", op, {
        "filename": "upah.csv", "content_type": "text/csv", "size_bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest()})
    assert st == 201, up
    requests.post(up["upload"]["url"], data=up["upload"]["fields"], files={"file": ("upah.csv", data)}, timeout=15)
    wait_for(lambda: any(x["status"] == "ready" for x in http.call("GET", f"/ops/requests/{did}/deliverables", op)[1]),
             timeout_s=45, what="the upload to be verified")
    st, done = http.call("POST", f"/ops/requests/{did}/complete", op, {"note": "dikirim"})
    assert st == 200, done
    return {"consultation": rid, "order": o["request_id"], "delivered": did, "item": paid["id"], "micro": micro["id"]}


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_every_view_has_no_serious_accessibility_issue(portal: Any, requests_for_views: dict[str, str],
                                                       viewport: str) -> None:
    ids = requests_for_views
    s = portal(viewport, bypass_csp=True)  # axe is injected as a script; the flow tests check the CSP
    page = s.page
    found: dict[str, list[dict[str, Any]]] = {}
    public = ["#/", "#/cari?q=penduduk", "#/cari?q=penduduk&type=table_static&urut=terbaru",
              "#/cari?q=qqqzzzxxx", f"#/katalog/{ids['item']}", "#/kalender", "#/faq", "#/halaman-tidak-ada",
              "#/katalog/TIDAK-ADA"]
    for view in public:
        page.goto(f"{s.portal}/{view}")
        ready(page)
        audit(page, view, found)
    # the cart (not logged in), then the account gate of a page that needs one
    page.goto(f"{s.portal}/#/katalog/{ids['micro']}")
    ready(page, "#add-to-cart")
    page.click("#add-to-cart")
    page.click("#cart-link")
    ready(page, "#cart-table")
    audit(page, "#/keranjang (tamu)", found)
    page.click("#order-login")
    s.sso_login("consumer1")
    ready(page, "#order-form")
    audit(page, "#/keranjang", found)
    for view, selector in [
        ("#/konsultasi", "#consult-form"), ("#/pengaduan", "#complaint-form"), ("#/permintaan", "#request-list"),
        (f"#/permintaan/{ids['consultation']}", "#rating-form"), (f"#/permintaan/{ids['order']}", "#to-billing"),
        (f"#/permintaan/{ids['order']}/tagihan", "#billing-code"),
        (f"#/permintaan/{ids['delivered']}", "#deliverables"), ("#/permintaan/R-TIDAK-ADA", ".alert-error"),
        ("#/profil", "#profile-form"), ("#/langganan", "#subs"), ("#/notifikasi", "#notifs"),
        ("#/privasi", "#delete-form"),
    ]:
        page.goto(f"{s.portal}/{view}")
        ready(page, selector)
        audit(page, view, found)
    # a form with its error state showing
    page.goto(f"{s.portal}/#/privasi")
    ready(page, "#delete-form")
    page.fill("#delete-confirm", "tidak")
    page.click("#delete-account")
    page.wait_for_selector("#delete-form .alert-error")
    audit(page, "#/privasi (galat)", found)
    page.goto(f"{s.portal}/#/profil")
    ready(page, "#logout")
    page.click("#logout")
    page.goto(f"{s.portal}/#/profil")
    ready(page, "#gate-login")
    audit(page, "gerbang masuk", found)
    # the audit is live: a planted image without a text alternative is reported as critical
    page.evaluate("""() => { const i = document.createElement('img'); i.id = 'planted'; i.src = 'img/logo.svg';
        document.getElementById('main').append(i); }""")
    planted = violations(page)
    page.evaluate("() => document.getElementById('planted').remove()")
    assert any(v["id"] == "image-alt" and v["impact"] == "critical" for v in planted), planted
    total = sum(len(v) for v in found.values())
    print(f"\nPORTAL_A11Y viewport={viewport} views={len(found)} violations(minor/moderate)={total}")
    assert len(found) >= 25
    assert not serious(found), serious(found)


def test_home_first_load_is_at_most_150_kb(portal: Any) -> None:
    s = portal("phone")
    page = s.page
    sizes: list[tuple[str, int]] = []

    def on_finished(request: Any) -> None:
        sz = request.sizes()
        sizes.append((request.url, sz["responseBodySize"] + sz["responseHeadersSize"]))
    page.on("requestfinished", on_finished)
    page.goto(f"{s.portal}/", wait_until="networkidle")
    page.wait_for_selector("#home-releases li, #home-releases p:not(:has-text('Memuat'))")
    page.wait_for_load_state("networkidle")
    total = sum(n for _, n in sizes)
    print(f"\nPORTAL_HOME_TRANSFER bytes={total} requests={len(sizes)}")
    assert sizes and total <= HOME_BUDGET_BYTES, sorted(sizes, key=lambda x: -x[1])[:10]
