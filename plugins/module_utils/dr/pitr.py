# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runbook rds_point_in_time_restore: restore an RDS instance to a time T as a new instance, prove it.

Steps: restore (the source's settings passed explicitly: AWS's restore gives the default security group,
parameter group and no tags) -> wait available -> smoke query (connect with the master credentials, newest row of
the canary table: RPO = T - that row, no row after T) -> apply what a restore cannot set (BackupRetentionPeriod, ...)
-> compare the settings with the source. ``restore_time: latest`` is resolved to the source's LatestRestorableTime
at preflight, so the restore and the RPO use one T.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any, ClassVar

from ansible_collections.slipway.aws.plugins.module_utils.dr import cutover
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

# Settings compared between the source and the restored instance (what AWS's restore does not carry over among them).
COMPARED = (
    "security_groups",
    "parameter_group",
    "option_group",
    "subnet_group",
    "kms_key",
    "storage_encrypted",
    "tags",
    "iam_authentication",
    "deletion_protection",
    "backup_retention",
    "copy_tags_to_snapshot",
    "instance_class",
)
PARAMS_SPEC: dict[str, Any] = {
    "db": {"type": "str", "required": True},
    "restore_time": {"type": "str", "default": "latest"},
    "target": {"type": "str"},
    "database": {"type": "str"},
    "smoke_table": {"type": "str"},
    "smoke_column": {"type": "str", "default": "ts"},
    "master_secret": {"type": "str"},
    "accept_differences": {"type": "list", "elements": "str", "default": []},
    "drill": {"type": "bool", "default": False},
    "expires_in_hours": {"type": "int", "default": 24},
    "wait_timeout": {"type": "int", "default": 1800},
    "poll_interval": {"type": "float", "default": 1.0},
    "connect_timeout": {"type": "float", "default": 10},
    **cutover.PARAMS,
}


def settings_of(instance: dict[str, Any], tags: list[dict[str, str]]) -> dict[str, Any]:
    """The compared settings of one DescribeDBInstances entry (and its ListTagsForResource tags)."""
    return {
        "security_groups": sorted(g["VpcSecurityGroupId"] for g in instance.get("VpcSecurityGroups", [])),
        "parameter_group": sorted(g["DBParameterGroupName"] for g in instance.get("DBParameterGroups", [])),
        "option_group": sorted(g["OptionGroupName"] for g in instance.get("OptionGroupMemberships", [])),
        "subnet_group": (instance.get("DBSubnetGroup") or {}).get("DBSubnetGroupName"),
        "kms_key": instance.get("KmsKeyId"),
        "storage_encrypted": bool(instance.get("StorageEncrypted")),
        "tags": {t["Key"]: t["Value"] for t in tags if not t["Key"].startswith(("slipway:dr", "slipway:restore-drill"))},
        "iam_authentication": bool(instance.get("IAMDatabaseAuthenticationEnabled")),
        "deletion_protection": bool(instance.get("DeletionProtection")),
        "backup_retention": instance.get("BackupRetentionPeriod"),
        "copy_tags_to_snapshot": bool(instance.get("CopyTagsToSnapshot")),
        "instance_class": instance.get("DBInstanceClass"),
    }


def describe(ctx: Context, ident: str, region: str | None = None) -> dict[str, Any] | None:
    try:
        return ctx.call("rds", "DescribeDBInstances", region=region, DBInstanceIdentifier=ident)["DBInstances"][0]
    except AwsError as exc:
        if exc.code == "DBInstanceNotFound":
            return None
        raise


def tags_of(ctx: Context, instance: dict[str, Any], region: str | None = None) -> list[dict[str, str]]:
    return ctx.call("rds", "ListTagsForResource", region=region, ResourceName=instance["DBInstanceArn"]).get("TagList", [])


def _as_time(value: Any) -> dt.datetime | None:
    return parse_time(value) if value else None


