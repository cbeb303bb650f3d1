"""s3_replication_verify.yml end to end against the emulator's asynchronous S3 replication (lag 1 s in this suite):
a bucket in us-east-1 replicating to a bucket in us-west-2; the run passes with a measured lag no shorter than the
emulator's, a corrupted replica fails it as a mismatch, paused replication fails it with the rule and the pending age,
a stuck queue or a missing prerequisite fails the preflight with no write, check mode writes nothing, and the canary
is gone from both buckets after every run."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.support.emulator import Emulator

from .conftest import wait_for, writes

PLAYBOOK = "playbooks/runbooks/s3_replication_verify.yml"
SOURCE, DEST, ROLE, RULE = "s3r-assets", "s3r-assets-replica", "s3r-replication", "replicate-all"
CANARY_PREFIX = "_slipway/replication-canary/"
OBJECTS = {f"docs/{i}.txt": f"document {i}\n".encode() * (i + 1) for i in range(5)}
BIG = "media/big.bin"  # a multipart upload: its ETag is no MD5 of the content
LAG = 1.0  # SLIPWAY_S3_REPLICATION_LAG of the DR suite's emulator (tests/dr/conftest.py)


def control(emulator: Emulator, **body: Any) -> dict[str, Any]:
    """The emulator's replication queue (GET), or change it (POST ``paused`` / ``lag_seconds``)."""
    data = json.dumps(body).encode() if body else None
    req = urllib.request.Request(emulator.endpoint + "/_slipway/s3/replication", data=data, method="POST" if body else "GET")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def s3_in(emulator: Emulator, region: str) -> Any:
    return boto3.client("s3", endpoint_url=emulator.endpoint, region_name=region, aws_access_key_id="test", aws_secret_access_key="test")


def canaries(client: Any, bucket: str) -> list[str]:
    """Every version and delete marker under the canary prefix (read back, not taken from the run's report)."""
    listed = client.list_object_versions(Bucket=bucket, Prefix=CANARY_PREFIX)
    return [f"{v['Key']}@{v['VersionId']}" for v in listed.get("Versions", []) + listed.get("DeleteMarkers", [])]


def status(client: Any, bucket: str, key: str) -> str | None:
    return client.head_object(Bucket=bucket, Key=key).get("ReplicationStatus")


