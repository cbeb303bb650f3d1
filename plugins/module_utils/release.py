# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Blue-green release of one ECS service behind an ALB (engine ``alb``).

Two ECS services per app (``SVC-blue``, ``SVC-green``), each on its own target
group. The production listener rule's forward weights say which colour is
live; the test listener rule points at the idle colour. A release:

  preflight (no writes) → lease → register revision (only if different) →
  scale idle colour up, wait healthy → smoke tests on the test listener →
  [approval] → per traffic step: shift weights, bake watching alarms, metric
  analysis → scale the old colour down → ledger, summary, notifications.

Any failed gate, timeout, AWS error or interrupt returns all traffic to the
last good colour and scales the new colour down; the outcome is then
``rolled_back`` and the caller must exit non-zero.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import secrets
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils import gates as gatelib
from ansible_collections.slipway.aws.plugins.module_utils import taskdef, traffic
from ansible_collections.slipway.aws.plugins.module_utils.aws import Aws, call, paginate
from ansible_collections.slipway.aws.plugins.module_utils.errors import (
    AwsError,
    GateFailed,
    Interrupted,
    PreflightError,
    SlipwayError,
)
from ansible_collections.slipway.aws.plugins.module_utils.ledger import Lease, approval_get, ledger_list, ledger_put
from ansible_collections.slipway.aws.plugins.module_utils.notify import Notifier


@dataclass
class ReleaseConfig:
    service: str
    environment: str
    cluster: str
    ecr_repository_name: str
    ecr_repository_url: str
    task_family: str
    container_name: str
    blue_service: str
    green_service: str
    blue_target_group_arn: str
    green_target_group_arn: str
    prod_rule_arn: str
    test_rule_arn: str
    load_balancer_arn: str
    host_header: str
    deployment_table: str
    test_listener_url: str
    image_tag: str | None = None
    image_digest: str | None = None
    strategy: str = "canary"
    canary_percent: int = 10
    linear_step_percent: int = 25
    desired_count: int = 1
    cpu: int | None = None
    memory: int | None = None
    alarm_names: dict[str, list[str]] = field(default_factory=dict)
    # Application Auto Scaling resource ids per colour; empty when the foundation has none.
    autoscaling_resource_ids: dict[str, str] = field(default_factory=dict)
    max_count: int | None = None
    smoke_paths: list[str] = field(default_factory=lambda: ["/"])
    smoke_attempts: int = 3
    max_5xx_rate: float = 0.01
    max_latency_ms: float = 1000.0
    min_requests: int = 20
    require_traffic: bool = False
    step_bake_seconds: float = 60.0
    metrics_delay_seconds: float = 0.0
    manual_approval: bool = False
    approval_timeout_seconds: float = 3600.0
    scale_down_wait_seconds: float = 0.0
    health_timeout_seconds: float = 1200.0
    health_grace_seconds: float = 60.0
    max_task_failures: int = 3
    poll_interval: float = 5.0
    lock_ttl_seconds: int = 120
    slack_secret_id: str | None = None
    sns_topic_arn: str | None = None
    summary_dir: str | None = None
    actor: str = "unknown"
    git_sha: str = "unknown"

    def tg_arn(self, colour: str) -> str:
        return self.blue_target_group_arn if colour == "blue" else self.green_target_group_arn

    def ecs_service(self, colour: str) -> str:
        return self.blue_service if colour == "blue" else self.green_service

    @property
    def arn_to_colour(self) -> dict[str, str]:
        return {self.blue_target_group_arn: "blue", self.green_target_group_arn: "green"}


