# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for release reports."""

from __future__ import annotations


def gate_line(gate: dict) -> str:
    """One line per gate result: ``metrics (step 1): FAIL — 5xx rate 50.0% > limit 1.0%``."""
    step = gate.get("step")
    where = f" (step {step})" if step is not None else ""
    return f"{gate.get('gate', '?')}{where}: {gate.get('status', '?')} — {gate.get('summary', '')}"


class FilterModule:
    def filters(self) -> dict:
        return {"gate_line": gate_line}
