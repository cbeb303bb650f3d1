# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan: everything a release will do, computed by a preflight that writes nothing."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils import taskdef, traffic
from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError, PreflightError
from ansible_collections.slipway.aws.plugins.module_utils.ledger import Lease
from ansible_collections.slipway.aws.plugins.module_utils.release.adapter import ReleaseAdapter
from ansible_collections.slipway.aws.plugins.module_utils.release.config import ReleaseConfig

# How far back the ledger is searched for a revision to reuse (release_history's default).
_LEDGER_DEPTH = 50


@dataclass
class Plan:
    service: str
    image_tag: str
    image_digest: str
    image: str  # repository URL @ digest, as pinned in the task definition
    from_colour: str  # live now; keeps production traffic until the new colour passed every gate
    to_colour: str
    weights: dict[str, int]  # production weights found
    steps: list[int]  # percent of production traffic on to_colour after each step
    strategy: str
    desired_count: int
    live_task_definition: str
    reuse_task_definition: str | None  # an existing revision equal to ``rendered``; None: register one
    rendered: dict[str, Any]  # the task definition to release (not part of the result: it repeats ``diff``)
    diff: str
    no_change: bool  # the image is live, traffic is whole, nothing to repair: touch nothing
    repair: dict[str, Any] | None  # the abandoned release to repair first (its lease, or what the weights say)
    alarms: list[str]

    @property
    def register_task_definition(self) -> bool:
        return self.reuse_task_definition is None

    def to_result(self) -> dict[str, Any]:
        """The plan as the module returns it (every field but ``rendered``)."""
        return {
            "service": self.service,
            "image_tag": self.image_tag,
            "image_digest": self.image_digest,
            "image": self.image,
            "from_colour": self.from_colour,
            "to_colour": self.to_colour,
            "weights": self.weights,
            "steps": self.steps,
            "strategy": self.strategy,
            "desired_count": self.desired_count,
            "live_task_definition": self.live_task_definition,
            "reuse_task_definition": self.reuse_task_definition,
            "register_task_definition": self.register_task_definition,
            "diff": self.diff,
            "no_change": self.no_change,
            "repair": self.repair,
            "alarms": self.alarms,
        }


def preflight(adapter: ReleaseAdapter, cfg: ReleaseConfig, lease: Lease, emit: Callable[[str], None]) -> Plan:
    """Everything the release will do, computed without a single write."""
    try:
        steps = traffic.schedule(cfg.strategy, cfg.canary_percent, cfg.linear_step_percent)
    except ValueError as exc:
        raise PreflightError(str(exc)) from exc
    image = adapter.resolve_image(cfg.image_tag, cfg.image_digest)
    if image.newest:
        emit(f"image_tag not given: using the newest pushed image, {image.tag}")
    pinned = f"{cfg.ecr_repository_url}@{image.digest}"

    current = lease.read()
    repair = None
    if current and current["release_id"] != lease.release_id:
        if not current["expired"]:
            raise PreflightError(
                f"another release of {cfg.service} is in progress: release {current['release_id']} by {current['holder']} "
                f"since {current['started_at']}. Fix: wait for it; if its controller died, its lease expires at "
                f"{time.strftime('%H:%M:%S', time.gmtime(current['expires_at']))} UTC and the next run repairs the release"
            )
        repair = current

    weights = adapter.rule_weights(cfg.prod_rule_arn)
    live = traffic.live_colour(weights)
    if live is None:
        # Split traffic with no lease: a release died after its lease vanished.
        live = (repair or {}).get("state", {}).get("from_colour") or last_good_colour(adapter) or max(weights, key=weights.get)
        repair = repair or {"release_id": "unknown", "holder": "unknown", "state": {"from_colour": live, "to_colour": traffic.other(live)}}
    if repair and repair.get("state", {}).get("from_colour"):
        live = repair["state"]["from_colour"]
    idle = traffic.other(live)

    services = adapter.describe_services()
    live_svc, idle_svc = services[live], services[idle]
    live_td = adapter.describe_taskdef(live_svc["taskDefinition"])
    try:
        rendered = taskdef.render(live_td, cfg.container_name, pinned, cfg.cpu, cfg.memory)
    except ValueError as exc:
        raise PreflightError(f"{exc}. Fix: check container_name in the Terraform outputs") from exc
    problems = taskdef.validate(rendered)
    if problems:
        raise PreflightError(f"the rendered task definition is invalid: {'; '.join(problems)}")

    unchanged = taskdef.same(live_td, rendered)
    steady = weights.get(live) == 100 and idle_svc.get("desiredCount", 0) == 0
    reuse = live_svc["taskDefinition"] if unchanged else find_reusable_revision(adapter, rendered, image.digest, idle_svc.get("taskDefinition"))

    alarm_names = cfg.all_alarm_names
    pre_alarms = adapter.alarms(alarm_names)
    if pre_alarms.status == "FAIL":
        raise PreflightError(f"rollback alarms already firing before the release: {pre_alarms.summary}. Fix: resolve the alarm first")
    if pre_alarms.status == "ERROR":
        raise PreflightError(f"cannot read the rollback alarms: {pre_alarms.summary}. Fix: apply the Terraform foundation")

    return Plan(
        service=cfg.service,
        image_tag=image.tag,
        image_digest=image.digest,
        image=pinned,
        from_colour=live,
        to_colour=idle,
        weights=weights,
        steps=steps,
        strategy=cfg.strategy,
        desired_count=max(cfg.desired_count, live_svc.get("desiredCount", 0)),
        live_task_definition=live_svc["taskDefinition"],
        reuse_task_definition=reuse,
        rendered=rendered,
        diff=taskdef.diff(live_td, rendered, live_svc["taskDefinition"].rsplit("/", 1)[-1], f"{cfg.task_family}:new"),
        no_change=unchanged and steady and repair is None,
        repair=repair,
        alarms=alarm_names,
    )


def find_reusable_revision(adapter: ReleaseAdapter, rendered: dict[str, Any], digest: str, idle_td: str | None) -> str | None:
    """An existing, still active revision equal to ``rendered``, so that releasing
    identical content twice never registers a second revision.

    Looked for, cheapest first: the idle colour's revision (a return to the
    release before), the newest revision of the family, then the revisions
    earlier releases of the same image ran (a return further back, or past a
    rolled-back release), as the ledger recorded them.
    """
    seen: set[str] = set()
    for arn in _candidates(adapter, digest, idle_td):
        if not arn or arn in seen:
            continue
        seen.add(arn)
        td = adapter.describe_taskdef(arn)
        if td.get("status") != "INACTIVE" and taskdef.same(td, rendered):
            return arn
    return None


def _candidates(adapter: ReleaseAdapter, digest: str, idle_td: str | None) -> Iterator[str | None]:
    yield idle_td
    newest = None
    with contextlib.suppress(AwsError):
        newest = adapter.newest_revision()
    yield newest
    try:
        entries = adapter.ledger_list(_LEDGER_DEPTH)
    except AwsError:
        return
    for entry in entries:
        if entry.get("image_digest") == digest:
            yield entry.get("task_definition")


def last_good_colour(adapter: ReleaseAdapter) -> str | None:
    """The colour the newest successful release went live on, per the ledger."""
    try:
        for entry in adapter.ledger_list(10):
            if entry.get("outcome") == "succeeded":
                return entry.get("to_colour")
    except AwsError:
        return None
    return None
