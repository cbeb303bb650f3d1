# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runbook s3_replication_verify: prove that a bucket's replication works, and how far behind it is.

Read-mostly. Preflight (reads only): the source bucket, versioning on both sides, a replication configuration with an
Enabled rule, each destination bucket (in its own Region) versioned, the replication role, and no object of the
newest ones PENDING for longer than ``max_lag_seconds``. Steps: write one canary object under a prefix an Enabled rule
covers (the only write; tagged with the run tags), time its arrival in every destination (the measured replication
lag, in the report where a restore puts its RPO) and the source's status COMPLETED, compare the newest ``sample``
objects the rules cover by the sha256 of both sides' content (an ETag is no content hash for multipart uploads),
then remove every version of the canary in every bucket and read back that it is gone. Nothing existing is changed
or deleted, so no confirmation is asked. The canary is a drill resource: the framework removes it on every exit path.

The object reads use GetObject with ``Range: bytes=0-0`` where only the headers matter: it answers what HeadObject
answers (``x-amz-replication-status``, the version id, the ETag) and is a read by the framework's definition (an
operation whose name starts with Head counts as a write there, and check mode refuses writes).
"""

from __future__ import annotations

import hashlib
import time
import urllib.parse
from typing import Any, ClassVar

from ansible_collections.slipway.aws.plugins.module_utils.dr.core import (
    ERROR,
    FAIL,
    PASS,
    RUN_TAG,
    Check,
    Context,
    PlannedCall,
    Runbook,
    RunbookError,
    Step,
    VerifyFailed,
    iso,
    parse_time,
    run_tags,
    utcnow,
)
from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError, PreflightError

PARAMS_SPEC: dict[str, Any] = {
    "bucket": {"type": "str", "required": True},
    "sample": {"type": "int", "default": 10},
    "max_lag_seconds": {"type": "float", "default": 900.0},
    "canary_prefix": {"type": "str", "default": "_slipway/replication-canary/"},
    "poll_interval": {"type": "float", "default": 0.5},
    "drill": {"type": "bool", "default": True},
    "expires_in_hours": {"type": "int", "default": 24},
}
MISSING = ("NoSuchKey", "NoSuchVersion", "404")
# S3 allows 10 tags on an object.
MAX_OBJECT_TAGS = 10


# ------------------------------------------------------------------ helpers
def bucket_region(ctx: Context, bucket: str) -> str:
    """The bucket's Region (GetBucketLocation: null or empty means us-east-1, "EU" eu-west-1)."""
    where = ctx.call("s3", "GetBucketLocation", Bucket=bucket).get("LocationConstraint")
    return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(where, where)


def dest_name(rule: dict[str, Any]) -> str:
    arn = str((rule.get("Destination") or {}).get("Bucket") or "")
    return arn.split(":::", 1)[1] if ":::" in arn else arn


