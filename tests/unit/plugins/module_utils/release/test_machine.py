"""The release state machine against the fake AWS model: every assertion reads the model's state."""

import os
import signal
import time

import pytest
from ansible_collections.slipway.aws.plugins.module_utils import traffic
from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError
from ansible_collections.slipway.aws.plugins.module_utils.ledger import Lease, approval_put, ledger_list
from ansible_collections.slipway.aws.plugins.module_utils.release import machine as machine_mod

from .fakes import PROD_RULE, TABLE, TEST_RULE, TG, digest_of, fail_once, new_release, run_release

BLUE_LIVE = {"blue": 100, "green": 0}


def green(percent):
    return traffic.weights_for("green", percent)


def assert_rolled_back_to_blue(fake, summary):
    assert summary["outcome"] == "rolled_back", summary["message"]
    assert fake.rules[PROD_RULE] == BLUE_LIVE
    assert fake.rules[TEST_RULE] == green(100)  # the test listener stays on the idle colour
    assert fake.services["green"]["desiredCount"] == 0 and fake.bounds["green"] == (0, 0)
    assert fake.services["blue"]["desiredCount"] == 2 and fake.image_of("blue").endswith(digest_of("1.0.0"))
    assert fake.notifications[-1].events == ["started", "rolled_back"]


@pytest.mark.parametrize(
    "strategy,steps",
    [("all_at_once", [100]), ("canary", [10, 100]), ("linear", [25, 50, 75, 100])],
)
def test_release_shifts_per_strategy_then_scales_the_old_colour_down(fake, table, strategy, steps):
    digest = fake.push("1.1.0")
    release = new_release(fake, image_tag="1.1.0", strategy=strategy)
    summary = release.execute(release.plan())
    assert summary["outcome"] == "succeeded", summary["message"]
    assert fake.prod_weights_seen() == [green(p) for p in steps]
    assert fake.test_weights_seen() == [green(100), traffic.weights_for("blue", 100)]  # new colour for smoke, then the idle one
    assert fake.rules[PROD_RULE] == green(100)
    assert fake.services["green"] == {"desiredCount": 2, "taskDefinition": fake.registered[0]} and fake.image_of("green").endswith(digest)
    assert fake.services["blue"]["desiredCount"] == 0
    assert fake.scale_log[-1] == ("blue", 0, None)  # the old colour goes down last
    assert fake.bounds == {"green": (2, 8), "blue": (0, 0)}
    assert [g["gate"] for g in summary["gates"]] == ["health", "smoke"] + ["alarms", "metrics"] * len(steps)
    entry = ledger_list(table, TABLE, "user")[0]
    assert entry["outcome"] == "succeeded" and entry["release_id"] == release.release_id and entry["steps"] == steps
    assert entry["task_definition"] == fake.registered[0] and entry["previous_task_definition"] == fake.services["blue"]["taskDefinition"]
    assert release.lease.read() is None  # the lease is given back
    assert fake.notifications[-1].events == ["started", "succeeded"]


def test_a_failing_metrics_gate_rolls_back(fake, table):
    fake.push("1.1.0", broken="errors")
    summary = run_release(fake, image_tag="1.1.0", strategy="canary")
    assert_rolled_back_to_blue(fake, summary)
    assert fake.prod_weights_seen() == [green(10), BLUE_LIVE]  # canary, then straight back
    assert "5xx rate" in summary["message"] and summary["evidence"]["errors_5xx"] == 50
    assert summary["gates"][-1]["gate"] == "metrics" and summary["gates"][-1]["status"] == "FAIL"
    assert ledger_list(table, TABLE, "user")[0]["outcome"] == "rolled_back"


def test_an_alarm_during_the_bake_rolls_back(fake):
    fake.push("1.1.0")

    def alarm_on_canary(rule, weights):
        if rule == PROD_RULE and weights.get("green") == 10:
            fake.alarm_states["user-green-5xx"] = "ALARM"

    fake.faults["modify_rule"] = alarm_on_canary
    summary = run_release(fake, image_tag="1.1.0", strategy="canary", step_bake_seconds=0.05)
    assert_rolled_back_to_blue(fake, summary)
    assert "user-green-5xx" in summary["message"]
    assert fake.prod_weights_seen() == [green(10), BLUE_LIVE]