def _now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_release_id() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def wait_until(
    check: Callable[[], Any],
    timeout: float,
    interval: float,
    what: str,
    on_tick: Callable[[], None] | None = None,
    max_interval: float | None = None,
) -> Any:
    """The one poller: call ``check`` until it returns a truthy value or the deadline passes.

    The interval grows by half each round up to ``max_interval`` (default 3 × interval),
    so long waits stay gentle on the API.
    """
    deadline = time.monotonic() + timeout
    delay = interval
    cap = max_interval if max_interval is not None else interval * 3
    while True:
        result = check()
        if result:
            return result
        if on_tick:
            on_tick()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise GateFailed(what, f"timed out after {timeout:.0f}s", {"timeout_seconds": timeout})
        time.sleep(min(delay, remaining))
        delay = min(delay * 1.5, cap)


@contextlib.contextmanager
def interrupts_raise() -> Iterator[None]:
    """Turn SIGINT/SIGTERM into ``Interrupted`` for the duration (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: Any) -> None:
        raise Interrupted(f"interrupted by {signal.Signals(signum).name}")

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


@contextlib.contextmanager
def interrupts_ignored() -> Iterator[None]:
    """Let a rollback finish even if the operator presses Ctrl-C again."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


class Release:
    def __init__(self, aws: Aws, cfg: ReleaseConfig, emit: Callable[[str], None] | None = None, release_id: str | None = None) -> None:
        self.aws = aws
        self.cfg = cfg
        self.emit = emit or (lambda _msg: None)
        self.release_id = release_id or new_release_id()
        self.lease = Lease(aws, cfg.deployment_table, cfg.service, self.release_id, cfg.lock_ttl_seconds)
        self.gates: list[gatelib.GateResult] = []
        self.timings: dict[str, float] = {}
        self.state: dict[str, Any] = {}
        self.started_at = _now_iso()
        self._t0 = time.monotonic()
        self.notifier = Notifier(aws, cfg.slack_secret_id, cfg.sns_topic_arn)
        # What the summary reports besides the plan: a repaired abandoned release,
        # the failed gate's evidence, and rollback steps that did not work.
        self.repaired: dict[str, Any] | None = None
        self.evidence: dict[str, Any] | None = None
        self.rollback_errors: list[str] = []

    # ---------------------------------------------------------------- reads
    def _ecs(self) -> Any:
        return self.aws.client("ecs")

    def _elb(self) -> Any:
        return self.aws.client("elbv2")

    def resolve_image(self) -> dict[str, Any]:
        cfg = self.cfg
        ecr = self.aws.client("ecr")
        if cfg.image_digest:
            try:
                details = call(ecr, "describe_images", repositoryName=cfg.ecr_repository_name, imageIds=[{"imageDigest": cfg.image_digest}])["imageDetails"]
            except AwsError as exc:
                if exc.code in ("ImageNotFoundException", "RepositoryNotFoundException"):
                    raise PreflightError(
                        f"image {cfg.ecr_repository_name}@{cfg.image_digest} is no longer in ECR (a lifecycle policy may have expired it). "
                        "Fix: push that build again, or roll back to a newer release"
                    ) from exc
                raise
            tags = sorted(details[0].get("imageTags") or [])
            return {"tag": tags[0] if tags else cfg.image_digest[:19], "digest": details[0]["imageDigest"]}
        if cfg.image_tag is None:
            images = [i for i in paginate(ecr, "describe_images", "imageDetails", repositoryName=cfg.ecr_repository_name) if i.get("imageTags")]
            if not images:
                raise PreflightError(f"repository {cfg.ecr_repository_name} holds no tagged image. Fix: push an image, then pass -e image_tag=TAG")
            newest = max(images, key=lambda i: i.get("imagePushedAt") or 0)
            tag = sorted(newest["imageTags"])[0]
            self.emit(f"image_tag not given: using the newest pushed image, {tag}")
            return {"tag": tag, "digest": newest["imageDigest"]}
        try:
            details = call(ecr, "describe_images", repositoryName=cfg.ecr_repository_name, imageIds=[{"imageTag": cfg.image_tag}])["imageDetails"]
        except AwsError as exc:
            if exc.code in ("ImageNotFoundException", "RepositoryNotFoundException"):
                recent = self._recent_tags()
                raise PreflightError(
                    f"image {cfg.ecr_repository_name}:{cfg.image_tag} does not exist. Fix: push it first, or pick an existing tag"
                    + (f" (newest: {', '.join(recent)})" if recent else "")
                ) from exc
            raise
        return {"tag": cfg.image_tag, "digest": details[0]["imageDigest"]}

    def _recent_tags(self) -> list[str]:
        try:
            images = list(paginate(self.aws.client("ecr"), "describe_images", "imageDetails", repositoryName=self.cfg.ecr_repository_name))
        except AwsError:
            return []
        images.sort(key=lambda i: i.get("imagePushedAt") or 0, reverse=True)
        return [t for i in images[:5] for t in i.get("imageTags", [])][:5]

    def rule_weights(self, rule_arn: str) -> dict[str, int]:
        rules = call(self._elb(), "describe_rules", RuleArns=[rule_arn])["Rules"]
        if not rules:
            raise PreflightError(f"listener rule {rule_arn} not found. Fix: apply the Terraform foundation")
        return traffic.forward_weights(rules[0]["Actions"], self.cfg.arn_to_colour)

    def describe_services(self) -> dict[str, dict[str, Any]]:
        """Both colours' ECS services in one call."""
        names = {self.cfg.ecs_service(c): c for c in traffic.COLOURS}
        resp = call(self._ecs(), "describe_services", cluster=self.cfg.cluster, services=list(names))
        found = {names[s["serviceName"]]: s for s in resp.get("services", []) if s.get("status") == "ACTIVE" and s.get("serviceName") in names}
        missing = [n for n, c in names.items() if c not in found]
        if missing:
            raise PreflightError(f"ECS service(s) {', '.join(missing)} not found in cluster {self.cfg.cluster}. Fix: apply the Terraform foundation")
        return found

    def describe_service(self, colour: str) -> dict[str, Any]:
        name = self.cfg.ecs_service(colour)
        resp = call(self._ecs(), "describe_services", cluster=self.cfg.cluster, services=[name])
        services = [s for s in resp.get("services", []) if s.get("status") == "ACTIVE"]
        if not services:
            raise PreflightError(f"ECS service {name} not found in cluster {self.cfg.cluster}. Fix: apply the Terraform foundation")
        return services[0]

    def describe_taskdef(self, arn: str) -> dict[str, Any]:
        return call(self._ecs(), "describe_task_definition", taskDefinition=arn)["taskDefinition"]

    def _find_reusable_revision(self, rendered: dict[str, Any], candidates: list[str]) -> str | None:
        """An existing revision equal to ``rendered`` (live, idle, or newest of the family)."""
        seen = set()
        try:
            newest = next(
                iter(call(self._ecs(), "list_task_definitions", familyPrefix=self.cfg.task_family, sort="DESC", maxResults=1).get("taskDefinitionArns", [])),
                None,
            )
        except AwsError:
            newest = None
        for arn in candidates + ([newest] if newest else []):
            if not arn or arn in seen:
                continue
            seen.add(arn)
            if taskdef.same(self.describe_taskdef(arn), rendered):
                return arn
        return None

    # ------------------------------------------------------------ preflight
    def plan(self) -> dict[str, Any]:
        """Everything the release will do, computed without a single write."""
        cfg = self.cfg
        try:
            steps = traffic.schedule(cfg.strategy, cfg.canary_percent, cfg.linear_step_percent)
        except ValueError as exc:
            raise PreflightError(str(exc)) from exc
        image = self.resolve_image()
        pinned = f"{cfg.ecr_repository_url}@{image['digest']}"

        lease = self.lease.read()
        repair = None
        if lease and lease["release_id"] != self.release_id:
            if not lease["expired"]:
                raise PreflightError(
                    f"another release of {cfg.service} is in progress: release {lease['release_id']} by {lease['holder']} "
                    f"since {lease['started_at']}. Fix: wait for it; if its controller died, the lease expires within "
                    f"{cfg.lock_ttl_seconds}s and the next run repairs the release"
                )
            repair = lease

        weights = self.rule_weights(cfg.prod_rule_arn)
        live = traffic.live_colour(weights)
        if live is None:
            # Split traffic with no lease: a release died after its lease vanished.
            live = (repair or {}).get("state", {}).get("from_colour") or self._last_good_colour() or max(weights, key=weights.get)
            repair = repair or {"release_id": "unknown", "holder": "unknown", "state": {"from_colour": live, "to_colour": traffic.other(live)}}
        if repair and repair.get("state", {}).get("from_colour"):
            live = repair["state"]["from_colour"]
        idle = traffic.other(live)

        services = self.describe_services()
        live_svc, idle_svc = services[live], services[idle]
        live_td = self.describe_taskdef(live_svc["taskDefinition"])
        try:
            rendered = taskdef.render(live_td, cfg.container_name, pinned, cfg.cpu, cfg.memory)
        except ValueError as exc:
            raise PreflightError(f"{exc}. Fix: check container_name in the Terraform outputs") from exc
        problems = taskdef.validate(rendered)
        if problems:
            raise PreflightError(f"the rendered task definition is invalid: {'; '.join(problems)}")

        unchanged = taskdef.same(live_td, rendered)
        steady = weights.get(live) == 100 and idle_svc.get("desiredCount", 0) == 0
        reuse = live_svc["taskDefinition"] if unchanged else self._find_reusable_revision(rendered, [idle_svc.get("taskDefinition")])

        alarm_names = self._alarm_names()
        pre_alarms = gatelib.alarms(self.aws, alarm_names)
        if pre_alarms.status == "FAIL":
            raise PreflightError(f"rollback alarms already firing before the release: {pre_alarms.summary}. Fix: resolve the alarm first")
        if pre_alarms.status == "ERROR":
            raise PreflightError(f"cannot read the rollback alarms: {pre_alarms.summary}. Fix: apply the Terraform foundation")

        desired = max(cfg.desired_count, live_svc.get("desiredCount", 0))
        return {
            "service": cfg.service,
            "image_tag": image["tag"],
            "image_digest": image["digest"],
            "image": pinned,
            "from_colour": live,
            "to_colour": idle,
            "weights": weights,
            "steps": steps,
            "strategy": cfg.strategy,
            "desired_count": desired,
            "live_task_definition": live_svc["taskDefinition"],
            "reuse_task_definition": reuse,
            "register_task_definition": reuse is None,
            "rendered": rendered,
            "diff": taskdef.diff(live_td, rendered, live_svc["taskDefinition"].rsplit("/", 1)[-1], f"{cfg.task_family}:new"),
            "no_change": unchanged and steady and repair is None,
            "repair": repair,
            "alarms": alarm_names,
        }

    def _alarm_names(self) -> list[str]:
        return sorted({n for names in self.cfg.alarm_names.values() for n in names})

    def _last_good_colour(self) -> str | None:
        try:
            for entry in ledger_list(self.aws, self.cfg.deployment_table, self.cfg.service, limit=10):
                if entry.get("outcome") == "succeeded":
                    return entry.get("to_colour")
        except AwsError:
            return None
        return None

    # -------------------------------------------------------------- writes
    def set_weights(self, rule_arn: str, weights: dict[str, int]) -> None:
        groups = [{"TargetGroupArn": self.cfg.tg_arn(c), "Weight": int(weights.get(c, 0))} for c in traffic.COLOURS]
        call(self._elb(), "modify_rule", RuleArn=rule_arn, Actions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": groups}}])

    def scale(self, colour: str, count: int, task_definition: str | None = None) -> None:
        kwargs: dict[str, Any] = {"cluster": self.cfg.cluster, "service": self.cfg.ecs_service(colour), "desiredCount": count}
        if task_definition:
            kwargs["taskDefinition"] = task_definition
        call(self._ecs(), "update_service", **kwargs)

    def set_capacity_bounds(self, colour: str, low: int, high: int) -> None:
        """Move the colour's auto-scaling bounds with the release, so Application Auto
        Scaling never scales an idle colour up or a freshly started one back to zero."""
        resource_id = self.cfg.autoscaling_resource_ids.get(colour)
        if not resource_id:
            return
        call(
            self.aws.client("application-autoscaling"),
            "register_scalable_target",
            ServiceNamespace="ecs",
            ResourceId=resource_id,
            ScalableDimension="ecs:service:DesiredCount",
            MinCapacity=low,
            MaxCapacity=high,
        )

    def _max_count(self, desired: int) -> int:
        return max(self.cfg.max_count or 4 * desired, desired)

    def register(self, rendered: dict[str, Any]) -> str:
        return call(self._ecs(), "register_task_definition", **rendered)["taskDefinition"]["taskDefinitionArn"]

    def _progress(self, **changes: Any) -> None:
        self.state.update(changes)
        self.lease.update({**self.state, "_changed": True})

    def _heartbeat(self) -> None:
        self.lease.update(self.state)

    def _phase(self, name: str, **changes: Any) -> None:
        """Enter a phase: one lease write records it with whatever else changed."""
        self.timings.setdefault(name, round(time.monotonic() - self._t0, 2))
        self._progress(phase=name, **changes)

    # -------------------------------------------------------------- waits
    def wait_healthy(self, colour: str, td_arn: str, count: int) -> None:
        cfg = self.cfg
        tg = cfg.tg_arn(colour)
        unhealthy_since: dict[str, float] = {}
        last_report = [""]

        def check() -> bool:
            svc = self.describe_service(colour)
            primary = next((d for d in svc.get("deployments", []) if d.get("status") == "PRIMARY"), {})
            # No task of the new revision runs yet: nothing can be registered, skip the health read.
            running = primary.get("taskDefinition") == td_arn and primary.get("runningCount", 0) > 0
            health = call(self._elb(), "describe_target_health", TargetGroupArn=tg)["TargetHealthDescriptions"] if running else []
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
                last_report[0] = report
            if primary.get("taskDefinition") != td_arn:
                return False
            if primary.get("rolloutState") == "FAILED" or primary.get("failedTasks", 0) >= cfg.max_task_failures:
                raise GateFailed(
                    "health",
                    f"{cfg.ecs_service(colour)} tasks keep failing ({primary.get('failedTasks', 0)} failed, rollout {primary.get('rolloutState')})",
                    {"rollout_state_reason": primary.get("rolloutStateReason"), "stopped_tasks": self._stopped_tasks(colour, td_arn)},
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
        try:
            wait_until(check, cfg.health_timeout_seconds, cfg.poll_interval, "health", on_tick=self._heartbeat)
        except GateFailed as exc:
            self.gates.append(gatelib.GateResult("health", "FAIL", str(exc).split(": ", 1)[-1], evidence=exc.evidence, seconds=time.monotonic() - started))
            raise
        self.gates.append(
            gatelib.GateResult("health", "PASS", f"{count}/{count} targets healthy in {tg.split('/')[-2]}", seconds=round(time.monotonic() - started, 2))
        )
        self.emit(f"  gate health: PASS ({count} healthy targets)")

    def _stopped_tasks(self, colour: str, td_arn: str) -> list[dict[str, Any]]:
        arns = list(
            paginate(self._ecs(), "list_tasks", "taskArns", cluster=self.cfg.cluster, serviceName=self.cfg.ecs_service(colour), desiredStatus="STOPPED")
        )
        if not arns:
            return []
        tasks = call(self._ecs(), "describe_tasks", cluster=self.cfg.cluster, tasks=arns[:20]).get("tasks", [])
        return [
            {
                "task": t["taskArn"].rsplit("/", 1)[-1],
                "stoppedReason": t.get("stoppedReason"),
                "exitCode": next((c.get("exitCode") for c in t.get("containers", [])), None),
            }
            for t in tasks
            if t.get("taskDefinitionArn") == td_arn
        ][:5]

    def _gate(self, result: gatelib.GateResult, step: int | None = None) -> None:
        result.step = step
        self.gates.append(result)
        self.emit(f"  gate {result.gate}{'' if step is None else f' (step {step})'}: {result.status} — {result.summary}")
        if not result.ok:
            raise GateFailed(result.gate, result.summary, result.evidence)

    def bake(self, seconds: float, new_colour: str, step: int) -> None:
        """Hold the step, watching the new colour's alarms."""
        names = self.cfg.alarm_names.get(new_colour, [])
        deadline = time.monotonic() + seconds
        while True:
            result = gatelib.alarms(self.aws, names)
            if result.status != "PASS" or time.monotonic() >= deadline:
                self._gate(result, step)
                return
            self._heartbeat()
            time.sleep(min(self.cfg.poll_interval, max(0.0, deadline - time.monotonic())))

    def wait_approval(self) -> None:
        """Manual approval: an operator writes approve/reject for this release id."""
        self.emit(
            f"  waiting for approval of release {self.release_id}: "
            f"ansible-playbook playbooks/approve_release.yml -e svc={self.cfg.service} -e release_id={self.release_id} [-e decision=reject]"
        )
        started = time.monotonic()

        def check() -> str | None:
            recorded = approval_get(self.aws, self.cfg.deployment_table, self.cfg.service, self.release_id)
            return recorded["decision"] if recorded else None

        try:
            decision = wait_until(
                check, self.cfg.approval_timeout_seconds, self.cfg.poll_interval, "approval", on_tick=self._heartbeat, max_interval=self.cfg.poll_interval
            )
        except GateFailed as exc:
            self._gate(gatelib.GateResult("approval", "FAIL", str(exc), seconds=time.monotonic() - started))
            return
        status = "PASS" if decision == "approve" else "FAIL"
        self._gate(gatelib.GateResult("approval", status, f"{decision}d by an operator", seconds=round(time.monotonic() - started, 2)))

    # ------------------------------------------------------------ repair
    def repair(self, lease: dict[str, Any]) -> None:
        """Return a release abandoned by a dead controller to its last good colour."""
        state = lease.get("state", {})
        good = state.get("from_colour") or traffic.live_colour(self.rule_weights(self.cfg.prod_rule_arn)) or "blue"
        bad = traffic.other(good)
        self.emit(
            f"REPAIR: release {lease.get('release_id')} by {lease.get('holder')} was left at phase '{state.get('phase', '?')}'; returning all traffic to {good}"
        )
        self.set_weights(self.cfg.prod_rule_arn, traffic.weights_for(good, 100))
        self.set_weights(self.cfg.test_rule_arn, traffic.weights_for(bad, 100))
        self.set_capacity_bounds(bad, 0, 0)
        if self.describe_service(bad).get("desiredCount", 0) > 0:
            self.scale(bad, 0)
        entry = {
            "release_id": lease.get("release_id") or "unknown",
            "service": self.cfg.service,
            "environment": self.cfg.environment,
            "started_at": lease.get("started_at") or self.started_at,
            "who": lease.get("holder"),
            "outcome": "abandoned",
            "message": (
                f"controller died at phase '{state.get('phase', '?')}'; repaired by release {self.release_id} (traffic back on {good}, {bad} scaled to 0)"
            ),
            "state": state,
            "repaired_by": self.release_id,
            "repaired_at": _now_iso(),
        }
        with contextlib.suppress(AwsError):
            ledger_put(self.aws, self.cfg.deployment_table, entry)
        self.repaired = entry

    # ------------------------------------------------------------- run
    def execute(self, plan: dict[str, Any]) -> dict[str, Any]:
        """Run the release described by ``plan``; always returns a summary (never raises for gate failures)."""
        cfg = self.cfg
        outcome, message = "failed", ""
        self.lease.acquire(cfg.actor, self.started_at, {"phase": "locked", "from_colour": plan["from_colour"], "to_colour": plan["to_colour"]})
        self.state = {"phase": "locked", "from_colour": plan["from_colour"], "to_colour": plan["to_colour"], "release_id": self.release_id}
        new_td = plan["reuse_task_definition"]
        shifted = False
        try:
            with interrupts_raise():
                if plan["repair"]:
                    self.repair(plan["repair"])
                    plan = self.plan()
                    self.state.update(from_colour=plan["from_colour"], to_colour=plan["to_colour"])
                    if plan["no_change"]:
                        return self._finish(plan, "repaired", "the abandoned release was repaired; the requested image was already live", None)
                self.notifier.send("started", self._summary(plan, "started", ""))
                new, old = plan["to_colour"], plan["from_colour"]
                self.emit(
                    f"release {self.release_id}: {cfg.service} {plan['image_tag']} ({plan['image_digest'][:19]}…) "
                    f"{old} → {new}, strategy {cfg.strategy} {plan['steps']}"
                )

                self.timings.setdefault("register", round(time.monotonic() - self._t0, 2))
                if plan["register_task_definition"]:
                    new_td = self.register(plan["rendered"])
                    self.emit(f"registered {new_td.rsplit('/', 1)[-1]}")
                else:
                    self.emit(f"task definition unchanged: reusing {new_td.rsplit('/', 1)[-1]}")

                self._phase("scale_up", new_task_definition=new_td)
                self.emit(f"scaling {cfg.ecs_service(new)} to {plan['desired_count']} on {new_td.rsplit('/', 1)[-1]}")
                self.set_capacity_bounds(new, plan["desired_count"], self._max_count(plan["desired_count"]))
                self.scale(new, plan["desired_count"], new_td)
                self.set_weights(cfg.test_rule_arn, traffic.weights_for(new, 100))
                self.wait_healthy(new, new_td, plan["desired_count"])

                self._phase("smoke")
                self._gate(gatelib.smoke(cfg.test_listener_url, cfg.host_header, cfg.smoke_paths, cfg.smoke_attempts))

                if cfg.manual_approval:
                    self._phase("approval")
                    self.wait_approval()

                for i, percent in enumerate(plan["steps"], start=1):
                    weights = traffic.weights_for(new, percent)
                    self._phase(f"step_{i}", weights=weights)
                    self.set_weights(cfg.prod_rule_arn, weights)
                    shifted = True
                    step_start = time.time()
                    self.emit(f"step {i}/{len(plan['steps'])}: production weights {old} {weights[old]}% / {new} {weights[new]}%")
                    self.bake(cfg.step_bake_seconds, new, i)
                    if cfg.metrics_delay_seconds:
                        time.sleep(cfg.metrics_delay_seconds)
                    self._gate(
                        gatelib.metrics(
                            self.aws,
                            cfg.tg_arn(new),
                            cfg.load_balancer_arn,
                            step_start,
                            time.time(),
                            cfg.max_5xx_rate,
                            cfg.max_latency_ms,
                            cfg.min_requests,
                            cfg.require_traffic,
                        ),
                        i,
                    )

                self._phase("scale_down")
                self.set_weights(cfg.test_rule_arn, traffic.weights_for(old, 100))
                if cfg.scale_down_wait_seconds:
                    self.emit(f"waiting {cfg.scale_down_wait_seconds:.0f}s before scaling {cfg.ecs_service(old)} down")
                    self.bake(cfg.scale_down_wait_seconds, new, len(plan["steps"]))
                self.set_capacity_bounds(old, 0, 0)
                self.scale(old, 0)
                self.emit(f"scaled {cfg.ecs_service(old)} to 0; {new} is live")
                outcome, message = "succeeded", f"{cfg.service} {plan['image_tag']} is live on {new}"
        except (GateFailed, AwsError, Interrupted, SlipwayError) as exc:
            message = str(exc)
            evidence = getattr(exc, "evidence", None)
            with interrupts_ignored():
                rb = self.rollback(plan, shifted)
            outcome = "rolled_back" if rb else "failed"
            if not rb:
                message += " — ROLLBACK INCOMPLETE, see rollback_errors"
            self.evidence = evidence
        except BaseException as exc:  # noqa: BLE001 - any other crash still rolls back
            message = f"unexpected error: {type(exc).__name__}: {exc}"
            with interrupts_ignored():
                rb = self.rollback(plan, shifted)
            outcome = "rolled_back" if rb else "failed"
        return self._finish(plan, outcome, message, new_td)

    def rollback(self, plan: dict[str, Any], shifted: bool) -> bool:
        """All production traffic back on the old colour, new colour to 0. True if it all worked."""
        old, new = plan["from_colour"], plan["to_colour"]
        self.emit(f"ROLLBACK: production traffic back to {old}{' (it never left)' if not shifted else ''}, scaling {self.cfg.ecs_service(new)} to 0")
        self.rollback_errors = []
        for what, fn in (
            ("production weights", lambda: self.set_weights(self.cfg.prod_rule_arn, traffic.weights_for(old, 100))),
            ("test listener", lambda: self.set_weights(self.cfg.test_rule_arn, traffic.weights_for(new, 100))),
            ("auto-scaling bounds", lambda: self.set_capacity_bounds(new, 0, 0)),
            ("scale down", lambda: self.scale(new, 0)),
        ):
            try:
                fn()
            except Exception as exc:  # noqa: BLE001 - keep going: each step is independent
                self.rollback_errors.append(f"{what}: {exc}")
        self.timings.setdefault("rollback", round(time.monotonic() - self._t0, 2))
        return not self.rollback_errors

    def _summary(self, plan: dict[str, Any], outcome: str, message: str, new_td: str | None = None) -> dict[str, Any]:
        return {
            "release_id": self.release_id,
            "service": self.cfg.service,
            "environment": self.cfg.environment,
            "who": self.cfg.actor,
            "git_sha": self.cfg.git_sha,
            "started_at": self.started_at,
            "finished_at": _now_iso(),
            "image_tag": plan.get("image_tag"),
            "image_digest": plan.get("image_digest"),
            "strategy": self.cfg.strategy,
            "steps": plan.get("steps"),
            "from_colour": plan.get("from_colour"),
            "to_colour": plan.get("to_colour"),
            "previous_task_definition": plan.get("live_task_definition"),
            "task_definition": new_td,
            "outcome": outcome,
            "message": message,
            "gates": [g.as_dict() for g in self.gates],
            "timings": {**self.timings, "total": round(time.monotonic() - self._t0, 2)},
        }

    def _finish(self, plan: dict[str, Any], outcome: str, message: str, new_td: str | None) -> dict[str, Any]:
        summary = self._summary(plan, outcome, message, new_td)
        if self.rollback_errors:
            summary["rollback_errors"] = self.rollback_errors
        if self.evidence:
            summary["evidence"] = self.evidence
        if self.repaired:
            summary["repaired"] = self.repaired
        with interrupts_ignored():
            try:
                ledger_put(self.aws, self.cfg.deployment_table, summary)
                summary["ledger"] = "written"
            except AwsError as exc:
                summary["ledger"] = f"NOT written: {exc}"
            event = {"succeeded": "succeeded", "rolled_back": "rolled_back", "repaired": "repaired"}.get(outcome, "failed")
            self.notifier.send(event, summary)
            summary["notifications"] = {"sent": self.notifier.sent, "problems": self.notifier.problems}
            try:
                self.lease.release()
            except AwsError as exc:
                summary["lease"] = f"NOT released (expires by itself in {self.cfg.lock_ttl_seconds}s): {exc}"
            summary["api_calls"] = self.aws.counter.as_dict()
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
