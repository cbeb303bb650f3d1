# ruff: noqa: S608  (SQL built from identifiers the tests generate)
"""The rotation core (plugins/module_utils/secrets/pg_rotation.py) against a real PostgreSQL server and
the emulator's Secrets Manager over HTTP: the four steps driven directly, as the Lambda and the
on-call playbook drive them. Run: ``pytest tests/rotation``."""

from __future__ import annotations

import functools
import json
import threading
import uuid
from typing import Any

import pg8000.native
import pytest
from ansible_collections.slipway.aws.plugins.module_utils.secrets import pg_rotation as core

from .conftest import DB, alternating_app, create_role, new_password, put_secret, single_user_app, unique

pytestmark = pytest.mark.timeout(120)


# ------------------------------------------------------------------ helpers
def token_() -> str:
    return str(uuid.uuid4())


def secret(sm: Any, secret_id: str, stage: str = core.CURRENT, version_id: str | None = None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"SecretId": secret_id, "VersionStage": stage}
    if version_id:
        kwargs["VersionId"] = version_id
    return json.loads(sm.get_secret_value(**kwargs)["SecretString"])


def versions(sm: Any, secret_id: str) -> dict[str, list[str]]:
    return sm.describe_secret(SecretId=secret_id)["VersionIdsToStages"]


def logs_in(pg: Any, value: dict[str, Any], *, ssl: bool = False) -> bool:
    try:
        conn = pg.connect(value["username"], value["password"], value.get("dbname", DB), ssl=ssl)
    except pg8000.native.DatabaseError as exc:
        if exc.args and isinstance(exc.args[0], dict) and exc.args[0].get("C") == "28P01":
            return False
        raise
    conn.close()
    return True


def run_as(pg: Any, value: dict[str, Any], *statements: str) -> list[Any]:
    conn = pg.connect(value["username"], value["password"], value.get("dbname", DB))
    try:
        rows: list[Any] = []
        for statement in statements:
            rows = conn.run(statement) or []
        return rows
    finally:
        conn.close()


def without_tls(connect: Any) -> Any:
    """A connect that never uses TLS, whatever the secret asks for (a misconfigured client)."""

    def plain(**kwargs: Any) -> Any:
        return connect(**{**kwargs, "sslmode": "disable"})

    return plain


class Flaky:
    """A connect that fails as an unreachable database while ``down`` is set."""

    def __init__(self, connect: Any) -> None:
        self.connect = connect
        self.down = False

    def __call__(self, **kwargs: Any) -> Any:
        if self.down:
            raise ConnectionRefusedError(111, "Connection refused")
        return self.connect(**kwargs)


# ------------------------------------------------------------------ single user
def test_single_user_rotation(pg, sm, connect, leak_guard):
    app = single_user_app(pg, sm, leak_guard)
    old = secret(sm, app.secret_id)
    old_version = core.current_version(versions(sm, app.secret_id))

    result = core.rotate_all(sm, app.secret_id, connect=connect, grants=app.grants)
    leak_guard.note(result)

    new = secret(sm, app.secret_id)
    assert result["changed"] and result["username"] == app.username == new["username"]
    assert new["password"] != old["password"]
    assert not logs_in(pg, old), "the old password still logs in"
    assert logs_in(pg, new)
    stages = versions(sm, app.secret_id)
    assert stages[result["version"]] == [core.CURRENT]
    assert stages[old_version] == [core.PREVIOUS]
    assert core.rotation_state(sm, app.secret_id)["state"] == "idle"
    # the application still works with the new credentials
    run_as(pg, new, f"INSERT INTO public.{app.table} (note) VALUES ('after rotation')")
    assert run_as(pg, new, f"SELECT count(*) FROM public.{app.table}") == [[1]]


