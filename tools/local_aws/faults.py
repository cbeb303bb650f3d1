"""Fault injection: answer chosen AWS operations with throttles, 5xx, access
denied or extra latency, the way the real service would (see docs/emulator.md).

A rule selects operations by ``service.Operation`` globs, named like the call
counter names them (``ecs.ListClusters``, ``elbv2.ModifyRule``,
``dynamodb.PutItem``); the service part may also be the signing name or
endpoint prefix (``elasticloadbalancing.*``, ``monitoring.*``). A rule fires on
a fraction of the matching requests (``rate``, optionally seeded) or on the
next ``count`` of them. Kinds:

* ``throttle`` — the service's throttling error, before the operation runs;
* ``5xx`` — a 500 (or 503 with ``status``) server error, before the operation runs;
* ``5xx-after`` — the operation runs (a write is applied), then the client gets
  a 500/503 instead of the answer;
* ``access-denied`` — the service's access-denied error, before the operation runs;
* ``latency`` — ``latency_ms`` of delay, then the real answer (any other kind
  also waits ``latency_ms`` before its error when it is given).

A rule may also ``match`` request parameters: ``{"SecretId": "*app/db*"}`` fires
only on requests whose ``SecretId`` parameter matches that glob (every key must
match; a request without the parameter does not), so one resource can be
faulted while the others answer.

Rules live in the emulator process: ``/moto-api/reset`` keeps them,
``DELETE /_slipway/faults`` (``tools/local-aws faults clear``) removes them.
The control API is ``GET|POST|DELETE /_slipway/faults[/ID]``; this module also
holds the small HTTP client (``set_fault``, ``clear_faults``, ``list_faults``,
``fault``) the CLI, tests and benchmarks use. Only the server side imports moto.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import fnmatch
import functools
import itertools
import json
import random
import re
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from . import replay

PATH = "/_slipway/faults"
KINDS = ("throttle", "5xx", "5xx-after", "access-denied", "latency")
ERROR_KINDS = ("throttle", "5xx", "5xx-after", "access-denied")
_SELECTOR_RE = re.compile(r"^[A-Za-z0-9*?\[\]_-]+(\.[A-Za-z0-9*?\[\]_.-]+)?$")
_MAX_LATENCY_MS = 120_000
_PARAM_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.]{0,127}$")


class FaultError(ValueError):
    """A rule that cannot be set; the message names the fix."""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# ---------------------------------------------------------------- rules
def normalize_selector(selector: str) -> str:
    sel = (selector or "").strip()
    if sel in ("", "*"):
        return "*.*" if sel == "*" else ""
    if "." not in sel:
        sel += ".*"
    return sel


def validate(spec: dict[str, Any]) -> dict[str, Any]:
    """A rule's JSON as given by a client -> the normalized fields; FaultError when invalid."""
    unknown = set(spec) - {"selector", "kind", "rate", "count", "seed", "latency_ms", "status", "match"}
    if unknown:
        raise FaultError(f"unknown field(s) {', '.join(sorted(unknown))}; allowed: selector, kind, rate, count, seed, latency_ms, status, match")
    selector = normalize_selector(str(spec.get("selector") or ""))
    if not selector or not _SELECTOR_RE.match(selector):
        raise FaultError(f"invalid selector {spec.get('selector')!r}: use SERVICE.OPERATION with globs, e.g. ecs.*, elbv2.ModifyRule, dynamodb.PutItem")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise FaultError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    rate, count = spec.get("rate"), spec.get("count")
    if (rate is None) == (count is None):
        raise FaultError("give exactly one of rate (a probability 0..1, e.g. --rate 0.2) or count (the next N matching calls, e.g. --count 2)")
    if rate is not None:
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0.0 <= float(rate) <= 1.0:
            raise FaultError(f"rate must be a number between 0 and 1, got {rate!r} (e.g. --rate 0.2 for 20 % of calls)")
        rate = float(rate)
    if count is not None:
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise FaultError(f"count must be a whole number >= 1, got {count!r}")
    seed = spec.get("seed")
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise FaultError(f"seed must be an integer, got {seed!r}")
        if rate is None:
            raise FaultError("seed only applies to a rate rule (--rate R --seed S); a count rule is deterministic already")
    latency = spec.get("latency_ms") or 0
    if isinstance(latency, bool) or not isinstance(latency, int) or not 0 <= latency <= _MAX_LATENCY_MS:
        raise FaultError(f"latency_ms must be a whole number of milliseconds 0..{_MAX_LATENCY_MS}, got {latency!r}")
    if kind == "latency" and latency <= 0:
        raise FaultError("kind latency needs --latency-ms N (N > 0)")
    status = spec.get("status")
    if status is not None:
        if kind not in ("5xx", "5xx-after"):
            raise FaultError("status only applies to kinds 5xx and 5xx-after (500 or 503)")
        if status not in (500, 503):
            raise FaultError(f"status must be 500 or 503, got {status!r}")
    elif kind in ("5xx", "5xx-after"):
        status = 500
    out = {"selector": selector, "kind": kind, "rate": rate, "count": count, "seed": seed, "latency_ms": latency, "status": status}
    match = spec.get("match")
    if match is not None:
        if not isinstance(match, dict) or not match:
            raise FaultError('match must be an object of request parameter -> glob, e.g. {"SecretId": "*app/db*"}')
        for key, pattern in match.items():
            if not _PARAM_RE.match(str(key)) or not isinstance(pattern, str) or not pattern:
                raise FaultError(f"match {key!r}: {pattern!r} must be a parameter name (e.g. SecretId) and a non-empty glob (e.g. *app/db*)")
        out["match"] = dict(match)
    return out


