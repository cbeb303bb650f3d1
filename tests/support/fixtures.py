"""The pytest plugin of the harness (``tests/conftest.py`` registers it): one emulator and one
applied foundation for the whole session, shared by tests/terraform and tests/integration.

Both are set up once, before the first test runs, when a collected test needs
them (and torn down at the end of the session):

- ``slipway_emulator``: an :class:`~tests.support.emulator.Emulator` on free ports
  (4610 / listener base 10000 by default; ``SLIPWAY_TEST_EMULATOR_PORT`` and
  ``SLIPWAY_TEST_LISTENER_BASE`` pin them), state in a temporary directory. Nothing here touches a developer's
  ``make demo`` (port 4566, the working tree's Terraform state).
- ``foundation``: terraform/environments/local of a private copy of the code
  applied to it once (about 100 s on 2 cores; the ECR repositories first,
  with every service's 1.0.0 image, as `make foundation` does), a
  :class:`~tests.support.terraform.Foundation`.

Run together (``make test``: ``pytest tests/terraform tests/integration``),
the terraform tests check the fresh apply (plan converges, outputs) before any
release changes the emulated state: integration tests are moved to the end of
the run. Each suite also runs on its own, with the same fixtures.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import pytest

from .emulator import Emulator, env_port
from .terraform import Foundation, apply_foundation, copy_code

DEFAULT_PORT = 4610
DEFAULT_LISTENER_BASE = 10000
# The integration tests read CloudWatch metrics a second after the traffic, and
# the foundation's alarms (60 s periods, 2 of 2) are evaluated on 6 s periods,
# so an alarm raised from real data fires within a test's bake.
TUNABLES = {"SLIPWAY_METRIC_FLUSH_SECONDS": "1", "SLIPWAY_ALARM_PERIOD_SCALE": "0.1", "SLIPWAY_ALARM_EVAL_SECONDS": "1"}
# Set up before anything changes the emulated state: the terraform tests check the fresh apply.
LAST = ("tests/integration/",)
# After every other integration test: the rebuild deletes services and brings them back.
FINAL = ("tests/integration/test_rebuild.py",)
SHARED = "foundation"


class _Session:
    """The emulator and the foundation of this session, set up before the first test runs.

    Up front, not inside the first test that asks: per-test timeouts
    (pytest-timeout counts fixture set-up) must not have to hold two minutes
    of terraform apply. A failure is kept and raised by the fixtures, so every
    test that needs them errors with it.
    """

    def __init__(self) -> None:
        self.tmp: Path | None = None
        self.emulator: Emulator | None = None
        self.foundation: Foundation | None = None
        self.error: BaseException | None = None
        self.timings: dict[str, float] = {}

    def start(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="slipway-tests-"))
        cache = self.tmp / "tf-plugin-cache"  # the provider is unpacked once per session
        cache.mkdir()
        port = env_port("SLIPWAY_TEST_EMULATOR_PORT")
        base = env_port("SLIPWAY_TEST_LISTENER_BASE")
        try:
            self.emulator = Emulator.pick(
                self.tmp / "emulator",
                port=port or DEFAULT_PORT,
                listener_base=base or DEFAULT_LISTENER_BASE,
                extra_env={**TUNABLES, "TF_PLUGIN_CACHE_DIR": str(cache)},
                exact=bool(port and base),
            )
            started = time.monotonic()
            self.emulator.up()
            self.timings["emulator up"] = time.monotonic() - started
            started = time.monotonic()
            work = copy_code(self.tmp / "work")
            self.timings["copy code"] = time.monotonic() - started
            self.foundation = apply_foundation(work, self.emulator.env)
            self.timings["terraform init + apply (ECR first, initial images) + output"] = self.foundation.seconds
        except Exception as exc:  # noqa: BLE001  raised again by every fixture that needs it
            self.error = exc

    def stop(self) -> None:
        if self.emulator is not None:
            self.emulator.down()
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)


_SESSION = _Session()


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(str(config.rootpath))

    def rank(item: pytest.Item) -> int:
        try:
            rel = Path(str(item.path)).resolve().relative_to(root).as_posix()
        except ValueError:
            return 0
        return 2 if rel.startswith(FINAL) else 1 if rel.startswith(LAST) else 0

    items[:] = sorted(items, key=rank)  # stable: the order within each rank is kept


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    if session.config.option.collectonly or not any(SHARED in getattr(item, "fixturenames", ()) for item in session.items):
        return
    _SESSION.start()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _SESSION.stop()


def _shared() -> _Session:
    if _SESSION.error is not None:
        raise _SESSION.error
    if _SESSION.foundation is None:
        _SESSION.start()  # a test asked for it that the collection did not show (e.g. through getfixturevalue)
        if _SESSION.error is not None:
            raise _SESSION.error
    return _SESSION


@pytest.fixture(scope="session")
def slipway_emulator() -> Emulator:
    """The session's emulator (stopped at the end of the session)."""
    emulator = _shared().emulator
    assert emulator is not None
    return emulator


@pytest.fixture(scope="session")
def foundation(slipway_emulator: Emulator) -> Foundation:
    """The local foundation applied to the session's emulator, from a private copy of the code."""
    applied = _shared().foundation
    assert applied is not None
    return applied


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    if _SESSION.timings:
        parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in _SESSION.timings.items())
        terminalreporter.write_line(f"slipway foundation (once for the session, before the first test): {parts}")