@pytest.mark.parametrize("broken,reason", [("unhealthy", "unhealthy"), ("crash", "keep failing")])
def test_an_unhealthy_colour_never_gets_production_traffic(fake, broken, reason):
    fake.push("1.1.0", broken=broken)
    summary = run_release(fake, image_tag="1.1.0")
    assert_rolled_back_to_blue(fake, summary)
    assert fake.prod_weights_seen() == [BLUE_LIVE]  # only the rollback's own write: production never moved
    assert reason in summary["message"] and summary["gates"][-1]["gate"] == "health"


def test_an_aws_error_on_a_weight_change_mid_canary_rolls_back(fake):
    fake.push("1.1.0")
    fake.faults["modify_rule"] = fail_once(when=lambda rule, weights: rule == PROD_RULE and weights["green"] == 100)
    summary = run_release(fake, image_tag="1.1.0", strategy="canary")
    assert_rolled_back_to_blue(fake, summary)
    assert fake.prod_weights_seen() == [green(10), BLUE_LIVE]
    assert "ThrottlingException" in summary["message"] and "rollback_errors" not in summary


def test_a_rollback_that_fails_says_where_traffic_is_and_how_to_finish(fake, table):
    fake.push("1.1.0", broken="errors")

    def rule_frozen_after_canary(rule, weights):
        if rule == PROD_RULE and fake.rules[PROD_RULE] == green(10):
            raise AwsError("modify_rule", "AccessDenied", "not allowed")

    fake.faults["modify_rule"] = rule_frozen_after_canary
    summary = run_release(fake, image_tag="1.1.0", strategy="canary")
    assert summary["outcome"] == "failed"  # never rolled_back, never succeeded
    assert fake.rules[PROD_RULE] == green(10)  # the model: traffic is still split
    message = summary["message"]
    assert "ROLLBACK INCOMPLETE" in message
    assert "production traffic is blue 90% / green 10%" in message
    assert f"set listener rule {PROD_RULE} to forward 100% to {TG['blue']}" in message
    assert summary["rollback_errors"] == ["production weights: modify_rule failed: AccessDenied: not allowed"]
    # The independent rollback steps still happened.
    assert fake.services["green"]["desiredCount"] == 0 and fake.rules[TEST_RULE] == green(100)
    assert "user-green runs 0 task(s)" in message
    assert ledger_list(table, TABLE, "user")[0]["outcome"] == "failed"
    assert fake.notifications[-1].events == ["started", "failed"]


def ctrl_c_at_the_canary(fake):
    """Ctrl-C as the canary step moves production (the signal arrives inside the weight change)."""

    def ctrl_c(rule, weights):
        if rule == PROD_RULE and weights["green"] == 10:
            os.kill(os.getpid(), signal.SIGINT)

    fake.faults["modify_rule"] = ctrl_c


def test_an_interrupt_rolls_back(fake):
    fake.push("1.1.0")
    ctrl_c_at_the_canary(fake)
    # what SIGINT did before the release: Python's KeyboardInterrupt, or SIG_IGN when the tests were started in the
    # background of a shell without job control (the release handles SIGINT itself either way)
    before = signal.getsignal(signal.SIGINT)
    summary = run_release(fake, image_tag="1.1.0", strategy="canary", step_bake_seconds=5.0)
    assert_rolled_back_to_blue(fake, summary)
    assert "interrupted by SIGINT" in summary["message"]
    assert summary["timings"]["total"] < 5  # the bake did not run to its end
    assert signal.getsignal(signal.SIGINT) is before  # handlers restored


def test_an_interrupt_rolls_back_even_when_the_terminal_is_gone(fake):
    """Ctrl-C, then the controller exits: progress output fails, the rollback does not."""
    fake.push("1.1.0")
    interrupted = []

    def ctrl_c(rule, weights):
        if rule == PROD_RULE and weights["green"] == 10:
            interrupted.append(True)
            os.kill(os.getpid(), signal.SIGINT)

    def closed_terminal(_message):
        if interrupted:
            raise BrokenPipeError(32, "Broken pipe")

    fake.faults["modify_rule"] = ctrl_c
    release = new_release(fake, emit=closed_terminal, image_tag="1.1.0", strategy="canary", step_bake_seconds=5.0)
    summary = release.execute(release.plan())
    assert_rolled_back_to_blue(fake, summary)
    assert "interrupted by SIGINT" in summary["message"]


