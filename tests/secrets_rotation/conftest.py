"""The rotation suite: the pg_rotation function deployed by Terraform, the on-call playbook, the drill.

``pytest tests/secrets_rotation`` -- its own emulator (API 4820, receiver 4821, listener base 18000;
``SLIPWAY_SECRETS_ROTATION_EMULATOR_PORT`` / ``..._LISTENER_BASE`` pin them) and its own PostgreSQL
(127.0.0.1:5470 or the next free port; ``SLIPWAY_SECRETS_ROTATION_PG_PORT`` pins it), for the session.
``deployed`` applies terraform/environments/local with ``rotation_database`` pointing at that server
(``-target=module.rotation``, about 30 s): two secrets, one single user and one alternating users,
each with its function. Tests of the playbook make secrets of their own (unique role names).

Every text a test produces through ``run_playbook`` (stdout, stderr, the report files it wrote) is kept
in ``OUTPUTS``; test_leaks.py searches them all for every password any tracked secret ever held.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support import BIN, ROOT
from tests.support.emulator import Emulator, env_port, private_emulator
from tests.support.postgres import PostgresServer

from . import world

# Every playbook run's output and written files, and every secret created: the leak test reads them.
OUTPUTS: list[tuple[str, str]] = []
TRACKED: list[str] = []


@dataclass
class Run:
    rc: int
    stdout: str
    stderr: str
    reports: list[dict[str, Any]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.stdout + "\n" + self.stderr


@pytest.fixture(scope="session")
def tmp_session() -> Iterator[Path]:
    tmp = Path(tempfile.mkdtemp(prefix="slipway-secrets-rotation-"))
    yield tmp
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def pg() -> Iterator[PostgresServer]:
    server = PostgresServer.start_new(port=env_port("SLIPWAY_SECRETS_ROTATION_PG_PORT") or world.pick_pg_port(5470))
    try:
        world.make_database(server)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def emulator(tmp_session: Path) -> Iterator[Emulator]:
    with private_emulator(tmp_session / "emulator", "SECRETS_ROTATION", 4820, 18000) as emu:
        yield emu


@pytest.fixture(scope="session")
def sm(emulator: Emulator) -> Any:
    return emulator.client("secretsmanager")


@pytest.fixture(scope="session")
def deployed(tmp_session: Path, emulator: Emulator, pg: PostgresServer, sm: Any) -> world.Deployed:
    d = world.deploy(tmp_session, emulator.env, pg, sm)
    TRACKED.extend([*d.secret_ids.values(), d.master_id])
    return d


# ------------------------------------------------------------------ secrets of a test's own
def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


@dataclass
class App:
    secret_id: str
    arn: str
    username: str
    table: str
    grants: list[dict[str, str]]
    owner: str | None = None


def single_app(pg: PostgresServer, sm: Any, **extra: Any) -> App:
    role, password, table = unique("sr"), world.new_password(), f"public.{unique('orders')}"
    world.make_single(pg, role, password, table)
    name = f"slipway/local/user/{role}"
    arn = sm.create_secret(Name=name, SecretString=json.dumps(world.secret_value(pg, role, password, **extra)))["ARN"]
    TRACKED.append(name)
    return App(name, arn, role, table, world.grants_for(table))


def alternating_app(pg: PostgresServer, sm: Any, **extra: Any) -> App:
    owner, role, password, table = unique("own"), unique("ar"), world.new_password(), f"public.{unique('items')}"
    world.make_alternating(pg, role, password, owner, table)
    master = f"slipway/local/master/{role}"
    master_arn = sm.create_secret(Name=master, SecretString=json.dumps(pg.admin_secret(world.DB)))["ARN"]
    name = f"slipway/local/user/{role}"
    value = world.secret_value(pg, role, password, masterarn=master_arn, ownerrole=owner, **extra)
    arn = sm.create_secret(Name=name, SecretString=json.dumps(value))["ARN"]
    TRACKED.extend([master, name])
    grants = [{"privilege": "SELECT, INSERT, UPDATE, DELETE", "table": table}, {"privilege": "CONNECT", "database": world.DB}]
    return App(name, arn, role, table, grants, owner)


# ------------------------------------------------------------------ the playbook
@pytest.fixture
def run_playbook(emulator: Emulator, tmp_path: Path) -> Any:
    """``run_playbook(secret, settings=None, *args, **extra)``: rotate_secret.yml against the suite's emulator,
    the settings as the inventory would hold them, the report in a directory of the test's own."""

    def run(secret: str | None, settings: dict[str, Any] | None = None, *args: str, playbook: str = "playbooks/rotate_secret.yml", **extra: Any) -> Run:
        reports = tmp_path / f"reports-{uuid.uuid4().hex[:6]}"
        variables: dict[str, Any] = {"secret_rotate_report_dir": str(reports), "secret_rotation_audit_report_dir": str(reports), **extra}
        if secret is not None:
            variables["secret"] = secret
            variables["slipway_secret_rotation"] = {secret: settings or {}}
        cmd = [str(BIN / "ansible-playbook"), playbook, "-i", "inventories/local", "-e", json.dumps(variables), *args]
        proc = subprocess.run(cmd, cwd=ROOT, env=emulator.env, capture_output=True, text=True, timeout=300, check=False)
        OUTPUTS.append((f"{playbook} {secret} stdout", proc.stdout))
        OUTPUTS.append((f"{playbook} {secret} stderr", proc.stderr))
        found = []
        for path in sorted(reports.rglob("*")) if reports.exists() else []:
            if path.is_file():
                text = path.read_text(errors="replace")
                OUTPUTS.append((f"written {path.name}", text))
                if path.suffix == ".json" and path.parent == reports and "secret_rotation_audit" not in path.name:
                    found.append(json.loads(text))
        return Run(proc.returncode, proc.stdout, proc.stderr, found)

    return run
