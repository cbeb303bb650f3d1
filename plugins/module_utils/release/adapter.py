# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every AWS call a release makes, one typed method each.

``AwsAdapter`` is the only part of the release package that talks to AWS
(and, for the smoke tests, to the test listener). The planner and the state
machine depend on the ``ReleaseAdapter`` protocol, so tests can hand them an
in-memory model instead. The deployment table is reached through
``ledger.py``, which owns its key shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from ansible_collections.slipway.aws.plugins.module_utils import gates as gatelib
from ansible_collections.slipway.aws.plugins.module_utils import traffic
from ansible_collections.slipway.aws.plugins.module_utils.aws import Aws, call, paginate
from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError, PreflightError
from ansible_collections.slipway.aws.plugins.module_utils.ledger import Lease, approval_get, ledger_list, ledger_put
from ansible_collections.slipway.aws.plugins.module_utils.notify import Notifier
from ansible_collections.slipway.aws.plugins.module_utils.release.config import ReleaseConfig

_NO_IMAGE = ("ImageNotFoundException", "RepositoryNotFoundException")


@dataclass(frozen=True)
class Image:
    tag: str
    digest: str
    # True when no tag was asked for and the newest pushed image was taken.
    newest: bool = False


class ReleaseAdapter(Protocol):
    """What the planner and the state machine need from AWS."""

    # ECR
    def resolve_image(self, tag: str | None, digest: str | None) -> Image: ...

    # ELB
    def rule_weights(self, rule_arn: str) -> dict[str, int]: ...
    def set_weights(self, rule_arn: str, weights: dict[str, int]) -> None: ...
    def target_health(self, colour: str) -> list[dict[str, Any]]: ...

    # ECS and Application Auto Scaling
    def describe_services(self) -> dict[str, dict[str, Any]]: ...
    def describe_service(self, colour: str) -> dict[str, Any]: ...
    def describe_taskdef(self, arn: str) -> dict[str, Any]: ...
    def newest_revision(self) -> str | None: ...
    def register_taskdef(self, rendered: dict[str, Any]) -> str: ...
    def scale(self, colour: str, count: int, task_definition: str | None = None) -> None: ...
    def set_capacity_bounds(self, colour: str, low: int, high: int) -> None: ...
    def stopped_tasks(self, colour: str, td_arn: str) -> list[dict[str, Any]]: ...

    # Gates
    def smoke(self) -> gatelib.GateResult: ...
    def alarms(self, names: list[str]) -> gatelib.GateResult: ...
    def metrics(self, colour: str, start: float, end: float, verification: dict[str, Any] | None = None, covered: bool = True) -> gatelib.GateResult: ...
    def metrics_covered(self, colour: str, end: float) -> bool: ...
    def verification_load(self) -> gatelib.VerificationLoad: ...

    # The deployment table, notifications, accounting
    def lease(self, release_id: str) -> Lease: ...
    def ledger_put(self, entry: dict[str, Any]) -> None: ...
    def ledger_list(self, limit: int) -> list[dict[str, Any]]: ...
    def approval(self, release_id: str) -> dict[str, Any] | None: ...
    def notifier(self) -> Notifier: ...
    def api_calls(self) -> dict[str, int]: ...


