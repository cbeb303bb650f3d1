# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A release train's pure logic: the catalogue's dependencies, the waves, the
train's state read from ledger entries, and its summary.

Nothing here talks to AWS or Ansible, so every rule is unit-tested on plain
data (tests/unit/plugins/module_utils/test_train.py). ``train_io`` reads the
ledger and sends the train's notifications; the modules ``release_train_*``
are thin wrappers around both.

The ledger is the single source of truth of a train's progress: a service's
first entry carrying the train id is its release in the train, a second one
its return to the previous digest (the cascade policy). Services that had
nothing to do (``unchanged``) and dependants that never started (``skipped``)
leave no entry; the play knows them from its own plan.
"""

from __future__ import annotations

import datetime
import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.errors import PreflightError

TRAIN_ID_RE = re.compile(r"^train-\d{8}T\d{6}Z-[0-9a-f]{6}$")
POLICIES = ("leave", "cascade")
# A release in the train that counts as done: its service may be depended on.
DONE = ("succeeded", "repaired")
# Ledger outcomes that stop the train (nothing new starts after one of them).
STOPS = ("rolled_back", "failed", "halted", "refused")


class TrainError(PreflightError):
    """Bad input for a train (the catalogue, -e services=, the policy); raised before any write."""


def new_train_id(now: datetime.datetime | None = None) -> str:
    """``train-<UTC stamp>-<6 hex>``: sortable by time, unique without coordination."""
    stamp = (now or datetime.datetime.now(datetime.UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"train-{stamp}-{secrets.token_hex(3)}"


def parse_services(value: Any) -> list[str]:
    """``-e services=a,b`` (a string, commas or spaces) or a YAML list, in order, without repeats."""
    if value is None:
        return []
    if isinstance(value, str):
        names = [n for n in re.split(r"[,\s]+", value) if n]
    elif isinstance(value, Iterable) and not isinstance(value, Mapping):
        names = []
        for item in value:
            if not isinstance(item, str) or not item.strip():
                raise TrainError(f"-e services= holds {item!r}, not a service name. Fix: -e services=api-gateway,user,event")
            names.append(item.strip())
    else:
        raise TrainError(f"-e services= must be a comma-separated list of names, got {type(value).__name__}. Fix: -e services=api-gateway,user,event")
    seen: list[str] = []
    for name in names:
        if name not in seen:
            seen.append(name)
    return seen


def dependencies(catalogue: Mapping[str, Any]) -> dict[str, list[str]]:
    """Each service's ``depends_on`` from the catalogue, checked: known names, no self-dependency, no cycle."""
    if not isinstance(catalogue, Mapping) or not catalogue:
        raise TrainError("the inventory defines no service catalogue (slipway_services). Fix: add it to inventories/<env>/group_vars/all/services.yml")
    deps: dict[str, list[str]] = {}
    for name, entry in catalogue.items():
        raw = (entry or {}).get("depends_on", []) if isinstance(entry, Mapping) else []
        if raw is None:
            raw = []
        if isinstance(raw, str) or not isinstance(raw, Iterable) or not all(isinstance(d, str) for d in raw):
            raise TrainError(
                f"depends_on of {name} in the service catalogue must be a list of service names, got {raw!r}. "
                f"Fix: depends_on: [user, event] in slipway_services.{name} (inventories/<env>/group_vars/all/services.yml)"
            )
        unknown = [d for d in raw if d not in catalogue]
        if unknown:
            raise TrainError(
                f"{name} depends on {', '.join(repr(u) for u in unknown)}, which the service catalogue does not define "
                f"(known: {', '.join(sorted(catalogue))}). Fix: correct depends_on of {name} in inventories/<env>/group_vars/all/services.yml"
            )
        if name in raw:
            raise TrainError(f"{name} depends on itself. Fix: remove {name} from its own depends_on in the service catalogue")
        deps[name] = list(dict.fromkeys(raw))
    cycle = find_cycle(deps)
    if cycle:
        raise TrainError(
            f"the service catalogue's depends_on has a cycle: {' -> '.join(cycle)}. "
            f"Fix: remove one of these dependencies in inventories/<env>/group_vars/all/services.yml"
        )
    return deps


