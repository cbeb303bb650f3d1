"""The CloudFront edge: every distribution is served on a loopback port, from
its S3 origin (moto's S3 backend, read in-process), with the distribution's
cache behaviours, cache and response-headers policies, custom error
responses and an edge cache that invalidations purge (see docs/emulator.md,
"CloudFront edge")."""

from __future__ import annotations

import base64
import email.utils
import fnmatch
import json
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from . import cloudfront, loopback, routes
from .config import ACCOUNT_ID, Settings
from .plane import LOCK

LOG = logging.getLogger("local_aws.edge")
PATH = "/_slipway/edges"
DEFAULT_ERROR_CACHING_MIN_TTL = 10  # seconds: CloudFront caches an origin error this long without a custom error response
POP = "LCL1-P1"
_S3_DOMAIN = re.compile(r"^(?P<bucket>[a-z0-9][a-z0-9.-]*?)\.s3(?:[.-](?P<region>[a-z0-9-]+))?\.amazonaws\.com$")


# ---------------------------------------------------------------- TTLs and Cache-Control
def parse_cache_control(value: str | None) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for part in (value or "").split(","):
        part = part.strip()
        if not part:
            continue
        name, _, arg = part.partition("=")
        out[name.strip().lower()] = arg.strip().strip('"') if arg else None
    return out


def _seconds(raw: str | None) -> int | None:
    try:
        return max(0, int(str(raw)))
    except (TypeError, ValueError):
        return None


def edge_ttl(headers: dict[str, str], min_ttl: int, default_ttl: int, max_ttl: int, now: float | None = None) -> int:
    """How long CloudFront keeps an origin response (Developer Guide, "Manage how long content stays in the cache").

    ``s-maxage`` wins over ``max-age``, which wins over ``Expires``; the value is
    clamped to [min TTL, max TTL]; without any of them the default TTL applies.
    ``no-cache``, ``no-store`` or ``private`` mean "not cached" with a minimum
    TTL of 0, and the minimum TTL otherwise."""
    cc = parse_cache_control(headers.get("cache-control"))
    if any(d in cc for d in ("no-cache", "no-store", "private")):
        return min_ttl
    age: int | None = None
    if "s-maxage" in cc:
        age = _seconds(cc["s-maxage"])
    if age is None and "max-age" in cc:
        age = _seconds(cc["max-age"])
    if age is None and headers.get("expires"):
        parsed = email.utils.parsedate_tz(headers["expires"])
        if parsed is not None:
            age = max(0, int(email.utils.mktime_tz(parsed) - (time.time() if now is None else now)))
        else:
            age = 0  # an invalid Expires is "already expired"
    if age is None:
        return default_ttl
    return max(min_ttl, min(age, max_ttl))


# ---------------------------------------------------------------- path patterns
def pattern_matches(pattern: str, path: str) -> bool:
    """CloudFront path patterns: case-sensitive, ``*`` any characters (also ``/``), ``?`` one; relative to the root."""
    if not pattern.startswith("/") and pattern != "*":
        pattern = "/" + pattern
    return fnmatch.fnmatchcase(path, pattern)


def invalidation_matches(inval_path: str, cached: str) -> bool:
    """An invalidation path purges the cached path (with its query string) it names; a trailing ``*`` is a prefix."""
    if inval_path.endswith("*"):
        return cached.startswith(inval_path[:-1])
    return cached == inval_path


# ---------------------------------------------------------------- the cache
@dataclass
class Entry:
    status: int
    headers: dict[str, str]
    body: bytes
    stored: float
    ttl: float
    etag: str = ""
    error: bool = False

    def fresh(self, now: float) -> bool:
        return now - self.stored < self.ttl


@dataclass
class Edge:
    dist_id: str
    index: int
    port: int
    domain: str = ""
    server: ThreadingHTTPServer | None = None
    error: str = ""
    retry_at: float = 0.0
    cache: dict[tuple[Any, ...], Entry] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stats: dict[str, int] = field(default_factory=lambda: {"requests": 0, "hits": 0, "misses": 0, "refresh_hits": 0, "errors": 0})


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    x_cache: str
    age: int | None = None


