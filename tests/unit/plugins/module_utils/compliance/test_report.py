"""Exceptions, the diff, the policy and the reports' determinism and shapes, on plain evidence."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.compliance import exceptions, report, runner
from ansible_collections.slipway.aws.plugins.module_utils.errors import PreflightError

from .test_controls import collected, resource

NOW = "2025-06-01T00:00:00Z"


def evidence() -> dict[str, Any]:
    tags = {"team": "web"}
    good = resource("good", {}, {"policy": None, "public_access_block": {}, "logging": None, "versioning": "Enabled", "tags": tags})
    bad = resource("bad", {}, {"policy": None, "public_access_block": {}, "logging": None, "versioning": None, "tags": {}})
    return collected("s3", good, bad)


def run(tmp: Path, **params: Any) -> dict[str, Any]:
    base = {"controls": ["S3.1", "S3.5", "S3.8", "S3.9", "S3.14"], "now": NOW, "output_dir": str(tmp), "fail_on_severity": "HIGH", "fail_on_error": True}
    return runner.execute({**base, **params}, collected=evidence())


def test_reports_are_byte_identical_for_the_same_evidence(tmp_path: Path) -> None:
    a, b = run(tmp_path / "a"), run(tmp_path / "b")
    for key, path in a["reports"].items():
        assert Path(path).read_bytes() == Path(b["reports"][key]).read_bytes(), key
    text = Path(a["reports"]["json"]).read_text()
    assert text.count(NOW) == 1


def test_exceptions_suppress_until_they_expire(tmp_path: Path) -> None:
    entries = [
        {"control": "S3.14", "resource": "arn:test:bad", "owner": "web", "justification": "scratch", "ticket": "OPS-1", "expires": "2025-12-31"},
        {"control": "S3.9", "tag": {"team": "web"}, "owner": "web", "justification": "old", "ticket": "OPS-2", "expires": "2025-01-01"},
        {"control": "S3.5", "resource": "arn:test:nothing", "owner": "web", "justification": "gone", "ticket": "OPS-3", "expires": "2025-12-31"},
    ]
    out = run(tmp_path, exceptions=entries)
    doc = json.loads(Path(out["reports"]["json"]).read_text())
    by = {(f["compliance"]["control"], f["resources"][0]["uid"]): f for f in doc["findings"]}
    assert by[("S3.14", "arn:test:bad")]["exception"]["ticket"] == "OPS-1"
    assert "exception" not in by[("S3.9", "arn:test:good")] and by[("S3.9", "arn:test:good")]["exception_expired"]["ticket"] == "OPS-2"
    assert [e["ticket"] for e in doc["exceptions"]["expired"]] == ["OPS-2"]
    assert [e["ticket"] for e in doc["exceptions"]["unmatched"]] == ["OPS-3"]
    assert out["policy_failed"] and any("expired" in f for f in out["failures"])
    sarif = json.loads(Path(out["reports"]["sarif"]).read_text())
    suppressed = [r for r in sarif["runs"][0]["results"] if r.get("suppressions")]
    assert [r["ruleId"] for r in suppressed] == ["S3.14"]


@pytest.mark.parametrize(
    "bad",
    [
        {"control": "S3.1", "owner": "x", "justification": "y", "ticket": "z", "expires": "2025-01-01"},
        {"control": "S3.1", "resource": "a", "tag": {"k": "v"}, "owner": "x", "justification": "y", "ticket": "z", "expires": "2025-01-01"},
        {"control": "S3.1", "resource": "a", "owner": "x", "justification": "y", "ticket": "z", "expires": "soon"},
        {"control": "S3.1", "resource": "a", "owner": "x", "justification": "y", "expires": "2025-01-01"},
    ],
)
def test_bad_exceptions_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(PreflightError):
        exceptions.parse([bad])


def test_diff_against_the_previous_report(tmp_path: Path) -> None:
    first = run(tmp_path)
    assert not first["diff"]["baseline"] and first["diff"]["new"]
    # second run in the same directory: the previous report is the baseline; one finding resolved by an exception
    entries = [{"control": "S3.8", "resource": "arn:test:bad", "owner": "w", "justification": "j", "ticket": "T-1", "expires": "2030-01-01"}]
    second = run(tmp_path, exceptions=entries)
    d = second["diff"]
    assert d["baseline"] and not d["new"]
    assert [(r["control"], r["resource"]) for r in d["resolved"]] == [("S3.8", "arn:test:bad")]
    assert ("S3.8", "arn:test:good") in [(r["control"], r["resource"]) for r in d["still_failing"]]
    assert not second["policy_failed"]  # nothing new at HIGH


def test_policy_threshold(tmp_path: Path) -> None:
    assert run(tmp_path / "h", fail_on_severity="HIGH")["policy_failed"]  # S3.8 is HIGH
    out = run(tmp_path / "c", fail_on_severity="CRITICAL")
    assert not out["policy_failed"], out["failures"]
    assert not run(tmp_path / "n", fail_on_severity="NONE")["policy_failed"]


def test_junit_and_sarif_shapes(tmp_path: Path) -> None:
    out = run(tmp_path)
    root = ET.parse(out["reports"]["junit"]).getroot()  # noqa: S314 - our own file
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert sorted(s.get("name") for s in suites) == ["S3.14", "S3.5", "S3.8", "S3.9"]
    for s in suites:
        cases = s.findall("testcase")
        assert int(s.get("tests")) == len(cases)
        assert int(s.get("failures")) == len([c for c in cases if c.find("failure") is not None])
    sarif = json.loads(Path(out["reports"]["sarif"]).read_text())
    assert sarif["version"] == "2.1.0"
    run0 = sarif["runs"][0]
    rules = [r["id"] for r in run0["tool"]["driver"]["rules"]]
    assert all(rules[r["ruleIndex"]] == r["ruleId"] for r in run0["results"])
    md = Path(out["reports"]["markdown"]).read_text()
    assert "## Summary by severity" in md and "arn:test:bad" in md


def test_report_orders_by_severity_then_control() -> None:
    doc = report.build(
        [
            {**base, "control": c, "severity": s}
            for c, s in (("B.1", "LOW"), ("A.1", "CRITICAL"), ("A.2", "LOW"))
            for base in [
                {
                    "status": "FAIL",
                    "resource": "r",
                    "region": "x",
                    "resource_type": "T",
                    "service": "s",
                    "reason": "why",
                    "evidence": {},
                    "title": "t",
                    "remediation": "fix",
                    "frameworks": [],
                }
            ]
        ],
        [],
        {"generated_at": NOW},
    )
    assert [f["compliance"]["control"] for f in doc["findings"]] == ["A.1", "A.2", "B.1"]


def test_html_is_self_contained_escaped_and_has_a_row_per_result(tmp_path: Path) -> None:
    hostile = resource('x"><script>alert(1)</script>', {}, {"policy": None, "public_access_block": {}, "logging": None, "versioning": None, "tags": {}})
    out = runner.execute({"controls": ["S3.1", "S3.5", "S3.8", "S3.9", "S3.14"], "now": NOW, "output_dir": str(tmp_path)}, collected=collected("s3", hostile))
    text = Path(out["reports"]["html"]).read_text()
    assert text.startswith("<!DOCTYPE html>") and text.count("<script>") == 1
    assert "alert(1)" in text and "<script>alert" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    for external in ("src=", "<link", "http://", "@import"):
        assert external not in text, external
    doc = json.loads(Path(out["reports"]["json"]).read_text())
    assert text.count("<tr class=") == len(doc["findings"]) == 4
    assert text.count(NOW) == 1


def test_a_run_reads_judges_and_writes_with_the_cyclic_collector_paused_and_restores_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    seen: dict[str, bool] = {}
    judge, write = runner.judge, report.write

    def judging(*args: Any, **kwargs: Any) -> dict[str, Any]:
        seen["judge"] = gc.isenabled()
        return judge(*args, **kwargs)

    def writing(*args: Any, **kwargs: Any) -> dict[str, str]:
        seen["write"] = gc.isenabled()
        return write(*args, **kwargs)

    monkeypatch.setattr(runner, "judge", judging)
    monkeypatch.setattr(report, "write", writing)
    assert gc.isenabled()
    out = run(tmp_path)
    assert seen == {"judge": False, "write": False}
    assert gc.isenabled()
    assert Path(out["reports"]["json"]).is_file()

    # a run that fails restores it too, and a caller's own pause is left as it was
    with pytest.raises(PreflightError):
        run(tmp_path, controls=["NoSuch.1"])
    assert gc.isenabled()
    gc.disable()
    try:
        run(tmp_path)
        assert not gc.isenabled()
    finally:
        gc.enable()
