#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: release_train_record
short_description: Record in the ledger that a release of a train was refused at its start
version_added: 0.1.0
description:
  - A service of a release train whose release was refused before it wrote anything (for instance another release
    took its lease after the train's plan) leaves no ledger entry of its own. This module appends one, with outcome
    C(refused) and the train id, so that the rest of the train, on this controller or another (an AWX slice),
    sees the train stopped and the service's dependants end skipped instead of waiting.
  - Writes nothing when the service already has an entry under the train (its release ran and recorded its own outcome).
author:
  - Slipway contributors (!UNKNOWN)
options:
  service:
    description: The refused service.
    type: str
    required: true
  train_id:
    description: The train's id.
    type: str
    required: true
  table:
    description: The deployment table.
    type: str
    required: true
  release_id:
    description: The id of the refused release; empty makes one.
    type: str
  reason:
    description: Why it was refused (recorded as the entry's C(message)).
    type: str
    required: true
  environment:
    description: The environment's name.
    type: str
    default: ''
  actor:
    description: Who ran the train.
    type: str
    default: ''
extends_documentation_fragment:
  - slipway.aws.aws
attributes:
  check_mode:
    support: full
    description: Writes nothing in check mode.
  diff_mode:
    support: none
    description: Appends a record.
  platform:
    platforms: all
    support: full
    description: Runs anywhere with boto3.
"""

EXAMPLES = r"""
- name: Record the refusal of user in the train
  slipway.aws.release_train_record:
    service: user
    train_id: train-20261201T102724Z-4f2a9c
    table: slipway-local-deployments
    reason: another release of user is in progress
"""

RETURN = r"""
entry:
  description: The ledger entry written, or the service's existing entry under the train.
  returned: success
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.slipway.aws.plugins.module_utils.aws import AWS_MUTUALLY_EXCLUSIVE
from ansible_collections.slipway.aws.plugins.module_utils.errors import exit_module
from ansible_collections.slipway.aws.plugins.module_utils.train_tasks import RECORD_SPEC, run_record


def main() -> None:
    # The action plugin of the same name runs run_record in the worker; this is the module's own path.
    module = AnsibleModule(argument_spec=RECORD_SPEC, mutually_exclusive=AWS_MUTUALLY_EXCLUSIVE, supports_check_mode=True)
    exit_module(module, run_record(module.params, module.check_mode))


if __name__ == "__main__":
    main()
