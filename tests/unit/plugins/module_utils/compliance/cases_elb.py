"""Unit cases of controls_elb.py's controls, merged into test_controls.CASES: control id -> (service,
(compliant base, compliant areas), (non-compliant base, non-compliant areas))."""

from __future__ import annotations

from typing import Any

ALB = {"lb_type": "application", "scheme": "internet-facing", "zones": ["us-east-1a", "us-east-1b"]}
NLB = {"lb_type": "network", "scheme": "internal", "zones": ["us-east-1a", "us-east-1b"]}
GOOD_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"
ACM = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
IAM_CERT = "arn:aws:iam::123456789012:server-certificate/old"


def listener(protocol: str, port: int, policy: str | None = None, action: str = "forward", redirect: str | None = None) -> dict[str, Any]:
    return {
        "port": port,
        "protocol": protocol,
        "ssl_policy": policy,
        "certificates": [ACM] if policy else [],
        "default_actions": [{"type": action, "redirect_protocol": redirect}],
    }


REDIRECT = listener("HTTP", 80, action="redirect", redirect="HTTPS")
FORWARD = listener("HTTP", 80)
HTTPS = listener("HTTPS", 443, GOOD_POLICY)
HTTPS_OLD = listener("HTTPS", 443, "ELBSecurityPolicy-2016-08")


def classic_listener(protocol: str, port: int, certificate: str | None = None, policies: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"protocol": protocol, "port": port, "instance_protocol": "HTTP", "certificate": certificate, "policy_names": list(policies)}


CLB = {"scheme": "internet-facing", "zones": ["us-east-1a", "us-east-1b"], "listeners": [classic_listener("HTTPS", 443, ACM, ("tls12",))]}
CLB_BAD = {
    "scheme": "internet-facing",
    "zones": ["us-east-1a"],
    "listeners": [classic_listener("HTTPS", 443, IAM_CERT, ("old",)), classic_listener("HTTP", 80)],
}
CLB_ATTRS = {
    "cross_zone_load_balancing.enabled": "true",
    "connection_draining.enabled": "true",
    "access_logs.s3.enabled": "false",
    "elb.http.desyncmitigationmode": "strictest",
}
CLB_ATTRS_BAD = {
    "cross_zone_load_balancing.enabled": "false",
    "connection_draining.enabled": "false",
    "access_logs.s3.enabled": "false",
    "elb.http.desyncmitigationmode": "monitor",
}
TLS12 = {"tls12": {"type": "SSLNegotiationPolicyType", "attributes": {"Reference-Security-Policy": "ELBSecurityPolicy-TLS-1-2-2017-01"}}}
OLD = {"old": {"type": "SSLNegotiationPolicyType", "attributes": {"Reference-Security-Policy": "ELBSecurityPolicy-2016-08"}}}
S3_ORIGIN = {"Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "b.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}]}}
TG = {"kind": "target_group", "protocol": "HTTPS", "health_check_protocol": "HTTPS", "health_check_enabled": True, "target_type": "ip", "load_balancers": []}
TG_PLAIN = {**TG, "protocol": "HTTP", "health_check_protocol": "HTTP"}
KEY_GROUP = {"Enabled": True, "Quantity": 1, "Items": ["kg1"]}
SIGNERS = {"Enabled": True, "Quantity": 1, "Items": ["self"]}


def signed(default: dict[str, Any], *paths: dict[str, Any]) -> dict[str, Any]:
    """A distribution config whose default cache behaviour and path behaviours trust what is given."""
    items = [{"PathPattern": f"/p{i}/*", "TargetOriginId": "o", **trust} for i, trust in enumerate(paths)]
    return {**S3_ORIGIN, "DefaultCacheBehavior": {"TargetOriginId": "o", **default}, "CacheBehaviors": {"Quantity": len(items), "Items": items}}


CASES: dict[str, tuple[str, tuple[dict[str, Any], dict[str, Any]], tuple[dict[str, Any], dict[str, Any]]]] = {
    "ELB.1": ("elbv2", (ALB, {"listeners": [REDIRECT, HTTPS]}), (ALB, {"listeners": [FORWARD, HTTPS]})),
    "ELB.2": ("elb", (CLB, {}), (CLB_BAD, {})),
    "ELB.3": ("elb", (CLB, {}), (CLB_BAD, {})),
    "ELB.7": ("elb", (CLB, {"attributes": CLB_ATTRS}), (CLB_BAD, {"attributes": CLB_ATTRS_BAD})),
    "ELB.8": ("elb", (CLB, {"policies": TLS12}), (CLB_BAD, {"policies": OLD})),
    "ELB.9": ("elb", (CLB, {"attributes": CLB_ATTRS}), (CLB_BAD, {"attributes": CLB_ATTRS_BAD})),
    "ELB.10": ("elb", (CLB, {}), (CLB_BAD, {})),
    "ELB.12": (
        "elbv2",
        (ALB, {"attributes": {"routing.http.desync_mitigation_mode": "strictest"}}),
        (ALB, {"attributes": {"routing.http.desync_mitigation_mode": "monitor"}}),
    ),
    "ELB.13": ("elbv2", (NLB, {}), ({**NLB, "zones": ["us-east-1a"]}, {})),
    "ELB.14": ("elb", (CLB, {"attributes": CLB_ATTRS}), (CLB_BAD, {"attributes": CLB_ATTRS_BAD})),
    "ELB.16": ("elbv2", (ALB, {"waf": "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/w/1"}), (ALB, {"waf": None})),
    "ELB.17": ("elbv2", (ALB, {"listeners": [REDIRECT, HTTPS]}), (ALB, {"listeners": [HTTPS_OLD]})),
    "ELB.18": ("elbv2", (ALB, {"listeners": [HTTPS]}), (ALB, {"listeners": [REDIRECT, HTTPS]})),
    "CloudFront.12": (
        "cloudfront",
        ({}, {"config": S3_ORIGIN, "origin_buckets": {"b": True}}),
        ({}, {"config": S3_ORIGIN, "origin_buckets": {"b": False}}),
    ),
    "CloudFront.17": (
        "cloudfront",
        ({}, {"config": signed({"TrustedKeyGroups": KEY_GROUP}, {"TrustedKeyGroups": KEY_GROUP})}),
        ({}, {"config": signed({"TrustedKeyGroups": KEY_GROUP}, {"TrustedSigners": SIGNERS})}),
    ),
    "ELB.21": ("elbv2_target_groups", (TG, {}), (TG_PLAIN, {})),
    "ELB.22": ("elbv2_target_groups", (TG, {}), (TG_PLAIN, {})),
}
