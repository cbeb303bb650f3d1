"""CloudFront control plane additions (moto 5.2.1 lacks or simplifies them).

* Cache policies and response-headers policies: Create/Get/GetConfig/Update/
  Delete/List with AWS's shapes, ETags (a new one on every change), If-Match
  (``InvalidIfMatchVersion`` when missing, ``PreconditionFailed`` when stale),
  unique names (``...AlreadyExists``), ``...InUse`` while a distribution
  refers to them, ``InconsistentQuantities`` and a few managed policies
  (``IllegalDelete``/``IllegalUpdate``).
* Origin access controls: ``GetOriginAccessControlConfig``, If-Match and new
  ETags on update/delete, ``OriginAccessControlInUse``; distributions keep an
  origin's ``OriginAccessControlId`` (moto drops it).
* Distributions: If-Match checked and a new ETag on every update; only a
  disabled distribution can be deleted (``DistributionNotDisabled``);
  ``LastModifiedTime`` is real; references to unknown cache / response-headers
  policies and origin access controls are refused as on AWS.
* Invalidations: ``InProgress`` for ``SLIPWAY_INVALIDATION_SECONDS``, then
  ``Completed`` (AWS's strings; moto says ``COMPLETED`` at once); the edge cache
  is purged on completion; ``ListInvalidations`` newest first with
  ``Marker``/``MaxItems``/``NextMarker``; AWS's in-progress limits (3,000 file
  paths, 15 wildcard paths per distribution) answer
  ``TooManyInvalidationsInProgress``; a repeated ``CallerReference`` answers the
  earlier invalidation.

Everything lives on moto's CloudFront backend object, so ``/moto-api/reset``
wipes it with the rest. The edge data plane is ``edge.py``.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.cloudfront import models as cf_models
from moto.cloudfront import urls as cf_urls
from moto.cloudfront.exceptions import CloudFrontException, NoSuchDistribution, NoSuchInvalidation, NoSuchOriginAccessControl
from moto.cloudfront.models import CloudFrontBackend, random_id
from moto.cloudfront.responses import CloudFrontResponse
from moto.core.responses import ActionResult, EmptyResult

from .plane import LOCK

LOG = logging.getLogger("local_aws.cloudfront")

_INSTALLED = False
# The edge plane registers itself here: called with (distribution id, paths) when an invalidation completes.
PURGE_HOOKS: list[Callable[[str, list[str]], None]] = []

MAX_INPROGRESS_FILES = 3000
MAX_INPROGRESS_WILDCARDS = 15
DEFAULT_MAX_ITEMS = 100


def _err(code: str, message: str) -> CloudFrontException:
    return CloudFrontException(code, message)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_etag() -> str:
    return "E" + random_id(length=13)


# ---------------------------------------------------------------- state on the backend
@dataclass
class Policy:
    id: str
    config: dict[str, Any]
    etag: str
    kind: str = "custom"  # or "managed"
    last_modified: dt.datetime = field(default_factory=_now)


@dataclass
class Inval:
    id: str
    dist_id: str
    paths: list[str]
    caller_ref: str
    create_time: dt.datetime
    due: float  # monotonic time of completion
    status: str = "InProgress"

    @property
    def wildcards(self) -> int:
        return sum(1 for p in self.paths if p.endswith("*"))

    @property
    def files(self) -> int:
        return len(self.paths) - self.wildcards

    def as_invalidation(self) -> dict[str, Any]:
        return {
            "Id": self.id,
            "Status": self.status,
            "CreateTime": self.create_time,
            "InvalidationBatch": {"Paths": {"Quantity": len(self.paths), "Items": list(self.paths)}, "CallerReference": self.caller_ref},
        }

    def summary(self) -> dict[str, Any]:
        return {"Id": self.id, "CreateTime": self.create_time, "Status": self.status}


@dataclass
class CfState:
    cache_policies: dict[str, Policy] = field(default_factory=dict)
    headers_policies: dict[str, Policy] = field(default_factory=dict)
    invalidations: dict[str, list[Inval]] = field(default_factory=dict)  # per distribution, oldest first
    positions: dict[str, dict[str, int]] = field(default_factory=dict)  # per distribution: id -> index
    caller_refs: dict[str, dict[str, Inval]] = field(default_factory=dict)
    in_progress: dict[str, list[Inval]] = field(default_factory=dict)  # oldest first (all have the same duration)


def state(backend: Any) -> CfState:
    st = backend.__dict__.get("_slipway_cf")
    if st is None:
        st = CfState()
        for pid, name, comment, ttls in MANAGED_CACHE_POLICIES:
            st.cache_policies[pid] = Policy(pid, _managed_cache_config(name, comment, *ttls), new_etag(), "managed")
        for pid, name, comment in MANAGED_HEADERS_POLICIES:
            st.headers_policies[pid] = Policy(pid, _managed_headers_config(name, comment), new_etag(), "managed")
        backend.__dict__["_slipway_cf"] = st
    return st


def backend_for(account_id: str) -> CloudFrontBackend:
    return cf_models.cloudfront_backends[account_id]["aws"]


# AWS's managed policies (IDs as published in the CloudFront developer guide).
MANAGED_CACHE_POLICIES = (
    (
        "658327ea-f89d-4fab-a63d-7e88639e58f6",
        "Managed-CachingOptimized",
        "Policy with caching enabled. Supports Gzip and Brotli compression.",
        (1, 86400, 31536000),
    ),
    ("4135ea2d-6df8-44a3-9df3-4b5a84be39ad", "Managed-CachingDisabled", "Policy with caching disabled", (0, 0, 0)),
)
MANAGED_HEADERS_POLICIES = (("67f7725c-6f97-4210-82d7-5512b31e9d03", "Managed-SecurityHeadersPolicy", "Adds a set of security headers to every response"),)


def _managed_cache_config(name: str, comment: str, min_ttl: int, default_ttl: int, max_ttl: int) -> dict[str, Any]:
    enc = max_ttl > 0
    return {
        "Comment": comment,
        "Name": name,
        "DefaultTTL": default_ttl,
        "MaxTTL": max_ttl,
        "MinTTL": min_ttl,
        "ParametersInCacheKeyAndForwardedToOrigin": {
            "EnableAcceptEncodingGzip": enc,
            "EnableAcceptEncodingBrotli": enc,
            "HeadersConfig": {"HeaderBehavior": "none"},
            "CookiesConfig": {"CookieBehavior": "none"},
            "QueryStringsConfig": {"QueryStringBehavior": "none"},
        },
    }


def _managed_headers_config(name: str, comment: str) -> dict[str, Any]:
    return {
        "Comment": comment,
        "Name": name,
        "SecurityHeadersConfig": {
            "XSSProtection": {"Override": False, "Protection": True, "ModeBlock": True},
            "FrameOptions": {"Override": False, "FrameOption": "SAMEORIGIN"},
            "ReferrerPolicy": {"Override": False, "ReferrerPolicy": "strict-origin-when-cross-origin"},
            "ContentTypeOptions": {"Override": True},
            "StrictTransportSecurity": {"Override": False, "IncludeSubdomains": False, "Preload": False, "AccessControlMaxAgeSec": 31536000},
        },
    }


# ---------------------------------------------------------------- validation helpers
def check_quantities(value: Any, where: str = "") -> None:
    """AWS's ``InconsistentQuantities``: every ``Quantity`` equals the number of its ``Items``."""
    if isinstance(value, dict):
        if "Quantity" in value:
            items = value.get("Items") or []
            try:
                quantity = int(value["Quantity"])
            except (TypeError, ValueError):
                quantity = -1
            if quantity != len(items):
                raise _err("InconsistentQuantities", f"The value of Quantity and the size of Items don't match{' in ' + where if where else ''}.")
        for key, sub in value.items():
            check_quantities(sub, key)
    elif isinstance(value, list):
        for sub in value:
            check_quantities(sub, where)


