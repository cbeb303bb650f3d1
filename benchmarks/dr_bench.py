#!/usr/bin/env python3
"""DR runbooks on the emulator: the RTO parts of each runbook and the framework's own overhead.

Runs each runbook N times (``--runs``, default 3) through its real playbook (``ansible-playbook
playbooks/runbooks/NAME.yml -i inventories/local``, as tests/dr do), a reports directory per run, against one
private emulator with real PostgreSQL behind RDS (``SLIPWAY_RDS_REAL=1``): backup_restore_test,
rds_point_in_time_restore (latest, drill), rds_snapshot_restore (a fresh manual snapshot, drill),
rds_snapshot_copy (to us-west-2 with a key there, drill), rds_promote_replica (a fresh cross-Region replica
each run), s3_replication_verify. Prints, per runbook, the median and max of: the ansible-playbook process's
wall time, its parts from the audit log (start-up, preflight + plan, steps, report), each RTO part, each step,
the delay between the emulator making a waited-for resource ready and the runbook's wait step completing, and
the AWS calls of the evidence report. Never asserts a timing (benchmarks/README.md, "DR runbooks").

usage: .venv/bin/python benchmarks/dr_bench.py [--runs 3] [--only RUNBOOK,...] [--keep-temp]

Its own emulator (127.0.0.1:4990, listener base 10300, RDS instances on 15700-15799; the next free ports, or
exactly SLIPWAY_DRBENCH_EMULATOR_PORT / SLIPWAY_DRBENCH_LISTENER_BASE), state in a temporary directory, stopped
and removed on every exit (SIGTERM / SIGHUP too). Results also in benchmarks/results/dr_bench-TIME.json.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "collections")]

from tests.dr.conftest import DBNAME, MASTER, PASSWORD, SECRET, SOURCE, CanaryWriter, describe, wait_for  # noqa: E402
from tests.dr.test_drill import kill_tree  # noqa: E402
from tests.dr.test_replica import newest_lag_datapoint  # noqa: E402
from tests.dr.test_s3_replication import DEST, OBJECTS, ROLE, RULE, s3_in, status  # noqa: E402
from tests.dr.test_s3_replication import SOURCE as BUCKET  # noqa: E402
from tests.dr.test_snapshot import Made, in_region, take_snapshot, unique  # noqa: E402
from tests.support import BIN, ROOT  # noqa: E402
from tests.support.emulator import Emulator, private_emulator  # noqa: E402

EAST, WEST = "us-east-1", "us-west-2"
RUNBOOKS = (
    "backup_restore_test",
    "rds_point_in_time_restore",
    "rds_snapshot_restore",
    "rds_snapshot_copy",
    "rds_promote_replica",
    "s3_replication_verify",
)
EXTRA_ENV = {
    "SLIPWAY_RDS_REAL": "1",
    "SLIPWAY_RDS_ARCHIVE_TIMEOUT": "1",
    "SLIPWAY_RDS_BACKUP_INTERVAL": "300",  # as tests/dr/conftest.py
    "SLIPWAY_S3_REPLICATION_LAG": "1",
}
WATCH_PERIOD = 0.05  # how often the watcher reads the emulator's own view of its RDS instances and snapshots
# The wait steps: where the emulator says the awaited thing is ready (kind, Region, which name, the condition).
WAITS = {
    "wait_available": ("instance", EAST, "target", lambda s: s["state"] == "available"),
    "wait_copy": ("snapshot", WEST, "copy", lambda s: s["ready"]),
    "proof_wait_available": ("instance", WEST, "proof", lambda s: s["state"] == "available"),
    "wait_promoted": ("instance", WEST, "replica", lambda s: s["state"] == "available" and s["role"] == "primary"),
    "await_replica": ("s3", "", "queue", None),  # the emulator's count of replicated objects went up (the canary)
}


def control(emu: Emulator, path: str) -> Any:
    with urllib.request.urlopen(emu.endpoint + path, timeout=30) as answer:
        return json.load(answer)


def parse(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class Watcher:
    """Reads ``GET /_slipway/rds`` (not an AWS call: not counted, no fault rules) every WATCH_PERIOD seconds and keeps,
    per instance and snapshot, each change of its state with the wall-clock time it was first seen."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.seen: dict[tuple[str, str, str], list[tuple[float, dict[str, Any]]]] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self) -> None:
        while not self.stop.is_set():
            with contextlib.suppress(Exception):
                got = control(self.emu, "/_slipway/rds")
                now = time.time()
                for i in got["instances"]:
                    self.note(("instance", i["region"], i["db_instance_identifier"]), now, {"state": i["state"], "role": i["role"]})
                for s in got["snapshots"]:
                    self.note(("snapshot", s["region"], s["db_snapshot_identifier"]), now, {"ready": s["ready"]})
                queue = control(self.emu, "/_slipway/s3/replication")
                self.note(("s3", "", "queue"), time.time(), {"replicated": queue["replicated"]})
            self.stop.wait(WATCH_PERIOD)

    def note(self, key: tuple[str, str, str], now: float, sig: dict[str, Any]) -> None:
        history = self.seen.setdefault(key, [])
        if not history or history[-1][1] != sig:
            history.append((now, sig))

    def ready_at(self, key: tuple[str, str, str], cond: Any, after: float, since: float | None = None) -> float | None:
        """When the watcher first saw ``cond`` hold at or after ``after`` (or it already held then: ``after``). Without
        ``cond`` (the S3 queue): when the count of replicated objects first exceeded its value at ``since``."""
        history = self.seen.get(key, [])
        if cond is None:
            before = [sig["replicated"] for t, sig in history if t <= (since or after)]
            return self.ready_at(key, lambda sig, n=before[-1] if before else 0: sig["replicated"] > n, after)
        held = [t for t, sig in history if t <= after]
        if held and cond(next(sig for t, sig in reversed(history) if t <= after)):
            return after
        return next((t for t, sig in history if t > after and cond(sig)), None)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)


