"""Unit cases of controls_rds.py's controls, merged into test_controls.CASES: control id -> (service,
(compliant base, compliant areas), (non-compliant base, non-compliant areas))."""

from __future__ import annotations

from typing import Any

CLUSTER = {
    "kind": "cluster",
    "Engine": "aurora-mysql",
    "DeletionProtection": True,
    "IAMDatabaseAuthenticationEnabled": True,
    "CopyTagsToSnapshot": True,
    "MasterUsername": "dbowner",
    "StorageEncrypted": True,
    "AutoMinorVersionUpgrade": True,
    "BacktrackWindow": 86400,
    "EnabledCloudwatchLogsExports": ["audit", "error"],
    "MultiAZ": True,
    "BackupRetentionPeriod": 7,
}
CLUSTER_BAD = {
    **CLUSTER,
    "DeletionProtection": False,
    "IAMDatabaseAuthenticationEnabled": False,
    "CopyTagsToSnapshot": False,
    "MasterUsername": "admin",
    "StorageEncrypted": False,
    "AutoMinorVersionUpgrade": False,
    "BacktrackWindow": 0,
    "EnabledCloudwatchLogsExports": ["error"],
    "MultiAZ": False,
    "BackupRetentionPeriod": 1,
}
# RDS Multi-AZ DB clusters (engines mysql, postgres): RDS.35, RDS.47, RDS.48
MYSQL_CLUSTER = {"kind": "cluster", "Engine": "mysql", "AutoMinorVersionUpgrade": True, "CopyTagsToSnapshot": True}
MYSQL_CLUSTER_BAD = {**MYSQL_CLUSTER, "AutoMinorVersionUpgrade": False, "CopyTagsToSnapshot": False}
PG_CLUSTER = {"kind": "cluster", "Engine": "aurora-postgresql", "EnabledCloudwatchLogsExports": ["postgresql"]}
SNAPSHOT = {"kind": "snapshot", "SnapshotType": "manual", "Encrypted": True}
CLUSTER_SNAPSHOT = {"kind": "cluster_snapshot", "SnapshotType": "manual", "Encrypted": False}


def subscription(source: str | None, categories: list[str], enabled: bool = True) -> dict[str, Any]:
    return {"kind": "event_subscription", "SourceType": source, "Enabled": enabled, "EventCategoriesList": categories, "SourceIdsList": []}


def tls(engine: str, version: str, status: str = "in-sync") -> dict[str, Any]:
    """A DB instance as the in-transit controls (RDS.38, RDS.39, RDS.41, RDS.44) see its listing."""
    return {"Engine": engine, "EngineVersion": version, "ParameterGroup": f"group-{engine}", "ParameterApplyStatus": status}


def placed(*subnets: str) -> dict[str, Any]:
    """A DB instance in a DB subnet group (RDS.46)."""
    return {"Engine": "mysql", "SubnetGroup": {"name": "db-subnets", "vpc_id": "vpc-1", "subnets": list(subnets)}}


