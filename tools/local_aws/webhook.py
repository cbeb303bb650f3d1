"""A notifications sink: an HTTP server on loopback that records every POST and
answers ``200 ok`` like a Slack incoming webhook.

Port: ``SLIPWAY_WEBHOOK_PORT``, by default the emulator's port + 1 (4567 next
to 4566), so emulators on different ports do not collide; ``0`` turns it off.
The URL to store as the local Slack webhook is
``http://127.0.0.1:PORT/slack/<anything>``; an SNS HTTP subscription can point
at any path (``http://127.0.0.1:PORT/sns/...``).

Recorded per message: ``id, time, path, headers`` (without credentials),
``content_type, body`` (parsed JSON, else text) and ``text`` (a one-line
summary: Slack ``text``, an SNS notification's subject/alarm, or the body).
The last ``SLIPWAY_WEBHOOK_KEEP`` (1000) are kept, in memory.

Read them on the emulator's port: ``GET /_slipway/notifications`` (also
``GET /`` on the webhook port); ``DELETE /_slipway/notifications`` clears them.
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import json
import logging
import os
import re
import threading
import urllib.parse
from collections.abc import Iterable
from http.server import ThreadingHTTPServer
from typing import Any

from . import loopback

LOG = logging.getLogger("local_aws.webhook")

PATH = "/_slipway/notifications"
PORT_ENV = "SLIPWAY_WEBHOOK_PORT"
KEEP_ENV = "SLIPWAY_WEBHOOK_KEEP"
MAX_BODY = 1 << 20
_SECRET_HEADER = re.compile(r"auth|cookie|token|secret|signature|api-?key|password", re.IGNORECASE)


def webhook_port(emulator_port: int) -> int:
    """The configured webhook port (0 = off), default ``emulator_port + 1``."""
    raw = os.environ.get(PORT_ENV, "")
    if raw == "":
        return emulator_port + 1
    try:
        port = int(raw)
    except ValueError as exc:
        raise SystemExit(f"{PORT_ENV} must be a port number, got {raw!r}") from exc
    if not 0 <= port <= 65535:
        raise SystemExit(f"{PORT_ENV} must be 0..65535, got {port}")
    return port


def slack_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/slack/local"


def public_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Headers without credentials (Authorization, cookies, tokens, signatures, API keys)."""
    return {k: v for k, v in headers if not _SECRET_HEADER.search(k)}


def summary(body: Any) -> str:
    """One line for a message: Slack ``text``, an SNS notification, or the body itself."""
    if isinstance(body, dict):
        if body.get("Type") == "Notification" and "Message" in body:
            msg = body.get("Message")
            try:
                inner = json.loads(msg) if isinstance(msg, str) else msg
            except ValueError:
                inner = None
            if isinstance(inner, dict) and inner.get("AlarmName"):
                new, old = inner.get("NewStateValue"), inner.get("OldStateValue")
                return f"{new}: {inner['AlarmName']} ({old} -> {new}): {inner.get('NewStateReason', '')}"
            return str(body.get("Subject") or msg)
        if isinstance(body.get("text"), str) and body["text"]:
            return body["text"]
        texts = []
        for block in body.get("blocks") or []:
            if isinstance(block, dict):
                t = block.get("text")
                texts.append(t.get("text", "") if isinstance(t, dict) else str(t or ""))
        for att in body.get("attachments") or []:
            if isinstance(att, dict):
                texts.append(str(att.get("text") or att.get("fallback") or ""))
        joined = " | ".join(t for t in texts if t)
        if joined:
            return joined
        return json.dumps(body, sort_keys=True)
    return body if isinstance(body, str) else json.dumps(body)