def test_steps_are_idempotent(pg, sm, connect, leak_guard):
    app = single_user_app(pg, sm, leak_guard)
    token = token_()
    for step in core.STEPS:
        first = core.rotate_step(sm, app.secret_id, token, step, connect=connect, grants=app.grants)
        again = core.rotate_step(sm, app.secret_id, token, step, connect=connect, grants=app.grants)
        assert again["changed"] is False, (step, first, again)
    # After finishSecret every step is a no-op for this token.
    for step in core.STEPS:
        assert core.rotate_step(sm, app.secret_id, token, step, connect=connect)["changed"] is False
    assert logs_in(pg, secret(sm, app.secret_id))
    assert versions(sm, app.secret_id)[token] == [core.CURRENT]


def test_single_user_missing_grant_refused_before_anything_changes(pg, sm, connect, leak_guard):
    app = single_user_app(pg, sm, leak_guard)
    before = versions(sm, app.secret_id)
    grants = [*app.grants, {"privilege": "DELETE", "table": f"public.{app.table}"}]
    with leak_guard.raises(core.TestFailed, "createSecret", f"DELETE on table public.{app.table} is not granted", "nothing changed"):
        core.rotate_all(sm, app.secret_id, connect=connect, grants=grants)
    assert versions(sm, app.secret_id) == before, "something was written"
    assert logs_in(pg, secret(sm, app.secret_id))


def test_single_user_failed_test_puts_the_current_password_back(pg, sm, connect, leak_guard):
    """TLS required, the client connects in plain text: testSecret fails on pg_stat_ssl, the role gets its AWSCURRENT
    password back, AWSPENDING stays on the new version; cleanup then ends the rotation."""
    app = single_user_app(pg, sm, leak_guard, sslmode="require")
    current_before = core.current_version(versions(sm, app.secret_id))
    token = token_()
    with leak_guard.raises(core.TestFailed, "testSecret", "TLS", "pg_stat_ssl", "the AWSCURRENT password was put back"):
        core.rotate_all(sm, app.secret_id, token=token, connect=without_tls(connect), grants=app.grants)
    assert logs_in(pg, secret(sm, app.secret_id)), "AWSCURRENT no longer logs in"
    stages = versions(sm, app.secret_id)
    assert stages[current_before] == [core.CURRENT]
    assert stages[token] == [core.PENDING]
    assert core.rotation_state(sm, app.secret_id) | {"rotation_enabled": None} == {
        "secret": app.secret_id,
        "state": "rotating",
        "current_version": current_before,
        "pending_version": token,
        "rotation_enabled": None,
    }

    done = core.cleanup(sm, app.secret_id, connect=connect)
    assert done == {"secret": app.secret_id, "changed": True, "version": token}
    assert core.rotation_state(sm, app.secret_id)["state"] == "idle"
    assert logs_in(pg, secret(sm, app.secret_id))
    # and a new rotation, with TLS this time, goes through
    result = core.rotate_all(sm, app.secret_id, connect=connect, grants=app.grants)
    assert result["version"] != token
    assert logs_in(pg, secret(sm, app.secret_id), ssl=True)


def test_cleanup_after_an_interrupted_single_user_rotation_restores_the_password(pg, sm, connect, leak_guard):
    """Interrupted between setSecret and testSecret (a crash): the database has the AWSPENDING password.
    Cleanup puts the AWSCURRENT one back and removes AWSPENDING."""
    app = single_user_app(pg, sm, leak_guard)
    token = token_()
    core.rotate_step(sm, app.secret_id, token, "createSecret", connect=connect)
    core.rotate_step(sm, app.secret_id, token, "setSecret", connect=connect)
    assert not logs_in(pg, secret(sm, app.secret_id))
    assert logs_in(pg, secret(sm, app.secret_id, core.PENDING, token))

    assert core.cleanup(sm, app.secret_id, connect=connect)["changed"] is True
    assert logs_in(pg, secret(sm, app.secret_id))
    assert core.PENDING not in versions(sm, app.secret_id)[token]
    # the token is spent: resuming it is refused with the reason
    with leak_guard.raises(core.InvalidRotationState, "not AWSPENDING"):
        core.rotate_step(sm, app.secret_id, token, "setSecret", connect=connect)
    # cleaning up twice is a no-op
    assert core.cleanup(sm, app.secret_id, connect=connect)["changed"] is False


