# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Verification through the edge: what a browser gets is the release we meant.

PASS needs all of: the app shell served is the new one (by sha256, or by the
marker injected into it), with its Cache-Control; one hashed asset served
with its Cache-Control; the security headers present. A request that fails is
ERROR, never PASS.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

# (status, lower-cased headers, body)
Fetch = Callable[[str], tuple[int, dict[str, str], bytes]]

SECURITY_HEADERS = ("strict-transport-security", "x-content-type-options", "x-frame-options", "referrer-policy", "content-security-policy")


def http_fetch(url: str, timeout: float = 10.0) -> tuple[int, dict[str, str], bytes]:
    """GET without Accept-Encoding, so the body is the object's bytes."""
    parts = urllib.parse.urlsplit(url)
    conn_cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = conn_cls(parts.hostname, parts.port, timeout=timeout)
    try:
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.request("GET", path, headers={"User-Agent": "slipway-site-verify", "Accept-Encoding": "identity"})
        resp = conn.getresponse()
        body = resp.read(20 * 1024 * 1024)
        headers = {k.lower(): v for k, v in resp.getheaders()}
        return resp.status, headers, decode(body, headers.get("content-encoding", ""))
    finally:
        conn.close()


def decode(body: bytes, encoding: str) -> bytes:
    """The file behind a stored encoding (objects kept pre-compressed are served as stored, whatever was asked)."""
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "br":
        try:
            import brotli  # pylint: disable=import-outside-toplevel
        except ImportError:
            return body  # compared as it is: the check then names the mismatch
        return brotli.decompress(body)
    return body


@dataclass
class EdgeCheck:
    status: str  # PASS | FAIL | ERROR
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "PASS"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Expected:
    index_sha256: str
    index_cache_control: str
    asset_key: str | None
    asset_cache_control: str
    marker: str | None = None
    security_headers: tuple[str, ...] = SECURITY_HEADERS


def check_once(edge_url: str, want: Expected, fetch: Fetch) -> EdgeCheck:
    base = edge_url.rstrip("/")
    problems: list[str] = []
    evidence: dict[str, Any] = {"edge_url": edge_url}
    try:
        status, headers, body = fetch(base + "/")
    except OSError as exc:
        return EdgeCheck("ERROR", f"GET {base}/ failed: {exc}", evidence)
    got_sha = hashlib.sha256(body).hexdigest()
    evidence["index"] = {"status": status, "sha256": got_sha, "cache_control": headers.get("cache-control"), "bytes": len(body)}
    if status != 200:
        problems.append(f"/ answered HTTP {status}")
    elif want.marker is not None:
        if want.marker.encode() not in body:
            problems.append(f"/ is not the new index.html (marker {want.marker[:12]}… absent)")
    elif got_sha != want.index_sha256:
        problems.append(f"/ is not the new index.html (sha256 {got_sha[:12]}…, expected {want.index_sha256[:12]}…)")
    if headers.get("cache-control") != want.index_cache_control:
        problems.append(f"/ has Cache-Control {headers.get('cache-control')!r}, expected {want.index_cache_control!r}")
    missing = [h for h in want.security_headers if h not in headers]
    evidence["security_headers"] = {h: headers.get(h) for h in want.security_headers}
    if missing:
        problems.append(f"/ lacks the security headers {', '.join(missing)}")
    if want.asset_key:
        path = "/" + urllib.parse.quote(want.asset_key)
        try:
            a_status, a_headers, _body = fetch(base + path)
        except OSError as exc:
            return EdgeCheck("ERROR", f"GET {base}{path} failed: {exc}", evidence)
        evidence["asset"] = {"path": path, "status": a_status, "cache_control": a_headers.get("cache-control")}
        if a_status != 200:
            problems.append(f"{path} answered HTTP {a_status}")
        if a_headers.get("cache-control") != want.asset_cache_control:
            problems.append(f"{path} has Cache-Control {a_headers.get('cache-control')!r}, expected {want.asset_cache_control!r}")
    if problems:
        return EdgeCheck("FAIL", "; ".join(problems), evidence)
    what = f"the new index.html and {want.asset_key}" if want.asset_key else "the new index.html"
    return EdgeCheck("PASS", f"the edge serves {what} with the expected Cache-Control and security headers", evidence)


def verify_edge(
    edge_url: str,
    want: Expected,
    fetch: Fetch = http_fetch,
    timeout: float = 30.0,
    interval: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> EdgeCheck:
    """Check until PASS or the deadline (an edge may take a moment to drop the old shell); the last result stands."""
    deadline = clock() + timeout
    attempts = 0
    while True:
        attempts += 1
        result = check_once(edge_url, want, fetch)
        result.evidence["attempts"] = attempts
        if result.ok or clock() >= deadline:
            return result
        sleep(min(interval, max(0.0, deadline - clock())))
