#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ecr_scan_gate
short_description: Pass or fail an ECR image by its basic scan's findings
version_added: 0.1.0
description:
  - Waits (up to O(timeout_seconds)) for the ECR basic scan of one image to complete, then applies the severity
    policy and the exceptions to its findings and fails when a finding blocks.
  - A finding blocks when its severity is at or above O(fail_on) and no active exception covers it, or when its
    severity has more findings than O(max_counts) allows.
  - A scan that FAILED, an UNSUPPORTED_IMAGE, a scan still in progress at the deadline, an image without a scan,
    or a scan that cannot be read (access denied) is an error, never a pass.
  - Reads only, apart from C(StartImageScan) with O(start_scan) (never in check mode); C(changed) is always false.
  - See C(docs/ecr_scan_gate.md) for the exceptions file and the exit policy.
author:
  - Slipway contributors (!UNKNOWN)
options:
  repository:
    description: The ECR repository's name.
    type: str
    required: true
  image_digest:
    description: The image's digest (C(sha256:...)). Exactly one of O(image_digest) and O(image_tag).
    type: str
  image_tag:
    description: The image's tag. Exactly one of O(image_digest) and O(image_tag).
    type: str
  registry_id:
    description: The registry's account ID; default the caller's account.
    type: str
  fail_on:
    description: Findings at or above this severity block (unless excepted).
    type: str
    default: HIGH
    choices: [CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNDEFINED]
  max_counts:
    description:
      - "Per severity, how many findings (not excepted) are allowed at most, whatever O(fail_on) says,
        for example C({MEDIUM: 10}). Beyond it, every finding of that severity blocks."
    type: dict
  exceptions:
    description:
      - The exceptions, as the path of a YAML or JSON file (a list, or a mapping with a top-level C(exceptions) list)
        or as the list itself.
      - Each is a mapping with C(id) (the CVE), C(owner) and C(expires) (YYYY-MM-DD, the last day it holds), and
        optionally C(package), C(repository) (a glob), C(justification) and C(ticket).
      - An exception without owner or expiry is an error; an expired one covers nothing and is reported.
    type: raw
  timeout_seconds:
    description: How long to wait for the scan to complete; an unfinished scan at the deadline is an error.
    type: int
    default: 600
  poll_seconds:
    description: The first interval between reads of the scan's status (it grows up to three times this).
    type: int
    default: 5
  start_scan:
    description:
      - Start a scan (C(StartImageScan)) when the image has none. Without it, an image without a scan is an error.
      - Not done in check mode.
    type: bool
    default: false
extends_documentation_fragment:
  - slipway.aws.aws
attributes:
  check_mode:
    support: full
    description: Reads only; check mode does not start a scan.
  diff_mode:
    support: none
    description: Changes nothing.
  platform:
    platforms: all
    support: full
    description: Runs anywhere with boto3.
"""

EXAMPLES = r"""
- name: Gate the image about to be released
  slipway.aws.ecr_scan_gate:
    repository: slipway/user
    image_tag: "1.4.0"
    fail_on: HIGH
    exceptions: "{{ playbook_dir }}/../ecr_scan_exceptions.yml"
  register: scan

- name: Allow at most five MEDIUM findings, with inline exceptions
  slipway.aws.ecr_scan_gate:
    repository: slipway/user
    image_digest: "sha256:0f3c..."
    max_counts: {MEDIUM: 5}
    exceptions:
      - id: CVE-2024-12345
        package: openssl
        owner: platform-team@example.com
        justification: not reachable, no TLS in this image
        ticket: SEC-42
        expires: "2025-12-31"
"""

RETURN = r"""
verdict:
  description: C(PASS), C(FAIL) (a finding blocks) or C(ERROR) (no verdict could be reached).
  returned: always
  type: str
summary:
  description: One line, the verdict with its evidence and the fix.
  returned: always
  type: str
image_digest:
  description: The image's digest.
  returned: when the image was found
  type: str
scan_status:
  description: The scan's status (C(COMPLETE), C(FAILED), C(UNSUPPORTED_IMAGE), C(IN_PROGRESS), ...).
  returned: when a scan was read
  type: str
scan_completed_at:
  description: When the scan completed (ISO 8601).
  returned: when the scan completed
  type: str
counts:
  description: Findings per severity, most severe first.
  returned: when the scan completed
  type: dict
blocking:
  description: The findings that block (cve, severity, package, version, uri, status, note).
  returned: when the scan completed
  type: list
  elements: dict
excepted:
  description: The findings an active exception covers, with the exception.
  returned: when the scan completed
  type: list
  elements: dict
expired_exceptions:
  description: Exceptions past their expiry date (they cover nothing).
  returned: when the scan completed
  type: list
  elements: dict
unused_exceptions:
  description: Active exceptions that cover no finding of this image.
  returned: when the scan completed
  type: list
  elements: dict
table:
  description: The findings as a plain-text table (severity, CVE, package, version, status), most severe first.
  returned: when the scan completed
  type: str
scan_started:
  description: Whether this run started the scan (O(start_scan)).
  returned: always
  type: bool
api_calls:
  description: The AWS API calls made, by C(service.Operation).
  returned: always
  type: dict
