"""RDS for PostgreSQL backed by real PostgreSQL clusters on loopback (opt-in).

With ``SLIPWAY_RDS_REAL=1`` every DB instance with engine ``postgres`` (not an Aurora cluster
member) is a real PostgreSQL cluster that this module runs on 127.0.0.1:

- ``CreateDBInstance``: ``initdb`` + start, the master user and ``DBName`` from the request, a
  first base backup; ``creating`` until then, ``available`` after. WAL is archived
  (``archive_mode = on``, ``archive_timeout`` short) into the instance's archive directory and
  a base backup is taken every ``SLIPWAY_RDS_BACKUP_INTERVAL`` seconds: the automated backups.
- ``RestoreDBInstanceToPointInTime``: the newest base backup that ended before the target time,
  ``recovery.signal``, ``restore_command`` from the source's archive, ``recovery_target_time``,
  ``recovery_target_action = promote``: a real point-in-time recovery.
- ``CreateDBSnapshot`` is a base backup (self-contained: ``-X stream``), ``RestoreDBInstanceFromDBSnapshot``
  starts a cluster on a copy of it, ``CopyDBSnapshot`` copies its files into the target region's
  directory (cross-region: ``KmsKeyId`` required for an encrypted snapshot).
- ``CreateDBInstanceReadReplica`` is a streaming replica (``pg_basebackup`` + ``standby.signal`` +
  ``primary_conninfo``, hot standby), in the same Region or, with the source's ARN, in the Region
  of the request (cross-Region: ``KmsKeyId`` of that Region for an encrypted source, the Region's
  default groups); ``PromoteReadReplica`` runs ``pg_ctl promote`` and the instance leaves the
  replica relationship once ``pg_is_in_recovery()`` is false (with its source down, too).
- ``POST /_slipway/rds/outage`` stops an instance's postgres ("its Region is down") and starts it
  again; ``POST /_slipway/rds/replay`` pauses or resumes a replica's WAL replay (its lag grows);
  ``POST /_slipway/rds/link`` cuts a replica off its source or connects it again (a partition).
- ``DeleteDBInstance`` (final snapshot unless ``SkipFinalSnapshot``) stops the cluster and removes
  its files; ``/moto-api/reset`` and the emulator's shutdown stop every cluster.

Installed once, at class level (``install``); docs/emulator.md "RDS backed by real PostgreSQL"
lists every difference from AWS.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import functools
import itertools
import json
import logging
import os
import pwd
import queue
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import pgbin

LOG = logging.getLogger("local_aws.rds_pg")
ADMIN = "rdsadmin"  # the emulator's own superuser (RDS has one by that name too)
WAL_SEGMENT_MB = 1
SEGMENT_BYTES = WAL_SEGMENT_MB * 1024 * 1024
SEGMENT_NAME = re.compile(r"^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})$")
_CTX = threading.local()


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# ------------------------------------------------------------------ settings
@dataclass
class RdsPgSettings:
    enabled: bool
    port_base: int
    port_count: int
    data_root: str | None
    archive_timeout: int
    backup_interval: float
    fsync: bool

    @classmethod
    def from_env(cls, listener_port_base: int) -> RdsPgSettings:
        env = os.environ
        return cls(
            enabled=env.get("SLIPWAY_RDS_REAL", "0").strip().lower() in ("1", "true", "yes", "on"),
            port_base=int(env.get("SLIPWAY_RDS_PORT_BASE") or listener_port_base + 5400),
            port_count=int(env.get("SLIPWAY_RDS_PORT_COUNT") or 100),
            data_root=env.get("SLIPWAY_RDS_DATA_DIR") or None,
            archive_timeout=max(1, int(float(env.get("SLIPWAY_RDS_ARCHIVE_TIMEOUT") or 1))),
            backup_interval=float(env.get("SLIPWAY_RDS_BACKUP_INTERVAL") or 300),
            fsync=env.get("SLIPWAY_RDS_FSYNC", "0").strip().lower() in ("1", "true", "yes", "on"),
        )


# ------------------------------------------------------------------ binaries and users
def find_bindir() -> Path:
    return pgbin.find_bindir()


def _run_as() -> pwd.struct_passwd | None:
    return pgbin.run_as()


def _spawn_kwargs() -> dict[str, Any]:
    user = _run_as()
    return {} if user is None else {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def _own(*paths: Path) -> None:
    user = _run_as()
    if user is not None:
        for path in paths:
            os.chown(path, user.pw_uid, user.pw_gid)


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    _own(path)
    return path


try:
    _LIBC: Any = ctypes.CDLL(None, use_errno=True)
except OSError:  # pragma: no cover - not Linux
    _LIBC = None


def _die_with_parent() -> None:
    """In the child: SIGQUIT (PostgreSQL's immediate shutdown) when the emulator dies, even by SIGKILL."""
    if _LIBC is not None:
        _LIBC.prctl(1, signal.SIGQUIT)  # PR_SET_PDEATHSIG


class _Spawner:
    """Starts every postmaster from one thread that lives as long as the process: the parent-death
    signal fires when the *thread* that forked the child ends, so no short-lived thread may fork them."""

    def __init__(self) -> None:
        self.jobs: queue.Queue[tuple[list[str], dict[str, Any], list[Any], threading.Event]] = queue.Queue()
        threading.Thread(target=self._run, name="rds-pg-spawner", daemon=True).start()

    def _run(self) -> None:
        while True:
            args, kwargs, box, done = self.jobs.get()
            try:
                box.append(subprocess.Popen(args, preexec_fn=_die_with_parent, **kwargs))
            except BaseException as exc:  # noqa: BLE001  handed to the caller
                box.append(exc)
            done.set()

    def popen(self, args: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        box: list[Any] = []
        done = threading.Event()
        self.jobs.put((args, kwargs, box, done))
        done.wait()
        if isinstance(box[0], BaseException):
            raise box[0]
        return box[0]


# ------------------------------------------------------------------ WAL positions
def parse_lsn(text: str) -> int:
    hi, lo = text.split("/")
    return (int(hi, 16) << 32) | int(lo, 16)


def segment_end(name: str | None) -> int:
    """The LSN just after WAL segment file ``name`` (1 MB segments); 0 for anything else."""
    match = SEGMENT_NAME.match(name or "")
    if not match:
        return 0
    log, seg = int(match.group(2), 16), int(match.group(3), 16)
    return (log << 32) + (seg + 1) * SEGMENT_BYTES


def _parse_time(value: Any) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    text = str(value).strip().replace("Z", "+00:00")
    parsed = dt.datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _param(params: Any, snake: str, camel: str) -> Any:
    value = params.get(snake)
    if value is None:
        with contextlib.suppress(Exception):
            value = params.get(camel)
    return value


# ------------------------------------------------------------------ one cluster
@dataclass
class Backup:
    path: Path
    start: dt.datetime
    end: dt.datetime


class Cluster:
    """One real PostgreSQL cluster behind one RDS DB instance."""

    def __init__(self, mgr: RdsPg, account: str, region: str, ident: str, root: Path, port: int, admin_password: str, role: str) -> None:
        self.mgr = mgr
        self.account, self.region, self.ident = account, region, ident
        self.root, self.port, self.admin_password, self.role = root, port, admin_password, role
        self.state = "creating"
        self.proc: subprocess.Popen[bytes] | None = None
        self.backups: list[Backup] = []
        self.heartbeats: deque[tuple[dt.datetime, int]] = deque()
        self.archived_end = 0
        self.latest_restorable: dt.datetime | None = None
        self.replica_lag: float | None = None
        self.source: Cluster | None = None
        self.retention_days = 1
        self.last_backup = time.monotonic()
        self.backup_queued = False
        self.error: str | None = None
        self.dead = False
        self.outage = False  # /_slipway/rds/outage: the process is stopped, "the Region is down"
        self.replay_paused = False  # /_slipway/rds/replay: a replica's WAL replay paused (lag grows)
        self.link_cut = False  # /_slipway/rds/link: a replica cut off from its source (receives nothing)
        self.wal_receiver: str | None = None  # a replica's pg_stat_wal_receiver.status (None: not receiving)
        self._conn: Any = None
        self._conn_lock = threading.Lock()
        self.jobs: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self.worker = threading.Thread(target=self._work, name=f"rds-pg-{ident}", daemon=True)
        self.worker.start()

    # paths
    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def log_file(self) -> Path:
        return self.root / "postgres.log"

    def log_tail(self, n: int = 3000) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.account, self.region, self.ident)

    # jobs
    def submit(self, fn: Callable[[], None]) -> None:
        self.jobs.put(fn)

    def _work(self) -> None:
        while True:
            fn = self.jobs.get()
            if fn is None or self.dead:
                return
            try:
                fn()
            except Exception as exc:
                if self.dead:
                    return
                if self.outage:  # a job cut short by a simulated outage: the instance is not failed, only unreachable
                    LOG.warning("RDS instance %s (%s): a job failed during the simulated outage: %s", self.ident, self.region, exc)
                    continue
                LOG.exception("RDS instance %s (%s): a job failed", self.ident, self.region)
                self.error = str(exc)
                self.mgr.set_status(self, "failed")

    # SQL
    def connect(self, database: str = "postgres", timeout: float = 10) -> Any:
        import pg8000.native

        return pg8000.native.Connection(
            ADMIN, host="127.0.0.1", port=self.port, database=database, password=self.admin_password, ssl_context=False, timeout=timeout
        )

    def sql(self, *statements: str, database: str = "postgres") -> list[Any]:
        conn = self.connect(database)
        try:
            rows: list[Any] = []
            for statement in statements:
                rows = conn.run(statement) or []
            return rows
        finally:
            conn.close()

    def monitor_run(self, statement: str) -> list[Any]:
        """A statement on the monitor's kept connection (to ``rdsadmin``), reconnecting once."""
        with self._conn_lock:
            for attempt in (1, 2):
                try:
                    if self._conn is None:
                        self._conn = self.connect("rdsadmin", timeout=5)
                    return self._conn.run(statement) or []
                except Exception:
                    self.close_monitor_conn(locked=True)
                    if attempt == 2:
                        raise
        return []

    def close_monitor_conn(self, locked: bool = False) -> None:
        def close() -> None:
            conn, self._conn = self._conn, None
            if conn is not None:
                with contextlib.suppress(Exception):
                    conn.close()

        if locked:
            close()
        else:
            with self._conn_lock:
                close()

    def report(self) -> dict[str, Any]:
        return {
            "db_instance_identifier": self.ident,
            "region": self.region,
            "role": self.role,
            "state": self.state,
            "port": self.port,
            "pid": self.proc.pid if self.proc is not None and self.proc.poll() is None else None,
            "root": str(self.root),
            "data_dir": str(self.data),
            "archive_dir": str(self.archive),
            "source": self.source.ident if self.source is not None else None,
            "backups": [{"start": b.start.isoformat(), "end": b.end.isoformat(), "path": str(b.path)} for b in self.backups],
            "earliest_restorable_time": self.earliest_restorable().isoformat() if self.earliest_restorable() else None,
            "latest_restorable_time": self.latest_restorable.isoformat() if self.latest_restorable else None,
            "archived_up_to_lsn": f"{self.archived_end >> 32:X}/{self.archived_end & 0xFFFFFFFF:X}",
            "replica_lag_seconds": self.replica_lag,
            "wal_receiver": self.wal_receiver,
            "replay_paused": self.replay_paused,
            "link_cut": self.link_cut,
            "outage": self.outage,
            "error": self.error,
        }

    def earliest_restorable(self) -> dt.datetime | None:
        return self.backups[0].end if self.backups else None


@dataclass
class SnapshotFiles:
    account: str
    region: str
    ident: str
    path: Path
    admin_password: str
    ready: bool = False
    error: str | None = None


# ------------------------------------------------------------------ the manager
class RdsPg:
    def __init__(self, settings: RdsPgSettings) -> None:
        self.settings = settings
        self.lock = threading.RLock()
        self.clusters: dict[tuple[str, str, str], Cluster] = {}
        self.snapshots: dict[tuple[str, str, str], SnapshotFiles] = {}
        self.ports: set[int] = set()
        self._root: Path | None = None
        self._seq = itertools.count(1)
        self._bindir: Path | None = None
        self._spawner: _Spawner | None = None
        self._stop = threading.Event()
        self._monitor: threading.Thread | None = None

    # -------------------------------------------------------------- plumbing
    @property
    def bindir(self) -> Path:
        if self._bindir is None:
            self._bindir = find_bindir()
        return self._bindir

    @property
    def spawner(self) -> _Spawner:
        with self.lock:
            if self._spawner is None:
                self._spawner = _Spawner()
            return self._spawner

    def root(self) -> Path:
        with self.lock:
            if self._root is None:
                if self.settings.data_root:
                    self._root = _mkdir(Path(self.settings.data_root))
                else:
                    self._root = Path(tempfile.mkdtemp(prefix="slipway-rds-"))
                    _own(self._root)
                self._make_tls(self._root / "tls")
            if self._monitor is None:
                self._monitor = threading.Thread(target=self._monitor_loop, name="rds-pg-monitor", daemon=True)
                self._monitor.start()
            return self._root

    def _make_tls(self, directory: Path) -> None:
        _mkdir(directory)
        cert, key = directory / "server.crt", directory / "server.key"
        openssl = shutil.which("openssl")
        if openssl and not cert.exists():
            subprocess.run(
                [
                    openssl,
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-keyout",
                    str(key),
                    "-out",
                    str(cert),
                    "-days",
                    "30",
                    "-subj",
                    "/CN=127.0.0.1",
                    "-addext",
                    "subjectAltName=IP:127.0.0.1",
                ],
                capture_output=True,
                check=True,
                timeout=60,
            )
            key.chmod(0o600)
            _own(cert, key)

    def alloc_port(self) -> int:
        with self.lock:
            for port in range(self.settings.port_base, self.settings.port_base + self.settings.port_count):
                if port in self.ports:
                    continue
                with socket.socket() as sock:
                    try:
                        sock.bind(("127.0.0.1", port))
                    except OSError:
                        continue
                self.ports.add(port)
                return port
        raise RuntimeError(
            f"no free port for an RDS instance in {self.settings.port_base}..{self.settings.port_base + self.settings.port_count - 1} (SLIPWAY_RDS_PORT_BASE)"
        )

    def run_pg(self, args: list[str], timeout: float = 300, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False, env={**os.environ, **(env or {})}, **_spawn_kwargs())
        if proc.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed ({proc.returncode}): {proc.stdout[-1500:]} {proc.stderr[-1500:]}")
        return proc

    def new_cluster(self, account: str, region: str, ident: str, admin_password: str, role: str) -> Cluster:
        root = self.root() / region / f"{ident}-{next(self._seq)}"
        _mkdir(root.parent)
        _mkdir(root)
        for sub in ("archive", "backups", "sock"):
            _mkdir(root / sub)
        cluster = Cluster(self, account, region, ident, root, self.alloc_port(), admin_password, role)
        with self.lock:
            self.clusters[cluster.key] = cluster
        return cluster

    def get(self, account: str, region: str, ident: str | None) -> Cluster | None:
        if not ident:
            return None
        with self.lock:
            return self.clusters.get((account, region, ident.lower()))

    def snapshot(self, account: str, region: str, ident: str) -> SnapshotFiles | None:
        with self.lock:
            return self.snapshots.get((account, region, ident.lower()))

    @staticmethod
    def moto_instance(cluster: Cluster) -> Any:
        from moto.rds.models import rds_backends

        return rds_backends[cluster.account][cluster.region].databases.get(cluster.ident)

    def set_status(self, cluster: Cluster, status: str) -> None:
        from .plane import LOCK

        with LOCK:
            cluster.state = status
            db = self.moto_instance(cluster)
            if db is not None and status != "deleted":
                db.status = status

    # -------------------------------------------------------------- configuration
    def write_conf(self, cluster: Cluster, extra: dict[str, str] | None = None, fresh: bool = True) -> None:
        """The instance's own settings in ``slipway_instance.conf``; ``fresh``: a data directory not running yet."""
        tls = self.root() / "tls"
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(cluster.port),
            "unix_socket_directories": f"'{cluster.root / 'sock'}'",
            "archive_mode": "on",
            "archive_command": f"'test ! -f {cluster.archive}/%f && cp %p {cluster.archive}/%f'",
            "archive_timeout": str(self.settings.archive_timeout),
            "ssl": "on" if (tls / "server.crt").exists() else "off",
            "ssl_cert_file": f"'{tls / 'server.crt'}'",
            "ssl_key_file": f"'{tls / 'server.key'}'",
            "wal_level": "replica",
            "max_wal_senders": "10",
            "wal_keep_size": "'64MB'",
            "hot_standby": "on",
            "hot_standby_feedback": "on",
            "shared_buffers": "'16MB'",
            "max_connections": "40",
            "fsync": "on" if self.settings.fsync else "off",
            "synchronous_commit": "on" if self.settings.fsync else "off",
            "full_page_writes": "on",
            "password_encryption": "'scram-sha-256'",
            "logging_collector": "off",
            "log_timezone": "'UTC'",
            "timezone": "'UTC'",
            **(extra or {}),
        }
        path = cluster.data / "slipway_instance.conf"
        path.write_text(
            "# written by the Slipway emulator (tools/local_aws/rds_pg.py) for this instance\n" + "".join(f"{k} = {v}\n" for k, v in settings.items())
        )
        _own(path)
        conf = cluster.data / "postgresql.conf"
        text = conf.read_text()
        if "slipway_instance.conf" not in text:
            conf.write_text(text + "\ninclude_if_exists = 'slipway_instance.conf'\n")
        if fresh:
            for name in ("postmaster.pid", "postmaster.opts", "standby.signal", "recovery.signal"):
                (cluster.data / name).unlink(missing_ok=True)

    def signal_file(self, cluster: Cluster, name: str) -> None:
        path = cluster.data / name
        path.write_text("")
        _own(path)

    # -------------------------------------------------------------- processes
    def start(self, cluster: Cluster) -> None:
        if cluster.dead:
            raise RuntimeError("instance deleted")
        with cluster.log_file.open("ab") as log:
            cluster.proc = self.spawner.popen(
                [str(self.bindir / "postgres"), "-D", str(cluster.data)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                **_spawn_kwargs(),
            )
        _own(cluster.log_file)
        LOG.info("RDS instance %s (%s): postgres pid %s on 127.0.0.1:%s", cluster.ident, cluster.region, cluster.proc.pid, cluster.port)

    def wait_ready(self, cluster: Cluster, primary: bool, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if cluster.dead:
                raise RuntimeError("instance deleted")
            if cluster.proc is None or cluster.proc.poll() is not None:
                raise RuntimeError(f"postgres exited; its log:\n{cluster.log_tail()}")
            try:
                rows = cluster.sql("SELECT pg_is_in_recovery()")
            except Exception:  # noqa: BLE001  starting, or in recovery before consistency
                time.sleep(0.2)
                continue
            if not primary or not rows[0][0]:
                return
            time.sleep(0.2)
        raise RuntimeError(f"postgres did not become ready within {timeout:g} s; its log:\n{cluster.log_tail()}")

    def stop_process(self, cluster: Cluster) -> None:
        cluster.close_monitor_conn()
        proc, cluster.proc = cluster.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGINT)  # fast shutdown
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        LOG.info("RDS instance %s (%s): postgres pid %s stopped", cluster.ident, cluster.region, proc.pid)

    def teardown(self, cluster: Cluster) -> None:
        cluster.dead = True
        self.stop_process(cluster)
        shutil.rmtree(cluster.root, ignore_errors=True)
        with self.lock:
            if self.clusters.get(cluster.key) is cluster:
                del self.clusters[cluster.key]
            self.ports.discard(cluster.port)
        cluster.state = "deleted"
        cluster.jobs.put(None)

    def stop_all(self) -> None:
        """Every cluster stopped and removed, every snapshot's files removed (reset, shutdown)."""
        with self.lock:
            clusters = list(self.clusters.values())
            snaps = list(self.snapshots.values())
            self.snapshots.clear()
        for cluster in clusters:
            cluster.dead = True
        for cluster in clusters:
            try:
                self.teardown(cluster)
            except Exception:
                LOG.exception("stopping RDS instance %s", cluster.ident)
        for snap in snaps:
            shutil.rmtree(snap.path, ignore_errors=True)

    def shutdown(self) -> None:
        self._stop.set()
        self.stop_all()
        with self.lock:
            root, self._root = self._root, None
        if root is not None and not self.settings.data_root:
            shutil.rmtree(root, ignore_errors=True)

    # -------------------------------------------------------------- backups
    def base_backup(self, cluster: Cluster, dest: Path) -> tuple[dt.datetime, dt.datetime]:
        _mkdir(dest.parent)
        start = utcnow()
        self.run_pg(
            [
                str(self.bindir / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(cluster.port),
                "-U",
                ADMIN,
                "-D",
                str(dest),
                "-Fp",
                "-X",
                "stream",
                "-c",
                "fast",
                "--no-sync",
                "-w",
            ],
            env={"PGPASSWORD": cluster.admin_password},
        )
        return start, utcnow()

    def automated_backup(self, cluster: Cluster) -> None:
        cluster.backup_queued = False
        if cluster.dead or cluster.role != "primary" or cluster.retention_days <= 0:
            return
        dest = cluster.root / "backups" / utcnow().strftime("%Y%m%dT%H%M%S.%fZ")
        start, end = self.base_backup(cluster, dest)
        cluster.backups.append(Backup(dest, start, end))
        cluster.last_backup = time.monotonic()
        keep_after = utcnow() - dt.timedelta(days=cluster.retention_days)
        while len(cluster.backups) > 1 and cluster.backups[1].end < keep_after:  # the oldest still covers the window
            shutil.rmtree(cluster.backups.pop(0).path, ignore_errors=True)
        LOG.info("RDS instance %s: automated base backup %s (%.1f s)", cluster.ident, dest.name, (end - start).total_seconds())

    def became_primary(self, cluster: Cluster) -> None:
        """A new primary (created, restored, promoted): heartbeat table, first backup, available."""
        cluster.role = "primary"
        cluster.source = None
        cluster.sql(
            "CREATE TABLE IF NOT EXISTS heartbeat (id int PRIMARY KEY, t timestamptz NOT NULL)",
            "INSERT INTO heartbeat VALUES (1, clock_timestamp()) ON CONFLICT (id) DO UPDATE SET t = excluded.t",
            database="rdsadmin",
        )
        cluster.heartbeats.clear()
        cluster.archived_end = 0
        cluster.latest_restorable = None
        if cluster.retention_days > 0:
            self.automated_backup(cluster)
        self.set_status(cluster, "available")

    # -------------------------------------------------------------- operations (worker jobs)
    def job_create(self, cluster: Cluster, master: str, password: str, dbname: str | None) -> None:
        from pg8000.native import identifier, literal

        pwfile = cluster.root / "admin.pw"
        pwfile.write_text(cluster.admin_password + "\n")
        pwfile.chmod(0o600)
        _own(pwfile)
        try:
            self.run_pg(
                [
                    str(self.bindir / "initdb"),
                    "-D",
                    str(cluster.data),
                    "-U",
                    ADMIN,
                    f"--pwfile={pwfile}",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--auth-local=scram-sha-256",
                    "--auth-host=scram-sha-256",
                    "--no-sync",
                    "--no-instructions",
                    f"--wal-segsize={WAL_SEGMENT_MB}",
                ],
                timeout=180,
            )
        finally:
            pwfile.unlink(missing_ok=True)
        hba = cluster.data / "pg_hba.conf"
        hba.write_text(
            "# Slipway emulator RDS instance: loopback only, SCRAM passwords, with or without TLS\n"
            "local   all          all                 scram-sha-256\n"
            "hostssl all          all  127.0.0.1/32   scram-sha-256\n"
            "host    all          all  127.0.0.1/32   scram-sha-256\n"
            "host    replication  all  127.0.0.1/32   scram-sha-256\n"
        )
        _own(hba)
        self.write_conf(cluster)
        self.start(cluster)
        self.wait_ready(cluster, primary=True)
        statements = [
            "CREATE ROLE rds_superuser NOLOGIN CREATEDB CREATEROLE",
            "GRANT pg_monitor, pg_signal_backend, pg_read_all_settings, pg_checkpoint TO rds_superuser",
            f"CREATE ROLE {identifier(master)} LOGIN CREATEDB CREATEROLE PASSWORD {literal(password)} IN ROLE rds_superuser",
            "CREATE DATABASE rdsadmin",
            "REVOKE CONNECT ON DATABASE rdsadmin FROM PUBLIC",
        ]
        if dbname:
            statements.append(f"CREATE DATABASE {identifier(dbname)} OWNER {identifier(master)}")
        cluster.sql(*statements)
        self.became_primary(cluster)

    def job_restore_pitr(self, cluster: Cluster, source: Cluster, backup: Backup, target: dt.datetime) -> None:
        self._copy(backup.path, cluster.data)
        self.write_conf(
            cluster,
            {
                "restore_command": f"'cp {source.archive}/%f %p'",
                "recovery_target_time": f"'{target.astimezone(dt.UTC).isoformat()}'",
                "recovery_target_action": "'promote'",
                "recovery_target_timeline": "'latest'",
                "recovery_target_inclusive": "on",
            },
        )
        self.signal_file(cluster, "recovery.signal")
        self.start(cluster)
        self.wait_ready(cluster, primary=True)
        self.write_conf(cluster, fresh=False)  # recovery settings out, so a later base backup does not carry them
        cluster.sql("SELECT pg_reload_conf()")
        self.became_primary(cluster)

    def job_restore_snapshot(self, cluster: Cluster, snap: SnapshotFiles) -> None:
        self._copy(snap.path, cluster.data)
        self.write_conf(cluster)
        self.start(cluster)
        self.wait_ready(cluster, primary=True)
        self.became_primary(cluster)

    @staticmethod
    def replica_conf(cluster: Cluster, source: Cluster) -> dict[str, str]:
        """Streaming from the source, and its archive as the fallback."""
        conninfo = f"host=127.0.0.1 port={source.port} user={ADMIN} password={source.admin_password} application_name={cluster.ident}"
        return {"primary_conninfo": "'" + conninfo.replace("'", "''") + "'", "restore_command": f"'cp {source.archive}/%f %p'"}

    def job_replica(self, cluster: Cluster, source: Cluster) -> None:
        _, _ = self.base_backup(source, cluster.data)
        self.write_conf(cluster, self.replica_conf(cluster, source))
        self.signal_file(cluster, "standby.signal")
        self.start(cluster)
        self.wait_ready(cluster, primary=False)
        deadline = time.monotonic() + 30  # available once it streams (its StatusInfos say replicating)
        while time.monotonic() < deadline and cluster.wal_receiver != "streaming":
            rows = cluster.sql("SELECT status FROM pg_stat_wal_receiver")
            cluster.wal_receiver = rows[0][0] if rows else None
            if cluster.wal_receiver != "streaming":
                time.sleep(0.2)
        self.set_status(cluster, "available")

    def job_promote(self, cluster: Cluster) -> None:
        self.run_pg([str(self.bindir / "pg_ctl"), "promote", "-D", str(cluster.data), "-t", "120"], timeout=150)
        self.wait_ready(cluster, primary=True)
        source = cluster.source
        self.write_conf(cluster, fresh=False)  # no primary_conninfo, no restore_command: its own archive only
        cluster.sql("SELECT pg_reload_conf()")
        from .plane import LOCK

        with LOCK:
            db = self.moto_instance(cluster)
            if db is not None:
                db.is_replica = False
                if source is not None:
                    primary = self.moto_instance(source)
                    if primary is not None:  # a cross-Region replica is listed by its ARN
                        primary.replicas = [r for r in primary.replicas if r not in (db.db_instance_identifier, db.db_instance_arn)]
                db.source_db_instance_identifier = None
        cluster.replica_lag = None
        cluster.wal_receiver = None
        cluster.replay_paused = False
        cluster.link_cut = False
        self.became_primary(cluster)

    def job_snapshot(self, cluster: Cluster, snap: SnapshotFiles) -> None:
        self.base_backup(cluster, snap.path)
        (snap.path / "slipway_instance.conf").unlink(missing_ok=True)
        snap.ready = True
        self._snapshot_status(snap, "available")

    def job_copy_snapshot(self, source: SnapshotFiles, target: SnapshotFiles) -> None:
        self._copy(source.path, target.path)
        target.ready = True
        self._snapshot_status(target, "available")

    def job_password(self, cluster: Cluster, master: str, password: str) -> None:
        from pg8000.native import identifier, literal

        cluster.sql(f"ALTER ROLE {identifier(master)} PASSWORD {literal(password)}")

    def _snapshot_status(self, snap: SnapshotFiles, status: str) -> None:
        from moto.rds.models import rds_backends

        from .plane import LOCK

        with LOCK:
            found = rds_backends[snap.account][snap.region].database_snapshots.get(snap.ident)
            if found is not None:
                found.status = status

    def _copy(self, src: Path, dest: Path) -> None:
        _mkdir(dest.parent)
        shutil.rmtree(dest, ignore_errors=True)
        subprocess.run(["cp", "-a", str(src), str(dest)], check=True, capture_output=True, timeout=300)

    def new_snapshot(self, account: str, region: str, ident: str, admin_password: str) -> SnapshotFiles:
        path = self.root() / region / "snapshots" / f"{ident}-{next(self._seq)}"
        _mkdir(path.parent.parent)
        _mkdir(path.parent)
        snap = SnapshotFiles(account, region, ident.lower(), path, admin_password)
        with self.lock:
            self.snapshots[(account, region, ident.lower())] = snap
        return snap

    def drop_snapshot(self, account: str, region: str, ident: str) -> None:
        with self.lock:
            snap = self.snapshots.pop((account, region, ident.lower()), None)
        if snap is not None:
            threading.Thread(target=shutil.rmtree, args=(snap.path,), kwargs={"ignore_errors": True}, daemon=True).start()

    # -------------------------------------------------------------- simulated outages (control endpoint only)
    def find(self, region: str, ident: str) -> Cluster | None:
        with self.lock:
            found = [c for c in self.clusters.values() if c.region == region and c.ident == ident.lower()]
        return found[0] if found else None

    def set_outage(self, cluster: Cluster, down: bool) -> None:
        """``down``: the postmaster gets SIGQUIT (immediate shutdown, no checkpoint: a crash) and is not restarted
        until ``down`` is false again; then it starts (crash recovery) in the role it had."""
        if down:
            if cluster.outage:
                return
            cluster.outage = True
            cluster.close_monitor_conn()
            proc, cluster.proc = cluster.proc, None
            if proc is not None and proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGQUIT)
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(10)
            LOG.info("RDS instance %s (%s): simulated outage, postgres stopped", cluster.ident, cluster.region)
            return
        if not cluster.outage:
            return
        self.start(cluster)
        self.wait_ready(cluster, primary=cluster.role == "primary")
        cluster.outage = False
        LOG.info("RDS instance %s (%s): simulated outage over, postgres started", cluster.ident, cluster.region)

    def set_replay(self, cluster: Cluster, paused: bool) -> None:
        if cluster.role != "replica" or cluster.outage or cluster.proc is None:
            raise ValueError(f"{cluster.ident} ({cluster.region}) is not a running read replica ({cluster.role})")
        cluster.sql("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()")
        cluster.replay_paused = paused

    def set_link(self, cluster: Cluster, connected: bool) -> None:
        """Cut a replica off its source (no ``primary_conninfo``, no ``restore_command``; reloaded, so its WAL receiver
        stops) or connect it again: what the source commits meanwhile does not reach it, as over a partitioned network."""
        source = cluster.source
        if cluster.role != "replica" or source is None or cluster.outage or cluster.proc is None:
            raise ValueError(f"{cluster.ident} ({cluster.region}) is not a running read replica ({cluster.role})")
        self.write_conf(cluster, self.replica_conf(cluster, source) if connected else {}, fresh=False)
        cluster.sql("SELECT pg_reload_conf()")
        cluster.link_cut = not connected

    # -------------------------------------------------------------- the monitor
    def _monitor_loop(self) -> None:
        while not self._stop.wait(self.settings.archive_timeout):
            with self.lock:
                clusters = list(self.clusters.values())
            for cluster in clusters:
                if cluster.dead or cluster.outage or cluster.proc is None or cluster.state in ("creating", "failed", "deleting"):
                    continue
                try:
                    self._tick(cluster)
                except Exception as exc:  # noqa: BLE001  a cluster that is stopping
                    LOG.debug("RDS instance %s: monitor: %s", cluster.ident, exc)

    def _tick(self, cluster: Cluster) -> None:
        if cluster.role == "primary":
            if cluster.state != "available":
                return
            t = cluster.monitor_run("UPDATE heartbeat SET t = clock_timestamp() WHERE id = 1 RETURNING t")[0][0]
            # The insert position, not pg_current_wal_lsn() (the write position): with synchronous_commit off the
            # heartbeat's commit record may not be written yet, and a time counted restorable before its commit
            # is archived makes a UseLatestRestorableTime recovery end before its target (PostgreSQL fails it).
            lsn = parse_lsn(cluster.monitor_run("SELECT pg_current_wal_insert_lsn()::text")[0][0])
            cluster.heartbeats.append((_parse_time(t) or utcnow(), lsn))
            last = cluster.monitor_run("SELECT last_archived_wal FROM pg_stat_archiver")[0][0]
            cluster.archived_end = max(cluster.archived_end, segment_end(last))
            while cluster.heartbeats and cluster.heartbeats[0][1] <= cluster.archived_end:
                stamp = cluster.heartbeats.popleft()[0]
                cluster.latest_restorable = stamp.replace(microsecond=stamp.microsecond // 1000 * 1000)
            if cluster.retention_days > 0 and not cluster.backup_queued and time.monotonic() - cluster.last_backup >= self.settings.backup_interval:
                cluster.backup_queued = True
                cluster.submit(functools.partial(self.automated_backup, cluster))
        elif cluster.role == "replica":
            rows = cluster.monitor_run(
                "SELECT CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0 "
                "ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 0) END"
            )
            cluster.replica_lag = float(rows[0][0])
            receiver = cluster.monitor_run("SELECT status FROM pg_stat_wal_receiver")
            cluster.wal_receiver = receiver[0][0] if receiver else None
            self._put_lag(cluster)

    def _put_lag(self, cluster: Cluster) -> None:
        from moto.cloudwatch.models import cloudwatch_backends
        from moto.core.utils import utcnow as moto_now

        from .plane import LOCK

        with LOCK:
            cloudwatch_backends[cluster.account][cluster.region].put_metric_data(
                "AWS/RDS",
                [
                    {
                        "MetricName": "ReplicaLag",
                        "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": cluster.ident}],
                        "Timestamp": moto_now(),
                        "Unit": "Seconds",
                        "Value": cluster.replica_lag or 0.0,
                    }
                ],
            )

    # -------------------------------------------------------------- report
    def report(self) -> dict[str, Any]:
        with self.lock:
            clusters = [c.report() for c in self.clusters.values()]
            snaps = [{"db_snapshot_identifier": s.ident, "region": s.region, "path": str(s.path), "ready": s.ready} for s in self.snapshots.values()]
        return {
            "enabled": self.settings.enabled,
            "root": str(self._root) if self._root else None,
            "port_base": self.settings.port_base,
            "archive_timeout": self.settings.archive_timeout,
            "backup_interval": self.settings.backup_interval,
            "instances": clusters,
            "snapshots": snaps,
        }