class PitrRunbook(Runbook):
    name = "rds_point_in_time_restore"
    title = "RDS point-in-time restore"
    rto_parts = ("api_available", "application_healthy", "cutover")
    params_spec: ClassVar[dict[str, dict[str, Any]]] = PARAMS_SPEC

    # ------------------------------------------------------------ inputs
    def resolve(self, ctx: Context) -> None:
        p = self.params
        if not p.get("db"):
            raise PreflightError("db (the source instance) is required")
        target = p.get("target") or f"{p['db']}-pitr"
        ctx.inputs.update(source=p["db"], target=target, restore_time_asked=p.get("restore_time") or "latest")
        if ctx.inputs["restore_time_asked"] != "latest":
            ctx.inputs["restore_time"] = iso(parse_time(ctx.inputs["restore_time_asked"]))

    def confirmation_identifier(self, ctx: Context) -> str:
        return ctx.inputs["target"]

    def already_done(self, ctx: Context) -> str | None:
        """The target exists, made by a run of this runbook with the same parameters that succeeded: a second run
        of the same command changes nothing (a drill's target is gone at its end, so a drill always runs)."""
        target = describe(ctx, ctx.inputs["target"])
        if target is None:
            return None
        run_id = {t["Key"]: t["Value"] for t in tags_of(ctx, target)}.get(RUN_TAG)
        earlier = ctx.earlier_run(run_id) if run_id else None
        if not earlier or earlier.get("runbook") != self.name or earlier.get("status") != "succeeded":
            return None
        return run_id if earlier.get("params") == self.params else None

    # ------------------------------------------------------------ preflight (reads only)
    def preflight(self, ctx: Context) -> list[Check]:
        inp = ctx.inputs
        checks: list[Check] = []
        try:
            source = describe(ctx, inp["source"])
        except AwsError as exc:
            return [Check("source instance", ERROR, str(exc))]
        if source is None:
            return [Check("source instance", FAIL, f"no DB instance {inp['source']} in {ctx.aws.region} (DBInstanceNotFound)")]
        checks.append(
            Check(
                "source instance",
                PASS if source["DBInstanceStatus"] == "available" else FAIL,
                f"{inp['source']}: {source['DBInstanceStatus']}, {source.get('Engine')} {source.get('EngineVersion')}, {source.get('DBInstanceClass')}",
            )
        )
        retention = source.get("BackupRetentionPeriod") or 0
        checks.append(Check("automated backups", PASS if retention > 0 else FAIL, f"BackupRetentionPeriod {retention} day(s)"))
        restore_done = "restore" in ctx.state.completed
        if not restore_done:
            checks.append(self._window(ctx, source))
            checks.append(self._rpo(ctx, source))
            target = describe(ctx, inp["target"])
            if target is None:
                checks.append(Check("target absent", PASS, f"no DB instance {inp['target']} yet"))
            else:
                checks.append(Check("target absent", FAIL, f"{inp['target']} exists already ({target['DBInstanceStatus']}); choose another -e target=NAME"))
        checks.extend(self._dependencies(ctx, source))
        checks.append(self._credentials(ctx, source))
        checks.append(self._smoke_check())
        if self.params.get("cutover"):
            checks.extend(cutover.preflight(ctx))
        ctx.inputs["source_settings"] = settings_of(source, tags_of(ctx, source))
        ctx.inputs["source_subnet_group"] = (source.get("DBSubnetGroup") or {}).get("DBSubnetGroupName")
        return checks

    def _window(self, ctx: Context, source: dict[str, Any]) -> Check:
        inp = ctx.inputs
        latest = _as_time(source.get("LatestRestorableTime"))
        earliest = _as_time(source.get("InstanceCreateTime"))
        try:
            backups = ctx.call("rds", "DescribeDBInstanceAutomatedBackups", DBInstanceIdentifier=inp["source"]).get("DBInstanceAutomatedBackups", [])
            window = (backups[0].get("RestoreWindow") or {}) if backups else {}
            if window.get("EarliestTime"):
                earliest = max(filter(None, [earliest, _as_time(window["EarliestTime"])]))
        except AwsError:
            pass  # the instance's creation time is then the lower bound
        if latest is None:
            return Check("restorable window", FAIL, f"{inp['source']} has no LatestRestorableTime yet (no WAL archived)")
        if inp["restore_time_asked"] == "latest":
            inp["restore_time"] = iso(latest)
        when = parse_time(inp["restore_time"])
        span = f"window [{iso(earliest)}, {iso(latest)}]"
        if (earliest and when <= earliest) or when > latest:
            return Check("restorable window", FAIL, f"restore time {iso(when)} is outside the restorable {span}")
        return Check("restorable window", PASS, f"restore time {iso(when)} inside the {span}")

    def _rpo(self, ctx: Context, source: dict[str, Any]) -> Check:
        target = (ctx.state.data.get("targets") or {}).get("rpo_seconds")
        latest = _as_time(source.get("LatestRestorableTime"))
        if latest is None:
            return Check("RPO target", FAIL, "no LatestRestorableTime")
        lag = round((utcnow() - latest).total_seconds(), 3)
        if target is None:
            return Check("RPO target", PASS, f"LatestRestorableTime trails now by {lag}s (no RPO target set)")
        ok = lag <= float(target)
        return Check("RPO target", PASS if ok else FAIL, f"LatestRestorableTime trails now by {lag}s; target {target}s")

    def _dependencies(self, ctx: Context, source: dict[str, Any]) -> list[Check]:
        checks = []

        def probe(name: str, what: str, fn: Any) -> None:
            try:
                fn()
                checks.append(Check(name, PASS, f"{what} exists in {ctx.aws.region}"))
            except AwsError as exc:
                status = FAIL if "NotFound" in exc.code or exc.code in ("InvalidGroup.NotFound", "InvalidGroupId.Malformed") else ERROR
                checks.append(Check(name, status, f"{what}: {exc.code}: {exc.message}"))

        if source.get("KmsKeyId"):
            probe("KMS key", source["KmsKeyId"], lambda: ctx.call("kms", "DescribeKey", KeyId=source["KmsKeyId"]))
        else:
            checks.append(Check("KMS key", PASS, "source is not encrypted with a KMS key"))
        subnet = (source.get("DBSubnetGroup") or {}).get("DBSubnetGroupName")
        if subnet:
            probe("subnet group", subnet, lambda: ctx.call("rds", "DescribeDBSubnetGroups", DBSubnetGroupName=subnet))
        else:
            checks.append(Check("subnet group", PASS, "source has no DB subnet group (default VPC)"))
        groups = [g["VpcSecurityGroupId"] for g in source.get("VpcSecurityGroups", [])]
        if groups:
            probe("security groups", ", ".join(groups), lambda: ctx.call("ec2", "DescribeSecurityGroups", GroupIds=groups))
        for group in source.get("DBParameterGroups", []):
            name = group["DBParameterGroupName"]
            probe("parameter group", name, lambda n=name: ctx.call("rds", "DescribeDBParameterGroups", DBParameterGroupName=n))
        return checks

    def _smoke_check(self) -> Check:
        p = self.params
        if not (p.get("smoke_table") and p.get("database")):
            return Check("smoke query", FAIL, "no database / canary table for this instance: set slipway_dr.databases[DB].database and .smoke_table")
        return Check("smoke query", PASS, f"newest {p['smoke_column']} of {p['database']}.{p['smoke_table']}")

    def _credentials(self, ctx: Context, source: dict[str, Any]) -> Check:
        secret = self.params.get("master_secret") or (source.get("MasterUserSecret") or {}).get("SecretArn")
        if not secret:
            return Check("master credentials", FAIL, "no master secret: the instance has no managed secret; set slipway_dr.databases[DB].master_secret")
        try:
            ctx.call("secretsmanager", "DescribeSecret", SecretId=secret)
        except AwsError as exc:
            return Check("master credentials", FAIL if exc.code == "ResourceNotFoundException" else ERROR, f"{secret}: {exc.code}")
        ctx.inputs["master_secret"] = secret
        ctx.inputs["master_username"] = source.get("MasterUsername")
        return Check("master credentials", PASS, f"secret {secret} (user {source.get('MasterUsername')})")

    # ------------------------------------------------------------ steps
    def steps(self) -> list[Step]:
        steps: list[Step] = [RestoreStep(), WaitAvailableStep(), SmokeQueryStep(), ApplySettingsStep(), CompareStep()]
        if self.params.get("cutover"):
            steps += [cutover.RepointStep(), cutover.RestartConsumersStep()]
        return steps

    def results(self, ctx: Context) -> dict[str, Any]:
        out = ctx.outputs
        smoke = out.get("smoke_query", {})
        rpo: dict[str, Any] = {}
        if smoke:
            rpo = {
                "restore_time": ctx.inputs.get("restore_time"),
                "newest_row": smoke.get("newest_row"),
                "measured_seconds": smoke.get("rpo_seconds"),
                "rows_after_restore_time": smoke.get("rows_after"),
                "evidence": f"newest {self.params.get('smoke_table')}.{self.params.get('smoke_column')} in the restored database is "
                f"{smoke.get('newest_row')}; restore time {ctx.inputs.get('restore_time')}; {smoke.get('rows_after')} row(s) after it",
            }
        verified = []
        if "wait_available" in out:
            verified.append(f"{ctx.inputs['target']} is available at {out['wait_available'].get('endpoint')}")
        if smoke:
            who = f"connected as {ctx.inputs.get('master_username')} to {self.params.get('database')}"
            verified.append(f"{who}; {smoke.get('rows')} canary rows, newest {smoke.get('newest_row')}")
            verified.append("no row after the restore time")
        if "compare_settings" in out:
            verified.append(f"settings compared with the source: {', '.join(COMPARED)}")
        if "repoint" in out:
            verified.append(f"connection parameter / secret read back pointing at {out['repoint'].get('host')}:{out['repoint'].get('port')}")
        if "restart_consumers" in out:
            verified.append(f"consumers restarted, each on a new COMPLETED deployment: {', '.join(sorted(out['restart_consumers'].get('services', {})))}")
        extra: dict[str, Any] = {}
        if self.params.get("cutover"):
            extra["cutover"] = {"repoint": out.get("repoint"), "restart_consumers": out.get("restart_consumers"), "undo": cutover.undo(out)}
        return {
            **extra,
            "source": ctx.inputs.get("source"),
            "target": ctx.inputs.get("target"),
            "rpo": rpo,
            "differences": out.get("compare_settings", {}).get("differences", []),
            "verified": verified,
        }


