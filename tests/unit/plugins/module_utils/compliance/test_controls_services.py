"""The tricky parts of controls_services.py: DynamoDB.1's capacity modes, indexes and parameters, ElastiCache.7 on
every engine and on replication groups through their members, ECS.16 without awsvpc, and each control judging
only its kind of resource."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.compliance import controls as ctl

from tests.unit.plugins.module_utils.compliance.cases_services import (
    GROUP,
    PAB,
    PROVISIONED,
    TD,
    acl_granting,
    allow_all,
    bucket,
    capacity_provider,
    member,
    policy,
    scaled,
    target,
    task_def,
    task_set,
)

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)


def judge(cid: str, service: str, base: dict[str, Any], areas: dict[str, Any] | None = None, params: dict[str, Any] | None = None) -> list[ctl.Result]:
    res = {"arn": "arn:test:t", "name": "t", "region": "us-east-1", "type": "T", "base": base, "areas": areas or {}, "unavailable": {}}
    part = {"service": service, "region": "us-east-1", "actions": [], "listing": None, "resources": [res]}
    return ctl.evaluate(ctl.CONTROLS[cid], {"account": "123456789012", "regions": ["us-east-1"], "services": [part]}, params, NOW)


def status(cid: str, service: str, base: dict[str, Any], areas: dict[str, Any] | None = None, params: dict[str, Any] | None = None) -> str:
    (r,) = judge(cid, service, base, areas, params)
    return r.status


def test_dynamodb_1_on_demand_passes_without_any_scaling() -> None:
    on_demand = {"table": {**PROVISIONED, "BillingMode": "PAY_PER_REQUEST"}, "scalable_targets": [], "scaling_policies": []}
    assert status("DynamoDB.1", "dynamodb", {}, on_demand) == "PASS"
    # provisioned without any scalable target fails; reads alone are not enough
    assert status("DynamoDB.1", "dynamodb", {}, {"table": PROVISIONED, "scalable_targets": [], "scaling_policies": []}) == "FAIL"
    assert status("DynamoDB.1", "dynamodb", {}, {**scaled("t"), "scalable_targets": [target("t", "Write")]}) == "FAIL"


def test_dynamodb_1_global_secondary_indexes_need_auto_scaling_too() -> None:
    with_index = {**scaled("t"), "table": {**PROVISIONED, "GlobalSecondaryIndexes": ["by-date"]}}
    assert status("DynamoDB.1", "dynamodb", {}, with_index) == "FAIL"
    index_targets = [target("t", "Read", index="by-date"), target("t", "Write", index="by-date")]
    with_index["scalable_targets"] = with_index["scalable_targets"] + index_targets
    assert status("DynamoDB.1", "dynamodb", {}, with_index) == "PASS"


def test_dynamodb_1_parameters() -> None:
    areas = scaled("t")  # MinCapacity 5, target tracking at 70%
    assert status("DynamoDB.1", "dynamodb", {}, areas, {"minProvisionedReadCapacity": 5, "targetWriteUtilization": 70}) == "PASS"
    assert status("DynamoDB.1", "dynamodb", {}, areas, {"minProvisionedReadCapacity": 10}) == "FAIL"
    assert status("DynamoDB.1", "dynamodb", {}, areas, {"targetReadUtilization": 50}) == "FAIL"
    no_policy = {**areas, "scaling_policies": [policy("t", "Write")]}
    assert status("DynamoDB.1", "dynamodb", {}, no_policy) == "PASS"  # without the parameter the policy is not judged
    assert status("DynamoDB.1", "dynamodb", {}, no_policy, {"targetReadUtilization": 70}) == "FAIL"


def test_elasticache_7_judges_every_engine_and_groups_through_their_members() -> None:
    for engine in ("memcached", "redis", "valkey"):
        cluster = {"kind": "cache_cluster", "CacheClusterId": "c", "Engine": engine}
        assert status("ElastiCache.7", "elasticache", {**cluster, "CacheSubnetGroupName": "default"}, {"member_clusters": []}) == "FAIL"
        assert status("ElastiCache.7", "elasticache", {**cluster, "CacheSubnetGroupName": "private"}, {"member_clusters": []}) == "PASS"
    mixed = {"member_clusters": [member("g-001", "private"), member("g-002", "default")]}
    (r,) = judge("ElastiCache.7", "elasticache", GROUP, mixed)
    assert r.status == "FAIL" and "g-002" in r.reason and "g-001" not in r.reason
    # a group none of whose members was listed cannot be judged
    assert status("ElastiCache.7", "elasticache", GROUP, {"member_clusters": []}) == "ERROR"


def test_ecs_16_without_awsvpc_or_assign_setting_passes() -> None:
    assert status("ECS.16", "ecs", task_set(None)) == "PASS"  # assignPublicIp defaults to DISABLED
    assert status("ECS.16", "ecs", {"kind": "task_set", "networkConfiguration": None}) == "PASS"


def test_each_control_judges_only_its_kind_of_resource() -> None:
    assert judge("ECS.16", "ecs", {"kind": "service"}) == []
    assert judge("ElastiCache.7", "elasticache", {"kind": "other"}) == []


AUTHENTICATED = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"


def test_s3_2_and_3_block_public_access_of_the_bucket_or_the_account_overrides_policy_and_acl() -> None:
    open_both = {"policy": allow_all("s3:*"), "acl": acl_granting("FULL_CONTROL")}
    assert status("S3.2", "s3", {}, bucket(**open_both)) == "FAIL"
    assert status("S3.3", "s3", {}, bucket(**open_both)) == "FAIL"
    # the account's settings count as much as the bucket's (S3 applies the most restrictive combination)
    for where in ("bucket_pab", "account_pab"):
        for cid in ("S3.2", "S3.3"):
            assert status(cid, "s3", {}, bucket(**open_both, **{where: PAB})) == "PASS"
    # RestrictPublicBuckets covers the policy only, IgnorePublicAcls the ACL only; BlockPublic* alone leave existing grants effective
    assert status("S3.2", "s3", {}, bucket(**open_both, bucket_pab={"RestrictPublicBuckets": True})) == "FAIL"
    assert status("S3.2", "s3", {}, bucket(**open_both, account_pab={"RestrictPublicBuckets": True, "IgnorePublicAcls": True})) == "PASS"
    assert status("S3.2", "s3", {}, bucket(**open_both, bucket_pab={"BlockPublicPolicy": True, "BlockPublicAcls": True})) == "FAIL"


def test_s3_2_and_3_acl_grants_by_kind_and_group() -> None:
    assert status("S3.2", "s3", {}, bucket(acl=acl_granting("READ", group=AUTHENTICATED))) == "FAIL"
    assert status("S3.3", "s3", {}, bucket(acl=acl_granting("READ"))) == "PASS"
    assert status("S3.3", "s3", {}, bucket(acl=acl_granting("WRITE_ACP"))) == "FAIL"
    assert status("S3.2", "s3", {}, bucket(acl=acl_granting("WRITE"))) == "PASS"
    (r,) = judge("S3.2", "s3", {}, bucket(acl=acl_granting("READ")))
    assert r.evidence["acl_grants"] == ["READ to AllUsers"]


def test_s3_2_and_3_policy_conditions_must_pin_fixed_values() -> None:
    vpce = {"StringEquals": {"aws:SourceVpce": "vpce-1234"}}
    assert status("S3.2", "s3", {}, bucket(allow_all("s3:GetObject", **vpce))) == "PASS"
    # a wildcard or a policy variable in the narrowing value leaves the bucket public; so does a negated operator
    assert status("S3.2", "s3", {}, bucket(allow_all("s3:GetObject", StringLike={"aws:SourceVpce": "vpce-*"}))) == "FAIL"
    assert status("S3.2", "s3", {}, bucket(allow_all("s3:GetObject", StringEquals={"aws:SourceAccount": "${aws:PrincipalAccount}"}))) == "FAIL"
    assert status("S3.2", "s3", {}, bucket(allow_all("s3:GetObject", StringNotEquals={"aws:SourceVpce": "vpce-1234"}))) == "FAIL"
    assert status("S3.2", "s3", {}, bucket(allow_all("s3:GetObject", IpAddress={"aws:SourceIp": "0.0.0.0/0"}))) == "FAIL"
    assert status("S3.2", "s3", {}, bucket(allow_all("s3:GetObject", IpAddress={"aws:SourceIp": "203.0.113.0/24"}))) == "PASS"
    # a condition on an unrelated key narrows nothing
    assert status("S3.2", "s3", {}, bucket(allow_all("s3:GetObject", Bool={"aws:SecureTransport": "true"}))) == "FAIL"


def test_s3_2_and_3_policy_principals_and_actions() -> None:
    named = allow_all("s3:*")
    named["Statement"][0]["Principal"] = {"AWS": "arn:aws:iam::111122223333:root"}
    assert status("S3.2", "s3", {}, bucket(named)) == "PASS"
    wildcard_account = allow_all("s3:GetObject")
    wildcard_account["Statement"][0]["Principal"] = {"AWS": ["arn:aws:iam::*:root"]}
    assert status("S3.2", "s3", {}, bucket(wildcard_account)) == "FAIL"
    # wildcard action patterns, case-insensitively; NotAction allows everything it does not name
    assert status("S3.3", "s3", {}, bucket(allow_all("S3:Put*"))) == "FAIL"
    assert status("S3.2", "s3", {}, bucket(allow_all("s3:List*"))) == "FAIL"
    not_action = allow_all()
    del not_action["Statement"][0]["Action"]
    not_action["Statement"][0]["NotAction"] = ["s3:Get*", "s3:List*"]
    assert status("S3.2", "s3", {}, bucket(not_action)) == "PASS"
    assert status("S3.3", "s3", {}, bucket(not_action)) == "FAIL"
    deny = allow_all("s3:*")
    deny["Statement"][0]["Effect"] = "Deny"
    assert status("S3.2", "s3", {}, bucket(deny)) == "PASS"


def test_ecs_17_and_18_network_mode_and_efs_volumes() -> None:
    assert status("ECS.17", "ecs", TD, task_def("host")) == "FAIL"
    assert status("ECS.17", "ecs", TD, {"task_definition": {"containers": []}}) == "PASS"  # no networkMode: bridge
    assert status("ECS.18", "ecs", TD, task_def()) == "NOT_APPLICABLE"
    assert status("ECS.18", "ecs", TD, task_def(efs=[{"name": "v", "transitEncryption": "DISABLED"}])) == "FAIL"


def test_ecs_20_and_21_judge_by_operating_system_family() -> None:
    # no operatingSystemFamily: both controls judge it; a container without a user fails both
    no_user = task_def(users=("1000", None))
    assert (status("ECS.20", "ecs", TD, no_user), status("ECS.21", "ecs", TD, no_user)) == ("FAIL", "FAIL")
    named = task_def(users=("1000", "app"))
    assert (status("ECS.20", "ecs", TD, named), status("ECS.21", "ecs", TD, named)) == ("PASS", "PASS")
    # Linux: root by name or by UID 0 (with or without a group) fails ECS.20; ECS.21 does not judge it
    for user in ("root", "0", "0:1000", "root:root"):
        assert status("ECS.20", "ecs", TD, task_def(family="LINUX", users=(user,))) == "FAIL", user
    assert status("ECS.21", "ecs", TD, task_def(family="LINUX", users=(None,))) == "NOT_APPLICABLE"
    # Windows: ContainerAdministrator in any case fails ECS.21; ECS.20 does not judge it
    assert status("ECS.21", "ecs", TD, task_def(family="WINDOWS_SERVER_2022_FULL", users=("containeradministrator",))) == "FAIL"
    assert status("ECS.20", "ecs", TD, task_def(family="WINDOWS_SERVER_2022_FULL", users=(None,))) == "NOT_APPLICABLE"


def test_ecs_19_judges_auto_scaling_group_providers_only() -> None:
    assert status("ECS.19", "ecs", capacity_provider("DISABLED")) == "FAIL"
    (r,) = judge("ECS.19", "ecs", {"kind": "capacity_provider", "status": "ACTIVE", "autoScalingGroupProvider": None})
    assert r.status == "NOT_APPLICABLE"
    assert judge("ECS.19", "ecs", TD, task_def()) == []


def test_s3_24_every_setting_must_be_on() -> None:
    assert status("S3.24", "s3mrap", {"public_access_block": {}}) == "FAIL"
    assert status("S3.24", "s3mrap", {"public_access_block": PAB}) == "PASS"
