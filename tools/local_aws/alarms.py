"""CloudWatch metric alarms evaluated from the emulated CloudWatch's metric data.

Every ``SLIPWAY_ALARM_EVAL_SECONDS`` (default 5; ``0`` turns evaluation off)
the reconcile loop evaluates every metric alarm in moto's CloudWatch backend the
way AWS documents it (see docs/emulator.md, "Alarm evaluation"):

* the alarm's period (multiplied by ``SLIPWAY_ALARM_PERIOD_SCALE``, default 1,
  so tests can run a 60 s alarm in 3 s) cuts the recent past into windows that
  end at the evaluation time; each window's datapoint is the alarm's statistic
  (``Sum``, ``Average``, ``Minimum``, ``Maximum``, ``SampleCount`` or a ``pNN``
  extended statistic) over the metric data with exactly the alarm's namespace,
  name and dimensions (and unit, when the alarm has one);
* the evaluation range is 2 x EvaluationPeriods windows; the most recent
  EvaluationPeriods real datapoints are used, reaching back into the range when
  some are missing; only when fewer real datapoints exist is TreatMissingData
  applied (``missing``, ``notBreaching``, ``breaching``, ``ignore``);
* ALARM when at least DatapointsToAlarm (M of N) of them breach, else OK;
* metric-math alarms (``Metrics``) with arithmetic expressions (``+ - * /``,
  parentheses, numbers, query ids) are supported.

A state change goes through ``CloudWatchBackend.set_alarm_state`` (what
``SetAlarmState`` calls: StateValue, StateReason, StateReasonData,
StateUpdatedTimestamp and the history), only when the state changes, and the
alarm's SNS actions get an AWS-shaped message through moto's SNS backend. A
state set from outside (``SetAlarmState``) is held for one (scaled) alarm
period; the first evaluation after that replaces it if the data says otherwise.

``GET /_slipway/alarms`` answers the evaluator's view of every alarm;
``POST /_slipway/alarms`` evaluates at once and answers the transitions.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

LOG = logging.getLogger("local_aws.alarms")

PATH = "/_slipway/alarms"
EVAL_ENV = "SLIPWAY_ALARM_EVAL_SECONDS"
SCALE_ENV = "SLIPWAY_ALARM_PERIOD_SCALE"
DEFAULT_EVAL_SECONDS = 5.0
INITIAL_REASON = "Unchecked: Initial alarm creation"  # moto's state of a new alarm (OK)
REGION_NAMES = {"us-east-1": "US East (N. Virginia)"}

OPERATORS: dict[str, tuple[Callable[[float, float], bool], str]] = {
    "GreaterThanOrEqualToThreshold": (lambda v, t: v >= t, "greater than or equal to"),
    "GreaterThanThreshold": (lambda v, t: v > t, "greater than"),
    "LessThanThreshold": (lambda v, t: v < t, "less than"),
    "LessThanOrEqualToThreshold": (lambda v, t: v <= t, "less than or equal to"),
}
STATISTICS = ("SampleCount", "Sum", "Minimum", "Maximum", "Average")
TREAT_MISSING = ("missing", "notBreaching", "breaching", "ignore")
STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")


class Unsupported(ValueError):
    """An alarm feature the emulator does not evaluate (the alarm is skipped)."""


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SystemExit(f"{name} must be a number, got {raw!r}") from exc


# ------------------------------------------------------------ pure functions
@dataclass(frozen=True)
class Sample:
    """One PutMetricData datum: a value (``values`` has it) or a statistic set (``values`` is None)."""

    sample_count: float
    total: float
    minimum: float
    maximum: float
    values: tuple[float, ...] | None = None

    @classmethod
    def of(cls, value: float) -> Sample:
        return cls(1.0, value, value, value, (value,))


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (``p`` in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100.0 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def statistic(samples: Sequence[Sample], stat: str) -> float | None:
    """The value of ``stat`` over the samples of one period; None when there is no datapoint.

    A ``pNN`` percentile needs the raw values: statistic sets carry none, so a
    period with a statistic set has no percentile datapoint (as on AWS)."""
    check_statistic(stat)
    if not samples:
        return None
    if stat == "SampleCount":
        return sum(s.sample_count for s in samples)
    if stat == "Sum":
        return sum(s.total for s in samples)
    if stat == "Minimum":
        return min(s.minimum for s in samples)
    if stat == "Maximum":
        return max(s.maximum for s in samples)
    if stat == "Average":
        count = sum(s.sample_count for s in samples)
        return sum(s.total for s in samples) / count if count else None
    if any(s.values is None for s in samples):
        return None
    values = [v for s in samples for v in s.values or ()]
    return percentile(values, float(stat[1:])) if values else None


def check_statistic(stat: str) -> None:
    """Raise Unsupported unless ``stat`` is a statistic the emulator computes."""
    if stat in STATISTICS:
        return
    if stat[:1] == "p":
        try:
            p = float(stat[1:])
        except ValueError:
            p = -1.0
        if 0.0 <= p <= 100.0:
            return
    raise Unsupported(f"statistic {stat!r}")


def breaches(value: float, threshold: float, operator: str) -> bool:
    if operator not in OPERATORS:
        raise Unsupported(f"comparison operator {operator!r}")
    return OPERATORS[operator][0](value, threshold)


@dataclass
class Outcome:
    """What one evaluation decided. ``state`` None means: keep the current state."""

    state: str | None
    used: list[int] = field(default_factory=list)  # indices (into the range) of the real datapoints used
    breaching: int = 0  # breaching datapoints among the used real ones
    filled: int = 0  # missing datapoints filled in by TreatMissingData
    filled_as: str = ""  # "breaching" | "notBreaching" | "" (missing/ignore fill nothing)
    needed: int = 0  # datapoints to alarm that applied


def evaluate(
    points: Sequence[float | None],
    *,
    threshold: float,
    operator: str,
    evaluation_periods: int,
    datapoints_to_alarm: int | None = None,
    treat_missing: str | None = None,
) -> Outcome:
    """Decide an alarm's state from the datapoints of its evaluation range.

    ``points`` are oldest first, one per period, None where the period has no
    datapoint; the range may be longer than ``evaluation_periods``.

    * Enough real datapoints (>= N): the most recent N real ones decide,
      TreatMissingData plays no part; ALARM when >= M of them breach.
    * Fewer: every real datapoint is used and N - real missing ones are filled:
      ``breaching`` counts them as breaching, ``notBreaching`` as not;
      ``missing`` decides on the real ones alone (ALARM when they breach at
      least min(M, real) times; no real datapoint -> INSUFFICIENT_DATA);
      ``ignore`` is like ``missing`` but keeps the current state where
      ``missing`` would go to INSUFFICIENT_DATA, or to ALARM on fewer than M
      breaching datapoints.
    """
    n = int(evaluation_periods)
    if n < 1:
        raise Unsupported("EvaluationPeriods < 1")
    m = int(datapoints_to_alarm or n)
    m = max(1, min(m, n))
    treat = treat_missing or "missing"
    if treat not in TREAT_MISSING:
        raise Unsupported(f"TreatMissingData {treat!r}")
    real = [i for i, v in enumerate(points) if v is not None]
    if len(real) >= n:
        used = real[-n:]
        hits = sum(1 for i in used if breaches(float(points[i]), threshold, operator))  # type: ignore[arg-type]
        return Outcome("ALARM" if hits >= m else "OK", used, hits, 0, "", m)
    hits = sum(1 for i in real if breaches(float(points[i]), threshold, operator))  # type: ignore[arg-type]
    fill = n - len(real)
    if treat == "breaching":
        return Outcome("ALARM" if hits + fill >= m else "OK", real, hits, fill, "breaching", m)
    if treat == "notBreaching":
        return Outcome("ALARM" if hits >= m else "OK", real, hits, fill, "notBreaching", m)
    if not real:
        return Outcome("INSUFFICIENT_DATA" if treat == "missing" else None, [], 0, 0, "", m)
    needed = min(m, len(real))
    state = "ALARM" if hits >= needed else "OK"
    if treat == "ignore" and state == "ALARM" and hits < m:
        return Outcome(None, real, hits, 0, "", m)
    return Outcome(state, real, hits, 0, "", needed)


def windows(end: dt.datetime, period: float, count: int) -> list[tuple[dt.datetime, dt.datetime]]:
    """``count`` back-to-back windows of ``period`` seconds ending at ``end``, oldest first."""
    step = dt.timedelta(seconds=period)
    return [(end - step * k, end - step * (k - 1)) for k in range(count, 0, -1)]


_BINOPS: dict[type, Callable[[float, float], float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


def expression_ids(expression: str) -> set[str]:
    """The query ids an expression refers to."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        raise Unsupported(f"expression {expression!r}") from None
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def evaluate_expression(expression: str, series: dict[str, Sequence[float | None]], length: int) -> list[float | None]:
    """Per-period value of an arithmetic metric-math expression over aligned series.

    Supported: numbers, query ids, ``+ - * /``, unary minus, parentheses. A
    period where an operand has no datapoint, or that divides by zero, has no
    datapoint in the result."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        raise Unsupported(f"expression {expression!r}") from None

    def value(node: ast.AST, i: int) -> float | None:
        if isinstance(node, ast.Expression):
            return value(node.body, i)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
            return float(node.value)
        if isinstance(node, ast.Name):
            if node.id not in series:
                raise Unsupported(f"expression {expression!r}: unknown id {node.id!r}")
            return series[node.id][i]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            v = value(node.operand, i)
            return None if v is None else (-v if isinstance(node.op, ast.USub) else v)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            a, b = value(node.left, i), value(node.right, i)
            if a is None or b is None:
                return None
            try:
                return _BINOPS[type(node.op)](a, b)
            except ZeroDivisionError:
                return None
        raise Unsupported(f"expression {expression!r}: only + - * / over ids and numbers")

    return [value(tree, i) for i in range(length)]


def _fmt_value(v: float) -> str:
    return repr(float(v))


def _aws_time(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}+0000"


def state_reason(
    outcome: Outcome,
    points: Sequence[float | None],
    starts: Sequence[dt.datetime],
    *,
    threshold: float,
    operator: str,
    evaluation_periods: int,
    previous: str,
) -> str:
    """A StateReason worded like CloudWatch's."""
    n = int(evaluation_periods)
    if outcome.state == "INSUFFICIENT_DATA":
        return f"Insufficient Data: {n} datapoint{'s were' if n != 1 else ' was'} unknown."
    words = OPERATORS[operator][1]
    treated = "Breaching" if outcome.filled_as == "breaching" else "NonBreaching"
    filled = f"{outcome.filled} missing datapoint{'s were' if outcome.filled != 1 else ' was'} treated as [{treated}]"
    if not outcome.used:
        return f"Threshold Crossed: no datapoints were received for {n} period{'s' if n != 1 else ''} and {filled}."
    used = list(reversed(outcome.used))  # most recent first, like CloudWatch
    listed = ", ".join(f"{_fmt_value(points[i])} ({starts[i].strftime('%d/%m/%y %H:%M:%S')})" for i in used)  # type: ignore[arg-type]
    total = len(used) + outcome.filled
    if outcome.state == "ALARM":
        count, verb = outcome.breaching, words
    else:
        count, verb = len(used) - outcome.breaching, f"not {words}"
    was = "was" if count == 1 else "were"
    plural = "s" if total != 1 else ""
    text = f"Threshold Crossed: {count} out of the last {total} datapoint{plural} [{listed}] {was} {verb} the threshold ({_fmt_value(threshold)})"
    if outcome.filled:
        text += f" and {filled}"
    need = outcome.needed if outcome.state == "ALARM" else 1
    return f"{text} (minimum {need} datapoint{'s' if need != 1 else ''} for {previous} -> {outcome.state} transition)."


