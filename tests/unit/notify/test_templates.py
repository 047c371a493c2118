from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import pytest

from chalicelib.notify.templates import EVENTS, TEMPLATES, RenderedEmail, render

URL = "https://silastik.example.go.id/permintaan/REQ-20261129-0042"


def full_ctx(**overrides: Any) -> dict[str, Any]:
    ctx: dict[str, Any] = {
        "recipient_name": "Budi Santoso",
        "request_id": "REQ-20261129-0042",
        "request_url": URL,
        "code": "482913",
        "kind": "data_order",
        "status": "in_progress",
        "due_at": datetime(2026, 12, 4, 7, 30, tzinfo=UTC),  # Jumat 14.30 WIB
        "amount_idr": 1_250_000,
        "billing_code": "820261129004217",
        "expires_at": datetime(2026, 12, 6, 7, 30, tzinfo=UTC),  # Minggu 14.30 WIB
        "ntpn": "A1B2C3D4E5F6G7H8",
        "paid_at": datetime(2026, 11, 30, 2, 15, tzinfo=UTC),  # Senin 09.15 WIB
        "operator_name": "Andi Pratama",
        "message_excerpt": "Mohon data IPM per kabupaten tahun 2020-2024.",
        "reason": "Data belum tersedia pada tingkat desa",
        "hours_left": 24,
        "thread_title": "Permintaan data SUSENAS tingkat kecamatan",
        "item_title": "Inflasi Bulanan Kota Medan, November 2026",
        "release_date": "2026-12-01",
        "subscription_label": "Seri INFLASI-BULANAN-1275",
        "day": "2026-11-30",
    }
    ctx.update(overrides)
    return ctx


class _TextAndTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.hrefs += [v or "" for k, v in attrs if k == "href"]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(doc: str) -> _TextAndTags:
    parser = _TextAndTags()
    parser.feed(doc)
    parser.close()
    return parser


def test_events_and_templates_match() -> None:
    assert set(EVENTS) == set(TEMPLATES)
    assert len(EVENTS) == len(set(EVENTS)) >= 33  # 20 + the consumer loop's notices (issue 19) + issue 20's SLAs


@pytest.mark.parametrize("event", EVENTS)
def test_every_event_renders_with_full_context(event: str) -> None:
    email = render(event, full_ctx())
    assert isinstance(email, RenderedEmail)
    assert email.subject.startswith("[SILASTIK] ")
    assert "\n" not in email.subject
    assert "Yth. Budi Santoso," in email.text
    assert URL in email.text
    assert "{" not in email.text and "}" not in email.text  # no unfilled placeholder
    assert "SILASTIK" in email.text
    parsed = parse_html(email.html)
    assert URL in parsed.hrefs
    assert "script" not in parsed.tags
    assert email.html.startswith("<!DOCTYPE html>")
    if event == "subscription_release":
        assert "Inflasi Bulanan Kota Medan, November 2026" in email.subject
        assert "pesanan data REQ-20261129-0042 sebesar Rp 1.250.000 telah dibuat" in email.text
        assert "Selasa, 1 Desember 2026" in email.text
    elif event == "reconciliation_discrepancy":  # about a day's payments, not a request
        assert "Senin, 30 November 2026" in email.subject and "REQ-" not in email.subject
    elif event == "email_verification":  # about an address, not a request; no name of the requester in it
        assert "482913" in email.text and "REQ-" not in email.subject
    elif event != "forum_mention":
        assert "REQ-20261129-0042" in email.subject
        assert "REQ-20261129-0042" in email.text
    else:
        assert "Permintaan data SUSENAS tingkat kecamatan" in email.subject
        assert "terkait permintaan REQ-20261129-0042" in email.text


@pytest.mark.parametrize("event", EVENTS)
def test_every_event_renders_with_only_required_keys(event: str) -> None:
    spec = TEMPLATES[event]
    keys = set(spec.get("base_required", ("recipient_name", "request_id", "request_url"))) | set(
        spec["required"]
    )
    ctx = {k: v for k, v in full_ctx().items() if k in keys}
    email = render(event, ctx)
    assert URL in email.text
    assert "{" not in email.text


def test_script_in_recipient_name_is_escaped_in_html() -> None:
    evil = '<script>alert("x")</script> & Co'
    email = render("request_received", full_ctx(recipient_name=evil, message_excerpt="<b>hi</b>"))
    assert "<script>" not in email.html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in email.html
    assert "script" not in parse_html(email.html).tags
    # the plain-text part keeps the raw value
    assert f"Yth. {evil}," in email.text


