# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side runner of slipway.aws.dr_runbook: each preflight check and step displayed as it happens."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible_collections.slipway.aws.plugins.module_utils.dr import runner

display = Display()


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        validation, args = self.validate_argument_spec(argument_spec=runner.SPEC, mutually_exclusive=runner.MUTUALLY_EXCLUSIVE)
        if validation.error_messages:
            raise AnsibleActionFail("; ".join(validation.error_messages))

        def emit(message: str) -> None:
            color = "red" if message.startswith(("FAIL", "preflight FAIL", "preflight ERROR")) else "cyan"
            display.display(f"[{args['runbook']}] {message}", color=color)

        result.update(runner.run(args, bool(self._task.check_mode), emit))
        return result
