"""rds_point_in_time_restore.yml end to end: preflight, check mode, confirmation, bad input, a real PITR with a
measured RPO, settings compared with the source, the evidence report and audit log, resume after a failure."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from tests.support.emulator import Emulator
from tools.local_aws.faults import fault

from .conftest import SOURCE, canaries, describe, wait_for, writes


def soon_latest(rds: Any) -> dt.datetime:
    return describe(rds, SOURCE)["LatestRestorableTime"]


def test_check_mode_prints_the_plan_and_writes_nothing(emulator: Emulator, source: dict[str, Any], run_playbook: Any) -> None:
    emulator.calls(reset=True)
    run = run_playbook("--check", db=SOURCE, restore_time="latest", target="orders-check")
    assert run.rc == 0, run.text[-3000:]
    for line in (
        "PASS  restorable window",
        "PASS  target absent",
        "PASS  KMS key",
        "PASS  security groups",
        "PASS  parameter group",
        "PASS  master credentials",
    ):
        assert line in run.stdout, run.stdout[-3000:]
    assert "rds.RestoreDBInstanceToPointInTime" in run.stdout and '"DBParameterGroupName": "orders-pg15"' in run.stdout
    assert "rds.ModifyDBInstance" in run.stdout and "smoke_query" in run.stdout
    assert writes(emulator.calls()) == {}
    assert not run.reports.exists()


def test_wrong_confirmation_is_refused_before_any_write(emulator: Emulator, source: dict[str, Any], run_playbook: Any) -> None:
    emulator.calls(reset=True)
    for confirm in ("orders", None):  # the source's name is not the target's; no answer at the (non-interactive) prompt
        run = run_playbook(db=SOURCE, restore_time="latest", target="orders-confirm", **({"confirm": confirm} if confirm else {}))
        assert run.rc != 0 and "ConfirmationRefused" in run.text and "-e confirm=orders-confirm" in run.text, run.text[-3000:]
        assert run.report()["status"] == "refused"
    assert writes(emulator.calls()) == {}


def test_bad_input_is_refused_before_any_write(emulator: Emulator, source: dict[str, Any], run_playbook: Any) -> None:
    emulator.calls(reset=True)
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).isoformat()
    for when in (future, past):
        run = run_playbook(db=SOURCE, restore_time=when, target="orders-window", confirm="orders-window")
        assert run.rc != 0 and "FAIL  restorable window" in run.stdout and "outside the restorable window" in run.text, run.text[-3000:]
    run = run_playbook(db="no-such-db", restore_time="latest", confirm="no-such-db-pitr")
    assert run.rc != 0 and "FAIL  source instance" in run.stdout and "DBInstanceNotFound" in run.stdout, run.text[-3000:]
    run = run_playbook(db=SOURCE, restore_time="yesterday", confirm="orders-pitr")
    assert run.rc != 0 and "not an ISO 8601 time" in run.text, run.text[-3000:]
    assert writes(emulator.calls()) == {}


def test_point_in_time_restore_end_to_end(emulator: Emulator, source: dict[str, Any], run_playbook: Any) -> None:
    rds = emulator.client("rds")
    rows = wait_for(lambda: len(r := canaries(source["instance"])) >= 5 and r, 30, "5 canary rows")
    before, after = rows[-3], rows[-2]
    target_time = before + (after - before) / 2
    wait_for(lambda: soon_latest(rds) > target_time, 30, "the archive to pass T")
    emulator.calls(reset=True)
    run = run_playbook(db=SOURCE, restore_time=target_time.isoformat(), target="orders-pitr", confirm="orders-pitr")
    assert run.rc == 0, run.text[-4000:]
    for step in ("restore", "wait_available", "smoke_query", "apply_settings", "compare_settings"):
        assert f"ok    {step}" in run.stdout
    assert emulator.calls()["rds.RestoreDBInstanceToPointInTime"] == 1
    report = run.report()
    assert report["status"] == "succeeded" and report["differences"] == []
    # measured RPO: the newest canary row restored is the last one committed before T
    rpo = report["rpo"]
    assert rpo["rows_after_restore_time"] == 0 and rpo["met"] is True
    assert dt.datetime.fromisoformat(rpo["newest_row"].replace("Z", "+00:00")) == before.replace(microsecond=before.microsecond // 1000 * 1000)
    assert 0 <= rpo["measured_seconds"] <= 1.5, rpo
    print(f"measured RPO {rpo['measured_seconds']}s, RTO {report['rto']['achieved_seconds']}s")
    parts = report["rto"]["parts"]
    assert parts["api_available"]["seconds"] <= parts["application_healthy"]["seconds"] and parts["cutover"]["seconds"] is None
    assert report["rto"]["met"] is True and report["actor"]
    assert {s["step"] for s in report["steps"]} == {"restore", "wait_available", "smoke_query", "apply_settings", "compare_settings"}
    md = run.reports / f"{report['run_id']}.md"
    assert "| RPO (s) |" in md.read_text() and "No difference." in md.read_text()
    audit = [json.loads(line) for line in (run.reports / "runs" / report["run_id"] / "audit.jsonl").read_text().splitlines()]
    restore = [a for a in audit if a.get("call") == "rds.RestoreDBInstanceToPointInTime"]
    assert len(restore) == 1 and restore[0]["request_id"] and restore[0]["outcome"] == "ok"
    assert restore[0]["params"]["VpcSecurityGroupIds"] == [source["group"]]
    # the restored database itself: every row at or before T, none after
    restored = describe(rds, "orders-pitr")
    got = canaries(restored)
    assert got[-1] == before and all(ts <= target_time for ts in got)
    assert restored["KmsKeyId"] == source["key"] and restored["DBParameterGroups"][0]["DBParameterGroupName"] == "orders-pg15"
    tags = {t["Key"]: t["Value"] for t in rds.list_tags_for_resource(ResourceName=restored["DBInstanceArn"])["TagList"]}
    # a real recovery (the playbook's default): tagged with its run, never with an expiry, so no sweep removes it
    assert tags["team"] == "orders" and tags["slipway:dr-run-id"] == report["run_id"] and "slipway:drill-expires-at" not in tags
    assert report["drill"] is None

    # the same command again: already done by the first run, nothing written, the evidence points at it
    emulator.calls(reset=True)
    same = run_playbook(db=SOURCE, restore_time=target_time.isoformat(), target="orders-pitr", confirm="orders-pitr", dr_runbook_reports_dir=str(run.reports))
    assert same.rc == 0 and f"already done by run {report['run_id']}" in same.stdout and "changed=0" in same.stdout, same.text[-3000:]
    second = re.search(r"\] run (\S+) \(declared", same.stdout)
    assert second and writes(emulator.calls()) == {}
    assert json.loads((run.reports / f"{second.group(1)}.json").read_text())["status"] == "already_done"

    # the same target for another restore: refused before any write
    emulator.calls(reset=True)
    again = run_playbook(db=SOURCE, restore_time="latest", target="orders-pitr", confirm="orders-pitr")
    assert again.rc != 0 and "FAIL  target absent" in again.stdout, again.text[-3000:]
    assert writes(emulator.calls()) == {}


def test_resume_after_a_failure_goes_on_without_a_second_restore(emulator: Emulator, source: dict[str, Any], run_playbook: Any) -> None:
    emulator.calls(reset=True)
    with fault(emulator.endpoint, "secretsmanager.GetSecretValue", "access-denied", count=1):
        failed = run_playbook(db=SOURCE, restore_time="latest", target="orders-resume", confirm="orders-resume", run_id="drill-resume-1")
    assert failed.rc != 0 and "step smoke_query failed" in failed.text and "-e resume=true -e run_id=drill-resume-1" in failed.text, failed.text[-3000:]
    first = failed.report()
    assert first["status"] == "failed" and [s["step"] for s in first["steps"]] == ["restore", "wait_available"]
    resumed = run_playbook(
        db=SOURCE, restore_time="latest", target="orders-resume", resume="true", run_id="drill-resume-1", dr_runbook_reports_dir=str(failed.reports)
    )
    assert resumed.rc == 0, resumed.text[-4000:]
    resumed.reports = failed.reports  # the same run: its report is rewritten where the first part left it
    assert "plan  restore (done)" in resumed.stdout
    assert emulator.calls()["rds.RestoreDBInstanceToPointInTime"] == 1
    report = resumed.report()
    assert report["status"] == "succeeded" and report["failures"][0]["step"] == "smoke_query" and report["rpo"]["rows_after_restore_time"] == 0
    audit = (failed.reports / "runs" / "drill-resume-1" / "audit.jsonl").read_text().splitlines()
    events = [json.loads(line)["event"] for line in audit]
    assert events[0] == "declare" and "resume" in events and events[-1] == "finish"
