# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting: the one poller with backoff and a deadline, and what signals do meanwhile."""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
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


@contextlib.contextmanager
def interrupts_raise() -> Iterator[None]:
    """Turn SIGINT/SIGTERM into ``Interrupted`` for the duration (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: Any) -> None:
        raise Interrupted(f"interrupted by {signal.Signals(signum).name}")

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


@contextlib.contextmanager
def interrupts_ignored() -> Iterator[None]:
    """Let a rollback finish even if the operator presses Ctrl-C again."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
