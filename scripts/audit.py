"""Audit trail CLI: verify every hash chain (or one stream) and report the first broken link.

    python -m scripts.audit verify [--stream R261129-ABC123]
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.audit", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("verify", help="verify the hash chains")
    v.add_argument("--stream", help="only this stream (request id)")
    a = p.parse_args(argv)
    from chalicelib.audit.service import verify_all

    res = verify_all(a.stream)
    print(f"checked {res['streams']} streams, {res['records']} records")
    for b in res["broken"]:
        print(f"BROKEN stream={b['stream']} first bad seq={b['seq']}: {b['reason']}")
    if not res["broken"]:
        print("all chains intact")
    return 1 if res["broken"] else 0


if __name__ == "__main__":
    sys.exit(main())