"""

import datetime as dt
import json
import os
import re
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.slipway.aws.plugins.module_utils import ecr_scan
from ansible_collections.slipway.aws.plugins.module_utils.aws import AWS_MUTUALLY_EXCLUSIVE, Aws, argument_spec
from ansible_collections.slipway.aws.plugins.module_utils.errors import SlipwayError

DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")


def load_exceptions(value: Any) -> list[ecr_scan.ScanException]:
    """The ``exceptions`` option: a file path or the list itself."""
    if value is None or value == "" or value == []:
        return []
    if isinstance(value, str):
        if not os.path.isfile(value):
            raise ecr_scan.PolicyInputError(f"exceptions file {value} does not exist. Fix: give an existing file, or leave exceptions out")
        with open(value, encoding="utf-8") as fh:
            text = fh.read()
        try:
            import yaml

            data = yaml.safe_load(text)
        except ImportError:  # pragma: no cover - PyYAML comes with ansible-core
            data = json.loads(text)
        except yaml.YAMLError as exc:
            raise ecr_scan.PolicyInputError(f"exceptions file {value} is not valid YAML: {exc}. Fix: correct the file") from None
        return ecr_scan.parse_exceptions(data, source=value)
    return ecr_scan.parse_exceptions(value)


def iso(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return str(value) if value else None


def gate(aws: Aws, p: dict[str, Any], exceptions: list[ecr_scan.ScanException], max_counts: dict[str, int], check_mode: bool) -> dict[str, Any]:
    client = aws.client("ecr")
    repo, registry = p["repository"], p["registry_id"]
    result: dict[str, Any] = {"scan_started": False}
    image = ecr_scan.describe_image(client, repo, p["image_digest"], p["image_tag"], registry)
    digest = image["imageDigest"]
    result["image_digest"] = digest
    name = f"{repo}@{digest}" + (f" ({p['image_tag']})" if p["image_tag"] else "")
    if ecr_scan.findings_page(client, repo, digest, registry) is None:
        if not p["start_scan"]:
            raise ecr_scan.ScanError(
                f"{name} has no scan. Fix: enable scan on push on the repository, or run the gate with start_scan (-e start_scan=true) to start one"
            )
        if check_mode:
            raise ecr_scan.ScanError(f"{name} has no scan; start_scan would start one, but check mode starts nothing. Fix: run without --check")
        result["scan_started"] = ecr_scan.start_scan(client, repo, digest, registry) == "started"
    page = ecr_scan.wait_for_scan(client, repo, digest, p["timeout_seconds"], p["poll_seconds"], registry)
    status = page["imageScanStatus"]
    result["scan_status"] = status.get("status")
    if status.get("status") != "COMPLETE":
        reason = status.get("description") or "no description"
        raise ecr_scan.ScanError(
            f"the scan of {name} ended {status.get('status')} ({reason}); a scan without findings is no pass. "
            "Fix: check that the image's OS is one ECR basic scanning supports, then rebuild or push the image again"
        )
    findings = ecr_scan.parse_findings(ecr_scan.all_findings(client, repo, digest, page, registry))
    ev = ecr_scan.evaluate(findings, repo, p["fail_on"], exceptions, max_counts)
    result.update(
        verdict=ev.verdict,
        summary=ecr_scan.summary(ev, name),
        scan_completed_at=iso((page.get("imageScanFindings") or {}).get("imageScanCompletedAt")),
        counts=ev.counts,
        blocking=[r.as_dict() for r in ev.blocking],
        excepted=[r.as_dict() for r in ev.excepted],
        expired_exceptions=[e.as_dict() for e in ev.expired],
        unused_exceptions=[e.as_dict() for e in ev.unused],
        table=ecr_scan.table(ev),
    )
    return result


def main() -> None:
    module = AnsibleModule(
        argument_spec=argument_spec(
            **{
                "repository": {"type": "str", "required": True},
                "image_digest": {"type": "str"},
                "image_tag": {"type": "str"},
                "registry_id": {"type": "str"},
                "fail_on": {"type": "str", "default": "HIGH", "choices": list(ecr_scan.SEVERITIES)},
                "max_counts": {"type": "dict"},
                "exceptions": {"type": "raw"},
                "timeout_seconds": {"type": "int", "default": 600},
                "poll_seconds": {"type": "int", "default": 5},
                "start_scan": {"type": "bool", "default": False},
            }
        ),
        mutually_exclusive=[*AWS_MUTUALLY_EXCLUSIVE, ["image_digest", "image_tag"]],
        required_one_of=[["image_digest", "image_tag"]],
        supports_check_mode=True,
    )
    p = dict(module.params)
    result: dict[str, Any] = {"changed": False, "verdict": "ERROR", "scan_started": False, "api_calls": {}}
    # Bad input is refused before any call to AWS.
    problems = []
    if not (p["repository"] or "").strip():
        problems.append("repository is empty. Fix: give the ECR repository's name")
    if p["image_digest"] and not DIGEST_RE.match(p["image_digest"]):
        problems.append(f"image_digest {p['image_digest']!r} is not a digest. Fix: sha256: followed by 64 lowercase hex digits")
    if p["image_tag"] is not None and not p["image_tag"].strip():
        problems.append("image_tag is empty. Fix: give the tag, or the digest instead")
    if p["timeout_seconds"] < 0 or p["poll_seconds"] < 1:
        problems.append("timeout_seconds must be 0 or more and poll_seconds 1 or more")
    try:
        exceptions = load_exceptions(p["exceptions"])
        max_counts = ecr_scan.check_max_counts(p["max_counts"])
    except SlipwayError as exc:
        problems.append(str(exc))
    if problems:
        result["summary"] = "ERROR: " + "; ".join(problems)
        module.fail_json(msg=result["summary"], **result)
    aws = None
    try:
        aws = Aws.from_params(p)
        result.update(gate(aws, p, exceptions, max_counts, module.check_mode))
    except SlipwayError as exc:
        result["verdict"] = "ERROR"
        result["summary"] = f"ERROR: {exc}"
    if aws is not None:
        result["api_calls"] = aws.counter.as_dict()
    if result["verdict"] == "PASS":
        module.exit_json(**result)
    msg = result["summary"] + (f"\n{result['table']}" if result.get("table") else "")
    module.fail_json(msg=msg, **result)


if __name__ == "__main__":
    main()
