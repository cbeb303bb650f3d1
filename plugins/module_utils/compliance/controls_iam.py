# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The later FSBP controls of IAM and KMS: data plus one small pure function each (see controls.py).

Its CATALOGUE joins controls.py's in ``controls.catalogue()`` (``controls.CONTROLS``), which imports this module on first use.

Evidence: the ``iam`` collector's users (with their credential report row and inline policy documents), and the
global collectors ``iam_policies`` (customer managed policies and their default version), ``iam_roles`` and
``iam_groups`` (with their inline policies) and ``iam_account`` (the password policy, the root user's flags of the
account summary and its virtual MFA devices); ``kms``' keys with their key policy. IAM.2 and IAM.3 (controls.py)
judge the ``iam`` service's users only, as before.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.compliance.controls import FSBP, NIST, SKIP, Control, Verdict, View, _as_list, _c, _fail, _pass

_FSBP_NIST = (FSBP, NIST)
# KMS.1 / KMS.2: the actions Security Hub blocks on all keys (blockedActionsPatterns, not customizable)
KMS_BLOCKED_ACTIONS = ("kms:ReEncryptFrom", "kms:Decrypt")


# ------------------------------------------------------------------ policy statements
def _statements(document: Any) -> list[dict[str, Any]]:
    return [st for st in _as_list((document or {}).get("Statement") if isinstance(document, dict) else None) if isinstance(st, dict)]


def _allows(st: dict[str, Any]) -> bool:
    return st.get("Effect") == "Allow"


def _name(st: dict[str, Any], index: int) -> str:
    return str(st.get("Sid") or f"statement {index + 1}")


def action_covers(pattern: str, action: str) -> bool:
    """Whether an IAM action pattern (``*``, ``kms:*``, ``kms:De*``, case-insensitive) covers ``action``."""
    return fnmatch.fnmatchcase(action.lower(), str(pattern).lower())


def admin_statements(document: Any) -> list[str]:
    """IAM.1: Allow statements with Action ``*`` over Resource ``*`` (iam-policy-no-statements-with-admin-access)."""
    return [
        _name(st, i) for i, st in enumerate(_statements(document)) if _allows(st) and "*" in _as_list(st.get("Action")) and "*" in _as_list(st.get("Resource"))
    ]


def full_service_access(document: Any) -> list[str]:
    """IAM.21 (iam-policy-no-statements-with-full-access: NON_COMPLIANT when a policy allows full access to at least one
    service): Allow statements granting every action of a service (``svc:*``, or ``*``), and Allow statements with
    NotAction (Security Hub's IAM.21 page: "Effect": "Allow" with "NotAction" fails too; it allows every action of
    every service it does not name). ``svc:Describe*`` is not full access, nor is an Allow with NotAction ``*`` (it
    allows nothing)."""
    out = []
    for i, st in enumerate(_statements(document)):
        if not _allows(st):
            continue
        wild = [a for a in _as_list(st.get("Action")) if str(a) == "*" or str(a).endswith(":*")]
        if wild:
            out.append(f"{_name(st, i)} ({', '.join(map(str, wild))})")
        elif st.get("NotAction") is not None and "*" not in map(str, _as_list(st.get("NotAction"))):
            out.append(f"{_name(st, i)} (Allow with NotAction)")
    return out


def _all_keys(resource: Any) -> bool:
    """A Resource naming every KMS key: ``*``, or a KMS ARN wildcard over any region, account and key."""
    text = str(resource)
    if text == "*":
        return True
    probes = ("arn:aws:kms:us-east-1:111111111111:key/0a1b", "arn:aws:kms:eu-west-3:222222222222:key/9z8y")
    return text.lower().startswith("arn:aws:kms:") and all(fnmatch.fnmatchcase(p, text.lower()) for p in probes)


