"""Which ports each make target's servers may bind, and a check that lanes side by side can never want the same one.

`make test` runs the server suites in lanes side by side (tools/lanes). A port two targets in different lanes may
both bind is a failure that depends on timing: the emulator's ALB listeners, CloudFront edges and RDS instances bind
their ports when Terraform or a test creates them, minutes after the emulator started. So the footprint of every
emulator counts every port it may bind, not only the ones it binds at start:

- its API port and the notification receiver on API + 1;
- the listener ports: listener base + 80, 443 and 9000;
- the CloudFront edges: 10 ports from the edge base (listener base + 8000 unless set);
- the RDS instances: 100 ports from the RDS base (listener base + 5400 unless set), for the targets that create
  instances (the emulator's RDS takes the first free one, but a fixed port asked for later would then be taken);
- PostgreSQL servers a suite starts itself, and any other server of its own.

The table is the one place these defaults are written down for the lanes; the suites' conftests and the molecule
scenarios hold the same numbers (a unit test compares them). tools/lanes runs the check before it starts anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .emulator import LISTENER_PORTS

EDGE_OFFSET, EDGE_COUNT = 8000, 10  # tools/local_aws/config.py: distribution i on the edge base + i, 10 checked
RDS_OFFSET, RDS_COUNT = 5400, 100


@dataclass(frozen=True)
class Emu:
    """One emulator: its API port, listener base, and where its edges and RDS instances go."""

    api: int
    base: int
    edges: int | None = None
    rds: int | None = None
    creates_rds: bool = False

    def ports(self) -> set[int]:
        found = {self.api, self.api + 1, *(self.base + p for p in LISTENER_PORTS)}
        edges = self.edges if self.edges is not None else self.base + EDGE_OFFSET
        found.update(range(edges, edges + EDGE_COUNT))
        if self.creates_rds:
            rds = self.rds if self.rds is not None else self.base + RDS_OFFSET
            found.update(range(rds, rds + RDS_COUNT))
        return found


# The emulator suite's own block: tests/emulator/conftest.py picks its emulators' ports from these.
EMULATOR_TEST_API_PORTS = range(4700, 4799)  # API + 1 stays below 4800 (tests/secrets)
EMULATOR_TEST_BASES = range(22700, 23400, 100)  # RDS ports: base + 5400 (tests/emulator/test_rds_pg.py too)

# Other servers, by the ports they may take.
POSTGRES_ROTATION = set(range(5460, 5470))  # tests/support/postgres.py: 5460 or the next free one
POSTGRES_SECRETS_ROTATION = set(range(5470, 5480))
POSTGRES_SECRET_ROTATE = set(range(5490, 5500))  # molecule/secret_rotate/helper.py
UNIT_SLOW_HTTP = {4598}
SLACK_INTEGRATION = set(range(4620, 4630))  # tests/support/stack.py: the emulator's API port + 10, or one of the next 9
SITE_ORIGIN_INTEGRATION = set(range(10990, 11100))  # tests/integration/test_site.py: an origin server, the first free

TARGETS: dict[str, list[Emu]] = {
    "terraform-integration": [Emu(4610, 10000)],
    "secrets-test": [Emu(4690, 16000), Emu(4800, 17000, creates_rds=True), Emu(4820, 18000)],
    "compliance-test": [Emu(4840, 19000, edges=19500, creates_rds=True)],
    "dr-test": [Emu(4860, 19800, creates_rds=True)],
    "pipelines-test": [Emu(4880, 11100)],
    "molecule-default": [Emu(4640, 12000)],
    "molecule-static_site": [Emu(4670, 15000, edges=15200)],
    "molecule-secret_rotation_audit": [Emu(4810, 17500)],
    "molecule-secret_rotate": [Emu(4830, 18500)],
    "molecule-dr_runbook": [Emu(4850, 16500, rds=26600, creates_rds=True)],
    "molecule-release_train": [Emu(4960, 11900)],
}
OTHER: dict[str, set[int]] = {
    "unit": UNIT_SLOW_HTTP,
    "terraform-integration": SLACK_INTEGRATION | SITE_ORIGIN_INTEGRATION,
    "secrets-test": POSTGRES_ROTATION | POSTGRES_SECRETS_ROTATION,
    "molecule-secret_rotate": POSTGRES_SECRET_ROTATE,
}
# Targets that start no server.
QUIET = {"lint", "sanity", "terraform-check", "tf-validate", "checkov", "tf-docs-check"}


def emulator_test_footprint() -> set[int]:
    """Every port the emulator suite may bind: any of its API ports with any of its bases."""
    found: set[int] = set()
    for api in EMULATOR_TEST_API_PORTS:
        found |= {api, api + 1}
    for base in EMULATOR_TEST_BASES:
        found |= Emu(0, base, creates_rds=True).ports() - {0, 1}
    return found


def footprint(target: str) -> set[int]:
    if target == "emulator-test":
        return emulator_test_footprint()
    if target not in TARGETS and target not in OTHER and target not in QUIET:
        raise KeyError(target)
    found = set(OTHER.get(target, set()))
    for emu in TARGETS.get(target, []):
        found |= emu.ports()
    return found


def lane_port_problems(lanes: Iterable[Iterable[str]]) -> list[str]:
    """Every pair of targets in different lanes that may want the same port, and every target the table lacks."""
    lanes = [list(lane) for lane in lanes]
    problems = []
    prints: dict[str, set[int]] = {}
    for lane in lanes:
        for target in lane:
            try:
                prints[target] = footprint(target)
            except KeyError:
                problems.append(f"{target} is not in tests/support/ports.py (add the ports its servers may bind)")
    for i, lane in enumerate(lanes):
        for other in lanes[i + 1 :]:
            for a in lane:
                for b in other:
                    if a in prints and b in prints and (shared := prints[a] & prints[b]):
                        ports = sorted(shared)
                        shown = ", ".join(map(str, ports[:5])) + (" ..." if len(ports) > 5 else "")
                        problems.append(f"{a} and {b} are in different lanes and may both bind port(s) {shown}: put them in one lane or move one's ports")
    return problems