# ---------------------------------------------------------------------- the world
def make_source(emu: Emulator) -> tuple[dict[str, Any], CanaryWriter]:
    """tests/dr/conftest.py's ``source``, its master secret also replicated to us-west-2 (the promote reads it there)."""
    rds, ec2, kms, sm = (emu.client(s) for s in ("rds", "ec2", "kms", "secretsmanager"))
    key = kms.create_key(Description="orders storage")["KeyMetadata"]["Arn"]
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    group = ec2.create_security_group(GroupName="orders-db", Description="orders database", VpcId=vpc)["GroupId"]
    rds.create_db_parameter_group(DBParameterGroupName="orders-pg15", DBParameterGroupFamily="postgres15", Description="orders")
    sm.create_secret(Name=SECRET, SecretString=json.dumps({"username": MASTER, "password": PASSWORD}), AddReplicaRegions=[{"Region": WEST}])
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
    instance = wait_for(lambda: (d := describe(rds, SOURCE))["DBInstanceStatus"] == "available" and d, 180, "the source available")
    writer = CanaryWriter(instance)
    wait_for(lambda: describe(rds, SOURCE).get("LatestRestorableTime"), 60, "a LatestRestorableTime")
    return instance, writer


def make_buckets(emu: Emulator) -> None:
    """tests/dr/test_s3_replication.py's world, without its multipart object: two versioned buckets, one rule, 5 objects."""
    east, west = s3_in(emu, EAST), s3_in(emu, WEST)
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = emu.client("iam").create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    east.create_bucket(Bucket=BUCKET)
    west.create_bucket(Bucket=DEST, CreateBucketConfiguration={"LocationConstraint": WEST})
    for client, bucket in ((east, BUCKET), (west, DEST)):
        client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    rule = {
        "ID": RULE,
        "Priority": 1,
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "DeleteMarkerReplication": {"Status": "Enabled"},
        "Destination": {"Bucket": f"arn:aws:s3:::{DEST}"},
    }
    east.put_bucket_replication(Bucket=BUCKET, ReplicationConfiguration={"Role": role, "Rules": [rule]})
    for key, body in OBJECTS.items():
        east.put_object(Bucket=BUCKET, Key=key, Body=body, ContentType="text/plain")
    wait_for(lambda: all(status(east, BUCKET, k) == "COMPLETED" for k in OBJECTS), 30, "the objects replicated")


