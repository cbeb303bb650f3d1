"""rds_promote_replica.yml and rds_failback.yml end to end against the emulator's real PostgreSQL: a source ``ledger``
in us-east-1 (encrypted, its own security group and parameter group, a canary writer), its cross-Region replica
``ledger-west`` in us-west-2; check mode, confirmation, not-a-replica and lag refusals before any write; a failover
with the source Region down (postgres stopped, its RDS API failing) whose promoted instance takes writes, with the
data loss measured from real rows; a failback that replicates back to us-east-1, catches up and promotes."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pg8000.native
import pytest

from tests.support.emulator import Emulator
from tools.local_aws.faults import fault

from .conftest import wait_for, writes

EAST, WEST = "us-east-1", "us-west-2"
SOURCE, REPLICA, BACK = "ledger", "ledger-west", "ledger-east"
MASTER, PASSWORD, DBNAME = "ledger_admin", "ledger-Secret-1", "app"
SECRET = "slipway/local/rds/ledger/master"  # inventories/local/group_vars/all/dr.yml
PROMOTE = "playbooks/runbooks/rds_promote_replica.yml"
FAILBACK = "playbooks/runbooks/rds_failback.yml"


def client(emulator: Emulator, service: str, region: str) -> Any:
    return boto3.client(service, endpoint_url=emulator.endpoint, region_name=region, aws_access_key_id="test", aws_secret_access_key="test")


def describe(rds: Any, ident: str) -> dict[str, Any]:
    return rds.describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]


def available(rds: Any, ident: str, timeout: float = 180) -> dict[str, Any]:
    return wait_for(lambda: (d := describe(rds, ident))["DBInstanceStatus"] == "available" and d, timeout, f"{ident} available")


def connect(instance: dict[str, Any]) -> Any:
    return pg8000.native.Connection(
        MASTER, host=instance["Endpoint"]["Address"], port=instance["Endpoint"]["Port"], database=DBNAME, password=PASSWORD, timeout=10
    )


def query(instance: dict[str, Any], sql: str, **params: Any) -> list[Any]:
    conn = connect(instance)
    try:
        return conn.run(sql, **params)
    finally:
        conn.close()


def canaries(instance: dict[str, Any]) -> list[dt.datetime]:
    return [row[0] for row in query(instance, "SELECT ts FROM canary ORDER BY ts")]


def ms(value: dt.datetime) -> dt.datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def control(emulator: Emulator, path: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(emulator.endpoint + path, data=data, method="POST" if body is not None else "GET")
    with urllib.request.urlopen(req, timeout=120) as answer:
        return json.load(answer)


def emulated(emulator: Emulator, region: str, ident: str) -> dict[str, Any]:
    return next(i for i in control(emulator, "/_slipway/rds")["instances"] if i["region"] == region and i["db_instance_identifier"] == ident)


def newest_lag_datapoint(emulator: Emulator, ident: str, region: str) -> float:
    now = dt.datetime.now(dt.UTC)
    points = client(emulator, "cloudwatch", region).get_metric_statistics(
        Namespace="AWS/RDS",
        MetricName="ReplicaLag",
        Dimensions=[{"Name": "DBInstanceIdentifier", "Value": ident}],
        StartTime=now - dt.timedelta(minutes=10),
        EndTime=now + dt.timedelta(minutes=1),
        Period=60,
        Statistics=["Maximum"],
    )["Datapoints"]
    return max(points, key=lambda d: d["Timestamp"])["Maximum"] if points else -1.0


def gone(rds: Any, ident: str) -> bool:
    return not rds.describe_db_instances(Filters=[{"Name": "db-instance-id", "Values": [ident]}])["DBInstances"]


def ledger_clusters(emulator: Emulator) -> list[str]:
    return [i["db_instance_identifier"] for i in control(emulator, "/_slipway/rds")["instances"] if i["db_instance_identifier"].startswith("ledger")]


class Writer:
    """A canary row stamped with the server's clock every second (the table made when ``create``)."""

    def __init__(self, instance: dict[str, Any], create: bool) -> None:
        self.conn = connect(instance)
        if create:
            self.conn.run("CREATE TABLE canary (id bigserial PRIMARY KEY, ts timestamptz NOT NULL)")
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self) -> None:
        while not self.stop.is_set():
            try:
                self.conn.run("INSERT INTO canary (ts) VALUES (clock_timestamp())")
            except Exception as exc:  # noqa: BLE001  a source whose Region went down
                self.errors.append(str(exc))
            self.stop.wait(1.0)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        with contextlib.suppress(Exception):
            self.conn.close()