def test_single_user_database_unreachable_in_set_secret_then_resume(pg, sm, connect, leak_guard):
    app = single_user_app(pg, sm, leak_guard)
    flaky = Flaky(connect)
    token = token_()
    core.rotate_step(sm, app.secret_id, token, "createSecret", connect=flaky, grants=app.grants)
    flaky.down = True
    with leak_guard.raises(core.DatabaseUnreachable, "setSecret", f"{pg.host}:{pg.port}", "Connection refused"):
        core.rotate_step(sm, app.secret_id, token, "setSecret", connect=flaky, grants=app.grants)
    with leak_guard.raises(core.DatabaseUnreachable, f"{pg.host}:{pg.port}", "Connection refused"):
        core.rotate_all(sm, app.secret_id, resume=True, connect=flaky, grants=app.grants)
    assert logs_in(pg, secret(sm, app.secret_id))
    assert versions(sm, app.secret_id)[token] == [core.PENDING]
    # a new rotation is refused while this one is pending
    with leak_guard.raises(core.RotationInProgress, token, "resume"):
        core.rotate_all(sm, app.secret_id, connect=connect)
    flaky.down = False
    result = core.rotate_all(sm, app.secret_id, resume=True, connect=flaky, grants=app.grants)
    assert result["resumed"] and result["version"] == token
    assert logs_in(pg, secret(sm, app.secret_id))
    assert versions(sm, app.secret_id)[token] == [core.CURRENT]


# ------------------------------------------------------------------ alternating users
def test_alternating_users_over_several_rotations(pg, sm, connect, leak_guard):
    app = alternating_app(pg, sm, leak_guard)
    clone = app.username + "_clone"
    seen = []
    for _round in range(4):
        before = secret(sm, app.secret_id)
        result = core.rotate_all(sm, app.secret_id, connect=connect, grants=app.grants)
        after = secret(sm, app.secret_id)
        seen.append(after["username"])
        assert result["username"] == after["username"] != before["username"]
        assert logs_in(pg, after)
        # the previous credentials keep working until the next rotation: no window where clients fail
        assert logs_in(pg, before)
        assert secret(sm, app.secret_id, core.PREVIOUS) == before
    assert seen == [clone, app.username, clone, app.username]
    current, previous = secret(sm, app.secret_id), secret(sm, app.secret_id, core.PREVIOUS)

    # Both login roles are members of the owner role, and every session runs as it.
    members = pg.execute(
        "SELECT r.rolname, m.rolname FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.member JOIN pg_roles m ON m.oid = a.roleid"
        f" WHERE m.rolname = '{app.owner}' ORDER BY 1"
    )
    assert members == [[app.username, app.owner], [clone, app.owner]]
    for value in (current, previous):
        assert run_as(pg, value, "SELECT session_user, current_user") == [[value["username"], app.owner]]

    # The table the first login role created before any rotation: readable and writable by both.
    for value in (current, previous):
        run_as(pg, value, f"INSERT INTO public.{app.table} (note) VALUES ('by {value['username']}')")
    assert run_as(pg, current, f"SELECT note FROM public.{app.table} ORDER BY id") == [[f"by {current['username']}"], [f"by {previous['username']}"]]
    # A table one creates now: the other reads, writes, alters and drops it.
    fresh = unique("made_by_clone")
    run_as(pg, previous, f"CREATE TABLE public.{fresh} (n int)", f"INSERT INTO public.{fresh} VALUES (1)")
    run_as(pg, current, f"INSERT INTO public.{fresh} VALUES (2)", f"ALTER TABLE public.{fresh} ADD COLUMN m int", f"UPDATE public.{fresh} SET m = n")
    assert run_as(pg, previous, f"SELECT n, m FROM public.{fresh} ORDER BY n") == [[1, 1], [2, 2]]
    owners = pg.execute(f"SELECT tablename, tableowner FROM pg_tables WHERE tablename IN ('{app.table}', '{fresh}') ORDER BY 1", database=DB)
    assert {row[1] for row in owners} == {app.owner}
    # one more rotation after that, and both still work
    core.rotate_all(sm, app.secret_id, connect=connect, grants=app.grants)
    assert run_as(pg, secret(sm, app.secret_id), f"SELECT count(*) FROM public.{fresh}") == [[2]]
    run_as(pg, current, f"DROP TABLE public.{fresh}")


