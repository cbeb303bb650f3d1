"""Unit cases of controls_edge.py's controls, merged into test_controls.CASES: control id -> (service,
(compliant base, compliant areas), (non-compliant base, non-compliant areas))."""

from __future__ import annotations

from typing import Any

S3_ORIGIN = {"Id": "s3", "DomainName": "site.s3.us-east-1.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}, "OriginAccessControlId": "E1OAC"}
API = {"Id": "api", "DomainName": "api.example.com", "CustomOriginConfig": {"OriginProtocolPolicy": "https-only", "OriginSslProtocols": {"Items": ["TLSv1.2"]}}}
FN_URL = {
    "Id": "fn",
    "DomainName": "abc123.lambda-url.us-east-1.on.aws",
    "CustomOriginConfig": {"OriginProtocolPolicy": "https-only"},
    "OriginAccessControlId": "E2OAC",
}
GROUP = {"Id": "g", "Members": {"Quantity": 2, "Items": [{"OriginId": "s3"}, {"OriginId": "api"}]}}
CERT = {"ACMCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/1", "SSLSupportMethod": "sni-only", "MinimumProtocolVersion": "TLSv1.2_2021"}
GOOD = {
    "Origins": {"Items": [S3_ORIGIN, API, FN_URL]},
    "OriginGroups": {"Quantity": 1, "Items": [GROUP]},
    "DefaultCacheBehavior": {"TargetOriginId": "g", "ViewerProtocolPolicy": "redirect-to-https"},
    "CacheBehaviors": {"Items": [{"PathPattern": "/fn/*", "TargetOriginId": "fn", "ViewerProtocolPolicy": "https-only"}]},
    "Logging": {"Enabled": True, "Bucket": "logs.s3.amazonaws.com", "Prefix": "cf/"},
    "WebACLId": "arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/1",
    "ViewerCertificate": CERT,
}
BAD = {
    "Origins": {
        "Items": [
            {**S3_ORIGIN, "OriginAccessControlId": ""},
            {**API, "CustomOriginConfig": {"OriginProtocolPolicy": "http-only", "OriginSslProtocols": {"Items": ["SSLv3", "TLSv1"]}}},
            {**FN_URL, "OriginAccessControlId": ""},
        ]
    },
    "OriginGroups": {"Quantity": 0},
    "DefaultCacheBehavior": {"TargetOriginId": "s3", "ViewerProtocolPolicy": "allow-all"},
    "Logging": {"Enabled": False, "Bucket": "", "Prefix": ""},
    "WebACLId": "",
    "ViewerCertificate": {"CloudFrontDefaultCertificate": True, "MinimumProtocolVersion": "TLSv1"},
}
# a custom certificate, but on dedicated IPs (CloudFront.8) / an old security policy (CloudFront.15)
VIP = {**GOOD, "ViewerCertificate": {**CERT, "SSLSupportMethod": "vip"}}
OLD_TLS = {**GOOD, "ViewerCertificate": {**CERT, "MinimumProtocolVersion": "TLSv1.1_2016"}}

OWNER = {"ID": "owner-id", "DisplayName": "owner"}
OWNER_ONLY = {"Owner": OWNER, "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": "owner-id"}, "Permission": "FULL_CONTROL"}]}
PUBLIC_READ = {
    "Owner": OWNER,
    "Grants": [*OWNER_ONLY["Grants"], {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"}],
}
LIFECYCLE = [{"ID": "expire", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 30}}]
OWN_ACCOUNT = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "s3:*", "Resource": "*"}
READ_ONLY = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}
OTHER_ACL = {"Effect": "Allow", "Principal": {"AWS": ["111111111111"]}, "Action": "s3:Put*", "Resource": "*"}
QUEUE = {"QueueConfigurations": [{"QueueArn": "arn:aws:sqs:us-east-1:123456789012:q", "Events": ["s3:ObjectCreated:*"]}]}

CASES: dict[str, tuple[str, tuple[dict[str, Any], dict[str, Any]], tuple[dict[str, Any], dict[str, Any]]]] = {
    "CloudFront.4": ("cloudfront", ({}, {"config": GOOD}), ({}, {"config": BAD})),
    "CloudFront.5": ("cloudfront", ({}, {"config": GOOD}), ({}, {"config": BAD})),
    "CloudFront.6": ("cloudfront", ({}, {"config": GOOD}), ({}, {"config": BAD})),
    "CloudFront.7": ("cloudfront", ({}, {"config": GOOD}), ({}, {"config": BAD})),
    "CloudFront.8": ("cloudfront", ({}, {"config": GOOD}), ({}, {"config": VIP})),
    "CloudFront.9": ("cloudfront", ({}, {"config": GOOD}), ({}, {"config": BAD})),
    "CloudFront.10": ("cloudfront", ({}, {"config": GOOD}), ({}, {"config": BAD})),
    "CloudFront.13": ("cloudfront", ({}, {"config": GOOD}), ({}, {"config": BAD})),
    "CloudFront.15": ("cloudfront", ({}, {"config": GOOD}), ({}, {"config": OLD_TLS})),
    "CloudFront.16": ("cloudfront", ({}, {"config": GOOD}), ({}, {"config": BAD})),
    "S3.6": ("s3", ({}, {"policy": {"Statement": [OWN_ACCOUNT, READ_ONLY]}}), ({}, {"policy": {"Statement": [READ_ONLY, OTHER_ACL]}})),
    "S3.10": ("s3", ({}, {"versioning": "Enabled", "lifecycle": LIFECYCLE}), ({}, {"versioning": "Enabled", "lifecycle": []})),
    "S3.11": ("s3", ({}, {"notifications": QUEUE}), ({}, {"notifications": {}})),
    "S3.12": ("s3", ({}, {"acl": OWNER_ONLY}), ({}, {"acl": PUBLIC_READ})),
    "S3.13": ("s3", ({}, {"lifecycle": LIFECYCLE}), ({}, {"lifecycle": [{**LIFECYCLE[0], "Status": "Disabled"}]})),
}
