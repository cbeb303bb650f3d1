"""Bad input is refused with a message naming the problem and the fix, before any write."""

from __future__ import annotations

import pytest

from .conftest import Stack

pytestmark = pytest.mark.timeout(120)


@pytest.mark.parametrize(
    "args,expected",
    [
        ({"svc": "nope"}, ["unknown service 'nope'", "api-gateway, event, notification, user"]),
        ({}, ["no service given", "-e svc=NAME"]),
        ({"svc": "user", "image_tag": "bad tag!"}, ["malformed image tag", "Fix:"]),
        ({"svc": "user", "image_tag": "9.9.9"}, ["slipway/user:9.9.9 does not exist", "Fix:"]),
        ({"svc": "user", "strategy": "yolo"}, ["strategy 'yolo' is not one of all_at_once, canary, linear", "Fix: -e strategy="]),
    ],
    ids=["unknown-service", "no-service", "malformed-tag", "missing-tag", "unknown-strategy"],
)
def test_refused_before_any_write(stack: Stack, args: dict, expected: list[str]) -> None:
    before = stack.snapshot()
    calls = stack.calls()
    svc = args.pop("svc", None)
    proc = stack.release(svc, **args)
    assert proc.returncode != 0
    for text in expected:
        assert text in proc.stdout, proc.stdout[-3000:]
    # The error names what the user typed; the role's own variable names stay out of it.
    failure = proc.stdout.split("FAILED! =>", 1)[-1]
    assert "service_release_" not in failure, failure
    assert stack.writes_since(calls) == {}
    assert stack.snapshot() == before


def test_unreachable_endpoint_is_named(stack: Stack) -> None:
    env = {k: v for k, v in stack.env.items() if k != "SLIPWAY_EMULATOR_PORT"}
    env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"
    proc = stack.release("user", env=env)
    assert proc.returncode != 0
    assert "cannot reach http://127.0.0.1:9" in proc.stdout and "tools/local-aws up" in proc.stdout


def test_missing_catalogue_is_named(stack: Stack, tmp_path) -> None:
    inv = tmp_path / "hosts.yml"
    inv.write_text("all:\n  hosts:\n    localhost:\n      ansible_connection: local\n")
    before, calls = stack.snapshot(), stack.calls()
    proc = stack.release("user", inventory=inv)
    assert proc.returncode != 0
    assert "no service catalogue (slipway_services)" in proc.stdout
    assert stack.writes_since(calls) == {}
    assert stack.snapshot() == before


def test_secret_webhook_never_printed(stack: Stack) -> None:
    stack.push("user", "5.0.0")
    proc = stack.release("user", "-v", image_tag="5.0.0", service_release_step_bake_seconds=1)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "slipway-test-secret-token" not in proc.stdout + proc.stderr
    events = [m["slipway"]["event"] for m in stack.slack.messages if m["slipway"]["release"]["release_id"] == stack.ledger("user")[0]["release_id"]]
    assert events == ["started", "succeeded"]


def test_conflicting_emulator_settings_are_refused(stack: Stack) -> None:
    before, calls = stack.snapshot(), stack.calls()
    env = {**stack.env, "AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}  # SLIPWAY_EMULATOR_PORT names the suite's emulator
    proc = stack.release("user", env=env)
    assert proc.returncode != 0
    assert "name different emulators" in proc.stdout and "Fix:" in proc.stdout, proc.stdout[-3000:]
    assert stack.writes_since(calls) == {}
    assert stack.snapshot() == before
