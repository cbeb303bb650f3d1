"""rds_snapshot_restore.yml and rds_snapshot_copy.yml end to end against the suite's emulator with real PostgreSQL:
a snapshot restored with the source's settings and an RPO measured from the real rows against the snapshot's time,
``latest``, check mode, confirmation, bad input refused before any write, a cross-Region copy re-encrypted with a key
of the target Region and proved by a restore there, resume after an injected fault. Each test removes what it made."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.emulator import Emulator
from tools.local_aws.faults import fault

from .conftest import SOURCE, canaries, describe, wait_for, writes

RESTORE = "playbooks/runbooks/rds_snapshot_restore.yml"
COPY = "playbooks/runbooks/rds_snapshot_copy.yml"
WEST = "us-west-2"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def in_region(emulator: Emulator, service: str, region: str) -> Any:
    import boto3  # pylint: disable=import-outside-toplevel

    return boto3.client(service, region_name=region, endpoint_url=emulator.endpoint, aws_access_key_id="test", aws_secret_access_key="test")


def ms(value: dt.datetime) -> dt.datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


class Made:
    """What a test made, removed at its end (instances first, then snapshots), in any Region."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.instances: list[tuple[str, str]] = []
        self.snapshots: list[tuple[str, str]] = []

    def rds(self, region: str) -> Any:
        return in_region(self.emulator, "rds", region)

    def remove(self) -> None:
        for region, ident in self.instances:
            rds = self.rds(region)
            with contextlib.suppress(Exception):
                for snap in rds.describe_db_snapshots(DBInstanceIdentifier=ident)["DBSnapshots"]:  # its automated snapshots
                    self.snapshots.append((region, snap["DBSnapshotIdentifier"]))
            with contextlib.suppress(Exception):
                rds.delete_db_instance(DBInstanceIdentifier=ident, SkipFinalSnapshot=True)
        for region, ident in self.snapshots:
            with contextlib.suppress(Exception):
                self.rds(region).delete_db_snapshot(DBSnapshotIdentifier=ident)


@pytest.fixture
def made(emulator: Emulator) -> Iterator[Made]:
    got = Made(emulator)
    try:
        yield got
    finally:
        got.remove()


def take_snapshot(emulator: Emulator, made: Made, name: str) -> dict[str, Any]:
    """A manual snapshot of the source, available; the canary writer goes on after it."""
    rds = emulator.client("rds")
    rds.create_db_snapshot(DBInstanceIdentifier=SOURCE, DBSnapshotIdentifier=name)
    made.snapshots.append(("us-east-1", name))
    snap = wait_for(lambda: (s := rds.describe_db_snapshots(DBSnapshotIdentifier=name)["DBSnapshots"][0])["Status"] == "available" and s, 120, name)
    return snap


def rows_after(source: dict[str, Any], when: dt.datetime, count: int = 2) -> list[dt.datetime]:
    """Wait until the source holds ``count`` canary rows newer than ``when`` (so the cut is visible in the data)."""
    return wait_for(lambda: len(r := [t for t in canaries(source["instance"]) if t > when]) >= count and r, 30, f"{count} rows after {when}")


def check_cut(restored: list[dt.datetime], source_rows: list[dt.datetime], cut: dt.datetime) -> None:
    """The restored canary rows are exactly the source's rows up to the newest one restored, all at or before the cut."""
    assert restored, "no canary row restored"
    assert all(ts <= cut for ts in restored), [ts for ts in restored if ts > cut]
    assert restored == [ts for ts in source_rows if ts <= restored[-1]]
    assert any(ts > cut for ts in source_rows), "the source has no row after the cut: the check would prove nothing"


