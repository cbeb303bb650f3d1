"""A gate that saw nothing has not passed: real releases against the emulator, judged on data or not at all.

Each test reads back the ledger entry (every metrics verdict with its datapoints and the verification load's
counts), the listener rules and the playbook's exit code; none takes the release's word for what it did.
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Stack

pytestmark = pytest.mark.timeout(300)


def metrics_gates(entry: dict[str, Any]) -> list[dict[str, Any]]:
    return [g for g in entry["gates"] if g["gate"] == "metrics"]


def tg_total(gate: dict[str, Any], qid: str) -> int:
    return int(sum(v for _at, v in gate["evidence"]["datapoints"].get(qid, [])))


def test_no_traffic_and_no_verification_load_ends_by_the_inconclusive_policy_never_as_a_success(stack: Stack) -> None:
    service = "notification"
    live = stack.live_colour(service)
    stack.push(service, "4.0.0-quiet")
    proc = stack.release(service, image_tag="4.0.0-quiet", service_release_verification_rate=0, service_release_inconclusive_deadline_seconds=3)
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert "ROLLED BACK" in proc.stdout and "INCONCLUSIVE past the step's deadline: not a pass" in proc.stdout, proc.stdout[-3000:]
    assert stack.weights(service)[live] == 100
    entry = stack.ledger(service)[0]
    assert entry["outcome"] == "rolled_back"
    gates = metrics_gates(entry)
    # Extended at least once, judged again over the whole step, then rolled back by the deadline: never a PASS.
    assert [g["status"] for g in gates] == ["INCONCLUSIVE"] * len(gates) and len(gates) >= 2
    assert [g["evidence"]["then"] for g in gates] == ["extended"] * (len(gates) - 1) + ["rolled back"]
    assert len({g["evidence"]["window"][0] for g in gates}) == 1  # every judgement covers the step from its start
    assert all(g["evidence"]["requests"] == 0 for g in gates)
    # the smoke requests, answered before the step began, are not in its window
    assert all(tg_total(g, "requests") == 0 for g in gates), [g["evidence"]["datapoints"] for g in gates]


def test_the_verification_load_judges_a_quiet_service_and_never_counts_as_production(stack: Stack) -> None:
    service = "notification"
    before = stack.live_colour(service)
    digest = stack.push(service, "4.1.0")
    proc = stack.release(service, image_tag="4.1.0")  # the local inventory's defaults: verification at 10/s
    assert proc.returncode == 0, proc.stdout[-3000:]
    new = "green" if before == "blue" else "blue"
    assert stack.weights(service)[new] == 100 and stack.image_of(service, new).endswith("@" + digest)
    entry = stack.ledger(service)[0]
    (gate,) = [g for g in metrics_gates(entry) if g["status"] == "PASS"]
    ev = gate["evidence"]
    assert ev["verdicts"] == {"production": "INCONCLUSIVE", "verification": "PASS"}
    ver = ev["verification"]
    assert ver["requests"] >= 20 and ver["errors"] == 0 and ver["target_requests"] == ver["requests"]
    # Exact accounting: every request the target group counted in the window was the release's own.
    assert tg_total(gate, "requests") == ver["target_requests"] and ev["requests"] == 0
    assert gate["summary"].startswith(f"production: 0 requests (< 20; {ver['target_requests']} verification subtracted): not judged; verification: ")


def test_an_image_failing_half_its_requests_released_all_at_once_under_production_traffic_rolls_back(stack: Stack, traffic) -> None:
    # The reported case: each step baked 2 s, metrics arrive every 5 s, nothing waited after the last step, so this
    # release was reported live. Now the verdict waits for the metrics and judges production and verification.
    service = "event"
    live = stack.live_colour(service)
    stack.push(service, "4.2.0-half", "--error-rate", "0.5")
    traffic(service, rate=40)
    proc = stack.release(service, image_tag="4.2.0-half", strategy="all_at_once")
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert "ROLLED BACK" in proc.stdout
    assert stack.weights(service)[live] == 100
    entry = stack.ledger(service)[0]
    assert entry["outcome"] == "rolled_back"
    gate = metrics_gates(entry)[-1]
    assert gate["status"] == "FAIL"
    verdicts = gate["evidence"]["verdicts"]
    assert "FAIL" in verdicts.values()
    if verdicts["production"] == "FAIL":
        assert gate["evidence"]["requests"] >= 20 and gate["evidence"]["error_rate"] > 0.2


def test_a_healthy_release_under_production_traffic_passes_on_data(stack: Stack, traffic) -> None:
    service = "user"
    stack.push(service, "4.3.0")
    traffic(service, rate=40)
    proc = stack.release(service, image_tag="4.3.0", strategy="canary")
    assert proc.returncode == 0, proc.stdout[-3000:]
    entry = stack.ledger(service)[0]
    gates = metrics_gates(entry)
    assert [g["step"] for g in gates if g["status"] == "PASS"] == [1, 2]
    assert all(g["status"] in ("PASS", "INCONCLUSIVE") for g in gates)
    last = gates[-1]["evidence"]
    # All production on the new colour for the last step: judged on production requests, none of them the release's own.
    assert last["verdicts"]["production"] == "PASS" and last["requests"] >= 20
    assert tg_total(gates[-1], "requests") == last["requests"] + last["verification"]["target_requests"]


def test_a_latency_regression_under_the_fixed_limit_is_rolled_back_by_the_comparison(stack: Stack, traffic) -> None:
    # 60 ms slower on every answer: far under api-gateway's 800 ms limit, but the old colour answers in about 1 ms.
    # A 40 s step on the emulator's per-second metrics gives each colour the 30 datapoints the comparison needs.
    service = "api-gateway"
    live = stack.live_colour(service)
    stack.push(service, "4.4.0-slow", "--latency-ms", "60")
    traffic(service, rate=40)
    proc = stack.release(service, image_tag="4.4.0-slow", strategy="canary", canary_percent=50, service_release_step_bake_seconds=40)
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert "ROLLED BACK" in proc.stdout
    assert stack.weights(service)[live] == 100
    gate = metrics_gates(stack.ledger(service)[0])[-1]
    ev = gate["evidence"]
    assert gate["status"] == "FAIL" and gate["summary"].startswith("production against the old colour: latency"), gate["summary"]
    assert ev["comparison"]["latency"]["status"] == "FAIL" and ev["latency_ms"] < 800
    assert ev["comparison"]["latency"]["inputs"]["canary"] and len(ev["comparison"]["latency"]["inputs"]["canary"]) >= 30
