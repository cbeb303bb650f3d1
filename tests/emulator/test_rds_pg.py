"""RDS backed by real PostgreSQL (tools/local_aws/rds_pg.py): PITR with a measured RPO, snapshots,
cross-region copies, streaming replicas, promote, delete, and no orphan postgres process.

Ports (outside the ephemeral range 32768-60999, unused by the other modules): emulator API
4770 (else a free one in 4700-4798), listener base 23300 (23380, 32300), webhook off, RDS
instances on 28700-28799 (SLIPWAY_RDS_PORT_BASE = base + 5400, the suite's own block in
tests/support/ports.py). The second emulator (SIGKILL test) uses 4771, listener base 23200
and RDS ports 28600-28699.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pg8000.native
import pytest
from botocore.exceptions import ClientError

from .conftest import Emulator, port_free, wait_for

PREFERRED_PORT, PREFERRED_BASE, RDS_BASE = 4770, 23300, 28700
KILL_PORT, KILL_BASE, KILL_RDS_BASE = 4771, 23200, 28600
MASTER, PASSWORD, DBNAME = "app_admin", "canary-Secret-1", "app"
WRITER_INTERVAL = 1.0  # seconds between canary rows: the data loss a PITR may show


def _rds_base(preferred: int) -> int:
    if all(port_free(p) for p in range(preferred, preferred + 100, 7)):
        return preferred
    raise RuntimeError(f"RDS ports {preferred}-{preferred + 99} are taken (this suite's own block, tests/support/ports.py)")


def _make(tmp: Path, port: int, base: int, rds_base: int) -> Emulator:
    emu = Emulator(tmp)
    if port_free(port) and port_free(base + 80) and port_free(base + 9000):
        emu.port, emu.base, emu.endpoint = port, base, f"http://127.0.0.1:{port}"
    emu.env.update(
        SLIPWAY_EMULATOR_PORT=str(emu.port),
        SLIPWAY_LISTENER_PORT_BASE=str(emu.base),
        SLIPWAY_WEBHOOK_PORT="0",
        SLIPWAY_RDS_REAL="1",
        SLIPWAY_RDS_PORT_BASE=str(_rds_base(rds_base)),
        SLIPWAY_RDS_ARCHIVE_TIMEOUT="1",
        SLIPWAY_RDS_BACKUP_INTERVAL="20",
    )
    return emu


@pytest.fixture(scope="module")
def emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    e = _make(tmp_path_factory.mktemp("local-aws-rds"), PREFERRED_PORT, PREFERRED_BASE, RDS_BASE)
    assert e.cli("up").stdout.strip() == e.endpoint
    try:
        yield e
    finally:
        e.cli("down", check=False)


def rds(emu: Emulator, region: str = "us-east-1") -> Any:
    return boto3.client("rds", endpoint_url=emu.endpoint, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")


def control(emu: Emulator, path: str, method: str = "GET") -> Any:
    with urllib.request.urlopen(urllib.request.Request(emu.endpoint + path, method=method), timeout=10) as answer:
        return json.load(answer)


def describe(client: Any, ident: str) -> dict[str, Any]:
    return client.describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]


def wait_available(client: Any, ident: str, timeout: float = 180) -> dict[str, Any]:
    def ready() -> dict[str, Any] | bool:
        d = describe(client, ident)
        if d["DBInstanceStatus"] == "failed":
            with urllib.request.urlopen(client.meta.endpoint_url + "/_slipway/rds", timeout=10) as answer:
                errors = [i["error"] for i in json.load(answer)["instances"] if i["db_instance_identifier"] == ident]
            raise AssertionError(f"{ident} failed: {errors}")
        return d["DBInstanceStatus"] == "available" and d

    return wait_for(ready, timeout, f"{ident} available")


def connect(instance: dict[str, Any], password: str = PASSWORD) -> Any:
    return pg8000.native.Connection(
        MASTER, host=instance["Endpoint"]["Address"], port=instance["Endpoint"]["Port"], database=DBNAME, password=password, timeout=10
    )


def canaries(instance: dict[str, Any]) -> list[dt.datetime]:
    conn = connect(instance)
    try:
        return [row[0] for row in conn.run("SELECT ts FROM canary ORDER BY ts")]
    finally:
        conn.close()


def postgres_pids(root: str) -> list[int]:
    """Processes whose command line names a directory under ``root`` (every postmaster we start does)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if root in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                    pids.append(int(entry.name))
    return pids


