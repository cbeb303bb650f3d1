"""Releases under the faults AWS really has: throttling, AccessDenied, answers lost after a write.

The emulator injects them (tools/local-aws faults); every assertion reads the
state back from the emulated API.
"""

from __future__ import annotations

import re
import sys
import time

import pytest

from .conftest import ROOT, Stack

sys.path.insert(0, str(ROOT / "tools"))
from local_aws.faults import clear_faults, list_faults, set_fault

pytestmark = pytest.mark.timeout(300)

FAST = {"service_release_step_bake_seconds": 1}


@pytest.fixture
def faults(stack: Stack):
    endpoint = stack.env["AWS_ENDPOINT_URL"]
    clear_faults(endpoint)
    yield endpoint
    clear_faults(endpoint)


def injected(endpoint: str, *rules: dict) -> int:
    """How many faults these rules injected."""
    counts = list_faults(endpoint)["injected"]["rules"]
    return sum(counts.get(rule["id"], {}).get("count", 0) for rule in rules)


def other(colour: str) -> str:
    return "green" if colour == "blue" else "blue"


def wait_for_canary(stack: Stack, service: str, new: str, proc) -> None:
    deadline = time.time() + 120
    while stack.weights(service)[new] == 0:
        assert proc.poll() is None and time.time() < deadline, "the canary step never started"
        time.sleep(0.1)


def test_release_under_throttling_ends_as_without_it(stack: Stack, faults: str) -> None:
    service = "notification"
    live = stack.live_colour(service)
    new = other(live)
    digest = stack.push(service, "6.0.0")
    rules = (set_fault(faults, "ecs.*", "throttle", rate=0.2, seed=7), set_fault(faults, "elbv2.*", "throttle", rate=0.2, seed=11))
    proc = stack.release(service, image_tag="6.0.0", strategy="canary", **FAST)
    throttled = injected(faults, *rules)
    clear_faults(faults)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert throttled > 0
    assert stack.weights(service) == {new: 100, live: 0}
    assert stack.image_of(service, new).endswith("@" + digest)
    assert stack.ecs_service(service, live)["desiredCount"] == 0
    assert stack.ledger(service)[0]["outcome"] == "succeeded"
    assert stack.lock(service) is None


def test_a_lost_answer_to_the_lease_write_is_not_a_concurrent_release(stack: Stack, faults: str) -> None:
    service = "user"
    stack.push(service, "6.1.0")
    before = len(stack.ledger(service))
    # The lease's PutItem is written, then the client sees a 500 and retries
    # the same conditional write, which now finds the lease it wrote itself.
    rule = set_fault(faults, "dynamodb.PutItem", "5xx-after", count=1)
    proc = stack.release(service, image_tag="6.1.0", **FAST)
    assert injected(faults, rule) == 1
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "another release" not in proc.stdout
    entries = stack.ledger(service)
    assert len(entries) == before + 1 and entries[0]["outcome"] == "succeeded"
    assert stack.lock(service) is None


def test_access_denied_on_the_weight_shift_rolls_back_honestly(stack: Stack, faults: str) -> None:
    service = "api-gateway"
    live = stack.live_colour(service)
    new = other(live)
    stack.push(service, "6.2.0")
    proc = stack.start_release(service, image_tag="6.2.0", strategy="canary", service_release_step_bake_seconds=5)
    wait_for_canary(stack, service, new, proc)
    set_fault(faults, "elbv2.ModifyRule", "access-denied", count=1)  # the shift to 100 %
    out = proc.communicate(timeout=180)[0]
    assert proc.returncode != 0
    assert "ROLLED BACK" in out and "AccessDenied" in out, out[-3000:]
    assert stack.weights(service) == {live: 100, new: 0}
    assert stack.ecs_service(service, new)["desiredCount"] == 0
    assert stack.ledger(service)[0]["outcome"] == "rolled_back"
    assert stack.lock(service) is None


def test_a_denied_rollback_says_where_traffic_is_and_how_to_finish(stack: Stack, faults: str) -> None:
    service = "event"
    live = stack.live_colour(service)
    new = other(live)
    stack.push(service, "6.3.0")
    proc = stack.start_release(service, image_tag="6.3.0", strategy="canary", service_release_step_bake_seconds=5)
    wait_for_canary(stack, service, new, proc)
    set_fault(faults, "elbv2.ModifyRule", "access-denied", rate=1.0)  # the shift and the rollback's own change
    out = proc.communicate(timeout=180)[0]
    clear_faults(faults)
    assert proc.returncode != 0
    assert "ROLLED BACK" not in out, out[-3000:]  # a rollback that did not complete is not reported as one
    weights = stack.weights(service)
    assert weights[new] > 0  # the canary still takes traffic
    assert f"production traffic is {live} {weights[live]}% / {new} {weights[new]}%" in out, out[-3000:]
    assert stack.ledger(service)[0]["outcome"] == "failed"
    # The printed instructions are enough to finish by hand.
    rule, target = re.search(r"set listener rule (\S+) to forward 100% to (\S+?)[;.]", out).groups()
    assert rule == stack.svc(service)["prod_rule_arn"] and target == stack.svc(service)[f"{live}_target_group_arn"]
    elb = stack.client("elbv2")
    elb.modify_rule(RuleArn=rule, Actions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": target, "Weight": 100}]}}])
    assert stack.weights(service) == {live: 100, new: 0}
