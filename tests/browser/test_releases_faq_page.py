"""The admin page's "Kalender Rilis" and "FAQ" views (issue 12) in headless Chromium against the local stack:
a producer publishes a planned release from the month grid; a supervisor proposes a resolved consultation's
answer as a FAQ entry and approves it, after which it is public."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import new_consultation, wait_assigned, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_producer_publishes_a_planned_release_from_the_calendar(browser_session: Any, http: Any) -> None:
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Jakarta")).date()
    day = today + timedelta(days=20)
    status, item = http.call("POST", "/ops/catalog/items", "admin1", {
        "type": "publication", "title": "Statistik Harga Produsen Gabah Provinsi Jawa Tengah (uji kalender)",
        "subject": "Harga Produsen", "region_code": "33", "region": "Jawa Tengah", "level": "provinsi",
        "year": day.year, "release_date": day.isoformat(), "status": "planned", "series_id": "UJI-KALENDER-33"})
    assert status == 201, item
    s = browser_session("producer1", "#/kalender")
    page = s.page
    assert "Kalender Rilis" in page.locator("#sidebar .nav-link").all_inner_texts()
    page.wait_for_selector("#rel-table")
    if (day.year, day.month) != (today.year, today.month):
        page.click("#rel-next")
    chip = page.locator(f'#rel-table .rel-chip[data-id="{item["id"]}"]')
    chip.wait_for()
    assert "rel-planned" in (chip.get_attribute("class") or "")
    chip.click()
    page.wait_for_selector("#rel-detail .rel-item")
    page.once("dialog", lambda d: d.accept())
    page.click("#rel-publish")
    page.wait_for_selector(f'#rel-table .rel-chip.rel-published[data-id="{item["id"]}"]')
    status, now = http.call("GET", f"/catalog/items/{item['id']}")
    assert now["status"] == "published" and now["release_date"] == today.isoformat()  # published early


def test_supervisor_proposes_and_approves_a_faq_entry(browser_session: Any, http: Any) -> None:
    req = new_consultation(http, "Perbedaan angka kemiskinan Maret dan September")
    rid = req["request_id"]
    op = wait_assigned(http, rid)["assignee"]
    assert http.call("POST", f"/ops/requests/{rid}/start", op)[0] == 200
    answer = ("Angka kemiskinan Maret dan September berasal dari dua putaran Susenas; Maret mencakup "
              "kabupaten/kota, September hanya sampai provinsi.")
    assert http.call("POST", f"/ops/requests/{rid}/messages", op, {"body": answer})[0] == 201
    assert http.call("POST", f"/ops/requests/{rid}/complete", op, {"note": "terjawab"})[0] == 200

    s = browser_session("supervisor1", f"#/permintaan/{rid}")
    page = s.page
    page.click("#action-faq")
    page.wait_for_selector("#faq-form")
    assert page.input_value("#faq-form textarea[name=answer]") == answer
    page.fill("#faq-form textarea[name=question]", "Apa perbedaan angka kemiskinan Maret dan September?")
    page.click("#faq-submit")
    page.wait_for_url("**/#/faq")
    entry = page.locator(f'#faq-list .faq-item[data-id="FAQ-{rid}"]')
    entry.wait_for()
    entry.get_by_role("button", name="Setujui & terbitkan").click()
    page.wait_for_selector(f'#faq-list .faq-item[data-id="FAQ-{rid}"]', state="detached")
    public = wait_for(lambda: (lambda r: r[1]["items"] if r[0] == 200 else None)(
        http.call("GET", "/faq?q=kemiskinan+maret+september")), what="the approved FAQ entry")
    assert public[0]["faq_id"] == f"FAQ-{rid}" and public[0]["answer"] == answer
