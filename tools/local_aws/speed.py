"""Per-request overheads of moto's server that change no answer, removed (docs/emulator.md, "Request overheads").

* ``DomainDispatcherApplication.get_backend_for_host``: moto finds the backend of every request by scanning the
  directories of its own package (``list_of_moto_modules``: one ``isdir`` per service) and then trying hundreds of
  URL patterns in turn, for every request. The answer depends only on the host name it is given and on the
  patterns, which are fixed once the server runs, so it is kept per host name. In a profile of the compliance
  bench (1,000 resources) that lookup was a fifth of the server's busy time.
* The request handler's sockets get ``TCP_NODELAY``: werkzeug sends a response's headers and its body in two
  writes, and with Nagle's algorithm the second small write waits for the peer's acknowledgement of the first.
"""

from __future__ import annotations

import threading
from typing import Any

_INSTALLED = False


def install() -> None:
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
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