def probe_latency(emu: Emulator, count: int = 30) -> dict[str, float]:
    """A DescribeDBInstances of the source from this process (boto3, warm connection): what one poll costs."""
    rds = emu.client("rds")
    describe(rds, SOURCE)
    took = []
    for _ in range(count):
        t0 = time.perf_counter()
        describe(rds, SOURCE)
        took.append(time.perf_counter() - t0)
    return {"median": round(statistics.median(took), 4), "max": round(max(took), 4)}


def settle(emu: Emulator, keep: set[str]) -> None:
    """Wait (not counted) until the emulator runs no PostgreSQL cluster but ``keep``: a drill's instance is gone from the
    API at the run's end, its cluster is stopped just after; the next run should not share the CPU with that."""
    wait_for(lambda: {i["db_instance_identifier"] for i in control(emu, "/_slipway/rds")["instances"]} <= keep, 120, f"only {keep} left")


# ---------------------------------------------------------------------- one run
def run_playbook(emu: Emulator, tmp: Path, watcher: Watcher, runbook: str, label: str, names: dict[str, str], **extra: Any) -> dict[str, Any]:
    reports = tmp / "reports" / label
    variables = {"dr_runbook_reports_dir": str(reports), **extra}
    cmd = [str(BIN / "ansible-playbook"), f"playbooks/runbooks/{runbook}.yml", "-i", "inventories/local", "-e", json.dumps(variables)]
    out = tmp / f"{label}.out"
    emu.calls(reset=True)
    with out.open("w") as sink:
        started = time.time()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=emu.env, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            rc = proc.wait(timeout=900)
        except BaseException:
            kill_tree(proc.pid)
            proc.wait()
            raise
        ended = time.time()
    served = emu.calls()
    found = sorted(reports.glob("*.json"))
    if rc != 0 or not found:
        raise RuntimeError(f"{label}: ansible-playbook exited {rc}; report {found}\n{out.read_text()[-4000:]}")
    report = json.loads(found[-1].read_text())
    audit = [json.loads(line) for line in (reports / "runs" / report["run_id"] / "audit.jsonl").read_text().splitlines()]
    declare = parse(next(a["ts"] for a in audit if a["event"] == "declare"))
    finish = parse(next(a["ts"] for a in audit if a["event"] == "finish"))
    steps = [a for a in audit if a["event"] == "step"]
    first = parse(next(a["ts"] for a in steps if a["outcome"] == "started"))
    last = parse([a["ts"] for a in steps if a["outcome"] == "completed"][-1])
    step_bounds = {}
    for a in steps:
        step_bounds.setdefault(a["step"], {})[a["outcome"]] = parse(a["ts"])
    names = {"target": report.get("target") or (report.get("inputs") or {}).get("target"), "queue": "queue", **names}
    notice, waited = {}, {}
    for step, (kind, region, which, cond) in WAITS.items():
        if step in step_bounds and names.get(which):
            bounds = step_bounds[step]
            ready = watcher.ready_at((kind, region, names[which]), cond, bounds["started"], since=first)
            notice[step] = round(bounds["completed"] - ready, 3) if ready is not None else None
            waited[step] = round(ready - bounds["started"], 3) if ready is not None else None
    calls = report["aws_calls"]
    return {
        "runbook": runbook,
        "label": label,
        "status": report["status"],
        "run_id": report["run_id"],
        "wall": round(ended - started, 3),
        "phases": {
            "startup": round(declare - started, 3),  # ansible-playbook start, the pre_tasks, the module's start, to "declare"
            "preflight_plan": round(first - declare, 3),  # resolve, preflight reads, the plan, confirmation, the drill sweep
            "steps": round(last - first, 3),
            "finish": round(finish - last, 3),  # a drill's clean-up (deletes, read back gone), results, the report
            "exit": round(ended - finish, 3),  # the module's return, Ansible's end
        },
        "rto": {k: v["seconds"] for k, v in report["rto"]["parts"].items() if v["seconds"] is not None},
        "rto_achieved": report["rto"]["achieved_seconds"],
        "steps": {s["step"]: s["seconds"] for s in report["steps"]},
        "notice": notice,  # the emulator says ready -> the wait step completed (poll residue, its read-back, bookkeeping)
        "waited": waited,  # the wait step started -> the emulator says ready: the AWS side's own time
        "aws_calls": sum(calls.values()),
        "aws_calls_by_op": calls,
        "emulator_calls": sum(served.values()),
        "emulator_calls_by_op": served,  # GET /_slipway/calls, reset just before the process started
        "rpo": (report.get("rpo") or {}).get("measured_seconds"),
    }


