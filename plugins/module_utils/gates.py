# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Release gates: HTTP smoke tests, CloudWatch metric analysis, alarm state.

Each gate returns a ``GateResult``; ``status`` is one of PASS, FAIL, ERROR
(could not be evaluated — never treated as a pass) or INCONCLUSIVE (it could
not judge: too few requests, or metrics that had not yet covered the window;
the release's ``inconclusive_policy`` decides what happens, and no policy turns
it into a pass). Entries recorded before INCONCLUSIVE existed say NO_DATA.
"""

from __future__ import annotations

import bisect
import datetime
import http.client
import math
import threading
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
        return self.status == "PASS"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def http_get(url: str, host: str, timeout: float, headers: dict[str, str] | None = None) -> tuple[int, str, float]:
    """GET ``url`` with a Host header; returns (status, body excerpt, seconds). ``headers``, when given,
    receives the answer's headers (lower-case names)."""
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
        if headers is not None:
            headers.update({k.lower(): v for k, v in resp.getheaders()})
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


class VerificationLoad:
    """The release's own verification traffic to the new colour, through the test listener.

    One thread sends ``rate`` GETs a second over ``paths`` (in turn) until ``stop``; it can be started and
    stopped again, and its counts add up. Its answers are judged directly (``judge_metrics``) and subtracted
    from the new colour's target-group counts, so they never count as production traffic. An answer with
    ``Server: awselb…`` was made by the load balancer itself (502/503/504 with no target reached): it counts as
    a failed verification request but not as a request of the target group.
    """

    def __init__(self, base_url: str, host: str, paths: list[str], rate: float, timeout: float = 5.0) -> None:
        self.base_url, self.host, self.paths, self.rate, self.timeout = base_url.rstrip("/"), host, list(paths), float(rate), timeout
        self.counts = {"requests": 0, "target_requests": 0, "target_5xx": 0, "elb_errors": 0, "failed": 0, "errors": 0, "latency_ms_sum": 0.0}
        self.samples: list[str] = []
        # second answered -> [target answers, their latency in ms]: subtracted from the new colour's per-period
        # latency datapoints, so the latency comparison sees production alone.
        self.per_second: dict[int, list[float]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="verification-load", daemon=True)
        self._thread.start()

    def stop(self) -> dict[str, Any]:
        """Stop sending; returns once the last request has its answer (or timed out)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        return self.snapshot()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            out: dict[str, Any] = dict(self.counts)
            per_second = [[sec, int(n), round(ms, 3)] for sec, (n, ms) in sorted(self.per_second.items())]
        out["latency_ms_sum"] = round(out["latency_ms_sum"], 3)
        out.update(rate=self.rate, paths=self.paths, per_second=per_second)
        if self.samples:
            out["failures"] = self.samples[:5]
        return out

    def _run(self) -> None:
        interval = 1.0 / self.rate
        nxt = time.monotonic()
        i = 0
        while not self._stop.is_set():
            path = self.paths[i % len(self.paths)]
            i += 1
            self._one(path)
            nxt = max(nxt + interval, time.monotonic() - interval)
            self._stop.wait(max(0.0, nxt - time.monotonic()))

    def _one(self, path: str) -> None:
        headers: dict[str, str] = {}
        try:
            status, _body, secs = http_get(self.base_url + path, self.host, self.timeout, headers)
        except OSError as exc:
            with self._lock:
                self.counts["requests"] += 1
                self.counts["failed"] += 1
                self.counts["errors"] += 1
                if len(self.samples) < 5:
                    self.samples.append(f"{path}: {type(exc).__name__}: {exc}")
            return
        by_elb = headers.get("server", "").lower().startswith("awselb")
        with self._lock:
            c = self.counts
            c["requests"] += 1
            c["latency_ms_sum"] += secs * 1000
            if by_elb:
                c["elb_errors"] += 1 if status >= 500 else 0
            else:
                c["target_requests"] += 1
                c["target_5xx"] += 1 if status >= 500 else 0
                second = self.per_second.setdefault(int(time.time()), [0, 0.0])
                second[0] += 1
                second[1] += secs * 1000
            if status >= 500:
                c["errors"] += 1
                if len(self.samples) < 5:
                    self.samples.append(f"{path}: HTTP {status}{' from the load balancer' if by_elb else ''}")


def _window(start: float, end: float, period: int) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) on the period's grid: the start as given (a whole second chosen by the release, after its
    own earlier requests were answered), the end rounded up to the period."""
    t0 = datetime.datetime.fromtimestamp(start, datetime.UTC)
    t1 = datetime.datetime.fromtimestamp(math.ceil(end / period) * period, datetime.UTC)
    if t1 <= t0:
        t1 = t0 + datetime.timedelta(seconds=period)
    return t0, t1


