"""Every AWS client of a container comes from one botocore session: the endpoint data, the SDK defaults and the
credential chain are loaded once (a cold request creating S3 and DynamoDB clients paid them twice)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_boto3_and_pynamodb_clients_share_one_session_and_load_the_endpoint_data_once():
    code = textwrap.dedent("""
        import os
        os.environ.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="ap-southeast-3",
                          PREFIX="silastik-test")
        from botocore import loaders
        loaded = []
        orig = loaders.Loader.load_data_with_path
        def spy(self, name, *a, **k):
            loaded.append(name)
            return orig(self, name, *a, **k)
        loaders.Loader.load_data_with_path = spy
        from chalicelib.catalog.models import CatalogRecord
        from chalicelib.core import aws
        from chalicelib.requests.models import RequestRecord
        s3, sqs = aws.client("s3"), aws.client("sqs")
        ddb = CatalogRecord._get_connection().connection.client
        assert RequestRecord._get_connection().connection.client is ddb
        assert s3._loader is sqs._loader is ddb._loader, "clients from different botocore sessions"
        assert loaded.count("endpoints") == 1, loaded
        assert loaded.count("sdk-default-configuration") <= 1, loaded
        print("OK")
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("OK")
