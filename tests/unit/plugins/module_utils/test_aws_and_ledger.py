"""The AWS call layer and the deployment-table lease, on in-process moto."""

import datetime
import os

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.aws import Aws, call, is_write, paginate
from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError, LockHeldError, SlipwayError
from ansible_collections.slipway.aws.plugins.module_utils.ledger import Lease, approval_get, approval_put, ledger_list, ledger_put

from .conftest import DEPLOYMENT_TABLE as TABLE


def test_errors_become_aws_error_with_code(aws):
    with pytest.raises(AwsError) as err:
        call(aws.client("ecs"), "describe_task_definition", taskDefinition="nope:1")
    assert err.value.operation == "describe_task_definition"
    assert err.value.code


def test_counter_counts_operations_and_writes(aws):
    call(aws.client("dynamodb"), "describe_table", TableName=TABLE)
    assert aws.counter.calls["dynamodb.DescribeTable"] == 1
    assert "dynamodb.CreateTable" in aws.counter.writes
    assert not is_write("DescribeServices") and is_write("ModifyRule")
    assert not is_write("HeadObject") and not is_write("LookupEvents") and is_write("PutObject")


def test_paginate_walks_every_page(aws):
    ssm = aws.client("ssm")
    for i in range(15):
        ssm.put_parameter(Name=f"/p/{i}", Value="x", Type="String")
    names = [p["Name"] for p in paginate(ssm, "describe_parameters", "Parameters", PaginationConfig={"PageSize": 4})]
    assert len(names) == 15


def test_lease_excludes_second_holder_until_expiry(aws):
    clock = [1000.0]
    first = Lease(aws, TABLE, "user", "r1", ttl=30, clock=lambda: clock[0])
    second = Lease(aws, TABLE, "user", "r2", ttl=30, clock=lambda: clock[0])
    first.acquire("alice", "2026-11-27T00:00:00Z", {"phase": "locked"})
    with pytest.raises(LockHeldError, match="r1 by alice"):
        second.acquire("bob", "2026-11-27T00:00:01Z", {})
    other_service = Lease(aws, TABLE, "event", "r3", ttl=30, clock=lambda: clock[0])
    other_service.acquire("bob", "t", {})  # leases are per service
    clock[0] += 31
    state = second.read()
    assert state["expired"] and state["release_id"] == "r1"
    second.acquire("bob", "2026-11-27T00:01:00Z", {"phase": "locked"})
    # The first holder has lost its lease and must be told so.
    with pytest.raises(SlipwayError, match="lost the release lease"):
        first.update({"phase": "x"}, force=True)
    second.release()
    assert second.read() is None


def test_heartbeat_extends_and_records_state(aws):
    clock = [1000.0]
    lease = Lease(aws, TABLE, "user", "r1", ttl=40, clock=lambda: clock[0])
    lease.acquire("alice", "t", {"phase": "locked"})
    clock[0] += 30
    lease.update({"phase": "step_1", "_changed": True})
    got = lease.read()
    assert got["state"] == {"phase": "step_1"}
    assert got["expires_at"] == 1070 and not got["expired"]


def test_ledger_appends_and_lists_newest_first(aws):
    for i, outcome in enumerate(["succeeded", "rolled_back"]):
        ledger_put(aws, TABLE, {"service": "user", "release_id": f"r{i}", "started_at": f"2026-11-27T00:0{i}:00Z", "outcome": outcome})
    entries = ledger_list(aws, TABLE, "user")
    assert [e["release_id"] for e in entries] == ["r1", "r0"]
    with pytest.raises(AwsError):
        ledger_put(aws, TABLE, {"service": "user", "release_id": "r1", "started_at": "2026-11-27T00:01:00Z", "outcome": "x"})


def test_region_is_required(monkeypatch):
    for var in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    with pytest.raises(SlipwayError, match="region"):
        Aws()


