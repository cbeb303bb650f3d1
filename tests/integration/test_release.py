"""Real `ansible-playbook playbooks/deploy_service.yml` runs against the emulator.

Every assertion reads state back from the emulated AWS API (rules, services,
task definitions, the deployment table), the listeners over HTTP, the Slack
receiver, or the files written — never from what the playbook says it did.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import pytest

from .conftest import BIN, ROOT, Stack, kill_controller, recap_changed

sys.path.insert(0, str(ROOT / "tools"))
from local_aws.faults import fault

pytestmark = pytest.mark.timeout(300)

FAST = {"service_release_step_bake_seconds": 1}


def assert_live(stack: Stack, service: str, colour: str, digest: str) -> None:
    assert stack.weights(service) == {colour: 100, ("green" if colour == "blue" else "blue"): 0}
    assert stack.image_of(service, colour).endswith("@" + digest)
    other = "green" if colour == "blue" else "blue"
    assert stack.ecs_service(service, other)["desiredCount"] == 0


@pytest.mark.parametrize(
    "service,strategy,steps",
    [("notification", "all_at_once", [100]), ("user", "canary", [10, 100]), ("event", "linear", [25, 50, 75, 100])],
)
def test_release_each_strategy(stack: Stack, service: str, strategy: str, steps: list[int]) -> None:
    before = stack.live_colour(service)
    new = "green" if before == "blue" else "blue"
    digest = stack.push(service, f"2.0.0-{strategy}")
    seen: list[dict[str, int]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            seen.append(stack.weights(service))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    calls = stack.calls()
    sampler.start()
    proc = stack.release(service, image_tag=f"2.0.0-{strategy}", strategy=strategy, **FAST)
    stop.set()
    sampler.join()
    assert proc.returncode == 0, proc.stdout[-4000:]
    writes = stack.writes_since(calls)
    assert writes["ecs.RegisterTaskDefinition"] == 1 and writes["ecs.UpdateService"] == 2
    assert writes["elbv2.ModifyRule"] == len(steps) + 2  # each step, then the test listener twice

    assert_live(stack, service, new, digest)
    assert stack.weights(service, "test_rule_arn")[before] == 100  # the test listener follows the idle colour
    status, body = stack.http(service)
    assert status == 200 and body["version"] == f"2.0.0-{strategy}"
    # Intermediate weights observed on the production rule follow the schedule.
    observed = sorted({w[new] for w in seen} - {0})
    assert set(observed) <= set(steps) and 100 in observed
    entry = stack.ledger(service)[0]
    assert entry["outcome"] == "succeeded" and entry["image_digest"] == digest and entry["strategy"] == strategy
    assert entry["steps"] == steps and entry["from_colour"] == before and entry["to_colour"] == new
    assert [g["gate"] for g in entry["gates"]][:2] == ["health", "smoke"]
    assert entry["git_sha"] != "unknown" and entry["who"]
    summary = json.loads(open(re.search(r"summary: (\S+\.json)", proc.stdout).group(1)).read())
    assert summary["release_id"] == entry["release_id"]
    assert stack.lock(service) is None


def test_second_identical_run_changes_nothing(stack: Stack) -> None:
    service = "api-gateway"
    stack.push(service, "2.1.0")
    first = stack.release(service, image_tag="2.1.0", **FAST)
    assert first.returncode == 0, first.stdout[-3000:]
    before, calls = stack.snapshot(), stack.calls()
    second = stack.release(service, image_tag="2.1.0", **FAST)
    assert second.returncode == 0, second.stdout[-3000:]
    assert recap_changed(second.stdout) == 0
    assert stack.writes_since(calls) == {}
    assert stack.snapshot() == before  # no new revision, no ledger entry, no lock, same weights


def test_check_mode_writes_nothing_and_shows_diff(stack: Stack) -> None:
    service = "api-gateway"
    digest = stack.push(service, "2.2.0")
    before, calls = stack.snapshot(), stack.calls()
    proc = stack.release(service, "--check", "--diff", image_tag="2.2.0")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert stack.writes_since(calls) == {}
    assert digest in proc.stdout  # the diff shows the pinned digest
    assert "would release api-gateway 2.2.0" in proc.stdout
    assert stack.snapshot() == before


def test_unhealthy_image_rolls_back_without_touching_production(stack: Stack) -> None:
    service = "user"
    live = stack.live_colour(service)
    live_image = stack.image_of(service, live)
    stack.push(service, "3.0.0-bad", "--unhealthy")
    seen: list[dict[str, int]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            seen.append(stack.weights(service))
            time.sleep(0.1)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    proc = stack.release(service, image_tag="3.0.0-bad", **FAST)
    stop.set()
    t.join()
    assert proc.returncode != 0
    assert "ROLLED BACK" in proc.stdout and "gate 'health' failed" in proc.stdout
    assert seen and all(w[live] == 100 for w in seen)  # production never left the old colour
    assert stack.image_of(service, live) == live_image
    idle = "green" if live == "blue" else "blue"
    assert stack.ecs_service(service, idle)["desiredCount"] == 0
    entry = stack.ledger(service)[0]
    assert entry["outcome"] == "rolled_back"
    health = next(g for g in entry["gates"] if g["gate"] == "health")
    assert health["status"] == "FAIL" and any(t["State"] == "unhealthy" for t in health["evidence"]["targets"])
    assert stack.lock(service) is None


def test_crashing_image_rolls_back_with_stopped_reason(stack: Stack) -> None:
    service = "notification"
    live = stack.live_colour(service)
    stack.push(service, "3.1.0-crash", "--crash")
    proc = stack.release(service, image_tag="3.1.0-crash", **FAST)
    assert proc.returncode != 0
    assert "ROLLED BACK" in proc.stdout
    entry = stack.ledger(service)[0]
    assert entry["outcome"] == "rolled_back"
    assert "Essential container in task exited" in json.dumps(entry["evidence"])
    assert stack.weights(service)[live] == 100


def test_alarm_during_canary_rolls_back(stack: Stack) -> None:
    service = "user"
    live = stack.live_colour(service)
    new = "green" if live == "blue" else "blue"
    stack.push(service, "3.2.0")
    alarm = stack.svc(service)["alarm_names"][new][0]
    proc = stack.start_release(service, image_tag="3.2.0", strategy="canary", service_release_step_bake_seconds=30)
    try:
        deadline = time.time() + 120
        while stack.weights(service)[new] == 0:
            assert proc.poll() is None and time.time() < deadline, "canary step never started"
            time.sleep(0.2)
        assert stack.weights(service)[new] == 10
        stack.client("cloudwatch").set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="test: 5xx spike on the canary")
        out, _ = proc.communicate(timeout=120)
    finally:
        stack.client("cloudwatch").set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="test over")
    assert proc.returncode != 0
    assert "ROLLED BACK" in out and alarm in out
    assert stack.weights(service) == {live: 100, new: 0}
    assert stack.ledger(service)[0]["outcome"] == "rolled_back"
    events = [m["slipway"]["event"] for m in stack.slack.messages if m["slipway"]["release"]["service"] == service]
    assert events[-2:] == ["started", "rolled_back"]
    assert "5xx spike" in stack.slack.messages[-1]["text"] or alarm in stack.slack.messages[-1]["text"]


def test_error_rate_above_limit_rolls_back(stack: Stack, traffic) -> None:
    service = "event"
    live = stack.live_colour(service)
    stack.push(service, "3.3.0-flaky", "--error-rate", "0.5")
    traffic(service, rate=60)
    proc = stack.release(
        service,
        image_tag="3.3.0-flaky",
        strategy="canary",
        canary_percent=50,
        service_release_step_bake_seconds=4,
        service_release_metrics_delay_seconds=2,
        service_release_min_requests=5,
    )
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert "ROLLED BACK" in proc.stdout and "5xx rate" in proc.stdout
    assert stack.weights(service)[live] == 100
    metrics = next(g for g in stack.ledger(service)[0]["gates"] if g["gate"] == "metrics")
    assert metrics["status"] == "FAIL" and metrics["evidence"]["errors_5xx"] > 0
    # explain_release recomputes every verdict from the ledger entry: the rollback is explained, and an edited
    # datapoint in the stored entry is caught
    release_id = stack.ledger(service)[0]["release_id"]
    explained = explain_release(stack, service, release=release_id)
    assert explained.returncode == 0, explained.stdout[-3000:]
    assert f"{service} release {release_id}: rolled_back" in explained.stdout and "decided by: gate metrics (step 1): FAIL" in explained.stdout
    flat = " ".join(explained.stdout.split())  # the YAML callback wraps long lines
    assert re.search(r"metrics \(step 1\): FAIL — (production|verification): [^']*\[same\]", flat), explained.stdout[-3000:]
    with edited_ledger_entry(stack, service, release_id, zero_errors):
        tampered = explain_release(stack, service, release=release_id)
    assert tampered.returncode != 0 and "differ from the record" in tampered.stdout, tampered.stdout[-3000:]
    assert "status: recorded FAIL, recomputed PASS" in tampered.stdout
    assert explain_release(stack, service, release=release_id).returncode == 0  # the entry is back as it was
    missing = explain_release(stack, service, release="no-such-release")
    assert missing.returncode != 0 and "no release no-such-release of event" in missing.stdout and release_id in missing.stdout


def explain_release(stack: Stack, service: str, **extra: Any) -> subprocess.CompletedProcess:
    cmd = [str(BIN / "ansible-playbook"), "playbooks/explain_release.yml", "-i", str(stack.inventory), "-e", json.dumps({"svc": service, **extra})]
    return subprocess.run(cmd, cwd=ROOT, env=stack.env, capture_output=True, text=True, timeout=120, check=False)


def zero_errors(entry: dict[str, Any]) -> None:
    """Every 5xx datapoint and failed verification request of every metrics gate set to 0: as if the new colour had
    failed nothing."""
    for gate in entry["gates"]:
        evidence = gate.get("evidence") or {}
        for point in evidence.get("datapoints", {}).get("errors", []):
            point[1] = 0.0
        if evidence.get("verification"):
            evidence["verification"].update(target_5xx=0, elb_errors=0, failed=0, errors=0)


@contextlib.contextmanager
def edited_ledger_entry(stack: Stack, service: str, release_id: str, edit: Any) -> Any:
    """The stored ledger item of one release with its entry edited in place (as a person with table access could),
    put back as it was afterwards."""
    ddb, table = stack.client("dynamodb"), stack.outputs["deployment_table_name"]
    items = ddb.query(TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": f"release#{service}"}})["Items"]
    (item,) = [i for i in items if i["sk"]["S"].endswith("#" + release_id)]
    entry = json.loads(item["entry"]["S"])
    edit(entry)
    ddb.put_item(TableName=table, Item={**item, "entry": {"S": json.dumps(entry, sort_keys=True)}})
    try:
        yield
    finally:
        ddb.put_item(TableName=table, Item=item)


def test_concurrent_release_is_refused(stack: Stack) -> None:
    service = "api-gateway"
    stack.push(service, "4.0.0")
    first = stack.start_release(service, image_tag="4.0.0", service_release_step_bake_seconds=8)
    deadline = time.time() + 60
    while stack.lock(service) is None:
        assert first.poll() is None and time.time() < deadline, "first release never took the lock"
        time.sleep(0.1)
    before = stack.ledger(service)
    second = stack.release(service, image_tag="4.0.0", **FAST)
    assert second.returncode != 0
    assert "another release of api-gateway is in progress" in second.stdout
    out, _ = first.communicate(timeout=180)
    assert first.returncode == 0, out[-3000:]
    after = stack.ledger(service)
    assert len(after) == len(before) + 1 and after[0]["outcome"] == "succeeded"


def start_canary(stack: Stack, service: str, tag: str, **extra: Any) -> tuple[subprocess.Popen, str, str]:
    """Start a canary release of ``tag`` and return once its first step moved production: (process, live, new)."""
    live = stack.live_colour(service)
    new = "green" if live == "blue" else "blue"
    proc = stack.start_release(service, image_tag=tag, strategy="canary", **extra)
    deadline = time.time() + 120
    while stack.weights(service)[new] == 0:
        assert proc.poll() is None and time.time() < deadline, "the canary step never started"
        time.sleep(0.2)
    return proc, live, new


def test_killed_controller_is_repaired_by_next_run(stack: Stack) -> None:
    service = "event"
    digest = stack.push(service, "4.1.0")
    proc, _live, new = start_canary(stack, service, "4.1.0", service_release_step_bake_seconds=60, service_release_lock_ttl_seconds=4)
    kill_controller(proc)
    assert stack.weights(service)[new] == 10  # left half-done
    time.sleep(5)  # the dead controller's lease expires
    again = stack.release(service, image_tag="4.1.0", **FAST)
    assert again.returncode == 0, again.stdout[-4000:]
    assert "REPAIR" in again.stdout
    entries = stack.ledger(service)
    assert entries[0]["outcome"] == "succeeded"
    assert any(e["outcome"] == "abandoned" for e in entries)
    final = stack.live_colour(service)
    assert_live(stack, service, final, digest)


def test_interrupt_rolls_back(stack: Stack) -> None:
    """Ctrl-C mid-canary, landing while an AWS call is in flight (where the SDK's retries once swallowed it)."""
    service = "notification"
    stack.push(service, "4.2.0")
    endpoint = stack.env["AWS_ENDPOINT_URL"]
    proc, live, new = start_canary(stack, service, "4.2.0", service_release_step_bake_seconds=60, service_release_poll_interval=0.2)
    # The bake polls the new colour's alarms; each poll now takes 2 s, so the
    # release spends nearly all its time inside DescribeAlarms.
    with fault(endpoint, "cloudwatch.DescribeAlarms", "latency", latency_ms=2000, rate=1.0):
        time.sleep(1.0)
        # Ctrl-C as a terminal sends it: SIGINT to the whole foreground process
        # group, ansible-playbook and its worker alike (the release runs in the worker).
        os.killpg(proc.pid, signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode != 0, out[-3000:]
    deadline = time.time() + 30
    while time.time() < deadline and (stack.lock(service) is not None or stack.weights(service)[live] != 100):
        time.sleep(0.2)
    assert stack.weights(service) == {live: 100, new: 0}, (stack.lock(service), stack.ledger(service)[:1], out[-3000:])
    assert stack.ecs_service(service, new)["desiredCount"] == 0
    entry = stack.ledger(service)[0]
    assert entry["outcome"] == "rolled_back" and "interrupted by SIGINT" in entry["message"], (entry["message"], out[-3000:])
    # The operator's terminal showed the rollback and its outcome, not only Ansible's "User interrupted execution".
    assert f"[{service}] ROLLBACK: production traffic back to {live}" in out, out[-3000:]
    assert f"[{service}] release of {service} 4.2.0 ROLLED BACK: interrupted by SIGINT" in out, out[-3000:]


@pytest.mark.parametrize("decision,outcome", [("approve", "succeeded"), ("reject", "rolled_back")])
def test_manual_approval(stack: Stack, decision: str, outcome: str) -> None:
    service = "api-gateway"
    live = stack.live_colour(service)
    tag = f"6.0.0-{decision}"
    stack.push(service, tag)
    proc = stack.start_release(service, image_tag=tag, service_release_manual_approval=True, **FAST)
    deadline = time.time() + 120
    while True:
        item = stack.lock(service)
        if item and json.loads(item["state"]["S"]).get("phase") == "approval":
            break
        assert proc.poll() is None and time.time() < deadline, "release never reached the approval gate"
        time.sleep(0.2)
    assert stack.weights(service)[live] == 100  # nothing shifted before the decision
    release_id = item["release_id"]["S"]
    decide = subprocess.run(
        [
            str(BIN / "ansible-playbook"),
            "playbooks/approve_release.yml",
            "-i",
            str(stack.inventory),
            "-e",
            json.dumps({"svc": service, "release_id": release_id, "decision": decision}),
        ],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert decide.returncode == 0, decide.stdout[-2000:]
    out, _ = proc.communicate(timeout=120)
    assert (proc.returncode == 0) is (outcome == "succeeded"), out[-3000:]
    entry = stack.ledger(service)[0]
    assert entry["release_id"] == release_id and entry["outcome"] == outcome
    approval = next(g for g in entry["gates"] if g["gate"] == "approval")
    assert approval["status"] == ("PASS" if decision == "approve" else "FAIL")
    wrong = subprocess.run(
        [str(BIN / "ansible-playbook"), "playbooks/approve_release.yml", "-i", str(stack.inventory), "-e", json.dumps({"svc": service, "release_id": "nope"})],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert wrong.returncode != 0 and "no release nope of api-gateway is in progress" in wrong.stdout


def test_rollback_playbook_returns_to_previous_release(stack: Stack) -> None:
    service = "user"
    first = stack.push(service, "7.0.0")
    assert stack.release(service, image_tag="7.0.0", **FAST).returncode == 0
    stack.push(service, "7.1.0")
    assert stack.release(service, image_tag="7.1.0", **FAST).returncode == 0

    def rollback(**extra: str) -> subprocess.CompletedProcess:
        cmd = [str(BIN / "ansible-playbook"), "playbooks/rollback_service.yml", "-i", str(stack.inventory), "-e", json.dumps({"svc": service, **extra})]
        return subprocess.run(cmd, cwd=ROOT, env=stack.env, capture_output=True, text=True, timeout=300, check=False)

    proc = rollback(service_release_step_bake_seconds="1")
    assert proc.returncode == 0, proc.stdout[-3000:]
    live = stack.live_colour(service)
    assert stack.image_of(service, live).endswith("@" + first)
    entry = stack.ledger(service)[0]
    assert entry["outcome"] == "succeeded" and entry["image_digest"] == first and entry["strategy"] == "all_at_once"
    bad = rollback(to="20000101T000000Z-000000")
    assert bad.returncode != 0 and "no successful release 20000101T000000Z-000000 of user" in bad.stdout


def set_by_hand(stack: Stack, service: str, weights: dict[str, int]) -> None:
    """What a person (or a Terraform apply) does to the production rule, outside any release."""
    out = stack.svc(service)
    groups = [{"TargetGroupArn": out[f"{colour}_target_group_arn"], "Weight": weight} for colour, weight in weights.items()]
    stack.client("elbv2").modify_rule(RuleArn=out["prod_rule_arn"], Actions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": groups}}])


def test_an_out_of_band_weight_edit_halts_the_release_and_is_not_overwritten(stack: Stack) -> None:
    service = "user"
    digest = stack.push(service, "7.2.0")
    proc, live, new = start_canary(stack, service, "7.2.0", service_release_step_bake_seconds=60, service_release_poll_interval=0.5)
    # Someone sets the production rule by hand mid-canary.
    by_hand = {live: 50, new: 50}
    set_by_hand(stack, service, by_hand)
    edited = time.time()
    out, _ = proc.communicate(timeout=60)
    assert time.time() - edited < 30, "the release did not notice within a poll or two"  # the bake was 60 s
    assert proc.returncode != 0, out[-3000:]
    assert "HALTED: the production listener rule was changed outside the release" in out, out[-3000:]
    assert stack.weights(service) == by_hand  # not rolled back over the person's change
    assert stack.ecs_service(service, new)["desiredCount"] >= 1
    entry = stack.ledger(service)[0]
    assert entry["outcome"] == "halted" and entry["evidence"]["found_weights"] == by_hand, entry
    assert stack.lock(service) is None
    # The operator decides: the old colour serves again; the next release then goes through.
    set_by_hand(stack, service, {live: 100, new: 0})
    again = stack.release(service, image_tag="7.2.0", **FAST)
    assert again.returncode == 0, again.stdout[-3000:]
    assert_live(stack, service, new, digest)