def check_if_match(if_match: str | None, etag: str) -> None:
    if not if_match:
        raise _err("InvalidIfMatchVersion", "The If-Match version is missing or not valid for the resource.")
    if if_match != etag:
        raise _err("PreconditionFailed", "The precondition given in one or more of the request header fields evaluated to false.")


# ---------------------------------------------------------------- policies
@dataclass(frozen=True)
class PolicyKind:
    label: str  # CachePolicy / ResponseHeadersPolicy
    attr: str  # CfState attribute
    path: str  # cache-policy / response-headers-policy
    no_such: str
    no_such_msg: str
    exists: str
    in_use: str
    behaviour_key: str  # CachePolicyId / ResponseHeadersPolicyId (cache behaviours)


CACHE = PolicyKind(
    "CachePolicy",
    "cache_policies",
    "cache-policy",
    "NoSuchCachePolicy",
    "The cache policy does not exist.",
    "CachePolicyAlreadyExists",
    "CachePolicyInUse",
    "cache_policy_id",
)
HEADERS = PolicyKind(
    "ResponseHeadersPolicy",
    "headers_policies",
    "response-headers-policy",
    "NoSuchResponseHeadersPolicy",
    "The response headers policy does not exist.",
    "ResponseHeadersPolicyAlreadyExists",
    "ResponseHeadersPolicyInUse",
    "response_headers_policy_id",
)


