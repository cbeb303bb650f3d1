"""The rotation suite: a real PostgreSQL server and the emulator's Secrets Manager over HTTP.

``pytest tests/rotation`` (about half a minute). One PostgreSQL cluster
(tests/support/postgres.py: 127.0.0.1, port 5460 or the next free one,
``SLIPWAY_TEST_PG_PORT`` pins it) and one emulator (API 4690, listener base
16000, ``SLIPWAY_ROTATION_EMULATOR_PORT`` / ``SLIPWAY_ROTATION_LISTENER_BASE``
pin them) for the session; every test makes roles, tables and secrets with
names of its own.

Every test runs under ``leak_guard``: it records every log record, every
exception text a test hands it and the server's log lines of the test, and
fails the test when any password the test's secrets ever held (every version,
read back from the emulator) or the superuser's appears in them.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import secrets
import shutil
import tempfile
import traceback
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.secrets import pg_rotation as core

from tests.support.emulator import Emulator, private_emulator
from tests.support.postgres import PostgresServer

DB = "appdb"


@pytest.fixture(scope="session")
def pg() -> Iterator[PostgresServer]:
    server = PostgresServer.start_new()
    try:
        server.execute(f"CREATE DATABASE {DB}")
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    tmp = Path(tempfile.mkdtemp(prefix="slipway-rotation-"))
    try:
        with private_emulator(tmp / "emulator", "ROTATION", 4690, 16000) as emu:
            yield emu
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def sm(emulator: Emulator) -> Any:
    return emulator.client("secretsmanager")


@pytest.fixture(scope="session")
def connect(pg: PostgresServer) -> Any:
    """The core's connect, trusting the test server's self-signed certificate (for verify-full)."""
    return functools.partial(core.default_connect, cafile=str(pg.ca_file))


# ------------------------------------------------------------------ the leak guard
class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # noqa: BLE001  a record that cannot be formatted is kept raw
            self.lines.append(repr(record.msg))
        if record.exc_info and record.exc_info[1] is not None:
            self.lines.append("".join(traceback.format_exception(record.exc_info[1])))


@dataclass
class LeakGuard:
    sm: Any
    pg: PostgresServer
    secret_ids: list[str] = field(default_factory=list)
    passwords: set[str] = field(default_factory=set)
    texts: list[str] = field(default_factory=list)
    capture: _Capture = field(default_factory=_Capture)

    def track(self, secret_id: str) -> None:
        self.secret_ids.append(secret_id)

    def note(self, text: Any) -> None:
        self.texts.append(str(text))

    def exception(self, exc: BaseException) -> BaseException:
        self.texts.append(str(exc))
        self.texts.append(repr(exc))
        self.texts.append("".join(traceback.format_exception(exc)))
        return exc

    @contextlib.contextmanager
    def raises(self, cls: type[BaseException], *fragments: str) -> Iterator[Any]:
        """``pytest.raises`` that records the exception's texts for the leak check and checks ``fragments`` are in its message."""
        with pytest.raises(cls) as info:
            yield info
        self.exception(info.value)
        message = str(info.value)
        missing = [f for f in fragments if f not in message]
        assert not missing, f"the {cls.__name__} message lacks {missing}: {message}"

    def known_passwords(self) -> set[str]:
        found = set(self.passwords) | {self.pg.superuser_password}
        for secret_id in self.secret_ids:
            with contextlib.suppress(Exception):
                for version in self.sm.list_secret_version_ids(SecretId=secret_id, IncludeDeprecated=True)["Versions"]:
                    with contextlib.suppress(Exception):
                        value = self.sm.get_secret_value(SecretId=secret_id, VersionId=version["VersionId"])["SecretString"]
                        with contextlib.suppress(ValueError, TypeError, AttributeError):
                            password = json.loads(value).get("password")
                            if password:
                                found.add(password)
        return {p for p in found if len(p) >= 8}


@pytest.fixture(autouse=True)
def leak_guard(request: pytest.FixtureRequest) -> Iterator[LeakGuard | None]:
    if "pg" not in request.fixturenames:
        yield None
        return
    pg: PostgresServer = request.getfixturevalue("pg")
    guard = LeakGuard(request.getfixturevalue("sm"), pg)
    capture = guard.capture
    capture.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    for noisy in ("botocore", "boto3", "urllib3", "s3transfer"):  # their DEBUG lines carry request bodies: not ours to judge
        logging.getLogger(noisy).setLevel(logging.INFO)
    log_start = len(pg.log_text())
    request.node.slipway_leak_guard = guard
    try:
        yield guard
    finally:
        root.removeHandler(capture)
        root.setLevel(old_level)
    server_log = pg.log_text()[log_start:]
    texts = {"log records": "\n".join(capture.lines), "exception texts": "\n".join(guard.texts), "PostgreSQL server log": server_log}
    leaks = [(where, f"password #{i}") for i, password in enumerate(sorted(guard.known_passwords())) for where, text in texts.items() if password in text]
    assert not leaks, f"passwords appeared in output: {leaks} (values not shown)"


