# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument spec and entry point shared by the ecs_release action plugin and module."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils import taskdef, traffic
from ansible_collections.slipway.aws.plugins.module_utils.actor import find_actor
from ansible_collections.slipway.aws.plugins.module_utils.aws import AWS_MUTUALLY_EXCLUSIVE, Aws, argument_spec, probe_endpoint
from ansible_collections.slipway.aws.plugins.module_utils.errors import LockHeldError, PreflightError, SlipwayError
from ansible_collections.slipway.aws.plugins.module_utils.release import AwsAdapter, Release, ReleaseConfig

# The module's options; the connection options are added from aws.AWS_ARGUMENT_SPEC.
ARGUMENT_SPEC: dict[str, Any] = argument_spec(
    **{
        "service": {"type": "str", "required": True},
        "environment": {"type": "str", "required": True},
        "foundation": {"type": "dict", "required": True},
        "settings": {"type": "dict", "default": {}},
        "image_tag": {"type": "str"},
        "image_digest": {"type": "str"},
        "strategy": {"type": "str", "choices": list(traffic.STRATEGIES)},
        "canary_percent": {"type": "int", "default": 10},
        "linear_step_percent": {"type": "int", "default": 25},
        "test_listener_url": {"type": "str", "required": True},
        "step_bake_seconds": {"type": "float", "default": 60.0},
        "metrics_delay_seconds": {"type": "float", "default": 0.0},
        "min_requests": {"type": "int", "default": 20},
        "require_traffic": {"type": "bool", "default": False},
        "inconclusive_policy": {"type": "str", "default": "extend", "choices": ["extend", "pause", "rollback"]},
        "inconclusive_deadline_seconds": {"type": "float", "default": 300.0},
        "verification_rate": {"type": "float", "default": 5.0},
        "metrics_period": {"type": "int", "default": 60},
        "metrics_wait_seconds": {"type": "float", "default": 300.0},
        "smoke_attempts": {"type": "int", "default": 3},
        "manual_approval": {"type": "bool", "default": False},
        "approval_timeout_seconds": {"type": "float", "default": 3600.0},
        "scale_down_wait_seconds": {"type": "float", "default": 0.0},
        "health_timeout_seconds": {"type": "float", "default": 1200.0},
        "health_grace_seconds": {"type": "float", "default": 60.0},
        "max_task_failures": {"type": "int", "default": 3},
        "poll_interval": {"type": "float", "default": 5.0},
        "lock_ttl_seconds": {"type": "int", "default": 120},
        "notify_slack": {"type": "bool", "default": True},
        "notify_sns": {"type": "bool", "default": True},
        "summary_dir": {"type": "path"},
        "actor": {"type": "str"},
        "git_sha": {"type": "str", "default": "unknown"},
        "train_id": {"type": "str"},
    }
)
MUTUALLY_EXCLUSIVE = AWS_MUTUALLY_EXCLUSIVE

_FOUNDATION_KEYS = ("cluster_name", "alb_arn", "deployment_table_name", "services")
_SERVICE_KEYS = (
    "ecr_repository_name",
    "ecr_repository_url",
    "task_family",
    "container_name",
    "blue_service_name",
    "green_service_name",
    "blue_target_group_arn",
    "green_target_group_arn",
    "prod_rule_arn",
    "test_rule_arn",
    "host_header",
)


def verification_paths(settings: dict[str, Any]) -> list[str]:
    """Where the verification load goes: the catalogue's ``gates.verification_paths``, else the smoke paths other
    than the health check's (a health endpoint answers 200 while the application fails, so it verifies little),
    else ``/``."""
    gates = settings.get("gates") or {}
    if gates.get("verification_paths"):
        return list(gates["verification_paths"])
    health = settings.get("health_path")
    return [p for p in gates.get("smoke_paths") or [] if p != health] or ["/"]


