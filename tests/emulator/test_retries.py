"""A create whose first answer was lost, retried by the client, finds what it created; an SDK retry of a write
the emulator carried out gets that write's answer (tools/local_aws/replay.py)."""

from __future__ import annotations

import json
import urllib.request
import uuid
from typing import Any

import botocore.exceptions
import pytest
from botocore.config import Config
from local_aws import faults

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


# ---------------------------------------------------------------- SDK retries of a write (tools/local_aws/replay.py)
def _ec2(emulator, invocation: str, attempt: int) -> Any:
    """An EC2 client whose requests carry this SDK invocation id and attempt number, and that never retries itself."""
    ec2 = emulator.client("ec2", Config(retries={"total_max_attempts": 1, "mode": "standard"}))

    def tag(request: Any, **_: Any) -> None:
        request.headers["amz-sdk-invocation-id"] = invocation
        request.headers["amz-sdk-request"] = f"attempt={attempt}; max=25"

    ec2.meta.events.register("before-send.ec2.*", tag)
    return ec2


def _groups(emulator, name: str) -> list[str]:
    found = emulator.client("ec2").describe_security_groups(Filters=[{"Name": "group-name", "Values": [name]}])
    return [g["GroupId"] for g in found["SecurityGroups"]]


def _replayed(emulator) -> int:
    with urllib.request.urlopen(emulator.endpoint + "/_slipway/calls", timeout=10) as resp:
        return json.loads(resp.read())["replayed"]


def test_a_retried_create_gets_the_first_attempts_answer_and_runs_once(emulator) -> None:
    invocation = str(uuid.uuid4())
    before = _replayed(emulator)
    first = _ec2(emulator, invocation, 1).create_security_group(GroupName="replay-sg", Description="d")["GroupId"]
    again = _ec2(emulator, invocation, 2).create_security_group(GroupName="replay-sg", Description="d")["GroupId"]
    assert again == first
    assert _groups(emulator, "replay-sg") == [first]
    assert _replayed(emulator) == before + 1


def test_the_same_request_under_another_invocation_runs_again(emulator) -> None:
    _ec2(emulator, str(uuid.uuid4()), 1).create_security_group(GroupName="replay-sg-2", Description="d")
    with pytest.raises(botocore.exceptions.ClientError) as err:
        _ec2(emulator, str(uuid.uuid4()), 2).create_security_group(GroupName="replay-sg-2", Description="d")
    assert err.value.response["Error"]["Code"] == "InvalidGroup.Duplicate"


def test_a_retry_with_another_body_is_a_new_request(emulator) -> None:
    invocation = str(uuid.uuid4())
    first = _ec2(emulator, invocation, 1).create_security_group(GroupName="replay-sg-3", Description="d")["GroupId"]
    other = _ec2(emulator, invocation, 2).create_security_group(GroupName="replay-sg-4", Description="d")["GroupId"]
    assert other != first
    assert _groups(emulator, "replay-sg-4") == [other]


def test_a_first_attempt_that_met_a_fault_is_retried_for_real(emulator) -> None:
    # 5xx-after: the create runs, the client gets a 500; its retry runs again and meets the first write, as on AWS.
    invocation = str(uuid.uuid4())
    faults.set_fault(emulator.endpoint, "ec2.CreateSecurityGroup", "5xx-after", count=1)
    try:
        with pytest.raises(botocore.exceptions.ClientError) as first:
            _ec2(emulator, invocation, 1).create_security_group(GroupName="replay-sg-5", Description="d")
        assert first.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
        with pytest.raises(botocore.exceptions.ClientError) as again:
            _ec2(emulator, invocation, 2).create_security_group(GroupName="replay-sg-5", Description="d")
        assert again.value.response["Error"]["Code"] == "InvalidGroup.Duplicate"
    finally:
        faults.clear_faults(emulator.endpoint)
    assert len(_groups(emulator, "replay-sg-5")) == 1


def test_reads_are_never_replayed(emulator) -> None:
    # The same GET twice under one invocation id: the second answer shows the state after a write in between.
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="replay-bucket")
    invocation = str(uuid.uuid4())

    def get(attempt: int) -> bytes:
        request = urllib.request.Request(
            emulator.endpoint + "/replay-bucket/k",
            headers={
                "amz-sdk-invocation-id": invocation,
                "amz-sdk-request": f"attempt={attempt}; max=3",
                "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.read()

    s3.put_object(Bucket="replay-bucket", Key="k", Body=b"one")
    assert get(1) == b"one"
    s3.put_object(Bucket="replay-bucket", Key="k", Body=b"two")
    assert get(2) == b"two"
