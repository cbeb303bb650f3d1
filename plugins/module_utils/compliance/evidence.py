# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The evidence collector: one paginated pass per service and region, in parallel.

Every collector reads one service in one region and returns plain data::

    {"service": "s3", "region": "us-east-1", "actions": ["s3:ListBuckets", ...],
     "listing": None | {"action", "code", "reason"},          # the listing failed: nothing is known
     "gaps": [{"action", "code", "reason", "resource_type", "scope"}],  # a listing of one kind failed
     "resources": [{"arn", "name", "region", "type", "base": {...},
                    "areas": {area: value}, "unavailable": {area: {"action", "code", "reason"}}}]}

``base`` is what the listing answered (always there for a listed resource); each
*area* (``policy``, ``attributes``, ...) is one further read of that resource,
named after the API action that fetched it. A read that fails puts an
``unavailable`` marker on exactly the area it was for -- never a guessed value,
never a missing resource. A listing that fails marks the whole service and
region as unknown; a listing of one kind of resource below it (the services of
an ECS cluster, ElastiCache's cache clusters: ``Reader.sublisting``) that fails
is a *gap*: the resources of that kind under its scope are unknown, the others
are still judged. The controls (``controls.py``) read nothing but this.

Collectors run on a bounded thread pool, with botocore's *adaptive* retry mode
(client-side rate limiting on top of the standard retries).
"""

from __future__ import annotations

import concurrent.futures
import csv
import functools
import io
import json
import re
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

try:
    import botocore.exceptions
except ImportError:  # pragma: no cover - reported by Aws
    pass

from ansible_collections.slipway.aws.plugins.module_utils.aws import Aws, call, paginate
from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError

ACCESS_DENIED = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "UnrecognizedClientException", "Forbidden")
THROTTLED = ("Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown", "ProvisionedThroughputExceededException")
# Services read once per run (their API is global); their resources carry the home region.
GLOBAL_SERVICES = ("s3", "cloudfront", "iam", "s3control", "iam_roles", "iam_groups", "iam_policies", "iam_account", "s3mrap", "rds_global")
DEFAULT_WORKERS = 6
# Per-resource reads of one collector at a time (each resource's areas in order, resources side by side): a listing
# of 200 buckets is 1,000 reads, which one after the other wait for each answer in turn. Below the connection pool
# (AdaptiveAws: 20 per client), so no connection is discarded.
FANOUT = 8


class AdaptiveAws(Aws):
    """``Aws`` with botocore's adaptive retry mode (standard retries plus a client-side rate limiter)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{"retry_mode": "adaptive", "max_pool_connections": 20, **kwargs})

    def client(self, service: str, region: str | None = None) -> Any:
        c = super().client(service, region)
        if self.endpoint_url and service == "s3control" and not getattr(c, "_slipway_account_host", False):
            c._slipway_account_host = True
            c.meta.events.register("before-sign", functools.partial(_endpoint_host, self.endpoint_url))
        return c


def _endpoint_host(endpoint_url: str, request: Any, **_kw: Any) -> None:
    """A custom endpoint (an emulator, a proxy) is reached at its own host: s3control's endpoint rules put the account
    id before the host (``123456789012.s3-control.…``), a name that only resolves under AWS's own domains."""
    host = urllib.parse.urlsplit(endpoint_url).netloc
    parts = urllib.parse.urlsplit(request.url)
    if parts.netloc.endswith("." + host):
        request.url = urllib.parse.urlunsplit(parts._replace(netloc=host))


def classify(exc: AwsError) -> str:
    """``access-denied``, ``throttled`` or ``error``: why an action could not be read."""
    if exc.code in ACCESS_DENIED or "AccessDenied" in exc.code:
        return "access-denied"
    if exc.code in THROTTLED:
        return "throttled"
    return "error"


def marker(action: str, exc: AwsError) -> dict[str, str]:
    return {"action": action, "code": exc.code, "kind": classify(exc), "reason": f"{action}: {exc.code}: {exc.message}"}


class Reader:
    """One collector's reads in one region: records every action it needs and marks what it could not read."""

    def __init__(self, aws: Aws, service: str, region: str, account: str, wanted: set[str] | None = None) -> None:
        self.aws = aws
        # The areas the chosen controls need (None: every area): an area no chosen control reads is not read.
        self.wanted = wanted
        self.service = service
        self.region = region
        self.account = account
        self.actions: set[str] = set()
        self.resources: list[dict[str, Any]] = []
        self.gaps: list[dict[str, Any]] = []

    def client(self, name: str | None = None) -> Any:
        return self.aws.client(name or self.service)

    def listing(self, action: str, operation: str, key: str, client: str | None = None, **kwargs: Any) -> list[Any]:
        """Every item of a paginated listing; ``AwsError`` (the whole service/region unknown) when it fails."""
        self.actions.add(action)
        c = self.client(client)
        if c.can_paginate(operation):
            return list(paginate(c, operation, key, **kwargs))
        return list(call(c, operation, **kwargs).get(key) or [])

    def sublisting(
        self, action: str, rtype: str | tuple[str, ...], scope: str, operation: str, key: str, client: str | None = None, **kwargs: Any
    ) -> list[Any] | None:
        """Every item of a listing of one kind of resource (``rtype``) under ``scope`` (e.g. the services of one
        cluster); None when it fails, with a gap recorded: the resources of that kind under ``scope`` are unknown
        (the controls judging that kind answer one ERROR for the scope), the other resources are still judged.
        ``rtype`` may name several kinds: those found only through this listing (the task sets of the services)."""
        try:
            return self.listing(action, operation, key, client, **kwargs)
        except AwsError as exc:
            for kind in (rtype,) if isinstance(rtype, str) else rtype:
                self.gaps.append({**marker(action, exc), "resource_type": kind, "scope": scope})
            return None

    def each(self, items: list[Any], read: Callable[[Any], None]) -> None:
        """``read(item)`` for every item, ``FANOUT`` at a time; the first unexpected error is raised after all ended.
        Each call records its own resource (``add``, ``area``): the evidence is sorted by ARN afterwards, so the
        order the reads end in changes nothing."""
        if len(items) < 2:
            for item in items:
                read(item)
            return
        with concurrent.futures.ThreadPoolExecutor(max_workers=min(FANOUT, len(items)), thread_name_prefix=f"slipway-{self.service}") as pool:
            for fut in [pool.submit(read, item) for item in items]:
                fut.result()

    def add(self, arn: str, name: str, rtype: str, base: dict[str, Any], region: str | None = None) -> dict[str, Any]:
        resource = {"arn": arn, "name": name, "region": region or self.region, "type": rtype, "base": base, "areas": {}, "unavailable": {}}
        self.resources.append(resource)
        return resource

    def area(
        self,
        resource: dict[str, Any],
        area: str,
        action: str,
        read: Callable[[], Any],
        absent: tuple[str, ...] = (),
        absent_value: Any = None,
    ) -> None:
        """Read one area of ``resource``: its value, ``absent_value`` when the service answers one of the
        ``absent`` codes (e.g. NoSuchBucketPolicy: a real answer, "there is none"), else an unavailable marker.
        An area none of the chosen controls needs is not read at all (no call, no action)."""
        if self.wanted is not None and area not in self.wanted:
            return
        self.actions.add(action)
        try:
            resource["areas"][area] = read()
        except AwsError as exc:
            if exc.code in absent:
                resource["areas"][area] = absent_value
            else:
                resource["unavailable"][area] = marker(action, exc)


def skip(resource: dict[str, Any], area: str, why: str, value: Any = None) -> None:
    """An area with nothing to read for this resource (e.g. the rotation function of a secret that does not rotate):
    its value, and why it was not read (the deny matrix checks that denying its action changes nothing here)."""
    resource["areas"][area] = value
    resource.setdefault("skipped", {})[area] = why


# ------------------------------------------------------------------ collectors
COLLECTORS: dict[str, Callable[[Reader], None]] = {}
# the areas each collector can fill and the action each needs; "base" is the listing
AREAS: dict[str, dict[str, str]] = {}


def collector(service: str, areas: dict[str, str]) -> Callable[[Callable[[Reader], None]], Callable[[Reader], None]]:
    def register(fn: Callable[[Reader], None]) -> Callable[[Reader], None]:
        COLLECTORS[service] = fn
        AREAS[service] = dict(areas)
        return fn

    return register


def _tags(items: list[dict[str, Any]] | None, key: str = "Key", value: str = "Value") -> dict[str, str]:
    return {str(t.get(key)): str(t.get(value, "")) for t in items or []}


@collector(
    "s3",
    {
        "base": "s3:ListBuckets",
        "policy": "s3:GetBucketPolicy",
        "public_access_block": "s3:GetPublicAccessBlock",
        "logging": "s3:GetBucketLogging",
        "versioning": "s3:GetBucketVersioning",
        "tags": "s3:GetBucketTagging",
        "acl": "s3:GetBucketAcl",
        "lifecycle": "s3:GetLifecycleConfiguration",
        "notifications": "s3:GetBucketNotification",
        "account_public_access_block": "s3:GetAccountPublicAccessBlock",
    },
)
def collect_s3(r: Reader) -> None:
    s3 = r.client()

    def read(b: dict[str, Any]) -> None:
        name = b["Name"]
        res = r.add(f"arn:aws:s3:::{name}", name, "AwsS3Bucket", {"created": b.get("CreationDate")})

        def policy(name: str = name) -> Any:
            return json.loads(call(s3, "get_bucket_policy", Bucket=name).get("Policy") or "null")

        r.area(res, "policy", "s3:GetBucketPolicy", policy, absent=("NoSuchBucketPolicy",))
        r.area(
            res,
            "public_access_block",
            "s3:GetPublicAccessBlock",
            lambda name=name: call(s3, "get_public_access_block", Bucket=name).get("PublicAccessBlockConfiguration") or {},
            absent=("NoSuchPublicAccessBlockConfiguration",),
            absent_value={},
        )
        r.area(res, "logging", "s3:GetBucketLogging", lambda name=name: call(s3, "get_bucket_logging", Bucket=name).get("LoggingEnabled"))
        r.area(res, "versioning", "s3:GetBucketVersioning", lambda name=name: call(s3, "get_bucket_versioning", Bucket=name).get("Status"))
        r.area(
            res,
            "tags",
            "s3:GetBucketTagging",
            lambda name=name: _tags(call(s3, "get_bucket_tagging", Bucket=name).get("TagSet")),
            absent=("NoSuchTagSet", "NoSuchTagSetError"),
            absent_value={},
        )
        r.area(res, "acl", "s3:GetBucketAcl", lambda name=name: _without_metadata(call(s3, "get_bucket_acl", Bucket=name)))
        r.area(
            res,
            "lifecycle",
            "s3:GetLifecycleConfiguration",
            lambda name=name: call(s3, "get_bucket_lifecycle_configuration", Bucket=name).get("Rules") or [],
            absent=("NoSuchLifecycleConfiguration",),
            absent_value=[],
        )
        r.area(
            res,
            "notifications",
            "s3:GetBucketNotification",
            lambda name=name: _without_metadata(call(s3, "get_bucket_notification_configuration", Bucket=name)),
        )

    r.each(r.listing("s3:ListBuckets", "list_buckets", "Buckets"), read)

    def account_public_access_block() -> dict[str, Any]:
        """The account's Block Public Access settings (s3control, read once): S3 applies the most restrictive
        combination of the bucket's and the account's. None at all (NoSuchPublicAccessBlockConfiguration) is an answer."""
        try:
            return call(r.client("s3control"), "get_public_access_block", AccountId=r.account).get("PublicAccessBlockConfiguration") or {}
        except AwsError as exc:
            if exc.code != "NoSuchPublicAccessBlockConfiguration":
                raise
            return {}

    _shared(r, r.resources, "account_public_access_block", "s3:GetAccountPublicAccessBlock", account_public_access_block, lambda _res, conf: conf)


@collector(
    "rds",
    {
        "base": "rds:DescribeDBInstances",
        "tags": "rds:DescribeDBInstances",
        "parameters": "rds:DescribeDBParameters",
        "route_tables": "ec2:DescribeRouteTables",
    },
)
def collect_rds(r: Reader) -> None:
    """DB instances (their settings and tags are in the listing), the parameters of each one's DB parameter group that
    the in-transit controls read (one paginated DescribeDBParameters per distinct group) and, for an instance in a DB
    subnet group, the route tables of its subnets (DescribeRouteTables, once for the region)."""
    for db in r.listing("rds:DescribeDBInstances", "describe_db_instances", "DBInstances"):
        base = {
            k: db.get(k)
            for k in (
                "Engine",
                "StorageEncrypted",
                "BackupRetentionPeriod",
                "AutoMinorVersionUpgrade",
                "DeletionProtection",
                "PubliclyAccessible",
                "DBClusterIdentifier",
                "ReadReplicaSourceDBInstanceIdentifier",
                "MultiAZ",
                "EnabledCloudwatchLogsExports",
                "IAMDatabaseAuthenticationEnabled",
                "CopyTagsToSnapshot",
                "MasterUsername",
                "MonitoringInterval",
            )
        }
        base["Port"] = (db.get("Endpoint") or {}).get("Port") or db.get("DbInstancePort")
        base["EngineVersion"] = db.get("EngineVersion")
        groups = db.get("DBParameterGroups") or []
        base["ParameterGroup"] = groups[0].get("DBParameterGroupName") if groups else None
        base["ParameterApplyStatus"] = groups[0].get("ParameterApplyStatus") if groups else None
        subnet_group = db.get("DBSubnetGroup") or None
        base["SubnetGroup"] = (
            {
                "name": subnet_group.get("DBSubnetGroupName"),
                "vpc_id": subnet_group.get("VpcId"),
                "subnets": sorted(str(x.get("SubnetIdentifier")) for x in subnet_group.get("Subnets") or []),
            }
            if subnet_group
            else None
        )
        res = r.add(db["DBInstanceArn"], db["DBInstanceIdentifier"], "AwsRdsDbInstance", base)
        res["areas"]["tags"] = _tags(db.get("TagList"))
    _instance_parameters(r)
    _route_tables(r)


# The DB parameters the in-transit controls read (RDS.38, RDS.39, RDS.41, RDS.44), by engine; instances of other engines
# and cluster members (their cluster's parameters govern them; Security Hub does not judge them) are not read.
TLS_PARAMETERS = {"postgres": "rds.force_ssl", "mysql": "require_secure_transport", "mariadb": "require_secure_transport"}
TLS_PARAMETERS.update(dict.fromkeys(("sqlserver-ee", "sqlserver-se", "sqlserver-ex", "sqlserver-web"), "rds.force_ssl"))
# The DB cluster parameters RDS.45 reads (Aurora MySQL Advanced Auditing).
AUDIT_PARAMETERS = ("server_audit_logging", "server_audit_events")


def _per_group(
    r: Reader, resources: list[dict[str, Any]], area: str, action: str, group_of: Callable[[dict[str, Any]], str | None], read: Callable[[str], Any]
) -> None:
    """One area of many resources answered by one read per distinct group (a parameter group): each resource of a
    group gets that group's answer, or an unavailable marker naming the action when its group's read failed."""
    if r.wanted is not None and area not in r.wanted:
        return
    by_group: dict[str, list[dict[str, Any]]] = {}
    for res in resources:
        name = group_of(res)
        if name:
            by_group.setdefault(name, []).append(res)
    if not by_group:
        return
    r.actions.add(action)

    def one(name: str) -> None:
        try:
            got = read(name)
        except AwsError as exc:
            for res in by_group[name]:
                res["unavailable"][area] = marker(action, exc)
            return
        for res in by_group[name]:
            res["areas"][area] = got

    r.each(sorted(by_group), one)


def _parameters(client: Any, operation: str, key: str, name: str, wanted: tuple[str, ...]) -> dict[str, Any]:
    """The ``wanted`` parameters of a (cluster) parameter group, every page read: ``{name: value}``, the value None
    when the group answers the parameter without a value; a parameter the group does not answer is left out."""
    got = {}
    for p in paginate(client, operation, "Parameters", **{key: name}):
        if p.get("ParameterName") in wanted:
            got[str(p["ParameterName"])] = p.get("ParameterValue")
    return dict(sorted(got.items()))


def _instance_parameters(r: Reader) -> None:
    judged = []
    for res in r.resources:
        base = res["base"]
        if str(base.get("Engine") or "") not in TLS_PARAMETERS or base.get("DBClusterIdentifier") or not base.get("ParameterGroup"):
            skip(res, "parameters", "no in-transit control judges this instance's DB parameters (engine, cluster member or no group)", {})
        else:
            judged.append(res)
    wanted = tuple(sorted(set(TLS_PARAMETERS.values())))
    rds = r.client("rds")

    def read(name: str) -> dict[str, Any]:
        return _parameters(rds, "describe_db_parameters", "DBParameterGroupName", name, wanted)

    _per_group(r, judged, "parameters", "rds:DescribeDBParameters", lambda res: res["base"].get("ParameterGroup"), read)


def _route_tables(r: Reader) -> None:
    """For each instance in a DB subnet group, each of its subnets' route table (the explicitly associated one, else
    the main route table of the subnet group's VPC) and that table's routes to an internet gateway (igw-) for
    0.0.0.0/0 or ::/0. A subnet whose table is not found gets ``route_table: None``."""
    placed = []
    for res in r.resources:
        if res["base"].get("SubnetGroup"):
            placed.append(res)
        else:
            skip(res, "route_tables", "the instance is in no DB subnet group", {})

    def read() -> list[dict[str, Any]]:
        return list(paginate(r.client("ec2"), "describe_route_tables", "RouteTables"))

    def pick(res: dict[str, Any], tables: list[dict[str, Any]]) -> dict[str, Any]:
        group = res["base"]["SubnetGroup"]
        return {subnet: subnet_route(tables, str(group.get("vpc_id") or ""), subnet) for subnet in group.get("subnets") or []}

    _shared(r, placed, "route_tables", "ec2:DescribeRouteTables", read, pick)


def subnet_route(tables: list[dict[str, Any]], vpc_id: str, subnet: str) -> dict[str, Any]:
    """The route table governing ``subnet`` (explicit association, else the VPC's main table) and its default routes
    to an internet gateway."""
    explicit = [t for t in tables if any(a.get("SubnetId") == subnet for a in t.get("Associations") or [])]
    main = [t for t in tables if t.get("VpcId") == vpc_id and any(a.get("Main") for a in t.get("Associations") or [])]
    table = (explicit or main or [None])[0]
    if table is None:
        return {"route_table": None, "internet_routes": []}
    routes = [
        f"{x.get('DestinationCidrBlock') or x.get('DestinationIpv6CidrBlock')} -> {x.get('GatewayId')}"
        for x in table.get("Routes") or []
        if str(x.get("GatewayId") or "").startswith("igw-") and (x.get("DestinationCidrBlock") == "0.0.0.0/0" or x.get("DestinationIpv6CidrBlock") == "::/0")
    ]
    return {"route_table": table.get("RouteTableId"), "association": "explicit" if explicit else "main", "internet_routes": sorted(routes)}


RDS_CLUSTER_KEYS = (
    "Engine",
    "EngineMode",
    "DeletionProtection",
    "IAMDatabaseAuthenticationEnabled",
    "MultiAZ",
    "CopyTagsToSnapshot",
    "MasterUsername",
    "StorageEncrypted",
    "AutoMinorVersionUpgrade",
    "BacktrackWindow",
    "EnabledCloudwatchLogsExports",
    "BackupRetentionPeriod",
    "DBClusterParameterGroup",
)


@collector(
    "rds_other",
    {
        "base": "rds:DescribeDBClusters",
        "snapshots": "rds:DescribeDBSnapshots",
        "cluster_snapshots": "rds:DescribeDBClusterSnapshots",
        "event_subscriptions": "rds:DescribeEventSubscriptions",
        "snapshot_attributes": "rds:DescribeDBSnapshotAttributes",
        "cluster_snapshot_attributes": "rds:DescribeDBClusterSnapshotAttributes",
        "cluster_parameters": "rds:DescribeDBClusterParameters",
        "proxies": "rds:DescribeDBProxies",
    },
)
def collect_rds_other(r: Reader) -> None:
    """RDS beyond its DB instances (``collect_rds``), so the instance controls never see them: DB clusters (the
    listing), then each further kind with its own listing (a failed one is a gap for that kind only): the account's
    DB snapshots and DB cluster snapshots (with who may restore each manual one), the event subscriptions and the DB
    proxies; and the Advanced Auditing parameters of each Aurora MySQL cluster's cluster parameter group (one
    paginated DescribeDBClusterParameters per distinct group)."""
    rds = r.client("rds")
    clusters = []
    for c in r.listing("rds:DescribeDBClusters", "describe_db_clusters", "DBClusters", client="rds"):
        base = {"kind": "cluster", **{k: c.get(k) for k in RDS_CLUSTER_KEYS}}
        clusters.append(r.add(c["DBClusterArn"], c["DBClusterIdentifier"], "AwsRdsDbCluster", base))
    audited = []
    for res in clusters:
        if res["base"].get("Engine") in ("aurora", "aurora-mysql") and res["base"].get("DBClusterParameterGroup"):
            audited.append(res)
        else:
            skip(res, "cluster_parameters", "not an Aurora MySQL cluster: no control reads its cluster parameters", {})

    def audit(name: str) -> dict[str, Any]:
        return _parameters(rds, "describe_db_cluster_parameters", "DBClusterParameterGroupName", name, AUDIT_PARAMETERS)

    def group_of(res: dict[str, Any]) -> str | None:
        return res["base"].get("DBClusterParameterGroup")

    _per_group(r, audited, "cluster_parameters", "rds:DescribeDBClusterParameters", group_of, audit)
    prefix = f"arn:aws:rds:{r.region}:{r.account}"
    snapshots = []
    for s in r.sublisting("rds:DescribeDBSnapshots", "AwsRdsDbSnapshot", f"{prefix}:snapshot:*", "describe_db_snapshots", "DBSnapshots", client="rds") or []:
        base = {"kind": "snapshot", "SnapshotType": s.get("SnapshotType"), "Encrypted": s.get("Encrypted"), "Engine": s.get("Engine")}
        base["source"] = s.get("DBInstanceIdentifier")
        res = r.add(s["DBSnapshotArn"], s["DBSnapshotIdentifier"], "AwsRdsDbSnapshot", base)
        skip(res, "cluster_snapshot_attributes", "a DB snapshot, not a cluster snapshot")
        snapshots.append(res)
    scope = f"{prefix}:cluster-snapshot:*"
    kind = ("rds:DescribeDBClusterSnapshots", "AwsRdsDbClusterSnapshot", scope)
    listed = r.sublisting(*kind, "describe_db_cluster_snapshots", "DBClusterSnapshots", client="rds")
    for s in listed or []:
        base = {"kind": "cluster_snapshot", "SnapshotType": s.get("SnapshotType"), "Encrypted": s.get("StorageEncrypted"), "Engine": s.get("Engine")}
        base["source"] = s.get("DBClusterIdentifier")
        res = r.add(s["DBClusterSnapshotArn"], s["DBClusterSnapshotIdentifier"], "AwsRdsDbClusterSnapshot", base)
        skip(res, "snapshot_attributes", "a DB cluster snapshot, not a DB snapshot")
        snapshots.append(res)

    def restore(res: dict[str, Any]) -> None:
        cluster = res["type"] == "AwsRdsDbClusterSnapshot"
        area = "cluster_snapshot_attributes" if cluster else "snapshot_attributes"
        if res["base"].get("SnapshotType") != "manual":
            # only manual snapshots can be shared (RDS user guide, "Sharing a DB snapshot")
            skip(res, area, f"a {res['base'].get('SnapshotType')} snapshot cannot be shared", [])
            return

        def read(name: str = res["name"]) -> list[str]:
            if cluster:
                got = call(rds, "describe_db_cluster_snapshot_attributes", DBClusterSnapshotIdentifier=name)["DBClusterSnapshotAttributesResult"]
                attributes = got.get("DBClusterSnapshotAttributes") or []
            else:
                got = call(rds, "describe_db_snapshot_attributes", DBSnapshotIdentifier=name)["DBSnapshotAttributesResult"]
                attributes = got.get("DBSnapshotAttributes") or []
            return sorted({str(v) for a in attributes if a.get("AttributeName") == "restore" for v in a.get("AttributeValues") or []})

        action = "rds:DescribeDBClusterSnapshotAttributes" if cluster else "rds:DescribeDBSnapshotAttributes"
        r.area(res, area, action, read)

    r.each(snapshots, restore)
    listed = r.sublisting(
        "rds:DescribeEventSubscriptions", "AwsRdsEventSubscription", f"{prefix}:es:*", "describe_event_subscriptions", "EventSubscriptionsList", client="rds"
    )
    for e in listed or []:
        base = {
            "kind": "event_subscription",
            "SourceType": e.get("SourceType"),
            "Enabled": e.get("Enabled"),
            "EventCategoriesList": sorted(str(x) for x in e.get("EventCategoriesList") or []),
            "SourceIdsList": sorted(str(x) for x in e.get("SourceIdsList") or []),
        }
        arn = e.get("EventSubscriptionArn") or f"{prefix}:es:{e['CustSubscriptionId']}"
        r.add(arn, e["CustSubscriptionId"], "AwsRdsEventSubscription", base)
    listed = r.sublisting("rds:DescribeDBProxies", "AwsRdsDbProxy", f"{prefix}:db-proxy:*", "describe_db_proxies", "DBProxies", client="rds")
    for p in listed or []:
        base = {"kind": "db_proxy", "RequireTLS": p.get("RequireTLS"), "EngineFamily": p.get("EngineFamily"), "Status": p.get("Status")}
        r.add(p.get("DBProxyArn") or f"{prefix}:db-proxy:{p['DBProxyName']}", p["DBProxyName"], "AwsRdsDbProxy", base)


@collector(
    "secretsmanager",
    {
        "base": "secretsmanager:ListSecrets",
        "tags": "secretsmanager:ListSecrets",
        "describe": "secretsmanager:DescribeSecret",
        "rotation_function": "lambda:GetFunction",
        "rotation_function_policy": "lambda:GetPolicy",
        "rotation_events": "cloudtrail:LookupEvents",
    },
)
def collect_secrets(r: Reader) -> None:
    listed = r.listing("secretsmanager:ListSecrets", "list_secrets", "SecretList")
    for s in listed:
        base = {
            k: s.get(k)
            for k in (
                "RotationEnabled",
                "RotationRules",
                "RotationLambdaARN",
                "CreatedDate",
                "LastRotatedDate",
                "NextRotationDate",
                "LastAccessedDate",
                "OwningService",
            )
        }
        res = r.add(s["ARN"], s["Name"], "AwsSecretsManagerSecret", base)
        res["areas"]["tags"] = _tags(s.get("Tags"))
    _rotation_facts(r, r.resources)


def _without_metadata(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "ResponseMetadata"}


def _capturing(read: Callable[..., Any], failures: dict[str, AwsError]) -> Callable[..., Any]:
    """``call``/``paginate`` recording the AwsError of each operation, for the audit's readers (which answer a
    reason string) to become unavailable markers with their code."""

    def wrapped(client: Any, operation: str, *args: Any, **kwargs: Any) -> Any:
        try:
            out = read(client, operation, *args, **kwargs)
            return list(out) if operation == "lookup_events" else out
        except AwsError as exc:
            failures[operation] = exc
            raise

    return wrapped


def _rotation_facts(r: Reader, resources: list[dict[str, Any]]) -> None:
    """What the secret-rotation audit (``secrets/audit.py``) judges a secret's state from, read with its own
    readers: DescribeSecret per secret; the rotation function (GetFunction, GetPolicy) of a secret that rotates
    with one; RotationFailed/RotationSucceeded events (CloudTrail, the last 90 days, account-wide, once per
    region) for a secret that rotates. What does not apply is skipped, with the reason."""
    import datetime as dt

    from ansible_collections.slipway.aws.plugins.module_utils.secrets import audit

    sm = r.client()
    for res in resources:
        r.area(res, "describe", "secretsmanager:DescribeSecret", lambda arn=res["arn"]: _without_metadata(call(sm, "describe_secret", SecretId=arn)))
    rotating = [res for res in resources if (res["areas"].get("describe") or res["base"]).get("RotationEnabled")]
    for res in resources:
        if res not in rotating:
            skip(res, "rotation_events", "rotation is off")
    if rotating:
        r.actions.add("cloudtrail:LookupEvents")
        failures: dict[str, AwsError] = {}
        since = dt.datetime.now(dt.UTC) - dt.timedelta(days=90)
        events = audit.read_events(r.client("cloudtrail"), since, _capturing(paginate, failures))
        for res in rotating:
            if events["readable"]:
                mine = events["by_secret"].get(res["arn"]) or {}
                res["areas"]["rotation_events"] = {"failed": mine.get("failed", []), "succeeded": mine.get("succeeded", [])}
            else:
                res["unavailable"]["rotation_events"] = marker("cloudtrail:LookupEvents", failures["lookup_events"])
    functions: dict[str, tuple[dict[str, Any], dict[str, AwsError]]] = {}
    for res in resources:
        meta = res["areas"].get("describe") or res["base"]
        fn_arn = meta.get("RotationLambdaARN")
        if not (meta.get("RotationEnabled") and fn_arn and not meta.get("OwningService")):
            why = "rotation is off" if not meta.get("RotationEnabled") else "no rotation function to read (the audit judges that)"
            skip(res, "rotation_function", why)
            skip(res, "rotation_function_policy", why)
            continue
        r.actions.update(("lambda:GetFunction", "lambda:GetPolicy"))
        if fn_arn not in functions:
            failures = {}
            functions[fn_arn] = (audit.read_function(r.client("lambda"), fn_arn, _capturing(call, failures)), failures)
        fn, failed = functions[fn_arn]
        if "error" in fn:
            res["unavailable"]["rotation_function"] = marker("lambda:GetFunction", failed["get_function"])
            skip(res, "rotation_function_policy", "the function could not be read")
            continue
        res["areas"]["rotation_function"] = {k: fn[k] for k in ("arn", "exists", "state") if k in fn}
        if fn.get("exists") is False:
            skip(res, "rotation_function_policy", "the function does not exist")
        elif "policy_error" in fn:
            res["unavailable"]["rotation_function_policy"] = marker("lambda:GetPolicy", failed["get_policy"])
        else:
            res["areas"]["rotation_function_policy"] = fn.get("policy")


@collector("sqs", {"base": "sqs:ListQueues", "attributes": "sqs:GetQueueAttributes", "tags": "sqs:ListQueueTags"})
def collect_sqs(r: Reader) -> None:
    sqs = r.client()

    def read(url: str) -> None:
        name = url.rsplit("/", 1)[-1]
        res = r.add(f"arn:aws:sqs:{r.region}:{r.account}:{name}", name, "AwsSqsQueue", {"url": url})

        def attributes(url: str = url) -> dict[str, Any]:
            return call(sqs, "get_queue_attributes", QueueUrl=url, AttributeNames=["All"]).get("Attributes") or {}

        r.area(res, "attributes", "sqs:GetQueueAttributes", attributes)
        r.area(res, "tags", "sqs:ListQueueTags", lambda url=url: dict(call(sqs, "list_queue_tags", QueueUrl=url).get("Tags") or {}))

    # without MaxResults ListQueues answers at most 1,000 queues and no NextToken (SQS API reference): page explicitly
    r.each(r.listing("sqs:ListQueues", "list_queues", "QueueUrls", PaginationConfig={"PageSize": 1000}), read)


@collector(
    "dynamodb",
    {
        "base": "dynamodb:ListTables",
        "backups": "dynamodb:DescribeContinuousBackups",
        "tags": "dynamodb:ListTagsOfResource",
        "table": "dynamodb:DescribeTable",
        "scalable_targets": "application-autoscaling:DescribeScalableTargets",
        "scaling_policies": "application-autoscaling:DescribeScalingPolicies",
    },
)
def collect_dynamodb(r: Reader) -> None:
    """Tables (continuous backups, tags, DescribeTable's settings) and, once for the region, the DynamoDB scalable
    targets and scaling policies of Application Auto Scaling (each table gets those of its own and its indexes')."""
    ddb = r.client()

    def read(name: str) -> None:
        arn = f"arn:aws:dynamodb:{r.region}:{r.account}:table/{name}"
        res = r.add(arn, name, "AwsDynamoDbTable", {})
        r.area(
            res,
            "backups",
            "dynamodb:DescribeContinuousBackups",
            lambda name=name: call(ddb, "describe_continuous_backups", TableName=name).get("ContinuousBackupsDescription") or {},
        )
        r.area(res, "tags", "dynamodb:ListTagsOfResource", lambda arn=arn: _tags(call(ddb, "list_tags_of_resource", ResourceArn=arn).get("Tags")))

        def table(name: str = name) -> dict[str, Any]:
            got = call(ddb, "describe_table", TableName=name).get("Table") or {}
            out = {k: got.get(k) for k in ("TableStatus", "DeletionProtectionEnabled")}
            # absent BillingModeSummary: a table created before billing modes existed, i.e. PROVISIONED
            out["BillingMode"] = (got.get("BillingModeSummary") or {}).get("BillingMode") or "PROVISIONED"
            out["GlobalSecondaryIndexes"] = sorted(str(i.get("IndexName")) for i in got.get("GlobalSecondaryIndexes") or [])
            return out

        r.area(res, "table", "dynamodb:DescribeTable", table)

    r.each(r.listing("dynamodb:ListTables", "list_tables", "TableNames"), read)
    aas = "application-autoscaling"

    def mine(key: str) -> Callable[[dict[str, Any], list[dict[str, Any]]], list[dict[str, Any]]]:
        def pick(res: dict[str, Any], got: list[dict[str, Any]]) -> list[dict[str, Any]]:
            own = f"table/{res['name']}"
            items = [x for x in got if x.get("ResourceId") == own or str(x.get("ResourceId") or "").startswith(own + "/index/")]
            return sorted(({k: x.get(k) for k in key.split(",")} for x in items), key=lambda x: (str(x["ResourceId"]), str(x["ScalableDimension"])))

        return pick

    targets = "ResourceId,ScalableDimension,MinCapacity,MaxCapacity"
    policies = "ResourceId,ScalableDimension,PolicyName,PolicyType,TargetTrackingScalingPolicyConfiguration"

    def read_targets() -> list[dict[str, Any]]:
        return list(paginate(r.client(aas), "describe_scalable_targets", "ScalableTargets", ServiceNamespace="dynamodb"))

    def read_policies() -> list[dict[str, Any]]:
        return list(paginate(r.client(aas), "describe_scaling_policies", "ScalingPolicies", ServiceNamespace="dynamodb"))

    _shared(r, r.resources, "scalable_targets", "application-autoscaling:DescribeScalableTargets", read_targets, mine(targets))
    _shared(r, r.resources, "scaling_policies", "application-autoscaling:DescribeScalingPolicies", read_policies, mine(policies))


@collector("kms", {"base": "kms:ListKeys", "key": "kms:DescribeKey", "rotation": "kms:GetKeyRotationStatus", "policy": "kms:GetKeyPolicy"})
def collect_kms(r: Reader) -> None:
    kms = r.client()

    def read(k: dict[str, Any]) -> None:
        res = r.add(k["KeyArn"], k["KeyId"], "AwsKmsKey", {})
        r.area(res, "key", "kms:DescribeKey", lambda kid=k["KeyId"]: call(kms, "describe_key", KeyId=kid).get("KeyMetadata") or {})
        r.area(
            res,
            "rotation",
            "kms:GetKeyRotationStatus",
            lambda kid=k["KeyId"]: bool(call(kms, "get_key_rotation_status", KeyId=kid).get("KeyRotationEnabled")),
            absent=("UnsupportedOperationException", "KMSInvalidStateException"),
        )

        def policy(kid: str = k["KeyId"]) -> Any:
            text = call(kms, "get_key_policy", KeyId=kid, PolicyName="default").get("Policy") or ""
            return json.loads(text) if text.strip() else None

        r.area(res, "policy", "kms:GetKeyPolicy", policy)

    r.each(r.listing("kms:ListKeys", "list_keys", "Keys"), read)


@collector(
    "ecr",
    {
        "base": "ecr:DescribeRepositories",
        "lifecycle": "ecr:GetLifecyclePolicy",
        "latest_image": "ecr:DescribeImages",
        "scan_findings": "ecr:DescribeImageScanFindings",
        "kms_key": "kms:DescribeKey",
    },
)
def collect_ecr(r: Reader) -> None:
    ecr = r.client()

    def read(repo: dict[str, Any]) -> None:
        base = {
            "scan_on_push": bool((repo.get("imageScanningConfiguration") or {}).get("scanOnPush")),
            "tag_mutability": repo.get("imageTagMutability"),
            "encryption": {k: v for k, v in (repo.get("encryptionConfiguration") or {}).items() if k in ("encryptionType", "kmsKey")},
        }
        res = r.add(repo["repositoryArn"], repo["repositoryName"], "AwsEcrRepository", base)
        key_arn = base["encryption"].get("kmsKey") if base["encryption"].get("encryptionType") == "KMS" else None
        if key_arn:
            r.area(res, "kms_key", "kms:DescribeKey", lambda arn=key_arn: _key_manager(r.client("kms"), arn))
        else:
            skip(res, "kms_key", "the repository is not encrypted with a KMS key")
        r.area(
            res,
            "lifecycle",
            "ecr:GetLifecyclePolicy",
            lambda name=repo["repositoryName"]: call(ecr, "get_lifecycle_policy", repositoryName=name).get("lifecyclePolicyText"),
            absent=("LifecyclePolicyNotFoundException",),
        )
        _latest_image_scan(r, ecr, res, repo["repositoryName"])

    r.each(r.listing("ecr:DescribeRepositories", "describe_repositories", "repositories"), read)


def _key_manager(kms: Any, arn: str) -> dict[str, Any]:
    """Who manages the KMS key of an ECR repository (AWS for aws/ecr, else CUSTOMER) and its state."""
    meta = call(kms, "describe_key", KeyId=arn).get("KeyMetadata") or {}
    return {"arn": meta.get("Arn") or arn, "manager": meta.get("KeyManager"), "state": meta.get("KeyState")}


def latest_image(images: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The most recently pushed image (ties by digest), as plain data; None for an empty repository."""
    if not images:
        return None
    img = max(images, key=lambda i: (str(i.get("imagePushedAt") or ""), str(i.get("imageDigest") or "")))
    return {"digest": img.get("imageDigest"), "tags": sorted(img.get("imageTags") or []), "pushed_at": str(img.get("imagePushedAt") or "") or None}


def _latest_image_scan(r: Reader, ecr: Any, res: dict[str, Any], name: str) -> None:
    """The repository's latest image (DescribeImages) and that image's scan findings (DescribeImageScanFindings):
    ``{"status", "counts"}``, ``{"status": "NONE"}`` when the image was never scanned (ScanNotFoundException),
    None when there is no image (nothing to read)."""

    def images() -> dict[str, Any] | None:
        return latest_image(list(paginate(ecr, "describe_images", "imageDetails", repositoryName=name)))

    r.area(res, "latest_image", "ecr:DescribeImages", images)
    if "latest_image" not in res["areas"]:  # unreadable, or not needed by the chosen controls
        return
    image = res["areas"]["latest_image"]
    if image is None:
        skip(res, "scan_findings", "the repository has no image")
        return

    def findings() -> dict[str, Any]:
        got = call(ecr, "describe_image_scan_findings", repositoryName=name, imageId={"imageDigest": image["digest"]})
        status = (got.get("imageScanStatus") or {}).get("status")
        counts = (got.get("imageScanFindings") or {}).get("findingSeverityCounts") or {}
        return {"status": status, "counts": {str(k): int(v) for k, v in sorted(counts.items())}}

    r.area(res, "scan_findings", "ecr:DescribeImageScanFindings", findings, absent=("ScanNotFoundException",), absent_value={"status": "NONE", "counts": {}})


@collector("logs", {"base": "logs:DescribeLogGroups"})
def collect_logs(r: Reader) -> None:
    for g in r.listing("logs:DescribeLogGroups", "describe_log_groups", "logGroups"):
        arn = str(g.get("arn") or f"arn:aws:logs:{r.region}:{r.account}:log-group:{g['logGroupName']}")
        arn = arn.removesuffix(":*")
        r.add(arn, g["logGroupName"], "AwsLogsLogGroup", {"retention_days": g.get("retentionInDays"), "kms_key": g.get("kmsKeyId")})


def _sg_rule(p: dict[str, Any]) -> dict[str, Any]:
    """What the security-group controls judge of one permission: protocol, port range and the sources it opens to."""
    return {
        "protocol": str(p.get("IpProtocol")),
        "from": p.get("FromPort"),
        "to": p.get("ToPort"),
        "ipv4": sorted(str(x.get("CidrIp")) for x in p.get("IpRanges") or []),
        "ipv6": sorted(str(x.get("CidrIpv6")) for x in p.get("Ipv6Ranges") or []),
        "groups": sorted(str(x.get("GroupId")) for x in p.get("UserIdGroupPairs") or []),
        "prefix_lists": sorted(str(x.get("PrefixListId")) for x in p.get("PrefixListIds") or []),
    }


def _shared(r: Reader, resources: list[dict[str, Any]], area: str, action: str, read: Callable[[], Any], pick: Callable[[dict[str, Any], Any], Any]) -> None:
    """One area of many resources answered by one account-wide read (e.g. every flow log of the region): each resource
    gets ``pick(resource, answer)``, or an unavailable marker when the read failed. Not read when no chosen control needs it."""
    if not resources or (r.wanted is not None and area not in r.wanted):
        return
    r.actions.add(action)
    try:
        got = read()
    except AwsError as exc:
        for res in resources:
            res["unavailable"][area] = marker(action, exc)
        return
    for res in resources:
        res["areas"][area] = pick(res, got)


@collector(
    "ec2",
    {
        "base": "ec2:DescribeSecurityGroups",
        "vpcs": "ec2:DescribeVpcs",
        "flow_logs": "ec2:DescribeFlowLogs",
        "vpc_endpoints": "ec2:DescribeVpcEndpoints",
        "subnets": "ec2:DescribeSubnets",
        "network_acls": "ec2:DescribeNetworkAcls",
        "instances": "ec2:DescribeInstances",
        "volumes": "ec2:DescribeVolumes",
        "ebs_encryption": "ec2:GetEbsEncryptionByDefault",
        "snapshots": "ec2:DescribeSnapshots",
        "create_volume_permission": "ec2:DescribeSnapshotAttribute",
        "transit_gateways": "ec2:DescribeTransitGateways",
        "launch_templates": "ec2:DescribeLaunchTemplates",
        "launch_template_version": "ec2:DescribeLaunchTemplateVersions",
        "network_interfaces": "ec2:DescribeNetworkInterfaces",
        "snapshot_block_public_access": "ec2:GetSnapshotBlockPublicAccessState",
        "spot_fleet_requests": "ec2:DescribeSpotFleetRequests",
    },
)
def collect_ec2(r: Reader) -> None:
    """Security groups (the service's listing, with their rules), then each further kind with its own listing (a
    failed one is a gap for that kind only): VPCs (with their flow logs and endpoints, one read each for the region),
    subnets, network ACLs, instances, volumes, the account's snapshots (with who may create volumes from each); and
    the region's EBS encryption by default (the account, as Security Hub names it)."""
    ec2 = r.client()
    for sg in r.listing("ec2:DescribeSecurityGroups", "describe_security_groups", "SecurityGroups"):
        gid = sg["GroupId"]
        base = {
            "kind": "security_group",
            "group_name": sg.get("GroupName"),
            "vpc_id": sg.get("VpcId"),
            "ingress": len(sg.get("IpPermissions") or []),
            "egress": len(sg.get("IpPermissionsEgress") or []),
            "ingress_rules": [_sg_rule(p) for p in sg.get("IpPermissions") or []],
        }
        r.add(f"arn:aws:ec2:{r.region}:{r.account}:security-group/{gid}", gid, "AwsEc2SecurityGroup", base)
    prefix = f"arn:aws:ec2:{r.region}:{r.account}"
    vpcs = []
    for v in r.sublisting("ec2:DescribeVpcs", "AwsEc2Vpc", f"{prefix}:vpc/*", "describe_vpcs", "Vpcs") or []:
        base = {"kind": "vpc", "is_default": bool(v.get("IsDefault")), "cidr": v.get("CidrBlock"), "state": v.get("State")}
        vpcs.append(r.add(f"{prefix}:vpc/{v['VpcId']}", v["VpcId"], "AwsEc2Vpc", base))

    def flow_logs(res: dict[str, Any], got: list[dict[str, Any]]) -> list[dict[str, Any]]:
        mine = [f for f in got if f.get("ResourceId") == res["name"]]
        keys = ("FlowLogId", "FlowLogStatus", "TrafficType", "LogDestinationType", "DeliverLogsStatus")
        return sorted(({k: f.get(k) for k in keys} for f in mine), key=lambda f: str(f["FlowLogId"]))

    def endpoints(res: dict[str, Any], got: list[dict[str, Any]]) -> list[dict[str, Any]]:
        mine = [e for e in got if e.get("VpcId") == res["name"]]
        keys = ("VpcEndpointId", "ServiceName", "VpcEndpointType", "State")
        return sorted(({k: e.get(k) for k in keys} for e in mine), key=lambda e: str(e["VpcEndpointId"]))

    _shared(r, vpcs, "flow_logs", "ec2:DescribeFlowLogs", lambda: list(paginate(ec2, "describe_flow_logs", "FlowLogs")), flow_logs)
    _shared(r, vpcs, "vpc_endpoints", "ec2:DescribeVpcEndpoints", lambda: list(paginate(ec2, "describe_vpc_endpoints", "VpcEndpoints")), endpoints)
    for s in r.sublisting("ec2:DescribeSubnets", "AwsEc2Subnet", f"{prefix}:subnet/*", "describe_subnets", "Subnets") or []:
        base = {"kind": "subnet", "vpc_id": s.get("VpcId"), "MapPublicIpOnLaunch": s.get("MapPublicIpOnLaunch"), "default_for_az": s.get("DefaultForAz")}
        r.add(s.get("SubnetArn") or f"{prefix}:subnet/{s['SubnetId']}", s["SubnetId"], "AwsEc2Subnet", base)
    for acl in r.sublisting("ec2:DescribeNetworkAcls", "AwsEc2NetworkAcl", f"{prefix}:network-acl/*", "describe_network_acls", "NetworkAcls") or []:
        entries = [
            {
                "rule": e.get("RuleNumber"),
                "egress": bool(e.get("Egress")),
                "protocol": str(e.get("Protocol")),
                "action": e.get("RuleAction"),
                "cidr": e.get("CidrBlock") or e.get("Ipv6CidrBlock"),
                "from": (e.get("PortRange") or {}).get("From"),
                "to": (e.get("PortRange") or {}).get("To"),
            }
            for e in acl.get("Entries") or []
        ]
        base = {
            "kind": "network_acl",
            "vpc_id": acl.get("VpcId"),
            "is_default": bool(acl.get("IsDefault")),
            "subnets": sorted(str(a.get("SubnetId")) for a in acl.get("Associations") or []),
            "entries": sorted(entries, key=lambda e: (e["egress"], e["rule"] or 0)),
        }
        r.add(f"{prefix}:network-acl/{acl['NetworkAclId']}", acl["NetworkAclId"], "AwsEc2NetworkAcl", base)
    reservations = r.sublisting("ec2:DescribeInstances", "AwsEc2Instance", f"{prefix}:instance/*", "describe_instances", "Reservations")
    for i in (x for reservation in reservations or [] for x in reservation.get("Instances") or []):
        if (i.get("State") or {}).get("Name") == "terminated":
            continue
        base = {
            "kind": "instance",
            "state": (i.get("State") or {}).get("Name"),
            "vpc_id": i.get("VpcId"),
            "http_tokens": (i.get("MetadataOptions") or {}).get("HttpTokens"),
            "http_endpoint": (i.get("MetadataOptions") or {}).get("HttpEndpoint"),
            "public_ip": i.get("PublicIpAddress"),
            "network_interfaces": sorted(str(n.get("NetworkInterfaceId")) for n in i.get("NetworkInterfaces") or []),
            "virtualization_type": i.get("VirtualizationType"),
            "stopped_at": stop_time(i.get("StateTransitionReason")) if (i.get("State") or {}).get("Name") == "stopped" else None,
        }
        r.add(f"{prefix}:instance/{i['InstanceId']}", i["InstanceId"], "AwsEc2Instance", base)
    for vol in r.sublisting("ec2:DescribeVolumes", "AwsEc2Volume", f"{prefix}:volume/*", "describe_volumes", "Volumes") or []:
        attached = sorted(str(a.get("InstanceId")) for a in vol.get("Attachments") or [] if a.get("State") in ("attached", "attaching"))
        base = {"kind": "volume", "encrypted": bool(vol.get("Encrypted")), "state": vol.get("State"), "attached_to": attached}
        r.add(f"{prefix}:volume/{vol['VolumeId']}", vol["VolumeId"], "AwsEc2Volume", base)
    scope = f"arn:aws:ec2:{r.region}::snapshot/*"
    listed = r.sublisting("ec2:DescribeSnapshots", "AwsEc2Snapshot", scope, "describe_snapshots", "Snapshots", OwnerIds=["self"])
    snapshots = []
    for snap in listed or []:
        if snap.get("OwnerId") not in (None, r.account):  # the account's own only (an emulator may answer others' too)
            continue
        base = {"kind": "snapshot", "encrypted": bool(snap.get("Encrypted")), "state": snap.get("State"), "volume_id": snap.get("VolumeId")}
        snapshots.append(r.add(f"arn:aws:ec2:{r.region}::snapshot/{snap['SnapshotId']}", snap["SnapshotId"], "AwsEc2Snapshot", base))

    def permission(res: dict[str, Any]) -> None:
        def read(sid: str = res["name"]) -> list[dict[str, Any]]:
            got = call(ec2, "describe_snapshot_attribute", SnapshotId=sid, Attribute="createVolumePermission").get("CreateVolumePermissions") or []
            return sorted(({k: str(p[k]) for k in ("Group", "UserId") if p.get(k)} for p in got), key=lambda p: sorted(p.items()))

        r.area(res, "create_volume_permission", "ec2:DescribeSnapshotAttribute", read)

    r.each(snapshots, permission)
    account = r.add(f"AWS::::Account:{r.account}", r.account, "AwsAccount", {"kind": "account"})
    r.area(account, "ebs_encryption", "ec2:GetEbsEncryptionByDefault", lambda: bool(call(ec2, "get_ebs_encryption_by_default").get("EbsEncryptionByDefault")))
    bpa = "snapshot_block_public_access"
    r.area(account, bpa, "ec2:GetSnapshotBlockPublicAccessState", lambda: str(call(ec2, "get_snapshot_block_public_access_state").get("State") or "unblocked"))
    _ec2_network(r, ec2, prefix)


def stop_time(reason: Any) -> str | None:
    """When a stopped instance stopped, from its ``StateTransitionReason`` (``User initiated (2025-01-31 09:15:00 GMT)``),
    as ISO 8601 UTC; None when the reason carries no time (e.g. a stop by the service, whose time is not given)."""
    found = _STOP_TIME.search(str(reason or ""))
    return f"{found.group(1)}T{found.group(2)}Z" if found else None


_STOP_TIME = re.compile(r"\((\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) (?:GMT|UTC)\)")


def _template_version(v: dict[str, Any]) -> dict[str, Any]:
    """What the launch-template controls judge of a template version: the metadata options' HttpTokens, each network
    interface's public-address setting, and each block device's EBS encryption (None when the version does not set it)."""
    data = v.get("LaunchTemplateData") or {}
    return {
        "version": v.get("VersionNumber"),
        "http_tokens": (data.get("MetadataOptions") or {}).get("HttpTokens"),
        "network_interfaces": [
            {"device_index": n.get("DeviceIndex"), "associate_public_ip": n.get("AssociatePublicIpAddress")} for n in data.get("NetworkInterfaces") or []
        ],
        "ebs_volumes": _ebs_volumes(data.get("BlockDeviceMappings")),
    }


def _ebs_volumes(mappings: Any) -> list[dict[str, Any]]:
    """The EBS volumes of block device mappings (launch template versions, Spot Fleet launch specifications): each
    device and its ``Encrypted`` setting (None when the mapping does not set it)."""
    return [{"device": b.get("DeviceName"), "encrypted": (b.get("Ebs") or {}).get("Encrypted")} for b in mappings or [] if "Ebs" in b]


def _ec2_network(r: Reader, ec2: Any, prefix: str) -> None:
    """The ec2 collector's further kinds, each with its own listing (a failed one is a gap for that kind only): transit
    gateways, launch templates (with their default version), network interfaces, Spot Fleet requests (not cancelled)."""
    scope = f"{prefix}:transit-gateway/*"
    gateways = r.sublisting("ec2:DescribeTransitGateways", "AwsEc2TransitGateway", scope, "describe_transit_gateways", "TransitGateways")
    for tgw in gateways or []:
        if tgw.get("State") in ("deleted", "deleting"):
            continue
        auto = (tgw.get("Options") or {}).get("AutoAcceptSharedAttachments")
        base = {"kind": "transit_gateway", "state": tgw.get("State"), "auto_accept_shared_attachments": auto}
        r.add(tgw.get("TransitGatewayArn") or f"{prefix}:transit-gateway/{tgw['TransitGatewayId']}", tgw["TransitGatewayId"], "AwsEc2TransitGateway", base)
    templates = []
    listed = r.sublisting("ec2:DescribeLaunchTemplates", "AwsEc2LaunchTemplate", f"{prefix}:launch-template/*", "describe_launch_templates", "LaunchTemplates")
    for lt in listed or []:
        base = {"kind": "launch_template", "template_name": lt.get("LaunchTemplateName"), "default_version": lt.get("DefaultVersionNumber")}
        templates.append(r.add(f"{prefix}:launch-template/{lt['LaunchTemplateId']}", lt["LaunchTemplateId"], "AwsEc2LaunchTemplate", base))

    def default_version(res: dict[str, Any]) -> None:
        def read(tid: str = res["name"]) -> dict[str, Any]:
            got = call(ec2, "describe_launch_template_versions", LaunchTemplateId=tid, Versions=["$Default"]).get("LaunchTemplateVersions") or []
            if not got:
                raise AwsError("DescribeLaunchTemplateVersions", "MISSING", f"no default version answered for {tid}")
            return _template_version(got[0])

        r.area(res, "launch_template_version", "ec2:DescribeLaunchTemplateVersions", read)

    r.each(templates, default_version)
    scope = f"{prefix}:network-interface/*"
    for eni in r.sublisting("ec2:DescribeNetworkInterfaces", "AwsEc2NetworkInterface", scope, "describe_network_interfaces", "NetworkInterfaces") or []:
        base = {
            "kind": "network_interface",
            "interface_type": eni.get("InterfaceType"),
            "source_dest_check": eni.get("SourceDestCheck"),
            "requester_managed": bool(eni.get("RequesterManaged")),
            "attached_to": (eni.get("Attachment") or {}).get("InstanceId"),
        }
        r.add(f"{prefix}:network-interface/{eni['NetworkInterfaceId']}", eni["NetworkInterfaceId"], "AwsEc2NetworkInterface", base)
    scope = f"{prefix}:spot-fleet-request/*"
    for sfr in r.sublisting("ec2:DescribeSpotFleetRequests", "AwsEc2SpotFleet", scope, "describe_spot_fleet_requests", "SpotFleetRequestConfigs") or []:
        if str(sfr.get("SpotFleetRequestState")) in ("cancelled", "cancelled_terminating"):
            continue
        config = sfr.get("SpotFleetRequestConfig") or {}
        specs = [{"ebs_volumes": _ebs_volumes(spec.get("BlockDeviceMappings"))} for spec in config.get("LaunchSpecifications") or []]
        base = {"kind": "spot_fleet_request", "state": sfr.get("SpotFleetRequestState"), "launch_specifications": specs}
        base["launch_templates"] = len(config.get("LaunchTemplateConfigs") or [])
        r.add(f"{prefix}:spot-fleet-request/{sfr['SpotFleetRequestId']}", sfr["SpotFleetRequestId"], "AwsEc2SpotFleet", base)


@collector(
    "elbv2",
    {
        "base": "elasticloadbalancing:DescribeLoadBalancers",
        "attributes": "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "listeners": "elasticloadbalancing:DescribeListeners",
        "waf": "wafv2:GetWebACLForResource",
    },
)
def collect_elbv2(r: Reader) -> None:
    """Application, Network and Gateway Load Balancers (their Availability Zones are in the listing), each one's
    attributes, listeners (``DescribeListeners``: a failure marks that load balancer's ``listeners`` unavailable, so
    the controls judging listeners answer ERROR for it) and, for an Application Load Balancer, its AWS WAF web ACL."""
    elb = r.client()

    def read(lb: dict[str, Any]) -> None:
        arn = lb["LoadBalancerArn"]
        zones = sorted({str(z.get("ZoneName")) for z in lb.get("AvailabilityZones") or [] if z.get("ZoneName")})
        res = r.add(arn, lb["LoadBalancerName"], "AwsElbv2LoadBalancer", {"lb_type": lb.get("Type"), "scheme": lb.get("Scheme"), "zones": zones})
        r.area(
            res,
            "attributes",
            "elasticloadbalancing:DescribeLoadBalancerAttributes",
            lambda arn=arn: {a["Key"]: a.get("Value") for a in call(elb, "describe_load_balancer_attributes", LoadBalancerArn=arn).get("Attributes") or []},
        )
        r.area(
            res,
            "listeners",
            "elasticloadbalancing:DescribeListeners",
            lambda arn=arn: sorted((_listener(x) for x in paginate(elb, "describe_listeners", "Listeners", LoadBalancerArn=arn)), key=lambda x: x["port"] or 0),
        )
        if lb.get("Type") != "application":
            skip(res, "waf", "AWS WAF protects Application Load Balancers only")
            return

        def waf(arn: str = arn) -> str | None:
            return (call(r.client("wafv2"), "get_web_acl_for_resource", ResourceArn=arn).get("WebACL") or {}).get("ARN")

        r.area(res, "waf", "wafv2:GetWebACLForResource", waf)

    r.each(r.listing("elasticloadbalancing:DescribeLoadBalancers", "describe_load_balancers", "LoadBalancers"), read)


def _listener(x: dict[str, Any]) -> dict[str, Any]:
    """What the listener controls judge of a v2 listener: protocol, port, security policy, certificates, default actions."""
    actions = [
        {"type": a.get("Type"), "redirect_protocol": (a.get("RedirectConfig") or {}).get("Protocol")}
        for a in sorted(x.get("DefaultActions") or [], key=lambda a: int(a.get("Order") or 0))
    ]
    return {
        "port": x.get("Port"),
        "protocol": x.get("Protocol"),
        "ssl_policy": x.get("SslPolicy") if x.get("Protocol") in ("HTTPS", "TLS") else None,
        "certificates": sorted(str(c.get("CertificateArn")) for c in x.get("Certificates") or []),
        "default_actions": actions,
    }


@collector(
    "elb",
    {
        "base": "elasticloadbalancing:DescribeLoadBalancers",
        "attributes": "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "policies": "elasticloadbalancing:DescribeLoadBalancerPolicies",
    },
)
def collect_elb(r: Reader) -> None:
    """Classic Load Balancers (the elb API): listeners and Availability Zones from the listing, the attributes
    (``cross_zone_load_balancing.enabled``, ``connection_draining.enabled``, ``access_logs.s3.enabled``, and the
    additional attributes such as ``elb.http.desyncmitigationmode``) and, for one with an HTTPS/SSL listener, its
    policies (``DescribeLoadBalancerPolicies``: type and attributes of each)."""
    elb = r.client()

    def read(lb: dict[str, Any]) -> None:
        name = lb["LoadBalancerName"]
        listeners = [
            {
                "protocol": (d.get("Listener") or {}).get("Protocol"),
                "port": (d.get("Listener") or {}).get("LoadBalancerPort"),
                "instance_protocol": (d.get("Listener") or {}).get("InstanceProtocol"),
                "certificate": (d.get("Listener") or {}).get("SSLCertificateId"),
                "policy_names": sorted(d.get("PolicyNames") or []),
            }
            for d in lb.get("ListenerDescriptions") or []
        ]
        base = {"scheme": lb.get("Scheme"), "zones": sorted(lb.get("AvailabilityZones") or []), "listeners": sorted(listeners, key=lambda x: x["port"] or 0)}
        res = r.add(f"arn:aws:elasticloadbalancing:{r.region}:{r.account}:loadbalancer/{name}", name, "AwsElbLoadBalancer", base)
        r.area(res, "attributes", "elasticloadbalancing:DescribeLoadBalancerAttributes", lambda name=name: _classic_attributes(elb, name))
        if not any(str(x["protocol"]).upper() in ("HTTPS", "SSL") for x in listeners):
            skip(res, "policies", "no HTTPS or SSL listener", {})
            return

        def policies(name: str = name) -> dict[str, Any]:
            got = call(elb, "describe_load_balancer_policies", LoadBalancerName=name).get("PolicyDescriptions") or []
            return {
                str(d.get("PolicyName")): {
                    "type": d.get("PolicyTypeName"),
                    "attributes": {
                        str(a.get("AttributeName")): a.get("AttributeValue")
                        for a in d.get("PolicyAttributeDescriptions") or []
                        if a.get("AttributeName") == "Reference-Security-Policy"
                    },
                }
                for d in got
            }

        r.area(res, "policies", "elasticloadbalancing:DescribeLoadBalancerPolicies", policies)

    r.each(r.listing("elasticloadbalancing:DescribeLoadBalancers", "describe_load_balancers", "LoadBalancerDescriptions"), read)


def _classic_attributes(elb: Any, name: str) -> dict[str, Any]:
    """A Classic Load Balancer's attributes as ``key: "true"/"false"/value`` (the v2 style, e.g. ``access_logs.s3.enabled``)."""
    got = call(elb, "describe_load_balancer_attributes", LoadBalancerName=name).get("LoadBalancerAttributes") or {}
    out = {
        "cross_zone_load_balancing.enabled": str(bool((got.get("CrossZoneLoadBalancing") or {}).get("Enabled"))).lower(),
        "connection_draining.enabled": str(bool((got.get("ConnectionDraining") or {}).get("Enabled"))).lower(),
        "access_logs.s3.enabled": str(bool((got.get("AccessLog") or {}).get("Enabled"))).lower(),
    }
    if (got.get("AccessLog") or {}).get("S3BucketName"):
        out["access_logs.s3.bucket"] = got["AccessLog"]["S3BucketName"]
    out.update({str(a.get("Key")): a.get("Value") for a in got.get("AdditionalAttributes") or []})
    return out


@collector("elbv2_target_groups", {"base": "elasticloadbalancing:DescribeTargetGroups"})
def collect_elbv2_target_groups(r: Reader) -> None:
    """The target groups of Application, Network and Gateway Load Balancers (``DescribeTargetGroups``: protocol,
    health check protocol and target type are in the listing), a collector of their own so that the load balancer
    controls never see them; every target group is listed, attached to a load balancer or not."""
    for tg in r.listing("elasticloadbalancing:DescribeTargetGroups", "describe_target_groups", "TargetGroups", client="elbv2"):
        base = {
            "kind": "target_group",
            "protocol": tg.get("Protocol"),
            "health_check_protocol": tg.get("HealthCheckProtocol"),
            "health_check_enabled": tg.get("HealthCheckEnabled"),
            "target_type": tg.get("TargetType"),
            "load_balancers": sorted(tg.get("LoadBalancerArns") or []),
        }
        r.add(tg["TargetGroupArn"], tg["TargetGroupName"], "AwsElbv2TargetGroup", base)


@collector(
    "cloudfront",
    {
        "base": "cloudfront:ListDistributions",
        "config": "cloudfront:GetDistributionConfig",
        "response_headers": "cloudfront:GetResponseHeadersPolicy",
        "origin_buckets": "s3:ListBucket",
    },
)
def collect_cloudfront(r: Reader) -> None:
    """Distributions with their configuration, the response-headers policies their behaviours name and whether each
    S3 REST origin's bucket exists (S3 ``HeadBucket``, IAM action ``s3:ListBucket``; 404 is an answer: it does not)."""
    cf = r.client()
    exists: dict[str, bool] = {}

    def buckets(names: list[str]) -> dict[str, bool]:
        for name in names:
            if name not in exists:
                try:
                    call(r.client("s3"), "head_bucket", Bucket=name)
                    exists[name] = True
                except AwsError as exc:
                    if exc.code == "403":  # a HEAD answer has no body: 403 is access denied (or another account's bucket)
                        raise AwsError("head_bucket", "AccessDenied", f"403 Forbidden for {name}: access denied, or the bucket is another account's") from exc
                    if exc.code not in ("404", "NoSuchBucket", "NotFound"):
                        raise
                    exists[name] = False
        return {name: exists[name] for name in names}

    # ListDistributions nests its items (DistributionList.Items): walk the pages here.
    items = list(paginate_nested(cf, "list_distributions", "DistributionList", "Items"))
    r.actions.add("cloudfront:ListDistributions")
    for d in items:
        res = r.add(d["ARN"], d["Id"], "AwsCloudFrontDistribution", {"domain": d.get("DomainName")})

        def config(did: str = d["Id"]) -> dict[str, Any]:
            return call(cf, "get_distribution_config", Id=did).get("DistributionConfig") or {}

        r.area(res, "config", "cloudfront:GetDistributionConfig", config)
        if "config" in res["areas"]:
            origin_buckets = s3_origin_buckets(res["areas"]["config"])
            if origin_buckets:
                r.area(res, "origin_buckets", "s3:ListBucket", lambda names=origin_buckets: buckets(names))
            else:
                skip(res, "origin_buckets", "no S3 REST origin", {})
            ids = response_headers_policy_ids(res["areas"]["config"])
            if not ids:
                skip(res, "response_headers", "no behaviour names a response headers policy", {})
                continue

            def policies(ids: list[str] = ids) -> dict[str, Any]:
                return {
                    pid: (call(cf, "get_response_headers_policy", Id=pid).get("ResponseHeadersPolicy") or {}).get("ResponseHeadersPolicyConfig") or {}
                    for pid in ids
                }

            r.area(res, "response_headers", "cloudfront:GetResponseHeadersPolicy", policies)


# An S3 REST endpoint: BUCKET.s3.amazonaws.com, BUCKET.s3.REGION.amazonaws.com or BUCKET.s3-REGION.amazonaws.com (a
# website endpoint, s3-website, serves a bucket with static website hosting: a custom origin, not judged by CloudFront.12).
_S3_REST_ORIGIN = re.compile(r"^(?P<bucket>.+?)\.s3(?:[.-](?!website)[a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$", re.IGNORECASE)


def s3_origin_buckets(config: dict[str, Any]) -> list[str]:
    """The buckets of a distribution's S3 origins (not custom or VPC origins; on an S3 REST endpoint), sorted, once each."""
    out = set()
    for o in (config.get("Origins") or {}).get("Items") or []:
        if o.get("CustomOriginConfig") or o.get("VpcOriginConfig"):
            continue
        m = _S3_REST_ORIGIN.match(str(o.get("DomainName") or ""))
        if m:
            out.add(m.group("bucket"))
    return sorted(out)


def response_headers_policy_ids(config: dict[str, Any]) -> list[str]:
    """The response-headers policy ids of a distribution's behaviours (default and path patterns), sorted, once each."""
    behaviours = [config.get("DefaultCacheBehavior") or {}, *((config.get("CacheBehaviors") or {}).get("Items") or [])]
    return sorted({b["ResponseHeadersPolicyId"] for b in behaviours if b.get("ResponseHeadersPolicyId")})


def paginate_nested(client: Any, operation: str, outer: str, key: str) -> list[Any]:
    """Every item of a listing whose items sit one level down (``page[outer][key]``); failures become ``AwsError``."""
    from ansible_collections.slipway.aws.plugins.module_utils.aws import _describe

    items: list[Any] = []
    try:
        for page in client.get_paginator(operation).paginate():
            items.extend((page.get(outer) or {}).get(key) or [])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        code, message = _describe(exc)
        raise AwsError(operation, code, message) from exc
    return items


# Listings of one kind of resource below the service's own listing (``Reader.sublisting``): action -> resource type.
SUBLISTINGS: dict[str, dict[str, str | tuple[str, ...]]] = {}  # per service: a sub-listing action -> the kind(s) it lists
SUBLISTINGS["ec2"] = {
    "ec2:DescribeVpcs": "AwsEc2Vpc",
    "ec2:DescribeSubnets": "AwsEc2Subnet",
    "ec2:DescribeNetworkAcls": "AwsEc2NetworkAcl",
    "ec2:DescribeInstances": "AwsEc2Instance",
    "ec2:DescribeVolumes": "AwsEc2Volume",
    "ec2:DescribeSnapshots": "AwsEc2Snapshot",
    "ec2:DescribeTransitGateways": "AwsEc2TransitGateway",
    "ec2:DescribeLaunchTemplates": "AwsEc2LaunchTemplate",
    "ec2:DescribeNetworkInterfaces": "AwsEc2NetworkInterface",
    "ec2:DescribeSpotFleetRequests": "AwsEc2SpotFleet",
}


def _batched(r: Reader, resources: list[dict[str, Any]], area: str, action: str, read: Callable[[list[str]], dict[str, Any]], size: int) -> None:
    """One area of many resources read by a batch action (``size`` ARNs a call): each resource gets its value, or an
    unavailable marker when its batch failed or the answer does not describe it (deleted since the listing)."""
    for i in range(0, len(resources), size):
        chunk = resources[i : i + size]
        r.actions.add(action)
        try:
            got = read([res["arn"] for res in chunk])
        except AwsError as exc:
            for res in chunk:
                res["unavailable"][area] = marker(action, exc)
            continue
        for res in chunk:
            if res["arn"] in got:
                res["areas"][area] = got[res["arn"]]
            else:
                reason = f"{action}: MISSING: the answer does not describe {res['arn']} (gone since the listing?)"
                res["unavailable"][area] = {"action": action, "code": "MISSING", "kind": "error", "reason": reason}


def latest_active_revisions(arns: list[str]) -> list[str]:
    """The latest revision of each task definition family among ``arns`` (``.../task-definition/FAMILY:REVISION``)."""
    best: dict[str, tuple[int, str]] = {}
    for arn in arns:
        family, _sep, revision = arn.rsplit("/", 1)[-1].rpartition(":")
        if family and revision.isdigit() and int(revision) > best.get(family, (0, ""))[0]:
            best[family] = (int(revision), arn)
    return sorted(arn for _rev, arn in best.values())


def _container(c: dict[str, Any]) -> dict[str, Any]:
    """What the ECS controls judge of a container definition; environment variable names only, never their values;
    of the log configuration its driver only (its options may carry endpoints or tokens). ``user`` and ``log_driver``
    only when the definition sets them (absent: the image's user, no logging)."""
    out = {
        "name": c.get("name"),
        "privileged": c.get("privileged"),
        "readonlyRootFilesystem": c.get("readonlyRootFilesystem"),
        "environment_names": sorted(str(e.get("name")) for e in c.get("environment") or []),
    }
    if c.get("user") is not None:
        out["user"] = c["user"]
    if (c.get("logConfiguration") or {}).get("logDriver"):
        out["log_driver"] = c["logConfiguration"]["logDriver"]
    return out


@collector(
    "ecs",
    {
        "base": "ecs:ListClusters",
        "cluster": "ecs:DescribeClusters",
        "list_services": "ecs:ListServices",
        "service": "ecs:DescribeServices",
        "list_task_definitions": "ecs:ListTaskDefinitions",
        "task_definition": "ecs:DescribeTaskDefinition",
        "list_capacity_providers": "ecs:DescribeCapacityProviders",
    },
)
def collect_ecs(r: Reader) -> None:
    """Clusters (with their settings), each cluster's services, and the latest ACTIVE revision of each task
    definition family (what ECS.4, ECS.5 and ECS.8 evaluate, per Security Hub)."""
    ecs = r.client()
    listed_clusters = r.listing("ecs:ListClusters", "list_clusters", "clusterArns")
    clusters = [r.add(arn, arn.rsplit("/", 1)[-1], "AwsEcsCluster", {"kind": "cluster"}) for arn in listed_clusters]

    def describe_clusters(arns: list[str]) -> dict[str, Any]:
        got = call(ecs, "describe_clusters", clusters=arns, include=["SETTINGS"]).get("clusters") or []
        return {c["clusterArn"]: {"status": c.get("status"), "settings": {str(x.get("name")): x.get("value") for x in c.get("settings") or []}} for c in got}

    _batched(r, clusters, "cluster", "ecs:DescribeClusters", describe_clusters, 100)
    for cluster in clusters:
        scope = f"arn:aws:ecs:{r.region}:{r.account}:service/{cluster['name']}/*"
        # the task sets are found through the services: an unknown service list leaves them unknown too
        arns = r.sublisting("ecs:ListServices", ("AwsEcsService", "AwsEcsTaskSet"), scope, "list_services", "serviceArns", cluster=cluster["arn"])
        services = [r.add(a, a.rsplit("/", 1)[-1], "AwsEcsService", {"kind": "service", "cluster": cluster["arn"]}) for a in arns or []]

        def describe_services(arns: list[str], cluster_arn: str = cluster["arn"]) -> dict[str, Any]:
            got = call(ecs, "describe_services", cluster=cluster_arn, services=arns).get("services") or []
            keys = ("status", "launchType", "networkConfiguration", "taskDefinition", "platformVersion", "platformFamily")
            out = {}
            for s in got:
                out[s["serviceArn"]] = {k: s.get(k) for k in keys}
                out[s["serviceArn"]]["taskSets"] = [
                    {k: t.get(k) for k in ("taskSetArn", "id", "status", "networkConfiguration", "launchType")} for t in s.get("taskSets") or []
                ]
            return out

        _batched(r, services, "service", "ecs:DescribeServices", describe_services, 10)
        _task_sets(r, cluster, services)
    scope = f"arn:aws:ecs:{r.region}:{r.account}:task-definition/*"
    listed = r.sublisting("ecs:ListTaskDefinitions", "AwsEcsTaskDefinition", scope, "list_task_definitions", "taskDefinitionArns", status="ACTIVE")
    for arn in latest_active_revisions(listed or []):
        family, _sep, revision = arn.rsplit("/", 1)[-1].rpartition(":")
        res = r.add(arn, f"{family}:{revision}", "AwsEcsTaskDefinition", {"kind": "task_definition", "family": family, "revision": int(revision)})

        def task_definition(arn: str = arn) -> dict[str, Any]:
            td = call(ecs, "describe_task_definition", taskDefinition=arn).get("taskDefinition") or {}
            containers = [_container(c) for c in td.get("containerDefinitions") or []]
            efs = [
                {"name": v.get("name"), "transitEncryption": (v.get("efsVolumeConfiguration") or {}).get("transitEncryption")}
                for v in td.get("volumes") or []
                if v.get("efsVolumeConfiguration") is not None
            ]
            return {
                "status": td.get("status"),
                "networkMode": td.get("networkMode"),
                "pidMode": td.get("pidMode"),
                "containers": containers,
                "operatingSystemFamily": (td.get("runtimePlatform") or {}).get("operatingSystemFamily"),
                "efs_volumes": efs,
            }

        r.area(res, "task_definition", "ecs:DescribeTaskDefinition", task_definition)
    _capacity_providers(r)


def _capacity_providers(r: Reader) -> None:
    """The region's capacity providers (DescribeCapacityProviders naming none: every one, ``nextToken`` pages, no
    botocore paginator); the Auto Scaling group settings are in the answer. A failure is a gap for the kind."""
    action = "ecs:DescribeCapacityProviders"
    r.actions.add(action)
    listed: list[dict[str, Any]] = []
    token = None
    try:
        while True:
            got = call(r.client(), "describe_capacity_providers", **({"nextToken": token} if token else {}))
            listed.extend(got.get("capacityProviders") or [])
            token = got.get("nextToken")
            if not token:
                break
    except AwsError as exc:
        r.gaps.append({**marker(action, exc), "resource_type": "AwsEcsCapacityProvider", "scope": f"arn:aws:ecs:{r.region}:{r.account}:capacity-provider/*"})
        return
    for cp in listed:
        base = {"kind": "capacity_provider", "status": cp.get("status"), "autoScalingGroupProvider": cp.get("autoScalingGroupProvider")}
        r.add(str(cp["capacityProviderArn"]), str(cp["name"]), "AwsEcsCapacityProvider", base)


def _task_sets(r: Reader, cluster: dict[str, Any], services: list[dict[str, Any]]) -> None:
    """The task sets (CODE_DEPLOY and EXTERNAL deployments) of a cluster's services, as DescribeServices lists them
    (``taskSets``): a resource each. A service that could not be described is a gap for its task sets (unknown)."""
    for svc in services:
        if "service" in svc["unavailable"]:
            failed = svc["unavailable"]["service"]
            scope = f"arn:aws:ecs:{r.region}:{r.account}:task-set/{cluster['name']}/{svc['name']}/*"
            r.gaps.append({**failed, "resource_type": "AwsEcsTaskSet", "scope": scope})
            continue
        for ts in (svc["areas"].get("service") or {}).get("taskSets") or []:
            base = {"kind": "task_set", "service": svc["arn"], **{k: ts.get(k) for k in ("status", "networkConfiguration", "launchType")}}
            r.add(str(ts["taskSetArn"]), str(ts.get("id") or ts["taskSetArn"].rsplit("/", 1)[-1]), "AwsEcsTaskSet", base)


# DescribeServices also lists each service's task sets: denying it leaves them unknown (a gap), like a listing
SUBLISTINGS["ecs"] = {
    "ecs:ListServices": ("AwsEcsService", "AwsEcsTaskSet"),
    "ecs:ListTaskDefinitions": "AwsEcsTaskDefinition",
    "ecs:DescribeServices": "AwsEcsTaskSet",
    "ecs:DescribeCapacityProviders": "AwsEcsCapacityProvider",
}


@collector("sns", {"base": "sns:ListTopics", "attributes": "sns:GetTopicAttributes", "tags": "sns:ListTagsForResource"})
def collect_sns(r: Reader) -> None:
    sns = r.client()
    for t in r.listing("sns:ListTopics", "list_topics", "Topics"):
        arn = t["TopicArn"]
        res = r.add(arn, arn.rsplit(":", 1)[-1], "AwsSnsTopic", {})

        def attributes(arn: str = arn) -> dict[str, Any]:
            got = call(sns, "get_topic_attributes", TopicArn=arn).get("Attributes") or {}
            return {k: got[k] for k in ("KmsMasterKeyId", "FifoTopic", "Owner", "Policy") if k in got}

        r.area(res, "attributes", "sns:GetTopicAttributes", attributes)
        r.area(res, "tags", "sns:ListTagsForResource", lambda arn=arn: _tags(call(sns, "list_tags_for_resource", ResourceArn=arn).get("Tags")))


@collector(
    "iam",
    {
        "base": "iam:ListUsers",
        "attached_policies": "iam:ListAttachedUserPolicies",
        "inline_policies": "iam:ListUserPolicies",
        "access_keys": "iam:ListAccessKeys",
        "inline_policy_documents": "iam:GetUserPolicy",
        "credential_report_generation": "iam:GenerateCredentialReport",
        "credential_report": "iam:GetCredentialReport",
    },
)
def collect_iam(r: Reader) -> None:
    """IAM users (a global service: read once, in the home region) with their policies and access keys, the documents
    of their inline policies, and each user's row of the account's credential report (the fields controls read)."""
    iam = r.client()
    for u in r.listing("iam:ListUsers", "list_users", "Users"):
        name = u["UserName"]
        res = r.add(u["Arn"], name, "AwsIamUser", {"created": u.get("CreateDate"), "path": u.get("Path")})
        r.area(
            res,
            "attached_policies",
            "iam:ListAttachedUserPolicies",
            lambda name=name: sorted(p["PolicyArn"] for p in paginate(iam, "list_attached_user_policies", "AttachedPolicies", UserName=name)),
        )
        r.area(res, "inline_policies", "iam:ListUserPolicies", lambda name=name: sorted(paginate(iam, "list_user_policies", "PolicyNames", UserName=name)))

        def keys(name: str = name) -> list[dict[str, Any]]:
            listed = paginate(iam, "list_access_keys", "AccessKeyMetadata", UserName=name)
            return sorted(({"id": k["AccessKeyId"], "status": k.get("Status"), "created": plain(k.get("CreateDate"))} for k in listed), key=lambda k: k["id"])

        r.area(res, "access_keys", "iam:ListAccessKeys", keys)

        def user_policy(pn: str, name: str = name) -> dict[str, Any]:
            return call(iam, "get_user_policy", UserName=name, PolicyName=pn)

        _inline_documents(r, res, "inline_policy_documents", "iam:GetUserPolicy", user_policy)
    _credential_report(r, r.resources)


# the credential report's fields the controls read (no secrets are in the report; the rest is left out)
CREDENTIAL_FIELDS = (
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
)


def parse_credential_report(content: bytes | str) -> dict[str, dict[str, str]]:
    """The credential report (CSV) by ARN, with ``CREDENTIAL_FIELDS`` and the user name. Parsed as CSV, not split on
    commas: an IAM user name may itself hold a comma."""
    text = content.decode("utf-8") if isinstance(content, bytes) else str(content)
    out = {}
    for row in csv.DictReader(io.StringIO(text)):
        if row.get("arn"):
            out[row["arn"]] = {"user": row.get("user") or "", **{k: row[k] for k in CREDENTIAL_FIELDS if row.get(k) is not None}}
    return out


def _credential_report(r: Reader, users: list[dict[str, Any]]) -> None:
    """GenerateCredentialReport (AWS makes a new one at most every 4 hours) until COMPLETE, then GetCredentialReport once;
    each user gets its row. A failed call marks its own area on every user; a user missing from the report (created
    since) is unavailable, never guessed."""
    if not users or (r.wanted is not None and not {"credential_report", "credential_report_generation"} & r.wanted):
        return
    iam = r.client("iam")
    gen = "iam:GenerateCredentialReport"
    r.actions.add(gen)
    try:
        for attempt in range(30):
            if call(iam, "generate_credential_report").get("State") == "COMPLETE":
                break
            time.sleep(min(0.2 * (attempt + 1), 2.0))
    except AwsError as exc:
        for res in users:
            res["unavailable"]["credential_report_generation"] = marker(gen, exc)
        return
    for res in users:
        res["areas"]["credential_report_generation"] = True
    get = "iam:GetCredentialReport"
    r.actions.add(get)
    try:
        rows = parse_credential_report(call(iam, "get_credential_report").get("Content") or b"")
    except AwsError as exc:
        for res in users:
            res["unavailable"]["credential_report"] = marker(get, exc)
        return
    for res in users:
        if res["arn"] in rows:
            res["areas"]["credential_report"] = rows[res["arn"]]
        else:
            reason = f"{get}: MISSING: the report has no row for {res['arn']} (created since the report?)"
            res["unavailable"]["credential_report"] = {"action": get, "code": "MISSING", "kind": "error", "reason": reason}


def _inline_documents(r: Reader, res: dict[str, Any], area: str, action: str, read: Callable[[str], dict[str, Any]]) -> None:
    """The documents of a principal's inline policies (named by its ``inline_policies`` area), by policy name. Not read
    when the names could not be (that area's marker says why)."""
    if "inline_policies" not in res["areas"]:
        return
    names = list(res["areas"]["inline_policies"] or [])
    if not names:
        skip(res, area, "no inline policy", {})
        return
    r.area(res, area, action, lambda: {pn: read(pn).get("PolicyDocument") for pn in names})


def _principals(r: Reader, kind: str, rtype: str, listing: tuple[str, str, str], names: tuple[str, str], documents: tuple[str, str]) -> None:
    """Roles or groups (one listing each) with their inline policy names and documents (KMS.2)."""
    iam = r.client("iam")
    action, operation, key = listing
    for item in r.listing(action, operation, key, client="iam"):
        name = item[f"{kind.capitalize()}Name"]
        res = r.add(item["Arn"], name, rtype, {"kind": kind, "path": item.get("Path")})
        param = {f"{kind.capitalize()}Name": name}
        r.area(res, "inline_policies", names[0], lambda param=param: sorted(paginate(iam, names[1], "PolicyNames", **param)))
        _inline_documents(r, res, "inline_policy_documents", documents[0], lambda pn, param=param: call(iam, documents[1], PolicyName=pn, **param))


@collector("iam_roles", {"base": "iam:ListRoles", "inline_policies": "iam:ListRolePolicies", "inline_policy_documents": "iam:GetRolePolicy"})
def collect_iam_roles(r: Reader) -> None:
    """IAM roles (global, read once) with their inline policies' names and documents."""
    names, documents = ("iam:ListRolePolicies", "list_role_policies"), ("iam:GetRolePolicy", "get_role_policy")
    _principals(r, "role", "AwsIamRole", ("iam:ListRoles", "list_roles", "Roles"), names, documents)


@collector("iam_groups", {"base": "iam:ListGroups", "inline_policies": "iam:ListGroupPolicies", "inline_policy_documents": "iam:GetGroupPolicy"})
def collect_iam_groups(r: Reader) -> None:
    """IAM groups (global, read once) with their inline policies' names and documents."""
    names, documents = ("iam:ListGroupPolicies", "list_group_policies"), ("iam:GetGroupPolicy", "get_group_policy")
    _principals(r, "group", "AwsIamGroup", ("iam:ListGroups", "list_groups", "Groups"), names, documents)


@collector("iam_policies", {"base": "iam:ListPolicies", "document": "iam:GetPolicyVersion"})
def collect_iam_policies(r: Reader) -> None:
    """The account's customer managed policies (ListPolicies Scope=Local; global, read once) with their default
    version's document."""
    iam = r.client("iam")

    def read(p: dict[str, Any]) -> None:
        base = {k: p.get(k) for k in ("DefaultVersionId", "AttachmentCount", "PermissionsBoundaryUsageCount", "IsAttachable", "Path")}
        res = r.add(p["Arn"], p["PolicyName"], "AwsIamPolicy", base)

        def document(arn: str = p["Arn"], version: str = str(p.get("DefaultVersionId"))) -> Any:
            return (call(iam, "get_policy_version", PolicyArn=arn, VersionId=version).get("PolicyVersion") or {}).get("Document")

        r.area(res, "document", "iam:GetPolicyVersion", document)

    r.each(r.listing("iam:ListPolicies", "list_policies", "Policies", client="iam", Scope="Local"), read)


@collector(
    "iam_account",
    {"base": "iam:GetAccountPasswordPolicy", "summary": "iam:GetAccountSummary", "root_virtual_mfa": "iam:ListVirtualMFADevices"},
)
def collect_iam_account(r: Reader) -> None:
    """The account's IAM password policy (account-wide, read once); NoSuchEntity is an answer: no policy is set. The
    account is the resource, named as Security Hub names it (``AWS::::Account:ID``). Its areas: the root user's
    flags of GetAccountSummary (``AccountMFAEnabled``, ``AccountAccessKeysPresent``) and the root user's virtual MFA
    devices (ListVirtualMFADevices, assigned devices whose user is the root user)."""
    iam = r.client("iam")
    action = "iam:GetAccountPasswordPolicy"
    r.actions.add(action)
    try:
        policy = call(iam, "get_account_password_policy").get("PasswordPolicy") or {}
    except AwsError as exc:
        if exc.code != "NoSuchEntity":
            raise
        policy = None
    res = r.add(f"AWS::::Account:{r.account}", r.account, "AwsAccount", {"kind": "account", "password_policy": policy})

    def summary() -> dict[str, int]:
        got = call(iam, "get_account_summary").get("SummaryMap") or {}
        return {k: int(got[k]) for k in ROOT_SUMMARY_KEYS if k in got}

    r.area(res, "summary", "iam:GetAccountSummary", summary)

    def root_devices() -> list[str]:
        listed = paginate(iam, "list_virtual_mfa_devices", "VirtualMFADevices", AssignmentStatus="Assigned")
        return sorted(d["SerialNumber"] for d in listed if is_root_device(d))

    r.area(res, "root_virtual_mfa", "iam:ListVirtualMFADevices", root_devices)


ROOT_SUMMARY_KEYS = ("AccountMFAEnabled", "AccountAccessKeysPresent")


def is_root_device(device: dict[str, Any]) -> bool:
    """A virtual MFA device of the account's root user: its user is the root ARN (``arn:PARTITION:iam::ACCOUNT:root``),
    or, with no user given, AWS's serial for it (``…:mfa/root-account-mfa-device``)."""
    user_arn = str((device.get("User") or {}).get("Arn") or "")
    if user_arn:
        return user_arn.endswith(":root")
    return str(device.get("SerialNumber") or "").endswith(":mfa/root-account-mfa-device")


@collector("s3control", {"base": "s3:GetAccountPublicAccessBlock"})
def collect_s3control(r: Reader) -> None:
    """The account's S3 Block Public Access settings (s3control GetPublicAccessBlock; account-wide, read once).
    The account is the resource, named as Security Hub names it (``AWS::::Account:ID``); no configuration at
    all (NoSuchPublicAccessBlockConfiguration) is an answer: every setting off."""
    action = "s3:GetAccountPublicAccessBlock"
    r.actions.add(action)
    try:
        conf = call(r.client(), "get_public_access_block", AccountId=r.account).get("PublicAccessBlockConfiguration") or {}
    except AwsError as exc:
        if exc.code != "NoSuchPublicAccessBlockConfiguration":
            raise
        conf = {}
    r.add(f"AWS::::Account:{r.account}", r.account, "AwsAccount", {"public_access_block": conf, "configured": bool(conf)})


@collector("elasticache", {"base": "elasticache:DescribeReplicationGroups", "member_clusters": "elasticache:DescribeCacheClusters"})
def collect_elasticache(r: Reader) -> None:
    """Replication groups (their settings are in the listing) and the cache clusters: a group's member clusters
    carry its engine version (``DescribeReplicationGroups`` has none), the others are standalone clusters."""
    groups = []
    for g in r.listing("elasticache:DescribeReplicationGroups", "describe_replication_groups", "ReplicationGroups"):
        keys = ("Engine", "AutomaticFailover", "MultiAZ", "AtRestEncryptionEnabled", "TransitEncryptionEnabled", "AuthTokenEnabled", "SnapshotRetentionLimit")
        keys += ("AutoMinorVersionUpgrade",)
        base = {"kind": "replication_group", **{k: g.get(k) for k in keys}, "MemberClusters": sorted(g.get("MemberClusters") or [])}
        groups.append(r.add(g["ARN"], g["ReplicationGroupId"], "AwsElastiCacheReplicationGroup", base))
    action = "elasticache:DescribeCacheClusters"
    scope = f"arn:aws:elasticache:{r.region}:{r.account}:cluster:*"
    clusters = r.sublisting(action, "AwsElastiCacheCacheCluster", scope, "describe_cache_clusters", "CacheClusters")
    if clusters is None:
        failed = {k: v for k, v in r.gaps[-1].items() if k in ("action", "code", "kind", "reason")}
        for res in groups:
            res["unavailable"]["member_clusters"] = failed
        return
    members: dict[str, list[dict[str, Any]]] = {}
    for c in clusters:
        keys = ("CacheClusterId", "Engine", "EngineVersion", "SnapshotRetentionLimit", "AuthTokenEnabled", "AutoMinorVersionUpgrade", "CacheSubnetGroupName")
        info = {k: c.get(k) for k in keys}
        if c.get("ReplicationGroupId"):
            members.setdefault(str(c["ReplicationGroupId"]), []).append(info)
        else:
            arn = c.get("ARN") or f"arn:aws:elasticache:{r.region}:{r.account}:cluster:{c['CacheClusterId']}"
            res = r.add(arn, c["CacheClusterId"], "AwsElastiCacheCacheCluster", {"kind": "cache_cluster", **info})
            skip(res, "member_clusters", "a standalone cluster has no member clusters (its own settings are in the listing)", [])
    r.actions.add(action)
    for res in groups:
        res["areas"]["member_clusters"] = sorted(members.get(res["name"], []), key=lambda m: str(m["CacheClusterId"]))


SUBLISTINGS["elasticache"] = {"elasticache:DescribeCacheClusters": "AwsElastiCacheCacheCluster"}
SUBLISTINGS["rds_other"] = {
    "rds:DescribeDBSnapshots": "AwsRdsDbSnapshot",
    "rds:DescribeDBClusterSnapshots": "AwsRdsDbClusterSnapshot",
    "rds:DescribeEventSubscriptions": "AwsRdsEventSubscription",
    "rds:DescribeDBProxies": "AwsRdsDbProxy",
}


@collector("rds_global", {"base": "rds:DescribeGlobalClusters"})
def collect_rds_global(r: Reader) -> None:
    """Aurora global databases (DescribeGlobalClusters; account-wide: read once, in the first region), with their
    engine and engine version."""
    for g in r.listing("rds:DescribeGlobalClusters", "describe_global_clusters", "GlobalClusters", client="rds"):
        base = {"kind": "global_cluster", "Engine": g.get("Engine"), "EngineVersion": g.get("EngineVersion"), "Status": g.get("Status")}
        base["members"] = sorted(str(m.get("DBClusterArn")) for m in g.get("GlobalClusterMembers") or [])
        arn = g.get("GlobalClusterArn") or f"arn:aws:rds::{r.account}:global-cluster:{g['GlobalClusterIdentifier']}"
        r.add(arn, g["GlobalClusterIdentifier"], "AwsRdsGlobalCluster", base)


@collector("dax", {"base": "dax:DescribeClusters"})
def collect_dax(r: Reader) -> None:
    """DynamoDB Accelerator (DAX) clusters with their encryption settings (DescribeClusters answers them)."""
    for c in r.listing("dax:DescribeClusters", "describe_clusters", "Clusters"):
        base = {
            "status": c.get("Status"),
            "sse_status": (c.get("SSEDescription") or {}).get("Status"),
            "endpoint_encryption": c.get("ClusterEndpointEncryptionType"),
        }
        r.add(c["ClusterArn"], c["ClusterName"], "AwsDaxCluster", base)


@collector("s3accesspoints", {"base": "s3:ListAccessPoints", "access_point": "s3:GetAccessPoint"})
def collect_s3accesspoints(r: Reader) -> None:
    """The account's S3 access points of the region (s3control ListAccessPoints, regional) with each one's Block
    Public Access settings (GetAccessPoint's PublicAccessBlockConfiguration)."""
    s3c = r.client("s3control")
    r.actions.add("s3:ListAccessPoints")
    listed: list[dict[str, Any]] = []
    token = None
    while True:  # ListAccessPoints has no botocore paginator: follow NextToken
        got = call(s3c, "list_access_points", AccountId=r.account, **({"NextToken": token} if token else {}))
        listed.extend(got.get("AccessPointList") or [])
        token = got.get("NextToken")
        if not token:
            break

    def read(ap: dict[str, Any]) -> None:
        name = str(ap["Name"])
        arn = str(ap.get("AccessPointArn") or f"arn:aws:s3:{r.region}:{r.account}:accesspoint/{name}")
        res = r.add(arn, name, "AwsS3AccessPoint", {"bucket": ap.get("Bucket"), "network_origin": ap.get("NetworkOrigin")})

        def access_point(name: str = name) -> dict[str, Any]:
            got = call(s3c, "get_access_point", AccountId=r.account, Name=name)
            return {"public_access_block": got.get("PublicAccessBlockConfiguration") or {}}

        r.area(res, "access_point", "s3:GetAccessPoint", access_point)

    r.each(listed, read)


MRAP_CONTROL_REGION = "us-west-2"  # every Multi-Region Access Point control-plane request goes to US West (Oregon)


@collector("s3mrap", {"base": "s3:ListMultiRegionAccessPoints"})
def collect_s3mrap(r: Reader) -> None:
    """The account's S3 Multi-Region Access Points (account-wide: read once, through us-west-2), each with its Block
    Public Access settings as ListMultiRegionAccessPoints answers them (no further call)."""
    s3c = r.aws.client("s3control", MRAP_CONTROL_REGION)
    r.actions.add("s3:ListMultiRegionAccessPoints")
    token = None
    while True:  # no botocore paginator: follow NextToken
        got = call(s3c, "list_multi_region_access_points", AccountId=r.account, **({"NextToken": token} if token else {}))
        for ap in got.get("AccessPoints") or []:
            alias = str(ap.get("Alias") or ap["Name"])
            base = {"alias": alias, "status": ap.get("Status"), "public_access_block": ap.get("PublicAccessBlock") or {}}
            r.add(f"arn:aws:s3::{r.account}:accesspoint/{alias}", str(ap["Name"]), "AwsS3MultiRegionAccessPoint", base)
        token = got.get("NextToken")
        if not token:
            break


# ------------------------------------------------------------------ the pass
def run_collector(aws: Aws, service: str, region: str, account: str, wanted: set[str] | None = None) -> dict[str, Any]:
    """One service in one region; a failed listing makes the whole service/region unknown (never empty). ``wanted``:
    the areas to read (default all)."""
    reader = Reader(aws, service, region, account, wanted)
    out: dict[str, Any] = {"service": service, "region": region, "listing": None}
    try:
        COLLECTORS[service](reader)
    except AwsError as exc:
        action = AREAS[service]["base"]
        out["listing"] = marker(action, exc)
        reader.resources = []
        reader.gaps = []
    out["gaps"] = sorted(reader.gaps, key=lambda g: (g["scope"], g["action"]))
    out["actions"] = sorted(reader.actions | {AREAS[service]["base"]})
    out["resources"] = plain(sorted(reader.resources, key=lambda x: (x["region"], x["arn"])))
    return out


def plain(value: Any) -> Any:
    """JSON-safe evidence: dates as ISO text (UTC, whole seconds), containers recursively."""
    import datetime as dt

    if isinstance(value, dt.datetime):
        moment = value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def account_id(aws: Aws) -> tuple[str, dict[str, str] | None]:
    try:
        return str(call(aws.client("sts"), "get_caller_identity")["Account"]), None
    except AwsError as exc:
        return "unknown", marker("sts:GetCallerIdentity", exc)


def collect(
    params: dict[str, Any],
    regions: list[str],
    services: list[str] | None = None,
    workers: int = DEFAULT_WORKERS,
    factory: Callable[..., Aws] | None = None,
    areas: dict[str, set[str]] | None = None,
) -> dict[str, Any]:
    """Every collector of ``services`` (default: all) in every region, ``workers`` at a time.

    ``params`` are the connection options (``Aws.from_params``); each region gets its own
    ``AdaptiveAws``. ``areas``: per service, the areas the chosen controls need (default: every area of every
    service). Returns ``{"account", "regions", "services": [...one per service and region,
    in a stable order], "calls": {service.Operation: n}}``."""
    make = factory or (lambda region: AdaptiveAws.from_params({**params, "region": region}))
    names = sorted(services or COLLECTORS)
    unknown = [s for s in names if s not in COLLECTORS]
    if unknown:
        raise ValueError(f"no collector for {unknown}; known: {sorted(COLLECTORS)}")
    conns = {region: make(region) for region in regions}
    home = regions[0]
    conns[home].warm_model_lists()  # before the collectors' threads start
    account, account_error = account_id(conns[home])
    jobs = [(s, home if s in GLOBAL_SERVICES else region) for s in names for region in (regions if s not in GLOBAL_SERVICES else [home])]
    results: dict[tuple[str, str], dict[str, Any]] = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="slipway-evidence") as pool:
        futures = {pool.submit(run_collector, conns[region], s, region, account, (areas or {}).get(s)): (s, region) for s, region in jobs}
        for fut in concurrent.futures.as_completed(futures):
            results[futures[fut]] = fut.result()
    calls: dict[str, int] = {}
    for conn in conns.values():
        for k, v in conn.counter.as_dict().items():
            calls[k] = calls.get(k, 0) + v
    return {
        "account": account,
        "account_error": account_error,
        "regions": list(regions),
        "services": [results[k] for k in sorted(results)],
        "calls": dict(sorted(calls.items())),
    }