def _policies(backend: Any, kind: PolicyKind) -> dict[str, Policy]:
    return getattr(state(backend), kind.attr)


def get_policy(backend: Any, kind: PolicyKind, policy_id: str) -> Policy:
    pol = _policies(backend, kind).get(policy_id or "")
    if pol is None:
        raise _err(kind.no_such, kind.no_such_msg)
    return pol


def _validate_policy(kind: PolicyKind, config: dict[str, Any]) -> None:
    if not config or not config.get("Name"):
        raise _err("InvalidArgument", f"{kind.label}Config.Name is required.")
    check_quantities(config)
    if kind is CACHE:
        min_ttl = int(config.get("MinTTL") or 0)
        default_ttl = int(config.get("DefaultTTL", 86400) if config.get("DefaultTTL") is not None else 86400)
        max_ttl = int(config.get("MaxTTL", 31536000) if config.get("MaxTTL") is not None else 31536000)
        if min_ttl < 0 or not min_ttl <= default_ttl <= max_ttl:
            raise _err("InvalidArgument", "The TTL values must satisfy MinTTL <= DefaultTTL <= MaxTTL.")
        if config.get("ParametersInCacheKeyAndForwardedToOrigin") is None:
            raise _err("InvalidArgument", "ParametersInCacheKeyAndForwardedToOrigin is required.")
    else:
        csp = ((config.get("SecurityHeadersConfig") or {}).get("ContentSecurityPolicy") or {}).get("ContentSecurityPolicy") or ""
        if len(csp) > 1783:
            raise _err("TooLongCSPInResponseHeadersPolicy", "The Content-Security-Policy header value is longer than 1783 characters.")
        items = ((config.get("CustomHeadersConfig") or {}).get("Items")) or []
        if len(items) > 10:
            raise _err("TooManyCustomHeadersInResponseHeadersPolicy", "The response headers policy has more than 10 custom headers.")


def _with_ttl_defaults(kind: PolicyKind, config: dict[str, Any]) -> dict[str, Any]:
    config = copy.deepcopy(config)
    if kind is CACHE:
        config.setdefault("MinTTL", 0)
        if config.get("DefaultTTL") is None:
            config["DefaultTTL"] = 86400
        if config.get("MaxTTL") is None:
            config["MaxTTL"] = 31536000
    return config


def _name_taken(backend: Any, kind: PolicyKind, name: str, except_id: str = "") -> bool:
    return any(p.config.get("Name") == name and p.id != except_id for p in _policies(backend, kind).values())


def _policy_body(kind: PolicyKind, pol: Policy) -> dict[str, Any]:
    return {"Id": pol.id, "LastModifiedTime": pol.last_modified, f"{kind.label}Config": pol.config}


def _location(kind: PolicyKind, pol: Policy) -> str:
    return f"https://cloudfront.amazonaws.com/2020-05-31/{kind.path}/{pol.id}"


