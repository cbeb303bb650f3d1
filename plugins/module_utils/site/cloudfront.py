# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Slipway's own CloudFront invalidation: idempotent, patient, and cheap to account for.

* The CallerReference is derived from the release and the path set, so a
  retried request (a lost answer, a rerun after an interruption) gets the
  existing invalidation back from CloudFront instead of a second, billed one.
* TooManyInvalidationsInProgress is retried with full-jitter backoff; that is
  a limit on concurrent invalidations, which botocore's standard retries
  (throttling, 5xx) do not cover.
* Waiting ends in "pending" at its deadline, not in a failure: the request is
  accepted and CloudFront finishes it by itself.
* The month's usage comes from ListInvalidations, read newest first and only
  as far back as the month's start.
"""

from __future__ import annotations

import datetime
import hashlib
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.aws import call
from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError, GateFailed, SlipwayError
from ansible_collections.slipway.aws.plugins.module_utils.release.waiting import wait_until

TOO_MANY = "TooManyInvalidationsInProgress"


@dataclass(frozen=True)
class Invalidation:
    id: str
    status: str
    caller_reference: str
    paths: list[str]
    create_time: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def caller_reference(release_id: str, paths: Iterable[str]) -> str:
    """The same release and path set always give the same reference (and so the same invalidation)."""
    digest = hashlib.sha256("\n".join(sorted(set(paths))).encode()).hexdigest()[:16]
    return f"slipway-{release_id}-{digest}"


def normal_status(status: str) -> str:
    """AWS says "Completed" / "InProgress"; some emulators upper-case them."""
    return {"completed": "Completed", "inprogress": "InProgress", "in_progress": "InProgress"}.get(status.lower(), status)


def _from_response(inv: dict[str, Any]) -> Invalidation:
    batch = inv.get("InvalidationBatch", {})
    created = inv.get("CreateTime")
    return Invalidation(
        id=inv["Id"],
        status=normal_status(inv.get("Status", "")),
        caller_reference=batch.get("CallerReference", ""),
        paths=list(batch.get("Paths", {}).get("Items", [])),
        create_time=created.isoformat() if hasattr(created, "isoformat") else str(created or ""),
    )


def create_invalidation(
    client: Any,
    distribution_id: str,
    paths: list[str],
    release_id: str,
    attempts: int = 8,
    base_delay: float = 2.0,
    max_delay: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = random.random,
) -> Invalidation:
    """Create (or, for a repeated request, get back) the invalidation of ``paths``."""
    if not paths:
        raise SlipwayError("an invalidation needs at least one path")
    reference = caller_reference(release_id, paths)
    batch = {"Paths": {"Quantity": len(paths), "Items": sorted(paths)}, "CallerReference": reference}
    for attempt in range(1, attempts + 1):
        try:
            resp = call(client, "create_invalidation", DistributionId=distribution_id, InvalidationBatch=batch)
            return _from_response(resp["Invalidation"])
        except AwsError as exc:
            if exc.code != TOO_MANY or attempt == attempts:
                if exc.code == TOO_MANY:
                    raise SlipwayError(
                        f"CloudFront refused the invalidation of {distribution_id} {attempts} times: too many invalidations in progress. "
                        "Fix: wait for them to complete (aws cloudfront list-invalidations), then run again; the rerun reuses this request"
                    ) from exc
                raise
            # Full jitter: concurrent publishers spread out instead of retrying together.
            sleep(rng() * min(max_delay, base_delay * 2 ** (attempt - 1)))
    raise AssertionError("unreachable")  # pragma: no cover


def get_invalidation(client: Any, distribution_id: str, invalidation_id: str) -> Invalidation:
    return _from_response(call(client, "get_invalidation", DistributionId=distribution_id, Id=invalidation_id)["Invalidation"])


def wait_invalidation(client: Any, distribution_id: str, invalidation_id: str, timeout: float, interval: float = 5.0) -> str:
    """ "Completed", or "pending" when the deadline passed first (the invalidation goes on by itself)."""

    def check() -> str | None:
        status = get_invalidation(client, distribution_id, invalidation_id).status
        return status if status == "Completed" else None

    try:
        return wait_until(check, timeout=timeout, interval=interval, what="invalidation", max_interval=max(interval, 20.0))
    except GateFailed:
        return "pending"


@dataclass(frozen=True)
class MonthUsage:
    month: str
    invalidations: int
    paths: int
    in_progress: int
    in_progress_paths: int
    in_progress_wildcards: int
    # CallerReference → invalidation, for this month's requests
    references: dict[str, Invalidation] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "references"}


def _summaries_newest_first(client: Any, distribution_id: str, since: datetime.datetime) -> Iterator[dict[str, Any]]:
    """Invalidation summaries created at or after ``since``, fetching pages only while they are needed."""
    marker = ""
    while True:
        kwargs: dict[str, Any] = {"DistributionId": distribution_id, "MaxItems": "100"}
        if marker:
            kwargs["Marker"] = marker
        page = call(client, "list_invalidations", **kwargs).get("InvalidationList", {})
        items = page.get("Items", [])
        times = [_utc(s["CreateTime"]) for s in items]
        yield from (s for s, t in zip(items, times, strict=True) if t >= since)
        # AWS lists newest first: a page reaching back before ``since`` is the last one needed.
        # (A listing in the other order is read to its end.)
        newest_first = times == sorted(times, reverse=True)
        marker = page.get("NextMarker", "")
        if not page.get("IsTruncated") or not marker or (newest_first and times and times[-1] < since):
            return


def _utc(t: datetime.datetime) -> datetime.datetime:
    return t.replace(tzinfo=datetime.UTC) if t.tzinfo is None else t


def month_start(now: datetime.datetime) -> datetime.datetime:
    return now.astimezone(datetime.UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def month_usage(client: Any, distribution_id: str, now: datetime.datetime | None = None) -> MonthUsage:
    """Paths this distribution requested since the month began, and what is still in progress.

    ListInvalidations returns summaries (Id, CreateTime, Status), newest
    first: the walk stops at the first one from before the month, so it reads
    one page in a normal month; each of this month's invalidations is then
    read once for its path count. Other distributions of the account share the
    free allowance and are not counted here.
    """
    now = now or datetime.datetime.now(datetime.UTC)
    start = month_start(now)
    this_month = list(_summaries_newest_first(client, distribution_id, start))
    paths = in_progress = in_progress_paths = in_progress_wildcards = 0
    references = {}
    for summary in this_month:
        inv = get_invalidation(client, distribution_id, summary["Id"])
        references[inv.caller_reference] = inv
        paths += len(inv.paths)
        if normal_status(summary.get("Status", "")) != "Completed":
            in_progress += 1
            in_progress_wildcards += sum(1 for p in inv.paths if p.endswith("*"))
            in_progress_paths += sum(1 for p in inv.paths if not p.endswith("*"))
    return MonthUsage(start.strftime("%Y-%m"), len(this_month), paths, in_progress, in_progress_paths, in_progress_wildcards, references)
