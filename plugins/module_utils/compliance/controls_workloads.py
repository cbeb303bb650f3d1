# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The later FSBP controls of ECS, ECR, ElastiCache, Secrets Manager, DynamoDB, SQS and SNS: data plus one small pure function each (see controls.py).

Its CATALOGUE joins controls.py's in ``controls.catalogue()`` (``controls.CONTROLS``), which imports this module on first use.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.compliance.controls import (
    Control,
    Verdict,
    View,
    _c,
    _containers,
    _ecs_kind,
    _fail,
    _na,
    _pass,
    _redis_like,
    days_since,
)

# The tagging controls (SQS.2, SNS.3, DynamoDB.5, SecretsManager.5) are in Security Hub's AWS Resource Tagging
# Standard, not in FSBP.
TAGGING = "aws-resource-tagging-standard/v/1.0.0"

_TD = _ecs_kind("task_definition")
ROOT_USERS = ("root", "0")


# ------------------------------------------------------------------ ECS
def _is_root(user: Any) -> bool:
    """A container ``user`` that runs as root: unset (the image's default, root for most images), ``root``/``0``,
    or ``root:group`` / ``0:gid``."""
    text = str(user or "").strip()
    return not text or text.split(":", 1)[0] in ROOT_USERS


def ecs_1(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    td = v["task_definition"] or {}
    mode = td.get("networkMode") or "bridge"
    if mode != "host":
        return _pass(f"networkMode is {mode}, not host", network_mode=mode)
    unsafe = [str(c["name"]) for c in _containers(v) if c.get("privileged") is not True and _is_root(c.get("user"))]
    if unsafe:
        return _fail(
            f"networkMode host with container(s) neither privileged nor running as a non-root user: {', '.join(unsafe)}",
            network_mode=mode,
            root_containers=unsafe,
        )
    return _pass("networkMode host, every container runs as a non-root user or is explicitly privileged", network_mode=mode)


def ecs_3(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    pid = (v["task_definition"] or {}).get("pidMode")
    if pid == "host":
        return _fail("pidMode is host: the containers share the host's process namespace", pid_mode=pid)
    return _pass(f"pidMode is {pid or 'not set (a namespace per task)'}", pid_mode=pid)


def ecs_9(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    containers = _containers(v)
    missing = [str(c["name"]) for c in containers if not c.get("log_driver")]
    if missing:
        return _fail(f"no logConfiguration on: {', '.join(missing)}", without_logging=missing)
    drivers = sorted({str(c["log_driver"]) for c in containers})
    return _pass(f"every container ({len(containers)}) has a logConfiguration ({', '.join(drivers)})", log_drivers=drivers)


def ecs_10(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    svc = v["service"] or {}
    if svc.get("launchType") != "FARGATE":
        return _na(f"launch type {svc.get('launchType') or 'not set (capacity provider strategy)'}: not a Fargate service", launch_type=svc.get("launchType"))
    windows = str(svc.get("platformFamily") or "").upper().startswith("WINDOWS")
    latest = str(p["latestWindowsVersion"] if windows else p["latestLinuxVersion"])
    version = svc.get("platformVersion")
    family = "Windows" if windows else "Linux"
    if version in (None, "", "LATEST"):
        return _pass(f"platformVersion is {version or 'not set (LATEST)'}", platform_version=version or "LATEST")
    if str(version) == latest:
        return _pass(f"platformVersion {version} is the latest {family} Fargate version ({latest})", platform_version=version)
    return _fail(f"platformVersion {version} is not the latest {family} Fargate version ({latest}) nor LATEST", platform_version=version, latest=latest)


# ------------------------------------------------------------------ ECR
def ecr_5(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    enc = v.base.get("encryption") or {}
    if enc.get("encryptionType") != "KMS":
        return _fail(f"encrypted with {enc.get('encryptionType') or 'AES256'} (an Amazon S3-managed key), not a customer managed KMS key", encryption=enc)
    key = v["kms_key"] or {}
    arn = str(key.get("arn") or enc.get("kmsKey"))
    if key.get("manager") != "CUSTOMER":
        return _fail(f"encrypted with the AWS managed KMS key {arn} (aws/ecr), not a customer managed one", kms_key=arn, key_manager=key.get("manager"))
    allowed = [str(a) for a in p.get("kmsKeyArns") or []]
    if allowed and arn not in allowed and str(enc.get("kmsKey")) not in allowed:
        return _fail(f"encrypted with the customer managed KMS key {arn}, which is not in kmsKeyArns", kms_key=arn)
    return _pass(f"encrypted with the customer managed KMS key {arn}", kms_key=arn)


# ------------------------------------------------------------------ ElastiCache
def elasticache_2(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    value = v.base.get("AutoMinorVersionUpgrade")
    if value is None:  # missing evidence is never a verdict
        return "ERROR", "could not evaluate: the listing has no AutoMinorVersionUpgrade for this resource", {}
    on = value is True or str(value).lower() == "true"
    return (_pass if on else _fail)(f"automatic minor version upgrades are {'on' if on else 'off'}", auto_minor_version_upgrade=value)


# ------------------------------------------------------------------ Secrets Manager
def sm_3(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return days_since(v.base, ctx["now"], ("LastAccessedDate", "last accessed"), ("never accessed; created", "unusedForDays"), int(p["unusedForDays"]))


# ------------------------------------------------------------------ tagging (SecretsManager.5, SQS.2, DynamoDB.5, SNS.3)
def tagged(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    """Security Hub's tagging controls: system tags (``aws:``) do not count; with no ``requiredTagKeys`` the resource
    needs one tag of its own, else every required key (case-sensitive)."""
    keys = sorted(k for k in (v["tags"] or {}) if not str(k).startswith("aws:"))
    required = [str(k) for k in p.get("requiredTagKeys") or []]
    if not required:
        if keys:
            return _pass(f"tagged ({', '.join(keys)})", tag_keys=keys)
        return _fail("no tags (system tags aside)", tag_keys=[])
    missing = [k for k in required if k not in keys]
    if missing:
        return _fail(f"missing required tag key(s) {', '.join(missing)}", missing=missing, tag_keys=keys)
    return _pass(f"has every required tag key ({', '.join(required)})", tag_keys=keys)


# ------------------------------------------------------------------ DynamoDB
def dynamodb_6(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    on = bool((v["table"] or {}).get("DeletionProtectionEnabled"))
    return (_pass if on else _fail)(f"deletion protection is {'on' if on else 'off'}", deletion_protection=on)


_TAG_FIX = "Add tags of your own (the keys in requiredTagKeys, when set); Terraform: the provider's default_tags."


def _tagging(cid: str, title: str, service: str, rtype: str) -> Control:
    """One of the Resource Tagging Standard's controls: judged by ``tagged`` over the resource's ``tags`` area."""
    return _c(cid, title, "LOW", (service,), rtype, _TAG_FIX, tagged, needs=("tags",), params={"requiredTagKeys": []}, frameworks=(TAGGING,))


CATALOGUE: list[Control] = [
    _c(
        "ECS.1",
        "Amazon ECS task definitions should have secure networking modes and user definitions",
        "HIGH",
        ("ecs",),
        "AwsEcsTaskDefinition",
        "Use networkMode awsvpc (or bridge); if host networking is needed, set a non-root user on every container definition.",
        ecs_1,
        needs=("task_definition",),
        scope=_TD,
    ),
    _c(
        "ECS.3",
        "ECS task definitions should not share the host's process namespace",
        "HIGH",
        ("ecs",),
        "AwsEcsTaskDefinition",
        "Remove pidMode = host from the task definition (use task or leave it unset) and register a new revision.",
        ecs_3,
        needs=("task_definition",),
        scope=_TD,
    ),
    _c(
        "ECS.9",
        "ECS task definitions should have a logging configuration",
        "HIGH",
        ("ecs",),
        "AwsEcsTaskDefinition",
        "Set logConfiguration (e.g. logDriver awslogs with a log group) on every container definition and register a new revision.",
        ecs_9,
        needs=("task_definition",),
        scope=_TD,
    ),
    _c(
        "ECS.10",
        "ECS Fargate services should run on the latest Fargate platform version",
        "MEDIUM",
        ("ecs",),
        "AwsEcsService",
        "Set platform_version = LATEST on the service (or the latest version) and redeploy.",
        ecs_10,
        needs=("service",),
        params={"latestLinuxVersion": "1.4.0", "latestWindowsVersion": "1.0.0"},
        scope=_ecs_kind("service"),
    ),
    _c(
        "ECR.5",
        "ECR repositories should be encrypted with customer managed AWS KMS keys",
        "MEDIUM",
        ("ecr",),
        "AwsEcrRepository",
        "Create the repository with encryption_configuration { encryption_type = KMS, kms_key = <your key> } (set at creation: "
        "create a new repository, copy the images, switch over).",
        ecr_5,
        needs=("kms_key",),
        params={"kmsKeyArns": []},
    ),
    _c(
        "ElastiCache.2",
        "ElastiCache clusters should have automatic minor version upgrades enabled",
        "HIGH",
        ("elasticache",),
        "AwsElastiCacheCacheCluster",
        "Set auto_minor_version_upgrade = true (aws_elasticache_replication_group / aws_elasticache_cluster).",
        elasticache_2,
        scope=_redis_like,
        other_types=("AwsElastiCacheReplicationGroup",),
    ),
    _c(
        "SecretsManager.3",
        "Remove unused Secrets Manager secrets",
        "MEDIUM",
        ("secretsmanager",),
        "AwsSecretsManagerSecret",
        "Delete the secret (with a recovery window) if nothing reads it any more; otherwise find out why its readers stopped.",
        sm_3,
        params={"unusedForDays": 90},
    ),
    _tagging("SecretsManager.5", "Secrets Manager secrets should be tagged", "secretsmanager", "AwsSecretsManagerSecret"),
    _tagging("SQS.2", "SQS queues should be tagged", "sqs", "AwsSqsQueue"),
    _tagging("SNS.3", "SNS topics should be tagged", "sns", "AwsSnsTopic"),
    _tagging("DynamoDB.5", "DynamoDB tables should be tagged", "dynamodb", "AwsDynamoDbTable"),
    _c(
        "DynamoDB.6",
        "DynamoDB tables should have deletion protection enabled",
        "MEDIUM",
        ("dynamodb",),
        "AwsDynamoDbTable",
        "Set deletion_protection_enabled = true on the table.",
        dynamodb_6,
        needs=("table",),
    ),
]
