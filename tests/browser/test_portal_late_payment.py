"""Issue 16 on the public portal: a consumer cancels an order and the bank accepts the payment anyway. The
request's page says, in Bahasa Indonesia, that the payment arrived after the order closed, what happens next and
by when; the billing page does not claim the order goes on; the list flags it. Once a supervisor decides, the page
shows the outcome: resumed (a link to the follow-up request, which says where it came from) or refunded (the
refund's date, never its staff-only reference). axe-core finds no serious or critical issue, on a phone and on a
desktop viewport."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_payments_page import _late_payment
from tests.browser.test_portal_a11y import ready, serious, violations

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_a_payment_after_close_is_explained_then_its_outcome_shown(portal: Any, http: Any, viewport: str) -> None:
    resumed = _late_payment(http, "consumer2")
    refunded = _late_payment(http, "consumer2")
    s = portal(viewport, bypass_csp=True)  # axe is injected as a script; the flow tests check the CSP
    page = s.login("consumer2", f"#/permintaan/{resumed['rid']}")
    ready(page, "#late-payment")
    found: dict[str, Any] = {}
    card = page.locator("#late-payment")
    text = card.inner_text()
    assert card.get_attribute("data-state") == "pending"
    assert "Pembayaran diterima setelah permintaan ditutup" in text
    assert "setelah permintaan ini dibatalkan" in text and resumed["paid"]["ntpn"] in text, text
    assert "melanjutkan pesanan Anda" in text and "mengembalikan dana Anda" in text and "paling lambat" in text
    assert "Menunggu keputusan supervisor" in text
    assert page.locator("#billing-status-summary").inner_text() == "Lunas"
    found["late pending"] = violations(page)

    # the billing page does not say the order goes on to the desk
    page.click("#late-receipt")
    ready(page, "#billing-late")
    assert "diterima setelah ditutup" in page.locator("#billing-late").inner_text()
    assert "diteruskan ke petugas" not in page.locator("main").inner_text()
    assert page.locator("#receipt").is_visible()
    found["late billing"] = violations(page)

    # the list says which closed order holds a payment
    s.go("#/permintaan")
    ready(page, f"li[data-id='{resumed['rid']}']")
    assert "Pembayaran diterima setelah ditutup" in page.locator(f"li[data-id='{resumed['rid']}']").inner_text()

    # a supervisor resumes one and refunds the other
    st, done = http.call("POST", f"/ops/payments/work-items/{resumed['item']['item_id']}/resume", "supervisor1",
                         {"note": "catatan internal"})
    assert st == 200, done
    follow = done["resolution"]["follow_up"]
    st, _ = http.call("POST", f"/ops/payments/work-items/{refunded['item']['item_id']}/refund", "supervisor1",
                      {"reference": "SPM-RAHASIA-01", "refunded_at": "2026-12-01T09:00:00+07:00"})
    assert st == 200

    s.go(f"#/permintaan/{resumed['rid']}")
    ready(page, "#late-payment[data-state='resumed']")
    text = page.locator("#late-payment").inner_text()
    assert "Pesanan Anda dilanjutkan" in text and follow in text and "catatan internal" not in text, text
    found["late resumed"] = violations(page)
    page.click("#late-follow-up")
    ready(page, "#follow-up-of")
    assert resumed["rid"] in page.locator("#follow-up-of").inner_text()
    assert follow in page.locator("main .lead").inner_text()
    found["follow-up"] = violations(page)

    s.go(f"#/permintaan/{refunded['rid']}")
    ready(page, "#late-payment[data-state='refunded']")
    text = page.locator("#late-payment").inner_text()
    assert "Dana Anda dikembalikan" in text and "1 Desember 2026" in text, text
    assert "SPM-RAHASIA-01" not in page.content() and "supervisor1" not in page.content()
    found["late refunded"] = violations(page)
    assert not serious(found), serious(found)
