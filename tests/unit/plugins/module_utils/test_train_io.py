"""The train's ledger reads and its wait loop, on in-process moto's deployment table."""

from __future__ import annotations

from ansible_collections.slipway.aws.plugins.module_utils import train_io
from ansible_collections.slipway.aws.plugins.module_utils.ledger import ledger_put

from .conftest import DEPLOYMENT_TABLE

TRAIN = "train-20261201T102724Z-4f2a9c"


def put(aws, service: str, outcome: str, started: str, train_id: str | None = TRAIN) -> None:
    entry = {"service": service, "outcome": outcome, "started_at": started, "release_id": f"r-{service}-{started[11:19]}"}
    if train_id:
        entry["train_id"] = train_id
    ledger_put(aws, DEPLOYMENT_TABLE, entry)


def test_read_states_from_the_ledger(aws):
    put(aws, "user", "succeeded", "2026-12-01T10:00:00Z", train_id=None)
    put(aws, "user", "succeeded", "2026-12-01T10:28:00Z")
    put(aws, "event", "rolled_back", "2026-12-01T10:28:01Z")
    states = train_io.read_states(aws, DEPLOYMENT_TABLE, ["user", "event", "api-gateway"], TRAIN)
    assert states["user"]["release"]["started_at"] == "2026-12-01T10:28:00Z"
    assert states["event"]["release"]["outcome"] == "rolled_back"
    assert states["api-gateway"] == {"release": None, "cascade": None}


def test_wait_returns_when_the_dependency_lands(aws):
    reads = []

    def read():
        reads.append(1)
        if len(reads) == 3:
            put(aws, "user", "succeeded", "2026-12-01T10:28:00Z")
        return train_io.read_states(aws, DEPLOYMENT_TABLE, ["user", "api-gateway"], TRAIN)

    slept = []
    verdict, reason, seen, waited = train_io.wait_for(read, "api-gateway", ["user"], [], timeout=60, interval=1, sleep=slept.append)
    assert (verdict, reason) == ("ready", "every dependency is live") and len(reads) == 3
    assert seen["user"]["release"]["outcome"] == "succeeded" and waited >= 0
    assert slept == [1, 1.5]


def test_wait_times_out_naming_forks(aws):
    clock = iter(range(0, 1000, 10))

    def read():
        return train_io.read_states(aws, DEPLOYMENT_TABLE, ["user"], TRAIN)

    def no_sleep(seconds):
        assert seconds >= 0

    verdict, reason, seen, waited = train_io.wait_for(read, "api-gateway", ["user"], [], 30, 1, sleep=no_sleep, clock=clock.__next__)
    assert seen["user"]["release"] is None and waited >= 30
    assert verdict == "blocked" and "timed out after 30s" in reason and "no ledger entry of user" in reason and "-f" in reason


def test_a_refusal_is_recorded_once(aws):
    train_io.record_refusal(aws, DEPLOYMENT_TABLE, {"service": "user", "started_at": "2026-12-01T10:28:00Z", "release_id": "r1", "train_id": TRAIN})
    states = train_io.read_states(aws, DEPLOYMENT_TABLE, ["user"], TRAIN)
    assert states["user"]["release"]["outcome"] == "refused"


def test_summary_file(tmp_path):
    path = train_io.write_summary(str(tmp_path / "releases"), {"train_id": TRAIN, "outcome": "succeeded"})
    assert path.endswith(f"{TRAIN}.json") and (tmp_path / "releases" / f"{TRAIN}.json").read_text().startswith("{")
