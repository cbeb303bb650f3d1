# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument specs and entry points shared by the site modules and the site_publish action plugin."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.actor import find_actor
from ansible_collections.slipway.aws.plugins.module_utils.aws import AWS_MUTUALLY_EXCLUSIVE, Aws, argument_spec, probe_endpoint
from ansible_collections.slipway.aws.plugins.module_utils.errors import PreflightError, SlipwayError
from ansible_collections.slipway.aws.plugins.module_utils.ledger import site_release_list
from ansible_collections.slipway.aws.plugins.module_utils.site import cloudfront
from ansible_collections.slipway.aws.plugins.module_utils.site.bucket import SiteBucket
from ansible_collections.slipway.aws.plugins.module_utils.site.invalidation import key_paths, plan_invalidation
from ansible_collections.slipway.aws.plugins.module_utils.site.plan import CURRENT_KEY, chronological, manifest_key
from ansible_collections.slipway.aws.plugins.module_utils.site.publish import SiteConfig, SitePublisher, check_release_id
from ansible_collections.slipway.aws.plugins.module_utils.site.rules import DEFAULT, parse_rules
from ansible_collections.slipway.aws.plugins.module_utils.site.verify import SECURITY_HEADERS

MUTUALLY_EXCLUSIVE = AWS_MUTUALLY_EXCLUSIVE

PUBLISH_SPEC: dict[str, Any] = argument_spec(
    **{
        "operation": {"type": "str", "default": "publish", "choices": ["publish", "rollback"]},
        "bucket": {"type": "str", "required": True},
        "distribution_id": {"type": "str"},
        "site": {"type": "str"},
        "dist": {"type": "path"},
        "release_id": {"type": "str"},
        "to": {"type": "str"},
        "cache_rules": {"type": "list", "elements": "dict", "default": []},
        "default_cache_control": {"type": "str", "default": DEFAULT},
        "precompress": {"type": "str", "default": "none", "choices": ["none", "gzip", "br"]},
        "keep_releases": {"type": "int", "default": 5},
        "keep_days": {"type": "float", "default": 0.0},
        "max_deletions": {"type": "int", "default": 1000},
        "invalidate": {"type": "bool", "default": True},
        "allow_wildcards": {"type": "bool", "default": True},
        "other_paths_used": {"type": "int", "default": 0},
        "wait": {"type": "bool", "default": False},
        "wait_timeout": {"type": "float", "default": 600.0},
        "poll_interval": {"type": "float", "default": 5.0},
        "edge_url": {"type": "str"},
        "verify_timeout": {"type": "float", "default": 30.0},
        "security_headers": {"type": "list", "elements": "str", "default": list(SECURITY_HEADERS)},
        "inject_marker": {"type": "bool", "default": False},
        "table": {"type": "str"},
        "summary_dir": {"type": "path"},
        "actor": {"type": "str"},
        "git_sha": {"type": "str", "default": "unknown"},
    }
)

INVALIDATION_SPEC: dict[str, Any] = argument_spec(
    **{
        "distribution_id": {"type": "str", "required": True},
        "paths": {"type": "list", "elements": "str", "required": True},
        "reference": {"type": "str", "required": True},
        "protected": {"type": "list", "elements": "str", "default": []},
        "collapse": {"type": "bool", "default": True},
        "wait": {"type": "bool", "default": False},
        "wait_timeout": {"type": "float", "default": 600.0},
        "poll_interval": {"type": "float", "default": 5.0},
    }
)

INFO_SPEC: dict[str, Any] = argument_spec(
    **{
        "bucket": {"type": "str", "required": True},
        "site": {"type": "str"},
        "distribution_id": {"type": "str"},
        "table": {"type": "str"},
        "limit": {"type": "int", "default": 20},
    }
)


def build_config(p: dict[str, Any]) -> SiteConfig:
    """The publish's configuration; PreflightError names each bad option and its fix."""
    publishing = p["operation"] == "publish"
    if publishing:
        if not p.get("dist"):
            raise PreflightError("no dist given. Fix: -e dist=PATH, the folder holding the build's index.html")
        check_release_id(p.get("release_id") or "")
    for name in ("keep_releases", "max_deletions", "other_paths_used"):
        if p[name] < (1 if name == "keep_releases" else 0):
            raise PreflightError(f"{name} must be >= {1 if name == 'keep_releases' else 0}, got {p[name]}")
    for name in ("keep_days", "wait_timeout", "verify_timeout"):
        if p[name] < 0:
            raise PreflightError(f"{name} must be >= 0, got {p[name]}")
    if p["poll_interval"] <= 0:
        raise PreflightError(f"poll_interval must be > 0, got {p['poll_interval']}")
    edge = p.get("edge_url") or None
    if edge and not edge.startswith(("http://", "https://")):
        raise PreflightError(f"edge_url {edge!r} is not an http(s) URL. Fix: https://<distribution domain> (slipway_site_edge_url)")
    return SiteConfig(
        bucket=p["bucket"],
        site=p.get("site") or p.get("distribution_id") or p["bucket"],
        distribution_id=p.get("distribution_id") or None,
        dist=p.get("dist") or "",
        release_id=p.get("release_id") or "",
        rules=tuple(parse_rules(p["cache_rules"])),
        default_cache_control=p["default_cache_control"],
        precompress="" if p.get("precompress", "none") == "none" else p["precompress"],
        keep_releases=p["keep_releases"],
        keep_days=p["keep_days"],
        max_deletions=p["max_deletions"],
        invalidate=p["invalidate"],
        allow_wildcards=p["allow_wildcards"],
        other_paths_used=p["other_paths_used"],
        wait=p["wait"],
        wait_timeout=p["wait_timeout"],
        poll_interval=p["poll_interval"],
        edge_url=edge,
        verify_timeout=p["verify_timeout"],
        security_headers=tuple(h.lower() for h in p["security_headers"]),
        inject_marker=p["inject_marker"],
        table=p.get("table") or None,
        summary_dir=p.get("summary_dir"),
        actor=p.get("actor") or find_actor(),
        git_sha=p.get("git_sha") or "unknown",
    )


