"""The compliance-report suite: the real playbook against an emulator of its own.

``pytest tests/compliance``. One emulator for the session (API 4840, its receiver
4841, listener base 19000, CloudFront edges from 19500; ``SLIPWAY_COMPLIANCE_EMULATOR_PORT`` /
``SLIPWAY_COMPLIANCE_LISTENER_BASE`` / ``SLIPWAY_COMPLIANCE_EDGE_BASE`` pin them) and one world built with boto3
(``world``): per control, one compliant resource (``cr-good...``) and one that is not
(``cr-bad...``).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.compliance import seeds_edge, seeds_elb, seeds_iam, seeds_network, seeds_rds, seeds_services, seeds_workloads
from tests.support import ROOT
from tests.support.emulator import Emulator, env_port

OTHER_ACCOUNT = "111111111111"
TAGS = [{"Key": "Project", "Value": "slipway"}, {"Key": "Environment", "Value": "test"}, {"Key": "ManagedBy", "Value": "terraform"}]


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    tmp = Path(tempfile.mkdtemp(prefix="slipway-compliance-"))
    port = env_port("SLIPWAY_COMPLIANCE_EMULATOR_PORT")
    base = env_port("SLIPWAY_COMPLIANCE_LISTENER_BASE")
    edges = env_port("SLIPWAY_COMPLIANCE_EDGE_BASE") or 19500
    emu = Emulator.pick(
        tmp / "emulator", port=port or 4840, listener_base=base or 19000, exact=bool(port and base), extra_env={"SLIPWAY_EDGE_PORT_BASE": str(edges)}
    )
    emu.up()
    try:
        yield emu
    finally:
        emu.down()
        shutil.rmtree(tmp, ignore_errors=True)


@dataclass
class World:
    emulator: Emulator
    arns: dict[str, str] = field(default_factory=dict)  # short name -> ARN
    # control -> (compliant ARN, non-compliant ARN)
    expected: dict[str, tuple[str, str]] = field(default_factory=dict)
    # account-wide controls (one resource per account): control -> (compliant resource in OTHER_ACCOUNT, non-compliant one here)
    accounts: dict[str, tuple[str, str]] = field(default_factory=dict)
    other_account: dict[str, str] = field(default_factory=dict)  # the connection options of OTHER_ACCOUNT

    def client(self, service: str) -> Any:
        return self.emulator.client(service)


def _bucket(w: World, name: str, good: bool) -> str:
    s3 = w.client("s3")
    s3.create_bucket(Bucket=name)
    if good:
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "TLS",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
        flags = dict.fromkeys(("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True)
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=flags)
        s3.put_bucket_logging(Bucket=name, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": "cr-logs", "TargetPrefix": f"{name}/"}})
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": TAGS})
    return f"arn:aws:s3:::{name}"


ROLE = "arn:aws:iam::123456789012:role/cr-rotation"
# A rotation function shaped like AWS's template (createSecret puts AWSPENDING, finishSecret moves AWSCURRENT).
ROTATION = """
import json

import boto3

sm = boto3.client("secretsmanager")


def handler(event, context):
    arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
    versions = sm.describe_secret(SecretId=arn)["VersionIdsToStages"]
    if "AWSCURRENT" in versions.get(token, []):
        return
    if step == "createSecret":
        sm.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString=json.dumps({"v": token}), VersionStages=["AWSPENDING"])
    elif step == "finishSecret":
        old = next(v for v, stages in versions.items() if "AWSCURRENT" in stages)
        sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=old)
