"""An in-memory model of one service's AWS side, standing in for the release adapter.

Two colours (ECS services with a desired count and a task-definition
revision), two listener rules (production and test weights), task-definition
revisions, images in a repository, alarm states and target health. The gates
judge what the model holds: the smoke test reads whatever image the test rule
points at, the metrics read the new colour's image, health reads the targets.
The deployment table is real DynamoDB code (ledger.py) on in-process moto.

Every write is recorded, so tests assert on what was done to "AWS", not on
what the release says it did.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import time
from collections.abc import Callable
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils import traffic
from ansible_collections.slipway.aws.plugins.module_utils.aws import Aws
from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError, PreflightError
from ansible_collections.slipway.aws.plugins.module_utils.gates import GateResult
from ansible_collections.slipway.aws.plugins.module_utils.ledger import Lease, approval_get, ledger_list, ledger_put
from ansible_collections.slipway.aws.plugins.module_utils.release import Image, Release, ReleaseConfig
from ansible_collections.slipway.aws.plugins.module_utils.release_runner import ARGUMENT_SPEC, build_config

from ..conftest import DEPLOYMENT_TABLE

TABLE = DEPLOYMENT_TABLE
ACCOUNT = "arn:aws:elasticloadbalancing:us-east-1:123456789012"
PROD_RULE = f"{ACCOUNT}:listener-rule/app/slipway-test/1/prod/1"
TEST_RULE = f"{ACCOUNT}:listener-rule/app/slipway-test/1/test/2"
TG = {"blue": f"{ACCOUNT}:targetgroup/test-user-blue/0001", "green": f"{ACCOUNT}:targetgroup/test-user-green/0002"}
REPO_URL = "123456789012.dkr.ecr.us-east-1.amazonaws.com/user"
FAMILY = "slipway-test-user"
ALARMS = {"blue": ["user-blue-5xx"], "green": ["user-green-5xx"]}

FOUNDATION = {
    "cluster_name": "slipway-test",
    "alb_arn": f"{ACCOUNT}:loadbalancer/app/slipway-test/0123456789abcdef",
    "deployment_table_name": TABLE,
    "services": {
        "user": {
            "ecr_repository_name": "user",
            "ecr_repository_url": REPO_URL,
            "task_family": FAMILY,
            "container_name": "user",
            "blue_service_name": "user-blue",
            "green_service_name": "user-green",
            "blue_target_group_arn": TG["blue"],
            "green_target_group_arn": TG["green"],
            "prod_rule_arn": PROD_RULE,
            "test_rule_arn": TEST_RULE,
            "host_header": "user.test",
            "alarm_names": ALARMS,
            "autoscaling_resource_ids": {"blue": "service/slipway-test/user-blue", "green": "service/slipway-test/user-green"},
        }
    },
}

# Waits that let a whole release run in milliseconds.
FAST = {
    "step_bake_seconds": 0.0,
    "poll_interval": 0.001,
    "health_grace_seconds": 0.0,
    "health_timeout_seconds": 5.0,
    "verification_rate": 0.0,
    "inconclusive_deadline_seconds": 0.0,
    "metrics_wait_seconds": 0.01,
}


def make_config(**overrides: Any) -> ReleaseConfig:
    """A config built the way the module builds it: the spec's defaults, then the given options."""
    params = {name: spec.get("default") for name, spec in ARGUMENT_SPEC.items()}
    params.update(
        service="user",
        environment="test",
        foundation=FOUNDATION,
        settings={"desired_count": 2},
        test_listener_url="http://127.0.0.1:1",
        actor="tester",
        git_sha="abc123",
    )
    params.update(FAST)
    options = {k: v for k, v in overrides.items() if k in params}
    params.update(options)
    # Fields that are not module options (the foundation's, the settings') are set on the result.
    return dataclasses.replace(build_config(params), **{k: v for k, v in overrides.items() if k not in options})


def digest_of(tag: str) -> str:
    return "sha256:" + hashlib.sha256(tag.encode()).hexdigest()


class FakeNotifier:
    def __init__(self) -> None:
        self.events: list[str] = []
        self.sent: list[str] = []
        self.problems: list[str] = []

    def send(self, event: str, summary: dict[str, Any]) -> None:
        self.events.append(event)
        self.sent.append(f"fake:{event}")


