"""RotateSecret end to end: Terraform deployed the pg_rotation zip (terraform/environments/local with
rotation_database), the emulator invokes its four steps, the real PostgreSQL password changes."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.support.postgres import PostgresServer

from . import world

pytestmark = pytest.mark.timeout(300)


def _rotate(sm: Any, secret_id: str) -> dict[str, Any]:
    version = sm.rotate_secret(SecretId=secret_id)["VersionId"]
    time.sleep(0.3)
    meta = world.wait_idle(sm, secret_id, timeout=90)
    assert meta["VersionIdsToStages"].get(version) == ["AWSCURRENT"], meta["VersionIdsToStages"]
    return meta


def test_terraform_configured_the_deployed_function(deployed: world.Deployed, emulator: Any, sm: Any) -> None:
    lam = emulator.client("lambda")
    for key, secret_id in deployed.secret_ids.items():
        meta = sm.describe_secret(SecretId=secret_id)
        fn = lam.get_function(FunctionName=deployed.function_names[key])["Configuration"]
        assert meta["RotationEnabled"] and meta["RotationLambdaARN"] == fn["FunctionArn"]
        env = fn["Environment"]["Variables"]
        assert json.loads(env["GRANTS"]) and env["LOG_LEVEL"] == "INFO"
        policy = json.loads(lam.get_policy(FunctionName=fn["FunctionName"])["Policy"])["Statement"][0]
        assert policy["Principal"] == {"Service": "secretsmanager.amazonaws.com"}
        assert policy["Condition"]["ArnLike"]["AWS:SourceArn"] == meta["ARN"]


def test_rotate_secret_single_user(deployed: world.Deployed, pg: PostgresServer, sm: Any) -> None:
    secret_id = deployed.secret_ids[world.SINGLE_KEY]
    old = world.current(sm, secret_id)
    _rotate(sm, secret_id)
    new = world.current(sm, secret_id)
    assert new["username"] == old["username"] == world.SINGLE_ROLE
    assert world.can_login(pg, new) and not world.can_login(pg, old)


def test_rotate_secret_alternating_users(deployed: world.Deployed, pg: PostgresServer, sm: Any) -> None:
    secret_id = deployed.secret_ids[world.ALT_KEY]
    old = world.current(sm, secret_id)
    _rotate(sm, secret_id)
    new = world.current(sm, secret_id)
    assert {old["username"], new["username"]} == {world.ALT_ROLE, world.ALT_ROLE + "_clone"}
    assert world.can_login(pg, new) and world.can_login(pg, old)


def test_a_failed_step_leaves_current_and_is_stuck_pending(deployed: world.Deployed, pg: PostgresServer, sm: Any, emulator: Any) -> None:
    """The role lost a grant testSecret checks: the function refuses in createSecret, AWSCURRENT still logs in."""
    secret_id = deployed.secret_ids[world.SINGLE_KEY]
    old = world.current(sm, secret_id)
    pg.execute(f"REVOKE INSERT ON {world.TABLE} FROM {world.SINGLE_ROLE}", database=world.DB)
    try:
        version = sm.rotate_secret(SecretId=secret_id)["VersionId"]
        deadline = time.monotonic() + 60
        ct = emulator.client("cloudtrail")
        while time.monotonic() < deadline:
            events = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "RotationFailed"}])["Events"]
            if any(json.loads(e["CloudTrailEvent"]).get("serviceEventDetails", {}).get("clientRequestToken") == version for e in events):
                break
            time.sleep(0.3)
        else:
            pytest.fail("no RotationFailed event")
        assert world.current(sm, secret_id) == old and world.can_login(pg, old)
        stages = sm.describe_secret(SecretId=secret_id)["VersionIdsToStages"]
        assert stages[version] == ["AWSPENDING"]  # the audit's stuck_pending
        # The function logged why, without a password.
        logs = emulator.client("logs")
        group = f"/aws/lambda/{deployed.function_names[world.SINGLE_KEY]}"
        text = "\n".join(e["message"] for e in logs.filter_log_events(logGroupName=group)["events"])
        assert "INSERT on table" in text
        sm.update_secret_version_stage(SecretId=secret_id, VersionStage="AWSPENDING", RemoveFromVersionId=version)
    finally:
        pg.execute(f"GRANT INSERT ON {world.TABLE} TO {world.SINGLE_ROLE}", database=world.DB)
