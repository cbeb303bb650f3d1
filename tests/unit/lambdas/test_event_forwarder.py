"""lambdas/event_forwarder: validation and forwarding, against moto's in-process SQS."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

HANDLER = Path(__file__).resolve().parents[3] / "lambdas" / "event_forwarder" / "handler.py"


def load_handler():
    spec = importlib.util.spec_from_file_location("event_forwarder_handler", HANDLER)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def make_event(**overrides):
    event = {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "UserSignedUp",
        "source": "slipway.users",
        "account": "123456789012",
        "time": "2025-01-01T12:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {"user_id": "u-1", "plan": "free"},
    }
    event.update(overrides)
    return event


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("ALLOWED_SOURCES", raising=False)
    monkeypatch.delenv("MAX_DETAIL_BYTES", raising=False)
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="slipway-test-notifications")["QueueUrl"]
        monkeypatch.setenv("TARGET_QUEUE_URL", url)
        yield sqs, url, load_handler()


def receive_all(sqs, url):
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get("Messages", [])


def test_forwards_a_valid_event(env):
    sqs, url, handler = env
    result = handler.handler(make_event(), None)

    messages = receive_all(sqs, url)
    assert len(messages) == 1
    assert result == {"forwarded": True, "event_id": make_event()["id"], "message_id": messages[0]["MessageId"]}
    body = json.loads(messages[0]["Body"])
    assert body == {
        "id": make_event()["id"],
        "source": "slipway.users",
        "detail_type": "UserSignedUp",
        "time": "2025-01-01T12:00:00Z",
        "account": "123456789012",
        "region": "us-east-1",
        "detail": {"user_id": "u-1", "plan": "free"},
    }
    attributes = {name: value["StringValue"] for name, value in messages[0]["MessageAttributes"].items()}
    assert attributes == {"source": "slipway.users", "detail_type": "UserSignedUp", "event_id": make_event()["id"]}


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ("not an object", "must be an object"),
        ({k: v for k, v in make_event().items() if k != "detail"}, "lacks detail"),
        ({k: v for k, v in make_event().items() if k not in ("source", "time")}, "lacks source, time"),
        (make_event(source="  "), "source must be a non-empty string"),
        (make_event(**{"detail-type": 42}), "detail-type must be a non-empty string"),
        (make_event(detail=["a", "list"]), "detail must be an object"),
    ],
)
def test_rejects_malformed_events_and_sends_nothing(env, event, reason):
    sqs, url, handler = env
    with pytest.raises(handler.InvalidEventError, match=reason):
        handler.handler(event, None)
    assert receive_all(sqs, url) == []


def test_only_allowed_sources_pass(env, monkeypatch):
    sqs, url, handler = env
    monkeypatch.setenv("ALLOWED_SOURCES", "slipway.billing, partner.")

    with pytest.raises(handler.InvalidEventError, match="not one of"):
        handler.handler(make_event(source="slipway.users"), None)
    handler.handler(make_event(source="partner.stripe"), None)

    messages = receive_all(sqs, url)
    assert [json.loads(m["Body"])["source"] for m in messages] == ["partner.stripe"]


def test_rejects_an_oversized_detail(env, monkeypatch):
    sqs, url, handler = env
    monkeypatch.setenv("MAX_DETAIL_BYTES", "100")
    with pytest.raises(handler.InvalidEventError, match="more than 100"):
        handler.handler(make_event(detail={"blob": "x" * 200}), None)
    assert receive_all(sqs, url) == []


def test_missing_queue_configuration_fails_loudly(env, monkeypatch):
    _, _, handler = env
    monkeypatch.delenv("TARGET_QUEUE_URL")
    with pytest.raises(RuntimeError, match="TARGET_QUEUE_URL"):
        handler.handler(make_event(), None)


def test_packaging_is_reproducible(tmp_path):
    import subprocess

    tool = Path(__file__).resolve().parents[3] / "tools" / "package-lambdas"
    first = tmp_path / "a"
    second = tmp_path / "b"
    subprocess.run([sys.executable, str(tool), "--out", str(first), "event_forwarder"], check=True, capture_output=True)
    subprocess.run([sys.executable, str(tool), "--out", str(second), "event_forwarder"], check=True, capture_output=True)
    assert (first / "event_forwarder.zip").read_bytes() == (second / "event_forwarder.zip").read_bytes()

    import zipfile

    with zipfile.ZipFile(first / "event_forwarder.zip") as zf:
        assert "handler.py" in zf.namelist()
        assert not any("__pycache__" in name for name in zf.namelist())
