# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Release gates: HTTP smoke tests, CloudWatch metric analysis, alarm state.

Each gate returns a ``GateResult``; ``status`` is one of PASS, FAIL, ERROR
(could not be evaluated — never treated as a pass) or NO_DATA (the metric
window held too few requests to judge; fails when the gate requires traffic).
"""

from __future__ import annotations

import datetime
import http.client
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.aws import Aws, call
from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError
from ansible_collections.slipway.aws.plugins.module_utils.release import stats


@dataclass
class GateResult:
    gate: str
    status: str
    summary: str
    step: int | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status in ("PASS", "NO_DATA")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def http_get(url: str, host: str, timeout: float) -> tuple[int, str, float]:
    """GET ``url`` with a Host header; returns (status, body excerpt, seconds)."""
    parts = urllib.parse.urlsplit(url)
    conn_cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = conn_cls(parts.hostname, parts.port, timeout=timeout)
    started = time.monotonic()
    try:
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        conn.request("GET", path, headers={"Host": host, "User-Agent": "slipway-smoke"})
        resp = conn.getresponse()
        body = resp.read(2048).decode("utf-8", "replace")
        return resp.status, body[:300], time.monotonic() - started
    finally:
        conn.close()


def smoke(base_url: str, host: str, paths: list[str], attempts: int = 3, timeout: float = 5.0) -> GateResult:
    """Every path must answer 2xx on every attempt through the test listener."""
    started = time.monotonic()
    checks = []
    for path in paths:
        for attempt in range(1, attempts + 1):
            url = base_url.rstrip("/") + path
            try:
                status, body, secs = http_get(url, host, timeout)
            except OSError as exc:
                checks.append({"path": path, "attempt": attempt, "error": str(exc)})
                continue
            checks.append({"path": path, "attempt": attempt, "status": status, "ms": round(secs * 1000), "body": body[:120]})
    evidence = {"url": base_url, "host": host, "checks": checks}
    status, summary = judge_smoke(evidence)
    return GateResult("smoke", status, summary, evidence=evidence, seconds=time.monotonic() - started)


def judge_smoke(evidence: dict[str, Any]) -> tuple[str, str]:
    """The smoke verdict from its recorded checks (live and in ``explain_release``)."""
    checks = evidence.get("checks") or []
    failed = [f"{c['path']}: {c['error']}" if "error" in c else f"{c['path']}: HTTP {c['status']}" for c in checks if not 200 <= c.get("status", 0) < 300]
    if failed:
        return "FAIL", f"{len(failed)}/{len(checks)} requests failed ({'; '.join(sorted(set(failed))[:3])})"
    return "PASS", f"{len(checks)} requests, all 2xx"


def alarms(aws: Aws, names: list[str]) -> GateResult:
    """FAIL when any named alarm is in ALARM; ERROR when one does not exist."""
    started = time.monotonic()
    if not names:
        return GateResult("alarms", *judge_alarms({"states": {}}), evidence={"states": {}})
    try:
        found = call(aws.client("cloudwatch"), "describe_alarms", AlarmNames=names).get("MetricAlarms", [])
    except AwsError as exc:
        return GateResult("alarms", "ERROR", f"could not read alarms: {exc}", seconds=time.monotonic() - started)
    states = {a["AlarmName"]: a["StateValue"] for a in found}
    evidence: dict[str, Any] = {"states": states}
    missing = sorted(set(names) - set(states))
    if missing:
        evidence["missing"] = missing
    reasons = {a["AlarmName"]: a.get("StateReason", "") for a in found if a["StateValue"] == "ALARM"}
    if reasons:
        evidence["reasons"] = reasons
    status, summary = judge_alarms(evidence)
    return GateResult("alarms", status, summary, evidence=evidence, seconds=time.monotonic() - started)


def judge_alarms(evidence: dict[str, Any]) -> tuple[str, str]:
    """The alarm verdict from the recorded states (live and in ``explain_release``)."""
    states = evidence.get("states") or {}
    firing = sorted(n for n, s in states.items() if s == "ALARM")
    if firing:
        return "FAIL", f"in ALARM: {', '.join(firing)}"
    if evidence.get("missing"):
        return "ERROR", f"alarms not found: {', '.join(evidence['missing'])}"
    return "PASS", f"{len(states)} alarms OK" if states else "no alarms configured"


def _metric_query(qid: str, metric: str, stat: str, tg_dim: str, lb_dim: str, period: int) -> dict[str, Any]:
    return {
        "Id": qid,
        "MetricStat": {
            "Metric": {
                "Namespace": "AWS/ApplicationELB",
                "MetricName": metric,
                "Dimensions": [{"Name": "TargetGroup", "Value": tg_dim}, {"Name": "LoadBalancer", "Value": lb_dim}],
            },
            "Period": period,
            "Stat": stat,
        },
        "ReturnData": True,
    }


def arn_suffix(arn: str, marker: str) -> str:
    """``targetgroup/NAME/ID`` or ``app/NAME/ID``: the CloudWatch dimension form of an ELB ARN."""
    return arn[arn.index(marker) :]


def metrics(
    aws: Aws,
    target_group_arn: str,
    load_balancer_arn: str,
    start: float,
    end: float,
    max_5xx_rate: float,
    max_latency_ms: float,
    min_requests: int,
    require_traffic: bool,
    period: int = 60,
    baseline_target_group_arn: str | None = None,
) -> GateResult:
    """5xx rate and mean latency of one target group over [start, end], against fixed limits and, with a
    ``baseline_target_group_arn``, against the old colour on the same window (release/stats.py)."""
    started = time.monotonic()
    tg_dim = arn_suffix(target_group_arn, "targetgroup/")
    lb_dim = arn_suffix(load_balancer_arn, "app/")
    # The window starts exactly when the step started: rounding it down to the
    # period would judge the step by requests from before it (the smoke tests,
    # or an earlier failed release on the same target group in the same
    # minute). It ends one period late, so the current partial period counts.
    t0 = datetime.datetime.fromtimestamp(start, datetime.UTC)
    t1 = datetime.datetime.fromtimestamp(end - end % period + period, datetime.UTC)
    queries = [
        _metric_query("requests", "RequestCount", "Sum", tg_dim, lb_dim, period),
        _metric_query("errors", "HTTPCode_Target_5XX_Count", "Sum", tg_dim, lb_dim, period),
        _metric_query("latency", "TargetResponseTime", "Average", tg_dim, lb_dim, period),
    ]
    base_dim = arn_suffix(baseline_target_group_arn, "targetgroup/") if baseline_target_group_arn else None
    if base_dim:
        # The old colour on the same window, in the same call: both colours are read at one moment.
        queries += [
            _metric_query("base_requests", "RequestCount", "Sum", base_dim, lb_dim, period),
            _metric_query("base_errors", "HTTPCode_Target_5XX_Count", "Sum", base_dim, lb_dim, period),
        ]
    try:
        resp = call(aws.client("cloudwatch"), "get_metric_data", MetricDataQueries=queries, StartTime=t0, EndTime=t1)
    except AwsError as exc:
        return GateResult("metrics", "ERROR", f"could not read CloudWatch metrics: {exc}", seconds=time.monotonic() - started)
    results = {r["Id"]: r for r in resp.get("MetricDataResults", [])}
    evidence: dict[str, Any] = {
        "method": METRICS_METHOD,
        "target_group": tg_dim,
        "window": [t0.isoformat(), t1.isoformat()],
        "limits": {"max_5xx_rate": max_5xx_rate, "max_latency_ms": max_latency_ms, "min_requests": min_requests, "require_traffic": require_traffic},
        # The raw datapoints behind every number: the verdict is recomputed from the record (judge_metrics).
        "datapoints": {qid: [[_iso(ts), v] for ts, v in zip(r.get("Timestamps", []), r.get("Values", []), strict=True)] for qid, r in sorted(results.items())},
    }
    if base_dim:
        evidence["baseline"] = {"target_group": base_dim}
    status, summary, derived = judge_metrics(evidence)
    evidence.update(derived)
    return GateResult("metrics", status, summary, evidence=evidence, seconds=time.monotonic() - started)


METRICS_METHOD = "metrics/v1"


def judge_metrics(evidence: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """The metrics verdict from the recorded datapoints and limits (live and in ``explain_release``): (status,
    summary, the derived numbers: totals, rates, the baseline's counts and the comparison)."""
    points = evidence["datapoints"]
    limits = evidence["limits"]

    def total(qid: str) -> float:
        return sum(v for _at, v in points.get(qid, []))

    requests, errors = total("requests"), total("errors")
    lat = [v for _at, v in points.get("latency", [])]
    latency_ms = 1000 * sum(lat) / len(lat) if lat else 0.0
    rate = errors / requests if requests else 0.0
    derived: dict[str, Any] = {"requests": int(requests), "errors_5xx": int(errors), "error_rate": round(rate, 4), "latency_ms": round(latency_ms, 1)}
    comparison = None
    if evidence.get("baseline"):
        base_requests, base_errors = int(total("base_requests")), int(total("base_errors"))
        comparison = stats.compare_error_rates(int(requests), int(errors), base_requests, base_errors)
        derived["baseline"] = {
            "target_group": evidence["baseline"]["target_group"],
            "requests": base_requests,
            "errors_5xx": base_errors,
            "error_rate": round(base_errors / base_requests, 4) if base_requests else 0.0,
        }
        derived["comparison"] = {"error_rate": comparison.as_dict()}
    max_rate, max_latency, min_requests = limits["max_5xx_rate"], limits["max_latency_ms"], limits["min_requests"]
    if requests and rate > max_rate:
        return "FAIL", f"5xx rate {rate:.1%} > limit {max_rate:.1%} ({int(errors)}/{int(requests)} requests)", derived
    if requests and latency_ms > max_latency:
        return "FAIL", f"mean latency {latency_ms:.0f} ms > limit {max_latency:.0f} ms", derived
    if comparison is not None and comparison.status == stats.FAIL:
        return "FAIL", f"against the old colour: {comparison.summary}", derived
    if requests < min_requests:
        status = "FAIL" if limits["require_traffic"] else "NO_DATA"
        return status, f"only {int(requests)} requests (< {min_requests}) in the window: not judged", derived
    against = f"; against the old colour: {comparison.summary}" if comparison is not None else ""
    return "PASS", f"{int(requests)} requests, 5xx {rate:.1%}, mean latency {latency_ms:.0f} ms{against}", derived


def _iso(ts: Any) -> str:
    return ts.isoformat() if isinstance(ts, datetime.datetime) else str(ts)