# ------------------------------------------------------------------ moto hooks
MANAGER: RdsPg | None = None
_INSTALLED = False


@contextlib.contextmanager
def _inner() -> Iterator[None]:
    previous = getattr(_CTX, "inner", False)
    _CTX.inner = True
    try:
        yield
    finally:
        _CTX.inner = previous


def _is_inner() -> bool:
    return getattr(_CTX, "inner", False)


def _real_class(base: type) -> type:
    if getattr(base, "_slipway_is_real", False):
        return base
    cached = getattr(base, "_slipway_real_class", None)
    if cached is not None and cached.__base__ is base:
        return cached

    class RealPostgresDBInstance(base):  # type: ignore[misc, valid-type]
        """A DB instance whose endpoint is a real PostgreSQL on loopback."""

        _slipway_is_real = True

        @property
        def address(self) -> str:
            return "127.0.0.1"

        @property
        def latest_restorable_time(self) -> dt.datetime | None:
            cluster = MANAGER.get(self.account_id, self.region, self.db_instance_identifier) if MANAGER else None
            if cluster is None or cluster.role != "primary":
                return None
            return cluster.latest_restorable

        @property
        def status_infos(self) -> list[dict[str, Any]] | None:
            """A replica's ``StatusInfos`` (``read replication``): ``replicating`` while its WAL receiver streams from
            the source, ``error`` when it does not (the source unreachable, or never connected yet)."""
            cluster = MANAGER.get(self.account_id, self.region, self.db_instance_identifier) if MANAGER else None
            if cluster is None or cluster.role != "replica" or cluster.state != "available":
                return None
            if cluster.wal_receiver == "streaming":
                return [{"StatusType": "read replication", "Normal": True, "Status": "replicating"}]
            message = f"Replication from the source is not streaming (WAL receiver: {cluster.wal_receiver or 'not running'})"
            return [{"StatusType": "read replication", "Normal": False, "Status": "error", "Message": message}]

    RealPostgresDBInstance.__name__ = base.__name__
    RealPostgresDBInstance.__qualname__ = base.__qualname__
    base._slipway_real_class = RealPostgresDBInstance  # type: ignore[attr-defined]
    return RealPostgresDBInstance


