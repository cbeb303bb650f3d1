# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The release state machine:

  lease → [repair] → register revision (only if different) → scale the idle
  colour up, wait healthy → smoke tests on the test listener → [approval] →
  per traffic step: shift weights, bake watching alarms, metric analysis →
  scale the old colour down → ledger, summary, notifications.

Any failed gate, timeout, AWS error or interrupt returns all traffic to the
last good colour and scales the new colour down; the outcome is then
``rolled_back`` (or ``failed`` when the rollback itself did not complete),
never ``succeeded``.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import secrets
import time
from collections.abc import Callable
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils import gates as gatelib
from ansible_collections.slipway.aws.plugins.module_utils import traffic
from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError, GateFailed, Halted, Interrupted, SlipwayError
from ansible_collections.slipway.aws.plugins.module_utils.ledger import approval_id
from ansible_collections.slipway.aws.plugins.module_utils.release.adapter import ReleaseAdapter
from ansible_collections.slipway.aws.plugins.module_utils.release.config import ReleaseConfig
from ansible_collections.slipway.aws.plugins.module_utils.release.plan import Plan, preflight
from ansible_collections.slipway.aws.plugins.module_utils.release.waiting import InterruptGuard, Signalled, wait_until


def now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_release_id() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def _next_whole_second() -> float:
    """Sleep to the next whole second of the clock and return it."""
    now = time.time()
    target = float(int(now) + 1)
    time.sleep(target - now)
    return target


