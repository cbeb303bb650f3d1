# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side runner of slipway.aws.ecs_release: the same core as the module,
but each phase (weights, gate outcomes) is displayed as it happens."""

from __future__ import annotations

import contextlib
import os
from typing import Any

from ansible.utils.display import Display
from ansible_collections.slipway.aws.plugins.module_utils import release_runner
from ansible_collections.slipway.aws.plugins.plugin_utils.controller_action import ControllerAction

display = Display()

# What an on-call engineer needs, per outcome, after the reason.
_NEXT_STEP = {
    "rolled_back": "production traffic is back on the previous release; fix the image, then release again",
    "failed": "check the release's state in the summary before releasing again",
    "refused": "",
    "halted": (
        "someone changed a listener rule while the release ran, and traffic was left as they set it; decide which colour serves, "
        "then run playbooks/rollback_service.yml or release again (the next release first returns traffic to the last good colour)"
    ),
}


def failure_line(result: dict[str, Any]) -> str:
    """One line for the end of a failed run: what failed, its evidence (in the message), the next step, where the rest is."""
    parts = [str(result.get("msg", "release failed")).rstrip(".")]
    step = _NEXT_STEP.get(result.get("outcome", "failed"), "")
    if step and "Fix:" not in parts[0]:
        parts.append(f"Next: {step}")
    if result.get("summary_file"):
        parts.append(f"Details: {result['summary_file']} (or run with -v)")
    return ". ".join(parts) + "."


class _ControllerTerminal:
    """The controller's own standard output, for the lines a release writes after Ctrl-C.

    On SIGINT, ansible-playbook forwards the signal to its workers, closes the
    queue through which they display, waits a few seconds for them and exits
    with "User interrupted execution". The release (in the worker) is still
    rolling back then, and the operator would not see it. So from the interrupt
    on, its lines are written straight to the controller's stdout (Linux's
    /proc/<controller>/fd/1: the terminal, the pipe or the file it writes to),
    opened only while that controller is still our parent. Elsewhere the lines
    are dropped, as before.
    """

    def __init__(self) -> None:
        self._controller = os.getppid()
        self._fd: int | None = None
        self.used = False

    def write(self, line: str) -> None:
        """Best effort: a controller that is gone, or a system without /proc, gets nothing."""
        with contextlib.suppress(OSError):
            if self._fd is None:
                if os.getppid() != self._controller:
                    return
                self._fd = os.open(f"/proc/{self._controller}/fd/1", os.O_WRONLY | os.O_APPEND | os.O_NOCTTY | os.O_CLOEXEC)
            self.used = True
            os.write(self._fd, (line + "\n").encode("utf-8", "replace"))

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None


class ActionModule(ControllerAction):
    PRELOAD = ("ecs", "elbv2", "ecr", "cloudwatch", "dynamodb", "application-autoscaling", "secretsmanager", "sns")
    SPEC = release_runner.ARGUMENT_SPEC
    MUTUALLY_EXCLUSIVE = release_runner.MUTUALLY_EXCLUSIVE

    def core(self, args, check_mode, diff):
        service = args["service"]

        def emit(message: str) -> None:
            display.display(f"[{service}] {message}", color="cyan" if not message.startswith(("ROLLBACK", "REPAIR")) else "bright red")

        terminal = _ControllerTerminal()
        try:
            outcome = release_runner.run(args, check_mode, diff, emit, after_interrupt=lambda m: terminal.write(f"[{service}] {m}"))
            if terminal.used:
                # The controller will not print the task's result after Ctrl-C: the outcome goes the same way.
                terminal.write(f"[{service}] {failure_line(outcome) if outcome.get('failed') else outcome.get('msg', '')}")
        finally:
            terminal.close()
        if outcome.get("failed") and display.verbosity < 1:
            # The phases were shown live and the full result is in the summary
            # file; the screen ends with the one line that matters.
            return {"failed": True, "changed": bool(outcome.get("changed")), "msg": failure_line(outcome)}
        return outcome
