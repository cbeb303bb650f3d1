"""This scenario's PostgreSQL and world, driven from its playbooks:

    python molecule/secret_rotate/helper.py up|prepare|verify|down STATE_DIR

up: a real PostgreSQL (tests/support/postgres.py, 127.0.0.1:5490 or the next free port), left running
after this process exits (its state, with the superuser's password, in STATE_DIR/pg.json, mode 0600);
prepare: a single-user role, its table and grants, and the secret molecule/app in the emulator;
verify: AWSCURRENT is the converge's version and logs in, the first password is refused; down: stop it.
Prints no secret value.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "collections")]

import boto3  # noqa: E402

from tests.secrets_rotation import world  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402

SECRET = "molecule/app"  # noqa: S105  a secret name, not a value
ROLE, TABLE = "mol_app", "public.mol_orders"


def _server(state: Path) -> PostgresServer:
    data = json.loads((state / "pg.json").read_text())
    return PostgresServer(port=data["port"], root=Path(data["root"]), superuser_password=data["password"])


def _sm() -> object:
    return boto3.client("secretsmanager", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1")


def main(action: str, state: Path) -> int:
    state.mkdir(parents=True, exist_ok=True)
    if action == "up":
        if (state / "pg.json").exists():
            print("postgres already running")
            return 0
        pg = PostgresServer.start_new(port=world.pick_pg_port(5490))
        atexit.unregister(pg.stop)  # it outlives this process; `down` stops it
        path = state / "pg.json"
        path.write_text(json.dumps({"port": pg.port, "root": str(pg.root), "password": pg.superuser_password, "pid": pg.proc.pid if pg.proc else None}))
        path.chmod(0o600)
        print(f"postgres started on {pg.host}:{pg.port}")
    elif action == "prepare":
        pg, sm = _server(state), _sm()
        world.make_database(pg)
        if pg.execute(f"SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}'"):  # noqa: S608  a constant
            print("already prepared")
            return 0
        password = world.new_password()
        world.make_single(pg, ROLE, password, TABLE)
        sm.create_secret(Name=SECRET, SecretString=json.dumps(world.secret_value(pg, ROLE, password)))
        (state / "first.json").write_text(json.dumps({"password": password}))
        (state / "first.json").chmod(0o600)
        print(f"prepared role {ROLE} and secret {SECRET}")
    elif action == "verify":
        pg, sm = _server(state), _sm()
        token = sys.argv[3]
        meta = sm.describe_secret(SecretId=SECRET)
        assert meta["VersionIdsToStages"].get(token) == ["AWSCURRENT"], f"version {token} is not AWSCURRENT: {meta['VersionIdsToStages']}"
        current = world.current(sm, SECRET)
        assert world.can_login(pg, current), "the new credentials do not log in"
        first = json.loads((state / "first.json").read_text())["password"]
        assert not world.can_login(pg, {**current, "password": first}), "the first password still logs in"
        print(f"verified: version {token} is AWSCURRENT, logs in as {current['username']}; the first password is refused")
    elif action == "down":
        path = state / "pg.json"
        if not path.exists():
            print("postgres not running")
            return 0
        data = json.loads(path.read_text())
        if data.get("pid"):
            try:
                os.killpg(data["pid"], signal.SIGINT)
                time.sleep(1)
            except ProcessLookupError:
                pass
        import shutil

        shutil.rmtree(data["root"], ignore_errors=True)
        path.unlink()
        (state / "first.json").unlink(missing_ok=True)
        print("postgres stopped")
    else:
        print(f"unknown action {action}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2])))
