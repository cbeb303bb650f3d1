# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The secret-rotation audit: every Secrets Manager secret in scope in exactly one
state, with its evidence, Security Hub's SecretsManager.1-.4 verdicts, and the ECS
services still running with a value from before the last rotation.

Two halves, so tests cover every state from plain data:

* the reads (``read_inventory``): metadata only -- ``ListSecrets``,
  ``DescribeSecret``, Lambda ``GetFunction``/``GetPolicy``, CloudTrail
  ``LookupEvents``, ECS ``ListClusters``/``ListTasks``/``DescribeTasks``/
  ``DescribeTaskDefinition``. Never ``GetSecretValue``: no value is ever read, so
  none can leak. A read that fails for one secret is recorded with its reason
  and the others go on;
* the judging (``check_policy``, ``judge``, ``judge_controls``, ``summarize``,
  ``render_table``, ``junit_xml``): plain functions over plain dicts.

States, most severe first (a secret gets the most severe one it qualifies for;
``findings`` lists all of them): error, rotator_broken, stuck_pending, failing,
overdue, not_rotating, then managed_by_service (a service-owned secret judged by
that service's rules) or healthy.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError, PreflightError

STATES = ("error", "rotator_broken", "stuck_pending", "failing", "overdue", "not_rotating", "managed_by_service", "healthy")
PROBLEM_STATES = STATES[:6]
FLAG_STALE = "stale_consumers"
CONTROL_IDS = ("SecretsManager.1", "SecretsManager.2", "SecretsManager.3", "SecretsManager.4")
VERDICTS = ("PASS", "FAIL", "ERROR", "NOT_APPLICABLE")
# Security Hub's default parameters of the four controls (its "Security Hub default value").
SECURITY_HUB_PARAMETERS: dict[str, dict[str, Any]] = {
    "SecretsManager.1": {"maximumAllowedRotationFrequency": None},  # no default: only "is rotation on"
    "SecretsManager.2": {},
    "SecretsManager.3": {"unusedForDays": 90},
    "SecretsManager.4": {"maxDaysSinceRotation": 90},
}
CONTROL_TITLES = {
    "SecretsManager.1": "Secrets Manager secrets should have automatic rotation enabled",
    "SecretsManager.2": "Secrets Manager secrets configured with automatic rotation should rotate successfully",
    "SecretsManager.3": "Remove unused Secrets Manager secrets",
    "SecretsManager.4": "Secrets Manager secrets should be rotated within a specified number of days",
}
DEFAULT_POLICY: dict[str, Any] = {
    # A rotating secret whose last rotation (or, never rotated, creation) is older than this is overdue.
    "max_age_days": 90,
    # How far back RotationFailed events count as "recent" (CloudTrail keeps 90 days).
    "failed_events_days": 7,
    # The states (and the stale_consumers flag) that fail the run; error always does.
    "fail_on": ["error", "rotator_broken", "stuck_pending", "failing", "overdue", "not_rotating", FLAG_STALE],
}
POLICY_RANGES = {"max_age_days": (1, 1000), "failed_events_days": (1, 90)}
SECRETS_MANAGER_PRINCIPAL = "secretsmanager.amazonaws.com"
REPORT_JSON = "secret_rotation_audit.json"
REPORT_JUNIT = "secret_rotation_audit.xml"
_DAY = dt.timedelta(days=1)


# ------------------------------------------------------------------ policy
def check_policy(policy: dict[str, Any] | None) -> dict[str, Any]:
    """The defaults overlaid with ``policy``; ``PreflightError`` naming the bad key and its range."""
    given = dict(policy or {})
    unknown = sorted(set(given) - set(DEFAULT_POLICY))
    if unknown:
        raise PreflightError(f"unknown policy key(s) {', '.join(unknown)}; allowed: {', '.join(DEFAULT_POLICY)}")
    out = {**DEFAULT_POLICY, **given}
    for key, (low, high) in POLICY_RANGES.items():
        value = out[key]
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise PreflightError(f"policy {key}={value!r} is out of range: a whole number of days from {low} to {high} (default {DEFAULT_POLICY[key]})")
        out[key] = value
    fail_on = out["fail_on"]
    if isinstance(fail_on, str):
        fail_on = [s.strip() for s in fail_on.split(",") if s.strip()]
    allowed = (*PROBLEM_STATES, FLAG_STALE)
    if not isinstance(fail_on, list) or any(s not in allowed for s in fail_on):
        raise PreflightError(f"policy fail_on={out['fail_on']!r}: a list of {', '.join(allowed)}")
    # An audit that could not read a secret never passes.
    out["fail_on"] = sorted(set(fail_on) | {"error"}, key=allowed.index)
    return out


def parse_patterns(patterns: Iterable[str] | str | None) -> list[str]:
    """Name globs (a list, or one string of comma-separated globs); empty means every secret."""
    if patterns is None:
        return []
    items = patterns.split(",") if isinstance(patterns, str) else list(patterns)
    out = [str(p).strip() for p in items if str(p).strip()]
    bad = [p for p in out if not re.fullmatch(r"[A-Za-z0-9/_+=.@!*?\[\]-]{1,512}", p)]
    if bad:
        raise PreflightError(f"secret name pattern(s) {bad} are not globs over a secret name (letters, digits, /_+=.@!- and * ? [ ])")
    return out


def in_scope(name: str, patterns: list[str]) -> bool:
    return not patterns or any(fnmatch.fnmatchcase(name, p) for p in patterns)


# ------------------------------------------------------------------ dates
def when(value: Any) -> dt.datetime | None:
    """An AWS date (datetime, epoch seconds or ISO text) as an aware UTC datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(float(value), dt.UTC)
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def iso(value: Any) -> str | None:
    moment = when(value)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z") if moment else None


def days_between(earlier: dt.datetime, later: dt.datetime) -> float:
    return (later - earlier) / _DAY


def whole_days(earlier: dt.datetime, later: dt.datetime) -> int:
    """Whole days, as reports show them: two runs a few minutes apart say the same."""
    return int(days_between(earlier, later))


def rotation_days(meta: dict[str, Any]) -> int | None:
    """The rotation interval in days (``AutomaticallyAfterDays`` or ``rate(N days)``); None for cron or none."""
    rules = meta.get("RotationRules") or {}
    if rules.get("AutomaticallyAfterDays"):
        return int(rules["AutomaticallyAfterDays"])
    m = re.fullmatch(r"rate\((\d+) (day|days|hour|hours)\)", str(rules.get("ScheduleExpression") or "").strip())
    if not m:
        return None
    n = int(m.group(1))
    return n if m.group(2).startswith("day") else max(1, n // 24)


def pending_on_other_version(versions: dict[str, list[str]]) -> tuple[str | None, str | None]:
    """``(pending_version, current_version)`` when AWSPENDING is on a version that is not AWSCURRENT."""
    current = next((v for v, stages in versions.items() if "AWSCURRENT" in stages), None)
    pending = next((v for v, stages in versions.items() if "AWSPENDING" in stages and "AWSCURRENT" not in stages), None)
    return pending, current


# ------------------------------------------------------------------ the rotation function
def policy_allows_secrets_manager(policy_text: str | None, secret_arn: str) -> tuple[bool, str]:
    """Whether a Lambda resource policy lets Secrets Manager invoke the function for ``secret_arn``."""
    if not policy_text:
        return False, "the function has no resource policy: Secrets Manager may not invoke it"
    try:
        doc = json.loads(policy_text)
    except ValueError:
        return False, "the function's resource policy is not JSON"
    statements = doc.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    allowed, denied = False, False
    for st in statements:
        if not _names_principal(st.get("Principal")) or not _names_invoke(st.get("Action")):
            continue
        if not _condition_admits(st.get("Condition") or {}, secret_arn):
            continue
        if st.get("Effect") == "Deny":
            denied = True
        elif st.get("Effect") == "Allow":
            allowed = True
    if denied:
        return False, "the function's resource policy denies lambda:InvokeFunction to secretsmanager.amazonaws.com"
    if allowed:
        return True, "the function's resource policy allows secretsmanager.amazonaws.com to invoke it"
    return False, "no statement of the function's resource policy allows secretsmanager.amazonaws.com lambda:InvokeFunction for this secret"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _names_principal(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return any(p in ("*", SECRETS_MANAGER_PRINCIPAL) for p in _as_list(principal.get("Service")) + _as_list(principal.get("AWS")))
    return SECRETS_MANAGER_PRINCIPAL in _as_list(principal)


def _names_invoke(action: Any) -> bool:
    return any(fnmatch.fnmatchcase("lambda:invokefunction", str(a).lower()) for a in _as_list(action))


def _condition_admits(condition: dict[str, Any], secret_arn: str) -> bool:
    for operator, tests in condition.items():
        if not isinstance(tests, dict):
            continue
        for key, values in tests.items():
            if key.lower() != "aws:sourcearn":
                continue
            patterns = [str(v) for v in _as_list(values)]
            if operator.startswith(("ArnLike", "StringLike")):
                ok = any(fnmatch.fnmatchcase(secret_arn, p) for p in patterns)
            else:
                ok = secret_arn in patterns
            if not ok:
                return False
    return True


# ------------------------------------------------------------------ ECS consumers
def references(value_from: str, secret_arn: str, secret_name: str) -> bool:
    """Whether an ECS ``valueFrom``/``credentialsParameter`` names this secret (full ARN, with a JSON key
    suffix, a partial ARN without the random suffix, or the name)."""
    if not value_from:
        return False
    if value_from == secret_arn or value_from.startswith(secret_arn + ":"):
        return True
    partial = re.sub(r"-[A-Za-z0-9]{6}$", "", secret_arn)
    if value_from == partial or value_from.startswith(partial + ":"):
        return True
    return value_from == secret_name


def secret_refs(task_definition: dict[str, Any]) -> list[str]:
    refs = []
    for container in task_definition.get("containerDefinitions") or []:
        refs.extend(s.get("valueFrom", "") for s in container.get("secrets") or [])
        creds = (container.get("repositoryCredentials") or {}).get("credentialsParameter")
        if creds:
            refs.append(creds)
    return [r for r in refs if r]


def stale_consumers(consumers: list[dict[str, Any]], last_rotated: Any) -> list[dict[str, Any]]:
    """The services whose running tasks started before ``last_rotated`` (they hold the old value)."""
    rotated = when(last_rotated)
    if rotated is None:
        return []
    out = []
    for c in consumers:
        old = [t for t in c.get("tasks") or [] if when(t.get("started_at")) and when(t["started_at"]) < rotated]
        if old:
            oldest = min(when(t["started_at"]) for t in old)
            out.append(
                {
                    "cluster": c["cluster"],
                    "service": c["service"],
                    "task_definition": c.get("task_definition"),
                    "stale_tasks": len(old),
                    "running_tasks": len(c.get("tasks") or []),
                    "oldest_started_at": iso(oldest),
                    "last_rotated": iso(rotated),
                    "fix": f"aws ecs update-service --cluster {c['cluster'].rsplit('/', 1)[-1]} --service {c['service']} --force-new-deployment",
                }
            )
    return out


# ------------------------------------------------------------------ judging
def judge_controls(meta: dict[str, Any] | None, now: dt.datetime, error: str | None = None) -> dict[str, dict[str, str]]:
    """Security Hub's SecretsManager.1-.4 for one secret, with its default parameters."""
    if meta is None:
        reason = f"could not read the secret: {error or 'no metadata'}"
        return {c: {"verdict": "ERROR", "reason": reason} for c in CONTROL_IDS}
    out: dict[str, dict[str, str]] = {}
    enabled = bool(meta.get("RotationEnabled"))
    created = when(meta.get("CreatedDate"))
    last_rotated = when(meta.get("LastRotatedDate"))
    next_rotation = when(meta.get("NextRotationDate"))
    interval = rotation_days(meta)

    out["SecretsManager.1"] = (
        {"verdict": "PASS", "reason": f"automatic rotation is on (every {interval} days)" if interval else "automatic rotation is on"}
        if enabled
        else {"verdict": "FAIL", "reason": "automatic rotation is off"}
    )

    if not enabled:
        out["SecretsManager.2"] = {"verdict": "NOT_APPLICABLE", "reason": "the control only evaluates secrets with rotation on"}
    else:
        due = next_rotation
        if due is None and interval:
            base = last_rotated or created
            due = base + dt.timedelta(days=interval) if base else None
        if due is None:
            out["SecretsManager.2"] = {"verdict": "ERROR", "reason": "no NextRotationDate and no rotation interval to compute one from"}
        elif due < now:
            out["SecretsManager.2"] = {
                "verdict": "FAIL",
                "reason": f"the rotation scheduled for {iso(due)} did not happen (last rotated {iso(last_rotated) or 'never'})",
            }
        else:
            out["SecretsManager.2"] = {"verdict": "PASS", "reason": f"rotating as scheduled: next {iso(due)}"}

    unused = SECURITY_HUB_PARAMETERS["SecretsManager.3"]["unusedForDays"]
    accessed = when(meta.get("LastAccessedDate"))
    ref, what = (accessed, "last accessed") if accessed else (created, "never accessed; created")
    if ref is None:
        out["SecretsManager.3"] = {"verdict": "ERROR", "reason": "neither LastAccessedDate nor CreatedDate in the metadata"}
    else:
        verdict = "FAIL" if days_between(ref, now) > unused else "PASS"
        out["SecretsManager.3"] = {"verdict": verdict, "reason": f"{what} {iso(ref)}, {whole_days(ref, now)} days ago (unusedForDays {unused})"}

    max_days = SECURITY_HUB_PARAMETERS["SecretsManager.4"]["maxDaysSinceRotation"]
    ref, what = (last_rotated, "last rotated") if last_rotated else (created, "never rotated; created")
    if ref is None:
        out["SecretsManager.4"] = {"verdict": "ERROR", "reason": "neither LastRotatedDate nor CreatedDate in the metadata"}
    else:
        verdict = "FAIL" if days_between(ref, now) > max_days else "PASS"
        out["SecretsManager.4"] = {"verdict": verdict, "reason": f"{what} {iso(ref)}, {whole_days(ref, now)} days ago (maxDaysSinceRotation {max_days})"}
    return out


def judge(facts: dict[str, Any], policy: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """One secret's state, findings, evidence, controls and stale consumers, from what was read.

    ``facts``: ``name``, ``arn``, ``meta`` (DescribeSecret) or ``error``; ``function``
    (``{"arn", "exists", "state", "policy", "error"}``, read when rotation names one);
    ``events`` (``{"readable", "error", "failed": [...], "succeeded": [...]}``, each
    ``{"time", "details"}``); ``consumers`` (``[{"cluster", "service", "task_definition",
    "tasks": [{"task_arn", "started_at"}]}]``) or ``consumers_error``.
    """
    name, arn, meta = facts.get("name"), facts.get("arn"), facts.get("meta")
    findings: list[dict[str, str]] = []
    evidence: dict[str, Any] = {}

    def find(state: str, reason: str) -> None:
        findings.append({"state": state, "reason": reason})

    if meta is None:
        reason = facts.get("error") or "DescribeSecret answered nothing"
        find("error", f"could not read the secret's metadata: {reason}")
        return _result(name, arn, findings, {"read_error": reason}, judge_controls(None, now, reason), [], facts)

    enabled = bool(meta.get("RotationEnabled"))
    owner = meta.get("OwningService")
    function_arn = meta.get("RotationLambdaARN")
    versions = meta.get("VersionIdsToStages") or {}
    created, last_rotated, next_rotation = (when(meta.get(k)) for k in ("CreatedDate", "LastRotatedDate", "NextRotationDate"))
    interval = rotation_days(meta)
    evidence.update(
        {
            "rotation_enabled": enabled,
            "rotation_function": function_arn,
            "rotation_days": interval,
            "owning_service": owner,
            "created": iso(created),
            "last_rotated": iso(last_rotated),
            "next_rotation": iso(next_rotation),
            "last_accessed": iso(meta.get("LastAccessedDate")),
            "versions": {v: sorted(s) for v, s in sorted(versions.items())},
        }
    )

    # the rotation function (a service-owned secret rotates without one: not judged by it)
    fn = facts.get("function") or {}
    if enabled and not owner:
        if not function_arn:
            find("rotator_broken", "rotation is on but no rotation function is configured")
        elif fn.get("error"):
            find("error", f"could not read the rotation function {function_arn}: {fn['error']}")
        elif fn.get("exists") is False:
            find("rotator_broken", f"the rotation function {function_arn} does not exist")
        elif fn:
            evidence["function_state"] = fn.get("state")
            if fn.get("state") in ("Failed", "Inactive"):
                find("rotator_broken", f"the rotation function {function_arn} is {fn['state']}")
            if fn.get("policy_error"):
                find("error", f"could not read the rotation function's resource policy: {fn['policy_error']}")
            else:
                ok, why = policy_allows_secrets_manager(fn.get("policy"), arn or "")
                evidence["function_policy"] = why
                if not ok:
                    find("rotator_broken", why)

    pending, current = pending_on_other_version(versions)
    if pending:
        evidence["pending_version"] = pending
        find("stuck_pending", f"AWSPENDING is on version {pending}, not on AWSCURRENT ({current}): the next rotation will fail until it is removed")

    events = facts.get("events") or {}
    window = policy["failed_events_days"]
    if events.get("readable"):
        failed = sorted((e for e in events.get("failed") or [] if when(e.get("time"))), key=lambda e: when(e["time"]))
        succeeded = [when(e["time"]) for e in events.get("succeeded") or [] if when(e.get("time"))]
        last_ok = max(succeeded) if succeeded else None
        unresolved = [e for e in failed if last_ok is None or when(e["time"]) > last_ok]
        evidence["rotation_failed_events"] = {"window_days": window, "count": len(failed), "unresolved": len(unresolved)}
        if unresolved:
            last = unresolved[-1]
            details = last.get("details") or {}
            what = ", ".join(f"{k} {details[k]}" for k in ("step", "errorType", "errorMessage") if details.get(k))
            evidence["rotation_failed_events"]["last"] = {"time": iso(last["time"]), **{k: details[k] for k in ("step", "errorType") if details.get(k)}}
            find(
                "failing",
                f"{len(unresolved)} RotationFailed event(s) in the last {window} days after the last success; last {iso(last['time'])}"
                + (f" ({what})" if what else ""),
            )
    else:
        evidence["rotation_failed_events"] = {"window_days": window, "readable": False, "reason": events.get("error") or "not read"}

    if enabled:
        age_ref = last_rotated or created
        limit = policy["max_age_days"]
        if next_rotation and next_rotation < now:
            find("overdue", f"the next rotation date {iso(next_rotation)} has passed")
        elif age_ref and days_between(age_ref, now) > limit:
            what = "last rotation" if last_rotated else "never rotated; created"
            find("overdue", f"{what} {iso(age_ref)} is {whole_days(age_ref, now)} days old, more than the policy's max_age_days {limit}")
    else:
        find("not_rotating", "automatic rotation is off" + (f" (owned by {owner})" if owner else ""))

    stale: list[dict[str, Any]] = []
    if facts.get("consumers_error"):
        evidence["consumers"] = {"readable": False, "reason": facts["consumers_error"]}
    else:
        consumers = facts.get("consumers") or []
        evidence["consumers"] = {"services": sorted({f"{c['cluster'].rsplit('/', 1)[-1]}/{c['service']}" for c in consumers})}
        stale = stale_consumers(consumers, meta.get("LastRotatedDate"))
    return _result(name, arn, findings, evidence, judge_controls(meta, now), stale, facts)


def _result(
    name: Any, arn: Any, findings: list[dict[str, str]], evidence: dict[str, Any], controls: dict[str, Any], stale: list[dict[str, Any]], facts: dict[str, Any]
) -> dict[str, Any]:
    findings = sorted(findings, key=lambda f: STATES.index(f["state"]))
    meta = facts.get("meta") or {}
    if findings:
        state, reason = findings[0]["state"], findings[0]["reason"]
    elif meta.get("OwningService"):
        state, reason = "managed_by_service", f"rotation managed by {meta['OwningService']} and on schedule"
    else:
        state, reason = "healthy", "rotation on, on schedule, its function present and invocable by Secrets Manager"
    return {
        "name": name,
        "arn": arn,
        "state": state,
        "reason": reason,
        "findings": findings,
        "evidence": evidence,
        "controls": controls,
        "stale_consumers": stale,
    }


def summarize(results: list[dict[str, Any]], policy: dict[str, Any], scan_errors: list[str] | None = None, patterns: list[str] | None = None) -> dict[str, Any]:
    counts = {s: 0 for s in STATES}
    for r in results:
        counts[r["state"]] += 1
    controls = {c: {v: 0 for v in VERDICTS} for c in CONTROL_IDS}
    for r in results:
        for c, v in r["controls"].items():
            controls[c][v["verdict"]] += 1
    stale = [r["name"] for r in results if r["stale_consumers"]]
    unreadable_consumers = [r["name"] for r in results if not r["evidence"].get("consumers", {"readable": True}).get("readable", True)]
    reasons = []
    for state in policy["fail_on"]:
        if state == FLAG_STALE:
            if stale:
                reasons.append(f"{len(stale)} secret(s) with stale consumers ({', '.join(stale[:5])})")
            if unreadable_consumers:
                reasons.append(f"consumers of {len(unreadable_consumers)} secret(s) could not be read")
        elif counts.get(state):
            names = [r["name"] for r in results if r["state"] == state]
            reasons.append(f"{counts[state]} {state} ({', '.join(names[:5])}{', ...' if len(names) > 5 else ''})")
    if patterns and not results:
        # a mistyped glob must not pass as "nothing wrong"
        reasons.append(f"no secret matches {', '.join(patterns)}")
    return {
        "secrets": len(results),
        "states": counts,
        "stale_consumers": len(stale),
        "controls": controls,
        "policy_failed": bool(reasons),
        "failures": reasons,
        "scan_errors": list(scan_errors or []),
    }


def verdict_line(summary: dict[str, Any], report_json: str | None = None) -> str:
    if not summary["policy_failed"]:
        return f"secret rotation audit passed: {summary['secrets']} secret(s), none in a failing state"
    line = "secret rotation audit failed: " + "; ".join(summary["failures"])
    return line + (f". Details: {report_json} (or run with -v)" if report_json else "")


# ------------------------------------------------------------------ output
_SHORT = {c: c.replace("SecretsManager.", "SM.") for c in CONTROL_IDS}
_VERDICT_MARK = {"PASS": "PASS", "FAIL": "FAIL", "ERROR": "ERR", "NOT_APPLICABLE": "n/a"}


def render_table(results: list[dict[str, Any]], summary: dict[str, Any]) -> list[str]:
    """The on-screen table: one row per secret, then the counts."""
    header = ["SECRET", "STATE", *(_SHORT[c] for c in CONTROL_IDS), "STALE", "REASON"]
    rows = []
    for r in results:
        stale = sum(s["stale_tasks"] for s in r["stale_consumers"])
        reason = r["reason"] if len(r["reason"]) <= 100 else r["reason"][:97] + "..."
        rows.append([str(r["name"]), r["state"], *(_VERDICT_MARK[r["controls"][c]["verdict"]] for c in CONTROL_IDS), str(stale or "-"), reason])
    widths = [max(len(x[i]) for x in [header, *rows]) for i in range(len(header) - 1)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1] for row in [header, *rows]]
    counts = ", ".join(f"{s} {n}" for s, n in summary["states"].items() if n)
    lines.append(f"{summary['secrets']} secret(s): {counts or 'none in scope'}; stale consumers: {summary['stale_consumers']}")
    return lines


def _testcase(name: str, outcome: str, message: str, classname: str) -> str:
    body = ""
    if outcome == "failure":
        body = f'<failure message={quoteattr(message)} type="policy">{escape(message)}</failure>'
    elif outcome == "error":
        body = f'<error message={quoteattr(message)} type="unreadable">{escape(message)}</error>'
    elif outcome == "skipped":
        body = f"<skipped message={quoteattr(message)}/>"
    return f"    <testcase classname={quoteattr(classname)} name={quoteattr(name)}>{body}</testcase>"


def junit_xml(results: list[dict[str, Any]], policy: dict[str, Any]) -> str:
    """One test suite per secret: a case for its state, one for its consumers and one per control.
    A failing state or FAIL is a failure, ``error`` or ERROR an error, NOT_APPLICABLE skipped."""
    suites = []
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    keys = {"failure": "failures", "error": "errors", "skipped": "skipped"}
    for r in results:
        state = r["state"]
        cases = [
            ("state: " + state, "error" if state == "error" else "failure" if state in policy["fail_on"] else "passed", r["reason"], "rotation"),
            (
                "stale consumers",
                "failure" if r["stale_consumers"] and FLAG_STALE in policy["fail_on"] else "passed",
                json.dumps(r["stale_consumers"]) if r["stale_consumers"] else "none",
                "rotation",
            ),
        ]
        for c in CONTROL_IDS:
            v = r["controls"][c]
            kind = {"PASS": "passed", "FAIL": "failure", "ERROR": "error", "NOT_APPLICABLE": "skipped"}[v["verdict"]]
            cases.append((f"{c} {CONTROL_TITLES[c]}", kind, v["reason"], "securityhub"))
        stats = {"tests": len(cases), "failures": 0, "errors": 0, "skipped": 0}
        for _name, outcome, _message, _cls in cases:
            if outcome in keys:
                stats[keys[outcome]] += 1
        for k in total:
            total[k] += stats[k]
        attrs = " ".join(f'{k}="{v}"' for k, v in stats.items())
        body = "\n".join(_testcase(n, o, m, f"{c}.{r['name']}") for n, o, m, c in cases)
        suites.append(f"  <testsuite name={quoteattr(str(r['name']))} {attrs}>\n{body}\n  </testsuite>")
    attrs = " ".join(f'{k}="{v}"' for k, v in total.items())
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="secret-rotation-audit" {attrs}>\n' + "\n".join(suites) + "\n</testsuites>\n"


def write_reports(output_dir: str, report: dict[str, Any], junit: str) -> dict[str, str]:
    """Write the JSON and JUnit reports atomically; their paths."""
    os.makedirs(output_dir, exist_ok=True)
    paths = {"json": os.path.join(output_dir, REPORT_JSON), "junit": os.path.join(output_dir, REPORT_JUNIT)}
    for key, text in (("json", json.dumps(report, indent=2, sort_keys=True) + "\n"), ("junit", junit)):
        fd, tmp = tempfile.mkstemp(dir=output_dir, prefix=".audit-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, paths[key])
    return paths


# ------------------------------------------------------------------ the reads
def _reason(exc: AwsError) -> str:
    return f"{exc.operation}: {exc.code}: {exc.message}"


def read_function(lam: Any, function_arn: str, call: Callable[..., Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"arn": function_arn}
    try:
        conf = call(lam, "get_function", FunctionName=function_arn).get("Configuration") or {}
        out["exists"] = True
        out["state"] = conf.get("State") or "Active"
    except AwsError as exc:
        if exc.code == "ResourceNotFoundException":
            out["exists"] = False
            return out
        out["error"] = _reason(exc)
        return out
    try:
        out["policy"] = call(lam, "get_policy", FunctionName=function_arn).get("Policy")
    except AwsError as exc:
        if exc.code == "ResourceNotFoundException":
            out["policy"] = None
        else:
            out["policy_error"] = _reason(exc)
    return out


def read_events(ct: Any, since: dt.datetime, paginate: Callable[..., Any]) -> dict[str, Any]:
    """RotationFailed / RotationSucceeded events since ``since``, by secret ARN (two account-wide lookups:
    CloudTrail allows two LookupEvents a second)."""
    by_secret: dict[str, dict[str, list[dict[str, Any]]]] = {}
    try:
        for name, key in (("RotationFailed", "failed"), ("RotationSucceeded", "succeeded")):
            attrs = [{"AttributeKey": "EventName", "AttributeValue": name}]
            for e in paginate(ct, "lookup_events", "Events", LookupAttributes=attrs, StartTime=since):
                try:
                    record = json.loads(e.get("CloudTrailEvent") or "{}")
                except ValueError:
                    record = {}
                secret = (record.get("additionalEventData") or {}).get("SecretId") or next(
                    (r.get("ResourceName") for r in e.get("Resources") or [] if r.get("ResourceName")), None
                )
                if secret:
                    entry = {"time": e.get("EventTime"), "details": record.get("serviceEventDetails") or {}}
                    by_secret.setdefault(secret, {"failed": [], "succeeded": []})[key].append(entry)
    except AwsError as exc:
        return {"readable": False, "error": _reason(exc)}
    return {"readable": True, "by_secret": by_secret}


def read_consumers(ecs: Any, call: Callable[..., Any], paginate: Callable[..., Any]) -> dict[str, Any]:
    """Every running task of every ECS service: ``[{"cluster", "service", "task_definition", "refs", "started_at", "task_arn"}]``."""
    tasks: list[dict[str, Any]] = []
    definitions: dict[str, list[str]] = {}
    try:
        for cluster in paginate(ecs, "list_clusters", "clusterArns"):
            arns = list(paginate(ecs, "list_tasks", "taskArns", cluster=cluster, desiredStatus="RUNNING"))
            for i in range(0, len(arns), 100):
                for t in call(ecs, "describe_tasks", cluster=cluster, tasks=arns[i : i + 100]).get("tasks") or []:
                    group = t.get("group") or ""
                    if not group.startswith("service:") or t.get("lastStatus") != "RUNNING":
                        continue
                    td = t.get("taskDefinitionArn") or ""
                    if td not in definitions:
                        definitions[td] = secret_refs(call(ecs, "describe_task_definition", taskDefinition=td).get("taskDefinition") or {})
                    tasks.append(
                        {
                            "cluster": cluster,
                            "service": group[len("service:") :],
                            "task_definition": td,
                            "refs": definitions[td],
                            "task_arn": t.get("taskArn"),
                            "started_at": t.get("startedAt"),
                        }
                    )
    except AwsError as exc:
        return {"readable": False, "error": _reason(exc)}
    return {"readable": True, "tasks": tasks}


def consumers_of(tasks: list[dict[str, Any]], arn: str, name: str) -> list[dict[str, Any]]:
    grouped: dict[tuple[str, str], dict[str, Any]] = {}
    for t in tasks:
        if any(references(ref, arn, name) for ref in t["refs"]):
            entry = grouped.setdefault(
                (t["cluster"], t["service"]), {"cluster": t["cluster"], "service": t["service"], "task_definition": t["task_definition"], "tasks": []}
            )
            entry["tasks"].append({"task_arn": t["task_arn"], "started_at": t["started_at"]})
    return [grouped[k] for k in sorted(grouped)]


def read_inventory(aws: Any, patterns: list[str], policy: dict[str, Any], now: dt.datetime) -> tuple[list[dict[str, Any]], list[str]]:
    """The facts of every secret in scope (``judge``'s input) and the account-wide scan errors.

    Listing the secrets is the one read without which there is nothing to judge: its
    failure raises. Every later read failure is recorded against what it concerns."""
    from ansible_collections.slipway.aws.plugins.module_utils.aws import call, paginate

    sm = aws.client("secretsmanager")
    listed = [s for s in paginate(sm, "list_secrets", "SecretList") if in_scope(s.get("Name", ""), patterns)]
    listed.sort(key=lambda s: s.get("Name", ""))
    events = (
        read_events(aws.client("cloudtrail"), now - dt.timedelta(days=policy["failed_events_days"]), paginate)
        if listed
        else {"readable": True, "by_secret": {}}
    )
    consumers = read_consumers(aws.client("ecs"), call, paginate) if listed else {"readable": True, "tasks": []}
    functions: dict[str, dict[str, Any]] = {}
    out = []
    for s in listed:
        name, arn = s.get("Name"), s.get("ARN")
        facts: dict[str, Any] = {"name": name, "arn": arn}
        try:
            facts["meta"] = call(sm, "describe_secret", SecretId=arn)
        except AwsError as exc:
            facts["meta"] = None
            facts["error"] = _reason(exc)
            out.append(facts)
            continue
        meta = facts["meta"]
        fn_arn = meta.get("RotationLambdaARN")
        if meta.get("RotationEnabled") and fn_arn and not meta.get("OwningService"):
            if fn_arn not in functions:
                functions[fn_arn] = read_function(aws.client("lambda"), fn_arn, call)
            facts["function"] = functions[fn_arn]
        if events["readable"]:
            mine = events["by_secret"].get(arn) or {}
            facts["events"] = {"readable": True, "failed": mine.get("failed", []), "succeeded": mine.get("succeeded", [])}
        else:
            facts["events"] = {"readable": False, "error": events["error"]}
        if consumers["readable"]:
            facts["consumers"] = consumers_of(consumers["tasks"], arn, name)
        else:
            facts["consumers_error"] = consumers["error"]
        out.append(facts)
    scan_errors = []
    if not consumers["readable"]:
        scan_errors.append(f"ECS consumers could not be read: {consumers['error']}")
    return out, scan_errors


def run_audit(aws: Any, patterns: list[str], policy: dict[str, Any], now: dt.datetime | None = None) -> dict[str, Any]:
    """Read, judge and summarize: the module's whole result except the files."""
    now = now or dt.datetime.now(dt.UTC)
    facts, scan_errors = read_inventory(aws, patterns, policy, now)
    results = [judge(f, policy, now) for f in facts]
    summary = summarize(results, policy, scan_errors, patterns)
    return {"secrets": results, "summary": summary, "policy": policy, "patterns": patterns, "scan_errors": scan_errors}


# ------------------------------------------------------------------ the module's entry
ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "patterns": {"type": "list", "elements": "str", "default": [], "aliases": ["names"]},
    "policy": {"type": "dict", "default": {}},
    "output_dir": {"type": "path"},
}


def execute(params: dict[str, Any], now: dt.datetime | None = None) -> dict[str, Any]:
    """The module's result from its parameters (the AWS connection options included).

    Bad input (a policy value out of range, a bad pattern) raises ``PreflightError``
    before any read and before any file is written. The audit itself writes nothing
    to AWS; ``changed`` is always false."""
    from ansible_collections.slipway.aws.plugins.module_utils.aws import Aws

    policy = check_policy(params.get("policy"))
    patterns = parse_patterns(params.get("patterns"))
    now = now or dt.datetime.now(dt.UTC)
    aws = Aws.from_params(params)
    audit = run_audit(aws, patterns, policy, now)
    summary = audit["summary"]
    report = {
        "generated_at": iso(now),
        "region": aws.region,
        "patterns": patterns,
        "policy": policy,
        "security_hub_parameters": SECURITY_HUB_PARAMETERS,
        "summary": summary,
        "secrets": audit["secrets"],
    }
    reports: dict[str, str] = {}
    if params.get("output_dir"):
        reports = write_reports(params["output_dir"], report, junit_xml(audit["secrets"], policy))
    return {
        "changed": False,
        "secrets": audit["secrets"],
        "summary": summary,
        "policy": policy,
        "policy_failed": summary["policy_failed"],
        "verdict": verdict_line(summary, reports.get("json")),
        "table": render_table(audit["secrets"], summary),
        "reports": reports,
        "calls": aws.counter.as_dict(),
    }
