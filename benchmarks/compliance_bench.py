#!/usr/bin/env python3
"""Compliance report benchmark: Slipway's report beside Prowler over 100, 1,000 and 10,000 resources.

    make bench-compliance                                   # or: .venv/bin/python benchmarks/compliance_bench.py
    .venv/bin/python benchmarks/compliance_bench.py --sizes 100,1000,10000
    .venv/bin/python benchmarks/compliance_bench.py --skip-prowler   # Slipway only, nothing installed

Stands up its own emulator (API 127.0.0.1:4940, listener base 11700: outside the
kernel's ephemeral port range; SLIPWAY_BENCH_COMPLIANCE_EMULATOR_PORT /
SLIPWAY_BENCH_COMPLIANCE_LISTENER_BASE move it) through the test harness
(tests/support). For each size N it resets the emulator, seeds N resources with
boto3 across the services both tools check (S3 buckets, SQS queues, secrets,
security groups, RDS instances, KMS keys, ECR repositories, log groups,
DynamoDB tables; a mix of compliant and non-compliant settings), runs one
untimed report with every control (the emulator's first reads after a bulk
seeding are slower: see Bench.warm_up), then runs, on that same emulator, one
after the other (the emulator's call counter reset before each):

  slipway       ansible-playbook playbooks/compliance_report.yml -e controls=<the controls both implement>
  slipway-all   the same with every control (the report as an operator runs it)
  prowler       prowler aws --region us-east-1 --checks <the Prowler checks mapped to those controls>,
                from its own venv (tools/prowler), pointed at the emulator by AWS_ENDPOINT_URL

It compares their verdicts resource by resource on the mapped pairs (MAPPING),
prints tables and writes them under benchmarks/results/ (git-ignored). Measures
and prints; never asserts a timing. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import datetime as dt
import io
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the test harness, tests/support
    sys.path.insert(0, str(ROOT))

from tests.support import BIN  # noqa: E402
from tests.support.emulator import Emulator, EmulatorError, port_in_use  # noqa: E402
from tests.support.processes import kill_tree  # noqa: E402

PORT = int(os.environ.get("SLIPWAY_BENCH_COMPLIANCE_EMULATOR_PORT", "4940"))
LISTENER_BASE = int(os.environ.get("SLIPWAY_BENCH_COMPLIANCE_LISTENER_BASE", "11700"))
# No distribution is created, so no edge opens; the base is set anyway to keep it off other suites' ports.
EDGE_PORT_BASE = int(os.environ.get("SLIPWAY_BENCH_COMPLIANCE_EDGE_PORT_BASE", str(LISTENER_BASE + 200)))
RESULTS = ROOT / "benchmarks" / "results"
SIZES = (100, 1000)
REGION = "us-east-1"
ACCOUNT = "123456789012"
PROWLER_TIMEOUT = float(os.environ.get("SLIPWAY_BENCH_PROWLER_TIMEOUT", "5400"))
SLIPWAY_TIMEOUT = float(os.environ.get("SLIPWAY_BENCH_SLIPWAY_TIMEOUT", "3600"))
SEED_THREADS = 8

# Our control id (Security Hub FSBP / NIST for CloudWatch.16) -> the Prowler check that judges the same thing.
# Read from Prowler's check list and metadata (`prowler aws --list-checks`, each check's CheckTitle); checked at
# run time against the installed Prowler's list, and a missing check is reported, not guessed.
MAPPING: dict[str, str] = {
    "S3.5": "s3_bucket_secure_transport_policy",
    "S3.8": "s3_bucket_level_public_access_block",
    "S3.9": "s3_bucket_server_access_logging_enabled",
    "S3.14": "s3_bucket_object_versioning",
    "RDS.2": "rds_instance_no_public_access",
    "RDS.3": "rds_instance_storage_encrypted",
    "RDS.8": "rds_instance_deletion_protection",
    "RDS.11": "rds_instance_backup_enabled",
    "RDS.13": "rds_instance_minor_version_upgrade_enabled",
    "SecretsManager.1": "secretsmanager_automatic_rotation_enabled",
    "SecretsManager.4": "secretsmanager_secret_rotated_periodically",
    "SQS.1": "sqs_queues_server_side_encryption_enabled",
    "DynamoDB.2": "dynamodb_tables_pitr_enabled",
    "KMS.4": "kms_cmk_rotation_enabled",
    "ECR.1": "ecr_repositories_scan_images_on_push_enabled",
    "ECR.2": "ecr_repositories_tag_immutability",
    "ECR.3": "ecr_repositories_lifecycle_policy_enabled",
    "CloudWatch.16": "cloudwatch_log_group_retention_policy_specific_days_enabled",
    "EC2.2": "ec2_securitygroup_default_restrict_traffic",
}
# Slipway's collectors behind the compared controls (the profile times each alone).
PROFILE_SERVICES = ("s3", "sqs", "secretsmanager", "rds", "kms", "ecr", "ec2", "logs", "dynamodb")
# The seeded mix: share of N per kind (sums to 1). "vpc" is a VPC whose default security group is the resource.
MIX = {
    "bucket": 0.20,
    "queue": 0.15,
    "secret": 0.12,
    "rds": 0.10,
    "kms": 0.10,
    "ecr": 0.10,
    "sg": 0.08,
    "vpc": 0.02,
    "log_group": 0.08,
    "table": 0.05,
}
# At most this many secrets rotate (each rotation runs the function four times in subprocesses of the emulator).
MAX_ROTATING = 12
# Lines of a Slipway run whose time since the start tells where its wall time goes.
SLIPWAY_PHASES = {
    "first task": re.compile(r"^TASK \["),
    "evaluate started": re.compile(r"^TASK \[compliance_report : Evaluate the controls\]"),
    "evaluate done": re.compile(r"^TASK \[compliance_report : Report where the details are\]"),
    "recap": re.compile(r"^PLAY RECAP"),
}
# Lines of a Prowler run: after loading its checks and compliance frameworks and reading the caller's identity
# it prints the checks it executes; then the scan.
PROWLER_PHASES = {
    "credentials read": re.compile(r"Using the AWS credentials below"),
    "checks start": re.compile(r"Executing \d+ checks"),
    "scan completed": re.compile(r"Scan completed"),
}
ROTATION_CODE = """
import json

