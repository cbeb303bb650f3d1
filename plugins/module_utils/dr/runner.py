# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The core of slipway.aws.dr_runbook (module and action plugin): the options, one run of the chosen runbook."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.actor import find_actor
from ansible_collections.slipway.aws.plugins.module_utils.aws import AWS_ARGUMENT_SPEC, AWS_MUTUALLY_EXCLUSIVE, Aws, argument_spec
from ansible_collections.slipway.aws.plugins.module_utils.dr import core, pitr, rebuild, replica, restore_test, s3_replication, snapshot
from ansible_collections.slipway.aws.plugins.module_utils.errors import SlipwayError

# Every runbook, by name: one line per runbook module (each module's RUNBOOKS maps names to Runbook classes).
RUNBOOKS: dict[str, type[core.Runbook]] = {}
RUNBOOKS.update(pitr.RUNBOOKS)
RUNBOOKS.update(s3_replication.RUNBOOKS)
RUNBOOKS.update(snapshot.RUNBOOKS)
RUNBOOKS.update(replica.RUNBOOKS)
RUNBOOKS.update(restore_test.RUNBOOKS)
RUNBOOKS.update(rebuild.RUNBOOKS)
MUTUALLY_EXCLUSIVE = AWS_MUTUALLY_EXCLUSIVE
SPEC: dict[str, Any] = argument_spec(
    runbook={"type": "str", "required": True},
    parameters={"type": "dict", "default": {}},
    confirm={"type": "str"},
    resume={"type": "bool", "default": False},
    run_id={"type": "str"},
    targets={"type": "dict", "default": {}},
    reports_dir={"type": "path", "required": True},
    declared_at={"type": "str"},
    actor={"type": "str"},
    prices={"type": "dict", "default": {}},
)


def check_parameters(runbook: str, given: dict[str, Any]) -> dict[str, Any]:
    """The runbook's parameters with their defaults; unknown ones and missing required ones are errors."""
    if runbook not in RUNBOOKS:
        raise core.RunbookError("BadInput", f"no runbook {runbook!r}; the runbooks: {', '.join(sorted(RUNBOOKS))}")
    spec = RUNBOOKS[runbook].params_spec
    unknown = sorted(set(given) - set(spec))
    if unknown:
        raise core.RunbookError("BadInput", f"unknown parameter(s) of {runbook}: {', '.join(unknown)} (known: {', '.join(sorted(spec))})")
    out: dict[str, Any] = {}
    for name, rule in spec.items():
        value = given.get(name)
        if value is None or value == "":
            if rule.get("required"):
                raise core.RunbookError("BadInput", f"{runbook} needs the parameter {name}")
            value = rule.get("default")
        elif rule["type"] == "bool" and not isinstance(value, bool):
            value = str(value).lower() in ("1", "true", "yes", "on")
        elif rule["type"] == "int":
            value = int(value)
        elif rule["type"] == "float":
            value = float(value)
        elif rule["type"] == "list" and isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        elif rule["type"] == "dict" and not isinstance(value, dict):
            raise core.RunbookError("BadInput", f"{runbook}'s parameter {name} must be a mapping, got {type(value).__name__}")
        out[name] = value
    return out


def run(p: dict[str, Any], check_mode: bool, emit: Callable[[str], None]) -> dict[str, Any]:
    try:
        params = check_parameters(p["runbook"], p.get("parameters") or {})
        runbook = RUNBOOKS[p["runbook"]](params)
        runbook.connection = {k: p[k] for k in AWS_ARGUMENT_SPEC if p.get(k) is not None}
        aws = Aws.from_params(p)
        opts = core.Options(
            reports_dir=p["reports_dir"],
            run_id=p.get("run_id") or None,
            resume=bool(p.get("resume")),
            confirm=p.get("confirm"),
            targets={k: float(v) for k, v in (p.get("targets") or {}).items() if v is not None},
            actor=p.get("actor") or find_actor(),
            declared_at=p.get("declared_at"),
            prices=dict(p.get("prices") or {}),
        )
        return core.execute(runbook, aws, opts, check_mode, emit)
    except core.RunbookError as exc:
        return {"failed": True, "changed": False, "error": exc.kind, "msg": str(exc)}
    except SlipwayError as exc:
        return {"failed": True, "changed": False, "error": type(exc).__name__, "msg": str(exc)}
