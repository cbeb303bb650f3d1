# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Task-definition planner: render, normalise and diff (pure functions).

ECS echoes a registered task definition back with read-only fields, defaults
filled in and lists in its own order. Comparing that raw echo with what we
would register makes every release look like a change (a new revision per run,
the complaint against ecs-deploy and ecspresso). We compare normalised forms.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from typing import Any

# The keys RegisterTaskDefinition accepts; everything else ECS returns is read-only.
REGISTER_KEYS = (
    "family",
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "containerDefinitions",
    "volumes",
    "placementConstraints",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "pidMode",
    "ipcMode",
    "proxyConfiguration",
    "inferenceAccelerators",
    "ephemeralStorage",
    "runtimePlatform",
)

# Container fields whose value ECS fills in when omitted: equal to the default
# means "not set".
_CONTAINER_DEFAULTS: dict[str, Any] = {"cpu": 0, "essential": True}
_SORT_BY_NAME = ("environment", "secrets", "mountPoints", "volumesFrom", "ulimits", "dependsOn")

IMAGE_TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")


def _prune(value: Any) -> Any:
    """Drop None, empty lists and empty dicts, recursively."""
    if isinstance(value, dict):
        out = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, [], {})}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def _sort_key(item: Any) -> str:
    if isinstance(item, dict):
        for key in ("name", "containerName", "sourceVolume", "sourceContainer", "containerPath"):
            if key in item:
                return str(item[key])
    return json.dumps(item, sort_keys=True)


def _normalise_container(container: dict[str, Any], network_mode: str | None) -> dict[str, Any]:
    c = copy.deepcopy(container)
    for key, default in _CONTAINER_DEFAULTS.items():
        if c.get(key) == default:
            c.pop(key)
    for key in _SORT_BY_NAME:
        if isinstance(c.get(key), list):
            c[key] = sorted(c[key], key=_sort_key)
    ports = []
    for pm in c.get("portMappings") or []:
        pm = dict(pm)
        pm.setdefault("protocol", "tcp")
        if network_mode == "awsvpc" and pm.get("hostPort") == pm.get("containerPort"):
            pm.pop("hostPort", None)
        ports.append(pm)
    if ports:
        c["portMappings"] = sorted(ports, key=lambda p: (p.get("containerPort", 0), p.get("protocol")))
    return c


def normalise(taskdef: dict[str, Any]) -> dict[str, Any]:
    """The comparable form of a task definition (live echo or our render)."""
    td = {k: copy.deepcopy(taskdef[k]) for k in REGISTER_KEYS if k in taskdef}
    network_mode = td.get("networkMode")
    for key in ("cpu", "memory"):
        if key in td and td[key] is not None:
            td[key] = str(td[key])
    td["containerDefinitions"] = sorted(
        (_normalise_container(c, network_mode) for c in td.get("containerDefinitions", [])),
        key=lambda c: c.get("name", ""),
    )
    if isinstance(td.get("requiresCompatibilities"), list):
        td["requiresCompatibilities"] = sorted(td["requiresCompatibilities"])
    return _prune(td)


def render(
    live: dict[str, Any],
    container_name: str,
    image: str,
    cpu: int | None = None,
    memory: int | None = None,
) -> dict[str, Any]:
    """The definition to release: the live one with the pinned image and sizing."""
    td = {k: copy.deepcopy(live[k]) for k in REGISTER_KEYS if k in live}
    found = False
    for c in td.get("containerDefinitions", []):
        if c.get("name") == container_name:
            c["image"] = image
            found = True
    if not found:
        names = ", ".join(c.get("name", "?") for c in td.get("containerDefinitions", []))
        raise ValueError(f"task definition {live.get('family')} has no container '{container_name}' (it has: {names})")
    if cpu is not None:
        td["cpu"] = str(cpu)
    if memory is not None:
        td["memory"] = str(memory)
    return td


def validate(td: dict[str, Any]) -> list[str]:
    """Problems that would make RegisterTaskDefinition or a Fargate launch fail."""
    problems = []
    if not td.get("family"):
        problems.append("family is empty")
    containers = td.get("containerDefinitions") or []
    if not containers:
        problems.append("no container definitions")
    if "FARGATE" in (td.get("requiresCompatibilities") or []):
        if td.get("networkMode") != "awsvpc":
            problems.append("Fargate requires networkMode awsvpc")
        if not td.get("cpu") or not td.get("memory"):
            problems.append("Fargate requires task-level cpu and memory")
    for c in containers:
        name = c.get("name") or "?"
        if not c.get("image"):
            problems.append(f"container {name}: no image")
        if not c.get("memory") and not c.get("memoryReservation") and not td.get("memory"):
            problems.append(f"container {name}: no memory limit")
    if not any(c.get("essential", True) for c in containers):
        problems.append("no essential container")
    return problems


def diff(old: dict[str, Any] | None, new: dict[str, Any], old_name: str = "live", new_name: str = "release") -> str:
    """Unified diff of the normalised JSON forms; empty when equal."""
    a = json.dumps(normalise(old), indent=2, sort_keys=True).splitlines() if old else []
    b = json.dumps(normalise(new), indent=2, sort_keys=True).splitlines()
    return "\n".join(difflib.unified_diff(a, b, old_name, new_name, lineterm=""))


def same(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    return a is not None and b is not None and normalise(a) == normalise(b)


def container_image(td: dict[str, Any], container_name: str) -> str | None:
    for c in td.get("containerDefinitions", []):
        if c.get("name") == container_name:
            return c.get("image")
    return None
