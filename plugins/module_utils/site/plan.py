# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sync plan: what to upload, in which order, what to delete, what to invalidate.

Plain data in, plain data out. The inputs are the local scan, what the bucket
holds (by sha256, never by size or time), the release manifests kept in the
bucket (``_slipway/releases/<id>.json``) and which releases' invalidations have
completed.

Order is what keeps a site whole: hashed files first (new names, nobody asks
for them yet), then the other files, then the entry files, ``index.html`` very
last. Until the new index.html lands, browsers get the old one, whose hashed
files are all still there; afterwards, the new one, whose files already are.
"""

from __future__ import annotations

import datetime
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.errors import PreflightError
from ansible_collections.slipway.aws.plugins.module_utils.site.rules import DEFAULT, CacheRule, cache_control
from ansible_collections.slipway.aws.plugins.module_utils.site.scan import Scan

MANIFEST_FORMAT = 1
PREFIX = "_slipway/"
RELEASES_PREFIX = PREFIX + "releases/"
CURRENT_KEY = PREFIX + "current.json"
# What earlier runs read of the distribution's invalidation history (path counts by id).
INVALIDATIONS_KEY = PREFIX + "invalidations.json"


def manifest_key(release_id: str) -> str:
    return f"{RELEASES_PREFIX}{release_id}.json"


def entry_copy_key(release_id: str, key: str) -> str:
    """Where a release keeps its own copy of an entry file, so a rollback needs no rebuild."""
    return f"{RELEASES_PREFIX}{release_id}/entry/{key}"


# What a file is served as: a change in any of these is an upload.
SERVED = ("sha256", "content_type", "cache_control", "content_encoding")


@dataclass(frozen=True)
class RemoteObject:
    """What the bucket holds under a key: its sha256 (None if unknown) and how it is served."""

    sha256: str | None
    content_type: str = ""
    cache_control: str = ""
    etag: str = ""
    content_encoding: str = ""


@dataclass(frozen=True)
class Upload:
    key: str
    sha256: str
    size: int
    content_type: str
    cache_control: str
    kind: str  # hashed | other | entry
    reason: str  # new | changed | metadata
    content_encoding: str = ""  # gzip | br when stored pre-compressed


@dataclass
class SyncPlan:
    release_id: str
    live_release_id: str | None
    unchanged: bool
    uploads: list[Upload]
    entry_keys: list[str]
    changed_paths: list[str]
    deletions: list[str]
    deleted_unhashed: list[str]
    deleted_releases: list[str]
    deferred: list[str]
    capped: int
    kept_releases: list[str]
    expired_releases: list[str]
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def invalidate_keys(self) -> list[str]:
        """Keys whose cached copies are now wrong: changed or deleted files without a hash in their name."""
        return sorted(set(self.changed_paths) | set(self.deleted_unhashed))

    def to_result(self) -> dict[str, Any]:
        return {
            "release_id": self.release_id,
            "live_release_id": self.live_release_id,
            "unchanged": self.unchanged,
            "uploads": [asdict(u) for u in self.uploads],
            "upload_bytes": sum(u.size for u in self.uploads),
            "changed_paths": self.changed_paths,
            "deletions": self.deletions,
            "deleted_releases": self.deleted_releases,
            "deferred_deletions": self.deferred,
            "capped_deletions": self.capped,
            "kept_releases": self.kept_releases,
            "expired_releases": self.expired_releases,
        }


def _kind(hashed: bool, entry: bool) -> str:
    return "entry" if entry else "hashed" if hashed else "other"


def upload_order(key: str, kind: str) -> tuple[int, int, str]:
    """Hashed, then other, then entry files; among entries, index.html files last and the top one very last."""
    rank = {"hashed": 0, "other": 1, "entry": 2}[kind]
    last = 0
    if kind == "entry" and posixpath.basename(key) == "index.html":
        last = 2 if key == "index.html" else 1
    return rank, last, key


def parse_time(value: str) -> datetime.datetime:
    t = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=datetime.UTC)


def chronological(manifests: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Oldest first, by creation time then id."""
    return sorted(manifests, key=lambda m: (parse_time(m["created_at"]), m["release_id"]))


# Pre-compressed storage: the content types CloudFront itself would compress
# (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/ServingCompressedFiles.html),
# from its lower size bound on.
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/manifest+json", "application/xml", "image/svg+xml", "image/x-icon")
MIN_COMPRESS_BYTES = 1000
ENCODINGS = ("gzip", "br")


def content_encoding(content_type: str, size: int, precompress: str) -> str:
    """The encoding a file is stored with: ``precompress`` for compressible files of 1,000 bytes or more, else none."""
    if not precompress or size < MIN_COMPRESS_BYTES:
        return ""
    return precompress if content_type.startswith(COMPRESSIBLE) else ""


def new_manifest(
    release_id: str,
    created_at: str,
    scan: Scan,
    rules: Iterable[CacheRule] = (),
    default_cache_control: str = DEFAULT,
    extra: Mapping[str, Any] | None = None,
    precompress: str = "",
) -> dict[str, Any]:
    if precompress and precompress not in ENCODINGS:
        raise PreflightError(f"precompress {precompress!r} is not one of {', '.join(ENCODINGS)}. Fix: precompress: gzip (or br, or leave it out)")
    rules = list(rules)
    files = {
        key: {
            "sha256": f.sha256,
            "size": f.size,
            "content_type": f.content_type,
            "cache_control": cache_control(key, f.hashed, f.entry, rules, default_cache_control),
            "content_encoding": content_encoding(f.content_type, f.size, precompress),
            "hashed": f.hashed,
            "entry": f.entry,
        }
        for key, f in scan.files.items()
    }
    return {"format": MANIFEST_FORMAT, "release_id": release_id, "created_at": created_at, "digest": scan.digest, "files": files, **(extra or {})}


