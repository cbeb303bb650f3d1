#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: secret_rotate
short_description: Rotate a PostgreSQL secret now (on-call), then restart its consumers and verify
version_added: 0.1.0
description:
  - Runs the four steps of Secrets Manager's rotation protocol (createSecret, setSecret, testSecret, finishSecret)
    for one PostgreSQL secret, with the same code as the rotation Lambda (lambdas/pg_rotation), single user or
    alternating users (the secret's C(masterarn)).
  - Refuses a secret with a half-done rotation (the audit's C(stuck_pending)) unless O(resume) finishes it or
    O(cleanup) abandons it; a second rotation of the same secret running at the same time is refused.
  - Then verifies that the new credentials log in and, for a single user, that the previous password no longer does.
  - With O(restart), the ECS services whose task definitions take the secret get a new deployment; of a blue/green
    pair only the live colour, and none whose release lease is held.
  - No secret value appears in the result or in a failure message.
author:
  - Slipway contributors (!UNKNOWN)
options:
  secret:
    description: The secret's name or ARN.
    type: str
    required: true
  strategy:
    description: V(auto) reads it from the secret (alternating users when it has C(masterarn)).
    type: str
    choices: [auto, single, alternating]
    default: auto
  grants:
    description:
      - What the application needs, checked by testSecret on the new credentials (and on the current ones before a
        single-user change). Each item has C(privilege) (comma-separated allowed) and exactly one of C(table),
        C(sequence), C(schema), C(database).
    type: list
    elements: dict
    default: []
  owner_role:
    description: The owner role of an alternating pair, when the secret has no C(ownerrole).
    type: str
  resume:
    description: Finish the rotation in progress (same version) instead of refusing.
    type: bool
    default: false
  cleanup:
    description: Abandon the rotation in progress (a single user's role gets its AWSCURRENT password back, AWSPENDING is removed).
    type: bool
    default: false
  token:
    description: The new version's id (32 to 64 characters). Default a new UUID; with a rotation in progress, its id resumes it.
    type: str
  rotate_if_older_than:
    description: Seconds; rotate only when AWSCURRENT is at least that old (0, always). Makes a converge idempotent.
    type: int
    default: 0
  password_length:
    description: Length of the new password (20 to 128).
    type: int
    default: 32
  connect_timeout:
    description: Seconds to wait for PostgreSQL (1 to 60).
    type: float
    default: 5
  ca_file:
    description: CA bundle for C(sslmode) verify-ca / verify-full.
    type: path
  verify:
    description: After the rotation, log in with the new credentials and, for a single user, check the previous ones are refused.
    type: bool
    default: true
  restart:
    description: Start a new deployment of every ECS service that takes the secret (of a pair, the live colour only).
    type: bool
    default: false
  cluster:
    description: The ECS cluster (with O(restart)).
    type: str
  services:
    description: The foundation's C(services) output (blue/green service names, target groups, production rule), to find each pair's live colour.
    type: dict
    default: {}
  deployment_table:
    description: The deployment table holding the release leases (with O(restart)).
    type: str
extends_documentation_fragment:
  - slipway.aws.aws
attributes:
  check_mode:
    support: full
    description: Reads only and returns the plan (state, strategy, the role that would change, the consumers).
  diff_mode:
    support: none
    description: No diff; the result names what changed.
  platform:
    platforms: all
    support: full
    description: Runs anywhere with boto3 and pg8000 and a network path to the database.
"""

EXAMPLES = r"""
- name: Rotate the orders database user now and restart its consumers
  slipway.aws.secret_rotate:
    secret: slipway/local/user/orders
    grants:
      - {privilege: "SELECT, INSERT", table: public.orders}
      - {privilege: CONNECT, database: app}
    restart: true
    cluster: slipway-local
    services: "{{ slipway_foundation.services }}"
    deployment_table: "{{ slipway_foundation.deployment_table_name }}"

- name: Finish a half-done rotation
  slipway.aws.secret_rotate:
    secret: slipway/local/user/orders
    resume: true
"""

RETURN = r"""
secret:
  description: The secret's name.
  returned: always
  type: str
strategy:
  description: single or alternating.
  returned: success
  type: str
state_before:
  description: The secret's rotation state before (state, audit_state, current_version, pending_version, rotation_enabled).
  returned: success
  type: dict
state_after:
  description: The same after the run (on failure too, when it could be read).
  returned: always
  type: dict
plan:
  description: What the run does or would do (action rotate, resume, cleanup or nothing; the role that gets a new password).
  returned: success
  type: dict
version:
  description: The version that became AWSCURRENT (or, with cleanup, that lost AWSPENDING).
  returned: changed
  type: str
verification:
  description: new_login, old_login, old_login_expected, ok, problems.
  returned: when rotated
  type: dict
consumers:
  description: One entry per consuming service; action restarted, restart (check mode) or skip, with the reason.
  returned: success
  type: list
  elements: dict
phases:
  description: What happened, line by line.
  returned: always
  type: list
  elements: str
error:
  description: On failure, the kind (SecretNotFound, SecretFormatError, DatabaseUnreachable, TestFailed, RotationInProgress, ...).
  returned: failure
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.slipway.aws.plugins.module_utils.aws import AWS_MUTUALLY_EXCLUSIVE, Aws, argument_spec
from ansible_collections.slipway.aws.plugins.module_utils.errors import SlipwayError
from ansible_collections.slipway.aws.plugins.module_utils.secrets import rotate_runner

OPTIONS = {
    "secret": {"type": "str", "required": True, "no_log": False},  # a name or ARN, not a value
    "strategy": {"type": "str", "choices": ["auto", "single", "alternating"], "default": "auto"},
    "grants": {"type": "list", "elements": "dict", "default": []},
    "owner_role": {"type": "str"},
    "resume": {"type": "bool", "default": False},
    "cleanup": {"type": "bool", "default": False},
    "token": {"type": "str", "no_log": False},  # a version id
    "rotate_if_older_than": {"type": "int", "default": 0},
    "password_length": {"type": "int", "default": 32, "no_log": False},
    "connect_timeout": {"type": "float", "default": 5},
    "ca_file": {"type": "path"},
    "verify": {"type": "bool", "default": True},
    "restart": {"type": "bool", "default": False},
    "cluster": {"type": "str"},
    "services": {"type": "dict", "default": {}},
    "deployment_table": {"type": "str"},
}


def main() -> None:
    module = AnsibleModule(
        argument_spec=argument_spec(**OPTIONS),
        mutually_exclusive=AWS_MUTUALLY_EXCLUSIVE,
        required_if=[["restart", True, ["cluster", "deployment_table"]]],
        supports_check_mode=True,
    )
    p = module.params
    phases: list[str] = []
    try:
        opts = rotate_runner.Options.from_params(p)
        aws = Aws.from_params(p)
        result = rotate_runner.run(aws, opts, check_mode=module.check_mode, emit=phases.append)
    except rotate_runner.RotateError as exc:
        module.fail_json(msg=str(exc), error=exc.kind, step=exc.step, state_after=exc.state, secret=p["secret"], phases=phases)
    except SlipwayError as exc:
        module.fail_json(msg=str(exc), error=type(exc).__name__, secret=p["secret"], phases=phases)
    module.exit_json(phases=phases, **result)


if __name__ == "__main__":
    main()
