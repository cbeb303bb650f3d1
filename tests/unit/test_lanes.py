"""tools/lanes and tests/support/ports.py: the Makefile's lanes can never meet on a port, the port table says what the
suites and scenarios really use, and the runner prints each target whole and stops starting targets after a failure."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from tests.support import ports

ROOT = Path(__file__).resolve().parents[2]
LANES = ROOT / "tools" / "lanes"


def makefile_lanes(target: str) -> list[list[str]]:
    out = subprocess.run(["make", "-n", "-o", "setup", target], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("tools/lanes "))
    return [lane.split() for lane in shlex.split(line)[1:]]


@pytest.mark.parametrize("target", ["test", "molecule"])
def test_the_makefile_lanes_place_every_scenario_and_never_meet_on_a_port(target):
    lanes = makefile_lanes(target)
    proc = subprocess.run([sys.executable, str(LANES), "--check", *[" ".join(lane) for lane in lanes]], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert ports.lane_port_problems(lanes) == []


def test_every_server_suite_and_scenario_is_in_make_test():
    listed = {t for lane in makefile_lanes("test") for t in lane}
    scenarios = {f"molecule-{p.parent.name}" for p in (ROOT / "molecule").glob("*/molecule.yml")}
    assert set(ports.TARGETS) | {"unit", "lint", "terraform-check", "emulator-test"} <= listed
    assert scenarios <= listed


def test_two_scenarios_whose_side_ports_meet_are_refused_in_different_lanes():
    # dr_runbook's test listener is 16500 + 9000 = 25500, where secret_rotation_audit's edges begin (17500 + 8000).
    problems = ports.lane_port_problems([["molecule-dr_runbook"], ["molecule-secret_rotation_audit"]])
    assert len(problems) == 1 and "25500" in problems[0] and "molecule-dr_runbook and molecule-secret_rotation_audit" in problems[0]
    assert ports.lane_port_problems([["molecule-dr_runbook", "molecule-secret_rotation_audit"]]) == []
    assert "nope is not in tests/support/ports.py" in ports.lane_port_problems([["nope"]])[0]


def _env(scenario: str) -> dict[str, str]:
    doc = yaml.safe_load((ROOT / "molecule" / scenario / "molecule.yml").read_text())
    return {k: str(v) for k, v in doc["ansible"]["env"].items()}


@pytest.mark.parametrize("scenario", sorted(p.parent.name for p in (ROOT / "molecule").glob("*/molecule.yml")))
def test_the_table_holds_each_scenarios_own_ports(scenario):
    env = _env(scenario)
    (emu,) = ports.TARGETS[f"molecule-{scenario}"]
    assert (emu.api, emu.base) == (int(env["SLIPWAY_EMULATOR_PORT"]), int(env["SLIPWAY_LISTENER_PORT_BASE"]))
    assert emu.edges == (int(env["SLIPWAY_EDGE_PORT_BASE"]) if "SLIPWAY_EDGE_PORT_BASE" in env else None)
    assert emu.rds == (int(env["SLIPWAY_RDS_PORT_BASE"]) if "SLIPWAY_RDS_PORT_BASE" in env else None)


def _private_emulators(conftest: str) -> set[tuple[int, int]]:
    text = (ROOT / "tests" / conftest / "conftest.py").read_text()
    return {(int(a), int(b)) for a, b in re.findall(r'private_emulator\([^,]+, "[A-Z_]+", (\d+), (\d+)', text)}


def test_the_table_holds_each_suites_own_ports():
    table = {t: {(e.api, e.base) for e in emus} for t, emus in ports.TARGETS.items()}
    assert table["secrets-test"] == _private_emulators("rotation") | _private_emulators("secrets") | _private_emulators("secrets_rotation")
    assert table["dr-test"] == _private_emulators("dr")
    assert table["pipelines-test"] == _private_emulators("pipelines")
    fixtures = (ROOT / "tests" / "support" / "fixtures.py").read_text()
    port, base = (int(re.search(rf"^{name} = (\d+)$", fixtures, re.M).group(1)) for name in ("DEFAULT_PORT", "DEFAULT_LISTENER_BASE"))
    assert table["terraform-integration"] == {(port, base)}
    stack = (ROOT / "tests" / "support" / "stack.py").read_text()
    assert "SlackReceiver(preferred=slack_port or port + 10, tries=10)" in stack
    assert set(range(port + 10, port + 20)) == ports.SLACK_INTEGRATION
    origin = re.search(r"range\((\d+), (\d+)\) if port_free", (ROOT / "tests" / "integration" / "test_site.py").read_text())
    assert set(range(int(origin[1]), int(origin[2]))) == ports.SITE_ORIGIN_INTEGRATION
    compliance = (ROOT / "tests" / "compliance" / "conftest.py").read_text()
    assert "port=port or 4840, listener_base=base or 19000" in compliance and ports.TARGETS["compliance-test"][0].edges == 19500
    assert re.search(r"edges = .*19500", compliance), "tests/compliance/conftest.py no longer puts its edges at 19500"
    for where, block in (
        ("tests/secrets_rotation/conftest.py", ports.POSTGRES_SECRETS_ROTATION),
        ("molecule/secret_rotate/helper.py", ports.POSTGRES_SECRET_ROTATE),
    ):
        pg = {int(p) for p in re.findall(r"pick_pg_port\((\d+)\)", (ROOT / where).read_text())}
        assert pg and pg <= block, where


def test_the_emulator_suite_keeps_to_its_block():
    sys.path.insert(0, str(ROOT))
    from tests.emulator import conftest

    assert conftest.API_PORTS is ports.EMULATOR_TEST_API_PORTS and conftest.LISTENER_BASES is ports.EMULATOR_TEST_BASES
    for module in ("test_rds_pg", "test_lambda_runtime"):
        text = (ROOT / "tests" / "emulator" / f"{module}.py").read_text()
        for base in re.findall(r"_BASE(?:, [A-Z_]+)* = (?:\d+, )?(\d+)", text):
            assert int(base) in ports.EMULATOR_TEST_BASES, f"{module}: base {base}"
    rds = (ROOT / "tests" / "emulator" / "test_rds_pg.py").read_text()
    for _port, base, rds_base in re.findall(r"= (\d+), (\d+), (\d+)\n", rds):
        assert int(rds_base) == int(base) + ports.RDS_OFFSET


@pytest.fixture
def fake_make(tmp_path: Path) -> Path:
    script = tmp_path / "make"
    script.write_text(
        textwrap.dedent(
            """\
            #!/bin/sh
            target="$4"
            echo "$target: first line"
            sleep 0.3
            echo "$target: last line"
            [ "$target" != "unit" ] || exit 3
            """
        )
    )
    script.chmod(0o755)
    return script


def test_a_failure_stops_new_targets_and_each_output_is_printed_whole(fake_make):
    env = {**os.environ, "MAKE": str(fake_make)}
    proc = subprocess.run([str(LANES), "unit terraform-check", "lint"], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 1
    out = proc.stdout
    assert "===== make unit: FAILED (exit 3)" in out and "===== make lint: passed" in out
    assert "terraform-check" not in out.split("lanes:")[0], "a lane started a target after a failure"
    for target in ("unit", "lint"):
        block = out[out.index(f"===== make {target}\n") :]
        assert block.splitlines()[1:3] == [f"{target}: first line", f"{target}: last line"]
    assert "lanes: FAILED: unit" in out


def test_a_wrong_lane_list_is_refused_before_anything_runs(fake_make):
    env = {**os.environ, "MAKE": str(fake_make)}
    proc = subprocess.run([str(LANES), "unit molecule-default", "unit"], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "targets in more than one place: unit" in proc.stderr and "molecule scenarios in no lane" in proc.stderr
