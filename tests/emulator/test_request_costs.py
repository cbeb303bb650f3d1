"""The per-request costs the emulator no longer pays change no answer (tools/local_aws/speed.py,
docs/emulator.md "Request overheads"): errors are rendered from each service's own table every time, request
ids stay 52 random letters and digits, and the access log is still written when it is asked for."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from .conftest import Emulator, running_emulator, wait_for


def error_of(call: object, **kwargs: object) -> tuple[str, int]:
    try:
        call(**kwargs)  # type: ignore[operator]
    except ClientError as exc:
        return exc.response["Error"]["Code"], exc.response["ResponseMetadata"]["HTTPStatusCode"]
    raise AssertionError(f"{call} answered without an error")


def test_each_service_answers_its_own_errors_every_time(emulator: Emulator) -> None:
    s3, sqs, kms, ecr = (emulator.client(n) for n in ("s3", "sqs", "kms", "ecr"))
    s3.create_bucket(Bucket="costs-bucket")
    ecr.create_repository(repositoryName="costs-repo")
    expected = [
        (s3.get_bucket_policy, {"Bucket": "costs-bucket"}, ("NoSuchBucketPolicy", 404)),
        (s3.get_public_access_block, {"Bucket": "costs-bucket"}, ("NoSuchPublicAccessBlockConfiguration", 404)),
        (sqs.get_queue_url, {"QueueName": "costs-missing"}, ("AWS.SimpleQueueService.NonExistentQueue", 400)),
        (kms.describe_key, {"KeyId": "alias/costs-missing"}, ("NotFoundException", 400)),
        (ecr.get_lifecycle_policy, {"repositoryName": "costs-repo"}, ("LifecyclePolicyNotFoundException", 400)),
    ]
    # Three rounds, the services interleaved: the first answer of each and the ones after it are the same.
    for _ in range(3):
        for call, kwargs, want in expected:
            assert error_of(call, **kwargs) == want, call


def test_request_ids_are_52_random_letters_and_digits(emulator: Emulator) -> None:
    kms = emulator.client("kms")
    ids = [kms.list_keys()["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"] for _ in range(20)]
    assert all(re.fullmatch(r"[A-Za-z0-9]{52}", i) for i in ids), ids
    assert len(set(ids)) == 20
    # the alphabet is drawn from, not a fixed few characters
    assert len(set("".join(ids))) > 40


def request_lines(log: Path) -> list[str]:
    return [line for line in log.read_text(errors="replace").splitlines() if '"GET /costs-log-bucket?versioning' in line]


def test_the_access_log_is_written_only_when_asked_for(emulator: Emulator, tmp_path: Path) -> None:
    emulator.client("s3").create_bucket(Bucket="costs-log-bucket")
    emulator.client("s3").get_bucket_versioning(Bucket="costs-log-bucket")
    assert request_lines(Path(emulator.env["SLIPWAY_EMULATOR_STATE_DIR"]) / "emulator.log") == []

    with running_emulator(tmp_path / "logged", SLIPWAY_EMULATOR_ACCESS_LOG="1") as logged:
        s3 = logged.client("s3")
        s3.create_bucket(Bucket="costs-log-bucket")
        s3.get_bucket_versioning(Bucket="costs-log-bucket")
        log = tmp_path / "logged" / "emulator.log"
        lines = wait_for(lambda: request_lines(log), what="the access log line of GetBucketVersioning")
        assert re.search(r'"GET /costs-log-bucket\?versioning.* HTTP/1\.1" 200 ', lines[0]), lines


@pytest.mark.parametrize("service", ["sqs", "kms"])
def test_actions_are_found_on_every_call(emulator: Emulator, service: str) -> None:
    """moto finds an action among its response class's method names (kept per class now): the same calls
    answer the same way many times over."""
    client = emulator.client(service)
    for _ in range(5):
        if service == "sqs":
            url = client.create_queue(QueueName="costs-queue")["QueueUrl"]
            assert client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"].endswith(":costs-queue")
        else:
            key = client.create_key()["KeyMetadata"]["KeyId"]
            assert client.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is False
