"""The deployment table on in-process moto, shared by the ledger and release tests."""

from collections.abc import Iterator

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.aws import Aws
from moto import mock_aws

DEPLOYMENT_TABLE = "slipway-test-deployments"


@pytest.fixture
def aws(monkeypatch) -> Iterator[Aws]:
    """An ``Aws`` on in-process moto with the deployment table (hash ``pk``, range ``sk``) created."""
    for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    with mock_aws():
        a = Aws(region="us-east-1")
        a.client("dynamodb").create_table(
            TableName=DEPLOYMENT_TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield a
