"""Real `ansible-playbook playbooks/release_train.yml` runs against the emulator.

Each service is an inventory host (group `services`); a train releases several
of them in dependency order under one train id. Every assertion reads state
back from the emulated AWS API (listener rules, ECS services, task
definitions, the ledger in the deployment table), the Slack receiver or the
summary file, never from what the playbook says it did.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import BIN, ROOT, Stack

sys.path.insert(0, str(ROOT / "tools"))
from local_aws.faults import clear_faults, list_faults, set_fault

pytestmark = pytest.mark.timeout(600)

TRAIN = ("api-gateway", "user", "event")
# Short releases: all at once, a one-second bake, a metrics gate that judges from few requests.
FAST = {"strategy": "all_at_once", "service_release_step_bake_seconds": 1, "service_release_min_requests": 5, "release_train_wait_timeout_seconds": 300}


def run_train(stack: Stack, *args: str, timeout: float = 540, **extra: Any) -> subprocess.CompletedProcess:
    extra = {**FAST, **extra}
    if stack.summaries is not None:
        extra.setdefault("service_release_summary_dir", str(stack.summaries))
    cmd = [str(BIN / "ansible-playbook"), "playbooks/release_train.yml", "-i", str(stack.inventory), "-e", json.dumps(extra), *args]
    return subprocess.run(cmd, cwd=ROOT, env=stack.env, capture_output=True, text=True, timeout=timeout, check=False)


def recap(stdout: str) -> dict[str, dict[str, int]]:
    """The play recap: host -> {ok, changed, failed, skipped, rescued, ...}."""
    out = {}
    for host, counts in re.findall(r"^(\S+)\s*:\s*(ok=\d+.*)$", stdout, re.M):
        out[host] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", counts)}
    assert out, stdout[-3000:]
    return out


def train_id(stdout: str) -> str:
    m = re.search(r"train (train-\d{8}T\d{6}Z-[0-9a-f]{6}) \(", stdout)
    assert m, stdout[-3000:]
    return m.group(1)


def summary_file(stack: Stack, tid: str) -> dict[str, Any]:
    assert stack.summaries is not None
    return json.loads((stack.summaries / f"{tid}.json").read_text())


def train_entries(stack: Stack, service: str, tid: str) -> list[dict[str, Any]]:
    """The service's ledger entries under the train, oldest first."""
    return sorted((e for e in stack.ledger(service) if e.get("train_id") == tid), key=lambda e: e["started_at"])


def live_digest(stack: Stack, service: str) -> str:
    """The digest the live colour runs (a tag, as Terraform's first revision has, resolved in ECR)."""
    image = stack.image_of(service, stack.live_colour(service))
    if "@" in image:
        return image.rpartition("@")[2]
    return stack.digest(service, image.rpartition(":")[2])


def assert_on(stack: Stack, service: str, digest: str) -> None:
    live = stack.live_colour(service)
    other = "green" if live == "blue" else "blue"
    assert stack.weights(service) == {live: 100, other: 0}
    assert stack.image_of(service, live).endswith("@" + digest)
    assert stack.ecs_service(service, other)["desiredCount"] == 0
    assert stack.lock(service) is None