def build_config(p: dict[str, Any]) -> ReleaseConfig:
    """Check the inputs and turn them into a ReleaseConfig; PreflightError names the fix."""
    foundation = p["foundation"]
    missing = [k for k in _FOUNDATION_KEYS if k not in foundation]
    if missing:
        raise PreflightError(f"the Terraform outputs lack {', '.join(missing)}. Fix: apply terraform/environments/{p['environment']} and check its outputs")
    services = foundation["services"]
    svc = p["service"]
    if svc not in services:
        raise PreflightError(f"unknown service '{svc}'. Known services: {', '.join(sorted(services))}. Fix: -e svc=<one of them>")
    out = services[svc]
    missing = [k for k in _SERVICE_KEYS if k not in out]
    if missing:
        raise PreflightError(f"the Terraform outputs for {svc} lack {', '.join(missing)}. Fix: apply the foundation")
    settings = p["settings"] or {}
    gates = settings.get("gates") or {}
    strategy = p["strategy"] or settings.get("strategy") or "canary"
    if strategy not in traffic.STRATEGIES:
        raise PreflightError(f"unknown strategy '{strategy}'. Fix: use one of {', '.join(traffic.STRATEGIES)}")
    tag = p["image_tag"]
    if tag is not None and not taskdef.IMAGE_TAG_RE.match(tag):
        raise PreflightError(
            f"malformed image tag {tag!r}: a tag is 1-128 characters of letters, digits, '_', '.' and '-', "
            "not starting with '.' or '-'. Fix: -e image_tag=1.4.0"
        )
    digest = p["image_digest"]
    if digest is not None:
        if tag is not None:
            raise PreflightError("give image_tag or image_digest, not both")
        if not taskdef.DIGEST_RE.match(digest):
            raise PreflightError(f"malformed image digest {digest!r}: expected sha256: and 64 hex digits")
    for name in (
        "step_bake_seconds",
        "scale_down_wait_seconds",
        "poll_interval",
        "health_timeout_seconds",
        "inconclusive_deadline_seconds",
        "verification_rate",
        "metrics_wait_seconds",
    ):
        if p[name] < 0:
            raise PreflightError(f"{name} must be >= 0, got {p[name]}")
    if p["poll_interval"] <= 0:
        raise PreflightError("poll_interval must be > 0")
    if not (p["metrics_period"] in (1, 5, 10, 30) or (p["metrics_period"] >= 60 and p["metrics_period"] % 60 == 0)):
        raise PreflightError(
            f"metrics_period {p['metrics_period']} is not a CloudWatch period. Fix: 60 (or a multiple of 60) for AWS's ALB metrics; "
            "1, 5, 10 or 30 only where metrics are published at high resolution (the emulator: 1)"
        )
    return ReleaseConfig(
        service=svc,
        environment=p["environment"],
        cluster=foundation["cluster_name"],
        ecr_repository_name=out["ecr_repository_name"],
        ecr_repository_url=out["ecr_repository_url"],
        task_family=out["task_family"],
        container_name=out["container_name"],
        blue_service=out["blue_service_name"],
        green_service=out["green_service_name"],
        blue_target_group_arn=out["blue_target_group_arn"],
        green_target_group_arn=out["green_target_group_arn"],
        prod_rule_arn=out["prod_rule_arn"],
        test_rule_arn=out["test_rule_arn"],
        load_balancer_arn=foundation["alb_arn"],
        host_header=out["host_header"],
        deployment_table=foundation["deployment_table_name"],
        test_listener_url=p["test_listener_url"],
        image_tag=tag,
        image_digest=digest,
        strategy=strategy,
        canary_percent=p["canary_percent"],
        linear_step_percent=p["linear_step_percent"],
        desired_count=int(settings.get("desired_count", 1)),
        cpu=settings.get("cpu"),
        memory=settings.get("memory"),
        alarm_names=out.get("alarm_names") or {},
        autoscaling_resource_ids=out.get("autoscaling_resource_ids") or {},
        max_count=out.get("max_count"),
        smoke_paths=list(gates.get("smoke_paths") or [settings.get("health_path", "/")]),
        verification_paths=verification_paths(settings),
        smoke_attempts=p["smoke_attempts"],
        max_5xx_rate=float(gates.get("max_5xx_rate", 0.01)),
        max_latency_ms=float(gates.get("max_latency_ms", 1000)),
        min_requests=p["min_requests"],
        require_traffic=p["require_traffic"],
        inconclusive_policy=p["inconclusive_policy"],
        inconclusive_deadline_seconds=p["inconclusive_deadline_seconds"],
        verification_rate=p["verification_rate"],
        metrics_period=p["metrics_period"],
        metrics_wait_seconds=p["metrics_wait_seconds"],
        step_bake_seconds=p["step_bake_seconds"],
        metrics_delay_seconds=p["metrics_delay_seconds"],
        manual_approval=p["manual_approval"],
        approval_timeout_seconds=p["approval_timeout_seconds"],
        scale_down_wait_seconds=p["scale_down_wait_seconds"],
        health_timeout_seconds=p["health_timeout_seconds"],
        health_grace_seconds=p["health_grace_seconds"],
        max_task_failures=p["max_task_failures"],
        poll_interval=p["poll_interval"],
        lock_ttl_seconds=p["lock_ttl_seconds"],
        slack_secret_id=foundation.get("slack_webhook_secret_arn") if p["notify_slack"] else None,
        sns_topic_arn=foundation.get("release_topic_arn") if p["notify_sns"] else None,
        summary_dir=p["summary_dir"],
        actor=p["actor"] or find_actor(),
        git_sha=p["git_sha"],
        train_id=p["train_id"] or None,
    )


