"""Audit trail CLI: verify every hash chain (or one stream) and report the first broken link.

    python -m scripts.audit verify [--stream R261129-ABC123]
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from typing import Any


def verify_all(stream: str | None = None) -> dict[str, Any]:
    from chalicelib.audit.models import AuditRecord, verify_stream

    streams: dict[str, list[AuditRecord]] = defaultdict(list)
    records = AuditRecord.query(stream) if stream else AuditRecord.scan()  # offline tool: a Scan is fine here
    for r in records:
        streams[r.stream].append(r)
    broken = []
    for name, recs in sorted(streams.items()):
        ok, seq, reason = verify_stream(recs)
        if not ok:
            broken.append({"stream": name, "seq": seq, "reason": reason})
    return {"streams": len(streams), "records": sum(len(v) for v in streams.values()), "broken": broken}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.audit", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("verify", help="verify the hash chains")
    v.add_argument("--stream", help="only this stream (request id)")
    a = p.parse_args(argv)
    res = verify_all(a.stream)
    print(f"checked {res['streams']} streams, {res['records']} records")
    for b in res["broken"]:
        print(f"BROKEN stream={b['stream']} first bad seq={b['seq']}: {b['reason']}")
    if not res["broken"]:
        print("all chains intact")
    return 1 if res["broken"] else 0


if __name__ == "__main__":
    sys.exit(main())
