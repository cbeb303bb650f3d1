"""``ansible-playbook playbooks/compliance_report.yml`` against the emulator: every control's verdict on a compliant
and a non-compliant resource, the exit code, exceptions, the diff, determinism, JUnit and SARIF."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ansible_collections.slipway.aws.plugins.module_utils.compliance import controls as ctl
from ansible_collections.slipway.aws.plugins.module_utils.compliance import runner

from .browser import render
from .conftest import OTHER_ACCOUNT, Run, World

SCHEMA = Path(__file__).with_name("sarif-2.1.0-subset.schema.json")


@pytest.fixture(scope="module")
def first(world: World, playbook: Any, tmp_path_factory: pytest.TempPathFactory) -> Run:
    return playbook("-e", "env=test", reports=tmp_path_factory.mktemp("first"))


def test_each_control_judges_its_compliant_and_non_compliant_resource(first: Run, world: World) -> None:
    verdicts = first.verdicts()
    wrong = {}
    for control, (good, bad) in world.expected.items():
        got = (verdicts.get((control, good)), verdicts.get((control, bad)))
        if got != ("PASS", "FAIL"):
            wrong[control] = got
    assert not wrong, wrong
    # SecretsManager.1: neither test secret rotates (a rotating one needs a rotation function: tests/secrets covers it)
    assert verdicts[("SecretsManager.1", world.arns["secret-stale"])] == "FAIL"
    # account-wide controls: this account is the non-compliant one (the compliant one is OTHER_ACCOUNT, below)
    for control, (good, bad) in world.accounts.items():
        assert verdicts.get((control, bad)) == "FAIL", (control, bad, verdicts.get((control, bad)))
        assert (control, good) not in verdicts
    # ElastiCache: 6.0+ needs no AUTH token; a standalone Redis cluster is judged for backups, a Memcached one is not
    # (it is judged by ElastiCache.7 only, which covers every engine)
    assert verdicts[("ElastiCache.6", world.arns["redis7-group"])] == "PASS"
    assert verdicts[("ElastiCache.1", world.arns["redis-cluster"])] == "PASS"
    assert [k[0] for k in verdicts if k[1] == world.arns["memcached-cluster"]] == ["ElastiCache.7"]
    covered = set(world.expected) | set(world.accounts) | {"SecretsManager.1"}
    assert covered == set(ctl.CONTROLS), set(ctl.CONTROLS) - covered


def test_account_wide_controls_pass_in_the_compliant_account(world: World, playbook: Any, tmp_path: Path) -> None:
    """The same playbook with the other account's credentials (an assumed role): its account-level settings pass."""
    aws = {"region": "us-east-1", "endpoint_url": world.emulator.endpoint, **world.other_account}
    globs = ",".join(world.accounts)
    run = playbook("-e", "env=test", "-e", f"controls={globs}", "-e", json.dumps({"slipway_aws": aws}), reports=tmp_path)
    verdicts = run.verdicts()
    assert {c: verdicts.get((c, good)) for c, (good, _bad) in world.accounts.items()} == dict.fromkeys(world.accounts, "PASS"), run.stdout[-2000:]
    assert run.report["account"] == OTHER_ACCOUNT


def test_the_run_fails_on_new_high_findings_and_says_where(first: Run) -> None:
    assert first.rc != 0
    assert "compliance report failed" in first.stdout and "new finding(s) at or above HIGH" in first.stdout
    assert "compliance_report.md" in first.stdout
    assert first.report["summary"]["by_status"]["ERROR"] == 0, [f for f in first.report["findings"] if f["status"] == "ERROR"]


