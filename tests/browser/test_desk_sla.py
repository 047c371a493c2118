"""Issue 20 in the admin page (headless Chromium, whole local stack): a supervisor marks an operator absent in
the operators view and sees their open requests redistributed (the timeline says why); the escalations view shows
due dates, the overdue ones, and the report of producer response times per unit with its CSV export."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest

from tests.browser.conftest import new_consultation, wait_assigned, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def _assign_to(http: Any, rid: str, operator: str) -> None:
    for _ in range(20):
        status, body = http.call("GET", f"/ops/requests/{rid}", "supervisor1")
        if body.get("assignee") == operator:
            return
        status, body = http.call("PATCH", f"/ops/requests/{rid}", "supervisor1", {"assignee": operator})
        if status == 200:
            return
        time.sleep(0.3)
    raise AssertionError(body)


def test_mark_absent_redistributes_open_requests(browser_session: Any, http: Any) -> None:
    rid = new_consultation(http, "Upah buruh tani")["request_id"]
    wait_assigned(http, rid)
    _assign_to(http, rid, "operator3")
    s = browser_session("supervisor1", "#/operator")
    page = s.page
    page.on("dialog", lambda d: d.accept())  # "Tandai ... tidak hadir?" confirmation
    try:
        page.wait_for_selector("#absent-operator3")
        page.click("#absent-operator3")
        page.wait_for_selector("#absent-badge-operator3")
        assert "Tandai hadir kembali" in page.inner_text("#absent-operator3")

        def moved() -> Any:
            status, body = http.call("GET", f"/ops/requests/{rid}", "supervisor1")
            return body if status == 200 and body["assignee"] not in (None, "operator3") else None
        rec = wait_for(moved, what=f"{rid} to leave operator3")
        assert "tidak hadir" in rec["timeline"][-1]["note"]

        s.go(f"#/permintaan/{rid}")
        page.wait_for_selector("text=dialihkan dari operator3")
        assert "tidak hadir" in page.inner_text("body")

        s.go("#/operator")
        page.wait_for_selector("#absent-badge-operator3")
        page.click("#absent-operator3")  # back at work
        page.wait_for_selector("#absent-operator3 >> text=Tandai tidak hadir")
    finally:
        http.call("PATCH", "/ops/operators/operator3", "supervisor1", {"absent": False})
    status, ops = http.call("GET", "/ops/operators", "supervisor1")
    assert {o["operator_id"]: o["absent"] for o in ops}["operator3"] is False


def test_escalations_view_shows_due_overdue_and_producer_report(browser_session: Any, http: Any) -> None:
    from chalicelib.core import clock
    from chalicelib.escalation.models import EscalationRecord

    rid = new_consultation(http, "Definisi rumah tangga")["request_id"]
    wait_assigned(http, rid)
    _assign_to(http, rid, "operator1")
    assert http.call("POST", f"/ops/requests/{rid}/start", "operator1")[0] == 200
    status, esc = http.call("POST", f"/ops/requests/{rid}/escalations", "operator1",
                            {"unit": "sosial", "question": "Apakah definisi rumah tangga Susenas 2024 berubah?"})
    assert status == 201, esc
    # one escalation asked a week ago and still open (its due date passed): written into the stack's tables
    now = clock.now()
    late = EscalationRecord(escalation_id="E-LATE-1", unit="neraca", created_at=clock.iso(now - timedelta(days=7)),
                            request_id=rid, request_kind="consultation", question="PDRB triwulanan?",
                            status="open", asked_by="operator1", asked_by_name="Operator Satu",
                            due_at=clock.iso(now - timedelta(days=3)), open_shard="OPEN", sla_days=2)
    late.save()

    s = browser_session("supervisor1", "#/eskalasi")
    page = s.page
    page.wait_for_selector(f"#escalation-list >> text={esc['escalation_id']}")
    row = page.locator("#escalation-list tr", has_text="E-LATE-1")
    assert "Terlambat" in row.inner_text() and "row-overdue" in (row.get_attribute("class") or "")
    fresh = page.locator("#escalation-list tr", has_text=esc["escalation_id"])
    assert "Terlambat" not in fresh.inner_text()

    page.wait_for_selector("#producer-table")
    neraca = page.locator("#producer-table tr[data-unit=neraca]")
    assert neraca.locator("td").nth(6).inner_text() == "1"  # open and past the due date
    sosial = page.locator("#producer-table tr[data-unit=sosial]")
    assert "Statistik Sosial" in sosial.inner_text()
    assert page.locator("#producer-table tr[data-unit=total]").count() == 1
    with page.expect_download() as dl:
        page.click("#producer-csv")
    path = dl.value.path()
    from pathlib import Path

    text = Path(path).read_text(encoding="utf-8")
    assert text.startswith('"Kode unit","Unit"') and '"neraca"' in text

    p = browser_session("operator1", "#/eskalasi").page  # operators see the list, not the report
    p.wait_for_selector("#escalation-list table")
    assert p.locator("#producer-table").count() == 0
