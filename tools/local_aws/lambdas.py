"""A Python Lambda runtime without Docker, and Secrets Manager rotation that
invokes it the way AWS does (see docs/emulator.md, "Lambda (Python runtime)"
and "Secrets Manager rotation").

* ``Invoke`` of a function whose runtime is ``python3.x`` (zip package, from
  ``ZipFile`` or S3) runs its handler in a fresh subprocess of the emulator's
  own interpreter: the package extracted under the state directory, the
  function's environment plus the variables Lambda defines, ``AWS_ENDPOINT_URL``
  pointing at the emulator, an AWS-shaped context object and the Timeout
  enforced. Its output goes to CloudWatch Logs (``/aws/lambda/NAME``);
  ``RequestResponse`` answers the result (or AWS's error payload with
  ``X-Amz-Function-Error: Unhandled``), ``Event`` runs in the background. Other
  runtimes keep moto's (Docker) behaviour.
* ``RotateSecret`` returns at once and runs the four rotation steps in the
  background against the rotation function; Secrets Manager only stages the
  new version as AWSPENDING, the function does the rest. moto's own rotation
  (which moves AWSCURRENT to an empty version) is replaced.
* The rotation events (``RotationStarted``, ``RotationSucceeded``,
  ``RotationFailed``, the ``TestRotation*`` ones and the ``RotateSecret`` call)
  are readable through CloudTrail ``LookupEvents``, which moto lacks.

Everything is installed once, at class level (``install``), so it survives
``/moto-api/reset``.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import datetime as dt
import functools
import hashlib
import io
import json
import logging
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import state_dir
from .plane import LOCK

LOG = logging.getLogger("local_aws.lambdas")

PYTHON_RUNTIME = re.compile(r"^python3(\.\d+)?$")
INIT_TIMEOUT = 10.0  # seconds Lambda gives a function's initialisation (imports, module code)
LOG_TAIL_BYTES = 4096
ROTATION_STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
PREVIOUS_ROTATION = "A previous rotation isn't complete. That rotation will be reattempted."
NO_ROTATION_FUNCTION = (
    "You tried to enable rotation on a secret that doesn't already have a Lambda function ARN configured "
    "and you didn't include such an ARN as a parameter in this call."
)

_ENDPOINT = {"url": "http://127.0.0.1:4566"}
_INSTALLED = False


# ---------------------------------------------------------------- the child process
# Run with ``python -I -u -c BOOTSTRAP CONTROL_FD REQUEST_ID TIMEOUT_MS FUNCTION_ARN``:
# imports the handler, reads the event from stdin, calls the handler and reports
# on the control pipe: {"init": ...} when the handler is about to run (the
# Timeout counts from there), then {"result": JSON} or {"error": {...}}.
BOOTSTRAP = r"""
import importlib, json, logging, os, sys, time, traceback

_ctl = os.fdopen(int(sys.argv[1]), "w")
_request_id, _timeout_ms, _arn = sys.argv[2], int(sys.argv[3]), sys.argv[4]
sys.argv = [""]
sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])


def _send(message):
    _ctl.write(json.dumps(message) + "\n")
    _ctl.flush()


class _RequestId(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _request_id
        return True


logging.Formatter.converter = time.gmtime
_handler = logging.StreamHandler(sys.stdout)
_handler.setFormatter(logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S"))
_handler.addFilter(_RequestId())
logging.getLogger().addHandler(_handler)


def _frames(tb):
    return [f for f in traceback.extract_tb(tb) if f.filename != "<string>"]


def _fail(error_type, message, frames=()):
    trace = traceback.format_list(list(frames))
    text = "[ERROR] " + error_type + ": " + message
    if trace:
        text += "\nTraceback (most recent call last):\n" + "".join(trace).rstrip("\n")
    print(text, flush=True)
    _send({"error": {"errorMessage": message, "errorType": error_type, "requestId": _request_id, "stackTrace": trace}})
    sys.exit(0)


class LambdaContext:
    def __init__(self, deadline_ms):
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.invoked_function_arn = _arn
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.aws_request_id = _request_id
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))