# ------------------------------------------------------------ moto side
def _naive_utc(t: dt.datetime) -> dt.datetime:
    if t.tzinfo is not None:
        return t.astimezone(dt.UTC).replace(tzinfo=None)
    return t


def _dims_key(dimensions: Iterable[Any]) -> frozenset[tuple[str, str]]:
    out = set()
    for d in dimensions or ():
        if isinstance(d, dict):
            out.add((str(d.get("Name")), str(d.get("Value"))))
        else:
            out.add((str(d.name), str(d.value)))
    return frozenset(out)


def _sample_of(datum: Any) -> Sample:
    if hasattr(datum, "value"):
        return Sample.of(float(datum.value))
    return Sample(float(datum.sample_count), float(datum.sum), float(datum.min), float(datum.max), None)


MetricKey = tuple[str, str, frozenset[tuple[str, str]]]


class MetricIndex:
    """Metric data of moto's CloudWatch backend by (namespace, name, dimensions),
    read incrementally (moto only appends) and pruned past a horizon."""

    def __init__(self) -> None:
        self._source: int | None = None
        self._seen = 0
        self.series: dict[MetricKey, list[tuple[dt.datetime, Any, Sample]]] = {}

    def sync(self, metric_data: list[Any], horizon: dt.datetime) -> None:
        if id(metric_data) != self._source or len(metric_data) < self._seen:
            self._source, self._seen, self.series = id(metric_data), 0, {}
        for datum in metric_data[self._seen :]:
            key = (str(datum.namespace), str(datum.name), _dims_key(datum.dimensions))
            self.series.setdefault(key, []).append((_naive_utc(datum.timestamp), datum.unit, _sample_of(datum)))
        self._seen = len(metric_data)
        for key in list(self.series):
            kept = [e for e in self.series[key] if e[0] >= horizon]
            if kept:
                self.series[key] = kept
            else:
                del self.series[key]

    def points(self, key: MetricKey, spans: Sequence[tuple[dt.datetime, dt.datetime]], stat: str, unit: str | None) -> list[float | None]:
        entries = [e for e in self.series.get(key, ()) if not unit or e[1] == unit]
        out: list[float | None] = []
        for start, end in spans:
            out.append(statistic([s for t, _u, s in entries if start <= t < end], stat))
        return out