def test_a_second_interrupt_during_the_rollback_does_not_stop_it(fake):
    """Ctrl-C twice (or Ansible's SIGTERM after the Ctrl-C): the second signal arrives while the first is being handled."""
    fake.push("1.1.0")

    def ctrl_c(rule, weights):
        if rule == PROD_RULE and weights["green"] == 10:
            os.kill(os.getpid(), signal.SIGINT)
        if rule == PROD_RULE and weights == BLUE_LIVE:  # the rollback's first write
            os.kill(os.getpid(), signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGINT)

    fake.faults["modify_rule"] = ctrl_c
    lines: list[str] = []
    before = signal.getsignal(signal.SIGTERM)
    release = new_release(fake, emit=lines.append, image_tag="1.1.0", strategy="canary", step_bake_seconds=5.0)
    summary = release.execute(release.plan())
    assert_rolled_back_to_blue(fake, summary)
    assert summary["message"].startswith("interrupted by SIGINT")
    assert "SIGTERM and SIGINT received while the release was rolling back: ignored" in lines
    assert signal.getsignal(signal.SIGTERM) is before


def test_after_an_interrupt_progress_goes_where_the_operator_still_reads(fake):
    """Ansible stops relaying a worker's display on Ctrl-C; the rollback's lines take the other way."""
    fake.push("1.1.0")
    ctrl_c_at_the_canary(fake)
    relayed: list[str] = []
    direct: list[str] = []
    release = new_release(fake, emit=relayed.append, image_tag="1.1.0", strategy="canary", step_bake_seconds=5.0)
    release.after_interrupt = direct.append
    summary = release.execute(release.plan())
    assert_rolled_back_to_blue(fake, summary)
    assert any(line.startswith("  gate smoke: PASS") for line in relayed)
    assert not any("ROLLBACK" in line for line in relayed)
    assert any(line.startswith("ROLLBACK: production traffic back to blue") for line in direct)


def test_a_gate_failure_then_an_interrupt_still_rolls_back(fake):
    """The interrupt lands while the failed gate is being handled: the rollback still runs, for the gate's reason."""
    fake.push("1.1.0")

    def alarm_then_ctrl_c(rule, weights):
        if rule == PROD_RULE and weights.get("green") == 10:
            fake.alarm_states["user-green-5xx"] = "ALARM"
        if rule == PROD_RULE and weights == BLUE_LIVE:
            os.kill(os.getpid(), signal.SIGINT)

    fake.faults["modify_rule"] = alarm_then_ctrl_c
    summary = run_release(fake, image_tag="1.1.0", strategy="canary", step_bake_seconds=0.05)
    assert_rolled_back_to_blue(fake, summary)
    assert "user-green-5xx" in summary["message"]


def test_an_interrupt_after_the_point_of_no_return_is_recorded_and_the_release_completes(fake):
    """Once the old colour is being scaled to 0, rolling back would send production to a colour with no tasks."""
    fake.push("1.1.0")

    def ctrl_c(colour, low, high):
        if colour == "blue" and high == 0:
            os.kill(os.getpid(), signal.SIGINT)

    fake.faults["register_scalable_target"] = ctrl_c
    lines: list[str] = []
    release = new_release(fake, emit=lines.append, image_tag="1.1.0", strategy="canary", step_bake_seconds=0.05)
    summary = release.execute(release.plan())
    assert summary["outcome"] == "succeeded", summary["message"]
    assert fake.rules[PROD_RULE] == green(100) and fake.services["blue"]["desiredCount"] == 0
    assert "SIGINT received while the release was completing: ignored" in lines


def test_a_failure_after_the_point_of_no_return_is_not_rolled_back(fake):
    fake.push("1.1.0")

    def old_colour_cannot_scale(colour, count, _td=None):
        if colour == "blue" and count == 0:
            raise AwsError("update_service", "ThrottlingException", "Rate exceeded")

    fake.faults["update_service"] = old_colour_cannot_scale
    summary = run_release(fake, image_tag="1.1.0", strategy="canary", step_bake_seconds=0.05)
    assert summary["outcome"] == "failed"
    assert fake.rules[PROD_RULE] == green(100)  # production stays on the colour that passed every gate
    assert fake.services["green"]["desiredCount"] == 2 and fake.services["blue"]["desiredCount"] == 2
    assert "is live on green" in summary["message"] and "scale ECS service user-blue" in summary["message"]
    assert "ThrottlingException" in summary["message"]


