"""The AWS account root user, as IAM's read APIs show it (see docs/emulator.md, "IAM root user").

moto has no root user: its credential report has no ``<root_account>`` row, and ``GetAccountSummary`` answers 0 for
``AccountMFAEnabled`` and ``AccountAccessKeysPresent`` always; no API can give the root user an access key or an MFA
device (AWS neither: only the root user itself, signed in, can). This module keeps, per account, the root user's
credential state and shows it where AWS does:

- the credential report's first row, user ``<root_account>``, ARN ``arn:aws:iam::ACCOUNT:root`` (IAM user guide,
  "Generate credential reports": ``password_enabled``, ``password_last_changed`` and ``password_next_rotation`` are
  ``not_supported`` for the root user; ``password_last_used`` is ``no_information`` for a password never used;
  ``mfa_active``; each access key's active flag and creation date, ``N/A`` when there is none);
- ``GetAccountSummary``'s ``AccountMFAEnabled`` (1 when the root user has an MFA device) and
  ``AccountAccessKeysPresent`` (1 when the root user has an access key, active or not) (IAM API reference,
  GetAccountSummary);
- ``ListVirtualMFADevices``: a root user's virtual device, serial ``arn:aws:iam::ACCOUNT:mfa/root-account-mfa-device``,
  assigned (an ``EnableDate``) to the root user (``User.Arn`` the root ARN, ``User.UserId`` the account id). A hardware
  device is not a virtual one: it is not listed there.

Test-only control endpoint (uncounted): ``POST /_slipway/iam/root`` with ``{"account_id": "123456789012",
"access_keys": ["Active", "Inactive"], "mfa": "none" | "virtual" | "hardware"}`` (each key optional: what is not given
is left as it was) answers the account's root state; ``GET /_slipway/iam/root?account_id=…`` answers it. Until set,
an account's root user has no access key and no MFA device (moto's answers so far).
"""

from __future__ import annotations

import datetime as dt
import threading
import urllib.parse
from typing import Any

from .routes import json_answer, mount, read_json

PATH = "/_slipway/iam/root"
MFA_KINDS = ("none", "virtual", "hardware")
KEY_STATUSES = ("Active", "Inactive")
DATE = "%Y-%m-%dT%H:%M:%S+00:00"
_STATE: dict[str, dict[str, Any]] = {}
_LOCK = threading.Lock()
_INSTALLED = False


def state(account_id: str) -> dict[str, Any]:
    """The root user's state in an account (created on first use: no keys, no MFA)."""
    with _LOCK:
        if account_id not in _STATE:
            now = dt.datetime.now(dt.UTC).replace(microsecond=0)
            _STATE[account_id] = {"created": now, "access_keys": [], "mfa": "none", "mfa_enabled": None}
        return _STATE[account_id]


def describe(account_id: str) -> dict[str, Any]:
    st = state(account_id)
    keys = [{"status": k["status"], "created": k["created"].strftime(DATE)} for k in st["access_keys"]]
    return {"account_id": account_id, "arn": root_arn(account_id), "access_keys": keys, "mfa": st["mfa"]}


def root_arn(account_id: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account_id}:root"


def update(account_id: str, body: dict[str, Any]) -> None:
    keys = body.get("access_keys")
    if keys is not None and (not isinstance(keys, list) or len(keys) > 2 or any(k not in KEY_STATUSES for k in keys)):
        raise ValueError(f"access_keys must be a list of at most two of {KEY_STATUSES}, got {keys!r}")
    mfa = body.get("mfa")
    if mfa is not None and mfa not in MFA_KINDS:
        raise ValueError(f"mfa must be one of {MFA_KINDS}, got {mfa!r}")
    st = state(account_id)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with _LOCK:
        if keys is not None:
            st["access_keys"] = [{"status": status, "created": now} for status in keys]
        if mfa is not None and mfa != st["mfa"]:
            st["mfa"], st["mfa_enabled"] = mfa, (now if mfa != "none" else None)


