"""The notifications webhook receiver and `tools/local-aws notifications`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from .conftest import Emulator, running_emulator


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    with running_emulator(tmp_path_factory.mktemp("local-aws-webhook")) as emu:
        yield emu


def _state(emu: Emulator) -> dict[str, Any]:
    return json.loads((Path(emu.env["SLIPWAY_EMULATOR_STATE_DIR"]) / "emulator.json").read_text())


def test_port_is_next_to_the_emulator_and_in_the_state_file(emulator: Emulator) -> None:
    state = _state(emulator)
    assert state["webhook_port"] == emulator.port + 1
    assert state["webhook_url"] == f"http://127.0.0.1:{emulator.port + 1}/slack/local"
    status = emulator.cli("status").stdout
    assert f"webhook: http://127.0.0.1:{emulator.port + 1}/slack/<anything>" in status


def test_slack_post_is_recorded_and_listed(emulator: Emulator) -> None:
    emulator.cli("notifications", "--clear")
    url = f"http://127.0.0.1:{emulator.port + 1}/slack/T000/B000/xyz"
    payload = {"text": "Release *demo* 1.2.3 started\nstep 1 of 3", "slipway": {"event": "started", "release": {"service": "demo"}}}
    resp = requests.post(url, json=payload, headers={"Authorization": "Bearer hush", "X-Api-Key": "hush", "X-Trace": "t-1"}, timeout=5)
    assert (resp.status_code, resp.text) == (200, "ok")
    resp = requests.post(url, data=b"plain words", headers={"Content-Type": "text/plain"}, timeout=5)
    assert resp.text == "ok"

    lines = emulator.cli("notifications").stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("  /slack/T000/B000/xyz  Release *demo* 1.2.3 started step 1 of 3")
    assert lines[1].endswith("  /slack/T000/B000/xyz  plain words")

    records = json.loads(emulator.cli("notifications", "--json").stdout)
    first = records[0]
    assert first["body"] == payload and first["path"] == "/slack/T000/B000/xyz"
    headers = {k.lower(): v for k, v in first["headers"].items()}
    assert headers["x-trace"] == "t-1" and "authorization" not in headers and "x-api-key" not in headers
    assert "hush" not in json.dumps(records)
    assert records[1]["body"] == "plain words"

    # the receiver itself lists them too (GET on its own port)
    assert len(requests.get(f"http://127.0.0.1:{emulator.port + 1}/", timeout=5).json()["messages"]) == 2
    # the endpoint on the emulator's port is no AWS call
    calls = requests.get(emulator.endpoint + "/_slipway/calls", timeout=5).json()["calls"]
    assert not [name for name in calls if "notifications" in name]

    out = emulator.cli("notifications", "--clear").stdout
    assert "Release *demo* 1.2.3 started" in out and out.rstrip().endswith("(notifications cleared)")
    assert emulator.cli("notifications").stdout.strip() == "no notifications"


def test_sns_http_subscription_is_delivered(emulator: Emulator) -> None:
    emulator.cli("notifications", "--clear")
    sns = emulator.client("sns")
    topic = sns.create_topic(Name="slipway-local-alerts-critical")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=f"http://127.0.0.1:{emulator.port + 1}/sns/critical")
    sns.publish(TopicArn=topic, Subject="disk full", Message="the disk is full")
    records = json.loads(emulator.cli("notifications", "--json").stdout)
    assert [(r["path"], r["text"], r["body"]["Message"]) for r in records] == [("/sns/critical", "disk full", "the disk is full")]
