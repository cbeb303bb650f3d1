#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: secret_rotation_audit
short_description: Audit the rotation of Secrets Manager secrets
version_added: 0.1.0
description:
  - Puts every Secrets Manager secret whose name matches O(patterns) into exactly one state, with its evidence,
    C(error), C(rotator_broken), C(stuck_pending), C(failing), C(overdue), C(not_rotating) (most severe first),
    C(managed_by_service) or C(healthy).
  - Judges every secret against Security Hub's controls SecretsManager.1 to SecretsManager.4 with Security Hub's
    default parameters (PASS, FAIL, ERROR or NOT_APPLICABLE).
  - Lists the ECS services whose task definitions reference a secret and whose running tasks started before its
    last rotation (stale consumers).
  - Reads metadata only (ListSecrets, DescribeSecret, Lambda GetFunction and GetPolicy, CloudTrail LookupEvents,
    ECS ListClusters, ListTasks, DescribeTasks, DescribeTaskDefinition); it never reads a secret's value.
    A secret whose metadata cannot be read is in state C(error) with the reason, never left out.
  - Read-only; changed is always false. Runs on the controller through the action plugin of the same name,
    which prints the table.
author:
  - Slipway contributors (!UNKNOWN)
options:
  patterns:
    description:
      - Name globs (fnmatch, case-sensitive) of the secrets to audit; empty audits every secret.
    type: list
    elements: str
    default: []
    aliases: [names]
  policy:
    description:
      - The audit policy; keys not given take their defaults.
      - C(max_age_days) (1-1000, default 90), a rotating secret last rotated (or, never rotated, created) longer
        ago is C(overdue).
      - C(failed_events_days) (1-90, default 7), how far back CloudTrail RotationFailed events count.
      - C(fail_on) (default every problem state and C(stale_consumers)), the states that fail the run;
        C(error) always does.
      - A value out of range is refused before anything is read or written.
    type: dict
    default: {}
  output_dir:
    description:
      - Directory for the reports C(secret_rotation_audit.json) and C(secret_rotation_audit.xml) (JUnit).
      - Not given, no file is written.
    type: path
extends_documentation_fragment:
  - slipway.aws.aws
attributes:
  check_mode:
    support: full
    description: Read-only; check mode gives the same result.
  diff_mode:
    support: none
    description: Read-only.
  platform:
    platforms: all
    support: full
    description: Runs anywhere with boto3.
"""

EXAMPLES = r"""
- name: Audit the rotation of the local secrets
  slipway.aws.secret_rotation_audit:
    patterns: ["slipway/local/*"]
    policy:
      max_age_days: 30
    output_dir: reports/secrets
  register: audit

- name: Fail when the policy says so
  ansible.builtin.fail:
    msg: "{{ audit.verdict }}"
  when: audit.policy_failed
"""

RETURN = r"""
secrets:
  description:
    - One entry per secret in scope, by name, with C(name), C(arn), C(state), C(reason) (the state's),
      C(findings) (every state it qualifies for, with reasons), C(evidence) (dates, versions, rotation
      function, RotationFailed events, consumers), C(controls) (SecretsManager.1-.4, each C(verdict) and
      C(reason)) and C(stale_consumers) (cluster, service, stale_tasks, oldest_started_at, fix).
  returned: success
  type: list
  elements: dict
summary:
  description: Counts by state and by control verdict, the stale consumers, C(policy_failed) and the C(failures).
  returned: success
  type: dict
policy:
  description: The policy applied (the defaults overlaid with O(policy)).
  returned: success
  type: dict
policy_failed:
  description: Whether a secret is in a state the policy fails on.
  returned: success
  type: bool
verdict:
  description: One line, what failed and where the details are, or that the audit passed.
  returned: success
  type: str
table:
  description: The table printed on screen, one line per secret and the counts.
  returned: success
  type: list
  elements: str
reports:
  description: The paths of the C(json) and C(junit) reports; empty without O(output_dir).
  returned: success
  type: dict
calls:
  description: The AWS API calls made, by C(service.Operation).
  returned: success
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.slipway.aws.plugins.module_utils.aws import AWS_MUTUALLY_EXCLUSIVE, argument_spec
from ansible_collections.slipway.aws.plugins.module_utils.errors import SlipwayError
from ansible_collections.slipway.aws.plugins.module_utils.secrets.audit import ARGUMENT_SPEC, execute


def main() -> None:
    module = AnsibleModule(argument_spec=argument_spec(**ARGUMENT_SPEC), mutually_exclusive=AWS_MUTUALLY_EXCLUSIVE, supports_check_mode=True)
    try:
        result = execute(dict(module.params))
    except SlipwayError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
