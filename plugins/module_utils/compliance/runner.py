# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The entry shared by the module and its action plugin: check the input, collect, judge, report."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import os
import re
from collections.abc import Iterator
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.compliance import controls as ctl
from ansible_collections.slipway.aws.plugins.module_utils.compliance import diff, evidence, exceptions, iac, report
from ansible_collections.slipway.aws.plugins.module_utils.errors import PreflightError

SEVERITY_CHOICES = [*report.SEVERITY_ORDER, "NONE"]
ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "controls": {"type": "list", "elements": "str", "default": []},
    "regions": {"type": "list", "elements": "str", "default": []},
    "parameters": {"type": "dict", "default": {}},
    "exceptions": {"type": "list", "elements": "dict", "default": []},
    "output_dir": {"type": "path"},
    "previous_report": {"type": "path"},
    "fail_on_severity": {"type": "str", "default": "HIGH", "choices": SEVERITY_CHOICES},
    "fail_on_error": {"type": "bool", "default": True},
    "workers": {"type": "int", "default": evidence.DEFAULT_WORKERS},
    "now": {"type": "str"},
    "iac_checkov_report": {"type": "path"},
    "fail_on_iac": {"type": "bool", "default": True},
}
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


def check_input(params: dict[str, Any]) -> dict[str, Any]:
    """Every input checked before any read; ``PreflightError`` naming the bad one and its fix."""
    chosen = ctl.select(params.get("controls"))
    parameters = ctl.check_parameters(params.get("parameters"))
    regions = [r.strip() for r in params.get("regions") or [] if r and r.strip()]
    bad = [r for r in regions if not _REGION.match(r)]
    if bad:
        raise PreflightError(f"region(s) {bad} are not AWS region names (e.g. us-east-1)")
    workers = int(params.get("workers") or evidence.DEFAULT_WORKERS)
    if not 1 <= workers <= 32:
        raise PreflightError(f"workers={workers}: from 1 to 32")
    now = dt.datetime.now(dt.UTC)
    if params.get("now"):
        try:
            now = dt.datetime.fromisoformat(str(params["now"]).replace("Z", "+00:00"))
        except ValueError:
            raise PreflightError(f"now {params['now']!r} is not an ISO 8601 time (e.g. 2025-01-31T00:00:00Z)") from None
        now = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
    severity = str(params.get("fail_on_severity") or "HIGH").upper()
    if severity not in SEVERITY_CHOICES:
        raise PreflightError(f"fail_on_severity {severity}: one of {', '.join(SEVERITY_CHOICES)}")
    return {
        "controls": chosen,
        "parameters": parameters,
        "regions": list(dict.fromkeys(regions)),
        "exceptions": exceptions.parse(params.get("exceptions")),
        "workers": workers,
        "now": now.astimezone(dt.UTC).replace(microsecond=0),
        "fail_on_severity": severity,
        "fail_on_error": bool(params.get("fail_on_error", True)),
        "iac": iac.read_checkov(params["iac_checkov_report"]) if params.get("iac_checkov_report") else None,
        "fail_on_iac": bool(params.get("fail_on_iac", True)),
    }


def tags_by_arn(collected: dict[str, Any]) -> dict[str, dict[str, str]]:
    out = {}
    for part in collected["services"]:
        for res in part["resources"]:
            if isinstance(res.get("areas", {}).get("tags"), dict):
                out[res["arn"]] = res["areas"]["tags"]
    return out


