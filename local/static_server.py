"""Serves the admin page (admin/) on :8080 with a strict Content-Security-Policy and a generated
`config.json` telling the page where the API and the SSO issuer are."""

from __future__ import annotations

import argparse
import json
import os
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent / "admin"


def csp(api_url: str, sso_url: str, s3_url: str) -> str:
    connect = " ".join(dict.fromkeys(["'self'", api_url, sso_url, s3_url]))
    return ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src {connect}; form-action 'self' {sso_url}; frame-ancestors 'none'; base-uri 'none'; "
            "object-src 'none'")


class Handler(SimpleHTTPRequestHandler):
    config: dict[str, Any] = {}
    policy = ""

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", self.policy)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def do_GET(self) -> None:  # noqa: N802
        if self.path.split("?")[0] == "/config.json":
            body = json.dumps(self.config).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, fmt: str, *args: Any) -> None:
        if os.environ.get("STATIC_VERBOSE"):
            super().log_message(fmt, *args)


def make_server(host: str, port: int, api_url: str, sso_url: str, s3_url: str, root: Path = ROOT) -> ThreadingHTTPServer:
    handler = type("AdminHandler", (Handler,), {
        "config": {"apiUrl": api_url, "ssoIssuer": sso_url, "clientId": "silastik-admin"},
        "policy": csp(api_url, sso_url, s3_url),
    })
    return ThreadingHTTPServer((host, port), partial(handler, directory=str(root)))


def main() -> None:
    p = argparse.ArgumentParser(description="SILASTIK admin page server")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--api-url", default="http://127.0.0.1:8000")
    p.add_argument("--sso-url", default="http://127.0.0.1:8090")
    p.add_argument("--s3-url", default="http://127.0.0.1:5000")
    a = p.parse_args()
    srv = make_server(a.host, a.port, a.api_url, a.sso_url, a.s3_url)
    print(f"Admin page on http://{a.host}:{a.port}", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