class CanaryWriter:
    """Inserts a row stamped with the server's clock every WRITER_INTERVAL seconds into the source."""

    def __init__(self, instance: dict[str, Any]) -> None:
        self.conn = connect(instance)
        self.conn.run("CREATE TABLE canary (id bigserial PRIMARY KEY, ts timestamptz NOT NULL)")
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.conn.run("INSERT INTO canary (ts) VALUES (clock_timestamp())")
            except Exception as exc:  # noqa: BLE001  reported by the tests
                self.errors.append(str(exc))
            self.stop.wait(WRITER_INTERVAL)

    def close(self) -> None:
        if self.stop.is_set():
            return
        self.stop.set()
        self.thread.join(5)
        with contextlib.suppress(Exception):
            self.conn.close()


@pytest.fixture(scope="module")
def source(emu: Emulator) -> Iterator[dict[str, Any]]:
    client = rds(emu)
    created = client.create_db_instance(
        DBInstanceIdentifier="orders",
        Engine="postgres",
        EngineVersion="15.4",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername=MASTER,
        MasterUserPassword=PASSWORD,
        DBName=DBNAME,
        BackupRetentionPeriod=7,
        StorageEncrypted=True,
        CopyTagsToSnapshot=True,
        DeletionProtection=False,
        Tags=[{"Key": "team", "Value": "orders"}],
    )["DBInstance"]
    assert created["DBInstanceStatus"] == "creating"
    instance = wait_available(client, "orders")
    writer = CanaryWriter(instance)
    try:
        yield {"instance": instance, "writer": writer}
    finally:
        writer.close()


def test_create_gives_a_real_postgres_on_loopback(emu: Emulator, source: dict[str, Any]) -> None:
    inst = source["instance"]
    assert inst["Endpoint"]["Address"] == "127.0.0.1"
    state = control(emu, "/_slipway/rds")
    mine = next(i for i in state["instances"] if i["db_instance_identifier"] == "orders")
    assert inst["Endpoint"]["Port"] == mine["port"] and state["port_base"] <= mine["port"] < state["port_base"] + 100
    assert not 32768 <= mine["port"] <= 60999
    conn = connect(inst)
    try:
        assert conn.run("SELECT current_user, current_database(), version() LIKE 'PostgreSQL 15%'") == [[MASTER, DBNAME, True]]
        assert conn.run("SELECT setting FROM pg_settings WHERE name = 'archive_mode'") == [["on"]]
    finally:
        conn.close()
    with pytest.raises(Exception, match="password authentication failed"):
        connect(inst, password="wrong")
    assert len(mine["backups"]) >= 1 and mine["pid"] in postgres_pids(state["root"])