def test_second_run_diffs_and_exceptions_apply(world: World, playbook: Any, first: Run, tmp_path: Path) -> None:
    high = [
        (f["compliance"]["control"], f["resources"][0]["uid"])
        for f in first.report["findings"]
        if f["status"] == "FAIL" and f["severity"] in ("High", "Critical")
    ]
    exceptions = [{"control": c, "resource": r, "owner": "platform", "justification": "test", "ticket": "OPS-1", "expires": "2099-01-01"} for c, r in high]
    exceptions.append({"control": "S3.9", "tag": {"Project": "nobody"}, "owner": "x", "justification": "y", "ticket": "OPS-2", "expires": "2099-01-01"})
    # the first report, in the reports directory, is the baseline
    shutil.copy(first.reports / "compliance_report.json", tmp_path / "compliance_report.json")
    second = playbook("-e", "env=test", reports=tmp_path, exceptions=exceptions)
    doc = second.report
    assert doc["diff"]["baseline"] and not doc["diff"]["new"]
    assert {(r["control"], r["resource"]) for r in doc["diff"]["resolved"]} == set(high)
    assert [e["ticket"] for e in doc["exceptions"]["unmatched"]] == ["OPS-2"]
    assert second.rc == 0, second.stdout[-2000:]
    # one that expired fails the run again
    expired = [{**exceptions[0], "expires": "2000-01-01"}]
    third = playbook("-e", "env=test", reports=tmp_path, exceptions=expired)
    assert third.rc != 0 and "expired" in third.stdout


def test_controls_and_regions_are_checked(playbook: Any, tmp_path: Path) -> None:
    bad = playbook("-e", "env=test", "-e", "controls=NOPE.*", reports=tmp_path)
    assert bad.rc != 0 and "no control matches NOPE.*" in bad.stdout
    bad = playbook("-e", "env=test", "-e", "regions=mars", reports=tmp_path)
    assert bad.rc != 0 and "is not a comma-separated list of AWS regions" in bad.stdout
    only = playbook("-e", "env=test", "-e", "controls=RDS.1[037]", reports=tmp_path / "rds")
    assert {f["compliance"]["control"] for f in only.report["findings"]} == {"RDS.10", "RDS.13", "RDS.17"}


def test_reports_are_identical_for_the_same_evidence(world: World, tmp_path: Path) -> None:
    params = {"region": "us-east-1", "endpoint_url": world.emulator.endpoint, "access_key": "test", "secret_key": "test", "now": "2030-01-01T00:00:00Z"}
    a = runner.execute({**params, "output_dir": str(tmp_path / "a")})
    b = runner.execute({**params, "output_dir": str(tmp_path / "b")})
    for key, path in a["reports"].items():
        assert Path(path).read_bytes() == Path(b["reports"][key]).read_bytes(), key


def test_playbook_runs_differ_only_in_the_time_field(first: Run, playbook: Any, tmp_path: Path) -> None:
    again = playbook("-e", "env=test", reports=tmp_path)
    one, two = first.report, again.report
    assert one["metadata"].pop("generated_at") != "" and two["metadata"].pop("generated_at")
    assert one == two


def test_junit_structure(first: Run) -> None:
    root = ET.parse(first.reports / "compliance_report.xml").getroot()  # noqa: S314 - our own file
    assert root.tag == "testsuites"
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for suite in root.findall("testsuite"):
        cases = suite.findall("testcase")
        assert cases and int(suite.get("tests")) == len(cases)
        counts = {
            "failures": sum(c.find("failure") is not None for c in cases),
            "errors": sum(c.find("error") is not None for c in cases),
            "skipped": sum(c.find("skipped") is not None for c in cases),
        }
        for k, v in counts.items():
            assert int(suite.get(k)) == v, (suite.get("name"), k)
            totals[k] += v
        totals["tests"] += len(cases)
    assert {k: int(root.get(k)) for k in totals} == totals
    assert totals["failures"] == first.report["summary"]["by_status"]["FAIL"]


def test_sarif_validates_against_the_2_1_0_schema(first: Run) -> None:
    doc = json.loads((first.reports / "compliance_report.sarif").read_text())
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    results = doc["runs"][0]["results"]
    assert {r["kind"] for r in results} >= {"pass", "fail"}
    assert len(results) == len(first.report["findings"])


