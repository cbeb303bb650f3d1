"""The emulator's control endpoints under ``/_slipway/``: one place that puts
them in front of moto's WSGI dispatcher, uncounted by the call counter."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable, Iterable
from typing import Any

Handler = Callable[[dict[str, Any], Any], Iterable[bytes]]
_ROUTES: dict[str, Handler] = {}
_MOUNTED = False
_MOUNT_LOCK = threading.Lock()


def mount(prefix: str, handler: Handler) -> None:
    """Answer ``prefix`` and ``prefix/...`` with a WSGI ``handler`` before moto
    (and before the call counter, so these requests are not counted)."""
    global _MOUNTED
    with _MOUNT_LOCK:
        _ROUTES[prefix] = handler
        if _MOUNTED:
            return
        _MOUNTED = True
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    orig_call = DomainDispatcherApplication.__call__

    @functools.wraps(orig_call)
    def dispatch(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_slipway/"):
            for pre, route in list(_ROUTES.items()):
                if path == pre or path.startswith(pre + "/"):
                    return route(environ, start_response)
        return orig_call(self, environ, start_response)

    DomainDispatcherApplication.__call__ = dispatch  # type: ignore[method-assign]


def json_answer(start_response: Any, status: str, body: Any) -> list[bytes]:
    data = json.dumps(body, indent=1, default=str).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def read_json(environ: dict[str, Any], limit: int = 1 << 20) -> Any:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    raw = environ["wsgi.input"].read(min(length, limit)) if length > 0 else b""
    return json.loads(raw or b"{}")
