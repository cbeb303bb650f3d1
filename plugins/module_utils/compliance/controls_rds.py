# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The later FSBP controls of RDS (clusters, snapshots, event subscriptions, more instance checks): data plus one small pure function each (see controls.py).

Its CATALOGUE joins controls.py's in ``controls.catalogue()`` (``controls.CONTROLS``), which imports this module on first use.

DB instances are the ``rds`` collector's resources (the instance controls of controls.py judge every one of them);
everything else of RDS is the ``rds_other`` collector's, so those controls never see it: DB clusters, DB snapshots,
DB cluster snapshots and event subscriptions, each with ``base["kind"]``; each control judges one kind and skips
the others.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.compliance.controls import FSBP, NIST, SKIP, Control, Verdict, View, _c, _fail, _na, _pass

FSBP_NIST = (FSBP, NIST)
FSBP_ONLY = (FSBP,)
_RDS, _OTHER = ("rds",), ("rds_other",)
# The engines without an administrator name of their own (Security Hub's RDS.24 / RDS.25 do not apply to them).
NO_ADMIN_ENGINES = ("neptune", "docdb")
# The default administrator names RDS offers: "admin" (MySQL, MariaDB, Aurora MySQL, Oracle, SQL Server) and
# "postgres" (PostgreSQL, Aurora PostgreSQL).
DEFAULT_ADMIN_NAMES = ("admin", "postgres")
IAM_AUTH_CLUSTER_ENGINES = ("aurora", "aurora-mysql", "aurora-postgresql", "mysql", "postgres")
AURORA_MYSQL = ("aurora", "aurora-mysql")
AURORA = ("aurora", "aurora-mysql", "aurora-postgresql")
# The engines of RDS Multi-AZ DB clusters (a writer and two readers in three AZs; Aurora clusters are the others).
MULTI_AZ_CLUSTER_ENGINES = ("mysql", "postgres")
# RDS.6: the intervals (seconds) Enhanced Monitoring accepts; 0 is off.
MONITORING_INTERVALS = (1, 5, 10, 15, 30, 60)
SQLSERVER = ("sqlserver-ee", "sqlserver-se", "sqlserver-ex", "sqlserver-web")


def _kind(kind: str) -> Callable[[dict[str, Any]], Any]:
    def scope(base: dict[str, Any]) -> Any:
        return None if base.get("kind") == kind else SKIP

    return scope


def _cluster_of(engines: tuple[str, ...], label: str) -> Callable[[dict[str, Any]], Any]:
    """Clusters only; those of another engine are NOT_APPLICABLE (the control judges ``label`` clusters only)."""

    def scope(base: dict[str, Any]) -> Any:
        if base.get("kind") != "cluster":
            return SKIP
        engine = str(base.get("Engine") or "")
        return None if engine in engines else f"engine {engine or '?'}: the control judges {label} only"

    return scope


def _instance_of(engines: tuple[str, ...]) -> Callable[[dict[str, Any]], Any]:
    """DB instances of ``engines`` only (Security Hub makes no finding for the others)."""

    def scope(base: dict[str, Any]) -> Any:
        return None if str(base.get("Engine") or "") in engines else SKIP

    return scope


def _not_cluster_member(base: dict[str, Any]) -> Any:
    if base.get("DBClusterIdentifier"):
        return f"a member of the DB cluster {base['DBClusterIdentifier']}: the control does not judge cluster members"
    return None


def _snapshots(base: dict[str, Any]) -> Any:
    return None if base.get("kind") in ("snapshot", "cluster_snapshot") else SKIP


def _on(v: View, key: str, what: str, ev: str) -> Verdict:
    on = bool(v.base.get(key))
    return (_pass if on else _fail)(f"{what} is {'on' if on else 'off'}", **{ev: on})