def _behaviours(dist: Any) -> list[Any]:
    cfg = dist.distribution_config
    out = [cfg.DefaultCacheBehavior]
    out.extend((getattr(cfg, "CacheBehaviors", None) or {}).get("Items") or [])
    return out


def _in_use(backend: Any, kind: PolicyKind, policy_id: str) -> bool:
    return any(getattr(b, kind.behaviour_key, None) == policy_id for d in backend.distributions.values() for b in _behaviours(d))


def _make_policy_handlers(kind: PolicyKind) -> dict[str, Callable[[Any], Any]]:
    label = kind.label

    def create(self: Any) -> ActionResult:
        config = self._get_param(f"{label}Config") or {}
        with LOCK:
            _validate_policy(kind, config)
            if _name_taken(self.backend, kind, config["Name"]):
                raise _err(kind.exists, f"A {label} with this name already exists.")
            pol = Policy(str(uuid.uuid4()), _with_ttl_defaults(kind, config), new_etag())
            _policies(self.backend, kind)[pol.id] = pol
            return ActionResult({label: _policy_body(kind, pol), "Location": _location(kind, pol), "ETag": pol.etag})

    def get(self: Any) -> ActionResult:
        with LOCK:
            pol = get_policy(self.backend, kind, self._get_param("Id"))
            return ActionResult({label: _policy_body(kind, pol), "ETag": pol.etag})

    def get_config(self: Any) -> ActionResult:
        with LOCK:
            pol = get_policy(self.backend, kind, self._get_param("Id"))
            return ActionResult({f"{label}Config": pol.config, "ETag": pol.etag})

    def update(self: Any) -> ActionResult:
        config = self._get_param(f"{label}Config") or {}
        with LOCK:
            pol = get_policy(self.backend, kind, self._get_param("Id"))
            if pol.kind == "managed":
                raise _err("IllegalUpdate", f"Managed {label} cannot be updated.")
            check_if_match(self._get_param("IfMatch"), pol.etag)
            _validate_policy(kind, config)
            if _name_taken(self.backend, kind, config["Name"], pol.id):
                raise _err(kind.exists, f"A {label} with this name already exists.")
            pol.config = _with_ttl_defaults(kind, config)
            pol.etag = new_etag()
            pol.last_modified = _now()
            return ActionResult({label: _policy_body(kind, pol), "ETag": pol.etag})

    def delete(self: Any) -> EmptyResult:
        with LOCK:
            pol = get_policy(self.backend, kind, self._get_param("Id"))
            if pol.kind == "managed":
                raise _err("IllegalDelete", f"Managed {label} cannot be deleted.")
            check_if_match(self._get_param("IfMatch"), pol.etag)
            if _in_use(self.backend, kind, pol.id):
                raise _err(kind.in_use, f"Cannot delete {label} because it is attached to one or more cache behaviors.")
            del _policies(self.backend, kind)[pol.id]
            return EmptyResult()

    def list_(self: Any) -> ActionResult:
        wanted = self._get_param("Type")
        if wanted not in (None, "", "managed", "custom"):
            raise _err("InvalidArgument", "Type must be managed or custom.")
        with LOCK:
            items = [p for p in _policies(self.backend, kind).values() if not wanted or p.kind == wanted]
            page, next_marker = paginate(items, lambda p: p.id, self._get_param("Marker"), self._get_param("MaxItems"))
            body: dict[str, Any] = {
                "MaxItems": _max_items(self._get_param("MaxItems")),
                "Quantity": len(page),
                "Items": [{"Type": p.kind, label: _policy_body(kind, p)} for p in page] or None,
            }
            if next_marker:
                body["NextMarker"] = next_marker
            return ActionResult({f"{label}List": body})

    snake = "cache_policy" if kind is CACHE else "response_headers_policy"
    plural = "cache_policies" if kind is CACHE else "response_headers_policies"
    return {
        f"create_{snake}": create,
        f"get_{snake}": get,
        f"get_{snake}_config": get_config,
        f"update_{snake}": update,
        f"delete_{snake}": delete,
        f"list_{plural}": list_,
    }