@pytest.mark.parametrize("decision,outcome", [("approve", "succeeded"), ("reject", "rolled_back")])
def test_manual_approval(fake, table, decision, outcome):
    fake.push("1.1.0")
    release = new_release(fake, image_tag="1.1.0", manual_approval=True)
    plan = release.plan()
    approval_put(table, TABLE, "user", release.release_id, decision, "bob")
    summary = release.execute(plan)
    assert summary["outcome"] == outcome
    assert next(g for g in summary["gates"] if g["gate"] == "approval")["status"] == ("PASS" if decision == "approve" else "FAIL")
    assert fake.rules[PROD_RULE] == (green(100) if decision == "approve" else BLUE_LIVE)


def abandon(table, fake, phase, weights, green_count, green_td):
    """What a controller killed mid-release leaves: an expired lease, weights, a running new colour."""
    past = time.time() - 600
    Lease(table, TABLE, "user", "dead-release", ttl=60, clock=lambda: past).acquire(
        "carol", "2026-11-27T00:00:00Z", {"phase": phase, "from_colour": "blue", "to_colour": "green"}
    )
    fake.rules[PROD_RULE] = weights
    fake.services["green"] = {"desiredCount": green_count, "taskDefinition": green_td}
    fake.bounds["green"] = (green_count, 8)


def test_an_abandoned_release_is_repaired_then_released(fake, table):
    fake.push("1.1.0")
    plan_td = new_release(fake, image_tag="1.1.0").plan().rendered
    green_td = fake.register_taskdef(plan_td)  # the dead run's revision
    fake.registered.clear()
    abandon(table, fake, "step_1", green(10), 2, green_td)
    release = new_release(fake, image_tag="1.1.0")
    plan = release.plan()
    assert plan.repair["release_id"] == "dead-release" and plan.from_colour == "blue"
    summary = release.execute(plan)
    assert summary["outcome"] == "succeeded", summary["message"]
    # The repair came first: all production traffic back on blue, green down, before the release proper.
    assert fake.prod_weights_seen()[0] == BLUE_LIVE and fake.scale_log[0] == ("green", 0, None)
    assert fake.prod_weights_seen()[1:] == [green(10), green(100)]
    assert fake.registered == []  # the dead run's identical revision is reused
    assert fake.services["green"] == {"desiredCount": 2, "taskDefinition": green_td}
    entries = {e["release_id"]: e for e in ledger_list(table, TABLE, "user")}
    assert entries["dead-release"]["outcome"] == "abandoned" and entries["dead-release"]["repaired_by"] == release.release_id
    assert entries[release.release_id]["outcome"] == "succeeded"
    assert summary["repaired"]["release_id"] == "dead-release"


def test_an_abandoned_release_of_the_live_image_is_only_repaired(fake, table):
    abandon(table, fake, "scale_up", BLUE_LIVE, 2, fake.services["blue"]["taskDefinition"])
    release = new_release(fake, image_tag="1.0.0")
    plan = release.plan()
    assert plan.repair and not plan.no_change
    summary = release.execute(plan)
    assert summary["outcome"] == "repaired"
    assert fake.rules[PROD_RULE] == BLUE_LIVE and fake.services["green"]["desiredCount"] == 0 and fake.bounds["green"] == (0, 0)
    assert fake.registered == [] and len(fake.prod_weights_seen()) == 1
    assert release.lease.read() is None
    assert {e["outcome"] for e in ledger_list(table, TABLE, "user")} == {"abandoned", "repaired"}


