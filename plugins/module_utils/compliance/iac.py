# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report's IaC section: checkov's JSON output (``-o json``) over ``terraform/`` as PASS / FAIL / SKIPPED
per check and resource, in a stable order, with no path of the machine it ran on."""

from __future__ import annotations

import json
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.errors import PreflightError

STATUS_ORDER = ("FAIL", "SKIPPED", "PASS")
_KEYS = (("failed_checks", "FAIL"), ("skipped_checks", "SKIPPED"), ("passed_checks", "PASS"))


def parse_checkov(text: str, source: str) -> dict[str, Any]:
    """checkov's JSON (one report or a list, one per framework) as the report's ``iac`` section."""
    try:
        doc = json.loads(text) if text.strip() else []
    except ValueError as exc:
        raise PreflightError(f"the checkov report {source} is not JSON ({exc}). Fix: run checkov with -o json (docs/compliance.md)") from None
    reports = doc if isinstance(doc, list) else [doc]
    if not all(isinstance(r, dict) and ("results" in r or "summary" in r) for r in reports):
        raise PreflightError(f"the checkov report {source} is not checkov's JSON output (no results/summary). Fix: run checkov with -o json")
    checks = []
    versions = set()
    parsing_errors = 0
    resources = 0
    for rep in reports:
        summary = rep.get("summary") or {}
        parsing_errors += int(summary.get("parsing_errors") or 0)
        resources += int(summary.get("resource_count") or 0)
        if summary.get("checkov_version"):
            versions.add(str(summary["checkov_version"]))
        for key, status in _KEYS:
            for c in (rep.get("results") or {}).get(key) or []:
                lines = c.get("file_line_range") or []
                checks.append(
                    {
                        "check_id": c.get("check_id"),
                        "title": c.get("check_name"),
                        "status": status,
                        "resource": c.get("resource"),
                        "file": c.get("repo_file_path") or c.get("file_path"),
                        "lines": [int(n) for n in lines],
                        "framework": rep.get("check_type"),
                        "severity": c.get("severity"),
                        "guideline": c.get("guideline"),
                        "reason": (c.get("check_result") or {}).get("suppress_comment") if status == "SKIPPED" else None,
                    }
                )
    checks.sort(key=lambda c: (STATUS_ORDER.index(c["status"]), str(c["check_id"]), str(c["file"]), str(c["resource"]), c["lines"]))
    by_status = dict.fromkeys(STATUS_ORDER, 0)
    for c in checks:
        by_status[c["status"]] += 1
    return {
        "tool": "checkov",
        "version": ", ".join(sorted(versions)) or None,
        "summary": {"by_status": by_status, "parsing_errors": parsing_errors, "resources": resources},
        "checks": checks,
    }


def read_checkov(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise PreflightError(f"the checkov report {path} cannot be read ({exc.strerror}). Fix: run checkov first, or leave iac_checkov_report out") from None
    return parse_checkov(text, path)


def failures(iac: dict[str, Any] | None) -> str | None:
    """The policy reason the IaC section gives (failed checks, files checkov could not parse), or None."""
    if not iac:
        return None
    s = iac["summary"]
    parts = []
    if s["by_status"]["FAIL"]:
        ids = sorted({c["check_id"] for c in iac["checks"] if c["status"] == "FAIL"})
        parts.append(f"{s['by_status']['FAIL']} failed IaC check(s) ({', '.join(ids[:5])}{', ...' if len(ids) > 5 else ''})")
    if s["parsing_errors"]:
        parts.append(f"checkov could not parse {s['parsing_errors']} file(s)")
    return "; ".join(parts) or None
