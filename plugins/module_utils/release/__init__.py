# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Blue-green release of one ECS service behind an ALB (engine ``alb``).

Two ECS services per app (``SVC-blue``, ``SVC-green``), each on its own target
group. The production listener rule's forward weights say which colour is
live; the test listener rule points at the idle colour.

* ``config``  — ReleaseConfig: what one release is configured with.
* ``adapter`` — every AWS call a release makes (the only module that makes them).
* ``plan``    — the Plan and the preflight that computes it without a write.
* ``machine`` — Release: the state machine (steps, gates, rollback, repair, records).
* ``waiting`` — the shared poller and the signal handling.
"""

from __future__ import annotations

from ansible_collections.slipway.aws.plugins.module_utils.release.adapter import AwsAdapter, Image, ReleaseAdapter
from ansible_collections.slipway.aws.plugins.module_utils.release.config import ReleaseConfig
from ansible_collections.slipway.aws.plugins.module_utils.release.machine import Release, new_release_id
from ansible_collections.slipway.aws.plugins.module_utils.release.plan import Plan

__all__ = ["AwsAdapter", "Image", "Plan", "Release", "ReleaseAdapter", "ReleaseConfig", "new_release_id"]
