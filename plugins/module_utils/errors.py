# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One exception family for everything Slipway refuses or fails at."""

from __future__ import annotations

from typing import Any


class SlipwayError(Exception):
    """A failure with a message meant for the person at the keyboard."""


class PreflightError(SlipwayError):
    """Bad input or a state that forbids starting; raised before any write."""


class AwsError(SlipwayError):
    """An AWS API call failed (after the retry policy gave up)."""

    def __init__(self, operation: str, code: str, message: str) -> None:
        super().__init__(f"{operation} failed: {code}: {message}")
        self.operation = operation
        self.code = code
        self.message = message


class LockHeldError(PreflightError):
    """Another release of the same service holds the lease."""

    def __init__(self, message: str, holder: dict[str, Any]) -> None:
        super().__init__(message)
        self.holder = holder


class GateFailed(SlipwayError):
    """A release gate said no; carries the evidence."""

    def __init__(self, gate: str, message: str, evidence: dict[str, Any] | None = None) -> None:
        super().__init__(f"gate '{gate}' failed: {message}")
        self.gate = gate
        self.evidence = evidence or {}


class Halted(SlipwayError):
    """Someone else changed what the release controls (a listener rule); it stops and touches nothing more."""

    def __init__(self, message: str, evidence: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.evidence = evidence or {}


class Interrupted(SlipwayError):
    """The operator (or the system) interrupted the run."""


def exit_module(module: Any, result: dict[str, Any]) -> None:
    """A module's ending for a result its core returned (the same result an action plugin returns): ``fail_json``
    with the rest of it when it says ``failed``, else ``exit_json``."""
    if result.get("failed"):
        module.fail_json(**{k: v for k, v in result.items() if k != "failed"})
    module.exit_json(**result)
