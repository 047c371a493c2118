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
        from chalicelib.core import secrets
        sm = secrets.provider().client  # Powertools' provider, on the shared client
        assert s3._loader is sqs._loader is ddb._loader is sm._loader, "clients from different botocore sessions"
        assert loaded.count("endpoints") == 1, loaded
        assert loaded.count("sdk-default-configuration") <= 1, loaded
        print("OK")
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("OK")


def test_the_sessions_loader_checks_one_service_directory_not_all_of_them(tmp_path, monkeypatch):
    """`name in list_available_services(type)` looks at that service's directory only (botocore lists ~450 of
    them, ~2,700 stat calls, for every client's first model); the answers are botocore's own, AWS_DATA_PATH first."""
    import os

    from botocore.exceptions import UnknownServiceError
    from botocore.loaders import Loader

    from chalicelib.core import aws

    custom = tmp_path / "data" / "silastikdemo" / "2026-01-01"
    custom.mkdir(parents=True)
    (custom / "service-2.json").write_text('{"metadata": {}, "operations": {}, "shapes": {}}')
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path / "data"))
    aws.reset_clients()
    try:
        loader = aws.botocore_session().get_component("data_loader")
        listed: list[str] = []
        real_listdir = os.listdir
        monkeypatch.setattr(os, "listdir", lambda p: listed.append(str(p)) or real_listdir(p))
        services = loader.list_available_services("service-2")
        assert "dynamodb" in services and "sqs" in services and "silastikdemo" in services
        assert "no-such-service" not in services and "../dynamodb" not in services and "" not in services
        assert len(listed) <= 3 * len(loader.search_paths) * 5, listed  # a few directories per name, not ~450
        monkeypatch.setattr(os, "listdir", real_listdir)
        assert sorted(services) == Loader.list_available_services(Loader(extra_search_paths=[str(tmp_path / "data")]),
                                                                  "service-2")
        try:
            aws.botocore_session().create_client("no-such-service", region_name="ap-southeast-3")
            raise AssertionError("an unknown service must be refused")
        except UnknownServiceError as exc:
            assert "dynamodb" in str(exc)  # the message lists the known services, as botocore's does
    finally:
        aws.reset_clients()
