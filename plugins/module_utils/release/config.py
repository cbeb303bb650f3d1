# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one release of one service is configured with, and the colour helpers.

The options' defaults live once, in ``release_runner.ARGUMENT_SPEC``;
``release_runner.build_config`` fills every field. The only defaults here are
for what the foundation may not provide (alarms, auto scaling, a maximum).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(kw_only=True)
class ReleaseConfig:
    # The service and its foundation (Terraform outputs).
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
    alarm_names: dict[str, list[str]] = field(default_factory=dict)
    # Application Auto Scaling resource ids per colour; empty when the foundation has none.
    autoscaling_resource_ids: dict[str, str] = field(default_factory=dict)
    max_count: int | None = None
    # What to release, and how.
    image_tag: str | None
    image_digest: str | None
    strategy: str
    canary_percent: int
    linear_step_percent: int
    desired_count: int
    cpu: int | None
    memory: int | None
    # Gates.
    smoke_paths: list[str]
    smoke_attempts: int
    max_5xx_rate: float
    max_latency_ms: float
    min_requests: int
    require_traffic: bool
    # INCONCLUSIVE (a step that could not be judged): extend the step up to the deadline, pause for an
    # operator, or roll back; past the deadline an extended step rolls back. Never a pass.
    inconclusive_policy: str = "extend"
    inconclusive_deadline_seconds: float = 300.0
    # The release's own verification load through the test listener (requests a second; 0 = off).
    verification_rate: float = 0.0
    verification_paths: list[str] = field(default_factory=lambda: ["/"])
    # CloudWatch period of the metric queries (60 on AWS; the emulator publishes per second), and how long a
    # step's verdict waits for the metrics to cover its window.
    metrics_period: int = 60
    metrics_wait_seconds: float = 300.0
    step_bake_seconds: float
    metrics_delay_seconds: float
    manual_approval: bool
    approval_timeout_seconds: float
    scale_down_wait_seconds: float
    health_timeout_seconds: float
    health_grace_seconds: float
    max_task_failures: int
    poll_interval: float
    lock_ttl_seconds: int
    # Records and notifications.
    slack_secret_id: str | None
    sns_topic_arn: str | None
    summary_dir: str | None
    actor: str
    git_sha: str
    # The release train this release belongs to (playbooks/release_train.yml), recorded in the ledger.
    train_id: str | None = None

    def tg_arn(self, colour: str) -> str:
        return self.blue_target_group_arn if colour == "blue" else self.green_target_group_arn

    def ecs_service(self, colour: str) -> str:
        return self.blue_service if colour == "blue" else self.green_service

    @property
    def arn_to_colour(self) -> dict[str, str]:
        return {self.blue_target_group_arn: "blue", self.green_target_group_arn: "green"}

    @property
    def all_alarm_names(self) -> list[str]:
        """Every colour's rollback alarms, once each, sorted."""
        return sorted({n for names in self.alarm_names.values() for n in names})

    def scaling_max(self, desired: int) -> int:
        """The auto-scaling maximum of a colour running ``desired`` tasks."""
        return max(self.max_count or 4 * desired, desired)