def test_check_mode_prints_the_plan_and_writes_nothing(emulator: Emulator, source: dict[str, Any], run_playbook: Any, made: Made) -> None:
    snap = take_snapshot(emulator, made, unique("orders-check"))
    emulator.calls(reset=True)
    run = run_playbook("--check", playbook=RESTORE, db=SOURCE, snapshot=snap["DBSnapshotIdentifier"], target=unique("orders-snap-check"))
    assert run.rc == 0, run.text[-3000:]
    for line in (
        "PASS  snapshot:",
        "PASS  snapshot of the source",
        "PASS  target absent",
        "PASS  KMS key",
        "PASS  security groups",
        "PASS  master credentials",
    ):
        assert line in run.stdout, run.stdout[-3000:]
    assert "rds.RestoreDBInstanceFromDBSnapshot" in run.stdout and f'"DBSnapshotIdentifier": "{snap["DBSnapshotIdentifier"]}"' in run.stdout
    assert '"DBParameterGroupName": "orders-pg15"' in run.stdout and "rds.ModifyDBInstance" in run.stdout
    assert writes(emulator.calls()) == {}
    assert not run.reports.exists()


def test_wrong_confirmation_is_refused_before_any_write(emulator: Emulator, source: dict[str, Any], run_playbook: Any, made: Made) -> None:
    snap = take_snapshot(emulator, made, unique("orders-confirm"))
    target = unique("orders-snap-confirm")
    emulator.calls(reset=True)
    for confirm in (SOURCE, None):
        run = run_playbook(playbook=RESTORE, db=SOURCE, snapshot=snap["DBSnapshotIdentifier"], target=target, **({"confirm": confirm} if confirm else {}))
        assert run.rc != 0 and "ConfirmationRefused" in run.text and f"-e confirm={target}" in run.text, run.text[-3000:]
        assert run.report()["status"] == "refused"
    assert writes(emulator.calls()) == {}
    with pytest.raises(Exception, match="DBInstanceNotFound"):
        describe(emulator.client("rds"), target)


def test_bad_input_is_refused_before_any_write(emulator: Emulator, source: dict[str, Any], run_playbook: Any, made: Made) -> None:
    rds = emulator.client("rds")
    other = unique("billing")  # another instance (MySQL: moto's own, no PostgreSQL) and its snapshot
    rds.create_db_instance(
        DBInstanceIdentifier=other, Engine="mysql", DBInstanceClass="db.t3.micro", AllocatedStorage=20, MasterUsername="u", MasterUserPassword="p-Secret-1"
    )
    made.instances.append(("us-east-1", other))
    rds.create_db_snapshot(DBInstanceIdentifier=other, DBSnapshotIdentifier=f"{other}-snap")
    made.snapshots.append(("us-east-1", f"{other}-snap"))
    mine = take_snapshot(emulator, made, unique("orders-bad"))
    emulator.calls(reset=True)

    run = run_playbook(playbook=RESTORE, db=SOURCE, snapshot="no-such-snapshot", target="orders-snap-x", confirm="orders-snap-x")
    assert run.rc != 0 and "FAIL  snapshot: no DB snapshot no-such-snapshot" in run.stdout and "DBSnapshotNotFound" in run.stdout, run.text[-3000:]
    run = run_playbook(playbook=RESTORE, db=SOURCE, snapshot=f"{other}-snap", target="orders-snap-x", confirm="orders-snap-x")
    assert run.rc != 0 and "FAIL  snapshot of the source" in run.stdout and f"is a snapshot of {other}, not of {SOURCE}" in run.stdout, run.text[-3000:]
    run = run_playbook(playbook=RESTORE, db=SOURCE, snapshot=mine["DBSnapshotIdentifier"], target=SOURCE, confirm=SOURCE)  # the target exists
    assert run.rc != 0 and "FAIL  target absent" in run.stdout and f"{SOURCE} exists already" in run.stdout, run.text[-3000:]
    run = run_playbook(playbook=RESTORE, db="no-such-db", snapshot="latest", confirm="no-such-db-snap")
    assert run.rc != 0 and "FAIL  source instance" in run.stdout, run.text[-3000:]
    assert writes(emulator.calls()) == {}


