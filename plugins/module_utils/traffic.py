# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Traffic planner: the weight schedule of a strategy, and the colour model."""

from __future__ import annotations

from typing import Any

STRATEGIES = ("all_at_once", "canary", "linear")
COLOURS = ("blue", "green")


def other(colour: str) -> str:
    return "green" if colour == "blue" else "blue"


def schedule(strategy: str, canary_percent: int = 10, linear_step_percent: int = 25) -> list[int]:
    """Percent of production traffic on the new colour after each step."""
    if strategy == "all_at_once":
        return [100]
    if strategy == "canary":
        if not 1 <= canary_percent <= 99:
            raise ValueError(f"canary_percent must be 1..99, got {canary_percent}")
        return [canary_percent, 100]
    if strategy == "linear":
        if not 1 <= linear_step_percent <= 99:
            raise ValueError(f"linear_step_percent must be 1..99, got {linear_step_percent}")
        steps = list(range(linear_step_percent, 100, linear_step_percent))
        return [*steps, 100]
    raise ValueError(f"unknown strategy '{strategy}': use one of {', '.join(STRATEGIES)}")


def weights_for(new_colour: str, new_percent: int) -> dict[str, int]:
    return {new_colour: new_percent, other(new_colour): 100 - new_percent}


def forward_weights(actions: list[dict[str, Any]], arn_to_colour: dict[str, str]) -> dict[str, int]:
    """Read the blue/green weights out of a listener rule's actions."""
    weights = {c: 0 for c in COLOURS}
    for action in actions:
        if action.get("Type") != "forward":
            continue
        groups = (action.get("ForwardConfig") or {}).get("TargetGroups")
        if not groups and action.get("TargetGroupArn"):
            groups = [{"TargetGroupArn": action["TargetGroupArn"], "Weight": 1}]
        total = sum(int(g.get("Weight", 1)) for g in groups or []) or 1
        for g in groups or []:
            colour = arn_to_colour.get(g["TargetGroupArn"])
            if colour:
                weights[colour] = round(100 * int(g.get("Weight", 1)) / total)
    return weights


def live_colour(weights: dict[str, int]) -> str | None:
    """The colour taking all production traffic, or None if traffic is split."""
    for colour in COLOURS:
        if weights.get(colour) == 100:
            return colour
    return None


def describe(weights: dict[str, int]) -> str:
    """``blue 90% / green 10%``: a rule's weights as the output and the evidence say them."""
    return " / ".join(f"{c} {int(weights.get(c, 0))}%" for c in COLOURS)
