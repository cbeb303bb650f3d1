# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runbook framework: preflight checks, a plan, confirmation, steps with read-back, resume, audit, RTO clock.

A ``Runbook`` is an ordered list of ``Step``s. Every step says what it would call (``plan``), does it (``run``)
and reads the result back (``verify``); a step is completed only once its read-back passed. ``execute`` drives one
run:

1. preflight: the runbook's ``Check``s, reads only, each PASS / FAIL / ERROR with its evidence; any non-PASS stops
   the run before a write;
2. the plan: every remaining step with the API calls and parameters it would make (check mode stops here);
3. confirmation: a run whose remaining steps include a ``destructive`` one needs ``confirm`` equal to the runbook's
   resource identifier;
4. the steps, each appended to the audit log (JSON lines: step, parameters, AWS request ids, outcome) and recorded
   in the state file (``runs_dir/RUN_ID/state.json``) so ``resume`` goes on from the last completed step;
5. the evidence report (JSON + Markdown): RTO from the declaration split into parts, per-step timings, RPO,
   what was verified, by whom, when.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from ansible_collections.slipway.aws.plugins.module_utils.aws import Aws, call, is_write
from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError, PreflightError, SlipwayError

PASS, FAIL, ERROR = "PASS", "FAIL", "ERROR"
# Tags on every resource a run creates: the run's id, and (drills) when a sweep may remove it.
RUN_TAG, EXPIRY_TAG = "slipway:dr-run-id", "slipway:drill-expires-at"
# Parameters never written to the audit log, the state file or the plan.
SECRET_PARAMS = ("MasterUserPassword", "SecretString", "Password", "password")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z") if value else None


