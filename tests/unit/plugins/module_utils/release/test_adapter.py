"""The AWS adapter on in-process moto: each method makes the AWS call it stands for."""

import dataclasses

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.errors import PreflightError
from ansible_collections.slipway.aws.plugins.module_utils.release import AwsAdapter

from .fakes import make_config


@pytest.fixture
def ecs(table):
    """A cluster with user-blue and user-green on one revision (moto shares the table fixture's mock)."""
    client = table.client("ecs")
    client.create_cluster(clusterName="slipway-test")
    td = client.register_task_definition(family="slipway-test-user", containerDefinitions=[{"name": "user", "image": "x", "memory": 128}])
    arn = td["taskDefinition"]["taskDefinitionArn"]
    for colour in ("blue", "green"):
        client.create_service(cluster="slipway-test", serviceName=f"user-{colour}", taskDefinition=arn, desiredCount=0)
    return arn


def test_capacity_bounds_follow_the_colours(table, ecs):
    ids = {"blue": "service/slipway-test/user-blue", "green": "service/slipway-test/user-green"}
    cfg = dataclasses.replace(make_config(), autoscaling_resource_ids=ids, max_count=6)
    adapter = AwsAdapter(table, cfg)
    adapter.set_capacity_bounds("green", 2, cfg.scaling_max(2))
    adapter.set_capacity_bounds("blue", 0, 0)
    targets = table.client("application-autoscaling").describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    bounds = {t["ResourceId"]: (t["MinCapacity"], t["MaxCapacity"]) for t in targets}
    assert bounds == {ids["green"]: (2, 6), ids["blue"]: (0, 0)}
    # A foundation without auto scaling: nothing is registered.
    AwsAdapter(table, dataclasses.replace(cfg, autoscaling_resource_ids={})).set_capacity_bounds("green", 1, 4)
    assert len(table.client("application-autoscaling").describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]) == 2
    assert table.counter.writes["application-autoscaling.RegisterScalableTarget"] == 2


def test_services_revisions_and_scaling(table, ecs):
    adapter = AwsAdapter(table, make_config())
    services = adapter.describe_services()
    assert {c: s["serviceName"] for c, s in services.items()} == {"blue": "user-blue", "green": "user-green"}
    assert adapter.newest_revision() == ecs
    rendered = {k: v for k, v in adapter.describe_taskdef(ecs).items() if k in ("family", "containerDefinitions")}
    second = adapter.register_taskdef(rendered)
    assert second.endswith(":2")  # (moto lists revisions oldest first whatever `sort` says: newest_revision is not checked here)
    adapter.scale("green", 1, second)
    green = adapter.describe_service("green")
    assert green["desiredCount"] == 1 and green["taskDefinition"] == second


def test_missing_services_are_a_preflight_error(table, ecs):
    adapter = AwsAdapter(table, dataclasses.replace(make_config(), green_service="user-teal"))
    with pytest.raises(PreflightError, match="user-teal not found in cluster slipway-test"):
        adapter.describe_services()
