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

from ansible_collections.slipway.aws.plugins.module_utils.errors import GateFailed


def wait_until(
    check: Callable[[], Any],
    timeout: float,
    interval: float,
    what: str,
    on_tick: Callable[[], None] | None = None,
    max_interval: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    first_after: float = 0.0,
    progressed: Callable[[], bool] | None = None,
    after_progress: float | None = None,
) -> Any:
    """The one poller: call ``check`` until it returns a truthy value or the deadline passes.

    The interval grows by half each round up to ``max_interval`` (default 3 × interval),
    so long waits stay gentle on the API. ``first_after`` seconds pass before the first
    check (a wait whose answer cannot be ready at once need not ask at once).
    ``progressed`` (asked after each unfinished check) says whether the watched state moved
    since the check before: then the next check comes ``after_progress`` seconds later
    (default ``interval``) and the growth starts again from there, because a state that
    has begun to move is near its end; a state that stands still is read ever more rarely.
    ``sleep`` and ``clock`` are injectable for tests.
    """
    deadline = clock() + timeout
    delay = interval
    cap = max_interval if max_interval is not None else interval * 3
    if first_after > 0:
        sleep(min(first_after, timeout))
    while True:
        result = check()
        if result:
            return result
        if on_tick:
            on_tick()
        remaining = deadline - clock()
        if remaining <= 0:
            raise GateFailed(what, f"timed out after {timeout:.0f}s", {"timeout_seconds": timeout})
        if progressed is not None and progressed():
            delay = interval if after_progress is None else after_progress
        sleep(min(delay, remaining))
        delay = min(delay * 1.5, cap)


class Signalled(BaseException):
    """SIGINT or SIGTERM, raised by ``InterruptGuard``'s handler.

    A ``BaseException`` on purpose: while a request is in flight, botocore turns
    any ``Exception`` into ``HTTPClientError``, which its standard and adaptive
    retry modes retry, so an ``Exception`` raised by the handler there is
    swallowed, the call is sent again and the release carries on as if nobody
    had pressed Ctrl-C. A ``BaseException`` passes through botocore and urllib3.
    """

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class InterruptGuard:
    """The first SIGINT/SIGTERM raises ``Signalled`` (unless ``disarm()`` came first); the others are only recorded.

    A handler that raises can fire anywhere, including in the code that has just
    caught a failure and is about to roll back. So the caller disarms the guard
    in a ``finally`` around the work, and from then on a signal is recorded in
    ``received`` and changes nothing. The previous handlers come back only when
    the guard is left: there is no moment between the release's handling and the
    rollback's in which the caller's handler (Ansible's worker exits at once on
    SIGINT/SIGTERM) is back. ``check()`` raises for a signal that arrived while
    armed but whose exception some library swallowed. Outside the main thread no
    handler can be installed, and the guard does nothing.
    """

    def __init__(self) -> None:
        self.armed = False
        self.received: list[str] = []
        self._raised = False
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
        self._old = {}

    def _handler(self, signum: int, _frame: Any) -> None:
        name = signal.Signals(signum).name
        self.received.append(name)
        # Only the first signal raises: Ctrl-C brings Ansible's SIGTERM right behind
        # it, whose handler would otherwise run while the first exception unwinds
        # (in a ``finally`` on the way) and replace it. A swallowed first raise is
        # caught up with by ``check()``.
        if self.armed and not self._raised:
            self._raised = True
            raise Signalled(name)

    def check(self) -> None:
        """Raise now for a signal received while armed (its exception was swallowed on the way)."""
        if self.armed and self.received:
            raise Signalled(self.received[0])

    def disarm(self) -> None:
        """From now on a signal is recorded, never raised."""
        self.armed = False