@dataclass
class Rule:
    id: str
    selector: str
    kind: str
    rate: float | None
    count: int | None
    seed: int | None
    latency_ms: int
    status: int | None
    match: dict[str, str] | None = None
    created: str = field(default_factory=_now)
    remaining: int | None = None
    injected: int = 0
    matched: int = 0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        if self.remaining is None:
            self.remaining = self.count
        if self.seed is not None:
            self.rng = random.Random(self.seed)

    def matches(self, names: Iterable[str]) -> bool:
        pattern = self.selector.lower()
        return any(fnmatch.fnmatchcase(n.lower(), pattern) for n in names)

    def matches_params(self, param: Callable[[str], Any] | None) -> bool:
        """Every ``match`` glob matches the request's parameter of that name (``param(name)``)."""
        if not self.match:
            return True
        if param is None:
            return False
        for key, pattern in self.match.items():
            try:
                value = param(key)
            except Exception:  # noqa: BLE001  a body moto cannot parse has no such parameter
                value = None
            if value is None or not fnmatch.fnmatchcase(str(value), pattern):
                return False
        return True

    def fires(self) -> bool:
        """Called with the registry lock held, once per matching request."""
        self.matched += 1
        if self.count is not None:
            if not self.remaining:
                return False
            self.remaining -= 1
            return True
        return self.rng.random() < (self.rate or 0.0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "selector": self.selector,
            "kind": self.kind,
            "rate": self.rate,
            "seed": self.seed,
            "count": self.count,
            "remaining": self.remaining,
            "latency_ms": self.latency_ms,
            "status": self.status,
            **({"match": dict(self.match)} if self.match else {}),
            "created": self.created,
            "matched": self.matched,
            "injected": self.injected,
        }


@dataclass
class Decision:
    delay: float = 0.0
    error: Rule | None = None
    latency_rules: list[Rule] = field(default_factory=list)


