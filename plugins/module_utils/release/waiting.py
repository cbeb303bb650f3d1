# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting: the one poller with backoff and a deadline, and what signals do meanwhile."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.errors import GateFailed, Interrupted


def wait_until(
    check: Callable[[], Any],
    timeout: float,
    interval: float,
    what: str,
    on_tick: Callable[[], None] | None = None,
    max_interval: float | None = None,
) -> Any:
    """The one poller: call ``check`` until it returns a truthy value or the deadline passes.

    The interval grows by half each round up to ``max_interval`` (default 3 × interval),
    so long waits stay gentle on the API.
    """
    deadline = time.monotonic() + timeout
    delay = interval
    cap = max_interval if max_interval is not None else interval * 3
    while True:
        result = check()
        if result:
            return result
        if on_tick:
            on_tick()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise GateFailed(what, f"timed out after {timeout:.0f}s", {"timeout_seconds": timeout})
        time.sleep(min(delay, remaining))
        delay = min(delay * 1.5, cap)


class InterruptGuard:
    """SIGINT/SIGTERM raise ``Interrupted`` once, at most, until ``disarm()``; later ones are only recorded.

    A handler that raises can fire anywhere, including in the code that has just
    caught the first failure and is about to roll back. So the guard raises at
    most once, and from then on (or once the release has disarmed it: the
    rollback, or the point of no return) a signal is recorded in ``received`` and
    changes nothing. The previous handlers come back when the guard is left:
    there is no moment between the release's handling and the rollback's in which
    the caller's handler (Ansible's worker exits at once on SIGINT/SIGTERM) is back.
    Outside the main thread no handler can be installed, and the guard does nothing.
    """

    def __init__(self) -> None:
        self.armed = False
        self.received: list[str] = []
        self._old: dict[int, Any] = {}

    def __enter__(self) -> InterruptGuard:
        if threading.current_thread() is threading.main_thread():
            self.armed = True
            self._old = {s: signal.signal(s, self._handler) for s in (signal.SIGINT, signal.SIGTERM)}
        return self

    def __exit__(self, *_exc: object) -> None:
        self.armed = False
        for s, h in self._old.items():
            signal.signal(s, h)

    def _handler(self, signum: int, _frame: Any) -> None:
        name = signal.Signals(signum).name
        self.received.append(name)
        if self.armed:
            self.armed = False
            raise Interrupted(f"interrupted by {name}")

    def disarm(self) -> None:
        """From now on a signal is recorded, never raised."""
        self.armed = False
