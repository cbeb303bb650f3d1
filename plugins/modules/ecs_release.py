#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ecs_release
short_description: Release an ECS service blue-green behind an ALB, with gates and rollback
version_added: 0.1.0
description:
  - Releases a new image of one service on the C(alb) engine, two ECS services per app
    (C(SVC-blue), C(SVC-green)) each on its own target group; the production listener
    rule's weights say which colour is live, the test listener rule points at the idle colour.
  - "Preflight (no writes): service known, image tag exists and is resolved to a digest that is pinned
    in the task definition, no release in progress, rollback alarms not in ALARM, rendered task definition valid."
  - Takes a per-service lease in the deployment table (DynamoDB conditional write with expiry, renewed while running).
  - Registers a task-definition revision only if the normalised definition differs; an unchanged release
    reports C(changed=false) and touches nothing.
  - Scales the idle colour up, waits for healthy targets, runs HTTP smoke tests through the test listener,
    optional manual approval, then shifts weights per strategy with alarm watching, bake time and metric
    analysis per step, and finally scales the old colour down.
  - On a failed gate, timeout, AWS error or interrupt, all production traffic returns to the old colour,
    the new colour scales to zero and the task fails. A rolled-back release is never reported as success.
  - A release left half-done by a killed controller is repaired by the next run once its lease expired.
  - Runs on the controller as an action plugin that prints each phase as it happens.
author:
  - Slipway contributors (!UNKNOWN)
options:
  service:
    description: Service name, a key of the Terraform output C(services).
    type: str
    required: true
  environment:
    description: Environment name (C(local), C(dev), C(staging), C(prod)).
    type: str
    required: true
  foundation:
    description: The Terraform outputs of the environment (see docs/contract.md).
    type: dict
    required: true
  settings:
    description: The service's entry of the service catalogue (desired_count, cpu, memory, strategy, gates).
    type: dict
    default: {}
  image_tag:
    description: Image tag to release. Defaults to the newest pushed image of the repository.
    type: str
  image_digest:
    description:
      - Image digest (C(sha256:...)) to release instead of a tag, e.g. to return to an earlier release
        (playbooks/rollback_service.yml). Mutually exclusive with O(image_tag).
    type: str
  strategy:
    description: Traffic strategy; defaults to the catalogue's, then C(canary).
    type: str
    choices: [all_at_once, canary, linear]
  canary_percent:
    description: Percent of production traffic on the new colour during the canary step.
    type: int
    default: 10
  linear_step_percent:
    description: Percent added per step of the linear strategy.
    type: int
    default: 25
  test_listener_url:
    description: Base URL of the ALB test listener used by the smoke tests.
    type: str
    required: true
  step_bake_seconds:
    description: How long each traffic step is held while the new colour's alarms are watched.
    type: float
    default: 60.0
  metrics_delay_seconds:
    description: Extra wait before the metric analysis of a step, for metrics to arrive.
    type: float
    default: 0.0
  min_requests:
    description: Requests a step needs before its metrics are judged.
    type: int
    default: 20
  require_traffic:
    description:
      - Roll back as soon as a step is INCONCLUSIVE (fewer than O(min_requests) production requests and verification
        answers), whatever O(inconclusive_policy) says.
    type: bool
    default: false
  inconclusive_policy:
    description:
      - What a step that could not be judged (INCONCLUSIVE) does. V(extend) bakes on (the verification load still
        running) and judges the whole step again, until O(inconclusive_deadline_seconds) past the bake, then rolls back.
        V(pause) waits for an operator (C(playbooks/approve_release.yml -e step=N)), up to O(approval_timeout_seconds).
        V(rollback) rolls back at once. No policy turns INCONCLUSIVE into a pass.
    type: str
    choices: [extend, pause, rollback]
    default: extend
  inconclusive_deadline_seconds:
    description: How long past its bake an INCONCLUSIVE step may be extended before it rolls back.
    type: float
    default: 300.0
  verification_rate:
    description:
      - Requests a second of the release's own verification load, sent to the new colour through the test listener
        (over the smoke paths) while each step bakes. Its answers are judged directly and are subtracted from the new
        colour's production counts. V(0) turns it off.
    type: float
    default: 5.0
  metrics_period:
    description:
      - CloudWatch period of the metric queries, in seconds. V(60) (or a multiple) for AWS's ALB metrics; the emulator
        publishes per second, so the local inventory sets V(1).
    type: int
    default: 60
  metrics_wait_seconds:
    description:
      - How long a step's verdict waits for CloudWatch to hold the new colour's metrics up to the end of the step (ALB
        metrics arrive a minute or two late on AWS). Past it, production is INCONCLUSIVE.
    type: float
    default: 300.0
  smoke_attempts:
    description: Requests per smoke path.
    type: int
    default: 3
  manual_approval:
    description: Wait after the smoke tests for an operator's decision (playbooks/approve_release.yml).
    type: bool
    default: false
  approval_timeout_seconds:
    description: How long to wait for the approval before rolling back.
    type: float
    default: 3600.0
  scale_down_wait_seconds:
    description: Wait after the last step before the old colour is scaled to zero.
    type: float
    default: 0.0
  health_timeout_seconds:
    description: Deadline for the new colour to run and pass its target health checks (Fargate can need 20 minutes).
    type: float
    default: 1200.0
  health_grace_seconds:
    description: How long a target may stay unhealthy before the release gives up.
    type: float
    default: 60.0
  max_task_failures:
    description: Stopped tasks of the new revision tolerated before the release gives up.
    type: int
    default: 3
  poll_interval:
    description: Seconds between describe calls while waiting (grows by half up to three times this).
    type: float
    default: 5.0
  lock_ttl_seconds:
    description: Lease duration; the lease is renewed while the release runs.
    type: int
    default: 120
  notify_slack:
    description: Post started/succeeded/rolled back to the Slack webhook kept in Secrets Manager.
    type: bool
    default: true
  notify_sns:
    description: Publish the same events to the release SNS topic.
    type: bool
    default: true
  summary_dir:
    description: Directory for the JSON summary file of the release.
    type: path
  actor:
    description:
      - Who releases (recorded in the ledger).
      - When unset, the first of C(SLIPWAY_ACTOR), C(GITHUB_ACTOR), C(USER), C(LOGNAME), the OS account and git's C(user.name).
    type: str
  git_sha:
    description: Git commit of the deploying repository (recorded in the ledger).
    type: str
    default: unknown
  train_id:
    description: The release train this release is part of (C(playbooks/release_train.yml)); recorded in the ledger entry as C(train_id).
    type: str