class FakeAws:
    """``ReleaseAdapter`` over an in-memory model; the deployment table is moto's."""

    def __init__(self, cfg: ReleaseConfig, table: Aws, live_tag: str = "1.0.0") -> None:
        self.cfg = cfg
        self.table = table
        self.images: dict[str, str] = {}  # tag -> digest, in push order
        # digest -> how the image misbehaves: "unhealthy", "crash", "errors" (5xx under traffic)
        self.broken: dict[str, str] = {}
        self.taskdefs: dict[str, dict[str, Any]] = {}
        self.registered: list[str] = []  # revisions the release registered
        self.alarm_states = {n: "OK" for names in ALARMS.values() for n in names}
        # Metric judgements: how many come out INCONCLUSIVE first, the windows judged, coverage reads that say
        # "not yet", the verification loads made.
        self.quiet_judgements = 0
        self.windows: list[tuple[float, float, dict[str, Any] | None, bool]] = []
        self.coverage_checks = 0
        self.uncovered_checks = 0
        self.loads: list[FakeLoad] = []
        self.rules = {PROD_RULE: traffic.weights_for("blue", 100), TEST_RULE: traffic.weights_for("green", 100)}
        self.weight_log: list[tuple[str, dict[str, int]]] = []
        self.scale_log: list[tuple[str, int, str | None]] = []
        self.bounds: dict[str, tuple[int, int]] = {}
        self.writes: list[str] = []
        # Called with the operation's arguments before a write is applied; may raise AwsError.
        self.faults: dict[str, Callable[..., None]] = {}
        self.notifications: list[FakeNotifier] = []
        first = self._add_revision(self.push(live_tag))
        self.services = {"blue": {"desiredCount": 2, "taskDefinition": first}, "green": {"desiredCount": 0, "taskDefinition": first}}
        self.writes.clear()

    # ------------------------------------------------------------ the model
    def push(self, tag: str, broken: str | None = None) -> str:
        digest = digest_of(tag)
        self.images[tag] = digest
        if broken:
            self.broken[digest] = broken
        return digest

    def _add_revision(self, digest: str) -> str:
        revision = len(self.taskdefs) + 1
        arn = f"arn:aws:ecs:us-east-1:123456789012:task-definition/{FAMILY}:{revision}"
        self.taskdefs[arn] = {
            # what ECS echoes back besides what was registered
            "taskDefinitionArn": arn,
            "revision": revision,
            "status": "ACTIVE",
            "family": FAMILY,
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "cpu": "256",
            "memory": "512",
            "containerDefinitions": [
                {"name": "user", "image": f"{REPO_URL}@{digest}", "cpu": 0, "essential": True, "portMappings": [{"containerPort": 8080, "hostPort": 8080}]}
            ],
        }
        return arn

    def image_of(self, colour: str) -> str:
        return self.taskdefs[self.services[colour]["taskDefinition"]]["containerDefinitions"][0]["image"]

    def _mode(self, colour: str) -> str | None:
        return self.broken.get(self.image_of(colour).rsplit("@", 1)[-1])

    def _write(self, operation: str, *args: Any) -> None:
        fault = self.faults.get(operation)
        if fault:
            fault(*args)
        self.writes.append(operation)

    def prod_weights_seen(self) -> list[dict[str, int]]:
        return [w for rule, w in self.weight_log if rule == PROD_RULE]

    def test_weights_seen(self) -> list[dict[str, int]]:
        return [w for rule, w in self.weight_log if rule == TEST_RULE]

    # ------------------------------------------------------- ReleaseAdapter
    def resolve_image(self, tag: str | None, digest: str | None) -> Image:
        if digest:
            tags = sorted(t for t, d in self.images.items() if d == digest)
            if not tags:
                raise PreflightError(f"image user@{digest} is no longer in ECR")
            return Image(tags[0], digest)
        if tag is None:
            newest = list(self.images)[-1]
            return Image(newest, self.images[newest], newest=True)
        if tag not in self.images:
            raise PreflightError(f"image user:{tag} does not exist")
        return Image(tag, self.images[tag])

    def rule_weights(self, rule_arn: str) -> dict[str, int]:
        return dict(self.rules[rule_arn])

    def set_weights(self, rule_arn: str, weights: dict[str, int]) -> None:
        self._write("modify_rule", rule_arn, weights)
        self.rules[rule_arn] = {c: int(weights.get(c, 0)) for c in traffic.COLOURS}
        self.weight_log.append((rule_arn, dict(self.rules[rule_arn])))

    def target_health(self, colour: str) -> list[dict[str, Any]]:
        state = "unhealthy" if self._mode(colour) == "unhealthy" else "healthy"
        return [
            {"Target": {"Id": f"10.0.{colour[0]}.{i}", "Port": 8080}, "TargetHealth": {"State": state}} for i in range(self.services[colour]["desiredCount"])
        ]

    def describe_services(self) -> dict[str, dict[str, Any]]:
        return {c: self.describe_service(c) for c in traffic.COLOURS}

    def describe_service(self, colour: str) -> dict[str, Any]:
        svc = self.services[colour]
        count, crash = svc["desiredCount"], self._mode(colour) == "crash"
        primary = {
            "status": "PRIMARY",
            "taskDefinition": svc["taskDefinition"],
            "desiredCount": count,
            "runningCount": 0 if crash else count,
            "failedTasks": 3 if crash and count else 0,
            "rolloutState": "FAILED" if crash and count else "COMPLETED",
        }
        return {"serviceName": self.cfg.ecs_service(colour), "status": "ACTIVE", **copy.deepcopy(svc), "deployments": [primary]}

    def describe_taskdef(self, arn: str) -> dict[str, Any]:
        return copy.deepcopy(self.taskdefs[arn])

    def newest_revision(self) -> str | None:
        return list(self.taskdefs)[-1] if self.taskdefs else None

    def register_taskdef(self, rendered: dict[str, Any]) -> str:
        self._write("register_task_definition", rendered)
        arn = self._add_revision("")
        self.taskdefs[arn].update(copy.deepcopy(rendered))
        self.registered.append(arn)
        return arn

    def scale(self, colour: str, count: int, task_definition: str | None = None) -> None:
        self._write("update_service", colour, count, task_definition)
        self.services[colour]["desiredCount"] = count
        if task_definition:
            self.services[colour]["taskDefinition"] = task_definition
        self.scale_log.append((colour, count, task_definition))

    def set_capacity_bounds(self, colour: str, low: int, high: int) -> None:
        self._write("register_scalable_target", colour, low, high)
        self.bounds[colour] = (low, high)

    def stopped_tasks(self, colour: str, td_arn: str) -> list[dict[str, Any]]:
        if self._mode(colour) != "crash":
            return []
        return [{"task": "0123", "stoppedReason": "Essential container in task exited", "exitCode": 1}]

    def smoke(self) -> GateResult:
        colour = traffic.live_colour(self.rules[TEST_RULE])
        if colour is None or self._mode(colour) in ("unhealthy", "crash"):
            return GateResult("smoke", "FAIL", f"the test listener reaches {colour}: HTTP 503")
        return GateResult("smoke", "PASS", f"3 requests to {colour}, all 2xx")

    def alarms(self, names: list[str]) -> GateResult:
        firing = sorted(n for n in names if self.alarm_states.get(n) == "ALARM")
        if firing:
            return GateResult("alarms", "FAIL", f"in ALARM: {', '.join(firing)}", evidence={"states": {n: self.alarm_states[n] for n in names}})
        return GateResult("alarms", "PASS", f"{len(names)} alarms OK")

    def metrics(self, colour: str, start: float, end: float, verification: dict[str, Any] | None = None, covered: bool = True) -> GateResult:
        share = self.rules[PROD_RULE][colour]
        self.windows.append((start, end, verification, covered))
        if self._mode(colour) == "errors" and share > 0:
            return GateResult("metrics", "FAIL", "5xx rate 50.0% > limit 1.0%", evidence={"errors_5xx": 50, "requests": 100, "share": share})
        if self.quiet_judgements > 0 or not covered:
            # No production traffic (or metrics not yet published): the step cannot be judged.
            self.quiet_judgements -= 1
            return GateResult("metrics", "INCONCLUSIVE", "production: 0 requests (< 20): not judged", evidence={"requests": 0})
        return GateResult("metrics", "PASS", f"100 requests, 5xx 0.0%, {share}% of production traffic")

    def metrics_covered(self, colour: str, end: float) -> bool:
        self.coverage_checks += 1
        return self.coverage_checks > self.uncovered_checks

    def verification_load(self) -> FakeLoad:
        load = FakeLoad()
        self.loads.append(load)
        return load

    def lease(self, release_id: str) -> Lease:
        return Lease(self.table, TABLE, self.cfg.service, release_id, self.cfg.lock_ttl_seconds)

    def ledger_put(self, entry: dict[str, Any]) -> None:
        ledger_put(self.table, TABLE, entry)

    def ledger_list(self, limit: int) -> list[dict[str, Any]]:
        return ledger_list(self.table, TABLE, self.cfg.service, limit=limit)

    def approval(self, release_id: str) -> dict[str, Any] | None:
        return approval_get(self.table, TABLE, self.cfg.service, release_id)

    def notifier(self) -> FakeNotifier:
        notifier = FakeNotifier()
        self.notifications.append(notifier)
        return notifier

    def api_calls(self) -> dict[str, int]:
        return {op: self.writes.count(op) for op in sorted(set(self.writes))}


