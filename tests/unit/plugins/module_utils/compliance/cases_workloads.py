"""Unit cases of controls_workloads.py's controls, merged into test_controls.CASES: control id -> (service,
(compliant base, compliant areas), (non-compliant base, non-compliant areas))."""

from __future__ import annotations

from typing import Any

TD = {"kind": "task_definition"}
SVC = {"kind": "service"}
APP = {"name": "app", "privileged": False, "readonlyRootFilesystem": True, "environment_names": [], "user": "1000", "log_driver": "awslogs"}
SIDECAR = {"name": "sidecar", "privileged": False, "readonlyRootFilesystem": True, "environment_names": [], "user": None, "log_driver": None}


def td(containers: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {"task_definition": {"status": "ACTIVE", "networkMode": "awsvpc", "pidMode": None, "containers": containers, **fields}}


def svc(**fields: Any) -> dict[str, Any]:
    return {"service": {"status": "ACTIVE", "launchType": "FARGATE", "networkConfiguration": None, **fields}}


KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
GROUP = {"kind": "replication_group", "Engine": "redis"}
TAGGED = {"tags": {"Project": "slipway", "aws:cloudformation:stack-name": "s"}}
SYSTEM_ONLY = {"tags": {"aws:cloudformation:stack-name": "s"}}

CASES: dict[str, tuple[str, tuple[dict[str, Any], dict[str, Any]], tuple[dict[str, Any], dict[str, Any]]]] = {
    "ECS.1": ("ecs", (TD, td([APP], networkMode="host")), (TD, td([APP, SIDECAR], networkMode="host"))),
    "ECS.3": ("ecs", (TD, td([APP], pidMode="task")), (TD, td([APP], pidMode="host"))),
    "ECS.9": ("ecs", (TD, td([APP])), (TD, td([APP, SIDECAR]))),
    "ECS.10": ("ecs", (SVC, svc(platformVersion="LATEST")), (SVC, svc(platformVersion="1.3.0"))),
    "ECR.5": (
        "ecr",
        ({"encryption": {"encryptionType": "KMS", "kmsKey": KEY_ARN}}, {"kms_key": {"arn": KEY_ARN, "manager": "CUSTOMER", "state": "Enabled"}}),
        ({"encryption": {"encryptionType": "KMS", "kmsKey": KEY_ARN}}, {"kms_key": {"arn": KEY_ARN, "manager": "AWS", "state": "Enabled"}}),
    ),
    "ElastiCache.2": ("elasticache", ({**GROUP, "AutoMinorVersionUpgrade": True}, {}), ({**GROUP, "AutoMinorVersionUpgrade": False}, {})),
    "SecretsManager.3": (
        "secretsmanager",
        ({"CreatedDate": "2024-01-01T00:00:00Z", "LastAccessedDate": "2025-05-20T00:00:00Z"}, {}),
        ({"CreatedDate": "2024-01-01T00:00:00Z", "LastAccessedDate": "2025-02-01T00:00:00Z"}, {}),
    ),
    "SecretsManager.5": ("secretsmanager", ({}, TAGGED), ({}, SYSTEM_ONLY)),
    "SQS.2": ("sqs", ({}, TAGGED), ({}, {"tags": {}})),
    "SNS.3": ("sns", ({}, TAGGED), ({}, SYSTEM_ONLY)),
    "DynamoDB.5": ("dynamodb", ({}, TAGGED), ({}, {"tags": {}})),
    "DynamoDB.6": ("dynamodb", ({}, {"table": {"DeletionProtectionEnabled": True}}), ({}, {"table": {"DeletionProtectionEnabled": False}})),
}
