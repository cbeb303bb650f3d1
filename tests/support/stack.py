"""The integration stack: an emulator with the foundation applied and the initial images pushed,
helpers to run the real `ansible-playbook` and to read state back from the (emulated) AWS API."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.aws import is_write

from . import BIN, ROOT, SERVICES
from .emulator import Emulator
from .slack import SlackReceiver
from .terraform import Foundation


@dataclass
class Stack:
    env: dict[str, str]
    outputs: dict[str, Any]
    slack: SlackReceiver
    tmp: Path
    inventory: Path
    emulator: Emulator | None = None
    # Release summaries go here, never into the working tree's releases/.
    summaries: Path | None = None
    _clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            import boto3

            self._clients[service] = boto3.client(
                service, endpoint_url=self.env["AWS_ENDPOINT_URL"], region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
            )
        return self._clients[service]

    def svc(self, name: str) -> dict[str, Any]:
        return self.outputs["services"][name]

    def run(self, cmd: list[str], timeout: float = 600) -> subprocess.CompletedProcess:
        proc = subprocess.run(cmd, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        return proc

    # -- actions
    def push(self, service: str, tag: str, *flags: str) -> str:
        self.run([str(ROOT / "tools/local-aws"), "push-image", service, tag, *flags])
        return self.digest(service, tag)

    def digest(self, service: str, tag: str) -> str:
        repo = self.svc(service)["ecr_repository_name"]
        return self.client("ecr").describe_images(repositoryName=repo, imageIds=[{"imageTag": tag}])["imageDetails"][0]["imageDigest"]

    def playbook_cmd(self, service: str | None, *args: str, inventory: Path | None = None, **extra: Any) -> list[str]:
        cmd = [str(BIN / "ansible-playbook"), "playbooks/deploy_service.yml", "-i", str(inventory or self.inventory)]
        if service is not None:
            extra = {"svc": service, **extra}
        if self.summaries is not None:
            extra = {"service_release_summary_dir": str(self.summaries), **extra}
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
        port = int(self.env["SLIPWAY_LISTENER_PORT_BASE"]) + int(self.outputs[f"{listener}_listener_port"])
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


SUMMARY_VARS = "zz_tests_summary_dir.yml"


def build_stack(foundation: Foundation, tmp: Path, emulator: Emulator | None = None, initial_tag: str = "1.0.0", slack_port: int | None = None) -> Stack:
    """The applied ``foundation`` made ready for releases: the Slack secret points at a receiver on
    loopback, every service runs ``initial_tag``, and every playbook run with the copied inventory
    writes its release summaries under ``tmp``/releases."""
    summaries = Path(tmp) / "releases"
    # Inventory variables beat role defaults: rollback_service.yml and friends, run with this
    # inventory but not through Stack.release, keep out of the working tree's releases/ too.
    (foundation.inventory / "group_vars" / "all" / SUMMARY_VARS).write_text(
        "---\n# Written by tests/support/stack.py: the release summaries of a test run stay in its temporary directory.\n"
        f"service_release_summary_dir: {json.dumps(str(summaries))}\n"
    )
    port = int(foundation.env["SLIPWAY_EMULATOR_PORT"])
    # API + 10 or one of the next nine: the ports tests/support/ports.py gives this suite's receiver.
    slack = SlackReceiver(preferred=slack_port or port + 10, tries=10)
    st = Stack(
        env=foundation.env, outputs=foundation.outputs, slack=slack, tmp=Path(tmp), inventory=foundation.inventory, emulator=emulator, summaries=summaries
    )
    st.client("secretsmanager").put_secret_value(SecretId=foundation.outputs["slack_webhook_secret_arn"], SecretString=slack.url)
    for name in SERVICES:
        st.push(name, initial_tag)
    for name in SERVICES:
        st.wait_steady(name)
    return st