def _truthy(v: Any) -> bool:
    return v is True or str(v).lower() == "true"


@dataclass
class AlarmSpec:
    """What an alarm needs evaluated, independent of moto's classes."""

    name: str
    period: float
    evaluation_periods: int
    datapoints_to_alarm: int | None
    threshold: float
    operator: str
    treat_missing: str
    stat: str
    describe_stat: dict[str, Any]
    fetch: Callable[[MetricIndex, Sequence[tuple[dt.datetime, dt.datetime]]], list[float | None]]


def spec_of(alarm: Any) -> AlarmSpec:
    """An AlarmSpec for a moto Alarm; raises Unsupported for what is not evaluated."""
    if getattr(alarm, "rule", None):
        raise Unsupported("composite alarm")
    operator = str(alarm.comparison_operator or "")
    if operator not in OPERATORS:
        raise Unsupported(f"comparison operator {operator!r} (anomaly detection is not evaluated)")
    if getattr(alarm, "threshold_metric_id", None):
        raise Unsupported("ThresholdMetricId (anomaly detection band)")
    if alarm.threshold is None:
        raise Unsupported("no threshold")
    queries = list(alarm.metric_data_queries or [])
    if queries:
        periods = [float(q.metric_stat.period) for q in queries if q.metric_stat is not None and q.metric_stat.period]
        period = float(alarm.period or (max(periods) if periods else 60))
        returned = [q for q in queries if _truthy(q.return_data)] or [q for q in queries if q.expression] or queries[:1]
        result = returned[0]
        for q in queries:
            if q.metric_stat is not None:
                check_statistic(str(q.metric_stat.stat or ""))
            elif q.expression:
                expression_ids(q.expression)
            else:
                raise Unsupported(f"query {q.id!r} has neither MetricStat nor Expression")

        def fetch(index: MetricIndex, spans: Sequence[tuple[dt.datetime, dt.datetime]]) -> list[float | None]:
            values: dict[str, list[float | None]] = {}
            for q in queries:
                if q.metric_stat is not None:
                    ms = q.metric_stat
                    key = (str(ms.metric.namespace), str(ms.metric.metric_name), _dims_key(ms.metric.dimensions))
                    values[q.id] = index.points(key, spans, str(ms.stat), ms.unit or None)
            pending = [q for q in queries if q.metric_stat is None]
            while pending:
                ready = [q for q in pending if expression_ids(q.expression) <= set(values)]
                if not ready:
                    raise Unsupported("metric math: unresolvable ids " + ", ".join(sorted(q.id for q in pending)))
                for q in ready:
                    values[q.id] = evaluate_expression(q.expression, values, len(spans))
                    pending.remove(q)
            return values[result.id]

        describe = {"statistic": "MetricMath", "expression": result.expression or result.id}
        stat = "MetricMath"
    else:
        stat = str(alarm.extended_statistic or alarm.statistic or "")
        check_statistic(stat)
        key = (str(alarm.namespace), str(alarm.metric_name), _dims_key(alarm.dimensions))
        unit = alarm.unit or None

        def fetch(index: MetricIndex, spans: Sequence[tuple[dt.datetime, dt.datetime]]) -> list[float | None]:
            return index.points(key, spans, stat, unit)

        period = float(alarm.period or 60)
        describe = {"extendedStatistic": stat} if alarm.extended_statistic else {"statistic": stat}
    return AlarmSpec(
        name=alarm.name,
        period=period,
        evaluation_periods=int(alarm.evaluation_periods or 1),
        datapoints_to_alarm=int(alarm.datapoints_to_alarm) if alarm.datapoints_to_alarm else None,
        threshold=float(alarm.threshold),
        operator=operator,
        treat_missing=str(alarm.treat_missing_data or "missing"),
        stat=stat,
        describe_stat=describe,
        fetch=fetch,
    )