def _max_items(raw: Any) -> int:
    if raw in (None, ""):
        return DEFAULT_MAX_ITEMS
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise _err("InvalidArgument", f"MaxItems must be a positive integer, got {raw!r}.") from None
    if value < 1:
        raise _err("InvalidArgument", f"MaxItems must be a positive integer, got {raw!r}.")
    return value


def paginate(items: list[Any], key: Callable[[Any], str], marker: str | None, max_items: Any) -> tuple[list[Any], str | None]:
    """One page after ``marker`` (the key of the last item of the previous page); ``(page, NextMarker or None)``."""
    size = _max_items(max_items)
    start = 0
    if marker:
        keys = [key(i) for i in items]
        if marker not in keys:
            raise _err("InvalidArgument", f"Marker {marker!r} is not valid.")
        start = keys.index(marker) + 1
    page = items[start : start + size]
    more = start + size < len(items)
    return page, (key(page[-1]) if more and page else None)


# ---------------------------------------------------------------- origin access controls
def _oac_in_use(backend: Any, oac_id: str) -> bool:
    for dist in backend.distributions.values():
        for origin in dist.distribution_config.Origins.get("Items") or []:
            if getattr(origin, "origin_access_control_id", "") == oac_id:
                return True
    return False


def get_origin_access_control_config(self: Any) -> ActionResult:
    with LOCK:
        control = self.backend.get_origin_access_control(self._get_param("Id"))
        return ActionResult({"OriginAccessControlConfig": control, "ETag": control.etag})


def _patch_oac() -> None:
    orig_update = CloudFrontResponse.update_origin_access_control
    orig_delete = CloudFrontResponse.delete_origin_access_control

    @functools.wraps(orig_update)
    def update(self: Any) -> Any:
        with LOCK:
            control = self.backend.get_origin_access_control(self._get_param("Id"))
            check_if_match(self._get_param("IfMatch"), control.etag)
            config = self._get_param("OriginAccessControlConfig", {}) or {}
            name = config.get("Name")
            if name and any(c.name == name and c.id != control.id for c in self.backend.origin_access_controls.values()):
                raise _err("OriginAccessControlAlreadyExists", "An origin access control with the same name already exists.")
            result = orig_update(self)
            control.etag = new_etag()
            result.result["ETag"] = control.etag
            return result

    @functools.wraps(orig_delete)
    def delete(self: Any) -> Any:
        with LOCK:
            oac_id = self._get_param("Id")
            if oac_id not in self.backend.origin_access_controls:
                raise NoSuchOriginAccessControl
            control = self.backend.origin_access_controls[oac_id]
            check_if_match(self._get_param("IfMatch"), control.etag)
            if _oac_in_use(self.backend, oac_id):
                raise _err("OriginAccessControlInUse", "Cannot delete the origin access control because it's in use by one or more distributions.")
            return orig_delete(self)

    orig_create = CloudFrontResponse.create_origin_access_control

    @functools.wraps(orig_create)
    def create(self: Any) -> Any:
        config = self._get_param("OriginAccessControlConfig", {}) or {}
        with LOCK:
            if any(c.name == config.get("Name") for c in self.backend.origin_access_controls.values()):
                raise _err("OriginAccessControlAlreadyExists", "An origin access control with the same name already exists.")
            result = orig_create(self)
            result.result["Location"] = f"https://cloudfront.amazonaws.com/2020-05-31/origin-access-control/{result.result['OriginAccessControl']['Id']}"
            return result

    CloudFrontResponse.update_origin_access_control = update  # type: ignore[method-assign]
    CloudFrontResponse.delete_origin_access_control = delete  # type: ignore[method-assign]
    CloudFrontResponse.create_origin_access_control = create  # type: ignore[method-assign]
    CloudFrontResponse.get_origin_access_control_config = get_origin_access_control_config  # type: ignore[attr-defined]


