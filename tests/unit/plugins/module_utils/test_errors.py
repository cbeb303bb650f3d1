"""A module's ending for its core's result."""

from __future__ import annotations

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.errors import exit_module


class _Module:
    """AnsibleModule's ending: both calls leave the process (SystemExit), with the result written out."""

    def __init__(self) -> None:
        self.ended: tuple[str, dict] | None = None

    def exit_json(self, **result):
        self.ended = ("exit_json", result)
        raise SystemExit(0)

    def fail_json(self, **result):
        self.ended = ("fail_json", result)
        raise SystemExit(1)


def test_a_module_ends_with_its_cores_result():
    module = _Module()
    with pytest.raises(SystemExit):
        exit_module(module, {"failed": True, "changed": False, "msg": "user depends on 'auth'"})
    assert module.ended == ("fail_json", {"changed": False, "msg": "user depends on 'auth'"})
    module = _Module()
    with pytest.raises(SystemExit):
        exit_module(module, {"changed": True, "waves": [["user"]]})
    assert module.ended == ("exit_json", {"changed": True, "waves": [["user"]]})
