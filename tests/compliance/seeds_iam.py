"""The compliance world's resources for the later FSBP controls of IAM and KMS
(plugins/module_utils/compliance/controls_iam.py).

``seed(w)`` is called by ``tests/compliance/conftest.py``'s ``build_world`` after the first controls' resources
exist. Per control, one compliant and one non-compliant resource: ``w.expected[control] = (good_arn, bad_arn)``.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import boto3

ACCOUNT = "123456789012"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/00000000-0000-0000-0000-000000000000"


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(action: Any, resource: Any = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def _root(w: Any, account: str, **state: Any) -> None:
    body = json.dumps({"account_id": account, **state}).encode()
    req = urllib.request.Request(w.emulator.endpoint + "/_slipway/iam/root", data=body, method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200


def seed(w: Any) -> None:
    """Customer managed policies (IAM.1, IAM.21, KMS.1), roles with inline policies (KMS.2), the users cr-good and
    cr-bad of IAM.2/IAM.3 given an MFA device (good) and a console password without one (bad) (IAM.5, IAM.19; IAM.8
    reads cr-bad's 100-day-old unused key), the password policy (IAM.7: weak here, strong in OTHER_ACCOUNT), the root
    user (IAM.4, IAM.6, IAM.9: an access key and no MFA here, a hardware MFA device in OTHER_ACCOUNT) and two
    KMS keys (KMS.5: the default key policy, and one letting every principal decrypt)."""
    iam = w.client("iam")

    def policy(name: str, *statements: dict[str, Any]) -> str:
        return iam.create_policy(PolicyName=name, PolicyDocument=_doc(*statements))["Policy"]["Arn"]

    # IAM.1 / IAM.21 / KMS.1: the good policy's default version (v2) is narrow; its v1, no longer the default, allowed
    # everything (judging the wrong version flips the verdicts)
    good = policy("cr-iam-narrow", _allow("*"))
    iam.create_policy_version(PolicyArn=good, PolicyDocument=_doc(_allow(["s3:GetObject", "ec2:Describe*"]), _allow("kms:Decrypt", KEY_ARN)), SetAsDefault=True)
    w.expected["IAM.1"] = (good, policy("cr-iam-admin", _allow("*")))
    w.expected["IAM.21"] = (good, policy("cr-iam-s3-full", _allow("s3:*", "arn:aws:s3:::cr-good")))
    w.expected["KMS.1"] = (good, policy("cr-kms-decrypt-all", _allow(["kms:Decrypt", "kms:GenerateDataKey"])))

    # KMS.2: inline policies of two roles; the bad one may re-encrypt from any key
    trust = _doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})
    roles = {}
    for name, statement in (("cr-kms-good", _allow("kms:Decrypt", KEY_ARN)), ("cr-kms-bad", _allow("kms:ReEncrypt*"))):
        roles[name] = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        iam.put_role_policy(RoleName=name, PolicyName="cr-kms", PolicyDocument=_doc(statement))
    w.expected["KMS.2"] = (roles["cr-kms-good"], roles["cr-kms-bad"])
    # a group with an inline policy on one key (KMS.2 judges groups too: PASS)
    iam.create_group(GroupName="cr-kms-group")
    iam.put_group_policy(GroupName="cr-kms-group", PolicyName="cr-kms", PolicyDocument=_doc(_allow(["kms:Decrypt", "kms:ReEncryptFrom"], KEY_ARN)))
    w.arns["group-kms"] = f"arn:aws:iam::{ACCOUNT}:group/cr-kms-group"

    # IAM.5 / IAM.19: cr-good has an MFA device (and no console password); cr-bad a console password and no MFA.
    # IAM.8: cr-good's active key is new; cr-bad's active key was made 100 days old (conftest) and never used.
    users = {u["UserName"]: u["Arn"] for u in iam.list_users()["Users"]}
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="cr-good")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName="cr-good", SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321")
    iam.create_login_profile(UserName="cr-bad", Password="cr-Bad-password-0123!")
    for control in ("IAM.5", "IAM.8", "IAM.19"):
        w.expected[control] = (users["cr-good"], users["cr-bad"])

    # IAM.7 (account-wide): a weak password policy here; a strong one in OTHER_ACCOUNT (seeded with its credentials)
    iam.update_account_password_policy(MinimumPasswordLength=6, RequireNumbers=True)
    other = boto3.client(
        "iam",
        endpoint_url=w.emulator.endpoint,
        region_name="us-east-1",
        aws_access_key_id=w.other_account["access_key"],
        aws_secret_access_key=w.other_account["secret_key"],
        aws_session_token=w.other_account["session_token"],
    )
    strong = dict.fromkeys(("RequireUppercaseCharacters", "RequireLowercaseCharacters", "RequireSymbols", "RequireNumbers"), True)
    other.update_account_password_policy(MinimumPasswordLength=14, PasswordReusePrevention=24, **strong)
    other_id = boto3.client(
        "sts",
        endpoint_url=w.emulator.endpoint,
        region_name="us-east-1",
        aws_access_key_id=w.other_account["access_key"],
        aws_secret_access_key=w.other_account["secret_key"],
        aws_session_token=w.other_account["session_token"],
    ).get_caller_identity()["Account"]
    w.accounts["IAM.7"] = (f"AWS::::Account:{other_id}", f"AWS::::Account:{ACCOUNT}")

    # IAM.4 / IAM.6 / IAM.9 (the root user, set through the emulator's test-only endpoint, tools/local_aws/iam_account_ext.py):
    # here the root user has an active access key and no MFA device; in OTHER_ACCOUNT no access key and a hardware MFA
    # device (MFA enabled, no virtual device)
    _root(w, ACCOUNT, access_keys=["Active"], mfa="none")
    _root(w, other_id, access_keys=[], mfa="hardware")
    for control in ("IAM.4", "IAM.6", "IAM.9"):
        w.accounts[control] = (f"AWS::::Account:{other_id}", f"AWS::::Account:{ACCOUNT}")

    # KMS.5: the default key policy names the account; the bad key's policy lets every principal decrypt
    kms = w.client("kms")
    private = kms.create_key(Description="cr-kms-private")["KeyMetadata"]
    public = kms.create_key(Description="cr-kms-public")["KeyMetadata"]
    owner = {"Sid": "owner", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}
    everyone = {"Sid": "everyone", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"}
    kms.put_key_policy(KeyId=public["KeyId"], PolicyName="default", Policy=_doc(owner, everyone))
    w.expected["KMS.5"] = (private["Arn"], public["Arn"])
