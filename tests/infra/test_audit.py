"""`make audit` (scripts/package.py --audit): the decision logic around pip-audit. The advisory sources are not
reachable from the development machines (OSV: no DNS; PyPI's per-version answers: nothing), so these tests drive
the logic with a stand-in advisory source; what they prove is that a clean answer is only trusted after the
known-vulnerable canary was flagged, and that every shipped distribution is audited."""

from __future__ import annotations

import zipfile

import pytest

from scripts import package


@pytest.fixture
def build(tmp_path):
    with zipfile.ZipFile(tmp_path / "deployment.zip", "w") as z:
        z.writestr("pillow-12.2.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: pillow\nVersion: 12.2.0\n")
        z.writestr("urllib3-2.8.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: urllib3\nVersion: 2.8.0\n")
    return tmp_path


def advisories(known: dict[str, list[str]], reachable: set[str]):
    def fake(pins, workdir, service="osv"):
        if service not in reachable:
            return {"error": "unreachable", "audited": 0, "vulnerable": []}
        vuln = [f"{p}: {', '.join(known[p])}" for p in pins if p in known]
        return {"audited": len(pins), "skipped": 0, "vulnerable": vuln}
    return fake


def test_shipped_requirements_are_read_from_the_package(build):
    assert package.shipped_requirements(build / "deployment.zip") == ["pillow==12.2.0", "urllib3==2.8.0"]


def test_no_trusted_answer_without_the_canary(build, monkeypatch):
    monkeypatch.setattr(package, "pip_audit", advisories({}, reachable={"pypi"}))  # answers, but knows nothing
    assert package.audit(build) == 2


def test_clean_and_vulnerable(build, monkeypatch):
    canary = {package.KNOWN_VULNERABLE: ["GHSA-mh33-7rrq-662w"]}
    monkeypatch.setattr(package, "pip_audit", advisories(canary, reachable={"osv"}))
    assert package.audit(build) == 0
    monkeypatch.setattr(package, "pip_audit", advisories({**canary, "pillow==12.2.0": ["PYSEC-X"]}, {"osv"}))
    assert package.audit(build) == 1