def test_a_release_whose_controller_is_gone_rolls_back(fake, monkeypatch):
    """ansible-playbook exited (Ctrl-C, a closed terminal): the worker does not bake on alone."""
    fake.push("1.1.0")
    real = os.getppid()

    def controller_exits(rule, weights):
        if rule == PROD_RULE and weights["green"] == 10:
            monkeypatch.setattr(os, "getppid", lambda: 1 if real != 1 else 2)

    fake.faults["modify_rule"] = controller_exits
    summary = run_release(fake, image_tag="1.1.0", strategy="canary", step_bake_seconds=30.0)
    assert_rolled_back_to_blue(fake, summary)
    assert "controller" in summary["message"] and "is gone" in summary["message"]
    assert summary["timings"]["total"] < 10  # the bake did not run to its end


# ------------------------------------------------- out-of-band rule changes
def edit_during_bake(fake, weights):
    """A person (or a Terraform apply) sets the production rule while the canary bakes."""
    polls = {"n": 0}
    real_alarms = fake.alarms

    def alarms(names):
        if fake.rules[PROD_RULE] == green(10):
            polls["n"] += 1
            if polls["n"] == 2:
                fake.rules[PROD_RULE] = dict(weights)
        return real_alarms(names)

    fake.alarms = alarms


def test_an_out_of_band_edit_halts_within_one_poll_and_traffic_stays_as_found(fake, table):
    fake.push("1.1.0")
    edit_during_bake(fake, {"blue": 50, "green": 50})
    lines: list[str] = []
    release = new_release(fake, emit=lines.append, image_tag="1.1.0", strategy="canary", step_bake_seconds=5.0, poll_interval=0.01)
    summary = release.execute(release.plan())
    assert summary["outcome"] == "halted", summary["message"]
    assert summary["timings"]["total"] < 5  # within a poll, not at the end of the bake
    assert fake.rules[PROD_RULE] == {"blue": 50, "green": 50}  # never rolled back over it
    assert fake.prod_weights_seen() == [green(10)]  # the release wrote nothing after the edit
    assert fake.services["green"]["desiredCount"] == 2  # the new colour may be serving: it keeps its tasks
    assert "production listener rule was changed outside the release" in summary["message"]
    assert "should say blue 90% / green 10% and says blue 50% / green 50%" in summary["message"]
    assert summary["evidence"] == {"rule_arn": PROD_RULE, "expected_weights": green(10), "found_weights": {"blue": 50, "green": 50}}
    assert not any(line.startswith("ROLLBACK") for line in lines)
    assert ledger_list(table, TABLE, "user")[0]["outcome"] == "halted"
    assert fake.notifications[-1].events == ["started", "halted"]
    assert Lease(table, TABLE, "user", "x", ttl=60).read() is None  # the lock is released


def test_an_edit_before_the_first_shift_halts_before_any_production_write(fake):
    fake.push("1.1.0")
    real_smoke = fake.smoke

    def smoke():
        fake.rules[PROD_RULE] = {"blue": 0, "green": 100}  # someone flipped it by hand
        return real_smoke()

    fake.smoke = smoke
    summary = run_release(fake, image_tag="1.1.0", strategy="canary", step_bake_seconds=0.05)
    assert summary["outcome"] == "halted"
    assert fake.prod_weights_seen() == []


def test_a_weight_change_that_does_not_take_halts(fake):
    """Never trust a call's "ok": the rule is read back after every write."""
    fake.push("1.1.0")
    real_set = fake.set_weights

    def ignored_write(rule, weights):
        if rule == PROD_RULE and weights == green(100):
            return  # the API said yes, the rule did not change
        real_set(rule, weights)

    fake.set_weights = ignored_write
    summary = run_release(fake, image_tag="1.1.0", strategy="canary", step_bake_seconds=0.05)
    assert summary["outcome"] == "halted"
    assert "wrote blue 0% / green 100%, read back blue 90% / green 10%" in summary["message"]
    assert fake.rules[PROD_RULE] == green(10)


# ------------------------------------------------------------------ INCONCLUSIVE and its policy
def metric_gates(summary):
    return [(g["step"], g["status"], (g.get("evidence") or {}).get("then")) for g in summary["gates"] if g["gate"] == "metrics"]


