import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.slipway.aws.plugins.filter.invalidation_paths import FilterModule, invalidation_paths


def test_keys_and_paths_give_the_cheapest_set():
    plan = invalidation_paths(["index.html", "assets/i18n/en.json", "/assets/i18n/fr.json"], protected=["main-2YXE5NOA.js"])
    assert plan["paths"] == ["/", "/assets/i18n/*", "/index.html"]
    assert plan["billed_paths"] == 3 and plan["estimated_cost_usd"] == 0.0


def test_cost_beyond_the_free_paths():
    plan = invalidation_paths([f"/f{i}.txt" for i in range(4)], month_paths_used=999, allow_wildcards=False)
    assert (plan["paid_paths"], plan["estimated_cost_usd"]) == (3, 0.015)


def test_bad_input_is_a_filter_error():
    with pytest.raises(AnsibleFilterError, match="expects a list"):
        invalidation_paths("index.html")
    with pytest.raises(AnsibleFilterError, match="planner decides"):
        invalidation_paths(["/assets/*"])


def test_registered_under_its_name():
    assert FilterModule().filters()["invalidation_paths"] is invalidation_paths
