"""Fixtures: the deployment table on in-process moto, and the fake AWS model of one service."""

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.aws import Aws
from moto import mock_aws

from .fakes import TABLE, FakeAws, make_config


@pytest.fixture
def table(monkeypatch):
    for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    with mock_aws():
        aws = Aws(region="us-east-1")
        aws.client("dynamodb").create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield aws


@pytest.fixture
def fake(table):
    """blue live on 1.0.0 (2 tasks), green idle at 0 on the same revision."""
    return FakeAws(make_config(), table)