def metrics_covered(aws: Aws, target_group_arn: str, load_balancer_arn: str, end: float, period: int = 60) -> bool:
    """Whether CloudWatch already holds the new colour's metrics up to ``end``: a host-count datapoint of the
    target group stamped at or after ``end`` (the load balancer publishes host counts every period, in order,
    so the requests answered before ``end`` have been published with it). On AWS that is the period after
    ``end``'s arriving, a minute or two; on the emulator, its next metric flush."""
    tg_dim = arn_suffix(target_group_arn, "targetgroup/")
    lb_dim = arn_suffix(load_balancer_arn, "app/")
    t0 = datetime.datetime.fromtimestamp(math.floor(end), datetime.UTC)
    t1 = max(datetime.datetime.now(datetime.UTC), t0) + datetime.timedelta(seconds=period)
    resp = call(
        aws.client("cloudwatch"),
        "get_metric_data",
        MetricDataQueries=[_metric_query("hosts", "HealthyHostCount", "SampleCount", tg_dim, lb_dim, period)],
        StartTime=t0,
        EndTime=t1,
    )
    return any(r.get("Values") for r in resp.get("MetricDataResults", []))


def metrics(
    aws: Aws,
    target_group_arn: str,
    load_balancer_arn: str,
    start: float,
    end: float,
    limits: dict[str, Any],
    period: int = 60,
    baseline_target_group_arn: str | None = None,
    verification: dict[str, Any] | None = None,
    covered: bool = True,
) -> GateResult:
    """The new colour's production 5xx rate and latency over [start, end) against the fixed ``limits``
    (max_5xx_rate, max_latency_ms, min_requests), against the old colour on the same window (release/stats.py)
    and, with ``verification`` (the counts of the release's own load), the verification answers themselves."""
    started = time.monotonic()
    tg_dim = arn_suffix(target_group_arn, "targetgroup/")
    lb_dim = arn_suffix(load_balancer_arn, "app/")
    t0, t1 = _window(start, end, period)
    queries = [
        _metric_query("requests", "RequestCount", "Sum", tg_dim, lb_dim, period),
        _metric_query("errors", "HTTPCode_Target_5XX_Count", "Sum", tg_dim, lb_dim, period),
        _metric_query("latency_sum", "TargetResponseTime", "Sum", tg_dim, lb_dim, period),
        _metric_query("latency_count", "TargetResponseTime", "SampleCount", tg_dim, lb_dim, period),
    ]
    base_dim = arn_suffix(baseline_target_group_arn, "targetgroup/") if baseline_target_group_arn else None
    if base_dim:
        # The old colour on the same window, in the same call: both colours are read at one moment.
        queries += [
            _metric_query("base_requests", "RequestCount", "Sum", base_dim, lb_dim, period),
            _metric_query("base_errors", "HTTPCode_Target_5XX_Count", "Sum", base_dim, lb_dim, period),
            _metric_query("base_latency", "TargetResponseTime", "Average", base_dim, lb_dim, period),
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
        "period": period,
        "limits": dict(limits),
        # The raw datapoints behind every number: the verdict is recomputed from the record (judge_metrics).
        "datapoints": {qid: [[_iso(ts), v] for ts, v in zip(r.get("Timestamps", []), r.get("Values", []), strict=True)] for qid, r in sorted(results.items())},
    }
    if base_dim:
        evidence["baseline"] = {"target_group": base_dim}
    if verification is not None:
        evidence["verification"] = verification
    if not covered:
        evidence["covered"] = False
    status, summary, derived = judge_metrics(evidence)
    evidence.update(derived)
    return GateResult("metrics", status, summary, evidence=evidence, seconds=time.monotonic() - started)


