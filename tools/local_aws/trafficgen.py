"""Synthetic traffic from inside the emulator process: steady requests to a
loopback listener URL with a Host header, so the ALB plane routes them like a
client's and publishes the metrics the release gates and alarms read.

Control endpoint on the emulator's own port (not counted as an AWS call):

* ``GET /_slipway/traffic`` -> ``{"jobs": [STATUS, ...]}``
* ``POST /_slipway/traffic`` with JSON ``{"name", "url", "host", "rps"[, "method",
  "duration", "concurrency"]}`` starts a job (replacing one of the same name)
  and answers ``{"job": STATUS}``; the URL must be ``http://`` on loopback.
* ``DELETE /_slipway/traffic`` stops every job, ``DELETE /_slipway/traffic/NAME``
  one; both answer ``{"stopped": [STATUS, ...]}``.

STATUS: ``name, url, host, method, rps, running, started_at, seconds, sent,
answered {"2xx", "3xx", "4xx", "5xx"}, errors, skipped, last_error``.
``errors`` are requests without an HTTP answer (refused, reset, timeout);
``skipped`` are ticks dropped because ``concurrency`` requests were in flight.
``sent`` counts a request when it goes out; stopping a job waits up to 3 s for the
answers of those on the wire, so a stopped job's ``sent`` is ``answered`` plus ``errors``.

The module also carries ``mount``: how this and the other ``/_slipway/...``
endpoints of these modules are put in front of moto's WSGI dispatcher.
"""

from __future__ import annotations

import collections
import datetime as dt
import http.client
import logging
import re
import threading
import time
import urllib.parse
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .routes import json_answer, mount, read_json

LOG = logging.getLogger("local_aws.traffic")

PATH = "/_slipway/traffic"
MAX_RPS = 1000.0
DEFAULT_CONCURRENCY = 16
_DRAIN = 3.0  # seconds a stopping job waits for the answers of the requests already on the wire
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$")
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _iso(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).isoformat(timespec="seconds")


