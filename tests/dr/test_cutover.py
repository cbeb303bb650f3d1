"""rds_point_in_time_restore.yml -e cutover=true: after the restore is proven, the connection parameter and secret
point at the new instance and the consumer service runs a new deployment; all read back from the API."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.emulator import Emulator

from .conftest import MASTER, PASSWORD, SOURCE, describe, wait_for, writes

PARAMETER, APP_SECRET, CLUSTER, SERVICE = "/slipway/local/orders/db_host", "slipway/local/orders/db", "slipway-local", "orders-api"


def primary(ecs: Any) -> dict[str, Any]:
    svc = ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    return next(d for d in svc["deployments"] if d["status"] == "PRIMARY")


@pytest.fixture(scope="module")
def consumer(emulator: Emulator, source: dict[str, Any]) -> dict[str, Any]:
    """The orders service as the inventory describes it: an SSM parameter and a secret pointing at ``orders``, and
    an ECS service (one healthy task) that reads them."""
    ssm, sm, ecs, ec2 = (emulator.client(s) for s in ("ssm", "secretsmanager", "ecs", "ec2"))
    endpoint = source["instance"]["Endpoint"]
    ssm.put_parameter(Name=PARAMETER, Value=endpoint["Address"], Type="String")
    sm.create_secret(
        Name=APP_SECRET,
        SecretString=json.dumps({"host": endpoint["Address"], "port": endpoint["Port"], "username": MASTER, "password": PASSWORD, "dbname": "app"}),
    )
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    ecs.create_cluster(clusterName=CLUSTER)
    task = ecs.register_task_definition(
        family="orders-api",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "app", "image": "public.ecr.aws/slipway/orders-api:1", "essential": True}],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(
        cluster=CLUSTER,
        serviceName=SERVICE,
        taskDefinition=task,
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [source["group"]], "assignPublicIp": "DISABLED"}},
    )
    first = wait_for(lambda: (d := primary(ecs)).get("rolloutState") == "COMPLETED" and d["runningCount"] == 1 and d, 60, "the consumer running")
    return {"deployment": first["id"]}


def test_cutover_repoints_and_restarts_the_consumers(emulator: Emulator, source: dict[str, Any], consumer: dict[str, Any], run_playbook: Any) -> None:
    ssm, sm, ecs, rds = (emulator.client(s) for s in ("ssm", "secretsmanager", "ecs", "rds"))
    before_version = sm.get_secret_value(SecretId=APP_SECRET)["VersionId"]

    emulator.calls(reset=True)
    plan = run_playbook("--check", db=SOURCE, target="orders-cut", cutover=True)
    assert plan.rc == 0, plan.text[-3000:]
    for line in ("PASS  cut-over parameter", "PASS  cut-over secret", "PASS  consumer service", "ssm.PutParameter", "ecs.UpdateService"):
        assert line in plan.stdout, plan.stdout[-3000:]
    assert writes(emulator.calls()) == {}

    run = run_playbook(db=SOURCE, target="orders-cut", confirm="orders-cut", cutover=True)
    assert run.rc == 0, run.text[-4000:]
    restored = describe(rds, "orders-cut")["Endpoint"]
    assert ssm.get_parameter(Name=PARAMETER)["Parameter"]["Value"] == restored["Address"]
    secret = sm.get_secret_value(SecretId=APP_SECRET)
    fields = json.loads(secret["SecretString"])
    assert (fields["host"], fields["port"], fields["password"], fields["username"]) == (restored["Address"], restored["Port"], PASSWORD, MASTER)
    assert secret["VersionId"] != before_version
    now = primary(ecs)
    assert now["id"] != consumer["deployment"] and now["rolloutState"] == "COMPLETED" and now["runningCount"] == 1
    report = run.report()
    rto = report["rto"]
    assert rto["parts"]["application_healthy"]["seconds"] <= rto["parts"]["cutover"]["seconds"] == rto["achieved_seconds"]
    undo = report["cutover"]["undo"]
    assert any(f"--move-to-version-id {before_version}" in line for line in undo) and any(PARAMETER in line for line in undo)
    # the password is in the secret, never in what Slipway prints or writes
    texts = [run.text, *(p.read_text() for p in run.reports.rglob("*") if p.is_file())]
    assert not [t for t in texts if PASSWORD in t]