def restore_params(ctx: Context) -> dict[str, Any]:
    inp = ctx.inputs
    return {
        "SourceDBInstanceIdentifier": inp["source"],
        "TargetDBInstanceIdentifier": inp["target"],
        "RestoreTime": parse_time(inp["restore_time"]),
        **settings_params(ctx),
    }


def settings_params(ctx: Context) -> dict[str, Any]:
    """The source's settings as restore parameters (any restore: AWS's restore does not carry them over)."""
    inp = ctx.inputs
    src = inp["source_settings"]
    tags = [{"Key": k, "Value": v} for k, v in sorted(src["tags"].items())]
    tags.extend(run_tags(ctx))
    params: dict[str, Any] = {
        "DBInstanceClass": src["instance_class"],
        "VpcSecurityGroupIds": src["security_groups"],
        "Tags": tags,
        "CopyTagsToSnapshot": src["copy_tags_to_snapshot"],
        "DeletionProtection": src["deletion_protection"],
        "EnableIAMDatabaseAuthentication": src["iam_authentication"],
    }
    if src["parameter_group"]:
        params["DBParameterGroupName"] = src["parameter_group"][0]
    if src["option_group"] and not src["option_group"][0].startswith("default:"):  # the engine's default is the restore's too
        params["OptionGroupName"] = src["option_group"][0]
    if inp.get("source_subnet_group"):
        params["DBSubnetGroupName"] = inp["source_subnet_group"]
    if not params["VpcSecurityGroupIds"]:
        del params["VpcSecurityGroupIds"]
    return params