def run_publish(p: dict[str, Any], check_mode: bool, diff_mode: bool, emit: Callable[[str], None]) -> dict[str, Any]:
    """Publish or roll back; an Ansible result (failed results carry a one-line msg)."""
    try:
        cfg = build_config(p)
        aws = Aws.from_params(p)
        probe_endpoint(aws)
        publisher = SitePublisher(aws, cfg, emit)
        if p["operation"] == "rollback":
            return publisher.rollback(p.get("to") or None, check_mode, diff_mode)
        return publisher.publish(check_mode, diff_mode)
    except SlipwayError as exc:
        return {"failed": True, "changed": False, "outcome": "refused", "msg": str(exc)}


def run_invalidation(p: dict[str, Any], check_mode: bool) -> dict[str, Any]:
    """One idempotent invalidation: the same reference and paths never create a second one."""
    try:
        aws = Aws.from_params(p)
        client = aws.client("cloudfront")
        dist = p["distribution_id"]
        requested = [x if x.startswith("/") else "/" + x for x in p["paths"]]
        if not requested:
            return {"changed": False, "invalidation": None, "paths": [], "msg": "no paths; nothing to invalidate"}
        usage = cloudfront.month_usage(client, dist)
        if p["collapse"] and not any("*" in x for x in requested):
            plan = plan_invalidation(
                requested,
                protected=key_paths(p["protected"]),
                month_paths_used=usage.estimated_paths,
                in_progress_paths=usage.in_progress_paths,
                in_progress_wildcards=usage.in_progress_wildcards,
            )
            if not plan.feasible:
                raise PreflightError(f"cannot invalidate: {plan.reason}. Fix: wait for the in-progress invalidations, then run again")
            paths, planned = plan.paths, plan.as_dict()
        else:
            paths, planned = sorted(set(requested)), None
        reference = cloudfront.caller_reference(p["reference"], paths)
        result: dict[str, Any] = {"paths": paths, "caller_reference": reference, "plan": planned, "month_usage": usage.as_dict()}
        existing = usage.references.get(reference)
        if existing is not None:
            inv = existing
            result["changed"] = False
        elif check_mode:
            result.update(changed=True, invalidation=None, msg=f"would invalidate {len(paths)} paths: {', '.join(paths[:10])}")
            return result
        else:
            asked = datetime.datetime.now(datetime.UTC)
            inv = cloudfront.create_invalidation(client, dist, paths, p["reference"])
            # A request older than this call is the one CloudFront already had under this
            # reference (beyond the history this run read): nothing changed.
            result["changed"] = not cloudfront.created_before(inv, asked - cloudfront.CLOCK_SKEW)
        status = inv.status
        if p["wait"] and status != "Completed" and not check_mode:
            status = cloudfront.wait_invalidation(client, dist, inv.id, p["wait_timeout"], p["poll_interval"])
        result["invalidation"] = {**inv.as_dict(), "status": status}
        result["msg"] = f"invalidation {inv.id} {status}: {len(paths)} paths"
        return result
    except SlipwayError as exc:
        return {"failed": True, "changed": False, "msg": str(exc)}


def run_info(p: dict[str, Any]) -> dict[str, Any]:
    """The releases kept in the bucket (newest first), the live one, the one a rollback returns to, and the ledger."""
    try:
        aws = Aws.from_params(p)
        bucket = SiteBucket(aws, p["bucket"])
        current = bucket.get_json(CURRENT_KEY)
        manifests = [m for m in (bucket.get_json(manifest_key(r)) for r in bucket.manifest_ids()) if m]
        live = (current or {}).get("release_id")
        releases = []
        for m in reversed(chronological(manifests)):
            files = m.get("files", {})
            releases.append(
                {
                    "release_id": m["release_id"],
                    "created_at": m["created_at"],
                    "live": m["release_id"] == live,
                    "git_sha": m.get("git_sha"),
                    "actor": m.get("actor"),
                    "digest": m.get("digest"),
                    "files": len(files),
                    "bytes": sum(f.get("size", 0) for f in files.values()),
                    "index_sha256": files.get("index.html", {}).get("sha256"),
                    "invalidation": m.get("invalidation"),
                }
            )
        ids = [r["release_id"] for r in releases]
        older = ids[ids.index(live) + 1 :] if live in ids else []
        result: dict[str, Any] = {
            "changed": False,
            "releases": releases[: p["limit"]],
            "live_release_id": live,
            "current": current,
            "previous_release_id": older[0] if older else None,
        }
        site = p.get("site") or p.get("distribution_id") or p["bucket"]
        if p.get("table"):
            result["ledger"] = site_release_list(aws, p["table"], site, limit=p["limit"])
        return result
    except SlipwayError as exc:
        return {"failed": True, "changed": False, "msg": str(exc)}
