"""The emulator's loopback HTTP servers (ALB listeners, CloudFront edges, the webhook receiver): one
way to start and stop them."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LOG = logging.getLogger("local_aws.loopback")


class QuietHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive, no access log, no Nagle delay (one small answer is a header write then a
    body write; Nagle plus delayed ACKs would hold the second for 40 ms)."""

    protocol_version = "HTTP/1.1"

    def log_message(self, fmt: str, *args: Any) -> None:
        return

    def setup(self) -> None:
        super().setup()
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # Test clients open many connections at once; socketserver's default backlog of 5 drops some.
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        LOG.exception("%s: a request from %s failed outside its handler", self.name, client_address)

    name = "loopback server"


def serve(port: int, handle: Callable[[BaseHTTPRequestHandler], None], name: str, server_version: str) -> Server:
    """Serve 127.0.0.1:``port`` on a daemon thread, every method answered by ``handle(request_handler)``.
    Raises OSError when the port cannot be bound."""

    class Handler(QuietHandler):
        def _handle(self) -> None:
            handle(self)

        do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _handle  # noqa: N815

    Handler.server_version = server_version
    Handler.sys_version = ""
    srv = Server(("127.0.0.1", port), Handler)
    srv.name = name
    threading.Thread(target=srv.serve_forever, name=name, daemon=True).start()
    return srv


def close_later(servers: Iterable[ThreadingHTTPServer], what: str) -> None:
    """Shut ``servers`` down on a thread of their own (``shutdown`` waits for ``serve_forever`` to return)."""
    servers = list(servers)

    def run() -> None:
        for srv in servers:
            try:
                srv.shutdown()
                srv.server_close()
            except Exception:
                LOG.exception("closing %s failed", what)

    if servers:
        threading.Thread(target=run, daemon=True).start()