class RestoreStep(Step):
    """Create ``inputs['target']`` by ``operation`` with ``params(ctx)`` in ``region(ctx)`` (None: the run's)."""

    name = "restore"
    description = "RestoreDBInstanceToPointInTime with the source's settings passed explicitly"
    destructive = True
    operation = "RestoreDBInstanceToPointInTime"

    def params(self, ctx: Context) -> dict[str, Any]:
        return restore_params(ctx)

    def region(self, ctx: Context) -> str | None:
        return None

    def plan(self, ctx: Context) -> list[PlannedCall]:
        return [PlannedCall("rds", self.operation, self.params(ctx), region=self.region(ctx))]

    def run(self, ctx: Context) -> dict[str, Any]:
        region = self.region(ctx)
        existing = describe(ctx, ctx.inputs["target"], region)
        if existing is not None:
            # a restore call of this run that answered with an error after creating the instance (or an interrupt)
            if {t["Key"]: t["Value"] for t in tags_of(ctx, existing, region)}.get(RUN_TAG) == ctx.state.data["run_id"]:
                return {"adopted": True, "status": existing["DBInstanceStatus"]}
            raise RunbookError("TargetExists", f"{ctx.inputs['target']} exists and is not this run's", self.name)
        answer = ctx.call("rds", self.operation, region=region, **self.params(ctx))["DBInstance"]
        return {"status": answer["DBInstanceStatus"], "arn": answer.get("DBInstanceArn")}

    def verify(self, ctx: Context) -> dict[str, Any]:
        region = self.region(ctx)
        got = describe(ctx, ctx.inputs["target"], region)
        if got is None:
            raise VerifyFailed(f"{ctx.inputs['target']} does not exist after the restore call", self.name)
        run = {t["Key"]: t["Value"] for t in tags_of(ctx, got, region)}.get(RUN_TAG)
        if run != ctx.state.data["run_id"]:
            raise VerifyFailed(f"{ctx.inputs['target']} carries run tag {run!r}, not this run's", self.name)
        return {"status": got["DBInstanceStatus"], "run_tag": run}


