# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The later FSBP controls of ECS, SNS, DynamoDB, Backup, ElastiCache, S3 and CloudWatch: data plus one small pure function each (see controls.py).

Its CATALOGUE joins controls.py's in ``controls.catalogue()`` (``controls.CONTROLS``), which imports this module on first use.
"""

from __future__ import annotations

import fnmatch
import ipaddress
from collections.abc import Callable
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.compliance.controls import (
    FSBP,
    NIST,
    RESTRICTING_CONDITION_KEYS,
    SKIP,
    Control,
    Verdict,
    View,
    _as_list,
    _c,
    _containers,
    _ecs_kind,
    _fail,
    _na,
    _pass,
)

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


def ecs_17(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    mode = (v["task_definition"] or {}).get("networkMode")
    return (_fail if mode == "host" else _pass)(f"networkMode is {mode or 'not set (bridge on Linux)'}", network_mode=mode)


def ecs_18(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    volumes = (v["task_definition"] or {}).get("efs_volumes") or []
    if not volumes:
        return _na("the task definition has no EFS volume")
    plain = sorted(str(vol.get("name")) for vol in volumes if vol.get("transitEncryption") != "ENABLED")
    if plain:
        return _fail(f"EFS volume(s) without in-transit encryption: {', '.join(plain)}", unencrypted_volumes=plain)
    return _pass(f"in-transit encryption is ENABLED on the {len(volumes)} EFS volume(s)", efs_volumes=len(volumes))


def _user(container: dict[str, Any]) -> str | None:
    """The user part of a container's ``user`` (``user``, ``uid``, ``user:group``, ``uid:gid``); None when not set."""
    user = container.get("user")
    return None if user in (None, "") else str(user).split(":", 1)[0]


def _os_family(v: View) -> str | None:
    return (v["task_definition"] or {}).get("operatingSystemFamily")


