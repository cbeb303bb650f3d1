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
  as far back as the month's start, within a fixed read budget and with a
  cache of the requests already read: its cost stays flat as the history grows.
"""

from __future__ import annotations

import datetime
import hashlib
import random
import time
from collections.abc import Callable, Iterable
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


# How far the controller's clock may be off CloudFront's when telling an earlier request from a new one.
CLOCK_SKEW = datetime.timedelta(seconds=30)


def created_before(inv: Invalidation, t: datetime.datetime) -> bool:
    """Whether CloudFront created ``inv`` before ``t`` (false when it did not say when)."""
    try:
        created = datetime.datetime.fromisoformat(inv.create_time)
    except ValueError:
        return False
    return _utc(created) < t


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


# What one run reads of a distribution's invalidation history, at most: the
# usage estimate stays cheap however long the history is. ListInvalidations
# pages hold 100 summaries; each GetInvalidation gives one request's path count.
MAX_LIST_PAGES = 10
MAX_INVALIDATION_READS = 50


@dataclass(frozen=True)
class MonthUsage:
    """This month's invalidation paths of one distribution, and what is in progress.

    ``complete`` is false when the read budget ended the walk: ``paths`` then
    counts every request not read as one path (each has at least one), so it is
    a lower bound, and ``unread`` / ``more_unlisted`` say what was left.
    ``known`` is the cache to keep for the next run: id → path counts of the
    requests read so far (a completed request never changes).
    """

    month: str
    invalidations: int
    paths: int
    in_progress: int
    in_progress_paths: int
    in_progress_wildcards: int
    complete: bool = True
    unread: int = 0
    more_unlisted: bool = False
    reads: int = 0
    # ``paths`` with each unread request counted as the mean of those read (equal to ``paths`` when complete)
    estimated_paths: int = 0
    # CallerReference → invalidation, for the requests read in this run
    references: dict[str, Invalidation] = field(default_factory=dict, compare=False)
    known: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k not in ("references", "known")}


def _summaries_newest_first(client: Any, distribution_id: str, since: datetime.datetime, max_pages: int) -> tuple[list[dict[str, Any]], bool]:
    """Invalidation summaries created at or after ``since``, and whether ``max_pages`` ended the listing early."""
    marker = ""
    found: list[dict[str, Any]] = []
    for _page in range(max_pages):
        kwargs: dict[str, Any] = {"DistributionId": distribution_id, "MaxItems": "100"}
        if marker:
            kwargs["Marker"] = marker
        page = call(client, "list_invalidations", **kwargs).get("InvalidationList", {})
        items = page.get("Items", [])
        times = [_utc(s["CreateTime"]) for s in items]
        found += [s for s, t in zip(items, times, strict=True) if t >= since]
        # AWS lists newest first: a page reaching back before ``since`` is the last one needed.
        # (A listing in the other order is read to its end.)
        newest_first = times == sorted(times, reverse=True)
        marker = page.get("NextMarker", "")
        if not page.get("IsTruncated") or not marker or (newest_first and times and times[-1] < since):
            return found, False
    return found, True


def _utc(t: datetime.datetime) -> datetime.datetime:
    return t.replace(tzinfo=datetime.UTC) if t.tzinfo is None else t


def month_start(now: datetime.datetime) -> datetime.datetime:
    return now.astimezone(datetime.UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def invalidation_counts(inv: Invalidation) -> dict[str, Any]:
    wildcards = sum(1 for p in inv.paths if p.endswith("*"))
    return {"paths": len(inv.paths), "wildcards": wildcards, "reference": inv.caller_reference, "status": inv.status}


def month_usage(
    client: Any,
    distribution_id: str,
    now: datetime.datetime | None = None,
    known: dict[str, dict[str, Any]] | None = None,
    max_pages: int = MAX_LIST_PAGES,
    max_reads: int = MAX_INVALIDATION_READS,
) -> MonthUsage:
    """Paths this distribution requested since the month began, and what is still in progress.

    ListInvalidations returns summaries (Id, CreateTime, Status), newest
    first: the walk stops at the first one from before the month, or after
    ``max_pages`` pages. A summary has no path count, so a request is read
    (GetInvalidation) unless ``known`` (the cache a caller kept from earlier
    runs) already has it; in-progress requests are read first (the in-progress
    limits need them), then the newest, at most ``max_reads`` in all. Other
    distributions of the account share the free allowance and are not counted.
    """
    now = now or datetime.datetime.now(datetime.UTC)
    start = month_start(now)
    this_month, more_unlisted = _summaries_newest_first(client, distribution_id, start, max_pages)
    ids = {s["Id"] for s in this_month}
    cache = {k: dict(v) for k, v in (known or {}).items() if k in ids}  # last month's entries drop out
    status = {s["Id"]: normal_status(s.get("Status", "")) for s in this_month}
    # In progress first, then newest first (the listing's order); cached ones need no read.
    order = [s["Id"] for s in this_month if status[s["Id"]] != "Completed"] + [s["Id"] for s in this_month if status[s["Id"]] == "Completed"]
    references: dict[str, Invalidation] = {}
    reads = 0
    for inv_id in order:
        if inv_id in cache or reads >= max_reads:
            continue
        inv = get_invalidation(client, distribution_id, inv_id)
        reads += 1
        references[inv.caller_reference] = inv
        cache[inv_id] = invalidation_counts(inv)
    paths = in_progress = in_progress_paths = in_progress_wildcards = unread = 0
    for inv_id in order:
        entry = cache.get(inv_id)
        if entry is None:
            unread += 1
            paths += 1  # every request has at least one path
            in_progress += status[inv_id] != "Completed"
            continue
        entry["status"] = status[inv_id]
        paths += entry["paths"]
        if status[inv_id] != "Completed":
            in_progress += 1
            in_progress_wildcards += entry["wildcards"]
            in_progress_paths += entry["paths"] - entry["wildcards"]
    counted = [cache[i]["paths"] for i in order if i in cache]
    mean = sum(counted) / len(counted) if counted else 1.0
    estimated = paths - unread + round(mean * unread)
    return MonthUsage(
        month=start.strftime("%Y-%m"),
        invalidations=len(this_month),
        paths=paths,
        in_progress=in_progress,
        in_progress_paths=in_progress_paths,
        in_progress_wildcards=in_progress_wildcards,
        complete=not unread and not more_unlisted,
        unread=unread,
        more_unlisted=more_unlisted,
        reads=reads,
        estimated_paths=estimated,
        references=references,
        known=cache,
    )
