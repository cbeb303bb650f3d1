import pytest
from ansible_collections.slipway.aws.plugins.module_utils import traffic


def test_schedules():
    assert traffic.schedule("all_at_once") == [100]
    assert traffic.schedule("canary", canary_percent=10) == [10, 100]
    assert traffic.schedule("linear", linear_step_percent=25) == [25, 50, 75, 100]
    assert traffic.schedule("linear", linear_step_percent=30) == [30, 60, 90, 100]


@pytest.mark.parametrize("args", [("canary", 0, 25), ("canary", 100, 25), ("linear", 10, 0)])
def test_schedule_rejects_bad_percent(args):
    with pytest.raises(ValueError):
        traffic.schedule(*args)


def test_unknown_strategy_lists_known():
    with pytest.raises(ValueError, match="all_at_once, canary, linear"):
        traffic.schedule("yolo")


def test_forward_weights_and_live_colour():
    arn = {"tg-b": "blue", "tg-g": "green"}
    actions = [{"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": "tg-b", "Weight": 90}, {"TargetGroupArn": "tg-g", "Weight": 10}]}}]
    w = traffic.forward_weights(actions, arn)
    assert w == {"blue": 90, "green": 10}
    assert traffic.live_colour(w) is None
    single = [{"Type": "forward", "TargetGroupArn": "tg-g"}]
    assert traffic.live_colour(traffic.forward_weights(single, arn)) == "green"
    assert traffic.weights_for("green", 25) == {"green": 25, "blue": 75}
