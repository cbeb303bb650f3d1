"""The compliance world's resources for the later FSBP controls of CloudFront and S3 (plugins/module_utils/compliance/controls_edge.py).

``seed(w)`` is called by ``tests/compliance/conftest.py``'s ``build_world`` after the first controls' resources
exist. Per control, one compliant and one non-compliant resource: ``w.expected[control] = (good_arn, bad_arn)``.
New resources only (``cr-edge-*``): the first controls' buckets and distributions keep their verdicts.
"""

from __future__ import annotations

import json
from typing import Any

OTHER = "111111111111"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/cr-edge"
WEB_ACL = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/cr-edge/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
FN_URL = "cr-edge-fn.lambda-url.us-east-1.on.aws"


def seed(w: Any) -> None:
    _distributions(w)
    _buckets(w)


def _oac(cf: Any, name: str, kind: str) -> str:
    conf = {"Name": name, "Description": name, "SigningProtocol": "sigv4", "SigningBehavior": "always", "OriginAccessControlOriginType": kind}
    return cf.create_origin_access_control(OriginAccessControlConfig=conf)["OriginAccessControl"]["Id"]


def _distributions(w: Any) -> None:
    cf = w.client("cloudfront")
    s3_oac, fn_oac = _oac(cf, "cr-edge-s3", "s3"), _oac(cf, "cr-edge-fn", "lambda")

    def custom(policy: str, protocols: list[str]) -> dict[str, Any]:
        return {
            "HTTPPort": 80,
            "HTTPSPort": 443,
            "OriginProtocolPolicy": policy,
            "OriginSslProtocols": {"Quantity": len(protocols), "Items": protocols},
        }

    def distribution(ref: str, good: bool, certificate: dict[str, Any]) -> str:
        s3_origin = {"Id": "s3", "DomainName": "cr-good.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}
        api = {"Id": "api", "DomainName": "api.cr-edge.example", "CustomOriginConfig": custom("https-only", ["TLSv1.2"])}
        fn = {"Id": "fn", "DomainName": FN_URL, "CustomOriginConfig": custom("https-only", ["TLSv1.2"])}
        conf: dict[str, Any] = {
            "CallerReference": ref,
            "Comment": ref,
            "Enabled": True,
            "DefaultRootObject": "index.html",
            "DefaultCacheBehavior": {"TargetOriginId": "s3", "ViewerProtocolPolicy": "redirect-to-https", "CachePolicyId": CACHING_OPTIMIZED},
            "ViewerCertificate": certificate,
        }
        if good:
            s3_origin["OriginAccessControlId"], fn["OriginAccessControlId"] = s3_oac, fn_oac
            conf["OriginGroups"] = {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "failover",
                        "FailoverCriteria": {"StatusCodes": {"Quantity": 2, "Items": [500, 503]}},
                        "Members": {"Quantity": 2, "Items": [{"OriginId": "s3"}, {"OriginId": "api"}]},
                    }
                ],
            }
            conf["Logging"] = {"Enabled": True, "IncludeCookies": False, "Bucket": "cr-logs.s3.amazonaws.com", "Prefix": f"{ref}/"}
            conf["WebACLId"] = WEB_ACL
        else:
            api["CustomOriginConfig"] = custom("http-only", ["SSLv3", "TLSv1"])
        conf["Origins"] = {"Quantity": 3, "Items": [s3_origin, api, fn]}
        return cf.create_distribution(DistributionConfig=conf)["Distribution"]["ARN"]

    sni = {"ACMCertificateArn": CERT, "SSLSupportMethod": "sni-only", "MinimumProtocolVersion": "TLSv1.2_2021"}
    good = distribution("cr-edge-good", True, sni)
    bad = distribution("cr-edge-bad", False, {"CloudFrontDefaultCertificate": True, "MinimumProtocolVersion": "TLSv1"})
    for c in ("CloudFront.4", "CloudFront.5", "CloudFront.6", "CloudFront.7", "CloudFront.9", "CloudFront.10", "CloudFront.13", "CloudFront.16"):
        w.expected[c] = (good, bad)
    # a custom certificate served from dedicated IPs (CloudFront.8), and one with a security policy older than TLSv1.2_2021 (CloudFront.15)
    w.expected["CloudFront.8"] = (good, distribution("cr-edge-vip", True, {**sni, "SSLSupportMethod": "vip"}))
    w.expected["CloudFront.15"] = (good, distribution("cr-edge-old-tls", True, {**sni, "MinimumProtocolVersion": "TLSv1.1_2016"}))


def _buckets(w: Any) -> None:
    s3 = w.client("s3")
    queue = w.client("sqs").create_queue(QueueName="cr-edge-events")["QueueUrl"]
    queue_arn = w.client("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def bucket(name: str, statements: list[dict[str, Any]]) -> str:
        s3.create_bucket(Bucket=name)
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        for st in statements:
            st["Resource"] = [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"]
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": statements}))
        return f"arn:aws:s3:::{name}"

    read = {"Sid": "PartnerRead", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}, "Action": ["s3:GetObject", "s3:ListBucket"]}
    good = bucket("cr-edge-good", [read])
    s3.put_bucket_lifecycle_configuration(
        Bucket="cr-edge-good",
        LifecycleConfiguration={
            "Rules": [
                {"ID": "noncurrent", "Status": "Enabled", "Filter": {"Prefix": ""}, "NoncurrentVersionExpiration": {"NoncurrentDays": 30}},
            ]
        },
    )
    s3.put_bucket_notification_configuration(
        Bucket="cr-edge-good",
        NotificationConfiguration={"QueueConfigurations": [{"QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]}]},
    )
    acl = {"Sid": "PartnerAcl", "Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": ["s3:GetObject", "s3:PutObjectAcl"]}
    bad = bucket("cr-edge-bad", [read, acl])
    s3.put_bucket_acl(Bucket="cr-edge-bad", ACL="authenticated-read")
    for c in ("S3.6", "S3.10", "S3.11", "S3.12", "S3.13"):
        w.expected[c] = (good, bad)
