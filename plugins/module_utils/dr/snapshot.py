# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runbooks rds_snapshot_restore and rds_snapshot_copy.

``rds_snapshot_restore``: restore a DB snapshot (manual or automated; ``latest`` = the newest available one of the
source) as a new instance with the source's settings passed explicitly, then the same read-back as the
point-in-time restore (pitr.py, whose steps and helpers it reuses): wait available -> smoke query (the cut is the
snapshot's SnapshotCreateTime: no canary row after it, RPO = that time - the newest row restored) -> apply what a
restore cannot set -> compare the settings with the source.

``rds_snapshot_copy``: copy a snapshot to another Region, re-encrypted with a KMS key of that Region
(CopyDBSnapshot called in the target Region with the source snapshot's ARN), read the copy back (Encrypted,
KmsKeyId, tags, size), then prove it: restore the copy into a temporary instance in the target Region and run the
smoke query there (no row after the source snapshot's time). The temporary instance is a drill resource.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any, ClassVar

from ansible_collections.slipway.aws.plugins.module_utils.dr.core import (
    ERROR,
    EXPIRY_TAG,
    FAIL,
    PASS,
    RUN_TAG,
    Check,
    Context,
    PlannedCall,
    RunbookError,
    Step,
    VerifyFailed,
    iso,
    parse_time,
    run_tags,
)
from ansible_collections.slipway.aws.plugins.module_utils.dr.pitr import (
    ApplySettingsStep,
    CompareStep,
    PitrRunbook,
    RestoreStep,
    SmokeQueryStep,
    WaitAvailableStep,
    describe,
    settings_of,
    settings_params,
    tags_of,
)
from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError, PreflightError

PROOF_TAG = "slipway:dr-proof-of"
_COMMON: dict[str, Any] = {
    "database": {"type": "str"},
    "smoke_table": {"type": "str"},
    "smoke_column": {"type": "str", "default": "ts"},
    "master_secret": {"type": "str"},
    "drill": {"type": "bool", "default": False},
    "expires_in_hours": {"type": "int", "default": 24},
    "wait_timeout": {"type": "int", "default": 1800},
    "poll_interval": {"type": "float", "default": 1.0},
    "connect_timeout": {"type": "float", "default": 10},
}
RESTORE_SPEC: dict[str, Any] = {
    "db": {"type": "str", "required": True},
    "snapshot": {"type": "str", "default": "latest"},
    "target": {"type": "str"},
    "accept_differences": {"type": "list", "elements": "str", "default": []},
    **_COMMON,
}
COPY_SPEC: dict[str, Any] = {
    "snapshot": {"type": "str", "required": True},
    "target_region": {"type": "str", "required": True},
    "kms_key": {"type": "str", "required": True},
    "target_snapshot": {"type": "str"},
    "prove": {"type": "bool", "default": True},
    "proof_instance": {"type": "str"},
    "keep_proof": {"type": "bool", "default": False},
    # per source instance: database, smoke_table, smoke_column, master_secret (slipway_dr.databases)
    "databases": {"type": "dict", "default": {}},
    **_COMMON,
}
SNAPSHOT_NOT_FOUND = ("DBSnapshotNotFound", "DBSnapshotNotFoundFault")


def describe_snapshot(ctx: Context, ident: str, region: str | None = None) -> dict[str, Any] | None:
    try:
        found = ctx.call("rds", "DescribeDBSnapshots", region=region, DBSnapshotIdentifier=ident).get("DBSnapshots", [])
    except AwsError as exc:
        if exc.code in SNAPSHOT_NOT_FOUND:
            return None
        raise
    return found[0] if found else None


def snapshots_of(ctx: Context, instance: str) -> list[dict[str, Any]]:
    """Every snapshot (manual and automated) of ``instance`` in the run's Region."""
    out: list[dict[str, Any]] = []
    marker = None
    while True:
        page = ctx.call("rds", "DescribeDBSnapshots", DBInstanceIdentifier=instance, **({"Marker": marker} if marker else {}))
        out.extend(page.get("DBSnapshots", []))
        marker = page.get("Marker")
        if not marker:
            return out


def snapshot_tags(ctx: Context, snap: dict[str, Any], region: str | None = None) -> dict[str, str]:
    tags = ctx.call("rds", "ListTagsForResource", region=region, ResourceName=snap["DBSnapshotArn"]).get("TagList", [])
    return {t["Key"]: t["Value"] for t in tags}


def _owned_by_run(ctx: Context, tags: dict[str, str]) -> bool:
    return tags.get(RUN_TAG) == ctx.state.data["run_id"]


def _taken(snap: dict[str, Any]) -> str:
    """The snapshot's SnapshotCreateTime to the microsecond (the cut of the smoke query: no rounding)."""
    if not snap.get("SnapshotCreateTime"):
        return "?"
    return parse_time(snap["SnapshotCreateTime"]).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _snapshot_line(snap: dict[str, Any]) -> str:
    enc = f"encrypted with {snap.get('KmsKeyId')}" if snap.get("Encrypted") else "not encrypted"
    return (
        f"{snap['DBSnapshotIdentifier']} ({snap.get('SnapshotType')}) of {snap.get('DBInstanceIdentifier')}: {snap.get('Status')}, "
        f"taken {_taken(snap)}, {snap.get('AllocatedStorage')} GiB, {enc}"
    )


# ====================================================================== rds_snapshot_restore
class SnapshotRestoreStep(RestoreStep):
    description = "RestoreDBInstanceFromDBSnapshot with the source's settings passed explicitly (the KMS key is the snapshot's)"
    operation = "RestoreDBInstanceFromDBSnapshot"

    def params(self, ctx: Context) -> dict[str, Any]:
        return {"DBInstanceIdentifier": ctx.inputs["target"], "DBSnapshotIdentifier": ctx.inputs["snapshot"], **settings_params(ctx)}


class SnapshotSmokeQueryStep(SmokeQueryStep):
    description = "connect with the master credentials; newest row of the canary table; no row after the snapshot's time"


class SnapshotRestoreRunbook(PitrRunbook):
    name = "rds_snapshot_restore"
    title = "RDS snapshot restore"
    rto_parts = ("api_available", "application_healthy", "cutover")
    params_spec: ClassVar[dict[str, dict[str, Any]]] = RESTORE_SPEC

    def resolve(self, ctx: Context) -> None:
        p = self.params
        if not p.get("db"):
            raise PreflightError("db (the source instance) is required")
        ctx.inputs.update(source=p["db"], target=p.get("target") or f"{p['db']}-snap", snapshot_asked=p.get("snapshot") or "latest")

    def preflight(self, ctx: Context) -> list[Check]:
        inp = ctx.inputs
        try:
            source = describe(ctx, inp["source"])
        except AwsError as exc:
            return [Check("source instance", ERROR, str(exc))]
        if source is None:
            return [Check("source instance", FAIL, f"no DB instance {inp['source']} in {ctx.aws.region} (DBInstanceNotFound): its settings are the restore's")]
        checks = [Check("source instance", PASS, f"{inp['source']}: {source['DBInstanceStatus']}, {source.get('Engine')} {source.get('EngineVersion')}")]
        snap_checks, snap = self._snapshot(ctx)
        checks.extend(snap_checks)
        if snap is None:
            return checks
        if "restore" not in ctx.state.completed:
            target = describe(ctx, inp["target"])
            if target is None:
                checks.append(Check("target absent", PASS, f"no DB instance {inp['target']} yet"))
            else:
                checks.append(Check("target absent", FAIL, f"{inp['target']} exists already ({target['DBInstanceStatus']}); choose another -e target=NAME"))
        # the KMS key that matters is the snapshot's; the other dependencies are the source's settings
        checks.extend(self._dependencies(ctx, {**source, "KmsKeyId": snap.get("KmsKeyId")}))
        checks.append(self._credentials(ctx, source))
        checks.append(self._smoke_check())
        inp["source_settings"] = settings_of(source, tags_of(ctx, source))
        inp["source_subnet_group"] = (source.get("DBSubnetGroup") or {}).get("DBSubnetGroupName")
        return checks

    def _snapshot(self, ctx: Context) -> tuple[list[Check], dict[str, Any] | None]:
        inp = ctx.inputs
        wanted = inp.get("snapshot") or inp["snapshot_asked"]
        try:
            if wanted == "latest":
                every = snapshots_of(ctx, inp["source"])
                ready = [s for s in every if s.get("Status") == "available" and s.get("SnapshotCreateTime")]
                if not ready:
                    return [Check("snapshot", FAIL, f"no available snapshot of {inp['source']} ({len(every)} snapshot(s), none available)")], None
                snap = max(ready, key=lambda s: parse_time(s["SnapshotCreateTime"]))
            else:
                snap = describe_snapshot(ctx, wanted)
        except AwsError as exc:
            return [Check("snapshot", ERROR, str(exc))], None
        if snap is None:
            return [Check("snapshot", FAIL, f"no DB snapshot {wanted} in {ctx.aws.region} (DBSnapshotNotFound); -e snapshot=latest takes the newest")], None
        checks = [Check("snapshot", PASS if snap.get("Status") == "available" else FAIL, _snapshot_line(snap))]
        owner = snap.get("DBInstanceIdentifier")
        if (owner or "").lower() == inp["source"].lower():
            checks.append(Check("snapshot of the source", PASS, f"{snap['DBSnapshotIdentifier']} is a snapshot of {owner}"))
        else:
            checks.append(Check("snapshot of the source", FAIL, f"{snap['DBSnapshotIdentifier']} is a snapshot of {owner}, not of {inp['source']}"))
        inp.update(
            snapshot=snap["DBSnapshotIdentifier"],
            snapshot_arn=snap.get("DBSnapshotArn"),
            snapshot_type=snap.get("SnapshotType"),
            restore_time=_taken(snap),  # the cut: what the snapshot holds is the data as of this time
        )
        return checks, snap

    def steps(self) -> list[Step]:
        return [SnapshotRestoreStep(), WaitAvailableStep(), SnapshotSmokeQueryStep(), ApplySettingsStep(), CompareStep()]

    def results(self, ctx: Context) -> dict[str, Any]:
        out = super().results(ctx)
        smoke = ctx.outputs.get("smoke_query", {})
        if smoke:
            inp, p = ctx.inputs, self.params
            out["rpo"] = {
                "snapshot": inp.get("snapshot"),
                "snapshot_time": inp.get("restore_time"),
                "newest_row": smoke.get("newest_row"),
                "measured_seconds": smoke.get("rpo_seconds"),
                "rows_after_snapshot_time": smoke.get("rows_after"),
                "evidence": f"newest {p.get('smoke_table')}.{p.get('smoke_column')} in the restored database is {smoke.get('newest_row')}; "
                f"snapshot {inp.get('snapshot')} taken {inp.get('restore_time')}; {smoke.get('rows_after')} row(s) after it",
            }
            out["verified"] = [v.replace("after the restore time", "after the snapshot's time") for v in out["verified"]]
        out["snapshot"] = {k: ctx.inputs.get(k) for k in ("snapshot", "snapshot_arn", "snapshot_type")} | {"taken_at": ctx.inputs.get("restore_time")}
        return out

    def drill_resources(self, ctx: Context) -> list[dict[str, str]]:
        target = ctx.inputs.get("target")
        if not target:
            return []
        got = describe(ctx, target)
        if got is None or not _owned_by_run(ctx, {t["Key"]: t["Value"] for t in tags_of(ctx, got)}):
            return []
        return [{"kind": "rds_instance", "id": target, "region": ctx.aws.region}]


# ====================================================================== rds_snapshot_copy
def _default_target_snapshot(source: str, region: str) -> str:
    name = re.sub(r"[^a-z0-9-]+", "-", source.lower()).strip("-")
    return re.sub(r"-+", "-", f"{name}-{region}")[:255].rstrip("-")


def copy_params(ctx: Context) -> dict[str, Any]:
    inp = ctx.inputs
    tags = [{"Key": k, "Value": v} for k, v in sorted((inp.get("source_tags") or {}).items()) if not k.startswith(("slipway:dr", "slipway:restore-drill"))]
    return {
        "SourceDBSnapshotIdentifier": inp["source_snapshot_arn"],
        "TargetDBSnapshotIdentifier": inp["target_snapshot"],
        "KmsKeyId": inp["kms_key_arn"],
        "CopyTags": True,
        # CopyTags copies the source's tags, but AWS copies none when Tags are given: both, explicitly
        "Tags": tags + run_tags(ctx),
        "SourceRegion": inp["source_region"],
    }


class CopyStep(Step):
    name = "copy"
    description = "CopyDBSnapshot in the target Region from the source snapshot's ARN, re-encrypted with the target Region's key"
    destructive = True

    def plan(self, ctx: Context) -> list[PlannedCall]:
        return [PlannedCall("rds", "CopyDBSnapshot", copy_params(ctx), region=ctx.inputs["target_region"])]

    def run(self, ctx: Context) -> dict[str, Any]:
        inp = ctx.inputs
        existing = describe_snapshot(ctx, inp["target_snapshot"], inp["target_region"])
        if existing is not None:
            # this run's copy call answered with an error after creating the copy (or was interrupted)
            if _owned_by_run(ctx, snapshot_tags(ctx, existing, inp["target_region"])):
                return {"adopted": True, "status": existing.get("Status")}
            raise RunbookError("TargetExists", f"{inp['target_snapshot']} exists in {inp['target_region']} and is not this run's", self.name)
        answer = ctx.call("rds", "CopyDBSnapshot", region=inp["target_region"], **copy_params(ctx))["DBSnapshot"]
        return {"status": answer.get("Status"), "arn": answer.get("DBSnapshotArn")}

    def verify(self, ctx: Context) -> dict[str, Any]:
        inp = ctx.inputs
        got = describe_snapshot(ctx, inp["target_snapshot"], inp["target_region"])
        if got is None:
            raise VerifyFailed(f"no DB snapshot {inp['target_snapshot']} in {inp['target_region']} after the copy call", self.name)
        tags = snapshot_tags(ctx, got, inp["target_region"])
        if not _owned_by_run(ctx, tags):
            raise VerifyFailed(f"{inp['target_snapshot']} carries run tag {tags.get(RUN_TAG)!r}, not this run's", self.name)
        return {"status": got.get("Status"), "arn": got.get("DBSnapshotArn"), "region": inp["target_region"], "run_tag": tags[RUN_TAG]}


class WaitCopyStep(Step):
    name = "wait_copy"
    description = "wait until the copy is available in the target Region"
    rto_part = "copy_available"

    def plan(self, ctx: Context) -> list[PlannedCall]:
        return [PlannedCall("rds", "DescribeDBSnapshots", {"DBSnapshotIdentifier": ctx.inputs["target_snapshot"]}, region=ctx.inputs["target_region"])]

    def run(self, ctx: Context) -> dict[str, Any]:
        inp, p = ctx.inputs, ctx.runbook.params
        deadline = time.monotonic() + int(p.get("wait_timeout") or 1800)
        status = None
        while time.monotonic() < deadline:
            got = describe_snapshot(ctx, inp["target_snapshot"], inp["target_region"])
            status = got and got.get("Status")
            if status == "available":
                return {"status": status}
            if status in ("failed", "incompatible-restore", None):
                raise RunbookError("CopyFailed", f"{inp['target_snapshot']} in {inp['target_region']} is {status}", self.name)
            time.sleep(float(p.get("poll_interval") or 1.0))
        raise RunbookError("Timeout", f"{inp['target_snapshot']} still {status} after {p.get('wait_timeout')}s", self.name)

    def verify(self, ctx: Context) -> dict[str, Any]:
        got = describe_snapshot(ctx, ctx.inputs["target_snapshot"], ctx.inputs["target_region"])
        if not got or got.get("Status") != "available":
            raise VerifyFailed(f"{ctx.inputs['target_snapshot']} is not available in {ctx.inputs['target_region']}", self.name)
        return {"status": "available", "snapshot_create_time": _taken(got)}


class ReadBackCopyStep(Step):
    name = "read_back_copy"
    description = "read the copy back in the target Region: encrypted, with the given key, the source's tags, its size"

    def plan(self, ctx: Context) -> list[PlannedCall]:
        inp = ctx.inputs
        return [
            PlannedCall("rds", "DescribeDBSnapshots", {"DBSnapshotIdentifier": inp["target_snapshot"]}, region=inp["target_region"]),
            PlannedCall("rds", "ListTagsForResource", {"ResourceName": f"(the copy's ARN in {inp['target_region']})"}, region=inp["target_region"]),
        ]

    def run(self, ctx: Context) -> dict[str, Any]:
        inp = ctx.inputs
        got = describe_snapshot(ctx, inp["target_snapshot"], inp["target_region"]) or {}
        tags = snapshot_tags(ctx, got, inp["target_region"]) if got else {}
        wanted = {k: v for k, v in (inp.get("source_tags") or {}).items() if not k.startswith(("slipway:dr", "slipway:restore-drill"))}
        return {
            "encrypted": bool(got.get("Encrypted")),
            "kms_key": got.get("KmsKeyId"),
            "tags": {k: v for k, v in tags.items() if not k.startswith(("slipway:dr", "slipway:restore-drill"))},
            "tags_missing": sorted(k for k, v in wanted.items() if tags.get(k) != v),
            "allocated_storage_gib": got.get("AllocatedStorage"),
            "source_allocated_storage_gib": inp.get("source_allocated_storage"),
            "engine_version": got.get("EngineVersion"),
            "original_snapshot_create_time": iso(parse_time(got["OriginalSnapshotCreateTime"])) if got.get("OriginalSnapshotCreateTime") else None,
        }

    def verify(self, ctx: Context) -> dict[str, Any]:
        inp = ctx.inputs
        got = ctx.state.completed[self.name]["pending_outputs"]
        wrong = []
        if not got["encrypted"]:
            wrong.append("the copy is not encrypted")
        if got["kms_key"] != inp["kms_key_arn"]:
            wrong.append(f"the copy's KmsKeyId is {got['kms_key']!r}, not {inp['kms_key_arn']}")
        if got["tags_missing"]:
            wrong.append(f"tags not copied: {', '.join(got['tags_missing'])}")
        if got["allocated_storage_gib"] != inp.get("source_allocated_storage"):
            wrong.append(f"size {got['allocated_storage_gib']} GiB, the source's is {inp.get('source_allocated_storage')} GiB")
        if wrong:
            raise VerifyFailed("; ".join(wrong), self.name)
        return {"encrypted": True, "kms_key": got["kms_key"], "tags": sorted(got["tags"]), "allocated_storage_gib": got["allocated_storage_gib"]}


def proof_params(ctx: Context) -> dict[str, Any]:
    """The proof instance is temporary even when the copy is not a drill: it always carries an expiry (a sweep removes
    it if the run dies before its ``remove_proof`` step)."""
    inp = ctx.inputs
    tags = run_tags(ctx)
    if not any(t["Key"] == EXPIRY_TAG for t in tags):
        hours = int(ctx.runbook.params.get("expires_in_hours") or 24)
        tags.append({"Key": EXPIRY_TAG, "Value": iso(parse_time(ctx.state.data["declared_at"]) + dt.timedelta(hours=hours)) or ""})
    return {
        "DBInstanceIdentifier": inp["target"],
        "DBSnapshotIdentifier": inp["target_snapshot"],
        "DeletionProtection": False,
        "MultiAZ": False,
        "Tags": [*tags, {"Key": PROOF_TAG, "Value": inp["target_snapshot"]}],
    }


class InTargetRegion:
    """Mixin: the step's instance is in the target Region."""

    def region(self, ctx: Context) -> str | None:
        return ctx.inputs["target_region"]


class ProofRestoreStep(InTargetRegion, RestoreStep):
    name = "proof_restore"
    description = "restore the copy into a temporary instance in the target Region (the proof; a new instance, nothing existing is touched)"
    operation = "RestoreDBInstanceFromDBSnapshot"
    destructive = False

    def params(self, ctx: Context) -> dict[str, Any]:
        return proof_params(ctx)


class ProofWaitStep(InTargetRegion, WaitAvailableStep):
    name = "proof_wait_available"
    description = "wait until the proof instance is available (API)"
    rto_part = "proof_available"


class ProofSmokeStep(InTargetRegion, SmokeQueryStep):
    name = "proof_smoke_query"
    description = "connect to the proof instance; newest canary row; no row after the source snapshot's time"
    rto_part = "proof_healthy"


class RemoveProofStep(Step):
    name = "remove_proof"
    description = "delete the proof instance (the copy stays) and read back that it is gone"

    def plan(self, ctx: Context) -> list[PlannedCall]:
        params = {"DBInstanceIdentifier": ctx.inputs["target"], "SkipFinalSnapshot": True, "DeleteAutomatedBackups": True}
        return [PlannedCall("rds", "DeleteDBInstance", params, region=ctx.inputs["target_region"])]

    def run(self, ctx: Context) -> dict[str, Any]:
        from ansible_collections.slipway.aws.plugins.module_utils.dr import drill  # pylint: disable=import-outside-toplevel

        resource = {"kind": "rds_instance", "id": ctx.inputs["target"], "region": ctx.inputs["target_region"]}
        timeout = float(ctx.runbook.params.get("wait_timeout") or 1800)
        return drill.remove(ctx, resource, ctx.state.data["run_id"], timeout=timeout, poll=float(ctx.runbook.params.get("poll_interval") or 1.0))

    def verify(self, ctx: Context) -> dict[str, Any]:
        if describe(ctx, ctx.inputs["target"], ctx.inputs["target_region"]) is not None:
            raise VerifyFailed(f"the proof instance {ctx.inputs['target']} still exists in {ctx.inputs['target_region']}", self.name)
        return {"removed": ctx.inputs["target"], "region": ctx.inputs["target_region"]}


class SnapshotCopyRunbook(PitrRunbook):
    name = "rds_snapshot_copy"
    title = "RDS snapshot cross-Region copy"
    rto_parts = ("copy_available", "proof_available", "proof_healthy")
    params_spec: ClassVar[dict[str, dict[str, Any]]] = COPY_SPEC

    def resolve(self, ctx: Context) -> None:
        p = self.params
        for name in ("snapshot", "target_region", "kms_key"):
            if not p.get(name):
                raise PreflightError(f"{name} is required")
        snapshot = p["snapshot"]
        if snapshot.startswith("arn:"):  # arn:aws:rds:REGION:ACCOUNT:snapshot:NAME (NAME may hold a colon: rds:...)
            parts = snapshot.split(":", 6)
            if len(parts) < 7 or parts[5] != "snapshot":
                raise PreflightError(f"not a DB snapshot ARN: {snapshot}")
            if parts[3] != ctx.aws.region:
                raise PreflightError(f"{snapshot} is in {parts[3]}: run this runbook in that Region (the source Region is the run's, {ctx.aws.region})")
            snapshot = parts[6]
        target_snapshot = p.get("target_snapshot") or _default_target_snapshot(snapshot, p["target_region"])
        proof = p.get("proof_instance") or f"{target_snapshot}-proof"[:63].rstrip("-")
        ctx.inputs.update(
            source_snapshot=snapshot, source_region=ctx.aws.region, target_region=p["target_region"], target_snapshot=target_snapshot, target=proof
        )

    def confirmation_identifier(self, ctx: Context) -> str:
        return ctx.inputs["target_snapshot"]

    def preflight(self, ctx: Context) -> list[Check]:
        p, inp = self.params, ctx.inputs
        src_region, tgt_region = inp["source_region"], inp["target_region"]
        if tgt_region == src_region:
            return [Check("target Region", FAIL, f"the target Region is the source's ({src_region}): this runbook copies to another Region")]
        checks = [Check("target Region", PASS, f"{src_region} -> {tgt_region}")]
        try:
            snap = describe_snapshot(ctx, inp["source_snapshot"])
        except AwsError as exc:
            return [*checks, Check("source snapshot", ERROR, str(exc))]
        if snap is None:
            return [*checks, Check("source snapshot", FAIL, f"no DB snapshot {inp['source_snapshot']} in {src_region} (DBSnapshotNotFound)")]
        checks.append(Check("source snapshot", PASS if snap.get("Status") == "available" else FAIL, _snapshot_line(snap)))
        inp.update(
            source_snapshot_arn=snap["DBSnapshotArn"],
            source_instance=snap.get("DBInstanceIdentifier"),
            source_allocated_storage=snap.get("AllocatedStorage"),
            source_tags=snapshot_tags(ctx, snap),
            restore_time=_taken(snap),  # the proof's cut: the source snapshot's time
            master_username=snap.get("MasterUsername"),
        )
        checks.append(self._key(ctx))
        if "copy" not in ctx.state.completed:
            there = describe_snapshot(ctx, inp["target_snapshot"], tgt_region)
            if there is None:
                checks.append(Check("target snapshot absent", PASS, f"no DB snapshot {inp['target_snapshot']} in {tgt_region} yet"))
            else:
                checks.append(Check("target snapshot absent", FAIL, f"{inp['target_snapshot']} exists in {tgt_region}; choose another -e target_snapshot=NAME"))
        if not p.get("prove"):
            checks.append(Check("proof", PASS, "skipped (-e prove=false): the copy is read back but not restored"))
            return checks
        # the smoke query of the snapshot's instance (slipway_dr.databases[INSTANCE]) unless given
        settings = (p.get("databases") or {}).get(inp["source_instance"] or "", {}) or {}
        for key in ("database", "smoke_table", "smoke_column", "master_secret"):
            if not p.get(key) and settings.get(key):
                p[key] = settings[key]
        if "proof_restore" not in ctx.state.completed:
            there = describe(ctx, inp["target"], tgt_region)
            if there is None:
                checks.append(Check("proof instance absent", PASS, f"no DB instance {inp['target']} in {tgt_region} yet"))
            else:
                checks.append(Check("proof instance absent", FAIL, f"{inp['target']} exists in {tgt_region}; choose another -e proof_instance=NAME"))
        checks.append(self._credentials(ctx, {"MasterUsername": snap.get("MasterUsername")}))
        checks.append(self._smoke_check())
        return checks

    def _key(self, ctx: Context) -> Check:
        inp, key = ctx.inputs, self.params["kms_key"]
        region = inp["target_region"]
        if key.startswith("arn:") and key.split(":")[3:4] != [region]:
            return Check("KMS key in the target Region", FAIL, f"{key} is not a key of {region}: KMS keys are Regional, give one of {region}")
        try:
            meta = ctx.call("kms", "DescribeKey", region=region, KeyId=key)["KeyMetadata"]
        except AwsError as exc:
            status = FAIL if exc.code in ("NotFoundException", "InvalidArnException") else ERROR
            return Check("KMS key in the target Region", status, f"{key} in {region}: {exc.code}: {exc.message}; create the key there or give its ARN")
        inp["kms_key_arn"] = meta["Arn"]
        state = meta.get("KeyState") or ("Enabled" if meta.get("Enabled") else "Disabled")
        if state != "Enabled":
            return Check("KMS key in the target Region", FAIL, f"{meta['Arn']} is {state}, not Enabled")
        return Check("KMS key in the target Region", PASS, f"{meta['Arn']} ({state}, {meta.get('KeyUsage', 'ENCRYPT_DECRYPT')})")

    def steps(self) -> list[Step]:
        steps: list[Step] = [CopyStep(), WaitCopyStep(), ReadBackCopyStep()]
        if self.params.get("prove", True):
            steps += [ProofRestoreStep(), ProofWaitStep(), ProofSmokeStep()]
            if not self.params.get("keep_proof"):
                steps.append(RemoveProofStep())
        return steps

    def results(self, ctx: Context) -> dict[str, Any]:
        inp, out, p = ctx.inputs, ctx.outputs, self.params
        timings = ctx.state.data.get("timings", {})
        copy_seconds = round(sum(timings.get(s, 0) for s in ("copy", "wait_copy")), 3) if "wait_copy" in out else None
        read_back = out.get("read_back_copy", {})
        copy = {
            "source_snapshot": inp.get("source_snapshot_arn"),
            "target_snapshot": inp.get("target_snapshot"),
            "target_region": inp.get("target_region"),
            "kms_key": read_back.get("kms_key"),
            "encrypted": read_back.get("encrypted"),
            "tags": read_back.get("tags"),
            "allocated_storage_gib": read_back.get("allocated_storage_gib"),
            "seconds": copy_seconds,
        }
        verified = []
        if read_back:
            verified.append(f"{inp['target_snapshot']} in {inp['target_region']}: available, encrypted with {read_back.get('kms_key')}, tags copied")
        smoke = out.get("proof_smoke_query", {})
        proof: dict[str, Any] = {"instance": inp.get("target") if p.get("prove") else None, "region": inp.get("target_region")}
        rpo: dict[str, Any] = {}
        if smoke:
            proof.update(
                rto_seconds=round(sum(timings.get(s, 0) for s in ("proof_restore", "proof_wait_available", "proof_smoke_query")), 3),
                newest_row=smoke.get("newest_row"),
                rows=smoke.get("rows"),
                rows_after_snapshot_time=smoke.get("rows_after"),
            )
            rpo = {
                "snapshot_time": inp.get("restore_time"),
                "newest_row": smoke.get("newest_row"),
                "measured_seconds": smoke.get("rpo_seconds"),
                "rows_after_snapshot_time": smoke.get("rows_after"),
                "evidence": f"the copy restored in {inp['target_region']} holds {smoke.get('rows')} canary rows, newest {smoke.get('newest_row')}; "
                f"source snapshot taken {inp.get('restore_time')}; {smoke.get('rows_after')} row(s) after it",
            }
            who = f"connected as {inp.get('master_username')}"
            verified.append(f"restored the copy as {inp['target']} in {inp['target_region']}; {who}; no row after the snapshot's time")
        return {"copy": copy, "proof": proof, "rpo": rpo, "verified": verified}

    def drill_resources(self, ctx: Context) -> list[dict[str, str]]:
        inp = ctx.inputs
        out: list[dict[str, str]] = []
        if inp.get("target") and inp.get("target_region"):
            got = describe(ctx, inp["target"], inp["target_region"])
            if got is not None and _owned_by_run(ctx, {t["Key"]: t["Value"] for t in tags_of(ctx, got, inp["target_region"])}):
                out.append({"kind": "rds_instance", "id": inp["target"], "region": inp["target_region"]})
        return out


RUNBOOKS = {SnapshotRestoreRunbook.name: SnapshotRestoreRunbook, SnapshotCopyRunbook.name: SnapshotCopyRunbook}