class Job:
    """One steady stream of requests."""

    def __init__(self, name: str, url: str, host: str, rps: float, method: str = "GET", duration: float | None = None, concurrency: int = DEFAULT_CONCURRENCY):
        parts = urllib.parse.urlsplit(url)
        self.name, self.url, self.host, self.rps, self.method = name, url, host, rps, method
        self.duration = duration
        self.concurrency = concurrency
        self._target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._local = threading.local()
        self._inflight = 0
        self.sent = 0
        self.answered: collections.Counter[str] = collections.Counter()
        self.errors = 0
        self.skipped = 0
        self.last_error = ""
        self.started = time.time()
        self.stopped: float | None = None
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix=f"traffic-{name}")
        self._thread = threading.Thread(target=self._run, name=f"traffic-{name}", daemon=True)

    def start(self) -> Job:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        with self._lock:
            if self.stopped is None:
                self.stopped = time.time()
        # Requests not yet on the wire are dropped (never sent); those on it get their answer counted, for up to
        # _DRAIN seconds, so that a stopped job's sent = answered + errors.
        self._pool.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + _DRAIN
        while time.monotonic() < deadline:
            with self._lock:
                if self.answered.total() + self.errors >= self.sent:
                    return
            time.sleep(0.01)

    @property
    def running(self) -> bool:
        return not self._stop.is_set() and self._thread.is_alive()

    def _run(self) -> None:
        interval = 1.0 / self.rps
        next_at = time.monotonic()
        ends = next_at + self.duration if self.duration else None
        while not self._stop.is_set():
            now = time.monotonic()
            if ends is not None and now >= ends:
                break
            if now < next_at:
                self._stop.wait(next_at - now)
                continue
            next_at += interval
            if now - next_at > 1.0:  # fell far behind (suspended?): do not burst
                next_at = now + interval
            with self._lock:
                busy = self._inflight >= self.concurrency
                if busy:
                    self.skipped += 1
                else:
                    self._inflight += 1
            if not busy:
                try:
                    self._pool.submit(self._one)
                except RuntimeError:  # pool shut down by stop()
                    break
        with self._lock:
            if self.stopped is None:
                self.stopped = time.time()
        self._stop.set()

    def _conn(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(*self._target, timeout=10)
            self._local.conn = conn
        return conn

    def _one(self) -> None:
        with self._lock:
            self.sent += 1  # counted when it goes out: a request stop() dropped from the queue was never sent
        status = 0
        error = ""
        for attempt in (1, 2):  # a kept-alive connection the server closed: one fresh retry
            conn = self._conn()
            try:
                conn.request(self.method, self._path, headers={"Host": self.host, "User-Agent": "slipway-trafficgen/1"})
                resp = conn.getresponse()
                resp.read()
                status = resp.status
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    self._local.conn = None
                break
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                self._local.conn = None
                error = f"{type(exc).__name__}: {exc}"
                if attempt == 2 or not isinstance(exc, http.client.RemoteDisconnected | ConnectionResetError | BrokenPipeError):
                    break
        with self._lock:
            self._inflight -= 1
            if status:
                self.answered[f"{status // 100}xx"] += 1
            else:
                self.errors += 1
                self.last_error = error

    def status(self) -> dict[str, Any]:
        with self._lock:
            end = self.stopped or time.time()
            return {
                "name": self.name,
                "url": self.url,
                "host": self.host,
                "method": self.method,
                "rps": self.rps,
                "running": self.running,
                "started_at": _iso(self.started),
                "seconds": round(end - self.started, 3),
                "sent": self.sent,
                "answered": {k: self.answered.get(k, 0) for k in ("2xx", "3xx", "4xx", "5xx")},
                "errors": self.errors,
                "skipped": self.skipped,
                "last_error": self.last_error,
            }


class TrafficGenerator:
    """The jobs of the emulator process, by name."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.jobs: dict[str, Job] = {}

    def start(self, spec: dict[str, Any]) -> dict[str, Any]:
        job = Job(**validate(spec))
        with self._lock:
            old = self.jobs.pop(job.name, None)
            self.jobs[job.name] = job
        if old is not None:
            old.stop()
        job.start()
        LOG.info("traffic %s: %.3g rps %s %s (Host %s)", job.name, job.rps, job.method, job.url, job.host)
        return job.status()

    def stop(self, name: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            chosen = [j for n, j in self.jobs.items() if name is None or n == name]
        for job in chosen:
            job.stop()
        return [j.status() for j in chosen]

    def status(self) -> list[dict[str, Any]]:
        with self._lock:
            jobs = list(self.jobs.values())
        return [j.status() for j in jobs]


def validate(spec: Any) -> dict[str, Any]:
    """Keyword arguments for a Job from a request body; ValueError when malformed."""
    if not isinstance(spec, dict):
        raise ValueError("body must be a JSON object")
    name = str(spec.get("name") or "")
    if not NAME_RE.match(name):
        raise ValueError("name: 1-100 characters of letters, digits and . _ : @ -")
    url = str(spec.get("url") or "")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in LOOPBACK:
        raise ValueError("url must be http:// on loopback (127.0.0.1, localhost, ::1)")
    host = str(spec.get("host") or parts.netloc)
    try:
        rps = float(spec.get("rps", 0))
    except (TypeError, ValueError):
        rps = 0.0
    if not 0.0 < rps <= MAX_RPS:
        raise ValueError(f"rps must be > 0 and <= {MAX_RPS:g}")
    method = str(spec.get("method") or "GET").upper()
    if method not in ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        raise ValueError(f"method {method!r} not supported")
    duration = spec.get("duration")
    if duration is not None:
        duration = float(duration)
        if duration <= 0:
            raise ValueError("duration must be > 0 seconds")
    concurrency = int(spec.get("concurrency") or DEFAULT_CONCURRENCY)
    if not 1 <= concurrency <= 256:
        raise ValueError("concurrency must be 1..256")
    return {"name": name, "url": url, "host": host, "rps": rps, "method": method, "duration": duration, "concurrency": concurrency}


GENERATOR = TrafficGenerator()


def _answer(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    method = environ.get("REQUEST_METHOD", "GET")
    rest = environ.get("PATH_INFO", "")[len(PATH) :].strip("/")
    name = urllib.parse.unquote(rest) or None
    if method == "GET":
        jobs = GENERATOR.status()
        if name is not None:
            jobs = [j for j in jobs if j["name"] == name]
            if not jobs:
                return json_answer(start_response, "404 Not Found", {"error": f"no traffic job {name!r}"})
        return json_answer(start_response, "200 OK", {"jobs": jobs})
    if method == "POST":
        try:
            spec = read_json(environ)
            if name is not None and isinstance(spec, dict):
                spec.setdefault("name", name)
            job = GENERATOR.start(spec)
        except (ValueError, TypeError) as exc:
            return json_answer(start_response, "400 Bad Request", {"error": str(exc)})
        return json_answer(start_response, "200 OK", {"job": job})
    if method == "DELETE":
        if name is not None and name not in {j["name"] for j in GENERATOR.status()}:
            return json_answer(start_response, "404 Not Found", {"error": f"no traffic job {name!r}"})
        return json_answer(start_response, "200 OK", {"stopped": GENERATOR.stop(name)})
    return json_answer(start_response, "405 Method Not Allowed", {"error": f"{method} not allowed; use GET, POST or DELETE"})


def install() -> TrafficGenerator:
    mount(PATH, _answer)
    return GENERATOR
