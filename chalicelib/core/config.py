"""Runtime settings, read from the environment once, lazily (never at import time)."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, Field


class Settings(BaseModel):
    """Every knob of the app, with local-friendly defaults. Prod values come from `.chalice/config.json`
    and the merged CloudFormation template (table prefix, queue URLs, state machine ARN)."""

    stage: str = "local"
    region: str = "ap-southeast-3"
    prefix: str = "silastik-local"

    oidc_issuer: str = "http://127.0.0.1:8090"
    oidc_audience: str = "silastik"
    oidc_jwks_url: str = ""
    jwks_cache_seconds: int = 3600
    # identity provider claims -> app roles (chalicelib/core/auth.py; docs/deploy.md "Staff onboarding")
    oidc_client_id: str = ""  # the app's client at the IdP (Keycloak resource_access.<client>); default: audience
    oidc_role_claims: list[str] = Field(default_factory=lambda: [
        "roles", "realm_access.roles", "resource_access.{client}.roles", "cognito:groups"])
    oidc_role_map: str = ""  # "idp-group=role,other-group=role" (or a JSON object); app role names map to themselves
    oidc_default_roles: list[str] = Field(default_factory=list)  # roles of every authenticated user, e.g. consumer
    staff_roles_cache_s: float = 30.0  # how long a container trusts its copy of a user's staff-directory entry
    staff_role_source: str = "chalicelib.staff.service:grant"  # "" = roles from the IdP only

    deliverables_bucket: str = ""
    search_bucket: str = ""
    state_machine_arn: str = ""

    billing_provider: str = "simulator"
    billing_base_url: str = "http://127.0.0.1:8070"
    # secrets (chalicelib.core.secrets): in AWS only the Secrets Manager secret's ARN is in the environment;
    # the three values below are the local-only fallback used when billing_secret_id is empty
    billing_secret_id: str = ""
    secrets_max_age_s: int = 300
    billing_api_key: str = ""
    billing_webhook_secret: str = ""  # required; an empty secret refuses every webhook
    billing_webhook_secret_previous: str = ""  # accepted too while the provider rotates its signing secret
    billing_expiry_days: int = 7
    billing_expiry_s: int = 0  # overrides the days when > 0 (tests, demos)
    billing_webhook_tolerance_s: int = 300
    reconcile_after_s: int = 180
    reconcile_grace_s: int = 3 * 24 * 3600  # cancelled/expired billings are still asked about this long
    late_payment_decision_days: int = 3  # supervisors resume or refund a payment after close (told to the payer)
    stuck_paid_after_s: int = 300  # a paid request still awaiting_payment this long is advanced (or flagged)
    billing_auth: str = "key"  # key (static API key) | oauth2 (client credentials; client secret = the api_key)
    billing_oauth_token_url: str = ""
    billing_oauth_client_id: str = ""
    billing_oauth_scope: str = ""
    # SIMPONI codes on every billing (docs/simponi.md): ministry/agency, echelon I, work unit (satker), and the
    # PNBP revenue account per tariff item type ("default=425411,microdata=425412")
    simponi_ministry_code: str = "054"
    simponi_echelon1_code: str = "01"
    simponi_work_unit_code: str = "000000"
    simponi_revenue_accounts: str = "default=425411"

    portal_url: str = "http://127.0.0.1:8080"
    admin_url: str = "http://127.0.0.1:8080"
    cors_origins: list[str] = Field(default_factory=lambda: ["http://127.0.0.1:8080", "http://localhost:8080"])
    mail_from: str = "SILASTIK <no-reply@silastik.example.id>"
    supervisor_email: str = "supervisor1@bps.example.id"

    holidays: str = ""
    sla_days_consultation: int = 3
    sla_days_data_order: int = 5
    sla_days_complaint: int = 2
    sla_days_escalation: int = 2  # default of a producer unit without its own SLA (admins set it per unit)
    # approvals' SLA (issue 20): working days to decide; approvers reminded before and at the due date, the head
    # of the service unit after `approval_head_after_days` more working days; undecided after
    # `approval_timeout_s` the request expires and the consumer is told why
    sla_days_approval: int = 2
    approval_head_after_days: int = 1
    service_head: str = ""  # head(s) of the service unit: user ids or e-mails, comma-separated; "" = supervisors
    # the daily provider-vs-ledger reconciliation (issue 16, fulfilment/reconciliation.py): it reports on the
    # previous local day from this many minutes after local midnight; a discrepancy is sent to `finance_recipients`
    # (user ids or e-mails, comma-separated; "" = the supervisors)
    reconciliation_report_after_min: int = 60
    finance_recipients: str = ""

    max_body_bytes: int = 256 * 1024
    # abuse limits (chalicelib/core/ratelimit.py): "<action>=<count>/<seconds>,..." over the defaults there
    rate_limits: str = ""
    max_open_requests: int = 10  # open requests one consumer may hold at once (0 = no cap)
    upload_url_ttl_s: int = 900
    download_url_ttl_s: int = 900
    # deliverables and open catalog files through CloudFront (infra: DownloadsDistribution; chalicelib/delivery/cdn.py):
    # the distribution's origin (https://<domain>) and public key id, and the Secrets Manager secret holding the PEM
    # private key of that key (downloads_signing_key: the local-only fallback). Without an origin, links are
    # pre-signed S3 GETs.
    downloads_cdn_url: str = ""
    downloads_cdn_key_id: str = ""
    downloads_signing_secret_id: str = ""
    downloads_signing_key: str = ""
    download_window_days: int = 30
    max_upload_bytes: int = 5 * 1024**3
    # consumers' attachments (issue 19: justification letters, scanned documents): size cap and the accepted
    # content types (comma-separated; PDF, JPEG and PNG are the ones whose magic bytes are checked)
    attachment_max_bytes: int = 10 * 1024**2
    attachment_types: str = "application/pdf,image/jpeg,image/png"
    max_attachments: int = 10

    reminder_thresholds_h: list[int] = Field(default_factory=lambda: [24, 0])
    billing_reminder_h: int = 24
    rating_prompt_after_h: int = 24
    auto_complete_after_days: int = 7
    approval_timeout_s: int = 14 * 24 * 3600
    # consumer loop (issue 19): a question or quote unanswered this many working days expires the request; the
    # consumer is reminded this many working days before; the PNBP tariff of custom work (JSON; "" = built in)
    consumer_answer_days: int = 10
    consumer_reminder_days: int = 2
    tariff_file: str = ""
    fulfilment_timeout_s: int = 60 * 24 * 3600

    search_refresh_s: float = 30.0
    search_local_root: str = "/tmp/silastik-search"  # noqa: S108 - Lambda scratch space

    # beyond the original system (issue 12): release calendar, subscriptions, FAQ, privacy and retention
    releases_max_months: int = 13  # widest range of GET /catalog/releases
    subscriptions_per_user: int = 50
    faq_cache_s: float = 60.0  # approved FAQ entries are cached per container this long
    retention_days_messages: int = 730  # conversation bodies of closed requests are redacted after this
    retention_days_notifications: int = 365  # in-app notifications expire (DynamoDB TTL) after this
    retention_batch: int = 200  # requests examined per daily retention run

    def table(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    def queue(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    @property
    def deliverables_bucket_name(self) -> str:
        return self.deliverables_bucket or f"{self.prefix}-deliverables"

    @property
    def search_bucket_name(self) -> str:
        return self.search_bucket or f"{self.prefix}-search"

    @property
    def jwks_url(self) -> str:
        return self.oidc_jwks_url or ""


_LIST_FIELDS = {"cors_origins", "reminder_thresholds_h", "oidc_role_claims", "oidc_default_roles"}


def _from_env(environ: dict[str, str]) -> Settings:
    values: dict[str, object] = {}
    for name, field in Settings.model_fields.items():
        raw = environ.get(name.upper())
        if raw is None:
            continue
        if name in _LIST_FIELDS:
            items = [x.strip() for x in raw.split(",") if x.strip()]
            values[name] = [int(x) for x in items] if field.annotation == list[int] else items
        else:
            values[name] = raw
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    if region and "region" not in values:
        values["region"] = region
    return Settings(**values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return _from_env(dict(os.environ))


def reset_settings() -> None:
    """Forget cached settings (tests, or after the local stack rewrites the environment)."""
    get_settings.cache_clear()
