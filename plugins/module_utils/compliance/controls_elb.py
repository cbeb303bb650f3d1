# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The later FSBP controls of Elastic Load Balancing and CloudFront: data plus one small pure function each (see controls.py).

Its CATALOGUE joins controls.py's in ``controls.catalogue()`` (``controls.CONTROLS``), which imports this module on first use.

Application, Network and Gateway Load Balancers come from the ``elbv2`` collector (their listeners are an area of the
load balancer: ``DescribeListeners``, one call per load balancer); Classic Load Balancers from the ``elb`` collector,
whose listing carries the listeners (``ListenerDescriptions``). Security Hub reports ELB.17 and ELB.18 per listener;
here the load balancer is the resource and the reason names each listener that fails. Target groups (ELB.21, ELB.22)
come from a collector of their own, ``elbv2_target_groups``, so that no load balancer control ever judges one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.compliance.controls import FSBP, NIST, SKIP, Control, Verdict, View, _c, _fail, _na, _pass

_V2 = ("elbv2",)
_CLASSIC = ("elb",)
_CF = ("cloudfront",)
_TG = ("elbv2_target_groups",)
_BOTH = (FSBP, NIST)
# ELB.12 / ELB.14: desyncMode (fixed by Security Hub). AWS answers every attribute (its default, defensive, until
# set): an answer without it is not read as the default but as unknown (ERROR naming the action).
DESYNC_MODES = ("defensive", "strictest")
ATTRIBUTES_ACTION = "elasticloadbalancing:DescribeLoadBalancerAttributes"
# ELB.8: predefinedPolicyName (fixed by Security Hub)
CLASSIC_SSL_POLICY = "ELBSecurityPolicy-TLS-1-2-2017-01"
# ELB.17: sslPolicies (fixed by Security Hub)
RECOMMENDED_SSL_POLICIES = (
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
)
SECURE_FRONT_END = {"application": "HTTPS", "network": "TLS"}  # ELB.17 / ELB.18: the protocol each type must use


def _types(*types: str) -> Callable[[dict[str, Any]], Any]:
    def scope(base: dict[str, Any]) -> Any:
        kind = base.get("lb_type")
        if kind in types:
            return None
        return SKIP  # another type: AWS Config's rule does not evaluate it, so Security Hub reports no finding

    return scope


def _name(listener: dict[str, Any]) -> str:
    return f"{listener.get('protocol')}:{listener.get('port')}"


# ------------------------------------------------------------------ Application, Network and Gateway Load Balancers
def redirects_to_https(listener: dict[str, Any]) -> bool:
    """Whether a listener's default action redirects to HTTPS (what ELB.1 asks of every HTTP listener)."""
    return any(a.get("type") == "redirect" and str(a.get("redirect_protocol") or "").upper() == "HTTPS" for a in listener.get("default_actions") or [])