def test_now_is_the_only_time(first: Run) -> None:
    text = (first.reports / "compliance_report.json").read_text()
    stamp = first.report["metadata"]["generated_at"]
    assert text.count(stamp) == 1
    dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def test_the_html_page_in_a_headless_browser_shows_every_finding(first: Run) -> None:
    expected = sorted((f["compliance"]["control"], f["resources"][0]["uid"]) for f in first.report["findings"])
    page = render(first.reports / "compliance_report.html")
    assert sorted(page.visible) == expected and len(page.rows) == len(expected)
    failing_s3 = sorted(
        (f["compliance"]["control"], f["resources"][0]["uid"])
        for f in first.report["findings"]
        if f["status"] == "FAIL" and f["resources"][0]["group"]["name"] == "s3"
    )
    assert failing_s3, "the world has failing S3 buckets"
    assert sorted(render(first.reports / "compliance_report.html", "status=FAIL&service=s3").visible) == failing_s3


IAC = Path(__file__).with_name("fixtures") / "iac"
CHECKOV = Path(__file__).resolve().parents[2] / ".venv-checkov" / "bin" / "checkov"


def _iac_checks(run: Run) -> list[tuple[str, str, str]]:
    return [(c["status"], c["check_id"], c["resource"]) for c in run.report["iac"]["checks"]]


def test_the_iac_section_from_a_checkov_report(playbook: Any, tmp_path: Path) -> None:
    run = playbook("-e", "env=test", "-e", "controls=S3.14", "-e", f"compliance_report_iac_checkov_report={IAC / 'checkov.json'}", reports=tmp_path)
    assert ("FAIL", "CKV_AWS_338", "aws_cloudwatch_log_group.short") in _iac_checks(run)
    assert run.rc != 0 and "1 failed IaC check(s) (CKV_AWS_338)" in run.stdout
    assert "IaC (checkov): 1 failed, 1 skipped, 4 passed" in run.stdout
    lenient = playbook(
        "-e", "env=test", "-e", "controls=S3.14", "-e", f"compliance_report_iac_checkov_report={IAC / 'checkov.json'}",
        "-e", "compliance_report_fail_on_iac=false", "-e", "compliance_report_fail_on_severity=NONE", reports=tmp_path / "lenient",
    )  # fmt: skip
    assert lenient.rc == 0, lenient.stdout[-2000:]


def test_the_role_runs_checkov_for_the_iac_section(playbook: Any, tmp_path: Path) -> None:
    if not CHECKOV.exists():
        pytest.skip("checkov's virtualenv (.venv-checkov) is not here: `make checkov` makes it (a heavy install)")
    run = playbook(
        "-e", "env=test", "-e", "controls=S3.14", "-e", "compliance_report_iac=true", "-e", f"compliance_report_iac_dir={IAC / 'terraform'}",
        reports=tmp_path,
    )  # fmt: skip
    fixture = json.loads((IAC / "checkov.json").read_text())
    expected = {c["check_id"] for key in ("passed_checks", "failed_checks", "skipped_checks") for c in fixture["results"][key]}
    assert {c[1] for c in _iac_checks(run)} == expected, run.stdout[-3000:]
    assert (tmp_path / "checkov" / "results_json.json").exists()


def test_only_the_evidence_the_chosen_controls_need_is_read(world: World, tmp_path: Path) -> None:
    """S3.14 reads versioning only: no other per-bucket read reaches the emulator, and its verdicts stand."""
    params = {"region": "us-east-1", "endpoint_url": world.emulator.endpoint, "access_key": "test", "secret_key": "test", "now": "2030-01-01T00:00:00Z"}
    world.emulator.calls(reset=True)
    got = runner.execute({**params, "controls": ["S3.14"], "output_dir": str(tmp_path)})
    calls = world.emulator.calls()
    s3 = {op: n for op, n in calls.items() if op.startswith("s3.")}
    assert s3.get("s3.GetBucketVersioning", 0) >= 2, calls
    assert set(s3) - {"s3.ListBuckets", "s3.GET /"} == {"s3.GetBucketVersioning"}, s3  # the emulator names ListBuckets "GET /"
    assert not [op for op in calls if not op.startswith(("s3.", "sts."))], calls
    doc = json.loads(Path(got["reports"]["json"]).read_text())
    verdicts = {f["resources"][0]["uid"]: f["status"] for f in doc["findings"] if f["compliance"]["control"] == "S3.14"}
    good, bad = world.expected["S3.14"]
    assert verdicts.get(good) == "PASS" and verdicts.get(bad) == "FAIL", verdicts
