"""S3 replication in the emulator (tools/local_aws/s3_replication.py): asynchronous, after SLIPWAY_S3_REPLICATION_LAG,
as the S3 User Guide describes it: PENDING -> COMPLETED on the source, REPLICA in the destination (another Region),
rule filters and priorities, delete markers, FAILED destinations, and the pause/resume control endpoint."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from .conftest import Emulator, wait_for

LAG = 1.5
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


@pytest.fixture(scope="module")
def emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """An emulator (free ports from the suite's pickers) replicating with a lag of LAG seconds."""
    emulator = Emulator(Path(tmp_path_factory.mktemp("local-aws-s3r")))
    emulator.env["SLIPWAY_S3_REPLICATION_LAG"] = str(LAG)
    assert emulator.cli("up").stdout.strip() == emulator.endpoint
    try:
        yield emulator
    finally:
        emulator.cli("down", check=False)


def s3(emu: Emulator, region: str = "us-east-1") -> Any:
    return boto3.client("s3", endpoint_url=emu.endpoint, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")


def control(emu: Emulator, **body: Any) -> dict[str, Any]:
    data = json.dumps(body).encode() if body else None
    req = urllib.request.Request(emu.endpoint + "/_slipway/s3/replication", data=data, method="POST" if body else "GET")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def bucket(emu: Emulator, name: str, region: str = "us-east-1", versioned: bool = True) -> Any:
    client = s3(emu, region)
    if region == "us-east-1":
        client.create_bucket(Bucket=name)
    else:
        client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    if versioned:
        client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return client


def role(emu: Emulator, name: str) -> str:
    return emu.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]


def rule(rule_id: str, dest: str, priority: int = 1, flt: dict[str, Any] | None = None, markers: str = "Disabled", **dest_extra: Any) -> dict[str, Any]:
    return {
        "ID": rule_id,
        "Priority": priority,
        "Status": "Enabled",
        "Filter": flt if flt is not None else {"Prefix": ""},
        "DeleteMarkerReplication": {"Status": markers},
        "Destination": {"Bucket": f"arn:aws:s3:::{dest}", **dest_extra},
    }


def status(client: Any, name: str, key: str, version: str | None = None) -> str | None:
    return client.head_object(Bucket=name, Key=key, **({"VersionId": version} if version else {})).get("ReplicationStatus")


def absent(client: Any, name: str, key: str) -> bool:
    try:
        client.head_object(Bucket=name, Key=key)
    except ClientError as exc:
        return exc.response["Error"]["Code"] in ("404", "NoSuchKey")
    return False


def error_of(fn: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        fn()
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def test_put_bucket_replication_is_refused_as_aws_refuses_it(emu: Emulator) -> None:
    arn = role(emu, "repl-refusals")
    east = bucket(emu, "refuse-src", versioned=False)
    bucket(emu, "refuse-dst", "us-west-2", versioned=False)
    config = {"Role": arn, "Rules": [rule("all", "refuse-dst")]}
    assert error_of(lambda: east.put_bucket_replication(Bucket="refuse-src", ReplicationConfiguration=config)) == (
        "InvalidRequest",
        "Versioning must be 'Enabled' on the bucket to apply a replication configuration",
    )
    east.put_bucket_versioning(Bucket="refuse-src", VersioningConfiguration={"Status": "Enabled"})
    assert error_of(lambda: east.put_bucket_replication(Bucket="refuse-src", ReplicationConfiguration=config)) == (
        "InvalidRequest",
        "Destination bucket must have versioning enabled.",
    )
    missing = {"Role": arn, "Rules": [rule("all", "no-such-dst")]}
    assert error_of(lambda: east.put_bucket_replication(Bucket="refuse-src", ReplicationConfiguration=missing))[1] == "Destination bucket must exist."
    s3(emu, "us-west-2").put_bucket_versioning(Bucket="refuse-dst", VersioningConfiguration={"Status": "Enabled"})
    no_markers = {"Role": arn, "Rules": [{k: v for k, v in rule("all", "refuse-dst").items() if k != "DeleteMarkerReplication"}]}
    message = error_of(lambda: east.put_bucket_replication(Bucket="refuse-src", ReplicationConfiguration=no_markers))[1]
    assert "DeleteMarkerReplication must be specified" in message
    tagged = {"Role": arn, "Rules": [rule("t", "refuse-dst", flt={"Tag": {"Key": "a", "Value": "b"}}, markers="Enabled")]}
    assert "not supported if any Tag filter" in error_of(lambda: east.put_bucket_replication(Bucket="refuse-src", ReplicationConfiguration=tagged))[1]
    assert error_of(lambda: east.get_bucket_replication(Bucket="refuse-src"))[0] == "ReplicationConfigurationNotFoundError"

    # what was put is what is read back (moto alone answers an empty filter and no delete-marker replication)
    given = [
        rule("logs", "refuse-dst", 2, {"And": {"Prefix": "logs/", "Tags": [{"Key": "keep", "Value": "yes"}]}}, StorageClass="GLACIER"),
        rule("rest", "refuse-dst", 1, {"Prefix": "data/"}, markers="Enabled", StorageClass="STANDARD_IA"),
    ]
    east.put_bucket_replication(Bucket="refuse-src", ReplicationConfiguration={"Role": arn, "Rules": given})
    got = east.get_bucket_replication(Bucket="refuse-src")["ReplicationConfiguration"]
    assert got["Role"] == arn
    assert [(r["ID"], r["Priority"], r["Filter"], r["DeleteMarkerReplication"], r["Destination"]) for r in got["Rules"]] == [
        (r["ID"], r["Priority"], r["Filter"], r["DeleteMarkerReplication"], r["Destination"]) for r in given
    ]
    # a bucket with a replication configuration keeps versioning Enabled
    code, message = error_of(lambda: east.put_bucket_versioning(Bucket="refuse-src", VersioningConfiguration={"Status": "Suspended"}))
    assert code == "InvalidBucketState" and "replication configuration is present" in message


def test_a_new_version_is_pending_then_replicated_after_the_lag(emu: Emulator) -> None:
    arn = role(emu, "repl-main")
    east, west = bucket(emu, "main-src"), bucket(emu, "main-dst", "us-west-2")
    east.put_object(Bucket="main-src", Key="old.txt", Body=b"before the configuration")
    east.put_bucket_replication(Bucket="main-src", ReplicationConfiguration={"Role": arn, "Rules": [rule("all", "main-dst", StorageClass="STANDARD_IA")]})
    started = time.monotonic()
    put = east.put_object(
        Bucket="main-src", Key="docs/a.txt", Body=b"hello replica", ContentType="text/markdown", Metadata={"owner": "docs"}, Tagging="team=docs&tier=1"
    )
    assert status(east, "main-src", "docs/a.txt") == "PENDING"
    assert east.get_object(Bucket="main-src", Key="docs/a.txt")["ReplicationStatus"] == "PENDING"
    assert absent(west, "main-dst", "docs/a.txt")
    queue = control(emu)
    assert queue["lag_seconds"] == LAG and queue["pending"] == 1 and queue["queue"][0]["key"] == "docs/a.txt" and queue["queue"][0]["rules"] == ["all"]
    wait_for(lambda: not absent(west, "main-dst", "docs/a.txt"), 10, "the replica")
    arrived = time.monotonic() - started
    assert arrived >= LAG, arrived
    replica = west.get_object(Bucket="main-dst", Key="docs/a.txt")
    assert replica["Body"].read() == b"hello replica"
    assert replica["ReplicationStatus"] == "REPLICA" and replica["VersionId"] == put["VersionId"] and replica["ETag"] == put["ETag"]
    assert replica["ContentType"] == "text/markdown" and replica["Metadata"] == {"owner": "docs"} and replica["StorageClass"] == "STANDARD_IA"
    source = east.head_object(Bucket="main-src", Key="docs/a.txt")
    assert replica["LastModified"] == source["LastModified"]
    assert sorted((t["Key"], t["Value"]) for t in west.get_object_tagging(Bucket="main-dst", Key="docs/a.txt")["TagSet"]) == [("team", "docs"), ("tier", "1")]
    wait_for(lambda: status(east, "main-src", "docs/a.txt") == "COMPLETED", 5, "the source COMPLETED")
    # an object that existed before the configuration is not replicated (S3 Batch Replication's job)
    assert status(east, "main-src", "old.txt") is None and absent(west, "main-dst", "old.txt")
    # each new version is replicated in turn
    second = east.put_object(Bucket="main-src", Key="docs/a.txt", Body=b"second version")["VersionId"]
    wait_for(lambda: west.head_object(Bucket="main-dst", Key="docs/a.txt")["VersionId"] == second, 10, "the second version replicated")
    versions = [v["VersionId"] for v in west.list_object_versions(Bucket="main-dst", Prefix="docs/a.txt")["Versions"]]
    assert sorted(versions) == sorted([put["VersionId"], second])


def test_filters_priorities_and_delete_markers(emu: Emulator) -> None:
    arn = role(emu, "repl-rules")
    east, west = bucket(emu, "rules-src"), bucket(emu, "rules-dst", "us-west-2")
    bucket(emu, "rules-tagged", "eu-west-1")
    rules = [
        rule("logs-low", "rules-dst", 1, {"Prefix": "logs/"}, markers="Enabled", StorageClass="STANDARD_IA"),
        rule("logs-high", "rules-dst", 5, {"Prefix": "logs/"}, markers="Enabled", StorageClass="GLACIER_IR"),
        rule("tagged", "rules-tagged", 3, {"Tag": {"Key": "replicate", "Value": "yes"}}),
    ]
    east.put_bucket_replication(Bucket="rules-src", ReplicationConfiguration={"Role": arn, "Rules": rules})
    east.put_object(Bucket="rules-src", Key="logs/1.log", Body=b"log line")
    east.put_object(Bucket="rules-src", Key="data/tagged.bin", Body=b"tagged", Tagging="replicate=yes")
    east.put_object(Bucket="rules-src", Key="data/plain.bin", Body=b"not covered")
    assert status(east, "rules-src", "data/plain.bin") is None  # no rule covers it: no status at all
    eu = s3(emu, "eu-west-1")
    wait_for(lambda: status(east, "rules-src", "logs/1.log") == "COMPLETED" and status(east, "rules-src", "data/tagged.bin") == "COMPLETED", 10, "replication")
    # per destination the highest-priority matching rule applies
    assert west.head_object(Bucket="rules-dst", Key="logs/1.log")["StorageClass"] == "GLACIER_IR"
    assert absent(west, "rules-dst", "data/tagged.bin") and not absent(eu, "rules-tagged", "data/tagged.bin")
    assert absent(eu, "rules-tagged", "logs/1.log") and absent(west, "rules-dst", "data/plain.bin") and absent(eu, "rules-tagged", "data/plain.bin")

    # a delete marker is replicated with DeleteMarkerReplication Enabled (same version id); deleting a version is not
    marker = east.delete_object(Bucket="rules-src", Key="logs/1.log")["VersionId"]
    wait_for(lambda: west.list_object_versions(Bucket="rules-dst", Prefix="logs/1.log").get("DeleteMarkers"), 10, "the delete marker replicated")
    assert [m["VersionId"] for m in west.list_object_versions(Bucket="rules-dst", Prefix="logs/1.log")["DeleteMarkers"]] == [marker]
    tagged_version = east.head_object(Bucket="rules-src", Key="data/tagged.bin")["VersionId"]
    east.delete_object(Bucket="rules-src", Key="data/tagged.bin", VersionId=tagged_version)
    time.sleep(LAG + 0.5)
    assert eu.head_object(Bucket="rules-tagged", Key="data/tagged.bin")["VersionId"] == tagged_version


def test_a_missing_or_unversioned_destination_or_role_fails_the_version(emu: Emulator) -> None:
    arn = role(emu, "repl-fail")
    east, west = bucket(emu, "fail-src"), bucket(emu, "fail-dst", "us-west-2")
    east.put_bucket_replication(Bucket="fail-src", ReplicationConfiguration={"Role": arn, "Rules": [rule("all", "fail-dst")]})
    west.put_bucket_versioning(Bucket="fail-dst", VersioningConfiguration={"Status": "Suspended"})
    east.put_object(Bucket="fail-src", Key="a.txt", Body=b"a")
    wait_for(lambda: status(east, "fail-src", "a.txt") == "FAILED", 10, "FAILED (destination not versioned)")
    assert absent(west, "fail-dst", "a.txt")
    west.delete_bucket(Bucket="fail-dst")
    east.put_object(Bucket="fail-src", Key="b.txt", Body=b"b")
    wait_for(lambda: status(east, "fail-src", "b.txt") == "FAILED", 10, "FAILED (destination gone)")
    bucket(emu, "fail-dst", "us-west-2")
    emu.client("iam").delete_role(RoleName="repl-fail")
    east.put_object(Bucket="fail-src", Key="c.txt", Body=b"c")
    wait_for(lambda: status(east, "fail-src", "c.txt") == "FAILED", 10, "FAILED (role gone)")
    assert absent(west, "fail-dst", "c.txt")
    time.sleep(LAG)
    assert status(east, "fail-src", "a.txt") == "FAILED"  # never retried, as in AWS
    assert control(emu)["failed"] >= 3


def test_paused_replication_keeps_versions_pending_until_resumed(emu: Emulator) -> None:
    arn = role(emu, "repl-pause")
    east, west = bucket(emu, "pause-src"), bucket(emu, "pause-dst", "us-west-2")
    east.put_bucket_replication(Bucket="pause-src", ReplicationConfiguration={"Role": arn, "Rules": [rule("all", "pause-dst")]})
    assert control(emu, paused=True)["paused"] is True
    try:
        east.put_object(Bucket="pause-src", Key="held.txt", Body=b"held")
        time.sleep(LAG + 1)
        queue = control(emu)
        assert queue["pending"] == 1 and queue["oldest_pending_age_seconds"] >= LAG + 1
        assert status(east, "pause-src", "held.txt") == "PENDING" and absent(west, "pause-dst", "held.txt")
    finally:
        assert control(emu, paused=False)["paused"] is False
    wait_for(lambda: status(east, "pause-src", "held.txt") == "COMPLETED", 5, "COMPLETED after the resume")
    assert west.get_object(Bucket="pause-dst", Key="held.txt")["Body"].read() == b"held"
    assert control(emu)["pending"] == 0
    # the lag can be changed at run time; bad input is a 400 naming the problem
    try:
        assert control(emu, lag_seconds=0)["lag_seconds"] == 0
        east.put_object(Bucket="pause-src", Key="fast.txt", Body=b"fast")
        wait_for(lambda: status(east, "pause-src", "fast.txt") == "COMPLETED", 2, "replication without lag")
    finally:
        control(emu, lag_seconds=LAG)
    for body, wanted in (({"paused": "yes"}, "paused must be true or false"), ({"lag_seconds": -1}, "lag_seconds must be"), ({"speed": 1}, "give")):
        req = urllib.request.Request(emu.endpoint + "/_slipway/s3/replication", data=json.dumps(body).encode(), method="POST")
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(req, timeout=10)
        assert info.value.code == 400 and wanted in json.loads(info.value.read())["error"]