# ------------------------------------------------------------------ building a world
def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def new_password() -> str:
    return secrets.token_urlsafe(24)


@dataclass
class App:
    """One application's database objects and secret."""

    secret_id: str
    username: str
    password: str
    table: str
    owner: str | None = None
    master_id: str | None = None
    grants: list[dict[str, str]] = field(default_factory=list)


def create_role(pg: PostgresServer, role: str, password: str, *extra: str) -> None:
    """A login role whose password reaches the server only as a SCRAM verifier (the server logs every statement)."""
    verifier = core.scram_verifier(password)
    pg.execute(f"CREATE ROLE {core.quote_ident(role)} LOGIN PASSWORD {core.quote_literal(verifier)} {' '.join(extra)}")


def put_secret(sm: Any, guard: LeakGuard | None, name: str, value: dict[str, Any]) -> str:
    arn = sm.create_secret(Name=name, SecretString=json.dumps(value))["ARN"]
    if guard is not None:
        guard.track(name)
        if value.get("password"):
            guard.passwords.add(str(value["password"]))
    return arn


def single_user_app(pg: PostgresServer, sm: Any, guard: LeakGuard | None, **secret_extra: Any) -> App:
    """A role owning nothing, granted what the application needs on a table owned by the superuser."""
    role, password, table = unique("svc"), new_password(), unique("orders")
    create_role(pg, role, password)
    pg.execute(
        f"CREATE TABLE public.{table} (id serial PRIMARY KEY, note text)",
        f"GRANT SELECT, INSERT ON public.{table} TO {role}",
        f"GRANT USAGE ON SEQUENCE public.{table}_id_seq TO {role}",
        f"GRANT CONNECT ON DATABASE {DB} TO {role}",
        database=DB,
    )
    name = unique("rds/app")
    value = {"engine": "postgres", "host": pg.host, "port": pg.port, "username": role, "password": password, "dbname": DB, **secret_extra}
    put_secret(sm, guard, name, value)
    grants = [
        {"privilege": "SELECT, INSERT", "table": f"public.{table}"},
        {"privilege": "CONNECT", "database": DB},
        {"privilege": "USAGE", "schema": "public"},
    ]
    return App(name, role, password, table, grants=grants)


def alternating_app(pg: PostgresServer, sm: Any, guard: LeakGuard | None, **secret_extra: Any) -> App:
    """An owner role (NOLOGIN) owning the application's table, one login role in it, the master secret (the superuser)."""
    owner, role, password, table = unique("own"), unique("app"), new_password(), unique("items")
    pg.execute(f"CREATE ROLE {owner} NOLOGIN", database=DB)
    create_role(pg, role, password, "INHERIT")
    pg.execute(
        f"GRANT {owner} TO {role}",
        f"ALTER ROLE {role} SET role = '{owner}'",
        f"GRANT CONNECT, CREATE ON DATABASE {DB} TO {owner}",
        f"GRANT USAGE, CREATE ON SCHEMA public TO {owner}",
        database=DB,
    )
    master_name = unique("rds/master")
    master_arn = put_secret(sm, guard, master_name, pg.admin_secret(DB))
    name = unique("rds/app")
    value = {
        "engine": "postgres",
        "host": pg.host,
        "port": pg.port,
        "username": role,
        "password": password,
        "dbname": DB,
        "masterarn": master_arn,
        "ownerrole": owner,
        **secret_extra,
    }
    put_secret(sm, guard, name, value)
    # The application's table, created by the application (so: owned by the owner role).
    conn = pg.connect(role, password, DB)
    try:
        conn.run(f"CREATE TABLE public.{table} (id serial PRIMARY KEY, note text)")
    finally:
        conn.close()
    grants = [{"privilege": "SELECT, INSERT, UPDATE, DELETE", "table": f"public.{table}"}, {"privilege": "CONNECT", "database": DB}]
    return App(name, role, password, table, owner=owner, master_id=master_name, grants=grants)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """A failure's report (pytest shows the arguments of every frame, e.g. a secret string passed to boto3) with every
    password the test's secrets held blanked out: secrets never reach a test failure message either."""
    outcome = yield
    report = outcome.get_result()
    guard = getattr(item, "slipway_leak_guard", None)
    if guard is None or not (report.failed or report.sections):
        return
    passwords = sorted(guard.known_passwords(), key=len, reverse=True)

    # pytest shortens long values ("abcdefghijkl...uvwxyz"): every piece of 8 characters or more goes too.
    pieces = sorted({p[i : i + n] for p in passwords for n in range(8, len(p) + 1) for i in range(len(p) - n + 1)}, key=len, reverse=True)

    def redact(text: str) -> str:
        for piece in pieces:
            if piece in text:
                text = text.replace(piece, "********")
        return text

    if report.failed and report.longrepr is not None:
        report.longrepr = redact(str(report.longrepr))
    report.sections = [(title, redact(body)) for title, body in report.sections]