def test_previous_good_skips_failures_and_same_image():
    from ansible_collections.slipway.aws.plugins.module_utils.ledger import previous_good

    entries = [
        {"release_id": "r5", "outcome": "rolled_back", "image_digest": "sha256:e"},
        {"release_id": "r4", "outcome": "succeeded", "image_digest": "sha256:d"},
        {"release_id": "r3", "outcome": "succeeded", "image_digest": "sha256:d"},
        {"release_id": "r2", "outcome": "abandoned"},
        {"release_id": "r1", "outcome": "succeeded", "image_digest": "sha256:b"},
    ]
    current, previous = previous_good(entries)
    assert current["release_id"] == "r4" and previous["release_id"] == "r1"
    assert previous_good(entries[:1]) == (None, None)
    assert previous_good(entries[1:3])[1] is None


def test_metrics_gate_judges_only_requests_after_the_step_started(aws):
    import datetime
    import time as _time

    from ansible_collections.slipway.aws.plugins.module_utils import gates

    tg = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/local-user-blue/0123456789abcdef"
    lb = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/slipway-local/0123456789abcdef"
    dims = [
        {"Name": "TargetGroup", "Value": "targetgroup/local-user-blue/0123456789abcdef"},
        {"Name": "LoadBalancer", "Value": "app/slipway-local/0123456789abcdef"},
    ]
    cw = aws.client("cloudwatch")
    now = _time.time()

    def put(at: float, requests: int, errors: int) -> None:
        ts = datetime.datetime.fromtimestamp(at, datetime.UTC)
        cw.put_metric_data(
            Namespace="AWS/ApplicationELB",
            MetricData=[
                {"MetricName": "RequestCount", "Dimensions": dims, "Timestamp": ts, "Value": requests, "Unit": "Count"},
                {"MetricName": "HTTPCode_Target_5XX_Count", "Dimensions": dims, "Timestamp": ts, "Value": errors, "Unit": "Count"},
                {"MetricName": "TargetResponseTime", "Dimensions": dims, "Timestamp": ts, "Value": 0.05, "Unit": "Seconds"},
            ],
        )

    put(now - 20, 40, 40)  # an earlier, failed release on the same target group
    put(now - 5, 50, 0)  # the step
    limits = {"max_5xx_rate": 0.01, "max_latency_ms": 500, "min_requests": 20}
    result = gates.metrics(aws, tg, lb, now - 10, now, limits)
    assert result.status == "PASS", result
    assert result.evidence["requests"] == 50 and result.evidence["errors_5xx"] == 0
    result = gates.metrics(aws, tg, lb, now - 30, now, limits)
    assert result.status == "FAIL" and "5xx rate" in result.summary
    quiet = gates.metrics(aws, tg, lb, now - 1, now, limits)
    assert quiet.status == "INCONCLUSIVE" and not quiet.ok
    assert quiet.summary == "production: 0 requests (< 20): not judged"


def put_alb_counts(aws, tg_dim: str, at: float, requests: int, errors: int) -> None:
    """One datapoint of a target group's request and 5xx counts (and a 50 ms latency), as the ALB publishes them."""
    import datetime

    dims = [{"Name": "TargetGroup", "Value": tg_dim}, {"Name": "LoadBalancer", "Value": "app/slipway-local/0123456789abcdef"}]
    ts = datetime.datetime.fromtimestamp(at, datetime.UTC)
    aws.client("cloudwatch").put_metric_data(
        Namespace="AWS/ApplicationELB",
        MetricData=[
            {"MetricName": "RequestCount", "Dimensions": dims, "Timestamp": ts, "Value": requests, "Unit": "Count"},
            {"MetricName": "HTTPCode_Target_5XX_Count", "Dimensions": dims, "Timestamp": ts, "Value": errors, "Unit": "Count"},
            {"MetricName": "TargetResponseTime", "Dimensions": dims, "Timestamp": ts, "Value": 0.05, "Unit": "Seconds"},
        ],
    )


GREEN_TG, BLUE_TG = "targetgroup/local-user-green/0123456789abcdef", "targetgroup/local-user-blue/0123456789abcdef"