def rule_filter(rule: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """A rule's prefix and tags (V1 ``Prefix`` or V2 ``Filter``)."""
    if "Filter" not in rule:
        return rule.get("Prefix") or "", {}
    flt = rule.get("Filter") or {}
    if "And" in flt:
        return flt["And"].get("Prefix") or "", {t["Key"]: t["Value"] for t in flt["And"].get("Tags") or []}
    if "Tag" in flt:
        return "", {flt["Tag"]["Key"]: flt["Tag"]["Value"]}
    return flt.get("Prefix") or "", {}


def covers(rule: dict[str, Any], key: str, tags: dict[str, str] | None) -> bool:
    """Whether an Enabled ``rule`` covers ``key`` with ``tags`` (None: tags unknown, only a tag-less rule can say yes)."""
    prefix, want = rule_filter(rule)
    if rule.get("Status") != "Enabled" or not key.startswith(prefix):
        return False
    if want and tags is None:
        return False
    return all((tags or {}).get(k) == v for k, v in want.items())


def peek(ctx: Context, bucket: str, key: str, region: str, version: str | None = None) -> dict[str, Any] | None:
    """An object's headers (replication status, version, ETag, last modified) without its content; None if absent."""
    params: dict[str, Any] = {"Bucket": bucket, "Key": key, **({"VersionId": version} if version else {})}
    try:
        got = ctx.call("s3", "GetObject", region=region, Range="bytes=0-0", **params)
    except AwsError as exc:
        if exc.code in MISSING:
            return None
        if exc.code != "InvalidRange":  # an empty object has no byte 0
            raise
        got = ctx.call("s3", "GetObject", region=region, **params)
    got["Body"].read()
    got["Body"].close()
    return {
        "version_id": got.get("VersionId"),
        "status": got.get("ReplicationStatus"),
        "etag": got.get("ETag"),
        "last_modified": iso(got["LastModified"]) if got.get("LastModified") else None,
    }


def digest(ctx: Context, bucket: str, key: str, region: str, version: str | None = None) -> dict[str, Any] | None:
    """An object's content read in full: sha256, size, version, status; None if absent (or a delete marker)."""
    params: dict[str, Any] = {"Bucket": bucket, "Key": key, **({"VersionId": version} if version else {})}
    try:
        got = ctx.call("s3", "GetObject", region=region, **params)
    except AwsError as exc:
        if exc.code in MISSING:
            return None
        raise
    sha, size = hashlib.sha256(), 0
    for chunk in iter(lambda: got["Body"].read(1 << 20), b""):
        sha.update(chunk)
        size += len(chunk)
    got["Body"].close()
    return {
        "sha256": sha.hexdigest(),
        "size": size,
        "version_id": got.get("VersionId"),
        "status": got.get("ReplicationStatus"),
        "etag": got.get("ETag"),
        "last_modified": iso(got["LastModified"]) if got.get("LastModified") else None,
    }


def versions_of(ctx: Context, bucket: str, key: str, region: str) -> list[dict[str, Any]]:
    """Every version and delete marker of exactly ``key``."""
    out: list[dict[str, Any]] = []
    params: dict[str, Any] = {"Bucket": bucket, "Prefix": key}
    while True:
        page = ctx.call("s3", "ListObjectVersions", region=region, **params)
        out.extend(v for v in page.get("Versions", []) + page.get("DeleteMarkers", []) if v["Key"] == key)
        if not page.get("IsTruncated"):
            return out
        params.update(KeyMarker=page.get("NextKeyMarker"), VersionIdMarker=page.get("NextVersionIdMarker"))


def newest_objects(ctx: Context, limit: int, exclude: str) -> list[dict[str, Any]]:
    """The newest ``limit`` current objects of the source that an Enabled rule covers (tag rules: their tags read)."""
    inp = ctx.inputs
    rules = [r for r in inp["rules"] if r.get("Status") == "Enabled"]
    prefixes = sorted({rule_filter(r)[0] for r in rules})
    # one listing per distinct prefix; a prefix inside another is listed with it
    roots = [p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes)]
    found: dict[str, dict[str, Any]] = {}
    for prefix in roots:
        params: dict[str, Any] = {"Bucket": inp["source"], "Prefix": prefix}
        while True:
            page = ctx.call("s3", "ListObjectsV2", region=inp["source_region"], **params)
            for obj in page.get("Contents", []):
                if not obj["Key"].startswith(exclude):
                    found[obj["Key"]] = obj
            if not page.get("IsTruncated"):
                break
            params["ContinuationToken"] = page["NextContinuationToken"]
    ordered = sorted(found.values(), key=lambda o: (o["LastModified"], o["Key"]), reverse=True)
    out: list[dict[str, Any]] = []
    tag_rules = any(rule_filter(r)[1] for r in rules)
    for obj in ordered:
        if len(out) >= limit:
            break
        tags = None
        if tag_rules:
            tags = {
                t["Key"]: t["Value"] for t in ctx.call("s3", "GetObjectTagging", region=inp["source_region"], Bucket=inp["source"], Key=obj["Key"])["TagSet"]
            }
        matching = [r for r in rules if covers(r, obj["Key"], tags)]
        if matching:
            out.append({"key": obj["Key"], "last_modified": obj["LastModified"], "destinations": sorted({dest_name(r) for r in matching})})
    return out


def _age(last_modified: Any) -> float:
    return round((utcnow() - parse_time(last_modified)).total_seconds(), 3)


