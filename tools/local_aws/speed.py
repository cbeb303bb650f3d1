"""Per-request overheads of moto's server that change no answer, removed (docs/emulator.md, "Request overheads").

* ``DomainDispatcherApplication.get_backend_for_host``: moto finds the backend of every request by scanning the
  directories of its own package (``list_of_moto_modules``: one ``isdir`` per service) and then trying hundreds of
  URL patterns in turn, for every request. The answer depends only on the host name it is given and on the
  patterns, which are fixed once the server runs, so it is kept per host name. In a profile of the compliance
  bench (1,000 resources) that lookup was a fifth of the server's busy time.
* The request handler's sockets get ``TCP_NODELAY``: werkzeug sends a response's headers and its body in two
  writes, and with Nagle's algorithm the second small write waits for the peer's acknowledgement of the first.
* Four more costs of every request, each paid again for an answer that cannot change (``_install_request_costs``):
  moto made a new ``ErrorLookupFactory`` for every error it rendered, so the table of a service's error shapes was
  built from the model again each time (its cache lived in the discarded factory); it listed a response class's
  methods with ``inspect.getmembers`` on every ``call_action``; it drew each 52-character request id with 52 calls
  of ``random.choice``; Flask in debug mode made a new class for every request that read its body. The access log
  line is no longer formatted when the log is off. In a profile of S3 reads (three of four answering an error, as
  in the compliance bench) these were about a fifth of the server's time; the emulator's CPU per request fell by
  15-25 %.
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

import functools
import io
import logging
import os
import selectors
import string
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


def _install_request_costs(handler: Any) -> None:
    """Four more costs of every request, each paid again for an answer that cannot change (see the module's doc)."""
    from flask import wrappers as flask_wrappers
    from moto.core import errors as moto_errors
    from moto.core import responses as moto_responses
    from moto.moto_api._internal.moto_random import MotoRandom

    # 1. The error lookup table of a service: moto makes a new ErrorLookupFactory for every error it renders, so
    #    the factory's own per-service cache never answers and the table is built again from the model each time.
    tables: dict[Any, Any] = {}
    build = moto_errors.ErrorLookupFactory.for_service

    def for_service(self: Any, service_model: Any) -> Any:
        service_id = service_model.metadata.get("serviceId")
        if service_id is None:
            return build(self, service_model)
        try:
            return tables[service_id]
        except KeyError:
            table = build(self, service_model)
            tables[service_id] = table  # two threads may build it at once: the same table, either is kept
            return table

    moto_errors.ErrorLookupFactory.for_service = for_service  # type: ignore[method-assign]

    # 2. The names of a response class's methods (inspect.getmembers over the class, for every call_action):
    #    fixed once the extensions are installed, which is before the server answers its first request.
    moto_responses.method_names_from_class = functools.cache(moto_responses.method_names_from_class)

    # 3. A request id of 52 letters and digits drawn one call of random.choice at a time: the same alphabet and
    #    length in one draw, from the same (seedable) generator.
    def get_random_string(self: Any, length: int = 20, include_digits: bool = True, lower_case: bool = False) -> str:
        pool = string.ascii_letters + (string.digits if include_digits else "")
        text = "".join(self.choices(pool, k=length))
        return text.lower() if lower_case else text

    MotoRandom.get_random_string = get_random_string  # type: ignore[method-assign]

    # 4. Flask in debug mode (moto's app sets it) makes a new class for every request that reads its body and is
    #    not multipart, only to word the KeyError of ``request.files[name]`` for an HTML form sent without
    #    enctype=multipart/form-data. moto never reads an upload from a request that is not multipart.
    flask_wrappers.Request._load_form_data = flask_wrappers.RequestBase._load_form_data  # type: ignore[method-assign]

    # And the access log line is formatted only when it is written (SLIPWAY_EMULATOR_ACCESS_LOG).
    log_request = handler.log_request
    werkzeug_log = logging.getLogger("werkzeug")

    def log_request_when_logged(self: Any, code: int | str = "-", size: int | str = "-") -> None:
        # werkzeug sets its logger to INFO at its first line when no level is set
        if werkzeug_log.level == logging.NOTSET or werkzeug_log.isEnabledFor(logging.INFO):
            log_request(self, code, size)

    handler.log_request = log_request_when_logged


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
    _install_request_costs(WSGIRequestHandler)

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
