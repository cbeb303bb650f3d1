"""Alarm evaluation: the pure rules (datapoints in, state out) and, end to end,
a foundation-shaped 5xx alarm that fires by itself on a flaky image."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from .conftest import REPO, Emulator, running_emulator, wait_for

sys.path.insert(0, str(REPO / "tools"))
alarms = importlib.import_module("local_aws.alarms")

X, G = 10.0, 0.0  # breaching / good (not breaching) for threshold 5, GreaterThanThreshold


def state(points: list[float | None], n: int = 3, m: int | None = None, treat: str | None = None, op: str = "GreaterThanThreshold") -> str | None:
    return alarms.evaluate(points, threshold=5.0, operator=op, evaluation_periods=n, datapoints_to_alarm=m, treat_missing=treat).state


# ---------------------------------------------------------------- pure: comparison and statistics
@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("GreaterThanThreshold", 5.0, False),
        ("GreaterThanThreshold", 5.1, True),
        ("GreaterThanOrEqualToThreshold", 5.0, True),
        ("GreaterThanOrEqualToThreshold", 4.9, False),
        ("LessThanThreshold", 5.0, False),
        ("LessThanThreshold", 4.9, True),
        ("LessThanOrEqualToThreshold", 5.0, True),
        ("LessThanOrEqualToThreshold", 5.1, False),
    ],
)
def test_comparison_operators(op: str, value: float, expected: bool) -> None:
    assert alarms.breaches(value, 5.0, op) is expected


def test_anomaly_operators_are_unsupported() -> None:
    with pytest.raises(alarms.Unsupported):
        alarms.breaches(1.0, 0.0, "LessThanLowerOrGreaterThanUpperThreshold")


def test_statistics_over_values_and_statistic_sets() -> None:
    sample = alarms.Sample
    samples = [sample.of(1.0), sample.of(3.0), sample(2.0, 10.0, 4.0, 6.0, None)]
    assert alarms.statistic(samples, "SampleCount") == 4.0
    assert alarms.statistic(samples, "Sum") == 14.0
    assert alarms.statistic(samples, "Minimum") == 1.0
    assert alarms.statistic(samples, "Maximum") == 6.0
    assert alarms.statistic(samples, "Average") == 3.5
    assert alarms.statistic([], "Sum") is None
    # percentiles need raw values: a statistic set in the period leaves no datapoint
    assert alarms.statistic(samples, "p90") is None
    values = [alarms.Sample.of(float(v)) for v in range(1, 101)]
    assert alarms.statistic(values, "p90") == 90.0
    assert alarms.statistic(values, "p99.5") == 100.0
    assert alarms.statistic(values, "p0") == 1.0
    assert alarms.percentile([3.0, 1.0, 2.0], 50) == 2.0
    for bad in ("Median", "tm99", "p101", "pXY"):
        with pytest.raises(alarms.Unsupported):
            alarms.statistic(values, bad)


def test_windows_end_at_the_evaluation_time_oldest_first() -> None:
    end = dt.datetime(2026, 1, 1, 12, 15, 0)
    spans = alarms.windows(end, 300, 3)
    assert [s.strftime("%H:%M") for s, _ in spans] == ["12:00", "12:05", "12:10"]
    assert spans[-1][1] == end
    assert all(e - s == dt.timedelta(seconds=300) for s, e in spans)


# ---------------------------------------------------------------- pure: M of N, no missing data
def test_all_present_n_of_n() -> None:
    assert state([G, G, G, X, X, X]) == "ALARM"
    assert state([X, X, X, G, X, X]) == "OK"  # only the most recent N count
    assert state([X, X, X, X, X, G]) == "OK"


def test_m_of_n() -> None:
    assert state([G, X, G, X], n=3, m=2) == "ALARM"
    assert state([X, X, G, G, X], n=3, m=2) == "OK"
    assert state([X, X, G], n=3, m=2) == "ALARM"


def test_datapoints_to_alarm_is_clamped_to_n() -> None:
    assert state([X, X], n=2, m=5) == "ALARM"
    assert state([X, G], n=2, m=None) == "OK"  # unset: M = N
    assert state([X, G], n=2, m=0) == "OK"
    assert state([X, G], n=2, m=1) == "ALARM"


def test_enough_real_datapoints_reach_back_and_ignore_treat_missing() -> None:
    # N=2: the two most recent real datapoints are X, X (farther back in the range) -> ALARM
    for treat in alarms.TREAT_MISSING:
        assert state([X, X, None, None], n=2, treat=treat) == "ALARM"
        assert state([G, None, G, None], n=2, treat=treat) == "OK"


# ---------------------------------------------------------------- pure: missing data (AWS's table, 3 of 3 and 2 of 3)
@pytest.mark.parametrize(
    ("points", "m", "expected"),
    [
        # points: oldest -> newest, the 3 evaluation periods of a 3-period range
        ([G, X, X], 3, {"missing": "OK", "ignore": "OK", "breaching": "OK", "notBreaching": "OK"}),
        ([G, G, G], 3, {"missing": "OK", "ignore": "OK", "breaching": "OK", "notBreaching": "OK"}),
        ([G, None, None], 3, {"missing": "OK", "ignore": "OK", "breaching": "OK", "notBreaching": "OK"}),
        ([None, None, None], 3, {"missing": "INSUFFICIENT_DATA", "ignore": None, "breaching": "ALARM", "notBreaching": "OK"}),
        ([None, None, G], 3, {"missing": "OK", "ignore": "OK", "breaching": "OK", "notBreaching": "OK"}),
        ([None, None, X], 3, {"missing": "ALARM", "ignore": None, "breaching": "ALARM", "notBreaching": "OK"}),
        ([G, X, X], 2, {"missing": "ALARM", "ignore": "ALARM", "breaching": "ALARM", "notBreaching": "ALARM"}),
        ([G, None, X], 2, {"missing": "OK", "ignore": "OK", "breaching": "ALARM", "notBreaching": "OK"}),
        ([None, None, G], 2, {"missing": "OK", "ignore": "OK", "breaching": "ALARM", "notBreaching": "OK"}),
        ([None, None, X], 2, {"missing": "ALARM", "ignore": None, "breaching": "ALARM", "notBreaching": "OK"}),
    ],
)
def test_treat_missing_data(points: list[float | None], m: int, expected: dict[str, str | None]) -> None:
    for treat, want in expected.items():
        assert state(points, n=3, m=m, treat=treat) == want, (points, m, treat)


def test_default_treat_missing_is_missing() -> None:
    assert state([None, None, None]) == "INSUFFICIENT_DATA"
    with pytest.raises(alarms.Unsupported):
        state([None], n=1, treat="bogus")


def test_foundation_5xx_alarm_shape() -> None:
    """Sum of 5xx > 5 over 2 of 2 periods, notBreaching, evaluated over a 4-period range."""

    def s(points: list[float | None]) -> str | None:
        return state(points, n=2, treat="notBreaching")

    assert s([None, None, None, None]) == "OK"  # idle colour
    assert s([None, None, None, 30.0]) == "OK"  # one bad period only
    assert s([None, None, 30.0, 40.0]) == "ALARM"
    assert s([None, 30.0, 40.0, None]) == "ALARM"  # reaches back for 2 real datapoints
    assert s([30.0, 40.0, None, None]) == "ALARM"
    assert s([40.0, None, None, None]) == "OK"  # the errors are leaving the range
    assert s([None, None, 3.0, 4.0]) == "OK"  # under the threshold


def test_outcome_records_what_was_used() -> None:
    out = alarms.evaluate([None, 30.0, None, 40.0], threshold=5, operator="GreaterThanThreshold", evaluation_periods=3, treat_missing="notBreaching")
    assert out.used == [1, 3] and out.breaching == 2 and out.filled == 1 and out.filled_as == "notBreaching"
    assert out.state == "OK"


# ---------------------------------------------------------------- pure: metric math and reasons
def test_metric_math_expressions() -> None:
    series = {"m1": [10.0, None, 5.0, 0.0], "m2": [100.0, 50.0, 0.0, 10.0]}
    assert alarms.evaluate_expression("100*m1/m2", series, 4) == [10.0, None, None, 0.0]
    assert alarms.evaluate_expression("m1 / m2", series, 4) == [0.1, None, None, 0.0]
    assert alarms.evaluate_expression("(m1 + m2) - 10", series, 4) == [100.0, None, -5.0, 0.0]
    assert alarms.evaluate_expression("-m1", series, 4) == [-10.0, None, -5.0, -0.0]
    assert alarms.expression_ids("100*(e1+m2)/m3") == {"e1", "m2", "m3"}
    for bad in ("SUM(METRICS())", "m1 ** 2", "m9 + 1", "__import__('os')", "m1 +"):
        with pytest.raises(alarms.Unsupported):
            alarms.evaluate_expression(bad, series, 4)


def test_state_reason_wording() -> None:
    start = dt.datetime(2026, 11, 27, 21, 24, 0)
    starts = [start + dt.timedelta(minutes=i) for i in range(4)]
    points = [None, None, 30.0, 40.0]
    out = alarms.evaluate(points, threshold=5.0, operator="GreaterThanThreshold", evaluation_periods=2, treat_missing="notBreaching")
    reason = alarms.state_reason(out, points, starts, threshold=5.0, operator="GreaterThanThreshold", evaluation_periods=2, previous="OK")
    assert reason == (
        "Threshold Crossed: 2 out of the last 2 datapoints [40.0 (27/11/26 21:27:00), 30.0 (27/11/26 21:26:00)] "
        "were greater than the threshold (5.0) (minimum 2 datapoints for OK -> ALARM transition)."
    )
    idle = [None] * 4
    out = alarms.evaluate(idle, threshold=5.0, operator="GreaterThanThreshold", evaluation_periods=2, treat_missing="notBreaching")
    reason = alarms.state_reason(out, idle, starts, threshold=5.0, operator="GreaterThanThreshold", evaluation_periods=2, previous="ALARM")
    assert reason == "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [NonBreaching]."
    out = alarms.evaluate(idle, threshold=5.0, operator="GreaterThanThreshold", evaluation_periods=2)
    reason = alarms.state_reason(out, idle, starts, threshold=5.0, operator="GreaterThanThreshold", evaluation_periods=2, previous="OK")
    assert reason == "Insufficient Data: 2 datapoints were unknown."


# ---------------------------------------------------------------- end to end
SCALE = "0.05"  # a 60 s period is evaluated as 3 s
PERIOD = 3.0


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    with running_emulator(
        tmp_path_factory.mktemp("local-aws-alarms"),
        SLIPWAY_ALARM_EVAL_SECONDS="0.5",
        SLIPWAY_ALARM_PERIOD_SCALE=SCALE,
    ) as emu:
        yield emu


def _suffix(arn: str, marker: str) -> str:
    return arn.split(f":{marker}/", 1)[1] if marker == "loadbalancer" else "targetgroup/" + arn.split(":targetgroup/", 1)[1]


def _alarm(emu: Emulator, name: str) -> dict[str, Any]:
    return emu.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"][0]


def _put_5xx_alarm(emu: Emulator, world: dict[str, Any], colour: str, topic: str) -> str:
    """Shaped like terraform/modules/observability: "${project}-${env}-${service}-${colour}-5xx"."""
    name = f"slipway-local-demo-{colour}-5xx"
    emu.client("cloudwatch").put_metric_alarm(
        AlarmName=name,
        AlarmDescription=f"demo ({colour}): 5xx responses from the targets above 5",
        Namespace="AWS/ApplicationELB",
        MetricName="HTTPCode_Target_5XX_Count",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=2,
        Threshold=5,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
        Dimensions=[
            {"Name": "LoadBalancer", "Value": _suffix(world["lb"]["LoadBalancerArn"], "loadbalancer")},
            {"Name": "TargetGroup", "Value": _suffix(world["tgs"][colour], "targetgroup")},
        ],
        AlarmActions=[topic],
        OKActions=[topic],
    )
    return name


def _webhook_port(emu: Emulator) -> int:
    info = json.loads((Path(emu.env["SLIPWAY_EMULATOR_STATE_DIR"]) / "emulator.json").read_text())
    return int(info["webhook_port"])


def _healthy(emu: Emulator, tg_arn: str) -> int:
    targets = emu.client("elbv2").describe_target_health(TargetGroupArn=tg_arn)["TargetHealthDescriptions"]
    return sum(1 for t in targets if t["TargetHealth"]["State"] == "healthy")


def test_flaky_canary_fires_its_5xx_alarm_by_itself(emulator: Emulator, world: dict[str, Any]) -> None:
    emu = emulator
    ecs, elb, sns = emu.client("ecs"), emu.client("elbv2"), emu.client("sns")
    topic = sns.create_topic(Name="slipway-local-releases")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=f"http://127.0.0.1:{_webhook_port(emu)}/sns/releases")
    names = {c: _put_5xx_alarm(emu, world, c, topic) for c in ("blue", "green")}

    # green runs the image answering 500 to half the requests; production sends it half the traffic
    ecs.update_service(cluster="slipway-local", service="demo-green", taskDefinition=world["taskdef"]("5.0.0-flaky"), desiredCount=1)
    wait_for(lambda: _healthy(emu, world["tgs"]["green"]) == 1, timeout=30, what="a healthy green target")
    wait_for(lambda: _healthy(emu, world["tgs"]["blue"]) == 2, timeout=30, what="two healthy blue targets")
    half = [{"TargetGroupArn": world["tgs"]["blue"], "Weight": 50}, {"TargetGroupArn": world["tgs"]["green"], "Weight": 50}]
    elb.modify_rule(RuleArn=world["prod_rule"], Actions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": half}}])
    assert {_alarm(emu, n)["StateValue"] for n in names.values()} == {"OK"}
    emu.cli("traffic", "start", "demo", "--rps", "20")
    try:
        green = wait_for(lambda: (a := _alarm(emu, names["green"]))["StateValue"] == "ALARM" and a, timeout=12 * PERIOD, what="green 5xx alarm in ALARM")
        blue = _alarm(emu, names["blue"])
    finally:
        emu.cli("traffic", "stop", "demo")
    assert blue["StateValue"] == "OK", blue["StateReason"]
    assert green["StateReason"].startswith("Threshold Crossed: 2 out of the last 2 datapoints ["), green["StateReason"]
    assert "were greater than the threshold (5.0) (minimum 2 datapoints for OK -> ALARM transition)." in green["StateReason"]
    data = json.loads(green["StateReasonData"])
    assert data["statistic"] == "Sum" and data["period"] == 60 and data["threshold"] == 5.0
    assert len(data["recentDatapoints"]) == 2 and all(v > 5 for v in data["recentDatapoints"])

    # the OK -> ALARM transition was published to the topic and delivered to the HTTP subscription
    def alarm_note() -> list[dict[str, Any]]:
        msgs = json.loads(emu.cli("notifications", "--json").stdout)
        return [m for m in msgs if m["path"] == "/sns/releases" and json.loads(m["body"]["Message"]).get("AlarmName") == names["green"]]

    note = wait_for(alarm_note, timeout=10, what="the alarm's SNS notification at the webhook")[0]
    assert note["body"]["Subject"] == f'ALARM: "{names["green"]}" in US East (N. Virginia)'
    message = json.loads(note["body"]["Message"])
    assert (message["OldStateValue"], message["NewStateValue"]) == ("OK", "ALARM")
    assert message["Trigger"]["MetricName"] == "HTTPCode_Target_5XX_Count" and message["Trigger"]["TreatMissingData"] == "notBreaching"
    assert f"ALARM: {names['green']} (OK -> ALARM)" in emu.cli("notifications").stdout

    # no more errors: once they leave the evaluation range (2 x 2 periods) the alarm is OK again
    ok = wait_for(lambda: (a := _alarm(emu, names["green"]))["StateValue"] == "OK" and a, timeout=12 * PERIOD, what="green 5xx alarm back to OK")
    assert ok["StateReason"].startswith("Threshold Crossed: "), ok["StateReason"]
    assert ok["StateReason"].endswith("for ALARM -> OK transition).") or "treated as [NonBreaching]" in ok["StateReason"], ok["StateReason"]
    # the evaluator's own view
    view = requests.get(emu.endpoint + "/_slipway/alarms", timeout=5).json()
    assert view["period_scale"] == float(SCALE) and view["evaluations"] > 0
    assert view["alarms"][names["green"]]["period_seconds"] == PERIOD
    assert [t["to"] for t in view["transitions"] if t["alarm"] == names["green"]] == ["ALARM", "OK"]


def test_set_alarm_state_holds_for_one_period(emulator: Emulator, world: dict[str, Any]) -> None:
    cw = emulator.client("cloudwatch")
    name = "slipway-local-demo-hold"
    cw.put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/ApplicationELB",
        MetricName="HTTPCode_Target_5XX_Count",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=5,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
        Dimensions=[{"Name": "TargetGroup", "Value": "targetgroup/nothing/0"}],
    )
    cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="test: forced")
    requests.post(emulator.endpoint + "/_slipway/alarms", timeout=10).raise_for_status()  # evaluate now: held
    alarm = _alarm(emulator, name)
    assert (alarm["StateValue"], alarm["StateReason"]) == ("ALARM", "test: forced")
    # after one (scaled) period the data wins: no datapoints, notBreaching -> OK
    wait_for(lambda: _alarm(emulator, name)["StateValue"] == "OK", timeout=6 * PERIOD, what="the forced state replaced")


def test_unsupported_alarms_are_listed_not_evaluated(emulator: Emulator) -> None:
    cw = emulator.client("cloudwatch")
    cw.put_metric_alarm(
        AlarmName="slipway-local-anomaly",
        ComparisonOperator="LessThanLowerOrGreaterThanUpperThreshold",
        EvaluationPeriods=1,
        ThresholdMetricId="ad1",
        Metrics=[
            {"Id": "m1", "MetricStat": {"Metric": {"Namespace": "X", "MetricName": "Y"}, "Period": 60, "Stat": "Average"}, "ReturnData": True},
            {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)", "ReturnData": True},
        ],
    )
    view = requests.post(emulator.endpoint + "/_slipway/alarms", timeout=10).json()
    assert view["alarms"]["slipway-local-anomaly"]["note"].startswith("not evaluated: comparison operator")
    assert _alarm(emulator, "slipway-local-anomaly")["StateValue"] == "OK"


def _stat(metric: str, dims: list[dict[str, str]]) -> dict[str, Any]:
    return {"Metric": {"Namespace": "Test", "MetricName": metric, "Dimensions": dims}, "Period": 60, "Stat": "Sum"}


def test_metric_math_alarm_fires(emulator: Emulator) -> None:
    """100*m1/m2 over custom metrics: a 5xx percentage alarm."""
    cw = emulator.client("cloudwatch")
    name = "slipway-local-math"
    dims = [{"Name": "Service", "Value": "math"}]
    cw.put_metric_alarm(
        AlarmName=name,
        ComparisonOperator="GreaterThanThreshold",
        Threshold=10,
        EvaluationPeriods=1,
        TreatMissingData="notBreaching",
        Metrics=[
            {"Id": "errors", "MetricStat": _stat("Errors", dims), "ReturnData": False},
            {"Id": "requests", "MetricStat": _stat("Requests", dims), "ReturnData": False},
            {"Id": "rate", "Expression": "100*errors/requests", "Label": "5xx %", "ReturnData": True},
        ],
    )
    cw.put_metric_data(Namespace="Test", MetricData=[{"MetricName": "Requests", "Dimensions": dims, "Value": 100}])
    cw.put_metric_data(Namespace="Test", MetricData=[{"MetricName": "Errors", "Dimensions": dims, "Value": 5}])
    view = requests.post(emulator.endpoint + "/_slipway/alarms", timeout=10).json()
    assert view["alarms"][name]["datapoints"][-1] == 5.0
    assert _alarm(emulator, name)["StateValue"] == "OK"
    cw.put_metric_data(Namespace="Test", MetricData=[{"MetricName": "Errors", "Dimensions": dims, "Value": 20}])
    requests.post(emulator.endpoint + "/_slipway/alarms", timeout=10).raise_for_status()
    alarm = _alarm(emulator, name)
    assert alarm["StateValue"] == "ALARM", alarm["StateReason"]
    assert "[25.0 (" in alarm["StateReason"]