@pytest.mark.parametrize("event", ["new_message", "escalation", "forum_mention", "request_rejected"])
def test_every_value_is_escaped(event: str) -> None:
    email = render(
        event,
        full_ctx(
            message_excerpt='<img src=x onerror="alert(1)">',
            reason="<iframe src=//evil>",
            operator_name="<b>Andi</b>",
            thread_title="<svg onload=alert(1)>",
        ),
    )
    tags = set(parse_html(email.html).tags)
    assert not tags & {"img", "iframe", "svg", "b", "script"}
    assert "&lt;" in email.html


def test_indonesian_dates_and_rupiah() -> None:
    billing = render("billing_issued", full_ctx())
    assert "Rp 1.250.000" in billing.text
    assert "satu juta dua ratus lima puluh ribu rupiah" in billing.text
    assert "Minggu, 6 Desember 2026 14.30 WIB" in billing.text
    assert "820261129004217" in billing.text
    assert "Rp 1.250.000" in billing.html
    assert "Minggu, 6 Desember 2026 14.30 WIB" in billing.html

    paid = render("payment_received", full_ctx())
    assert "NTPN: A1B2C3D4E5F6G7H8" in paid.text
    assert "Senin, 30 November 2026 09.15 WIB" in paid.text

    due = render("due_soon", full_ctx())
    assert "Jumat, 4 Desember 2026 14.30 WIB" in due.text
    assert "24 jam" in due.text
    assert "Permintaan Data" in due.text
    assert "Sedang diproses" in due.text


def test_kind_labels_in_indonesian() -> None:
    assert "Konsultasi Anda" in render("request_received", full_ctx(kind="consultation")).text
    assert "Pengaduan Anda" in render("request_received", full_ctx(kind="complaint")).text
    assert "permintaan data Anda" in render("request_rejected", full_ctx()).text


def test_optional_paragraphs_are_dropped() -> None:
    ctx = full_ctx()
    del ctx["operator_name"]
    email = render("overdue_supervisor", ctx)
    assert "Petugas penanggung jawab" not in email.text
    assert "Petugas penanggung jawab: Andi Pratama" in render("overdue_supervisor", full_ctx()).text

    mention = render("forum_mention", full_ctx())
    assert "Andi Pratama menyebut Anda" in mention.text
    assert "Anda disebut dalam diskusi" not in mention.text
    anonymous = {k: v for k, v in full_ctx().items() if k not in ("operator_name", "request_id")}
    mention = render("forum_mention", anonymous)
    assert "Anda disebut dalam diskusi forum helpdesk" in mention.text
    assert "terkait permintaan" not in mention.text


def test_hours_text_variants() -> None:
    assert "kurang dari 1 jam" in render("billing_expiring", full_ctx(hours_left=0.4)).text
    assert "3 jam" in render("billing_expiring", full_ctx(hours_left=2.6)).text
    assert "3 hari" in render("billing_expiring", full_ctx(hours_left=72)).text


def test_unknown_event_raises() -> None:
    with pytest.raises(ValueError, match="unknown"):
        render("birthday", full_ctx())


def test_missing_required_keys_raise() -> None:
    ctx = full_ctx()
    del ctx["billing_code"]
    with pytest.raises(KeyError, match="billing_code"):
        render("billing_issued", ctx)
    with pytest.raises(KeyError, match="recipient_name"):
        render("delivered", full_ctx(recipient_name=""))
    with pytest.raises(KeyError, match="reason"):
        render("request_rejected", full_ctx(reason=None))


def test_subject_cannot_carry_header_injection() -> None:
    email = render("forum_mention", full_ctx(thread_title="Halo\r\nBcc: victim@example.org"))
    assert "\r" not in email.subject and "\n" not in email.subject


def test_non_http_url_is_not_a_link() -> None:
    email = render("delivered", full_ctx(request_url="javascript:alert(1)"))
    assert not parse_html(email.html).hrefs
    assert "javascript:alert(1)" in email.html  # shown as text only


def test_long_message_excerpt_is_truncated() -> None:
    email = render("new_message", full_ctx(message_excerpt="kata " * 400))
    quoted = re.search(r'"(kata[^"]*)"', email.text)
    assert quoted is not None
    assert len(quoted.group(1)) <= 500
    assert quoted.group(1).endswith("\u2026")


def test_subscription_release_without_an_order() -> None:
    ctx = {k: v for k, v in full_ctx().items() if k not in ("request_id", "amount_idr")}
    email = render("subscription_release", ctx)
    assert "pesanan data" not in email.text
    assert "Langganan: Seri INFLASI-BULANAN-1275" in email.text
    ctx["amount_idr"] = None
    email = render("subscription_release", {**ctx, "request_id": "R261201-ABCDEF"})
    assert "pesanan data R261201-ABCDEF telah dibuat" in email.text
