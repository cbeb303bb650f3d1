"""RDS DB snapshots on real PostgreSQL: when a snapshot was taken, and real automated snapshots
(docs/emulator.md "DB snapshot times and automated snapshots").

AWS (API reference, ``DBSnapshot``): ``SnapshotCreateTime`` "Specifies when the snapshot was taken" (and changes
for a copy); ``OriginalSnapshotCreateTime`` "Specifies the time of the CreateDBSnapshot operation" (and does not
change for a copy). With ``SLIPWAY_RDS_REAL=1`` a snapshot is a base backup (``rds_pg``), whose data is consistent
as of the end of the backup: rows committed while the backup ran are in it. So the snapshot is "taken" when its base
backup ends: ``SnapshotCreateTime`` is set then, before the snapshot becomes ``available``;
``OriginalSnapshotCreateTime`` stays the time of the call. Every row a restore of the snapshot holds was committed
before its ``SnapshotCreateTime``.

Automated snapshots (user guide, "Introduction to backups": the first backup when the instance is created, then one
a day in the backup window, kept for the retention period, named ``rds:ID-YYYY-MM-DD-HH-MM``, removed with the
instance): moto records one, ``available`` and empty, when it creates an instance. For a real instance it is
``creating`` until the instance's first automated base backup ends, and then holds that backup's files; a later
automated base backup at least ``SLIPWAY_RDS_SNAPSHOT_INTERVAL`` s (default a day, as AWS) after the previous
automated snapshot is an automated snapshot too; those older than ``BackupRetentionPeriod`` days are removed as the
backups are; an instance with retention 0 has none; ``DeleteDBInstance`` removes them (AWS's default,
``DeleteAutomatedBackups`` true).

Installed once, at class level, after ``rds_pg`` (``server.py``).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import threading
from typing import Any

LOG = logging.getLogger("local_aws.rds_snapshots")
_INSTALLED = False
_TAKING = threading.local()  # the SnapshotFiles whose base backup the current worker thread is taking
# (account, region, instance) -> the files of its automated snapshot waiting for the first automated backup
_PENDING: dict[tuple[str, str, str], Any] = {}
_PENDING_LOCK = threading.Lock()


def snapshot_interval() -> float:
    """Seconds between automated snapshots after the first (``SLIPWAY_RDS_SNAPSHOT_INTERVAL``, default a day)."""
    try:
        return max(1.0, float(os.environ.get("SLIPWAY_RDS_SNAPSHOT_INTERVAL") or 86400))
    except ValueError:
        return 86400.0


def _naive(value: dt.datetime) -> dt.datetime:
    """moto keeps its times naive (UTC)."""
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value


def install() -> None:
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True

    from moto.core.utils import utcnow
    from moto.rds.models import DBSnapshot, RDSBackend, rds_backends

    from . import rds_pg
    from .plane import LOCK
    from .rds_pg import RdsPg

    # ------------------------------------------------------------ SnapshotCreateTime = the end of the base backup
    orig_job = RdsPg.job_snapshot
    orig_status = RdsPg._snapshot_status

    @functools.wraps(orig_job)
    def job_snapshot(self: Any, cluster: Any, snap: Any) -> None:
        _TAKING.snap = snap
        try:
            orig_job(self, cluster, snap)
        finally:
            _TAKING.snap = None

    @functools.wraps(orig_status)
    def snapshot_status(self: Any, snap: Any, status: str) -> None:
        if status == "available" and getattr(_TAKING, "snap", None) is snap:
            with LOCK:  # the base backup has ended: the snapshot's data is as of now
                found = rds_backends[snap.account][snap.region].database_snapshots.get(snap.ident)
                if found is not None:
                    found.created = utcnow()
        orig_status(self, snap, status)

    RdsPg.job_snapshot = job_snapshot  # type: ignore[method-assign]
    RdsPg._snapshot_status = snapshot_status  # type: ignore[method-assign]

    # ------------------------------------------------------------ automated snapshots
    def real(db: Any) -> bool:
        m = rds_pg.MANAGER
        return bool(m and m.settings.enabled and str(db.engine or "").lower() == "postgres" and not getattr(db, "db_cluster_identifier", None))

    orig_auto = RDSBackend.create_auto_snapshot

    @functools.wraps(orig_auto)
    def create_auto_snapshot(self: Any, db_instance_identifier: str, db_snapshot_identifier: str) -> Any:
        snap = orig_auto(self, db_instance_identifier, db_snapshot_identifier)
        db = self.databases.get(db_instance_identifier)
        m = rds_pg.MANAGER
        if db is None or m is None or not real(db):
            return snap
        if int(db.backup_retention_period or 0) <= 0:  # no automated backups, no automated snapshot
            self.database_snapshots.pop(snap.db_snapshot_identifier, None)
            return snap
        snap.status = "creating"  # until the instance's first automated base backup ends
        files = m.new_snapshot(self.account_id, self.region_name, snap.db_snapshot_identifier, "")
        with _PENDING_LOCK:
            _PENDING[(self.account_id, self.region_name, db.db_instance_identifier.lower())] = files
        return snap

    RDSBackend.create_auto_snapshot = create_auto_snapshot  # type: ignore[method-assign]

    def automated_of(backend: Any, ident: str) -> list[Any]:
        return [s for s in backend.database_snapshots.values() if s.snapshot_type == "automated" and s.db_instance_identifier == ident]

    def register(m: Any, cluster: Any, backup: Any) -> None:
        """The automated snapshot holding ``backup``: the one waiting since the instance was created, else a new one."""
        key = (cluster.account, cluster.region, cluster.ident.lower())
        backend = rds_backends[cluster.account][cluster.region]
        with _PENDING_LOCK:
            files = _PENDING.pop(key, None)
        if files is None:
            name = f"rds:{cluster.ident}-{backup.end.strftime('%Y-%m-%d-%H-%M')}"
            with LOCK:
                db = backend.databases.get(cluster.ident)
                if db is None or name in backend.database_snapshots:  # deleted, or one this minute already
                    return
                mine = [_naive(s.created) for s in automated_of(backend, cluster.ident)]
                if mine and _naive(backup.end) - max(mine) < dt.timedelta(seconds=snapshot_interval()):
                    return  # one automated snapshot a day (AWS), whatever the backup interval
                snap = DBSnapshot(backend, db, name, "automated")
                snap.status = "creating"
                backend.database_snapshots[name] = snap
            files = m.new_snapshot(cluster.account, cluster.region, name, "")
        m._copy(backup.path, files.path)  # its own copy: the backup is pruned on its own schedule
        (files.path / "slipway_instance.conf").unlink(missing_ok=True)
        files.admin_password = cluster.admin_password
        files.ready = True
        with LOCK:
            found = backend.database_snapshots.get(files.ident)
            if found is not None:
                found.created = _naive(backup.end)  # taken when the base backup ended
        m._snapshot_status(files, "available")
        prune(m, cluster)

    def prune(m: Any, cluster: Any) -> None:
        keep_after = _naive(rds_pg.utcnow() - dt.timedelta(days=max(cluster.retention_days, 0)))
        backend = rds_backends[cluster.account][cluster.region]
        with LOCK:
            old = [
                s.db_snapshot_identifier
                for s in backend.database_snapshots.values()
                if s.snapshot_type == "automated" and s.db_instance_identifier == cluster.ident and _naive(s.created) < keep_after
            ]
            for name in old:
                backend.database_snapshots.pop(name, None)
        for name in old:
            m.drop_snapshot(cluster.account, cluster.region, name)

    orig_backup = RdsPg.automated_backup

    @functools.wraps(orig_backup)
    def automated_backup(self: Any, cluster: Any) -> None:
        before = cluster.backups[-1] if cluster.backups else None
        orig_backup(self, cluster)
        after = cluster.backups[-1] if cluster.backups else None
        if after is not None and after is not before:
            try:
                register(self, cluster, after)
            except Exception:
                LOG.exception("RDS instance %s: automated snapshot of the backup %s", cluster.ident, after.path.name)

    RdsPg.automated_backup = automated_backup  # type: ignore[method-assign]

    orig_delete = RDSBackend.delete_db_instance

    @functools.wraps(orig_delete)
    def delete_db_instance(self: Any, db_instance_identifier: str, *args: Any, **kwargs: Any) -> Any:
        db = orig_delete(self, db_instance_identifier, *args, **kwargs)
        keep = str(kwargs.get("delete_automated_backups", True)).lower() in ("false", "0")
        m = rds_pg.MANAGER
        if keep or m is None:
            return db
        ident = db.db_instance_identifier
        with _PENDING_LOCK:
            _PENDING.pop((self.account_id, self.region_name, ident.lower()), None)
        old = [s.db_snapshot_identifier for s in self.database_snapshots.values() if s.snapshot_type == "automated" and s.db_instance_identifier == ident]
        for name in old:
            self.database_snapshots.pop(name, None)
            m.drop_snapshot(self.account_id, self.region_name, name)
        return db

    RDSBackend.delete_db_instance = delete_db_instance  # type: ignore[method-assign]

    orig_stop_all = RdsPg.stop_all

    @functools.wraps(orig_stop_all)
    def stop_all(self: Any) -> None:
        with _PENDING_LOCK:
            _PENDING.clear()
        orig_stop_all(self)

    RdsPg.stop_all = stop_all  # type: ignore[method-assign]
