# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side runner of slipway.aws.ecs_release: the same core as the module,
but each phase (weights, gate outcomes) is displayed as it happens."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible_collections.slipway.aws.plugins.module_utils import release_runner

display = Display()


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        validation, args = self.validate_argument_spec(argument_spec=release_runner.ARGUMENT_SPEC, mutually_exclusive=release_runner.MUTUALLY_EXCLUSIVE)
        if validation.error_messages:
            raise AnsibleActionFail("; ".join(validation.error_messages))
        service = args["service"]

        def emit(message: str) -> None:
            display.display(f"[{service}] {message}", color="cyan" if not message.startswith(("ROLLBACK", "REPAIR")) else "bright red")

        result.update(release_runner.run(args, bool(self._task.check_mode), bool(self._task.diff), emit))
        return result
