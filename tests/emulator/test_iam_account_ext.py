"""The account root user as IAM's read APIs show it (tools/local_aws/iam_account_ext.py): the credential report's
``<root_account>`` row, GetAccountSummary's AccountMFAEnabled / AccountAccessKeysPresent and the root user's virtual MFA
device in ListVirtualMFADevices, set per account through ``/_slipway/iam/root``."""

from __future__ import annotations

import csv
import io
import json
import time
import urllib.error
import urllib.request
from typing import Any

import boto3
import pytest
from ansible_collections.slipway.aws.plugins.module_utils.compliance.evidence import is_root_device

from .conftest import Emulator

ACCOUNT = "123456789012"
OTHER = "222233334444"


def root(emulator: Emulator, **body: Any) -> dict[str, Any]:
    req = urllib.request.Request(emulator.endpoint + "/_slipway/iam/root", data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def report(iam: Any) -> dict[str, dict[str, str]]:
    for _attempt in range(20):
        if iam.generate_credential_report()["State"] == "COMPLETE":
            break
        time.sleep(0.1)
    content = iam.get_credential_report()["Content"].decode()
    return {row["user"]: row for row in csv.DictReader(io.StringIO(content))}


def summary(iam: Any) -> dict[str, int]:
    got = iam.get_account_summary()["SummaryMap"]
    return {k: got[k] for k in ("AccountMFAEnabled", "AccountAccessKeysPresent")}


def other_iam(emulator: Emulator) -> Any:
    creds = emulator.client("sts").assume_role(RoleArn=f"arn:aws:iam::{OTHER}:role/probe", RoleSessionName="probe")["Credentials"]
    return boto3.client(
        "iam",
        endpoint_url=emulator.endpoint,
        region_name="us-east-1",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def test_until_set_the_root_user_has_no_key_and_no_mfa_and_its_row_leads_the_report(emulator: Emulator) -> None:
    iam = emulator.client("iam")
    iam.create_user(UserName="probe-user")
    rows = report(iam)
    first = next(iter(rows))
    assert first == "<root_account>"
    row = rows["<root_account>"]
    assert row["arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert (row["password_enabled"], row["password_last_changed"], row["password_next_rotation"]) == ("not_supported",) * 3
    assert (row["mfa_active"], row["access_key_1_active"], row["access_key_2_active"]) == ("false", "false", "false")
    assert row["access_key_1_last_rotated"] == "N/A"
    assert rows["probe-user"]["arn"] == f"arn:aws:iam::{ACCOUNT}:user/probe-user"
    assert summary(iam) == {"AccountMFAEnabled": 0, "AccountAccessKeysPresent": 0}


def test_root_access_keys_show_in_the_summary_and_the_report(emulator: Emulator) -> None:
    iam = emulator.client("iam")
    got = root(emulator, account_id=ACCOUNT, access_keys=["Inactive", "Active"])
    assert [k["status"] for k in got["access_keys"]] == ["Inactive", "Active"]
    assert summary(iam)["AccountAccessKeysPresent"] == 1  # a key exists, active or not
    row = report(iam)["<root_account>"]
    assert (row["access_key_1_active"], row["access_key_2_active"]) == ("false", "true")
    assert row["access_key_1_last_rotated"][:4].isdigit() and row["access_key_2_last_rotated"][:4].isdigit()
    root(emulator, account_id=ACCOUNT, access_keys=[])
    assert summary(iam)["AccountAccessKeysPresent"] == 0
    assert report(iam)["<root_account>"]["access_key_2_active"] == "false"


def test_a_virtual_root_device_is_listed_and_a_hardware_one_is_not(emulator: Emulator) -> None:
    iam = emulator.client("iam")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="probe-spare")["VirtualMFADevice"]["SerialNumber"]
    root(emulator, account_id=ACCOUNT, mfa="virtual")
    assert summary(iam)["AccountMFAEnabled"] == 1
    assert report(iam)["<root_account>"]["mfa_active"] == "true"
    assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    device = next(d for d in assigned if d["SerialNumber"] == f"arn:aws:iam::{ACCOUNT}:mfa/root-account-mfa-device")
    assert device["User"]["Arn"] == f"arn:aws:iam::{ACCOUNT}:root" and device["User"]["UserId"] == ACCOUNT
    assert "EnableDate" in device and "Base32StringSeed" not in device
    # the compliance collector's filter (IAM.6) tells the root user's device from a user's
    iam.create_user(UserName="probe-mfa-user")
    user_serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="probe-mfa-user")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName="probe-mfa-user", SerialNumber=user_serial, AuthenticationCode1="123456", AuthenticationCode2="654321")
    assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    assert user_serial in [d["SerialNumber"] for d in assigned]
    assert [d["SerialNumber"] for d in assigned if is_root_device(d)] == [device["SerialNumber"]]
    unassigned = [d["SerialNumber"] for d in iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]]
    assert serial in unassigned and device["SerialNumber"] not in unassigned
    # paging walks the root device and the others once each
    seen, marker = [], None
    while True:
        page = iam.list_virtual_mfa_devices(MaxItems=1, **({"Marker": marker} if marker else {}))
        seen += [d["SerialNumber"] for d in page["VirtualMFADevices"]]
        if not page.get("IsTruncated"):
            break
        marker = page["Marker"]
    everything = [d["SerialNumber"] for d in iam.list_virtual_mfa_devices()["VirtualMFADevices"]]
    assert sorted(seen) == sorted(everything) and {device["SerialNumber"], serial} <= set(seen)

    root(emulator, account_id=ACCOUNT, mfa="hardware")
    assert summary(iam)["AccountMFAEnabled"] == 1
    listed = [d["SerialNumber"] for d in iam.list_virtual_mfa_devices()["VirtualMFADevices"]]
    assert device["SerialNumber"] not in listed
    root(emulator, account_id=ACCOUNT, mfa="none")
    assert summary(iam)["AccountMFAEnabled"] == 0
    assert report(iam)["<root_account>"]["mfa_active"] == "false"


