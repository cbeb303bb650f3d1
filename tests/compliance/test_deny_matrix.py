"""The deny matrix: every API action the collectors need, denied alone through fault injection. No control whose
evidence needed it may answer PASS or FAIL for the affected resources (they answer ERROR naming the action), and
every other verdict stays what it was without the denial. Runs the collector in-process over HTTP (fast): a
denial runs only the collectors that declare the action, since each collector is shown to call nothing else."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.compliance import controls as ctl
from ansible_collections.slipway.aws.plugins.module_utils.compliance import evidence, runner

from tools.local_aws import faults

from .conftest import World

NOW = "2030-01-01T00:00:00Z"


def params(world: World) -> dict[str, Any]:
    return {"region": "us-east-1", "endpoint_url": world.emulator.endpoint, "access_key": "test", "secret_key": "test", "now": NOW}


# Requests the emulator cannot name by their action (moto's S3 names ListBuckets "GET /" and
# GetPublicAccessBlock "ListBucket"): these are denied in the client instead, with the same error answer.
CLIENT_SIDE = {"s3:ListBuckets", "s3:GetPublicAccessBlock"}


class Denying(evidence.AdaptiveAws):
    """The collector's connection with one action answered AccessDenied before it leaves the client."""

    deny: str = ""

    def client(self, service: str) -> Any:
        c = super().client(service)
        svc, op = self.deny.split(":", 1)
        if c.meta.service_model.service_name == svc and not getattr(c, "_slipway_denying", False):
            c._slipway_denying = True

            def refuse(model: Any, **_kw: Any) -> Any:
                if model.name != op:
                    return None
                body = {"Error": {"Code": "AccessDenied", "Message": f"denied by the test: {self.deny}"}, "ResponseMetadata": {"HTTPStatusCode": 403}}
                return (type("Http", (), {"status_code": 403, "headers": {}})(), body)

            c.meta.events.register("before-call", refuse)
        return c


def collect(world: World, deny: str | None = None, services: list[str] | None = None) -> dict[str, Any]:
    checked = runner.check_input(params(world))
    factory = None
    if deny:

        def factory(region: str) -> Any:
            conn = Denying.from_params({**params(world), "region": region})
            conn.deny = deny
            return conn

    return evidence.collect(params(world), ["us-east-1"], services, checked["workers"], factory=factory)