def _main():
    name = os.environ["_HANDLER"]
    try:
        module_name, function_name = name.rsplit(".", 1)
    except ValueError:
        _fail("Runtime.MalformedHandlerName", "Bad handler '%s': not enough values to unpack (expected 2, got 1)" % name)
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as exc:
        _fail("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (module_name, exc))
    except SyntaxError as exc:
        _fail("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (module_name, exc))
    except Exception as exc:
        _fail(type(exc).__name__, str(exc), _frames(exc.__traceback__))
    func = getattr(module, function_name, None)
    if func is None:
        _fail("Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (function_name, module_name))
    event = json.loads(sys.stdin.buffer.read() or b"{}")
    _send({"init": True})
    context = LambdaContext(time.time() * 1000 + _timeout_ms)
    try:
        result = func(event, context)
    except Exception as exc:
        _fail(type(exc).__name__, str(exc), _frames(exc.__traceback__))
    try:
        payload = json.dumps(result)
    except (TypeError, ValueError) as exc:
        _fail("Runtime.MarshalError", "Unable to marshal response: %s" % exc)
    sys.stdout.flush()
    _send({"result": payload})


_main()
"""


# ---------------------------------------------------------------- runtime (emulator side)
@dataclass
class Invocation:
    """What one invocation produced."""

    request_id: str
    payload: bytes = b""
    function_error: str | None = None  # "Unhandled" when the function failed
    error: dict[str, Any] | None = None
    logs: list[tuple[int, str]] = field(default_factory=list)  # (epoch ms, line), START..REPORT
    duration_ms: float = 0.0
    log_stream: str = ""

    def log_tail(self) -> str:
        text = "\n".join(line for _, line in self.logs) + "\n"
        data = text.encode()[-LOG_TAIL_BYTES:]
        return base64.b64encode(data).decode()


def is_python(fn: Any) -> bool:
    return bool(PYTHON_RUNTIME.match(str(getattr(fn, "run_time", "") or ""))) and getattr(fn, "package_type", "Zip") == "Zip"


def _root() -> Path:
    return state_dir() / "lambda"


def code_dir(fn: Any) -> Path:
    """The function's package, extracted once per code digest."""
    code = bytes(getattr(fn, "code_bytes", b"") or b"")
    digest = hashlib.sha256(code).hexdigest()
    target = _root() / "code" / digest
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{digest[:12]}-", dir=target.parent))
    try:
        if code:
            with zipfile.ZipFile(io.BytesIO(code)) as zf:
                for info in zf.infolist():
                    dest = (tmp / info.filename).resolve()
                    if not str(dest).startswith(str(tmp.resolve())):
                        continue  # no entries outside the package
                    zf.extract(info, tmp)
        try:
            tmp.rename(target)
        except OSError:  # another invocation extracted it first
            shutil.rmtree(tmp, ignore_errors=True)
    except Exception:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _version(fn: Any) -> str:
    version = str(getattr(fn, "version", "$LATEST"))
    return version if version.isdigit() else "$LATEST"


def _arn(fn: Any) -> str:
    version = _version(fn)
    return fn.function_arn if version == "$LATEST" else f"{fn.function_arn}:{version}"


def environment(fn: Any, log_stream: str, tmp: Path) -> dict[str, str]:
    """The process environment: the function's variables, then those Lambda defines."""
    env = {str(k): str(v) for k, v in (getattr(fn, "environment_vars", None) or {}).items()}
    env.setdefault("AWS_ENDPOINT_URL", _ENDPOINT["url"])
    env.update(
        {
            "_HANDLER": str(fn.handler or ""),
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.run_time}",
            "AWS_REGION": fn.region,
            "AWS_DEFAULT_REGION": fn.region,
            "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": _version(fn),
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
            "AWS_LAMBDA_LOG_GROUP_NAME": fn.logs_group_name,
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "slipway-emulator-lambda",
            "LAMBDA_TASK_ROOT": "",  # set by run()
            "LAMBDA_RUNTIME_DIR": str(Path(sys.executable).parent),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "HOME": str(tmp),
            "TMPDIR": str(tmp),
        }
    )
    return env


@contextlib.contextmanager
def _unlocked() -> Iterator[None]:
    """Release the emulator's request lock (held by the calling request, maybe
    recursively) while a function runs, so its own API calls can be served."""
    if not LOCK._is_owned():  # type: ignore[attr-defined]
        yield
        return
    state = LOCK._release_save()  # type: ignore[attr-defined]
    try:
        yield
    finally:
        LOCK._acquire_restore(state)  # type: ignore[attr-defined]


def _now_ms() -> int:
    return int(time.time() * 1000)


def _iso_ms(epoch_ms: int) -> str:
    return dt.datetime.fromtimestamp(epoch_ms / 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def run(fn: Any, event: bytes) -> Invocation:
    """Run the handler of ``fn`` (a moto LambdaFunction, python runtime) on ``event`` (JSON bytes)."""
    request_id = str(uuid.uuid4())
    today = dt.datetime.now(dt.UTC)
    stream = f"{today:%Y/%m/%d}/[{_version(fn)}]{uuid.uuid4().hex}"
    inv = Invocation(request_id=request_id, log_stream=stream)
    timeout = float(fn.timeout or 3)
    inv.logs.append((_now_ms(), f"START RequestId: {request_id} Version: {_version(fn)}"))
    tmp = _root() / "tmp" / fn.function_name
    tmp.mkdir(parents=True, exist_ok=True)
    task_root = code_dir(fn)
    env = environment(fn, stream, tmp)
    env["LAMBDA_TASK_ROOT"] = str(task_root)
    ctl_r, ctl_w = os.pipe()
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-I", "-u", "-c", BOOTSTRAP, str(ctl_w), request_id, str(int(timeout * 1000)), _arn(fn)],
            cwd=task_root,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(ctl_w,),
            start_new_session=True,
        )
    finally:
        os.close(ctl_w)
    messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
    lines: list[tuple[int, str]] = []

    def feed() -> None:
        with contextlib.suppress(OSError):
            assert proc.stdin is not None
            proc.stdin.write(event)
            proc.stdin.close()

    def read_output() -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            lines.append((_now_ms(), raw.decode("utf-8", "replace").rstrip("\r\n")))

    def read_control() -> None:
        with os.fdopen(ctl_r, "rb") as ctl:
            for raw in ctl:
                with contextlib.suppress(ValueError):
                    messages.put(json.loads(raw))
        messages.put(None)

    threads = [threading.Thread(target=t, daemon=True, name=f"lambda-{fn.function_name}-{t.__name__}") for t in (feed, read_output, read_control)]
    for t in threads:
        t.start()
    outcome: dict[str, Any] | None = None
    timed_out = False
    init_ms = 0.0
    invoke_started = started
    deadline = started + INIT_TIMEOUT + timeout
    while True:
        try:
            message = messages.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            timed_out = True
            break
        if message is None:
            break
        if "init" in message:
            invoke_started = time.monotonic()
            init_ms = (invoke_started - started) * 1000
            deadline = invoke_started + timeout
            continue
        outcome = message
        break
    if timed_out:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    try:
        code = proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        code = proc.wait()
    for t in threads[1:]:
        t.join(timeout=2)
    inv.duration_ms = (time.monotonic() - invoke_started) * 1000
    inv.logs.extend(lines)
    if timed_out:
        message_text = f"Task timed out after {timeout:.2f} seconds"
        inv.logs.append((_now_ms(), f"{_iso_ms(_now_ms())} {request_id} {message_text}"))
        inv.error = {"errorType": "Sandbox.Timedout", "errorMessage": f"RequestId: {request_id} Error: {message_text}"}
        inv.duration_ms = timeout * 1000
    elif outcome is None:
        status = f"signal: {signal.Signals(-code).name.lower()}" if code < 0 else f"exit status {code}"
        inv.error = {"errorType": "Runtime.ExitError", "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: {status}"}
        inv.logs.append((_now_ms(), inv.error["errorMessage"]))
    elif "error" in outcome:
        inv.error = outcome["error"]
    else:
        inv.payload = str(outcome.get("result", "null")).encode()
    if inv.error is not None:
        inv.function_error = "Unhandled"
        inv.payload = json.dumps(inv.error).encode()
    inv.logs.append((_now_ms(), f"END RequestId: {request_id}"))
    report = (
        f"REPORT RequestId: {request_id}\tDuration: {inv.duration_ms:.2f} ms\tBilled Duration: {max(1, int(inv.duration_ms + 0.999))} ms\t"
        f"Memory Size: {fn.memory_size} MB"
    )
    if init_ms:
        report += f"\tInit Duration: {init_ms:.2f} ms"
    if timed_out:
        report += "\tStatus: timeout"
    inv.logs.append((_now_ms(), report))
    _save_logs(fn, inv)
    return inv


def _save_logs(fn: Any, inv: Invocation) -> None:
    """The invocation's output as one log stream of /aws/lambda/NAME (moto's logs backend)."""
    events, last = [], 0
    for ts, line in inv.logs:
        last = max(last, ts)  # chronological, as PutLogEvents requires
        events.append({"timestamp": last, "message": line})
    try:
        with LOCK:
            backend = fn.logs_backend
            backend.ensure_log_group(fn.logs_group_name)
            backend.create_log_stream(fn.logs_group_name, inv.log_stream)
            backend.put_log_events(fn.logs_group_name, inv.log_stream, events)
    except Exception:
        LOG.exception("cannot write the logs of %s to %s", fn.function_name, fn.logs_group_name)


def _header(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    lowered = name.lower()
    for key, value in headers.items():
        if str(key).lower() == lowered:
            return str(value)
    return None


def _event_bytes(body: Any) -> bytes:
    if body is None or body == "" or body == b"":
        return b"{}"
    data = body.encode() if isinstance(body, str) else bytes(body)
    try:
        json.loads(data)
    except ValueError as exc:
        from moto.core.exceptions import JsonRESTError

        raise JsonRESTError("InvalidRequestContentException", f"Could not parse request body into json: {exc}") from None
    return data


def invoke_function(fn: Any, body: Any, request_headers: Any, response_headers: dict[str, Any]) -> bytes:
    """``LambdaFunction.invoke`` for a python function: RequestResponse, Event or DryRun."""
    kind = _header(request_headers, "X-Amz-Invocation-Type") or "RequestResponse"
    event = _event_bytes(body)
    if kind == "DryRun":
        return b""
    if kind == "Event":
        threading.Thread(target=_run_async, args=(fn, event), daemon=True, name=f"lambda-event-{fn.function_name}").start()
        return b""
    with _unlocked():
        inv = run(fn, event)
    response_headers["x-amz-executed-version"] = _version(fn)
    response_headers["x-amz-log-result"] = inv.log_tail()  # moto's response drops it unless LogType=Tail
    if inv.function_error:
        response_headers["x-amz-function-error"] = inv.function_error
    return inv.payload


def _run_async(fn: Any, event: bytes) -> None:
    try:
        inv = run(fn, event)
        if inv.function_error:
            LOG.info("asynchronous invocation %s of %s failed: %s", inv.request_id, fn.function_name, inv.error)
    except Exception:
        LOG.exception("asynchronous invocation of %s failed", fn.function_name)


# ---------------------------------------------------------------- CloudTrail-like event history
class EventHistory:
    """CloudTrail management events the emulator records (rotation, RotateSecret), newest last."""

    def __init__(self, limit: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._events: collections.deque[dict[str, Any]] = collections.deque(maxlen=limit)

    def record(
        self,
        name: str,
        *,
        account: str,
        region: str,
        secret_arn: str,
        event_type: str = "AwsServiceEvent",
        details: dict[str, Any] | None = None,
        request: dict[str, Any] | None = None,
        response: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        now = dt.datetime.now(dt.UTC)
        event_id = str(uuid.uuid4())
        service = event_type == "AwsServiceEvent"
        record: dict[str, Any] = {
            "eventVersion": "1.08",
            "userIdentity": (
                {"accountId": account, "invokedBy": "secretsmanager.amazonaws.com"}
                if service
                else {"type": "IAMUser", "accountId": account, "principalId": account, "arn": f"arn:aws:iam::{account}:user/slipway", "userName": "slipway"}
            ),
            "eventTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventSource": "secretsmanager.amazonaws.com",
            "eventName": name,
            "awsRegion": region,
            "sourceIPAddress": "secretsmanager.amazonaws.com" if service else "127.0.0.1",
            "userAgent": "secretsmanager.amazonaws.com" if service else "slipway-emulator",
            "requestParameters": request,
            "responseElements": response,
            "additionalEventData": {"SecretId": secret_arn},
            "requestID": str(uuid.uuid4()),
            "eventID": event_id,
            "readOnly": False,
            "resources": [{"accountId": account, "type": "AWS::SecretsManager::Secret", "ARN": secret_arn}],
            "eventType": event_type,
            "managementEvent": True,
            "recipientAccountId": account,
            "eventCategory": "Management",
        }
        if details:
            record["serviceEventDetails"] = details
        entry = {
            "EventId": event_id,
            "EventName": name,
            "ReadOnly": "false",
            "EventTime": now.timestamp(),
            "EventSource": "secretsmanager.amazonaws.com",
            "Resources": [{"ResourceType": "AWS::SecretsManager::Secret", "ResourceName": secret_arn}],
            "CloudTrailEvent": json.dumps(record),
            "_account": account,
            "_region": region,
        }
        if not service:
            entry["Username"] = "slipway"
            entry["AccessKeyId"] = "testing"
        with self._lock:
            self._events.append(entry)
        LOG.info("CloudTrail event %s for %s%s", name, secret_arn, f" {details}" if details else "")
        return entry

    def clear(self) -> None:
        with self._lock:
            self._events.clear()

    def lookup(self, account: str, region: str) -> list[dict[str, Any]]:
        with self._lock:
            return [e for e in reversed(self._events) if e["_account"] == account and e["_region"] == region]


EVENTS = EventHistory()
_LOOKUP_KEYS = {
    "EventId": lambda e: [e["EventId"]],
    "EventName": lambda e: [e["EventName"]],
    "ReadOnly": lambda e: [e["ReadOnly"]],
    "Username": lambda e: [e.get("Username") or ""],
    "ResourceType": lambda e: [r["ResourceType"] for r in e["Resources"]],
    "ResourceName": lambda e: [r["ResourceName"] for r in e["Resources"]],
    "EventSource": lambda e: [e["EventSource"]],
    "AccessKeyId": lambda e: [e.get("AccessKeyId") or ""],
}


def _lookup_events(self: Any) -> str:
    """CloudTrail ``LookupEvents`` over the events the emulator recorded."""
    from moto.core.exceptions import JsonRESTError

    attributes = self._get_param("LookupAttributes") or []
    if len(attributes) > 1:
        raise JsonRESTError("InvalidLookupAttributesException", "You cannot specify more than one lookup attribute.")
    match = None
    if attributes:
        key, value = attributes[0].get("AttributeKey"), attributes[0].get("AttributeValue")
        if key not in _LOOKUP_KEYS:
            raise JsonRESTError("InvalidLookupAttributesException", f"The attribute key {key!r} is not valid.")
        if not value:
            raise JsonRESTError("InvalidLookupAttributesException", "The attribute value must not be empty.")
        match = (key, value)
    start, end = self._get_param("StartTime"), self._get_param("EndTime")
    start_ts = float(start) if start is not None else None
    end_ts = float(end) if end is not None else None
    if start_ts is not None and end_ts is not None and start_ts > end_ts:
        raise JsonRESTError("InvalidTimeRangeException", "Start time must be before end time.")
    max_results = self._get_param("MaxResults")
    if max_results is not None and not 1 <= int(max_results) <= 50:
        raise JsonRESTError("InvalidMaxResultsException", "MaxResults must be between 1 and 50.")
    limit = int(max_results or 50)
    category = self._get_param("EventCategory")
    events = [] if category == "insight" else EVENTS.lookup(self.current_account, self.region)
    if match:
        events = [e for e in events if match[1] in _LOOKUP_KEYS[match[0]](e)]
    if start_ts is not None:
        events = [e for e in events if e["EventTime"] >= start_ts]
    if end_ts is not None:
        events = [e for e in events if e["EventTime"] <= end_ts]
    offset = 0
    token = self._get_param("NextToken")
    if token:
        try:
            offset = int(base64.b64decode(token).decode())
        except ValueError:
            raise JsonRESTError("InvalidNextTokenException", "Invalid NextToken.") from None
    page = events[offset : offset + limit]
    body: dict[str, Any] = {"Events": [{k: v for k, v in e.items() if not k.startswith("_")} for e in page]}
    if offset + limit < len(events):
        body["NextToken"] = base64.b64encode(str(offset + limit).encode()).decode()
    return json.dumps(body)


# ---------------------------------------------------------------- Secrets Manager rotation
_RUNNING: dict[str, threading.Thread] = {}  # secret ARN -> its rotation in progress
_RUNNING_LOCK = threading.Lock()


def _rule_days(rules: dict[str, Any] | None) -> int | None:
    if not rules:
        return None
    if rules.get("AutomaticallyAfterDays"):
        return int(rules["AutomaticallyAfterDays"])
    m = re.fullmatch(r"rate\((\d+) days?\)", str(rules.get("ScheduleExpression") or "").strip())
    return int(m.group(1)) if m else None


def _invoke_step(lambda_backend: Any, function_arn: str, event: dict[str, Any]) -> dict[str, Any] | None:
    """Invoke the rotation function synchronously, as Secrets Manager does; the error, if any."""
    try:
        with LOCK:
            fn = lambda_backend.get_function(function_arn)
    except Exception as exc:  # noqa: BLE001  deleted since RotateSecret
        return {"errorType": "ResourceNotFoundException", "errorMessage": f"Function not found: {function_arn} ({exc})"}
    body = json.dumps(event).encode()
    if is_python(fn):
        inv = run(fn, body)
        return inv.error if inv.function_error else None
    headers: dict[str, Any] = {}
    try:
        payload = _ORIGINAL_INVOKE["invoke"](fn, body.decode(), {}, headers)  # moto's own (Docker) path
    except Exception as exc:  # noqa: BLE001
        return {"errorType": type(exc).__name__, "errorMessage": str(exc)}
    if headers.get("x-amz-function-error"):
        text = payload.decode() if isinstance(payload, bytes) else str(payload)
        return {"errorType": headers["x-amz-function-error"], "errorMessage": text[-1000:]}
    return None


def _rotate(backend: Any, secret: Any, function_arn: str, token: str, immediately: bool) -> None:
    """The background part of RotateSecret: the steps, then the bookkeeping and the events."""
    from moto.awslambda.utils import get_backend

    account, region, arn = backend.account_id, backend.region_name, secret.arn
    lambda_backend = get_backend(account, region)
    rotation_token = str(uuid.uuid4())
    steps = ROTATION_STEPS if immediately else ("testSecret",)
    prefix = "" if immediately else "Test"
    EVENTS.record(f"{prefix}RotationStarted", account=account, region=region, secret_arn=arn)
    failure = None
    try:
        for step in steps:
            event = {"Step": step, "SecretId": arn, "ClientRequestToken": token, "RotationToken": rotation_token}
            error = _invoke_step(lambda_backend, function_arn, event)
            if error is not None:
                failure = {"step": step, "clientRequestToken": token, "functionError": "Unhandled", **{k: error.get(k) for k in ("errorType", "errorMessage")}}
                break
        with LOCK:
            if not immediately:
                # the test version Secrets Manager created is removed again
                version = secret.versions.get(token)
                if version is not None and "AWSCURRENT" not in version["version_stages"]:
                    del secret.versions[token]
            elif failure is None:
                now = int(time.time())
                secret.last_rotation_date = now
                days = _rule_days(getattr(secret, "slipway_rotation_rules", None)) or secret.auto_rotate_after_days
                secret.next_rotation_date = now + int(days) * 86400 if days else None
        if failure is None:
            EVENTS.record(f"{prefix}RotationSucceeded", account=account, region=region, secret_arn=arn)
        else:
            LOG.warning("rotation of %s failed at %s: %s", arn, failure["step"], failure.get("errorMessage"))
            EVENTS.record(f"{prefix}RotationFailed", account=account, region=region, secret_arn=arn, details=failure)
    except Exception as exc:
        LOG.exception("rotation of %s failed", arn)
        EVENTS.record(f"{prefix}RotationFailed", account=account, region=region, secret_arn=arn, details={"errorMessage": str(exc)})
    finally:
        with _RUNNING_LOCK:
            _RUNNING.pop(arn, None)


def rotate_secret(
    self: Any,
    secret_id: str,
    client_request_token: str | None = None,
    rotation_lambda_arn: str | None = None,
    rotation_rules: dict[str, Any] | None = None,
    rotate_immediately: bool = True,
) -> str:
    """``SecretsManagerBackend.rotate_secret`` as AWS documents it (replaces moto's)."""
    from moto.moto_api._internal import mock_random
    from moto.secretsmanager.exceptions import (
        InvalidParameterException,
        InvalidRequestException,
        OperationNotPermittedOnReplica,
        ResourceExistsException,
        ResourceNotFoundException,
        SecretNotFoundException,
    )
    from moto.secretsmanager.models import ReplicaSecret

    with LOCK:
        if not self._is_valid_identifier(secret_id):
            raise SecretNotFoundException()
        secret = self.secrets[secret_id]
        if isinstance(secret, ReplicaSecret):
            raise OperationNotPermittedOnReplica
        if secret.is_deleted():
            raise InvalidRequestException("You tried to perform the operation on a secret that's currently marked deleted.")
        if rotation_lambda_arn and len(rotation_lambda_arn) > 2048:
            raise InvalidParameterException("RotationLambdaARN must <= 2048 characters long.")
        days = (rotation_rules or {}).get("AutomaticallyAfterDays")
        if days is not None and not 1 <= int(days) <= 1000:
            raise InvalidParameterException("RotationRules.AutomaticallyAfterDays must be within 1-1000.")
        function_arn = rotation_lambda_arn or secret.rotation_lambda_arn
        if not function_arn:
            raise InvalidRequestException(NO_ROTATION_FUNCTION)
        with _RUNNING_LOCK:
            running = secret.arn in _RUNNING
        pending = [vid for vid, v in secret.versions.items() if "AWSPENDING" in v["version_stages"] and "AWSCURRENT" not in v["version_stages"]]
        if running or pending:
            raise InvalidRequestException(PREVIOUS_ROTATION)
        from moto.awslambda.utils import get_backend

        try:
            get_backend(self.account_id, self.region_name).get_function(function_arn)
        except Exception:  # noqa: BLE001
            raise ResourceNotFoundException(f"Resource not found for ARN '{function_arn}'.") from None
        if client_request_token:
            self._client_request_token_validator(client_request_token)
            if client_request_token in secret.versions:
                raise ResourceExistsException(
                    f"You can't use ClientRequestToken {client_request_token} because that value is already in use for a version of secret {secret.arn}."
                )
        token = client_request_token or str(mock_random.uuid4())

        # the configuration
        secret.rotation_requested = True
        secret.rotation_lambda_arn = function_arn
        if rotation_rules:
            secret.slipway_rotation_rules = dict(rotation_rules)
            secret.auto_rotate_after_days = int(rotation_rules.get("AutomaticallyAfterDays") or _rule_days(rotation_rules) or 0)
        secret.rotation_enabled = True
        # scheduled from the last rotation; a rotation that succeeds reschedules from its own date
        days_next = _rule_days(getattr(secret, "slipway_rotation_rules", None)) or secret.auto_rotate_after_days
        base = int(time.time()) if rotate_immediately else secret.last_rotation_date or int(time.time())
        secret.next_rotation_date = base + int(days_next) * 86400 if days_next else None

        # the new version, labelled AWSPENDING: empty for a rotation (the function's
        # createSecret puts its value), a copy of AWSCURRENT for the test of a
        # configuration that is not rotated now (removed after testSecret)
        secret.remove_version_stages_from_old_versions(["AWSPENDING"])
        version: dict[str, Any] = {"createdate": int(time.time()), "version_id": token, "version_stages": ["AWSPENDING"]}
        if not rotate_immediately:
            current = secret.versions.get(secret.default_version_id or "") or {}
            for key in ("secret_string", "secret_binary"):
                if key in current:
                    version[key] = current[key]
        secret.versions[token] = version

        request = {"secretId": secret_id, "clientRequestToken": token, "rotateImmediately": bool(rotate_immediately)}
        if rotation_lambda_arn:
            request["rotationLambdaARN"] = rotation_lambda_arn
        if rotation_rules:
            request["rotationRules"] = {k[0].lower() + k[1:]: v for k, v in rotation_rules.items()}
        EVENTS.record(
            "RotateSecret",
            account=self.account_id,
            region=self.region_name,
            secret_arn=secret.arn,
            event_type="AwsApiCall",
            request=request,
            response={"arn": secret.arn, "name": secret.name, "versionId": token},
        )
        worker = threading.Thread(
            target=_rotate, args=(self, secret, function_arn, token, bool(rotate_immediately)), daemon=True, name=f"rotation-{secret.name}"
        )
        with _RUNNING_LOCK:
            _RUNNING[secret.arn] = worker
        worker.start()
        return json.dumps({"ARN": secret.arn, "Name": secret.name, "VersionId": token})


# ---------------------------------------------------------------- install
_ORIGINAL_INVOKE: dict[str, Any] = {}


def install(port: int) -> None:
    """Patch moto (class level, once): python Invoke, RotateSecret, the staging
    labels after UpdateSecretVersionStage, DescribeSecret's rotation fields,
    CloudTrail LookupEvents, and /moto-api/reset."""
    global _INSTALLED
    _ENDPOINT["url"] = f"http://127.0.0.1:{port}"
    if _INSTALLED:
        return
    _INSTALLED = True

    from moto.awslambda.models import LambdaFunction
    from moto.cloudtrail.responses import CloudTrailResponse
    from moto.moto_api._internal.models import MotoAPIBackend
    from moto.secretsmanager.models import FakeSecret, SecretsManagerBackend

    orig_invoke = LambdaFunction.invoke
    _ORIGINAL_INVOKE["invoke"] = orig_invoke

    @functools.wraps(orig_invoke)
    def invoke(self: Any, body: Any, request_headers: Any, response_headers: Any) -> Any:
        if not is_python(self):
            return orig_invoke(self, body, request_headers, response_headers)
        return invoke_function(self, body, request_headers, response_headers)

    LambdaFunction.invoke = invoke  # type: ignore[method-assign]

    SecretsManagerBackend.rotate_secret = rotate_secret  # type: ignore[method-assign]

    # Moving AWSCURRENT (finishSecret) also moves what GetSecretValue answers without a stage.
    orig_stage = SecretsManagerBackend.update_secret_version_stage

    @functools.wraps(orig_stage)
    def update_secret_version_stage(self: Any, secret_id: str, version_stage: str, remove_from_version_id: str, move_to_version_id: str) -> Any:
        with LOCK:
            result = orig_stage(self, secret_id, version_stage, remove_from_version_id, move_to_version_id)
            if version_stage == "AWSCURRENT" and move_to_version_id:
                self.secrets[secret_id].set_default_version_id(move_to_version_id)
            return result

    SecretsManagerBackend.update_secret_version_stage = update_secret_version_stage  # type: ignore[method-assign]

    orig_to_dict = FakeSecret.to_dict

    @functools.wraps(orig_to_dict)
    def to_dict(self: Any) -> dict[str, Any]:
        out = orig_to_dict(self)
        if self.rotation_requested:
            rules = getattr(self, "slipway_rotation_rules", None)
            if rules:
                out["RotationRules"] = dict(rules)
            if not out.get("LastRotatedDate") or not self.rotation_enabled:
                out.pop("LastRotatedDate", None)
        if not self.rotation_enabled or not out.get("NextRotationDate"):
            out.pop("NextRotationDate", None)
        return out

    FakeSecret.to_dict = to_dict  # type: ignore[method-assign]

    CloudTrailResponse.lookup_events = _lookup_events  # type: ignore[attr-defined]

    orig_reset = MotoAPIBackend.reset

    @functools.wraps(orig_reset)
    def reset(self: Any) -> None:
        orig_reset(self)
        EVENTS.clear()
        with _RUNNING_LOCK:
            _RUNNING.clear()

    MotoAPIBackend.reset = reset  # type: ignore[method-assign]
