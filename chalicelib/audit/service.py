"""Verifying the audit trail's hash chains (the chain itself is written with each change: audit/models.py)."""

from __future__ import annotations

from collections import defaultdict

from chalicelib.audit import repository
from chalicelib.audit.models import AuditRecord, verify_stream
from chalicelib.audit.schemas import BrokenLink, VerifyReport


def verify_all(stream: str | None = None) -> VerifyReport:
    """Every chain (or one stream): the number of streams and records, and the first broken link of each."""
    streams: dict[str, list[AuditRecord]] = defaultdict(list)
    for r in repository.stream(stream) if stream else repository.all_records():
        streams[r.stream].append(r)
    broken: list[BrokenLink] = []
    for name, recs in sorted(streams.items()):
        ok, seq, reason = verify_stream(recs)
        if not ok:
            broken.append({"stream": name, "seq": seq, "reason": reason})
    return {"streams": len(streams), "records": sum(len(v) for v in streams.values()), "broken": broken}
