"""Canned replies (issue 20 item 4): supervisors manage them, operators list the active ones and insert one into
a request's reply box with the variables filled from that request — as plain text, in one pass."""

from __future__ import annotations

from tests.factories import put_operator

CONSULT = {"kind": "consultation", "topic": "metadata", "subject": "Definisi pengangguran",
           "question": "Apa definisi pengangguran terbuka?"}
BODY = ("Yth. {{nama_pemohon}},\n\nterima kasih atas pertanyaan Anda ({{id_permintaan}}) tentang {{perihal}}. "
        "Rinciannya dapat dilihat di {{tautan_permintaan}} .\n\nSalam, {{ nama_petugas }}")


def test_replies_crud_and_insert(api, worker):
    put_operator("operator1", quota=5)
    new = {"title": "Jawaban definisi", "topic": "metadata", "body": BODY}
    assert api.post("/ops/replies", "operator1", new)[0] == 403  # operators use, supervisors manage
    assert api.post("/ops/replies", "consumer1", new)[0] == 403
    assert api.get("/ops/replies", "producer1")[0] == 403
    st, err = api.post("/ops/replies", "supervisor1", {**new, "body": "Halo {{nama}} dan {{sandi}}"})
    assert st == 400 and "nama, sandi" in str(err), err  # unknown variables are refused when saved
    st, r1 = api.post("/ops/replies", "supervisor1", new)
    assert st == 201 and r1["active"] is True, r1
    st, r2 = api.post("/ops/replies", "supervisor1", {"title": "Salam pembuka", "topic": "general",
                                                      "body": "Selamat siang, {{nama_pemohon}}."})
    assert st == 201

    st, page = api.get("/ops/replies", "operator1")
    assert st == 200 and [r["reply_id"] for r in page["items"]] == [r1["reply_id"], r2["reply_id"]]
    assert {v["name"] for v in page["variables"]} >= {"nama_pemohon", "id_permintaan", "tautan_permintaan"}
    st, page = api.get("/ops/replies?topic=general", "operator1")
    assert [r["reply_id"] for r in page["items"]] == [r2["reply_id"]]

    # change and deactivate: operators no longer see it, supervisors can include it
    st, upd = api.put(f"/ops/replies/{r2['reply_id']}", "supervisor1",
                      {"title": "Salam pembuka", "topic": "general", "body": "Selamat pagi, {{nama_pemohon}}.",
                       "active": False})
    assert st == 200 and upd["active"] is False and upd["version"] == r2["version"] + 1
    assert [r["reply_id"] for r in api.get("/ops/replies", "operator1")[1]["items"]] == [r1["reply_id"]]
    assert len(api.get("/ops/replies?include_inactive=true", "supervisor1")[1]["items"]) == 2
    assert len(api.get("/ops/replies?include_inactive=true", "operator1")[1]["items"]) == 1

    # insert into a request's reply box (an operator who handles it), variables filled
    st, req = api.post("/ops/requests", "operator1", {
        "channel": "walk_in", "consumer": {"name": "Siti Aminah", "email": "siti@example.id"}, **CONSULT})
    assert st == 201, req
    rid = req["request_id"]
    assert worker.run_until(lambda: api.get(f"/ops/requests/{rid}", "supervisor1")[1]["status"] == "assigned")
    st, out = api.get(f"/ops/requests/{rid}/replies/{r1['reply_id']}", "operator1")
    assert st == 200, out
    assert out["title"] == "Jawaban definisi"
    body = out["body"]
    assert body.startswith(f"Yth. Siti Aminah,\n\nterima kasih atas pertanyaan Anda ({rid}) tentang "
                           "Definisi pengangguran. Rinciannya dapat dilihat di http"), body
    assert f"/#/permintaan/{rid} ." in body and "{{" not in body
    assert not body.endswith("operator1") or body.endswith("Salam, operator1")
    # an inactive reply, an unknown reply, and a request the caller does not handle: 404
    assert api.get(f"/ops/requests/{rid}/replies/{r2['reply_id']}", "operator1")[0] == 404
    assert api.get(f"/ops/requests/{rid}/replies/CRNOPE", "operator1")[0] == 404
    assert api.get(f"/ops/requests/{rid}/replies/{r1['reply_id']}", "operator2")[0] == 404

    # delete
    assert api.call("DELETE", f"/ops/replies/{r2['reply_id']}", "supervisor1")[0] == 204
    assert api.call("DELETE", f"/ops/replies/{r2['reply_id']}", "supervisor1")[0] == 404
    assert len(api.get("/ops/replies?include_inactive=true", "supervisor1")[1]["items"]) == 1


def test_fill_is_one_pass_plain_text():
    from chalicelib.replies.service import fill

    # a value that looks like a variable (or like markup) stays exactly as typed: never re-expanded, never HTML
    assert fill("Halo {{nama_pemohon}} ({{id_permintaan}})",
                {"nama_pemohon": "{{id_permintaan}} <b>x</b>", "id_permintaan": "R1"}) == \
        "Halo {{id_permintaan}} <b>x</b> (R1)"