def test_an_inconclusive_step_is_extended_until_it_is_judged_and_every_verdict_is_recorded(fake):
    fake.push("1.1.0")
    fake.quiet_judgements = 2  # the first two judgements of the canary step see no production traffic
    summary = run_release(fake, image_tag="1.1.0", strategy="canary", inconclusive_policy="extend", inconclusive_deadline_seconds=60)
    assert summary["outcome"] == "succeeded"
    assert metric_gates(summary) == [(1, "INCONCLUSIVE", "extended"), (1, "INCONCLUSIVE", "extended"), (1, "PASS", None), (2, "PASS", None)]
    # Each judgement of the extended step covers the whole step from its start: one window start per step.
    starts = [w[0] for w in fake.windows]
    assert starts[0] == starts[1] == starts[2] < starts[3]
    assert [w[1] for w in fake.windows[:3]] == sorted(w[1] for w in fake.windows[:3])
    assert fake.rules[PROD_RULE] == green(100)


@pytest.mark.parametrize(
    "options,why",
    [
        ({"inconclusive_policy": "extend", "inconclusive_deadline_seconds": 0}, "INCONCLUSIVE past the step's deadline: not a pass"),
        ({"inconclusive_policy": "rollback", "inconclusive_deadline_seconds": 60}, "INCONCLUSIVE policy rollback: not a pass"),
        ({"inconclusive_policy": "extend", "inconclusive_deadline_seconds": 60, "require_traffic": True}, "INCONCLUSIVE policy rollback: not a pass"),
    ],
)
def test_an_inconclusive_step_that_the_policy_does_not_extend_rolls_back_and_is_never_a_success(fake, options, why):
    fake.push("1.1.0")
    fake.quiet_judgements = 1000  # no production traffic at all
    summary = run_release(fake, image_tag="1.1.0", strategy="all_at_once", **options)
    assert summary["outcome"] == "rolled_back"
    assert summary["message"].endswith(why), summary["message"]
    assert metric_gates(summary)[-1] == (1, "INCONCLUSIVE", "rolled back")
    assert fake.rules[PROD_RULE] == BLUE_LIVE


@pytest.mark.parametrize("decision,outcome", [("approve", "succeeded"), ("reject", "rolled_back")])
def test_policy_pause_waits_for_a_decision_on_that_step(fake, table, decision, outcome):
    fake.push("1.1.0")
    fake.quiet_judgements = 1
    release = new_release(fake, image_tag="1.1.0", strategy="all_at_once", inconclusive_policy="pause", approval_timeout_seconds=5)
    plan = release.plan()
    # The release's own approval (after the smoke tests) says nothing about a paused step: only its own key counts.
    approval_put(table, TABLE, "user", release.release_id, "approve", "bob")
    approval_put(table, TABLE, "user", f"{release.release_id}/step-1", decision, "bob")
    summary = release.execute(plan)
    assert summary["outcome"] == outcome
    assert metric_gates(summary) == [(1, "INCONCLUSIVE", "approved" if decision == "approve" else "paused")]
    approval = next(g for g in summary["gates"] if g["gate"] == "approval")
    assert approval["step"] == 1 and approval["status"] == ("PASS" if decision == "approve" else "FAIL")


def test_a_paused_step_with_no_decision_rolls_back_at_the_approval_deadline(fake):
    fake.push("1.1.0")
    fake.quiet_judgements = 1
    summary = run_release(fake, image_tag="1.1.0", strategy="all_at_once", inconclusive_policy="pause", approval_timeout_seconds=0.05)
    assert summary["outcome"] == "rolled_back" and fake.rules[PROD_RULE] == BLUE_LIVE


def test_the_verdict_waits_for_the_metrics_to_cover_the_step_and_uncovered_metrics_are_not_a_pass(fake):
    fake.push("1.1.0")
    fake.uncovered_checks = 3  # CloudWatch catches up on the fourth read
    summary = run_release(fake, image_tag="1.1.0", strategy="all_at_once", metrics_wait_seconds=5)
    assert summary["outcome"] == "succeeded" and fake.coverage_checks == 4 and fake.windows[0][3] is True
    fake2_checks = fake.coverage_checks
    fake.uncovered_checks = 10**6  # never published: past metrics_wait_seconds the step is judged uncovered
    fake.push("1.2.0")
    summary = run_release(fake, image_tag="1.2.0", strategy="all_at_once", metrics_wait_seconds=0.05, inconclusive_policy="rollback")
    assert fake.coverage_checks > fake2_checks and fake.windows[-1][3] is False
    assert summary["outcome"] == "rolled_back" and metric_gates(summary)[-1][1] == "INCONCLUSIVE"