class EdgePlane:
    def __init__(self, settings: Settings):
        self.s = settings
        self.base = settings.edge_port_base
        self.edges: dict[str, Edge] = {}
        cloudfront.PURGE_HOOKS.append(self.purge)

    # ---- lifecycle
    def _backend(self) -> Any:
        return cloudfront.backend_for(ACCOUNT_ID)

    def clear(self) -> None:
        with LOCK:
            edges, self.edges = self.edges, {}
        _close([e.server for e in edges.values() if e.server])

    def reconcile(self) -> None:
        now = time.monotonic()
        to_close = []
        with LOCK:
            backend = self._backend()
            cloudfront.settle(backend)
            dists = backend.distributions
            for dist_id in list(self.edges):
                if dist_id not in dists:
                    edge = self.edges.pop(dist_id)
                    if edge.server:
                        to_close.append(edge.server)
            used = {e.index for e in self.edges.values()}
            for dist_id, dist in dists.items():
                edge = self.edges.get(dist_id)
                if edge is None:
                    index = next(i for i in range(len(used) + 1) if i not in used)
                    used.add(index)
                    edge = Edge(dist_id, index, self.base + index, dist.domain_name)
                    self.edges[dist_id] = edge
                if edge.server is None and now >= edge.retry_at:
                    try:
                        edge.server = self._serve(edge)
                        edge.error = ""
                        LOG.info("distribution %s (%s) served on http://127.0.0.1:%s", dist_id, dist.domain_name, edge.port)
                    except (OSError, OverflowError) as exc:
                        edge.error = f"cannot bind 127.0.0.1:{edge.port}: {getattr(exc, 'strerror', None) or exc}"
                        edge.retry_at = now + 5
                        LOG.warning("distribution %s: %s", dist_id, edge.error)
        _close(to_close)

    def report(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        with LOCK:
            dists = self._backend().distributions
            for dist_id, edge in sorted(self.edges.items(), key=lambda kv: kv[1].index):
                dist = dists.get(dist_id)
                if dist is None:
                    continue
                out[dist_id] = {
                    "url": f"http://127.0.0.1:{edge.port}",
                    "domain": dist.domain_name,
                    "port": edge.port,
                    "served": edge.server is not None,
                    "error": edge.error,
                    "enabled": bool(getattr(dist.distribution_config, "Enabled", True)),
                    "cached_objects": len(edge.cache),
                    "stats": dict(edge.stats),
                }
        return out

    def purge(self, dist_id: str, paths: list[str]) -> None:
        edge = self.edges.get(dist_id)
        if edge is None:
            return
        with edge.lock:
            for key in [k for k in edge.cache if any(invalidation_matches(p, k[0]) for p in paths)]:
                del edge.cache[key]

    def flush(self, dist_id: str | None = None) -> int:
        dropped = 0
        for edge in list(self.edges.values()):
            if dist_id in (None, edge.dist_id):
                with edge.lock:
                    dropped += len(edge.cache)
                    edge.cache.clear()
        return dropped

    # ---- HTTP
    def _serve(self, edge: Edge) -> ThreadingHTTPServer:
        return loopback.serve(edge.port, lambda h: self.handle(h, edge), name=f"edge-{edge.dist_id}", server_version="AmazonS3")

    def handle(self, h: BaseHTTPRequestHandler, edge: Edge) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        if length:
            h.rfile.read(length)
        parts = urlsplit(h.path)
        headers = {k.lower(): v for k, v in h.headers.items()}
        try:
            answer = self.serve_request(edge, h.command, parts.path or "/", parts.query, headers)
        except Exception as exc:  # an emulator bug must not hang the client
            LOG.exception("edge %s: %s %s failed", edge.dist_id, h.command, h.path)
            answer = Answer(502, {"content-type": "text/plain"}, f"edge error: {exc}\n".encode(), "Error from cloudfront")
        edge.stats["requests"] += 1
        out = dict(answer.headers)
        out["x-cache"] = answer.x_cache
        out["via"] = f"1.1 {edge.domain or 'local'} (CloudFront)"
        out["x-amz-cf-pop"] = POP
        out["x-amz-cf-id"] = base64.urlsafe_b64encode(os.urandom(42)).decode()
        if answer.age is not None:
            out["age"] = str(answer.age)
        body = answer.body
        status = answer.status
        if status == 200 and answer.headers.get("etag") and _not_modified(headers, answer.headers):
            status, body = 304, b""
        h.send_response(status)
        skip = {"content-length", "connection", "transfer-encoding"}
        for name, value in out.items():
            if name not in skip:
                h.send_header(_title(name), value)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if h.command != "HEAD" and status != 304:
            h.wfile.write(body)

    # ---- the request, as CloudFront handles it
    def serve_request(self, edge: Edge, method: str, path: str, query: str, headers: dict[str, str]) -> Answer:
        with LOCK:
            backend = self._backend()
            cloudfront.settle(backend)
            dist = backend.distributions.get(edge.dist_id)
            if dist is None:
                return _error_answer(403, "The distribution does not exist.")
            cfg = dist.distribution_config
            if not getattr(cfg, "Enabled", True):
                return _error_answer(403, "The distribution is disabled.")
            if path == "/" and getattr(cfg, "DefaultRootObject", ""):
                path = "/" + cfg.DefaultRootObject.lstrip("/")
            behaviour = _behaviour_for(cfg, path)
            allowed = list(getattr(behaviour.allowed_methods, "items", None) or ["GET", "HEAD"])
            cached_methods = list((getattr(behaviour.allowed_methods, "cached_methods", None) or {}).get("Items") or ["GET", "HEAD"])
            if method not in allowed:
                return _error_answer(403, "This distribution is not configured to allow the HTTP request method that was used for this request.")
            policy = _policy(backend, cloudfront.CACHE, behaviour.cache_policy_id)
            headers_policy = _policy(backend, cloudfront.HEADERS, getattr(behaviour, "response_headers_policy_id", None))
            ttls = _ttls(behaviour, policy)
            key = _cache_key(path, query, headers, behaviour, policy)
        answer = self._cached_or_origin(edge, dist, cfg, behaviour, method, path, key, ttls, cacheable=method in cached_methods)
        if answer.status >= 400:
            answer = self._custom_error(edge, dist, cfg, answer, headers)
        if headers_policy is not None:
            answer.headers = apply_headers_policy(headers_policy, answer.headers)
        return answer

    def _cached_or_origin(
        self, edge: Edge, dist: Any, cfg: Any, behaviour: Any, method: str, path: str, key: tuple[Any, ...], ttls: tuple[int, int, int], cacheable: bool
    ) -> Answer:
        now = time.monotonic()
        with edge.lock:
            entry = edge.cache.get(key) if cacheable else None
        if entry is not None and entry.fresh(now):
            edge.stats["hits"] += 1
            x_cache = "Error from cloudfront" if entry.error else "Hit from cloudfront"
            return Answer(entry.status, dict(entry.headers), entry.body, x_cache, int(now - entry.stored))
        status, oheaders, body = fetch_origin(dist, cfg, behaviour, path)
        if status >= 400:
            edge.stats["errors"] += 1
            ttl = _error_caching_ttl(cfg, status)
            if cacheable and ttl > 0:
                with edge.lock:
                    edge.cache[key] = Entry(status, oheaders, body, now, ttl, error=True)
            return Answer(status, oheaders, body, "Error from cloudfront")
        ttl = edge_ttl(oheaders, *ttls)
        if entry is not None and not entry.error and entry.etag and entry.etag == oheaders.get("etag"):
            # expired, but the origin's object is unchanged (a conditional GET answered 304)
            edge.stats["refresh_hits"] += 1
            entry.stored, entry.ttl = now, ttl
            return Answer(entry.status, dict(entry.headers), entry.body, "RefreshHit from cloudfront", 0)
        edge.stats["misses"] += 1
        if cacheable:
            with edge.lock:
                if ttl > 0:
                    edge.cache[key] = Entry(status, oheaders, body, now, ttl, oheaders.get("etag", ""))
                else:
                    edge.cache.pop(key, None)
        return Answer(status, oheaders, body, "Miss from cloudfront")

    def _custom_error(self, edge: Edge, dist: Any, cfg: Any, answer: Answer, headers: dict[str, str]) -> Answer:
        rule = _custom_error_rule(cfg, answer.status)
        if rule is None or not rule.get("ResponsePagePath"):
            return answer
        page_path = rule["ResponsePagePath"]
        with LOCK:
            behaviour = _behaviour_for(cfg, page_path)
            policy = _policy(self._backend(), cloudfront.CACHE, behaviour.cache_policy_id)
            ttls = _ttls(behaviour, policy)
            key = _cache_key(page_path, "", headers, behaviour, policy)
        page = self._cached_or_origin(edge, dist, cfg, behaviour, "GET", page_path, key, ttls, cacheable=True)
        if page.status >= 400:
            return answer  # the error page itself failed: the viewer gets the origin's error
        code = rule.get("ResponseCode")
        status = int(code) if code not in (None, "") else answer.status
        return Answer(status, page.headers, page.body, "Error from cloudfront")


def _close(servers: list[ThreadingHTTPServer]) -> None:
    loopback.close_later(servers, "an edge server")


def _title(name: str) -> str:
    special = {"etag": "ETag", "x-amz-cf-pop": "X-Amz-Cf-Pop", "x-amz-cf-id": "X-Amz-Cf-Id", "x-xss-protection": "X-XSS-Protection"}
    return special.get(name, "-".join(p[:1].upper() + p[1:] for p in name.split("-")))


def _not_modified(request: dict[str, str], response: dict[str, str]) -> bool:
    inm = request.get("if-none-match")
    if inm:
        tags = [t.strip() for t in inm.split(",")]
        return "*" in tags or response.get("etag", "") in tags
    ims = request.get("if-modified-since")
    if ims and response.get("last-modified"):
        a, b = email.utils.parsedate_tz(ims), email.utils.parsedate_tz(response["last-modified"])
        if a and b:
            return email.utils.mktime_tz(b) <= email.utils.mktime_tz(a)
    return False


def _error_answer(status: int, message: str) -> Answer:
    body = (
        "<!DOCTYPE HTML PUBLIC><HTML><HEAD><TITLE>ERROR: The request could not be satisfied</TITLE></HEAD>"
        f"<BODY><H1>{status} ERROR</H1><H2>The request could not be satisfied.</H2>{message}</BODY></HTML>\n"
    )
    return Answer(status, {"content-type": "text/html", "server": "CloudFront"}, body.encode(), "Error from cloudfront")


# ---------------------------------------------------------------- behaviours and policies
def _behaviour_for(cfg: Any, path: str) -> Any:
    for behaviour in (getattr(cfg, "CacheBehaviors", None) or {}).get("Items") or []:
        if pattern_matches(behaviour.path_pattern, path):
            return behaviour
    return cfg.DefaultCacheBehavior


def _policy(backend: Any, kind: cloudfront.PolicyKind, policy_id: str | None) -> dict[str, Any] | None:
    if not policy_id:
        return None
    pol = cloudfront.state(backend).__dict__[kind.attr].get(policy_id)
    return pol.config if pol else None


def _ttls(behaviour: Any, policy: dict[str, Any] | None) -> tuple[int, int, int]:
    if policy is not None:
        return int(policy.get("MinTTL") or 0), int(policy.get("DefaultTTL") or 0), int(policy.get("MaxTTL") or 0)
    # legacy cache settings on the behaviour (moto stores 0 for what was not given)
    return int(behaviour.min_ttl or 0), int(behaviour.default_ttl or 86400), int(behaviour.max_ttl or 31536000)


def _selected(pairs: list[tuple[str, str]], behaviour: str, names: list[str], case: bool) -> tuple[tuple[str, str], ...]:
    fold = (lambda s: s) if case else str.lower
    wanted = {fold(n) for n in names}
    if behaviour in ("none", ""):
        chosen: list[tuple[str, str]] = []
    elif behaviour == "all":
        chosen = pairs
    elif behaviour == "allExcept":
        chosen = [p for p in pairs if fold(p[0]) not in wanted]
    else:  # whitelist
        chosen = [p for p in pairs if fold(p[0]) in wanted]
    return tuple(sorted((fold(k), v) for k, v in chosen))


def _cache_key(path: str, query: str, headers: dict[str, str], behaviour: Any, policy: dict[str, Any] | None) -> tuple[Any, ...]:
    """``(path[?selected query], headers, cookies)``: what the cache policy puts in the cache key."""
    pairs = parse_qsl(query, keep_blank_values=True)
    cookies = SimpleCookie()
    try:
        cookies.load(headers.get("cookie", ""))
    except Exception:  # noqa: BLE001  a malformed cookie header keys as none
        cookies = SimpleCookie()
    cookie_pairs = [(k, m.value) for k, m in cookies.items()]
    header_pairs = list(headers.items())
    if policy is not None:
        params = policy.get("ParametersInCacheKeyAndForwardedToOrigin") or {}
        qs = params.get("QueryStringsConfig") or {}
        hc = params.get("HeadersConfig") or {}
        cc = params.get("CookiesConfig") or {}
        q = _selected(pairs, qs.get("QueryStringBehavior", "none"), (qs.get("QueryStrings") or {}).get("Items") or [], True)
        hd = _selected(header_pairs, "whitelist" if hc.get("HeaderBehavior") == "whitelist" else "none", (hc.get("Headers") or {}).get("Items") or [], False)
        ck = _selected(cookie_pairs, cc.get("CookieBehavior", "none"), (cc.get("Cookies") or {}).get("Items") or [], True)
    else:
        fv = getattr(behaviour, "forwarded_values", None)
        fvd = fv.__dict__ if hasattr(fv, "__dict__") else dict(fv or {})
        q = tuple(sorted(pairs)) if str(fvd.get("QueryString", False)).lower() == "true" else ()
        hd = _selected(header_pairs, "whitelist", (fvd.get("Headers") or {}).get("Items") or [], False)
        cookie_conf = fvd.get("Cookies") or {}
        forward = cookie_conf.get("Forward", "none")
        names = (cookie_conf.get("WhitelistedNames") or {}).get("Items") or []
        ck = _selected(cookie_pairs, {"all": "all", "whitelist": "whitelist"}.get(forward, "none"), names, True)
    full = path + ("?" + urlencode(list(q)) if q else "")
    return (full, hd, ck)


def _error_caching_ttl(cfg: Any, status: int) -> int:
    rule = _custom_error_rule(cfg, status)
    if rule is not None and rule.get("ErrorCachingMinTTL") is not None:
        return int(rule["ErrorCachingMinTTL"])
    return DEFAULT_ERROR_CACHING_MIN_TTL


def _custom_error_rule(cfg: Any, status: int) -> dict[str, Any] | None:
    for rule in (getattr(cfg, "CustomErrorResponses", None) or {}).get("Items") or []:
        try:
            if int(rule.get("ErrorCode")) == status:
                return rule
        except (TypeError, ValueError):
            continue
    return None


def apply_headers_policy(policy: dict[str, Any], headers: dict[str, str]) -> dict[str, str]:
    """The response-headers policy's headers on the viewer response: ``Override`` replaces the origin's value."""
    out = dict(headers)

    def put(name: str, value: str, override: bool) -> None:
        if override or name not in out:
            out[name] = value

    sec = policy.get("SecurityHeadersConfig") or {}
    hsts = sec.get("StrictTransportSecurity")
    if hsts:
        value = f"max-age={int(hsts.get('AccessControlMaxAgeSec') or 0)}"
        if hsts.get("IncludeSubdomains"):
            value += "; includeSubDomains"
        if hsts.get("Preload"):
            value += "; preload"
        put("strict-transport-security", value, bool(hsts.get("Override")))
    cto = sec.get("ContentTypeOptions")
    if cto:
        put("x-content-type-options", "nosniff", bool(cto.get("Override")))
    fo = sec.get("FrameOptions")
    if fo:
        put("x-frame-options", str(fo.get("FrameOption") or "DENY"), bool(fo.get("Override")))
    rp = sec.get("ReferrerPolicy")
    if rp:
        put("referrer-policy", str(rp.get("ReferrerPolicy") or ""), bool(rp.get("Override")))
    csp = sec.get("ContentSecurityPolicy")
    if csp:
        put("content-security-policy", str(csp.get("ContentSecurityPolicy") or ""), bool(csp.get("Override")))
    xss = sec.get("XSSProtection")
    if xss:
        if not xss.get("Protection"):
            value = "0"
        else:
            value = "1"
            if xss.get("ModeBlock"):
                value += "; mode=block"
            elif xss.get("ReportUri"):
                value += f"; report={xss['ReportUri']}"
        put("x-xss-protection", value, bool(xss.get("Override")))
    for item in (policy.get("CustomHeadersConfig") or {}).get("Items") or []:
        put(str(item.get("Header", "")).lower(), str(item.get("Value", "")), bool(item.get("Override")))
    for item in (policy.get("RemoveHeadersConfig") or {}).get("Items") or []:
        out.pop(str(item.get("Header", "")).lower(), None)
    return out


# ---------------------------------------------------------------- the S3 origin
def _origin_chain(cfg: Any, target: str) -> tuple[list[Any], set[int]]:
    """The origins to try for a target (an origin, or an origin group's members) and the failover status codes."""
    origins = {o.id: o for o in cfg.Origins.get("Items") or []}
    if target in origins:
        return [origins[target]], set()
    for group in (getattr(cfg, "OriginGroups", None) or {}).get("Items") or []:
        if group.get("Id") == target:
            members = [origins[m["OriginId"]] for m in (group.get("Members") or {}).get("Items") or [] if m.get("OriginId") in origins]
            codes = {int(c) for c in ((group.get("FailoverCriteria") or {}).get("StatusCodes") or {}).get("Items") or []}
            return members, codes
    return [], set()


def fetch_origin(dist: Any, cfg: Any, behaviour: Any, path: str) -> tuple[int, dict[str, str], bytes]:
    members, codes = _origin_chain(cfg, behaviour.target_origin_id)
    if not members:
        return 502, {"content-type": "text/plain"}, b"no such origin\n"
    result: tuple[int, dict[str, str], bytes] = (502, {}, b"")
    for i, origin in enumerate(members):
        result = _fetch_s3(dist, origin, path)
        if result[0] not in codes or i == len(members) - 1:
            break
    return result


def _s3_error(status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'
    return status, {"content-type": "application/xml", "server": "AmazonS3"}, body.encode()


def _fetch_s3(dist: Any, origin: Any, path: str) -> tuple[int, dict[str, str], bytes]:
    from moto.s3.exceptions import MissingBucket
    from moto.s3.models import s3_backends

    match = _S3_DOMAIN.match(str(origin.domain_name).lower())
    if not match:
        return 502, {"content-type": "text/plain"}, f"origin {origin.domain_name} is not an S3 bucket (the emulator serves S3 origins only)\n".encode()
    bucket_name = match.group("bucket")
    key_name = (str(origin.origin_path or "").strip("/") + "/" if origin.origin_path else "") + unquote(path.lstrip("/"))
    with LOCK:
        s3 = s3_backends[ACCOUNT_ID]["aws"]
        try:
            bucket = s3.get_bucket(bucket_name)
        except MissingBucket:
            return _s3_error(404, "NoSuchBucket", "The specified bucket does not exist")
        # signed by the origin access control (the service principal), or anonymous without one; a legacy
        # origin access identity is let through unchecked
        oac = getattr(origin, "origin_access_control_id", "")
        oai = bool(getattr(origin, "s3_access_identity", ""))
        policy = _load_policy(bucket.policy)
        if not oai and not _cloudfront_may(policy, "s3:GetObject", f"arn:aws:s3:::{bucket_name}/{key_name}", dist.arn, anonymous=not oac):
            return _s3_error(403, "AccessDenied", "Access Denied")
        key = bucket.keys.get(key_name) if key_name else None
        if key is None or getattr(key, "is_delete_marker", False) is True or type(key).__name__ == "FakeDeleteMarker":
            if not oai and not _cloudfront_may(policy, "s3:ListBucket", f"arn:aws:s3:::{bucket_name}", dist.arn, anonymous=not oac):
                return _s3_error(403, "AccessDenied", "Access Denied")
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
        body = bytes(key.value)
        headers = {"etag": key.etag, "last-modified": key.last_modified_RFC1123, "server": "AmazonS3"}
        for name, value in key.metadata.items():
            lname = name.lower()
            if lname in ("content-type", "cache-control", "expires", "content-encoding", "content-language", "content-disposition") or lname.startswith(
                "x-amz-meta-"
            ):
                headers[lname] = str(value)
        headers.setdefault("content-type", "binary/octet-stream")
        if key.encryption:
            headers["x-amz-server-side-encryption"] = key.encryption
        if getattr(key, "_is_versioned", False):
            headers["x-amz-version-id"] = str(key.version_id)
        return 200, headers, body


def _load_policy(raw: Any) -> dict[str, Any] | None:
    if not raw:
        return None
    try:
        return json.loads(raw.decode() if isinstance(raw, bytes) else raw)
    except (ValueError, UnicodeDecodeError):
        return None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _cloudfront_may(policy: dict[str, Any] | None, action: str, resource: str, dist_arn: str, anonymous: bool = False) -> bool:
    """Whether the bucket policy lets CloudFront (service principal, this distribution; or an
    anonymous reader) do ``action`` on ``resource``.

    Deny statements with an ``aws:SecureTransport`` condition are skipped: CloudFront
    reads S3 over HTTPS. Other conditions than ``AWS:SourceArn``/``aws:SourceArn``
    (StringEquals/ArnLike/ArnEquals/StringLike) make a statement not apply."""
    if policy is None:
        return False
    allowed = False
    for st in _as_list(policy.get("Statement") or []):
        principal = st.get("Principal")
        services = _as_list((principal or {}).get("Service", [])) if isinstance(principal, dict) else []
        everyone = principal == "*" or (isinstance(principal, dict) and principal.get("AWS") == "*")
        if not (everyone or (not anonymous and "cloudfront.amazonaws.com" in services)):
            continue
        if not any(fnmatch.fnmatchcase(action.lower(), str(a).lower()) for a in _as_list(st.get("Action", []))):
            continue
        if not any(fnmatch.fnmatchcase(resource, str(r)) for r in _as_list(st.get("Resource", []))):
            continue
        conditions = st.get("Condition") or {}
        if st.get("Effect") == "Deny":
            if any("securetransport" in k.lower() for c in conditions.values() for k in c):
                continue
            if _conditions_hold(conditions, dist_arn):
                return False
            continue
        if st.get("Effect") == "Allow" and _conditions_hold(conditions, dist_arn):
            allowed = True
    return allowed


def _conditions_hold(conditions: dict[str, Any], dist_arn: str) -> bool:
    for op, pairs in conditions.items():
        for name, values in pairs.items():
            if name.lower() != "aws:sourcearn" or op not in ("StringEquals", "ArnEquals", "ArnLike", "StringLike"):
                return False
            if not any(fnmatch.fnmatchcase(dist_arn, str(v)) if "Like" in op else dist_arn == str(v) for v in _as_list(values)):
                return False
    return True


# ---------------------------------------------------------------- control endpoint
def install(settings: Settings) -> EdgePlane:
    plane = EdgePlane(settings)

    def handler(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        rest = environ.get("PATH_INFO", "")[len(PATH) :].strip("/")
        parts = [p for p in rest.split("/") if p]
        if method == "GET" and not parts:
            return routes.json_answer(start_response, "200 OK", plane.report())
        if method == "GET" and len(parts) == 1:
            report = plane.report()
            if parts[0] not in report:
                return routes.json_answer(start_response, "404 Not Found", {"error": f"no distribution {parts[0]}"})
            return routes.json_answer(start_response, "200 OK", report[parts[0]])
        if method == "DELETE" and parts and parts[-1] == "cache" and len(parts) <= 2:
            dist_id = parts[0] if len(parts) == 2 else None
            return routes.json_answer(start_response, "200 OK", {"dropped": plane.flush(dist_id)})
        return routes.json_answer(start_response, "405 Method Not Allowed", {"error": "GET /_slipway/edges[/ID], DELETE /_slipway/edges[/ID]/cache"})

    routes.mount(PATH, handler)

    # /moto-api/reset wipes the distributions: close their ports and drop the caches with them
    from moto.moto_api._internal.models import MotoAPIBackend

    orig_reset = MotoAPIBackend.reset

    def reset(self: Any) -> None:
        orig_reset(self)
        plane.clear()

    MotoAPIBackend.reset = reset  # type: ignore[method-assign]
    return plane
