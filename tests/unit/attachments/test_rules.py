"""Pure rules of issue 19 items 4-6: the attachment declaration, the magic bytes of the accepted types, the
lifecycle edges of a returned microdata application, the agreement version a consumer may accept, and the
identification of a consumer at intake."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chalicelib.attachments.models import MAGIC
from chalicelib.attachments.schemas import AttachmentIn
from chalicelib.core.errors import BadRequest, Conflict
from chalicelib.requests import agreement
from chalicelib.requests import lifecycle as lc
from chalicelib.requests.schemas import ContactIn
from chalicelib.requests.service import accepted_agreement
from chalicelib.users.service import mask_nik, normalize_phone

OK = {"filename": "Surat Kampus (1).pdf", "content_type": "application/pdf", "size_bytes": 10, "sha256": "A" * 64}


def test_a_valid_declaration_is_normalised():
    a = AttachmentIn(**OK)
    assert a.sha256 == "a" * 64 and a.purpose == "supporting"


@pytest.mark.parametrize("bad", [
    {"filename": "../etc/passwd.pdf"}, {"filename": ".hidden.pdf"}, {"filename": "makro.docm"},
    {"content_type": "application/zip"}, {"size_bytes": 0}, {"sha256": "xyz"}, {"purpose": "other"},
])
def test_bad_declarations_are_refused(bad):
    with pytest.raises(ValidationError):
        AttachmentIn(**{**OK, **bad})


def test_every_accepted_type_has_a_signature():
    assert set(MAGIC) == {"application/pdf", "image/jpeg", "image/png"}
    assert b"%PDF-1.7".startswith(MAGIC["application/pdf"])
    assert not b"MZ\x90\x00".startswith(MAGIC["application/pdf"] + MAGIC["image/png"])


def test_a_returned_application_goes_back_to_review_only_through_the_consumer():
    assert lc.can(lc.AWAITING_APPROVAL, lc.AWAITING_CONSUMER)
    assert lc.can(lc.AWAITING_CONSUMER, lc.AWAITING_APPROVAL)
    assert lc.can(lc.AWAITING_CONSUMER, lc.EXPIRED) and lc.can(lc.AWAITING_CONSUMER, lc.CANCELLED)
    assert not lc.can(lc.AWAITING_CONSUMER, lc.DELIVERED)
    assert lc.AWAITING_CONSUMER in lc.PAUSED  # the SLA clock does not run while the consumer revises


def test_the_agreement_version_accepted():
    now = agreement.current().version
    assert accepted_agreement(None) == now and accepted_agreement(now) == now
    with pytest.raises(BadRequest):
        accepted_agreement("0.0-unknown")


def test_an_older_agreement_version_is_a_conflict(monkeypatch):
    old = agreement.AGREEMENTS[0]
    new = agreement.Agreement("2099.1", "2000-01-01", old.title, old.text + " ")
    monkeypatch.setattr(agreement, "AGREEMENTS", (agreement.Agreement(old.version, "1999-01-01", old.title, old.text), new))
    agreement._by_version.cache_clear()
    try:
        with pytest.raises(Conflict) as e:
            accepted_agreement(old.version)
        assert e.value.code == "agreement_outdated"
    finally:
        agreement._by_version.cache_clear()


def test_intake_identifies_by_email_phone_or_nik():
    assert ContactIn(name="A", phone="0812 3456 7890").phone
    assert ContactIn(name="A", nik="3273012345678901").nik
    assert ContactIn(name="A", email="a@example.id", phone="+62811").email  # a short extra phone is fine
    for bad in ({"name": "A"}, {"name": "A", "phone": "0812"}, {"name": "A", "nik": "123"}):
        with pytest.raises(ValidationError):
            ContactIn(**bad)
    assert normalize_phone("0812-3456") == normalize_phone("+62 812 3456") == "628123456"
    assert mask_nik("3273012345678901") == "************8901"
