"""Unit cases of controls_iam.py's controls, merged into test_controls.CASES: control id -> (service,
(compliant base, compliant areas), (non-compliant base, non-compliant areas))."""

from __future__ import annotations

from typing import Any


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **more: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **more}


POLICY = {"DefaultVersionId": "v2", "AttachmentCount": 1, "PermissionsBoundaryUsageCount": 0}
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
REPORT_OK = {
    "password_enabled": "true",
    "mfa_active": "true",
    "password_last_used": "2025-05-20T10:00:00+00:00",
    "password_last_changed": "2025-01-01T00:00:00+00:00",
}
REPORT_OK |= {
    "access_key_1_active": "true",
    "access_key_1_last_rotated": "2025-02-01T00:00:00+00:00",
    "access_key_1_last_used_date": "2025-05-30T00:00:00+00:00",
}
REPORT_OK |= {"access_key_2_active": "false", "access_key_2_last_rotated": "2020-01-01T00:00:00+00:00", "access_key_2_last_used_date": "N/A"}
REPORT_BAD = {**REPORT_OK, "mfa_active": "false", "access_key_1_last_used_date": "2025-01-10T00:00:00+00:00"}
STRONG = {"MinimumPasswordLength": 14, "RequireUppercaseCharacters": True, "RequireLowercaseCharacters": True, "RequireSymbols": True, "RequireNumbers": True}
ACCOUNT_POLICY = {"PasswordReusePrevention": 24, "MaxPasswordAge": 90, "ExpirePasswords": True}
OWNER = {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}


ACCOUNT = {"kind": "account", "password_policy": None}
ROOT_DEVICE = "arn:aws:iam::123456789012:mfa/root-account-mfa-device"


def report(row: dict[str, Any]) -> dict[str, Any]:
    return {"credential_report_generation": True, "credential_report": row}


CASES: dict[str, tuple[str, tuple[dict[str, Any], dict[str, Any]], tuple[dict[str, Any], dict[str, Any]]]] = {
    "IAM.1": (
        "iam_policies",
        (POLICY, {"document": doc(allow("s3:*"), allow("*", "arn:aws:s3:::bucket"))}),
        (POLICY, {"document": doc(allow("s3:GetObject"), allow(["ec2:Describe*", "*"], ["*"]))}),
    ),
    "IAM.21": (
        "iam_policies",
        (POLICY, {"document": doc(allow("ec2:Describe*"), {"Effect": "Deny", "Action": "iam:*", "Resource": "*"})}),
        (POLICY, {"document": doc(allow(["s3:GetObject", "dynamodb:*"], "arn:aws:dynamodb:us-east-1:123456789012:table/t"))}),
    ),
    "KMS.1": (
        "iam_policies",
        (POLICY, {"document": doc(allow(["kms:Decrypt", "kms:ReEncryptFrom"], KEY), allow("kms:DescribeKey"))}),
        (POLICY, {"document": doc(allow("kms:De*", "arn:aws:kms:*:*:key/*"))}),
    ),
    "KMS.2": (
        "iam_roles",
        ({"kind": "role"}, {"inline_policies": ["use-key"], "inline_policy_documents": {"use-key": doc(allow("kms:Decrypt", KEY))}}),
        ({"kind": "role"}, {"inline_policies": ["ok", "wide"], "inline_policy_documents": {"ok": doc(allow("s3:GetObject")), "wide": doc(allow("kms:*"))}}),
    ),
    "IAM.5": ("iam", ({}, report(REPORT_OK)), ({}, report(REPORT_BAD))),
    "IAM.8": ("iam", ({}, report(REPORT_OK)), ({}, report(REPORT_BAD))),
    "IAM.19": ("iam", ({}, report({**REPORT_OK, "password_enabled": "false"})), ({}, report({**REPORT_BAD, "password_enabled": "false"}))),
    "IAM.7": (
        "iam_account",
        ({"kind": "account", "password_policy": {**STRONG, **ACCOUNT_POLICY}}, {}),
        ({"kind": "account", "password_policy": {**STRONG, "RequireSymbols": False}}, {}),
    ),
    "IAM.4": (
        "iam_account",
        (ACCOUNT, {"summary": {"AccountMFAEnabled": 1, "AccountAccessKeysPresent": 0}}),
        (ACCOUNT, {"summary": {"AccountMFAEnabled": 1, "AccountAccessKeysPresent": 1}}),
    ),
    "IAM.6": (
        "iam_account",
        (ACCOUNT, {"summary": {"AccountMFAEnabled": 1, "AccountAccessKeysPresent": 0}, "root_virtual_mfa": []}),
        (ACCOUNT, {"summary": {"AccountMFAEnabled": 1, "AccountAccessKeysPresent": 0}, "root_virtual_mfa": [ROOT_DEVICE]}),
    ),
    "IAM.9": (
        "iam_account",
        (ACCOUNT, {"summary": {"AccountMFAEnabled": 1, "AccountAccessKeysPresent": 1}}),
        (ACCOUNT, {"summary": {"AccountMFAEnabled": 0, "AccountAccessKeysPresent": 0}}),
    ),
    "KMS.5": (
        "kms",
        ({}, {"policy": doc(OWNER, {**OWNER, "Sid": "org", "Principal": {"AWS": "*"}, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}})}),
        ({}, {"policy": doc(OWNER, {**OWNER, "Sid": "everyone", "Principal": "*", "Action": "kms:Decrypt"})}),
    ),
}
