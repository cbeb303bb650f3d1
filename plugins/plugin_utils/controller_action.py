# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shape every Slipway action plugin shares: validate the task's arguments against the module's own spec,
then run the module's core in the worker (no module start-up, and lines displayed as they happen)."""

from __future__ import annotations

from typing import Any, ClassVar

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible_collections.slipway.aws.plugins.module_utils.aws import preload


class ControllerAction(ActionBase):
    """Runs a module's core on the controller.

    A subclass names the module's argument spec (``SPEC``, with ``MUTUALLY_EXCLUSIVE``) and implements
    ``core(args, check_mode, diff)``, which returns the module's result. Invalid arguments fail the task with
    every message, before ``core`` runs (so before any call to AWS), as the module itself would.

    ``PRELOAD`` names the AWS services whose botocore models the class decodes when it is defined, that is when
    the controller imports the plugin, before it forks the workers that run it (``aws.preload``). It is for the
    plugins a play runs on many hosts at once (the release train's): each worker then starts with the models.
    """

    TRANSFERS_FILES = False
    _requires_connection = False
    SPEC: ClassVar[dict[str, Any]] = {}
    MUTUALLY_EXCLUSIVE: ClassVar[list[list[str]] | None] = None
    PRELOAD: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        preload(*cls.PRELOAD)

    def core(self, args: dict[str, Any], check_mode: bool, diff: bool) -> dict[str, Any]:
        raise NotImplementedError

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        validation, args = self.validate_argument_spec(argument_spec=self.SPEC, mutually_exclusive=self.MUTUALLY_EXCLUSIVE or [])
        if validation.error_messages:
            raise AnsibleActionFail("; ".join(validation.error_messages))
        result.update(self.core(args, bool(self._task.check_mode), bool(self._task.diff)))
        return result
