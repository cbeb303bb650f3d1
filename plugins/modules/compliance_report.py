#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: compliance_report
short_description: Evaluate AWS Security Hub controls and Slipway's own over evidence collected once
version_added: 0.1.0
description:
  - Collects evidence in one paginated pass per service and region (S3, RDS, Secrets Manager, SQS, DynamoDB, KMS,
    ECR, CloudWatch Logs, EC2 security groups, ELBv2, CloudFront), in parallel on a bounded pool with botocore's
    adaptive retry mode, then judges every selected control over that evidence only.
  - Each result is C(PASS), C(FAIL), C(ERROR) (could not evaluate, naming the API action and the reason) or
    C(NOT_APPLICABLE). An access error is never a verdict; a service whose listing failed is one C(ERROR), never absent.
  - Writes C(compliance_report.json) (OCSF-shaped), C(.md), C(.html), C(.xml) (JUnit) and C(.sarif) (SARIF 2.1.0), byte-identical
    for the same evidence and O(now). The coverage of Security Hub's controls is in docs/compliance.md.
  - Read-only; changed is always false. Runs on the controller through the action plugin of the same name, which prints
    the summary.
author:
  - Slipway contributors (!UNKNOWN)
options:
  controls:
    description: Globs over control ids (e.g. C(S3.*), C(RDS.11)); empty evaluates every control. A glob matching none is refused.
    type: list
    elements: str
    default: []
  regions:
    description: The regions to read; empty reads the connection's region. Global services (S3, CloudFront) are read once, in the first.
    type: list
    elements: str
    default: []
  parameters:
    description: >-
      Per control id, parameters overriding Security Hub's defaults, e.g. C({"RDS.11": {"backupRetentionMinimum": 14}}).
    type: dict
    default: {}
  exceptions:
    description:
      - >-
        Accepted risks, each with C(control) (id or glob), exactly one of C(resource) (ARN or glob) and C(tag) (C({KEY: VALUE})),
        C(owner), C(justification), C(ticket) and C(expires) (C(YYYY-MM-DD)). An expired one suppresses nothing and fails the run;
        one matching nothing is reported.
    type: list
    elements: dict
    default: []
  output_dir:
    description: Directory for the report files; not given, none is written.
    type: path
  previous_report:
    description: The previous JSON report to diff against; default the one in O(output_dir), if any.
    type: path
  fail_on_severity:
    description: New unsuppressed findings at or above this severity fail the run; C(NONE) never.
    type: str
    default: HIGH
    choices: [CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, NONE]
  fail_on_error:
    description: Results that could not be evaluated (ERROR) fail the run.
    type: bool
    default: true
  workers:
    description: Collectors run at the same time (1-32).
    type: int
    default: 6
  now:
    description: The report's time (ISO 8601); default the current time. Given, two runs over the same evidence write the same bytes.
    type: str
  iac_checkov_report:
    description:
      - checkov's JSON output (C(-o json)) over the Terraform; given, the reports carry an IaC section with PASS, FAIL and SKIPPED
        per check and resource. Read (and checked) before any AWS read. The role runs checkov when asked (C(compliance_report_iac)).
    type: path
  fail_on_iac:
    description: Failed IaC checks, or files checkov could not parse, fail the run (only with O(iac_checkov_report)).
    type: bool
    default: true
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
- name: Evaluate the S3 and RDS controls
  slipway.aws.compliance_report:
    controls: ["S3.*", "RDS.*"]
    output_dir: reports/compliance/local
  register: compliance

- name: Fail as the policy says
  ansible.builtin.fail:
    msg: "{{ compliance.verdict }}"
  when: compliance.policy_failed
"""

RETURN = r"""
summary:
  description: Counts by status, by severity and status, by service and status; suppressed results; unreadable listings.
  returned: success
  type: dict
diff:
  description: C(baseline) and the C(new), C(resolved) and C(still_failing) findings (control, resource, severity).
  returned: success
  type: dict
exceptions:
  description: The C(expired) and C(unmatched) exceptions.
  returned: success
  type: dict
policy_failed:
  description: Whether the run fails (new findings at or above O(fail_on_severity), ERROR with O(fail_on_error), expired exceptions).
  returned: success
  type: bool
failures:
  description: Why the policy failed, one line each.
  returned: success
  type: list
  elements: str
verdict:
  description: One line, the outcome and where the details are.
  returned: success
  type: str
lines:
  description: The summary printed on screen.
  returned: success
  type: list
  elements: str
reports:
  description: The paths of the C(json), C(markdown), C(html), C(junit) and C(sarif) reports; empty without O(output_dir).
  returned: success
  type: dict
calls:
  description: The AWS API calls made, by C(service.Operation).
  returned: success
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.slipway.aws.plugins.module_utils.aws import AWS_MUTUALLY_EXCLUSIVE, argument_spec
from ansible_collections.slipway.aws.plugins.module_utils.compliance.runner import ARGUMENT_SPEC, execute
from ansible_collections.slipway.aws.plugins.module_utils.errors import SlipwayError


def main() -> None:
    module = AnsibleModule(argument_spec=argument_spec(**ARGUMENT_SPEC), mutually_exclusive=AWS_MUTUALLY_EXCLUSIVE, supports_check_mode=True)
    try:
        result = execute(dict(module.params))
    except SlipwayError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