CASES: dict[str, tuple[str, tuple[dict[str, Any], dict[str, Any]], tuple[dict[str, Any], dict[str, Any]]]] = {
    "RDS.1": (
        "rds_other",
        (SNAPSHOT, {"snapshot_attributes": ["111111111111"], "cluster_snapshot_attributes": None}),
        (CLUSTER_SNAPSHOT, {"snapshot_attributes": None, "cluster_snapshot_attributes": ["all"]}),
    ),
    "RDS.4": ("rds_other", (SNAPSHOT, {}), (CLUSTER_SNAPSHOT, {})),
    "RDS.7": ("rds_other", (CLUSTER, {}), (CLUSTER_BAD, {})),
    "RDS.12": ("rds_other", (CLUSTER, {}), (CLUSTER_BAD, {})),
    "RDS.14": ("rds_other", (CLUSTER, {}), (CLUSTER_BAD, {})),
    "RDS.16": ("rds_other", (CLUSTER, {}), (CLUSTER_BAD, {})),
    "RDS.24": ("rds_other", (CLUSTER, {}), (CLUSTER_BAD, {})),
    "RDS.25": ("rds", ({"Engine": "postgres", "MasterUsername": "dbowner"}, {}), ({"Engine": "postgres", "MasterUsername": "postgres"}, {})),
    "RDS.27": ("rds_other", (CLUSTER, {}), (CLUSTER_BAD, {})),
    "RDS.34": ("rds_other", (CLUSTER, {}), (CLUSTER_BAD, {})),
    "RDS.35": ("rds_other", (MYSQL_CLUSTER, {}), (MYSQL_CLUSTER_BAD, {})),
    "RDS.37": ("rds_other", (PG_CLUSTER, {}), ({**PG_CLUSTER, "EnabledCloudwatchLogsExports": ["upgrade"]}, {})),
    "RDS.19": ("rds_other", (subscription("db-cluster", []), {}), (subscription("db-cluster", ["maintenance"]), {})),
    "RDS.20": (
        "rds_other",
        (subscription("db-instance", ["configuration change", "failure", "maintenance", "notification"]), {}),
        (subscription("db-instance", ["failure", "maintenance"]), {}),
    ),
    "RDS.21": ("rds_other", (subscription(None, []), {}), (subscription("db-parameter-group", ["configuration change"], enabled=False), {})),
    "RDS.22": ("rds_other", (subscription("db-security-group", ["configuration change", "failure"]), {}), (subscription("db-security-group", ["failure"]), {})),
    "RDS.6": ("rds", ({"Engine": "mysql", "MonitoringInterval": 60}, {}), ({"Engine": "mysql", "MonitoringInterval": 0}, {})),
    "RDS.15": ("rds_other", (CLUSTER, {}), (CLUSTER_BAD, {})),
    "RDS.36": (
        "rds",
        ({"Engine": "postgres", "EnabledCloudwatchLogsExports": ["postgresql", "upgrade"]}, {}),
        ({"Engine": "postgres", "EnabledCloudwatchLogsExports": ["upgrade"]}, {}),
    ),
    "RDS.40": (
        "rds",
        ({"Engine": "sqlserver-ee", "EnabledCloudwatchLogsExports": ["agent", "error"]}, {}),
        ({"Engine": "sqlserver-ex", "EnabledCloudwatchLogsExports": ["error"]}, {}),
    ),
    "RDS.42": (
        "rds",
        ({"Engine": "mariadb", "EnabledCloudwatchLogsExports": ["audit", "error", "general"]}, {}),
        ({"Engine": "mariadb", "EnabledCloudwatchLogsExports": ["error", "slowquery"]}, {}),
    ),
    "RDS.47": ("rds_other", ({**MYSQL_CLUSTER, "Engine": "postgres"}, {}), ({**MYSQL_CLUSTER_BAD, "Engine": "postgres"}, {})),
    "RDS.48": ("rds_other", (MYSQL_CLUSTER, {}), (MYSQL_CLUSTER_BAD, {})),
    "RDS.50": ("rds_other", (CLUSTER, {}), (CLUSTER_BAD, {})),
    "RDS.38": ("rds", (tls("postgres", "16.3"), {"parameters": {"rds.force_ssl": "1"}}), (tls("postgres", "14.9"), {"parameters": {"rds.force_ssl": "0"}})),
    "RDS.39": (
        "rds",
        (tls("mysql", "8.0.35"), {"parameters": {"require_secure_transport": "ON"}}),
        (tls("mysql", "8.0.35"), {"parameters": {"require_secure_transport": "0"}}),
    ),
    "RDS.41": (
        "rds",
        (tls("sqlserver-se", "16.00.4095.4.v1"), {"parameters": {"rds.force_ssl": "1"}}),
        (tls("sqlserver-ex", "15.00.4153.1.v1"), {"parameters": {"rds.force_ssl": "0"}}),
    ),
    "RDS.44": (
        "rds",
        (tls("mariadb", "10.11.6"), {"parameters": {"require_secure_transport": "1"}}),
        (tls("mariadb", "11.4.3"), {"parameters": {"require_secure_transport": "OFF"}}),
    ),
    "RDS.43": ("rds_other", ({"kind": "db_proxy", "RequireTLS": True}, {}), ({"kind": "db_proxy", "RequireTLS": False}, {})),
    "RDS.45": (
        "rds_other",
        ({**CLUSTER, "DBClusterParameterGroup": "audited"}, {"cluster_parameters": {"server_audit_events": "CONNECT,QUERY", "server_audit_logging": "1"}}),
        ({**CLUSTER, "DBClusterParameterGroup": "default.aurora-mysql8.0"}, {"cluster_parameters": {"server_audit_events": None, "server_audit_logging": "0"}}),
    ),
    "RDS.46": (
        "rds",
        (placed("subnet-a"), {"route_tables": {"subnet-a": {"route_table": "rtb-private", "association": "explicit", "internet_routes": []}}}),
        (placed("subnet-b"), {"route_tables": {"subnet-b": {"route_table": "rtb-main", "association": "main", "internet_routes": ["0.0.0.0/0 -> igw-1"]}}}),
    ),
    "RDS.51": (
        "rds_global",
        ({"kind": "global_cluster", "Engine": "aurora-mysql", "EngineVersion": "8.0.mysql_aurora.3.08.0"}, {}),
        ({"kind": "global_cluster", "Engine": "aurora-mysql", "EngineVersion": "8.0.mysql_aurora.3.05.2"}, {}),
    ),
}
