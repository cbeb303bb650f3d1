"""The compliance world's resources for the later FSBP controls of ECS, ECR, ElastiCache, Secrets Manager,
DynamoDB, SQS and SNS (plugins/module_utils/compliance/controls_workloads.py).

``seed(w)`` is called by ``tests/compliance/conftest.py``'s ``build_world`` after the first controls' resources
exist. Per control, one compliant and one non-compliant resource: ``w.expected[control] = (good_arn, bad_arn)``.
Every resource here is new (``cr-wl-*``): the first controls' resources and verdicts stay as they are.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

TAGS = [{"Key": "Project", "Value": "slipway"}, {"Key": "Environment", "Value": "test"}, {"Key": "ManagedBy", "Value": "terraform"}]
ACCOUNT = "123456789012"


def seed(w: Any) -> None:
    _ecs(w)
    _ecr(w)
    _elasticache(w)
    _secrets(w)
    _sqs_sns(w)
    _dynamodb(w)


def _ecs(w: Any) -> None:
    """ECS.1/.3/.9 on the latest revision of two task definition families with host networking (the good one runs
    as a non-root user, keeps its own PID namespace and logs; the bad one none of these); ECS.10 on two Fargate
    services, one on LATEST, one pinned to 1.3.0."""
    ecs = w.client("ecs")
    logging = {"logDriver": "awslogs", "options": {"awslogs-group": "/cr/wl", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "app"}}
    base = {"image": "public.ecr.aws/docker/library/busybox:stable", "memory": 64, "essential": True}
    good_c = [{"name": "app", "user": "1000:1000", "logConfiguration": logging, **base}]
    bad_c = [{"name": "app", **base}, {"name": "sidecar", "user": "root", "logConfiguration": logging, **base}]

    def register(family: str, containers: list[dict[str, Any]], pid: str) -> str:
        td = ecs.register_task_definition(family=family, containerDefinitions=containers, networkMode="host", pidMode=pid, requiresCompatibilities=["EC2"])
        return td["taskDefinition"]["taskDefinitionArn"]

    good = register("cr-wl-good", good_c, "task")
    bad = register("cr-wl-bad", bad_c, "host")
    for c in ("ECS.1", "ECS.3", "ECS.9"):
        w.expected[c] = (good, bad)

    cluster = ecs.create_cluster(clusterName="cr-wl", settings=[{"name": "containerInsights", "value": "enabled"}])["cluster"]["clusterArn"]
    fargate = ecs.register_task_definition(
        family="cr-wl-fargate",
        containerDefinitions=[{"name": "app", "user": "1000", "logConfiguration": logging, "readonlyRootFilesystem": True, **base}],
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
    )["taskDefinition"]["taskDefinitionArn"]

    def service(name: str, version: str) -> str:
        created = ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=fargate, desiredCount=0, launchType="FARGATE", platformVersion=version)
        return created["service"]["serviceArn"]

    w.expected["ECS.10"] = (service("cr-wl-good", "LATEST"), service("cr-wl-bad", "1.3.0"))


def _ecr(w: Any) -> None:
    """ECR.5: a repository encrypted with a customer managed KMS key, one with the default (AES256)."""
    key = w.client("kms").create_key(Description="cr-wl ECR key")["KeyMetadata"]["Arn"]
    ecr = w.client("ecr")
    good = ecr.create_repository(repositoryName="cr-wl/good", encryptionConfiguration={"encryptionType": "KMS", "kmsKey": key})["repository"]
    bad = ecr.create_repository(repositoryName="cr-wl/bad")["repository"]
    w.expected["ECR.5"] = (good["repositoryArn"], bad["repositoryArn"])


def _elasticache(w: Any) -> None:
    """ElastiCache.2 on two standalone Redis clusters, automatic minor version upgrades on and off."""
    ec = w.client("elasticache")
    single = {"Engine": "redis", "CacheNodeType": "cache.t3.micro", "NumCacheNodes": 1, "SnapshotRetentionLimit": 1}
    good = ec.create_cache_cluster(CacheClusterId="cr-wl-good", AutoMinorVersionUpgrade=True, **single)["CacheCluster"]["ARN"]
    bad = ec.create_cache_cluster(CacheClusterId="cr-wl-bad", AutoMinorVersionUpgrade=False, **single)["CacheCluster"]["ARN"]
    w.expected["ElastiCache.2"] = (good, bad)


def _secrets(w: Any) -> None:
    """SecretsManager.3: a secret read today and one last read 100 days ago (the emulator moves its dates back);
    SecretsManager.5: the first is tagged, the second not."""
    sm = w.client("secretsmanager")
    good = sm.create_secret(Name="cr-wl/good", SecretString="{}", Tags=TAGS)["ARN"]
    bad = sm.create_secret(Name="cr-wl/bad", SecretString="{}")["ARN"]
    for arn in (good, bad):
        sm.get_secret_value(SecretId=arn)  # sets LastAccessedDate (today)
    body = json.dumps({"secret_id": bad, "back_days": 100}).encode()
    req = urllib.request.Request(w.emulator.endpoint + "/_slipway/secrets/dates", data=body, method="POST")
    with urllib.request.urlopen(req, timeout=10) as answer:
        assert answer.status == 200
    w.expected["SecretsManager.3"] = (good, bad)
    w.expected["SecretsManager.5"] = (good, bad)


def _sqs_sns(w: Any) -> None:
    sqs = w.client("sqs")
    sqs.create_queue(QueueName="cr-wl-good", Attributes={"SqsManagedSseEnabled": "true"}, tags={t["Key"]: t["Value"] for t in TAGS})
    sqs.create_queue(QueueName="cr-wl-bad", Attributes={"SqsManagedSseEnabled": "true"})
    w.expected["SQS.2"] = (f"arn:aws:sqs:us-east-1:{ACCOUNT}:cr-wl-good", f"arn:aws:sqs:us-east-1:{ACCOUNT}:cr-wl-bad")
    sns = w.client("sns")
    good = sns.create_topic(Name="cr-wl-good", Tags=TAGS)["TopicArn"]
    bad = sns.create_topic(Name="cr-wl-bad")["TopicArn"]
    w.expected["SNS.3"] = (good, bad)


def _dynamodb(w: Any) -> None:
    """DynamoDB.5 and DynamoDB.6: a tagged table with deletion protection, an untagged one without."""
    ddb = w.client("dynamodb")
    table = {
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    }
    good = ddb.create_table(TableName="cr-wl-good", Tags=TAGS, DeletionProtectionEnabled=True, **table)["TableDescription"]["TableArn"]
    bad = ddb.create_table(TableName="cr-wl-bad", DeletionProtectionEnabled=False, **table)["TableDescription"]["TableArn"]
    for c in ("DynamoDB.5", "DynamoDB.6"):
        w.expected[c] = (good, bad)
