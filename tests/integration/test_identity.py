"""Identity (SPEC §8): e-mail addresses that link records or receive mail are verified ones — the SSO's
`email_verified`, or a code the app sends. An unverified address grants nothing; the desk's intake for an
unknown address files the request under an offline consumer that the real owner claims after verification.
Names are plain text, so the office's e-mails never carry an attacker's link."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.factories import put_operator, standard_catalog

CONSULT = {"kind": "consultation", "topic": "data", "subject": "PDRB", "question": "PDRB Aceh 2023?"}


def sent(to: str) -> list[Any]:
    from moto.ses.models import ses_backends

    return [m for m in ses_backends["123456789012"]["ap-southeast-3"].sent_messages
            if to in m.destinations.get("ToAddresses", [])]


def intake(api, email: str, name: str = "Siti Aminah") -> dict[str, Any]:
    st, r = api.post("/ops/requests", "operator1", {**CONSULT, "channel": "phone",
                                                     "consumer": {"name": name, "email": email, "phone": "+62811"}})
    assert st == 201, r
    return r


def code_sent_to(worker, address: str) -> str:
    worker.drain()
    mails = [m for m in sent(address) if "verifikasi" in m.subject.lower()]
    assert mails, f"no verification code was sent to {address}"
    return re.search(r"e-mail Anda: (\d{6})", mails[-1].body).group(1)


@pytest.fixture
def desk(aws_env):
    standard_catalog()
    put_operator("operator1", quota=20)


def test_an_unverified_address_grants_nothing(api, worker, desk):
    """The takeover: consumer2 claims the victim's address in PUT /me; the desk then logs the victim's phone
    request. It is not filed under consumer2, who can neither list, read nor pay it."""
    st, me = api.put("/me", "consumer2", {"email": "siti@example.id"})
    assert st == 200 and me["email"] == "consumer2@example.id" and me["pending_email"] == "siti@example.id"
    r = intake(api, "Siti@Example.id")
    assert r["consumer_id"] != me["user_id"]
    assert api.get(f"/requests/{r['request_id']}", "consumer2")[0] == 404
    assert r["request_id"] not in {x["request_id"] for x in api.get("/requests", "consumer2")[1]["items"]}
    worker.drain()
    # the office writes only to verified addresses: nothing about the request went to the typed address
    assert not [m for m in sent("siti@example.id") if r["request_id"] in m.subject + m.body]


def test_a_new_address_counts_once_confirmed_with_the_code(api, worker, desk):
    st, me = api.put("/me", "consumer2", {"email": "Baru@Example.id", "institution": "BPS"})
    assert st == 200 and me["email"] == "consumer2@example.id" and me["institution"] == "BPS"
    code = code_sent_to(worker, "baru@example.id")
    wrong = "000000" if code != "000000" else "111111"
    st, err = api.post("/me/email/verify", "consumer2", {"code": wrong})
    assert st == 400 and err["error"]["code"] == "wrong_code"
    assert api.post("/me/email/verify", "consumer2", {"code": "12"})[0] == 400  # not a code at all
    st, me = api.post("/me/email/verify", "consumer2", {"code": code})
    assert st == 200 and me["email"] == "baru@example.id" and me["pending_email"] is None
    assert api.post("/me/email/verify", "consumer2", {"code": code})[0] == 409  # used up
    r = intake(api, "baru@example.id")  # now the desk's intake links to consumer2
    assert r["consumer_id"] == me["user_id"]
    assert api.get(f"/requests/{r['request_id']}", "consumer2")[0] == 200


def test_the_code_expires_after_five_wrong_tries(api, worker, desk):
    api.put("/me", "consumer2", {"email": "tebak@example.id"})
    code = code_sent_to(worker, "tebak@example.id")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert api.post("/me/email/verify", "consumer2", {"code": wrong})[0] == 400
    st, err = api.post("/me/email/verify", "consumer2", {"code": code})
    assert st == 409 and err["error"]["code"] == "code_expired"


def test_the_owner_claims_what_the_desk_logged_for_their_address(api, worker, desk):
    r = intake(api, "rina@example.id", name="Rina Marlina")
    assert r["consumer_id"].startswith("offline-")
    again = intake(api, "RINA@example.id", name="Rina Marlina")
    assert again["consumer_id"] == r["consumer_id"]  # one offline consumer per address
    api.put("/me", "consumer1", {"email": "rina@example.id"})
    st, me = api.post("/me/email/verify", "consumer1", {"code": code_sent_to(worker, "rina@example.id")})
    assert st == 200
    mine = {x["request_id"] for x in api.get("/requests", "consumer1")[1]["items"]}
    assert {r["request_id"], again["request_id"]} <= mine
    later = intake(api, "rina@example.id")  # from now on the desk's intake links to the owner directly
    assert later["consumer_id"] == me["user_id"]


@pytest.mark.parametrize("name", ["Klik http://evil.example/bayar", "www.bps-resmi.com", "Admin <b>BPS</b>",
                                  "Budi hubungi admin@evil.example", "Info bps-pembayaran.id segera"])
def test_names_with_links_or_markup_are_refused(api, desk, name):
    st, err = api.put("/me", "consumer1", {"name": name})
    assert st == 400, err
    st, err = api.post("/ops/requests", "operator1", {**CONSULT, "channel": "phone",
                                                      "consumer": {"name": name, "email": "x@example.id"}})
    assert st == 400, err


@pytest.mark.parametrize("name", ["Budi Santoso, S.Kom.", "Dr. Ir. A.B. Nasution, M.Si.", "Ni Luh Putu Ayu"])
def test_real_names_are_accepted(api, desk, name):
    st, me = api.put("/me", "consumer1", {"name": name})
    assert st == 200 and me["name"] == name


def test_the_profile_says_whether_a_code_can_confirm_the_pending_address(api, worker, desk, tokens, frozen):
    """`pending_email_code_expires_at`: the portal asks for the code only while one can confirm the address, and
    otherwise offers to send one — at the first login with the identity provider's unverified address, none was."""
    import uuid

    user = f"warga-{uuid.uuid4().hex[:8]}"
    tokens.server.register(user, "demo", {"name": "Warga Baru", "email": f"{user}@example.id", "roles": ["consumer"]})
    st, me = api.get("/me", user)
    assert st == 200 and me["email"] is None and me["pending_email"] == f"{user}@example.id", me
    assert me["pending_email_code_expires_at"] is None  # the SSO's address, no code sent
    assert api.post("/me/email/verify", user, {"code": "123456"})[1]["error"]["code"] == "nothing_to_verify"

    st, me = api.put("/me", user, {"email": me["pending_email"]})  # "send a code" = save the pending address
    assert st == 200 and me["pending_email_code_expires_at"] > me["updated_at"], me
    code = code_sent_to(worker, f"{user}@example.id")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert api.post("/me/email/verify", user, {"code": wrong})[0] == 400
    assert api.get("/me", user)[1]["pending_email_code_expires_at"] is None  # out of attempts

    api.put("/me", user, {"email": f"{user}@example.id"})
    frozen.advance(minutes=31)
    assert api.get("/me", user)[1]["pending_email_code_expires_at"] is None  # expired

    api.put("/me", user, {"email": f"{user}@example.id"})
    st, me = api.post("/me/email/verify", user, {"code": code_sent_to(worker, f"{user}@example.id")})
    assert st == 200 and me["email"] == f"{user}@example.id" and me["pending_email_code_expires_at"] is None, me


def test_codes_are_capped_per_account(api, worker, desk, monkeypatch):
    """Each code is an e-mail to an address the caller typed: five an hour per account, then 429 — before any
    write, so the code already sent still confirms; profile edits without a new address are not counted."""
    sent_before = len(sent("bom@example.id"))
    for i in range(5):
        assert api.put("/me", "consumer2", {"email": f"bom{i}@example.id"})[0] == 200
    st, err = api.put("/me", "consumer2", {"email": "bom@example.id"})
    assert st == 429 and err["error"]["code"] == "too_many_requests", err
    worker.drain()
    assert len(sent("bom@example.id")) == sent_before  # nothing went to the sixth address
    st, me = api.put("/me", "consumer2", {"institution": "BPS Kota Bandung"})
    assert st == 200 and me["pending_email"] == "bom4@example.id", me  # the last accepted one still waits
    st, me = api.post("/me/email/verify", "consumer2", {"code": code_sent_to(worker, "bom4@example.id")})
    assert st == 200 and me["email"] == "bom4@example.id", me