class Inbox:
    """Thread-safe record of received messages."""

    def __init__(self, keep: int = 1000) -> None:
        self._lock = threading.Lock()
        self._messages: collections.deque[dict[str, Any]] = collections.deque(maxlen=max(1, keep))
        self._ids = itertools.count(1)

    def add(self, path: str, headers: dict[str, str], raw: bytes) -> dict[str, Any]:
        ctype = headers.get("Content-Type") or headers.get("content-type") or ""
        text = raw.decode("utf-8", errors="replace")
        if ctype.startswith("application/x-www-form-urlencoded") and "payload=" in text:
            # Slack's legacy form: payload=<url-encoded JSON>
            text = urllib.parse.parse_qs(text).get("payload", [text])[0]
        try:
            body: Any = json.loads(text) if text.strip() else ""
        except ValueError:
            body = text
        with self._lock:
            msg = {
                "id": next(self._ids),
                "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
                "path": path,
                "headers": headers,
                "content_type": ctype,
                "body": body,
                "text": summary(body),
            }
            self._messages.append(msg)
        return msg

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._messages)

    def clear(self) -> list[dict[str, Any]]:
        with self._lock:
            out = list(self._messages)
            self._messages.clear()
            return out


INBOX = Inbox(int(os.environ.get(KEEP_ENV) or 1000))


class WebhookServer:
    """The receiver's HTTP server thread."""

    def __init__(self, port: int, inbox: Inbox = INBOX) -> None:
        self.port = port
        self.inbox = inbox
        self.server: ThreadingHTTPServer | None = None
        self.error = ""

    @property
    def url(self) -> str:
        return slack_url(self.port)

    def start(self) -> bool:
        inbox = self.inbox

        class Handler(loopback.QuietHandler):
            server_version = "slipway-webhook/1"

            def _reply(self, status: int, body: bytes, ctype: str = "text/plain") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def do_POST(self) -> None:  # noqa: N802
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                except ValueError:
                    length = 0
                if length > MAX_BODY:
                    self.rfile.read(length)
                    self._reply(413, b"payload_too_large")
                    return
                raw = self.rfile.read(length) if length > 0 else b""
                msg = inbox.add(self.path, public_headers(self.headers.items()), raw)
                LOG.info("notification %s on %s: %s", msg["id"], self.path, msg["text"][:200])
                self._reply(200, b"ok")

            do_PUT = do_POST  # noqa: N815

            def do_GET(self) -> None:  # noqa: N802
                data = json.dumps({"messages": inbox.list()}, indent=1, default=str).encode()
                self._reply(200, data, "application/json")

            do_HEAD = do_GET  # noqa: N815

        try:
            srv = loopback.Server(("127.0.0.1", self.port), Handler)
        except OSError as exc:
            self.error = f"cannot bind 127.0.0.1:{self.port}: {exc.strerror or exc}"
            LOG.warning("webhook receiver: %s", self.error)
            return False
        srv.daemon_threads = True
        self.server = srv
        threading.Thread(target=srv.serve_forever, name="webhook", daemon=True).start()
        LOG.info("webhook receiver on http://127.0.0.1:%s (Slack URL %s)", self.port, self.url)
        return True

    def stop(self) -> None:
        srv, self.server = self.server, None
        if srv is not None:
            srv.shutdown()
            srv.server_close()


def _answer(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    from .routes import json_answer

    method = environ.get("REQUEST_METHOD", "GET")
    if method == "GET":
        return json_answer(start_response, "200 OK", {"messages": INBOX.list()})
    if method == "DELETE":
        return json_answer(start_response, "200 OK", {"cleared": INBOX.clear()})
    return json_answer(start_response, "405 Method Not Allowed", {"error": f"{method} not allowed; use GET or DELETE"})


def install(emulator_port: int) -> WebhookServer | None:
    """Mount ``/_slipway/notifications`` and start the receiver (None when turned off)."""
    from .routes import mount

    mount(PATH, _answer)
    port = webhook_port(emulator_port)
    if port == 0:
        LOG.info("webhook receiver off (%s=0)", PORT_ENV)
        return None
    server = WebhookServer(port)
    server.start()
    return server


def format_messages(messages: list[dict[str, Any]]) -> str:
    """One line a message: time, path, text."""
    if not messages:
        return "no notifications"
    return "\n".join(f"{m.get('time', '?')}  {m.get('path', '?')}  {' '.join(str(m.get('text', '')).split())}" for m in messages)