def _make_real(db: Any, cluster: Cluster) -> None:
    db.__class__ = _real_class(type(db))
    db.port = cluster.port
    db.status = "creating"


def _default_sg(backend: Any) -> list[str]:
    from moto.ec2.models import ec2_backends

    ec2 = ec2_backends[backend.account_id][backend.region_name]
    return [ec2.get_default_security_group(ec2.default_vpc.id).id]


def _restored_settings(backend: Any, db: Any, params: Any) -> None:
    """What RestoreDBInstanceToPointInTime / RestoreDBInstanceFromDBSnapshot do not copy from the source."""
    db.vpc_security_group_ids = list(_param(params, "vpc_security_group_ids", "VpcSecurityGroupIds") or []) or _default_sg(backend)
    db.db_parameter_group_name = _param(params, "db_parameter_group_name", "DBParameterGroupName") or None
    db.tags = list(_param(params, "tags", "Tags") or [])
    db.copy_tags_to_snapshot = _truthy(_param(params, "copy_tags_to_snapshot", "CopyTagsToSnapshot"))
    db.deletion_protection = _truthy(_param(params, "deletion_protection", "DeletionProtection"))
    db.multi_az = _truthy(_param(params, "multi_az", "MultiAZ"))
    db.is_replica = False
    db.replicas = []
    db.source_db_instance_identifier = None


