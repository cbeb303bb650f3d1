"""Start the real emulator (through tools/local-aws) on free ports and build a
small Slipway-shaped world in it with boto3."""

from __future__ import annotations

import contextlib
import itertools
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support.ports import EDGE_COUNT, EDGE_OFFSET, EMULATOR_TEST_API_PORTS, EMULATOR_TEST_BASES, LISTENER_PORTS

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / "tools" / "local-aws"
if str(REPO / "tools") not in sys.path:  # `import local_aws` (the faults client) in the tests
    sys.path.insert(0, str(REPO / "tools"))
REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"

FAST = {
    "SLIPWAY_TICK_SECONDS": "0.1",
    "SLIPWAY_TASK_PROVISIONING_SECONDS": "0.2",
    "SLIPWAY_TASK_PENDING_SECONDS": "0.2",
    "SLIPWAY_HEALTH_CHECK_INTERVAL": "0.2",
    "SLIPWAY_HEALTHY_THRESHOLD": "2",
    "SLIPWAY_UNHEALTHY_THRESHOLD": "2",
    "SLIPWAY_DEREGISTRATION_DELAY": "0.3",
    "SLIPWAY_CRASH_SECONDS": "0.3",
    "SLIPWAY_TASK_STABLE_SECONDS": "0.5",
    "SLIPWAY_TASK_RETRY_BACKOFF": "0.2",
    "SLIPWAY_TASK_RETRY_BACKOFF_MAX": "0.5",
    "SLIPWAY_UNHEALTHY_TASK_CHECKS": "50",
    "SLIPWAY_METRIC_FLUSH_SECONDS": "0.5",
}


# Ports outside Linux's ephemeral range (32768-60999), where any outgoing
# connection may take a port between our check and the emulator's bind, and
# inside the block tests/support/ports.py gives this suite (`make test` runs
# it beside other suites): API + 1 stays below 4800, and every base's
# listeners, edges (base + 8000) and RDS ports (base + 5400) are its own.
API_PORTS = EMULATOR_TEST_API_PORTS
LISTENER_BASES = EMULATOR_TEST_BASES


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


_PICKS: dict[range, itertools.count] = {}


def _scan(candidates: range, ok: Callable[[int], bool]) -> int:
    """The first free candidate, from a per-process offset that moves one on at each pick from ``candidates``: the
    next emulator of this process starts its search past the last one's ports, even those bound only later."""
    items = list(candidates)
    start = (os.getpid() * 7 + next(_PICKS.setdefault(candidates, itertools.count()))) % len(items)
    for value in items[start:] + items[:start]:
        if ok(value):
            return value
    raise RuntimeError(f"no free port in {candidates}")


def _free_port() -> int:
    return _scan(API_PORTS, lambda p: port_free(p) and port_free(p + 1))


def _base_free(base: int) -> bool:
    """The listener ports and the CloudFront edges' ports of ``base`` are free."""
    return all(port_free(base + p) for p in (*LISTENER_PORTS, *range(EDGE_OFFSET, EDGE_OFFSET + EDGE_COUNT)))


def _free_base() -> int:
    return _scan(LISTENER_BASES, _base_free)


class Emulator:
    def __init__(self, tmp: Path):
        self.port = _free_port()
        self.base = _free_base()
        self.env = dict(os.environ)
        self.env.update(FAST)
        self.env.update(
            SLIPWAY_EMULATOR_PORT=str(self.port),
            SLIPWAY_LISTENER_PORT_BASE=str(self.base),
            SLIPWAY_EMULATOR_STATE_DIR=str(tmp),
            SLIPWAY_PYTHON=sys.executable,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
        )
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([str(CLI), *args], env=self.env, capture_output=True, text=True, timeout=60)
        if check and proc.returncode != 0:
            raise AssertionError(f"local-aws {' '.join(args)} failed: {proc.stdout}{proc.stderr}")
        return proc

    def client(self, name: str, config: Any = None) -> Any:
        return boto3.client(
            name,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=config,
        )

    def url(self, listener_port: int, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.base + listener_port}{path}"