# ------------------------------------------------------------------ the runbook
class S3ReplicationVerifyRunbook(Runbook):
    name = "s3_replication_verify"
    title = "S3 replication verify"
    rto_parts: tuple[str, ...] = ()  # a verification restores nothing: its measure is the replication lag
    params_spec: ClassVar[dict[str, dict[str, Any]]] = PARAMS_SPEC

    def resolve(self, ctx: Context) -> None:
        p = self.params
        if not p.get("bucket"):
            raise PreflightError("bucket (the replication source) is required: -e bucket=NAME")
        if int(p.get("sample") if p.get("sample") is not None else 10) < 0:
            raise PreflightError(f"sample must be a number of objects >= 0, got {p.get('sample')}")
        if float(p.get("max_lag_seconds") or 0) <= 0:
            raise PreflightError(f"max_lag_seconds must be a number of seconds > 0, got {p.get('max_lag_seconds')}")
        prefix = p.get("canary_prefix") or "_slipway/replication-canary/"
        ctx.inputs.update(source=p["bucket"], canary_prefix=prefix, max_lag_seconds=float(p["max_lag_seconds"]))

    def confirmation_identifier(self, ctx: Context) -> str:
        return ctx.inputs["source"]  # never asked: no step is destructive (the canary is the run's own object)

    # ------------------------------------------------------------ preflight (reads only)
    def preflight(self, ctx: Context) -> list[Check]:
        inp = ctx.inputs
        checks: list[Check] = []
        try:
            inp["source_region"] = bucket_region(ctx, inp["source"])
        except AwsError as exc:
            status = FAIL if exc.code in ("NoSuchBucket", "404") else ERROR
            return [Check("source bucket", status, f"{inp['source']}: {exc.code}: {exc.message}")]
        checks.append(Check("source bucket", PASS, f"{inp['source']} in {inp['source_region']}"))
        versioning = ctx.call("s3", "GetBucketVersioning", region=inp["source_region"], Bucket=inp["source"]).get("Status") or "never enabled"
        checks.append(
            Check(
                "source versioning",
                PASS if versioning == "Enabled" else FAIL,
                f"{inp['source']}: {versioning}" + ("" if versioning == "Enabled" else " (replication needs Enabled on source and destination)"),
            )
        )
        try:
            config = ctx.call("s3", "GetBucketReplication", region=inp["source_region"], Bucket=inp["source"])["ReplicationConfiguration"]
        except AwsError as exc:
            if exc.code == "ReplicationConfigurationNotFoundError":
                checks.append(
                    Check("replication configuration", FAIL, f"{inp['source']} has no replication configuration (ReplicationConfigurationNotFoundError)")
                )
            else:
                checks.append(Check("replication configuration", ERROR, f"{exc.code}: {exc.message}"))
            return checks
        rules = config.get("Rules") or []
        enabled = [r for r in rules if r.get("Status") == "Enabled"]
        inp["rules"], inp["role"] = rules, config.get("Role")
        described = "; ".join(f"{r.get('ID')} ({r.get('Status')}, priority {r.get('Priority')}, prefix {rule_filter(r)[0]!r} -> {dest_name(r)})" for r in rules)
        checks.append(Check("replication configuration", PASS if enabled else FAIL, f"{len(enabled)} of {len(rules)} rule(s) Enabled: {described}"))
        if not enabled:
            return checks
        checks.extend(self._destinations(ctx, enabled))
        checks.append(self._role(ctx))
        checks.append(self._canary_rule(ctx, enabled))
        if all(c.status == PASS for c in checks):
            checks.append(self._queue(ctx))
        return checks

    def _destinations(self, ctx: Context, enabled: list[dict[str, Any]]) -> list[Check]:
        inp = ctx.inputs
        checks, regions = [], {}
        for name in sorted({dest_name(r) for r in enabled}):
            try:
                regions[name] = bucket_region(ctx, name)
            except AwsError as exc:
                status = FAIL if exc.code in ("NoSuchBucket", "404") else ERROR
                checks.append(Check(f"destination {name}", status, f"{exc.code}: {exc.message}"))
                continue
            versioning = ctx.call("s3", "GetBucketVersioning", region=regions[name], Bucket=name).get("Status") or "never enabled"
            ok = versioning == "Enabled"
            where = "another Region" if regions[name] != inp["source_region"] else "the source's Region"
            checks.append(Check(f"destination {name}", PASS if ok else FAIL, f"exists in {regions[name]} ({where}); versioning {versioning}"))
        inp["destinations"] = regions
        return checks

    def _role(self, ctx: Context) -> Check:
        role = ctx.inputs.get("role") or ""
        if not role:
            return Check("replication role", FAIL, "the configuration names no IAM role")
        try:
            got = ctx.call("iam", "GetRole", RoleName=role.rsplit("/", 1)[-1])["Role"]
        except AwsError as exc:
            return Check("replication role", FAIL if exc.code == "NoSuchEntity" else ERROR, f"{role}: {exc.code}: {exc.message}")
        return Check("replication role", PASS, f"{got['Arn']} exists")

    def _canary_rule(self, ctx: Context, enabled: list[dict[str, Any]]) -> Check:
        """Choose the canary's key (and tags) so that the highest-priority Enabled rule covers it."""
        inp = ctx.inputs
        run_id = ctx.state.data["run_id"]
        rule = sorted(enabled, key=lambda r: -int(r.get("Priority") or 0))[0]
        prefix, want = rule_filter(rule)
        base = inp["canary_prefix"]
        key = f"{base}{run_id}" if base.startswith(prefix) else f"{prefix}{base}{run_id}"
        tags = {t["Key"]: t["Value"] for t in run_tags(ctx)}
        tags.update(want)
        if len(tags) > MAX_OBJECT_TAGS:
            return Check("canary", FAIL, f"rule {rule.get('ID')} needs {len(want)} tag(s); with the run tags that is more than S3's {MAX_OBJECT_TAGS}")
        covering = sorted({dest_name(r) for r in enabled if covers(r, key, tags)})
        inp.update(canary_key=key, canary_rule=rule.get("ID"), canary_tags=tags, canary_destinations=covering)
        return Check("canary", PASS, f"s3://{inp['source']}/{key} is covered by rule {rule.get('ID')} -> {', '.join(covering)}")

    def _queue(self, ctx: Context) -> Check:
        """No object among the newest ones PENDING for longer than max_lag_seconds (nor FAILED)."""
        inp, limit = ctx.inputs, max(int(self.params.get("sample") or 0), 20)
        stuck, failed, pending, seen = [], [], [], 0
        for obj in newest_objects(ctx, limit, inp["canary_prefix"]):
            got = peek(ctx, inp["source"], obj["key"], inp["source_region"])
            if got is None:
                continue
            seen += 1
            age = _age(obj["last_modified"])
            if got["status"] == "PENDING":
                (stuck if age > inp["max_lag_seconds"] else pending).append(f"{obj['key']} ({age}s)")
            elif got["status"] == "FAILED":
                failed.append(obj["key"])
        if stuck or failed:
            parts = []
            if stuck:
                parts.append(f"{len(stuck)} object(s) PENDING longer than max_lag_seconds {inp['max_lag_seconds']}: {', '.join(stuck[:5])}")
            if failed:
                parts.append(f"{len(failed)} object(s) FAILED (S3 does not retry them; re-upload or S3 Batch Replication): {', '.join(failed[:5])}")
            return Check("replication queue", FAIL, "; ".join(parts) + f" -- rule(s) {', '.join(str(r.get('ID')) for r in inp['rules'])}")
        return Check(
            "replication queue",
            PASS,
            f"newest {seen} covered object(s): none PENDING longer than {inp['max_lag_seconds']}s ({len(pending)} in flight), none FAILED",
        )

    # ------------------------------------------------------------ steps
    def steps(self) -> list[Step]:
        return [WriteCanaryStep(), AwaitReplicaStep(), CompareSampleStep(), RemoveCanaryStep()]

    def drill_resources(self, ctx: Context) -> list[dict[str, str]]:
        inp = ctx.inputs
        if not inp.get("canary_key") or ("write_canary" not in ctx.state.completed and not ctx.state.data.get("canary_written")):
            return []
        out = [{"kind": "s3_object", "id": f"{inp['source']}/{inp['canary_key']}", "region": inp["source_region"]}]
        out.extend({"kind": "s3_object", "id": f"{name}/{inp['canary_key']}", "region": inp["destinations"][name]} for name in inp["canary_destinations"])
        return out

    def results(self, ctx: Context) -> dict[str, Any]:
        out, inp = ctx.outputs, ctx.inputs
        lag = out.get("await_replica", {})
        sample = ctx.state.data.get("sample") or {}
        rpo: dict[str, Any] = {}
        if lag:
            rpo = {
                "measured_seconds": lag.get("lag_seconds"),
                "max_lag_seconds": inp.get("max_lag_seconds"),
                "canary": f"s3://{inp.get('source')}/{inp.get('canary_key')}",
                "evidence": f"the canary written at {lag.get('written_at')} was found in {', '.join(lag.get('arrivals', {}))} "
                f"{lag.get('lag_seconds')}s later (polled every {self.params.get('poll_interval')}s); source status {lag.get('source_status')}",
            }
        verified = []
        if lag:
            for name, arrival in lag.get("arrivals", {}).items():
                verified.append(
                    f"canary replica in {name} ({arrival['region']}): status {arrival['status']}, same version and sha256, after {arrival['seconds']}s"
                )
        if sample:
            verified.append(
                f"sample of {sample.get('checked')} object(s) compared by sha256: {len(sample.get('ok', []))} ok, "
                f"{len(sample.get('mismatched', []))} mismatched, {len(sample.get('missing', []))} missing, {len(sample.get('pending', []))} pending, "
                f"{len(sample.get('stuck', []))} stuck, {len(sample.get('failed', []))} failed"
            )
            for kind in ("mismatched", "missing", "stuck", "failed", "pending"):
                for item in sample.get(kind, []):
                    verified.append(f"{kind}: {item.get('destination')}/{item['key']}: {item.get('detail')}")
        removed = out.get("remove_canary", {})
        if removed:
            verified.append(f"canary removed ({removed.get('deleted')} version(s)); read back: no version left in {', '.join(removed.get('buckets', []))}")
        return {
            "source": inp.get("source"),
            "destinations": inp.get("destinations"),
            "rules": inp.get("rules"),
            "rpo": rpo,
            "replication_lag": lag,
            "sample": sample,
            "verified": verified,
        }


