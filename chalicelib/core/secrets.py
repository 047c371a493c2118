"""Run-time secrets: the billing webhook signing secrets and the SIMPONI API key (and, through `provider`, the
downloads signing key: chalicelib/delivery/cdn.py).

In AWS they live in one Secrets Manager secret (created by the stack, `BillingSecret` in infra/iam.json), read at
run time through Powertools parameters and cached per container for ``SECRETS_MAX_AGE_S`` seconds (default 300):
rotating them needs no redeploy, and the Lambda environment carries only the secret's ARN (``BILLING_SECRET_ID``),
never a secret value. The secret's value is JSON::

    {"webhook_secret": "<current>", "webhook_secret_previous": "<previous, during a rotation>", "api_key": "..."}

During a webhook-secret rotation both the current and the previous secret are accepted (docs/deploy.md, §3).

Local-only fallback: without ``BILLING_SECRET_ID`` (the local stack, the tests) the values come from
``BILLING_WEBHOOK_SECRET``, ``BILLING_WEBHOOK_SECRET_PREVIOUS`` and ``BILLING_API_KEY`` in the environment. The
deployed template sets none of these."""

from __future__ import annotations

from typing import Any

from chalicelib.core.config import get_settings

_provider: Any = None


def provider() -> Any:
    """Powertools' Secrets Manager provider on the container's shared client (`core.aws`): its default provider
    creates a boto3 session of its own, and the first webhook of a container loaded the endpoint data twice."""
    global _provider
    if _provider is None:
        from aws_lambda_powertools.utilities.parameters import SecretsProvider

        from chalicelib.core import aws

        _provider = SecretsProvider(boto3_client=aws.client("secretsmanager"))
    return _provider


def _secret() -> dict[str, Any] | None:
    s = get_settings()
    if not s.billing_secret_id:
        return None
    value = provider().get(s.billing_secret_id, transform="json", max_age=s.secrets_max_age_s)
    if not isinstance(value, dict):
        raise ValueError("the billing secret must be a JSON object")
    return value


def webhook_secrets() -> list[str]:
    """The webhook signing secrets accepted now: the current one first, then the previous one (rotation).
    Empty when none is configured (then every callback is refused)."""
    value = _secret()
    if value is None:
        s = get_settings()
        candidates = [s.billing_webhook_secret, s.billing_webhook_secret_previous]
    else:
        candidates = [value.get("webhook_secret") or "", value.get("webhook_secret_previous") or ""]
    return [c for c in candidates if c]


def billing_api_key() -> str:
    value = _secret()
    if value is None:
        return get_settings().billing_api_key
    return str(value.get("api_key") or "")


def reset() -> None:
    """Forget cached secret values (tests; a container picks up a rotation after SECRETS_MAX_AGE_S anyway)."""
    global _provider
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()
    _provider = None
