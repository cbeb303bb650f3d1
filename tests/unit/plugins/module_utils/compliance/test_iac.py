"""The IaC section from a real checkov run's JSON (tests/compliance/fixtures/iac): parsed, ordered, in every
report, and in the policy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.compliance import iac, runner
from ansible_collections.slipway.aws.plugins.module_utils.errors import PreflightError

from .test_report import NOW, evidence

FIXTURE = Path(__file__).resolve().parents[5] / "tests" / "compliance" / "fixtures" / "iac" / "checkov.json"
EXPECTED = [
    ("FAIL", "CKV_AWS_338", "aws_cloudwatch_log_group.short"),
    ("SKIPPED", "CKV_AWS_158", "aws_cloudwatch_log_group.short"),
    ("PASS", "CKV2_AWS_73", "aws_sqs_queue.encrypted"),
    ("PASS", "CKV_AWS_168", "aws_sqs_queue.encrypted"),
    ("PASS", "CKV_AWS_27", "aws_sqs_queue.encrypted"),
    ("PASS", "CKV_AWS_66", "aws_cloudwatch_log_group.short"),
]


def test_checkov_json_becomes_pass_fail_skipped_per_check_and_resource() -> None:
    section = iac.read_checkov(str(FIXTURE))
    assert [(c["status"], c["check_id"], c["resource"]) for c in section["checks"]] == EXPECTED
    assert section["summary"] == {"by_status": {"FAIL": 1, "SKIPPED": 1, "PASS": 4}, "parsing_errors": 0, "resources": 2}
    assert section["version"] == "3.3.30"
    skipped = section["checks"][1]
    assert skipped["reason"] == "the fixture needs one skip with a reason" and skipped["file"] == "/tests/compliance/fixtures/iac/terraform/main.tf"
    assert "file_abs_path" not in json.dumps(section) and "/work/main" not in json.dumps(section)


def test_every_report_carries_the_section_and_the_policy_judges_it(tmp_path: Path) -> None:
    base = {"controls": ["S3.14"], "now": NOW, "fail_on_severity": "NONE", "iac_checkov_report": str(FIXTURE)}
    out = runner.execute({**base, "output_dir": str(tmp_path / "a")}, collected=evidence())
    again = runner.execute({**base, "output_dir": str(tmp_path / "b")}, collected=evidence())
    for key, path in out["reports"].items():
        assert Path(path).read_bytes() == Path(again["reports"][key]).read_bytes(), key
    doc = json.loads(Path(out["reports"]["json"]).read_text())
    assert [c["check_id"] for c in doc["iac"]["checks"]] == [e[1] for e in EXPECTED]
    assert "## Infrastructure as code (checkov)" in Path(out["reports"]["markdown"]).read_text()
    html = Path(out["reports"]["html"]).read_text()
    assert html.count('<tr class="PASS" data-check=') == 4 and 'data-check="CKV_AWS_338"' in html
    junit = Path(out["reports"]["junit"]).read_text()
    assert '<testsuite name="iac:checkov" tests="6" failures="1" errors="0" skipped="1">' in junit
    assert out["policy_failed"] and any("1 failed IaC check(s) (CKV_AWS_338)" in f for f in out["failures"])
    assert any("IaC (checkov): 1 failed" in line for line in out["lines"])
    lenient = runner.execute({**base, "fail_on_iac": False}, collected=evidence())
    assert not lenient["policy_failed"], lenient["failures"]


@pytest.mark.parametrize("text", ["not json", '{"nothing": 1}', "[1, 2]"])
def test_a_report_that_is_not_checkovs_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(text)
    with pytest.raises(PreflightError, match="checkov"):
        runner.check_input({"iac_checkov_report": str(path)})
    with pytest.raises(PreflightError, match="cannot be read"):
        runner.check_input({"iac_checkov_report": str(tmp_path / "missing.json")})