import boto3

sm = boto3.client("secretsmanager")


def handler(event, context):
    arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
    versions = sm.describe_secret(SecretId=arn)["VersionIdsToStages"]
    if "AWSCURRENT" in versions.get(token, []):
        return
    if step == "createSecret":
        sm.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString=json.dumps({"v": token}), VersionStages=["AWSPENDING"])
    elif step == "finishSecret":
        old = next(v for v, stages in versions.items() if "AWSCURRENT" in stages)
        sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=old)
"""


class BenchError(Exception):
    pass


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def is_write(operation: str) -> bool:
    """Slipway's call counter's rule (reads start with these verbs), plus CloudTrail's LookupEvents and the requests
    the emulator names by HTTP method (``s3.GET /``: ListBuckets)."""
    return not operation.split(".", 1)[-1].startswith(("Describe", "List", "Get", "BatchGet", "Query", "Scan", "Lookup", "GET ", "HEAD "))


def shares(n: int) -> dict[str, int]:
    """N split over MIX by largest remainder (the counts sum to N)."""
    raw = {k: n * w for k, w in MIX.items()}
    counts = {k: int(v) for k, v in raw.items()}
    for k in sorted(raw, key=lambda k: raw[k] - counts[k], reverse=True)[: n - sum(counts.values())]:
        counts[k] += 1
    return counts


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    return "\n".join([line, sep, *body])


# ------------------------------------------------------------------ results
@dataclass
class Run:
    size: int
    tool: str  # slipway | slipway-all | prowler
    wall: float
    calls: dict[str, int]  # the emulator's counter, reset before the run
    rc: int
    by_status: dict[str, int] = field(default_factory=dict)
    verdicts: dict[str, dict[str, str]] = field(default_factory=dict)  # our control id -> {ARN: status}
    phases: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # what the tool said went wrong (ERROR results, error lines)
    load: tuple[float, float] = (0.0, 0.0)  # the machine's 1-minute load average before and after
    detail: str = ""
    round: int = 1  # with --rounds, which round of the size
    probe_ms: float = 0.0  # cpu_probe() just before the run: the machine's speed at that moment

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def writes(self) -> int:
        return sum(v for k, v in self.calls.items() if is_write(k))

    def by_service(self) -> dict[str, int]:
        out: collections.Counter[str] = collections.Counter()
        for k, v in self.calls.items():
            out[k.split(".", 1)[0]] += v
        return dict(out.most_common())

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(total=self.total, writes=self.writes, by_service=self.by_service())
        return out


# ------------------------------------------------------------------ the bench
class Bench:
    def __init__(self, tmp: Path, prowler: str | None) -> None:
        self.tmp = tmp
        self.prowler = prowler
        # moto's default AMIs come with EBS snapshots listed as the account's own (about 1,200 in us-east-1): an
        # account of ours has none, and Prowler's EC2 service reads each one's attributes. Off, as in a real account.
        # Keep-alive on: both tools only read here, and AWS keeps connections alive (docs/emulator.md, "Request overheads").
        self.emulator = Emulator(
            PORT,
            LISTENER_BASE,
            tmp / "emulator",
            {"SLIPWAY_EDGE_PORT_BASE": str(EDGE_PORT_BASE), "MOTO_EC2_LOAD_DEFAULT_AMIS": "false", "SLIPWAY_EMULATOR_KEEP_ALIVE": "1"},
        )
        self.endpoint = self.emulator.endpoint
        self.children: list[subprocess.Popen] = []
        self.started = False
        self.notes: list[str] = []
        self.versions: dict[str, str] = {}
        self.seeded: dict[int, dict[str, Any]] = {}
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.inventory = tmp / "inventory"

    @property
    def env(self) -> dict[str, str]:
        return self.emulator.env

    def client(self, service: str) -> Any:
        import boto3
        import botocore.config

        with self._lock:
            if service not in self._clients:
                conf = botocore.config.Config(max_pool_connections=SEED_THREADS * 2, retries={"max_attempts": 5, "mode": "standard"})
                self._clients[service] = boto3.client(
                    service, endpoint_url=self.endpoint, region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test", config=conf
                )
            return self._clients[service]

    # -------------------------------------------------------------- processes
    def execute_lines(self, cmd: list[str], timeout: float, env: dict[str, str], cwd: Path = ROOT) -> tuple[int, list[tuple[float, str]], float]:
        """Run ``cmd``, reading its output lines as they come: (exit code, [(seconds since start, line)], wall seconds)."""
        t0 = time.monotonic()
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1, start_new_session=True, errors="replace"
        )
        self.children.append(proc)
        lines: list[tuple[float, str]] = []

        def read() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.append((time.monotonic() - t0, line.rstrip("\n")))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            kill_tree(proc)
            reader.join(10)
            return -9, [*lines, (time.monotonic() - t0, f"bench: killed after the {timeout:.0f}s timeout")], time.monotonic() - t0
        except BaseException:
            kill_tree(proc)
            raise
        finally:
            self.children.remove(proc)
        wall = time.monotonic() - t0
        reader.join(10)
        return proc.returncode, lines, wall

    def setup(self) -> None:
        if not (ROOT / "collections" / "ansible_collections" / "slipway" / "aws").exists():
            raise BenchError("the collection is not linked into collections/; run `make setup` first")
        log(f"emulator on {self.endpoint} (listener base {LISTENER_BASE}), state in {self.tmp}")
        self.started = True
        try:
            self.emulator.up()
        except EmulatorError as exc:
            raise BenchError(str(exc)) from None
        (self.inventory / "group_vars" / "all").mkdir(parents=True)
        hosts = {"all": {"hosts": {"localhost": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}}
        (self.inventory / "hosts.yml").write_text(json.dumps(hosts))
        aws = {"region": REGION, "endpoint_url": self.endpoint, "access_key": "test", "secret_key": "test"}
        (self.inventory / "group_vars" / "all" / "main.yml").write_text(json.dumps({"slipway_environment": "bench", "slipway_aws": aws}))

    def teardown(self) -> None:
        for proc in list(self.children):
            kill_tree(proc)
        if self.started:
            self.emulator.down()

    # -------------------------------------------------------------- seeding
    def seed(self, n: int) -> dict[str, Any]:
        """Reset the emulator and create ``n`` resources (MIX), in parallel; returns what was made and how long it took."""
        self.emulator.reset()
        self._clients.clear()
        t0 = time.monotonic()
        counts = shares(n)
        s3 = self.client("s3")
        s3.create_bucket(Bucket="cb-access-logs")  # the target of the buckets that log (not counted in N)
        s3.put_bucket_acl(Bucket="cb-access-logs", ACL="log-delivery-write")
        jobs: list[tuple[Any, int]] = []
        makers = {
            "bucket": self._bucket,
            "queue": self._queue,
            "secret": self._secret,
            "rds": self._rds,
            "kms": self._kms,
            "ecr": self._ecr,
            "sg": self._sg,
            "vpc": self._vpc,
            "log_group": self._log_group,
            "table": self._table,
        }
        for kind, count in counts.items():
            jobs += [(makers[kind], i) for i in range(count)]
        stale: list[str] = []
        with concurrent.futures.ThreadPoolExecutor(SEED_THREADS, thread_name_prefix="seed") as pool:
            for out in pool.map(lambda job: job[0](job[1]), jobs):
                if out:
                    stale.append(out)
        # Secrets last rotated (created) 100 days ago: SecretsManager.4's default limit is 90.
        for arn in stale:
            body = json.dumps({"secret_id": arn, "back_days": 100}).encode()
            req = urllib.request.Request(self.endpoint + "/_slipway/secrets/dates", data=body, method="POST")
            with urllib.request.urlopen(req, timeout=30) as resp:
                resp.read()
        rotating = self._rotations(min(MAX_ROTATING, max(1, counts["secret"] // 6)) if counts["secret"] else 0)
        seconds = time.monotonic() - t0
        info = {"counts": counts, "stale_secrets": len(stale), "rotating_secrets": rotating, "seconds": round(seconds, 1)}
        self.seeded[n] = info
        log(f"seeded {n} resources in {seconds:.0f}s: {counts} (+ {rotating} of the secrets rotating, {len(stale)} stale)")
        return info

    def _bucket(self, i: int) -> None:
        s3, name = self.client("s3"), f"cb-bucket-{i:05d}"
        s3.create_bucket(Bucket=name)
        if i % 2 == 0:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        if i % 3 != 0:
            flags = dict.fromkeys(("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True)
            s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=flags)
        if i % 4 == 0:
            deny = {
                "Sid": "TLS",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
            s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [deny]}))
        if i % 5 == 0:
            s3.put_bucket_logging(Bucket=name, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": "cb-access-logs", "TargetPrefix": f"{name}/"}})
        if i % 6 == 0:
            rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [rule]})

    def _queue(self, i: int) -> None:
        attrs = {"SqsManagedSseEnabled": "false" if i % 3 == 0 else "true"}
        if i % 5 == 1:
            attrs = {"KmsMasterKeyId": "alias/aws/sqs"}
        self.client("sqs").create_queue(QueueName=f"cb-queue-{i:05d}", Attributes=attrs)

    def _secret(self, i: int) -> str | None:
        arn = self.client("secretsmanager").create_secret(Name=f"cb/secret-{i:05d}", SecretString=json.dumps({"n": i}))["ARN"]
        return arn if i % 4 == 0 else None

    def _rotations(self, count: int) -> int:
        """``count`` of the seeded secrets (the ones not backdated) rotate with one shared function; waits for them."""
        if not count:
            return 0
        iam, lam, sm = self.client("iam"), self.client("lambda"), self.client("secretsmanager")
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        role = iam.create_role(RoleName="cb-rotation", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("rotation.py", ROTATION_CODE)
        fn = lam.create_function(
            FunctionName="cb-rotate", Runtime="python3.11", Role=role, Handler="rotation.handler", Code={"ZipFile": buf.getvalue()}, Timeout=30
        )
        lam.add_permission(FunctionName="cb-rotate", StatementId="secretsmanager", Action="lambda:InvokeFunction", Principal="secretsmanager.amazonaws.com")
        names = [f"cb/secret-{i:05d}" for i in range(1, 4 * count, 4)][:count]  # i % 4 == 1: never backdated
        tokens = {}
        for name in names:
            tokens[name] = sm.rotate_secret(SecretId=name, RotationLambdaARN=fn["FunctionArn"], RotationRules={"AutomaticallyAfterDays": 30})["VersionId"]
        deadline = time.monotonic() + 60 + 20 * count
        for name, token in tokens.items():
            while True:
                meta = sm.describe_secret(SecretId=name)
                if "AWSCURRENT" in meta["VersionIdsToStages"].get(token, []) and meta.get("LastRotatedDate"):
                    break
                if time.monotonic() > deadline:
                    raise BenchError(f"the rotation of {name} did not finish: {meta}")
                time.sleep(0.3)
        return len(tokens)

    def _rds(self, i: int) -> None:
        self.client("rds").create_db_instance(
            DBInstanceIdentifier=f"cb-db-{i:05d}",
            DBInstanceClass="db.t3.micro",
            Engine="mysql",
            MasterUsername="admin",
            MasterUserPassword="password123",
            AllocatedStorage=20,
            StorageEncrypted=i % 2 == 0,
            PubliclyAccessible=i % 3 == 0,
            DeletionProtection=i % 4 != 0,
            BackupRetentionPeriod=7 if i % 2 == 1 else (0 if i % 4 == 0 else 1),
            AutoMinorVersionUpgrade=i % 5 != 0,
        )

    def _kms(self, i: int) -> None:
        kms = self.client("kms")
        key = kms.create_key(Description=f"cb-key-{i:05d}")["KeyMetadata"]["KeyId"]
        if i % 2 == 0:
            kms.enable_key_rotation(KeyId=key)

    def _ecr(self, i: int) -> None:
        ecr, name = self.client("ecr"), f"cb/repo-{i:05d}"
        ecr.create_repository(
            repositoryName=name, imageScanningConfiguration={"scanOnPush": i % 2 == 0}, imageTagMutability="IMMUTABLE" if i % 3 == 0 else "MUTABLE"
        )
        if i % 4 == 0:
            rule = {
                "rulePriority": 1,
                "selection": {"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 5},
                "action": {"type": "expire"},
            }
            ecr.put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=json.dumps({"rules": [rule]}))

    def _sg(self, i: int) -> None:
        ec2 = self.client("ec2")
        gid = ec2.create_security_group(GroupName=f"cb-sg-{i:05d}", Description="bench")["GroupId"]
        if i % 3 == 0:
            perm = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        else:
            perm = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[perm])

    def _vpc(self, i: int) -> None:
        """A VPC whose default security group is restricted (no rules) for even i, left as created (open to itself) for odd."""
        ec2 = self.client("ec2")
        vpc = ec2.create_vpc(CidrBlock=f"10.{i // 250 % 250}.{i % 250}.0/24")["Vpc"]["VpcId"]
        if i % 2 == 0:
            sg = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]
            if sg.get("IpPermissionsEgress"):
                ec2.revoke_security_group_egress(GroupId=sg["GroupId"], IpPermissions=sg["IpPermissionsEgress"])
            if sg.get("IpPermissions"):
                ec2.revoke_security_group_ingress(GroupId=sg["GroupId"], IpPermissions=sg["IpPermissions"])

    def _log_group(self, i: int) -> None:
        logs, name = self.client("logs"), f"/cb/group-{i:05d}"
        logs.create_log_group(logGroupName=name)
        if i % 3 != 2:
            logs.put_retention_policy(logGroupName=name, retentionInDays=400 if i % 3 == 0 else 7)

    def _table(self, i: int) -> None:
        ddb, name = self.client("dynamodb"), f"cb-table-{i:05d}"
        ddb.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        )
        if i % 2 == 0:
            ddb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})

    # -------------------------------------------------------------- the tools
    def report_command(self, reports: Path, every: bool) -> list[str]:
        """``ansible-playbook`` of the compliance report into ``reports``: every control, or the compared ones."""
        cmd = [str(BIN / "ansible-playbook"), "-i", str(self.inventory / "hosts.yml"), "playbooks/compliance_report.yml"]
        cmd += ["-e", f"compliance_report_dir={reports}", "-e", "compliance_report_fail=false"]
        return cmd if every else [*cmd, "-e", "controls=" + ",".join(MAPPING)]

    def warm_up(self, n: int) -> float:
        """One untimed report with every control, after the seeding and before any timed run: the emulator's first
        reads after a bulk seeding cost more than the ones after them (moto builds a botocore session per error
        package on its first error, and the first full pass of Python's collector over the seeded objects falls in
        them). Whichever tool ran first paid that. Its seconds, for the log."""
        cmd = self.report_command(self.tmp / "reports" / f"warm-up-{n}", every=True)
        rc, lines, wall = self.execute_lines(cmd, SLIPWAY_TIMEOUT, self.env)
        if rc != 0:
            tail = "\n".join(line for _, line in lines[-40:])
            raise BenchError(f"the warm-up report failed (exit {rc}):\n{tail}")
        return wall

    def slipway(self, n: int, every: bool, rnd: int = 1) -> Run:
        tool = "slipway-all" if every else "slipway"
        # a directory per round: a run reads the previous report there for its diff, and each round does the same work
        reports = self.tmp / "reports" / f"{tool}-{n}-{rnd}"
        cmd = self.report_command(reports, every)
        log(f"{tool}: {' '.join(cmd[1:])}")
        self.emulator.calls(reset=True)
        before = os.getloadavg()[0]
        rc, lines, wall = self.execute_lines(cmd, SLIPWAY_TIMEOUT, self.env)
        calls = self.emulator.calls()
        run = Run(n, tool, wall, calls, rc, load=(before, os.getloadavg()[0]))
        for name, pattern in SLIPWAY_PHASES.items():
            run.phases[name] = next((round(t, 2) for t, line in lines if pattern.search(line)), -1.0)
        path = reports / "compliance_report.json"
        if rc != 0 or not path.exists():
            run.detail = "\n".join(line for _, line in lines[-40:])
            run.errors.append(f"ansible-playbook exited {rc}" + ("" if path.exists() else "; no report written"))
            if not path.exists():
                return run
        doc = json.loads(path.read_text())
        run.by_status = dict(doc["summary"]["by_status"])
        for f in doc["findings"]:
            run.verdicts.setdefault(f["compliance"]["control"], {})[f["resources"][0]["uid"]] = f["status"]
            if f["status"] == "ERROR":
                run.errors.append(f"{f['compliance']['control']} {f['resources'][0]['uid']}: {f['status_detail']}")
        return run

    def profile_slipway(self, n: int) -> dict[str, Any]:
        """Where Slipway's evaluate task spends its time: each collector of the compared controls alone (one thread,
        as the collector reads its service), then all of them the way the module runs them (``collect``, 6 workers).
        In this process, with the collection's own code (collections/ links to the working tree); not the playbook."""
        collections_dir = str(ROOT / "collections")
        if collections_dir not in sys.path:
            sys.path.insert(0, collections_dir)
        from ansible_collections.slipway.aws.plugins.module_utils.compliance import evidence

        params = {"region": REGION, "endpoint_url": self.endpoint, "access_key": "test", "secret_key": "test"}
        out: dict[str, Any] = {"size": n, "collectors": {}}
        for service in PROFILE_SERVICES:
            aws = evidence.AdaptiveAws.from_params(params)
            self.emulator.calls(reset=True)
            t0 = time.monotonic()
            got = evidence.run_collector(aws, service, REGION, ACCOUNT)
            seconds = time.monotonic() - t0
            calls = sum(self.emulator.calls().values())
            out["collectors"][service] = {
                "seconds": round(seconds, 2),
                "calls": calls,
                "resources": len(got["resources"]),
                "ms_per_call": round(1000 * seconds / max(calls, 1), 1),
            }
        self.emulator.calls(reset=True)
        t0 = time.monotonic()
        evidence.collect(params, [REGION], list(PROFILE_SERVICES))
        out["collect_all"] = {"seconds": round(time.monotonic() - t0, 2), "calls": sum(self.emulator.calls().values()), "workers": evidence.DEFAULT_WORKERS}
        out["collectors_sum_seconds"] = round(sum(c["seconds"] for c in out["collectors"].values()), 2)
        log(f"slipway profile N={n}: collectors alone {out['collectors_sum_seconds']}s in all, together {out['collect_all']['seconds']}s")
        return out

    def prowler_env(self) -> dict[str, str]:
        env = self.emulator.make_env()
        # Prowler from its own venv, not the project's; its config and caches under the bench's temp dir.
        env["PATH"] = f"{Path(self.prowler or '').parent}:{os.environ.get('PATH', '')}"
        env.pop("VIRTUAL_ENV", None)
        env["HOME"] = str(self.tmp / "prowler-home")
        (self.tmp / "prowler-home").mkdir(exist_ok=True)
        return env

    def prowler_run(self, n: int, checks: list[str], rnd: int = 1) -> Run:
        out = self.tmp / "prowler" / f"{n}-{rnd}"
        out.mkdir(parents=True, exist_ok=True)
        cmd = [
            str(self.prowler),
            "aws",
            "--region",
            REGION,
            "--checks",
            *checks,
            "--output-formats",
            "json-ocsf",
            "--output-directory",
            str(out),
            "--output-filename",
            "prowler",
            "--no-banner",
            "--no-color",
            "--ignore-exit-code-3",
            # Judge every resource, as Slipway (and Security Hub) do: by default Prowler leaves out, e.g., the
            # default security groups of VPCs with no network interface (EC2.2).
            "--scan-unused-services",
        ]
        log(f"prowler: {' '.join(cmd[1:4])} --checks ({len(checks)}) ... (output in {out})")
        self.emulator.calls(reset=True)
        before = os.getloadavg()[0]
        rc, lines, wall = self.execute_lines(cmd, PROWLER_TIMEOUT, self.prowler_env(), cwd=self.tmp)
        calls = self.emulator.calls()
        run = Run(n, "prowler", wall, calls, rc, load=(before, os.getloadavg()[0]))
        for name, pattern in PROWLER_PHASES.items():
            run.phases[name] = next((round(t, 2) for t, line in lines if pattern.search(line)), -1.0)
        (self.tmp / f"prowler-{n}-{rnd}.log").write_text("\n".join(f"{t:8.2f} {line}" for t, line in lines) + "\n")
        run.errors = sorted({squash(line) for _, line in lines if re.search(r"\b(ERROR|CRITICAL|Traceback)\b", line)})
        files = sorted(out.glob("*.ocsf.json"))
        if not files:
            run.detail = "\n".join(line for _, line in lines[-40:])
            run.errors.append(f"prowler exited {rc}; no OCSF output")
            return run
        findings = json.loads(files[0].read_text() or "[]")
        back = {check: control for control, check in MAPPING.items()}
        status: collections.Counter[str] = collections.Counter()
        for f in findings:
            st = f.get("status_code") or "?"
            status[st] += 1
            check = (f.get("metadata") or {}).get("event_code") or ""
            for res in f.get("resources") or [{}]:
                uid = res.get("uid") or ""
                run.verdicts.setdefault(back.get(check, check), {})[normal_arn(uid)] = st
        run.by_status = dict(status)
        return run

    def prowler_checks(self) -> tuple[list[str], list[str]]:
        """The mapped checks the installed Prowler has, and those it does not."""
        env = self.prowler_env()
        proc = subprocess.run([str(self.prowler), "aws", "--list-checks-json"], env=env, cwd=self.tmp, capture_output=True, text=True, timeout=600, check=False)
        try:
            listed = json.loads(proc.stdout[proc.stdout.index("{") :])
            known = {c for checks in listed.values() for c in checks} if isinstance(listed, dict) else set(listed)
        except ValueError:
            known = set(re.findall(r"\b([a-z0-9]+(?:_[a-z0-9]+)+)\b", proc.stdout))
        have = [c for c in MAPPING.values() if c in known]
        return have, [c for c in MAPPING.values() if c not in known]


