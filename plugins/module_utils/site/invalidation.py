# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The invalidation planner: which paths to invalidate, and what it costs.

Facts it relies on (Amazon CloudFront Developer Guide, "Paying for file
invalidation" and "Concurrent invalidation request maximum",
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/PayingForInvalidation.html,
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/InvalidationLimits.html,
and https://aws.amazon.com/cloudfront/pricing/):

* the first 1,000 paths requested in a month are free (per AWS account),
  then each path costs $0.005;
* a path with the ``*`` wildcard is billed as one path, however many files it
  matches;
* at most 3,000 individual paths, and 15 wildcard paths, may be in progress
  per distribution at a time.

Hashed files never need invalidating (a new content has a new name). The
planner lists the changed paths and collapses a directory to ``/dir/*`` (or
everything to ``/*``) when one wildcard is fewer billed paths than listing
them, but never over a *protected* file — the immutable, hashed files the edge
keeps for a year and would have to fetch again — unless the limits leave no
other way.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

FREE_PATHS_PER_MONTH = 1000
PRICE_PER_PATH_USD = 0.005
MAX_PATHS_IN_PROGRESS = 3000
MAX_WILDCARDS_IN_PROGRESS = 15

# Characters CloudFront takes as they are in an invalidation path; the rest is percent-encoded.
_SAFE = "/-_.~!$&'()+,;=:@"


@dataclass(frozen=True)
class InvalidationPlan:
    paths: list[str]
    requested: list[str]
    wildcards: int
    billed_paths: int
    month_paths_used: int
    free_paths_left: int
    paid_paths: int
    estimated_cost_usd: float
    feasible: bool = True
    protected_covered: bool = False
    reason: str = ""
    collapsed: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def key_paths(keys: Iterable[str]) -> list[str]:
    """URL paths of bucket keys; an index.html is also cached under its folder's path (``/``, ``/fr/``)."""
    out: set[str] = set()
    for key in keys:
        path = "/" + urllib.parse.quote(key.lstrip("/"), safe=_SAFE)
        out.add(path)
        if path == "/index.html" or path.endswith("/index.html"):
            out.add(path[: -len("index.html")])
    return sorted(out)


class _Node:
    __slots__ = ("children", "files", "protected")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.files: list[str] = []
        self.protected = False


def _tree(paths: list[str], protected: Iterable[str]) -> _Node:
    root = _Node()

    def walk(path: str) -> tuple[_Node, str]:
        node = root
        *dirs, leaf = path[1:].split("/")
        for d in dirs:
            node = node.children.setdefault(d, _Node())
        return node, leaf

    for path in paths:
        walk(path)[0].files.append(path)
    for path in protected:
        # A protected file marks every folder above it: none of them may be wildcarded.
        node = root
        root.protected = True
        for d in path[1:].split("/")[:-1]:
            if d not in node.children:
                break
            node = node.children[d]
            node.protected = True
    return root


def _solve(node: _Node, prefix: str, budget: int, allow_protected: bool) -> tuple[list[int], Callable[[int], list[str]]]:
    """costs[w]: fewest paths covering the subtree with at most w wildcards; build(w) gives them."""
    # Listing: this folder's own paths plus the children, sharing the wildcard budget.
    costs = [len(node.files)] * (budget + 1)
    splits: list[list[int]] = [[] for _w in range(budget + 1)]
    builders = []
    for name, child in sorted(node.children.items()):
        c_costs, c_build = _solve(child, f"{prefix}{name}/", budget, allow_protected)
        builders.append(c_build)
        new_costs, new_splits = [], []
        for w in range(budget + 1):
            best, best_k = None, 0
            for k in range(w + 1):  # k wildcards to this child
                total = costs[w - k] + c_costs[k]
                if best is None or total < best:
                    best, best_k = total, k
            new_costs.append(best)
            new_splits.append([*splits[w - best_k], best_k])
        costs, splits = new_costs, new_splits
    wildcard_ok = allow_protected or not node.protected
    choose_wildcard = [w >= 1 and wildcard_ok and costs[w] > 1 for w in range(budget + 1)]
    final = [1 if choose_wildcard[w] else costs[w] for w in range(budget + 1)]

    def build(w: int) -> list[str]:
        if choose_wildcard[w]:
            return [f"{prefix}*"]
        out = list(node.files)
        for b, k in zip(builders, splits[w], strict=True):
            out.extend(b(k))
        return out

    return final, build


def plan_invalidation(
    paths: Iterable[str],
    protected: Iterable[str] = (),
    month_paths_used: int = 0,
    in_progress_paths: int = 0,
    in_progress_wildcards: int = 0,
    allow_wildcards: bool = True,
    free_paths: int = FREE_PATHS_PER_MONTH,
    price_per_path: float = PRICE_PER_PATH_USD,
    max_paths: int = MAX_PATHS_IN_PROGRESS,
    max_wildcards: int = MAX_WILDCARDS_IN_PROGRESS,
) -> InvalidationPlan:
    """The fewest billed paths covering ``paths`` (URL paths such as ``/index.html``) within the limits.

    ``protected`` are paths a wildcard should not cover (the hashed files);
    ``month_paths_used`` the paths already requested this month.
    """
    requested = sorted({p if p.startswith("/") else "/" + p for p in paths})
    for p in requested:
        if "*" in p:
            raise ValueError(f"{p}: give the changed paths themselves; the planner decides the wildcards")
    budget = max(0, max_wildcards - in_progress_wildcards) if allow_wildcards else 0
    room = max(0, max_paths - in_progress_paths)
    chosen: list[str] = []
    protected_covered = False
    feasible = True
    reason = ""
    if requested:
        protected_list = sorted(set(protected) - set(requested))
        for allow_protected in (False, True):
            costs, build = _solve(_tree(requested, protected_list), "/", budget, allow_protected)
            w = min(range(budget + 1), key=lambda i: (costs[i], i))
            chosen = sorted(build(w))
            if sum(1 for p in chosen if not p.endswith("*")) <= room:
                protected_covered = allow_protected and any(p.endswith("*") for p in chosen) and bool(protected_list)
                break
        else:
            if budget >= 1:
                # Listing leaves too many individual paths in progress: one wildcard covers all.
                chosen, protected_covered = ["/*"], bool(protected_list)
            else:
                feasible = False
                reason = (
                    f"{len(chosen)} paths exceed the {room} individual paths CloudFront allows in progress "
                    f"({in_progress_paths} already in progress) and no wildcard is available"
                )
    free_left = max(0, free_paths - month_paths_used)
    paid = max(0, len(chosen) - free_left)
    collapsed = {p: sum(1 for r in requested if r.startswith(p[:-1])) for p in chosen if p.endswith("*")}
    return InvalidationPlan(
        paths=chosen,
        requested=requested,
        wildcards=sum(1 for p in chosen if p.endswith("*")),
        billed_paths=len(chosen),
        month_paths_used=month_paths_used,
        free_paths_left=free_left,
        paid_paths=paid,
        estimated_cost_usd=round(paid * price_per_path, 4),
        feasible=feasible,
        protected_covered=protected_covered,
        reason=reason,
        collapsed=collapsed,
    )


def covers(pattern: str, path: str) -> bool:
    """Whether an invalidation path covers a URL path (``*`` only at the end, matching any rest)."""
    return path.startswith(pattern[:-1]) if pattern.endswith("*") else path == pattern
