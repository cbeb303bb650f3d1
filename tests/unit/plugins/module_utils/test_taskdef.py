import pytest
from ansible_collections.slipway.aws.plugins.module_utils import taskdef

LIVE = {
    "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/slipway-local-user:3",
    "family": "slipway-local-user",
    "revision": 3,
    "status": "ACTIVE",
    "registeredAt": "2026-11-27T10:00:00Z",
    "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.logging-driver.awslogs"}],
    "compatibilities": ["EC2", "FARGATE"],
    "networkMode": "awsvpc",
    "requiresCompatibilities": ["FARGATE"],
    "cpu": "256",
    "memory": "512",
    "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
    "containerDefinitions": [
        {
            "name": "user",
            "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/slipway/user@sha256:" + "a" * 64,
            "cpu": 0,
            "essential": True,
            "memory": 512,
            "portMappings": [{"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}],
            "environment": [{"name": "B", "value": "2"}, {"name": "A", "value": "1"}],
            "mountPoints": [],
            "volumesFrom": [],
        }
    ],
    "volumes": [],
    "placementConstraints": [],
}
IMAGE = LIVE["containerDefinitions"][0]["image"]


def test_echo_of_registered_definition_equals_its_render():
    # What ECS returns (read-only keys, defaults, reordered lists) is the same definition.
    rendered = taskdef.render(LIVE, "user", IMAGE, 256, 512)
    rendered["containerDefinitions"][0]["environment"].reverse()
    rendered["containerDefinitions"][0].pop("cpu")
    rendered["containerDefinitions"][0]["portMappings"] = [{"containerPort": 8080}]
    assert taskdef.same(LIVE, rendered)
    assert taskdef.diff(LIVE, rendered) == ""


def test_new_image_is_a_change_and_shows_in_diff():
    new_image = IMAGE.replace("a" * 64, "b" * 64)
    rendered = taskdef.render(LIVE, "user", new_image, 256, 512)
    assert not taskdef.same(LIVE, rendered)
    d = taskdef.diff(LIVE, rendered)
    assert "-" + ' "image": "' in d.replace("      ", "") or "b" * 64 in d
    assert "b" * 64 in d and "a" * 64 in d


def test_sizing_change_is_a_change():
    assert not taskdef.same(LIVE, taskdef.render(LIVE, "user", IMAGE, 512, 1024))


def test_render_unknown_container_names_the_containers():
    with pytest.raises(ValueError, match="has: user"):
        taskdef.render(LIVE, "nope", IMAGE)


def test_render_keeps_only_register_keys():
    rendered = taskdef.render(LIVE, "user", IMAGE)
    assert set(rendered) <= set(taskdef.REGISTER_KEYS)
    assert "revision" not in rendered and "status" not in rendered


def test_validate_reports_fargate_problems():
    td = taskdef.render(LIVE, "user", IMAGE)
    td["networkMode"] = "bridge"
    td.pop("cpu")
    problems = taskdef.validate(td)
    assert any("awsvpc" in p for p in problems)
    assert any("cpu and memory" in p for p in problems)
    assert taskdef.validate(taskdef.render(LIVE, "user", IMAGE)) == []


@pytest.mark.parametrize("tag,ok", [("1.4.0", True), ("v1_2-rc.1", True), ("", False), ("-x", False), (".x", False), ("a b", False), ("x" * 129, False)])
def test_image_tag_format(tag, ok):
    assert bool(taskdef.IMAGE_TAG_RE.match(tag)) is ok