# ---------------------------------------------------------------------- the runbooks
class Bench:
    def __init__(self, emu: Emulator, tmp: Path, watcher: Watcher) -> None:
        self.emu, self.tmp, self.watcher = emu, tmp, watcher
        self.made = Made(emu)
        self.west_key: str | None = None

    def go(self, runbook: str, i: int, names: dict[str, str], **extra: Any) -> dict[str, Any]:
        got = run_playbook(self.emu, self.tmp, self.watcher, runbook, f"{runbook}-{i}", names, **extra)
        print(f"  {got['label']}: {got['status']}, wall {got['wall']}s, RTO {got['rto_achieved']}s, {got['aws_calls']} AWS calls", flush=True)
        return got

    def backup_restore_test(self, i: int) -> dict[str, Any]:
        settle(self.emu, {SOURCE})
        return self.go("backup_restore_test", i, {}, db=SOURCE)  # its target (orders-restore-test-...) is read from the report

    def rds_point_in_time_restore(self, i: int) -> dict[str, Any]:
        settle(self.emu, {SOURCE})
        target = unique("orders-pitr")
        self.made.instances.append((EAST, target))
        return self.go("rds_point_in_time_restore", i, {"target": target}, db=SOURCE, restore_time="latest", target=target, confirm=target, drill=True)

    def rds_snapshot_restore(self, i: int) -> dict[str, Any]:
        settle(self.emu, {SOURCE})
        snap = take_snapshot(self.emu, self.made, unique("orders-bench"))["DBSnapshotIdentifier"]
        target = unique("orders-snap")
        self.made.instances.append((EAST, target))
        return self.go("rds_snapshot_restore", i, {"target": target}, db=SOURCE, snapshot=snap, target=target, confirm=target, drill=True)

    def rds_snapshot_copy(self, i: int) -> dict[str, Any]:
        settle(self.emu, {SOURCE})
        if self.west_key is None:
            self.west_key = in_region(self.emu, "kms", WEST).create_key(Description="orders DR copies")["KeyMetadata"]["Arn"]
        snap = take_snapshot(self.emu, self.made, unique("orders-bench-copy"))["DBSnapshotIdentifier"]
        copy, proof = unique("orders-west"), unique("orders-west-proof")
        self.made.instances.append((WEST, proof))
        self.made.snapshots.append((WEST, copy))
        names = {"copy": copy, "proof": proof}
        return self.go(
            "rds_snapshot_copy",
            i,
            names,
            snapshot=snap,
            target_region=WEST,
            kms_key=self.west_key,
            target_snapshot=copy,
            proof_instance=proof,
            confirm=copy,
            drill=True,
        )

    def rds_promote_replica(self, i: int) -> dict[str, Any]:
        settle(self.emu, {SOURCE})
        if self.west_key is None:
            self.west_key = in_region(self.emu, "kms", WEST).create_key(Description="orders DR copies")["KeyMetadata"]["Arn"]
        west = in_region(self.emu, "rds", WEST)
        replica = unique("orders-west-replica")
        self.made.instances.append((WEST, replica))
        source_arn = describe(self.emu.client("rds"), SOURCE)["DBInstanceArn"]
        west.create_db_instance_read_replica(DBInstanceIdentifier=replica, SourceDBInstanceIdentifier=source_arn, KmsKeyId=self.west_key)
        wait_for(lambda: describe(west, replica)["DBInstanceStatus"] == "available", 180, f"{replica} available")
        wait_for(lambda: newest_lag_datapoint(self.emu, replica, WEST) >= 0, 60, "a ReplicaLag datapoint")
        try:
            return self.go("rds_promote_replica", i, {"replica": replica}, replica=replica, region=WEST, confirm=replica)
        finally:
            with contextlib.suppress(Exception):
                west.delete_db_instance(DBInstanceIdentifier=replica, SkipFinalSnapshot=True)

    def s3_replication_verify(self, i: int) -> dict[str, Any]:
        return self.go("s3_replication_verify", i, {}, bucket=BUCKET, sample=10, max_lag_seconds=30)


