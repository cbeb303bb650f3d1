"""Apply, then plan again: the local foundation converges on the emulator."""

from __future__ import annotations

from .conftest import Applied, tf


def test_plan_after_apply_is_empty(applied_local: Applied) -> None:
    proc = tf(applied_local.root, "plan", "-detailed-exitcode", "-input=false", "-no-color", "-lock-timeout=60s", env=applied_local.env, timeout=600)
    # -detailed-exitcode: 0 = no changes, 1 = error, 2 = changes present.
    assert proc.returncode == 0, (
        f"plan after apply is not empty (exit {proc.returncode}); every diff below is a resource "
        f"that does not converge (see docs/terraform-local.md for the emulator quirks handled so far):\n{proc.stdout}\n{proc.stderr}"
    )