@pytest.fixture(scope="module")
def ledger(emulator: Emulator) -> Iterator[dict[str, Any]]:
    """The source in us-east-1 with its canary writer and its cross-Region replica in us-west-2; everything removed at the end."""
    east, west = client(emulator, "rds", EAST), client(emulator, "rds", WEST)
    ec2, sm = client(emulator, "ec2", EAST), client(emulator, "secretsmanager", EAST)
    kms_east, kms_west = client(emulator, "kms", EAST), client(emulator, "kms", WEST)
    key_east = kms_east.create_key(Description="ledger storage")["KeyMetadata"]["Arn"]
    key_west = kms_west.create_key(Description="ledger storage (replica Region)")["KeyMetadata"]["Arn"]
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    group = ec2.create_security_group(GroupName="ledger-db", Description="ledger database", VpcId=vpc)["GroupId"]
    east.create_db_parameter_group(DBParameterGroupName="ledger-pg15", DBParameterGroupFamily="postgres15", Description="ledger")
    sm.create_secret(Name=SECRET, SecretString=json.dumps({"username": MASTER, "password": PASSWORD}), AddReplicaRegions=[{"Region": WEST}])
    writers: list[Writer] = []
    try:
        east.create_db_instance(
            DBInstanceIdentifier=SOURCE,
            Engine="postgres",
            EngineVersion="15.4",
            DBInstanceClass="db.t3.micro",
            AllocatedStorage=20,
            MasterUsername=MASTER,
            MasterUserPassword=PASSWORD,
            DBName=DBNAME,
            BackupRetentionPeriod=7,
            StorageEncrypted=True,
            KmsKeyId=key_east,
            VpcSecurityGroupIds=[group],
            DBParameterGroupName="ledger-pg15",
            Tags=[{"Key": "team", "Value": "ledger"}],
        )
        source = available(east, SOURCE)
        writers.append(Writer(source, create=True))
        west.create_db_instance_read_replica(DBInstanceIdentifier=REPLICA, SourceDBInstanceIdentifier=source["DBInstanceArn"], KmsKeyId=key_west)
        replica = available(west, REPLICA)
        wait_for(lambda: newest_lag_datapoint(emulator, REPLICA, WEST) >= 0, 30, "a ReplicaLag datapoint")
        yield {"source": source, "replica": replica, "writers": writers, "key_east": key_east, "key_west": key_west, "group": group}
    finally:
        for writer in writers:
            writer.close()
        with contextlib.suppress(Exception):
            control(emulator, "/_slipway/rds/outage", {"region": EAST, "db_instance_identifier": SOURCE, "down": False})
        for rds, ident in ((east, BACK), (west, REPLICA), (east, SOURCE)):
            with contextlib.suppress(Exception):
                rds.delete_db_instance(DBInstanceIdentifier=ident, SkipFinalSnapshot=True)
        for rds, ident in ((east, BACK), (west, REPLICA), (east, SOURCE)):
            wait_for(lambda r=rds, i=ident: gone(r, i), 60, f"{ident} gone")
        with contextlib.suppress(Exception):
            sm.remove_regions_from_replication(SecretId=SECRET, RemoveReplicaRegions=[WEST])
        with contextlib.suppress(Exception):
            client(emulator, "secretsmanager", WEST).delete_secret(SecretId=SECRET, ForceDeleteWithoutRecovery=True)
        sm.delete_secret(SecretId=SECRET, ForceDeleteWithoutRecovery=True)
        east.delete_db_parameter_group(DBParameterGroupName="ledger-pg15")
        ec2.delete_security_group(GroupId=group)
        kms_east.schedule_key_deletion(KeyId=key_east.split("/")[-1], PendingWindowInDays=7)
        kms_west.schedule_key_deletion(KeyId=key_west.split("/")[-1], PendingWindowInDays=7)
        # each cluster is stopped and removed by its own worker once moto dropped the instance
        wait_for(lambda: not ledger_clusters(emulator), 60, f"no ledger cluster left (still {ledger_clusters(emulator)})")