def sns_message(alarm: Any, old: str, new: str, reason: str, reason_data: str, when: dt.datetime, account: str, region: str) -> tuple[str, str]:
    """(Subject, Message) CloudWatch sends to an alarm action's SNS topic."""
    region_name = REGION_NAMES.get(region, region)
    queries = list(alarm.metric_data_queries or [])
    if queries:
        trigger: dict[str, Any] = {
            "Metrics": [
                {
                    "Id": q.id,
                    **({"Expression": q.expression} if q.expression else {}),
                    **({"Label": q.label} if q.label else {}),
                    "ReturnData": _truthy(q.return_data),
                    **(
                        {
                            "MetricStat": {
                                "Metric": {
                                    "Namespace": q.metric_stat.metric.namespace,
                                    "MetricName": q.metric_stat.metric.metric_name,
                                    "Dimensions": [{"value": d.value, "name": d.name} for d in q.metric_stat.metric.dimensions],
                                },
                                "Period": int(q.metric_stat.period or 0),
                                "Stat": q.metric_stat.stat,
                            }
                        }
                        if q.metric_stat is not None
                        else {}
                    ),
                }
                for q in queries
            ]
        }
    else:
        trigger = {
            "MetricName": alarm.metric_name,
            "Namespace": alarm.namespace,
            "StatisticType": "ExtendedStatistic" if alarm.extended_statistic else "Statistic",
            "Statistic": alarm.extended_statistic or str(alarm.statistic or "").upper(),
            "Unit": alarm.unit,
            "Dimensions": [{"value": d.value, "name": d.name} for d in alarm.dimensions],
            "Period": int(float(alarm.period or 0)),
        }
    trigger.update(
        {
            "EvaluationPeriods": int(alarm.evaluation_periods or 1),
            "DatapointsToAlarm": int(alarm.datapoints_to_alarm or alarm.evaluation_periods or 1),
            "ComparisonOperator": alarm.comparison_operator,
            "Threshold": float(alarm.threshold),
            "TreatMissingData": alarm.treat_missing_data or "missing",
            "EvaluateLowSampleCountPercentile": alarm.evaluate_low_sample_count_percentile or "",
        }
    )
    message = {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "AWSAccountId": account,
        "AlarmConfigurationUpdatedTimestamp": _aws_time(_naive_utc(alarm.configuration_updated_timestamp)),
        "NewStateValue": new,
        "NewStateReason": reason,
        "StateChangeTime": _aws_time(when),
        "Region": region_name,
        "AlarmArn": alarm.alarm_arn,
        "OldStateValue": old,
        "OKActions": list(alarm.ok_actions or []),
        "AlarmActions": list(alarm.alarm_actions or []),
        "InsufficientDataActions": list(alarm.insufficient_data_actions or []),
        "Trigger": trigger,
    }
    subject = f'{new}: "{alarm.name}" in {region_name}'
    if len(subject) > 99:
        subject = subject[:96] + "..."
    return subject, json.dumps(message)


