"""The ALB data plane: every listener is served on a loopback port, requests
are routed like an ALB routes them, targets answer according to their image
behaviour, and per-target-group metrics are published to CloudWatch."""

from __future__ import annotations

import datetime
import fnmatch
import ipaddress
import itertools
import json
import logging
import random
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from moto.core.utils import utcnow

from . import loopback
from .config import Settings
from .plane import LOCK, DataPlane

LOG = logging.getLogger("local_aws.alb")


def arn_suffix(arn: str, marker: str) -> str:
    """`...:loadbalancer/app/N/ID` -> `app/N/ID`; `...:targetgroup/N/ID` -> `targetgroup/N/ID`."""
    if marker == "loadbalancer":
        return arn.split(":loadbalancer/", 1)[-1]
    return "targetgroup/" + arn.split(":targetgroup/", 1)[-1]


# ---------------------------------------------------------------- routing
def _values(cond: dict[str, Any], config_key: str) -> list[str]:
    conf = cond.get(config_key) or {}
    return list(conf.get("Values") or cond.get("Values") or [])


def _glob(pattern: str, value: str, case: bool) -> bool:
    if not case:
        pattern, value = pattern.lower(), value.lower()
    return fnmatch.fnmatchcase(value, pattern)


@dataclass
class Request:
    method: str
    host: str
    path: str
    query: str
    headers: dict[str, str]
    client_ip: str = "127.0.0.1"


def condition_matches(cond: dict[str, Any], req: Request) -> bool:
    fld = cond.get("Field")
    if fld == "host-header":
        return any(_glob(v, req.host, False) for v in _values(cond, "HostHeaderConfig"))
    if fld == "path-pattern":
        return any(_glob(v, req.path, True) for v in _values(cond, "PathPatternConfig"))
    if fld == "http-request-method":
        return req.method.upper() in [v.upper() for v in _values(cond, "HttpRequestMethodConfig")]
    if fld == "http-header":
        conf = cond.get("HttpHeaderConfig") or {}
        name = str(conf.get("HttpHeaderName", "")).lower()
        got = req.headers.get(name)
        return got is not None and any(_glob(v, got, False) for v in conf.get("Values") or [])
    if fld == "query-string":
        pairs = parse_qsl(req.query, keep_blank_values=True)
        for want in (cond.get("QueryStringConfig") or {}).get("Values") or []:
            for k, v in pairs:
                if ("Key" not in want or _glob(want["Key"], k, False)) and _glob(want.get("Value", "*"), v, False):
                    return True
        return False
    if fld == "source-ip":
        ip = ipaddress.ip_address(req.client_ip)
        return any(ip in ipaddress.ip_network(c, strict=False) for c in _values(cond, "SourceIpConfig"))
    return False


def _action_data(action: Any) -> dict[str, Any]:
    return action.data if hasattr(action, "data") else dict(action)


def pick_action(actions: list[Any]) -> dict[str, Any] | None:
    datas = sorted((_action_data(a) for a in actions), key=lambda d: int(d.get("Order") or 0))
    for d in datas:
        if d.get("Type") in ("forward", "fixed-response", "redirect"):
            return d
    return None


def listener_rules(listener: Any) -> list[tuple[int, list[dict[str, Any]], list[Any]]]:
    rules = []
    for rule in listener._non_default_rules.values():
        try:
            prio = int(rule.priority)
        except (TypeError, ValueError):
            continue
        rules.append((prio, list(rule.conditions or []), list(rule.actions or [])))
    rules.sort(key=lambda r: r[0])
    return rules


def choose_target_group(action: dict[str, Any]) -> str | None:
    fc = action.get("ForwardConfig") or {}
    groups = fc.get("TargetGroups") or []
    if groups:
        weights = [max(0, int(g.get("Weight", 1) or 0)) for g in groups]
        if sum(weights) == 0:
            return None
        return random.choices([g["TargetGroupArn"] for g in groups], weights=weights)[0]
    return action.get("TargetGroupArn")