def fail_once(code: str = "ThrottlingException", when: Callable[..., bool] = lambda *_a: True) -> Callable[..., None]:
    """A fault that makes the first matching call fail with an AwsError."""
    fired = []

    def fault(*args: Any) -> None:
        if not fired and when(*args):
            fired.append(args)
            raise AwsError("fake", code, "injected")

    return fault


def new_release(fake: FakeAws, emit: Callable[[str], None] | None = None, **overrides: Any) -> Release:
    """A release of ``user`` with the given options, on the fake."""
    cfg = make_config(**overrides)
    fake.cfg = cfg
    release = Release(fake, cfg, emit)
    release.align = time.time  # whole-second windows matter to CloudWatch, not to the fake
    return release


class FakeLoad:
    """The verification load's interface; records when it ran."""

    def __init__(self) -> None:
        self.events: list[str] = []

    def start(self) -> None:
        self.events.append("start")

    def stop(self) -> dict[str, Any]:
        self.events.append("stop")
        return {"requests": 10 * self.events.count("stop"), "target_requests": 10, "target_5xx": 0, "errors": 0, "failed": 0, "latency_ms_sum": 50.0}


def run_release(fake: FakeAws, **overrides: Any) -> dict[str, Any]:
    """Plan and execute a release; the summary."""
    release = new_release(fake, **overrides)
    return release.execute(release.plan())
