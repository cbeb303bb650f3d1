"""RDS DB snapshots on real PostgreSQL: the time a snapshot was taken (docs/emulator.md "DB snapshot times").

AWS (API reference, ``DBSnapshot``): ``SnapshotCreateTime`` "Specifies when the snapshot was taken" (and changes
for a copy); ``OriginalSnapshotCreateTime`` "Specifies the time of the CreateDBSnapshot operation" (and does not
change for a copy). With ``SLIPWAY_RDS_REAL=1`` a snapshot is a base backup (``rds_pg``), whose data is consistent
as of the end of the backup: rows committed while the backup ran are in it. So the snapshot is "taken" when its base
backup ends: this module sets ``SnapshotCreateTime`` then, before the snapshot becomes ``available``, and leaves
``OriginalSnapshotCreateTime`` at the time of the call. Every row a restore of the snapshot holds was committed
before its ``SnapshotCreateTime``.

Installed once, at class level, after ``rds_pg`` (``server.py``).
"""

from __future__ import annotations

import functools
import threading
from typing import Any

_INSTALLED = False
_TAKING = threading.local()  # the SnapshotFiles whose base backup the current worker thread is taking


def install() -> None:
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True

    from moto.core.utils import utcnow
    from moto.rds.models import rds_backends

    from .plane import LOCK
    from .rds_pg import RdsPg

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
