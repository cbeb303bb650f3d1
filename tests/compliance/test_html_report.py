"""The HTML report opened in Debian's chromium (headless): the findings table has one row per result, the values
are escaped (a hostile resource name stays text), and the filter script, preset from the URL's hash, hides exactly
the rows not matching. The playbook's own page is checked in test_compliance_report.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.compliance import runner

from .browser import render

NOW = "2025-06-01T00:00:00Z"
HOSTILE = 'arn:aws:s3:::x"><script>document.title="pwned"</script><b a=\'1'
TAGS = {"Project": "slipway", "Environment": "test", "ManagedBy": "terraform"}


def _resource(service: str, arn: str, base: dict[str, Any], areas: dict[str, Any]) -> dict[str, Any]:
    return {"arn": arn, "name": arn.rsplit(":", 1)[-1], "region": "us-east-1", "type": "T", "base": base, "areas": areas, "unavailable": {}}


def _evidence() -> dict[str, Any]:
    s3_good = {"policy": None, "public_access_block": {}, "logging": {"TargetBucket": "logs"}, "versioning": "Enabled", "tags": TAGS}
    s3_bad = {"policy": None, "public_access_block": {}, "logging": None, "versioning": None, "tags": {}}
    rds_ok = {"StorageEncrypted": True, "BackupRetentionPeriod": 7, "AutoMinorVersionUpgrade": True, "DeletionProtection": True, "PubliclyAccessible": False}
    parts = [
        {
            "service": "s3",
            "region": "us-east-1",
            "actions": [],
            "listing": None,
            "resources": [_resource("s3", "arn:aws:s3:::good", {}, s3_good), _resource("s3", HOSTILE, {}, s3_bad)],
        },
        {
            "service": "rds",
            "region": "us-east-1",
            "actions": [],
            "listing": None,
            "resources": [_resource("rds", "arn:aws:rds:us-east-1:123456789012:db:main", {**rds_ok, "TagList": []}, {"tags": TAGS})],
        },
    ]
    return {"account": "123456789012", "regions": ["us-east-1"], "services": parts}


def _page(tmp_path: Path) -> tuple[Path, list[dict[str, Any]]]:
    out = runner.execute({"controls": ["S3.9", "S3.14", "RDS.3", "RDS.8"], "now": NOW, "output_dir": str(tmp_path)}, collected=_evidence())
    doc = json.loads(Path(out["reports"]["json"]).read_text())
    return Path(out["reports"]["html"]), doc["findings"]


def _key(f: dict[str, Any]) -> tuple[str, str]:
    return (f["compliance"]["control"], f["resources"][0]["uid"])


def test_the_browser_shows_one_row_per_result_escaped(tmp_path: Path) -> None:
    path, findings = _page(tmp_path)
    page = render(path)
    assert page.body.get("data-filter") == "none", "the filter script did not run"
    assert sorted(page.visible) == sorted(_key(f) for f in findings)
    assert len(page.rows) == len(findings) == 6
    assert (("S3.9", HOSTILE)) in page.visible, "the hostile ARN is not text in its row"
    assert "pwned" not in path.read_text().replace("&quot;pwned&quot;", "")
    assert page.shown == "6"


def test_the_hash_presets_the_filter(tmp_path: Path) -> None:
    path, findings = _page(tmp_path)
    fails = sorted(_key(f) for f in findings if f["status"] == "FAIL")
    assert fails == [("S3.14", HOSTILE), ("S3.9", HOSTILE)]
    page = render(path, "status=FAIL")
    assert sorted(page.visible) == fails and page.shown == "2"
    assert page.body.get("data-filter") == "status=FAIL"
    rds = render(path, "service=rds&severity=low")
    assert rds.visible == [("RDS.8", "arn:aws:rds:us-east-1:123456789012:db:main")]
    several = render(path, "severity=MEDIUM,LOW&q=good")
    assert sorted(several.visible) == [("S3.14", "arn:aws:s3:::good"), ("S3.9", "arn:aws:s3:::good")]
    none = render(path, "status=ERROR")
    assert none.visible == [] and none.shown == "0" and len(none.rows) == 6


def test_a_malformed_hash_is_ignored_not_fatal(tmp_path: Path) -> None:
    path, findings = _page(tmp_path)
    page = render(path, "q=%E0%A4%A&status=FAIL&nonsense")
    assert page.body.get("data-filter") == "status=FAIL", "the filter script stopped on a malformed hash"
    assert sorted(page.visible) == sorted(_key(f) for f in findings if f["status"] == "FAIL")