def test_point_in_time_restore_replays_wal_to_the_requested_time(emu: Emulator, source: dict[str, Any]) -> None:
    client = rds(emu)
    rows = wait_for(lambda: len(r := canaries(source["instance"])) >= 5 and r, 30, "5 canary rows")
    before, after = rows[-3], rows[-2]
    target = before + (after - before) / 2  # between two rows: `before` must be there, `after` not
    wait_for(lambda: (describe(client, "orders").get("LatestRestorableTime") or target) > target, 30, "the archive to pass T")
    client.restore_db_instance_to_point_in_time(SourceDBInstanceIdentifier="orders", TargetDBInstanceIdentifier="orders-pitr", RestoreTime=target)
    restored = wait_available(client, "orders-pitr")
    got = canaries(restored)
    assert got, "no canary row restored"
    newest = got[-1]
    assert all(ts <= target for ts in got), f"rows after T {target} restored: {[t for t in got if t > target]}"
    assert newest == before  # commit-exact replay: the last row committed before T, not a nearby copy
    # the measured data loss is T - newest: half the gap between two rows (WRITER_INTERVAL when the writer keeps pace)
    assert target - newest == (after - before) / 2
    # what AWS does not copy from the source (RestoreDBInstanceToPointInTime reference)
    ec2 = boto3.client("ec2", endpoint_url=emu.endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    default_sg = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]
    assert next(g["VpcSecurityGroupId"] for g in restored["VpcSecurityGroups"]) in {g["GroupId"] for g in default_sg}
    assert restored["DBParameterGroups"][0]["DBParameterGroupName"].startswith("default.")
    assert client.list_tags_for_resource(ResourceName=restored["DBInstanceArn"])["TagList"] == []
    assert restored["CopyTagsToSnapshot"] is False and restored["MultiAZ"] is False
    assert "ReadReplicaSourceDBInstanceIdentifier" not in restored
    assert restored["Endpoint"]["Port"] != source["instance"]["Endpoint"]["Port"]


def test_restore_to_latest_restorable_time(emu: Emulator, source: dict[str, Any]) -> None:
    client = rds(emu)
    # A new instance has no restorable time until its first WAL is archived (AWS leaves the field out too).
    latest = wait_for(lambda: describe(client, "orders").get("LatestRestorableTime"), timeout=60, what="a LatestRestorableTime")
    client.restore_db_instance_to_point_in_time(SourceDBInstanceIdentifier="orders", TargetDBInstanceIdentifier="orders-latest", UseLatestRestorableTime=True)
    asked = dt.datetime.now(dt.UTC)
    restored = wait_available(client, "orders-latest")
    got = canaries(restored)
    # the restore used LatestRestorableTime at the call (>= `latest`): every row committed by `latest` is there
    expected = [ts for ts in canaries(source["instance"]) if ts <= latest]
    assert got[: len(expected)] == expected and got[-1] <= asked
    client.delete_db_instance(DBInstanceIdentifier="orders-latest", SkipFinalSnapshot=True)


def test_out_of_window_restore_is_refused_before_anything_is_created(emu: Emulator, source: dict[str, Any]) -> None:
    client = rds(emu)
    before = {i["db_instance_identifier"] for i in control(emu, "/_slipway/rds")["instances"]}
    control(emu, "/_slipway/calls", method="DELETE")
    future = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    for when in (future, past):
        with pytest.raises(ClientError) as err:
            client.restore_db_instance_to_point_in_time(SourceDBInstanceIdentifier="orders", TargetDBInstanceIdentifier="orders-nope", RestoreTime=when)
        assert err.value.response["Error"]["Code"] == "InvalidRestoreFault"
    with pytest.raises(ClientError) as err:
        client.restore_db_instance_to_point_in_time(
            SourceDBInstanceIdentifier="orders", TargetDBInstanceIdentifier="orders-nope", RestoreTime=past, UseLatestRestorableTime=True
        )
    assert err.value.response["Error"]["Code"] == "InvalidParameterCombination"
    calls = control(emu, "/_slipway/calls")["calls"]
    assert calls == {"rds.RestoreDBInstanceToPointInTime": 3}, calls  # no other write went out
    with pytest.raises(ClientError, match="DBInstanceNotFound"):
        describe(client, "orders-nope")
    after = {i["db_instance_identifier"] for i in control(emu, "/_slipway/rds")["instances"]}
    assert after <= before and "orders-nope" not in after  # (an instance deleted earlier may finish going away)