def test_a_train_releases_in_dependency_order_and_a_second_one_changes_nothing(stack: Stack) -> None:
    tag = "7.0.0"
    digests = {name: stack.push(name, tag) for name in TRAIN}
    untouched = (stack.live_colour("notification"), stack.image_of("notification", stack.live_colour("notification")))
    slack_before = len(stack.slack.messages)

    proc = run_train(stack, services="api-gateway,user,event", image_tag=tag)
    assert proc.returncode == 0, proc.stdout[-5000:]
    tid = train_id(proc.stdout)

    entries = {name: train_entries(stack, name, tid) for name in TRAIN}
    for name in TRAIN:
        assert [e["outcome"] for e in entries[name]] == ["succeeded"], name
        assert entries[name][0]["image_digest"] == digests[name]
        assert_on(stack, name, digests[name])
    # api-gateway depends on user and event: it started only after both had finished.
    first_wave_done = max(entries["user"][0]["finished_at"], entries["event"][0]["finished_at"])
    assert entries["api-gateway"][0]["started_at"] >= first_wave_done
    # notification is not in the train.
    assert (stack.live_colour("notification"), stack.image_of("notification", stack.live_colour("notification"))) == untouched

    summary = summary_file(stack, tid)
    assert summary["outcome"] == "succeeded" and summary["waves"] == [["event", "user"], ["api-gateway"]]
    assert {r["service"]: (r["outcome"], r["release_id"]) for r in summary["services"]} == {n: ("released", entries[n][0]["release_id"]) for n in TRAIN}
    assert re.search(r"2\s+api-gateway\s+released\s+7\.0\.0", proc.stdout)

    # One train-level message opens and one closes the train's releases, each carrying the train id.
    messages = stack.slack.messages[slack_before:]
    events = [m["slipway"]["event"] for m in messages]
    assert events[0] == "train_started" and events[-1] == "train_finished", events
    assert events.count("started") == 3 and events.count("succeeded") == 3
    assert all(m["slipway"]["train"]["train_id"] == tid for m in (messages[0], messages[-1]))
    assert "api-gateway: released" in messages[-1]["text"]

    # Same images again: every service unchanged, nothing written, nothing sent.
    before, calls, slack_count = stack.snapshot(), stack.calls(), len(stack.slack.messages)
    second = run_train(stack, services="api-gateway,user,event", image_tag=tag)
    assert second.returncode == 0, second.stdout[-4000:]
    assert all(counts["changed"] == 0 and counts["failed"] == 0 for counts in recap(second.stdout).values())
    assert stack.writes_since(calls) == {}
    assert stack.snapshot() == before
    assert len(stack.slack.messages) == slack_count
    assert summary_file(stack, train_id(second.stdout))["outcome"] == "unchanged"


def test_check_mode_plans_every_service_and_writes_nothing(stack: Stack) -> None:
    stack.push("user", "7.1.0")
    stack.push("event", "7.1.0")
    before, calls = stack.snapshot(), stack.calls()
    proc = run_train(stack, "--check", services="user,event", image_tag="7.1.0")
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "would release user 7.1.0" in proc.stdout and "would release event 7.1.0" in proc.stdout
    assert stack.writes_since(calls) == {}
    assert stack.snapshot() == before
    assert not (stack.summaries / f"{train_id(proc.stdout)}.json").exists()


@pytest.mark.parametrize("policy", ["leave", "cascade"])
def test_a_failing_service_stops_the_train(stack: Stack, policy: str) -> None:
    tag = f"8.0.0-{policy}"
    before = {name: live_digest(stack, name) for name in TRAIN}
    gateway = (stack.live_colour("api-gateway"), stack.revisions("api-gateway"))
    new_event = stack.push("event", tag)
    stack.push("user", tag, "--crash")  # wave 1 with event; api-gateway (wave 2) depends on it
    stack.push("api-gateway", tag)

    proc = run_train(stack, services="api-gateway,user,event", image_tag=tag, release_train_on_failure=policy)
    assert proc.returncode != 0, proc.stdout[-4000:]
    tid = train_id(proc.stdout)
    counts = recap(proc.stdout)
    assert counts["user"]["failed"] == 1
    assert counts["api-gateway"]["failed"] == 0 and counts["api-gateway"]["skipped"] > 0

    # user rolled back by its own release: production on its old colour and digest.
    assert [e["outcome"] for e in train_entries(stack, "user", tid)] == ["rolled_back"]
    assert_on(stack, "user", before["user"])
    # api-gateway never started: no entry under the train, no new revision, traffic where it was.
    assert train_entries(stack, "api-gateway", tid) == []
    assert (stack.live_colour("api-gateway"), stack.revisions("api-gateway")) == gateway
    assert_on(stack, "api-gateway", before["api-gateway"])

    event = train_entries(stack, "event", tid)
    summary = summary_file(stack, tid)
    outcomes = {r["service"]: r["outcome"] for r in summary["services"]}
    assert outcomes["user"] == "rolled_back" and outcomes["api-gateway"] == "skipped"
    if policy == "leave":
        # event finished before the failure was known and passed its gates: it stays live.
        assert [e["outcome"] for e in event] == ["succeeded"]
        assert_on(stack, "event", new_event)
        assert outcomes["event"] == "released" and summary["outcome"] == "failed"
        assert counts["event"]["failed"] == 0
    else:
        # event went back to the digest it ran before the train, recorded under the same train id.
        assert [e["outcome"] for e in event] == ["succeeded", "succeeded"]
        assert event[0]["image_digest"] == new_event and event[1]["image_digest"] == before["event"]
        assert_on(stack, "event", before["event"])
        assert outcomes["event"] == "returned" and summary["outcome"] == "rolled_back"


