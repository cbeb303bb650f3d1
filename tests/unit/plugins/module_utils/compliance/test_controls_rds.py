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


def tls_instance(engine: str, version: str, params: dict[str, Any] | None, status: str = "in-sync", member: str | None = None) -> dict[str, Any]:
    base = {"Engine": engine, "EngineVersion": version, "ParameterGroup": "g", "ParameterApplyStatus": status, "DBClusterIdentifier": member}
    return {
        "arn": "arn:aws:rds:us-east-1:1:db:x",
        "name": "x",
        "region": "us-east-1",
        "type": "AwsRdsDbInstance",
        "base": base,
        "areas": {"parameters": params},
    }


def judged(cid: str, *resources: dict[str, Any], service: str = "rds") -> list[Any]:
    collected = {"account": "1", "services": [{"service": service, "region": "us-east-1", "listing": None, "gaps": [], "resources": list(resources)}]}
    return ctl.evaluate(ctl.CONTROLS[cid], collected)


def test_in_transit_controls_judge_their_engine_the_value_and_the_sync_state() -> None:
    on = {"rds.force_ssl": "1"}
    assert [r.status for r in judged("RDS.38", tls_instance("postgres", "16.3", on))] == ["PASS"]
    assert [r.status for r in judged("RDS.38", tls_instance("postgres", "16.3", on, status="pending-reboot"))] == ["FAIL"]  # not in effect yet
    assert [r.status for r in judged("RDS.38", tls_instance("mysql", "8.0.35", on))] == []  # another engine: not reported
    assert [r.status for r in judged("RDS.41", tls_instance("postgres", "16.3", on))] == []
    member = judged("RDS.38", tls_instance("postgres", "16.3", None, member="multi-az"))
    assert [r.status for r in member] == ["NOT_APPLICABLE"]  # a Multi-AZ DB cluster's member: not judged
    (unset,) = judged("RDS.38", tls_instance("postgres", "16.3", {"rds.force_ssl": None}))
    assert unset.status == "FAIL" and "unset" in unset.reason
    # a group answering no such parameter is no verdict, except for MySQL before 5.7 (which has none: TLS cannot be required)
    (missing,) = judged("RDS.41", tls_instance("sqlserver-ex", "15.00.4153.1.v1", {}))
    assert missing.status == "ERROR" and "rds.force_ssl" in missing.reason
    assert [r.status for r in judged("RDS.39", tls_instance("mysql", "5.6.21", {}))] == ["FAIL"]
    assert [r.status for r in judged("RDS.39", tls_instance("mysql", "8.0.35", {}))] == ["ERROR"]
    # MariaDB before 10.5 has no require_secure_transport: Security Hub does not evaluate it
    assert [r.status for r in judged("RDS.44", tls_instance("mariadb", "10.4.34", {}))] == ["NOT_APPLICABLE"]
    assert [r.status for r in judged("RDS.44", tls_instance("mariadb", "10.5.25", {"require_secure_transport": "ON"}))] == ["PASS"]


def test_an_unreadable_parameter_group_is_an_error_naming_the_action() -> None:
    res = tls_instance("postgres", "16.3", None)
    del res["areas"]["parameters"]
    res["unavailable"] = {"parameters": {"action": "rds:DescribeDBParameters", "kind": "access-denied", "reason": "rds:DescribeDBParameters: AccessDenied: no"}}
    (result,) = judged("RDS.38", res)
    assert (result.status, result.unavailable_actions) == ("ERROR", ("rds:DescribeDBParameters",))


