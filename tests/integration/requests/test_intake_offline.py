"""Intake of a consumer identified by phone or ID number (NIK) alone (issue 19 item 6): the request is tracked
by its number, nothing is mailed to anybody, and every notice for the consumer goes to the desk that logged it,
to be handed over."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import put_operator, standard_catalog

CONSULT = {"kind": "consultation", "topic": "data", "subject": "Inflasi", "question": "Inflasi Bandung 2024?"}


def intake(api, consumer: dict[str, Any], user: str = "operator1") -> tuple[int, Any]:
    return api.post("/ops/requests", user, {**CONSULT, "channel": "walk_in", "consumer": consumer})


def notifications(api, user: str) -> list[dict[str, Any]]:
    st, page = api.get("/me/notifications", user)
    assert st == 200, page
    return page["items"]


@pytest.fixture
def desk(aws_env):
    standard_catalog()
    put_operator("operator1", quota=20)


def test_phone_only_intake_is_tracked_by_number_and_its_notices_go_to_the_desk(api, worker, desk):
    from moto.ses.models import ses_backends

    st, r = intake(api, {"name": "Pak Darmo", "phone": "0812-3456-7890"})
    assert st == 201, r
    assert r["consumer_id"].startswith("offline-")
    assert r["consumer"]["email"] == "" and r["consumer"]["handover_desk"] == "operator1"
    worker.drain()
    # the desk got the "received" notice to hand over, naming the person and the number to call
    mine = [n for n in notifications(api, "operator1") if n["request_id"] == r["request_id"]]
    handed = [n for n in mine if n["delivery"] == "handover"]
    assert handed, mine
    assert "Pak Darmo" in handed[0]["subject"] and "0812-3456-7890" in handed[0]["subject"]
    assert "diserahkan" in handed[0]["subject"]
    assert "/#/permintaan/" in (handed[0]["url"] or "") and ":8081" not in (handed[0]["url"] or "")
    # and no e-mail went to anybody about it
    sent = ses_backends["123456789012"]["ap-southeast-3"].sent_messages
    about = [m for m in sent if r["request_id"] in (m.subject + m.body)]
    assert about and all(m.destinations["ToAddresses"] == ["operator1@bps.example.id"] for m in about), \
        [m.destinations for m in about]  # only the assignee's own "assigned" mail
    # the same number logged again (other spelling) is the same consumer
    st, again = intake(api, {"name": "Pak Darmo", "phone": "+62 812 3456 7890"})
    assert st == 201 and again["consumer_id"] == r["consumer_id"]


def test_desk_reply_to_a_phone_only_consumer_reaches_the_desk(api, worker, desk):
    st, r = intake(api, {"name": "Bu Sri", "nik": "3273012345678901"})
    assert st == 201, r
    assert r["consumer"]["nik"] == "************8901"  # only the last 4 digits are kept
    rid = r["request_id"]
    worker.drain()
    st, rec = api.get(f"/ops/requests/{rid}", "operator1")
    assert st == 200 and "3273012345678901" not in str(rec)
    st, _ = api.post(f"/ops/requests/{rid}/messages", "supervisor1", {"body": "Data sudah tersedia di loket."})
    assert st == 201
    worker.drain()
    msgs = [n for n in notifications(api, "operator1") if n["request_id"] == rid and n["event"] == "new_message"]
    assert msgs and msgs[0]["delivery"] == "handover" and "NIK ************8901" in msgs[0]["subject"]


@pytest.mark.parametrize("consumer", [
    {"name": "Tanpa Kontak"},
    {"name": "Nomor Pendek", "phone": "0812"},
    {"name": "NIK Salah", "nik": "12345"},
])
def test_intake_needs_email_phone_or_a_valid_nik(api, desk, consumer):
    st, r = intake(api, consumer)
    assert st == 400, r
    assert r["error"]["code"]


def test_email_intake_is_unchanged(api, worker, desk):
    st, r = intake(api, {"name": "Siti", "email": "siti.intake@example.id"})
    assert st == 201 and r["consumer"]["handover_desk"] is None