# ------------------------------------------------------------------ steps
class WriteCanaryStep(Step):
    name = "write_canary"
    description = "PutObject a canary (tagged with the run tags) under a prefix an Enabled rule covers: the run's only write"

    @staticmethod
    def body(ctx: Context) -> bytes:
        return f"slipway replication canary\nrun {ctx.state.data['run_id']}\n".encode()

    def params(self, ctx: Context) -> dict[str, Any]:
        inp = ctx.inputs
        return {
            "Bucket": inp["source"],
            "Key": inp["canary_key"],
            "ContentType": "text/plain",
            "Metadata": {"slipway-run-id": ctx.state.data["run_id"]},
            "Tagging": urllib.parse.urlencode(sorted(inp["canary_tags"].items())),
        }

    def plan(self, ctx: Context) -> list[PlannedCall]:
        return [PlannedCall("s3", "PutObject", {**self.params(ctx), "Body": f"<{len(self.body(ctx))} bytes>"}, region=ctx.inputs["source_region"])]

    def run(self, ctx: Context) -> dict[str, Any]:
        inp = ctx.inputs
        ctx.state.data["canary_written"] = True  # listed for removal from now on, whatever the answer
        started = time.time()
        answer = ctx.call("s3", "PutObject", region=inp["source_region"], Body=self.body(ctx), **self.params(ctx))
        return {
            "key": inp["canary_key"],
            "version_id": answer.get("VersionId"),
            "written_at": iso(utcnow()),
            "started_epoch": started,
            "sha256": hashlib.sha256(self.body(ctx)).hexdigest(),
        }

    def verify(self, ctx: Context) -> dict[str, Any]:
        inp = ctx.inputs
        wrote = ctx.state.completed[self.name]["pending_outputs"]
        got = digest(ctx, inp["source"], inp["canary_key"], inp["source_region"], wrote["version_id"])
        if got is None or got["sha256"] != wrote["sha256"]:
            raise VerifyFailed(f"the canary s3://{inp['source']}/{inp['canary_key']} version {wrote['version_id']} does not read back as written", self.name)
        tags = {
            t["Key"]: t["Value"] for t in ctx.call("s3", "GetObjectTagging", region=inp["source_region"], Bucket=inp["source"], Key=inp["canary_key"])["TagSet"]
        }
        if tags.get(RUN_TAG) != ctx.state.data["run_id"]:
            raise VerifyFailed(f"the canary carries run tag {tags.get(RUN_TAG)!r}, not this run's", self.name)
        if got["status"] not in ("PENDING", "COMPLETED"):
            raise VerifyFailed(
                f"the canary's replication status is {got['status']!r}, not PENDING or COMPLETED: no Enabled rule took it (rule {inp['canary_rule']})",
                self.name,
            )
        return {"version_id": got["version_id"], "sha256": got["sha256"], "status": got["status"], "run_tag": tags.get(RUN_TAG)}


