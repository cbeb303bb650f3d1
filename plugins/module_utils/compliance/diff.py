# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report against the previous one: new findings, resolved ones and those still failing.

A finding is an unsuppressed FAIL, keyed by control and resource ARN. Without a
previous report every finding is new (a first run fails on what it finds).
"""

from __future__ import annotations

from typing import Any


def failing(findings: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(f["control"], f["resource"]): f for f in findings if f["status"] == "FAIL" and not f.get("exception")}


def previous_failing(report: dict[str, Any] | None) -> dict[tuple[str, str], dict[str, Any]]:
    """The failing findings of a previous JSON report (``report.json_report``'s shape)."""
    out = {}
    for f in (report or {}).get("findings") or []:
        if f.get("status") == "FAIL" and not f.get("exception"):
            control, resource = f["compliance"]["control"], f["resources"][0]["uid"]
            out[(control, resource)] = {"control": control, "resource": resource, "severity": f.get("severity", "").upper()}
    return out


def compare(current: list[dict[str, Any]], previous: dict[str, Any] | None) -> dict[str, Any]:
    now = failing(current)
    before = previous_failing(previous)

    def rows(keys: set[tuple[str, str]], source: dict[tuple[str, str], dict[str, Any]]) -> list[dict[str, str]]:
        return [{"control": k[0], "resource": k[1], "severity": str(source[k].get("severity", ""))} for k in sorted(keys)]

    return {
        "baseline": previous is not None,
        "new": rows(set(now) - set(before), now),
        "resolved": rows(set(before) - set(now), before),
        "still_failing": rows(set(now) & set(before), now),
    }