extends_documentation_fragment:
  - slipway.aws.aws
attributes:
  check_mode:
    support: full
    description: Shows the plan (task-definition diff, steps) with no writes.
  diff_mode:
    support: full
    description: Shows the normalised task-definition diff.
  platform:
    platforms: all
    support: full
    description: Runs on the controller.
"""

EXAMPLES = r"""
- name: Release user 1.4.0 with a canary step
  slipway.aws.ecs_release:
    service: user
    environment: local
    foundation: "{{ slipway_foundation }}"
    settings: "{{ slipway_services['user'] }}"
    image_tag: "1.4.0"
    strategy: canary
    test_listener_url: http://127.0.0.1:29000
"""

RETURN = r"""
outcome:
  description: C(succeeded), C(rolled_back), C(failed), C(repaired), C(unchanged), C(planned) (check mode) or C(refused) (preflight).
  returned: always
  type: str
release_id:
  description: Id of this release in the ledger.
  returned: always
  type: str
plan:
  description: The preflight's plan (colours, steps, task-definition diff, revision reuse).
  returned: success
  type: dict
image_digest:
  description: The digest the tag resolved to, pinned in the task definition.
  returned: success
  type: str
task_definition:
  description: ARN of the released task-definition revision.
  returned: when released
  type: str
gates:
  description: Each gate's result (gate, step, status PASS/FAIL/ERROR/INCONCLUSIVE, summary, evidence, seconds).
  returned: when released
  type: list
  elements: dict
timings:
  description: Seconds from the start at which each phase began, and the total.
  returned: when released
  type: dict
api_calls:
  description: AWS API calls made, by operation.
  returned: always
  type: dict
summary_file:
  description: Path of the JSON summary.
  returned: when released and summary_dir is set
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.slipway.aws.plugins.module_utils import release_runner


def main() -> None:
    module = AnsibleModule(argument_spec=release_runner.ARGUMENT_SPEC, mutually_exclusive=release_runner.MUTUALLY_EXCLUSIVE, supports_check_mode=True)
    result = release_runner.run(dict(module.params), module.check_mode, module._diff, lambda _msg: None)
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