# ---------------------------------------------------------------- distributions
def _check_references(backend: Any, config: Any) -> None:
    """AWS refuses a distribution that names a policy or origin access control that does not exist."""
    for behaviour in _behaviours_of_config(config):
        if getattr(behaviour, "cache_policy_id", None):
            get_policy(backend, CACHE, behaviour.cache_policy_id)
        if getattr(behaviour, "response_headers_policy_id", None):
            get_policy(backend, HEADERS, behaviour.response_headers_policy_id)
    for origin in config.Origins.get("Items") or []:
        oac = getattr(origin, "origin_access_control_id", "")
        if oac and oac not in backend.origin_access_controls:
            raise _err("NoSuchOriginAccessControl", "The origin access control does not exist.")


def _behaviours_of_config(config: Any) -> list[Any]:
    return [config.DefaultCacheBehavior, *((getattr(config, "CacheBehaviors", None) or {}).get("Items") or [])]


def _patch_distributions() -> None:
    orig_origin_init = cf_models.Origin.__init__

    @functools.wraps(orig_origin_init)
    def origin_init(self: Any, origin: dict[str, Any]) -> None:
        orig_origin_init(self, origin)
        # moto drops the origin access control; AWS returns it (an empty string when none)
        self.origin_access_control_id = origin.get("OriginAccessControlId") or ""

    cf_models.Origin.__init__ = origin_init  # type: ignore[method-assign]

    orig_behaviour_init = cf_models.DefaultCacheBehaviour.__init__

    @functools.wraps(orig_behaviour_init)
    def behaviour_init(self: Any, config: dict[str, Any]) -> None:
        orig_behaviour_init(self, config)
        # moto invents legacy ForwardedValues for every behaviour; AWS returns them only when they
        # were given (a behaviour with a cache policy has none)
        if "ForwardedValues" not in config:
            self.forwarded_values = None

    cf_models.DefaultCacheBehaviour.__init__ = behaviour_init  # type: ignore[method-assign]

    orig_cert_init = cf_models.ViewerCertificate.__init__

    @functools.wraps(orig_cert_init)
    def cert_init(self: Any, config: dict[str, Any]) -> None:
        orig_cert_init(self, config)
        # moto answers "sni-only" for the default certificate too; AWS has no SSLSupportMethod then
        self.ssl_support_method = config.get("SSLSupportMethod") or None

    cf_models.ViewerCertificate.__init__ = cert_init  # type: ignore[method-assign]

    orig_create = CloudFrontBackend.create_distribution_with_tags

    @functools.wraps(orig_create)
    def create(self: Any, distribution_config: dict[str, Any], tags: list[dict[str, str]]) -> Any:
        with LOCK:
            check_quantities(distribution_config)
            dist, location, _etag = orig_create(self, distribution_config, tags)
            try:
                _check_references(self, dist.distribution_config)
            except CloudFrontException:
                del self.distributions[dist.distribution_id]
                raise
            dist.etag = new_etag()
            dist.last_modified_time = _now()
            return dist, location, dist.etag

    CloudFrontBackend.create_distribution_with_tags = create  # type: ignore[method-assign]

    orig_update = CloudFrontBackend.update_distribution

    @functools.wraps(orig_update)
    def update(self: Any, dist_config: dict[str, Any], _id: str, if_match: Any) -> Any:
        with LOCK:
            dist = self.distributions.get(_id)
            if dist is None:
                raise NoSuchDistribution
            check_if_match(if_match, dist.etag)
            check_quantities(dist_config)
            before = dist.distribution_config
            dist, location, _etag = orig_update(self, dist_config, _id, if_match)
            try:
                _check_references(self, dist.distribution_config)
            except CloudFrontException:
                dist.distribution_config = before
                raise
            dist.etag = new_etag()
            dist.last_modified_time = _now()
            return dist, location, dist.etag

    CloudFrontBackend.update_distribution = update  # type: ignore[method-assign]

    orig_delete = CloudFrontBackend.delete_distribution

    @functools.wraps(orig_delete)
    def delete(self: Any, distribution_id: str, if_match: Any) -> None:
        with LOCK:
            dist = self.distributions.get(distribution_id)
            if dist is None:
                raise NoSuchDistribution
            check_if_match(if_match, dist.etag)
            if getattr(dist.distribution_config, "Enabled", False):
                raise _err("DistributionNotDisabled", "The distribution you are trying to delete has not been disabled.")
            orig_delete(self, distribution_id, if_match)
            st = state(self)
            for table in (st.invalidations, st.positions, st.caller_refs, st.in_progress):
                table.pop(distribution_id, None)

    CloudFrontBackend.delete_distribution = delete  # type: ignore[method-assign]


