#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: site_publish
short_description: Publish a static site (an Angular build) to S3 behind CloudFront, or roll it back
version_added: 0.1.0
description:
  - Uploads what changed in a build, by sha256 (kept in the object metadata C(x-amz-meta-sha256) and in release
    manifests under C(_slipway/) in the bucket), hashed files first, then other files, then the entry files with
    C(index.html) last, so that the site always serves one whole release, even when a run is interrupted.
  - Sets C(Content-Type) per file and C(Cache-Control) by rule, keeps each release's entry files for rollback,
    deletes what retention retired once the invalidation that retired it completed, creates the cheapest
    invalidation (an idempotent request), optionally waits for it, checks through the edge that the new release
    is served, records the release in the deployment table and writes a JSON summary.
  - With O(operation=rollback), copies an earlier release's entry files back (no rebuild, no upload) and
    invalidates them.
  - Runs on the controller as an action plugin that prints each phase as it happens.
author:
  - Slipway contributors (!UNKNOWN)
options:
  operation:
    description: Publish O(dist) as release O(release_id), or roll back to O(to).
    type: str
    choices: [publish, rollback]
    default: publish
  bucket:
    description: The site bucket.
    type: str
    required: true
  distribution_id:
    description: The CloudFront distribution in front of the bucket; without it nothing is invalidated.
    type: str
  site:
    description: The site's name in the deployment table and summaries; defaults to O(distribution_id), else O(bucket).
    type: str
  dist:
    description: The build output, the folder holding C(index.html) (for example C(dist/app/browser)). Required to publish.
    type: path
  release_id:
    description: The release's id (1-100 letters, digits, C(.), C(_) or C(-)). Required to publish.
    type: str
  to:
    description: With O(operation=rollback), the release to return to; empty means the one before the live release.
    type: str
  cache_rules:
    description:
      - Cache-Control rules tried before the built-in ones, first match wins.
      - Each is C({pattern, cache_control}); the pattern is a glob on the bucket key where C(*) also matches C(/).
      - Built in, entry files get C(no-cache), hashed files C(public, max-age=31536000, immutable), others O(default_cache_control).
    type: list
    elements: dict
    default: []
  default_cache_control:
    description: Cache-Control of files that are neither hashed nor entry files.
    type: str
    default: public, max-age=300
  precompress:
    description:
      - Store compressible files (the types CloudFront compresses, 1,000 bytes or more) encoded, with their
        C(Content-Encoding), for a distribution that does not compress at the edge. C(br) needs the Python
        package C(brotli) on the controller.
      - A pre-compressed object is served as stored to every viewer, whatever its Accept-Encoding says (all
        current browsers accept C(gzip); C(br) only over HTTPS). The sha256 kept is the file's, so switching
        this option re-uploads the files it concerns and nothing else.
      - When the distribution compresses at the edge the run says so and stores the files as asked.
    type: str
    choices: [none, gzip, br]
    default: none
  keep_releases:
    description: Releases whose files are kept (the newest ones, the one being published included); the live release is always kept.
    type: int
    default: 5
  keep_days:
    description: Also keep every release younger than this many days (0 keeps by count only).
    type: float
    default: 0.0
  max_deletions:
    description: At most this many files deleted per run; the rest waits for the next run.
    type: int
    default: 1000
  invalidate:
    description: Invalidate the changed and deleted paths of files without a hash in their name.
    type: bool
    default: true
  allow_wildcards:
    description: Let the planner collapse a folder to C(/dir/*) when that is fewer billed paths.
    type: bool
    default: true
  other_paths_used:
    description: Invalidation paths other distributions of the account requested this month (they share the free 1,000).
    type: int
    default: 0
  wait:
    description: Wait for the invalidation to complete.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait; then the invalidation is reported C(pending), not failed.
    type: float
    default: 600.0
  poll_interval:
    description: Seconds between reads while waiting.
    type: float
    default: 5.0
  edge_url:
    description:
      - Base URL of the edge to verify through (C(https://<distribution domain>); on local, the emulator's edge URL).
      - Without it the check through the edge is skipped.
    type: str
  verify_timeout:
    description: Seconds the edge check retries before its last result stands.
    type: float
    default: 30.0
  security_headers:
    description: Response headers the edge must send with C(index.html).
    type: list
    elements: str
    default: [strict-transport-security, x-content-type-options, x-frame-options, referrer-policy, content-security-policy]
  inject_marker:
    description:
      - Add C(<meta name="slipway-site" content="DIGEST">) to C(index.html), and recognise the new shell at the edge
        by it rather than by its sha256 (for edges that rewrite the page). The digest is the build's, so an unchanged
        build stays unchanged.
    type: bool
    default: false
  table:
    description:
      - The deployment table; each publish and rollback is recorded under C(site#SITE).
      - It also holds the site's lease while a run writes, so two runs never interleave their uploads.
    type: str
  summary_dir:
    description: Directory for the JSON summary, C(site-SITE-RELEASE.json).
    type: path
  actor:
    description: Who publishes; empty means the first of C(SLIPWAY_ACTOR), C(GITHUB_ACTOR), C(USER), C(LOGNAME), the OS account, git's user.name.
    type: str
  git_sha:
    description: The commit the build came from.
    type: str
    default: unknown
extends_documentation_fragment:
  - slipway.aws.aws
attributes:
  check_mode:
    support: full
    description: Returns the plan (uploads in order, deletions, invalidation paths and cost) and writes nothing.
  diff_mode:
    support: full
    description: Shows the live release's files against the new one's (key, sha256, Cache-Control).
  platform:
    platforms: all
    support: full
    description: Runs on the controller.
"""

EXAMPLES = r"""
- name: Publish the app
  slipway.aws.site_publish:
    bucket: "{{ slipway_foundation.cdn.site_bucket_name }}"
    distribution_id: "{{ slipway_foundation.cdn.distribution_id }}"
    dist: /src/app/dist/app/browser
    release_id: 20261130T0915Z-abc1234
    edge_url: "https://{{ slipway_foundation.cdn.domain_name }}"
    cache_rules:
      - pattern: "assets/i18n/*"
        cache_control: no-cache
    table: "{{ slipway_foundation.deployment_table_name }}"

- name: Return to the previous release
  slipway.aws.site_publish:
    operation: rollback
    bucket: "{{ slipway_foundation.cdn.site_bucket_name }}"
    distribution_id: "{{ slipway_foundation.cdn.distribution_id }}"
"""

RETURN = r"""
outcome:
  description: C(published), C(rolled_back), C(unchanged), C(planned) (check mode), C(verify_failed), C(failed) or C(refused).
  returned: always
  type: str
release_id:
  description: The release now live (or planned).
  returned: success
  type: str
live_release_id:
  description: The release that was live before.
  returned: success
  type: str
plan:
  description: >-
    The sync plan: uploads (key, sha256, size, content_type, cache_control, kind, reason) in order, deletions,
    deferred and capped deletions, kept and expired releases; for a rollback the entry files copied.
  returned: success
  type: dict
invalidation:
  description: The invalidation plan (paths, billed paths, estimated cost, free paths left), the month's usage, and the invalidation created.
  returned: success
  type: dict
verify:
  description: The check through the edge (status PASS, FAIL or ERROR, summary, evidence), or null when skipped.
  returned: when the release was switched
  type: dict
summary_file:
  description: Path of the JSON summary.
  returned: when O(summary_dir) is set and something was written
  type: str
msg:
  description: One line saying what happened; for a failure, what failed, its evidence and the next step.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.slipway.aws.plugins.module_utils.errors import exit_module
from ansible_collections.slipway.aws.plugins.module_utils.site import runner


def main() -> None:
    module = AnsibleModule(argument_spec=runner.PUBLISH_SPEC, mutually_exclusive=runner.MUTUALLY_EXCLUSIVE, supports_check_mode=True)
    exit_module(module, runner.run_publish(dict(module.params), module.check_mode, module._diff, lambda _m: None))


if __name__ == "__main__":
    main()