def test_the_cross_region_replica_is_real(emulator: Emulator, ledger: dict[str, Any]) -> None:
    """The emulator's cross-Region replica as AWS describes it, and streaming for real."""
    east, west = client(emulator, "rds", EAST), client(emulator, "rds", WEST)
    source, replica = describe(east, SOURCE), describe(west, REPLICA)
    assert replica["ReadReplicaSourceDBInstanceIdentifier"] == source["DBInstanceArn"]
    assert source["ReadReplicaDBInstanceIdentifiers"] == [replica["DBInstanceArn"]]  # cross-Region: listed by its ARN
    assert replica["DBInstanceArn"].startswith("arn:aws:rds:us-west-2:") and replica["KmsKeyId"] == ledger["key_west"]
    assert replica["BackupRetentionPeriod"] == 0 and replica["StorageEncrypted"]
    assert [g["VpcSecurityGroupId"] for g in replica["VpcSecurityGroups"]] != [ledger["group"]]  # the destination's default group
    assert replica["DBParameterGroups"][0]["DBParameterGroupName"] != "ledger-pg15"  # the engine's default group
    assert replica["StatusInfos"] == [{"StatusType": "read replication", "Normal": True, "Status": "replicating"}]
    # an encrypted source needs a key of the destination Region
    for extra, code in (({}, "InvalidParameterValue"), ({"KmsKeyId": ledger["key_east"]}, "KMSKeyNotAccessibleFault")):
        with pytest.raises(west.exceptions.ClientError) as refused:
            west.create_db_instance_read_replica(DBInstanceIdentifier="ledger-nokey", SourceDBInstanceIdentifier=source["DBInstanceArn"], **extra)
        assert refused.value.response["Error"]["Code"] == code
    assert gone(west, "ledger-nokey")
    # real streaming: the source's newest canary row reaches the replica, read over SQL
    newest = canaries(source)[-1]
    wait_for(lambda: newest in canaries(replica), 15, "the source's row on the replica")
    assert query(replica, "SELECT pg_is_in_recovery()") == [[True]]
    assert 0 <= newest_lag_datapoint(emulator, REPLICA, WEST) < 60


def test_check_mode_prints_the_plan_and_writes_nothing(emulator: Emulator, ledger: dict[str, Any], run_playbook: Any) -> None:
    emulator.calls(reset=True)
    run = run_playbook("--check", playbook=PROMOTE, replica=REPLICA, region=WEST)
    assert run.rc == 0, run.text[-3000:]
    for line in (
        "PASS  is a read replica: ledger-west replicates from arn:aws:rds:us-east-1:",
        "PASS  source: ledger in us-east-1 answers",
        "PASS  replica lag (CloudWatch)",
        "PASS  replica lag (instance)",
        "WAL receiver streaming",
        "PASS  master credentials: secret slipway/local/rds/ledger/master in us-west-2",
        "PASS  backup retention after promote: BackupRetentionPeriod 7 day(s) (from the source ledger's BackupRetentionPeriod)",
    ):
        assert line in run.stdout, (line, run.stdout[-4000:])
    assert '"BackupRetentionPeriod": 7, "DBInstanceIdentifier": "ledger-west"' in run.stdout and "rds.PromoteReadReplica" in run.stdout
    assert writes(emulator.calls()) == {}
    assert not run.reports.exists()
    assert "ReadReplicaSourceDBInstanceIdentifier" in describe(client(emulator, "rds", WEST), REPLICA)


