#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: release_train_wait
short_description: Wait until a service of a release train may start
version_added: 0.1.0
description:
  - Reads the ledger entries carrying the train id (the deployment table, C(release#SVC)) until every dependency of
    O(service) inside the train has released successfully, or until the train is stopped.
  - Ready, it returns C(ok) and the service is released next.
  - Blocked (a dependency ended without success, another service of the train stopped it, or O(timeout) passed),
    it returns C(skipped) with the reason, so the service ends C(skipped), never C(ok), and no release starts.
  - A dependency listed in O(unchanged) has nothing to release and counts as live.
author:
  - Slipway contributors (!UNKNOWN)
options:
  service:
    description: The service about to start.
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
  depends_on:
    description: The dependencies of O(service) inside the train.
    type: list
    elements: str
    default: []
  members:
    description: Every service of the train; a failure of any of them stops the train.
    type: list
    elements: str
    required: true
  unchanged:
    description: Services the train's plan found with nothing to release.
    type: list
    elements: str
    default: []
  timeout:
    description: Seconds to wait for the dependencies before giving up (the service is then skipped).
    type: float
    default: 3600
  poll_interval:
    description: Seconds between the first reads; later reads grow to 4 times this.
    type: float
    default: 5
extends_documentation_fragment:
  - slipway.aws.aws
attributes:
  check_mode:
    support: full
    description: Read-only.
  diff_mode:
    support: none
    description: Read-only.
  platform:
    platforms: all
    support: full
    description: Runs anywhere with boto3.
"""

EXAMPLES = r"""
- name: Wait for the dependencies of api-gateway
  slipway.aws.release_train_wait:
    service: api-gateway
    train_id: train-20261201T102724Z-4f2a9c
    table: slipway-local-deployments
    depends_on: [user, event]
    members: [user, event, api-gateway]
"""

RETURN = r"""
verdict:
  description: C(ready) or C(blocked).
  returned: always
  type: str
reason:
  description: Why (which dependency failed, what stopped the train, or what it waited for).
  returned: always
  type: str
waited:
  description: Seconds spent waiting.
  returned: always
  type: float
states:
  description: For each member, its ledger entries under the train (C(release), C(cascade); null when none yet).
  returned: success
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.slipway.aws.plugins.module_utils.aws import AWS_MUTUALLY_EXCLUSIVE
from ansible_collections.slipway.aws.plugins.module_utils.errors import exit_module
from ansible_collections.slipway.aws.plugins.module_utils.train_tasks import WAIT_SPEC, run_wait


def main() -> None:
    # The action plugin of the same name runs run_wait in the worker; this is the module's own path.
    module = AnsibleModule(argument_spec=WAIT_SPEC, mutually_exclusive=AWS_MUTUALLY_EXCLUSIVE, supports_check_mode=True)
    exit_module(module, run_wait(module.params, module.check_mode))


if __name__ == "__main__":
    main()
