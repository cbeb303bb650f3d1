"""This scenario's world, driven from its playbooks:

    python molecule/dr_runbook/helper.py prepare|verify REPORTS_DIR

prepare: the RDS instance mol-orders on the emulator (a real PostgreSQL cluster: SLIPWAY_RDS_REAL=1 in the
scenario's environment), its master secret, a canary table with rows, and a wait until its LatestRestorableTime
passes the newest row; a second prepare finds it and changes nothing.
verify: mol-orders-pitr holds exactly the source's rows up to the restore time; of the runs in REPORTS_DIR one
succeeded (with one restore call in its audit log) and the later one found the work already done.
Prints no secret value.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import pg8000.native

SOURCE, TARGET, MASTER, DBNAME = "mol-orders", "mol-orders-pitr", "app_admin", "app"
SECRET = "molecule/rds/mol-orders/master"  # noqa: S105  a secret's name, not a value
PASSWORD = "Molecule-Canary-1"  # noqa: S105  the emulated instance's password, made here


def client(service: str) -> Any:
    return boto3.client(service, endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1")


def wait(fn: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = fn()
        if got:
            return got
        time.sleep(0.5)
    raise SystemExit(f"timed out waiting for {what}")


def describe(ident: str) -> dict[str, Any] | None:
    rds = client("rds")
    try:
        return rds.describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]
    except rds.exceptions.DBInstanceNotFoundFault:
        return None


def rows(instance: dict[str, Any]) -> list[dt.datetime]:
    conn = pg8000.native.Connection(
        MASTER, host=instance["Endpoint"]["Address"], port=instance["Endpoint"]["Port"], database=DBNAME, password=PASSWORD, timeout=10
    )
    try:
        return [r[0] for r in conn.run("SELECT ts FROM canary ORDER BY ts")]
    finally:
        conn.close()


def prepare() -> None:
    if describe(SOURCE) is not None:
        print(f"{SOURCE} exists already")
        return
    client("secretsmanager").create_secret(Name=SECRET, SecretString=json.dumps({"username": MASTER, "password": PASSWORD}))
    client("rds").create_db_instance(
        DBInstanceIdentifier=SOURCE,
        Engine="postgres",
        EngineVersion="15.4",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername=MASTER,
        MasterUserPassword=PASSWORD,
        DBName=DBNAME,
        BackupRetentionPeriod=1,
        Tags=[{"Key": "team", "Value": "orders"}],
    )
    instance = wait(lambda: (d := describe(SOURCE)) and d["DBInstanceStatus"] == "available" and d, 180, f"{SOURCE} available")
    conn = pg8000.native.Connection(
        MASTER, host=instance["Endpoint"]["Address"], port=instance["Endpoint"]["Port"], database=DBNAME, password=PASSWORD, timeout=10
    )
    try:
        conn.run("CREATE TABLE canary (id bigserial PRIMARY KEY, ts timestamptz NOT NULL)")
        conn.run("INSERT INTO canary (ts) SELECT clock_timestamp() FROM generate_series(1, 5)")
        newest = conn.run("SELECT max(ts) FROM canary")[0][0]
    finally:
        conn.close()
    wait(lambda: (describe(SOURCE) or {}).get("LatestRestorableTime") and describe(SOURCE)["LatestRestorableTime"] > newest, 60, "the archive to pass the rows")
    print(f"prepared {SOURCE} with 5 canary rows and its master secret")


def verify(reports: Path) -> None:
    restored = describe(TARGET)
    assert restored and restored["DBInstanceStatus"] == "available", f"{TARGET} is not available: {restored}"
    runs = sorted((json.loads(p.read_text()) for p in reports.glob("*.json")), key=lambda r: r["declared_at"])
    assert [r["status"] for r in runs] == ["succeeded", "already_done"], [r["status"] for r in runs]
    first = runs[0]
    point = dt.datetime.fromisoformat(first["inputs"]["restore_time"].replace("Z", "+00:00"))
    source_rows = rows(describe(SOURCE) or {})
    got = rows(restored)
    assert got == [r for r in source_rows if r <= point] and got, f"{TARGET} holds {len(got)} rows; the source {len(source_rows)} up to {point}"
    audit = [json.loads(line) for line in (reports / "runs" / first["run_id"] / "audit.jsonl").read_text().splitlines()]
    restores = [a for a in audit if a.get("call") == "rds.RestoreDBInstanceToPointInTime"]
    assert len(restores) == 1 and restores[0]["request_id"], restores
    assert runs[1]["aws_calls"] and not [c for c in runs[1]["aws_calls"] if not c.split(".", 1)[1].startswith(("Describe", "List", "Get"))]
    print(f"verified: {TARGET} holds the {len(got)} rows up to {point.isoformat()}; run {first['run_id']} succeeded, the second found it done")


def main(action: str, reports: Path) -> int:
    if action == "prepare":
        prepare()
    elif action == "verify":
        verify(reports)
    else:
        print(f"unknown action {action}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2])))