def test_wrong_confirmation_is_refused_before_any_write(emulator: Emulator, ledger: dict[str, Any], run_playbook: Any) -> None:
    emulator.calls(reset=True)
    for confirm in (SOURCE, None):  # the source's name is not the replica's; no answer at the (non-interactive) prompt
        run = run_playbook(playbook=PROMOTE, replica=REPLICA, region=WEST, **({"confirm": confirm} if confirm else {}))
        assert run.rc != 0 and "ConfirmationRefused" in run.text and f"-e confirm={REPLICA}" in run.text, run.text[-3000:]
        assert run.report()["status"] == "refused"
    assert writes(emulator.calls()) == {}
    assert describe(client(emulator, "rds", WEST), REPLICA)["ReadReplicaSourceDBInstanceIdentifier"] == ledger["source"]["DBInstanceArn"]


def test_not_a_replica_and_bad_input_are_refused_before_any_write(emulator: Emulator, ledger: dict[str, Any], run_playbook: Any) -> None:
    emulator.calls(reset=True)
    run = run_playbook(playbook=PROMOTE, replica=SOURCE, region=EAST, confirm=SOURCE)  # a primary: nothing to promote
    assert run.rc != 0 and "FAIL  is a read replica: ledger is not a read replica (no ReadReplicaSourceDBInstanceIdentifier)" in run.stdout, run.text[-3000:]
    run = run_playbook(playbook=PROMOTE, replica=REPLICA, region=EAST, confirm=REPLICA)  # the wrong Region
    assert run.rc != 0 and "FAIL  replica instance: no DB instance ledger-west in us-east-1 (DBInstanceNotFound)" in run.stdout, run.text[-3000:]
    run = run_playbook(playbook=PROMOTE, region=WEST)
    assert run.rc != 0 and "usage: -e replica=REPLICA -e region=REPLICA_REGION" in run.text, run.text[-3000:]
    # a failback from an instance that is still a replica, and of an encrypted one without a key of the original Region
    run = run_playbook(playbook=FAILBACK, primary=REPLICA, region=WEST, back_region=EAST, target=BACK, confirm=BACK)
    assert run.rc != 0 and "FAIL  is a standalone primary: ledger-west is still a replica of arn:aws:rds:us-east-1:" in run.stdout, run.text[-3000:]
    assert "FAIL  KMS key: ledger-west is encrypted: a cross-Region replica needs a KMS key of us-east-1" in run.stdout
    run = run_playbook(playbook=FAILBACK, primary=REPLICA, region=WEST, back_region=WEST, target=BACK, confirm=BACK)
    assert run.rc != 0 and "FAIL  region: back_region us-west-2 is the primary's own Region" in run.stdout, run.text[-3000:]
    assert writes(emulator.calls()) == {}


