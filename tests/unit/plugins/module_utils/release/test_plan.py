"""The preflight: what a release would do, computed without a write."""

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.errors import PreflightError
from ansible_collections.slipway.aws.plugins.module_utils.ledger import Lease

from .fakes import PROD_RULE, TABLE, digest_of, fail_once, new_release, run_release

# The keys of the module's returned `plan` before the plan became a dataclass.
RESULT_KEYS = [
    "service",
    "image_tag",
    "image_digest",
    "image",
    "from_colour",
    "to_colour",
    "weights",
    "steps",
    "strategy",
    "desired_count",
    "live_task_definition",
    "reuse_task_definition",
    "register_task_definition",
    "diff",
    "no_change",
    "repair",
    "alarms",
]


def test_the_live_image_is_no_change(fake):
    plan = new_release(fake, image_tag="1.0.0").plan()
    assert plan.no_change and plan.repair is None
    assert plan.reuse_task_definition == plan.live_task_definition == fake.services["blue"]["taskDefinition"]
    assert not plan.register_task_definition
    assert fake.writes == []


def test_a_new_image_is_registered_on_the_idle_colour(fake):
    digest = fake.push("1.1.0")
    plan = new_release(fake, image_tag="1.1.0").plan()
    assert not plan.no_change
    assert (plan.from_colour, plan.to_colour) == ("blue", "green")
    assert plan.register_task_definition and plan.reuse_task_definition is None
    assert plan.image.endswith("@" + digest) and digest in plan.diff
    assert plan.steps == [10, 100] and plan.desired_count == 2
    assert plan.alarms == ["user-blue-5xx", "user-green-5xx"]
    assert fake.writes == []  # a preflight writes nothing


def test_an_identical_revision_is_reused(fake):
    fake.push("1.1.0")
    # A first attempt at 1.1.0 registered a revision, then rolled back (an AWS error on the first step).
    fake.faults["modify_rule"] = fail_once(when=lambda rule, _w: rule == PROD_RULE)
    assert run_release(fake, image_tag="1.1.0")["outcome"] == "rolled_back"
    first = fake.registered[-1]
    assert fake.services["green"] == {"desiredCount": 0, "taskDefinition": first}
    release = new_release(fake, image_tag="1.1.0")
    plan = release.plan()
    assert plan.reuse_task_definition == first and not plan.register_task_definition
    assert release.execute(plan)["outcome"] == "succeeded"
    assert fake.registered == [first] and fake.services["green"]["taskDefinition"] == first


def test_plan_result_keeps_the_module_keys(fake):
    fake.push("1.1.0")
    view = new_release(fake, image_tag="1.1.0").plan().to_result()
    assert list(view) == RESULT_KEYS
    assert "rendered" not in view and view["register_task_definition"] is True


def test_a_live_lease_refuses_the_release(fake, table):
    fake.push("1.1.0")
    Lease(table, TABLE, "user", "other-release", ttl=120).acquire("alice", "2026-11-27T00:00:00Z", {"phase": "step_1"})
    with pytest.raises(PreflightError, match="release other-release by alice"):
        new_release(fake, image_tag="1.1.0").plan()


def test_split_traffic_without_a_lease_is_planned_as_a_repair(fake):
    fake.push("1.1.0")
    fake.rules[PROD_RULE] = {"blue": 75, "green": 25}
    plan = new_release(fake, image_tag="1.1.0").plan()
    assert plan.repair["state"] == {"from_colour": "blue", "to_colour": "green"} and not plan.no_change


# ------------------------------------------------------ returning to an earlier image


def test_returning_to_the_previous_image_reuses_its_revision(fake):
    fake.push("1.1.0")
    fake.push("1.2.0")
    assert run_release(fake, image_tag="1.1.0")["outcome"] == "succeeded"  # green
    rev_110 = fake.services["green"]["taskDefinition"]
    assert run_release(fake, image_tag="1.2.0")["outcome"] == "succeeded"  # blue
    registered = list(fake.registered)
    # What rollback_service.yml does: release the earlier image by digest.
    summary = run_release(fake, image_digest=digest_of("1.1.0"), strategy="all_at_once")
    assert summary["outcome"] == "succeeded"
    assert fake.registered == registered  # nothing registered
    assert summary["task_definition"] == rev_110 == fake.services["green"]["taskDefinition"]
    assert fake.rules[PROD_RULE] == {"blue": 0, "green": 100}


def test_returning_past_a_rolled_back_release_reuses_the_revision_from_the_ledger(fake):
    fake.push("1.1.0")
    fake.push("1.2.0")
    fake.push("1.3.0-bad", broken="errors")
    assert run_release(fake, image_tag="1.1.0")["outcome"] == "succeeded"  # green
    rev_110 = fake.services["green"]["taskDefinition"]
    assert run_release(fake, image_tag="1.2.0")["outcome"] == "succeeded"  # blue
    assert run_release(fake, image_tag="1.3.0-bad")["outcome"] == "rolled_back"  # green now holds 1.3.0-bad's revision
    assert fake.services["green"]["taskDefinition"] != rev_110 and fake.newest_revision() != rev_110
    registered = list(fake.registered)
    release = new_release(fake, image_digest=digest_of("1.1.0"), strategy="all_at_once")
    plan = release.plan()
    assert plan.reuse_task_definition == rev_110 and not plan.register_task_definition
    summary = release.execute(plan)
    assert summary["outcome"] == "succeeded" and fake.registered == registered
    assert fake.services["green"]["taskDefinition"] == rev_110 and fake.image_of("green").endswith(digest_of("1.1.0"))


def test_an_inactive_revision_is_not_reused(fake):
    fake.push("1.1.0")
    fake.push("1.2.0")
    run_release(fake, image_tag="1.1.0")
    run_release(fake, image_tag="1.2.0")
    fake.taskdefs[fake.services["green"]["taskDefinition"]]["status"] = "INACTIVE"  # deregistered by hand
    plan = new_release(fake, image_digest=digest_of("1.1.0")).plan()
    assert plan.register_task_definition


def test_the_newest_image_is_taken_when_no_tag_is_given(fake):
    fake.push("1.1.0")
    said = []
    plan = new_release(fake, emit=said.append).plan()
    assert plan.image_tag == "1.1.0" and any("newest pushed image, 1.1.0" in m for m in said)


def test_a_firing_alarm_refuses_the_release(fake):
    fake.push("1.1.0")
    fake.alarm_states["user-blue-5xx"] = "ALARM"
    with pytest.raises(PreflightError, match="already firing"):
        new_release(fake, image_tag="1.1.0").plan()
    assert fake.writes == []
