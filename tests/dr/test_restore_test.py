"""backup_restore_test.yml, the scheduled restore drill: the latest recovery point into a temporary instance, the data
proven from the real canary rows, RTO and RPO recorded, the instance removed, no confirmation asked."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from typing import Any

from botocore.exceptions import ClientError

from tests.support.emulator import Emulator

from .conftest import SOURCE, canaries, wait_for, writes

PLAYBOOK = "playbooks/runbooks/backup_restore_test.yml"


def instances(emulator: Emulator) -> set[str]:
    return {i["DBInstanceIdentifier"] for i in emulator.client("rds").describe_db_instances()["DBInstances"]}


def clusters(emulator: Emulator) -> set[str]:
    with urllib.request.urlopen(emulator.endpoint + "/_slipway/rds", timeout=10) as answer:
        return {i["db_instance_identifier"] for i in json.load(answer)["instances"]}


def test_check_mode_plans_a_temporary_instance_and_writes_nothing(emulator: Emulator, source: dict[str, Any], run_playbook: Any) -> None:
    emulator.calls(reset=True)
    run = run_playbook("--check", playbook=PLAYBOOK, db=SOURCE)
    assert run.rc == 0, run.text[-3000:]
    assert "PASS  restorable window" in run.stdout and "rds.RestoreDBInstanceToPointInTime" in run.stdout
    assert '"TargetDBInstanceIdentifier": "orders-restore-test-' in run.stdout and "slipway:drill-expires-at" in run.stdout
    assert writes(emulator.calls()) == {} and not run.reports.exists()


def test_the_restore_drill_proves_the_latest_recovery_point_and_leaves_nothing(emulator: Emulator, source: dict[str, Any], run_playbook: Any) -> None:
    before = instances(emulator)
    written = canaries(source["instance"])
    run = run_playbook(playbook=PLAYBOOK, db=SOURCE)  # no confirm: nothing existing is touched
    assert run.rc == 0, run.text[-4000:]
    report = run.report()
    target = report["target"]
    assert report["status"] == "succeeded" and target.startswith("orders-restore-test-")
    # the instance existed (the audit log has its restore and its deletion, with request ids) and is gone now
    audit = [json.loads(line) for line in (run.reports / "runs" / report["run_id"] / "audit.jsonl").read_text().splitlines()]
    calls = [(a["call"], a["params"].get("TargetDBInstanceIdentifier") or a["params"].get("DBInstanceIdentifier")) for a in audit if a["event"] == "call"]
    source_arn = source["instance"]["DBInstanceArn"]
    assert calls == [("rds.RestoreDBInstanceToPointInTime", target), ("rds.DeleteDBInstance", target), ("rds.AddTagsToResource", None)], calls
    # the outcome, recorded on the source where the compliance report reads it (SLIPWAY.RDS.RestoreDrill)
    tags = {t["Key"]: t["Value"] for t in emulator.client("rds").list_tags_for_resource(ResourceName=source_arn)["TagList"]}
    when, status, run_id = tags["slipway:restore-drill"].split()
    assert (status, run_id) == ("succeeded", report["run_id"]) and report["recorded"]["value"] == tags["slipway:restore-drill"]
    assert report["aws_calls"]["rds.AddTagsToResource"] == 1  # the recording's calls are in the report's count
    assert abs((dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(when.replace("Z", "+00:00"))).total_seconds()) < 120
    assert all(a["request_id"] for a in audit if a["event"] == "call")
    assert instances(emulator) == before
    wait_for(lambda: target not in clusters(emulator), 60, "the temporary cluster torn down")
    try:
        emulator.client("rds").describe_db_instances(DBInstanceIdentifier=target)
        raise AssertionError(f"{target} still exists")
    except ClientError as err:
        assert err.response["Error"]["Code"] == "DBInstanceNotFound"
    # RPO from the real rows: the newest restored row is a row the writer committed, at or before the recovery point
    rpo = report["rpo"]
    point = dt.datetime.fromisoformat(report["recovery_point"].replace("Z", "+00:00"))
    newest = dt.datetime.fromisoformat(rpo["newest_row"].replace("Z", "+00:00"))
    assert rpo["rows_after_restore_time"] == 0 and newest <= point
    assert any(abs((row - newest).total_seconds()) < 0.001 for row in canaries(source["instance"])), "the restored newest row is not a row of the source"
    assert 0 <= rpo["measured_seconds"] <= 1.5 and rpo["met"] is True
    assert written and newest >= written[-1] - dt.timedelta(seconds=5)  # recent data, not an old copy
    rto = report["rto"]
    assert rto["parts"]["api_available"]["seconds"] <= rto["parts"]["application_healthy"]["seconds"] == rto["achieved_seconds"] and rto["met"] is True
    assert [d["setting"] for d in report["differences"] if not d["accepted"]] == []
    assert report["drill"]["cost"]["total"] > 0 and [r["id"] for r in report["drill"]["removed"]] == [target]


def test_an_unknown_database_is_refused_before_any_write(emulator: Emulator, source: dict[str, Any], run_playbook: Any) -> None:
    emulator.calls(reset=True)
    run = run_playbook(playbook=PLAYBOOK, db="no-such-db")
    assert run.rc != 0 and "FAIL  source instance" in run.stdout and "DBInstanceNotFound" in run.stdout, run.text[-3000:]
    assert writes(emulator.calls()) == {}
