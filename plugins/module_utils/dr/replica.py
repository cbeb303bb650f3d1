# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runbooks rds_promote_replica (Regional failover) and rds_failback (back to the original Region).

rds_promote_replica: promote a cross-Region read replica to a standalone, writable primary. Preflight: the replica
is a replica, available, its lag (CloudWatch ``AWS/RDS`` ``ReplicaLag``, newest datapoint, and the instance's own view
over SQL) within ``max_lag_seconds``; the source is probed but an unreachable source Region never blocks the failover.
Steps: promote -> wait until standalone and available -> a real write (insert, read back, delete) -> smoke query
(newest canary row: data loss against the source's newest row when the source is readable, else against the
declaration) -> settings compared with the source (what must be equal; the rest reported).

rds_failback: a cross-Region replica of the promoted instance back in the original Region, caught up (lag 0 and the
newest canary row the same on both), promoted, written to, smoke-queried, compared. Re-pointing consumers is not part
of it.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import weakref
from typing import Any, ClassVar

from ansible_collections.slipway.aws.plugins.module_utils.aws import Aws, is_write
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

# Settings that a promoted replica must share with its source (a difference fails the run unless accepted) ...
MUST_EQUAL = ("engine", "engine_version", "instance_class", "allocated_storage", "storage_encrypted", "master_username", "backup_retention")
# ... and settings that are the Region's own for a cross-Region replica (reported, never a failure).
REPORTED = (
    "security_groups",
    "parameter_group",
    "option_group",
    "subnet_group",
    "kms_key",
    "multi_az",
    "deletion_protection",
    "iam_authentication",
    "copy_tags_to_snapshot",
    "tags",
)
WRITE_CHECK_TABLE = "slipway_dr_write_check"
COMMON_SPEC: dict[str, Any] = {
    "region": {"type": "str", "required": True},
    "databases": {"type": "dict", "default": {}},
    "database": {"type": "str"},
    "smoke_table": {"type": "str"},
    "smoke_column": {"type": "str"},
    "master_secret": {"type": "str"},
    "backup_retention": {"type": "int"},
    "accept_differences": {"type": "list", "elements": "str", "default": []},
    "drill": {"type": "bool", "default": False},
    "expires_in_hours": {"type": "int", "default": 24},
    "wait_timeout": {"type": "int", "default": 1800},
    "poll_interval": {"type": "float", "default": 1.0},
    "connect_timeout": {"type": "float", "default": 10},
    "probe_timeout": {"type": "float", "default": 5},
}
PROMOTE_SPEC: dict[str, Any] = {"replica": {"type": "str", "required": True}, "max_lag_seconds": {"type": "float", "default": 60.0}, **COMMON_SPEC}
FAILBACK_SPEC: dict[str, Any] = {
    "primary": {"type": "str", "required": True},
    "back_region": {"type": "str", "required": True},
    "target": {"type": "str", "required": True},
    "kms_key_id": {"type": "str"},
    "vpc_security_group_ids": {"type": "list", "elements": "str", "default": []},
    "db_parameter_group": {"type": "str"},
    "db_subnet_group": {"type": "str"},
    "catchup_timeout": {"type": "int", "default": 900},
    **COMMON_SPEC,
}


# ------------------------------------------------------------------ reads in any Region
_PROBES: weakref.WeakKeyDictionary[Aws, Aws] = weakref.WeakKeyDictionary()


def _probe_aws(ctx: Context) -> Aws:
    """The run's credentials with two attempts and short timeouts: a Region that is down answers in seconds, not after
    the standard retry policy's minute of backoff. Its calls count in the run's counter."""
    got = _PROBES.get(ctx.aws)
    if got is None:
        session = ctx.aws._session  # pylint: disable=protected-access  # the run's own credentials, another retry policy
        creds = session.get_credentials()
        frozen = creds.get_frozen_credentials() if creds is not None else None
        timeout = float(ctx.runbook.params.get("probe_timeout") or 5)
        got = Aws(
            region=ctx.aws.region,
            endpoint_url=ctx.aws.endpoint_url,
            access_key=frozen.access_key if frozen else None,
            secret_key=frozen.secret_key if frozen else None,
            session_token=frozen.token if frozen else None,
            max_attempts=2,
            connect_timeout=timeout,
            read_timeout=timeout * 2,
        )
        got.counter = ctx.aws.counter
        _PROBES[ctx.aws] = got
    return got


def probe(ctx: Context, region: str, service: str, operation: str, **params: Any) -> dict[str, Any]:
    """A read in ``region`` that gives up fast (for a Region that may be down)."""
    from ansible_collections.slipway.aws.plugins.module_utils.aws import call  # pylint: disable=import-outside-toplevel
    from botocore import xform_name  # pylint: disable=import-outside-toplevel

    if is_write(operation):
        raise RunbookError("BadProbe", f"{service}.{operation} is a write; probes only read", ctx.step)
    return call(_probe_aws(ctx).client(service, region), xform_name(operation), **params)


def describe(ctx: Context, ident: str, region: str | None = None) -> dict[str, Any] | None:
    try:
        return ctx.call("rds", "DescribeDBInstances", region=region, DBInstanceIdentifier=ident)["DBInstances"][0]
    except AwsError as exc:
        if exc.code in ("DBInstanceNotFound", "DBInstanceNotFoundFault"):
            return None
        raise


def tags_of(ctx: Context, instance: dict[str, Any], region: str | None = None) -> dict[str, str]:
    listed = ctx.call("rds", "ListTagsForResource", region=region, ResourceName=instance["DBInstanceArn"]).get("TagList", [])
    return {t["Key"]: t["Value"] for t in listed}


def split_source(ident: str, default_region: str) -> tuple[str, str]:
    """(Region, identifier) of a ReadReplicaSourceDBInstanceIdentifier: an ARN (cross-Region) or a plain identifier."""
    if ident.startswith("arn:"):
        parts = ident.split(":")
        return parts[3], parts[-1]
    return default_region, ident


def settings_of(instance: dict[str, Any], tags: dict[str, str]) -> dict[str, Any]:
    return {
        "engine": instance.get("Engine"),
        "engine_version": instance.get("EngineVersion"),
        "instance_class": instance.get("DBInstanceClass"),
        "allocated_storage": instance.get("AllocatedStorage"),
        "storage_encrypted": bool(instance.get("StorageEncrypted")),
        "master_username": instance.get("MasterUsername"),
        "backup_retention": instance.get("BackupRetentionPeriod"),
        "security_groups": sorted(g["VpcSecurityGroupId"] for g in instance.get("VpcSecurityGroups", [])),
        "parameter_group": sorted(g["DBParameterGroupName"] for g in instance.get("DBParameterGroups", [])),
        "option_group": sorted(g["OptionGroupName"] for g in instance.get("OptionGroupMemberships", [])),
        "subnet_group": (instance.get("DBSubnetGroup") or {}).get("DBSubnetGroupName"),
        "kms_key": instance.get("KmsKeyId"),
        "multi_az": bool(instance.get("MultiAZ")),
        "deletion_protection": bool(instance.get("DeletionProtection")),
        "iam_authentication": bool(instance.get("IAMDatabaseAuthenticationEnabled")),
        "copy_tags_to_snapshot": bool(instance.get("CopyTagsToSnapshot")),
        "tags": {k: v for k, v in sorted(tags.items()) if not k.startswith(("slipway:dr", "slipway:restore-drill"))},
    }