def test_alternating_master_secret_wrong_in_set_secret_then_resume(pg, sm, connect, leak_guard):
    app = alternating_app(pg, sm, leak_guard)
    token = token_()
    core.rotate_step(sm, app.secret_id, token, "createSecret", connect=connect)
    good_master = secret(sm, app.master_id)
    sm.put_secret_value(SecretId=app.master_id, SecretString=json.dumps(good_master | {"password": new_password()}))
    with leak_guard.raises(core.AuthenticationFailed, "setSecret", "master secret", pg.superuser):
        core.rotate_step(sm, app.secret_id, token, "setSecret", connect=connect, grants=app.grants)
    with leak_guard.raises(core.AuthenticationFailed, "master secret"):  # the on-call path: refused at its lock, before any step
        core.rotate_all(sm, app.secret_id, token=token, connect=connect, grants=app.grants)
    current = secret(sm, app.secret_id)
    assert current["username"] == app.username and logs_in(pg, current)
    assert versions(sm, app.secret_id)[token] == [core.PENDING]
    assert secret(sm, app.secret_id, core.PENDING, token)["username"] == app.username + "_clone"

    sm.put_secret_value(SecretId=app.master_id, SecretString=json.dumps(good_master))
    result = core.rotate_all(sm, app.secret_id, token=token, connect=connect, grants=app.grants)
    assert result["resumed"] and result["username"] == app.username + "_clone"
    assert logs_in(pg, secret(sm, app.secret_id)) and logs_in(pg, current)


def test_alternating_missing_grant_fails_test_secret(pg, sm, connect, leak_guard):
    app = alternating_app(pg, sm, leak_guard)
    forbidden, schema = unique("payroll"), unique("reports")
    pg.execute(f"CREATE TABLE public.{forbidden} (id int)", database=DB)
    grants = [*app.grants, {"privilege": "SELECT", "table": f"public.{forbidden}"}, {"privilege": "USAGE", "schema": schema}]
    token = token_()
    with leak_guard.raises(core.TestFailed, "testSecret", f"SELECT on table public.{forbidden} is not granted", f"USAGE on schema {schema}", "3F000"):
        core.rotate_all(sm, app.secret_id, token=token, connect=connect, grants=grants)
    current = secret(sm, app.secret_id)
    assert current["username"] == app.username and logs_in(pg, current)
    assert versions(sm, app.secret_id)[token] == [core.PENDING]

    pg.execute(f"GRANT SELECT ON public.{forbidden} TO {app.owner}", f"CREATE SCHEMA {schema}", f"GRANT USAGE ON SCHEMA {schema} TO {app.owner}", database=DB)
    result = core.rotate_all(sm, app.secret_id, resume=True, connect=connect, grants=grants)
    assert result["version"] == token
    assert secret(sm, app.secret_id)["username"] == app.username + "_clone"


def test_alternating_cleanup_leaves_current_alone(pg, sm, connect, leak_guard):
    app = alternating_app(pg, sm, leak_guard)
    token = token_()
    for step in ("createSecret", "setSecret"):
        core.rotate_step(sm, app.secret_id, token, step, connect=connect)
    assert core.cleanup(sm, app.secret_id, token=token, connect=connect)["version"] == token
    assert core.rotation_state(sm, app.secret_id)["state"] == "idle"
    assert logs_in(pg, secret(sm, app.secret_id))


