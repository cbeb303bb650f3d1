"""The load balancer and CloudFront verdicts beyond one compliant and one non-compliant resource per control
(tests/compliance/seeds_elb.py), from the real playbook against the emulator: Classic Load Balancers under ELB.5,
every target group of the world under ELB.21 / ELB.22 (and under nothing else), the target groups the two do not
apply to, the desync mode of load balancers that never set it, and CloudFront.17 on a distribution without signing."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Run, World

CONTROLS = ("ELB.*", "CloudFront.17")
ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/{}"


@pytest.fixture(scope="module")
def run(world: World, playbook: Any, tmp_path_factory: pytest.TempPathFactory) -> Run:
    return playbook("-e", "env=test", "-e", f"controls={','.join(CONTROLS)}", reports=tmp_path_factory.mktemp("elb-extra"))


def findings(run: Run, control: str) -> dict[str, dict[str, Any]]:
    return {f["resources"][0]["uid"]: f for f in run.report["findings"] if f["compliance"]["control"] == control}


def test_elb_5_judges_classic_load_balancers(run: Run) -> None:
    got = findings(run, "ELB.5")
    assert (got[ARN.format("cr-clb-good")]["status"], got[ARN.format("cr-clb-bad")]["status"]) == ("PASS", "FAIL")
    assert "cr-logs" in got[ARN.format("cr-clb-good")]["status_detail"]


def test_every_target_group_is_judged_by_the_target_group_controls_only(run: Run, world: World) -> None:
    groups = {t["TargetGroupArn"] for t in world.client("elbv2").describe_target_groups()["TargetGroups"]}
    assert len(groups) >= 6
    for control in ("ELB.21", "ELB.22"):
        got = findings(run, control)
        assert set(got) == groups, (control, set(got) ^ groups)
        assert not [f for f in got.values() if f["status"] == "ERROR"], control
    others = {c for c in {f["compliance"]["control"] for f in run.report["findings"]} if c not in ("ELB.21", "ELB.22")}
    for control in others:
        assert not groups & set(findings(run, control)), control


def test_target_groups_the_controls_do_not_apply_to(run: Run, world: World) -> None:
    health, transport = findings(run, "ELB.21"), findings(run, "ELB.22")
    verdicts = {name: (health[world.arns[name]]["status"], transport[world.arns[name]]["status"]) for name in ("tg-tls", "tg-lambda", "tg-geneve", "tg-alb")}
    assert verdicts == {
        "tg-tls": ("FAIL", "PASS"),  # TLS to the targets, health checks over plain TCP
        "tg-lambda": ("NOT_APPLICABLE", "NOT_APPLICABLE"),
        "tg-geneve": ("FAIL", "NOT_APPLICABLE"),  # HTTP health checks
        "tg-alb": ("FAIL", "NOT_APPLICABLE"),
    }


def test_a_desync_mode_never_set_is_answered_as_the_default(run: Run) -> None:
    """AWS answers defensive for a load balancer that never set the mode (the emulator too, tools/local_aws/elb_ext.py)."""
    alb = next(f for uid, f in findings(run, "ELB.12").items() if uid.split("/")[-2] == "cr-elb-tls")
    assert alb["status"] == "PASS"
    assert "is defensive" in alb["status_detail"]
    assert not [uid for uid, f in {**findings(run, "ELB.12"), **findings(run, "ELB.14")}.items() if f["status"] == "ERROR"]


def test_cloudfront_17_fails_a_distribution_that_requires_no_signing(run: Run, world: World) -> None:
    got = findings(run, "CloudFront.17")[world.arns["cf-no-signing"]]
    assert got["status"] == "FAIL"
    assert "without a trusted key group" in got["status_detail"]
