#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: dr_runbook
short_description: Run a disaster-recovery runbook (preflight, plan, confirmation, steps with read-back, evidence report)
version_added: 0.1.0
description:
  - Runs one runbook of the DR framework (docs/runbooks/README.md). Preflight checks first (reads only, each PASS,
    FAIL or ERROR with its evidence; any non-PASS stops the run before a write), then the plan (every step with the
    API calls and parameters it would make), then, when a remaining step is destructive, the confirmation
    (O(confirm) must be the runbook's resource identifier), then the steps, each read back before it counts as done.
  - Every write goes into an append-only audit log (JSON lines, with the AWS request ids) and every completed step
    into a state file, both under O(reports_dir)/runs/RUN_ID; O(resume) with O(run_id) goes on from the last
    completed step.
  - Ends with an evidence report (RUN_ID.json and RUN_ID.md in O(reports_dir)) with the RTO from the declaration
    split into parts, per-step timings, the measured RPO, against O(targets).
  - V(rds_point_in_time_restore) restores an RDS instance to a time as a new instance (docs/runbooks/rds_point_in_time_restore.md);
    V(environment_rebuild) applies an environment's Terraform root and puts every service at its last good digest from
    the deployment ledger through the release path (docs/runbooks/environment_rebuild.md). docs/runbooks/README.md
    lists every runbook.
  - Runs on the controller (action plugin), printing each check and step as it happens.
author:
  - Slipway contributors (!UNKNOWN)
options:
  runbook:
    description: The runbook to run, by name (the name of its playbook in C(playbooks/runbooks/)); an unknown name is refused with the list.
    type: str
    required: true
  parameters:
    description:
      - The runbook's parameters, as listed on its page C(docs/runbooks/RUNBOOK.md); an unknown one, or a missing
        required one, is refused with the list. For V(rds_point_in_time_restore) C(db) (the source, required),
        C(restore_time) (ISO 8601 or V(latest), the default), C(target) (default C(DB-pitr)), C(database),
        C(smoke_table), C(smoke_column) (default C(ts)), C(master_secret), C(accept_differences) (list of setting
        names), C(drill) (default true; tags the restored instance with an expiry), C(expires_in_hours) (24),
        C(wait_timeout) (1800), C(poll_interval) (1), C(connect_timeout) (10).
    type: dict
    default: {}
  confirm:
    description: The identifier of the resource the destructive steps act on (the restore's target); anything else is refused.
    type: str
  resume:
    description: Go on with run O(run_id) from its last completed step.
    type: bool
    default: false
  run_id:
    description: The run's id (default a new one); with O(resume), the run to resume.
    type: str
  targets:
    description: C(rto_seconds) and C(rpo_seconds); a completed run that misses one fails.
    type: dict
    default: {}
  reports_dir:
    description: Where the reports go; runs/RUN_ID under it holds the state file and the audit log.
    type: path
    required: true
  declared_at:
    description: When the disaster was declared (ISO 8601), the start of the RTO clock; default the start of the run.
    type: str
  actor:
    description: Who runs it (default SLIPWAY_ACTOR, USER, ...).
    type: str
  prices:
    description:
      - List prices (USD) for the drill's cost in the report, C(rds_instance_hour) (a dict by instance class, with an
        optional C(default)) and C(rds_snapshot_gb_month). A drill (runbook parameter C(drill)) removes what it created
        on every exit path, and reports what that cost at these prices.
    type: dict
    default: {}
extends_documentation_fragment:
  - slipway.aws.aws
attributes:
  check_mode:
    support: full
    description: Preflight and the plan only; no write, no file.
  diff_mode:
    support: none
    description: No diff; the plan and the report say what changes.
  platform:
    platforms: all
    support: full
    description: Runs on the controller with boto3 and pg8000.
"""

EXAMPLES = r"""
- name: Restore orders to a time, as orders-pitr
  slipway.aws.dr_runbook:
    runbook: rds_point_in_time_restore
    parameters:
      db: orders
      restore_time: "2026-11-30T12:00:00Z"
      database: app
      smoke_table: canary
      master_secret: slipway/local/rds/orders/master
    confirm: orders-pitr
    targets: {rto_seconds: 900, rpo_seconds: 300}
    reports_dir: reports/dr
"""

RETURN = r"""
run_id:
  description: The run's id (for O(resume)).
  returned: always
  type: str
status:
  description: succeeded, failed, refused, preflight_failed or targets_missed.
  returned: when the run started
  type: str
preflight:
  description: The checks (name, status, evidence).
  returned: when the run started
  type: list
  elements: dict
plan:
  description: Every step with the calls it makes (call, params) and whether it is done.
  returned: when preflight passed
  type: list
  elements: dict
evidence:
  description: The evidence report (also written as JSON and Markdown).
  returned: when the run started
  type: dict
report:
  description: Paths of the written report (json, markdown).
  returned: when not in check mode
  type: dict
sweep:
  description: In check mode, the drill resources of earlier runs the next run would remove (expired, or their run is over).
  returned: check mode
  type: list
  elements: dict
error:
  description: On failure, the kind (PreflightFailed, ConfirmationRefused, VerifyFailed, BadInput, TargetsMissed, ...).
  returned: failure
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.slipway.aws.plugins.module_utils.dr import runner
from ansible_collections.slipway.aws.plugins.module_utils.errors import exit_module


def main() -> None:
    module = AnsibleModule(argument_spec=runner.SPEC, mutually_exclusive=runner.MUTUALLY_EXCLUSIVE, supports_check_mode=True)
    exit_module(module, runner.run(dict(module.params), module.check_mode, lambda _m: None))


if __name__ == "__main__":
    main()
