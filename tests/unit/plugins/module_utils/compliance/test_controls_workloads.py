"""The tricky parts of controls_workloads.py's controls: root users under host networking, Fargate platform
versions per OS family, secrets never accessed, required tag keys, which ElastiCache resources ECS.2 judges."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.compliance import controls as ctl
from ansible_collections.slipway.aws.plugins.module_utils.compliance import evidence

from tests.unit.plugins.module_utils.compliance.cases_workloads import APP, KEY_ARN, SIDECAR, SVC, TD, svc, td

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)


def judge(cid: str, service: str, base: dict[str, Any], areas: dict[str, Any], params: dict[str, Any] | None = None) -> ctl.Result:
    res = {"arn": "arn:test:x", "name": "x", "region": "us-east-1", "type": "T", "base": base, "areas": areas, "unavailable": {}}
    ev = {"account": "123456789012", "regions": ["us-east-1"], "services": [{"service": service, "region": "us-east-1", "listing": None, "resources": [res]}]}
    (r,) = ctl.evaluate(ctl.CONTROLS[cid], ev, params, NOW)
    return r


@pytest.mark.parametrize(
    ("user", "privileged", "status"),
    [(None, False, "FAIL"), ("root", None, "FAIL"), ("0:0", False, "FAIL"), ("root:wheel", False, "FAIL"), ("1000:1000", False, "PASS"), (None, True, "PASS")],
)
def test_ecs_1_host_mode_needs_a_non_root_user_or_explicit_privilege(user: str | None, privileged: bool | None, status: str) -> None:
    container = {**APP, "user": user, "privileged": privileged}
    assert judge("ECS.1", "ecs", TD, td([container], networkMode="host")).status == status


def test_ecs_1_other_network_modes_pass_whatever_the_user() -> None:
    for mode in ("awsvpc", "bridge", "none", None):
        assert judge("ECS.1", "ecs", TD, td([SIDECAR], networkMode=mode)).status == "PASS"


def test_ecs_9_names_the_containers_without_logging() -> None:
    r = judge("ECS.9", "ecs", TD, td([APP, SIDECAR]))
    assert r.status == "FAIL" and r.evidence == {"without_logging": ["sidecar"]}


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"platformVersion": None}, "PASS"),
        ({"platformVersion": "1.4.0"}, "PASS"),
        ({"platformVersion": "1.3.0"}, "FAIL"),
        ({"platformVersion": "1.0.0", "platformFamily": "WINDOWS_SERVER_2019_FULL"}, "PASS"),
        ({"platformVersion": "1.4.0", "platformFamily": "WINDOWS_SERVER_2019_FULL"}, "FAIL"),
        ({"launchType": "EC2", "platformVersion": None}, "NOT_APPLICABLE"),
    ],
)
def test_ecs_10_latest_platform_per_os_family(fields: dict[str, Any], status: str) -> None:
    assert judge("ECS.10", "ecs", SVC, svc(**fields)).status == status


def test_secrets_manager_3_falls_back_to_the_creation_date() -> None:
    assert judge("SecretsManager.3", "secretsmanager", {"CreatedDate": "2025-05-01T00:00:00Z"}, {}).status == "PASS"
    r = judge("SecretsManager.3", "secretsmanager", {"CreatedDate": "2024-01-01T00:00:00Z"}, {})
    assert r.status == "FAIL" and "never accessed" in r.reason
    assert judge("SecretsManager.3", "secretsmanager", {"LastAccessedDate": "2025-02-01T00:00:00Z"}, {}, {"unusedForDays": 180}).status == "PASS"


def test_tagging_controls_with_required_keys() -> None:
    params = {"requiredTagKeys": ["Project", "Owner"]}
    r = judge("SQS.2", "sqs", {}, {"tags": {"Project": "p", "owner": "case-sensitive"}}, params)
    assert r.status == "FAIL" and r.evidence["missing"] == ["Owner"]
    assert judge("SQS.2", "sqs", {}, {"tags": {"Project": "p", "Owner": "o"}}, params).status == "PASS"


def test_elasticache_2_judges_groups_and_redis_clusters_not_memcached() -> None:
    cluster = {"kind": "cache_cluster", "Engine": "redis", "AutoMinorVersionUpgrade": True}
    assert judge("ElastiCache.2", "elasticache", cluster, {}).status == "PASS"
    ev = {"account": "1", "regions": ["us-east-1"], "services": [{"service": "elasticache", "region": "us-east-1", "listing": None, "resources": []}]}
    memcached = {"arn": "m", "name": "m", "region": "us-east-1", "type": "T", "base": {**cluster, "Engine": "memcached"}, "areas": {}, "unavailable": {}}
    ev["services"][0]["resources"] = [memcached]
    assert ctl.evaluate(ctl.CONTROLS["ElastiCache.2"], ev, None, NOW) == []


def test_container_evidence_keeps_the_user_and_the_log_driver_not_its_options() -> None:
    logging = {"logDriver": "splunk", "options": {"splunk-token": "s3cr3t", "splunk-url": "https://x"}}
    c = evidence._container({"name": "app", "user": "1000:1000", "logConfiguration": logging})
    assert c["user"] == "1000:1000" and c["log_driver"] == "splunk" and "s3cr3t" not in repr(c)
    assert "user" not in evidence._container({"name": "app"}) and "log_driver" not in evidence._container({"name": "app"})


def test_ecr_5_aes256_fails_without_reading_a_key_and_kms_key_arns_narrows() -> None:
    r = judge("ECR.5", "ecr", {"encryption": {"encryptionType": "AES256"}}, {"kms_key": None})
    assert r.status == "FAIL" and "AES256" in r.reason
    enc = {"encryption": {"encryptionType": "KMS", "kmsKey": KEY_ARN}}
    customer = {"kms_key": {"arn": KEY_ARN, "manager": "CUSTOMER", "state": "Enabled"}}
    assert judge("ECR.5", "ecr", enc, customer, {"kmsKeyArns": ["arn:aws:kms:us-east-1:123456789012:key/other"]}).status == "FAIL"
    assert judge("ECR.5", "ecr", enc, customer, {"kmsKeyArns": [KEY_ARN]}).status == "PASS"