# ---------------------------------------------------------------------- the table
def stats(values: list[float]) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    if all(isinstance(v, int) for v in values):
        return f"{statistics.median(values):g} / {max(values)}"
    return f"{statistics.median(values):.2f} / {max(values):.2f}"


def summary(results: list[dict[str, Any]]) -> str:
    """One line per runbook: where the wall time of the ansible-playbook process went (median / max, seconds)."""
    head = (
        "| runbook | runs | wall | startup | preflight + plan | steps | finish + exit | waited for the emulator | ready -> noticed "
        "| everything else | RTO (last part) | AWS calls |"
    )
    lines = [head, "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for runbook in RUNBOOKS:
        runs = [r for r in results if r["runbook"] == runbook]
        if not runs:
            continue
        waited = [sum(v for v in r["waited"].values() if v is not None) for r in runs]
        cells = [
            stats([r["wall"] for r in runs]),
            stats([r["phases"]["startup"] for r in runs]),
            stats([r["phases"]["preflight_plan"] for r in runs]),
            stats([r["phases"]["steps"] for r in runs]),
            stats([r["phases"]["finish"] + r["phases"]["exit"] for r in runs]),
            stats(waited),
            stats([sum(v for v in r["notice"].values() if v is not None) for r in runs]),
            stats([r["wall"] - w for r, w in zip(runs, waited, strict=True)]),
            stats([r["rto_achieved"] for r in runs]),
            stats([r["aws_calls"] for r in runs]),
        ]
        lines.append(f"| {runbook} | {len(runs)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def table(results: list[dict[str, Any]]) -> str:
    lines = []
    for runbook in RUNBOOKS:
        runs = [r for r in results if r["runbook"] == runbook]
        if not runs:
            continue
        lines += ["", f"#### {runbook} ({len(runs)} run(s); median / max, seconds)", "", "| measure | median / max |", "|---|---|"]
        lines.append(f"| ansible-playbook wall time | {stats([r['wall'] for r in runs])} |")
        for phase in ("startup", "preflight_plan", "steps", "finish", "exit"):
            lines.append(f"| phase: {phase} | {stats([r['phases'][phase] for r in runs])} |")
        overhead = [r["phases"]["startup"] + r["phases"]["preflight_plan"] + r["phases"]["finish"] + r["phases"]["exit"] for r in runs]
        lines.append(f"| outside the steps (startup + preflight_plan + finish + exit) | {stats(overhead)} |")
        waited = [sum(v for v in r["waited"].values() if v is not None) for r in runs]
        lines.append(f"| waited for the emulator (wait step start -> ready, summed) | {stats(waited)} |")
        lines.append(f"| everything else (wall - waited) | {stats([r['wall'] - w for r, w in zip(runs, waited, strict=True)])} |")
        for part in runs[0]["rto"]:
            lines.append(f"| RTO part: {part} | {stats([r['rto'].get(part) for r in runs])} |")
        for step in runs[0]["steps"]:
            lines.append(f"| step: {step} | {stats([r['steps'].get(step) for r in runs])} |")
        for step in runs[0]["notice"]:
            lines.append(f"| {step}: started -> emulator ready | {stats([r['waited'].get(step) for r in runs])} |")
            lines.append(f"| {step}: emulator ready -> completed | {stats([r['notice'].get(step) for r in runs])} |")
        lines.append(f"| AWS calls (report) | {stats([r['aws_calls'] for r in runs])} |")
        lines.append(f"| AWS requests (emulator) | {stats([r['emulator_calls'] for r in runs])} |")
        if any(r["rpo"] is not None for r in runs):
            lines.append(f"| RPO measured | {stats([r['rpo'] for r in runs])} |")
        ops = sorted({op for r in runs for op in r["aws_calls_by_op"]})
        lines.append("")
        lines.append("calls per run (median): " + ", ".join(f"{op} {statistics.median([r['aws_calls_by_op'].get(op, 0) for r in runs]):g}" for op in ops))
        # the two counters name some S3 operations differently (moto counts S3 by IAM action): compare per operation
        # only where the totals differ
        extra: dict[str, list[str]] = {}
        for r in runs:
            if r["emulator_calls"] == r["aws_calls"]:
                continue
            for op in sorted(set(r["emulator_calls_by_op"]) | set(r["aws_calls_by_op"])):
                diff = r["emulator_calls_by_op"].get(op, 0) - r["aws_calls_by_op"].get(op, 0)
                if diff:
                    extra.setdefault(op, []).append(f"{diff:+d} in {r['label']}")
        if extra:
            lines.append("")
            lines.append("the emulator served more than the report counts: " + "; ".join(f"{op} {', '.join(v)}" for op, v in sorted(extra.items())))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default=",".join(RUNBOOKS), help="comma-separated runbooks (default: all)")
    parser.add_argument("--keep-temp", action="store_true")
    parser.add_argument("--from-json", type=Path, help="print the tables of a recorded run (benchmarks/results/dr_bench-*.json); runs nothing")
    args = parser.parse_args()
    if args.from_json:
        recorded = json.loads(args.from_json.read_text())
        print(f"{args.from_json.name}: one DescribeDBInstances from the bench {recorded['describe_latency']}\n")
        print(summary(recorded["runs"]))
        print(table(recorded["runs"]))
        return 0
    only = [r for r in args.only.split(",") if r]
    unknown = set(only) - set(RUNBOOKS)
    if unknown:
        parser.error(f"unknown runbook(s) {sorted(unknown)}; known: {', '.join(RUNBOOKS)}")

    def stop(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)
    tmp = Path(tempfile.mkdtemp(prefix="slipway-drbench-"))
    results: list[dict[str, Any]] = []
    latency: dict[str, float] = {}
    began = time.time()
    try:
        with private_emulator(tmp / "emulator", "DRBENCH", 4990, 10300, extra_env=EXTRA_ENV) as emu:
            print(f"emulator {emu.endpoint}, listener base {emu.listener_base}, RDS from {emu.listener_base + 5400}; temp {tmp}", flush=True)
            watcher = Watcher(emu)
            writer = None
            bench = Bench(emu, tmp, watcher)
            try:
                if any(r != "s3_replication_verify" for r in only):
                    _, writer = make_source(emu)
                    latency = probe_latency(emu)
                    print(f"one DescribeDBInstances from the bench: median {latency['median']}s, max {latency['max']}s", flush=True)
                if "s3_replication_verify" in only:
                    make_buckets(emu)
                for runbook in only:
                    print(f"{runbook}: {args.runs} run(s)", flush=True)
                    for i in range(1, args.runs + 1):
                        results.append(getattr(bench, runbook)(i))
            finally:
                watcher.close()
                if writer is not None:
                    writer.close()
                bench.made.remove()
    except KeyboardInterrupt:
        print("interrupted: the emulator is stopped", file=sys.stderr)
        return 130
    finally:
        if results:
            out = REPO / "benchmarks" / "results"
            out.mkdir(exist_ok=True)
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
            (out / f"dr_bench-{stamp}.json").write_text(json.dumps({"describe_latency": latency, "runs": results}, indent=2) + "\n")
        if args.keep_temp:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nDR runbooks: {args.runs} run(s) each, {time.time() - began:.0f}s in all; {platform.python_version()}, {platform.machine()}")
    print()
    print(summary(results))
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
