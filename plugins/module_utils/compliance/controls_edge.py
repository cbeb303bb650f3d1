# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The later FSBP controls of CloudFront and S3: data plus one small pure function each (see controls.py).

Its CATALOGUE joins controls.py's in ``controls.catalogue()`` (``controls.CONTROLS``), which imports this module on first use.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.compliance.controls import (
    NIST,
    Control,
    Verdict,
    View,
    _as_list,
    _c,
    _fail,
    _na,
    _pass,
)

_CF = ("cloudfront",)
_DIST = "AwsCloudFrontDistribution"
_S3 = ("s3",)
_BUCKET = "AwsS3Bucket"


# ------------------------------------------------------------------ CloudFront: helpers over GetDistributionConfig
def _items(value: Any) -> list[Any]:
    """The ``Items`` of one of CloudFront's ``{"Quantity": n, "Items": [...]}`` wrappers (none when absent)."""
    return list((value or {}).get("Items") or [])


def _origins(conf: dict[str, Any]) -> list[dict[str, Any]]:
    return _items(conf.get("Origins"))


def _custom_origins(conf: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in _origins(conf) if o.get("CustomOriginConfig")]


# An S3 REST endpoint (bucket.s3.amazonaws.com, bucket.s3.REGION.amazonaws.com, bucket.s3-REGION.amazonaws.com);
# a website endpoint (s3-website) is a custom origin.
_S3_REST = re.compile(r"\.s3(?:[.-](?!website)[a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$", re.IGNORECASE)


def _s3_origins(conf: dict[str, Any]) -> list[dict[str, Any]]:
    """Origins of the S3 origin type: those with ``S3OriginConfig`` and, since an origin is either S3, custom or VPC,
    those with neither of the others on an S3 REST endpoint (the emulator drops an empty ``S3OriginConfig``, which
    is what an S3 origin using origin access control has)."""
    out = []
    for o in _origins(conf):
        if o.get("CustomOriginConfig") or o.get("VpcOriginConfig"):
            continue
        if o.get("S3OriginConfig") is not None or _S3_REST.search(str(o.get("DomainName") or "")):
            out.append(o)
    return out


_LAMBDA_URL = re.compile(r"\.lambda-url\.[a-z0-9-]+\.on\.aws$", re.IGNORECASE)


