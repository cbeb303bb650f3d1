# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runbook backup_restore_test: the scheduled restore drill.

The latest restorable time of a database into a temporary instance, with the source's settings; the data proven by
the smoke query (connect, newest canary row, no row after the recovery point); the settings compared; RTO and RPO
recorded against the targets; the instance removed by the framework on every exit path (it is always a drill), and
what it cost reported. Nothing existing is touched, so there is no confirmation: a scheduler can run it.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from ansible_collections.slipway.aws.plugins.module_utils.dr.core import Context, Step, iso, utcnow
from ansible_collections.slipway.aws.plugins.module_utils.dr.pitr import (
    PARAMS_SPEC,
    CompareStep,
    PitrRunbook,
    RestoreStep,
    SmokeQueryStep,
    WaitAvailableStep,
    describe,
    tags_of,
)
from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError

# Where the outcome of the last drill of an instance is kept (read by the compliance report).
RESTORE_DRILL_TAG = "slipway:restore-drill"

SPEC: dict[str, Any] = {
    k: v for k, v in PARAMS_SPEC.items() if k not in ("restore_time", "target", "drill", "accept_differences") and not k.startswith("cutover")
}
# A temporary instance needs no automated backups of its own; anything else that differs fails the test.
SPEC["accept_differences"] = {"type": "list", "elements": "str", "default": ["backup_retention"]}


class TemporaryRestoreStep(RestoreStep):
    description = "RestoreDBInstanceToPointInTime of the latest restorable time into a temporary instance (a new one: nothing existing is touched)"
    destructive = False


class BackupRestoreTest(PitrRunbook):
    name = "backup_restore_test"
    title = "Backup restore test"
    rto_parts = ("api_available", "application_healthy")
    params_spec: ClassVar[dict[str, dict[str, Any]]] = SPEC

    def __init__(self, params: dict[str, Any]) -> None:
        super().__init__({**params, "restore_time": "latest", "drill": True, "target": None})

    def resolve(self, ctx: Context) -> None:
        super().resolve(ctx)
        suffix = "-restore-test-" + ctx.state.data["run_id"].rsplit("-", 1)[-1]
        base = re.sub(r"-+$", "", self.params["db"][: 63 - len(suffix)])  # an RDS identifier: at most 63, no trailing hyphen
        ctx.inputs["target"] = base + suffix

    def steps(self) -> list[Step]:
        return [TemporaryRestoreStep(), WaitAvailableStep(), SmokeQueryStep(), CompareStep()]

    def drill_resources(self, ctx: Context) -> list[dict[str, str]]:
        target = ctx.inputs.get("target")
        return [{"kind": "rds_instance", "id": target, "region": ctx.aws.region}] if target else []

    def record(self, ctx: Context, status: str) -> dict[str, Any] | None:
        """The outcome as the tag ``slipway:restore-drill`` = ``TIME STATUS RUN_ID`` on the source instance, where the
        compliance report's SLIPWAY.RDS.RestoreDrill reads it (a tag: metadata, the database itself is untouched)."""
        source = describe(ctx, ctx.inputs["source"])
        if source is None:
            return {"note": f"{ctx.inputs['source']} not found: nothing recorded"}
        value = f"{iso(utcnow())} {status} {ctx.state.data['run_id']}"
        ctx.call("rds", "AddTagsToResource", ResourceName=source["DBInstanceArn"], Tags=[{"Key": RESTORE_DRILL_TAG, "Value": value}])
        got = {t["Key"]: t["Value"] for t in tags_of(ctx, source)}.get(RESTORE_DRILL_TAG)
        if got != value:
            raise AwsError("AddTagsToResource", "NotRecorded", f"{RESTORE_DRILL_TAG} on {ctx.inputs['source']} reads {got!r} after the write")
        ctx.emit(f"recorded {RESTORE_DRILL_TAG}={value} on {ctx.inputs['source']}")
        return {"resource": source["DBInstanceArn"], "tag": RESTORE_DRILL_TAG, "value": value}

    def results(self, ctx: Context) -> dict[str, Any]:
        out = super().results(ctx)
        out["recovery_point"] = ctx.inputs.get("restore_time")
        return out


RUNBOOKS = {BackupRestoreTest.name: BackupRestoreTest}
