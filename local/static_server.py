"""Serves the static web apps of the local stack with a strict Content-Security-Policy and a generated
`config.json` telling the page where the API and the SSO issuer are:

- the admin page (admin/) on :8080 (`--app admin`, the default);
- the public portal (portal/) on :8081 (`--app portal`). Its text files are sent gzip-compressed when the
  browser accepts it (as CloudFront does in production). With `--billing-url` (local stack only) the portal's
  config names the billing simulator (`billingSimUrl`), reached through this server: `POST
  /_sim/simulate/pay` is forwarded to `<billing-url>/simulate/pay`, so the page needs no cross-origin access to
  the simulator. Nothing else is forwarded."""

from __future__ import annotations

import argparse
import gzip
import json
import os
import urllib.error
import urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

BASE = Path(__file__).resolve().parent.parent
ROOT = BASE / "admin"
ROOTS = {"admin": BASE / "admin", "portal": BASE / "portal"}
CLIENT_IDS = {"admin": "silastik-admin", "portal": "silastik-portal"}
SIM_PREFIX = "/_sim"
_COMPRESSIBLE = (".html", ".js", ".css", ".svg", ".json", ".txt", ".webmanifest")
_MAX_SIM_BODY = 4096


def csp(api_url: str, sso_url: str, s3_url: str) -> str:
    connect = " ".join(dict.fromkeys(["'self'", api_url, sso_url, s3_url]))
    return ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src {connect}; form-action 'self' {sso_url}; frame-ancestors 'none'; base-uri 'none'; "
            "object-src 'none'")


class Handler(SimpleHTTPRequestHandler):
    config: dict[str, Any] = {}
    policy = ""
    compress = False
    billing_url = ""

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", self.policy)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def _send_bytes(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?")[0]
        if path == "/config.json":
            self._send_bytes(200, json.dumps(self.config).encode(), "application/json")
            return
        if self.compress and self._send_compressed(path):
            return
        super().do_GET()

    def _send_compressed(self, path: str) -> bool:
        if "gzip" not in (self.headers.get("Accept-Encoding") or ""):
            return False
        fs_path = Path(self.translate_path(path))
        if fs_path.is_dir():
            fs_path = fs_path / "index.html"
        if not fs_path.is_file() or fs_path.suffix not in _COMPRESSIBLE:
            return False
        body = gzip.compress(fs_path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(fs_path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return True

    def do_POST(self) -> None:  # noqa: N802
        if not self.billing_url or self.path.split("?")[0] != f"{SIM_PREFIX}/simulate/pay":
            self._send_bytes(404, b'{"error": {"code": "not_found", "message": "not found"}}', "application/json")
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= _MAX_SIM_BODY:
            self._send_bytes(413, b'{"error": {"code": "payload_too_large", "message": "body too large"}}',
                             "application/json")
            return
        raw = self.rfile.read(length) if length else b"{}"
        req = urllib.request.Request(self.billing_url.rstrip("/") + "/simulate/pay", data=raw, method="POST",
                                     headers={"Content-Type": "application/json"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(req, timeout=20) as resp:
                status, body = resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
        except OSError:
            status, body = 502, b'{"error": {"code": "simulator_unavailable", "message": "billing simulator down"}}'
        self._send_bytes(status, body, "application/json")

    def log_message(self, fmt: str, *args: Any) -> None:
        if os.environ.get("STATIC_VERBOSE"):
            super().log_message(fmt, *args)


def make_server(host: str, port: int, api_url: str, sso_url: str, s3_url: str, root: Path | None = None,
                app: str = "admin", billing_url: str | None = None) -> ThreadingHTTPServer:
    config: dict[str, Any] = {"apiUrl": api_url, "ssoIssuer": sso_url, "clientId": CLIENT_IDS[app]}
    portal = app == "portal"
    if portal and billing_url:
        config["billingSimUrl"] = SIM_PREFIX
    handler = type(f"{app.title()}Handler", (Handler,), {
        "config": config,
        "policy": csp(api_url, sso_url, s3_url),
        "compress": portal,
        "billing_url": (billing_url or "") if portal else "",
    })
    return ThreadingHTTPServer((host, port), partial(handler, directory=str(root or ROOTS[app])))


def main() -> None:
    p = argparse.ArgumentParser(description="SILASTIK static page server (admin page or public portal)")
    p.add_argument("--app", choices=sorted(ROOTS), default="admin")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=None, help="default 8080 (admin) or 8081 (portal)")
    p.add_argument("--api-url", default="http://127.0.0.1:8000")
    p.add_argument("--sso-url", default="http://127.0.0.1:8090")
    p.add_argument("--s3-url", default="http://127.0.0.1:5000")
    p.add_argument("--billing-url", default=None, help="portal only: the local billing simulator")
    a = p.parse_args()
    port = a.port or (8081 if a.app == "portal" else 8080)
    srv = make_server(a.host, port, a.api_url, a.sso_url, a.s3_url, app=a.app, billing_url=a.billing_url)
    print(f"{'Portal' if a.app == 'portal' else 'Admin page'} on http://{a.host}:{port}", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
