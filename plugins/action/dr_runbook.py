# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side runner of slipway.aws.dr_runbook: each preflight check and step displayed as it happens."""

from __future__ import annotations

from ansible.utils.display import Display
from ansible_collections.slipway.aws.plugins.module_utils.dr import runner
from ansible_collections.slipway.aws.plugins.plugin_utils.controller_action import ControllerAction

display = Display()


class ActionModule(ControllerAction):
    SPEC = runner.SPEC
    MUTUALLY_EXCLUSIVE = runner.MUTUALLY_EXCLUSIVE

    def core(self, args, check_mode, diff):
        def emit(message: str) -> None:
            color = "red" if message.startswith(("FAIL", "preflight FAIL", "preflight ERROR")) else "cyan"
            display.display(f"[{args['runbook']}] {message}", color=color)

        return runner.run(args, check_mode, emit)
