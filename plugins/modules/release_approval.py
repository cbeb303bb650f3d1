#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: release_approval
short_description: Approve or reject a release waiting at its manual-approval gate
version_added: 0.1.0
description:
  - Records an operator's decision for a release of M(slipway.aws.ecs_release) that waits for approval.
  - Refuses when no release of the service with that id is in progress, and when a different decision was already recorded.
author:
  - Slipway contributors (!UNKNOWN)
options:
  service:
    description: Service whose release waits.
    type: str
    required: true
  release_id:
    description: Id of the waiting release (printed by the release).
    type: str
    required: true
  step:
    description:
      - The traffic step paused by an INCONCLUSIVE verdict (policy C(pause)), as the release printed it.
      - Unset, the decision is for the manual-approval gate after the smoke tests.
    type: int
  decision:
    description: The decision.
    type: str
    choices: [approve, reject]
    default: approve
  table:
    description: The deployment table.
    type: str
    required: true
  approver:
    description:
      - Who decides (recorded).
      - When unset, the first of C(SLIPWAY_ACTOR), C(GITHUB_ACTOR), C(USER), C(LOGNAME), the OS account and git's C(user.name).
    type: str
extends_documentation_fragment:
  - slipway.aws.aws
attributes:
  check_mode:
    support: full
    description: Reports whether the decision would be recorded.
  diff_mode:
    support: none
    description: Not applicable.
  platform:
    platforms: all
    support: full
    description: Runs anywhere with boto3.
"""

EXAMPLES = r"""
- name: Approve the waiting release of user
  slipway.aws.release_approval:
    service: user
    release_id: 20261127T211500Z-3f9a1c
    table: slipway-local-deployments
"""

RETURN = r"""
decision:
  description: The decision now on record.
  returned: success
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.slipway.aws.plugins.module_utils.actor import find_actor
from ansible_collections.slipway.aws.plugins.module_utils.aws import AWS_MUTUALLY_EXCLUSIVE, Aws, argument_spec
from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError, SlipwayError
from ansible_collections.slipway.aws.plugins.module_utils.ledger import Lease, approval_get, approval_id, approval_put


def main() -> None:
    module = AnsibleModule(
        argument_spec=argument_spec(
            **{
                "service": {"type": "str", "required": True},
                "release_id": {"type": "str", "required": True},
                "step": {"type": "int"},
                "decision": {"type": "str", "choices": ["approve", "reject"], "default": "approve"},
                "table": {"type": "str", "required": True},
                "approver": {"type": "str"},
            }
        ),
        mutually_exclusive=AWS_MUTUALLY_EXCLUSIVE,
        supports_check_mode=True,
    )
    p = module.params
    try:
        aws = Aws.from_params(p)
        # A paused step has a decision of its own: the one after the smoke tests says nothing about it.
        key = approval_id(p["release_id"], p["step"])
        existing = approval_get(aws, p["table"], p["service"], key)
        if existing:
            recorded = existing["decision"]
            if recorded != p["decision"]:
                module.fail_json(msg=f"release {p['release_id']} was already {recorded}d; a decision cannot be changed")
            module.exit_json(changed=False, decision=recorded)
        lease = Lease(aws, p["table"], p["service"], p["release_id"], ttl=0).read()
        if not lease or lease["release_id"] != p["release_id"] or lease["expired"]:
            current = f" (in progress: {lease['release_id']})" if lease and not lease["expired"] else ""
            module.fail_json(msg=f"no release {p['release_id']} of {p['service']} is in progress{current}. Fix: use the id the release printed")
        if not module.check_mode:
            approval_put(aws, p["table"], p["service"], key, p["decision"], p["approver"] or find_actor())
    except (SlipwayError, AwsError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=True, decision=p["decision"])


if __name__ == "__main__":
    main()
