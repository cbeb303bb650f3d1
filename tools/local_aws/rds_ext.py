"""RDS Enhanced Monitoring settings of DB instances (see docs/emulator.md).

AWS (RDS API reference, CreateDBInstance / ModifyDBInstance, ``MonitoringInterval`` and ``MonitoringRoleArn``):
``MonitoringInterval`` is the interval in seconds at which Enhanced Monitoring metrics are collected, one of
0, 1, 5, 10, 15, 30, 60, default 0 (off); a value other than 0 needs a ``MonitoringRoleArn``, and a
``MonitoringRoleArn`` needs a value other than 0. ``DescribeDBInstances`` answers ``MonitoringInterval`` for every
instance (0 when off) and ``MonitoringRoleArn`` when one is set (AWS Config's rds-enhanced-monitoring-enabled,
Security Hub's RDS.6, read exactly that). moto 5.2.1 drops both on create (``DescribeDBInstances`` answers neither).

The emulator keeps both on create and modify, checks them as above, and answers ``MonitoringInterval: 0`` for an
instance that never set it. It adds the two fields only: nothing else of an instance changes.
"""

from __future__ import annotations

import functools
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
