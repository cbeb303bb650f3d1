#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: release_train_status
short_description: Read a release train back from the ledger and summarise it
version_added: 0.1.0
description:
  - Reads, for every service of a train, its ledger entries carrying the train id (the release in the train, then
    its return to the previous digest under the C(cascade) policy) and summarises the train, one row per service.
  - With O(previous=true), names for each service to return (released in the train, not returned yet; dependants
    first) the image digest it ran before the train, from the task definition its ledger entry records as previous.
  - With O(summary_dir), writes the summary as C(<summary_dir>/<train id>.json) (not in check mode). The file is a
    report of the run, not managed state, so the module never reports a change.
  - With O(notify), sends the train's own message to the release channels (the Slack incoming webhook whose URL is
    read from Secrets Manager and never printed, and the release SNS topic), not in check mode;
    C(started) with the waves and each service's plan, C(finished) with each service's outcome. Each carries the
    train id, as every release of the train does. Slack incoming webhooks return no message timestamp, so the
    messages cannot be threaded; the train id groups them. A message that cannot be delivered never fails the train.
  - With O(previous=true) and a cascade to do (policy C(cascade), a service of the train stopped it, and services
    to return), the summary is not final yet; no file is written, nothing is sent, and RV(final) is false.
author:
  - Slipway contributors (!UNKNOWN)
options:
  train_id:
    description: The train's id.
    type: str
    required: true
  table:
    description: The deployment table.
    type: str
    required: true
  plan:
    description: The train's layout as M(slipway.aws.release_train_plan) returned it.
    type: dict
    required: true
  hosts:
    description:
      - What this run knows of each service that the ledger cannot say, by name, for instance
        C(outcome) (unchanged, skipped, refused...), C(image_tag), C(image_digest) and C(message).
    type: dict
    default: {}
  previous:
    description: Resolve the previous image digest of each service to return (see above).
    type: bool
    default: false
  repositories:
    description: Service name to its ECR repository, to resolve a previous image given by tag.
    type: dict
    default: {}
  environment:
    description: The environment's name, for the summary.
    type: str
    default: ''
  started_at:
    description: When the train started (ISO 8601), for the summary.
    type: str
    default: ''
  summary_dir:
    description: Where to write the summary file; empty writes none.
    type: path
  notify:
    description: Send the train's C(started) or C(finished) message; empty sends none.
    type: str
    choices: ['', started, finished]
    default: ''
  slack_secret_id:
    description: The Secrets Manager secret holding the Slack incoming-webhook URL; empty sends no Slack message.
    type: str
  sns_topic_arn:
    description: The release SNS topic; empty publishes nothing.
    type: str
extends_documentation_fragment:
  - slipway.aws.aws
attributes:
  check_mode:
    support: full
    description: Reads only; in check mode no summary file is written.
  diff_mode:
    support: none
    description: Reports only.
  platform:
    platforms: all
    support: full
    description: Runs anywhere with boto3.
"""

EXAMPLES = r"""
- name: Summarise the train
  slipway.aws.release_train_status:
    train_id: "{{ release_train.train_id }}"
    table: "{{ slipway_foundation.deployment_table_name }}"
    plan: "{{ release_train }}"
    summary_dir: releases
  register: train_status
"""

RETURN = r"""
summary:
  description: The train (id, policy, outcome, waves, counts) and one row per service (wave, outcome, image, release id, times, message, cascade).
  returned: success
  type: dict
table:
  description: The summary as aligned lines of text.
  returned: success
  type: list
  elements: str
states:
  description: For each service, its release and cascade entries under the train, abridged (null when none).
  returned: success
  type: dict
cascade:
  description: With O(previous=true), the services to return, dependants first, each with C(previous_digest) (null if unknown) and C(how).
  returned: success
  type: list
  elements: dict
summary_file:
  description: The file written, or null.
  returned: success
  type: str
final:
  description: False when a cascade is still to be done (nothing written or sent yet).
  returned: success
  type: bool
notifications:
  description: The train message's deliveries (C(sent)) and failures (C(problems), without the webhook URL).
  returned: success
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.slipway.aws.plugins.module_utils.aws import AWS_MUTUALLY_EXCLUSIVE
from ansible_collections.slipway.aws.plugins.module_utils.errors import exit_module
from ansible_collections.slipway.aws.plugins.module_utils.train_tasks import STATUS_SPEC, run_status


def main() -> None:
    # The action plugin of the same name runs run_status in the worker; this is the module's own path.
    module = AnsibleModule(argument_spec=STATUS_SPEC, mutually_exclusive=AWS_MUTUALLY_EXCLUSIVE, supports_check_mode=True)
    exit_module(module, run_status(module.params, module.check_mode))


if __name__ == "__main__":
    main()
