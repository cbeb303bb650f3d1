"""RDS Enhanced Monitoring settings as AWS reports them (tools/local_aws/rds_ext.py): CreateDBInstance and
ModifyDBInstance keep MonitoringInterval / MonitoringRoleArn, DescribeDBInstances answers them (0 when off), and the
API's rules on the pair are enforced."""

from __future__ import annotations

import botocore.exceptions
import pytest

from .conftest import Emulator

ROLE = "arn:aws:iam::123456789012:role/rds-monitoring"
DB = {"DBInstanceClass": "db.t3.micro", "Engine": "mysql", "MasterUsername": "dbowner", "MasterUserPassword": "password123", "AllocatedStorage": 20}


def monitoring(rds: object, name: str) -> tuple[object, object]:
    db = rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]  # type: ignore[attr-defined]
    return db.get("MonitoringInterval"), db.get("MonitoringRoleArn")


def test_the_monitoring_interval_is_kept_and_answered(emulator: Emulator) -> None:
    rds = emulator.client("rds")
    rds.create_db_instance(DBInstanceIdentifier="em-off", **DB)
    rds.create_db_instance(DBInstanceIdentifier="em-on", MonitoringInterval=60, MonitoringRoleArn=ROLE, **DB)
    assert monitoring(rds, "em-off") == (0, None)
    assert monitoring(rds, "em-on") == (60, ROLE)
    rds.modify_db_instance(DBInstanceIdentifier="em-off", MonitoringInterval=5, MonitoringRoleArn=ROLE, ApplyImmediately=True)
    rds.modify_db_instance(DBInstanceIdentifier="em-on", MonitoringInterval=15, ApplyImmediately=True)  # the role is kept
    assert monitoring(rds, "em-off") == (5, ROLE)
    assert monitoring(rds, "em-on") == (15, ROLE)
    rds.modify_db_instance(DBInstanceIdentifier="em-on", MonitoringInterval=0, ApplyImmediately=True)
    assert monitoring(rds, "em-on") == (0, None)


@pytest.mark.parametrize(
    ("settings", "code"),
    [
        ({"MonitoringInterval": 60}, "InvalidParameterCombination"),  # no role for a non-zero interval
        ({"MonitoringInterval": 0, "MonitoringRoleArn": ROLE}, "InvalidParameterCombination"),  # a role needs an interval
        ({"MonitoringInterval": 7, "MonitoringRoleArn": ROLE}, "InvalidParameterValue"),  # not one of 0, 1, 5, 10, 15, 30, 60
    ],
)
def test_invalid_monitoring_settings_are_refused(emulator: Emulator, settings: dict[str, object], code: str) -> None:
    rds = emulator.client("rds")
    with pytest.raises(botocore.exceptions.ClientError) as err:
        rds.create_db_instance(DBInstanceIdentifier="em-bad", **settings, **DB)
    assert err.value.response["Error"]["Code"] == code
    assert not [d for d in rds.describe_db_instances()["DBInstances"] if d["DBInstanceIdentifier"] == "em-bad"]


def parameters(rds: object, group: str, cluster: bool = False) -> dict[str, tuple[object, object]]:
    """Every page of a group's parameters as ``{name: (value, source)}``."""
    op, key = ("describe_db_cluster_parameters", "DBClusterParameterGroupName") if cluster else ("describe_db_parameters", "DBParameterGroupName")
    pages = rds.get_paginator(op).paginate(**{key: group})  # type: ignore[attr-defined]
    return {p["ParameterName"]: (p.get("ParameterValue"), p["Source"]) for page in pages for p in page["Parameters"]}


@pytest.mark.parametrize(
    ("engine", "version", "group", "name", "value"),
    [
        ("postgres", "16.3", "default.postgres16", "rds.force_ssl", "1"),  # on by default from PostgreSQL 15
        ("postgres", "14.9", "default.postgres14", "rds.force_ssl", "0"),
        ("mysql", "8.0.35", "default.mysql8.0", "require_secure_transport", "0"),
        ("mariadb", "10.11.6", "default.mariadb10.11", "require_secure_transport", "0"),
        ("sqlserver-ex", "15.00.4153.1.v1", "default.sqlserver-ex-15.0", "rds.force_ssl", "0"),
    ],
)
def test_a_default_parameter_group_answers_the_engine_defaults(emulator: Emulator, engine: str, version: str, group: str, name: str, value: str) -> None:
    rds = emulator.client("rds")
    ident = f"em-pg-{engine}-{version.partition('.')[0]}"
    created = rds.create_db_instance(DBInstanceIdentifier=ident, **{**DB, "Engine": engine, "EngineVersion": version})["DBInstance"]
    assert created["DBParameterGroups"][0]["DBParameterGroupName"] == group  # named as AWS names it
    got = parameters(rds, group)
    assert got[name][0] == value and got[name][1] in ("engine-default", "system")