# ---------------------------------------------------------------- metrics
@dataclass
class Bucket:
    requests: int = 0
    c2xx: int = 0
    c3xx: int = 0
    c4xx: int = 0
    c5xx: int = 0
    times: list[float] = field(default_factory=list)


class Metrics:
    """Counts per target group (and per load balancer) in one-second buckets, keyed by the second each
    request was answered in: a datapoint says when its requests happened, not when the plane published
    it, so a window [t0, t1) of whole seconds holds exactly the requests answered in it (as ALB metrics
    on AWS are stamped with the period their requests fell in)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tg: dict[tuple[str, str, int], Bucket] = {}
        self.lb: dict[tuple[str, int], dict[str, int]] = {}

    def record_target(self, tg_arn: str, lb_arn: str, status: int, seconds: float, at: float | None = None) -> None:
        second = int(time.time() if at is None else at)
        with self.lock:
            b = self.tg.setdefault((tg_arn, lb_arn, second), Bucket())
            b.requests += 1
            attr = {2: "c2xx", 3: "c3xx", 4: "c4xx", 5: "c5xx"}.get(status // 100)
            if attr:
                setattr(b, attr, getattr(b, attr) + 1)
            b.times.append(seconds)
            lbc = self.lb.setdefault((lb_arn, second), {})
            lbc["RequestCount"] = lbc.get("RequestCount", 0) + 1

    def record_elb(self, lb_arn: str, status: int, at: float | None = None) -> None:
        second = int(time.time() if at is None else at)
        with self.lock:
            lbc = self.lb.setdefault((lb_arn, second), {})
            lbc["RequestCount"] = lbc.get("RequestCount", 0) + 1
            key = f"HTTPCode_ELB_{status // 100}XX_Count"
            lbc[key] = lbc.get(key, 0) + 1
            if status in (502, 503, 504):
                lbc[f"HTTPCode_ELB_{status}_Count"] = lbc.get(f"HTTPCode_ELB_{status}_Count", 0) + 1

    def drain(self) -> tuple[dict[tuple[str, str, int], Bucket], dict[tuple[str, int], dict[str, int]]]:
        with self.lock:
            tg, lb = self.tg, self.lb
            self.tg, self.lb = {}, {}
            return tg, lb


# ---------------------------------------------------------------- listeners
@dataclass
class Served:
    listener_arn: str
    lb_arn: str
    lb_name: str
    port: int
    local_port: int
    server: ThreadingHTTPServer | None = None
    error: str = ""
    retry_at: float = 0.0


class AlbPlane:
    def __init__(self, settings: Settings, plane: DataPlane):
        self.s = settings
        self.plane = plane
        self.served: dict[str, Served] = {}
        self.metrics = Metrics()
        self.rr: dict[str, itertools.count] = {}
        self._last_flush = time.monotonic()

    # ---- lifecycle of listener sockets
    def clear(self) -> None:
        with LOCK:
            served, self.served = self.served, {}
            self.rr.clear()
        self.metrics.drain()
        self._close([s.server for s in served.values() if s.server])

    @staticmethod
    def _close(servers: list[ThreadingHTTPServer]) -> None:
        loopback.close_later(servers, "a listener server")

    def reconcile(self) -> None:
        now = time.monotonic()
        to_close = []
        with LOCK:
            elb = self.plane.elbv2()
            wanted: dict[str, tuple[str, str, int]] = {}
            for lb in elb.load_balancers.values():
                if lb.type != "application":
                    continue
                for listener in lb.listeners.values():
                    wanted[listener.arn] = (lb.arn, lb.name, int(listener.port))
            for arn in list(self.served):
                if arn not in wanted or self.served[arn].port != wanted[arn][2]:
                    s = self.served.pop(arn)
                    if s.server:
                        to_close.append(s.server)
            for arn, (lb_arn, lb_name, port) in wanted.items():
                s = self.served.get(arn)
                if s is None:
                    s = Served(arn, lb_arn, lb_name, port, self.s.listener_port_base + port)
                    self.served[arn] = s
                if s.server is None and now >= s.retry_at:
                    try:
                        s.server = self._serve(s)
                        s.error = ""
                        LOG.info("listener %s %s:%s served on 127.0.0.1:%s", lb_name, "HTTP", port, s.local_port)
                    except (OSError, OverflowError) as exc:  # OverflowError: base + port > 65535
                        s.error = f"cannot bind 127.0.0.1:{s.local_port}: {getattr(exc, 'strerror', None) or exc}"
                        s.retry_at = now + 5
                        LOG.warning("listener %s port %s: %s", lb_name, port, s.error)
        self._close(to_close)

    def report(self) -> list[dict[str, Any]]:
        """Every listener of every application load balancer and whether its loopback port is served."""
        out = []
        with LOCK:
            elb = self.plane.elbv2()
            for lb in elb.load_balancers.values():
                if lb.type != "application":
                    continue
                for listener in lb.listeners.values():
                    port = int(listener.port)
                    s = self.served.get(listener.arn)
                    served = bool(s and s.server and s.port == port)
                    error = s.error if s and not served else ""
                    out.append(
                        {
                            "load_balancer": lb.name,
                            "listener_arn": listener.arn,
                            "protocol": listener.protocol,
                            "port": port,
                            "local_port": self.s.listener_port_base + port,
                            "served": served,
                            "error": error or ("" if served else "not bound yet (the reconcile loop binds it within one tick)"),
                        }
                    )
        return out

    def _serve(self, s: Served) -> ThreadingHTTPServer:
        return loopback.serve(s.local_port, lambda h: self.handle(h, s), name=f"listener-{s.port}", server_version="awselb/2.0")

    # ---- request handling
    def handle(self, h: BaseHTTPRequestHandler, s: Served) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        if length:
            h.rfile.read(length)
        parts = urlsplit(h.path)
        host = (h.headers.get("Host") or "").strip()
        if host.startswith("["):
            host = host.split("]")[0] + "]"
        else:
            host = host.split(":")[0]
        req = Request(
            method=h.command,
            host=host,
            path=parts.path or "/",
            query=parts.query,
            headers={k.lower(): v for k, v in h.headers.items()},
            client_ip=h.client_address[0],
        )
        start = time.monotonic()
        decision = self.route(s, req)
        kind = decision["kind"]
        if kind == "fixed":
            self.metrics.record_elb(s.lb_arn, decision["status"])
            self._send(h, decision["status"], decision["body"], decision["ctype"], {})
            return
        if kind == "redirect":
            self.metrics.record_elb(s.lb_arn, decision["status"])
            self._send(h, decision["status"], "", "text/plain", {"Location": decision["location"]})
            return
        if kind == "elb-error":
            self.metrics.record_elb(s.lb_arn, decision["status"])
            self._send(h, decision["status"], decision["body"], "text/html", {})
            return
        # forward to a target
        b = decision["behaviour"]
        if b is not None and b.latency_ms:
            time.sleep(b.latency_ms / 1000.0)
        status, payload = target_response(decision, req)
        elapsed = time.monotonic() - start
        self.metrics.record_target(decision["tg_arn"], s.lb_arn, status, elapsed)
        headers = {
            "x-slipway-target-group": decision["tg_name"],
            "x-slipway-task": decision["task_id"],
        }
        self._send(h, status, json.dumps(payload), "application/json", headers, from_target=True)

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, body: str, ctype: str, headers: dict[str, str], from_target: bool = False) -> None:
        """An answer of the load balancer itself carries ``Server: awselb/2.0``, as on AWS; a target's answer
        is passed through with the target's headers (the emulated application sends no Server header), so a
        client can tell which requests reached a target group."""
        data = body.encode()
        if from_target:
            h.log_request(status)
            h.send_response_only(status)
            h.send_header("Date", h.date_time_string())
        else:
            h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            h.send_header(k, v)
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(data)

    def route(self, s: Served, req: Request) -> dict[str, Any]:
        with LOCK:
            elb = self.plane.elbv2()
            lb = elb.load_balancers.get(s.lb_arn)
            listener = lb.listeners.get(s.listener_arn) if lb else None
            if listener is None:
                return {"kind": "elb-error", "status": 503, "body": "listener is gone"}
            action = None
            for _prio, conds, actions in listener_rules(listener):
                if all(condition_matches(c, req) for c in conds):
                    action = pick_action(actions)
                    break
            if action is None:
                action = pick_action(list(listener.default_actions or []))
            if action is None:
                return {"kind": "elb-error", "status": 503, "body": "no action"}
            atype = action.get("Type")
            if atype == "fixed-response":
                conf = action.get("FixedResponseConfig") or {}
                return {
                    "kind": "fixed",
                    "status": int(conf.get("StatusCode") or 200),
                    "body": conf.get("MessageBody") or "",
                    "ctype": conf.get("ContentType") or "text/plain",
                }
            if atype == "redirect":
                conf = action.get("RedirectConfig") or {}
                proto = conf.get("Protocol", "#{protocol}").replace("#{protocol}", "http").lower()
                host = conf.get("Host", "#{host}").replace("#{host}", req.host)
                port = conf.get("Port", "#{port}").replace("#{port}", str(s.local_port))
                path = conf.get("Path", "/#{path}").replace("#{path}", req.path.lstrip("/"))
                query = conf.get("Query", "#{query}").replace("#{query}", req.query)
                loc = f"{proto}://{host}:{port}{path}" + (f"?{query}" if query else "")
                code = 301 if conf.get("StatusCode") == "HTTP_301" else 302
                return {"kind": "redirect", "status": code, "location": loc}
            tg_arn = choose_target_group(action)
            tg = elb.target_groups.get(tg_arn) if tg_arn else None
            if tg is None:
                return {"kind": "elb-error", "status": 503, "body": "503 Service Temporarily Unavailable"}
            targets = list(tg.targets.values())
            if not targets:
                return {"kind": "elb-error", "status": 503, "body": "503 Service Temporarily Unavailable"}
            healthy = [t for t in targets if self.plane.target_state(tg.arn, t["Id"]) == "healthy"]
            pool = healthy or targets  # fail open when nothing is healthy
            n = next(self.rr.setdefault(tg.arn, itertools.count()))
            target = pool[n % len(pool)]
            rec_arn = self.plane.by_ip.get(target["Id"])
            rec = self.plane.tasks.get(rec_arn) if rec_arn else None
            if rec is None or rec.phase != "RUNNING":
                return {"kind": "elb-error", "status": 502, "body": "502 Bad Gateway"}
            return {
                "kind": "forward",
                "tg_arn": tg.arn,
                "tg_name": tg.name,
                "health_path": tg.health_check_path or "/",
                "behaviour": rec.behaviour,
                "task_id": rec.task_id,
                "service": rec.app or rec.service_name,
                "ecs_service": rec.service_name,
                "digest": rec.digest,
            }

    # ---- metrics publication
    def maybe_flush(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_flush < self.s.metric_flush:
            return
        self._last_flush = now
        # The host counts are stamped with this moment, taken before the drain: once a datapoint stamped
        # at or after T is readable, every request answered before T has been published (the release
        # waits for that before it judges a window ending at T).
        stamp = utcnow()
        tg_buckets, lb_counts = self.metrics.drain()
        with LOCK:
            elb = self.plane.elbv2()
            cw = self.plane.cloudwatch()
            data: list[dict[str, Any]] = []

            def add(
                name: str,
                dims: list[tuple[str, str]],
                value: float | None = None,
                unit: str = "Count",
                stats: dict[str, float] | None = None,
                second: int | None = None,
            ) -> None:
                d: dict[str, Any] = {
                    "MetricName": name,
                    "Dimensions": [{"Name": k, "Value": v} for k, v in dims],
                    "Timestamp": stamp if second is None else datetime.datetime.fromtimestamp(second, datetime.UTC).replace(tzinfo=None),
                    "Unit": unit,
                }
                if stats is not None:
                    d["StatisticValues"] = stats
                else:
                    d["Value"] = float(value or 0)
                data.append(d)

            for (tg_arn, lb_arn, second), b in sorted(tg_buckets.items()):
                dims = [("TargetGroup", arn_suffix(tg_arn, "targetgroup")), ("LoadBalancer", arn_suffix(lb_arn, "loadbalancer"))]
                add("RequestCount", dims, b.requests, second=second)
                for attr, name in (("c2xx", "2XX"), ("c3xx", "3XX"), ("c4xx", "4XX"), ("c5xx", "5XX")):
                    if getattr(b, attr):
                        add(f"HTTPCode_Target_{name}_Count", dims, getattr(b, attr), second=second)
                if b.times:
                    add(
                        "TargetResponseTime",
                        dims,
                        unit="Seconds",
                        stats={"SampleCount": float(len(b.times)), "Sum": sum(b.times), "Minimum": min(b.times), "Maximum": max(b.times)},
                        second=second,
                    )
            for (lb_arn, second), counts in sorted(lb_counts.items()):
                dims = [("LoadBalancer", arn_suffix(lb_arn, "loadbalancer"))]
                for name, value in counts.items():
                    if value:
                        add(name, dims, value, second=second)
            # host counts for every target group a listener of an ALB routes to
            for lb in elb.load_balancers.values():
                tgs: set[str] = set()
                for listener in lb.listeners.values():
                    acts = list(listener.default_actions or [])
                    for _p, _c, a in listener_rules(listener):
                        acts.extend(a)
                    for a in acts:
                        d = _action_data(a)
                        if d.get("TargetGroupArn"):
                            tgs.add(d["TargetGroupArn"])
                        for g in (d.get("ForwardConfig") or {}).get("TargetGroups") or []:
                            tgs.add(g["TargetGroupArn"])
                for tg_arn in tgs:
                    tg = elb.target_groups.get(tg_arn)
                    if tg is None:
                        continue
                    states = [self.plane.target_state(tg_arn, t) for t in tg.targets]
                    dims = [("TargetGroup", arn_suffix(tg_arn, "targetgroup")), ("LoadBalancer", arn_suffix(lb.arn, "loadbalancer"))]
                    add("HealthyHostCount", dims, sum(1 for x in states if x == "healthy"))
                    add("UnHealthyHostCount", dims, sum(1 for x in states if x == "unhealthy"))
            if data:
                for i in range(0, len(data), 500):
                    cw.put_metric_data("AWS/ApplicationELB", data[i : i + 500])


def target_response(decision: dict[str, Any], req: Request) -> tuple[int, dict[str, Any]]:
    b = decision["behaviour"]
    payload = {
        "service": decision["service"],
        "ecs_service": decision["ecs_service"],
        "version": b.version if b else "",
        "image": decision["digest"],
        "task": decision["task_id"],
        "target_group": decision["tg_name"],
        "path": req.path,
    }
    if b is None:
        return 200, payload
    if b.kind == "unhealthy":
        payload["error"] = "service unavailable (image behaviour: unhealthy)"
        return 503, payload
    if req.path == decision["health_path"]:
        return 200, payload
    if b.error_rate and random.random() < b.error_rate:
        payload["error"] = f"injected error (error-rate {b.error_rate:g})"
        return 500, payload
    return 200, payload