def verdicts(world: World, deny: str | None = None, services: list[str] | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    checked = runner.check_input(params(world))
    doc = runner.judge(collect(world, deny, services), checked)["report"]
    return {(f["compliance"]["control"], f["resources"][0]["uid"]): f for f in doc["findings"]}


def declaring(action: str) -> list[str]:
    """The collectors that declare ``action``: the only ones a denial of it can reach, since every collector calls
    nothing but its declared actions (``test_each_collector_calls_only_its_declared_actions``)."""
    return sorted(service for service, areas in evidence.AREAS.items() if action in areas.values())


def selector(action: str) -> str:
    """The emulator's name for an IAM-style action (``s3:GetBucketPolicy`` -> ``s3.GetBucketPolicy``; moto's
    module for Lambda is ``awslambda``; the IAM action of s3control's GetPublicAccessBlock is
    ``s3:GetAccountPublicAccessBlock``)."""
    if action in EMULATOR_NAME:
        return EMULATOR_NAME[action]
    service, op = action.split(":", 1)
    return f"{EMULATOR_SERVICE.get(service, service)}.{op}"


EMULATOR_SERVICE = {"lambda": "awslambda"}
EMULATOR_NAME = {
    "s3:GetAccountPublicAccessBlock": "s3control.GetPublicAccessBlock",
    "s3:ListAccessPoints": "s3control.ListAccessPoints",
    "s3:GetAccessPoint": "s3control.GetAccessPoint",
    "s3:ListMultiRegionAccessPoints": "s3control.ListMultiRegionAccessPoints",
    "s3:ListBucket": "s3.HeadBucket",  # CloudFront.12's HeadBucket (IAM action s3:ListBucket)
}


def needed(control: str, service: str) -> set[str]:
    areas = evidence.AREAS[service]
    return {areas["base"], *(areas[a] for a in ctl.CONTROLS[control].needs)}


ACTIONS = sorted({a for areas in evidence.AREAS.values() for a in areas.values()})


@pytest.fixture(scope="module")
def skipped(world: World) -> set[tuple[str, str]]:
    """(resource, action) pairs the collector had no reason to read (a secret that does not rotate has no rotation
    function): denying the action cannot concern that resource, whose verdict must then stay what it was."""
    out = set()
    for part in collect(world)["services"]:
        for res in part["resources"]:
            out |= {(res["arn"], evidence.AREAS[part["service"]][area]) for area in res.get("skipped") or {}}
    return out


@pytest.fixture(scope="module")
def baseline(world: World) -> dict[tuple[str, str], dict[str, Any]]:
    out = verdicts(world)
    assert out and not [k for k, f in out.items() if f["status"] == "ERROR"]
    return out


def test_the_emulator_names_every_action_as_the_matrix_does(world: World, baseline: Any) -> None:
    world.emulator.calls(reset=True)
    verdicts(world)
    seen = set(world.emulator.calls())
    names = {selector(a) for a in ACTIONS if a not in CLIENT_SIDE}
    aliases = {_lb(n) for n in names}
    assert aliases <= {_lb(n) for n in seen}, aliases - {_lb(n) for n in seen}


def _lb(name: str) -> str:
    """One name for the Elastic Load Balancing APIs: moto counts Classic Load Balancer calls as ``elb.*``, v2 ones as
    ``elbv2.*``; both are IAM actions ``elasticloadbalancing:*`` (a fault rule for that prefix reaches both)."""
    for prefix in ("elasticloadbalancing.", "elb."):
        if name.startswith(prefix):
            return "elbv2." + name[len(prefix) :]
    return name


# What moto calls the client-side-denied S3 requests (see CLIENT_SIDE).
CLIENT_SIDE_NAMES = {"s3:ListBuckets": "s3.GET /", "s3:GetPublicAccessBlock": "s3.ListBucket"}


def test_each_collector_calls_only_its_declared_actions(world: World, baseline: Any) -> None:
    """Each collector alone, counted by the emulator: it calls its declared actions and nothing else (besides
    sts:GetCallerIdentity, read once per run). This is what lets a denial run only the collectors declaring it."""
    undeclared = {}
    for service in sorted(evidence.COLLECTORS):
        world.emulator.calls(reset=True)
        collect(world, services=[service])
        declared = {CLIENT_SIDE_NAMES.get(a) or selector(a) for a in evidence.AREAS[service].values()} | {"sts.GetCallerIdentity"}
        declared = {_lb(n) for n in declared}
        seen = {_lb(n) for n in world.emulator.calls()}
        base = evidence.AREAS[service]["base"]
        assert _lb(CLIENT_SIDE_NAMES.get(base) or selector(base)) in seen, (service, seen)
        extra = seen - declared
        if extra:
            undeclared[service] = sorted(extra)
    assert undeclared == {}


@pytest.fixture(scope="module")
def scoped_out(world: World) -> set[tuple[str, str]]:
    """(control, resource) pairs answered NOT_APPLICABLE by the control's scope, from the listing alone (an ELB.4 of a
    Network Load Balancer): a denied per-resource read cannot concern them, only a failed listing can."""
    out = set()
    for part in collect(world)["services"]:
        for control in ctl.CONTROLS.values():
            if control.scope is None or part["service"] not in control.services:
                continue
            out |= {(control.id, res["arn"]) for res in part["resources"] if isinstance(control.scope(res.get("base") or {}), str)}
    return out


@pytest.mark.parametrize("action", ACTIONS)
def test_denying_one_action_never_gives_a_wrong_verdict(
    world: World,
    baseline: dict[tuple[str, str], dict[str, Any]],
    skipped: set[tuple[str, str]],
    scoped_out: set[tuple[str, str]],
    action: str,
) -> None:
    services = declaring(action)
    if action in CLIENT_SIDE:
        got = verdicts(world, deny=action, services=services)
    else:
        with faults.fault(world.emulator.endpoint, selector(action), "access-denied", rate=1.0):
            got = verdicts(world, services=services)
    wrong = []
    errors = 0
    for (control, resource), before in baseline.items():
        service = before["resources"][0]["group"]["name"]
        if service not in services:
            continue  # a collector that does not call the action (checked above): its verdicts cannot move
        listed_by = evidence.SUBLISTINGS.get(service, {}).get(action) or ()
        if before["resources"][0]["type"] in ((listed_by,) if isinstance(listed_by, str) else listed_by):
            # the listing of this kind of resource failed: one ERROR for its scope, the resource is not judged
            gaps = [f for (c, r), f in got.items() if c == control and r.endswith("*") and f["status"] == "ERROR" and action in f["unavailable_actions"]]
            ok = bool(gaps) and (control, resource) not in got
            errors += 1
        elif (
            action in needed(control, service)
            and (resource, action) not in skipped
            and ((control, resource) not in scoped_out or action == evidence.AREAS[service]["base"])
        ):
            if action == evidence.AREAS[service]["base"]:
                # the listing failed: one ERROR for the service and region, the resource is not judged
                listing = [f for (c, r), f in got.items() if c == control and r.endswith(":*") and f["resources"][0]["group"]["name"] == service]
                ok = listing and all(f["status"] == "ERROR" and action in f["unavailable_actions"] for f in listing) and (control, resource) not in got
            else:
                f = got.get((control, resource))
                ok = f is not None and f["status"] == "ERROR" and action in f["unavailable_actions"] and "access-denied" in f["status_detail"]
            errors += 1
        else:
            f = got.get((control, resource))
            ok = f is not None and f["status"] == before["status"]
        if not ok:
            wrong.append((control, resource, before["status"], (got.get((control, resource)) or {}).get("status")))
    assert wrong == [], f"{len(wrong)} wrong verdict(s) with {action} denied"
    assert errors, f"no control needs {action}"