class WaitAvailableStep(Step):
    name = "wait_available"
    description = "wait until the restored instance is available (API)"
    rto_part = "api_available"

    def region(self, ctx: Context) -> str | None:
        return None

    def plan(self, ctx: Context) -> list[PlannedCall]:
        return [PlannedCall("rds", "DescribeDBInstances", {"DBInstanceIdentifier": ctx.inputs["target"]}, region=self.region(ctx))]

    def run(self, ctx: Context) -> dict[str, Any]:
        p = ctx.runbook.params
        deadline = time.monotonic() + int(p.get("wait_timeout") or 1800)
        status = None
        while time.monotonic() < deadline:
            got = describe(ctx, ctx.inputs["target"], self.region(ctx))
            status = got and got["DBInstanceStatus"]
            if status == "available":
                return {"endpoint": f"{got['Endpoint']['Address']}:{got['Endpoint']['Port']}"}
            if status in ("failed", "incompatible-restore", "incompatible-parameters", None):
                raise RunbookError("RestoreFailed", f"{ctx.inputs['target']} is {status}", self.name)
            time.sleep(float(p.get("poll_interval") or 1.0))
        raise RunbookError("Timeout", f"{ctx.inputs['target']} still {status} after {p.get('wait_timeout')}s", self.name)

    def verify(self, ctx: Context) -> dict[str, Any]:
        got = describe(ctx, ctx.inputs["target"], self.region(ctx))
        if not got or got["DBInstanceStatus"] != "available" or not got.get("Endpoint"):
            raise VerifyFailed(f"{ctx.inputs['target']} is not available with an endpoint", self.name)
        return {"status": "available", "endpoint": f"{got['Endpoint']['Address']}:{got['Endpoint']['Port']}"}