def test_snapshot_restore_end_to_end(emulator: Emulator, source: dict[str, Any], run_playbook: Any, made: Made) -> None:
    rds = emulator.client("rds")
    wait_for(lambda: len(canaries(source["instance"])) >= 3, 30, "3 canary rows")
    snap = take_snapshot(emulator, made, unique("orders-e2e"))
    cut = snap["SnapshotCreateTime"]
    assert snap["OriginalSnapshotCreateTime"] <= cut  # the call, then the moment the data was taken
    rows_after(source, cut)
    target = unique("orders-snap")
    made.instances.append(("us-east-1", target))
    emulator.calls(reset=True)
    run = run_playbook(playbook=RESTORE, db=SOURCE, snapshot=snap["DBSnapshotIdentifier"], target=target, confirm=target, drill=False)
    assert run.rc == 0, run.text[-4000:]
    steps = ["restore", "wait_available", "smoke_query", "apply_settings", "compare_settings"]
    for step in steps:
        assert f"ok    {step}" in run.stdout
    assert emulator.calls()["rds.RestoreDBInstanceFromDBSnapshot"] == 1
    report = run.report()
    assert report["status"] == "succeeded" and report["differences"] == [] and [s["step"] for s in report["steps"]] == steps

    # the restored database itself: every source row up to the newest restored one, none after the snapshot's time
    restored = describe(rds, target)
    got = canaries(restored)
    check_cut(got, canaries(source["instance"]), cut)
    rpo = report["rpo"]
    assert parse(rpo["snapshot_time"]) == cut and rpo["snapshot"] == snap["DBSnapshotIdentifier"]
    assert rpo["rows_after_snapshot_time"] == 0 and parse(rpo["newest_row"]) == ms(got[-1])
    assert abs(rpo["measured_seconds"] - (cut - got[-1]).total_seconds()) < 0.002 and 0 <= rpo["measured_seconds"] <= 3, rpo
    print(f"snapshot restore: measured RPO {rpo['measured_seconds']}s, RTO {report['rto']['achieved_seconds']}s")
    parts = report["rto"]["parts"]
    assert 0 < parts["api_available"]["seconds"] <= parts["application_healthy"]["seconds"] and report["rto"]["met"] is True

    # the settings, read back: passed explicitly (security group, parameter group, tags) or from the snapshot (KMS)
    assert restored["KmsKeyId"] == source["key"] and restored["StorageEncrypted"] is True
    assert restored["DBParameterGroups"][0]["DBParameterGroupName"] == "orders-pg15"
    assert [g["VpcSecurityGroupId"] for g in restored["VpcSecurityGroups"]] == [source["group"]]
    assert restored["BackupRetentionPeriod"] == 7 and restored["CopyTagsToSnapshot"] is True
    tags = {t["Key"]: t["Value"] for t in rds.list_tags_for_resource(ResourceName=restored["DBInstanceArn"])["TagList"]}
    assert tags["team"] == "orders" and tags["service"] == "orders-api" and tags["slipway:dr-run-id"] == report["run_id"]

    md = (run.reports / f"{report['run_id']}.md").read_text()
    assert "| RPO (s) |" in md and "No difference." in md and snap["DBSnapshotIdentifier"] in md
    audit = [json.loads(line) for line in (run.reports / "runs" / report["run_id"] / "audit.jsonl").read_text().splitlines()]
    calls = [a for a in audit if a.get("call") == "rds.RestoreDBInstanceFromDBSnapshot"]
    assert len(calls) == 1 and calls[0]["request_id"] and calls[0]["outcome"] == "ok"
    assert calls[0]["params"]["DBSnapshotIdentifier"] == snap["DBSnapshotIdentifier"] and calls[0]["params"]["VpcSecurityGroupIds"] == [source["group"]]
    assert audit[0]["event"] == "declare" and audit[-1]["event"] == "finish"
    assert "canary-Secret-1" not in run.text and "canary-Secret-1" not in md