def run(
    p: dict[str, Any], check_mode: bool, diff_mode: bool, emit: Callable[[str], None], after_interrupt: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Plan, then (unless check mode or nothing to do) release. Returns an Ansible result dict.

    ``after_interrupt``, when given, receives the progress lines written after a
    SIGINT/SIGTERM instead of ``emit`` (whose reader may have stopped listening).
    """
    try:
        cfg = build_config(p)
        aws = Aws.from_params(p)
        probe_endpoint(aws)
        adapter = AwsAdapter(aws, cfg)
        release = Release(adapter, cfg, emit)
        release.after_interrupt = after_interrupt
        plan = release.plan()
    except SlipwayError as exc:
        return {"failed": True, "changed": False, "msg": str(exc), "outcome": "refused"}

    result: dict[str, Any] = {
        "service": cfg.service,
        "release_id": release.release_id,
        "plan": plan.to_result(),
        "image_tag": plan.image_tag,
        "image_digest": plan.image_digest,
    }
    if diff_mode:
        live = adapter.describe_taskdef(plan.live_task_definition)
        result["diff"] = {
            "before": json.dumps(taskdef.normalise(live), indent=2, sort_keys=True) + "\n",
            "after": json.dumps(taskdef.normalise(plan.rendered), indent=2, sort_keys=True) + "\n",
            "before_header": plan.live_task_definition.rsplit("/", 1)[-1],
            "after_header": f"{cfg.task_family}:{'new' if plan.register_task_definition else (plan.reuse_task_definition or '').rsplit(':', 1)[-1]}",
        }
    if plan.no_change:
        result.update(changed=False, outcome="unchanged", msg=f"{cfg.service} {plan.image_tag} is already live on {plan.from_colour}; nothing to do")
        emit(result["msg"])
        result["api_calls"] = aws.counter.as_dict()
        return result
    if check_mode:
        what = "repair the abandoned release, then " if plan.repair else ""
        result.update(
            changed=True,
            outcome="planned",
            msg=f"would {what}release {cfg.service} {plan.image_tag} {plan.from_colour} → {plan.to_colour} in steps {plan.steps}"
            + ("" if plan.register_task_definition else " (reusing an existing task-definition revision)"),
        )
        emit(f"check mode, nothing written: {result['msg']}")
        if not diff_mode:  # with --diff, Ansible prints the same diff itself
            for line in plan.diff.splitlines():
                emit(f"  {line}")
        result["api_calls"] = aws.counter.as_dict()
        return result

    try:
        summary = release.execute(plan)
    except LockHeldError as exc:  # another run took the lease between our plan and our write: nothing was changed
        result.update(failed=True, changed=False, outcome="refused", msg=str(exc), api_calls=aws.counter.as_dict())
        return result
    result.update(summary)
    result["changed"] = True
    ok = summary["outcome"] in ("succeeded", "repaired")
    if not ok:
        result["failed"] = True
        result["msg"] = f"release of {cfg.service} {plan.image_tag} {summary['outcome'].upper().replace('_', ' ')}: {summary['message']}"
    else:
        result["msg"] = summary["message"]
    return result
