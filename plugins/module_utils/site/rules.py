# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cache-Control per file: the inventory's rules first (first match wins), then by kind."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.errors import PreflightError

# A hashed name changes when its content does: cache for a year, never revalidate.
HASHED = "public, max-age=31536000, immutable"
# Fetched by a fixed name: browsers and the edge revalidate on every use.
ENTRY = "no-cache"
# Anything else (assets/ copied verbatim, robots.txt...): a short lifetime.
DEFAULT = "public, max-age=300"


@dataclass(frozen=True)
class CacheRule:
    pattern: str
    cache_control: str

    def matches(self, key: str) -> bool:
        # fnmatch: `*` also crosses `/`, so `assets/*` covers assets/i18n/fr.json.
        return fnmatch.fnmatchcase(key, self.pattern)


def parse_rules(raw: Iterable[dict[str, Any]] | None, option: str = "cache_rules") -> list[CacheRule]:
    """Rules from the inventory: a list of {pattern, cache_control}; each bad rule is named."""
    rules = []
    for n, item in enumerate(raw or []):
        if not isinstance(item, dict) or set(item) != {"pattern", "cache_control"}:
            raise PreflightError(
                f'{option}[{n}] is {item!r}; each rule is exactly {{pattern, cache_control}}. Fix: e.g. {{pattern: "assets/i18n/*", cache_control: "no-cache"}}'
            )
        pattern, value = str(item["pattern"]).lstrip("/"), str(item["cache_control"]).strip()
        if not pattern or not value:
            raise PreflightError(f"{option}[{n}] has an empty pattern or cache_control. Fix: give both")
        rules.append(CacheRule(pattern, value))
    return rules


def cache_control(key: str, hashed: bool, entry: bool, rules: Iterable[CacheRule] = (), default: str = DEFAULT) -> str:
    """The Cache-Control of one bucket key."""
    for rule in rules:
        if rule.matches(key):
            return rule.cache_control
    if entry:
        return ENTRY
    if hashed:
        return HASHED
    return default
