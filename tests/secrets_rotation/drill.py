"""The zero-failed-logins drill: N clients loop connect-query-disconnect against a real PostgreSQL while a
secret is rotated, each taking its credentials from Secrets Manager the way an application does: read once
and cached, re-read on an authentication failure (SQLSTATE 28P01/28000), then retried.

Counted: logins, failed logins (authentication refusals), other errors (e.g. capacity), and per client the
stale-credential time -- from a client's first refused login with a credential to its next successful
login: how long it kept using a credential that no longer worked. No pytest here: benchmarks/secret_drill.py
runs it too. Threads, not processes: a login is mostly waiting on the server (TLS off, SCRAM's PBKDF2 runs
in hashlib without the GIL), and ``Result.logins_per_second`` shows the clients kept the server busy.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.secrets import pg_rotation as core

from tests.support.postgres import PostgresServer

AUTH = ("28P01", "28000")


@dataclass
class Result:
    strategy: str
    clients: int
    logins: int = 0
    failed_logins: int = 0
    other_errors: int = 0
    longest_stale_seconds: float = 0.0
    rotation_seconds: float = 0.0
    drill_seconds: float = 0.0
    secret_rereads: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def logins_per_second(self) -> float:
        return self.logins / self.drill_seconds if self.drill_seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "clients": self.clients,
            "logins": self.logins,
            "failed_logins": self.failed_logins,
            "other_errors": self.other_errors,
            "longest_stale_credential_seconds": round(self.longest_stale_seconds, 3),
            "rotation_seconds": round(self.rotation_seconds, 3),
            "drill_seconds": round(self.drill_seconds, 3),
            "logins_per_second": round(self.logins_per_second, 1),
            "secret_rereads": self.secret_rereads,
        }


class _Client(threading.Thread):
    def __init__(
        self, pg: PostgresServer, sm_factory: Callable[[], Any], secret_id: str, table: str, stop: threading.Event, result: Result, lock: threading.Lock
    ):
        super().__init__(daemon=True)
        self.pg, self.sm, self.secret_id, self.table = pg, sm_factory(), secret_id, table
        self.stop, self.result, self.lock = stop, result, lock
        self.creds: dict[str, Any] | None = None
        self.stale_since: float | None = None

    def read_secret(self) -> None:
        self.creds = json.loads(self.sm.get_secret_value(SecretId=self.secret_id)["SecretString"])

    def run(self) -> None:
        logins = failed = other = rereads = 0
        longest = 0.0
        self.read_secret()
        while not self.stop.is_set():
            creds = self.creds or {}
            try:
                conn = self.pg.connect(creds["username"], creds["password"], creds.get("dbname") or "postgres")
            except Exception as exc:  # noqa: BLE001  pg8000's refusal, read by SQLSTATE
                if core._sqlstate(exc) in AUTH:  # pylint: disable=protected-access
                    failed += 1
                    self.stale_since = self.stale_since or time.monotonic()
                    self.read_secret()  # what an application does: the secret changed, read it again
                    rereads += 1
                else:
                    other += 1
                    if len(self.result.errors) < 5:
                        self.result.errors.append(f"{type(exc).__name__} SQLSTATE {core._sqlstate(exc)}")  # pylint: disable=protected-access
                time.sleep(0.01)
                continue
            try:
                conn.run(f"SELECT count(*) FROM {self.table}")  # noqa: S608  a table name of the test's own
            except Exception:  # noqa: BLE001  a query error is not a login error
                other += 1
            finally:
                conn.close()
            logins += 1
            if self.stale_since is not None:
                longest = max(longest, time.monotonic() - self.stale_since)
                self.stale_since = None
        with self.lock:
            r = self.result
            r.logins += logins
            r.failed_logins += failed
            r.other_errors += other
            r.secret_rereads += rereads
            r.longest_stale_seconds = max(r.longest_stale_seconds, longest)


def run_drill(
    pg: PostgresServer,
    sm_factory: Callable[[], Any],
    secret_id: str,
    table: str,
    strategy: str,
    rotate: Callable[[], Any],
    *,
    clients: int = 50,
    before: float = 1.0,
    after: float = 1.5,
) -> Result:
    """``clients`` threads loop from ``before`` seconds before ``rotate()`` until ``after`` seconds after it returned."""
    result = Result(strategy=strategy, clients=clients)
    stop, lock = threading.Event(), threading.Lock()
    threads = [_Client(pg, sm_factory, secret_id, table, stop, result, lock) for _index in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(before)
    t0 = time.monotonic()
    rotate()
    result.rotation_seconds = time.monotonic() - t0
    time.sleep(after)
    stop.set()
    for thread in threads:
        thread.join(30)
    result.drill_seconds = time.monotonic() - started
    return result