@pytest.mark.parametrize("period,cap", [(1, 1.0), (60, 5.0)])
def test_the_metrics_wait_checks_at_least_once_a_metric_period(fake, monkeypatch, period, cap):
    """Per-second metrics (the emulator's) are checked every second at most; AWS's per-minute ones every 5 s."""
    slept = []
    real = machine_mod.wait_until

    def wait_until(check, timeout, interval, what, **kwargs):
        return real(check, timeout, interval, what, **kwargs, **({"sleep": slept.append} if what == "metrics" else {}))

    monkeypatch.setattr(machine_mod, "wait_until", wait_until)
    fake.push("1.1.0")
    fake.uncovered_checks = 12
    summary = run_release(fake, image_tag="1.1.0", strategy="all_at_once", metrics_period=period, poll_interval=0.5, metrics_wait_seconds=600)
    assert summary["outcome"] == "succeeded" and fake.coverage_checks == 13
    assert slept[0] == 0.5 and max(slept) == cap  # grows from the poll interval, never past the cap


def test_the_health_wait_reads_again_one_poll_interval_after_the_rollout_moved(fake, monkeypatch):
    """Reads grow apart while nothing moves; once the tasks run, the next read is one poll interval away."""
    slept, waiting = [], []
    real = machine_mod.wait_until

    def wait_until(check, timeout, interval, what, **kwargs):
        if what != "health":
            return real(check, timeout, interval, what, **kwargs)
        waiting.append(what)
        try:
            return real(check, timeout, interval, what, **kwargs, sleep=slept.append)
        finally:
            waiting.clear()

    monkeypatch.setattr(machine_mod, "wait_until", wait_until)
    settled = fake.describe_service
    reads = []

    def describe_service(colour):
        svc = settled(colour)
        if waiting:
            reads.append(colour)
            primary = svc["deployments"][0]
            # Reads 1-3: the tasks are starting; read 4: they run; read 5 on: the rollout is complete.
            if len(reads) <= 3:
                primary.update(runningCount=0, rolloutState="IN_PROGRESS")
            elif len(reads) == 4:
                primary.update(rolloutState="IN_PROGRESS")
        return svc

    monkeypatch.setattr(fake, "describe_service", describe_service)
    fake.push("1.1.0")
    summary = run_release(fake, image_tag="1.1.0", strategy="all_at_once", poll_interval=0.5)
    assert summary["outcome"] == "succeeded" and len(reads) == 5
    # 1 s before the first read, then 1, 1.5 and the cap of 2 while nothing moved; the fourth read saw the tasks
    # run, so the fifth came one poll interval later.
    assert slept == [1.0, 1.0, 1.5, 2.0, 0.5]


def test_the_verification_load_runs_only_while_a_step_bakes_and_its_counts_reach_the_verdict(fake):
    fake.push("1.1.0")
    fake.quiet_judgements = 1
    summary = run_release(fake, image_tag="1.1.0", strategy="canary", verification_rate=5.0, inconclusive_deadline_seconds=60)
    assert summary["outcome"] == "succeeded"
    # One load per step, started and stopped around every bake (twice in the extended first step).
    assert [load.events for load in fake.loads] == [["start", "stop", "start", "stop"], ["start", "stop"]]
    # The judged windows carried the load's counts, cumulative within the extended step.
    assert [w[2]["requests"] for w in fake.windows] == [10, 20, 10]


@pytest.mark.parametrize(
    "settings,paths",
    [
        ({"health_path": "/actuator/health", "gates": {"smoke_paths": ["/actuator/health", "/"]}}, ["/"]),
        ({"health_path": "/actuator/health", "gates": {"smoke_paths": ["/actuator/health"]}}, ["/"]),
        ({"health_path": "/h", "gates": {"smoke_paths": ["/h", "/a", "/b"], "verification_paths": ["/orders"]}}, ["/orders"]),
        ({"health_path": "/h", "gates": {"smoke_paths": ["/h", "/a", "/b"]}}, ["/a", "/b"]),
    ],
)
def test_the_verification_load_avoids_the_health_check_unless_told(settings, paths):
    from ansible_collections.slipway.aws.plugins.module_utils.release_runner import verification_paths

    assert verification_paths(settings) == paths
