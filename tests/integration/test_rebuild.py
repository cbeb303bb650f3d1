"""`playbooks/runbooks/environment_rebuild.yml` against the shared foundation: a service's ECS services (and one of
its alarms) are lost, the rebuild brings them back from Terraform and puts the service at its last good digest from
the ledger through the release path; a second run changes nothing. Runs last (tests/support/fixtures.py): it deletes and recreates state.

Everything is read back: the ECS services and their task definitions, the listener rule, the target health, the
deployment table, `terraform plan` of the root, the emulator's count of write calls, the evidence report.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.support.terraform import tf

from .conftest import BIN, ROOT, Stack, recap_changed

pytestmark = pytest.mark.timeout(600)

PLAYBOOK = "playbooks/runbooks/environment_rebuild.yml"
FAST_RELEASE = {"step_bake_seconds": 1, "strategy": "all_at_once"}


def rebuild(stack: Stack, reports: Path, *args: str, **extra) -> tuple[int, str]:
    extra = {"dr_runbook_reports_dir": str(reports), "release": FAST_RELEASE, **extra}
    cmd = [str(BIN / "ansible-playbook"), PLAYBOOK, "-i", str(stack.inventory), "-e", json.dumps(extra), *args]
    proc = subprocess.run(cmd, cwd=ROOT, env=stack.env, capture_output=True, text=True, timeout=540, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def plan_exit(stack: Stack, root: Path) -> int:
    return tf(root, "plan", "-input=false", "-no-color", "-detailed-exitcode", env=stack.env, timeout=300).returncode


def test_lost_services_are_rebuilt_at_their_last_good_digest(stack: Stack, foundation, tmp_path: Path) -> None:
    reports = tmp_path / "dr"
    svc = "event"
    # The ledger's last good release of the service: a real release of a new image.
    digest = stack.push(svc, "3.0.0-rebuild")
    proc = stack.release(svc, image_tag="3.0.0-rebuild", service_release_step_bake_seconds=1)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert stack.ledger(svc)[0]["outcome"] == "succeeded" and stack.ledger(svc)[0]["image_digest"] == digest
    others = {name: stack.image_of(name, stack.live_colour(name)) for name in ("user", "notification")}

    # --check: the preflight shows Terraform's plan and the ledger's digest; nothing is written. Shown on a small loss
    # (one of the service's alarms): over a lost ECS service, Terraform's AWS provider waits two minutes for it to
    # reappear before it plans its creation (docs/runbooks/environment_rebuild.md), and the rebuild below pays that once.
    cloudwatch = stack.client("cloudwatch")
    alarm = stack.svc(svc)["alarm_names"]["green"][0]
    cloudwatch.delete_alarms(AlarmNames=[alarm])
    assert cloudwatch.describe_alarms(AlarmNames=[alarm])["MetricAlarms"] == []
    calls = stack.calls()
    temp = Path(stack.env.get("TMPDIR") or tempfile.gettempdir())
    plans_before = set(temp.glob("slipway-rebuild-*"))
    rc, out = rebuild(stack, reports, "--check")
    assert rc == 0, out[-4000:]
    assert set(temp.glob("slipway-rebuild-*")) == plans_before, "check mode left its saved plan behind"
    assert "PASS  terraform plan: 1 to create" in out and "aws_cloudwatch_metric_alarm" in out, out[-4000:]
    assert f"last good {digest[:19]}" in out, out[-4000:]
    assert stack.writes_since(calls) == {}, stack.writes_since(calls)
    assert cloudwatch.describe_alarms(AlarmNames=[alarm])["MetricAlarms"] == []

    # The loss: both colours' ECS services are gone too.
    ecs = stack.client("ecs")
    names = [stack.svc(svc)["blue_service_name"], stack.svc(svc)["green_service_name"]]
    for name in names:
        ecs.delete_service(cluster=stack.outputs["cluster_name"], service=name, force=True)
    gone = ecs.describe_services(cluster=stack.outputs["cluster_name"], services=names)["services"]
    assert all(s["status"] != "ACTIVE" for s in gone), gone

    # A service the catalogue does not know: a clear error before any write.
    calls = stack.calls()
    rc, out = rebuild(stack, reports, services="nope")
    assert rc != 0 and "nope" in out and "not in the catalogue" in out, out[-3000:]
    assert stack.writes_since(calls) == {}

    # The rebuild.
    started = time.monotonic()
    rc, out = rebuild(stack, reports)
    assert rc == 0, out[-6000:]
    took = time.monotonic() - started
    services = ecs.describe_services(cluster=stack.outputs["cluster_name"], services=names)["services"]
    assert [s["status"] for s in services] == ["ACTIVE", "ACTIVE"], services
    assert [a["AlarmName"] for a in cloudwatch.describe_alarms(AlarmNames=[alarm])["MetricAlarms"]] == [alarm]
    live = stack.live_colour(svc)
    stack.wait_steady(svc)
    assert stack.image_of(svc, live).endswith("@" + digest), (live, stack.image_of(svc, live))
    status, body = stack.http(svc)
    assert status == 200, (status, body)
    # The root converged, and nothing else moved.
    assert plan_exit(stack, foundation.root) == 0
    assert {name: stack.image_of(name, stack.live_colour(name)) for name in others} == others
    # The release path wrote its ledger entry for the rebuild's release.
    assert stack.ledger(svc)[0]["image_digest"] == digest and stack.ledger(svc)[0]["outcome"] == "succeeded"
    report = json.loads(max((reports).glob("environment_rebuild-*.json"), key=lambda p: p.stat().st_mtime).read_text())
    assert report["status"] == "succeeded", report
    assert set(report["rto"]["parts"]) == {"infrastructure", "services"} and all(p["seconds"] for p in report["rto"]["parts"].values())
    assert report["rto"]["achieved_seconds"] <= took + 5

    # A second run changes nothing and writes nothing.
    calls = stack.calls()
    rc, out = rebuild(stack, reports)
    assert rc == 0, out[-4000:]
    assert "already done by (the state itself" in out, out[-3000:]
    assert recap_changed(out) == 0
    assert stack.writes_since(calls) == {}, stack.writes_since(calls)
