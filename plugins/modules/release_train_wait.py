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
from ansible_collections.slipway.aws.plugins.module_utils.aws import AWS_MUTUALLY_EXCLUSIVE, Aws, argument_spec
from ansible_collections.slipway.aws.plugins.module_utils.errors import SlipwayError
from ansible_collections.slipway.aws.plugins.module_utils.train import brief
from ansible_collections.slipway.aws.plugins.module_utils.train_io import read_states, wait_for


def main() -> None:
    module = AnsibleModule(
        argument_spec=argument_spec(
            **{
                "service": {"type": "str", "required": True},
                "train_id": {"type": "str", "required": True},
                "table": {"type": "str", "required": True},
                "depends_on": {"type": "list", "elements": "str", "default": []},
                "members": {"type": "list", "elements": "str", "required": True},
                "unchanged": {"type": "list", "elements": "str", "default": []},
                "timeout": {"type": "float", "default": 3600.0},
                "poll_interval": {"type": "float", "default": 5.0},
            }
        ),
        mutually_exclusive=AWS_MUTUALLY_EXCLUSIVE,
        supports_check_mode=True,
    )
    p = module.params
    if p["poll_interval"] <= 0 or p["timeout"] < 0:
        module.fail_json(msg="poll_interval must be > 0 and timeout >= 0. Fix: release_train_wait_timeout_seconds / service_release_poll_interval")
    try:
        aws = Aws.from_params(p)
        verdict, reason, states, waited = wait_for(
            lambda: read_states(aws, p["table"], p["members"], p["train_id"]),
            p["service"],
            p["depends_on"],
            p["unchanged"],
            p["timeout"],
            p["poll_interval"],
        )
    except SlipwayError as exc:
        module.fail_json(msg=str(exc), verdict="error", reason=str(exc), waited=0.0)
    result = {"changed": False, "verdict": verdict, "reason": reason, "waited": round(waited, 2), "states": brief(states)}
    if verdict == "blocked":
        # Skipped, not failed and not ok: the service never started.
        module.exit_json(skipped=True, msg=f"{p['service']} not started: {reason}", **result)
    module.exit_json(msg=f"{p['service']} may start: {reason}", **result)


if __name__ == "__main__":
    main()