def master_password(ctx: Context) -> str:
    value = ctx.call("secretsmanager", "GetSecretValue", SecretId=ctx.inputs["master_secret"])["SecretString"]
    try:
        parsed = json.loads(value)
    except ValueError:
        return value
    return parsed.get("password", value) if isinstance(parsed, dict) else value


def _ident(name: str) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))


class SmokeQueryStep(Step):
    name = "smoke_query"
    description = "connect with the master credentials; newest row of the canary table; no row after T"
    rto_part = "application_healthy"

    def region(self, ctx: Context) -> str | None:
        """Where the instance is (None: the run's Region); the master secret is read in the run's Region."""
        return None

    def plan(self, ctx: Context) -> list[PlannedCall]:
        p = ctx.runbook.params
        return [
            PlannedCall("secretsmanager", "GetSecretValue", {"SecretId": ctx.inputs.get("master_secret")}),
            PlannedCall("postgres", "query", {"database": p.get("database"), "sql": self.sql(ctx)}),
        ]

    def sql(self, ctx: Context) -> str:
        p = ctx.runbook.params
        col, table = _ident(p.get("smoke_column") or "ts"), _ident(p.get("smoke_table") or "canary")
        # identifiers quoted by _ident; the time is a bound parameter
        return f"SELECT max({col}), count(*), count(*) FILTER (WHERE {col} > CAST(:t AS timestamptz)) FROM {table}"  # noqa: S608

    def run(self, ctx: Context) -> dict[str, Any]:
        import pg8000.native  # pylint: disable=import-outside-toplevel

        p = ctx.runbook.params
        got = describe(ctx, ctx.inputs["target"], self.region(ctx))
        if not got or not got.get("Endpoint"):
            raise VerifyFailed(f"{ctx.inputs['target']} has no endpoint", self.name)
        try:
            conn = pg8000.native.Connection(
                ctx.inputs["master_username"],
                host=got["Endpoint"]["Address"],
                port=int(got["Endpoint"]["Port"]),
                database=p["database"],
                password=master_password(ctx),
                timeout=float(p.get("connect_timeout") or 10),
            )
        except Exception as exc:  # noqa: BLE001  pg8000/socket errors: the message only, never the password
            raise VerifyFailed(f"cannot connect to {ctx.inputs['target']} as {ctx.inputs['master_username']}: {type(exc).__name__}: {exc}", self.name) from None
        try:
            newest, rows, after = conn.run(self.sql(ctx), t=ctx.inputs["restore_time"])[0]
        except Exception as exc:  # noqa: BLE001
            raise VerifyFailed(f"smoke query failed on {ctx.inputs['target']}: {exc}", self.name) from None
        finally:
            conn.close()
        if newest is None:
            raise VerifyFailed(f"{p['smoke_table']} is empty in {ctx.inputs['target']}: no recent data restored", self.name)
        restore_time = parse_time(ctx.inputs["restore_time"])
        newest = newest if newest.tzinfo else newest.replace(tzinfo=dt.UTC)
        return {"newest_row": iso(newest), "rows": rows, "rows_after": after, "rpo_seconds": round((restore_time - newest).total_seconds(), 3)}

    def verify(self, ctx: Context) -> dict[str, Any]:
        got = ctx.state.completed[self.name]["pending_outputs"]
        if got["rows_after"]:
            raise VerifyFailed(f"{got['rows_after']} row(s) newer than the restore time {ctx.inputs['restore_time']} in the restored database", self.name)
        return {"newest_row": got["newest_row"], "rows": got["rows"], "rows_after_t": 0, "rpo_seconds": got["rpo_seconds"]}


