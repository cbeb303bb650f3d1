"""CloudWatch Logs AssociateKmsKey / DisassociateKmsKey, which moto lacks."""

from __future__ import annotations

import botocore.exceptions
import pytest


def test_a_key_is_associated_and_disassociated_by_name_or_arn(emulator) -> None:
    logs, kms = emulator.client("logs"), emulator.client("kms")
    key = kms.create_key()["KeyMetadata"]["Arn"]
    logs.create_log_group(logGroupName="/slipway/test/kms")
    logs.associate_kms_key(logGroupName="/slipway/test/kms", kmsKeyId=key)
    group = logs.describe_log_groups(logGroupNamePrefix="/slipway/test/kms")["logGroups"][0]
    assert group["kmsKeyId"] == key
    logs.disassociate_kms_key(resourceIdentifier=group["arn"].removesuffix(":*"))
    assert "kmsKeyId" not in logs.describe_log_groups(logGroupNamePrefix="/slipway/test/kms")["logGroups"][0]


@pytest.mark.parametrize(
    "kwargs,code",
    [
        ({"logGroupName": "/slipway/test/none", "kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/abc"}, "ResourceNotFoundException"),
        ({"logGroupName": "/slipway/test/kms2", "kmsKeyId": "alias/not-an-arn"}, "InvalidParameterException"),
    ],
)
def test_bad_requests_get_the_aws_errors(emulator, kwargs, code) -> None:
    logs = emulator.client("logs")
    if not logs.describe_log_groups(logGroupNamePrefix="/slipway/test/kms2")["logGroups"]:
        logs.create_log_group(logGroupName="/slipway/test/kms2")
    with pytest.raises(botocore.exceptions.ClientError) as err:
        logs.associate_kms_key(**kwargs)
    assert err.value.response["Error"]["Code"] == code
