# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The evidence report of a runbook run: JSON for machines, Markdown for people, written side by side."""

from __future__ import annotations

import json
import os
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.dr.core import Context, RtoClock, iso, utcnow


def build(ctx: Context, result: dict[str, Any], status: str, clock: RtoClock, targets: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    state = ctx.state.data
    rto = clock.as_dict(ctx.runbook.rto_parts)
    rpo = extra.pop("rpo", None)
    failed: list[str] = []
    rto_target = targets.get("rto_seconds")
    rto_met = None
    if rto_target is not None and rto["achieved_seconds"] is not None and status == "succeeded":
        rto_met = rto["achieved_seconds"] <= float(rto_target)
        if not rto_met:
            failed.append(f"RTO {rto['achieved_seconds']}s > target {rto_target}s")
    rpo_target = targets.get("rpo_seconds")
    rpo_met = None
    if rpo_target is not None and rpo and rpo.get("measured_seconds") is not None:
        rpo_met = rpo["measured_seconds"] <= float(rpo_target)
        if not rpo_met:
            failed.append(f"RPO {rpo['measured_seconds']}s > target {rpo_target}s")
    return {
        "run_id": state["run_id"],
        "runbook": ctx.runbook.name,
        "title": ctx.runbook.title,
        "status": status,
        "error": result.get("error"),
        "message": result.get("msg"),
        "actor": state.get("actor"),
        "declared_at": state["declared_at"],
        "finished_at": iso(utcnow()),
        "params": state.get("params"),
        "inputs": state.get("inputs"),
        "preflight": result.get("preflight", []),
        "steps": [{"step": name, **{k: v for k, v in done.items() if k != "pending_outputs"}} for name, done in ctx.state.completed.items()],
        "failures": state.get("failures", []),
        "rto": {**rto, "target_seconds": rto_target, "met": rto_met},
        "rpo": {**(rpo or {}), "target_seconds": rpo_target, "met": rpo_met},
        "targets_failed": failed,
        "aws_calls": ctx.aws.counter.as_dict(),
        "drill": state.get("drill"),
        "swept": [r for sweep in state.get("sweeps", []) for r in sweep.get("swept", [])],
        **extra,
    }


def write(reports_dir: str, evidence: dict[str, Any]) -> dict[str, str]:
    os.makedirs(reports_dir, exist_ok=True)
    base = os.path.join(reports_dir, evidence["run_id"])
    with open(base + ".json", "w", encoding="utf-8") as handle:
        json.dump(evidence, handle, indent=2, default=str)
        handle.write("\n")
    with open(base + ".md", "w", encoding="utf-8") as handle:
        handle.write(markdown(evidence))
    return {"json": base + ".json", "markdown": base + ".md"}


def _cell(value: Any) -> str:
    text = json.dumps(value, default=str, sort_keys=True) if isinstance(value, (dict, list)) else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(ev: dict[str, Any]) -> str:
    rto, rpo = ev["rto"], ev["rpo"]
    lines = [
        f"# {ev['title']}: {ev['status']}",
        "",
        f"- run: `{ev['run_id']}` ({ev['runbook']})",
        f"- declared at {ev['declared_at']} by {ev['actor']}; report written {ev['finished_at']}",
        f"- parameters: `{_cell(ev['params'])}`",
    ]
    if ev.get("message"):
        lines.append(f"- outcome: {ev['message']}")
    lines += [
        "",
        "## Objectives",
        "",
        "| objective | achieved | target | met |",
        "|---|---|---|---|",
        f"| RTO (s) | {rto.get('achieved_seconds')} | {rto.get('target_seconds')} | {rto.get('met')} |",
        f"| RPO (s) | {rpo.get('measured_seconds')} | {rpo.get('target_seconds')} | {rpo.get('met')} |",
        "",
        "RTO parts (seconds from the declaration):",
        "",
        "| part | at | seconds |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | {part['at']} | {part['seconds']} |" for name, part in rto["parts"].items()]
    if rpo.get("evidence"):
        lines += ["", f"RPO evidence: {rpo['evidence']}"]
    lines += ["", "## Preflight", "", "| check | status | evidence |", "|---|---|---|"]
    lines += [f"| {c['name']} | {c['status']} | {_cell(c['evidence'])} |" for c in ev["preflight"]]
    lines += ["", "## Steps (read back after each)", "", "| step | completed at | seconds | read-back evidence |", "|---|---|---|---|"]
    lines += [f"| {s['step']} | {s.get('at')} | {s.get('seconds')} | {_cell(s.get('evidence', {}))} |" for s in ev["steps"]]
    if ev["failures"]:
        lines += ["", "## Failures", "", "| step | at | error |", "|---|---|---|"]
        lines += [f"| {f['step']} | {f['at']} | {_cell(f['error'])} |" for f in ev["failures"]]
    if "differences" in ev:
        lines += ["", "## Settings compared with the source", ""]
        if ev["differences"]:
            lines += ["| setting | source | restored | accepted |", "|---|---|---|---|"]
            lines += [f"| {d['setting']} | {_cell(d['source'])} | {_cell(d['restored'])} | {d['accepted']} |" for d in ev["differences"]]
        else:
            lines.append("No difference.")
    if ev.get("verified"):
        lines += ["", "## Verified", ""] + [f"- {v}" for v in ev["verified"]]
    drill = ev.get("drill")
    if drill:
        cost = drill.get("cost") or {}
        lines += ["", "## Drill resources", "", "| resource | kind | Region | removed at | note |", "|---|---|---|---|---|"]
        lines += [f"| {r['id']} | {r['kind']} | {r.get('region')} | {r.get('removed_at') or '-'} | {r.get('note', '')} |" for r in drill.get("removed", [])]
        lines += [f"| {r.get('id')} | {r.get('kind')} | {r.get('region')} | LEFT | {_cell(r.get('error'))} |" for r in drill.get("left", [])]
        lines += ["", f"Drill cost at list prices: {cost.get('total')} {cost.get('currency')}"]
        for item in cost.get("items", []):
            amount = f"{item['instance_hours']} instance-hours" if "instance_hours" in item else f"{item.get('gb_months')} GB-months"
            lines.append(f"- {item['resource']}: {amount}, {item['usd']} USD")
        lines += [f"- {n}" for n in cost.get("notes", [])]
    if ev.get("swept"):
        lines += ["", "## Swept (left behind by earlier drills)", ""]
        lines += [f"- {r['kind']} {r['id']} ({r.get('region')}) of run {r.get('run_id')}: {r.get('why')}" for r in ev["swept"]]
    lines += ["", f"AWS calls: `{_cell(ev['aws_calls'])}`", ""]
    return "\n".join(lines)