def _behaviours(conf: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = [("default", conf.get("DefaultCacheBehavior") or {})]
    return out + [(str(b.get("PathPattern")), b) for b in _items(conf.get("CacheBehaviors"))]


def _custom_certificate(conf: dict[str, Any]) -> str | None:
    """The distribution's own certificate (ACM or IAM), None when it serves CloudFront's default one.
    Judged from the certificate ids, not ``CloudFrontDefaultCertificate``: the two exclude each other on AWS, and
    the emulator answers ``CloudFrontDefaultCertificate: true`` next to an ACM certificate."""
    cert = conf.get("ViewerCertificate") or {}
    return cert.get("ACMCertificateArn") or cert.get("IAMCertificateId") or None


def cloudfront_4(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    groups = _items((v["config"] or {}).get("OriginGroups"))
    failover = [str(g.get("Id")) for g in groups if len(_items(g.get("Members"))) >= 2]
    if failover:
        return _pass(f"origin group(s) with two origins: {', '.join(failover)}", origin_groups=failover)
    if groups:
        return _fail("no origin group has two origins", origin_groups=[str(g.get("Id")) for g in groups])
    return _fail("no origin group: no origin failover")


def cloudfront_5(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    logging = (v["config"] or {}).get("Logging") or {}
    if logging.get("Enabled"):
        target = f"{logging.get('Bucket') or '?'}/{logging.get('Prefix') or ''}"
        return _pass(f"standard logging (legacy) to {target}", bucket=logging.get("Bucket"))
    return _fail("standard logging (legacy) is off")


def cloudfront_6(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    acl = (v["config"] or {}).get("WebACLId")
    if acl:
        return _pass(f"associated with the web ACL {acl}", web_acl=acl)
    return _fail("no AWS WAF web ACL is associated")


def cloudfront_7(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    cert = _custom_certificate(v["config"] or {})
    if cert:
        return _pass(f"serves its own certificate {cert}", certificate=cert)
    return _fail("serves CloudFront's default certificate (*.cloudfront.net)")


def cloudfront_8(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    conf = v["config"] or {}
    cert = _custom_certificate(conf)
    if not cert:
        return _na("no custom certificate: CloudFront's default certificate has no SSL support method to choose")
    method = (conf.get("ViewerCertificate") or {}).get("SSLSupportMethod")
    if method == "vip":
        return _fail("the custom certificate is served from dedicated IP addresses (SSLSupportMethod vip), not SNI", ssl_support_method=method)
    return _pass(f"the custom certificate is served with SSLSupportMethod {method or 'sni-only'}", ssl_support_method=method)


def _origin_ids_behind(conf: dict[str, Any], target: str | None) -> set[str]:
    """The origin ids a behaviour's ``TargetOriginId`` reaches: the origin itself, or an origin group's members."""
    for group in _items(conf.get("OriginGroups")):
        if group.get("Id") == target:
            return {str(m.get("OriginId")) for m in _items(group.get("Members"))}
    return {str(target)}


def cloudfront_9(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    conf = v["config"] or {}
    custom = _custom_origins(conf)
    if not custom:
        return _na("no custom origin (S3 origins only)")
    plain_viewers: dict[str, list[str]] = {}
    for path, b in _behaviours(conf):
        if b.get("ViewerProtocolPolicy") == "allow-all":
            for oid in _origin_ids_behind(conf, b.get("TargetOriginId")):
                plain_viewers.setdefault(oid, []).append(path)
    problems = {}
    for o in custom:
        oid, policy = str(o.get("Id")), o["CustomOriginConfig"].get("OriginProtocolPolicy")
        if policy == "http-only":
            problems[oid] = "OriginProtocolPolicy http-only"
        elif policy == "match-viewer" and oid in plain_viewers:
            problems[oid] = f"OriginProtocolPolicy match-viewer behind viewer protocol policy allow-all ({', '.join(plain_viewers[oid])})"
    if problems:
        return _fail("; ".join(f"origin {oid}: {why}" for oid, why in problems.items()), origins=problems)
    return _pass(f"every custom origin ({len(custom)}) is reached over HTTPS", origins=[str(o.get("Id")) for o in custom])


def cloudfront_10(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    custom = _custom_origins(v["config"] or {})
    if not custom:
        return _na("no custom origin (S3 origins only)")
    protocols = {str(o.get("Id")): [str(x) for x in _items(o["CustomOriginConfig"].get("OriginSslProtocols"))] for o in custom}
    sslv3 = sorted(oid for oid, names in protocols.items() if "SSLv3" in names)
    if sslv3:
        return _fail(f"SSLv3 allowed towards origin(s) {', '.join(sslv3)}", origin_ssl_protocols=protocols)
    return _pass(f"no custom origin ({len(custom)}) allows SSLv3", origin_ssl_protocols=protocols)


def _needs_oac(origins: list[dict[str, Any]], what: str) -> Verdict:
    """Every origin of one kind (``what``: "S3", "Lambda function URL") has an origin access control."""
    if not origins:
        return _na(f"no {what} origin")
    without = sorted(str(o.get("Id")) for o in origins if not o.get("OriginAccessControlId"))
    if without:
        return _fail(f"{what} origin(s) without origin access control: {', '.join(without)}", origins=without)
    return _pass(f"every {what} origin ({len(origins)}) uses origin access control", origins=[str(o.get("Id")) for o in origins])


def cloudfront_13(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return _needs_oac(_s3_origins(v["config"] or {}), "S3")


# The security policies Security Hub recommends (CloudFront.15's securityPolicies, not customizable).
CLOUDFRONT_15_POLICIES = ("TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025")


def cloudfront_15(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    conf = v["config"] or {}
    if not _custom_certificate(conf):
        return _na("no custom certificate: Security Hub judges only distributions serving their own certificate")
    cert = conf.get("ViewerCertificate") or {}
    if cert.get("SSLSupportMethod") == "vip":
        return _na("supports legacy clients (SSLSupportMethod vip): Security Hub does not judge it")
    policy = cert.get("MinimumProtocolVersion")
    if policy in CLOUDFRONT_15_POLICIES:
        return _pass(f"security policy {policy}", minimum_protocol_version=policy)
    return _fail(f"security policy {policy or 'unset'}, not one of {', '.join(CLOUDFRONT_15_POLICIES)}", minimum_protocol_version=policy)


def cloudfront_16(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    lambdas = [o for o in _origins(v["config"] or {}) if _LAMBDA_URL.search(str(o.get("DomainName") or ""))]
    return _needs_oac(lambdas, "Lambda function URL")


# ------------------------------------------------------------------ S3
# S3.6's blacklistedactionpatterns (not customizable in Security Hub).
S3_6_ACTIONS = ("s3:DeleteBucketPolicy", "s3:PutBucketAcl", "s3:PutBucketPolicy", "s3:PutEncryptionConfiguration", "s3:PutObjectAcl")
_ACCOUNT_ARN = re.compile(r"^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):")


def _principal_accounts(principal: Any) -> list[str]:
    """The accounts a statement's principal names: "*" for everyone, else the account ids of its AWS principals
    (service and canonical-user principals name no account)."""
    if principal == "*":
        return ["*"]
    if not isinstance(principal, dict):
        return []
    out = []
    for p in _as_list(principal.get("AWS")):
        text = str(p)
        m = _ACCOUNT_ARN.match(text)
        if text == "*" or text.isdigit():
            out.append(text)
        elif m:
            out.append(m.group(1))
    return out


def _matching(actions: Any, wanted: tuple[str, ...]) -> list[str]:
    pats = [str(a).lower() for a in _as_list(actions)]
    return [w for w in wanted if any(fnmatch.fnmatchcase(w.lower(), pat) for pat in pats)]


def s3_6(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    policy = v["policy"]
    if policy is None:
        return _pass("the bucket has no policy: it grants no other account anything")
    own = str(ctx.get("account") or "")
    grants = []
    for st in _as_list(policy.get("Statement")):
        if st.get("Effect") != "Allow" or "NotAction" in st:
            continue
        others = sorted({a for a in _principal_accounts(st.get("Principal")) if a != own})
        actions = _matching(st.get("Action"), S3_6_ACTIONS)
        if others and actions:
            grants.append({"sid": st.get("Sid"), "principals": others, "actions": actions})
    if grants:
        text = "; ".join(f"{', '.join(g['actions'])} to {', '.join(g['principals'])}" for g in grants)
        return _fail(f"the bucket policy allows other accounts {text}", grants=grants)
    return _pass("the bucket policy allows no other account a denied action (" + ", ".join(S3_6_ACTIONS) + ")")


def s3_12(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    acl = v["acl"] or {}
    owner = (acl.get("Owner") or {}).get("ID")
    others = []
    for g in acl.get("Grants") or []:
        grantee = g.get("Grantee") or {}
        if grantee.get("Type") == "CanonicalUser" and grantee.get("ID") == owner:
            continue
        who = grantee.get("URI") or grantee.get("ID") or grantee.get("EmailAddress") or "?"
        others.append(f"{g.get('Permission')} to {who}")
    if others:
        return _fail(f"the bucket ACL grants {'; '.join(others)}", grants=others)
    return _pass("the bucket ACL grants nothing beyond the owner's full control")


def _enabled_rules(lifecycle: Any) -> list[dict[str, Any]]:
    return [r for r in lifecycle or [] if r.get("Status") == "Enabled"]


def _rule_matches(rule: dict[str, Any], p: dict[str, Any]) -> bool:
    transitions = rule.get("Transitions") or []
    days = p.get("targetTransitionDays")
    if days is not None and not any(t.get("Days") == int(days) for t in transitions):
        return False
    klass = p.get("targetTransitionStorageClass")
    if klass and not any(t.get("StorageClass") == str(klass) for t in transitions):
        return False
    expiry = p.get("targetExpirationDays")
    return expiry is None or (rule.get("Expiration") or {}).get("Days") == int(expiry)


def s3_13(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    rules = _enabled_rules(v["lifecycle"])
    if not rules:
        what = "no lifecycle configuration" if not v["lifecycle"] else "no enabled lifecycle rule"
        return _fail(what)
    wanted = {k: p.get(k) for k in ("targetTransitionDays", "targetExpirationDays", "targetTransitionStorageClass") if p.get(k) not in (None, "")}
    ids = [str(r.get("ID") or "?") for r in rules]
    if wanted and not any(_rule_matches(r, p) for r in rules):
        text = ", ".join(f"{k}={val}" for k, val in wanted.items())
        return _fail(f"no enabled lifecycle rule has {text}", rules=ids)
    return _pass(f"enabled lifecycle rule(s): {', '.join(ids)}", rules=ids)


def s3_10(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    status = v["versioning"]
    if status != "Enabled":
        return _na(f"versioning is {status or 'never enabled'}: not a versioned bucket")
    rules = _enabled_rules(v["lifecycle"])
    if not rules:
        return _fail("versioned, with no enabled lifecycle rule")
    ids = [str(r.get("ID") or "?") for r in rules]
    return _pass(f"versioned, with enabled lifecycle rule(s): {', '.join(ids)}", rules=ids)


_NOTIFICATION_KINDS = ("TopicConfigurations", "QueueConfigurations", "LambdaFunctionConfigurations")


def s3_11(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    conf = v["notifications"] or {}
    events = sorted({str(e) for kind in _NOTIFICATION_KINDS for c in conf.get(kind) or [] for e in c.get("Events") or []})
    eventbridge = "EventBridgeConfiguration" in conf
    if not events and not eventbridge:
        return _fail("no event notification is configured")
    wanted = [str(e) for e in p.get("eventTypes") or []]
    # EventBridge receives every event type; a configured "s3:ObjectCreated:*" covers "s3:ObjectCreated:Put"
    missing = [] if eventbridge else [w for w in wanted if not any(fnmatch.fnmatchcase(w, e) or w == e for e in events)]
    if missing:
        return _fail(f"no event notification for {', '.join(missing)}", events=events)
    what = "every event to EventBridge" if eventbridge else ", ".join(events)
    return _pass(f"event notifications: {what}", events=events, eventbridge=eventbridge)


CATALOGUE: list[Control] = [
    _c(
        "CloudFront.4",
        "CloudFront distributions should have origin failover configured",
        "LOW",
        _CF,
        _DIST,
        "Add an origin group (aws_cloudfront_distribution origin_group) with a primary and a secondary origin and failover status codes.",
        cloudfront_4,
        needs=("config",),
    ),
    _c(
        "CloudFront.5",
        "CloudFront distributions should have logging enabled",
        "MEDIUM",
        _CF,
        _DIST,
        "Enable standard logging (legacy) to an S3 bucket (aws_cloudfront_distribution logging_config).",
        cloudfront_5,
        needs=("config",),
    ),
    _c(
        "CloudFront.6",
        "CloudFront distributions should have WAF enabled",
        "MEDIUM",
        _CF,
        _DIST,
        "Associate an AWS WAF web ACL of CLOUDFRONT scope (aws_cloudfront_distribution web_acl_id).",
        cloudfront_6,
        needs=("config",),
    ),
    _c(
        "CloudFront.7",
        "CloudFront distributions should use custom SSL/TLS certificates",
        "MEDIUM",
        _CF,
        _DIST,
        "Serve an alternate domain name with an ACM certificate from us-east-1 (viewer_certificate acm_certificate_arn).",
        cloudfront_7,
        needs=("config",),
    ),
    _c(
        "CloudFront.8",
        "CloudFront distributions should use SNI to serve HTTPS requests",
        "LOW",
        _CF,
        _DIST,
        "Set viewer_certificate ssl_support_method = sni-only.",
        cloudfront_8,
        needs=("config",),
    ),
    _c(
        "CloudFront.9",
        "CloudFront distributions should encrypt traffic to custom origins",
        "MEDIUM",
        _CF,
        _DIST,
        "Set origin_protocol_policy = https-only on every custom origin (or match-viewer with viewers on HTTPS only).",
        cloudfront_9,
        needs=("config",),
    ),
    _c(
        "CloudFront.10",
        "CloudFront distributions should not use deprecated SSL protocols between edge locations and custom origins",
        "MEDIUM",
        _CF,
        _DIST,
        "Remove SSLv3 from origin_ssl_protocols of every custom origin (TLSv1.2 only).",
        cloudfront_10,
        needs=("config",),
    ),
    _c(
        "CloudFront.13",
        "CloudFront distributions should use origin access control",
        "MEDIUM",
        _CF,
        _DIST,
        "Attach an origin access control (aws_cloudfront_origin_access_control, origin_access_control_id) to every S3 origin "
        "and grant it in the bucket policy.",
        cloudfront_13,
        needs=("config",),
    ),
    _c(
        "CloudFront.15",
        "CloudFront distributions should use the recommended TLS security policy",
        "MEDIUM",
        _CF,
        _DIST,
        "Set viewer_certificate minimum_protocol_version to TLSv1.2_2021 or later (TLSv1.2_2025, TLSv1.3_2025).",
        cloudfront_15,
        needs=("config",),
    ),
    _c(
        "CloudFront.16",
        "CloudFront distributions should use origin access control for Lambda function URL origins",
        "MEDIUM",
        _CF,
        _DIST,
        "Attach an origin access control of type lambda to every Lambda function URL origin and set the function URL's auth type to AWS_IAM.",
        cloudfront_16,
        needs=("config",),
    ),
    _c(
        "S3.6",
        "S3 general purpose bucket policies should restrict access to other AWS accounts",
        "HIGH",
        _S3,
        _BUCKET,
        "Remove from the bucket policy the statements allowing other accounts (or *) s3:DeleteBucketPolicy, s3:PutBucketAcl, "
        "s3:PutBucketPolicy, s3:PutEncryptionConfiguration or s3:PutObjectAcl.",
        s3_6,
        needs=("policy",),
    ),
    _c(
        "S3.12",
        "ACLs should not be used to manage user access to S3 general purpose buckets",
        "MEDIUM",
        _S3,
        _BUCKET,
        "Disable ACLs: aws_s3_bucket_ownership_controls object_ownership = BucketOwnerEnforced; grant access with policies.",
        s3_12,
        needs=("acl",),
    ),
    _c(
        "S3.13",
        "S3 general purpose buckets should have Lifecycle configurations",
        "LOW",
        _S3,
        _BUCKET,
        "Add an enabled lifecycle rule (aws_s3_bucket_lifecycle_configuration).",
        s3_13,
        needs=("lifecycle",),
        params={"targetTransitionDays": None, "targetExpirationDays": None, "targetTransitionStorageClass": None},
    ),
    _c(
        "S3.10",
        "S3 general purpose buckets with versioning enabled should have Lifecycle configurations",
        "MEDIUM",
        _S3,
        _BUCKET,
        "Add an enabled lifecycle rule (aws_s3_bucket_lifecycle_configuration), e.g. expiring noncurrent versions.",
        s3_10,
        needs=("versioning", "lifecycle"),
        frameworks=(NIST,),
    ),
    _c(
        "S3.11",
        "S3 general purpose buckets should have event notifications enabled",
        "MEDIUM",
        _S3,
        _BUCKET,
        "Configure event notifications (aws_s3_bucket_notification) to SNS, SQS, Lambda or EventBridge.",
        s3_11,
        needs=("notifications",),
        params={"eventTypes": []},
        frameworks=(NIST,),
    ),
]
