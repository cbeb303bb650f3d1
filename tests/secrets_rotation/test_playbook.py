"""playbooks/rotate_secret.yml: both strategies, consumers restarted (live colour only, a held lease respected),
check mode, failures injected in setSecret and testSecret then resume and cleanup, and bad input."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.postgres import PostgresServer

from . import world
from .conftest import alternating_app, single_app, unique

pytestmark = pytest.mark.timeout(300)


def test_single_user_rotates_and_verifies(pg: PostgresServer, sm: Any, run_playbook: Any) -> None:
    app = single_app(pg, sm)
    old = world.current(sm, app.secret_id)
    run = run_playbook(app.secret_id, {"grants": app.grants})
    assert run.rc == 0, run.text[-3000:]
    new = world.current(sm, app.secret_id)
    assert new["username"] == old["username"] and new["password"] != old["password"]
    assert world.can_login(pg, new) and not world.can_login(pg, old)
    report = run.reports[0]
    assert report["strategy"] == "single" and report["changed"]
    assert report["verification"] == {**report["verification"], "new_login": True, "old_login": False, "ok": True}
    assert report["state_after"]["audit_state"] == "idle"


def test_alternating_users_rotates_and_old_still_logs_in(pg: PostgresServer, sm: Any, run_playbook: Any) -> None:
    app = alternating_app(pg, sm)
    old = world.current(sm, app.secret_id)
    run = run_playbook(app.secret_id, {"grants": app.grants})
    assert run.rc == 0, run.text[-3000:]
    new = world.current(sm, app.secret_id)
    assert new["username"] == app.username + "_clone"
    assert world.can_login(pg, new) and world.can_login(pg, old)
    assert run.reports[0]["verification"]["old_login_expected"] is True
    # A second rotation switches back to the first role.
    again = run_playbook(app.secret_id, {"grants": app.grants})
    assert again.rc == 0, again.text[-3000:]
    assert world.current(sm, app.secret_id)["username"] == app.username


def test_restart_live_colour_only_and_respects_held_lease(pg: PostgresServer, sm: Any, emulator: Any, run_playbook: Any) -> None:
    client = emulator.client
    app = single_app(pg, sm)
    cluster, table = "rot-cluster", world.make_table(client, unique("deployments"))
    services = {
        "orders": world.make_consumer(client, cluster, "orders", app.arn, live="green"),
        "billing": world.make_consumer(client, cluster, "billing", app.arn, live="blue", value_from=app.arn),
    }
    world.hold_lease(client, table, "billing")
    names = ("orders-blue", "orders-green", "billing-blue", "billing-green")
    before = {name: {d["id"] for d in world.deployments(client, cluster, name)} for name in names}
    foundation = {"cluster_name": cluster, "services": services, "deployment_table_name": table}
    run = run_playbook(app.secret_id, {"grants": app.grants}, restart=True, slipway_foundation=foundation)
    assert run.rc == 0, run.text[-3000:]
    after = {name: {d["id"] for d in world.deployments(client, cluster, name)} for name in names}
    assert after["orders-green"] - before["orders-green"], after  # the live colour: a new deployment
    assert after["orders-blue"] == before["orders-blue"]  # the idle colour: untouched
    assert after["billing-blue"] == before["billing-blue"] and after["billing-green"] == before["billing-green"]  # lease held
    consumers = {c["service"]: c for c in run.reports[0]["consumers"]}
    assert consumers["orders"]["action"] == "restarted" and consumers["orders"]["colour"] == "green"
    assert consumers["billing"]["action"] == "skip" and "release lease" in consumers["billing"]["reason"]
    assert "skipped" in run.stdout and "billing" in run.stdout


def test_check_mode_writes_nothing(pg: PostgresServer, sm: Any, emulator: Any, run_playbook: Any) -> None:
    app = single_app(pg, sm)
    old = world.current(sm, app.secret_id)
    emulator.calls(reset=True)
    run = run_playbook(app.secret_id, {"grants": app.grants}, "--check")
    assert run.rc == 0, run.text[-3000:]
    calls = emulator.calls()
    writes = {op: n for op, n in calls.items() if not op.split(".", 1)[-1].startswith(("Describe", "Get", "List", "BatchGet", "Query", "Scan"))}
    writes.pop("sts.GetCallerIdentity", None)
    assert not writes, writes
    assert world.current(sm, app.secret_id) == old and world.can_login(pg, old)
    assert "plan: rotate" in run.stdout
    assert not run.reports  # nothing written locally either


def test_set_secret_failure_leaves_current_then_resume(pg: PostgresServer, sm: Any, run_playbook: Any) -> None:
    from ansible_collections.slipway.aws.plugins.module_utils.secrets import pg_rotation as core

    app = alternating_app(pg, sm)
    old = world.current(sm, app.secret_id)
    master = old["masterarn"]
    good_master = sm.get_secret_value(SecretId=master)["SecretString"]
    # The master secret names a role that logs in but may not create roles: createSecret passes, setSecret fails.
    weak, weak_pw = unique("weak"), world.new_password()
    world.create_role(pg, weak, weak_pw)
    sm.put_secret_value(SecretId=master, SecretString=json.dumps({**json.loads(good_master), "username": weak, "password": weak_pw}))
    failed = run_playbook(app.secret_id, {"grants": app.grants})
    assert failed.rc != 0
    assert "setSecret" in failed.stdout and "stuck_pending" in failed.stdout and "DatabaseCommandFailed" in failed.stdout, failed.stdout[-3000:]
    assert world.current(sm, app.secret_id) == old and world.can_login(pg, old)
    state = core.rotation_state(sm, app.secret_id)
    assert state["state"] == "rotating"
    refused = run_playbook(app.secret_id, {"grants": app.grants})
    assert refused.rc != 0 and "resume=true" in refused.stdout
    sm.put_secret_value(SecretId=master, SecretString=good_master)
    resumed = run_playbook(app.secret_id, {"grants": app.grants}, resume=True)
    assert resumed.rc == 0, resumed.text[-3000:]
    assert resumed.reports[0]["resumed"] is True and resumed.reports[0]["version"] == state["pending_version"]
    assert world.can_login(pg, world.current(sm, app.secret_id))


def test_test_secret_failure_restores_then_cleanup(pg: PostgresServer, sm: Any, run_playbook: Any) -> None:
    app = single_app(pg, sm)
    old = world.current(sm, app.secret_id)
    missing = [*app.grants, {"privilege": "UPDATE", "table": app.table}]  # not granted: testSecret must refuse
    # createSecret checks the current role's grants too: it refuses before writing anything.
    refused = run_playbook(app.secret_id, {"grants": missing})
    assert refused.rc != 0 and "TestFailed" in refused.stdout and "UPDATE on table" in refused.stdout
    assert world.current(sm, app.secret_id) == old
    # Revoke after createSecret and setSecret: testSecret fails, the password is put back.
    from ansible_collections.slipway.aws.plugins.module_utils.secrets import pg_rotation as core

    token = str(__import__("uuid").uuid4())
    for step in ("createSecret", "setSecret"):
        core.rotate_step(sm, app.secret_id, token, step, grants=app.grants)
    pg.execute(f"REVOKE INSERT ON {app.table} FROM {app.username}", database=world.DB)
    failed = run_playbook(app.secret_id, {"grants": app.grants}, resume=True)
    assert failed.rc != 0 and "TestFailed" in failed.stdout and "stuck_pending" in failed.stdout, failed.stdout[-3000:]
    assert world.current(sm, app.secret_id) == old and world.can_login(pg, old)
    cleaned = run_playbook(app.secret_id, {"grants": app.grants}, cleanup=True)
    assert cleaned.rc == 0, cleaned.text[-3000:]
    assert core.rotation_state(sm, app.secret_id)["state"] == "idle"
    assert world.current(sm, app.secret_id) == old and world.can_login(pg, old)


def test_interrupted_rotation_resumed(pg: PostgresServer, sm: Any, run_playbook: Any) -> None:
    from ansible_collections.slipway.aws.plugins.module_utils.secrets import pg_rotation as core

    app = single_app(pg, sm)
    token = str(__import__("uuid").uuid4())
    for step in ("createSecret", "setSecret"):  # the process died after setSecret: the role has the pending password
        core.rotate_step(sm, app.secret_id, token, step, grants=app.grants)
    resumed = run_playbook(app.secret_id, {"grants": app.grants}, resume=True)
    assert resumed.rc == 0, resumed.text[-3000:]
    assert resumed.reports[0]["version"] == token
    assert world.can_login(pg, world.current(sm, app.secret_id))


@pytest.mark.parametrize(
    ("case", "expect"),
    [
        ("unknown", "not found"),
        ("missing_key", "no 'host' key"),
        ("unreachable", "cannot reach PostgreSQL"),
        ("out_of_range", "password_length=8 is out of range"),
        ("no_secret", "usage: -e secret=NAME"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(case: str, expect: str, pg: PostgresServer, sm: Any, emulator: Any, run_playbook: Any) -> None:
    extra: dict[str, Any] = {}
    secret: str | None = "slipway/local/user/" + unique("nope")
    if case == "missing_key":
        value = world.secret_value(pg, "x", world.new_password())
        value.pop("host")
        sm.create_secret(Name=secret, SecretString=json.dumps(value))
    elif case == "unreachable":
        sm.create_secret(Name=secret, SecretString=json.dumps({**world.secret_value(pg, "x", world.new_password()), "port": 1}))
    elif case == "out_of_range":
        app = single_app(pg, sm)
        secret, extra = app.secret_id, {"secret_rotate_password_length": 8}
    elif case == "no_secret":
        secret = None
    if secret and case != "unknown":
        from .conftest import TRACKED

        TRACKED.append(secret)
    emulator.calls(reset=True)
    run = run_playbook(secret, {}, **extra)
    assert run.rc != 0
    assert expect in run.stdout, run.stdout[-3000:]
    writes = {op: n for op, n in emulator.calls().items() if op.split(".", 1)[-1].startswith(("Put", "Update", "Create", "Rotate", "Delete"))}
    assert not writes, writes
