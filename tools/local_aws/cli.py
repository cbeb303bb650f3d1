"""`tools/local-aws` command line: up, down, status, reset, push-image, calls, faults, edge-url, serve."""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from . import faults
from .config import ACCOUNT_ID, REGION, Settings, repo_root, state_dir
from .images import BEHAVIOURS, SERVICE_RE, TAG_RE, Behaviour, build_manifest, manifest_digest


class CliError(Exception):
    exit_code = 1


class UsageError(CliError):
    """Bad command-line input (exit 2, like argparse)."""

    exit_code = 2


def run_quietly_on_closed_pipe(handler: Any, settings: Settings, args: argparse.Namespace) -> int:
    """Run a command; when its reader goes away (`tools/local-aws status | head -1`) stop printing quietly.

    The command's exit code stands if it got that far (output is flushed at the
    end); a pipe closed in the middle of a command ends it with 0, like `head`'s
    writer on a shell without pipefail."""
    rc = 0
    try:
        rc = handler(settings, args)
        sys.stdout.flush()
    except BrokenPipeError:
        try:  # the interpreter's final flush would complain about the closed pipe again
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except OSError:
            pass
    return rc


def endpoint(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.port}"


def pid_file() -> Path:
    return state_dir() / "emulator.pid"


def log_file() -> Path:
    return state_dir() / "emulator.log"