class AwsAdapter:
    """``ReleaseAdapter`` on real AWS (or the emulator) through ``aws.call``/``paginate``."""

    def __init__(self, aws: Aws, cfg: ReleaseConfig) -> None:
        self.aws = aws
        self.cfg = cfg

    def _ecs(self) -> Any:
        return self.aws.client("ecs")

    def _elb(self) -> Any:
        return self.aws.client("elbv2")

    # ------------------------------------------------------------------ ECR
    def resolve_image(self, tag: str | None, digest: str | None) -> Image:
        repo = self.cfg.ecr_repository_name
        ecr = self.aws.client("ecr")
        if digest:
            try:
                details = call(ecr, "describe_images", repositoryName=repo, imageIds=[{"imageDigest": digest}])["imageDetails"]
            except AwsError as exc:
                if exc.code in _NO_IMAGE:
                    raise PreflightError(
                        f"image {repo}@{digest} is no longer in ECR (a lifecycle policy may have expired it). "
                        "Fix: push that build again, or roll back to a newer release"
                    ) from exc
                raise
            tags = sorted(details[0].get("imageTags") or [])
            return Image(tags[0] if tags else digest[:19], details[0]["imageDigest"])
        if tag is None:
            images = [i for i in paginate(ecr, "describe_images", "imageDetails", repositoryName=repo) if i.get("imageTags")]
            if not images:
                raise PreflightError(f"repository {repo} holds no tagged image. Fix: push an image, then pass -e image_tag=TAG")
            newest = max(images, key=lambda i: i.get("imagePushedAt") or 0)
            return Image(sorted(newest["imageTags"])[0], newest["imageDigest"], newest=True)
        try:
            details = call(ecr, "describe_images", repositoryName=repo, imageIds=[{"imageTag": tag}])["imageDetails"]
        except AwsError as exc:
            if exc.code in _NO_IMAGE:
                recent = self._recent_tags()
                raise PreflightError(
                    f"image {repo}:{tag} does not exist. Fix: push it first, or pick an existing tag" + (f" (newest: {', '.join(recent)})" if recent else "")
                ) from exc
            raise
        return Image(tag, details[0]["imageDigest"])

    def _recent_tags(self) -> list[str]:
        try:
            images = list(paginate(self.aws.client("ecr"), "describe_images", "imageDetails", repositoryName=self.cfg.ecr_repository_name))
        except AwsError:
            return []
        images.sort(key=lambda i: i.get("imagePushedAt") or 0, reverse=True)
        return [t for i in images[:5] for t in i.get("imageTags", [])][:5]

    # ------------------------------------------------------------------ ELB
    def rule_weights(self, rule_arn: str) -> dict[str, int]:
        rules = call(self._elb(), "describe_rules", RuleArns=[rule_arn])["Rules"]
        if not rules:
            raise PreflightError(f"listener rule {rule_arn} not found. Fix: apply the Terraform foundation")
        return traffic.forward_weights(rules[0]["Actions"], self.cfg.arn_to_colour)

    def set_weights(self, rule_arn: str, weights: dict[str, int]) -> None:
        groups = [{"TargetGroupArn": self.cfg.tg_arn(c), "Weight": int(weights.get(c, 0))} for c in traffic.COLOURS]
        call(self._elb(), "modify_rule", RuleArn=rule_arn, Actions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": groups}}])

    def target_health(self, colour: str) -> list[dict[str, Any]]:
        return call(self._elb(), "describe_target_health", TargetGroupArn=self.cfg.tg_arn(colour))["TargetHealthDescriptions"]

    # ------------------------------------------------------------------ ECS
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

    def newest_revision(self) -> str | None:
        resp = call(self._ecs(), "list_task_definitions", familyPrefix=self.cfg.task_family, sort="DESC", maxResults=1)
        return next(iter(resp.get("taskDefinitionArns", [])), None)

    def register_taskdef(self, rendered: dict[str, Any]) -> str:
        return call(self._ecs(), "register_task_definition", **rendered)["taskDefinition"]["taskDefinitionArn"]

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

    def stopped_tasks(self, colour: str, td_arn: str) -> list[dict[str, Any]]:
        """Why the colour's stopped tasks of ``td_arn`` stopped (at most five)."""
        ecs, cluster = self._ecs(), self.cfg.cluster
        arns = list(paginate(ecs, "list_tasks", "taskArns", cluster=cluster, serviceName=self.cfg.ecs_service(colour), desiredStatus="STOPPED"))
        if not arns:
            return []
        tasks = call(ecs, "describe_tasks", cluster=cluster, tasks=arns[:20]).get("tasks", [])
        return [
            {
                "task": t["taskArn"].rsplit("/", 1)[-1],
                "stoppedReason": t.get("stoppedReason"),
                "exitCode": next((c.get("exitCode") for c in t.get("containers", [])), None),
            }
            for t in tasks
            if t.get("taskDefinitionArn") == td_arn
        ][:5]

    # ---------------------------------------------------------------- gates
    def smoke(self) -> gatelib.GateResult:
        cfg = self.cfg
        return gatelib.smoke(cfg.test_listener_url, cfg.host_header, cfg.smoke_paths, cfg.smoke_attempts)

    def alarms(self, names: list[str]) -> gatelib.GateResult:
        return gatelib.alarms(self.aws, names)

    def metrics(self, colour: str, start: float, end: float, verification: dict[str, Any] | None = None, covered: bool = True) -> gatelib.GateResult:
        cfg = self.cfg
        return gatelib.metrics(
            self.aws,
            cfg.tg_arn(colour),
            cfg.load_balancer_arn,
            start,
            end,
            {"max_5xx_rate": cfg.max_5xx_rate, "max_latency_ms": cfg.max_latency_ms, "min_requests": cfg.min_requests},
            period=cfg.metrics_period,
            baseline_target_group_arn=cfg.tg_arn(traffic.other(colour)),
            verification=verification,
            covered=covered,
        )

    def metrics_covered(self, colour: str, end: float) -> bool:
        return gatelib.metrics_covered(self.aws, self.cfg.tg_arn(colour), self.cfg.load_balancer_arn, end, self.cfg.metrics_period)

    def verification_load(self) -> gatelib.VerificationLoad:
        cfg = self.cfg
        return gatelib.VerificationLoad(cfg.test_listener_url, cfg.host_header, cfg.verification_paths, cfg.verification_rate)

    # ------------------------------------------- table, notifications, calls
    def lease(self, release_id: str) -> Lease:
        return Lease(self.aws, self.cfg.deployment_table, self.cfg.service, release_id, self.cfg.lock_ttl_seconds)

    def ledger_put(self, entry: dict[str, Any]) -> None:
        ledger_put(self.aws, self.cfg.deployment_table, entry)

    def ledger_list(self, limit: int) -> list[dict[str, Any]]:
        return ledger_list(self.aws, self.cfg.deployment_table, self.cfg.service, limit=limit)

    def approval(self, release_id: str) -> dict[str, Any] | None:
        return approval_get(self.aws, self.cfg.deployment_table, self.cfg.service, release_id)

    def notifier(self) -> Notifier:
        return Notifier(self.aws, self.cfg.slack_secret_id, self.cfg.sns_topic_arn)

    def api_calls(self) -> dict[str, int]:
        return self.aws.counter.as_dict()