"""


def function_name(secret: str) -> str:
    return "cr-rotate-" + secret.replace("/", "-")


def rotated(w: World, secret: str) -> str:
    """A secret rotated once by its own rotation function (invocable by Secrets Manager), waited for."""
    lam, sm = w.client("lambda"), w.client("secretsmanager")
    if not any(r["Arn"] == ROLE for r in w.client("iam").list_roles()["Roles"]):
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        w.client("iam").create_role(RoleName=ROLE.rsplit("/", 1)[1], AssumeRolePolicyDocument=json.dumps(trust))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("rotation.py", ROTATION)
    name = function_name(secret)
    fn = lam.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE, Handler="rotation.handler", Code={"ZipFile": buf.getvalue()}, Timeout=15)
    lam.add_permission(FunctionName=name, StatementId="secretsmanager", Action="lambda:InvokeFunction", Principal="secretsmanager.amazonaws.com")
    arn = sm.create_secret(Name=secret, SecretString="{}", Tags=TAGS)["ARN"]
    token = sm.rotate_secret(SecretId=arn, RotationLambdaARN=fn["FunctionArn"], RotationRules={"AutomaticallyAfterDays": 30})["VersionId"]
    deadline = time.monotonic() + 60
    while True:
        meta = sm.describe_secret(SecretId=arn)
        if "AWSCURRENT" in meta["VersionIdsToStages"].get(token, []) and meta.get("LastRotatedDate"):
            return arn
        assert time.monotonic() < deadline, f"the rotation of {secret} did not finish in 60 s: {meta}"
        time.sleep(0.3)


def build_world(emulator: Emulator) -> World:
    w = World(emulator)
    s3 = w.client("s3")
    s3.create_bucket(Bucket="cr-logs")
    s3.put_bucket_acl(Bucket="cr-logs", ACL="log-delivery-write")
    good, bad = _bucket(w, "cr-good", True), _bucket(w, "cr-bad", False)
    for c in ("S3.5", "S3.8", "S3.9", "S3.14"):
        w.expected[c] = (good, bad)
    w.arns["bucket-good"], w.arns["bucket-bad"] = good, bad

    rds = w.client("rds")
    db = {"DBInstanceClass": "db.t3.micro", "Engine": "mysql", "MasterUsername": "admin", "MasterUserPassword": "password123", "AllocatedStorage": 20}
    ok = dict(StorageEncrypted=True, BackupRetentionPeriod=7, AutoMinorVersionUpgrade=True, DeletionProtection=True, PubliclyAccessible=False, Tags=TAGS)
    ok.update(MultiAZ=True, EnableCloudwatchLogsExports=["audit", "error", "general", "slowquery"], EnableIAMDatabaseAuthentication=True)
    ok.update(CopyTagsToSnapshot=True, Port=3307)
    no = dict(StorageEncrypted=False, BackupRetentionPeriod=1, AutoMinorVersionUpgrade=False, DeletionProtection=False, PubliclyAccessible=True)
    no.update(MultiAZ=False, EnableCloudwatchLogsExports=["error"], Port=3306)  # RDS.9: three of MySQL's four logs missing
    g = rds.create_db_instance(DBInstanceIdentifier="cr-good", **db, **ok)["DBInstance"]["DBInstanceArn"]
    b = rds.create_db_instance(DBInstanceIdentifier="cr-bad", **db, **no)["DBInstance"]["DBInstanceArn"]
    for c in ("RDS.2", "RDS.3", "RDS.5", "RDS.8", "RDS.9", "RDS.10", "RDS.11", "RDS.13", "RDS.17", "RDS.23"):
        w.expected[c] = (g, b)
    # SLIPWAY.RDS.RestoreDrill: cr-good's last restore drill (backup_restore_test's tag) succeeded two days ago; cr-bad has none
    drilled = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    rds.add_tags_to_resource(ResourceName=g, Tags=[{"Key": "slipway:restore-drill", "Value": f"{drilled} succeeded backup_restore_test-x"}])
    w.expected["SLIPWAY.RDS.RestoreDrill"] = (g, b)

    sm = w.client("secretsmanager")
    fresh = sm.create_secret(Name="cr/fresh", SecretString="{}", Tags=TAGS)["ARN"]
    stale = sm.create_secret(Name="cr/stale", SecretString="{}")["ARN"]
    w.expected["SecretsManager.4"] = (fresh, stale)
    body = json.dumps({"secret_id": stale, "back_days": 100}).encode()
    req = urllib.request.Request(emulator.endpoint + "/_slipway/secrets/dates", data=body, method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200
    w.arns["secret-fresh"], w.arns["secret-stale"] = fresh, stale
    # SLIPWAY.SecretsManager.RotationState: one secret rotated by a working function (healthy), one whose function
    # was deleted after it rotated (rotator_broken); cr/fresh and cr/stale do not rotate (not applicable)
    rotating = {name: rotated(w, name) for name in ("cr/rotating", "cr/broken")}
    w.client("lambda").delete_function(FunctionName=function_name("cr/broken"))
    w.expected["SLIPWAY.SecretsManager.RotationState"] = (rotating["cr/rotating"], rotating["cr/broken"])

    sqs = w.client("sqs")

    # SQS.3: both queues let every principal send; the good one only when the sender is the account's topic
    def send_policy(name: str, **condition: Any) -> str:
        st = {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": f"arn:aws:sqs:us-east-1:123456789012:{name}", **condition}
        return json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "send", **st}]})

    narrowed = send_policy("cr-good", Condition={"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:cr-good"}})
    good_attrs = {"SqsManagedSseEnabled": "true", "Policy": narrowed}
    qg = sqs.create_queue(QueueName="cr-good", Attributes=good_attrs, tags={t["Key"]: t["Value"] for t in TAGS})["QueueUrl"]
    qb = sqs.create_queue(QueueName="cr-bad", Attributes={"SqsManagedSseEnabled": "false", "Policy": send_policy("cr-bad")})["QueueUrl"]

    def arn(url: str) -> str:
        return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    w.expected["SQS.1"] = (arn(qg), arn(qb))
    w.expected["SQS.3"] = (arn(qg), arn(qb))
    w.expected["SLIPWAY.Tags.1"] = (good, bad)
    w.arns["queue-good"], w.arns["queue-bad"] = arn(qg), arn(qb)

    ddb = w.client("dynamodb")
    table = {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}
    tg = ddb.create_table(TableName="cr-good", BillingMode="PAY_PER_REQUEST", **table)["TableDescription"]["TableArn"]
    tb = ddb.create_table(TableName="cr-bad", BillingMode="PAY_PER_REQUEST", **table)["TableDescription"]["TableArn"]
    ddb.update_continuous_backups(TableName="cr-good", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    w.expected["DynamoDB.2"] = (tg, tb)

    kms = w.client("kms")
    kg = kms.create_key(Description="cr-good")["KeyMetadata"]
    kb = kms.create_key(Description="cr-bad")["KeyMetadata"]
    kms.enable_key_rotation(KeyId=kg["KeyId"])
    w.expected["KMS.4"] = (kg["Arn"], kb["Arn"])
    # KMS.3: a key scheduled for deletion (KMS.4 then does not judge it: not applicable)
    doomed = kms.create_key(Description="cr-doomed")["KeyMetadata"]
    kms.schedule_key_deletion(KeyId=doomed["KeyId"], PendingWindowInDays=30)
    w.expected["KMS.3"] = (kg["Arn"], doomed["Arn"])

    ecr = w.client("ecr")
    rg = ecr.create_repository(repositoryName="cr/good", imageScanningConfiguration={"scanOnPush": True}, imageTagMutability="IMMUTABLE")["repository"]
    rb = ecr.create_repository(repositoryName="cr/bad")["repository"]
    rule = {
        "rules": [
            {"rulePriority": 1, "selection": {"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 5}, "action": {"type": "expire"}}
        ]
    }
    ecr.put_lifecycle_policy(repositoryName="cr/good", lifecyclePolicyText=json.dumps(rule))
    for c in ("ECR.1", "ECR.2", "ECR.3"):
        w.expected[c] = (rg["repositoryArn"], rb["repositoryArn"])
    # SLIPWAY.ECR.ScanFindings: an image in each, scanned (the good one on push, the bad one on request), with
    # findings seeded through the emulator's ECR scanning plane: the good one's below HIGH, the bad one's one HIGH
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "config": {}, "layers": []}
    seeds = {
        "cr/good": [{"name": f"CVE-2030-000{i}", "severity": sev} for i, sev in enumerate(("LOW", "LOW", "MEDIUM"), start=1)],
        "cr/bad": [{"name": "CVE-2030-0004", "severity": "HIGH", "package_name": "openssl", "package_version": "3.0.0"}],
    }
    for repo, findings in seeds.items():
        digest = ecr.put_image(repositoryName=repo, imageManifest=json.dumps({**manifest, "repo": repo}), imageTag="v1")["image"]["imageId"]["imageDigest"]
        body = json.dumps({"repository": repo, "imageDigest": digest, "status": "COMPLETE", "findings": findings}).encode()
        req = urllib.request.Request(emulator.endpoint + "/_slipway/ecr/scan-findings", data=body, method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            resp.read()
        if repo == "cr/bad":  # no scan on push there
            ecr.start_image_scan(repositoryName=repo, imageId={"imageDigest": digest})
        deadline = time.monotonic() + 60
        while ecr.describe_image_scan_findings(repositoryName=repo, imageId={"imageDigest": digest})["imageScanStatus"]["status"] != "COMPLETE":
            assert time.monotonic() < deadline, f"the scan of {repo} did not complete"
            time.sleep(0.2)
    w.expected["SLIPWAY.ECR.ScanFindings"] = (rg["repositoryArn"], rb["repositoryArn"])

    logs = w.client("logs")
    logs.create_log_group(logGroupName="/cr/good")
    logs.put_retention_policy(logGroupName="/cr/good", retentionInDays=400)
    logs.create_log_group(logGroupName="/cr/bad")
    logs.put_retention_policy(logGroupName="/cr/bad", retentionInDays=7)
    w.expected["CloudWatch.16"] = ("arn:aws:logs:us-east-1:123456789012:log-group:/cr/good", "arn:aws:logs:us-east-1:123456789012:log-group:/cr/bad")

    ec2 = w.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    sg = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]
    if sg.get("IpPermissionsEgress"):
        ec2.revoke_security_group_egress(GroupId=sg["GroupId"], IpPermissions=sg["IpPermissionsEgress"])
    if sg.get("IpPermissions"):
        ec2.revoke_security_group_ingress(GroupId=sg["GroupId"], IpPermissions=sg["IpPermissions"])
    vpc2 = ec2.create_vpc(CidrBlock="10.78.0.0/16")["Vpc"]["VpcId"]
    sg2 = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc2]}, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]
    ec2.authorize_security_group_ingress(
        GroupId=sg2["GroupId"], IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    sgarn = "arn:aws:ec2:us-east-1:123456789012:security-group/{}"
    w.expected["EC2.2"] = (sgarn.format(sg["GroupId"]), sgarn.format(sg2["GroupId"]))

    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.77.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"] for i, z in ((1, "a"), (2, "b"))
    ]
    elb = w.client("elbv2")
    lg = elb.create_load_balancer(Name="cr-good", Subnets=subnets, Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
    lb = elb.create_load_balancer(Name="cr-bad", Subnets=subnets, Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
    attrs = {
        "routing.http.drop_invalid_header_fields.enabled": "true",
        "access_logs.s3.enabled": "true",
        "access_logs.s3.bucket": "cr-logs",
        "deletion_protection.enabled": "true",
    }
    elb.modify_load_balancer_attributes(LoadBalancerArn=lg, Attributes=[{"Key": k, "Value": v} for k, v in attrs.items()])
    for c in ("ELB.4", "ELB.5", "ELB.6"):
        w.expected[c] = (lg, lb)

    cf = w.client("cloudfront")
    hsts = {"Override": True, "AccessControlMaxAgeSec": 63072000, "IncludeSubdomains": True}
    every = {
        "StrictTransportSecurity": hsts,
        "ContentTypeOptions": {"Override": True},
        "FrameOptions": {"Override": True, "FrameOption": "DENY"},
        "ReferrerPolicy": {"Override": True, "ReferrerPolicy": "strict-origin-when-cross-origin"},
        "ContentSecurityPolicy": {"Override": True, "ContentSecurityPolicy": "default-src 'self'"},
    }

    def headers_policy(name: str, security: dict[str, Any]) -> str:
        conf = {"Name": name, "Comment": name, "SecurityHeadersConfig": security}
        return cf.create_response_headers_policy(ResponseHeadersPolicyConfig=conf)["ResponseHeadersPolicy"]["Id"]

    strong = headers_policy("cr-strong", every)
    weak = headers_policy("cr-weak", {"StrictTransportSecurity": hsts, "ContentTypeOptions": {"Override": True}})
    headers = {"cr-good": strong, "cr-bad": weak}

    def distribution(ref: str, root: str, policy: str) -> str:
        conf = {
            "CallerReference": ref,
            "Comment": ref,
            "Enabled": True,
            "DefaultRootObject": root,
            "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "cr-good.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
            "DefaultCacheBehavior": {
                "TargetOriginId": "o",
                "ViewerProtocolPolicy": policy,
                "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
                "ResponseHeadersPolicyId": headers[ref],
            },
        }
        return cf.create_distribution(DistributionConfig=conf)["Distribution"]["ARN"]

    dg, db_ = distribution("cr-good", "index.html", "redirect-to-https"), distribution("cr-bad", "", "allow-all")
    for c in ("CloudFront.1", "CloudFront.3", "SLIPWAY.CloudFront.SecurityHeaders"):
        w.expected[c] = (dg, db_)
    _ecs(w, subnets, sg["GroupId"])
    _sns_iam_s3control(w)
    _elasticache(w)
    later = (seeds_edge, seeds_workloads, seeds_network, seeds_rds, seeds_elb, seeds_iam, seeds_services)  # the later FSBP controls, one module per area
    for more in later:
        more.seed(w)
    return w


def _elasticache(w: World) -> None:
    """Two Redis 5 replication groups (every ElastiCache control's compliant and non-compliant one), a Redis 7
    group without AUTH (ElastiCache.6 passes: 6.0+ uses ACLs), a standalone Redis cluster with backups
    (ElastiCache.1 judges it too) and a Memcached one (no backups to judge: not reported)."""
    ec = w.client("elasticache")
    common = {"Engine": "redis", "CacheNodeType": "cache.t3.micro", "NumCacheClusters": 2}
    good = ec.create_replication_group(
        ReplicationGroupId="cr-good",
        ReplicationGroupDescription="compliant",
        EngineVersion="5.0.6",
        AutomaticFailoverEnabled=True,
        MultiAZEnabled=True,
        AtRestEncryptionEnabled=True,
        TransitEncryptionEnabled=True,
        AuthToken="cr-good-auth-token-0123456789",
        SnapshotRetentionLimit=3,
        **common,
    )["ReplicationGroup"]["ARN"]
    bad = ec.create_replication_group(ReplicationGroupId="cr-bad", ReplicationGroupDescription="not compliant", EngineVersion="5.0.6", **common)
    for c in ("ElastiCache.1", "ElastiCache.3", "ElastiCache.4", "ElastiCache.5", "ElastiCache.6"):
        w.expected[c] = (good, bad["ReplicationGroup"]["ARN"])
    w.arns["redis7-group"] = ec.create_replication_group(
        ReplicationGroupId="cr-redis7", ReplicationGroupDescription="redis 7, no AUTH token", EngineVersion="7.1", **common
    )["ReplicationGroup"]["ARN"]
    single = {"CacheNodeType": "cache.t3.micro", "NumCacheNodes": 1}
    w.arns["redis-cluster"] = ec.create_cache_cluster(CacheClusterId="cr-single", Engine="redis", SnapshotRetentionLimit=1, **single)["CacheCluster"]["ARN"]
    w.arns["memcached-cluster"] = ec.create_cache_cluster(CacheClusterId="cr-memcached", Engine="memcached", **single)["CacheCluster"]["ARN"]


def _container(name: str, **settings: Any) -> dict[str, Any]:
    return {"name": name, "image": "public.ecr.aws/docker/library/busybox:stable", "memory": 64, "essential": True, **settings}


def _ecs(w: World, subnets: list[str], security_group: str) -> None:
    """ECS.12 on two clusters; ECS.4/.5/.8 on the latest ACTIVE revision of two families (the earlier or
    deregistered revisions say the opposite, so judging the wrong revision flips the verdict); ECS.2 on two services."""
    ecs = w.client("ecs")
    cg = ecs.create_cluster(clusterName="cr-good", settings=[{"name": "containerInsights", "value": "enabled"}])["cluster"]["clusterArn"]
    cb = ecs.create_cluster(clusterName="cr-bad", settings=[{"name": "containerInsights", "value": "disabled"}])["cluster"]["clusterArn"]
    w.expected["ECS.12"] = (cg, cb)
    safe = [_container("app", privileged=False, readonlyRootFilesystem=True, environment=[{"name": "LOG_LEVEL", "value": "info"}])]
    unsafe = [
        _container("app", privileged=True, environment=[{"name": "AWS_SECRET_ACCESS_KEY", "value": "not-a-real-secret"}]),
        _container("sidecar", readonlyRootFilesystem=True, environment=[{"name": "ECS_ENGINE_AUTH_DATA", "value": "{}"}]),
    ]

    def register(family: str, containers: list[dict[str, Any]]) -> str:
        fargate = {"networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512"}
        td = ecs.register_task_definition(family=family, containerDefinitions=containers, **fargate)
        return td["taskDefinition"]["taskDefinitionArn"]

    register("cr-good", unsafe)
    good = register("cr-good", safe)  # revision 2, the latest: compliant
    register("cr-bad", safe)
    bad = register("cr-bad", unsafe)  # revision 2, the latest ACTIVE: not compliant
    ecs.deregister_task_definition(taskDefinition=register("cr-bad", safe))  # revision 3, INACTIVE: not evaluated
    for c in ("ECS.4", "ECS.5", "ECS.8"):
        w.expected[c] = (good, bad)

    def service(name: str, public: str) -> str:
        net = {"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [security_group], "assignPublicIp": public}}
        created = ecs.create_service(cluster=cg, serviceName=name, taskDefinition=good, desiredCount=0, launchType="FARGATE", networkConfiguration=net)
        return created["service"]["serviceArn"]

    w.expected["ECS.2"] = (service("cr-good", "DISABLED"), service("cr-bad", "ENABLED"))


def _sns_iam_s3control(w: World) -> None:
    sns = w.client("sns")
    tg = sns.create_topic(Name="cr-good", Attributes={"KmsMasterKeyId": "alias/aws/sns"})["TopicArn"]
    tb = sns.create_topic(Name="cr-bad")["TopicArn"]
    w.expected["SNS.1"] = (tg, tb)
    # SNS.4: the good topic keeps SNS's default policy (Principal * narrowed by AWS:SourceOwner); the bad one lets anyone publish
    public = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "SNS:Publish", "Resource": tb}
    sns.set_topic_attributes(TopicArn=tb, AttributeName="Policy", AttributeValue=json.dumps({"Version": "2012-10-17", "Statement": [public]}))
    w.expected["SNS.4"] = (tg, tb)

    # IAM.2: a user with no policy, one with an inline and a managed one. IAM.3: the good user's active key is new (its
    # inactive key is 200 days old: not judged), the bad user's active key is made 100 days old (the emulator's clock).
    iam = w.client("iam")
    doc = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
    ug = iam.create_user(UserName="cr-good")["User"]["Arn"]
    ub = iam.create_user(UserName="cr-bad")["User"]["Arn"]
    iam.put_user_policy(UserName="cr-bad", PolicyName="cr-inline", PolicyDocument=doc)
    iam.attach_user_policy(UserName="cr-bad", PolicyArn=iam.create_policy(PolicyName="cr-managed", PolicyDocument=doc)["Policy"]["Arn"])
    iam.create_access_key(UserName="cr-good")
    retired = iam.create_access_key(UserName="cr-good")["AccessKey"]["AccessKeyId"]
    iam.update_access_key(UserName="cr-good", AccessKeyId=retired, Status="Inactive")
    old = iam.create_access_key(UserName="cr-bad")["AccessKey"]["AccessKeyId"]
    for key, days in ((retired, 200), (old, 100)):
        body = json.dumps({"access_key_id": key, "back_days": days}).encode()
        req = urllib.request.Request(w.emulator.endpoint + "/_slipway/iam/access-key-dates", data=body, method="POST")
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 200
    w.expected["IAM.2"] = (ug, ub)
    w.expected["IAM.3"] = (ug, ub)

    # S3.1 is account-wide: this account has no account-level block public access; OTHER_ACCOUNT (reached by
    # assuming a role in it, as the emulator allows) has all four settings on.
    creds = w.client("sts").assume_role(RoleArn=f"arn:aws:iam::{OTHER_ACCOUNT}:role/cr-auditor", RoleSessionName="cr")["Credentials"]
    w.other_account = {"access_key": creds["AccessKeyId"], "secret_key": creds["SecretAccessKey"], "session_token": creds["SessionToken"]}
    other = boto3.client(
        "s3control",
        endpoint_url=w.emulator.endpoint,
        region_name="us-east-1",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    host = w.emulator.endpoint.split("://", 1)[1]

    def emulator_host(request: Any, **_kw: Any) -> None:  # s3control puts "111111111111." before the emulator's host
        request.url = request.url.replace(f"//{OTHER_ACCOUNT}.{host}", f"//{host}")

    other.meta.events.register("before-sign", emulator_host)
    flags = dict.fromkeys(("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True)
    other.put_public_access_block(AccountId=OTHER_ACCOUNT, PublicAccessBlockConfiguration=flags)
    w.accounts["S3.1"] = (f"AWS::::Account:{OTHER_ACCOUNT}", "AWS::::Account:123456789012")


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
        return json.loads((self.reports / "compliance_report.json").read_text())

    def verdicts(self) -> dict[tuple[str, str], str]:
        return {(f["compliance"]["control"], f["resources"][0]["uid"]): f["status"] for f in self.report["findings"]}


@pytest.fixture(scope="session")
def playbook(emulator: Emulator) -> Iterator[Callable[..., Run]]:
    """``playbook(*extra_args, reports=DIR)``: the real ``ansible-playbook playbooks/compliance_report.yml``
    with an inventory (environment ``test``) that points at this suite's emulator."""
    inv = Path(tempfile.mkdtemp(prefix="slipway-compliance-inv-"))
    (inv / "group_vars" / "all").mkdir(parents=True)
    hosts = {"all": {"hosts": {"localhost": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}}
    (inv / "hosts.yml").write_text(json.dumps(hosts))
    aws = {"region": "us-east-1", "endpoint_url": emulator.endpoint, "access_key": "test", "secret_key": "test"}
    (inv / "group_vars" / "all" / "main.yml").write_text(json.dumps({"slipway_environment": "test", "slipway_aws": aws}))

    def run(*args: str, reports: Path, exceptions: list[dict[str, Any]] | None = None) -> Run:
        if exceptions is not None:
            (inv / "compliance_exceptions.yml").write_text(json.dumps({"exceptions": exceptions}))
        else:
            (inv / "compliance_exceptions.yml").unlink(missing_ok=True)
        cmd = ["ansible-playbook", "-i", str(inv / "hosts.yml"), "playbooks/compliance_report.yml", "-e", f"compliance_report_dir={reports}", *args]
        proc = subprocess.run(cmd, cwd=ROOT, env=emulator.env, capture_output=True, text=True, timeout=300, check=False)
        return Run(proc.returncode, proc.stdout, proc.stderr, reports)

    yield run
    shutil.rmtree(inv, ignore_errors=True)
