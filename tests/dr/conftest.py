"""The DR runbook suite: playbooks/runbooks/rds_point_in_time_restore.yml against its own emulator with real RDS.

``pytest tests/dr`` -- its own emulator with ``SLIPWAY_RDS_REAL=1`` (API 4860, receiver 4861, listener base 19800,
RDS instances on 25200-25299 = base + 5400; ``SLIPWAY_DR_EMULATOR_PORT`` / ``..._LISTENER_BASE`` pin them), a source
instance ``orders`` made with boto3 (KMS key, security group, parameter group, tags, master password in the secret the
local inventory names), and a writer adding a canary row stamped with the server's clock every second.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pg8000.native
import pytest

from tests.support import BIN, ROOT
from tests.support.emulator import Emulator, private_emulator

SOURCE, MASTER, PASSWORD, DBNAME = "orders", "app_admin", "canary-Secret-1", "app"
SECRET = "slipway/local/rds/orders/master"  # inventories/local/group_vars/all/dr.yml
PLAYBOOK = "playbooks/runbooks/rds_point_in_time_restore.yml"


def wait_for(fn: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = fn()
        if got:
            return got
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def describe(rds: Any, ident: str) -> dict[str, Any]:
    return rds.describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]


def connect(instance: dict[str, Any]) -> Any:
    return pg8000.native.Connection(
        MASTER, host=instance["Endpoint"]["Address"], port=instance["Endpoint"]["Port"], database=DBNAME, password=PASSWORD, timeout=10
    )


def canaries(instance: dict[str, Any]) -> list[dt.datetime]:
    conn = connect(instance)
    try:
        return [row[0] for row in conn.run("SELECT ts FROM canary ORDER BY ts")]
    finally:
        conn.close()


class CanaryWriter:
    def __init__(self, instance: dict[str, Any]) -> None:
        self.conn = connect(instance)
        self.conn.run("CREATE TABLE canary (id bigserial PRIMARY KEY, ts timestamptz NOT NULL)")
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self) -> None:
        while not self.stop.is_set():
            try:
                self.conn.run("INSERT INTO canary (ts) VALUES (clock_timestamp())")
            except Exception as exc:  # noqa: BLE001  reported by the tests
                self.errors.append(str(exc))
            self.stop.wait(1.0)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        with contextlib.suppress(Exception):
            self.conn.close()


@dataclass
class Run:
    rc: int
    stdout: str
    stderr: str
    reports: Path

    @property
    def text(self) -> str:
        return self.stdout + "\n" + self.stderr

    def report(self) -> dict[str, Any]:
        found = sorted(self.reports.glob("*.json"))
        assert found, f"no report in {self.reports}:\n{self.text[-3000:]}"
        return json.loads(found[-1].read_text())


@pytest.fixture(scope="session")
def tmp_session() -> Iterator[Path]:
    tmp = Path(tempfile.mkdtemp(prefix="slipway-dr-"))
    yield tmp
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def emulator(tmp_session: Path) -> Iterator[Emulator]:
    extra = {"SLIPWAY_RDS_REAL": "1", "SLIPWAY_RDS_ARCHIVE_TIMEOUT": "1", "SLIPWAY_RDS_BACKUP_INTERVAL": "300", "SLIPWAY_S3_REPLICATION_LAG": "1"}
    with private_emulator(tmp_session / "emulator", "DR", 4860, 19800, extra_env=extra) as emu:
        yield emu


@pytest.fixture(scope="session")
def source(emulator: Emulator) -> Iterator[dict[str, Any]]:
    rds, ec2, kms, sm = (emulator.client(s) for s in ("rds", "ec2", "kms", "secretsmanager"))
    key = kms.create_key(Description="orders storage")["KeyMetadata"]["Arn"]
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    group = ec2.create_security_group(GroupName="orders-db", Description="orders database", VpcId=vpc)["GroupId"]
    rds.create_db_parameter_group(DBParameterGroupName="orders-pg15", DBParameterGroupFamily="postgres15", Description="orders")
    sm.create_secret(Name=SECRET, SecretString=json.dumps({"username": MASTER, "password": PASSWORD}))
    rds.create_db_instance(
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
        KmsKeyId=key,
        VpcSecurityGroupIds=[group],
        DBParameterGroupName="orders-pg15",
        CopyTagsToSnapshot=True,
        DeletionProtection=False,
        Tags=[{"Key": "team", "Value": "orders"}, {"Key": "service", "Value": "orders-api"}],
    )
    instance = wait_for(lambda: (d := describe(rds, SOURCE))["DBInstanceStatus"] == "available" and d, 120, "the source available")
    writer = CanaryWriter(instance)
    try:
        wait_for(lambda: describe(rds, SOURCE).get("LatestRestorableTime"), 60, "a LatestRestorableTime")
        yield {"instance": instance, "writer": writer, "group": group, "key": key}
    finally:
        writer.close()


@pytest.fixture
def run_playbook(emulator: Emulator, tmp_path: Path) -> Any:
    """``run_playbook(*args, playbook=PATH, **extra)``: a runbook playbook (default the PITR one) against the suite's
    emulator, extra vars as ``-e`` JSON, reports in a directory of the test's."""
    counter = iter(range(1000))

    def run(*args: str, playbook: str = PLAYBOOK, **extra: Any) -> Run:
        reports = tmp_path / f"reports-{next(counter)}"
        variables = {"dr_runbook_reports_dir": str(reports), **extra}
        cmd = [str(BIN / "ansible-playbook"), playbook, "-i", "inventories/local", "-e", json.dumps(variables), *args]
        proc = subprocess.run(cmd, cwd=ROOT, env=emulator.env, capture_output=True, text=True, timeout=300, check=False, stdin=subprocess.DEVNULL)
        return Run(proc.returncode, proc.stdout, proc.stderr, reports)

    return run


def writes(calls: dict[str, int]) -> dict[str, int]:
    reads = ("Describe", "List", "Get", "BatchGet", "Query", "Scan", "Head", "Lookup")
    return {k: v for k, v in calls.items() if not k.split(".", 1)[1].startswith(reads)}