def squash(line: str) -> str:
    """An error line without its timestamp, ids and ARNs, so repeats of one error count once."""
    line = re.sub(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,?\d*\s*", "", line.strip())
    line = re.sub(r"arn:aws:[^\s'\"]+", "ARN", line)
    return re.sub(r"\b(cb[-/][\w/-]+|sg-\w+|vpc-\w+|[0-9a-f-]{36})\b", "ID", line)[:300]


def normal_arn(uid: str) -> str:
    """Prowler's resource uid as the ARN our report gives (log groups without their trailing ``:*``)."""
    return uid.removesuffix(":*")


# ------------------------------------------------------------------ comparison
def compare(slip: Run, prow: Run) -> list[dict[str, Any]]:
    """Per mapped control: resources both judged, how many the same way, and the rest."""
    rows = []
    for control, check in MAPPING.items():
        ours = slip.verdicts.get(control, {})
        theirs = prow.verdicts.get(control, {})
        both = sorted(set(ours) & set(theirs))
        same = [a for a in both if ours[a] == theirs[a]]
        differ = [a for a in both if ours[a] != theirs[a]]
        kinds = collections.Counter(f"{ours[a]}/{theirs[a]}" for a in differ)
        rows.append(
            {
                "control": control,
                "check": check,
                "slipway": dict(collections.Counter(ours.values())),
                "prowler": dict(collections.Counter(theirs.values())),
                "both": len(both),
                "agree": len(same),
                "differ": dict(kinds),
                "differ_examples": differ[:3],
                "only_slipway": len(set(ours) - set(theirs)),
                "only_prowler": len(set(theirs) - set(ours)),
                "only_prowler_examples": sorted(set(theirs) - set(ours))[:3],
            }
        )
    return rows


def phases_text(phases: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.1f}" for k, v in sorted(phases.items(), key=lambda kv: kv[1]))


def counts_text(c: dict[str, int]) -> str:
    return " ".join(f"{k} {v}" for k, v in sorted(c.items())) or "-"


def cpu_probe() -> float:
    """Milliseconds for a fixed piece of pure-Python work on one thread (the best of three), taken just before each
    run: this VM's walls change from minute to minute, and the probe catches some of its slow minutes (not all)."""
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        table: dict[str, int] = {}
        for i in range(200_000):
            key = f"k{i % 997}"
            table[key] = table.get(key, 0) + i
        best = min(best, time.perf_counter() - t0)
    return round(best * 1000, 1)


def report(runs: list[Run], comparisons: dict[int, list[dict[str, Any]]], bench: Bench, profiles: list[dict[str, Any]]) -> str:
    out = [
        f"Slipway compliance benchmark — {dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}, "
        f"{platform.node()} ({os.cpu_count()} cores, Python {platform.python_version()})",
        "  " + "; ".join(f"{k}: {v}" for k, v in bench.versions.items()),
        "",
        "Seeded (per size):",
        *(f"  N={n}: {counts_text(s['counts'])}; {s['rotating_secrets']} secrets rotating, seeding {s['seconds']}s" for n, s in bench.seeded.items()),
        "",
    ]
    rows = []
    by_round: dict[tuple[int, int], dict[str, Run]] = collections.defaultdict(dict)
    for r in runs:
        by_round[(r.size, r.round)][r.tool] = r
    rounds = max((r.round for r in runs), default=1)
    for r in runs:
        base = by_round[(r.size, r.round)].get("slipway")
        ratio = f"{r.wall / base.wall:.1f}×" if base and r.tool == "prowler" and base.wall else "-"
        rows.append(
            [
                str(r.size),
                str(r.round),
                r.tool,
                f"{r.wall:.1f}",
                ratio,
                str(r.total),
                str(r.writes),
                str(sum(r.by_status.values())),
                counts_text(r.by_status),
                str(len(r.errors)),
                str(r.rc),
                f"{r.load[0]:.1f} → {r.load[1]:.1f}",
                f"{r.probe_ms:.0f}",
            ]
        )
    out.append(
        table(
            ["N", "round", "tool", "wall s", "vs slipway", "API calls", "writes", "results", "by status", "error kinds", "exit", "load avg", "probe ms"], rows
        ),
    )
    if rounds > 1:
        out += ["", "Over the rounds (Prowler's wall ÷ Slipway's, the two run one after the other in each round):"]
        for n in sorted({r.size for r in runs}):
            pairs = [(g["slipway"].wall, g["prowler"].wall) for (size, _), g in sorted(by_round.items()) if size == n and "slipway" in g and "prowler" in g]
            if pairs:
                ratios = [p / s for s, p in pairs if s]
                slip, prow = statistics.median(s for s, _ in pairs), statistics.median(p for _, p in pairs)
                out.append(
                    f"  N={n}: per round {', '.join(f'{x:.1f}×' for x in ratios)}; median of the ratios {statistics.median(ratios):.1f}×; "
                    f"medians Slipway {slip:.1f}s, Prowler {prow:.1f}s ({prow / slip:.1f}×)"
                )
    for n, rows_ in comparisons.items():
        out += ["", f"Agreement at N={n} (resources both judged; a/b = Slipway's verdict / Prowler's):"]
        trows = []
        for c in rows_:
            trows.append(
                [
                    c["control"],
                    c["check"],
                    counts_text(c["slipway"]),
                    counts_text(c["prowler"]),
                    str(c["both"]),
                    str(c["agree"]),
                    counts_text(c["differ"]),
                    str(c["only_slipway"]),
                    str(c["only_prowler"]),
                ]
            )
        out.append(table(["control", "prowler check", "slipway", "prowler", "both", "agree", "differ", "only slipway", "only prowler"], trows))
    out += ["", "API calls by service:"]
    services = sorted({s for r in runs for s in r.by_service()})
    first = [r for r in runs if r.round == 1]
    out.append(table(["N", "tool", *services], [[str(r.size), r.tool, *(str(r.by_service().get(s, "")) for s in services)] for r in first]))
    out += ["", "Phases (seconds since the tool started):"]
    for r in runs:
        if r.tool.startswith("slipway"):
            evaluate = r.phases.get("evaluate done", -1) - r.phases.get("evaluate started", -1)
            out.append(f"  N={r.size} round {r.round} {r.tool}: {phases_text(r.phases)}; the evaluate task {evaluate:.1f}s")
        else:
            scan = r.phases.get("scan completed", -1) - r.phases.get("checks start", -1)
            start = r.phases.get("checks start", -1)
            out.append(f"  N={r.size} round {r.round} {r.tool}: {phases_text(r.phases)}; start-up {start:.1f}s, the scan {scan:.1f}s")
    if profiles:
        out += ["", "Slipway's collectors, each alone (one thread) and together (collect, the module's pool): seconds / emulator API calls / ms a call"]
        prow = []
        for p in profiles:
            cells = [f"{c['seconds']:.1f} / {c['calls']} / {c['ms_per_call']}" for c in p["collectors"].values()]
            together = f"{p['collect_all']['seconds']:.1f} / {p['collect_all']['calls']}"
            prow.append([str(p["size"]), *cells, f"{p['collectors_sum_seconds']:.1f}", together])
        out.append(table(["N", *PROFILE_SERVICES, "sum alone", f"together ({profiles[0]['collect_all']['workers']} workers)"], prow))
    for r in runs:
        if r.errors:
            out += ["", f"Errors of {r.tool} at N={r.size} ({len(r.errors)} kinds):", *(f"  {e}" for e in r.errors[:25])]
        if r.detail:
            out += ["", f"Last output of {r.tool} at N={r.size}:", *(f"  {line}" for line in r.detail.splitlines()[-25:])]
    if bench.notes:
        out += ["", "Notes:", *(f"  - {n}" for n in bench.notes)]
    return "\n".join(out)


def write_results(stamp: str, runs: list[Run], comparisons: dict[int, list[dict[str, Any]]], bench: Bench, profiles: list[dict[str, Any]]) -> str:
    text = report(runs, comparisons, bench, profiles)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"compliance-bench-{stamp}.txt").write_text(text + "\n")
    doc = {
        "versions": bench.versions,
        "seeded": bench.seeded,
        "runs": [r.as_dict() for r in runs],
        "comparisons": comparisons,
        "profiles": profiles,
        "notes": bench.notes,
    }
    (RESULTS / f"compliance-bench-{stamp}.json").write_text(json.dumps(doc, indent=1, default=str) + "\n")
    return text