def test_aurora_mysql_audit_logging_needs_the_flag_and_events() -> None:
    cluster = {"kind": "cluster", "Engine": "aurora-mysql", "DBClusterParameterGroup": "g"}
    assert judge("RDS.45", cluster, {"cluster_parameters": {"server_audit_logging": "ON", "server_audit_events": "CONNECT"}}) == ["PASS"]
    assert judge("RDS.45", cluster, {"cluster_parameters": {"server_audit_logging": "1", "server_audit_events": " "}}) == ["FAIL"]
    assert judge("RDS.45", cluster, {"cluster_parameters": {"server_audit_logging": "1"}}) == ["ERROR"]
    assert judge("RDS.45", {**cluster, "Engine": "aurora-postgresql"}, {"cluster_parameters": {}}) == ["NOT_APPLICABLE"]


def test_public_subnets_of_the_subnet_group_fail_and_unknown_tables_are_errors() -> None:
    base = {"Engine": "postgres", "SubnetGroup": {"name": "db", "vpc_id": "vpc-1", "subnets": ["subnet-a", "subnet-b"]}}
    private = {"route_table": "rtb-1", "association": "main", "internet_routes": []}
    public = {"route_table": "rtb-2", "association": "explicit", "internet_routes": ["::/0 -> igw-9"]}
    assert instance("RDS.46", base) == ["ERROR"]  # route tables not collected: no verdict
    assert judge("RDS.46", base, {"route_tables": {"subnet-a": private, "subnet-b": private}}, service="rds", rtype="AwsRdsDbInstance") == ["PASS"]
    assert judge("RDS.46", base, {"route_tables": {"subnet-a": private, "subnet-b": public}}, service="rds", rtype="AwsRdsDbInstance") == ["FAIL"]
    lost = {"subnet-a": private, "subnet-b": {"route_table": None, "internet_routes": []}}
    assert judge("RDS.46", base, {"route_tables": lost}, service="rds", rtype="AwsRdsDbInstance") == ["ERROR"]
    assert instance("RDS.46", {"Engine": "postgres", "SubnetGroup": None}) == ["NOT_APPLICABLE"]


def test_route_table_of_a_subnet_is_its_explicit_one_else_the_main_one() -> None:
    from ansible_collections.slipway.aws.plugins.module_utils.compliance.evidence import subnet_route

    main = {
        "RouteTableId": "rtb-main",
        "VpcId": "vpc-1",
        "Associations": [{"Main": True}],
        "Routes": [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"}],
    }
    own = {
        "RouteTableId": "rtb-own",
        "VpcId": "vpc-1",
        "Associations": [{"SubnetId": "subnet-a"}],
        "Routes": [{"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1"}],
    }
    assert subnet_route([main, own], "vpc-1", "subnet-a") == {"route_table": "rtb-own", "association": "explicit", "internet_routes": []}
    assert subnet_route([main, own], "vpc-1", "subnet-b")["internet_routes"] == ["0.0.0.0/0 -> igw-1"]
    assert subnet_route([own], "vpc-2", "subnet-c")["route_table"] is None


def test_db_proxies_and_global_cluster_versions() -> None:
    assert judge("RDS.43", {"kind": "db_proxy"}, rtype="AwsRdsDbProxy") == ["ERROR"]  # no RequireTLS answered
    assert judge("RDS.43", {"kind": "cluster", "Engine": "aurora-mysql"}) == []
    g = {"kind": "global_cluster", "Engine": "aurora-mysql"}
    for version, status in (
        ("8.0.mysql_aurora.3.10.0", "PASS"),
        ("8.0.mysql_aurora.3.04.2", "PASS"),  # long-term support
        ("8.0.mysql_aurora.3.05.2", "FAIL"),
        ("5.7.mysql_aurora.2.12.1", "FAIL"),
        ("8.0", "ERROR"),
    ):
        assert judge("RDS.51", {**g, "EngineVersion": version}, service="rds_global", rtype="AwsRdsGlobalCluster") == [status], version
    assert judge("RDS.51", {**g, "Engine": "aurora-postgresql", "EngineVersion": "16.4"}, service="rds_global", rtype="AwsRdsGlobalCluster") == [
        "NOT_APPLICABLE"
    ]