def ecs_20(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    family = _os_family(v)
    if family not in (None, "LINUX"):
        return _na(f"operatingSystemFamily is {family}: not a Linux task definition")
    containers = _containers(v)
    bad = sorted(f"{c['name']} ({'no user' if _user(c) is None else 'root'})" for c in containers if _user(c) in (None, "root", "0"))
    if bad:
        return _fail(f"container(s) running as root: {', '.join(bad)}", root_containers=bad, operating_system_family=family)
    return _pass(f"every container of the {len(containers)} names a non-root user", operating_system_family=family)


def ecs_21(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    family = _os_family(v)
    if family is not None and not str(family).startswith("WINDOWS_SERVER"):
        return _na(f"operatingSystemFamily is {family}: not a Windows task definition")
    containers = _containers(v)
    bad = sorted(
        f"{c['name']} ({'no user' if _user(c) is None else 'ContainerAdministrator'})"
        for c in containers
        if _user(c) is None or str(_user(c)).lower() == "containeradministrator"
    )
    if bad:
        return _fail(f"container(s) running as the default administrator: {', '.join(bad)}", admin_containers=bad, operating_system_family=family)
    return _pass(f"every container of the {len(containers)} names a user other than ContainerAdministrator", operating_system_family=family)


def _asg_provider(base: dict[str, Any]) -> Any:
    if base.get("kind") != "capacity_provider":
        return SKIP
    return None if base.get("autoScalingGroupProvider") else "not an Auto Scaling group capacity provider (e.g. FARGATE)"


def ecs_19(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    asg = v.base.get("autoScalingGroupProvider") or {}
    protection = asg.get("managedTerminationProtection") or "DISABLED"
    return (_pass if protection == "ENABLED" else _fail)(f"managedTerminationProtection is {protection}", managed_termination_protection=protection)


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


# ------------------------------------------------------------------ S3 buckets: public read / write (S3.2, S3.3)
# Representative requests of each kind: a policy statement allowing any of them to everyone makes the bucket public for it.
PUBLIC_ACTIONS = {
    "read": ("s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions"),
    "write": ("s3:PutObject", "s3:PutObjectAcl", "s3:DeleteObject", "s3:DeleteObjectVersion"),
}
# ACL permissions granting each kind (WRITE_ACP lets the grantee grant itself anything)
PUBLIC_PERMISSIONS = {"read": ("READ", "FULL_CONTROL"), "write": ("WRITE", "WRITE_ACP", "FULL_CONTROL")}
PUBLIC_GROUPS = ("http://acs.amazonaws.com/groups/global/AllUsers", "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")
# Besides controls.RESTRICTING_CONDITION_KEYS, the keys S3 counts as pinning a public principal to fixed callers.
S3_FIXED_KEYS = RESTRICTING_CONDITION_KEYS | {"s3:dataaccesspointarn", "s3:dataaccesspointaccount", "aws:userid"}


def _fixed(key: str, value: Any) -> bool:
    """A condition value S3 counts as fixed: no wildcard, no policy variable; a source address range narrower than everything."""
    text = str(value)
    if "*" in text or "?" in text or "${" in text:
        return False
    if key == "aws:sourceip":
        try:
            return ipaddress.ip_network(text, strict=False).prefixlen > 0
        except ValueError:
            return False
    return True


def _narrowed(condition: Any) -> bool:
    """Whether a statement's condition ties it to fixed callers: a positive operator on a restricting key with fixed values only."""
    for operator, keys in (condition or {}).items() if isinstance(condition, dict) else ():
        op = str(operator).rsplit(":", maxsplit=1)[-1].lower()
        if "not" in op or op.endswith("ifexists") or not isinstance(keys, dict):
            continue
        for key, values in keys.items():
            k = str(key).lower()
            if k in S3_FIXED_KEYS and _as_list(values) and all(_fixed(k, v) for v in _as_list(values)):
                return True
    return False


def _everyone(st: dict[str, Any]) -> bool:
    if "NotPrincipal" in st:  # an Allow to everyone but some
        return True
    principal = st.get("Principal")
    if principal == "*":
        return True
    return isinstance(principal, dict) and any("*" in str(a) for a in _as_list(principal.get("AWS")))


def _grants(patterns: list[Any], actions: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(a.lower(), str(pat).lower()) for a in actions for pat in patterns)


def public_policy_statements(policy: Any, kind: str) -> list[str]:
    """The Allow statements of a bucket policy giving everyone ``kind`` (read/write) access with no fixed-value condition."""
    actions = PUBLIC_ACTIONS[kind]
    found = []
    for index, st in enumerate(_as_list((policy or {}).get("Statement") if isinstance(policy, dict) else None)):
        if not isinstance(st, dict) or st.get("Effect") != "Allow" or not _everyone(st) or _narrowed(st.get("Condition")):
            continue
        if "NotAction" in st:
            allowed = [a for a in actions if not _grants(_as_list(st.get("NotAction")), (a,))]
        else:
            allowed = [a for a in actions if _grants(_as_list(st.get("Action")), (a,))]
        if allowed:
            found.append(f"{st.get('Sid') or f'statement {index + 1}'} ({', '.join(allowed)})")
    return found


def public_acl_grants(acl: Any, kind: str) -> list[str]:
    """The bucket ACL's grants of ``kind`` access to everyone (AllUsers) or to any AWS account (AuthenticatedUsers)."""
    out = []
    for g in (acl or {}).get("Grants") or []:
        uri = str((g.get("Grantee") or {}).get("URI") or "")
        if uri in PUBLIC_GROUPS and g.get("Permission") in PUBLIC_PERMISSIONS[kind]:
            out.append(f"{g.get('Permission')} to {uri.rsplit('/', 1)[-1]}")
    return sorted(out)


def _public_bucket(v: View, kind: str) -> Verdict:
    """AWS Config's s3-bucket-public-{read,write}-prohibited: compliant when (Block Public Access restricts public policies
    or the policy grants no public ``kind`` access) and (it ignores public ACLs or the ACL grants none). S3 applies the
    most restrictive combination of the bucket's and the account's settings."""
    bucket = v["public_access_block"] or {}
    account = v["account_public_access_block"] or {}
    restrict_policy = bool(bucket.get("RestrictPublicBuckets") or account.get("RestrictPublicBuckets"))
    ignore_acls = bool(bucket.get("IgnorePublicAcls") or account.get("IgnorePublicAcls"))
    by_policy = [] if restrict_policy else public_policy_statements(v["policy"], kind)
    by_acl = [] if ignore_acls else public_acl_grants(v["acl"], kind)
    ev = {"restrict_public_buckets": restrict_policy, "ignore_public_acls": ignore_acls, "policy_statements": by_policy, "acl_grants": by_acl}
    problems = ([f"the bucket policy allows public {kind} ({'; '.join(by_policy)})"] if by_policy else []) + (
        [f"the bucket ACL grants {', '.join(by_acl)}"] if by_acl else []
    )
    if problems:
        return _fail(" and ".join(problems), **ev)
    why = [
        "Block Public Access restricts public policies" if restrict_policy else f"the bucket policy grants no public {kind} access",
        "Block Public Access ignores public ACLs" if ignore_acls else f"the bucket ACL grants no public {kind} access",
    ]
    return _pass("; ".join(why), **ev)


def s3_2(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return _public_bucket(v, "read")


def s3_3(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return _public_bucket(v, "write")


_PUBLIC_NEEDS = ("public_access_block", "account_public_access_block", "policy", "acl")


# ------------------------------------------------------------------ S3 access points
def s3_19(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    conf = (v["access_point"] or {}).get("public_access_block") or {}
    off = [k for k in PAB_SETTINGS if conf.get(k) is not True]
    if off:
        return _fail(f"block public access is off on the access point: {', '.join(off)}", public_access_block=conf)
    return _pass("all four block public access settings are on for the access point", public_access_block=conf)


def s3_24(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    conf = v.base.get("public_access_block") or {}
    off = [k for k in PAB_SETTINGS if conf.get(k) is not True]
    if off:
        return _fail(f"block public access is off on the Multi-Region Access Point: {', '.join(off)}", public_access_block=conf)
    return _pass("all four block public access settings are on for the Multi-Region Access Point", public_access_block=conf)


CATALOGUE: list[Control] = [
    _c(
        "S3.2",
        "S3 general purpose buckets should block public read access",
        "CRITICAL",
        ("s3",),
        "AwsS3Bucket",
        "Turn on Block Public Access for the bucket (aws_s3_bucket_public_access_block), or remove the policy statements and ACL grants "
        "that let everyone read it.",
        s3_2,
        needs=_PUBLIC_NEEDS,
        frameworks=(FSBP, NIST),
    ),
    _c(
        "S3.3",
        "S3 general purpose buckets should block public write access",
        "CRITICAL",
        ("s3",),
        "AwsS3Bucket",
        "Turn on Block Public Access for the bucket (aws_s3_bucket_public_access_block), or remove the policy statements and ACL grants "
        "that let everyone write to it.",
        s3_3,
        needs=_PUBLIC_NEEDS,
        frameworks=(FSBP, NIST),
    ),
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
        "ECS.17",
        "ECS task definitions should not use host network mode",
        "MEDIUM",
        ("ecs",),
        "AwsEcsTaskDefinition",
        'Register a new revision with network_mode "awsvpc" (or "bridge") instead of "host".',
        ecs_17,
        needs=("task_definition",),
        scope=_ecs_kind("task_definition"),
        frameworks=(NIST,),
    ),
    _c(
        "ECS.18",
        "ECS Task Definitions should use in-transit encryption for EFS volumes",
        "MEDIUM",
        ("ecs",),
        "AwsEcsTaskDefinition",
        'Register a new revision with efs_volume_configuration { transit_encryption = "ENABLED" } on every EFS volume.',
        ecs_18,
        needs=("task_definition",),
        scope=_ecs_kind("task_definition"),
    ),
    _c(
        "ECS.19",
        "ECS capacity providers should have managed termination protection enabled",
        "MEDIUM",
        ("ecs",),
        "AwsEcsCapacityProvider",
        'Set managed_termination_protection = "ENABLED" (with managed scaling on) in the capacity provider\'s auto_scaling_group_provider.',
        ecs_19,
        scope=_asg_provider,
    ),
    _c(
        "ECS.20",
        "ECS Task Definitions should configure non-root users in Linux container definitions",
        "MEDIUM",
        ("ecs",),
        "AwsEcsTaskDefinition",
        'Register a new revision setting "user" on every container to a non-root user or UID supported by its image.',
        ecs_20,
        needs=("task_definition",),
        scope=_ecs_kind("task_definition"),
    ),
    _c(
        "ECS.21",
        "ECS Task Definitions should configure non-administrator users in Windows container definitions",
        "MEDIUM",
        ("ecs",),
        "AwsEcsTaskDefinition",
        'Register a new revision setting "user" on every Windows container to a user other than ContainerAdministrator (e.g. ContainerUser).',
        ecs_21,
        needs=("task_definition",),
        scope=_ecs_kind("task_definition"),
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
    _c(
        "S3.24",
        "S3 Multi-Region Access Points should have block public access settings enabled",
        "HIGH",
        ("s3mrap",),
        "AwsS3MultiRegionAccessPoint",
        "Block public access settings cannot be changed on an existing Multi-Region Access Point: create a new one with all four settings on "
        "(the default) and delete the old one.",
        s3_24,
    ),
]
