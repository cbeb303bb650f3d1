"""``ansible-playbook playbooks/secret_rotation_check.yml`` against the emulator: every state produced for real
and detected, Security Hub's verdicts, stale consumers, the exit code, idempotence, check mode, bad input, no leak."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tools.local_aws import faults

from .conftest import LEAK_MARKER, PATTERNS, Run, World

EXPECTED = {
    "audit/healthy": "healthy",
    "audit/not-rotating": "not_rotating",
    "audit/overdue": "overdue",
    "audit/stuck": "stuck_pending",
    "audit/failing": "failing",
    "audit/broken-missing": "rotator_broken",
    "audit/broken-policy": "rotator_broken",
    "audit/denied": "error",
    "audit/consumed": "healthy",
}
READ_ONLY = ("List", "Describe", "Get", "Lookup")


def _strip(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k != "generated_at"}


@pytest.fixture(scope="module")
def runs(world: World, playbook: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """The audit run, run again, and run in check mode, with DescribeSecret denied for audit/denied only."""
    out: dict[str, Run] = {}
    with faults.fault(world.emulator.endpoint, "secretsmanager.DescribeSecret", "access-denied", rate=1.0, match={"SecretId": "*audit/denied*"}):
        for name, extra in (("first", ()), ("second", ()), ("check", ("--check",))):
            world.emulator.calls(reset=True)
            run = playbook("-e", f"secrets={PATTERNS}", "-e", "env=test", *extra, reports=tmp_path_factory.mktemp(name))
            run.calls = world.emulator.calls()  # type: ignore[attr-defined]
            out[name] = run
    return out


def test_every_state_is_produced_and_detected(runs: dict[str, Run]) -> None:
    states = runs["first"].states
    managed = [n for n in states if n.startswith("rds!")]
    assert len(managed) == 1 and states[managed[0]] == "managed_by_service"
    assert {n: s for n, s in states.items() if not n.startswith("rds!")} == EXPECTED
    by_name = {r["name"]: r for r in runs["first"].report["secrets"]}
    assert "AccessDeniedException" in by_name["audit/denied"]["reason"]
    assert {v["verdict"] for v in by_name["audit/denied"]["controls"].values()} == {"ERROR"}
    assert "does not exist" in by_name["audit/broken-missing"]["reason"]
    assert "no resource policy" in by_name["audit/broken-policy"]["reason"]
    assert "setSecret" in by_name["audit/failing"]["reason"]
    assert by_name["audit/stuck"]["evidence"]["pending_version"]
    assert "failing" in [f["state"] for f in by_name["audit/stuck"]["findings"]]
    assert by_name[managed[0]]["evidence"]["owning_service"] == "rds"


def test_security_hub_verdicts(runs: dict[str, Run]) -> None:
    by_name = {r["name"]: {c: v["verdict"] for c, v in r["controls"].items()} for r in runs["first"].report["secrets"]}
    assert by_name["audit/healthy"] == dict.fromkeys(("SecretsManager.1", "SecretsManager.2", "SecretsManager.3", "SecretsManager.4"), "PASS")
    assert by_name["audit/not-rotating"]["SecretsManager.1"] == "FAIL"
    assert by_name["audit/not-rotating"]["SecretsManager.2"] == "NOT_APPLICABLE"
    # aged 100 days: its schedule was missed, it was last accessed and rotated 100 days ago
    assert by_name["audit/overdue"] == {"SecretsManager.1": "PASS", "SecretsManager.2": "FAIL", "SecretsManager.3": "FAIL", "SecretsManager.4": "FAIL"}
    assert runs["first"].report["security_hub_parameters"]["SecretsManager.3"] == {"unusedForDays": 90}


def test_stale_consumers(runs: dict[str, Run]) -> None:
    by_name = {r["name"]: r for r in runs["first"].report["secrets"]}
    stale = by_name["audit/consumed"]["stale_consumers"]
    assert [(s["service"], s["stale_tasks"]) for s in stale] == [("api", 1)]
    assert stale[0]["oldest_started_at"] < stale[0]["last_rotated"]
    assert not by_name["audit/healthy"]["stale_consumers"]
    assert any("stale consumers" in f for f in runs["first"].report["summary"]["failures"])


def test_outputs_and_exit_code(runs: dict[str, Run]) -> None:
    first = runs["first"]
    assert first.rc == 2, first.stdout[-3000:]
    verdict = "secret rotation audit failed: 1 error (audit/denied)"
    assert any(verdict in line for line in first.stderr.splitlines() + first.stdout.splitlines())
    assert re.search(r"^audit/denied\s+error\s+ERR\s+ERR\s+ERR\s+ERR", first.stdout, re.M)
    root = ET.parse(first.reports / "secret_rotation_audit.xml").getroot()  # noqa: S314  our own output
    suites = {s.attrib["name"]: s for s in root}
    assert set(suites) == set(first.states)
    assert suites["audit/denied"].find("testcase/error") is not None
    assert suites["audit/healthy"].attrib["failures"] == "0" and suites["audit/healthy"].attrib["errors"] == "0"


def test_exit_code_zero_when_the_policy_passes(world: World, playbook: Any, tmp_path: Path) -> None:
    run = playbook("-e", "secrets=audit/healthy", reports=tmp_path)
    assert run.rc == 0, run.stdout[-3000:]
    assert run.states == {"audit/healthy": "healthy"}
    assert "secret rotation audit passed: 1 secret(s)" in run.stdout


def test_idempotent_and_check_mode_identical_and_read_only(runs: dict[str, Run]) -> None:
    first, second, check = runs["first"], runs["second"], runs["check"]
    assert _strip(second.report) == _strip(first.report)
    assert _strip(check.report) == _strip(first.report)
    assert (second.reports / "secret_rotation_audit.xml").read_text() == (first.reports / "secret_rotation_audit.xml").read_text()
    assert second.rc == check.rc == first.rc
    for run in runs.values():
        assert "changed=0" in run.stdout
        ops = {name.split(".", 1)[1] for name in run.calls}  # type: ignore[attr-defined]
        assert ops and all(op.startswith(READ_ONLY) for op in ops), ops
        assert not any(name.endswith("GetSecretValue") for name in run.calls)  # type: ignore[attr-defined]


def test_no_secret_value_leaks(world: World, runs: dict[str, Run]) -> None:
    managed_value = json.loads(world.client("secretsmanager").get_secret_value(SecretId=world.secrets["managed"])["SecretString"])["password"]
    for run in runs.values():
        texts = [run.stdout, run.stderr, *(p.read_text() for p in run.reports.iterdir())]
        for text in texts:
            assert LEAK_MARKER not in text
            assert managed_value not in text


def test_bad_input_is_refused_and_nothing_written(playbook: Any, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    run = playbook("-e", '{"secret_rotation_audit_policy": {"max_age_days": 0}}', reports=out)
    assert run.rc == 2
    assert "policy max_age_days=0 is out of range: a whole number of days from 1 to 1000" in run.stdout + run.stderr
    assert not out.exists()
    run = playbook("-e", "env=prod", reports=out)
    assert run.rc == 2 and "env 'prod' is not this inventory's environment ('test')" in run.stdout + run.stderr
    run = playbook("-e", '{"secrets": "bad name"}', reports=out)
    assert run.rc == 2 and "is not a comma-separated list of name globs" in run.stdout + run.stderr
    assert not out.exists()
    run = playbook("-e", "secrets=audit/no-such-*", reports=out)
    assert run.rc == 2 and "secret rotation audit failed: no secret matches audit/no-such-*" in run.stdout + run.stderr
