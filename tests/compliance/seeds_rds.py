"""The compliance world's resources for the later FSBP controls of RDS (clusters, snapshots, event subscriptions, more instance checks)
(plugins/module_utils/compliance/controls_rds.py).

``seed(w)`` is called by ``tests/compliance/conftest.py``'s ``build_world`` after the first controls' resources
exist. Per control, one compliant and one non-compliant resource: ``w.expected[control] = (good_arn, bad_arn)``.
"""

from __future__ import annotations

from typing import Any

PASSWORD = "password123"  # a test value of the emulator, never a real secret


def seed(w: Any) -> None:
    """Aurora MySQL and Aurora PostgreSQL clusters (one compliant, one not, of each), their manual cluster snapshots
    (RDS.4), two MySQL instances with a custom and a default administrator name (RDS.25) and a manual snapshot of
    each (RDS.1: one shared with one account, one public), and one event subscription per source type and verdict."""
    rds = w.client("rds")

    def cluster(name: str, engine: str, good: bool, exports: list[str]) -> str:
        settings: dict[str, Any] = {"DeletionProtection": good, "EnableIAMDatabaseAuthentication": good, "CopyTagsToSnapshot": good}
        settings.update(StorageEncrypted=good, AutoMinorVersionUpgrade=good, EnableCloudwatchLogsExports=exports)
        if engine == "aurora-mysql" and good:
            settings["BacktrackWindow"] = 3600
        user = "dbowner" if good else ("admin" if engine == "aurora-mysql" else "postgres")
        created = rds.create_db_cluster(DBClusterIdentifier=name, Engine=engine, MasterUsername=user, MasterUserPassword=PASSWORD, **settings)
        return created["DBCluster"]["DBClusterArn"]

    good = cluster("cr-rds-good", "aurora-mysql", True, ["audit", "error"])
    bad = cluster("cr-rds-bad", "aurora-mysql", False, ["error"])
    for c in ("RDS.7", "RDS.12", "RDS.14", "RDS.16", "RDS.24", "RDS.27", "RDS.34", "RDS.35"):
        w.expected[c] = (good, bad)
    w.expected["RDS.37"] = (cluster("cr-rds-pg-good", "aurora-postgresql", True, ["postgresql"]), cluster("cr-rds-pg-bad", "aurora-postgresql", False, []))

    def cluster_snapshot(name: str, source: str) -> str:
        return rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier=name, DBClusterIdentifier=source)["DBClusterSnapshot"]["DBClusterSnapshotArn"]

    w.expected["RDS.4"] = (cluster_snapshot("cr-rds-snap-good", "cr-rds-good"), cluster_snapshot("cr-rds-snap-bad", "cr-rds-bad"))

    db = {"DBInstanceClass": "db.t3.micro", "Engine": "mysql", "MasterUserPassword": PASSWORD, "AllocatedStorage": 20}
    ig = rds.create_db_instance(DBInstanceIdentifier="cr-rds-admin-good", MasterUsername="dbowner", **db)["DBInstance"]["DBInstanceArn"]
    ib = rds.create_db_instance(DBInstanceIdentifier="cr-rds-admin-bad", MasterUsername="admin", **db)["DBInstance"]["DBInstanceArn"]
    w.expected["RDS.25"] = (ig, ib)

    def snapshot(name: str, source: str, share: str) -> str:
        arn = rds.create_db_snapshot(DBSnapshotIdentifier=name, DBInstanceIdentifier=source)["DBSnapshot"]["DBSnapshotArn"]
        rds.modify_db_snapshot_attribute(DBSnapshotIdentifier=name, AttributeName="restore", ValuesToAdd=[share])
        return arn

    w.expected["RDS.1"] = (snapshot("cr-rds-shared", "cr-rds-admin-good", "111111111111"), snapshot("cr-rds-public", "cr-rds-admin-bad", "all"))

    topic = w.client("sns").create_topic(Name="cr-rds-events")["TopicArn"]

    def subscription(name: str, source: str, categories: list[str], enabled: bool = True) -> str:
        created = rds.create_event_subscription(SubscriptionName=name, SnsTopicArn=topic, SourceType=source, EventCategories=categories, Enabled=enabled)
        return created["EventSubscription"]["EventSubscriptionArn"]

    w.expected["RDS.19"] = (subscription("cr-rds-cluster-good", "db-cluster", []), subscription("cr-rds-cluster-bad", "db-cluster", ["failure"]))
    w.expected["RDS.20"] = (
        subscription("cr-rds-instance-good", "db-instance", ["maintenance", "configuration change", "failure"]),
        subscription("cr-rds-instance-bad", "db-instance", ["maintenance", "configuration change", "failure"], enabled=False),
    )
    w.expected["RDS.21"] = (
        subscription("cr-rds-pg-good", "db-parameter-group", ["configuration change"]),
        subscription("cr-rds-pg-bad", "db-parameter-group", ["notification"]),
    )
    w.expected["RDS.22"] = (
        subscription("cr-rds-sg-good", "db-security-group", ["configuration change", "failure"]),
        subscription("cr-rds-sg-bad", "db-security-group", ["configuration change"]),
    )
