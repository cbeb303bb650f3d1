"""The release train's pure logic: the catalogue's dependencies, waves, input checks, the
train's state from ledger entries, the wait verdict, the cascade order and the summary."""

from __future__ import annotations

import datetime

import pytest
from ansible_collections.slipway.aws.plugins.module_utils import train
from ansible_collections.slipway.aws.plugins.module_utils.train import TrainError

CATALOGUE = {
    "api-gateway": {"port": 8080, "depends_on": ["user", "event"]},
    "user": {"port": 8080, "depends_on": []},
    "event": {"port": 8080},
    "notification": {"port": 8080, "depends_on": ["event"]},
}
HOSTS = ["user", "event", "api-gateway", "notification"]
TRAIN = "train-20261201T102724Z-4f2a9c"


def entry(service: str, outcome: str, started: str, train_id: str = TRAIN, **more) -> dict:
    return {
        "service": service,
        "outcome": outcome,
        "started_at": started,
        "finished_at": started,
        "release_id": f"r-{service}-{started}",
        "train_id": train_id,
        **more,
    }


def test_train_id_shape_and_uniqueness():
    now = datetime.datetime(2026, 12, 1, 10, 27, 24, tzinfo=datetime.UTC)
    a, b = train.new_train_id(now), train.new_train_id(now)
    assert a.startswith("train-20261201T102724Z-") and train.TRAIN_ID_RE.match(a)
    assert a != b


@pytest.mark.parametrize(
    "value,expected",
    [(None, []), ("", []), ("api-gateway,user", ["api-gateway", "user"]), (" user , event user", ["user", "event"]), (["event", "user"], ["event", "user"])],
)
def test_parse_services(value, expected):
    assert train.parse_services(value) == expected


def test_parse_services_refuses_a_mapping():
    with pytest.raises(TrainError, match="Fix: -e services="):
        train.parse_services({"user": 1})


def test_waves_follow_depends_on():
    deps = train.dependencies(CATALOGUE)
    assert train.waves(deps, HOSTS) == [["event", "user"], ["api-gateway", "notification"]]
    # A dependency outside the train is taken as live: api-gateway alone is one wave.
    assert train.waves(deps, ["api-gateway"]) == [["api-gateway"]]
    assert train.waves(deps, ["notification", "event"]) == [["event"], ["notification"]]


def test_three_waves_in_a_chain():
    cat = {"a": {}, "b": {"depends_on": ["a"]}, "c": {"depends_on": ["b"]}, "d": {"depends_on": ["a", "c"]}}
    assert train.waves(train.dependencies(cat), ["d", "c", "b", "a"]) == [["a"], ["b"], ["c"], ["d"]]


def test_unknown_dependency_is_named_with_the_fix():
    cat = {**CATALOGUE, "user": {"depends_on": ["auth"]}}
    with pytest.raises(TrainError, match=r"user depends on 'auth', which the service catalogue does not define.*Fix: correct depends_on of user"):
        train.dependencies(cat)


def test_self_dependency():
    with pytest.raises(TrainError, match="user depends on itself"):
        train.dependencies({**CATALOGUE, "user": {"depends_on": ["user"]}})


def test_cycle_is_named_as_a_path():
    cat = {**CATALOGUE, "user": {"depends_on": ["notification"]}, "event": {"depends_on": ["api-gateway"]}}
    with pytest.raises(TrainError, match="cycle") as err:
        train.dependencies(cat)
    message = str(err.value)
    assert "Fix: remove one of these dependencies" in message
    path = message.split("cycle: ", 1)[1].split(".", 1)[0].split(" -> ")
    assert path[0] == path[-1] and len(path) >= 3


def test_depends_on_must_be_a_list():
    with pytest.raises(TrainError, match="must be a list of service names"):
        train.dependencies({"user": {"depends_on": "event"}, "event": {}})


def test_plan_of_the_whole_environment():
    plan = train.plan_train(CATALOGUE, "", HOSTS, train_id=TRAIN)
    assert plan["train_id"] == TRAIN
    assert plan["services"] == ["event", "user", "api-gateway", "notification"]
    assert plan["wave_of"] == {"event": 1, "user": 1, "api-gateway": 2, "notification": 2}
    assert plan["depends_on"]["api-gateway"] == ["user", "event"]
    assert plan["dependants"]["event"] == ["api-gateway", "notification"]
    assert plan["outside_run"] == [] and plan["policy"] == "leave"


def test_plan_of_some_services_and_a_limit():
    plan = train.plan_train(CATALOGUE, "api-gateway,user", ["user", "event", "api-gateway"])
    assert plan["services"] == ["user", "api-gateway"]
    assert plan["depends_on"]["api-gateway"] == ["user"]
    assert plan["external_dependencies"] == {"api-gateway": ["event"]}
    # --limit user: api-gateway is in the train but not in this run.
    limited = train.plan_train(CATALOGUE, "api-gateway,user", ["user"])
    assert limited["in_run"] == ["user"] and limited["outside_run"] == ["api-gateway"]


def test_unknown_service_in_the_command_line():
    with pytest.raises(TrainError, match=r"unknown services 'billing', 'auth' in -e services=\. Known services: api-gateway, event, notification, user\. Fix:"):
        train.plan_train(CATALOGUE, "user,billing,auth", HOSTS)


def test_host_not_in_the_catalogue():
    with pytest.raises(TrainError, match=r"inventory host.* billing in group services are not in the service catalogue"):
        train.plan_train(CATALOGUE, "", [*HOSTS, "billing"])


def test_nothing_in_this_run():
    with pytest.raises(TrainError, match="widen --limit"):
        train.plan_train(CATALOGUE, "api-gateway", ["user"])