def test_snapshot_restore_and_cross_region_copy(emu: Emulator, source: dict[str, Any]) -> None:
    east, west = rds(emu), rds(emu, "us-west-2")
    snap = east.create_db_snapshot(DBInstanceIdentifier="orders", DBSnapshotIdentifier="orders-snap")["DBSnapshot"]
    assert snap["Status"] == "creating"
    wait_for(lambda: east.describe_db_snapshots(DBSnapshotIdentifier="orders-snap")["DBSnapshots"][0]["Status"] == "available", 120, "snapshot")
    taken = dt.datetime.now(dt.UTC)
    conn = connect(source["instance"])
    conn.run("CREATE TABLE after_snapshot (x int)")
    conn.close()

    east.restore_db_instance_from_db_snapshot(DBInstanceIdentifier="orders-from-snap", DBSnapshotIdentifier="orders-snap")
    restored = wait_available(east, "orders-from-snap")
    assert restored["Endpoint"]["Address"] == "127.0.0.1"
    got = canaries(restored)
    assert got and got[-1] <= taken
    c = connect(restored)
    assert c.run("SELECT to_regclass('after_snapshot') IS NULL") == [[True]]
    c.run("INSERT INTO canary (ts) VALUES (now())")  # a writable primary
    c.close()

    arn = snap["DBSnapshotArn"]
    with pytest.raises(ClientError) as err:  # encrypted, other Region, no KmsKeyId
        west.copy_db_snapshot(SourceDBSnapshotIdentifier=arn, TargetDBSnapshotIdentifier="orders-snap-west", SourceRegion="us-east-1")
    assert err.value.response["Error"]["Code"] == "InvalidParameterValue" and "KmsKeyId" in err.value.response["Error"]["Message"]
    kms = boto3.client("kms", endpoint_url=emu.endpoint, region_name="us-west-2", aws_access_key_id="testing", aws_secret_access_key="testing")
    key = kms.create_key(Description="dr copies")["KeyMetadata"]["Arn"]
    west.copy_db_snapshot(SourceDBSnapshotIdentifier=arn, TargetDBSnapshotIdentifier="orders-snap-west", KmsKeyId=key, SourceRegion="us-east-1")
    wait_for(lambda: west.describe_db_snapshots(DBSnapshotIdentifier="orders-snap-west")["DBSnapshots"][0]["Status"] == "available", 120, "copy")
    files = {(s["region"], s["db_snapshot_identifier"]): s["path"] for s in control(emu, "/_slipway/rds")["snapshots"]}
    assert "/us-west-2/" in files[("us-west-2", "orders-snap-west")]

    west.restore_db_instance_from_db_snapshot(DBInstanceIdentifier="orders-west", DBSnapshotIdentifier="orders-snap-west")
    in_west = wait_available(west, "orders-west")
    assert canaries(in_west) == got
    with pytest.raises(ClientError, match="DBInstanceNotFound"):
        describe(east, "orders-west")
    for client, ident in ((east, "orders-from-snap"), (west, "orders-west")):
        client.delete_db_instance(DBInstanceIdentifier=ident, SkipFinalSnapshot=True)


