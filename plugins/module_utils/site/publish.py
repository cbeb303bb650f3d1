# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Publish and rollback of a static site, phase by phase.

Publish: scan → plan → upload (hashed, other, entry; index.html last) → keep
the entry files' copies → write the release manifest → switch
``_slipway/current.json`` → delete what retention retired → invalidate →
(wait) → verify through the edge → ledger → summary.

Interrupted anywhere, the site serves one whole release: until the new
index.html is written browsers get the old one, whose files are untouched,
and after it the new one, whose files are all there. The next run finds what
is already uploaded by its sha256, writes what is missing and creates the
invalidation the interrupted run did not (its CallerReference makes a repeat
harmless).

Rollback copies an earlier release's entry files back from its kept copies
(``_slipway/releases/<id>/entry/...``): no rebuild, no upload of hashed files,
a handful of server-side copies and one small invalidation.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import re
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils import ledger
from ansible_collections.slipway.aws.plugins.module_utils.aws import Aws, call
from ansible_collections.slipway.aws.plugins.module_utils.errors import Interrupted, LockHeldError, PreflightError, SlipwayError
from ansible_collections.slipway.aws.plugins.module_utils.site import cloudfront
from ansible_collections.slipway.aws.plugins.module_utils.site.bucket import SiteBucket
from ansible_collections.slipway.aws.plugins.module_utils.site.invalidation import InvalidationPlan, key_paths, plan_invalidation
from ansible_collections.slipway.aws.plugins.module_utils.site.plan import (
    CURRENT_KEY,
    INVALIDATIONS_KEY,
    PREFIX,
    RELEASES_PREFIX,
    RemoteObject,
    SyncPlan,
    chronological,
    entry_copy_key,
    manifest_key,
    new_manifest,
    parse_time,
    plan_sync,
    upload_order,
)
from ansible_collections.slipway.aws.plugins.module_utils.site.rules import DEFAULT, CacheRule
from ansible_collections.slipway.aws.plugins.module_utils.site.scan import Scan, scan_dist, with_marker
from ansible_collections.slipway.aws.plugins.module_utils.site.verify import SECURITY_HEADERS, EdgeCheck, Expected, Fetch, http_fetch, verify_edge

RELEASE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
MARKER_NAME = "slipway-site"
# A release whose invalidation was never created (its run died before) stops
# holding back deletions after this long: no edge or browser keeps an entry
# file (no-cache) or another file (minutes) that long.
_ABANDONED_INVALIDATION = datetime.timedelta(days=1)
# The site's lease (with a deployment table); renewed while the run uploads.
LEASE_TTL_SECONDS = 300


@dataclass(frozen=True)
class SiteConfig:
    bucket: str
    site: str
    distribution_id: str | None = None
    dist: str = ""
    release_id: str = ""
    rules: tuple[CacheRule, ...] = ()
    default_cache_control: str = DEFAULT
    precompress: str = ""  # gzip | br: store compressible files encoded (for a distribution that does not compress)
    keep_releases: int = 5
    keep_days: float = 0.0
    max_deletions: int = 1000
    invalidate: bool = True
    allow_wildcards: bool = True
    other_paths_used: int = 0
    wait: bool = False
    wait_timeout: float = 600.0
    poll_interval: float = 5.0
    edge_url: str | None = None
    verify_timeout: float = 30.0
    security_headers: tuple[str, ...] = SECURITY_HEADERS
    inject_marker: bool = False
    table: str | None = None
    summary_dir: str | None = None
    actor: str = ""
    git_sha: str = "unknown"


@dataclass
class State:
    listing: dict[str, str]
    manifests: dict[str, dict[str, Any]]
    current: dict[str, Any] | None
    completed: set[str] = field(default_factory=set)

    @property
    def live_id(self) -> str | None:
        return (self.current or {}).get("release_id")

    @property
    def live(self) -> dict[str, Any] | None:
        return self.manifests.get(self.live_id or "")


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def iso(t: datetime.datetime) -> str:
    return t.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_release_id(release_id: str, option: str = "release") -> None:
    if not RELEASE_ID_RE.match(release_id or ""):
        raise PreflightError(f"release id {release_id!r} is not 1-100 letters, digits, '.', '_' or '-'. Fix: -e {option}=20261130T0915Z-abc1234")


