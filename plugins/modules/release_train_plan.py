#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: release_train_plan
short_description: Check and lay out a release train
version_added: 0.1.0
description:
  - Checks the input of a release train (C(playbooks/release_train.yml)) before anything is written and lays it out in waves
    from the service catalogue's C(depends_on).
  - Refuses, naming the fix, a service not in the catalogue, a C(depends_on) naming an unknown service or itself,
    a dependency cycle, an inventory host of group C(services) that is not in the catalogue, and an unknown failure policy.
  - Makes the train id (C(train-<UTC stamp>-<6 hex>)) unless one is given.
  - Talks to no AWS API.
author:
  - Slipway contributors (!UNKNOWN)
options:
  catalogue:
    description: The service catalogue (C(slipway_services)).
    type: dict
    required: true
  services:
    description:
      - The services of the train, a comma-separated string (C(-e services=a,b)) or a list.
      - Empty means every host of O(hosts).
    type: raw
  hosts:
    description: The service hosts of this run (the play's hosts, after C(--limit) or an AWX slice).
    type: list
    elements: str
    required: true
  policy:
    description:
      - What happens to the finished services when one fails, C(leave) (they stay live) or C(cascade)
        (each returns to the digest it ran before the train).
    type: str
    default: leave
  train_id:
    description: Continue a train with this id (e.g. every AWX slice of one train); empty makes a new one.
    type: str
attributes:
  check_mode:
    support: full
    description: Writes nothing in any mode.
  diff_mode:
    support: none
    description: Computes a plan only.
  platform:
    platforms: all
    support: full
    description: Pure computation.
"""

EXAMPLES = r"""
- name: Lay out the train
  slipway.aws.release_train_plan:
    catalogue: "{{ slipway_services }}"
    services: api-gateway,user,event
    hosts: "{{ ansible_play_hosts_all }}"
  register: train
"""

RETURN = r"""
train_id:
  description: The train's id, recorded as C(train_id) in every ledger entry of the train.
  returned: success
  type: str
  sample: train-20261201T102724Z-4f2a9c
services:
  description: The train's services in wave order.
  returned: success
  type: list
  elements: str
in_run:
  description: The train's services that are hosts of this run.
  returned: success
  type: list
  elements: str
outside_run:
  description: The train's services this run does not release (excluded by C(--limit) or in another slice).
  returned: success
  type: list
  elements: str
waves:
  description: The services per wave; a service comes one wave after the latest of its dependencies in the train.
  returned: success
  type: list
  elements: list
wave_of:
  description: Service name to its wave (from 1).
  returned: success
  type: dict
depends_on:
  description: Service name to its dependencies inside the train.
  returned: success
  type: dict
dependants:
  description: Service name to the services of the train that depend on it.
  returned: success
  type: dict
external_dependencies:
  description: Service name to dependencies outside the train, which are taken as live.
  returned: success
  type: dict
policy:
  description: The failure policy.
  returned: success
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.slipway.aws.plugins.module_utils.errors import exit_module
from ansible_collections.slipway.aws.plugins.module_utils.train_tasks import PLAN_SPEC, run_plan


def main() -> None:
    # The action plugin of the same name runs run_plan in the worker; this is the module's own path.
    module = AnsibleModule(argument_spec=PLAN_SPEC, supports_check_mode=True)
    exit_module(module, run_plan(module.params, module.check_mode))


if __name__ == "__main__":
    main()