class AlarmEvaluator:
    """Evaluates moto's metric alarms; runs in the reconcile loop (``maybe_evaluate``)."""

    def __init__(self, interval: float | None = None, period_scale: float | None = None) -> None:
        self.interval = _env_float(EVAL_ENV, DEFAULT_EVAL_SECONDS) if interval is None else interval
        self.scale = _env_float(SCALE_ENV, 1.0) if period_scale is None else period_scale
        if self.scale <= 0:
            raise SystemExit(f"{SCALE_ENV} must be > 0")
        self._lock = threading.Lock()
        self._last = 0.0
        self._written: dict[str, dt.datetime] = {}  # alarm ARN -> StateUpdatedTimestamp we wrote
        self.index = MetricIndex()
        self.view: dict[str, dict[str, Any]] = {}
        self.evaluations = 0
        self.last_run = ""
        self.transitions: list[dict[str, Any]] = []  # the most recent ones, newest last

    def describe(self) -> dict[str, Any]:
        return {"interval": self.interval, "period_scale": self.scale}

    def maybe_evaluate(self) -> None:
        if self.interval <= 0:
            return
        now = time.monotonic()
        if now - self._last < self.interval:
            return
        self._last = now
        self.evaluate_all()

    def evaluate_all(self) -> list[dict[str, Any]]:
        from moto.cloudwatch.models import cloudwatch_backends
        from moto.core.utils import utcnow

        from .config import ACCOUNT_ID, REGION
        from .plane import LOCK

        notices: list[tuple[list[str], str, str]] = []
        changed: list[dict[str, Any]] = []
        with self._lock, LOCK:
            cw = cloudwatch_backends[ACCOUNT_ID][REGION]
            now = utcnow()
            specs: dict[str, AlarmSpec | str] = {}
            span = 3600.0
            for alarm in list(cw.alarms.values()):
                try:
                    spec = spec_of(alarm)
                except Unsupported as exc:
                    specs[alarm.name] = f"not evaluated: {exc}"
                    continue
                specs[alarm.name] = spec
                span = max(span, 2 * spec.evaluation_periods * self.period(spec) + 60)
            self.index.sync(cw.metric_data, now - dt.timedelta(seconds=span))
            view: dict[str, dict[str, Any]] = {}
            for name, spec in specs.items():
                alarm = cw.alarms.get(name)
                if alarm is None:
                    continue
                if isinstance(spec, str):
                    view[name] = {"state": alarm.state_value, "note": spec}
                    continue
                try:
                    entry, notice = self._evaluate_one(cw, alarm, spec, now, ACCOUNT_ID, REGION)
                except Unsupported as exc:
                    view[name] = {"state": alarm.state_value, "note": f"not evaluated: {exc}"}
                    continue
                except Exception as exc:
                    LOG.exception("evaluating alarm %s failed", name)
                    view[name] = {"state": alarm.state_value, "note": f"evaluation failed: {exc}"}
                    continue
                view[name] = entry
                if entry.get("transition"):
                    changed.append(entry["transition"])
                if notice:
                    notices.append(notice)
            self.view = view
            self.evaluations += 1
            self.last_run = now.isoformat() + "Z"
            self.transitions = (self.transitions + changed)[-200:]
        if notices:
            threading.Thread(target=self._notify, args=(notices,), name="alarm-actions", daemon=True).start()
        return changed

    def period(self, spec: AlarmSpec) -> float:
        return max(1.0, spec.period * self.scale)

    def _evaluate_one(self, cw: Any, alarm: Any, spec: AlarmSpec, now: dt.datetime, account: str, region: str) -> tuple[dict[str, Any], Any]:
        period = self.period(spec)
        spans = windows(now, period, 2 * spec.evaluation_periods)
        points = spec.fetch(self.index, spans)
        outcome = evaluate(
            points,
            threshold=spec.threshold,
            operator=spec.operator,
            evaluation_periods=spec.evaluation_periods,
            datapoints_to_alarm=spec.datapoints_to_alarm,
            treat_missing=spec.treat_missing,
        )
        current = alarm.state_value
        entry: dict[str, Any] = {
            "state": current,
            "evaluated": outcome.state or "(keep)",
            "period_seconds": period,
            "datapoints": [None if v is None else float(v) for v in points],
        }
        # a state written by someone else (SetAlarmState) is held for one period
        updated = _naive_utc(alarm.state_updated_timestamp)
        ours = self._written.get(alarm.alarm_arn)
        external = ours != updated and not (current == "OK" and alarm.state_reason == INITIAL_REASON and not alarm.history)
        if external:
            hold_until = updated + dt.timedelta(seconds=period)
            if now < hold_until:
                entry["note"] = f"state set by SetAlarmState, held until {hold_until.isoformat()}Z"
                return entry, None
        if outcome.state is None or outcome.state == current:
            return entry, None
        starts = [s for s, _e in spans]
        reason = state_reason(
            outcome,
            points,
            starts,
            threshold=spec.threshold,
            operator=spec.operator,
            evaluation_periods=spec.evaluation_periods,
            previous=current,
        )
        reason_data = {
            "version": "1.0",
            "queryDate": _aws_time(now),
            "startDate": _aws_time(starts[outcome.used[0]] if outcome.used else starts[-spec.evaluation_periods]),
            **spec.describe_stat,
            "period": int(spec.period),
            "recentDatapoints": [float(points[i]) for i in outcome.used],  # type: ignore[arg-type]
            "threshold": spec.threshold,
            "evaluatedDatapoints": [{"timestamp": _aws_time(starts[i]), "value": float(points[i])} for i in reversed(outcome.used)],  # type: ignore[arg-type]
        }
        cw.set_alarm_state(alarm.name, reason, json.dumps(reason_data), outcome.state)
        self._written[alarm.alarm_arn] = _naive_utc(alarm.state_updated_timestamp)
        LOG.info("alarm %s: %s -> %s (%s)", alarm.name, current, outcome.state, reason)
        transition = {"alarm": alarm.name, "from": current, "to": outcome.state, "reason": reason, "at": now.isoformat() + "Z"}
        entry.update(state=outcome.state, transition=transition, reason=reason)
        notice = None
        if alarm.actions_enabled:
            actions = {"ALARM": alarm.alarm_actions, "OK": alarm.ok_actions, "INSUFFICIENT_DATA": alarm.insufficient_data_actions}[outcome.state]
            topics = [a for a in actions or [] if str(a).startswith("arn:aws:sns:")]
            if topics:
                subject, message = sns_message(alarm, current, outcome.state, reason, json.dumps(reason_data), now, account, region)
                notice = (topics, subject, message)
        return entry, notice

    @staticmethod
    def _notify(notices: list[tuple[list[str], str, str]]) -> None:
        from moto.sns.models import sns_backends

        from .plane import LOCK

        for topics, subject, message in notices:
            for arn in topics:
                region, account = arn.split(":")[3], arn.split(":")[4]
                try:
                    with LOCK:  # like moto's own Publish handler (which runs under the lock)
                        sns_backends[account][region].publish(message, arn=arn, subject=subject)
                except Exception as exc:  # noqa: BLE001  a missing topic or a failing subscriber
                    LOG.warning("alarm action %s: %s", arn, exc)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                **self.describe(),
                "evaluations": self.evaluations,
                "last_run": self.last_run,
                "alarms": dict(sorted(self.view.items())),
                "transitions": list(self.transitions),
            }


EVALUATOR: AlarmEvaluator | None = None


def _answer(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    method = environ.get("REQUEST_METHOD", "GET")
    ev = EVALUATOR
    if ev is None:
        status, body = "503 Service Unavailable", {"error": "alarm evaluation is not running"}
    elif method == "GET":
        status, body = "200 OK", ev.snapshot()
    elif method == "POST":
        changed = ev.evaluate_all()
        status, body = "200 OK", {"transitions": changed, **ev.snapshot()}
    else:
        status, body = "405 Method Not Allowed", {"error": f"{method} not allowed; use GET or POST"}
    data = json.dumps(body, indent=1, default=str).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def install(evaluator: AlarmEvaluator) -> None:
    """Make ``evaluator`` the process's evaluator and mount ``/_slipway/alarms``."""
    from .routes import mount

    global EVALUATOR
    EVALUATOR = evaluator
    mount(PATH, _answer)
