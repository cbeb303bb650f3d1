"""One setting for the emulator's address: the emulator, make and the inventories agree."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from ansible_collections.slipway.aws.plugins.lookup.emulator_endpoint import resolve
from local_aws.config import emulator_port

REPO = Path(__file__).resolve().parents[2]

AGREEING = [
    {},
    {"SLIPWAY_EMULATOR_PORT": "4610"},
    {"AWS_ENDPOINT_URL": "http://127.0.0.1:4680"},
    {"AWS_ENDPOINT_URL": "http://localhost:4611/"},
    {"SLIPWAY_EMULATOR_PORT": "4610", "AWS_ENDPOINT_URL": "http://127.0.0.1:4610"},
]
CONFLICTING = [
    {"SLIPWAY_EMULATOR_PORT": "4610", "AWS_ENDPOINT_URL": "http://127.0.0.1:4566"},
    {"SLIPWAY_EMULATOR_PORT": "4610", "AWS_ENDPOINT_URL": "https://dynamodb.us-east-1.amazonaws.com"},
    {"SLIPWAY_EMULATOR_PORT": "forty"},
]


@pytest.mark.parametrize("environ", AGREEING, ids=str)
def test_the_emulator_and_the_inventory_resolve_the_same_port(environ):
    url = resolve(environ)
    assert url.rsplit(":", 1)[1].rstrip("/") == str(emulator_port(environ))


@pytest.mark.parametrize("environ", CONFLICTING, ids=str)
def test_both_refuse_settings_that_disagree(environ):
    with pytest.raises(ValueError):
        resolve(environ)
    with pytest.raises(SystemExit) as err:
        emulator_port(environ)
    assert "Fix:" in str(err.value)


def test_the_cli_prints_the_address_make_exports():
    env = {"PATH": "/usr/bin:/bin", "SLIPWAY_EMULATOR_PORT": "4612"}
    out = subprocess.run([str(REPO / "tools" / "local-aws"), "endpoint"], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert (out.returncode, out.stdout.strip()) == (0, "http://127.0.0.1:4612")
    env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:4566"
    out = subprocess.run([str(REPO / "tools" / "local-aws"), "endpoint"], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode != 0 and "name different emulators" in out.stderr
