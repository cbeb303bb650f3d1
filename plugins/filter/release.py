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


def train_plan_row(result: dict) -> dict:
    """What a release train keeps of one service's release planned in check mode (slipway.aws.ecs_release's result):
    ``planned`` or ``unchanged``, the image, the strategy and steps, the live task definition and the message."""
    plan = result.get("plan") or {}
    return {
        "outcome": "unchanged" if result.get("outcome") == "unchanged" else "planned",
        "image_tag": result.get("image_tag", ""),
        "image_digest": result.get("image_digest", ""),
        "strategy": plan.get("strategy", ""),
        "steps": plan.get("steps", []),
        "live_task_definition": plan.get("live_task_definition", ""),
        "message": result.get("msg", ""),
    }


def train_host_note(hostvars: dict) -> dict:
    """What a later play of a release train noted on one service's host, to combine over its plan row: the host's
    own ``release_train_host`` (a failure, a failed return), else a skip when the dependency wait blocked it
    (``release_train_wait`` registered with verdict ``blocked``), else nothing."""
    note = hostvars.get("release_train_host")
    if note:
        return dict(note)
    wait = hostvars.get("release_train_wait") or {}
    if wait.get("verdict") == "blocked":
        return {"outcome": "skipped", "message": wait.get("reason", "")}
    return {}


class FilterModule:
    def filters(self) -> dict:
        return {"gate_line": gate_line, "train_plan_row": train_plan_row, "train_host_note": train_host_note}