def blocked_kms_statements(document: Any, blocked: tuple[str, ...] = KMS_BLOCKED_ACTIONS) -> list[str]:
    """KMS.1 / KMS.2: Allow statements letting a blocked action (matched through wildcards) act on all KMS keys."""
    out = []
    for i, st in enumerate(_statements(document)):
        if not _allows(st) or not any(_all_keys(r) for r in _as_list(st.get("Resource"))):
            continue
        hit = sorted({b for b in blocked for a in _as_list(st.get("Action")) if action_covers(str(a), b)})
        if hit:
            out.append(f"{_name(st, i)} ({', '.join(hit)} on all keys)")
    return out


def _policy_scope(base: dict[str, Any]) -> Any:
    """excludePermissionBoundaryPolicy (true, fixed by Security Hub): a policy used as a permissions boundary is not judged."""
    if int(base.get("PermissionsBoundaryUsageCount") or 0) > 0:
        return "used as a permissions boundary (excludePermissionBoundaryPolicy)"
    return None


def _policy_verdict(v: View, found: list[str], what: str) -> Verdict:
    version = v.base.get("DefaultVersionId")
    if found:
        return _fail(f"the default version ({version}) {what}: {'; '.join(found)}", statements=found, version=version)
    return _pass(f"no statement of the default version ({version}) {what}", statements=[], version=version)