def test_alternating_needs_an_owner_role(pg, sm, connect, leak_guard):
    app = alternating_app(pg, sm, leak_guard)
    value = secret(sm, app.secret_id)
    del value["ownerrole"]
    name = unique("rds/no-owner")
    put_secret(sm, leak_guard, name, value)
    with leak_guard.raises(core.ConfigurationError, "ownerrole", "OWNER_ROLE"):
        core.rotate_all(sm, name, connect=connect)
    with leak_guard.raises(core.ConfigurationError, "owner role 'nobody_owns_this' does not exist"):
        core.rotate_all(sm, name, connect=connect, owner_role="nobody_owns_this")
    assert len(versions(sm, name)) == 1


# ------------------------------------------------------------------ TLS
def test_tls_required_secret_checked_in_pg_stat_ssl(pg, sm, connect, leak_guard):
    app = single_user_app(pg, sm, leak_guard, sslmode="verify-full")
    result = core.rotate_all(sm, app.secret_id, connect=connect, grants=app.grants)
    new = secret(sm, app.secret_id)
    assert new["sslmode"] == "verify-full"
    rows = run_as(pg, new, "SELECT 1")  # plain text works: the server allows both, the rotation checked TLS
    assert rows == [[1]]
    assert any(f"version {result['version']} logs in as {app.username}" in t for t in leak_guard.capture.lines)


def test_tls_verify_full_with_an_untrusted_certificate_is_refused(pg, sm, leak_guard):
    app = single_user_app(pg, sm, leak_guard, sslmode="verify-full")
    before = versions(sm, app.secret_id)
    with leak_guard.raises(core.DatabaseUnreachable, "TLS", "verify-full", "certificate"):
        core.rotate_all(sm, app.secret_id, connect=core.default_connect, grants=app.grants)  # the system CAs only
    assert versions(sm, app.secret_id) == before


def test_alternating_tls_failure_in_test_secret(pg, sm, connect, leak_guard):
    app = alternating_app(pg, sm, leak_guard, ssl=True)
    token = token_()
    with leak_guard.raises(core.TestFailed, "testSecret", "not encrypted"):
        core.rotate_all(sm, app.secret_id, token=token, connect=without_tls(connect), grants=app.grants)
    assert logs_in(pg, secret(sm, app.secret_id))
    result = core.rotate_all(sm, app.secret_id, resume=True, connect=connect, grants=app.grants)
    assert result["version"] == token


# ------------------------------------------------------------------ concurrency
def test_a_second_rotation_is_refused(pg, sm, connect, leak_guard):
    app = single_user_app(pg, sm, leak_guard)
    first = token_()
    core.rotate_step(sm, app.secret_id, first, "createSecret", connect=connect)
    with leak_guard.raises(core.RotationInProgress, first):
        core.rotate_step(sm, app.secret_id, token_(), "createSecret", connect=connect)
    with leak_guard.raises(core.RotationInProgress, first):
        core.rotate_all(sm, app.secret_id, connect=connect)
    with leak_guard.raises(core.RotationInProgress, first):
        core.rotate_all(sm, app.secret_id, token=token_(), resume=True, connect=connect)
    assert core.rotate_all(sm, app.secret_id, token=first, connect=connect)["resumed"]


