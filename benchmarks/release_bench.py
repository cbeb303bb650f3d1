#!/usr/bin/env python3
"""Release benchmarks: wall time and AWS API calls of Slipway releases, and of
the `ecs-deploy` CLI for comparison, against a private emulator stack.

    make bench                       # or: .venv/bin/python benchmarks/release_bench.py

Stands up its own emulator (port 4650, listener base 13000: outside the
kernel's ephemeral port range), a private copy of terraform/ + inventories/ +
lambdas/ applied with tools/tf, pushes images, runs the scenarios, prints
tables and writes them as JSON under benchmarks/results/. The emulator, the
copy and the apply are the test harness's (tests/support). Measures and
prints; never asserts a timing. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the test harness, tests/support
    sys.path.insert(0, str(ROOT))

from tests.support import BIN, SERVICES  # noqa: E402
from tests.support.emulator import Emulator, EmulatorError, port_in_use  # noqa: E402
from tests.support.processes import kill_tree  # noqa: E402
from tests.support.slack import SlackReceiver  # noqa: E402
from tests.support.terraform import LOCAL_ROOT, TerraformError, apply_foundation, copy_code  # noqa: E402

PORT = int(os.environ.get("SLIPWAY_BENCH_EMULATOR_PORT", "4650"))
# Served listener ports base + 80/443/9000 = 13080, 13443, 22000: below the ephemeral range.
LISTENER_BASE = int(os.environ.get("SLIPWAY_BENCH_LISTENER_BASE", "13000"))
ECS_DEPLOY_VENV = ROOT / ".venv-ecs-deploy"
ECS_DEPLOY_SPEC = os.environ.get("SLIPWAY_BENCH_ECS_DEPLOY", "ecs-deploy==1.17.0")
RESULTS = ROOT / "benchmarks" / "results"
# A foundation that does not apply within this long is reported, not waited for.
APPLY_TIMEOUT = float(os.environ.get("SLIPWAY_BENCH_APPLY_TIMEOUT", "600"))
# The long-wait scenario: seconds a task stays PENDING ("pulling its image") in the second stack.
LONG_PENDING = int(os.environ.get("SLIPWAY_BENCH_LONG_PENDING", "45"))
# botocore honours AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_<SERVICE>) from 1.31.0 on.
BOTOCORE_ENDPOINT_ENV = (1, 31, 0)
# Short waits: what is measured is Slipway's own work and polling, not bake time. A step bakes one second: at the
# local inventory's 30 verification requests a second that is enough answers (min_requests 20) to judge it. A zero
# bake has none, so every step would be INCONCLUSIVE and extended, and the bench would time the extension loop.
SHORT_WAITS = {"service_release_step_bake_seconds": 1, "service_release_scale_down_wait_seconds": 0}
# Slipway's health wait: from "waiting for N healthy target(s)" (after the scale-up's writes and their read-backs,
# as ecs-deploy's window starts after its own) to "gate health: PASS".
SLIPWAY_WAIT = (re.compile(r"waiting for \d+ healthy target"), re.compile(r"gate health: PASS"))
# ecs-deploy's wait: from its title to its verdict.
ECS_DEPLOY_WAIT = (re.compile(r"^Deploying new task definition"), re.compile(r"Deployment (successful|failed)"))


class BenchError(Exception):
    pass


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def is_write(operation: str) -> bool:
    """Same rule as Slipway's call counter: reads start with these verbs."""
    return not operation.split(".", 1)[-1].startswith(("Describe", "List", "Get", "BatchGet", "Query", "Scan"))


