# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The on-call rotation of one PostgreSQL secret (``playbooks/rotate_secret.yml``, module ``secret_rotate``).

Around the core (``pg_rotation.rotate_all`` / ``cleanup``, the same code the rotation Lambda runs):

1. ``check`` -- the options, before anything is read: a clear error for a value out of range.
2. ``plan`` -- read only: the secret's state (``rotation_state``; the audit's ``stuck_pending`` is a
   version that is AWSPENDING and not AWSCURRENT), the strategy, the role that would get a new
   password, whether AWSCURRENT logs in, the consumers that would be restarted. Check mode stops here.
3. ``rotate`` (or resume, or cleanup) under the core's rotation lock.
4. ``verify`` -- the new AWSCURRENT logs in; for a single user the previous password no longer does.
5. ``restart`` -- the ECS services whose task definitions take the secret get a new deployment
   (``forceNewDeployment``) so they read the new value: of a blue/green pair only the live colour
   (the production rule's weights, as the release reads them), and none whose release lease is held
   (a release in progress must not be disturbed: it is skipped and named).

Nothing here puts a secret value into a message or a result: the core's errors carry names and codes
only, and the result carries version ids, role names and states.
"""

from __future__ import annotations

import datetime
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils import traffic
from ansible_collections.slipway.aws.plugins.module_utils.aws import Aws, call, paginate
from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError, PreflightError, SlipwayError
from ansible_collections.slipway.aws.plugins.module_utils.ledger import Lease
from ansible_collections.slipway.aws.plugins.module_utils.secrets import audit
from ansible_collections.slipway.aws.plugins.module_utils.secrets import pg_rotation as core

STRATEGIES = ("auto", core.SINGLE, core.ALTERNATING)
PASSWORD_LENGTH_RANGE = (20, 128)
CONNECT_TIMEOUT_RANGE = (1, 60)
MAX_AGE_RANGE = (0, 366 * 86400)
# The audit's name for a version that is AWSPENDING and not AWSCURRENT (plugins/module_utils/secrets/audit.py).
STUCK = "stuck_pending"


class RotateError(SlipwayError):
    """The rotation failed or was refused; ``state`` is the secret's state afterwards (when it could be read)."""

    def __init__(self, message: str, *, kind: str, state: dict[str, Any] | None = None, step: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.state = state
        self.step = step


@dataclass
class Options:
    secret: str
    strategy: str = "auto"
    grants: list[dict[str, Any]] = field(default_factory=list)
    owner_role: str | None = None
    resume: bool = False
    cleanup: bool = False
    token: str | None = None
    rotate_if_older_than: int = 0
    password_length: int = core.PASSWORD_LENGTH
    connect_timeout: float = 5
    ca_file: str | None = None
    verify: bool = True
    restart: bool = False
    cluster: str | None = None
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    deployment_table: str | None = None

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Options:
        return cls(**{k: params[k] for k in cls.__dataclass_fields__ if k in params and params[k] is not None})


def _in_range(name: str, value: float, bounds: tuple[float, float], unit: str = "") -> None:
    low, high = bounds
    if not low <= value <= high:
        raise PreflightError(f"{name}={value} is out of range: between {low} and {high}{unit}. Fix: -e {name}=<a value in range> (or leave it out)")


def check(opts: Options) -> None:
    """Every option, before any call: a bad one is named with its fix."""
    if not opts.secret or not opts.secret.strip():
        raise PreflightError("secret is empty. Fix: -e secret=NAME (the secret's name or ARN)")
    if opts.strategy not in STRATEGIES:
        raise PreflightError(
            f"strategy {opts.strategy!r} is not one of {', '.join(STRATEGIES)}. Fix: leave it out (auto: alternating when the secret has masterarn)"
        )
    if opts.resume and opts.cleanup:
        raise PreflightError("resume and cleanup exclude each other. Fix: -e resume=true to finish the half-done rotation, or -e cleanup=true to abandon it")
    _in_range("password_length", opts.password_length, PASSWORD_LENGTH_RANGE)
    _in_range("connect_timeout", opts.connect_timeout, CONNECT_TIMEOUT_RANGE, " s")
    _in_range("rotate_if_older_than", opts.rotate_if_older_than, MAX_AGE_RANGE, " s")
    if opts.token is not None and not 32 <= len(opts.token) <= 64:
        raise PreflightError("token must be 32 to 64 characters (a UUID): the new version's id")
    try:
        core.normalise_grants(opts.grants)
    except core.RotationError as exc:
        raise PreflightError(f"{exc.detail}. Fix: the secret's grants in inventories/<env>/group_vars/all/secrets_rotation.yml") from None
    if opts.restart:
        missing = [n for n in ("cluster", "deployment_table") if not getattr(opts, n)]
        if missing:
            raise PreflightError(f"restart needs {' and '.join(missing)} (the foundation's Terraform outputs). Fix: apply the foundation, or -e restart=false")


# ------------------------------------------------------------------ the core's settings
def core_options(opts: Options) -> dict[str, Any]:
    connect: Callable[..., Any] = core.default_connect
    if opts.ca_file:
        connect = functools.partial(core.default_connect, cafile=opts.ca_file)
    return {
        "connect": connect,
        "grants": opts.grants,
        "strategy": None if opts.strategy == "auto" else opts.strategy,
        "owner_role": opts.owner_role,
        "password_length": opts.password_length,
        "timeout": opts.connect_timeout,
    }


def _rot(sm: Any, opts: Options) -> Any:
    options = core_options(opts)
    return core._make(sm, opts.secret, options)  # pylint: disable=protected-access  # the core's own reader: parsing, redaction, error translation


def state_of(sm: Any, secret: str) -> dict[str, Any]:
    """The core's rotation_state with the audit's word for a half-done rotation."""
    state = core.rotation_state(sm, secret)
    state["audit_state"] = STUCK if state["state"] == "rotating" else "idle"
    return state


def _current_age(sm: Any, secret: str, current_version: str | None, now: float) -> float | None:
    """Seconds since the AWSCURRENT version was created (None when unknown)."""
    try:
        versions = sm.list_secret_version_ids(SecretId=secret, IncludeDeprecated=False).get("Versions", [])
    except Exception:  # noqa: BLE001  an age we cannot read means: rotate
        return None
    for version in versions:
        if version.get("VersionId") == current_version and isinstance(version.get("CreatedDate"), datetime.datetime):
            return now - version["CreatedDate"].timestamp()
    return None


# ------------------------------------------------------------------ consumers
def references(task_definition: dict[str, Any], secret_arn: str, secret_name: str) -> list[str]:
    """The containers of ``task_definition`` whose ``secrets`` take the secret: its full ARN, the ARN without
    the random suffix, or either with ``:json-key:version-stage:version-id`` after it, or its name."""
    found = []
    for container in task_definition.get("containerDefinitions", []):
        if any(audit.references(str(item.get("valueFrom", "")), secret_arn, secret_name) for item in container.get("secrets") or []):
            found.append(container.get("name", "?"))
    return found


def _pairs(services: dict[str, dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """ECS service name -> (catalogue service, colour) for every blue/green pair of the foundation's outputs."""
    found = {}
    for svc, out in services.items():
        for colour in traffic.COLOURS:
            name = out.get(f"{colour}_service_name")
            if name:
                found[name] = (svc, colour)
    return found


def _lease_holder(aws: Aws, table: str, service: str) -> dict[str, Any] | None:
    """The held (not expired) release lease of ``service``, or None."""
    lease = Lease(aws, table, service, release_id="", ttl=0).read()
    if lease and not lease["expired"]:
        return lease
    return None


def find_consumers(aws: Aws, opts: Options, secret_arn: str, secret_name: str) -> list[dict[str, Any]]:
    """What a restart would do, read only: one entry per consumer (a pair counts once), with ``action``
    ``restart`` (and the ECS service to restart) or ``skip`` and the reason."""
    ecs = aws.client("ecs")
    arns = list(paginate(ecs, "list_services", "serviceArns", cluster=opts.cluster))
    described: list[dict[str, Any]] = []
    for i in range(0, len(arns), 10):
        described += call(ecs, "describe_services", cluster=opts.cluster, services=arns[i : i + 10]).get("services", [])
    taskdefs: dict[str, dict[str, Any]] = {}
    users: dict[str, list[str]] = {}
    for svc in described:
        td_arn = svc.get("taskDefinition")
        if not td_arn or svc.get("status") != "ACTIVE":
            continue
        if td_arn not in taskdefs:
            taskdefs[td_arn] = call(ecs, "describe_task_definition", taskDefinition=td_arn)["taskDefinition"]
        containers = references(taskdefs[td_arn], secret_arn, secret_name)
        if containers:
            users[svc["serviceName"]] = containers
    pairs = _pairs(opts.services)
    result: list[dict[str, Any]] = []
    seen: set[str] = set()
    for name in sorted(users):
        svc, _colour = pairs.get(name, (name, None))
        if svc in seen:
            continue
        seen.add(svc)
        entry: dict[str, Any] = {"service": svc, "containers": users[name]}
        holder = _lease_holder(aws, opts.deployment_table, svc) if opts.deployment_table else None
        if holder:
            entry.update(
                action="skip",
                reason=f"release {holder['release_id']} by {holder['holder']} holds the release lease (since {holder['started_at']}): "
                "not disturbed; its new tasks read the new value when they start",
            )
            result.append(entry)
            continue
        out = opts.services.get(svc)
        if out is None:  # not a blue/green pair: the service itself
            entry.update(action="restart", ecs_service=name, colour=None)
            result.append(entry)
            continue
        rules = call(aws.client("elbv2"), "describe_rules", RuleArns=[out["prod_rule_arn"]]).get("Rules", [])
        arn_to_colour = {out["blue_target_group_arn"]: "blue", out["green_target_group_arn"]: "green"}
        weights = traffic.forward_weights(rules[0]["Actions"], arn_to_colour) if rules else {}
        live = traffic.live_colour(weights)
        if live is None:
            entry.update(
                action="skip", reason=f"production traffic is split {weights} (a release is under way or was abandoned): no single live colour to restart"
            )
        else:
            entry.update(action="restart", ecs_service=out[f"{live}_service_name"], colour=live)
        result.append(entry)
    return result


def restart(aws: Aws, opts: Options, consumers: list[dict[str, Any]], emit: Callable[[str], None]) -> list[dict[str, Any]]:
    ecs = aws.client("ecs")
    for entry in consumers:
        if entry["action"] != "restart":
            emit(f"consumer {entry['service']}: skipped: {entry['reason']}")
            continue
        # The lease again, just before the write: a release that started since the plan wins.
        holder = _lease_holder(aws, opts.deployment_table, entry["service"]) if opts.deployment_table else None
        if holder:
            entry.update(action="skip", reason=f"release {holder['release_id']} by {holder['holder']} took the release lease meanwhile: not disturbed")
            emit(f"consumer {entry['service']}: skipped: {entry['reason']}")
            continue
        response = call(ecs, "update_service", cluster=opts.cluster, service=entry["ecs_service"], forceNewDeployment=True)
        entry["action"] = "restarted"
        entry["deployment_id"] = next((d.get("id") for d in response["service"].get("deployments", []) if d.get("status") == "PRIMARY"), None)
        colour = f" ({entry['colour']}, the live colour)" if entry.get("colour") else ""
        emit(f"consumer {entry['service']}: new deployment of {entry['ecs_service']}{colour}")
    return consumers


# ------------------------------------------------------------------ verification
def verify(sm: Any, opts: Options, strategy: str) -> dict[str, Any]:
    """The new AWSCURRENT logs in; for a single user the AWSPREVIOUS password no longer does."""
    rot = _rot(sm, opts)
    rot.step = "verify"
    new = rot.read(stage=core.CURRENT)
    result: dict[str, Any] = {"new_login": rot.can_login(new), "username": new.username}
    try:
        old = rot.read(stage=core.PREVIOUS)
    except core.RotationError:
        old = None
    if old is not None:
        old_login = rot.can_login(old)
        result.update(old_username=old.username, old_login=old_login, old_login_expected=strategy == core.ALTERNATING)
    problems = []
    if not result["new_login"]:
        problems.append(f"the new AWSCURRENT credentials (role {new.username!r}) do not log in")
    if old is not None and strategy == core.SINGLE and result["old_login"]:
        problems.append(f"the previous password of role {old.username!r} still logs in")
    result["ok"] = not problems
    result["problems"] = problems
    return result


# ------------------------------------------------------------------ the run
def run(
    aws: Aws, opts: Options, *, check_mode: bool = False, emit: Callable[[str], None] | None = None, now: Callable[[], float] = time.time
) -> dict[str, Any]:
    """The whole on-call rotation; returns the module's result or raises RotateError / PreflightError."""
    say = emit or (lambda _line: None)
    check(opts)
    sm = aws.client("secretsmanager")
    rot = _rot(sm, opts)
    rot.step = "plan"
    try:
        before = state_of(sm, opts.secret)
        meta = rot.describe()
        current = rot.current()  # the secret's JSON, checked: a missing key is named here, before any write
        strategy = rot.strategy(current)
        if strategy == core.ALTERNATING:
            rot.master(current)
            rot.owner_role(current)
        current_logs_in = rot.can_login(current)  # an unreachable database raises here, before any write
    except core.RotationError as exc:
        raise RotateError(exc.detail, kind=type(exc).__name__, step="plan") from None
    secret_arn, secret_name = meta.get("ARN", opts.secret), meta.get("Name", opts.secret)
    result: dict[str, Any] = {
        "secret": secret_name,
        "arn": secret_arn,
        "strategy": strategy,
        "state_before": before,
        "current_logs_in": current_logs_in,
        "changed": False,
    }
    pending = before["pending_version"]
    if opts.cleanup:
        action = "cleanup" if pending else "nothing"
    elif pending and not (opts.resume or opts.token == pending):
        raise RotateError(
            f"secret {secret_name!r} has a rotation in progress ({STUCK}): version {pending} is AWSPENDING and not AWSCURRENT. "
            "Fix: -e resume=true to finish it, or -e cleanup=true to abandon it",
            kind="RotationInProgress",
            state=before,
            step="plan",
        )
    elif pending:
        action = "resume"
    else:
        action = "rotate"
        age = _current_age(sm, opts.secret, before["current_version"], now()) if opts.rotate_if_older_than else None
        if age is not None and age < opts.rotate_if_older_than:
            action = "nothing"
            result["skipped"] = f"AWSCURRENT is {int(age)} s old, younger than rotate_if_older_than={opts.rotate_if_older_than}"
    if not current_logs_in and action == "rotate" and strategy == core.SINGLE:
        raise RotateError(
            f"AWSCURRENT of {secret_name!r} (role {current.username!r}) does not log in: a single-user rotation changes the password as that role. "
            "Fix: put the working password into the secret, or rotate with a master secret (alternating users)",
            kind="AuthenticationFailed",
            state=before,
            step="plan",
        )
    role = core.partner_username(current.username) if strategy == core.ALTERNATING else current.username
    result["plan"] = {"action": action, "role": role if action in ("rotate", "resume") else None}
    consumers = []
    if opts.restart and action != "nothing" and action != "cleanup":
        consumers = find_consumers(aws, opts, secret_arn, secret_name)
    result["consumers"] = consumers
    say(
        f"secret {secret_name}: {strategy} user(s), state {before['audit_state']}, plan: {action}"
        + (f" (role {role})" if action in ("rotate", "resume") else "")
    )
    if check_mode or action == "nothing":
        result["state_after"] = before
        return result

    options = core_options(opts)
    try:
        if action == "cleanup":
            done = core.cleanup(sm, opts.secret, token=opts.token, **options)
            result.update(changed=done["changed"], version=done["version"], cleaned_up=True)
            say(f"cleanup: AWSPENDING removed from version {done['version']}; AWSCURRENT logs in")
        else:
            done = core.rotate_all(sm, opts.secret, token=opts.token, resume=action == "resume", **options)
            result.update(changed=done["changed"], version=done["version"], username=done["username"], resumed=done["resumed"], steps=done["steps"])
            say(f"rotated: version {done['version']} is AWSCURRENT (role {done['username']})" + (" (resumed)" if done["resumed"] else ""))
    except core.RotationError as exc:
        try:
            after = state_of(sm, opts.secret)
        except (core.RotationError, AwsError):
            after = None
        raise RotateError(exc.detail, kind=type(exc).__name__, state=after, step=exc.step) from None
    result["state_after"] = state_of(sm, opts.secret)
    if action != "cleanup" and opts.verify:
        try:
            result["verification"] = verify(sm, opts, strategy)
        except core.RotationError as exc:
            raise RotateError(f"verify: {exc.detail}", kind=type(exc).__name__, state=result["state_after"], step="verify") from None
        v = result["verification"]
        say(
            f"verified: the new credentials log in: {'yes' if v['new_login'] else 'NO'}"
            + (
                f"; the previous ones: {'yes' if v['old_login'] else 'no'} ({'expected' if v['old_login'] == v['old_login_expected'] else 'NOT expected'})"
                if "old_login" in v
                else ""
            )
        )
        if not v["ok"]:
            raise RotateError(
                f"the rotation finished but verification failed: {'; '.join(v['problems'])}",
                kind="VerificationFailed",
                state=result["state_after"],
                step="verify",
            )
    if consumers:
        result["consumers"] = restart(aws, opts, consumers, say)
    return result
