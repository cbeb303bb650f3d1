"""RDS Enhanced Monitoring settings of DB instances; parameter groups' engine defaults; DB proxies' RequireTLS (see
docs/emulator.md).

AWS (RDS API reference, CreateDBInstance / ModifyDBInstance, ``MonitoringInterval`` and ``MonitoringRoleArn``):
``MonitoringInterval`` is the interval in seconds at which Enhanced Monitoring metrics are collected, one of
0, 1, 5, 10, 15, 30, 60, default 0 (off); a value other than 0 needs a ``MonitoringRoleArn``, and a
``MonitoringRoleArn`` needs a value other than 0. ``DescribeDBInstances`` answers ``MonitoringInterval`` for every
instance (0 when off) and ``MonitoringRoleArn`` when one is set (AWS Config's rds-enhanced-monitoring-enabled,
Security Hub's RDS.6, read exactly that). moto 5.2.1 drops both on create (``DescribeDBInstances`` answers neither).

The emulator keeps both on create and modify, checks them as above, and answers ``MonitoringInterval: 0`` for an
instance that never set it. It adds the two fields only: nothing else of an instance changes.

``install_parameters`` (called by ``install``): DescribeDBParameters / DescribeDBClusterParameters answer the engine
defaults AWS documents for the parameters the compliance report's controls read, in default and custom groups, under
what a user set; default groups are named as AWS names them; a DB proxy answers ``RequireTLS`` (false unless set).
"""

from __future__ import annotations

import functools
import re
from typing import Any

_INSTALLED = False
INTERVALS = (0, 1, 5, 10, 15, 30, 60)


def _check(interval: Any, role: Any) -> int:
    from moto.rds.exceptions import InvalidParameterCombination, InvalidParameterValue

    try:
        seconds = int(interval)
    except (TypeError, ValueError):
        raise InvalidParameterValue(f"Invalid value {interval!r} for MonitoringInterval. Valid values: {', '.join(map(str, INTERVALS))}") from None
    if seconds not in INTERVALS:
        raise InvalidParameterValue(f"Invalid value {seconds} for MonitoringInterval. Valid values: {', '.join(map(str, INTERVALS))}")
    if seconds and not role:
        raise InvalidParameterCombination("A MonitoringRoleARN value is required if you specify a MonitoringInterval value other than 0.")
    if role and not seconds:
        raise InvalidParameterCombination("A MonitoringInterval value other than 0 is required if you specify a MonitoringRoleARN value.")
    return seconds


def install() -> None:
    """Wrap moto's RDS CreateDBInstance / ModifyDBInstance (class level, once)."""
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    from moto.rds.models import DBInstance, RDSBackend

    # every instance answers MonitoringInterval (0: Enhanced Monitoring off), as AWS does
    DBInstance.monitoring_interval = 0  # type: ignore[attr-defined]
    DBInstance.monitoring_role_arn = None  # type: ignore[attr-defined]

    orig_create = RDSBackend.create_db_instance

    @functools.wraps(orig_create)
    def create_db_instance(self: Any, db_kwargs: dict[str, Any]) -> Any:
        role = db_kwargs.get("monitoring_role_arn")
        seconds = _check(db_kwargs.get("monitoring_interval", 0), role)
        database = orig_create(self, db_kwargs)
        database.monitoring_interval = seconds
        database.monitoring_role_arn = role or None
        return database

    orig_modify = RDSBackend.modify_db_instance

    @functools.wraps(orig_modify)
    def modify_db_instance(self: Any, db_instance_identifier: str, db_kwargs: dict[str, Any]) -> Any:
        if "monitoring_interval" in db_kwargs or "monitoring_role_arn" in db_kwargs:
            current = self.describe_db_instances(db_instance_identifier)[0]
            seconds = db_kwargs.get("monitoring_interval", current.monitoring_interval)
            role = db_kwargs.get("monitoring_role_arn", current.monitoring_role_arn if seconds else None)
            seconds = _check(seconds, role)
            db_kwargs = {**db_kwargs, "monitoring_interval": seconds}
            db_kwargs.pop("monitoring_role_arn", None)
            database = orig_modify(self, db_instance_identifier, db_kwargs)
            database.monitoring_role_arn = role or None  # turning monitoring off (0) drops the role
            return database
        return orig_modify(self, db_instance_identifier, db_kwargs)

    RDSBackend.create_db_instance = create_db_instance  # type: ignore[method-assign]
    RDSBackend.modify_db_instance = modify_db_instance  # type: ignore[method-assign]
    install_parameters()