def test_each_account_has_its_own_root_user(emulator: Emulator) -> None:
    root(emulator, account_id=ACCOUNT, access_keys=["Active"], mfa="none")
    root(emulator, account_id=OTHER, access_keys=[], mfa="hardware")
    other = other_iam(emulator)
    assert summary(other) == {"AccountMFAEnabled": 1, "AccountAccessKeysPresent": 0}
    row = report(other)["<root_account>"]
    assert row["arn"] == f"arn:aws:iam::{OTHER}:root" and row["mfa_active"] == "true"
    assert summary(emulator.client("iam")) == {"AccountMFAEnabled": 0, "AccountAccessKeysPresent": 1}
    root(emulator, account_id=ACCOUNT, access_keys=[])


@pytest.mark.parametrize(
    "body",
    [
        {"account_id": "12345"},
        {"account_id": ACCOUNT, "mfa": "sms"},
        {"account_id": ACCOUNT, "access_keys": ["Active"] * 3},
        {"account_id": ACCOUNT, "access_keys": "Active"},
    ],
)
def test_bad_requests_are_refused(emulator: Emulator, body: dict[str, Any]) -> None:
    with pytest.raises(urllib.error.HTTPError) as err:
        root(emulator, **body)
    assert err.value.code == 400


def test_the_state_can_be_read_back(emulator: Emulator) -> None:
    root(emulator, account_id=ACCOUNT, mfa="virtual", access_keys=["Active"])
    with urllib.request.urlopen(f"{emulator.endpoint}/_slipway/iam/root?account_id={ACCOUNT}", timeout=10) as resp:
        got = json.loads(resp.read())
    assert got["mfa"] == "virtual" and [k["status"] for k in got["access_keys"]] == ["Active"]
    assert got["arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    root(emulator, account_id=ACCOUNT, mfa="none", access_keys=[])