def report_row(account_id: str, partition: str = "aws") -> str:
    """The credential report's ``<root_account>`` row (the columns of moto's header, in its order)."""
    st = state(account_id)
    keys = [*st["access_keys"], None, None]
    cols = ["<root_account>", root_arn(account_id, partition), st["created"].strftime(DATE)]
    cols += ["not_supported", "no_information", "not_supported", "not_supported", "true" if st["mfa"] != "none" else "false"]
    for key in keys[:2]:
        if key is None:
            cols += ["false", "N/A", "N/A", "N/A", "N/A"]
        else:
            cols += ["true" if key["status"] == "Active" else "false", key["created"].strftime(DATE), "N/A", "N/A", "N/A"]
    cols += ["false", "N/A", "false", "N/A"]
    return ",".join(cols) + "\n"


class _RootUser:
    """The ``User`` of the root user's virtual MFA device (what AWS answers: its ARN, id and creation date)."""

    def __init__(self, account_id: str, partition: str, created: dt.datetime):
        self.arn = root_arn(account_id, partition)
        self.id = account_id
        self.create_date = created


def root_virtual_device(account_id: str, partition: str = "aws") -> Any:
    """The root user's virtual MFA device, or None (no MFA, or a hardware one)."""
    from moto.iam.models import VirtualMfaDevice

    st = state(account_id)
    if st["mfa"] != "virtual":
        return None
    device = VirtualMfaDevice(account_id, "us-east-1", "/root-account-mfa-device")
    device.serial_number = f"arn:{partition}:iam::{account_id}:mfa/root-account-mfa-device"
    device.base32_string_seed = None  # AWS answers the seed and QR code only to CreateVirtualMFADevice
    device.qr_code_png = None
    device.enable_date = st["mfa_enabled"]
    device.user = _RootUser(account_id, partition, st["created"])
    return device


def _partition(backend: Any) -> str:
    return str(getattr(backend, "partition", None) or "aws")


def answer(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    method = environ.get("REQUEST_METHOD", "GET")
    try:
        if method == "GET":
            query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
            body: Any = {"account_id": (query.get("account_id") or [""])[0]}
        elif method == "POST":
            body = read_json(environ)
        else:
            return json_answer(start_response, "405 Method Not Allowed", {"error": f"use GET or POST {PATH}"})
        account = str((body or {}).get("account_id") or "") if isinstance(body, dict) else ""
        if not (account.isdigit() and len(account) == 12):
            raise ValueError('give a 12-digit account_id, e.g. {"account_id": "123456789012", "access_keys": ["Active"], "mfa": "virtual"}')
        if method == "POST":
            update(account, body)
        return json_answer(start_response, "200 OK", describe(account))
    except (ValueError, TypeError) as exc:
        return json_answer(start_response, "400 Bad Request", {"error": str(exc)})


def install() -> None:
    """Patch moto's IAM read paths (credential report, account summary, virtual MFA devices) and mount the endpoint."""
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    from moto.iam import models

    backend_cls = models.IAMBackend
    orig_report = backend_cls.get_credential_report

    def get_credential_report(self: Any) -> str:
        report = orig_report(self)
        header, _sep, rows = report.partition("\n")
        return f"{header}\n{report_row(self.account_id, _partition(self))}{rows}"

    backend_cls.get_credential_report = get_credential_report  # type: ignore[method-assign]

    def list_virtual_mfa_devices(self: Any, assignment_status: str, marker: str | None, max_items: int) -> tuple[list[Any], str | None]:
        devices = list(self.virtual_mfa_devices.values())
        root = root_virtual_device(self.account_id, _partition(self))
        if root is not None:
            devices.insert(0, root)
        if assignment_status == "Assigned":
            devices = [d for d in devices if d.enable_date]
        elif assignment_status == "Unassigned":
            devices = [d for d in devices if not d.enable_date]
        start, size = int(marker) if marker else 0, int(max_items)
        if start > len(devices):
            raise models.ValidationError("Invalid Marker.")
        page = devices[start : start + size]
        return page, (str(start + size) if start + size < len(devices) else None)

    backend_cls.list_virtual_mfa_devices = list_virtual_mfa_devices  # type: ignore[method-assign]

    summary_cls = models.AccountSummary
    orig_map = summary_cls.summary_map.fget

    def summary_map(self: Any) -> dict[str, Any]:
        out = dict(orig_map(self))
        st = state(self._iam_backend.account_id)
        out["AccountMFAEnabled"] = 1 if st["mfa"] != "none" else 0
        out["AccountAccessKeysPresent"] = 1 if st["access_keys"] else 0
        return out

    summary_cls.summary_map = property(summary_map)  # type: ignore[method-assign,assignment]
    mount(PATH, answer)