def parse_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(x.replace("_", "")) for x in text.split(",") if x.strip())
    except ValueError:
        sizes = ()
    if not sizes or any(s < 10 for s in sizes):
        raise argparse.ArgumentTypeError("a comma-separated list of sizes of at least 10, e.g. 100,1000,10000")
    return sizes


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False).stdout.strip()


def ensure_prowler() -> str:
    """tools/prowler: builds .venv-prowler when needed and prints the executable's path."""
    log("tools/prowler (installs Prowler into .venv-prowler the first time: ~2.3 GB)")
    proc = subprocess.run([str(ROOT / "tools" / "prowler")], capture_output=True, text=True, timeout=3600, check=False)
    if proc.returncode != 0:
        raise BenchError(f"tools/prowler failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc.stdout.strip().splitlines()[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=parse_sizes, default=SIZES, help="resources per scenario (default 100,1000; the issue's third is 10000)")
    parser.add_argument("--skip-prowler", action="store_true", help="do not install or run Prowler")
    parser.add_argument("--skip-slipway-all", action="store_true", help="do not run the report with every control (only the comparable ones)")
    parser.add_argument("--skip-profile", action="store_true", help="do not time Slipway's collectors one by one after the runs")
    parser.add_argument("--rounds", type=int, default=1, help="timed runs of each tool per size, the tools one after the other in each round (default 1)")
    parser.add_argument("--keep-temp", action="store_true", help="keep the temporary directory (reports, Prowler's output and log)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    if port_in_use(PORT):
        print(f"bench: port {PORT} is in use (a leftover bench emulator?); set SLIPWAY_BENCH_COMPLIANCE_EMULATOR_PORT", file=sys.stderr)
        return 2

    def on_term(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)
    tmp = Path(tempfile.mkdtemp(prefix="slipway-compliance-bench-"))
    runs: list[Run] = []
    comparisons: dict[int, list[dict[str, Any]]] = {}
    profiles: list[dict[str, Any]] = []
    bench: Bench | None = None
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    try:
        prowler = None if args.skip_prowler else ensure_prowler()
        bench = Bench(tmp, prowler)
        import importlib.metadata

        bench.versions["slipway"] = git("log", "-1", "--format=%h %s")[:70]
        bench.versions["moto"] = importlib.metadata.version("moto")
        bench.versions["ansible-core"] = importlib.metadata.version("ansible-core")
        checks = list(MAPPING.values())
        if prowler:
            got = subprocess.run([prowler, "--version"], capture_output=True, text=True, timeout=300, check=False, env=bench.prowler_env())
            said = (got.stdout.strip() or got.stderr.strip()).splitlines()
            bench.versions["prowler"] = said[-1] if said else "?"
        bench.setup()
        if prowler:
            checks, missing = bench.prowler_checks()
            if missing:
                bench.notes.append(f"checks this Prowler does not have (their controls are compared with nothing): {', '.join(missing)}")
        for n in args.sizes:
            bench.seed(n)
            log(f"warm-up N={n} (every control, untimed): {bench.warm_up(n):.1f}s")
            for rnd in range(1, args.rounds + 1):
                tools = ["slipway", *([] if args.skip_slipway_all else ["slipway-all"]), *(["prowler"] if prowler else [])]
                got: dict[str, Run] = {}
                for tool in tools:
                    probe = cpu_probe()
                    run = bench.prowler_run(n, checks, rnd) if tool == "prowler" else bench.slipway(n, every=tool == "slipway-all", rnd=rnd)
                    run.round, run.probe_ms = rnd, probe
                    runs.append(run)
                    got[tool] = run
                    log(f"{tool} N={n} round {rnd}: {run.wall:.1f}s, {run.total} API calls, {counts_text(run.by_status)}, exit {run.rc}, probe {probe:.0f} ms")
                if "prowler" in got and n not in comparisons:
                    comparisons[n] = compare(got["slipway"], got["prowler"])
            if not args.skip_profile:
                profiles.append(bench.profile_slipway(n))
            # after each size, so a run stopped at the largest keeps the smaller ones
            text = write_results(stamp, runs, comparisons, bench, profiles)
        print()
        print(text)
        log(f"written: benchmarks/results/compliance-bench-{stamp}.txt and .json")
        return 0
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        print(f"bench: interrupted ({exc or 'Ctrl-C'}); tearing down", file=sys.stderr)
        return 130
    finally:
        if bench is not None:
            bench.teardown()
        if args.keep_temp:
            print(f"bench: kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