def read_pid() -> int | None:
    try:
        pid = int(pid_file().read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def is_ready(settings: Settings, timeout: float = 1.0) -> bool:
    url = endpoint(settings) + "/moto-api/state-manager/get-transition?model_name=ecs::task"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def log_tail(lines: int = 25) -> str:
    try:
        text = log_file().read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(text[-lines:])


def client(service: str, settings: Settings) -> Any:
    import boto3

    return boto3.client(
        service,
        endpoint_url=endpoint(settings),
        region_name=REGION,
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
    )


# ---------------------------------------------------------------- commands
def check_ports(settings: Settings) -> None:
    """Stop on a port setting that cannot work; warn about a risky one (stderr)."""
    errors, warnings = settings.port_problems()
    for problem in warnings:
        print(f"local-aws: warning: {problem}", file=sys.stderr)
    if errors:
        raise UsageError("\n".join(errors))


def ready_report(settings: Settings) -> dict[str, Any] | None:
    """The running emulator's ``/_slipway/ready``: its ALB listeners and whether each is served."""
    try:
        with urllib.request.urlopen(endpoint(settings) + "/_slipway/ready", timeout=5) as resp:
            return json.loads(resp.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def unserved_listeners(settings: Settings, settle: bool = True) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """``(report, listeners not served)``; a listener created a moment ago gets a few ticks to be bound."""
    deadline = time.monotonic() + (settings.tick * 3 + 1 if settle else 0)
    while True:
        report = ready_report(settings)
        if report is None:
            return None, []
        missing = [item for item in report.get("listeners", []) if not item.get("served")]
        pending = [item for item in missing if str(item.get("error", "")).startswith("not bound yet")]
        if not pending or time.monotonic() >= deadline:
            return report, missing
        time.sleep(0.1)


def describe_unserved(missing: list[dict[str, Any]]) -> str:
    return "; ".join(f"{m['load_balancer']} {m['protocol']}:{m['port']} on 127.0.0.1:{m['local_port']} ({m.get('error') or 'not served'})" for m in missing)


def cmd_up(settings: Settings, _args: argparse.Namespace) -> int:
    check_ports(settings)
    pid = read_pid()
    if pid and is_ready(settings):
        _report, missing = unserved_listeners(settings)
        if missing:
            raise CliError(
                f"emulator on {endpoint(settings)} is running, but listener(s) are not served: {describe_unserved(missing)}. "
                "Free the port(s) (the emulator retries every 5 s) or restart with another SLIPWAY_LISTENER_PORT_BASE."
            )
        print(endpoint(settings))
        return 0
    if pid:
        # our process exists but does not answer (starting or wedged): give it a moment
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if is_ready(settings):
                print(endpoint(settings))
                return 0
            time.sleep(0.2)
        raise CliError(
            f"emulator pid {pid} is running but not answering on {endpoint(settings)}; try `tools/local-aws down`.\n--- {log_file()} ---\n{log_tail()}"
        )
    if port_in_use(settings.port):
        raise CliError(f"port 127.0.0.1:{settings.port} is already in use by another process; stop it or set SLIPWAY_EMULATOR_PORT")
    state_dir().mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    tools_dir = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = tools_dir + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["SLIPWAY_EMULATOR_STATE_DIR"] = str(state_dir())
    with open(log_file(), "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "local_aws.cli", "serve"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
    pid_file().write_text(str(proc.pid))
    deadline = time.monotonic() + settings.start_timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pid_file().unlink(missing_ok=True)
            raise CliError(f"emulator exited during start (code {proc.returncode}).\n--- {log_file()} ---\n{log_tail()}")
        if is_ready(settings):
            print(endpoint(settings))
            return 0
        time.sleep(0.1)
    _terminate(proc.pid, 5)
    raise CliError(f"emulator did not become ready within {settings.start_timeout:g}s.\n--- {log_file()} ---\n{log_tail()}")


def _terminate(pid: int, grace: float) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def cmd_down(settings: Settings, _args: argparse.Namespace) -> int:
    pid = read_pid()
    if pid is None:
        pid_file().unlink(missing_ok=True)
        print("emulator is not running")
        return 0
    # 30 s: a clean stop includes each RDS cluster's fast shutdown and the removal of its files, which took
    # more than 10 s on a loaded machine (the SIGKILL then left the data directories in /tmp).
    _terminate(pid, float(os.environ.get("SLIPWAY_STOP_TIMEOUT", "30")))
    # reap if it is our child (it is not, normally: start_new_session)
    pid_file().unlink(missing_ok=True)
    (state_dir() / "emulator.json").unlink(missing_ok=True)
    tfstate = repo_root() / "terraform" / "environments" / "local" / "terraform.tfstate"
    stale = f"; {tfstate.relative_to(repo_root())} still lists them" if tfstate.exists() else ""
    print(
        f"emulator stopped (pid {pid}); its emulated state (Terraform-applied resources, pushed images, fault rules) "
        f"lived in memory and is discarded{stale}: after the next `tools/local-aws up`, run `make foundation` again"
    )
    return 0


def cmd_status(settings: Settings, _args: argparse.Namespace) -> int:
    pid = read_pid()
    if pid is None or not is_ready(settings):
        state = "not running" if pid is None else f"pid {pid} not answering"
        print(f"emulator: {state} ({endpoint(settings)})")
        return 1
    from botocore.exceptions import BotoCoreError, ClientError

    rc = 0
    print(f"emulator: running  endpoint {endpoint(settings)}  pid {pid}  region {REGION}  account {ACCOUNT_ID}")
    print(webhook_status_line())
    report, missing = unserved_listeners(settings)
    if report is None:
        print(f"listeners: unknown ({endpoint(settings)}/_slipway/ready does not answer; an emulator of an older version? restart it)")
        rc = 1
    else:
        by_lb: dict[str, list[dict[str, Any]]] = {}
        for item in report.get("listeners", []):
            by_lb.setdefault(item["load_balancer"], []).append(item)
        if not by_lb:
            print("load balancers: none")
        for name, items in by_lb.items():
            print(f"load balancer {name}")
            for lst in sorted(items, key=lambda i: i["port"]):
                serving = "" if lst["served"] else f"  (NOT SERVED: {lst.get('error') or 'not bound'})"
                print(f"  {name}  {lst['protocol']}:{lst['port']}  -> http://127.0.0.1:{lst['local_port']}{serving}")
        if report.get("fault_rules"):
            print(f"fault rules: {report['fault_rules']} active (`tools/local-aws faults list`)")
    edges = edge_report(settings)
    for dist_id, edge in (edges or {}).items():
        serving = "" if edge.get("served") else f"  (NOT SERVED: {edge.get('error') or 'not bound yet'})"
        print(f"distribution {dist_id} ({edge['domain']}) -> {edge['url']}{serving}")
    try:
        ecs = client("ecs", settings)
        clusters = ecs.list_clusters().get("clusterArns", [])
        if not clusters:
            print("clusters: none")
        for carn in clusters:
            name = carn.split("/")[-1]
            print(f"cluster {name}")
            arns = ecs.list_services(cluster=carn).get("serviceArns", [])
            for i in range(0, len(arns), 10):
                for svc in ecs.describe_services(cluster=carn, services=arns[i : i + 10])["services"]:
                    print(
                        f"  {svc['serviceName']:<24} {svc['status']:<8} desired {svc['desiredCount']}  "
                        f"running {svc['runningCount']}  pending {svc['pendingCount']}"
                    )
                    for dep in svc.get("deployments", []):
                        print(
                            f"    {dep['status']:<7} {dep['id']}  {dep.get('taskDefinition', '').split('/')[-1]}  "
                            f"{dep.get('rolloutState', '-')}  desired {dep.get('desiredCount')} "
                            f"running {dep.get('runningCount')} pending {dep.get('pendingCount')} "
                            f"failed {dep.get('failedTasks', 0)}"
                        )
    except (BotoCoreError, ClientError) as exc:  # e.g. a fault rule on ecs.*
        print(f"ecs: cannot list services: {exc}")
        rc = 1
    _errors, warnings = settings.port_problems()
    sys.stdout.flush()
    for problem in warnings:
        print(f"local-aws: warning: {problem}", file=sys.stderr)
    if missing:
        print(f"local-aws: not ready: listener(s) not served: {describe_unserved(missing)}", file=sys.stderr)
        rc = 1
    return rc


def edge_report(settings: Settings) -> dict[str, Any] | None:
    """The running emulator's ``/_slipway/edges``: per CloudFront distribution its loopback URL and domain."""
    try:
        with urllib.request.urlopen(endpoint(settings) + "/_slipway/edges", timeout=5) as resp:
            return json.loads(resp.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def cmd_edge_url(settings: Settings, args: argparse.Namespace) -> int:
    """The loopback URL that serves a CloudFront distribution (its edge)."""
    if not is_ready(settings):
        raise CliError(f"emulator is not running on {endpoint(settings)} (run `tools/local-aws up`)")
    deadline = time.monotonic() + settings.tick * 3 + 1  # a distribution created a moment ago gets a few ticks
    while True:
        edges = edge_report(settings) or {}
        edge = edges.get(args.distribution_id)
        if edge is not None and edge.get("served"):
            print(edge["url"])
            return 0
        if time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    if edge is None:
        known = ", ".join(edges) or "none"
        raise CliError(f"no CloudFront distribution {args.distribution_id} in the emulator (distributions: {known}); run terraform first")
    raise CliError(f"distribution {args.distribution_id} is not served on {edge['url']}: {edge.get('error') or 'not bound yet'}")


def cmd_reset(settings: Settings, _args: argparse.Namespace) -> int:
    if read_pid() is None or not is_ready(settings):
        raise CliError(f"emulator is not running on {endpoint(settings)}")
    req = urllib.request.Request(endpoint(settings) + "/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(req, timeout=30) as resp:
        if resp.status != 200:
            raise CliError(f"reset failed: HTTP {resp.status}")
    print("emulator state reset")
    return 0


def cmd_push_image(settings: Settings, args: argparse.Namespace) -> int:
    svc, tag = args.service, args.tag
    if not SERVICE_RE.match(svc):
        raise CliError(f"invalid service name {svc!r}: lowercase letters, digits and . _ - separators")
    if not TAG_RE.match(tag):
        raise CliError(f"invalid tag {tag!r}: 1-128 characters of letters, digits, '_', '.', '-', not starting with '.' or '-'")
    kind = "unhealthy" if args.unhealthy else "crash" if args.crash else "healthy"
    rate = args.error_rate or 0.0
    if not 0.0 <= rate <= 1.0:
        raise CliError(f"--error-rate must be between 0 and 1, got {rate:g}")
    latency = args.latency_ms or 0
    if latency < 0:
        raise CliError(f"--latency-ms must be >= 0, got {latency}")
    assert kind in BEHAVIOURS
    behaviour = Behaviour(kind, rate, latency, tag)
    if not is_ready(settings):
        raise CliError(f"emulator is not running on {endpoint(settings)} (run `tools/local-aws up`)")
    repo = f"slipway/{svc}"
    ecr = client("ecr", settings)
    try:
        ecr.describe_repositories(repositoryNames=[repo])
    except ecr.exceptions.RepositoryNotFoundException:
        raise CliError(f"ECR repository {repo} does not exist in the emulator; run terraform first") from None
    manifest = build_manifest(svc, tag, behaviour)
    digest = manifest_digest(manifest)
    try:
        resp = ecr.put_image(
            repositoryName=repo,
            imageManifest=manifest,
            imageManifestMediaType="application/vnd.oci.image.manifest.v1+json",
            imageTag=tag,
            imageDigest=digest,
        )
        digest = resp["image"]["imageId"]["imageDigest"]
    except ecr.exceptions.ImageAlreadyExistsException:
        pass  # same tag, same behaviour: already there
    except Exception as exc:  # noqa: BLE001  e.g. immutable tag
        raise CliError(f"put_image failed: {exc}") from None
    print(f"{repo}:{tag} {digest}")
    return 0


def format_calls(counts: dict[str, Any]) -> str:
    """The counter's answer as a table, most frequent operation first."""
    calls = counts.get("calls", {})
    lines = [f"API calls since {counts.get('since', '?')}: {counts.get('total', 0)}"]
    if calls:
        width = max(len("operation"), *(len(k) for k in calls))
        lines.append(f"  {'operation':<{width}}  {'count':>7}")
        for name, n in sorted(calls.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {name:<{width}}  {n:>7}")
    return "\n".join(lines)


def format_injected(injected: dict[str, Any]) -> str:
    """The fault rules' doings: per operation and kind, then per rule."""
    total = injected.get("total", 0)
    lines = [f"faults injected since {injected.get('since', '?')}: {total}"]
    ops = injected.get("operations") or {}
    if ops:
        width = max(len("operation"), *(len(k) for k in ops))
        lines.append(f"  {'operation':<{width}}  injected")
        for name, kinds in sorted(ops.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])):
            lines.append(f"  {name:<{width}}  " + ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items())))
    for rid, rule in (injected.get("rules") or {}).items():
        lines.append(f"  rule {rid} {rule.get('selector')} {rule.get('kind')}: {rule.get('count', 0)}")
    return "\n".join(lines)


def cmd_calls(settings: Settings, args: argparse.Namespace) -> int:
    if not is_ready(settings):
        raise CliError(f"emulator is not running on {endpoint(settings)}")
    req = urllib.request.Request(endpoint(settings) + "/_slipway/calls", method="DELETE" if args.reset else "GET")
    with urllib.request.urlopen(req, timeout=10) as resp:
        counts = json.loads(resp.read())
    print(format_calls(counts))
    if counts.get("injected"):
        print(format_injected(counts["injected"]))
    if args.reset:
        print("(counter and injected counts reset)")
    return 0


def describe_rule(rule: dict[str, Any]) -> str:
    how = f"rate {rule['rate']:g}" + (f" seed {rule['seed']}" if rule.get("seed") is not None else "") if rule.get("rate") is not None else ""
    if rule.get("count") is not None:
        how = f"count {rule['count']} ({rule.get('remaining', 0)} left)"
    extra = ""
    if rule.get("latency_ms"):
        extra += f"  latency {rule['latency_ms']} ms"
    if rule.get("status"):
        extra += f"  status {rule['status']}"
    if rule.get("match"):
        extra += "  match " + " ".join(f"{k}={v}" for k, v in rule["match"].items())
    return f"{rule['id']}  {rule['selector']}  {rule['kind']}  {how}{extra}  injected {rule.get('injected', 0)} of {rule.get('matched', 0)} matching"


def cmd_faults(settings: Settings, args: argparse.Namespace) -> int:
    ep = endpoint(settings)
    spec: dict[str, Any] = {}
    if args.action == "set":
        spec = {"selector": args.selector, "kind": args.kind, "rate": args.rate, "count": args.count, "seed": args.seed, "latency_ms": args.latency_ms or 0}
        if args.status is not None:
            spec["status"] = args.status
        if args.match:
            pairs = [m.partition("=") for m in args.match]
            if any(not sep for _k, sep, _v in pairs):
                raise UsageError("faults set: --match takes PARAMETER=GLOB, e.g. --match 'SecretId=*app/db*'")
            spec["match"] = {k: v for k, _sep, v in pairs}
        try:
            faults.validate(spec)
        except faults.FaultError as exc:
            raise UsageError(f"faults set: {exc}") from None
    if not is_ready(settings):
        raise CliError(f"emulator is not running on {ep} (run `tools/local-aws up`)")
    try:
        if args.action == "set":
            rule = faults.set_fault(ep, **spec)
            print(describe_rule(rule))
        elif args.action == "clear":
            removed = faults.clear_faults(ep, args.id)
            print(f"removed {len(removed)} fault rule(s)" + (": " + " ".join(r["id"] for r in removed) if removed else ""))
        else:
            listing = faults.list_faults(ep)
            rules = listing.get("rules", [])
            print(f"fault rules: {len(rules)}")
            for rule in rules:
                print(f"  {describe_rule(rule)}")
            print(format_injected(listing.get("injected", {})))
    except faults.FaultError as exc:
        raise CliError(f"faults {args.action}: {exc}") from None
    return 0


# ---------------------------------------------------------------- traffic and notifications
def _slipway_request(settings: Settings, path: str, method: str = "GET", body: Any = None) -> Any:
    """Call one of the emulator's ``/_slipway/...`` endpoints; the JSON answer."""
    if not is_ready(settings):
        raise CliError(f"emulator is not running on {endpoint(settings)} (run `tools/local-aws up`)")
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(endpoint(settings) + path, method=method, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=15) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        try:
            detail = json.loads(exc.read()).get("error", "")
        except ValueError:
            detail = ""
        raise CliError(f"{method} {path}: HTTP {exc.code} {detail}".rstrip()) from None


def _forward_target_groups(rule: dict[str, Any]) -> list[str]:
    arns: list[str] = []
    for action in rule.get("Actions") or []:
        if action.get("Type") != "forward":
            continue
        if action.get("TargetGroupArn"):
            arns.append(action["TargetGroupArn"])
        arns.extend(g["TargetGroupArn"] for g in (action.get("ForwardConfig") or {}).get("TargetGroups") or [])
    return arns


def _host_values(rule: dict[str, Any]) -> list[str]:
    values: list[str] = []
    for cond in rule.get("Conditions") or []:
        if cond.get("Field") == "host-header":
            values.extend((cond.get("HostHeaderConfig") or {}).get("Values") or cond.get("Values") or [])
    return values


def resolve_service(settings: Settings, service: str, listener: int | None = None) -> tuple[int, str]:
    """``(listener port, host header)`` of SERVICE, read from the ELBv2 API.

    Convention (Slipway's ecs module): a listener rule with a ``host-header``
    condition forwards to target groups named ``SERVICE-blue``/``SERVICE-green``
    (optionally prefixed: ``local-SERVICE-blue``). The production listener is
    the lowest-port listener with such a rule; ``listener`` picks another
    (e.g. the test listener, 9000)."""
    elb = client("elbv2", settings)
    names: dict[str, str] = {}
    for page in elb.get_paginator("describe_target_groups").paginate():
        names.update({tg["TargetGroupArn"]: tg["TargetGroupName"] for tg in page["TargetGroups"]})
    wanted = (f"{service}-blue", f"{service}-green")

    def ours(name: str) -> bool:
        return any(name == w or name.endswith("-" + w) for w in wanted)

    found: list[tuple[int, str]] = []
    for page in elb.get_paginator("describe_load_balancers").paginate():
        for lb in page["LoadBalancers"]:
            if lb.get("Type", "application") != "application":
                continue
            for lst in elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]:
                for rule in elb.describe_rules(ListenerArn=lst["ListenerArn"])["Rules"]:
                    if not any(ours(names.get(arn, "")) for arn in _forward_target_groups(rule)):
                        continue
                    hosts = [h for h in _host_values(rule) if "*" not in h and "?" not in h]
                    if hosts:
                        found.append((int(lst["Port"]), hosts[0]))
    if listener is not None:
        found = [f for f in found if f[0] == listener]
    if not found:
        where = f" on listener port {listener}" if listener is not None else ""
        raise CliError(
            f"no listener rule{where} with a host-header condition forwards to {wanted[0]}/{wanted[1]} target groups "
            "(run terraform first, or give --listener PORT and --host HOST)"
        )
    return min(found)


def format_traffic(jobs: list[dict[str, Any]]) -> str:
    """Per job: target, then requests sent, answers by status class, errors."""
    if not jobs:
        return "no traffic"
    lines = []
    for j in jobs:
        state = "running" if j.get("running") else "stopped"
        lines.append(f"traffic {j['name']}  {j['rps']:g} rps  {j['method']} {j['url']}  Host {j['host']}  {state} {j['seconds']:.1f}s")
        answered = j.get("answered") or {}
        classes = "  ".join(f"{k} {answered.get(k, 0)}" for k in ("2xx", "3xx", "4xx", "5xx"))
        lines.append(f"  sent {j['sent']}  {classes}  errors {j['errors']}  skipped {j['skipped']}")
        if j.get("last_error"):
            lines.append(f"  last error: {j['last_error']}")
    return "\n".join(lines)


def cmd_traffic(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "start":
        if args.host and args.listener is not None:
            port, host = args.listener, args.host
        else:
            port, host = resolve_service(settings, args.service, args.listener)
            host = args.host or host
        path = args.path if args.path.startswith("/") else "/" + args.path
        name = args.name or (args.service if args.listener is None else f"{args.service}@{port}")
        spec = {
            "name": name,
            "url": f"http://127.0.0.1:{settings.listener_port_base + port}{path}",
            "host": host,
            "rps": args.rps,
            "method": args.method,
        }
        if args.duration:
            spec["duration"] = args.duration
        job = _slipway_request(settings, "/_slipway/traffic", "POST", spec)["job"]
        print(format_traffic([job]))
        return 0
    if args.action == "stop":
        suffix = "/" + urllib.parse.quote(args.name, safe="") if args.name else ""
        stopped = _slipway_request(settings, "/_slipway/traffic" + suffix, "DELETE")["stopped"]
        print(format_traffic(stopped) if stopped else "no traffic to stop")
        return 0
    jobs = _slipway_request(settings, "/_slipway/traffic")["jobs"]
    print(json.dumps(jobs, indent=1) if args.json else format_traffic(jobs))
    return 0


def webhook_info() -> dict[str, Any]:
    """The webhook receiver's port and URL from the state file ``emulator.json`` (empty when unknown)."""
    try:
        info = json.loads((state_dir() / "emulator.json").read_text())
    except (OSError, ValueError):
        return {}
    return {k: info[k] for k in ("webhook_port", "webhook_url", "webhook_error") if info.get(k)}


def webhook_status_line() -> str:
    info = webhook_info()
    if info.get("webhook_port"):
        return f"webhook: http://127.0.0.1:{info['webhook_port']}/slack/<anything>  (`tools/local-aws notifications` lists what it received)"
    return f"webhook: off ({info.get('webhook_error', 'SLIPWAY_WEBHOOK_PORT=0 or not started')})"


def cmd_notifications(settings: Settings, args: argparse.Namespace) -> int:
    from .webhook import format_messages

    answer = _slipway_request(settings, "/_slipway/notifications", "DELETE" if args.clear else "GET")
    messages = answer.get("cleared" if args.clear else "messages", [])
    print(json.dumps(messages, indent=1) if args.json else format_messages(messages))
    if args.clear and not args.json:
        print("(notifications cleared)")
    return 0


def cmd_ecr_findings(settings: Settings, args: argparse.Namespace) -> int:
    """Seed, list or forget the ECR scan results of the emulator's basic scanning (``/_slipway/ecr/scan-findings``)."""
    path = "/_slipway/ecr/scan-findings"
    if args.action == "list":
        print(json.dumps(_slipway_request(settings, path), indent=1))
        return 0
    if args.action == "clear":
        print(f"seeds cleared: {_slipway_request(settings, path, 'DELETE')['cleared']}")
        return 0
    findings = []
    for spec in args.finding or []:
        parts = spec.split(":")
        if len(parts) < 2:
            raise CliError(f"--finding {spec!r}: write CVE:SEVERITY[:PACKAGE[:VERSION]], e.g. CVE-2024-1234:HIGH:openssl:1.1.1k")
        findings.append(dict(zip(("name", "severity", "package_name", "package_version"), parts, strict=False)))
    image = {"imageDigest": args.image} if args.image.startswith("sha256:") else {"imageTag": args.image}
    body = {"repository": args.repository, **image, "status": args.status, "findings": findings}
    print(json.dumps(_slipway_request(settings, path, "POST", body), indent=1))
    return 0


def add_ecr_findings_parser(sub: Any) -> None:
    ecr = sub.add_parser("ecr-findings", help="seed what an image's ECR scan ends with (findings, FAILED, ...); list or clear seeds")
    esub = ecr.add_subparsers(dest="action", required=True)
    seed = esub.add_parser("seed", help="REPOSITORY IMAGE (tag or sha256:digest) [--status S] [--finding CVE:SEVERITY[:PACKAGE[:VERSION]]]...")
    seed.add_argument("repository")
    seed.add_argument("image", help="a tag, or a digest sha256:...")
    seed.add_argument("--status", default="COMPLETE", help="COMPLETE (default), FAILED, UNSUPPORTED_IMAGE, FINDINGS_UNAVAILABLE, IN_PROGRESS (never completes)")
    seed.add_argument("--finding", action="append", metavar="CVE:SEVERITY[:PACKAGE[:VERSION]]", help="a finding (repeatable)")
    esub.add_parser("list", help="the scans and seeds")
    esub.add_parser("clear", help="forget every seed")


def add_traffic_notifications_parsers(sub: Any) -> None:
    traffic = sub.add_parser("traffic", help="steady synthetic requests to a service through its listener")
    tsub = traffic.add_subparsers(dest="action", required=True)
    start = tsub.add_parser("start", help="start (or replace) traffic to SERVICE")
    start.add_argument("service")
    start.add_argument("--rps", type=float, default=10.0, help="requests per second (default 10)")
    start.add_argument("--path", default="/", help="request path (default /)")
    start.add_argument("--listener", type=int, metavar="PORT", help="listener port (default: the production listener, the lowest-port one routing SERVICE)")
    start.add_argument("--host", help="Host header (default: the listener rule's host-header value)")
    start.add_argument("--method", default="GET")
    start.add_argument("--duration", type=float, metavar="S", help="stop by itself after S seconds")
    start.add_argument("--name", help="job name (default SERVICE, or SERVICE@PORT with --listener)")
    stop = tsub.add_parser("stop", help="stop one job (NAME, default all)")
    stop.add_argument("name", nargs="?")
    status = tsub.add_parser("status", help="requests sent, answers by status class, errors, per job")
    status.add_argument("--json", action="store_true")
    notes = sub.add_parser("notifications", help="messages the webhook receiver got (Slack, SNS HTTP subscriptions)")
    notes.add_argument("--json", action="store_true", help="the full records as JSON")
    notes.add_argument("--clear", action="store_true", help="print, then forget them")


def cmd_serve(settings: Settings, _args: argparse.Namespace) -> int:
    from .server import serve

    return serve(settings)


def cmd_get(settings: Settings, args: argparse.Namespace) -> int:
    """One request to SERVICE through its listener, as a user's browser would send it."""
    if not is_ready(settings):
        raise CliError(f"emulator is not running on {endpoint(settings)} (run `tools/local-aws up`)")
    port, host = resolve_service(settings, args.service, args.listener)
    url = f"http://127.0.0.1:{settings.listener_port_base + port}{args.path}"
    req = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            status, body = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        raise CliError(f"GET {url} (Host {host}) failed: {exc}") from None
    print(f"HTTP {status}  GET {url}  Host {host}")
    print(body.decode(errors="replace"))
    return 0 if status < 400 else 1


def cmd_endpoint(settings: Settings, _args: argparse.Namespace) -> int:
    """The emulator's URL from the one address setting (what make exports as AWS_ENDPOINT_URL)."""
    print(endpoint(settings))
    return 0


def cmd_webhook_url(settings: Settings, _args: argparse.Namespace) -> int:
    """The Slack-style URL of the notifications receiver (what the local Slack secret holds)."""
    from .webhook import slack_url, webhook_port

    port = webhook_port(settings.port)
    if port == 0:
        raise CliError("the notifications receiver is off (SLIPWAY_WEBHOOK_PORT=0)")
    print(slack_url(port))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="local-aws", description="Slipway local AWS emulator")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="start the emulator (idempotent) and print its endpoint")
    sub.add_parser("down", help="stop the emulator (idempotent)")
    sub.add_parser("status", help="show endpoint, listeners and services; non-zero when not running")
    sub.add_parser("reset", help="wipe all emulated state")
    sub.add_parser("serve", help="run the emulator in the foreground")
    sub.add_parser("endpoint", help="print the emulator's URL (SLIPWAY_EMULATOR_PORT or AWS_ENDPOINT_URL; they must agree)")
    sub.add_parser("webhook-url", help="print the notifications receiver's Slack-style URL")
    edge_url = sub.add_parser("edge-url", help="print the loopback URL that serves a CloudFront distribution (its edge)")
    edge_url.add_argument("distribution_id")
    get = sub.add_parser("get", help="one request to SERVICE through its production listener (or --listener PORT); non-zero on 4xx/5xx")
    get.add_argument("service")
    get.add_argument("path", nargs="?", default="/")
    get.add_argument("--listener", type=int, metavar="PORT", help="the listener's port (e.g. 9000, the test listener)")
    calls = sub.add_parser("calls", help="AWS API requests served, by service.Operation")
    calls.add_argument("--reset", action="store_true", help="print the counts, then reset them")
    push = sub.add_parser("push-image", help="put an image with a declared behaviour into slipway/SERVICE")
    push.add_argument("service")
    push.add_argument("tag")
    group = push.add_mutually_exclusive_group()
    group.add_argument("--unhealthy", action="store_true", help="every request (and health check) gets 503")
    group.add_argument("--crash", action="store_true", help="the container exits with code 1 shortly after start")
    push.add_argument("--error-rate", type=float, metavar="R", help="fraction 0..1 of requests answered 500")
    push.add_argument("--latency-ms", type=int, metavar="N", help="delay every answer by N ms")
    fault = sub.add_parser("faults", help="inject AWS-shaped faults (throttle, 5xx, 5xx-after, access-denied, latency) into chosen operations")
    fault_sub = fault.add_subparsers(dest="action", required=True)
    fset = fault_sub.add_parser("set", help="add a rule: SELECTOR --kind K (--rate R [--seed S] | --count N) [--latency-ms N] [--status 500|503]")
    fset.add_argument("selector", help="SERVICE.OPERATION with globs, e.g. ecs.*, elbv2.ModifyRule, elasticloadbalancing.*, dynamodb.PutItem")
    fset.add_argument("--kind", required=True, metavar="K", help=f"one of {', '.join(faults.KINDS)}")
    fset.add_argument("--rate", type=float, metavar="R", help="probability 0..1 that a matching call gets the fault")
    fset.add_argument("--seed", type=int, metavar="S", help="seed the rate's random draws (deterministic runs)")
    fset.add_argument("--count", type=int, metavar="N", help="the next N matching calls get the fault")
    fset.add_argument("--latency-ms", type=int, metavar="N", help="delay in ms (kind latency; with another kind, the error comes after the delay)")
    fset.add_argument("--status", type=int, metavar="500|503", help="HTTP status of kinds 5xx and 5xx-after (default 500)")
    fset.add_argument("--match", action="append", metavar="PARAM=GLOB", help="only requests whose parameter PARAM matches GLOB (repeatable): SecretId=*app/db*")
    fclear = fault_sub.add_parser("clear", help="remove the rule ID, or all rules")
    fclear.add_argument("id", nargs="?", help="a rule id from `faults list` (default: all)")
    fault_sub.add_parser("list", help="the rules and what they injected")
    add_traffic_notifications_parsers(sub)
    add_ecr_findings_parser(sub)
    args = parser.parse_args(argv)
    handlers = {
        "up": cmd_up,
        "down": cmd_down,
        "status": cmd_status,
        "reset": cmd_reset,
        "serve": cmd_serve,
        "push-image": cmd_push_image,
        "calls": cmd_calls,
        "faults": cmd_faults,
        "endpoint": cmd_endpoint,
        "webhook-url": cmd_webhook_url,
        "get": cmd_get,
        "edge-url": cmd_edge_url,
    }
    handlers.update({"traffic": cmd_traffic, "notifications": cmd_notifications})
    handlers["ecr-findings"] = cmd_ecr_findings
    try:
        settings = Settings.from_env()
        return run_quietly_on_closed_pipe(handlers[args.command], settings, args)
    except CliError as exc:
        print(f"local-aws: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
