# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side runner of slipway.aws.secret_rotation_audit: the module's core, with the table printed."""

from __future__ import annotations

from ansible.utils.display import Display
from ansible_collections.slipway.aws.plugins.module_utils.aws import AWS_MUTUALLY_EXCLUSIVE, argument_spec
from ansible_collections.slipway.aws.plugins.module_utils.errors import SlipwayError
from ansible_collections.slipway.aws.plugins.module_utils.secrets import audit
from ansible_collections.slipway.aws.plugins.plugin_utils.controller_action import ControllerAction

display = Display()


class ActionModule(ControllerAction):
    SPEC = argument_spec(**audit.ARGUMENT_SPEC)
    MUTUALLY_EXCLUSIVE = AWS_MUTUALLY_EXCLUSIVE

    def core(self, args, check_mode, diff):
        try:
            outcome = audit.execute(dict(args))
        except SlipwayError as exc:
            return {"failed": True, "changed": False, "msg": str(exc)}
        for line in outcome["table"]:
            display.display(line)
        return outcome
