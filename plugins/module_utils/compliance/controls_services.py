# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The later FSBP controls of ECS, SNS, DynamoDB, Backup, ElastiCache, S3 and CloudWatch: data plus one small pure function each (see controls.py).

Its CATALOGUE joins controls.py's in ``controls.catalogue()`` (``controls.CONTROLS``), which imports this module on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.compliance.controls import SKIP, Control, Verdict, View, _c, _fail, _pass

PAB_SETTINGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def _kind(kind: str) -> Callable[[dict[str, Any]], Any]:
    def scope(base: dict[str, Any]) -> Any:
        return None if base.get("kind") == kind else SKIP

    return scope


# ------------------------------------------------------------------ ECS
def ecs_16(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    awsvpc = (v.base.get("networkConfiguration") or {}).get("awsvpcConfiguration")
    if not awsvpc:
        return _pass("no awsvpc network configuration: the task set's tasks get no public IP of their own", assign_public_ip=None)
    assign = awsvpc.get("assignPublicIp") or "DISABLED"
    return (_fail if assign == "ENABLED" else _pass)(f"assignPublicIp is {assign}", assign_public_ip=assign)


# ------------------------------------------------------------------ ElastiCache
def _cluster_or_group(base: dict[str, Any]) -> Any:
    return None if base.get("kind") in ("cache_cluster", "replication_group") else SKIP


def elasticache_7(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    """A standalone cluster is judged on its own CacheSubnetGroupName; a replication group through its member
    clusters (each a cache cluster of its own in AWS): any member in the subnet group named ``default`` fails it."""
    if v.base.get("kind") == "cache_cluster":
        clusters = {str(v.base.get("CacheClusterId") or v.name): v.base.get("CacheSubnetGroupName")}
    else:
        members = v["member_clusters"] or []
        if not members:
            return "ERROR", "could not evaluate: no member cluster of the group was listed (DescribeCacheClusters)", {}
        clusters = {str(m.get("CacheClusterId")): m.get("CacheSubnetGroupName") for m in members}
    default = sorted(cid for cid, group in clusters.items() if group == "default")
    ev = {"subnet_groups": clusters}
    if default:
        return _fail(f"in the default cache subnet group: {', '.join(default)}", **ev)
    return _pass(f"cache subnet group(s): {', '.join(sorted({str(g) for g in clusters.values()}))}", **ev)


# ------------------------------------------------------------------ DynamoDB
def _dimensions(table: str, indexes: list[str]) -> list[tuple[str, str, str]]:
    """(resource id, scalable dimension, read|write) of a provisioned table and its global secondary indexes."""
    out = []
    for rid, kind in [(f"table/{table}", "table")] + [(f"table/{table}/index/{i}", "index") for i in indexes]:
        out += [(rid, f"dynamodb:{kind}:ReadCapacityUnits", "read"), (rid, f"dynamodb:{kind}:WriteCapacityUnits", "write")]
    return out


def dynamodb_1(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    table = v["table"] or {}
    mode = table.get("BillingMode") or "PROVISIONED"
    if mode == "PAY_PER_REQUEST":
        return _pass("on-demand capacity mode (PAY_PER_REQUEST) scales with demand", billing_mode=mode)
    targets = {(t["ResourceId"], t["ScalableDimension"]): t for t in v["scalable_targets"] or []}
    policies: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for pol in v["scaling_policies"] or []:
        policies.setdefault((pol["ResourceId"], pol["ScalableDimension"]), []).append(pol)
    problems = []
    for rid, dim, kind in _dimensions(v.name, list(table.get("GlobalSecondaryIndexes") or [])):
        target = targets.get((rid, dim))
        if target is None:
            problems.append(f"{rid} {dim}: no auto scaling (no scalable target)")
            continue
        minimum = p.get(f"minProvisioned{kind.capitalize()}Capacity")
        if minimum is not None and int(target.get("MinCapacity") or 0) < int(minimum):
            problems.append(f"{rid} {dim}: MinCapacity {target.get('MinCapacity')} below {minimum}")
        utilization = p.get(f"target{kind.capitalize()}Utilization")
        if utilization is not None:
            values = [
                float((pol.get("TargetTrackingScalingPolicyConfiguration") or {}).get("TargetValue") or 0)
                for pol in policies.get((rid, dim), [])
                if pol.get("PolicyType") == "TargetTrackingScaling"
            ]
            if float(utilization) not in values:
                problems.append(f"{rid} {dim}: no target tracking policy at {utilization}% (found {values or 'none'})")
    if problems:
        return _fail(f"provisioned capacity without the required auto scaling: {'; '.join(problems)}", billing_mode=mode, problems=problems)
    return _pass("provisioned capacity with auto scaling of reads and writes (table and its global secondary indexes)", billing_mode=mode)


def dynamodb_3(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    status = v.base.get("sse_status") or "DISABLED"
    return (_pass if status == "ENABLED" else _fail)(f"server-side encryption is {status}", sse_status=status)


def dynamodb_7(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    kind = v.base.get("endpoint_encryption") or "NONE"
    return (_pass if kind == "TLS" else _fail)(f"ClusterEndpointEncryptionType is {kind}", endpoint_encryption=kind)


# ------------------------------------------------------------------ S3 access points
def s3_19(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    conf = (v["access_point"] or {}).get("public_access_block") or {}
    off = [k for k in PAB_SETTINGS if conf.get(k) is not True]
    if off:
        return _fail(f"block public access is off on the access point: {', '.join(off)}", public_access_block=conf)
    return _pass("all four block public access settings are on for the access point", public_access_block=conf)


CATALOGUE: list[Control] = [
    _c(
        "ECS.16",
        "ECS task sets should not automatically assign public IP addresses",
        "HIGH",
        ("ecs",),
        "AwsEcsTaskSet",
        'Create the task set with awsvpcConfiguration assignPublicIp "DISABLED" (a task set cannot be updated in place: replace it).',
        ecs_16,
        scope=_kind("task_set"),
    ),
    _c(
        "ElastiCache.7",
        "ElastiCache clusters should not use the default subnet group",
        "HIGH",
        ("elasticache",),
        "AwsElastiCacheCacheCluster",
        "Create a cache subnet group of private subnets of your own VPC and recreate the cluster in it (subnet_group_name).",
        elasticache_7,
        needs=("member_clusters",),
        scope=_cluster_or_group,
        other_types=("AwsElastiCacheReplicationGroup",),
    ),
    _c(
        "DynamoDB.1",
        "DynamoDB tables should automatically scale capacity with demand",
        "MEDIUM",
        ("dynamodb",),
        "AwsDynamoDbTable",
        "Use on-demand capacity (billing_mode PAY_PER_REQUEST), or register read and write scalable targets with target tracking policies "
        "for the table and each global secondary index (aws_appautoscaling_target / aws_appautoscaling_policy).",
        dynamodb_1,
        needs=("table", "scalable_targets", "scaling_policies"),
        params={"minProvisionedReadCapacity": None, "targetReadUtilization": None, "minProvisionedWriteCapacity": None, "targetWriteUtilization": None},
    ),
    _c(
        "DynamoDB.3",
        "DynamoDB Accelerator (DAX) clusters should be encrypted at rest",
        "MEDIUM",
        ("dax",),
        "AwsDaxCluster",
        "Encryption at rest cannot be turned on in place: create a new DAX cluster with server_side_encryption { enabled = true } and move clients to it.",
        dynamodb_3,
    ),
    _c(
        "DynamoDB.7",
        "DynamoDB Accelerator clusters should be encrypted in transit",
        "MEDIUM",
        ("dax",),
        "AwsDaxCluster",
        'Create a new DAX cluster with cluster_endpoint_encryption_type = "TLS" (it cannot be changed in place) and move clients to it.',
        dynamodb_7,
    ),
    _c(
        "S3.19",
        "S3 access points should have block public access settings enabled",
        "CRITICAL",
        ("s3accesspoints",),
        "AwsS3AccessPoint",
        "Block public access settings cannot be changed on an existing access point: create a new one with all four settings on and delete the old one.",
        s3_19,
        needs=("access_point",),
    ),
]