class AwaitReplicaStep(Step):
    name = "await_replica"
    description = "time the canary's arrival in every destination (read in its Region) and the source's status COMPLETED"

    def plan(self, ctx: Context) -> list[PlannedCall]:
        inp = ctx.inputs
        calls = [
            PlannedCall(
                "s3",
                "GetObject",
                {"Bucket": name, "Key": inp["canary_key"], "Range": "bytes=0-0", "note": "polled until found"},
                region=inp["destinations"][name],
            )
            for name in inp["canary_destinations"]
        ]
        calls.append(PlannedCall("s3", "GetObject", {"Bucket": inp["source"], "Key": inp["canary_key"], "Range": "bytes=0-0", "note": "ReplicationStatus"}))
        return calls

    def run(self, ctx: Context) -> dict[str, Any]:
        inp, p = ctx.inputs, ctx.runbook.params
        wrote = ctx.outputs["write_canary"]
        started, version = float(wrote["started_epoch"]), wrote["version_id"]
        deadline = started + inp["max_lag_seconds"]
        poll = float(p.get("poll_interval") or 0.5)
        arrivals: dict[str, dict[str, Any]] = {}
        source: dict[str, Any] | None = None
        while True:
            for name in inp["canary_destinations"]:
                if name in arrivals:
                    continue
                got = peek(ctx, name, inp["canary_key"], inp["destinations"][name], version)
                if got is not None:
                    seconds = round(time.time() - started, 3)
                    arrivals[name] = {"region": inp["destinations"][name], "seconds": seconds, "at": iso(utcnow()), "status": got["status"]}
                    ctx.emit(f"        canary arrived in {name} ({inp['destinations'][name]}) after {seconds}s")
            source = peek(ctx, inp["source"], inp["canary_key"], inp["source_region"], version)
            status = (source or {}).get("status")
            if status == "FAILED":
                raise RunbookError(
                    "ReplicationFailed",
                    f"the canary's replication FAILED (rule {inp['canary_rule']}): S3 could not write it to "
                    f"{', '.join(n for n in inp['canary_destinations'] if n not in arrivals)} (destination missing or not versioned, or the role "
                    f"{inp.get('role')} lacks permissions)",
                    self.name,
                )
            if len(arrivals) == len(inp["canary_destinations"]) and status == "COMPLETED":
                break
            if time.time() > deadline:
                waiting = [n for n in inp["canary_destinations"] if n not in arrivals]
                age = round(time.time() - started, 1)
                raise RunbookError(
                    "ReplicationLagExceeded",
                    f"the canary s3://{inp['source']}/{inp['canary_key']} has not replicated to {', '.join(waiting) or 'every destination'} "
                    f"within max_lag_seconds {inp['max_lag_seconds']}: rule {inp['canary_rule']}, source status {status}, PENDING for {age}s. "
                    "Replication is stalled or slower than the target: check the rule, the role's permissions and the destination "
                    "(S3 metrics OperationsPendingReplication / ReplicationLatency)",
                    self.name,
                )
            time.sleep(poll)
        lag = max(a["seconds"] for a in arrivals.values())
        return {"arrivals": arrivals, "lag_seconds": lag, "written_at": wrote["written_at"], "source_status": status}

    def verify(self, ctx: Context) -> dict[str, Any]:
        inp = ctx.inputs
        wrote = ctx.outputs["write_canary"]
        got = ctx.state.completed[self.name]["pending_outputs"]
        for name in inp["canary_destinations"]:
            replica = digest(ctx, name, inp["canary_key"], inp["destinations"][name], wrote["version_id"])
            if replica is None:
                raise VerifyFailed(f"the canary's replica in {name} does not read back", self.name)
            if replica["status"] != "REPLICA" or replica["sha256"] != wrote["sha256"]:
                raise VerifyFailed(
                    f"the canary in {name} reads back with status {replica['status']} and sha256 {replica['sha256']}, not REPLICA / {wrote['sha256']}",
                    self.name,
                )
        source = peek(ctx, inp["source"], inp["canary_key"], inp["source_region"], wrote["version_id"])
        if (source or {}).get("status") != "COMPLETED":
            raise VerifyFailed(f"the source's canary status reads back {(source or {}).get('status')}, not COMPLETED", self.name)
        if got["lag_seconds"] > inp["max_lag_seconds"]:
            raise VerifyFailed(
                f"replication lag {got['lag_seconds']}s is beyond max_lag_seconds {inp['max_lag_seconds']} (rule {inp['canary_rule']})", self.name
            )
        return {"lag_seconds": got["lag_seconds"], "max_lag_seconds": inp["max_lag_seconds"], "replicas": sorted(got["arrivals"]), "source_status": "COMPLETED"}


