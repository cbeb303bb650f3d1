#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cloudfront_invalidation
short_description: Invalidate CloudFront paths once, at the lowest cost
version_added: 0.1.0
description:
  - Creates one invalidation of a distribution, idempotently. The CallerReference is derived from O(reference)
    and the path set, so running the task again (or a retry after a lost answer) returns the same invalidation
    and reports no change; CloudFront never bills it twice.
  - With O(collapse=true), plans the cheapest path set first (see the filter P(slipway.aws.invalidation_paths#filter)),
    within CloudFront's in-progress limits and against the month's free paths.
  - Reads the month's usage from ListInvalidations, newest first, only back to the start of the month, and at most
    10 pages of summaries and 50 GetInvalidation reads (in-progress requests first), so its cost stays flat however
    long the history is. Beyond that budget the usage is a lower bound (C(complete=false) in RV(month_usage)).
  - A request CloudFront already had under the same reference is recognised by its creation time when the history
    read did not include it, and reported as no change.
  - Retries with jittered backoff while CloudFront answers TooManyInvalidationsInProgress.
author:
  - Slipway contributors (!UNKNOWN)
options:
  distribution_id:
    description: The distribution.
    type: str
    required: true
  paths:
    description: URL paths to invalidate (C(/index.html)); a path without a leading C(/) gets one.
    type: list
    elements: str
    required: true
  reference:
    description: A name for this request, for example the release id; the same reference and paths make the same invalidation.
    type: str
    required: true
  protected:
    description: Bucket keys no wildcard should cover (content-hashed files the edge keeps for a year).
    type: list
    elements: str
    default: []
  collapse:
    description: Plan the cheapest path set (folder wildcards when fewer billed paths); with wildcards in O(paths), they are sent as given.
    type: bool
    default: true
  wait:
    description: Wait for the invalidation to complete.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait; then the result is C(pending), not a failure.
    type: float
    default: 600.0
  poll_interval:
    description: Seconds between reads while waiting.
    type: float
    default: 5.0
extends_documentation_fragment:
  - slipway.aws.aws
attributes:
  check_mode:
    support: full
    description: Reports the paths, the cost and whether an invalidation would be created.
  diff_mode:
    support: none
    description: Not applicable.
  platform:
    platforms: all
    support: full
    description: Runs anywhere with boto3.
"""

EXAMPLES = r"""
- name: Invalidate the app shell of a release
  slipway.aws.cloudfront_invalidation:
    distribution_id: "{{ slipway_foundation.cdn.distribution_id }}"
    paths: [/index.html, /, /ngsw.json]
    reference: "{{ release }}"
    wait: true
"""

RETURN = r"""
paths:
  description: The paths requested (after planning).
  returned: always
  type: list
  elements: str
caller_reference:
  description: The CallerReference sent.
  returned: success
  type: str
plan:
  description: The planner's result (paths, billed_paths, paid_paths, estimated_cost_usd, free_paths_left, collapsed), or null.
  returned: success
  type: dict
month_usage:
  description:
    - This distribution's invalidations and paths this month, and those in progress (month, invalidations, paths,
      in_progress, in_progress_paths, in_progress_wildcards, reads).
    - When C(complete) is false the read budget ended the walk; C(paths) then counts each of the C(unread) requests
      as one path (a lower bound), C(estimated_paths) counts them as the mean of those read (what the cost
      estimate uses), and C(more_unlisted) says whether older pages of this month were not listed.
  returned: success
  type: dict
invalidation:
  description: The invalidation (id, status C(InProgress), C(Completed) or C(pending) after a wait that timed out, caller_reference, paths, create_time).
  returned: success, not in check mode when a new one would be created
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.slipway.aws.plugins.module_utils.errors import exit_module
from ansible_collections.slipway.aws.plugins.module_utils.site import runner


def main() -> None:
    module = AnsibleModule(argument_spec=runner.INVALIDATION_SPEC, mutually_exclusive=runner.MUTUALLY_EXCLUSIVE, supports_check_mode=True)
    exit_module(module, runner.run_invalidation(dict(module.params), module.check_mode))


if __name__ == "__main__":
    main()
