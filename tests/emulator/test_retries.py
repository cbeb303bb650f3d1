"""A create whose first answer was lost, retried by the client, finds what it created."""

from __future__ import annotations

import json

import botocore.exceptions
import pytest

TRUST = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
)


def test_an_identical_create_role_answers_with_the_role(emulator) -> None:
    iam = emulator.client("iam")
    first = iam.create_role(RoleName="slipway-retry", AssumeRolePolicyDocument=TRUST)["Role"]
    again = iam.create_role(RoleName="slipway-retry", AssumeRolePolicyDocument=TRUST)["Role"]
    assert again["RoleId"] == first["RoleId"]
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]].count("slipway-retry") == 1


def test_a_different_create_role_of_the_same_name_is_refused(emulator) -> None:
    iam = emulator.client("iam")
    iam.create_role(RoleName="slipway-retry-2", AssumeRolePolicyDocument=TRUST)
    other = TRUST.replace("ecs-tasks", "lambda")
    with pytest.raises(botocore.exceptions.ClientError) as err:
        iam.create_role(RoleName="slipway-retry-2", AssumeRolePolicyDocument=other)
    assert err.value.response["Error"]["Code"] == "EntityAlreadyExists"