def find_cycle(deps: Mapping[str, list[str]]) -> list[str] | None:
    """One dependency cycle as a path that ends where it starts (``a -> b -> a``), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for dep in deps.get(node, []):
            if state.get(dep) == 1:
                return [*path[path.index(dep) :], dep]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for name in sorted(deps):
        if name not in state:
            found = visit(name)
            if found:
                return found
    return None


def waves(deps: Mapping[str, list[str]], services: Iterable[str]) -> list[list[str]]:
    """The train's services in waves: a service comes one wave after the latest of its
    dependencies inside the train. Dependencies outside the train are taken as live."""
    members = list(services)
    wave_of: dict[str, int] = {}

    def depth(name: str, seen: tuple[str, ...] = ()) -> int:
        if name in wave_of:
            return wave_of[name]
        if name in seen:  # dependencies() refuses cycles; this guards direct callers
            raise TrainError(f"dependency cycle through {name}")
        inner = [d for d in deps.get(name, []) if d in members]
        wave_of[name] = 1 + max((depth(d, (*seen, name)) for d in inner), default=-1)
        return wave_of[name]

    for name in members:
        depth(name)
    out: list[list[str]] = [[] for wave in range(max(wave_of.values(), default=-1) + 1)]
    for name in members:
        out[wave_of[name]].append(name)
    return [sorted(w) for w in out]


def plan_train(
    catalogue: Mapping[str, Any],
    requested: Any,
    hosts: Iterable[str],
    policy: str = "leave",
    train_id: str | None = None,
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    """Check the train's input and lay it out; TrainError names each problem and its fix.

    ``hosts`` are the service hosts of this run (the play's hosts: the inventory
    group ``services`` after --limit or an AWX slice). ``requested`` is -e
    services= (empty: every service host of this run).
    """
    if policy not in POLICIES:
        raise TrainError(f"release_train_on_failure '{policy}' is not one of {', '.join(POLICIES)}. Fix: -e release_train_on_failure=leave (or cascade)")
    if train_id and not TRAIN_ID_RE.match(train_id):
        raise TrainError(
            f"train id {train_id!r} is not of the form train-YYYYMMDDTHHMMSSZ-xxxxxx. Fix: leave -e train_id= out (one is made) or pass one made earlier"
        )
    deps = dependencies(catalogue)
    run_hosts = list(hosts)
    strangers = [h for h in run_hosts if h not in catalogue]
    if strangers:
        raise TrainError(
            f"inventory host(s) {', '.join(strangers)} in group services are not in the service catalogue. "
            f"Fix: name each host of group services after a key of slipway_services ({', '.join(sorted(catalogue))})"
        )
    names = parse_services(requested)
    unknown = [n for n in names if n not in catalogue]
    if unknown:
        raise TrainError(
            f"unknown service{'s' if len(unknown) > 1 else ''} {', '.join(repr(u) for u in unknown)} in -e services=. "
            f"Known services: {', '.join(sorted(catalogue))}. Fix: -e services=<some of them, comma-separated> (or leave it out for all)"
        )
    train = names or [h for h in catalogue if h in run_hosts]
    in_run = [n for n in train if n in run_hosts]
    if not in_run:
        raise TrainError(
            f"no service of the train ({', '.join(train) or 'none'}) is a host of this run ({', '.join(run_hosts) or 'none'}). "
            "Fix: widen --limit, or add the services to group services in the inventory"
        )
    layout = waves(deps, train)
    wave_of = {name: i + 1 for i, wave in enumerate(layout) for name in wave}
    inner = {name: [d for d in deps[name] if d in train] for name in train}
    dependants = {name: sorted(n for n in train if name in inner[n]) for name in train}
    ordered = [name for wave in layout for name in wave]
    return {
        "train_id": train_id or new_train_id(now),
        "services": ordered,
        "in_run": [n for n in ordered if n in in_run],
        "outside_run": [n for n in ordered if n not in in_run],
        "waves": layout,
        "wave_of": wave_of,
        "depends_on": inner,
        "dependants": dependants,
        "external_dependencies": {name: [d for d in deps[name] if d not in train] for name in ordered if any(d not in train for d in deps[name])},
        "policy": policy,
    }


# ----------------------------------------------------------------- the train's state
def train_entries(entries: Iterable[Mapping[str, Any]], train_id: str) -> list[dict[str, Any]]:
    """A service's ledger entries that carry ``train_id``, oldest first."""
    mine = [dict(e) for e in entries if e.get("train_id") == train_id]
    return sorted(mine, key=lambda e: (e.get("started_at", ""), e.get("finished_at", ""), e.get("release_id", "")))


