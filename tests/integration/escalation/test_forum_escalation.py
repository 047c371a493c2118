"""Helpdesk forum (staff only, mentions notify operators) and escalation of a request to a producer unit."""

from __future__ import annotations

import json
from typing import Any

from tests.factories import put_operator

CONSULT = {"kind": "consultation", "topic": "metadata", "subject": "Definisi pengangguran",
           "question": "Apa definisi pengangguran terbuka yang dipakai Sakernas?"}


def notifications(aws_env: dict[str, str], event: str | None = None) -> list[dict[str, Any]]:
    """Every message on the notify queue (left there for the test to read: nobody consumes them here), once the
    outbox has relayed what the changes wrote to it."""
    import boto3

    from tests.integration.helpers import relay_outbox

    relay_outbox()

    sqs = boto3.client("sqs", region_name="ap-southeast-3")
    out: list[dict[str, Any]] = []
    while True:
        resp = sqs.receive_message(QueueUrl=aws_env["NOTIFY_QUEUE_URL"], MaxNumberOfMessages=10,
                                   VisibilityTimeout=0)
        msgs = resp.get("Messages", [])
        if not msgs:
            break
        for m in msgs:
            sqs.delete_message(QueueUrl=aws_env["NOTIFY_QUEUE_URL"], ReceiptHandle=m["ReceiptHandle"])
        out.extend(json.loads(m["Body"]) for m in msgs)
    return [m for m in out if event is None or m["event"] == event]


# --- forum ---------------------------------------------------------------------------------------------
def test_forum_threads_posts_and_mentions(api, aws_env):
    from chalicelib.notify.templates import render

    for op in ("operator1", "operator2", "operator3"):
        put_operator(op, on_duty=False)
    st, req = api.post("/requests", "consumer1", CONSULT)
    assert st == 201
    rid = req["request_id"]

    # consumers (and office staff who are only consumers) cannot read or write the forum
    for user in ("consumer1", "staff1"):
        assert api.get("/ops/forum/threads", user)[0] == 403
        assert api.post("/ops/forum/threads", user, {"title": "x", "body": "y"})[0] == 403
    assert api.get("/ops/forum/threads")[0] == 401

    st, err = api.post("/ops/forum/threads", "operator1", {"title": "", "body": "isi"})
    assert st == 400
    st, err = api.post("/ops/forum/threads", "operator1", {"title": "Judul", "body": "isi", "request_id": "R-NOPE"})
    assert st == 400, err

    st, t1 = api.post("/ops/forum/threads", "operator1", {
        "title": "Rujukan definisi pengangguran",
        "body": "Ada yang punya rujukan KBLI/Sakernas? @operator2 mungkin tahu. Cc @nobody, email a@b.id",
        "request_id": rid})
    assert st == 201, t1
    tid = t1["thread_id"]
    assert t1["request_id"] == rid and t1["post_count"] == 1 and t1["posts"][0]["mentions"] == ["operator2"]
    mentions = notifications(aws_env, "forum_mention")
    assert [m["to_user"] for m in mentions] == ["operator2"]
    ctx = mentions[0]["ctx"]
    assert ctx["thread_title"] == "Rujukan definisi pengangguran" and tid in ctx["request_url"]
    assert ctx["request_id"] == rid
    mail = render("forum_mention", ctx)  # the context is complete for the template
    assert "Rujukan definisi pengangguran" in mail.subject and rid in mail.text

    st, t2 = api.post("/ops/forum/threads", "producer1", {"title": "Jadwal rilis", "body": "Kapan rilis BRS?"})
    assert st == 201 and t2["request_id"] is None
    assert notifications(aws_env, "forum_mention") == []

    # replies, in order; mentioning yourself notifies nobody, mentioning two operators notifies both
    st, p = api.post(f"/ops/forum/threads/{tid}/posts", "operator2", {"body": "Lihat pedoman Sakernas 2024. @operator2"})
    assert st == 201 and p["mentions"] == []
    st, p = api.post(f"/ops/forum/threads/{tid}/posts", "supervisor1",
                     {"body": "@operator1 dan @operator3: tolong tambahkan ke FAQ."})
    assert st == 201 and p["mentions"] == ["operator1", "operator3"]
    assert sorted(m["to_user"] for m in notifications(aws_env, "forum_mention")) == ["operator1", "operator3"]
    assert api.post("/ops/forum/threads/T-NOPE/posts", "operator1", {"body": "x"})[0] == 404
    assert api.post(f"/ops/forum/threads/{tid}/posts", "operator1", {"body": " "})[0] == 400

    st, detail = api.get(f"/ops/forum/threads/{tid}", "producer1")
    assert st == 200 and detail["post_count"] == 3
    assert [x["author"] for x in detail["posts"]] == ["operator1", "operator2", "supervisor1"]
    assert detail["last_post_by"] == "supervisor1"
    assert api.get("/ops/forum/threads/T-NOPE", "operator1")[0] == 404

    # list: most recently active first; filter by request; cursor pagination
    st, page = api.get("/ops/forum/threads", "operator3")
    assert st == 200 and [t["thread_id"] for t in page["items"]] == [tid, t2["thread_id"]]
    st, page = api.get(f"/ops/forum/threads?request_id={rid}", "admin1")
    assert [t["thread_id"] for t in page["items"]] == [tid]
    st, page = api.get("/ops/forum/threads?page_size=1", "operator1")
    assert len(page["items"]) == 1 and page["next_cursor"]
    st, page2 = api.get(f"/ops/forum/threads?page_size=1&cursor={page['next_cursor']}", "operator1")
    assert [t["thread_id"] for t in page2["items"]] == [t2["thread_id"]]