def metrics_gate(aws, new_tg: str, old_tg: str, now: float, **limits):
    """The metrics gate over the last 10 s of ``new_tg`` against ``old_tg`` (CloudWatch dimension forms)."""
    from ansible_collections.slipway.aws.plugins.module_utils import gates

    arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:"
    verification = limits.pop("verification", None)
    covered = limits.pop("covered", True)
    limits = {"max_5xx_rate": 0.05, "max_latency_ms": 500, "min_requests": 20, **limits}
    return gates.metrics(
        aws,
        arn + new_tg,
        arn + "loadbalancer/app/slipway-local/0123456789abcdef",
        now - 10,
        now,
        limits,
        baseline_target_group_arn=arn + old_tg,
        verification=verification,
        covered=covered,
    )


@pytest.mark.parametrize(
    "new_errors,status",
    [
        (120, "FAIL"),  # 3 % against the old colour's 1 %: under the 5 % limit, caught by the comparison
        (40, "PASS"),  # 1 % against 1 %: the same colour twice
    ],
)
def test_metrics_gate_judges_the_new_colour_against_the_old_on_the_same_window(aws, new_errors, status):
    import time as _time

    from ansible_collections.slipway.aws.plugins.module_utils.release import stats

    green, blue = GREEN_TG, BLUE_TG
    now = _time.time()
    put_alb_counts(aws, green, now - 5, 4000, new_errors)
    put_alb_counts(aws, blue, now - 5, 36000, 360)
    result = metrics_gate(aws, green, blue, now)
    assert result.status == status, result.summary
    stored = result.evidence["comparison"]["error_rate"]
    assert stored["status"] == status and stored["inputs"]["canary_errors"] == new_errors and stored["inputs"]["baseline_requests"] == 36000
    assert stats.recomputed_matches(stored)  # the record is enough to judge again
    assert result.evidence["baseline"] == {"target_group": blue, "requests": 36000, "errors_5xx": 360, "error_rate": 0.01}
    assert [value for _at, value in result.evidence["datapoints"]["errors"]] == [new_errors]
    if status == "FAIL":
        assert result.summary.startswith("production against the old colour: 5xx FAIL: new 3")


def test_metrics_gate_comparison_with_a_quiet_old_colour_is_inconclusive_and_decides_nothing(aws):
    import time as _time

    green, blue = GREEN_TG, BLUE_TG
    now = _time.time()
    put_alb_counts(aws, green, now - 5, 4000, 0)  # all at once: the old colour serves nothing
    result = metrics_gate(aws, green, blue, now)
    assert result.status == "PASS"
    assert result.evidence["comparison"]["error_rate"]["status"] == "INCONCLUSIVE"
    assert "too few requests to judge (old 0 < 3000" in result.summary


def verification_counts(requests: int, target_requests: int, target_5xx: int, errors: int, failed: int = 0, latency_ms: float = 20.0) -> dict:
    """What a verification load reports: requests sent, those a target answered (and its 5xx), every failure."""
    return {
        "requests": requests,
        "target_requests": target_requests,
        "target_5xx": target_5xx,
        "elb_errors": errors - target_5xx - failed,
        "failed": failed,
        "errors": errors,
        "latency_ms_sum": latency_ms * (requests - failed),
    }