def service_state(entries: Iterable[Mapping[str, Any]], train_id: str) -> dict[str, Any]:
    """What the ledger says of one service in the train: its release, then its cascade return (or None)."""
    mine = train_entries(entries, train_id)
    return {"release": mine[0] if mine else None, "cascade": mine[1] if len(mine) > 1 else None}


BRIEF = ("release_id", "outcome", "image_tag", "image_digest", "started_at", "finished_at", "message", "previous_task_definition", "task_definition")


def brief(states: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The states with each entry cut to what a reader of the train needs (no gate evidence)."""
    return {name: {kind: ({k: entry.get(k) for k in BRIEF} if entry else None) for kind, entry in state.items()} for name, state in states.items()}


def stopped_by(states: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, str]]:
    """(service, outcome) of each train member whose release stopped the train."""
    out = []
    for name in sorted(states):
        release = states[name].get("release")
        if release and release.get("outcome") in STOPS:
            out.append((name, release["outcome"]))
    return out


def wait_verdict(service: str, depends_on: Iterable[str], unchanged: Iterable[str], states: Mapping[str, Mapping[str, Any]]) -> tuple[str, str]:
    """Whether ``service`` may start now: ``("ready"|"wait"|"blocked", reason)``.

    Blocked: a dependency ended without success (its dependants never start), or
    any other member stopped the train (nothing new starts after a failure).
    A dependency with nothing to do (``unchanged`` in the plan) is satisfied.
    """
    unchanged = set(unchanged)
    waiting: list[str] = []
    for dep in depends_on:
        if dep in unchanged:
            continue
        release = (states.get(dep) or {}).get("release")
        if release is None:
            waiting.append(dep)
        elif release.get("outcome") not in DONE:
            return "blocked", f"dependency {dep} ended {release.get('outcome')} (release {release.get('release_id')})"
    stops = [(n, o) for n, o in stopped_by(states) if n != service]
    if stops:
        return "blocked", "the train stopped: " + ", ".join(f"{n} {o.replace('_', ' ')}" for n, o in stops)
    if waiting:
        return "wait", f"waiting for {', '.join(waiting)}"
    return "ready", "every dependency is live" if list(depends_on) else "no dependency in the train"


def cascade_targets(order: Iterable[str], states: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Services to return to their previous digest, dependants first: released in the train and not returned yet."""
    targets = []
    for name in order:
        state = states.get(name) or {}
        release = state.get("release")
        if release and release.get("outcome") in DONE and state.get("cascade") is None:
            targets.append(name)
    return list(reversed(targets))


def image_digest_of(image: str) -> str | None:
    """The digest an image reference pins (``repo@sha256:…``), or None for a tag."""
    name, at, digest = image.rpartition("@")
    return digest if name and at and digest.startswith("sha256:") else None


# ----------------------------------------------------------------- the summary
def service_outcome(name: str, plan: Mapping[str, Any], state: Mapping[str, Any], host: Mapping[str, Any]) -> str:
    """One word per service: released, unchanged, rolled_back, failed, halted, refused, skipped,
    returned (cascade: back on its previous digest), return_failed, not_in_run; while the
    train is being planned, planned; pending when nothing is known (a host that stopped early)."""
    release, cascade = state.get("release"), state.get("cascade")
    if host.get("outcome") == "return_failed" and (cascade is None or cascade.get("outcome") in DONE):
        return "return_failed"  # the return was refused before it wrote an entry
    if cascade is not None:
        return "returned" if cascade.get("outcome") in DONE else "return_failed"
    if release is not None:
        return {"succeeded": "released", "repaired": "released"}.get(release.get("outcome", ""), release.get("outcome", "failed"))
    if name in plan.get("outside_run", []):
        return "not_in_run"
    outcome = host.get("outcome")
    if outcome in ("planned", "unchanged", "skipped", "refused", "failed"):
        return outcome
    return "pending"


def summarise(
    plan: Mapping[str, Any],
    states: Mapping[str, Mapping[str, Any]],
    hosts: Mapping[str, Mapping[str, Any]],
    started_at: str = "",
    finished_at: str = "",
) -> dict[str, Any]:
    """The train's summary: one row per service in wave order and the train's outcome."""
    rows = []
    for name in plan["services"]:
        state = states.get(name) or {}
        host = hosts.get(name) or {}
        release, cascade = state.get("release") or {}, state.get("cascade") or {}
        rows.append(
            {
                "service": name,
                "wave": plan["wave_of"][name],
                "depends_on": plan["depends_on"].get(name, []),
                "outcome": service_outcome(name, plan, state, host),
                "image_tag": release.get("image_tag") or host.get("image_tag"),
                "image_digest": release.get("image_digest") or host.get("image_digest"),
                "release_id": release.get("release_id"),
                "started_at": release.get("started_at"),
                "finished_at": release.get("finished_at"),
                "message": release.get("message") or host.get("message") or "",
                "returned_to": cascade.get("image_digest"),
                "cascade_release_id": cascade.get("release_id"),
            }
        )
    outcomes = [r["outcome"] for r in rows]
    bad = [o for o in outcomes if o in ("rolled_back", "failed", "halted", "refused", "return_failed", "skipped", "pending")]
    if "planned" in outcomes and not bad:
        outcome = "planned"
    elif not bad:
        outcome = "unchanged" if all(o in ("unchanged", "not_in_run") for o in outcomes) else "succeeded"
    elif plan.get("policy") == "cascade" and "return_failed" not in outcomes and "pending" not in outcomes:
        outcome = "rolled_back"
    else:
        outcome = "failed"
    return {
        "train_id": plan["train_id"],
        "policy": plan.get("policy"),
        "outcome": outcome,
        "started_at": started_at,
        "finished_at": finished_at,
        "waves": plan["waves"],
        "services": rows,
        "counts": {o: outcomes.count(o) for o in sorted(set(outcomes))},
    }


def render_table(summary: Mapping[str, Any]) -> list[str]:
    """The summary as aligned text lines (the play prints them)."""
    head = ["wave", "service", "outcome", "image", "release", "started", "finished", "note"]
    body = []
    for r in summary["services"]:
        image = r.get("image_tag") or "-"
        if r.get("returned_to"):
            image += f" -> {r['returned_to'][:19]}"
        note = r.get("message") or ""
        body.append(
            [
                str(r["wave"]),
                r["service"],
                r["outcome"],
                image,
                r.get("release_id") or "-",
                (r.get("started_at") or "-")[11:19] or "-",
                (r.get("finished_at") or "-")[11:19] or "-",
                note if len(note) <= 90 else note[:87] + "...",
            ]
        )
    widths = [max(len(h), *(len(row[i]) for row in body)) if body else len(h) for i, h in enumerate(head)]
    lines = [f"train {summary['train_id']} ({summary.get('policy')}): {summary['outcome'].upper().replace('_', ' ')}"]
    lines.append("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip())
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in body]
    return lines
