"""One answer per SDK invocation: a retry of a write the emulator already carried out gets that write's answer.

Every AWS SDK (Go v2, botocore, Java v2, ...) tags each request with ``amz-sdk-invocation-id`` (the same for
every attempt of one operation call) and ``amz-sdk-request: attempt=N; max=M``. When an attempt's answer does
not reach the client (the connection failed after the request was sent), the SDK sends the request again, for
every operation, idempotent or not.

On this machine that happens to Terraform's provider about once per foundation apply (docs/emulator.md,
"Retried requests"): a loopback connection is reset between the client and the emulator after the request
was read, the SDK retries, and the retry of a ``CreateSecurityGroup`` the emulator had already carried out
fails the apply with ``InvalidGroup.Duplicate``. A network that loses an answer is not what the emulator is
there to emulate, so the emulator answers such a retry the way the client would have seen the first answer:

* the first attempt of a write (any method but GET, HEAD and OPTIONS) that has an invocation id is remembered
  with a fingerprint of the request (method, path, query, body) and, when it ends with a 2xx status, its
  answer (status, headers, body);
* a later attempt (``attempt=2`` or more) with the same invocation id and fingerprint waits for the first to
  end and gets its remembered 2xx answer, without running the operation again;
* anything else runs as usual: a first attempt that failed, ended in any non-2xx status, or met a fault rule
  of ``faults.py`` (any kind, latency included: a client that timed out on an injected delay retries for
  real, "applied, but the client did not see it", as the fault catalogue documents) is retried for real, as
  AWS would; a retry whose body differs is a new request; GET, HEAD and OPTIONS requests are never remembered.
  (The Query and JSON protocols send reads as POST too: their answers are remembered like a write's, and a retried
  read gets the answer it would have had.)

A replayed answer is counted under ``GET /_slipway/calls`` as ``replayed`` (not as a call: the operation did
not run again). Memory: the last 4,096 writes, each forgotten after 10 minutes, answers of at most 1 MiB each
and 64 MiB in all (a larger answer is not remembered, and its retry runs again).
"""

from __future__ import annotations

import collections
import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .speed import whole_body

_KEEP = 4096
_TTL = 600.0
_MAX_ANSWER = 1 << 20  # a larger answer (a big Describe* over POST) is not remembered: its retry runs again
_BUDGET = 64 << 20  # bytes of remembered answers, at most
_WAIT = 120.0  # a retry waits at most this long for the first attempt to end
_READS = frozenset({"GET", "HEAD", "OPTIONS"})
_ATTEMPT_RE = re.compile(r"attempt=(\d+)")


@dataclass
class _Entry:
    fingerprint: str
    started: float
    settled: threading.Event = field(default_factory=threading.Event)  # ended, or met a fault rule
    faulted: bool = False
    answer: tuple[str, list[tuple[str, str]], bytes] | None = None


_CURRENT = threading.local()  # the entry of the first attempt this server thread is running


def faulted() -> None:
    """Called by ``faults.py`` when a rule fires on the current request: its answer is never replayed."""
    entry = getattr(_CURRENT, "entry", None)
    if entry is not None:
        entry.faulted = True
        entry.settled.set()


class Replays:
    """The remembered first attempts, thread-safe."""

    def __init__(self, keep: int = _KEEP, ttl: float = _TTL) -> None:
        self._lock = threading.Lock()
        self._entries: collections.OrderedDict[str, _Entry] = collections.OrderedDict()
        self._keep = keep
        self._ttl = ttl
        self._bytes = 0
        self.replayed = 0

    def claim(self, invocation: str, fingerprint: str) -> tuple[_Entry, bool]:
        """The entry of ``invocation`` and whether this request is its first attempt (and must fill it)."""
        now = time.monotonic()
        with self._lock:
            while self._entries:
                oldest = next(iter(self._entries.values()))
                if len(self._entries) < self._keep and self._bytes <= _BUDGET and now - oldest.started < self._ttl:
                    break
                self._entries.popitem(last=False)
                self._bytes -= len(oldest.answer[2]) if oldest.answer else 0
            entry = self._entries.get(invocation)
            if entry is not None:
                return entry, False
            entry = self._entries[invocation] = _Entry(fingerprint, now)
            return entry, True

    def remember(self, entry: _Entry, answer: tuple[str, list[tuple[str, str]], bytes]) -> None:
        if len(answer[2]) > _MAX_ANSWER:
            return
        with self._lock:
            entry.answer = answer
            self._bytes += len(answer[2])

    def count(self) -> None:
        with self._lock:
            self.replayed += 1

    def take_count(self, reset: bool = False) -> int:
        with self._lock:
            n = self.replayed
            if reset:
                self.replayed = 0
            return n


REPLAYS = Replays()


def attempt_of(header: str) -> int:
    match = _ATTEMPT_RE.search(header or "")
    return int(match.group(1)) if match else 1


def _fingerprint(environ: dict[str, Any], body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(body)
    return digest.hexdigest()


def wrap(app: Callable[[dict[str, Any], Any], Iterable[bytes]]) -> Callable[[dict[str, Any], Any], Iterable[bytes]]:
    """``app`` (a WSGI callable) with retried writes answered once (see the module's doc)."""

    def call(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        invocation = environ.get("HTTP_AMZ_SDK_INVOCATION_ID")
        if not invocation or environ.get("REQUEST_METHOD", "GET") in _READS:
            return app(environ, start_response)
        body = whole_body(environ)
        if body is None:
            return app(environ, start_response)
        fingerprint = _fingerprint(environ, body)
        entry, first = REPLAYS.claim(invocation, fingerprint)
        if not first:
            if attempt_of(environ.get("HTTP_AMZ_SDK_REQUEST", "")) > 1 and entry.fingerprint == fingerprint:
                entry.settled.wait(_WAIT)
                if entry.answer is not None and not entry.faulted:
                    REPLAYS.count()
                    status, headers, data = entry.answer
                    start_response(status, headers)
                    return [data]
            return app(environ, start_response)
        _CURRENT.entry = entry
        try:
            seen: dict[str, Any] = {}

            def remember(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
                seen["status"], seen["headers"] = status, list(headers)
                return start_response(status, headers, exc_info)

            result = app(environ, remember)
            try:
                data = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            status = seen.get("status", "")
            if status[:1] == "2" and not entry.faulted:
                REPLAYS.remember(entry, (status, seen["headers"], data))
            return [data]
        finally:
            _CURRENT.entry = None
            entry.settled.set()

    return call


def install() -> None:
    """Wrap moto's WSGI dispatcher (install after the other wrappers of ``__call__``: this one is outermost)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    inner = DomainDispatcherApplication.__call__

    def dispatch(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        return wrap(lambda env, sr: inner(self, env, sr))(environ, start_response)

    DomainDispatcherApplication.__call__ = dispatch  # type: ignore[method-assign]
