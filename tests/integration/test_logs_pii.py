"""No personal data or secrets in logs (issue 10): run a full flow with logging at DEBUG and inspect
everything written."""

from __future__ import annotations

import logging

from tests.factories import put_operator, standard_catalog
from tests.integration.helpers import order, paid_event, signed_webhook, status_of, submit


def test_full_flow_logs_no_pii_or_tokens(api, worker, capfd, caplog, monkeypatch):
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    caplog.set_level(logging.DEBUG, logger="silastik")
    from chalicelib.core import obs

    obs.logger().setLevel("DEBUG")
    standard_catalog()
    put_operator("operator1")
    api.put("/me", "consumer1", {"phone": "+6281299887766", "institution": "Universitas Indonesia"})
    rid = submit(api, order(["TS-PAID1"]))
    assert worker.run_until(lambda: status_of(api, rid) == "awaiting_payment")
    billing = api.get(f"/requests/{rid}/billing", "consumer1")[1]
    signed_webhook(api, paid_event(billing))
    signed_webhook(api, paid_event(billing), secret="forged")  # a refused one is logged too
    assert worker.run_until(lambda: status_of(api, rid) == "assigned")
    api.post(f"/ops/requests/{rid}/messages", "operator1", {"body": "Halo Budi, email saya operator1@bps.example.id"})
    worker.drain()
    out, err = capfd.readouterr()
    text = out + err + "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    assert "silastik" in text  # the JSON logs were captured (so the checks below can fail)
    token = api.tokens("consumer1")
    for secret in ("consumer1@example.id", "+6281299887766", "Budi Santoso", token[:40], "eyJ",
                   "test-webhook-secret", "v1="):
        assert secret not in text, f"{secret[:12]}… leaked into logs"


def test_library_loggers_never_print_items_even_at_root_debug(api, worker, caplog):
    """With the root logger at DEBUG (a common production misconfiguration), pynamodb and botocore would
    print whole items and request bodies (e-mails, phones, messages): their loggers are pinned."""
    caplog.set_level(logging.DEBUG)  # the root logger and the capture handler at DEBUG
    standard_catalog()
    put_operator("operator1")
    api.put("/me", "consumer1", {"phone": "+6281299887766", "institution": "Universitas Indonesia"})
    rid = submit(api, {"kind": "consultation", "topic": "data", "subject": "Inflasi",
                       "question": "Mohon data inflasi, hubungi +6281299887766"})
    worker.drain()
    api.post(f"/ops/requests/{rid}/messages", "operator1", {"body": "Halo, email saya operator1@bps.example.id"})
    worker.drain()
    text = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records)
    assert caplog.records, "nothing was captured, so the checks below could not fail"
    for secret in ("consumer1@example.id", "+6281299887766", "operator1@bps.example.id", "Budi Santoso"):
        assert secret not in text, f"{secret[:12]}… leaked into a library log"
    noisy = sorted({r.name for r in caplog.records if r.levelno < logging.WARNING
                    and r.name.split(".")[0] in ("pynamodb", "botocore", "boto3", "urllib3", "s3transfer")})
    assert noisy == [], noisy