def test_read_replica_streams_and_promotes(emu: Emulator, source: dict[str, Any]) -> None:
    client = rds(emu)
    client.create_db_instance_read_replica(DBInstanceIdentifier="orders-replica", SourceDBInstanceIdentifier="orders")
    replica = wait_available(client, "orders-replica")
    assert replica["ReadReplicaSourceDBInstanceIdentifier"] == "orders"
    assert describe(client, "orders")["ReadReplicaDBInstanceIdentifiers"] == ["orders-replica"]
    conn = connect(source["instance"])
    conn.run("CREATE TABLE IF NOT EXISTS marks (note text)")
    conn.run("INSERT INTO marks VALUES ('streamed')")
    conn.close()

    def on_replica() -> Any:
        c = connect(replica)
        try:
            return c.run("SELECT to_regclass('marks') IS NOT NULL AND pg_is_in_recovery()")[0][0] and c.run("SELECT count(*) FROM marks")[0][0] == 1
        finally:
            c.close()

    wait_for(on_replica, 15, "the row on the replica")
    c = connect(replica)
    with pytest.raises(Exception, match="read-only"):
        c.run("INSERT INTO marks VALUES ('no')")
    c.close()
    lag = wait_for(
        lambda: (
            next((i["replica_lag_seconds"] for i in control(emu, "/_slipway/rds")["instances"] if i["db_instance_identifier"] == "orders-replica"), None)
            is not None
        ),
        15,
        "ReplicaLag",
    )
    assert lag
    cw = boto3.client("cloudwatch", endpoint_url=emu.endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    metrics = cw.list_metrics(Namespace="AWS/RDS", MetricName="ReplicaLag")["Metrics"]
    assert {"Name": "DBInstanceIdentifier", "Value": "orders-replica"} in metrics[0]["Dimensions"]

    promoted = client.promote_read_replica(DBInstanceIdentifier="orders-replica")["DBInstance"]
    assert promoted["DBInstanceStatus"] == "modifying"
    done = wait_for(
        lambda: (d := describe(client, "orders-replica"))["DBInstanceStatus"] == "available" and "ReadReplicaSourceDBInstanceIdentifier" not in d and d,
        60,
        "promoted",
    )
    c = connect(done)
    try:
        assert c.run("SELECT pg_is_in_recovery()") == [[False]]
        c.run("INSERT INTO marks VALUES ('written after promote')")
        assert c.run("SELECT count(*) FROM marks") == [[2]]
    finally:
        c.close()
    assert describe(client, "orders")["ReadReplicaDBInstanceIdentifiers"] == []


def test_delete_leaves_no_process_and_no_data(emu: Emulator, source: dict[str, Any]) -> None:
    client = rds(emu)
    state = control(emu, "/_slipway/rds")
    victims = {i["db_instance_identifier"]: i for i in state["instances"] if i["db_instance_identifier"] in ("orders-pitr", "orders-replica")}
    assert set(victims) == {"orders-pitr", "orders-replica"}
    with pytest.raises(ClientError) as err:
        client.delete_db_instance(DBInstanceIdentifier="orders-pitr")
    assert err.value.response["Error"]["Code"] == "InvalidParameterCombination"
    client.delete_db_instance(DBInstanceIdentifier="orders-pitr", FinalDBSnapshotIdentifier="orders-pitr-final")
    client.delete_db_instance(DBInstanceIdentifier="orders-replica", SkipFinalSnapshot=True)
    wait_for(lambda: client.describe_db_snapshots(DBSnapshotIdentifier="orders-pitr-final")["DBSnapshots"][0]["Status"] == "available", 120, "final snapshot")
    for info in victims.values():
        wait_for(lambda info=info: not Path(info["root"]).exists(), 120, f"{info['root']} removed")
        with pytest.raises(ProcessLookupError):
            os.kill(info["pid"], 0)
    left = {i["db_instance_identifier"] for i in control(emu, "/_slipway/rds")["instances"]}
    assert left == {"orders"}


def test_down_stops_every_cluster(emu: Emulator, source: dict[str, Any]) -> None:
    root = control(emu, "/_slipway/rds")["root"]
    assert postgres_pids(root)
    source["writer"].close()
    emu.cli("down")
    assert postgres_pids(root) == []
    assert not Path(root).exists()


def test_sigkill_of_the_emulator_leaves_no_postgres(tmp_path: Path) -> None:
    e = _make(tmp_path, KILL_PORT, KILL_BASE, KILL_RDS_BASE)
    assert e.cli("up").stdout.strip() == e.endpoint
    root = ""
    try:
        client = rds(e)
        client.create_db_instance(
            DBInstanceIdentifier="k", Engine="postgres", DBInstanceClass="db.t3.micro", MasterUsername=MASTER, MasterUserPassword=PASSWORD, DBName=DBNAME
        )
        wait_available(client, "k")
        root = control(e, "/_slipway/rds")["root"]
        assert postgres_pids(root)
        pid = int((tmp_path / "emulator.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: postgres_pids(root) == [], 20, "postgres gone after the emulator's SIGKILL")
    finally:
        e.cli("down", check=False)
        if root:  # SIGKILL left the emulator no chance to remove its data directory
            shutil.rmtree(root, ignore_errors=True)