def _error(code: str, message: str) -> Exception:
    from moto.rds.exceptions import RDSClientError

    return RDSClientError(code, message)


def _real_wanted(db_kwargs: Any) -> bool:
    engine = str(_param(db_kwargs, "engine", "Engine") or "").lower()
    return bool(MANAGER and MANAGER.settings.enabled and engine == "postgres" and not _param(db_kwargs, "db_cluster_identifier", "DBClusterIdentifier"))


def install(settings: Any) -> RdsPg:
    """Wrap moto's RDS backend (class level, survives /moto-api/reset) and mount ``/_slipway/rds``."""
    global MANAGER, _INSTALLED
    MANAGER = RdsPg(RdsPgSettings.from_env(settings.listener_port_base))
    if _INSTALLED:
        return MANAGER
    _INSTALLED = True

    from moto.moto_api._internal.models import MotoAPIBackend
    from moto.rds.exceptions import DBInstanceAlreadyExists
    from moto.rds.models import RDSBackend, rds_backends

    from . import routes

    mgr = lambda: MANAGER  # noqa: E731  the current manager (install may run again with new settings in tests)

    # CreateDBInstance
    orig_create = RDSBackend.create_db_instance

    @functools.wraps(orig_create)
    def create_db_instance(self: Any, db_kwargs: Any) -> Any:
        if _is_inner() or not _real_wanted(db_kwargs):
            return orig_create(self, db_kwargs)
        m = mgr()
        assert m is not None
        db = orig_create(self, db_kwargs)
        password = _param(db_kwargs, "master_user_password", "MasterUserPassword")
        if getattr(db, "manage_master_user_password", False):
            with contextlib.suppress(Exception):
                password = json.loads(db.master_user_secret.secret.secret_string)["password"]
        master = db.master_username or "postgres"
        if not password:
            raise _error("InvalidParameterValue", "MasterUserPassword or ManageMasterUserPassword is required for engine postgres")
        cluster = m.new_cluster(self.account_id, self.region_name, db.db_instance_identifier, secrets.token_urlsafe(24), "primary")
        cluster.retention_days = int(db.backup_retention_period or 0)
        _make_real(db, cluster)
        cluster.submit(functools.partial(m.job_create, cluster, master, password, db.db_name))
        return db

    RDSBackend.create_db_instance = create_db_instance  # type: ignore[method-assign]

    # RestoreDBInstanceToPointInTime
    orig_pitr = RDSBackend.restore_db_instance_to_point_in_time

    @functools.wraps(orig_pitr)
    def restore_db_instance_to_point_in_time(self: Any, source_db_identifier: str, target_db_identifier: str, overrides: Any) -> Any:
        m = mgr()
        source = m.get(self.account_id, self.region_name, source_db_identifier) if m else None
        if source is None:
            return orig_pitr(self, source_db_identifier, target_db_identifier, overrides)
        if target_db_identifier.lower() in self.databases:
            raise DBInstanceAlreadyExists()
        restore_time = _parse_time(_param(overrides, "restore_time", "RestoreTime"))
        latest = _truthy(_param(overrides, "use_latest_restorable_time", "UseLatestRestorableTime"))
        if restore_time is not None and latest:
            raise _error("InvalidParameterCombination", "Cannot specify both RestoreTime and UseLatestRestorableTime")
        if restore_time is None and not latest:
            raise _error("InvalidParameterCombination", "One of RestoreTime or UseLatestRestorableTime must be specified")
        if source.retention_days <= 0:
            raise _error("PointInTimeRestoreNotEnabled", f"Point-in-time restore is not enabled for DB instance {source.ident}: its BackupRetentionPeriod is 0")
        if source.role != "primary" or source.state not in ("available", "modifying", "backing-up"):
            raise _error("InvalidDBInstanceState", f"DB instance {source.ident} is not in a state that can be restored from ({source.state}, {source.role})")
        earliest, newest = source.earliest_restorable(), source.latest_restorable
        target = newest if latest else restore_time
        if earliest is None or newest is None or target is None or not earliest < target <= newest:
            window = f"[{earliest.isoformat() if earliest else 'none'}, {newest.isoformat() if newest else 'none'}]"
            raise _error(
                "InvalidRestoreFault",
                f"The restore time {target.isoformat() if target else 'none'} is outside the restorable window {window} of DB instance {source.ident}",
            )
        backup = [b for b in source.backups if b.end < target][-1]
        with _inner():
            db = orig_pitr(self, source_db_identifier, target_db_identifier, overrides)
        _restored_settings(self, db, overrides)
        cluster = m.new_cluster(self.account_id, self.region_name, db.db_instance_identifier, source.admin_password, "restoring")
        cluster.retention_days = int(db.backup_retention_period or 0)
        _make_real(db, cluster)
        LOG.info(
            "RDS instance %s: point-in-time restore of %s to %s from the base backup of %s",
            cluster.ident,
            source.ident,
            target.isoformat(),
            backup.end.isoformat(),
        )
        cluster.submit(functools.partial(m.job_restore_pitr, cluster, source, backup, target))
        return db

    RDSBackend.restore_db_instance_to_point_in_time = restore_db_instance_to_point_in_time  # type: ignore[method-assign]

    # CreateDBSnapshot (also DeleteDBInstance's final snapshot)
    orig_snapshot = RDSBackend.create_db_snapshot

    @functools.wraps(orig_snapshot)
    def create_db_snapshot(self: Any, db_instance_identifier: str, db_snapshot_identifier: str, *args: Any, **kwargs: Any) -> Any:
        m = mgr()
        cluster = m.get(self.account_id, self.region_name, db_instance_identifier) if m else None
        if cluster is None:
            return orig_snapshot(self, db_instance_identifier, db_snapshot_identifier, *args, **kwargs)
        if cluster.state not in ("available", "backing-up"):
            raise _error("InvalidDBInstanceState", f"DB instance {cluster.ident} is not available ({cluster.state})")
        snap = orig_snapshot(self, db_instance_identifier, db_snapshot_identifier, *args, **kwargs)
        snap.status = "creating"
        files = m.new_snapshot(self.account_id, self.region_name, snap.db_snapshot_identifier, cluster.admin_password)
        cluster.submit(functools.partial(m.job_snapshot, cluster, files))
        return snap

    RDSBackend.create_db_snapshot = create_db_snapshot  # type: ignore[method-assign]

    # CopyDBSnapshot
    orig_copy = RDSBackend.copy_db_snapshot

    @functools.wraps(orig_copy)
    def copy_db_snapshot(
        self: Any, source_db_snapshot_identifier: str, target_db_snapshot_identifier: str, kms_key_id: str | None = None, *args: Any, **kwargs: Any
    ) -> Any:
        m = mgr()
        src_region, name = self.region_name, source_db_snapshot_identifier
        if source_db_snapshot_identifier.startswith("arn:"):
            parts = source_db_snapshot_identifier.split(":")
            src_region, name = parts[3], parts[-1]
        files = m.snapshot(self.account_id, src_region, name) if m else None
        if files is None:
            return orig_copy(self, source_db_snapshot_identifier, target_db_snapshot_identifier, kms_key_id, *args, **kwargs)
        if not files.ready:
            raise _error("InvalidDBSnapshotState", f"DB snapshot {name} is not available yet")
        source_snap = rds_backends[self.account_id][src_region].database_snapshots.get(name.lower())
        if src_region != self.region_name and source_snap is not None and source_snap.encrypted and not kms_key_id:
            raise _error(
                "InvalidParameterValue",
                f"KmsKeyId is required to copy the encrypted DB snapshot {name} to another Region ({src_region} -> {self.region_name}): "
                "KMS keys are specific to the Region they are created in",
            )
        snap = orig_copy(self, source_db_snapshot_identifier, target_db_snapshot_identifier, kms_key_id, *args, **kwargs)
        snap.status = "creating"
        target = m.new_snapshot(self.account_id, self.region_name, snap.db_snapshot_identifier, files.admin_password)

        def copy() -> None:
            try:
                m.job_copy_snapshot(files, target)
            except Exception as exc:
                LOG.exception("copying DB snapshot %s", name)
                target.error = str(exc)
                m._snapshot_status(target, "failed")

        threading.Thread(target=copy, name=f"rds-pg-copy-{target.ident}", daemon=True).start()
        return snap

    RDSBackend.copy_db_snapshot = copy_db_snapshot  # type: ignore[method-assign]

    # DeleteDBSnapshot
    orig_delete_snapshot = RDSBackend.delete_db_snapshot

    @functools.wraps(orig_delete_snapshot)
    def delete_db_snapshot(self: Any, db_snapshot_identifier: str) -> Any:
        snap = orig_delete_snapshot(self, db_snapshot_identifier)
        m = mgr()
        if m is not None:
            m.drop_snapshot(self.account_id, self.region_name, db_snapshot_identifier)
        return snap

    RDSBackend.delete_db_snapshot = delete_db_snapshot  # type: ignore[method-assign]

    # RestoreDBInstanceFromDBSnapshot
    orig_from_snapshot = RDSBackend.restore_db_instance_from_db_snapshot

    @functools.wraps(orig_from_snapshot)
    def restore_db_instance_from_db_snapshot(self: Any, from_snapshot_id: str, overrides: Any) -> Any:
        m = mgr()
        name = from_snapshot_id.split(":")[-1] if from_snapshot_id.startswith("arn:") else from_snapshot_id
        files = m.snapshot(self.account_id, self.region_name, name) if m else None
        if files is None:
            return orig_from_snapshot(self, from_snapshot_id, overrides)
        target_id = str(_param(overrides, "db_instance_identifier", "DBInstanceIdentifier") or "").lower()
        if target_id in self.databases:
            raise DBInstanceAlreadyExists()
        if not files.ready:
            raise _error("InvalidDBSnapshotState", f"DB snapshot {name} is not available yet")
        with _inner():
            db = orig_from_snapshot(self, from_snapshot_id, overrides)
        _restored_settings(self, db, overrides)
        cluster = m.new_cluster(self.account_id, self.region_name, db.db_instance_identifier, files.admin_password, "restoring")
        cluster.retention_days = int(db.backup_retention_period or 0)
        _make_real(db, cluster)
        cluster.submit(functools.partial(m.job_restore_snapshot, cluster, files))
        return db

    RDSBackend.restore_db_instance_from_db_snapshot = restore_db_instance_from_db_snapshot  # type: ignore[method-assign]

    # CreateDBInstanceReadReplica
    orig_replica = RDSBackend.create_db_instance_read_replica

    @functools.wraps(orig_replica)
    def create_db_instance_read_replica(self: Any, db_kwargs: Any) -> Any:
        m = mgr()
        source_id = str(_param(db_kwargs, "source_db_instance_identifier", "SourceDBInstanceIdentifier") or "")
        src_region, name = self.region_name, source_id
        if source_id.startswith("arn:"):
            parts = source_id.split(":")
            src_region, name = parts[3], parts[-1]
        source = m.get(self.account_id, src_region, name) if m else None
        if source is None:
            return orig_replica(self, db_kwargs)
        target_id = str(_param(db_kwargs, "db_instance_identifier", "DBInstanceIdentifier") or "").lower()
        if target_id in self.databases:
            raise DBInstanceAlreadyExists()
        if source.role != "primary" or source.state != "available" or source.outage:
            state = "unreachable" if source.outage else source.state
            raise _error("InvalidDBInstanceState", f"DB instance {source.ident} is not available as a read replica source ({state}, {source.role})")
        cross = src_region != self.region_name
        kms_key = _param(db_kwargs, "kms_key_id", "KmsKeyId")
        if cross:
            source_db = rds_backends[self.account_id][src_region].databases.get(name.lower())
            if source_db is not None and source_db.storage_encrypted and not kms_key:
                raise _error(
                    "InvalidParameterValue",
                    f"KmsKeyId is required to create a cross-Region read replica of the encrypted DB instance {name} "
                    f"({src_region} -> {self.region_name}): KMS keys are specific to the Region they are created in",
                )
        if kms_key:
            kms_key = self._validate_kms_key(kms_key)  # a key of another Region or none: KMSKeyNotAccessibleFault
        with _inner():
            db = orig_replica(self, db_kwargs)
        db.tags = list(_param(db_kwargs, "tags", "Tags") or [])
        if cross:
            # the CreateDBInstanceReadReplica reference: a cross-Region replica gets the engine's default parameter
            # group and the default VPC security group unless given; the source's groups are in another Region
            db.vpc_security_group_ids = list(_param(db_kwargs, "vpc_security_group_ids", "VpcSecurityGroupIds") or []) or _default_sg(self)
            db.db_parameter_group_name = _param(db_kwargs, "db_parameter_group_name", "DBParameterGroupName") or None
            if not _param(db_kwargs, "db_subnet_group_name", "DBSubnetGroupName"):
                db.db_subnet_group = None
        if kms_key:
            db.kms_key_id = kms_key
        cluster = m.new_cluster(self.account_id, self.region_name, db.db_instance_identifier, source.admin_password, "replica")
        cluster.source = source
        cluster.retention_days = 0  # AWS: a PostgreSQL read replica has no automated backups
        db.backup_retention_period = 0
        _make_real(db, cluster)
        cluster.submit(functools.partial(m.job_replica, cluster, source))
        return db

    RDSBackend.create_db_instance_read_replica = create_db_instance_read_replica  # type: ignore[method-assign]

    # PromoteReadReplica
    orig_promote = RDSBackend.promote_read_replica

    @functools.wraps(orig_promote)
    def promote_read_replica(self: Any, db_kwargs: Any) -> Any:
        m = mgr()
        ident = str(_param(db_kwargs, "db_instance_identifier", "DBInstanceIdentifier") or "")
        cluster = m.get(self.account_id, self.region_name, ident) if m else None
        if cluster is None:
            return orig_promote(self, db_kwargs)
        db = self.describe_db_instances(ident)[0]
        if cluster.role != "replica":
            raise _error("InvalidDBInstanceState", f"DB instance {cluster.ident} is not a read replica.")
        if cluster.state != "available":
            raise _error("InvalidDBInstanceState", f"DB instance {cluster.ident} is not available ({cluster.state})")
        retention = _param(db_kwargs, "backup_retention_period", "BackupRetentionPeriod")
        cluster.retention_days = int(retention) if retention is not None else 1
        db.backup_retention_period = cluster.retention_days
        db.status = cluster.state = "modifying"
        cluster.submit(functools.partial(m.job_promote, cluster))
        return db

    RDSBackend.promote_read_replica = promote_read_replica  # type: ignore[method-assign]

    # ModifyDBInstance: a new master password reaches the database
    orig_modify = RDSBackend.modify_db_instance

    @functools.wraps(orig_modify)
    def modify_db_instance(self: Any, db_instance_identifier: str, db_kwargs: Any) -> Any:
        db = orig_modify(self, db_instance_identifier, db_kwargs)
        m = mgr()
        cluster = m.get(self.account_id, self.region_name, db_instance_identifier) if m else None
        password = _param(db_kwargs, "master_user_password", "MasterUserPassword")
        if cluster is not None and password:
            cluster.submit(functools.partial(m.job_password, cluster, db.master_username, password))
        retention = _param(db_kwargs, "backup_retention_period", "BackupRetentionPeriod")
        if cluster is not None and retention is not None and cluster.role == "primary":
            cluster.retention_days = int(retention)
        return db

    RDSBackend.modify_db_instance = modify_db_instance  # type: ignore[method-assign]

    # DeleteDBInstance
    orig_delete = RDSBackend.delete_db_instance

    @functools.wraps(orig_delete)
    def delete_db_instance(
        self: Any,
        db_instance_identifier: str,
        final_db_snapshot_identifier: str | None = None,
        skip_final_snapshot: bool | None = False,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        m = mgr()
        cluster = m.get(self.account_id, self.region_name, db_instance_identifier) if m else None
        if cluster is None:
            return orig_delete(self, db_instance_identifier, final_db_snapshot_identifier, skip_final_snapshot, *args, **kwargs)
        skip = _truthy(skip_final_snapshot)
        if not skip and not final_db_snapshot_identifier and cluster.role != "replica":
            raise _error("InvalidParameterCombination", "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.")
        if skip or cluster.role == "replica":
            final_db_snapshot_identifier = None
        db = orig_delete(self, db_instance_identifier, final_db_snapshot_identifier, skip, *args, **kwargs)
        cluster.state = "deleting"
        cluster.submit(functools.partial(m.teardown, cluster))
        return db

    RDSBackend.delete_db_instance = delete_db_instance  # type: ignore[method-assign]

    # /moto-api/reset: every cluster stopped and removed
    orig_reset = MotoAPIBackend.reset

    @functools.wraps(orig_reset)
    def reset(self: Any) -> None:
        orig_reset(self)
        m = mgr()
        if m is not None:
            m.stop_all()

    MotoAPIBackend.reset = reset  # type: ignore[method-assign]

    def handler(environ: dict[str, Any], start_response: Any) -> Any:
        m = mgr()
        path = environ.get("PATH_INFO", "").rstrip("/")
        if environ.get("REQUEST_METHOD", "GET") != "POST" or m is None:
            return routes.json_answer(start_response, "200 OK", m.report() if m else {"enabled": False})
        if path not in ("/_slipway/rds/outage", "/_slipway/rds/replay", "/_slipway/rds/link"):
            error = f"no control {path}; POST /_slipway/rds/outage, /_slipway/rds/replay or /_slipway/rds/link"
            return routes.json_answer(start_response, "404 Not Found", {"error": error})
        try:
            body = routes.read_json(environ)
            region, ident = str(body.get("region") or ""), str(body.get("db_instance_identifier") or "")
        except (ValueError, AttributeError) as exc:
            return routes.json_answer(start_response, "400 Bad Request", {"error": f"a JSON object with region and db_instance_identifier: {exc}"})
        cluster = m.find(region, ident)
        if cluster is None:
            return routes.json_answer(start_response, "404 Not Found", {"error": f"no real RDS instance {ident!r} in {region!r}"})
        try:
            if path.endswith("/outage"):
                m.set_outage(cluster, bool(body.get("down", True)))
            elif path.endswith("/replay"):
                m.set_replay(cluster, bool(body.get("paused", True)))
            else:
                m.set_link(cluster, bool(body.get("connected", False)))
        except Exception as exc:  # noqa: BLE001  answered to the caller
            return routes.json_answer(start_response, "409 Conflict", {"error": str(exc)})
        return routes.json_answer(start_response, "200 OK", cluster.report())

    routes.mount("/_slipway/rds", handler)
    return MANAGER
