# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A release train's reads and writes: the train's ledger entries, the digest a
service ran before the train, the train's notifications and its summary file.

The train keeps no state of its own: everything it knows of its progress is
read back from the ledger (``ledger.ledger_list``), so a second controller,
an AWX slice or ``explain_release.yml`` sees the same train.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ansible.module_utils.urls import ConnectionError as UrlConnectionError
from ansible.module_utils.urls import SSLValidationError, open_url
from ansible_collections.slipway.aws.plugins.module_utils import train
from ansible_collections.slipway.aws.plugins.module_utils.aws import Aws, call
from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError, GateFailed, SlipwayError
from ansible_collections.slipway.aws.plugins.module_utils.ledger import ledger_list, ledger_put
from ansible_collections.slipway.aws.plugins.module_utils.notify import Notifier
from ansible_collections.slipway.aws.plugins.module_utils.release.waiting import wait_until

# A train's entries are among a service's newest: a service released more often than this
# while one train ran would hide its train entries (never the case in practice).
LEDGER_DEPTH = 50


def read_states(aws: Aws, table: str, services: Iterable[str], train_id: str) -> dict[str, dict[str, Any]]:
    """Each service's state in the train, from its newest ledger entries."""
    return {name: train.service_state(ledger_list(aws, table, name, limit=LEDGER_DEPTH), train_id) for name in services}


