"""The integration stack: the Slipway emulator over HTTP, the local foundation
applied by real Terraform, the initial images, and helpers to run the real
`ansible-playbook` and read state back from the (emulated) AWS API.

The stack is isolated from a developer's `make demo`: its own emulator port,
listener ports, emulator state directory and Terraform state.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from ansible_collections.slipway.aws.plugins.module_utils.aws import is_write

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin"
SERVICES = ("api-gateway", "user", "event", "notification")
PORT = int(os.environ.get("SLIPWAY_IT_EMULATOR_PORT", "4610"))
LISTENER_BASE = int(os.environ.get("SLIPWAY_IT_LISTENER_BASE", "30000"))


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SLIPWAY_EMULATOR_PORT=str(PORT),
        SLIPWAY_LISTENER_PORT_BASE=str(LISTENER_BASE),
        SLIPWAY_EMULATOR_STATE_DIR=str(tmp / "emulator"),
        SLIPWAY_METRIC_FLUSH_SECONDS="1",
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{PORT}",
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_DEFAULT_REGION="us-east-1",
        TF_IN_AUTOMATION="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_NOCOLOR="1",
        PATH=f"{BIN}:{os.environ.get('PATH', '')}",
    )
    env.pop("AWS_PROFILE", None)
    return env


def _run(cmd: list[str], env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


class SlackReceiver(http.server.ThreadingHTTPServer):
    """A real HTTP receiver on loopback standing in for Slack's incoming webhook."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.messages.append(json.loads(body or b"{}"))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/services/T000/B000/slipway-test-secret-token"