def endpoint_of(instance: dict[str, Any]) -> str:
    ep = instance.get("Endpoint") or {}
    return f"{ep.get('Address')}:{ep.get('Port')}"


def _ident(name: str) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))


def _aware(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# ------------------------------------------------------------------ the database side
def db_settings(ctx: Context, *names: str) -> dict[str, Any]:
    """The smoke query and credentials: explicit parameters first, else slipway_dr.databases[NAME] for the first of
    ``names`` that has an entry (the replica's own, then its source's), else the entry listing one of them under
    ``instances``."""
    p = ctx.runbook.params
    databases = {k: v for k, v in (p.get("databases") or {}).items() if isinstance(v, dict)}
    found: dict[str, Any] = {}
    entry_of = None
    for name in names:
        if name in databases:
            found, entry_of = databases[name], name
            break
    else:  # an entry that names the instance among its own in other Regions (replicas, failback targets)
        for key, entry in sorted(databases.items()):
            if set(names) & set(entry.get("instances") or []):
                found, entry_of = entry, key
                break
    out = {key: p.get(key) or found.get(key) for key in ("database", "smoke_table", "smoke_column", "master_secret")}
    out["backup_retention"] = found.get("backup_retention")
    out["smoke_column"] = out["smoke_column"] or "ts"
    out["settings_of"] = entry_of
    return out


def master_password(ctx: Context, region: str) -> str:
    value = ctx.call("secretsmanager", "GetSecretValue", region=region, SecretId=ctx.inputs["db"]["master_secret"])["SecretString"]
    try:
        parsed = json.loads(value)
    except ValueError:
        return value
    return parsed.get("password", value) if isinstance(parsed, dict) else value


def connect(ctx: Context, instance: dict[str, Any], password: str, timeout: float | None = None) -> Any:
    """A connection as the master user to the configured database; the error names the instance, never the password."""
    import pg8000.native  # pylint: disable=import-outside-toplevel

    inp = ctx.inputs
    try:
        return pg8000.native.Connection(
            inp["master_username"],
            host=instance["Endpoint"]["Address"],
            port=int(instance["Endpoint"]["Port"]),
            database=inp["db"]["database"],
            password=password,
            timeout=timeout or float(ctx.runbook.params.get("connect_timeout") or 10),
        )
    except Exception as exc:  # noqa: BLE001  pg8000/socket errors: the message only
        raise VerifyFailed(f"cannot connect to {instance['DBInstanceIdentifier']} as {inp['master_username']}: {type(exc).__name__}: {exc}", ctx.step) from None


def run_sql(ctx: Context, instance: dict[str, Any], password: str, sql: str, timeout: float | None = None, **params: Any) -> list[Any]:
    conn = connect(ctx, instance, password, timeout)
    try:
        return conn.run(sql, **params) or []
    finally:
        conn.close()


LAG_SQL = (
    "SELECT pg_is_in_recovery(), "
    "CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0 "
    "ELSE EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()) END, "
    "pg_last_xact_replay_timestamp(), (SELECT status FROM pg_stat_wal_receiver LIMIT 1)"
)


def instance_lag(ctx: Context, instance: dict[str, Any], password: str) -> dict[str, Any]:
    """The replica's own view of its lag (the query RDS documents for PostgreSQL's ReplicaLag): 0 when everything
    received is replayed, else the seconds since the last replayed commit; and whether its WAL receiver streams."""
    in_recovery, lag, replayed, receiver = run_sql(ctx, instance, password, LAG_SQL)[0]
    return {"in_recovery": bool(in_recovery), "lag_seconds": round(float(lag or 0), 3), "last_replayed_commit": iso(_aware(replayed)), "wal_receiver": receiver}


def cloudwatch_lag(ctx: Context, ident: str, region: str) -> dict[str, Any] | None:
    """The newest ReplicaLag datapoint (1-minute period, Maximum) of the last 10 minutes; None when there is none."""
    now = utcnow()
    points = ctx.call(
        "cloudwatch",
        "GetMetricStatistics",
        region=region,
        Namespace="AWS/RDS",
        MetricName="ReplicaLag",
        Dimensions=[{"Name": "DBInstanceIdentifier", "Value": ident}],
        StartTime=now - dt.timedelta(minutes=10),
        EndTime=now + dt.timedelta(minutes=1),
        Period=60,
        Statistics=["Maximum"],
    ).get("Datapoints", [])
    if not points:
        return None
    newest = max(points, key=lambda d: d["Timestamp"])
    return {"seconds": round(float(newest["Maximum"]), 3), "at": iso(_aware(newest["Timestamp"]))}


def canary_sql(ctx: Context) -> str:
    db = ctx.inputs["db"]
    col, table = _ident(db["smoke_column"]), _ident(db["smoke_table"])
    return f"SELECT max({col}), count(*) FROM {table}"  # noqa: S608  identifiers quoted by _ident


def newest_canary(ctx: Context, instance: dict[str, Any], password: str, before: str | None = None, timeout: float | None = None) -> tuple[Any, int]:
    db = ctx.inputs["db"]
    col, table = _ident(db["smoke_column"]), _ident(db["smoke_table"])
    if before is None:
        row = run_sql(ctx, instance, password, canary_sql(ctx), timeout)[0]
    else:
        sql = f"SELECT max({col}), count(*) FROM {table} WHERE {col} <= CAST(:t AS timestamptz)"  # noqa: S608  quoted identifiers, bound time
        row = run_sql(ctx, instance, password, sql, timeout, t=before)[0]
    return _aware(row[0]), int(row[1])


# ------------------------------------------------------------------ preflight pieces shared by both runbooks
def credentials_check(ctx: Context, instance: dict[str, Any], regions: list[str]) -> Check:
    db = ctx.inputs["db"]
    secret = db.get("master_secret") or (instance.get("MasterUserSecret") or {}).get("SecretArn")
    if not secret:
        return Check("master credentials", FAIL, "no master secret: set slipway_dr.databases[DB].master_secret (or -e master_secret=NAME)")
    db["master_secret"] = secret
    seen = []
    for region in regions:
        try:
            ctx.call("secretsmanager", "DescribeSecret", region=region, SecretId=secret)
        except AwsError as exc:
            status = FAIL if exc.code == "ResourceNotFoundException" else ERROR
            return Check(
                "master credentials",
                status,
                f"{secret} in {region}: {exc.code} (a Regional failover needs the secret in the Region it fails over to: "
                f"replicate it there, secretsmanager ReplicateSecretToRegions)",
            )
        seen.append(region)
    ctx.inputs["master_username"] = instance.get("MasterUsername")
    return Check("master credentials", PASS, f"secret {secret} in {', '.join(seen)} (user {instance.get('MasterUsername')})")


def smoke_check(ctx: Context) -> Check:
    db = ctx.inputs["db"]
    if not (db.get("database") and db.get("smoke_table")):
        return Check("smoke query", FAIL, "no database / canary table: set slipway_dr.databases[DB].database and .smoke_table")
    where = f" (settings of {db['settings_of']})" if db.get("settings_of") else ""
    return Check("smoke query", PASS, f"newest {db['smoke_column']} of {db['database']}.{db['smoke_table']}{where}")


def retention_check(ctx: Context, from_reference: int | None, what: str) -> Check:
    """The BackupRetentionPeriod the promoted instance gets: -e backup_retention, else the source's (when it answers),
    else the inventory's slipway_dr.databases[DB].backup_retention."""
    asked = ctx.runbook.params.get("backup_retention")
    configured = (ctx.inputs.get("db") or {}).get("backup_retention")
    if asked is not None:
        value, source = asked, "-e backup_retention"
    elif from_reference is not None:
        value, source = from_reference, what
    else:
        value, source = configured, f"slipway_dr.databases[{(ctx.inputs.get('db') or {}).get('settings_of')}].backup_retention ({what} unreadable)"
    if value is None:
        return Check("backup retention after promote", FAIL, f"unknown ({what} unreadable): give -e backup_retention=DAYS (1-35)")
    if not 1 <= int(value) <= 35:
        return Check("backup retention after promote", FAIL, f"BackupRetentionPeriod {value} from {source}: must be 1-35 days (a primary needs backups)")
    ctx.inputs["backup_retention"] = int(value)
    return Check("backup retention after promote", PASS, f"BackupRetentionPeriod {value} day(s) (from {source})")


def lag_checks(ctx: Context, replica: dict[str, Any], region: str, limit: float, source_note: str) -> list[Check]:
    ident = replica["DBInstanceIdentifier"]
    checks = []
    try:
        point = cloudwatch_lag(ctx, ident, region)
    except AwsError as exc:
        checks.append(Check("replica lag (CloudWatch)", ERROR, f"GetMetricStatistics AWS/RDS ReplicaLag: {exc}"))
    else:
        if point is None:
            checks.append(Check("replica lag (CloudWatch)", FAIL, f"no AWS/RDS ReplicaLag datapoint for {ident} in the last 10 minutes: is it replicating?"))
        else:
            ok = point["seconds"] <= limit
            fix = "" if ok else f"; wait for it to catch up or raise -e max_lag_seconds (now {limit:g})"
            checks.append(Check("replica lag (CloudWatch)", PASS if ok else FAIL, f"ReplicaLag {point['seconds']}s at {point['at']} (bound {limit:g}s){fix}"))
    infos = replica.get("StatusInfos") or []
    info = next((i for i in infos if i.get("StatusType") == "read replication"), None)
    said = f"StatusInfos read replication: {info.get('Status')}" if info else "no StatusInfos"
    try:
        view = instance_lag(ctx, replica, master_password(ctx, region))
    except (AwsError, VerifyFailed) as exc:
        checks.append(Check("replica lag (instance)", ERROR, f"{said}; SQL on {ident}: {exc}"))
        return checks
    ctx.inputs["lag_at_preflight"] = view
    streaming = view["wal_receiver"] == "streaming"
    note = (
        f"WAL receiver streaming from the source; {source_note}"
        if streaming
        else f"WAL receiver {view['wal_receiver'] or 'not running'}: nothing arrives from the source; the replica holds what it received "
        f"(last replayed commit {view['last_replayed_commit']}); {source_note}"
    )
    if not view["in_recovery"]:
        checks.append(Check("replica lag (instance)", FAIL, f"{ident} is not in recovery (pg_is_in_recovery() false): it is not a replica"))
    else:
        ok = view["lag_seconds"] <= limit
        fix = "" if ok else f"; wait for it to catch up or raise -e max_lag_seconds (now {limit:g})"
        checks.append(Check("replica lag (instance)", PASS if ok else FAIL, f"lag {view['lag_seconds']}s (bound {limit:g}s); {said}; {note}{fix}"))
    return checks


# ------------------------------------------------------------------ the steps both runbooks share
def _where(ctx: Context) -> str | None:
    region = ctx.inputs["promote_region"]
    return None if region == ctx.aws.region else region


class PromoteStep(Step):
    name = "promote"
    description = "PromoteReadReplica with the backup retention of a primary"
    destructive = True

    def params(self, ctx: Context) -> dict[str, Any]:
        return {"DBInstanceIdentifier": ctx.inputs["promote_id"], "BackupRetentionPeriod": ctx.inputs.get("backup_retention")}

    def plan(self, ctx: Context) -> list[PlannedCall]:
        return [PlannedCall("rds", "PromoteReadReplica", self.params(ctx), region=_where(ctx))]

    def run(self, ctx: Context) -> dict[str, Any]:
        ident = ctx.inputs["promote_id"]
        got = describe(ctx, ident, _where(ctx))
        if got is None:
            raise RunbookError("NotFound", f"{ident} does not exist in {ctx.inputs['promote_region']}", self.name)
        if ctx.inputs.get("promote_called_at") and (not got.get("ReadReplicaSourceDBInstanceIdentifier") or got["DBInstanceStatus"] == "modifying"):
            return {"adopted": True, "status": got["DBInstanceStatus"], "called_at": ctx.inputs["promote_called_at"]}  # this run's promote, resumed
        if not got.get("ReadReplicaSourceDBInstanceIdentifier"):
            raise RunbookError("NotAReplica", f"{ident} is not a read replica (no ReadReplicaSourceDBInstanceIdentifier): nothing to promote", self.name)
        ctx.inputs["promote_called_at"] = iso(utcnow())
        ctx.state.save()
        answer = ctx.call("rds", "PromoteReadReplica", region=_where(ctx), **self.params(ctx))["DBInstance"]
        return {"status": answer["DBInstanceStatus"], "called_at": ctx.inputs["promote_called_at"]}

    def verify(self, ctx: Context) -> dict[str, Any]:
        got = describe(ctx, ctx.inputs["promote_id"], _where(ctx))
        if got is None or got["DBInstanceStatus"] in ("failed", "incompatible-parameters", "deleting"):
            raise VerifyFailed(f"{ctx.inputs['promote_id']} is {got and got['DBInstanceStatus']} after PromoteReadReplica", self.name)
        return {"status": got["DBInstanceStatus"], "replica_of": got.get("ReadReplicaSourceDBInstanceIdentifier")}


class WaitPromotedStep(Step):
    name = "wait_promoted"
    description = "wait until it is a standalone primary: no ReadReplicaSourceDBInstanceIdentifier, available, its backup retention"
    rto_part = "api_available"

    def plan(self, ctx: Context) -> list[PlannedCall]:
        return [PlannedCall("rds", "DescribeDBInstances", {"DBInstanceIdentifier": ctx.inputs["promote_id"]}, region=_where(ctx))]

    def run(self, ctx: Context) -> dict[str, Any]:
        p = ctx.runbook.params
        ident = ctx.inputs["promote_id"]
        deadline = time.monotonic() + int(p.get("wait_timeout") or 1800)
        got: dict[str, Any] | None = None
        while time.monotonic() < deadline:
            got = describe(ctx, ident, _where(ctx))
            status = got and got["DBInstanceStatus"]
            if status == "available" and not got.get("ReadReplicaSourceDBInstanceIdentifier"):
                return {"endpoint": endpoint_of(got)}
            if status in ("failed", "incompatible-parameters", None):
                raise RunbookError("PromoteFailed", f"{ident} is {status}: a promote that did not promote is a failure", self.name)
            time.sleep(float(p.get("poll_interval") or 1.0))
        state = f"{got and got['DBInstanceStatus']}, replica of {got and got.get('ReadReplicaSourceDBInstanceIdentifier')}"
        raise RunbookError("Timeout", f"{ident} not promoted after {p.get('wait_timeout')}s ({state}): a promote that did not promote is a failure", self.name)

    def verify(self, ctx: Context) -> dict[str, Any]:
        ident = ctx.inputs["promote_id"]
        got = describe(ctx, ident, _where(ctx))
        if not got or got["DBInstanceStatus"] != "available" or not got.get("Endpoint"):
            raise VerifyFailed(f"{ident} is not available with an endpoint", self.name)
        if got.get("ReadReplicaSourceDBInstanceIdentifier"):
            raise VerifyFailed(f"{ident} is still a replica of {got['ReadReplicaSourceDBInstanceIdentifier']}", self.name)
        if got.get("BackupRetentionPeriod") != ctx.inputs.get("backup_retention"):
            raise VerifyFailed(f"{ident} has BackupRetentionPeriod {got.get('BackupRetentionPeriod')}, not {ctx.inputs.get('backup_retention')}", self.name)
        return {"status": "available", "replica_of": None, "backup_retention": got["BackupRetentionPeriod"], "endpoint": endpoint_of(got)}


class WriteCheckStep(Step):
    name = "write_check"
    description = f"a real write as the master user: insert into {WRITE_CHECK_TABLE}, read it back on a new connection, delete it"

    def plan(self, ctx: Context) -> list[PlannedCall]:
        return [
            PlannedCall("secretsmanager", "GetSecretValue", {"SecretId": ctx.inputs["db"].get("master_secret")}, region=_where(ctx)),
            PlannedCall("postgres", "insert/select/delete", {"database": ctx.inputs["db"].get("database"), "table": WRITE_CHECK_TABLE}),
        ]

    def run(self, ctx: Context) -> dict[str, Any]:
        ident = ctx.inputs["promote_id"]
        got = describe(ctx, ident, _where(ctx)) or {}
        password = master_password(ctx, ctx.inputs["promote_region"])
        run_id = ctx.state.data["run_id"]
        table = _ident(WRITE_CHECK_TABLE)
        conn = connect(ctx, got, password)
        try:
            recovery = conn.run("SELECT pg_is_in_recovery()")[0][0]
            if recovery:
                raise VerifyFailed(f"{ident} is still in recovery (read-only): a promote that did not promote is a failure", self.name)
            conn.run(f"CREATE TABLE IF NOT EXISTS {table} (id bigserial PRIMARY KEY, run_id text NOT NULL, written_at timestamptz NOT NULL)")
            row_id, written = conn.run(f"INSERT INTO {table} (run_id, written_at) VALUES (:r, clock_timestamp()) RETURNING id, written_at", r=run_id)[0]  # noqa: S608
        except VerifyFailed:
            raise
        except Exception as exc:  # noqa: BLE001  a failed write is the finding
            raise VerifyFailed(f"a write on {ident} failed: {exc}", self.name) from None
        finally:
            conn.close()
        read = run_sql(ctx, got, password, f"SELECT run_id FROM {table} WHERE id = :i", i=row_id)  # noqa: S608
        if read != [[run_id]]:
            raise VerifyFailed(f"the row written on {ident} (id {row_id}) did not read back on a new connection: {read}", self.name)
        run_sql(ctx, got, password, f"DELETE FROM {table} WHERE id = :i", i=row_id)  # noqa: S608
        return {"row_id": row_id, "written_at": iso(_aware(written)), "read_back": True}

    def verify(self, ctx: Context) -> dict[str, Any]:
        done = ctx.state.completed[self.name]["pending_outputs"]
        got = describe(ctx, ctx.inputs["promote_id"], _where(ctx)) or {}
        password = master_password(ctx, ctx.inputs["promote_region"])
        left = run_sql(ctx, got, password, f"SELECT count(*), pg_is_in_recovery() FROM {_ident(WRITE_CHECK_TABLE)} WHERE id = :i", i=done["row_id"])[0]  # noqa: S608
        if left[0] or left[1]:
            raise VerifyFailed(f"after the delete: {left[0]} row(s) with id {done['row_id']}, in recovery {left[1]}", self.name)
        return {"inserted_read_back_deleted": done["row_id"], "written_at": done["written_at"], "in_recovery": False}


class SmokeQueryStep(Step):
    name = "smoke_query"
    description = "newest canary row on the promoted instance; data loss against the source's newest row (or the declaration)"
    rto_part = "application_healthy"

    def plan(self, ctx: Context) -> list[PlannedCall]:
        db = ctx.inputs["db"]
        return [
            PlannedCall("secretsmanager", "GetSecretValue", {"SecretId": db.get("master_secret")}, region=_where(ctx)),
            PlannedCall("postgres", "query", {"database": db.get("database"), "sql": canary_sql(ctx)}),
            PlannedCall(
                "postgres", "query (the source, when readable)", {"instance": ctx.inputs.get("reference_id"), "region": ctx.inputs.get("reference_region")}
            ),
        ]

    def reference(self, ctx: Context, password: str, newest: dt.datetime) -> dict[str, Any]:
        """The source's newest canary row committed before the promote call, and its rows after ``newest`` (those the
        promoted instance lacks), when the source can still be read."""
        inp, db = ctx.inputs, ctx.inputs["db"]
        col, table = _ident(db["smoke_column"]), _ident(db["smoke_table"])
        sql = f"SELECT max({col}), count(*) FILTER (WHERE {col} > CAST(:n AS timestamptz)) FROM {table} WHERE {col} <= CAST(:t AS timestamptz)"  # noqa: S608
        timeout = float(ctx.runbook.params.get("probe_timeout") or 5)
        try:
            source = probe(ctx, inp["reference_region"], "rds", "DescribeDBInstances", DBInstanceIdentifier=inp["reference_id"])["DBInstances"][0]
            if not source.get("Endpoint"):
                return {"readable": False, "why": f"{inp['reference_id']} has no endpoint ({source['DBInstanceStatus']})"}
            row = run_sql(ctx, source, password, sql, timeout, n=newest, t=inp.get("promote_called_at") or iso(utcnow()))[0]
        except (AwsError, VerifyFailed) as exc:
            return {"readable": False, "why": str(exc)}
        except Exception as exc:  # noqa: BLE001  a source that answers but fails the query is unreadable too
            return {"readable": False, "why": f"{type(exc).__name__}: {exc}"}
        return {"readable": True, "newest_row": _aware(row[0]), "missing": int(row[1])}

    def run(self, ctx: Context) -> dict[str, Any]:
        inp = ctx.inputs
        ident = inp["promote_id"]
        got = describe(ctx, ident, _where(ctx)) or {}
        password = master_password(ctx, inp["promote_region"])
        try:
            newest, rows = newest_canary(ctx, got, password)
        except VerifyFailed:
            raise
        except Exception as exc:  # noqa: BLE001
            raise VerifyFailed(f"smoke query failed on {ident}: {exc}", self.name) from None
        if newest is None:
            raise VerifyFailed(f"{inp['db']['smoke_table']} is empty on {ident}: no data", self.name)
        ref = self.reference(ctx, password, newest)
        out: dict[str, Any] = {"newest_row": iso(newest), "rows": rows}
        if ref["readable"] and ref["newest_row"] is not None:
            loss = max(0.0, (ref["newest_row"] - newest).total_seconds())
            out.update(
                reference="source_newest_row",
                reference_time=iso(ref["newest_row"]),
                reference_instance=f"{inp['reference_id']} ({inp['reference_region']})",
                rows_missing=ref["missing"],
                data_loss_seconds=round(loss, 3),
            )
        else:
            declared = parse_time(ctx.state.data["declared_at"])
            out.update(
                reference="declaration_time",
                reference_time=iso(declared),
                source_unreadable=ref.get("why", "the source has no canary row"),
                rows_missing=None,
                data_loss_seconds=round(max(0.0, (declared - newest).total_seconds()), 3),
            )
        return out

    def verify(self, ctx: Context) -> dict[str, Any]:
        got = ctx.state.completed[self.name]["pending_outputs"]
        if not got.get("rows"):
            raise VerifyFailed("no canary row on the promoted instance", self.name)
        return {k: got.get(k) for k in ("newest_row", "rows", "reference", "reference_time", "rows_missing", "data_loss_seconds")}


class CompareStep(Step):
    name = "compare_settings"
    description = "compare with the source: what must be equal fails the run when it differs (unless accepted); the Region's own settings are reported"

    def plan(self, ctx: Context) -> list[PlannedCall]:
        return [PlannedCall("rds", "DescribeDBInstances", {"DBInstanceIdentifier": ctx.inputs["promote_id"]}, region=_where(ctx))]

    def run(self, ctx: Context) -> dict[str, Any]:
        inp = ctx.inputs
        got = describe(ctx, inp["promote_id"], _where(ctx)) or {}
        have = settings_of(got, tags_of(ctx, got, _where(ctx)))
        ref = inp.get("reference_settings")
        if ref is None:
            try:
                source = probe(ctx, inp["reference_region"], "rds", "DescribeDBInstances", DBInstanceIdentifier=inp["reference_id"])["DBInstances"][0]
                tags = probe(ctx, inp["reference_region"], "rds", "ListTagsForResource", ResourceName=source["DBInstanceArn"]).get("TagList", [])
                ref = settings_of(source, {t["Key"]: t["Value"] for t in tags})
            except AwsError as exc:
                return {"compared": False, "why": f"the source is unreachable ({exc.code}): settings not compared", "promoted": have, "differences": []}
        if ref.get("backup_retention") != inp.get("backup_retention"):
            ref = {**ref, "backup_retention": inp.get("backup_retention")}  # the retention this run set (asked for, or the source's)
        accepted = set(ctx.runbook.params.get("accept_differences") or [])
        diffs = [
            {"setting": k, "source": ref.get(k), "promoted": have.get(k), "must_equal": k in MUST_EQUAL, "accepted": k in accepted or k not in MUST_EQUAL}
            for k in MUST_EQUAL + REPORTED
            if ref.get(k) != have.get(k)
        ]
        return {"compared": True, "differences": diffs, "must_equal": list(MUST_EQUAL), "reported": list(REPORTED)}

    def verify(self, ctx: Context) -> dict[str, Any]:
        done = ctx.state.completed[self.name]["pending_outputs"]
        if not done["compared"]:
            ctx.emit(f"        {done['why']}")
            return {"compared": False, "why": done["why"]}
        for d in done["differences"]:
            kind = "must be equal" if d["must_equal"] else "the Region's own"
            kind += ", accepted" if d["must_equal"] and d["accepted"] else ""
            ctx.emit(f"        difference {d['setting']} ({kind}): source {d['source']!r}, promoted {d['promoted']!r}")
        bad = [d["setting"] for d in done["differences"] if not d["accepted"]]
        if bad:
            raise VerifyFailed(
                f"settings that must be equal differ from the source: {', '.join(bad)} (accept with -e accept_differences={','.join(bad)})", self.name
            )
        return {
            "compared": True,
            "differences": len(done["differences"]),
            "must_equal_differences": [d["setting"] for d in done["differences"] if d["must_equal"]],
        }


def results(ctx: Context, title: str) -> dict[str, Any]:
    out = ctx.outputs
    inp = ctx.inputs
    smoke = out.get("smoke_query", {})
    rpo: dict[str, Any] = {}
    if smoke:
        rpo = {
            "measured_seconds": smoke.get("data_loss_seconds"),
            "newest_row": smoke.get("newest_row"),
            "reference": smoke.get("reference"),
            "reference_time": smoke.get("reference_time"),
            "rows_missing": smoke.get("rows_missing"),
            "evidence": (
                f"newest {inp['db']['smoke_table']}.{inp['db']['smoke_column']} on {inp['promote_id']} is {smoke.get('newest_row')}; "
                + (
                    f"the source's newest row committed before the promote is {smoke.get('reference_time')} ({smoke.get('rows_missing')} row(s) missing)"
                    if smoke.get("reference") == "source_newest_row"
                    else f"the source is unreadable ({smoke.get('source_unreadable')}): measured against the declaration {smoke.get('reference_time')}"
                )
            ),
        }
    verified = []
    if "wait_promoted" in out:
        verified.append(f"{inp['promote_id']} ({inp['promote_region']}) is a standalone primary, available at {out['wait_promoted'].get('endpoint')}")
    if "write_check" in out:
        verified.append(f"a row inserted, read back on a new connection and deleted on {inp['promote_id']} (writable)")
    if smoke:
        verified.append(
            f"connected as {inp.get('master_username')} to {inp['db']['database']}; {smoke.get('rows')} canary rows, newest {smoke.get('newest_row')}"
        )
    compared = out.get("compare_settings", {})
    if compared.get("compared"):
        verified.append(f"settings compared with the source: must be equal {', '.join(MUST_EQUAL)}; reported {', '.join(REPORTED)}")
    elif compared:
        verified.append(compared.get("why", "settings not compared"))
    return {
        "runbook_title": title,
        "promoted": inp.get("promote_id"),
        "region": inp.get("promote_region"),
        "source": inp.get("reference_id"),
        "source_region": inp.get("reference_region"),
        "rpo": rpo,
        "differences": [{**d, "restored": d["promoted"]} for d in compared.get("differences", [])],
        "verified": verified,
    }


# ------------------------------------------------------------------ rds_promote_replica
class PromoteReplicaRunbook(Runbook):
    name = "rds_promote_replica"
    title = "RDS Regional failover (promote a cross-Region read replica)"
    rto_parts = ("api_available", "application_healthy")
    params_spec: ClassVar[dict[str, dict[str, Any]]] = PROMOTE_SPEC

    def resolve(self, ctx: Context) -> None:
        p = self.params
        if not p.get("replica") or not p.get("region"):
            raise PreflightError("replica (the read replica to promote) and region (its Region) are required")
        ctx.inputs.update(replica=p["replica"], promote_id=p["replica"], promote_region=p["region"])

    def confirmation_identifier(self, ctx: Context) -> str:
        return ctx.inputs["replica"]

    def preflight(self, ctx: Context) -> list[Check]:
        p, inp = self.params, ctx.inputs
        if ctx.aws.region != p["region"]:
            return [Check("region", FAIL, f"the connection is in {ctx.aws.region}, the replica's Region is {p['region']}: run with -e region={p['region']}")]
        checks = [Check("region", PASS, f"the replica's Region {p['region']}")]
        try:
            replica = describe(ctx, inp["replica"])
        except AwsError as exc:
            return [*checks, Check("replica instance", ERROR, str(exc))]
        if replica is None:
            return [*checks, Check("replica instance", FAIL, f"no DB instance {inp['replica']} in {p['region']} (DBInstanceNotFound)")]
        promoted = "promote" in ctx.state.completed
        source_id = replica.get("ReadReplicaSourceDBInstanceIdentifier") or inp.get("source_id")
        if promoted:
            checks.append(Check("is a read replica", PASS, f"promoted by this run already (resumed); it was a replica of {source_id}"))
        elif not source_id:
            checks.append(
                Check(
                    "is a read replica",
                    FAIL,
                    f"{inp['replica']} is not a read replica (no ReadReplicaSourceDBInstanceIdentifier): nothing to fail over to; "
                    "name the replica in the surviving Region",
                )
            )
            return checks
        else:
            checks.append(Check("is a read replica", PASS, f"{inp['replica']} replicates from {source_id}"))
        status = replica["DBInstanceStatus"]
        ok = status == "available" or (promoted and status in ("modifying", "backing-up"))  # a resumed run's promote may still be under way
        checks.append(Check("replica instance", PASS if ok else FAIL, f"{inp['replica']}: {status}, {replica.get('Engine')} {replica.get('DBInstanceClass')}"))
        src_region, src_name = split_source(source_id, p["region"])
        inp.update(source_id=source_id, reference_id=src_name, reference_region=src_region)
        source_check, source = self._source(ctx, src_region, src_name)
        checks.append(source_check)
        inp["db"] = db_settings(ctx, inp["replica"], src_name)
        credentials = credentials_check(ctx, replica, [p["region"]])
        checks.extend([credentials, smoke_check(ctx)])
        if not promoted:
            note = "the source is reachable" if source is not None else "the source Region is unreachable, which does not block the failover"
            if credentials.status == PASS:
                checks.extend(lag_checks(ctx, replica, p["region"], float(p.get("max_lag_seconds") or 60), note))
            else:
                checks.append(Check("replica lag", ERROR, "not measured: no master credentials to read the replica's own view"))
        from_source = source.get("BackupRetentionPeriod") if source else None
        checks.append(retention_check(ctx, from_source, f"the source {src_name}'s BackupRetentionPeriod"))
        inp["replica_settings"] = settings_of(replica, {})
        return checks

    def _source(self, ctx: Context, region: str, name: str) -> tuple[Check, dict[str, Any] | None]:
        """Probe the source (its Region may be down): reachable or not is evidence, never a reason to stop."""
        try:
            source = probe(ctx, region, "rds", "DescribeDBInstances", DBInstanceIdentifier=name)["DBInstances"][0]
            tags = probe(ctx, region, "rds", "ListTagsForResource", ResourceName=source["DBInstanceArn"]).get("TagList", [])
        except AwsError as exc:
            ctx.inputs["reference_settings"] = None
            ctx.inputs["source_reachable"] = False
            return Check(
                "source",
                PASS,
                f"{name} in {region} unreachable ({exc.code}): a down source Region does not block the failover; "
                "data loss will be measured against the declaration time",
            ), None
        ctx.inputs["reference_settings"] = settings_of(source, {t["Key"]: t["Value"] for t in tags})
        ctx.inputs["source_reachable"] = True
        evidence = (
            f"{name} in {region} answers: {source['DBInstanceStatus']}; its data is read again after the promote to measure the loss. "
            "Stop the application's writes to it first: after the promote both accept writes"
        )
        return Check("source", PASS, evidence), source

    def steps(self) -> list[Step]:
        return [PromoteStep(), WaitPromotedStep(), WriteCheckStep(), SmokeQueryStep(), CompareStep()]

    def results(self, ctx: Context) -> dict[str, Any]:
        return results(ctx, self.title)


# ------------------------------------------------------------------ rds_failback
class CreateReplicaStep(Step):
    name = "create_replica"
    description = "CreateDBInstanceReadReplica in the original Region, its source the promoted instance's ARN"

    def params(self, ctx: Context) -> dict[str, Any]:
        p, inp = ctx.runbook.params, ctx.inputs
        prim = inp.get("primary_settings") or {}
        tags = [{"Key": k, "Value": v} for k, v in sorted((prim.get("tags") or {}).items())]
        tags.extend(run_tags(ctx))
        params: dict[str, Any] = {
            "DBInstanceIdentifier": inp["target"],
            "SourceDBInstanceIdentifier": inp.get("primary_arn"),
            "DBInstanceClass": prim.get("instance_class"),
            "Tags": tags,
            "CopyTagsToSnapshot": bool(prim.get("copy_tags_to_snapshot")),
        }
        if p.get("kms_key_id"):
            params["KmsKeyId"] = p["kms_key_id"]
        if p.get("vpc_security_group_ids"):
            params["VpcSecurityGroupIds"] = list(p["vpc_security_group_ids"])
        if p.get("db_parameter_group"):
            params["DBParameterGroupName"] = p["db_parameter_group"]
        if p.get("db_subnet_group"):
            params["DBSubnetGroupName"] = p["db_subnet_group"]
        return params

    def plan(self, ctx: Context) -> list[PlannedCall]:
        return [PlannedCall("rds", "CreateDBInstanceReadReplica", self.params(ctx), region=ctx.inputs["back_region"])]

    def run(self, ctx: Context) -> dict[str, Any]:
        inp = ctx.inputs
        existing = describe(ctx, inp["target"], inp["back_region"])
        if existing is not None:
            if tags_of(ctx, existing, inp["back_region"]).get(RUN_TAG) == ctx.state.data["run_id"]:
                return {"adopted": True, "status": existing["DBInstanceStatus"]}
            raise RunbookError("TargetExists", f"{inp['target']} exists in {inp['back_region']} and is not this run's", self.name)
        answer = ctx.call("rds", "CreateDBInstanceReadReplica", region=inp["back_region"], **self.params(ctx))["DBInstance"]
        return {"status": answer["DBInstanceStatus"], "arn": answer.get("DBInstanceArn")}

    def verify(self, ctx: Context) -> dict[str, Any]:
        inp = ctx.inputs
        got = describe(ctx, inp["target"], inp["back_region"])
        if got is None:
            raise VerifyFailed(f"{inp['target']} does not exist in {inp['back_region']} after the create call", self.name)
        run = tags_of(ctx, got, inp["back_region"]).get(RUN_TAG)
        if run != ctx.state.data["run_id"]:
            raise VerifyFailed(f"{inp['target']} carries run tag {run!r}, not this run's", self.name)
        if got.get("ReadReplicaSourceDBInstanceIdentifier") != inp["primary_arn"]:
            raise VerifyFailed(f"{inp['target']} replicates from {got.get('ReadReplicaSourceDBInstanceIdentifier')!r}, not {inp['primary_arn']}", self.name)
        return {"status": got["DBInstanceStatus"], "replica_of": inp["primary_arn"], "run_tag": run}


class WaitReplicaStep(Step):
    name = "wait_replica"
    description = "wait until the new replica is available and still a replica of the promoted instance"

    def plan(self, ctx: Context) -> list[PlannedCall]:
        return [PlannedCall("rds", "DescribeDBInstances", {"DBInstanceIdentifier": ctx.inputs["target"]}, region=ctx.inputs["back_region"])]

    def run(self, ctx: Context) -> dict[str, Any]:
        p, inp = ctx.runbook.params, ctx.inputs
        deadline = time.monotonic() + int(p.get("wait_timeout") or 1800)
        status = None
        while time.monotonic() < deadline:
            got = describe(ctx, inp["target"], inp["back_region"])
            status = got and got["DBInstanceStatus"]
            if status == "available":
                return {"endpoint": endpoint_of(got)}
            if status in ("failed", "incompatible-parameters", None):
                raise RunbookError("ReplicaFailed", f"{inp['target']} is {status}", self.name)
            time.sleep(float(p.get("poll_interval") or 1.0))
        raise RunbookError("Timeout", f"{inp['target']} still {status} after {p.get('wait_timeout')}s", self.name)

    def verify(self, ctx: Context) -> dict[str, Any]:
        inp = ctx.inputs
        got = describe(ctx, inp["target"], inp["back_region"])
        if not got or got["DBInstanceStatus"] != "available" or got.get("ReadReplicaSourceDBInstanceIdentifier") != inp["primary_arn"]:
            raise VerifyFailed(f"{inp['target']} is not an available replica of {inp['primary_arn']}", self.name)
        return {"status": "available", "replica_of": inp["primary_arn"], "endpoint": endpoint_of(got)}


class CatchUpStep(Step):
    name = "catch_up"
    description = "wait until the new replica has caught up: its lag 0 and its newest canary row the primary's"

    def plan(self, ctx: Context) -> list[PlannedCall]:
        inp = ctx.inputs
        return [
            PlannedCall("postgres", "query", {"instance": inp.get("primary"), "sql": canary_sql(ctx) if inp.get("db") else None}),
            PlannedCall("postgres", "query", {"instance": inp.get("target"), "sql": LAG_SQL}),
            PlannedCall("cloudwatch", "GetMetricStatistics", {"Namespace": "AWS/RDS", "MetricName": "ReplicaLag"}, region=inp.get("back_region")),
        ]

    def measure(self, ctx: Context, password: str) -> dict[str, Any]:
        inp = ctx.inputs
        primary = describe(ctx, inp["primary"]) or {}
        target = describe(ctx, inp["target"], inp["back_region"]) or {}
        source_newest, source_rows = newest_canary(ctx, primary, password)  # read first: the replica must have at least this
        target_newest, target_rows = newest_canary(ctx, target, password)
        view = instance_lag(ctx, target, password)
        return {
            "primary_newest_row": iso(source_newest),
            "replica_newest_row": iso(target_newest),
            "primary_rows": source_rows,
            "replica_rows": target_rows,
            "lag_seconds": view["lag_seconds"],
            "wal_receiver": view["wal_receiver"],
            "caught_up": view["lag_seconds"] == 0 and target_newest is not None and source_newest is not None and target_newest >= source_newest,
        }

    def run(self, ctx: Context) -> dict[str, Any]:
        p, inp = ctx.runbook.params, ctx.inputs
        password = master_password(ctx, ctx.aws.region)
        deadline = time.monotonic() + int(p.get("catchup_timeout") or 900)
        attempts = 0
        last: dict[str, Any] = {}
        while time.monotonic() < deadline:
            attempts += 1
            last = self.measure(ctx, password)
            if last["caught_up"]:
                return {**last, "attempts": attempts}
            time.sleep(float(p.get("poll_interval") or 1.0))
        raise RunbookError("NotCaughtUp", f"{inp['target']} has not caught up after {p.get('catchup_timeout')}s: {last}", self.name)

    def verify(self, ctx: Context) -> dict[str, Any]:
        done = ctx.state.completed[self.name]["pending_outputs"]
        point = cloudwatch_lag(ctx, ctx.inputs["target"], ctx.inputs["back_region"])
        if not done.get("caught_up"):
            raise VerifyFailed(f"{ctx.inputs['target']} has not caught up: {done}", self.name)
        return {
            "lag_seconds": done["lag_seconds"],
            "newest_row_both": done["replica_newest_row"],
            "rows": done["replica_rows"],
            "cloudwatch_replica_lag": point,
        }


class FailbackRunbook(Runbook):
    name = "rds_failback"
    title = "RDS failback to the original Region (replicate back, catch up, promote)"
    rto_parts = ("api_available", "application_healthy")
    params_spec: ClassVar[dict[str, dict[str, Any]]] = FAILBACK_SPEC

    def resolve(self, ctx: Context) -> None:
        p = self.params
        for name in ("primary", "region", "back_region", "target"):
            if not p.get(name):
                raise PreflightError(f"{name} is required (-e {name}=...)")
        ctx.inputs.update(
            primary=p["primary"],
            target=p["target"],
            back_region=p["back_region"],
            promote_id=p["target"],
            promote_region=p["back_region"],
            reference_id=p["primary"],
            reference_region=p["region"],
        )

    def confirmation_identifier(self, ctx: Context) -> str:
        return ctx.inputs["target"]

    def drill_resources(self, ctx: Context) -> list[dict[str, str]]:
        if "create_replica" in ctx.state.completed or ctx.state.data.get("failures"):
            return [{"kind": "rds_instance", "id": ctx.inputs["target"], "region": ctx.inputs["back_region"]}]
        return []

    def preflight(self, ctx: Context) -> list[Check]:
        p, inp = self.params, ctx.inputs
        if ctx.aws.region != p["region"]:
            return [Check("region", FAIL, f"the connection is in {ctx.aws.region}, the primary's Region is {p['region']}: run with -e region={p['region']}")]
        if p["back_region"] == p["region"]:
            return [Check("region", FAIL, f"back_region {p['back_region']} is the primary's own Region: a failback goes to the original (another) Region")]
        checks = [Check("region", PASS, f"from {p['region']} back to {p['back_region']}")]
        try:
            primary = describe(ctx, inp["primary"])
        except AwsError as exc:
            return [*checks, Check("primary instance", ERROR, str(exc))]
        if primary is None:
            return [*checks, Check("primary instance", FAIL, f"no DB instance {inp['primary']} in {p['region']} (DBInstanceNotFound)")]
        status = primary["DBInstanceStatus"]
        checks.append(
            Check(
                "primary instance",
                PASS if status == "available" else FAIL,
                f"{inp['primary']}: {status}, {primary.get('Engine')} {primary.get('DBInstanceClass')}",
            )
        )
        if primary.get("ReadReplicaSourceDBInstanceIdentifier"):
            checks.append(
                Check(
                    "is a standalone primary",
                    FAIL,
                    f"{inp['primary']} is still a replica of {primary['ReadReplicaSourceDBInstanceIdentifier']}: promote it first (rds_promote_replica)",
                )
            )
        else:
            checks.append(Check("is a standalone primary", PASS, f"{inp['primary']} replicates from nothing"))
        retention = primary.get("BackupRetentionPeriod") or 0
        checks.append(Check("automated backups", PASS if retention > 0 else FAIL, f"BackupRetentionPeriod {retention} day(s) (a replica source needs backups)"))
        inp["primary_arn"] = primary["DBInstanceArn"]
        inp["primary_settings"] = settings_of(primary, tags_of(ctx, primary))
        inp["reference_settings"] = inp["primary_settings"]
        if "create_replica" not in ctx.state.completed:
            try:
                target = describe(ctx, inp["target"], p["back_region"])
            except AwsError as exc:
                checks.append(Check("target absent", ERROR, f"{p['back_region']} does not answer: {exc}"))
            else:
                if target is None:
                    checks.append(Check("target absent", PASS, f"no DB instance {inp['target']} in {p['back_region']} yet"))
                else:
                    checks.append(
                        Check(
                            "target absent", FAIL, f"{inp['target']} exists in {p['back_region']} ({target['DBInstanceStatus']}); choose another -e target=NAME"
                        )
                    )
        checks.append(self._kms(ctx, primary))
        checks.extend(self._groups(ctx))
        inp["db"] = db_settings(ctx, inp["primary"], inp["target"])
        checks.append(credentials_check(ctx, primary, [p["region"], p["back_region"]]))
        checks.append(smoke_check(ctx))
        checks.append(retention_check(ctx, primary.get("BackupRetentionPeriod"), f"the primary {inp['primary']}'s BackupRetentionPeriod"))
        return checks

    def _kms(self, ctx: Context, primary: dict[str, Any]) -> Check:
        p = self.params
        key = p.get("kms_key_id")
        if not primary.get("StorageEncrypted"):
            return Check("KMS key", PASS, f"{p['primary']} is not encrypted" + (f"; {key} passed anyway" if key else ""))
        if not key:
            return Check("KMS key", FAIL, f"{p['primary']} is encrypted: a cross-Region replica needs a KMS key of {p['back_region']} (-e kms_key_id=KEY)")
        if key.startswith("arn:") and key.split(":")[3] != p["back_region"]:
            return Check("KMS key", FAIL, f"{key} is a key of {key.split(':')[3]}, not of {p['back_region']}: KMS keys are Regional")
        try:
            meta = ctx.call("kms", "DescribeKey", region=p["back_region"], KeyId=key)["KeyMetadata"]
        except AwsError as exc:
            return Check("KMS key", FAIL if "NotFound" in exc.code else ERROR, f"{key} in {p['back_region']}: {exc.code}: {exc.message}")
        if not meta.get("Enabled", True):
            return Check("KMS key", FAIL, f"{key} in {p['back_region']} is disabled")
        return Check("KMS key", PASS, f"{meta.get('Arn', key)} in {p['back_region']}")

    def _groups(self, ctx: Context) -> list[Check]:
        p = self.params
        checks = []
        groups = list(p.get("vpc_security_group_ids") or [])
        if groups:
            try:
                ctx.call("ec2", "DescribeSecurityGroups", region=p["back_region"], GroupIds=groups)
                checks.append(Check("security groups", PASS, f"{', '.join(groups)} in {p['back_region']}"))
            except AwsError as exc:
                checks.append(Check("security groups", FAIL if "NotFound" in exc.code or "Malformed" in exc.code else ERROR, f"{exc.code}: {exc.message}"))
        else:
            checks.append(Check("security groups", PASS, f"none given: the default VPC security group of {p['back_region']} (AWS's default)"))
        if p.get("db_parameter_group"):
            try:
                ctx.call("rds", "DescribeDBParameterGroups", region=p["back_region"], DBParameterGroupName=p["db_parameter_group"])
                checks.append(Check("parameter group", PASS, f"{p['db_parameter_group']} in {p['back_region']}"))
            except AwsError as exc:
                checks.append(Check("parameter group", FAIL if "NotFound" in exc.code else ERROR, f"{exc.code}: {exc.message}"))
        return checks

    def steps(self) -> list[Step]:
        return [CreateReplicaStep(), WaitReplicaStep(), CatchUpStep(), PromoteStep(), WaitPromotedStep(), WriteCheckStep(), SmokeQueryStep(), CompareStep()]

    def results(self, ctx: Context) -> dict[str, Any]:
        out = results(ctx, self.title)
        catch = ctx.outputs.get("catch_up")
        if catch:
            out["verified"].insert(
                0, f"{ctx.inputs['target']} caught up with {ctx.inputs['primary']}: lag 0, newest canary row {catch.get('replica_newest_row')} on both"
            )
        out["not_done"] = "consumers are not re-pointed: move the application to the new primary (out of this runbook)"
        return out


RUNBOOKS = {PromoteReplicaRunbook.name: PromoteReplicaRunbook, FailbackRunbook.name: FailbackRunbook}
