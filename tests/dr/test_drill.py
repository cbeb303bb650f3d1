"""Drills clean up after themselves on every exit path, and the next run sweeps what a killed drill left.

The PITR runbook with ``drill=true``: success, a failed step, SIGTERM and SIGKILL. After each, the restored instance
is read back from the API (gone, or still there until the sweep), and the report's drill section and cost are checked
against what the emulator saw.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support import BIN, ROOT
from tests.support.emulator import Emulator
from tools.local_aws.faults import fault

from .conftest import PLAYBOOK, SOURCE, wait_for, writes


def gone(rds: Any, ident: str) -> bool:
    try:
        rds.describe_db_instances(DBInstanceIdentifier=ident)
    except ClientError as err:
        return err.response["Error"]["Code"] == "DBInstanceNotFound"
    return False


def clusters(emulator: Emulator) -> set[str]:
    """The real PostgreSQL clusters the emulator still runs."""
    with urllib.request.urlopen(emulator.endpoint + "/_slipway/rds", timeout=10) as answer:
        return {i["db_instance_identifier"] for i in json.load(answer)["instances"]}


def kill_tree(pid: int) -> None:
    """SIGKILL a process and every descendant (Ansible's workers run in sessions of their own, so a process group is not enough)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    todo, tree = [pid], []
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    for member in reversed(tree):
        with contextlib.suppress(ProcessLookupError):
            os.kill(member, signal.SIGKILL)


def no_cluster(emulator: Emulator, *idents: str) -> None:
    """The emulator tears a deleted instance's PostgreSQL down just after the API forgets it: wait for that."""
    wait_for(lambda: not set(idents) & clusters(emulator), 60, f"the clusters of {idents} torn down")


def start(emulator: Emulator, reports: Path, target: str, run_id: str) -> subprocess.Popen[str]:
    variables = {
        "dr_runbook_reports_dir": str(reports),
        "db": SOURCE,
        "restore_time": "latest",
        "target": target,
        "confirm": target,
        "drill": True,
        "run_id": run_id,
    }
    cmd = [str(BIN / "ansible-playbook"), PLAYBOOK, "-i", "inventories/local", "-e", json.dumps(variables)]
    return subprocess.Popen(
        cmd, cwd=ROOT, env=emulator.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL, start_new_session=True
    )


def test_a_drill_removes_what_it_restored_and_reports_its_cost(emulator: Emulator, source: dict[str, Any], run_playbook: Any) -> None:
    rds = emulator.client("rds")
    run = run_playbook(db=SOURCE, restore_time="latest", target="orders-drill", confirm="orders-drill", drill=True)
    assert run.rc == 0, run.text[-4000:]
    assert gone(rds, "orders-drill")
    no_cluster(emulator, "orders-drill")
    report = run.report()
    assert report["status"] == "succeeded" and report["rpo"]["rows_after_restore_time"] == 0
    removed = report["drill"]["removed"]
    assert [(r["kind"], r["id"], r["removed"]) for r in removed] == [("rds_instance", "orders-drill", True)] and not report["drill"]["left"]
    cost = report["drill"]["cost"]
    # db.t3.micro at the local inventory's list price, billed for at least RDS's 10-minute minimum
    assert cost["items"][0]["instance_hours"] >= 10 / 60 and cost["total"] == pytest.approx(cost["items"][0]["instance_hours"] * 0.018, rel=1e-3)
    assert "Drill cost at list prices" in (run.reports / f"{report['run_id']}.md").read_text()
    audit = [json.loads(line) for line in (run.reports / "runs" / report["run_id"] / "audit.jsonl").read_text().splitlines()]
    deletes = [a for a in audit if a.get("call") == "rds.DeleteDBInstance"]
    assert len(deletes) == 1 and deletes[0]["params"]["DBInstanceIdentifier"] == "orders-drill" and deletes[0]["request_id"]


def test_a_failed_drill_removes_what_it_restored_and_cannot_be_resumed(emulator: Emulator, source: dict[str, Any], run_playbook: Any) -> None:
    rds = emulator.client("rds")
    with fault(emulator.endpoint, "secretsmanager.GetSecretValue", "access-denied", count=1):
        failed = run_playbook(db=SOURCE, restore_time="latest", target="orders-drill-fail", confirm="orders-drill-fail", drill=True, run_id="drill-fail-1")
    assert failed.rc != 0 and "step smoke_query failed" in failed.text, failed.text[-3000:]
    assert gone(rds, "orders-drill-fail")
    no_cluster(emulator, "orders-drill-fail")
    report = failed.report()
    assert report["status"] == "failed" and [r["id"] for r in report["drill"]["removed"]] == ["orders-drill-fail"]
    emulator.calls(reset=True)
    again = run_playbook(
        db=SOURCE, restore_time="latest", target="orders-drill-fail", resume="true", run_id="drill-fail-1", dr_runbook_reports_dir=str(failed.reports)
    )
    assert again.rc != 0 and "start the drill again" in again.text, again.text[-3000:]
    assert writes(emulator.calls()) == {}


def test_sigterm_ends_a_drill_with_its_instance_removed(emulator: Emulator, source: dict[str, Any], tmp_path: Path) -> None:
    rds = emulator.client("rds")
    proc = start(emulator, tmp_path, "orders-drill-term", "drill-term-1")
    try:
        wait_for(lambda: not gone(rds, "orders-drill-term"), 120, "the drill's restore to start")
        os.killpg(proc.pid, signal.SIGTERM)
        out = proc.communicate(timeout=300)[0]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    # the worker (in a session of its own) may outlive the controller by the clean-up: wait for its report
    path = tmp_path / "drill-term-1.json"
    wait_for(lambda: path.exists() and json.loads(path.read_text())["status"] != "running", 120, f"the interrupted run's report; output:\n{out[-3000:]}")
    report = json.loads(path.read_text())
    assert report["status"] == "interrupted" and [r["id"] for r in report["drill"]["removed"]] == ["orders-drill-term"], out[-3000:]
    assert gone(rds, "orders-drill-term")
    no_cluster(emulator, "orders-drill-term")


def test_the_next_run_sweeps_what_a_killed_drill_left(emulator: Emulator, source: dict[str, Any], run_playbook: Any, tmp_path: Path) -> None:
    rds = emulator.client("rds")
    reports = tmp_path / "shared-reports"
    proc = start(emulator, reports, "orders-drill-killed", "drill-killed-1")
    wait_for(lambda: not gone(rds, "orders-drill-killed"), 120, "the drill's restore to start")
    kill_tree(proc.pid)  # the controller and its worker: nothing can clean up
    proc.communicate(timeout=60)
    state = json.loads((reports / "runs" / "drill-killed-1" / "state.json").read_text())
    assert state["status"] == "running" and not gone(rds, "orders-drill-killed")  # nothing could clean up

    emulator.calls(reset=True)
    check = run_playbook("--check", db=SOURCE, restore_time="latest", target="orders-drill-next", dr_runbook_reports_dir=str(reports))
    assert check.rc == 0 and "sweep would remove rds_instance orders-drill-killed" in check.stdout, check.text[-3000:]
    assert writes(emulator.calls()) == {} and not gone(rds, "orders-drill-killed")

    nxt = run_playbook(
        db=SOURCE, restore_time="latest", target="orders-drill-next", confirm="orders-drill-next", drill=True, dr_runbook_reports_dir=str(reports)
    )
    assert nxt.rc == 0, nxt.text[-4000:]
    assert gone(rds, "orders-drill-killed") and gone(rds, "orders-drill-next")
    no_cluster(emulator, "orders-drill-killed", "orders-drill-next")
    found = [json.loads(path.read_text()) for path in reports.glob("*.json")]
    swept = [r for ev in found for r in ev.get("swept", [])]
    assert [(r["id"], r["run_id"], r["why"]) for r in swept] == [("orders-drill-killed", "drill-killed-1", "its run is no longer running")]