class Registry:
    """The emulator's fault rules and what they injected (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[Rule] = []
        self._ids = itertools.count(1)
        self._by_op: dict[str, collections.Counter[str]] = {}
        self._by_rule: dict[str, dict[str, Any]] = {}
        self._since = _now()

    def __bool__(self) -> bool:
        return bool(self._rules)

    def add(self, spec: dict[str, Any]) -> Rule:
        fields_ = validate(spec)
        with self._lock:
            rule = Rule(id=f"f{next(self._ids)}", **fields_)
            self._rules.append(rule)
            return rule

    def clear(self, rule_id: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            if rule_id is None:
                removed, self._rules = self._rules, []
            else:
                removed = [r for r in self._rules if r.id == rule_id]
                self._rules = [r for r in self._rules if r.id != rule_id]
            return [r.as_dict() for r in removed]

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.as_dict() for r in self._rules]

    def decide(self, names: list[str], param: Callable[[str], Any] | None = None) -> Decision | None:
        """Which rules fire for this request (``names[0]`` is the counter's name; ``param(name)``
        reads one of its parameters, for rules with ``match``)."""
        if not self._rules:
            return None
        decision = Decision()
        with self._lock:
            for rule in self._rules:
                if rule.kind != "latency" and decision.error is not None:
                    continue  # one error per request; later error rules are not consumed
                if not rule.matches(names) or not rule.matches_params(param) or not rule.fires():
                    continue
                if rule.kind == "latency":
                    decision.latency_rules.append(rule)
                    decision.delay += rule.latency_ms / 1000.0
                else:
                    decision.error = rule
                    decision.delay += rule.latency_ms / 1000.0
            fired = [*decision.latency_rules, *([decision.error] if decision.error else [])]
            for rule in fired:
                rule.injected += 1
                self._by_op.setdefault(names[0], collections.Counter())[rule.kind] += 1
                entry = self._by_rule.setdefault(rule.id, {"selector": rule.selector, "kind": rule.kind, "count": 0})
                entry["count"] += 1
        return decision if fired else None

    def injected(self) -> dict[str, Any]:
        with self._lock:
            ops = {name: dict(sorted(c.items())) for name, c in sorted(self._by_op.items())}
            return {
                "since": self._since,
                "total": sum(sum(c.values()) for c in self._by_op.values()),
                "operations": ops,
                "rules": {rid: dict(v) for rid, v in self._by_rule.items()},
            }

    def reset_injected(self) -> dict[str, Any]:
        before = self.injected()
        with self._lock:
            self._by_op.clear()
            self._by_rule.clear()
            self._since = _now()
            for rule in self._rules:
                rule.injected = 0
                rule.matched = 0
        return before


REGISTRY = Registry()


# ---------------------------------------------------------------- AWS-shaped errors
# Data-plane DynamoDB operations throttle with ProvisionedThroughputExceededException;
# its control plane (CreateTable, DescribeTable, ...) with ThrottlingException.
_DYNAMODB_DATA_OPS = re.compile(r"^(Get|Put|Update|Delete|BatchGet|BatchWrite)Item$|^(Query|Scan|TransactGetItems|TransactWriteItems|ExecuteStatement)$")


@dataclass(frozen=True)
class ServiceInfo:
    name: str
    protocol: str
    aliases: tuple[str, ...]
    query_compatible: bool
    xml_namespace: str


@functools.lru_cache(maxsize=256)
def service_info(name: str) -> ServiceInfo:
    try:
        from moto.core.utils import get_service_model

        model = get_service_model(name)
    except Exception:  # noqa: BLE001  an unknown or unmodelled service
        return ServiceInfo(name, "json", (name,), False, "")
    meta = model.metadata
    aliases = tuple(dict.fromkeys(a for a in (name, model.endpoint_prefix, model.signing_name, meta.get("signingName")) if a))
    ns = meta.get("xmlNamespace") or f"http://{model.endpoint_prefix}.amazonaws.com/doc/{model.api_version}/"
    return ServiceInfo(name, str(model.protocol), aliases, "awsQueryCompatible" in meta, ns)


def wire_protocol(info: ServiceInfo, headers: Any) -> str:
    """The protocol of the request as sent (a client picks one of the model's protocols)."""
    ctype = str(headers.get("Content-Type") or "").lower()
    if ctype.startswith("application/x-amz-json") or headers.get("X-Amz-Target"):
        return "json"
    if ctype.startswith("application/x-www-form-urlencoded"):
        return "ec2" if info.protocol == "ec2" else "query"
    if info.protocol in ("rest-json", "rest-xml"):
        return info.protocol
    return "json" if info.protocol not in ("query", "ec2") else info.protocol


def error_shape(kind: str, status: int | None, service: str, operation: str, protocol: str) -> tuple[int, str, str, str]:
    """``(http_status, code, message, fault_type)`` for an injected error, as the service answers it."""
    if kind == "throttle":
        if service == "s3":
            return 503, "SlowDown", "Please reduce your request rate.", "Receiver"
        if service == "dynamodb" and _DYNAMODB_DATA_OPS.match(operation):
            return (
                400,
                "ProvisionedThroughputExceededException",
                "The level of configured provisioned throughput for the table was exceeded. "
                "Consider increasing your provisioning level with the UpdateTable API.",
                "Sender",
            )
        if protocol == "ec2":
            return 503, "RequestLimitExceeded", "Request limit exceeded.", "Sender"
        if protocol in ("query", "rest-xml"):
            return 400, "Throttling", "Rate exceeded", "Sender"
        if protocol == "rest-json":
            return 429, "TooManyRequestsException" if service == "lambda" else "ThrottlingException", "Rate exceeded", "Sender"
        return 400, "ThrottlingException", "Rate exceeded", "Sender"
    if kind == "access-denied":
        action = f"{service}:{operation}"
        msg = f"User: arn:aws:iam::123456789012:user/slipway is not authorized to perform: {action} because no identity-based policy allows the {action} action"
        if protocol == "ec2":
            return 403, "UnauthorizedOperation", "You are not authorized to perform this operation.", "Sender"
        if protocol in ("query", "rest-xml"):
            return 403, "AccessDenied", msg, "Sender"
        return (403 if protocol == "rest-json" else 400), "AccessDeniedException", msg, "Sender"
    # 5xx / 5xx-after
    if status == 503:
        code = "Unavailable" if protocol == "ec2" else "ServiceUnavailable"
        return 503, code, "Service is unavailable. Please try again later.", "Receiver"
    code = {"dynamodb": "InternalServerError", "ecs": "ServerException"}.get(service, "InternalError" if protocol in ("ec2", "rest-xml") else "InternalFailure")
    return 500, code, "The request processing has failed because of an unknown error, exception or failure.", "Receiver"


def _query_code(code: str) -> str:
    """The code a query-compatible JSON service (CloudWatch, SQS) reports in ``x-amzn-query-error``."""
    return {"ThrottlingException": "Throttling", "AccessDeniedException": "AccessDenied"}.get(code, code)


def error_response(rule: Rule, service: str, operation: str, headers: Any) -> tuple[int, dict[str, str], str]:
    info = service_info(service)
    protocol = wire_protocol(info, headers)
    status, code, message, fault = error_shape(rule.kind, rule.status, service, operation, protocol)
    message = f"{message} (injected by the Slipway emulator, fault rule {rule.id})"
    request_id = str(uuid.uuid4())
    out: dict[str, str] = {"x-amzn-RequestId": request_id, "x-slipway-fault": f"{rule.id} {rule.kind}"}
    if protocol in ("json", "rest-json"):
        out["Content-Type"] = "application/x-amz-json-1.1" if protocol == "json" else "application/json"
        out["x-amzn-ErrorType"] = f"{code}:http://internal.amazon.com/coral/com.amazon.coral.service/"
        if info.query_compatible:
            out["x-amzn-query-error"] = f"{_query_code(code)};{fault}"
        return status, out, json.dumps({"__type": code, "message": message})
    out["Content-Type"] = "text/xml"
    if service == "s3":
        # S3's own error document: <Error> at the root, x-amz-request-id.
        out["x-amz-request-id"] = request_id.replace("-", "")[:16].upper()
        out["Content-Type"] = "application/xml"
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{escape(message)}</Message>'
            f"<RequestId>{out['x-amz-request-id']}</RequestId></Error>"
        )
        return status, out, body
    if protocol == "ec2":
        body = (
            f"<?xml version='1.0' encoding='UTF-8'?>\n<Response><Errors><Error><Code>{code}</Code><Message>{escape(message)}</Message>"
            f"</Error></Errors><RequestID>{request_id}</RequestID></Response>"
        )
        return status, out, body
    body = (
        f'<ErrorResponse xmlns="{escape(info.xml_namespace)}"><Error><Type>{fault}</Type><Code>{code}</Code>'
        f"<Message>{escape(message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return status, out, body


def around(response: Any, name: str, run: Callable[[], Any]) -> Any:
    """Run one moto action (``run``) under the rules that match ``name``."""
    if not REGISTRY:
        return run()
    service, _, operation = name.partition(".")
    model_name = str(getattr(response, "boto3_service_name", "") or service)  # moto's awslambda is lambda
    info = service_info(model_name)
    names = [name, *(f"{alias}.{operation}" for alias in info.aliases if alias != service)]
    decision = REGISTRY.decide(names, getattr(response, "_get_param", None))
    if decision is None:
        return run()
    replay.faulted()
    if decision.delay:
        time.sleep(decision.delay)
    rule = decision.error
    if rule is None:
        return run()
    if rule.kind == "5xx-after":
        run()
    return error_response(rule, model_name, operation, response.headers)


class S3Fault(Exception):
    """Raised where moto's S3 names its action: the error answer replaces the whole request."""

    def __init__(self, answer: tuple[int, dict[str, str], str]) -> None:
        super().__init__(answer[0])
        self.answer = answer


def s3_decide(handler: Any, operation: str) -> None:
    """Faults for one S3 request, once moto knows its action (S3 does not go through ``around``).

    Latency sleeps here; an error raises :class:`S3Fault`; ``5xx-after`` is left on
    ``handler`` for the dispatch wrapper, which lets the action run and then answers with it."""
    if not REGISTRY:
        return
    decision = REGISTRY.decide([f"s3.{operation}"], None)
    if decision is None:
        return
    replay.faulted()
    if decision.delay:
        time.sleep(decision.delay)
    rule = decision.error
    if rule is None:
        return
    answer = error_response(rule, "s3", operation, getattr(handler, "headers", {}) or {})
    if rule.kind == "5xx-after":
        handler._slipway_fault_after = answer
        return
    raise S3Fault(answer)


# ---------------------------------------------------------------- control endpoint (server side)
def _json(start_response: Any, status: str, body: Any) -> list[bytes]:
    data = json.dumps(body, indent=1).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def answer(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    method = environ.get("REQUEST_METHOD", "GET")
    rest = environ.get("PATH_INFO", "")[len(PATH) :].strip("/")
    if method == "GET" and not rest:
        return _json(start_response, "200 OK", {"rules": REGISTRY.rules(), "injected": REGISTRY.injected()})
    if method == "POST" and not rest:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            spec = json.loads(environ["wsgi.input"].read(length) or b"{}")
            if not isinstance(spec, dict):
                raise FaultError('the body must be a JSON object, e.g. {"selector": "ecs.*", "kind": "throttle", "rate": 1}')
            rule = REGISTRY.add(spec)
        except (FaultError, json.JSONDecodeError, ValueError) as exc:
            return _json(start_response, "400 Bad Request", {"error": str(exc)})
        return _json(start_response, "201 Created", {"rule": rule.as_dict()})
    if method == "DELETE":
        removed = REGISTRY.clear(rest or None)
        if rest and not removed:
            return _json(start_response, "404 Not Found", {"error": f"no fault rule {rest!r}; `tools/local-aws faults list` shows the ids"})
        return _json(start_response, "200 OK", {"removed": removed})
    return _json(start_response, "405 Method Not Allowed", {"error": f"{method} {environ.get('PATH_INFO')} not allowed; use GET, POST or DELETE {PATH}[/ID]"})


def install() -> None:
    """Serve ``/_slipway/faults`` (uncounted) in front of moto.

    The rules themselves are applied by the call counter's ``call_action``
    wrapper (``calls.py``), which names each request first."""
    from .routes import mount

    mount(PATH, answer)


# ---------------------------------------------------------------- client (CLI, tests, benchmarks)
def _request(endpoint: str, method: str, path: str = "", body: Any = None, timeout: float = 10.0) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(endpoint.rstrip("/") + PATH + path, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        try:
            msg = json.loads(exc.read()).get("error") or str(exc)
        except (ValueError, AttributeError):
            msg = str(exc)
        if exc.code == 404 and method != "DELETE":
            msg = f"{endpoint} has no fault injection endpoint (an older emulator? restart it with `tools/local-aws down && tools/local-aws up`)"
        raise FaultError(msg) from None


def set_fault(
    endpoint: str,
    selector: str,
    kind: str,
    *,
    rate: float | None = None,
    count: int | None = None,
    seed: int | None = None,
    latency_ms: int = 0,
    status: int | None = None,
    match: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Add a rule to the emulator at ``endpoint``; returns it (with its ``id``). FaultError when invalid."""
    spec = {"selector": selector, "kind": kind, "rate": rate, "count": count, "seed": seed, "latency_ms": latency_ms, "status": status, "match": match}
    validate(spec)
    return _request(endpoint, "POST", body={k: v for k, v in spec.items() if v is not None})["rule"]


def clear_faults(endpoint: str, rule_id: str | None = None) -> list[dict[str, Any]]:
    """Remove one rule, or all; returns the removed rules."""
    return _request(endpoint, "DELETE", f"/{rule_id}" if rule_id else "")["removed"]


def list_faults(endpoint: str) -> dict[str, Any]:
    """``{"rules": [...], "injected": {"total", "operations", "rules", "since"}}``."""
    return _request(endpoint, "GET")


@contextlib.contextmanager
def fault(endpoint: str, selector: str, kind: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """``with fault(ep, "ecs.*", "throttle", rate=1.0) as rule: ...`` — the rule is removed afterwards."""
    rule = set_fault(endpoint, selector, kind, **kwargs)
    try:
        yield rule
    finally:
        with contextlib.suppress(FaultError, OSError):
            clear_faults(endpoint, rule["id"])
