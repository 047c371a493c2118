"""FAQ from answers (issue 12): an operator promotes a resolved consultation's answer (prefilled), a supervisor
reviews it, approved entries are public (`GET /faq`) and appear next to catalog search results."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.core import clock
from tests.factories import put_operator, standard_catalog
from tests.integration.helpers import order, status_of, submit

QUESTION = "Apa perbedaan inflasi month-to-month dan year-on-year pada rilis BPS?"
ANSWER = ("Inflasi month-to-month membandingkan IHK bulan ini dengan bulan sebelumnya, sedangkan year-on-year "
          "membandingkan dengan bulan yang sama tahun sebelumnya.")


def _resolved_consultation(api: Any, worker: Any, question: str = QUESTION, answer: str | None = ANSWER) -> str:
    rid = submit(api, {"kind": "consultation", "topic": "metadata", "subject": "Inflasi", "question": question})
    assert worker.run_until(lambda: status_of(api, rid) == "assigned")
    assert api.post(f"/ops/requests/{rid}/start", "operator1")[0] == 200
    if answer:
        assert api.post(f"/ops/requests/{rid}/messages", "operator1", {"body": "Catatan internal: cek rilis",
                                                                       "internal": True})[0] == 201
        assert api.post(f"/ops/requests/{rid}/messages", "operator1", {"body": answer})[0] == 201
    return rid


def _complete(api: Any, rid: str) -> None:
    st, r = api.post(f"/ops/requests/{rid}/complete", "operator1", {"note": "terjawab"})
    assert st == 200 and r["status"] == "delivered", r


@pytest.fixture
def setup(aws_env: dict[str, str]) -> None:
    standard_catalog()
    put_operator("operator1", quota=10)


def test_promote_review_publish_and_search(api, worker, setup):
    rid = _resolved_consultation(api, worker)
    st, err = api.post(f"/ops/requests/{rid}/faq", "operator1", {})
    assert st == 409 and err["error"]["code"] == "not_resolved"
    _complete(api, rid)

    st, draft = api.get(f"/ops/requests/{rid}/faq", "operator1")
    assert st == 200 and draft["can_propose"] and draft["question"] == QUESTION
    assert draft["answer"] == ANSWER  # the staff answer, never the internal note
    assert api.post(f"/ops/requests/{rid}/faq", "consumer1", {})[0] == 403
    assert api.post(f"/ops/requests/{rid}/faq", "producer1", {})[0] == 403
    st, entry = api.post(f"/ops/requests/{rid}/faq", "operator1", {})
    assert st == 201, entry
    assert entry["status"] == "proposed" and entry["question"] == QUESTION and entry["answer"] == ANSWER
    assert entry["request_id"] == rid and entry["proposed_by"] == "operator1" and entry["subject"] == "Inflasi"
    assert api.post(f"/ops/requests/{rid}/faq", "operator2", {})[0] == 404  # not theirs (SPEC §8)
    st, dup = api.post(f"/ops/requests/{rid}/faq", "supervisor1", {})
    assert st == 409 and dup["error"]["code"] == "duplicate"

    # proposed entries are not public yet
    assert api.get("/faq?q=inflasi")[1]["items"] == []
    st, queue = api.get("/ops/faq", "operator1")
    assert st == 200 and [e["faq_id"] for e in queue["items"]] == [entry["faq_id"]]
    assert api.get("/ops/faq", "consumer1")[0] == 403

    faq_id = entry["faq_id"]
    assert api.post(f"/ops/faq/{faq_id}/review", "operator1", {"decision": "approve"})[0] == 403
    st, err = api.post(f"/ops/faq/{faq_id}/review", "supervisor1", {"decision": "reject"})
    assert st == 400  # a rejection needs a reason
    polished = ANSWER + " Keduanya dihitung dari Survei Harga Konsumen."
    st, approved = api.post(f"/ops/faq/{faq_id}/review", "supervisor1", {"decision": "approve", "answer": polished})
    assert st == 200 and approved["status"] == "approved" and approved["reviewed_by"] == "supervisor1"
    assert approved["answer"] == polished
    assert api.post(f"/ops/faq/{faq_id}/review", "supervisor1", {"decision": "reject", "reason": "x"})[0] == 409
    assert api.get("/ops/faq?status=proposed", "operator1")[1]["items"] == []
    assert [e["faq_id"] for e in api.get("/ops/faq?status=approved", "operator1")[1]["items"]] == [faq_id]

    # public: anonymous, approved only, matched on stemmed words; no staff names or request link
    st, public = api.get("/faq?q=perbedaan+inflasi+bulanan")
    assert st == 200 and [e["faq_id"] for e in public["items"]] == [faq_id]
    assert public["items"][0]["answer"] == polished and "request_id" not in public["items"][0]
    assert "proposed_by" not in public["items"][0]
    assert api.get("/faq?q=peta+wilkerstat")[1]["items"] == []
    assert api.get("/faq")[1]["total"] == 1

    # catalog search offers it next to the catalog hits; the existing fields are unchanged
    from chalicelib.catalog import service

    service.rebuild_index([r.to_dict() for r in service.CatalogRepository().get_many(["TS-PAID1", "MP-PAID2"])
                           .values()])
    st, res = api.get("/catalog/search?q=inflasi")
    assert st == 200 and {"total", "page", "page_size", "items", "facets", "faq"} <= set(res)
    assert [f["faq_id"] for f in res["faq"]] == [faq_id] and res["faq"][0]["question"] == QUESTION
    st, res = api.get("/catalog/search?q=indeks+harga+konsumen+medan")
    assert res["items"][0]["id"] == "TS-PAID1" and [f["faq_id"] for f in res["faq"]] == [faq_id]  # CPI, too
    st, res = api.get("/catalog/search?q=peta+wilkerstat+menteng")
    assert res["items"][0]["id"] == "MP-PAID2" and res["faq"] == []
    assert api.get("/catalog/search")[1]["faq"] == []
    assert api.get("/catalog/search?q=inflasi&page=2")[1]["faq"] == []


def test_only_resolved_consultations_and_rejected_ones_again(api, worker, setup):
    rid_order = submit(api, order(["TS-FREE1"]))
    st, err = api.post(f"/ops/requests/{rid_order}/faq", "supervisor1", {})
    assert st == 409 and err["error"]["code"] == "not_a_consultation"
    assert api.post("/ops/requests/R000000-NOPE00/faq", "operator1", {})[0] == 404

    rid = _resolved_consultation(api, worker, "Bagaimana cara mengutip data BPS dalam skripsi?", answer=None)
    _complete(api, rid)
    st, err = api.post(f"/ops/requests/{rid}/faq", "operator1", {})
    assert st == 400 and "answer" in err["error"]["message"]  # nothing to prefill the answer from
    st, entry = api.post(f"/ops/requests/{rid}/faq", "operator1",
                         {"answer": "Cantumkan nama tabel, BPS sebagai sumber, tahun rilis dan tautan."})
    assert st == 201
    st, rej = api.post(f"/ops/faq/{entry['faq_id']}/review", "supervisor1",
                       {"decision": "reject", "reason": "Lengkapi dengan contoh format sitasi"})
    assert st == 200 and rej["status"] == "rejected" and rej["review_reason"].startswith("Lengkapi")
    assert api.get(f"/ops/requests/{rid}/faq", "operator1")[1]["can_propose"] is True
    st, again = api.post(f"/ops/requests/{rid}/faq", "operator1", {
        "question": "Bagaimana cara mengutip data BPS dalam karya ilmiah?",
        "answer": "Contoh: Badan Pusat Statistik (2026). Jumlah Penduduk Menurut Provinsi. Diakses dari ..."})
    assert st == 201 and again["status"] == "proposed" and again["faq_id"] == entry["faq_id"]
    assert again["review_reason"] is None and again["question"].endswith("karya ilmiah?")


def test_prefill_from_the_producers_escalation_answer(api, worker, setup):
    """Without a staff reply the draft is the producer's answer (the internal message the answer is saved as,
    without its header line), never an internal note of the operator."""
    from chalicelib.escalation.service import add_member

    add_member("sosial", "producer1", "Bambang Prasetyo")
    rid = _resolved_consultation(api, worker, "Apakah definisi pengangguran terbuka 2024 berubah?", answer=None)
    assert api.post(f"/ops/requests/{rid}/messages", "operator1", {"body": "Catatan: tanya unit sosial",
                                                                   "internal": True})[0] == 201
    st, esc = api.post(f"/ops/requests/{rid}/escalations", "operator1", {"unit": "sosial", "question": "Berubah?"})
    assert st == 201, esc
    reply = "Tidak berubah; lihat Pedoman Sakernas Agustus 2024 bab 2."
    assert api.post(f"/ops/escalations/{esc['escalation_id']}/answer", "producer1", {"answer": reply})[0] == 200
    _complete(api, rid)
    st, draft = api.get(f"/ops/requests/{rid}/faq", "operator1")
    assert st == 200 and draft["can_propose"] and draft["answer"] == reply
    st, entry = api.post(f"/ops/requests/{rid}/faq", "operator1", {})
    assert st == 201 and entry["answer"] == reply


def test_matching_uses_the_catalog_analysis_and_ranks(aws_env):
    from chalicelib.faq import service
    from chalicelib.faq.models import FaqRecord

    now = clock.iso()
    rows = [
        ("FAQ-1", "Berapa jumlah penduduk Indonesia menurut sensus terakhir?", "Hasil Sensus Penduduk 2020 ..."),
        ("FAQ-2", "Di mana data kemiskinan kabupaten tersedia?", "Tabel kependudukan dan kemiskinan ada di ..."),
        ("FAQ-3", "Bagaimana memesan peta Wilkerstat?", "Peta wilayah kerja statistik dipesan melalui ..."),
        ("FAQ-4", "Apakah data penduduk lansia tersedia per provinsi?", "Ya, tabel penduduk lansia ..."),
        ("FAQ-5", "Jumlah penduduk per kecamatan?", "Tersedia dalam publikasi Kecamatan Dalam Angka."),
    ]
    for faq_id, q, a in rows:
        FaqRecord(faq_id=faq_id, status="approved", question=q, answer=a, request_id=faq_id, proposed_by="operator1",
                  created_at=now, updated_at=now).save()
    FaqRecord(faq_id="FAQ-P", status="proposed", question="Jumlah penduduk kota?", answer="...", request_id="x",
              proposed_by="operator1", created_at=now, updated_at=now).save()
    service.invalidate()
    top = service.top_matches("kependudukan", 3)
    ids = [t["faq_id"] for t in top]
    assert len(ids) == 3 and "FAQ-P" not in ids  # stems: kependudukan ~ penduduk; approved only; top 3
    assert ids[0] in ("FAQ-1", "FAQ-4", "FAQ-5")  # in the question beats in the answer (FAQ-2)
    assert [t["faq_id"] for t in service.top_matches("peta wilker", 3)] == ["FAQ-3"]  # last word as a prefix
    assert service.top_matches("bagaimana cara", 3) == []  # question words only
    assert service.top_matches("jumlah penduduk", 1)[0]["faq_id"] in ("FAQ-1", "FAQ-5")
