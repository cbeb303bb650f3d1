"""secret_rotate's runner without servers: option checks, how a task definition names the secret, pairs."""

from __future__ import annotations

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.errors import PreflightError
from ansible_collections.slipway.aws.plugins.module_utils.secrets import rotate_runner as runner

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:slipway/local/user/orders-AbC123"


def taskdef(value_from: str) -> dict:
    return {"containerDefinitions": [{"name": "app", "secrets": [{"name": "DB", "valueFrom": value_from}]}, {"name": "sidecar"}]}


@pytest.mark.parametrize(
    "value_from",
    [ARN, ARN + ":password::", ARN + ":password:AWSCURRENT:", ARN[:-7], ARN[:-7] + ":username::", "slipway/local/user/orders"],
)
def test_references_every_form(value_from: str) -> None:
    assert runner.references(taskdef(value_from), ARN, "slipway/local/user/orders") == ["app"]


@pytest.mark.parametrize("value_from", [ARN + "x", ARN[:-7] + "-other", "slipway/local/user/orders-2", "arn:aws:ssm:us-east-1:123456789012:parameter/x"])
def test_references_not_another_secret(value_from: str) -> None:
    assert runner.references(taskdef(value_from), ARN, "slipway/local/user/orders") == []


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"password_length": 8}, "password_length=8 is out of range"),
        ({"connect_timeout": 0}, "connect_timeout=0 is out of range"),
        ({"rotate_if_older_than": -1}, "rotate_if_older_than=-1 is out of range"),
        ({"strategy": "both"}, "strategy 'both' is not one of"),
        ({"resume": True, "cleanup": True}, "resume and cleanup exclude each other"),
        ({"token": "short"}, "token must be 32 to 64"),
        ({"grants": [{"privilege": "SELECT"}]}, "grants[0]: name exactly one of"),
        ({"grants": [{"privilege": "USAGE", "table": "t"}]}, "does not apply to a table"),
        ({"restart": True}, "restart needs cluster and deployment_table"),
        ({"secret": " "}, "secret is empty"),
    ],
)
def test_bad_options_are_named(options: dict, fragment: str) -> None:
    opts = runner.Options(**{"secret": "s", **options})
    with pytest.raises(PreflightError) as info:
        runner.check(opts)
    assert fragment in str(info.value)


def test_pairs_map_colours() -> None:
    services = {"orders": {"blue_service_name": "orders-blue", "green_service_name": "orders-green"}}
    assert runner._pairs(services) == {"orders-blue": ("orders", "blue"), "orders-green": ("orders", "green")}  # pylint: disable=protected-access
