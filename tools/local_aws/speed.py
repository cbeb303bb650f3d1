"""Per-request overheads of moto's server that change no answer, removed (docs/emulator.md, "Request overheads").

* ``DomainDispatcherApplication.get_backend_for_host``: moto finds the backend of every request by scanning the
  directories of its own package (``list_of_moto_modules``: one ``isdir`` per service) and then trying hundreds of
  URL patterns in turn, for every request. The answer depends only on the host name it is given and on the
  patterns, which are fixed once the server runs, so it is kept per host name. In a profile of the compliance
  bench (1,000 resources) that lookup was a fifth of the server's busy time.
* The request handler's sockets get ``TCP_NODELAY``: werkzeug sends a response's headers and its body in two
  writes, and with Nagle's algorithm the second small write waits for the peer's acknowledgement of the first.
* Keep-alive, only with ``SLIPWAY_EMULATOR_KEEP_ALIVE=1`` (off by default): with it, Terraform's provider (Go's
  HTTP client) now and then got no usable answer on a reused connection to a request the server had carried out,
  and its SDK sent the request again: a second ``CreateSecurityGroup`` failed with ``InvalidGroup.Duplicate`` and
  the apply with it (3 or 4 such retries per foundation apply with keep-alive, 1 to 3 without: keep-alive makes
  the loss more frequent but is not its cause; ``replay.py`` now answers such a retry with the first attempt's
  answer). The default stays the server as werkzeug wrote it. Read-only clients (the compliance bench, where both
  tools read the same emulator) turn it on.

  What it does: werkzeug's development server answers every request with ``Connection: close`` (its reason: the
  handler cannot tell where an unread request body ends), so every API call pays a new TCP connection and a new
  server thread. Here a request body with a ``Content-Length`` is read whole before the application runs (the
  application reads the same bytes from memory), so the next request line is exactly where the connection
  stands, and a response with a ``Content-Length`` keeps the connection open as HTTP/1.1 says. A chunked request
  body, a response without a length, or a client asking to close still closes. werkzeug also drains whatever is
  readable on the socket after each response (safe only because it always closed); for a request whose body was
  read whole there is nothing of it left to drain, and the drain would swallow the client's next request, so it
  is skipped for those.
"""

from __future__ import annotations

import io
import os
import selectors
import threading
from typing import Any

# Keep-alive is off unless this is "1" (see the module's doc for why).
KEEP_ALIVE_ENV = "SLIPWAY_EMULATOR_KEEP_ALIVE"
_INSTALLED = False
_REQUEST = threading.local()  # per server thread: whether the current request's body was read whole


class _NoDrain:
    """A selector that sees nothing to read: werkzeug's after-response drain, for a request read whole."""

    def register(self, *args: Any, **kwargs: Any) -> None:
        pass

    def select(self, timeout: float | None = None) -> list[Any]:
        return []

    def close(self) -> None:
        pass


class _Selectors:
    """werkzeug.serving's ``selectors``: the module itself, except the drain's selector (see the module's doc)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(selectors, name)

    def DefaultSelector(self) -> Any:  # noqa: N802  the name werkzeug calls
        return _NoDrain() if getattr(_REQUEST, "whole", False) else selectors.DefaultSelector()


def whole_body(environ: dict[str, Any]) -> bytes | None:
    """The request body, read whole and put back in ``wsgi.input`` as bytes in memory; None, and nothing read,
    when its length is not declared (a chunked body, whose end is the application's to find, or a bad length)."""
    if environ.get("wsgi.input_terminated"):
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def install() -> None:
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from werkzeug import serving
    from werkzeug.serving import WSGIRequestHandler

    original = DomainDispatcherApplication.get_backend_for_host
    known: dict[str | None, Any] = {}
    guard = threading.Lock()

    def get_backend_for_host(self: Any, host: str | None) -> Any:
        try:
            return known[host]
        except KeyError:
            pass
        backend = original(self, host)
        if backend is not None:  # an unknown host is looked up again (and reported again) each time
            with guard:
                known[host] = backend
        return backend

    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign]
    WSGIRequestHandler.disable_nagle_algorithm = True

    make_environ = WSGIRequestHandler.make_environ
    send_header = WSGIRequestHandler.send_header

    def make_environ_whole_body(self: Any) -> dict[str, Any]:
        environ = make_environ(self)
        whole = whole_body(environ) is not None
        _REQUEST.whole = whole
        self.slipway_keep_alive = whole
        self.slipway_length_sent = False
        return environ

    def send_header_keep_alive(self: Any, keyword: str, value: str) -> None:
        name = keyword.lower()
        if name == "content-length":
            self.slipway_length_sent = True
        elif (
            name == "connection"
            and value.lower() == "close"
            and getattr(self, "slipway_keep_alive", False)
            and getattr(self, "slipway_length_sent", False)
            and not self.close_connection  # the client asked to close, or spoke HTTP/1.0
        ):
            return
        send_header(self, keyword, value)

    if os.environ.get(KEEP_ALIVE_ENV) != "1":
        return
    WSGIRequestHandler.make_environ = make_environ_whole_body  # type: ignore[method-assign]
    WSGIRequestHandler.send_header = send_header_keep_alive  # type: ignore[method-assign]
    serving.selectors = _Selectors()  # type: ignore[assignment]
