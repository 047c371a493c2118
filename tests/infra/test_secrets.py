"""Issue 18 §4: the webhook secret and the SIMPONI API key are read at run time from Secrets Manager (Powertools
parameters, cached), never from the environment when the stack's secret is configured; during a rotation the
current and the previous webhook secret are both accepted, and a rotated-out secret is refused."""

from __future__ import annotations

import json
import time

import boto3
import pytest

from chalicelib.billing.signature import sign


def _webhook(api, secret: str):
    raw = json.dumps({"event_id": "evt-none", "billing_code": "999999999999999", "status": "paid",
                      "amount_idr": 1, "paid_at": "2026-11-29T10:00:00+07:00", "ntpn": "NTPN1"}).encode()
    return api.call("POST", "/webhooks/billing", body=raw, headers={"X-Signature": sign(secret.encode(), raw,
                                                                                           int(time.time()))})


@pytest.fixture
def secret_arn(aws_env, monkeypatch):
    from chalicelib.core import secrets
    from chalicelib.core.config import reset_settings

    sm = boto3.client("secretsmanager", region_name="ap-southeast-3")
    arn = sm.create_secret(Name="silastik-test/billing", SecretString=json.dumps(
        {"webhook_secret": "new-secret", "webhook_secret_previous": "old-secret", "api_key": "key-1"}))["ARN"]
    monkeypatch.setenv("BILLING_SECRET_ID", arn)
    monkeypatch.setenv("BILLING_WEBHOOK_SECRET", "env-secret-must-be-ignored")
    monkeypatch.setenv("BILLING_API_KEY", "env-key-must-be-ignored")
    reset_settings()
    secrets.reset()
    yield arn
    secrets.reset()
    monkeypatch.delenv("BILLING_SECRET_ID")
    reset_settings()


def test_secret_store_wins_over_environment_and_is_cached(secret_arn):
    from chalicelib.core import secrets

    assert secrets.webhook_secrets() == ["new-secret", "old-secret"]
    assert secrets.billing_api_key() == "key-1"
    sm = boto3.client("secretsmanager", region_name="ap-southeast-3")
    sm.put_secret_value(SecretId=secret_arn, SecretString=json.dumps({"webhook_secret": "newer", "api_key": "k2"}))
    assert secrets.webhook_secrets() == ["new-secret", "old-secret"]  # cached for SECRETS_MAX_AGE_S
    secrets.reset()
    assert secrets.webhook_secrets() == ["newer"]
    assert secrets.billing_api_key() == "k2"


def test_both_webhook_secrets_accepted_during_rotation(secret_arn, api):
    # a valid signature passes verification and then fails on the unknown billing (404), a bad one is 401
    assert _webhook(api, "new-secret")[0] == 404
    assert _webhook(api, "old-secret")[0] == 404
    st, body = _webhook(api, "env-secret-must-be-ignored")
    assert st == 401 and body["error"]["code"] == "invalid_signature"
    from chalicelib.core import secrets

    boto3.client("secretsmanager", region_name="ap-southeast-3").put_secret_value(
        SecretId=secret_arn, SecretString=json.dumps({"webhook_secret": "new-secret", "api_key": "key-1"}))
    secrets.reset()  # rotation finished: the previous secret is gone
    assert _webhook(api, "old-secret")[0] == 401
    assert _webhook(api, "new-secret")[0] == 404


def test_billing_provider_gets_the_api_key_from_the_store(secret_arn):
    from chalicelib.billing import service

    service._provider.cache_clear()
    assert "api_key=<set>" in repr(service.provider())


def test_local_fallback_without_secret_id(aws_env, monkeypatch):
    from chalicelib.core import secrets
    from chalicelib.core.config import reset_settings

    monkeypatch.delenv("BILLING_SECRET_ID", raising=False)
    monkeypatch.setenv("BILLING_WEBHOOK_SECRET_PREVIOUS", "prev")
    reset_settings()
    assert secrets.webhook_secrets() == ["test-webhook-secret", "prev"]