METRICS_METHOD = "metrics/v2"
_LIMIT_KEYS = ("max_5xx_rate", "max_latency_ms", "min_requests")


def judge_metrics(evidence: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """The metrics verdict from the recorded datapoints, verification counts and limits (live and in
    ``explain_release``): (status, summary, the derived numbers).

    Two sources judge the new colour, each PASS, FAIL or INCONCLUSIVE:

    * production: the target group's requests less the release's own (verification) requests. Under
      ``min_requests`` it is INCONCLUSIVE, never judged on a handful; else the fixed limits (5xx rate, mean
      latency) and the comparison against the old colour (a FAIL fails; too few requests for it leaves the
      fixed limits to judge);
    * verification: the release's own answers (5xx and failed requests, mean latency seen by the client),
      INCONCLUSIVE under ``min_requests`` answers.

    Any FAIL fails; else a PASS passes (the step was judged on data); else INCONCLUSIVE.
    """
    if evidence.get("method") == "metrics/v1":
        return _judge_metrics_v1(evidence)
    points = evidence["datapoints"]
    limits = evidence["limits"]
    max_rate, max_latency, min_requests = (limits[k] for k in _LIMIT_KEYS)

    def total(qid: str) -> float:
        return sum(v for _at, v in points.get(qid, []))

    ver = evidence.get("verification")
    own_requests = int(ver["target_requests"]) if ver else 0
    own_errors = int(ver["target_5xx"]) if ver else 0
    requests, errors = int(total("requests")) - own_requests, int(total("errors")) - own_errors
    lat_sum, lat_count = total("latency_sum"), total("latency_count")
    latency_ms = 1000 * lat_sum / lat_count if lat_count else 0.0
    rate = errors / requests if requests > 0 else 0.0
    derived: dict[str, Any] = {
        "requests": requests,
        "errors_5xx": errors,
        "error_rate": round(rate, 4),
        "latency_ms": round(latency_ms, 1),
    }
    verdicts: dict[str, str] = {}
    parts: list[str] = []
    comparison = latency_cmp = None
    if evidence.get("baseline"):
        base_requests, base_errors = int(total("base_requests")), int(total("base_errors"))
        derived["baseline"] = {
            "target_group": evidence["baseline"]["target_group"],
            "requests": base_requests,
            "errors_5xx": base_errors,
            "error_rate": round(base_errors / base_requests, 4) if base_requests else 0.0,
        }
        if requests >= 0 and errors >= 0:
            comparison = stats.compare_error_rates(requests, errors, base_requests, base_errors)
            latency_cmp = stats.compare_latency(production_latencies(evidence), [v for _at, v in points.get("base_latency", [])])
            derived["comparison"] = {"error_rate": comparison.as_dict(), "latency": latency_cmp.as_dict()}
    own = f"; {own_requests} verification subtracted" if ver else ""
    if requests < 0 or errors < 0:
        verdicts["production"] = "INCONCLUSIVE"
        parts.append(
            f"production: the target group counted {int(total('requests'))} requests and {int(total('errors'))} 5xx, fewer than the "
            f"release's own {own_requests} and {own_errors}: its metrics are incomplete, not judged"
        )
    elif requests < min_requests:
        verdicts["production"] = "INCONCLUSIVE"
        parts.append(f"production: {requests} requests (< {min_requests}{own}): not judged")
    elif rate > max_rate:
        verdicts["production"] = "FAIL"
        parts.append(f"production: 5xx rate {rate:.1%} > limit {max_rate:.1%} ({errors}/{requests} requests{own})")
    elif latency_ms > max_latency:
        verdicts["production"] = "FAIL"
        parts.append(f"production: mean latency {latency_ms:.0f} ms > limit {max_latency:.0f} ms (over all {int(lat_count)} requests)")
    elif comparison is not None and comparison.status == stats.FAIL:
        verdicts["production"] = "FAIL"
        parts.append(f"production against the old colour: {comparison.summary}")
    elif latency_cmp is not None and latency_cmp.status == stats.FAIL:
        verdicts["production"] = "FAIL"
        parts.append(f"production against the old colour: {latency_cmp.summary}")
    else:
        verdicts["production"] = "PASS"
        against = f"; against the old colour: {comparison.summary}" if comparison is not None else ""
        if latency_cmp is not None and latency_cmp.status == stats.PASS:
            against += f"; {latency_cmp.summary}"
        parts.append(f"production: {requests} requests{f' ({own[2:]})' if own else ''}, 5xx {rate:.1%}, mean latency {latency_ms:.0f} ms{against}")
    if evidence.get("covered") is False and verdicts["production"] != "FAIL":
        # What arrived may be part of the window: too little to pass it, though a failure in it is real.
        verdicts["production"] = "INCONCLUSIVE"
        parts[-1] = f"production: CloudWatch had not covered the window by the deadline, not judged ({parts[-1].split(': ', 1)[1]})"
    if ver:
        n, bad = int(ver["requests"]), int(ver["errors"])
        v_rate = bad / n if n else 0.0
        v_latency = ver["latency_ms_sum"] / (n - int(ver["failed"])) if n > int(ver["failed"]) else 0.0
        derived["verification_result"] = {"requests": n, "errors": bad, "error_rate": round(v_rate, 4), "latency_ms": round(v_latency, 1)}
        if n < min_requests:
            verdicts["verification"] = "INCONCLUSIVE"
            parts.append(f"verification: {n} answers (< {min_requests}): not judged")
        elif v_rate > max_rate:
            verdicts["verification"] = "FAIL"
            parts.append(f"verification: {bad}/{n} failed ({v_rate:.1%} > limit {max_rate:.1%})")
        elif v_latency > max_latency:
            verdicts["verification"] = "FAIL"
            parts.append(f"verification: mean latency {v_latency:.0f} ms > limit {max_latency:.0f} ms")
        else:
            verdicts["verification"] = "PASS"
            parts.append(f"verification: {n} answers, {bad} failed, mean latency {v_latency:.0f} ms")
    derived["verdicts"] = verdicts
    if "FAIL" in verdicts.values():
        status = "FAIL"
        parts = [p for src, p in zip(verdicts, parts, strict=True) if verdicts[src] == "FAIL"] + [
            p for src, p in zip(verdicts, parts, strict=True) if verdicts[src] != "FAIL"
        ]
    elif "PASS" in verdicts.values():
        status = "PASS"
    else:
        status = "INCONCLUSIVE"
    return status, "; ".join(parts), derived


def production_latencies(evidence: dict[str, Any]) -> list[float]:
    """The new colour's per-period mean latency (seconds) of production alone: each period's TargetResponseTime Sum
    and SampleCount less the verification answers of the seconds in it. A verification answer's latency is the one
    the client saw, which includes the network between it and the load balancer; the target's share is a little
    less, so the estimate of production comes out faster by that network time of the verification requests in the
    period (well under a millisecond a request on loopback). Each second goes to the period whose datapoint
    starts at or before it (CloudWatch's periods need not start at the window's start). Periods left with no
    production request are dropped."""
    points = evidence["datapoints"]
    counts = dict(points.get("latency_count", []))
    sums = [(datetime.datetime.fromisoformat(at).timestamp(), at, total) for at, total in points.get("latency_sum", [])]
    sums.sort()
    starts = [t for t, _at, _total in sums]
    own: dict[str, list[float]] = {}
    for second, n, ms in (evidence.get("verification") or {}).get("per_second", []):
        i = bisect.bisect_right(starts, second) - 1
        if i < 0:
            continue
        acc = own.setdefault(sums[i][1], [0, 0.0])
        acc[0] += n
        acc[1] += ms / 1000
    out = []
    for _t, at, total in sums:
        n0, s0 = own.get(at, (0, 0.0))
        n, spent = counts.get(at, 0) - n0, total - s0
        if n > 0 and spent >= 0:
            out.append(spent / n)
    return out


def _judge_metrics_v1(evidence: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """The verdict of an entry recorded by ``metrics/v1`` (before INCONCLUSIVE and the verification load), kept
    so that ``explain_release`` recomputes older releases as they were judged."""
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
