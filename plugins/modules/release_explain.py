#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: release_explain
short_description: Explain a recorded release and recompute its gate verdicts
version_added: 0.1.0
description:
  - Reads one release of a service from the ledger written by M(slipway.aws.ecs_release) and says why it ended as it did.
  - Recomputes every gate verdict (smoke, alarms, metrics with its comparison against the old colour) from the inputs
    stored with it, with the same judge the live gate used. A recomputation that differs from the record is returned in
    RV(changed_gates); health and approval gates are observations and are labelled so.
  - Read-only. The playbook C(playbooks/explain_release.yml) prints the explanation and fails when a verdict changed.
author:
  - Slipway contributors (!UNKNOWN)
options:
  service:
    description: Service name.
    type: str
    required: true
  table:
    description: The deployment table.
    type: str
    required: true
  release_id:
    description: The release to explain; the newest one when omitted.
    type: str
  limit:
    description: How many of the newest ledger entries to search for O(release_id).
    type: int
    default: 200
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
- name: Explain the newest release of user
  slipway.aws.release_explain:
    service: user
    table: slipway-local-deployments
  register: why

- name: Print it
  ansible.builtin.debug:
    msg: "{{ why.lines }}"
"""

RETURN = r"""
release:
  description: The ledger entry explained.
  returned: success
  type: dict
lines:
  description: The explanation, line by line.
  returned: success
  type: list
  elements: str
gates:
  description: Each recorded gate with C(check) (same, CHANGED, observed, not recomputable), C(recomputed) and C(differences).
  returned: success
  type: list
  elements: dict
changed_gates:
  description: The gates whose recomputed verdict differs from the record.
  returned: success
  type: list
  elements: dict
counts:
  description: How many gates fell in each C(check) class.
  returned: success
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.slipway.aws.plugins.module_utils.aws import AWS_MUTUALLY_EXCLUSIVE, Aws, argument_spec
from ansible_collections.slipway.aws.plugins.module_utils.errors import SlipwayError
from ansible_collections.slipway.aws.plugins.module_utils.ledger import ledger_list
from ansible_collections.slipway.aws.plugins.module_utils.release.explain import explain


def main() -> None:
    module = AnsibleModule(
        argument_spec=argument_spec(
            **{
                "service": {"type": "str", "required": True},
                "table": {"type": "str", "required": True},
                "release_id": {"type": "str"},
                "limit": {"type": "int", "default": 200},
            }
        ),
        mutually_exclusive=AWS_MUTUALLY_EXCLUSIVE,
        supports_check_mode=True,
    )
    p = module.params
    try:
        releases = ledger_list(Aws.from_params(p), p["table"], p["service"], limit=p["limit"])
    except SlipwayError as exc:
        module.fail_json(msg=str(exc))
    if not releases:
        module.fail_json(msg=f"the ledger holds no release of {p['service']}. Fix: release it first (playbooks/deploy_service.yml -e svc={p['service']})")
    wanted = p["release_id"]
    entry = releases[0] if not wanted else next((r for r in releases if r.get("release_id") == wanted), None)
    if entry is None:
        recent = ", ".join(str(r.get("release_id")) for r in releases[:10])
        module.fail_json(msg=f"no release {wanted} of {p['service']} among its {len(releases)} newest. Fix: -e release=ID with one of: {recent}")
    why = explain(entry)
    module.exit_json(changed=False, release=entry, lines=why["lines"], gates=why["gates"], changed_gates=why["changed"], counts=why["counts"])


if __name__ == "__main__":
    main()