def test_a_custom_group_answers_what_a_user_set_over_the_defaults_and_pages(emulator: Emulator) -> None:
    rds = emulator.client("rds")
    rds.create_db_parameter_group(DBParameterGroupName="em-pg-custom", DBParameterGroupFamily="postgres13", Description="custom")
    assert parameters(rds, "em-pg-custom")["rds.force_ssl"] == ("0", "engine-default")
    many = [{"ParameterName": f"em.setting_{i:02}", "ParameterValue": str(i), "ApplyMethod": "immediate"} for i in range(25)]
    rds.modify_db_parameter_group(
        DBParameterGroupName="em-pg-custom", Parameters=[{"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "pending-reboot"}]
    )
    for i in range(0, 25, 20):
        rds.modify_db_parameter_group(DBParameterGroupName="em-pg-custom", Parameters=many[i : i + 20])
    first = rds.describe_db_parameters(DBParameterGroupName="em-pg-custom", MaxRecords=20)
    assert len(first["Parameters"]) == 20 and first["Marker"]
    got = parameters(rds, "em-pg-custom")
    assert len(got) == 26 and got["rds.force_ssl"] == ("1", "user")
    user = rds.describe_db_parameters(DBParameterGroupName="em-pg-custom", Source="engine-default")["Parameters"]
    assert user == []  # the one default was overridden by the user
    with pytest.raises(botocore.exceptions.ClientError) as err:
        rds.describe_db_parameters(DBParameterGroupName="em-pg-missing")
    assert err.value.response["Error"]["Code"] == "DBParameterGroupNotFound"


def test_aurora_mysql_cluster_groups_answer_advanced_auditing(emulator: Emulator) -> None:
    rds = emulator.client("rds")
    login = {"MasterUsername": "dbowner", "MasterUserPassword": "password123"}
    made = rds.create_db_cluster(DBClusterIdentifier="em-audit-default", Engine="aurora-mysql", EngineVersion="8.0.mysql_aurora.3.08.0", **login)
    assert made["DBCluster"]["DBClusterParameterGroup"] == "default.aurora-mysql8.0"
    assert parameters(rds, "default.aurora-mysql8.0", cluster=True) == {
        "server_audit_events": (None, "engine-default"),
        "server_audit_logging": ("0", "engine-default"),
    }
    rds.create_db_cluster_parameter_group(DBClusterParameterGroupName="em-audit", DBParameterGroupFamily="aurora-mysql8.0", Description="audit")
    on = [{"ParameterName": "server_audit_logging", "ParameterValue": "1", "ApplyMethod": "immediate"}]
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName="em-audit", Parameters=on)
    assert parameters(rds, "em-audit", cluster=True)["server_audit_logging"] == ("1", "user")
    pg = rds.create_db_cluster(DBClusterIdentifier="em-audit-pg", Engine="aurora-postgresql", EngineVersion="16.4", **login)
    assert pg["DBCluster"]["DBClusterParameterGroup"] == "default.aurora-postgresql16"


def test_a_db_proxy_answers_require_tls(emulator: Emulator) -> None:
    rds, ec2 = emulator.client("rds"), emulator.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.47.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.47.{i}.0/24")["Subnet"]["SubnetId"] for i in (1, 2)]
    auth = [{"AuthScheme": "SECRETS", "SecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:em", "IAMAuth": "DISABLED"}]
    common = {"EngineFamily": "POSTGRESQL", "Auth": auth, "RoleArn": "arn:aws:iam::123456789012:role/em-proxy", "VpcSubnetIds": subnets}
    rds.create_db_proxy(DBProxyName="em-proxy-plain", **common)
    rds.create_db_proxy(DBProxyName="em-proxy-tls", RequireTLS=True, **common)
    got = {p["DBProxyName"]: p.get("RequireTLS") for p in rds.describe_db_proxies()["DBProxies"]}
    assert got["em-proxy-plain"] is False and got["em-proxy-tls"] is True