def wait_for(pred: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emu = Emulator(tmp_path_factory.mktemp("local-aws"))
    out = emu.cli("up").stdout.strip()
    assert out == emu.endpoint
    try:
        yield emu
    finally:
        emu.cli("down", check=False)


@pytest.fixture(scope="module")
def world(emulator: Emulator) -> dict[str, Any]:
    """VPC, subnets, SG, ECR repo + images, cluster, task definitions,
    target groups, ALB with a weighted production rule and a test listener,
    two services (blue on v1, green on 0 tasks)."""
    emu = emulator
    ec2, ecr, ecs, elb = (emu.client(n) for n in ("ec2", "ecr", "ecs", "elbv2"))
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"] for i, z in ((1, "a"), (2, "b"))
    ]
    sg = ec2.create_security_group(GroupName="svc", Description="svc", VpcId=vpc)["GroupId"]
    ecr.create_repository(repositoryName="slipway/demo")
    for args in (("1.0.0",), ("2.0.0",), ("3.0.0-crash", "--crash"), ("4.0.0-sick", "--unhealthy"), ("5.0.0-flaky", "--error-rate", "0.5")):
        out = emu.cli("push-image", "demo", *args).stdout.strip()
        assert out.startswith(f"slipway/demo:{args[0]} sha256:")
    ecs.create_cluster(clusterName="slipway-local")

    def taskdef(tag: str) -> str:
        return ecs.register_task_definition(
            family="slipway-local-demo",
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            containerDefinitions=[
                {
                    "name": "demo",
                    "image": f"{REGISTRY}/slipway/demo:{tag}",
                    "memory": 512,
                    "essential": True,
                    "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
                }
            ],
        )["taskDefinition"]["taskDefinitionArn"]

    tgs = {}
    for colour in ("blue", "green"):
        tgs[colour] = elb.create_target_group(
            Name=f"local-demo-{colour}",
            Protocol="HTTP",
            Port=8080,
            VpcId=vpc,
            TargetType="ip",
            HealthCheckPath="/health",
            HealthCheckIntervalSeconds=5,
            HealthyThresholdCount=2,
        )["TargetGroups"][0]["TargetGroupArn"]
    lb = elb.create_load_balancer(Name="slipway-local", Subnets=subnets, SecurityGroups=[sg])["LoadBalancers"][0]
    not_found = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404", "ContentType": "text/plain", "MessageBody": "no route"}}]
    prod = elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80, DefaultActions=not_found)["Listeners"][0]["ListenerArn"]
    test = elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=9000, DefaultActions=not_found)["Listeners"][0]["ListenerArn"]
    host = "demo.local.slipway.internal"
    cond = [{"Field": "host-header", "HostHeaderConfig": {"Values": [host]}}]
    prod_rule = elb.create_rule(
        ListenerArn=prod,
        Priority=10,
        Conditions=cond,
        Actions=[
            {
                "Type": "forward",
                "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": tgs["blue"], "Weight": 100}, {"TargetGroupArn": tgs["green"], "Weight": 0}]},
            }
        ],
    )["Rules"][0]["RuleArn"]
    elb.create_rule(ListenerArn=test, Priority=10, Conditions=cond, Actions=[{"Type": "forward", "TargetGroupArn": tgs["green"]}])

    net = {"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [sg], "assignPublicIp": "DISABLED"}}
    v1 = taskdef("1.0.0")
    for colour, desired in (("blue", 2), ("green", 0)):
        ecs.create_service(
            cluster="slipway-local",
            serviceName=f"demo-{colour}",
            taskDefinition=v1,
            desiredCount=desired,
            launchType="FARGATE",
            networkConfiguration=net,
            loadBalancers=[{"targetGroupArn": tgs[colour], "containerName": "demo", "containerPort": 8080}],
            deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": False}, "maximumPercent": 200, "minimumHealthyPercent": 100},
        )
    return {
        "vpc": vpc,
        "subnets": subnets,
        "sg": sg,
        "lb": lb,
        "tgs": tgs,
        "prod": prod,
        "test": test,
        "prod_rule": prod_rule,
        "host": host,
        "taskdef": taskdef,
        "v1": v1,
        "net": net,
    }


# ---------------------------------------------------------------- low-port emulators (alarms, traffic, webhook tests)
def make_emulator(tmp: Path, **env: str) -> Emulator:
    """An Emulator on free ports of this suite's block (``Emulator`` picks them); ``env`` is added."""
    emu = Emulator(tmp)
    emu.env.update(**env)
    return emu


@contextlib.contextmanager
def running_emulator(tmp: Path, **env: str) -> Iterator[Emulator]:
    """``make_emulator``, up for the duration of the block, then down."""
    emu = make_emulator(tmp, **env)
    assert emu.cli("up").stdout.strip() == emu.endpoint
    try:
        yield emu
    finally:
        emu.cli("down", check=False)