# ---------------------------------------------------------------- invalidations
_SETTINGS: dict[str, float] = {"seconds": 5.0}


def settle(backend: Any, now: float | None = None) -> None:
    """Complete the invalidations whose time has come, oldest first, and purge the edge caches."""
    now = time.monotonic() if now is None else now
    st = state(backend)
    done: list[Inval] = []
    for dist_id, pending in list(st.in_progress.items()):
        while pending and pending[0].due <= now:
            inv = pending.pop(0)
            inv.status = "Completed"
            done.append(inv)
        if not pending:
            del st.in_progress[dist_id]
    for inv in done:
        for hook in PURGE_HOOKS:
            try:
                hook(inv.dist_id, inv.paths)
            except Exception:
                LOG.exception("purging the edge cache of %s failed", inv.dist_id)


def settle_all() -> None:
    with LOCK:
        for account_id in list(cf_models.cloudfront_backends.keys()):
            backend = cf_models.cloudfront_backends[account_id].get("aws") if "aws" in cf_models.cloudfront_backends[account_id] else None
            if backend is not None and "_slipway_cf" in backend.__dict__:
                settle(backend)


def _validate_paths(paths: list[str]) -> None:
    if not paths:
        raise _err("InvalidArgument", "Your request contains no invalidation paths.")
    for path in paths:
        if not isinstance(path, str) or not path.startswith("/"):
            raise _err("InvalidArgument", f"Your request contains one or more invalid invalidation paths: {path!r} (a path starts with /).")
        if "*" in path[:-1]:
            raise _err("InvalidArgument", f"Your request contains one or more invalid invalidation paths: {path!r} (* must be the last character).")


def create_invalidation(self: Any) -> ActionResult:
    dist_id = self._get_param("DistributionId")
    batch = self._get_param("InvalidationBatch")
    if not batch:
        raise _err("MissingBody", "This operation requires a body. Ensure that the body is present and the Content-Type header is set.")
    with LOCK:
        backend = self.backend
        if dist_id not in backend.distributions:
            raise NoSuchDistribution
        settle(backend)
        check_quantities(batch)
        paths = list((batch.get("Paths") or {}).get("Items") or [])
        caller_ref = batch.get("CallerReference") or ""
        if not caller_ref:
            raise _err("InvalidArgument", "CallerReference is required.")
        _validate_paths(paths)
        st = state(backend)
        earlier = st.caller_refs.get(dist_id, {}).get(caller_ref)
        if earlier is not None:
            if earlier.paths != paths:
                raise _err("InvalidationBatchAlreadyExists", f"An invalidation batch with CallerReference {caller_ref} already exists with other paths.")
            return ActionResult({"Invalidation": earlier.as_invalidation(), "Location": _inv_location(earlier)})
        wildcards = sum(1 for p in paths if p.endswith("*"))
        files = len(paths) - wildcards
        if files > MAX_INPROGRESS_FILES:
            raise _err("BatchTooLarge", f"Invalidation batch specified is too large: {files} file paths (at most {MAX_INPROGRESS_FILES}).")
        pending = st.in_progress.get(dist_id, [])
        busy_files = sum(i.files for i in pending)
        busy_wild = sum(i.wildcards for i in pending)
        if busy_files + files > MAX_INPROGRESS_FILES or busy_wild + wildcards > MAX_INPROGRESS_WILDCARDS:
            raise _err(
                "TooManyInvalidationsInProgress",
                f"Processing your request will cause you to exceed the maximum number of in-progress invalidations: "
                f"{busy_files} file paths and {busy_wild} wildcard paths are in progress (at most {MAX_INPROGRESS_FILES} and {MAX_INPROGRESS_WILDCARDS}).",
            )
        now = time.monotonic()
        inv = Inval(random_id(length=14), dist_id, paths, caller_ref, _now(), now + _SETTINGS["seconds"])
        history = st.invalidations.setdefault(dist_id, [])
        st.positions.setdefault(dist_id, {})[inv.id] = len(history)
        history.append(inv)
        st.caller_refs.setdefault(dist_id, {})[caller_ref] = inv
        st.in_progress.setdefault(dist_id, []).append(inv)
        if _SETTINGS["seconds"] <= 0:
            settle(backend, now)
        return ActionResult({"Invalidation": inv.as_invalidation(), "Location": _inv_location(inv)})