def _modify_params(ctx: Context, restored: dict[str, Any]) -> dict[str, Any]:
    src = ctx.inputs["source_settings"]
    have = settings_of(restored, [])
    params: dict[str, Any] = {}
    if have["backup_retention"] != src["backup_retention"]:
        params["BackupRetentionPeriod"] = src["backup_retention"]
    if have["deletion_protection"] != src["deletion_protection"]:
        params["DeletionProtection"] = src["deletion_protection"]
    if have["iam_authentication"] != src["iam_authentication"]:
        params["EnableIAMDatabaseAuthentication"] = src["iam_authentication"]
    if have["copy_tags_to_snapshot"] != src["copy_tags_to_snapshot"]:
        params["CopyTagsToSnapshot"] = src["copy_tags_to_snapshot"]
    if src["security_groups"] and have["security_groups"] != src["security_groups"]:
        params["VpcSecurityGroupIds"] = src["security_groups"]
    if src["parameter_group"] and have["parameter_group"] != src["parameter_group"]:
        params["DBParameterGroupName"] = src["parameter_group"][0]
    if params:
        params.update(DBInstanceIdentifier=ctx.inputs["target"], ApplyImmediately=True)
    return params


class ApplySettingsStep(Step):
    name = "apply_settings"
    description = "ModifyDBInstance for what a restore cannot set (BackupRetentionPeriod) or did not take"

    def plan(self, ctx: Context) -> list[PlannedCall]:
        src = ctx.inputs.get("source_settings", {})
        return [
            PlannedCall(
                "rds",
                "ModifyDBInstance",
                {
                    "DBInstanceIdentifier": ctx.inputs["target"],
                    "BackupRetentionPeriod": src.get("backup_retention"),
                    "ApplyImmediately": True,
                    "note": "only the settings that differ after the restore",
                },
            )
        ]

    def run(self, ctx: Context) -> dict[str, Any]:
        restored = describe(ctx, ctx.inputs["target"]) or {}
        params = _modify_params(ctx, restored)
        if not params:
            return {"modified": []}
        ctx.call("rds", "ModifyDBInstance", **params)
        return {"modified": sorted(k for k in params if k not in ("DBInstanceIdentifier", "ApplyImmediately"))}

    def verify(self, ctx: Context) -> dict[str, Any]:
        restored = describe(ctx, ctx.inputs["target"]) or {}
        left = _modify_params(ctx, restored)
        # pending modifications count as applied only once they show in the instance itself
        if left:
            names = sorted(k for k in left if k not in ("DBInstanceIdentifier", "ApplyImmediately"))
            raise VerifyFailed(f"still different after ModifyDBInstance: {names}", self.name)
        return {"backup_retention": restored.get("BackupRetentionPeriod"), "status": restored.get("DBInstanceStatus")}


class CompareStep(Step):
    name = "compare_settings"
    description = "compare the restored instance's settings with the source's; a difference not accepted fails the run"

    def plan(self, ctx: Context) -> list[PlannedCall]:
        return [PlannedCall("rds", "DescribeDBInstances", {"DBInstanceIdentifier": ctx.inputs["target"]}), PlannedCall("rds", "ListTagsForResource", {})]

    def run(self, ctx: Context) -> dict[str, Any]:
        restored = describe(ctx, ctx.inputs["target"]) or {}
        have = settings_of(restored, tags_of(ctx, restored))
        src = ctx.inputs["source_settings"]
        accepted = set(ctx.runbook.params.get("accept_differences") or [])
        diffs = [{"setting": k, "source": src[k], "restored": have[k], "accepted": k in accepted} for k in COMPARED if src.get(k) != have.get(k)]
        return {"differences": diffs, "compared": list(COMPARED)}

    def verify(self, ctx: Context) -> dict[str, Any]:
        diffs = ctx.state.completed[self.name]["pending_outputs"]["differences"]
        bad = [d for d in diffs if not d["accepted"]]
        for d in diffs:
            ctx.emit(f"        {'accepted ' if d['accepted'] else ''}difference {d['setting']}: source {d['source']!r}, restored {d['restored']!r}")
        if bad:
            names = [d["setting"] for d in bad]
            raise VerifyFailed(f"settings differ from the source: {', '.join(names)} (accept with -e accept_differences={','.join(names)})", self.name)
        return {"differences": len(diffs), "accepted": [d["setting"] for d in diffs]}


RUNBOOKS = {PitrRunbook.name: PitrRunbook}
