"""Legacy migration (issue 12): `python -m scripts.migrate_legacy` on docs/legacy_sample.csv — validation report
with line numbers, dry run, requests with their history and channel, consumers linked by email, paid rows into
billings and the PNBP ledger, idempotent re-runs, reconciliation, and no workflow for migrated requests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scripts.legacy import legacy_request_id
from scripts.migrate_legacy import main

SAMPLE = Path(__file__).resolve().parents[3] / "docs" / "legacy_sample.csv"
INVALID_LINES = {18: "consumer_email", 19: "status 'arsip'", 20: "paid_at is before submitted_at",
                 21: "duplicate legacy_id (first on line 2)", 22: "a payment needs both ntpn and paid_at"}


def _run(capsys: Any, *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _requests() -> list[Any]:
    from chalicelib.requests.models import RequestRecord

    return list(RequestRecord.scan())  # a test may scan


def test_dry_run_reports_bad_rows_and_writes_nothing(aws_env, capsys, tmp_path):
    report_path = tmp_path / "report.json"
    code, out, err = _run(capsys, SAMPLE, "--dry-run", "--json", report_path)
    assert code == 1  # some rows were refused
    for line, text in INVALID_LINES.items():
        assert any(row.startswith(f"line {line} ") and text in row for row in out.splitlines()), (line, out)
    assert "validating [" in err and "22/22" in err  # the progress bar, on stderr
    assert "would be imported" in out and "balance: OK" in out
    report = json.loads(report_path.read_text())
    assert report["rows"] == 22 and report["imported"] == 17 and report["invalid"] == 5 and report["dry_run"]
    assert sorted(e["line"] for e in report["errors"]) == sorted(INVALID_LINES)
    assert report["payments"]["rows_in"] == 4 and report["payments"]["idr_in"] == 2_150_000  # valid rows
    total_in = sum(b["idr"] for b in report["reconciliation"])
    assert total_in == 3_375_000 and "Rp 3.375.000" in out  # every row's amount, refused ones included
    assert _requests() == []
    from chalicelib.users.models import UserRecord

    assert list(UserRecord.scan()) == []


def test_import_with_history_ledger_and_idempotent_rerun(aws_env, api, capsys, tmp_path):
    from chalicelib.audit.models import AuditRecord
    from chalicelib.billing.models import BillingRecord, LedgerRecord
    from chalicelib.core import aws
    from chalicelib.requests import sweeper
    from chalicelib.requests.models import RequestRecord

    api.get("/me", "consumer1")  # consumer1's SSO profile exists: the legacy row with that email links to it
    code, out, err = _run(capsys, SAMPLE, "--json", tmp_path / "r.json")
    assert code == 1 and "importing [" in err
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["imported"] == 17 and report["already"] == 0 and report["balanced"]
    assert report["payments"]["ledger_written"] == 4 and report["payments"]["ledger_written_idr"] == 2_150_000
    recs = {r.legacy_id: r for r in _requests()}
    assert len(recs) == 17

    # a paid, rated order: history from the timestamps, paid billing, ledger row, audit
    r = recs["PST-2024-000118"]
    assert r.request_id == legacy_request_id("PST-2024-000118") and r.request_id.startswith("LG-")
    assert (r.kind, r.status, r.channel, r.transaction_type, int(r.total_idr)) == (
        "data_order", "completed", "portal", "paid", 300000)
    assert [(t.status, t.actor) for t in r.timeline] == [
        ("submitted", "legacy"), ("awaiting_payment", "legacy"), ("awaiting_payment", "legacy"),
        ("delivered", "legacy:Agus Salim"), ("completed", "legacy"), ("completed", "migration")]
    assert r.timeline[0].at == "2024-02-06T03:02:00+00:00"  # 10:02 WIB
    assert r.paid_at == "2024-02-06T08:40:00+00:00" and int(r.rating.score) == 4
    assert [i.catalog_id for i in r.items] == ["TS-0000123", "TS-0000456"] and r.legacy["operator"] == "Agus Salim"
    assert r.task is None and r.execution_name is None and r.problem is None
    b = BillingRecord.get("820240206000118")
    assert b.status == "paid" and b.ntpn == "4B7C91D2E3F4A5B6" and b.request_id == r.request_id
    ledger = [x for x in LedgerRecord.query("2024-02") if x.request_id == r.request_id]
    assert len(ledger) == 1 and int(ledger[0].amount_idr) == 300000 and ledger[0].recorded_by == "migration"
    audit = list(AuditRecord.query(r.request_id))
    assert [a.action for a in audit] == ["request.migrated"] and audit[0].data["legacy_id"] == "PST-2024-000118"

    # statuses mapped onto SPEC; open ones parked for a supervisor; Indonesian date format; channels kept
    status = {k: (v.status, v.channel, v.problem) for k, v in recs.items()}
    assert status["PST-2024-000166"] == ("delivered", "portal", None)
    assert status["PST-2024-000171"] == ("awaiting_payment", "portal", "legacy_open")
    assert status["PST-2024-000180"] == ("cancelled", "walk_in", None)
    assert status["PST-2024-000188"] == ("expired", "portal", None)
    assert status["PST-2024-000203"] == ("in_progress", "portal", "legacy_open")
    assert status["PST-2024-000219"] == ("rejected", "email", None)
    assert status["PST-2024-000251"] == ("submitted", "portal", "legacy_open")
    assert status["PST-2024-000131"][1] == "phone" and status["PST-2024-000230"][1] == "letter"
    assert recs["PST-2024-000245"].created_at == "2024-09-03T03:15:00+00:00"
    assert recs["PST-2024-000171"].billing_code is None  # the old unpaid code is not a billing here
    assert recs["PST-2025-000011"].question.startswith("Apakah ada data tingkat penghunian kamar hotel")
    assert "\n" in recs["PST-2025-000011"].question

    # consumers linked by email: the SSO user sees the migrated request; others got an offline profile
    mine = api.get("/requests", "consumer1")[1]["items"]
    assert [x["request_id"] for x in mine] == [recs["PST-2024-000230"].request_id]
    assert recs["PST-2024-000117"].consumer_id.startswith("offline-")
    assert api.get(f"/requests/{recs['PST-2024-000230'].request_id}", "consumer2")[0] == 404

    # no workflow: no execution started, and the sweeper leaves the migrated `submitted` one alone
    sfn = aws.client("stepfunctions")
    assert sfn.list_executions(stateMachineArn=aws_env["STATE_MACHINE_ARN"])["executions"] == []
    assert sweeper.sweep(grace_s=0) == {"restarted": 0, "flagged": 0}
    assert sfn.list_executions(stateMachineArn=aws_env["STATE_MACHINE_ARN"])["executions"] == []
    assert list(RequestRecord.open_due.query("OPEN")) == []  # no reminders either

    # visible to supervisors, flagged
    st, one = api.get(f"/ops/requests/{recs['PST-2024-000203'].request_id}", "supervisor1")
    assert st == 200 and one["legacy_id"] == "PST-2024-000203" and one["channel"] == "portal"
    st, page = api.get("/ops/requests?status=in_progress", "supervisor1")
    assert {(x["request_id"], x["problem"]) for x in page["items"]} == {
        (recs["PST-2024-000203"].request_id, "legacy_open"), (recs["PST-2024-000262"].request_id, "legacy_open")}

    # re-run: nothing new, everything reconciled as already present
    code, out, _ = _run(capsys, SAMPLE, "--json", tmp_path / "r2.json")
    again = json.loads((tmp_path / "r2.json").read_text())
    assert code == 1 and again["imported"] == 0 and again["already"] == 17 and again["balanced"]
    assert again["payments"]["ledger_already"] == 4 and len(_requests()) == 17
    assert len([x for x in LedgerRecord.query("2024-02") if x.request_id == r.request_id]) == 1
    assert "TOTAL" in out and "Rp 3.375.000" in out
    from chalicelib.audit.service import verify_all

    assert verify_all()["broken"] == []


def test_bad_files_and_clashes(aws_env, capsys, tmp_path):
    missing = tmp_path / "missing.csv"
    missing.write_text("legacy_id,kind,status\nX1,konsultasi,selesai\n", encoding="utf-8")
    code, _, err = _run(capsys, missing)
    assert code == 2 and "consumer_email" in err
    assert _run(capsys, tmp_path / "nope.csv")[0] == 2

    head = ("legacy_id,kind,channel,consumer_name,consumer_email,consumer_institution,submitted_at,status,subject,"
            "question_or_purpose,items,total_idr,billing_code,ntpn,paid_at,operator,completed_at,rating\n")
    rows = [
        "A-1,konsultasi,fax,Ani,ani@example.id,,2024-01-02,selesai,S,Tanya?,,0,,,,,2024-01-03,",
        "A-2,konsultasi,portal,Ani,ani@example.id,,2024-01-02,diproses,S,Tanya?,,0,,,,,,4",
        "A-3,konsultasi,portal,Ani,ani@example.id,,2099-01-02,baru,S,Tanya?,,15000,,,,,,",
        "A-4,permintaan_data,portal,Ani,ani@example.id,,2024-01-02,selesai,S,Riset,X1,1.5,,,,,2024-01-05,",
        "A-5,permintaan_data,portal,Ani,ani@example.id,,2024-01-02,selesai,S,Riset,X1,Rp 10.000,820240102000005,"
        "NTPN5,2024-01-02 10:00,,2024-01-05,",
        "A-6,permintaan_data,portal,Budi,budi@example.id,,2024-01-03,selesai,S,Riset,X2,Rp 20.000,820240102000005,"
        "NTPN6,2024-01-03 10:00,,2024-01-05,",
        "A-7,permintaan_data,portal,Ani,ani@example.id,,2024-01-02,terkirim,S,Riset,X1,0,,,,,,",
    ]
    f = tmp_path / "rows.csv"
    f.write_text(head + "\n".join(rows) + "\n", encoding="utf-8")
    code, out, _ = _run(capsys, f, "--json", tmp_path / "r.json")
    report = json.loads((tmp_path / "r.json").read_text())
    errors = {e["legacy_id"]: " ".join(e["errors"]) for e in report["errors"]}
    assert "channel 'fax'" in errors["A-1"]
    assert "only a completed request carries a rating" in errors["A-2"]
    assert "in the future" in errors["A-3"] and "cannot cost anything" in errors["A-3"]
    assert "not a rupiah amount" in errors["A-4"]
    assert "already used by another request" in errors["A-6"]  # A-5 took that billing code
    assert "needs completed_at" in errors["A-7"]
    assert report["imported"] == 1 and report["invalid"] == 6 and report["balanced"] and code == 1
