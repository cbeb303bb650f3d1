"""Synthetic traffic from inside the emulator: `tools/local-aws traffic ...`."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from .conftest import Emulator, running_emulator, wait_for


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    with running_emulator(tmp_path_factory.mktemp("local-aws-traffic")) as emu:
        yield emu


def _healthy(emu: Emulator, tg_arn: str) -> int:
    targets = emu.client("elbv2").describe_target_health(TargetGroupArn=tg_arn)["TargetHealthDescriptions"]
    return sum(1 for t in targets if t["TargetHealth"]["State"] == "healthy")


def _request_count(emu: Emulator, world: dict[str, Any], colour: str) -> float:
    tg = "targetgroup/" + world["tgs"][colour].split(":targetgroup/", 1)[1]
    lb = world["lb"]["LoadBalancerArn"].split(":loadbalancer/", 1)[1]
    now = dt.datetime.now(dt.UTC)
    points = emu.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/ApplicationELB",
        MetricName="RequestCount",
        Dimensions=[{"Name": "TargetGroup", "Value": tg}, {"Name": "LoadBalancer", "Value": lb}],
        StartTime=now - dt.timedelta(minutes=10),
        EndTime=now + dt.timedelta(minutes=1),
        Period=60,
        Statistics=["Sum"],
    )["Datapoints"]
    return sum(p["Sum"] for p in points)


def _jobs(emu: Emulator) -> dict[str, dict[str, Any]]:
    return {j["name"]: j for j in json.loads(emu.cli("traffic", "status", "--json").stdout)}


def test_steady_traffic_reaches_the_service_and_its_metrics(emulator: Emulator, world: dict[str, Any]) -> None:
    emu = emulator
    wait_for(lambda: _healthy(emu, world["tgs"]["blue"]) == 2, timeout=30, what="two healthy blue targets")
    before = _request_count(emu, world, "blue")

    out = emu.cli("traffic", "start", "demo", "--rps", "20").stdout
    assert f"traffic demo  20 rps  GET http://127.0.0.1:{emu.base + 80}/  Host {world['host']}  running" in out
    time.sleep(3)
    running = _jobs(emu)["demo"]
    assert running["running"] is True
    out = emu.cli("traffic", "stop", "demo").stdout
    assert out.startswith("traffic demo  20 rps") and "stopped" in out
    job = _jobs(emu)["demo"]
    assert job["running"] is False
    # 20 a second for as long as the job ran (3 s and the two CLI calls; on a loaded machine a tick may come late)
    assert job["seconds"] >= 3 and 0.75 * 20 * job["seconds"] - 2 <= job["sent"] <= 20 * job["seconds"] + 2, job
    assert job["answered"]["2xx"] == job["sent"] and job["errors"] == 0 and job["skipped"] == 0, job
    assert job["answered"]["5xx"] == 0

    # every answered request is a RequestCount of the blue target group in CloudWatch
    wait_for(lambda: _request_count(emu, world, "blue") - before == job["sent"], timeout=10, what=f"RequestCount +{job['sent']}")
    status = emu.cli("traffic", "status").stdout
    assert f"sent {job['sent']}  2xx {job['sent']}  3xx 0  4xx 0  5xx 0  errors 0  skipped 0" in status


def test_listener_option_duration_and_answers_by_class(emulator: Emulator, world: dict[str, Any]) -> None:
    # the test listener (9000) routes demo to green, which runs no task: the ALB answers 503
    out = emulator.cli("traffic", "start", "demo", "--listener", "9000", "--rps", "10", "--duration", "1", "--path", "health").stdout
    assert f"traffic demo@9000  10 rps  GET http://127.0.0.1:{emulator.base + 9000}/health  Host {world['host']}" in out
    job = wait_for(lambda: (j := _jobs(emulator)["demo@9000"])["running"] is False and j, timeout=10, what="the 1 s job to end")
    assert 5 <= job["sent"] <= 15, job
    assert job["answered"]["5xx"] == job["sent"], job


def test_host_and_listener_given_skip_the_lookup(emulator: Emulator, world: dict[str, Any]) -> None:
    out = emulator.cli("traffic", "start", "anything", "--listener", "80", "--host", "nobody.example", "--rps", "5", "--duration", "0.5").stdout
    assert "Host nobody.example" in out
    job = wait_for(lambda: (j := _jobs(emulator)["anything@80"])["running"] is False and j, timeout=10, what="the job to end")
    assert job["answered"]["4xx"] == job["sent"] > 0  # the listener's default action: fixed 404


def test_unknown_service_and_bad_requests(emulator: Emulator, world: dict[str, Any]) -> None:
    proc = emulator.cli("traffic", "start", "nosuch", check=False)
    assert proc.returncode == 1
    assert "no listener rule with a host-header condition forwards to nosuch-blue/nosuch-green" in proc.stderr
    proc = emulator.cli("traffic", "start", "demo", "--listener", "8080", check=False)
    assert proc.returncode == 1 and "on listener port 8080" in proc.stderr

    api = emulator.endpoint + "/_slipway/traffic"
    bad = requests.post(api, json={"name": "x", "url": "http://192.0.2.1/", "rps": 1}, timeout=5)
    assert bad.status_code == 400 and "loopback" in bad.json()["error"]
    bad = requests.post(api, json={"name": "x", "url": "http://127.0.0.1:1/", "rps": 0}, timeout=5)
    assert bad.status_code == 400 and "rps" in bad.json()["error"]
    assert requests.delete(api + "/nosuch", timeout=5).status_code == 404
    # the control endpoint is no AWS call
    calls = requests.get(emulator.endpoint + "/_slipway/calls", timeout=5).json()["calls"]
    assert not [name for name in calls if "traffic" in name]


def test_stop_all(emulator: Emulator, world: dict[str, Any]) -> None:
    emulator.cli("traffic", "start", "demo", "--rps", "5")
    emulator.cli("traffic", "start", "demo", "--listener", "9000", "--rps", "5")
    out = emulator.cli("traffic", "stop").stdout
    assert "traffic demo " in out and "traffic demo@9000 " in out
    assert not [j for j in _jobs(emulator).values() if j["running"]]