# ------------------------------------------------------------------ parameter groups' engine defaults
# AWS answers DescribeDBParameters / DescribeDBClusterParameters with every parameter of the group: the engine defaults
# (Source engine-default or system) and what a user set (Source user), default groups (``default.FAMILY``) included.
# moto 5.2.1 answers only the parameters a user set, nothing for a default group's, and refuses a default cluster
# group it never created. The emulator answers the engine default of the parameters below, per engine family, under
# what a user set; the values are AWS's documented defaults (docs/emulator.md cites each).
_FAMILY = re.compile(r"^(aurora-mysql|aurora-postgresql|aurora|mysql|mariadb|postgres|sqlserver-(?:ee|se|ex|web))-?(\d+(?:\.\d+)*)$")
_BOOL = {"DataType": "boolean", "AllowedValues": "0,1", "IsModifiable": True}


def family_of(family: str) -> tuple[str, tuple[int, ...]] | None:
    """``(engine, version)`` of a parameter group family (``postgres16``, ``mysql8.0``, ``sqlserver-ex-16.0``,
    ``aurora-mysql8.0``); None for a family the emulator has no defaults for."""
    found = _FAMILY.match(str(family or "").lower())
    if not found:
        return None
    return found.group(1), tuple(int(x) for x in found.group(2).split("."))


def instance_defaults(family: str) -> list[dict[str, Any]]:
    """The engine defaults of a DB parameter group family, for the parameters the emulator models."""
    known = family_of(family)
    if known is None:
        return []
    engine, version = known
    if engine == "postgres":
        # RDS for PostgreSQL: rds.force_ssl defaults to 1 from PostgreSQL 15, to 0 before
        value = "1" if version >= (15,) else "0"
        return [_param("rds.force_ssl", value, "dynamic", "Force SSL connections.", source="system" if value == "1" else "engine-default")]
    if engine.startswith("sqlserver-"):
        return [_param("rds.force_ssl", "0", "static", "Force SSL connections.")]
    if engine == "mysql" and version >= (5, 7):
        # RDS for MySQL: 0 (OFF) up to 8.4, 1 (ON) from 9.7
        value = "1" if version >= (9, 7) else "0"
        return [_param("require_secure_transport", value, "dynamic", "Whether client connections must use a secure transport.")]
    if engine == "mariadb" and version >= (10, 5):
        # RDS for MariaDB: the parameter exists from 10.5; OFF up to 11.4, ON from 11.8
        value = "1" if version >= (11, 8) else "0"
        return [_param("require_secure_transport", value, "dynamic", "Whether client connections must use a secure transport.")]
    return []


def cluster_defaults(family: str) -> list[dict[str, Any]]:
    """The engine defaults of a DB cluster parameter group family, for the parameters the emulator models."""
    known = family_of(family)
    if known is None or known[0] not in ("aurora", "aurora-mysql"):
        return []
    events = {"DataType": "list", "AllowedValues": "CONNECT,QUERY,QUERY_DCL,QUERY_DDL,QUERY_DML,TABLE", "IsModifiable": True}
    return [
        # Aurora MySQL Advanced Auditing: off by default, and no event is logged until server_audit_events names some
        _param("server_audit_logging", "0", "dynamic", "Enables audit logging."),
        {"ParameterName": "server_audit_events", "Description": "Events to log.", "Source": "engine-default", "ApplyType": "dynamic", **events},
    ]


def _param(name: str, value: str, apply_type: str, description: str, source: str = "engine-default") -> dict[str, Any]:
    return {"ParameterName": name, "ParameterValue": value, "Description": description, "Source": source, "ApplyType": apply_type, **_BOOL}


