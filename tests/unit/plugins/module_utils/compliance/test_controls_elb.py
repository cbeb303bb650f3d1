"""The tricky parts of controls_elb.py: which listeners each control judges, load balancer types, the desync
default, Classic Load Balancer policies, and the S3 origin buckets CloudFront.12 reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.compliance import controls as ctl
from ansible_collections.slipway.aws.plugins.module_utils.compliance import evidence

from tests.unit.plugins.module_utils.compliance.cases_elb import ACM, ALB, CLB, FORWARD, HTTPS, HTTPS_OLD, NLB, REDIRECT, classic_listener, listener

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


@pytest.mark.parametrize(("mode", "expected"), [("defensive", "PASS"), ("strictest", "PASS"), ("monitor", "FAIL"), (None, "PASS")])
def test_elb_12_desync_modes_and_the_default(mode: str | None, expected: str) -> None:
    attrs = {} if mode is None else {"routing.http.desync_mitigation_mode": mode}
    assert status("ELB.12", "elbv2", ALB, {"attributes": attrs}) == expected
    assert status("ELB.14", "elb", CLB, {"attributes": {} if mode is None else {"elb.http.desyncmitigationmode": mode}}) == expected


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
