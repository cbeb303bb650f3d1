"""The integration stack: the Slipway emulator over HTTP, the local foundation
applied by real Terraform, the initial images, and helpers to run the real
`ansible-playbook` and read state back from the (emulated) AWS API.

The emulator and the applied foundation are the session's (tests/support/
fixtures.py), shared with tests/terraform when both run in one session; the
Stack and its helpers live in tests/support/stack.py. The stack is isolated
from a developer's `make demo`: its own emulator port, listener ports,
emulator state directory and Terraform state, and release summaries in its
temporary directory instead of the working tree's releases/.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator

import pytest

from tests.support import BIN, ROOT, SERVICES
from tests.support.emulator import Emulator
from tests.support.processes import descendants, kill_tree
from tests.support.slack import SlackReceiver
from tests.support.stack import Stack, build_stack
from tests.support.terraform import Foundation

__all__ = ["BIN", "ROOT", "SERVICES", "SlackReceiver", "Stack", "descendants", "kill_controller", "recap_changed"]


@pytest.fixture(scope="session")
def stack(tmp_path_factory, foundation: Foundation, slipway_emulator: Emulator) -> Iterator[Stack]:
    st = build_stack(foundation, tmp_path_factory.mktemp("stack"), slipway_emulator)
    try:
        yield st
    finally:
        st.slack.close()


@pytest.fixture
def traffic(stack: Stack):
    """Background production traffic to a service, like real users."""
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def start(service: str, rate: float = 40.0) -> None:
        def loop() -> None:
            while not stop.is_set():
                try:
                    stack.http(service)
                except OSError:
                    pass
                time.sleep(1 / rate)

        t = threading.Thread(target=loop, daemon=True)
        t.start()
        threads.append(t)

    yield start
    stop.set()
    for t in threads:
        t.join(5)


def kill_controller(proc) -> None:
    """What a dead CI runner looks like: the controller and its workers vanish at once."""
    kill_tree(proc)


def recap_changed(stdout: str) -> int:
    """The play recap's changed count for localhost."""
    m = re.search(r"localhost\s*:\s*ok=\d+\s+changed=(\d+)", stdout)
    assert m, stdout[-2000:]
    return int(m.group(1))
