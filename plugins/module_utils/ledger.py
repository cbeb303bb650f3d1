# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The deployment table: the one owner of its key shapes and of every read and write.

Items (hash key ``pk``, range key ``sk``):
* ``lock#SVC`` / ``lock`` — the lease: holder, release id, expiry, and the
  release's progress (phase, colours, revisions) so that a later run can repair
  a release whose controller died.
* ``release#SVC`` / ``<started ISO time>#<release id>`` — one ledger entry per release.
* ``approval#SVC`` / ``<release id>`` — an operator's decision on a release
  waiting at its manual-approval gate (written once, never changed).
* ``site#SITE`` / ``<started ISO time>#<release id>`` — one entry per publish or
  rollback of a static site (SITE: its distribution id, or the site's name).
* ``lock#site:SITE`` / ``lock`` — the lease that keeps two publishes or
  rollbacks of one site apart (see ``site_lease``).

Nobody else builds a key: later capabilities add their item kinds here.
"""

from __future__ import annotations

import json
import time
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.aws import Aws, call
from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError, LockHeldError, SlipwayError


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: float) -> dict[str, str]:
    return {"N": str(int(value))}


def lock_key(service: str) -> dict[str, Any]:
    return {"pk": _s(f"lock#{service}"), "sk": _s("lock")}


def release_pk(service: str) -> str:
    return f"release#{service}"


def release_key(service: str, started_at: str, release_id: str) -> dict[str, Any]:
    return {"pk": _s(release_pk(service)), "sk": _s(f"{started_at}#{release_id}")}


def approval_key(service: str, release_id: str) -> dict[str, Any]:
    return {"pk": _s(f"approval#{service}"), "sk": _s(release_id)}


def site_release_pk(site: str) -> str:
    return f"site#{site}"


def site_release_key(site: str, started_at: str, release_id: str) -> dict[str, Any]:
    return {"pk": _s(site_release_pk(site)), "sk": _s(f"{started_at}#{release_id}")}


class Lease:
    """A DynamoDB lease with expiry; renewed by heartbeats while the release runs."""

    def __init__(self, aws: Aws, table: str, service: str, release_id: str, ttl: int, clock=time.time) -> None:
        self.aws = aws
        self.table = table
        self.service = service
        self.release_id = release_id
        self.ttl = ttl
        self.clock = clock
        self.held = False
        self._renewed = 0.0

    @property
    def key(self) -> dict[str, Any]:
        return lock_key(self.service)

    def read(self) -> dict[str, Any] | None:
        """The current lease item (held or expired), decoded; None if absent."""
        item = call(self.aws.client("dynamodb"), "get_item", TableName=self.table, Key=self.key, ConsistentRead=True).get("Item")
        if not item:
            return None
        return {
            "release_id": item.get("release_id", {}).get("S", ""),
            "holder": item.get("holder", {}).get("S", ""),
            "started_at": item.get("started_at", {}).get("S", ""),
            "expires_at": int(item.get("expires_at", {}).get("N", "0")),
            "state": json.loads(item.get("state", {}).get("S", "{}")),
            "expired": int(item.get("expires_at", {}).get("N", "0")) <= self.clock(),
        }

    def acquire(self, holder: str, started_at: str, state: dict[str, Any]) -> None:
        now = self.clock()
        try:
            call(
                self.aws.client("dynamodb"),
                "put_item",
                TableName=self.table,
                Item={
                    **self.key,
                    "release_id": _s(self.release_id),
                    "holder": _s(holder),
                    "started_at": _s(started_at),
                    "expires_at": _n(now + self.ttl),
                    "state": _s(json.dumps(state, sort_keys=True)),
                },
                ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
                ExpressionAttributeValues={":now": _n(now)},
            )
        except AwsError as exc:
            if exc.code == "ConditionalCheckFailedException":
                current = self.read() or {}
                mine = (current.get("release_id"), current.get("holder"), current.get("started_at")) == (self.release_id, holder, started_at)
                if mine and not current.get("expired"):
                    # The SDK retried a put whose first attempt was written but
                    # whose answer was lost (timeout, 5xx): the lease is ours.
                    # (Another run of the same release by the same holder started
                    # at another time: not ours.)
                    self.held = True
                    self._renewed = now
                    return
                raise LockHeldError(
                    f"another release of {self.service} is in progress: release {current.get('release_id')} "
                    f"by {current.get('holder')} since {current.get('started_at')}. "
                    "Fix: wait for it to finish; if its controller died, its lease expires "
                    f"at {time.strftime('%H:%M:%S', time.gmtime(current.get('expires_at', 0)))} UTC and the next run repairs it",
                    current,
                ) from exc
            raise
        self.held = True
        self._renewed = now

    def update(self, state: dict[str, Any], force: bool = False) -> None:
        """Record progress and renew the lease (at most every ttl/4 unless forced)."""
        if not self.held:
            return
        now = self.clock()
        if not force and now - self._renewed < self.ttl / 4 and not state.get("_changed"):
            return
        state = {k: v for k, v in state.items() if k != "_changed"}
        try:
            call(
                self.aws.client("dynamodb"),
                "update_item",
                TableName=self.table,
                Key=self.key,
                UpdateExpression="SET expires_at = :exp, #st = :state",
                ConditionExpression="release_id = :rid",
                ExpressionAttributeNames={"#st": "state"},
                ExpressionAttributeValues={
                    ":exp": _n(now + self.ttl),
                    ":state": _s(json.dumps(state, sort_keys=True)),
                    ":rid": _s(self.release_id),
                },
            )
        except AwsError as exc:
            if exc.code == "ConditionalCheckFailedException":
                self.held = False
                raise SlipwayError(f"lost the release lease of {self.service} (it expired and another run took it)") from exc
            raise
        self._renewed = now

    def release(self) -> None:
        if not self.held:
            return
        try:
            call(
                self.aws.client("dynamodb"),
                "delete_item",
                TableName=self.table,
                Key=self.key,
                ConditionExpression="release_id = :rid",
                ExpressionAttributeValues={":rid": _s(self.release_id)},
            )
        except AwsError as exc:
            if exc.code != "ConditionalCheckFailedException":
                raise
        self.held = False

    def take_over_dead(self, current: dict[str, Any]) -> bool:
        """Delete the lease ``current`` (as read) of a holder known to be dead; False if it changed meanwhile."""
        try:
            call(
                self.aws.client("dynamodb"),
                "delete_item",
                TableName=self.table,
                Key=self.key,
                ConditionExpression="release_id = :rid AND holder = :h AND started_at = :st",
                ExpressionAttributeValues={":rid": _s(current["release_id"]), ":h": _s(current["holder"]), ":st": _s(current["started_at"])},
            )
        except AwsError as exc:
            if exc.code != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def take_over_expired(self, expired_release_id: str) -> None:
        """Delete an expired lease left by a dead controller (after repairing it)."""
        try:
            call(
                self.aws.client("dynamodb"),
                "delete_item",
                TableName=self.table,
                Key=self.key,
                ConditionExpression="release_id = :rid AND expires_at < :now",
                ExpressionAttributeValues={":rid": _s(expired_release_id), ":now": _n(self.clock())},
            )
        except AwsError as exc:
            if exc.code != "ConditionalCheckFailedException":
                raise


def ledger_put(aws: Aws, table: str, entry: dict[str, Any]) -> None:
    """Append one release to the ledger (entries are never overwritten)."""
    item = {
        **release_key(entry["service"], entry["started_at"], entry["release_id"]),
        "outcome": _s(entry["outcome"]),
        "entry": _s(json.dumps(entry, sort_keys=True, default=str)),
    }
    try:
        call(aws.client("dynamodb"), "put_item", TableName=table, Item=item, ConditionExpression="attribute_not_exists(pk)")
    except AwsError as exc:
        # A retried put whose first attempt was written: the entry is there, and it is this one.
        if exc.code != "ConditionalCheckFailedException" or _get(aws, table, release_key(entry["service"], entry["started_at"], entry["release_id"])) != item:
            raise


def _get(aws: Aws, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
    return call(aws.client("dynamodb"), "get_item", TableName=table, Key=key, ConsistentRead=True).get("Item")


def ledger_list(aws: Aws, table: str, service: str, limit: int = 20) -> list[dict[str, Any]]:
    """The newest ledger entries of a service, newest first."""
    resp = call(
        aws.client("dynamodb"),
        "query",
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": _s(release_pk(service))},
        ScanIndexForward=False,
        Limit=limit,
    )
    return [json.loads(i["entry"]["S"]) for i in resp.get("Items", [])]


def previous_good(entries: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(newest successful release, newest successful release of another image) from newest-first entries."""
    good = [e for e in entries if e.get("outcome") == "succeeded" and e.get("image_digest")]
    if not good:
        return None, None
    current = good[0]
    previous = next((e for e in good[1:] if e["image_digest"] != current["image_digest"]), None)
    return current, previous


def approval_id(release_id: str, step: int | None = None) -> str:
    """The key of a decision: the release's own (manual approval after the smoke tests), or one per traffic
    step paused by an INCONCLUSIVE verdict."""
    return release_id if step is None else f"{release_id}/step-{step}"


def approval_get(aws: Aws, table: str, service: str, release_id: str) -> dict[str, Any] | None:
    """The decision recorded for a waiting release: {decision, approver, decided_at}, or None."""
    item = _get(aws, table, approval_key(service, release_id))
    if not item:
        return None
    return {"decision": item["decision"]["S"], "approver": item.get("approver", {}).get("S", ""), "decided_at": int(item.get("decided_at", {}).get("N", "0"))}


def approval_put(aws: Aws, table: str, service: str, release_id: str, decision: str, approver: str, clock=time.time) -> None:
    """Record a decision once; a retried write of the same decision is accepted, a different one refused."""
    try:
        call(
            aws.client("dynamodb"),
            "put_item",
            TableName=table,
            Item={**approval_key(service, release_id), "decision": _s(decision), "approver": _s(approver), "decided_at": _n(clock())},
            ConditionExpression="attribute_not_exists(pk)",
        )
    except AwsError as exc:
        if exc.code != "ConditionalCheckFailedException":
            raise
        recorded = approval_get(aws, table, service, release_id) or {}
        if recorded.get("decision") != decision:
            raise SlipwayError(f"release {release_id} was already {recorded.get('decision')}d; a decision cannot be changed") from exc


def site_lease(aws: Aws, table: str, site: str, release_id: str, ttl: int, clock=time.time) -> Lease:
    """The lease of one site's publishes and rollbacks."""
    return Lease(aws, table, f"site:{site}", release_id, ttl, clock)


def site_release_put(aws: Aws, table: str, entry: dict[str, Any]) -> None:
    """Append one site publish or rollback (``site``, ``started_at``, ``release_id``, ``outcome``, ...); never overwritten."""
    key = site_release_key(entry["site"], entry["started_at"], entry["release_id"])
    item = {**key, "outcome": _s(entry["outcome"]), "entry": _s(json.dumps(entry, sort_keys=True, default=str))}
    try:
        call(aws.client("dynamodb"), "put_item", TableName=table, Item=item, ConditionExpression="attribute_not_exists(pk)")
    except AwsError as exc:
        # A retried put whose first attempt was written: the entry is there, and it is this one.
        if exc.code != "ConditionalCheckFailedException" or _get(aws, table, key) != item:
            raise


def site_release_list(aws: Aws, table: str, site: str, limit: int = 20) -> list[dict[str, Any]]:
    """The newest publishes and rollbacks of a site, newest first."""
    resp = call(
        aws.client("dynamodb"),
        "query",
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": _s(site_release_pk(site))},
        ScanIndexForward=False,
        Limit=limit,
    )
    return [json.loads(i["entry"]["S"]) for i in resp.get("Items", [])]
