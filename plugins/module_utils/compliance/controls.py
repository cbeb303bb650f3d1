# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controls: data plus one small pure function each, judged over collected evidence only.

A ``Control`` names the service(s) it reads, the evidence *areas* it ``needs``
(``evidence.AREAS`` maps each to the API action that fetched it) and a pure
``check(view, params, ctx) -> (status, reason, evidence)``. The framework
(``evaluate``), not the control, enforces the rules:

* a listing that failed gives one ERROR for the whole service and region,
  naming the action (a resource we could not list is never silently absent);
  a listing of one kind of resource that failed (a *gap*, e.g. the services of
  one ECS cluster) gives one ERROR for its scope to the controls judging that kind;
* a resource whose needed area is unavailable gives ERROR naming the action(s)
  and the reason (access denied, throttled out, other) -- never PASS or FAIL;
* a control reading an area it did not declare raises ``UndeclaredEvidence``
  (its ``needs`` is then wrong, and a test catches it).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.errors import PreflightError
from ansible_collections.slipway.aws.plugins.module_utils.secrets import audit

STATUSES = ("FAIL", "ERROR", "PASS", "NOT_APPLICABLE")
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL")
FSBP = "aws-foundational-security-best-practices/v/1.0.0"
NIST = "nist-800-53/v/5.0.0"
SLIPWAY = "slipway/v/1"
SKIP = object()  # a scope answer: the resource is not one this control evaluates (not reported)


class UndeclaredEvidence(KeyError):
    """A control read an evidence area missing from its ``needs``."""


class View:
    """A resource as one control may see it: its identity, the listing (``base``) and the needed areas only."""

    def __init__(self, resource: dict[str, Any], needs: Iterable[str]) -> None:
        self._r = resource
        self._needs = frozenset(needs)
        self.arn: str = resource["arn"]
        self.name: str = resource["name"]
        self.region: str = resource["region"]
        self.base: dict[str, Any] = resource.get("base") or {}

    def __getitem__(self, area: str) -> Any:
        if area not in self._needs:
            raise UndeclaredEvidence(f"area {area!r} is not in the control's needs {sorted(self._needs)}")
        return self._r["areas"].get(area)


Verdict = tuple[str, str, dict[str, Any]]


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    severity: str
    services: tuple[str, ...]
    resource_type: str
    remediation: str
    check: Callable[[View, dict[str, Any], dict[str, Any]], Verdict]
    needs: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    frameworks: tuple[str, ...] = (FSBP,)
    scope: Callable[[dict[str, Any]], Any] | None = None  # on the listing only: None, a NOT_APPLICABLE reason, or SKIP
    source: str = "security-hub"
    other_types: tuple[str, ...] = ()  # resource types judged besides resource_type (e.g. clusters and replication groups)

    def judges(self, resource_type: str) -> bool:
        return resource_type == self.resource_type or resource_type in self.other_types

    def metadata(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity,
            "services": list(self.services),
            "resource_type": self.resource_type,
            "remediation": self.remediation,
            "frameworks": list(self.frameworks),
            "needs": list(self.needs),
            "parameters": dict(self.params),
            "source": self.source,
        }


@dataclass(frozen=True)
class Result:
    control: str
    status: str
    resource: str
    region: str
    resource_type: str
    service: str
    reason: str
    evidence: dict[str, Any]
    unavailable_actions: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "control": self.control,
            "status": self.status,
            "resource": self.resource,
            "region": self.region,
            "resource_type": self.resource_type,
            "service": self.service,
            "reason": self.reason,
            "evidence": self.evidence,
            "unavailable_actions": list(self.unavailable_actions),
        }


# ------------------------------------------------------------------ the framework
def evaluate(control: Control, collected: dict[str, Any], params: dict[str, Any] | None = None, now: dt.datetime | None = None) -> list[Result]:
    """One control over the collected evidence (``evidence.collect``'s answer); results in a stable order."""
    from ansible_collections.slipway.aws.plugins.module_utils.compliance.evidence import AREAS

    p = {**control.params, **(params or {})}
    ctx = {"now": now or dt.datetime.now(dt.UTC), "account": collected.get("account")}
    out: list[Result] = []
    for part in collected["services"]:
        service = part["service"]
        if service not in control.services:
            continue
        if part.get("listing"):
            m = part["listing"]
            where = f"arn:aws:{service}:{part['region']}:{collected.get('account') or 'unknown'}:*"
            out.append(
                Result(
                    control.id,
                    "ERROR",
                    where,
                    part["region"],
                    control.resource_type,
                    service,
                    f"could not list the {service} resources in {part['region']} ({m['kind']}): {m['reason']}",
                    {},
                    (m["action"],),
                )
            )
            continue
        for gap in part.get("gaps") or []:
            # a listing of one kind of resource failed (e.g. the services of one cluster): one ERROR for its scope
            if control.judges(gap["resource_type"]):
                reason = f"could not list the {gap['resource_type']} resources of {gap['scope']} ({gap['kind']}): {gap['reason']}"
                out.append(Result(control.id, "ERROR", gap["scope"], part["region"], gap["resource_type"], service, reason, {}, (gap["action"],)))
        for res in part["resources"]:
            base = res.get("base") or {}
            if control.scope is not None:
                scoped = control.scope(base)
                if scoped is SKIP:
                    continue
                if isinstance(scoped, str):
                    out.append(Result(control.id, "NOT_APPLICABLE", res["arn"], res["region"], res["type"], service, scoped, {}))
                    continue
            missing = [res["unavailable"][a] for a in control.needs if a in res.get("unavailable", {})]
            absent = [a for a in control.needs if a not in res.get("unavailable", {}) and a not in res.get("areas", {})]
            if missing:
                actions = tuple(sorted({m["action"] for m in missing}))
                reason = "could not evaluate: " + "; ".join(f"{m['kind']}: {m['reason']}" for m in missing)
                out.append(Result(control.id, "ERROR", res["arn"], res["region"], res["type"], service, reason, {}, actions))
                continue
            if absent:
                actions = tuple(sorted({AREAS.get(service, {}).get(a, a) for a in absent}))
                reason = f"could not evaluate: evidence {', '.join(absent)} was not collected"
                out.append(Result(control.id, "ERROR", res["arn"], res["region"], res["type"], service, reason, {}, actions))
                continue
            status, reason, ev = control.check(View(res, control.needs), p, ctx)
            if status not in STATUSES:
                raise ValueError(f"{control.id} answered {status!r}")
            out.append(Result(control.id, status, res["arn"], res["region"], res["type"], service, reason, ev))
    return sorted(out, key=lambda r: (r.region, r.resource))


def select(patterns: Iterable[str] | None) -> list[Control]:
    """The controls whose id matches one of the globs (all when none); ``PreflightError`` for a glob matching none."""
    pats = [p.strip() for p in patterns or [] if p and p.strip()]
    if not pats:
        return list(catalogue().values())
    unmatched = [p for p in pats if not any(fnmatch.fnmatchcase(c, p) for c in catalogue())]
    if unmatched:
        raise PreflightError(f"no control matches {', '.join(unmatched)}; known: {', '.join(catalogue())}")
    return [c for cid, c in catalogue().items() if any(fnmatch.fnmatchcase(cid, p) for p in pats)]


