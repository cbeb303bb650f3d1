# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Accepted risks: an exception suppresses a FAIL of one control on the resources it names, until it expires.

An entry: ``control`` (an id or a glob), exactly one of ``resource`` (an ARN or a glob
over ARNs) and ``tag`` (``{KEY: VALUE}``, every pair must match the resource's tags),
``owner``, ``justification``, ``ticket`` and ``expires`` (``YYYY-MM-DD``, the last day it
holds). An expired exception suppresses nothing: its findings fail again and it is
listed. An exception that matches no finding of the run is reported as unmatched.
ERROR is never suppressed: an exception accepts a known risk, not an unknown state.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.errors import PreflightError

REQUIRED = ("control", "owner", "justification", "ticket", "expires")


def parse(entries: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Checked entries, each with an ``index`` (its position in the file); ``PreflightError`` naming the bad one."""
    out = []
    for i, raw in enumerate(entries or []):
        where = f"exception #{i + 1}"
        if not isinstance(raw, dict):
            raise PreflightError(f"{where} is not a mapping")
        unknown = sorted(set(raw) - {*REQUIRED, "resource", "tag"})
        if unknown:
            raise PreflightError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join((*REQUIRED, 'resource', 'tag'))}")
        missing = [k for k in REQUIRED if not str(raw.get(k) or "").strip()]
        if missing:
            raise PreflightError(f"{where} ({raw.get('control', '?')}): missing {', '.join(missing)}")
        if bool(raw.get("resource")) == bool(raw.get("tag")):
            raise PreflightError(f"{where} ({raw['control']}): give exactly one of resource (an ARN or glob) and tag ({{KEY: VALUE}})")
        if raw.get("tag") is not None and (not isinstance(raw["tag"], dict) or not raw["tag"]):
            raise PreflightError(f"{where} ({raw['control']}): tag must be a mapping KEY: VALUE")
        try:
            expires = dt.date.fromisoformat(str(raw["expires"]))
        except ValueError:
            raise PreflightError(f"{where} ({raw['control']}): expires {raw['expires']!r} is not a date YYYY-MM-DD") from None
        entry = {k: str(raw[k]) for k in ("control", "owner", "justification", "ticket")}
        entry.update(index=i + 1, expires=expires.isoformat())
        if raw.get("resource"):
            entry["resource"] = str(raw["resource"])
        else:
            entry["tag"] = {str(k): str(v) for k, v in sorted(raw["tag"].items())}
        out.append(entry)
    return out


def matches(entry: dict[str, Any], control: str, arn: str, tags: dict[str, str] | None) -> bool:
    if not fnmatch.fnmatchcase(control, entry["control"]):
        return False
    if "resource" in entry:
        return fnmatch.fnmatchcase(arn, entry["resource"])
    return tags is not None and all(tags.get(k) == v for k, v in entry["tag"].items())


def apply(findings: list[dict[str, Any]], entries: list[dict[str, Any]], tags: dict[str, dict[str, str]], today: dt.date) -> dict[str, Any]:
    """Mark suppressed FAILs in place (``finding["exception"]``); the expired and unmatched exceptions."""
    used: set[int] = set()
    expired: dict[int, dict[str, Any]] = {}
    for f in findings:
        for e in entries:
            if not matches(e, f["control"], f["resource"], tags.get(f["resource"])):
                continue
            used.add(e["index"])
            if f["status"] != "FAIL":
                continue
            info = {k: e[k] for k in ("index", "owner", "justification", "ticket", "expires")}
            if dt.date.fromisoformat(e["expires"]) < today:
                expired.setdefault(e["index"], {**e, "findings": []})["findings"].append(f"{f['control']} {f['resource']}")
                f["exception_expired"] = info
                continue
            f["exception"] = info
            break
    return {
        "expired": [expired[i] for i in sorted(expired)],
        "unmatched": [e for e in entries if e["index"] not in used],
    }
