#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: site_release_info
short_description: Read a static site's releases
version_added: 0.1.0
description:
  - Lists the releases of a site published by M(slipway.aws.site_publish) that the bucket keeps (their manifests
    under C(_slipway/releases/)), newest first, with the live one and the one a rollback returns to by default.
  - With O(table), also the site's entries in the deployment table.
author:
  - Slipway contributors (!UNKNOWN)
options:
  bucket:
    description: The site bucket.
    type: str
    required: true
  site:
    description: The site's name in the deployment table; defaults to O(distribution_id), else O(bucket).
    type: str
  distribution_id:
    description: The distribution, used as the site's name when O(site) is not given.
    type: str
  table:
    description: The deployment table.
    type: str
  limit:
    description: How many releases (and ledger entries) to return.
    type: int
    default: 20
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
- name: Read the releases of the site
  slipway.aws.site_release_info:
    bucket: "{{ slipway_foundation.cdn.site_bucket_name }}"
    distribution_id: "{{ slipway_foundation.cdn.distribution_id }}"
    table: "{{ slipway_foundation.deployment_table_name }}"
  register: site_releases
"""

RETURN = r"""
releases:
  description: Kept releases, newest first (release_id, created_at, live, git_sha, actor, digest, files, bytes, index_sha256, invalidation).
  returned: success
  type: list
  elements: dict
live_release_id:
  description: The release the site serves, or null.
  returned: success
  type: str
previous_release_id:
  description: The newest kept release older than the live one (the default rollback target), or null.
  returned: success
  type: str
current:
  description: The live pointer C(_slipway/current.json) (release_id, switched_at, previous_release_id, kind, invalidation), or null.
  returned: success
  type: dict
ledger:
  description: The site's publishes and rollbacks in the deployment table, newest first.
  returned: when O(table) is set
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.slipway.aws.plugins.module_utils.errors import exit_module
from ansible_collections.slipway.aws.plugins.module_utils.site import runner


def main() -> None:
    module = AnsibleModule(argument_spec=runner.INFO_SPEC, mutually_exclusive=runner.MUTUALLY_EXCLUSIVE, supports_check_mode=True)
    exit_module(module, runner.run_info(dict(module.params)))


if __name__ == "__main__":
    main()
