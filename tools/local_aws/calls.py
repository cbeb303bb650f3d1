"""A counter of the AWS API requests the emulator serves, by ``service.Operation``.

Every HTTP request that reaches the moto server is counted once, except moto's
own control paths (``/moto-api/...``) and the emulator's (``/_slipway/...``):

* requests moto dispatches through ``BaseResponse.call_action`` are named by
  moto itself: the response class's service name (``ecs``, ``elbv2``,
  ``cloudwatch``, ... — boto3's client names) and moto's action, which comes
  from the ``Action`` parameter, the ``X-Amz-Target`` header or the REST path;
* S3, which moto dispatches on its own, by the IAM action moto derives for the
  request (``s3.PutObject``, ``s3.ListBucket``, ``s3.CreateBucket``, ...);
* anything else is named from the request: the SigV4 credential scope's
  service, then ``X-Amz-Target``, the ``Action`` query parameter, or
  ``METHOD /first-path-segment``.

``GET /_slipway/calls`` answers ``{"since": ..., "total": N, "calls": {...},
"injected": {...}, "replayed": N}`` (``injected``: what the fault rules of ``faults.py`` did,
per operation and kind and per rule; ``replayed``: SDK retries answered with their first attempt's answer,
``replay.py``, not counted as calls); ``DELETE /_slipway/calls`` resets the
counts, the injected counts and ``replayed`` (and answers what they were).
``/moto-api/reset`` does not reset them.

The ``call_action`` wrapper also applies the fault rules (``faults.around``)
to the request it has just named, so a faulted request is counted under the
same name as a served one.
"""

from __future__ import annotations

import collections
import datetime as dt
import functools
import json
import re
import threading
import urllib.parse
from collections.abc import Iterable
from typing import Any

from . import faults, replay

PATH = "/_slipway/calls"
_SCOPE_RE = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_UNCOUNTED_PREFIXES = ("/moto-api", "/favicon.ico", "/_slipway/")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class CallCounter:
    """Thread-safe counts of ``service.Operation``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: collections.Counter[str] = collections.Counter()
        self._since = _now()

    def record(self, name: str) -> None:
        with self._lock:
            self._calls[name] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            calls = dict(sorted(self._calls.items()))
            return {"since": self._since, "total": sum(calls.values()), "calls": calls}

    def reset(self) -> dict[str, Any]:
        with self._lock:
            calls = dict(sorted(self._calls.items()))
            before = {"since": self._since, "total": sum(calls.values()), "calls": calls}
            self._calls.clear()
            self._since = _now()
            return before


COUNTER = CallCounter()
# Set per request by the WSGI wrapper; call_action marks it once it counted.
_REQUEST = threading.local()
_INSTALLED = False


def name_from_environ(environ: dict[str, Any]) -> str:
    """``service.Operation`` of a request moto did not name itself."""
    scope = _SCOPE_RE.search(environ.get("HTTP_AUTHORIZATION", ""))
    service = scope.group(1) if scope else "unknown"
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return f"{service}.{target.rsplit('.', 1)[-1]}"
    action = urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).get("Action")
    if action:
        return f"{service}.{action[0]}"
    segment = environ.get("PATH_INFO", "/").lstrip("/").split("/", 1)[0]
    return f"{service}.{environ.get('REQUEST_METHOD', 'GET')} /{segment}"


def _answer(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    method = environ.get("REQUEST_METHOD", "GET")
    if method == "GET":
        status, body = "200 OK", {**COUNTER.snapshot(), "injected": faults.REGISTRY.injected(), "replayed": replay.REPLAYS.take_count()}
    elif method == "DELETE":
        status, body = "200 OK", {**COUNTER.reset(), "injected": faults.REGISTRY.reset_injected(), "replayed": replay.REPLAYS.take_count(reset=True)}
    else:
        status, body = "405 Method Not Allowed", {"error": f"{method} not allowed; use GET or DELETE"}
    data = json.dumps(body, indent=1).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def install() -> None:
    """Wrap moto's WSGI dispatcher and ``BaseResponse.call_action`` (class level, once)."""
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True

    from moto.core.responses import BaseResponse
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    orig_call = DomainDispatcherApplication.__call__

    @functools.wraps(orig_call)
    def dispatch(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith(_UNCOUNTED_PREFIXES):
            return orig_call(self, environ, start_response)
        _REQUEST.counted = False
        try:
            return orig_call(self, environ, start_response)
        finally:
            if not _REQUEST.counted:
                COUNTER.record(name_from_environ(environ))
            _REQUEST.counted = True

    DomainDispatcherApplication.__call__ = dispatch  # type: ignore[method-assign]
    # The control endpoint goes in front of the counting wrapper.
    from .routes import mount

    mount(PATH, _answer)

    orig_action = BaseResponse.call_action

    @functools.wraps(orig_action)
    def call_action(self: BaseResponse) -> Any:
        try:
            name = f"{self.service_name or 'unknown'}.{self._get_action()}"
        except Exception:  # noqa: BLE001  an unknown REST path: the WSGI wrapper names it
            name = None
        if name and getattr(_REQUEST, "counted", True) is False:
            COUNTER.record(name)
            _REQUEST.counted = True
        if name and faults.REGISTRY:
            return faults.around(self, name, lambda: orig_action(self))
        return orig_action(self)

    BaseResponse.call_action = call_action  # type: ignore[method-assign]

    from moto.s3.responses import S3Response

    orig_set_action = S3Response._set_action

    @functools.wraps(orig_set_action)
    def set_action(self: Any, *args: Any, **kwargs: Any) -> None:
        orig_set_action(self, *args, **kwargs)
        action = self.data.get("Action")
        if getattr(_REQUEST, "counted", True) is False and action:
            COUNTER.record(f"s3.{action}")
            _REQUEST.counted = True
        if action and faults.REGISTRY and not getattr(self, "_slipway_fault_seen", False):
            self._slipway_fault_seen = True  # one decision per request (some handlers name the action twice)
            faults.s3_decide(self, action)

    S3Response._set_action = set_action  # type: ignore[method-assign]

    # S3 requests do not pass BaseResponse.call_action: their faults are decided where the
    # action is named (above) and answered here, at the two entry points of a request.
    def with_faults(orig: Any) -> Any:
        @functools.wraps(orig)
        def entry(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                answer = orig(self, *args, **kwargs)
            except faults.S3Fault as fault:
                return fault.answer
            after = getattr(self, "_slipway_fault_after", None)
            return after if after is not None else answer

        return entry

    S3Response.bucket_response = with_faults(S3Response.bucket_response)  # type: ignore[method-assign]
    S3Response.key_response = with_faults(S3Response.key_response)  # type: ignore[method-assign]
