"""Screenshots of the operators' admin page (queue and reports) from a running stack.

    .venv/bin/python -m scripts.screenshots http://127.0.0.1:8080 supervisor1 [--seed 6] [--out docs/screenshots]

Logs in through the stack's SSO login page (demo password `demo`), like an operator would, and writes
`antrian.png` and `laporan.png` (plus `permintaan.png`, the detail of the first queued request) into the
output directory. `--seed N` first creates N demo requests through the API (the API and SSO addresses come
from the page's /config.json), hands them to USER, makes one overdue, starts one and delivers one, so the
pictures are not empty. Uses Debian's Chromium (/usr/bin/chromium), never a downloaded browser."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

SAMPLES = [
    ("consumer1", {"kind": "consultation", "topic": "data", "subject": "Inflasi tahunan menurut provinsi",
                   "question": "Apakah tersedia data inflasi tahunan menurut provinsi 2020–2024 dalam format Excel?"}),
    ("consumer2", {"kind": "consultation", "topic": "classification", "subject": "Kode KBLI usaha kedai kopi",
                   "question": "Usaha kedai kopi dengan layanan antar termasuk KBLI 2020 kode berapa?"}),
    ("consumer1", {"kind": "data_order", "purpose": "Penelitian skripsi tentang ketimpangan pendapatan",
                   "custom_request": "Rasio gini menurut kabupaten/kota di Jawa Timur 2018–2023"}),
    ("consumer2", {"kind": "complaint", "message": "Tautan unduhan publikasi Statistik Indonesia 2024 tidak dapat "
                                                   "dibuka sejak kemarin."}),
    ("consumer1", {"kind": "consultation", "topic": "metadata", "subject": "Metodologi penghitungan NTP",
                   "question": "Mohon penjelasan perubahan tahun dasar Nilai Tukar Petani."}),
    ("consumer2", {"kind": "data_order", "purpose": "Analisis pasar untuk studi kelayakan usaha",
                   "custom_request": "Jumlah rumah tangga menurut kecamatan di Kota Bandung 2023"}),
]


def _http_url(url: str) -> str:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise SystemExit(f"not an http(s) URL: {url!r}")
    return url.rstrip("/")


class Client:
    def __init__(self, api: str, sso: str) -> None:
        self.api, self.sso = _http_url(api), _http_url(sso)
        self.tokens: dict[str, str] = {}

    def token(self, user: str) -> str:
        if user not in self.tokens:
            data = urllib.parse.urlencode({"grant_type": "password", "username": user, "password": "demo"}).encode()
            with urllib.request.urlopen(self.sso + "/token", data=data, timeout=10) as r:  # noqa: S310 - http(s) only
                self.tokens[user] = json.loads(r.read())["access_token"]
        return self.tokens[user]

    def call(self, method: str, path: str, user: str, body: Any = None) -> tuple[int, Any]:
        req = urllib.request.Request(self.api + path, method=method,  # noqa: S310 - http(s) only
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {self.token(user)}"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:  # noqa: S310 - http(s) only
                raw = r.read()
                return r.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw)
            except ValueError:
                return e.code, raw.decode(errors="replace")


def seed(client: Client, user: str, n: int) -> None:
    """N demo requests handed to `user`: one overdue, one in progress, one delivered (and rated)."""
    ids = []
    for consumer, body in (SAMPLES * (n // len(SAMPLES) + 1))[:n]:
        status, rec = client.call("POST", "/requests", consumer, body)
        if status != 201:
            print(f"seed: POST /requests -> {status} {rec}", file=sys.stderr)
            continue
        ids.append((consumer, rec["request_id"]))
    for _consumer, rid in ids:
        for _ in range(60):
            status, rec = client.call("GET", f"/ops/requests/{rid}", "supervisor1")
            if status == 200 and rec.get("assignee"):
                break
            time.sleep(0.25)
        if rec.get("assignee") != user:
            client.call("PATCH", f"/ops/requests/{rid}", "supervisor1", {"assignee": user, "note": "contoh tangkapan layar"})
    if ids:
        yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="seconds")
        client.call("PATCH", f"/ops/requests/{ids[0][1]}", "supervisor1", {"due_at": yesterday})
    if len(ids) > 1:
        client.call("POST", f"/ops/requests/{ids[1][1]}/start", user)
        client.call("POST", f"/ops/requests/{ids[1][1]}/messages", user,
                    {"body": "Terima kasih, permintaan Anda sedang kami proses."})
    if len(ids) > 4:
        consumer, rid = ids[4]
        client.call("POST", f"/ops/requests/{rid}/start", user)
        client.call("POST", f"/ops/requests/{rid}/complete", user, {"note": "Penjelasan metodologi dikirim."})
        client.call("POST", f"/requests/{rid}/rating", consumer, {"score": 5, "comment": "Sangat membantu"})
    status, rec = client.call("POST", "/ops/requests", user, {
        "channel": "phone", "consumer": {"name": "Ibu Ratna Sari", "email": "ratna.sari@example.id",
                                         "institution": "Dinas Pertanian Kabupaten Bogor", "category": "government"},
        "kind": "consultation", "topic": "classification", "subject": "KBLI usaha penggilingan padi",
        "question": "Penelepon menanyakan kode KBLI 2020 untuk usaha penggilingan padi skala kecil."})
    if status != 201:
        print(f"seed: POST /ops/requests -> {status} {rec}", file=sys.stderr)
    print(f"seeded {len(ids) + (status == 201)} requests for {user}")


def shoot(admin: str, user: str, password: str, out: Path, width: int) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as pw:
        # Indonesian browser UI too (date inputs), not only the page
        env = {**os.environ, "LANG": "id_ID.UTF-8", "LANGUAGE": "id"}
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=[*CHROMIUM_ARGS, "--lang=id-ID"], env=env)
        try:
            ctx = browser.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1,
                                      locale="id-ID", timezone_id="Asia/Jakarta")
            page = ctx.new_page()
            page.goto(f"{admin}/#/antrian")
            page.wait_for_selector("#username", timeout=15_000)
            page.fill("#username", user)
            page.fill("#password", password)
            page.click("#submit")
            page.wait_for_selector("#page-title", timeout=15_000)
            if page.locator("#refused").count():
                raise SystemExit(f"{user} is not staff: the page refuses the login")
            page.wait_for_selector("#queue-body table, #queue-body .empty, #queue-body .alert", timeout=15_000)
            page.wait_for_timeout(400)
            written.append(out / "antrian.png")
            page.screenshot(path=str(written[-1]), full_page=True)
            first = page.locator("#queue-body tbody tr a.req-id").first
            if first.count():
                first.click()
                page.wait_for_selector("#messages .message, #messages .empty", timeout=15_000)
                page.wait_for_timeout(400)
                written.append(out / "permintaan.png")
                page.screenshot(path=str(written[-1]), full_page=True)
            page.goto(f"{admin}/#/laporan")
            page.wait_for_selector("#report-body .chart-grid, #report-body .alert, #page-title", timeout=15_000)
            page.wait_for_selector("#report-body .chart-grid, #report-body .alert", timeout=15_000)
            page.wait_for_timeout(400)
            written.append(out / "laporan.png")
            page.screenshot(path=str(written[-1]), full_page=True)
        finally:
            browser.close()
    return written


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Screenshots of the SILASTIK operator page (queue, reports)")
    p.add_argument("admin_url", nargs="?", default="http://127.0.0.1:8080")
    p.add_argument("user", nargs="?", default="supervisor1", help="a staff demo user (supervisor1 sees the reports)")
    p.add_argument("--password", default="demo")
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    p.add_argument("--seed", type=int, default=0, metavar="N", help="first create N demo requests for USER")
    p.add_argument("--width", type=int, default=1440)
    a = p.parse_args(argv)
    admin = _http_url(a.admin_url)
    if a.seed:
        with urllib.request.urlopen(admin + "/config.json", timeout=10) as r:  # noqa: S310 - http(s) only
            cfg = json.loads(r.read())
        seed(Client(cfg["apiUrl"], cfg["ssoIssuer"]), a.user, a.seed)
    for path in shoot(admin, a.user, a.password, a.out, a.width):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
