"""Every control on plain evidence: a compliant resource PASSes, a non-compliant one FAILs, and one whose
needed evidence is unavailable is ERROR naming the action (the framework's rule, not the control's)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.compliance import controls as ctl
from ansible_collections.slipway.aws.plugins.module_utils.compliance.evidence import AREAS

from tests.unit.plugins.module_utils.compliance import cases_edge, cases_elb, cases_iam, cases_network, cases_rds, cases_services, cases_workloads

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
TAGS = {"Project": "slipway", "Environment": "test", "ManagedBy": "terraform"}
SSL_POLICY = {
    "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    ]
}
PAB = dict.fromkeys(("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True)
KEY = {"KeyManager": "CUSTOMER", "KeySpec": "SYMMETRIC_DEFAULT", "Origin": "AWS_KMS", "KeyState": "Enabled"}
CF_OK = {"DefaultRootObject": "index.html", "DefaultCacheBehavior": {"ViewerProtocolPolicy": "redirect-to-https"}, "CacheBehaviors": {"Items": []}}
CF_BAD = {"DefaultRootObject": "", "DefaultCacheBehavior": {"ViewerProtocolPolicy": "allow-all"}}
ALB = {"lb_type": "application"}
ALB_OK = {"routing.http.drop_invalid_header_fields.enabled": "true", "access_logs.s3.enabled": "true", "deletion_protection.enabled": "true"}
ALB_BAD = {"routing.http.drop_invalid_header_fields.enabled": "false", "access_logs.s3.enabled": "false", "deletion_protection.enabled": "false"}
RDS_OK = {"StorageEncrypted": True, "BackupRetentionPeriod": 7, "AutoMinorVersionUpgrade": True, "DeletionProtection": True, "PubliclyAccessible": False}
RDS_BAD = {"StorageEncrypted": False, "BackupRetentionPeriod": 6, "AutoMinorVersionUpgrade": False, "DeletionProtection": False, "PubliclyAccessible": True}
SECRET_OK = {
    "RotationEnabled": True,
    "RotationRules": {"AutomaticallyAfterDays": 30},
    "CreatedDate": "2025-01-01T00:00:00Z",
    "LastRotatedDate": "2025-05-20T00:00:00Z",
}
SECRET_BAD = {"RotationEnabled": False, "CreatedDate": "2025-01-01T00:00:00Z"}
DEFAULT_SG = {"group_name": "default", "vpc_id": "vpc-1"}
ALL_HEADERS = {
    "StrictTransportSecurity": {"Override": True, "AccessControlMaxAgeSec": 63072000},
    "ContentTypeOptions": {"Override": True},
    "FrameOptions": {"Override": True, "FrameOption": "DENY"},
    "ReferrerPolicy": {"Override": True, "ReferrerPolicy": "same-origin"},
    "ContentSecurityPolicy": {"Override": True, "ContentSecurityPolicy": "default-src 'self'"},
}
CF_HEADERS = {
    "DefaultCacheBehavior": {"ResponseHeadersPolicyId": "good"},
    "CacheBehaviors": {"Items": [{"PathPattern": "/api/*", "ResponseHeadersPolicyId": "good"}]},
}
CF_HEADERS_BAD = {"DefaultCacheBehavior": {"ResponseHeadersPolicyId": "weak"}, "CacheBehaviors": {"Items": [{"PathPattern": "/api/*"}]}}
HEADER_POLICIES = {
    "good": {"SecurityHeadersConfig": ALL_HEADERS},
    "weak": {"SecurityHeadersConfig": {"StrictTransportSecurity": ALL_HEADERS["StrictTransportSecurity"]}},
}
FN = "arn:aws:lambda:us-east-1:123456789012:function:rotate"
PUBLIC = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sqs:SendMessage", "Resource": "*"}]}
NARROWED = {"Statement": [{**PUBLIC["Statement"][0], "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}]}
FN_POLICY = json.dumps(
    {"Statement": [{"Effect": "Allow", "Principal": {"Service": "secretsmanager.amazonaws.com"}, "Action": "lambda:InvokeFunction", "Resource": FN}]}
)
ROTATING = {
    "RotationEnabled": True,
    "RotationLambdaARN": FN,
    "RotationRules": {"AutomaticallyAfterDays": 30},
    "CreatedDate": "2025-01-01T00:00:00Z",
    "LastRotatedDate": "2025-05-20T00:00:00Z",
    "NextRotationDate": "2025-06-19T00:00:00Z",
    "VersionIdsToStages": {"v2": ["AWSCURRENT"], "v1": ["AWSPREVIOUS"]},
}
NO_EVENTS = {"failed": [], "succeeded": []}
ROTATION_OK = {
    "describe": ROTATING,
    "rotation_function": {"arn": FN, "exists": True, "state": "Active"},
    "rotation_function_policy": FN_POLICY,
    "rotation_events": NO_EVENTS,
}
IMAGE = {"digest": "sha256:1", "tags": ["v1"], "pushed_at": "2025-05-01 00:00:00+00:00"}

TD = {"kind": "task_definition"}
SAFE = {"name": "app", "privileged": False, "readonlyRootFilesystem": True, "environment_names": ["LOG_LEVEL"]}
UNSAFE = {"name": "app", "privileged": True, "readonlyRootFilesystem": None, "environment_names": ["AWS_ACCESS_KEY_ID", "LOG_LEVEL"]}
SVC = {"kind": "service"}


def awsvpc(assign: str) -> dict[str, Any]:
    return {"service": {"networkConfiguration": {"awsvpcConfiguration": {"subnets": ["s"], "assignPublicIp": assign}}}}


def key(kid: str, created: str, status: str = "Active") -> dict[str, Any]:
    return {"id": kid, "status": status, "created": created}


RG_OK = {
    "kind": "replication_group",
    "Engine": "redis",
    "AutomaticFailover": "enabled",
    "AtRestEncryptionEnabled": True,
    "TransitEncryptionEnabled": True,
    "AuthTokenEnabled": True,
    "SnapshotRetentionLimit": 1,
}
RG_BAD = {**RG_OK, "AutomaticFailover": "disabled", "AtRestEncryptionEnabled": False, "TransitEncryptionEnabled": False, "AuthTokenEnabled": False}
RG_BAD["SnapshotRetentionLimit"] = 0
REDIS5 = {"member_clusters": [{"CacheClusterId": "g-001", "EngineVersion": "5.0.6"}, {"CacheClusterId": "g-002", "EngineVersion": "5.0.6"}]}


# control -> (service, compliant (base, areas), non-compliant (base, areas))
CASES: dict[str, tuple[str, tuple[dict[str, Any], dict[str, Any]], tuple[dict[str, Any], dict[str, Any]]]] = {
    "S3.5": ("s3", ({}, {"policy": SSL_POLICY}), ({}, {"policy": None})),
    "S3.8": ("s3", ({}, {"public_access_block": PAB}), ({}, {"public_access_block": {**PAB, "BlockPublicPolicy": False}})),
    "S3.9": ("s3", ({}, {"logging": {"TargetBucket": "logs", "TargetPrefix": "x/"}}), ({}, {"logging": None})),
    "S3.14": ("s3", ({}, {"versioning": "Enabled"}), ({}, {"versioning": "Suspended"})),
    "RDS.2": ("rds", (RDS_OK, {}), (RDS_BAD, {})),
    "RDS.3": ("rds", (RDS_OK, {}), (RDS_BAD, {})),
    "RDS.8": ("rds", (RDS_OK, {}), (RDS_BAD, {})),
    "RDS.11": ("rds", (RDS_OK, {}), (RDS_BAD, {})),
    "RDS.13": ("rds", (RDS_OK, {}), (RDS_BAD, {})),
    "RDS.5": ("rds", ({"MultiAZ": True}, {}), ({"MultiAZ": False}, {})),
    "RDS.9": (
        "rds",
        ({"Engine": "postgres", "EnabledCloudwatchLogsExports": ["upgrade", "postgresql"]}, {}),
        ({"Engine": "postgres", "EnabledCloudwatchLogsExports": ["postgresql"]}, {}),
    ),
    "RDS.10": ("rds", ({"Engine": "postgres", "IAMDatabaseAuthenticationEnabled": True}, {}), ({"Engine": "mysql"}, {})),
    "RDS.17": ("rds", ({"CopyTagsToSnapshot": True}, {}), ({"CopyTagsToSnapshot": False}, {})),
    "RDS.23": ("rds", ({"Engine": "postgres", "Port": 6432}, {}), ({"Engine": "postgres", "Port": 5432}, {})),
    "SecretsManager.1": ("secretsmanager", (SECRET_OK, {}), (SECRET_BAD, {})),
    "SecretsManager.4": ("secretsmanager", (SECRET_OK, {}), (SECRET_BAD, {})),
    "SQS.1": ("sqs", ({}, {"attributes": {"SqsManagedSseEnabled": "true"}}), ({}, {"attributes": {"SqsManagedSseEnabled": "false"}})),
    "SQS.3": ("sqs", ({}, {"attributes": {"Policy": json.dumps(NARROWED)}}), ({}, {"attributes": {"Policy": json.dumps(PUBLIC)}})),
    "DynamoDB.2": (
        "dynamodb",
        ({}, {"backups": {"PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "ENABLED"}}}),
        ({}, {"backups": {"PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"}}}),
    ),
    "KMS.4": ("kms", ({}, {"key": KEY, "rotation": True}), ({}, {"key": KEY, "rotation": False})),
    "KMS.3": ("kms", ({}, {"key": KEY}), ({}, {"key": {**KEY, "KeyState": "PendingDeletion", "DeletionDate": "2025-07-01T00:00:00Z"}})),
    "ECR.1": ("ecr", ({"scan_on_push": True}, {}), ({"scan_on_push": False}, {})),
    "ECR.2": ("ecr", ({"tag_mutability": "IMMUTABLE"}, {}), ({"tag_mutability": "MUTABLE"}, {})),
    "ECR.3": ("ecr", ({}, {"lifecycle": '{"rules": []}'}), ({}, {"lifecycle": None})),
    "CloudWatch.16": ("logs", ({"retention_days": 400}, {}), ({"retention_days": 30}, {})),
    "EC2.2": ("ec2", ({**DEFAULT_SG, "ingress": 0, "egress": 0}, {}), ({**DEFAULT_SG, "ingress": 0, "egress": 1}, {})),
    "ELB.4": ("elbv2", (ALB, {"attributes": ALB_OK}), (ALB, {"attributes": ALB_BAD})),
    "ELB.5": ("elbv2", (ALB, {"attributes": ALB_OK}), (ALB, {"attributes": ALB_BAD})),
    "ELB.6": ("elbv2", (ALB, {"attributes": ALB_OK}), (ALB, {"attributes": ALB_BAD})),
    "CloudFront.1": ("cloudfront", ({}, {"config": CF_OK}), ({}, {"config": CF_BAD})),
    "CloudFront.3": ("cloudfront", ({}, {"config": CF_OK}), ({}, {"config": CF_BAD})),
    "ECS.2": ("ecs", (SVC, awsvpc("DISABLED")), (SVC, awsvpc("ENABLED"))),
    "ECS.4": ("ecs", (TD, {"task_definition": {"containers": [SAFE]}}), (TD, {"task_definition": {"containers": [SAFE, {**SAFE, "privileged": True}]}})),
    "ECS.5": ("ecs", (TD, {"task_definition": {"containers": [SAFE]}}), (TD, {"task_definition": {"containers": [{**SAFE, "readonlyRootFilesystem": False}]}})),
    "ECS.8": ("ecs", (TD, {"task_definition": {"containers": [SAFE]}}), (TD, {"task_definition": {"containers": [UNSAFE]}})),
    "ECS.12": (
        "ecs",
        ({"kind": "cluster"}, {"cluster": {"settings": {"containerInsights": "enhanced"}}}),
        ({"kind": "cluster"}, {"cluster": {"settings": {}}}),
    ),
    "SNS.1": ("sns", ({}, {"attributes": {"KmsMasterKeyId": "alias/aws/sns"}}), ({}, {"attributes": {"Owner": "123456789012"}})),
    "SNS.4": ("sns", ({}, {"attributes": {}}), ({}, {"attributes": {"Policy": PUBLIC}})),
    "IAM.2": (
        "iam",
        ({}, {"attached_policies": [], "inline_policies": []}),
        ({}, {"attached_policies": [], "inline_policies": ["inline"]}),
    ),
    "IAM.3": (
        "iam",
        ({}, {"access_keys": [key("AKIANEW", "2025-03-03T00:00:00Z"), key("AKIAOLD", "2020-01-01T00:00:00Z", "Inactive")]}),
        ({}, {"access_keys": [key("AKIANEW", "2025-05-01T00:00:00Z"), key("AKIAOLD", "2025-03-02T00:00:00Z")]}),
    ),
    "S3.1": (
        "s3control",
        ({"public_access_block": PAB, "configured": True}, {}),
        ({"public_access_block": {**PAB, "RestrictPublicBuckets": False}, "configured": True}, {}),
    ),
    "ElastiCache.1": ("elasticache", (RG_OK, {}), (RG_BAD, {})),
    "ElastiCache.3": ("elasticache", (RG_OK, {}), (RG_BAD, {})),
    "ElastiCache.4": ("elasticache", (RG_OK, {}), (RG_BAD, {})),
    "ElastiCache.5": ("elasticache", (RG_OK, {}), (RG_BAD, {})),
    "ElastiCache.6": ("elasticache", (RG_OK, REDIS5), (RG_BAD, REDIS5)),
    "SLIPWAY.Tags.1": ("s3", ({}, {"tags": TAGS}), ({}, {"tags": {"Project": "slipway"}})),
    "SLIPWAY.CloudFront.SecurityHeaders": (
        "cloudfront",
        ({}, {"config": CF_HEADERS, "response_headers": HEADER_POLICIES}),
        ({}, {"config": CF_HEADERS_BAD, "response_headers": HEADER_POLICIES}),
    ),
    "SLIPWAY.SecretsManager.RotationState": (
        "secretsmanager",
        ({}, ROTATION_OK),
        ({}, {**ROTATION_OK, "rotation_function": {"arn": FN, "exists": False}, "rotation_function_policy": None}),
    ),
    "SLIPWAY.RDS.RestoreDrill": (
        "rds",
        (RDS_OK, {"tags": {"slipway:restore-drill": f"{(NOW - dt.timedelta(days=2)).isoformat()} succeeded run-1"}}),
        (RDS_OK, {"tags": {}}),
    ),
    "SLIPWAY.ECR.ScanFindings": (
        "ecr",
        ({}, {"latest_image": IMAGE, "scan_findings": {"status": "COMPLETE", "counts": {"LOW": 3, "MEDIUM": 1}}}),
        ({}, {"latest_image": IMAGE, "scan_findings": {"status": "COMPLETE", "counts": {"CRITICAL": 1, "LOW": 2}}}),
    ),
}
for more in (
    cases_edge.CASES,
    cases_workloads.CASES,
    cases_network.CASES,
    cases_rds.CASES,
    cases_elb.CASES,
    cases_iam.CASES,
    cases_services.CASES,
):  # the later FSBP controls, one module per area
    CASES.update(more)


def resource(name: str, base: dict[str, Any], areas: dict[str, Any], unavailable: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"arn": f"arn:test:{name}", "name": name, "region": "us-east-1", "type": "T", "base": base, "areas": areas, "unavailable": unavailable or {}}


def collected(service: str, *resources: dict[str, Any], listing: dict[str, str] | None = None) -> dict[str, Any]:
    part = {"service": service, "region": "us-east-1", "actions": [], "listing": listing, "resources": list(resources)}
    return {"account": "123456789012", "regions": ["us-east-1"], "services": [part]}


def test_every_control_has_a_case() -> None:
    assert set(CASES) == set(ctl.CONTROLS)


@pytest.mark.parametrize("cid", sorted(CASES))
def test_compliant_passes_and_non_compliant_fails(cid: str) -> None:
    service, good, bad = CASES[cid]
    ev = collected(service, resource("good", *good), resource("bad", *bad))
    verdicts = {r.resource: r.status for r in ctl.evaluate(ctl.CONTROLS[cid], ev, None, NOW)}
    assert verdicts == {"arn:test:good": "PASS", "arn:test:bad": "FAIL"}


@pytest.mark.parametrize("cid", sorted(c for c in CASES if ctl.CONTROLS[c].needs))
def test_unavailable_evidence_is_error_naming_the_action(cid: str) -> None:
    service, good, bad = CASES[cid]
    control = ctl.CONTROLS[cid]
    area = control.needs[-1]
    action = AREAS[service][area]
    mark = {"action": action, "code": "AccessDenied", "kind": "access-denied", "reason": f"{action}: AccessDenied: no"}
    for base, areas in (good, bad):
        ev = collected(service, resource("x", base, {k: v for k, v in areas.items() if k != area}, {area: mark}))
        (r,) = ctl.evaluate(control, ev, None, NOW)
        assert r.status == "ERROR" and r.unavailable_actions == (action,) and "access-denied" in r.reason


@pytest.mark.parametrize("cid", sorted(CASES))
def test_failed_listing_is_one_error_never_absent(cid: str) -> None:
    service = CASES[cid][0]
    action = AREAS[service]["base"]
    mark = {"action": action, "code": "ThrottlingException", "kind": "throttled", "reason": f"{action}: ThrottlingException: slow down"}
    (r,) = ctl.evaluate(ctl.CONTROLS[cid], collected(service, listing=mark), None, NOW)
    assert r.status == "ERROR" and r.unavailable_actions == (action,) and "throttled" in r.reason


def test_every_need_is_an_area_its_collectors_fill() -> None:
    for c in ctl.CONTROLS.values():
        for service in c.services:
            assert set(c.needs) <= set(AREAS[service]), (c.id, service)


def test_a_control_reading_an_undeclared_area_is_caught() -> None:
    sneaky = ctl.Control("X.1", "t", "LOW", ("s3",), "T", "r", lambda v, p, c: ("PASS", str(v["policy"]), {}))
    with pytest.raises(ctl.UndeclaredEvidence):
        ctl.evaluate(sneaky, collected("s3", resource("b", {}, {"policy": None})), None, NOW)


def test_parameters_follow_security_hub_defaults_and_can_be_overridden() -> None:
    assert ctl.CONTROLS["RDS.11"].params == {"backupRetentionMinimum": 7}
    assert ctl.CONTROLS["SecretsManager.4"].params == {"maxDaysSinceRotation": 90}
    assert ctl.CONTROLS["CloudWatch.16"].params == {"minRetentionTime": 365}
    ev = collected("logs", resource("g", {"retention_days": 30}, {}))
    assert ctl.evaluate(ctl.CONTROLS["CloudWatch.16"], ev, {"minRetentionTime": 30}, NOW)[0].status == "PASS"
    with pytest.raises(ctl.PreflightError):
        ctl.check_parameters({"RDS.11": {"nope": 1}})
    with pytest.raises(ctl.PreflightError):
        ctl.select(["NOPE.*"])
    assert [c.id for c in ctl.select(["RDS.1[037]"])] == ["RDS.13", "RDS.10", "RDS.17"]  # the catalogue's order


def test_scopes() -> None:
    nlb = collected("elbv2", resource("n", {"lb_type": "network"}, {"attributes": ALB_BAD}))
    assert ctl.evaluate(ctl.CONTROLS["ELB.4"], nlb, None, NOW)[0].status == "NOT_APPLICABLE"
    assert ctl.evaluate(ctl.CONTROLS["ELB.6"], nlb, None, NOW)[0].status == "FAIL"
    other_sg = collected("ec2", resource("sg", {"group_name": "web", "ingress": 3, "egress": 1}, {}))
    assert ctl.evaluate(ctl.CONTROLS["EC2.2"], other_sg, None, NOW) == []
    aws_key = collected("kms", resource("k", {}, {"key": {**KEY, "KeyManager": "AWS"}, "rotation": False}))
    assert ctl.evaluate(ctl.CONTROLS["KMS.4"], aws_key, None, NOW)[0].status == "NOT_APPLICABLE"
    replica = collected("rds", resource("r", {**RDS_BAD, "ReadReplicaSourceDBInstanceIdentifier": "src"}, {}))
    assert ctl.evaluate(ctl.CONTROLS["RDS.11"], replica, None, NOW)[0].status == "NOT_APPLICABLE"


def test_ssl_policy_variants() -> None:
    assert ctl.denies_insecure_transport(SSL_POLICY)
    allow = {"Statement": [{**SSL_POLICY["Statement"][0], "Effect": "Allow"}]}
    assert not ctl.denies_insecure_transport(allow)
    narrow = {"Statement": [{**SSL_POLICY["Statement"][0], "Action": "s3:GetObject"}]}
    assert not ctl.denies_insecure_transport(narrow)
    aws_star = {"Statement": [{**SSL_POLICY["Statement"][0], "Principal": {"AWS": "*"}, "Action": ["s3:*"]}]}
    assert ctl.denies_insecure_transport(aws_star)


def test_security_headers_name_what_each_behaviour_lacks() -> None:
    control = ctl.CONTROLS["SLIPWAY.CloudFront.SecurityHeaders"]
    ev = collected("cloudfront", resource("d", {}, {"config": CF_HEADERS_BAD, "response_headers": HEADER_POLICIES}))
    (r,) = ctl.evaluate(control, ev, None, NOW)
    assert r.status == "FAIL"
    assert "default: policy weak lacks X-Content-Type-Options, X-Frame-Options, Referrer-Policy, Content-Security-Policy" in r.reason
    assert "/api/*: no response headers policy" in r.reason


def test_ecr_scan_findings_threshold_and_unscanned_images() -> None:
    control = ctl.CONTROLS["SLIPWAY.ECR.ScanFindings"]
    medium = {"latest_image": IMAGE, "scan_findings": {"status": "COMPLETE", "counts": {"MEDIUM": 2}}}
    ev = collected("ecr", resource("r", {}, medium))
    assert ctl.evaluate(control, ev, None, NOW)[0].status == "PASS"
    (r,) = ctl.evaluate(control, ev, {"severityThreshold": "MEDIUM"}, NOW)
    assert r.status == "FAIL" and "2 MEDIUM" in r.reason
    for scan, words in (({"status": "NONE", "counts": {}}, "never scanned"), ({"status": "FAILED", "counts": {}}, "scan status FAILED")):
        (r,) = ctl.evaluate(control, collected("ecr", resource("r", {}, {"latest_image": IMAGE, "scan_findings": scan})), None, NOW)
        assert r.status == "NOT_APPLICABLE" and words in r.reason
    (r,) = ctl.evaluate(control, collected("ecr", resource("r", {}, {"latest_image": None, "scan_findings": None})), None, NOW)
    assert r.status == "NOT_APPLICABLE" and "no image" in r.reason
    mark = {"action": "ecr:DescribeImages", "code": "AccessDenied", "kind": "access-denied", "reason": "ecr:DescribeImages: AccessDenied: no"}
    (r,) = ctl.evaluate(control, collected("ecr", resource("r", {}, {}, {"latest_image": mark})), None, NOW)
    assert r.status == "ERROR" and r.unavailable_actions == ("ecr:DescribeImages",)
    with pytest.raises(ctl.PreflightError):
        ctl.check_parameters({"SLIPWAY.ECR.ScanFindings": {"severityThreshold": "SEVERE"}})
    assert ctl.check_parameters({"SLIPWAY.ECR.ScanFindings": {"severityThreshold": "critical"}})


@pytest.mark.parametrize(
    ("areas", "status", "state"),
    [
        (ROTATION_OK, "PASS", "healthy"),
        (
            {**ROTATION_OK, "describe": {**ROTATING, "OwningService": "rds"}, "rotation_function": None, "rotation_function_policy": None},
            "PASS",
            "managed_by_service",
        ),
        ({**ROTATION_OK, "rotation_function_policy": None}, "FAIL", "rotator_broken"),
        ({**ROTATION_OK, "describe": {**ROTATING, "VersionIdsToStages": {"v2": ["AWSCURRENT"], "v3": ["AWSPENDING"]}}}, "FAIL", "stuck_pending"),
        (
            {**ROTATION_OK, "rotation_events": {"failed": [{"time": "2025-05-30T00:00:00Z", "details": {"step": "setSecret"}}], "succeeded": []}},
            "FAIL",
            "failing",
        ),
        ({**ROTATION_OK, "describe": {**ROTATING, "NextRotationDate": "2025-05-30T00:00:00Z"}}, "FAIL", "overdue"),
        ({"describe": SECRET_BAD, "rotation_function": None, "rotation_function_policy": None, "rotation_events": None}, "NOT_APPLICABLE", "not_rotating"),
    ],
)
def test_rotation_state_is_the_audits(areas: dict[str, Any], status: str, state: str) -> None:
    control = ctl.CONTROLS["SLIPWAY.SecretsManager.RotationState"]
    (r,) = ctl.evaluate(control, collected("secretsmanager", resource("s", {}, areas)), None, NOW)
    assert (r.status, r.evidence["state"]) == (status, state), r.reason


def test_rotation_state_parameters() -> None:
    control = ctl.CONTROLS["SLIPWAY.SecretsManager.RotationState"]
    off = {"describe": SECRET_BAD, "rotation_function": None, "rotation_function_policy": None, "rotation_events": None}
    (r,) = ctl.evaluate(control, collected("secretsmanager", resource("s", {}, off)), {"rotationRequired": True}, NOW)
    assert r.status == "FAIL" and "not_rotating" in r.reason
    old = {**ROTATION_OK, "rotation_events": {"failed": [{"time": "2025-05-01T00:00:00Z", "details": {}}], "succeeded": []}}
    assert ctl.evaluate(control, collected("secretsmanager", resource("s", {}, old)), None, NOW)[0].status == "PASS"
    assert ctl.evaluate(control, collected("secretsmanager", resource("s", {}, old)), {"failedEventsDays": 60}, NOW)[0].status == "FAIL"
    with pytest.raises(ctl.PreflightError):
        ctl.check_parameters({"SLIPWAY.SecretsManager.RotationState": {"maxAgeDays": 0}})


def test_ecs_controls_judge_only_their_kind_of_resource() -> None:
    ev = collected(
        "ecs",
        resource("cluster", {"kind": "cluster"}, {"cluster": {"settings": {"containerInsights": "enabled"}}}),
        resource("service", SVC, awsvpc("ENABLED")),
        resource("td", TD, {"task_definition": {"containers": [UNSAFE]}}),
    )
    judged = {cid: [(r.resource, r.status) for r in ctl.evaluate(ctl.CONTROLS[cid], ev, None, NOW)] for cid in ("ECS.2", "ECS.4", "ECS.12")}
    assert judged == {
        "ECS.2": [("arn:test:service", "FAIL")],
        "ECS.4": [("arn:test:td", "FAIL")],
        "ECS.12": [("arn:test:cluster", "PASS")],
    }


def test_ecs_2_without_awsvpc_and_ecs_8_names_no_values() -> None:
    (r,) = ctl.evaluate(ctl.CONTROLS["ECS.2"], collected("ecs", resource("s", SVC, {"service": {"networkConfiguration": None}})), None, NOW)
    assert r.status == "PASS" and "no awsvpc" in r.reason
    (r,) = ctl.evaluate(ctl.CONTROLS["ECS.8"], collected("ecs", resource("t", TD, {"task_definition": {"containers": [UNSAFE]}})), None, NOW)
    assert r.status == "FAIL" and r.evidence == {"variables": {"app": ["AWS_ACCESS_KEY_ID"]}}


def test_a_failed_sublisting_is_one_error_for_its_scope_and_kind_only() -> None:
    gap = {
        "action": "ecs:ListServices",
        "code": "AccessDenied",
        "kind": "access-denied",
        "reason": "ecs:ListServices: AccessDenied: no",
        "resource_type": "AwsEcsService",
        "scope": "arn:aws:ecs:us-east-1:123456789012:service/c1/*",
    }
    ev = collected("ecs", resource("cluster", {"kind": "cluster"}, {"cluster": {"settings": {}}}), resource("service", SVC, awsvpc("DISABLED")))
    ev["services"][0]["gaps"] = [gap]
    got = [(r.resource, r.status, r.unavailable_actions) for r in ctl.evaluate(ctl.CONTROLS["ECS.2"], ev, None, NOW)]
    assert got == [("arn:aws:ecs:us-east-1:123456789012:service/c1/*", "ERROR", ("ecs:ListServices",)), ("arn:test:service", "PASS", ())]
    assert [r.status for r in ctl.evaluate(ctl.CONTROLS["ECS.12"], ev, None, NOW)] == ["FAIL"]


def test_latest_active_revision_per_family() -> None:
    from ansible_collections.slipway.aws.plugins.module_utils.compliance.evidence import latest_active_revisions

    arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/{}"
    listed = [arn.format(x) for x in ("web:9", "web:10", "web:2", "web-api:1", "jobs:3")]
    assert latest_active_revisions(listed) == [arn.format("jobs:3"), arn.format("web-api:1"), arn.format("web:10")]


def test_iam_3_ages_active_keys_only() -> None:
    control = ctl.CONTROLS["IAM.3"]
    none = collected("iam", resource("u", {}, {"access_keys": [key("AKIAOLD", "2020-01-01T00:00:00Z", "Inactive")]}))
    (r,) = ctl.evaluate(control, none, None, NOW)
    assert r.status == "PASS" and "no active access key" in r.reason
    (r,) = ctl.evaluate(control, collected("iam", resource("u", {}, {"access_keys": [key("AKIAX", "2025-03-02T00:00:00Z")]})), None, NOW)
    assert r.status == "FAIL" and "AKIAX (91 days)" in r.reason
    (r,) = ctl.evaluate(control, collected("iam", resource("u", {}, {"access_keys": [key("AKIAX", "2025-03-03T00:00:00Z")]})), None, NOW)
    assert r.status == "PASS"


def test_s3_1_without_any_configuration_fails() -> None:
    (r,) = ctl.evaluate(ctl.CONTROLS["S3.1"], collected("s3control", resource("a", {"public_access_block": {}, "configured": False}, {})), None, NOW)
    assert r.status == "FAIL" and "no account-level" in r.reason


def test_elasticache_6_by_engine_version() -> None:
    control = ctl.CONTROLS["ElastiCache.6"]

    def judged(base: dict[str, Any], versions: list[str]) -> Any:
        members = {"member_clusters": [{"CacheClusterId": f"m{i}", "EngineVersion": v} for i, v in enumerate(versions)]}
        (r,) = ctl.evaluate(control, collected("elasticache", resource("g", base, members)), None, NOW)
        return r

    assert judged(RG_BAD, ["6.2"]).status == "PASS"
    assert judged(RG_BAD, ["7.1", "5.0.6"]).status == "FAIL"  # the lowest member version counts
    assert judged(RG_BAD, ["4.0.10"]).status == "FAIL" and "earlier than 6.0" in judged(RG_BAD, ["4.0.10"]).reason
    assert judged({**RG_BAD, "Engine": "valkey"}, ["7.2"]).status == "PASS"
    r = judged(RG_BAD, [])
    assert r.status == "ERROR" and "no member cluster" in r.reason


def test_elasticache_1_judges_standalone_redis_clusters_not_memcached() -> None:
    control = ctl.CONTROLS["ElastiCache.1"]
    ev = collected(
        "elasticache",
        resource("redis", {"kind": "cache_cluster", "Engine": "redis", "SnapshotRetentionLimit": 0}, {}),
        resource("memcached", {"kind": "cache_cluster", "Engine": "memcached", "SnapshotRetentionLimit": 0}, {}),
    )
    assert [(r.resource, r.status) for r in ctl.evaluate(control, ev, None, NOW)] == [("arn:test:redis", "FAIL")]
    assert ctl.evaluate(ctl.CONTROLS["ElastiCache.3"], ev, None, NOW) == []
    ok = collected("elasticache", resource("g", {**RG_OK, "SnapshotRetentionLimit": 3}, {}))
    assert ctl.evaluate(control, ok, {"snapshotRetentionPeriod": 7}, NOW)[0].status == "FAIL"
    assert ctl.evaluate(control, ok, None, NOW)[0].status == "PASS"


@pytest.mark.parametrize(
    ("tag", "status", "words"),
    [
        (f"{(NOW - dt.timedelta(days=1)).isoformat()} succeeded run-1", "PASS", "1 day(s) ago"),
        (f"{(NOW - dt.timedelta(days=9)).isoformat()} succeeded run-1", "FAIL", "9 days ago, more than 7"),
        (f"{(NOW - dt.timedelta(hours=3)).isoformat()} failed run-2", "FAIL", "ended failed"),
        ("2026-13-45T99:00:00Z succeeded", "ERROR", "not 'TIME STATUS RUN_ID'"),
        ("yesterday", "ERROR", "not 'TIME STATUS RUN_ID'"),
        (None, "FAIL", "no restore drill recorded"),
    ],
)
def test_restore_drill_recency(tag: str | None, status: str, words: str) -> None:
    control = ctl.CONTROLS["SLIPWAY.RDS.RestoreDrill"]
    tags = {"slipway:restore-drill": tag} if tag else {}
    (r,) = ctl.evaluate(control, collected("rds", resource("db", RDS_OK, {"tags": tags})), None, NOW)
    assert r.status == status and words in r.reason, r


def test_restore_drill_scope() -> None:
    control = ctl.CONTROLS["SLIPWAY.RDS.RestoreDrill"]
    replica = {**RDS_OK, "ReadReplicaSourceDBInstanceIdentifier": "orders"}
    no_backups = {**RDS_OK, "BackupRetentionPeriod": 0}
    ev = collected("rds", resource("r", replica, {"tags": {}}), resource("n", no_backups, {"tags": {}}))
    verdicts = [r.status for r in ctl.evaluate(control, ev, None, NOW)]
    assert verdicts == ["NOT_APPLICABLE", "NOT_APPLICABLE"]


def test_public_statements_names_only_unnarrowed_allows_for_everyone() -> None:
    allow = {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}
    policy = {
        "Statement": [
            {**allow, "Sid": "open"},
            {**allow, "Sid": "narrowed", "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:sns:*:123456789012:*"}}},
            {**allow, "Sid": "other-condition", "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
            {**allow, "Sid": "named", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}},
            {**allow, "Sid": "deny", "Effect": "Deny"},
        ]
    }
    assert ctl.public_statements(policy) == ["open", "other-condition"]
    assert ctl.public_statements(json.dumps(policy)) == ["open", "other-condition"]
    assert ctl.public_statements("{not json") == ["(the policy is not valid JSON)"]


def test_rds_instance_controls_leave_aurora_members_to_the_cluster_controls() -> None:
    member = resource("db", {"DBClusterIdentifier": "cl", "Engine": "aurora-postgresql", "Port": 5432}, {})
    got = {cid: ctl.evaluate(ctl.CONTROLS[cid], collected("rds", member), None, NOW)[0] for cid in ("RDS.5", "RDS.10", "RDS.17", "RDS.23")}
    assert {cid: r.status for cid, r in got.items()} == {"RDS.5": "NOT_APPLICABLE", "RDS.10": "NOT_APPLICABLE", "RDS.17": "NOT_APPLICABLE", "RDS.23": "FAIL"}
    assert "RDS.15" in got["RDS.5"].reason


def test_rds_9_and_rds_23_answer_for_unknown_engines_and_missing_ports() -> None:
    odd = resource("db", {"Engine": "db2-se"}, {})
    assert ctl.evaluate(ctl.CONTROLS["RDS.9"], collected("rds", odd), None, NOW)[0].status == "NOT_APPLICABLE"
    creating = resource("db", {"Engine": "postgres"}, {})
    assert ctl.evaluate(ctl.CONTROLS["RDS.23"], collected("rds", creating), None, NOW)[0].status == "ERROR"
