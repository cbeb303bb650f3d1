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
}
PG_CLUSTER = {"kind": "cluster", "Engine": "aurora-postgresql", "EnabledCloudwatchLogsExports": ["postgresql"]}
SNAPSHOT = {"kind": "snapshot", "SnapshotType": "manual", "Encrypted": True}
CLUSTER_SNAPSHOT = {"kind": "cluster_snapshot", "SnapshotType": "manual", "Encrypted": False}


def subscription(source: str | None, categories: list[str], enabled: bool = True) -> dict[str, Any]:
    return {"kind": "event_subscription", "SourceType": source, "Enabled": enabled, "EventCategoriesList": categories, "SourceIdsList": []}


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
    "RDS.35": ("rds_other", (CLUSTER, {}), (CLUSTER_BAD, {})),
    "RDS.37": ("rds_other", (PG_CLUSTER, {}), ({**PG_CLUSTER, "EnabledCloudwatchLogsExports": ["upgrade"]}, {})),
    "RDS.19": ("rds_other", (subscription("db-cluster", []), {}), (subscription("db-cluster", ["maintenance"]), {})),
    "RDS.20": (
        "rds_other",
        (subscription("db-instance", ["configuration change", "failure", "maintenance", "notification"]), {}),
        (subscription("db-instance", ["failure", "maintenance"]), {}),
    ),
    "RDS.21": ("rds_other", (subscription(None, []), {}), (subscription("db-parameter-group", ["configuration change"], enabled=False), {})),
    "RDS.22": ("rds_other", (subscription("db-security-group", ["configuration change", "failure"]), {}), (subscription("db-security-group", ["failure"]), {})),
}