@pytest.fixture(scope="module")
def world(emulator: Emulator) -> Iterator[dict[str, Any]]:
    east, west, iam = s3_in(emulator, "us-east-1"), s3_in(emulator, "us-west-2"), emulator.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    east.create_bucket(Bucket=SOURCE)
    west.create_bucket(Bucket=DEST, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    for client, bucket in ((east, SOURCE), (west, DEST)):
        client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    east.put_bucket_replication(
        Bucket=SOURCE,
        ReplicationConfiguration={
            "Role": role,
            "Rules": [
                {
                    "ID": RULE,
                    "Priority": 1,
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "DeleteMarkerReplication": {"Status": "Enabled"},
                    "Destination": {"Bucket": f"arn:aws:s3:::{DEST}", "StorageClass": "STANDARD_IA"},
                }
            ],
        },
    )
    for key, body in OBJECTS.items():
        east.put_object(Bucket=SOURCE, Key=key, Body=body, ContentType="text/plain", Tagging="team=docs")
    upload = east.create_multipart_upload(Bucket=SOURCE, Key=BIG)["UploadId"]
    parts = []
    for number, chunk in enumerate((b"a" * (5 * 1024 * 1024), b"tail"), start=1):
        etag = east.upload_part(Bucket=SOURCE, Key=BIG, UploadId=upload, PartNumber=number, Body=chunk)["ETag"]
        parts.append({"PartNumber": number, "ETag": etag})
    east.complete_multipart_upload(Bucket=SOURCE, Key=BIG, UploadId=upload, MultipartUpload={"Parts": parts})
    keys = [*OBJECTS, BIG]
    wait_for(lambda: all(status(east, SOURCE, k) == "COMPLETED" for k in keys), 30, "the objects replicated")
    yield {"east": east, "west": west, "iam": iam, "role": role, "keys": keys}
    control(emulator, paused=False)


def assert_no_canary(world: dict[str, Any]) -> None:
    assert canaries(world["east"], SOURCE) == [], "the canary is left in the source"
    assert canaries(world["west"], DEST) == [], "the canary is left in the destination"


def test_check_mode_prints_the_plan_and_writes_nothing(emulator: Emulator, world: dict[str, Any], run_playbook: Any) -> None:
    emulator.calls(reset=True)
    run = run_playbook("--check", playbook=PLAYBOOK, bucket=SOURCE)
    assert run.rc == 0, run.text[-3000:]
    for line in (
        "PASS  source bucket: s3r-assets in us-east-1",
        "PASS  source versioning",
        "PASS  replication configuration",
        f"PASS  destination {DEST}: exists in us-west-2 (another Region); versioning Enabled",
        "PASS  replication role",
        "PASS  canary",
        "PASS  replication queue",
    ):
        assert line in run.stdout, run.stdout[-3000:]
    assert "s3.PutObject" in run.stdout and "plan  remove_canary" in run.stdout
    assert "plan  write_canary" in run.stdout and "plan  await_replica" in run.stdout and "plan  compare_sample" in run.stdout
    assert writes(emulator.calls()) == {}
    assert not run.reports.exists()
    assert_no_canary(world)


def test_verify_passes_with_the_measured_lag(emulator: Emulator, world: dict[str, Any], run_playbook: Any) -> None:
    before = control(emulator)
    assert before["lag_seconds"] == LAG and before["paused"] is False
    emulator.calls(reset=True)
    run = run_playbook(playbook=PLAYBOOK, bucket=SOURCE, sample=10, max_lag_seconds=30)
    assert run.rc == 0, run.text[-4000:]
    for step in ("write_canary", "await_replica", "compare_sample", "remove_canary"):
        assert f"ok    {step}" in run.stdout, run.stdout[-3000:]
    report = run.report()
    assert report["status"] == "succeeded"
    lag = report["rpo"]["measured_seconds"]
    # the emulator copies the canary LAG seconds after the write: the measured lag cannot be shorter
    assert LAG <= lag <= LAG + 5, report["rpo"]
    print(f"measured replication lag {lag}s (emulator lag {LAG}s)")
    sample = report["sample"]
    assert sample["checked"] == len(world["keys"]) and sorted(i["key"] for i in sample["ok"]) == sorted(world["keys"])
    assert not (sample["mismatched"] or sample["missing"] or sample["stuck"] or sample["failed"])
    # the emulator replicated exactly one more object: the canary, and no second write happened
    after = control(emulator)
    assert after["replicated"] == before["replicated"] + 1 and after["pending"] == 0
    got = writes(emulator.calls())
    assert got.pop("s3.PutObject") == 1, got
    assert set(got) <= {"s3.DeleteObject", "s3.DeleteObjectVersion"} and sum(got.values()) == 2, got  # the canary in each bucket
    audit = [json.loads(line) for line in (run.reports / "runs" / report["run_id"] / "audit.jsonl").read_text().splitlines()]
    put = [a for a in audit if a.get("call") == "s3.PutObject"]
    assert len(put) == 1 and put[0]["request_id"] and put[0]["params"]["Key"] == f"{CANARY_PREFIX}{report['run_id']}"
    assert "slipway%3Adr-run-id=" in put[0]["params"]["Tagging"]
    md = (run.reports / f"{report['run_id']}.md").read_text()
    assert f"| RPO (s) | {lag} |" in md and "compared by sha256" in md
    assert_no_canary(world)


def test_a_corrupted_replica_is_a_mismatch(emulator: Emulator, world: dict[str, Any], run_playbook: Any) -> None:
    key = "docs/2.txt"
    bad = world["west"].put_object(Bucket=DEST, Key=key, Body=b"tampered with")["VersionId"]
    try:
        run = run_playbook(playbook=PLAYBOOK, bucket=SOURCE, sample=10, max_lag_seconds=30)
        assert run.rc != 0 and "step compare_sample failed" in run.text and f"mismatched: {DEST}/{key}" in run.text, run.text[-4000:]
        report = run.report()
        assert report["status"] == "failed" and report["failures"][0]["step"] == "compare_sample"
        mismatched = report["sample"]["mismatched"]
        assert [m["key"] for m in mismatched] == [key] and mismatched[0]["replica_version"] == bad
        assert len(report["sample"]["ok"]) == len(world["keys"]) - 1
        assert report["rpo"]["measured_seconds"] >= LAG  # the canary itself went through
        assert_no_canary(world)
    finally:
        world["west"].delete_object(Bucket=DEST, Key=key, VersionId=bad)


def test_paused_replication_fails_naming_the_rule_and_the_pending_age(emulator: Emulator, world: dict[str, Any], run_playbook: Any) -> None:
    replicated = control(emulator, paused=True)["replicated"]
    try:
        run = run_playbook(playbook=PLAYBOOK, bucket=SOURCE, sample=3, max_lag_seconds=3)
        assert run.rc != 0, run.text[-4000:]
        assert "ReplicationLagExceeded" in run.text and f"rule {RULE}" in run.text and "source status PENDING" in run.text, run.text[-4000:]
        assert "PENDING for " in run.text and "within max_lag_seconds 3.0" in run.text
        report = run.report()
        assert report["status"] == "failed" and report["failures"][0]["step"] == "await_replica"
        assert [s["step"] for s in report["steps"]] == ["write_canary"]
        queue = control(emulator)
        assert queue["paused"] is True and queue["pending"] == 1 and queue["oldest_pending_age_seconds"] >= 3
        assert canaries(world["east"], SOURCE) == []  # removed on the failure path
    finally:
        control(emulator, paused=False)
    time.sleep(LAG + 1)
    # the queued canary's version is gone, so nothing reached the destination after the resume either
    after = control(emulator)
    assert after["pending"] == 0 and after["replicated"] == replicated
    assert_no_canary(world)


def test_a_stuck_queue_fails_the_preflight_without_a_write(emulator: Emulator, world: dict[str, Any], run_playbook: Any) -> None:
    control(emulator, paused=True)
    try:
        world["east"].put_object(Bucket=SOURCE, Key="docs/stuck.txt", Body=b"waiting")
        time.sleep(2.5)
        emulator.calls(reset=True)
        run = run_playbook(playbook=PLAYBOOK, bucket=SOURCE, sample=5, max_lag_seconds=2)
        assert run.rc != 0 and "PreflightFailed" in run.text, run.text[-3000:]
        assert "FAIL  replication queue: 1 object(s) PENDING longer than max_lag_seconds 2.0: docs/stuck.txt" in run.stdout, run.stdout[-3000:]
        assert writes(emulator.calls()) == {}
        assert run.report()["status"] == "preflight_failed"
    finally:
        control(emulator, paused=False)
    wait_for(lambda: status(world["east"], SOURCE, "docs/stuck.txt") == "COMPLETED", 10, "the stuck object replicated after the resume")
    world["keys"].append("docs/stuck.txt")
    assert_no_canary(world)


def test_missing_prerequisites_fail_the_preflight_without_a_write(emulator: Emulator, world: dict[str, Any], run_playbook: Any) -> None:
    east = world["east"]
    east.create_bucket(Bucket="s3r-plain")  # no versioning, no configuration
    east.create_bucket(Bucket="s3r-versioned")  # versioning, no configuration
    east.put_bucket_versioning(Bucket="s3r-versioned", VersioningConfiguration={"Status": "Enabled"})
    emulator.calls(reset=True)
    run = run_playbook(playbook=PLAYBOOK, bucket="s3r-plain")
    assert run.rc != 0 and "FAIL  source versioning: s3r-plain: never enabled" in run.stdout, run.text[-3000:]
    assert "FAIL  replication configuration: s3r-plain has no replication configuration" in run.stdout
    run = run_playbook(playbook=PLAYBOOK, bucket="s3r-versioned")
    assert run.rc != 0 and "PASS  source versioning" in run.stdout and "FAIL  replication configuration" in run.stdout, run.text[-3000:]
    run = run_playbook(playbook=PLAYBOOK, bucket="s3r-no-such-bucket")
    assert run.rc != 0 and "FAIL  source bucket: s3r-no-such-bucket: NoSuchBucket" in run.stdout, run.text[-3000:]
    run = run_playbook(playbook=PLAYBOOK, bucket=SOURCE, sample=-1)
    assert run.rc != 0 and "usage: -e bucket=SOURCE_BUCKET" in run.text, run.text[-3000:]
    run = run_playbook(playbook=PLAYBOOK)
    assert run.rc != 0 and "usage: -e bucket=SOURCE_BUCKET" in run.text, run.text[-3000:]
    assert writes(emulator.calls()) == {}
    # the role the configuration names is gone
    world["iam"].delete_role(RoleName=ROLE)
    try:
        emulator.calls(reset=True)
        run = run_playbook(playbook=PLAYBOOK, bucket=SOURCE)
        assert run.rc != 0 and f"FAIL  replication role: {world['role']}: NoSuchEntity" in run.stdout, run.text[-3000:]
        assert writes(emulator.calls()) == {}
    finally:
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        world["iam"].create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trust))
    assert_no_canary(world)
