"""The edge cases of controls_iam.py's rules (AWS Config's iam-policy-no-statements-with-admin-access,
iam-policy-no-statements-with-full-access, iam-customer-policy-blocked-kms-actions, iam-inline-policy-blocked-kms-actions,
kms-key-policy-no-public-access, iam-user-unused-credentials-check, iam-password-policy, iam-root-access-key-check,
root-account-hardware-mfa-enabled, root-account-mfa-enabled)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.compliance import controls as ctl
from ansible_collections.slipway.aws.plugins.module_utils.compliance import controls_iam as ci
from ansible_collections.slipway.aws.plugins.module_utils.compliance.evidence import is_root_device, parse_credential_report

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def judge(cid: str, service: str, base: dict[str, Any], areas: dict[str, Any], params: dict[str, Any] | None = None) -> ctl.Result:
    res = {"arn": "arn:test:x", "name": "x", "region": "us-east-1", "type": "T", "base": base, "areas": areas, "unavailable": {}}
    part = {"service": service, "region": "us-east-1", "actions": [], "listing": None, "resources": [res]}
    (r,) = ctl.evaluate(ctl.CONTROLS[cid], {"account": "123456789012", "regions": ["us-east-1"], "services": [part]}, params, NOW)
    return r


@pytest.mark.parametrize(
    ("statement", "admin"),
    [
        ({"Effect": "Allow", "Action": "*", "Resource": "*"}, True),
        ({"Effect": "Allow", "Action": ["s3:GetObject", "*"], "Resource": ["arn:aws:s3:::b", "*"]}, True),
        ({"Effect": "Deny", "Action": "*", "Resource": "*"}, False),
        ({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b"}, False),
        ({"Effect": "Allow", "Action": "iam:*", "Resource": "*"}, False),
    ],
)
def test_iam_1_needs_action_star_over_resource_star(statement: dict[str, Any], admin: bool) -> None:
    assert bool(ci.admin_statements(doc(statement))) is admin


@pytest.mark.parametrize(
    ("statement", "full"),
    [
        ({"Effect": "Allow", "Action": "ec2:*", "Resource": "arn:aws:ec2:*:*:instance/i-1"}, True),
        ({"Effect": "Allow", "Action": "*", "Resource": "*"}, True),
        ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, True),
        # every service but the one action it names: full access to the other services (and to the rest of IAM)
        ({"Effect": "Allow", "NotAction": ["iam:CreateUser"], "Resource": "*"}, True),
        ({"Effect": "Allow", "NotAction": "*", "Resource": "*"}, False),  # allows no action at all
        ({"Effect": "Allow", "Action": ["ec2:Describe*", "s3:Get*"], "Resource": "*"}, False),
        ({"Effect": "Deny", "Action": "s3:*", "Resource": "*"}, False),
        ({"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "*"}, False),
    ],
)
def test_iam_21_service_wildcards_and_not_action(statement: dict[str, Any], full: bool) -> None:
    assert bool(ci.full_service_access(doc(statement))) is full


@pytest.mark.parametrize(
    ("action", "resource", "blocked"),
    [
        ("kms:Decrypt", "*", True),
        ("kms:*", "*", True),
        ("*", "*", True),
        ("KMS:reencrypt*", "*", True),
        ("kms:Decrypt", "arn:aws:kms:*:*:key/*", True),
        ("kms:Decrypt", "arn:aws:kms:us-east-1:123456789012:key/k-1", False),
        ("kms:Decrypt", "arn:aws:kms:us-east-1:123456789012:key/*", False),
        ("kms:Encrypt", "*", False),
        ("kms:ReEncryptTo", "*", False),
    ],
)
def test_kms_blocked_actions_on_all_keys(action: str, resource: str, blocked: bool) -> None:
    assert bool(ci.blocked_kms_statements(doc({"Effect": "Allow", "Action": action, "Resource": resource}))) is blocked


def test_policy_controls_judge_the_default_version_and_skip_permission_boundaries() -> None:
    base = {"DefaultVersionId": "v3", "PermissionsBoundaryUsageCount": 0}
    admin = {"document": doc({"Effect": "Allow", "Action": "*", "Resource": "*"})}
    r = judge("IAM.1", "iam_policies", base, admin)
    assert r.status == "FAIL" and "v3" in r.reason
    r = judge("IAM.1", "iam_policies", {**base, "PermissionsBoundaryUsageCount": 2}, admin)
    assert r.status == "NOT_APPLICABLE" and "permissions boundary" in r.reason


def test_kms_2_without_inline_policies_passes_and_names_the_wide_policy() -> None:
    assert judge("KMS.2", "iam_groups", {"kind": "group"}, {"inline_policies": [], "inline_policy_documents": {}}).status == "PASS"
    wide = {"inline_policies": ["a"], "inline_policy_documents": {"a": doc({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"})}}
    r = judge("KMS.2", "iam", {}, wide)
    assert r.status == "FAIL" and "a:" in r.reason


@pytest.mark.parametrize(
    ("principal", "condition", "public"),
    [
        ("*", None, True),
        ({"AWS": "*"}, None, True),
        ({"AWS": "arn:aws:iam::*:root"}, None, True),
        ({"AWS": "*"}, {"StringEquals": {"kms:CallerAccount": "123456789012"}}, False),
        ({"AWS": "*"}, {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/x"}}, True),
        ({"AWS": "*"}, {"Bool": {"aws:SecureTransport": "true"}}, True),
        ({"AWS": "arn:aws:iam::123456789012:root"}, None, False),
        ({"Service": "logs.amazonaws.com"}, None, False),
    ],
)
def test_kms_5_fixed_principals_or_pinning_conditions(principal: Any, condition: Any, public: bool) -> None:
    st = {"Effect": "Allow", "Principal": principal, "Action": "kms:Decrypt", "Resource": "*"}
    if condition:
        st["Condition"] = condition
    assert bool(ci.public_key_statements(doc(st))) is public


def row(**fields: str) -> dict[str, Any]:
    base = {"password_enabled": "false", "mfa_active": "false", "access_key_1_active": "false", "access_key_2_active": "false"}
    return {"credential_report_generation": True, "credential_report": {**base, **fields}}


def test_iam_8_never_used_credentials_count_from_when_they_were_set() -> None:
    fresh = row(password_enabled="true", password_last_used="no_information", password_last_changed="2025-05-01T00:00:00+00:00")
    assert judge("IAM.8", "iam", {}, fresh).status == "PASS"
    stale = row(access_key_2_active="true", access_key_2_last_used_date="N/A", access_key_2_last_rotated="2025-01-01T00:00:00+00:00")
    r = judge("IAM.8", "iam", {}, stale)
    assert r.status == "FAIL" and "access key 2" in r.reason
    # an inactive key is not judged, whatever its age; the parameter moves the limit
    idle = row(access_key_1_active="false", access_key_1_last_rotated="2020-01-01T00:00:00+00:00")
    assert judge("IAM.8", "iam", {}, idle).status == "PASS"
    assert judge("IAM.8", "iam", {}, stale, {"maxCredentialUsageAge": 365}).status == "PASS"


def test_iam_5_and_iam_19() -> None:
    assert judge("IAM.5", "iam", {}, row()).status == "PASS"  # no console password
    assert judge("IAM.19", "iam", {}, row()).status == "FAIL"  # but no MFA either
    assert judge("IAM.5", "iam", {}, row(password_enabled="true")).status == "FAIL"


def test_iam_7_no_policy_fails_and_optional_parameters_apply() -> None:
    account = {"kind": "account"}
    r = judge("IAM.7", "iam_account", {**account, "password_policy": None}, {})
    assert r.status == "FAIL" and "no password policy" in r.reason
    strong = dict.fromkeys(("RequireUppercaseCharacters", "RequireLowercaseCharacters", "RequireSymbols", "RequireNumbers"), True)
    policy = {**strong, "MinimumPasswordLength": 8}
    assert judge("IAM.7", "iam_account", {**account, "password_policy": policy}, {}).status == "PASS"
    r = judge("IAM.7", "iam_account", {**account, "password_policy": policy}, {}, {"MaxPasswordAge": 90, "PasswordReusePrevention": 5})
    assert r.status == "FAIL" and "MaxPasswordAge" in r.reason and "PasswordReusePrevention" in r.reason
    short = {**policy, "MinimumPasswordLength": 7}
    assert judge("IAM.7", "iam_account", {**account, "password_policy": short}, {}).status == "FAIL"
    other = {"arn": "arn:test:y", "name": "y", "region": "us-east-1", "type": "T", "base": {"kind": "other"}, "areas": {}, "unavailable": {}}
    part = {"service": "iam_account", "region": "us-east-1", "actions": [], "listing": None, "resources": [other]}
    assert ctl.evaluate(ctl.CONTROLS["IAM.7"], {"account": "1", "regions": ["us-east-1"], "services": [part]}, None, NOW) == []


def test_credential_report_keeps_only_the_fields_controls_read() -> None:
    text = (
        "user,arn,user_creation_time,password_enabled,mfa_active,access_key_1_active,cert_1_active\n"
        "<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,true,false,false\n"
        "bob,arn:aws:iam::123456789012:user/bob,2024-01-01T00:00:00+00:00,true,false,true,false\n"
    )
    rows = parse_credential_report(text.encode())
    assert rows["arn:aws:iam::123456789012:user/bob"] == {"user": "bob", "password_enabled": "true", "mfa_active": "false", "access_key_1_active": "true"}
    assert "cert_1_active" not in rows["arn:aws:iam::123456789012:root"]


ROOT = {"kind": "account", "password_policy": None}
ROOT_DEVICE = "arn:aws:iam::123456789012:mfa/root-account-mfa-device"


@pytest.mark.parametrize(
    ("mfa", "devices", "iam_6", "iam_9"),
    [
        (0, [], "FAIL", "FAIL"),  # no MFA at all: not hardware either
        (1, [ROOT_DEVICE], "FAIL", "PASS"),  # a virtual device
        (1, [], "PASS", "PASS"),  # MFA on and no virtual device: a hardware one
    ],
)
def test_root_mfa_hardware_and_any(mfa: int, devices: list[str], iam_6: str, iam_9: str) -> None:
    summary = {"AccountMFAEnabled": mfa, "AccountAccessKeysPresent": 0}
    assert judge("IAM.6", "iam_account", ROOT, {"summary": summary, "root_virtual_mfa": devices}).status == iam_6
    assert judge("IAM.9", "iam_account", ROOT, {"summary": summary}).status == iam_9


def test_root_summary_without_the_flag_is_an_error_not_a_pass() -> None:
    assert judge("IAM.4", "iam_account", ROOT, {"summary": {"AccountMFAEnabled": 1}}).status == "ERROR"
    assert judge("IAM.9", "iam_account", ROOT, {"summary": {}}).status == "ERROR"
    assert judge("IAM.6", "iam_account", ROOT, {"summary": {}, "root_virtual_mfa": []}).status == "ERROR"


def test_root_controls_judge_the_account_only() -> None:
    other = {"arn": "arn:test:y", "name": "y", "region": "us-east-1", "type": "T", "base": {"kind": "other"}, "areas": {}, "unavailable": {}}
    part = {"service": "iam_account", "region": "us-east-1", "actions": [], "listing": None, "resources": [other]}
    for cid in ("IAM.4", "IAM.6", "IAM.9"):
        assert ctl.evaluate(ctl.CONTROLS[cid], {"account": "1", "regions": ["us-east-1"], "services": [part]}, None, NOW) == []


@pytest.mark.parametrize(
    ("device", "root"),
    [
        ({"SerialNumber": ROOT_DEVICE, "User": {"Arn": "arn:aws:iam::123456789012:root", "UserId": "123456789012"}}, True),
        ({"SerialNumber": "arn:aws:iam::123456789012:mfa/custom", "User": {"Arn": "arn:aws-cn:iam::123456789012:root"}}, True),
        ({"SerialNumber": ROOT_DEVICE}, True),  # no user answered: AWS's serial for the root device
        ({"SerialNumber": "arn:aws:iam::123456789012:mfa/bob", "User": {"Arn": "arn:aws:iam::123456789012:user/bob"}}, False),
        ({"SerialNumber": "arn:aws:iam::123456789012:mfa/root", "User": {"Arn": "arn:aws:iam::123456789012:user/root"}}, False),
    ],
)
def test_the_root_users_virtual_device_is_told_by_its_user(device: dict[str, Any], root: bool) -> None:
    assert is_root_device(device) is root
