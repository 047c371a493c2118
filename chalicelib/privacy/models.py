"""What privacy keeps. It has no table of its own: erasure and retention rewrite the owners' records in place
(profile, requests, messages, notifications, subscriptions; financial records and the audit trail are kept), and
the retention run's progress is one idempotency record (`WATERMARK_KEY`: the last request examined)."""

from __future__ import annotations

#: what an erased personal text becomes (the owner's request) and what an expired conversation becomes
ERASED_TEXT = "[dihapus atas permintaan pemilik data]"
RETENTION_TEXT = "[dihapus sesuai kebijakan retensi]"
#: the idempotency record holding the message-retention watermark (created_at, request_id)
WATERMARK_KEY = "retention#messages#watermark"
