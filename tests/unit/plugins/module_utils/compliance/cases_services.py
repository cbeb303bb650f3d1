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


OWNER_ACL = {"Owner": {"ID": "owner"}, "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": "owner"}, "Permission": "FULL_CONTROL"}]}
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def acl_granting(*permissions: str, group: str = ALL_USERS) -> dict[str, Any]:
    return {**OWNER_ACL, "Grants": OWNER_ACL["Grants"] + [{"Grantee": {"Type": "Group", "URI": group}, "Permission": p} for p in permissions]}


def allow_all(*actions: str, **condition: Any) -> dict[str, Any]:
    st = {"Sid": "Open", "Effect": "Allow", "Principal": "*", "Action": list(actions), "Resource": "arn:aws:s3:::b/*"}
    return {"Version": "2012-10-17", "Statement": [{**st, **({"Condition": condition} if condition else {})}]}


def bucket(policy: Any = None, acl: Any = None, bucket_pab: Any = None, account_pab: Any = None) -> dict[str, Any]:
    return {"policy": policy, "acl": acl or OWNER_ACL, "public_access_block": bucket_pab or {}, "account_public_access_block": account_pab or {}}


TD = {"kind": "task_definition", "family": "f", "revision": 1}


def task_def(mode: str = "awsvpc", family: str | None = None, efs: list[Any] | None = None, users: tuple[Any, ...] = ("1000",)) -> dict[str, Any]:
    containers = [{"name": f"c{i}", **({"user": u} if u is not None else {})} for i, u in enumerate(users)]
    return {"task_definition": {"status": "ACTIVE", "networkMode": mode, "containers": containers, "operatingSystemFamily": family, "efs_volumes": efs or []}}


def capacity_provider(protection: str | None) -> dict[str, Any]:
    asg = {"autoScalingGroupArn": "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x:autoScalingGroupName/a"}
    return {
        "kind": "capacity_provider",
        "status": "ACTIVE",
        "autoScalingGroupProvider": {**asg, **({"managedTerminationProtection": protection} if protection else {})},
    }


CASES: dict[str, tuple[str, tuple[dict[str, Any], dict[str, Any]], tuple[dict[str, Any], dict[str, Any]]]] = {
    "ECS.16": ("ecs", (task_set("DISABLED"), {}), (task_set("ENABLED"), {})),
    "ECS.17": ("ecs", (TD, task_def("bridge")), (TD, task_def("host"))),
    "ECS.18": (
        "ecs",
        (TD, task_def(efs=[{"name": "data", "transitEncryption": "ENABLED"}])),
        (TD, task_def(efs=[{"name": "data", "transitEncryption": "ENABLED"}, {"name": "logs", "transitEncryption": None}])),
    ),
    "ECS.19": ("ecs", (capacity_provider("ENABLED"), {}), (capacity_provider(None), {})),
    "ECS.20": ("ecs", (TD, task_def(family="LINUX", users=("1000", "app:app"))), (TD, task_def(users=("1000", "0:0")))),
    "ECS.21": (
        "ecs",
        (TD, task_def(family="WINDOWS_SERVER_2022_CORE", users=("ContainerUser",))),
        (TD, task_def(family="WINDOWS_SERVER_2019_FULL", users=("ContainerUser", "ContainerAdministrator"))),
    ),
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
    "S3.2": ("s3", ({}, bucket(allow_all("s3:PutObject"))), ({}, bucket(acl=acl_granting("READ")))),
    "S3.3": ("s3", ({}, bucket(allow_all("s3:GetObject"), acl_granting("READ"))), ({}, bucket(allow_all("s3:PutObject")))),
    "S3.24": (
        "s3mrap",
        ({"alias": "a.mrap", "public_access_block": PAB}, {}),
        ({"alias": "b.mrap", "public_access_block": {**PAB, "BlockPublicPolicy": False}}, {}),
    ),
    "S3.19": (
        "s3accesspoints",
        ({"bucket": "b"}, {"access_point": {"public_access_block": PAB}}),
        ({"bucket": "b"}, {"access_point": {"public_access_block": {**PAB, "RestrictPublicBuckets": False}}}),
    ),
}
