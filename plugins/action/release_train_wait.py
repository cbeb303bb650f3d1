# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side runner of slipway.aws.release_train_wait: the module's core (train_tasks.run_wait), without a module's start-up."""

from __future__ import annotations

from ansible_collections.slipway.aws.plugins.module_utils.aws import AWS_MUTUALLY_EXCLUSIVE
from ansible_collections.slipway.aws.plugins.module_utils.train_tasks import WAIT_SPEC, run_wait
from ansible_collections.slipway.aws.plugins.plugin_utils.controller_action import ControllerAction


class ActionModule(ControllerAction):
    PRELOAD = ("dynamodb",)
    SPEC = WAIT_SPEC
    MUTUALLY_EXCLUSIVE = AWS_MUTUALLY_EXCLUSIVE

    def core(self, args, check_mode, diff):
        return run_wait(args, check_mode)
