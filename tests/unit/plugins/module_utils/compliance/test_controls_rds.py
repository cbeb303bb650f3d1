"""The edge cases of controls_rds.py's rules (Security Hub's RDS controls on clusters, snapshots, event subscriptions)."""

from __future__ import annotations

from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.compliance import controls as ctl
from ansible_collections.slipway.aws.plugins.module_utils.compliance import controls_rds as rds

NOW = None


def judge(
    cid: str,
    base: dict[str, Any],
    areas: dict[str, Any] | None = None,
    service: str = "rds_other",
    rtype: str = "AwsRdsDbCluster",
    params: dict[str, Any] | None = None,
) -> list[str]:
    resource = {"arn": f"arn:aws:rds:us-east-1:123456789012:x:{cid}", "name": "x", "region": "us-east-1", "type": rtype, "base": base, "areas": areas or {}}
    collected = {"account": "123456789012", "services": [{"service": service, "region": "us-east-1", "listing": None, "gaps": [], "resources": [resource]}]}
    return [r.status for r in ctl.evaluate(ctl.CONTROLS[cid], collected, params)]


def instance(cid: str, base: dict[str, Any], params: dict[str, Any] | None = None) -> list[str]:
    return judge(cid, base, service="rds", rtype="AwsRdsDbInstance", params=params)


def sub(source: str | None, categories: list[str], enabled: bool = True) -> dict[str, Any]:
    return {"kind": "event_subscription", "SourceType": source, "Enabled": enabled, "EventCategoriesList": categories}


def test_each_control_judges_only_its_kind_of_rds_resource() -> None:
    cluster = {"kind": "cluster", "Engine": "aurora-mysql", "DeletionProtection": True}
    assert judge("RDS.7", cluster) == ["PASS"]
    assert judge("RDS.4", cluster) == []  # a cluster is no snapshot: not reported
    assert judge("RDS.19", cluster) == []
    assert judge("RDS.7", {"kind": "snapshot", "SnapshotType": "manual", "Encrypted": True}, rtype="AwsRdsDbSnapshot") == []


def test_an_automated_snapshot_cannot_be_public_and_a_shared_one_is_private() -> None:
    auto = {"kind": "snapshot", "SnapshotType": "automated"}
    assert judge("RDS.1", auto, {"snapshot_attributes": [], "cluster_snapshot_attributes": None}) == ["PASS"]
    shared = {"kind": "cluster_snapshot", "SnapshotType": "manual"}
    attrs = {"snapshot_attributes": None, "cluster_snapshot_attributes": ["111111111111", "222222222222"]}
    assert judge("RDS.1", shared, attrs, rtype="AwsRdsDbClusterSnapshot") == ["PASS"]
    attrs["cluster_snapshot_attributes"].append("all")
    assert judge("RDS.1", shared, attrs, rtype="AwsRdsDbClusterSnapshot") == ["FAIL"]


def test_an_unreadable_restore_attribute_is_an_error_not_a_verdict() -> None:
    base = {"kind": "snapshot", "SnapshotType": "manual"}
    resource = {"arn": "arn:aws:rds:us-east-1:1:snapshot:s", "name": "s", "region": "us-east-1", "type": "AwsRdsDbSnapshot", "base": base}
    resource |= {
        "areas": {"cluster_snapshot_attributes": None},
        "unavailable": {"snapshot_attributes": {"action": "rds:DescribeDBSnapshotAttributes", "kind": "access-denied", "reason": "no"}},
    }
    collected = {"account": "1", "services": [{"service": "rds_other", "region": "us-east-1", "listing": None, "gaps": [], "resources": [resource]}]}
    (result,) = ctl.evaluate(ctl.CONTROLS["RDS.1"], collected)
    assert (result.status, result.unavailable_actions) == ("ERROR", ("rds:DescribeDBSnapshotAttributes",))


def test_engine_specific_cluster_controls_do_not_apply_to_other_engines() -> None:
    pg = {"kind": "cluster", "Engine": "aurora-postgresql", "BacktrackWindow": 0, "EnabledCloudwatchLogsExports": []}
    assert judge("RDS.14", pg) == ["NOT_APPLICABLE"]
    assert judge("RDS.34", pg) == ["NOT_APPLICABLE"]
    assert judge("RDS.37", pg) == ["FAIL"]
    assert judge("RDS.37", {**pg, "Engine": "aurora-mysql"}) == ["NOT_APPLICABLE"]
    assert judge("RDS.12", {"kind": "cluster", "Engine": "neptune"}) == ["NOT_APPLICABLE"]
    assert judge("RDS.14", {"kind": "cluster", "Engine": "aurora", "BacktrackWindow": 60}) == ["PASS"]  # Aurora MySQL 1 (engine "aurora")


def test_default_administrator_names_fail_whatever_their_case_and_document_databases_are_not_judged() -> None:
    assert judge("RDS.24", {"kind": "cluster", "Engine": "aurora-postgresql", "MasterUsername": "Postgres"}) == ["FAIL"]
    assert judge("RDS.24", {"kind": "cluster", "Engine": "aurora-mysql", "MasterUsername": "admin_1"}) == ["PASS"]
    assert judge("RDS.24", {"kind": "cluster", "Engine": "docdb", "MasterUsername": "admin"}) == ["NOT_APPLICABLE"]
    assert judge("RDS.25", {"Engine": "mysql", "MasterUsername": "ADMIN"}, service="rds", rtype="AwsRdsDbInstance") == ["FAIL"]
    assert judge("RDS.25", {"Engine": "mysql"}, service="rds", rtype="AwsRdsDbInstance") == ["ERROR"]


