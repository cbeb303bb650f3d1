# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Why a release did what it did, from its ledger entry alone; every gate verdict recomputed from its stored inputs.

A gate's verdict is a computation over what it read (the smoke checks' answers, the alarms' states, the metric
datapoints and limits). The live gate and this module call the same pure judge (``gates.judge_*``) on the same
evidence, so a recomputation that differs from the record means the record or the judge changed since: it is
reported as CHANGED, and ``explain_release`` fails. Health and approval are observations (targets seen healthy, an
operator's decision): there is nothing to recompute, and they are labelled so, never counted as confirmed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils import gates as gatelib

SAME, CHANGED, OBSERVED, UNRECOMPUTABLE = "same", "CHANGED", "observed", "not recomputable"
OBSERVATIONS = ("health", "approval")


# The limits each recomputable method recorded.
METHOD_LIMITS = {
    "metrics/v1": ("max_5xx_rate", "max_latency_ms", "min_requests", "require_traffic"),
    gatelib.METRICS_METHOD: ("max_5xx_rate", "max_latency_ms", "min_requests"),
}


def _metrics(evidence: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    method = evidence.get("method")
    if method not in METHOD_LIMITS:
        raise LookupError(f"recorded by method {method or 'unnamed (an entry older than recomputable metrics)'}, not one of {', '.join(METHOD_LIMITS)}")
    limits = evidence.get("limits") or {}
    absent = [k for k in METHOD_LIMITS[method] if k not in limits]
    if absent or "datapoints" not in evidence:
        raise LookupError(f"the record lacks {', '.join(absent or ['datapoints'])}")
    return gatelib.judge_metrics(evidence)


def _smoke(evidence: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    if "checks" not in evidence:
        raise LookupError("the record holds no smoke checks")
    return (*gatelib.judge_smoke(evidence), {})


def _alarms(evidence: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    if "states" not in evidence:
        raise LookupError("the record holds no alarm states")
    return (*gatelib.judge_alarms(evidence), {})


JUDGES: dict[str, Callable[[dict[str, Any]], tuple[str, str, dict[str, Any]]]] = {"metrics": _metrics, "smoke": _smoke, "alarms": _alarms}


def recheck(gate: dict[str, Any]) -> dict[str, Any]:
    """One recorded gate, recomputed: its record plus ``check`` (same / CHANGED / observed / not recomputable),
    ``recomputed`` (status and summary, when recomputed), ``differences`` and ``why``."""
    out = {k: gate.get(k) for k in ("gate", "step", "status", "summary")}
    name, evidence = gate.get("gate"), gate.get("evidence") or {}
    if name in OBSERVATIONS:
        return {**out, "check": OBSERVED, "why": "an observation (not a computation over recorded inputs): nothing to recompute"}
    judge = JUDGES.get(str(name))
    if judge is None:
        return {**out, "check": UNRECOMPUTABLE, "why": f"no judge for a gate named {name!r}"}
    if not evidence:
        return {**out, "check": UNRECOMPUTABLE, "why": "the gate read nothing (it could not run): its record is the error itself"}
    try:
        status, summary, derived = judge(evidence)
    except LookupError as exc:
        return {**out, "check": UNRECOMPUTABLE, "why": str(exc)}
    differences = []
    if status != gate.get("status"):
        differences.append(f"status: recorded {gate.get('status')}, recomputed {status}")
    if summary != gate.get("summary"):
        differences.append(f"summary: recorded {gate.get('summary')!r}, recomputed {summary!r}")
    for key in sorted(derived):
        if derived[key] != evidence.get(key):
            differences.append(f"evidence.{key}: recorded {evidence.get(key)!r}, recomputed {derived[key]!r}")
    check = CHANGED if differences else SAME
    return {**out, "check": check, "recomputed": {"status": status, "summary": summary}, "differences": differences}


def _step(gate: dict[str, Any]) -> str:
    return "" if gate.get("step") is None else f" (step {gate['step']})"


def explain(entry: dict[str, Any]) -> dict[str, Any]:
    """``lines`` (what a person reads), ``gates`` (each rechecked), ``changed`` (the gates whose recomputation
    differs from the record) and ``deciding`` (the gate that ended the release, if one did)."""
    gates = [recheck(g) for g in entry.get("gates") or []]
    # An INCONCLUSIVE verdict that the policy answered by extending the step, or that an operator let pass,
    # decided nothing: the verdict after it did.
    recorded = entry.get("gates") or []
    answered = [(raw.get("evidence") or {}).get("then") in ("extended", "approved") for raw in recorded]
    deciding = next((g for g, passed_on in zip(gates, answered, strict=True) if g["status"] not in ("PASS", "NO_DATA") and not passed_on), None)
    lines = [
        f"{entry.get('service')} release {entry.get('release_id')}: {entry.get('outcome')}",
        f"  image {entry.get('image_tag')} ({entry.get('image_digest')}), {entry.get('strategy')} to {entry.get('to_colour')} "
        f"from {entry.get('from_colour')}, by {entry.get('who')}, {entry.get('started_at')} to {entry.get('finished_at')}",
        f"  outcome: {entry.get('message')}",
    ]
    if deciding is not None:
        lines.append(f"  decided by: gate {deciding['gate']}{_step(deciding)}: {deciding['status']} — {deciding['summary']}")
    elif entry.get("outcome") != "succeeded":
        lines.append("  decided by: no gate (see the outcome above: an interrupt, a halt or an error outside the gates)")
    if entry.get("signals"):
        lines.append(f"  signals received: {', '.join(entry['signals'])}")
    for err in entry.get("rollback_errors") or []:
        lines.append(f"  rollback error: {err}")
    lines.append(f"  gates ({len(gates)}), each recomputed from its stored inputs:")
    for g in gates:
        lines.append(f"    {g['gate']}{_step(g)}: {g['status']} — {g['summary']}  [{g['check']}{': ' + g['why'] if g.get('why') else ''}]")
        lines.extend(f"      {d}" for d in g.get("differences") or [])
    changed = [g for g in gates if g["check"] == CHANGED]
    counts = {c: sum(1 for g in gates if g["check"] == c) for c in (SAME, CHANGED, OBSERVED, UNRECOMPUTABLE)}
    lines.append("  recomputed: " + ", ".join(f"{n} {c}" for c, n in counts.items() if n) if gates else "  recomputed: no gate was recorded")
    return {"lines": lines, "gates": gates, "changed": changed, "counts": counts, "deciding": deciding}
