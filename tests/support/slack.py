"""A stand-in for Slack's incoming webhook, on loopback, outside the ephemeral port range."""

from __future__ import annotations

import http.server
import json
import threading
from typing import Any

from .emulator import outside_ephemeral, port_free

SLACK_PATH = "/services/T000/B000/slipway-test-secret-token"


class SlackReceiver(http.server.ThreadingHTTPServer):
    """A real HTTP receiver on loopback standing in for Slack's incoming webhook.

    It binds the first free port from ``preferred`` on outside the kernel's
    ephemeral range (never port 0, which the kernel would take from that range).
    """

    daemon_threads = True

    def __init__(self, preferred: int = 4620, path: str = SLACK_PATH, tries: int = 50) -> None:
        self.messages: list[dict[str, Any]] = []
        self.path = path
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    outer.messages.append(json.loads(body or b"{}"))
                except ValueError:
                    outer.messages.append({"text": body.decode(errors="replace")})
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_args: Any) -> None:
                pass

        last: OSError | None = None
        for port in range(preferred, preferred + tries):
            if not outside_ephemeral(port) or not port_free(port):
                continue
            try:
                super().__init__(("127.0.0.1", port), Handler)
                break
            except OSError as exc:  # taken between the check and the bind
                last = exc
        else:
            raise RuntimeError(f"no free port for the Slack receiver in {preferred}..{preferred + tries - 1}: {last}")
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def received(self) -> int:
        return len(self.messages)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{self.path}"

    def close(self) -> None:
        self.shutdown()
        self.server_close()