@pytest.fixture
def faults(stack: Stack):
    endpoint = stack.env["AWS_ENDPOINT_URL"]
    clear_faults(endpoint)
    yield endpoint
    clear_faults(endpoint)


def test_a_train_under_throttling_ends_as_without_it(stack: Stack, faults: str) -> None:
    tag = "10.0.0"
    digests = {name: stack.push(name, tag) for name in TRAIN}
    rules = (
        set_fault(faults, "ecs.*", "throttle", rate=0.2, seed=7),
        set_fault(faults, "dynamodb.Query", "throttle", rate=0.3, seed=5),  # the train's own reads of the ledger
    )
    proc = run_train(stack, services="api-gateway,user,event", image_tag=tag)
    injected = list_faults(faults)["injected"]["rules"]
    clear_faults(faults)
    assert proc.returncode == 0, proc.stdout[-5000:]
    assert all(injected.get(rule["id"], {}).get("count", 0) > 0 for rule in rules), injected
    tid = train_id(proc.stdout)
    entries = {name: train_entries(stack, name, tid) for name in TRAIN}
    for name in TRAIN:
        assert [e["outcome"] for e in entries[name]] == ["succeeded"]
        assert_on(stack, name, digests[name])
    assert entries["api-gateway"][0]["started_at"] >= max(entries["user"][0]["finished_at"], entries["event"][0]["finished_at"])


def catalogue(stack: Stack) -> dict[str, Any]:
    return yaml.safe_load((Path(stack.inventory) / "group_vars" / "all" / "services.yml").read_text())["slipway_services"]


@pytest.mark.parametrize(
    "extra,expected",
    [
        ({"services": "user,billing"}, "unknown service 'billing' in -e services=. Known services: api-gateway, event, notification, user. Fix:"),
        ({"release_train_on_failure": "yolo"}, "release_train_on_failure 'yolo' is not one of leave, cascade"),
        ({"depends_on": {"user": ["auth"]}}, "user depends on 'auth', which the service catalogue does not define"),
        ({"depends_on": {"user": ["api-gateway"]}}, "the service catalogue's depends_on has a cycle: api-gateway -> user -> api-gateway"),
    ],
)
def test_bad_input_is_refused_before_any_write(stack: Stack, extra: dict[str, Any], expected: str) -> None:
    extra = dict(extra)
    if "depends_on" in extra:
        services = catalogue(stack)
        for name, deps in extra.pop("depends_on").items():
            services[name]["depends_on"] = deps
        extra["slipway_services"] = services
    calls = stack.calls()
    proc = run_train(stack, **extra)
    assert proc.returncode != 0
    assert expected in " ".join(proc.stdout.replace("''", "'").split()), proc.stdout[-3000:]
    assert stack.writes_since(calls) == {}
