"""The tricky parts of controls_services.py: DynamoDB.1's capacity modes, indexes and parameters, ElastiCache.7 on
every engine and on replication groups through their members, ECS.16 without awsvpc, and each control judging
only its kind of resource."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.compliance import controls as ctl

from tests.unit.plugins.module_utils.compliance.cases_services import GROUP, PROVISIONED, member, policy, scaled, target, task_set

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
