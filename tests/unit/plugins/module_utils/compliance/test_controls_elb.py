"""The tricky parts of controls_elb.py: which listeners each control judges, load balancer types, the desync
default, Classic Load Balancer policies, and the S3 origin buckets CloudFront.12 reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.compliance import controls as ctl
from ansible_collections.slipway.aws.plugins.module_utils.compliance import evidence

from tests.unit.plugins.module_utils.compliance.cases_elb import (
    ACM,
    ALB,
    CLB,
    FORWARD,
    HTTPS,
    HTTPS_OLD,
    KEY_GROUP,
    NLB,
    REDIRECT,
    SIGNERS,
    TG,
    classic_listener,
    listener,
    signed,
)

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)


def judge(cid: str, service: str, base: dict[str, Any], areas: dict[str, Any] | None = None, params: dict[str, Any] | None = None) -> list[ctl.Result]:
    res = {"arn": "arn:test:r", "name": "r", "region": "us-east-1", "type": "T", "base": base, "areas": areas or {}, "unavailable": {}}
    part = {"service": service, "region": "us-east-1", "actions": [], "listing": None, "resources": [res]}
    return ctl.evaluate(ctl.CONTROLS[cid], {"account": "123456789012", "regions": ["us-east-1"], "services": [part]}, params, NOW)


def status(cid: str, service: str, base: dict[str, Any], areas: dict[str, Any] | None = None, params: dict[str, Any] | None = None) -> str:
    (r,) = judge(cid, service, base, areas, params)
    return r.status


def test_elb_1_judges_http_listeners_only() -> None:
    assert status("ELB.1", "elbv2", ALB, {"listeners": [HTTPS]}) == "PASS"  # no HTTP listener: nothing to redirect
    assert status("ELB.1", "elbv2", ALB, {"listeners": []}) == "PASS"
    to_http = listener("HTTP", 8080, action="redirect", redirect="HTTP")
    (r,) = judge("ELB.1", "elbv2", ALB, {"listeners": [REDIRECT, to_http]})
    assert r.status == "FAIL" and r.evidence["listeners"] == ["HTTP:8080"]
    assert judge("ELB.1", "elbv2", NLB, {"listeners": [FORWARD]}) == []  # other types: no finding, as in Security Hub


@pytest.mark.parametrize(("mode", "expected"), [("defensive", "PASS"), ("strictest", "PASS"), ("Strictest", "PASS"), ("monitor", "FAIL"), (None, "ERROR")])
def test_elb_12_desync_modes_and_an_answer_without_one(mode: str | None, expected: str) -> None:
    """AWS always answers the attribute (its default, defensive, until set): an answer without it is unknown, not the default."""
    attrs = {} if mode is None else {"routing.http.desync_mitigation_mode": mode}
    (r,) = judge("ELB.12", "elbv2", ALB, {"attributes": attrs})
    assert r.status == expected
    (c,) = judge("ELB.14", "elb", CLB, {"attributes": {} if mode is None else {"elb.http.desyncmitigationmode": mode}})
    assert c.status == expected
    if mode is None:
        assert "elasticloadbalancing:DescribeLoadBalancerAttributes" in r.reason and "routing.http.desync_mitigation_mode" in r.reason
        assert "elb.http.desyncmitigationmode" in c.reason


def test_elb_12_is_for_application_load_balancers() -> None:
    assert judge("ELB.12", "elbv2", NLB, {"attributes": {}}) == []


def test_availability_zones_parameter() -> None:
    three = {**ALB, "zones": ["us-east-1a", "us-east-1b", "us-east-1c"]}
    assert status("ELB.13", "elbv2", three, params={"minAvailabilityZones": 3}) == "PASS"
    assert status("ELB.13", "elbv2", ALB, params={"minAvailabilityZones": 3}) == "FAIL"
    assert status("ELB.13", "elbv2", {"lb_type": "gateway", "zones": ["us-east-1a"]}) == "FAIL"  # gateway load balancers too
    assert status("ELB.10", "elb", {**CLB, "zones": ["us-east-1a", "us-east-1b", "us-east-1c"]}, params={"minAvailabilityZones": 3}) == "PASS"


def test_elb_17_judges_https_and_tls_listeners_of_albs_and_nlbs() -> None:
    tls = listener("TLS", 443, "ELBSecurityPolicy-TLS13-1-3-2021-06")
    assert status("ELB.17", "elbv2", NLB, {"listeners": [tls, listener("TCP", 22)]}) == "PASS"
    assert status("ELB.17", "elbv2", NLB, {"listeners": [listener("TLS", 443, "ELBSecurityPolicy-TLS-1-2-2017-01")]}) == "FAIL"
    assert status("ELB.17", "elbv2", ALB, {"listeners": [REDIRECT]}) == "NOT_APPLICABLE"  # no HTTPS listener
    assert judge("ELB.17", "elbv2", {"lb_type": "gateway"}, {"listeners": []}) == []
    (r,) = judge("ELB.17", "elbv2", ALB, {"listeners": [HTTPS, HTTPS_OLD]})
    assert r.status == "FAIL" and r.evidence["listeners"] == ["HTTPS:443 (ELBSecurityPolicy-2016-08)"]


def test_elb_18_wants_https_on_albs_and_tls_on_nlbs() -> None:
    assert status("ELB.18", "elbv2", NLB, {"listeners": [listener("TLS", 443, "p")]}) == "PASS"
    assert status("ELB.18", "elbv2", NLB, {"listeners": [listener("TCP", 443)]}) == "FAIL"
    assert status("ELB.18", "elbv2", NLB, {"listeners": [listener("HTTPS", 443, "p")]}) == "FAIL"  # not an NLB protocol
    assert status("ELB.18", "elbv2", ALB, {"listeners": []}) == "NOT_APPLICABLE"


def test_classic_listener_scopes() -> None:
    plain = {**CLB, "listeners": [classic_listener("HTTP", 80), classic_listener("TCP", 25)]}
    assert status("ELB.2", "elb", plain) == "NOT_APPLICABLE" and status("ELB.8", "elb", plain, {"policies": {}}) == "NOT_APPLICABLE"
    assert status("ELB.3", "elb", plain) == "FAIL"
    assert judge("ELB.3", "elb", {**CLB, "listeners": []}) == []  # no listener: no finding, as in Security Hub
    assert status("ELB.3", "elb", {**CLB, "listeners": [classic_listener("SSL", 465, ACM)]}) == "PASS"


def test_elb_8_reads_the_listeners_own_ssl_negotiation_policy() -> None:
    custom = {"mine": {"type": "SSLNegotiationPolicyType", "attributes": {}}}  # a custom policy: no predefined reference
    sticky = {"sticky": {"type": "LBCookieStickinessPolicyType", "attributes": {}}}
    assert status("ELB.8", "elb", {**CLB, "listeners": [classic_listener("HTTPS", 443, ACM, ("mine",))]}, {"policies": custom}) == "FAIL"
    assert status("ELB.8", "elb", {**CLB, "listeners": [classic_listener("HTTPS", 443, ACM, ("sticky",))]}, {"policies": sticky}) == "FAIL"
    assert status("ELB.8", "elb", {**CLB, "listeners": [classic_listener("HTTPS", 443, ACM)]}, {"policies": {}}) == "FAIL"


def test_cloudfront_12_origin_buckets() -> None:
    conf = {
        "Origins": {
            "Items": [
                {"Id": "a", "DomainName": "one.s3.amazonaws.com", "S3OriginConfig": {}},
                {"Id": "b", "DomainName": "two.s3.eu-west-1.amazonaws.com"},
                {"Id": "c", "DomainName": "three.s3-eu-west-1.amazonaws.com"},
                {"Id": "d", "DomainName": "site.s3-website-us-east-1.amazonaws.com", "CustomOriginConfig": {}},
                {"Id": "e", "DomainName": "web.s3-website.eu-west-1.amazonaws.com"},
                {"Id": "f", "DomainName": "api.example.com", "CustomOriginConfig": {}},
            ]
        }
    }
    assert evidence.s3_origin_buckets(conf) == ["one", "three", "two"]
    assert status("CloudFront.12", "cloudfront", {}, {"config": conf, "origin_buckets": {}}) == "NOT_APPLICABLE"


def test_elb_5_judges_classic_load_balancers_too() -> None:
    logging = {"access_logs.s3.enabled": "true", "access_logs.s3.bucket": "logs"}
    (r,) = judge("ELB.5", "elb", CLB, {"attributes": logging})
    assert r.status == "PASS" and "logs" in r.reason
    assert status("ELB.5", "elb", CLB, {"attributes": {"access_logs.s3.enabled": "false"}}) == "FAIL"
    assert ctl.CONTROLS["ELB.5"].judges("AwsElbLoadBalancer")


@pytest.mark.parametrize(
    ("settings", "health", "transport"),
    [
        ({}, "PASS", "PASS"),
        ({"protocol": "TLS", "health_check_protocol": "TCP"}, "FAIL", "PASS"),
        ({"protocol": "QUIC", "health_check_protocol": "HTTP"}, "FAIL", "PASS"),
        ({"protocol": "TCP_QUIC", "health_check_protocol": "HTTPS"}, "PASS", "FAIL"),  # not HTTPS, TLS or QUIC
        ({"protocol": "UDP", "health_check_protocol": "TCP"}, "FAIL", "FAIL"),
        ({"protocol": "HTTP", "health_check_protocol": "HTTPS"}, "PASS", "FAIL"),
        ({"protocol": "GENEVE", "health_check_protocol": "HTTP"}, "FAIL", "NOT_APPLICABLE"),
        ({"protocol": "TCP", "target_type": "alb", "health_check_protocol": "HTTPS"}, "PASS", "NOT_APPLICABLE"),
        ({"protocol": None, "target_type": "lambda", "health_check_protocol": None}, "NOT_APPLICABLE", "NOT_APPLICABLE"),
    ],
)
def test_target_group_protocols(settings: dict[str, Any], health: str, transport: str) -> None:
    group = {**TG, **settings}
    assert (status("ELB.21", "elbv2_target_groups", group), status("ELB.22", "elbv2_target_groups", group)) == (health, transport)


def test_the_load_balancer_controls_never_see_target_groups() -> None:
    for cid, control in ctl.CONTROLS.items():
        if cid in ("ELB.21", "ELB.22"):
            assert control.services == ("elbv2_target_groups",)
        else:
            assert "elbv2_target_groups" not in control.services, cid


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (signed({"TrustedKeyGroups": KEY_GROUP}), "PASS"),
        (signed({}), "FAIL"),  # no signing at all: the rule's "no authentication is configured"
        (signed({"TrustedKeyGroups": KEY_GROUP, "TrustedSigners": SIGNERS}), "FAIL"),  # still trusts signers
        (signed({"TrustedKeyGroups": KEY_GROUP}, {}), "FAIL"),  # a path behaviour without a key group
        (signed({"TrustedKeyGroups": {"Enabled": False, "Quantity": 0, "Items": []}}), "FAIL"),
        (signed({"TrustedKeyGroups": KEY_GROUP, "TrustedSigners": {"Enabled": False, "Quantity": 0, "Items": []}}), "PASS"),
    ],
)
def test_cloudfront_17_every_cache_behaviour_trusts_key_groups_only(config: dict[str, Any], expected: str) -> None:
    assert status("CloudFront.17", "cloudfront", {}, {"config": config}) == expected
