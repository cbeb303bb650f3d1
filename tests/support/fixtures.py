"""The pytest plugin of the harness (``tests/conftest.py`` registers it): one emulator and one
applied foundation for the whole session, shared by tests/terraform and tests/integration.

- ``slipway_emulator``: an :class:`~tests.support.emulator.Emulator` on free ports
  (4610 / listener base 10000 by default; ``SLIPWAY_TEST_EMULATOR_PORT`` and
  ``SLIPWAY_TEST_LISTENER_BASE`` pin them), state in the session's temporary
  directory, stopped at the end. Nothing here touches a developer's
  ``make demo`` (port 4566, the working tree's Terraform state).
- ``foundation``: terraform/environments/local of a private copy of the code
  applied to it once (about 90 s on 2 cores), a
  :class:`~tests.support.terraform.Foundation`.

Run together (``make test``: ``pytest tests/terraform tests/integration``),
the terraform tests check the fresh apply (plan converges, outputs) before any
release changes the emulated state: integration tests are moved to the end of
the run. Each suite also runs on its own, with the same fixtures.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .emulator import Emulator, env_port
from .terraform import Foundation, apply_foundation, copy_code

DEFAULT_PORT = 4610
DEFAULT_LISTENER_BASE = 10000
# The integration tests read CloudWatch metrics a second after the traffic.
TUNABLES = {"SLIPWAY_METRIC_FLUSH_SECONDS": "1"}
# Set up before anything changes the emulated state: the terraform tests check the fresh apply.
LAST = ("tests/integration/",)

_TIMINGS: dict[str, float] = {}


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(str(config.rootpath))

    def last(item: pytest.Item) -> bool:
        try:
            rel = Path(str(item.path)).resolve().relative_to(root).as_posix()
        except ValueError:
            return False
        return rel.startswith(LAST)

    items[:] = [i for i in items if not last(i)] + [i for i in items if last(i)]


@pytest.fixture(scope="session")
def slipway_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    tmp = tmp_path_factory.mktemp("emulator")
    cache = tmp / "tf-plugin-cache"  # the provider is unpacked once per session
    cache.mkdir()
    port = env_port("SLIPWAY_TEST_EMULATOR_PORT")
    base = env_port("SLIPWAY_TEST_LISTENER_BASE")
    emulator = Emulator.pick(
        tmp / "state",
        port=port or DEFAULT_PORT,
        listener_base=base or DEFAULT_LISTENER_BASE,
        extra_env={**TUNABLES, "TF_PLUGIN_CACHE_DIR": str(cache)},
        exact=bool(port and base),
    )
    started = time.monotonic()
    emulator.up()
    _TIMINGS["emulator up"] = time.monotonic() - started
    try:
        yield emulator
    finally:
        emulator.down()


@pytest.fixture(scope="session")
def foundation(tmp_path_factory: pytest.TempPathFactory, slipway_emulator: Emulator) -> Foundation:
    """The local foundation applied to the session's emulator, from a private copy of the code."""
    started = time.monotonic()
    work = copy_code(tmp_path_factory.mktemp("foundation"))
    _TIMINGS["copy code"] = time.monotonic() - started
    applied = apply_foundation(work, slipway_emulator.env)
    _TIMINGS["terraform init + apply + output"] = applied.seconds
    return applied


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    if _TIMINGS:
        parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in _TIMINGS.items())
        terminalreporter.write_line(f"slipway foundation (once for the session): {parts}")
