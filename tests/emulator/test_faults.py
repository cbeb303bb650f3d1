"""Fault injection over HTTP with real boto3 clients: error shapes per protocol,
how botocore's standard retry mode classifies them, counts, selectors, CLI."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError
from local_aws import faults

from .conftest import Emulator, wait_for


def aws(emu: Emulator, name: str, attempts: int = 3) -> Any:
    return emu.client(name, Config(retries={"mode": "standard", "total_max_attempts": attempts}))


def calls(emu: Emulator) -> dict[str, Any]:
    with urllib.request.urlopen(emu.endpoint + "/_slipway/calls", timeout=10) as resp:
        return json.loads(resp.read())


def reset_calls(emu: Emulator) -> None:
    urllib.request.urlopen(urllib.request.Request(emu.endpoint + "/_slipway/calls", method="DELETE"), timeout=10).close()


@pytest.fixture(autouse=True)
def clean(emulator: Emulator) -> Iterator[None]:
    faults.clear_faults(emulator.endpoint)
    reset_calls(emulator)
    yield
    faults.clear_faults(emulator.endpoint)


def test_throttle_at_rate_one_exhausts_standard_retries(emulator: Emulator) -> None:
    faults.set_fault(emulator.endpoint, "ecs.ListClusters", "throttle", rate=1.0)
    with pytest.raises(ClientError) as err:
        aws(emulator, "ecs", attempts=3).list_clusters()
    resp = err.value.response
    assert resp["Error"]["Code"] == "ThrottlingException"
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert resp["ResponseMetadata"]["RetryAttempts"] == 2  # throttles are retryable
    counts = calls(emulator)
    assert counts["calls"]["ecs.ListClusters"] == 3
    assert counts["injected"]["operations"] == {"ecs.ListClusters": {"throttle": 3}}
    assert counts["injected"]["total"] == 3
    out = emulator.cli("calls").stdout
    assert "faults injected since" in out and "throttle 3" in out


def test_count_two_throttles_are_absorbed_by_standard_retries(emulator: Emulator) -> None:
    rule = faults.set_fault(emulator.endpoint, "ecs.ListClusters", "throttle", count=2)
    answer = aws(emulator, "ecs", attempts=3).list_clusters()
    assert answer["ResponseMetadata"]["RetryAttempts"] == 2
    listing = faults.list_faults(emulator.endpoint)
    (listed,) = [r for r in listing["rules"] if r["id"] == rule["id"]]
    assert listed["injected"] == 2 and listed["remaining"] == 0
    assert listing["injected"]["rules"][rule["id"]]["count"] == 2
    aws(emulator, "ecs", attempts=1).list_clusters()  # the rule is spent
    assert calls(emulator)["injected"]["total"] == 2


def test_access_denied_is_not_retried(emulator: Emulator) -> None:
    faults.set_fault(emulator.endpoint, "ecs.*", "access-denied", rate=1.0)
    with pytest.raises(ClientError) as err:
        aws(emulator, "ecs", attempts=3).list_clusters()
    resp = err.value.response
    assert resp["Error"]["Code"] == "AccessDeniedException"  # JSON protocol: HTTP 400
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 400 and resp["ResponseMetadata"]["RetryAttempts"] == 0
    assert "not authorized to perform: ecs:ListClusters" in resp["Error"]["Message"]
    assert calls(emulator)["injected"]["total"] == 1


def test_query_protocol_shapes_and_signing_name_selector(emulator: Emulator) -> None:
    """ELBv2 speaks the query protocol: an XML ErrorResponse; selected by its signing name."""
    ep = emulator.endpoint
    faults.set_fault(ep, "elasticloadbalancing.Describe*", "access-denied", count=1)
    faults.set_fault(ep, "elbv2.DescribeLoadBalancers", "throttle", count=1)
    elb = aws(emulator, "elbv2", attempts=1)
    with pytest.raises(ClientError) as denied:
        elb.describe_load_balancers()
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    with pytest.raises(ClientError) as throttled:
        elb.describe_load_balancers()
    assert throttled.value.response["Error"]["Code"] == "Throttling"
    assert throttled.value.response["Error"]["Type"] == "Sender"
    assert throttled.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    elb.describe_load_balancers()
    assert calls(emulator)["injected"]["operations"]["elbv2.DescribeLoadBalancers"] == {"access-denied": 1, "throttle": 1}


def test_query_compatible_json_service_reports_the_query_code(emulator: Emulator) -> None:
    """CloudWatch is answered over JSON with x-amzn-query-error, so botocore reports `Throttling`."""
    faults.set_fault(emulator.endpoint, "monitoring.DescribeAlarms", "throttle", count=1)
    with pytest.raises(ClientError) as err:
        aws(emulator, "cloudwatch", attempts=1).describe_alarms()
    assert err.value.response["Error"]["Code"] == "Throttling"


def test_5xx_is_retried_and_503_is_service_unavailable(emulator: Emulator) -> None:
    faults.set_fault(emulator.endpoint, "sts.GetCallerIdentity", "5xx", count=1, status=503)
    ok = aws(emulator, "sts", attempts=3).get_caller_identity()
    assert ok["ResponseMetadata"]["RetryAttempts"] == 1
    faults.set_fault(emulator.endpoint, "sts.GetCallerIdentity", "5xx", count=1)
    with pytest.raises(ClientError) as err:
        aws(emulator, "sts", attempts=1).get_caller_identity()
    assert err.value.response["Error"]["Code"] == "InternalFailure"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert calls(emulator)["injected"]["operations"]["sts.GetCallerIdentity"] == {"5xx": 2}


def test_5xx_after_applies_the_write_but_the_client_sees_an_error(emulator: Emulator) -> None:
    ddb = aws(emulator, "dynamodb", attempts=1)
    table = "slipway-fault-leases"
    ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    faults.set_fault(emulator.endpoint, "dynamodb.PutItem", "5xx-after", count=1)
    put = {"TableName": table, "ConditionExpression": "attribute_not_exists(pk)"}
    with pytest.raises(ClientError) as err:
        ddb.put_item(Item={"pk": {"S": "lease-1"}, "owner": {"S": "run-a"}}, **put)
    assert err.value.response["Error"]["Code"] == "InternalServerError"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "lease-1"}})["Item"]["owner"] == {"S": "run-a"}

    # With retries, the retried conditional put meets its own write: a lease
    # writer must read the item back and accept it when it is its own.
    faults.set_fault(emulator.endpoint, "dynamodb.PutItem", "5xx-after", count=1, status=503)
    with pytest.raises(ClientError) as again:
        aws(emulator, "dynamodb", attempts=3).put_item(Item={"pk": {"S": "lease-2"}, "owner": {"S": "run-b"}}, **put)
    assert again.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert again.value.response["ResponseMetadata"]["RetryAttempts"] == 1
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "lease-2"}})["Item"]["owner"] == {"S": "run-b"}
    assert calls(emulator)["injected"]["operations"]["dynamodb.PutItem"] == {"5xx-after": 2}


def test_latency_beyond_the_read_timeout_is_a_client_timeout_but_the_write_lands(emulator: Emulator) -> None:
    ddb = emulator.client("dynamodb", Config(read_timeout=0.5, retries={"mode": "standard", "total_max_attempts": 1}))
    table = "slipway-fault-timeouts"
    ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    faults.set_fault(emulator.endpoint, "dynamodb.PutItem", "latency", count=1, latency_ms=1200)
    with pytest.raises(ReadTimeoutError):
        ddb.put_item(TableName=table, Item={"pk": {"S": "late"}})
    wait_for(lambda: "Item" in ddb.get_item(TableName=table, Key={"pk": {"S": "late"}}), timeout=5, what="the delayed write")


def test_dynamodb_data_plane_throttle_is_provisioned_throughput_exceeded(emulator: Emulator) -> None:
    faults.set_fault(emulator.endpoint, "dynamodb.GetItem", "throttle", count=1)
    faults.set_fault(emulator.endpoint, "dynamodb.ListTables", "throttle", count=1)
    ddb = aws(emulator, "dynamodb", attempts=1)
    with pytest.raises(ClientError) as data:
        ddb.get_item(TableName="any", Key={"pk": {"S": "x"}})
    assert data.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
    with pytest.raises(ClientError) as control:
        ddb.list_tables()
    assert control.value.response["Error"]["Code"] == "ThrottlingException"


def test_latency_delays_the_real_answer(emulator: Emulator) -> None:
    sts = aws(emulator, "sts", attempts=1)
    sts.get_caller_identity()
    faults.set_fault(emulator.endpoint, "sts.*", "latency", count=1, latency_ms=400)
    started = time.monotonic()
    answer = sts.get_caller_identity()
    assert time.monotonic() - started >= 0.4
    assert answer["Account"] == "123456789012"
    assert calls(emulator)["injected"]["operations"] == {"sts.GetCallerIdentity": {"latency": 1}}


def test_glob_selectors_match_only_their_operations(emulator: Emulator) -> None:
    faults.set_fault(emulator.endpoint, "ecs.List*", "throttle", rate=1.0)
    ecs = aws(emulator, "ecs", attempts=1)
    ecs.describe_clusters(clusters=["none"])
    for call in (ecs.list_clusters, ecs.list_task_definitions):
        with pytest.raises(ClientError):
            call()
    assert set(calls(emulator)["injected"]["operations"]) == {"ecs.ListClusters", "ecs.ListTaskDefinitions"}


def test_clear_by_id_and_all(emulator: Emulator) -> None:
    ep = emulator.endpoint
    a = faults.set_fault(ep, "ecs.ListClusters", "throttle", rate=1.0)
    b = faults.set_fault(ep, "sts.*", "throttle", rate=1.0)
    assert [r["id"] for r in faults.clear_faults(ep, a["id"])] == [a["id"]]
    aws(emulator, "ecs", attempts=1).list_clusters()
    with pytest.raises(faults.FaultError, match="no fault rule"):
        faults.clear_faults(ep, a["id"])
    out = emulator.cli("faults", "clear").stdout
    assert b["id"] in out
    aws(emulator, "sts", attempts=1).get_caller_identity()
    assert faults.list_faults(ep)["rules"] == []


def test_seeded_rate_is_near_target_and_repeatable(emulator: Emulator) -> None:
    ecs = aws(emulator, "ecs", attempts=1)

    def pattern() -> list[bool]:
        rule = faults.set_fault(emulator.endpoint, "ecs.ListClusters", "throttle", rate=0.3, seed=1234)
        hits = []
        for _ in range(300):
            try:
                ecs.list_clusters()
                hits.append(False)
            except ClientError as exc:
                assert exc.response["Error"]["Code"] == "ThrottlingException"
                hits.append(True)
        faults.clear_faults(emulator.endpoint, rule["id"])
        return hits

    first = pattern()
    # Binomial(300, 0.3): mean 90, sd 7.9; 4.5 sd either side
    assert 55 <= sum(first) <= 125, sum(first)
    assert pattern() == first  # the same seed draws the same sequence


def test_cli_set_list_clear(emulator: Emulator) -> None:
    out = emulator.cli("faults", "set", "ecs.ListClusters", "--kind", "throttle", "--count", "1").stdout
    rule_id = out.split()[0]
    assert rule_id.startswith("f") and "count 1 (1 left)" in out
    with pytest.raises(ClientError):
        aws(emulator, "ecs", attempts=1).list_clusters()
    listing = emulator.cli("faults", "list").stdout
    assert f"{rule_id}  ecs.ListClusters  throttle  count 1 (0 left)  injected 1 of 1 matching" in listing
    assert "ecs.ListClusters  throttle 1" in listing
    reset = emulator.cli("calls", "--reset").stdout
    assert "throttle 1" in reset and "injected counts reset" in reset
    assert calls(emulator)["injected"]["total"] == 0
    assert "removed 1 fault rule(s)" in emulator.cli("faults", "clear", rule_id).stdout
    missing = emulator.cli("faults", "clear", rule_id, check=False)
    assert missing.returncode == 1 and "faults list" in missing.stderr


@pytest.mark.parametrize(
    ("args", "fix"),
    [
        (["ecs.*", "--kind", "slow", "--rate", "1"], "use one of throttle, 5xx, 5xx-after, access-denied, latency"),
        (["ecs.*", "--kind", "throttle", "--rate", "1.5"], "between 0 and 1"),
        (["ecs.*", "--kind", "throttle", "--rate", "0.5", "--count", "2"], "exactly one of rate"),
        (["ecs.*", "--kind", "throttle"], "exactly one of rate"),
        (["ecs.*", "--kind", "latency", "--count", "1"], "--latency-ms N"),
        (["ecs.*", "--kind", "throttle", "--count", "1", "--status", "503"], "kinds 5xx and 5xx-after"),
        (["ecs.*", "--kind", "5xx", "--count", "1", "--status", "502"], "500 or 503"),
        (["ecs/ListClusters", "--kind", "throttle", "--count", "1"], "SERVICE.OPERATION"),
    ],
)
def test_cli_rejects_bad_rules(emulator: Emulator, args: list[str], fix: str) -> None:
    proc = emulator.cli("faults", "set", *args, check=False)
    assert proc.returncode == 2, proc
    assert fix in proc.stderr and "Traceback" not in proc.stderr


def test_rules_survive_moto_reset_until_cleared(emulator: Emulator) -> None:
    rule = faults.set_fault(emulator.endpoint, "ecs.ListClusters", "throttle", rate=1.0)
    emulator.cli("reset")
    assert [r["id"] for r in faults.list_faults(emulator.endpoint)["rules"]] == [rule["id"]]
    with pytest.raises(ClientError):
        aws(emulator, "ecs", attempts=1).list_clusters()


def test_s3_faults_have_s3s_shapes_and_effects(emulator: Emulator) -> None:
    """S3 requests do not pass moto's generic action hook: the same rules reach them, in S3's own error document."""
    s3 = aws(emulator, "s3", attempts=1)
    s3.create_bucket(Bucket="fault-bucket")
    faults.set_fault(emulator.endpoint, "s3.PutObject", "access-denied", count=1)
    with pytest.raises(ClientError) as err:
        s3.put_object(Bucket="fault-bucket", Key="denied", Body=b"x")
    assert err.value.response["Error"]["Code"] == "AccessDenied"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "Contents" not in s3.list_objects_v2(Bucket="fault-bucket")  # refused before the write
    faults.set_fault(emulator.endpoint, "s3.PutObject", "5xx-after", count=1)
    with pytest.raises(ClientError) as err:
        s3.put_object(Bucket="fault-bucket", Key="written", Body=b"landed")
    assert err.value.response["Error"]["Code"] == "InternalError"
    assert s3.get_object(Bucket="fault-bucket", Key="written")["Body"].read() == b"landed"  # the write was applied
    faults.set_fault(emulator.endpoint, "s3.GetObject", "throttle", count=1)
    with pytest.raises(ClientError) as err:
        s3.get_object(Bucket="fault-bucket", Key="written")
    assert (err.value.response["Error"]["Code"], err.value.response["ResponseMetadata"]["HTTPStatusCode"]) == ("SlowDown", 503)
    # with standard retries a single SlowDown is absorbed; a latency rule only delays
    faults.set_fault(emulator.endpoint, "s3.GetObject", "throttle", count=1)
    faults.set_fault(emulator.endpoint, "s3.GetObject", "latency", latency_ms=300, rate=1.0)
    started = time.monotonic()
    assert aws(emulator, "s3", attempts=3).get_object(Bucket="fault-bucket", Key="written")["Body"].read() == b"landed"
    assert time.monotonic() - started >= 0.6
    assert calls(emulator)["injected"]["operations"]["s3.GetObject"] == {"throttle": 2, "latency": 2}