# --- escalation ----------------------------------------------------------------------------------------
def _relay_jobs(worker: Any) -> None:
    """Relay the outbox and run the jobs queue once (the notify queue is left for `notifications` to read)."""
    worker.poll_outbox()
    while worker.poll_queue("jobs"):
        pass


def _in_progress(api: Any, worker: Any) -> str:
    st, req = api.post("/requests", "consumer1", CONSULT)
    assert st == 201
    rid = req["request_id"]
    assert worker.run_until(lambda: api.get(f"/requests/{rid}", "consumer1")[1]["status"] == "assigned")
    assert api.post(f"/ops/requests/{rid}/start", "operator1")[0] == 200
    return rid


def test_escalation_to_a_producer_unit_and_back(api, worker, aws_env):
    from chalicelib.core import clock
    from chalicelib.escalation.service import add_member
    from chalicelib.requests.sla import calendar

    put_operator("operator1")
    add_member("sosial", "producer1", "Bambang Prasetyo")
    add_member("neraca", "producer1", "Bambang Prasetyo")
    rid = _in_progress(api, worker)
    worker.drain()
    notifications(aws_env)  # forget what the workflow sent so far

    body = {"unit": "sosial", "question": "Apakah definisi pengangguran terbuka 2024 berubah?"}
    assert api.post(f"/ops/requests/{rid}/escalations", "operator2", body)[0] == 404  # not the assignee (SPEC §8)
    assert api.post(f"/ops/requests/{rid}/escalations", "producer1", body)[0] == 403  # role
    assert api.post(f"/ops/requests/{rid}/escalations", "operator1", {**body, "unit": "keuangan"})[0] == 400
    assert api.post("/ops/requests/R-NOPE/escalations", "operator1", body)[0] == 404
    before = clock.now()
    st, e = api.post(f"/ops/requests/{rid}/escalations", "operator1", body)
    assert st == 201, e
    eid = e["escalation_id"]
    assert e["status"] == "open" and e["unit"] == "sosial" and e["request_id"] == rid
    expected_due = calendar().add_working_days(before, 2)  # settings.sla_days_escalation
    assert abs((clock.parse_iso(e["due_at"]) - expected_due).total_seconds()) <= 5
    st, r = api.get(f"/ops/requests/{rid}", "operator1")
    assert r["status"] == "escalated" and r["timeline"][-1]["status"] == "escalated"
    # escalating again while escalated is an illegal transition
    st, err = api.post(f"/ops/requests/{rid}/escalations", "operator1", body)
    assert st == 409 and err["error"]["code"] == "illegal_transition"

    _relay_jobs(worker)  # the unit's notice: an outbox row for the jobs queue, whose consumer tells each producer
    sent = notifications(aws_env, "escalation")
    assert [(m["to_user"], m["key"]) for m in sent] == [("producer1", f"escalation#{eid}#producer1")]
    assert sent[0]["ctx"]["request_id"] == rid and sent[0]["ctx"]["message_excerpt"] == body["question"]

    # who sees what
    st, page = api.get("/ops/escalations?status=open", "producer1")
    assert st == 200 and [x["escalation_id"] for x in page["items"]] == [eid]
    assert api.get("/ops/escalations?unit=produksi", "producer1")[0] == 403  # not their unit
    st, page = api.get("/ops/escalations?unit=sosial", "supervisor1")
    assert [x["escalation_id"] for x in page["items"]] == [eid]
    st, page = api.get("/ops/escalations?status=answered", "operator3")
    assert page["items"] == []
    assert api.get("/ops/escalations", "consumer1")[0] == 403

    # only a producer of the unit answers, once
    assert api.post(f"/ops/escalations/{eid}/answer", "operator1", {"answer": "x"})[0] == 403
    assert api.post(f"/ops/escalations/{eid}/answer", "producer1", {"answer": ""})[0] == 400
    assert api.post("/ops/escalations/E-NOPE/answer", "producer1", {"answer": "x"})[0] == 404
    answer = "Tidak berubah; lihat Pedoman Sakernas Agustus 2024 bab 2."
    st, done = api.post(f"/ops/escalations/{eid}/answer", "producer1", {"answer": answer})
    assert st == 200 and done["status"] == "answered" and done["answered_by"] == "producer1"
    st, again = api.post(f"/ops/escalations/{eid}/answer", "producer1", {"answer": "lagi"})
    assert st == 409

    st, r = api.get(f"/ops/requests/{rid}", "operator1")
    assert r["status"] == "in_progress"
    assert [t["status"] for t in r["timeline"]][-2:] == ["escalated", "in_progress"]
    st, msgs = api.get(f"/ops/requests/{rid}/messages", "operator1")
    internal = [m for m in msgs if m["internal"]]
    assert len(internal) == 1 and answer in internal[0]["body"] and internal[0]["author"] == "producer1"
    st, public = api.get(f"/requests/{rid}/messages", "consumer1")
    assert st == 200 and all(answer not in m["body"] for m in public)  # internal: not shown to the consumer
    told = [m for m in notifications(aws_env, "new_message") if m["to_user"] == "operator1"]
    assert len(told) == 1 and told[0]["ctx"]["message_excerpt"] == answer

    st, page = api.get(f"/ops/escalations?request_id={rid}", "operator1")
    assert [(x["escalation_id"], x["status"], x["answer"]) for x in page["items"]] == [(eid, "answered", answer)]

    # a second escalation (another unit) works once the request is back in progress; the list merges units
    st, e2 = api.post(f"/ops/requests/{rid}/escalations", "operator1", {"unit": "neraca", "question": "PDRB?"})
    assert st == 201
    st, page1 = api.get("/ops/escalations?page_size=1", "producer1")
    assert len(page1["items"]) == 1 and page1["next_cursor"]
    st, page2 = api.get(f"/ops/escalations?page_size=1&cursor={page1['next_cursor']}", "producer1")
    assert len(page2["items"]) == 1 and page2["next_cursor"] is None
    assert {x["escalation_id"] for x in page1["items"] + page2["items"]} == {eid, e2["escalation_id"]}
    assert api.get("/ops/escalations?cursor=bm9wZQ==", "producer1")[0] == 400

    # a unit producer1 does not belong to: they neither see nor answer its escalations
    st, e3 = api.post(f"/ops/escalations/{e2['escalation_id']}/answer", "producer1", {"answer": "PDRB ADHB."})
    assert st == 200
    st, e3 = api.post(f"/ops/requests/{rid}/escalations", "operator1", {"unit": "produksi", "question": "Luas panen?"})
    assert st == 201
    # neraca's went to producer1; produksi has no producer to notify
    _relay_jobs(worker)
    assert [m["ctx"]["unit"] for m in notifications(aws_env, "escalation")] == ["neraca"]
    assert api.post(f"/ops/escalations/{e3['escalation_id']}/answer", "producer1", {"answer": "x"})[0] == 403
    st, page = api.get("/ops/escalations", "producer1")
    assert e3["escalation_id"] not in {x["escalation_id"] for x in page["items"]} and len(page["items"]) == 2
    st, page = api.get("/ops/escalations?unit=produksi", "supervisor1")
    assert [x["escalation_id"] for x in page["items"]] == [e3["escalation_id"]]
    assert api.get(f"/ops/escalations/{e3['escalation_id']}", "producer1")[0] == 404
    assert api.get(f"/ops/escalations/{e3['escalation_id']}", "operator1")[0] == 200
