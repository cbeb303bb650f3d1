# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drill resources: found by their run tag, removed at the end of a drill on every exit path, swept when a killed
drill left them behind, and priced.

A run tags what it creates with ``slipway:dr-run-id`` (and, for a drill, ``slipway:drill-expires-at``). At the end of
a drill (success, failure, interrupt) the framework removes what the runbook lists (``drill_resources``) and whatever
else carries the run's tag, and reads back that each is gone. A drill killed outright (SIGKILL, a lost controller)
cannot clean up: the next run sweeps, before its own steps, every drill resource whose expiry has passed or whose run
is known here and is no longer running (finished, or its process on this host is gone). Only resources carrying the
run tag are ever touched.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.dr.core import EXPIRY_TAG, RUN_TAG, Context, holder_alive, iso, parse_time, utcnow
from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError

HOURS_PER_MONTH = 730.0
# RDS bills DB instance hours per second with a 10-minute minimum (RDS pricing page).
RDS_MINIMUM_HOURS = 10 / 60


def _tags(item: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in item.get("TagList") or []}


def _pages(ctx: Context, operation: str, key: str, region: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    marker = None
    while True:
        page = ctx.call("rds", operation, region=region, **params, **({"Marker": marker} if marker else {}))
        items.extend(page.get(key, []))
        marker = page.get("Marker")
        if not marker:
            return items


def tagged(ctx: Context, regions: set[str]) -> list[dict[str, Any]]:
    """Every RDS instance and manual snapshot in ``regions`` carrying a run tag, with what pricing needs."""
    found: list[dict[str, Any]] = []
    for region in sorted(regions):
        for inst in _pages(ctx, "DescribeDBInstances", "DBInstances", region):
            tags = _tags(inst)
            if RUN_TAG in tags:
                found.append(
                    {
                        "kind": "rds_instance",
                        "id": inst["DBInstanceIdentifier"],
                        "region": region,
                        "run_id": tags[RUN_TAG],
                        "expires_at": tags.get(EXPIRY_TAG),
                        "created_at": iso(parse_time(inst["InstanceCreateTime"])) if inst.get("InstanceCreateTime") else None,
                        "instance_class": inst.get("DBInstanceClass"),
                        "storage_gb": inst.get("AllocatedStorage"),
                    }
                )
        for snap in _pages(ctx, "DescribeDBSnapshots", "DBSnapshots", region, SnapshotType="manual"):
            tags = _tags(snap)
            if RUN_TAG in tags:
                found.append(
                    {
                        "kind": "rds_snapshot",
                        "id": snap["DBSnapshotIdentifier"],
                        "region": region,
                        "run_id": tags[RUN_TAG],
                        "expires_at": tags.get(EXPIRY_TAG),
                        "created_at": iso(parse_time(snap["SnapshotCreateTime"])) if snap.get("SnapshotCreateTime") else None,
                        "storage_gb": snap.get("AllocatedStorage"),
                    }
                )
    return found


def regions_of(ctx: Context, listed: list[dict[str, Any]]) -> set[str]:
    """The run's Region, the Regions of what the runbook listed, and any Region among its parameters."""
    regions = {ctx.aws.region} | {r["region"] for r in listed if r.get("region")}
    for name, value in ctx.runbook.params.items():
        if name.endswith("region") and isinstance(value, str) and value:
            regions.add(value)
    return regions


# ------------------------------------------------------------------ removal with read-back
def _gone(ctx: Context, resource: dict[str, Any]) -> bool:
    kind, ident, region = resource["kind"], resource["id"], resource.get("region")
    try:
        if kind == "rds_instance":
            ctx.call("rds", "DescribeDBInstances", region=region, DBInstanceIdentifier=ident)
        elif kind == "rds_snapshot":
            ctx.call("rds", "DescribeDBSnapshots", region=region, DBSnapshotIdentifier=ident)
        else:
            bucket, key = ident.split("/", 1)
            listed = ctx.call("s3", "ListObjectVersions", region=region, Bucket=bucket, Prefix=key)
            return not [v for v in listed.get("Versions", []) + listed.get("DeleteMarkers", []) if v["Key"] == key]
    except AwsError as exc:
        if exc.code in ("DBInstanceNotFound", "DBInstanceNotFoundFault", "DBSnapshotNotFound", "DBSnapshotNotFoundFault", "NoSuchBucket"):
            return True
        raise
    return False


def _owned(ctx: Context, resource: dict[str, Any], run_id: str) -> dict[str, Any] | None:
    """The resource's description when it carries ``run_id``'s tag; None when it is gone. Never touch another's."""
    kind, ident, region = resource["kind"], resource["id"], resource.get("region")
    try:
        if kind == "rds_instance":
            item = ctx.call("rds", "DescribeDBInstances", region=region, DBInstanceIdentifier=ident)["DBInstances"][0]
        else:
            item = ctx.call("rds", "DescribeDBSnapshots", region=region, DBSnapshotIdentifier=ident)["DBSnapshots"][0]
    except AwsError as exc:
        if "NotFound" in exc.code:
            return None
        raise
    tags = _tags(item)
    if not tags and "TagList" not in item:
        arn = item.get("DBInstanceArn") or item.get("DBSnapshotArn")
        tags = {t["Key"]: t["Value"] for t in ctx.call("rds", "ListTagsForResource", region=region, ResourceName=arn).get("TagList", [])}
    if tags.get(RUN_TAG) != run_id:
        raise AwsError("DeleteDrillResource", "NotThisRunsResource", f"{kind} {ident} carries run tag {tags.get(RUN_TAG)!r}, not {run_id!r}: left alone")
    return item


def remove(ctx: Context, resource: dict[str, Any], run_id: str, timeout: float = 600, poll: float = 1.0) -> dict[str, Any]:
    """Delete one drill resource of ``run_id`` and wait until a read says it is gone. Returns what happened."""
    kind, ident, region = resource["kind"], resource["id"], resource.get("region") or ctx.aws.region
    out = {**resource, "region": region, "removed": False}
    if kind in ("rds_instance", "rds_snapshot"):
        item = _owned(ctx, resource, run_id)
        if item is None:
            out.update(removed=True, note="already gone")
            return out
        if kind == "rds_instance":
            out.setdefault("created_at", iso(parse_time(item["InstanceCreateTime"])) if item.get("InstanceCreateTime") else None)
            out.setdefault("instance_class", item.get("DBInstanceClass"))
            if item.get("DeletionProtection"):
                ctx.call("rds", "ModifyDBInstance", region=region, DBInstanceIdentifier=ident, DeletionProtection=False, ApplyImmediately=True)
            if item.get("DBInstanceStatus") != "deleting":
                ctx.call("rds", "DeleteDBInstance", region=region, DBInstanceIdentifier=ident, SkipFinalSnapshot=True, DeleteAutomatedBackups=True)
        else:
            out.setdefault("created_at", iso(parse_time(item["SnapshotCreateTime"])) if item.get("SnapshotCreateTime") else None)
            out.setdefault("storage_gb", item.get("AllocatedStorage"))
            ctx.call("rds", "DeleteDBSnapshot", region=region, DBSnapshotIdentifier=ident)
    elif kind == "s3_object":
        bucket, key = ident.split("/", 1)
        listed = ctx.call("s3", "ListObjectVersions", region=region, Bucket=bucket, Prefix=key)
        for version in listed.get("Versions", []) + listed.get("DeleteMarkers", []):
            if version["Key"] == key:
                ctx.call("s3", "DeleteObject", region=region, Bucket=bucket, Key=key, VersionId=version["VersionId"])
    else:
        raise AwsError("DeleteDrillResource", "UnknownKind", f"unknown drill resource kind {kind!r}")
    deadline = time.monotonic() + timeout
    while not _gone(ctx, out):
        if time.monotonic() > deadline:
            raise AwsError("DeleteDrillResource", "Timeout", f"{kind} {ident} in {region} still exists {timeout:.0f}s after its deletion")
        time.sleep(poll)
    out.update(removed=True, removed_at=iso(utcnow()))
    return out


def cleanup(ctx: Context, run_id: str) -> dict[str, Any]:
    """Remove everything this run created (listed by the runbook or carrying its tag); never raises."""
    removed: list[dict[str, Any]] = []
    left: list[dict[str, Any]] = []
    try:
        listed = [dict(r) for r in ctx.runbook.drill_resources(ctx)]
    except Exception as exc:  # noqa: BLE001  the tag search below still finds them
        listed = []
        left.append({"kind": "?", "id": "?", "error": f"drill_resources: {exc}"})
    try:
        found = [r for r in tagged(ctx, regions_of(ctx, listed)) if r["run_id"] == run_id]
    except AwsError as exc:
        found = []
        left.append({"kind": "?", "id": "?", "error": f"could not list tagged resources: {exc}"})
    seen: set[tuple[str, str, str]] = set()
    for resource in listed + found:
        region = resource.get("region") or ctx.aws.region
        key = (resource["kind"], resource["id"], region)
        if key in seen:
            continue
        seen.add(key)
        try:
            removed.append(remove(ctx, {**resource, "region": region}, run_id))
            ctx.emit(f"drill removed {resource['kind']} {resource['id']} ({region})")
        except AwsError as exc:
            left.append({**resource, "region": region, "error": str(exc)})
            ctx.emit(f"FAIL  drill could not remove {resource['kind']} {resource['id']} ({region}): {exc}")
    ctx.audit.write("drill_cleanup", removed=[r["id"] for r in removed], left=left)
    return {"removed": removed, "left": left}


# ------------------------------------------------------------------ the sweep of what killed drills left
def _run_finished(reports_dir: str, run_id: str) -> bool | None:
    """True when the run is known here and no longer running; None when it is not known here."""
    path = os.path.join(reports_dir, "runs", run_id, "state.json")
    try:
        with open(path, encoding="utf-8") as handle:
            state = json.load(handle)
    except (OSError, ValueError):
        return None
    if state.get("status") != "running":
        return True
    return holder_alive(state.get("holder") or {}) is False  # on another host (None): only its expiry frees it


def orphans(ctx: Context, reports_dir: str, run_id: str) -> list[dict[str, Any]]:
    """Drill resources of other runs that may go: expired, or of a run known here that is no longer running."""
    now = utcnow()
    out = []
    for resource in tagged(ctx, regions_of(ctx, [])):
        if resource["run_id"] == run_id or not resource.get("expires_at"):
            continue  # this run's own, or not a drill's (a real recovery's resources are never swept)
        try:
            expired = parse_time(resource["expires_at"]) <= now
        except Exception:  # noqa: BLE001  a mangled tag is not an expiry
            expired = False
        if expired or _run_finished(reports_dir, resource["run_id"]):
            out.append({**resource, "why": "its expiry passed" if expired else "its run is no longer running"})
    return out


def sweep(ctx: Context, reports_dir: str, run_id: str) -> dict[str, Any]:
    swept, left = [], []
    for resource in orphans(ctx, reports_dir, run_id):
        try:
            swept.append({**remove(ctx, resource, resource["run_id"]), "why": resource["why"]})
            ctx.emit(f"sweep removed {resource['kind']} {resource['id']} ({resource['region']}) of run {resource['run_id']}: {resource['why']}")
        except AwsError as exc:
            left.append({**resource, "error": str(exc)})
            ctx.emit(f"FAIL  sweep could not remove {resource['kind']} {resource['id']}: {exc}")
    if swept or left:
        ctx.audit.write("sweep", removed=[r["id"] for r in swept], left=left)
    return {"swept": swept, "left": left}


# ------------------------------------------------------------------ what a drill cost
def cost(resources: list[dict[str, Any]], prices: dict[str, Any], now: dt.datetime | None = None) -> dict[str, Any]:
    """List-price cost of the removed drill resources, from the inventory's prices (USD)."""
    now = now or utcnow()
    items, notes, total = [], [], 0.0
    instance_prices = prices.get("rds_instance_hour") or {}
    for r in resources:
        if not r.get("created_at"):
            continue
        ended = parse_time(r["removed_at"]) if r.get("removed_at") else now
        hours = max(0.0, (ended - parse_time(r["created_at"])).total_seconds() / 3600)
        if r["kind"] == "rds_instance":
            price = instance_prices.get(r.get("instance_class") or "", instance_prices.get("default"))
            billed = max(hours, RDS_MINIMUM_HOURS)
            if price is None:
                notes.append(f"no price for {r.get('instance_class')} in slipway_dr.prices.rds_instance_hour")
                continue
            usd = billed * float(price)
            items.append({"resource": r["id"], "kind": r["kind"], "instance_hours": round(billed, 4), "usd": round(usd, 6)})
        elif r["kind"] == "rds_snapshot":
            price = prices.get("rds_snapshot_gb_month")
            if price is None or not r.get("storage_gb"):
                notes.append(f"no snapshot storage price or size for {r['id']}")
                continue
            gb_months = float(r["storage_gb"]) * hours / HOURS_PER_MONTH
            usd = gb_months * float(price)
            items.append({"resource": r["id"], "kind": r["kind"], "gb_months": round(gb_months, 6), "usd": round(usd, 6)})
        else:
            continue
        total += usd
    return {"currency": "USD", "total": round(total, 6), "items": items, "notes": notes, "basis": "list prices in slipway_dr.prices"}