def test_latest_is_the_newest_available_snapshot(emulator: Emulator, source: dict[str, Any], run_playbook: Any, made: Made) -> None:
    rds = emulator.client("rds")
    take_snapshot(emulator, made, unique("orders-older"))
    newest = take_snapshot(emulator, made, unique("orders-newer"))
    rows_after(source, newest["SnapshotCreateTime"], 1)
    target = unique("orders-latest")
    made.instances.append(("us-east-1", target))
    run = run_playbook(playbook=RESTORE, db=SOURCE, snapshot="latest", target=target, confirm=target, drill=False)
    assert run.rc == 0, run.text[-4000:]
    report = run.report()
    assert report["inputs"]["snapshot"] == newest["DBSnapshotIdentifier"] and report["rpo"]["rows_after_snapshot_time"] == 0
    check_cut(canaries(describe(rds, target)), canaries(source["instance"]), newest["SnapshotCreateTime"])


def test_restore_of_an_automated_snapshot(emulator: Emulator, source: dict[str, Any], run_playbook: Any, made: Made) -> None:
    """An instance's automated snapshot holds its automated backup: restored from a manual snapshot of the source, the
    instance's first automated backup (and so its automated snapshot) holds the canary rows; deleting it removes them."""
    rds = emulator.client("rds")
    manual = take_snapshot(emulator, made, unique("orders-for-auto"))
    db = unique("orders-auto")
    made.instances.append(("us-east-1", db))
    rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier=db, DBSnapshotIdentifier=manual["DBSnapshotIdentifier"])
    wait_for(lambda: describe(rds, db)["DBInstanceStatus"] == "available", 120, f"{db} available")
    autos = wait_for(
        lambda: [s for s in rds.describe_db_snapshots(DBInstanceIdentifier=db, SnapshotType="automated")["DBSnapshots"] if s["Status"] == "available"],
        60,
        "its automated snapshot",
    )
    assert len(autos) == 1 and autos[0]["DBSnapshotIdentifier"].startswith(f"rds:{db}-")
    auto = autos[0]
    target = unique("orders-auto-restored")
    made.instances.append(("us-east-1", target))
    settings = {"database": "app", "smoke_table": "canary", "smoke_column": "ts", "master_secret": "slipway/local/rds/orders/master"}
    slipway_dr = {"targets": {"rto_seconds": 900, "rpo_seconds": 3600}, "poll_interval": 0.5, "databases": {db: settings}}
    run = run_playbook(playbook=RESTORE, db=db, snapshot="latest", target=target, confirm=target, drill=False, slipway_dr=slipway_dr)
    assert run.rc == 0, run.text[-4000:]
    report = run.report()
    assert report["snapshot"]["snapshot"] == auto["DBSnapshotIdentifier"] and report["snapshot"]["snapshot_type"] == "automated"
    assert "(automated)" in run.stdout and report["rpo"]["rows_after_snapshot_time"] == 0
    # the data: exactly the manual snapshot's rows (the automated backup of an instance nobody wrote to since)
    got = canaries(describe(rds, target))
    assert got == canaries(describe(rds, db)) and got[-1] <= manual["SnapshotCreateTime"] < auto["SnapshotCreateTime"]
    check_cut(got, canaries(source["instance"]), manual["SnapshotCreateTime"])
    # AWS removes an instance's automated snapshots with it (DeleteAutomatedBackups defaults to true)
    rds.delete_db_instance(DBInstanceIdentifier=db, SkipFinalSnapshot=True)
    assert rds.describe_db_snapshots(DBInstanceIdentifier=db)["DBSnapshots"] == []