def elb_1(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    http = [x for x in v["listeners"] or [] if str(x.get("protocol")).upper() == "HTTP"]
    bad = sorted(_name(x) for x in http if not redirects_to_https(x))
    if bad:
        return _fail(f"HTTP listener(s) not redirecting to HTTPS: {', '.join(bad)}", listeners=bad)
    if not http:
        return _pass("no HTTP listener", listeners=[])
    return _pass(f"every HTTP listener ({len(http)}) redirects to HTTPS", listeners=sorted(_name(x) for x in http))


def desync_verdict(mode: Any, attribute: str) -> Verdict:
    if mode is None or str(mode) == "":
        return "ERROR", f"could not evaluate: {ATTRIBUTES_ACTION} answered no {attribute} (AWS always answers it)", {}
    value = str(mode).lower()
    if value in DESYNC_MODES:
        return _pass(f"{attribute} is {value}", desync_mitigation_mode=value)
    return _fail(f"{attribute} is {value}: defensive or strictest is required", desync_mitigation_mode=value)


def elb_12(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    attribute = "routing.http.desync_mitigation_mode"
    return desync_verdict((v["attributes"] or {}).get(attribute), attribute)


def _spans(zones: list[str], minimum: int) -> Verdict:
    if len(zones) >= minimum:
        return _pass(f"spans {len(zones)} Availability Zones (minAvailabilityZones {minimum}): {', '.join(zones)}", zones=zones)
    return _fail(f"spans {len(zones)} Availability Zone(s) (minAvailabilityZones {minimum}): {', '.join(zones) or 'none'}", zones=zones)


def elb_13(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return _spans(sorted(set(v.base.get("zones") or [])), int(p["minAvailabilityZones"]))


def _secure_listeners(v: View) -> list[dict[str, Any]]:
    wanted = SECURE_FRONT_END[str(v.base.get("lb_type"))]
    return [x for x in v["listeners"] or [] if str(x.get("protocol")).upper() == wanted]


def elb_17(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    secure = _secure_listeners(v)
    if not secure:
        return _na(f"no {SECURE_FRONT_END[str(v.base.get('lb_type'))]} listener: the control judges those")
    bad = sorted(f"{_name(x)} ({x.get('ssl_policy') or 'no policy'})" for x in secure if x.get("ssl_policy") not in RECOMMENDED_SSL_POLICIES)
    if bad:
        return _fail(f"listener(s) not on a recommended security policy: {', '.join(bad)}", listeners=bad)
    return _pass(
        f"every {SECURE_FRONT_END[str(v.base.get('lb_type'))]} listener uses a recommended security policy", policies=sorted({x["ssl_policy"] for x in secure})
    )


def elb_18(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    listeners = list(v["listeners"] or [])
    wanted = SECURE_FRONT_END[str(v.base.get("lb_type"))]
    if not listeners:
        return _na("the load balancer has no listener")
    bad = sorted(_name(x) for x in listeners if str(x.get("protocol")).upper() != wanted)
    if bad:
        return _fail(f"listener(s) not using {wanted}: {', '.join(bad)}", listeners=bad)
    return _pass(f"every listener ({len(listeners)}) uses {wanted}")


def elb_16(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    acl = v["waf"]
    if acl:
        return _pass(f"associated with the AWS WAF web ACL {acl}", web_acl=acl)
    return _fail("no AWS WAF web ACL is associated")


# ------------------------------------------------------------------ Classic Load Balancers
SECURE_CLASSIC = ("HTTPS", "SSL")


def _classic_secure(base: dict[str, Any]) -> list[dict[str, Any]]:
    return [x for x in base.get("listeners") or [] if str(x.get("protocol")).upper() in SECURE_CLASSIC]


def _with_secure_listener(base: dict[str, Any]) -> Any:
    return None if _classic_secure(base) else "no HTTPS or SSL listener: the control judges those"


def _with_listener(base: dict[str, Any]) -> Any:
    return None if base.get("listeners") else SKIP  # Security Hub reports no finding for a Classic Load Balancer without listeners


def elb_2(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    bad = sorted(_name(x) for x in _classic_secure(v.base) if ":acm:" not in str(x.get("certificate") or ""))
    if bad:
        return _fail(f"HTTPS/SSL listener(s) with a certificate not from ACM: {', '.join(bad)}", listeners=bad)
    return _pass("every HTTPS/SSL listener uses an ACM certificate")


def elb_3(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    bad = sorted(_name(x) for x in v.base.get("listeners") or [] if str(x.get("protocol")).upper() not in SECURE_CLASSIC)
    if bad:
        return _fail(f"listener(s) without HTTPS or TLS termination: {', '.join(bad)}", listeners=bad)
    return _pass("every listener terminates HTTPS or TLS (SSL)")


def _classic_attr(v: View, key: str) -> Any:
    return (v["attributes"] or {}).get(key)


def elb_7(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    on = _classic_attr(v, "connection_draining.enabled") == "true"
    return (_pass if on else _fail)(f"connection draining is {'on' if on else 'off'}", connection_draining=on)


def reference_policy(listener: dict[str, Any], policies: dict[str, dict[str, Any]]) -> str | None:
    """The predefined security policy (``Reference-Security-Policy``) of the SSL negotiation policy a Classic Load
    Balancer listener uses; None when it has none, or a custom one."""
    for name in listener.get("policy_names") or []:
        policy = policies.get(name) or {}
        if policy.get("type") == "SSLNegotiationPolicyType":
            return (policy.get("attributes") or {}).get("Reference-Security-Policy")
    return None


def elb_8(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    policies = v["policies"] or {}
    bad = []
    for x in _classic_secure(v.base):
        ref = reference_policy(x, policies)
        if ref != CLASSIC_SSL_POLICY:
            bad.append(f"{_name(x)} ({ref or 'no predefined security policy'})")
    if bad:
        return _fail(f"HTTPS/SSL listener(s) not on {CLASSIC_SSL_POLICY}: {', '.join(sorted(bad))}", listeners=sorted(bad))
    return _pass(f"every HTTPS/SSL listener uses {CLASSIC_SSL_POLICY}")


def elb_9(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    on = _classic_attr(v, "cross_zone_load_balancing.enabled") == "true"
    return (_pass if on else _fail)(f"cross-zone load balancing is {'on' if on else 'off'}", cross_zone=on)


def elb_10(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return _spans(sorted(set(v.base.get("zones") or [])), int(p["minAvailabilityZones"]))


def elb_14(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    attribute = "elb.http.desyncmitigationmode"
    return desync_verdict(_classic_attr(v, attribute), attribute)


# ------------------------------------------------------------------ target groups
# ELB.21 / ELB.22 (AWS Config rules elbv2-targetgroup-healthcheck-protocol-encrypted / elbv2-targetgroup-protocol-encrypted)
ENCRYPTED_HEALTH_CHECK = ("HTTPS",)
ENCRYPTED_TARGET_PROTOCOLS = ("HTTPS", "TLS", "QUIC")


def _not_lambda(base: dict[str, Any]) -> Any:
    return "a Lambda target group: the control does not apply to it" if base.get("target_type") == "lambda" else None


def _transport_judged(base: dict[str, Any]) -> Any:
    if base.get("target_type") in ("lambda", "alb"):
        return f"a target group of target type {base.get('target_type')}: the control does not apply to it"
    if str(base.get("protocol") or "").upper() == "GENEVE":
        return "a GENEVE target group (Gateway Load Balancer): the control does not apply to it"
    return None


def elb_21(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    proto = v.base.get("health_check_protocol")
    if str(proto or "").upper() in ENCRYPTED_HEALTH_CHECK:
        return _pass("health checks use HTTPS", health_check_protocol=proto)
    return _fail(f"health checks use {proto or 'no protocol'}: HTTPS is required", health_check_protocol=proto)


def elb_22(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    proto = v.base.get("protocol")
    if str(proto or "").upper() in ENCRYPTED_TARGET_PROTOCOLS:
        return _pass(f"targets are reached over {proto}", protocol=proto)
    return _fail(f"targets are reached over {proto or 'no protocol'}: HTTPS, TLS or QUIC is required", protocol=proto)


# ------------------------------------------------------------------ CloudFront
def cloudfront_12(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    buckets = v["origin_buckets"] or {}
    if not buckets:
        return _na("no S3 REST origin (S3 website endpoints are custom origins)")
    missing = sorted(b for b, exists in buckets.items() if not exists)
    if missing:
        return _fail(f"S3 origin bucket(s) that do not exist: {', '.join(missing)}", missing=missing)
    return _pass(f"every S3 origin bucket exists: {', '.join(sorted(buckets))}", buckets=sorted(buckets))


def _behaviours(config: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = [("default", config.get("DefaultCacheBehavior") or {})]
    out += [(str(b.get("PathPattern")), b) for b in (config.get("CacheBehaviors") or {}).get("Items") or []]
    return out


def _listed(field: Any) -> list[Any]:
    """The items of a TrustedKeyGroups / TrustedSigners field (none when it is absent or disabled)."""
    field = field or {}
    if field.get("Enabled") is False:
        return []
    return list(field.get("Items") or [])


def cloudfront_17(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    signers, unsigned = [], []
    for name, behaviour in _behaviours(v["config"] or {}):
        if _listed(behaviour.get("TrustedSigners")):
            signers.append(name)
        elif not _listed(behaviour.get("TrustedKeyGroups")):
            unsigned.append(name)
    problems = []
    if signers:
        problems.append(f"cache behaviour(s) trusting signers (CloudFront key pairs of AWS accounts): {', '.join(signers)}")
    if unsigned:
        problems.append(f"cache behaviour(s) without a trusted key group (no signed URL or cookie required): {', '.join(unsigned)}")
    if problems:
        return _fail("; ".join(problems), trusted_signers=signers, without_key_group=unsigned)
    return _pass("every cache behaviour requires signed URLs or cookies from a trusted key group")


CATALOGUE: list[Control] = [
    _c(
        "ELB.1",
        "Application Load Balancer should be configured to redirect all HTTP requests to HTTPS",
        "MEDIUM",
        _V2,
        "AwsElbv2LoadBalancer",
        'Make every HTTP listener\'s default action a redirect to HTTPS (aws_lb_listener default_action { type = "redirect", redirect { protocol = "HTTPS", '
        'port = "443", status_code = "HTTP_301" } }).',
        elb_1,
        needs=("listeners",),
        frameworks=_BOTH,
        scope=_types("application"),
    ),
    _c(
        "ELB.2",
        "Classic Load Balancers with SSL/HTTPS listeners should use a certificate provided by AWS Certificate Manager",
        "MEDIUM",
        _CLASSIC,
        "AwsElbLoadBalancer",
        "Issue or import the certificate in ACM and set it as the listener's ssl_certificate_id.",
        elb_2,
        frameworks=_BOTH,
        scope=_with_secure_listener,
    ),
    _c(
        "ELB.3",
        "Classic Load Balancer listeners should be configured with HTTPS or TLS termination",
        "MEDIUM",
        _CLASSIC,
        "AwsElbLoadBalancer",
        "Change every listener's lb_protocol to https or ssl (with a certificate).",
        elb_3,
        frameworks=_BOTH,
        scope=_with_listener,
    ),
    _c(
        "ELB.7",
        "Classic Load Balancers should have connection draining enabled",
        "LOW",
        _CLASSIC,
        "AwsElbLoadBalancer",
        "Set connection_draining = true (and a connection_draining_timeout) on the load balancer.",
        elb_7,
        needs=("attributes",),
        frameworks=_BOTH,
    ),
    _c(
        "ELB.8",
        "Classic Load Balancers with SSL listeners should use a predefined security policy that has strong AWS Configuration",
        "MEDIUM",
        _CLASSIC,
        "AwsElbLoadBalancer",
        f"Attach an SSLNegotiationPolicyType policy whose Reference-Security-Policy is {CLASSIC_SSL_POLICY} to every HTTPS/SSL listener "
        "(aws_load_balancer_policy + aws_load_balancer_listener_policy).",
        elb_8,
        needs=("policies",),
        frameworks=_BOTH,
        scope=_with_secure_listener,
    ),
    _c(
        "ELB.9",
        "Classic Load Balancers should have cross-zone load balancing enabled",
        "MEDIUM",
        _CLASSIC,
        "AwsElbLoadBalancer",
        "Set cross_zone_load_balancing = true on the load balancer.",
        elb_9,
        needs=("attributes",),
        frameworks=_BOTH,
    ),
    _c(
        "ELB.10",
        "Classic Load Balancer should span multiple Availability Zones",
        "MEDIUM",
        _CLASSIC,
        "AwsElbLoadBalancer",
        "Attach subnets (or Availability Zones) in at least minAvailabilityZones zones to the load balancer.",
        elb_10,
        params={"minAvailabilityZones": 2},
        frameworks=_BOTH,
    ),
    _c(
        "ELB.12",
        "Application Load Balancer should be configured with defensive or strictest desync mitigation mode",
        "MEDIUM",
        _V2,
        "AwsElbv2LoadBalancer",
        'Set desync_mitigation_mode = "defensive" (or "strictest") on the load balancer.',
        elb_12,
        needs=("attributes",),
        frameworks=_BOTH,
        scope=_types("application"),
    ),
    _c(
        "ELB.13",
        "Application, Network and Gateway Load Balancers should span multiple Availability Zones",
        "MEDIUM",
        _V2,
        "AwsElbv2LoadBalancer",
        "Give the load balancer subnets in at least minAvailabilityZones Availability Zones.",
        elb_13,
        params={"minAvailabilityZones": 2},
        frameworks=_BOTH,
    ),
    _c(
        "ELB.14",
        "Classic Load Balancer should be configured with defensive or strictest desync mitigation mode",
        "MEDIUM",
        _CLASSIC,
        "AwsElbLoadBalancer",
        'Set desync_mitigation_mode = "defensive" (or "strictest") on the load balancer.',
        elb_14,
        needs=("attributes",),
        frameworks=_BOTH,
    ),
    _c(
        "ELB.16",
        "Application Load Balancers should be associated with an AWS WAF web ACL",
        "MEDIUM",
        _V2,
        "AwsElbv2LoadBalancer",
        "Associate a regional AWS WAF web ACL with the load balancer (aws_wafv2_web_acl_association).",
        elb_16,
        needs=("waf",),
        frameworks=(NIST,),  # in Security Hub's NIST SP 800-53 Rev. 5 standard, not FSBP
        scope=_types("application"),
    ),
    _c(
        "ELB.17",
        "Application and Network Load Balancers with listeners should use recommended security policies",
        "MEDIUM",
        _V2,
        "AwsElbv2LoadBalancer",
        "Set ssl_policy on every HTTPS (ALB) or TLS (NLB) listener to a recommended TLS 1.3 policy, e.g. ELBSecurityPolicy-TLS13-1-2-Res-2021-06.",
        elb_17,
        needs=("listeners",),
        frameworks=_BOTH,
        scope=_types("application", "network"),
    ),
    _c(
        "ELB.18",
        "Application and Network Load Balancer listeners should use secure protocols to encrypt data in transit",
        "MEDIUM",
        _V2,
        "AwsElbv2LoadBalancer",
        "Use HTTPS listeners on Application Load Balancers and TLS listeners on Network Load Balancers (redirect plain HTTP through ELB.1's rule "
        "or remove it).",
        elb_18,
        needs=("listeners",),
        scope=_types("application", "network"),
    ),
    _c(
        "CloudFront.12",
        "CloudFront distributions should not point to non-existent S3 origins",
        "HIGH",
        _CF,
        "AwsCloudFrontDistribution",
        "Point the origin at an existing bucket of yours (or remove the origin); a missing bucket's name can be taken by anyone.",
        cloudfront_12,
        needs=("config", "origin_buckets"),
        frameworks=_BOTH,
    ),
    _c(
        "CloudFront.17",
        "CloudFront distributions should use trusted key groups for signed URLs and cookies",
        "MEDIUM",
        _CF,
        "AwsCloudFrontDistribution",
        "Give every cache behaviour trusted_key_groups (a CloudFront key group) and remove trusted_signers; content meant to be public fails this "
        "control by design.",
        cloudfront_17,
        needs=("config",),
    ),
    _c(
        "ELB.21",
        "Application and Network Load Balancer target groups should use encrypted health check protocols",
        "MEDIUM",
        _TG,
        "AwsElbv2TargetGroup",
        'Set health_check { protocol = "HTTPS" } on the target group (aws_lb_target_group).',
        elb_21,
        scope=_not_lambda,
    ),
    _c(
        "ELB.22",
        "ELB target groups should use encrypted transport protocols",
        "MEDIUM",
        _TG,
        "AwsElbv2TargetGroup",
        "Create the target group with protocol HTTPS, TLS or QUIC (the protocol cannot be changed: replace the target group).",
        elb_22,
        scope=_transport_judged,
    ),
]