def merged(defaults: list[dict[str, Any]], user: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The group's parameters as AWS answers them: each default, replaced by what a user set (Source user), by name."""
    out = {p["ParameterName"]: dict(p) for p in defaults}
    for name, values in user.items():
        set_ = {k: v for k, v in values.items() if k in ("ParameterValue", "ApplyMethod")}
        out[name] = {**out.get(name, {"ParameterName": name, "ApplyType": "dynamic", "IsModifiable": True}), **set_, "ParameterName": name, "Source": "user"}
    return [out[name] for name in sorted(out)]


def page(items: list[dict[str, Any]], params: Any) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a Describe*Parameters answer: ``MaxRecords`` (20-100, default 100) from ``Marker`` (an offset)."""
    from moto.rds.exceptions import InvalidParameterValue

    source = params.get("Source")
    if source:
        items = [p for p in items if p.get("Source") == source]
    size = int(params.get("MaxRecords") or 100)
    if not 20 <= size <= 100:
        raise InvalidParameterValue(f"Invalid value {size} for MaxRecords. Must be between 20 and 100.")
    start = int(params.get("Marker") or 0)
    end = start + size
    return items[start:end], (str(end) if end < len(items) else None)


def default_group_family(engine: str, version: str) -> str:
    """AWS's parameter group family of an engine and version: ``postgres16``, ``postgres9.6``, ``mysql8.0``,
    ``sqlserver-ex-16.0``, ``aurora-mysql8.0`` (version 8.0.mysql_aurora.3.x), ``aurora-postgresql16``."""
    parts = [p for p in str(version).split(".") if p.isdigit()]
    major = parts[0] if parts else "0"
    minor = parts[1] if len(parts) > 1 else "0"
    if engine.startswith("sqlserver-"):
        return f"{engine}-{int(major)}.0"
    if engine in ("postgres", "aurora-postgresql") and int(major) >= 10:
        return f"{engine}{int(major)}"
    return f"{engine}{major}.{minor}"


def install_parameters() -> None:
    """Answer the engine defaults of DB (cluster) parameter groups, default groups included; name a cluster's and a
    SQL Server instance's default group as AWS does; answer a DB proxy's RequireTLS (false unless set), as AWS does."""
    from moto.core.responses import ActionResult
    from moto.rds.exceptions import DBClusterParameterGroupNotFoundError, DBParameterGroupNotFoundError
    from moto.rds.models import DBInstance, RDSBackend
    from moto.rds.responses import RDSResponse

    def describe_db_parameters(self: Any) -> ActionResult:
        name = str(self.params.get("DBParameterGroupName") or "").lower()
        group = self.backend.db_parameter_groups.get(name)
        if group is None and not (name.startswith("default.") and family_of(name[len("default.") :])):
            raise DBParameterGroupNotFoundError(name)
        family = group.family if group is not None else name[len("default.") :]
        items, marker = page(merged(instance_defaults(str(family)), dict(group.parameters) if group is not None else {}), self.params)
        return ActionResult({"Parameters": items, **({"Marker": marker} if marker else {})})

    def describe_db_cluster_parameters(self: Any) -> ActionResult:
        name = str(self.params.get("DBClusterParameterGroupName") or "").lower()
        group = self.backend.db_cluster_parameter_groups.get(name)
        if group is None and not (name.startswith("default.") and family_of(name[len("default.") :])):
            raise DBClusterParameterGroupNotFoundError(name)
        family = group.db_parameter_group_family if group is not None else name[len("default.") :]
        items, marker = page(merged(cluster_defaults(str(family)), dict(group.parameters) if group is not None else {}), self.params)
        return ActionResult({"Parameters": items, **({"Marker": marker} if marker else {})})

    RDSResponse.describe_db_parameters = describe_db_parameters  # type: ignore[method-assign]
    RDSResponse.describe_db_cluster_parameters = describe_db_cluster_parameters  # type: ignore[method-assign]

    orig_details = DBInstance.default_db_parameter_group_details

    def default_db_parameter_group_details(self: Any) -> tuple[str, str]:
        if str(self.engine).lower().startswith("sqlserver-"):  # AWS: default.sqlserver-ex-16.0, not moto's default.sqlserver-ex16.00.4095
            family = default_group_family(str(self.engine).lower(), str(self.engine_version))
            return family, f"default.{family}"
        return orig_details(self)

    DBInstance.default_db_parameter_group_details = default_db_parameter_group_details  # type: ignore[method-assign]

    orig_cluster = RDSBackend.create_db_cluster

    @functools.wraps(orig_cluster)
    def create_db_cluster(self: Any, kwargs: dict[str, Any]) -> Any:
        cluster = orig_cluster(self, kwargs)
        if not kwargs.get("db_cluster_parameter_group_name") and cluster.engine in ("aurora", "aurora-mysql", "aurora-postgresql", "mysql", "postgres"):
            # AWS names the engine's default cluster group (default.aurora-mysql8.0), not moto's default.aurora8.0 for all
            version = str(cluster.engine_version)
            if cluster.engine in ("aurora", "aurora-mysql") and ".mysql_aurora." in version:
                version = version.partition(".mysql_aurora.")[0]
            cluster.parameter_group = f"default.{default_group_family(cluster.engine, version)}"
        return cluster

    RDSBackend.create_db_cluster = create_db_cluster  # type: ignore[method-assign]

    orig_proxy = RDSBackend.create_db_proxy

    @functools.wraps(orig_proxy)
    def create_db_proxy(self: Any, *args: Any, **kwargs: Any) -> Any:
        proxy = orig_proxy(self, *args, **kwargs)
        if proxy.require_tls is None:  # AWS: RequireTLS defaults to false and is always answered
            proxy.require_tls = False
        return proxy

    RDSBackend.create_db_proxy = create_db_proxy  # type: ignore[method-assign]