@dataclass
class Stack:
    env: dict[str, str]
    outputs: dict[str, Any]
    slack: SlackReceiver
    tmp: Path
    inventory: Path
    _clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = boto3.client(
                service, endpoint_url=self.env["AWS_ENDPOINT_URL"], region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
            )
        return self._clients[service]

    def svc(self, name: str) -> dict[str, Any]:
        return self.outputs["services"][name]

    # -- actions
    def push(self, service: str, tag: str, *flags: str) -> str:
        _run([str(ROOT / "tools/local-aws"), "push-image", service, tag, *flags], self.env)
        return self.digest(service, tag)

    def digest(self, service: str, tag: str) -> str:
        repo = self.svc(service)["ecr_repository_name"]
        return self.client("ecr").describe_images(repositoryName=repo, imageIds=[{"imageTag": tag}])["imageDetails"][0]["imageDigest"]

    def playbook_cmd(self, service: str | None, *args: str, inventory: Path | None = None, **extra: Any) -> list[str]:
        cmd = [str(BIN / "ansible-playbook"), "playbooks/deploy_service.yml", "-i", str(inventory or self.inventory)]
        if service is not None:
            extra = {"svc": service, **extra}
        if extra:
            cmd += ["-e", json.dumps(extra)]
        return cmd + list(args)

    def release(self, service: str | None, *args: str, env: dict[str, str] | None = None, timeout: float = 300, **extra: Any) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.playbook_cmd(service, *args, **extra), cwd=ROOT, env=env or self.env, capture_output=True, text=True, timeout=timeout, check=False
        )

    def start_release(self, service: str, *args: str, **extra: Any) -> subprocess.Popen:
        return subprocess.Popen(
            self.playbook_cmd(service, *args, **extra),
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    # -- reads
    def weights(self, service: str, rule: str = "prod_rule_arn") -> dict[str, int]:
        out = self.svc(service)
        rule_obj = self.client("elbv2").describe_rules(RuleArns=[out[rule]])["Rules"][0]
        names = {out["blue_target_group_arn"]: "blue", out["green_target_group_arn"]: "green"}
        weights = {"blue": 0, "green": 0}
        for action in rule_obj["Actions"]:
            for tg in action.get("ForwardConfig", {}).get("TargetGroups", []):
                weights[names[tg["TargetGroupArn"]]] = int(tg.get("Weight", 0))
        return weights

    def live_colour(self, service: str) -> str:
        w = self.weights(service)
        return "blue" if w["blue"] == 100 else "green"

    def ecs_service(self, service: str, colour: str) -> dict[str, Any]:
        name = self.svc(service)[f"{colour}_service_name"]
        return self.client("ecs").describe_services(cluster=self.outputs["cluster_name"], services=[name])["services"][0]

    def image_of(self, service: str, colour: str) -> str:
        td = self.ecs_service(service, colour)["taskDefinition"]
        return self.client("ecs").describe_task_definition(taskDefinition=td)["taskDefinition"]["containerDefinitions"][0]["image"]

    def revisions(self, service: str) -> list[str]:
        return self.client("ecs").list_task_definitions(familyPrefix=self.svc(service)["task_family"])["taskDefinitionArns"]

    def ledger(self, service: str) -> list[dict[str, Any]]:
        items = self.client("dynamodb").query(
            TableName=self.outputs["deployment_table_name"],
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"release#{service}"}},
            ScanIndexForward=False,
        )["Items"]
        return [json.loads(i["entry"]["S"]) for i in items]

    def lock(self, service: str) -> dict[str, Any] | None:
        return (
            self.client("dynamodb")
            .get_item(TableName=self.outputs["deployment_table_name"], Key={"pk": {"S": f"lock#{service}"}, "sk": {"S": "lock"}}, ConsistentRead=True)
            .get("Item")
        )

    def http(self, service: str, listener: str = "prod", path: str = "/") -> tuple[int, dict[str, Any]]:
        port = LISTENER_BASE + int(self.outputs[f"{listener}_listener_port"])
        req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": self.svc(service)["host_header"]})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return exc.code, {}

    def calls(self) -> dict[str, int]:
        """The emulator's own count of the API requests it served, by service.Operation."""
        with urllib.request.urlopen(self.env["AWS_ENDPOINT_URL"] + "/_slipway/calls", timeout=10) as resp:
            return json.loads(resp.read())["calls"]

    def writes_since(self, before: dict[str, int]) -> dict[str, int]:
        """Write operations the emulator served since ``before`` (an earlier ``calls()``)."""
        after = self.calls()
        return {op: n - before.get(op, 0) for op, n in after.items() if n > before.get(op, 0) and is_write(op.split(".", 1)[1])}

    def snapshot(self) -> dict[str, Any]:
        """Everything a release could write, for 'nothing changed' assertions."""
        ecs = self.client("ecs")
        snap: dict[str, Any] = {"services": {}, "rules": {}, "revisions": {}}
        for name in SERVICES:
            snap["revisions"][name] = self.revisions(name)
            for colour in ("blue", "green"):
                s = self.ecs_service(name, colour)
                snap["services"][f"{name}-{colour}"] = (s["taskDefinition"], s["desiredCount"])
            snap["rules"][name] = (self.weights(name), self.weights(name, "test_rule_arn"))
        snap["table"] = sorted(json.dumps(i, sort_keys=True) for i in self.client("dynamodb").scan(TableName=self.outputs["deployment_table_name"])["Items"])
        snap["task_definition_families"] = sorted(ecs.list_task_definition_families()["families"])
        return snap

    def wait_steady(self, service: str, timeout: float = 60) -> None:
        """The live colour runs its desired tasks, all healthy."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            colour = self.live_colour(service)
            s = self.ecs_service(service, colour)
            tg = self.svc(service)[f"{colour}_target_group_arn"]
            health = self.client("elbv2").describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
            healthy = [h for h in health if h["TargetHealth"]["State"] == "healthy"]
            if s["runningCount"] >= s["desiredCount"] > 0 and len(healthy) >= s["desiredCount"]:
                return
            time.sleep(0.5)
        raise AssertionError(f"{service} did not become steady")


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    tmp = tmp_path_factory.mktemp("stack")
    env = _env(tmp)
    local_aws = str(ROOT / "tools/local-aws")
    _run([local_aws, "down"], env)
    _run([local_aws, "up"], env)
    try:
        # A private copy of the foundation and the inventory: its own Terraform
        # state, so the suite never touches a developer's `make demo` state.
        work = tmp / "work"
        for part in ("terraform", "inventories"):
            shutil.copytree(ROOT / part, work / part, ignore=shutil.ignore_patterns(".terraform", "terraform.tfstate*", ".terraform.lock.hcl"))
        tfroot = str(work / "terraform/environments/local")
        _run([str(ROOT / "tools/tf"), f"-chdir={tfroot}", "init", "-input=false"], env)
        _run([str(ROOT / "tools/tf"), f"-chdir={tfroot}", "apply", "-auto-approve", "-input=false"], env, timeout=900)
        raw = json.loads(_run([str(ROOT / "tools/tf"), f"-chdir={tfroot}", "output", "-json"], env).stdout)
        outputs = {k: v["value"] for k, v in raw.items()}
        slack = SlackReceiver()
        st = Stack(env=env, outputs=outputs, slack=slack, tmp=tmp, inventory=work / "inventories/local")
        st.client("secretsmanager").put_secret_value(SecretId=outputs["slack_webhook_secret_arn"], SecretString=slack.url)
        for name in SERVICES:
            st.push(name, "1.0.0")
        for name in SERVICES:
            st.wait_steady(name)
        yield st
    finally:
        _run([local_aws, "down"], env)


@pytest.fixture
def traffic(stack: Stack):
    """Background production traffic to a service, like real users."""
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def start(service: str, rate: float = 40.0) -> None:
        def loop() -> None:
            while not stop.is_set():
                try:
                    stack.http(service)
                except OSError:
                    pass
                time.sleep(1 / rate)

        t = threading.Thread(target=loop, daemon=True)
        t.start()
        threads.append(t)

    yield start
    stop.set()
    for t in threads:
        t.join(5)


def descendants(pid: int) -> list[int]:
    """Child processes (ansible workers run in sessions of their own, so a process group is not enough)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def kill_controller(proc: subprocess.Popen) -> None:
    """What a dead CI runner looks like: the controller and its workers vanish at once."""
    for pid in [proc.pid, *descendants(proc.pid)]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(10)