def _inv_location(inv: Inval) -> str:
    return f"https://cloudfront.amazonaws.com/2020-05-31/distribution/{inv.dist_id}/invalidation/{inv.id}"


def get_invalidation(self: Any) -> ActionResult:
    dist_id = self._get_param("DistributionId")
    inv_id = self._get_param("Id")
    with LOCK:
        backend = self.backend
        if dist_id not in backend.distributions:
            raise NoSuchDistribution
        settle(backend)
        st = state(backend)
        pos = st.positions.get(dist_id, {}).get(inv_id)
        if pos is None:
            raise NoSuchInvalidation
        return ActionResult({"Invalidation": st.invalidations[dist_id][pos].as_invalidation()})


def list_invalidations(self: Any) -> ActionResult:
    dist_id = self._get_param("DistributionId")
    marker = self._get_param("Marker") or ""
    size = _max_items(self._get_param("MaxItems"))
    with LOCK:
        backend = self.backend
        if dist_id not in backend.distributions:
            raise NoSuchDistribution
        settle(backend)
        st = state(backend)
        history = st.invalidations.get(dist_id, [])
        # newest first: the page after the marker starts just below the marker's position
        start = len(history) - 1
        if marker:
            pos = st.positions.get(dist_id, {}).get(marker)
            if pos is None:
                raise _err("InvalidArgument", f"Marker {marker!r} is not valid.")
            start = pos - 1
        stop = max(-1, start - size)
        page = [history[i] for i in range(start, stop, -1)]
        truncated = stop >= 0
        body: dict[str, Any] = {
            "Marker": marker,
            "MaxItems": size,
            "IsTruncated": truncated,
            "Quantity": len(page),
            "Items": [i.summary() for i in page] or None,
        }
        if truncated and page:
            body["NextMarker"] = page[-1].id
        return ActionResult({"InvalidationList": body})


# ---------------------------------------------------------------- install
_ROUTES = {
    "{0}/2020-05-31/cache-policy$": None,
    "{0}/2020-05-31/cache-policy/(?P<Id>[^/]+)$": None,
    "{0}/2020-05-31/cache-policy/(?P<Id>[^/]+)/config$": None,
    "{0}/2020-05-31/response-headers-policy$": None,
    "{0}/2020-05-31/response-headers-policy/(?P<Id>[^/]+)$": None,
    "{0}/2020-05-31/response-headers-policy/(?P<Id>[^/]+)/config$": None,
}


def install(invalidation_seconds: float) -> None:
    """Add the operations and fixes to moto's CloudFront (class level: they survive resets)."""
    global _INSTALLED
    _SETTINGS["seconds"] = max(0.0, float(invalidation_seconds))
    if _INSTALLED:
        return
    _INSTALLED = True
    for pattern in _ROUTES:
        cf_urls.url_paths.setdefault(pattern, CloudFrontResponse.dispatch)
    for kind in (CACHE, HEADERS):
        for name, handler in _make_policy_handlers(kind).items():
            setattr(CloudFrontResponse, name, handler)
    CloudFrontResponse.create_invalidation = create_invalidation  # type: ignore[method-assign]
    CloudFrontResponse.get_invalidation = get_invalidation  # type: ignore[method-assign]
    CloudFrontResponse.list_invalidations = list_invalidations  # type: ignore[method-assign]
    _patch_oac()
    _patch_distributions()