def test_event_subscriptions_all_categories_all_sources_and_disabled() -> None:
    # no categories is every category; no source type is every source type (judged by all four controls)
    for cid in ("RDS.19", "RDS.20", "RDS.21", "RDS.22"):
        assert judge(cid, sub(None, []), rtype="AwsRdsEventSubscription") == ["PASS"], cid
        assert judge(cid, sub(None, [], enabled=False), rtype="AwsRdsEventSubscription") == ["FAIL"], cid
    # a subscription of another source type is not this control's
    assert judge("RDS.19", sub("db-instance", ["failure"]), rtype="AwsRdsEventSubscription") == []
    # categories compared whatever their case; one missing fails
    assert judge("RDS.22", sub("db-security-group", ["Configuration Change", "FAILURE"]), rtype="AwsRdsEventSubscription") == ["PASS"]
    assert judge("RDS.20", sub("db-instance", ["maintenance", "failure"]), rtype="AwsRdsEventSubscription") == ["FAIL"]
    assert rds.judge_subscription(sub("db-instance", ["maintenance", "failure"]), rds.EVENT_CONTROLS["RDS.20"][1])[2]["missing"] == ["configuration change"]


def test_enhanced_monitoring_off_fails_and_a_chosen_interval_must_match() -> None:
    assert instance("RDS.6", {"Engine": "mysql", "MonitoringInterval": 0}) == ["FAIL"]
    assert instance("RDS.6", {"Engine": "mysql", "MonitoringInterval": 1}) == ["PASS"]
    assert instance("RDS.6", {"Engine": "mysql", "MonitoringInterval": 60}, {"monitoringInterval": 30}) == ["FAIL"]
    assert instance("RDS.6", {"Engine": "mysql", "MonitoringInterval": 30}, {"monitoringInterval": 30}) == ["PASS"]
    assert instance("RDS.6", {"Engine": "mysql"}) == ["ERROR"]  # an answer without the field is no verdict


def test_cluster_controls_judge_their_kind_of_cluster() -> None:
    aurora = {"kind": "cluster", "Engine": "aurora-mysql", "CopyTagsToSnapshot": False, "AutoMinorVersionUpgrade": False}
    multi_az = {**aurora, "Engine": "mysql"}
    # RDS.16 is for Aurora clusters, RDS.47 / RDS.48 for RDS for PostgreSQL / MySQL (Multi-AZ) clusters
    assert (judge("RDS.16", aurora), judge("RDS.16", multi_az)) == (["FAIL"], ["NOT_APPLICABLE"])
    assert (judge("RDS.48", multi_az), judge("RDS.48", aurora), judge("RDS.47", multi_az)) == (["FAIL"], ["NOT_APPLICABLE"], ["NOT_APPLICABLE"])
    assert judge("RDS.47", {**multi_az, "Engine": "postgres", "CopyTagsToSnapshot": True}) == ["PASS"]
    # RDS.35 does not apply to Aurora clusters
    assert (judge("RDS.35", aurora), judge("RDS.35", multi_az)) == (["NOT_APPLICABLE"], ["FAIL"])
    # RDS.34 makes no finding for Aurora Serverless v1 clusters
    assert judge("RDS.34", {**aurora, "EngineMode": "serverless", "EnabledCloudwatchLogsExports": []}) == []
    assert judge("RDS.34", {**aurora, "EngineMode": "provisioned", "EnabledCloudwatchLogsExports": []}) == ["FAIL"]


def test_multi_az_and_backup_retention_of_clusters() -> None:
    assert judge("RDS.15", {"kind": "cluster", "Engine": "aurora-postgresql", "MultiAZ": True}) == ["PASS"]
    assert judge("RDS.15", {"kind": "cluster", "Engine": "aurora-postgresql", "MultiAZ": False}) == ["FAIL"]
    cluster = {"kind": "cluster", "Engine": "docdb", "BackupRetentionPeriod": 7}  # RDS.50 judges every kind of cluster
    assert judge("RDS.50", cluster) == ["PASS"]
    assert judge("RDS.50", cluster, params={"minimumBackupRetentionPeriod": 14}) == ["FAIL"]
    assert judge("RDS.50", {"kind": "cluster", "Engine": "aurora-mysql"}) == ["ERROR"]


def test_instance_log_controls_judge_their_engine_only() -> None:
    assert instance("RDS.36", {"Engine": "mysql", "EnabledCloudwatchLogsExports": []}) == []  # not reported
    assert instance("RDS.36", {"Engine": "postgres", "EnabledCloudwatchLogsExports": ["postgresql"]}) == ["PASS"]  # upgrade is not required
    assert instance("RDS.40", {"Engine": "sqlserver-web", "EnabledCloudwatchLogsExports": ["error"]}) == ["FAIL"]
    assert instance("RDS.40", {"Engine": "sqlserver-web", "EnabledCloudwatchLogsExports": ["error"]}, {"logTypes": ["error"]}) == ["PASS"]
    assert instance("RDS.42", {"Engine": "mariadb", "EnabledCloudwatchLogsExports": ["audit"]}) == ["FAIL"]
    assert instance("RDS.42", {"Engine": "aurora-mysql", "EnabledCloudwatchLogsExports": []}) == []


def test_a_cluster_member_is_not_judged_on_its_administrator_name() -> None:
    member = {"Engine": "aurora-postgresql", "MasterUsername": "postgres", "DBClusterIdentifier": "c"}
    assert instance("RDS.25", member) == ["NOT_APPLICABLE"]