class CompareSampleStep(Step):
    name = "compare_sample"
    description = "compare the newest objects the rules cover with their replicas by sha256 of the content (reads only)"

    def plan(self, ctx: Context) -> list[PlannedCall]:
        inp, n = ctx.inputs, int(ctx.runbook.params.get("sample") or 0)
        return [
            PlannedCall(
                "s3", "ListObjectsV2", {"Bucket": inp["source"], "note": f"the newest {n} object(s) the Enabled rules cover"}, region=inp["source_region"]
            ),
            PlannedCall("s3", "GetObject", {"Bucket": inp["source"], "note": "each sampled object, content read for sha256"}, region=inp["source_region"]),
        ] + [
            PlannedCall("s3", "GetObject", {"Bucket": name, "note": "each sampled object's replica"}, region=region)
            for name, region in inp["destinations"].items()
        ]

    def classify(self, ctx: Context, key: str, destination: str) -> dict[str, Any]:
        inp = ctx.inputs
        src = digest(ctx, inp["source"], key, inp["source_region"])
        if src is None:
            return {"key": key, "destination": destination, "result": "gone", "detail": "deleted from the source meanwhile"}
        age = _age(src["last_modified"]) if src.get("last_modified") else None
        status = src["status"]
        item = {
            "key": key,
            "destination": destination,
            "source_version": src["version_id"],
            "source_status": status,
            "source_sha256": src["sha256"],
            "age_seconds": age,
        }
        if status == "FAILED":
            return {**item, "result": "failed", "detail": "source status FAILED: S3 will not retry it (re-upload or S3 Batch Replication)"}
        replica = digest(ctx, destination, key, inp["destinations"][destination])
        if replica is not None:
            item.update(replica_version=replica["version_id"], replica_status=replica["status"], replica_sha256=replica["sha256"])
        if status == "PENDING" and (replica is None or replica["version_id"] != src["version_id"]):
            if age is not None and age > inp["max_lag_seconds"]:
                return {**item, "result": "stuck", "detail": f"PENDING for {age}s, longer than max_lag_seconds {inp['max_lag_seconds']}"}
            return {**item, "result": "pending", "detail": f"PENDING for {age}s (in flight)"}
        if replica is None:
            why = (
                "no replication status: written before the configuration (S3 Batch Replication copies such objects)"
                if not status
                else f"source status {status}"
            )
            return {**item, "result": "missing", "detail": f"absent from {destination}; {why}"}
        if replica["sha256"] != src["sha256"]:
            return {
                **item,
                "result": "mismatched",
                "detail": f"sha256 {replica['sha256'][:16]}... (version {replica['version_id']}, {replica['status']}) != source {src['sha256'][:16]}... "
                f"(version {src['version_id']})",
            }
        note = "" if replica["version_id"] == src["version_id"] else f" (replica version {replica['version_id']} differs from the source's {src['version_id']})"
        return {**item, "result": "ok", "detail": f"sha256 equal{note}"}

    def run(self, ctx: Context) -> dict[str, Any]:
        inp, n = ctx.inputs, int(ctx.runbook.params.get("sample") or 0)
        out: dict[str, Any] = {k: [] for k in ("ok", "mismatched", "missing", "pending", "stuck", "failed", "gone")}
        objects = newest_objects(ctx, n, inp["canary_prefix"]) if n else []
        for obj in objects:
            for destination in obj["destinations"]:
                item = self.classify(ctx, obj["key"], destination)
                out[item["result"]].append(item)
        out["checked"] = len(objects)
        return out

    def verify(self, ctx: Context) -> dict[str, Any]:
        got = ctx.state.completed[self.name]["pending_outputs"]
        # read the bad ones back once more: a replica that arrived meanwhile is not a failure
        for kind in ("mismatched", "missing", "stuck", "failed"):
            for item in list(got[kind]):
                again = self.classify(ctx, item["key"], item["destination"])
                if again["result"] != kind:
                    got[kind].remove(item)
                    got[again["result"]].append(again)
        for kind in ("mismatched", "missing", "stuck", "failed", "pending"):
            for item in got[kind]:
                ctx.emit(f"        {kind:<10} {item['destination']}/{item['key']}: {item['detail']}")
        ctx.state.data["sample"] = got  # in the report also when this step fails
        bad = {kind: [f"{i['destination']}/{i['key']}" for i in got[kind]] for kind in ("mismatched", "missing", "stuck", "failed") if got[kind]}
        if bad:
            raise VerifyFailed("sample differs from the source: " + "; ".join(f"{kind}: {', '.join(keys)}" for kind, keys in bad.items()), self.name)
        return {"checked": got["checked"], "ok": len(got["ok"]), "pending": len(got["pending"])}


