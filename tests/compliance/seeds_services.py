"""The compliance world's resources for the later FSBP controls of ECS, SNS, DynamoDB, Backup, ElastiCache, S3 and CloudWatch
(plugins/module_utils/compliance/controls_services.py).

``seed(w)`` is called by ``tests/compliance/conftest.py``'s ``build_world`` after the first controls' resources
exist. Per control, one compliant and one non-compliant resource: ``w.expected[control] = (good_arn, bad_arn)``.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import boto3

ACCOUNT = "123456789012"
GROUP_ID = "0b5e8a3c-1d2f-4c7b-9e6a-5f4d3c2b1a09"


def seed(w: Any) -> None:
    _ecs_task_sets(w)
    _elasticache(w)
    _dynamodb(w)
    _dax(w)
    _access_points(w)
    _public_buckets(w)
    _ecs_task_definitions(w)
    _capacity_providers(w)
    _multi_region_access_points(w)


def _ecs_task_sets(w: Any) -> None:
    """ECS.16: an EXTERNAL-deployment service with two task sets, one assigning public IPs."""
    ecs = w.client("ecs")
    subnet = w.client("ec2").describe_subnets()["Subnets"][0]["SubnetId"]
    ecs.create_cluster(clusterName="cr-svc-tasksets")
    ecs.register_task_definition(
        family="cr-svc-taskset",
        networkMode="awsvpc",
        containerDefinitions=[{"name": "app", "image": "public.ecr.aws/docker/library/busybox:stable", "memory": 64}],
    )
    ecs.create_service(cluster="cr-svc-tasksets", serviceName="cr-svc-external", deploymentController={"type": "EXTERNAL"}, desiredCount=0)

    def task_set(assign: str) -> str:
        net = {"awsvpcConfiguration": {"subnets": [subnet], "assignPublicIp": assign}}
        return ecs.create_task_set(cluster="cr-svc-tasksets", service="cr-svc-external", taskDefinition="cr-svc-taskset", networkConfiguration=net)["taskSet"][
            "taskSetArn"
        ]

    w.expected["ECS.16"] = (task_set("DISABLED"), task_set("ENABLED"))


def _elasticache(w: Any) -> None:
    """ElastiCache.7: a Redis cluster in a subnet group of its own; the Memcached cluster of conftest's world, created
    without a subnet group, is in the default one (ElastiCache.7 judges every engine)."""
    ec = w.client("elasticache")
    subnets = [s["SubnetId"] for s in w.client("ec2").describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]][:2]
    ec.create_cache_subnet_group(CacheSubnetGroupName="cr-svc-private", CacheSubnetGroupDescription="custom", SubnetIds=subnets)
    good = ec.create_cache_cluster(
        CacheClusterId="cr-svc-subnet", Engine="redis", CacheNodeType="cache.t3.micro", NumCacheNodes=1, CacheSubnetGroupName="cr-svc-private"
    )["CacheCluster"]["ARN"]
    w.expected["ElastiCache.7"] = (good, w.arns["memcached-cluster"])


def _dynamodb(w: Any) -> None:
    """DynamoDB.1: two provisioned tables; the good one's reads and writes are auto scaled, the bad one's only reads."""
    ddb = w.client("dynamodb")
    aas = w.client("application-autoscaling")
    table = {
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    }
    arns = [ddb.create_table(TableName=name, **table)["TableDescription"]["TableArn"] for name in ("cr-svc-scaled", "cr-svc-fixed")]
    for name, dims in (("cr-svc-scaled", ("Read", "Write")), ("cr-svc-fixed", ("Read",))):
        for dim in dims:
            target = {"ServiceNamespace": "dynamodb", "ResourceId": f"table/{name}", "ScalableDimension": f"dynamodb:table:{dim}CapacityUnits"}
            aas.register_scalable_target(MinCapacity=5, MaxCapacity=50, **target)
            metric = {"PredefinedMetricType": f"DynamoDB{dim}CapacityUtilization"}
            config = {"TargetValue": 70.0, "PredefinedMetricSpecification": metric}
            aas.put_scaling_policy(PolicyName=f"{name}-{dim}", PolicyType="TargetTrackingScaling", TargetTrackingScalingPolicyConfiguration=config, **target)
    w.expected["DynamoDB.1"] = (arns[0], arns[1])


def _dax(w: Any) -> None:
    """DynamoDB.3 / DynamoDB.7: a DAX cluster encrypted at rest and in transit (TLS), and one with neither."""
    dax = w.client("dax")
    role = w.client("iam").create_role(RoleName="cr-svc-dax", AssumeRolePolicyDocument='{"Version": "2012-10-17", "Statement": []}')["Role"]["Arn"]
    common = {"NodeType": "dax.t3.small", "ReplicationFactor": 1, "IamRoleArn": role}
    good = dax.create_cluster(ClusterName="cr-svc-dax-good", SSESpecification={"Enabled": True}, ClusterEndpointEncryptionType="TLS", **common)
    bad = dax.create_cluster(ClusterName="cr-svc-dax-bad", **common)
    for control in ("DynamoDB.3", "DynamoDB.7"):
        w.expected[control] = (good["Cluster"]["ClusterArn"], bad["Cluster"]["ClusterArn"])


def _s3control(w: Any, region: str = "us-east-1") -> Any:
    creds = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    s3c = boto3.client("s3control", endpoint_url=w.emulator.endpoint, region_name=region, **creds)
    host = urllib.parse.urlsplit(w.emulator.endpoint).netloc

    def emulator_host(request: Any, **_kw: Any) -> None:  # s3control puts "ACCOUNT." before the emulator's host
        parts = urllib.parse.urlsplit(request.url)
        if parts.netloc.endswith("." + host):
            request.url = urllib.parse.urlunsplit(parts._replace(netloc=host))

    s3c.meta.events.register("before-sign", emulator_host)
    return s3c


def _access_points(w: Any) -> None:
    """S3.19: two access points of one bucket; the bad one lets public ACLs through."""
    w.client("s3").create_bucket(Bucket="cr-svc-access-points")
    s3c = _s3control(w)
    on = dict.fromkeys(("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True)
    out = []
    for name, conf in (("cr-svc-ap-good", on), ("cr-svc-ap-bad", {**on, "BlockPublicAcls": False})):
        got = s3c.create_access_point(AccountId=ACCOUNT, Name=name, Bucket="cr-svc-access-points", PublicAccessBlockConfiguration=conf)
        out.append(got.get("AccessPointArn") or f"arn:aws:s3:us-east-1:{ACCOUNT}:accesspoint/{name}")
    w.expected["S3.19"] = (out[0], out[1])


def _public_buckets(w: Any) -> None:
    """S3.2 / S3.3: conftest's good bucket blocks public access (PASS); one bucket's ACL lets everyone read it, another's
    policy lets everyone write to it (this account has no account-level Block Public Access: S3.1 fails here)."""
    s3 = w.client("s3")
    s3.create_bucket(Bucket="cr-svc-public-read")
    s3.put_bucket_acl(Bucket="cr-svc-public-read", ACL="public-read")
    s3.create_bucket(Bucket="cr-svc-public-write")
    statement = {"Sid": "AnyoneUploads", "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::cr-svc-public-write/*"}
    s3.put_bucket_policy(Bucket="cr-svc-public-write", Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    w.expected["S3.2"] = (w.arns["bucket-good"], "arn:aws:s3:::cr-svc-public-read")
    w.expected["S3.3"] = (w.arns["bucket-good"], "arn:aws:s3:::cr-svc-public-write")


def _ecs_task_definitions(w: Any) -> None:
    """ECS.17 / ECS.18 / ECS.20 (Linux) and ECS.21 (Windows): one task definition family per verdict."""
    ecs = w.client("ecs")

    def register(family: str, user: str | None, os_family: str, mode: str = "awsvpc", transit: str | None = None) -> str:
        container = {"name": "app", "image": "public.ecr.aws/docker/library/busybox:stable", "memory": 64, **({"user": user} if user else {})}
        extra: dict[str, Any] = {"runtimePlatform": {"operatingSystemFamily": os_family, "cpuArchitecture": "X86_64"}}
        if transit is not None:
            efs = {"fileSystemId": "fs-12345678", **({"transitEncryption": transit} if transit else {})}
            extra["volumes"] = [{"name": "shared", "efsVolumeConfiguration": efs}]
        return ecs.register_task_definition(family=family, networkMode=mode, containerDefinitions=[container], **extra)["taskDefinition"]["taskDefinitionArn"]

    good = register("cr-svc-td-linux-good", "1000:1000", "LINUX", transit="ENABLED")
    bad = register("cr-svc-td-linux-bad", "root", "LINUX", mode="host", transit="")
    for control in ("ECS.17", "ECS.18", "ECS.20"):
        w.expected[control] = (good, bad)
    w.expected["ECS.21"] = (
        register("cr-svc-td-windows-good", "ContainerUser", "WINDOWS_SERVER_2022_CORE"),
        register("cr-svc-td-windows-bad", "ContainerAdministrator", "WINDOWS_SERVER_2019_FULL"),
    )


def _capacity_providers(w: Any) -> None:
    """ECS.19: two Auto Scaling group capacity providers, managed termination protection on and off."""
    ecs = w.client("ecs")

    def provider(name: str, protection: str) -> str:
        asg = {
            "autoScalingGroupArn": f"arn:aws:autoscaling:us-east-1:{ACCOUNT}:autoScalingGroup:{GROUP_ID}:autoScalingGroupName/{name}",
            "managedScaling": {"status": "ENABLED", "targetCapacity": 80},
            "managedTerminationProtection": protection,
        }
        return ecs.create_capacity_provider(name=name, autoScalingGroupProvider=asg)["capacityProvider"]["capacityProviderArn"]

    w.expected["ECS.19"] = (provider("cr-svc-cp-protected", "ENABLED"), provider("cr-svc-cp-open", "DISABLED"))


def _multi_region_access_points(w: Any) -> None:
    """S3.24: two Multi-Region Access Points over one bucket (created through us-west-2, as AWS requires); the bad one
    leaves BlockPublicPolicy off."""
    w.client("s3").create_bucket(Bucket="cr-svc-mrap")
    s3c = _s3control(w, "us-west-2")
    on = dict.fromkeys(("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True)
    for name, conf in (("cr-svc-mrap-good", on), ("cr-svc-mrap-bad", {**on, "BlockPublicPolicy": False})):
        details = {"Name": name, "PublicAccessBlock": conf, "Regions": [{"Bucket": "cr-svc-mrap"}]}
        s3c.create_multi_region_access_point(AccountId=ACCOUNT, ClientToken=name, Details=details)
    aliases = {ap["Name"]: ap["Alias"] for ap in s3c.list_multi_region_access_points(AccountId=ACCOUNT)["AccessPoints"]}
    w.expected["S3.24"] = tuple(f"arn:aws:s3::{ACCOUNT}:accesspoint/{aliases[n]}" for n in ("cr-svc-mrap-good", "cr-svc-mrap-bad"))