def test_resume_after_a_failure_goes_on_without_a_second_restore(emulator: Emulator, source: dict[str, Any], run_playbook: Any, made: Made) -> None:
    snap = take_snapshot(emulator, made, unique("orders-resume"))
    target, run_id = unique("orders-snap-resume"), unique("drill-snap-resume")
    made.instances.append(("us-east-1", target))
    emulator.calls(reset=True)
    args = {"playbook": RESTORE, "db": SOURCE, "snapshot": snap["DBSnapshotIdentifier"], "target": target, "drill": False, "run_id": run_id}
    with fault(emulator.endpoint, "secretsmanager.GetSecretValue", "access-denied", count=1):
        failed = run_playbook(confirm=target, **args)
    assert failed.rc != 0 and "step smoke_query failed" in failed.text and f"-e resume=true -e run_id={run_id}" in failed.text, failed.text[-3000:]
    assert [s["step"] for s in failed.report()["steps"]] == ["restore", "wait_available"]
    resumed = run_playbook(resume="true", dr_runbook_reports_dir=str(failed.reports), **args)
    assert resumed.rc == 0, resumed.text[-4000:]
    resumed.reports = failed.reports
    assert "plan  restore (done)" in resumed.stdout and emulator.calls()["rds.RestoreDBInstanceFromDBSnapshot"] == 1
    report = resumed.report()
    assert report["status"] == "succeeded" and report["failures"][0]["step"] == "smoke_query" and report["rpo"]["rows_after_snapshot_time"] == 0


# ---------------------------------------------------------------------- rds_snapshot_copy
def test_copy_to_another_region_re_encrypted_and_proved(emulator: Emulator, source: dict[str, Any], run_playbook: Any, made: Made) -> None:
    west_rds = in_region(emulator, "rds", WEST)
    key = in_region(emulator, "kms", WEST).create_key(Description="orders DR copies")["KeyMetadata"]
    snap = take_snapshot(emulator, made, unique("orders-copy"))
    rows_after(source, snap["SnapshotCreateTime"])
    copy, proof = unique("orders-west"), unique("orders-west-proof")
    made.instances.append((WEST, proof))
    made.snapshots.append((WEST, copy))
    emulator.calls(reset=True)
    run = run_playbook(
        playbook=COPY,
        snapshot=snap["DBSnapshotIdentifier"],
        target_region=WEST,
        kms_key=key["KeyId"],
        target_snapshot=copy,
        proof_instance=proof,
        confirm=copy,
        drill=False,
        keep_proof=True,  # kept so this test can read its rows itself (by default the run removes it, see below)
    )
    assert run.rc == 0, run.text[-4000:]
    for step in ("copy", "wait_copy", "read_back_copy", "proof_restore", "proof_wait_available", "proof_smoke_query"):
        assert f"ok    {step}" in run.stdout
    assert "remove_proof" not in run.stdout
    calls = emulator.calls()
    assert calls["rds.CopyDBSnapshot"] == 1 and calls["rds.RestoreDBInstanceFromDBSnapshot"] == 1

    # the copy, read back in the target Region
    got = west_rds.describe_db_snapshots(DBSnapshotIdentifier=copy)["DBSnapshots"][0]
    assert got["Status"] == "available" and got["Encrypted"] is True and got["KmsKeyId"] == key["Arn"] and got["KmsKeyId"] != snap["KmsKeyId"]
    assert got["DBSnapshotArn"].startswith(f"arn:aws:rds:{WEST}:") and got["AllocatedStorage"] == snap["AllocatedStorage"]
    tags = {t["Key"]: t["Value"] for t in west_rds.list_tags_for_resource(ResourceName=got["DBSnapshotArn"])["TagList"]}
    report = run.report()
    assert tags["team"] == "orders" and tags["slipway:dr-run-id"] == report["run_id"]

    # the proof: the copy restored in the target Region holds the source's rows up to the snapshot's time
    instance = west_rds.describe_db_instances(DBInstanceIdentifier=proof)["DBInstances"][0]
    assert instance["KmsKeyId"] == key["Arn"] and instance["DBInstanceArn"].startswith(f"arn:aws:rds:{WEST}:")
    proof_rows = canaries(instance)
    check_cut(proof_rows, canaries(source["instance"]), snap["SnapshotCreateTime"])
    assert report["status"] == "succeeded"
    assert report["copy"]["kms_key"] == key["Arn"] and report["copy"]["seconds"] > 0 and report["copy"]["target_region"] == WEST
    assert report["proof"]["instance"] == proof and report["proof"]["rows"] == len(proof_rows) and report["proof"]["rto_seconds"] > 0
    assert parse(report["proof"]["newest_row"]) == ms(proof_rows[-1]) and report["rpo"]["rows_after_snapshot_time"] == 0
    print(f"snapshot copy: copy {report['copy']['seconds']}s, proof RTO {report['proof']['rto_seconds']}s, RPO {report['rpo']['measured_seconds']}s")
    audit = [json.loads(line) for line in (run.reports / "runs" / report["run_id"] / "audit.jsonl").read_text().splitlines()]
    copied = [a for a in audit if a.get("call") == "rds.CopyDBSnapshot"]
    assert len(copied) == 1 and copied[0]["region"] == WEST and copied[0]["params"]["SourceDBSnapshotIdentifier"] == snap["DBSnapshotArn"]
    assert copied[0]["params"]["KmsKeyId"] == key["Arn"] and copied[0]["params"]["CopyTags"] is True


