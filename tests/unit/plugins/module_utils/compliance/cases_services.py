"""Unit cases of controls_services.py's controls, merged into test_controls.CASES: control id -> (service,
(compliant base, compliant areas), (non-compliant base, non-compliant areas))."""

from __future__ import annotations

from typing import Any

PAB = dict.fromkeys(("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True)


def task_set(assign: str | None) -> dict[str, Any]:
    net = {"awsvpcConfiguration": {"subnets": ["subnet-1"], **({"assignPublicIp": assign} if assign else {})}}
    return {"kind": "task_set", "service": "arn:test:svc", "status": "ACTIVE", "networkConfiguration": net}


def member(cid: str, group: str | None) -> dict[str, Any]:
    return {"CacheClusterId": cid, "Engine": "redis", "EngineVersion": "7.1", "CacheSubnetGroupName": group}


GROUP = {"kind": "replication_group", "Engine": "redis"}
PROVISIONED = {"TableStatus": "ACTIVE", "BillingMode": "PROVISIONED", "GlobalSecondaryIndexes": []}


def target(table: str, dim: str, minimum: int = 5, index: str | None = None) -> dict[str, Any]:
    rid = f"table/{table}" + (f"/index/{index}" if index else "")
    kind = "index" if index else "table"
    return {"ResourceId": rid, "ScalableDimension": f"dynamodb:{kind}:{dim}CapacityUnits", "MinCapacity": minimum, "MaxCapacity": 100}


def policy(table: str, dim: str, value: float = 70.0) -> dict[str, Any]:
    config = {"TargetValue": value, "PredefinedMetricSpecification": {"PredefinedMetricType": f"DynamoDB{dim}CapacityUtilization"}}
    rid = f"table/{table}"
    return {"ResourceId": rid, "ScalableDimension": f"dynamodb:table:{dim}CapacityUnits", "PolicyName": "p", "PolicyType": "TargetTrackingScaling"} | {
        "TargetTrackingScalingPolicyConfiguration": config
    }


def scaled(table: str) -> dict[str, Any]:
    return {
        "table": PROVISIONED,
        "scalable_targets": [target(table, "Read"), target(table, "Write")],
        "scaling_policies": [policy(table, "Read"), policy(table, "Write")],
    }


CASES: dict[str, tuple[str, tuple[dict[str, Any], dict[str, Any]], tuple[dict[str, Any], dict[str, Any]]]] = {
    "ECS.16": ("ecs", (task_set("DISABLED"), {}), (task_set("ENABLED"), {})),
    "ElastiCache.7": (
        "elasticache",
        (GROUP, {"member_clusters": [member("g-001", "private"), member("g-002", "private")]}),
        ({"kind": "cache_cluster", "CacheClusterId": "mc", "Engine": "memcached", "CacheSubnetGroupName": "default"}, {"member_clusters": []}),
    ),
    "DynamoDB.1": (
        "dynamodb",
        ({}, scaled("good")),
        ({}, {**scaled("bad"), "scalable_targets": [target("bad", "Read")]}),
    ),
    "DynamoDB.3": ("dax", ({"sse_status": "ENABLED", "endpoint_encryption": "TLS"}, {}), ({"sse_status": "DISABLED", "endpoint_encryption": "NONE"}, {})),
    "DynamoDB.7": ("dax", ({"sse_status": "ENABLED", "endpoint_encryption": "TLS"}, {}), ({"sse_status": "ENABLED", "endpoint_encryption": "NONE"}, {})),
    "S3.19": (
        "s3accesspoints",
        ({"bucket": "b"}, {"access_point": {"public_access_block": PAB}}),
        ({"bucket": "b"}, {"access_point": {"public_access_block": {**PAB, "RestrictPublicBuckets": False}}}),
    ),
}
