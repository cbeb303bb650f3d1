"""A browser-like client for the site tests: it loads the app shell from the
edge, then every file the shell references and every lazy chunk those scripts
import, over and over, and counts the page loads that would have broken in a
browser.

A load is broken when the shell does not answer 200, or when a file it needs
does not answer 200 with that file: a 403/404, or the SPA fallback (the edge's
custom error response serves ``index.html`` with 200 for a missing object, so a
script that answers with HTML is a missing script too).
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

# What the shell references: scripts, stylesheets, module preloads, icons, the manifest.
_REF = re.compile(rb"""<(?:script|link)\b[^>]*?\b(?:src|href)=["']([^"'#?]+)["']""", re.IGNORECASE)
# Lazy chunks an esbuild bundle imports: import("./chunk-XXXXXXXX.js"), or a static `from"./chunk-…"`.
_IMPORT = re.compile(rb"""["']\./([A-Za-z0-9_.-]+\.js)["']""")
_CHECKED = (".js", ".mjs", ".css", ".webmanifest", ".json", ".ico", ".png", ".svg", ".woff2")


@dataclass
class Broken:
    at: float
    shell: str  # sha256 of the shell, first 12
    path: str
    status: int
    reason: str


@dataclass
class PageLoader:
    """``with PageLoader(url) as loader: ...``; then ``loader.loads``, ``loader.broken``, ``loader.shells``."""

    base_url: str
    pause: float = 0.02
    loads: int = 0
    requests: int = 0
    broken: list[Broken] = field(default_factory=list)
    shells: dict[str, int] = field(default_factory=dict)  # shell sha256[:12] -> loads
    errors: list[str] = field(default_factory=list)  # the client's own failures (connection refused ...)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        parts = urllib.parse.urlsplit(self.base_url)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80

    # -- one page load ---------------------------------------------------------
    def _get(self, conn: http.client.HTTPConnection, path: str) -> tuple[int, dict[str, str], bytes]:
        conn.request("GET", path, headers={"Accept-Encoding": "gzip", "User-Agent": "slipway-pageload"})
        resp = conn.getresponse()
        body = resp.read()
        headers = {k.lower(): v for k, v in resp.getheaders()}
        if headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        self.requests += 1
        return resp.status, headers, body

    def load_once(self) -> list[Broken]:
        """One page load; the broken files it found (also recorded)."""
        conn = http.client.HTTPConnection(self._host, self._port, timeout=10)
        found: list[Broken] = []
        try:
            status, _headers, shell = self._get(conn, "/")
            sha = hashlib.sha256(shell).hexdigest()[:12]
            if status != 200:
                found.append(Broken(time.time(), sha, "/", status, "the shell did not load"))
            else:
                self.shells[sha] = self.shells.get(sha, 0) + 1
                wanted = [m.decode() for m in _REF.findall(shell)]
                seen: set[str] = set()
                while wanted:
                    ref = wanted.pop(0)
                    path = "/" + ref.lstrip("./").lstrip("/") if not ref.startswith(("http:", "https:", "//", "data:")) else ""
                    if not path or path in seen or not path.endswith(_CHECKED):
                        continue
                    seen.add(path)
                    status, headers, body = self._get(conn, path)
                    if status != 200:
                        found.append(Broken(time.time(), sha, path, status, f"HTTP {status}"))
                    elif "text/html" in headers.get("content-type", "") and not path.endswith(".html"):
                        found.append(Broken(time.time(), sha, path, status, "the SPA fallback (index.html) instead of the file"))
                    elif path.endswith((".js", ".mjs")):
                        wanted += [m.decode() for m in _IMPORT.findall(body)]
            self.loads += 1
        except (OSError, http.client.HTTPException) as exc:
            self.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            conn.close()
        self.broken += found
        return found

    # -- in the background --------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            self.load_once()
            self._stop.wait(self.pause)

    def __enter__(self) -> PageLoader:
        self._thread = threading.Thread(target=self._run, name="pageload", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def report(self) -> str:
        """One line for an assertion message: loads, shells seen, the first broken files."""
        first = "; ".join(f"{b.path} {b.reason} (shell {b.shell})" for b in self.broken[:5])
        broken = f"{len(self.broken)} broken" + (f": {first}" if first else "")
        return f"{self.loads} loads, {self.requests} requests, shells {self.shells}, {broken}, client errors {self.errors[:3]}"
