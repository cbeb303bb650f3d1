"""The tricky parts of controls_edge.py: which origins each CloudFront control judges (S3, custom, Lambda function
URL, origin groups), when a distribution is not applicable, S3.6's principals and action patterns, and the
S3.11 / S3.13 parameters."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.compliance import controls as ctl

from tests.unit.plugins.module_utils.compliance.cases_edge import API, BAD, CERT, GOOD, LIFECYCLE, QUEUE, S3_ORIGIN

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)


def judge(cid: str, service: str, areas: dict[str, Any], params: dict[str, Any] | None = None) -> ctl.Result:
    res = {"arn": "arn:test:r", "name": "r", "region": "us-east-1", "type": "T", "base": {}, "areas": areas, "unavailable": {}}
    part = {"service": service, "region": "us-east-1", "actions": [], "listing": None, "resources": [res]}
    (r,) = ctl.evaluate(ctl.CONTROLS[cid], {"account": "123456789012", "regions": ["us-east-1"], "services": [part]}, params, NOW)
    return r


def cf(cid: str, conf: dict[str, Any]) -> str:
    return judge(cid, "cloudfront", {"config": conf}).status


def origins(*items: dict[str, Any]) -> dict[str, Any]:
    return {"Quantity": len(items), "Items": list(items)}


def test_s3_only_distributions_are_not_judged_on_custom_or_lambda_origins() -> None:
    conf = {"Origins": origins(S3_ORIGIN), "DefaultCacheBehavior": {"TargetOriginId": "s3", "ViewerProtocolPolicy": "allow-all"}}
    assert {c: cf(c, conf) for c in ("CloudFront.9", "CloudFront.10", "CloudFront.16", "CloudFront.13")} == {
        "CloudFront.9": "NOT_APPLICABLE",
        "CloudFront.10": "NOT_APPLICABLE",
        "CloudFront.16": "NOT_APPLICABLE",
        "CloudFront.13": "PASS",
    }
    assert cf("CloudFront.13", {"Origins": origins(API)}) == "NOT_APPLICABLE"


def test_an_s3_website_endpoint_is_a_custom_origin_not_an_s3_one() -> None:
    site = {"Id": "site", "DomainName": "b.s3-website-us-east-1.amazonaws.com", "CustomOriginConfig": {"OriginProtocolPolicy": "http-only"}}
    assert cf("CloudFront.13", {"Origins": origins(site)}) == "NOT_APPLICABLE"
    assert cf("CloudFront.9", {"Origins": origins(site)}) == "FAIL"


def match_viewer(*behaviours: dict[str, Any], groups: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    api = {**API, "CustomOriginConfig": {"OriginProtocolPolicy": "match-viewer"}}
    conf = {"Origins": origins(S3_ORIGIN, api), "DefaultCacheBehavior": behaviours[0], "CacheBehaviors": {"Items": list(behaviours[1:])}}
    if groups:
        conf["OriginGroups"] = {"Quantity": len(groups), "Items": groups}
    return conf


def test_match_viewer_fails_only_behind_a_behaviour_allowing_http() -> None:
    https = {"TargetOriginId": "api", "ViewerProtocolPolicy": "redirect-to-https"}
    plain_s3 = {"PathPattern": "/static/*", "TargetOriginId": "s3", "ViewerProtocolPolicy": "allow-all"}
    assert cf("CloudFront.9", match_viewer(https, plain_s3)) == "PASS"  # HTTP viewers reach the S3 origin only
    plain_api = {"PathPattern": "/api/*", "TargetOriginId": "api", "ViewerProtocolPolicy": "allow-all"}
    r = judge("CloudFront.9", "cloudfront", {"config": match_viewer(https, plain_api)})
    assert r.status == "FAIL" and "match-viewer" in r.reason and "/api/*" in r.reason
    # through an origin group whose members include the custom origin
    group = {"Id": "g", "Members": origins({"OriginId": "s3"}, {"OriginId": "api"})}
    assert cf("CloudFront.9", match_viewer({"TargetOriginId": "g", "ViewerProtocolPolicy": "allow-all"}, groups=[group])) == "FAIL"


def test_origin_failover_needs_a_group_of_two() -> None:
    one = {"Id": "g", "Members": origins({"OriginId": "s3"})}
    assert cf("CloudFront.4", {**GOOD, "OriginGroups": origins(one)}) == "FAIL"
    assert cf("CloudFront.4", {**GOOD, "OriginGroups": None}) == "FAIL"


@pytest.mark.parametrize(
    ("certificate", "sni", "policy"),
    [
        ({"CloudFrontDefaultCertificate": True, "MinimumProtocolVersion": "TLSv1"}, "NOT_APPLICABLE", "NOT_APPLICABLE"),
        # the emulator answers CloudFrontDefaultCertificate true next to an ACM certificate: the certificate counts
        ({**CERT, "CloudFrontDefaultCertificate": True}, "PASS", "PASS"),
        ({"IAMCertificateId": "ASCA1", "SSLSupportMethod": "sni-only", "MinimumProtocolVersion": "TLSv1.2_2019"}, "PASS", "FAIL"),
        ({**CERT, "SSLSupportMethod": "vip", "MinimumProtocolVersion": "TLSv1"}, "FAIL", "NOT_APPLICABLE"),  # legacy clients
        ({**CERT, "MinimumProtocolVersion": "TLSv1.3_2025"}, "PASS", "PASS"),
    ],
)
def test_certificate_controls(certificate: dict[str, Any], sni: str, policy: str) -> None:
    conf = {**GOOD, "ViewerCertificate": certificate}
    assert (cf("CloudFront.8", conf), cf("CloudFront.15", conf)) == (sni, policy)
    assert cf("CloudFront.7", conf) == ("FAIL" if certificate.get("CloudFrontDefaultCertificate") and "ACMCertificateArn" not in certificate else "PASS")


def test_bad_distribution_reasons_name_the_origins() -> None:
    assert "s3" in judge("CloudFront.13", "cloudfront", {"config": BAD}).reason
    assert "api" in judge("CloudFront.10", "cloudfront", {"config": BAD}).reason
    assert "fn" in judge("CloudFront.16", "cloudfront", {"config": BAD}).reason


def allow(principal: Any, action: Any, **more: Any) -> dict[str, Any]:
    return {"Statement": [{"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*", **more}]}


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (None, "PASS"),
        (allow({"AWS": "arn:aws:iam::123456789012:role/app"}, "s3:*"), "PASS"),  # the bucket's own account
        (allow({"AWS": "123456789012"}, "*"), "PASS"),
        (allow({"Service": "logging.s3.amazonaws.com"}, "s3:PutObjectAcl"), "PASS"),  # a service, not an account
        (allow({"AWS": "arn:aws:iam::111111111111:root"}, ["s3:GetObject", "s3:ListBucket"]), "PASS"),
        (allow({"AWS": "arn:aws:iam::111111111111:root"}, "s3:*"), "FAIL"),
        (allow({"AWS": "arn:aws:iam::111111111111:user/x"}, "S3:PUTBUCKETPOLICY"), "FAIL"),  # actions are case-insensitive
        (allow("*", "s3:Delete*"), "FAIL"),  # everyone includes other accounts
        (allow({"AWS": ["123456789012", "*"]}, "s3:PutEncryptionConfiguration"), "FAIL"),
        ({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}, "PASS"),
        (allow({"AWS": "111111111111"}, None, NotAction="s3:GetObject"), "PASS"),  # NotAction is not judged (as AWS Config)
    ],
)
def test_s3_6_other_accounts_and_denied_actions(policy: dict[str, Any] | None, expected: str) -> None:
    assert judge("S3.6", "s3", {"policy": policy}).status == expected


def test_s3_6_names_the_account_and_actions() -> None:
    r = judge("S3.6", "s3", {"policy": allow({"AWS": "arn:aws:iam::111111111111:root"}, "s3:Put*")})
    assert r.status == "FAIL" and "111111111111" in r.reason and "s3:PutBucketAcl" in r.reason and "s3:DeleteBucketPolicy" not in r.reason


def test_s3_12_owner_only_grants() -> None:
    acl = {"Owner": {"ID": "o"}, "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": "o"}, "Permission": "FULL_CONTROL"}]}
    assert judge("S3.12", "s3", {"acl": acl}).status == "PASS"
    other = {"Grantee": {"Type": "CanonicalUser", "ID": "someone-else"}, "Permission": "WRITE_ACP"}
    r = judge("S3.12", "s3", {"acl": {**acl, "Grants": [*acl["Grants"], other]}})
    assert r.status == "FAIL" and "WRITE_ACP to someone-else" in r.reason


RULE = {"ID": "archive", "Status": "Enabled", "Transitions": [{"Days": 30, "StorageClass": "GLACIER"}], "Expiration": {"Days": 365}}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, "PASS"),
        ({"targetTransitionDays": 30}, "PASS"),
        ({"targetTransitionDays": "30", "targetTransitionStorageClass": "GLACIER", "targetExpirationDays": 365}, "PASS"),
        ({"targetTransitionDays": 60}, "FAIL"),
        ({"targetTransitionStorageClass": "DEEP_ARCHIVE"}, "FAIL"),
        ({"targetExpirationDays": 90}, "FAIL"),
    ],
)
def test_s3_13_parameters(params: dict[str, Any], expected: str) -> None:
    assert judge("S3.13", "s3", {"lifecycle": [RULE]}, params).status == expected


def test_s3_13_without_configuration() -> None:
    r = judge("S3.13", "s3", {"lifecycle": []})
    assert r.status == "FAIL" and "no lifecycle configuration" in r.reason


def test_s3_10_judges_versioned_buckets_only() -> None:
    assert judge("S3.10", "s3", {"versioning": None, "lifecycle": []}).status == "NOT_APPLICABLE"
    assert judge("S3.10", "s3", {"versioning": "Suspended", "lifecycle": []}).status == "NOT_APPLICABLE"
    assert judge("S3.10", "s3", {"versioning": "Enabled", "lifecycle": LIFECYCLE}).status == "PASS"


@pytest.mark.parametrize(
    ("conf", "event_types", "expected"),
    [
        (QUEUE, [], "PASS"),
        (QUEUE, ["s3:ObjectCreated:Put", "s3:ObjectCreated:*"], "PASS"),  # a wildcard configured covers each event
        (QUEUE, ["s3:ObjectRemoved:Delete"], "FAIL"),
        ({"EventBridgeConfiguration": {}}, ["s3:ObjectRemoved:Delete"], "PASS"),  # EventBridge receives every event
        ({}, [], "FAIL"),
    ],
)
def test_s3_11_event_types(conf: dict[str, Any], event_types: list[str], expected: str) -> None:
    assert judge("S3.11", "s3", {"notifications": conf}, {"eventTypes": event_types}).status == expected


def test_an_origin_on_an_s3_rest_endpoint_without_s3_origin_config_is_an_s3_origin() -> None:
    # the emulator drops an empty S3OriginConfig (an S3 origin using origin access control has an empty OAI)
    bare = {"Id": "s3", "DomainName": "b.s3.eu-west-1.amazonaws.com"}
    assert cf("CloudFront.13", {"Origins": origins(bare)}) == "FAIL"
    assert cf("CloudFront.13", {"Origins": origins({**bare, "OriginAccessControlId": "E1"})}) == "PASS"
    assert cf("CloudFront.13", {"Origins": origins({"Id": "x", "DomainName": "example.com"})}) == "NOT_APPLICABLE"