def test_copy_check_mode_plans_in_the_target_region_and_writes_nothing(emulator: Emulator, source: dict[str, Any], run_playbook: Any, made: Made) -> None:
    key = in_region(emulator, "kms", WEST).create_key()["KeyMetadata"]
    snap = take_snapshot(emulator, made, unique("orders-copy-check"))
    emulator.calls(reset=True)
    run = run_playbook("--check", playbook=COPY, snapshot=snap["DBSnapshotIdentifier"], target_region=WEST, kms_key=key["KeyId"])
    assert run.rc == 0, run.text[-3000:]
    checks = ("PASS  source snapshot", "PASS  KMS key in the target Region", "PASS  target snapshot absent", "PASS  proof instance absent")
    for line in (*checks, "PASS  smoke query"):
        assert line in run.stdout, run.stdout[-3000:]
    assert f"rds.CopyDBSnapshot in {WEST}" in run.stdout and f"rds.RestoreDBInstanceFromDBSnapshot in {WEST}" in run.stdout
    assert f'"KmsKeyId": "{key["Arn"]}"' in run.stdout and f'"SourceDBSnapshotIdentifier": "{snap["DBSnapshotArn"]}"' in run.stdout
    assert f'"TargetDBSnapshotIdentifier": "{snap["DBSnapshotIdentifier"]}-{WEST}"' in run.stdout  # the default name
    assert writes(emulator.calls()) == {} and not run.reports.exists()


def test_a_copy_drill_removes_the_copy_and_the_proof_instance(emulator: Emulator, source: dict[str, Any], run_playbook: Any, made: Made) -> None:
    west_rds = in_region(emulator, "rds", WEST)
    key = in_region(emulator, "kms", WEST).create_key()["KeyMetadata"]
    snap = take_snapshot(emulator, made, unique("orders-copy-drill"))
    copy, proof = unique("orders-west-d"), unique("orders-west-dp")
    made.instances.append((WEST, proof))
    made.snapshots.append((WEST, copy))
    run = run_playbook(
        playbook=COPY,
        snapshot=snap["DBSnapshotIdentifier"],
        target_region=WEST,
        kms_key=key["Arn"],
        target_snapshot=copy,
        proof_instance=proof,
        confirm=copy,
        drill=True,
    )
    assert run.rc == 0, run.text[-4000:]
    report = run.report()
    assert report["status"] == "succeeded" and report["proof"]["rows_after_snapshot_time"] == 0 and report["proof"]["rows"] > 0
    removed = {(r["kind"], r["id"], r["region"]) for r in report["drill"]["removed"] if r["removed"]}
    # the proof instance by the run's own last step, the copy by the drill's end
    assert "ok    remove_proof" in run.stdout
    assert removed == {("rds_snapshot", copy, WEST)} and not report["drill"]["left"], report["drill"]
    with pytest.raises(Exception, match="DBInstanceNotFound"):
        west_rds.describe_db_instances(DBInstanceIdentifier=proof)
    assert all(s["DBSnapshotIdentifier"] != copy for s in west_rds.describe_db_snapshots()["DBSnapshots"])
    # the source snapshot is not the drill's: untouched
    assert emulator.client("rds").describe_db_snapshots(DBSnapshotIdentifier=snap["DBSnapshotIdentifier"])["DBSnapshots"][0]["Status"] == "available"