def check_parameters(given: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Per-control parameter overrides, checked against each control's declared parameters."""
    out: dict[str, dict[str, Any]] = {}
    for cid, values in (given or {}).items():
        if cid not in catalogue():
            raise PreflightError(f"parameters for unknown control {cid}; known: {', '.join(catalogue())}")
        if not isinstance(values, dict):
            raise PreflightError(f"parameters of {cid} must be a mapping, e.g. {catalogue()[cid].params}")
        bad = sorted(set(values) - set(catalogue()[cid].params))
        if bad:
            raise PreflightError(f"{cid} has no parameter(s) {', '.join(bad)}; its parameters: {catalogue()[cid].params or 'none'}")
        for name, value in values.items():
            choices = PARAMETER_CHOICES.get((cid, name))
            if choices and str(value).upper() not in choices:
                raise PreflightError(f"{cid} {name}={value!r}: one of {', '.join(choices)}")
        if cid == "SLIPWAY.SecretsManager.RotationState":
            _rotation_policy({**catalogue()[cid].params, **values})
        out[cid] = dict(values)
    return out


# ------------------------------------------------------------------ helpers for the checks
def _pass(reason: str, **ev: Any) -> Verdict:
    return "PASS", reason, ev


def _fail(reason: str, **ev: Any) -> Verdict:
    return "FAIL", reason, ev


def _na(reason: str, **ev: Any) -> Verdict:
    return "NOT_APPLICABLE", reason, ev


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _truthy(value: Any) -> bool:
    return str(value).lower() == "true"


# ------------------------------------------------------------------ S3
def denies_insecure_transport(policy: dict[str, Any] | None) -> bool:
    """Whether a bucket policy denies every principal any S3 action when aws:SecureTransport is false."""
    for st in _as_list((policy or {}).get("Statement")):
        if st.get("Effect") != "Deny":
            continue
        principal = st.get("Principal")
        if not (principal == "*" or (isinstance(principal, dict) and "*" in _as_list(principal.get("AWS")))):
            continue
        if not any(a in ("*", "s3:*") for a in _as_list(st.get("Action"))):
            continue
        cond = (st.get("Condition") or {}).get("Bool") or {}
        if any(k.lower() == "aws:securetransport" and str(v).lower() == "false" for k, v in cond.items()):
            return True
    return False


def s3_5(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    policy = v["policy"]
    if policy is None:
        return _fail("the bucket has no policy: requests over HTTP are not refused", policy=None)
    if denies_insecure_transport(policy):
        return _pass("the bucket policy denies every request with aws:SecureTransport false")
    return _fail("no statement of the bucket policy denies requests with aws:SecureTransport false")


_PAB = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def s3_8(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    if v.name in p.get("excludedPublicBuckets", []):
        return _na("the bucket is in excludedPublicBuckets")
    conf = v["public_access_block"] or {}
    off = [k for k in _PAB if not conf.get(k)]
    if off:
        return _fail(f"bucket-level block public access is off: {', '.join(off)}", public_access_block=conf)
    return _pass("all four block public access settings are on at the bucket level")


def s3_9(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    logging = v["logging"]
    if logging and logging.get("TargetBucket"):
        return _pass(f"server access logs go to {logging['TargetBucket']}/{logging.get('TargetPrefix') or ''}", target_bucket=logging["TargetBucket"])
    return _fail("server access logging is off")


def s3_14(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    status = v["versioning"]
    if status == "Enabled":
        return _pass("versioning is enabled", versioning=status)
    return _fail(f"versioning is {status or 'never enabled'}", versioning=status)


# ------------------------------------------------------------------ RDS
def rds_2(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    public = bool(v.base.get("PubliclyAccessible"))
    return (_fail if public else _pass)(f"PubliclyAccessible is {str(public).lower()}", publicly_accessible=public)


def rds_3(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    enc = bool(v.base.get("StorageEncrypted"))
    return (_pass if enc else _fail)(f"storage encryption is {'on' if enc else 'off'}", storage_encrypted=enc)


def rds_8(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    on = bool(v.base.get("DeletionProtection"))
    return (_pass if on else _fail)(f"deletion protection is {'on' if on else 'off'}", deletion_protection=on)


def rds_11(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    if v.base.get("ReadReplicaSourceDBInstanceIdentifier"):
        return _na("a read replica: backups are its source's")
    days = int(v.base.get("BackupRetentionPeriod") or 0)
    minimum = int(p["backupRetentionMinimum"])
    if days >= minimum:
        return _pass(f"automated backups kept {days} days (backupRetentionMinimum {minimum})", backup_retention_days=days)
    what = "automated backups are off" if days == 0 else f"automated backups kept only {days} days"
    return _fail(f"{what} (backupRetentionMinimum {minimum})", backup_retention_days=days)


def rds_13(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    on = bool(v.base.get("AutoMinorVersionUpgrade"))
    return (_pass if on else _fail)(f"automatic minor version upgrades are {'on' if on else 'off'}", auto_minor_version_upgrade=on)


def _instance_not_cluster_member(cluster_control: str) -> Callable[[dict[str, Any]], Any]:
    def scope(base: dict[str, Any]) -> Any:
        if base.get("DBClusterIdentifier"):
            return f"a member of the Aurora cluster {base['DBClusterIdentifier']}: {cluster_control} judges the cluster"
        return None

    return scope


def rds_5(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    on = bool(v.base.get("MultiAZ"))
    return (_pass if on else _fail)(f"Multi-AZ is {'on' if on else 'off'}", multi_az=on)


# The logs Security Hub expects each engine to publish to CloudWatch Logs (RDS.9).
RDS_LOG_EXPORTS = {
    "postgres": ("postgresql", "upgrade"),
    "mysql": ("audit", "error", "general", "slowquery"),
    "mariadb": ("audit", "error", "general", "slowquery"),
    "oracle-ee": ("alert", "audit", "trace", "listener"),
    "oracle-se2": ("alert", "audit", "trace", "listener"),
    "sqlserver-ee": ("error", "agent"),
    "sqlserver-se": ("error", "agent"),
    "sqlserver-ex": ("error", "agent"),
    "sqlserver-web": ("error", "agent"),
    "aurora": ("audit", "error", "general", "slowquery"),
    "aurora-mysql": ("audit", "error", "general", "slowquery"),
    "aurora-postgresql": ("postgresql",),
}


def rds_9(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    engine = str(v.base.get("Engine") or "")
    wanted = RDS_LOG_EXPORTS.get(engine)
    exported = sorted(str(x) for x in v.base.get("EnabledCloudwatchLogsExports") or [])
    if wanted is None:
        return _na(f"engine {engine or '?'}: Security Hub names no logs for it")
    missing = [name for name in wanted if name not in exported]
    if missing:
        return _fail(f"{engine} logs not published to CloudWatch Logs: {', '.join(missing)}", exported=exported, missing=missing)
    return _pass(f"{engine} publishes {', '.join(wanted)} to CloudWatch Logs", exported=exported)


RDS_IAM_AUTH_ENGINES = ("mysql", "mariadb", "postgres")


def rds_10(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    engine = str(v.base.get("Engine") or "")
    if engine not in RDS_IAM_AUTH_ENGINES:
        return _na(f"engine {engine or '?'} has no IAM database authentication")
    on = bool(v.base.get("IAMDatabaseAuthenticationEnabled"))
    return (_pass if on else _fail)(f"IAM database authentication is {'on' if on else 'off'}", iam_database_authentication=on)


def rds_17(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    on = bool(v.base.get("CopyTagsToSnapshot"))
    return (_pass if on else _fail)(f"copying tags to snapshots is {'on' if on else 'off'}", copy_tags_to_snapshot=on)


RDS_DEFAULT_PORTS = {"mysql": 3306, "mariadb": 3306, "aurora": 3306, "aurora-mysql": 3306, "postgres": 5432, "aurora-postgresql": 5432}
RDS_DEFAULT_PORTS.update({e: 1521 for e in ("oracle-ee", "oracle-se2", "oracle-ee-cdb", "oracle-se2-cdb")})
RDS_DEFAULT_PORTS.update({e: 1433 for e in ("sqlserver-ee", "sqlserver-se", "sqlserver-ex", "sqlserver-web")})


def rds_23(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    engine, port = str(v.base.get("Engine") or ""), v.base.get("Port")
    default = RDS_DEFAULT_PORTS.get(engine)
    if default is None:
        return _na(f"engine {engine or '?'}: no default port known")
    if port is None:
        return "ERROR", "could not evaluate: the listing gives no endpoint port (the instance may still be creating)", {}
    if int(port) == default:
        return _fail(f"listens on {engine}'s default port {default}", port=int(port))
    return _pass(f"listens on port {port}, not {engine}'s default {default}", port=int(port))


# ------------------------------------------------------------------ Secrets Manager (the audit's judging functions)
def sm_1(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    meta = v.base
    enabled = bool(meta.get("RotationEnabled"))
    interval = audit.rotation_days(meta)
    if not enabled:
        return _fail("automatic rotation is off", rotation_enabled=False)
    limit = p.get("maximumAllowedRotationFrequency")
    if limit is not None and (interval is None or interval > int(limit)):
        return _fail(f"rotation every {interval or '?'} days exceeds maximumAllowedRotationFrequency {limit}", rotation_days=interval)
    return _pass(f"automatic rotation is on (every {interval} days)" if interval else "automatic rotation is on", rotation_enabled=True, rotation_days=interval)


def days_since(meta: dict[str, Any], now: Any, field_and_label: tuple[str, str], fallback_and_param: tuple[str, str], limit: int) -> Verdict:
    """A secret's days since ``field`` (LastRotatedDate, LastAccessedDate), or since CreatedDate when it never
    happened, against ``limit``: more days FAIL. Neither date in the listing is an ERROR."""
    (field_name, label), (fallback, param) = field_and_label, fallback_and_param
    seen, created = audit.when(meta.get(field_name)), audit.when(meta.get("CreatedDate"))
    ref, what = (seen, label) if seen else (created, fallback)
    if ref is None:
        return "ERROR", f"neither {field_name} nor CreatedDate in the listing", {}
    days = audit.whole_days(ref, now)
    verdict = _fail if audit.days_between(ref, now) > limit else _pass
    return verdict(f"{what} {audit.iso(ref)}, {days} days ago ({param} {limit})", reference=audit.iso(ref), days=days)


def sm_4(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    limit = int(p["maxDaysSinceRotation"])
    return days_since(v.base, ctx["now"], ("LastRotatedDate", "last rotated"), ("never rotated; created", "maxDaysSinceRotation"), limit)


# ------------------------------------------------------------------ SQS, DynamoDB, KMS
def sqs_1(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    attrs = v["attributes"] or {}
    if attrs.get("KmsMasterKeyId"):
        return _pass(f"encrypted with KMS key {attrs['KmsMasterKeyId']}", kms_key=attrs["KmsMasterKeyId"])
    if _truthy(attrs.get("SqsManagedSseEnabled")):
        return _pass("encrypted with SQS-managed keys (SSE-SQS)", sqs_managed_sse=True)
    return _fail("no server-side encryption (neither KmsMasterKeyId nor SqsManagedSseEnabled)")


def dynamodb_2(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    pitr = ((v["backups"] or {}).get("PointInTimeRecoveryDescription") or {}).get("PointInTimeRecoveryStatus")
    return (_pass if pitr == "ENABLED" else _fail)(f"point-in-time recovery is {pitr or 'DISABLED'}", point_in_time_recovery=pitr or "DISABLED")


def kms_4(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    key = v["key"] or {}
    if key.get("KeyManager") != "CUSTOMER":
        return _na("an AWS managed key: AWS rotates it")
    spec = key.get("KeySpec") or key.get("CustomerMasterKeySpec") or "SYMMETRIC_DEFAULT"
    if spec != "SYMMETRIC_DEFAULT" or key.get("Origin") not in (None, "AWS_KMS"):
        return _na(f"automatic rotation is not supported for {spec} keys of origin {key.get('Origin')}")
    if key.get("KeyState") not in ("Enabled", "Disabled"):
        return _na(f"the key is {key.get('KeyState')}")
    on = v["rotation"]
    return (_pass if on else _fail)(f"automatic key rotation is {'on' if on else 'off'}", rotation=bool(on))


# Condition keys that tie an Allow for every principal to a known caller (AWS's own test for a public
# resource policy: the principal is * and no condition narrows it to an account, an organisation or a source).
RESTRICTING_CONDITION_KEYS = frozenset(
    k.lower()
    for k in (
        "aws:SourceArn",
        "aws:SourceAccount",
        "aws:SourceOwner",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:PrincipalOrgID",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:SourceOrgID",
        "aws:SourceIp",
    )
)


def public_statements(policy: Any) -> list[str]:
    """The Allow statements of a resource policy that any principal may use (their Sid, or their position)."""
    if isinstance(policy, str):
        try:
            policy = json.loads(policy) if policy.strip() else None
        except ValueError:
            return ["(the policy is not valid JSON)"]
    found = []
    for index, st in enumerate(_as_list((policy or {}).get("Statement"))):
        if st.get("Effect") != "Allow":
            continue
        principal = st.get("Principal")
        everyone = principal == "*" or (isinstance(principal, dict) and "*" in _as_list(principal.get("AWS")))
        if not everyone:
            continue
        keys = {str(k).lower() for op in (st.get("Condition") or {}).values() if isinstance(op, dict) for k in op}
        if keys & RESTRICTING_CONDITION_KEYS:
            continue
        found.append(str(st.get("Sid") or f"statement {index + 1}"))
    return found


def _resource_policy(policy: Any, what: str) -> Verdict:
    if not policy:
        return _pass(f"no {what} access policy: only the owner's account has access", public_statements=[])
    public = public_statements(policy)
    if public:
        return _fail(f"the {what} access policy allows every principal with no narrowing condition: {', '.join(public)}", public_statements=public)
    return _pass(f"no statement of the {what} access policy allows every principal without a narrowing condition", public_statements=[])


def sqs_3(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return _resource_policy((v["attributes"] or {}).get("Policy"), "queue")


def sns_4(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return _resource_policy((v["attributes"] or {}).get("Policy"), "topic")


def kms_3(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    key = v["key"] or {}
    if key.get("KeyManager") != "CUSTOMER":
        return _na("an AWS managed key")
    state = key.get("KeyState")
    if state == "PendingDeletion":
        when = key.get("DeletionDate")
        return _fail(f"the key is scheduled for deletion{f' on {when}' if when else ''}", key_state=state, deletion_date=str(when) if when else None)
    return _pass(f"the key is {state}, not scheduled for deletion", key_state=state)


# ------------------------------------------------------------------ ECR
def ecr_1(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    on = bool(v.base.get("scan_on_push"))
    return (_pass if on else _fail)(f"scan on push is {'on' if on else 'off'}", scan_on_push=on)


def ecr_2(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    mut = v.base.get("tag_mutability") or "MUTABLE"
    return (_pass if mut.startswith("IMMUTABLE") else _fail)(f"image tag mutability is {mut}", tag_mutability=mut)


def ecr_3(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return _pass("a lifecycle policy is configured") if v["lifecycle"] else _fail("no lifecycle policy")


# ------------------------------------------------------------------ CloudWatch Logs, EC2, ELB
def cloudwatch_16(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    days = v.base.get("retention_days")
    minimum = int(p["minRetentionTime"])
    if days is None:
        return _pass("events never expire", retention_days=None)
    verdict = _pass if int(days) >= minimum else _fail
    return verdict(f"events kept {days} days (minRetentionTime {minimum})", retention_days=int(days))


def _default_sg(base: dict[str, Any]) -> Any:
    return None if base.get("group_name") == "default" else SKIP


def ec2_2(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    ingress, egress = int(v.base.get("ingress") or 0), int(v.base.get("egress") or 0)
    ev = {"vpc_id": v.base.get("vpc_id"), "ingress_rules": ingress, "egress_rules": egress}
    if ingress or egress:
        return _fail(f"the VPC's default security group has {ingress} inbound and {egress} outbound rule(s)", **ev)
    return _pass("the VPC's default security group allows no traffic", **ev)


def _alb_only(base: dict[str, Any]) -> Any:
    return None if base.get("lb_type") == "application" else f"a {base.get('lb_type')} load balancer: the control evaluates Application Load Balancers"


def _alb_or_classic(base: dict[str, Any]) -> Any:
    return (
        None if base.get("lb_type") in ("application", None) else f"a {base.get('lb_type')} load balancer: the control evaluates Application and Classic ones"
    )


def _attr(v: View, key: str) -> bool:
    return _truthy((v["attributes"] or {}).get(key))


def elb_4(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    on = _attr(v, "routing.http.drop_invalid_header_fields.enabled")
    return (_pass if on else _fail)(f"routing.http.drop_invalid_header_fields.enabled is {str(on).lower()}")


def elb_5(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    on = _attr(v, "access_logs.s3.enabled")
    bucket = (v["attributes"] or {}).get("access_logs.s3.bucket")
    return (_pass if on else _fail)(f"access logging is {'on' if on else 'off'}" + (f" (bucket {bucket})" if on and bucket else ""))


def elb_6(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    on = _attr(v, "deletion_protection.enabled")
    return (_pass if on else _fail)(f"deletion protection is {'on' if on else 'off'}")


# ------------------------------------------------------------------ CloudFront
def cloudfront_1(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    root = (v["config"] or {}).get("DefaultRootObject")
    return _pass(f"default root object {root}", default_root_object=root) if root else _fail("no default root object")


def cloudfront_3(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    conf = v["config"] or {}
    behaviours = [("default", (conf.get("DefaultCacheBehavior") or {}).get("ViewerProtocolPolicy"))]
    behaviours += [(b.get("PathPattern"), b.get("ViewerProtocolPolicy")) for b in (conf.get("CacheBehaviors") or {}).get("Items") or []]
    plain = [str(path) for path, policy in behaviours if policy == "allow-all"]
    if plain:
        return _fail(f"viewer protocol policy allow-all on {', '.join(plain)}", allow_all=plain)
    return _pass(f"every cache behaviour ({len(behaviours)}) redirects or refuses HTTP")


# ------------------------------------------------------------------ ECS
def _ecs_kind(kind: str) -> Callable[[dict[str, Any]], Any]:
    def scope(base: dict[str, Any]) -> Any:
        return None if base.get("kind") == kind else SKIP

    return scope


def ecs_2(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    awsvpc = ((v["service"] or {}).get("networkConfiguration") or {}).get("awsvpcConfiguration")
    if not awsvpc:
        return _pass("no awsvpc network configuration: the service's tasks get no public IP of their own", assign_public_ip=None)
    assign = awsvpc.get("assignPublicIp") or "DISABLED"
    return (_fail if assign == "ENABLED" else _pass)(f"assignPublicIp is {assign}", assign_public_ip=assign)


def _containers(v: View) -> list[dict[str, Any]]:
    return list((v["task_definition"] or {}).get("containers") or [])


def ecs_4(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    containers = _containers(v)
    privileged = [str(c["name"]) for c in containers if c.get("privileged") is True]
    if privileged:
        return _fail(f"privileged container(s): {', '.join(privileged)}", privileged=privileged)
    return _pass(f"no container of the {len(containers)} is privileged", containers=len(containers))


def ecs_5(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    containers = _containers(v)
    writable = [str(c["name"]) for c in containers if c.get("readonlyRootFilesystem") is not True]
    if writable:
        return _fail(f"readonlyRootFilesystem is false or unset on: {', '.join(writable)}", writable_root=writable)
    return _pass(f"every container ({len(containers)}) has a read-only root filesystem", containers=len(containers))


ECS_CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "ECS_ENGINE_AUTH_DATA")


def ecs_8(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    found = {str(c["name"]): [n for n in c.get("environment_names") or [] if n in ECS_CREDENTIAL_VARIABLES] for c in _containers(v)}
    found = {name: keys for name, keys in found.items() if keys}
    if found:
        text = "; ".join(f"{name}: {', '.join(keys)}" for name, keys in found.items())
        return _fail(f"credentials passed as environment variables ({text}); use secrets (Secrets Manager / SSM) instead", variables=found)
    return _pass(f"no container sets {', '.join(ECS_CREDENTIAL_VARIABLES)} in its environment")


def ecs_12(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    value = ((v["cluster"] or {}).get("settings") or {}).get("containerInsights")
    on = str(value).lower() in ("enabled", "enhanced")
    return (_pass if on else _fail)(f"containerInsights is {value or 'not set (disabled)'}", container_insights=value)


# ------------------------------------------------------------------ SNS, IAM, S3 account
def sns_1(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    key = (v["attributes"] or {}).get("KmsMasterKeyId")
    if key:
        return _pass(f"encrypted at rest with KMS key {key}", kms_key=key)
    return _fail("no KmsMasterKeyId: the topic is not encrypted at rest with KMS")


def iam_2(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    attached, inline = list(v["attached_policies"] or []), list(v["inline_policies"] or [])
    if attached or inline:
        parts = ([f"managed {', '.join(attached)}"] if attached else []) + ([f"inline {', '.join(inline)}"] if inline else [])
        return _fail(f"policies attached to the user: {'; '.join(parts)}", attached=attached, inline=inline)
    return _pass("no policy attached to the user (permissions come from groups or roles)")


IAM_MAX_KEY_AGE_DAYS = 90  # fixed by Security Hub (IAM.3 has no parameter)


def iam_3(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    limit = IAM_MAX_KEY_AGE_DAYS
    active = [k for k in v["access_keys"] or [] if k.get("status") == "Active"]
    if not active:
        return _pass("no active access key", active_keys=0)
    ages = {}
    for k in active:
        created = audit.when(k.get("created"))
        if created is None:
            return "ERROR", f"access key {k['id']} has no CreateDate in the answer", {}
        ages[k["id"]] = (ctx["now"] - created).days
    old = {kid: days for kid, days in ages.items() if days > limit}
    if old:
        text = ", ".join(f"{kid} ({days} days)" for kid, days in sorted(old.items()))
        return _fail(f"active access key(s) older than {limit} days: {text}", key_age_days=ages)
    return _pass(f"every active access key is at most {limit} days old ({', '.join(f'{k} {d}d' for k, d in sorted(ages.items()))})", key_age_days=ages)


def s3_1(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    conf = v.base.get("public_access_block") or {}
    off = [k for k in _PAB if not conf.get(k)]
    if not v.base.get("configured"):
        return _fail("no account-level block public access configuration (every setting off)", public_access_block={})
    if off:
        return _fail(f"account-level block public access is off: {', '.join(off)}", public_access_block=conf)
    return _pass("all four block public access settings are on at the account level", public_access_block=conf)


# ------------------------------------------------------------------ ElastiCache
def _redis_like(base: dict[str, Any]) -> Any:
    """Replication groups, and standalone clusters of a Redis OSS / Valkey engine (Memcached has no backups)."""
    if base.get("kind") == "replication_group":
        return None
    return None if str(base.get("Engine") or "").lower() in ("redis", "valkey") else SKIP


def _groups_only(base: dict[str, Any]) -> Any:
    return None if base.get("kind") == "replication_group" else SKIP


def elasticache_1(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    days = int(v.base.get("SnapshotRetentionLimit") or 0)
    minimum = int(p["snapshotRetentionPeriod"])
    what = "automatic backups are off" if days == 0 else f"automatic backups kept {days} day(s)"
    return (_pass if days >= minimum else _fail)(f"{what} (snapshotRetentionPeriod {minimum})", snapshot_retention_days=days)


def elasticache_3(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    state = str(v.base.get("AutomaticFailover") or "disabled")
    return (_pass if state == "enabled" else _fail)(f"automatic failover is {state}", automatic_failover=state)


def elasticache_4(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    on = bool(v.base.get("AtRestEncryptionEnabled"))
    return (_pass if on else _fail)(f"encryption at rest is {'on' if on else 'off'}", at_rest_encryption=on)


def elasticache_5(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    on = bool(v.base.get("TransitEncryptionEnabled"))
    return (_pass if on else _fail)(f"encryption in transit is {'on' if on else 'off'}", transit_encryption=on)


def _version(text: str) -> tuple[int, ...]:
    out = []
    for part in str(text).split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        if not digits:
            break
        out.append(int(digits))
    return tuple(out)


def elasticache_6(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    members = v["member_clusters"] or []
    versions = sorted({str(m.get("EngineVersion")) for m in members if m.get("EngineVersion")}, key=_version)
    if not versions:
        return "ERROR", "could not evaluate: no member cluster with an engine version was listed (DescribeCacheClusters)", {"members": members}
    lowest = versions[0]
    engine = str(v.base.get("Engine") or "redis")
    auth = bool(v.base.get("AuthTokenEnabled"))
    ev = {"engine": engine, "engine_versions": versions, "auth_token_enabled": auth}
    if engine.lower() == "valkey" or _version(lowest) >= (6,):
        return _pass(f"{engine} {lowest}: 6.0 or later authenticates with users and ACLs (RBAC), no AUTH token needed", **ev)
    if auth:
        return _pass(f"{engine} {lowest} with Redis AUTH (an AUTH token) enabled", **ev)
    return _fail(f"{engine} {lowest} (earlier than 6.0) without Redis AUTH: any client that reaches it can run commands", **ev)


# ------------------------------------------------------------------ Slipway: required tags
def tags_1(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    tags = v["tags"] or {}
    missing = [k for k in p["requiredTagKeys"] if not str(tags.get(k) or "").strip()]
    if missing:
        return _fail(f"missing required tag(s) {', '.join(missing)}", missing=missing)
    return _pass(f"has every required tag ({', '.join(p['requiredTagKeys'])})")


# ------------------------------------------------------------------ Slipway: CloudFront security headers, ECR scan findings
SECURITY_HEADERS = {
    "StrictTransportSecurity": "Strict-Transport-Security",
    "ContentTypeOptions": "X-Content-Type-Options",
    "FrameOptions": "X-Frame-Options",
    "ReferrerPolicy": "Referrer-Policy",
    "ContentSecurityPolicy": "Content-Security-Policy",
}


def cloudfront_security_headers(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    conf = v["config"] or {}
    policies = v["response_headers"] or {}
    behaviours = [("default", conf.get("DefaultCacheBehavior") or {})]
    behaviours += [(str(b.get("PathPattern")), b) for b in (conf.get("CacheBehaviors") or {}).get("Items") or []]
    problems: dict[str, list[str]] = {}
    for path, b in behaviours:
        pid = b.get("ResponseHeadersPolicyId")
        if not pid:
            problems[path] = ["no response headers policy"]
            continue
        security = (policies.get(pid) or {}).get("SecurityHeadersConfig") or {}
        missing = [header for key, header in SECURITY_HEADERS.items() if not security.get(key)]
        if missing:
            problems[path] = [f"policy {pid} lacks {', '.join(missing)}"]
    if problems:
        text = "; ".join(f"{path}: {', '.join(why)}" for path, why in problems.items())
        return _fail(text, behaviours=problems)
    return _pass(f"every cache behaviour ({len(behaviours)}) sends HSTS, nosniff, frame options, referrer policy and CSP", policies=sorted(policies))


ECR_SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNDEFINED")


def ecr_scan_findings(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    image = v["latest_image"]
    if image is None:
        return "NOT_APPLICABLE", "the repository has no image", {}
    threshold = str(p["severityThreshold"]).upper()  # checked by check_parameters
    scan = v["scan_findings"] or {"status": "NONE", "counts": {}}
    where = f"image {image['digest']}" + (f" ({', '.join(image['tags'])})" if image["tags"] else "")
    if scan["status"] != "COMPLETE":
        # Not a verdict on the image, and not an unreadable API either (the API answered): ECR.1 judges scanning.
        what = "was never scanned" if scan["status"] == "NONE" else f"has scan status {scan['status']}"
        return "NOT_APPLICABLE", f"the latest {where} {what}: no findings to judge (ECR.1 judges scan on push)", {"image": image, "scan_status": scan["status"]}
    limit = ECR_SEVERITIES.index(threshold)
    above = {k: n for k, n in scan["counts"].items() if k in ECR_SEVERITIES and ECR_SEVERITIES.index(k) <= limit and n}
    if above:
        text = ", ".join(f"{n} {k}" for k, n in sorted(above.items(), key=lambda kv: ECR_SEVERITIES.index(kv[0])))
        return _fail(f"the latest {where} has {text} finding(s), at or above {threshold}", image=image, counts=scan["counts"])
    return _pass(f"the latest {where} has no finding at or above {threshold}", image=image, counts=scan["counts"])


# ------------------------------------------------------------------ Slipway: the secret-rotation audit's state
ROTATION_FAIL_STATES = ("rotator_broken", "stuck_pending", "failing", "overdue")


def _rotation_policy(p: dict[str, Any]) -> dict[str, Any]:
    return audit.check_policy({"max_age_days": p["maxAgeDays"], "failed_events_days": p["failedEventsDays"]})


def secrets_rotation_state(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    """The audit's own judging (``secrets/audit.py`` ``judge``) over the collected facts; its state becomes the verdict."""
    policy = _rotation_policy(p)
    since = ctx["now"] - dt.timedelta(days=policy["failed_events_days"])
    collected_events = v["rotation_events"] or {"failed": [], "succeeded": []}

    def recent(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [e for e in events if (audit.when(e.get("time")) or since) >= since]

    facts: dict[str, Any] = {
        "name": v.name,
        "arn": v.arn,
        "meta": v["describe"],
        "events": {"readable": True, "failed": recent(collected_events["failed"]), "succeeded": recent(collected_events["succeeded"])},
        "consumers": [],
    }
    function = v["rotation_function"]
    if function is not None:
        facts["function"] = {**function, "policy": v["rotation_function_policy"]} if function.get("exists") else dict(function)
    judged = audit.judge(facts, policy, ctx["now"])
    state, reason = judged["state"], judged["reason"]
    ev = {"state": state, "findings": judged["findings"], "evidence": judged["evidence"]}
    if state in ROTATION_FAIL_STATES:
        return "FAIL", f"{state}: {reason}", ev
    if state == "not_rotating":
        if p["rotationRequired"]:
            return "FAIL", f"{state}: {reason} (rotationRequired)", ev
        return "NOT_APPLICABLE", f"{state}: {reason}; rotation is not required (rotationRequired false; SecretsManager.1 judges it)", ev
    if state == "error":
        return "ERROR", f"{state}: {reason}", ev
    return _pass(f"{state}: {reason}", **ev)


# ------------------------------------------------------------------ the catalogue
# ------------------------------------------------------------------ Slipway: restore drills recent enough
RESTORE_DRILL_TAG = "slipway:restore-drill"  # written by playbooks/runbooks/backup_restore_test.yml on the source


def _restore_drill_scope(base: dict[str, Any]) -> Any:
    if base.get("ReadReplicaSourceDBInstanceIdentifier"):
        return "a read replica: the drills of its source cover its data"
    if not base.get("BackupRetentionPeriod"):
        return "no automated backups to restore (RDS.11 judges that)"
    return None


def _drill_time(text: str) -> dt.datetime:
    when = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def rds_restore_drill(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    """The newest restore drill of the instance (its tag, ``TIME STATUS RUN_ID``) succeeded within maxAgeDays."""
    value = str((v["tags"] or {}).get(RESTORE_DRILL_TAG) or "").strip()
    if not value:
        return _fail(f"no restore drill recorded (no {RESTORE_DRILL_TAG} tag): run playbooks/runbooks/backup_restore_test.yml -e db={v.name}")
    parts = value.split()
    try:
        when = _drill_time(parts[0])
        status = parts[1]
    except (IndexError, ValueError):
        return "ERROR", f"the {RESTORE_DRILL_TAG} tag is not 'TIME STATUS RUN_ID': {value!r}", {"tag": value}
    run_id = parts[2] if len(parts) > 2 else None
    age = int((ctx["now"] - when).total_seconds() // 86400)
    ev = {"last_drill_at": when.astimezone(dt.UTC).isoformat(), "status": status, "run_id": run_id, "age_days": age}
    if status != "succeeded":
        return _fail(f"the last restore drill ({ev['last_drill_at']}, run {run_id}) ended {status}", **ev)
    if age > int(p["maxAgeDays"]):
        return _fail(f"the last restore drill that succeeded was {age} days ago, more than {p['maxAgeDays']}", **ev)
    return _pass(f"a restore drill succeeded {age} day(s) ago (run {run_id})", **ev)


def _c(cid: str, title: str, severity: str, services: tuple[str, ...], rtype: str, remediation: str, check: Any, **kw: Any) -> Control:
    return Control(id=cid, title=title, severity=severity, services=services, resource_type=rtype, remediation=remediation, check=check, **kw)


_S3 = ("s3",)
_CATALOGUE = [
    _c(
        "S3.5",
        "S3 general purpose buckets should require requests to use SSL",
        "MEDIUM",
        _S3,
        "AwsS3Bucket",
        "Add a bucket policy statement denying s3:* to every principal when aws:SecureTransport is false.",
        s3_5,
        needs=("policy",),
    ),
    _c(
        "S3.8",
        "S3 general purpose buckets should block public access",
        "HIGH",
        _S3,
        "AwsS3Bucket",
        "Turn on all four S3 Block Public Access settings for the bucket (aws_s3_bucket_public_access_block).",
        s3_8,
        needs=("public_access_block",),
        params={"excludedPublicBuckets": []},
    ),
    _c(
        "S3.9",
        "S3 general purpose buckets should have server access logging enabled",
        "MEDIUM",
        _S3,
        "AwsS3Bucket",
        "Enable server access logging to a log bucket (aws_s3_bucket_logging).",
        s3_9,
        needs=("logging",),
    ),
    _c(
        "S3.14",
        "S3 general purpose buckets should have versioning enabled",
        "LOW",
        _S3,
        "AwsS3Bucket",
        "Enable versioning (aws_s3_bucket_versioning status Enabled).",
        s3_14,
        needs=("versioning",),
    ),
    _c(
        "RDS.2",
        "RDS DB Instances should prohibit public access, as determined by the PubliclyAccessible configuration",
        "CRITICAL",
        ("rds",),
        "AwsRdsDbInstance",
        "Set publicly_accessible = false.",
        rds_2,
    ),
    _c(
        "RDS.3",
        "RDS DB instances should have encryption at-rest enabled",
        "MEDIUM",
        ("rds",),
        "AwsRdsDbInstance",
        "Encrypted storage is set at creation: restore an encrypted copy of a snapshot (storage_encrypted = true).",
        rds_3,
    ),
    _c("RDS.8", "RDS DB instances should have deletion protection enabled", "LOW", ("rds",), "AwsRdsDbInstance", "Set deletion_protection = true.", rds_8),
    _c(
        "RDS.11",
        "RDS instances should have automatic backups enabled",
        "MEDIUM",
        ("rds",),
        "AwsRdsDbInstance",
        "Set backup_retention_period to at least backupRetentionMinimum days.",
        rds_11,
        params={"backupRetentionMinimum": 7},
    ),
    _c(
        "RDS.13",
        "RDS automatic minor version upgrades should be enabled",
        "HIGH",
        ("rds",),
        "AwsRdsDbInstance",
        "Set auto_minor_version_upgrade = true.",
        rds_13,
    ),
    _c(
        "RDS.5",
        "RDS DB instances should be configured with multiple Availability Zones",
        "MEDIUM",
        ("rds",),
        "AwsRdsDbInstance",
        "Set multi_az = true.",
        rds_5,
        scope=_instance_not_cluster_member("RDS.15"),
    ),
    _c(
        "RDS.9",
        "RDS DB instances should publish logs to CloudWatch Logs",
        "MEDIUM",
        ("rds",),
        "AwsRdsDbInstance",
        "Set enabled_cloudwatch_logs_exports to the engine's logs (PostgreSQL: postgresql, upgrade; MySQL and MariaDB: audit, error, general, slowquery).",
        rds_9,
    ),
    _c(
        "RDS.10",
        "IAM authentication should be configured for RDS instances",
        "MEDIUM",
        ("rds",),
        "AwsRdsDbInstance",
        "Set iam_database_authentication_enabled = true.",
        rds_10,
        scope=_instance_not_cluster_member("RDS.12"),
    ),
    _c(
        "RDS.17",
        "RDS DB instances should be configured to copy tags to snapshots",
        "LOW",
        ("rds",),
        "AwsRdsDbInstance",
        "Set copy_tags_to_snapshot = true.",
        rds_17,
        scope=_instance_not_cluster_member("RDS.16"),
    ),
    _c(
        "RDS.23",
        "RDS instances should not use a database engine default port",
        "LOW",
        ("rds",),
        "AwsRdsDbInstance",
        "Set port to a value other than the engine's default (5432 for PostgreSQL); it is changed with a modify (a restart).",
        rds_23,
    ),
    _c(
        "SecretsManager.1",
        "Secrets Manager secrets should have automatic rotation enabled",
        "MEDIUM",
        ("secretsmanager",),
        "AwsSecretsManagerSecret",
        "Turn on rotation with a rotation function (aws_secretsmanager_secret_rotation); see playbooks/secret_rotation_check.yml.",
        sm_1,
        params={"maximumAllowedRotationFrequency": None},
    ),
    _c(
        "SecretsManager.4",
        "Secrets Manager secrets should be rotated within a specified number of days",
        "MEDIUM",
        ("secretsmanager",),
        "AwsSecretsManagerSecret",
        "Rotate the secret (playbooks/rotate_secret.yml) and keep its schedule shorter than maxDaysSinceRotation.",
        sm_4,
        params={"maxDaysSinceRotation": 90},
    ),
    _c(
        "SQS.1",
        "Amazon SQS queues should be encrypted at rest",
        "MEDIUM",
        ("sqs",),
        "AwsSqsQueue",
        "Set sqs_managed_sse_enabled = true or kms_master_key_id on the queue.",
        sqs_1,
        needs=("attributes",),
    ),
    _c(
        "SQS.3",
        "SQS queue access policies should not allow public access",
        "HIGH",
        ("sqs",),
        "AwsSqsQueue",
        "Name the principals in the queue policy, or narrow a Principal * statement with aws:SourceArn or aws:SourceAccount.",
        sqs_3,
        needs=("attributes",),
    ),
    _c(
        "DynamoDB.2",
        "DynamoDB tables should have point-in-time recovery enabled",
        "MEDIUM",
        ("dynamodb",),
        "AwsDynamoDbTable",
        "Enable point_in_time_recovery on the table.",
        dynamodb_2,
        needs=("backups",),
    ),
    _c(
        "KMS.4",
        "AWS KMS key rotation should be enabled",
        "MEDIUM",
        ("kms",),
        "AwsKmsKey",
        "Set enable_key_rotation = true on the customer managed symmetric key.",
        kms_4,
        needs=("key", "rotation"),
        frameworks=(NIST,),  # Security Hub: CIS, PCI DSS and NIST SP 800-53 Rev. 5; not FSBP
    ),
    _c(
        "KMS.3",
        "AWS KMS keys should not be deleted unintentionally",
        "CRITICAL",
        ("kms",),
        "AwsKmsKey",
        "If the deletion was not intended, cancel it (kms cancel-key-deletion) before the waiting period ends, then enable the key.",
        kms_3,
        needs=("key",),
        frameworks=(FSBP, NIST),
    ),
    _c(
        "ECR.1",
        "ECR private repositories should have image scanning configured",
        "HIGH",
        ("ecr",),
        "AwsEcrRepository",
        "Set image_scanning_configuration { scan_on_push = true } (or enhanced scanning on the registry).",
        ecr_1,
    ),
    _c(
        "ECR.2",
        "ECR private repositories should have tag immutability configured",
        "MEDIUM",
        ("ecr",),
        "AwsEcrRepository",
        "Set image_tag_mutability = IMMUTABLE.",
        ecr_2,
    ),
    _c(
        "ECR.3",
        "ECR repositories should have at least one lifecycle policy configured",
        "MEDIUM",
        ("ecr",),
        "AwsEcrRepository",
        "Add an aws_ecr_lifecycle_policy expiring old and untagged images.",
        ecr_3,
        needs=("lifecycle",),
    ),
    _c(
        "CloudWatch.16",
        "CloudWatch log groups should be retained for a specified time period",
        "MEDIUM",
        ("logs",),
        "AwsLogsLogGroup",
        "Set retention_in_days to at least minRetentionTime (or lower the parameter in the inventory, with a reason).",
        cloudwatch_16,
        params={"minRetentionTime": 365},
        frameworks=(NIST,),
    ),
    _c(
        "EC2.2",
        "VPC default security groups should not allow inbound or outbound traffic",
        "HIGH",
        ("ec2",),
        "AwsEc2SecurityGroup",
        "Remove every rule from the default security group (aws_default_security_group with no ingress/egress).",
        ec2_2,
        scope=_default_sg,
    ),
    _c(
        "ELB.4",
        "Application Load Balancer should be configured to drop invalid http headers",
        "MEDIUM",
        ("elbv2",),
        "AwsElbv2LoadBalancer",
        "Set drop_invalid_header_fields = true on the load balancer.",
        elb_4,
        needs=("attributes",),
        scope=_alb_only,
    ),
    _c(
        "ELB.5",
        "Application and Classic Load Balancers logging should be enabled",
        "MEDIUM",
        ("elbv2", "elb"),
        "AwsElbv2LoadBalancer",
        "Enable access_logs to an S3 bucket.",
        elb_5,
        needs=("attributes",),
        scope=_alb_or_classic,
        other_types=("AwsElbLoadBalancer",),  # Classic Load Balancers (the elb collector: attributes as access_logs.s3.enabled)
    ),
    _c(
        "ELB.6",
        "Application, Gateway, and Network Load Balancers should have deletion protection enabled",
        "MEDIUM",
        ("elbv2",),
        "AwsElbv2LoadBalancer",
        "Set enable_deletion_protection = true.",
        elb_6,
        needs=("attributes",),
    ),
    _c(
        "CloudFront.1",
        "CloudFront distributions should have a default root object configured",
        "CRITICAL",
        ("cloudfront",),
        "AwsCloudFrontDistribution",
        "Set default_root_object (e.g. index.html).",
        cloudfront_1,
        needs=("config",),
    ),
    _c(
        "CloudFront.3",
        "CloudFront distributions should require encryption in transit",
        "MEDIUM",
        ("cloudfront",),
        "AwsCloudFrontDistribution",
        "Set viewer_protocol_policy to redirect-to-https or https-only on every cache behaviour.",
        cloudfront_3,
        needs=("config",),
    ),
    _c(
        "ECS.2",
        "ECS services should not have public IP addresses assigned to them automatically",
        "HIGH",
        ("ecs",),
        "AwsEcsService",
        "Set network_configuration { assign_public_ip = false } on the service; reach the internet through a NAT gateway.",
        ecs_2,
        needs=("service",),
        scope=_ecs_kind("service"),
    ),
    _c(
        "ECS.4",
        "ECS containers should run as non-privileged",
        "HIGH",
        ("ecs",),
        "AwsEcsTaskDefinition",
        "Remove privileged = true from the container definitions and register a new revision.",
        ecs_4,
        needs=("task_definition",),
        scope=_ecs_kind("task_definition"),
    ),
    _c(
        "ECS.5",
        "ECS containers should be limited to read-only access to root filesystems",
        "HIGH",
        ("ecs",),
        "AwsEcsTaskDefinition",
        "Set readonlyRootFilesystem = true on every container definition (mount a volume for what must be written).",
        ecs_5,
        needs=("task_definition",),
        scope=_ecs_kind("task_definition"),
    ),
    _c(
        "ECS.8",
        "Secrets should not be passed as container environment variables",
        "HIGH",
        ("ecs",),
        "AwsEcsTaskDefinition",
        "Remove AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and ECS_ENGINE_AUTH_DATA from the environment; use the task role, "
        "or the container definition's secrets (Secrets Manager / SSM Parameter Store).",
        ecs_8,
        needs=("task_definition",),
        scope=_ecs_kind("task_definition"),
    ),
    _c(
        "ECS.12",
        "ECS clusters should use Container Insights",
        "MEDIUM",
        ("ecs",),
        "AwsEcsCluster",
        "Set setting { name = containerInsights, value = enabled } on the cluster.",
        ecs_12,
        needs=("cluster",),
        scope=_ecs_kind("cluster"),
    ),
    _c(
        "SNS.1",
        "SNS topics should be encrypted at-rest using AWS KMS",
        "MEDIUM",
        ("sns",),
        "AwsSnsTopic",
        "Set kms_master_key_id on the topic (a customer managed key, or alias/aws/sns).",
        sns_1,
        needs=("attributes",),
        frameworks=(NIST,),  # retired from FSBP in April 2024; still in Security Hub's NIST SP 800-53 Rev. 5 standard
    ),
    _c(
        "SNS.4",
        "SNS topic access policies should not allow public access",
        "HIGH",
        ("sns",),
        "AwsSnsTopic",
        "Name the principals in the topic policy, or narrow a Principal * statement with aws:SourceOwner or aws:SourceArn.",
        sns_4,
        needs=("attributes",),
    ),
    _c(
        "IAM.2",
        "IAM users should not have IAM policies attached",
        "LOW",
        ("iam",),
        "AwsIamUser",
        "Detach the user's managed policies and delete its inline ones; grant permissions through groups or roles.",
        iam_2,
        needs=("attached_policies", "inline_policies"),
    ),
    _c(
        "IAM.3",
        "IAM users' access keys should be rotated every 90 days or less",
        "MEDIUM",
        ("iam",),
        "AwsIamUser",
        "Create a new access key, move its users to it, then deactivate and delete the old one (better: roles, no long-lived keys).",
        iam_3,
        needs=("access_keys",),
    ),
    _c(
        "S3.1",
        "S3 general purpose buckets should have block public access settings enabled",
        "MEDIUM",
        ("s3control",),
        "AwsAccount",
        "Turn on all four account-level S3 Block Public Access settings (aws_s3_account_public_access_block).",
        s3_1,
    ),
    _c(
        "ElastiCache.1",
        "ElastiCache (Redis OSS) clusters should have automatic backups enabled",
        "HIGH",
        ("elasticache",),
        "AwsElastiCacheReplicationGroup",
        "Set snapshot_retention_limit to at least snapshotRetentionPeriod days (aws_elasticache_replication_group).",
        elasticache_1,
        params={"snapshotRetentionPeriod": 1},
        scope=_redis_like,
        other_types=("AwsElastiCacheCacheCluster",),
    ),
    _c(
        "ElastiCache.3",
        "ElastiCache replication groups should have automatic failover enabled",
        "MEDIUM",
        ("elasticache",),
        "AwsElastiCacheReplicationGroup",
        "Set automatic_failover_enabled = true (with at least one replica; multi_az_enabled too).",
        elasticache_3,
        scope=_groups_only,
    ),
    _c(
        "ElastiCache.4",
        "ElastiCache replication groups should be encrypted at rest",
        "MEDIUM",
        ("elasticache",),
        "AwsElastiCacheReplicationGroup",
        "Set at_rest_encryption_enabled = true (set at creation: create an encrypted group from a backup and switch over).",
        elasticache_4,
        scope=_groups_only,
    ),
    _c(
        "ElastiCache.5",
        "ElastiCache replication groups should be encrypted in transit",
        "MEDIUM",
        ("elasticache",),
        "AwsElastiCacheReplicationGroup",
        "Set transit_encryption_enabled = true (clients connect with TLS).",
        elasticache_5,
        scope=_groups_only,
    ),
    _c(
        "ElastiCache.6",
        "ElastiCache (Redis OSS) replication groups of earlier versions should have Redis OSS AUTH enabled",
        "MEDIUM",
        ("elasticache",),
        "AwsElastiCacheReplicationGroup",
        "Upgrade to Redis OSS 6.0 or later and use RBAC user groups, or set auth_token (with transit encryption).",
        elasticache_6,
        needs=("member_clusters",),
        scope=_groups_only,
    ),
    _c(
        "SLIPWAY.Tags.1",
        "Resources should carry the required cost-allocation tags",
        "LOW",
        ("s3", "rds", "secretsmanager", "sqs", "dynamodb"),
        "AwsResource",
        "Tag the resource (Terraform default_tags of the provider carry Project, Environment and ManagedBy).",
        tags_1,
        needs=("tags",),
        params={"requiredTagKeys": ["Project", "Environment", "ManagedBy"]},
        frameworks=(SLIPWAY,),
        source="slipway",
    ),
    _c(
        "SLIPWAY.CloudFront.SecurityHeaders",
        "CloudFront distributions should send the security response headers",
        "MEDIUM",
        ("cloudfront",),
        "AwsCloudFrontDistribution",
        "Attach a response headers policy (aws_cloudfront_response_headers_policy) with HSTS, X-Content-Type-Options, "
        "X-Frame-Options, Referrer-Policy and Content-Security-Policy to every cache behaviour.",
        cloudfront_security_headers,
        needs=("config", "response_headers"),
        frameworks=(SLIPWAY,),
        source="slipway",
    ),
    _c(
        "SLIPWAY.ECR.ScanFindings",
        "The latest image of an ECR repository should have no scan finding at or above the policy's severity",
        "HIGH",
        ("ecr",),
        "AwsEcrRepository",
        "Rebuild the image on a patched base (or upgrade the vulnerable packages), push it and redeploy.",
        ecr_scan_findings,
        needs=("latest_image", "scan_findings"),
        params={"severityThreshold": "HIGH"},
        frameworks=(SLIPWAY,),
        source="slipway",
    ),
    _c(
        "SLIPWAY.RDS.RestoreDrill",
        "RDS instances should have a recent successful restore drill",
        "MEDIUM",
        ("rds",),
        "AwsRdsDbInstance",
        "Schedule playbooks/runbooks/backup_restore_test.yml for the instance (docs/runbooks/backup_restore_test.md); fix what made its last drill fail.",
        rds_restore_drill,
        needs=("tags",),
        params={"maxAgeDays": 7},
        frameworks=(SLIPWAY,),
        scope=_restore_drill_scope,
        source="slipway",
    ),
    _c(
        "SLIPWAY.SecretsManager.RotationState",
        "Secrets Manager secrets should be in a healthy rotation state (the secret-rotation audit)",
        "MEDIUM",
        ("secretsmanager",),
        "AwsSecretsManagerSecret",
        "Run playbooks/secret_rotation_check.yml for the secret's state and its fix (docs/secrets.md): repair or redeploy the "
        "rotation function, remove a stuck AWSPENDING label, or rotate the secret now.",
        secrets_rotation_state,
        needs=("describe", "rotation_function", "rotation_function_policy", "rotation_events"),
        params={"maxAgeDays": 90, "failedEventsDays": 7, "rotationRequired": False},
        frameworks=(SLIPWAY,),
        source="slipway",
    ),
]
_EVERY: dict[str, Control] = {}


def catalogue() -> dict[str, Control]:
    """Every control by id: this module's and the later FSBP controls' (``controls_edge``, ``controls_workloads``,
    ``controls_network``). Those modules import this one's helpers, so they are imported here, on first use, and
    either side may be imported first. ``CONTROLS`` (a module attribute) is this dict."""
    if not _EVERY:
        from ansible_collections.slipway.aws.plugins.module_utils.compliance import (
            controls_edge,
            controls_elb,
            controls_iam,
            controls_network,
            controls_rds,
            controls_services,
            controls_workloads,
        )

        every = _CATALOGUE + controls_edge.CATALOGUE + controls_workloads.CATALOGUE + controls_network.CATALOGUE
        every += controls_rds.CATALOGUE + controls_elb.CATALOGUE + controls_iam.CATALOGUE + controls_services.CATALOGUE
        ids = [c.id for c in every]
        twice = sorted({cid for cid in ids if ids.count(cid) > 1})
        if twice:
            raise ImportError(f"two controls share an id: {', '.join(twice)}")
        _EVERY.update((c.id, c) for c in every)
    return _EVERY


def __getattr__(name: str) -> Any:
    if name == "CONTROLS":
        return catalogue()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


PARAMETER_CHOICES: dict[tuple[str, str], tuple[str, ...]] = {("SLIPWAY.ECR.ScanFindings", "severityThreshold"): ECR_SEVERITIES}
