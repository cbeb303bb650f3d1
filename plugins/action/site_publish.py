# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side runner of slipway.aws.site_publish: the module's core, with each phase displayed as it happens."""

from __future__ import annotations

from typing import Any

from ansible.utils.display import Display
from ansible_collections.slipway.aws.plugins.module_utils.site import runner
from ansible_collections.slipway.aws.plugins.plugin_utils.controller_action import ControllerAction

display = Display()


def failure_line(result: dict[str, Any]) -> str:
    """What failed with its evidence (in the message), then where the rest is."""
    line = str(result.get("msg", "publish failed")).rstrip(".")
    if result.get("summary_file"):
        line += f". Details: {result['summary_file']} (or run with -v)"
    return line + "."


class ActionModule(ControllerAction):
    SPEC = runner.PUBLISH_SPEC
    MUTUALLY_EXCLUSIVE = runner.MUTUALLY_EXCLUSIVE

    def core(self, args, check_mode, diff):
        site = args.get("site") or args.get("distribution_id") or args["bucket"]

        def emit(message: str) -> None:
            display.display(f"[{site}] {message}", color="cyan")

        outcome = runner.run_publish(args, check_mode, diff, emit)
        if outcome.get("failed") and display.verbosity < 1:
            # The phases were shown live and the full result is in the summary file.
            return {"failed": True, "changed": bool(outcome.get("changed")), "msg": failure_line(outcome), "outcome": outcome.get("outcome")}
        return outcome