def test_lag_above_the_bound_is_refused_before_any_write(emulator: Emulator, ledger: dict[str, Any], run_playbook: Any) -> None:
    control(emulator, "/_slipway/rds/replay", {"region": WEST, "db_instance_identifier": REPLICA, "paused": True})
    try:
        # the source's writer goes on; the replica replays nothing: its lag grows (the emulator's view and CloudWatch)
        wait_for(lambda: (emulated(emulator, WEST, REPLICA)["replica_lag_seconds"] or 0) > 6, 60, "the replica 6 s behind")
        wait_for(lambda: newest_lag_datapoint(emulator, REPLICA, WEST) > 6, 30, "a ReplicaLag datapoint above 6 s")
        emulator.calls(reset=True)
        run = run_playbook(playbook=PROMOTE, replica=REPLICA, region=WEST, max_lag_seconds="3", confirm=REPLICA)
    finally:
        control(emulator, "/_slipway/rds/replay", {"region": WEST, "db_instance_identifier": REPLICA, "paused": False})
    assert run.rc != 0 and "PreflightFailed" in run.text, run.text[-3000:]
    assert "FAIL  replica lag (CloudWatch): ReplicaLag" in run.stdout and "(bound 3s); wait for it to catch up or raise -e max_lag_seconds" in run.stdout
    assert "FAIL  replica lag (instance): lag" in run.stdout, run.stdout[-3000:]
    assert writes(emulator.calls()) == {}
    assert run.report()["status"] == "preflight_failed"
    assert describe(client(emulator, "rds", WEST), REPLICA)["ReadReplicaSourceDBInstanceIdentifier"] == ledger["source"]["DBInstanceArn"]


def test_failover_with_the_source_region_down(emulator: Emulator, ledger: dict[str, Any], run_playbook: Any) -> None:
    east, west = client(emulator, "rds", EAST), client(emulator, "rds", WEST)
    source, replica = ledger["source"], ledger["replica"]
    wait_for(lambda: len(canaries(replica)) >= 5 and emulated(emulator, WEST, REPLICA)["replica_lag_seconds"] == 0, 60, "the replica caught up")
    # the link between the Regions goes first (the source commits rows the replica never receives), then the Region:
    # the source's postgres stops (crash), its RDS API answers 500
    cut = control(emulator, "/_slipway/rds/link", {"region": WEST, "db_instance_identifier": REPLICA, "connected": False})
    assert cut["link_cut"] is True
    unsent = canaries(source)[-1]
    wait_for(lambda: len([ts for ts in canaries(source) if ts > unsent]) >= 2, 30, "rows the replica does not receive")
    down = control(emulator, "/_slipway/rds/outage", {"region": EAST, "db_instance_identifier": SOURCE, "down": True})
    assert down["outage"] is True and down["pid"] is None
    with pytest.raises(Exception):  # noqa: B017  any connection error: nothing listens any more
        connect(source)
    wait_for(lambda: emulated(emulator, WEST, REPLICA)["wal_receiver"] != "streaming", 30, "the replica to lose its source")
    emulator.calls(reset=True)
    with fault(emulator.endpoint, "rds.*", "5xx", rate=1.0, match={"DBInstanceIdentifier": SOURCE}):
        run = run_playbook(playbook=PROMOTE, replica=REPLICA, region=WEST, confirm=REPLICA)
    assert run.rc == 0, run.text[-5000:]
    assert "PASS  source: ledger in us-east-1 unreachable (InternalFailure): a down source Region does not block the failover" in run.stdout
    assert "WAL receiver not running: nothing arrives from the source" in run.stdout
    for step in ("promote", "wait_promoted", "write_check", "smoke_query", "compare_settings"):
        assert f"ok    {step}" in run.stdout, run.stdout[-4000:]
    calls = emulator.calls()
    assert calls["rds.PromoteReadReplica"] == 1 and set(writes(calls)) == {"rds.PromoteReadReplica"}, calls
    report = run.report()
    assert report["status"] == "succeeded"

    # read back over the API: a standalone primary with backups
    promoted = describe(west, REPLICA)
    assert promoted["DBInstanceStatus"] == "available" and "ReadReplicaSourceDBInstanceIdentifier" not in promoted
    assert promoted["BackupRetentionPeriod"] == 7 and not promoted.get("StatusInfos")
    wait_for(lambda: describe(west, REPLICA).get("LatestRestorableTime"), 30, "a LatestRestorableTime on the promoted instance")
    # read back over SQL: it takes writes (not the runbook's word: a row of the test's own)
    assert query(promoted, "SELECT pg_is_in_recovery()") == [[False]]
    marker = query(promoted, "INSERT INTO canary (ts) VALUES (clock_timestamp()) RETURNING id, ts")[0]
    assert query(promoted, "SELECT ts FROM canary WHERE id = :i", i=marker[0]) == [[marker[1]]]
    assert query(promoted, "SELECT count(*) FROM slipway_dr_write_check") == [[0]]  # the runbook's row: written, read back, deleted

    # measured data loss: against the declaration (the source could not be read), from the promoted database's own newest row
    rpo = report["rpo"]
    rows = canaries(promoted)
    newest = max(ts for ts in rows if ts < marker[1])
    assert rpo["reference"] == "declaration_time" and when(rpo["newest_row"]) == ms(newest), (rpo, newest)
    declared = when(report["declared_at"])
    assert rpo["measured_seconds"] == pytest.approx(round((declared - when(rpo["newest_row"])).total_seconds(), 3), abs=0.002)
    assert "unreadable" in rpo["evidence"]
    print(f"failover: measured data loss {rpo['measured_seconds']}s (to the declaration), RTO {report['rto']['achieved_seconds']}s")
    parts = report["rto"]["parts"]
    assert 0 < parts["api_available"]["seconds"] <= parts["application_healthy"]["seconds"] == report["rto"]["achieved_seconds"]
    assert any("settings not compared" in v for v in report["verified"])

    # the Region comes back: the source's own rows say what the failover really lost
    control(emulator, "/_slipway/rds/outage", {"region": EAST, "db_instance_identifier": SOURCE, "down": False})
    old = available(east, SOURCE)
    assert old["ReadReplicaDBInstanceIdentifiers"] == []  # the promoted replica left the relationship (it was listed by its ARN)
    on_source = canaries(old)
    lost = [ts for ts in on_source if ts > newest]
    assert set(rows) - {marker[1]} <= set(on_source) and newest in on_source
    assert len(lost) >= 1 and lost[-1] > unsent  # committed on the source after the link went: lost by the failover
    really = (on_source[-1] - newest).total_seconds()
    assert 0.5 <= really <= rpo["measured_seconds"] + 0.001, (really, rpo)  # the declaration bounds the real loss from above
    print(f"failover: the source had {len(lost)} row(s) the replica never received ({really:.3f}s of writes)")
    ledger["failover_newest"] = newest
    ledger["failover_report"] = report