def parse_time(value: Any) -> dt.datetime:
    """An ISO 8601 time (``Z`` or an offset; a naive time is UTC) or a datetime, as an aware UTC datetime."""
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        text = str(value).strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError as exc:
            raise PreflightError(f"not an ISO 8601 time: {value!r} (e.g. 2026-11-30T12:00:00Z)") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def redact(params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in params.items():
        if key in SECRET_PARAMS:
            out[key] = "********"
        elif isinstance(value, dt.datetime):
            out[key] = iso(value)
        elif isinstance(value, dict):
            out[key] = redact(value)
        else:
            out[key] = value
    return out


class RunbookError(SlipwayError):
    """A run stopped: ``kind`` says why (PreflightFailed, ConfirmationRefused, StepFailed, VerifyFailed, ...)."""

    def __init__(self, kind: str, message: str, step: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.step = step


class VerifyFailed(RunbookError):
    def __init__(self, message: str, step: str | None = None) -> None:
        super().__init__("VerifyFailed", message, step)


@dataclass
class Check:
    """One preflight check: PASS, FAIL (the input or the state forbids the run) or ERROR (could not tell)."""

    name: str
    status: str
    evidence: str

    def line(self) -> str:
        return f"{self.status:<5} {self.name}: {self.evidence}"


@dataclass
class PlannedCall:
    service: str
    operation: str
    params: dict[str, Any] = field(default_factory=dict)
    region: str | None = None  # another Region than the run's (a cross-Region copy, a replica)

    def as_dict(self) -> dict[str, Any]:
        out = {"call": f"{self.service}.{self.operation}", "params": redact(self.params)}
        if self.region:
            out["region"] = self.region
        return out


class Step:
    """One step of a runbook. ``rto_part`` names the part of the RTO that ends when the step is completed."""

    name = "step"
    description = ""
    destructive = False
    rto_part: str | None = None

    def plan(self, ctx: Context) -> list[PlannedCall]:
        return []

    def run(self, ctx: Context) -> dict[str, Any]:
        raise NotImplementedError

    def verify(self, ctx: Context) -> dict[str, Any]:
        """Read back what ``run`` did; raise VerifyFailed when it is not so. Returns the evidence."""
        raise NotImplementedError


class Runbook:
    """A runbook: its name, the resource a confirmation must name, the preflight checks, the steps, the report."""

    name = "runbook"
    title = "Runbook"
    # The parts of the RTO, in order; the last one reached is the achieved RTO.
    rto_parts: tuple[str, ...] = ()
    # The runbook's parameters: name -> {type: str|int|float|bool|list, required, default} (checked by the runner).
    params_spec: ClassVar[dict[str, dict[str, Any]]] = {}

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params
        # The run's AWS connection options (region, endpoint, credentials), for a runbook that starts another
        # Slipway path or program with the same connection (never logged).
        self.connection: dict[str, Any] = {}

    def resolve(self, ctx: Context) -> None:
        """Fix the run's inputs (defaults, resolved times) into ``ctx.state['inputs']`` before preflight."""

    def confirmation_identifier(self, ctx: Context) -> str:
        raise NotImplementedError

    def preflight(self, ctx: Context) -> list[Check]:
        return []

    def steps(self) -> list[Step]:
        return []

    def results(self, ctx: Context) -> dict[str, Any]:
        """What the report says beyond the framework's fields (RPO, verified facts, differences)."""
        return {}

    def already_done(self, ctx: Context) -> str | None:
        """The id of an earlier run that already brought about what this one asks (same runbook and parameters,
        its result still in place), or a reason in parentheses when the state already is what the run would make,
        so this run changes nothing; None to go on. Reads only; after ``resolve``."""
        return None

    def record(self, ctx: Context, status: str) -> dict[str, Any] | None:
        """Record the run's final ``status`` where others read it (e.g. a tag the compliance report checks); called
        once the steps began, after a drill's clean-up. Returns what was recorded (for the report)."""
        return None

    def drill_resources(self, ctx: Context) -> list[dict[str, str]]:
        """What this run created (so far) that a drill removes at its end, on every exit path: dicts with ``kind``
        (``rds_instance`` or ``rds_snapshot``), ``id`` and ``region``. Each must carry ``run_tags(ctx)``."""
        return []


def run_tags(ctx: Context) -> list[dict[str, str]]:
    """The tags a created resource carries: the run id, and for a drill (``drill`` parameter, default true) the expiry."""
    tags = [{"Key": RUN_TAG, "Value": ctx.state.data["run_id"]}]
    p = ctx.runbook.params
    if p.get("drill", True) and p.get("expires_in_hours"):
        expires = ctx.state.data.setdefault("expires_at", iso(parse_time(ctx.state.data["declared_at"]) + dt.timedelta(hours=int(p["expires_in_hours"]))))
        tags.append({"Key": EXPIRY_TAG, "Value": expires})
    return tags


# ------------------------------------------------------------------ the audit log and the state file
class AuditLog:
    """JSON lines, append-only: one line per event (the file is only ever opened for appending)."""

    def __init__(self, path: str | None, run_id: str, actor: str) -> None:
        self.path, self.run_id, self.actor = path, run_id, actor

    def write(self, event: str, **fields: Any) -> None:
        if not self.path:
            return
        line = {"ts": iso(utcnow()), "run_id": self.run_id, "actor": self.actor, "event": event, **fields}
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, default=str, sort_keys=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())


class RunState:
    """``runs_dir/RUN_ID/state.json``: inputs, completed steps with their outputs and timings, the clock."""

    def __init__(self, path: str | None, data: dict[str, Any]) -> None:
        self.path, self.data = path, data

    @classmethod
    def load(cls, path: str) -> RunState:
        with open(path, encoding="utf-8") as handle:
            return cls(path, json.load(handle))

    def save(self) -> None:
        if not self.path:
            return
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(self.data, handle, indent=2, default=str)
            handle.write("\n")
        os.replace(tmp, self.path)

    @property
    def completed(self) -> dict[str, Any]:
        return self.data.setdefault("completed", {})


class RtoClock:
    """Seconds since the declaration, for each part of the RTO as it is reached."""

    def __init__(self, declared_at: dt.datetime, parts: dict[str, str] | None = None) -> None:
        self.declared_at = declared_at
        self.parts: dict[str, str] = dict(parts or {})

    def mark(self, part: str) -> float:
        now = utcnow()
        self.parts[part] = iso(now) or ""
        return self.elapsed(part)

    def elapsed(self, part: str) -> float:
        return round((parse_time(self.parts[part]) - self.declared_at).total_seconds(), 3)

    def as_dict(self, order: tuple[str, ...]) -> dict[str, Any]:
        parts = {p: {"at": self.parts.get(p), "seconds": self.elapsed(p) if p in self.parts else None} for p in order}
        reached = [v["seconds"] for v in parts.values() if v["seconds"] is not None]
        return {"declared_at": iso(self.declared_at), "parts": parts, "achieved_seconds": max(reached) if reached else None}


# ------------------------------------------------------------------ the context every step gets
@dataclass
class Context:
    aws: Aws
    runbook: Runbook
    state: RunState
    audit: AuditLog
    emit: Callable[[str], None]
    check_mode: bool = False
    resuming: bool = False
    step: str | None = None
    reports_dir: str = ""

    def earlier_run(self, run_id: str) -> dict[str, Any] | None:
        """The state file of an earlier run in this reports directory, or None."""
        try:
            return RunState.load(os.path.join(self.reports_dir, "runs", run_id, "state.json")).data
        except (OSError, ValueError):
            return None

    @property
    def inputs(self) -> dict[str, Any]:
        return self.state.data.setdefault("inputs", {})

    @property
    def outputs(self) -> dict[str, Any]:
        """Everything completed steps recorded (``outputs[step_name]``)."""
        return {name: done.get("outputs", {}) for name, done in self.state.completed.items()}

    def call(self, service: str, operation: str, /, region: str | None = None, **params: Any) -> dict[str, Any]:
        """One API call (in ``region``, default the run's); a write is refused in check mode and every write is in the
        audit log with its Region and request id."""
        from botocore import xform_name  # pylint: disable=import-outside-toplevel

        method = xform_name(operation)
        write = is_write(operation)
        where = region or self.aws.region
        if write and self.check_mode:
            raise RunbookError("CheckMode", f"{service}.{operation} is a write; check mode makes none", self.step)
        try:
            response = call(self.aws.client(service, region), method, **params)
        except AwsError as exc:
            if write:
                self.audit.write("call", step=self.step, call=f"{service}.{operation}", region=where, params=redact(params), outcome="error", error=str(exc))
            raise
        if write:
            request_id = (response.get("ResponseMetadata") or {}).get("RequestId")
            self.audit.write("call", step=self.step, call=f"{service}.{operation}", region=where, params=redact(params), outcome="ok", request_id=request_id)
        return response


# ------------------------------------------------------------------ one run
@dataclass
class Options:
    reports_dir: str
    run_id: str | None = None
    resume: bool = False
    confirm: str | None = None
    targets: dict[str, Any] = field(default_factory=dict)
    actor: str = "unknown"
    declared_at: str | None = None
    prices: dict[str, Any] = field(default_factory=dict)


def new_run_id(runbook: str) -> str:
    return f"{runbook}-{utcnow().strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:6]}"


def _proc_stat(pid: Any) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state first), or None when there is no such process."""
    try:
        with open(f"/proc/{int(pid)}/stat", encoding="utf-8") as handle:
            return handle.read().rsplit(")", 1)[1].split()
    except (OSError, TypeError, ValueError, IndexError):
        return None


def holder() -> dict[str, Any]:
    """This process as the holder of a run: host, pid and its start time (so a reused pid is not taken for it)."""
    fields = _proc_stat(os.getpid())
    return {"host": socket.gethostname(), "pid": os.getpid(), "started": fields[19] if fields else None}


def holder_alive(held: dict[str, Any]) -> bool | None:
    """Whether the holder process still runs: None when it ran on another host (this host cannot tell)."""
    if held.get("host") != socket.gethostname() or not held.get("pid"):
        return None
    fields = _proc_stat(held["pid"])
    if fields is None:
        if not os.path.isdir("/proc"):  # no procfs: ask the kernel (a zombie then counts as alive)
            try:
                os.kill(int(held["pid"]), 0)
            except ProcessLookupError:
                return False
            except (PermissionError, TypeError, ValueError):
                return True
            return True
        return False
    # a zombie (killed, its parent gone, never reaped) is not running; a reused pid has another start time
    return fields[0] != "Z" and (held.get("started") is None or fields[19] == held["started"])


def _open_state(runbook: Runbook, opts: Options, check_mode: bool) -> tuple[RunState, bool]:
    runs_dir = os.path.join(opts.reports_dir, "runs")
    if opts.resume:
        if not opts.run_id:
            raise RunbookError("BadInput", "resume needs the run id (-e run_id=...; it is printed by every run and in the report)")
        path = os.path.join(runs_dir, opts.run_id, "state.json")
        if not os.path.exists(path):
            raise RunbookError("BadInput", f"no run {opts.run_id} to resume: {path} does not exist")
        state = RunState.load(path)
        if state.data.get("runbook") != runbook.name:
            raise RunbookError("BadInput", f"run {opts.run_id} is a {state.data.get('runbook')} run, not {runbook.name}")
        if state.data.get("status") == "succeeded":
            raise RunbookError("BadInput", f"run {opts.run_id} already succeeded; nothing to resume")
        held = state.data.get("holder") or {}
        if state.data.get("status") == "running" and holder_alive(held):
            raise RunbookError("BadInput", f"run {opts.run_id} is still running (pid {held.get('pid')}); wait for it or stop it first")
        if (state.data.get("drill") or {}).get("removed"):
            raise RunbookError("BadInput", f"run {opts.run_id} was a drill and its resources were removed when it stopped; start the drill again")
        if check_mode:
            state.path = None
        return state, True
    run_id = opts.run_id or new_run_id(runbook.name)
    path = os.path.join(runs_dir, run_id, "state.json")
    if os.path.exists(path):
        raise RunbookError("BadInput", f"run {run_id} exists already ({path}); resume it with -e resume=true, or choose another run id")
    declared = parse_time(opts.declared_at) if opts.declared_at else utcnow()
    data = {"run_id": run_id, "runbook": runbook.name, "declared_at": iso(declared), "actor": opts.actor, "params": runbook.params, "status": "new"}
    return RunState(None if check_mode else path, data), False


def execute(runbook: Runbook, aws: Aws, opts: Options, check_mode: bool, emit: Callable[[str], None]) -> dict[str, Any]:
    """One run of ``runbook``; returns the result (``failed`` set on failure). Never raises a SlipwayError."""
    state, resuming = _open_state(runbook, opts, check_mode)
    state.data.setdefault("targets", dict(opts.targets))
    run_id = state.data["run_id"]
    run_dir = os.path.join(opts.reports_dir, "runs", run_id)
    if not check_mode:
        os.makedirs(run_dir, exist_ok=True)
        state.save()
    audit = AuditLog(None if check_mode else os.path.join(run_dir, "audit.jsonl"), run_id, opts.actor)
    clock = RtoClock(parse_time(state.data["declared_at"]), state.data.get("rto_parts"))
    ctx = Context(aws, runbook, state, audit, emit, check_mode=check_mode, resuming=resuming, reports_dir=opts.reports_dir)
    result: dict[str, Any] = {"run_id": run_id, "runbook": runbook.name, "changed": False, "check_mode": check_mode, "resumed": resuming}
    emit(f"run {run_id} ({'resumed' if resuming else 'declared'} {state.data['declared_at']}, by {opts.actor})")
    audit.write("resume" if resuming else "declare", params=runbook.params, declared_at=state.data["declared_at"])

    # 1. preflight (reads only); a run whose result an earlier run already brought about changes nothing
    done_by = None
    try:
        if not resuming:
            runbook.resolve(ctx)
            done_by = runbook.already_done(ctx)
        checks = [] if done_by else runbook.preflight(ctx)
    except Exception as exc:  # noqa: BLE001  any failure of a check is an ERROR with its message, before a write
        checks = [Check("preflight", ERROR, f"{type(exc).__name__}: {exc}")]
    if done_by:
        by = done_by if done_by.startswith("(") else f"run {done_by}"
        emit(f"already done by {by} (same runbook and parameters, its result in place): nothing to change")
        audit.write("already_done", by=done_by)
        result.update(already_done_by=done_by, msg=f"{runbook.title}: already done by {by}; nothing changed")
        if not check_mode:
            _finish(ctx, result, "already_done", clock, opts)
        return result
    for check in checks:
        emit(f"preflight {check.line()}")
    result["preflight"] = [asdict(c) for c in checks]
    audit.write("preflight", checks=result["preflight"])
    bad = [c for c in checks if c.status != PASS]
    if bad:
        result.update(failed=True, error="PreflightFailed", msg="preflight failed, nothing was changed: " + "; ".join(c.line() for c in bad))
        _finish(ctx, result, "preflight_failed", clock, opts)
        return result

    # 2. the plan
    steps = runbook.steps()
    remaining = [s for s in steps if s.name not in state.completed]
    plan = []
    for step in steps:
        ctx.step = step.name
        done = step.name in state.completed
        try:
            calls = [] if done else [c.as_dict() for c in step.plan(ctx)]
        except SlipwayError as exc:
            calls = [{"call": "?", "params": {}, "note": str(exc)}]
        plan.append({"step": step.name, "description": step.description, "destructive": step.destructive, "done": done, "calls": calls})
        emit(f"plan  {step.name}{' (done)' if done else ''}: {step.description}")
        for c in calls:
            where = f" in {c['region']}" if c.get("region") else ""
            emit(f"        {c['call']}{where} {json.dumps(c['params'], default=str, sort_keys=True)}")
    ctx.step = None
    result["plan"] = plan
    if check_mode:
        from ansible_collections.slipway.aws.plugins.module_utils.dr import drill  # pylint: disable=import-outside-toplevel

        try:
            would = drill.orphans(ctx, opts.reports_dir, run_id)
        except AwsError as exc:
            would = []
            emit(f"sweep could not list drill resources: {exc}")
        for r in would:
            emit(f"sweep would remove {r['kind']} {r['id']} ({r['region']}) of run {r['run_id']}: {r['why']}")
        result["sweep"] = would
        result["msg"] = f"check mode: preflight passed; {len(remaining)} step(s) would run, nothing was changed"
        return result

    # 3. confirmation before the first destructive step
    if any(s.destructive for s in remaining):
        wanted = runbook.confirmation_identifier(ctx)
        if (opts.confirm or "") != wanted:
            given = f"got {opts.confirm!r}" if opts.confirm else "none given"
            audit.write("confirmation", outcome="refused", wanted=wanted, given=opts.confirm)
            result.update(
                failed=True,
                error="ConfirmationRefused",
                msg=f"confirmation refused ({given}): type the identifier {wanted} (-e confirm={wanted}); nothing was changed",
            )
            _finish(ctx, result, "refused", clock, opts)
            return result
        audit.write("confirmation", outcome="accepted", identifier=wanted)

    # 4. the sweep of what killed drills left behind, then the steps (a drill's resources are removed on every exit)
    state.data.update(status="running", holder=holder())
    state.save()
    from ansible_collections.slipway.aws.plugins.module_utils.dr import drill  # pylint: disable=import-outside-toplevel

    try:
        swept = drill.sweep(ctx, opts.reports_dir, run_id)
    except AwsError as exc:
        swept = {"swept": [], "left": [], "error": str(exc)}
        emit(f"sweep could not list drill resources: {exc}")
    state.data.setdefault("sweeps", []).append(swept)
    restore = _terminate_as_interrupt()
    try:
        return _steps(ctx, remaining, result, clock, opts)
    except KeyboardInterrupt:
        _shield()
        state.completed.pop(ctx.step or "", None)
        state.data.setdefault("failures", []).append({"step": ctx.step, "at": iso(utcnow()), "error": "interrupted", "kind": "Interrupted"})
        audit.write("interrupt", step=ctx.step, outcome="interrupted")
        ctx.step = None
        emit("FAIL  interrupted")
        result.update(failed=True, changed=True, error="Interrupted", msg=f"interrupted. Resume: -e resume=true -e run_id={run_id}")
        _finish(ctx, result, "interrupted", clock, opts)
        return result
    finally:
        restore()


def _terminate_as_interrupt() -> Callable[[], None]:
    """SIGTERM ends the run the way Ctrl-C does (report written, a drill's resources removed); returns the undo."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    signal.signal(signal.SIGTERM, interrupt)

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore


def _shield() -> None:
    """Once interrupted, further SIGINT / SIGTERM (a second Ctrl-C, multiprocessing terminating its children at exit)
    must not cut the clean-up and the report short; SIGKILL still can, and the next run's sweep covers that."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _steps(ctx: Context, remaining: list[Step], result: dict[str, Any], clock: RtoClock, opts: Options) -> dict[str, Any]:
    state, audit, emit, run_id = ctx.state, ctx.audit, ctx.emit, ctx.state.data["run_id"]
    timings = state.data.setdefault("timings", {})
    for step in remaining:
        ctx.step = step.name
        started = time.monotonic()
        emit(f"step  {step.name}: {step.description}")
        audit.write("step", step=step.name, outcome="started")
        try:
            outputs = step.run(ctx) or {}
            state.completed.setdefault(step.name, {})["pending_outputs"] = outputs
            evidence = step.verify(ctx) or {}
        except Exception as exc:  # noqa: BLE001  recorded, reported, resumable
            kind = exc.kind if isinstance(exc, RunbookError) else type(exc).__name__
            seconds = round(time.monotonic() - started, 3)
            state.completed.pop(step.name, None)
            state.data.setdefault("failures", []).append({"step": step.name, "at": iso(utcnow()), "error": str(exc), "kind": kind})
            audit.write("step", step=step.name, outcome="failed", error=str(exc), kind=kind, seconds=seconds)
            emit(f"FAIL  {step.name} after {seconds}s: {exc}")
            result.update(
                failed=True,
                changed=True,
                error=kind,
                step=step.name,
                msg=f"step {step.name} failed: {exc}. Fix the cause, then resume: -e resume=true -e run_id={run_id}",
            )
            _finish(ctx, result, "failed", clock, opts)
            return result
        seconds = round(time.monotonic() - started, 3)
        timings[step.name] = seconds
        state.completed[step.name] = {"at": iso(utcnow()), "seconds": seconds, "outputs": outputs, "evidence": evidence}
        if step.rto_part:
            clock.mark(step.rto_part)
            state.data["rto_parts"] = clock.parts
        state.save()
        audit.write("step", step=step.name, outcome="completed", seconds=seconds, evidence=evidence)
        emit(f"ok    {step.name} in {seconds}s (read back: {json.dumps(evidence, default=str, sort_keys=True)})")
        result["changed"] = True
    ctx.step = None
    _finish(ctx, result, "succeeded", clock, opts)
    return result


def _finish(ctx: Context, result: dict[str, Any], status: str, clock: RtoClock, opts: Options) -> None:
    from ansible_collections.slipway.aws.plugins.module_utils.dr import drill, report  # pylint: disable=import-outside-toplevel

    state = ctx.state
    started = state.data.get("status") == "running" and not ctx.check_mode  # the steps began: something may exist
    if ctx.runbook.params.get("drill") and started:
        ctx.step = None
        removed = drill.cleanup(ctx, state.data["run_id"])
        removed["cost"] = drill.cost(removed["removed"], opts.prices)
        state.data["drill"] = removed
        ctx.emit(f"drill cost {removed['cost']['total']} {removed['cost']['currency']} at list prices ({len(removed['removed'])} resource(s) removed)")
        if removed["left"]:
            names = ", ".join(f"{r['kind']} {r['id']}" for r in removed["left"])
            status = "failed"
            result.update(failed=True, changed=True, error="DrillCleanupFailed", msg=f"drill resources left behind: {names}; the next run sweeps them")
    if status == "succeeded" or state.completed:
        try:
            extra = ctx.runbook.results(ctx)
        except SlipwayError as exc:
            extra = {"results_error": str(exc)}
    else:
        extra = {}
    evidence = report.build(ctx, result, status, clock, opts.targets, extra)
    if evidence.get("targets_failed") and status == "succeeded":
        status = "targets_missed"
        evidence["status"] = status
        result.update(failed=True, error="TargetsMissed", msg="the run completed but missed its targets: " + "; ".join(evidence["targets_failed"]))
    if started:
        try:
            evidence["recorded"] = ctx.runbook.record(ctx, status)
        except AwsError as exc:
            evidence["recorded"] = {"error": str(exc)}
            ctx.emit(f"FAIL  could not record the outcome: {exc}")
            result.update(failed=True, error="RecordFailed", msg=f"the run ended {status} but its outcome could not be recorded: {exc}")
        evidence["aws_calls"] = ctx.aws.counter.as_dict()  # with the recording's calls
    state.data["status"] = status
    if not ctx.check_mode:
        state.save()
        paths = report.write(opts.reports_dir, evidence)
        result["report"] = paths
        ctx.audit.write("finish", outcome=status, report=paths)
        ctx.emit(f"report {paths['json']} / {paths['markdown']}")
    result["evidence"] = evidence
    result["status"] = status
    if status == "succeeded":
        result["msg"] = f"{ctx.runbook.title}: succeeded (run {result['run_id']})"
