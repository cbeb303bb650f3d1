"""The emulator's address: one setting, never a silent fallback to another emulator."""

import pytest
from ansible_collections.slipway.aws.plugins.lookup.emulator_endpoint import resolve


def test_default_is_the_documented_port():
    assert resolve({}) == "http://127.0.0.1:4566"


def test_port_setting_gives_the_url():
    assert resolve({"SLIPWAY_EMULATOR_PORT": "4610"}) == "http://127.0.0.1:4610"


def test_endpoint_url_alone_is_used():
    assert resolve({"AWS_ENDPOINT_URL": "http://127.0.0.1:4680/"}) == "http://127.0.0.1:4680"


def test_agreeing_settings_are_fine():
    assert resolve({"SLIPWAY_EMULATOR_PORT": "4610", "AWS_ENDPOINT_URL": "http://localhost:4610"}) == "http://localhost:4610"


@pytest.mark.parametrize(
    "environ, words",
    [
        ({"SLIPWAY_EMULATOR_PORT": "4610", "AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}, ["name different emulators", "Fix"]),
        ({"SLIPWAY_EMULATOR_PORT": "4610", "AWS_ENDPOINT_URL": "https://ecs.us-east-1.amazonaws.com"}, ["name different emulators"]),
        ({"SLIPWAY_EMULATOR_PORT": "abc"}, ["SLIPWAY_EMULATOR_PORT='abc'", "Fix"]),
        ({"AWS_ENDPOINT_URL": "127.0.0.1:4566"}, ["not an http(s) URL", "Fix"]),
    ],
)
def test_conflicts_and_garbage_are_errors_naming_the_fix(environ, words):
    with pytest.raises(ValueError) as err:
        resolve(environ)
    for word in words:
        assert word in str(err.value)
