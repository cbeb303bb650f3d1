"""The alarm gate judged on real data: the emulator evaluates the foundation's
latency alarm from the metrics real requests produce, nobody calls SetAlarmState."""

from __future__ import annotations

import time

import pytest

from .conftest import Stack

pytestmark = pytest.mark.timeout(300)


def test_a_slow_image_raises_the_latency_alarm_by_itself_and_the_release_rolls_back(stack: Stack, traffic) -> None:
    service = "api-gateway"
    live = stack.live_colour(service)
    new = "green" if live == "blue" else "blue"
    alarm = next(name for name in stack.svc(service)["alarm_names"][new] if name.endswith("-latency"))
    # Slower than the alarm's 1 s average, well within the health check's and the
    # smoke test's timeouts: only the alarm can see it.
    stack.push(service, "7.0.0-slow", "--latency-ms", "1500")
    traffic(service, rate=60)
    proc = stack.release(
        service,
        image_tag="7.0.0-slow",
        strategy="canary",
        canary_percent=50,
        # The metric analysis never has enough requests to judge (NO_DATA does
        # not fail a step): only the alarm, raised from the data, can stop it.
        service_release_min_requests=10**9,
        service_release_step_bake_seconds=60,
    )
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert "ROLLED BACK" in proc.stdout and alarm in proc.stdout, proc.stdout[-3000:]
    gate = next(g for g in stack.ledger(service)[0]["gates"] if g["gate"] == "alarms" and g["status"] == "FAIL")
    # CloudWatch's own wording of an evaluation, not a SetAlarmState reason.
    assert gate["evidence"]["reasons"][alarm].startswith("Threshold Crossed"), gate["evidence"]
    assert stack.weights(service) == {live: 100, new: 0}
    # Once the slow colour takes no more requests, the alarm returns to OK by itself too.
    deadline = time.time() + 90
    while stack.client("cloudwatch").describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]["StateValue"] != "OK":
        assert time.time() < deadline, "the latency alarm never returned to OK"
        time.sleep(1)
