#!/usr/bin/env python3
"""The secret rotation drill, both strategies: 50 clients loop connect-query-disconnect against a real
PostgreSQL while Secrets Manager (the emulator) rotates their secret with the pg_rotation function
(the zip tools/package-lambdas builds, deployed with CreateFunction); each client reads its credentials
from Secrets Manager, caches them and re-reads them on an authentication failure.

Prints, per strategy: failed logins, the longest time a client used a credential that no longer worked,
the rotation's wall time, logins and logins per second. Never asserts (tests/secrets_rotation/test_drill.py
asserts 0 failed logins for alternating users).

usage: .venv/bin/python benchmarks/secret_drill.py [--clients 50] [--json]

Its own emulator (127.0.0.1:4660, listener base 13500; SLIPWAY_DRILL_EMULATOR_PORT) and PostgreSQL
(5480 or the next free port), both in a temporary directory, stopped on exit.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "collections")]

from tests.secrets_rotation import world  # noqa: E402
from tests.secrets_rotation.drill import run_drill  # noqa: E402
from tests.support.emulator import Emulator, env_port  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402


def deploy_function(emu: Emulator, zip_path: Path, name: str, grants: list[dict[str, str]]) -> str:
    lam = emu.client("lambda")
    role = emu.client("iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    return lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": zip_path.read_bytes()},
        Timeout=60,
        Environment={"Variables": {"GRANTS": json.dumps(grants), "LOG_LEVEL": "INFO"}},
    )["FunctionArn"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="slipway-drill-"))
    emu = Emulator.pick(tmp / "emulator", port=env_port("SLIPWAY_DRILL_EMULATOR_PORT") or 4660, listener_base=13500)
    pg = None
    try:
        emu.up()
        pg = PostgresServer.start_new(port=world.pick_pg_port(5480))
        world.make_database(pg)
        subprocess.run([sys.executable, str(REPO / "tools" / "package-lambdas"), "--out", str(tmp / "dist"), "pg_rotation"], check=True, capture_output=True)
        sm = emu.client("secretsmanager")
        table_single, table_alt = "public.drill_orders", "public.drill_items"
        world.make_single(pg, "drill_single", single_pw := world.new_password(), table_single)
        world.make_alternating(pg, "drill_app", alt_pw := world.new_password(), "drill_owner", table_alt)
        master = sm.create_secret(Name="drill/master", SecretString=json.dumps(pg.admin_secret(world.DB)))["ARN"]
        secrets = {
            "single": ("drill/single", world.secret_value(pg, "drill_single", single_pw), table_single, world.grants_for(table_single)),
            "alternating": (
                "drill/alternating",
                world.secret_value(pg, "drill_app", alt_pw, masterarn=master, ownerrole="drill_owner"),
                table_alt,
                [{"privilege": "SELECT, INSERT", "table": table_alt}],
            ),
        }
        figures = []
        for strategy in ("alternating", "single"):
            name, value, table, grants = secrets[strategy]
            sm.create_secret(Name=name, SecretString=json.dumps(value))
            arn = deploy_function(emu, tmp / "dist" / "pg_rotation.zip", f"drill-{strategy}", grants)

            def rotate(name: str = name, arn: str = arn, strategy: str = strategy) -> None:
                version = sm.rotate_secret(SecretId=name, RotationLambdaARN=arn, RotationRules={"AutomaticallyAfterDays": 30})["VersionId"]
                deadline = time.monotonic() + 180
                while sm.describe_secret(SecretId=name)["VersionIdsToStages"].get(version) != ["AWSCURRENT"]:
                    if time.monotonic() > deadline:
                        raise SystemExit(f"the {strategy} rotation did not finish in 180 s")
                    time.sleep(0.1)

            result = run_drill(pg, lambda: emu.client("secretsmanager"), name, table, strategy, rotate, clients=args.clients)
            figures.append(result.as_dict())
        if args.json:
            print(json.dumps(figures, indent=2))
            return 0
        print(f"secret rotation drill: {args.clients} clients, connect-query-disconnect, credentials from Secrets Manager (cached, re-read on refusal)\n")
        header = ("strategy", "failed logins", "longest stale credential (s)", "rotation wall time (s)", "logins", "logins/s")
        print(" | ".join(header))
        for f in figures:
            row = (
                f["strategy"],
                f["failed_logins"],
                f["longest_stale_credential_seconds"],
                f["rotation_seconds"],
                f["logins"],
                f["logins_per_second"],
            )
            print(" | ".join(str(x) for x in row))
        return 0
    finally:
        if pg is not None:
            pg.stop()
        emu.down()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
