"""Resources that move to a customer-managed key in place, as on AWS (moto ignores the update)."""

from __future__ import annotations


def test_update_table_applies_the_sse_specification(emulator) -> None:
    ddb, kms = emulator.client("dynamodb"), emulator.client("kms")
    key = kms.create_key()["KeyMetadata"]["Arn"]
    ddb.create_table(
        TableName="slipway-sse",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    assert "SSEDescription" not in ddb.describe_table(TableName="slipway-sse")["Table"]  # the AWS owned key
    ddb.update_table(TableName="slipway-sse", SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key})
    sse = ddb.describe_table(TableName="slipway-sse")["Table"]["SSEDescription"]
    assert (sse["Status"], sse["SSEType"], sse["KMSMasterKeyArn"]) == ("ENABLED", "KMS", key)
    ddb.update_table(TableName="slipway-sse", SSESpecification={"Enabled": False})
    assert "SSEDescription" not in ddb.describe_table(TableName="slipway-sse")["Table"]