def iam_1(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return _policy_verdict(v, admin_statements(v["document"]), "allows Action * on Resource *")


def iam_21(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return _policy_verdict(v, full_service_access(v["document"]), "allows every action of a service")


def kms_1(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return _policy_verdict(v, blocked_kms_statements(v["document"]), "allows kms:Decrypt or kms:ReEncryptFrom on all KMS keys")


def kms_2(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    documents = v["inline_policy_documents"] or {}
    names = list(v["inline_policies"] or [])
    if not names:
        return _pass("no inline policy", inline=[])
    found = {name: hits for name in names if (hits := blocked_kms_statements(documents.get(name)))}
    if found:
        text = "; ".join(f"{name}: {', '.join(hits)}" for name, hits in sorted(found.items()))
        return _fail(f"inline policy allows decryption on all KMS keys: {text}", inline=names, statements=found)
    return _pass(f"no inline policy ({', '.join(names)}) allows kms:Decrypt or kms:ReEncryptFrom on all KMS keys", inline=names)


# ------------------------------------------------------------------ KMS key policies
def _wildcard(value: Any) -> bool:
    return any("*" in str(x) or "?" in str(x) or "${" in str(x) for x in _as_list(value))


def public_key_statements(policy: Any) -> list[str]:
    """KMS.5 (kms-key-policy-no-public-access): Allow statements whose principal is not a fixed value (``*`` or any
    wildcard, in ``AWS`` or the bare ``*``), unless a condition pins the caller with a fixed value. Service principals
    (``Service``) name an AWS service, not a public caller."""
    found = []
    for i, st in enumerate(_statements(policy)):
        if not _allows(st):
            continue
        principal = st.get("Principal")
        aws = principal if principal == "*" else (principal or {}).get("AWS") if isinstance(principal, dict) else None
        if aws is None or not _wildcard(aws):
            continue
        pinned = [
            k
            for op, cond in (st.get("Condition") or {}).items()
            if isinstance(cond, dict) and not str(op).startswith("Null")
            for k, value in cond.items()
            if str(k).lower() in _PINNING_KEYS and not _wildcard(value)
        ]
        if not pinned:
            found.append(_name(st, i))
    return found


# condition keys that tie a wildcard principal of a key policy to known callers
_PINNING_KEYS = frozenset(
    k.lower()
    for k in (
        "kms:CallerAccount",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:PrincipalOrgID",
        "aws:SourceAccount",
        "aws:SourceArn",
        "aws:SourceOwner",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:userid",
        "aws:username",
        "kms:ViaService",
    )
)


def kms_5(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    found = public_key_statements(v["policy"])
    if found:
        return _fail(f"the key policy allows a wildcard principal with no fixed narrowing condition: {', '.join(found)}", public_statements=found)
    return _pass("every Allow statement of the key policy names fixed principals (or pins them with a condition)", public_statements=[])


# ------------------------------------------------------------------ users: the credential report
def _date(value: Any) -> dt.datetime | None:
    """A credential report date (ISO 8601); None for N/A, no_information, not_supported and the like."""
    text = str(value or "")
    if not text[:4].isdigit():
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _yes(value: Any) -> bool:
    return str(value).lower() == "true"


def iam_5(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    row = v["credential_report"] or {}
    if not _yes(row.get("password_enabled")):
        return _pass("the user has no console password", password_enabled=False)
    if _yes(row.get("mfa_active")):
        return _pass("the user has a console password and an MFA device", password_enabled=True, mfa_active=True)
    return _fail("the user has a console password and no MFA device", password_enabled=True, mfa_active=False)


def iam_19(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    row = v["credential_report"] or {}
    on = _yes(row.get("mfa_active"))
    return (_pass if on else _fail)(f"MFA is {'enabled' if on else 'not enabled'} for the user", mfa_active=on)


def credential_ages(row: dict[str, Any], now: dt.datetime) -> dict[str, int]:
    """IAM.8: each credential in use (a console password, an active access key) by the days since it was last used;
    one never used counts from when it was set (the password's last change, the key's creation)."""
    ages = {}
    creds = [("password", "password_enabled", "password_last_used", "password_last_changed")]
    creds += [(f"access key {n}", f"access_key_{n}_active", f"access_key_{n}_last_used_date", f"access_key_{n}_last_rotated") for n in (1, 2)]
    for label, enabled, used, since in creds:
        if not _yes(row.get(enabled)):
            continue
        moment = _date(row.get(used)) or _date(row.get(since))
        if moment is not None:
            ages[label] = (now - moment).days
    return ages


def iam_8(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    days = int(p["maxCredentialUsageAge"])
    ages = credential_ages(v["credential_report"] or {}, ctx["now"])
    stale = {k: d for k, d in ages.items() if d >= days}
    if stale:
        text = ", ".join(f"{k} ({d} days)" for k, d in sorted(stale.items()))
        return _fail(f"credentials unused for {days} days or more: {text}", unused_days=stale)
    if not ages:
        return _pass("the user has no console password and no active access key")
    return _pass(f"every password and active access key was used within {days} days", days_since_use=ages)


# ------------------------------------------------------------------ the account's password policy
def iam_7(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    policy = v.base.get("password_policy")
    if policy is None:
        return _fail("no password policy is set for the account (IAM's defaults apply)", password_policy=None)
    weak = [k for k in ("RequireUppercaseCharacters", "RequireLowercaseCharacters", "RequireSymbols", "RequireNumbers") if _yes(p.get(k)) and not policy.get(k)]
    length = int(policy.get("MinimumPasswordLength") or 0)
    if length < int(p["MinimumPasswordLength"]):
        weak.append(f"MinimumPasswordLength {length} < {p['MinimumPasswordLength']}")
    if p.get("PasswordReusePrevention") is not None and int(policy.get("PasswordReusePrevention") or 0) < int(p["PasswordReusePrevention"]):
        weak.append(f"PasswordReusePrevention {policy.get('PasswordReusePrevention') or 0} < {p['PasswordReusePrevention']}")
    if p.get("MaxPasswordAge") is not None:
        age = policy.get("MaxPasswordAge") if policy.get("ExpirePasswords", policy.get("MaxPasswordAge") is not None) else None
        if age is None or int(age) > int(p["MaxPasswordAge"]):
            weak.append(f"MaxPasswordAge {age or 'none (passwords never expire)'} > {p['MaxPasswordAge']}")
    keys = ("MinimumPasswordLength", "RequireUppercaseCharacters", "RequireLowercaseCharacters", "RequireSymbols", "RequireNumbers")
    shown = {k: policy.get(k) for k in (*keys, "PasswordReusePrevention", "MaxPasswordAge") if k in policy}
    if weak:
        return _fail(f"the password policy is weaker than required: {', '.join(weak)}", password_policy=shown)
    return _pass("the password policy meets every required setting", password_policy=shown)


def _account_only(base: dict[str, Any]) -> Any:
    return None if base.get("kind") == "account" else SKIP


# ------------------------------------------------------------------ the account's root user
def _summary_flag(v: View, key: str) -> int | None:
    value = (v["summary"] or {}).get(key)
    return None if value is None else int(value)


def iam_4(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    """iam-root-access-key-check: an access key of the root user, active or not, is non-compliant
    (GetAccountSummary's AccountAccessKeysPresent)."""
    present = _summary_flag(v, "AccountAccessKeysPresent")
    if present is None:
        return "ERROR", "could not evaluate: iam:GetAccountSummary answered no AccountAccessKeysPresent (AWS always answers it)", {}
    if present:
        return _fail("the root user has an access key (active or inactive)", account_access_keys_present=present)
    return _pass("the root user has no access key", account_access_keys_present=present)


def iam_6(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    """root-account-hardware-mfa-enabled: the root user has an MFA device (AccountMFAEnabled) and none of its MFA
    devices is a virtual one (no root device in ListVirtualMFADevices)."""
    enabled = _summary_flag(v, "AccountMFAEnabled")
    virtual = list(v["root_virtual_mfa"] or [])
    if enabled is None:
        return "ERROR", "could not evaluate: iam:GetAccountSummary answered no AccountMFAEnabled (AWS always answers it)", {}
    if not enabled:
        return _fail("the root user has no MFA device", account_mfa_enabled=enabled, root_virtual_mfa=virtual)
    if virtual:
        text = f"the root user's MFA is a virtual device ({', '.join(virtual)}), not a hardware one"
        return _fail(text, account_mfa_enabled=enabled, root_virtual_mfa=virtual)
    return _pass("the root user's MFA is a hardware device (MFA enabled, no virtual device)", account_mfa_enabled=enabled, root_virtual_mfa=[])


def iam_9(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    """root-account-mfa-enabled: the root user has an MFA device (AccountMFAEnabled), virtual or hardware."""
    enabled = _summary_flag(v, "AccountMFAEnabled")
    if enabled is None:
        return "ERROR", "could not evaluate: iam:GetAccountSummary answered no AccountMFAEnabled (AWS always answers it)", {}
    if enabled:
        return _pass("the root user has an MFA device", account_mfa_enabled=enabled)
    return _fail("the root user has no MFA device", account_mfa_enabled=enabled)


_POLICY = "AwsIamPolicy"
_REPORT = ("credential_report_generation", "credential_report")
_INLINE = ("inline_policies", "inline_policy_documents")

CATALOGUE: list[Control] = [
    _c(
        "IAM.1",
        'IAM policies should not allow full "*" administrative privileges',
        "HIGH",
        ("iam_policies",),
        _POLICY,
        "Replace the Allow of Action * on Resource * with the actions and resources the policy's users need (create a new default version).",
        iam_1,
        needs=("document",),
        frameworks=_FSBP_NIST,
        scope=_policy_scope,
    ),
    _c(
        "IAM.21",
        "IAM customer managed policies that you create should not allow wildcard actions for services",
        "LOW",
        ("iam_policies",),
        _POLICY,
        "Name the actions each statement needs instead of service:* (a prefix wildcard such as ec2:Describe* is fine); avoid Allow with NotAction.",
        iam_21,
        needs=("document",),
        frameworks=_FSBP_NIST,
        scope=_policy_scope,
    ),
    _c(
        "KMS.1",
        "IAM customer managed policies should not allow decryption actions on all KMS keys",
        "MEDIUM",
        ("iam_policies",),
        _POLICY,
        "Allow kms:Decrypt and kms:ReEncryptFrom only on the ARNs of the keys the principals need, not Resource *.",
        kms_1,
        needs=("document",),
        frameworks=_FSBP_NIST,
        scope=_policy_scope,
    ),
    _c(
        "KMS.2",
        "IAM principals should not have IAM inline policies that allow decryption actions on all KMS keys",
        "MEDIUM",
        ("iam", "iam_roles", "iam_groups"),
        "AwsIamUser",
        "In the inline policy, allow kms:Decrypt and kms:ReEncryptFrom only on the ARNs of the keys the principal needs.",
        kms_2,
        needs=_INLINE,
        frameworks=_FSBP_NIST,
        other_types=("AwsIamRole", "AwsIamGroup"),
    ),
    _c(
        "IAM.5",
        "MFA should be enabled for all IAM users that have a console password",
        "MEDIUM",
        ("iam",),
        "AwsIamUser",
        "Assign an MFA device to the user (or remove its console password if it does not sign in to the console).",
        iam_5,
        needs=_REPORT,
        frameworks=_FSBP_NIST,
    ),
    _c(
        "IAM.8",
        "Unused IAM user credentials should be removed",
        "MEDIUM",
        ("iam",),
        "AwsIamUser",
        "Deactivate or delete access keys and console passwords not used within maxCredentialUsageAge days.",
        iam_8,
        needs=_REPORT,
        params={"maxCredentialUsageAge": 90},
        frameworks=_FSBP_NIST,
    ),
    _c(
        "IAM.19",
        "MFA should be enabled for all IAM users",
        "MEDIUM",
        ("iam",),
        "AwsIamUser",
        "Assign an MFA device to the user.",
        iam_19,
        needs=_REPORT,
        frameworks=(NIST,),  # in Security Hub's NIST SP 800-53 Rev. 5 (and PCI DSS) standards, not FSBP
    ),
    _c(
        "IAM.7",
        "Password policies for IAM users should have strong configurations",
        "MEDIUM",
        ("iam_account",),
        "AwsAccount",
        "Set the account password policy (aws_iam_account_password_policy) to require upper and lower case letters, numbers and "
        "symbols and at least MinimumPasswordLength characters.",
        iam_7,
        params={
            "RequireUppercaseCharacters": True,
            "RequireLowercaseCharacters": True,
            "RequireSymbols": True,
            "RequireNumbers": True,
            "MinimumPasswordLength": 8,
            "PasswordReusePrevention": None,
            "MaxPasswordAge": None,
        },
        frameworks=_FSBP_NIST,
        scope=_account_only,
    ),
    _c(
        "IAM.4",
        "IAM root user access key should not exist",
        "CRITICAL",
        ("iam_account",),
        "AwsAccount",
        "Sign in as the root user and delete its access keys (Security credentials); use IAM roles or users for programmatic access.",
        iam_4,
        needs=("summary",),
        frameworks=_FSBP_NIST,
        scope=_account_only,
    ),
    _c(
        "IAM.6",
        "Hardware MFA should be enabled for the root user",
        "CRITICAL",
        ("iam_account",),
        "AwsAccount",
        "Sign in as the root user and assign it a hardware MFA device (a FIDO security key or hardware TOTP token); remove its virtual MFA device.",
        iam_6,
        needs=("summary", "root_virtual_mfa"),
        frameworks=_FSBP_NIST,
        scope=_account_only,
    ),
    _c(
        "IAM.9",
        "Virtual MFA should be enabled for the root user",
        "CRITICAL",
        ("iam_account",),
        "AwsAccount",
        "Sign in as the root user and assign it an MFA device.",
        iam_9,
        needs=("summary",),
        frameworks=(NIST,),  # in Security Hub's CIS, NIST SP 800-53 Rev. 5 and PCI DSS standards, not FSBP
        scope=_account_only,
    ),
    _c(
        "KMS.5",
        "KMS keys should not be publicly accessible",
        "CRITICAL",
        ("kms",),
        "AwsKmsKey",
        "Name the principals in the key policy (account root or role ARNs), or pin a wildcard principal with kms:CallerAccount / aws:PrincipalOrgID.",
        kms_5,
        needs=("policy",),
    ),
]