def _short(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _never_raising(emit: Callable[[str], None]) -> Callable[[str], None]:
    """Progress output that cannot stop a release: after Ctrl-C the controller
    (and the terminal) may be gone while the rollback still has work to do."""

    def say(message: str) -> None:
        with contextlib.suppress(Exception):  # a closed pipe or a dead display must not abort a rollback
            emit(message)

    return say


class Release:
    # Windows start and end on whole seconds of the clock (tests replace it with one that does not sleep).
    align = staticmethod(_next_whole_second)

    def __init__(self, adapter: ReleaseAdapter, cfg: ReleaseConfig, emit: Callable[[str], None] | None = None, release_id: str | None = None) -> None:
        self.adapter = adapter
        self.cfg = cfg
        self._emit = _never_raising(emit or (lambda _msg: None))
        # Where progress goes once an interrupt arrived (the controller may have
        # stopped relaying ``emit``); None: to ``emit`` as before.
        self.after_interrupt: Callable[[str], None] | None = None
        self.release_id = release_id or new_release_id()
        self.lease = adapter.lease(self.release_id)
        self.notifier = adapter.notifier()
        self.gates: list[gatelib.GateResult] = []
        self.timings: dict[str, float] = {}
        # What the lease records of the progress, for a later run to repair.
        self.state: dict[str, Any] = {}
        self.started_at = now_iso()
        self._t0 = time.monotonic()
        # The controller that started us: if it goes away (Ctrl-C, a closed
        # terminal), the release must not carry on alone.
        self._controller = os.getppid()
        # Whether production traffic has moved yet (the rollback says if it never left).
        self.shifted = False
        # Whether the release passed its point of no return (the old colour is being scaled down).
        self.committed = False
        self._guard = InterruptGuard()
        self._new_td: str | None = None
        self._plan: Plan | None = None
        # The listener rules' weights as the release last wrote and read them back.
        self._verified: dict[str, dict[str, int]] = {}
        # What the summary reports besides the plan: a repaired abandoned release,
        # the failed gate's evidence, and rollback steps that did not work.
        self.repaired: dict[str, Any] | None = None
        self.evidence: dict[str, Any] | None = None
        self.rollback_errors: list[str] = []

    def emit(self, message: str) -> None:
        """Progress output; after an interrupt, to ``after_interrupt`` when there is one. Never raises."""
        if self.after_interrupt is not None and self._guard.received:
            _never_raising(self.after_interrupt)(message)
        else:
            self._emit(message)

    def plan(self) -> Plan:
        """Everything the release will do, computed without a single write."""
        return preflight(self.adapter, self.cfg, self.lease, self.emit)

    # ------------------------------------------------------------- run
    def execute(self, plan: Plan) -> dict[str, Any]:
        """Run the release described by ``plan``; always returns a summary (never raises for gate failures)."""
        cfg = self.cfg
        self.lease.acquire(cfg.actor, self.started_at, {"phase": "locked", "from_colour": plan.from_colour, "to_colour": plan.to_colour})
        self.state = {"phase": "locked", "from_colour": plan.from_colour, "to_colour": plan.to_colour, "release_id": self.release_id}
        self._new_td = plan.reuse_task_definition
        self._plan = plan
        # One guard from the lock to the record: Ctrl-C raises once, and whatever
        # handles that (the rollback, the record) runs with further signals recorded only.
        with InterruptGuard() as guard:
            self._guard = guard
            try:
                try:
                    outcome, message = self._run()
                finally:
                    guard.disarm()
            except Halted as exc:
                outcome, message = "halted", str(exc)
                self.evidence = exc.evidence
            except (GateFailed, AwsError, Interrupted, SlipwayError) as exc:
                outcome, message = self._fail(self._plan, str(exc))
                self.evidence = getattr(exc, "evidence", None)
            except Signalled as exc:
                outcome, message = self._fail(self._plan, f"interrupted by {exc.name}")
            except BaseException as exc:  # noqa: BLE001 - any other crash still rolls back
                outcome, message = self._fail(self._plan, f"unexpected error: {type(exc).__name__}: {exc}")
            ignored = guard.received[1:] if self._interrupted_by(message) else guard.received
            if ignored:
                doing = "completing" if outcome in ("succeeded", "repaired") else "rolling back"
                self.emit(f"{' and '.join(ignored)} received while the release was {doing}: ignored")
            return self._finish(self._plan, outcome, message, self._new_td)

    @staticmethod
    def _interrupted_by(message: str) -> bool:
        return message.startswith("interrupted by ")

    def _run(self) -> tuple[str, str]:
        """The release's steps; a failure raises (and ``execute`` rolls back)."""
        cfg, plan = self.cfg, self._plan
        if plan.repair:
            self.repair(plan.repair)
            plan = self._plan = self.plan()
            self.state.update(from_colour=plan.from_colour, to_colour=plan.to_colour)
            if plan.no_change:
                return "repaired", "the abandoned release was repaired; the requested image was already live"
        # What the listener rules said when the release took over: every later read must match what it last wrote.
        self._verified = {rule: self.adapter.rule_weights(rule) for rule in (cfg.prod_rule_arn, cfg.test_rule_arn)}
        self.notifier.send("started", self._summary(plan, "started", ""))
        self.emit(
            f"release {self.release_id}: {cfg.service} {plan.image_tag} ({plan.image_digest[:19]}…) "
            f"{plan.from_colour} → {plan.to_colour}, strategy {cfg.strategy} {plan.steps}"
        )
        self._new_td = self._task_definition(plan)
        self._scale_up(plan, self._new_td)
        self._phase("smoke")
        self._gate(self.adapter.smoke())
        if cfg.manual_approval:
            self._phase("approval")
            self.wait_approval()
        for i, percent in enumerate(plan.steps, start=1):
            self._step(plan, i, percent)
        self._scale_down(plan)
        return "succeeded", f"{cfg.service} {plan.image_tag} is live on {plan.to_colour}"

    def _fail(self, plan: Plan, reason: str) -> tuple[str, str]:
        """A failure before the point of no return rolls back; after it, the new colour stays live."""
        if not self.committed:
            return self._roll_back(plan, reason)
        old, new = plan.from_colour, plan.to_colour
        return "failed", (
            f"{reason} — {self.cfg.service} {plan.image_tag} is live on {new} (every gate passed), but {self.cfg.ecs_service(old)} "
            f"was not scaled down; not rolled back, since {old} may already have no tasks. "
            f"Fix: scale ECS service {self.cfg.ecs_service(old)} in cluster {self.cfg.cluster} to 0 tasks "
            f"and set its scalable target {self.cfg.autoscaling_resource_ids.get(old)} to min 0 / max 0"
        )

    def _task_definition(self, plan: Plan) -> str:
        """The revision to run: registered only if no existing one has the same content."""
        self.timings.setdefault("register", round(time.monotonic() - self._t0, 2))
        if plan.reuse_task_definition is None:
            arn = self.adapter.register_taskdef(plan.rendered)
            self.emit(f"registered {_short(arn)}")
            return arn
        self.emit(f"task definition unchanged: reusing {_short(plan.reuse_task_definition)}")
        return plan.reuse_task_definition

    def _scale_up(self, plan: Plan, new_td: str) -> None:
        new, count = plan.to_colour, plan.desired_count
        self._phase("scale_up", new_task_definition=new_td)
        self.emit(f"scaling {self.cfg.ecs_service(new)} to {count} on {_short(new_td)}")
        self.adapter.set_capacity_bounds(new, count, self.cfg.scaling_max(count))
        self.adapter.scale(new, count, new_td)
        self._shift(self.cfg.test_rule_arn, traffic.weights_for(new, 100))
        self.wait_healthy(new, new_td, count)

    def _step(self, plan: Plan, i: int, percent: int) -> None:
        """One traffic step: shift production weights, bake watching alarms (with the verification load running),
        wait for the metrics to cover the step, judge; an INCONCLUSIVE verdict goes to ``inconclusive_policy``."""
        cfg, old, new = self.cfg, plan.from_colour, plan.to_colour
        weights = traffic.weights_for(new, percent)
        self._phase(f"step_{i}", weights=weights)
        self._shift(cfg.prod_rule_arn, weights)
        self.shifted = True
        # The window starts on the next whole second: every request the release sent before it (the smoke
        # tests, the previous step's verification load) has its answer by then, so none counts in this step.
        step_start = self.align()
        self.emit(f"step {i}/{len(plan.steps)}: production weights {old} {weights[old]}% / {new} {weights[new]}%")
        load = self.adapter.verification_load() if cfg.verification_rate > 0 else None
        deadline = time.monotonic() + cfg.step_bake_seconds + cfg.inconclusive_deadline_seconds
        bake = cfg.step_bake_seconds
        while True:
            if load is not None:
                load.start()
            try:
                self.bake(bake, new, i)
            finally:
                own = load.stop() if load is not None else None
            # The window ends on the next whole second, after the last verification answer.
            end = self.align()
            if cfg.metrics_delay_seconds:
                time.sleep(cfg.metrics_delay_seconds)
            covered = self._await_metrics(new, end)
            result = self.adapter.metrics(new, step_start, end, own, covered)
            if result.status != "INCONCLUSIVE":
                self._gate(result, i)
                return
            remaining = deadline - time.monotonic()
            if self._inconclusive(result, i, remaining) == "approved":
                return
            bake = max(cfg.poll_interval, min(cfg.step_bake_seconds, remaining))

    def _await_metrics(self, colour: str, end: float) -> bool:
        """Wait (up to ``metrics_wait_seconds``) until CloudWatch holds the new colour's metrics up to ``end``."""
        cfg = self.cfg
        if self.adapter.metrics_covered(colour, end):
            return True
        self.emit(f"  waiting up to {cfg.metrics_wait_seconds:.0f}s for the metrics to cover the step")

        def check() -> bool:
            self._verify(cfg.prod_rule_arn)
            return self.adapter.metrics_covered(colour, end)

        try:
            # The checks grow apart up to 5 s (gentle over the minutes AWS takes), but never past the metric
            # period: with per-second metrics (the emulator's) a 5 s gap would judge up to 5 s after the data came.
            cap = max(cfg.poll_interval, min(5.0, float(cfg.metrics_period)))
            wait_until(check, cfg.metrics_wait_seconds, cfg.poll_interval, "metrics", on_tick=self._heartbeat, max_interval=cap)
        except GateFailed:
            return False
        return True

    def _inconclusive(self, result: gatelib.GateResult, step: int, remaining: float) -> str:
        """Apply ``inconclusive_policy`` to a step that could not be judged: ``extended`` (bake on and judge the
        whole step again), ``approved`` (an operator let it pass), or raise GateFailed (roll back). No policy
        turns INCONCLUSIVE into a pass by itself."""
        cfg = self.cfg
        policy = "rollback" if cfg.require_traffic else cfg.inconclusive_policy
        if policy == "extend" and remaining > 0:
            result.evidence["then"] = "extended"
            self._note(result, step, f"extending the step (policy extend, {remaining:.0f}s left before it rolls back)")
            return "extended"
        if policy == "pause":
            result.evidence["then"] = "paused"
            self._note(result, step, "pausing for an operator (policy pause)")
            self.wait_approval(step)
            result.evidence["then"] = "approved"
            return "approved"
        why = "past the step's deadline" if policy == "extend" else f"policy {policy}"
        result.evidence["then"] = "rolled back"
        result.summary = f"{result.summary} — INCONCLUSIVE {why}: not a pass"
        self._gate(result, step)
        raise AssertionError("unreachable: an INCONCLUSIVE gate raises")  # pragma: no cover

    def _note(self, result: gatelib.GateResult, step: int, then: str) -> None:
        """Record and print a verdict that does not end the step."""
        self._guard.check()
        result.step = step
        self.gates.append(result)
        self.emit(f"  gate {result.gate} (step {step}): {result.status} — {result.summary}; {then}")

    def _rule_name(self, rule: str) -> str:
        return "production" if rule == self.cfg.prod_rule_arn else "test-listener"

    def _verify(self, rule: str) -> None:
        """The rule still says what the release last wrote and read back; else someone else changed it: halt."""
        expected, found = self._verified[rule], self.adapter.rule_weights(rule)
        if found != expected:
            raise Halted(
                f"the {self._rule_name(rule)} listener rule was changed outside the release: it should say "
                f"{traffic.describe(expected)} and says {traffic.describe(found)}. Traffic is left as it was found, not rolled back "
                f"over someone else's change",
                {"rule_arn": rule, "expected_weights": expected, "found_weights": found},
            )

    def _shift(self, rule: str, weights: dict[str, int]) -> None:
        """Change a rule's weights: check it first, write, read it back."""
        self._verify(rule)
        self.adapter.set_weights(rule, weights)
        wanted = {c: int(weights.get(c, 0)) for c in traffic.COLOURS}
        found = self.adapter.rule_weights(rule)
        if found != wanted:
            raise Halted(
                f"the {self._rule_name(rule)} listener rule does not say what the release wrote: wrote {traffic.describe(wanted)}, "
                f"read back {traffic.describe(found)}",
                {"rule_arn": rule, "written_weights": wanted, "found_weights": found},
            )
        self._verified[rule] = found

    def _scale_down(self, plan: Plan) -> None:
        cfg, old, new = self.cfg, plan.from_colour, plan.to_colour
        self._phase("scale_down")
        self._shift(cfg.test_rule_arn, traffic.weights_for(old, 100))
        if cfg.scale_down_wait_seconds:
            self.emit(f"waiting {cfg.scale_down_wait_seconds:.0f}s before scaling {cfg.ecs_service(old)} down")
            self.bake(cfg.scale_down_wait_seconds, new, len(plan.steps))
        # The point of no return: from here the old colour loses its tasks, so a
        # rollback would send traffic to nothing. An interrupt is recorded, not obeyed.
        self.committed = True
        self._guard.disarm()
        self.adapter.set_capacity_bounds(old, 0, 0)
        self.adapter.scale(old, 0)
        self.emit(f"scaled {cfg.ecs_service(old)} to 0; {new} is live")

    # ------------------------------------------------------- lease and phases
    def _progress(self, **changes: Any) -> None:
        self.state.update(changes)
        self.lease.update({**self.state, "_changed": True})

    def _heartbeat(self) -> None:
        self._guard.check()
        if os.getppid() != self._controller:
            raise Interrupted(f"interrupted: the controller (pid {self._controller}) is gone")
        self.lease.update(self.state)

    def _phase(self, name: str, **changes: Any) -> None:
        """Enter a phase: one lease write records it with whatever else changed."""
        self._guard.check()
        self.timings.setdefault(name, round(time.monotonic() - self._t0, 2))
        self._progress(phase=name, **changes)

    # ---------------------------------------------------------------- gates
    def _gate(self, result: gatelib.GateResult, step: int | None = None) -> None:
        self._guard.check()
        result.step = step
        self.gates.append(result)
        self.emit(f"  gate {result.gate}{'' if step is None else f' (step {step})'}: {result.status} — {result.summary}")
        if not result.ok:
            raise GateFailed(result.gate, result.summary, result.evidence)

    def wait_healthy(self, colour: str, td_arn: str, count: int) -> None:
        cfg = self.cfg
        tg = cfg.tg_arn(colour)
        unhealthy_since: dict[str, float] = {}
        last_report = [""]
        moved = [False]  # the last read saw the rollout or the targets change since the read before

        def check() -> bool:
            svc = self.adapter.describe_service(colour)
            primary = next((d for d in svc.get("deployments", []) if d.get("status") == "PRIMARY"), {})
            # No task of the new revision runs yet: nothing can be registered, skip the health read.
            running = primary.get("taskDefinition") == td_arn and primary.get("runningCount", 0) > 0
            health = self.adapter.target_health(colour) if running else []
            states: dict[str, int] = {}
            for h in health:
                st = h["TargetHealth"]["State"]
                states[st] = states.get(st, 0) + 1
                tid = h["Target"]["Id"]
                if st == "unhealthy":
                    unhealthy_since.setdefault(tid, time.monotonic())
                else:
                    unhealthy_since.pop(tid, None)
            report = (
                f"  {cfg.ecs_service(colour)}: rollout {primary.get('rolloutState', '?')}, running {primary.get('runningCount', 0)}/{count}, "
                f"failed tasks {primary.get('failedTasks', 0)}, targets {dict(sorted(states.items())) or 'none'}"
            )
            if report != last_report[0]:
                self.emit(report)
                moved[0] = bool(last_report[0])
                last_report[0] = report
            else:
                moved[0] = False
            if primary.get("taskDefinition") != td_arn:
                return False
            if primary.get("rolloutState") == "FAILED" or primary.get("failedTasks", 0) >= cfg.max_task_failures:
                raise GateFailed(
                    "health",
                    f"{cfg.ecs_service(colour)} tasks keep failing ({primary.get('failedTasks', 0)} failed, rollout {primary.get('rolloutState')})",
                    {"rollout_state_reason": primary.get("rolloutStateReason"), "stopped_tasks": self.adapter.stopped_tasks(colour, td_arn)},
                )
            stuck = [t for t, since in unhealthy_since.items() if time.monotonic() - since >= cfg.health_grace_seconds]
            if stuck:
                raise GateFailed(
                    "health",
                    f"{len(stuck)} target(s) of {tg.split(':')[-1]} unhealthy for {cfg.health_grace_seconds:.0f}s",
                    {"targets": [{"id": h["Target"]["Id"], "port": h["Target"].get("Port"), **h["TargetHealth"]} for h in health]},
                )
            healthy = states.get("healthy", 0)
            return primary.get("rolloutState") == "COMPLETED" and primary.get("runningCount", 0) >= count and healthy >= count

        started = time.monotonic()
        self.emit(f"  waiting for {count} healthy target(s) in {tg.split('/')[-2]} (deadline {cfg.health_timeout_seconds:.0f}s)")
        try:
            # A Fargate start and two ALB health checks take a minute or more, and no task can run (or fail) within
            # seconds of the scale-up: the first read comes two intervals after it (10 s at the real 5 s), the next
            # ones 1.5x further apart up to 4x the interval (20 s). A gentle wait leaves the account's API rate to
            # the application; a failing task is still seen within 20 s. Once a read sees the rollout or the targets
            # move (tasks running, targets registered or healthy), the end is a health check or two away: the next
            # read comes one poll interval later and the gaps grow again from there.
            wait_until(
                check,
                cfg.health_timeout_seconds,
                cfg.poll_interval * 2,
                "health",
                on_tick=self._heartbeat,
                max_interval=cfg.poll_interval * 4,
                first_after=cfg.poll_interval * 2,
                progressed=lambda: moved[0],
                after_progress=cfg.poll_interval,
            )
        except GateFailed as exc:
            self.gates.append(gatelib.GateResult("health", "FAIL", str(exc).split(": ", 1)[-1], evidence=exc.evidence, seconds=time.monotonic() - started))
            raise
        self.gates.append(
            gatelib.GateResult("health", "PASS", f"{count}/{count} targets healthy in {tg.split('/')[-2]}", seconds=round(time.monotonic() - started, 2))
        )
        self.emit(f"  gate health: PASS ({count} healthy targets)")

    def bake(self, seconds: float, new_colour: str, step: int) -> None:
        """Hold the step, watching the new colour's alarms."""
        names = self.cfg.alarm_names.get(new_colour, [])
        deadline = time.monotonic() + seconds
        while True:
            result = self.adapter.alarms(names)
            if result.status != "PASS" or time.monotonic() >= deadline:
                self._gate(result, step)
                return
            self._heartbeat()
            self._verify(self.cfg.prod_rule_arn)
            time.sleep(min(self.cfg.poll_interval, max(0.0, deadline - time.monotonic())))

    def wait_approval(self, step: int | None = None) -> None:
        """Manual approval: an operator writes approve/reject for this release id (and the paused step)."""
        what = "" if step is None else f" -e step={step}"
        self.emit(
            f"  waiting for approval of release {self.release_id}{'' if step is None else f' at step {step}'}: "
            f"ansible-playbook playbooks/approve_release.yml -e svc={self.cfg.service} -e release_id={self.release_id}{what} [-e decision=reject]"
        )
        started = time.monotonic()
        key = approval_id(self.release_id, step)

        def check() -> str | None:
            recorded = self.adapter.approval(key)
            return recorded["decision"] if recorded else None

        try:
            decision = wait_until(
                check, self.cfg.approval_timeout_seconds, self.cfg.poll_interval, "approval", on_tick=self._heartbeat, max_interval=self.cfg.poll_interval
            )
        except GateFailed as exc:
            self._gate(gatelib.GateResult("approval", "FAIL", str(exc), seconds=time.monotonic() - started), step)
            return
        status = "PASS" if decision == "approve" else "FAIL"
        self._gate(gatelib.GateResult("approval", status, f"{decision}d by an operator", seconds=round(time.monotonic() - started, 2)), step)

    # ------------------------------------------------------ repair, rollback
    def repair(self, lease: dict[str, Any]) -> None:
        """Return a release abandoned by a dead controller to its last good colour."""
        cfg = self.cfg
        state = lease.get("state", {})
        good = state.get("from_colour") or traffic.live_colour(self.adapter.rule_weights(cfg.prod_rule_arn)) or "blue"
        bad = traffic.other(good)
        self.emit(
            f"REPAIR: release {lease.get('release_id')} by {lease.get('holder')} was left at phase '{state.get('phase', '?')}'; returning all traffic to {good}"
        )
        self.adapter.set_weights(cfg.prod_rule_arn, traffic.weights_for(good, 100))
        self.adapter.set_weights(cfg.test_rule_arn, traffic.weights_for(bad, 100))
        self.adapter.set_capacity_bounds(bad, 0, 0)
        if self.adapter.describe_service(bad).get("desiredCount", 0) > 0:
            self.adapter.scale(bad, 0)
        entry = {
            "release_id": lease.get("release_id") or "unknown",
            "service": cfg.service,
            "environment": cfg.environment,
            "started_at": lease.get("started_at") or self.started_at,
            "who": lease.get("holder"),
            "outcome": "abandoned",
            "message": (
                f"controller died at phase '{state.get('phase', '?')}'; repaired by release {self.release_id} (traffic back on {good}, {bad} scaled to 0)"
            ),
            "state": state,
            "repaired_by": self.release_id,
            "repaired_at": now_iso(),
        }
        with contextlib.suppress(AwsError):
            self.adapter.ledger_put(entry)
        self.repaired = entry

    def _roll_back(self, plan: Plan, message: str) -> tuple[str, str]:
        """Roll back (the disarmed guard records further interrupts); the outcome and the message to report."""
        if self.rollback(plan):
            return "rolled_back", message
        return "failed", f"{message} — {self._incomplete(plan)}"

    def rollback(self, plan: Plan) -> bool:
        """All production traffic back on the old colour, new colour to 0. True if it all worked."""
        cfg, old, new = self.cfg, plan.from_colour, plan.to_colour
        self.emit(f"ROLLBACK: production traffic back to {old}{' (it never left)' if not self.shifted else ''}, scaling {cfg.ecs_service(new)} to 0")
        self.rollback_errors = []
        for what, fn in (
            ("production weights", lambda: self.adapter.set_weights(cfg.prod_rule_arn, traffic.weights_for(old, 100))),
            ("test listener", lambda: self.adapter.set_weights(cfg.test_rule_arn, traffic.weights_for(new, 100))),
            ("auto-scaling bounds", lambda: self.adapter.set_capacity_bounds(new, 0, 0)),
            ("scale down", lambda: self.adapter.scale(new, 0)),
        ):
            try:
                fn()
            except Exception as exc:  # noqa: BLE001 - keep going: each step is independent
                self.rollback_errors.append(f"{what}: {exc}")
        self.timings.setdefault("rollback", round(time.monotonic() - self._t0, 2))
        return not self.rollback_errors

    def _incomplete(self, plan: Plan) -> str:
        """Where a rollback that did not complete left production traffic, and how to finish it."""
        cfg, old, new = self.cfg, plan.from_colour, plan.to_colour
        try:
            weights = self.adapter.rule_weights(cfg.prod_rule_arn)
            where = f"production traffic is {old} {weights.get(old, 0)}% / {new} {weights.get(new, 0)}%"
        except Exception as exc:  # noqa: BLE001 - the report must not fail
            where = f"production traffic is unknown (the listener rule could not be read: {exc})"
        with contextlib.suppress(Exception):  # the report must not fail
            where += f", {cfg.ecs_service(new)} runs {self.adapter.describe_service(new).get('desiredCount', '?')} task(s)"
        todo = {
            "production weights": f"set listener rule {cfg.prod_rule_arn} to forward 100% to {cfg.tg_arn(old)}",
            "test listener": f"set listener rule {cfg.test_rule_arn} to forward 100% to {cfg.tg_arn(new)}",
            "auto-scaling bounds": f"set the scalable target {cfg.autoscaling_resource_ids.get(new)} to min 0 / max 0",
            "scale down": f"scale ECS service {cfg.ecs_service(new)} in cluster {cfg.cluster} to 0 tasks",
        }
        steps = [todo[e.split(":", 1)[0]] for e in self.rollback_errors]
        return f"ROLLBACK INCOMPLETE, see rollback_errors: {where}. To finish the rollback by hand: {'; '.join(steps)}"

    # --------------------------------------------------------------- records
    def _summary(self, plan: Plan, outcome: str, message: str, new_td: str | None = None) -> dict[str, Any]:
        summary = {
            "release_id": self.release_id,
            "service": self.cfg.service,
            "environment": self.cfg.environment,
            "who": self.cfg.actor,
            "git_sha": self.cfg.git_sha,
            "started_at": self.started_at,
            "finished_at": now_iso(),
            "image_tag": plan.image_tag,
            "image_digest": plan.image_digest,
            "strategy": self.cfg.strategy,
            "steps": plan.steps,
            "from_colour": plan.from_colour,
            "to_colour": plan.to_colour,
            "previous_task_definition": plan.live_task_definition,
            "task_definition": new_td,
            "outcome": outcome,
            "message": message,
            "gates": [g.as_dict() for g in self.gates],
            "timings": {**self.timings, "total": round(time.monotonic() - self._t0, 2)},
        }
        if self.cfg.train_id:
            summary["train_id"] = self.cfg.train_id
        return summary

    def _finish(self, plan: Plan, outcome: str, message: str, new_td: str | None) -> dict[str, Any]:
        """Record the release: ledger, notifications, lease, summary file."""
        summary = self._summary(plan, outcome, message, new_td)
        if self.rollback_errors:
            summary["rollback_errors"] = self.rollback_errors
        if self.evidence:
            summary["evidence"] = self.evidence
        if self.repaired:
            summary["repaired"] = self.repaired
        if self._guard.received:
            summary["signals"] = list(self._guard.received)
        # Called inside execute's guard, disarmed by now: an interrupt is recorded and the record completes.
        try:
            self.adapter.ledger_put(summary)
            summary["ledger"] = "written"
        except AwsError as exc:
            summary["ledger"] = f"NOT written: {exc}"
        event = {"succeeded": "succeeded", "rolled_back": "rolled_back", "repaired": "repaired", "halted": "halted"}.get(outcome, "failed")
        self.notifier.send(event, summary)
        summary["notifications"] = {"sent": self.notifier.sent, "problems": self.notifier.problems}
        try:
            self.lease.release()
        except AwsError as exc:
            summary["lease"] = f"NOT released (expires by itself in {self.cfg.lock_ttl_seconds}s): {exc}"
        summary["api_calls"] = self.adapter.api_calls()
        summary["summary_file"] = self.write_summary(summary)
        return summary

    def write_summary(self, summary: dict[str, Any]) -> str | None:
        if not self.cfg.summary_dir:
            return None
        os.makedirs(self.cfg.summary_dir, exist_ok=True)
        path = os.path.join(self.cfg.summary_dir, f"{self.cfg.service}-{self.release_id}.json")
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(summary, fh, indent=2, sort_keys=True, default=str)
        os.replace(tmp, path)
        return path
