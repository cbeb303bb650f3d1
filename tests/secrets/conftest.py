"""The secret-rotation audit suite: the real playbook against an emulator of its own.

``pytest tests/secrets`` (about a minute). One emulator for the session (API 4800,
its receiver 4801, listener base 17000; ``SLIPWAY_SECRETS_EMULATOR_PORT`` /
``SLIPWAY_SECRETS_LISTENER_BASE`` pin them) and one world of secrets built with
boto3 (``world``): one secret per audit state, produced for real -- Python
rotation functions the emulator runs, a failed rotation, a deleted function, an
RDS-managed master secret, an access-denied fault on one secret, ECS tasks that
started before a rotation.

Every secret value holds ``LEAK_MARKER``: no output of the audit may contain it.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tempfile
import textwrap
import time
import urllib.request
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support import ROOT
from tests.support.emulator import Emulator, private_emulator

LEAK_MARKER = "SLIPWAYLEAK"
ROLE = "arn:aws:iam::123456789012:role/slipway-audit-rotation"
PATTERNS = "audit/*,rds!*"
ROTATION = textwrap.dedent(
    '''
    """A rotation function for a JSON secret, shaped like AWS's template; FAIL_STEP makes a step fail."""
    import json
    import os

    import boto3

    sm = boto3.client("secretsmanager")


    def handler(event, context):
        arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
        versions = sm.describe_secret(SecretId=arn)["VersionIdsToStages"]
        if "AWSCURRENT" in versions.get(token, []):
            return
        if step == os.environ.get("FAIL_STEP"):
            raise RuntimeError(step + " refused by the test")
        if step == "createSecret":
            current = json.loads(sm.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")["SecretString"])
            current["password"] = "SLIPWAYLEAK-rotated-" + token
            sm.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString=json.dumps(current), VersionStages=["AWSPENDING"])
        elif step == "finishSecret":
            old = next(v for v, stages in versions.items() if "AWSCURRENT" in stages)
            sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=old)
    '''
)


def wait_for(check: Callable[[], Any], timeout: float = 60, what: str = "a condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.3)


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    tmp = Path(tempfile.mkdtemp(prefix="slipway-secrets-"))
    try:
        with private_emulator(tmp / "emulator", "SECRETS", 4800, 17000) as emu:
            yield emu
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@dataclass
class World:
    emulator: Emulator
    secrets: dict[str, str] = field(default_factory=dict)  # short name -> ARN
    functions: dict[str, str] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        return self.emulator.client(service)

    def secret(self, name: str) -> str:
        value = json.dumps({"username": "app", "password": f"{LEAK_MARKER}-{uuid.uuid4()}"})
        arn = self.client("secretsmanager").create_secret(Name=f"audit/{name}", SecretString=value)["ARN"]
        self.secrets[name] = arn
        return arn

    def function(self, name: str, env: dict[str, str] | None = None, invocable: bool = True) -> str:
        lam = self.client("lambda")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("rotation.py", ROTATION)
        arn = lam.create_function(
            FunctionName=f"audit-rotate-{name}",
            Runtime="python3.11",
            Role=ROLE,
            Handler="rotation.handler",
            Code={"ZipFile": buf.getvalue()},
            Timeout=15,
            Environment={"Variables": env or {}},
        )["FunctionArn"]
        if invocable:
            lam.add_permission(FunctionName=arn, StatementId="secretsmanager", Action="lambda:InvokeFunction", Principal="secretsmanager.amazonaws.com")
        self.functions[name] = arn
        return arn

    def rotate(self, secret: str, function: str, succeed: bool = True) -> str:
        sm = self.client("secretsmanager")
        arn = self.secrets[secret]
        before = sm.describe_secret(SecretId=arn).get("LastRotatedDate")
        token = sm.rotate_secret(SecretId=arn, RotationLambdaARN=self.functions[function], RotationRules={"AutomaticallyAfterDays": 30})["VersionId"]
        if succeed:
            # Done when Secrets Manager recorded the rotation (after finishSecret returned), not as soon as
            # the function moved AWSCURRENT: aging the secret before that would be undone by the record.
            def done() -> bool:
                meta = sm.describe_secret(SecretId=arn)
                return "AWSCURRENT" in meta["VersionIdsToStages"].get(token, []) and meta.get("LastRotatedDate") not in (None, before)

            wait_for(done, what=f"the rotation of {secret}")
        else:
            ct = self.client("cloudtrail")
            attrs = [{"AttributeKey": "ResourceName", "AttributeValue": arn}]
            wait_for(lambda: any(e["EventName"] == "RotationFailed" for e in ct.lookup_events(LookupAttributes=attrs)["Events"]), what=f"{secret}'s failure")
        return token

    def age(self, secret: str, days: int) -> None:
        body = json.dumps({"secret_id": self.secrets[secret], "back_days": days}).encode()
        req = urllib.request.Request(self.emulator.endpoint + "/_slipway/secrets/dates", data=body, method="POST")
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 200


def build_world(emulator: Emulator) -> World:
    w = World(emulator)
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    w.client("iam").create_role(RoleName=ROLE.rsplit("/", 1)[1], AssumeRolePolicyDocument=json.dumps(trust))
    w.function("ok")
    w.function("fail", env={"FAIL_STEP": "setSecret"})
    w.function("gone")
    w.function("closed", invocable=False)

    w.secret("healthy")
    w.rotate("healthy", "ok")
    w.secret("not-rotating")
    w.secret("overdue")
    w.rotate("overdue", "ok")
    w.age("overdue", 100)
    w.secret("stuck")
    w.rotate("stuck", "fail", succeed=False)
    w.secret("failing")
    token = w.rotate("failing", "fail", succeed=False)
    # cleaned up by hand after the failure: AWSPENDING gone, the RotationFailed event stays
    w.client("secretsmanager").update_secret_version_stage(SecretId=w.secrets["failing"], VersionStage="AWSPENDING", RemoveFromVersionId=token)
    w.secret("broken-missing")
    w.rotate("broken-missing", "gone")
    w.client("lambda").delete_function(FunctionName=w.functions["gone"])
    w.secret("broken-policy")
    w.rotate("broken-policy", "closed")
    w.secret("denied")

    # an RDS instance whose master password RDS manages: its secret is owned by rds
    rds = w.client("rds")
    db = {"DBInstanceClass": "db.t3.micro", "Engine": "postgres", "MasterUsername": "admin", "AllocatedStorage": 20}
    secret = rds.create_db_instance(DBInstanceIdentifier="audit-db", ManageMasterUserPassword=True, **db)["DBInstance"]["MasterUserSecret"]["SecretArn"]
    w.secrets["managed"] = secret

    # a service whose task reads the secret, started before the secret's rotation
    arn = w.secret("consumed")
    ecs = w.client("ecs")
    ecs.create_cluster(clusterName="audit")
    container = {"name": "app", "image": "public.ecr.aws/slipway/app:1", "essential": True}
    container["secrets"] = [{"name": "DB_PASSWORD", "valueFrom": f"{arn}:password::"}]
    td = ecs.register_task_definition(
        family="audit-api",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[container],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster="audit", serviceName="api", taskDefinition=td, desiredCount=1, launchType="FARGATE")

    def started() -> Any:
        arns = ecs.list_tasks(cluster="audit", serviceName="api", desiredStatus="RUNNING")["taskArns"]
        tasks = ecs.describe_tasks(cluster="audit", tasks=arns)["tasks"] if arns else []
        return [t for t in tasks if t.get("lastStatus") == "RUNNING" and t.get("startedAt")]

    wait_for(started, what="the api task to run")
    time.sleep(1.2)  # LastRotatedDate has whole seconds
    w.rotate("consumed", "ok")
    return w


@pytest.fixture(scope="session")
def world(emulator: Emulator) -> World:
    return build_world(emulator)


@dataclass
class Run:
    rc: int
    stdout: str
    stderr: str
    reports: Path

    @property
    def report(self) -> dict[str, Any]:
        return json.loads((self.reports / "secret_rotation_audit.json").read_text())

    @property
    def states(self) -> dict[str, str]:
        return {r["name"]: r["state"] for r in self.report["secrets"]}


@pytest.fixture(scope="session")
def playbook(emulator: Emulator) -> Callable[..., Run]:
    """``playbook(*extra_args, reports=DIR)``: the real ``ansible-playbook playbooks/secret_rotation_check.yml``
    with an inventory (environment ``test``) that points at this suite's emulator."""
    inv = Path(tempfile.mkdtemp(prefix="slipway-secrets-inv-"))
    (inv / "group_vars" / "all").mkdir(parents=True)
    hosts = {"all": {"hosts": {"localhost": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}}
    (inv / "hosts.yml").write_text(json.dumps(hosts))
    aws = {"region": "us-east-1", "endpoint_url": emulator.endpoint, "access_key": "test", "secret_key": "test"}
    (inv / "group_vars" / "all" / "main.yml").write_text(json.dumps({"slipway_environment": "test", "slipway_aws": aws}))

    def run(*args: str, reports: Path) -> Run:
        cmd = ["ansible-playbook", "-i", str(inv / "hosts.yml"), "playbooks/secret_rotation_check.yml"]
        cmd += ["-e", f"secret_rotation_audit_report_dir={reports}", *args]
        proc = subprocess.run(cmd, cwd=ROOT, env=emulator.env, capture_output=True, text=True, timeout=300, check=False)
        return Run(proc.returncode, proc.stdout, proc.stderr, reports)

    yield run
    shutil.rmtree(inv, ignore_errors=True)
