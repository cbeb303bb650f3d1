# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side runner of slipway.aws.release_train_plan: the module's core (train_tasks.run_plan), without a module's start-up."""

from __future__ import annotations

from ansible_collections.slipway.aws.plugins.module_utils.train_tasks import PLAN_SPEC, run_plan
from ansible_collections.slipway.aws.plugins.plugin_utils.controller_action import ControllerAction


class ActionModule(ControllerAction):
    SPEC = PLAN_SPEC

    def core(self, args, check_mode, diff):
        return run_plan(args, check_mode)
