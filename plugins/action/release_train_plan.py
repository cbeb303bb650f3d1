# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side runner of slipway.aws.release_train_plan: the module's core (train_tasks.run_plan), without a module's start-up."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible_collections.slipway.aws.plugins.module_utils.train_tasks import PLAN_SPEC, run_plan


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        validation, args = self.validate_argument_spec(argument_spec=PLAN_SPEC)
        if validation.error_messages:
            raise AnsibleActionFail("; ".join(validation.error_messages))
        result.update(run_plan(args, bool(self._task.check_mode)))
        return result
