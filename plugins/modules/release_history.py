#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: release_history
short_description: Read a service's release ledger
version_added: 0.1.0
description:
  - Lists the releases of one service recorded by M(slipway.aws.ecs_release) in the deployment table, newest first.
  - Also names the release to return to when rolling back, the newest successful release
    whose image differs from the newest successful one.
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
  limit:
    description: How many entries to read.
    type: int
    default: 50
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
- name: Read the releases of user
  slipway.aws.release_history:
    service: user
    table: slipway-local-deployments
  register: history
"""

RETURN = r"""
releases:
  description: Ledger entries, newest first (release_id, outcome, image_tag, image_digest, who, git_sha, timings, gates...).
  returned: success
  type: list
  elements: dict
current:
  description: The newest successful release, or null.
  returned: success
  type: dict
previous:
  description: The newest successful release with another image than RV(current), or null.
  returned: success
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.slipway.aws.plugins.module_utils.aws import AWS_MUTUALLY_EXCLUSIVE, Aws, argument_spec
from ansible_collections.slipway.aws.plugins.module_utils.errors import SlipwayError
from ansible_collections.slipway.aws.plugins.module_utils.ledger import ledger_list, previous_good


def main() -> None:
    module = AnsibleModule(
        argument_spec=argument_spec(
            **{
                "service": {"type": "str", "required": True},
                "table": {"type": "str", "required": True},
                "limit": {"type": "int", "default": 50},
            }
        ),
        mutually_exclusive=AWS_MUTUALLY_EXCLUSIVE,
        supports_check_mode=True,
    )
    p = module.params
    try:
        aws = Aws.from_params(p)
        releases = ledger_list(aws, p["table"], p["service"], limit=p["limit"])
    except SlipwayError as exc:
        module.fail_json(msg=str(exc))
    current, previous = previous_good(releases)
    module.exit_json(changed=False, releases=releases, current=current, previous=previous)


if __name__ == "__main__":
    main()
