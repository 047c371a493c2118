"""CSV exports are safe to open in a spreadsheet (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io


def test_ledger_csv_neutralises_formulas(api, aws_env):
    """A consumer name that is a spreadsheet formula reaches the PNBP ledger CSV as text."""
    from chalicelib.billing.models import LedgerRecord

    LedgerRecord(month="2026-03", entry_key="2026-03-02T03:00:00+00:00#R-x", request_id="R-x",
                 consumer_id="c1", consumer_name='=HYPERLINK("http://evil.example","Klik")',
                 transaction_type="paid", amount_idr=150000, billing_code="123456789012345", ntpn="N1",
                 at="2026-03-02T03:00:00+00:00", recorded_by="provider", items=["TS-1"]).save()
    resp = api.client.http.get("/ops/reports/ledger.csv?from=2026-03-02&to=2026-03-02",
                               headers=api.tokens.headers("supervisor1", Accept="text/csv"))
    assert resp.status_code == 200
    rows = list(csv.DictReader(io.StringIO(resp.body.decode())))
    assert [r["consumer_name"] for r in rows] == ['\'=HYPERLINK("http://evil.example","Klik")']
    assert rows[0]["amount_idr"] == "150000"