@pytest.mark.parametrize("make", [single_user_app, alternating_app], ids=["single", "alternating"])
def test_concurrent_rotations_at_most_one_wins(pg, sm, connect, leak_guard, make):
    app = make(pg, sm, leak_guard)
    outcomes: list[Any] = []
    barrier = threading.Barrier(3)

    def rotate() -> None:
        barrier.wait()
        try:
            outcomes.append(core.rotate_all(sm, app.secret_id, connect=connect, grants=app.grants))
        except core.RotationError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=rotate) for _thread in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            leak_guard.exception(outcome)
    wins = [o for o in outcomes if isinstance(o, dict)]
    losers = [o for o in outcomes if not isinstance(o, dict)]
    # The lock admits one; one that starts after the winner ended rotates again, after it (never alongside).
    assert len(outcomes) == 3 and wins and losers, outcomes
    assert all(isinstance(o, core.RotationInProgress) for o in losers), outcomes
    assert len({w["version"] for w in wins}) == len(wins)
    assert logs_in(pg, secret(sm, app.secret_id)), "AWSCURRENT no longer logs in"
    assert core.rotation_state(sm, app.secret_id)["state"] == "idle"
    assert secret(sm, app.secret_id, version_id=wins[-1]["version"]) == secret(sm, app.secret_id) or len(wins) > 1


# ------------------------------------------------------------------ bad input
def test_unknown_secret(sm, pg, connect, leak_guard):
    with leak_guard.raises(core.SecretNotFound, "'rds/no-such-secret' not found"):
        core.rotate_all(sm, "rds/no-such-secret", connect=connect)
    with leak_guard.raises(core.SecretNotFound, "not found"):
        core.rotate_step(sm, "rds/no-such-secret", token_(), "createSecret", connect=connect)


@pytest.mark.parametrize("key", ["password", "username", "host", "engine"])
def test_missing_key_is_named_and_nothing_is_written(pg, sm, connect, leak_guard, key):
    app = single_user_app(pg, sm, leak_guard)
    value = secret(sm, app.secret_id)
    del value[key]
    name = unique("rds/broken")
    put_secret(sm, leak_guard, name, value)
    before = versions(sm, name)
    with leak_guard.raises(core.SecretFormatError, f"has no {key!r} key", "AWSCURRENT"):
        core.rotate_all(sm, name, connect=connect)
    assert versions(sm, name) == before


def test_not_json_and_alternating_without_masterarn(pg, sm, connect, leak_guard):
    name = unique("rds/not-json")
    sm.create_secret(Name=name, SecretString="user=app password=" + new_password())
    leak_guard.track(name)
    with leak_guard.raises(core.SecretFormatError, "is not JSON"):
        core.rotate_all(sm, name, connect=connect)
    app = single_user_app(pg, sm, leak_guard)
    with leak_guard.raises(core.SecretFormatError, "'masterarn'"):
        core.rotate_all(sm, app.secret_id, connect=connect, strategy="alternating")
    assert len(versions(sm, name)) == 1


def test_unreachable_database_nothing_written(pg, sm, connect, leak_guard):
    app = single_user_app(pg, sm, leak_guard)
    value = secret(sm, app.secret_id) | {"port": 1}
    name = unique("rds/unreachable")
    put_secret(sm, leak_guard, name, value)
    before = versions(sm, name)
    with leak_guard.raises(core.DatabaseUnreachable, "cannot reach PostgreSQL at 127.0.0.1:1", "Connection refused"):
        core.rotate_all(sm, name, connect=connect, timeout=3)
    assert versions(sm, name) == before
    assert core.rotation_state(sm, name)["state"] == "idle"


def test_wrong_current_password_nothing_written(pg, sm, connect, leak_guard):
    app = single_user_app(pg, sm, leak_guard)
    name = unique("rds/wrong")
    put_secret(sm, leak_guard, name, secret(sm, app.secret_id) | {"password": new_password()})
    with leak_guard.raises(core.AuthenticationFailed, f"role {app.username!r}", "AWSCURRENT", "28P01"):
        core.rotate_all(sm, name, connect=connect)
    assert len(versions(sm, name)) == 1