def _diff(before: dict[str, Any] | None, after: dict[str, Any] | None, before_id: str | None, after_id: str) -> dict[str, str]:
    return {"before": _lines(before), "after": _lines(after), "before_header": f"release {before_id or '(none)'}", "after_header": f"release {after_id}"}


def _lines(manifest: dict[str, Any] | None) -> str:
    files = (manifest or {}).get("files", {})
    return "".join(f"{k}  {f['sha256'][:12]}  {f['cache_control']}\n" for k, f in sorted(files.items()))


class SitePublisher:
    def __init__(
        self,
        aws: Aws,
        cfg: SiteConfig,
        emit: Callable[[str], None] = lambda _m: None,
        fetch: Fetch = http_fetch,
        clock: Callable[[], datetime.datetime] = utc_now,
        cloudfront_client: Any = None,
    ) -> None:
        self.aws = aws
        self.cfg = cfg
        self.emit = emit
        self.fetch = fetch
        self.clock = clock
        self.bucket = SiteBucket(aws, cfg.bucket)
        self.cf = (cloudfront_client or aws.client("cloudfront")) if cfg.distribution_id else None
        self.started = clock()
        self.phase = "read"
        self.shell_written = False
        self.lease: ledger.Lease | None = None
        self.lease_state: dict[str, Any] = {}
        # The process that started this run (ansible-playbook, or the module's parent).
        self.controller = os.getppid()
        self.switched: float | None = None  # time.monotonic() when viewers started getting the new shell
        self.usage: cloudfront.MonthUsage | None = None
        # What earlier runs read of the invalidation history (id -> path counts, status).
        self.known: dict[str, dict[str, Any]] = {}
        self.learned: dict[str, dict[str, Any]] = {}  # the kept releases' completed invalidations

    # --- reading -------------------------------------------------------------

    def read_state(self) -> State:
        listing = self.bucket.listing()
        ids = sorted({k[len(RELEASES_PREFIX) : -len(".json")] for k in listing if k.startswith(RELEASES_PREFIX) and k.endswith(".json") and k.count("/") == 2})
        manifests = {}
        for rid in ids:
            m = self.bucket.get_json(manifest_key(rid))
            if m and m.get("release_id") == rid:
                manifests[rid] = m
        state = State({k: v for k, v in listing.items() if not k.startswith(PREFIX)}, manifests, self.bucket.get_json(CURRENT_KEY))
        cached = self.bucket.get_json(INVALIDATIONS_KEY) if INVALIDATIONS_KEY in listing else None
        if cached and cached.get("distribution_id") == self.cfg.distribution_id:
            self.known = dict(cached.get("invalidations") or {})
        state.completed = self._completed(state)
        return state

    def _completed(self, state: State) -> set[str]:
        """Releases whose invalidation completed (or that needed none): what they retired may go."""
        done = set()
        now = self.clock()
        for rid, m in state.manifests.items():
            inv = m.get("invalidation") or {}
            if not inv.get("paths") or inv.get("status") == "Completed" or self.cf is None:
                done.add(rid)
            elif inv.get("id"):
                if (self.known.get(inv["id"]) or {}).get("status") == "Completed":
                    done.add(rid)  # read by an earlier run: a completed invalidation stays completed
                    self.learned[inv["id"]] = self.known[inv["id"]]
                    continue
                read = cloudfront.get_invalidation(self.cf, self.cfg.distribution_id or "", inv["id"])
                if read.status == "Completed":
                    done.add(rid)
                    self.learned[read.id] = {**cloudfront.invalidation_counts(read), "status": read.status}
            elif rid != state.live_id and now - parse_time(m["created_at"]) > _ABANDONED_INVALIDATION:
                done.add(rid)
        return done

    def remote_objects(self, state: State, local_keys: set[str]) -> dict[str, RemoteObject]:
        """What the bucket holds, by sha256: from a manifest when the ETag proves it, else from the object's metadata."""
        known: dict[tuple[str, str], dict[str, Any]] = {}
        for m in chronological(state.manifests.values()):
            for key, f in m["files"].items():
                if f.get("etag"):
                    known[(key, f["etag"])] = f
        for key, f in ((state.live or {}).get("files") or {}).items():
            if f.get("etag"):
                known[(key, f["etag"])] = f
        out = {}
        for key, etag in state.listing.items():
            f = known.get((key, etag))
            if f is not None:
                out[key] = RemoteObject(f["sha256"], f["content_type"], f["cache_control"], etag, f.get("content_encoding", ""))
            elif key in local_keys:
                out[key] = self.bucket.head(key) or RemoteObject(None, etag=etag)
            else:
                out[key] = RemoteObject(None, etag=etag)
        return out

    def scan(self) -> Scan:
        self.phase = "scan"
        scan = scan_dist(self.cfg.dist)
        if self.cfg.inject_marker:
            scan = with_marker(scan, MARKER_NAME)
        kinds = [("hashed", sum(f.hashed for f in scan.files.values())), ("entry", sum(f.entry for f in scan.files.values()))]
        size = sum(f.size for f in scan.files.values())
        self.emit(f"scan: {len(scan.files)} files ({kinds[0][1]} hashed, {kinds[1][1]} entry), {size / 1e6:.2f} MB, digest {scan.digest[:12]}")
        return scan

    def _invalidation(self, keys: list[str], protected: list[str]) -> tuple[InvalidationPlan | None, dict[str, Any]]:
        if not self.cf or not self.cfg.invalidate or not keys:
            return None, {}
        usage = self.usage = cloudfront.month_usage(self.cf, self.cfg.distribution_id or "", self.clock(), known=self.known)
        if not usage.complete:
            self.emit(
                f"invalidation history: {usage.invalidations}{'+' if usage.more_unlisted else ''} requests this month, {usage.unread} not read yet "
                f"(the next runs read them): at least {usage.paths} paths used, about {usage.estimated_paths}"
            )
        plan = plan_invalidation(
            key_paths(keys),
            protected=key_paths(protected),
            month_paths_used=usage.estimated_paths + self.cfg.other_paths_used,
            in_progress_paths=usage.in_progress_paths,
            in_progress_wildcards=usage.in_progress_wildcards,
            allow_wildcards=self.cfg.allow_wildcards,
        )
        return plan, usage.as_dict()

    # --- publish -------------------------------------------------------------

    def publish(self, check_mode: bool = False, diff_mode: bool = False) -> dict[str, Any]:
        cfg = self.cfg
        check_release_id(cfg.release_id)
        scan = self.scan()
        self.phase = "plan"
        state = self.read_state()
        extra = {"site": cfg.site, "git_sha": cfg.git_sha, "actor": cfg.actor}
        manifest = new_manifest(cfg.release_id, iso(self.started), scan, cfg.rules, cfg.default_cache_control, extra, cfg.precompress)
        if cfg.precompress:
            self._note_edge_compression()
        plan = plan_sync(
            manifest,
            self.remote_objects(state, set(scan.files)),
            state.manifests.values(),
            state.live_id,
            state.completed,
            cfg.keep_releases,
            cfg.keep_days,
            cfg.max_deletions,
            self.clock(),
        )
        protected = [k for k, f in scan.files.items() if f.hashed]
        inv_plan, usage = self._invalidation(plan.invalidate_keys, protected)
        if inv_plan is not None and not inv_plan.feasible:
            raise PreflightError(f"cannot invalidate: {inv_plan.reason}. Fix: wait for the in-progress invalidations to complete, then run again")
        result: dict[str, Any] = {
            "site": cfg.site,
            "release_id": cfg.release_id,
            "live_release_id": state.live_id,
            "plan": plan.to_result(),
            "invalidation": {"plan": inv_plan.as_dict() if inv_plan else None, "month_usage": usage},
        }
        if diff_mode:
            result["diff"] = _diff(state.live, manifest, state.live_id, cfg.release_id)
        resume = self._pending_switch_invalidation(state)
        if plan.unchanged and not resume:
            msg = f"{cfg.site}: release {state.live_id} already serves this build; nothing to do"
            result.update(changed=False, outcome="unchanged", release_id=state.live_id, msg=msg)
            self.emit(result["msg"])
            return self._finish(result, write=False)
        if plan.unchanged:
            result["release_id"] = state.live_id
            if check_mode:
                result.update(changed=True, outcome="planned", msg=f"would create the invalidation release {state.live_id} did not get to")
                return self._finish(result, write=False)
            result["invalidation"]["created"] = self._invalidate_switch(state.current or {}, state.live_id or "")
            result.update(changed=True, outcome="published", msg=f"{cfg.site}: completed the invalidation of release {state.live_id}")
            self.emit(result["msg"])
            return self._finish(result, write=False)
        self._emit_plan(plan, inv_plan)
        if check_mode:
            result.update(changed=True, outcome="planned", msg=self._plan_line(plan, inv_plan, "would publish"))
            return self._finish(result, write=False)
        with self._leased(cfg.release_id, state):
            try:
                self._execute(scan, plan, state, inv_plan, result)
            except SlipwayError as exc:
                live = "the new build" if self.shell_written else f"release {state.live_id or '(none)'}"
                result.update(
                    changed=True,
                    failed=True,
                    outcome="failed",
                    msg=f"publish of {cfg.release_id} failed in phase {self.phase}: {exc}. The site serves {live} whole; run again to complete it",
                )
        # After the lease is given back, so that the summary counts every call the run made.
        return self._finish(result, write=True)

    def _execute(self, scan: Scan, plan: SyncPlan, state: State, inv_plan: InvalidationPlan | None, result: dict[str, Any]) -> None:
        cfg = self.cfg
        if self._pending_switch_invalidation(state):
            # The live release's own invalidation never got created (its run died after the
            # switch): create it first, its reference makes a repeat harmless.
            result["invalidation"]["resumed"] = self._invalidate_switch(state.current or {}, state.live_id or "")
        files = plan.manifest["files"]
        etags = {k: state.listing[k] for k in files if k in state.listing}
        self.phase = "upload"
        done = {"hashed": 0, "other": 0, "entry": 0}
        for up in plan.uploads:
            f = scan.files[up.key]
            etags[up.key] = self.bucket.put_file(up.key, f.read(), up.sha256, up.content_type, up.cache_control, up.content_encoding)
            self._heartbeat()
            done[up.kind] += 1
            if up.kind == "entry":
                self.emit(f"upload: {up.key} ({up.reason})")
        self.shell_written = True  # from here on, browsers get the new index.html
        self.switched = time.monotonic()
        self.emit(f"upload: {done['hashed']} hashed, {done['other']} other, {done['entry']} entry files")
        self.phase = "manifest"
        self._heartbeat()
        for key in plan.entry_keys:
            up = files[key]
            body = scan.files[key].read()
            self.bucket.put_file(entry_copy_key(cfg.release_id, key), body, up["sha256"], up["content_type"], up["cache_control"], up["content_encoding"])
        for key, f in files.items():
            f["etag"] = etags.get(key, "")
        inv_paths = inv_plan.paths if inv_plan else []
        plan.manifest["invalidation"] = {"paths": inv_paths, "id": None, "status": "pending" if inv_paths else "none"}
        self.bucket.put_json(manifest_key(cfg.release_id), plan.manifest)
        self.phase = "switch"
        self._heartbeat()
        current = {
            "release_id": cfg.release_id,
            "switched_at": iso(self.clock()),
            "previous_release_id": state.live_id,
            "kind": "publish",
            "invalidation": {"paths": inv_paths, "id": None, "status": "pending" if inv_paths else "none", "reference": cfg.release_id},
        }
        self.bucket.put_json(CURRENT_KEY, current)
        self.emit(f"switch: release {cfg.release_id} is live (was {state.live_id or 'none'})")
        result["changed"] = True
        self.phase = "delete"
        self._delete(plan, state, result)
        self.phase = "invalidate"
        created = self._invalidate_switch(current, cfg.release_id) if inv_paths else None
        if created:
            plan.manifest["invalidation"] = {"paths": inv_paths, "id": created["id"], "status": created["status"]}
            self.bucket.put_json(manifest_key(cfg.release_id), plan.manifest)
        result["invalidation"]["created"] = created
        self.phase = "verify"
        index = scan.files["index.html"]
        asset = self._asset_to_check(scan)
        check = self._verify(
            Expected(
                index_sha256=index.sha256,
                index_cache_control=files["index.html"]["cache_control"],
                asset_key=asset,
                asset_cache_control=files[asset]["cache_control"] if asset else "",
                marker=self._marker(index.read()) if cfg.inject_marker else None,
                security_headers=tuple(cfg.security_headers),
            )
        )
        result["verify"] = check.as_dict() if check else None
        ok = check is None or check.ok
        result["outcome"] = "published" if ok else "verify_failed"
        line = self._plan_line(plan, inv_plan, "published")
        if ok:
            result["msg"] = f"{line}; verify: {'skipped (no edge_url)' if check is None else 'PASS'}"
        else:
            result["failed"] = True
            result["msg"] = (
                f"release {cfg.release_id} is live but the edge check {check.status}: {check.summary}. "
                f"Next: roll back with playbooks/rollback_frontend.yml -e to={state.live_id or 'RELEASE_ID'}, or fix the distribution"
            )

    @contextlib.contextmanager
    def _leased(self, release_id: str, state: State) -> Iterator[None]:
        """Hold the site's lease (with a deployment table) while writing; refuse if the site moved since the plan."""
        if not self.cfg.table:
            yield
            return
        self.lease = ledger.site_lease(self.aws, self.cfg.table, self.cfg.site, release_id, LEASE_TTL_SECONDS)
        self.lease_state = {"release_id": release_id, "host": socket.gethostname(), "pid": os.getpid()}
        try:
            self.lease.acquire(self.cfg.actor, iso(self.started), self.lease_state)
        except LockHeldError as exc:
            if not self._holder_is_dead(exc.holder):
                raise
            # Killed on this machine (SIGKILL, a closed laptop lid's OOM, a CI runner's cancel):
            # what it left is a whole release and a resumable plan, so the lease is taken over.
            dead_pid = (exc.holder.get("state") or {}).get("pid")
            if not self.lease.take_over_dead(exc.holder):
                raise
            self.emit(f"lease: run {exc.holder.get('release_id')} died (pid {dead_pid} on this host is gone); taking over")
            self.lease.acquire(self.cfg.actor, iso(self.started), self.lease_state)
        try:
            if self.bucket.get_json(CURRENT_KEY) != state.current:
                raise PreflightError(f"another run switched {self.cfg.site} while this one was planning. Fix: run again")
            yield
        finally:
            try:
                self.lease.release()
            except SlipwayError as exc:
                self.emit(f"lease not released (it expires by itself in {LEASE_TTL_SECONDS}s): {exc}")

    def _heartbeat(self) -> None:
        """Between two writes: stop if the controller is gone, renew the lease now and then."""
        if os.getppid() != self.controller:
            # ansible-playbook was interrupted or killed; its worker does not publish on alone.
            raise Interrupted(f"interrupted: the controller (pid {self.controller}) is gone")
        if self.lease is not None:
            self.lease.update({**self.lease_state, "phase": self.phase})

    @staticmethod
    def _holder_is_dead(holder: dict[str, Any]) -> bool:
        """Whether the lease's holder ran on this host and its process is gone (elsewhere: not knowable; wait for expiry)."""
        state = holder.get("state") or {}
        pid = state.get("pid")
        if holder.get("expired") or state.get("host") != socket.gethostname() or not isinstance(pid, int) or pid <= 0:
            return False
        if pid == os.getpid():
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # alive, another user's
            return False
        return False

    @staticmethod
    def _marker(body: bytes) -> str:
        m = re.search(rb'<meta name="' + MARKER_NAME.encode() + rb'" content="([0-9a-f]{64})">', body)
        return m.group(0).decode() if m else ""

    def _note_edge_compression(self) -> None:
        """Pre-compression is for a distribution that does not compress; say so when it does."""
        if not self.cf:
            return
        try:
            cfg = call(self.cf, "get_distribution_config", Id=self.cfg.distribution_id)["DistributionConfig"]
        except SlipwayError as exc:
            self.emit(f"precompress {self.cfg.precompress}: could not read the distribution's compression setting ({exc})")
            return
        if cfg.get("DefaultCacheBehavior", {}).get("Compress"):
            self.emit(
                f"precompress {self.cfg.precompress}: {self.cfg.distribution_id} compresses at the edge too; "
                "the stored encoding is served to every viewer as it is (CloudFront does not re-encode)"
            )

    @staticmethod
    def _asset_to_check(scan: Scan) -> str | None:
        hashed = [k for k, f in scan.files.items() if f.hashed and not k.endswith(".map")]
        index = scan.files["index.html"].read()
        referenced = [k for k in hashed if k.encode() in index]
        return (referenced or hashed or [None])[0]

    def _delete(self, plan: SyncPlan, state: State, result: dict[str, Any]) -> None:
        keys = list(plan.deletions)
        for rid in plan.deleted_releases:
            m = state.manifests.get(rid, {})
            keys += [entry_copy_key(rid, k) for k, f in m.get("files", {}).items() if f.get("entry")]
        errors = self.bucket.delete(keys) if keys else []
        # Manifests go last: a release's record outlives its files, never the other way round.
        manifests = [manifest_key(rid) for rid in plan.deleted_releases]
        errors += self.bucket.delete(manifests) if manifests and not errors else []
        result["deleted"] = {"files": len(plan.deletions), "releases": plan.deleted_releases, "errors": errors}
        if keys or manifests:
            self.emit(
                f"delete: {len(plan.deletions)} retired files, {len(plan.deleted_releases)} expired releases "
                f"({len(plan.deferred)} waiting on an invalidation, {plan.capped} over the cap)"
            )
        if errors:
            raise SlipwayError(f"S3 refused {len(errors)} deletions ({'; '.join(errors[:3])})")

    def _pending_switch_invalidation(self, state: State) -> bool:
        inv = (state.current or {}).get("invalidation") or {}
        return bool(self.cf and self.cfg.invalidate and inv.get("paths") and not inv.get("id"))

    def _invalidate_switch(self, current: dict[str, Any], release_id: str) -> dict[str, Any] | None:
        """Create the invalidation recorded in current.json (idempotent by its reference), then wait if asked."""
        inv = current.get("invalidation") or {}
        if not self.cf or not inv.get("paths"):
            return None
        self.phase = "invalidate"
        created = cloudfront.create_invalidation(self.cf, self.cfg.distribution_id or "", inv["paths"], inv.get("reference") or release_id)
        self.emit(f"invalidate: {created.id} {created.status}: {', '.join(created.paths[:8])}{' …' if len(created.paths) > 8 else ''}")
        status = created.status
        if self.cfg.wait and status != "Completed":
            self.phase = "wait"
            status = cloudfront.wait_invalidation(self.cf, self.cfg.distribution_id or "", created.id, self.cfg.wait_timeout, self.cfg.poll_interval)
            self.emit(f"wait: invalidation {created.id} {status}")
        current = {**current, "invalidation": {**inv, "id": created.id, "status": status}}
        self.bucket.put_json(CURRENT_KEY, current)
        self._keep_usage(created, status)
        return {**created.as_dict(), "status": status}

    def _keep_usage(self, created: cloudfront.Invalidation, status: str) -> None:
        """Keep what this run read of the history (and its own request) for the next run's estimate."""
        # this month's requests, and the kept releases' (whatever their month): the cache stays small
        known = {**self.learned, **(self.usage.known if self.usage else {})}
        known[created.id] = {**cloudfront.invalidation_counts(created), "status": status}
        try:
            self.bucket.put_json(INVALIDATIONS_KEY, {"distribution_id": self.cfg.distribution_id, "invalidations": known})
        except SlipwayError as exc:  # only an estimate is lost: the next run reads the history again
            self.emit(f"invalidation history not kept: {exc}")

    def _verify(self, want: Expected) -> EdgeCheck | None:
        if not self.cfg.edge_url:
            self.emit("verify: skipped (no edge_url)")
            return None
        self.phase = "verify"
        check = verify_edge(self.cfg.edge_url, want, self.fetch, timeout=self.cfg.verify_timeout, interval=min(0.5, self.cfg.poll_interval))
        if check.ok and self.switched is not None:
            # How long viewers could still get the release before (polled every half second).
            check.evidence["seconds_after_switch"] = round(time.monotonic() - self.switched, 1)
            self.emit(f"verify: {check.status} {check.evidence['seconds_after_switch']}s after the switch — {check.summary}")
        else:
            self.emit(f"verify: {check.status} — {check.summary}")
        return check

    def _emit_plan(self, plan: SyncPlan, inv: InvalidationPlan | None) -> None:
        self.emit(self._plan_line(plan, inv, "plan"))
        for up in plan.uploads:
            if up.kind == "entry":
                self.emit(f"  {up.key} ({up.reason})")

    @staticmethod
    def _plan_line(plan: SyncPlan, inv: InvalidationPlan | None, verb: str) -> str:
        kinds = {k: sum(1 for u in plan.uploads if u.kind == k) for k in ("hashed", "other", "entry")}
        inv_text = (
            f"invalidate {inv.billed_paths} paths ({', '.join(inv.paths[:5])}{' …' if len(inv.paths) > 5 else ''}; est. ${inv.estimated_cost_usd:.3f}, "
            f"{inv.free_paths_left} free paths left this month)"
            if inv
            else "no invalidation"
        )
        return (
            f"{verb} {plan.release_id} (live: {plan.live_release_id or 'none'}): upload {kinds['hashed']} hashed, {kinds['other']} other, "
            f"{kinds['entry']} entry files; delete {len(plan.deletions)}; {inv_text}"
        )

    # --- rollback ------------------------------------------------------------

    def rollback(self, to: str | None = None, check_mode: bool = False, diff_mode: bool = False) -> dict[str, Any]:
        cfg = self.cfg
        self.phase = "plan"
        state = self.read_state()
        if not state.live_id:
            raise PreflightError(
                f"{cfg.site} has no live release (no {CURRENT_KEY} in {cfg.bucket}). Fix: publish first (playbooks/deploy_frontend.yml -e dist=PATH)"
            )
        order = [m["release_id"] for m in chronological(state.manifests.values())]
        if to is None:
            older = order[: order.index(state.live_id)] if state.live_id in order else []
            if not older:
                raise PreflightError(f"no release of {cfg.site} older than the live one ({state.live_id}). Kept releases: {', '.join(order) or 'none'}")
            to = older[-1]
        check_release_id(to, "to")
        if to not in state.manifests:
            kept = ", ".join(reversed(order)) or "none"
            raise PreflightError(f"release {to} of {cfg.site} is not kept in {cfg.bucket}. Kept releases: {kept}. Fix: -e to=<one of them>")
        target = state.manifests[to]
        result: dict[str, Any] = {"site": cfg.site, "release_id": to, "live_release_id": state.live_id, "kind": "rollback"}
        if diff_mode:
            result["diff"] = _diff(state.live, target, state.live_id, to)
        copies = self.bucket.listing(f"{RELEASES_PREFIX}{to}/entry/")
        entries = sorted((k for k, f in target["files"].items() if f.get("entry")), key=lambda k: upload_order(k, "entry"))
        missing = [k for k in entries if entry_copy_key(to, k) not in copies]
        missing += [k for k, f in target["files"].items() if f.get("hashed") and k not in state.listing]
        if missing:
            raise PreflightError(
                f"release {to} cannot be restored: {len(missing)} of its files are gone ({', '.join(missing[:5])}). "
                "Fix: publish that build again (playbooks/deploy_frontend.yml -e dist=PATH)"
            )
        remote = self.remote_objects(state, {k for k, f in target["files"].items() if not f.get("hashed")})
        changed = [k for k in entries if (remote.get(k) or RemoteObject(None)).sha256 != target["files"][k]["sha256"]]
        not_restored = sorted(
            k
            for k, f in target["files"].items()
            if not f.get("entry") and not f.get("hashed") and k in state.listing and (remote.get(k) or RemoteObject(None)).sha256 != f["sha256"]
        )
        result["plan"] = {"copy": changed, "not_restored": not_restored}
        if to == state.live_id and not changed:
            result.update(changed=False, outcome="unchanged", msg=f"{cfg.site}: release {to} is already live; nothing to do")
            self.emit(result["msg"])
            return self._finish(result, write=False)
        inv_plan, usage = self._invalidation(
            [k for k in changed if not target["files"][k].get("hashed")], [k for k, f in target["files"].items() if f.get("hashed")]
        )
        result["invalidation"] = {"plan": inv_plan.as_dict() if inv_plan else None, "month_usage": usage}
        line = f"roll {cfg.site} back from {state.live_id} to {to}: copy {len(changed)} entry files ({', '.join(changed)}); " + (
            f"invalidate {inv_plan.billed_paths} paths" if inv_plan else "no invalidation"
        )
        if not_restored:
            line += f"; {len(not_restored)} unhashed files differ and stay as they are ({', '.join(not_restored[:3])})"
        if check_mode:
            result.update(changed=True, outcome="planned", msg=f"would {line}")
            self.emit(result["msg"])
            return self._finish(result, write=False)
        self.emit(line)
        with self._leased(f"rollback-{to}", state):
            self._rollback(to, changed, target, state, inv_plan, result)
        return self._finish(result, write=True)

    def _rollback(self, to: str, changed: list[str], target: dict[str, Any], state: State, inv_plan: InvalidationPlan | None, result: dict[str, Any]) -> None:
        cfg = self.cfg
        try:
            self.phase = "copy"
            for key in changed:
                self._heartbeat()
                self.bucket.copy(entry_copy_key(to, key), key)
                self.emit(f"copy: {key} from release {to}")
            self.switched = time.monotonic()  # viewers get the old shell from the last copy on
            self.phase = "switch"
            reference = f"{to}-rollback-{iso(self.started).replace(':', '')}"
            paths = inv_plan.paths if inv_plan else []
            current = {
                "release_id": to,
                "switched_at": iso(self.clock()),
                "previous_release_id": state.live_id,
                "kind": "rollback",
                "invalidation": {"paths": paths, "id": None, "status": "pending" if paths else "none", "reference": reference},
            }
            self.bucket.put_json(CURRENT_KEY, current)
            result["changed"] = True
            self.emit(f"switch: release {to} is live again (was {state.live_id})")
            result["invalidation"]["created"] = self._invalidate_switch(current, to)
            index = target["files"]["index.html"]
            asset = next((k for k, f in sorted(target["files"].items()) if f.get("hashed") and not k.endswith(".map")), None)
            check = self._verify(
                Expected(
                    index_sha256=index["sha256"],
                    index_cache_control=index["cache_control"],
                    asset_key=asset,
                    asset_cache_control=target["files"][asset]["cache_control"] if asset else "",
                    security_headers=tuple(cfg.security_headers),
                )
            )
            result["verify"] = check.as_dict() if check else None
            if check is not None and not check.ok:
                result.update(failed=True, outcome="verify_failed", msg=f"rolled back to {to} but the edge check {check.status}: {check.summary}")
            else:
                result.update(outcome="rolled_back", msg=f"{cfg.site} serves release {to} again (was {state.live_id})")
        except SlipwayError as exc:
            result.update(
                changed=True,
                failed=True,
                outcome="failed",
                msg=f"rollback to {to} failed in phase {self.phase}: {exc}. Run it again: the copies are idempotent",
            )

    # --- records -------------------------------------------------------------

    def _finish(self, result: dict[str, Any], write: bool) -> dict[str, Any]:
        result.setdefault("changed", False)
        result["started_at"] = iso(self.started)
        result["finished_at"] = iso(self.clock())
        result["api_calls"] = self.aws.counter.as_dict()
        if not write:
            return result
        entry = {
            "site": self.cfg.site,
            "release_id": result["release_id"],
            "kind": result.get("kind", "publish"),
            "outcome": result["outcome"],
            "started_at": result["started_at"],
            "finished_at": result["finished_at"],
            "previous_release_id": result.get("live_release_id"),
            "who": self.cfg.actor,
            "git_sha": self.cfg.git_sha,
            "uploads": len((result.get("plan") or {}).get("uploads") or []),
            "invalidation": (result.get("invalidation") or {}).get("created"),
            "verify": (result.get("verify") or {}).get("status"),
            "message": result.get("msg", ""),
        }
        if self.cfg.table:
            try:
                ledger.site_release_put(self.aws, self.cfg.table, entry)
                result["ledger"] = "written"
            except SlipwayError as exc:
                result["ledger"] = f"NOT written: {exc}"
            result["api_calls"] = self.aws.counter.as_dict()  # the ledger write included
        if self.cfg.summary_dir:
            os.makedirs(self.cfg.summary_dir, exist_ok=True)
            path = os.path.join(self.cfg.summary_dir, f"site-{self.cfg.site}-{result['release_id']}.json")
            result["summary_file"] = path
            with open(path, "w", encoding="utf-8") as fh:
                json.dump(result, fh, indent=2, sort_keys=True, default=str)
        return result