def wait_for(
    read: Callable[[], dict[str, dict[str, Any]]],
    service: str,
    depends_on: list[str],
    unchanged: list[str],
    timeout: float,
    interval: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[str, str, dict[str, dict[str, Any]], float]:
    """Poll the ledger until ``service`` may start or is blocked; (verdict, reason, states, seconds waited).

    The release's own poller (``waiting.wait_until``), its interval growing by half up
    to 4x the first one: a dependency's release takes minutes in a real account, and
    seconds on the emulator.
    """
    started = clock()
    seen: dict[str, Any] = {"states": {}, "reason": ""}

    def decided() -> tuple[str, str] | None:
        seen["states"] = read()
        verdict, seen["reason"] = train.wait_verdict(service, depends_on, unchanged, seen["states"])
        return None if verdict == "wait" else (verdict, seen["reason"])

    try:
        verdict, reason = wait_until(decided, timeout, interval, "train wait", max_interval=interval * 4, sleep=sleep, clock=clock)
    except GateFailed:
        states = seen["states"]
        never = [d for d in depends_on if d not in unchanged and (states.get(d) or {}).get("release") is None]
        return (
            "blocked",
            f"timed out after {timeout:.0f}s {seen['reason']}: no ledger entry of {', '.join(never)} under this train yet. "
            "If forks (-f) is below the number of services in the train, waiting services can hold every worker: "
            "run with -f at least the train's size; else raise release_train_wait_timeout_seconds",
            states,
            clock() - started,
        )
    return verdict, reason, seen["states"], clock() - started


def previous_digest(aws: Aws, entry: Mapping[str, Any], repository: str | None = None) -> tuple[str | None, str]:
    """The image digest a service ran before its release ``entry``: (digest or None, how it was found).

    The entry records the task definition that was live (``previous_task_definition``);
    its image is pinned by digest when Slipway released it, or is a tag (Terraform's
    first revision), then resolved in ECR.

    Not ``ledger.previous_good`` (what ``rollback_service.yml`` goes back to): that is
    the newest *successful release* of another image, from the ledger alone; a train's
    cascade goes back to what was *running* before this train, released by Slipway or not.
    """
    arn = entry.get("previous_task_definition")
    if not arn:
        return None, "the ledger entry records no previous task definition"
    td = call(aws.client("ecs"), "describe_task_definition", taskDefinition=arn)["taskDefinition"]
    image = (td.get("containerDefinitions") or [{}])[0].get("image", "")
    digest = train.image_digest_of(image)
    if digest:
        return digest, f"pinned by {arn.rsplit('/', 1)[-1]}"
    repo, colon, tag = image.rpartition(":")
    if not (repo and colon) or "/" in tag or not repository:
        return None, f"{arn.rsplit('/', 1)[-1]} runs {image}, neither a digest nor a tag of a known repository"
    try:
        details = call(aws.client("ecr"), "describe_images", repositoryName=repository, imageIds=[{"imageTag": tag}])["imageDetails"]
    except AwsError as exc:
        return None, f"{arn.rsplit('/', 1)[-1]} runs tag {tag}, which ECR does not resolve ({exc.code})"
    return details[0]["imageDigest"], f"tag {tag} of {arn.rsplit('/', 1)[-1]}, resolved in ECR"


def record_refusal(aws: Aws, table: str, entry: Mapping[str, Any]) -> None:
    """A train member refused at its start (e.g. another release held its lease) leaves an entry under
    the train id, so that the rest of the train, on this controller or another, sees it stopped."""
    ledger_put(aws, table, {**entry, "outcome": "refused"})


class TrainNotifier(Notifier):
    """The train's own started / finished messages, to the same Slack webhook and SNS topic as releases.

    Slack incoming webhooks answer ``ok`` and no message timestamp, so a real
    thread cannot be opened: the train id in every message (the train's and each
    release's) is what groups them.
    """

    def send_train(self, event: str, summary: Mapping[str, Any]) -> None:
        text = render_train_text(event, summary)
        url = self._webhook_url()
        payload_train = {k: summary.get(k) for k in ("train_id", "environment", "policy", "outcome", "waves")}
        if url:
            # "release" with empty fields: readers that filter the channel's messages by release find none here.
            payload = {
                "text": text,
                "slipway": {
                    "event": f"train_{event}",
                    "train": payload_train,
                    "release": {"service": None, "release_id": None, "train_id": summary.get("train_id")},
                },
            }
            self._post(url, payload, f"train_{event}")
        if self.sns_topic_arn:
            try:
                call(
                    self.aws.client("sns"),
                    "publish",
                    TopicArn=self.sns_topic_arn,
                    Subject=f"slipway train {summary.get('train_id')} {event}"[:99],
                    Message=json.dumps({"event": f"train_{event}", "text": text, "train": dict(summary)}, default=str),
                )
                self.sent.append(f"sns:train_{event}")
            except AwsError as exc:
                self.problems.append(f"sns: train_{event} not delivered ({exc.code})")

    def _post(self, url: str, payload: dict[str, Any], what: str) -> None:
        try:
            open_url(url, data=json.dumps(payload), headers={"Content-Type": "application/json"}, method="POST", timeout=self.timeout).read()
            self.sent.append(f"slack:{what}")
        except (urllib.error.URLError, OSError, UrlConnectionError, SSLValidationError) as exc:
            self.problems.append(f"slack: {what} not delivered ({getattr(exc, 'code', None) or type(exc).__name__})")


def render_train_text(event: str, summary: Mapping[str, Any]) -> str:
    """The train's message: which services in which waves, and at the end each one's outcome."""
    icon = {"started": ":steam_locomotive:", "finished": ":checkered_flag:"}.get(event, "")
    head = f"{icon} release train {summary.get('train_id')} ({summary.get('environment')}): {event}"
    lines = [head.strip()]
    if event == "started":
        lines.append("waves: " + " | ".join(", ".join(w) for w in summary.get("waves", [])))
        lines.append(f"on failure: {summary.get('policy')}")
        for row in summary.get("services", []):
            lines.append(f"{row['service']}: {row.get('image_tag') or '?'} ({row.get('outcome')})")
    else:
        lines.append(f"outcome: {str(summary.get('outcome', '?')).replace('_', ' ')}")
        for row in summary.get("services", []):
            lines.append(f"{row['service']}: {row['outcome'].replace('_', ' ')}" + (f" (release {row['release_id']})" if row.get("release_id") else ""))
    return "\n".join(lines)


def write_summary(summary_dir: str, summary: Mapping[str, Any]) -> str:
    """``releases/train-<id>.json``, written whole or not at all."""
    os.makedirs(summary_dir, exist_ok=True)
    path = os.path.join(summary_dir, f"{summary['train_id']}.json")
    tmp = path + ".tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(summary, fh, indent=2, sort_keys=True, default=str)
        os.replace(tmp, path)
    except OSError as exc:
        raise SlipwayError(f"cannot write the train summary {path}: {exc}") from exc
    return path