def _same_files(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return set(a) == set(b) and all(all(a[k].get(f, "") == b[k].get(f, "") for f in SERVED) for k in a)


def plan_sync(
    manifest: dict[str, Any],
    remote: Mapping[str, RemoteObject],
    releases: Iterable[Mapping[str, Any]],
    live_release_id: str | None,
    completed: Iterable[str] = (),
    keep_releases: int = 5,
    keep_days: float = 0,
    max_deletions: int = 1000,
    now: datetime.datetime | None = None,
) -> SyncPlan:
    """The plan that makes the bucket serve ``manifest`` (see new_manifest), with retention applied."""
    if keep_releases < 1:
        raise PreflightError(f"keep_releases must be at least 1 (the live release), got {keep_releases}")
    if max_deletions < 0:
        raise PreflightError(f"max_deletions must be >= 0, got {max_deletions}")
    now = now or datetime.datetime.now(datetime.UTC)
    release_id = manifest["release_id"]
    files: dict[str, dict[str, Any]] = manifest["files"]
    by_id = {m["release_id"]: m for m in releases}
    if release_id in by_id and live_release_id != release_id and not _same_files(by_id[release_id]["files"], files):
        raise PreflightError(f"release {release_id} already exists in the bucket with other files. Fix: give a new release id (-e release=...) or leave it out")
    live = by_id.get(live_release_id) if live_release_id else None

    uploads = []
    changed = []
    for key, f in files.items():
        have = remote.get(key)
        kind = _kind(f["hashed"], f["entry"])
        before = (live or {}).get("files", {}).get(key)
        if have is None:
            reason = "new"
        elif have.sha256 != f["sha256"]:
            reason = "changed"
        elif (have.content_type, have.cache_control, have.content_encoding) != (f["content_type"], f["cache_control"], f.get("content_encoding", "")):
            reason = "metadata"
        else:
            reason = ""
        if reason:
            uploads.append(Upload(key, f["sha256"], f["size"], f["content_type"], f["cache_control"], kind, reason, f.get("content_encoding", "")))
        # The edge may hold the old content of a fixed name: the bucket's or the live release's.
        was_there = (have is not None and reason in ("changed", "metadata")) or (before is not None and any(before.get(x, "") != f.get(x, "") for x in SERVED))
        if not f["hashed"] and was_there:
            changed.append(key)
    uploads.sort(key=lambda u: upload_order(u.key, u.kind))
    entry_keys = sorted((k for k, f in files.items() if f["entry"]), key=lambda k: upload_order(k, "entry"))

    unchanged = live is not None and live_release_id is not None and not uploads and _same_files(live["files"], files)

    # Retention: the newest keep_releases (this one included), the live one, and any younger than keep_days.
    history = [m for m in chronological(by_id.values()) if m["release_id"] != release_id]
    newest_first = list(reversed(history))
    kept = {release_id} | ({live_release_id} if live_release_id else set())
    kept |= {m["release_id"] for m in newest_first[: keep_releases - 1]}
    if keep_days > 0:
        cutoff = now - datetime.timedelta(days=keep_days)
        kept |= {m["release_id"] for m in history if parse_time(m["created_at"]) >= cutoff}
    expired = [m for m in history if m["release_id"] not in kept]
    referenced = set(files)
    for m in history:
        if m["release_id"] in kept:
            referenced |= set(m["files"])
    order = [m["release_id"] for m in history] + [release_id]
    last_ref: dict[str, int] = {}
    for i, m in enumerate(history):
        for key in m["files"]:
            last_ref[key] = i
    done = set(completed)

    deletions: list[str] = []
    deferred: list[str] = []
    deleted_releases: list[str] = []
    capped = 0
    seen: set[str] = set()
    for m in expired:
        waiting = False
        for key in sorted(m["files"]):
            if key in referenced or key in seen:
                continue
            seen.add(key)
            if key not in remote:
                continue  # already gone
            retired_by = order[last_ref[key] + 1]
            if retired_by not in done:
                deferred.append(key)
                waiting = True
            elif len(deletions) >= max_deletions:
                capped += 1
                waiting = True
            else:
                deletions.append(key)
        if not waiting:
            deleted_releases.append(m["release_id"])
    if unchanged:
        # Nothing to publish means nothing to write: retention waits for the next release.
        deletions, deleted_releases, deferred = [], [], deferred + deletions
    hashed_keys = {k for m in by_id.values() for k, f in m["files"].items() if f.get("hashed")}
    deleted_unhashed = sorted(k for k in deletions if k not in hashed_keys)
    return SyncPlan(
        release_id=release_id,
        live_release_id=live_release_id,
        unchanged=unchanged,
        uploads=uploads,
        entry_keys=entry_keys,
        changed_paths=sorted(changed),
        deletions=deletions,
        deleted_unhashed=deleted_unhashed,
        deleted_releases=deleted_releases,
        deferred=sorted(deferred),
        capped=capped,
        kept_releases=[r for r in order if r in kept],
        expired_releases=[m["release_id"] for m in expired],
        manifest=manifest,
    )