# ------------------------------------------------------------------ snapshots
def rds_1(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    area = "cluster_snapshot_attributes" if v.base.get("kind") == "cluster_snapshot" else "snapshot_attributes"
    restore = list(v[area] or [])
    if v.base.get("SnapshotType") != "manual":
        return _pass(f"a {v.base.get('SnapshotType')} snapshot: only manual snapshots can be shared", restore=restore)
    if "all" in restore:
        return _fail("the snapshot is public: its restore attribute includes 'all' (any AWS account may copy or restore it)", restore=restore)
    what = f"shared with account(s) {', '.join(restore)} only" if restore else "not shared"
    return _pass(f"the snapshot is private ({what})", restore=restore)


def rds_4(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    on = bool(v.base.get("Encrypted"))
    return (_pass if on else _fail)(f"the snapshot is {'encrypted' if on else 'not encrypted'} at rest", encrypted=on)


# ------------------------------------------------------------------ clusters
def rds_7(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return _on(v, "DeletionProtection", "deletion protection", "deletion_protection")


def rds_12(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    engine = str(v.base.get("Engine") or "")
    if engine not in IAM_AUTH_CLUSTER_ENGINES:
        return _na(f"engine {engine or '?'} has no IAM database authentication")
    return _on(v, "IAMDatabaseAuthenticationEnabled", "IAM database authentication", "iam_database_authentication")


def rds_16(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return _on(v, "CopyTagsToSnapshot", "copying tags to snapshots", "copy_tags_to_snapshot")


def rds_27(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return _on(v, "StorageEncrypted", "storage encryption", "storage_encrypted")


def rds_35(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return _on(v, "AutoMinorVersionUpgrade", "automatic minor version upgrade", "auto_minor_version_upgrade")


def custom_admin(v: View) -> Verdict:
    """RDS.24 / RDS.25: the administrator name is not one of RDS's defaults (compared case-insensitively)."""
    engine = str(v.base.get("Engine") or "")
    if engine in NO_ADMIN_ENGINES:
        return _na(f"engine {engine}: Security Hub does not judge its administrator name")
    name = v.base.get("MasterUsername")
    if name is None:
        return "ERROR", "could not evaluate: the listing gives no MasterUsername", {}
    if str(name).lower() in DEFAULT_ADMIN_NAMES:
        return _fail(f"the administrator name is the default {name!r}", master_username=str(name))
    return _pass(f"the administrator name {name!r} is not a default one", master_username=str(name))


def rds_24(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return custom_admin(v)


def rds_14(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    engine = str(v.base.get("Engine") or "")
    if engine not in AURORA_MYSQL:
        return _na(f"engine {engine or '?'}: backtracking is an Aurora MySQL feature")
    seconds = int(v.base.get("BacktrackWindow") or 0)
    if seconds > 0:
        return _pass(f"backtracking is on (a window of {seconds} s)", backtrack_window=seconds)
    return _fail("backtracking is off (BacktrackWindow 0 or unset)", backtrack_window=seconds)


def _cluster_exports(v: View, engines: tuple[str, ...], wanted: tuple[str, ...], label: str) -> Verdict:
    engine = str(v.base.get("Engine") or "")
    if engine not in engines:
        return _na(f"engine {engine or '?'}: the control judges {label} clusters only")
    exported = sorted(str(x) for x in v.base.get("EnabledCloudwatchLogsExports") or [])
    missing = [name for name in wanted if name not in exported]
    if missing:
        return _fail(f"{label} logs not published to CloudWatch Logs: {', '.join(missing)}", exported=exported, missing=missing)
    return _pass(f"publishes {', '.join(wanted)} logs to CloudWatch Logs", exported=exported)


def _not_serverless_v1(base: dict[str, Any]) -> Any:
    """RDS.34 makes no finding for Aurora Serverless v1 clusters (EngineMode serverless)."""
    if base.get("kind") != "cluster" or base.get("EngineMode") == "serverless":
        return SKIP
    return None


def rds_34(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return _cluster_exports(v, AURORA_MYSQL, ("audit",), "Aurora MySQL")


def rds_37(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return _cluster_exports(v, ("aurora-postgresql",), ("postgresql",), "Aurora PostgreSQL")


def rds_15(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    on = bool(v.base.get("MultiAZ"))
    what = "deployed in several Availability Zones" if on else "not deployed in several Availability Zones (MultiAZ false)"
    return (_pass if on else _fail)(f"the cluster is {what}", multi_az=on)


def rds_47(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return _on(v, "CopyTagsToSnapshot", "copying tags to snapshots", "copy_tags_to_snapshot")


def rds_50(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    days = v.base.get("BackupRetentionPeriod")
    if days is None:
        return "ERROR", "could not evaluate: the listing gives no BackupRetentionPeriod", {}
    minimum = int(p["minimumBackupRetentionPeriod"])
    ev = {"backup_retention_days": int(days), "minimum": minimum}
    if int(days) >= minimum:
        return _pass(f"automated backups kept {days} days (minimumBackupRetentionPeriod {minimum})", **ev)
    return _fail(f"automated backups kept only {days} days (minimumBackupRetentionPeriod {minimum})", **ev)


# ------------------------------------------------------------------ instances
def rds_25(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return custom_admin(v)


def rds_6(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    """AWS Config's rds-enhanced-monitoring-enabled: off (0) fails; with a monitoringInterval parameter, any other interval fails."""
    seconds = v.base.get("MonitoringInterval")
    if seconds is None:
        return "ERROR", "could not evaluate: the listing gives no MonitoringInterval", {}
    seconds, wanted = int(seconds), p.get("monitoringInterval")
    if seconds == 0:
        return _fail("Enhanced Monitoring is off (MonitoringInterval 0)", monitoring_interval=0)
    if wanted not in (None, "") and seconds != int(wanted):
        return _fail(f"Enhanced Monitoring collects every {seconds} s, not every {wanted} s (monitoringInterval)", monitoring_interval=seconds)
    return _pass(f"Enhanced Monitoring collects every {seconds} s", monitoring_interval=seconds)


def _instance_exports(v: View, wanted: list[str], label: str) -> Verdict:
    exported = sorted(str(x) for x in v.base.get("EnabledCloudwatchLogsExports") or [])
    missing = [name for name in wanted if name not in exported]
    if missing:
        return _fail(f"{label} logs not published to CloudWatch Logs: {', '.join(missing)}", exported=exported, missing=missing)
    return _pass(f"publishes {', '.join(wanted)} logs to CloudWatch Logs", exported=exported)


def rds_36(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return _instance_exports(v, ["postgresql"], "PostgreSQL")


def rds_40(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return _instance_exports(v, [str(x) for x in p["logTypes"]], "SQL Server")


def rds_42(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return _instance_exports(v, [str(x) for x in p["logTypes"]], "MariaDB")


# ------------------------------------------------------------------ in transit, audit logging, network, versions
# RDS.38 / RDS.39 are not in the FSBP list Security Hub publishes (it names RDS.40-RDS.48 around them) and their pages
# list no NIST, PCI DSS or CIS requirement: by elimination, the AWS Control Tower service-managed standard.
CONTROL_TOWER = ("service-managed-aws-control-tower/v/1.0.0",)
ON_VALUES = ("1", "on")


def _version(text: Any) -> tuple[int, ...]:
    """The leading numbers of an engine version (``10.11.6`` -> (10, 11, 6), ``15.00.4153.1.v1`` -> (15, 0, 4153, 1))."""
    out = []
    for part in str(text or "").split("."):
        if not part.isdigit():
            break
        out.append(int(part))
    return tuple(out)


def _tls_instance(engines: tuple[str, ...], label: str, minimum: tuple[int, ...] = ()) -> Callable[[dict[str, Any]], Any]:
    """DB instances of ``engines`` only (others are not reported); cluster members and, with ``minimum``, versions
    before it are NOT_APPLICABLE (Security Hub does not evaluate them)."""

    def scope(base: dict[str, Any]) -> Any:
        if str(base.get("Engine") or "") not in engines:
            return SKIP
        if base.get("DBClusterIdentifier"):
            return f"a member of the DB cluster {base['DBClusterIdentifier']}: the control does not judge cluster members"
        version = _version(base.get("EngineVersion"))
        if minimum and version and version < minimum:
            return f"{label} {base.get('EngineVersion')}: the control judges {'.'.join(map(str, minimum))} and later only (the parameter exists from there)"
        return None

    return scope


def tls_parameter(v: View, name: str, absent_fails_before: tuple[int, ...] = ()) -> Verdict:
    """The instance's DB parameter group sets ``name`` to 1 / ON and is in sync (its values are in effect). A group
    answering no ``name`` is ERROR (AWS answers every parameter of a group), unless the engine version predates the
    parameter (``absent_fails_before``): then nothing can require TLS and it fails."""
    group = v.base.get("ParameterGroup")
    status = v.base.get("ParameterApplyStatus")
    params = v["parameters"] or {}
    ev = {"parameter_group": group, "parameter": name, "value": params.get(name), "apply_status": status}
    if name not in params:
        version = _version(v.base.get("EngineVersion"))
        if absent_fails_before and version and version < absent_fails_before:
            return _fail(f"engine version {v.base.get('EngineVersion')} has no {name}: connections cannot be required to use TLS", **ev)
        return "ERROR", f"could not evaluate: the DB parameter group {group} answered no {name} (rds:DescribeDBParameters)", {}
    value = params[name]
    if str(value).lower() not in ON_VALUES:
        return _fail(f"{name} is {value if value is not None else 'unset'} in the DB parameter group {group}: connections without TLS are accepted", **ev)
    if status not in (None, "in-sync"):
        return _fail(f"{name} is {value} in {group}, but the group is {status}: the setting is not in effect yet (reboot the instance)", **ev)
    return _pass(f"{name} is {value} in the DB parameter group {group} (in sync): every connection must use TLS", **ev)


def rds_38(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return tls_parameter(v, "rds.force_ssl")


def rds_39(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return tls_parameter(v, "require_secure_transport", absent_fails_before=(5, 7))


def rds_41(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return tls_parameter(v, "rds.force_ssl")


def rds_44(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return tls_parameter(v, "require_secure_transport")


def rds_43(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    required = v.base.get("RequireTLS")
    if required is None:
        return "ERROR", "could not evaluate: the listing gives no RequireTLS", {}
    if required:
        return _pass("the proxy requires TLS for every connection (RequireTLS true)", require_tls=True)
    return _fail("the proxy accepts connections without TLS (RequireTLS false)", require_tls=False)


def rds_45(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    params = v["cluster_parameters"] or {}
    group = v.base.get("DBClusterParameterGroup")
    missing = [name for name in ("server_audit_logging", "server_audit_events") if name not in params]
    if missing:
        return "ERROR", f"could not evaluate: the DB cluster parameter group {group} answered no {', '.join(missing)} (rds:DescribeDBClusterParameters)", {}
    logging, events = params["server_audit_logging"], str(params["server_audit_events"] or "").strip()
    ev = {"parameter_group": group, "server_audit_logging": logging, "server_audit_events": events}
    if str(logging).lower() not in ON_VALUES:
        return _fail(f"Advanced Auditing is off: server_audit_logging is {logging if logging is not None else 'unset'} in {group}", **ev)
    if not events:
        return _fail(f"server_audit_logging is on but server_audit_events is empty in {group}: no event is audited", **ev)
    return _pass(f"Advanced Auditing is on in {group}, logging {events}", **ev)


def _in_subnet_group(base: dict[str, Any]) -> Any:
    return None if base.get("SubnetGroup") else "the instance is in no DB subnet group (not in a VPC): no subnet routes to judge"


def rds_46(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    subnets = v["route_tables"] or {}
    unknown = sorted(s for s, t in subnets.items() if not t.get("route_table"))
    if unknown:
        return "ERROR", f"could not evaluate: no route table found for subnet(s) {', '.join(unknown)} (ec2:DescribeRouteTables)", {}
    public = {s: t["internet_routes"] for s, t in sorted(subnets.items()) if t.get("internet_routes")}
    ev = {"subnets": {s: t["route_table"] for s, t in sorted(subnets.items())}}
    if public:
        where = "; ".join(f"{s} ({subnets[s]['route_table']}: {', '.join(r)})" for s, r in public.items())
        return _fail(f"the DB subnet group has subnets routed to an internet gateway: {where}", public_subnets=sorted(public), **ev)
    return _pass(f"no subnet of the DB subnet group {v.base['SubnetGroup'].get('name')} routes 0.0.0.0/0 or ::/0 to an internet gateway", **ev)


# RDS.51's fixed parameters (Security Hub: not customizable).
AURORA_MYSQL_MIN_SUPPORTED = "8.0.mysql_aurora.3.08.0"
AURORA_MYSQL_LTS = ("8.0.mysql_aurora.3.04.0", "8.0.mysql_aurora.3.04.1", "8.0.mysql_aurora.3.04.2", "8.0.mysql_aurora.3.04.3")


def aurora_mysql_version(text: Any) -> tuple[int, ...] | None:
    """The Aurora MySQL version of an engine version (``8.0.mysql_aurora.3.08.0`` -> (3, 8, 0)); None if it has none."""
    sep, aurora = str(text or "").partition(".mysql_aurora.")[1:]
    version = _version(aurora) if sep else ()
    return version or None


def rds_51(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    engine, version = str(v.base.get("Engine") or ""), v.base.get("EngineVersion")
    if engine not in AURORA_MYSQL:
        return _na(f"engine {engine or '?'}: the control judges Aurora MySQL global clusters only")
    found = aurora_mysql_version(version)
    if found is None:
        return "ERROR", f"could not evaluate: engine version {version!r} is not an Aurora MySQL version (x.y.mysql_aurora.a.b.c)", {}
    ev = {"engine_version": version, "minimum": AURORA_MYSQL_MIN_SUPPORTED}
    if found >= aurora_mysql_version(AURORA_MYSQL_MIN_SUPPORTED):  # type: ignore[operator]
        return _pass(f"Aurora MySQL {version} is at or above the minimum supported {AURORA_MYSQL_MIN_SUPPORTED}", **ev)
    if version in AURORA_MYSQL_LTS:
        return _pass(f"Aurora MySQL {version} is a long-term support version still in standard support", **ev)
    return _fail(f"Aurora MySQL {version} is below the minimum supported {AURORA_MYSQL_MIN_SUPPORTED} and not a long-term support version", **ev)


# ------------------------------------------------------------------ event subscriptions
# Per control, the source type of the subscription and the event categories it must include (Security Hub's list).
EVENT_CONTROLS = {
    "RDS.19": ("db-cluster", ("maintenance", "failure")),
    "RDS.20": ("db-instance", ("maintenance", "configuration change", "failure")),
    "RDS.21": ("db-parameter-group", ("configuration change",)),
    "RDS.22": ("db-security-group", ("configuration change", "failure")),
}


def _subscriptions_of(source_type: str) -> Callable[[dict[str, Any]], Any]:
    """The existing subscriptions for ``source_type``: a subscription without a source type covers every source."""

    def scope(base: dict[str, Any]) -> Any:
        if base.get("kind") != "event_subscription":
            return SKIP
        return None if base.get("SourceType") in (None, "", source_type) else SKIP

    return scope


def judge_subscription(base: dict[str, Any], wanted: tuple[str, ...]) -> Verdict:
    """Enabled, and subscribed to every category of ``wanted`` (no categories at all is every category)."""
    categories = [str(c).lower() for c in base.get("EventCategoriesList") or []]
    ev = {"enabled": bool(base.get("Enabled")), "event_categories": categories or "all", "source_type": base.get("SourceType") or "all"}
    if not base.get("Enabled"):
        return _fail("the subscription is disabled: it sends no notification", **ev)
    missing = [c for c in wanted if categories and c not in categories]
    if missing:
        return _fail(f"the subscription leaves out the event categories {', '.join(missing)}", missing=missing, **ev)
    return _pass(f"enabled for {'every event category' if not categories else ', '.join(wanted)}", **ev)


def _event_check(cid: str) -> Callable[[View, dict[str, Any], dict[str, Any]], Verdict]:
    def check(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
        return judge_subscription(v.base, EVENT_CONTROLS[cid][1])

    return check


_SUBSCRIBE = "Subscribe (aws_db_event_subscription, source_type {src}) to the categories {cats}, or to all categories, and keep it enabled."

CATALOGUE: list[Control] = [
    _c(
        "RDS.1",
        "RDS snapshot should be private",
        "CRITICAL",
        _OTHER,
        "AwsRdsDbSnapshot",
        "Remove 'all' from the snapshot's restore attribute (ModifyDBSnapshotAttribute / ModifyDBClusterSnapshotAttribute ValuesToRemove=all).",
        rds_1,
        needs=("snapshot_attributes", "cluster_snapshot_attributes"),
        frameworks=FSBP_NIST,
        scope=_snapshots,
        other_types=("AwsRdsDbClusterSnapshot",),
    ),
    _c(
        "RDS.4",
        "RDS cluster snapshots and database snapshots should be encrypted at rest",
        "MEDIUM",
        _OTHER,
        "AwsRdsDbSnapshot",
        "Copy the snapshot with a KMS key (CopyDBSnapshot / CopyDBClusterSnapshot with KmsKeyId) and delete the unencrypted one.",
        rds_4,
        frameworks=FSBP_NIST,
        scope=_snapshots,
        other_types=("AwsRdsDbClusterSnapshot",),
    ),
    _c(
        "RDS.7",
        "RDS clusters should have deletion protection enabled",
        "MEDIUM",
        _OTHER,
        "AwsRdsDbCluster",
        "Set deletion_protection = true on the cluster.",
        rds_7,
        frameworks=FSBP_NIST,
        scope=_kind("cluster"),
    ),
    _c(
        "RDS.12",
        "IAM authentication should be configured for RDS clusters",
        "MEDIUM",
        _OTHER,
        "AwsRdsDbCluster",
        "Set iam_database_authentication_enabled = true on the cluster.",
        rds_12,
        frameworks=FSBP_NIST,
        scope=_kind("cluster"),
    ),
    _c(
        "RDS.14",
        "Amazon Aurora clusters should have backtracking enabled",
        "MEDIUM",
        _OTHER,
        "AwsRdsDbCluster",
        "Set backtrack_window (seconds, up to 72 hours); an existing cluster gets it through a clone or a restore.",
        rds_14,
        frameworks=FSBP_NIST,
        scope=_kind("cluster"),
    ),
    _c(
        "RDS.16",
        "Aurora DB clusters should be configured to copy tags to DB snapshots",
        "LOW",
        _OTHER,
        "AwsRdsDbCluster",
        "Set copy_tags_to_snapshot = true on the cluster.",
        rds_16,
        frameworks=FSBP_NIST,
        scope=_cluster_of(AURORA, "Aurora DB clusters (RDS.47 / RDS.48 judge RDS for PostgreSQL / MySQL clusters)"),
    ),
    _c(
        "RDS.24",
        "RDS Database clusters should use a custom administrator username",
        "MEDIUM",
        _OTHER,
        "AwsRdsDbCluster",
        "The administrator name is set at creation: create the cluster (or restore a snapshot) with a master_username other than admin / postgres.",
        rds_24,
        frameworks=FSBP_NIST,
        scope=_kind("cluster"),
    ),
    _c(
        "RDS.25",
        "RDS database instances should use a custom administrator username",
        "MEDIUM",
        _RDS,
        "AwsRdsDbInstance",
        "The administrator name is set at creation: create the instance (or restore a snapshot) with a username other than admin / postgres.",
        rds_25,
        frameworks=FSBP_NIST,
        scope=_not_cluster_member,
    ),
    _c(
        "RDS.27",
        "RDS DB clusters should be encrypted at rest",
        "MEDIUM",
        _OTHER,
        "AwsRdsDbCluster",
        "Encryption is set at creation: restore an encrypted copy of a cluster snapshot (storage_encrypted = true).",
        rds_27,
        frameworks=FSBP_NIST,
        scope=_kind("cluster"),
    ),
    _c(
        "RDS.34",
        "Aurora MySQL DB clusters should publish audit logs to CloudWatch Logs",
        "MEDIUM",
        _OTHER,
        "AwsRdsDbCluster",
        "Add audit to enabled_cloudwatch_logs_exports (and turn on server_audit_logging in the cluster parameter group).",
        rds_34,
        frameworks=FSBP_NIST,
        scope=_not_serverless_v1,
    ),
    _c(
        "RDS.35",
        "RDS DB clusters should have automatic minor version upgrade enabled",
        "MEDIUM",
        _OTHER,
        "AwsRdsDbCluster",
        "Set auto_minor_version_upgrade = true on the Multi-AZ DB cluster.",
        rds_35,
        frameworks=FSBP_NIST,
        scope=_cluster_of(MULTI_AZ_CLUSTER_ENGINES, "Multi-AZ DB clusters (engines mysql, postgres), not Aurora DB clusters"),
    ),
    _c(
        "RDS.37",
        "Aurora PostgreSQL DB clusters should publish logs to CloudWatch Logs",
        "MEDIUM",
        _OTHER,
        "AwsRdsDbCluster",
        "Add postgresql to enabled_cloudwatch_logs_exports.",
        rds_37,
        frameworks=FSBP_ONLY,
        scope=_kind("cluster"),
    ),
    _c(
        "RDS.19",
        "Existing RDS event notification subscriptions should be configured for critical cluster events",
        "LOW",
        _OTHER,
        "AwsRdsEventSubscription",
        _SUBSCRIBE.format(src="db-cluster", cats="maintenance, failure"),
        _event_check("RDS.19"),
        frameworks=FSBP_NIST,
        scope=_subscriptions_of("db-cluster"),
    ),
    _c(
        "RDS.20",
        "Existing RDS event notification subscriptions should be configured for critical database instance events",
        "LOW",
        _OTHER,
        "AwsRdsEventSubscription",
        _SUBSCRIBE.format(src="db-instance", cats="maintenance, configuration change, failure"),
        _event_check("RDS.20"),
        frameworks=FSBP_NIST,
        scope=_subscriptions_of("db-instance"),
    ),
    _c(
        "RDS.21",
        "An RDS event notifications subscription should be configured for critical database parameter group events",
        "LOW",
        _OTHER,
        "AwsRdsEventSubscription",
        _SUBSCRIBE.format(src="db-parameter-group", cats="configuration change"),
        _event_check("RDS.21"),
        frameworks=FSBP_NIST,
        scope=_subscriptions_of("db-parameter-group"),
    ),
    _c(
        "RDS.22",
        "An RDS event notifications subscription should be configured for critical database security group events",
        "LOW",
        _OTHER,
        "AwsRdsEventSubscription",
        _SUBSCRIBE.format(src="db-security-group", cats="configuration change, failure"),
        _event_check("RDS.22"),
        frameworks=FSBP_NIST,
        scope=_subscriptions_of("db-security-group"),
    ),
    _c(
        "RDS.6",
        "Enhanced monitoring should be configured for RDS DB instances",
        "LOW",
        _RDS,
        "AwsRdsDbInstance",
        "Set monitoring_interval (1, 5, 10, 15, 30 or 60 seconds) with a monitoring_role_arn allowed to publish to CloudWatch Logs.",
        rds_6,
        frameworks=FSBP_NIST,
        params={"monitoringInterval": None},
    ),
    _c(
        "RDS.15",
        "RDS DB clusters should be configured for multiple Availability Zones",
        "MEDIUM",
        _OTHER,
        "AwsRdsDbCluster",
        "Add a reader instance in another Availability Zone (aws_rds_cluster_instance with a different availability_zone).",
        rds_15,
        frameworks=FSBP_NIST,
        scope=_kind("cluster"),
    ),
    _c(
        "RDS.36",
        "RDS for PostgreSQL DB instances should publish logs to CloudWatch Logs",
        "MEDIUM",
        _RDS,
        "AwsRdsDbInstance",
        "Add postgresql to enabled_cloudwatch_logs_exports.",
        rds_36,
        frameworks=FSBP_ONLY,
        scope=_instance_of(("postgres",)),
    ),
    _c(
        "RDS.40",
        "RDS for SQL Server DB instances should publish logs to CloudWatch Logs",
        "MEDIUM",
        _RDS,
        "AwsRdsDbInstance",
        "Add the logTypes (agent, error) to enabled_cloudwatch_logs_exports.",
        rds_40,
        frameworks=FSBP_NIST,
        params={"logTypes": ["agent", "error"]},
        scope=_instance_of(SQLSERVER),
    ),
    _c(
        "RDS.42",
        "RDS for MariaDB DB instances should publish logs to CloudWatch Logs",
        "MEDIUM",
        _RDS,
        "AwsRdsDbInstance",
        "Add the logTypes (audit, error) to enabled_cloudwatch_logs_exports.",
        rds_42,
        frameworks=FSBP_NIST,
        params={"logTypes": ["audit", "error"]},
        scope=_instance_of(("mariadb",)),
    ),
    _c(
        "RDS.47",
        "RDS for PostgreSQL DB clusters should be configured to copy tags to DB snapshots",
        "LOW",
        _OTHER,
        "AwsRdsDbCluster",
        "Set copy_tags_to_snapshot = true on the cluster.",
        rds_47,
        frameworks=FSBP_ONLY,
        scope=_cluster_of(("postgres",), "RDS for PostgreSQL DB clusters"),
    ),
    _c(
        "RDS.48",
        "RDS for MySQL DB clusters should be configured to copy tags to DB snapshots",
        "LOW",
        _OTHER,
        "AwsRdsDbCluster",
        "Set copy_tags_to_snapshot = true on the cluster.",
        rds_47,
        frameworks=FSBP_ONLY,
        scope=_cluster_of(("mysql",), "RDS for MySQL DB clusters"),
    ),
    _c(
        "RDS.50",
        "RDS DB clusters should have enough backup retention period set",
        "MEDIUM",
        _OTHER,
        "AwsRdsDbCluster",
        "Set backup_retention_period on the cluster to at least minimumBackupRetentionPeriod days.",
        rds_50,
        frameworks=FSBP_ONLY,
        params={"minimumBackupRetentionPeriod": 7},
        scope=_kind("cluster"),
    ),
    _c(
        "RDS.38",
        "RDS for PostgreSQL DB instances should be encrypted in transit",
        "MEDIUM",
        _RDS,
        "AwsRdsDbInstance",
        "Use a custom DB parameter group with rds.force_ssl = 1 (the default from PostgreSQL 15) and reboot if the group is pending-reboot.",
        rds_38,
        needs=("parameters",),
        frameworks=CONTROL_TOWER,
        scope=_tls_instance(("postgres",), "PostgreSQL"),
    ),
    _c(
        "RDS.39",
        "RDS for MySQL DB instances should be encrypted in transit",
        "MEDIUM",
        _RDS,
        "AwsRdsDbInstance",
        "Use a custom DB parameter group with require_secure_transport = 1 (ON); the change applies without a reboot.",
        rds_39,
        needs=("parameters",),
        frameworks=CONTROL_TOWER,
        scope=_tls_instance(("mysql",), "MySQL"),
    ),
    _c(
        "RDS.41",
        "RDS for SQL Server DB instances should be encrypted in transit",
        "MEDIUM",
        _RDS,
        "AwsRdsDbInstance",
        "Use a custom DB parameter group with rds.force_ssl = 1 and reboot the instance (the parameter is static).",
        rds_41,
        needs=("parameters",),
        frameworks=FSBP_ONLY,
        scope=_tls_instance(SQLSERVER, "SQL Server"),
    ),
    _c(
        "RDS.44",
        "RDS for MariaDB DB instances should be encrypted in transit",
        "MEDIUM",
        _RDS,
        "AwsRdsDbInstance",
        "Use a custom DB parameter group with require_secure_transport = ON (MariaDB 10.5 and later); no reboot is needed.",
        rds_44,
        needs=("parameters",),
        frameworks=FSBP_ONLY,
        scope=_tls_instance(("mariadb",), "MariaDB", minimum=(10, 5)),
    ),
    _c(
        "RDS.43",
        "RDS DB proxies should require TLS encryption for connections",
        "MEDIUM",
        _OTHER,
        "AwsRdsDbProxy",
        "Set require_tls = true on the proxy (ModifyDBProxy --require-tls) once its clients connect with TLS.",
        rds_43,
        frameworks=FSBP_ONLY,
        scope=_kind("db_proxy"),
    ),
    _c(
        "RDS.45",
        "Aurora MySQL DB clusters should have audit logging enabled",
        "MEDIUM",
        _OTHER,
        "AwsRdsDbCluster",
        "Use a custom DB cluster parameter group with server_audit_logging = 1 and server_audit_events naming the events to audit (e.g. CONNECT,QUERY).",
        rds_45,
        needs=("cluster_parameters",),
        frameworks=FSBP_NIST,
        scope=_cluster_of(AURORA_MYSQL, "Aurora MySQL"),
    ),
    _c(
        "RDS.46",
        "RDS DB instances should not be deployed in public subnets with routes to internet gateways",
        "HIGH",
        _RDS,
        "AwsRdsDbInstance",
        "Use a DB subnet group of private subnets only (no 0.0.0.0/0 or ::/0 route to an internet gateway; a NAT gateway is fine).",
        rds_46,
        needs=("route_tables",),
        frameworks=FSBP_ONLY,
        scope=_in_subnet_group,
    ),
    _c(
        "RDS.51",
        "RDS global clusters should run on a supported Aurora MySQL version",
        "HIGH",
        ("rds_global",),
        "AwsRdsGlobalCluster",
        f"Upgrade the global database to Aurora MySQL {AURORA_MYSQL_MIN_SUPPORTED} or later (or a long-term support version 3.04.x).",
        rds_51,
        frameworks=FSBP_ONLY,
    ),
]
