"""`import app` must make no AWS call, create no client and read no settings (Lambda cold start)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_app_makes_no_aws_call_and_creates_no_client():
    code = textwrap.dedent("""
        import os, botocore.session, botocore.endpoint
        created = []
        orig = botocore.session.Session.create_client
        def spy(self, *a, **k):
            created.append(a[0] if a else k.get("service_name"))
            return orig(self, *a, **k)
        botocore.session.Session.create_client = spy
        def boom(*a, **k):
            raise AssertionError("AWS call at import")
        botocore.endpoint.Endpoint.make_request = boom
        import app
        from chalicelib.core import config
        assert config.get_settings.cache_info().currsize == 0, "settings were read at import"
        assert not created, created
        assert len(app.app.routes) > 20
        print("OK")
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("OK")


def test_heavy_modules_are_not_imported_by_app():
    code = ("import sys, app; heavy = [m for m in ('tantivy', 'fpdf', 'aws_xray_sdk', 'moto', 'jwt', 'cryptography', "
            "'Sastrawi', 'zstandard', 'aws_lambda_powertools.utilities.idempotency') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