def diff_counts(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    out = {k: after.get(k, 0) - before.get(k, 0) for k in set(after) | set(before)}
    return {k: v for k, v in sorted(out.items()) if v}


def add_counts(parts: Iterable[dict[str, int]]) -> dict[str, int]:
    total: collections.Counter[str] = collections.Counter()
    for part in parts:
        total.update(part)
    return dict(sorted(total.items()))


# ------------------------------------------------------------------ processes
@dataclass
class Run:
    """One child process whose output lines are read (and timestamped) as they come."""

    proc: subprocess.Popen
    lines: list[tuple[float, str]] = field(default_factory=list)
    reader: threading.Thread | None = None

    @property
    def text(self) -> str:
        return "\n".join(line for _, line in self.lines)


# ------------------------------------------------------------------ results
@dataclass
class Result:
    scenario: str
    tool: str
    strategy: str
    wall: float
    calls: dict[str, int]  # emulator counter
    summary_calls: dict[str, int] | None  # Slipway's own counter (release summaries)
    ok: bool
    detail: str = ""
    wait_seconds: float | None = None
    wait_calls: dict[str, int] | None = None
    releases: int = 1
    module_seconds: float | None = None  # Slipway: time inside the release module (summary timings.total)

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def writes(self) -> int:
        return sum(v for k, v in self.calls.items() if is_write(k))

    @property
    def wait_reads(self) -> dict[str, int]:
        return {k: v for k, v in (self.wait_calls or {}).items() if not is_write(k)}

    @property
    def wait_rate(self) -> float | None:
        """Reads per minute of waiting (writes inside the window are the tool's own steps or lease renewals)."""
        if not self.wait_seconds or self.wait_calls is None:
            return None
        return sum(self.wait_reads.values()) / self.wait_seconds * 60


class Bench:
    def __init__(self, tmp: Path, foundation_rev: str | None = None) -> None:
        self.tmp = tmp
        self.foundation_rev = foundation_rev
        # The emulator's ports, state directory and the environment of every child (tests/support/emulator.py).
        self.emulator = Emulator(PORT, LISTENER_BASE, tmp / "emulator")
        self.endpoint = self.emulator.endpoint
        self.work = tmp / "work"
        self.inventory = self.work / "inventories" / "local"
        self.summaries = tmp / "releases"
        self.outputs: dict[str, Any] = {}
        self.children: list[subprocess.Popen] = []
        self.emulator_started = False
        self.slack: SlackReceiver | None = None
        self._clients: dict[str, Any] = {}
        self.notes: list[str] = []

    # -------------------------------------------------------------- helpers
    def run(self, cmd: list[str], timeout: float = 600, env: dict[str, str] | None = None) -> str:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env or self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.children.append(proc)
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_tree(proc)
            raise BenchError(f"{' '.join(cmd)} timed out after {timeout:.0f}s") from None
        except BaseException:
            kill_tree(proc)  # Ctrl-C / SIGTERM: the child goes first, then the teardown
            raise
        finally:
            self.children.remove(proc)
        if proc.returncode != 0:
            raise BenchError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{out[-3000:]}")
        return out

    def start(self, cmd: list[str], env: dict[str, str] | None = None, on_line: Callable[[str], None] | None = None) -> Run:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env or self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,  # Ctrl-C reaches the bench, which ends its children itself
        )
        self.children.append(proc)
        run = Run(proc)

        def read() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                line = line.rstrip("\n")
                run.lines.append((time.monotonic(), line))
                if on_line:
                    on_line(line)

        run.reader = threading.Thread(target=read, daemon=True)
        run.reader.start()
        return run

    def finish(self, run: Run, timeout: float) -> int:
        try:
            code = run.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            kill_tree(run.proc)
            code = -9
        except BaseException:
            kill_tree(run.proc)
            self.children.remove(run.proc)
            raise
        if run.reader:
            run.reader.join(10)
        self.children.remove(run.proc)
        return code

    @property
    def env(self) -> dict[str, str]:
        return self.emulator.env

    def client(self, service: str) -> Any:
        import boto3

        if service not in self._clients:
            self._clients[service] = boto3.client(
                service, endpoint_url=self.endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
            )
        return self._clients[service]

    def counter(self, reset: bool = False) -> dict[str, int]:
        return self.emulator.calls(reset=reset)

    # -------------------------------------------------------------- stack
    def setup(self, tunables: dict[str, str] | None = None) -> float:
        """Emulator + foundation + initial images; called again (with other tunables) it starts over."""
        started = time.monotonic()
        if not (ROOT / "collections" / "ansible_collections" / "slipway" / "aws").exists():
            raise BenchError("the collection is not linked into collections/; run `make setup` first")
        if shutil.which("terraform", path=self.env["PATH"]) is None:
            raise BenchError("terraform >= 1.6 is required on PATH")
        tfroot = self.work / LOCAL_ROOT
        if self.emulator_started:
            self.emulator.down()
            for state in tfroot.glob("terraform.tfstate*"):
                state.unlink()
        else:
            # terraform/, inventories/, lambdas/ (packaged), from the working tree or as committed at a revision
            # (e.g. while the working tree's are mid-change)
            try:
                copy_code(self.work, rev=self.foundation_rev)
            except (RuntimeError, subprocess.SubprocessError) as exc:
                raise BenchError(str(exc)) from None
        self._clients.clear()
        log(f"emulator on {self.endpoint} (listener base {LISTENER_BASE}{''.join(f', {k}={v}' for k, v in (tunables or {}).items())}), state in {self.tmp}")
        self.emulator_started = True
        try:
            self.emulator.up(extra_env=dict(tunables or {}))
        except EmulatorError as exc:
            raise BenchError(str(exc)) from None
        log("terraform init + apply (private copy of terraform/)")
        try:
            self.outputs = apply_foundation(self.work, self.env, timeout=APPLY_TIMEOUT).outputs
        except TerraformError as exc:
            raise BenchError(str(exc)) from None
        if self.slack is None:
            self.slack = SlackReceiver(preferred=PORT + 10, path="/services/T000/B000/bench")
        self.client("secretsmanager").put_secret_value(SecretId=self.outputs["slack_webhook_secret_arn"], SecretString=self.slack.url)
        log("pushing images")
        for name in SERVICES:
            self.push(name, "1.0.0")
        for name in SERVICES:
            self.settle(name, timeout=180)
        return time.monotonic() - started

    def push(self, service: str, tag: str) -> None:
        self.run([str(ROOT / "tools" / "local-aws"), "push-image", service, tag], timeout=60)

    def svc(self, name: str) -> dict[str, Any]:
        return self.outputs["services"][name]

    def live_colour(self, service: str) -> str:
        out = self.svc(service)
        rule = self.client("elbv2").describe_rules(RuleArns=[out["prod_rule_arn"]])["Rules"][0]
        for action in rule["Actions"]:
            for tg in action.get("ForwardConfig", {}).get("TargetGroups", []):
                if int(tg.get("Weight", 0)) == 100:
                    return "blue" if tg["TargetGroupArn"] == out["blue_target_group_arn"] else "green"
        raise BenchError(f"{service}: production traffic is split; a release was left half-done")

    def settle(self, service: str, timeout: float = 90) -> None:
        """Wait (uncounted) until the live colour runs its tasks healthy and the idle one runs none."""
        ecs, elb = self.client("ecs"), self.client("elbv2")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            live = self.live_colour(service)
            idle = "green" if live == "blue" else "blue"
            names = [self.svc(service)[f"{c}_service_name"] for c in (live, idle)]
            live_svc, idle_svc = ecs.describe_services(cluster=self.outputs["cluster_name"], services=names)["services"]
            health = elb.describe_target_health(TargetGroupArn=self.svc(service)[f"{live}_target_group_arn"])["TargetHealthDescriptions"]
            healthy = sum(1 for h in health if h["TargetHealth"]["State"] == "healthy")
            if (
                live_svc["runningCount"] >= live_svc["desiredCount"] > 0
                and healthy >= live_svc["desiredCount"]
                and len(live_svc["deployments"]) == 1
                and idle_svc["runningCount"] == 0
                and idle_svc["pendingCount"] == 0
            ):
                return
            time.sleep(0.5)
        raise BenchError(f"{service} did not settle within {timeout:.0f}s")

    def teardown(self) -> None:
        for proc in list(self.children):
            kill_tree(proc)
        if self.slack is not None:
            self.slack.close()
        if self.emulator_started:
            self.emulator.down()

    # -------------------------------------------------------------- Slipway
    def playbook_cmd(self, service: str, tag: str, strategy: str | None, settings: dict[str, Any] | None = None) -> list[str]:
        extra: dict[str, Any] = {"svc": service, "image_tag": tag, **SHORT_WAITS, **(settings or {}), "service_release_summary_dir": str(self.summaries)}
        if strategy:
            extra["strategy"] = strategy
        return [str(BIN / "ansible-playbook"), "playbooks/deploy_service.yml", "-i", str(self.inventory), "-v", "-e", json.dumps(extra)]

    @staticmethod
    def summary_of(run: Run) -> dict[str, Any] | None:
        m = re.search(r"summary: (\S+\.json)", run.text)
        if not m:
            return None
        return json.loads(Path(m.group(1)).read_text())

    @staticmethod
    def api_calls_of(run: Run) -> dict[str, int] | None:
        """The module result's api_calls, printed by `-v` (YAML) for runs without a summary file."""
        lines = run.text.splitlines()
        for i, line in enumerate(lines):
            if line.strip() == "api_calls:":
                indent = len(line) - len(line.lstrip())
                calls = {}
                for nxt in lines[i + 1 :]:
                    m = re.match(r"^(\s+)([\w.-]+\.[\w-]+): (\d+)\s*$", nxt)
                    if not m or len(m.group(1)) <= indent:
                        break
                    calls[m.group(2)] = int(m.group(3))
                return calls
        return None

    def release(self, scenario: str, service: str, tag: str, strategy: str | None = None, settings: dict[str, Any] | None = None) -> Result:
        self.settle(service, timeout=180)
        window: dict[str, Any] = {}

        def on_line(line: str) -> None:
            if "start" not in window and SLIPWAY_WAIT[0].search(line):
                window["start"] = (time.monotonic(), self.counter())
            elif "start" in window and "end" not in window and SLIPWAY_WAIT[1].search(line):
                window["end"] = (time.monotonic(), self.counter())

        self.counter(reset=True)
        log(f"{scenario}: release {service} {tag} ({strategy or 'catalogue strategy'})")
        t0 = time.monotonic()
        run = self.start(self.playbook_cmd(service, tag, strategy, settings), on_line=on_line)
        code = self.finish(run, timeout=420)
        wall = time.monotonic() - t0
        calls = self.counter()
        summary = self.summary_of(run)
        summary_calls = summary.get("api_calls") if summary else self.api_calls_of(run)
        outcome = summary.get("outcome") if summary else ("unchanged" if "nothing to do" in run.text else "?")
        result = Result(
            scenario=scenario,
            tool="slipway",
            strategy=(summary or {}).get("strategy") or strategy or "-",
            wall=wall,
            calls=calls,
            summary_calls=summary_calls,
            ok=code == 0,
            detail=outcome,
            module_seconds=float(summary["timings"]["total"]) if summary and "timings" in summary else None,
        )
        if "start" in window and "end" in window:
            result.wait_seconds = window["end"][0] - window["start"][0]
            result.wait_calls = diff_counts(window["end"][1], window["start"][1])
        if code != 0:
            self.notes.append(f"{scenario}: ansible-playbook exited {code}:\n{run.text[-2500:]}")
        return result

    def floor(self, service: str, tag: str) -> float:
        """The emulator's floor for one release, with no tool: the seconds from scaling the idle colour to the live
        colour's count on ``tag`` until its deployment is COMPLETED and that many targets are healthy (the part of
        any blue-green release that only the platform decides). Uncounted; the idle colour is scaled back after."""
        self.settle(service, timeout=180)
        ecs, elb = self.client("ecs"), self.client("elbv2")
        cluster = self.outputs["cluster_name"]
        live = self.live_colour(service)
        idle = "green" if live == "blue" else "blue"
        live_name, idle_name = (self.svc(service)[f"{c}_service_name"] for c in (live, idle))
        live_svc = ecs.describe_services(cluster=cluster, services=[live_name])["services"][0]
        count = int(live_svc["desiredCount"])
        td = ecs.describe_task_definition(taskDefinition=live_svc["taskDefinition"])["taskDefinition"]
        containers = [dict(c, image=f"{self.svc(service)['ecr_repository_url']}:{tag}") for c in td["containerDefinitions"]]
        keep = ("family", "taskRoleArn", "executionRoleArn", "networkMode", "requiresCompatibilities", "cpu", "memory", "volumes")
        new = ecs.register_task_definition(containerDefinitions=containers, **{k: td[k] for k in keep if td.get(k) is not None})
        arn = new["taskDefinition"]["taskDefinitionArn"]
        tg = self.svc(service)[f"{idle}_target_group_arn"]
        t0 = time.monotonic()
        ecs.update_service(cluster=cluster, service=idle_name, taskDefinition=arn, desiredCount=count)
        deadline = t0 + 180
        while True:
            svc = ecs.describe_services(cluster=cluster, services=[idle_name])["services"][0]
            primary = next((d for d in svc["deployments"] if d["status"] == "PRIMARY"), {})
            health = elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
            healthy = sum(1 for h in health if h["TargetHealth"]["State"] == "healthy")
            done = primary.get("taskDefinition") == arn and primary.get("rolloutState") == "COMPLETED"
            if done and primary.get("runningCount", 0) >= count and healthy >= count:
                break
            if time.monotonic() > deadline:
                raise BenchError(f"floor: {idle_name} did not run {count} healthy tasks of {tag} within 180 s")
            time.sleep(0.1)
        seconds = time.monotonic() - t0
        ecs.update_service(cluster=cluster, service=idle_name, desiredCount=0)
        self.settle(service, timeout=180)
        log(f"floor: {idle_name} to {count} healthy tasks of {tag} in {seconds:.1f} s")
        return seconds

    def releases(self, scenario: str, tag: str, parallel: bool) -> Result:
        for name in SERVICES:
            self.settle(name)
        self.counter(reset=True)
        log(f"{scenario}: {len(SERVICES)} services, {tag}, {'in parallel' if parallel else 'in sequence'}")
        t0 = time.monotonic()
        runs, codes = [], []
        if parallel:
            runs = [self.start(self.playbook_cmd(name, tag, None)) for name in SERVICES]
            codes = [self.finish(run, timeout=600) for run in runs]
        else:
            for name in SERVICES:
                runs.append(self.start(self.playbook_cmd(name, tag, None)))
                codes.append(self.finish(runs[-1], timeout=300))
        wall = time.monotonic() - t0
        calls = self.counter()
        summaries = [self.summary_of(run) for run in runs]
        for name, code, run in zip(SERVICES, codes, runs, strict=True):
            if code != 0:
                self.notes.append(f"{scenario} {name}: ansible-playbook exited {code}:\n{run.text[-2500:]}")
        totals = [float((s or {}).get("timings", {}).get("total", 0)) for s in summaries]
        result = Result(
            scenario=scenario,
            tool="slipway",
            strategy="catalogue",
            wall=wall,
            calls=calls,
            summary_calls=add_counts(s.get("api_calls", {}) for s in summaries if s) if all(summaries) else None,
            ok=all(c == 0 for c in codes),
            detail="all " + ("succeeded" if all(s and s.get("outcome") == "succeeded" for s in summaries) else "?"),
            releases=len(SERVICES),
            module_seconds=max(totals) if parallel else sum(totals),
        )
        self.notes.append(
            f"{scenario}: time inside the module per release (summary timings.total): "
            + ", ".join(f"{n} {t:.1f} s" for n, t in zip(SERVICES, totals, strict=True))
        )
        return result

    # -------------------------------------------------------------- ecs-deploy
    def ecs_deploy_ready(self) -> tuple[Path, str]:
        ecs = ECS_DEPLOY_VENV / "bin" / "ecs"
        py = ECS_DEPLOY_VENV / "bin" / "python"
        if not ecs.exists():
            log(f"creating {ECS_DEPLOY_VENV.name} with {ECS_DEPLOY_SPEC}")
            self.run([sys.executable, "-m", "venv", "--clear", str(ECS_DEPLOY_VENV)], timeout=300)
            self.run([str(ECS_DEPLOY_VENV / "bin" / "pip"), "install", "--quiet", ECS_DEPLOY_SPEC], timeout=600)
        probe = "import importlib.metadata as m; print(m.version('ecs-deploy'), m.version('boto3'), m.version('botocore'))"
        version, boto3_v, botocore_v = self.run([str(py), "-c", probe], timeout=60).split()
        pinned = ECS_DEPLOY_SPEC.partition("==")[2]
        if pinned and version != pinned:
            self.run([str(ECS_DEPLOY_VENV / "bin" / "pip"), "install", "--quiet", ECS_DEPLOY_SPEC], timeout=600)
            version, boto3_v, botocore_v = self.run([str(py), "-c", probe], timeout=60).split()
        if tuple(int(x) for x in re.findall(r"\d+", botocore_v)[:3]) < BOTOCORE_ENDPOINT_ENV:
            # Its boto3 predates AWS_ENDPOINT_URL support and ecs-deploy has no endpoint option.
            self.run([str(ECS_DEPLOY_VENV / "bin" / "pip"), "install", "--quiet", "boto3>=1.28.0", "botocore>=1.31.0"], timeout=600)
            self.notes.append(f"ecs-deploy's botocore {botocore_v} ignores AWS_ENDPOINT_URL; a newer boto3 was installed into {ECS_DEPLOY_VENV.name}")
            version, boto3_v, botocore_v = self.run([str(py), "-c", probe], timeout=60).split()
        return ecs, f"ecs-deploy {version} (boto3 {boto3_v}, botocore {botocore_v}: honours AWS_ENDPOINT_URL)"

    def ecs_deploy(self, scenario: str, service: str, tag: str, timeout: int) -> Result:
        ecs, version = self.ecs_deploy_ready()
        self.settle(service, timeout=180)
        colour = self.live_colour(service)
        ecs_service = self.svc(service)[f"{colour}_service_name"]
        image = f"{self.svc(service)['ecr_repository_url']}:{tag}"
        cmd = [str(ecs), "deploy", self.outputs["cluster_name"], ecs_service, "-i", self.svc(service)["container_name"], image, "--timeout", str(timeout)]
        env = dict(self.env, PATH=f"{ECS_DEPLOY_VENV / 'bin'}:{os.environ.get('PATH', '')}")
        window: dict[str, Any] = {}

        def on_line(line: str) -> None:
            for part in line.split("\n"):
                if "start" not in window and ECS_DEPLOY_WAIT[0].search(part):
                    window["start"] = (time.monotonic(), self.counter())
                elif "start" in window and "end" not in window and ECS_DEPLOY_WAIT[1].search(part):
                    window["end"] = (time.monotonic(), self.counter())

        self.counter(reset=True)
        log(f"ecs-deploy: {' '.join(cmd[1:])}")
        t0 = time.monotonic()
        run = self.start(cmd, env=env, on_line=on_line)
        code = self.finish(run, timeout=timeout + 60)
        wall = time.monotonic() - t0
        calls = self.counter()
        result = Result(
            scenario=scenario.format(ecs_service=ecs_service),
            tool="ecs-deploy",
            strategy="rolling",
            wall=wall,
            calls=calls,
            summary_calls=None,
            ok=code == 0,
            detail="rolling, no traffic gates",
        )
        if version not in self.notes:
            self.notes.append(version)
        if "start" in window and "end" in window:
            result.wait_seconds = window["end"][0] - window["start"][0]
            result.wait_calls = diff_counts(window["end"][1], window["start"][1])
        if code != 0:
            self.notes.append(f"ecs-deploy exited {code}:\n{run.text[-2500:]}")
        if not any(k.startswith("ecs.") for k in calls):
            self.notes.append("ecs-deploy made no call to the emulator: it did not honour AWS_ENDPOINT_URL")
        return result