def test_copy_refuses_a_key_missing_in_the_target_region_before_any_write(emulator: Emulator, source: dict[str, Any], run_playbook: Any, made: Made) -> None:
    snap = take_snapshot(emulator, made, unique("orders-nokey"))
    east_key = source["key"]  # a key of the source's Region: KMS keys are Regional
    emulator.calls(reset=True)
    for key in (str(uuid.uuid4()), east_key):
        run = run_playbook(
            playbook=COPY,
            snapshot=snap["DBSnapshotIdentifier"],
            target_region=WEST,
            kms_key=key,
            target_snapshot="orders-nokey-west",
            confirm="orders-nokey-west",
        )
        assert run.rc != 0 and "FAIL  KMS key in the target Region" in run.stdout and "preflight failed, nothing was changed" in run.text, run.text[-3000:]
    run = run_playbook(playbook=COPY, snapshot="no-such-snapshot", target_region=WEST, kms_key=east_key, confirm="x")
    assert run.rc != 0 and "FAIL  source snapshot" in run.stdout, run.text[-3000:]
    assert writes(emulator.calls()) == {}
    assert all(s["DBSnapshotIdentifier"] != "orders-nokey-west" for s in in_region(emulator, "rds", WEST).describe_db_snapshots()["DBSnapshots"])


def test_copy_resume_after_a_failed_proof_does_not_copy_again(emulator: Emulator, source: dict[str, Any], run_playbook: Any, made: Made) -> None:
    key = in_region(emulator, "kms", WEST).create_key()["KeyMetadata"]
    snap = take_snapshot(emulator, made, unique("orders-copy-resume"))
    copy, proof, run_id = unique("orders-west-r"), unique("orders-west-rp"), unique("drill-copy-resume")
    made.instances.append((WEST, proof))
    made.snapshots.append((WEST, copy))
    args = {
        "playbook": COPY,
        "snapshot": snap["DBSnapshotIdentifier"],
        "target_region": WEST,
        "kms_key": key["Arn"],
        "target_snapshot": copy,
        "proof_instance": proof,
        "drill": False,
        "run_id": run_id,
    }
    emulator.calls(reset=True)
    with fault(emulator.endpoint, "rds.RestoreDBInstanceFromDBSnapshot", "access-denied", count=1):
        failed = run_playbook(confirm=copy, **args)
    assert failed.rc != 0 and "step proof_restore failed" in failed.text, failed.text[-3000:]
    assert [s["step"] for s in failed.report()["steps"]] == ["copy", "wait_copy", "read_back_copy"]
    started = time.monotonic()
    # what is left (the proof: a new, temporary instance) destroys nothing, so the resume asks no confirmation
    resumed = run_playbook(resume="true", dr_runbook_reports_dir=str(failed.reports), **args)
    assert resumed.rc == 0, resumed.text[-4000:]
    resumed.reports = failed.reports
    assert "plan  copy (done)" in resumed.stdout and emulator.calls()["rds.CopyDBSnapshot"] == 1
    report = resumed.report()
    assert report["status"] == "succeeded" and report["failures"][0]["step"] == "proof_restore" and report["proof"]["rows_after_snapshot_time"] == 0
    assert time.monotonic() - started < 300
    # not a drill: the copy stays, the proof instance is removed by the run's last step
    assert "ok    remove_proof" in resumed.stdout
    with pytest.raises(Exception, match="DBInstanceNotFound"):
        in_region(emulator, "rds", WEST).describe_db_instances(DBInstanceIdentifier=proof)
    assert in_region(emulator, "rds", WEST).describe_db_snapshots(DBSnapshotIdentifier=copy)["DBSnapshots"][0]["Status"] == "available"
