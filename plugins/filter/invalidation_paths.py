# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: invalidation_paths
author: Slipway contributors
version_added: 0.1.0
short_description: The cheapest CloudFront invalidation path set for changed files
description:
  - Turns changed paths into the fewest billed invalidation paths, collapsing a folder to C(/dir/*) (or everything
    to C(/*)) when one wildcard is fewer paths than listing them, but never over a protected file unless
    CloudFront's in-progress limits (3,000 paths, 15 wildcard paths) leave no other way.
  - Estimates the cost against the month's 1,000 free paths at $0.005 per path beyond (a wildcard path is billed
    as one path; see U(https://aws.amazon.com/cloudfront/pricing/) and
    U(https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/PayingForInvalidation.html)).
  - The same planner M(slipway.aws.site_publish) and M(slipway.aws.cloudfront_invalidation) use.
options:
  _input:
    description:
      - Changed paths. One starting with C(/) is a URL path; one without is a bucket key (an C(index.html) key also
        gives its folder's path, C(/) or C(/fr/)).
    type: list
    elements: str
    required: true
  protected:
    description: Paths or keys a wildcard should not cover (the content-hashed files).
    type: list
    elements: str
    default: []
  month_paths_used:
    description: Paths already requested this month.
    type: int
    default: 0
  in_progress_paths:
    description: Individual paths of invalidations still in progress.
    type: int
    default: 0
  in_progress_wildcards:
    description: Wildcard paths of invalidations still in progress.
    type: int
    default: 0
  allow_wildcards:
    description: Allow collapsing to wildcards at all.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Plan the invalidation of a changed app shell and translations
  ansible.builtin.debug:
    msg: "{{ ['index.html', 'assets/i18n/en.json', 'assets/i18n/fr.json'] | slipway.aws.invalidation_paths(protected=['main-2YXE5NOA.js']) }}"
  # paths: ['/', '/assets/i18n/*', '/index.html'], billed_paths: 3, estimated_cost_usd: 0.0

- name: Only the paths
  ansible.builtin.set_fact:
    paths: "{{ (changed_keys | slipway.aws.invalidation_paths(month_paths_used=990)).paths }}"
"""

RETURN = r"""
_value:
  description:
    - The plan. C(paths) to request; C(requested) the input as URL paths; C(wildcards); C(billed_paths);
      C(month_paths_used); C(free_paths_left); C(paid_paths); C(estimated_cost_usd); C(feasible) (false when the
      limits allow no request now, with C(reason)); C(protected_covered) (a wildcard had to cover a protected file);
      C(collapsed) (each wildcard with how many requested paths it covers).
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.slipway.aws.plugins.module_utils.site.invalidation import key_paths, plan_invalidation


def _as_paths(items: list[str]) -> list[str]:
    items = [str(i) for i in items or []]
    return sorted({i for i in items if i.startswith("/")} | set(key_paths(i for i in items if not i.startswith("/"))))


def invalidation_paths(
    changed: list[str],
    protected: list[str] | None = None,
    month_paths_used: int = 0,
    in_progress_paths: int = 0,
    in_progress_wildcards: int = 0,
    allow_wildcards: bool = True,
) -> dict:
    if not isinstance(changed, list):
        raise AnsibleFilterError(f"invalidation_paths expects a list of paths, got {type(changed).__name__}")
    try:
        return plan_invalidation(
            _as_paths(changed),
            protected=_as_paths(protected or []),
            month_paths_used=int(month_paths_used),
            in_progress_paths=int(in_progress_paths),
            in_progress_wildcards=int(in_progress_wildcards),
            allow_wildcards=bool(allow_wildcards),
        ).as_dict()
    except ValueError as exc:
        raise AnsibleFilterError(f"invalidation_paths: {exc}") from exc


class FilterModule:
    def filters(self) -> dict:
        return {"invalidation_paths": invalidation_paths}
