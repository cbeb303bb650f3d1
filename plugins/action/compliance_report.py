# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side runner of slipway.aws.compliance_report: the module's core, with the summary printed."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible_collections.slipway.aws.plugins.module_utils.aws import AWS_MUTUALLY_EXCLUSIVE, argument_spec
from ansible_collections.slipway.aws.plugins.module_utils.compliance import runner
from ansible_collections.slipway.aws.plugins.module_utils.errors import SlipwayError

display = Display()


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        validation, args = self.validate_argument_spec(argument_spec=argument_spec(**runner.ARGUMENT_SPEC), mutually_exclusive=AWS_MUTUALLY_EXCLUSIVE)
        if validation.error_messages:
            raise AnsibleActionFail("; ".join(validation.error_messages))
        try:
            outcome = runner.execute(dict(args))
        except SlipwayError as exc:
            return {**result, "failed": True, "changed": False, "msg": str(exc)}
        for line in outcome["lines"]:
            display.display(line)
        result.update(outcome)
        return result
