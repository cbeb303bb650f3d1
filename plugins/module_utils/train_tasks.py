# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The four release-train tasks (plan, wait, status, record) as plain functions
of their validated parameters: ``run_<task>(params, check_mode) -> result``.

Each module (``plugins/modules/release_train_*.py``) and its action plugin
(``plugins/action/release_train_*.py``) call the same function. The action
plugin runs it in the playbook's worker, without a module's start-up (the
AnsiballZ payload, a fresh interpreter, boto3's import), which sits on the
train's critical path several times. A result with ``failed`` is a failure;
its ``msg`` names the problem and the fix.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Mapping
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils import train
from ansible_collections.slipway.aws.plugins.module_utils.actor import find_actor
from ansible_collections.slipway.aws.plugins.module_utils.aws import Aws, argument_spec
from ansible_collections.slipway.aws.plugins.module_utils.errors import SlipwayError
from ansible_collections.slipway.aws.plugins.module_utils.train_io import TrainNotifier, previous_digest, read_states, record_refusal, wait_for, write_summary

PLAN_SPEC: dict[str, Any] = {
    "catalogue": {"type": "dict", "required": True},
    "services": {"type": "raw"},
    "hosts": {"type": "list", "elements": "str", "required": True},
    "policy": {"type": "str", "default": "leave"},
    "train_id": {"type": "str"},
}

WAIT_SPEC: dict[str, Any] = argument_spec(
    service={"type": "str", "required": True},
    train_id={"type": "str", "required": True},
    table={"type": "str", "required": True},
    depends_on={"type": "list", "elements": "str", "default": []},
    members={"type": "list", "elements": "str", "required": True},
    unchanged={"type": "list", "elements": "str", "default": []},
    timeout={"type": "float", "default": 3600.0},
    poll_interval={"type": "float", "default": 5.0},
)

STATUS_SPEC: dict[str, Any] = argument_spec(
    train_id={"type": "str", "required": True},
    table={"type": "str", "required": True},
    plan={"type": "dict", "required": True},
    hosts={"type": "dict", "default": {}},
    previous={"type": "bool", "default": False},
    repositories={"type": "dict", "default": {}},
    environment={"type": "str", "default": ""},
    started_at={"type": "str", "default": ""},
    summary_dir={"type": "path"},
    notify={"type": "str", "choices": ["", "started", "finished"], "default": ""},
    slack_secret_id={"type": "str", "no_log": False},
    sns_topic_arn={"type": "str"},
)

RECORD_SPEC: dict[str, Any] = argument_spec(
    service={"type": "str", "required": True},
    train_id={"type": "str", "required": True},
    table={"type": "str", "required": True},
    release_id={"type": "str"},
    reason={"type": "str", "required": True},
    environment={"type": "str", "default": ""},
    actor={"type": "str", "default": ""},
)


def _failed(msg: str, **extra: Any) -> dict[str, Any]:
    return {"failed": True, "changed": False, "msg": msg, **extra}


def run_plan(p: Mapping[str, Any], check_mode: bool = False) -> dict[str, Any]:
    """Lay out the train (no AWS call)."""
    try:
        plan = train.plan_train(p["catalogue"], p["services"], p["hosts"], policy=p["policy"], train_id=p["train_id"] or None)
    except train.TrainError as exc:
        return _failed(str(exc))
    return {"changed": False, **plan}


def run_wait(p: Mapping[str, Any], check_mode: bool = False) -> dict[str, Any]:
    """Wait until the service's dependencies in the train are live, or it is blocked (then skipped)."""
    if p["poll_interval"] <= 0 or p["timeout"] < 0:
        return _failed("poll_interval must be > 0 and timeout >= 0. Fix: release_train_wait_timeout_seconds / service_release_poll_interval")
    try:
        aws = Aws.from_params(p)
        verdict, reason, states, waited = wait_for(
            lambda: read_states(aws, p["table"], p["members"], p["train_id"]),
            p["service"],
            p["depends_on"],
            p["unchanged"],
            p["timeout"],
            p["poll_interval"],
        )
    except SlipwayError as exc:
        return _failed(str(exc), verdict="error", reason=str(exc), waited=0.0)
    result = {"changed": False, "verdict": verdict, "reason": reason, "waited": round(waited, 2), "states": train.brief(states)}
    if verdict == "blocked":
        # Skipped, not failed and not ok: the service never started.
        return {**result, "skipped": True, "msg": f"{p['service']} not started: {reason}"}
    return {**result, "msg": f"{p['service']} may start: {reason}"}


def run_status(p: Mapping[str, Any], check_mode: bool = False) -> dict[str, Any]:
    """Read the train back from the ledger and summarise it (see the module's documentation)."""
    plan = p["plan"]
    missing = [k for k in ("train_id", "services", "waves", "wave_of", "depends_on") if k not in plan]
    if missing:
        return _failed(f"plan lacks {', '.join(missing)}: pass what slipway.aws.release_train_plan returned")
    try:
        aws = Aws.from_params(p)
        states = read_states(aws, p["table"], plan["services"], p["train_id"])
        cascade = []
        if p["previous"]:
            for name in train.cascade_targets(plan["services"], states):
                digest, how = previous_digest(aws, states[name]["release"], p["repositories"].get(name))
                cascade.append({"service": name, "previous_digest": digest, "how": how, "release_id": states[name]["release"].get("release_id")})
        finished = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        summary = train.summarise({**plan, "train_id": p["train_id"]}, states, p["hosts"], started_at=p["started_at"], finished_at=finished)
        summary["environment"] = p["environment"]
        final = not (cascade and plan.get("policy") == "cascade" and train.stopped_by(states))
        summary_file = None
        notifications: dict[str, list[str]] = {"sent": [], "problems": []}
        if final and p["notify"] and not check_mode:
            notifier = TrainNotifier(aws, p["slack_secret_id"] or None, p["sns_topic_arn"] or None)
            notifier.send_train(p["notify"], summary)
            notifications = {"sent": notifier.sent, "problems": notifier.problems}
            summary["notifications"] = notifications
        if final and p["summary_dir"] and not check_mode:
            summary_file = write_summary(p["summary_dir"], summary)
            summary["summary_file"] = summary_file
    except SlipwayError as exc:
        return _failed(str(exc))
    return {
        "changed": False,
        "summary": summary,
        "table": train.render_table(summary),
        "states": train.brief(states),
        "cascade": cascade,
        "summary_file": summary_file,
        "final": final,
        "notifications": notifications,
    }


def run_record(p: Mapping[str, Any], check_mode: bool = False) -> dict[str, Any]:
    """Append a C(refused) entry under the train for a service whose release wrote none."""
    stamp = datetime.datetime.now(datetime.UTC)
    now = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    entry = {
        "release_id": p["release_id"] or stamp.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3),
        "service": p["service"],
        "environment": p["environment"],
        "who": p["actor"] or find_actor(),
        "started_at": now,
        "finished_at": now,
        "outcome": "refused",
        "message": p["reason"],
        "train_id": p["train_id"],
    }
    try:
        aws = Aws.from_params(p)
        existing = read_states(aws, p["table"], [p["service"]], p["train_id"])[p["service"]]["release"]
        if existing is not None:
            return {"changed": False, "entry": existing, "msg": f"{p['service']} already has its entry under {p['train_id']}: {existing.get('outcome')}"}
        if check_mode:
            return {"changed": True, "entry": entry}
        record_refusal(aws, p["table"], entry)
    except SlipwayError as exc:
        return _failed(str(exc))
    return {"changed": True, "entry": entry}