# ------------------------------------------------------------------ polling model
def polls_in(seconds: float, interval: float, cap_factor: float = 4.0) -> int:
    """How many checks Slipway's health wait makes in ``seconds`` while the rollout does not move (the first after 2x
    the interval, then 2x the interval growing x1.5 per round up to 4x)."""
    t, delay, n = 2 * interval, 2 * interval, 0
    while t <= seconds:
        n += 1
        t += delay
        delay = min(delay * 1.5, interval * cap_factor)
    return n


# ------------------------------------------------------------------ report
def fmt_calls(calls: dict[str, int], limit: int = 6) -> str:
    top = sorted(calls.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    more = len(calls) - len(top)
    return ", ".join(f"{k} {v}" for k, v in top) + (f", +{more} more" if more > 0 else "")


def agreement(result: Result) -> str:
    if result.summary_calls is None:
        return "-"
    ours = sum(result.summary_calls.values())
    delta = diff_counts(result.calls, result.summary_calls)
    if not delta:
        return f"{ours} (equal)"
    return f"{ours} (emulator {'+' if result.total >= ours else ''}{result.total - ours}: {fmt_calls(delta, 3)})"


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    return "\n".join([line, sep, *body])


def report(results: list[Result], setup_seconds: float, notes: list[str]) -> str:
    out = [
        f"Slipway release benchmark — {dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}, "
        f"{platform.node()} ({os.cpu_count()} cores, Python {platform.python_version()}); stack setup {setup_seconds:.0f}s",
        "",
    ]
    rows = []
    for r in results:
        rows.append(
            [
                r.scenario,
                r.tool,
                r.strategy,
                f"{r.wall:.1f}",
                "-" if r.module_seconds is None else f"{r.module_seconds:.1f}",
                str(r.total),
                str(r.writes),
                agreement(r),
                ("ok" if r.ok else "FAILED") + (f" ({r.detail})" if r.detail else ""),
            ]
        )
    out.append(table(["scenario", "tool", "strategy", "wall s", "in module s", "API calls", "writes", "summary api_calls (vs emulator)", "result"], rows))
    out.append("")
    out.append("Calls by operation (emulator counter):")
    out.append("")
    ops = sorted({k for r in results for k in r.calls})
    short = [f"#{i + 1}" for i in range(len(results))]
    op_rows = [[op, *(str(r.calls.get(op, "")) for r in results)] for op in ops]
    op_rows.append(["total", *(str(r.total) for r in results)])
    out.append(table(["operation", *short], op_rows))
    out.append("")
    out.append("  " + "; ".join(f"{s} = {r.scenario}" for s, r in zip(short, results, strict=True)))
    out.append("")
    out.append(
        "Polling while waiting for the new tasks "
        "(measured window: Slipway 'waiting for N healthy target(s)' → 'gate health: PASS'; ecs-deploy 'Deploying new task definition' → verdict):"
    )
    out.append("")
    wait_rows = []
    for r in results:
        if r.wait_rate is None:
            continue
        reads = sum(r.wait_reads.values())
        writes = sum((r.wait_calls or {}).values()) - reads
        wait_rows.append([r.scenario, r.tool, f"{r.wait_seconds:.1f}", str(reads), str(writes), f"{r.wait_rate:.0f}", fmt_calls(r.wait_calls or {}, 5)])
    out.append(table(["scenario", "tool", "wait s", "reads", "writes", "reads/min", "operations in the window"], wait_rows))
    out.append("")
    real_first = polls_in(60, 5.0)
    real_ten = polls_in(600, 5.0)
    local_first = polls_in(60, 0.5)
    out.append(
        "Slipway health wait, by its poll schedule while nothing moves (at most 2 calls per check — ecs.DescribeServices, and "
        "elbv2.DescribeTargetHealth once a task of the new revision runs — plus a lease renewal, dynamodb.UpdateItem, every lock_ttl/4; "
        "each change a check sees (tasks running, targets registered or healthy, the rollout complete) brings the next check "
        "one poll interval later, the gaps growing again from there):"
    )
    out.append(
        f"  local inventory (first after 1 s, then 1 s → 2 s):   {local_first} checks in the first minute = "
        f"at most {2 * local_first} calls + 8 lease renewals (ttl 30 s)\n"
        f"  real default    (first after 10 s, then 10 s → 20 s): {real_first} checks in the first minute = "
        f"at most {2 * real_first} calls + 2 lease renewals (ttl 120 s); "
        f"then 3 checks/min = at most 6 calls/min + 2 renewals; at most {2 * real_ten} calls + 20 renewals over a 10-minute Fargate start\n"
        "  ecs-deploy (--sleep-time 1, whole seconds, fixed): per check 1 ecs.DescribeServices while two deployments exist, "
        "3 calls (+ ecs.ListTasks + ecs.DescribeTasks) once one deployment remains and its running count is short"
    )
    if notes:
        out += ["", "Notes:"] + [f"  - {n}" for n in notes]
    return "\n".join(out)


# ------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-ecs-deploy", action="store_true", help="do not install or run the ecs-deploy comparison")
    parser.add_argument(
        "--long-wait",
        choices=("auto", "on", "off"),
        default="auto",
        help="scenario 5 (a second stack whose tasks take a while to start): auto = only if the time budget allows",
    )
    parser.add_argument("--quick", action="store_true", help="same as --long-wait off")
    parser.add_argument(
        "--budget", type=float, default=float(os.environ.get("SLIPWAY_BENCH_BUDGET_SECONDS", "600")), help="seconds a whole run should take (default 600)"
    )
    parser.add_argument(
        "--foundation-rev",
        metavar="REV",
        default=os.environ.get("SLIPWAY_BENCH_FOUNDATION_REV"),
        help="take terraform/ and inventories/ from this git revision instead of the working tree",
    )
    parser.add_argument("--keep-temp", action="store_true", help="keep the temporary stack directory (the emulator is always stopped)")
    args = parser.parse_args(argv)

    if port_in_use(PORT):
        print(f"bench: port {PORT} is in use (a leftover bench emulator?); set SLIPWAY_BENCH_EMULATOR_PORT", file=sys.stderr)
        return 2

    def on_term(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    # Ctrl-C, SIGTERM and SIGHUP all tear down (SIGINT explicitly: a shell may start us with it ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)
    tmp = Path(tempfile.mkdtemp(prefix="slipway-bench-"))
    began = time.monotonic()
    try:
        bench = Bench(tmp, args.foundation_rev)
    except EmulatorError as exc:  # a port inside the ephemeral range
        shutil.rmtree(tmp, ignore_errors=True)
        print(f"bench: {exc}; set SLIPWAY_BENCH_EMULATOR_PORT / SLIPWAY_BENCH_LISTENER_BASE", file=sys.stderr)
        return 2
    if args.foundation_rev:
        bench.notes.append(f"foundation (terraform/, inventories/) from git revision {args.foundation_rev}, not the working tree")
    results: list[Result] = []
    try:
        setup_seconds = bench.setup()
        tags = {
            "warm": "1.1.0",
            "floor": "1.2.0",
            "all_at_once": "2.0.0",
            "canary": "2.1.0",
            "linear": "2.2.0",
            "sequence": "3.0.0",
            "parallel": "3.1.0",
            "ecs-deploy": "4.0.0",
        }
        for key in ("warm", "floor", "all_at_once", "canary", "linear", "ecs-deploy"):
            bench.push("user", tags[key])
        for name in SERVICES:
            bench.push(name, tags["sequence"])
            bench.push(name, tags["parallel"])

        # A first run pays for cold caches (Python bytecode, the collection, terraform output): reported apart.
        results.append(bench.release("0. warm-up: user (first ansible-playbook run)", "user", tags["warm"], "all_at_once"))
        floor = bench.floor("user", tags["floor"])
        for strategy in ("all_at_once", "canary", "linear"):
            results.append(bench.release(f"1. user {strategy}", "user", tags[strategy], strategy))
            r = results[-1]
            bench.notes.append(
                f"overhead over the emulator's floor ({floor:.1f} s: the idle colour to healthy tasks, no tool), {strategy}: "
                f"{r.wall:.1f} s wall = {r.wall / floor:.1f} x the floor"
                + (f", {r.module_seconds:.1f} s in the module = {r.module_seconds / floor:.1f} x" if r.module_seconds else "")
            )
        results.append(bench.release("3. no-op re-release of user (unchanged)", "user", tags["linear"]))
        results.append(bench.releases("2a. four services in sequence", tags["sequence"], parallel=False))
        results.append(bench.releases("2b. four services in parallel (4 processes)", tags["parallel"], parallel=True))
        if not args.skip_ecs_deploy:
            # Slipway's local health timeout (120 s) as ecs-deploy's --timeout.
            results.append(bench.ecs_deploy("4. ecs-deploy: rolling update of {ecs_service} (live colour)", "user", tags["ecs-deploy"], timeout=120))
        # scenario 5 costs a second foundation apply, the slow initial tasks and two slow releases
        cost = setup_seconds + LONG_PENDING + 2 * (LONG_PENDING + 20)
        elapsed = time.monotonic() - began
        long_wait = "off" if args.quick else args.long_wait
        if long_wait == "auto" and elapsed + cost > args.budget:
            long_wait = "off"
            bench.notes.append(
                f"scenario 5 skipped: it would take about {cost:.0f} s more ({elapsed:.0f} s spent, budget {args.budget:.0f} s); --long-wait on forces it"
            )
        if long_wait != "off":
            # Polling over a wait of about a minute: a fresh stack whose tasks take LONG_PENDING s to "pull",
            # Slipway at its real-mode defaults (poll 5 s growing to 20 s, lease ttl 120 s).
            second = bench.setup({"SLIPWAY_TASK_PENDING_SECONDS": str(LONG_PENDING)})
            bench.notes.append(f"second stack for scenario 5 (SLIPWAY_TASK_PENDING_SECONDS={LONG_PENDING}): set up in {second:.0f} s")
            for tag in ("5.0.0", "5.1.0"):
                bench.push("user", tag)
            real = {"service_release_poll_interval": 5, "service_release_lock_ttl_seconds": 120, "service_release_health_timeout_seconds": 300}
            results.append(bench.release(f"5. long wait ({LONG_PENDING} s task start): user, real-mode polling", "user", "5.0.0", "all_at_once", real))
            if not args.skip_ecs_deploy:
                results.append(bench.ecs_deploy(f"5. long wait ({LONG_PENDING} s task start): ecs-deploy on {{ecs_service}}", "user", "5.1.0", timeout=300))
        text = report(results, setup_seconds, bench.notes)
        print()
        print(text)
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
        (RESULTS / f"release_bench-{stamp}.txt").write_text(text + "\n")
        (RESULTS / f"release_bench-{stamp}.json").write_text(
            json.dumps({"setup_seconds": setup_seconds, "results": [r.__dict__ for r in results], "notes": bench.notes}, indent=1, default=str)
        )
        log(f"written to {RESULTS}/release_bench-{stamp}.{{txt,json}}")
        return 0 if all(r.ok for r in results) else 1
    except KeyboardInterrupt:
        print("\nbench: interrupted; tearing down", file=sys.stderr)
        return 130
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not leave the emulator behind
        bench.teardown()
        if args.keep_temp:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