def test_the_verification_load_is_subtracted_from_production_and_judged_by_its_own_answers(aws):
    import time as _time

    green, blue = GREEN_TG, BLUE_TG
    now = _time.time()
    # The target group counted 30 requests, 3 of them 5xx; 25 requests and 3 of the 5xx were the release's own.
    put_alb_counts(aws, green, now - 5, 30, 3)
    ver = verification_counts(requests=25, target_requests=25, target_5xx=3, errors=3)
    result = metrics_gate(aws, green, blue, now, verification=ver)
    # Production: 5 requests, none failed, under the minimum: not judged. Verification: 3/25 failed, 12 % > 5 %.
    assert result.evidence["requests"] == 5 and result.evidence["errors_5xx"] == 0
    assert result.evidence["verdicts"] == {"production": "INCONCLUSIVE", "verification": "FAIL"}
    assert result.status == "FAIL" and result.summary.startswith("verification: 3/25 failed (12.0% > limit 5.0%)"), result.summary
    # Healthy answers carry the step when production is quiet: the step was judged on data.
    ok = metrics_gate(aws, green, blue, now, verification=verification_counts(25, 25, 0, 0))
    assert ok.status == "PASS" and ok.evidence["verdicts"] == {"production": "INCONCLUSIVE", "verification": "PASS"}
    # Too few answers and too little production: nothing judged, INCONCLUSIVE (never a pass).
    few = metrics_gate(aws, green, blue, now, verification=verification_counts(12, 12, 3, 3))
    assert few.status == "INCONCLUSIVE" and not few.ok
    # Answers of the load balancer itself (no target reached) fail the verification but are no target-group request.
    elb = metrics_gate(aws, green, blue, now, verification=verification_counts(25, 20, 0, 5))
    assert elb.evidence["requests"] == 10 and elb.status == "FAIL"


def test_metrics_not_yet_covering_the_window_cannot_pass_production_but_a_failure_in_them_is_real(aws):
    import time as _time

    green, blue = GREEN_TG, BLUE_TG
    now = _time.time()
    put_alb_counts(aws, green, now - 5, 400, 0)
    partial = metrics_gate(aws, green, blue, now, covered=False)
    assert partial.status == "INCONCLUSIVE" and partial.summary.startswith("production: CloudWatch had not covered the window"), partial.summary
    put_alb_counts(aws, green, now - 4, 100, 100)
    failing = metrics_gate(aws, green, blue, now, covered=False)
    assert failing.status == "FAIL"


def test_a_retried_acquire_accepts_its_own_lease_but_not_another_holders(aws):
    first = Lease(aws, TABLE, "user", "r1", ttl=60)
    first.acquire("alice", "2026-01-01T00:00:00Z", {"phase": "lock"})
    # The same put again (an SDK retry after a lost answer): the lease is already ours.
    again = Lease(aws, TABLE, "user", "r1", ttl=60)
    again.acquire("alice", "2026-01-01T00:00:00Z", {"phase": "lock"})
    assert again.held
    # Same release id from another holder, or another release: refused.
    with pytest.raises(LockHeldError):
        Lease(aws, TABLE, "user", "r1", ttl=60).acquire("mallory", "2026-01-01T00:00:00Z", {})
    with pytest.raises(LockHeldError):
        Lease(aws, TABLE, "user", "r2", ttl=60).acquire("alice", "2026-01-01T00:00:01Z", {})
    # A second run of the same release by the same holder (another start): not a retry, refused.
    with pytest.raises(LockHeldError):
        Lease(aws, TABLE, "user", "r1", ttl=60).acquire("alice", "2026-01-01T00:05:00Z", {})


def test_a_retried_ledger_put_of_the_same_entry_is_accepted_a_different_one_is_not(aws):
    entry = {"service": "user", "release_id": "r1", "started_at": "2026-01-01T00:00:00Z", "outcome": "succeeded"}
    ledger_put(aws, TABLE, entry)
    ledger_put(aws, TABLE, dict(entry))
    assert len(ledger_list(aws, TABLE, "user")) == 1
    with pytest.raises(AwsError):
        ledger_put(aws, TABLE, {**entry, "outcome": "rolled_back"})


def test_an_approval_is_written_once(aws):
    approval_put(aws, TABLE, "user", "r1", "approve", "alice")
    approval_put(aws, TABLE, "user", "r1", "approve", "alice")
    assert approval_get(aws, TABLE, "user", "r1")["decision"] == "approve"
    with pytest.raises(SlipwayError, match="already approved"):
        approval_put(aws, TABLE, "user", "r1", "reject", "bob")
    assert approval_get(aws, TABLE, "user", "r2") is None


