"""Honest readiness and the CLI's lifecycle messages: a listener whose loopback
port cannot be bound makes `status` (and `up`) fail naming it; output piped
into a reader that goes away ends quietly; `down` says the state is gone; port
settings in the ephemeral range are refused or warned about."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from local_aws.config import Settings

from .conftest import CLI, Emulator, wait_for


@pytest.fixture(scope="module")
def emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emu = Emulator(tmp_path_factory.mktemp("local-aws-lifecycle"))
    assert emu.cli("up").stdout.strip() == emu.endpoint
    try:
        yield emu
    finally:
        emu.cli("down", check=False)


def _alb(emu: Emulator, name: str) -> str:
    ec2, elb = emu.client("ec2"), emu.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"] for i, z in ((1, "a"), (2, "b"))
    ]
    return elb.create_load_balancer(Name=name, Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]


def test_a_listener_port_taken_by_someone_else_makes_status_fail(emu: Emulator) -> None:
    elb = emu.client("elbv2")
    lb = _alb(emu, "lifecycle")
    local = emu.base + 80
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", local))
    squatter.listen(1)
    try:
        fixed = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200", "ContentType": "text/plain", "MessageBody": "ok"}}]
        elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=fixed)
        proc = emu.cli("status", check=False)
        assert proc.returncode == 1, proc
        assert f"HTTP:80  -> http://127.0.0.1:{local}  (NOT SERVED: cannot bind 127.0.0.1:{local}" in proc.stdout
        assert f"not ready: listener(s) not served: lifecycle HTTP:80 on 127.0.0.1:{local}" in proc.stderr
        up = emu.cli("up", check=False)
        assert up.returncode == 1 and f"lifecycle HTTP:80 on 127.0.0.1:{local}" in up.stderr and "SLIPWAY_LISTENER_PORT_BASE" in up.stderr
    finally:
        squatter.close()
    # the emulator retries the bind every 5 s; once it has the port, status is clean
    wait_for(lambda: emu.cli("status", check=False).returncode == 0, timeout=15, what="listener served after the port was freed")
    out = emu.cli("status").stdout
    assert f"HTTP:80  -> http://127.0.0.1:{local}\n" in out


def _pipe(emu: Emulator, command: str, reader: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", f"{CLI} {command} | {reader}"], env=emu.env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("command", ["status", "calls", "faults list", "down --help"])
@pytest.mark.parametrize("reader", ["head -1", "true"])
def test_output_into_a_closed_pipe_ends_quietly(emu: Emulator, command: str, reader: str) -> None:
    proc = _pipe(emu, command, reader)
    assert proc.returncode == 0
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr and "Exception ignored" not in proc.stderr, proc.stderr
    if reader == "head -1":
        assert len(proc.stdout.splitlines()) == 1


def test_up_refuses_an_api_port_in_the_ephemeral_range(tmp_path: Path) -> None:
    emu = Emulator(tmp_path)
    emu.env["SLIPWAY_EMULATOR_PORT"] = "40000"
    proc = emu.cli("up", check=False)
    assert proc.returncode == 2
    assert "SLIPWAY_EMULATOR_PORT=40000 is inside the ephemeral port range" in proc.stderr and "4566" in proc.stderr


def test_up_fails_at_once_when_the_api_port_is_taken(tmp_path: Path) -> None:
    emu = Emulator(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", emu.port))
        taken.listen(1)
        proc = emu.cli("up", check=False)
    assert proc.returncode == 1
    assert f"port 127.0.0.1:{emu.port} is already in use" in proc.stderr and "SLIPWAY_EMULATOR_PORT" in proc.stderr


def _settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return Settings.from_env()


def test_port_settings_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    errors, warnings = _settings(monkeypatch, SLIPWAY_EMULATOR_PORT="4566", SLIPWAY_LISTENER_PORT_BASE="20000").port_problems()
    assert errors == [] and warnings == []
    errors, warnings = _settings(monkeypatch, SLIPWAY_EMULATOR_PORT="70000", SLIPWAY_LISTENER_PORT_BASE="34000").port_problems()
    assert any("SLIPWAY_EMULATOR_PORT=70000 is not a TCP port" in e for e in errors)
    assert any("SLIPWAY_LISTENER_PORT_BASE=34000: a listener on port 80 is served on 34080, inside the ephemeral port range" in w for w in warnings)
    errors, _ = _settings(monkeypatch, SLIPWAY_LISTENER_PORT_BASE="65500").port_problems()
    assert any("SLIPWAY_LISTENER_PORT_BASE=65500 must be 1..65455" in e for e in errors)


def test_down_says_the_state_is_discarded(tmp_path_factory: pytest.TempPathFactory) -> None:
    emu = Emulator(tmp_path_factory.mktemp("local-aws-down"))
    emu.cli("up")
    out = emu.cli("down").stdout
    assert "emulated state (Terraform-applied resources, pushed images, fault rules)" in out
    assert "is discarded" in out and "make foundation" in out
    assert "not running" in emu.cli("down").stdout


def test_conftest_ports_stay_below_the_ephemeral_range(emu: Emulator) -> None:
    assert emu.port < 32768 and emu.base + 9000 < 32768
