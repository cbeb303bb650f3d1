"""No secret value in any output: every playbook of the issue that exists is run (rotate_secret.yml here, and
secret_rotation_check.yml when present), and everything they printed and wrote -- with every playbook run of
the other tests of this suite, the rotation functions' CloudWatch logs and the PostgreSQL server log -- is
searched for every password any tracked secret ever held. Runs last in the suite (file name order)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import ROOT
from tests.support.postgres import PostgresServer

from . import world
from .conftest import OUTPUTS, TRACKED, alternating_app, single_app

pytestmark = pytest.mark.timeout(600)


def test_zz_no_password_in_any_output(deployed: world.Deployed, pg: PostgresServer, sm: Any, emulator: Any, run_playbook: Any) -> None:
    single, alternating = single_app(pg, sm), alternating_app(pg, sm)
    for app in (single, alternating):
        assert run_playbook(app.secret_id, {"grants": app.grants}, "-v").rc == 0
        assert run_playbook(app.secret_id, {"grants": app.grants}, "--check", "-vvv").rc == 0
    failing = [*single.grants, {"privilege": "TRUNCATE", "table": single.table}]
    assert run_playbook(single.secret_id, {"grants": failing}, "-vvv").rc != 0
    if (ROOT / "playbooks" / "secret_rotation_check.yml").exists():
        run_playbook(None, None, playbook="playbooks/secret_rotation_check.yml")
    logs = emulator.client("logs")
    for name in deployed.function_names.values():
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}").get("events", [])
        OUTPUTS.append((f"log group of {name}", "\n".join(e["message"] for e in events)))
    OUTPUTS.append(("PostgreSQL server log", pg.log_text()))
    passwords = world.passwords_of(sm, *TRACKED) | deployed.passwords | {pg.superuser_password}
    passwords = {p for p in passwords if len(p) >= 8}
    assert len(passwords) >= 6
    assert OUTPUTS
    leaks = sorted({where for where, text in OUTPUTS for p in passwords if p in text})
    assert not leaks, f"a password appeared in: {leaks} (values not shown)"