def latency_evidence(production_s: float, verification_s: float, seconds: int = 40, seed: int = 7) -> dict:
    """A recorded metrics gate on per-second datapoints: each second 50 production requests at about
    ``production_s`` and 5 verification answers at ``verification_s`` on the new colour, and 200 requests at about
    50 ms on the old one, no 5xx."""
    import datetime
    import random

    rnd = random.Random(seed)
    t0 = 1_790_000_000
    iso = [datetime.datetime.fromtimestamp(t0 + i, datetime.UTC).isoformat() for i in range(seconds)]
    prod = [[at, 50 * production_s * rnd.uniform(0.9, 1.1)] for at in iso]
    return {
        "method": "metrics/v2",
        "window": [iso[0], datetime.datetime.fromtimestamp(t0 + seconds, datetime.UTC).isoformat()],
        "period": 1,
        "limits": {"max_5xx_rate": 0.01, "max_latency_ms": 1000, "min_requests": 20},
        "baseline": {"target_group": BLUE_TG},
        "datapoints": {
            "requests": [[at, 55.0] for at in iso],
            "errors": [],
            "latency_sum": [[at, v + 5 * verification_s] for at, v in prod],
            "latency_count": [[at, 55.0] for at in iso],
            "base_requests": [[at, 200.0] for at in iso],
            "base_errors": [],
            "base_latency": [[at, 0.05 * rnd.uniform(0.9, 1.1)] for at in iso],
        },
        "verification": {
            "requests": 5 * seconds,
            "target_requests": 5 * seconds,
            "target_5xx": 0,
            "elb_errors": 0,
            "failed": 0,
            "errors": 0,
            "latency_ms_sum": 5 * seconds * verification_s * 1000,
            "per_second": [[t0 + i, 5, 5 * verification_s * 1000] for i in range(seconds)],
        },
    }


def test_the_latency_comparison_sees_production_alone_and_catches_a_slower_new_colour():
    from ansible_collections.slipway.aws.plugins.module_utils import gates

    # Slow verification answers (a heavier path) must not make production look slow: they are subtracted per second.
    same = latency_evidence(production_s=0.05, verification_s=0.5)
    assert all(0.044 <= v <= 0.056 for v in gates.production_latencies(same))
    status, summary, derived = gates.judge_metrics(same)
    assert status == "PASS" and derived["comparison"]["latency"]["status"] == "PASS", summary
    # 60 % slower than the old colour, far under the 1000 ms limit: caught by the comparison.
    slow = latency_evidence(production_s=0.08, verification_s=0.08)
    status, summary, derived = gates.judge_metrics(slow)
    assert status == "FAIL" and summary.startswith("production against the old colour: latency"), summary
    assert derived["comparison"]["latency"]["status"] == "FAIL"
    # Too few datapoints (a per-minute window on AWS): the comparison cannot judge; the fixed limits do.
    short = latency_evidence(production_s=0.08, verification_s=0.08, seconds=5)
    status, summary, derived = gates.judge_metrics(short)
    assert status == "PASS" and derived["comparison"]["latency"]["status"] == "INCONCLUSIVE"


def test_verification_seconds_go_to_the_period_whose_datapoint_starts_before_them():
    """CloudWatch's per-minute datapoints start on the minute, not at the window's start (17 s past it here)."""
    from ansible_collections.slipway.aws.plugins.module_utils import gates

    minute = 1_790_000_040  # a whole minute
    at = [datetime.datetime.fromtimestamp(minute + 60 * i, datetime.UTC).isoformat() for i in range(2)]
    evidence = {
        "window": [datetime.datetime.fromtimestamp(minute + 17, datetime.UTC).isoformat(), at[1]],
        "period": 60,
        # minute 1: 100 production requests at 50 ms and 10 verification answers at 300 ms; minute 2: production only
        "datapoints": {"latency_sum": [[at[0], 5.0 + 3.0], [at[1], 5.0]], "latency_count": [[at[0], 110.0], [at[1], 100.0]]},
        "verification": {"per_second": [[minute + 20 + i, 1, 300.0] for i in range(10)]},
    }
    assert [round(v, 4) for v in gates.production_latencies(evidence)] == [0.05, 0.05]