def test_bad_grants_setting(pg, sm, connect, leak_guard):
    app = single_user_app(pg, sm, leak_guard)
    with leak_guard.raises(core.ConfigurationError, "grants[0]", "'EXECUTE' does not apply to a table"):
        core.rotate_all(sm, app.secret_id, connect=connect, grants=[{"privilege": "EXECUTE", "table": "public.x"}])
    with leak_guard.raises(core.ConfigurationError, "exactly one of"):
        core.rotate_all(sm, app.secret_id, connect=connect, grants=[{"privilege": "SELECT"}])


# ------------------------------------------------------------------ secrets stay secret
def test_no_plaintext_password_reaches_the_server_log(pg, sm, connect, leak_guard):
    """The server logs every statement here (log_statement = all): ALTER ROLE carries a SCRAM verifier, never the password."""
    single = single_user_app(pg, sm, leak_guard)
    pair = alternating_app(pg, sm, leak_guard)
    start = len(pg.log_text())
    core.rotate_all(sm, single.secret_id, connect=connect)
    core.rotate_all(sm, pair.secret_id, connect=connect)
    log = pg.log_text()[start:]
    assert "ALTER ROLE" in log and "CREATE ROLE" in log and "SCRAM-SHA-256$4096:" in log
    for value in (secret(sm, single.secret_id), secret(sm, pair.secret_id)):
        assert value["password"] not in log, "a new password is in the server log"
    # (leak_guard checks every other output of every test)


def test_lambda_handler_runs_the_four_steps(pg, sm, emulator, monkeypatch, leak_guard):
    import importlib.util
    from pathlib import Path

    for key, value in emulator.env.items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    app = alternating_app(pg, sm, leak_guard)
    monkeypatch.setenv("GRANTS", json.dumps(app.grants))
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("CA_FILE", str(pg.ca_file))
    path = Path(__file__).resolve().parents[2] / "lambdas" / "pg_rotation" / "handler.py"
    spec = importlib.util.spec_from_file_location("pg_rotation_handler_under_test", path)
    assert spec and spec.loader
    handler = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(handler)
    token = token_()
    for step in ("create_secret", "setSecret", "testSecret", "finishSecret"):
        out = handler.handler({"Step": step, "SecretId": app.secret_id, "ClientRequestToken": token}, None)
        leak_guard.note(out)
    assert versions(sm, app.secret_id)[token] == [core.CURRENT]
    assert secret(sm, app.secret_id)["username"] == app.username + "_clone"
    assert logs_in(pg, secret(sm, app.secret_id))
    with leak_guard.raises(core.SecretNotFound, "not found"):
        handler.handler({"Step": "createSecret", "SecretId": "rds/nope", "ClientRequestToken": token_()}, None)
    with leak_guard.raises(core.ConfigurationError, "Step"):
        handler.handler({"SecretId": app.secret_id}, None)


def test_connect_is_a_seam(pg, sm, connect, leak_guard):
    """The options reach the connect callable: timeout and sslmode as the secret says."""
    app = single_user_app(pg, sm, leak_guard, sslmode="require")
    seen = []

    def spy(**kwargs: Any) -> Any:
        seen.append((kwargs["user"], kwargs["sslmode"], kwargs["timeout"]))
        return connect(**kwargs)

    core.rotate_all(sm, app.secret_id, connect=functools.partial(spy), timeout=7)
    assert seen and all(s[1] == "require" and s[2] == 7 for s in seen)


@pytest.mark.parametrize("password", ["plain-ascii-Password-123", "pässwörd-ﬁ-Ⅸ-long-enough", 'it\'s "quoted" \\ and spaced'])
def test_scram_verifier_is_what_the_server_checks(pg, leak_guard, password):
    """The verifier computed client side (SASLprep, PBKDF2, the keys) is one the server accepts for that password."""
    role = unique("verifier")
    leak_guard.passwords.add(password)
    create_role(pg, role, password)
    assert logs_in(pg, {"username": role, "password": password, "dbname": "postgres"})
    assert not logs_in(pg, {"username": role, "password": password + "x", "dbname": "postgres"})