@pytest.mark.parametrize("policy,train_id,match", [("yolo", None, "release_train_on_failure 'yolo'"), ("leave", "train-1", "is not of the form")])
def test_bad_policy_and_train_id(policy, train_id, match):
    with pytest.raises(TrainError, match=match):
        train.plan_train(CATALOGUE, "", HOSTS, policy=policy, train_id=train_id)


def test_service_state_picks_the_train_entries_oldest_first():
    entries = [
        entry("event", "succeeded", "2026-12-01T10:30:00Z"),  # the cascade return
        entry("event", "succeeded", "2026-12-01T10:29:00Z", train_id="train-other"),
        entry("event", "succeeded", "2026-12-01T10:28:00Z"),  # the release in the train
        {"service": "event", "outcome": "succeeded", "started_at": "2026-12-01T10:00:00Z"},  # no train
    ]
    state = train.service_state(entries, TRAIN)
    assert state["release"]["started_at"] == "2026-12-01T10:28:00Z"
    assert state["cascade"]["started_at"] == "2026-12-01T10:30:00Z"
    assert train.service_state([], TRAIN) == {"release": None, "cascade": None}


def states(**outcomes: str | None) -> dict:
    return {name: {"release": entry(name, o, "2026-12-01T10:28:00Z") if o else None, "cascade": None} for name, o in outcomes.items()}


def test_wait_verdicts():
    deps = ["user", "event"]
    assert train.wait_verdict("api-gateway", deps, [], states(user=None, event=None, **{"api-gateway": None}))[0] == "wait"
    assert train.wait_verdict("api-gateway", deps, [], states(user="succeeded", event=None))[0] == "wait"
    assert train.wait_verdict("api-gateway", deps, [], states(user="succeeded", event="repaired"))[0] == "ready"
    # An unchanged dependency has nothing to release: it is live.
    assert train.wait_verdict("api-gateway", deps, ["event"], states(user="succeeded", event=None))[0] == "ready"
    verdict, reason = train.wait_verdict("api-gateway", deps, [], states(user="rolled_back", event=None))
    assert verdict == "blocked" and "dependency user ended rolled_back" in reason
    # Any failure in the train stops new starts, dependency or not.
    verdict, reason = train.wait_verdict("notification", ["event"], [], states(user="refused", event="succeeded"))
    assert verdict == "blocked" and reason == "the train stopped: user refused"
    assert train.wait_verdict("user", [], [], states(user=None, event=None)) == ("ready", "no dependency in the train")


def test_cascade_targets_are_the_released_services_dependants_first():
    s = states(event="succeeded", user="rolled_back", notification="succeeded", **{"api-gateway": None})
    assert train.cascade_targets(["event", "user", "api-gateway", "notification"], s) == ["notification", "event"]
    s["event"]["cascade"] = entry("event", "succeeded", "2026-12-01T10:40:00Z")
    assert train.cascade_targets(["event", "user", "api-gateway", "notification"], s) == ["notification"]


def test_image_digest_of():
    assert train.image_digest_of("123.dkr.ecr/slipway/user@sha256:" + "a" * 64) == "sha256:" + "a" * 64
    assert train.image_digest_of("123.dkr.ecr/slipway/user:1.0.0") is None


def test_summary_of_a_cascaded_train():
    plan = train.plan_train(CATALOGUE, "api-gateway,user,event", HOSTS, policy="cascade", train_id=TRAIN)
    s = states(event="succeeded", user="rolled_back", **{"api-gateway": None})
    s["event"]["cascade"] = entry("event", "succeeded", "2026-12-01T10:40:00Z", image_digest="sha256:old")
    hosts = {
        "api-gateway": {"outcome": "skipped", "message": "dependency user ended rolled_back"},
        "user": {"outcome": "failed"},
        "event": {"outcome": "released"},
    }
    summary = train.summarise(plan, s, hosts)
    assert {r["service"]: r["outcome"] for r in summary["services"]} == {"event": "returned", "user": "rolled_back", "api-gateway": "skipped"}
    assert summary["outcome"] == "rolled_back"
    assert next(r for r in summary["services"] if r["service"] == "event")["returned_to"] == "sha256:old"
    lines = train.render_table(summary)
    assert lines[0] == f"train {TRAIN} (cascade): ROLLED BACK"
    assert any("skipped" in line and "api-gateway" in line for line in lines)


def test_summary_outcomes_leave_unchanged_and_succeeded():
    plan = train.plan_train(CATALOGUE, "user,event", HOSTS, train_id=TRAIN)
    left = train.summarise(plan, states(user="succeeded", event="rolled_back"), {})
    assert left["outcome"] == "failed" and left["counts"] == {"released": 1, "rolled_back": 1}
    assert train.summarise(plan, states(user=None, event=None), {"user": {"outcome": "unchanged"}, "event": {"outcome": "unchanged"}})["outcome"] == "unchanged"
    assert train.summarise(plan, states(user="succeeded", event=None), {"event": {"outcome": "unchanged"}})["outcome"] == "succeeded"
    assert train.summarise(plan, states(user=None, event=None), {"user": {"outcome": "planned"}, "event": {"outcome": "unchanged"}})["outcome"] == "planned"
    # A return refused before it wrote an entry is a failed return, not a release.
    returned = train.summarise({**plan, "policy": "cascade"}, states(user="succeeded", event="rolled_back"), {"user": {"outcome": "return_failed"}})
    assert returned["outcome"] == "failed"
    assert {r["service"]: r["outcome"] for r in returned["services"]}["user"] == "return_failed"