def judge(collected: dict[str, Any], checked: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON report from collected evidence (pure: no AWS call), the policy verdict and the console lines."""
    now = checked["now"]
    results: list[dict[str, Any]] = []
    metas = []
    for c in checked["controls"]:
        params = {**c.params, **checked["parameters"].get(c.id, {})}
        meta = {**c.metadata(), "parameters": params}
        metas.append(meta)
        for r in ctl.evaluate(c, collected, params, now):
            results.append({**r.as_dict(), "severity": c.severity, "title": c.title, "remediation": c.remediation, "frameworks": list(c.frameworks)})
    exc = exceptions.apply(results, checked["exceptions"], tags_by_arn(collected), now.date())
    changes = diff.compare(results, previous)
    collection = [
        {
            "service": p["service"],
            "region": p["region"],
            "actions": p["actions"],
            "listing": p["listing"],
            "resources": len(p["resources"]),
            "unavailable": sorted({m["action"] for res in p["resources"] for m in res["unavailable"].values()}),
        }
        for p in collected["services"]
    ]
    context = {
        "generated_at": now.isoformat().replace("+00:00", "Z"),
        "account": collected.get("account"),
        "regions": collected.get("regions"),
        "collection": collection,
        "exceptions": exc,
        "diff": changes,
        "iac": checked.get("iac"),
    }
    doc = report.build(results, metas, context)
    threshold = checked["fail_on_severity"]
    reasons = []
    if threshold != "NONE":
        limit = report.SEVERITY_ORDER.index(threshold)
        new = [r for r in changes["new"] if report.SEVERITY_ORDER.index(r["severity"]) <= limit]
        if new:
            shown = ", ".join(f"{r['control']} {r['resource']}" for r in new[:5])
            reasons.append(f"{len(new)} new finding(s) at or above {threshold} ({shown}{', ...' if len(new) > 5 else ''})")
    errors = doc["summary"]["by_status"]["ERROR"]
    if checked["fail_on_error"] and errors:
        actions = sorted({a for f in doc["findings"] if f["status"] == "ERROR" for a in f.get("unavailable_actions") or []})
        reasons.append(f"{errors} result(s) could not be evaluated (actions {', '.join(actions) or 'unknown'})")
    iac_failed = iac.failures(doc["iac"])
    if iac_failed and checked.get("fail_on_iac", True):
        reasons.append(iac_failed)
    if exc["expired"]:
        reasons.append(f"{len(exc['expired'])} exception(s) expired: " + ", ".join(f"#{e['index']} {e['control']} ({e['ticket']})" for e in exc["expired"]))
    return {"report": doc, "policy_failed": bool(reasons), "failures": reasons}


def read_previous(path: str | None) -> dict[str, Any] | None:
    if not path or not os.path.exists(path):
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as exc:
        raise PreflightError(f"the previous report {path} is not readable JSON ({exc}). Fix: remove it or point previous_report elsewhere") from exc


def verdict_line(outcome: dict[str, Any], where: str | None) -> str:
    s = outcome["report"]["summary"]["by_status"]
    if not outcome["policy_failed"]:
        return f"compliance report passed the policy: {s['FAIL']} failing, {s['ERROR']} unevaluated, none new at the threshold"
    return "compliance report failed: " + "; ".join(outcome["failures"]) + (f". Details: {where}" if where else "")


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for one run (reading, judging, writing), and restored after.

    A run allocates containers by the hundred thousand (botocore's service models, its requests and answers, the
    evidence, the report) and leaves few reference cycles. Each automatic pass of the collector walks every object
    it tracks: the Ansible worker's inherited heap and the loaded models as well as the new objects. At 1,000
    resources that was about 330 passes, 3 of them over everything, 0.6-0.8 s of a task whose process spends 5-6 s
    of CPU (timed with ``gc.callbacks`` in the Ansible worker; benchmarks/README.md, compliance). Paused, the cycles a
    run leaves (about 25 objects per API call) wait for the collector's first pass after it: the same peak memory
    at 1,000 resources (275 MiB against 279 MiB with the collector on), because those passes had not freed them
    either."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def execute(params: dict[str, Any], collected: dict[str, Any] | None = None) -> dict[str, Any]:
    """The module's result from its parameters (connection options included). ``collected`` skips the reads (tests)."""
    with cyclic_gc_paused():
        return _execute(params, collected)


def _execute(params: dict[str, Any], collected: dict[str, Any] | None) -> dict[str, Any]:
    from ansible_collections.slipway.aws.plugins.module_utils.aws import Aws

    checked = check_input(params)
    previous_path = params.get("previous_report") or (os.path.join(params["output_dir"], report.FILES["json"]) if params.get("output_dir") else None)
    previous = read_previous(previous_path)
    calls: dict[str, int] = {}
    if collected is None:
        regions = checked["regions"] or [Aws.from_params(params).region]
        services = sorted({s for c in checked["controls"] for s in c.services})
        # Only the evidence the chosen controls read: each control names its services and the areas it needs.
        areas: dict[str, set[str]] = {}
        for c in checked["controls"]:
            for s in c.services:
                areas.setdefault(s, set()).update(c.needs)
        collected = evidence.collect(params, regions, services, checked["workers"], areas=areas)
        calls = collected["calls"]
    outcome = judge(collected, checked, previous)
    paths: dict[str, str] = {}
    if params.get("output_dir"):
        paths = report.write(params["output_dir"], outcome["report"])
    verdict = verdict_line(outcome, paths.get("markdown"))
    return {
        "changed": False,
        "summary": outcome["report"]["summary"],
        "diff": outcome["report"]["diff"],
        "exceptions": outcome["report"]["exceptions"],
        "policy_failed": outcome["policy_failed"],
        "failures": outcome["failures"],
        "verdict": verdict,
        "lines": report.console(outcome["report"], verdict),
        "reports": paths,
        "calls": calls,
    }