class RemoveCanaryStep(Step):
    name = "remove_canary"
    description = "delete every version of the canary in the source and every destination; read back that none is left"

    def buckets(self, ctx: Context) -> list[tuple[str, str]]:
        inp = ctx.inputs
        return [(inp["source"], inp["source_region"])] + [(name, inp["destinations"][name]) for name in inp["canary_destinations"]]

    def plan(self, ctx: Context) -> list[PlannedCall]:
        key = ctx.inputs["canary_key"]
        calls = []
        for bucket, region in self.buckets(ctx):
            calls.append(PlannedCall("s3", "ListObjectVersions", {"Bucket": bucket, "Prefix": key}, region=region))
            calls.append(PlannedCall("s3", "DeleteObject", {"Bucket": bucket, "Key": key, "VersionId": "<each version of the canary>"}, region=region))
        return calls

    def run(self, ctx: Context) -> dict[str, Any]:
        key, deleted = ctx.inputs["canary_key"], 0
        for bucket, region in self.buckets(ctx):
            for version in versions_of(ctx, bucket, key, region):
                ctx.call("s3", "DeleteObject", region=region, Bucket=bucket, Key=key, VersionId=version["VersionId"])
                deleted += 1
        return {"deleted": deleted, "buckets": [b for b, _r in self.buckets(ctx)]}

    def verify(self, ctx: Context) -> dict[str, Any]:
        key = ctx.inputs["canary_key"]
        left = {bucket: len(found) for bucket, region in self.buckets(ctx) if (found := versions_of(ctx, bucket, key, region))}
        if left:
            raise VerifyFailed(f"canary versions left after the removal: {left}", self.name)
        return {"versions_left": 0, "buckets": [b for b, _r in self.buckets(ctx)]}


RUNBOOKS = {S3ReplicationVerifyRunbook.name: S3ReplicationVerifyRunbook}