def test_failback_to_the_original_region(emulator: Emulator, ledger: dict[str, Any], run_playbook: Any) -> None:
    if "failover_newest" not in ledger:
        pytest.fail("the failover test did not complete: nothing to fail back from")
    east, west = client(emulator, "rds", EAST), client(emulator, "rds", WEST)
    promoted = describe(west, REPLICA)
    writer = Writer(promoted, create=False)  # the application, now writing in us-west-2
    ledger["writers"].append(writer)
    wait_for(lambda: len([ts for ts in canaries(promoted) if ts > ledger["failover_newest"]]) >= 4, 30, "rows written after the failover")
    emulator.calls(reset=True)
    args = {"playbook": FAILBACK, "primary": REPLICA, "region": WEST, "back_region": EAST, "target": BACK, "kms_key_id": ledger["key_east"], "confirm": BACK}
    # the catch-up's read-back fails once (CloudWatch denied): the run stops there and is resumed, the replica not made twice
    with fault(emulator.endpoint, "cloudwatch.GetMetricStatistics", "access-denied", count=1):
        failed = run_playbook(run_id="failback-resume-1", **args)
    assert failed.rc != 0 and "step catch_up failed" in failed.text and "-e resume=true -e run_id=failback-resume-1" in failed.text, failed.text[-3000:]
    first = failed.report()
    assert first["status"] == "failed" and [s["step"] for s in first["steps"]] == ["create_replica", "wait_replica"]
    assert describe(east, BACK)["ReadReplicaSourceDBInstanceIdentifier"] == promoted["DBInstanceArn"]
    run = run_playbook(resume="true", run_id="failback-resume-1", dr_runbook_reports_dir=str(failed.reports), **args)
    writer.close()
    run.reports = failed.reports  # the same run: its report is rewritten where the first part left it
    assert run.rc == 0, run.text[-5000:]
    assert "plan  create_replica (done)" in run.stdout and "plan  wait_replica (done)" in run.stdout
    assert "ok    create_replica" in failed.stdout and "ok    wait_replica" in failed.stdout
    for step in ("catch_up", "promote", "wait_promoted", "write_check", "smoke_query", "compare_settings"):
        assert f"ok    {step}" in run.stdout, run.stdout[-4000:]
    calls = emulator.calls()
    assert calls["rds.CreateDBInstanceReadReplica"] == 1 and calls["rds.PromoteReadReplica"] == 1, calls
    report = run.report()
    assert report["status"] == "succeeded" and "re-pointed" in report["not_done"] and report["failures"][0]["step"] == "catch_up"
    audit = [json.loads(line) for line in (run.reports / "runs" / report["run_id"] / "audit.jsonl").read_text().splitlines()]
    create = next(a for a in audit if a.get("call") == "rds.CreateDBInstanceReadReplica")
    assert create["region"] == EAST and create["params"]["SourceDBInstanceIdentifier"] == promoted["DBInstanceArn"] and create["request_id"]

    # read back: a standalone primary in us-east-1, encrypted with the us-east-1 key, with backups
    back = describe(east, BACK)
    assert back["DBInstanceStatus"] == "available" and "ReadReplicaSourceDBInstanceIdentifier" not in back
    assert back["BackupRetentionPeriod"] == 7 and back["KmsKeyId"] == ledger["key_east"] and back["StorageEncrypted"]
    assert describe(west, REPLICA)["ReadReplicaDBInstanceIdentifiers"] == []
    tags = {t["Key"]: t["Value"] for t in east.list_tags_for_resource(ResourceName=back["DBInstanceArn"])["TagList"]}
    assert tags["slipway:dr-run-id"] == report["run_id"] and "slipway:drill-expires-at" not in tags
    # it holds the rows written on the promoted instance after the failover, up to the catch-up, and takes writes
    on_back, on_west = canaries(back), canaries(promoted)
    after_failover = [ts for ts in on_west if ts > ledger["failover_newest"]]
    caught = when(next(s for s in report["steps"] if s["step"] == "catch_up")["evidence"]["newest_row_both"])
    assert len(after_failover) >= 4
    assert [ts for ts in after_failover if ms(ts) <= caught] == [ts for ts in on_back if ts > ledger["failover_newest"] and ms(ts) <= caught]
    assert set(on_back) <= set(on_west)
    assert query(back, "SELECT pg_is_in_recovery()") == [[False]]
    row = query(back, "INSERT INTO canary (ts) VALUES (clock_timestamp()) RETURNING id")[0][0]
    assert query(back, "SELECT count(*) FROM canary WHERE id = :i", i=row) == [[1]]
    # measured data loss: the promoted instance's rows committed before the promote that the new primary lacks
    rpo = report["rpo"]
    promote_at = when(report["inputs"]["promote_called_at"])
    before = [ts for ts in on_west if ts <= promote_at]
    newest_back = max(ts for ts in on_back if ts in set(on_west))
    assert rpo["reference"] == "source_newest_row" and when(rpo["reference_time"]) == ms(before[-1])
    assert when(rpo["newest_row"]) == ms(newest_back)
    assert rpo["rows_missing"] == len([ts for ts in before if ts > newest_back])
    assert rpo["measured_seconds"] == pytest.approx(round((ms(before[-1]) - ms(newest_back)).total_seconds(), 3), abs=0.002)
    print(f"failback: measured data loss {rpo['measured_seconds']}s ({rpo['rows_missing']} row(s)), RTO {report['rto']['achieved_seconds']}s")
    # the settings that must be equal are; the Region's own are reported
    assert [d for d in report["differences"] if d["must_equal"]] == []
