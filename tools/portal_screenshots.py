"""PNGs of the public portal on a phone (390×844) for the README, from a running local stack:

    .venv/bin/python tools/portal_screenshots.py http://127.0.0.1:8081   # `make portal-screenshots`

Places a paid data order for consumer1 through the API (with a message to the desk), then photographs the
search results, the order's billing page and the request detail: docs/screenshots/portal-*.png."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"


def main(portal: str) -> None:
    from playwright.sync_api import sync_playwright

    portal = portal.rstrip("/")
    cfg = requests.get(f"{portal}/config.json", timeout=10).json()
    api, sso = cfg["apiUrl"].rstrip("/"), cfg["ssoIssuer"].rstrip("/")
    token = requests.post(f"{sso}/token", data={"grant_type": "password", "username": "consumer1",
                                                "password": "demo"}, timeout=10).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    res = requests.get(f"{api}/catalog/search", params={"q": "inflasi", "page_size": 50}, timeout=30).json()
    item = next(i for i in res["items"] if i["price_idr"] > 0 and i["type"] != "microdata")
    req = requests.post(f"{api}/requests", headers=auth, timeout=30, json={
        "kind": "data_order", "items": [{"catalog_id": item["id"]}],
        "purpose": "Bahan skripsi tentang inflasi daerah"}).json()
    rid = req["request_id"]
    requests.post(f"{api}/requests/{rid}/messages", headers=auth, timeout=30,
                  json={"body": "Mohon datanya dalam format CSV. Terima kasih."})
    deadline = time.monotonic() + 60
    while requests.get(f"{api}/requests/{rid}/billing", headers=auth, timeout=10).status_code != 200:
        if time.monotonic() > deadline:
            raise SystemExit("no billing for the order")
        time.sleep(0.5)
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])
        ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="id-ID", timezone_id="Asia/Jakarta")
        page = ctx.new_page()
        page.goto(f"{portal}/#/cari?q=inflasi&type=table_static")
        page.wait_for_selector("#result-count")
        page.screenshot(path=str(OUT / "portal-search.png"))
        page.goto("about:blank")  # a new visit: the e-mail link's way in (straight to the SSO)
        page.goto(f"{portal}/#/permintaan/{rid}")
        page.wait_for_selector("#username")
        page.fill("#username", "consumer1")
        page.fill("#password", "demo")
        page.click("#submit")
        page.wait_for_selector("#status-card")
        page.wait_for_selector("#to-billing")
        page.screenshot(path=str(OUT / "portal-request.png"))
        page.goto(f"{portal}/#/permintaan/{rid}/tagihan")
        page.wait_for_selector("#billing-code")
        page.wait_for_timeout(300)
        page.screenshot(path=str(OUT / "portal-billing.png"))
        browser.close()
    for name in ("search", "billing", "request"):
        print(OUT / f"portal-{name}.png")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8081")
